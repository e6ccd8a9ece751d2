/* bpt-member - the members of a group: add, change, suspend, list, import. */
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
#include "audit.h"
#include "bpt.h"
#include "buf.h"
#include "cmdutil.h"
#include "cmdauth.h"
#include "config.h"
#include "log.h"
#include "member.h"
#include "member_data.h"
#include "printer.h"
#include "quorum.h"
#include "signup.h"
#include "util.h"

#define PROG "bpt-member"

enum {
	OPT_AS = 256,
	OPT_CONSENT,
	OPT_EXCEL,
	OPT_FORCE,
	OPT_FORMAT,
	OPT_NAME,
	OPT_PHONE,
	OPT_REASON,
	OPT_ROLE,
	OPT_STATUS,
	OPT_UNTIL,
	OPT_UPDATE,
	OPT_LOGIN,
	OPT_NO_WELCOME,
	OPT_KEY
};

/* The command options each command takes. */
#define T_NAME		(1u << 0)
#define T_PHONE		(1u << 1)
#define T_ROLE		(1u << 2)
#define T_CONSENT	(1u << 3)
#define T_UPDATE	(1u << 4)
#define T_REASON	(1u << 5)
#define T_UNTIL		(1u << 6)
#define T_STATUS	(1u << 7)
#define T_FORCE		(1u << 8)
#define T_EXCEL		(1u << 9)
#define T_LOGIN		(1u << 10)
#define T_NO_WELCOME	(1u << 11)
#define T_KEY		(1u << 12)
#define T_FIELDS	(T_NAME | T_PHONE | T_ROLE | T_CONSENT)

struct opts {
	const char *config;
	const char *as;
	const char *format;
	int dry_run;
	const char *name;
	const char *phone;
	const char *role;
	const char *consent;
	const char *reason;
	const char *until;
	const char *status;
	int update;
	int force;		/* add, import: banned addresses too */
	int excel;		/* export: csv for Excel */
	const char *login;
	int no_welcome;		/* add, import: no welcome mail */
	const char *key;	/* set: OpenPGP fingerprint for signed commands */
	enum pr_format fmt;
	int csv;		/* export as csv */
};

struct command {
	const char *name;
	int (*run)(struct bpt_ctx *ctx, const struct opts *o, int argc,
	    char **argv);
	unsigned takes;
	int min_args;
	int max_args;
};

static const struct option global_options[] = {
	{ "as", required_argument, NULL, OPT_AS },
	{ "config", required_argument, NULL, 'c' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static const struct option all_options[] = {
	{ "as", required_argument, NULL, OPT_AS },
	{ "config", required_argument, NULL, 'c' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "consent", required_argument, NULL, OPT_CONSENT },
	{ "excel", no_argument, NULL, OPT_EXCEL },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "phone", required_argument, NULL, OPT_PHONE },
	{ "reason", required_argument, NULL, OPT_REASON },
	{ "role", required_argument, NULL, OPT_ROLE },
	{ "status", required_argument, NULL, OPT_STATUS },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "update", no_argument, NULL, OPT_UPDATE },
	{ "login", required_argument, NULL, OPT_LOGIN },
	{ "no-welcome", no_argument, NULL, OPT_NO_WELCOME },
	{ "key", required_argument, NULL, OPT_KEY },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " [-hnV] [-c file] [--as email] "
	    "[--format text|tsv|json] command [argument ...]\n"
	    "       " PROG " add email [--name name] [--phone phone] "
	    "[--role role] [--consent version] [--update]\n"
	    "                  [--force --reason text] [--no-welcome]\n"
	    "       " PROG " remove email [--reason text]\n"
	    "       " PROG " suspend email --reason text [--until date]\n"
	    "       " PROG " reinstate email\n"
	    "       " PROG " approve email\n"
	    "       " PROG " reject email [--reason text]\n"
	    "       " PROG " ban email --reason text\n"
	    "       " PROG " set email [--name name] [--phone phone] "
	    "[--role role] [--consent version]\n"
	    "           [--login name] [--key fingerprint]\n"
	    "       " PROG " list [--status status] [--role role]\n"
	    "       " PROG " show email\n"
	    "       " PROG " import [--update] [--consent version] "
	    "[--force --reason text]\n"
	    "                  [--no-welcome] [file | -]\n"
	    "       " PROG " export [--status status] [--excel | "
	    "--format csv|tsv|json]\n"
	    "       " PROG " log [email]\n"
	    "       " PROG " export-data email\n"
	    "       " PROG " forget email\n");
}

