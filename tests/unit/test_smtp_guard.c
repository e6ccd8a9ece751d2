/*
 * test_smtp_guard.c - the layer that bounds a relay's replies, under
 * libetpan's own reply reader: what the relay "sent" is written into
 * one end of a socket pair (then closed), libetpan reads the other end
 * through the guard.
 */
#include "unit.h"

#include <sys/socket.h>

#include <libetpan/libetpan.h>

#include "buf.h"
#include "smtp_guard.h"
#include "util.h"

int mailsmtp_read_response(mailsmtp *session);

struct peer {
	struct smtp_guard g;
	mailsmtp *s;
};

/*
 * Sets up a session whose relay sent sent[0..len) and closed; returns
 * the reply code of the greeting, as mailsmtp_connect() reads it.
 */
static int
greet(struct peer *p, const char *sent, size_t len, long long deadline)
{
	mailstream *stream;
	size_t off = 0;
	ssize_t n;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	while (off < len) {
		n = write(sv[0], sent + off, len - off);
		assert_true(n > 0);
		off += (size_t)n;
	}
	close(sv[0]);
	stream = mailstream_socket_open_timeout(sv[1], 5);
	assert_non_null(stream);
	smtp_guard_init(&p->g, deadline);
	assert_int_equal(smtp_guard_wrap(&p->g, stream), 0);
	p->s = mailsmtp_new(0, NULL);
	assert_non_null(p->s);
	if (mailsmtp_connect(p->s, stream) != MAILSMTP_NO_ERROR)
		return p->s->response_code;	/* libetpan closed the stream */
	return 220;
}

static void
peer_free(struct peer *p)
{
	if (p->s->stream != NULL) {
		mailstream_close(p->s->stream);
		p->s->stream = NULL;
	}
	mailsmtp_free(p->s);
}

/* n lines of line, then last (NULL: none) */
static void
lines(struct buf *b, const char *line, int n, const char *last)
{
	int i;

	for (i = 0; i < n; i++)
		buf_adds(b, line);
	if (last != NULL)
		buf_adds(b, last);
	assert_false(buf_failed(b));
}

static long long
later(void)
{
	return util_now_ms() + 60000;
}

static void
test_hundred_lines_pass(void **state)
{
	struct buf b = BUF_INIT;
	struct peer p;

	(void)state;
	lines(&b, "220-relay.test\r\n", SMTP_REPLY_LINES_MAX, "220 ok\r\n");
	assert_int_equal(greet(&p, b.buf, b.len, later()), 220);
	assert_int_equal(smtp_guard_fault(&p.g), SMTP_FAULT_NONE);
	peer_free(&p);
	buf_release(&b);
}

static void
test_too_many_lines(void **state)
{
	struct buf b = BUF_INIT;
	struct peer p;

	(void)state;
	lines(&b, "220-relay.test\r\n", SMTP_REPLY_LINES_MAX + 1, "220 ok\r\n");
	assert_int_equal(greet(&p, b.buf, b.len, later()), 0);
	assert_int_equal(smtp_guard_fault(&p.g), SMTP_FAULT_LINES);
	peer_free(&p);
	buf_release(&b);
}

/*
 * Lines libetpan takes for continuations though they are not "NNN-":
 * strtol() skips blanks and takes a sign, and a code with bit 0x1000
 * set reads as one.  The guard counts them all the same.
 */
static void
test_libetpans_continuations(void **state)
{
	static const char *const odd[] = {
		" 220-x\r\n", "+220-x\r\n", "-x\r\n", "4096 x\r\n", "-1 x\r\n",
	};
	struct buf b = BUF_INIT;
	struct peer p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		buf_reset(&b);
		lines(&b, odd[i], SMTP_REPLY_LINES_MAX + 1, "220 ok\r\n");
		assert_int_equal(greet(&p, b.buf, b.len, later()), 0);
		if (smtp_guard_fault(&p.g) != SMTP_FAULT_LINES)
			fail_msg("'%s' not counted", odd[i]);
		peer_free(&p);
	}
	buf_release(&b);
}

static void
test_line_length(void **state)
{
	struct buf b = BUF_INIT;
	struct peer p;
	size_t i;

	(void)state;
	/* 4096 bytes and CRLF: taken */
	buf_adds(&b, "220 ");
	for (i = 4; i < SMTP_REPLY_LINE_MAX; i++)
		buf_addch(&b, 'x');
	buf_adds(&b, "\r\n");
	assert_int_equal(greet(&p, b.buf, b.len, later()), 220);
	assert_int_equal(strlen(p.s->response), SMTP_REPLY_LINE_MAX - 4 + 1);
	peer_free(&p);
	/* one more byte: a fault, and libetpan never holds much more */
	buf_setlen(&b, b.len - 2);
	buf_adds(&b, "y\r\n");
	assert_int_equal(greet(&p, b.buf, b.len, later()), 0);
	assert_int_equal(smtp_guard_fault(&p.g), SMTP_FAULT_LINE);
	peer_free(&p);
	buf_release(&b);
}

/* The stream ending inside a line is no reply: "220 o" is not a 220. */
static void
test_end_inside_a_line(void **state)
{
	struct peer p;

	(void)state;
	assert_int_equal(greet(&p, "220 o", 5, later()), 0);
	assert_int_equal(smtp_guard_fault(&p.g), SMTP_FAULT_NONE);
	peer_free(&p);
}

/* A lone LF, which libetpan 1.9.4 would strip reading before its buffer. */
static void
test_empty_line(void **state)
{
	struct peer p;

	(void)state;
	assert_int_equal(greet(&p, "220-x\r\n\n220 ok\r\n", 16, later()), 0);
	assert_int_equal(smtp_guard_fault(&p.g), SMTP_FAULT_EMPTY);
	peer_free(&p);
}

/* Past the deadline no read starts, whatever is there to read. */
static void
test_deadline(void **state)
{
	struct peer p;

	(void)state;
	assert_int_equal(greet(&p, "220 ok\r\n", 8, util_now_ms() - 1), 0);
	assert_int_equal(smtp_guard_fault(&p.g), SMTP_FAULT_DEADLINE);
	peer_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hundred_lines_pass),
		cmocka_unit_test(test_too_many_lines),
		cmocka_unit_test(test_libetpans_continuations),
		cmocka_unit_test(test_line_length),
		cmocka_unit_test(test_end_inside_a_line),
		cmocka_unit_test(test_empty_line),
		cmocka_unit_test(test_deadline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
