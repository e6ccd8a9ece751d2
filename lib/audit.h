/*
 * audit.h - the append-only trail of who changed what, and when.
 *
 * Every change to a member (and later to incidents) adds one row to
 * the audit table; the store's triggers refuse to change or delete
 * rows.  Rows are written inside the caller's transaction, so a
 * change and its record are committed or rolled back together.
 */
#ifndef BPT_AUDIT_H
#define BPT_AUDIT_H

#include <time.h>

#include "bpt.h"

/* The actor of changes bpt makes on its own (expired suspensions). */
#define AUDIT_ACTOR_BPT "bpt"

struct audit_entry {
	long long id;		/* set when read; ignored by audit_add() */
	time_t at;		/* 0: now (bpt_now()) */
	const char *actor;	/* NULL: ctx->actor, else "bpt" */
	const char *action;	/* "add", "remove", "suspend", "import", ... */
	long long member_id;	/* 0: none */
	long long member_last;	/* 0, or the last of the members member_id..
				   member_last this row is about (an import) */
	const char *member_email;	/* NULL: none */
	long long incident_id;	/* 0: none */
	const char *reason;	/* NULL: none */
	const char *detail;	/* what changed; NULL: nothing to add */
};

/*
 * Appends e to the trail (ctx->store must be open).  Strings are
 * borrowed.  BPT_EUSAGE without an action; BPT_EBUSY, BPT_ENOSPC,
 * BPT_EIO and others from the store.
 */
enum bpt_status audit_add(struct bpt_ctx *ctx, const struct audit_entry *e);

/*
 * Calls fn for each row, oldest first: all rows when member_id is 0,
 * else those about that member (its own rows and those of a range that
 * holds it, such as the import that added it).  The entry and its strings are borrowed
 * for the duration of the call.  A non-zero return from fn stops the
 * walk (audit_each still returns BPT_OK).  The rows are stepped one
 * by one, never collected.  fn must not call audit_each().
 */
enum bpt_status audit_each(struct bpt_ctx *ctx, long long member_id,
    int (*fn)(void *arg, const struct audit_entry *e), void *arg);

#endif
