/* member_data.c - a member's right of access and right to erasure (AVG). */
#include "bptconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "buf.h"
#include "config.h"
#include "member.h"
#include "member_data.h"
#include "mimewrite.h"
#include "printer.h"
#include "store.h"
#include "util.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

/* How a column of a list is printed. */
enum kind { K_TEXT, K_INT, K_TIME, K_BOOL, K_BASE64 };

struct list {
	const char *name;
	const char *sql;	/* ?1 the member's id, ?2 their address */
	struct pr_column cols[16];
	enum kind kinds[16];
	int ncols;
};

/* --- access (art. 15) ------------------------------------------------------ */

/* Who acted on their record: they, bpt, cron, or an admin unnamed. */
#define ACTOR_SEEN "CASE WHEN actor = ?2 COLLATE NOCASE OR actor IN ('bpt', 'cron') " \
	"THEN actor ELSE 'admin' END"
#define THEIR_MESSAGE(m) "(" m ".member_id = ?1 OR " m ".from_addr = ?2 COLLATE NOCASE)"

static const struct list lists[] = {
	{ "audit", "SELECT id, at, " ACTOR_SEEN ", action, incident_id, reason, "
	  "detail FROM audit WHERE member_id = ?1 OR (member_last >= ?1 AND "
	  "member_id < ?1) OR (actor = ?2 COLLATE NOCASE AND member_id IS NULL) "
	  "ORDER BY id",
	  { { "id", "ID" }, { "at", "AT" }, { "actor", "ACTOR" }, { "action", "ACTION" },
	    { "incident", "INCIDENT" }, { "reason", "REASON" }, { "detail", "DETAIL" } },
	  { K_INT, K_TIME, K_TEXT, K_TEXT, K_INT, K_TEXT, K_TEXT }, 7 },
	{ "messages", "SELECT m.id, m.received_at, m.class, m.incident_id, m.subject, "
	  "m.from_name, m.from_addr, m.message_id, m.date_hdr, m.size, m.sha256, "
	  "m.erased, m.body, m.raw FROM messages m WHERE " THEIR_MESSAGE("m")
	  " ORDER BY m.id",
	  { { "id", "ID" }, { "received", "RECEIVED" }, { "class", "CLASS" },
	    { "incident", "INCIDENT" }, { "subject", "SUBJECT" }, { "from_name", "NAME" },
	    { "from_addr", "FROM" }, { "message_id", "MESSAGE-ID" }, { "date", "DATE" },
	    { "size", "SIZE" }, { "sha256", "SHA256" }, { "erased", "ERASED" },
	    { "text", "TEXT" }, { "original_base64", "ORIGINAL" } },
	  { K_INT, K_TIME, K_TEXT, K_INT, K_TEXT, K_TEXT, K_TEXT, K_TEXT, K_TEXT,
	    K_INT, K_TEXT, K_TEXT, K_TEXT, K_BASE64 }, 14 },
	{ "attachments", "SELECT a.message_id, a.idx + 1, a.filename, a.content_type, "
	  "a.size, a.sha256, a.action FROM attachments a JOIN messages m "
	  "ON m.id = a.message_id WHERE " THEIR_MESSAGE("m") " ORDER BY a.message_id, a.idx",
	  { { "message", "MESSAGE" }, { "index", "INDEX" }, { "filename", "NAME" },
	    { "content_type", "TYPE" }, { "size", "SIZE" }, { "sha256", "SHA256" },
	    { "action", "ACTION" } },
	  { K_INT, K_INT, K_TEXT, K_TEXT, K_INT, K_TEXT, K_TEXT }, 7 },
	{ "incidents", "SELECT i.id, i.status, i.subject, i.opened_at, i.closed_at, "
	  "i.reporter_id IS ?1, i.called_112_by IS ?1, (SELECT count(*) FROM messages m "
	  "WHERE m.incident_id = i.id AND " THEIR_MESSAGE("m") ") FROM incidents i "
	  "WHERE i.reporter_id = ?1 OR i.called_112_by = ?1 OR i.id IN (SELECT "
	  "m.incident_id FROM messages m WHERE " THEIR_MESSAGE("m") ") ORDER BY i.id",
	  { { "number", "#" }, { "status", "STATUS" }, { "subject", "SUBJECT" },
	    { "opened", "OPENED" }, { "closed", "CLOSED" }, { "reported", "REPORTED" },
	    { "called_112", "CALLED 112" }, { "messages", "MESSAGES" } },
	  { K_INT, K_TEXT, K_TEXT, K_TIME, K_TIME, K_BOOL, K_BOOL, K_INT }, 8 },
	{ "deliveries", "SELECT d.outbox_id, o.kind, o.incident_id, o.created_at, "
	  "d.rcpt, d.state, d.attempts, d.sent_at FROM deliveries d JOIN outbox o "
	  "ON o.id = d.outbox_id WHERE d.member_id = ?1 OR d.rcpt = ?2 COLLATE NOCASE "
	  "ORDER BY d.id",
	  { { "mail", "MAIL" }, { "kind", "KIND" }, { "incident", "INCIDENT" },
	    { "created", "CREATED" }, { "address", "ADDRESS" }, { "state", "STATE" },
	    { "attempts", "TRIES" }, { "sent", "SENT" } },
	  { K_INT, K_TEXT, K_INT, K_TIME, K_TEXT, K_TEXT, K_INT, K_TIME }, 8 },
	{ "bounces", "SELECT id, at, rcpt, status, permanent, counted, verified, "
	  "diagnostic, why FROM bounces WHERE member_id = ?1 OR rcpt = ?2 COLLATE NOCASE "
	  "ORDER BY id",
	  { { "id", "ID" }, { "at", "AT" }, { "address", "ADDRESS" }, { "status", "STATUS" },
	    { "permanent", "PERMANENT" }, { "counted", "COUNTED" },
	    { "verified", "VERIFIED" }, { "diagnostic", "DIAGNOSTIC" }, { "why", "WHY" } },
	  { K_INT, K_TIME, K_TEXT, K_TEXT, K_BOOL, K_BOOL, K_BOOL, K_TEXT, K_TEXT }, 9 },
	{ "probes", "SELECT id, sent_at, rcpt, bounced_at FROM probes WHERE "
	  "member_id = ?1 ORDER BY id",
	  { { "id", "ID" }, { "sent", "SENT" }, { "address", "ADDRESS" },
	    { "bounced", "BOUNCED" } },
	  { K_INT, K_TIME, K_TEXT, K_TIME }, 4 },
	{ "notices", "SELECT kind, last_at FROM notices WHERE address = ?2 COLLATE NOCASE "
	  "ORDER BY kind",
	  { { "kind", "KIND" }, { "last", "LAST" } }, { K_TEXT, K_TIME }, 2 },
	{ "holds", "SELECT h.id, h.message_id, h.reason, h.state, h.created_at, "
	  "h.decided_at FROM holds h JOIN messages m ON m.id = h.message_id WHERE "
	  THEIR_MESSAGE("m") " ORDER BY h.id",
	  { { "id", "ID" }, { "message", "MESSAGE" }, { "reason", "REASON" },
	    { "state", "STATE" }, { "created", "CREATED" }, { "decided", "DECIDED" } },
	  { K_INT, K_INT, K_TEXT, K_TEXT, K_TIME, K_TIME }, 6 },
	{ "exports", "SELECT id, incident_id, created_at, format, "
	  "coalesce(recipient, file), sha256 FROM exports WHERE created_by = ?2 "
	  "COLLATE NOCASE ORDER BY id",
	  { { "id", "ID" }, { "incident", "INCIDENT" }, { "at", "AT" },
	    { "format", "FORMAT" }, { "to", "TO" }, { "sha256", "SHA256" } },
	  { K_INT, K_INT, K_TIME, K_TEXT, K_TEXT, K_TEXT }, 6 },
	{ "confirmations", "SELECT action, created_at, expires_at, used_at FROM "
	  "confirmations WHERE requested_by = ?2 COLLATE NOCASE ORDER BY created_at",
	  { { "action", "ACTION" }, { "created", "CREATED" }, { "expires", "EXPIRES" },
	    { "used", "USED" } },
	  { K_TEXT, K_TIME, K_TIME, K_TIME }, 4 },
};

