/*
 * bpt-export - the signed transcript of an incident for the police
 * file; --pending exports what cron should, --purge applies the
 * retention rules, --verify checks a transcript without the store.
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
#include "addr.h"
#include "buf.h"
#include "cmdutil.h"
#include "config.h"
#include "export.h"
#include "fileio.h"
#include "log.h"
#include "printer.h"
#include "purge.h"
#include "store.h"
#include "transcript.h"
#include "util.h"

static const char *progname = "bpt-export";

/* The actor of what cron does, in the records and the audit trail. */
#define ACTOR_CRON "cron"

enum mode { M_EXPORT, M_PENDING, M_PURGE, M_VERIFY };

struct opts {
	const char *config;
	const char *as;
	const char *format;
	const char *file;
	int dry_run;
	int force;
	int verbose;
	int modes;
	enum mode mode;
	enum export_format xf;	/* the transcript's format (M_EXPORT) */
	enum pr_format pf;	/* the report's format (other modes) */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: %s [-v] [-c file] [--as email] [--force]\n"
	    "           [--format eml|mbox|text|json] [-o file] number\n"
	    "       %s [-nv] [-c file] [--as email] [--format text|tsv|json] --pending\n"
	    "       %s [-nv] [-c file] [--as email] [--format text|tsv|json] --purge\n"
	    "       %s [-c file] [--format text|tsv|json] --verify [file]\n"
	    "       %s --help | --version\n",
	    progname, progname, progname, progname, progname);
}

static int
usage_error(const char *msg)
{
	fprintf(stderr, "%s: %s\n", progname, msg);
	usage(stderr);
	return EX_USAGE;
}

/* Flushes and frees p; a failed write is an I/O error. */
static int
finish(struct printer *p, int code)
{
	if (pr_free(p) < 0 && code == EX_OK) {
		fprintf(stderr, "%s: cannot write the output: %s\n", progname,
		    strerror(errno));
		return EX_IOERR;
	}
	return code;
}

/* A printer for the command's output; times in the group's zone when
 * the configuration is loaded (ctx may be NULL: UTC). */
static struct printer *
new_printer(const struct bpt_ctx *ctx, const struct opts *o)
{
	struct printer *p = pr_new(stdout, o->pf);

	if (p == NULL) {
		fprintf(stderr, "%s: out of memory\n", progname);
		exit(EX_TEMPFAIL);
	}
	if (ctx != NULL && ctx->cfg != NULL)
		pr_set_timezone(p, cfg_timezone(ctx->cfg));
	return p;
}

/* --- one incident ---------------------------------------------------------- */

static void
print_result(struct printer *p, const struct export_result *r,
    const struct opts *o)
{
	pr_kv_int(p, "incident", r->number);
	pr_kv_str(p, "format", export_format_str(o->xf));
	pr_kv_str(p, "to", r->recipient);
	pr_kv_int(p, "size", (long long)r->size);
	pr_kv_str(p, "sha256", r->sha256);
	pr_kv_str(p, "signer", *r->signer ? r->signer : NULL);
	pr_kv_str(p, "encrypted_to", *r->encrypted_to ? r->encrypted_to : NULL);
	pr_kv_int(p, "messages", r->info.messages);
	pr_kv_int(p, "originals", r->info.originals);
	pr_kv_int(p, "photos", r->info.photos);
	pr_kv_str(p, "chain_head", r->info.head);
	if (o->file == NULL) {
		pr_kv_int(p, "sent", r->sent.sent);
		pr_kv_int(p, "deferred", r->sent.deferred);
		pr_kv_int(p, "failed", r->sent.failed);
	}
}

