/*
 * outbox.h - the outbox: rendered messages and one delivery row per
 * recipient (queued, sending, sent, deferred, failed, dropped).
 *
 * A runner (bpt-report after its commit, or bpt-send) claims rows by
 * setting them 'sending' under its runner id inside a write
 * transaction, hands them to the transport and records each result.
 * Two runners never hold the same row.  Rows of a runner that died
 * (its process is gone, or its claim is older than OUTBOX_LEASE) go
 * back to the queue, so a killed runner re-sends at most what it had
 * in flight.
 */
#ifndef BPT_OUTBOX_H
#define BPT_OUTBOX_H

#include <stddef.h>
#include <time.h>

#include "bpt.h"

#define OUTBOX_LEASE 900	/* seconds before another runner may take over */
#define OUTBOX_RUNNER_MAX 96

struct outbox_stats {
	long long sent;
	long long deferred;
	long long failed;
	long long dropped;
};

/* This process's runner id ("host:pid") into buf. */
void outbox_runner(char buf[OUTBOX_RUNNER_MAX]);

/*
 * Adds a rendered message; *id receives its row.  kind: alert, reply,
 * notice, admin, ...  incident and source may be 0.  env_from is the
 * envelope sender ("" for <>).  Inside the caller's transaction.
 */
enum bpt_status outbox_add(struct bpt_ctx *ctx, const char *kind,
    long long incident, long long source, const char *msgid,
    const char *env_from, const char *content, size_t len, long long *id);

/*
 * Delivery rows for every active member (not the list's own
 * addresses).  runner: claim them for immediate delivery by this
 * runner, or NULL to leave them queued for bpt-send.  *count may be
 * NULL.  Inside the caller's transaction.
 */
enum bpt_status outbox_to_members(struct bpt_ctx *ctx, long long outbox_id,
    const char *runner, long long *count);

/* Delivery rows for the active admins and coordinators. */
enum bpt_status outbox_to_admins(struct bpt_ctx *ctx, long long outbox_id,
    const char *runner, long long *count);

/* One delivery row to rcpt (member_id 0 when not a member). */
enum bpt_status outbox_to_address(struct bpt_ctx *ctx, long long outbox_id,
    long long member_id, const char *rcpt, const char *runner);

/*
 * Delivers every row runner has claimed, through the configured
 * transport, recording each result.  Outside any transaction.
 * Failures of the relay are results (deferred, failed), not errors;
 * an error status means the store or memory failed.
 */
enum bpt_status outbox_deliver_claimed(struct bpt_ctx *ctx, const char *runner,
    struct outbox_stats *stats);

/*
 * bpt-send: returns rows of dead runners to the queue, drops copies
 * for members who are no longer active, gives up on copies older than
 * delivery.max_age, claims everything due and delivers it.
 */
enum bpt_status outbox_run(struct bpt_ctx *ctx, struct outbox_stats *stats);

/*
 * 1 in *sent when the message with Message-ID msgid (without <>) was
 * handed to the relay for rcpt (compared without regard to case) at
 * since or later: the proof that a bounce naming rcpt and returning
 * msgid is about a copy bpt sent.  Store errors.
 */
enum bpt_status outbox_sent_to(struct bpt_ctx *ctx, const char *msgid,
    const char *rcpt, time_t since, int *sent);

/* One delivery that waits or is in flight; strings borrowed for the call. */
struct outbox_queued {
	long long id;
	const char *kind;
	long long incident;	/* 0: none */
	const char *rcpt;
	const char *state;	/* queued, sending, deferred */
	long long attempts;
	time_t next_at;
	const char *last_reply;	/* or NULL */
};

/*
 * `bpt-send --queue`: calls fn for each delivery not yet sent, due
 * first.  A non-zero return stops the walk.  Store errors.
 */
enum bpt_status outbox_queue_each(struct bpt_ctx *ctx,
    int (*fn)(void *arg, const struct outbox_queued *q), void *arg);

#endif
