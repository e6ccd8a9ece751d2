/* test_template.c - {{var}} expansion, sections, built-ins, overrides. */
#include "unit.h"

#include "buf.h"
#include "config.h"
#include "template.h"
#include "util.h"

static char *
expand(const char *text, const struct tvar *v, size_t n)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf b = BUF_INIT;

	assert_int_equal(tpl_expand(&ctx, text, v, n, &b), BPT_OK);
	return buf_detach(&b, NULL);
}

static void
test_expand(void **state)
{
	struct tvar v[] = { { "a", "1" }, { "e", "" }, { "n", NULL } };
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf b = BUF_INIT;
	char *s;

	(void)state;
	s = expand("x{{a}}y{{zz}}z", v, nitems(v));
	assert_string_equal(s, "x1yz");
	free(s);
	s = expand("{{#a}}A{{/a}}{{#e}}E{{/e}}{{^n}}N{{/n}}{{^a}}!{{/a}}", v, nitems(v));
	assert_string_equal(s, "AN");
	free(s);
	/* a section tag alone on its line takes the line with it */
	s = expand("one\n{{#e}}\nhidden\n{{/e}}\ntwo\n  {{#a}}  \nshown\n{{/a}}\n", v, nitems(v));
	assert_string_equal(s, "one\ntwo\nshown\n");
	free(s);
	/* a line that a section left empty goes, a blank line stays */
	s = expand("a\n{{#e}}E: {{e}}{{/e}}\n\nb{{#n}}\nN{{/n}}\n{{^a}}x{{/a}}{{a}}\n", v, nitems(v));
	assert_string_equal(s, "a\n\nb\n1\n");
	free(s);
	/* a value's own blank lines stay */
	s = expand("{{#a}}{{/a}}{{b}}\n", (struct tvar[]){ { "a", "1" },
	    { "b", "\n\nx" } }, 2);
	assert_string_equal(s, "\n\nx\n");
	free(s);
	/* nested: the inner section is skipped with the outer */
	s = expand("{{#e}}{{#a}}in{{/a}}{{/e}}out", v, nitems(v));
	assert_string_equal(s, "out");
	free(s);
	assert_int_equal(tpl_expand(&ctx, "{{#a}}open", v, nitems(v), &b), BPT_EDATA);
	assert_int_equal(tpl_expand(&ctx, "{{/a}}", v, nitems(v), &b), BPT_EDATA);
	assert_int_equal(tpl_expand(&ctx, "{{a", v, nitems(v), &b), BPT_EDATA);
	buf_release(&b);
}

