/*
 * transport_sendmail.c - handing copies to the local MTA's sendmail.
 *
 * delivery.sendmail is executed directly, never through a shell:
 * argv is "sendmail -i -f SENDER -- RCPT..." with at most
 * delivery.batch recipients, so an address such as "-oQx@example.org"
 * or "\"x;touch y\"@example.org" is one argument after "--" and
 * nothing else.  The message goes to its stdin as is (LF line ends,
 * -i: a lone "." is text).  A recipient with its own sender (VERP)
 * gets a call of its own.  Exit 0 is TR_OK for the whole call,
 * EX_TEMPFAIL or a signal TR_TEMP, any other status TR_PERM.
 *
 * Any other status for a call of several recipients may be one address
 * that sendmail refuses (EX_NOUSER, EX_DATAERR) failing the others with
 * it: sendmail takes a message for all of its recipients or for none
 * (Postfix's and Exim's queue it before they deliver).  Such a call is
 * made again for each recipient alone: those sendmail takes are
 * delivered, and only those it refuses alone fail.  EX_TEMPFAIL still
 * defers the whole call: sendmail said nothing about an address.
 *
 * A call may take delivery.sendmail_timeout.  A sendmail still running
 * then is killed before its stdin is closed, so that it never sees the
 * end of a message it has only half read, and the call is TR_TEMP, as
 * is every call still to come in the same send(): the next run tries
 * them again.
 */
#include "bptconf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "transport.h"
#include "util.h"

extern char **environ;

struct sendmail_state {
	char *path;
	size_t batch;
	long timeout;		/* seconds a call may take */
};

/* Copies text into r->reply on one line; cut when too long. */
static void
rcpt_set(struct tr_rcpt *r, int result, const char *text)
{
	size_t i, o = 0;

	r->result = result;
	r->code = 0;
	for (i = 0; text[i] != '\0' && o + 1 < sizeof(r->reply); i++) {
		unsigned char ch = (unsigned char)text[i];

		r->reply[o++] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
	}
	while (o > 0 && r->reply[o - 1] == ' ')
		o--;
	r->reply[o] = '\0';
}

/* An argument sendmail can take as an address: no control characters. */
static int
arg_ok(const char *a, int empty_ok)
{
	const unsigned char *p;

	if (a == NULL || (*a == '\0' && !empty_ok))
		return 0;
	for (p = (const unsigned char *)a; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/*
 * Feeds data to fd *in while collecting the first line of what comes
 * back on fd *err, until both are done or the clock reaches deadline
 * (ms); never blocks on one while the other is full.  Closes each fd
 * when done with it and sets it to -1; returns 1 when the deadline
 * came first, with the fds still open.
 */
static int
pump(int *inp, const char *data, size_t len, int *errp, char *first,
    size_t firstsz, long long deadline)
{
	struct pollfd pfd[2];
	size_t off = 0, got = 0;
	char chunk[4096];
	ssize_t n;
	int r, in = *inp, err = *errp, late = 0;
	long long left;

	if (fcntl(in, F_SETFL, fcntl(in, F_GETFL) | O_NONBLOCK) < 0) {
		close(in);
		in = -1;
	}
	first[0] = '\0';
	while (in >= 0 || err >= 0) {
		pfd[0].fd = in;
		pfd[0].events = POLLOUT;
		pfd[1].fd = err;
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if ((left = deadline - util_now_ms()) <= 0) {
			late = 1;
			break;
		}
		r = poll(pfd, 2, left > 60000 ? 60000 : (int)left);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (in >= 0 && pfd[0].revents != 0) {
			n = write(in, data + off, len - off);
			if (n > 0)
				off += (size_t)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
			    off == len) {
				close(in);	/* EOF for sendmail */
				in = -1;
			}
		}
		if (err >= 0 && pfd[1].revents != 0) {
			n = read(err, chunk, sizeof(chunk));
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n <= 0) {
				close(err);
				err = -1;
				continue;
			}
			if (got + 1 < firstsz) {
				size_t keep = (size_t)n;

				if (keep > firstsz - 1 - got)
					keep = firstsz - 1 - got;
				memcpy(first + got, chunk, keep);
				got += keep;
				first[got] = '\0';
			}
		}
	}
	if (!late) {
		if (in >= 0)
			close(in);
		if (err >= 0)
			close(err);
		in = err = -1;
	}
	*inp = in;
	*errp = err;
	first[strcspn(first, "\r\n")] = '\0';
	return late;
}

