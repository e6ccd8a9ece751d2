/* outbox.c - enqueueing copies, claiming, delivering, recording. */
#include "bptconf.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "compose.h"
#include "config.h"
#include "log.h"
#include "outbox.h"
#include "store.h"
#include "transport.h"
#include "util.h"

/* Rows handed to the transport per call, in batches: one batch for
 * every connection.  Results are recorded after each call, so a runner
 * killed mid-way re-sends at most this much; memory stays bounded for
 * any group size. */
#define OUTBOX_CHUNK_BATCHES 1
#define NO_OFF ((size_t)-1)

void
outbox_runner(char buf[OUTBOX_RUNNER_MAX])
{
	char host[64];

	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(buf, OUTBOX_RUNNER_MAX, "%s:%ld", host, (long)getpid());
}

enum bpt_status
outbox_add(struct bpt_ctx *ctx, const char *kind, long long incident,
    long long source, const char *msgid, const char *env_from,
    const char *content, size_t len, long long *id)
{
	static const char sql[] = "INSERT INTO outbox(kind, incident_id, source_id, "
	    "msgid, env_from, content, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	enum bpt_status st;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	if (incident > 0)
		sqlite3_bind_int64(s, 2, incident);
	if (source > 0)
		sqlite3_bind_int64(s, 3, source);
	sqlite3_bind_text(s, 4, msgid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, env_from, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 6, content, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, bpt_now(ctx));
	if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
		return st;
	*id = sqlite3_last_insert_rowid(store_db(ctx->store));
	return BPT_OK;
}

/* Records the delivery rows just inserted for outbox_id: the last n
 * rowids (one INSERT inserts contiguous rowids). */
static enum bpt_status
set_range(struct bpt_ctx *ctx, long long outbox_id, long long n)
{
	static const char sql[] = "UPDATE outbox SET dfirst = coalesce(dfirst, ?1), "
	    "dlast = ?2 WHERE id = ?3";
	long long last = sqlite3_last_insert_rowid(store_db(ctx->store));
	sqlite3_stmt *s;

	if (n <= 0)
		return BPT_OK;
	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, last - n + 1);
	sqlite3_bind_int64(s, 2, last);
	sqlite3_bind_int64(s, 3, outbox_id);
	return store_step_done(ctx, ctx->store, s);
}

/* The list's own addresses never receive copies (no loops). */
static enum bpt_status
own_addresses(struct bpt_ctx *ctx, const char **req, const char **bounces)
{
	*req = ctx->cfg->list.request;
	*bounces = ctx->cfg->list.bounces;
	return BPT_OK;
}

/*
 * delivery.rate: how many more copies may be claimed in this hour (the
 * rate, less what send_log holds for the last hour), into *left; -1
 * without a limit, and then nothing is read.  Inside the caller's
 * write transaction.
 */
static enum bpt_status
rate_left(struct bpt_ctx *ctx, long long *left)
{
	static const char prune[] = "DELETE FROM send_log WHERE at <= ?";
	static const char sum[] = "SELECT coalesce(sum(n), 0) FROM send_log";
	long rate = ctx->cfg->delivery.rate;
	sqlite3_stmt *s;
	enum bpt_status st;
	int rc;

	*left = -1;
	if (rate <= 0)
		return BPT_OK;
	if ((s = store_prepare(ctx, ctx->store, prune)) == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, bpt_now(ctx) - 3600);
	if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
		return st;
	if ((s = store_prepare(ctx, ctx->store, sum)) == NULL)
		return ctx->err;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*left = rate - sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return store_fail(ctx, ctx->store, rc, "send_log");
	if (*left < 0)
		*left = 0;
	return BPT_OK;
}

/* delivery.rate: n copies claimed now.  Inside the caller's transaction. */
static enum bpt_status
rate_note(struct bpt_ctx *ctx, long long n)
{
	static const char add[] = "INSERT INTO send_log(at, n) VALUES (?, ?)";
	sqlite3_stmt *s;

	if (ctx->cfg->delivery.rate <= 0 || n <= 0)
		return BPT_OK;
	if ((s = store_prepare(ctx, ctx->store, add)) == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, bpt_now(ctx));
	sqlite3_bind_int64(s, 2, n);
	return store_step_done(ctx, ctx->store, s);
}

