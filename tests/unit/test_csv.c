/* test_csv.c - the CSV reader and writer: RFC 4180, Excel, formula cells. */
#include "unit.h"

#include "csv.h"

static FILE *
memfile(const char *text, size_t len)
{
	FILE *f = fmemopen((void *)text, len, "r");

	assert_non_null(f);
	return f;
}

/* A stream that cannot seek, as a pipe: the text is written first. */
static FILE *
pipefile(const char *text)
{
	size_t len = strlen(text);
	int fd[2];
	FILE *f;

	assert_int_equal(pipe(fd), 0);
	assert_true(len < 4096);	/* fits the pipe: no writer needed */
	assert_int_equal(write(fd[1], text, len), (ssize_t)len);
	close(fd[1]);
	f = fdopen(fd[0], "r");
	assert_non_null(f);
	return f;
}

/* Reads every record of f into "a|b\n" lines; the status of the end. */
static enum bpt_status
read_all(struct bpt_ctx *ctx, FILE *f, struct buf *out, enum csv_charset *cs)
{
	struct csv c;
	enum bpt_status st;
	size_t i;
	int eof = 0;

	csv_init(&c, f, "t.csv");
	while ((st = csv_next(ctx, &c, &eof)) == BPT_OK && !eof) {
		for (i = 0; i < csv_nfields(&c); i++)
			buf_addf(out, "%s%s", i ? "|" : "", csv_field(&c, i));
		buf_addch(out, '\n');
	}
	if (cs != NULL)
		*cs = c.charset;
	csv_release(&c);
	fclose(f);
	return st;
}

static void
test_csv_read(void **state)
{
	static const char text[] = "\xef\xbb\xbf" "email,name\r\n"
	    "a@x.example,\"de Vries, Jan\"\r\n"
	    "\n"
	    "b@x.example,\"say \"\"hi\"\"\"\n"
	    "c@x.example,\"two\nlines\"\n"
	    "d@x.example,\n"
	    ",\"\"\n"
	    "e@x.example,last";
	struct bpt_ctx ctx = BPT_CTX_INIT;
	FILE *in = memfile(text, sizeof(text) - 1);
	struct csv c;
	int eof;

	(void)state;
	csv_init(&c, in, "t.csv");
	assert_int_equal(csv_next(&ctx, &c, &eof), BPT_OK);
	assert_false(eof);
	assert_int_equal(csv_nfields(&c), 2);
	assert_string_equal(csv_field(&c, 0), "email");	/* BOM gone */
	assert_int_equal(c.line, 1);
	assert_int_equal(csv_next(&ctx, &c, &eof), BPT_OK);
	assert_string_equal(csv_field(&c, 1), "de Vries, Jan");
	assert_int_equal(c.line, 2);
	assert_int_equal(csv_next(&ctx, &c, &eof), BPT_OK);
	assert_string_equal(csv_field(&c, 1), "say \"hi\"");
	assert_int_equal(c.line, 4);	/* the blank line 3 is skipped */
	assert_int_equal(csv_next(&ctx, &c, &eof), BPT_OK);
	assert_string_equal(csv_field(&c, 1), "two\nlines");
	assert_int_equal(c.line, 5);
	assert_int_equal(csv_next(&ctx, &c, &eof), BPT_OK);
	assert_int_equal(c.line, 7);
	assert_int_equal(csv_nfields(&c), 2);
	assert_string_equal(csv_field(&c, 1), "");
	assert_int_equal(csv_next(&ctx, &c, &eof), BPT_OK);
	assert_int_equal(csv_nfields(&c), 2);
	assert_string_equal(csv_field(&c, 0), "");
	assert_string_equal(csv_field(&c, 1), "");
	assert_int_equal(csv_next(&ctx, &c, &eof), BPT_OK);
	assert_string_equal(csv_field(&c, 1), "last");
	assert_int_equal(c.line, 9);
	assert_int_equal(csv_next(&ctx, &c, &eof), BPT_OK);
	assert_true(eof);
	csv_release(&c);
	fclose(in);
}

