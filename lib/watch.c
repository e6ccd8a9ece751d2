/* watch.c - telling reporters and admins which copies did not arrive. */
#include "bptconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "notice.h"
#include "store.h"
#include "util.h"
#include "watch.h"

#define NAMES_MAX 50	/* names listed in one admin notice */

/* A delivery's state as the admins read it, in the group's language. */
static const char *
state_words(const struct bpt_ctx *ctx, const char *state)
{
	static const struct { const char *state, *nl, *en; } words[] = {
		{ "queued", "nog niet verstuurd", "not sent yet" },
		{ "sending", "wordt verstuurd", "being sent" },
		{ "deferred", "uitgesteld", "deferred" },
		{ "failed", "mislukt", "failed" },
	};
	int en = ctx->cfg->group.language == CFG_EN;
	size_t i;

	for (i = 0; i < nitems(words); i++)
		if (strcmp(state, words[i].state) == 0)
			return en ? words[i].en : words[i].nl;
	return state;
}

/*
 * 1 when reply is what the relay said about this recipient ("451 4.7.1
 * ..."), 0 when the copy never got that far: not tried yet, the relay
 * unreachable or closing (421), or an error of our own.
 */
static int
relay_answered(const char *reply)
{
	return reply != NULL && (reply[0] == '4' || reply[0] == '5') &&
	    reply[1] >= '0' && reply[1] <= '9' && reply[2] >= '0' &&
	    reply[2] <= '9' && (reply[3] == ' ' || reply[3] == '\0') &&
	    strncmp(reply, "421", 3) != 0;
}

/*
 * "- Anna Jansen <anna@x>: uitgesteld (451 ...)" for each member lacking
 * a copy, and *answered: whether the relay answered for any of them.
 */
static enum bpt_status
missing_names(struct bpt_ctx *ctx, long long outbox, struct buf *out,
    int *answered)
{
	static const char sql[] = "SELECT coalesce(nullif(m.name, ''), d.rcpt), "
	    "d.rcpt, d.state, d.last_reply FROM outbox o "
	    "CROSS JOIN deliveries d ON d.id BETWEEN o.dfirst AND o.dlast "
	    "LEFT JOIN members m ON m.id = d.member_id WHERE o.id = ? "
	    "AND d.state NOT IN ('sent', 'dropped') ORDER BY d.id";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	int rc, n = 0;

	if (s == NULL)
		return ctx->err;
	*answered = 0;
	sqlite3_bind_int64(s, 1, outbox);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *reply = sqlite3_column_type(s, 3) == SQLITE_NULL ? NULL :
		    store_col_text(s, 3);

		if (relay_answered(reply))
			*answered = 1;
		if (n++ >= NAMES_MAX)
			continue;
		buf_addf(out, "- %s", store_col_text(s, 0));
		if (strcmp(store_col_text(s, 0), store_col_text(s, 1)) != 0)
			buf_addf(out, " <%s>", store_col_text(s, 1));
		buf_addf(out, ": %s", state_words(ctx, store_col_text(s, 2)));
		if (reply != NULL && *reply != '\0')
			buf_addf(out, " (%s)", reply);
		buf_addch(out, '\n');
	}
	sqlite3_reset(s);
	if (n > NAMES_MAX)
		buf_addf(out, ctx->cfg->group.language == CFG_EN ?
		    "- ... and %d more\n" : "- ... en nog %d\n", n - NAMES_MAX);
	if (rc != SQLITE_DONE)
		return store_fail(ctx, ctx->store, rc, "undelivered copies");
	if (buf_failed(out))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	return BPT_OK;
}

static enum bpt_status
mark(struct bpt_ctx *ctx, const char *sql, long long id)
{
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, bpt_now(ctx));
	sqlite3_bind_int64(s, 2, id);
	return store_step_done(ctx, ctx->store, s);
}

/* One alert not at every member: its reporter and the admins are told. */
static enum bpt_status
tell_undelivered(struct bpt_ctx *ctx, sqlite3_stmt *row, const char *runner)
{
	static const char marksql[] = "UPDATE outbox SET undelivered_at = ? WHERE id = ?";
	long long outbox = sqlite3_column_int64(row, 0);
	long long incident = sqlite3_column_int64(row, 1);
	long long reporter = sqlite3_column_int64(row, 2);
	char num[32], missing[32], total[32], when[8];
	char *email = NULL, *name = NULL;
	struct buf names = BUF_INIT;
	enum bpt_status st;
	int answered;

	snprintf(num, sizeof(num), "%lld", incident);
	snprintf(missing, sizeof(missing), "%lld", sqlite3_column_int64(row, 3));
	snprintf(total, sizeof(total), "%lld", sqlite3_column_int64(row, 4));
	util_time_hm(ctx->cfg->group.timezone, (time_t)sqlite3_column_int64(row, 5),
	    when);
	email = util_strdup0((const char *)sqlite3_column_text(row, 6));
	name = util_strdup0((const char *)sqlite3_column_text(row, 7));
	if ((st = missing_names(ctx, outbox, &names, &answered)) != BPT_OK)
		goto out;
	{
		struct tvar v[] = {
			{ "group", ctx->cfg->group.name }, { "number", num },
			{ "missing", missing }, { "total", total }, { "time", when },
			{ "name", name }, { "names", buf_str(&names) },
			{ "not_handed", answered ? NULL : "1" },
		};
		struct notice nt = { .tpl = "notice-undelivered", .vars = v,
		    .nvars = nitems(v), .to = email, .member_id = reporter,
		    .incident = incident, .runner = runner };

		if (email != NULL && reporter > 0 &&
		    (st = notice_queue(ctx, &nt, NULL)) != BPT_OK)
			goto out;
		nt.tpl = "admin-undelivered";
		nt.to = NULL;
		nt.member_id = 0;
		if ((st = notice_queue(ctx, &nt, NULL)) != BPT_OK)
			goto out;
	}
	st = mark(ctx, marksql, outbox);
out:
	free(email);
	free(name);
	buf_release(&names);
	return st;
}

