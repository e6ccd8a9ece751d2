/*
 * member.c - the members table: reading rows, lookups by address and
 * token, walks in address order, writing and inserting rows, and the
 * transactions of the writers.  Checking values is in member_check.c,
 * the writers in member_change.c, import and export in member_csv.c.
 */
#include "bptconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "member.h"
#include "member_int.h"
#include "store.h"
#include "util.h"

#define MEMBER_COLS "id, email, name, phone, role, status, status_reason, " \
	"status_until, consent_version, consent_at, consent_via, token, " \
	"joined_at, status_at, updated_at"

/*
 * A token is "<id in hex>-<12 random hex digits>": unique through the id
 * (so the store needs no index on it, which would cost a large import
 * half its speed) and not guessable through the random part.
 */
#define TOKEN_MAX (16 + 1 + 2 * TOKEN_BYTES + 1)

const char *const member_roles[] = { "member", "admin", "coordinator", NULL };
const char *const member_statuses[] = { "active", "suspended", "removed",
	"banned", "pending", NULL };
const char *const member_consent_vias[] = { "admin", "import", "mail", NULL };

const char *
member_in_list(const char *s, const char *const *l)
{
	for (; s != NULL && *l != NULL; l++)
		if (strcmp(s, *l) == 0)
			return *l;
	return NULL;
}

int
member_role_valid(const char *role)
{
	return member_in_list(role, member_roles) != NULL;
}

int
member_status_valid(const char *status)
{
	return member_in_list(status, member_statuses) != NULL;
}

