/*
 * bpt-close - ends incidents, records what came of them, and reminds
 * the admins of outcomes still missing.  Run by an admin, and by cron
 * for --idle (hourly) and --remind (daily).
 */
#include "bptconf.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "actor.h"
#include "close.h"
#include "cmdutil.h"
#include "config.h"
#include "hold.h"
#include "incident.h"
#include "log.h"
#include "outbox.h"
#include "printer.h"
#include "views.h"

static const char *progname = "bpt-close";

/* The actor of what cron does, in the audit trail. */
#define ACTOR_CRON "cron"

enum mode { M_CLOSE, M_REOPEN, M_OUTCOME, M_IDLE, M_REMIND };

struct opts {
	const char *config;
	const char *as;
	const char *reason;
	const char *outcome;
	const char *result;
	const char *idle;	/* --idle=DURATION, or NULL */
	enum mode mode;
	int modes;		/* how many modes were asked for */
	enum pr_format fmt;
	int dry_run;
	int deliver;
	int verbose;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: %s [-nv] [-c file] [--as email] [--format text|tsv|json]\n"
	    "           [--no-deliver] [--reason text] number\n"
	    "       %s [-nv] [-c file] [--as email] [--format text|tsv|json]\n"
	    "           [--no-deliver] --reopen number\n"
	    "       %s [-nv] [-c file] [--as email] [--format text|tsv|json]\n"
	    "           [--no-deliver] --outcome text\n"
	    "           [--result arrest|police|prevented|nothing|unknown] number\n"
	    "       %s [-nv] [-c file] [--format text|tsv|json] [--no-deliver]\n"
	    "           --idle [duration]\n"
	    "       %s [-nv] [-c file] [--format text|tsv|json] [--no-deliver]\n"
	    "           --remind\n"
	    "       %s --help | --version\n",
	    progname, progname, progname, progname, progname, progname);
}

static int
usage_error(const char *msg)
{
	fprintf(stderr, "%s: %s\n", progname, msg);
	usage(stderr);
	return EX_USAGE;
}

static int
parse_number(const char *s, long long *n)
{
	char *end;

	errno = 0;
	*n = strtoll(s, &end, 10);
	return *s != '\0' && *end == '\0' && errno == 0 && *n > 0 ? 0 : -1;
}

/* One line on stderr for each incident nothing was done to. */
static void
notes(const struct close_run *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct close_item *it = &r->items[i];

		if (strcmp(it->action, "none") == 0)
			fprintf(stderr, "%s: incident #%lld: %s; nothing sent\n",
			    progname, it->number, it->why ? it->why : "nothing to do");
		else
			log_info("incident #%lld: %s%s, %lld recipients", it->number,
			    it->action, r->dry_run ? " (dry run)" : "", it->recipients);
	}
}

/* Runs the mode of o on ctx into r. */
static enum bpt_status
run(struct bpt_ctx *ctx, const struct opts *o, long long number, long idle,
    struct close_run *r)
{
	switch (o->mode) {
	case M_CLOSE:
		return close_incident(ctx, r, number, o->reason);
	case M_REOPEN:
		return close_reopen(ctx, r, number);
	case M_OUTCOME:
		return close_outcome(ctx, r, number, o->outcome,
		    incident_result_parse(o->result ? o->result : "unknown"));
	case M_IDLE:
		return close_idle(ctx, r, idle);
	case M_REMIND:
		return close_remind(ctx, r);
	}
	return bpt_err(ctx, BPT_EINTERNAL, "unknown mode");
}

static void
set_mode(struct opts *o, enum mode m)
{
	if (o->modes == 0 || o->mode != m)
		o->modes++;
	o->mode = m;
}

/* Checks the combination of options and the arguments left in argv. */
static int
check_usage(struct opts *o, int argc, char **argv, long long *number, long *idle)
{
	int want = o->mode == M_CLOSE || o->mode == M_REOPEN || o->mode == M_OUTCOME;

	if (o->modes > 1)
		return usage_error("give one of --reopen, --outcome, --idle and --remind");
	if (o->reason && o->mode != M_CLOSE)
		return usage_error("--reason goes with closing an incident");
	if (o->result && o->mode != M_OUTCOME)
		return usage_error("--result goes with --outcome");
	if (o->result && incident_result_parse(o->result) < 0)
		return usage_error("--result must be arrest, police, prevented, "
		    "nothing or unknown");
	if (o->as && !want)
		return usage_error("--as does not apply: cron acts for --idle and --remind");
	if (o->mode == M_IDLE) {
		const char *d = o->idle;

		if (argc > 1 || (d != NULL && argc > 0))
			return usage_error("--idle takes one duration");
		if (d == NULL && argc == 1)
			d = argv[0];
		if (d != NULL && (*idle = cfg_parse_duration(d)) < 0)
			return usage_error("bad duration for --idle (write a number and "
			    "s, m, h, d or w, e.g. 3h)");
		if (d == NULL)
			*idle = -1;
		return -1;
	}
	if (!want) {
		if (argc > 0)
			return usage_error("--remind takes no arguments");
		return -1;
	}
	if (argc != 1)
		return usage_error(argc == 0 ? "which incident? give its number" :
		    "too many arguments");
	if (parse_number(argv[0], number) < 0)
		return usage_error("the incident number must be a whole number above 0");
	return -1;
}

