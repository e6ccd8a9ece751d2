/*
 * mimewrite.h - writing MIME bodies for the transcript: base64 as a
 * stream, quoted-printable (libetpan's encoder), and the mboxrd form
 * of a set of messages with its exact inverse.
 *
 * Everything written here is in canonical form: CRLF line ends, lines
 * of at most 76 characters, 7-bit, so that a signature over it holds
 * on every mail path (RFC 3156, section 3).
 */
#ifndef BPT_MIMEWRITE_H
#define BPT_MIMEWRITE_H

#include <stddef.h>

#include "buf.h"

/* A base64 stream (RFC 2045, 6.8) into out, 76 characters a line. */
struct b64 {
	struct buf *out;
	unsigned char carry[3];
	size_t ncarry;
	size_t col;
	int flat;		/* one line, no line end (for JSON) */
};

void b64_begin(struct b64 *e, struct buf *out);
/* The same as one line without a line end. */
void b64_begin_flat(struct b64 *e, struct buf *out);
void b64_add(struct b64 *e, const void *p, size_t n);
/* Writes what is left and ends the last line with CRLF. */
void b64_end(struct b64 *e);

/*
 * Appends text (UTF-8, LF or CRLF line ends) as quoted-printable
 * (RFC 2045 6.7) with CRLF line ends and lines of at most 76
 * characters.  Blanks at the end of a line are dropped and the text
 * ends with a line end.  The 'F' of a "From " that would start an
 * encoded line is written as =46.  -1 on out of memory.
 */
int qp_add(struct buf *out, const char *text, size_t n);

/*
 * mboxrd (RFC 4155 and its "mboxrd" quoting): appends one message as
 * a "From " line (from_line, without its line end), the message with
 * every line that matches ^>*From  given one more '>', and one LF.
 * mbox_split() undoes exactly this: for every message it yields the
 * bytes mbox_add() was given, whatever their line ends, also for a
 * message that does not end in a line end.
 */
void mbox_add(struct buf *out, const char *from_line, const char *msg,
    size_t len);

/*
 * Calls fn for each message of the mboxrd text p[0..n) with its bytes
 * as they were before mbox_add() (in a buffer borrowed for the call).
 * Text before the first "From " line is an error.  Returns 0, the
 * first non-zero value of fn, or -1 when p does not start with a
 * "From " line and -2 on out of memory.
 */
int mbox_split(const char *p, size_t n,
    int (*fn)(void *arg, const char *msg, size_t len), void *arg);

#endif