int
member_streq0(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

void
member_release(struct member *m)
{
	if (m == NULL)
		return;
	free(m->email);
	free(m->name);
	free(m->phone);
	free(m->role);
	free(m->status);
	free(m->status_reason);
	free(m->consent_version);
	free(m->consent_via);
	free(m->token);
	memset(m, 0, sizeof(*m));
}

int
member_is_active(const struct member *m)
{
	if (m == NULL || m->status == NULL)
		return 0;
	if (strcmp(m->status, "active") == 0)
		return 1;
	return strcmp(m->status, "suspended") == 0 && m->status_until > 0 &&
	    m->status_until <= bpt_now(NULL);
}

void
mrow_from(struct mrow *r, const struct member *m)
{
	r->name = m->name;
	r->phone = m->phone;
	r->role = m->role;
	r->status = m->status;
	r->status_reason = m->status_reason;
	r->status_until = m->status_until;
	r->status_at = m->status_at;
	r->consent_version = m->consent_version;
	r->consent_at = m->consent_at;
	r->consent_via = m->consent_via;
	r->joined_at = m->joined_at;
}

static const char *
col_null(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/*
 * Fills m from a row of MEMBER_COLS: pointers into the statement
 * (valid until it steps again), or copies when copy is set.  -1 on
 * out of memory (m is then empty).
 */
static int
member_from_row(sqlite3_stmt *s, struct member *m, int copy)
{
	char **own[] = { &m->email, &m->name, &m->phone, &m->role, &m->status,
	    &m->status_reason, &m->consent_version, &m->consent_via, &m->token };
	size_t i, j, n = sizeof(own) / sizeof(own[0]);

	m->id = sqlite3_column_int64(s, 0);
	m->email = (char *)store_col_text(s, 1);
	m->name = (char *)store_col_text(s, 2);
	m->phone = (char *)col_null(s, 3);
	m->role = (char *)store_col_text(s, 4);
	m->status = (char *)store_col_text(s, 5);
	m->status_reason = (char *)col_null(s, 6);
	m->status_until = (time_t)sqlite3_column_int64(s, 7);
	m->consent_version = (char *)col_null(s, 8);
	m->consent_at = (time_t)sqlite3_column_int64(s, 9);
	m->consent_via = (char *)col_null(s, 10);
	m->token = (char *)store_col_text(s, 11);
	m->joined_at = (time_t)sqlite3_column_int64(s, 12);
	m->status_at = (time_t)sqlite3_column_int64(s, 13);
	m->updated_at = (time_t)sqlite3_column_int64(s, 14);
	if (!copy)
		return 0;
	for (i = 0; i < n; i++) {
		if (*own[i] == NULL || (*own[i] = strdup(*own[i])) != NULL)
			continue;
		for (j = 0; j < i; j++)
			free(*own[j]);
		memset(m, 0, sizeof(*m));
		return -1;
	}
	return 0;
}

/* One member by the key bound to ?1; BPT_ENOENT without a message. */
static enum bpt_status
lookup_by(struct bpt_ctx *ctx, const char *sql, const char *key,
    struct member *out)
{
	enum bpt_status st = BPT_OK;
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return ctx->err;
	store_bind_text(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE)
		st = BPT_ENOENT;
	else if (rc != SQLITE_ROW)
		st = store_fail(ctx, ctx->store, rc, "read a member");
	else if (member_from_row(s, out, 1) < 0)
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
	sqlite3_reset(s);
	return st;
}

enum bpt_status
member_lookup_norm(struct bpt_ctx *ctx, const char *norm, struct member *out)
{
	static const char sql[] = "SELECT " MEMBER_COLS " FROM members "
	    "WHERE email = ?1";

	return lookup_by(ctx, sql, norm, out);
}

enum bpt_status
member_lookup(struct bpt_ctx *ctx, const char *email, struct member *out)
{
	enum bpt_status st;
	char *norm = NULL;

	memset(out, 0, sizeof(*out));
	if ((st = addr_normalize(ctx, email, &norm)) != BPT_OK) {
		if (st == BPT_ENOMEM)
			return st;
		return bpt_err(ctx, BPT_ENOENT, "no member '%s'", email);
	}
	st = member_lookup_norm(ctx, norm, out);
	if (st == BPT_ENOENT)
		bpt_err(ctx, st, "no member '%s'", norm);
	free(norm);
	return st;
}

enum bpt_status
member_find(struct bpt_ctx *ctx, const char *email, struct member *out)
{
	enum bpt_status st;
	char *norm = NULL;

	memset(out, 0, sizeof(*out));
	if ((st = addr_normalize(ctx, email, &norm)) != BPT_OK)
		return st;
	st = member_lookup_norm(ctx, norm, out);
	if (st == BPT_ENOENT)
		bpt_err(ctx, st, "no member '%s'", norm);
	free(norm);
	return st;
}

enum bpt_status
member_lookup_token(struct bpt_ctx *ctx, const char *token, struct member *out)
{
	static const char sql[] = "SELECT " MEMBER_COLS " FROM members "
	    "WHERE id = ?1 AND token = ?2";
	char low[TOKEN_MAX];
	enum bpt_status st = BPT_ENOENT;
	size_t i, n = token ? strlen(token) : 0;
	long long id;
	sqlite3_stmt *s;
	char *end;
	int rc;

	memset(out, 0, sizeof(*out));
	if (n == 0 || n >= sizeof(low))
		goto none;
	for (i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)token[i]);
	errno = 0;
	id = strtoll(low, &end, 16);
	if (errno != 0 || end == low || *end != '-' || id <= 0)
		goto none;
	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, low, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		st = member_from_row(s, out, 1) < 0 ?
		    bpt_err(ctx, BPT_ENOMEM, "out of memory") : BPT_OK;
	else if (rc != SQLITE_DONE)
		st = store_fail(ctx, ctx->store, rc, "look up a member");
	sqlite3_reset(s);
	if (st != BPT_ENOENT)
		return st;
none:
	return bpt_err(ctx, BPT_ENOENT, "no member with token '%s'", token ? token : "");
}

/* Steps s (bound by the caller) and calls fn for each row. */
static enum bpt_status
each_row(struct bpt_ctx *ctx, sqlite3_stmt *s,
    int (*fn)(void *arg, const struct member *m), void *arg)
{
	enum bpt_status st = BPT_OK;
	struct member m;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		member_from_row(s, &m, 0);
		if (fn(arg, &m) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		st = store_fail(ctx, ctx->store, rc, "read members");
	sqlite3_reset(s);
	return st;
}

enum bpt_status
member_each_admin(struct bpt_ctx *ctx,
    int (*fn)(void *arg, const struct member *m), void *arg)
{
	static const char sql[] = "SELECT " MEMBER_COLS " FROM members "
	    "WHERE role IN ('admin', 'coordinator') AND (status = 'active' OR "
	    "(status = 'suspended' AND status_until IS NOT NULL AND "
	    "status_until <= ?1)) ORDER BY email";
	sqlite3_stmt *s;

	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)bpt_now(ctx));
	return each_row(ctx, s, fn, arg);
}

