/*
 * csv.h - reading and writing RFC 4180 CSV, and the CSV spreadsheets
 * write.
 *
 * The reader takes a stream one record at a time, so a file of any
 * length is read in bounded memory.  Fields may be quoted ("a ""b""",
 * separators and line breaks inside quotes); lines end in CRLF or LF;
 * a UTF-8 byte order mark at the start is skipped; blank lines are
 * skipped.  Every error reads "NAME:LINE: what" with the line where
 * the record began, and is BPT_EDATA.
 *
 * What Excel writes is read as well:
 *   - the separator is a comma or, as Excel writes in a Dutch (or any
 *     comma-decimal) locale, a semicolon: the first of the two outside
 *     quotes in the first record decides for the whole file (a first
 *     record with neither: comma);
 *   - text that is not valid UTF-8 is Windows-1252 (Excel's plain
 *     "CSV"), and its fields are handed out converted to UTF-8.  The
 *     choice is made for the whole file: a stream that can seek is
 *     read through once first; one that cannot (a pipe) is UTF-8 as
 *     long as its records are, and a record that is not, after one
 *     that had UTF-8 beyond ASCII, is an error.  A byte that neither
 *     charset defines (0x81, 0x8D, 0x8F, 0x90 or 0x9D in text that is
 *     not UTF-8) is an error.
 * The writer quotes a field that holds a comma or a semicolon, so that
 * what it writes reads back whichever separator the line uses.
 */
#ifndef BPT_CSV_H
#define BPT_CSV_H

#include <stdio.h>

#include "bpt.h"
#include "buf.h"

/* The longest record accepted, in bytes: a member list has short ones. */
#define CSV_MAX_RECORD 65536

enum csv_charset {
	CSV_CHARSET_UNKNOWN,	/* nothing beyond ASCII seen yet */
	CSV_CHARSET_UTF8,
	CSV_CHARSET_1252,	/* Windows-1252, converted to UTF-8 */
};

struct csv {
	FILE *in;		/* borrowed */
	const char *name;	/* borrowed; used in messages */
	long line;		/* line where the current record began */
	long next_line;		/* line of the next byte */
	struct buf rec;		/* the fields, NUL-separated */
	size_t *offs;		/* start of each field in rec */
	size_t nfields;
	size_t alloc;
	int started;		/* the first record was begun */
	int sep;		/* ',' or ';' once the first record showed it */
	enum csv_charset charset;
	struct buf conv;	/* scratch of a conversion */
};

/* Prepares c to read in; name (e.g. the file name) is borrowed. */
void csv_init(struct csv *c, FILE *in, const char *name);
/* Frees what c holds (not the stream). */
void csv_release(struct csv *c);

/*
 * Reads the next record.  BPT_OK with *eof = 0 and the fields in
 * csv_field(); BPT_OK with *eof = 1 at the end; BPT_EDATA for bad
 * quoting, a NUL byte, a record over CSV_MAX_RECORD (counted before
 * any conversion) or text in neither charset; BPT_EIO for a read
 * error (the first call reads a stream that can seek through and
 * seeks back: a failed seek too); BPT_ENOMEM.
 */
enum bpt_status csv_next(struct bpt_ctx *ctx, struct csv *c, int *eof);

/* The number of fields of the current record. */
size_t csv_nfields(const struct csv *c);
/* Field i of the current record; borrowed until the next csv_next(). */
const char *csv_field(const struct csv *c, size_t i);

/* Appends s to out as one field, quoted when it needs to be: a comma,
 * semicolon, quote or line break in it, or a blank at either end. */
void csv_add_field(struct buf *out, const char *s);

/*
 * Appends s as csv_add_field() does, made safe for a spreadsheet: a
 * value that starts with =, +, -, @, a tab or a carriage return (a
 * spreadsheet would run it as a formula: "CSV injection") gets a quote
 * (') in front.  So does a value that starts with a quote followed by
 * one of those or by a second quote, so that csv_cell_text() can tell
 * the two apart: the pair gives back every value exactly.
 */
void csv_add_cell(struct buf *out, const char *s);

/*
 * A cell as csv_add_cell() was given it: s without its first quote
 * when s starts with a quote followed by =, +, -, @, a tab, a carriage
 * return or a second quote; otherwise s (so a name such as 't Hart
 * keeps its quote).  Points into s.
 */
const char *csv_cell_text(const char *s);

#endif
