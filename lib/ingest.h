/*
 * ingest.h - the path of an incoming mail.
 *
 *   store the raw bytes (committed) -> parse -> classify -> one
 *   transaction { message, incident, copies, deliveries } -> commit
 *   -> the caller may now exit 0 -> deliver (best effort)
 *
 * A message already processed (same SHA-256 of the raw bytes, or the
 * same Message-ID from the same sender within a day: a relay may add a
 * Received or Delivered-To header when it retries) is not processed
 * again: the MTA retried after a crash or a lost exit code.
 * A message whose earlier runs died on it is quarantined: kept, marked,
 * the admins told once, and acknowledged, so it does not block the
 * queue.  It takes limits.parse_attempts runs that crashed or timed out
 * (each recorded that itself, see runmark.h), or limits.unfinished_runs
 * runs killed from outside after parsing it for over a second.  A run
 * that fails cleanly (store busy, disk full, out of memory) or is
 * killed sooner counts for nothing.
 */
#ifndef BPT_INGEST_H
#define BPT_INGEST_H

#include <signal.h>
#include <stddef.h>

#include "bpt.h"
#include "outbox.h"

struct ingest_opts {
	const char *envelope_from;	/* envelope sender from the MTA, or NULL */
	const char *envelope_to;	/* original recipient from the MTA, or NULL */
	size_t total;			/* size as received (raw may be cut) */
	int truncated;			/* raw holds only the first bytes */
	int deliver;			/* claim the copies for ingest_deliver() */
	const char *runner;		/* with deliver: claim them for this
					 * runner (a run already under way)
					 * instead of a new one; or NULL */
	/*
	 * NULL, or where a signal handler finds the run file to write to
	 * (runmark_note()) when the run crashes or times out: the library
	 * makes a run file and sets this to its descriptor while it parses
	 * and classifies the message, and to -1 while it waits for the
	 * store or commits.  Without it no run file is made.
	 */
	volatile sig_atomic_t *guard;
};

struct ingest_result {
	long long message;		/* row in messages */
	long long incident;		/* 0 when the mail joined none */
	const char *class;		/* static: post, reply, loop, bounce, ... */
	const char *why;		/* static: the rule that decided, or NULL */
	int duplicate;			/* seen before: nothing new was done */
	long long copies;		/* deliveries queued for the group */
	long long notices;		/* notices queued */
	struct outbox_stats sent;	/* what ingest_deliver() did */
	char runner[OUTBOX_RUNNER_MAX];	/* who holds the claimed copies */
};

/*
 * Processes one message raw[0..len).  Returns BPT_OK only when the
 * message is committed to the store (whatever its class): the caller
 * may acknowledge it.  BPT_EBUSY, BPT_ENOSPC, BPT_ENOMEM: nothing was
 * committed for this attempt, the MTA should retry (75).
 */
enum bpt_status ingest_message(struct bpt_ctx *ctx, const char *raw, size_t len,
    const struct ingest_opts *o, struct ingest_result *r);

/*
 * Processes quarantined message id again, as ingest_message() does a
 * mail that just came in (with the envelope and size stored with it;
 * o gives deliver and guard), and records who released it (ctx->actor)
 * in the audit trail, in the same transaction.  BPT_ENOENT when there
 * is no such message, BPT_EDATA when it is not quarantined; otherwise
 * as ingest_message().  A run that crashes again leaves it quarantined.
 */
enum bpt_status ingest_release(struct bpt_ctx *ctx, long long id,
    const struct ingest_opts *o, struct ingest_result *r);

/*
 * Processes the message of pending hold hold_id as ingest_message()
 * does a mail that just came in, without the rules of the group (an
 * admin let it through), and marks the hold approved by actor (NULL:
 * ctx->actor) with its audit row, in the same transaction.  With
 * deliver the copies are claimed for ingest_deliver(), by runner when
 * it is not NULL.  Inside a transaction of the caller (a command by
 * mail) it runs in a savepoint of it.  BPT_ENOENT when there is no
 * such hold, BPT_EDATA when it is no longer pending.  hold_approve()
 * (hold.h) is the way in for admins.
 */
enum bpt_status ingest_approve(struct bpt_ctx *ctx, long long hold_id,
    const char *actor, int deliver, const char *runner,
    struct ingest_result *r);

/*
 * After a successful ingest_message() with o->deliver: hands the copies
 * it claimed to the relay (for a duplicate: whatever is due).  Failures
 * of the relay are recorded for bpt-send; an error status means the
 * store failed, and the copies stay claimed until bpt-send takes them.
 */
enum bpt_status ingest_deliver(struct bpt_ctx *ctx, struct ingest_result *r);

#endif