/*
 * The n delivery rows just inserted and claimed for immediate delivery
 * (the last n rowids): with delivery.rate, those past what this hour
 * allows go back to the queue, where bpt-send takes them, alerts and
 * replies first, as the hour allows.  Without it nothing is read.
 */
static enum bpt_status
rate_trim(struct bpt_ctx *ctx, long long n)
{
	static const char back[] = "UPDATE deliveries SET state = 'queued', "
	    "claimed_by = NULL, claimed_at = NULL WHERE id BETWEEN ?1 AND ?2";
	long long last = sqlite3_last_insert_rowid(store_db(ctx->store));
	long long left;
	sqlite3_stmt *s;
	enum bpt_status st;

	if (ctx->cfg->delivery.rate <= 0 || n <= 0)
		return BPT_OK;
	if ((st = rate_left(ctx, &left)) != BPT_OK)
		return st;
	if (left < n) {
		if ((s = store_prepare(ctx, ctx->store, back)) == NULL)
			return ctx->err;
		sqlite3_bind_int64(s, 1, last - n + 1 + left);
		sqlite3_bind_int64(s, 2, last);
		if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
			return st;
		log_info("delivery.rate: %lld of %lld copies wait for the next "
		    "hour's share", n - left, n);
		n = left;
	}
	return rate_note(ctx, n);
}

static enum bpt_status
to_members(struct bpt_ctx *ctx, long long outbox_id, const char *runner,
    int admins_only, long long *count)
{
	static const char sql[] =
	    "INSERT INTO deliveries(outbox_id, member_id, rcpt, state, "
	    "next_at, claimed_by, claimed_at) "
	    "SELECT ?1, id, email, CASE WHEN ?2 IS NULL THEN 'queued' ELSE 'sending' END, "
	    "?3, ?2, CASE WHEN ?2 IS NULL THEN NULL ELSE ?3 END "
	    "FROM members WHERE status = 'active' "
	    "AND (?4 = 0 OR role IN ('admin', 'coordinator')) "
	    "AND email NOT IN (?5, ?6, ?7) ORDER BY id";
	const char *req, *bounces;
	sqlite3_stmt *s;
	enum bpt_status st;

	if ((st = own_addresses(ctx, &req, &bounces)) != BPT_OK)
		return st;
	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL) {
		st = ctx->err;
		goto out;
	}
	sqlite3_bind_int64(s, 1, outbox_id);
	store_bind_text(s, 2, runner);
	sqlite3_bind_int64(s, 3, bpt_now(ctx));
	sqlite3_bind_int(s, 4, admins_only);
	sqlite3_bind_text(s, 5, ctx->cfg->group.address, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, req, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, bounces, -1, SQLITE_STATIC);
	st = store_step_done(ctx, ctx->store, s);
	if (st == BPT_OK) {
		long long n = sqlite3_changes(store_db(ctx->store));

		if (count)
			*count = n;
		st = set_range(ctx, outbox_id, n);
		if (st == BPT_OK && runner != NULL)
			st = rate_trim(ctx, n);
	}
out:
	return st;
}

enum bpt_status
outbox_to_members(struct bpt_ctx *ctx, long long outbox_id, const char *runner,
    long long *count)
{
	return to_members(ctx, outbox_id, runner, 0, count);
}

enum bpt_status
outbox_to_admins(struct bpt_ctx *ctx, long long outbox_id, const char *runner,
    long long *count)
{
	return to_members(ctx, outbox_id, runner, 1, count);
}