static void
cell(struct printer *p, sqlite3_stmt *s, int i, enum kind k, struct buf *tmp)
{
	if (sqlite3_column_type(s, i) == SQLITE_NULL) {
		pr_null(p);
		return;
	}
	switch (k) {
	case K_INT:
		pr_int(p, sqlite3_column_int64(s, i));
		break;
	case K_BOOL:
		pr_bool(p, sqlite3_column_int(s, i));
		break;
	case K_TIME:
		pr_time_iso(p, (time_t)sqlite3_column_int64(s, i));
		break;
	case K_BASE64: {
		struct b64 e;

		buf_reset(tmp);
		b64_begin_flat(&e, tmp);
		b64_add(&e, sqlite3_column_blob(s, i), (size_t)sqlite3_column_bytes(s, i));
		b64_end(&e);
		pr_str(p, buf_str(tmp));
		break;
	}
	case K_TEXT:
	default:
		pr_str(p, store_col_text(s, i));
		break;
	}
}

static enum bpt_status
print_list(struct bpt_ctx *ctx, struct printer *p, const struct list *l,
    const struct member *m)
{
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, l->sql);
	struct buf tmp = BUF_INIT;
	int rc, i;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, m->id);
	sqlite3_bind_text(s, 2, m->email, -1, SQLITE_STATIC);
	pr_list_begin(p, l->name, l->cols, l->ncols);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		pr_row_begin(p);
		for (i = 0; i < l->ncols; i++)
			cell(p, s, i, l->kinds[i], &tmp);
		pr_row_end(p);
	}
	sqlite3_reset(s);
	pr_list_end(p);
	i = buf_failed(&tmp);
	buf_release(&tmp);
	if (rc != SQLITE_DONE)
		return store_fail(ctx, ctx->store, rc, l->name);
	return i ? bpt_err(ctx, BPT_ENOMEM, "out of memory") : BPT_OK;
}


