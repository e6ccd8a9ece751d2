/* admincmd.c - admin commands by mail: a command table, confirmation. */
#include "bptconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admincmd.h"
#include "buf.h"
#include "close.h"
#include "cmdauth.h"
#include "config.h"
#include "hold.h"
#include "incident.h"
#include "ingest.h"
#include "log.h"
#include "mail.h"
#include "member.h"
#include "notice.h"
#include "quorum.h"
#include "quote.h"
#include "util.h"

enum op { OP_CLOSE, OP_REOPEN, OP_OUTCOME, OP_APPROVE, OP_REJECT,
	OP_SUSPEND, OP_REINSTATE, OP_REMOVE, OP_BAN, OP_SHOW };

/* arg: 'N' an incident number, 'H' a hold's number, 'E' an address;
 * rest: 1 optional, 2 required */
static const struct cmd {
	const char *nl, *en;
	enum op op;
	char arg;
	int rest;
} cmds[] = {
	{ "sluiten", "close", OP_CLOSE, 'N', 1 },
	{ "heropenen", "reopen", OP_REOPEN, 'N', 0 },
	{ "uitkomst", "outcome", OP_OUTCOME, 'N', 2 },
	{ "goedkeuren", "approve", OP_APPROVE, 'H', 0 },
	{ "afwijzen", "reject", OP_REJECT, 'H', 1 },
	{ "schorsen", "suspend", OP_SUSPEND, 'E', 2 },
	{ "herstellen", "reinstate", OP_REINSTATE, 'E', 0 },
	{ "verwijderen", "remove", OP_REMOVE, 'E', 2 },
	{ "uitsluiten", "ban", OP_BAN, 'E', 2 },
	{ "lid", "show", OP_SHOW, 'E', 0 },
};

static const struct cmd *
cmd_of(const char *w)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcasecmp(w, cmds[i].nl) == 0 || strcasecmp(w, cmds[i].en) == 0)
			return &cmds[i];
	return NULL;
}

int
admincmd_is_command(const char *word)
{
	return cmd_of(word) != NULL;
}

static int
en(const struct bpt_ctx *ctx)
{
	return ctx->cfg->group.language == CFG_EN;
}

/* The next blank-separated word of *p into w (size n). */
static int
word(const char **p, char *w, size_t n)
{
	const char *s = *p;
	size_t k = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	while (*s != '\0' && *s != ' ' && *s != '\t') {
		if (k + 1 < n)
			w[k++] = *s;
		s++;
	}
	w[k] = '\0';
	*p = s;
	return k > 0;
}

