/* test_mimewrite.c - base64 streams, quoted-printable and mboxrd. */
#include "unit.h"

#include <libetpan/libetpan.h>

#include "mimewrite.h"

/* libetpan's decoder: what any reader of the transcript gets back. */
static void
decode(const char *p, size_t n, int encoding, struct buf *out)
{
	size_t idx = 0, len = 0;
	char *res = NULL;

	assert_int_equal(mailmime_part_parse(p, n, &idx, encoding, &res, &len),
	    MAILIMF_NO_ERROR);
	buf_add(out, res, len);
	mailmime_decoded_part_free(res);
}

/* Any way of cutting the input gives the same canonical base64. */
static void
test_base64_stream(void **state)
{
	unsigned char data[1000];
	struct buf whole = BUF_INIT, parts = BUF_INIT, back = BUF_INIT;
	struct b64 e;
	size_t i, cut, line;
	const char *p;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + 3);
	b64_begin(&e, &whole);
	b64_add(&e, data, sizeof(data));
	b64_end(&e);
	for (cut = 1; cut < 9; cut++) {
		buf_reset(&parts);
		b64_begin(&e, &parts);
		for (i = 0; i < sizeof(data); i += cut)
			b64_add(&e, data + i, i + cut > sizeof(data) ? sizeof(data) - i : cut);
		b64_end(&e);
		assert_int_equal(parts.len, whole.len);
		assert_memory_equal(parts.buf, whole.buf, whole.len);
	}
	/* lines of 76 and CRLF, as RFC 2045 asks */
	for (p = whole.buf; (line = strcspn(p, "\r")) > 0 && *p; p += line + 2) {
		assert_true(line <= 76);
		assert_int_equal(p[line + 1], '\n');
	}
	decode(whole.buf, whole.len, MAILMIME_MECHANISM_BASE64, &back);
	assert_int_equal(back.len, sizeof(data));
	assert_memory_equal(back.buf, data, sizeof(data));
	/* flat: one line for JSON, and the padding of a short tail */
	buf_reset(&whole);
	b64_begin_flat(&e, &whole);
	b64_add(&e, "Jan", 3);
	b64_add(&e, "!", 1);
	b64_end(&e);
	assert_string_equal(buf_str(&whole), "SmFuIQ==");
	buf_release(&whole);
	buf_release(&parts);
	buf_release(&back);
}

/*
 * Encodes text[0..n) as quoted-printable, checks every line of it
 * (CRLF, within 76 characters, none that starts with "From ", no blank
 * at its end), decodes it again and appends that, with LF line ends,
 * to back.
 */
static void
qp_round_trip(const char *text, size_t n, struct buf *back)
{
	struct buf qp = BUF_INIT, crlf = BUF_INIT;
	const char *p, *nl;
	size_t i;

	assert_int_equal(qp_add(&qp, text, n), 0);
	for (p = buf_str(&qp); *p; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		assert_true(nl > p && nl[-1] == '\r');
		assert_true(nl - p - 1 <= 76);
		assert_false(strncmp(p, "From ", 5) == 0);
		/* nothing that mail may strip at the end of a line */
		if (nl - p >= 2)
			assert_false(nl[-2] == ' ' || nl[-2] == '\t');
	}
	/* the decoder gives CRLF */
	decode(qp.buf, qp.len, MAILMIME_MECHANISM_QUOTED_PRINTABLE, &crlf);
	for (i = 0; i < crlf.len; i++)
		if (!(crlf.buf[i] == '\r' && i + 1 < crlf.len &&
		    crlf.buf[i + 1] == '\n'))
			buf_addch(back, crlf.buf[i]);
	buf_release(&qp);
	buf_release(&crlf);
}

