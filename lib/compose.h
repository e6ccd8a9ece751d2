/*
 * compose.h - rendering the mail bpt sends: copies of members'
 * messages to the whole group, and notices to one person.
 *
 * Every header value is built here from UTF-8 text that may come from
 * a stranger: control characters (CR, LF, NUL, ...) are dropped,
 * lengths are capped, non-ASCII text is RFC 2047-encoded and long
 * headers are folded, so no input can add a header.  Output uses LF
 * line ends (transports convert for SMTP).
 */
#ifndef BPT_COMPOSE_H
#define BPT_COMPOSE_H

#include <stddef.h>
#include <time.h>

#include "bpt.h"
#include "buf.h"

struct mail_attachment;

#define COMPOSE_MSGID_MAX 160

struct compose_copy {
	long long number;		/* incident number */
	int is_reply;			/* "Re: " before the subject */
	const char *sender_name;	/* member's display name (never an address) */
	const char *subject;		/* the incident's subject, plain */
	const char *body;		/* rendered text, UTF-8, LF */
	const char *msgid;		/* Message-ID of this copy, without <> */
	const char *in_reply_to;	/* a copy's Message-ID, or NULL */
	const char *references;		/* "<a> <b>" of copies, or NULL */
	time_t date;
	/* passed on; a JPEG or PNG without its metadata (imgmeta.h) */
	const struct mail_attachment *const *images;
	size_t nimages;
};

/* The list's own addresses, derived from group.address: request
 * ("bpt-request@d"), bounces ("bpt-bounces@d").  Caller frees. */
char *compose_list_variant(const char *list_addr, const char *suffix);

/* A fresh Message-ID (without <>) at the list's domain into out. */
enum bpt_status compose_msgid(struct bpt_ctx *ctx, long long number,
    char out[COMPOSE_MSGID_MAX]);

/* Renders a group copy (headers and body) into out. */
enum bpt_status compose_copy(struct bpt_ctx *ctx, const struct compose_copy *c,
    struct buf *out);

/*
 * Renders a notice to one address: text is a rendered template whose
 * first line is "Subject: ..." followed by a blank line and the body.
 * Marked Auto-Submitted: auto-replied (RFC 3834) so that robots do not
 * answer it.  in_reply_to and reply_to (a Reply-To address, such as
 * the request address with a confirmation token) may be NULL.
 */
enum bpt_status compose_notice(struct bpt_ctx *ctx, const char *to,
    const char *text, const char *msgid, const char *in_reply_to,
    const char *reply_to, struct buf *out);

/* Appends a header "Name: value" for unstructured UTF-8 text, encoded
 * and folded (exposed for tests). */
void compose_header_text(struct buf *b, const char *name, const char *utf8);
/* Appends a display name as a quoted string or encoded words. */
void compose_phrase(struct buf *b, const char *utf8);

/* Subject without reply prefixes ("Re:", "Fwd:", "Antw:", "AW:", ...)
 * and without our tag "[GROUP #N]"; caller frees; NULL on oom. */
char *compose_base_subject(const char *subject);

#endif
