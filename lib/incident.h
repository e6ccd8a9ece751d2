/*
 * incident.h - incidents: one suspicious situation and its thread.
 *
 * The number N is the row id (AUTOINCREMENT: never reused, and
 * gap-free because numbers are taken inside the writer's IMMEDIATE
 * transaction, which rolls the counter back on failure).  Callers
 * hold a write transaction for every function that changes state.
 *
 * This is the incidents' model: it reads and writes rows and hands
 * them to its callers as data; printing them is the tools' business.
 */
#ifndef BPT_INCIDENT_H
#define BPT_INCIDENT_H

#include <stddef.h>
#include <time.h>

#include "bpt.h"

enum inc_112 { INC112_UNKNOWN, INC112_YES, INC112_NO };

/* What came of an incident (bpt-close --result). */
enum inc_result {
	INCRES_ARREST, INCRES_POLICE, INCRES_PREVENTED, INCRES_NOTHING,
	INCRES_UNKNOWN, INCRES_MAX
};

struct incident {
	long long number;
	int closed;
	char *subject;
	long long reporter_id;
	char *reporter_name;
	time_t opened_at;
	time_t last_at;
	time_t closed_at;	/* 0 while open */
	int called_112;		/* enum inc_112 */
	long long called_112_by;
	char *called_112_by_name;
	time_t called_112_at;
	char *plates;		/* space-separated */
	char *root_msgid;	/* Message-ID of the alert copy */
	char *last_hash;	/* head of the hash chain, or NULL */
	long long messages;	/* messages in the thread */
	char *closed_by;	/* who closed it (an address, "cron"), or NULL */
	char *close_reason;	/* or NULL */
	char *outcome;		/* the outcome's text, or NULL: none yet */
	int result;		/* enum inc_result; -1 without an outcome */
	time_t outcome_at;
	char *outcome_by;
	time_t first_reply_at;	/* 0: no reply yet */
	time_t exported_at;	/* 0: not sent to the police */
	int reminders;		/* reminders sent about its outcome */
	time_t reminded_at;
};

void incident_release(struct incident *inc);

/* Loads incident number into *out. BPT_ENOENT when there is none. */
enum bpt_status incident_get(struct bpt_ctx *ctx, long long number,
    struct incident *out);

/*
 * The incident a message belongs to by its In-Reply-To/References:
 * ids[0..n) (without <>) are looked up among the stored messages and
 * the copies bpt sent.  *number is 0 when none matches.
 */
enum bpt_status incident_by_msgids(struct bpt_ctx *ctx, const char *const *ids,
    size_t n, long long *number);

/* N from a subject tag "[<group name> #N]" (case-insensitive), else 0. */
long long incident_tag_number(const char *subject, const char *group_name);

/* N from a plus address "<local>+N@<domain>" of the list address, else 0. */
long long incident_plus_number(const char *rcpt, const char *list_addr);

/* Opens a new incident; *number receives N. */
enum bpt_status incident_open(struct bpt_ctx *ctx, long long reporter_id,
    const char *subject, time_t at, long long *number);

/* Records the Message-ID of the alert copy (the thread's root). */
enum bpt_status incident_set_root(struct bpt_ctx *ctx, long long number,
    const char *msgid);

/*
 * After a message joined: last activity, the hash-chain head, plates
 * merged in (space-separated, normalised), and the 112 status when
 * the message said something (INC112_UNKNOWN changes nothing).  The
 * first message after the alert (the chain had a head already) sets
 * the time of the first reply.
 */
enum bpt_status incident_touch(struct bpt_ctx *ctx, long long number, time_t at,
    const char *chain_hash, const char *plates, int called_112,
    long long member_id);

const char *incident_112_str(int called_112);

/* "arrest", "police", ... for an enum inc_result; NULL for -1. */
const char *incident_result_str(int result);
/* The enum inc_result of a name, or -1. */
int incident_result_parse(const char *s);

/* --- reading, for the tools ------------------------------------------ */

struct incident_filter {
	const char *status;	/* "open", "closed", or NULL for all */
	int needs_outcome;	/* only closed ones without an outcome */
};

/*
 * Calls fn for each incident that passes f (NULL: all), newest first.
 * inc is borrowed for the call; a non-zero return stops the walk (the
 * call still returns BPT_OK).  fn must not call incident_each().
 * BPT_ENOMEM, store errors.
 */
enum bpt_status incident_each(struct bpt_ctx *ctx, const struct incident_filter *f,
    int (*fn)(void *arg, const struct incident *inc), void *arg);

