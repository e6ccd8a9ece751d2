/*
 * smtp_guard.h - what bounds one SMTP session: the size of the relay's
 * replies and the session's deadline.
 *
 * libetpan's mailsmtp reads a reply line with mailstream_read_line(),
 * which appends to an MMAPString until it meets a LF, and goes on
 * reading lines into session->response while they are continuations.
 * Neither loop has a limit: a relay, or anyone on the path before
 * STARTTLS, that sends a line without end or "250-" lines without end
 * makes us allocate until memory runs out, and one that sends a byte
 * now and then holds us forever, as each read ends well within
 * delivery.smtp.timeout.
 *
 * smtp_guard_wrap() puts a mailstream low-level layer of ours between
 * the stream and the socket (or TLS) layer under it, so that every byte
 * of the relay passes its read callback before libetpan sees it.  That
 * callback counts the bytes since the last LF and the continuation
 * lines of the reply under way; a line longer than SMTP_REPLY_LINE_MAX
 * or a reply of more than SMTP_REPLY_LINES_MAX continuation lines ends
 * the stream, and so does an empty line (libetpan 1.9.4 reads the byte
 * before its buffer when it strips the end of a line that is a lone
 * LF): the callback hands libetpan only the bytes before the
 * fault and fails every read after it, so libetpan's reply has no code
 * (0) and at most SMTP_REPLY_LINES_MAX lines of SMTP_REPLY_LINE_MAX
 * bytes were ever kept.  The read and write callbacks also refuse to
 * start once the session's deadline has passed; smtp_watch.h wakes the
 * calls that are already waiting then.
 *
 * A guard belongs to one connection and is used by one thread at a
 * time, except for fault, which the watchdog may set from its own.
 */
#ifndef BPT_SMTP_GUARD_H
#define BPT_SMTP_GUARD_H

#include <stdatomic.h>
#include <stddef.h>

#include <libetpan/libetpan.h>

#define SMTP_REPLY_LINE_MAX	4096	/* bytes of a reply line, CRLF not counted */
#define SMTP_REPLY_LINES_MAX	100	/* continuation lines of one reply */

enum smtp_fault {
	SMTP_FAULT_NONE = 0,
	SMTP_FAULT_LINE,	/* a reply line past SMTP_REPLY_LINE_MAX */
	SMTP_FAULT_LINES,	/* a reply past SMTP_REPLY_LINES_MAX lines */
	SMTP_FAULT_EMPTY,	/* a reply line of nothing but its LF */
	SMTP_FAULT_DEADLINE,	/* the session's deadline passed */
};

struct smtp_guard {
	atomic_int fault;	/* enum smtp_fault: the first one stays */
	long long deadline;	/* util_now_ms() clock: no I/O from then on */
	/* the layer's own */
	mailstream_low *inner;	/* the layer under ours */
	size_t len;		/* bytes of the current line so far */
	unsigned cont;		/* continuation lines of the current reply */
	char line[SMTP_REPLY_LINE_MAX + 2];	/* the current line, and a CR */
};

/* Makes g new for a session that must end by deadline (util_now_ms()). */
void smtp_guard_init(struct smtp_guard *g, long long deadline);

/*
 * Puts g's layer on top of stream's low-level layer.  Call it again
 * after anything that replaces that layer (STARTTLS does): the new
 * layer is then the one under g's.  Closing or freeing the stream
 * frees the layers; g itself stays the caller's.  0, or -1 when out of
 * memory (the stream is then unchanged).
 */
int smtp_guard_wrap(struct smtp_guard *g, mailstream *stream);

/* Records fault f unless g has one already. */
void smtp_guard_fail(struct smtp_guard *g, enum smtp_fault f);

/* g's fault, SMTP_FAULT_NONE while there is none. */
enum smtp_fault smtp_guard_fault(struct smtp_guard *g);

/* What fault f means, for a recipient's reply text ("" for none). */
const char *smtp_fault_text(enum smtp_fault f);

#endif
