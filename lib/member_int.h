/*
 * member_int.h - what the parts of the member module share, and no
 * other module may use:
 *
 *   member.c         the model: rows, lookups, walks, transactions;
 *   member_check.c   checking and normalising the values of a change;
 *   member_change.c  the writers (add, set, statuses) and their audit;
 *   member_csv.c     import and export: columns, cells, times.
 *
 * The public calls are in member.h.  Every call here needs ctx->store
 * open; strings are borrowed unless a comment says otherwise.
 */
#ifndef BPT_MEMBER_INT_H
#define BPT_MEMBER_INT_H

#include <time.h>

#include "bpt.h"
#include "buf.h"
#include "member.h"

/* The lists a value must come from, NULL-terminated. */
extern const char *const member_roles[];
extern const char *const member_statuses[];
extern const char *const member_consent_vias[];

/* The element of l equal to s (so a static string), or NULL. */
const char *member_in_list(const char *s, const char *const *l);
/* strcmp() that takes NULL as "". */
int member_streq0(const char *a, const char *b);

/* The member's row as it is or will be; strings borrowed. */
struct mrow {
	const char *name;
	const char *phone;
	const char *role;
	const char *status;
	const char *status_reason;
	time_t status_until;
	time_t status_at;
	const char *consent_version;
	time_t consent_at;
	const char *consent_via;
	time_t joined_at;
};

/* r takes the fields of m (borrowed). */
void mrow_from(struct mrow *r, const struct member *m);

/*
 * A change with its values checked and normalised.  NULL or 0 fields
 * are kept as they are (or, for a new member, take their default).
 * The status fields are set by an import only.
 */
struct pchange {
	char *name;		/* owned */
	char *phone;		/* owned, E.164 */
	int clear_phone;
	const char *role;	/* static (member_roles) */
	char *consent_version;	/* owned */
	const char *consent_via;	/* static (member_consent_vias) */
	time_t consent_at;	/* 0: now, when the version changes */
	const char *status;	/* static (member_statuses) */
	char *status_reason;	/* owned */
	time_t status_until;
	time_t status_at;
	time_t joined_at;
};

/* --- member_check.c ----------------------------------------------------- */

/* The longest reason of a status, in bytes. */
#define MEMBER_REASON_MAX 1000

/* A copy of s without surrounding blanks (caller frees); NULL on ENOMEM. */
char *member_trim(const char *s);

/*
 * Checks a free-text value (name, reason, consent version) into *out
 * (caller frees): trimmed, at most max bytes, UTF-8 without control
 * characters and without the characters that change the direction of
 * text or break a line (see member_text_refused()).  BPT_EDATA naming
 * what, BPT_ENOMEM.
 */
enum bpt_status member_check_text(struct bpt_ctx *ctx, const char *what,
    const char *s, size_t max, int empty_ok, char **out);

/*
 * The first character of s that a free-text value may not hold: its
 * code point in *cp and its offset in *at; 0 when there is none.  A
 * byte that is not valid UTF-8 gives 1 with *cp = 0xFFFD.
 */
int member_text_refused(const char *s, unsigned long *cp, size_t *at);

/* A status or a consent channel from its list (any case, blanks
 * around); BPT_EDATA naming the values allowed. */
enum bpt_status member_check_status(struct bpt_ctx *ctx, const char *s,
    const char **out);
enum bpt_status member_check_consent_via(struct bpt_ctx *ctx, const char *s,
    const char **out);

/* Checks ch into pc (released on error); BPT_EDATA, BPT_ENOMEM. */
enum bpt_status pchange_prepare(struct bpt_ctx *ctx,
    const struct member_change *ch, struct pchange *pc);
void pchange_release(struct pchange *pc);
/* Applies pc to r: the fields pc sets, and consent (a new version is
 * dated pc->consent_at or now).  The status itself is the caller's. */
void pchange_apply(const struct pchange *pc, struct mrow *r, time_t now);

/* --- member.c ----------------------------------------------------------- */

/* The member with the address norm (normal form); BPT_ENOENT without a
 * message. */
enum bpt_status member_lookup_norm(struct bpt_ctx *ctx, const char *norm,
    struct member *out);

/* The first suspended member whose suspension ended by now; BPT_ENOENT
 * when there is none. */
enum bpt_status member_next_expired(struct bpt_ctx *ctx, time_t now,
    struct member *out);

/* The highest id in the store (0 when empty). */
enum bpt_status member_max_id(struct bpt_ctx *ctx, long long *out);

/* Writes every field of r over the row id, updated_at now. */
enum bpt_status mrow_write(struct bpt_ctx *ctx, long long id,
    const struct mrow *r, time_t now);

/*
 * Tokens drawn in batches: one getrandom() per TOKEN_POOL tokens
 * instead of one per member makes a large import markedly faster.
 * Start with MEMBER_TOKEN_POOL_INIT.
 */
#define TOKEN_BYTES 6
#define TOKEN_POOL 8

struct token_pool {
	char hex[2 * TOKEN_BYTES * TOKEN_POOL + 1];
	int left;
	long long next_id;	/* id of the next new row; 0: ask the store */
};
#define MEMBER_TOKEN_POOL_INIT { "", 0, 0 }

/*
 * Inserts a new member with the fields of r (status NULL: active;
 * joined_at and status_at 0: now) and a fresh token from tp.  The id
 * is known before the insert (the writer holds the lock) and is put in
 * *id.  BPT_EEXIST without a message when the address is taken.
 */
enum bpt_status mrow_insert(struct bpt_ctx *ctx, struct token_pool *tp,
    const char *email, const struct mrow *r, time_t now, long long *id);

/* --- member_change.c ---------------------------------------------------- */

/* How an add treats an address that has a row. */
struct add_how {
	int update;		/* active and suspended members are changed */
	int force;		/* a banned address is added again */
	const char *reason;	/* checked: why, for the audit row of force */
	int pending;		/* a removed member signs up again: pending */
};

/*
 * Adds a new member from pc (status pc->status, else active), with an
 * audit row of action, or none when action is NULL (an import records
 * its additions in one row).  d is scratch.  BPT_EEXIST (no message)
 * when the address is taken.
 */
enum bpt_status member_add_new(struct bpt_ctx *ctx, struct token_pool *tp,
    const char *email, const struct pchange *pc, const char *action,
    time_t now, struct buf *d, long long *id);

/*
 * An add of an address that has a row (old).  *done is the action:
 * "readd" (a removed or pending member, when pc gives no status),
 * "force-add" (a banned one, with how->force), "update" or "none"
 * (with how->update), each with its audit row.  BPT_EDATA for a banned
 * member without force and for a status in pc that is not old's;
 * BPT_EEXIST for a member without update.
 */
enum bpt_status member_add_existing(struct bpt_ctx *ctx,
    const struct member *old, const struct pchange *pc,
    const struct add_how *how, time_t now, struct buf *d, const char **done);

#endif