static void
test_builtin_and_override(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct bpt_config cfg;
	struct buf b = BUF_INIT;
	struct tvar v[] = {
		{ "number", "12" }, { "time", "21:04" }, { "reporter", "Jan" },
		{ "called_yes", "1" }, { "called_by", "Jan de Vries" },
		{ "called_at", "21:04" }, { "text", "Man bij de school." },
		{ "footer", "regels" },
	};
	char *dir = unit_tmpdir(), path[600];
	FILE *f;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.group.language = CFG_NL;
	cfg.group.templates = dir;
	ctx.cfg = &cfg;
	assert_int_equal(tpl_render(&ctx, "alert", v, nitems(v), &b), BPT_OK);
	assert_non_null(strstr(b.buf, "MELDING #12 - 21:04"));
	assert_non_null(strstr(b.buf, "\n112 is gebeld door Jan de Vries om 21:04.\n"
	    "Bel alleen opnieuw als u iets nieuws ziet.\n"));
	assert_null(strstr(b.buf, "nog niet"));
	assert_null(strstr(b.buf, "Kenteken"));
	assert_non_null(strstr(b.buf, "Man bij de school.\n"));
	buf_reset(&b);
	cfg.group.language = CFG_EN;
	assert_int_equal(tpl_render(&ctx, "alert", v, nitems(v), &b), BPT_OK);
	assert_non_null(strstr(b.buf, "112 was called by Jan de Vries at 21:04.\n"));
	buf_reset(&b);
	/* an admin's own text wins, language-specific first */
	snprintf(path, sizeof(path), "%s/alert.txt", dir);
	f = fopen(path, "w");
	fputs("Eigen tekst #{{number}}\n", f);
	fclose(f);
	assert_int_equal(tpl_render(&ctx, "alert", v, nitems(v), &b), BPT_OK);
	assert_string_equal(b.buf, "Eigen tekst #12\n");
	buf_reset(&b);
	snprintf(path, sizeof(path), "%s/alert.en.txt", dir);
	f = fopen(path, "w");
	fputs("Own text {{#broken}}\n", f);
	fclose(f);
	/* an admin's typo never costs an alert: the built-in text */
	assert_int_equal(tpl_render(&ctx, "alert", v, nitems(v), &b), BPT_OK);
	assert_non_null(strstr(b.buf, "112 was called by Jan de Vries at 21:04.\n"));
	assert_null(strstr(b.buf, "Own text"));
	buf_reset(&b);
	/* and the check at load names the file and the text */
	{
		struct tpl_broken tb;

		memset(&tb, 0, sizeof(tb));
		assert_int_equal(tpl_check(&ctx, &tb), BPT_ECONFIG);
		assert_non_null(strstr(ctx.errmsg, "alert.en.txt"));
		assert_string_equal(tb.name, "alert");
		assert_string_equal(tb.path, path);
		assert_non_null(strstr(tb.error, "not closed"));
		assert_int_equal(strlen(tb.sha256), 64);
		/* the Dutch group reads alert.txt, which is fine */
		cfg.group.language = CFG_NL;
		assert_int_equal(tpl_check(&ctx, NULL), BPT_OK);
		cfg.group.language = CFG_EN;
		/* a '{{' without '}}' */
		f = fopen(path, "w");
		fputs("Melding {{number\n", f);
		fclose(f);
		assert_int_equal(tpl_check(&ctx, &tb), BPT_ECONFIG);
		assert_non_null(strstr(tb.error, "without"));
		/* a variable no tool fills in: a typo, left empty otherwise */
		f = fopen(path, "w");
		fputs("Melding {{number}} van {{naam}}\n", f);
		fclose(f);
		assert_int_equal(tpl_check(&ctx, &tb), BPT_ECONFIG);
		assert_non_null(strstr(tb.error, "{{naam}}"));
		assert_int_equal(tpl_render(&ctx, "alert", v, nitems(v), &b), BPT_OK);
		assert_non_null(strstr(b.buf, "112 was called by Jan de Vries"));
		assert_null(strstr(b.buf, "Melding"));
		buf_reset(&b);
		/* a section of it too; one a tool fills in for admins only is fine */
		f = fopen(path, "w");
		fputs("{{#plaats}}x{{/plaats}}\n", f);
		fclose(f);
		assert_int_equal(tpl_check(&ctx, &tb), BPT_ECONFIG);
		f = fopen(path, "w");
		fputs("Melding {{number}}: {{result}} {{#plates}}{{plates}}{{/plates}}\n", f);
		fclose(f);
		assert_int_equal(tpl_check(&ctx, NULL), BPT_OK);
		unlink(path);
		assert_int_equal(tpl_check(&ctx, NULL), BPT_OK);
	}
	assert_int_equal(tpl_render(&ctx, "no-such", v, nitems(v), &b), BPT_ENOENT);
	buf_release(&b);
	unit_rmtree(dir);
}

/* The built-in text of name in lang with vars. */
static char *
render(const char *name, int en, const struct tvar *v, size_t n)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct bpt_config cfg;
	struct buf b = BUF_INIT;

	memset(&cfg, 0, sizeof(cfg));
	cfg.group.language = en ? CFG_EN : CFG_NL;
	ctx.cfg = &cfg;
	if (tpl_render(&ctx, name, v, n, &b) != BPT_OK)
		fail_msg("%s: %s", name, ctx.errmsg);
	return buf_detach(&b, NULL);
}

/* The line of s that starts with prefix, or NULL. */
static int
has_line(const char *s, const char *line)
{
	size_t n = strlen(line);
	const char *p = s;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == s || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return 1;
		p++;
	}
	return 0;
}

