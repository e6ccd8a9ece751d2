/*
 * bpt-report - a member's mail becomes an incident and reaches every
 * member.  Run by the MTA with the message on stdin; also lists and
 * shows incidents.
 */
#include "bptconf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "actor.h"
#include "buf.h"
#include "cmdutil.h"
#include "config.h"
#include "actor.h"
#include "fileio.h"
#include "hold.h"
#include "imap.h"
#include "incident.h"
#include "ingest.h"
#include "log.h"
#include "outbox.h"
#include "msgshow.h"
#include "printer.h"
#include "runmark.h"
#include "stats.h"
#include "store.h"
#include "util.h"
#include "views.h"

static const char *progname = "bpt-report";

struct opts {
	const char *config;
	const char *as;
	const char *sender;
	const char *recipient;
	const char *maildir;
	const char *status;
	const char *from;
	const char *to;
	const char *reason;	/* reject --reason */
	int all;		/* held --all */
	int needs_outcome;
	enum pr_format fmt;
	int deliver;
	int verbose;
	int imap;		/* fetch --imap */
	int raw;		/* message --raw */
	int text;		/* message --text */
	int fmt_set;		/* --format given */
	int once;		/* fetch --imap --once */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: %s [-v] [-c file] [-f sender] [-r recipient] [--no-deliver] < message\n"
	    "       %s [-c file] fetch --maildir dir | --imap [--once]\n"
	    "       %s [-c file] [--format text|tsv|json] list [--status open|closed]\n"
	    "           [--needs-outcome]\n"
	    "       %s [-c file] [--format text|tsv|json] show number\n"
	    "       %s [-c file] [--format text|tsv|json] stats [--from date] [--to date]\n"
	    "       %s [-c file] [--as email] [--no-deliver] release id\n"
	    "       %s [-c file] [--format text|tsv|json] held [--all]\n"
	    "       %s [-c file] [--as email] [--no-deliver] approve id\n"
	    "       %s [-c file] [--as email] [--no-deliver] reject id [--reason text]\n"
	    "       %s [-c file] [--as email] [--raw | --text | --format text|json]\n"
	    "           message id\n"
	    "       %s --help | --version\n",
	    progname, progname, progname, progname, progname, progname, progname,
	    progname, progname, progname, progname);
}

/*
 * The guard of a run: how a mail of death is told from bad luck.
 *
 * The library points guard_fd at the message's run file while it
 * parses and classifies the message (see runmark.h); the handlers
 * write into that file with runmark_note() and nothing else.  A crash
 * (SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL) writes its signal and
 * dies of it; the timer writes "slow" once the message has been at
 * work for more than a second, and "timeout" when limits.parse_timeout
 * (counted from the start, reading the standard input included) runs
 * out, and then ends the run with 75 before the MTA kills it.  Outside
 * that window nothing is written: a time-out while the standard input
 * is read or the store is busy is a clean 75.
 *
 * A signal handler and a file opened before parsing cost the path of
 * an alert nothing; parsing in a child would cost a fork on every one.
 */
static volatile sig_atomic_t guard_fd = -1;
static volatile sig_atomic_t guard_ticks;	/* ticks seen in the window */
static struct timespec guard_deadline;	/* tv_sec 0: no time limit */

static void
on_tick(int sig)
{
	static const char msg[] = "bpt-report: no commit within limits.parse_timeout; "
	    "the MTA will retry\n";
	int fd = guard_fd, saved = errno;
	struct timespec now;
	ssize_t n;

	(void)sig;
	/* in the window at two ticks a second apart: more than a second */
	if (fd < 0)
		guard_ticks = 0;
	else if (++guard_ticks == 2)
		runmark_note(fd, RUNMARK_SLOW);
	if (guard_deadline.tv_sec != 0 &&
	    clock_gettime(CLOCK_MONOTONIC, &now) == 0 &&
	    (now.tv_sec > guard_deadline.tv_sec ||
	    (now.tv_sec == guard_deadline.tv_sec &&
	    now.tv_nsec >= guard_deadline.tv_nsec))) {
		if (fd >= 0)
			runmark_note(fd, RUNMARK_TIMEOUT);
		n = write(2, msg, sizeof(msg) - 1);
		(void)n;
		_exit(EX_TEMPFAIL);
	}
	errno = saved;
}