/* Quoted-printable: canonical lines, no "From " line, text back. */
static void
test_quoted_printable(void **state)
{
	static const char text[] = "Man met rode jas \xc3\xa9\xc3\xa9n  \n"
	    "From the corner he looked = odd\n"
	    "a very long line a very long line a very long line a very long line "
	    "a very long line\n\ttab at the start and trailing tab\t\n";
	static const char want[] = "Man met rode jas \xc3\xa9\xc3\xa9n\n"
	    "From the corner he looked = odd\n"
	    "a very long line a very long line a very long line a very long line "
	    "a very long line\n\ttab at the start and trailing tab\n";
	struct buf back = BUF_INIT;

	(void)state;
	qp_round_trip(text, strlen(text), &back);
	assert_string_equal(buf_str(&back), want);
	buf_release(&back);
}

/* Lines of 70 to 80 bytes of each kind (plain, encoded, "=", a blank
 * before a soft break), and a "From " where a soft break falls. */
static void
edge_text(struct buf *text)
{
	static const char *const fill[] = { "a", "\xc3\xa9", "=", " ", "x" };
	size_t f, len, i, k;

	for (f = 0; f < sizeof(fill) / sizeof(fill[0]); f++)
		for (len = 70; len <= 80; len++) {
			for (i = 0; i < len; i++)
				buf_adds(text, fill[f]);
			buf_adds(text, "z\n");
			for (k = 70; k <= 76; k++) {
				for (i = 0; i < k; i++)
					buf_addch(text, 'a');
				buf_adds(text, "From here\n");
			}
		}
	buf_adds(text, "From the start\n\n=\n");
}

/* Quoted-printable at the edges of a line: within 76 characters, no
 * line that starts with "From ", and the very text back. */
static void
test_quoted_printable_edges(void **state)
{
	struct buf text = BUF_INIT, back = BUF_INIT;

	(void)state;
	edge_text(&text);
	qp_round_trip(text.buf, text.len, &back);
	assert_int_equal(back.len, text.len);
	assert_memory_equal(back.buf, text.buf, text.len);
	buf_release(&text);
	buf_release(&back);
}

struct got {
	struct buf msgs[8];
	int n;
};

static int
collect(void *arg, const char *msg, size_t len)
{
	struct got *g = arg;

	assert_true(g->n < 8);
	buf_init(&g->msgs[g->n]);
	buf_add(&g->msgs[g->n], msg, len);
	g->n++;
	return 0;
}

/* mbox_split() gives back exactly what mbox_add() was given. */
static void
test_mbox_round_trip(void **state)
{
#define S(x) { x, sizeof(x) - 1 }
	static const struct { const char *p; size_t n; } in[] = {
		S("From: a@b\n\nFrom the start\n>From quoted\n>>From twice\n"),
		S("From: a@b\r\n\r\nno line end at the end"),
		S("From x\nthe first line is an mbox line\n\n"),
		S("Subject: crlf\r\n\r\nFrom \r\nbody\r\n"),
		S("binary \0 and \r bare CR\n\nFrom "),
		S("\n"),
	};
#undef S
	struct buf box = BUF_INIT;
	struct got g;
	size_t i;

	(void)state;
	memset(&g, 0, sizeof(g));
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		mbox_add(&box, "From MAILER-DAEMON Sat Nov 28 20:03:05 2026",
		    in[i].p, in[i].n);
	assert_false(buf_failed(&box));
	/* no line of the mbox starts with "From " but the separators */
	{
		const char *p = box.buf;
		int froms = 0;

		for (; p < box.buf + box.len; p++)
			if ((p == box.buf || p[-1] == '\n') && strncmp(p, "From ", 5) == 0)
				froms++;
		assert_int_equal(froms, (int)(sizeof(in) / sizeof(in[0])));
	}
	assert_int_equal(mbox_split(box.buf, box.len, collect, &g), 0);
	assert_int_equal(g.n, (int)(sizeof(in) / sizeof(in[0])));
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		size_t n = in[i].n;

		assert_int_equal(g.msgs[i].len, n);
		assert_memory_equal(g.msgs[i].buf, in[i].p, n);
		buf_release(&g.msgs[i]);
	}
	assert_int_equal(mbox_split("not an mbox", 11, collect, &g), -1);
	buf_release(&box);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_stream),
		cmocka_unit_test(test_quoted_printable),
		cmocka_unit_test(test_quoted_printable_edges),
		cmocka_unit_test(test_mbox_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
