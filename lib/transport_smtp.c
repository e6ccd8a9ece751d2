/*
 * transport_smtp.c - handing copies to an SMTP relay (libetpan).
 *
 * One send() renders the message as SMTP DATA once (CRLF, dot-stuffed)
 * and cuts the recipients into jobs: batches of delivery.batch RCPTs
 * under the message's envelope sender, and one job per recipient that
 * has its own sender (VERP).  Up to delivery.connections workers (the
 * calling thread and POSIX threads) take whole jobs from a shared index,
 * each on its own libetpan session; sessions stay open for the next
 * send() and are closed by close().
 *
 * The socket is ours: getaddrinfo (IPv4 and IPv6), a non-blocking
 * connect bounded by delivery.smtp.timeout, then TCP_NODELAY, and only
 * then handed to libetpan.  When the relay offers PIPELINING, RSET, MAIL
 * FROM, every RCPT TO and DATA of a transaction go out in one write and
 * the replies are read after it (RFC 2920); the body is a second write.
 * Without PIPELINING each command waits for its reply.
 *
 * With TLS (implicit or STARTTLS) the relay's certificate chain is
 * checked right after the handshake, before anything else is said
 * (tlsverify.h): a relay that cannot prove its name gets neither the
 * password nor a copy, and the copies wait for the next run.
 */
#include "bptconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#include "buf.h"
#include "config.h"
#include "fileio.h"
#include "log.h"
#include "tlsverify.h"
#include "transport.h"
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

#define SMTP_MAX_CONN	64
#define DOT_TIMEOUT	600	/* seconds for the reply to the final dot */

struct smtp_conn {
	mailsmtp *s;		/* NULL: not connected */
	int used;		/* a transaction was tried on this session */
};

struct smtp_state {
	char *host;
	char port[8];
	int tls;		/* enum cfg_tls */
	char *user;		/* NULL: no AUTH */
	char *password;
	char *helo;
	struct tls_trust *trust;	/* NULL: the relay's certificate unchecked */
	time_t timeout;		/* seconds, connect and every read/write */
	size_t batch;
	size_t nconn;
	struct smtp_conn *conn;	/* [nconn] */
};

/* A piece of work for one transaction: order[first..first+count). */
struct job {
	size_t first;
	size_t count;
	const char *from;
};

/* What the workers of one send() share. */
struct run {
	struct smtp_state *st;
	struct tr_rcpt *rcpt;
	size_t *order;		/* each job's slice is its worker's */
	const struct job *jobs;
	size_t njobs;
	atomic_size_t next;	/* the next job to take */
	atomic_int stop;	/* a 421: take no more jobs */
	const char *body;	/* DATA, CRLF and dot-stuffed, ends ".\r\n" */
	size_t bodylen;
	int eightbit;
	pthread_mutex_t lock;	/* guards why and whycode */
	char why[sizeof(((struct tr_rcpt *)0)->reply)];
	int whycode;
};

struct worker {
	struct run *run;
	struct smtp_conn *c;
	pthread_t tid;
	int thread;		/* a thread of ours, not the caller */
};

/* How a transaction ended. */
enum tx {
	TX_DONE,		/* every recipient of the job has a result */
	TX_LOST,		/* done, and the connection is gone */
	TX_CLOSING,		/* done, and the relay said 421 */
	TX_STALE,		/* a reused session was dead: nothing happened */
};

/* Blocks SIGPIPE in this thread (a relay may close while we write). */
static void
sigpipe_block(sigset_t *old, int *pending)
{
	sigset_t set, pend;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, old);
	*pending = sigpending(&pend) == 0 && sigismember(&pend, SIGPIPE) == 1;
}