int
main(int argc, char *argv[])
{
	enum {
		OPT_AS = 256, OPT_FORMAT, OPT_IDLE, OPT_NO_DELIVER, OPT_OUTCOME,
		OPT_REASON, OPT_REMIND, OPT_REOPEN, OPT_RESULT
	};
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "as", required_argument, NULL, OPT_AS },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "idle", optional_argument, NULL, OPT_IDLE },
		{ "no-deliver", no_argument, NULL, OPT_NO_DELIVER },
		{ "outcome", required_argument, NULL, OPT_OUTCOME },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "remind", no_argument, NULL, OPT_REMIND },
		{ "reopen", no_argument, NULL, OPT_REOPEN },
		{ "result", required_argument, NULL, OPT_RESULT },
		{ NULL, 0, NULL, 0 },
	};
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct close_run r;
	struct actor a;
	struct opts o;
	struct printer *p;
	enum bpt_status st;
	long long number = 0;
	long idle = -1;
	int ch, rc;

	memset(&o, 0, sizeof(o));
	memset(&a, 0, sizeof(a));
	o.fmt = PR_TEXT;
	o.deliver = 1;
	o.mode = M_CLOSE;
	while ((ch = getopt_long(argc, argv, "c:hnvV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.config = optarg;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		case 'n':
			o.dry_run = 1;
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
			if (pr_parse_format(optarg, &o.fmt) < 0)
				return usage_error("--format must be text, tsv or json");
			break;
		case OPT_IDLE:
			set_mode(&o, M_IDLE);
			o.idle = optarg;
			break;
		case OPT_NO_DELIVER:
			o.deliver = 0;
			break;
		case OPT_OUTCOME:
			set_mode(&o, M_OUTCOME);
			o.outcome = optarg;
			break;
		case OPT_REASON:
			o.reason = optarg;
			break;
		case OPT_REMIND:
			set_mode(&o, M_REMIND);
			break;
		case OPT_REOPEN:
			set_mode(&o, M_REOPEN);
			break;
		case OPT_RESULT:
			o.result = optarg;
			break;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if ((rc = check_usage(&o, argc - optind, argv + optind, &number, &idle)) >= 0)
		return rc;
	log_init(progname, isatty(2) || o.verbose);
	log_set_stderr(1);
	log_set_verbose(o.verbose);
	/* what cron runs acts as cron; an admin's command as that admin */
	st = cmd_setup(&ctx, o.config, o.mode == M_IDLE || o.mode == M_REMIND ?
	    ACTOR_CRON : NULL, 1);
	if (st == BPT_OK && (o.mode == M_CLOSE || o.mode == M_REOPEN ||
	    o.mode == M_OUTCOME))
		st = actor_check(&ctx, o.as, actor_login_name(), &a);
	if (st != BPT_OK) {
		rc = cmd_fail(&ctx);
		goto out;
	}
	if (o.mode == M_IDLE && idle < 0)
		idle = ctx.cfg->followup.idle_close;
	/* the hourly run also expires held messages (policy.hold_expiry) */
	if (o.mode == M_IDLE && !o.dry_run) {
		char runner[OUTBOX_RUNNER_MAX];
		struct outbox_stats stats;
		long long expired = 0;

		outbox_runner(runner);
		if ((st = hold_expire(&ctx, o.deliver ? runner : NULL, &expired)) !=
		    BPT_OK) {
			rc = cmd_fail(&ctx);
			goto out;
		}
		if (expired > 0)
			log_info("%lld held messages expired", expired);
		if (expired > 0 && o.deliver &&
		    outbox_deliver_claimed(&ctx, runner, &stats) != BPT_OK)
			log_warnx("delivery left for bpt-send: %s", ctx.errmsg);
	}
	close_run_init(&r, o.dry_run, o.deliver, a.name);
	st = run(&ctx, &o, number, idle, &r);
	/*
	 * What was committed is delivered now, also when a later step
	 * failed; what the relay does does not change the exit code.
	 */
	{
		enum bpt_status err = ctx.err;
		char msg[sizeof(ctx.errmsg)];

		memcpy(msg, ctx.errmsg, sizeof(msg));
		if (close_deliver(&ctx, &r) != BPT_OK)
			log_warnx("delivery left for bpt-send: %s", ctx.errmsg);
		ctx.err = err;
		memcpy(ctx.errmsg, msg, sizeof(msg));
	}
	if (st != BPT_OK && r.n == 0) {
		rc = cmd_fail(&ctx);
	} else if ((p = cmd_printer(&ctx, o.fmt)) == NULL) {
		rc = EX_TEMPFAIL;
	} else {
		notes(&r);
		view_close_run(p, &r);
		rc = st == BPT_OK ? EX_OK : cmd_fail(&ctx);
		if (pr_free(p) < 0 && rc == EX_OK) {
			fprintf(stderr, "%s: cannot write the output: %s\n", progname,
			    strerror(errno));
			rc = EX_IOERR;
		}
	}
	close_run_release(&r);
out:
	actor_release(&a);
	cmd_release(&ctx);
	return rc;
}
