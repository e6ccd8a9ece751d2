/*
 * purge.h - the retention purge (bpt-export --purge): what the group
 * may keep of an incident once it is done with (AVG).
 *
 * A closed incident whose closing is more than retention.days ago,
 * and whose transcript reached the police (a signed export written to
 * a file, or mailed and delivered), loses its message texts, the
 * original messages, attachments, the contents of its mails in the
 * outbox and the addresses they went to, the subject, the plates and
 * every link to a member.  What bpt-report stats needs stays: the
 * number, the times, the 112 status, the message and delivery rows
 * (for their counts), whether there was an outcome, the export records
 * (without content).  An audit row says what went.
 *
 * An incident past the limit that never reached the police is kept
 * (retention.unexported: keep) or purged all the same (purge); either
 * way the admins get one mail per run that lists them.
 *
 * The store zeroes what it deletes, and after a purge its write-ahead
 * log is emptied, so that the file no longer holds the bytes: see
 * store_scrub().
 */
#ifndef BPT_PURGE_H
#define BPT_PURGE_H

#include <stddef.h>
#include <time.h>

#include "bpt.h"

struct purge_item {
	long long number;
	time_t closed_at;
	time_t exported_at;	/* the export that reached the police; 0: none */
	int purged;		/* 1: purged (would be, on a dry run); 0: kept */
	long long messages;	/* originals removed */
	long long bytes;	/* their size */
	long long attachments;
	long long deliveries;	/* delivery addresses removed */
};

struct purge_report {
	struct purge_item *items;
	size_t n;
	long long unexported;	/* past the limit, never at the police */
	long long admin_mails;	/* the one mail listing them (0 or 1) */
	int scrubbed;		/* the store was rebuilt */
	int dry_run;
};

/*
 * Runs the purge as of now (bpt_now()).  dry_run: finds and counts,
 * changes nothing and mails nobody.  runner: claim the admins' mail
 * for delivery now, or NULL.  Fills *r (release it with
 * purge_report_release() in every case).  Store errors, BPT_ENOMEM.
 */
enum bpt_status purge_run(struct bpt_ctx *ctx, int dry_run, const char *runner,
    struct purge_report *r);

void purge_report_release(struct purge_report *r);

#endif
