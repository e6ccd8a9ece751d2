/* purge.c - the retention purge: what may be kept of a finished incident. */
#include "bptconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "buf.h"
#include "config.h"
#include "notice.h"
#include "purge.h"
#include "store.h"
#include "util.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

void
purge_report_release(struct purge_report *r)
{
	if (r == NULL)
		return;
	free(r->items);
	memset(r, 0, sizeof(*r));
}

/*
 * The incidents past the limit, with the time their transcript reached
 * the police: a signed export to a file, or a mailed one delivered.
 * A mail still queued, deferred or failed has not reached them.
 */
static enum bpt_status
candidates(struct bpt_ctx *ctx, time_t limit, struct purge_report *r)
{
	static const char sql[] = "SELECT i.id, i.closed_at, "
	    "(SELECT min(e.created_at) FROM exports e WHERE e.incident_id = i.id "
	    "AND e.signer IS NOT NULL AND (e.file IS NOT NULL OR EXISTS "
	    "(SELECT 1 FROM outbox o CROSS JOIN deliveries d ON d.id BETWEEN "
	    "o.dfirst AND o.dlast WHERE o.id = e.outbox_id AND d.state = 'sent'))) "
	    "FROM incidents i WHERE i.status = 'closed' AND i.purged_at IS NULL "
	    "AND i.closed_at < ?1 ORDER BY i.id";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	struct purge_item *v;
	size_t alloc = 0;
	int rc;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (r->n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			if ((v = realloc(r->items, alloc * sizeof(*v))) == NULL) {
				sqlite3_reset(s);
				return bpt_err(ctx, BPT_ENOMEM, "out of memory");
			}
			r->items = v;
		}
		v = &r->items[r->n++];
		memset(v, 0, sizeof(*v));
		v->number = sqlite3_column_int64(s, 0);
		v->closed_at = (time_t)sqlite3_column_int64(s, 1);
		v->exported_at = (time_t)sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(ctx, ctx->store, rc, "find incidents to purge");
	return BPT_OK;
}

/* What a purge of the incident removes, for the report and the audit. */
static enum bpt_status
count(struct bpt_ctx *ctx, struct purge_item *it)
{
	static const char sql[] = "SELECT "
	    "(SELECT count(*) FROM messages WHERE incident_id = ?1), "
	    "(SELECT coalesce(sum(length(raw)), 0) FROM messages WHERE incident_id = ?1), "
	    "(SELECT count(*) FROM attachments a JOIN messages m ON m.id = a.message_id "
	    "WHERE m.incident_id = ?1), "
	    "(SELECT count(*) FROM outbox o CROSS JOIN deliveries d ON d.id BETWEEN "
	    "o.dfirst AND o.dlast WHERE o.incident_id = ?1)";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	int rc;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, it->number);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		it->messages = sqlite3_column_int64(s, 0);
		it->bytes = sqlite3_column_int64(s, 1);
		it->attachments = sqlite3_column_int64(s, 2);
		it->deliveries = sqlite3_column_int64(s, 3);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? BPT_OK : store_fail(ctx, ctx->store, rc,
	    "count what a purge removes");
}

/* Removes what the incident may no longer keep.  Inside a transaction. */
static enum bpt_status
purge_one(struct bpt_ctx *ctx, const struct purge_item *it)
{
	static const char *const steps[] = {
		"UPDATE messages SET raw = zeroblob(0), body = NULL, body_shown = NULL, "
		"from_addr = NULL, from_name = NULL, subject = NULL, "
		"envelope_from = NULL, envelope_to = NULL, message_id = NULL, "
		"in_reply_to = NULL, refs = NULL, date_hdr = NULL, notes = NULL, "
		"member_id = NULL, erased = 'purged' WHERE incident_id = ?1",
		"DELETE FROM attachments WHERE message_id IN "
		"(SELECT id FROM messages WHERE incident_id = ?1)",
		"UPDATE holds SET detail = NULL, decided_by = NULL WHERE message_id IN "
		"(SELECT id FROM messages WHERE incident_id = ?1)",
		"UPDATE deliveries SET rcpt = '', member_id = NULL, last_reply = NULL "
		"WHERE id IN (SELECT d.id FROM outbox o CROSS JOIN deliveries d "
		"ON d.id BETWEEN o.dfirst AND o.dlast WHERE o.incident_id = ?1)",
		"UPDATE outbox SET content = zeroblob(0) WHERE incident_id = ?1",
		"UPDATE exports SET content = zeroblob(0) WHERE incident_id = ?1",
		/* an outcome stays known as one, without its words */
		"UPDATE incidents SET subject = '', plates = '', reporter_id = NULL, "
		"called_112_by = NULL, closed_by = NULL, close_reason = NULL, "
		"outcome = CASE WHEN outcome IS NULL THEN NULL ELSE '' END, "
		"outcome_by = NULL, root_msgid = NULL, purged_at = ?2 WHERE id = ?1",
	};
	struct audit_entry e = { 0 };
	struct buf d = BUF_INIT;
	enum bpt_status st;
	size_t i;

	for (i = 0; i < nitems(steps); i++) {
		sqlite3_stmt *s = store_prepare(ctx, ctx->store, steps[i]);

		if (s == NULL)
			return ctx->err;
		sqlite3_bind_int64(s, 1, it->number);
		if (i == nitems(steps) - 1)
			sqlite3_bind_int64(s, 2, bpt_now(ctx));
		if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
			return st;
	}
	buf_addf(&d, "%lld message(s) (%lld bytes), %lld attachment(s), %lld "
	    "delivery address(es) removed; ", it->messages, it->bytes,
	    it->attachments, it->deliveries);
	if (it->exported_at) {
		char t[32];

		util_time_iso(cfg_timezone(ctx->cfg), it->exported_at, t);
		buf_addf(&d, "exported %s", t);
	} else {
		buf_adds(&d, "never exported (retention.unexported: purge)");
	}
	if (buf_failed(&d))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	e.action = "purge";
	e.incident_id = it->number;
	e.reason = "retention";
	e.detail = d.buf;
	st = audit_add(ctx, &e);
	buf_release(&d);
	return st;
}

