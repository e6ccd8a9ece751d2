/* printer.c - text, tsv and json output behind one interface. */
#include "bptconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "printer.h"
#include "util.h"

#define PR_MAXCOLS 32
#define PR_MAXDEPTH 8

struct printer {
	FILE *out;
	enum pr_format fmt;
	const char *tz;		/* zone of times; borrowed, NULL: UTC */
	int depth;		/* nesting: 0 none, 1 top document, 2 nested list */
	int first[PR_MAXDEPTH];	/* json: no comma needed yet at this depth */
	/* current list */
	const struct pr_column *cols;
	int ncols;
	int col;		/* next column of the current row */
	char listname[64];
	/* text: sample rows kept until widths are known */
	struct buf row;		/* current row's cells, NUL-separated */
	char **sample;
	int nsample;
	int sampling;
	int width[PR_MAXCOLS];
	int blocks;		/* text: records as blocks, not columns */
	int oom;
};

struct printer *
pr_new(FILE *out, enum pr_format fmt)
{
	struct printer *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->out = out;
	p->fmt = fmt;
	buf_init(&p->row);
	return p;
}

int
pr_parse_format(const char *s, enum pr_format *fmt)
{
	if (strcmp(s, "text") == 0)
		*fmt = PR_TEXT;
	else if (strcmp(s, "tsv") == 0)
		*fmt = PR_TSV;
	else if (strcmp(s, "json") == 0)
		*fmt = PR_JSON;
	else
		return -1;
	return 0;
}

enum pr_format
pr_format(const struct printer *p)
{
	return p->fmt;
}

/* JSON string with escapes; invalid UTF-8 bytes become U+FFFD. */
static void
json_string(FILE *out, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	putc('"', out);
	while (*u) {
		unsigned char c = *u;
		int n = 0, i;
		size_t run;

		/* plain ASCII goes out as a run: texts are long */
		for (run = 0; u[run] >= 0x20 && u[run] < 0x7f && u[run] != '"' &&
		    u[run] != '\\'; run++)
			;
		if (run > 0) {
			fwrite(u, 1, run, out);
			u += run;
			continue;
		}

		if (c == '"' || c == '\\') {
			putc('\\', out);
			putc(c, out);
			u++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			switch (c) {
			case '\n': fputs("\\n", out); break;
			case '\r': fputs("\\r", out); break;
			case '\t': fputs("\\t", out); break;
			default: fprintf(out, "\\u%04x", c); break;
			}
			u++;
			continue;
		}
		if (c < 0x80) {
			putc(c, out);
			u++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3;
		for (i = 1; n > 0 && i <= n; i++)
			if ((u[i] & 0xc0) != 0x80)
				n = 0;
		/* reject overlongs and surrogates */
		if (n == 2 && ((c == 0xe0 && u[1] < 0xa0) || (c == 0xed && u[1] >= 0xa0)))
			n = 0;
		if (n == 3 && ((c == 0xf0 && u[1] < 0x90) || (c == 0xf4 && u[1] >= 0x90)))
			n = 0;
		if (n == 0) {
			fputs("\\ufffd", out);
			u++;
			continue;
		}
		fwrite(u, 1, (size_t)n + 1, out);
		u += n + 1;
	}
	putc('"', out);
}

static void
tsv_string(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\t': fputs("\\t", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\\': fputs("\\\\", out); break;
		default: putc(*s, out); break;
		}
	}
}

/* Display width of UTF-8 text: code points, not bytes. */
static int
text_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void
json_sep(struct printer *p)
{
	if (!p->first[p->depth])
		putc(',', p->out);
	p->first[p->depth] = 0;
}

static void
text_emit_row(struct printer *p, const char *cells)
{
	const char *c = cells;
	int i;

	for (i = 0; i < p->ncols; i++) {
		int w = text_width(c);

		fputs(c, p->out);
		if (i + 1 < p->ncols)
			fprintf(p->out, "%*s", (w < p->width[i] ? p->width[i] - w : 0) + 2, "");
		c += strlen(c) + 1;
	}
	putc('\n', p->out);
}

static void
text_flush_sample(struct printer *p)
{
	int i;

	if (!p->sampling)
		return;
	p->sampling = 0;
	{
		struct buf h = BUF_INIT;

		for (i = 0; i < p->ncols; i++) {
			buf_adds(&h, p->cols[i].title);
			buf_addch(&h, '\0');
		}
		if (!buf_failed(&h))
			text_emit_row(p, h.buf);
		buf_release(&h);
	}
	for (i = 0; i < p->nsample; i++) {
		text_emit_row(p, p->sample[i]);
		free(p->sample[i]);
	}
	free(p->sample);
	p->sample = NULL;
	p->nsample = 0;
}

