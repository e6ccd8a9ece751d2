/*
 * close.h - the end of an incident and what came of it (bpt-close).
 *
 * Steps 5 and 7 of the group's procedure: an admin says the
 * conversation is over, and later tells the group whether it had a
 * concrete result.  Each step is one transaction that changes the
 * incident, adds an audit row (actor: ctx->actor) and queues one mail
 * to every active member in the incident's thread, through the same
 * outbox as an alert; close_deliver() then hands those copies to the
 * relay at once, and what the relay defers stays for bpt-send.
 *
 * Every call appends what it did (or, for a dry run, would do) to a
 * struct close_run, which the caller prints.  A dry run does all the
 * work and rolls it back: nothing is written and nothing sent.
 */
#ifndef BPT_CLOSE_H
#define BPT_CLOSE_H

#include <stddef.h>
#include <time.h>

#include "bpt.h"
#include "outbox.h"

#define CLOSE_REMIND_MAX 3		/* reminders per incident at most */
#define CLOSE_REMIND_EVERY (7 * 86400)	/* a week between reminders */
/* A daily job at a fixed hour starts a little earlier or later each
 * day; a reminder a little less than a week old counts as a week old. */
#define CLOSE_REMIND_SLACK 3600

struct close_item {
	long long number;
	const char *action;	/* static: close, reopen, outcome, remind, none */
	const char *why;	/* static, for "none": why nothing was done */
	char *subject;		/* owned */
	char *text;		/* owned: the reason, or the outcome; or NULL */
	int result;		/* enum inc_result of an outcome, or -1 */
	time_t closed_at;	/* 0 while open */
	int reminder;		/* remind: which reminder this is (1..) */
	int exported;		/* remind: sent to the police */
	long long recipients;	/* delivery rows queued */
};

struct close_run {
	int dry_run;
	int deliver;		/* claim copies for close_deliver() */
	const char *by_name;	/* shown to members as who acted; NULL: none */
	struct close_item *items;
	size_t n, alloc;
	char runner[OUTBOX_RUNNER_MAX];
	struct outbox_stats sent;	/* what close_deliver() did */
	int nested;		/* the step runs in a savepoint of the
				   caller's transaction (store_enter()) */
};

/* Starts an empty run; by_name is borrowed for the run's life. */
void close_run_init(struct close_run *r, int dry_run, int deliver,
    const char *by_name);
void close_run_release(struct close_run *r);

/*
 * Closes incident number with reason (NULL: none) and tells every
 * active member.  An incident closed already is item "none" (nothing
 * written, nothing sent).  BPT_ENOENT when there is none; BPT_EUSAGE
 * for a reason that is not one line of text; store errors.
 */
enum bpt_status close_incident(struct bpt_ctx *ctx, struct close_run *r,
    long long number, const char *reason);

/* Opens a closed incident again and tells the members in one line. */
enum bpt_status close_reopen(struct bpt_ctx *ctx, struct close_run *r,
    long long number);

/*
 * Records the outcome of incident number (text, and result: an enum
 * inc_result) and mails it to every active member.  A second outcome
 * replaces the first and is mailed too; the same text and result again
 * is item "none".  BPT_EUSAGE for an empty text or a bad result.
 */
enum bpt_status close_outcome(struct bpt_ctx *ctx, struct close_run *r,
    long long number, const char *text, int result);

/*
 * Closes every open incident whose last message is older than idle
 * seconds, with the reason "geen nieuwe berichten" (in the group's
 * language), each as close_incident() does.
 */
enum bpt_status close_idle(struct bpt_ctx *ctx, struct close_run *r, long idle);

/*
 * One mail to the admins and coordinators listing every closed
 * incident without an outcome after followup.outcome_after that is
 * due a reminder (CLOSE_REMIND_MAX at most, CLOSE_REMIND_EVERY apart),
 * those sent to the police first, each with the command that records
 * its outcome.  Nothing when none is due, or when there is no active
 * admin or coordinator (then nothing is counted either).
 */
enum bpt_status close_remind(struct bpt_ctx *ctx, struct close_run *r);

/*
 * Hands the copies the run claimed to the relay; failures of the relay
 * are results (deferred: bpt-send retries), an error is the store's.
 * Nothing for a dry run or a run without deliver.
 */
enum bpt_status close_deliver(struct bpt_ctx *ctx, struct close_run *r);

#endif
