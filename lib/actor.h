/*
 * actor.h - who acts: the admin or coordinator a command runs for.
 *
 * Commands that act for the group (changing members on someone's
 * behalf) name their actor with --as EMAIL, or are run under a login
 * name that a member's row links to (members.login).  Either way the
 * actor must be an active admin or coordinator of the store; that
 * member's address is what the audit trail records.
 */
#ifndef BPT_ACTOR_H
#define BPT_ACTOR_H

#include "bpt.h"

struct actor {
	long long id;		/* the member */
	char *email;		/* owned */
	char *name;		/* owned; "" when unknown */
};

void actor_release(struct actor *a);

/*
 * Checks who acts: the member with address as, or (as NULL) the member
 * whose login is login.  Fills *out and sets ctx->actor to the member's
 * address.  BPT_EPERM (77) when as names no member, a member who is not
 * an active admin or coordinator, or when no member has that login;
 * nothing is changed then.  BPT_ENOMEM, store errors.
 */
enum bpt_status actor_check(struct bpt_ctx *ctx, const char *as,
    const char *login, struct actor *out);

#endif
