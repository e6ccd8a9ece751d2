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
	const char *reply_to;		/* Reply-To address, or NULL */
};

/* Queues n; *queued (may be NULL) is the number of delivery rows. */
enum bpt_status notice_queue(struct bpt_ctx *ctx, const struct notice *n,
    long long *queued);

/*
 * Queues n (n->to must be set) with env_from as its envelope sender
 * instead of the bounce address.  Its delivery row names no member, so
 * that delivery.verp does not replace that sender.  msgid receives the
 * notice's Message-ID (COMPOSE_MSGID_MAX bytes, without <>).
 */
enum bpt_status notice_queue_from(struct bpt_ctx *ctx, const struct notice *n,
    const char *env_from, char *msgid);

/*
 * Where a notice about a mail goes, so that a notice never tells a
 * stranger whether an address is a member's (see bpt(7), "Who gets
 * what").  from is the address in From, env_from the envelope sender
 * (NULL when unknown: from stands in for it; "" is the null sender),
 * member the registered address of the member from names (NULL when
 * it names none, whatever their status).
 *
 *   - From names a member: the member's registered address, whatever
 *     the envelope sender.  A stranger who puts a member's address in
 *     From receives nothing; the member learns that their address was
 *     used.
 *   - Otherwise the envelope sender, and only when it is the From
 *     address.  Mail whose envelope sender differs from From gets no
 *     notice at all, so the stranger above receives nothing either way.
 *   - No From at all (or one that could not be read): the envelope
 *     sender, as for anyone; such a notice can name nobody.
 *
 * Never the null sender (then nobody), a mailer-daemon or postmaster,
 * nor an address of the list itself (list_addr, LOCAL-*, LOCAL+*).
 * Returns one of the arguments (borrowed), or NULL for nobody.
 */
const char *notice_answer_to(const char *list_addr, const char *env_from,
    const char *from, const char *member);

/*
 * 1 in *ok when a notice of kind may go to addr now, at most one per
 * interval seconds, and records that it goes.  Store errors.
 */
enum bpt_status notice_allowed(struct bpt_ctx *ctx, const char *addr,
    const char *kind, long interval, int *ok);

#endif
