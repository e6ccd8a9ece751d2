/*
 * transcript.h - the transcript of one incident for the police file,
 * and its check (bpt.transcript(5)).
 *
 * transcript_build() writes the part a signature covers: one
 * multipart/mixed MIME entity (its Content-Type header, a blank line,
 * the body), in canonical form (CRLF, 7-bit, lines of at most 76
 * characters).  Its parts, in order:
 *
 *   1. text/plain (quoted-printable): the summary and every message in
 *      the order of the hash chain, quotes folded out of the reading
 *      text, attachments listed;
 *   2. application/mbox (base64): the originals byte for byte, mboxrd;
 *   3. the photos as received, one part each (base64);
 *   4. application/json (base64): the same data for police systems;
 *   5. text/plain (7bit): the hash chain, one line per message.
 *
 * The texts are templates ("transcript", "transcript-message",
 * "transcript-end") in the group's language; times are the group's
 * local time with the offset written out.  The store is read inside
 * one read transaction, so the parts agree with each other.
 */
#ifndef BPT_TRANSCRIPT_H
#define BPT_TRANSCRIPT_H

#include <stddef.h>

#include "bpt.h"
#include "buf.h"
#include "sign.h"

enum transcript_form {
	TRANSCRIPT_MIME,	/* the signed entity above */
	TRANSCRIPT_TEXT,	/* part 1 alone, UTF-8 with LF line ends */
	TRANSCRIPT_JSON,	/* part 4 alone */
};

struct transcript_info {
	char subject[512];	/* for the mail: the template's Subject line */
	long long messages;	/* in the chain */
	long long originals;	/* enclosed (the others were erased) */
	long long photos;
	char head[65];		/* the chain's last hash */
	int closed;		/* the incident was closed */
};

/*
 * Appends the transcript of incident number in form to out.  With fd
 * >= 0 it goes to fd instead, out serving as the buffer in between:
 * a transcript is tens of megabytes, and what is never held in memory
 * whole costs no page faults either.  BPT_ENOENT when there is no such
 * incident, or when it was purged (nothing is left to send); BPT_EDATA
 * when its hash chain in the store is broken (a message changed or
 * missing: the store was altered); BPT_EIO, BPT_ENOSPC writing fd;
 * BPT_ENOMEM; store errors.
 */
enum bpt_status transcript_build(struct bpt_ctx *ctx, long long number,
    enum transcript_form form, int fd, struct buf *out,
    struct transcript_info *info);

/* What transcript_verify() found. */
struct transcript_check {
	struct sign_check sig;	/* the signature */
	int encrypted;		/* it was decrypted first */
	long long incident;
	long long messages;	/* listed in the chain part */
	long long originals;	/* enclosed and checked */
	long long erased;	/* listed without an original */
	long long photos;	/* photo parts checked */
	char head[65];
	char problem[512];	/* the first thing that does not hold, or "" */
};

/*
 * Checks a transcript (an .eml, or a one-message mbox of it; LF or
 * CRLF line ends): decrypts it when it is encrypted (the secret key in
 * o->gnupghome), checks the PGP/MIME signature, recomputes the SHA-256
 * of every enclosed original and of every photo and the hash chain,
 * and compares them with the chain part.  BPT_OK when the file could
 * be read that far; out->problem then says what does not hold (empty
 * when everything does).  BPT_EDATA when it is no transcript at all
 * (no signed part, unreadable MIME); BPT_EUNAVAIL when gpg does not
 * run; BPT_ENOMEM.  The store is not used.
 */
enum bpt_status transcript_verify(struct bpt_ctx *ctx, const struct sign_opts *o,
    const char *data, size_t len, struct transcript_check *out);

#endif
