/*
 * incident.h - incidents: one suspicious situation and its thread.
 *
 * The number N is the row id (AUTOINCREMENT: never reused, and
 * gap-free because numbers are taken inside the writer's IMMEDIATE
 * transaction, which rolls the counter back on failure).  Callers
 * hold a write transaction for every function that changes state.
 */
#ifndef BPT_INCIDENT_H
#define BPT_INCIDENT_H

#include <time.h>

#include "bpt.h"

struct printer;

enum inc_112 { INC112_UNKNOWN, INC112_YES, INC112_NO };

struct incident {
	long long number;
	int closed;
	char *subject;
	long long reporter_id;
	char *reporter_name;
	time_t opened_at;
	time_t last_at;
	time_t closed_at;
	int called_112;		/* enum inc_112 */
	long long called_112_by;
	char *called_112_by_name;
	time_t called_112_at;
	char *plates;		/* space-separated */
	char *root_msgid;	/* Message-ID of the alert copy */
	char *last_hash;	/* head of the hash chain, or NULL */
	long long messages;	/* messages in the thread */
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
 * the message said something (INC112_UNKNOWN changes nothing).
 */
enum bpt_status incident_touch(struct bpt_ctx *ctx, long long number, time_t at,
    const char *chain_hash, const char *plates, int called_112,
    long long member_id);

/* `bpt-report list`: incidents, newest first; status "open", "closed"
 * or NULL for all. */
enum bpt_status incident_list(struct bpt_ctx *ctx, struct printer *p,
    const char *status);

/* `bpt-report show N`: the incident and its messages in order. */
enum bpt_status incident_show(struct bpt_ctx *ctx, struct printer *p,
    long long number);

const char *incident_112_str(int called_112);

#endif