static int
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", PROG);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	usage(stderr);
	return EX_USAGE;
}

/* The printer of a listing and the group's time zone, for its rows. */
struct rows {
	struct printer *p;
	const char *tz;
};

/* "2026-11-28 21:04" for people, RFC 3339 for scripts, both in the
 * group's zone tz; NULL for 0. */
static const char *
show_time(const struct printer *p, const char *tz, time_t t, char buf[32])
{
	if (t == 0)
		return NULL;
	if (pr_format(p) == PR_TEXT)
		util_time_short(tz, t, buf);
	else
		util_time_iso(tz, t, buf);
	return buf;
}

/* Flushes and frees p; a failed write is an I/O error (74). */
static int
finish(struct printer *p, int code)
{
	if (pr_free(p) < 0 && code == EX_OK) {
		fprintf(stderr, "%s: cannot write the output: %s\n", PROG,
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
	struct printer *p = pr_new(stdout, o->fmt);

	if (p == NULL) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		exit(EX_TEMPFAIL);
	}
	if (ctx != NULL && ctx->cfg != NULL)
		pr_set_timezone(p, cfg_timezone(ctx->cfg));
	return p;
}

static int
print_report(const struct opts *o, const struct member_report *r)
{
	struct printer *p = new_printer(NULL, o);

	pr_object_begin(p, "change");
	pr_kv_str(p, "action", r->action);
	pr_kv_str(p, "email", r->email);
	pr_kv_str(p, "detail", r->detail && *r->detail ? r->detail : NULL);
	pr_kv_bool(p, "dry_run", o->dry_run);
	pr_object_end(p);
	return finish(p, EX_OK);
}

/* Runs a writer's result through the report or the error path. */
static int
report_or_fail(struct bpt_ctx *ctx, const struct opts *o, enum bpt_status st,
    struct member_report *r)
{
	int code;

	if (st != BPT_OK)
		code = cmd_fail(ctx);
	else
		code = print_report(o, r);
	member_report_release(r);
	return code;
}

static void
change_from_opts(const struct opts *o, struct member_change *ch)
{
	memset(ch, 0, sizeof(*ch));
	ch->name = o->name;
	ch->phone = o->phone;
	ch->role = o->role;
	ch->consent_version = o->consent;
	ch->consent_via = "admin";
	ch->update = o->update;
	ch->dry_run = o->dry_run;
	ch->force = o->force;
	ch->reason = o->reason;
}

/* --force (add, import) goes with --reason, and --reason with --force. */
static int
check_force(const struct opts *o, const char *cmd)
{
	if (o->force && o->reason == NULL)
		return usage_error("%s --force needs --reason (why the ban no "
		    "longer holds)", cmd);
	if (!o->force && o->reason != NULL)
		return usage_error("%s takes --reason only with --force", cmd);
	return -1;
}

static int
cmd_add(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct member_change ch;
	struct member_report r;
	int code;

	(void)argc;
	if ((code = check_force(o, "add")) >= 0)
		return code;
	change_from_opts(o, &ch);
	if (member_add(ctx, argv[0], &ch, &r) != BPT_OK)
		return report_or_fail(ctx, o, ctx->err, &r);
	/* a new member (or one back) reads the rules and the safety points */
	if (!o->dry_run && !o->no_welcome && (strcmp(r.action, "add") == 0 ||
	    strcmp(r.action, "readd") == 0 || strcmp(r.action, "force-add") == 0) &&
	    signup_welcome(ctx, r.email) != BPT_OK) {
		member_report_release(&r);
		return cmd_fail(ctx);
	}
	return report_or_fail(ctx, o, BPT_OK, &r);
}

static int
cmd_set(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct member_change ch;
	struct member_report r;

	(void)argc;
	if (!o->name && !o->phone && !o->role && !o->consent && !o->login &&
	    !o->key)
		return usage_error("%s: nothing to set (--name, --phone, --role, "
		    "--consent, --login or --key)", "set");
	if (o->key != NULL) {
		if (o->name || o->phone || o->role || o->consent || o->login)
			return usage_error("%s: --key goes alone", "set");
		if (o->dry_run)
			return usage_error("%s --key has no dry run", "set");
		if (cmdauth_set_key(ctx, argv[0], o->key) != BPT_OK)
			return cmd_fail(ctx);
		{
			struct member_report shown = { "key", 0, argv[0],
			    (char *)(*o->key ? o->key : "key removed") };

			return print_report(o, &shown);
		}
	}
	change_from_opts(o, &ch);
	if (o->login != NULL)
		return report_or_fail(ctx, o, actor_set_login(ctx, argv[0], &ch,
		    o->name || o->phone || o->role || o->consent, o->login, &r), &r);
	return report_or_fail(ctx, o, member_set(ctx, argv[0], &ch, &r), &r);
}

/*
 * A removal or ban through policy.ban_quorum: done, or (action
 * "waits") recorded as this admin's agreement until enough agreed.
 */
static int
decide(struct bpt_ctx *ctx, const struct opts *o, int ban, const char *email)
{
	struct quorum_result q;
	struct member_report r;
	char detail[96];

	if (quorum_decide(ctx, ban, email, o->reason, &q, &r) != BPT_OK)
		return cmd_fail(ctx);
	if (q.done)
		return report_or_fail(ctx, o, BPT_OK, &r);
	snprintf(detail, sizeof(detail), "%d of %d admins agreed%s", q.votes,
	    q.needed, q.again ? "; you had agreed already" : "");
	{
		struct member_report shown = { "waits", 0, (char *)email, detail };

		return print_report(o, &shown);
	}
}

static int
cmd_remove(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct member_report r;

	(void)argc;
	if (o->dry_run)
		return report_or_fail(ctx, o, member_remove(ctx, argv[0],
		    o->reason, o->dry_run, &r), &r);
	return decide(ctx, o, 0, argv[0]);
}

static int
cmd_suspend(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct member_report r;
	time_t until = 0;

	(void)argc;
	if (o->reason == NULL)
		return usage_error("%s needs --reason", "suspend");
	if (o->until != NULL && (until = util_parse_date(ctx->cfg->group.timezone,
	    o->until)) == (time_t)-1)
		return usage_error("bad date '%s': write it as YYYY-MM-DD", o->until);
	return report_or_fail(ctx, o, member_suspend(ctx, argv[0], o->reason,
	    until, o->dry_run, &r), &r);
}

static int
cmd_reinstate(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct member_report r;

	(void)argc;
	return report_or_fail(ctx, o, member_reinstate(ctx, argv[0], o->dry_run,
	    &r), &r);
}

static int
cmd_ban(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct member_report r;

	(void)argc;
	if (o->reason == NULL)
		return usage_error("%s needs --reason", "ban");
	if (o->dry_run)
		return report_or_fail(ctx, o, member_ban(ctx, argv[0], o->reason,
		    o->dry_run, &r), &r);
	return decide(ctx, o, 1, argv[0]);
}

static int
cmd_approve(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct member_report r;

	(void)argc;
	return report_or_fail(ctx, o, signup_approve(ctx, argv[0], &r), &r);
}

static int
cmd_reject(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct member_report r;

	(void)argc;
	return report_or_fail(ctx, o, signup_reject(ctx, argv[0], o->reason, &r),
	    &r);
}

static const struct pr_column list_columns[] = {
	{ "email", "EMAIL" },
	{ "name", "NAME" },
	{ "phone", "PHONE" },
	{ "role", "ROLE" },
	{ "status", "STATUS" },
	{ "consent_version", "CONSENT" },
	{ "joined", "JOINED" },
};

#define NCOLUMNS(c) ((int)(sizeof(c) / sizeof((c)[0])))

static int
list_row(void *arg, const struct member *m)
{
	const struct rows *r = arg;
	struct printer *p = r->p;
	char t[32];

	pr_row_begin(p);
	pr_str(p, m->email);
	pr_str(p, m->name);
	pr_str(p, m->phone);
	pr_str(p, m->role);
	pr_str(p, m->status);
	pr_str(p, m->consent_version);
	if (pr_format(p) == PR_TEXT && m->joined_at != 0) {
		util_time_short(r->tz, m->joined_at, t);
		t[10] = '\0';	/* the date is enough in a table */
		pr_str(p, t);
	} else {
		pr_str(p, show_time(p, r->tz, m->joined_at, t));
	}
	pr_row_end(p);
	/* stop early when the reader went away */
	return ferror(stdout) ? 1 : 0;
}

static int
cmd_list(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct member_filter f = { o->status, o->role, 0 };
	struct printer *p;
	struct rows r;
	enum bpt_status st;

	(void)argc;
	(void)argv;
	p = new_printer(ctx, o);
	r.p = p;
	r.tz = ctx->cfg->group.timezone;
	pr_list_begin(p, "members", list_columns, NCOLUMNS(list_columns));
	st = member_each(ctx, &f, list_row, &r);
	pr_list_end(p);
	if (st != BPT_OK) {
		finish(p, EX_OK);
		return cmd_fail(ctx);
	}
	return finish(p, EX_OK);
}

static int
cmd_show(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	const char *tz = ctx->cfg->group.timezone;
	struct member m;
	struct printer *p;
	char t[32], *login = NULL;
	long long consent_msg = 0;
	char key[65];

	(void)argc;
	if (member_find(ctx, argv[0], &m) != BPT_OK)
		return cmd_fail(ctx);
	p = new_printer(ctx, o);
	pr_object_begin(p, "member");
	pr_kv_int(p, "id", m.id);
	pr_kv_str(p, "email", m.email);
	pr_kv_str(p, "name", m.name);
	pr_kv_str(p, "phone", m.phone);
	pr_kv_str(p, "role", m.role);
	pr_kv_str(p, "status", m.status);
	pr_kv_str(p, "status_reason", m.status_reason);
	pr_kv_str(p, "status_until", show_time(p, tz, m.status_until, t));
	pr_kv_str(p, "status_at", show_time(p, tz, m.status_at, t));
	pr_kv_str(p, "consent_version", m.consent_version);
	pr_kv_str(p, "consent_at", show_time(p, tz, m.consent_at, t));
	pr_kv_str(p, "consent_via", m.consent_via);
	if (signup_consent_message(ctx, m.id, &consent_msg) != BPT_OK) {
		pr_object_end(p);
		member_release(&m);
		finish(p, EX_OK);
		return cmd_fail(ctx);
	}
	if (consent_msg != 0)
		pr_kv_int(p, "consent_message", consent_msg);
	else
		pr_kv_str(p, "consent_message", NULL);
	if (cmdauth_key_of(ctx, m.id, key) != BPT_OK) {
		pr_object_end(p);
		member_release(&m);
		finish(p, EX_OK);
		return cmd_fail(ctx);
	}
	pr_kv_str(p, "key", *key ? key : NULL);
	pr_kv_str(p, "joined", show_time(p, tz, m.joined_at, t));
	pr_kv_str(p, "updated", show_time(p, tz, m.updated_at, t));
	if (actor_login_of(ctx, m.id, &login) != BPT_OK) {
		pr_object_end(p);
		member_release(&m);
		finish(p, EX_OK);
		return cmd_fail(ctx);
	}
	pr_kv_str(p, "login", login);
	free(login);
	pr_object_end(p);
	member_release(&m);
	return finish(p, EX_OK);
}

/* member_import_opts.joined: the welcome mail of a member imported. */
static enum bpt_status
welcome_one(struct bpt_ctx *ctx, const char *email, void *arg)
{
	(void)arg;
	return signup_welcome(ctx, email);
}

static int
cmd_import(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct member_import_opts io = { 0 };
	struct member_import_result res;
	struct printer *p;
	enum bpt_status st;
	FILE *in = stdin;
	int code;

	if ((code = check_force(o, "import")) >= 0)
		return code;
	io.name = "stdin";
	if (argc > 0 && strcmp(argv[0], "-") != 0) {
		io.name = argv[0];
		if ((in = fopen(argv[0], "r")) == NULL) {
			bpt_err(ctx, BPT_ENOENT, "cannot open '%s': %s", argv[0],
			    strerror(errno));
			return cmd_fail(ctx);
		}
	}
	/* large reads: a member list can be long */
	setvbuf(in, NULL, _IOFBF, 1 << 16);
	io.consent_version = o->consent;
	io.update = o->update;
	io.dry_run = o->dry_run;
	io.force = o->force;
	io.reason = o->reason;
	if (!o->no_welcome)
		io.joined = welcome_one;
	st = member_import(ctx, in, &io, &res);
	if (in != stdin)
		fclose(in);
	if (st != BPT_OK) {
		fprintf(stderr, "%s: nothing imported\n", PROG);
		return cmd_fail(ctx);
	}
	p = new_printer(ctx, o);
	pr_object_begin(p, "import");
	pr_kv_str(p, "file", io.name);
	pr_kv_int(p, "records", res.records);
	pr_kv_int(p, "added", res.added);
	pr_kv_int(p, "readded", res.readded);
	pr_kv_int(p, "updated", res.updated);
	pr_kv_int(p, "unchanged", res.unchanged);
	pr_kv_bool(p, "dry_run", o->dry_run);
	pr_object_end(p);
	return finish(p, EX_OK);
}

/* The columns of member_csv_header(), for tsv and json. */
static const struct pr_column export_columns[] = {
	{ "email", "EMAIL" },
	{ "name", "NAME" },
	{ "phone", "PHONE" },
	{ "role", "ROLE" },
	{ "status", "STATUS" },
	{ "status_reason", "REASON" },
	{ "status_until", "UNTIL" },
	{ "status_at", "STATUS_AT" },
	{ "consent_version", "CONSENT" },
	{ "consent_at", "CONSENT_AT" },
	{ "consent_via", "CONSENT_VIA" },
	{ "joined_at", "JOINED" },
};

struct export_state {
	struct printer *p;	/* tsv, json */
	struct buf line;	/* csv */
	unsigned csv_flags;
	const char *tz;		/* the group's zone, for tsv and json */
};

static int
export_row(void *arg, const struct member *m)
{
	struct export_state *x = arg;
	char t[32];

	if (x->p != NULL) {
		pr_row_begin(x->p);
		pr_str(x->p, m->email);
		pr_str(x->p, m->name);
		pr_str(x->p, m->phone);
		pr_str(x->p, m->role);
		pr_str(x->p, m->status);
		pr_str(x->p, m->status_reason);
		pr_str(x->p, show_time(x->p, x->tz, m->status_until, t));
		pr_str(x->p, show_time(x->p, x->tz, m->status_at, t));
		pr_str(x->p, m->consent_version);
		pr_str(x->p, show_time(x->p, x->tz, m->consent_at, t));
		pr_str(x->p, m->consent_version ? m->consent_via : NULL);
		pr_str(x->p, show_time(x->p, x->tz, m->joined_at, t));
		pr_row_end(x->p);
		return ferror(stdout) ? 1 : 0;
	}
	buf_reset(&x->line);
	member_csv_row(&x->line, m, x->csv_flags);
	if (buf_failed(&x->line))
		return 1;
	fwrite(x->line.buf, 1, x->line.len, stdout);
	return ferror(stdout) ? 1 : 0;
}

static int
cmd_export(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	/* every status: banned and removed members move with the rest */
	struct member_filter f = { o->status, NULL, 0 };
	struct export_state x = { NULL, BUF_INIT, 0, cfg_timezone(ctx->cfg) };
	enum bpt_status st = BPT_OK;
	int code = EX_OK;

	(void)argc;
	(void)argv;
	if (o->csv) {
		x.csv_flags = o->excel ? MEMBER_CSV_EXCEL : 0;
		member_csv_header(&x.line, x.csv_flags);
		if (!buf_failed(&x.line))
			fwrite(x.line.buf, 1, x.line.len, stdout);
	} else {
		x.p = new_printer(ctx, o);
		pr_list_begin(x.p, "members", export_columns,
		    NCOLUMNS(export_columns));
	}
	if (!buf_failed(&x.line))
		st = member_each(ctx, &f, export_row, &x);
	if (buf_failed(&x.line))
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
	buf_release(&x.line);
	if (st != BPT_OK)
		code = cmd_fail(ctx);
	if (x.p != NULL) {
		pr_list_end(x.p);
		return finish(x.p, code);
	}
	if ((fflush(stdout) != 0 || ferror(stdout)) && code == EX_OK) {
		fprintf(stderr, "%s: cannot write the output: %s\n", PROG,
		    strerror(errno));
		return EX_IOERR;
	}
	return code;
}

static const struct pr_column log_columns[] = {
	{ "id", "ID" },
	{ "at", "AT" },
	{ "actor", "ACTOR" },
	{ "action", "ACTION" },
	{ "email", "EMAIL" },
	{ "reason", "REASON" },
	{ "detail", "DETAIL" },
};

static int
log_row(void *arg, const struct audit_entry *e)
{
	const struct rows *r = arg;
	struct printer *p = r->p;
	char t[32];

	pr_row_begin(p);
	pr_int(p, e->id);
	pr_str(p, show_time(p, r->tz, e->at, t));
	pr_str(p, e->actor);
	pr_str(p, e->action);
	pr_str(p, e->member_email);
	pr_str(p, e->reason);
	pr_str(p, e->detail);
	pr_row_end(p);
	return ferror(stdout) ? 1 : 0;
}

static int
cmd_log(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct printer *p;
	struct member m;
	struct rows r;
	enum bpt_status st;
	long long id = 0;

	memset(&m, 0, sizeof(m));
	if (argc > 0) {
		if (member_find(ctx, argv[0], &m) != BPT_OK)
			return cmd_fail(ctx);
		id = m.id;
		member_release(&m);
	}
	p = new_printer(ctx, o);
	r.p = p;
	r.tz = ctx->cfg->group.timezone;
	pr_list_begin(p, "audit", log_columns, NCOLUMNS(log_columns));
	st = audit_each(ctx, id, log_row, &r);
	pr_list_end(p);
	if (st != BPT_OK) {
		finish(p, EX_OK);
		return cmd_fail(ctx);
	}
	return finish(p, EX_OK);
}

/* The right of access (AVG art. 15): everything about one member. */
static int
cmd_export_data(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct printer *p;
	enum bpt_status st;

	(void)argc;
	/* JSON unless asked otherwise: the member reads it without bpt */
	p = pr_new(stdout, o->format != NULL ? o->fmt : PR_JSON);
	if (p == NULL) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		return EX_TEMPFAIL;
	}
	st = member_data_export(ctx, argv[0], p);
	if (st != BPT_OK) {
		finish(p, EX_OK);
		return cmd_fail(ctx);
	}
	return finish(p, EX_OK);
}

