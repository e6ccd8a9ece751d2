/*
 * stats.h - the year in numbers (bpt-report stats): what a coordinator
 * reports to the municipality and the neighbourhood police officer.
 *
 * Everything is computed from what a purge of message texts keeps:
 * the incident rows (times, the 112 status, the outcome's category, the
 * copies counted), and the audit trail for the members.  Never from a
 * message's text.
 *
 * Months are calendar months in local time.  An incident counts in the
 * month it was opened, with everything that happened to it later.
 * Members are counted as they stood at the end of each month (for the
 * month still running: now; for the total: at the end of the period).
 */
#ifndef BPT_STATS_H
#define BPT_STATS_H

#include <stddef.h>
#include <time.h>

#include "bpt.h"
#include "incident.h"

struct stats_row {
	char month[8];			/* "2026-03"; "" for the total */
	time_t from, to;		/* [from, to) */
	long long incidents;		/* opened */
	long long called_yes, called_no, called_unknown;	/* 112 */
	long long replied;		/* incidents with a reply */
	long long reply_median;		/* seconds from alert to first reply; -1: none */
	long long reply_p90;
	long long closed;
	long long close_median;		/* seconds from alert to close; -1: none */
	long long results[INCRES_MAX];	/* outcomes by category */
	long long no_outcome;		/* closed without an outcome */
	long long members_active, members_suspended, members_removed,
	    members_banned;
	long long copies_sent, copies_failed;
};

struct stats_report {
	time_t from, to;		/* the period, [from, to) */
	struct stats_row *months;	/* oldest first */
	size_t nmonths;
	struct stats_row total;
};

/*
 * Fills *out (release with stats_report_release()) for [from, to):
 * from 0 is the first month with an incident or a member; to 0 is now.
 * BPT_EUSAGE when to is not after from; BPT_ENOMEM; store errors.
 */
enum bpt_status stats_compute(struct bpt_ctx *ctx, time_t from, time_t to,
    struct stats_report *out);

void stats_report_release(struct stats_report *r);

/*
 * The pct-th percentile of v[0..n) by the nearest-rank method: the
 * smallest value with at least pct percent of the values at or below
 * it (the median is pct 50: of an even number of values, the lower
 * middle one).  Sorts v.  -1 when n is 0.
 */
long long stats_percentile(long long *v, size_t n, int pct);

#endif
