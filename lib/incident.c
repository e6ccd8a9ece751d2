/* incident.c - incidents, thread lookup, list and show. */
#include "bptconf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "config.h"
#include "incident.h"
#include "printer.h"
#include "store.h"
#include "util.h"

const char *
incident_112_str(int c)
{
	return c == INC112_YES ? "yes" : c == INC112_NO ? "no" : "unknown";
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
	memset(inc, 0, sizeof(*inc));
}

static char *
col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? strdup((const char *)t) : NULL;
}

#define INCIDENT_COLS \
	"i.id, i.status, i.subject, i.reporter_id, r.name, i.opened_at, " \
	"i.last_at, i.closed_at, i.called_112, i.called_112_by, c.name, " \
	"i.called_112_at, i.plates, i.root_msgid, i.last_hash, " \
	"(SELECT count(*) FROM messages m WHERE m.incident_id = i.id) " \
	"FROM incidents i LEFT JOIN members r ON r.id = i.reporter_id " \
	"LEFT JOIN members c ON c.id = i.called_112_by "

static enum bpt_status
row_to_incident(struct bpt_ctx *ctx, sqlite3_stmt *s, struct incident *out)
{
	memset(out, 0, sizeof(*out));
	out->number = sqlite3_column_int64(s, 0);
	out->closed = strcmp(store_col_text(s, 1), "closed") == 0;
	out->subject = col_dup(s, 2);
	out->reporter_id = sqlite3_column_int64(s, 3);
	out->reporter_name = col_dup(s, 4);
	out->opened_at = (time_t)sqlite3_column_int64(s, 5);
	out->last_at = (time_t)sqlite3_column_int64(s, 6);
	out->closed_at = (time_t)sqlite3_column_int64(s, 7);
	out->called_112 = parse_112(store_col_text(s, 8));
	out->called_112_by = sqlite3_column_int64(s, 9);
	out->called_112_by_name = col_dup(s, 10);
	out->called_112_at = (time_t)sqlite3_column_int64(s, 11);
	out->plates = col_dup(s, 12);
	out->root_msgid = col_dup(s, 13);
	out->last_hash = col_dup(s, 14);
	out->messages = sqlite3_column_int64(s, 15);
	if (out->subject == NULL || out->plates == NULL) {
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
	static const char upd[] = "UPDATE incidents SET last_at = max(last_at, ?1), "
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

enum bpt_status
incident_list(struct bpt_ctx *ctx, struct printer *p, const char *status)
{
	static const char sql[] = "SELECT " INCIDENT_COLS
	    "WHERE ?1 IS NULL OR i.status = ?1 ORDER BY i.id DESC";
	static const struct pr_column cols[] = {
		{ "number", "#" }, { "status", "STATUS" }, { "opened", "OPENED" },
		{ "closed", "CLOSED" }, { "reporter", "REPORTER" },
		{ "called_112", "112" }, { "messages", "MSGS" }, { "subject", "SUBJECT" },
	};
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	const char *tz = ctx->cfg->group.timezone;
	int rc;

	if (s == NULL)
		return ctx->err;
	store_bind_text(s, 1, status);
	pr_list_begin(p, "incidents", cols, (int)(sizeof(cols) / sizeof(cols[0])));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char t1[32], t2[32];

		if (pr_format(p) == PR_TEXT) {
			util_time_short(tz, (time_t)sqlite3_column_int64(s, 5), t1);
			util_time_short(tz, (time_t)sqlite3_column_int64(s, 7), t2);
		} else {
			util_time_iso(tz, (time_t)sqlite3_column_int64(s, 5), t1);
			if (sqlite3_column_type(s, 7) == SQLITE_NULL)
				t2[0] = '\0';
			else
				util_time_iso(tz, (time_t)sqlite3_column_int64(s, 7), t2);
		}
		pr_row_begin(p);
		pr_int(p, sqlite3_column_int64(s, 0));
		pr_str(p, store_col_text(s, 1));
		pr_str(p, t1);
		if (sqlite3_column_type(s, 7) == SQLITE_NULL)
			pr_null(p);
		else
			pr_str(p, t2);
		pr_str(p, sqlite3_column_type(s, 4) == SQLITE_NULL ? NULL :
		    store_col_text(s, 4));
		pr_str(p, store_col_text(s, 8));
		pr_int(p, sqlite3_column_int64(s, 15));
		pr_str(p, store_col_text(s, 2));
		pr_row_end(p);
	}
	sqlite3_reset(s);
	pr_list_end(p);
	if (rc != SQLITE_DONE)
		return store_fail(ctx, ctx->store, rc, "list incidents");
	return BPT_OK;
}

/* For scripts: the state of every copy of the incident, per recipient. */
static int
show_deliveries(struct bpt_ctx *ctx, struct printer *p, long long number)
{
	static const char sql[] = "SELECT o.source_id, o.kind, d.rcpt, m.name, "
	    "d.state, d.attempts, d.last_reply, d.sent_at FROM outbox o "
	    "CROSS JOIN deliveries d ON d.id BETWEEN o.dfirst AND o.dlast "
	    "LEFT JOIN members m ON m.id = d.member_id "
	    "WHERE o.incident_id = ? AND o.kind IN ('alert', 'reply') ORDER BY d.id";
	static const struct pr_column cols[] = {
		{ "message", "MESSAGE" }, { "kind", "KIND" }, { "recipient", "RECIPIENT" },
		{ "name", "NAME" }, { "state", "STATE" }, { "attempts", "TRIES" },
		{ "last_reply", "LAST REPLY" }, { "sent", "SENT" },
	};
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	const char *tz = ctx->cfg->group.timezone;
	int rc;

	if (s == NULL)
		return SQLITE_ERROR;
	sqlite3_bind_int64(s, 1, number);
	pr_list_begin(p, "deliveries", cols, (int)(sizeof(cols) / sizeof(cols[0])));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char t[32];
		int i;

		pr_row_begin(p);
		pr_int(p, sqlite3_column_int64(s, 0));
		for (i = 1; i <= 4; i++)
			pr_str(p, sqlite3_column_type(s, i) == SQLITE_NULL ? NULL :
			    store_col_text(s, i));
		pr_int(p, sqlite3_column_int64(s, 5));
		pr_str(p, sqlite3_column_type(s, 6) == SQLITE_NULL ? NULL :
		    store_col_text(s, 6));
		if (sqlite3_column_type(s, 7) == SQLITE_NULL) {
			pr_null(p);
		} else {
			util_time_iso(tz, (time_t)sqlite3_column_int64(s, 7), t);
			pr_str(p, t);
		}
		pr_row_end(p);
	}
	sqlite3_reset(s);
	pr_list_end(p);
	return rc;
}

