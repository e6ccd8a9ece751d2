/*
 * csv.c - an RFC 4180 reader that streams and takes what spreadsheets
 * write (a semicolon as separator, Windows-1252), and a field writer
 * (see csv.h).
 */
#include "bptconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "charset.h"
#include "csv.h"

/* No byte: what the first call reads ahead is not there. */
#define CSV_NONE (-2)

void
csv_init(struct csv *c, FILE *in, const char *name)
{
	memset(c, 0, sizeof(*c));
	c->in = in;
	c->name = name ? name : "stdin";
	c->next_line = 1;
	buf_init(&c->rec);
	buf_init(&c->conv);
}

void
csv_release(struct csv *c)
{
	buf_release(&c->rec);
	buf_release(&c->conv);
	free(c->offs);
	c->offs = NULL;
	c->nfields = c->alloc = 0;
}

size_t
csv_nfields(const struct csv *c)
{
	return c->nfields;
}

const char *
csv_field(const struct csv *c, size_t i)
{
	if (i >= c->nfields)
		return "";
	return c->rec.buf + c->offs[i];
}

/* Ends the current field and starts the next one at the end of rec. */
static int
csv_new_field(struct csv *c)
{
	if (c->nfields == c->alloc) {
		size_t n = c->alloc ? 2 * c->alloc : 16;
		size_t *o = realloc(c->offs, n * sizeof(*o));

		if (o == NULL)
			return -1;
		c->offs = o;
		c->alloc = n;
	}
	c->offs[c->nfields++] = c->rec.len;
	return 0;
}

static enum bpt_status
csv_bad(struct bpt_ctx *ctx, struct csv *c, const char *what)
{
	return bpt_err(ctx, BPT_EDATA, "%s:%ld: %s", c->name, c->line, what);
}

/* The byte after a CR: a LF belongs to it, anything else is put back. */
static void
csv_eat_lf(struct csv *c)
{
	int ch = getc_unlocked(c->in);

	if (ch != '\n' && ch != EOF)
		ungetc(ch, c->in);
}

/*
 * Bytes of a field are gathered in a small run and added to the record
 * in bulk: a member list has a few hundred thousand of them, and one
 * buf_addch() each is a measurable part of an import.
 */
struct csv_run {
	char b[256];
	size_t n;
};

static void
run_flush(struct csv *c, struct csv_run *r)
{
	if (r->n > 0)
		buf_add(&c->rec, r->b, r->n);
	r->n = 0;
}

static void
run_add(struct csv *c, struct csv_run *r, int ch)
{
	if (r->n == sizeof(r->b))
		run_flush(c, r);
	r->b[r->n++] = (char)ch;
}

/*
 * 1 when the rest of in is valid UTF-8, 0 when it is not, -1 on a read
 * error.  Reads to the end.  A sequence cut by the end of a chunk is
 * carried over to the next.
 */
static int
rest_is_utf8(FILE *in)
{
	char b[3 + 16384];
	size_t carry = 0, n, ok;

	for (;;) {
		n = fread(b + carry, 1, sizeof(b) - carry, in);
		if (n == 0)
			return ferror(in) ? -1 : carry == 0;
		n += carry;
		ok = charset_utf8_valid_len(b, n);
		/* an unfinished sequence is at most 3 bytes long */
		if (n - ok > 3)
			return 0;
		carry = n - ok;
		memmove(b, b + ok, carry);
	}
}

/*
 * The first call: the charset of a stream that can seek (read through,
 * then back to where it was), and the byte order mark.  Returns the
 * first byte after the mark, CSV_NONE when it is still in the stream.
 */
static enum bpt_status
csv_start(struct bpt_ctx *ctx, struct csv *c, int *first)
{
	FILE *in = c->in;
	off_t pos;
	int ch, utf8;

	*first = CSV_NONE;
	c->started = 1;
	if ((pos = ftello(in)) >= 0) {
		if ((utf8 = rest_is_utf8(in)) < 0)
			return bpt_err(ctx, BPT_EIO, "%s: read error: %s", c->name,
			    strerror(errno));
		if (fseeko(in, pos, SEEK_SET) != 0)
			return bpt_err(ctx, BPT_EIO, "%s: cannot read it again: %s",
			    c->name, strerror(errno));
		c->charset = utf8 ? CSV_CHARSET_UNKNOWN : CSV_CHARSET_1252;
	}
	ch = getc_unlocked(in);
	if (ch != 0xef) {
		*first = ch;
		return BPT_OK;
	}
	/* 0xEF alone is a Windows-1252 i-diaeresis, 0xEF 0xBB a broken mark */
	ch = getc_unlocked(in);
	if (ch == 0xbb) {
		if (getc_unlocked(in) == 0xbf)
			return BPT_OK;
		c->line = 1;
		return csv_bad(ctx, c, "a broken byte order mark");
	}
	if (ch != EOF)
		ungetc(ch, in);
	*first = 0xef;
	return BPT_OK;
}

/* Field offsets of rec again, after a conversion moved them. */
static void
csv_reindex(struct csv *c)
{
	size_t i, k = 0;

	c->offs[k++] = 0;
	for (i = 0; i + 1 < c->rec.len && k < c->nfields; i++)
		if (c->rec.buf[i] == '\0')
			c->offs[k++] = i + 1;
}

/*
 * The charset of the record just read: UTF-8 stays as it is, the first
 * record beyond ASCII that is not UTF-8 makes the file Windows-1252
 * (when no record before was UTF-8 beyond ASCII), and Windows-1252 is
 * converted.
 */
