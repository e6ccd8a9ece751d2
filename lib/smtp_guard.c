/*
 * smtp_guard.c - a mailstream low-level layer that bounds the relay's
 * replies and refuses I/O past the session's deadline (smtp_guard.h).
 *
 * Why a layer and not a check after each reply: libetpan's
 * read_response() (mailsmtp.c) loops inside one call until a reply's
 * last line, and mailstream_read_line() inside one call until a LF, so
 * by the time it returns the memory is spent.  A low-level layer is the
 * one place libetpan lets us see the bytes before it keeps them; its
 * driver struct and the fields of mailstream_low are public API
 * (mailstream_types.h), and the layer under ours is used only through
 * the exported mailstream_low_* calls.
 *
 * To count the lines of one reply, the layer must know which lines
 * libetpan takes for continuations.  parse_response() in mailsmtp.c
 * reads the code with strtol() and goes on while (code | CONTINUE-bit
 * if the next byte is '-') has bit 0x1000; a stricter rule of our own
 * ("NNN-") would let a line such as " 250-" or "4096 x" through as the
 * end of a reply that libetpan goes on reading.  line_continues() uses
 * libetpan's very expression on the same bytes, which is why the layer
 * keeps the current line (at most SMTP_REPLY_LINE_MAX bytes).
 */
#include "bptconf.h"

#include <stdlib.h>
#include <string.h>

#include "smtp_guard.h"
#include "util.h"

#define LIBETPAN_CONTINUE	0x1000	/* SMTP_STATUS_CONTINUE in mailsmtp.c */

void
smtp_guard_init(struct smtp_guard *g, long long deadline)
{
	atomic_store(&g->fault, SMTP_FAULT_NONE);
	g->deadline = deadline;
	g->inner = NULL;
	g->len = 0;
	g->cont = 0;
}

void
smtp_guard_fail(struct smtp_guard *g, enum smtp_fault f)
{
	int none = SMTP_FAULT_NONE;

	atomic_compare_exchange_strong(&g->fault, &none, (int)f);
}

enum smtp_fault
smtp_guard_fault(struct smtp_guard *g)
{
	return (enum smtp_fault)atomic_load(&g->fault);
}

const char *
smtp_fault_text(enum smtp_fault f)
{
	switch (f) {
	case SMTP_FAULT_LINE:
		return "protocol error: a reply line longer than 4096 bytes";
	case SMTP_FAULT_LINES:
		return "protocol error: a reply of more than 100 lines";
	case SMTP_FAULT_EMPTY:
		return "protocol error: an empty reply line";
	case SMTP_FAULT_DEADLINE:
		return "session deadline passed (delivery.smtp.session_timeout)";
	case SMTP_FAULT_NONE:
		break;
	}
	return "";
}

/* True, with the fault recorded, once no more I/O may start. */
static int
late(struct smtp_guard *g)
{
	if (smtp_guard_fault(g) != SMTP_FAULT_NONE)
		return 1;
	if (util_now_ms() >= g->deadline) {
		smtp_guard_fail(g, SMTP_FAULT_DEADLINE);
		return 1;
	}
	return 0;
}

/* Whether libetpan reads another line after this one (see the top). */
static int
line_continues(struct smtp_guard *g)
{
	char *end;
	int code;

	g->line[g->len] = '\0';
	code = (int)strtol(g->line, &end, 10);
	if (*end == '-')
		code |= LIBETPAN_CONTINUE;
	return (code & LIBETPAN_CONTINUE) != 0;
}

/*
 * Takes in the n bytes the relay sent; returns how many of them
 * libetpan may have: n, or fewer when a fault came up among them (the
 * fault is then recorded).
 */
