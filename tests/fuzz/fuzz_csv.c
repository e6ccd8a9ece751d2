/*
 * fuzz_csv.c - the member CSV: csv_next() on any bytes, then
 * member_import() of the same bytes into a small store.
 *
 * Checked besides crashes (csv.h, member.h): every record read is
 * read back the same after csv_add_field() wrote it, and every field
 * after csv_add_cell(); line numbers only grow; the same bytes read
 * from a stream that cannot seek (a pipe) give the same records, or,
 * in a file that is not UTF-8, stop where UTF-8 lines went before;
 * a dry run reports what the real import then does, status and
 * counts; every data row of a successful import is counted once; the
 * same file imported again with update adds nothing and re-adds
 * nothing; errors say "NAME:" first.
 */
#include "bptconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csv.h"
#include "fuzz.h"
#include "member.h"
#include "store.h"

#define NOW ((time_t)1800000000)	/* 2027-01-15 */

static struct bpt_ctx ctx;
static int ready;

static void
seed(struct bpt_ctx *c)
{
	struct member_change ch = { 0 };
	struct member_report r = { 0 };
	static const char *const who[] = {
		"jan@bewoners.example", "piet@bewoners.example",
		"kees@bewoners.example", "bob@bewoners.example",
		"anna@bewoners.example",
	};
	size_t i;

	for (i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
		ch.name = "Lid";
		ch.role = i == 0 ? "admin" : "member";
		if (member_add(c, who[i], &ch, &r) != BPT_OK)
			fuzz_fail(c, "seed %s", who[i]);
		member_report_release(&r);
	}
	if (member_suspend(c, "kees@bewoners.example", "vakantie", 0, 0, &r) != BPT_OK)
		fuzz_fail(c, "seed suspend");
	member_report_release(&r);
	if (member_ban(c, "bob@bewoners.example", "schelden", 0, &r) != BPT_OK)
		fuzz_fail(c, "seed ban");
	member_report_release(&r);
	if (member_remove(c, "anna@bewoners.example", "verhuisd", 0, &r) != BPT_OK)
		fuzz_fail(c, "seed remove");
	member_report_release(&r);
}

/* A stream of data that cannot seek, as a pipe. */
struct piece {
	const uint8_t *data;
	size_t size, at;
};

static ssize_t
piece_read(void *cookie, char *buf, size_t n)
{
	struct piece *p = cookie;

	if (n > p->size - p->at)
		n = p->size - p->at;
	if (n > 0)
		memcpy(buf, p->data + p->at, n);
	p->at += n;
	return (ssize_t)n;
}

static FILE *
open_pipe(struct piece *p)
{
	cookie_io_functions_t io = { piece_read, NULL, NULL, NULL };
	FILE *f = fopencookie(p, "r", io);

	if (f == NULL)
		fuzz_fail(NULL, "fopencookie");
	return f;
}

static FILE *
open_mem(const uint8_t *data, size_t size)
{
	/* fmemopen() wants a size of at least 1 */
	static const uint8_t empty[1];
	FILE *f = fmemopen((void *)(size ? data : empty), size ? size : 1, "r");

	if (f == NULL)
		fuzz_fail(NULL, "fmemopen");
	if (size == 0)
		(void)getc(f);
	return f;
}