/* The right to erasure (AVG art. 17). */
static int
cmd_forget(struct bpt_ctx *ctx, const struct opts *o, int argc, char **argv)
{
	struct member_forget_report r;
	struct printer *p;

	(void)argc;
	if (member_forget(ctx, argv[0], o->dry_run, &r) != BPT_OK)
		return cmd_fail(ctx);
	p = new_printer(ctx, o);
	pr_object_begin(p, "forget");
	pr_kv_int(p, "member", r.id);
	pr_kv_int(p, "messages_blanked", r.messages);
	pr_kv_int(p, "values_redacted", r.redacted);
	pr_kv_int(p, "deliveries", r.deliveries);
	pr_kv_bool(p, "dry_run", o->dry_run);
	pr_object_end(p);
	return finish(p, EX_OK);
}

static const struct command commands[] = {
	{ "add", cmd_add, T_FIELDS | T_UPDATE | T_FORCE | T_REASON | T_NO_WELCOME,
	    1, 1 },
	{ "approve", cmd_approve, 0, 1, 1 },
	{ "ban", cmd_ban, T_REASON, 1, 1 },
	{ "export", cmd_export, T_STATUS | T_EXCEL, 0, 0 },
	{ "export-data", cmd_export_data, 0, 1, 1 },
	{ "forget", cmd_forget, 0, 1, 1 },
	{ "import", cmd_import, T_UPDATE | T_CONSENT | T_FORCE | T_REASON |
	    T_NO_WELCOME, 0, 1 },
	{ "list", cmd_list, T_STATUS | T_ROLE, 0, 0 },
	{ "log", cmd_log, 0, 0, 1 },
	{ "reinstate", cmd_reinstate, 0, 1, 1 },
	{ "reject", cmd_reject, T_REASON, 1, 1 },
	{ "remove", cmd_remove, T_REASON, 1, 1 },
	{ "set", cmd_set, T_FIELDS | T_LOGIN | T_KEY, 1, 1 },
	{ "show", cmd_show, 0, 1, 1 },
	{ "suspend", cmd_suspend, T_REASON | T_UNTIL, 1, 1 },
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

/* The bit of a command option; 0 for a global one. */
static unsigned
option_bit(int c)
{
	switch (c) {
	case OPT_CONSENT: return T_CONSENT;
	case OPT_EXCEL: return T_EXCEL;
	case OPT_FORCE: return T_FORCE;
	case OPT_NAME: return T_NAME;
	case OPT_PHONE: return T_PHONE;
	case OPT_REASON: return T_REASON;
	case OPT_ROLE: return T_ROLE;
	case OPT_STATUS: return T_STATUS;
	case OPT_UNTIL: return T_UNTIL;
	case OPT_UPDATE: return T_UPDATE;
	case OPT_LOGIN: return T_LOGIN;
	case OPT_NO_WELCOME: return T_NO_WELCOME;
	case OPT_KEY: return T_KEY;
	default: return 0;
	}
}

/*
 * Takes one option into o.  Returns -1 when handled, else an exit
 * code (help, version, bad usage).
 */
static int
take_option(struct opts *o, int c, const struct command *cmd)
{
	unsigned bit = option_bit(c);

	if (bit != 0 && (cmd == NULL || (cmd->takes & bit) == 0)) {
		const struct option *op;

		for (op = all_options; op->name != NULL && op->val != c; op++)
			continue;
		fprintf(stderr, "%s: option --%s does not apply to %s\n", PROG,
		    op->name ? op->name : "?", cmd ? cmd->name : "this command");
		usage(stderr);
		return EX_USAGE;
	}
	switch (c) {
	case 'c':
		o->config = optarg;
		break;
	case 'h':
		usage(stdout);
		return EX_OK;
	case 'n':
		o->dry_run = 1;
		break;
	case 'V':
		return cmd_version(PROG);
	case OPT_AS:
		o->as = optarg;
		break;
	case OPT_CONSENT:
		o->consent = optarg;
		break;
	case OPT_EXCEL:
		o->excel = 1;
		break;
	case OPT_FORCE:
		o->force = 1;
		break;
	case OPT_FORMAT:
		o->format = optarg;
		break;
	case OPT_NAME:
		o->name = optarg;
		break;
	case OPT_PHONE:
		o->phone = optarg;
		break;
	case OPT_REASON:
		o->reason = optarg;
		break;
	case OPT_ROLE:
		o->role = optarg;
		break;
	case OPT_STATUS:
		o->status = optarg;
		break;
	case OPT_UNTIL:
		o->until = optarg;
		break;
	case OPT_UPDATE:
		o->update = 1;
		break;
	case OPT_NO_WELCOME:
		o->no_welcome = 1;
		break;
	case OPT_KEY:
		o->key = optarg;
		break;
	case OPT_LOGIN:
		o->login = optarg;
		break;
	default:
		usage(stderr);
		return EX_USAGE;
	}
	return -1;
}

/* Checks --format (and the filters) against what cmd prints. */
static int
check_format(struct opts *o, const struct command *cmd)
{
	int export = strcmp(cmd->name, "export") == 0;

	o->fmt = PR_TEXT;
	o->csv = export;
	if (o->format != NULL) {
		if (export && strcmp(o->format, "csv") == 0)
			o->csv = 1;
		else if (pr_parse_format(o->format, &o->fmt) < 0 ||
		    (export && o->fmt == PR_TEXT))
			return usage_error(export ? "bad format '%s' for export "
			    "(csv, tsv or json)" : "bad format '%s' (text, tsv or "
			    "json)", o->format);
		else
			o->csv = 0;
	}
	if (o->excel && !o->csv)
		return usage_error("--excel writes csv, not %s", o->format);
	if (o->status != NULL && !member_status_valid(o->status))
		return usage_error("unknown status '%s' (active, suspended, "
		    "removed, banned, pending)", o->status);
	if (o->role != NULL && strcmp(cmd->name, "list") == 0 &&
	    !member_role_valid(o->role))
		return usage_error("unknown role '%s' (member, admin, coordinator)",
		    o->role);
	return -1;
}

int
main(int argc, char **argv)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	const struct command *cmd;
	struct opts o;
	char *as = NULL;
	int c, code, nargs;

	memset(&o, 0, sizeof(o));
	log_init(PROG, 1);
	/* global options, up to the command */
	while ((c = getopt_long(argc, argv, "+c:hnV", global_options, NULL)) != -1)
		if ((code = take_option(&o, c, NULL)) >= 0)
			return code;
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if ((cmd = find_command(argv[optind])) == NULL)
		return usage_error("unknown command '%s'", argv[optind]);
	/* the command's own options, and global ones after it */
	argc -= optind;
	argv += optind;
	optind = 0;
	while ((c = getopt_long(argc, argv, "c:hnV", all_options, NULL)) != -1)
		if ((code = take_option(&o, c, cmd)) >= 0)
			return code;
	argc -= optind;
	argv += optind;
	nargs = argc;
	if (nargs < cmd->min_args || nargs > cmd->max_args)
		return usage_error(nargs < cmd->min_args ? "%s: missing argument" :
		    "%s: too many arguments", cmd->name);
	if ((code = check_format(&o, cmd)) >= 0)
		return code;
	if (o.as != NULL && addr_normalize(&ctx, o.as, &as) != BPT_OK)
		return cmd_fail(&ctx);
	if (cmd_setup(&ctx, o.config, as, 1) != BPT_OK) {
		code = cmd_fail(&ctx);
		goto out;
	}
	/* who acts for someone else must be an active admin or coordinator */
	if (o.as != NULL) {
		struct actor a;

		if (actor_check(&ctx, as, NULL, &a) != BPT_OK) {
			code = cmd_fail(&ctx);
			goto out;
		}
		actor_release(&a);
	}
	/* a suspension that has ended counts as active from here on */
	if (!o.dry_run && member_expire_suspensions(&ctx) != BPT_OK) {
		code = cmd_fail(&ctx);
		goto out;
	}
	code = cmd->run(&ctx, &o, argc, argv);
out:
	free(as);
	cmd_release(&ctx);
	return code;
}