enum bpt_status
member_data_export(struct bpt_ctx *ctx, const char *email, struct printer *p)
{
	struct member m;
	enum bpt_status st;
	size_t i;

	if ((st = store_exec(ctx, ctx->store, "BEGIN")) != BPT_OK)
		return st;
	if ((st = member_find(ctx, email, &m)) != BPT_OK) {
		store_rollback(ctx->store);
		return st;
	}
	pr_object_begin(p, "member_data");
	pr_kv_str(p, "group", ctx->cfg->group.name);
	pr_kv_str(p, "list_address", ctx->cfg->group.address);
	pr_kv_time(p, "made_at", bpt_now(ctx));
	pr_kv_int(p, "id", m.id);
	pr_kv_str(p, "email", m.email);
	pr_kv_str(p, "name", m.name);
	pr_kv_str(p, "phone", m.phone);
	pr_kv_str(p, "role", m.role);
	pr_kv_str(p, "status", m.status);
	pr_kv_str(p, "status_reason", m.status_reason);
	pr_kv_time(p, "status_until", m.status_until);
	pr_kv_time(p, "status_at", m.status_at);
	pr_kv_str(p, "consent_version", m.consent_version);
	pr_kv_time(p, "consent_at", m.consent_at);
	pr_kv_str(p, "consent_via", m.consent_version ? m.consent_via : NULL);
	pr_kv_time(p, "joined", m.joined_at);
	pr_kv_time(p, "updated", m.updated_at);
	for (i = 0; i < nitems(lists) && st == BPT_OK; i++)
		st = print_list(ctx, p, &lists[i], &m);
	pr_object_end(p);
	member_release(&m);
	store_rollback(ctx->store);
	return st;
}

/* --- erasure (art. 17) ----------------------------------------------------- */

#define NEEDLES 8
#define MATCH(c) "instr(lower(" c "), ?1) > 0 OR instr(lower(" c "), ?2) > 0 OR " \
	"instr(lower(" c "), ?3) > 0 OR instr(lower(" c "), ?4) > 0 OR " \
	"instr(lower(" c "), ?5) > 0 OR instr(lower(" c "), ?6) > 0 OR " \
	"instr(lower(" c "), ?7) > 0 OR instr(lower(" c "), ?8) > 0"

/*
 * Every place outside the member's own rows where their details may be:
 * the rows that hold one, each read whole, every column redacted and
 * written back.  after runs for a row whose first column changed.
 */
