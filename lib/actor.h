/*
 * actor.h - who acts: the admin or coordinator a command runs for.
 *
 * Commands that act for the group (closing an incident, recording its
 * outcome, changing members on someone's behalf) name their actor with
 * --as EMAIL, or are run under a login name that a member's row links
 * to (bpt-member set EMAIL --login NAME).  Either way the actor must be
 * an active admin or coordinator of the store; that member's address
 * is what the audit trail records.
 */
#ifndef BPT_ACTOR_H
#define BPT_ACTOR_H

#include "bpt.h"

struct member_change;
struct member_report;

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

/*
 * `bpt-member set EMAIL ... --login NAME`: the fields of ch (when
 * fields is set, through member_set()) and the login name in one
 * transaction, each change with its audit row.  login "" unlinks the
 * login.  A login is one word of at most 64 printable ASCII
 * characters, linked to one member at most: BPT_EDATA otherwise.
 * ch->dry_run checks and reports and rolls back.  Fills *r (release it
 * with member_report_release() in every case).
 */
enum bpt_status actor_set_login(struct bpt_ctx *ctx, const char *email,
    const struct member_change *ch, int fields, const char *login,
    struct member_report *r);

/*
 * The login name of the person at the keyboard: $SUDO_USER when a tool
 * runs through sudo (as the user that owns the store), else the login
 * name of the process.  Borrowed; valid for the process.
 */
const char *actor_login_name(void);

/* The login linked to member id into *out (caller frees; NULL: none). */
enum bpt_status actor_login_of(struct bpt_ctx *ctx, long long id, char **out);

#endif