static void
test_csv_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{ "a,b\nc,\"open\nstill open\n", "t.csv:2: quoted field not closed" },
		{ "a,b\n\nc,\"x\"y\n", "t.csv:3: text after the closing quote" },
		{ "a,b\nc,d\ne,x\"y\n", "t.csv:3: quote inside an unquoted field" },
		{ "a,b\nc,d\0e\n", "t.csv:2: NUL byte" },
		{ "\xef\xbb" "a,b\n", "t.csv:1: a broken byte order mark" },
		/* 0x81 is in neither charset */
		{ "a,b\nc,d\x81\n", "t.csv:2: neither UTF-8 nor Windows-1252" },
	};
	struct bpt_ctx ctx = BPT_CTX_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = strlen(bad[i].text);
		FILE *in;
		struct csv c;
		enum bpt_status st;
		int eof = 0;

		/* the NUL case: the text goes on after the NUL */
		if (strstr(bad[i].msg, "NUL") != NULL)
			len += 3;
		in = memfile(bad[i].text, len);
		csv_init(&c, in, "t.csv");
		while ((st = csv_next(&ctx, &c, &eof)) == BPT_OK && !eof)
			continue;
		assert_int_equal(st, BPT_EDATA);
		if (strstr(ctx.errmsg, bad[i].msg) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, ctx.errmsg, bad[i].msg);
		csv_release(&c);
		fclose(in);
	}
}

static void
test_csv_write_reads_back(void **state)
{
	static const char *const fields[] = { "plain", "with, comma",
	    "say \"hi\"", "two\nlines", "", " padded ", "+31612345678",
	    "semi;colon" };
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf b = BUF_INIT;
	size_t i, n = sizeof(fields) / sizeof(fields[0]);
	struct csv c;
	FILE *in;
	int eof;

	(void)state;
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addch(&b, ',');
		csv_add_field(&b, fields[i]);
	}
	buf_addch(&b, '\n');
	assert_string_equal(b.buf, "plain,\"with, comma\",\"say \"\"hi\"\"\","
	    "\"two\nlines\",,\" padded \",+31612345678,\"semi;colon\"\n");
	in = memfile(b.buf, b.len);
	csv_init(&c, in, "w.csv");
	assert_int_equal(csv_next(&ctx, &c, &eof), BPT_OK);
	assert_int_equal(csv_nfields(&c), n);
	for (i = 0; i < n; i++)
		assert_string_equal(csv_field(&c, i), fields[i]);
	csv_release(&c);
	fclose(in);
	buf_release(&b);
}

/* What Dutch Excel writes: semicolons, CRLF, Windows-1252, a BOM or not. */
static void
test_csv_excel(void **state)
{
	static const struct {
		const char *text;
		const char *want;
		enum csv_charset cs;
	} ok[] = {
		/* "CSV (gescheiden door lijstscheidingsteken)": Windows-1252 */
		{ "email;naam\r\nr@x.example;Ren\xe9 \x80 5, \x93ok\x94\r\n",
		  "email|naam\nr@x.example|Ren\xc3\xa9 \xe2\x82\xac 5, "
		  "\xe2\x80\x9cok\xe2\x80\x9d\n", CSV_CHARSET_1252 },
		/* a BOM does not make the rest UTF-8 */
		{ "\xef\xbb\xbf" "email;naam\r\nr@x.example;Ren\xe9\r\n",
		  "email|naam\nr@x.example|Ren\xc3\xa9\n", CSV_CHARSET_1252 },
		/* "CSV UTF-8" */
		{ "\xef\xbb\xbf" "email;naam\r\nr@x.example;Ren\xc3\xa9\r\n",
		  "email|naam\nr@x.example|Ren\xc3\xa9\n", CSV_CHARSET_UTF8 },
		/* the first separator of the header decides */
		{ "email;naam,x\na,b;c\n", "email|naam,x\na,b|c\n",
		  CSV_CHARSET_UNKNOWN },
		{ "email,naam;x\na;b,c\n", "email|naam;x\na;b|c\n",
		  CSV_CHARSET_UNKNOWN },
		/* quoted separators do not count */
		{ "\"e;mail\",naam\na,b\n", "e;mail|naam\na|b\n",
		  CSV_CHARSET_UNKNOWN },
		/* one column: a later semicolon is text */
		{ "email\na;b\n", "email\na;b\n", CSV_CHARSET_UNKNOWN },
		/* 0xEF at the start is an i-diaeresis, not a mark */
		{ "\xefne;b\n", "\xc3\xafne|b\n", CSV_CHARSET_1252 },
		/* text that is UTF-8 by chance, in a file that is not */
		{ "n\nRen\xc3\xa9\nRen\xe9\n", "n\nRen\xc3\x83\xc2\xa9\nRen\xc3\xa9\n",
		  CSV_CHARSET_1252 },
	};
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf b = BUF_INIT;
	enum csv_charset cs;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		buf_reset(&b);
		if (read_all(&ctx, memfile(ok[i].text, strlen(ok[i].text)), &b,
		    &cs) != BPT_OK)
			fail_msg("case %zu: %s", i, ctx.errmsg);
		if (strcmp(buf_str(&b), ok[i].want) != 0)
			fail_msg("case %zu: read '%s'", i, buf_str(&b));
		assert_int_equal(cs, ok[i].cs);
	}

	/* a pipe is read once: Windows-1252 after ASCII only is fine... */
	buf_reset(&b);
	assert_int_equal(read_all(&ctx, pipefile("n;m\r\na;b\r\nc;Ren\xe9\r\n"), &b, &cs), BPT_OK);
	assert_string_equal(buf_str(&b), "n|m\na|b\nc|Ren\xc3\xa9\n");
	assert_int_equal(cs, CSV_CHARSET_1252);
	/* ...and after UTF-8 beyond ASCII it is an error */
	buf_reset(&b);
	assert_int_equal(read_all(&ctx, pipefile("n\nRen\xc3\xa9\nRen\xe9\n"),
	    &b, &cs), BPT_EDATA);
	assert_non_null(strstr(ctx.errmsg, "t.csv:3: not UTF-8 text, though "
	    "the lines before are"));
	/* UTF-8 through a pipe */
	buf_reset(&b);
	assert_int_equal(read_all(&ctx, pipefile("n\nRen\xc3\xa9\n"), &b, &cs),
	    BPT_OK);
	assert_string_equal(buf_str(&b), "n\nRen\xc3\xa9\n");
	assert_int_equal(cs, CSV_CHARSET_UTF8);
	buf_release(&b);
}