void
pr_list_begin(struct printer *p, const char *name, const struct pr_column *cols,
    int ncols)
{
	int i;

	p->cols = cols;
	p->ncols = ncols > PR_MAXCOLS ? PR_MAXCOLS : ncols;
	snprintf(p->listname, sizeof(p->listname), "%s", name);
	switch (p->fmt) {
	case PR_JSON:
		if (p->depth == 0) {
			fprintf(p->out, "{\"format_version\":%d,", PR_FORMAT_VERSION);
			json_string(p->out, name);
			fputs(":[", p->out);
		} else {
			json_sep(p);
			json_string(p->out, name);
			fputs(":[", p->out);
		}
		break;
	case PR_TEXT:
		if (p->depth > 0)
			fprintf(p->out, "\n%s:\n", name);
		p->sampling = 1;
		for (i = 0; i < p->ncols; i++)
			p->width[i] = text_width(cols[i].title);
		p->sample = NULL;
		p->nsample = 0;
		break;
	case PR_TSV:
		break;
	}
	p->depth++;
	p->first[p->depth] = 1;
}

void
pr_list_begin_blocks(struct printer *p, const char *name,
    const struct pr_column *cols, int ncols)
{
	pr_list_begin(p, name, cols, ncols);
	if (p->fmt == PR_TEXT) {
		p->blocks = 1;
		p->sampling = 0;
	}
}

/* A text block's field: the title, then the value with its lines
 * indented and control characters (a terminal's escapes) shown as '?'. */
static void
block_field(struct printer *p, const char *title, const char *v)
{
	fprintf(p->out, "%-10s ", title);
	if (v == NULL) {
		fputs("-\n", p->out);
		return;
	}
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;

		if (c == '\n') {
			if (v[1] != '\0')
				fputs("\n           ", p->out);
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			putc('?', p->out);
		} else {
			putc(c, p->out);
		}
	}
	putc('\n', p->out);
}

void
pr_row_begin(struct printer *p)
{
	p->col = 0;
	buf_reset(&p->row);
	if (p->fmt == PR_JSON) {
		json_sep(p);
		putc('{', p->out);
	} else if (p->fmt == PR_TSV && p->depth > 1) {
		tsv_string(p->out, p->listname);
		putc('\t', p->out);
	}
}

/* One cell: kind 's' string (may be NULL), 'r' raw json token. */
static void
pr_cell(struct printer *p, const char *s, int raw)
{
	int i = p->col++;

	if (i >= p->ncols)
		return;
	switch (p->fmt) {
	case PR_JSON:
		if (i > 0)
			putc(',', p->out);
		json_string(p->out, p->cols[i].key);
		putc(':', p->out);
		if (s == NULL)
			fputs("null", p->out);
		else if (raw)
			fputs(s, p->out);
		else
			json_string(p->out, s);
		break;
	case PR_TSV:
		if (i > 0)
			putc('\t', p->out);
		if (s != NULL)
			tsv_string(p->out, s);
		break;
	case PR_TEXT: {
		const char *v = s ? s : "-";
		size_t k;

		if (p->blocks) {
			block_field(p, p->cols[i].title, s);
			break;
		}
		/* a cell is one line on screen, without control characters */
		for (k = 0; v[k]; k++) {
			unsigned char c = (unsigned char)v[k];

			buf_addch(&p->row, c == '\n' || c == '\t' || c == '\r' ? ' ' :
			    c < 0x20 || c == 0x7f ? '?' : c);
		}
		buf_addch(&p->row, '\0');
		if (p->sampling && text_width(v) > p->width[i])
			p->width[i] = text_width(v);
		break;
	}
	}
}

void
pr_str(struct printer *p, const char *s)
{
	pr_cell(p, s, 0);
}

void
pr_int(struct printer *p, long long v)
{
	char n[32];

	snprintf(n, sizeof(n), "%lld", v);
	pr_cell(p, n, 1);
}

void
pr_bool(struct printer *p, int v)
{
	if (p->fmt == PR_JSON)
		pr_cell(p, v ? "true" : "false", 1);
	else
		pr_cell(p, v ? "yes" : "no", 1);
}

void
pr_null(struct printer *p)
{
	pr_cell(p, NULL, 0);
}

void
pr_set_timezone(struct printer *p, const char *tz)
{
	p->tz = tz;
}

void
pr_time(struct printer *p, time_t t)
{
	char b[32];

	if (t == 0) {
		pr_null(p);
		return;
	}
	if (p->fmt == PR_TEXT)
		util_time_short(p->tz, t, b);
	else
		util_time_iso(p->tz, t, b);
	pr_str(p, b);
}

