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
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "cmdutil.h"
#include "config.h"
#include "fileio.h"
#include "imap.h"
#include "incident.h"
#include "ingest.h"
#include "log.h"
#include "printer.h"
#include "store.h"

static const char *progname = "bpt-report";

struct opts {
	const char *config;
	const char *as;
	const char *sender;
	const char *recipient;
	const char *maildir;
	const char *status;
	enum pr_format fmt;
	int deliver;
	int verbose;
	int imap;		/* fetch --imap */
	int once;		/* fetch --imap --once */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: %s [-v] [-c file] [-f sender] [-r recipient] [--no-deliver] < message\n"
	    "       %s [-c file] fetch --maildir dir | --imap [--once]\n"
	    "       %s [-c file] [--format text|tsv|json] list [--status open|closed]\n"
	    "       %s [-c file] [--format text|tsv|json] show number\n"
	    "       %s --help | --version\n",
	    progname, progname, progname, progname, progname);
}

/*
 * A run that does not reach its commit in limits.parse_timeout (a mail
 * that hangs the parser) ends with 75 before the MTA kills it: the MTA
 * retries, and the run counts as unfinished, so the mail is quarantined
 * after limits.parse_attempts of them.
 */
static void
on_alarm(int sig)
{
	static const char msg[] = "bpt-report: no commit within limits.parse_timeout; "
	    "the MTA will retry\n";
	ssize_t n;

	(void)sig;
	n = write(2, msg, sizeof(msg) - 1);
	(void)n;
	_exit(EX_TEMPFAIL);
}

/* Ingests one message under the timeout, then delivers its copies. */
static enum bpt_status
run_one(struct bpt_ctx *ctx, const char *raw, size_t len,
    const struct ingest_opts *io, struct ingest_result *r)
{
	struct sigaction sa;
	enum bpt_status st;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned)ctx->cfg->limits.parse_timeout);
	st = ingest_message(ctx, raw, len, io, r);
	alarm(0);
	/* committed: what the relay does next does not change the exit code */
	if (st == BPT_OK && io->deliver && ingest_deliver(ctx, r) != BPT_OK)
		log_warnx("message %lld stored; delivery left for bpt-send: %s",
		    r->message, ctx->errmsg);
	return st;
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
	st = fio_read_fd(ctx, 0, (size_t)ctx->cfg->policy.max_message_size, &raw,
	    &io.truncated, &io.total);
	if (st != BPT_OK) {
		buf_release(&raw);
		/* nothing stored: the MTA must keep the mail */
		if (st == BPT_EIO)
			ctx->err = BPT_ETEMP;
		return cmd_fail(ctx);
	}
	st = run_one(ctx, buf_str(&raw), raw.len, &io, &r);
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
	st = run_one(ctx, raw, len, &io, &r);
	if (st == BPT_OK)
		report_result(ctx, &r, st);
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
		int fd, rc;

		if (de->d_name[0] == '.')
			continue;
		buf_reset(&path);
		buf_addf(&path, "%s/new/%s", o->maildir, de->d_name);
		memset(&io, 0, sizeof(io));
		io.deliver = o->deliver;
		fd = open(buf_str(&path), O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "%s: %s: %s\n", progname, buf_str(&path),
			    strerror(errno));
			worst = EX_IOERR;
			continue;
		}
		st = fio_read_fd(ctx, fd, (size_t)ctx->cfg->policy.max_message_size,
		    &raw, &io.truncated, &io.total);
		close(fd);
		if (st == BPT_OK)
			st = run_one(ctx, buf_str(&raw), raw.len, &io, &r);
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

static int
cmd_list(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct printer *p;
	enum bpt_status st;

	(void)argc;
	(void)argv;
	if (o->status && strcmp(o->status, "open") != 0 && strcmp(o->status, "closed") != 0) {
		fprintf(stderr, "%s: --status must be open or closed\n", progname);
		return EX_USAGE;
	}
	if ((p = pr_new(stdout, o->fmt)) == NULL)
		return EX_TEMPFAIL;
	st = incident_list(ctx, p, o->status);
	if (pr_free(p) < 0 && st == BPT_OK)
		st = bpt_err(ctx, BPT_EIO, "stdout: %s", strerror(errno));
	return st == BPT_OK ? EX_OK : cmd_fail(ctx);
}

static int
cmd_show(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct printer *p;
	enum bpt_status st;
	char *end;
	long long n;

	(void)argc;
	errno = 0;
	n = strtoll(argv[0], &end, 10);
	if (*argv[0] == '\0' || *end != '\0' || errno || n <= 0) {
		fprintf(stderr, "%s: show needs an incident number\n", progname);
		return EX_USAGE;
	}
	if ((p = pr_new(stdout, o->fmt)) == NULL)
		return EX_TEMPFAIL;
	st = incident_show(ctx, p, n);
	if (pr_free(p) < 0 && st == BPT_OK)
		st = bpt_err(ctx, BPT_EIO, "stdout: %s", strerror(errno));
	return st == BPT_OK ? EX_OK : cmd_fail(ctx);
}

/* The subcommands, as notmuch's commands[]: name, function, arguments. */
struct command {
	const char *name;
	int (*fn)(struct bpt_ctx *, const struct opts *, int, char **);
	int min_args, max_args;
	const char *args;	/* what the arguments are, for errors */
};

static const struct command commands[] = {
	{ "fetch", cmd_fetch, 0, 0, NULL },
	{ "list", cmd_list, 0, 0, NULL },
	{ "show", cmd_show, 1, 1, "an incident number" },
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
		OPT_IMAP, OPT_ONCE };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "sender", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "recipient", required_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "as", required_argument, NULL, OPT_AS },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "imap", no_argument, NULL, OPT_IMAP },
		{ "maildir", required_argument, NULL, OPT_MAILDIR },
		{ "no-deliver", no_argument, NULL, OPT_NO_DELIVER },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "status", required_argument, NULL, OPT_STATUS },
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
		case OPT_AS:
			o.as = optarg;
			break;
		case OPT_FORMAT:
			if (pr_parse_format(optarg, &o.fmt) < 0) {
				fprintf(stderr, "%s: --format must be text, tsv or json\n",
				    progname);
				return EX_USAGE;
			}
			break;
		case OPT_IMAP:
			o.imap = 1;
			break;
		case OPT_MAILDIR:
			o.maildir = optarg;
			break;
		case OPT_NO_DELIVER:
			o.deliver = 0;
			break;
		case OPT_ONCE:
			o.once = 1;
			break;
		case OPT_STATUS:
			o.status = optarg;
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
	if (cmd_setup(&ctx, o.config, o.as, 1) != BPT_OK) {
		rc = cmd_fail(&ctx);
		bpt_ctx_release(&ctx);
		return rc;
	}
	if (cmd == NULL)
		rc = cmd_stdin(&ctx, &o);
	else
		rc = cmd->fn(&ctx, &o, nargs, argv + optind + 1);
	bpt_ctx_release(&ctx);
	return rc;
}
