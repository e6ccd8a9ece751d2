/* confirm.c - single-use tokens of the request address. */
#include "bptconf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "confirm.h"
#include "store.h"
#include "util.h"

void
confirm_row_release(struct confirm_row *r)
{
	free(r->action);
	free(r->args);
	free(r->requested_by);
	memset(r, 0, sizeof(*r));
}

enum bpt_status
confirm_new(struct bpt_ctx *ctx, const char *action, const char *args,
    const char *requested_by, long long message_id, long ttl,
    char token[CONFIRM_TOKEN_LEN + 1])
{
	static const char sql[] = "INSERT INTO confirmations(token, action, "
	    "args, requested_by, created_at, expires_at, message_id) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?)";
	time_t now = bpt_now(ctx);
	sqlite3_stmt *s;
	enum bpt_status st;

	if ((st = util_random_hex(ctx, token, CONFIRM_TOKEN_BYTES)) != BPT_OK)
		return st;
	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return ctx->err;
	sqlite3_bind_text(s, 1, token, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, action, -1, SQLITE_STATIC);
	store_bind_text(s, 3, args);
	sqlite3_bind_text(s, 4, requested_by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, now);
	sqlite3_bind_int64(s, 6, now + ttl);
	if (message_id != 0)
		sqlite3_bind_int64(s, 7, message_id);
	return store_step_done(ctx, ctx->store, s);
}

enum bpt_status
confirm_get(struct bpt_ctx *ctx, const char *token, struct confirm_row *out)
{
	static const char sql[] = "SELECT action, args, requested_by, "
	    "created_at, expires_at, used_at, message_id FROM confirmations "
	    "WHERE token = ?";
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return ctx->err;
	sqlite3_bind_text(s, 1, token, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->action = util_strdup0(store_col_text(s, 0));
		out->args = sqlite3_column_type(s, 1) == SQLITE_NULL ? NULL :
		    util_strdup0(store_col_text(s, 1));
		out->requested_by = util_strdup0(store_col_text(s, 2));
		out->created_at = (time_t)sqlite3_column_int64(s, 3);
		out->expires_at = (time_t)sqlite3_column_int64(s, 4);
		out->used_at = (time_t)sqlite3_column_int64(s, 5);
		out->message_id = sqlite3_column_int64(s, 6);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return bpt_err(ctx, BPT_ENOENT, "no such token");
	if (rc != SQLITE_ROW)
		return store_fail(ctx, ctx->store, rc, "look up a token");
	if (out->action == NULL || out->requested_by == NULL) {
		confirm_row_release(out);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
	return BPT_OK;
}

enum bpt_status
confirm_use(struct bpt_ctx *ctx, const char *token, int *ok)
{
	static const char sql[] = "UPDATE confirmations SET used_at = ?2 "
	    "WHERE token = ?1 AND used_at IS NULL AND expires_at > ?2";
	sqlite3_stmt *s;
	enum bpt_status st;

	*ok = 0;
	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return ctx->err;
	sqlite3_bind_text(s, 1, token, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, bpt_now(ctx));
	st = store_step_done(ctx, ctx->store, s);
	*ok = st == BPT_OK && sqlite3_changes(store_db(ctx->store)) > 0;
	return st;
}

static int
hex_run(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)p[i]))
			return 0;
	return 1;
}

int
confirm_find(const char *s, int plus, char out[CONFIRM_TOKEN_LEN + 1])
{
	const char *p;
	size_t i;

	if (s == NULL)
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (plus) {
			if (strncasecmp(p, "-request+", 9) != 0)
				continue;
			p += 9;
			if (hex_run(p, CONFIRM_TOKEN_LEN) && p[CONFIRM_TOKEN_LEN] == '@')
				goto found;
			continue;
		}
		if ((p == s || !isxdigit((unsigned char)p[-1])) &&
		    hex_run(p, CONFIRM_TOKEN_LEN) &&
		    !isxdigit((unsigned char)p[CONFIRM_TOKEN_LEN]))
			goto found;
	}
	return 0;
found:
	for (i = 0; i < CONFIRM_TOKEN_LEN; i++)
		out[i] = (char)tolower((unsigned char)p[i]);
	out[i] = '\0';
	return 1;
}
