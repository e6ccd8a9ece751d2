/*
 * member.h - the members of a group: who they are, their status, their
 * consent, and every change to them in the audit trail.
 *
 * Addresses are stored in the normal form of addr_normalize() and
 * matched case-insensitively (members.email is COLLATE NOCASE).
 * Phone numbers are stored as E.164 (phone.h).  A member's status is
 * active, suspended (reason, optional end), removed, banned (reason) or
 * pending (a sign-up waiting for an admin).  A suspension whose end has
 * passed counts as active; member_expire_suspensions() makes that so
 * in the store.
 *
 * All calls need ctx->store open.  Writers run in their own
 * IMMEDIATE transaction, or inside the caller's when one is open
 * (store_in_tx()); every change adds an audit row (audit.h) in the
 * same transaction (an import records the members it adds in one).
 * With dry_run set a writer checks everything, fills its report and
 * rolls back: nothing is written.
 *
 * The module's parts: member.c (rows, lookups, walks), member_check.c
 * (values), member_change.c (the writers), member_csv.c (import and
 * export); member_int.h is what they share.
 */
#ifndef BPT_MEMBER_H
#define BPT_MEMBER_H

#include <stdio.h>
#include <time.h>

#include "bpt.h"
#include "buf.h"

struct member {
	long long id;
	char *email;		/* normal form */
	char *name;		/* "" when unknown */
	char *phone;		/* E.164, or NULL */
	char *role;		/* member, admin, coordinator */
	char *status;		/* active, suspended, removed, banned, pending */
	char *status_reason;	/* or NULL */
	time_t status_until;	/* end of a suspension; 0: none */
	char *consent_version;	/* version of the group rules accepted, or NULL */
	time_t consent_at;	/* 0: never */
	char *consent_via;	/* admin, import, mail; or NULL */
	char *token;		/* "<id hex>-<12 hex>": VERP, confirmations */
	time_t joined_at;
	time_t status_at;	/* when the status last changed; 0: unknown */
	time_t updated_at;
};

/* Frees the strings of m (a member filled by a lookup) and zeroes it. */
void member_release(struct member *m);

/*
 * Fills *out (release with member_release()) with the member whose
 * address is email, matched case-insensitively; blanks and angle
 * brackets around it are ignored.  BPT_ENOENT when there is none (an
 * invalid address included: this is the lenient call for addresses
 * taken from mail); BPT_ENOMEM; store errors.
 */
enum bpt_status member_lookup(struct bpt_ctx *ctx, const char *email,
    struct member *out);

/*
 * As member_lookup(), but an invalid address is BPT_EDATA ("bad
 * address ..."), and BPT_ENOENT reads "no member 'EMAIL'".  For
 * addresses an admin typed.
 */
enum bpt_status member_find(struct bpt_ctx *ctx, const char *email,
    struct member *out);

/* The member with this token (case-insensitive); BPT_ENOENT if none. */
enum bpt_status member_lookup_token(struct bpt_ctx *ctx, const char *token,
    struct member *out);

/* 1 when m is active, or suspended with an end that has passed. */
int member_is_active(const struct member *m);

/* 1 for member, admin and coordinator. */
int member_role_valid(const char *role);
/* 1 for active, suspended, removed, banned and pending. */
int member_status_valid(const char *status);

/*
 * Calls fn for each active admin or coordinator (for notices), by
 * address.  m and its strings are borrowed for the duration of the
 * call.  A non-zero return stops the walk; the call still returns
 * BPT_OK.  Store errors.
 */
enum bpt_status member_each_admin(struct bpt_ctx *ctx,
    int (*fn)(void *arg, const struct member *m), void *arg);

struct member_filter {
	const char *status;	/* NULL: any */
	const char *role;	/* NULL: any */
	int current;		/* 1: only active and suspended members */
};

/*
 * Calls fn for each member that passes f (NULL: all), ordered by
 * address.  The rows are stepped one by one and never collected, so
 * any number of members is listed in bounded memory.  m is borrowed
 * for the call; a non-zero return stops the walk.  fn must not call
 * member_each() itself.  BPT_EUSAGE for an unknown status or role in
 * f; store errors.
 */
enum bpt_status member_each(struct bpt_ctx *ctx, const struct member_filter *f,
    int (*fn)(void *arg, const struct member *m), void *arg);

/*
 * What to change; NULL fields are kept.  A name (like every free text:
 * reasons, consent versions) is one line of UTF-8 without control
 * characters and without the characters that change the direction of
 * text: U+202A..U+202E, U+2066..U+2069, the marks U+200E, U+200F and
 * U+061C, and the separators U+2028 and U+2029 (BPT_EDATA).
 */
struct member_change {
	const char *name;
	const char *phone;		/* "" clears the number */
	const char *role;		/* add: NULL is "member" */
	const char *consent_version;	/* sets consent_at to now */
	const char *consent_via;	/* admin, import, mail; NULL: "admin" */
	int update;			/* add: change an existing member */
	int dry_run;
	int force;			/* add: a banned address too */
	const char *reason;		/* add with force: why (audit row) */
	int pending;			/* add: a sign-up that waits for an admin
					   (status pending, audit action signup) */
};

/* What a writer did (or, with dry_run, would do). */
struct member_report {
	const char *action;	/* static: add, readd, update, remove, suspend,
				   reinstate, ban, or none (nothing changed) */
	long long id;
	char *email;		/* owned: the normal form */
	char *detail;		/* owned: what changed, as in the audit row */
};

