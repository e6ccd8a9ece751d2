/* member.c - members: lookups, changes, statuses, consent, import. */
#include "bptconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "audit.h"
#include "buf.h"
#include "config.h"
#include "csv.h"
#include "member.h"
#include "phone.h"
#include "store.h"
#include "util.h"

#define MEMBER_COLS "id, email, name, phone, role, status, status_reason, " \
	"status_until, consent_version, consent_at, consent_via, token, " \
	"joined_at, status_at, updated_at"

#define NAME_MAX_BYTES 200
#define CONSENT_MAX_BYTES 64
/*
 * A token is "<id in hex>-<12 random hex digits>": unique through the id
 * (so the store needs no index on it, which would cost a large import
 * half its speed) and not guessable through the random part.
 */
#define TOKEN_BYTES 6
#define TOKEN_MAX (16 + 1 + 2 * TOKEN_BYTES + 1)

static const char *const roles[] = { "member", "admin", "coordinator", NULL };
static const char *const statuses[] = { "active", "suspended", "removed",
	"banned", "pending", NULL };

/* The member's row as it is or will be; strings borrowed. */
struct mrow {
	const char *name;
	const char *phone;
	const char *role;
	const char *status;
	const char *status_reason;
	time_t status_until;
	time_t status_at;
	const char *consent_version;
	time_t consent_at;
	const char *consent_via;
};

/* A member_change with its values checked and normalised. */
struct pchange {
	char *name;		/* owned; NULL: keep */
	char *phone;		/* owned E.164; NULL: keep */
	int clear_phone;
	const char *role;	/* static (roles[]); NULL: keep */
	char *consent_version;	/* owned; NULL: keep */
	const char *consent_via;
};

static const char *
in_list(const char *s, const char *const *l)
{
	for (; s != NULL && *l != NULL; l++)
		if (strcmp(s, *l) == 0)
			return *l;
	return NULL;
}

int
member_role_valid(const char *role)
{
	return in_list(role, roles) != NULL;
}

int
member_status_valid(const char *status)
{
	return in_list(status, statuses) != NULL;
}

static int
streq0(const char *a, const char *b)
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

