/* test_template.c - {{var}} expansion, sections, built-ins, overrides. */
#include "unit.h"

#include "buf.h"
#include "config.h"
#include "template.h"

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
	assert_non_null(strstr(b.buf, "112 is gebeld door Jan de Vries om 21:04 - bel "
	    "alleen opnieuw met nieuwe informatie."));
	assert_null(strstr(b.buf, "NIET"));
	assert_null(strstr(b.buf, "Kenteken"));
	assert_non_null(strstr(b.buf, "Man bij de school.\n"));
	buf_reset(&b);
	cfg.group.language = CFG_EN;
	assert_int_equal(tpl_render(&ctx, "alert", v, nitems(v), &b), BPT_OK);
	assert_non_null(strstr(b.buf, "112 was called by Jan de Vries at 21:04"));
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
	assert_int_equal(tpl_render(&ctx, "alert", v, nitems(v), &b), BPT_EDATA);
	assert_non_null(strstr(ctx.errmsg, "alert.en.txt"));
	assert_int_equal(tpl_render(&ctx, "no-such", v, nitems(v), &b), BPT_ENOENT);
	buf_release(&b);
	unit_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_builtin_and_override),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