static void
on_crash(int sig)
{
	int fd = guard_fd;

	if (fd >= 0)
		runmark_note(fd, sig);
	/* SA_RESETHAND: delivered again once this returns, and fatal */
	raise(sig);
}

/* Installs the handlers, once; a crash in a deep recursion (a stack
 * overflow) still has a stack to run them on. */
static void
guard_install(void)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL };
	static char *altstack;	/* kept for the life of the process */
	struct sigaction sa;
	stack_t ss;
	size_t i;

	if (altstack != NULL)
		return;
	ss.ss_size = SIGSTKSZ > 65536 ? SIGSTKSZ : 65536;
	ss.ss_flags = 0;
	if ((ss.ss_sp = altstack = malloc(ss.ss_size)) == NULL)
		log_warnx("no stack for the crash handlers: out of memory");
	else if (sigaltstack(&ss, NULL) < 0)
		log_warn("sigaltstack");
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND | SA_ONSTACK;
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
	sa.sa_handler = on_tick;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
}

/* Starts the clock of one message: a tick a second, and the deadline. */
static void
guard_start(struct bpt_ctx *ctx)
{
	struct itimerval it;

	guard_install();
	guard_fd = -1;
	guard_ticks = 0;
	memset(&guard_deadline, 0, sizeof(guard_deadline));
	if (ctx->cfg->limits.parse_timeout > 0 &&
	    clock_gettime(CLOCK_MONOTONIC, &guard_deadline) == 0)
		guard_deadline.tv_sec += ctx->cfg->limits.parse_timeout;
	it.it_value.tv_sec = it.it_interval.tv_sec = 1;
	it.it_value.tv_usec = it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
}

/* Committed (or failed cleanly): delivery runs without a clock. */
static void
guard_stop(void)
{
	struct itimerval it;

	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	guard_fd = -1;
}

/* Delivers what a committed message queued; never changes the exit code. */
static void
deliver(struct bpt_ctx *ctx, const struct ingest_opts *io, struct ingest_result *r)
{
	if (io->deliver && ingest_deliver(ctx, r) != BPT_OK)
		log_warnx("message %lld stored; delivery left for bpt-send: %s",
		    r->message, ctx->errmsg);
}

/* What the MTA learns: one line on stderr for its log, and the code. */
static int
report_result(struct bpt_ctx *ctx, const struct ingest_result *r, enum bpt_status st)
{
	if (st != BPT_OK)
		return cmd_fail(ctx);
	if (r->incident)
		log_info("message %lld: %s (%s), incident #%lld, %lld copies queued, "
		    "%lld sent, %lld deferred", r->message, r->class,
		    r->why ? r->why : "-", r->incident, r->copies, r->sent.sent,
		    r->sent.deferred);
	else
		log_info("message %lld: %s (%s)", r->message, r->class,
		    r->why ? r->why : "-");
	return EX_OK;
}

static int
cmd_stdin(struct bpt_ctx *ctx, const struct opts *o)
{
	struct ingest_opts io;
	struct ingest_result r;
	struct buf raw = BUF_INIT;
	enum bpt_status st;
	int rc;

	memset(&io, 0, sizeof(io));
	io.envelope_from = o->sender;
	io.envelope_to = o->recipient;
	io.deliver = o->deliver;
	io.guard = &guard_fd;
	guard_start(ctx);
	st = fio_read_fd(ctx, 0, (size_t)ctx->cfg->policy.max_message_size, &raw,
	    &io.truncated, &io.total);
	if (st != BPT_OK) {
		guard_stop();
		buf_release(&raw);
		/* nothing stored: the MTA must keep the mail */
		if (st == BPT_EIO)
			ctx->err = BPT_ETEMP;
		return cmd_fail(ctx);
	}
	st = ingest_message(ctx, buf_str(&raw), raw.len, &io, &r);
	guard_stop();
	if (st == BPT_OK)
		deliver(ctx, &io, &r);
	rc = report_result(ctx, &r, st);
	buf_release(&raw);
	return rc;
}