static enum bpt_status
tell_failed(struct bpt_ctx *ctx, sqlite3_stmt *row, const char *runner)
{
	static const char marksql[] = "UPDATE outbox SET failed_at = ? WHERE id = ?";
	long long outbox = sqlite3_column_int64(row, 0);
	long long incident = sqlite3_column_int64(row, 1);
	long long nfailed = sqlite3_column_int64(row, 2);
	char num[32], failed[32];
	struct buf names = BUF_INIT;
	enum bpt_status st;
	int answered;

	snprintf(num, sizeof(num), "%lld", incident);
	snprintf(failed, sizeof(failed), "%lld", nfailed);
	if ((st = missing_names(ctx, outbox, &names, &answered)) != BPT_OK)
		goto out;
	{
		struct tvar v[] = {
			{ "group", ctx->cfg->group.name }, { "number", num },
			{ "failed", failed }, { "names", buf_str(&names) },
			{ "one", nfailed == 1 ? "1" : NULL },
		};
		struct notice nt = { .tpl = "admin-failed", .vars = v,
		    .nvars = nitems(v), .incident = incident, .runner = runner };

		if ((st = notice_queue(ctx, &nt, NULL)) != BPT_OK)
			goto out;
	}
	st = mark(ctx, marksql, outbox);
out:
	buf_release(&names);
	return st;
}

/* Runs sql (?1 = a time) and calls fn for each row, collected first:
 * fn writes, so the select must be finished before. */
static enum bpt_status
each(struct bpt_ctx *ctx, const char *sql, time_t t, const char *runner,
    enum bpt_status (*fn)(struct bpt_ctx *, sqlite3_stmt *, const char *),
    long long *count)
{
	sqlite3_stmt *s;
	enum bpt_status st = BPT_OK;
	int rc;

	/* a handful of rows at most: one at a time, re-selected after each */
	for (;;) {
		if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
			return ctx->err;
		sqlite3_bind_int64(s, 1, t);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			st = fn(ctx, s, runner);
			(*count)++;
		}
		sqlite3_reset(s);
		if (rc == SQLITE_DONE)
			return BPT_OK;
		if (rc != SQLITE_ROW)
			return store_fail(ctx, ctx->store, rc, "delivery watch");
		if (st != BPT_OK)
			return st;
	}
}

enum bpt_status
watch_run(struct bpt_ctx *ctx, const char *runner, struct watch_result *res)
{
	/* alerts old enough, not yet looked at, with copies missing */
	static const char undelivered[] = "SELECT o.id, o.incident_id, i.reporter_id, "
	    "sum(d.state NOT IN ('sent', 'dropped')), count(*), o.created_at, "
	    "r.email, r.name FROM outbox o INDEXED BY outbox_unalerted "
	    "CROSS JOIN deliveries d ON d.id BETWEEN o.dfirst AND o.dlast "
	    "LEFT JOIN incidents i ON i.id = o.incident_id "
	    "LEFT JOIN members r ON r.id = i.reporter_id AND r.status = 'active' "
	    "WHERE o.kind = 'alert' AND o.undelivered_at IS NULL AND o.created_at <= ?1 "
	    "GROUP BY o.id HAVING sum(d.state NOT IN ('sent', 'dropped')) > 0 LIMIT 1";
	static const char settle[] = "UPDATE outbox SET undelivered_at = 0 "
	    "WHERE kind = 'alert' AND undelivered_at IS NULL AND created_at <= ?";
	/* group copies whose deliveries are all settled, some failed */
	static const char failed[] = "SELECT o.id, o.incident_id, "
	    "sum(d.state = 'failed') FROM outbox o "
	    "CROSS JOIN deliveries d ON d.id BETWEEN o.dfirst AND o.dlast "
	    "WHERE o.open = 0 AND o.failed_at IS NULL AND o.created_at <= ?1 "
	    "AND o.kind IN ('alert', 'reply') "
	    "GROUP BY o.id HAVING sum(d.state = 'failed') > 0 LIMIT 1";
	/* the rest of the settled rows had nothing to tell */
	static const char quiet[] = "UPDATE outbox SET failed_at = 0 "
	    "WHERE open = 0 AND failed_at IS NULL";
	time_t now = bpt_now(ctx);
	enum bpt_status st;
	sqlite3_stmt *s;

	memset(res, 0, sizeof(*res));
	if ((st = store_begin(ctx, ctx->store)) != BPT_OK)
		return st;
	st = each(ctx, undelivered, now - ctx->cfg->delivery.undelivered_after, runner,
	    tell_undelivered, &res->undelivered);
	/* the rest of those alerts reached everyone: never look again */
	if (st == BPT_OK) {
		if ((s = store_prepare(ctx, ctx->store, settle)) == NULL)
			st = ctx->err;
		else {
			sqlite3_bind_int64(s, 1, now - ctx->cfg->delivery.undelivered_after);
			st = store_step_done(ctx, ctx->store, s);
		}
	}
	if (st == BPT_OK)
		st = each(ctx, failed, now, runner, tell_failed, &res->failed);
	/* copies settled without failures need no more looking at */
	if (st == BPT_OK) {
		if ((s = store_prepare(ctx, ctx->store, quiet)) == NULL)
			st = ctx->err;
		else
			st = store_step_done(ctx, ctx->store, s);
	}
	if (st != BPT_OK) {
		store_rollback(ctx->store);
		return st;
	}
	return store_commit(ctx, ctx->store);
}
