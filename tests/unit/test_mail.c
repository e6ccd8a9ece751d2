/* test_mail.c - the MIME parser on made-up input: fields, decoding, limits
 * (mail files: test_mail_files.c). */
#include "unit.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "buf.h"
#include "fileio.h"
#include "mail.h"

static struct mail *
parse_str(const char *s, const struct mail_limits *lim)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct mail *m = NULL;

	assert_int_equal(mail_parse(&ctx, s, strlen(s), lim, &m), BPT_OK);
	assert_non_null(m);
	return m;
}

/* An image of multipart/related without disposition is inline. */
static void
test_related_inline(void **state)
{
	struct mail *m;

	(void)state;
	m = parse_str("From: a@example.org\nContent-Type: multipart/related; "
	    "boundary=r\n\n--r\nContent-Type: text/html\n\n<p>Kijk: "
	    "<img src=\"cid:foto1@x\"></p>\n--r\nContent-Type: image/png\n"
	    "Content-ID: <foto1@x>\nContent-Transfer-Encoding: base64\n\n"
	    "iVBORw0KGgo=\n--r\nContent-Type: application/pdf\n"
	    "Content-Disposition: attachment; filename*=UTF-8''%E2%82%AC%201.pdf\n"
	    "\n%PDF\n--r--\n", NULL);
	assert_int_equal(m->natt, 2);
	assert_string_equal(m->att[0].content_type, "image/png");
	assert_true(m->att[0].is_inline);
	assert_string_equal(m->att[0].content_id, "foto1@x");
	assert_int_equal(m->att[0].size, 8);
	assert_memory_equal(m->att[0].data, "\x89PNG\r\n\x1a\n", 8);
	assert_null(m->att[0].filename);
	assert_false(m->att[1].is_inline);
	assert_string_equal(m->att[1].filename, "€ 1.pdf");
	assert_string_equal(m->text, "Kijk:\n");
	assert_true(m->flags & MAIL_HTML_ONLY);
	mail_free(m);
}

static void
test_header_fields(void **state)
{
	struct mail *m;

	(void)state;
	m = parse_str("From somebody Sat Nov 28 21:04:05 2026\n"
	    "Return-Path: <>\n"
	    "Delivered-To: other@example.org\n"
	    "X-Original-To: BPT+12@Binnenbijster.EXAMPLE\n"
	    "From: \"de Vries, Jan\" <Jan@Example.ORG>\n"
	    "Reply-To: Antwoord <antwoord@example.org>\n"
	    "To: bpt@binnenbijster.example\n"
	    "Subject: Verdachte auto\n"
	    " Dorpsstraat\n"
	    "Date: Sat, 28 Nov 2026 21:04:05 +0100\n"
	    "Message-ID: abc@example.org\n"
	    "In-Reply-To: Your message of Friday <first@example.org> (comment)\n"
	    "References: <a@x.example> junk <b@x.example>\n"
	    " <c@x.example>\n"
	    "Auto-Submitted: no\n"
	    "\n"
	    "Witte bestelbus, kenteken VZ-123-X\n", NULL);
	assert_string_equal(m->from_addr, "Jan@example.org");
	assert_string_equal(m->from_name, "de Vries, Jan");
	assert_string_equal(m->reply_to, "antwoord@example.org");
	assert_string_equal(m->subject, "Verdachte auto Dorpsstraat");
	assert_string_equal(m->return_path, "");
	assert_string_equal(m->envelope_to, "BPT+12@binnenbijster.example");
	assert_string_equal(m->message_id, "abc@example.org");
	assert_string_equal(m->in_reply_to, "first@example.org");
	assert_int_equal(m->nrefs, 3);
	assert_string_equal(m->refs[0], "a@x.example");
	assert_string_equal(m->refs[1], "b@x.example");
	assert_string_equal(m->refs[2], "c@x.example");
	assert_int_equal(m->date_t, 1795896245);
	assert_string_equal(m->date, "Sat, 28 Nov 2026 21:04:05 +0100");
	assert_string_equal(mail_header(m, "auto-submitted", 0), "no");
	assert_string_equal(mail_header(m, "SUBJECT", 0),
	    "Verdachte auto Dorpsstraat");
	assert_null(mail_header(m, "Subject", 1));
	assert_string_equal(m->hdr[0].name, "Return-Path");
	assert_string_equal(m->content_type, "text/plain");
	assert_string_equal(m->text, "Witte bestelbus, kenteken VZ-123-X\n");
	assert_int_equal(m->flags, 0);
	mail_free(m);
	/* Delivered-To when there is no X-Original-To; no Date */
	m = parse_str("Delivered-To: bpt@binnenbijster.example\r\n"
	    "From: jan@example.org\r\n\r\nx", NULL);
	assert_string_equal(m->envelope_to, "bpt@binnenbijster.example");
	assert_null(m->return_path);
	assert_null(m->date);
	assert_int_equal(m->date_t, 0);
	assert_string_equal(m->text, "x\n");
	mail_free(m);
	/* unreadable date; no From */
	m = parse_str("Date: gisteren\nSubject: x\n\ny\n", NULL);
	assert_int_equal(m->date_t, 0);
	assert_true(m->flags & MAIL_NO_FROM);
	assert_null(m->from_addr);
	mail_free(m);
}

