/* close.c - closing incidents, reopening, outcomes, reminders. */
#include "bptconf.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "buf.h"
#include "charset.h"
#include "close.h"
#include "compose.h"
#include "config.h"
#include "incident.h"
#include "notice.h"
#include "outbox.h"
#include "store.h"
#include "template.h"
#include "util.h"

#define REASON_MAX 500		/* bytes of a reason */
#define OUTCOME_MAX 4000	/* bytes of an outcome's text */
#define SUBJECT_SHOWN 60	/* bytes of a subject in the reminder */

void
close_run_init(struct close_run *r, int dry_run, int deliver, const char *by_name)
{
	memset(r, 0, sizeof(*r));
	r->dry_run = dry_run;
	r->deliver = deliver && !dry_run;
	r->by_name = by_name;
	if (r->deliver)
		outbox_runner(r->runner);
}

void
close_run_release(struct close_run *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->items[i].subject);
		free(r->items[i].text);
	}
	free(r->items);
	r->items = NULL;
	r->n = r->alloc = 0;
}

/* A new item for incident inc at the end of the run; NULL on oom. */
static struct close_item *
add_item(struct bpt_ctx *ctx, struct close_run *r, const struct incident *inc,
    const char *action, const char *text)
{
	struct close_item *it;

	if (r->n == r->alloc) {
		size_t na = r->alloc ? 2 * r->alloc : 8;
		struct close_item *ni = realloc(r->items, na * sizeof(*ni));

		if (ni == NULL) {
			bpt_err(ctx, BPT_ENOMEM, "out of memory");
			return NULL;
		}
		r->items = ni;
		r->alloc = na;
	}
	it = &r->items[r->n];
	memset(it, 0, sizeof(*it));
	it->number = inc->number;
	it->action = action;
	it->result = -1;
	it->closed_at = inc->closed ? inc->closed_at : 0;
	it->subject = strdup(inc->subject);
	it->text = util_strdup0(text);
	if (it->subject == NULL || (text != NULL && it->text == NULL)) {
		free(it->subject);
		free(it->text);
		bpt_err(ctx, BPT_ENOMEM, "out of memory");
		return NULL;
	}
	r->n++;
	return it;
}

/*
 * Text an admin gave: valid UTF-8, no control characters (but line
 * breaks and tabs where lines are allowed), not blank, at most max
 * bytes.
 */
static enum bpt_status
check_text(struct bpt_ctx *ctx, const char *what, const char *s, size_t max,
    int lines)
{
	size_t n = strlen(s), i;
	int blank = 1;

	if (n > max)
		return bpt_err(ctx, BPT_EUSAGE, "%s is longer than %zu bytes", what, max);
	if (charset_utf8_valid_len(s, n) != n)
		return bpt_err(ctx, BPT_EUSAGE, "%s is not valid UTF-8", what);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && !(lines && (c == '\n' || c == '\t'))) || c == 0x7f)
			return bpt_err(ctx, BPT_EUSAGE, "%s holds a control character%s",
			    what, lines ? "" : " (it must be one line)");
		if (c != ' ' && c != '\n' && c != '\t')
			blank = 0;
	}
	if (blank)
		return bpt_err(ctx, BPT_EUSAGE, "%s is empty", what);
	return BPT_OK;
}

static int
english(const struct bpt_ctx *ctx)
{
	return ctx->cfg->group.language == CFG_EN;
}

/*
 * One mail to every active member in incident inc's thread: template
 * tpl with vars (and the footer), In-Reply-To the alert members got,
 * References the thread, "Re: [group #N] subject".  *count receives
 * the delivery rows.  Inside the caller's transaction.
 */
