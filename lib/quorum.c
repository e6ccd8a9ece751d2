/* quorum.c - removals and bans that wait for a second admin. */
#include "bptconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "config.h"
#include "quorum.h"
#include "store.h"

static enum bpt_status
open_proposal(struct bpt_ctx *ctx, const char *action, const char *email,
    long long *id, char **reason)
{
	static const char sql[] = "SELECT id, reason FROM proposals WHERE "
	    "action = ? AND email = ? AND state = 'open' ORDER BY id LIMIT 1";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	int rc;

	*id = 0;
	*reason = NULL;
	if (s == NULL)
		return ctx->err;
	sqlite3_bind_text(s, 1, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, email, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		if (sqlite3_column_type(s, 1) != SQLITE_NULL &&
		    (*reason = strdup(store_col_text(s, 1))) == NULL)
			rc = SQLITE_NOMEM;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(ctx, ctx->store, rc, "look up a proposal");
	return BPT_OK;
}

/* Runs sql with ?1 = id; with count, its one number into *count. */
static enum bpt_status
exec_sql(struct bpt_ctx *ctx, const char *sql, long long id, long long *count)
{
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	int rc;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, id);
	if (count == NULL)
		return store_step_done(ctx, ctx->store, s);
	rc = sqlite3_step(s);
	*count = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(ctx, ctx->store, rc, "count agreements");
	return BPT_OK;
}

static enum bpt_status
decide(struct bpt_ctx *ctx, int ban, const char *email, const char *reason,
    struct quorum_result *q, struct member_report *r)
{
	const char *action = ban ? "ban" : "remove";
	const char *actor = ctx->actor ? ctx->actor : AUDIT_ACTOR_BPT;
	struct audit_entry e = { 0 };
	struct member m;
	char *preason = NULL, detail[128];
	long long id, n = 0;
	enum bpt_status st;
	if ((st = member_find(ctx, email, &m)) != BPT_OK)
		return st;
	if ((st = open_proposal(ctx, action, m.email, &id, &preason)) != BPT_OK)
		goto out;
	if (id == 0) {
		static const char ins[] = "INSERT INTO proposals(action, email, "
		    "reason, created_at) VALUES (?, ?, ?, ?)";
		sqlite3_stmt *s;

		if (reason == NULL || *reason == '\0') {
			st = bpt_err(ctx, BPT_EUSAGE, "a %s needs a reason", action);
			goto out;
		}
		/* a status change that does not apply is refused now */
		if (strcmp(m.status, "banned") == 0 ||
		    (!ban && strcmp(m.status, "removed") == 0)) {
			st = bpt_err(ctx, BPT_EDATA, "'%s' is %s already", m.email,
			    m.status);
			goto out;
		}
		if ((s = store_prepare(ctx, ctx->store, ins)) == NULL) {
			st = ctx->err;
			goto out;
		}
		sqlite3_bind_text(s, 1, action, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, m.email, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, reason, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, bpt_now(ctx));
		if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
			goto out;
		id = sqlite3_last_insert_rowid(store_db(ctx->store));
		if ((preason = strdup(reason)) == NULL) {
			st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
			goto out;
		}
	}
	{
		static const char vote[] = "INSERT INTO proposal_votes(proposal_id, "
		    "actor, at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING";
		sqlite3_stmt *s = store_prepare(ctx, ctx->store, vote);

		if (s == NULL) {
			st = ctx->err;
			goto out;
		}
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_text(s, 2, actor, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, bpt_now(ctx));
		if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
			goto out;
		q->again = sqlite3_changes(store_db(ctx->store)) == 0;
	}
	st = exec_sql(ctx, "SELECT count(*) FROM proposal_votes WHERE "
	    "proposal_id = ?1", id, &n);
	if (st != BPT_OK)
		goto out;
	q->votes = (int)n;
	snprintf(detail, sizeof(detail), "proposal %lld: %d of %d", id, q->votes,
	    q->needed);
	e.action = q->again ? (ban ? "ban-agreed-again" : "remove-agreed-again") :
	    q->votes == 1 ? (ban ? "ban-proposed" : "remove-proposed") :
	    (ban ? "ban-agreed" : "remove-agreed");
	e.member_id = m.id;
	e.member_email = m.email;
	e.reason = preason;
	e.detail = detail;
	if ((st = audit_add(ctx, &e)) != BPT_OK)
		goto out;
	if (q->votes < q->needed)
		goto out;
	st = ban ? member_ban(ctx, m.email, preason, 0, r) :
	    member_remove(ctx, m.email, preason, 0, r);
	if (st == BPT_OK)
		st = exec_sql(ctx, "UPDATE proposals SET state = 'done' WHERE "
		    "id = ?1", id, NULL);
	q->done = st == BPT_OK;
out:
	free(preason);
	member_release(&m);
	return st;
}

enum bpt_status
quorum_decide(struct bpt_ctx *ctx, int ban, const char *email,
    const char *reason, struct quorum_result *q, struct member_report *r)
{
	enum bpt_status st;
	int nested = 0;

	memset(q, 0, sizeof(*q));
	memset(r, 0, sizeof(*r));
	q->needed = (int)ctx->cfg->policy.ban_quorum;
	/* a removal without a reason (someone moved away) is no judgement */
	if (q->needed <= 1 || (!ban && (reason == NULL || *reason == '\0'))) {
		st = ban ? member_ban(ctx, email, reason, 0, r) :
		    member_remove(ctx, email, reason, 0, r);
		q->done = st == BPT_OK;
		q->votes = 1;
		return st;
	}
	if ((st = store_enter(ctx, ctx->store, &nested)) != BPT_OK)
		return st;
	return store_finish(ctx, ctx->store, nested, 0, decide(ctx, ban, email, reason, q, r));
}
