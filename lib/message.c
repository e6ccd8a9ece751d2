/* message.c - the SQL of incoming messages and their attachments. */
#include "bptconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail.h"
#include "message.h"
#include "store.h"

enum bpt_status
message_finish(struct bpt_ctx *ctx, const struct message_result *r)
{
	static const char sql[] = "UPDATE messages SET state = 'done', "
	    "message_id = ?2, in_reply_to = ?3, refs = ?4, from_addr = ?5, "
	    "from_name = ?6, subject = ?7, date_hdr = ?8, member_id = ?9, "
	    "class = ?10, incident_id = ?11, body = ?12, body_shown = ?13, "
	    "notes = ?14, called_112 = ?15, prev_hash = ?16, chain_hash = ?17, "
	    "attempt_pid = NULL WHERE id = ?1";
	const struct mail *m = r->m;
	struct buf refs = BUF_INIT;
	sqlite3_stmt *s;
	enum bpt_status st;
	size_t i;

	for (i = 0; i < m->nrefs; i++)
		buf_addf(&refs, "%s<%s>", i ? " " : "", m->refs[i]);
	if (buf_failed(&refs))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL) {
		buf_release(&refs);
		return ctx->err;
	}
	sqlite3_bind_int64(s, 1, r->id);
	store_bind_text(s, 2, m->message_id);
	store_bind_text(s, 3, m->in_reply_to);
	store_bind_text(s, 4, refs.len ? refs.buf : NULL);
	store_bind_text(s, 5, m->from_addr);
	store_bind_text(s, 6, m->from_name);
	store_bind_text(s, 7, m->subject);
	store_bind_text(s, 8, m->date);
	if (r->member_id > 0)
		sqlite3_bind_int64(s, 9, r->member_id);
	store_bind_text(s, 10, r->class);
	if (r->incident)
		sqlite3_bind_int64(s, 11, r->incident);
	store_bind_text(s, 12, m->text);
	store_bind_text(s, 13, r->shown && *r->shown ? r->shown : NULL);
	store_bind_text(s, 14, m->notes);
	store_bind_text(s, 15, r->called);
	store_bind_text(s, 16, r->prev_hash && *r->prev_hash ? r->prev_hash : NULL);
	store_bind_text(s, 17, r->chain_hash && *r->chain_hash ? r->chain_hash : NULL);
	st = store_step_done(ctx, ctx->store, s);
	buf_release(&refs);
	return st;
}

enum bpt_status
message_add_attachment(struct bpt_ctx *ctx, long long id, size_t idx,
    const struct mail_attachment *a, int passed)
{
	static const char sql[] = "INSERT INTO attachments(message_id, idx, filename, "
	    "content_type, size, sha256, inline, action) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *s;

	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)idx);
	store_bind_text(s, 3, a->filename);
	store_bind_text(s, 4, a->content_type);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)a->size);
	sqlite3_bind_text(s, 6, a->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 7, a->is_inline);
	sqlite3_bind_text(s, 8, passed ? "passed" : "stripped", -1, SQLITE_STATIC);
	return store_step_done(ctx, ctx->store, s);
}

enum bpt_status
message_clear_attachments(struct bpt_ctx *ctx, long long id)
{
	static const char sql[] = "DELETE FROM attachments WHERE message_id = ?";
	sqlite3_stmt *s;

	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, id);
	return store_step_done(ctx, ctx->store, s);
}

enum bpt_status
message_state(struct bpt_ctx *ctx, long long id, char *state, char *cls)
{
	static const char sql[] = "SELECT state, class FROM messages WHERE id = ?";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	enum bpt_status st = BPT_OK;
	int rc;

	*state = *cls = '\0';
	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(state, 16, "%s", store_col_text(s, 0));
		snprintf(cls, 32, "%s", store_col_text(s, 1));
	} else if (rc == SQLITE_DONE) {
		st = bpt_err(ctx, BPT_ENOENT, "no message %lld", id);
	} else {
		st = store_fail(ctx, ctx->store, rc, "look up message");
	}
	sqlite3_reset(s);
	return st;
}