static enum bpt_status
to_group(struct bpt_ctx *ctx, struct close_run *r, const struct incident *inc,
    const char *tpl, const char *kind, struct tvar *vars, size_t n,
    long long *count)
{
	const struct bpt_config *cfg = ctx->cfg;
	struct buf footer = BUF_INIT, body = BUF_INIT, refs = BUF_INIT, out = BUF_INIT;
	struct tvar fv[] = { { "group", cfg->group.name } };
	char msgid[COMPOSE_MSGID_MAX];
	char *last = NULL;
	const char *bounces = cfg->list.bounces;
	enum bpt_status st;
	long long id;
	size_t i;

	if ((st = tpl_render(ctx, "footer", fv, 1, &footer)) != BPT_OK)
		goto out;
	for (i = 0; i < n; i++)
		if (strcmp(vars[i].name, "footer") == 0)
			vars[i].value = buf_str(&footer);
	if ((st = tpl_render(ctx, tpl, vars, n, &body)) != BPT_OK)
		goto out;
	if ((st = compose_msgid(ctx, inc->number, msgid)) != BPT_OK)
		goto out;
	if ((st = incident_last_copy(ctx, inc->number, &last)) != BPT_OK)
		goto out;
	if (inc->root_msgid != NULL) {
		buf_addf(&refs, "<%s>", inc->root_msgid);
		if (last != NULL && strcmp(last, inc->root_msgid) != 0)
			buf_addf(&refs, " <%s>", last);
	}
	if (buf_failed(&refs)) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	{
		struct compose_copy c = {
			.number = inc->number,
			.is_reply = 1,
			.sender_name = r->by_name && *r->by_name ? r->by_name :
			    english(ctx) ? "The admins" : "De beheerders",
			.subject = inc->subject,
			.body = buf_str(&body),
			.msgid = msgid,
			.in_reply_to = inc->root_msgid,
			.references = refs.len ? refs.buf : NULL,
			.date = bpt_now(ctx),
		};

		if ((st = compose_copy(ctx, &c, &out)) != BPT_OK)
			goto out;
	}
	st = outbox_add(ctx, kind, inc->number, 0, msgid, bounces, out.buf, out.len, &id);
	if (st == BPT_OK)
		st = outbox_to_members(ctx, id, r->deliver ? r->runner : NULL, count);
out:
	free(last);
	buf_release(&footer);
	buf_release(&body);
	buf_release(&refs);
	buf_release(&out);
	return st;
}

/* An audit row about incident number; its detail names the incident, so
 * that the trail reads on its own (bpt-member log has no column for it). */
static enum bpt_status
incident_audit(struct bpt_ctx *ctx, const char *action, long long number,
    const char *reason, const char *text)
{
	struct audit_entry e = { 0 };
	struct buf d = BUF_INIT;
	enum bpt_status st;

	buf_addf(&d, "incident #%lld", number);
	if (text != NULL)
		buf_addf(&d, ": %s", text);
	if (buf_failed(&d))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	e.action = action;
	e.incident_id = number;
	e.reason = reason;
	e.detail = buf_str(&d);
	st = audit_add(ctx, &e);
	buf_release(&d);
	return st;
}

/*
 * Closes number inside a transaction of its own.  before: only when
 * its last message came before this (an idle close; 0: always); an
 * incident that woke up meanwhile is left alone without an item.
 */
