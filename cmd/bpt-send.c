/*
 * bpt-send - delivers what is due in the outbox: retries after a relay
 * outage, copies whose runner died.  Safe to run from cron every minute
 * beside other bpt-send and bpt-report runs.
 */
#include "bptconf.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmdutil.h"
#include "log.h"
#include "hold.h"
#include "outbox.h"
#include "printer.h"
#include "store.h"
#include "views.h"
#include "watch.h"

static const char *progname = "bpt-send";

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: %s [-v] [-c file]\n"
	    "       %s [-c file] [--format text|tsv|json] --queue\n"
	    "       %s --help | --version\n", progname, progname, progname);
}

int
main(int argc, char *argv[])
{
	enum { OPT_FORMAT = 256, OPT_AS };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "queue", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "as", required_argument, NULL, OPT_AS },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ NULL, 0, NULL, 0 },
	};
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct outbox_stats stats;
	enum pr_format fmt = PR_TEXT;
	const char *config = NULL, *as = NULL;
	int ch, queue = 0, verbose = 0, rc;
	enum bpt_status st;

	while ((ch = getopt_long(argc, argv, "c:hqvV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		case 'q':
			queue = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			return cmd_version(progname);
		case OPT_AS:
			as = optarg;
			break;
		case OPT_FORMAT:
			if (pr_parse_format(optarg, &fmt) < 0) {
				fprintf(stderr, "%s: --format must be text, tsv or json\n",
				    progname);
				return EX_USAGE;
			}
			break;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	log_init(progname, isatty(2) || verbose);
	log_set_stderr(1);
	log_set_verbose(verbose);
	if (cmd_setup_mail(&ctx, config, as) != BPT_OK) {
		rc = cmd_fail(&ctx);
		cmd_release(&ctx);
		return rc;
	}
	if (queue) {
		struct printer *p = cmd_printer(&ctx, fmt);

		if (p == NULL) {
			cmd_release(&ctx);
			return EX_TEMPFAIL;
		}
		st = view_queue(&ctx, p);
		if (pr_free(p) < 0 && st == BPT_OK)
			st = bpt_err(&ctx, BPT_EIO, "stdout: %s", strerror(errno));
	} else {
		struct watch_result w;
		char runner[OUTBOX_RUNNER_MAX];
		long long expired = 0;

		/* held messages past policy.hold_expiry: their senders are
		 * told, and those notices go out in this run */
		st = hold_expire(&ctx, NULL, &expired);
		if (st == BPT_OK && expired > 0)
			log_info("%lld held messages expired", expired);
		if (st == BPT_OK)
			st = outbox_run(&ctx, &stats);
		if (st == BPT_OK)
			log_info("%lld sent, %lld deferred, %lld failed, %lld dropped",
			    stats.sent, stats.deferred, stats.failed, stats.dropped);
		/* then tell who did not get what, and send those notices now */
		outbox_runner(runner);
		if (st == BPT_OK && (st = watch_run(&ctx, runner, &w)) == BPT_OK &&
		    w.undelivered + w.failed > 0) {
			log_info("%lld alerts not at every member, %lld copies failed: "
			    "notices queued", w.undelivered, w.failed);
			st = outbox_deliver_claimed(&ctx, runner, &stats);
		}
	}
	/* off the alert path: keep the WAL small */
	if (st == BPT_OK && !queue)
		st = store_checkpoint(&ctx, ctx.store);
	rc = st == BPT_OK ? EX_OK : cmd_fail(&ctx);
	cmd_release(&ctx);
	return rc;
}
