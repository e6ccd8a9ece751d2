/* ingest.c - one incoming mail: store, parse, classify, thread, copy. */
#include "bptconf.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "audit.h"
#include "bounces.h"
#include "buf.h"
#include "classify.h"
#include "config.h"
#include "distribute.h"
#include "hold.h"
#include "incident.h"
#include "ingest.h"
#include "log.h"
#include "mail.h"
#include "member.h"
#include "message.h"
#include "notice.h"
#include "outbox.h"
#include "quarantine.h"
#include "request.h"
#include "runmark.h"
#include "sha256.h"
#include "store.h"
#include "template.h"
#include "util.h"
#include "words.h"

#define NOTICE_INTERVAL 86400	/* one notice a day per address and kind */
#define DUPLICATE_WINDOW 86400	/* same Message-ID and sender: a retry */

/* Everything one run works with. */
struct job {
	struct bpt_ctx *ctx;
	const struct ingest_opts *o;
	struct ingest_result *r;
	const char *raw;
	size_t len;
	char sha[SHA256_HEX_LEN + 1];
	struct mail *m;
	struct member sender;
	int have_sender;
	const char *runner;	/* claim copies for delivery now, or NULL */
	struct runmark mark;	/* this run's file while it works on the mail */
	int release;		/* bpt-report release: the row is quarantined */
	long long approve;	/* hold_approve(): the hold, the row is held */
	const char *actor;	/* who approves */
	const char *env_to;	/* the MTA's, else X-Original-To/Delivered-To */
	struct words *words;	/* the language list, or NULL */
	/* what the message row gets at the end */
	struct distribute_out out;
};

/* --- notices -------------------------------------------------------------- */

/*
 * Where a notice about this mail goes: to the registered address of
 * the member whose address is in From, else to the envelope sender
 * when it is the From address, else nowhere (notice_answer_to()).  So
 * a stranger who writes with a member's address in From and their own
 * envelope sender, to draw a notice, receives nothing, just as when
 * the address is not a member's: they cannot learn who is a member,
 * nor a member's name.  NULL for nobody.
 */
static const char *
answer_address(const struct job *j)
{
	const char *env = j->o->envelope_from ? j->o->envelope_from :
	    j->m->return_path;

	return notice_answer_to(j->ctx->cfg->group.address, env,
	    j->m->from_addr, j->have_sender ? j->sender.email : NULL);
}

/* A notice to the sender of this mail, at most once a day per kind. */
static enum bpt_status
notice_sender(struct job *j, const char *kind, const char *tpl,
    const struct tvar *v, size_t n, long long incident)
{
	const char *to = answer_address(j);
	struct notice nt = { .tpl = tpl, .vars = v, .nvars = n, .to = to,
	    .incident = incident };
	enum bpt_status st;
	int ok;

	/* the texts may carry the member's name: to them alone */
	if (to == NULL || (j->have_sender && to != j->sender.email))
		return BPT_OK;
	if ((st = notice_allowed(j->ctx, to, kind, NOTICE_INTERVAL, &ok)) != BPT_OK ||
	    !ok)
		return st;
	nt.member_id = j->have_sender ? j->sender.id : 0;
	nt.source = j->r->message;
	nt.in_reply_to = j->m ? j->m->message_id : NULL;
	nt.runner = j->runner;
	if ((st = notice_queue(j->ctx, &nt, NULL)) == BPT_OK)
		j->r->notices++;
	return st;
}

/* --- phase B ------------------------------------------------------------- */

