/* test_close.c - the texts bpt-close sends, in both languages. */
#include "unit.h"

#include "template.h"

/*
 * Every line of the text of s is at most 72 characters (UTF-8 counted
 * as one); a notice's "Subject:" line is a header, folded as needed.
 */
static void
assert_short_lines(const char *name, const char *lang, const char *s)
{
	int col = 0, line = 1;

	if (strncmp(s, "Subject:", 8) == 0 && strchr(s, '\n') != NULL) {
		s = strchr(s, '\n');
		line = 0;
	}
	for (; *s; s++) {
		if (*s == '\n') {
			col = 0;
			line++;
			continue;
		}
		if (((unsigned char)*s & 0xc0) != 0x80 && ++col > 72)
			fail_msg("%s.%s: line %d is longer than 72 characters", name,
			    lang, line);
	}
}

static char *
render(const char *name, const char *lang, const struct tvar *v, size_t n)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf b = BUF_INIT;
	const char *text = tpl_builtin(name, lang);

	if (text == NULL)
		fail_msg("no built-in %s.%s", name, lang);
	if (tpl_expand(&ctx, text, v, n, &b) != BPT_OK)
		fail_msg("%s.%s: %s", name, lang, ctx.errmsg);
	return buf_detach(&b, NULL);
}

static const struct tvar group_vars[] = {
	{ "group", "BPT Binnenbijster" }, { "number", "1234" },
	{ "time", "2026-11-28 23:00" }, { "by", "Anna de Vries-Bakker" },
	{ "reason", "de politie heeft het overgenomen" },
	{ "list", "bpt@binnenbijster.example" }, { "footer", "" },
	{ "outcome", "Twee mannen aangehouden." }, { "police", "1" },
	{ "replaced", "1" }, { "max", "3" }, { "incidents", "" },
};

static void
test_texts_fit_a_phone(void **state)
{
	static const char *const names[] = { "end", "reopen", "outcome", "admin-remind" };
	static const char *const langs[] = { "nl", "en" };
	size_t i, l;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		for (l = 0; l < 2; l++) {
			char *s = render(names[i], langs[l], group_vars,
			    sizeof(group_vars) / sizeof(group_vars[0]));

			assert_short_lines(names[i], langs[l], s);
			free(s);
		}
}

/* The first lines the members see name the step and the incident. */
static void
test_end_and_outcome_say_what_they_are(void **state)
{
	static const char *const results[] = { "arrest", "police", "prevented",
	    "nothing", "unknown" };
	struct tvar v[] = {
		{ "number", "7" }, { "time", "23:00" }, { "by", NULL },
		{ "reason", "geen nieuwe berichten" }, { "list", "bpt@x.example" },
		{ "footer", "F" }, { "outcome", "Niets." }, { "", NULL },
	};
	size_t i;
	char *s;

	(void)state;
	s = render("end", "nl", v, 7);
	assert_non_null(strstr(s, "EINDE MELDING #7 - 23:00\nDeze melding is afgesloten.\n"
	    "Reden: geen nieuwe berichten\n"));
	assert_non_null(strstr(s, "Bel 112 en start een nieuwe melding met een\nnieuw bericht (geen antwoord op deze mail) aan:\n  bpt@x.example\n"));
	free(s);
	v[2].value = "Anna";
	v[3].value = NULL;
	s = render("end", "nl", v, 7);
	assert_non_null(strstr(s, "#7 - 23:00\nAnna heeft deze melding afgesloten.\n----"));
	free(s);
	for (i = 0; i < sizeof(results) / sizeof(results[0]); i++) {
		v[7].name = results[i];
		v[7].value = "1";
		s = render("outcome", "nl", v, 8);
		assert_non_null(strstr(s, "TERUGKOPPELING MELDING #7\nResultaat: "));
		/* one result phrase, not empty */
		assert_null(strstr(s, "Resultaat: \n"));
		assert_null(strstr(s, "vervangt"));
		free(s);
		s = render("outcome", "en", v, 8);
		assert_null(strstr(s, "Result: \n"));
		free(s);
	}
}

static void
test_reminder_item(void **state)
{
	struct tvar v[] = {
		{ "number", "12" }, { "subject", "Verdachte bus" },
		{ "closed_at", "2026-11-28 23:00" }, { "exported", "1" },
		{ "round", "2" }, { "max", "3" }, { "config", "-c /etc/bpt/bpt.yaml " },
	};
	char *s;

	(void)state;
	s = render("admin-remind-item", "nl", v, 7);
	assert_string_equal(s, "#12 Verdachte bus\n"
	    "  afgesloten op 2026-11-28 23:00; naar de politie: ja\n"
	    "  herinnering 2 van 3\n"
	    "  bpt-close -c /etc/bpt/bpt.yaml --outcome \"TEKST\" --result SOORT 12\n\n");
	free(s);
	v[3].value = NULL;
	s = render("admin-remind-item", "en", v, 7);
	assert_non_null(strstr(s, "sent to the police: no\n"));
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_texts_fit_a_phone),
		cmocka_unit_test(test_end_and_outcome_say_what_they_are),
		cmocka_unit_test(test_reminder_item),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