/* Discards the SIGPIPEs our writes raised, then restores the mask. */
static void
sigpipe_restore(const sigset_t *old, int pending)
{
	static const struct timespec zero = { 0, 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	if (!pending)
		while (sigtimedwait(&set, NULL, &zero) == SIGPIPE)
			;
	if (old != NULL)
		pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* Copies text into r->reply on one line, trimmed; cut when too long. */
static void
rcpt_set(struct tr_rcpt *r, int result, int code, const char *text)
{
	size_t i, o = 0;
	int sp = 0;

	r->result = result;
	r->code = code;
	for (i = 0; text != NULL && text[i] != '\0' &&
	    o + 1 < sizeof(r->reply); i++) {
		unsigned char ch = (unsigned char)text[i];

		if (ch < 0x20 || ch == 0x7f) {
			sp = 1;
			continue;
		}
		if (sp && o > 0 && o + 2 < sizeof(r->reply))
			r->reply[o++] = ' ';
		sp = 0;
		r->reply[o++] = (char)ch;
	}
	r->reply[o] = '\0';
}

/* The session's last reply as "CODE text". */
static void
rcpt_set_reply(struct tr_rcpt *r, int result, mailsmtp *s)
{
	char line[sizeof(r->reply)];
	int code = s->response_code;

	if (code == 0)
		snprintf(line, sizeof(line), "connection to the relay lost");
	else
		snprintf(line, sizeof(line), "%d %s", code,
		    s->response ? s->response : "");
	rcpt_set(r, result, code, line);
}

/* TR_OK for 2xx, TR_PERM for 5xx, TR_TEMP for 4xx, a lost connection
 * and anything unexpected. */
static int
code_result(int code)
{
	if (code >= 200 && code < 300)
		return TR_OK;
	if (code >= 500 && code < 600)
		return TR_PERM;
	return TR_TEMP;
}

/* Bytes an SMTP path can carry: no control characters, no brackets. */
static int
path_ok(const char *a, int empty_ok)
{
	const unsigned char *p;

	if (a == NULL || (*a == '\0' && !empty_ok) || strlen(a) > 512)
		return 0;
	for (p = (const unsigned char *)a; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return 0;
	return 1;
}

/*
 * The message as SMTP DATA: LF (or CRLF) line ends become CRLF, a line
 * starting with "." gets a second one, a last line without LF is ended,
 * and ".\r\n" closes it.  *eightbit tells whether any byte is >= 0x80.
 */
static int
smtp_body(const char *p, size_t len, struct buf *out, int *eightbit)
{
	const char *end = p + len, *nl;
	size_t i, n;

	*eightbit = 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] >= 0x80) {
			*eightbit = 1;
			break;
		}
	buf_grow(out, len + len / 32 + 8);
	while (p < end) {
		if (*p == '.')
			buf_addch(out, '.');
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			buf_add(out, p, (size_t)(end - p));
			buf_add(out, "\r\n", 2);
			break;
		}
		n = (size_t)(nl - p);
		if (n > 0 && nl[-1] == '\r')
			n--;
		buf_add(out, p, n);
		buf_add(out, "\r\n", 2);
		p = nl + 1;
	}
	buf_add(out, ".\r\n", 3);
	return buf_failed(out) ? -1 : 0;
}

/* Waits for a non-blocking connect; 0 or -1 with *err set. */
static int
connect_wait(int fd, time_t timeout, int *err)
{
	long long left, deadline = util_now_ms() + (long long)timeout * 1000;
	struct pollfd pfd;
	socklen_t len = sizeof(*err);
	int r;

	for (;;) {
		if ((left = deadline - util_now_ms()) <= 0) {
			*err = ETIMEDOUT;
			return -1;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)left);
		if (r > 0)
			break;
		if (r < 0 && errno != EINTR) {
			*err = errno;
			return -1;
		}
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &len) < 0)
		*err = errno;
	return *err == 0 ? 0 : -1;
}