static void
test_framing(void **state)
{
	static const char nul[] = "From: jan@example.org\r\nSubj\0ect: a\0b\r\n"
	    "\r\nline\0one\r\nline two";
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct mail *m;

	(void)state;
	/* NUL bytes, CRLF, no newline at the end */
	assert_int_equal(mail_parse(&ctx, nul, sizeof(nul) - 1, NULL, &m), BPT_OK);
	assert_string_equal(m->from_addr, "jan@example.org");
	assert_string_equal(m->text, "lineone\nline two\n");
	unit_check_mail("nul", m);
	mail_free(m);
	/* CR alone ends lines too */
	m = parse_str("From: jan@example.org\rSubject: oud\r\rregel 1\rregel 2\r",
	    NULL);
	assert_string_equal(m->subject, "oud");
	assert_string_equal(m->text, "regel 1\nregel 2\n");
	mail_free(m);
	/* nothing at all */
	assert_int_equal(mail_parse(&ctx, "", 0, NULL, &m), BPT_OK);
	assert_string_equal(m->text, "");
	assert_true(m->flags & MAIL_NO_FROM);
	mail_free(m);
	/* text from several inline parts, format=flowed joined */
	m = parse_str("From: a@example.org\nContent-Type: multipart/mixed; "
	    "boundary=XX\n\n--XX\nContent-Type: text/plain; format=flowed\n\n"
	    "Een lange \nregel.\n> citaat \n> loopt door\n-- \nJan\n"
	    "--XX\nContent-Type: text/html\n\n<p>Tweede&nbsp;deel</p>\n"
	    "--XX\nContent-Type: text/plain; charset=iso-8859-1\n"
	    "Content-Transfer-Encoding: quoted-printable\n\ncaf=E9 =80 5\n--XX--\n",
	    NULL);
	assert_string_equal(m->text, "Een lange regel.\n> citaat loopt door\n"
	    "--\nJan\n\nTweede deel\n\ncafé € 5\n");
	assert_int_equal(m->nparts, 3);
	mail_free(m);
}

