/*
 * buf.h - growable byte strings for anything built from mail data.
 *
 * Modelled on git's strbuf.  b->buf is always NUL-terminated (after
 * the first add) and may hold NUL bytes inside.  Adds never fail
 * loudly: an allocation failure sets b->oom and later adds are
 * ignored, so a caller builds a whole string and checks once with
 * buf_failed().  After buf_detach() the caller owns the string and
 * frees it with free(); buf_release() frees and resets.
 */
#ifndef BPT_BUF_H
#define BPT_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *buf;
	size_t len;
	size_t alloc;
	int oom;
};

#define BUF_INIT { NULL, 0, 0, 0 }

void buf_init(struct buf *b);
/* Ensures room for n more bytes; 0 or -1 (and b->oom set). */
int buf_grow(struct buf *b, size_t n);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addch(struct buf *b, int c);
void buf_addf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);
void buf_setlen(struct buf *b, size_t len);
void buf_reset(struct buf *b);	/* len = 0, memory kept */
int buf_failed(const struct buf *b);
/* The string (never NULL: "" when empty); borrowed until the next add. */
const char *buf_str(const struct buf *b);
/* Hands the string to the caller (free() it); NULL if oom. Resets b. */
char *buf_detach(struct buf *b, size_t *lenp);
void buf_release(struct buf *b);

/* Duplicates n bytes into a new NUL-terminated string; NULL on oom. */
char *xmemdupz(const void *p, size_t n);

#endif