static enum bpt_status
csv_recode(struct bpt_ctx *ctx, struct csv *c)
{
	const unsigned char *u = (const unsigned char *)c->rec.buf;
	struct buf t;
	size_t i, n = c->rec.len;
	unsigned r;

	for (i = 0; i < n && u[i] < 0x80; i++)
		continue;
	if (i == n)
		return BPT_OK;
	if (c->charset != CSV_CHARSET_1252) {
		if (charset_utf8_valid(c->rec.buf + i, n - i)) {
			c->charset = CSV_CHARSET_UTF8;
			return BPT_OK;
		}
		if (c->charset == CSV_CHARSET_UTF8)
			return csv_bad(ctx, c, "not UTF-8 text, though the lines "
			    "before are (save the whole file as CSV UTF-8)");
		c->charset = CSV_CHARSET_1252;
	}
	buf_reset(&c->conv);
	r = charset_to_utf8(&c->conv, "windows-1252", c->rec.buf, n);
	if (buf_failed(&c->conv))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	if (r & CHARSET_INVALID)
		return csv_bad(ctx, c, "neither UTF-8 nor Windows-1252 text");
	t = c->rec;
	c->rec = c->conv;
	c->conv = t;
	csv_reindex(c);
	return BPT_OK;
}

enum bpt_status
csv_next(struct bpt_ctx *ctx, struct csv *c, int *eof)
{
	FILE *in = c->in;
	struct csv_run run;
	enum bpt_status st;
	int ch = CSV_NONE, quoted = 0, after_quote = 0, at_start = 1;

	*eof = 0;
	run.n = 0;
	buf_reset(&c->rec);
	c->nfields = 0;
	if (!c->started && (st = csv_start(ctx, c, &ch)) != BPT_OK)
		return st;
	/* blank lines between records are skipped */
	for (;; ch = CSV_NONE) {
		if (ch == CSV_NONE)
			ch = getc_unlocked(in);
		if (ch == '\n') {
			c->next_line++;
		} else if (ch == '\r') {
			csv_eat_lf(c);
			c->next_line++;
		} else {
			break;
		}
	}
	c->line = c->next_line;
	if (ch == EOF) {
		if (ferror(in))
			return bpt_err(ctx, BPT_EIO, "%s: read error: %s", c->name,
			    strerror(errno));
		*eof = 1;
		return BPT_OK;
	}
	if (csv_new_field(c) < 0)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	for (;; ch = getc_unlocked(in)) {
		if (ch == EOF) {
			if (ferror(in))
				return bpt_err(ctx, BPT_EIO, "%s: read error: %s",
				    c->name, strerror(errno));
			if (quoted)
				return csv_bad(ctx, c, "quoted field not closed "
				    "before the end of the file");
			break;
		}
		if (ch == '\0')
			return csv_bad(ctx, c, "NUL byte in the data");
		if (c->rec.len + run.n > CSV_MAX_RECORD)
			return csv_bad(ctx, c, "record too long");
		if (quoted) {
			if (ch == '"') {
				int next = getc_unlocked(in);

				if (next == '"') {
					run_add(c, &run, '"');
					continue;
				}
				if (next != EOF)
					ungetc(next, in);
				quoted = 0;
				after_quote = 1;
				continue;
			}
			if (ch == '\n')
				c->next_line++;
			run_add(c, &run, ch);
			continue;
		}
		if (ch == c->sep || (c->sep == 0 && (ch == ',' || ch == ';'))) {
			c->sep = ch;
			run_add(c, &run, '\0');
			run_flush(c, &run);
			if (csv_new_field(c) < 0)
				return bpt_err(ctx, BPT_ENOMEM, "out of memory");
			at_start = 1;
			after_quote = 0;
			continue;
		}
		if (ch == '\n' || ch == '\r') {
			if (ch == '\r')
				csv_eat_lf(c);
			c->next_line++;
			break;
		}
		if (after_quote)
			return csv_bad(ctx, c, "text after the closing quote of a "
			    "field (write a quote inside quotes as \"\")");
		if (ch == '"') {
			if (!at_start)
				return csv_bad(ctx, c, "quote inside an unquoted field "
				    "(quote the whole field)");
			quoted = 1;
			at_start = 0;
			continue;
		}
		at_start = 0;
		run_add(c, &run, ch);
	}
	/* the first record had one field: a file of one column */
	if (c->sep == 0)
		c->sep = ',';
	run_add(c, &run, '\0');
	run_flush(c, &run);
	if (buf_failed(&c->rec))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	return csv_recode(ctx, c);
}

void
csv_add_field(struct buf *out, const char *s)
{
	const char *p;

	if (s == NULL)
		return;
	if (s[strcspn(s, ",;\"\r\n")] == '\0' && s[0] != ' ' &&
	    (s[0] == '\0' || s[strlen(s) - 1] != ' ')) {
		buf_adds(out, s);
		return;
	}
	buf_addch(out, '"');
	for (p = s; *p; p++) {
		if (*p == '"')
			buf_addch(out, '"');
		buf_addch(out, *p);
	}
	buf_addch(out, '"');
}

/* The first characters of what a spreadsheet takes for a formula. */
static int
formula_start(char ch)
{
	return ch != '\0' && strchr("=+-@\t\r", ch) != NULL;
}

void
csv_add_cell(struct buf *out, const char *s)
{
	if (s != NULL && (formula_start(s[0]) ||
	    (s[0] == '\'' && (s[1] == '\'' || formula_start(s[1]))))) {
		struct buf t = BUF_INIT;

		buf_addch(&t, '\'');
		buf_adds(&t, s);
		if (buf_failed(&t))
			out->oom = 1;
		else
			csv_add_field(out, buf_str(&t));
		buf_release(&t);
		return;
	}
	csv_add_field(out, s);
}

const char *
csv_cell_text(const char *s)
{
	if (s[0] == '\'' && (s[1] == '\'' || formula_start(s[1])))
		return s + 1;
	return s;
}