static void
test_decode_header(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "=?utf-8?q?a=0D=0ABcc:_x?=", "a Bcc: x" },
		{ "=?utf-8?b?eA0KQmNjOiB5?=", "x Bcc: y" },
		{ "=?utf-8?q?a=00b?=", "a" },
		{ "a\r\nBcc: x", "a Bcc: x" },
		{ "Verdachte\r\n\tauto", "Verdachte auto" },
		{ "=?utf-8?q?a?= =?utf-8?q?b?=", "ab" },
		{ "=?utf-8?q?a?=\r\n =?iso-8859-1?q?=E9?=", "aé" },
		{ "=?utf-8?q?a?= b =?utf-8?q?c?=", "a b c" },
		{ "=?UTF-8?Q?=E2=82?= =?UTF-8?Q?=AC?=", "€" },
		{ "Re: =?utf-8?q?hal?=lo", "Re: hallo" },
		{ "\"=?utf-8?q?Jan?=\" <j@x>", "Jan <j@x>" },
		{ "caf\xe9", "café" },
		{ "café", "café" },
		{ "=?utf-8?q?a=FFb?=", "a\xef\xbf\xbd" "b" },
		{ "=?iso-8859-15?q?=A4?=", "€" },
		{ "=?windows-1252?q?=80?=", "€" },
		{ "=?iso-8859-1?q?=E9?=", "é" },
		{ "=?x-nonsense?q?caf=E9?=", "café" },
		{ "=?utf-8?x?abc?=", "=?utf-8?x?abc?=" },
		{ "=?utf-8?q?unterminated", "unterminated" },
		{ "\x1b[31mred\x7f", "[31mred" },
		{ "  a \t\t b  ", "a b" },
		{ "a\xc2\x85" "b", "a b" },
		{ "", "" },
	};
	size_t i;
	char *s;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = mail_decode_header(cases[i].in);
		assert_non_null(s);
		if (strcmp(s, cases[i].out) != 0)
			fail_msg("'%s' gave '%s', not '%s'", cases[i].in, s,
			    cases[i].out);
		free(s);
	}
	assert_null(mail_decode_header(NULL));
}

static void
test_header_injection(void **state)
{
	struct mail *m;

	(void)state;
	m = parse_str("From: =?utf-8?q?Jan=0D=0ABcc:_all@example.org?= "
	    "<jan@example.org>\n"
	    "Subject: =?utf-8?b?aGFsbG8NCkJjYzogeEBleGFtcGxlLm9yZw==?=\n"
	    "Content-Type: application/octet-stream\n"
	    "Content-Disposition: attachment; filename=\"=?utf-8?q?a=0A.exe?=\"\n"
	    "\nxyz", NULL);
	assert_string_equal(m->from_name, "Jan Bcc: all@example.org");
	assert_string_equal(m->subject, "hallo Bcc: x@example.org");
	assert_int_equal(m->natt, 1);
	assert_string_equal(m->att[0].filename, "a .exe");
	assert_int_equal(m->att[0].size, 3);
	unit_check_mail("injection", m);
	mail_free(m);
	/* libetpan decodes Content-Type before reading it: a name with a
	 * line break in it is dropped, never passed on */
	m = parse_str("Content-Type: application/octet-stream; "
	    "name=\"=?utf-8?q?b=0D=0A.exe?=\"\n\nxyz", NULL);
	assert_int_equal(m->natt, 1);
	assert_true(m->att[0].filename == NULL ||
	    strpbrk(m->att[0].filename, "\r\n") == NULL);
	unit_check_mail("injection", m);
	mail_free(m);
}

/* Direction characters would make a copy show something else than it
 * says: a name read backwards, "foto<RLO>gpj.exe" shown as fotoexe.jpg. */
static void
test_header_direction_marks(void **state)
{
	struct mail *m;

	(void)state;
	m = parse_str("From: =?utf-8?b?SmFuIOKAriBkZSBWcmllcw==?= <jan@example.org>\n"
	    "Subject: =?utf-8?q?Verdacht_=E2=81=A6busje=E2=81=A9_=E2=80=8Fbij_=D8=9Cnr_4?=\n"
	    "Content-Type: application/octet-stream\n"
	    "Content-Disposition: attachment; filename=\"=?utf-8?q?foto=E2=80=AEgpj.exe?=\"\n"
	    "\nxyz", NULL);
	assert_string_equal(m->from_name, "Jan de Vries");
	assert_string_equal(m->subject, "Verdacht busje bij nr 4");
	assert_string_equal(m->att[0].filename, "fotogpj.exe");
	unit_check_mail("direction", m);
	mail_free(m);
}

/* --- limits: at each limit and one past it --------------------------- */

static char *
mk_parts(int n)
{
	struct buf b = BUF_INIT;
	int i;

	buf_adds(&b, "From: jan@example.org\nSubject: delen\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\n\n");
	for (i = 0; i < n; i++)
		buf_addf(&b, "--b\nContent-Type: text/plain\n\ndeel %d\n", i);
	buf_adds(&b, "--b--\n");
	return buf_detach(&b, NULL);
}

