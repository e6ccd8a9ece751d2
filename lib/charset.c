/* charset.c - text in a MIME charset to UTF-8 (see charset.h). */
#include "bptconf.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

#include "charset.h"

enum conv { CONV_UTF8, CONV_RAW, CONV_1252, CONV_LATIN9, CONV_ICONV };

/* Labels mail clients write, and what they mean in practice. */
static const struct alias {
	const char *label;
	enum conv conv;
	const char *iconv_name;		/* CONV_ICONV: the name iconv knows */
} aliases[] = {
	{ "utf-8", CONV_UTF8, NULL },
	{ "utf8", CONV_UTF8, NULL },
	{ "unicode-1-1-utf-8", CONV_UTF8, NULL },
	{ "x-unicode20utf8", CONV_UTF8, NULL },
	/* labels that promise nothing: read as unlabelled text */
	{ "us-ascii", CONV_RAW, NULL },
	{ "ascii", CONV_RAW, NULL },
	{ "ansi_x3.4-1968", CONV_RAW, NULL },
	{ "iso646-us", CONV_RAW, NULL },
	{ "us", CONV_RAW, NULL },
	{ "csascii", CONV_RAW, NULL },
	{ "unknown-8bit", CONV_RAW, NULL },
	{ "x-unknown", CONV_RAW, NULL },
	{ "unknown", CONV_RAW, NULL },
	{ "default", CONV_RAW, NULL },
	{ "8bit", CONV_RAW, NULL },
	/* Latin-1 labels mean Windows-1252 (as in browsers) */
	{ "iso-8859-1", CONV_1252, NULL },
	{ "iso8859-1", CONV_1252, NULL },
	{ "iso_8859-1", CONV_1252, NULL },
	{ "iso_8859-1:1987", CONV_1252, NULL },
	{ "latin1", CONV_1252, NULL },
	{ "latin-1", CONV_1252, NULL },
	{ "l1", CONV_1252, NULL },
	{ "cp819", CONV_1252, NULL },
	{ "ibm819", CONV_1252, NULL },
	{ "iso-ir-100", CONV_1252, NULL },
	{ "csisolatin1", CONV_1252, NULL },
	{ "windows-1252", CONV_1252, NULL },
	{ "windows1252", CONV_1252, NULL },
	{ "cp1252", CONV_1252, NULL },
	{ "cp-1252", CONV_1252, NULL },
	{ "x-cp1252", CONV_1252, NULL },
	{ "iso-8859-15", CONV_LATIN9, NULL },
	{ "iso8859-15", CONV_LATIN9, NULL },
	{ "iso_8859-15", CONV_LATIN9, NULL },
	{ "latin-9", CONV_LATIN9, NULL },
	{ "latin9", CONV_LATIN9, NULL },
	{ "l9", CONV_LATIN9, NULL },
	{ "csisolatin9", CONV_LATIN9, NULL },
	/* Outlook and friends: the label names a subset, use the superset */
	{ "ks_c_5601-1987", CONV_ICONV, "CP949" },
	{ "ks_c_5601", CONV_ICONV, "CP949" },
	{ "ksc5601", CONV_ICONV, "CP949" },
	{ "ksc_5601", CONV_ICONV, "CP949" },
	{ "euc-kr", CONV_ICONV, "CP949" },
	{ "euckr", CONV_ICONV, "CP949" },
	{ "cseuckr", CONV_ICONV, "CP949" },
	{ "windows-949", CONV_ICONV, "CP949" },
	{ "gb2312", CONV_ICONV, "GB18030" },
	{ "gb_2312-80", CONV_ICONV, "GB18030" },
	{ "csgb2312", CONV_ICONV, "GB18030" },
	{ "gbk", CONV_ICONV, "GB18030" },
	{ "x-gbk", CONV_ICONV, "GB18030" },
	{ "cp936", CONV_ICONV, "GB18030" },
	{ "euc-cn", CONV_ICONV, "GB18030" },
	{ "big5", CONV_ICONV, "BIG5-HKSCS" },
	{ "big-5", CONV_ICONV, "BIG5-HKSCS" },
	{ "x-x-big5", CONV_ICONV, "BIG5-HKSCS" },
	{ "csbig5", CONV_ICONV, "BIG5-HKSCS" },
	{ "cn-big5", CONV_ICONV, "BIG5-HKSCS" },
	{ "shift_jis", CONV_ICONV, "CP932" },
	{ "shift-jis", CONV_ICONV, "CP932" },
	{ "sjis", CONV_ICONV, "CP932" },
	{ "x-sjis", CONV_ICONV, "CP932" },
	{ "ms_kanji", CONV_ICONV, "CP932" },
	{ "csshiftjis", CONV_ICONV, "CP932" },
	{ "windows-31j", CONV_ICONV, "CP932" },
	{ "iso-2022-jp", CONV_ICONV, "ISO-2022-JP-2" },
	{ "csiso2022jp", CONV_ICONV, "ISO-2022-JP-2" },
	{ "euc-jp", CONV_ICONV, "EUC-JP-MS" },
	{ "unicode-1-1-utf-7", CONV_ICONV, "UTF-7" },
	{ "iso-8859-8-i", CONV_ICONV, "ISO-8859-8" },
	{ "iso-8859-8-e", CONV_ICONV, "ISO-8859-8" },
	{ "windows-874", CONV_ICONV, "CP874" },
	{ "x-mac-roman", CONV_ICONV, "MACINTOSH" },
};

