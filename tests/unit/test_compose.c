/* test_compose.c - outgoing headers: encoding, folding, no injection. */
#include "unit.h"

#include "buf.h"
#include "compose.h"
#include "config.h"
#include "mail.h"

static struct bpt_config cfg;

static void
setup_cfg(struct bpt_ctx *ctx)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.group.name = "BPT Binnenbijster";
	cfg.group.address = "bpt@binnenbijster.example";
	cfg.group.unsubscribe_url = "";
	cfg.group.language = CFG_NL;
	cfg.list.local = "bpt";
	cfg.list.domain = "binnenbijster.example";
	cfg.list.request = "bpt-request@binnenbijster.example";
	cfg.list.bounces = "bpt-bounces@binnenbijster.example";
	cfg.list.id = "bpt.binnenbijster.example";
	cfg.list.verp_prefix = "bpt-bounces+";
	ctx->cfg = &cfg;
	ctx->now = 1795000000;
}

/* Every header line of the rendered head, checked for shape. */
static void
check_head(const char *msg)
{
	const char *p = msg, *end = strstr(msg, "\n\n");

	assert_non_null(end);
	while (p < end) {
		const char *nl = strchr(p, '\n');
		size_t len = (size_t)(nl - p);

		if (len > 78)
			fail_msg("header line longer than 78: %.*s", (int)len, p);
		/* a header line, or a folded continuation */
		if (*p != ' ' && *p != '\t') {
			const char *colon = memchr(p, ':', len);

			assert_non_null(colon);
		}
		for (; p < nl; p++)
			if ((unsigned char)*p < 0x20 && *p != '\t')
				fail_msg("control character in a header");
		p = nl + 1;
	}
}

static int
count_headers(const char *msg, const char *name)
{
	const char *p = msg, *end = strstr(msg, "\n\n");
	size_t n = strlen(name);
	int c = 0;

	while (p && p < end) {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':')
			c++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return c;
}