/* depth levels: multiparts in multiparts, every other one a message */
static char *
mk_depth(int levels, int messages)
{
	struct buf b = BUF_INIT;
	int i;

	buf_adds(&b, "From: jan@example.org\nSubject: diep\n");
	for (i = 0; i < levels; i++) {
		if (messages && i % 2 == 1)
			buf_adds(&b, "Content-Type: message/rfc822\n\n"
			    "Subject: binnen\n");
		else
			buf_addf(&b, "Content-Type: multipart/mixed; "
			    "boundary=\"l%d\"\n\n--l%d\n", i, i);
	}
	buf_adds(&b, "Content-Type: text/plain\n\nbodem\n");
	for (i = levels - 1; i >= 0; i--)
		if (!(messages && i % 2 == 1))
			buf_addf(&b, "--l%d--\n", i);
	return buf_detach(&b, NULL);
}

static char *
mk_headers(int n)
{
	struct buf b = BUF_INIT;
	int i;

	buf_adds(&b, "From: jan@example.org\nSubject: kop\n");
	for (i = 2; i < n; i++)
		buf_addf(&b, "X-Veld-%d: %d\n", i, i);
	buf_adds(&b, "\ntekst\n");
	return buf_detach(&b, NULL);
}

static char *
mk_line(size_t len, int in_header)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_adds(&b, "From: jan@example.org\nSubject: regel\n");
	if (in_header) {
		buf_adds(&b, "X-Lang: ");
		for (i = 8; i < len; i++)
			buf_addch(&b, 'x');
		buf_adds(&b, "\n\nkort\n");
	} else {
		buf_adds(&b, "\n");
		for (i = 0; i < len; i++)
			buf_addch(&b, 'y');
		buf_adds(&b, "\r\nkort\n");
	}
	return buf_detach(&b, NULL);
}

static void
test_limit_parts(void **state)
{
	struct mail_limits lim = { 5, 10, 1000, 1000 };
	struct mail *m;
	char *s;

	(void)state;
	s = mk_parts(5);
	m = parse_str(s, &lim);
	assert_false(m->flags & MAIL_LIMITS);
	assert_int_equal(m->nparts, 5);
	assert_non_null(strstr(m->text, "deel 4"));
	mail_free(m);
	free(s);
	s = mk_parts(6);
	m = parse_str(s, &lim);
	assert_int_equal(m->flags & MAIL_LIMITS, MAIL_LIMIT_PARTS);
	assert_string_equal(m->text, "");
	assert_int_equal(m->natt, 0);
	assert_string_equal(m->subject, "delen");	/* headers still read */
	assert_non_null(strstr(m->notes, "more than 5 MIME parts"));
	mail_free(m);
	free(s);
}

static void
test_limit_depth(void **state)
{
	struct mail_limits lim = { 100, 4, 1000, 1000 };
	struct mail *m;
	char *s;
	int messages;

	(void)state;
	for (messages = 0; messages <= 1; messages++) {
		s = mk_depth(4, messages);
		m = parse_str(s, &lim);
		if (m->flags != 0)
			fail_msg("depth 4 (messages %d): %#x %s", messages,
			    m->flags, m->notes);
		assert_non_null(strstr(m->text, "bodem"));
		mail_free(m);
		free(s);
		s = mk_depth(5, messages);
		m = parse_str(s, &lim);
		assert_int_equal(m->flags & MAIL_LIMITS, MAIL_LIMIT_DEPTH);
		assert_string_equal(m->text, "");
		assert_string_equal(m->subject, "diep");
		mail_free(m);
		free(s);
	}
}

static void
test_limit_headers(void **state)
{
	struct mail_limits lim = { 100, 10, 20, 1000 };
	struct mail *m;
	char *s;

	(void)state;
	s = mk_headers(20);
	m = parse_str(s, &lim);
	assert_int_equal(m->flags, 0);
	assert_int_equal(m->nhdr, 20);
	assert_string_equal(m->text, "tekst\n");
	mail_free(m);
	free(s);
	s = mk_headers(21);
	m = parse_str(s, &lim);
	assert_int_equal(m->flags & MAIL_LIMITS, MAIL_LIMIT_HEADERS);
	assert_int_equal(m->nhdr, 0);
	assert_null(m->subject);
	assert_string_equal(m->text, "");
	mail_free(m);
	free(s);
	/* a part with too many header fields: the top header is read */
	s = strdup("Subject: deel\nContent-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nA: 1\nB: 2\nC: 3\nD: 4\n\nx\n--b--\n");
	lim.max_headers = 3;
	m = parse_str(s, &lim);
	assert_int_equal(m->flags & MAIL_LIMITS, MAIL_LIMIT_HEADERS);
	assert_string_equal(m->subject, "deel");
	assert_string_equal(m->text, "");
	mail_free(m);
	free(s);
}

