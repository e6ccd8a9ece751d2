/* incident.c - incidents: the model of their rows, thread lookup,
 * closing and outcomes, and the figures the statistics read. */
#include "bptconf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "export.h"
#include "incident.h"
#include "store.h"

const char *
incident_112_str(int c)
{
	return c == INC112_YES ? "yes" : c == INC112_NO ? "no" : "unknown";
}

static const char *const result_names[INCRES_MAX] = {
	"arrest", "police", "prevented", "nothing", "unknown",
};

const char *
incident_result_str(int result)
{
	return result >= 0 && result < INCRES_MAX ? result_names[result] : NULL;
}

int
incident_result_parse(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < INCRES_MAX; i++)
		if (strcmp(s, result_names[i]) == 0)
			return i;
	return -1;
}

static int
parse_112(const char *s)
{
	return strcmp(s, "yes") == 0 ? INC112_YES : strcmp(s, "no") == 0 ?
	    INC112_NO : INC112_UNKNOWN;
}

void
incident_release(struct incident *inc)
{
	if (inc == NULL)
		return;
	free(inc->subject);
	free(inc->reporter_name);
	free(inc->called_112_by_name);
	free(inc->plates);
	free(inc->root_msgid);
	free(inc->last_hash);
	free(inc->closed_by);
	free(inc->close_reason);
	free(inc->outcome);
	free(inc->outcome_by);
	memset(inc, 0, sizeof(*inc));
}

#define INCIDENT_COLS \
	"i.id, i.status, i.subject, i.reporter_id, r.name, i.opened_at, " \
	"i.last_at, i.closed_at, i.called_112, i.called_112_by, c.name, " \
	"i.called_112_at, i.plates, i.root_msgid, i.last_hash, " \
	"(SELECT count(*) FROM messages m WHERE m.incident_id = i.id), " \
	"i.closed_by, i.close_reason, i.outcome, i.result, i.outcome_at, " \
	"i.outcome_by, i.first_reply_at, i.exported_at, i.reminders, " \
	"i.reminded_at " \
	"FROM incidents i LEFT JOIN members r ON r.id = i.reporter_id " \
	"LEFT JOIN members c ON c.id = i.called_112_by "

static enum bpt_status
row_to_incident(struct bpt_ctx *ctx, sqlite3_stmt *s, struct incident *out)
{
	memset(out, 0, sizeof(*out));
	out->number = sqlite3_column_int64(s, 0);
	out->closed = strcmp(store_col_text(s, 1), "closed") == 0;
	out->subject = store_col_dup(s, 2, NULL);
	out->reporter_id = sqlite3_column_int64(s, 3);
	out->reporter_name = store_col_dup(s, 4, NULL);
	out->opened_at = (time_t)sqlite3_column_int64(s, 5);
	out->last_at = (time_t)sqlite3_column_int64(s, 6);
	out->closed_at = (time_t)sqlite3_column_int64(s, 7);
	out->called_112 = parse_112(store_col_text(s, 8));
	out->called_112_by = sqlite3_column_int64(s, 9);
	out->called_112_by_name = store_col_dup(s, 10, NULL);
	out->called_112_at = (time_t)sqlite3_column_int64(s, 11);
	out->plates = store_col_dup(s, 12, NULL);
	out->root_msgid = store_col_dup(s, 13, NULL);
	out->last_hash = store_col_dup(s, 14, NULL);
	out->messages = sqlite3_column_int64(s, 15);
	out->closed_by = store_col_dup(s, 16, NULL);
	out->close_reason = store_col_dup(s, 17, NULL);
	out->outcome = store_col_dup(s, 18, NULL);
	out->result = out->outcome != NULL ? incident_result_parse(
	    store_col_text(s, 19)) : -1;
	if (out->outcome != NULL && out->result < 0)
		out->result = INCRES_UNKNOWN;
	out->outcome_at = (time_t)sqlite3_column_int64(s, 20);
	out->outcome_by = store_col_dup(s, 21, NULL);
	out->first_reply_at = (time_t)sqlite3_column_int64(s, 22);
	out->exported_at = (time_t)sqlite3_column_int64(s, 23);
	out->reminders = sqlite3_column_int(s, 24);
	out->reminded_at = (time_t)sqlite3_column_int64(s, 25);
	if (out->subject == NULL || out->plates == NULL ||
	    (sqlite3_column_type(s, 16) != SQLITE_NULL && out->closed_by == NULL) ||
	    (sqlite3_column_type(s, 17) != SQLITE_NULL && out->close_reason == NULL) ||
	    (sqlite3_column_type(s, 18) != SQLITE_NULL && out->outcome == NULL) ||
	    (sqlite3_column_type(s, 21) != SQLITE_NULL && out->outcome_by == NULL)) {
		incident_release(out);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
	return BPT_OK;
}

enum bpt_status
incident_get(struct bpt_ctx *ctx, long long number, struct incident *out)
{
	static const char sql[] = "SELECT " INCIDENT_COLS "WHERE i.id = ?";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	enum bpt_status st;
	int rc;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, number);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		st = row_to_incident(ctx, s, out);
	else if (rc == SQLITE_DONE)
		st = bpt_err(ctx, BPT_ENOENT, "no incident #%lld", number);
	else
		st = store_fail(ctx, ctx->store, rc, "read incident");
	sqlite3_reset(s);
	return st;
}