/* A large file that is UTF-8 to the end but for its last line. */
static void
test_csv_charset_whole_file(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf text = BUF_INIT, b = BUF_INIT;
	enum csv_charset cs;
	int i;

	(void)state;
	buf_adds(&text, "n\n");
	/* a two-byte sequence across every chunk boundary of the check */
	for (i = 0; i < 20000; i++)
		buf_adds(&text, "\xc3\xa9\n");
	buf_adds(&text, "\xe9\n");
	assert_false(buf_failed(&text));
	assert_int_equal(read_all(&ctx, memfile(text.buf, text.len), &b, &cs),
	    BPT_OK);
	assert_int_equal(cs, CSV_CHARSET_1252);
	assert_non_null(strstr(buf_str(&b), "\n\xc3\x83\xc2\xa9\n"));
	/* without the last line: UTF-8 */
	buf_reset(&b);
	assert_int_equal(read_all(&ctx, memfile(text.buf, text.len - 2), &b, &cs),
	    BPT_OK);
	assert_int_equal(cs, CSV_CHARSET_UTF8);
	assert_null(strstr(buf_str(&b), "\xc3\x83"));
	buf_release(&b);
	buf_release(&text);
}

/* Formula cells are neutralised and every value comes back. */
static void
test_csv_cells(void **state)
{
	static const struct {
		const char *value;
		const char *written;	/* the cell before CSV quoting */
	} cells[] = {
		{ "=1+1", "'=1+1" },
		{ "=HYPERLINK(\"http://x.example\")", "'=HYPERLINK(\"http://x.example\")" },
		{ "+31612345678", "'+31612345678" },
		{ "-2", "'-2" },
		{ "@SUM(A1)", "'@SUM(A1)" },
		{ "\tx", "'\tx" },
		{ "\rx", "'\rx" },
		{ "'t Hart", "'t Hart" },	/* a name: kept as it is */
		{ "'s-Gravenhage", "'s-Gravenhage" },
		{ "'", "'" },
		{ "''", "'''" },
		{ "'=1", "''=1" },
		{ "'+31", "''+31" },
		{ "'''x", "''''x" },
		{ "Jan", "Jan" },
		{ "", "" },
		{ "a=b", "a=b" },
	};
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf b = BUF_INIT, want = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
		struct csv c;
		FILE *in;
		int eof;

		buf_reset(&b);
		buf_reset(&want);
		csv_add_cell(&b, cells[i].value);
		buf_adds(&b, ",x\n");
		csv_add_field(&want, cells[i].written);
		buf_adds(&want, ",x\n");
		if (strcmp(buf_str(&b), buf_str(&want)) != 0)
			fail_msg("case %zu: wrote '%s'", i, buf_str(&b));
		in = memfile(b.buf, b.len);
		csv_init(&c, in, "c.csv");
		assert_int_equal(csv_next(&ctx, &c, &eof), BPT_OK);
		assert_string_equal(csv_cell_text(csv_field(&c, 0)), cells[i].value);
		csv_release(&c);
		fclose(in);
	}
	buf_release(&b);
	buf_release(&want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_read),
		cmocka_unit_test(test_csv_errors),
		cmocka_unit_test(test_csv_write_reads_back),
		cmocka_unit_test(test_csv_excel),
		cmocka_unit_test(test_csv_charset_whole_file),
		cmocka_unit_test(test_csv_cells),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