static const struct scan {
	const char *select;
	const char *read;
	const char *update;
	const char *after;
	int ncols;
	unsigned blobs;		/* bit i: column i is a blob */
} scans[] = {
	{ "SELECT rowid FROM messages WHERE " MATCH("raw") " OR " MATCH("body")
	  " OR " MATCH("body_shown") " OR " MATCH("subject") " OR " MATCH("from_name")
	  " OR " MATCH("notes"),
	  "SELECT raw, body, body_shown, subject, from_name, notes FROM messages "
	  "WHERE rowid = ?1",
	  "UPDATE messages SET raw = ?2, body = ?3, body_shown = ?4, subject = ?5, "
	  "from_name = ?6, notes = ?7 WHERE rowid = ?1",
	  /* an original that no longer matches its hash says so */
	  "UPDATE messages SET erased = 'redacted' WHERE id = ?1 AND erased IS NULL",
	  6, 1 },
	{ "SELECT rowid FROM attachments WHERE " MATCH("filename"),
	  "SELECT filename FROM attachments WHERE rowid = ?1",
	  "UPDATE attachments SET filename = ?2 WHERE rowid = ?1", NULL, 1, 0 },
	{ "SELECT rowid FROM outbox WHERE " MATCH("content"),
	  "SELECT content FROM outbox WHERE rowid = ?1",
	  "UPDATE outbox SET content = ?2 WHERE rowid = ?1", NULL, 1, 1 },
	{ "SELECT rowid FROM deliveries WHERE " MATCH("last_reply"),
	  "SELECT last_reply FROM deliveries WHERE rowid = ?1",
	  "UPDATE deliveries SET last_reply = ?2 WHERE rowid = ?1", NULL, 1, 0 },
	{ "SELECT rowid FROM audit WHERE " MATCH("actor") " OR " MATCH("member_email")
	  " OR " MATCH("reason") " OR " MATCH("detail"),
	  "SELECT actor, member_email, reason, detail FROM audit WHERE rowid = ?1",
	  "UPDATE audit SET actor = ?2, member_email = ?3, reason = ?4, detail = ?5 "
	  "WHERE rowid = ?1", NULL, 4, 0 },
	{ "SELECT rowid FROM incidents WHERE " MATCH("subject") " OR " MATCH("closed_by")
	  " OR " MATCH("close_reason") " OR " MATCH("outcome") " OR " MATCH("outcome_by"),
	  "SELECT subject, closed_by, close_reason, outcome, outcome_by FROM incidents "
	  "WHERE rowid = ?1",
	  "UPDATE incidents SET subject = ?2, closed_by = ?3, close_reason = ?4, "
	  "outcome = ?5, outcome_by = ?6 WHERE rowid = ?1", NULL, 5, 0 },
	{ "SELECT rowid FROM holds WHERE " MATCH("detail") " OR " MATCH("decided_by"),
	  "SELECT detail, decided_by FROM holds WHERE rowid = ?1",
	  "UPDATE holds SET detail = ?2, decided_by = ?3 WHERE rowid = ?1", NULL, 2, 0 },
	{ "SELECT rowid FROM exports WHERE " MATCH("created_by") " OR " MATCH("recipient"),
	  "SELECT created_by, recipient FROM exports WHERE rowid = ?1",
	  "UPDATE exports SET created_by = ?2, recipient = ?3 WHERE rowid = ?1",
	  NULL, 2, 0 },
	{ "SELECT rowid FROM bounces WHERE " MATCH("diagnostic"),
	  "SELECT diagnostic FROM bounces WHERE rowid = ?1",
	  "UPDATE bounces SET diagnostic = ?2 WHERE rowid = ?1", NULL, 1, 0 },
	{ "SELECT rowid FROM members WHERE " MATCH("status_reason"),
	  "SELECT status_reason FROM members WHERE rowid = ?1",
	  "UPDATE members SET status_reason = ?2 WHERE rowid = ?1", NULL, 1, 0 },
};