void
member_report_release(struct member_report *r)
{
	if (r == NULL)
		return;
	free(r->email);
	free(r->detail);
	memset(r, 0, sizeof(*r));
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

static enum bpt_status
lookup_email(struct bpt_ctx *ctx, const char *norm, struct member *out)
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
	st = lookup_email(ctx, norm, out);
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
	st = lookup_email(ctx, norm, out);
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

/* --- checking values -------------------------------------------------- */

/* 1 when s is valid UTF-8 without control characters. */
static int
text_ok(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	while (*u) {
		int n, i;

		if (*u < 0x20 || *u == 0x7f)
			return 0;
		if (*u < 0x80) {
			u++;
			continue;
		}
		if (*u >= 0xc2 && *u <= 0xdf)
			n = 1;
		else if (*u >= 0xe0 && *u <= 0xef)
			n = 2;
		else if (*u >= 0xf0 && *u <= 0xf4)
			n = 3;
		else
			return 0;
		for (i = 1; i <= n; i++)
			if ((u[i] & 0xc0) != 0x80)
				return 0;
		if ((u[0] == 0xe0 && u[1] < 0xa0) || (u[0] == 0xed && u[1] >= 0xa0) ||
		    (u[0] == 0xf0 && u[1] < 0x90) || (u[0] == 0xf4 && u[1] >= 0x90))
			return 0;
		/* C1 controls (U+0080..U+009F) */
		if (u[0] == 0xc2 && u[1] < 0xa0)
			return 0;
		u += n + 1;
	}
	return 1;
}

/* A copy of s without surrounding blanks; NULL on out of memory. */
static char *
trimmed(const char *s)
{
	const char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return xmemdupz(s, (size_t)(e - s));
}

/* Checks a free-text value (name, consent version) into *out. */
static enum bpt_status
check_text(struct bpt_ctx *ctx, const char *what, const char *s, size_t max,
    int empty_ok, char **out)
{
	char *t;

	*out = NULL;
	if ((t = trimmed(s)) == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	if (!text_ok(t)) {
		free(t);
		return bpt_err(ctx, BPT_EDATA, "bad %s '%s': not UTF-8 text or "
		    "control characters in it", what, s);
	}
	if (strlen(t) > max) {
		free(t);
		return bpt_err(ctx, BPT_EDATA, "bad %s '%s': longer than %zu bytes",
		    what, s, max);
	}
	if (!empty_ok && *t == '\0') {
		free(t);
		return bpt_err(ctx, BPT_EDATA, "bad %s: empty", what);
	}
	*out = t;
	return BPT_OK;
}

static enum bpt_status
check_role(struct bpt_ctx *ctx, const char *s, const char **out)
{
	char low[16];
	size_t i, n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n < sizeof(low)) {
		for (i = 0; i < n; i++)
			low[i] = (char)tolower((unsigned char)s[i]);
		low[n] = '\0';
		if ((*out = in_list(low, roles)) != NULL)
			return BPT_OK;
	}
	return bpt_err(ctx, BPT_EDATA, "bad role '%s': use member, admin or "
	    "coordinator", s);
}

/* A phone value: blank clears, anything else must be a mobile number. */
static enum bpt_status
check_phone(struct bpt_ctx *ctx, const char *s, struct pchange *pc)
{
	if (s[strspn(s, " \t")] == '\0') {
		pc->clear_phone = 1;
		return BPT_OK;
	}
	return phone_normalize(ctx, s, &pc->phone);
}

static void
pchange_release(struct pchange *pc)
{
	free(pc->name);
	free(pc->phone);
	free(pc->consent_version);
	memset(pc, 0, sizeof(*pc));
}

static enum bpt_status
pchange_prepare(struct bpt_ctx *ctx, const struct member_change *ch,
    struct pchange *pc)
{
	enum bpt_status st = BPT_OK;

	memset(pc, 0, sizeof(*pc));
	pc->consent_via = ch->consent_via ? ch->consent_via : "admin";
	if (ch->name != NULL &&
	    (st = check_text(ctx, "name", ch->name, NAME_MAX_BYTES, 1,
	    &pc->name)) != BPT_OK)
		goto out;
	if (ch->phone != NULL && (st = check_phone(ctx, ch->phone, pc)) != BPT_OK)
		goto out;
	if (ch->role != NULL && (st = check_role(ctx, ch->role, &pc->role)) != BPT_OK)
		goto out;
	if (ch->consent_version != NULL)
		st = check_text(ctx, "consent version", ch->consent_version,
		    CONSENT_MAX_BYTES, 0, &pc->consent_version);
out:
	if (st != BPT_OK)
		pchange_release(pc);
	return st;
}

static void
pchange_apply(const struct pchange *pc, struct mrow *r, time_t now)
{
	if (pc->name != NULL)
		r->name = pc->name;
	if (pc->clear_phone)
		r->phone = NULL;
	else if (pc->phone != NULL)
		r->phone = pc->phone;
	if (pc->role != NULL)
		r->role = pc->role;
	/* accepting the same version again keeps the first date */
	if (pc->consent_version != NULL &&
	    !streq0(r->consent_version, pc->consent_version)) {
		r->consent_version = pc->consent_version;
		r->consent_at = now;
		r->consent_via = pc->consent_via;
	}
}

/* --- writing rows ------------------------------------------------------ */

static void
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
}

static void
sep(struct buf *d)
{
	if (d->len > 0)
		buf_adds(d, ", ");
}

static void
diff_text(struct buf *d, const char *field, const char *a, const char *b,
    int fresh)
{
	if (fresh) {
		if (b == NULL || (*b == '\0' && strcmp(field, "name") == 0))
			return;
		sep(d);
		buf_addf(d, "%s '%s'", field, b);
		return;
	}
	if (streq0(a, b))
		return;
	sep(d);
	buf_addf(d, "%s '%s' -> '%s'", field, a ? a : "", b ? b : "");
}

static void
diff_time(struct buf *d, const char *field, time_t a, time_t b, const char *tz)
{
	char ta[32], tb[32];

	if (a == b)
		return;
	util_time_short(tz, a, ta);
	util_time_short(tz, b, tb);
	sep(d);
	buf_addf(d, "%s %s -> %s", field, ta, tb);
}

