/* test_printer.c - text, tsv and json output. */
#include "unit.h"

#include "printer.h"

static const struct pr_column cols[] = {
	{ "email", "EMAIL" }, { "name", "NAME" }, { "id", "ID" },
};

/* A printer writing into memory; mem_done() gives what it wrote. */
struct mem {
	char *out;
	size_t len;
	FILE *f;
};

static struct printer *
mem_printer(struct mem *m, enum pr_format fmt)
{
	m->out = NULL;
	m->len = 0;
	m->f = open_memstream(&m->out, &m->len);
	assert_non_null(m->f);
	return pr_new(m->f, fmt);
}

static char *
mem_done(struct mem *m, struct printer *p)
{
	assert_int_equal(pr_free(p), 0);
	fclose(m->f);
	return m->out;
}

static char *
render(enum pr_format fmt)
{
	struct mem m;
	struct printer *p = mem_printer(&m, fmt);

	pr_list_begin(p, "members", cols, 3);
	pr_row_begin(p);
	pr_str(p, "jan@x.example");
	pr_str(p, "Jan \"de\" Vries\t\\");
	pr_int(p, 1);
	pr_row_end(p);
	pr_row_begin(p);
	pr_str(p, "an@x.example");
	pr_str(p, "Ån\nna\x01\xff");
	pr_int(p, 22);
	pr_row_end(p);
	pr_list_end(p);
	return mem_done(&m, p);
}

static void
test_formats(void **state)
{
	char *s;

	(void)state;
	s = render(PR_JSON);
	assert_string_equal(s, "{\"format_version\":1,\"members\":["
	    "{\"email\":\"jan@x.example\",\"name\":\"Jan \\\"de\\\" Vries\\t\\\\\",\"id\":1},"
	    "{\"email\":\"an@x.example\",\"name\":\"Ån\\nna\\u0001\\ufffd\",\"id\":22}]}\n");
	free(s);
	s = render(PR_TSV);
	assert_string_equal(s, "jan@x.example\tJan \"de\" Vries\\t\\\\\t1\n"
	    "an@x.example\tÅn\\nna\x01\xff\t22\n");
	free(s);
	s = render(PR_TEXT);
	assert_string_equal(s,
	    "EMAIL          NAME              ID\n"
	    "jan@x.example  Jan \"de\" Vries \\  1\n"
	    "an@x.example   Ån na?\xff           22\n");
	free(s);
}

static void
test_object_with_list(void **state)
{
	struct mem m;
	struct printer *p = mem_printer(&m, PR_JSON);
	char *out;

	(void)state;
	pr_object_begin(p, "member");
	pr_kv_str(p, "email", "a@b.example");
	pr_kv_int(p, "id", 3);
	pr_kv_bool(p, "active", 1);
	pr_list_begin(p, "log", cols, 1);
	pr_row_begin(p);
	pr_str(p, "x");
	pr_row_end(p);
	pr_list_end(p);
	pr_kv_str(p, "phone", NULL);
	pr_object_end(p);
	out = mem_done(&m, p);
	assert_string_equal(out, "{\"format_version\":1,\"email\":\"a@b.example\","
	    "\"id\":3,\"active\":true,\"log\":[{\"email\":\"x\"}],\"phone\":null}\n");
	free(out);
}

static void
test_text_blocks(void **state)
{
	struct mem m;
	struct printer *p = mem_printer(&m, PR_TEXT);
	char *out;

	(void)state;
	pr_list_begin_blocks(p, "messages", cols, 2);
	pr_row_begin(p);
	pr_str(p, "a@b.example");
	pr_str(p, "line one\nline\x1b[2J two\n");
	pr_row_end(p);
	pr_list_end(p);
	out = mem_done(&m, p);
	assert_string_equal(out, "EMAIL      a@b.example\n"
	    "NAME       line one\n           line?[2J two\n\n");
	free(out);
}

/* Times in the zone the printer was given; an hour that happens twice
 * at the end of summer time keeps its offset where it must. */
static void
test_times(void **state)
{
	static const struct pr_column tc[] = { { "short", "SHORT" }, { "iso", "ISO" } };
	/* 2026-10-25 00:30 UTC: 02:30 summer time; 01:30 UTC: 02:30 winter time */
	const time_t t1 = 1792888200, t2 = t1 + 3600;
	enum pr_format fmts[] = { PR_TEXT, PR_TSV, PR_JSON };
	const char *want[] = {
		"\ntimes:\n"
		"SHORT             ISO\n"
		"2026-10-25 02:30  2026-10-25T02:30:00+02:00\n"
		"2026-10-25 02:30  2026-10-25T02:30:00+01:00\n"
		"-                 -\n"
		"at               2026-10-25T02:30:00+01:00\n",
		"times\t2026-10-25T02:30:00+02:00\t2026-10-25T02:30:00+02:00\n"
		"times\t2026-10-25T02:30:00+01:00\t2026-10-25T02:30:00+01:00\n"
		"times\t\t\n"
		"at\t2026-10-25T02:30:00+01:00\n",
		NULL,
	};
	size_t i;

	(void)state;
	for (i = 0; i < nitems(fmts); i++) {
		struct mem m;
		struct printer *p = mem_printer(&m, fmts[i]);
		char *out;

		pr_set_timezone(p, "Europe/Amsterdam");
		pr_object_begin(p, "o");
		pr_list_begin(p, "times", tc, 2);
		pr_row_begin(p);
		pr_time(p, t1);
		pr_time_iso(p, t1);
		pr_row_end(p);
		pr_row_begin(p);
		pr_time(p, t2);
		pr_time_iso(p, t2);
		pr_row_end(p);
		pr_row_begin(p);
		pr_time(p, 0);
		pr_time_iso(p, 0);
		pr_row_end(p);
		pr_list_end(p);
		pr_kv_time(p, "at", t2);
		pr_object_end(p);
		out = mem_done(&m, p);
		if (want[i] != NULL)
			assert_string_equal(out, want[i]);
		else
			assert_non_null(strstr(out, "\"short\":\"2026-10-25T02:30:00+02:00\","
			    "\"iso\":\"2026-10-25T02:30:00+02:00\"") );
		free(out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_object_with_list),
		cmocka_unit_test(test_text_blocks),
		cmocka_unit_test(test_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
