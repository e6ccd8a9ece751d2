/*
 * watch.h - nobody should believe an alert reached everyone when it did
 * not.  Run by bpt-send after its deliveries:
 *  - an alert with copies still undelivered delivery.undelivered_after
 *    after it came in (failed, deferred, or not yet tried) gets one
 *    notice to its reporter (how many members lack it) and one to the
 *    admins (who, by name);
 *  - a group copy whose deliveries are all settled with some failed
 *    (refused by the relay, or given up after delivery.max_age) gets one
 *    notice to the admins.
 * Each is sent once per copy; the notices are claimed by runner.
 */
#ifndef BPT_WATCH_H
#define BPT_WATCH_H

#include "bpt.h"

struct watch_result {
	long long undelivered;	/* alerts reported as not delivered to all */
	long long failed;	/* copies reported as failed for some */
};

enum bpt_status watch_run(struct bpt_ctx *ctx, const char *runner,
    struct watch_result *res);

#endif