/* What differs between o and n, or (fresh) what n holds; times in tz. */
static void
describe(struct buf *d, const struct mrow *o, const struct mrow *n, int fresh,
    const char *tz)
{
	diff_text(d, "name", o->name, n->name, fresh);
	diff_text(d, "phone", o->phone, n->phone, fresh);
	diff_text(d, "role", o->role, n->role, fresh);
	if (fresh) {
		diff_text(d, "consent", NULL, n->consent_version, 1);
		return;
	}
	diff_text(d, "status", o->status, n->status, 0);
	diff_text(d, "reason", o->status_reason, n->status_reason, 0);
	diff_time(d, "until", o->status_until, n->status_until, tz);
	diff_text(d, "consent", o->consent_version, n->consent_version, 0);
	if (!streq0(o->consent_version, n->consent_version))
		diff_text(d, "consent_via", o->consent_via, n->consent_via, 0);
}

static void
bind_time(sqlite3_stmt *s, int i, time_t t)
{
	if (t != 0)
		sqlite3_bind_int64(s, i, (sqlite3_int64)t);
	else
		sqlite3_bind_null(s, i);
}

static enum bpt_status
row_write(struct bpt_ctx *ctx, long long id, const struct mrow *r, time_t now)
{
	static const char sql[] = "UPDATE members SET name = ?2, phone = ?3, "
	    "role = ?4, status = ?5, status_reason = ?6, status_until = ?7, "
	    "status_at = ?8, consent_version = ?9, consent_at = ?10, "
	    "consent_via = ?11, updated_at = ?12 WHERE id = ?1";
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

/*
 * Tokens drawn in batches: one getrandom() per TOKEN_POOL tokens
 * instead of one per member makes a large import markedly faster.
 */
#define TOKEN_POOL 8

struct token_pool {
	char hex[2 * TOKEN_BYTES * TOKEN_POOL + 1];
	int left;
	long long next_id;	/* id of the next new row; 0: ask the store */
};

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

/*
 * Inserts a new active member with a fresh token from tp.  BPT_EEXIST
 * (no message) when the address is taken.  The writer holds the lock,
 * so the id the row gets is known before the insert (max(id) + 1, then
 * counted on), and the token carries it.
 */
static enum bpt_status
row_insert(struct bpt_ctx *ctx, struct token_pool *tp, const char *email,
    const struct mrow *r, time_t now, long long *id)
{
	static const char sql[] = "INSERT INTO members (id, email, name, phone, "
	    "role, status, status_at, consent_version, consent_at, consent_via, "
	    "token, joined_at, updated_at) VALUES (?10, ?1, ?2, ?3, ?4, 'active', "
	    "?5, ?6, ?7, ?8, ?9, ?5, ?5)";
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
	bind_static(s, 1, email);
	bind_static(s, 2, r->name ? r->name : "");
	bind_static(s, 3, r->phone);
	bind_static(s, 4, r->role ? r->role : "member");
	sqlite3_bind_int64(s, 5, (sqlite3_int64)now);
	bind_static(s, 6, r->consent_version);
	bind_time(s, 7, r->consent_version ? r->consent_at : 0);
	bind_static(s, 8, r->consent_version ? r->consent_via : NULL);
	bind_static(s, 9, token);
	sqlite3_bind_int64(s, 10, tp->next_id);
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

/*
 * Writes n over the member old and adds the audit row.  *done is
 * action, or "none" when nothing differs (nothing is written).
 */
static enum bpt_status
row_change(struct bpt_ctx *ctx, const struct member *old, const struct mrow *n,
    const char *action, const char *reason, time_t now, struct buf *d,
    const char **done)
{
	struct audit_entry e = { 0 };
	struct mrow o;
	enum bpt_status st;

	mrow_from(&o, old);
	buf_reset(d);
	describe(d, &o, n, 0, cfg_timezone(ctx->cfg));
	if (buf_failed(d))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	if (d->len == 0) {
		*done = "none";
		return BPT_OK;
	}
	if ((st = row_write(ctx, old->id, n, now)) != BPT_OK)
		return st;
	e.at = now;
	e.action = action;
	e.member_id = old->id;
	e.member_email = old->email;
	e.reason = reason;
	e.detail = buf_str(d);
	if ((st = audit_add(ctx, &e)) != BPT_OK)
		return st;
	*done = action;
	return BPT_OK;
}

/* Adds a new member from pc with an audit row of action ("add"); none
 * when action is NULL (the caller records the addition itself). */
static enum bpt_status
add_new(struct bpt_ctx *ctx, struct token_pool *tp, const char *email,
    const struct pchange *pc, const char *action, time_t now, struct buf *d,
    long long *id)
{
	struct audit_entry e = { 0 };
	struct mrow n = { 0 }, none = { 0 };
	enum bpt_status st;

	n.name = "";
	n.role = "member";
	n.status = "active";
	pchange_apply(pc, &n, now);
	if ((st = row_insert(ctx, tp, email, &n, now, id)) != BPT_OK)
		return st;
	if (action == NULL)
		return BPT_OK;
	buf_reset(d);
	describe(d, &none, &n, 1, cfg_timezone(ctx->cfg));
	if (buf_failed(d))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	e.at = now;
	e.action = action;
	e.member_id = *id;
	e.member_email = email;
	e.detail = d->len ? buf_str(d) : NULL;
	return audit_add(ctx, &e);
}

/*
 * An add of an address that has a row: removed and pending members
 * come back, others need update, the banned need reinstate first.
 */
static enum bpt_status
add_existing(struct bpt_ctx *ctx, const struct member *old,
    const struct pchange *pc, int update, time_t now, struct buf *d,
    const char **done)
{
	const char *action = "update";
	struct mrow n;

	mrow_from(&n, old);
	if (strcmp(old->status, "banned") == 0)
		return bpt_err(ctx, BPT_EDATA, "'%s' is banned%s%s%s: run "
		    "'bpt-member reinstate %s' first", old->email,
		    old->status_reason ? " (" : "",
		    old->status_reason ? old->status_reason : "",
		    old->status_reason ? ")" : "", old->email);
	if (strcmp(old->status, "removed") == 0 ||
	    strcmp(old->status, "pending") == 0) {
		action = "readd";
		n.status = "active";
		n.status_reason = NULL;
		n.status_until = 0;
		n.status_at = now;
	} else if (!update) {
		return bpt_err(ctx, BPT_EEXIST, "'%s' is already a member (%s): "
		    "use --update to change it", old->email, old->status);
	}
	pchange_apply(pc, &n, now);
	return row_change(ctx, old, &n, action, NULL, now, d, done);
}

/* --- transactions ------------------------------------------------------ */

static enum bpt_status
tx_open(struct bpt_ctx *ctx, int dry_run, int *own)
{
	enum bpt_status st;

	*own = 0;
	if (store_in_tx(ctx->store)) {
		if (dry_run)
			return bpt_err(ctx, BPT_EINTERNAL, "a dry run inside a "
			    "transaction");
		return BPT_OK;
	}
	if ((st = store_begin(ctx, ctx->store)) == BPT_OK)
		*own = 1;
	return st;
}

/* Commits (or, on error or a dry run, rolls back) what tx_open began. */
static enum bpt_status
tx_close(struct bpt_ctx *ctx, int own, int dry_run, enum bpt_status st)
{
	if (!own)
		return st;
	if (st != BPT_OK || dry_run) {
		store_rollback(ctx->store);
		return st;
	}
	return store_commit(ctx, ctx->store);
}

static enum bpt_status
report_fill(struct bpt_ctx *ctx, struct member_report *r, const char *action,
    long long id, const char *email, struct buf *d)
{
	r->action = action;
	r->id = id;
	r->email = strdup(email);
	r->detail = buf_detach(d, NULL);
	if (r->email == NULL || r->detail == NULL) {
		member_report_release(r);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
	return BPT_OK;
}

/* --- the writers ------------------------------------------------------- */

enum bpt_status
member_add(struct bpt_ctx *ctx, const char *email,
    const struct member_change *ch, struct member_report *r)
{
	struct buf d = BUF_INIT;
	struct pchange pc;
	struct member old;
	enum bpt_status st;
	const char *done = "add";
	char *norm = NULL;
	long long id = 0;
	time_t now = bpt_now(ctx);
	int own = 0, opened = 0;

	memset(r, 0, sizeof(*r));
	memset(&old, 0, sizeof(old));
	memset(&pc, 0, sizeof(pc));
	if ((st = addr_normalize(ctx, email, &norm)) != BPT_OK)
		goto out;
	if ((st = pchange_prepare(ctx, ch, &pc)) != BPT_OK)
		goto out;
	if ((st = tx_open(ctx, ch->dry_run, &own)) != BPT_OK)
		goto out;
	opened = 1;
	st = lookup_email(ctx, norm, &old);
	if (st == BPT_ENOENT) {
		struct token_pool tp = { "", 0, 0 };

		st = add_new(ctx, &tp, norm, &pc, "add", now, &d, &id);
	} else if (st == BPT_OK) {
		id = old.id;
		st = add_existing(ctx, &old, &pc, ch->update, now, &d, &done);
	}
out:
	if (opened)
		st = tx_close(ctx, own, ch->dry_run, st);
	if (st == BPT_OK)
		st = report_fill(ctx, r, done, id, norm, &d);
	buf_release(&d);
	member_release(&old);
	pchange_release(&pc);
	free(norm);
	return st;
}

enum bpt_status
member_set(struct bpt_ctx *ctx, const char *email,
    const struct member_change *ch, struct member_report *r)
{
	struct buf d = BUF_INIT;
	struct pchange pc;
	struct member old;
	struct mrow n;
	enum bpt_status st;
	const char *done = "update";
	time_t now = bpt_now(ctx);
	int own = 0, opened = 0;

	memset(r, 0, sizeof(*r));
	memset(&old, 0, sizeof(old));
	memset(&pc, 0, sizeof(pc));
	if ((st = pchange_prepare(ctx, ch, &pc)) != BPT_OK)
		goto out;
	if ((st = tx_open(ctx, ch->dry_run, &own)) != BPT_OK)
		goto out;
	opened = 1;
	if ((st = member_find(ctx, email, &old)) != BPT_OK)
		goto out;
	mrow_from(&n, &old);
	pchange_apply(&pc, &n, now);
	st = row_change(ctx, &old, &n, "update", NULL, now, &d, &done);
out:
	if (opened)
		st = tx_close(ctx, own, ch->dry_run, st);
	if (st == BPT_OK)
		st = report_fill(ctx, r, done, old.id, old.email, &d);
	buf_release(&d);
	member_release(&old);
	pchange_release(&pc);
	return st;
}

enum status_target { TO_REMOVED, TO_SUSPENDED, TO_ACTIVE, TO_BANNED };

/* Whether old may go to target; NULL or what is wrong. */
static const char *
status_refusal(const struct member *old, enum status_target t)
{
	const char *s = old->status;

	switch (t) {
	case TO_REMOVED:
		if (strcmp(s, "removed") == 0)
			return "is already removed";
		if (strcmp(s, "banned") == 0)
			return "is banned (a ban is kept; reinstate first to remove)";
		return NULL;
	case TO_SUSPENDED:
		if (strcmp(s, "active") != 0 && strcmp(s, "suspended") != 0)
			return "is not active";
		return NULL;
	case TO_ACTIVE:
		if (strcmp(s, "active") == 0)
			return "is already active";
		return NULL;
	case TO_BANNED:
		if (strcmp(s, "banned") == 0)
			return "is already banned";
		return NULL;
	}
	return "cannot change";
}

static enum bpt_status
status_change(struct bpt_ctx *ctx, const char *email, enum status_target t,
    const char *reason, time_t until, int dry_run, struct member_report *r)
{
	static const char *const actions[] = { "remove", "suspend", "reinstate",
	    "ban" };
	static const char *const to[] = { "removed", "suspended", "active",
	    "banned" };
	struct buf d = BUF_INIT;
	struct member old;
	struct mrow n;
	enum bpt_status st;
	const char *done = actions[t], *why;
	char *why_text = NULL;
	time_t now = bpt_now(ctx);
	int own = 0, opened = 0;

	memset(r, 0, sizeof(*r));
	memset(&old, 0, sizeof(old));
	if (reason != NULL && (st = check_text(ctx, "reason", reason, 1000, 1,
	    &why_text)) != BPT_OK)
		goto out;
	if ((t == TO_SUSPENDED || t == TO_BANNED) &&
	    (why_text == NULL || *why_text == '\0')) {
		st = bpt_err(ctx, BPT_EUSAGE, "%s needs a reason", actions[t]);
		goto out;
	}
	if (t == TO_SUSPENDED && until != 0 && until <= now) {
		st = bpt_err(ctx, BPT_EDATA, "the end of the suspension is in "
		    "the past");
		goto out;
	}
	if ((st = tx_open(ctx, dry_run, &own)) != BPT_OK)
		goto out;
	opened = 1;
	if ((st = member_find(ctx, email, &old)) != BPT_OK)
		goto out;
	if ((why = status_refusal(&old, t)) != NULL) {
		st = bpt_err(ctx, BPT_EDATA, "'%s' %s", old.email, why);
		goto out;
	}
	mrow_from(&n, &old);
	n.status = to[t];
	n.status_reason = why_text && *why_text ? why_text : NULL;
	n.status_until = t == TO_SUSPENDED ? until : 0;
	n.status_at = now;
	st = row_change(ctx, &old, &n, actions[t], n.status_reason, now, &d,
	    &done);
out:
	if (opened)
		st = tx_close(ctx, own, dry_run, st);
	if (st == BPT_OK)
		st = report_fill(ctx, r, done, old.id, old.email, &d);
	buf_release(&d);
	member_release(&old);
	free(why_text);
	return st;
}

enum bpt_status
member_remove(struct bpt_ctx *ctx, const char *email, const char *reason,
    int dry_run, struct member_report *r)
{
	return status_change(ctx, email, TO_REMOVED, reason, 0, dry_run, r);
}

enum bpt_status
member_suspend(struct bpt_ctx *ctx, const char *email, const char *reason,
    time_t until, int dry_run, struct member_report *r)
{
	return status_change(ctx, email, TO_SUSPENDED, reason, until, dry_run, r);
}

enum bpt_status
member_reinstate(struct bpt_ctx *ctx, const char *email, int dry_run,
    struct member_report *r)
{
	return status_change(ctx, email, TO_ACTIVE, NULL, 0, dry_run, r);
}

enum bpt_status
member_ban(struct bpt_ctx *ctx, const char *email, const char *reason,
    int dry_run, struct member_report *r)
{
	return status_change(ctx, email, TO_BANNED, reason, 0, dry_run, r);
}

/* The first suspended member whose suspension has ended; BPT_ENOENT if none. */
static enum bpt_status
next_expired(struct bpt_ctx *ctx, time_t now, struct member *out)
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
member_expire_suspensions(struct bpt_ctx *ctx)
{
	struct buf d = BUF_INIT;
	struct audit_entry e;
	struct member m;
	struct mrow n, o;
	enum bpt_status st;
	time_t now = bpt_now(ctx);
	int own = 0;

	/* the common case: nothing to do, and no write lock taken */
	st = next_expired(ctx, now, &m);
	member_release(&m);
	if (st == BPT_ENOENT)
		return BPT_OK;
	if (st != BPT_OK)
		return st;
	if ((st = tx_open(ctx, 0, &own)) != BPT_OK)
		return st;
	while ((st = next_expired(ctx, now, &m)) == BPT_OK) {
		mrow_from(&n, &m);
		n.status = "active";
		n.status_reason = NULL;
		n.status_until = 0;
		n.status_at = now;
		mrow_from(&o, &m);
		buf_reset(&d);
		describe(&d, &o, &n, 0, cfg_timezone(ctx->cfg));
		if (buf_failed(&d))
			st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		else
			st = row_write(ctx, m.id, &n, now);
		if (st == BPT_OK) {
			memset(&e, 0, sizeof(e));
			e.at = now;
			e.actor = AUDIT_ACTOR_BPT;
			e.action = "reinstate";
			e.member_id = m.id;
			e.member_email = m.email;
			e.reason = "suspension ended";
			e.detail = buf_str(&d);
			st = audit_add(ctx, &e);
		}
		member_release(&m);
		if (st != BPT_OK)
			break;
	}
	if (st == BPT_ENOENT)
		st = BPT_OK;
	buf_release(&d);
	return tx_close(ctx, own, 0, st);
}

/* --- import ------------------------------------------------------------ */

enum { COL_EMAIL, COL_NAME, COL_PHONE, COL_ROLE, COL_CONSENT, NCOLS };

static const struct {
	const char *name;
	int col;
} col_names[] = {
	{ "email", COL_EMAIL }, { "e-mail", COL_EMAIL }, { "mail", COL_EMAIL },
	{ "name", COL_NAME }, { "naam", COL_NAME },
	{ "phone", COL_PHONE }, { "telefoon", COL_PHONE },
	{ "role", COL_ROLE }, { "rol", COL_ROLE },
	{ "consent_version", COL_CONSENT }, { "consent", COL_CONSENT },
};

/* Maps the header's fields to columns: map[COL_x] is a field or -1. */
static enum bpt_status
import_header(struct bpt_ctx *ctx, struct csv *c, int map[NCOLS])
{
	size_t i, j, nf = csv_nfields(c);
	char *h;

	for (i = 0; i < NCOLS; i++)
		map[i] = -1;
	for (i = 0; i < nf; i++) {
		int col = -1;

		if ((h = trimmed(csv_field(c, i))) == NULL)
			return bpt_err(ctx, BPT_ENOMEM, "out of memory");
		for (j = 0; j < sizeof(col_names) / sizeof(col_names[0]); j++)
			if (strcasecmp(h, col_names[j].name) == 0)
				col = col_names[j].col;
		if (col < 0) {
			bpt_err(ctx, BPT_EDATA, "%s:%ld: unknown column '%s' in the "
			    "header (expected email, name, phone, role, "
			    "consent_version)", c->name, c->line, h);
			free(h);
			return BPT_EDATA;
		}
		if (map[col] >= 0) {
			bpt_err(ctx, BPT_EDATA, "%s:%ld: column '%s' twice in the "
			    "header", c->name, c->line, h);
			free(h);
			return BPT_EDATA;
		}
		free(h);
		map[col] = (int)i;
	}
	if (map[COL_EMAIL] < 0)
		return bpt_err(ctx, BPT_EDATA, "%s:%ld: no email column in the "
		    "header (expected email, name, phone, role, consent_version)",
		    c->name, c->line);
	return BPT_OK;
}

/* The cell of column col, or NULL when the file has no such column. */
static const char *
cell(const struct csv *c, const int map[NCOLS], int col)
{
	return map[col] < 0 ? NULL : csv_field(c, (size_t)map[col]);
}

/* A blank cell of an existing member keeps what is stored. */
static const char *
nonblank(const char *s)
{
	return s == NULL || s[strspn(s, " \t")] == '\0' ? NULL : s;
}

/* Checks and writes one data row; errors without the NAME:LINE prefix. */
static enum bpt_status
import_row(struct bpt_ctx *ctx, const struct csv *c, const int map[NCOLS],
    const struct member_import_opts *o, long long max_id, time_t now,
    struct token_pool *tp, struct buf *d, struct member_import_result *res)
{
	struct member_change ch = { 0 };
	struct pchange pc;
	struct member old;
	enum bpt_status st;
	const char *done = "none";
	char *norm = NULL;
	long long id;

	memset(&pc, 0, sizeof(pc));
	memset(&old, 0, sizeof(old));
	if ((st = addr_normalize(ctx, cell(c, map, COL_EMAIL), &norm)) != BPT_OK)
		return st;
	ch.name = nonblank(cell(c, map, COL_NAME));
	ch.phone = nonblank(cell(c, map, COL_PHONE));
	ch.role = nonblank(cell(c, map, COL_ROLE));
	ch.consent_version = nonblank(cell(c, map, COL_CONSENT));
	if (ch.consent_version == NULL)
		ch.consent_version = o->consent_version;
	ch.consent_via = "import";
	if ((st = pchange_prepare(ctx, &ch, &pc)) != BPT_OK)
		goto out;
	/* added members are recorded by the import's row, which covers
	   their ids (contiguous: only additions take new ids); a row each
	   would make a large import a third slower */
	st = add_new(ctx, tp, norm, &pc, NULL, now, d, &id);
	if (st == BPT_OK) {
		res->added++;
		goto out;
	}
	if (st != BPT_EEXIST)
		goto out;
	if ((st = lookup_email(ctx, norm, &old)) != BPT_OK) {
		if (st == BPT_ENOENT)
			st = bpt_err(ctx, BPT_EINTERNAL, "'%s' vanished", norm);
		goto out;
	}
	if (old.id > max_id) {
		st = bpt_err(ctx, BPT_EDATA, "'%s' appears more than once in the "
		    "file", old.email);
		goto out;
	}
	if ((st = add_existing(ctx, &old, &pc, o->update, now, d, &done)) != BPT_OK)
		goto out;
	if (strcmp(done, "readd") == 0)
		res->readded++;
	else if (strcmp(done, "update") == 0)
		res->updated++;
	else
		res->unchanged++;
out:
	member_release(&old);
	pchange_release(&pc);
	free(norm);
	return st;
}

/*
 * cache_spill off for the length of an import: a large import touches
 * more index pages than the page cache holds (2 MiB); writing them to
 * the WAL in the middle of the transaction costs more than the import.
 */
static void
import_settings(struct bpt_ctx *ctx, int importing)
{
	sqlite3_exec(store_db(ctx->store), importing ? "PRAGMA cache_spill=OFF" :
	    "PRAGMA cache_spill=ON", NULL, NULL, NULL);
}

static enum bpt_status
max_member_id(struct bpt_ctx *ctx, long long *out)
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

enum bpt_status
member_import(struct bpt_ctx *ctx, FILE *in, const struct member_import_opts *o,
    struct member_import_result *res)
{
	struct audit_entry e = { 0 };
	struct token_pool tp = { "", 0, 0 };
	struct buf d = BUF_INIT;
	struct csv c;
	enum bpt_status st;
	long long max_id = 0;
	size_t nhead;
	time_t now = bpt_now(ctx);
	int map[NCOLS], eof = 0, own = 0, opened = 0, settings = 0;

	memset(res, 0, sizeof(*res));
	csv_init(&c, in, o->name);
	if ((st = csv_next(ctx, &c, &eof)) != BPT_OK)
		goto out;
	if (eof) {
		st = bpt_err(ctx, BPT_EDATA, "%s: empty file (expected a header "
		    "row: email,name,phone,role)", c.name);
		goto out;
	}
	if ((st = import_header(ctx, &c, map)) != BPT_OK)
		goto out;
	nhead = csv_nfields(&c);
	import_settings(ctx, 1);
	settings = 1;
	if ((st = tx_open(ctx, o->dry_run, &own)) != BPT_OK)
		goto out;
	opened = 1;
	if ((st = max_member_id(ctx, &max_id)) != BPT_OK)
		goto out;
	for (;;) {
		if ((st = csv_next(ctx, &c, &eof)) != BPT_OK || eof)
			break;
		res->records++;
		if (csv_nfields(&c) != nhead) {
			st = bpt_err(ctx, BPT_EDATA, "%s:%ld: %zu fields, the header "
			    "has %zu", c.name, c.line, csv_nfields(&c), nhead);
			break;
		}
		st = import_row(ctx, &c, map, o, max_id, now, &tp, &d, res);
		if (st != BPT_OK) {
			bpt_err_prefix(ctx, "%s:%ld", c.name, c.line);
			break;
		}
	}
	if (st != BPT_OK)
		goto out;
	buf_reset(&d);
	buf_addf(&d, "%s: %ld added, %ld re-added, %ld updated, %ld unchanged",
	    c.name, res->added, res->readded, res->updated, res->unchanged);
	if (buf_failed(&d)) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	e.at = now;
	e.action = "import";
	e.detail = buf_str(&d);
	if (res->added > 0) {
		e.member_id = tp.next_id - res->added;
		e.member_last = tp.next_id - 1;
	}
	st = audit_add(ctx, &e);
out:
	if (opened)
		st = tx_close(ctx, own, o->dry_run, st);
	if (settings)
		import_settings(ctx, 0);
	buf_release(&d);
	csv_release(&c);
	return st;
}
