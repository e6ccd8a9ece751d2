/*
 * request.h - mail to the list's request address (LIST-request@):
 * leaving, joining, help, and admin commands.
 *
 * ingest.c hands every human mail to that address (never an auto-reply
 * or a bounce: those are classified before) to request_handle(),
 * inside the transaction that stores the mail.  What it does, and what
 * it answers, is described in bpt(7), "The request address".  Every
 * answer goes where notice_answer_to() says, so that nothing sent to an
 * address that is not registered names a member; a confirmation goes
 * to the registered address only.
 */
#ifndef BPT_REQUEST_H
#define BPT_REQUEST_H

#include <stddef.h>

#include "bpt.h"
#include "template.h"

struct mail;
struct member;

struct request_in {
	const struct mail *m;
	const char *raw;		/* the mail as received (signatures) */
	size_t len;
	const char *env_from;		/* envelope sender, or NULL */
	const char *env_to;		/* envelope recipient, or NULL */
	const struct member *sender;	/* the member From names, or NULL */
	long long message;		/* the mail's row in the store */
	const char *runner;		/* claim answers for delivery now */
};

/* The answer an address gets to a mail bpt does not understand, at
 * most once in this many seconds. */
#define REQUEST_NOTICE_INTERVAL 86400

/*
 * Acts on one mail to the request address.  *why gets a static text
 * of what was decided; *notices counts the mails queued.  Errors of the
 * store and BPT_ENOMEM only: a bad request is answered, not an error.
 */
enum bpt_status request_handle(struct bpt_ctx *ctx, const struct request_in *in,
    const char **why, long long *notices);

/*
 * Queues the answer tpl to the sender of in (see notice_answer_to()),
 * at most one of kind a day (kind NULL: always), with reply_to as
 * Reply-To (may be NULL).  to_registered: to that member's registered
 * address whatever the envelope (a confirmation).  Adds to *notices.
 */
enum bpt_status request_answer(struct bpt_ctx *ctx, const struct request_in *in,
    const char *tpl, const struct tvar *v, size_t n, const char *kind,
    const char *reply_to, long long *notices);

/* LIST-request+TOKEN@domain (caller frees); NULL on ENOMEM. */
char *request_token_address(const struct bpt_ctx *ctx, const char *token);

/* The first word of the request: of the subject without reply
 * prefixes when it is a word the address knows, else of the first
 * line of text that is not blank;
 * lower-cased into out (size n); "" when there is none. */
void request_keyword(const struct mail *m, char *out, size_t n);

#endif