enum bpt_status
outbox_to_address(struct bpt_ctx *ctx, long long outbox_id, long long member_id,
    const char *rcpt, const char *runner)
{
	static const char sql[] =
	    "INSERT INTO deliveries(outbox_id, member_id, rcpt, state, "
	    "next_at, claimed_by, claimed_at) VALUES (?1, ?2, ?3, "
	    "CASE WHEN ?4 IS NULL THEN 'queued' ELSE 'sending' END, ?5, ?4, "
	    "CASE WHEN ?4 IS NULL THEN NULL ELSE ?5 END)";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	enum bpt_status st;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, outbox_id);
	if (member_id > 0)
		sqlite3_bind_int64(s, 2, member_id);
	sqlite3_bind_text(s, 3, rcpt, -1, SQLITE_STATIC);
	store_bind_text(s, 4, runner);
	sqlite3_bind_int64(s, 5, bpt_now(ctx));
	if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
		return st;
	if ((st = set_range(ctx, outbox_id, 1)) != BPT_OK)
		return st;
	/*
	 * One copy to one person (a reporter told that an alert has not
	 * reached everyone, most of all when delivery.rate holds copies
	 * back) goes now, and counts against the hour's share.
	 */
	return runner != NULL ? rate_note(ctx, 1) : BPT_OK;
}

/* Seconds to wait before attempt number attempts + 1. */
static long
backoff(const struct bpt_config *cfg, long attempts)
{
	long d = cfg->delivery.retry_min > 0 ? cfg->delivery.retry_min : 60;

	while (--attempts > 0 && d < cfg->delivery.retry_max)
		d *= 2;
	return d > cfg->delivery.retry_max ? cfg->delivery.retry_max : d;
}

/*
 * A provider that limits how much one account sends says so with a 4xx
 * or, often, a 5xx reply ("550 5.4.5 Daily user sending limit
 * exceeded", "554 5.2.0 ... SubmissionQuotaExceeded", "451 4.7.0 Rate
 * limited"): the copy waits and is tried again, it is not given up.
 */
