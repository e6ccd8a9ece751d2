/*
 * transcript_int.h - what the parts of the transcript module share, and
 * no other module may use:
 *
 *   transcript.c         the build: the store read once, the summary,
 *                        the text and the JSON of every message, the
 *                        hash chain part;
 *   transcript_parts.c   the originals (mbox) and the photos;
 *   transcript_verify.c  the check of a transcript (uses none of this).
 */
#ifndef BPT_TRANSCRIPT_INT_H
#define BPT_TRANSCRIPT_INT_H

#include <stdio.h>
#include <time.h>

#include "bpt.h"
#include "buf.h"
#include "printer.h"
#include "transcript.h"

#define NCOLS(c) ((int)(sizeof(c) / sizeof((c)[0])))

/*
 * out goes to the file (when there is one) once it holds this much:
 * little, so that the build writes to the same few pages again and
 * again (CPU time of the bench export 290 ms instead of 320 with 1 MB).
 */
#define FLUSH_AT (128 * 1024)

/* the pieces the JSON goes to its scratch file in, and comes back */
#define JSON_CHUNK (64 * 1024)

/* One message of the chain, in the chain's order. */
struct link {
	long long id;
	char prev[65];
	char chain[65];
	char sha[65];
	int erased;		/* the original is gone or altered */
};

/* The incident as the summary shows it. */
struct summary {
	long long number;
	int closed;
	char *subject;
	char *closed_by;
	char *close_reason;
	char *reporter;
	char *reporter_email;
	char *reporter_phone;
	char *called;		/* yes, no, unknown */
	char *called_by;
	char *plates;
	char *outcome;
	char *outcome_by;
	char *last_hash;
	time_t opened_at, closed_at, called_at, outcome_at, purged_at;
	long long participants;
};

/* Everything one build works with. */
struct build {
	struct bpt_ctx *ctx;
	enum transcript_form form;
	int fd;			/* where out goes when it fills, or -1 */
	struct buf *out;
	struct transcript_info *info;
	struct summary s;
	struct link *links;
	size_t nlinks;
	int en;
	char mix[64];		/* the multipart/mixed boundary */
	struct buf text;	/* form MIME: the text part before encoding */
	/* the JSON part, written alongside the text: to a scratch file
	 * (jvbuf its stdio buffer), or to memory (jbuf, jlen) */
	FILE *jf;
	int jfile;		/* jf is the scratch file */
	char *jvbuf;
	char *jbuf;
	size_t jlen;
	struct printer *jp;
	struct buf chain;	/* the chain part */
	char name_mbox[64], name_json[64], name_chain[64];
};

/* The columns of the JSON list "attachments" (bpt.transcript(5)). */
extern const struct pr_column transcript_attachment_cols[];
extern const int transcript_attachment_ncols;

/* The chain position (1-based) of message id; 0 if not in the chain. */
size_t transcript_seq_of(const struct build *b, long long id);

/* A part of the multipart/mixed: its header lines, then the blank line. */
void transcript_part_begin(struct build *b, const char *type, const char *name,
    const char *encoding, const char *disposition);

/* Writes out to the file once it holds FLUSH_AT, or whatever it holds
 * when all is true; without a file it keeps growing.  BPT_EIO,
 * BPT_ENOSPC, BPT_ENOMEM. */
enum bpt_status transcript_flush(struct build *b, int all);

/* Part 2: every original that is still there, in the chain's order. */
enum bpt_status transcript_originals(struct build *b);

/* Part 3: the photos as received; also the JSON list "attachments". */
enum bpt_status transcript_photos(struct build *b);

/* The number of photos part 3 will hold. */
enum bpt_status transcript_count_photos(struct build *b, long long *n);

#endif