enum bpt_status
incident_by_msgids(struct bpt_ctx *ctx, const char *const *ids, size_t n,
    long long *number)
{
	static const char sql[] =
	    "SELECT incident_id FROM outbox WHERE msgid = ?1 AND incident_id IS NOT NULL "
	    "UNION ALL "
	    "SELECT incident_id FROM messages WHERE message_id = ?1 "
	    "AND incident_id IS NOT NULL LIMIT 1";
	sqlite3_stmt *s;
	size_t i;
	int rc;

	*number = 0;
	/* the newest reference first: it names the direct parent */
	for (i = n; i-- > 0;) {
		if (ids[i] == NULL || *ids[i] == '\0')
			continue;
		if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
			return ctx->err;
		sqlite3_bind_text(s, 1, ids[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			*number = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return store_fail(ctx, ctx->store, rc, "thread lookup");
		if (*number != 0)
			return BPT_OK;
	}
	return BPT_OK;
}

long long
incident_tag_number(const char *subject, const char *group_name)
{
	const char *p = subject;
	size_t gl = strlen(group_name);

	while (p != NULL && (p = strchr(p, '[')) != NULL) {
		const char *q = p + 1, *hash, *end = strchr(q, ']');
		long long n = 0;

		p++;
		if (end == NULL)
			break;
		while (*q == ' ')
			q++;
		if (strncasecmp(q, group_name, gl) != 0)
			continue;
		hash = q + gl;
		while (*hash == ' ')
			hash++;
		if (*hash != '#' || !isdigit((unsigned char)hash[1]))
			continue;
		for (q = hash + 1; isdigit((unsigned char)*q) && n < 1000000000LL; q++)
			n = n * 10 + (*q - '0');
		while (*q == ' ')
			q++;
		if (q == end && n > 0)
			return n;
	}
	return 0;
}

long long
incident_plus_number(const char *rcpt, const char *list_addr)
{
	const char *lat = strrchr(list_addr, '@'), *rat, *plus;
	size_t ll;
	long long n = 0;

	if (rcpt == NULL || lat == NULL || (rat = strrchr(rcpt, '@')) == NULL)
		return 0;
	ll = (size_t)(lat - list_addr);
	if (strcasecmp(lat, rat) != 0 || strncasecmp(rcpt, list_addr, ll) != 0)
		return 0;
	plus = rcpt + ll;
	if (*plus != '+' || !isdigit((unsigned char)plus[1]))
		return 0;
	for (plus++; plus < rat; plus++) {
		if (!isdigit((unsigned char)*plus) || n > 100000000LL)
			return 0;
		n = n * 10 + (*plus - '0');
	}
	return n;
}

enum bpt_status
incident_open(struct bpt_ctx *ctx, long long reporter_id, const char *subject,
    time_t at, long long *number)
{
	static const char sql[] = "INSERT INTO incidents(reporter_id, subject, "
	    "opened_at, last_at) VALUES (?, ?, ?, ?)";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	enum bpt_status st;

	if (s == NULL)
		return ctx->err;
	if (reporter_id > 0)
		sqlite3_bind_int64(s, 1, reporter_id);
	store_bind_text(s, 2, subject ? subject : "");
	sqlite3_bind_int64(s, 3, at);
	sqlite3_bind_int64(s, 4, at);
	if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
		return st;
	*number = sqlite3_last_insert_rowid(store_db(ctx->store));
	return BPT_OK;
}

enum bpt_status
incident_set_root(struct bpt_ctx *ctx, long long number, const char *msgid)
{
	static const char sql[] = "UPDATE incidents SET root_msgid = ? WHERE id = ?";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);

	if (s == NULL)
		return ctx->err;
	store_bind_text(s, 1, msgid);
	sqlite3_bind_int64(s, 2, number);
	return store_step_done(ctx, ctx->store, s);
}

static int
has_word(const char *list, const char *w, size_t n)
{
	while (*list) {
		const char *e = strchr(list, ' ');
		size_t l = e ? (size_t)(e - list) : strlen(list);

		if (l == n && strncmp(list, w, n) == 0)
			return 1;
		if (e == NULL)
			break;
		list = e + 1;
	}
	return 0;
}

/* plates merged: old words first, new ones appended when not there */
static char *
merge_plates(const char *old, const char *add)
{
	struct buf b = BUF_INIT;
	const char *p = add;

	buf_adds(&b, old ? old : "");
	while (p && *p) {
		const char *e = strchr(p, ' ');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n > 0 && !has_word(buf_str(&b), p, n)) {
			if (b.len > 0)
				buf_addch(&b, ' ');
			buf_add(&b, p, n);
		}
		p = e ? e + 1 : NULL;
	}
	return buf_detach(&b, NULL);
}

