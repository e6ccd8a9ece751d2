/* smtp_conn.c - one SMTP session with the relay (smtp_conn.h). */
#include "bptconf.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "net.h"
#include "smtp_conn.h"
#include "smtp_watch.h"
#include "tlsverify.h"
#include "util.h"

/*
 * Exported by libetpan (since 1.9) but declared only in its private
 * headers: reading one reply into session->response_code and
 * session->response, and parsing an EHLO reply.  With them we send our
 * own EHLO name and pipeline commands (written with mailstream_write)
 * while libetpan still does all of the reply parsing.
 */
int mailsmtp_read_response(mailsmtp *session);
int mailesmtp_parse_ehlo(mailsmtp *session);

/* A connected, blocking TCP socket to the relay, or -1 and why. */
static int
tcp_connect(const struct smtp_peer *p, long long session_end, char *why,
    size_t whysz)
{
	return net_connect(p->host, p->port, p->timeout, session_end, why, whysz);
}

int
smtp_conn_put(struct smtp_conn *c, const char *p, size_t n)
{
	if (mailstream_write(c->s->stream, p, n) != (ssize_t)n ||
	    mailstream_flush(c->s->stream) < 0) {
		c->s->response_code = 0;	/* no reply comes */
		return -1;
	}
	return 0;
}

int
smtp_conn_reply(struct smtp_conn *c)
{
	return mailsmtp_read_response(c->s);
}

int
smtp_conn_command(struct smtp_conn *c, const struct buf *cmd)
{
	if (buf_failed(cmd) || smtp_conn_put(c, cmd->buf, cmd->len) < 0)
		return 0;
	return smtp_conn_reply(c);
}

void
smtp_conn_set_timeout(struct smtp_conn *c, time_t seconds)
{
	mailstream_low *low = mailstream_get_low(c->s->stream);

	if (low != NULL)
		mailstream_low_set_timeout(low, seconds);
}

enum smtp_fault
smtp_conn_fault(struct smtp_conn *c)
{
	return smtp_guard_fault(&c->guard);
}

/* "CODE text" of session s, or why there is none; the code or 0. */
static int
last_reply(struct smtp_conn *c, mailsmtp *s, const char *what, char *out,
    size_t outsz)
{
	enum smtp_fault f = smtp_conn_fault(c);
	int code = s != NULL ? s->response_code : 0;
	const char *sep = what[0] != '\0' ? ": " : "";

	/* after a fault the last code is from before it */
	if (f != SMTP_FAULT_NONE) {
		snprintf(out, outsz, "%s%s%s", what, sep, smtp_fault_text(f));
		return 0;
	}
	if (code != 0)
		snprintf(out, outsz, "%s%s%d %s", what, sep, code,
		    s->response ? s->response : "");
	else
		snprintf(out, outsz, "%s%sconnection to the relay lost", what, sep);
	return code;
}

int
smtp_conn_last(struct smtp_conn *c, char *out, size_t outsz)
{
	return last_reply(c, c->s, "", out, outsz);
}

/*
 * After a TLS handshake on stream: 0 when the relay's certificate is
 * good for p->host (or checking is off), else -1 with why.
 */
static int
tls_check(const struct smtp_peer *p, mailstream *stream, char *why,
    size_t whysz)
{
	return net_tls_check(p->trust, p->host, stream, why, whysz);
}

/* EHLO with our name, HELO when the relay does not know EHLO. */
static int
greet(const struct smtp_peer *p, struct smtp_conn *c, struct buf *cmd)
{
	mailsmtp *s = c->s;
	int code;

	buf_reset(cmd);
	buf_addf(cmd, "EHLO %s\r\n", p->helo);
	code = smtp_conn_command(c, cmd);
	if (code == 250)
		return mailesmtp_parse_ehlo(s) == MAILSMTP_NO_ERROR ? 0 : -1;
	if (code < 500 || code > 502)
		return -1;
	s->esmtp = 0;
	s->auth = MAILSMTP_AUTH_CHECKED;
	buf_reset(cmd);
	buf_addf(cmd, "HELO %s\r\n", p->helo);
	return smtp_conn_command(c, cmd) == 250 ? 0 : -1;
}

/* A stream on the connected socket fd, under our guard, or NULL and why. */
static mailstream *
stream_open(const struct smtp_peer *p, struct smtp_conn *c, int fd,
    char *why, size_t whysz)
{
	mailstream *stream;

	if (p->tls == CFG_TLS_IMPLICIT)
		stream = mailstream_ssl_open_with_callback_timeout(fd,
		    p->timeout, net_sni, p->host);
	else
		stream = mailstream_socket_open_timeout(fd, p->timeout);
	if (stream == NULL) {
		if (smtp_conn_fault(c) != SMTP_FAULT_NONE)
			snprintf(why, whysz, "%s", smtp_fault_text(
			    smtp_conn_fault(c)));
		else
			snprintf(why, whysz, "%s with %s port %s failed",
			    p->tls == CFG_TLS_IMPLICIT ? "TLS handshake" :
			    "stream", p->host, p->port);
		close(fd);
		return NULL;
	}
	if (smtp_guard_wrap(&c->guard, stream) < 0) {
		snprintf(why, whysz, "out of memory");
		mailstream_close(stream);
		return NULL;
	}
	if (p->tls == CFG_TLS_IMPLICIT && tls_check(p, stream, why, whysz) < 0) {
		mailstream_close(stream);
		return NULL;
	}
	return stream;
}

