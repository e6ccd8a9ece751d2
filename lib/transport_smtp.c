/*
 * transport_smtp.c - handing copies to an SMTP relay (libetpan).
 *
 * One send() renders the message as SMTP DATA once (CRLF, dot-stuffed)
 * and cuts the recipients into jobs: batches of delivery.batch RCPTs
 * under the message's envelope sender, and one job per recipient that
 * has its own sender (VERP).  Up to delivery.connections workers (the
 * calling thread and POSIX threads) take whole jobs from a shared index,
 * each on its own session (smtp_conn.h); sessions stay open for the
 * next send() and are closed by close().
 *
 * A transaction is smtp_tx.h's state machine; connection set-up and
 * the session's bounds are smtp_conn.h's.
 *
 * Every session is bounded in time (delivery.smtp.session_timeout) and
 * in the size of the relay's replies (smtp_guard.h).  A session that
 * hits a bound is dropped; the copies of its job that the relay has not
 * taken over (a 250 to the final dot) are deferred, and so is
 * everything else this transport is handed until it is closed: a relay
 * that held one session to its deadline or broke the protocol is not
 * given another until the next run.  A relay that only refuses or
 * closes is tried again at the next send().
 */
#include "bptconf.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#include "buf.h"
#include "config.h"
#include "fileio.h"
#include "log.h"
#include "smtp_conn.h"
#include "smtp_tx.h"
#include "smtp_watch.h"
#include "tlsverify.h"
#include "transport.h"
#include "util.h"

#define SMTP_MAX_CONN	64
#define REPLY_SZ	sizeof(((struct tr_rcpt *)0)->reply)

struct smtp_state {
	struct smtp_peer peer;
	size_t batch;
	size_t nconn;
	struct smtp_conn *conn;	/* [nconn] */
	struct smtp_watch *watch;	/* ends sessions at their deadline */
	pthread_mutex_t lock;	/* guards broken and broken_why */
	int broken;		/* a session hit a bound: no more this time */
	char broken_why[REPLY_SZ];
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
	atomic_int stop;	/* a 421 or a bound hit: take no more jobs */
	struct smtp_msg msg;
	pthread_mutex_t lock;	/* guards why and whycode */
	char why[REPLY_SZ];
	int whycode;
};