enum bpt_status
incident_touch(struct bpt_ctx *ctx, long long number, time_t at,
    const char *chain_hash, const char *plates, int called_112, long long member_id)
{
	static const char get[] = "SELECT plates FROM incidents WHERE id = ?";
	/* the alert starts the hash chain: a head means this is a reply */
	static const char upd[] = "UPDATE incidents SET last_at = max(last_at, ?1), "
	    "first_reply_at = CASE WHEN first_reply_at IS NULL AND last_hash IS NOT NULL "
	    "THEN ?1 ELSE first_reply_at END, "
	    "last_hash = ?2, plates = ?3, "
	    "called_112 = CASE WHEN ?4 IS NULL THEN called_112 ELSE ?4 END, "
	    "called_112_by = CASE WHEN ?4 IS NULL THEN called_112_by ELSE ?5 END, "
	    "called_112_at = CASE WHEN ?4 IS NULL THEN called_112_at ELSE ?1 END "
	    "WHERE id = ?6";
	sqlite3_stmt *s;
	char *merged = NULL;
	enum bpt_status st;
	int rc;

	if ((s = store_prepare(ctx, ctx->store, get)) == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, number);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		merged = merge_plates(store_col_text(s, 0), plates);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? bpt_err(ctx, BPT_ENOENT, "no incident #%lld",
		    number) : store_fail(ctx, ctx->store, rc, "read incident");
	if (merged == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	if ((s = store_prepare(ctx, ctx->store, upd)) == NULL) {
		free(merged);
		return ctx->err;
	}
	sqlite3_bind_int64(s, 1, at);
	store_bind_text(s, 2, chain_hash);
	sqlite3_bind_text(s, 3, merged, -1, free);
	if (called_112 != INC112_UNKNOWN)
		sqlite3_bind_text(s, 4, incident_112_str(called_112), -1, SQLITE_STATIC);
	if (member_id > 0)
		sqlite3_bind_int64(s, 5, member_id);
	sqlite3_bind_int64(s, 6, number);
	st = store_step_done(ctx, ctx->store, s);
	return st;
}


/* --- reading, for the tools ------------------------------------------ */

enum bpt_status
incident_each(struct bpt_ctx *ctx, const struct incident_filter *f,
    int (*fn)(void *arg, const struct incident *inc), void *arg)
{
	static const char sql[] = "SELECT " INCIDENT_COLS
	    "WHERE (?1 IS NULL OR i.status = ?1) AND (?2 = 0 OR "
	    "(i.status = 'closed' AND i.outcome IS NULL)) ORDER BY i.id DESC";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	enum bpt_status st = BPT_OK;
	struct incident inc;
	int rc;

	if (s == NULL)
		return ctx->err;
	store_bind_text(s, 1, f ? f->status : NULL);
	sqlite3_bind_int(s, 2, f ? f->needs_outcome : 0);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int stop;

		if ((st = row_to_incident(ctx, s, &inc)) != BPT_OK)
			break;
		stop = fn(arg, &inc);
		incident_release(&inc);
		if (stop)
			break;
	}
	sqlite3_reset(s);
	if (st == BPT_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = store_fail(ctx, ctx->store, rc, "list incidents");
	return st;
}

enum bpt_status
incident_copies(struct bpt_ctx *ctx, long long number, struct incident_copies *out)
{
	/* the group's copies, not the notices about the incident */
	static const char sql[] = "SELECT d.state, count(*) FROM outbox o "
	    "CROSS JOIN deliveries d ON d.id BETWEEN o.dfirst AND o.dlast "
	    "WHERE o.incident_id = ? AND o.kind IN ('alert', 'reply') GROUP BY d.state";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	int rc;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, number);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *state = store_col_text(s, 0);
		long long c = sqlite3_column_int64(s, 1);

		if (strcmp(state, "sent") == 0)
			out->sent += c;
		else if (strcmp(state, "deferred") == 0)
			out->deferred += c;
		else if (strcmp(state, "failed") == 0)
			out->failed += c;
		else if (strcmp(state, "dropped") != 0)
			out->queued += c;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(ctx, ctx->store, rc, "count copies");
	return BPT_OK;
}