static void
test_limit_line(void **state)
{
	struct mail_limits lim = { 100, 10, 1000, 100 };
	struct mail *m;
	char *s;
	int hdr;

	(void)state;
	for (hdr = 0; hdr <= 1; hdr++) {
		s = mk_line(100, hdr);
		m = parse_str(s, &lim);
		assert_int_equal(m->flags, 0);
		assert_non_null(strstr(m->text, "kort"));
		mail_free(m);
		free(s);
		s = mk_line(101, hdr);
		m = parse_str(s, &lim);
		assert_int_equal(m->flags & MAIL_LIMITS, MAIL_LIMIT_LINE);
		assert_string_equal(m->text, "");
		if (hdr)
			assert_null(m->subject);
		else
			assert_string_equal(m->subject, "regel");
		mail_free(m);
		free(s);
	}
}

static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Hostile shapes: deep and wide bombs, a boundary libetpan 1.9.4
 * overflows on, encoded-word floods; each must be quick. */
static void
test_hostile(void **state)
{
	struct buf b = BUF_INIT;
	struct mail *m;
	double t0;
	int i;

	(void)state;
	/* 100000 nested multiparts */
	buf_adds(&b, "From: a@example.org\n");
	for (i = 0; i < 100000; i++)
		buf_addf(&b, "Content-Type: multipart/mixed; boundary=%d\n\n--%d\n",
		    i, i);
	t0 = now_sec();
	m = parse_str(buf_str(&b), NULL);
	assert_true(m->flags & MAIL_LIMITS);
	assert_string_equal(m->text, "");
	mail_free(m);
	/* 200000 empty parts */
	buf_reset(&b);
	buf_adds(&b, "From: a@example.org\nContent-Type: multipart/mixed; "
	    "boundary=b\n\n");
	for (i = 0; i < 200000; i++)
		buf_adds(&b, "--b\n\nx\n");
	m = parse_str(buf_str(&b), NULL);
	assert_true(m->flags & MAIL_LIMIT_PARTS);
	mail_free(m);
	/* nested message/rfc822 without any Content-Type line per level */
	buf_reset(&b);
	buf_adds(&b, "From: a@example.org\nContent-Type: multipart/digest; "
	    "boundary=d\n\n");
	for (i = 0; i < 50000; i++)
		buf_addf(&b, "--d\n\nContent-Type: multipart/digest; "
		    "boundary=d%d\n\n", i);
	m = parse_str(buf_str(&b), NULL);
	assert_true(m->flags & MAIL_LIMITS);
	mail_free(m);
	/* boundary="\"": an overflow in libetpan 1.9.4 if it got there */
	m = parse_str("From: a@example.org\nContent-Type: multipart/mixed; "
	    "boundary=\"\\\"\"\n\n--\"\nContent-Type: text/plain\n\nx\n--\"--\n",
	    NULL);
	assert_true(m->flags & MAIL_MALFORMED);
	unit_check_mail("quote boundary", m);
	mail_free(m);
	/* the same through an encoded word: libetpan decodes Content-Type
	 * before it reads it */
	m = parse_str("Content-Type: multipart/mixed; boundary=\"=?us-ascii?q?"
	    "=5C=22?=\"\n\n--\"\n\nx\n", NULL);
	assert_true(m->flags & MAIL_MALFORMED);
	assert_non_null(strstr(m->notes, "boundary starting with a quote"));
	mail_free(m);
	/* a megabyte of unterminated encoded words and of '<' */
	buf_reset(&b);
	buf_adds(&b, "Subject: ");
	for (i = 0; i < 100000; i++)
		buf_adds(&b, "=?utf-8?q?x ");
	buf_adds(&b, "\nReferences: ");
	for (i = 0; i < 100000; i++)
		buf_adds(&b, "<<<<<<<<<<");
	buf_adds(&b, "\n\n");
	for (i = 0; i < 100000; i++)
		buf_adds(&b, "<title><!--<a b='");
	m = parse_str(buf_str(&b), NULL);
	unit_check_mail("flood", m);
	mail_free(m);
	if (now_sec() - t0 > 10.0)
		fail_msg("hostile inputs took %.1f s", now_sec() - t0);
	buf_release(&b);
}