static int
run_export(struct bpt_ctx *ctx, const struct opts *o, long long number)
{
	struct export_opts eo = {
		.format = o->xf, .file = o->file, .force = o->force,
		.interactive = isatty(0), .deliver = 1,
		/* "-o -": the transcript on standard output */
		.fd = o->file != NULL && strcmp(o->file, "-") == 0 ? 1 : -1,
	};
	struct export_result r;
	struct printer *p;

	if (export_incident(ctx, number, &eo, &r) != BPT_OK)
		return cmd_fail(ctx);
	/* the transcript itself went to standard output */
	if (o->file != NULL && strcmp(o->file, "-") == 0)
		return EX_OK;
	p = cmd_printer(ctx, PR_TEXT);
	if (p == NULL)
		return EX_TEMPFAIL;
	pr_object_begin(p, "export");
	print_result(p, &r, o);
	pr_object_end(p);
	return finish(p, EX_OK);
}

/* --- cron: pending exports ------------------------------------------------- */

static const struct pr_column pending_cols[] = {
	{ "incident", "#" }, { "result", "RESULT" }, { "to", "TO" },
	{ "size", "SIZE" }, { "sha256", "SHA256" }, { "error", "ERROR" },
};

struct pending_state {
	struct bpt_ctx *ctx;
	struct printer *p;
	int dry_run;
};

static int
pending_row(void *arg, enum bpt_status st, const struct export_result *r)
{
	struct pending_state *ps = arg;

	pr_row_begin(ps->p);
	pr_int(ps->p, r->number);
	pr_str(ps->p, st != BPT_OK ? "failed" : ps->dry_run ? "would export" :
	    "exported");
	pr_str(ps->p, r->recipient);
	pr_int(ps->p, (long long)r->size);
	pr_str(ps->p, st == BPT_OK ? r->sha256 : NULL);
	pr_str(ps->p, st == BPT_OK ? NULL : ps->ctx->errmsg);
	pr_row_end(ps->p);
	if (st != BPT_OK)
		log_warnx("incident #%lld: %s", r->number, ps->ctx->errmsg);
	return 0;
}

static int
run_pending(struct bpt_ctx *ctx, const struct opts *o)
{
	struct export_opts eo = {
		.format = EXPORT_EML, .fd = -1, .deliver = 1, .dry_run = o->dry_run,
	};
	struct pending_state ps = { ctx, NULL, o->dry_run };
	enum bpt_status st;
	int code;

	ps.p = new_printer(ctx, o);
	pr_list_begin(ps.p, "exports", pending_cols, (int)(sizeof(pending_cols) /
	    sizeof(pending_cols[0])));
	st = export_pending(ctx, &eo, pending_row, &ps);
	pr_list_end(ps.p);
	code = st == BPT_OK ? EX_OK : cmd_exit_code(st);
	if (st != BPT_OK && ctx->errmsg[0])
		fprintf(stderr, "%s: %s\n", progname, ctx->errmsg);
	return finish(ps.p, code);
}

/* --- cron: retention ------------------------------------------------------- */

static const struct pr_column purge_cols[] = {
	{ "incident", "#" }, { "closed", "CLOSED" }, { "exported", "EXPORTED" },
	{ "action", "ACTION" }, { "messages", "MESSAGES" }, { "bytes", "BYTES" },
	{ "attachments", "ATTACHMENTS" }, { "deliveries", "ADDRESSES" },
};


static int
run_purge(struct bpt_ctx *ctx, const struct opts *o)
{
	struct purge_report r;
	struct outbox_stats sent;
	char runner[OUTBOX_RUNNER_MAX];
	struct printer *p;
	enum bpt_status st;
	size_t i;

	outbox_runner(runner);
	st = purge_run(ctx, o->dry_run, runner, &r);
	if (st != BPT_OK) {
		purge_report_release(&r);
		return cmd_fail(ctx);
	}
	/* the list of unexported incidents goes to the admins now */
	if (r.admin_mails > 0 && outbox_deliver_claimed(ctx, runner, &sent) != BPT_OK)
		log_warnx("delivery left for bpt-send: %s", ctx->errmsg);
	p = new_printer(ctx, o);
	pr_list_begin(p, "incidents", purge_cols, (int)(sizeof(purge_cols) /
	    sizeof(purge_cols[0])));
	for (i = 0; i < r.n; i++) {
		const struct purge_item *it = &r.items[i];

		pr_row_begin(p);
		pr_int(p, it->number);
		pr_time(p, it->closed_at);
		pr_time(p, it->exported_at);
		pr_str(p, it->purged ? (o->dry_run ? "would purge" : "purged") :
		    "kept (never exported)");
		pr_int(p, it->messages);
		pr_int(p, it->bytes);
		pr_int(p, it->attachments);
		pr_int(p, it->deliveries);
		pr_row_end(p);
	}
	pr_list_end(p);
	if (r.unexported > 0)
		log_info("%lld incident(s) past retention.days were never exported%s",
		    r.unexported, o->dry_run ? "" : ": the admins were told");
	purge_report_release(&r);
	return finish(p, EX_OK);
}

