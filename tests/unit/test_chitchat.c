/* test_chitchat.c - small talk held, short alerts passed. */
#include "unit.h"

#include "chitchat.h"

struct cc_case {
	const char *subject, *text;
};

static void
test_small_talk(void **state)
{
	static const struct cc_case cases[] = {
		{ "Goedemorgen allemaal", "" },
		{ "", "Goedemorgen allemaal!\n" },
		{ "Bedankt!", NULL },
		{ NULL, "bedankt voor de info\n\nGroet, Jan\n" },
		{ "Top", "\xf0\x9f\x91\x8d\n" },			/* thumbs up */
		{ "\xf0\x9f\x91\x8d", "" },
		{ "Dank je wel", "Dankjewel allemaal, fijne avond!\n" },
		{ "Fijn weekend", "Fijn weekend allemaal \xf0\x9f\x98\x8a\n" },
		{ "Hoi", "Hallo buren,\n\nFijne avond en welterusten.\n\nMvg,\nPiet Bakker\n" },
		{ "Oké", "oké, super, thanks!\n" },
		{ "", "Goedenavond iedereen\n\nGroetjes Anna\n" },
		{ "Thanks", "Thank you very much" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!chitchat_only(cases[i].subject, cases[i].text))
			fail_msg("case %zu ('%s' / '%s') is taken for an alert", i,
			    cases[i].subject ? cases[i].subject : "(null)",
			    cases[i].text ? cases[i].text : "(null)");
}

/* Anything that may describe a situation is an alert. */
static void
test_alerts(void **state)
{
	static const struct cc_case cases[] = {
		{ "Inbraak nu Dorpsstraat 4", "" },
		{ "Goedemorgen", "Verdachte man bij de school\n" },
		{ "", "Goedenavond, er loopt iemand in de tuinen achter nr 12.\n" },
		{ "Bedankt", "Hij is weer terug!\n" },
		{ "Hallo", "Rode auto rijdt rondjes\n" },
		{ "112", "" },
		{ "Help", "" },
		{ "Brand", "" },
		{ "Goedemorgen allemaal", "Om 03:15 alarm gehoord\n" },
		{ "Dank", "Groet, Jan\nPolitie is onderweg\n" },
		{ "Hoi", "Groetjes, Anna\n\nPS er staat een busje\n" },
		{ "Goedenavond", "Man met capuchon\n" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (chitchat_only(cases[i].subject, cases[i].text))
			fail_msg("case %zu ('%s' / '%s') is taken for small talk", i,
			    cases[i].subject, cases[i].text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_talk),
		cmocka_unit_test(test_alerts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
