/* hold.c - the moderation queue: held messages, their notices, decisions. */
#include "bptconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "buf.h"
#include "config.h"
#include "hold.h"
#include "ingest.h"
#include "notice.h"
#include "store.h"
#include "template.h"
#include "util.h"

#define EXCERPT_CHARS 400
#define EXCERPT_LINES 8

#define HOLD_COLS "h.id, h.message_id, h.reason, h.detail, h.state, h.notify, " \
	"h.note, h.decided_by, h.created_at, h.expires_at, h.decided_at, " \
	"m.from_addr, m.from_name, m.subject, m.body, m.incident_id"

void
hold_release(struct hold *h)
{
	free(h->rule);
	free(h->evidence);
	free(h->state);
	free(h->notify);
	free(h->note);
	free(h->decided_by);
	free(h->from);
	free(h->from_name);
	free(h->subject);
	free(h->text);
	memset(h, 0, sizeof(*h));
}

static enum bpt_status
read_row(struct bpt_ctx *ctx, sqlite3_stmt *s, struct hold *h)
{
	int oom = 0;

	memset(h, 0, sizeof(*h));
	h->id = sqlite3_column_int64(s, 0);
	h->message = sqlite3_column_int64(s, 1);
	h->rule = store_col_dup(s, 2, &oom);
	h->evidence = store_col_dup(s, 3, &oom);
	h->state = store_col_dup(s, 4, &oom);
	h->notify = store_col_dup(s, 5, &oom);
	h->note = store_col_dup(s, 6, &oom);
	h->decided_by = store_col_dup(s, 7, &oom);
	h->created_at = (time_t)sqlite3_column_int64(s, 8);
	h->expires_at = (time_t)sqlite3_column_int64(s, 9);
	h->decided_at = (time_t)sqlite3_column_int64(s, 10);
	h->from = store_col_dup(s, 11, &oom);
	h->from_name = store_col_dup(s, 12, &oom);
	h->subject = store_col_dup(s, 13, &oom);
	h->text = store_col_dup(s, 14, &oom);
	h->incident = sqlite3_column_int64(s, 15);
	if (oom || h->rule == NULL || h->state == NULL) {
		hold_release(h);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
	return BPT_OK;
}

enum bpt_status
hold_get(struct bpt_ctx *ctx, long long id, struct hold *out)
{
	static const char sql[] = "SELECT " HOLD_COLS " FROM holds h "
	    "JOIN messages m ON m.id = h.message_id WHERE h.id = ?";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	enum bpt_status st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		st = read_row(ctx, s, out);
	else if (rc == SQLITE_DONE)
		st = bpt_err(ctx, BPT_ENOENT, "no held message %lld", id);
	else
		st = store_fail(ctx, ctx->store, rc, "look up hold");
	sqlite3_reset(s);
	return st;
}

enum bpt_status
hold_each(struct bpt_ctx *ctx, int all, int (*fn)(void *, const struct hold *),
    void *arg)
{
	static const char sql[] = "SELECT " HOLD_COLS " FROM holds h "
	    "JOIN messages m ON m.id = h.message_id "
	    "WHERE ?1 OR h.state = 'pending' ORDER BY h.id";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	enum bpt_status st = BPT_OK;
	struct hold h;
	int rc;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int(s, 1, all);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int stop;

		if ((st = read_row(ctx, s, &h)) != BPT_OK)
			break;
		stop = fn(arg, &h);
		hold_release(&h);
		if (stop)
			break;
	}
	if (st == BPT_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = store_fail(ctx, ctx->store, rc, "list holds");
	sqlite3_reset(s);
	return st;
}

enum bpt_status
hold_decide(struct bpt_ctx *ctx, long long id, const char *state,
    const char *actor, const char *note)
{
	static const char sql[] = "UPDATE holds SET state = ?2, decided_by = ?3, "
	    "decided_at = ?4, note = ?5 WHERE id = ?1 AND state = 'pending'";
	sqlite3_stmt *s;
	enum bpt_status st;

	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, state, -1, SQLITE_STATIC);
	store_bind_text(s, 3, actor ? actor : ctx->actor ? ctx->actor : "bpt");
	sqlite3_bind_int64(s, 4, bpt_now(ctx));
	store_bind_text(s, 5, note);
	if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
		return st;
	if (sqlite3_changes(store_db(ctx->store)) == 0)
		return bpt_err(ctx, BPT_EDATA, "held message %lld is no longer "
		    "pending", id);
	return BPT_OK;
}