/* --- anyone: a transcript's check ------------------------------------------ */

static int
run_verify(struct bpt_ctx *ctx, const struct opts *o, const char *path)
{
	struct sign_opts so = { NULL, 0 };
	struct transcript_check c;
	struct buf in = BUF_INIT;
	struct printer *p;
	enum bpt_status st;
	int code;

	/* the police have no configuration: only -c names a GnuPG home */
	if (o->config != NULL) {
		if (cmd_setup(ctx, o->config, NULL, 0) != BPT_OK)
			return cmd_fail(ctx);
		so.gnupghome = ctx->cfg->signing.gnupghome;
	}
	if (path == NULL || strcmp(path, "-") == 0) {
		int trunc = 0;
		size_t total = 0;

		path = "-";
		st = fio_read_fd(ctx, 0, 0, &in, &trunc, &total);
	} else {
		st = fio_read_file(ctx, path, 0, &in);
	}
	if (st != BPT_OK) {
		buf_release(&in);
		return cmd_fail(ctx);
	}
	st = transcript_verify(ctx, &so, in.buf ? in.buf : "", in.len, &c);
	buf_release(&in);
	if (st != BPT_OK) {
		bpt_err_prefix(ctx, "%s", path);
		return cmd_fail(ctx);
	}
	p = new_printer(ctx, o);
	pr_object_begin(p, "verify");
	pr_kv_str(p, "file", path);
	pr_kv_bool(p, "encrypted", c.encrypted);
	pr_kv_str(p, "signature", c.sig.good ? "good" : "bad");
	pr_kv_str(p, "signer", c.sig.fpr);
	pr_kv_str(p, "signer_uid", *c.sig.uid ? c.sig.uid : NULL);
	pr_kv_str(p, "validity", c.sig.validity);
	/* times in the group's zone when -c named a configuration, else UTC */
	pr_kv_time(p, "signed", c.sig.when);
	pr_kv_str(p, "signature_note", *c.sig.problem ? c.sig.problem : NULL);
	pr_kv_int(p, "incident", c.incident);
	pr_kv_int(p, "messages", c.messages);
	pr_kv_int(p, "originals_checked", c.originals);
	pr_kv_int(p, "originals_erased", c.erased);
	pr_kv_int(p, "photos_checked", c.photos);
	pr_kv_str(p, "chain_head", *c.head ? c.head : NULL);
	pr_kv_str(p, "result", c.problem[0] ? "FAILED" : "ok");
	pr_kv_str(p, "problem", c.problem[0] ? c.problem : NULL);
	pr_object_end(p);
	code = EX_OK;
	if (c.problem[0]) {
		fprintf(stderr, "%s: %s: %s\n", progname, path, c.problem);
		code = EX_DATAERR;
	}
	return finish(p, code);
}

/* --- main -------------------------------------------------------------------- */

static int
set_mode(struct opts *o, enum mode m)
{
	o->mode = m;
	return ++o->modes;
}