/* bpt+N@ in the envelope recipient, or in To/Cc as written. */
static long long
plus_number(const struct job *j)
{
	const char *list = j->ctx->cfg->group.address;
	const char *lat = strrchr(list, '@');
	static const char *const fields[] = { "To", "Cc" };
	long long n = incident_plus_number(j->env_to, list);
	size_t f, k, ll = lat ? (size_t)(lat - list) : 0;

	for (f = 0; n == 0 && lat && f < 2; f++) {
		const char *v;

		for (k = 0; n == 0 && (v = mail_header(j->m, fields[f], k)) != NULL; k++) {
			const char *p = v;

			while (n == 0 && (p = strchr(p, '+')) != NULL) {
				const char *b = p, *e = p + 1;
				char cand[320];

				while (b > v && !strchr(" <,:\"", b[-1]))
					b--;
				while (*e && !strchr(" >,;\"", *e))
					e++;
				p++;
				if ((size_t)(e - b) >= sizeof(cand) || (size_t)(p - 1 - b) != ll)
					continue;
				memcpy(cand, b, (size_t)(e - b));
				cand[e - b] = '\0';
				n = incident_plus_number(cand, list);
			}
		}
	}
	return n;
}

/*
 * The request address (LOCAL-request@): sign-up, unsubscribe, help
 * and admin commands by mail.  Kept and marked; one call, one place.
 */
static enum bpt_status
request_mail(struct job *j)
{
	struct request_in rq = {
		j->m, j->raw, j->len,
		j->o->envelope_from ? j->o->envelope_from : j->m->return_path,
		j->env_to, j->have_sender ? &j->sender : NULL,
		j->r->message, j->runner,
	};

	j->r->class = "command";
	return request_handle(j->ctx, &rq, &j->r->why, &j->r->notices);
}

/*
 * The incident the mail answers: its references, then the subject tag,
 * then bpt+N@.  0 when none (or when that incident does not exist).
 */
