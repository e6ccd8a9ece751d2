/*
 * classify.h - what an incoming mail is, decided in one place.
 *
 * A pure function of the message, what is known of its sender and the
 * configuration (with the few facts only the store knows looked up
 * before: the sender's recent messages, the incident the mail answers).
 * The order is that of DESIGN.md: over the size limit, loop, bounce,
 * auto-reply, over a parsing limit, command (the request address),
 * sender not an active member, policy hold, reply to a closed
 * incident, reply to an open one, otherwise a new incident.
 */
#ifndef BPT_CLASSIFY_H
#define BPT_CLASSIFY_H

#include "buf.h"
#include "policy.h"

struct bpt_config;
struct mail;
struct member;
struct words;

enum classify_class {
	CLS_TOOLARGE,	/* past policy.max_message_size (raw cut off) */
	CLS_LOOP,
	CLS_BOUNCE,
	CLS_AUTOREPLY,
	CLS_MALFORMED,	/* over a parsing limit */
	CLS_COMMAND,	/* to the request address */
	CLS_NONMEMBER,	/* refused: not an active member */
	CLS_HELD,	/* broke a rule: waits for an admin */
	CLS_REJECTED,	/* broke a rule whose action is reject */
	CLS_CLOSED,	/* answers a closed incident */
	CLS_REPLY,	/* answers an open incident */
	CLS_POST,	/* a new incident */
};

struct classify_in {
	const struct bpt_config *cfg;
	const struct mail *m;
	const char *env_to;		/* envelope recipient, or NULL */
	int truncated;			/* only the first bytes were kept */
	const struct member *sender;	/* the member From names, or NULL */
	const struct words *words;	/* NULL: no language check */
	long recent;			/* sender's messages in the hour before */
	long long thread;		/* incident it answers, 0: none */
	int thread_closed;		/* that incident is closed */
	int approved;			/* an admin let it through: no rule */
};

struct classify_out {
	enum classify_class cls;
	const char *why;		/* static: the rule that decided */
	enum policy_rule rule;		/* for CLS_HELD and CLS_REJECTED */
	int automatic;			/* never answer the sender */
	struct buf evidence;		/* what broke the rule (BUF_INIT it) */
};

/* Decides out->cls for in.  Never fails; out->evidence may have run
 * out of memory (buf_failed()). */
void classify(const struct classify_in *in, struct classify_out *out);

/* "post", "reply", "held", ...: as the message row and bpt-report -v
 * show it; static. */
const char *classify_str(enum classify_class c);

/* 1 when rcpt is the list's request address (LOCAL-request@DOMAIN). */
int classify_is_request(const struct bpt_config *cfg, const char *rcpt);

#endif