static void
test_copy_headers(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf out = BUF_INIT;
	struct compose_copy c;

	(void)state;
	setup_cfg(&ctx);
	memset(&c, 0, sizeof(c));
	c.number = 12;
	c.sender_name = "Jan de Vries";
	c.subject = "Verdachte man bij de school";
	c.body = "Man met rode jas.\n";
	c.msgid = "bpt.12.1.abc@binnenbijster.example";
	assert_int_equal(compose_copy(&ctx, &c, &out), BPT_OK);
	check_head(out.buf);
	assert_non_null(strstr(out.buf, "From: Jan de Vries via BPT Binnenbijster "
	    "<bpt@binnenbijster.example>\n"));
	assert_non_null(strstr(out.buf, "Reply-To: BPT Binnenbijster <bpt@binnenbijster.example>\n"));
	assert_non_null(strstr(out.buf, "Subject: [BPT Binnenbijster #12] Verdachte man bij de school\n"));
	assert_non_null(strstr(out.buf, "Message-ID: <bpt.12.1.abc@binnenbijster.example>\n"));
	assert_non_null(strstr(out.buf, "List-Id: BPT Binnenbijster <bpt.binnenbijster.example>\n"));
	assert_non_null(strstr(out.buf, "List-Post: <mailto:bpt@binnenbijster.example>\n"));
	assert_non_null(strstr(out.buf, "List-Unsubscribe: <mailto:bpt-request@binnenbijster.example?subject=afmelden>\n"));
	assert_non_null(strstr(out.buf, "Precedence: list\n"));
	assert_non_null(strstr(out.buf, "X-Loop: bpt@binnenbijster.example\n"));
	assert_null(strstr(out.buf, "List-Unsubscribe-Post"));
	assert_int_equal(count_headers(out.buf, "In-Reply-To"), 0);
	buf_reset(&out);

	c.is_reply = 1;
	c.in_reply_to = "bpt.12.1.abc@binnenbijster.example";
	c.references = "<bpt.12.1.abc@binnenbijster.example>";
	cfg.group.unsubscribe_url = "https://binnenbijster.example/afmelden";
	assert_int_equal(compose_copy(&ctx, &c, &out), BPT_OK);
	check_head(out.buf);
	assert_non_null(strstr(out.buf, "Subject: Re: [BPT Binnenbijster #12] Verdachte"));
	assert_non_null(strstr(out.buf, "In-Reply-To: <bpt.12.1.abc@binnenbijster.example>\n"));
	assert_non_null(strstr(out.buf, "References: <bpt.12.1.abc@binnenbijster.example>\n"));
	assert_non_null(strstr(out.buf, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n"));
	buf_release(&out);
}

static void
test_no_header_injection(void **state)
{
	static const char *const evil[] = {
		"Jan\r\nBcc: victim@example.org",
		"Jan\nBcc: victim@example.org",
		"Jan\rBcc: victim@example.org",
		"Jan\tde\x01Vries\x7f",
		"=?utf-8?q?a=0D=0ABcc:_x@example.org?=",
		"\xc3\xa9\xc3\xa9n \"quoted\" \\ back\nBcc: x@example.org",
		"Ünïcödé naam met een heel lange tekst die zeker over de grens van "
		    "achtenzeventig tekens gaat en dan nog verder",
	};
	struct bpt_ctx ctx = BPT_CTX_INIT;
	size_t i;

	(void)state;
	setup_cfg(&ctx);
	for (i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
		struct buf out = BUF_INIT;
		struct compose_copy c;

		memset(&c, 0, sizeof(c));
		c.number = 3;
		c.sender_name = evil[i];
		c.subject = evil[i];
		c.body = "tekst\n";
		c.msgid = "x.3@binnenbijster.example";
		assert_int_equal(compose_copy(&ctx, &c, &out), BPT_OK);
		check_head(out.buf);
		assert_int_equal(count_headers(out.buf, "Bcc"), 0);
		assert_int_equal(count_headers(out.buf, "From"), 1);
		assert_int_equal(count_headers(out.buf, "Subject"), 1);
		buf_release(&out);

		assert_int_equal(compose_notice(&ctx, "jan@example.org", evil[i],
		    "n.1@binnenbijster.example", NULL, NULL, &out), BPT_OK);
		check_head(out.buf);
		assert_int_equal(count_headers(out.buf, "Bcc"), 0);
		buf_release(&out);
	}
}

static void
test_encoded_words_roundtrip(void **state)
{
	static const char *const names[] = {
		"Jérôme Façade", "Ünïcödé naam met een heel lange tekst die zeker over "
		    "de grens van achtenzeventig tekens gaat 😀 en dan nog verder",
		"日本語の名前", "plain ascii (with) <specials> @ ,;",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct buf b = BUF_INIT;
		char *dec;
		const char *v;

		compose_header_text(&b, "Subject", names[i]);
		v = b.buf + strlen("Subject: ");
		/* unfold, then decode as a mail reader would */
		dec = mail_decode_header(v);
		assert_non_null(dec);
		if (strcmp(dec, names[i]) != 0)
			fail_msg("'%s' came back as '%s' from '%s'", names[i], dec, b.buf);
		free(dec);
		buf_release(&b);
	}
}

static void
test_flowed_body(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf out = BUF_INIT;
	struct compose_copy c;
	const char *body;

	(void)state;
	setup_cfg(&ctx);
	memset(&c, 0, sizeof(c));
	c.number = 1;
	c.subject = "x";
	c.msgid = "x.1@binnenbijster.example";
	c.body = "Een hele lange regel met woorden die samen zeker langer zijn dan "
	    "achtenzeventig tekens, zodat hij gebroken wordt.\n"
	    ">geen citaat\nFrom here\n spatie\nstaart   \n-- \nvoet\n";
	assert_int_equal(compose_copy(&ctx, &c, &out), BPT_OK);
	assert_non_null(strstr(out.buf, "Content-Type: text/plain; charset=utf-8; "
	    "format=flowed\nContent-Transfer-Encoding: 7bit\n"));
	body = strstr(out.buf, "\n\n") + 2;
	assert_string_equal(body,
	    "Een hele lange regel met woorden die samen zeker langer zijn dan \n"
	    "achtenzeventig tekens, zodat hij gebroken wordt.\n"
	    " >geen citaat\n From here\n  spatie\nstaart\n-- \nvoet\n");
	buf_reset(&out);
	c.body = "één regel\n";
	assert_int_equal(compose_copy(&ctx, &c, &out), BPT_OK);
	assert_non_null(strstr(out.buf, "Content-Transfer-Encoding: 8bit\n\néén regel\n"));
	buf_release(&out);
}

/* Lines of at most 72 characters (not bytes), so that a client that
 * ignores format=flowed leaves no lonely word behind. */
static void
test_flowed_72_characters(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf out = BUF_INIT, in = BUF_INIT;
	struct compose_copy c;
	const char *body;
	int i;

	(void)state;
	setup_cfg(&ctx);
	memset(&c, 0, sizeof(c));
	c.number = 1;
	c.subject = "x";
	c.msgid = "x.1@binnenbijster.example";
	/* 25 words of three characters (five bytes) and a space */
	for (i = 0; i < 25; i++)
		buf_adds(&in, i ? " één" : "één");
	buf_adds(&in, "\n");
	/* 73 characters: one too many, broken at the last space */
	buf_adds(&in, "Ziet u nu iets verdachts? Bel eerst 112. Stuur daarna een NIEUW "
	    "bericht.!\n");
	/* exactly 72: kept whole */
	buf_adds(&in, "Ziet u nu iets verdachts? Bel eerst 112. Stuur daarna een NIEUW "
	    "bericht.\n");
	/* one word longer than a line: not cut inside */
	for (i = 0; i < 80; i++)
		buf_addch(&in, 'x');
	buf_adds(&in, " staart\n");
	c.body = buf_str(&in);
	assert_int_equal(compose_copy(&ctx, &c, &out), BPT_OK);
	body = strstr(out.buf, "\n\n") + 2;
	buf_reset(&in);
	for (i = 0; i < 18; i++)
		buf_adds(&in, "één ");
	buf_adds(&in, "\n");
	for (i = 18; i < 25; i++)
		buf_adds(&in, i > 18 ? " één" : "één");
	buf_adds(&in, "\nZiet u nu iets verdachts? Bel eerst 112. Stuur daarna een NIEUW \n"
	    "bericht.!\n"
	    "Ziet u nu iets verdachts? Bel eerst 112. Stuur daarna een NIEUW bericht.\n");
	for (i = 0; i < 80; i++)
		buf_addch(&in, 'x');
	buf_adds(&in, " \nstaart\n");
	assert_string_equal(body, buf_str(&in));
	buf_release(&in);
	buf_release(&out);
}

static void
test_base_subject(void **state)
{
	char *s;

	(void)state;
	s = compose_base_subject("Re: RE: Fwd: [BPT Binnenbijster #12] Man bij school");
	assert_string_equal(s, "Man bij school");
	free(s);
	s = compose_base_subject("Antw: AW: Re[2]: verdacht");
	assert_string_equal(s, "verdacht");
	free(s);
	s = compose_base_subject("[Other] Reeks");
	assert_string_equal(s, "[Other] Reeks");
	free(s);
	s = compose_base_subject(NULL);
	assert_string_equal(s, "");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_headers),
		cmocka_unit_test(test_no_header_injection),
		cmocka_unit_test(test_encoded_words_roundtrip),
		cmocka_unit_test(test_flowed_body),
		cmocka_unit_test(test_flowed_72_characters),
		cmocka_unit_test(test_base_subject),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