enum bpt_status
message_same_msgid(struct bpt_ctx *ctx, long long id, const char *msgid,
    const char *from, time_t since, int *dup)
{
	static const char sql[] = "SELECT id FROM messages WHERE message_id = ?1 "
	    "AND from_addr = ?2 COLLATE NOCASE AND state = 'done' "
	    "AND received_at >= ?3 AND id <> ?4 LIMIT 1";
	sqlite3_stmt *s;
	int rc;

	*dup = 0;
	if (msgid == NULL || from == NULL)
		return BPT_OK;
	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return ctx->err;
	sqlite3_bind_text(s, 1, msgid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, since);
	sqlite3_bind_int64(s, 4, id);
	rc = sqlite3_step(s);
	*dup = rc == SQLITE_ROW;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(ctx, ctx->store, rc, "look up Message-ID");
	return BPT_OK;
}

enum bpt_status
message_count_recent(struct bpt_ctx *ctx, long long member, long long id,
    time_t since, long *n)
{
	/* messages_from covers (from_addr, received_at); member_id is
	 * read from the few rows of the last hour */
	static const char sql[] = "SELECT count(*) FROM messages "
	    "WHERE member_id = ?1 AND received_at >= ?2 AND id <> ?3 AND "
	    "(class = 'post' OR class = 'reply' OR class = 'held' OR "
	    "class = 'closed')";
	sqlite3_stmt *s;
	int rc;

	*n = 0;
	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, member);
	sqlite3_bind_int64(s, 2, since);
	sqlite3_bind_int64(s, 3, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return store_fail(ctx, ctx->store, rc, "count messages");
	return BPT_OK;
}

static enum bpt_status
dup_col(struct bpt_ctx *ctx, sqlite3_stmt *s, int col, char **out)
{
	int oom = 0;

	*out = store_col_dup(s, col, &oom);
	return oom ? bpt_err(ctx, BPT_ENOMEM, "out of memory") : BPT_OK;
}

enum bpt_status
message_load(struct bpt_ctx *ctx, long long id, struct message_raw *out)
{
	static const char sql[] = "SELECT state, raw, size, truncated, "
	    "envelope_from, envelope_to, class, received_at FROM messages "
	    "WHERE id = ?";
	enum bpt_status st = BPT_OK;
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	buf_init(&out->raw);
	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		st = bpt_err(ctx, BPT_ENOENT, "no message %lld", id);
	} else if (rc != SQLITE_ROW) {
		st = store_fail(ctx, ctx->store, rc, "look up message");
	} else {
		const void *raw = sqlite3_column_blob(s, 1);
		size_t len = (size_t)sqlite3_column_bytes(s, 1);

		if (len > 0)
			buf_add(&out->raw, raw, len);
		out->size = (size_t)sqlite3_column_int64(s, 2);
		out->truncated = sqlite3_column_int(s, 3);
		out->received_at = (time_t)sqlite3_column_int64(s, 7);
		if ((st = dup_col(ctx, s, 0, &out->state)) == BPT_OK &&
		    (st = dup_col(ctx, s, 4, &out->envelope_from)) == BPT_OK &&
		    (st = dup_col(ctx, s, 5, &out->envelope_to)) == BPT_OK)
			st = dup_col(ctx, s, 6, &out->class);
		if (st == BPT_OK && buf_failed(&out->raw))
			st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
	sqlite3_reset(s);
	return st;
}

void
message_raw_release(struct message_raw *r)
{
	buf_release(&r->raw);
	free(r->envelope_from);
	free(r->envelope_to);
	free(r->state);
	free(r->class);
	memset(r, 0, sizeof(*r));
	buf_init(&r->raw);
}
