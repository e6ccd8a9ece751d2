/*
 * notice.h - automatic mail to one person or to the admins: a
 * rendered template, composed (Auto-Submitted: auto-replied), put in
 * the outbox with its delivery rows.  Sent from the list's bounce
 * address, so that what bounces comes back to bpt and is never
 * answered.  Callers hold a write transaction.
 */
#ifndef BPT_NOTICE_H
#define BPT_NOTICE_H

#include <stddef.h>

#include "bpt.h"
#include "template.h"

struct notice {
	const char *tpl;		/* template name */
	const struct tvar *vars;
	size_t nvars;
	const char *to;			/* one address; NULL: the admins */
	long long member_id;		/* the member to is, or 0 */
	long long incident;		/* 0: none */
	long long source;		/* the message it answers, or 0 */
	const char *in_reply_to;	/* Message-ID it answers, or NULL */
	const char *runner;		/* claim for delivery now, or NULL */
};

/* Queues n; *queued (may be NULL) is the number of delivery rows. */
enum bpt_status notice_queue(struct bpt_ctx *ctx, const struct notice *n,
    long long *queued);

/*
 * 1 in *ok when a notice of kind may go to addr now, at most one per
 * interval seconds, and records that it goes.  Store errors.
 */
enum bpt_status notice_allowed(struct bpt_ctx *ctx, const char *addr,
    const char *kind, long interval, int *ok);

#endif
