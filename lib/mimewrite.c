/* mimewrite.c - base64 as a stream, quoted-printable, mboxrd. */
#include "bptconf.h"

#include <string.h>

#include "mimewrite.h"

#define B64_LINE 76

static const char b64_digits[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
b64_begin(struct b64 *e, struct buf *out)
{
	e->out = out;
	e->ncarry = 0;
	e->col = 0;
	e->flat = 0;
}

void
b64_begin_flat(struct b64 *e, struct buf *out)
{
	b64_begin(e, out);
	e->flat = 1;
}

/* Encodes whole groups of three from p[0..n) (n a multiple of 3). */
static void
b64_groups(struct b64 *e, const unsigned char *p, size_t n)
{
	struct buf *o = e->out;
	size_t lines, room, i;
	char *w;

	/* at most one CRLF per B64_LINE characters, and one more */
	lines = (n / 3 * 4) / B64_LINE + 2;
	if (buf_grow(o, n / 3 * 4 + 2 * lines) < 0)
		return;
	w = o->buf + o->len;
	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];

		w[0] = b64_digits[v >> 18];
		w[1] = b64_digits[(v >> 12) & 63];
		w[2] = b64_digits[(v >> 6) & 63];
		w[3] = b64_digits[v & 63];
		w += 4;
		e->col += 4;
		if (e->col >= B64_LINE && !e->flat) {
			*w++ = '\r';
			*w++ = '\n';
			e->col = 0;
		}
	}
	room = (size_t)(w - (o->buf + o->len));
	o->len += room;
	o->buf[o->len] = '\0';
}

void
b64_add(struct b64 *e, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t whole;

	while (e->ncarry > 0 && e->ncarry < 3 && n > 0) {
		e->carry[e->ncarry++] = *p++;
		n--;
	}
	if (e->ncarry == 3) {
		b64_groups(e, e->carry, 3);
		e->ncarry = 0;
	}
	whole = n - n % 3;
	if (whole > 0)
		b64_groups(e, p, whole);
	p += whole;
	n -= whole;
	while (n-- > 0)
		e->carry[e->ncarry++] = *p++;
}

void
b64_end(struct b64 *e)
{
	char w[4];

	if (e->ncarry > 0) {
		unsigned v = (unsigned)e->carry[0] << 16 |
		    (e->ncarry > 1 ? (unsigned)e->carry[1] << 8 : 0);

		w[0] = b64_digits[v >> 18];
		w[1] = b64_digits[(v >> 12) & 63];
		w[2] = e->ncarry > 1 ? b64_digits[(v >> 6) & 63] : '=';
		w[3] = '=';
		buf_add(e->out, w, 4);
		e->col += 4;
		e->ncarry = 0;
	}
	if (e->col > 0 && !e->flat)
		buf_add(e->out, "\r\n", 2);
	e->col = 0;
}

#define QP_LINE 76

/*
 * One line (without its line end, without blanks at its end) as
 * quoted-printable, written straight into out: the bytes that need it
 * as =XX, soft line breaks ("=" CRLF) to keep each encoded line within
 * QP_LINE, then CRLF.  An encoder of its own: libetpan's calls back
 * for every few bytes, and took a tenth of the build of a transcript.
 */
static void
qp_line(struct buf *out, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0, i, k;
	char *w;

	/* three bytes for each at most, and three for each soft break */
	if (buf_grow(out, 3 * n + n / 4 + 8) < 0)
		return;
	w = out->buf + out->len;
	for (i = 0; i < n; i++) {
		unsigned c = p[i];
		int plain = (c >= 33 && c <= 126 && c != '=') || c == ' ' ||
		    c == '\t';

		for (;;) {
			k = plain && !(col == 0 && c == 'F' && n - i >= 5 &&
			    memcmp(p + i, "From ", 5) == 0) ? 1 : 3;
			/* room for it and the "=" of a soft break; or the last */
			if (col + k < QP_LINE ||
			    (i + 1 == n && col + k <= QP_LINE))
				break;
			memcpy(w, "=\r\n", 3);
			w += 3;
			col = 0;
		}
		if (k == 1) {
			*w++ = (char)c;
		} else {
			w[0] = '=';
			w[1] = hex[c >> 4];
			w[2] = hex[c & 15];
			w += 3;
		}
		col += k;
	}
	memcpy(w, "\r\n", 2);
	w += 2;
	out->len = (size_t)(w - out->buf);
	out->buf[out->len] = '\0';
}

int
qp_add(struct buf *out, const char *text, size_t n)
{
	const char *p = text, *end = text + n, *nl, *e;

	/* blanks at the end of a line go: mail may drop them on the way */
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		e = nl ? nl : end;
		if (e > p && e[-1] == '\r')
			e--;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		qp_line(out, (const unsigned char *)p, (size_t)(e - p));
		p = nl ? nl + 1 : end;
	}
	return buf_failed(out) ? -1 : 0;
}

/* 1 when the line at p[0..n) reads ">*From ". */
static int
from_line(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] == '>')
		i++;
	return n - i >= 5 && memcmp(p + i, "From ", 5) == 0;
}

void
mbox_add(struct buf *out, const char *from, const char *msg, size_t len)
{
	const char *p = msg, *end = msg + len, *nl;

	buf_adds(out, from);
	buf_addch(out, '\n');
	buf_grow(out, len + 1);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		nl = nl ? nl + 1 : end;
		if (from_line(p, (size_t)(nl - p)))
			buf_addch(out, '>');
		buf_add(out, p, (size_t)(nl - p));
		p = nl;
	}
	buf_addch(out, '\n');
}

/* The next "From " line at or after p that starts a line of base. */
static const char *
next_from(const char *base, const char *p, const char *end)
{
	while (p < end) {
		if ((p == base || p[-1] == '\n') && end - p >= 5 &&
		    memcmp(p, "From ", 5) == 0)
			return p;
		p = memchr(p, '\n', (size_t)(end - p));
		if (p == NULL)
			return NULL;
		p++;
	}
	return NULL;
}

int
mbox_split(const char *p, size_t n, int (*fn)(void *arg, const char *msg,
    size_t len), void *arg)
{
	const char *end = p + n, *cur, *body, *next, *q, *nl, *stop;
	struct buf m = BUF_INIT;
	int rc = 0;

	if (n < 5 || memcmp(p, "From ", 5) != 0)
		return -1;
	for (cur = p; cur != NULL && cur < end && rc == 0; cur = next) {
		body = memchr(cur, '\n', (size_t)(end - cur));
		body = body ? body + 1 : end;
		next = next_from(p, body, end);
		stop = next ? next : end;
		/* the one LF mbox_add() put after the message */
		if (stop > body && stop[-1] == '\n')
			stop--;
		buf_reset(&m);
		for (q = body; q < stop; q = nl) {
			nl = memchr(q, '\n', (size_t)(stop - q));
			nl = nl ? nl + 1 : stop;
			if (q[0] == '>' && from_line(q, (size_t)(nl - q)))
				buf_add(&m, q + 1, (size_t)(nl - q - 1));
			else
				buf_add(&m, q, (size_t)(nl - q));
		}
		if (buf_failed(&m)) {
			rc = -2;
			break;
		}
		rc = fn(arg, m.buf ? m.buf : "", m.len);
	}
	buf_release(&m);
	return rc;
}