/* Moves new/NAME to cur/NAME:2, after its commit. */
static enum bpt_status
maildir_done(struct bpt_ctx *ctx, const char *dir, const char *name)
{
	struct buf from = BUF_INIT, to = BUF_INIT, cur = BUF_INIT;
	enum bpt_status st = BPT_OK;

	buf_addf(&from, "%s/new/%s", dir, name);
	buf_addf(&cur, "%s/cur", dir);
	buf_addf(&to, "%s/cur/%s%s", dir, name, strchr(name, ':') ? "" : ":2,S");
	if (buf_failed(&from) || buf_failed(&to) || buf_failed(&cur))
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
	else if (rename(from.buf, to.buf) < 0)
		st = bpt_err(ctx, BPT_EIO, "rename '%s': %s", from.buf, strerror(errno));
	else
		st = fio_fsync_dir(ctx, cur.buf);
	buf_release(&from);
	buf_release(&to);
	buf_release(&cur);
	return st;
}

/* fetch --imap: each message of the mailbox as if the MTA piped it. */
static enum bpt_status
imap_take(struct bpt_ctx *ctx, void *arg, const char *raw, size_t len,
    size_t total, int truncated)
{
	const struct opts *o = arg;
	struct ingest_opts io;
	struct ingest_result r;
	enum bpt_status st;

	memset(&io, 0, sizeof(io));
	io.deliver = o->deliver;
	io.total = total;
	io.truncated = truncated;
	io.guard = &guard_fd;
	guard_start(ctx);
	st = ingest_message(ctx, raw, len, &io, &r);
	guard_stop();
	if (st == BPT_OK) {
		deliver(ctx, &io, &r);
		report_result(ctx, &r, st);
	}
	return st;
}

static int
fetch_imap(struct bpt_ctx *ctx, const struct opts *o)
{
	struct imap_fetch_opts io = { o->once, imap_take, (void *)o };
	struct imap_fetch_stats stats;
	enum bpt_status st;

	st = imap_fetch(ctx, &io, &stats);
	log_info("fetch: %lld messages", stats.taken);
	return st == BPT_OK ? EX_OK : cmd_fail(ctx);
}

static int
cmd_fetch(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct buf path = BUF_INIT;
	struct dirent *de;
	DIR *d;
	int worst = EX_OK, done = 0;

	(void)argc;
	(void)argv;
	if (o->imap && o->maildir == NULL)
		return fetch_imap(ctx, o);
	if (o->maildir == NULL || o->imap || o->once) {
		fprintf(stderr, "%s: fetch needs --maildir DIR or --imap\n", progname);
		usage(stderr);
		return EX_USAGE;
	}
	buf_addf(&path, "%s/new", o->maildir);
	if ((d = opendir(buf_str(&path))) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", progname, buf_str(&path), strerror(errno));
		buf_release(&path);
		return EX_NOINPUT;
	}
	while ((de = readdir(d)) != NULL) {
		struct ingest_opts io;
		struct ingest_result r;
		struct buf raw = BUF_INIT;
		enum bpt_status st;
		struct stat sb;
		int fd, rc;

		if (de->d_name[0] == '.')
			continue;
		buf_reset(&path);
		buf_addf(&path, "%s/new/%s", o->maildir, de->d_name);
		memset(&io, 0, sizeof(io));
		io.deliver = o->deliver;
		io.guard = &guard_fd;
		guard_start(ctx);
		/*
		 * A mail is a regular file.  A FIFO must not stop the run, and
		 * a symbolic link is not followed: run as root, a link to
		 * /etc/shadow would put that file in the store.
		 */
		st = fio_open_regular(ctx, buf_str(&path), FIO_NOFOLLOW, &fd, &sb);
		if (st != BPT_OK) {
			guard_stop();
			fprintf(stderr, "%s: %s; skipped\n", progname, ctx->errmsg);
			if (worst == EX_OK)
				worst = st == BPT_EDATA ? EX_DATAERR : EX_IOERR;
			continue;
		}
		st = fio_read_fd(ctx, fd, (size_t)ctx->cfg->policy.max_message_size,
		    &raw, &io.truncated, &io.total);
		close(fd);
		if (st == BPT_OK)
			st = ingest_message(ctx, buf_str(&raw), raw.len, &io, &r);
		guard_stop();
		if (st == BPT_OK)
			deliver(ctx, &io, &r);
		buf_release(&raw);
		if (st == BPT_OK)
			st = maildir_done(ctx, o->maildir, de->d_name);
		rc = st == BPT_OK ? report_result(ctx, &r, st) : cmd_fail(ctx);
		if (rc != EX_OK && (worst == EX_OK || rc == EX_TEMPFAIL))
			worst = rc;
		done++;
	}
	closedir(d);
	buf_release(&path);
	log_info("fetch: %d messages", done);
	return worst;
}

