/*
 * views.h - how the tools print what lib/ returns: one function per
 * kind of record, through the printer (text, tsv, json), so that every
 * tool prints a record the same way.  The columns are documented in
 * the tools' man pages.
 */
#ifndef BPT_VIEWS_H
#define BPT_VIEWS_H

#include <stdio.h>

#include "bpt.h"

struct printer;
struct incident_filter;
struct stats_report;
struct close_run;
struct msgshow;

/* `bpt-report list`: the incidents f lets through, newest first. */
enum bpt_status view_incidents(struct bpt_ctx *ctx, struct printer *p,
    const struct incident_filter *f);

/* `bpt-report show N`: one incident, its copies and its messages. */
enum bpt_status view_incident(struct bpt_ctx *ctx, struct printer *p,
    long long number);

/* `bpt-report stats`: the period's totals and its months. */
void view_stats(struct printer *p, const struct stats_report *r);

/* `bpt-send --queue`: the deliveries that wait. */
enum bpt_status view_queue(struct bpt_ctx *ctx, struct printer *p);

/* `bpt-report held`: the pending holds (all of them with all). */
enum bpt_status view_holds(struct bpt_ctx *ctx, struct printer *p, int all);

/* `bpt-close`: what was done (or would be, for a dry run). */
void view_close_run(struct printer *p, const struct close_run *r);

/*
 * `bpt-report message ID`: a short header summary, the attachments,
 * then the text (json: every field and "text").
 */
void view_message(struct printer *p, const struct msgshow *m);

/* --raw: the bytes as stored, as they are; -1 when a write failed. */
int view_message_raw(FILE *out, const struct msgshow *m);

/* --text: the text alone, or why there is none. */
const char *message_text(const struct msgshow *m);

#endif
