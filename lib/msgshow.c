/* msgshow.c - a stored message for an admin's eyes. */
#include "bptconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "audit.h"
#include "config.h"
#include "mail.h"
#include "msgshow.h"
#include "store.h"

static char *
str_dup(const char *t, int *oom)
{
	char *d;

	if (t == NULL)
		return NULL;
	if ((d = strdup(t)) == NULL)
		*oom = 1;
	return d;
}

static enum bpt_status
read_row(struct bpt_ctx *ctx, long long id, struct msgshow *m, int *died)
{
	static const char sql[] = "SELECT m.received_at, m.size, m.truncated, "
	    "m.sha256, m.state, m.class, m.envelope_from, m.envelope_to, "
	    "m.from_addr, m.from_name, m.subject, m.date_hdr, m.message_id, "
	    "m.in_reply_to, m.incident_id, m.notes, m.erased, m.body, m.raw, "
	    "m.crashes + m.unfinished FROM messages m WHERE m.id = ?";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	int rc, oom = 0;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(s);
		return bpt_err(ctx, BPT_ENOENT, "no message %lld in the store", id);
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return store_fail(ctx, ctx->store, rc, "reading a message");
	}
	m->id = id;
	m->received_at = (time_t)sqlite3_column_int64(s, 0);
	m->size = sqlite3_column_int64(s, 1);
	m->truncated = sqlite3_column_int(s, 2);
	m->sha256 = store_col_dup(s, 3, &oom);
	m->state = store_col_dup(s, 4, &oom);
	m->class = store_col_dup(s, 5, &oom);
	m->envelope_from = store_col_dup(s, 6, &oom);
	m->envelope_to = store_col_dup(s, 7, &oom);
	m->from_addr = store_col_dup(s, 8, &oom);
	m->from_name = store_col_dup(s, 9, &oom);
	m->subject = store_col_dup(s, 10, &oom);
	m->date = store_col_dup(s, 11, &oom);
	m->message_id = store_col_dup(s, 12, &oom);
	m->in_reply_to = store_col_dup(s, 13, &oom);
	m->incident = sqlite3_column_int64(s, 14);
	m->notes = store_col_dup(s, 15, &oom);
	m->erased = store_col_dup(s, 16, &oom);
	m->text = store_col_dup(s, 17, &oom);
	buf_add(&m->raw, sqlite3_column_blob(s, 18), (size_t)sqlite3_column_bytes(s, 18));
	*died = sqlite3_column_int64(s, 19) > 0;
	sqlite3_reset(s);
	if (oom || buf_failed(&m->raw))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	return BPT_OK;
}

static enum bpt_status
read_attachments(struct bpt_ctx *ctx, struct msgshow *m)
{
	static const char sql[] = "SELECT filename, content_type, size, action "
	    "FROM attachments WHERE message_id = ? ORDER BY idx";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	int rc, oom = 0;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, m->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct msgshow_att *a = realloc(m->att, (m->natt + 1) * sizeof(*a));

		if (a == NULL) {
			oom = 1;
			break;
		}
		m->att = a;
		a = &m->att[m->natt++];
		a->filename = store_col_dup(s, 0, &oom);
		a->content_type = store_col_dup(s, 1, &oom);
		a->size = sqlite3_column_int64(s, 2);
		a->action = store_col_dup(s, 3, &oom);
	}
	sqlite3_reset(s);
	if (oom)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_fail(ctx, ctx->store, rc, "reading attachments");
	return BPT_OK;
}

/* Not read yet: the header and the text from the raw bytes. */
static enum bpt_status
parse_raw(struct bpt_ctx *ctx, struct msgshow *m)
{
	struct mail_limits lim = MAIL_LIMITS_INIT;
	struct mail *p = NULL;
	enum bpt_status st;
	int oom = 0;

	if (ctx->cfg != NULL) {
		lim.max_parts = ctx->cfg->limits.max_parts;
		lim.max_depth = ctx->cfg->limits.max_depth;
		lim.max_headers = ctx->cfg->limits.max_headers;
		lim.max_line = ctx->cfg->limits.max_line;
	}
	if ((st = mail_parse(ctx, m->raw.buf ? m->raw.buf : "", m->raw.len, &lim,
	    &p)) != BPT_OK)
		return st;
	m->text = str_dup(p->text, &oom);
	if (m->from_addr == NULL)
		m->from_addr = str_dup(p->from_addr, &oom);
	if (m->from_name == NULL)
		m->from_name = str_dup(p->from_name, &oom);
	if (m->subject == NULL)
		m->subject = str_dup(p->subject, &oom);
	if (m->date == NULL)
		m->date = str_dup(p->date, &oom);
	if (m->message_id == NULL)
		m->message_id = str_dup(p->message_id, &oom);
	if (m->in_reply_to == NULL)
		m->in_reply_to = str_dup(p->in_reply_to, &oom);
	mail_free(p);
	if (oom)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	return BPT_OK;
}

enum bpt_status
msgshow_get(struct bpt_ctx *ctx, long long id, struct msgshow *m)
{
	struct audit_entry e;
	enum bpt_status st;
	char detail[64];
	int died = 0;

	memset(m, 0, sizeof(*m));
	if ((st = read_row(ctx, id, m, &died)) != BPT_OK ||
	    (st = read_attachments(ctx, m)) != BPT_OK)
		return st;
	/*
	 * Never parse again a message a run died on (quarantined, or on
	 * its way there): that parse is why it is there.
	 */
	if (m->text == NULL && m->state != NULL && strcmp(m->state, "new") == 0 &&
	    !died && m->erased == NULL && (st = parse_raw(ctx, m)) != BPT_OK)
		return st;
	memset(&e, 0, sizeof(e));
	e.action = "message-shown";
	e.incident_id = 0;
	snprintf(detail, sizeof(detail), "message %lld", id);
	e.detail = detail;
	if ((st = store_begin(ctx, ctx->store)) != BPT_OK)
		return st;
	if ((st = audit_add(ctx, &e)) == BPT_OK)
		st = store_commit(ctx, ctx->store);
	if (st != BPT_OK)
		store_rollback(ctx->store);
	return st;
}

void
msgshow_release(struct msgshow *m)
{
	size_t i;

	free(m->sha256);
	free(m->state);
	free(m->class);
	free(m->envelope_from);
	free(m->envelope_to);
	free(m->from_addr);
	free(m->from_name);
	free(m->subject);
	free(m->date);
	free(m->message_id);
	free(m->in_reply_to);
	free(m->notes);
	free(m->erased);
	free(m->text);
	for (i = 0; i < m->natt; i++) {
		free(m->att[i].filename);
		free(m->att[i].content_type);
		free(m->att[i].action);
	}
	free(m->att);
	buf_release(&m->raw);
	memset(m, 0, sizeof(*m));
}
