/*
 * quarantine.h - phase A of the path of a mail, and the way back out of
 * quarantine.
 *
 * Phase A commits a mail's raw bytes before anything parses them, or
 * finds them stored by an earlier run.  A row still 'new' belongs to a
 * mail whose earlier runs never finished: what the run files of the
 * dead ones say (runmark.h) is added to its counts in the same
 * transaction, and a mail that limits.parse_attempts runs crashed or
 * timed out on, or that limits.unfinished_runs runs were killed on
 * after parsing it for over a second, is quarantined and the admins
 * are told.  Nothing else counts: a run that failed cleanly left no
 * run file, and one killed sooner left an empty one.
 */
#ifndef BPT_QUARANTINE_H
#define BPT_QUARANTINE_H

#include <stddef.h>

#include "bpt.h"
#include "buf.h"
#include "ingest.h"

enum quarantine_seen {
	QUARANTINE_NEW,		/* stored by this run */
	QUARANTINE_RETRY,	/* stored before and not finished: go on */
	QUARANTINE_DONE,	/* finished or quarantined before */
	QUARANTINE_NOW,		/* quarantined by this run */
};

/* A mail as it came in; everything borrowed. */
struct quarantine_mail {
	const char *sha;		/* hex SHA-256 of raw */
	const char *raw;
	size_t len;
	const struct ingest_opts *o;	/* envelope, size as received */
	const char *runner;		/* who claims the notice, or NULL */
};

/*
 * Phase A for m in one transaction: sets r->message (and for
 * QUARANTINE_NOW r->class, r->why and r->notices) and *seen.  Run
 * files read are removed before the commit, so a failed commit loses
 * them and never counts them twice.  BPT_EBUSY, BPT_ENOSPC, BPT_ENOMEM
 * and others from the store: nothing was committed.
 */
enum bpt_status quarantine_admit(struct bpt_ctx *ctx,
    const struct quarantine_mail *m, struct ingest_result *r,
    enum quarantine_seen *seen);

#endif