static int
limit_reply(const char *reply)
{
	static const char *const words[] = {
		"rate limit", "ratelimit", "rate-limit", "rate exceeded",
		"quota", "too many", "limit exceeded", "sending limit",
		"throttl", "try again later", "5.4.5",
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (util_ci_find(reply, words[i]) != NULL)
			return 1;
	return 0;
}

static enum bpt_status
record(struct bpt_ctx *ctx, const struct tr_rcpt *r, size_t n, time_t created,
    struct outbox_stats *stats)
{
	static const char sql[] = "UPDATE deliveries SET state = ?1, "
	    "attempts = attempts + 1, next_at = ?2, last_reply = ?3, "
	    "sent_at = CASE WHEN ?1 = 'sent' THEN ?4 ELSE sent_at END, "
	    "claimed_by = NULL, claimed_at = NULL WHERE id = ?5";
	static const char att[] = "SELECT attempts FROM deliveries WHERE id = ?";
	time_t now = bpt_now(ctx);
	enum bpt_status st;
	size_t i;

	if ((st = store_begin(ctx, ctx->store)) != BPT_OK)
		return st;
	for (i = 0; i < n; i++) {
		const char *state;
		long attempts = 1;
		time_t next = now;
		sqlite3_stmt *s;

		if (r[i].result == TR_OK) {
			state = "sent";
			stats->sent++;
		} else if (r[i].result == TR_PERM && !limit_reply(r[i].reply)) {
			state = "failed";
			stats->failed++;
		} else {
			if ((s = store_prepare(ctx, ctx->store, att)) == NULL)
				goto fail;
			sqlite3_bind_int64(s, 1, r[i].id);
			if (sqlite3_step(s) == SQLITE_ROW)
				attempts = sqlite3_column_int(s, 0) + 1;
			sqlite3_reset(s);
			next = now + backoff(ctx->cfg, attempts);
			if (now - created >= ctx->cfg->delivery.max_age) {
				state = "failed";
				stats->failed++;
			} else {
				state = "deferred";
				stats->deferred++;
			}
		}
		if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
			goto fail;
		sqlite3_bind_text(s, 1, state, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, next);
		sqlite3_bind_text(s, 3, r[i].reply[0] ? r[i].reply :
		    r[i].result == TR_PENDING ? "not tried" : "", -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, now);
		sqlite3_bind_int64(s, 5, r[i].id);
		if (store_step_done(ctx, ctx->store, s) != BPT_OK)
			goto fail;
	}
	return store_commit(ctx, ctx->store);
fail:
	st = ctx->err;
	store_rollback(ctx->store);
	return st;
}

/*
 * The deliveries table has no index but its rowids: every query reaches
 * it from open outbox rows (CROSS JOIN keeps outbox the outer loop) and
 * by rowid range.  store_open() turns SQLite's automatic indexes off, so
 * it never builds one over the whole table instead.
 */

/*
 * A VERP sender LOCAL-bounces+TOKEN@DOMAIN must keep its local part
 * within 64 octets (RFC 5321); when a long list address leaves no room,
 * the copy goes with the plain bounce address (the report still names
 * the recipient).
 */
static int
verp_fits(const char *list, const char *token)
{
	const char *at = strrchr(list, '@');

	return at != NULL && (size_t)(at - list) + strlen("-bounces+") +
	    strlen(token) <= 64;
}

/* One outbox message: every row of it the runner holds, chunk by chunk. */
static enum bpt_status
deliver_message(struct bpt_ctx *ctx, const struct transport_ops *ops,
    void *tstate, long long outbox_id, const char *runner,
    struct outbox_stats *stats)
{
	static const char msql[] = "SELECT env_from, content, created_at "
	    "FROM outbox WHERE id = ?";
	/* the rows of this message, after the last chunk, claimed by us */
	static const char rsql[] = "SELECT d.id, d.rcpt, m.token FROM outbox o "
	    "CROSS JOIN deliveries d ON d.id BETWEEN max(o.dfirst, ?4) AND o.dlast "
	    "LEFT JOIN members m ON m.id = d.member_id WHERE o.id = ?1 "
	    "AND d.claimed_by = ?2 AND d.state = 'sending' ORDER BY d.id LIMIT ?3";
	const struct bpt_config *cfg = ctx->cfg;
	size_t chunk = (size_t)(cfg->delivery.batch * cfg->delivery.connections *
	    OUTBOX_CHUNK_BATCHES);
	struct tr_rcpt *r = calloc(chunk, sizeof(*r));
	size_t *offs = calloc(2 * chunk, sizeof(*offs));
	struct buf body = BUF_INIT, from = BUF_INIT, names = BUF_INIT;
	struct tr_message m;
	enum bpt_status st = BPT_OK;
	sqlite3_stmt *s;
	time_t created = 0;
	long long after = 0;
	int rc;

	if (r == NULL || offs == NULL) {
		free(r);
		free(offs);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
	if ((s = store_prepare(ctx, ctx->store, msql)) == NULL) {
		st = ctx->err;
		goto out;
	}
	sqlite3_bind_int64(s, 1, outbox_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		buf_adds(&from, store_col_text(s, 0));
		buf_add(&body, sqlite3_column_blob(s, 1), (size_t)sqlite3_column_bytes(s, 1));
		created = (time_t)sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW) {
		st = store_fail(ctx, ctx->store, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc,
		    "read outbox message");
		goto out;
	}
	if (buf_failed(&body) || buf_failed(&from)) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	m.env_from = buf_str(&from);
	m.data = buf_str(&body);
	m.len = body.len;
	for (;;) {
		size_t n = 0, i;

		if ((s = store_prepare(ctx, ctx->store, rsql)) == NULL) {
			st = ctx->err;
			goto out;
		}
		sqlite3_bind_int64(s, 1, outbox_id);
		sqlite3_bind_text(s, 2, runner, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, (sqlite3_int64)chunk);
		sqlite3_bind_int64(s, 4, after + 1);
		/* addresses (and VERP senders) go into one arena per chunk */
		buf_reset(&names);
		while (n < chunk && (rc = sqlite3_step(s)) == SQLITE_ROW) {
			memset(&r[n], 0, sizeof(r[n]));
			r[n].id = sqlite3_column_int64(s, 0);
			offs[2 * n] = names.len;
			buf_adds(&names, store_col_text(s, 1));
			buf_addch(&names, '\0');
			offs[2 * n + 1] = NO_OFF;
			if (cfg->delivery.verp && sqlite3_column_type(s, 2) != SQLITE_NULL &&
			    verp_fits(cfg->group.address, store_col_text(s, 2))) {
				offs[2 * n + 1] = names.len;
				buf_addf(&names, "%s%s@%s", cfg->list.verp_prefix,
				    store_col_text(s, 2), cfg->list.domain);
				buf_addch(&names, '\0');
			}
			n++;
		}
		sqlite3_reset(s);
		if (buf_failed(&names)) {
			st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
			goto out;
		}
		for (i = 0; i < n; i++) {
			r[i].addr = names.buf + offs[2 * i];
			r[i].env_from = offs[2 * i + 1] == NO_OFF ? NULL :
			    names.buf + offs[2 * i + 1];
		}
		if (n == 0)
			break;
		after = r[n - 1].id;
		st = ops->send(ctx, tstate, &m, r, n);
		if (st != BPT_OK)
			goto out;
		if ((st = record(ctx, r, n, created, stats)) != BPT_OK)
			goto out;
	}
out:
	free(r);
	free(offs);
	buf_release(&body);
	buf_release(&from);
	buf_release(&names);
	return st;
}

/* Outbox rows none of whose deliveries wait or are in flight close. */
static enum bpt_status
settle(struct bpt_ctx *ctx)
{
	static const char sql[] = "UPDATE outbox SET open = 0 WHERE open = 1 AND "
	    "NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id BETWEEN "
	    "outbox.dfirst AND outbox.dlast AND d.state IN ('queued', 'sending', "
	    "'deferred'))";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);

	if (s == NULL)
		return ctx->err;
	return store_step_done(ctx, ctx->store, s);
}

enum bpt_status
outbox_deliver_claimed(struct bpt_ctx *ctx, const char *runner,
    struct outbox_stats *stats)
{
	static const char sql[] = "SELECT o.id FROM outbox o WHERE o.open = 1 "
	    "AND o.id > ?2 AND EXISTS (SELECT 1 FROM deliveries d "
	    "WHERE d.id BETWEEN o.dfirst AND o.dlast AND d.claimed_by = ?1 "
	    "AND d.state = 'sending') ORDER BY o.id LIMIT 1";
	const struct transport_ops *ops = transport_for(ctx->cfg);
	void *tstate = NULL;
	enum bpt_status st;
	long long last = 0;

	memset(stats, 0, sizeof(*stats));
	/* what fails here stays 'sending' until bpt-send takes it over */
	if ((st = store_set_sync(ctx, ctx->store, 1)) != BPT_OK)
		return st;
	for (;;) {
		sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
		long long id = 0;
		int rc;

		if (s == NULL) {
			st = ctx->err;
			break;
		}
		sqlite3_bind_text(s, 1, runner, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, last);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			id = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			st = store_fail(ctx, ctx->store, rc, "outbox");
			break;
		}
		if (id == 0)
			break;
		last = id;
		if (tstate == NULL && (st = ops->open(ctx, ctx->cfg, &tstate)) != BPT_OK)
			break;
		if ((st = deliver_message(ctx, ops, tstate, id, runner, stats)) != BPT_OK)
			break;
	}
	if (tstate != NULL)
		ops->close(tstate);
	if (st == BPT_OK)
		st = settle(ctx);
	store_set_sync(ctx, ctx->store, 2);
	return st;
}