static size_t
take(struct smtp_guard *g, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] != '\n') {
			/* room for one CR past the limit, for "...\r\n" */
			if (g->len > SMTP_REPLY_LINE_MAX) {
				smtp_guard_fail(g, SMTP_FAULT_LINE);
				return i;
			}
			g->line[g->len++] = p[i];
			continue;
		}
		if (g->len > 0 && g->line[g->len - 1] == '\r')
			g->len--;
		if (g->len > SMTP_REPLY_LINE_MAX) {
			smtp_guard_fail(g, SMTP_FAULT_LINE);
			return i;
		}
		if (g->len == 0) {
			smtp_guard_fail(g, SMTP_FAULT_EMPTY);
			return i;
		}
		if (!line_continues(g))
			g->cont = 0;
		else if (++g->cont > SMTP_REPLY_LINES_MAX) {
			smtp_guard_fail(g, SMTP_FAULT_LINES);
			return i;
		}
		g->len = 0;
	}
	return n;
}

static ssize_t
guard_read(mailstream_low *low, void *buf, size_t count)
{
	struct smtp_guard *g = low->data;
	ssize_t n;
	size_t ok;

	if (late(g))
		return -1;
	/* libetpan sets a timeout on the top layer (ours), reads the lower */
	mailstream_low_set_timeout(g->inner, mailstream_low_get_timeout(low));
	n = mailstream_low_read(g->inner, buf, count);
	/*
	 * For mailstream_read_line() 0 is the end of the stream, and it
	 * hands back the part of a line read until then as a whole one: a
	 * relay cut off (or shut down by the watchdog) after "250 2.0" would
	 * read as a 250.  The relay's replies never end with the stream, so
	 * the end is an error like any other.  Bytes that come in after the
	 * watchdog's verdict are not taken either.
	 */
	if (n <= 0 || smtp_guard_fault(g) != SMTP_FAULT_NONE)
		return -1;
	ok = take(g, buf, (size_t)n);
	return ok > 0 ? (ssize_t)ok : -1;
}

static ssize_t
guard_write(mailstream_low *low, const void *buf, size_t count)
{
	struct smtp_guard *g = low->data;

	if (late(g))
		return -1;
	mailstream_low_set_timeout(g->inner, mailstream_low_get_timeout(low));
	return mailstream_low_write(g->inner, buf, count);
}

static int
guard_close(mailstream_low *low)
{
	struct smtp_guard *g = low->data;

	return mailstream_low_close(g->inner);
}

static int
guard_get_fd(mailstream_low *low)
{
	struct smtp_guard *g = low->data;

	return mailstream_low_get_fd(g->inner);
}

/* mailstream_low_free() has freed low's identifier; low is ours. */
static void
guard_free(mailstream_low *low)
{
	struct smtp_guard *g = low->data;

	mailstream_low_free(g->inner);
	g->inner = NULL;
	free(low);
}

static void
guard_cancel(mailstream_low *low)
{
	struct smtp_guard *g = low->data;

	mailstream_low_cancel(g->inner);
}

static struct mailstream_cancel *
guard_get_cancel(mailstream_low *low)
{
	struct smtp_guard *g = low->data;

	return mailstream_low_get_cancel(g->inner);
}

static carray *
guard_get_certificate_chain(mailstream_low *low)
{
	struct smtp_guard *g = low->data;

	return mailstream_low_get_certificate_chain(g->inner);
}

/* libetpan's type is not const; nothing writes to it */
static mailstream_low_driver guard_driver = {
	.mailstream_read = guard_read,
	.mailstream_write = guard_write,
	.mailstream_close = guard_close,
	.mailstream_get_fd = guard_get_fd,
	.mailstream_free = guard_free,
	.mailstream_cancel = guard_cancel,
	.mailstream_get_cancel = guard_get_cancel,
	.mailstream_get_certificate_chain = guard_get_certificate_chain,
	/* IDLE is IMAP's: mailstream_low_setup_idle() says -1 for NULL */
};

int
smtp_guard_wrap(struct smtp_guard *g, mailstream *stream)
{
	mailstream_low *inner = mailstream_get_low(stream), *low;

	if ((low = mailstream_low_new(g, &guard_driver)) == NULL)
		return -1;
	mailstream_low_set_timeout(low, mailstream_low_get_timeout(inner));
	g->inner = inner;
	g->len = 0;
	g->cont = 0;
	mailstream_set_low(stream, low);
	return 0;
}