static const char *
col_or_null(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

enum bpt_status
incident_each_message(struct bpt_ctx *ctx, long long number,
    int (*fn)(void *arg, const struct incident_message *m), void *arg)
{
	static const char sql[] = "SELECT m.id, m.received_at, "
	    "coalesce(nullif(mm.name, ''), m.from_name, m.from_addr), "
	    "m.class, m.called_112, m.body_shown, m.subject, m.sha256, m.chain_hash "
	    "FROM messages m LEFT JOIN members mm ON mm.id = m.member_id "
	    "WHERE m.incident_id = ? ORDER BY m.id";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	struct incident_message m;
	int rc;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, number);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		m.id = sqlite3_column_int64(s, 0);
		m.received_at = (time_t)sqlite3_column_int64(s, 1);
		m.from = store_col_text(s, 2);
		m.class = store_col_text(s, 3);
		m.called_112 = col_or_null(s, 4);
		m.text = store_col_text(s, 5);
		m.subject = store_col_text(s, 6);
		m.sha256 = store_col_text(s, 7);
		m.chain_hash = store_col_text(s, 8);
		if (fn(arg, &m) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(ctx, ctx->store, rc, "read messages");
	return BPT_OK;
}

enum bpt_status
incident_each_delivery(struct bpt_ctx *ctx, long long number,
    int (*fn)(void *arg, const struct incident_delivery *d), void *arg)
{
	static const char sql[] = "SELECT o.source_id, o.kind, d.rcpt, m.name, "
	    "d.state, d.attempts, d.last_reply, d.sent_at FROM outbox o "
	    "CROSS JOIN deliveries d ON d.id BETWEEN o.dfirst AND o.dlast "
	    "LEFT JOIN members m ON m.id = d.member_id "
	    "WHERE o.incident_id = ? AND o.kind IN ('alert', 'reply') ORDER BY d.id";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	struct incident_delivery d;
	int rc;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, number);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		d.message = sqlite3_column_int64(s, 0);
		d.kind = store_col_text(s, 1);
		d.rcpt = store_col_text(s, 2);
		d.name = col_or_null(s, 3);
		d.state = store_col_text(s, 4);
		d.attempts = sqlite3_column_int64(s, 5);
		d.last_reply = col_or_null(s, 6);
		d.sent_at = (time_t)sqlite3_column_int64(s, 7);
		if (fn(arg, &d) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(ctx, ctx->store, rc, "read copies");
	return BPT_OK;
}

enum bpt_status
incident_last_copy(struct bpt_ctx *ctx, long long number, char **out)
{
	static const char sql[] = "SELECT msgid FROM outbox WHERE incident_id = ? "
	    "AND kind IN ('alert', 'reply') ORDER BY id DESC LIMIT 1";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	enum bpt_status st = BPT_OK;
	int rc;

	*out = NULL;
	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, number);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && (*out = strdup(store_col_text(s, 0))) == NULL)
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = store_fail(ctx, ctx->store, rc, "read copies");
	sqlite3_reset(s);
	return st;
}