/* STARTTLS on c, the check of the certificate, EHLO again. */
static int
starttls(const struct smtp_peer *p, struct smtp_conn *c, struct buf *cmd,
    char *why, size_t whysz, int *code)
{
	mailsmtp *s = c->s;
	int r;

	if (!(s->esmtp & MAILSMTP_ESMTP_STARTTLS)) {
		snprintf(why, whysz, "%s does not offer STARTTLS", p->host);
		return -1;
	}
	r = mailsmtp_socket_starttls_with_callback(s, net_sni, p->host);
	if (r == MAILSMTP_NO_ERROR && smtp_guard_wrap(&c->guard, s->stream) < 0) {
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	if (r != MAILSMTP_NO_ERROR) {
		/* ERROR_SSL: the relay said 220, the handshake failed */
		if (r == MAILSMTP_ERROR_SSL &&
		    smtp_conn_fault(c) == SMTP_FAULT_NONE)
			snprintf(why, whysz, "TLS handshake with %s failed",
			    p->host);
		else
			*code = last_reply(c, s, "STARTTLS", why, whysz);
		return -1;
	}
	if (tls_check(p, s->stream, why, whysz) < 0)
		return -1;
	if (greet(p, c, cmd) < 0) {
		*code = last_reply(c, s, "EHLO after STARTTLS", why, whysz);
		return -1;
	}
	return 0;
}

/* AUTH PLAIN or LOGIN as p->user. */
static int
login(const struct smtp_peer *p, struct smtp_conn *c, char *why,
    size_t whysz, int *code)
{
	mailsmtp *s = c->s;
	int type;

	if (s->auth & MAILSMTP_AUTH_PLAIN)
		type = MAILSMTP_AUTH_PLAIN;
	else if (s->auth & MAILSMTP_AUTH_LOGIN)
		type = MAILSMTP_AUTH_LOGIN;
	else {
		snprintf(why, whysz, "%s offers neither AUTH PLAIN nor "
		    "AUTH LOGIN", p->host);
		return -1;
	}
	s->response_code = 0;
	if (mailsmtp_auth_type(s, p->user, p->password, type) ==
	    MAILSMTP_NO_ERROR)
		return 0;
	*code = last_reply(c, s, "authentication", why, whysz);
	if (*code == 0 && smtp_conn_fault(c) == SMTP_FAULT_NONE)
		snprintf(why, whysz, "authentication as '%s' failed", p->user);
	return -1;
}

int
smtp_conn_open(const struct smtp_peer *p, struct smtp_conn *c, char *why,
    size_t whysz, int *code)
{
	struct buf cmd = BUF_INIT;
	mailstream *stream;
	mailsmtp *s = NULL;
	int fd, rv = -1;

	*code = 0;
	c->s = NULL;
	c->used = 0;
	c->opened = util_now_ms();
	smtp_guard_init(&c->guard, c->opened +
	    (long long)p->session_timeout * 1000);
	if ((fd = tcp_connect(p, c->guard.deadline, why, whysz)) < 0)
		return -1;
	/* from here on a deadline ends whatever waits, the TLS handshake too */
	if (smtp_watch_arm(c->watch, c->slot, fd, &c->guard) < 0) {
		snprintf(why, whysz, "cannot watch the session with %s: %s",
		    p->host, strerror(errno));
		close(fd);
		return -1;
	}
	if ((stream = stream_open(p, c, fd, why, whysz)) == NULL)
		goto out;
	if ((s = mailsmtp_new(0, NULL)) == NULL) {
		mailstream_close(stream);
		snprintf(why, whysz, "out of memory");
		goto out;
	}
	c->s = s;
	mailsmtp_set_timeout(s, p->timeout);
	/* on failure libetpan closes the stream itself */
	if (mailsmtp_connect(s, stream) != MAILSMTP_NO_ERROR) {
		*code = last_reply(c, s, "greeting", why, whysz);
		goto out;
	}
	if (greet(p, c, &cmd) < 0) {
		*code = last_reply(c, s, "EHLO", why, whysz);
		goto out;
	}
	if (p->tls == CFG_TLS_STARTTLS && starttls(p, c, &cmd, why, whysz,
	    code) < 0)
		goto out;
	if (p->user != NULL && login(p, c, why, whysz, code) < 0)
		goto out;
	s = NULL;
	rv = 0;
out:
	buf_release(&cmd);
	if (s != NULL)
		smtp_conn_drop(c);
	else if (rv < 0)
		smtp_watch_disarm(c->watch, c->slot);
	return rv;
}

void
smtp_conn_drop(struct smtp_conn *c)
{
	smtp_watch_disarm(c->watch, c->slot);
	if (c->s == NULL)
		return;
	if (c->s->stream != NULL) {
		mailstream_close(c->s->stream);
		c->s->stream = NULL;
	}
	mailsmtp_free(c->s);
	c->s = NULL;
}

void
smtp_conn_quit(struct smtp_conn *c)
{
	if (c->s != NULL && smtp_conn_fault(c) == SMTP_FAULT_NONE)
		mailsmtp_quit(c->s);	/* closes the stream */
	smtp_conn_drop(c);
}

int
smtp_conn_stale(struct smtp_conn *c)
{
	struct pollfd pfd;

	if (smtp_conn_fault(c) != SMTP_FAULT_NONE)
		return 1;
	pfd.fd = mailstream_low_get_fd(mailstream_get_low(c->s->stream));
	if (pfd.fd < 0)
		return 1;
	pfd.events = POLLIN;
	pfd.revents = 0;
	return poll(&pfd, 1, 0) != 0;
}

int
smtp_conn_aged(const struct smtp_peer *p, const struct smtp_conn *c)
{
	return util_now_ms() - c->opened >
	    (long long)p->session_timeout * 1000 / 2;
}