enum bpt_status
member_each(struct bpt_ctx *ctx, const struct member_filter *f,
    int (*fn)(void *arg, const struct member *m), void *arg)
{
	/* ORDER BY email walks the unique index: no sort, rows stream */
	static const char sql[] = "SELECT " MEMBER_COLS " FROM members "
	    "WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR role = ?2) "
	    "AND (?3 = 0 OR status IN ('active', 'suspended')) ORDER BY email";
	sqlite3_stmt *s;

	if (f != NULL && f->status != NULL && !member_status_valid(f->status))
		return bpt_err(ctx, BPT_EUSAGE, "unknown status '%s' (active, "
		    "suspended, removed, banned, pending)", f->status);
	if (f != NULL && f->role != NULL && !member_role_valid(f->role))
		return bpt_err(ctx, BPT_EUSAGE, "unknown role '%s' (member, "
		    "admin, coordinator)", f->role);
	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return ctx->err;
	store_bind_text(s, 1, f ? f->status : NULL);
	store_bind_text(s, 2, f ? f->role : NULL);
	sqlite3_bind_int(s, 3, f ? f->current : 0);
	return each_row(ctx, s, fn, arg);
}

/* --- writing rows ------------------------------------------------------ */

static void
bind_time(sqlite3_stmt *s, int i, time_t t)
{
	if (t != 0)
		sqlite3_bind_int64(s, i, (sqlite3_int64)t);
	else
		sqlite3_bind_null(s, i);
}

enum bpt_status
mrow_write(struct bpt_ctx *ctx, long long id, const struct mrow *r, time_t now)
{
	static const char sql[] = "UPDATE members SET name = ?2, phone = ?3, "
	    "role = ?4, status = ?5, status_reason = ?6, status_until = ?7, "
	    "status_at = ?8, consent_version = ?9, consent_at = ?10, "
	    "consent_via = ?11, updated_at = ?12, joined_at = ?13 WHERE id = ?1";
	sqlite3_stmt *s;

	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, r->name ? r->name : "");
	store_bind_text(s, 3, r->phone);
	store_bind_text(s, 4, r->role);
	store_bind_text(s, 5, r->status);
	store_bind_text(s, 6, r->status_reason);
	bind_time(s, 7, r->status_until);
	bind_time(s, 8, r->status_at);
	store_bind_text(s, 9, r->consent_version);
	bind_time(s, 10, r->consent_at);
	store_bind_text(s, 11, r->consent_version ? r->consent_via : NULL);
	sqlite3_bind_int64(s, 12, (sqlite3_int64)now);
	sqlite3_bind_int64(s, 13, (sqlite3_int64)(r->joined_at ? r->joined_at :
	    now));
	return store_step_done(ctx, ctx->store, s);
}

