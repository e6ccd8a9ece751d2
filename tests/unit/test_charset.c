/* test_charset.c - MIME charsets to UTF-8, invalid bytes to U+FFFD. */
#include "unit.h"

#include "buf.h"
#include "charset.h"

#define FFFD "\xef\xbf\xbd"

static void
conv(const char *label, const char *in, size_t n, const char *want,
    unsigned want_r)
{
	struct buf out = BUF_INIT;
	unsigned r;

	r = charset_to_utf8(&out, label, in, n);
	assert_false(buf_failed(&out));
	if (strcmp(buf_str(&out), want) != 0 || r != want_r)
		fail_msg("%s: got '%s' (%u), not '%s' (%u)", label ? label : "-",
		    buf_str(&out), r, want, want_r);
	assert_true(charset_utf8_valid(buf_str(&out), out.len));
	buf_release(&out);
}

#define CONV(label, lit, want, r) conv(label, lit, sizeof(lit) - 1, want, r)

static void
test_utf8(void **state)
{
	(void)state;
	assert_true(charset_utf8_valid("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x93", 12));
	assert_false(charset_utf8_valid("\xc0\x80", 2));		/* overlong */
	assert_false(charset_utf8_valid("\xed\xa0\x80", 3));		/* surrogate */
	assert_false(charset_utf8_valid("\xf4\x90\x80\x80", 4));	/* > U+10FFFF */
	assert_false(charset_utf8_valid("\xe2\x82", 2));		/* cut */
	assert_int_equal(charset_utf8_valid_len("ab\xff" "c", 4), 2);
	CONV("utf-8", "a\xffz", "a" FFFD "z", CHARSET_INVALID);
	CONV("UTF8", "\xe2\x82" "z", FFFD "z", CHARSET_INVALID);
	CONV("utf-8", "\xed\xa0\x80", FFFD FFFD FFFD, CHARSET_INVALID);
	CONV("\"UTF-8\"", "caf\xc3\xa9", "café", CHARSET_OK);
}

static void
test_single_byte(void **state)
{
	(void)state;
	CONV("iso-8859-1", "caf\xe9 \x80", "café €", CHARSET_OK);
	CONV("Windows-1252", "\x93quote\x94 \x81", "“quote” " FFFD,
	    CHARSET_INVALID);
	CONV("iso-8859-15", "\xa4 \xbd \xe9", "€ œ é", CHARSET_OK);
	CONV("latin1", "\xfc", "ü", CHARSET_OK);
	/* unlabelled and us-ascii: UTF-8 when it is, else Windows-1252 */
	CONV(NULL, "caf\xc3\xa9", "café", CHARSET_OK);
	CONV("us-ascii", "caf\xe9", "café", CHARSET_OK);
	CONV("", "\x80", "€", CHARSET_OK);
}

static void
test_iconv(void **state)
{
	(void)state;
	CONV("windows-1251", "\xc0\xf2\xe8", "Ати", CHARSET_OK);
	CONV("koi8-r", "\xe1\xc1", "Аа", CHARSET_OK);
	CONV("ks_c_5601-1987", "\xbd\xba\xc6\xbc\xc7\xd8", "스티해", CHARSET_OK);
	CONV("Shift_JIS", "\x82\xa0\x82\xa2", "あい", CHARSET_OK);
	CONV("iso-2022-jp", "\x1b$B$9$_\x1b(B.", "すみ.", CHARSET_OK);
	CONV("gb2312", "\xc4\xe3\xba\xc3", "你好", CHARSET_OK);
	CONV("unicode-1-1-utf-7", "caf+AOk-", "café", CHARSET_OK);
	CONV("utf-16le", "a\0b\0", "ab", CHARSET_OK);
	/* invalid and cut sequences become U+FFFD */
	CONV("shift_jis", "a\x82", "a" FFFD, CHARSET_INVALID);
	CONV("utf-16le", "a\0\0\xdc", "a" FFFD FFFD, CHARSET_INVALID);
	assert_true(charset_known("ISO-8859-2"));
	assert_true(charset_known("ks_c_5601-1987"));
}

static void
test_unknown(void **state)
{
	(void)state;
	CONV("x-nonsense", "caf\xe9", "café", CHARSET_UNKNOWN);
	CONV("NONE", "abc", "abc", CHARSET_UNKNOWN);
	/* names iconv must never see */
	CONV("UTF-8//TRANSLIT", "abc", "abc", CHARSET_UNKNOWN);
	CONV("../../tmp/x", "abc", "abc", CHARSET_UNKNOWN);
	CONV("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "abc", "abc", CHARSET_UNKNOWN);
	assert_false(charset_known("x-nonsense"));
	assert_false(charset_known("UTF-8//IGNORE"));
}

static void
test_code_points(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	charset_add_cp(&b, 'a');
	charset_add_cp(&b, 0xe9);
	charset_add_cp(&b, 0x20ac);
	charset_add_cp(&b, 0x1f693);
	charset_add_cp(&b, 0xd800);
	charset_add_cp(&b, 0x110000);
	assert_string_equal(buf_str(&b), "aé€\xf0\x9f\x9a\x93" FFFD FFFD);
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_single_byte),
		cmocka_unit_test(test_iconv),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_code_points),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