static const char *
rest_of(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static enum bpt_status
member_line(struct bpt_ctx *ctx, const char *email, struct buf *out)
{
	struct member m;
	enum bpt_status st = member_find(ctx, email, &m);
	char until[32];

	if (st == BPT_ENOMEM || st == BPT_EBUSY || st == BPT_EIO)
		return st;
	if (st != BPT_OK) {
		buf_addf(out, "  %s\n", ctx->errmsg);
		return BPT_OK;
	}
	buf_addf(out, "  %s: %s, %s, %s", m.email, *m.name ? m.name : "-", m.role,
	    m.status);
	if (m.status_reason != NULL)
		buf_addf(out, " (%s)", m.status_reason);
	if (m.status_until != 0) {
		util_time_short(ctx->cfg->group.timezone, m.status_until, until);
		buf_addf(out, en(ctx) ? " until %s" : " tot %s", until);
	}
	buf_addf(out, en(ctx) ? ", phone %s\n" : ", telefoon %s\n",
	    m.phone ? m.phone : "-");
	member_release(&m);
	return BPT_OK;
}

/* A store failure ends the run (the mail is tried again); anything
 * else is the command's own failure, told on its line. */
static int
fatal(enum bpt_status st)
{
	return st == BPT_ENOMEM || st == BPT_EBUSY || st == BPT_EIO ||
	    st == BPT_ENOSPC || st == BPT_ETEMP || st == BPT_EINTERNAL;
}

enum bpt_status
admincmd_run_line(struct bpt_ctx *ctx, const char *line, const char *by_name,
    const char *runner, struct buf *out)
{
	const struct cmd *c;
	const char *p = line, *rest;
	char w[64], arg[320];
	long long number = 0;
	enum bpt_status st = BPT_OK;
	struct member_report r;
	char *end;

	buf_addf(out, "> %s\n", line);
	if (!word(&p, w, sizeof(w)) || (c = cmd_of(w)) == NULL) {
		buf_adds(out, en(ctx) ? "  unknown command: nothing done\n" :
		    "  onbekende opdracht: niets gedaan\n");
		return BPT_OK;
	}
	if (!word(&p, arg, sizeof(arg))) {
		buf_addf(out, en(ctx) ? "  %s needs %s: nothing done\n" :
		    "  %s heeft %s nodig: niets gedaan\n", w, c->arg != 'E' ?
		    (en(ctx) ? "a number" : "een nummer") :
		    (en(ctx) ? "an address" : "een e-mailadres"));
		return BPT_OK;
	}
	rest = rest_of(p);
	if (c->rest == 2 && *rest == '\0') {
		buf_addf(out, en(ctx) ? "  %s needs a reason or text: nothing done\n" :
		    "  %s heeft een reden of tekst nodig: niets gedaan\n", w);
		return BPT_OK;
	}
	if (c->arg != 'E') {
		errno = 0;
		number = strtoll(arg[0] == '#' ? arg + 1 : arg, &end, 10);
		if (errno != 0 || *end != '\0' || number <= 0) {
			buf_addf(out, en(ctx) ? "  '%s' is not %s: nothing done\n" :
			    "  '%s' is geen %s: niets gedaan\n", arg, c->arg == 'N' ?
			    (en(ctx) ? "an incident number" : "meldingsnummer") :
			    (en(ctx) ? "the number of a held message" :
			    "nummer van een tegengehouden bericht"));
			return BPT_OK;
		}
	}
	memset(&r, 0, sizeof(r));
	switch (c->op) {
	case OP_CLOSE:
	case OP_REOPEN:
	case OP_OUTCOME: {
		struct close_run run;
		int result = INCRES_UNKNOWN;
		char cat[32];
		const char *q = rest;

		close_run_init(&run, 0, 0, by_name);
		if (runner != NULL) {
			run.deliver = 1;
			snprintf(run.runner, sizeof(run.runner), "%s", runner);
		}
		if (c->op == OP_CLOSE) {
			st = close_incident(ctx, &run, number, *rest ? rest : NULL);
		} else if (c->op == OP_REOPEN) {
			st = close_reopen(ctx, &run, number);
		} else {
			if (word(&q, cat, sizeof(cat)) &&
			    incident_result_parse(cat) >= 0 && *rest_of(q) != '\0') {
				result = incident_result_parse(cat);
				rest = rest_of(q);
			}
			st = close_outcome(ctx, &run, number, rest, result);
		}
		if (st == BPT_OK && run.n > 0) {
			const struct close_item *it = &run.items[run.n - 1];

			if (strcmp(it->action, "none") == 0)
				buf_addf(out, en(ctx) ? "  #%lld: nothing to do (%s)\n" :
				    "  #%lld: niets te doen (%s)\n", number,
				    it->why ? it->why : "-");
			else
				buf_addf(out, en(ctx) ? "  #%lld: %s done, %lld copies\n" :
				    "  #%lld: %s gedaan, %lld kopieën\n", number,
				    it->action, it->recipients);
		}
		close_run_release(&run);
		break;
	}
	case OP_APPROVE: {
		struct ingest_result ir;

		st = hold_approve(ctx, number, NULL, runner != NULL, runner, &ir);
		if (st == BPT_OK && ir.incident != 0)
			buf_addf(out, en(ctx) ? "  message %lld: passed on, incident "
			    "#%lld, %lld copies\n" : "  bericht %lld: doorgestuurd, "
			    "melding #%lld, %lld kopieën\n", number, ir.incident,
			    ir.copies);
		else if (st == BPT_OK)
			buf_addf(out, en(ctx) ? "  message %lld: approved (%s)\n" :
			    "  bericht %lld: goedgekeurd (%s)\n", number,
			    ir.why ? ir.why : ir.class ? ir.class : "-");
		break;
	}
	case OP_REJECT:
		st = hold_reject(ctx, number, NULL, *rest ? rest : NULL, runner);
		if (st == BPT_OK)
			buf_addf(out, en(ctx) ? "  message %lld: rejected, the sender "
			    "is told\n" : "  bericht %lld: afgewezen, de afzender "
			    "hoort het\n", number);
		break;
	case OP_SUSPEND:
		st = member_suspend(ctx, arg, rest, 0, 0, &r);
		break;
	case OP_REINSTATE:
		st = member_reinstate(ctx, arg, 0, &r);
		break;
	case OP_REMOVE:
	case OP_BAN: {
		struct quorum_result q;

		st = quorum_decide(ctx, c->op == OP_BAN, arg, rest, &q, &r);
		if (st == BPT_OK && !q.done) {
			buf_addf(out, en(ctx) ? "  %s waits for another admin (%d of "
			    "%d%s)\n" : "  %s wacht op een andere beheerder (%d van "
			    "%d%s)\n", arg, q.votes, q.needed, q.again ?
			    (en(ctx) ? "; you agreed already" : "; u was al akkoord") :
			    "");
			return BPT_OK;
		}
		break;
	}
	case OP_SHOW:
		return member_line(ctx, arg, out);
	}
	if (fatal(st))
		return st;
	if (st != BPT_OK)
		buf_addf(out, en(ctx) ? "  not done: %s\n" : "  niet gedaan: %s\n",
		    ctx->errmsg);
	else if (r.action != NULL)
		buf_addf(out, "  %s: %s%s%s\n", r.email, r.action,
		    r.detail && *r.detail ? ", " : "", r.detail ? r.detail : "");
	member_report_release(&r);
	return BPT_OK;
}

/* The command lines of a mail: its new text up to a signature (of the
 * mail or of a clear-signed text), else its subject.  Caller frees;
 * NULL on ENOMEM. */
static char *
command_lines(const struct mail *m)
{
	struct buf b = BUF_INIT;
	char *fresh = quote_fold(m->text ? m->text : "", NULL);
	const char *t;

	if (fresh == NULL)
		return NULL;
	for (t = cmdauth_clear_text(fresh); *t != '\0'; ) {
		const char *nl = strchr(t, '\n');
		size_t len = nl ? (size_t)(nl - t) : strlen(t);
		const char *s = t;

		t = nl ? nl + 1 : t + len;
		while (len > 0 && (*s == ' ' || *s == '\t'))
			s++, len--;
		while (len > 0 && isspace((unsigned char)s[len - 1]))
			len--;
		if ((len == 2 && strncmp(s, "--", 2) == 0) ||
		    cmdauth_armor_end(s, len))
			break;
		if (len > 0)
			buf_addf(&b, "%.*s\n", (int)len, s);
	}
	free(fresh);
	if (b.len == 0 && m->subject != NULL)
		buf_addf(&b, "%s\n", m->subject);
	if (buf_failed(&b)) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static int
is_admin(const struct member *m)
{
	return m != NULL && member_is_active(m) && strcmp(m->role, "member") != 0;
}

static enum bpt_status run_all(struct bpt_ctx *ctx, const struct request_in *in,
    const struct member *admin, const char *lines, int outside,
    const char **why, long long *notices);

/*
 * policy.admin_auth pgp: the commands of a signed mail run at once; a
 * mail refused runs nothing, and the admin whose address is in From is
 * told at their registered address.
 */
static enum bpt_status
signed_commands(struct bpt_ctx *ctx, const struct request_in *in,
    const char **why, long long *notices)
{
	struct buf text = BUF_INIT;
	struct member admin;
	const char *refused;
	char *lines = NULL;
	enum bpt_status st;
	int ok, outside;

	if ((st = cmdauth_pgp(ctx, in, &ok, &refused, &text, &admin,
	    &outside)) != BPT_OK)
		goto out;
	if (ok) {
		struct mail m;

		memset(&m, 0, sizeof(m));
		m.text = (char *)buf_str(&text);
		if ((lines = command_lines(&m)) == NULL)
			st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		else
			st = run_all(ctx, in, &admin, lines, outside, why, notices);
		member_release(&admin);
		goto out;
	}
	*why = refused;
	log_warnx("message %lld: admin command refused: %s", in->message, refused);
	if (is_admin(in->sender)) {
		struct tvar v[] = {
			{ "group", ctx->cfg->group.name }, { "name", in->sender->name },
			{ "reason", refused },
		};
		struct notice nt = {
			.tpl = "request-command-refused", .vars = v,
			.nvars = nitems(v), .to = in->sender->email,
			.member_id = in->sender->id, .source = in->message,
			.runner = in->runner,
		};

		if ((st = notice_queue(ctx, &nt, NULL)) == BPT_OK)
			(*notices)++;
	}
out:
	free(lines);
	buf_release(&text);
	return st;
}

enum bpt_status
admincmd_receive(struct bpt_ctx *ctx, const struct request_in *in,
    const char **why, long long *notices)
{
	const struct bpt_config *cfg = ctx->cfg;
	char token[CONFIRM_TOKEN_LEN + 1], *lines, *rt;
	enum bpt_status st;

	if (cfg->policy.admin_auth_pgp)
		return signed_commands(ctx, in, why, notices);
	if (!is_admin(in->sender)) {
		struct tvar v[] = {
			{ "group", cfg->group.name }, { "list", cfg->group.address },
		};

		*why = "command from someone who is not an admin";
		log_info("message %lld: %s", in->message, *why);
		return request_answer(ctx, in, "request-help", v, nitems(v),
		    "request-help", NULL, notices);
	}
	if ((lines = command_lines(in->m)) == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	st = confirm_new(ctx, "command", lines, in->sender->email, in->message,
	    ADMINCMD_CONFIRM_TTL, token);
	if (st != BPT_OK) {
		free(lines);
		return st;
	}
	if ((rt = request_token_address(ctx, token)) == NULL) {
		free(lines);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
	{
		struct tvar v[] = {
			{ "group", cfg->group.name }, { "name", in->sender->name },
			{ "commands", lines }, { "token", token },
		};

		/* to the registered address, whoever wrote From */
		*why = "admin command: confirmation sent to the registered address";
		st = request_answer(ctx, in, "request-command-confirm", v, nitems(v),
		    NULL, rt, notices);
	}
	free(rt);
	free(lines);
	return st;
}

/* Runs the command lines as admin and queues the one reply; outside:
 * the mail held text beside the signed commands, which was not read. */
static enum bpt_status
run_all(struct bpt_ctx *ctx, const struct request_in *in,
    const struct member *admin, const char *lines, int outside,
    const char **why, long long *notices)
{
	struct buf out = BUF_INIT;
	char *actor = ctx->actor;
	const char *t;
	enum bpt_status st = BPT_OK;

	if (outside)
		log_warnx("message %lld: text outside the signed part not read",
		    in->message);
	ctx->actor = admin->email;
	for (t = lines ? lines : ""; *t != '\0' && st == BPT_OK; ) {
		const char *nl = strchr(t, '\n');
		size_t len = nl ? (size_t)(nl - t) : strlen(t);
		char *line = strndup(t, len);

		t = nl ? nl + 1 : t + len;
		if (line == NULL) {
			st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
			break;
		}
		st = admincmd_run_line(ctx, line, *admin->name ? admin->name : NULL,
		    in->runner, &out);
		free(line);
	}
	ctx->actor = actor;
	if (st == BPT_OK && buf_failed(&out))
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
	if (st == BPT_OK) {
		struct tvar v[] = {
			{ "group", ctx->cfg->group.name }, { "name", admin->name },
			{ "results", buf_str(&out) },
			{ "outside", outside ? "1" : NULL },
		};
		struct notice nt = {
			.tpl = "request-command-done", .vars = v,
			.nvars = nitems(v), .to = admin->email,
			.member_id = admin->id, .source = in->message,
			.in_reply_to = in->m->message_id, .runner = in->runner,
		};

		if ((st = notice_queue(ctx, &nt, NULL)) == BPT_OK)
			(*notices)++;
		*why = "admin commands run";
	}
	buf_release(&out);
	return st;
}

enum bpt_status
admincmd_confirmed(struct bpt_ctx *ctx, const struct request_in *in,
    const char *token, const struct confirm_row *c, const char **why,
    long long *notices)
{
	struct member admin;
	enum bpt_status st;
	int ok;

	if ((st = confirm_use(ctx, token, &ok)) != BPT_OK || !ok)
		return st;
	if ((st = member_lookup(ctx, c->requested_by, &admin)) == BPT_ENOENT) {
		*why = "admin command: the admin is gone";
		return BPT_OK;
	}
	if (st != BPT_OK)
		return st;
	if (!is_admin(&admin))
		*why = "admin command: no longer an admin";
	else
		st = run_all(ctx, in, &admin, c->args, 0, why, notices);
	member_release(&admin);
	return st;
}