/* Prints through a new printer; a failed write is an I/O error. */
static int
print_done(struct bpt_ctx *ctx, struct printer *p, enum bpt_status st)
{
	if (pr_free(p) < 0 && st == BPT_OK)
		st = bpt_err(ctx, BPT_EIO, "stdout: %s", strerror(errno));
	return st == BPT_OK ? EX_OK : cmd_fail(ctx);
}

static int
cmd_list(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct incident_filter f = { o->status, o->needs_outcome };
	struct printer *p;

	(void)argc;
	(void)argv;
	if (o->status && strcmp(o->status, "open") != 0 && strcmp(o->status, "closed") != 0) {
		fprintf(stderr, "%s: --status must be open or closed\n", progname);
		return EX_USAGE;
	}
	if ((p = cmd_printer(ctx, o->fmt)) == NULL)
		return EX_TEMPFAIL;
	return print_done(ctx, p, view_incidents(ctx, p, &f));
}

static int
cmd_show(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct printer *p;
	char *end;
	long long n;

	(void)argc;
	errno = 0;
	n = strtoll(argv[0], &end, 10);
	if (*argv[0] == '\0' || *end != '\0' || errno || n <= 0) {
		fprintf(stderr, "%s: show needs an incident number\n", progname);
		return EX_USAGE;
	}
	if ((p = cmd_printer(ctx, o->fmt)) == NULL)
		return EX_TEMPFAIL;
	return print_done(ctx, p, view_incident(ctx, p, n));
}

/*
 * A --from or --to date in the group's zone tz; a plain date --to
 * means the end of that day (the start of the next, a day of 23 or 25
 * hours included).
 */
static int
period_end(const char *tz, const char *s, int end, time_t *t)
{
	if ((*t = util_parse_date(tz, s)) == (time_t)-1)
		return -1;
	if (end && strlen(s) == 10) {
		struct tm tm;
		char next[16];

		memset(&tm, 0, sizeof(tm));
		if (strptime(s, "%Y-%m-%d", &tm) == NULL)
			return -1;
		tm.tm_mday++;
		tm.tm_hour = 12;	/* normalised by timegm(): no zone involved */
		if (timegm(&tm) == (time_t)-1 ||
		    strftime(next, sizeof(next), "%Y-%m-%d", &tm) == 0 ||
		    (*t = util_parse_date(tz, next)) == (time_t)-1)
			return -1;
	}
	return 0;
}

static int
cmd_stats(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct stats_report r;
	struct printer *p;
	enum bpt_status st;
	time_t from = 0, to = 0;

	(void)argc;
	(void)argv;
	if ((o->from && period_end(cfg_timezone(ctx->cfg), o->from, 0, &from) < 0) ||
	    (o->to && period_end(cfg_timezone(ctx->cfg), o->to, 1, &to) < 0)) {
		fprintf(stderr, "%s: bad date '%s': write it as YYYY-MM-DD\n", progname,
		    o->from && from == (time_t)-1 ? o->from : o->to);
		return EX_USAGE;
	}
	if ((st = stats_compute(ctx, from, to, &r)) != BPT_OK)
		return cmd_fail(ctx);
	if ((p = cmd_printer(ctx, o->fmt)) == NULL) {
		stats_report_release(&r);
		return EX_TEMPFAIL;
	}
	view_stats(p, &r);
	stats_report_release(&r);
	return print_done(ctx, p, BPT_OK);
}