/* A connected, blocking TCP socket with TCP_NODELAY, or -1 and why. */
static int
tcp_connect(const struct smtp_state *st, char *why, size_t whysz)
{
	struct addrinfo hints, *res = NULL, *ai;
	int fd = -1, r, err = 0, one = 1, fl;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	r = getaddrinfo(st->host, st->port, &hints, &res);
	if (r != 0) {
		snprintf(why, whysz, "cannot resolve '%s': %s", st->host,
		    r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno;
		if (err == EINPROGRESS && connect_wait(fd, st->timeout, &err) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(why, whysz, "connect to %s port %s: %s", st->host,
		    st->port, strerror(err ? err : ECONNREFUSED));
		return -1;
	}
	/* libetpan polls before each read and write, then expects the
	 * call to finish: hand it a blocking socket. */
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0) {
		snprintf(why, whysz, "socket to %s: %s", st->host, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Writes p[0..n) and flushes the stream; -1 when the connection broke. */
static int
put(mailsmtp *s, const char *p, size_t n)
{
	if (mailstream_write(s->stream, p, n) != (ssize_t)n ||
	    mailstream_flush(s->stream) < 0)
		return -1;
	return 0;
}

/* Sends one command line (with CRLF) and reads its reply code. */
static int
command(mailsmtp *s, struct buf *cmd)
{
	if (buf_failed(cmd) || put(s, cmd->buf, cmd->len) < 0)
		return 0;
	return mailsmtp_read_response(s);
}

/* Names the relay in the TLS handshake (SNI), unless it is an address. */
static void
sni(struct mailstream_ssl_context *ssl, void *host)
{
	unsigned char a[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, host, a) != 1 && inet_pton(AF_INET6, host, a) != 1)
		mailstream_ssl_set_server_name(ssl, host);
}

/*
 * After a TLS handshake on stream: 0 when the relay's certificate is
 * good for st->host (or checking is off), else -1 with why.
 */
static int
tls_check(const struct smtp_state *st, mailstream *stream, char *why,
    size_t whysz)
{
	struct tls_cert certs[16];
	carray *chain;
	size_t i, n;
	int r, k;

	if (st->trust == NULL)
		return 0;
	if ((chain = mailstream_get_certificate_chain(stream)) == NULL) {
		snprintf(why, whysz, "TLS certificate of %s: none received",
		    st->host);
		return -1;
	}
	n = carray_count(chain);
	if (n > sizeof(certs) / sizeof(certs[0]))
		n = sizeof(certs) / sizeof(certs[0]);
	for (i = 0; i < n; i++) {
		MMAPString *der = carray_get(chain, (unsigned int)i);

		certs[i].der = (const unsigned char *)der->str;
		certs[i].len = der->len;
	}
	/* the reason goes after the prefix */
	k = snprintf(why, whysz, "TLS certificate of %s: ", st->host);
	if (k < 0 || (size_t)k >= whysz)
		k = 0;
	r = tls_trust_verify(st->trust, certs, n, st->host, why + k,
	    whysz - (size_t)k);
	mailstream_certificate_chain_free(chain);
	return r;
}

/* EHLO with our name, HELO when the relay does not know EHLO. */
static int
greet(const struct smtp_state *st, mailsmtp *s, struct buf *cmd)
{
	int code;

	buf_reset(cmd);
	buf_addf(cmd, "EHLO %s\r\n", st->helo);
	code = command(s, cmd);
	if (code == 250)
		return mailesmtp_parse_ehlo(s) == MAILSMTP_NO_ERROR ? 0 : -1;
	if (code < 500 || code > 502)
		return -1;
	s->esmtp = 0;
	s->auth = MAILSMTP_AUTH_CHECKED;
	buf_reset(cmd);
	buf_addf(cmd, "HELO %s\r\n", st->helo);
	return command(s, cmd) == 250 ? 0 : -1;
}

/* A reply of the relay, or a local text when there is none. */
static void
session_why(mailsmtp *s, const char *what, char *why, size_t whysz, int *code)
{
	*code = s->response_code;
	if (*code != 0)
		snprintf(why, whysz, "%s: %d %s", what, *code,
		    s->response ? s->response : "");
	else
		snprintf(why, whysz, "%s: connection to the relay lost", what);
}

/*
 * Opens c: TCP, implicit TLS or STARTTLS, greeting, EHLO, AUTH.
 * 0, or -1 with why and *code (the relay's reply code or 0).
 */
static int
conn_open(const struct smtp_state *st, struct smtp_conn *c, char *why,
    size_t whysz, int *code)
{
	struct buf cmd = BUF_INIT;
	mailstream *stream;
	mailsmtp *s = NULL;
	int fd, r, type, rv = -1;

	*code = 0;
	if ((fd = tcp_connect(st, why, whysz)) < 0)
		return -1;
	if (st->tls == CFG_TLS_IMPLICIT)
		stream = mailstream_ssl_open_with_callback_timeout(fd,
		    st->timeout, sni, st->host);
	else
		stream = mailstream_socket_open_timeout(fd, st->timeout);
	if (stream == NULL) {
		snprintf(why, whysz, "%s with %s port %s failed",
		    st->tls == CFG_TLS_IMPLICIT ? "TLS handshake" : "stream",
		    st->host, st->port);
		close(fd);
		return -1;
	}
	if (st->tls == CFG_TLS_IMPLICIT && tls_check(st, stream, why, whysz) < 0) {
		mailstream_close(stream);
		return -1;
	}
	if ((s = mailsmtp_new(0, NULL)) == NULL) {
		mailstream_close(stream);
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	mailsmtp_set_timeout(s, st->timeout);
	/* on failure libetpan closes the stream itself */
	if (mailsmtp_connect(s, stream) != MAILSMTP_NO_ERROR) {
		session_why(s, "greeting", why, whysz, code);
		goto out;
	}
	if (greet(st, s, &cmd) < 0) {
		session_why(s, "EHLO", why, whysz, code);
		goto out;
	}
	if (st->tls == CFG_TLS_STARTTLS) {
		if (!(s->esmtp & MAILSMTP_ESMTP_STARTTLS)) {
			snprintf(why, whysz, "%s does not offer STARTTLS",
			    st->host);
			goto out;
		}
		r = mailsmtp_socket_starttls_with_callback(s, sni, st->host);
		if (r != MAILSMTP_NO_ERROR) {
			if (r == MAILSMTP_ERROR_SSL)
				snprintf(why, whysz, "TLS handshake with %s failed",
				    st->host);
			else
				session_why(s, "STARTTLS", why, whysz, code);
			goto out;
		}
		if (tls_check(st, s->stream, why, whysz) < 0)
			goto out;
		if (greet(st, s, &cmd) < 0) {
			session_why(s, "EHLO after STARTTLS", why, whysz, code);
			goto out;
		}
	}
	if (st->user != NULL) {
		if (s->auth & MAILSMTP_AUTH_PLAIN)
			type = MAILSMTP_AUTH_PLAIN;
		else if (s->auth & MAILSMTP_AUTH_LOGIN)
			type = MAILSMTP_AUTH_LOGIN;
		else {
			snprintf(why, whysz, "%s offers neither AUTH PLAIN nor "
			    "AUTH LOGIN", st->host);
			goto out;
		}
		s->response_code = 0;
		if (mailsmtp_auth_type(s, st->user, st->password, type) !=
		    MAILSMTP_NO_ERROR) {
			session_why(s, "authentication", why, whysz, code);
			if (*code == 0)
				snprintf(why, whysz, "authentication as '%s' "
				    "failed", st->user);
			goto out;
		}
	}
	c->s = s;
	c->used = 0;
	s = NULL;
	rv = 0;
out:
	buf_release(&cmd);
	if (s != NULL) {
		if (s->stream != NULL) {
			mailstream_close(s->stream);
			s->stream = NULL;
		}
		mailsmtp_free(s);
	}
	return rv;
}

/* Drops the session without QUIT (the relay is gone or going). */
static void
conn_drop(struct smtp_conn *c)
{
	if (c->s == NULL)
		return;
	if (c->s->stream != NULL) {
		mailstream_close(c->s->stream);
		c->s->stream = NULL;
	}
	mailsmtp_free(c->s);
	c->s = NULL;
}

/* True when an idle session has something to read: the relay closed it
 * or sent a 421 while we were away. */
static int
conn_stale(struct smtp_conn *c)
{
	struct pollfd pfd;

	pfd.fd = mailstream_low_get_fd(mailstream_get_low(c->s->stream));
	if (pfd.fd < 0)
		return 1;
	pfd.events = POLLIN;
	pfd.revents = 0;
	return poll(&pfd, 1, 0) != 0;
}

static struct tr_rcpt *
job_rcpt(struct run *run, const struct job *j, size_t i)
{
	return &run->rcpt[run->order[j->first + i]];
}

/* Gives every recipient of j without a result this one. */
static void
job_settle(struct run *run, const struct job *j, int result, int code,
    const char *text)
{
	struct tr_rcpt *r;
	size_t i;

	for (i = 0; i < j->count; i++) {
		r = job_rcpt(run, j, i);
		if (r->result == TR_PENDING)
			rcpt_set(r, result, code, text);
	}
}

/* Same, with the session's last reply. */
static void
job_settle_reply(struct run *run, const struct job *j, int result, mailsmtp *s)
{
	struct tr_rcpt tmp;

	rcpt_set_reply(&tmp, result, s);
	job_settle(run, j, result, tmp.code, tmp.reply);
}

/* How a transaction ends once the relay answered code. */
static enum tx
tx_end(int code)
{
	if (code == 0)
		return TX_LOST;
	if (code == 421)
		return TX_CLOSING;
	return TX_DONE;
}

/*
 * Reads the replies still owed after a failed MAIL FROM when the
 * commands were pipelined: one per RCPT and one for DATA (ending a
 * DATA the relay accepted anyway with an empty message).
 */
static enum tx
drain_pipeline(mailsmtp *s, size_t nrcpt)
{
	size_t i;
	int code = 0;

	for (i = 0; i < nrcpt + 1; i++) {
		code = mailsmtp_read_response(s);
		if (code == 0 || code == 421)
			return tx_end(code);
	}
	if (code == 354) {
		if (put(s, ".\r\n", 3) < 0)
			return TX_LOST;
		code = mailsmtp_read_response(s);
	}
	return tx_end(code);
}

/* One transaction of job j on c (see the rules in transport.h). */
static enum tx
transaction(struct run *run, struct smtp_conn *c, const struct job *j,
    struct buf *cmd)
{
	mailsmtp *s = c->s;
	int pipelining = (s->esmtp & MAILSMTP_ESMTP_PIPELINING) != 0;
	int rset = c->used, code, accepted = 0, full = 0;
	char fullreply[sizeof(run->why)];
	mailstream_low *low;
	struct tr_rcpt *r;
	size_t i;

	c->used = 1;
	buf_reset(cmd);
	if (rset)
		buf_adds(cmd, "RSET\r\n");
	if (rset && !pipelining) {
		code = command(s, cmd);
		if (code != 250)
			return TX_STALE;
		rset = 0;
		buf_reset(cmd);
	}
	buf_addf(cmd, "MAIL FROM:<%s>", j->from);
	if (s->esmtp & MAILSMTP_ESMTP_SIZE)
		buf_addf(cmd, " SIZE=%zu", run->bodylen);
	if (run->eightbit && (s->esmtp & MAILSMTP_ESMTP_8BITMIME))
		buf_adds(cmd, " BODY=8BITMIME");
	buf_adds(cmd, "\r\n");
	if (pipelining) {
		for (i = 0; i < j->count; i++)
			buf_addf(cmd, "RCPT TO:<%s>\r\n", job_rcpt(run, j, i)->addr);
		buf_adds(cmd, "DATA\r\n");
	}
	if (buf_failed(cmd)) {
		job_settle(run, j, TR_TEMP, 0, "out of memory");
		return TX_DONE;
	}
	if (put(s, cmd->buf, cmd->len) < 0)
		return rset ? TX_STALE : TX_LOST;
	if (rset && mailsmtp_read_response(s) != 250)
		return TX_STALE;

	code = mailsmtp_read_response(s);
	if (code < 200 || code > 299) {
		job_settle_reply(run, j, code_result(code), s);
		if (pipelining && code != 0 && code != 421)
			return drain_pipeline(s, j->count);
		return tx_end(code);
	}

	for (i = 0; i < j->count; i++) {
		r = job_rcpt(run, j, i);
		if (!pipelining) {
			if (full) {
				rcpt_set(r, TR_TEMP, 452, fullreply);
				continue;
			}
			buf_reset(cmd);
			buf_addf(cmd, "RCPT TO:<%s>\r\n", r->addr);
			code = command(s, cmd);
		} else
			code = mailsmtp_read_response(s);
		if (code >= 200 && code <= 299) {
			r->code = code;	/* accepted: the DATA reply decides */
			accepted++;
			continue;
		}
		rcpt_set_reply(r, code_result(code), s);
		if (code == 0 || code == 421) {
			job_settle(run, j, TR_TEMP, r->code, r->reply);
			return tx_end(code);
		}
		/* "too many recipients": the rest waits for a later try */
		if (code == 452 && !pipelining) {
			full = 1;
			memcpy(fullreply, r->reply, sizeof(fullreply));
		}
	}

	if (!pipelining) {
		if (accepted == 0)
			return TX_DONE;	/* RSET before the next one */
		buf_reset(cmd);
		buf_adds(cmd, "DATA\r\n");
		code = command(s, cmd);
	} else
		code = mailsmtp_read_response(s);
	if (code != 354) {
		job_settle_reply(run, j, code / 100 == 5 ? TR_PERM : TR_TEMP, s);
		return tx_end(code);
	}
	if (accepted == 0) {
		/* pipelined and every RCPT refused, yet DATA accepted */
		if (put(s, ".\r\n", 3) < 0)
			return TX_LOST;
		return tx_end(mailsmtp_read_response(s));
	}
	if (put(s, run->body, run->bodylen) < 0) {
		job_settle(run, j, TR_TEMP, 0, "connection to the relay lost "
		    "while sending the message");
		return TX_LOST;
	}
	/*
	 * The reply to the final dot may take a relay a while (a content
	 * scan); giving up early makes the whole batch go twice.  RFC 5321
	 * 4.5.3.2.6 asks for 10 minutes.
	 */
	low = mailstream_get_low(s->stream);
	if (low != NULL && run->st->timeout < DOT_TIMEOUT)
		mailstream_low_set_timeout(low, DOT_TIMEOUT);
	code = mailsmtp_read_response(s);
	if (low != NULL)
		mailstream_low_set_timeout(low, run->st->timeout);
	job_settle_reply(run, j, code_result(code), s);
	return tx_end(code);
}

/*
 * "452 too many recipients": the relay took some of the job; the rest go
 * at once in another transaction on the same session, as an MTA does,
 * instead of waiting for the next retry.  The worker owns the slice
 * order[first..first+count) of its job and may reorder it.
 */
static enum tx
more_transactions(struct run *run, struct smtp_conn *c, const struct job *j,
    struct buf *cmd)
{
	struct job sub = *j;
	enum tx tx = TX_DONE;
	size_t i, k, t;

	for (;;) {
		for (i = k = 0; i < sub.count; i++) {
			struct tr_rcpt *r = job_rcpt(run, &sub, i);

			if (r->result != TR_TEMP || r->code != 452)
				continue;
			t = run->order[sub.first + k];
			run->order[sub.first + k] = run->order[sub.first + i];
			run->order[sub.first + i] = t;
			k++;
		}
		/* none left, or the relay took none of them: stop */
		if (k == 0 || k == sub.count)
			return tx;
		sub.count = k;
		for (i = 0; i < k; i++)
			job_rcpt(run, &sub, i)->result = TR_PENDING;
		if ((tx = transaction(run, c, &sub, cmd)) != TX_DONE) {
			job_settle(run, &sub, TR_TEMP, 0, "connection to the relay lost");
			return tx;
		}
	}
}

/* Remembers why a connection could not be used, for the jobs left. */
static void
run_note(struct run *run, int code, const char *why)
{
	pthread_mutex_lock(&run->lock);
	snprintf(run->why, sizeof(run->why), "%s", why);
	run->whycode = code;
	pthread_mutex_unlock(&run->lock);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct run *run = w->run;
	struct smtp_conn *c = w->c;
	struct buf cmd = BUF_INIT;
	char why[sizeof(run->why)];
	const struct job *j;
	enum tx tx;
	size_t n;
	int code, attempt;

	while (!atomic_load(&run->stop)) {
		n = atomic_fetch_add(&run->next, 1);
		if (n >= run->njobs)
			break;
		j = &run->jobs[n];
		tx = TX_STALE;
		for (attempt = 0; attempt < 2 && tx == TX_STALE; attempt++) {
			if (c->s != NULL && (attempt > 0 || conn_stale(c)))
				conn_drop(c);
			if (c->s == NULL &&
			    conn_open(run->st, c, why, sizeof(why), &code) < 0) {
				/* this worker stops; the others go on */
				job_settle(run, j, TR_TEMP, code, why);
				run_note(run, code, why);
				goto out;
			}
			tx = transaction(run, c, j, &cmd);
		}
		if (tx == TX_DONE)
			tx = more_transactions(run, c, j, &cmd);
		switch (tx) {
		case TX_DONE:
			break;
		case TX_STALE:
			job_settle(run, j, TR_TEMP, 0, "connection to the relay "
			    "lost");
			conn_drop(c);
			break;
		case TX_LOST:
			job_settle(run, j, TR_TEMP, 0, "connection to the relay "
			    "lost");
			conn_drop(c);
			break;
		case TX_CLOSING:
			snprintf(why, sizeof(why), "421 %s", c->s->response ?
			    c->s->response : "");
			run_note(run, 421, why);
			conn_drop(c);
			atomic_store(&run->stop, 1);
			break;
		}
	}
out:
	buf_release(&cmd);
	if (w->thread)
		sigpipe_restore(NULL, 0);
	return NULL;
}

/*
 * Checks the input, gives a bad recipient TR_PERM and cuts the others
 * into jobs.  *orderp and *jobsp are the caller's to free.
 */
static enum bpt_status
make_jobs(struct bpt_ctx *ctx, const struct tr_message *msg,
    struct tr_rcpt *rcpt, size_t n, size_t batch, size_t **orderp,
    struct job **jobsp, size_t *njobsp)
{
	size_t *order, i, m = 0, v = 0, nj = 0, k;
	struct job *jobs;

	if (msg == NULL || msg->data == NULL || !path_ok(msg->env_from, 1))
		return bpt_err(ctx, BPT_EDATA, "bad envelope sender '%s'",
		    msg && msg->env_from ? msg->env_from : "(null)");
	if (msg->len == 0)
		return bpt_err(ctx, BPT_EDATA, "empty message");
	if ((order = calloc(n, sizeof(*order))) == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory for %zu "
		    "recipients", n);
	for (i = 0; i < n; i++) {
		rcpt[i].result = TR_PENDING;
		rcpt[i].code = 0;
		rcpt[i].reply[0] = '\0';
		if (!path_ok(rcpt[i].addr, 0))
			rcpt_set(&rcpt[i], TR_PERM, 0, "invalid recipient address");
		else if (rcpt[i].env_from != NULL &&
		    !path_ok(rcpt[i].env_from, 1))
			rcpt_set(&rcpt[i], TR_PERM, 0, "invalid envelope sender");
		else if (rcpt[i].env_from == NULL)
			order[m++] = i;
		else
			v++;
	}
	/* batches of the list sender first, then one job per VERP sender */
	jobs = calloc((m + batch - 1) / batch + v + 1, sizeof(*jobs));
	if (jobs == NULL) {
		free(order);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory for %zu "
		    "recipients", n);
	}
	for (k = 0; k < m; k += batch) {
		jobs[nj].first = k;
		jobs[nj].count = m - k < batch ? m - k : batch;
		jobs[nj].from = msg->env_from;
		nj++;
	}
	for (i = 0; i < n; i++) {
		if (rcpt[i].env_from == NULL || rcpt[i].result != TR_PENDING)
			continue;
		order[m] = i;
		jobs[nj].first = m++;
		jobs[nj].count = 1;
		jobs[nj].from = rcpt[i].env_from;
		nj++;
	}
	*orderp = order;
	*jobsp = jobs;
	*njobsp = nj;
	return BPT_OK;
}

static enum bpt_status
smtp_send(struct bpt_ctx *ctx, void *state, const struct tr_message *msg,
    struct tr_rcpt *rcpt, size_t n)
{
	struct smtp_state *st = state;
	struct buf body = BUF_INIT;
	struct worker w[SMTP_MAX_CONN];
	struct run run;
	struct job *jobs = NULL;
	size_t *order = NULL, nw, started, i;
	enum bpt_status rv;
	sigset_t oldmask;
	int pending;

	if (n == 0)
		return BPT_OK;
	if (rcpt == NULL)
		return bpt_err(ctx, BPT_EUSAGE, "no recipient array");
	memset(&run, 0, sizeof(run));
	rv = make_jobs(ctx, msg, rcpt, n, st->batch, &order, &jobs, &run.njobs);
	if (rv != BPT_OK)
		return rv;
	if (run.njobs == 0)
		goto out;
	if (smtp_body(msg->data, msg->len, &body, &run.eightbit) < 0) {
		rv = bpt_err(ctx, BPT_ENOMEM, "out of memory for a message of "
		    "%zu bytes", msg->len);
		goto out;
	}
	run.st = st;
	run.rcpt = rcpt;
	run.order = order;
	run.jobs = jobs;
	run.body = body.buf;
	run.bodylen = body.len;
	atomic_init(&run.next, 0);
	atomic_init(&run.stop, 0);
	pthread_mutex_init(&run.lock, NULL);
	snprintf(run.why, sizeof(run.why), "not tried");

	nw = st->nconn < run.njobs ? st->nconn : run.njobs;
	sigpipe_block(&oldmask, &pending);	/* the threads inherit it */
	for (i = 0; i < nw; i++) {
		w[i].run = &run;
		w[i].c = &st->conn[i];
		w[i].thread = i > 0;
	}
	for (started = 1; started < nw; started++)
		if (pthread_create(&w[started].tid, NULL, worker_main,
		    &w[started]) != 0)
			break;
	worker_main(&w[0]);
	for (i = 1; i < started; i++)
		pthread_join(w[i].tid, NULL);
	sigpipe_restore(&oldmask, pending);
	pthread_mutex_destroy(&run.lock);

	/* jobs nobody could take: the relay is down or closing */
	for (i = 0; i < n; i++)
		if (rcpt[i].result == TR_PENDING)
			rcpt_set(&rcpt[i], TR_TEMP, run.whycode, run.why);
out:
	buf_release(&body);
	free(order);
	free(jobs);
	return rv;
}

/* Reads the first line of the password file, warning when others can. */
static enum bpt_status
read_password(struct bpt_ctx *ctx, const char *path, char **out)
{
	struct buf b = BUF_INIT;
	char why[sizeof(ctx->errmsg)];
	enum bpt_status st;
	char *nl;

	st = fio_read_file(ctx, path, 4096, &b);
	if (st != BPT_OK) {
		snprintf(why, sizeof(why), "%s", ctx->errmsg);
		buf_release(&b);
		return bpt_err(ctx, BPT_ECONFIG, "delivery.smtp.password_file: "
		    "%s", why);
	}
	if (fio_is_exposed(path))
		log_warnx("password file '%s' is readable by group or others",
		    path);
	nl = memchr(buf_str(&b), '\n', b.len);
	if (nl != NULL)
		buf_setlen(&b, (size_t)(nl - b.buf));
	if (b.len > 0 && b.buf[b.len - 1] == '\r')
		buf_setlen(&b, b.len - 1);
	*out = buf_detach(&b, NULL);
	if (*out == NULL)
		*out = strdup("");
	return *out ? BPT_OK : bpt_err(ctx, BPT_ENOMEM, "out of memory");
}

static void
smtp_free(struct smtp_state *st)
{
	if (st == NULL)
		return;
	free(st->host);
	free(st->user);
	if (st->password != NULL) {
		explicit_bzero(st->password, strlen(st->password));
		free(st->password);
	}
	free(st->helo);
	tls_trust_free(st->trust);
	free(st->conn);
	free(st);
}

static enum bpt_status
smtp_open(struct bpt_ctx *ctx, const struct bpt_config *cfg, void **statep)
{
	const struct cfg_server *sv = &cfg->delivery.smtp;
	struct smtp_state *st;
	char host[256];
	enum bpt_status rv;
	const char *p;

	*statep = NULL;
	if (sv->host == NULL || *sv->host == '\0')
		return bpt_err(ctx, BPT_ECONFIG, "delivery.smtp.host is empty");
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	st->tls = sv->tls;
	st->timeout = sv->timeout > 0 ? (time_t)sv->timeout : 60;
	st->batch = cfg->delivery.batch > 0 ? (size_t)cfg->delivery.batch : 50;
	st->nconn = cfg->delivery.connections > 0 ?
	    (size_t)cfg->delivery.connections : 4;
	if (st->nconn > SMTP_MAX_CONN)
		st->nconn = SMTP_MAX_CONN;
	snprintf(st->port, sizeof(st->port), "%u", sv->port > 0 &&
	    sv->port <= 65535 ? (unsigned)sv->port : 25u);
	if (sv->helo != NULL && *sv->helo != '\0')
		p = sv->helo;
	else if (gethostname(host, sizeof(host)) == 0 && host[0] != '\0') {
		host[sizeof(host) - 1] = '\0';
		p = host;
	} else
		p = "localhost";
	if (!path_ok(p, 0) || strchr(p, ' ') != NULL) {
		rv = bpt_err(ctx, BPT_ECONFIG, "delivery.smtp.helo: bad name "
		    "'%s'", p);
		goto out;
	}
	st->host = strdup(sv->host);
	st->helo = strdup(p);
	st->conn = calloc(st->nconn, sizeof(*st->conn));
	if (st->tls != CFG_TLS_NONE && sv->tls_verify) {
		st->trust = tls_trust_new(sv->ca_file);
		/* said at every run; the copies wait with the reason */
		if (sv->ca_file != NULL && *sv->ca_file != '\0' &&
		    access(sv->ca_file, R_OK) != 0)
			log_warnx("delivery.smtp.ca_file %s: %s", sv->ca_file,
			    strerror(errno));
	}
	if (st->host == NULL || st->helo == NULL || st->conn == NULL ||
	    (st->tls != CFG_TLS_NONE && sv->tls_verify && st->trust == NULL)) {
		rv = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	if (sv->user != NULL && *sv->user != '\0') {
		if (sv->password_file == NULL || *sv->password_file == '\0') {
			rv = bpt_err(ctx, BPT_ECONFIG, "delivery.smtp.user is set "
			    "but delivery.smtp.password_file is not");
			goto out;
		}
		if ((st->user = strdup(sv->user)) == NULL) {
			rv = bpt_err(ctx, BPT_ENOMEM, "out of memory");
			goto out;
		}
		rv = read_password(ctx, sv->password_file, &st->password);
		if (rv != BPT_OK)
			goto out;
		if (st->tls == CFG_TLS_NONE && strcmp(st->host, "localhost") != 0 &&
		    strncmp(st->host, "127.", 4) != 0 && strcmp(st->host, "::1") != 0)
			log_warnx("the SMTP password goes to %s without TLS "
			    "(delivery.smtp.tls: none)", st->host);
	}
	*statep = st;
	st = NULL;
	rv = BPT_OK;
out:
	smtp_free(st);
	return rv;
}

static void
smtp_close(void *state)
{
	struct smtp_state *st = state;
	sigset_t oldmask;
	size_t i;
	int pending;

	if (st == NULL)
		return;
	sigpipe_block(&oldmask, &pending);
	for (i = 0; i < st->nconn; i++) {
		if (st->conn[i].s == NULL)
			continue;
		mailsmtp_quit(st->conn[i].s);
		mailsmtp_free(st->conn[i].s);
		st->conn[i].s = NULL;
	}
	sigpipe_restore(&oldmask, pending);
	smtp_free(st);
}

const struct transport_ops transport_smtp_ops = {
	"smtp",
	smtp_open,
	smtp_send,
	smtp_close,
};
