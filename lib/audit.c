/* audit.c - appending to and reading the audit trail. */
#include "bptconf.h"

#include "audit.h"
#include "store.h"

static void
bind_id(sqlite3_stmt *s, int i, long long v)
{
	if (v > 0)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

enum bpt_status
audit_add(struct bpt_ctx *ctx, const struct audit_entry *e)
{
	static const char sql[] = "INSERT INTO audit (at, actor, action, "
	    "member_id, member_email, incident_id, reason, detail, member_last) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
	const char *actor = e->actor ? e->actor : ctx->actor ? ctx->actor :
	    AUDIT_ACTOR_BPT;
	sqlite3_stmt *s;

	if (e->action == NULL || *e->action == '\0')
		return bpt_err(ctx, BPT_EUSAGE, "audit row without an action");
	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)(e->at ? e->at : bpt_now(ctx)));
	store_bind_text(s, 2, actor);
	store_bind_text(s, 3, e->action);
	bind_id(s, 4, e->member_id);
	store_bind_text(s, 5, e->member_email);
	bind_id(s, 6, e->incident_id);
	store_bind_text(s, 7, e->reason);
	store_bind_text(s, 8, e->detail);
	bind_id(s, 9, e->member_last > e->member_id ? e->member_last : 0);
	return store_step_done(ctx, ctx->store, s);
}

static const char *
col_or_null(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

enum bpt_status
audit_each(struct bpt_ctx *ctx, long long member_id,
    int (*fn)(void *arg, const struct audit_entry *e), void *arg)
{
	/* two statements, so that one member's rows come from the index */
	static const char sql_all[] = "SELECT id, at, actor, action, "
	    "member_id, member_email, incident_id, reason, detail, member_last "
	    "FROM audit ORDER BY id";
	static const char sql_member[] = "SELECT id, at, actor, action, "
	    "member_id, member_email, incident_id, reason, detail, member_last "
	    "FROM audit WHERE member_id = ?1 UNION ALL "
	    "SELECT id, at, actor, action, member_id, member_email, incident_id, "
	    "reason, detail, member_last FROM audit WHERE member_last >= ?1 "
	    "AND member_id < ?1 ORDER BY id";
	struct audit_entry e;
	sqlite3_stmt *s;
	int rc;

	s = store_prepare(ctx, ctx->store, member_id > 0 ? sql_member : sql_all);
	if (s == NULL)
		return ctx->err;
	if (member_id > 0)
		sqlite3_bind_int64(s, 1, member_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		e.id = sqlite3_column_int64(s, 0);
		e.at = (time_t)sqlite3_column_int64(s, 1);
		e.actor = store_col_text(s, 2);
		e.action = store_col_text(s, 3);
		e.member_id = sqlite3_column_int64(s, 4);
		e.member_email = col_or_null(s, 5);
		e.incident_id = sqlite3_column_int64(s, 6);
		e.reason = col_or_null(s, 7);
		e.detail = col_or_null(s, 8);
		e.member_last = sqlite3_column_int64(s, 9);
		if (fn(arg, &e) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(ctx, ctx->store, rc, "read the audit trail");
	return BPT_OK;
}