/* A quarantined message, processed as if it had just come in. */
static int
cmd_release_message(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct ingest_opts io;
	struct ingest_result r;
	enum bpt_status st;
	char *end;
	long long id;

	(void)argc;
	errno = 0;
	id = strtoll(argv[0], &end, 10);
	if (*argv[0] == '\0' || *end != '\0' || errno || id <= 0) {
		fprintf(stderr, "%s: release needs a message id\n", progname);
		return EX_USAGE;
	}
	memset(&io, 0, sizeof(io));
	io.deliver = o->deliver;
	io.guard = &guard_fd;
	guard_start(ctx);
	st = ingest_release(ctx, id, &io, &r);
	guard_stop();
	if (st == BPT_OK)
		deliver(ctx, &io, &r);
	return report_result(ctx, &r, st);
}

/* A hold's number, or -1 (with a message). */
static long long
hold_id(const char *s, const char *cmd)
{
	char *end;
	long long id;

	errno = 0;
	id = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno || id <= 0) {
		fprintf(stderr, "%s: %s needs the number of a held message\n",
		    progname, cmd);
		return -1;
	}
	return id;
}

/* The moderation queue: what waits for an admin. */
static int
cmd_held(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct actor a;
	struct printer *p;
	int rc;

	(void)argc;
	(void)argv;
	memset(&a, 0, sizeof(a));
	if (actor_check(ctx, o->as, actor_login_name(), &a) != BPT_OK)
		return cmd_fail(ctx);
	actor_release(&a);
	if ((p = cmd_printer(ctx, o->fmt)) == NULL)
		return EX_TEMPFAIL;
	rc = print_done(ctx, p, view_holds(ctx, p, o->all));
	return rc;
}

/* An admin lets a held message through: it goes out as if just in. */
static int
cmd_approve(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct ingest_opts io;
	struct ingest_result r;
	struct actor a;
	enum bpt_status st;
	long long id;

	(void)argc;
	if ((id = hold_id(argv[0], "approve")) < 0)
		return EX_USAGE;
	memset(&a, 0, sizeof(a));
	if (actor_check(ctx, o->as, actor_login_name(), &a) != BPT_OK)
		return cmd_fail(ctx);
	memset(&io, 0, sizeof(io));
	io.deliver = o->deliver;
	st = hold_approve(ctx, id, a.email, o->deliver, NULL, &r);
	if (st == BPT_OK)
		deliver(ctx, &io, &r);
	actor_release(&a);
	return report_result(ctx, &r, st);
}

/* An admin refuses a held message; its sender is told. */
static int
cmd_reject(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	char runner[OUTBOX_RUNNER_MAX];
	struct outbox_stats stats;
	struct actor a;
	enum bpt_status st;
	long long id;

	(void)argc;
	if ((id = hold_id(argv[0], "reject")) < 0)
		return EX_USAGE;
	memset(&a, 0, sizeof(a));
	if (actor_check(ctx, o->as, actor_login_name(), &a) != BPT_OK)
		return cmd_fail(ctx);
	outbox_runner(runner);
	st = hold_reject(ctx, id, a.email, o->reason, o->deliver ? runner : NULL);
	actor_release(&a);
	if (st != BPT_OK)
		return cmd_fail(ctx);
	log_info("held message %lld rejected", id);
	if (o->deliver && outbox_deliver_claimed(ctx, runner, &stats) != BPT_OK)
		log_warnx("delivery left for bpt-send: %s", ctx->errmsg);
	return EX_OK;
}

/*
 * One stored message for an admin or coordinator: it may hold a
 * resident's private details, so who asks is checked (77 otherwise)
 * and recorded.
 */