void
pr_row_end(struct printer *p)
{
	while (p->col < p->ncols)
		pr_null(p);
	switch (p->fmt) {
	case PR_JSON:
		putc('}', p->out);
		break;
	case PR_TSV:
		putc('\n', p->out);
		break;
	case PR_TEXT:
		if (p->blocks) {
			putc('\n', p->out);
			break;
		}
		if (buf_failed(&p->row)) {
			p->oom = 1;
			break;
		}
		if (p->sampling) {
			char **ns;
			char *copy = malloc(p->row.len + 1);

			ns = realloc(p->sample, sizeof(*ns) * (size_t)(p->nsample + 1));
			if (ns == NULL || copy == NULL) {
				free(copy);
				if (ns != NULL)
					p->sample = ns;
				p->oom = 1;
				break;
			}
			p->sample = ns;
			memcpy(copy, p->row.buf, p->row.len + 1);
			p->sample[p->nsample++] = copy;
			if (p->nsample >= PR_TEXT_SAMPLE)
				text_flush_sample(p);
		} else {
			text_emit_row(p, p->row.buf);
		}
		break;
	}
}

void
pr_list_end(struct printer *p)
{
	p->depth--;
	switch (p->fmt) {
	case PR_JSON:
		putc(']', p->out);
		if (p->depth == 0)
			fputs("}\n", p->out);
		break;
	case PR_TEXT:
		text_flush_sample(p);
		p->blocks = 0;
		break;
	case PR_TSV:
		break;
	}
}

void
pr_object_begin(struct printer *p, const char *name)
{
	(void)name;
	if (p->fmt == PR_JSON)
		fprintf(p->out, "{\"format_version\":%d", PR_FORMAT_VERSION);
	p->depth++;
	p->first[p->depth] = 0;
}

static void
pr_kv(struct printer *p, const char *key, const char *s, int raw)
{
	switch (p->fmt) {
	case PR_JSON:
		json_sep(p);
		json_string(p->out, key);
		putc(':', p->out);
		if (s == NULL)
			fputs("null", p->out);
		else if (raw)
			fputs(s, p->out);
		else
			json_string(p->out, s);
		break;
	case PR_TSV:
		tsv_string(p->out, key);
		putc('\t', p->out);
		if (s)
			tsv_string(p->out, s);
		putc('\n', p->out);
		break;
	case PR_TEXT:
		fprintf(p->out, "%-16s %s\n", key, s ? s : "-");
		break;
	}
}

void
pr_time_iso(struct printer *p, time_t t)
{
	char b[32];

	if (t == 0) {
		pr_null(p);
		return;
	}
	util_time_iso(p->tz, t, b);
	pr_str(p, b);
}

void
pr_kv_str(struct printer *p, const char *key, const char *s)
{
	pr_kv(p, key, s, 0);
}

void
pr_kv_block(struct printer *p, const char *key, const char *s)
{
	size_t n;

	if (p->fmt != PR_TEXT) {
		pr_kv(p, key, s, 0);
		return;
	}
	text_flush_sample(p);
	if (s == NULL)
		return;
	n = strlen(s);
	putc('\n', p->out);
	fputs(s, p->out);
	if (n > 0 && s[n - 1] != '\n')
		putc('\n', p->out);
}

void
pr_kv_time(struct printer *p, const char *key, time_t t)
{
	char b[32];

	if (t == 0) {
		pr_kv_str(p, key, NULL);
		return;
	}
	util_time_iso(p->tz, t, b);
	pr_kv_str(p, key, b);
}

void
pr_kv_int(struct printer *p, const char *key, long long v)
{
	char n[32];

	snprintf(n, sizeof(n), "%lld", v);
	pr_kv(p, key, n, 1);
}

void
pr_kv_bool(struct printer *p, const char *key, int v)
{
	pr_kv(p, key, p->fmt == PR_JSON ? (v ? "true" : "false") :
	    (v ? "yes" : "no"), 1);
}

void
pr_object_end(struct printer *p)
{
	p->depth--;
	if (p->fmt == PR_JSON)
		fputs("}\n", p->out);
}

int
pr_free(struct printer *p)
{
	int rc = 0, e = 0;

	if (p == NULL)
		return 0;
	text_flush_sample(p);
	if (fflush(p->out) != 0 || ferror(p->out)) {
		rc = -1;
		e = errno;
	}
	if (p->oom) {
		rc = -1;
		e = ENOMEM;
	}
	buf_release(&p->row);
	free(p);
	errno = e;
	return rc;
}