static enum bpt_status
thread_of(struct job *j, long long *number, int *closed, const char **why)
{
	struct bpt_ctx *ctx = j->ctx;
	const struct mail *m = j->m;
	const char **ids;
	struct incident inc;
	enum bpt_status st;
	size_t k = 0, i;
	long long n = 0;

	*number = 0;
	*closed = 0;
	*why = NULL;
	if ((ids = calloc(m->nrefs + 1, sizeof(*ids))) == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	for (i = 0; i < m->nrefs; i++)
		ids[k++] = m->refs[i];
	if (m->in_reply_to)
		ids[k++] = m->in_reply_to;
	st = incident_by_msgids(ctx, ids, k, &n);
	free(ids);
	if (st != BPT_OK)
		return st;
	if (n != 0)
		*why = "In-Reply-To/References";
	if (n == 0 && m->subject &&
	    (n = incident_tag_number(m->subject, ctx->cfg->group.name)) != 0)
		*why = "subject tag";
	if (n == 0 && (n = plus_number(j)) != 0)
		*why = "plus address";
	if (n == 0)
		return BPT_OK;
	st = incident_get(ctx, n, &inc);
	if (st == BPT_ENOENT) {
		*why = NULL;
		return BPT_OK;
	}
	if (st != BPT_OK)
		return st;
	*number = n;
	*closed = inc.closed;
	incident_release(&inc);
	return BPT_OK;
}

/* The copy for the group, and what the message row keeps of it. */
static enum bpt_status
distribute(struct job *j, long long number, int is_reply)
{
	struct distribute_in in = {
		.m = j->m,
		.message = j->r->message,
		.sha = j->sha,
		.sender_id = j->have_sender ? j->sender.id : 0,
		.sender_name = j->have_sender ? j->sender.name : NULL,
		.runner = j->runner,
	};
	enum bpt_status st;

	st = distribute_copy(j->ctx, &in, number, is_reply, &j->out);
	j->r->copies = j->out.copies;
	return st;
}

/* How a notice greets the sender. */
static const char *
greeting_name(const struct job *j)
{
	int en = j->ctx->cfg->group.language == CFG_EN;

	if (j->have_sender)
		return j->sender.name && *j->sender.name ? j->sender.name :
		    (en ? "member" : "lid");
	return en ? "sender" : "afzender";
}

/* A message that broke a rule: kept, the sender and the admins told. */
static enum bpt_status
hold(struct job *j, const struct classify_out *c, long long thread)
{
	struct bpt_ctx *ctx = j->ctx;
	const struct mail *m = j->m;
	const char *to = c->automatic ? NULL : answer_address(j);
	struct buf from = BUF_INIT;
	struct hold_new n;
	enum bpt_status st;

	/* notices name the rule: to the member's registered address only */
	if (to != NULL && j->have_sender && to != j->sender.email)
		to = NULL;
	if (m->from_name && *m->from_name)
		buf_addf(&from, "%s <%s>", m->from_name, m->from_addr ? m->from_addr : "");
	else
		buf_adds(&from, m->from_addr ? m->from_addr : "(no From)");
	if (buf_failed(&from) || buf_failed(&c->evidence))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	memset(&n, 0, sizeof(n));
	n.message = j->r->message;
	n.rule = c->rule;
	n.evidence = buf_str(&c->evidence);
	n.notify = to;
	n.member_id = j->have_sender ? j->sender.id : 0;
	n.name = greeting_name(j);
	n.from = buf_str(&from);
	n.subject = m->subject;
	n.text = m->text;
	n.in_reply_to = m->message_id;
	n.is_alert = thread == 0;
	n.runner = j->runner;
	if ((st = hold_add(ctx, &n, NULL)) == BPT_OK)
		j->r->notices += (to != NULL) + 1;
	buf_release(&from);
	return st;
}

/* Decides the class; queues copies or notices.  Inside the transaction. */
static enum bpt_status
classify_and_act(struct job *j)
{
	struct bpt_ctx *ctx = j->ctx;
	const struct bpt_config *cfg = ctx->cfg;
	struct mail *m = j->m;
	struct classify_in in;
	struct classify_out c;
	char num[32], size[32], limit[32], closed[32];
	const char *name = greeting_name(j), *thread_why;
	enum bpt_status st;
	long long n;
	int is_closed;

	memset(&in, 0, sizeof(in));
	memset(&c, 0, sizeof(c));
	buf_init(&c.evidence);
	if ((st = thread_of(j, &n, &is_closed, &thread_why)) != BPT_OK)
		return st;
	in.cfg = cfg;
	in.m = m;
	in.env_to = j->env_to;
	in.truncated = j->o->truncated;
	in.sender = j->have_sender ? &j->sender : NULL;
	in.words = j->words;
	in.thread = n;
	in.thread_closed = is_closed;
	in.approved = j->approve != 0;
	if (j->have_sender && !in.approved && cfg->policy.flood_max_per_hour > 0 &&
	    (st = message_count_recent(ctx, j->sender.id, j->r->message,
	    bpt_now(ctx) - 3600, &in.recent)) != BPT_OK)
		return st;
	classify(&in, &c);
	j->r->class = classify_str(c.cls);
	j->r->why = c.why;
	switch (c.cls) {
	case CLS_TOOLARGE: {
		struct tvar v[] = {
			{ "group", cfg->group.name }, { "name", name },
			{ "subject", m->subject }, { "size", size }, { "limit", limit },
		};

		util_human_size(size, sizeof(size), (double)j->o->total);
		util_human_size(limit, sizeof(limit), (double)cfg->policy.max_message_size);
		if (!c.automatic)
			st = notice_sender(j, "toolarge", "notice-toolarge", v,
			    nitems(v), 0);
		break;
	}
	case CLS_LOOP:
	case CLS_AUTOREPLY:
		break;
	case CLS_BOUNCE: {
		struct bounces_result br;

		st = bounces_record(ctx, m, j->env_to, j->r->message, j->runner, &br);
		if (st == BPT_OK && br.suspended)
			j->r->why = "probe bounced: member suspended";
		else if (st == BPT_OK && br.probes)
			j->r->why = "bounce limit reached: probe sent";
		break;
	}
	case CLS_MALFORMED: {
		struct tvar v[] = {
			{ "group", cfg->group.name }, { "name", name },
			{ "subject", m->subject }, { "reason", m->notes },
			{ "too_many_parts", m->flags & MAIL_LIMIT_PARTS ? "1" : NULL },
			{ "too_deep", m->flags & MAIL_LIMIT_DEPTH ? "1" : NULL },
			{ "too_many_headers", m->flags & MAIL_LIMIT_HEADERS ? "1" : NULL },
			{ "too_long_line", m->flags & MAIL_LIMIT_LINE ? "1" : NULL },
		};

		st = notice_sender(j, "unreadable", "notice-unreadable", v,
		    nitems(v), 0);
		break;
	}
	case CLS_COMMAND:
		st = request_mail(j);
		break;
	case CLS_NONMEMBER: {
		/* a member who may not post is told why, not invited to join */
		const char *status = j->have_sender ? j->sender.status : "";
		char until[32] = "";
		struct tvar v[] = {
			{ "group", cfg->group.name }, { "list", cfg->group.address },
			{ "subject", m->subject }, { "request", cfg->list.request },
			{ "name", j->have_sender ? j->sender.name : NULL },
			{ "stranger", j->have_sender ? NULL : "1" },
			{ "suspended", strcmp(status, "suspended") == 0 ? "1" : NULL },
			{ "until", until },
			{ "removed", strcmp(status, "removed") == 0 ? "1" : NULL },
			{ "banned", strcmp(status, "banned") == 0 ? "1" : NULL },
			{ "pending", strcmp(status, "pending") == 0 ? "1" : NULL },
		};

		if (j->have_sender && j->sender.status_until != 0)
			util_time_short(cfg->group.timezone, j->sender.status_until, until);
		st = notice_sender(j, "nonmember", "notice-nonmember", v,
		    nitems(v), 0);
		break;
	}
	case CLS_HELD:
		st = hold(j, &c, n);
		break;
	case CLS_REJECTED: {
		int en = cfg->group.language == CFG_EN;
		struct tvar v[] = {
			{ "group", cfg->group.name }, { "name", name },
			{ "subject", m->subject },
			{ "rule", policy_rule_text(c.rule, en) }, { "reason", NULL },
		};

		st = notice_sender(j, "rejected", "notice-rejected", v, nitems(v), 0);
		break;
	}
	case CLS_CLOSED: {
		struct tvar v[] = {
			{ "name", name }, { "subject", m->subject }, { "number", num },
			{ "closed_at", closed }, { "list", cfg->group.address },
			{ "group", cfg->group.name },
		};
		struct incident inc;
		char kind[48];

		if ((st = incident_get(ctx, n, &inc)) != BPT_OK)
			break;
		snprintf(num, sizeof(num), "%lld", n);
		util_time_short(cfg->group.timezone, inc.closed_at, closed);
		incident_release(&inc);
		snprintf(kind, sizeof(kind), "closed-%lld", n);
		j->r->incident = n;
		st = notice_sender(j, kind, "notice-closed", v, nitems(v), n);
		break;
	}
	case CLS_REPLY:
		j->r->why = thread_why;
		j->r->incident = n;
		st = distribute(j, n, 1);
		break;
	case CLS_POST: {
		char *subject = distribute_subject(ctx, m);

		if (subject == NULL) {
			st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
			break;
		}
		st = incident_open(ctx, j->have_sender ? j->sender.id : 0, subject,
		    bpt_now(ctx), &n);
		free(subject);
		if (st != BPT_OK)
			break;
		j->r->incident = n;
		st = distribute(j, n, 0);
		break;
	}
	}
	buf_release(&c.evidence);
	return st;
}

static enum bpt_status
finish_row(struct job *j)
{
	struct message_result mr;

	if (buf_failed(&j->out.shown))
		return bpt_err(j->ctx, BPT_ENOMEM, "out of memory");
	memset(&mr, 0, sizeof(mr));
	mr.id = j->r->message;
	mr.m = j->m;
	mr.member_id = j->have_sender ? j->sender.id : 0;
	mr.class = j->r->class;
	mr.incident = j->r->incident;
	mr.shown = buf_str(&j->out.shown);
	mr.called = j->out.called;
	mr.prev_hash = j->out.prev_hash;
	mr.chain_hash = j->out.chain_hash;
	return message_finish(j->ctx, &mr);
}

/*
 * 1 in *done when this row is no longer what this run expects: 'new'
 * (for a release: 'quarantined'; for an approval: a held message).
 * A run of the same bytes (an overlapping fetch, an MTA retry racing a
 * slow run, a second release) finished it after this run was let
 * through.  Inside the transaction.
 */
static enum bpt_status
row_finished(struct job *j, int *done)
{
	char state[16], cls[32];
	enum bpt_status st;

	*done = 0;
	if ((st = message_state(j->ctx, j->r->message, state, cls)) == BPT_ENOENT)
		return BPT_OK;
	if (st != BPT_OK)
		return st;
	if (j->approve)
		*done = strcmp(state, "done") != 0 || strcmp(cls, "held") != 0;
	else
		*done = strcmp(state, j->release ? "quarantined" : "new") != 0;
	return BPT_OK;
}

/*
 * 1 in *dup when a mail with the same Message-ID from the same sender
 * was processed within a day: an MTA's retry whose bytes differ (it
 * added a Received or Delivered-To header), so the hash missed it.
 * Inside the transaction, so two such runs never both distribute.
 */
static enum bpt_status
same_msgid(struct job *j, int *dup)
{
	*dup = 0;
	if (j->approve)
		return BPT_OK;
	return message_same_msgid(j->ctx, j->r->message, j->m->message_id,
	    j->m->from_addr, bpt_now(j->ctx) - DUPLICATE_WINDOW, dup);
}

/*
 * Points the signal handlers at this run's file while the mail's own
 * bytes are at work (parsing, classifying), not while the run waits
 * for the store's lock or commits: a time-out there is not the mail's.
 */
static void
guard(struct job *j, int on)
{
	if (j->o->guard != NULL)
		*j->o->guard = on ? j->mark.fd : -1;
}

/* The audit row of bpt-report release, in the transaction of its result. */
static enum bpt_status
audit_release(struct job *j)
{
	char detail[64];
	struct audit_entry e;

	memset(&e, 0, sizeof(e));
	snprintf(detail, sizeof(detail), "message %lld: %s", j->r->message,
	    j->r->class ? j->r->class : "-");
	e.action = "release";
	e.incident_id = j->r->incident;
	e.detail = detail;
	return audit_add(j->ctx, &e);
}

/*
 * The words of policy.language: the built-in list and policy.words.
 * An admin's file that cannot be read costs no alert: the built-in
 * list alone is used, and the reason logged.
 */
static enum bpt_status
load_words(struct job *j)
{
	struct bpt_ctx *ctx = j->ctx;
	const char *path = ctx->cfg->policy.words;
	enum bpt_status st;

	if (ctx->cfg->policy.language == CFG_ALLOW || j->approve)
		return BPT_OK;
	st = words_load(ctx, path, &j->words);
	if (st != BPT_OK && st != BPT_ENOMEM && path != NULL && *path != '\0') {
		log_warnx("policy.words: %s; using the built-in list only",
		    ctx->errmsg);
		st = words_load(ctx, NULL, &j->words);
	}
	return st;
}

static enum bpt_status
process(struct job *j)
{
	struct bpt_ctx *ctx = j->ctx;
	struct mail_limits lim;
	enum bpt_status st;
	int done, nested;

	lim.max_parts = ctx->cfg->limits.max_parts;
	lim.max_depth = ctx->cfg->limits.max_depth;
	lim.max_headers = ctx->cfg->limits.max_headers;
	lim.max_line = ctx->cfg->limits.max_line;
	guard(j, 1);
	st = mail_parse(ctx, j->raw, j->len, &lim, &j->m);
	guard(j, 0);
	if (st != BPT_OK)
		return st;
	j->env_to = j->o->envelope_to ? j->o->envelope_to : j->m->envelope_to;
	if ((st = load_words(j)) != BPT_OK)
		return st;
	/* an approval by mail runs inside the command mail's transaction */
	if ((st = store_enter(ctx, ctx->store, &nested)) != BPT_OK)
		return st;
	guard(j, 1);
	if ((st = row_finished(j, &done)) != BPT_OK)
		goto fail;
	if (done) {
		guard(j, 0);
		store_undo(ctx->store, nested);
		j->r->duplicate = 1;
		j->r->class = "duplicate";
		j->r->why = "already processed";
		return BPT_OK;
	}
	if (j->m->from_addr != NULL) {
		st = member_lookup(ctx, j->m->from_addr, &j->sender);
		if (st == BPT_OK)
			j->have_sender = 1;
		else if (st != BPT_ENOENT)
			goto fail;
	}
	if ((st = same_msgid(j, &done)) != BPT_OK)
		goto fail;
	if (done) {
		/* stored and marked; its copies went out with the first */
		j->r->duplicate = 1;
		j->r->class = "duplicate";
		j->r->why = "same Message-ID from the same sender";
	} else if ((st = classify_and_act(j)) != BPT_OK)
		goto fail;
	if ((st = finish_row(j)) != BPT_OK)
		goto fail;
	if (j->release && (st = audit_release(j)) != BPT_OK)
		goto fail;
	if (j->approve && (st = hold_approved(ctx, j->approve, j->actor,
	    j->r->incident)) != BPT_OK)
		goto fail;
	guard(j, 0);
	return store_leave(ctx, ctx->store, nested);
fail:
	guard(j, 0);
	store_undo(ctx->store, nested);
	return st;
}

/*
 * Runs a stored row through phase B under a run file.  A run that
 * cannot make its file goes on without one: the alert matters more,
 * and only a crash of this run would go unrecorded.  The file goes
 * when the run is done with the mail, whatever the outcome it reports:
 * a clean failure leaves no trace.
 */
static enum bpt_status
guarded_process(struct job *j)
{
	enum bpt_status st;

	if (j->o->guard != NULL && runmark_open(j->ctx, j->sha, &j->mark) != BPT_OK)
		log_warnx("message %lld: %s; parsing it without one", j->r->message,
		    j->ctx->errmsg);
	st = process(j);
	runmark_close(&j->mark);
	return st;
}

static void
job_init(struct job *j, struct bpt_ctx *ctx, const char *raw, size_t len,
    const struct ingest_opts *o, struct ingest_result *r)
{
	memset(r, 0, sizeof(*r));
	memset(j, 0, sizeof(*j));
	j->ctx = ctx;
	j->o = o;
	j->r = r;
	j->raw = raw;
	j->len = len;
	j->mark.fd = -1;
	buf_init(&j->out.shown);
	if (o->deliver) {
		if (o->runner != NULL)
			snprintf(r->runner, sizeof(r->runner), "%s", o->runner);
		else
			outbox_runner(r->runner);
		j->runner = r->runner;
	}
	sha256_hex(raw, len, j->sha);
}

static void
job_release(struct job *j)
{
	if (j->have_sender)
		member_release(&j->sender);
	mail_free(j->m);
	words_free(j->words);
	buf_release(&j->out.shown);
}

enum bpt_status
ingest_message(struct bpt_ctx *ctx, const char *raw, size_t len,
    const struct ingest_opts *o, struct ingest_result *r)
{
	struct job j;
	struct quarantine_mail qm;
	enum quarantine_seen seen;
	enum bpt_status st;

	job_init(&j, ctx, raw, len, o, r);
	qm.sha = j.sha;
	qm.raw = raw;
	qm.len = len;
	qm.o = o;
	qm.runner = j.runner;

	/*
	 * The raw commit need not reach the disk by itself: until the MTA
	 * has our exit 0 it keeps the mail, and the main commit's sync
	 * carries this one with it (the WAL is written in order).  One sync
	 * less on the path of every alert.
	 */
	if ((st = store_set_sync(ctx, ctx->store, 1)) != BPT_OK)
		goto out;
	st = quarantine_admit(ctx, &qm, r, &seen);
	if (st == BPT_OK)
		st = store_set_sync(ctx, ctx->store, 2);
	if (st != BPT_OK)
		goto out;
	if (seen == QUARANTINE_DONE) {
		r->duplicate = 1;
		r->class = "duplicate";
		r->why = "already processed";
	} else if (seen != QUARANTINE_NOW) {
		/* a test takes the store's lock here (bpt(7)) */
		if (bpt_fault("stop-after-raw"))
			raise(SIGSTOP);
		st = guarded_process(&j);
	}
out:
	job_release(&j);
	return st;
}

enum bpt_status
ingest_release(struct bpt_ctx *ctx, long long id, const struct ingest_opts *o,
    struct ingest_result *r)
{
	struct ingest_opts io = *o;
	struct message_raw q;
	enum bpt_status st;
	struct job j;

	memset(r, 0, sizeof(*r));
	if ((st = message_load(ctx, id, &q)) != BPT_OK)
		goto out;
	if (strcmp(q.state, "quarantined") != 0) {
		st = bpt_err(ctx, BPT_EDATA, "message %lld is not quarantined "
		    "(it is %s)", id, q.state);
		goto out;
	}
	io.envelope_from = q.envelope_from;
	io.envelope_to = q.envelope_to;
	io.total = q.size;
	io.truncated = q.truncated;
	job_init(&j, ctx, buf_str(&q.raw), q.raw.len, &io, r);
	j.release = 1;
	r->message = id;
	/* what crashed runs of it left: the admin has seen enough of them */
	(void)runmark_collect(ctx, j.sha, NULL);
	st = guarded_process(&j);
	job_release(&j);
out:
	message_raw_release(&q);
	return st;
}

enum bpt_status
ingest_approve(struct bpt_ctx *ctx, long long hold_id, const char *actor,
    int deliver, const char *runner, struct ingest_result *r)
{
	struct ingest_opts io;
	struct message_raw mr;
	struct hold h;
	enum bpt_status st;
	struct job j;

	memset(r, 0, sizeof(*r));
	memset(&mr, 0, sizeof(mr));
	buf_init(&mr.raw);
	if ((st = hold_get(ctx, hold_id, &h)) != BPT_OK)
		return st;
	if (strcmp(h.state, "pending") != 0) {
		st = bpt_err(ctx, BPT_EDATA, "held message %lld is already %s",
		    hold_id, h.state);
		goto out;
	}
	if ((st = message_load(ctx, h.message, &mr)) != BPT_OK)
		goto out;
	memset(&io, 0, sizeof(io));
	io.envelope_from = mr.envelope_from;
	io.envelope_to = mr.envelope_to;
	io.total = mr.size;
	io.truncated = mr.truncated;
	io.deliver = deliver;
	io.runner = runner;
	job_init(&j, ctx, buf_str(&mr.raw), mr.raw.len, &io, r);
	j.approve = hold_id;
	j.actor = actor ? actor : ctx->actor;
	r->message = h.message;
	st = process(&j);
	if (st == BPT_OK && r->duplicate)
		st = bpt_err(ctx, BPT_EDATA, "held message %lld was decided on "
		    "meanwhile", hold_id);
	job_release(&j);
out:
	message_raw_release(&mr);
	hold_release(&h);
	return st;
}

enum bpt_status
ingest_deliver(struct bpt_ctx *ctx, struct ingest_result *r)
{
	/* a retry of a stored mail: its copies may wait for a dead runner */
	if (r->duplicate || r->runner[0] == '\0')
		return outbox_run(ctx, &r->sent);
	return outbox_deliver_claimed(ctx, r->runner, &r->sent);
}