/* "24 uur", "2 dagen": how long a hold waits, as people say it. */
static void
expiry_text(const struct bpt_config *cfg, char *out, size_t n)
{
	long s = cfg->policy.hold_expiry;
	int en = cfg->group.language == CFG_EN;

	if (s >= 2 * 86400 && s % 86400 == 0)
		snprintf(out, n, "%ld %s", s / 86400, en ? "days" : "dagen");
	else if (s % 3600 == 0)
		snprintf(out, n, "%ld %s", s / 3600, en ? (s == 3600 ? "hour" :
		    "hours") : "uur");
	else
		snprintf(out, n, "%ld %s", s / 60, en ? "minutes" : "minuten");
}

/* The start of text: a few lines, at most EXCERPT_CHARS, cut between
 * characters. */
static void
excerpt(const char *text, struct buf *b)
{
	size_t n = 0, lines = 0;
	const char *p = text ? text : "";

	while (*p == '\n')
		p++;
	while (p[n] != '\0' && n < EXCERPT_CHARS && lines < EXCERPT_LINES)
		if (p[n++] == '\n')
			lines++;
	while (n > 0 && p[n] != '\0' && ((unsigned char)p[n] & 0xc0) == 0x80)
		n--;
	buf_add(b, p, n);
	while (b->len > 0 && b->buf[b->len - 1] == '\n')
		buf_setlen(b, b->len - 1);
	if (p[n] != '\0')
		buf_adds(b, " [...]");
	/* each line indented, so that the text cannot pose as ours */
	{
		struct buf q = BUF_INIT;
		size_t i;

		buf_adds(&q, "  ");
		for (i = 0; i < b->len; i++) {
			buf_addch(&q, b->buf[i]);
			if (b->buf[i] == '\n')
				buf_adds(&q, "  ");
		}
		buf_reset(b);
		buf_add(b, buf_str(&q), q.len);
		b->oom |= q.oom;
		buf_release(&q);
	}
}

enum bpt_status
hold_add(struct bpt_ctx *ctx, const struct hold_new *n, long long *idp)
{
	static const char sql[] = "INSERT INTO holds(message_id, reason, detail, "
	    "state, created_at, expires_at, notify) VALUES (?, ?, ?, 'pending', "
	    "?, ?, ?)";
	const struct bpt_config *cfg = ctx->cfg;
	int en = cfg->group.language == CFG_EN;
	const char *rule = policy_rule_text(n->rule, en);
	char id_s[32], expiry[32], expires[32];
	struct buf ex = BUF_INIT;
	sqlite3_stmt *s;
	enum bpt_status st;
	long long id;
	time_t now = bpt_now(ctx);

	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, n->message);
	sqlite3_bind_text(s, 2, policy_rule_name(n->rule), -1, SQLITE_STATIC);
	store_bind_text(s, 3, n->evidence && *n->evidence ? n->evidence : NULL);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_int64(s, 5, now + cfg->policy.hold_expiry);
	store_bind_text(s, 6, n->notify);
	if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
		return st;
	id = sqlite3_last_insert_rowid(store_db(ctx->store));
	if (idp)
		*idp = id;
	snprintf(id_s, sizeof(id_s), "%lld", id);
	expiry_text(cfg, expiry, sizeof(expiry));
	util_time_short(cfg->group.timezone, now + cfg->policy.hold_expiry, expires);
	if (n->notify != NULL) {
		struct tvar v[] = {
			{ "group", cfg->group.name }, { "name", n->name },
			{ "subject", n->subject }, { "rule", rule },
			{ "expiry", expiry },
			{ "forged", n->rule == POLICY_FORGED ? "1" : NULL },
		};
		struct notice nt = { .tpl = "notice-held", .vars = v,
		    .nvars = nitems(v), .to = n->notify, .member_id = n->member_id,
		    .source = n->message, .in_reply_to = n->in_reply_to,
		    .runner = n->runner };

		if ((st = notice_queue(ctx, &nt, NULL)) != BPT_OK)
			return st;
	}
	excerpt(n->text, &ex);
	if (buf_failed(&ex))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	{
		struct tvar v[] = {
			{ "group", cfg->group.name }, { "hold", id_s },
			{ "sender", n->from }, { "subject", n->subject },
			{ "rule", rule }, { "evidence", n->evidence },
			{ "excerpt", buf_str(&ex) },
			{ "alert", n->is_alert ? "1" : NULL },
			{ "automatic", n->notify == NULL ? "1" : NULL },
			{ "expires", expires }, { "request", cfg->list.request },
		};
		struct notice nt = { .tpl = "admin-held", .vars = v,
		    .nvars = nitems(v), .source = n->message, .runner = n->runner };

		st = notice_queue(ctx, &nt, NULL);
	}
	buf_release(&ex);
	return st;
}