/* The group's copies of an incident (alerts and replies) by state. */
struct incident_copies {
	long long sent;
	long long queued;	/* waiting, or being sent now */
	long long deferred;
	long long failed;
};

enum bpt_status incident_copies(struct bpt_ctx *ctx, long long number,
    struct incident_copies *out);

/* One stored message of an incident; strings borrowed for the call. */
struct incident_message {
	long long id;
	time_t received_at;
	const char *from;	/* the writer's name, never an address */
	const char *class;
	const char *called_112;	/* "yes", "no" or NULL */
	const char *subject;
	const char *text;	/* as members got it; "" when not distributed */
	const char *sha256;
	const char *chain_hash;
};

/* Calls fn for each message of incident number, oldest first. */
enum bpt_status incident_each_message(struct bpt_ctx *ctx, long long number,
    int (*fn)(void *arg, const struct incident_message *m), void *arg);

/* One copy of the group's messages of an incident, per recipient. */
struct incident_delivery {
	long long message;	/* the stored message it copies */
	const char *kind;	/* alert, reply */
	const char *rcpt;
	const char *name;	/* the member's name, or NULL */
	const char *state;
	long long attempts;
	const char *last_reply;	/* or NULL */
	time_t sent_at;		/* 0: not sent */
};

/* Calls fn for each copy of incident number's alert and replies. */
enum bpt_status incident_each_delivery(struct bpt_ctx *ctx, long long number,
    int (*fn)(void *arg, const struct incident_delivery *d), void *arg);

/*
 * The Message-ID (without <>) of the newest copy of incident number
 * the group got (alert or reply) into *out, which the caller frees;
 * NULL when there is none.
 */
enum bpt_status incident_last_copy(struct bpt_ctx *ctx, long long number,
    char **out);

/* --- closing and outcomes (bpt-close) -------------------------------- */

/*
 * Closes incident number at `at` by `by` (an address or "cron") with
 * reason (may be NULL).  *changed is 0 when it was closed already (then
 * nothing is written).  BPT_ENOENT when there is none.
 */
enum bpt_status incident_set_closed(struct bpt_ctx *ctx, long long number,
    time_t at, const char *by, const char *reason, int *changed);

/*
 * Opens a closed incident again; its quiet time for --idle counts from
 * `at`.  *changed is 0 when it was open already.
 */
enum bpt_status incident_set_open(struct bpt_ctx *ctx, long long number,
    time_t at, int *changed);

/* Records (or replaces) the outcome: text, result, when and by whom. */
enum bpt_status incident_set_outcome(struct bpt_ctx *ctx, long long number,
    const char *text, int result, time_t at, const char *by);

/*
 * The numbers of the open incidents whose last message came before
 * `before`, oldest first, into *out (caller frees) and *n.
 */
enum bpt_status incident_idle(struct bpt_ctx *ctx, time_t before,
    long long **out, size_t *n);

/*
 * Calls fn for each closed incident without an outcome that was closed
 * at or before closed_before, was reminded about fewer than max times,
 * and not since reminded_before.  Those exported to the police come
 * first, then by the time they were closed.
 */
enum bpt_status incident_each_unreported(struct bpt_ctx *ctx,
    time_t closed_before, time_t reminded_before, int max,
    int (*fn)(void *arg, const struct incident *inc), void *arg);

/* Counts one more reminder about incident number, sent at `at`. */
enum bpt_status incident_mark_reminded(struct bpt_ctx *ctx, long long number,
    time_t at);

/*
 * Writes the final number of copies sent and failed onto every closed
 * incident whose copies are all settled, so that the statistics keep
 * them when the messages (and with them their copies) are purged.  A
 * purge of messages calls this first.
 */
enum bpt_status incident_fold_copies(struct bpt_ctx *ctx);

/* --- the year in numbers (bpt-report stats) ---------------------------- */

/* What the statistics read of one incident: numbers, times, categories. */
struct incident_figures {
	time_t opened_at;
	int called_112;		/* enum inc_112 */
	time_t first_reply_at;	/* 0: none */
	time_t closed_at;	/* 0: open */
	int has_outcome;
	int result;		/* enum inc_result, or -1 */
	long long copies_sent;
	long long copies_failed;
};

/* Calls fn for each incident opened in [from, to), oldest first. */
enum bpt_status incident_each_figures(struct bpt_ctx *ctx, time_t from,
    time_t to, int (*fn)(void *arg, const struct incident_figures *f),
    void *arg);

/* When the first incident was opened; 0 when there is none. */
enum bpt_status incident_first_opened(struct bpt_ctx *ctx, time_t *at);

#endif