static enum bpt_status
close_one(struct bpt_ctx *ctx, struct close_run *r, long long number,
    const char *reason, time_t before)
{
	time_t now = bpt_now(ctx);
	struct incident inc;
	struct close_item *it;
	enum bpt_status st;
	char num[32], when[32];
	long long count = 0;
	int changed;

	if ((st = store_enter(ctx, ctx->store, &r->nested)) != BPT_OK)
		return st;
	if ((st = incident_get(ctx, number, &inc)) != BPT_OK) {
		store_undo(ctx->store, r->nested);
		return st;
	}
	if (inc.closed || (before != 0 && inc.last_at >= before)) {
		store_undo(ctx->store, r->nested);
		st = BPT_OK;
		if (inc.closed && before == 0) {
			if ((it = add_item(ctx, r, &inc, "none", inc.close_reason)) == NULL)
				st = ctx->err;
			else
				it->why = "already closed";
		}
		incident_release(&inc);
		return st;
	}
	st = incident_set_closed(ctx, number, now, ctx->actor, reason, &changed);
	if (st == BPT_OK)
		st = incident_audit(ctx, "close", number, reason, NULL);
	if (st == BPT_OK) {
		struct tvar v[] = {
			{ "group", ctx->cfg->group.name }, { "number", num },
			{ "time", when }, { "by", r->by_name }, { "reason", reason },
			{ "list", ctx->cfg->group.address }, { "footer", NULL },
		};

		snprintf(num, sizeof(num), "%lld", number);
		util_time_short(cfg_timezone(ctx->cfg), now, when);
		st = to_group(ctx, r, &inc, "end", "closed", v, sizeof(v) / sizeof(v[0]),
		    &count);
	}
	/* copies settled long ago keep their numbers for the statistics */
	if (st == BPT_OK)
		st = incident_fold_copies(ctx);
	if ((st = store_finish(ctx, ctx->store, r->nested, r->dry_run, st)) == BPT_OK) {
		inc.closed = 1;
		inc.closed_at = now;
		if ((it = add_item(ctx, r, &inc, "close", reason)) == NULL)
			st = ctx->err;
		else
			it->recipients = count;
	}
	incident_release(&inc);
	return st;
}

enum bpt_status
close_incident(struct bpt_ctx *ctx, struct close_run *r, long long number,
    const char *reason)
{
	enum bpt_status st;

	if (reason != NULL && (st = check_text(ctx, "the reason", reason,
	    REASON_MAX, 0)) != BPT_OK)
		return st;
	return close_one(ctx, r, number, reason, 0);
}

enum bpt_status
close_reopen(struct bpt_ctx *ctx, struct close_run *r, long long number)
{
	time_t now = bpt_now(ctx);
	struct incident inc;
	struct close_item *it;
	enum bpt_status st;
	char num[32];
	long long count = 0;
	int changed;

	if ((st = store_enter(ctx, ctx->store, &r->nested)) != BPT_OK)
		return st;
	if ((st = incident_get(ctx, number, &inc)) != BPT_OK) {
		store_undo(ctx->store, r->nested);
		return st;
	}
	if (!inc.closed) {
		store_undo(ctx->store, r->nested);
		st = BPT_OK;
		if ((it = add_item(ctx, r, &inc, "none", NULL)) == NULL)
			st = ctx->err;
		else
			it->why = "not closed";
		incident_release(&inc);
		return st;
	}
	st = incident_set_open(ctx, number, now, &changed);
	if (st == BPT_OK)
		st = incident_audit(ctx, "reopen", number, NULL, NULL);
	if (st == BPT_OK) {
		struct tvar v[] = {
			{ "group", ctx->cfg->group.name }, { "number", num },
			{ "footer", NULL },
		};

		snprintf(num, sizeof(num), "%lld", number);
		st = to_group(ctx, r, &inc, "reopen", "reopen", v,
		    sizeof(v) / sizeof(v[0]), &count);
	}
	if ((st = store_finish(ctx, ctx->store, r->nested, r->dry_run, st)) == BPT_OK) {
		inc.closed = 0;
		if ((it = add_item(ctx, r, &inc, "reopen", NULL)) == NULL)
			st = ctx->err;
		else
			it->recipients = count;
	}
	incident_release(&inc);
	return st;
}