static int
cmd_message(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct msgshow m;
	struct printer *p;
	struct actor a;
	enum bpt_status st;
	char *end;
	long long id;
	int rc;

	(void)argc;
	errno = 0;
	id = strtoll(argv[0], &end, 10);
	if (*argv[0] == '\0' || *end != '\0' || errno || id <= 0) {
		fprintf(stderr, "%s: message needs a message id\n", progname);
		return EX_USAGE;
	}
	if (o->raw + o->text + o->fmt_set > 1) {
		fprintf(stderr, "%s: --raw, --text and --format exclude each other\n",
		    progname);
		return EX_USAGE;
	}
	if (actor_check(ctx, o->as, actor_login_name(), &a) != BPT_OK)
		return cmd_fail(ctx);
	actor_release(&a);
	if ((st = msgshow_get(ctx, id, &m)) != BPT_OK) {
		msgshow_release(&m);
		return cmd_fail(ctx);
	}
	if (o->raw || o->text) {
		if (o->raw)
			rc = view_message_raw(stdout, &m);
		else
			rc = fputs(message_text(&m), stdout) < 0 || fflush(stdout) != 0 ? -1 : 0;
		msgshow_release(&m);
		if (rc < 0) {
			bpt_err(ctx, BPT_EIO, "stdout: %s", strerror(errno));
			return cmd_fail(ctx);
		}
		return EX_OK;
	}
	if ((p = cmd_printer(ctx, o->fmt)) == NULL) {
		msgshow_release(&m);
		return EX_TEMPFAIL;
	}
	view_message(p, &m);
	msgshow_release(&m);
	return print_done(ctx, p, BPT_OK);
}

/* The subcommands, as notmuch's commands[]: name, function, arguments. */
struct command {
	const char *name;
	int (*fn)(struct bpt_ctx *, const struct opts *, int, char **);
	int min_args, max_args;
	const char *args;	/* what the arguments are, for errors */
};

static const struct command commands[] = {
	{ "approve", cmd_approve, 1, 1, "the number of a held message" },
	{ "fetch", cmd_fetch, 0, 0, NULL },
	{ "held", cmd_held, 0, 0, NULL },
	{ "reject", cmd_reject, 1, 1, "the number of a held message" },
	{ "list", cmd_list, 0, 0, NULL },
	{ "show", cmd_show, 1, 1, "an incident number" },
	{ "release", cmd_release_message, 1, 1, "a message id" },
	{ "message", cmd_message, 1, 1, "a message id" },
	{ "stats", cmd_stats, 0, 0, NULL },
};