enum bpt_status
incident_show(struct bpt_ctx *ctx, struct printer *p, long long number)
{
	static const char sql[] = "SELECT m.id, m.received_at, "
	    "coalesce(nullif(mm.name, ''), m.from_name, m.from_addr), "
	    "m.class, m.called_112, m.body_shown, m.subject, m.sha256, m.chain_hash "
	    "FROM messages m LEFT JOIN members mm ON mm.id = m.member_id "
	    "WHERE m.incident_id = ? ORDER BY m.id";
	/* the group's copies, not the notices about the incident */
	static const char dsql[] = "SELECT d.state, count(*) FROM outbox o "
	    "CROSS JOIN deliveries d ON d.id BETWEEN o.dfirst AND o.dlast "
	    "WHERE o.incident_id = ? AND o.kind IN ('alert', 'reply') GROUP BY d.state";
	static const struct pr_column cols[] = {
		{ "id", "ID" }, { "received", "RECEIVED" }, { "from", "FROM" },
		{ "class", "CLASS" }, { "called_112", "112" }, { "subject", "SUBJECT" },
		{ "text", "TEXT" }, { "sha256", "SHA256" }, { "chain_hash", "CHAIN" },
	};
	const char *tz = ctx->cfg->group.timezone;
	struct incident inc;
	enum bpt_status st;
	char t[32];
	long long sent = 0, queued = 0, deferred = 0, failed = 0;
	sqlite3_stmt *s;
	int rc;

	if ((st = incident_get(ctx, number, &inc)) != BPT_OK)
		return st;
	if ((s = store_prepare(ctx, ctx->store, dsql)) == NULL) {
		incident_release(&inc);
		return ctx->err;
	}
	sqlite3_bind_int64(s, 1, number);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *state = store_col_text(s, 0);
		long long c = sqlite3_column_int64(s, 1);

		if (strcmp(state, "sent") == 0)
			sent += c;
		else if (strcmp(state, "deferred") == 0)
			deferred += c;
		else if (strcmp(state, "failed") == 0)
			failed += c;
		else if (strcmp(state, "dropped") != 0)
			queued += c;
	}
	sqlite3_reset(s);
	pr_object_begin(p, "incident");
	pr_kv_int(p, "number", inc.number);
	pr_kv_str(p, "status", inc.closed ? "closed" : "open");
	pr_kv_str(p, "subject", inc.subject);
	pr_kv_str(p, "reporter", inc.reporter_name);
	util_time_iso(tz, inc.opened_at, t);
	pr_kv_str(p, "opened", t);
	if (inc.closed_at) {
		util_time_iso(tz, inc.closed_at, t);
		pr_kv_str(p, "closed", t);
	} else {
		pr_kv_str(p, "closed", NULL);
	}
	pr_kv_str(p, "called_112", incident_112_str(inc.called_112));
	pr_kv_str(p, "called_112_by", inc.called_112_by_name);
	if (inc.called_112_at) {
		util_time_iso(tz, inc.called_112_at, t);
		pr_kv_str(p, "called_112_at", t);
	} else {
		pr_kv_str(p, "called_112_at", NULL);
	}
	pr_kv_str(p, "plates", inc.plates);
	pr_kv_int(p, "copies_sent", sent);
	pr_kv_int(p, "copies_queued", queued);
	pr_kv_int(p, "copies_deferred", deferred);
	pr_kv_int(p, "copies_failed", failed);
	incident_release(&inc);
	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, number);
	pr_list_begin_blocks(p, "messages", cols, (int)(sizeof(cols) / sizeof(cols[0])));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		util_time_iso(tz, (time_t)sqlite3_column_int64(s, 1), t);
		pr_row_begin(p);
		pr_int(p, sqlite3_column_int64(s, 0));
		pr_str(p, t);
		pr_str(p, store_col_text(s, 2));
		pr_str(p, store_col_text(s, 3));
		pr_str(p, sqlite3_column_type(s, 4) == SQLITE_NULL ? NULL :
		    store_col_text(s, 4));
		pr_str(p, store_col_text(s, 6));
		pr_str(p, store_col_text(s, 5));
		pr_str(p, store_col_text(s, 7));
		pr_str(p, store_col_text(s, 8));
		pr_row_end(p);
	}
	sqlite3_reset(s);
	pr_list_end(p);
	if (rc == SQLITE_DONE && pr_format(p) == PR_JSON)
		rc = show_deliveries(ctx, p, number);
	pr_object_end(p);
	if (rc != SQLITE_DONE)
		return store_fail(ctx, ctx->store, rc, "show incident");
	return BPT_OK;
}