enum bpt_status
close_outcome(struct bpt_ctx *ctx, struct close_run *r, long long number,
    const char *text, int result)
{
	time_t now = bpt_now(ctx);
	struct incident inc;
	struct close_item *it;
	enum bpt_status st;
	char num[32];
	long long count = 0;

	if ((st = check_text(ctx, "the outcome", text, OUTCOME_MAX, 1)) != BPT_OK)
		return st;
	if (incident_result_str(result) == NULL)
		return bpt_err(ctx, BPT_EUSAGE, "unknown result");
	if ((st = store_enter(ctx, ctx->store, &r->nested)) != BPT_OK)
		return st;
	if ((st = incident_get(ctx, number, &inc)) != BPT_OK) {
		store_undo(ctx->store, r->nested);
		return st;
	}
	if (inc.outcome != NULL && strcmp(inc.outcome, text) == 0 &&
	    inc.result == result) {
		store_undo(ctx->store, r->nested);
		st = BPT_OK;
		if ((it = add_item(ctx, r, &inc, "none", text)) == NULL)
			st = ctx->err;
		else {
			it->why = "this outcome is recorded already";
			it->result = result;
		}
		incident_release(&inc);
		return st;
	}
	st = incident_set_outcome(ctx, number, text, result, now, ctx->actor);
	if (st == BPT_OK)
		st = incident_audit(ctx, "outcome", number, incident_result_str(result),
		    text);
	if (st == BPT_OK) {
		const char *res = incident_result_str(result);
		struct tvar v[] = {
			{ "group", ctx->cfg->group.name }, { "number", num },
			{ "outcome", text }, { "result", res },
			{ res, "1" }, { "replaced", inc.outcome ? "1" : NULL },
			{ "by", r->by_name }, { "footer", NULL },
		};

		snprintf(num, sizeof(num), "%lld", number);
		st = to_group(ctx, r, &inc, "outcome", "outcome", v,
		    sizeof(v) / sizeof(v[0]), &count);
	}
	if ((st = store_finish(ctx, ctx->store, r->nested, r->dry_run, st)) == BPT_OK) {
		if ((it = add_item(ctx, r, &inc, "outcome", text)) == NULL)
			st = ctx->err;
		else {
			it->result = result;
			it->recipients = count;
		}
	}
	incident_release(&inc);
	return st;
}

enum bpt_status
close_idle(struct bpt_ctx *ctx, struct close_run *r, long idle)
{
	const char *reason = english(ctx) ? "no new messages" : "geen nieuwe berichten";
	time_t before = bpt_now(ctx) - idle;
	enum bpt_status st;
	long long *v;
	size_t n, i;

	if (idle < 0)
		return bpt_err(ctx, BPT_EUSAGE, "a negative quiet time");
	if ((st = incident_idle(ctx, before, &v, &n)) != BPT_OK)
		return st;
	for (i = 0; i < n && st == BPT_OK; i++)
		st = close_one(ctx, r, v[i], reason, before);
	free(v);
	return st;
}

/* --- reminders --------------------------------------------------------- */

