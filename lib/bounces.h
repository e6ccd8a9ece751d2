/*
 * bounces.h - what a bounce does to a member: each failed recipient is
 * recorded; a permanent failure that is the address's own fault counts,
 * and delivery.bounce_limit of them within delivery.bounce_window
 * suspend the member (reason "bounces", actor "bpt") and tell the
 * admins once.  Delays, policy and spam rejections of our mail and our
 * relay's own trouble never count (bounce.h decides which is which).
 */
#ifndef BPT_BOUNCES_H
#define BPT_BOUNCES_H

#include "bpt.h"

struct mail;

struct bounces_result {
	int recipients;		/* failed recipients recorded */
	int counted;		/* of those, counted against a member */
	int suspended;		/* members suspended now */
};

/*
 * Records bounce m (stored as message row source).  env_to is the
 * envelope recipient (the VERP address names the member when it is
 * one); runner claims the admin notice for delivery now (or NULL).
 * Inside the caller's write transaction.  Store errors, BPT_ENOMEM.
 */
enum bpt_status bounces_record(struct bpt_ctx *ctx, const struct mail *m,
    const char *env_to, long long source, const char *runner,
    struct bounces_result *res);

#endif
