/*
 * mail.h - one RFC 5322 message, parsed with libetpan.
 *
 * mail_parse() never fails on bad input: whatever it could read is
 * filled in and the problems are flags and notes.  Every string is
 * UTF-8 (encoded words decoded, charsets converted; bytes that are
 * not valid in their charset become U+FFFD) and owned by the struct
 * mail; everything is freed by mail_free().
 *
 * Hostile input: before libetpan walks the MIME structure, the raw
 * bytes are scanned against the limits (header count, line length,
 * MIME parts, nesting depth).  Past a limit the message is not walked:
 * its headers are read when they are within their limits, the flag
 * says which limit, and text and attachments stay empty.
 */
#ifndef BPT_MAIL_H
#define BPT_MAIL_H

#include <stddef.h>
#include <time.h>

#include "bpt.h"

struct mail_limits {
	long max_parts;		/* MIME parts in all (e.g. 100) */
	long max_depth;		/* nesting of multiparts and message/rfc822 (10) */
	long max_headers;	/* header fields at the top level (1000) */
	long max_line;		/* bytes in one line, CRLF excluded */
};

/*
 * The defaults of the limits: keys of the same names in the
 * configuration.  mail_parse() uses them for a NULL lim and for any
 * field <= 0.  Parts are the parts of all multiparts together (the
 * top-level message is not one); depth counts the multiparts and
 * message/rfc822 parts around a part (a plain mail has depth 0, a
 * multipart/mixed 1); max_headers applies to every header section.
 */
#define MAIL_LIMITS_INIT { 100, 10, 1000, 256 * 1024 }

/* Text longer than this is cut (and a note says so). */
#define MAIL_TEXT_MAX (1024 * 1024)

enum mail_flag {
	MAIL_MALFORMED = 1 << 0,	/* structure broken; see notes */
	MAIL_LIMIT_PARTS = 1 << 1,
	MAIL_LIMIT_DEPTH = 1 << 2,
	MAIL_LIMIT_HEADERS = 1 << 3,
	MAIL_LIMIT_LINE = 1 << 4,
	MAIL_NO_FROM = 1 << 5,		/* no usable From address */
	MAIL_HTML_ONLY = 1 << 6,	/* text was made from HTML */
	MAIL_BAD_CHARSET = 1 << 7,	/* unknown charset or invalid bytes */
	MAIL_8BIT_HEADERS = 1 << 8,	/* raw 8-bit bytes in headers */
	MAIL_NO_TEXT = 1 << 9,		/* no text part at all */
};

#define MAIL_LIMITS (MAIL_LIMIT_PARTS | MAIL_LIMIT_DEPTH | MAIL_LIMIT_HEADERS | \
	MAIL_LIMIT_LINE)

struct mail_header {
	char *name;		/* as written, e.g. "Auto-Submitted" */
	char *value;		/* unfolded, not decoded, surrounding blanks trimmed */
};

struct mail_attachment {
	char *filename;		/* decoded (RFC 2047 / RFC 2231), or NULL */
	char *content_type;	/* lower-case "image/jpeg" */
	char *content_id;	/* without <>, or NULL */
	int is_inline;		/* Content-Disposition: inline, or no disposition
				 * on a non-text part inside multipart/related */
	int in_forward;		/* inside an attached message/rfc822 */
	const char *data;	/* decoded content, owned by the struct mail */
	size_t size;
	char sha256[65];	/* of the decoded content */
};

struct mail {
	/* top-level header fields in order, for classification */
	struct mail_header *hdr;
	size_t nhdr;

	char *message_id;	/* without <>, or NULL */
	char *in_reply_to;	/* first msg-id of In-Reply-To, without <>, or NULL */
	char **refs;		/* msg-ids of References in order, without <> */
	size_t nrefs;
	char *from_addr;	/* normalised address of From, or NULL */
	char *from_name;	/* display name of From, decoded, one line, or NULL */
	char *reply_to;		/* address of Reply-To, or NULL */
	char *subject;		/* decoded, one line, or NULL */
	char *date;		/* the Date field as written, or NULL */
	time_t date_t;		/* parsed Date, 0 when absent or unreadable */
	char *return_path;	/* address in Return-Path; "" for <>; NULL if absent */
	char *envelope_to;	/* X-Original-To or Delivered-To (first), or NULL */

	char *content_type;	/* top-level "multipart/mixed", lower-case;
				 * NULL when the header was not read */
	char *text;		/* the readable text, UTF-8, LF line ends, one
				 * newline at the end; "" if none */
	struct mail_attachment *att;
	size_t natt;
	size_t nparts;		/* MIME parts walked */

	/* multipart/report; report-type=delivery-status: the status part */
	char *dsn;		/* message/delivery-status content, or NULL */
	char *dsn_original;	/* headers of the returned message, or NULL */

	unsigned flags;		/* enum mail_flag */
	char *notes;		/* "; "-separated remarks, or NULL */
};

/*
 * Parses raw[0..len) (borrowed only during the call) into *out,
 * which the caller frees with mail_free().  BPT_OK for every input,
 * however broken (flags and notes say what was wrong); BPT_ENOMEM
 * when memory ran out.  Honours the test fault "parse-abort" (abort()
 * while parsing) and "parse-hang" (sleep for a minute), see bpt(7).
 */
enum bpt_status mail_parse(struct bpt_ctx *ctx, const char *raw, size_t len,
    const struct mail_limits *lim, struct mail **out);

void mail_free(struct mail *m);

/* The i-th (0-based) top-level header field called name (case-
 * insensitive), unfolded and trimmed; NULL when there is none. */
const char *mail_header(const struct mail *m, const char *name, size_t i);

/*
 * Decodes RFC 2047 encoded words in a header value to UTF-8 and folds
 * it to one line (CR, LF, TAB and other controls become spaces).
 * Caller frees.  NULL on out of memory.
 */
char *mail_decode_header(const char *value);

#endif