/* The member's own rows, before the scans. */
static const char *const own_steps[] = {
	"INSERT INTO erasing(member_id) VALUES (?1)",
	"UPDATE attachments SET filename = NULL WHERE message_id IN (SELECT id FROM "
	"messages m WHERE " THEIR_MESSAGE("m") ")",
	"UPDATE messages SET raw = zeroblob(0), body = ?3, body_shown = ?3, "
	"from_addr = NULL, from_name = NULL, envelope_from = NULL, subject = NULL, "
	"message_id = NULL, date_hdr = NULL, notes = NULL, member_id = NULL, "
	"erased = CASE WHEN erased = 'purged' THEN erased ELSE 'forgotten' END "
	"WHERE member_id = ?1 OR from_addr = ?2 COLLATE NOCASE",
	/* what was sent of her messages, and notices to her alone, once
	 * nothing waits for them: gone whole, encoded words and all */
	"UPDATE outbox SET content = zeroblob(0) WHERE open = 0 AND (source_id IN "
	"(SELECT id FROM messages m WHERE " THEIR_MESSAGE("m") ") OR (kind = 'notice' "
	"AND id IN (SELECT outbox_id FROM deliveries WHERE member_id = ?1 OR "
	"rcpt = ?2 COLLATE NOCASE)))",
	"UPDATE deliveries SET rcpt = '', member_id = NULL, last_reply = NULL, "
	"state = CASE WHEN state = 'queued' OR state = 'deferred' OR state = 'sending' "
	"THEN 'dropped' ELSE state END, claimed_by = NULL, claimed_at = NULL "
	"WHERE member_id = ?1 OR rcpt = ?2 COLLATE NOCASE",
	"DELETE FROM bounces WHERE member_id = ?1 OR rcpt = ?2 COLLATE NOCASE",
	"DELETE FROM notices WHERE address = ?2 COLLATE NOCASE",
	("DELETE FROM confirmations WHERE requested_by = ?2 COLLATE NOCASE "
	"OR instr(lower(args), lower(?2)) > 0"),
};

/* The ways their details are written: address, name, phone forms. */
struct needles {
	char *v[NEEDLES];
	size_t n;
};

static void
needles_release(struct needles *nd)
{
	size_t i;

	for (i = 0; i < nd->n; i++)
		free(nd->v[i]);
	memset(nd, 0, sizeof(*nd));
}

static int
needle_add(struct needles *nd, const char *fmt, const char *a)
{
	struct buf b = BUF_INIT;
	size_t i;

	if (nd->n >= NEEDLES)
		return 0;
	buf_addf(&b, fmt, a);
	if (buf_failed(&b))
		return -1;
	for (i = 0; i < b.len; i++)
		if (b.buf[i] >= 'A' && b.buf[i] <= 'Z')
			b.buf[i] = (char)(b.buf[i] - 'A' + 'a');
	nd->v[nd->n++] = buf_detach(&b, NULL);
	return 0;
}

static int
needles_of(const struct member *m, struct needles *nd)
{
	int rc = needle_add(nd, "%s", m->email);

	/* a name shorter than this would match ordinary words */
	if (rc == 0 && m->name && strlen(m->name) >= 4)
		rc = needle_add(nd, "%s", m->name);
	if (rc == 0 && m->phone && *m->phone) {
		const char *p = m->phone;

		rc = needle_add(nd, "%s", p);
		if (rc == 0 && strncmp(p, "+316", 4) == 0 && strlen(p) == 12) {
			char four[5], rest[5];

			memcpy(four, p + 4, 4);
			four[4] = '\0';
			memcpy(rest, p + 8, 4);
			rest[4] = '\0';
			if (needle_add(nd, "06%s", p + 4) < 0 ||
			    needle_add(nd, "06-%s", p + 4) < 0 ||
			    needle_add(nd, "06 %s", p + 4) < 0 ||
			    needle_add(nd, "+31 6 %s", p + 4) < 0)
				rc = -1;
			else {
				struct buf b = BUF_INIT;

				buf_addf(&b, "06 %s %s", four, rest);
				rc = buf_failed(&b) ? -1 : needle_add(nd, "%s", b.buf);
				buf_release(&b);
			}
		}
	}
	return rc;
}

/* p[0..n) with every needle (ASCII case aside) replaced by mark. */
static int
redact(const char *p, size_t n, const struct needles *nd, const char *mark,
    struct buf *out)
{
	struct buf cur = BUF_INIT;
	size_t i;
	int hits = 0;