/* One line per incident past the limit that never reached the police. */
static enum bpt_status
unexported_list(struct bpt_ctx *ctx, const struct purge_report *r, struct buf *b)
{
	static const char sql[] = "SELECT subject FROM incidents WHERE id = ?";
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct purge_item *it = &r->items[i];
		sqlite3_stmt *s;
		char t[32];
		int rc;

		if (it->exported_at)
			continue;
		if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
			return ctx->err;
		sqlite3_bind_int64(s, 1, it->number);
		rc = sqlite3_step(s);
		util_time_short(cfg_timezone(ctx->cfg), it->closed_at, t);
		buf_addf(b, "  #%lld  %s  %s\n", it->number, t,
		    rc == SQLITE_ROW ? store_col_text(s, 0) : "");
		sqlite3_reset(s);
		if (rc != SQLITE_ROW)
			return store_fail(ctx, ctx->store, rc, "read incident");
	}
	return buf_failed(b) ? bpt_err(ctx, BPT_ENOMEM, "out of memory") : BPT_OK;
}

static enum bpt_status
tell_admins(struct bpt_ctx *ctx, const struct purge_report *r, const char *list,
    const char *runner, long long *queued)
{
	const struct bpt_config *cfg = ctx->cfg;
	char days[32];
	struct tvar v[] = {
		{ "group", cfg->group.name }, { "days", days }, { "list", list },
		{ "kept", cfg->retention.unexported_purge ? NULL : "1" },
		{ "purged", cfg->retention.unexported_purge ? "1" : NULL },
	};
	struct notice nt = {
		.tpl = "admin-unexported", .vars = v, .nvars = nitems(v),
		.to = NULL, .runner = runner,
	};

	(void)r;
	snprintf(days, sizeof(days), "%ld", cfg->retention.days);
	return notice_queue(ctx, &nt, queued);
}

enum bpt_status
purge_run(struct bpt_ctx *ctx, int dry_run, const char *runner,
    struct purge_report *r)
{
	const struct bpt_config *cfg = ctx->cfg;
	struct buf list = BUF_INIT;
	enum bpt_status st;
	long long queued = 0;
	size_t i;
	int any = 0;

	memset(r, 0, sizeof(*r));
	r->dry_run = dry_run;
	if ((st = candidates(ctx, bpt_now(ctx) - cfg->retention.days * 86400L, r)) !=
	    BPT_OK)
		return st;
	for (i = 0; i < r->n; i++) {
		struct purge_item *it = &r->items[i];

		it->purged = it->exported_at != 0 || cfg->retention.unexported_purge;
		if (it->exported_at == 0)
			r->unexported++;
		if ((st = count(ctx, it)) != BPT_OK)
			goto out;
	}
	if (dry_run)
		goto out;
	if ((st = store_begin(ctx, ctx->store)) != BPT_OK)
		goto out;
	/* the list is made before the purge takes the subjects */
	if (r->unexported > 0) {
		if ((st = unexported_list(ctx, r, &list)) != BPT_OK ||
		    (st = tell_admins(ctx, r, list.buf, runner, &queued)) != BPT_OK) {
			store_rollback(ctx->store);
			goto out;
		}
		r->admin_mails = queued > 0;
	}
	for (i = 0; i < r->n; i++)
		if (r->items[i].purged) {
			if ((st = purge_one(ctx, &r->items[i])) != BPT_OK) {
				store_rollback(ctx->store);
				goto out;
			}
			any = 1;
		}
	if ((st = store_commit(ctx, ctx->store)) != BPT_OK)
		goto out;
	if (any) {
		if ((st = store_scrub(ctx, ctx->store)) != BPT_OK)
			goto out;
		r->scrubbed = 1;
	}
out:
	buf_release(&list);
	return st;
}