/* Writes the current record of c and reads it back. */
static void
round_trip(const struct csv *c)
{
	struct bpt_ctx tmp = BPT_CTX_INIT;
	struct buf out = BUF_INIT;
	struct csv back;
	size_t i, n = csv_nfields(c);
	FILE *f;
	int eof;

	/* one empty field is a blank line, which readers skip */
	if (n == 1 && *csv_field(c, 0) == '\0')
		return;
	buf_adds(&out, "\xef\xbb\xbf");
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addch(&out, ',');
		csv_add_field(&out, csv_field(c, i));
	}
	buf_addch(&out, '\n');
	if (buf_failed(&out))
		fuzz_fail(NULL, "out of memory");
	if (out.len > CSV_MAX_RECORD) {
		buf_release(&out);
		return;
	}
	f = open_mem((const uint8_t *)out.buf, out.len);
	csv_init(&back, f, "back");
	if (csv_next(&tmp, &back, &eof) != BPT_OK || eof)
		fuzz_fail(&tmp, "a written record does not read back");
	if (csv_nfields(&back) != n)
		fuzz_fail(NULL, "%zu fields written, %zu read back", n,
		    csv_nfields(&back));
	for (i = 0; i < n; i++)
		if (strcmp(csv_field(&back, i), csv_field(c, i)) != 0)
			fuzz_fail(NULL, "field %zu reads back differently", i);
	if (csv_next(&tmp, &back, &eof) != BPT_OK || !eof)
		fuzz_fail(&tmp, "a written record reads as more than one");
	csv_release(&back);
	fclose(f);
	buf_release(&out);

	/* a cell made safe for a spreadsheet gives back its value */
	for (i = 0; i < n; i++) {
		buf_reset(&out);
		buf_adds(&out, "\xef\xbb\xbf" "x,");
		csv_add_cell(&out, csv_field(c, i));
		buf_addch(&out, '\n');
		if (buf_failed(&out))
			fuzz_fail(NULL, "out of memory");
		if (out.len > CSV_MAX_RECORD)
			continue;
		f = open_mem((const uint8_t *)out.buf, out.len);
		csv_init(&back, f, "cell");
		if (csv_next(&tmp, &back, &eof) != BPT_OK || eof ||
		    csv_nfields(&back) != 2)
			fuzz_fail(&tmp, "a written cell does not read back");
		if (strcmp(csv_cell_text(csv_field(&back, 1)), csv_field(c, i)) != 0)
			fuzz_fail(NULL, "cell %zu reads back differently", i);
		csv_release(&back);
		fclose(f);
	}
	buf_release(&out);
}

/* Every record of f, fields and records ended by 0x1f and 0x1e. */
static enum bpt_status
records(struct bpt_ctx *tmp, FILE *f, struct buf *out, enum csv_charset *cs)
{
	struct csv c;
	enum bpt_status st;
	size_t i;
	int eof = 0;

	csv_init(&c, f, "fuzz.csv");
	while ((st = csv_next(tmp, &c, &eof)) == BPT_OK && !eof) {
		for (i = 0; i < csv_nfields(&c); i++) {
			buf_adds(out, csv_field(&c, i));
			buf_addch(out, 0x1f);
		}
		buf_addch(out, 0x1e);
	}
	*cs = c.charset;
	csv_release(&c);
	if (buf_failed(out))
		fuzz_fail(NULL, "out of memory");
	return st;
}

/* The same bytes through a stream that can seek and one that cannot. */
static void
read_piped(const uint8_t *data, size_t size)
{
	struct bpt_ctx a = BPT_CTX_INIT, b = BPT_CTX_INIT;
	struct buf ra = BUF_INIT, rb = BUF_INIT;
	struct piece p = { data, size, 0 };
	enum csv_charset ca, cb;
	enum bpt_status sa, sb;
	FILE *f;

	f = open_mem(data, size);
	sa = records(&a, f, &ra, &ca);
	fclose(f);
	f = open_pipe(&p);
	sb = records(&b, f, &rb, &cb);
	fclose(f);
	/* a pipe that stopped before any byte beyond ASCII did not need to
	   know the charset */
	if (sa == sb && (ca == cb || cb == CSV_CHARSET_UNKNOWN) &&
	    ra.len == rb.len &&
	    memcmp(buf_str(&ra), buf_str(&rb), ra.len) == 0 &&
	    (sa == BPT_OK || strcmp(a.errmsg, b.errmsg) == 0))
		goto out;
	/* the one difference allowed: a file that is not UTF-8, where the
	   pipe met UTF-8 beyond ASCII first, and cannot go back to read
	   those lines as Windows-1252; it never gets through such a file */
	if (ca == CSV_CHARSET_1252 && cb == CSV_CHARSET_UTF8 && sb != BPT_OK)
		goto out;
	fuzz_fail(&b, "a pipe reads otherwise: %s/%d then %s/%d (%s)",
	    bpt_status_str(sa), (int)ca, bpt_status_str(sb), (int)cb, a.errmsg);
out:
	buf_release(&ra);
	buf_release(&rb);
}