/* Text past MAIL_TEXT_MAX is cut on a character boundary. */
static void
test_text_cap(void **state)
{
	struct buf b = BUF_INIT;
	struct mail *m;
	size_t n;

	(void)state;
	buf_adds(&b, "From: a@example.org\nContent-Type: text/plain; "
	    "charset=utf-8\n\n");
	while (b.len < 2 * MAIL_TEXT_MAX)
		buf_adds(&b, "Verdachte situatie in de straat: één man, "
		    "zwarte jas.\n");
	m = parse_str(buf_str(&b), NULL);
	n = strlen(m->text);
	assert_true(n <= MAIL_TEXT_MAX + 1);
	assert_true(n > MAIL_TEXT_MAX - 100);
	assert_non_null(strstr(m->notes, "text cut"));
	unit_check_mail("cap", m);
	mail_free(m);
	buf_release(&b);
}

/* A 3 KB plain mail is parsed in well under a millisecond. */
static void
test_speed(void **state)
{
	struct buf b = BUF_INIT;
	struct mail *m;
	double t0, per;
	int i, runs = 2000;

	(void)state;
	buf_adds(&b, "Return-Path: <jan@example.org>\r\n"
	    "Received: from mx.example.org (mx.example.org [192.0.2.1])\r\n"
	    "\tby bpt.example (Postfix) with ESMTPS id 4F00A1C\r\n"
	    "\tfor <bpt@binnenbijster.example>; Sat, 28 Nov 2026 21:04:06 +0100\r\n"
	    "From: Jan de Vries <jan@example.org>\r\n"
	    "To: BPT Binnenbijster <bpt@binnenbijster.example>\r\n"
	    "Subject: =?utf-8?q?Verdachte_persoon_bij_de_sch=C3=BAur?=\r\n"
	    "Date: Sat, 28 Nov 2026 21:04:05 +0100\r\n"
	    "Message-ID: <20261128210405.1234@example.org>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n");
	while (b.len < 3000)
		buf_adds(&b, "Man met zwarte capuchon loopt langs de achterpaden, "
		    "kijkt in schuurtjes. 112 gebeld.\r\n");
	t0 = now_sec();
	for (i = 0; i < runs; i++) {
		m = parse_str(buf_str(&b), NULL);
		mail_free(m);
	}
	per = (now_sec() - t0) / runs;
	print_message("# %.1f us per 3 KB mail\n", per * 1e6);
	/* generous: sanitizer and valgrind builds run this too */
	assert_true(per < 0.02);
	buf_release(&b);
}

#ifdef BPT_TEST_FAULTS
/* "parse-abort" aborts and "parse-hang" hangs in the middle of it. */
static void
test_faults(void **state)
{
	static const char *const faults[] = { "parse-abort", "parse-hang" };
	int i, status;
	pid_t pid;

	(void)state;
	for (i = 0; i < 2; i++) {
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct mail *m;

			setenv("BPT_TEST_FAULT", faults[i], 1);
			alarm(1);
			mail_parse(NULL, "Subject: x\n\ny\n", 15, NULL, &m);
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), i == 0 ? SIGABRT : SIGALRM);
	}
}
#endif

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_related_inline),
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_decode_header),
		cmocka_unit_test(test_header_injection),
		cmocka_unit_test(test_header_direction_marks),
		cmocka_unit_test(test_limit_parts),
		cmocka_unit_test(test_limit_depth),
		cmocka_unit_test(test_limit_headers),
		cmocka_unit_test(test_limit_line),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_text_cap),
		cmocka_unit_test(test_speed),
#ifdef BPT_TEST_FAULTS
		cmocka_unit_test(test_faults),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