/* Windows-1252 0x80..0x9f; 0 where the code page has no character. */
static const unsigned short cp1252_hi[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
};

static const char replacement[] = "\xef\xbf\xbd";

/*
 * The valid UTF-8 sequence at s (1 to 4 bytes), or 0 with *bad the
 * length of the ill-formed part to replace by one U+FFFD.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n, size_t *bad)
{
	unsigned c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (c < 0x80)
		return 1;
	if (c < 0xc2) {
		*bad = 1;
		return 0;
	}
	if (c < 0xe0) {
		need = 1;
	} else if (c < 0xf0) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c < 0xf5) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		*bad = 1;
		return 0;
	}
	for (i = 1; i <= need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

size_t
charset_utf8_valid_len(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0, k, bad;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_seq(s + i, n - i, &bad);
		if (k == 0)
			break;
		i += k;
	}
	return i;
}

int
charset_utf8_valid(const char *s, size_t n)
{
	return charset_utf8_valid_len(s, n) == n;
}

unsigned
charset_utf8_sanitize(struct buf *out, const char *s, size_t n)
{
	unsigned r = CHARSET_OK;
	size_t ok, bad;

	while (n > 0) {
		ok = charset_utf8_valid_len(s, n);
		buf_add(out, s, ok);
		s += ok;
		n -= ok;
		if (n == 0)
			break;
		bad = 1;
		(void)utf8_seq((const unsigned char *)s, n, &bad);
		buf_add(out, replacement, 3);
		r |= CHARSET_INVALID;
		s += bad;
		n -= bad;
	}
	return r;
}

/* Writes cp as UTF-8 to p (room for 4); returns the length. */
static size_t
put_cp(char *p, unsigned long cp)
{
	if (cp < 0x80) {
		p[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		p[0] = (char)(0xc0 | (cp >> 6));
		p[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		cp = 0xfffd;
	if (cp < 0x10000) {
		p[0] = (char)(0xe0 | (cp >> 12));
		p[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		p[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	p[0] = (char)(0xf0 | (cp >> 18));
	p[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	p[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	p[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

void
charset_add_cp(struct buf *out, unsigned long cp)
{
	char tmp[4];

	buf_add(out, tmp, put_cp(tmp, cp));
}

/* Single-byte charsets: at most 3 output bytes per input byte. */
static unsigned
conv_8bit(struct buf *out, const char *s, size_t n, enum conv conv)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned r = CHARSET_OK;
	unsigned long cp;
	size_t i;
	char *p;

	if (n > ((size_t)-1) / 4 || buf_grow(out, n * 3) < 0)
		return r;
	p = out->buf + out->len;
	for (i = 0; i < n; i++) {
		cp = u[i];
		if (cp >= 0x80 && cp < 0xa0 && conv == CONV_1252) {
			cp = cp1252_hi[cp - 0x80];
			if (cp == 0) {
				cp = 0xfffd;
				r |= CHARSET_INVALID;
			}
		} else if (conv == CONV_LATIN9) {
			switch (cp) {
			case 0xa4: cp = 0x20ac; break;
			case 0xa6: cp = 0x0160; break;
			case 0xa8: cp = 0x0161; break;
			case 0xb4: cp = 0x017d; break;
			case 0xb8: cp = 0x017e; break;
			case 0xbc: cp = 0x0152; break;
			case 0xbd: cp = 0x0153; break;
			case 0xbe: cp = 0x0178; break;
			}
		}
		p += put_cp(p, cp);
	}
	out->len = (size_t)(p - out->buf);
	out->buf[out->len] = '\0';
	return r;
}

unsigned
charset_raw_to_utf8(struct buf *out, const char *s, size_t n)
{
	if (charset_utf8_valid(s, n)) {
		buf_add(out, s, n);
		return CHARSET_OK;
	}
	return conv_8bit(out, s, n, CONV_1252);
}

static unsigned
conv_iconv(struct buf *out, iconv_t cd, const char *s, size_t n)
{
	char *in = (char *)s, *o;
	size_t inleft = n, oleft, k;
	unsigned r = CHARSET_OK;

	while (inleft > 0) {
		if (buf_grow(out, inleft * 2 + 64) < 0)
			return r;
		o = out->buf + out->len;
		oleft = out->alloc - out->len - 1;
		k = iconv(cd, &in, &inleft, &o, &oleft);
		out->len = (size_t)(o - out->buf);
		out->buf[out->len] = '\0';
		if (k != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		buf_add(out, replacement, 3);
		r |= CHARSET_INVALID;
		if (errno != EILSEQ)
			break;	/* EINVAL: cut in the middle of a character */
		in++;
		inleft--;
	}
	/* shift back to the initial state (ISO-2022-JP, UTF-7) */
	if (buf_grow(out, 64) == 0) {
		o = out->buf + out->len;
		oleft = out->alloc - out->len - 1;
		iconv(cd, NULL, NULL, &o, &oleft);
		out->len = (size_t)(o - out->buf);
		out->buf[out->len] = '\0';
	}
	return r;
}

/*
 * Lower-cases the label into name[64] without quotes and blanks;
 * 0 when it is empty, too long or holds characters no charset name
 * has (iconv must not see "//" suffixes or paths).
 */
static int
label_norm(const char *label, char name[64])
{
	size_t i = 0;
	const char *p = label;

	while (*p == ' ' || *p == '\t' || *p == '"' || *p == '\'')
		p++;
	for (; *p != '\0' && *p != '"' && *p != '\'' && *p != ' ' &&
	    *p != '\t'; p++) {
		unsigned char c = (unsigned char)*p;

		if (i >= 63)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
		    c == ':'))
			return 0;
		name[i++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
	}
	name[i] = '\0';
	return i > 0;
}

static const struct alias *
alias_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(aliases[i].label, name) == 0)
			return &aliases[i];
	return NULL;
}

unsigned
charset_to_utf8(struct buf *out, const char *label, const char *s, size_t n)
{
	const struct alias *a;
	char name[64];
	iconv_t cd;
	unsigned r;

	if (label == NULL || *label == '\0')
		return charset_raw_to_utf8(out, s, n);
	if (!label_norm(label, name))
		return CHARSET_UNKNOWN | charset_raw_to_utf8(out, s, n);
	a = alias_find(name);
	if (a != NULL) {
		switch (a->conv) {
		case CONV_UTF8:
			return charset_utf8_sanitize(out, s, n);
		case CONV_RAW:
			return charset_raw_to_utf8(out, s, n);
		case CONV_1252:
		case CONV_LATIN9:
			return conv_8bit(out, s, n, a->conv);
		case CONV_ICONV:
			break;
		}
	}
	cd = iconv_open("UTF-8", a != NULL ? a->iconv_name : name);
	if (cd == (iconv_t)-1)
		return CHARSET_UNKNOWN | charset_raw_to_utf8(out, s, n);
	r = conv_iconv(out, cd, s, n);
	iconv_close(cd);
	return r;
}

int
charset_known(const char *label)
{
	const struct alias *a;
	char name[64];
	iconv_t cd;

	if (label == NULL || *label == '\0')
		return 1;
	if (!label_norm(label, name))
		return 0;
	a = alias_find(name);
	if (a != NULL && a->conv != CONV_ICONV)
		return 1;
	cd = iconv_open("UTF-8", a != NULL ? a->iconv_name : name);
	if (cd == (iconv_t)-1)
		return 0;
	iconv_close(cd);
	return 1;
}
