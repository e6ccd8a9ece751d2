/*
 * distribute.h - the copy of a member's message that every active
 * member gets: the text without contact details and without what it
 * quotes, the incident's 112 status and plates on top, the photos that
 * may go, the thread kept in every client, one outbox row and a
 * delivery row per member.  Callers hold the write transaction.
 */
#ifndef BPT_DISTRIBUTE_H
#define BPT_DISTRIBUTE_H

#include "bpt.h"
#include "buf.h"
#include "sha256.h"

struct mail;

struct distribute_in {
	const struct mail *m;
	long long message;		/* its row in messages */
	const char *sha;		/* SHA-256 (hex) of its raw bytes */
	long long sender_id;		/* the member who wrote it, or 0 */
	const char *sender_name;	/* their registered name, or NULL */
	const char *runner;		/* claim the copies now, or NULL */
};

struct distribute_out {
	struct buf shown;		/* what members read (caller inits, frees) */
	const char *called;		/* "yes" / "no" when the text said so */
	char prev_hash[SHA256_HEX_LEN + 1];
	char chain_hash[SHA256_HEX_LEN + 1];
	long long copies;		/* deliveries queued */
};

/* Copies of in->m for incident number, a reply or the alert itself;
 * records its attachments and moves the incident's hash chain on. */
enum bpt_status distribute_copy(struct bpt_ctx *ctx, const struct distribute_in *in,
    long long number, int is_reply, struct distribute_out *out);

/*
 * The subject every copy of a new incident carries: the mail's subject
 * without reply prefixes, else the start of its text, and never a
 * contact detail.  Caller frees; NULL on out of memory.
 */
char *distribute_subject(struct bpt_ctx *ctx, const struct mail *m);

/* The name members see for a sender (member_name, else the name in
 * From, else "Een lid"): never an address.  Sets b->oom on failure. */
void distribute_display_name(struct bpt_ctx *ctx, const char *member_name,
    const struct mail *m, struct buf *b);

#endif