static void
test_112_lines(void **state)
{
	static const char *const kinds[] = { "alert", "reply" };
	struct tvar v[] = {
		{ "number", "7" }, { "time", "21:04" }, { "reporter", "Jan" },
		{ "sender", "Piet" }, { "called_by", "Jan" }, { "called_at", "21:01" },
		{ "text", "tekst" }, { "footer", "voet" },
		{ "called_yes", NULL }, { "called_no", NULL }, { "called_unknown", NULL },
	};
	size_t k;
	char *s;

	(void)state;
	/* a reply carries the incident's 112 status in all three cases */
	for (k = 0; k < nitems(kinds); k++) {
		v[8].value = "1";
		s = render(kinds[k], 0, v, nitems(v));
		assert_true(has_line(s, "112 is gebeld door Jan om 21:01."));
		free(s);
		v[8].value = NULL;
		v[9].value = "1";
		s = render(kinds[k], 0, v, nitems(v));
		assert_true(has_line(s, "112 is nog niet gebeld (volgens de berichten)."));
		assert_true(has_line(s, "Vindt u het ook verdacht? Bel dan 112 en meld dat hier."));
		assert_null(strstr(s, "twijfel"));
		free(s);
		s = render(kinds[k], 1, v, nitems(v));
		assert_true(has_line(s, "112 has not been called yet (according to the messages)."));
		free(s);
		v[9].value = NULL;
		v[10].value = "1";
		s = render(kinds[k], 0, v, nitems(v));
		assert_true(has_line(s, "Nog niet bekend of 112 is gebeld."));
		free(s);
		s = render(kinds[k], 1, v, nitems(v));
		assert_true(has_line(s, "Not known yet whether 112 was called."));
		free(s);
		v[10].value = NULL;
	}
}

static void
test_plates_singular_plural(void **state)
{
	struct tvar v[] = {
		{ "number", "7" }, { "text", "tekst" },
		{ "plates", "12-ABC-3" }, { "plates_many", NULL },
	};
	char *s;

	(void)state;
	s = render("alert", 0, v, nitems(v));
	assert_true(has_line(s, "Kenteken: 12-ABC-3"));
	free(s);
	s = render("alert", 1, v, nitems(v));
	assert_true(has_line(s, "Licence plate: 12-ABC-3"));
	free(s);
	v[2].value = "12-ABC-3, AB-12-CD";
	v[3].value = "1";
	s = render("reply", 0, v, nitems(v));
	assert_true(has_line(s, "Kentekens: 12-ABC-3, AB-12-CD"));
	free(s);
	s = render("reply", 1, v, nitems(v));
	assert_true(has_line(s, "Licence plates: 12-ABC-3, AB-12-CD"));
	free(s);
	v[2].value = NULL;
	s = render("alert", 0, v, nitems(v));
	assert_null(strstr(s, "Kenteken"));
	free(s);
}

/* Who may not post is told why; only a stranger is invited. */
static void
test_nonmember_variants(void **state)
{
	struct tvar v[] = {
		{ "group", "BPT Testbuurt" }, { "list", "bpt@x.example" },
		{ "subject", "hoi" }, { "request", "bpt-request@x.example" },
		{ "name", NULL }, { "stranger", NULL }, { "suspended", NULL },
		{ "until", NULL }, { "removed", NULL }, { "banned", NULL },
		{ "pending", NULL },
	};
	static const char *const inactive[] = { "suspended", "removed", "banned",
	    "pending" };
	size_t i, k;
	char *s;

	(void)state;
	v[5].value = "1";
	s = render("notice-nonmember", 0, v, nitems(v));
	assert_true(has_line(s, "Beste afzender,"));
	assert_true(has_line(s, "Wilt u meedoen? Neem dan contact op met de beheerders:"));
	assert_true(has_line(s, "Onderwerp: hoi"));
	assert_true(has_line(s, "Dit is een automatisch bericht. U krijgt het hooguit "
	    "één keer per dag."));
	free(s);
	v[5].value = NULL;
	v[4].value = "Kees Smit";
	for (i = 0; i < nitems(inactive); i++) {
		for (k = 6; k < nitems(v); k++)
			if (strcmp(v[k].name, inactive[i]) == 0)
				v[k].value = "1";
		s = render("notice-nonmember", 0, v, nitems(v));
		assert_true(has_line(s, "Beste Kees Smit,"));
		assert_null(strstr(s, "meedoen"));
		assert_null(strstr(s, "ledenlijst"));
		assert_non_null(strstr(s, "Hebt u hier vragen over?"));
		free(s);
		s = render("notice-nonmember", 1, v, nitems(v));
		assert_null(strstr(s, "join"));
		free(s);
		for (k = 6; k < nitems(v); k++)
			if (strcmp(v[k].name, inactive[i]) == 0)
				v[k].value = NULL;
	}
	v[6].value = "1";
	v[7].value = "2026-12-31 00:00";
	s = render("notice-nonmember", 0, v, nitems(v));
	assert_true(has_line(s, "U bent geschorst als lid van BPT Testbuurt."));
	assert_true(has_line(s, "Dat duurt tot 2026-12-31 00:00."));
	free(s);
}

