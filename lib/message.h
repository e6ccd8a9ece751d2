/*
 * message.h - the rows of an incoming mail: messages and attachments.
 *
 * The raw bytes are stored by quarantine_admit() before parsing; what
 * the parse and the classification found is written here when the
 * mail's transaction ends.  Callers hold a write transaction where
 * they write.
 */
#ifndef BPT_MESSAGE_H
#define BPT_MESSAGE_H

#include <stddef.h>
#include <time.h>

#include "bpt.h"
#include "buf.h"

struct mail;
struct mail_attachment;

/* What a processed message row gets (borrowed strings; NULL: none). */
struct message_result {
	long long id;
	const struct mail *m;
	long long member_id;	/* 0: none */
	const char *class;
	long long incident;	/* 0: none */
	const char *shown;	/* the text members got */
	const char *called;	/* "yes" / "no" */
	const char *prev_hash;
	const char *chain_hash;
};

/* Marks the row done with what r says. */
enum bpt_status message_finish(struct bpt_ctx *ctx, const struct message_result *r);

/* One attachment of message id: index idx, passed on or stripped. */
enum bpt_status message_add_attachment(struct bpt_ctx *ctx, long long id,
    size_t idx, const struct mail_attachment *a, int passed);

/* Removes the attachment rows of message id (it is processed again). */
enum bpt_status message_clear_attachments(struct bpt_ctx *ctx, long long id);

/*
 * The state of row id ("new", "done", "quarantined") into state
 * (at least 16 bytes) and its class into cls (32 bytes; "" for none).
 * BPT_ENOENT when there is no such row.
 */
enum bpt_status message_state(struct bpt_ctx *ctx, long long id, char *state,
    char *cls);

/*
 * 1 in *dup when another message than id with Message-ID msgid from
 * address from was processed since since.
 */
enum bpt_status message_same_msgid(struct bpt_ctx *ctx, long long id,
    const char *msgid, const char *from, time_t since, int *dup);

/*
 * The number of messages of member since since (other than id) that
 * were passed on or held: what policy.flood counts.
 */
enum bpt_status message_count_recent(struct bpt_ctx *ctx, long long member,
    long long id, time_t since, long *n);

/* A stored message as it came in. */
struct message_raw {
	struct buf raw;
	size_t size;		/* as received */
	int truncated;
	char *envelope_from;	/* NULL when not known */
	char *envelope_to;
	char *state;
	char *class;		/* NULL when none */
	time_t received_at;
};

/* Loads row id into *out (release it in every case).  BPT_ENOENT. */
enum bpt_status message_load(struct bpt_ctx *ctx, long long id,
    struct message_raw *out);

void message_raw_release(struct message_raw *r);

#endif
