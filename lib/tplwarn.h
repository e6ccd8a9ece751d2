/*
 * tplwarn.h - a template an admin broke: the admins hear of it once.
 *
 * A resident's alert never waits for an admin's typo: the tools that
 * take mail in and send it out render the built-in text instead of a
 * broken override (template.h).  This tells the active admins, one
 * notice per version of the broken file, so that the next run and
 * the next alert do not tell them again.
 */
#ifndef BPT_TPLWARN_H
#define BPT_TPLWARN_H

#include "bpt.h"
#include "template.h"

/*
 * Queues the notice "admin-template" about b to the admins unless it
 * went for this version of the file before.  *told (may be NULL) is
 * 1 when it was queued now.  Runs its own write transaction (call it
 * outside one).  Store errors; BPT_ENOMEM.
 */
enum bpt_status tplwarn_admins(struct bpt_ctx *ctx, const struct tpl_broken *b,
    int *told);

#endif
