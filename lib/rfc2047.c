/*
 * rfc2047.c - header values decoded to one line of UTF-8: raw 8-bit
 * bytes, RFC 2047 encoded words, then controls, white space and
 * direction characters folded away (mail_decode_header() in mail.h,
 * rfc2047_decode_field() in mail_int.h).
 */
#include "bptconf.h"

#include <string.h>

#include <libetpan/mailmime.h>

#include "buf.h"
#include "charset.h"
#include "mail.h"
#include "mail_int.h"

#define DECODE_MAX	(64 * 1024)	/* bytes of a header value decoded */

/*
 * Length of a character at u[i] that changes the direction of text
 * or marks it invisibly (U+202A..U+202E, U+2066..U+2069, U+200E,
 * U+200F, U+061C), else 0.  In a name or a subject they make a copy
 * show something other than what it says ("[BPT #1] <U+202E>gpj.exe").
 */
static size_t
bidi_len(const unsigned char *u, size_t i, size_t n)
{
	if (i + 2 < n && u[i] == 0xe2 && u[i + 1] == 0x80 &&
	    ((u[i + 2] >= 0xaa && u[i + 2] <= 0xae) || u[i + 2] == 0x8e ||
	    u[i + 2] == 0x8f))
		return 3;
	if (i + 2 < n && u[i] == 0xe2 && u[i + 1] == 0x81 && u[i + 2] >= 0xa6 &&
	    u[i + 2] <= 0xa9)
		return 3;
	if (i + 1 < n && u[i] == 0xd8 && u[i + 1] == 0x9c)
		return 2;
	return 0;
}

/* Appends s with controls and white space folded to single spaces,
 * without direction characters, trimmed: one line. */
static void
fold_line(struct buf *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start = out->len;
	int space = 0;

	while (i < n) {
		size_t k = 1;
		int blank = 0;

		if ((k = bidi_len(u, i, n)) > 0) {
			i += k;
			continue;
		}
		k = 1;
		if (u[i] < 0x20 || u[i] == 0x7f || u[i] == ' ')
			blank = 1;
		else if (u[i] == 0xc2 && i + 1 < n && u[i + 1] >= 0x80 &&
		    u[i + 1] <= 0xa0)
			blank = 1, k = 2;
		else if (u[i] == 0xe2 && i + 2 < n && u[i + 1] == 0x80 &&
		    (u[i + 2] == 0xa8 || u[i + 2] == 0xa9))
			blank = 1, k = 3;
		if (blank) {
			space = 1;
		} else {
			if (space && out->len > start)
				buf_addch(out, ' ');
			space = 0;
			buf_add(out, s + i, k);
		}
		i += k;
	}
}

enum {
	DEC_UNKNOWN = 1 << 0,	/* an encoded word in an unknown charset */
	DEC_INVALID = 1 << 1,	/* bytes replaced by U+FFFD */
	DEC_BADWORD = 1 << 2,	/* base64 of an encoded word mangled */
};

/* Is the B-encoded text of the encoded word at s[i] ("=?cs?B?...?=")
 * base64 a decoder can trust?  Missing padding is forgiven, padding in
 * the middle or a length no encoder makes is not.  Q words are not
 * judged. */