/* A claim is dead when its runner's process on this host is gone. */
static int
runner_dead(const char *claimed_by)
{
	char me[OUTBOX_RUNNER_MAX];
	const char *colon = strrchr(claimed_by, ':'), *mine;
	long pid;
	char *end;

	outbox_runner(me);
	mine = strrchr(me, ':');
	if (colon == NULL || mine == NULL || colon - claimed_by != mine - me ||
	    strncmp(claimed_by, me, (size_t)(colon - claimed_by)) != 0)
		return 0;	/* another host: only the lease can tell */
	pid = strtol(colon + 1, &end, 10);
	if (*end != '\0' || pid <= 0)
		return 1;
	if (pid == (long)getpid())
		return 0;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

static enum bpt_status
reclaim(struct bpt_ctx *ctx, time_t now)
{
	static const char sel[] = "SELECT DISTINCT d.claimed_by FROM outbox o "
	    "CROSS JOIN deliveries d ON d.id BETWEEN o.dfirst AND o.dlast "
	    "WHERE o.open = 1 AND d.state = 'sending'";
	static const char back[] = "UPDATE deliveries SET state = 'queued', "
	    "claimed_by = NULL, claimed_at = NULL WHERE id IN (SELECT d.id "
	    "FROM outbox o CROSS JOIN deliveries d ON d.id BETWEEN o.dfirst AND o.dlast "
	    "WHERE o.open = 1 AND d.state = 'sending' AND (d.claimed_by = ?1 OR "
	    "d.claimed_at < ?2 OR d.claimed_by IS NULL))";
	struct buf dead = BUF_INIT;
	sqlite3_stmt *s;
	enum bpt_status st = BPT_OK;
	size_t off;
	int rc;

	if ((s = store_prepare(ctx, ctx->store, sel)) == NULL)
		return ctx->err;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *who = store_col_text(s, 0);

		if (runner_dead(who)) {
			buf_adds(&dead, who);
			buf_addch(&dead, '\0');
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		buf_release(&dead);
		return store_fail(ctx, ctx->store, rc, "outbox claims");
	}
	if (buf_failed(&dead)) {
		buf_release(&dead);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
	/* one pass for expired leases, one per dead runner */
	off = 0;
	do {
		const char *who = dead.len > off ? dead.buf + off : NULL;

		if ((s = store_prepare(ctx, ctx->store, back)) == NULL) {
			st = ctx->err;
			break;
		}
		store_bind_text(s, 1, who);
		sqlite3_bind_int64(s, 2, now - OUTBOX_LEASE);
		if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
			break;
		if (who != NULL && sqlite3_changes(store_db(ctx->store)) > 0)
			log_info("took over copies of runner %s", who);
		off += who ? strlen(who) + 1 : 1;
	} while (off < dead.len);
	buf_release(&dead);
	return st;
}

enum bpt_status
outbox_run(struct bpt_ctx *ctx, struct outbox_stats *stats)
{
	/* only the deliveries of open outbox rows can wait */
	static const char drop[] = "UPDATE deliveries SET state = 'dropped', "
	    "last_reply = 'member no longer active' WHERE id IN (SELECT d.id "
	    "FROM outbox o CROSS JOIN deliveries d ON d.id BETWEEN o.dfirst AND o.dlast "
	    "WHERE o.open = 1 AND d.state IN ('queued', 'deferred') "
	    "AND d.member_id IS NOT NULL AND d.member_id NOT IN "
	    "(SELECT id FROM members WHERE status = 'active'))";
	static const char expire[] = "UPDATE deliveries SET state = 'failed', "
	    "last_reply = coalesce(last_reply, '') || ' (gave up)' "
	    "WHERE id IN (SELECT d.id FROM outbox o CROSS JOIN deliveries d "
	    "ON d.id BETWEEN o.dfirst AND o.dlast WHERE o.open = 1 "
	    "AND o.created_at < ?1 AND d.state IN ('queued', 'deferred'))";
	static const char claim[] = "UPDATE deliveries SET state = 'sending', "
	    "claimed_by = ?1, claimed_at = ?2 WHERE id IN (SELECT d.id "
	    "FROM outbox o CROSS JOIN deliveries d ON d.id BETWEEN o.dfirst AND o.dlast "
	    "WHERE o.open = 1 AND d.state IN ('queued', 'deferred') "
	    "AND d.next_at <= ?2)";
	/*
	 * With delivery.rate, this hour's share: alerts and replies before
	 * other mail, the newest incident first (an alert is worth most
	 * while it is fresh), then in order of arrival within a message.
	 */
	static const char claim_share[] = "UPDATE deliveries SET state = 'sending', "
	    "claimed_by = ?1, claimed_at = ?2 WHERE id IN (SELECT d.id "
	    "FROM outbox o CROSS JOIN deliveries d ON d.id BETWEEN o.dfirst AND o.dlast "
	    "WHERE o.open = 1 AND d.state IN ('queued', 'deferred') "
	    "AND d.next_at <= ?2 ORDER BY o.kind IN ('alert', 'reply') DESC, "
	    "coalesce(o.incident_id, 0) DESC, o.id DESC, d.id LIMIT ?3)";
	char runner[OUTBOX_RUNNER_MAX];
	time_t now = bpt_now(ctx);
	enum bpt_status st;
	sqlite3_stmt *s;
	long long dropped = 0, left;

	outbox_runner(runner);
	if ((st = store_begin(ctx, ctx->store)) != BPT_OK)
		return st;
	if ((st = reclaim(ctx, now)) != BPT_OK)
		goto fail;
	if ((s = store_prepare(ctx, ctx->store, drop)) == NULL)
		goto fail_ctx;
	if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
		goto fail;
	dropped = sqlite3_changes(store_db(ctx->store));
	if ((s = store_prepare(ctx, ctx->store, expire)) == NULL)
		goto fail_ctx;
	sqlite3_bind_int64(s, 1, now - ctx->cfg->delivery.max_age);
	if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
		goto fail;
	if ((st = rate_left(ctx, &left)) != BPT_OK)
		goto fail;
	if ((s = store_prepare(ctx, ctx->store, left < 0 ? claim : claim_share)) ==
	    NULL)
		goto fail_ctx;
	sqlite3_bind_text(s, 1, runner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	if (left >= 0)
		sqlite3_bind_int64(s, 3, left);
	if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
		goto fail;
	if (left >= 0 &&
	    (st = rate_note(ctx, sqlite3_changes(store_db(ctx->store)))) != BPT_OK)
		goto fail;
	if ((st = store_commit(ctx, ctx->store)) != BPT_OK)
		return st;
	st = outbox_deliver_claimed(ctx, runner, stats);
	stats->dropped += dropped;
	return st;
fail_ctx:
	st = ctx->err;
fail:
	store_rollback(ctx->store);
	return st;
}

enum bpt_status
outbox_sent_to(struct bpt_ctx *ctx, const char *msgid, const char *rcpt,
    time_t since, int *sent)
{
	/* the unique msgid finds one outbox row, its rowids the rest */
	static const char sql[] = "SELECT 1 FROM outbox o CROSS JOIN deliveries d "
	    "ON d.id BETWEEN o.dfirst AND o.dlast WHERE o.msgid = ?1 "
	    "AND d.rcpt = ?2 COLLATE NOCASE AND d.state = 'sent' "
	    "AND d.sent_at >= ?3 LIMIT 1";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	int rc;

	*sent = 0;
	if (s == NULL)
		return ctx->err;
	sqlite3_bind_text(s, 1, msgid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, rcpt, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)since);
	rc = sqlite3_step(s);
	*sent = rc == SQLITE_ROW;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(ctx, ctx->store, rc, "look up a sent copy");
	return BPT_OK;
}

enum bpt_status
outbox_queue_each(struct bpt_ctx *ctx,
    int (*fn)(void *arg, const struct outbox_queued *q), void *arg)
{
	static const char sql[] = "SELECT d.id, o.kind, o.incident_id, d.rcpt, "
	    "d.state, d.attempts, d.next_at, d.last_reply FROM outbox o "
	    "CROSS JOIN deliveries d ON d.id BETWEEN o.dfirst AND o.dlast "
	    "WHERE o.open = 1 AND d.state IN ('queued', 'sending', 'deferred') "
	    "ORDER BY d.next_at, d.id";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	struct outbox_queued q;
	int rc;

	if (s == NULL)
		return ctx->err;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		q.id = sqlite3_column_int64(s, 0);
		q.kind = store_col_text(s, 1);
		q.incident = sqlite3_column_int64(s, 2);
		q.rcpt = store_col_text(s, 3);
		q.state = store_col_text(s, 4);
		q.attempts = sqlite3_column_int64(s, 5);
		q.next_at = (time_t)sqlite3_column_int64(s, 6);
		q.last_reply = (const char *)sqlite3_column_text(s, 7);
		if (fn(arg, &q) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(ctx, ctx->store, rc, "outbox queue");
	return BPT_OK;
}
