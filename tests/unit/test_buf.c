/* test_buf.c - struct buf, sha256, addresses, case-insensitive search, the clock. */
#include "unit.h"

#include "addr.h"
#include "buf.h"
#include "sha256.h"
#include "util.h"

static void
test_buf_grow_and_detach(void **state)
{
	struct buf b = BUF_INIT;
	char *s;
	size_t n;
	int i;

	(void)state;
	assert_string_equal(buf_str(&b), "");
	for (i = 0; i < 10000; i++)
		buf_addf(&b, "%d,", i);
	assert_false(buf_failed(&b));
	assert_int_equal(strncmp(b.buf, "0,1,2,", 6), 0);
	buf_add(&b, "\0x", 2);
	s = buf_detach(&b, &n);
	assert_non_null(s);
	assert_int_equal(s[n - 2], '\0');
	assert_int_equal(s[n - 1], 'x');
	assert_int_equal(s[n], '\0');
	assert_null(b.buf);
	free(s);
}

static void
test_sha256_vectors(void **state)
{
	char hex[65];
	struct sha256 s;
	unsigned char d[32];
	char chunk[125];
	int i;

	(void)state;
	sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* one million 'a', fed in odd-sized pieces */
	sha256_init(&s);
	memset(chunk, 'a', sizeof(chunk));
	for (i = 0; i < 1000000 / 125; i++)
		sha256_update(&s, chunk, 125);
	sha256_final(&s, d);
	sha256_tohex(d, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void
test_addr(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	static const char *const good[] = {
		"jan@example.org", "Jan.de.Vries@Example.ORG", "a+b@x.example",
		"\"x;touch pwned\"@example.org", "-oQqueue@example.org",
		"user@[192.0.2.1]", "o'brien@example.ie",
	};
	static const char *const bad[] = {
		"", "jan", "@example.org", "jan@", "jan@@example.org",
		"jan de vries@example.org", "jan.@example.org", ".jan@example.org",
		"jan..x@example.org", "jan@-example.org", "jan@example..org",
		"jan@exa_mple.org", "jan@example.org.", "jän@example.org",
		"\"unterminated@example.org", "jan@example.org\r\nBcc: x@y",
	};
	char *out;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(addr_normalize(&ctx, good[i], &out), BPT_OK);
		free(out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		out = NULL;
		assert_int_equal(addr_normalize(&ctx, bad[i], &out), BPT_EDATA);
		assert_null(out);
		assert_non_null(strstr(ctx.errmsg, "bad address"));
	}
	assert_int_equal(addr_normalize(&ctx, " <Jan.Vries@Example.ORG> ", &out), BPT_OK);
	assert_string_equal(out, "Jan.Vries@example.org");
	free(out);
}

static void
test_ci_find(void **state)
{
	static const char text[] = "Re: AUTOMATISCH Antwoord: out of OFFICE";
	static const char pm[] = "xxPOSTMASTERyy";

	(void)state;
	/* the first match: inside, at the start, at the end */
	assert_ptr_equal(util_ci_find(text, "automatisch antwoord"), text + 4);
	assert_ptr_equal(util_ci_find(text, "Out Of Office"), text + 26);
	assert_ptr_equal(util_ci_find(text, "re:"), text);
	assert_ptr_equal(util_ci_find(text, "e"), text + 1);
	assert_ptr_equal(util_ci_find(text, "ICE"), text + 36);
	assert_ptr_equal(util_ci_find(text, ""), text);
	/* past the end */
	assert_null(util_ci_find(text, "out of office!"));
	assert_null(util_ci_find(text, "autoreply"));
	assert_null(util_ci_find(NULL, "x"));
	assert_null(util_ci_find("", "x"));
	/* only n bytes are read: no NUL needed, none looked at past n */
	assert_ptr_equal(util_ci_findn(pm, 12, "postmaster"), pm + 2);
	assert_null(util_ci_findn(pm, 11, "postmaster"));
	assert_non_null(util_ci_findn("", 0, ""));
	/* bytes past ASCII are compared as they are */
	assert_non_null(util_ci_find("R\xc3\xa9ponse automatique",
	    "r\xc3\xa9ponse"));
	assert_null(util_ci_find("R\xc3\x89PONSE", "r\xc3\xa9ponse"));
	/* a first byte that folds (@ is not `, [ is not {) */
	assert_null(util_ci_find("`x", "@x"));
	assert_null(util_ci_find("{x", "[x"));
}

/* The one clock: ctx->now, else $BPT_NOW (test builds), else time(). */
static void
test_clock(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	time_t before;

	(void)state;
	unsetenv("BPT_NOW");
	before = time(NULL);
	assert_true(bpt_now(NULL) >= before && bpt_now(NULL) <= time(NULL));
	ctx.now = 12345;
	assert_int_equal(bpt_now(&ctx), 12345);
#ifdef BPT_TEST_FAULTS
	setenv("BPT_NOW", "1795000000", 1);
	assert_int_equal(bpt_now(NULL), 1795000000);
	assert_int_equal(bpt_now(&ctx), 12345);	/* ctx->now wins */
	setenv("BPT_NOW", "2026-03-29T00:59:59Z", 1);
	assert_int_equal(bpt_now(NULL), 1774745999);
	setenv("BPT_NOW", "2026-03-29T01:00Z", 1);
	assert_int_equal(bpt_now(NULL), 1774746000);
	/* anything else is ignored: the real clock */
	setenv("BPT_NOW", "2026-03-29 01:00", 1);
	before = time(NULL);
	assert_true(bpt_now(NULL) >= before);
	unsetenv("BPT_NOW");
#endif
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_grow_and_detach),
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_ci_find),
		cmocka_unit_test(test_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
