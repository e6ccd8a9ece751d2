/*
 * quorum.h - removals and bans "in overleg": with policy.ban_quorum N
 * above 1, a removal or ban by one admin is a proposal that waits
 * until N different admins agreed to it (bpt-member remove or ban, or
 * the same command by mail).  The member keeps receiving until then.
 * A removal without a reason is no judgement and is done at once.
 * Every proposal and every agreement is an audit row.  Own
 * transaction, or the caller's.
 */
#ifndef BPT_QUORUM_H
#define BPT_QUORUM_H

#include "bpt.h"
#include "member.h"

struct quorum_result {
	int done;		/* carried out: r is filled */
	int votes;		/* agreements so far */
	int needed;		/* policy.ban_quorum */
	int again;		/* this admin had agreed already */
};

/*
 * Removes (ban 0) or bans (ban 1) email with reason on behalf of
 * ctx->actor, or records the actor's agreement.  Errors as
 * member_remove() and member_ban(); BPT_EUSAGE without a reason when a
 * quorum is needed.  *r is filled when q->done.
 */
enum bpt_status quorum_decide(struct bpt_ctx *ctx, int ban, const char *email,
    const char *reason, struct quorum_result *q, struct member_report *r);

#endif
