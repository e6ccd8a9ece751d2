/*
 * confirm.h - single-use tokens of the request address.
 *
 * A token is 128 random bits as 32 lower-case hex digits.  It goes to
 * one registered or asking address in the Reply-To plus address
 * (LIST-request+TOKEN@domain) and the subject of a mail; the reply
 * that carries it back does what the row says (leave, join, run admin
 * commands), once, before the row expires.  Rows live in the store's
 * confirmations table; callers hold a write transaction.
 */
#ifndef BPT_CONFIRM_H
#define BPT_CONFIRM_H

#include <time.h>

#include "bpt.h"

#define CONFIRM_TOKEN_BYTES 16
#define CONFIRM_TOKEN_LEN (2 * CONFIRM_TOKEN_BYTES)

struct confirm_row {
	char *action;		/* unsubscribe, signup, command */
	char *args;		/* what the action needs, or NULL */
	char *requested_by;	/* the address the token went to */
	time_t created_at;
	time_t expires_at;
	time_t used_at;		/* 0: not used */
	long long message_id;	/* the mail that asked, or 0 */
};

void confirm_row_release(struct confirm_row *r);

/* A new token for action, valid ttl seconds, into token. */
enum bpt_status confirm_new(struct bpt_ctx *ctx, const char *action,
    const char *args, const char *requested_by, long long message_id,
    long ttl, char token[CONFIRM_TOKEN_LEN + 1]);

/* The row of token; BPT_ENOENT when there is none. */
enum bpt_status confirm_get(struct bpt_ctx *ctx, const char *token,
    struct confirm_row *out);

/*
 * Marks token used when it is unused and unexpired: 1 in *ok, else 0
 * (then nothing changed).  The one way a token is spent.
 */
enum bpt_status confirm_use(struct bpt_ctx *ctx, const char *token, int *ok);

/*
 * The token in s: LIST-request+TOKEN@ when plus is set, else the first
 * run of exactly CONFIRM_TOKEN_LEN hex digits; lower-cased into out.
 * 1 when found.
 */
int confirm_find(const char *s, int plus, char out[CONFIRM_TOKEN_LEN + 1]);

#endif
