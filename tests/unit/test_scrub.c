/* test_scrub.c - contact details out of what the group reads. */
#include "unit.h"

#include "scrub.h"

struct scrub_case {
	const char *in;
	const char *out;
};

static void
check(const struct scrub_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *s = scrub_contacts(c[i].in, "[adres]", "[tel]", NULL);

		assert_non_null(s);
		if (strcmp(s, c[i].out) != 0)
			fail_msg("'%s' became '%s', want '%s'", c[i].in, s, c[i].out);
		free(s);
	}
}

/* Every way a Dutch number is written, and where it is written. */
static void
test_phone_forms_masked(void **state)
{
	static const struct scrub_case cases[] = {
		{ "06-12345678", "[tel]" },
		{ "0612345678", "[tel]" },
		{ "06 12345678", "[tel]" },
		{ "06 1234 5678", "[tel]" },
		{ "06 12 34 56 78", "[tel]" },
		{ "06 - 12 34 56 78", "[tel]" },
		{ "06-12 34 56 78", "[tel]" },
		{ "06.12.34.56.78", "[tel]" },
		{ "06/12345678", "[tel]" },
		{ "(06) 12345678", "[tel]" },
		{ "(06)12345678", "[tel]" },
		{ "+31 6 12345678", "[tel]" },
		{ "+31612345678", "[tel]" },
		{ "+31 6 1234 5678", "[tel]" },
		{ "+31 (0)6 12345678", "[tel]" },
		{ "+31(0)6-12345678", "[tel]" },
		{ "+31 (0) 6 12 34 56 78", "[tel]" },
		{ "0031 6 12345678", "[tel]" },
		{ "0031612345678", "[tel]" },
		{ "0031-6-12 34 56 78", "[tel]" },
		/* landlines: the privacy rule is about any number */
		{ "020-1234567", "[tel]" },
		{ "020 123 4567", "[tel]" },
		{ "010 - 123 45 67", "[tel]" },
		{ "(020) 123 45 67", "[tel]" },
		{ "0591-123456", "[tel]" },
		{ "+31 20 123 4567", "[tel]" },
		{ "+31 (0)20 1234567", "[tel]" },
		/* other countries */
		{ "+32 470 12 34 56", "[tel]" },
		{ "+49 151 12345678", "[tel]" },
		{ "0032 470 123456", "[tel]" },
		/* no-break spaces and dashes as phones and Word write them */
		{ "06\xc2\xa0" "12\xc2\xa0" "34\xc2\xa0" "56\xc2\xa0" "78", "[tel]" },
		{ "06\xe2\x80\x93" "12345678", "[tel]" },
		{ "06\xe2\x80\x91" "12345678", "[tel]" },
		/* after a colon, a slash, glued to a word */
		{ "Mobiel:06-12345678", "Mobiel:[tel]" },
		{ "Tel:0612345678", "Tel:[tel]" },
		{ "tel.0612345678", "tel.[tel]" },
		{ "bel0612345678", "bel[tel]" },
		{ "0612345678bellen", "[tel]bellen" },
		{ "T:+31612345678", "T:[tel]" },
		/* two in a row */
		{ "0612345678 0623456789", "[tel] [tel]" },
		{ "06-12345678/06-23456789", "[tel]/[tel]" },
		{ "06-12345678 / 06-23456789", "[tel] / [tel]" },
		{ "06 12345678 06 23456789", "[tel] [tel]" },
		{ "020-1234567 of 06-12345678", "[tel] of [tel]" },
		{ "+31612345678 +31623456789", "[tel] [tel]" },
		/* in sentences */
		{ "Bel mij op 06-12345678.", "Bel mij op [tel]." },
		{ "(bel 06-12345678)", "(bel [tel])" },
		{ "Groet, Jan (jan.devries@example.org, 06-12345678)",
		  "Groet, Jan ([adres], [tel])" },
		{ "Tel: +31 6 1234 5678 of 0031 6 12345678 of 020 123 4567.",
		  "Tel: [tel] of [tel] of [tel]." },
		{ "28-11-2026 0612345678", "28-11-2026 [tel]" },
		{ "01-12-2026 0612345678", "01-12-2026 [tel]" },
	};

	(void)state;
	check(cases, sizeof(cases) / sizeof(cases[0]));
}

/* What an alert needs stays: plates, times, dates, postcodes, 112. */
static void
test_not_phones_kept(void **state)
{
	static const struct scrub_case cases[] = {
		{ "Kenteken 12-ABC-3 om 21:04, postcode 1234 AB, nr 12, 28-11-2026.",
		  "Kenteken 12-ABC-3 om 21:04, postcode 1234 AB, nr 12, 28-11-2026." },
		{ "06-12-2026 14:30", "06-12-2026 14:30" },
		{ "op 01-12-2026 om 06:15", "op 01-12-2026 om 06:15" },
		{ "01.12.2026 0800", "01.12.2026 0800" },
		{ "tussen 06:00 en 07:00", "tussen 06:00 en 07:00" },
		{ "Bel 112 en daarna 0900-8844 (politie)", "Bel 112 en daarna 0900-8844 (politie)" },
		{ "0800-1234", "0800-1234" },
		{ "ordernummer 061234567890", "ordernummer 061234567890" },
		{ "1234567890", "1234567890" },
		{ "0,5 km verderop", "0,5 km verderop" },
		{ "huisnummer 10, 0.5 m", "huisnummer 10, 0.5 m" },
		{ "Dorpsstraat 4 te 1234 AB Dorp", "Dorpsstraat 4 te 1234 AB Dorp" },
		{ "+3", "+3" },
		{ "(0", "(0" },
		{ "0", "0" },
		{ "", "" },
	};

	(void)state;
	check(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_addresses_and_count(void **state)
{
	char *s;
	int n;

	(void)state;
	s = scrub_contacts("Jan <jan@example.org>, piet.bakker@mail.example.net; "
	    "0612345678@sms.example.com en 06-12345678", "[adres]", "[tel]", &n);
	assert_string_equal(s, "Jan <[adres]>, [adres]; [adres] en [tel]");
	assert_int_equal(n, 4);
	free(s);
	assert_int_equal(scrub_count("foto-06-12345678.jpg"), 1);
	assert_int_equal(scrub_count("IMG_0612.jpg"), 0);
	assert_int_equal(scrub_count("jan@example.org.png"), 1);
	assert_int_equal(scrub_count(NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_forms_masked),
		cmocka_unit_test(test_not_phones_kept),
		cmocka_unit_test(test_addresses_and_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