/* --- closing and outcomes ---------------------------------------------- */

/* Runs an UPDATE of one incident; *changed is whether a row changed. */
static enum bpt_status
update_one(struct bpt_ctx *ctx, sqlite3_stmt *s, long long number, int *changed)
{
	enum bpt_status st;
	struct incident inc;

	if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
		return st;
	*changed = sqlite3_changes(store_db(ctx->store)) > 0;
	if (*changed)
		return BPT_OK;
	/* nothing changed: no such incident, or nothing to do */
	if ((st = incident_get(ctx, number, &inc)) != BPT_OK)
		return st;
	incident_release(&inc);
	return BPT_OK;
}

enum bpt_status
incident_set_closed(struct bpt_ctx *ctx, long long number, time_t at,
    const char *by, const char *reason, int *changed)
{
	static const char sql[] = "UPDATE incidents SET status = 'closed', "
	    "closed_at = ?2, closed_by = ?3, close_reason = ?4 "
	    "WHERE id = ?1 AND status = 'open'";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);

	*changed = 0;
	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, number);
	sqlite3_bind_int64(s, 2, at);
	store_bind_text(s, 3, by);
	store_bind_text(s, 4, reason);
	return update_one(ctx, s, number, changed);
}

enum bpt_status
incident_set_open(struct bpt_ctx *ctx, long long number, time_t at, int *changed)
{
	/* the final copy counts are no longer final */
	static const char sql[] = "UPDATE incidents SET status = 'open', "
	    "closed_at = NULL, closed_by = NULL, close_reason = NULL, "
	    "last_at = max(last_at, ?2), copies_sent = NULL, copies_failed = NULL "
	    "WHERE id = ?1 AND status = 'closed'";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);

	*changed = 0;
	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, number);
	sqlite3_bind_int64(s, 2, at);
	return update_one(ctx, s, number, changed);
}

enum bpt_status
incident_set_outcome(struct bpt_ctx *ctx, long long number, const char *text,
    int result, time_t at, const char *by)
{
	static const char sql[] = "UPDATE incidents SET outcome = ?2, result = ?3, "
	    "outcome_at = ?4, outcome_by = ?5, outcome_sent_at = ?4 WHERE id = ?1";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	int changed;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, number);
	store_bind_text(s, 2, text);
	store_bind_text(s, 3, incident_result_str(result));
	sqlite3_bind_int64(s, 4, at);
	store_bind_text(s, 5, by);
	return update_one(ctx, s, number, &changed);
}

enum bpt_status
incident_idle(struct bpt_ctx *ctx, time_t before, long long **out, size_t *n)
{
	static const char sql[] = "SELECT id FROM incidents WHERE status = 'open' "
	    "AND last_at < ? ORDER BY last_at, id";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	long long *v = NULL;
	size_t alloc = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, before);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == alloc) {
			size_t na = alloc ? 2 * alloc : 16;
			long long *nv = realloc(v, na * sizeof(*v));

			if (nv == NULL) {
				sqlite3_reset(s);
				free(v);
				*n = 0;
				return bpt_err(ctx, BPT_ENOMEM, "out of memory");
			}
			v = nv;
			alloc = na;
		}
		v[(*n)++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		free(v);
		*n = 0;
		return store_fail(ctx, ctx->store, rc, "idle incidents");
	}
	*out = v;
	return BPT_OK;
}