/* Binds a string that stays valid until the statement is reset, or NULL. */
static void
bind_static(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

static int
email_taken(struct bpt_ctx *ctx, const char *email)
{
	static const char sql[] = "SELECT 1 FROM members WHERE email = ?1";
	sqlite3_stmt *s;
	int found;

	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return -1;
	store_bind_text(s, 1, email);
	found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	return found;
}

static enum bpt_status
token_next(struct bpt_ctx *ctx, struct token_pool *tp, char out[2 * TOKEN_BYTES + 1])
{
	enum bpt_status st;

	if (tp->left == 0) {
		if ((st = util_random_hex(ctx, tp->hex, TOKEN_BYTES * TOKEN_POOL)) !=
		    BPT_OK)
			return st;
		tp->left = TOKEN_POOL;
	}
	tp->left--;
	memcpy(out, tp->hex + 2 * TOKEN_BYTES * tp->left, 2 * TOKEN_BYTES);
	out[2 * TOKEN_BYTES] = '\0';
	/* a token is used once */
	memset(tp->hex + 2 * TOKEN_BYTES * tp->left, 0, 2 * TOKEN_BYTES);
	return BPT_OK;
}

enum bpt_status
mrow_insert(struct bpt_ctx *ctx, struct token_pool *tp, const char *email,
    const struct mrow *r, time_t now, long long *id)
{
	static const char sql[] = "INSERT INTO members (id, email, name, phone, "
	    "role, status, status_reason, status_until, status_at, "
	    "consent_version, consent_at, consent_via, token, joined_at, "
	    "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
	    "?12, ?13, ?14, ?15)";
	static const char maxsql[] = "SELECT coalesce(max(id), 0) + 1 FROM members";
	char rnd[2 * TOKEN_BYTES + 1], token[TOKEN_MAX];
	enum bpt_status st;
	sqlite3_stmt *s;
	int rc, taken;

	if (tp->next_id == 0) {
		if ((s = store_prepare(ctx, ctx->store, maxsql)) == NULL)
			return ctx->err;
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			tp->next_id = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		if (rc != SQLITE_ROW)
			return store_fail(ctx, ctx->store, rc, "read members");
	}
	if ((st = token_next(ctx, tp, rnd)) != BPT_OK)
		return st;
	snprintf(token, sizeof(token), "%llx-%s", tp->next_id, rnd);
	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return ctx->err;
	/* the strings outlive the step: no copies (an import binds a few
	   hundred thousand) */
	sqlite3_bind_int64(s, 1, tp->next_id);
	bind_static(s, 2, email);
	bind_static(s, 3, r->name ? r->name : "");
	bind_static(s, 4, r->phone);
	bind_static(s, 5, r->role ? r->role : "member");
	bind_static(s, 6, r->status ? r->status : "active");
	bind_static(s, 7, r->status_reason);
	bind_time(s, 8, r->status_until);
	sqlite3_bind_int64(s, 9, (sqlite3_int64)(r->status_at ? r->status_at :
	    now));
	bind_static(s, 10, r->consent_version);
	bind_time(s, 11, r->consent_version ? r->consent_at : 0);
	bind_static(s, 12, r->consent_version ? r->consent_via : NULL);
	bind_static(s, 13, token);
	sqlite3_bind_int64(s, 14, (sqlite3_int64)(r->joined_at ? r->joined_at :
	    now));
	sqlite3_bind_int64(s, 15, (sqlite3_int64)now);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE) {
		*id = tp->next_id++;
		return BPT_OK;
	}
	if ((rc & 0xff) != SQLITE_CONSTRAINT)
		return store_fail(ctx, ctx->store, rc, "add a member");
	if ((taken = email_taken(ctx, email)) < 0)
		return ctx->err;
	if (taken)
		return BPT_EEXIST;
	return store_fail(ctx, ctx->store, rc, "add a member");
}

enum bpt_status
member_next_expired(struct bpt_ctx *ctx, time_t now, struct member *out)
{
	static const char sql[] = "SELECT " MEMBER_COLS " FROM members "
	    "WHERE status = 'suspended' AND status_until IS NOT NULL AND "
	    "status_until <= ?1 ORDER BY id LIMIT 1";
	enum bpt_status st = BPT_OK;
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)now);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE)
		st = BPT_ENOENT;
	else if (rc != SQLITE_ROW)
		st = store_fail(ctx, ctx->store, rc, "read suspensions");
	else if (member_from_row(s, out, 1) < 0)
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
	sqlite3_reset(s);
	return st;
}

enum bpt_status
member_max_id(struct bpt_ctx *ctx, long long *out)
{
	static const char sql[] = "SELECT coalesce(max(id), 0) FROM members";
	sqlite3_stmt *s;
	int rc;

	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return ctx->err;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		enum bpt_status st = store_fail(ctx, ctx->store, rc, "read members");

		sqlite3_reset(s);
		return st;
	}
	*out = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return BPT_OK;
}