struct worker {
	struct run *run;
	struct smtp_conn *c;
	pthread_t tid;
	int thread;		/* a thread of ours, not the caller */
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

/* --- the workers ------------------------------------------------------------- */

/* Remembers why a connection could not be used, for the jobs left. */
static void
run_note(struct run *run, int code, const char *why)
{
	pthread_mutex_lock(&run->lock);
	snprintf(run->why, sizeof(run->why), "%s", why);
	run->whycode = code;
	pthread_mutex_unlock(&run->lock);
}

/*
 * Session c hit a bound (why says which, and where): the copies of job
 * j not yet taken over wait, no worker takes another job, and this
 * transport gives the relay no other session until it is closed.
 */
static void
run_broken(struct run *run, struct smtp_conn *c, const struct smtp_job *j,
    const char *why)
{
	struct smtp_state *st = run->st;

	log_warnx("smtp: %s: %s; the copies wait for the next run",
	    st->peer.host, why);
	smtp_tx_settle(j, TR_TEMP, 0, why);
	run_note(run, 0, why);
	pthread_mutex_lock(&st->lock);
	if (!st->broken) {
		st->broken = 1;
		snprintf(st->broken_why, sizeof(st->broken_why),
		    "not tried: %.140s", why);
	}
	pthread_mutex_unlock(&st->lock);
	smtp_conn_drop(c);
	atomic_store(&run->stop, 1);
}

/* A session for the next transaction on c: 0, or -1 with why and code. */
static int
worker_session(struct run *run, struct smtp_conn *c, int attempt,
    char *why, size_t whysz, int *code)
{
	const struct smtp_peer *p = &run->st->peer;

	if (c->s != NULL && attempt == 0 && !smtp_conn_stale(c) &&
	    smtp_conn_aged(p, c)) {
		log_debug("smtp: session with %s past half its time: a new one",
		    p->host);
		smtp_conn_quit(c);
	} else if (c->s != NULL && (attempt > 0 || smtp_conn_stale(c)))
		smtp_conn_drop(c);
	if (c->s != NULL)
		return 0;
	return smtp_conn_open(p, c, why, whysz, code);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct run *run = w->run;
	struct smtp_conn *c = w->c;
	struct buf cmd = BUF_INIT;
	char why[sizeof(run->why)];
	struct smtp_job sj;
	const struct job *j;
	enum smtp_tx_end tx;
	size_t n;
	int code, attempt;

	while (!atomic_load(&run->stop)) {
		n = atomic_fetch_add(&run->next, 1);
		if (n >= run->njobs)
			break;
		j = &run->jobs[n];
		sj.msg = &run->msg;
		sj.from = j->from;
		sj.rcpt = run->rcpt;
		sj.order = run->order + j->first;
		sj.count = j->count;
		tx = SMTP_TX_STALE;
		for (attempt = 0; attempt < 2 && tx == SMTP_TX_STALE; attempt++) {
			if (worker_session(run, c, attempt, why, sizeof(why),
			    &code) < 0) {
				if (smtp_conn_fault(c) != SMTP_FAULT_NONE) {
					run_broken(run, c, &sj, why);
					goto out;
				}
				/* this worker stops; the others go on */
				smtp_tx_settle(&sj, TR_TEMP, code, why);
				run_note(run, code, why);
				goto out;
			}
			tx = smtp_tx_run(c, &sj, &cmd);
			if (smtp_conn_fault(c) != SMTP_FAULT_NONE)
				break;
		}
		if (tx == SMTP_TX_DONE && smtp_conn_fault(c) == SMTP_FAULT_NONE)
			tx = smtp_tx_rest(c, &sj, &cmd);
		if (smtp_conn_fault(c) != SMTP_FAULT_NONE) {
			run_broken(run, c, &sj, smtp_fault_text(
			    smtp_conn_fault(c)));
			break;
		}
		switch (tx) {
		case SMTP_TX_DONE:
			break;
		case SMTP_TX_STALE:
		case SMTP_TX_LOST:
			smtp_tx_settle(&sj, TR_TEMP, 0, "connection to the relay "
			    "lost");
			smtp_conn_drop(c);
			break;
		case SMTP_TX_CLOSING:
			snprintf(why, sizeof(why), "421 %s", c->s->response ?
			    c->s->response : "");
			run_note(run, 421, why);
			smtp_conn_drop(c);
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
			smtp_tx_set(&rcpt[i], TR_PERM, 0, "invalid recipient address");
		else if (rcpt[i].env_from != NULL &&
		    !path_ok(rcpt[i].env_from, 1))
			smtp_tx_set(&rcpt[i], TR_PERM, 0, "invalid envelope sender");
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
	pthread_mutex_lock(&st->lock);
	if (st->broken) {
		for (i = 0; i < n; i++)
			if (rcpt[i].result == TR_PENDING)
				smtp_tx_set(&rcpt[i], TR_TEMP, 0, st->broken_why);
		pthread_mutex_unlock(&st->lock);
		goto out;
	}
	pthread_mutex_unlock(&st->lock);
	if (smtp_body(msg->data, msg->len, &body, &run.msg.eightbit) < 0) {
		rv = bpt_err(ctx, BPT_ENOMEM, "out of memory for a message of "
		    "%zu bytes", msg->len);
		goto out;
	}
	run.st = st;
	run.rcpt = rcpt;
	run.order = order;
	run.jobs = jobs;
	run.msg.body = body.buf;
	run.msg.len = body.len;
	run.msg.timeout = st->peer.timeout;
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

	/* jobs nobody could take: the relay is down, closing or faulty */
	for (i = 0; i < n; i++)
		if (rcpt[i].result == TR_PENDING)
			smtp_tx_set(&rcpt[i], TR_TEMP, run.whycode, run.why);
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
	struct smtp_peer *p;

	if (st == NULL)
		return;
	p = &st->peer;
	free(p->host);
	free(p->user);
	if (p->password != NULL) {
		explicit_bzero(p->password, strlen(p->password));
		free(p->password);
	}
	free(p->helo);
	tls_trust_free(p->trust);
	smtp_watch_free(st->watch);
	free(st->conn);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

static enum bpt_status
smtp_open(struct bpt_ctx *ctx, const struct bpt_config *cfg, void **statep)
{
	const struct cfg_server *sv = &cfg->delivery.smtp;
	struct smtp_state *st;
	struct smtp_peer *p;
	char host[256];
	enum bpt_status rv;
	const char *h;
	size_t i;

	*statep = NULL;
	if (sv->host == NULL || *sv->host == '\0')
		return bpt_err(ctx, BPT_ECONFIG, "delivery.smtp.host is empty");
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	pthread_mutex_init(&st->lock, NULL);
	p = &st->peer;
	p->tls = sv->tls;
	p->timeout = sv->timeout > 0 ? (time_t)sv->timeout : 60;
	p->session_timeout = sv->session_timeout > 0 ?
	    (time_t)sv->session_timeout : 600;
	st->batch = cfg->delivery.batch > 0 ? (size_t)cfg->delivery.batch : 50;
	st->nconn = cfg->delivery.connections > 0 ?
	    (size_t)cfg->delivery.connections : 4;
	if (st->nconn > SMTP_MAX_CONN)
		st->nconn = SMTP_MAX_CONN;
	snprintf(p->port, sizeof(p->port), "%u", sv->port > 0 &&
	    sv->port <= 65535 ? (unsigned)sv->port : 25u);
	if (sv->helo != NULL && *sv->helo != '\0')
		h = sv->helo;
	else if (gethostname(host, sizeof(host)) == 0 && host[0] != '\0') {
		host[sizeof(host) - 1] = '\0';
		h = host;
	} else
		h = "localhost";
	if (!path_ok(h, 0) || strchr(h, ' ') != NULL) {
		rv = bpt_err(ctx, BPT_ECONFIG, "delivery.smtp.helo: bad name "
		    "'%s'", h);
		goto out;
	}
	p->host = strdup(sv->host);
	p->helo = strdup(h);
	st->conn = calloc(st->nconn, sizeof(*st->conn));
	st->watch = smtp_watch_new(st->nconn);
	if (p->tls != CFG_TLS_NONE && sv->tls_verify) {
		p->trust = tls_trust_new(sv->ca_file);
		/* said at every run; the copies wait with the reason */
		if (sv->ca_file != NULL && *sv->ca_file != '\0' &&
		    access(sv->ca_file, R_OK) != 0)
			log_warnx("delivery.smtp.ca_file %s: %s", sv->ca_file,
			    strerror(errno));
	}
	if (p->host == NULL || p->helo == NULL || st->conn == NULL ||
	    st->watch == NULL ||
	    (p->tls != CFG_TLS_NONE && sv->tls_verify && p->trust == NULL)) {
		rv = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < st->nconn; i++) {
		st->conn[i].watch = st->watch;
		st->conn[i].slot = i;
	}
	if (sv->user != NULL && *sv->user != '\0') {
		if (sv->password_file == NULL || *sv->password_file == '\0') {
			rv = bpt_err(ctx, BPT_ECONFIG, "delivery.smtp.user is set "
			    "but delivery.smtp.password_file is not");
			goto out;
		}
		if ((p->user = strdup(sv->user)) == NULL) {
			rv = bpt_err(ctx, BPT_ENOMEM, "out of memory");
			goto out;
		}
		rv = read_password(ctx, sv->password_file, &p->password);
		if (rv != BPT_OK)
			goto out;
		if (p->tls == CFG_TLS_NONE && strcmp(p->host, "localhost") != 0 &&
		    strncmp(p->host, "127.", 4) != 0 && strcmp(p->host, "::1") != 0)
			log_warnx("the SMTP password goes to %s without TLS "
			    "(delivery.smtp.tls: none)", p->host);
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
	/* the watchdog still bounds a relay slow to answer QUIT */
	for (i = 0; i < st->nconn; i++)
		if (st->conn[i].s != NULL)
			smtp_conn_quit(&st->conn[i]);
	sigpipe_restore(&oldmask, pending);
	smtp_free(st);
}

const struct transport_ops transport_smtp_ops = {
	"smtp",
	smtp_open,
	smtp_send,
	smtp_close,
};