enum bpt_status
incident_each_unreported(struct bpt_ctx *ctx, time_t closed_before,
    time_t reminded_before, int max,
    int (*fn)(void *arg, const struct incident *inc), void *arg)
{
	static const char sql[] = "SELECT " INCIDENT_COLS
	    "WHERE i.status = 'closed' AND i.outcome IS NULL AND i.closed_at <= ?1 "
	    "AND i.reminders < ?3 AND (i.reminded_at IS NULL OR i.reminded_at <= ?2) "
	    "ORDER BY i.exported_at IS NULL, i.closed_at, i.id";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	enum bpt_status st = BPT_OK;
	struct incident inc;
	int rc;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, closed_before);
	sqlite3_bind_int64(s, 2, reminded_before);
	sqlite3_bind_int(s, 3, max);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int stop;

		if ((st = row_to_incident(ctx, s, &inc)) != BPT_OK)
			break;
		stop = fn(arg, &inc);
		incident_release(&inc);
		if (stop)
			break;
	}
	sqlite3_reset(s);
	if (st == BPT_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = store_fail(ctx, ctx->store, rc, "incidents without an outcome");
	return st;
}

enum bpt_status
incident_mark_reminded(struct bpt_ctx *ctx, long long number, time_t at)
{
	static const char sql[] = "UPDATE incidents SET reminders = reminders + 1, "
	    "reminded_at = ?2 WHERE id = ?1";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	int changed;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, number);
	sqlite3_bind_int64(s, 2, at);
	return update_one(ctx, s, number, &changed);
}

/* The live count of an incident's group copies in one state. */
#define COPIES_IN(state) "(SELECT count(*) FROM outbox o CROSS JOIN deliveries d " \
	"ON d.id BETWEEN o.dfirst AND o.dlast WHERE o.incident_id = i.id " \
	"AND o.kind IN ('alert', 'reply') AND d.state = '" state "')"

enum bpt_status
incident_fold_copies(struct bpt_ctx *ctx)
{
	static const char sql[] = "UPDATE incidents AS i SET "
	    "copies_sent = " COPIES_IN("sent") ", "
	    "copies_failed = " COPIES_IN("failed") " "
	    "WHERE i.status = 'closed' AND i.copies_sent IS NULL AND NOT EXISTS "
	    "(SELECT 1 FROM outbox o WHERE o.incident_id = i.id AND o.open = 1 "
	    "AND o.kind IN ('alert', 'reply'))";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);

	if (s == NULL)
		return ctx->err;
	return store_step_done(ctx, ctx->store, s);
}

/* --- the year in numbers ------------------------------------------------ */

enum bpt_status
incident_each_figures(struct bpt_ctx *ctx, time_t from, time_t to,
    int (*fn)(void *arg, const struct incident_figures *f), void *arg)
{
	/* final counts where they were folded, else the outbox's */
	static const char sql[] = "SELECT i.opened_at, i.called_112, "
	    "i.first_reply_at, i.closed_at, i.outcome IS NOT NULL, i.result, "
	    "coalesce(i.copies_sent, " COPIES_IN("sent") "), "
	    "coalesce(i.copies_failed, " COPIES_IN("failed") ") "
	    "FROM incidents i WHERE i.opened_at >= ?1 AND i.opened_at < ?2 "
	    "ORDER BY i.opened_at, i.id";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	struct incident_figures f;
	int rc;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		f.opened_at = (time_t)sqlite3_column_int64(s, 0);
		f.called_112 = parse_112(store_col_text(s, 1));
		f.first_reply_at = (time_t)sqlite3_column_int64(s, 2);
		f.closed_at = (time_t)sqlite3_column_int64(s, 3);
		f.has_outcome = sqlite3_column_int(s, 4);
		f.result = f.has_outcome ? incident_result_parse(store_col_text(s, 5)) : -1;
		if (f.has_outcome && f.result < 0)
			f.result = INCRES_UNKNOWN;
		f.copies_sent = sqlite3_column_int64(s, 6);
		f.copies_failed = sqlite3_column_int64(s, 7);
		if (fn(arg, &f) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(ctx, ctx->store, rc, "incident figures");
	return BPT_OK;
}

enum bpt_status
incident_first_opened(struct bpt_ctx *ctx, time_t *at)
{
	static const char sql[] = "SELECT min(opened_at) FROM incidents";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	int rc;

	*at = 0;
	if (s == NULL)
		return ctx->err;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*at = (time_t)sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return store_fail(ctx, ctx->store, rc, "first incident");
	return BPT_OK;
}
