/*
 * csv.h - reading and writing RFC 4180 CSV.
 *
 * The reader takes a stream one record at a time, so a file of any
 * length is read in bounded memory.  Fields may be quoted ("a ""b""",
 * commas and line breaks inside quotes); lines end in CRLF or LF; a
 * UTF-8 byte order mark at the start is skipped; blank lines are
 * skipped.  Every error reads "NAME:LINE: what" with the line where
 * the record began, and is BPT_EDATA.
 */
#ifndef BPT_CSV_H
#define BPT_CSV_H

#include <stdio.h>

#include "bpt.h"
#include "buf.h"

/* The longest record accepted, in bytes: a member list has short ones. */
#define CSV_MAX_RECORD 65536

struct csv {
	FILE *in;		/* borrowed */
	const char *name;	/* borrowed; used in messages */
	long line;		/* line where the current record began */
	long next_line;		/* line of the next byte */
	struct buf rec;		/* the fields, NUL-separated */
	size_t *offs;		/* start of each field in rec */
	size_t nfields;
	size_t alloc;
	int started;		/* the BOM check is done */
};

/* Prepares c to read in; name (e.g. the file name) is borrowed. */
void csv_init(struct csv *c, FILE *in, const char *name);
/* Frees what c holds (not the stream). */
void csv_release(struct csv *c);

/*
 * Reads the next record.  BPT_OK with *eof = 0 and the fields in
 * csv_field(); BPT_OK with *eof = 1 at the end; BPT_EDATA for bad
 * quoting, a NUL byte or a record over CSV_MAX_RECORD; BPT_EIO for a
 * read error; BPT_ENOMEM.
 */
enum bpt_status csv_next(struct bpt_ctx *ctx, struct csv *c, int *eof);

/* The number of fields of the current record. */
size_t csv_nfields(const struct csv *c);
/* Field i of the current record; borrowed until the next csv_next(). */
const char *csv_field(const struct csv *c, size_t i);

/* Appends s to out as one field, quoted when it needs to be. */
void csv_add_field(struct buf *out, const char *s);

#endif
