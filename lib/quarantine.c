/* quarantine.c - phase A: raw bytes committed, deaths counted; release. */
#include "bptconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "notice.h"
#include "quarantine.h"
#include "runmark.h"
#include "store.h"
#include "template.h"
#include "util.h"

/* The admins' notice; killed is the count of unfinished runs, or 0. */
static enum bpt_status
notify(struct bpt_ctx *ctx, const struct quarantine_mail *m,
    struct ingest_result *r, long attempts, const struct runmark_tally *t,
    long killed)
{
	char num[32], att[32], when[32], sig[16], kil[32];
	struct tvar v[] = {
		{ "group", ctx->cfg->group.name }, { "message", num },
		{ "attempts", att }, { "sha256", m->sha }, { "received", when },
		{ "signal", t->signal > 0 ? sig : NULL },
		{ "timeout", t->timeout ? "1" : NULL },
		{ "killed", killed > 0 ? kil : NULL },
	};
	struct notice nt = {
		.tpl = "admin-quarantine",
		.vars = v,
		.nvars = sizeof(v) / sizeof(v[0]),
		.source = r->message,
		.runner = m->runner,
	};
	enum bpt_status st;

	snprintf(num, sizeof(num), "%lld", r->message);
	snprintf(att, sizeof(att), "%ld", attempts);
	snprintf(sig, sizeof(sig), "%d", t->signal);
	snprintf(kil, sizeof(kil), "%ld", killed);
	util_time_short(cfg_timezone(ctx->cfg), bpt_now(ctx), when);
	if ((st = notice_queue(ctx, &nt, NULL)) == BPT_OK)
		r->notices++;
	return st;
}

/*
 * Why a row is quarantined, for its notes and the log: crashes and
 * unfinished are the stored counts plus those just read (t).
 */
static void
why(const struct bpt_config *cfg, const struct runmark_tally *t, long crashes,
    long unfinished, struct ingest_result *r, char *notes, size_t n)
{
	if (crashes >= cfg->limits.parse_attempts && t->signal > 0) {
		snprintf(notes, n, "a run crashed on it: signal %d", t->signal);
		r->why = "a run crashed on it";
	} else if (crashes >= cfg->limits.parse_attempts && t->timeout) {
		snprintf(notes, n, "a run timed out on it: limits.parse_timeout");
		r->why = "a run timed out on it";
	} else if (crashes >= cfg->limits.parse_attempts) {
		snprintf(notes, n, "runs crashed or timed out on it: %ld", crashes);
		r->why = "runs crashed or timed out on it";
	} else {
		snprintf(notes, n, "runs killed while parsing it: %ld", unfinished);
		r->why = "runs were killed while parsing it";
	}
}

enum bpt_status
quarantine_admit(struct bpt_ctx *ctx, const struct quarantine_mail *m,
    struct ingest_result *r, enum quarantine_seen *seen)
{
	static const char find[] = "SELECT id, state, attempts, crashes, unfinished "
	    "FROM messages WHERE sha256 = ? ORDER BY id LIMIT 1";
	static const char again[] = "UPDATE messages SET attempts = attempts + 1, "
	    "crashes = ?2, unfinished = ?3, attempt_pid = ?4 WHERE id = ?1";
	static const char quarantine[] = "UPDATE messages SET state = 'quarantined', "
	    "class = 'quarantined', crashes = ?2, unfinished = ?3, notes = ?4 "
	    "WHERE id = ?1";
	static const char ins[] = "INSERT INTO messages(sha256, raw, size, truncated, "
	    "received_at, envelope_from, envelope_to, attempts, attempt_pid) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)";
	const struct bpt_config *cfg = ctx->cfg;
	struct runmark_tally t;
	enum bpt_status st;
	sqlite3_stmt *s;
	long attempts = 0, crashes = 0, unfinished = 0;
	char notes[96];
	int rc;

	*seen = QUARANTINE_NEW;
	memset(&t, 0, sizeof(t));
	if ((st = store_begin(ctx, ctx->store)) != BPT_OK)
		return st;
	if ((s = store_prepare(ctx, ctx->store, find)) == NULL)
		goto fail;
	sqlite3_bind_text(s, 1, m->sha, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		r->message = sqlite3_column_int64(s, 0);
		*seen = strcmp(store_col_text(s, 1), "new") != 0 ? QUARANTINE_DONE :
		    QUARANTINE_RETRY;
		attempts = sqlite3_column_int(s, 2);
		crashes = sqlite3_column_int(s, 3);
		unfinished = sqlite3_column_int(s, 4);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(ctx, ctx->store, rc, "look up message");
		goto fail;
	}
	if (*seen == QUARANTINE_RETRY) {
		if ((st = runmark_collect(ctx, m->sha, &t)) != BPT_OK)
			goto fail_st;
		crashes += t.crashes;
		unfinished += t.unfinished;
		if (crashes >= cfg->limits.parse_attempts ||
		    unfinished >= cfg->limits.unfinished_runs)
			*seen = QUARANTINE_NOW;
	}
	switch (*seen) {
	case QUARANTINE_DONE:
		store_rollback(ctx->store);
		/* what runs killed between their commit and their end left */
		(void)runmark_collect(ctx, m->sha, NULL);
		return BPT_OK;
	case QUARANTINE_NOW:
		why(cfg, &t, crashes, unfinished, r, notes, sizeof(notes));
		if ((s = store_prepare(ctx, ctx->store, quarantine)) == NULL)
			goto fail;
		store_bind_text(s, 4, notes);
		break;
	case QUARANTINE_RETRY:
		if ((s = store_prepare(ctx, ctx->store, again)) == NULL)
			goto fail;
		sqlite3_bind_int64(s, 4, (sqlite3_int64)getpid());
		break;
	case QUARANTINE_NEW:
		if ((s = store_prepare(ctx, ctx->store, ins)) == NULL)
			goto fail;
		sqlite3_bind_text(s, 1, m->sha, -1, SQLITE_STATIC);
		sqlite3_bind_blob(s, 2, m->len ? m->raw : "", (int)m->len, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, (sqlite3_int64)(m->o->total > m->len ?
		    m->o->total : m->len));
		sqlite3_bind_int(s, 4, m->o->truncated);
		sqlite3_bind_int64(s, 5, bpt_now(ctx));
		store_bind_text(s, 6, m->o->envelope_from);
		store_bind_text(s, 7, m->o->envelope_to);
		sqlite3_bind_int64(s, 8, (sqlite3_int64)getpid());
		break;
	}
	if (*seen != QUARANTINE_NEW) {
		sqlite3_bind_int64(s, 1, r->message);
		sqlite3_bind_int64(s, 2, crashes);
		sqlite3_bind_int64(s, 3, unfinished);
	}
	if (store_step_done(ctx, ctx->store, s) != BPT_OK)
		goto fail;
	if (*seen == QUARANTINE_NEW)
		r->message = sqlite3_last_insert_rowid(store_db(ctx->store));
	if (*seen == QUARANTINE_NOW) {
		r->class = "quarantined";
		st = notify(ctx, m, r, attempts, &t,
		    crashes >= cfg->limits.parse_attempts ? 0 : unfinished);
		if (st != BPT_OK)
			goto fail_st;
	}
	return store_commit(ctx, ctx->store);
fail:
	st = ctx->err;
fail_st:
	store_rollback(ctx->store);
	return st;
}