static void
read_all(const uint8_t *data, size_t size)
{
	struct bpt_ctx tmp = BPT_CTX_INIT;
	FILE *f = open_mem(data, size);
	struct csv c;
	enum bpt_status st;
	long last = 0;
	int eof = 0;

	csv_init(&c, f, "fuzz.csv");
	while ((st = csv_next(&tmp, &c, &eof)) == BPT_OK && !eof) {
		if (c.line < last || c.line < 1 || csv_nfields(&c) < 1)
			fuzz_fail(NULL, "record at line %ld after %ld, %zu fields",
			    c.line, last, csv_nfields(&c));
		last = c.line;
		round_trip(&c);
	}
	if (st != BPT_OK && (st != BPT_EDATA ||
	    strncmp(tmp.errmsg, "fuzz.csv:", 9) != 0))
		fuzz_fail(&tmp, "csv_next: status %s", bpt_status_str(st));
	csv_release(&c);
	fclose(f);
}

static enum bpt_status
import(const uint8_t *data, size_t size, int update, int dry_run,
    struct member_import_result *res)
{
	struct member_import_opts o = { .name = "fuzz.csv",
	    .consent_version = "2026-1", .update = update, .dry_run = dry_run };
	FILE *f = open_mem(data, size);
	enum bpt_status st;

	st = member_import(&ctx, f, &o, res);
	fclose(f);
	if (store_in_tx(ctx.store))
		fuzz_fail(&ctx, "member_import left a transaction open");
	if (st != BPT_OK && st != BPT_EDATA && st != BPT_EEXIST)
		fuzz_fail(&ctx, "member_import: status %s", bpt_status_str(st));
	if (st != BPT_OK && strncmp(ctx.errmsg, "fuzz.csv", 8) != 0)
		fuzz_fail(&ctx, "an import error without the file name");
	if (st == BPT_OK && res->records != res->added + res->readded +
	    res->updated + res->unchanged)
		fuzz_fail(NULL, "%ld records, %ld+%ld+%ld+%ld counted", res->records,
		    res->added, res->readded, res->updated, res->unchanged);
	return st;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct member_import_result dry, real, again;
	enum bpt_status st_dry, st;

	if (!ready) {
		ctx = (struct bpt_ctx)BPT_CTX_INIT;
		ctx.now = NOW;
		ctx.actor = strdup("fuzz@bewoners.example");
		fuzz_store_init(&ctx, seed);
		ready = 1;
	}
	read_all(data, size);
	read_piped(data, size);

	fuzz_store_reset(&ctx);
	st_dry = import(data, size, 0, 1, &dry);
	st = import(data, size, 0, 0, &real);
	if (st != st_dry || (st == BPT_OK && (dry.records != real.records ||
	    dry.added != real.added || dry.readded != real.readded)))
		fuzz_fail(&ctx, "the dry run said %s, %ld/%ld/%ld, the import %s, "
		    "%ld/%ld/%ld", bpt_status_str(st_dry), dry.records, dry.added,
		    dry.readded, bpt_status_str(st), real.records, real.added,
		    real.readded);
	if (st == BPT_OK) {
		if (import(data, size, 1, 0, &again) != BPT_OK)
			fuzz_fail(&ctx, "importing an imported file again with update");
		if (again.added != 0 || again.readded != 0 ||
		    again.records != real.records)
			fuzz_fail(NULL, "importing again added %ld, re-added %ld",
			    again.added, again.readded);
	}
	return 0;
}
