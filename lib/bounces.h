/*
 * bounces.h - what a bounce does to a member.
 *
 * Every failed recipient of a bounce is recorded.  It counts against a
 * member only when it proves that it is about a copy bpt sent to that
 * member (bounces.verified):
 *   - it came to the member's VERP address LOCAL-bounces+TOKEN@DOMAIN
 *     (members.token, which nobody else sees), or
 *   - it returns the Message-ID of a copy handed to the relay for the
 *     address it names within delivery.bounce_window (a stranger never
 *     sees those ids).  With delivery.verp on, copies carry the token,
 *     and a report without it proves nothing.
 * Anything else is kept with counted = 0 and bounces.why saying what
 * was missing.  A proven permanent failure that is the address's own
 * fault (bounce.h) counts, at most once a day per member.
 *
 * When a member's count within delivery.bounce_window reaches
 * delivery.bounce_limit, bpt sends them one probe, a short mail with
 * an envelope sender of its own, LOCAL-bounces+PROBETOKEN@DOMAIN
 * (probes.token; verp or not), and tells the admins.  Only a bounce of
 * the probe suspends the member (reason "bounces", actor "bpt"; the
 * admins are told).  A probe not bounced within BOUNCES_PROBE_WAIT
 * resets the count.  An admin's reinstatement resets it as well.
 */
#ifndef BPT_BOUNCES_H
#define BPT_BOUNCES_H

#include "bpt.h"

struct mail;

/* How long a probe waits for its bounce: after that the count restarts. */
#define BOUNCES_PROBE_WAIT (7 * 86400L)
/* A member's bounces count at most once within this. */
#define BOUNCES_ONCE_PER 86400L

struct bounces_result {
	int recipients;		/* failed recipients recorded */
	int verified;		/* of those, proven to be about our copy */
	int counted;		/* of those, counted against a member */
	int probes;		/* probes sent now */
	int suspended;		/* members suspended now */
};

/*
 * Records bounce m (stored as message row source).  env_to is the
 * envelope recipient (a VERP address names the member or the probe);
 * runner claims the probe and the admin notices for delivery now (or
 * NULL).  Inside the caller's write transaction.  Store errors,
 * BPT_ENOMEM.
 */
enum bpt_status bounces_record(struct bpt_ctx *ctx, const struct mail *m,
    const char *env_to, long long source, const char *runner,
    struct bounces_result *res);

#endif
