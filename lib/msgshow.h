/*
 * msgshow.h - one stored message as an admin reads it: held,
 * quarantined, a command or a stranger's, by its number in the store
 * (`bpt-report message ID`).
 *
 * The text is the whole text as bpt read it, before phone numbers and
 * addresses were masked for the members.  A quarantined message is
 * never parsed again here (it is the mail that made bpt-report crash
 * or hang): its raw bytes are all there is of it.
 */
#ifndef BPT_MSGSHOW_H
#define BPT_MSGSHOW_H

#include <stddef.h>
#include <time.h>

#include "bpt.h"
#include "buf.h"

struct msgshow_att {
	char *filename;		/* or NULL */
	char *content_type;
	long long size;
	char *action;		/* "passed", "stripped", "kept" */
};

struct msgshow {
	long long id;
	time_t received_at;
	long long size;		/* as received */
	int truncated;		/* stored cut at policy.max_message_size */
	char *sha256;
	char *state;		/* "new", "done", "quarantined" */
	char *class;		/* what classification decided, or NULL */
	char *envelope_from, *envelope_to;
	char *from_addr, *from_name, *subject, *date, *message_id, *in_reply_to;
	long long incident;	/* number, or 0 */
	char *notes;		/* the parser's remarks, or NULL */
	char *erased;		/* "purged", "forgotten", "redacted", or NULL */
	char *text;		/* UTF-8; NULL when it cannot be shown */
	struct msgshow_att *att;
	size_t natt;
	struct buf raw;		/* the bytes as stored */
};

/*
 * Fills *m with message id (release it with msgshow_release() in every
 * case) and adds an audit row "message-shown" naming it: an admin
 * read a resident's private mail.  A message that was stored but not
 * read yet (state "new", no run died on it) is parsed for its header
 * and text.
 * BPT_ENOENT when there is no such message; store errors; BPT_ENOMEM.
 */
enum bpt_status msgshow_get(struct bpt_ctx *ctx, long long id, struct msgshow *m);

void msgshow_release(struct msgshow *m);

#endif
