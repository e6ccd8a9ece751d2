/*
 * hold.h - the moderation queue.
 *
 * A message that breaks a rule of the group (policy.h) is kept with
 * its rule and the evidence, and not passed on.  The sender is told
 * once, at their registered address only (notice_answer_to()), that an
 * admin will look; the admins get one notice per hold with the
 * evidence, the start of the text and the commands to decide.  An
 * admin approves a hold (the message goes out as if it had just come
 * in), rejects it (the sender is told), or it expires after
 * policy.hold_expiry (the sender is told).
 */
#ifndef BPT_HOLD_H
#define BPT_HOLD_H

#include <time.h>

#include "bpt.h"
#include "policy.h"

struct ingest_result;

struct hold {
	long long id;
	long long message;	/* the messages row */
	char *rule;		/* policy_rule_name() */
	char *evidence;		/* or NULL */
	char *state;		/* pending, approved, rejected, expired */
	char *notify;		/* where the sender is told; NULL: nobody */
	char *note;		/* an admin's reason for a rejection, or NULL */
	char *decided_by;	/* or NULL */
	time_t created_at, expires_at, decided_at;
	/* of its message */
	char *from;		/* From address, or NULL */
	char *from_name;	/* or NULL */
	char *subject;		/* or NULL */
	char *text;		/* the whole text, or NULL */
	long long incident;	/* once approved: the incident it joined */
};

void hold_release(struct hold *h);

/* What ingest knows when it holds a message (borrowed strings). */
struct hold_new {
	long long message;
	enum policy_rule rule;
	const char *evidence;	/* or NULL */
	const char *notify;	/* the sender's registered address, or NULL */
	long long member_id;	/* 0: none */
	const char *name;	/* how to greet the sender */
	const char *from;	/* for the admins: "Name <address>" */
	const char *subject;	/* or NULL */
	const char *text;	/* the message's text */
	const char *in_reply_to;	/* its Message-ID, for the notices */
	int is_alert;		/* a new alert, not a reply */
	const char *runner;	/* claim the notices for delivery now, or NULL */
};

/*
 * Holds message n->message: the row, one notice to n->notify (unless
 * NULL) and one to the admins.  *id (may be NULL) gets the hold's id.
 * Inside the caller's write transaction.
 */
enum bpt_status hold_add(struct bpt_ctx *ctx, const struct hold_new *n,
    long long *id);

/* Hold id into *out (release it).  BPT_ENOENT when there is none. */
enum bpt_status hold_get(struct bpt_ctx *ctx, long long id, struct hold *out);

/* Calls fn for each pending hold (all holds with all), oldest first;
 * a non-zero return of fn stops the walk. */
enum bpt_status hold_each(struct bpt_ctx *ctx, int all,
    int (*fn)(void *arg, const struct hold *h), void *arg);

/*
 * Marks pending hold id as state ("approved", "rejected", "expired")
 * by actor, with note (may be NULL).  BPT_EDATA when it is not
 * pending.  Inside the caller's write transaction.
 */
enum bpt_status hold_decide(struct bpt_ctx *ctx, long long id,
    const char *state, const char *actor, const char *note);

/* Marks pending hold id approved by actor, the message having joined
 * incident (0: none), with its audit row.  Inside the caller's write
 * transaction; used by ingest_approve(). */
enum bpt_status hold_approved(struct bpt_ctx *ctx, long long id,
    const char *actor, long long incident);

/*
 * An admin's decisions.  actor is the deciding admin's address (NULL:
 * ctx->actor); the caller checked that they may (actor_check()).  Each
 * runs in a transaction of its own with its audit row.
 *
 * hold_approve() processes the held message as if it had just come in,
 * without the rules of the group (it is threaded, its 112 status and
 * plates are read, a held new alert opens its incident now); with
 * deliver the copies are claimed for ingest_deliver(ctx, r), by runner
 * when it is not NULL (a run under way), else by a new one.
 * hold_reject() tells the sender (reason, may be NULL, is quoted);
 * runner (may be NULL) claims that notice for delivery now.  Inside a
 * transaction of the caller (a command by mail) both work in a
 * savepoint of it.  BPT_ENOENT: no such hold; BPT_EDATA: it is no
 * longer pending.
 */
enum bpt_status hold_approve(struct bpt_ctx *ctx, long long id,
    const char *actor, int deliver, const char *runner,
    struct ingest_result *r);
enum bpt_status hold_reject(struct bpt_ctx *ctx, long long id,
    const char *actor, const char *reason, const char *runner);

/*
 * Expires every pending hold older than policy.hold_expiry and tells
 * each sender; *count (may be NULL) gets how many.  runner as above.
 * Run by bpt-send and bpt-close --idle.
 */
enum bpt_status hold_expire(struct bpt_ctx *ctx, const char *runner,
    long long *count);

#endif