/*
 * Waits for pid until the clock reaches deadline (ms), then kills it
 * and reaps it.  Returns what waitpid() returned; *killed is 1 when
 * the deadline came first.
 */
static pid_t
wait_until(pid_t pid, int *ws, long long deadline, int *killed)
{
	struct timespec nap;
	long long left, step = 1;
	pid_t w;

	*killed = 0;
	for (;;) {
		w = waitpid(pid, ws, WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			return w;
		if ((left = deadline - util_now_ms()) <= 0)
			break;
		if (step > left)
			step = left;
		nap.tv_sec = (time_t)(step / 1000);
		nap.tv_nsec = (long)(step % 1000) * 1000000L;
		nanosleep(&nap, NULL);
		if (step < 50)
			step *= 2;
	}
	*killed = 1;
	kill(pid, SIGKILL);
	do
		w = waitpid(pid, ws, 0);
	while (w < 0 && errno == EINTR);
	return w;
}

/*
 * One sendmail call for rcpt[idx[0..k)] with sender from.  Every one
 * of them gets the result.  Returns 1 when sendmail timed out.
 */
static int
run_sendmail(const struct sendmail_state *st, const char *from,
    const struct tr_message *msg, struct tr_rcpt *rcpt, const size_t *idx,
    size_t k)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char **argv, text[sizeof(rcpt->reply)], first[sizeof(rcpt->reply)];
	int in[2] = { -1, -1 }, err[2] = { -1, -1 }, rc, ws, result, late;
	int killed = 0;
	long long deadline = util_now_ms() + (long long)st->timeout * 1000;
	sigset_t none, pipeset;
	pid_t pid, w;
	size_t i;

	argv = calloc(k + 6, sizeof(*argv));
	if (argv == NULL) {
		snprintf(text, sizeof(text), "out of memory");
		result = TR_TEMP;
		goto out;
	}
	argv[0] = st->path;
	argv[1] = (char *)"-i";
	argv[2] = (char *)"-f";
	/* "-f ''" is not portable; Postfix and Exim take "<>" */
	argv[3] = (char *)(*from == '\0' ? "<>" : from);
	argv[4] = (char *)"--";
	for (i = 0; i < k; i++)
		argv[5 + i] = (char *)rcpt[idx[i]].addr;
	argv[5 + k] = NULL;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		snprintf(text, sizeof(text), "cannot run %s: pipe: %s", st->path,
		    strerror(errno));
		result = TR_TEMP;
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	/* our blocked SIGPIPE, or an ignored one, is not sendmail's */
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &pipeset);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(&pid, st->path, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(in[0]);
	close(err[1]);
	in[0] = err[1] = -1;
	if (rc != 0) {
		snprintf(text, sizeof(text), "cannot run %s: %s", st->path,
		    strerror(rc));
		result = TR_TEMP;
		goto out;
	}
	late = pump(&in[1], msg->data, msg->len, &err[0], first, sizeof(first),
	    deadline);
	/* killed before its stdin closes (at out:) */
	w = wait_until(pid, &ws, late ? 0 : deadline, &killed);
	if (killed) {
		snprintf(text, sizeof(text), "sendmail timed out after %ld s%s%.100s",
		    st->timeout, first[0] ? ": " : "", first);
		result = TR_TEMP;
	} else if (w < 0) {
		snprintf(text, sizeof(text), "%s: waitpid: %s", st->path,
		    strerror(errno));
		result = TR_TEMP;
	} else if (WIFSIGNALED(ws)) {
		snprintf(text, sizeof(text), "sendmail killed by signal %d%s%.100s",
		    WTERMSIG(ws), first[0] ? ": " : "", first);
		result = TR_TEMP;
	} else if (WEXITSTATUS(ws) == 0) {
		snprintf(text, sizeof(text), "accepted by %s", st->path);
		result = TR_OK;
	} else {
		snprintf(text, sizeof(text), "sendmail exited %d%s%.100s",
		    WEXITSTATUS(ws), first[0] ? ": " : "", first);
		result = WEXITSTATUS(ws) == EX_TEMPFAIL ? TR_TEMP : TR_PERM;
	}
out:
	for (i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	free(argv);
	for (i = 0; i < k; i++)
		rcpt_set(&rcpt[idx[i]], result, text);
	return killed;
}

static const char hung_text[] = "not tried: an earlier sendmail call "
    "timed out";

/*
 * rcpt[idx[0..k)] with sender from: one call, and one call per
 * recipient when sendmail failed the call of several for good (see the
 * top).  Returns 1 when a call timed out; the recipients not tried
 * then are deferred.
 */
static int
send_batch(const struct sendmail_state *st, const char *from,
    const struct tr_message *msg, struct tr_rcpt *rcpt, const size_t *idx,
    size_t k)
{
	size_t i;
	int hung;

	hung = run_sendmail(st, from, msg, rcpt, idx, k);
	if (hung || k < 2 || rcpt[idx[0]].result != TR_PERM)
		return hung;
	log_info("%s: %s; trying its %zu recipients one by one", st->path,
	    rcpt[idx[0]].reply, k);
	for (i = 0; i < k; i++) {
		if (hung)
			rcpt_set(&rcpt[idx[i]], TR_TEMP, hung_text);
		else
			hung = run_sendmail(st, from, msg, rcpt, idx + i, 1);
	}
	return hung;
}

static enum bpt_status
sendmail_send(struct bpt_ctx *ctx, void *state, const struct tr_message *msg,
    struct tr_rcpt *rcpt, size_t n)
{
	static const struct timespec zero = { 0, 0 };
	const struct sendmail_state *st = state;
	sigset_t pipeset, old, pend;
	size_t *idx, i, m = 0, k;
	int pending, hung = 0;

	if (n == 0)
		return BPT_OK;
	if (msg == NULL || msg->data == NULL || !arg_ok(msg->env_from, 1))
		return bpt_err(ctx, BPT_EDATA, "bad envelope sender '%s'",
		    msg && msg->env_from ? msg->env_from : "(null)");
	if (rcpt == NULL)
		return bpt_err(ctx, BPT_EUSAGE, "no recipient array");
	if ((idx = calloc(n, sizeof(*idx))) == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory for %zu "
		    "recipients", n);

	/* sendmail may exit before it has read the whole message */
	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipeset, &old);
	pending = sigpending(&pend) == 0 && sigismember(&pend, SIGPIPE) == 1;

	for (i = 0; i < n; i++) {
		rcpt[i].result = TR_PENDING;
		rcpt[i].code = 0;
		rcpt[i].reply[0] = '\0';
		if (!arg_ok(rcpt[i].addr, 0))
			rcpt_set(&rcpt[i], TR_PERM, "invalid recipient address");
		else if (rcpt[i].env_from != NULL && !arg_ok(rcpt[i].env_from, 1))
			rcpt_set(&rcpt[i], TR_PERM, "invalid envelope sender");
		else if (rcpt[i].env_from != NULL && hung)
			rcpt_set(&rcpt[i], TR_TEMP, hung_text);
		else if (rcpt[i].env_from != NULL)
			hung = run_sendmail(st, rcpt[i].env_from, msg, rcpt, &i, 1);
		else
			idx[m++] = i;
	}
	/* one hung sendmail is enough: the rest waits for the next run */
	for (i = 0; i < m; i += k) {
		k = m - i < st->batch ? m - i : st->batch;
		if (hung) {
			size_t j;

			for (j = 0; j < k; j++)
				rcpt_set(&rcpt[idx[i + j]], TR_TEMP, hung_text);
		} else
			hung = send_batch(st, msg->env_from, msg, rcpt, idx + i, k);
	}

	if (!pending)
		while (sigtimedwait(&pipeset, NULL, &zero) == SIGPIPE)
			;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	free(idx);
	return BPT_OK;
}

static enum bpt_status
sendmail_open(struct bpt_ctx *ctx, const struct bpt_config *cfg, void **statep)
{
	struct sendmail_state *st;

	*statep = NULL;
	if (cfg->delivery.sendmail == NULL || cfg->delivery.sendmail[0] != '/')
		return bpt_err(ctx, BPT_ECONFIG, "delivery.sendmail must be an "
		    "absolute path, not '%s'", cfg->delivery.sendmail ?
		    cfg->delivery.sendmail : "");
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->path = strdup(cfg->delivery.sendmail)) == NULL) {
		free(st);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
	st->batch = cfg->delivery.batch > 0 ? (size_t)cfg->delivery.batch : 50;
	st->timeout = cfg->delivery.sendmail_timeout > 0 ?
	    cfg->delivery.sendmail_timeout : 120;
	*statep = st;
	return BPT_OK;
}

static void
sendmail_close(void *state)
{
	struct sendmail_state *st = state;

	if (st == NULL)
		return;
	free(st->path);
	free(st);
}

const struct transport_ops transport_sendmail_ops = {
	"sendmail",
	sendmail_open,
	sendmail_send,
	sendmail_close,
};