/* Frees the strings of r and zeroes it. */
void member_report_release(struct member_report *r);

/*
 * Adds email as an active member.  A removed or pending member
 * becomes active again ("readd").  An active or suspended member is
 * BPT_EEXIST unless ch->update, which changes them ("update", or
 * "none" when nothing differs).  A banned member is BPT_EDATA unless
 * ch->force: then they become active again ("force-add", an audit row
 * with ch->reason; without a reason BPT_EUSAGE).  BPT_EDATA for a bad
 * address, name, phone, role or consent version.  Fills *r (release it
 * in every case).
 */
enum bpt_status member_add(struct bpt_ctx *ctx, const char *email,
    const struct member_change *ch, struct member_report *r);

/*
 * Changes the fields ch names of an existing member (any status).
 * BPT_ENOENT when there is no such member; BPT_EDATA for bad values.
 * r->action is "update", or "none" when nothing differs.
 */
enum bpt_status member_set(struct bpt_ctx *ctx, const char *email,
    const struct member_change *ch, struct member_report *r);

/*
 * Status changes.  reason is borrowed (NULL allowed for remove; a
 * reason is required for suspend and ban: BPT_EUSAGE).  until is the
 * end of a suspension (0: none; in the past: BPT_EDATA).  BPT_ENOENT
 * when there is no such member; BPT_EDATA when the change does not
 * apply (removing a removed or banned member, suspending a removed
 * one, reinstating an active one, banning a banned one).
 * Suspending a suspended member changes the reason and end.
 */
enum bpt_status member_remove(struct bpt_ctx *ctx, const char *email,
    const char *reason, int dry_run, struct member_report *r);
enum bpt_status member_suspend(struct bpt_ctx *ctx, const char *email,
    const char *reason, time_t until, int dry_run, struct member_report *r);
enum bpt_status member_reinstate(struct bpt_ctx *ctx, const char *email,
    int dry_run, struct member_report *r);
enum bpt_status member_ban(struct bpt_ctx *ctx, const char *email,
    const char *reason, int dry_run, struct member_report *r);

/*
 * Makes every suspended member whose suspension has ended active
 * again, each with an audit row by actor "bpt".  Cheap when there is
 * nothing to do (one indexed read, no write lock).  Store errors.
 */
enum bpt_status member_expire_suspensions(struct bpt_ctx *ctx);

struct member_import_opts {
	const char *name;		/* of the input in messages; NULL: "stdin" */
	const char *consent_version;	/* for rows without one; NULL: none */
	int update;			/* existing members are changed, not refused */
	int dry_run;
	int force;			/* banned members in the file are added again */
	const char *reason;		/* with force: why (their audit rows) */
	/*
	 * NULL, or called for every member the import makes active (added,
	 * or back), inside its transaction and not on a dry run: the
	 * welcome mail.  An error fails the import.
	 */
	enum bpt_status (*joined)(struct bpt_ctx *ctx, const char *email,
	    void *arg);
	void *joined_arg;
};

struct member_import_result {
	long records;		/* data rows read */
	long added;
	long readded;		/* removed, pending (or, forced, banned)
				   members made active */
	long updated;
	long unchanged;		/* --update rows that changed nothing */
};

/*
 * Imports CSV (csv.h: comma or semicolon, UTF-8 or Windows-1252) from
 * in: a header row naming the columns (those member_csv_header()
 * writes, in any order, or a few other names; email required), then
 * one member per row; cells go through csv_cell_text().  All or
 * nothing: the rows are written in one transaction and any bad row
 * rolls all of it back.
 *
 * A new address becomes a member with the row's status (empty:
 * active), reason, dates and consent (consent_at empty: now;
 * consent_via empty: import).  For an address already in the store:
 *   - a status cell must hold the stored status (BPT_EDATA): an import
 *     does not suspend, ban, remove or reinstate anyone;
 *   - a removed or pending member with an empty status cell is added
 *     again, as member_add() does ("readd");
 *   - a banned member with an empty or active status cell is BPT_EDATA,
 *     or with o->force and o->reason added again ("force-add");
 *   - else BPT_EEXIST without o->update; with it the non-empty cells
 *     change the member and empty cells keep what is stored.
 * The audit trail gets one "import" row naming o->name with the
 * counts, covering the members it added; members it re-adds or changes
 * get rows of their own.  Errors read "NAME:LINE: what": BPT_EDATA
 * (bad address, name, phone, role, status, time, CSV, a banned member,
 * an address twice in the file), BPT_EEXIST; store errors.  *res is
 * filled also on dry_run.
 */
enum bpt_status member_import(struct bpt_ctx *ctx, FILE *in,
    const struct member_import_opts *o, struct member_import_result *res);

/*
 * Export as CSV: a header line and one line per member, in the columns
 * email, name, phone, role, status, status_reason, status_until,
 * status_at, consent_version, consent_at, consent_via, joined_at; times
 * in UTC as "2026-11-28T20:04:05Z"; cells through csv_add_cell().
 * Lines end in LF, fields are separated by commas; with
 * MEMBER_CSV_EXCEL (for Excel in a Dutch locale) by semicolons, with
 * CRLF line ends and a UTF-8 byte order mark before the header.  Both
 * append to out (check buf_failed()).
 */
#define MEMBER_CSV_EXCEL 0x1
void member_csv_header(struct buf *out, unsigned flags);
void member_csv_row(struct buf *out, const struct member *m, unsigned flags);

#endif