/* "-c PATH " for the command in a reminder, quoted for a shell. */
static void
config_option(const char *path, struct buf *b)
{
	char *abs = realpath(path, NULL);
	const char *p = abs ? abs : path, *s;
	int plain = 1;

	for (s = p; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789/._-+", *s))
			plain = 0;
	buf_adds(b, "-c ");
	if (plain) {
		buf_adds(b, p);
	} else {
		buf_addch(b, '\'');
		for (s = p; *s; s++) {
			if (*s == '\'')
				buf_adds(b, "'\\''");
			else
				buf_addch(b, *s);
		}
		buf_addch(b, '\'');
	}
	buf_addch(b, ' ');
	free(abs);
}

struct remind {
	struct bpt_ctx *ctx;
	struct close_run *r;
	size_t first;		/* the run's first item of this reminder */
	struct buf list;	/* the rendered items */
	struct buf config;	/* "-c PATH " */
	enum bpt_status st;
};

/* The subject cut to a line of the list, between characters. */
static void
short_subject(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	if (n <= SUBJECT_SHOWN) {
		buf_adds(b, s);
		return;
	}
	n = SUBJECT_SHOWN;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	buf_add(b, s, n);
	buf_adds(b, "...");
}

static int
remind_one(void *arg, const struct incident *inc)
{
	struct remind *m = arg;
	struct close_item *it;
	struct buf subj = BUF_INIT;
	char num[32], when[32], round[16], max[16];

	if ((it = add_item(m->ctx, m->r, inc, "remind", NULL)) == NULL) {
		m->st = m->ctx->err;
		return 1;
	}
	it->reminder = inc->reminders + 1;
	it->exported = inc->exported_at != 0;
	snprintf(num, sizeof(num), "%lld", inc->number);
	snprintf(round, sizeof(round), "%d", it->reminder);
	snprintf(max, sizeof(max), "%d", CLOSE_REMIND_MAX);
	util_time_short(cfg_timezone(m->ctx->cfg), inc->closed_at, when);
	short_subject(&subj, inc->subject);
	{
		struct tvar v[] = {
			{ "number", num }, { "subject", buf_str(&subj) },
			{ "closed_at", when }, { "exported", it->exported ? "1" : NULL },
			{ "round", round }, { "max", max },
			{ "config", buf_str(&m->config) },
		};

		m->st = tpl_render(m->ctx, "admin-remind-item", v,
		    sizeof(v) / sizeof(v[0]), &m->list);
	}
	buf_release(&subj);
	return m->st != BPT_OK;
}

enum bpt_status
close_remind(struct bpt_ctx *ctx, struct close_run *r)
{
	time_t now = bpt_now(ctx);
	struct remind m;
	enum bpt_status st;
	long long count = 0;
	size_t i;

	memset(&m, 0, sizeof(m));
	m.ctx = ctx;
	m.r = r;
	m.first = r->n;
	buf_init(&m.list);
	buf_init(&m.config);
	config_option(ctx->cfg->path, &m.config);
	if (buf_failed(&m.config)) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	if ((st = store_enter(ctx, ctx->store, &r->nested)) != BPT_OK)
		goto out;
	st = incident_each_unreported(ctx, now - ctx->cfg->followup.outcome_after,
	    now - CLOSE_REMIND_EVERY + CLOSE_REMIND_SLACK, CLOSE_REMIND_MAX,
	    remind_one, &m);
	if (st == BPT_OK)
		st = m.st;
	if (st == BPT_OK && buf_failed(&m.list))
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
	if (st != BPT_OK || r->n == m.first) {
		store_undo(ctx->store, r->nested);
		goto out;
	}
	for (i = m.first; i < r->n && st == BPT_OK; i++)
		st = incident_mark_reminded(ctx, r->items[i].number, now);
	if (st == BPT_OK) {
		char max[16];
		struct tvar v[] = {
			{ "group", ctx->cfg->group.name }, { "incidents", buf_str(&m.list) },
			{ "max", max },
		};
		struct notice nt = { .tpl = "admin-remind", .vars = v,
		    .nvars = nitems(v) };

		snprintf(max, sizeof(max), "%d", CLOSE_REMIND_MAX);
		nt.runner = r->deliver ? r->runner : NULL;
		st = notice_queue(ctx, &nt, &count);
	}
	/* nobody to remind: count nothing, so that the next run tries again */
	if (st == BPT_OK && count == 0) {
		store_undo(ctx->store, r->nested);
		for (i = m.first; i < r->n; i++) {
			r->items[i].action = "none";
			r->items[i].why = "no active admin or coordinator to remind";
		}
		goto out;
	}
	st = store_finish(ctx, ctx->store, r->nested, r->dry_run, st);
out:
	if (st == BPT_OK)
		for (i = m.first; i < r->n; i++)
			r->items[i].recipients = count;
	buf_release(&m.list);
	buf_release(&m.config);
	return st;
}

enum bpt_status
close_deliver(struct bpt_ctx *ctx, struct close_run *r)
{
	if (!r->deliver || r->dry_run)
		return BPT_OK;
	return outbox_deliver_claimed(ctx, r->runner, &r->sent);
}
