/* buf.c - growable byte strings (see buf.h). */
#include "bptconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
buf_init(struct buf *b)
{
	b->buf = NULL;
	b->len = b->alloc = 0;
	b->oom = 0;
}

int
buf_grow(struct buf *b, size_t n)
{
	size_t want, na;
	char *p;

	if (b->oom)
		return -1;
	if (n > SIZE_MAX - b->len - 1)
		goto fail;
	want = b->len + n + 1;
	if (want <= b->alloc)
		return 0;
	na = b->alloc ? b->alloc : 64;
	while (na < want)
		na = na > SIZE_MAX / 2 ? want : na * 2;
	p = realloc(b->buf, na);
	if (p == NULL)
		goto fail;
	b->buf = p;
	b->alloc = na;
	return 0;
fail:
	b->oom = 1;
	return -1;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (buf_grow(b, n) < 0)
		return;
	if (n > 0)
		memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addch(struct buf *b, int c)
{
	char ch = (char)c;

	buf_add(b, &ch, 1);
}

void
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	if (buf_grow(b, 64) < 0)
		return;
	va_copy(cp, ap);
	n = vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, cp);
	va_end(cp);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	if ((size_t)n >= b->alloc - b->len) {
		if (buf_grow(b, (size_t)n) < 0)
			return;
		vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void
buf_setlen(struct buf *b, size_t len)
{
	if (b->buf == NULL || len > b->len)
		return;
	b->len = len;
	b->buf[len] = '\0';
}

void
buf_reset(struct buf *b)
{
	buf_setlen(b, 0);
}

int
buf_failed(const struct buf *b)
{
	return b->oom;
}

const char *
buf_str(const struct buf *b)
{
	return b->buf ? b->buf : "";
}

char *
buf_detach(struct buf *b, size_t *lenp)
{
	char *s;

	if (b->oom) {
		buf_release(b);
		if (lenp)
			*lenp = 0;
		return NULL;
	}
	if (b->buf == NULL && buf_grow(b, 0) == 0)
		b->buf[0] = '\0';
	s = b->buf;
	if (lenp)
		*lenp = b->len;
	buf_init(b);
	return s;
}

void
buf_release(struct buf *b)
{
	free(b->buf);
	buf_init(b);
}

char *
xmemdupz(const void *p, size_t n)
{
	char *s;

	if (n == SIZE_MAX)
		return NULL;
	s = malloc(n + 1);
	if (s == NULL)
		return NULL;
	if (n > 0)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}
