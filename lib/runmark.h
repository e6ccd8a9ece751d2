/*
 * runmark.h - what a run leaves behind when it dies on a message: the
 * evidence of the mail-of-death guard.
 *
 * Before it parses a message, a run of bpt-report creates an empty run
 * file STORE-runs/SHA.PID (SHA: the SHA-256 of the raw bytes, PID: its
 * process id) and removes it again when it is done with the message:
 * after the commit, and after a clean failure (store busy, disk full,
 * out of memory).  Only a run that dies leaves its file, and what the
 * file says tells how it died:
 *
 *   "signal N"   it crashed (the handler of signal N wrote this);
 *   "timeout"    limits.parse_timeout ran out while it parsed or
 *                classified the message;
 *   "slow"       it had been parsing or classifying the message for
 *                more than a second (written by a once-a-second timer);
 *   nothing      it was killed from outside before that (the OOM
 *                killer, a service stop): not the message's fault.
 *
 * The next run of the same message reads the files of dead runs into
 * the store (runmark_collect()).  The lines are written by signal
 * handlers with runmark_note(), which only calls write(2); the file is
 * open before parsing starts, so a handler needs nothing else.
 */
#ifndef BPT_RUNMARK_H
#define BPT_RUNMARK_H

#include "bpt.h"

/* runmark_note() arguments besides a signal number */
#define RUNMARK_SLOW	(-1)
#define RUNMARK_TIMEOUT	(-2)

struct runmark {
	int fd;		/* the open run file, or -1 */
	char *path;	/* owned; NULL when there is no file */
};

#define RUNMARK_INIT { -1, NULL }

/* What the files of dead runs of one message said. */
struct runmark_tally {
	long crashes;		/* "signal N" or "timeout" */
	long unfinished;	/* "slow" alone */
	long early;		/* empty: killed early, not counted */
	int signal;		/* the signal of a crash, 0 if none */
	int timeout;		/* 1 when a run timed out */
};

/*
 * Creates this process's run file for the message with the hex SHA-256
 * sha, beside ctx->store, making the folder (mode 0700) when needed.
 * BPT_ECREATE (with the reason in ctx), BPT_ENOSPC or BPT_ENOMEM; rm
 * is left empty then.
 */
enum bpt_status runmark_open(struct bpt_ctx *ctx, const char *sha,
    struct runmark *rm);

/* Removes the run file and closes it; rm is empty again.  A no-op on
 * an empty rm. */
void runmark_close(struct runmark *rm);

/*
 * Appends RUNMARK_SLOW, RUNMARK_TIMEOUT or "signal WHAT" (WHAT > 0) to
 * the run file open on fd.  Async-signal-safe: write(2) only.
 */
void runmark_note(int fd, int what);

/*
 * Reads and removes the run files of the message sha whose processes
 * are gone, adding what they said to *t (zeroed first; t may be NULL to
 * only remove them).  Files of live processes are left alone, and so
 * is one that cannot be read.  BPT_ENOMEM; a missing folder is BPT_OK.
 */
enum bpt_status runmark_collect(struct bpt_ctx *ctx, const char *sha,
    struct runmark_tally *t);

#endif
