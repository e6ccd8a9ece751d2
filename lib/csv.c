/* csv.c - an RFC 4180 reader that streams, and a field writer. */
#include "bptconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

void
csv_init(struct csv *c, FILE *in, const char *name)
{
	memset(c, 0, sizeof(*c));
	c->in = in;
	c->name = name ? name : "stdin";
	c->next_line = 1;
	buf_init(&c->rec);
}

void
csv_release(struct csv *c)
{
	buf_release(&c->rec);
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

enum bpt_status
csv_next(struct bpt_ctx *ctx, struct csv *c, int *eof)
{
	FILE *in = c->in;
	struct csv_run run;
	int ch, quoted = 0, after_quote = 0, at_start = 1;

	*eof = 0;
	run.n = 0;
	buf_reset(&c->rec);
	c->nfields = 0;
	if (!c->started) {
		c->started = 1;
		ch = getc_unlocked(in);
		if (ch == 0xef) {
			if (getc_unlocked(in) != 0xbb || getc_unlocked(in) != 0xbf) {
				c->line = 1;
				return csv_bad(ctx, c, "not UTF-8 text");
			}
		} else if (ch != EOF) {
			ungetc(ch, in);
		}
	}
	/* blank lines between records are skipped */
	for (;;) {
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
		if (ch == ',') {
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
	run_add(c, &run, '\0');
	run_flush(c, &run);
	if (buf_failed(&c->rec))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	return BPT_OK;
}

void
csv_add_field(struct buf *out, const char *s)
{
	const char *p;

	if (s == NULL)
		return;
	if (s[strcspn(s, ",\"\r\n")] == '\0' && s[0] != ' ' &&
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
