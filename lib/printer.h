/*
 * printer.h - the one way tools print records: text for people, tsv
 * and json for scripts.
 *
 * A document is a list of records (pr_list_begin ... pr_list_end) or
 * one object (pr_object_begin ... pr_object_end) that may hold nested
 * lists.  JSON documents carry "format_version".  TSV escapes tab,
 * newline, carriage return and backslash as \t \n \r \\, prints no
 * header, and prints an object's fields as "key<TAB>value" lines and
 * a nested list's rows prefixed with the list's name.  Text aligns
 * list columns using the first rows it sees (at most PR_TEXT_SAMPLE),
 * so a list of any length streams in bounded memory.
 */
#ifndef BPT_PRINTER_H
#define BPT_PRINTER_H

#include <stdio.h>
#include <time.h>

enum pr_format { PR_TEXT, PR_TSV, PR_JSON };

#define PR_FORMAT_VERSION 1
#define PR_TEXT_SAMPLE 256

struct pr_column {
	const char *key;	/* json key */
	const char *title;	/* text header */
};

struct printer;

/* NULL on out of memory.  out is borrowed. */
struct printer *pr_new(FILE *out, enum pr_format fmt);
/* Flushes; returns 0, or -1 when a write failed (errno set). Frees p. */
int pr_free(struct printer *p);
/* "text", "tsv", "json" -> 0 and *fmt; -1 for anything else. */
int pr_parse_format(const char *s, enum pr_format *fmt);
enum pr_format pr_format(const struct printer *p);

void pr_list_begin(struct printer *p, const char *name,
    const struct pr_column *cols, int ncols);
/* The same, but text shows each record as a block of "TITLE: value"
 * lines (long values, such as a message's text, keep their lines). */
void pr_list_begin_blocks(struct printer *p, const char *name,
    const struct pr_column *cols, int ncols);
void pr_row_begin(struct printer *p);
void pr_str(struct printer *p, const char *s);	/* NULL prints null/empty */
void pr_int(struct printer *p, long long v);
void pr_bool(struct printer *p, int v);
void pr_null(struct printer *p);
void pr_row_end(struct printer *p);
void pr_list_end(struct printer *p);

/*
 * Times: the zone they are shown in (an IANA name such as
 * "Europe/Amsterdam", borrowed; NULL: UTC), set once after pr_new().
 * pr_time() prints "2026-11-28 21:04" for people and RFC 3339 with the
 * zone's offset for scripts; pr_time_iso() and pr_kv_time() RFC 3339
 * in every format (where an hour that happens twice, at the end of
 * summer time, must not be ambiguous).  A time of 0 prints null/empty.
 */
void pr_set_timezone(struct printer *p, const char *tz);
void pr_time(struct printer *p, time_t t);
void pr_time_iso(struct printer *p, time_t t);
void pr_kv_time(struct printer *p, const char *key, time_t t);

void pr_object_begin(struct printer *p, const char *name);
void pr_kv_str(struct printer *p, const char *key, const char *s);
void pr_kv_int(struct printer *p, const char *key, long long v);
void pr_kv_bool(struct printer *p, const char *key, int v);
/* A long text (a message's) as the last field of an object: in text
 * after a blank line, as it is; in tsv and json as pr_kv_str(). */
void pr_kv_block(struct printer *p, const char *key, const char *s);
void pr_object_end(struct printer *p);

#endif