static int
ew_b_ok(const char *s, size_t n, size_t i)
{
	const char *q1, *q2, *end;
	size_t len, k;
	int pad = 0;

	if (s[i] == '"')
		i++;
	q1 = memchr(s + i + 2, '?', n - i - 2);
	if (q1 == NULL || (size_t)(q1 - s) + 2 >= n || q1[2] != '?' ||
	    (q1[1] != 'B' && q1[1] != 'b'))
		return 1;
	q2 = q1 + 3;
	end = memmem(q2, (size_t)(s + n - q2), "?=", 2);
	len = end ? (size_t)(end - q2) : (size_t)(s + n - q2);
	for (k = 0; k < len; k++) {
		char c = q2[k];

		if (c == '=') {
			pad = 1;
		} else if (pad || !((c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '+' || c == '/')) {
			return 0;
		}
	}
	return pad ? len % 4 == 0 : len % 4 != 1;
}

/* Converts one decoded encoded word (charset may carry an RFC 2231
 * "*lang" suffix). */
static void
ew_convert(struct buf *out, const struct mailmime_encoded_word *ew,
    unsigned *fl)
{
	char cs[64];
	const char *star;
	size_t len;
	unsigned r;

	star = strchr(ew->wd_charset, '*');
	len = star ? (size_t)(star - ew->wd_charset) : strlen(ew->wd_charset);
	if (len >= sizeof(cs))
		len = 0;
	memcpy(cs, ew->wd_charset, len);
	cs[len] = '\0';
	r = charset_to_utf8(out, len > 0 ? cs : "unknown", ew->wd_text,
	    strlen(ew->wd_text));
	if (r & CHARSET_UNKNOWN)
		*fl |= DEC_UNKNOWN;
	if (r & CHARSET_INVALID)
		*fl |= DEC_INVALID;
}

/* Tries an encoded word at s[i]; on success appends it and returns the
 * position after it, else returns i. */
static size_t
ew_at(struct buf *out, const char *s, size_t n, size_t i, unsigned *fl)
{
	struct mailmime_encoded_word *ew = NULL;
	size_t idx = i;
	int fwd = 0, quote = 0, r;

	if (!(n - i >= 2 && s[i] == '=' && s[i + 1] == '?') &&
	    !(n - i >= 3 && s[i] == '"' && s[i + 1] == '=' && s[i + 2] == '?'))
		return i;
	r = mailmime_encoded_word_parse(s, n, &idx, &ew, &fwd, &quote);
	if (r != MAILIMF_NO_ERROR || ew == NULL) {
		if (r == MAILIMF_ERROR_MEMORY)
			out->oom = 1;
		return i;
	}
	ew_convert(out, ew, fl);
	mailmime_encoded_word_free(ew);
	if (!ew_b_ok(s, n, i))
		*fl |= DEC_BADWORD;
	return idx > i ? idx : i + 1;
}

/*
 * Decodes a header value (raw bytes, possibly folded) to one line of
 * UTF-8 in out: raw 8-bit bytes are UTF-8 when valid, else
 * Windows-1252; RFC 2047 encoded words are decoded (also inside
 * quotes and words), white space between two of them dropped; then
 * every control and white-space run becomes one space.
 */
static void
decode_value(struct buf *out, const char *v, size_t n, unsigned *fl)
{
	struct buf u = BUF_INIT, d = BUF_INIT;
	size_t i = 0, j, k;
	int prev_ew = 0;

	if (n > DECODE_MAX) {
		/* cut, but not inside a UTF-8 character */
		n = DECODE_MAX;
		while (n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80)
			n--;
	}
	charset_raw_to_utf8(&u, v, n);
	v = buf_str(&u);
	n = u.len;
	while (i < n) {
		unsigned char c = (unsigned char)v[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			for (j = i; j < n && (v[j] == ' ' || v[j] == '\t' ||
			    v[j] == '\r' || v[j] == '\n'); j++)
				;
			/* white space between encoded words disappears */
			if (prev_ew && (k = ew_at(&d, v, n, j, fl)) > j) {
				i = k;
				continue;
			}
			buf_add(&d, v + i, j - i);
			prev_ew = 0;
			i = j;
			continue;
		}
		if ((c == '=' || c == '"') && (k = ew_at(&d, v, n, i, fl)) > i) {
			prev_ew = 1;
			i = k;
			continue;
		}
		for (j = i + 1; j < n; j++)
			if (v[j] == ' ' || v[j] == '\t' || v[j] == '\r' ||
			    v[j] == '\n' || v[j] == '=' || v[j] == '"')
				break;
		buf_add(&d, v + i, j - i);
		prev_ew = 0;
		i = j;
	}
	fold_line(out, buf_str(&d), d.len);
	if (buf_failed(&u) || buf_failed(&d))
		out->oom = 1;
	buf_release(&u);
	buf_release(&d);
}

char *
mail_decode_header(const char *value)
{
	struct buf out = BUF_INIT;
	unsigned fl = 0;

	if (value == NULL)
		return NULL;
	decode_value(&out, value, strlen(value), &fl);
	return buf_detach(&out, NULL);
}

/* Decodes into a new string, noting charset trouble; NULL if empty. */
char *
rfc2047_decode_field(struct parse *ps, const char *what, const char *v)
{
	struct buf out = BUF_INIT;
	unsigned fl = 0;
	char tmp[48];

	decode_value(&out, v, strlen(v), &fl);
	if (fl & DEC_UNKNOWN)
		mail_note(ps, MAIL_BAD_CHARSET, "unknown charset in %s",
		    mail_printable(what, tmp));
	if (fl & DEC_INVALID)
		mail_note(ps, MAIL_BAD_CHARSET, "invalid bytes in %s",
		    mail_printable(what, tmp));
	if (fl & DEC_BADWORD)
		mail_note(ps, MAIL_MALFORMED, "broken encoded word in %s",
		    mail_printable(what, tmp));
	if (out.len == 0 && !buf_failed(&out)) {
		buf_release(&out);
		return NULL;
	}
	return mail_detach(ps, &out);
}