static const struct command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int
main(int argc, char *argv[])
{
	enum { OPT_FORMAT = 256, OPT_NO_DELIVER, OPT_MAILDIR, OPT_STATUS, OPT_AS,
	    OPT_FROM, OPT_TO, OPT_NEEDS_OUTCOME, OPT_IMAP, OPT_ONCE, OPT_REASON,
	    OPT_ALL, OPT_RAW, OPT_TEXT };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "sender", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "recipient", required_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "as", required_argument, NULL, OPT_AS },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "imap", no_argument, NULL, OPT_IMAP },
		{ "maildir", required_argument, NULL, OPT_MAILDIR },
		{ "needs-outcome", no_argument, NULL, OPT_NEEDS_OUTCOME },
		{ "no-deliver", no_argument, NULL, OPT_NO_DELIVER },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "raw", no_argument, NULL, OPT_RAW },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "text", no_argument, NULL, OPT_TEXT },
		{ "to", required_argument, NULL, OPT_TO },
		{ NULL, 0, NULL, 0 },
	};
	struct bpt_ctx ctx = BPT_CTX_INIT;
	const struct command *cmd = NULL;
	struct opts o;
	const char *sub;
	int ch, rc, nargs;

	memset(&o, 0, sizeof(o));
	o.deliver = 1;
	o.fmt = PR_TEXT;
	while ((ch = getopt_long(argc, argv, "c:f:hr:vV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.config = optarg;
			break;
		case 'f':
			o.sender = optarg;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		case 'r':
			o.recipient = optarg;
			break;
		case 'v':
			o.verbose++;
			break;
		case 'V':
			return cmd_version(progname);
		case OPT_ALL:
			o.all = 1;
			break;
		case OPT_AS:
			o.as = optarg;
			break;
		case OPT_FORMAT:
			if (pr_parse_format(optarg, &o.fmt) < 0) {
				fprintf(stderr, "%s: --format must be text, tsv or json\n",
				    progname);
				return EX_USAGE;
			}
			o.fmt_set = 1;
			break;
		case OPT_FROM:
			o.from = optarg;
			break;
		case OPT_IMAP:
			o.imap = 1;
			break;
		case OPT_MAILDIR:
			o.maildir = optarg;
			break;
		case OPT_NEEDS_OUTCOME:
			o.needs_outcome = 1;
			break;
		case OPT_NO_DELIVER:
			o.deliver = 0;
			break;
		case OPT_ONCE:
			o.once = 1;
			break;
		case OPT_REASON:
			o.reason = optarg;
			break;
		case OPT_RAW:
			o.raw = 1;
			break;
		case OPT_TEXT:
			o.text = 1;
			break;
		case OPT_STATUS:
			o.status = optarg;
			break;
		case OPT_TO:
			o.to = optarg;
			break;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	sub = optind < argc ? argv[optind] : NULL;
	/* run by an MTA: log to syslog, and still tell the MTA on stderr */
	log_init(progname, isatty(2) || o.verbose);
	log_set_stderr(1);
	log_set_verbose(o.verbose);
	if (sub != NULL && (cmd = find_command(sub)) == NULL) {
		fprintf(stderr, "%s: unknown command '%s'\n", progname, sub);
		usage(stderr);
		return EX_USAGE;
	}
	nargs = sub != NULL ? argc - optind - 1 : argc - optind;
	if (cmd != NULL && nargs < cmd->min_args) {
		fprintf(stderr, "%s: %s needs %s\n", progname, sub, cmd->args);
		usage(stderr);
		return EX_USAGE;
	}
	if (nargs > (cmd != NULL ? cmd->max_args : 0)) {
		fprintf(stderr, "%s: too many arguments\n", progname);
		usage(stderr);
		return EX_USAGE;
	}
	if ((o.raw || o.text) && (cmd == NULL || strcmp(cmd->name, "message") != 0)) {
		fprintf(stderr, "%s: --raw and --text apply to message only\n", progname);
		usage(stderr);
		return EX_USAGE;
	}
	if (((o.from || o.to) && (cmd == NULL || strcmp(cmd->name, "stats") != 0)) ||
	    (o.needs_outcome && (cmd == NULL || strcmp(cmd->name, "list") != 0))) {
		fprintf(stderr, "%s: %s applies to %s only\n", progname,
		    o.needs_outcome ? "--needs-outcome" : "--from/--to",
		    o.needs_outcome ? "list" : "stats");
		usage(stderr);
		return EX_USAGE;
	}
	if ((o.reason && (cmd == NULL || strcmp(cmd->name, "reject") != 0)) ||
	    (o.all && (cmd == NULL || strcmp(cmd->name, "held") != 0))) {
		fprintf(stderr, "%s: %s applies to %s only\n", progname,
		    o.reason ? "--reason" : "--all", o.reason ? "reject" : "held");
		usage(stderr);
		return EX_USAGE;
	}
	/* reading mail: never bounce a resident's alert for an admin's typo */
	if ((cmd == NULL || strcmp(cmd->name, "fetch") == 0 ?
	    cmd_setup_mail(&ctx, o.config, o.as) :
	    cmd_setup(&ctx, o.config, o.as, 1)) != BPT_OK) {
		rc = cmd_fail(&ctx);
		cmd_release(&ctx);
		return rc;
	}
	if (cmd == NULL)
		rc = cmd_stdin(&ctx, &o);
	else
		rc = cmd->fn(&ctx, &o, nargs, argv + optind + 1);
	cmd_release(&ctx);
	return rc;
}