int
main(int argc, char *argv[])
{
	enum { OPT_AS = 256, OPT_FORCE, OPT_FORMAT, OPT_PENDING, OPT_PURGE, OPT_VERIFY };
	static const struct option longopts[] = {
		{ "as", required_argument, NULL, OPT_AS },
		{ "config", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ "pending", no_argument, NULL, OPT_PENDING },
		{ "purge", no_argument, NULL, OPT_PURGE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "verify", no_argument, NULL, OPT_VERIFY },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct actor a;
	struct opts o;
	char *as = NULL, *end;
	long long number = 0;
	int ch, rc;

	memset(&o, 0, sizeof(o));
	memset(&a, 0, sizeof(a));
	while ((ch = getopt_long(argc, argv, "c:hno:vV", longopts, NULL)) != -1) {
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
		case 'o':
			o.file = optarg;
			break;
		case 'v':
			o.verbose++;
			break;
		case 'V':
			return cmd_version(progname);
		case OPT_AS:
			o.as = optarg;
			break;
		case OPT_FORCE:
			o.force = 1;
			break;
		case OPT_FORMAT:
			o.format = optarg;
			break;
		case OPT_PENDING:
			set_mode(&o, M_PENDING);
			break;
		case OPT_PURGE:
			set_mode(&o, M_PURGE);
			break;
		case OPT_VERIFY:
			set_mode(&o, M_VERIFY);
			break;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (o.modes > 1)
		return usage_error("--pending, --purge and --verify go alone");
	if (o.mode == M_EXPORT) {
		if (argc != 1)
			return usage_error(argc ? "one incident number" :
			    "which incident? give its number");
		errno = 0;
		number = strtoll(argv[0], &end, 10);
		if (errno != 0 || end == argv[0] || *end != '\0' || number <= 0)
			return usage_error("the incident number must be a whole "
			    "number above 0");
		o.xf = EXPORT_EML;
		if (o.format != NULL && export_parse_format(o.format, &o.xf) < 0)
			return usage_error("--format must be eml, mbox, text or json");
		if (o.file == NULL && o.xf != EXPORT_EML)
			return usage_error("only eml is mailed: write other formats "
			    "with -o FILE");
		if (o.dry_run)
			return usage_error("-n applies to --pending and --purge");
	} else {
		if (o.mode == M_VERIFY ? argc > 1 : argc != 0)
			return usage_error("too many arguments");
		if (o.file != NULL || o.force)
			return usage_error("-o and --force apply to one incident");
		o.pf = PR_TEXT;
		if (o.format != NULL && pr_parse_format(o.format, &o.pf) < 0)
			return usage_error("--format must be text, tsv or json");
		if (o.mode == M_VERIFY && (o.dry_run || o.as != NULL))
			return usage_error("--verify takes no -n and no --as");
	}
	log_init(progname, isatty(2) || o.verbose);
	log_set_stderr(1);
	log_set_verbose(o.verbose);
	if (o.mode == M_VERIFY) {
		rc = run_verify(&ctx, &o, argc ? argv[0] : NULL);
		cmd_release(&ctx);
		return rc;
	}
	if (o.as != NULL && addr_normalize(&ctx, o.as, &as) != BPT_OK)
		return cmd_fail(&ctx);
	/* what cron runs acts as cron, unless an admin names themselves */
	if (cmd_setup(&ctx, o.config, o.mode != M_EXPORT && as == NULL ? ACTOR_CRON :
	    NULL, 1) != BPT_OK ||
	    ((o.mode == M_EXPORT || as != NULL) &&
	    actor_check(&ctx, as, actor_login_name(), &a) != BPT_OK)) {
		rc = cmd_fail(&ctx);
		goto out;
	}
	switch (o.mode) {
	case M_EXPORT:
		rc = run_export(&ctx, &o, number);
		break;
	case M_PENDING:
		rc = run_pending(&ctx, &o);
		break;
	case M_PURGE:
	default:
		rc = run_purge(&ctx, &o);
		break;
	}
out:
	actor_release(&a);
	free(as);
	cmd_release(&ctx);
	return rc;
}