/* The audit row of a decision on hold h. */
static enum bpt_status
audit_hold(struct bpt_ctx *ctx, const char *action, const struct hold *h,
    const char *actor, const char *reason, long long incident)
{
	struct audit_entry e;
	char detail[96];

	memset(&e, 0, sizeof(e));
	snprintf(detail, sizeof(detail), "hold %lld, message %lld: %s", h->id,
	    h->message, h->rule);
	e.actor = actor;
	e.action = action;
	e.member_email = h->from;
	e.incident_id = incident;
	e.reason = reason;
	e.detail = detail;
	return audit_add(ctx, &e);
}

/* Tells the sender of h what became of it (template tpl). */
static enum bpt_status
tell_sender(struct bpt_ctx *ctx, const struct hold *h, const char *tpl,
    const char *reason, const char *runner)
{
	const struct bpt_config *cfg = ctx->cfg;
	int en = cfg->group.language == CFG_EN;
	char expiry[32];
	const char *name;
	struct tvar v[] = {
		{ "group", cfg->group.name }, { "name", NULL },
		{ "subject", h->subject },
		{ "rule", policy_rule_text(policy_rule_parse(h->rule), en) },
		{ "reason", reason }, { "expiry", expiry },
	};
	struct notice nt = { .tpl = tpl, .vars = v, .nvars = nitems(v),
	    .to = h->notify, .source = h->message, .runner = runner };

	if (h->notify == NULL)
		return BPT_OK;
	name = h->from_name && *h->from_name ? h->from_name :
	    (en ? "sender" : "afzender");
	v[1].value = name;
	expiry_text(cfg, expiry, sizeof(expiry));
	return notice_queue(ctx, &nt, NULL);
}

enum bpt_status
hold_approved(struct bpt_ctx *ctx, long long id, const char *actor,
    long long incident)
{
	struct hold h;
	enum bpt_status st;

	if ((st = hold_get(ctx, id, &h)) != BPT_OK)
		return st;
	if ((st = hold_decide(ctx, id, "approved", actor, NULL)) == BPT_OK)
		st = audit_hold(ctx, "approve", &h, actor, NULL, incident);
	hold_release(&h);
	return st;
}

enum bpt_status
hold_approve(struct bpt_ctx *ctx, long long id, const char *actor, int deliver,
    const char *runner, struct ingest_result *r)
{
	return ingest_approve(ctx, id, actor, deliver, runner, r);
}

enum bpt_status
hold_reject(struct bpt_ctx *ctx, long long id, const char *actor,
    const char *reason, const char *runner)
{
	struct hold h;
	enum bpt_status st;
	int nested;

	if (actor == NULL)
		actor = ctx->actor;
	if ((st = store_enter(ctx, ctx->store, &nested)) != BPT_OK)
		return st;
	if ((st = hold_get(ctx, id, &h)) != BPT_OK)
		goto fail;
	if ((st = hold_decide(ctx, id, "rejected", actor, reason)) != BPT_OK ||
	    (st = tell_sender(ctx, &h, "notice-rejected", reason, runner)) != BPT_OK ||
	    (st = audit_hold(ctx, "reject", &h, actor, reason, 0)) != BPT_OK) {
		hold_release(&h);
		goto fail;
	}
	hold_release(&h);
	return store_leave(ctx, ctx->store, nested);
fail:
	store_undo(ctx->store, nested);
	return st;
}

enum bpt_status
hold_expire(struct bpt_ctx *ctx, const char *runner, long long *count)
{
	static const char sql[] = "SELECT id FROM holds WHERE state = 'pending' "
	    "AND expires_at <= ? ORDER BY id LIMIT 1";
	enum bpt_status st;
	long long n = 0;

	if (count)
		*count = 0;
	if ((st = store_begin(ctx, ctx->store)) != BPT_OK)
		return st;
	for (;;) {
		sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
		struct hold h;
		long long id;
		int rc;

		if (s == NULL) {
			st = ctx->err;
			goto fail;
		}
		sqlite3_bind_int64(s, 1, bpt_now(ctx));
		rc = sqlite3_step(s);
		id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
		sqlite3_reset(s);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			st = store_fail(ctx, ctx->store, rc, "look up holds");
			goto fail;
		}
		if ((st = hold_get(ctx, id, &h)) != BPT_OK)
			goto fail;
		if ((st = hold_decide(ctx, id, "expired", "bpt", NULL)) != BPT_OK ||
		    (st = tell_sender(ctx, &h, "notice-expired", NULL, runner)) != BPT_OK ||
		    (st = audit_hold(ctx, "expire", &h, "bpt", NULL, 0)) != BPT_OK) {
			hold_release(&h);
			goto fail;
		}
		hold_release(&h);
		n++;
	}
	if ((st = store_commit(ctx, ctx->store)) != BPT_OK)
		return st;
	if (count)
		*count = n;
	return BPT_OK;
fail:
	store_rollback(ctx->store);
	return st;
}