	buf_add(&cur, p, n);
	for (i = 0; i < nd->n; i++) {
		const char *s = cur.buf ? cur.buf : "", *end = s + cur.len, *f;
		size_t k = strlen(nd->v[i]);

		buf_reset(out);
		while ((f = util_ci_findn(s, (size_t)(end - s), nd->v[i])) != NULL) {
			buf_add(out, s, (size_t)(f - s));
			buf_adds(out, mark);
			s = f + k;
			hits++;
		}
		buf_add(out, s, (size_t)(end - s));
		buf_reset(&cur);
		buf_add(&cur, out->buf ? out->buf : "", out->len);
	}
	buf_reset(out);
	buf_add(out, cur.buf ? cur.buf : "", cur.len);
	if (buf_failed(&cur))
		out->oom = 1;
	buf_release(&cur);
	return hits;
}

static void
bind_needles(sqlite3_stmt *s, const struct needles *nd)
{
	size_t i;

	for (i = 0; i < nd->n; i++)
		sqlite3_bind_text(s, (int)i + 1, nd->v[i], -1, SQLITE_STATIC);
}

/* One scan: every matching row rewritten, one row at a time. */
static enum bpt_status
run_scan(struct bpt_ctx *ctx, const struct scan *sc, const struct needles *nd,
    const char *mark, int dry_run, long long *count)
{
	long long *ids = NULL;
	size_t n = 0, i;
	struct buf out = BUF_INIT;
	enum bpt_status st = BPT_OK;
	sqlite3_stmt *s;

	/* the rows first: an update must not run under an open select */
	if ((s = store_prepare(ctx, ctx->store, sc->select)) == NULL)
		return ctx->err;
	bind_needles(s, nd);
	if ((st = store_ids(ctx, ctx->store, s, &ids, &n,
	    "look for a member's details")) != BPT_OK)
		return st;
	*count += (long long)n;
	for (i = 0; i < n && !dry_run && st == BPT_OK; i++) {
		sqlite3_stmt *r, *u;
		int c, rc, first_hit = 0;

		if ((r = store_prepare(ctx, ctx->store, sc->read)) == NULL ||
		    (u = store_prepare(ctx, ctx->store, sc->update)) == NULL) {
			st = ctx->err;
			break;
		}
		sqlite3_bind_int64(r, 1, ids[i]);
		if ((rc = sqlite3_step(r)) != SQLITE_ROW) {
			sqlite3_reset(r);
			st = store_fail(ctx, ctx->store, rc == SQLITE_DONE ?
			    SQLITE_CORRUPT : rc, "read a member's details");
			break;
		}
		sqlite3_bind_int64(u, 1, ids[i]);
		for (c = 0; c < sc->ncols; c++) {
			const void *v = sqlite3_column_blob(r, c);
			int len = sqlite3_column_bytes(r, c), hits;

			if (sqlite3_column_type(r, c) == SQLITE_NULL)
				continue;	/* stays NULL */
			hits = redact(v ? v : "", (size_t)len, nd, mark, &out);
			if (c == 0)
				first_hit = hits > 0;
			if (sc->blobs & (1u << c))
				sqlite3_bind_blob(u, c + 2, out.buf ? out.buf : "",
				    (int)out.len, SQLITE_TRANSIENT);
			else
				sqlite3_bind_text(u, c + 2, out.buf ? out.buf : "",
				    (int)out.len, SQLITE_TRANSIENT);
		}
		sqlite3_reset(r);
		if (buf_failed(&out)) {
			sqlite3_reset(u);
			st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
			break;
		}
		if ((st = store_step_done(ctx, ctx->store, u)) != BPT_OK)
			break;
		if (sc->after != NULL && first_hit) {
			if ((u = store_prepare(ctx, ctx->store, sc->after)) == NULL) {
				st = ctx->err;
				break;
			}
			sqlite3_bind_int64(u, 1, ids[i]);
			st = store_step_done(ctx, ctx->store, u);
		}
	}
	free(ids);
	buf_release(&out);
	return st;
}

/* An open incident the member reported: they cannot go before it ends. */
static enum bpt_status
open_reported(struct bpt_ctx *ctx, const struct member *m)
{
	static const char sql[] = "SELECT id FROM incidents WHERE reporter_id = ? "
	    "AND status = 'open' ORDER BY id LIMIT 1";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	enum bpt_status st = BPT_OK;
	int rc;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, m->id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		st = bpt_err(ctx, BPT_EDATA, "'%s' reported incident #%lld, which is "
		    "still open: close it first", m->email,
		    (long long)sqlite3_column_int64(s, 0));
	else if (rc != SQLITE_DONE)
		st = store_fail(ctx, ctx->store, rc, "look for open incidents");
	sqlite3_reset(s);
	return st;
}