/* UTF-8 characters in s[0..n). */
static size_t
chars(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/*
 * Every built-in text, in both languages, with long-ish values for what
 * the text lays out (names, addresses, numbers) and every section on,
 * then off: no line passes 72 characters.  Text people wrote (the
 * message, a subject, a server's reply) is short here: compose.c wraps
 * that.  The Subject line is a header, folded at 78.
 */
static void
test_builtins_fit_72(void **state)
{
	static const char *const flags[] = { "called_yes", "called_no",
	    "called_unknown", "plates_many", "folded", "stranger", "suspended",
	    "removed", "banned", "pending", "too_many_parts", "too_deep",
	    "too_many_headers", "too_long_line", "not_handed", "one", "forged",
	    "alert", "automatic", "outside" };
	static const struct tvar values[] = {
		{ "group", "BPT Binnenbijster Noord-Oost" },
		{ "list", "bpt@binnenbijster-noordoost.example" },
		{ "request", "bpt-request@binnenbijster-noordoost.example" },
		{ "name", "Anna van den Berg-Jansen" },
		{ "reporter", "Anna van den Berg-Jansen" },
		{ "sender", "Anna van den Berg-Jansen" },
		{ "called_by", "Anna van den Berg-Jansen" },
		{ "email", "anna.vandenberg-jansen@bewoners.example" },
		{ "number", "12345" }, { "time", "21:04" }, { "called_at", "21:04" },
		{ "closed_at", "2026-11-28 21:04" }, { "until", "2026-12-31 00:00" },
		{ "received", "2026-11-28 21:04" },
		{ "plates", "12-ABC-3, AB-12-CD" },
		{ "size", "12.5 MB" }, { "limit", "10.0 MB" }, { "count", "1000" },
		{ "missing", "1250" }, { "total", "1250" }, { "failed", "1250" },
		{ "status", "5.1.1" }, { "message", "1234567" }, { "attempts", "100" },
		{ "sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		/* written by people or servers: compose.c wraps these */
		{ "text", "tekst" }, { "subject", "onderwerp" }, { "names", "- namen\n" },
		{ "diagnostic", "fout" }, { "stripped", "bijlage.pdf" },
		{ "reason", "reden" },
		{ "rule", "mogelijk een automatisch antwoord" },
		{ "expiry", "24 uur" }, { "hold", "1234567" },
		{ "expires", "2026-11-28 21:04" },
		{ "evidence", "woord" }, { "excerpt", "  tekst" },
	};
	struct tvar v[nitems(values) + nitems(flags) + 1];
	const char *name;
	size_t i, k, on, lang, checked = 0;

	(void)state;
	for (i = 0; (name = tpl_builtin_name(i)) != NULL; i++) {
		for (lang = 0; lang < 2; lang++) {
			for (on = 0; on < 2; on++) {
				char *footer, *s, *p;
				size_t n = 0;

				for (k = 0; k < nitems(values); k++)
					v[n++] = values[k];
				for (k = 0; k < nitems(flags); k++) {
					v[n].name = flags[k];
					v[n++].value = on ? "1" : NULL;
				}
				footer = render("footer", (int)lang, v, n);
				v[n].name = "footer";
				v[n++].value = footer;
				s = render(name, (int)lang, v, n);
				assert_null(strstr(s, "{{"));
				p = s;
				if (strncmp(p, "Subject: ", 9) == 0)
					p = strchr(p, '\n') + 1;
				while (*p) {
					size_t len = strcspn(p, "\n");

					if (chars(p, len) > 72)
						fail_msg("%s (%s): line of %zu characters: %.*s",
						    name, lang ? "en" : "nl", chars(p, len),
						    (int)len, p);
					p += len + (p[len] == '\n');
				}
				free(s);
				free(footer);
				checked++;
			}
		}
	}
	assert_true(checked >= 4 * 12);
}

/* What a native speaker would not write in a Dutch text. */
static void
test_dutch_words(void **state)
{
	static const char *const wrong[] = { "deferred", "bounce", "(en)",
	    " een keer", "Een keer", "kopie", "twijfel", "ingekort" };
	const char *name, *text;
	size_t i, k;

	(void)state;
	for (i = 0; (name = tpl_builtin_name(i)) != NULL; i++) {
		text = tpl_builtin(name, "nl");
		assert_non_null(text);
		assert_non_null(tpl_builtin(name, "en"));
		for (k = 0; k < nitems(wrong); k++)
			if (util_ci_find(text, wrong[k]) != NULL)
				fail_msg("%s: '%s' in the Dutch text", name, wrong[k]);
	}
}

/* The part of the man page that describes template name: from its
 * ".It Cm NAME" to the next template's; NULL when missing.  Caller
 * frees. */
static char *
man_section(const char *page, const char *name)
{
	char tag[80];
	const char *a, *e, *p;

	snprintf(tag, sizeof(tag), "\n.It Cm %s\n", name);
	if ((a = strstr(page, tag)) == NULL)
		return NULL;
	a += strlen(tag);
	e = a + strlen(a);
	for (p = a; (p = strstr(p, "\n.It Cm ")) != NULL; p++) {
		const char *n = p + 8;
		size_t len = strcspn(n, "\n");
		size_t i;

		/* another template, not a mention of one */
		for (i = 0; tpl_builtin_name(i) != NULL; i++)
			if (strlen(tpl_builtin_name(i)) == len &&
			    strncmp(n, tpl_builtin_name(i), len) == 0)
				break;
		if (tpl_builtin_name(i) != NULL) {
			e = p;
			break;
		}
	}
	return xmemdupz(a, (size_t)(e - a));
}

/* man/bpt.templates.5 into page. */
static void
man_page(struct buf *page)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	const char *top = getenv("top_srcdir");
	char path[1024];

	snprintf(path, sizeof(path), "%s/man/bpt.templates.5", top ? top : "..");
	if (fio_read_file(&ctx, path, 0, page) != BPT_OK)
		fail_msg("%s", ctx.errmsg);
}

/*
 * bpt.templates(5) has a section for every built-in text, and every
 * variable a text uses is described there (or in the section of the
 * text whose variables it shares).
 */
static void
test_man_page_describes_builtins(void **state)
{
	struct buf page = BUF_INIT;
	const char *name;
	size_t i, l;

	(void)state;
	man_page(&page);
	for (i = 0; (name = tpl_builtin_name(i)) != NULL; i++) {
		char *one = man_section(buf_str(&page), name), *same;
		struct buf sec = BUF_INIT;
		const char *q;

		if (one == NULL)
			fail_msg("no '.It Cm %s' in bpt.templates(5)", name);
		buf_adds(&sec, one);
		/* "The same variables as\n.Cm alert" */
		if ((q = strstr(one, "The same variables as\n.Cm ")) != NULL) {
			char other[64];

			snprintf(other, sizeof(other), "%.*s", (int)strcspn(q + 26, " \n"),
			    q + 26);
			same = man_section(buf_str(&page), other);
			assert_non_null(same);
			buf_adds(&sec, same);
			free(same);
		}
		free(one);
		for (l = 0; l < 2; l++) {
			const char *t = tpl_builtin(name, l ? "en" : "nl");

			while ((t = strstr(t, "{{")) != NULL) {
				char tag[80];
				size_t n;

				t += 2;
				if (*t == '#' || *t == '^' || *t == '/')
					t++;
				n = strcspn(t, "}");
				snprintf(tag, sizeof(tag), "\n.It Va %.*s\n", (int)n, t);
				if (strstr(buf_str(&sec), tag) == NULL)
					fail_msg("%s: {{%.*s}} is not described", name,
					    (int)n, t);
			}
		}
		buf_release(&sec);
	}
	buf_release(&page);
}

/* Every variable the page describes is one an admin's text may use:
 * tpl_check() refuses the others as typos. */
static void
test_man_page_variables_known(void **state)
{
	struct buf page = BUF_INIT;
	const char *t;
	size_t n, count = 0;

	(void)state;
	man_page(&page);
	for (t = buf_str(&page); (t = strstr(t, "\n.It Va ")) != NULL; t += n) {
		t += 8;
		n = strcspn(t, " \n");
		if (!tpl_var_known(t, n))
			fail_msg("{{%.*s}} is described but no tool fills it in",
			    (int)n, t);
		count++;
	}
	assert_true(count > 50);
	assert_false(tpl_var_known("naam", 4));
	assert_true(tpl_var_known("name", 4));
	buf_release(&page);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_builtin_and_override),
		cmocka_unit_test(test_112_lines),
		cmocka_unit_test(test_plates_singular_plural),
		cmocka_unit_test(test_nonmember_variants),
		cmocka_unit_test(test_builtins_fit_72),
		cmocka_unit_test(test_dutch_words),
		cmocka_unit_test(test_man_page_describes_builtins),
		cmocka_unit_test(test_man_page_variables_known),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