/* How many rows a statement of the member's own would touch. */
static enum bpt_status
count_own(struct bpt_ctx *ctx, const struct member *m, struct member_forget_report *r)
{
	static const char sql[] = "SELECT "
	    "(SELECT count(*) FROM messages m WHERE " THEIR_MESSAGE("m") "), "
	    "(SELECT count(*) FROM deliveries WHERE member_id = ?1 OR "
	    "rcpt = ?2 COLLATE NOCASE)";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	int rc;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, m->id);
	sqlite3_bind_text(s, 2, m->email, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		r->messages = sqlite3_column_int64(s, 0);
		r->deliveries = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? BPT_OK : store_fail(ctx, ctx->store, rc,
	    "count a member's rows");
}

enum bpt_status
member_forget(struct bpt_ctx *ctx, const char *email, int dry_run,
    struct member_forget_report *r)
{
	static const char del[] = "DELETE FROM members WHERE id = ?";
	static const char ungate[] = "DELETE FROM erasing";
	int en = ctx->cfg->group.language == CFG_EN;
	const char *text_mark = en ? "[message removed at the writer's request]" :
	    "[bericht verwijderd op verzoek van de schrijver]";
	const char *mark = en ? "[removed]" : "[verwijderd]";
	struct audit_entry e = { 0 };
	struct needles nd = { { NULL }, 0 };
	struct buf d = BUF_INIT;
	struct member m;
	enum bpt_status st;
	sqlite3_stmt *s;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->dry_run = dry_run;
	if ((st = store_begin(ctx, ctx->store)) != BPT_OK)
		return st;
	memset(&m, 0, sizeof(m));
	if ((st = member_find(ctx, email, &m)) != BPT_OK)
		goto fail;
	r->id = m.id;
	if ((st = open_reported(ctx, &m)) != BPT_OK)
		goto fail;
	if (needles_of(&m, &nd) < 0) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto fail;
	}
	if ((st = count_own(ctx, &m, r)) != BPT_OK)
		goto fail;
	for (i = 0; i < nitems(own_steps) && !dry_run; i++) {
		if ((s = store_prepare(ctx, ctx->store, own_steps[i])) == NULL) {
			st = ctx->err;
			goto fail;
		}
		sqlite3_bind_int64(s, 1, m.id);
		if (sqlite3_bind_parameter_count(s) >= 2)
			sqlite3_bind_text(s, 2, m.email, -1, SQLITE_STATIC);
		if (sqlite3_bind_parameter_count(s) >= 3)
			sqlite3_bind_text(s, 3, text_mark, -1, SQLITE_STATIC);
		if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
			goto fail;
	}
	for (i = 0; i < nitems(scans); i++)
		if ((st = run_scan(ctx, &scans[i], &nd, mark, dry_run,
		    &r->redacted)) != BPT_OK)
			goto fail;
	if (dry_run) {
		store_rollback(ctx->store);
		goto out;
	}
	if ((s = store_prepare(ctx, ctx->store, del)) == NULL) {
		st = ctx->err;
		goto fail;
	}
	sqlite3_bind_int64(s, 1, m.id);
	if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
		goto fail;
	buf_addf(&d, "member #%lld forgotten: %lld message(s) blanked, %lld "
	    "value(s) elsewhere redacted, %lld delivery row(s) without address",
	    m.id, r->messages, r->redacted, r->deliveries);
	if (buf_failed(&d)) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto fail;
	}
	e.action = "forget";
	e.member_id = m.id;
	e.reason = "AVG art. 17";
	e.detail = d.buf;
	if ((st = audit_add(ctx, &e)) != BPT_OK)
		goto fail;
	if ((s = store_prepare(ctx, ctx->store, ungate)) == NULL) {
		st = ctx->err;
		goto fail;
	}
	if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
		goto fail;
	if ((st = store_commit(ctx, ctx->store)) != BPT_OK)
		goto out;
	st = store_scrub(ctx, ctx->store);
	goto out;
fail:
	store_rollback(ctx->store);
out:
	needles_release(&nd);
	member_release(&m);
	buf_release(&d);
	return st;
}
