/*
 * mailhdr.c - the raw message normalised (CRLF line ends, mbox "From "
 * line and NUL bytes gone, lines and fields counted), and its
 * top-level header split into fields with libetpan (see mail_int.h).
 */
#include "bptconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/mailimf.h>
#include <libetpan/mailmime.h>

#include "buf.h"
#include "charset.h"
#include "mail.h"
#include "mail_int.h"

/* The line at raw[i]: its end (before CR/LF) and the next line. */
static size_t
raw_line(const char *raw, size_t len, size_t i, size_t *next)
{
	const char *nl = memchr(raw + i, '\n', len - i);
	size_t e = nl ? (size_t)(nl - raw) : len;
	const char *cr = memchr(raw + i, '\r', e - i);

	if (cr != NULL && (size_t)(cr - raw) + 1 < e) {
		/* a lone CR ends a line too */
		*next = (size_t)(cr - raw) + 1;
		return (size_t)(cr - raw);
	}
	*next = nl ? e + 1 : len;
	if (cr != NULL)
		e--;
	return e;
}

static int
is_ct_line(const char *s, size_t n)
{
	return n >= 13 && strncasecmp(s, "content-type", 12) == 0 &&
	    (s[12] == ':' || s[12] == ' ' || s[12] == '\t' || s[12] == '(');
}

enum bpt_status
mailhdr_normalize(struct parse *ps, const char *raw, size_t len,
    struct norm *nm)
{
	size_t i = 0, e, next, extra = 0, k;
	long max_line = ps->lim.max_line;
	int blank = 0, ws_line = 0, eight = 0;
	const char *p;
	char *w;

	if (len >= 5 && memcmp(raw, "From ", 5) == 0)
		raw_line(raw, len, 0, &i);
	while (i < len) {
		e = raw_line(raw, len, i, &next);
		if (e != i)
			break;
		blank = 1;
		i = next;
	}
	if (blank && i < len)
		mail_note(ps, MAIL_MALFORMED, "empty line before the header");
	/* the header section, up to the first empty line */
	while (i < len) {
		e = raw_line(raw, len, i, &next);
		if (e == i) {
			i = next;
			break;
		}
		if ((long)(e - i) > max_line)
			nm->long_hdr = 1;
		if (mail_is_wsp((unsigned char)raw[i])) {
			for (k = i; k < e && mail_is_wsp((unsigned char)raw[k]);
			    k++)
				;
			if (k == e)
				ws_line = 1;
		} else {
			nm->nfields++;
		}
		if (is_ct_line(raw + i, e - i))
			nm->nct++;
		for (k = i; k < e; k++) {
			unsigned char c = (unsigned char)raw[k];

			if (c == '\0')
				buf_addch(&nm->hdr, ' ');
			else
				buf_addch(&nm->hdr, c);
			eight |= c & 0x80;
		}
		buf_add(&nm->hdr, "\r\n", 2);
		i = next;
	}
	if (eight)
		ps->m->flags |= MAIL_8BIT_HEADERS;
	if (ws_line)
		mail_note(ps, MAIL_MALFORMED,
		    "header line of white space only");
	/* the body: room for CRLF pairs, and a gap before it */
	for (p = raw + i; (p = memchr(p, '\n', (size_t)(raw + len - p))) != NULL;
	    p++)
		extra++;
	for (p = raw + i; (p = memchr(p, '\r', (size_t)(raw + len - p))) != NULL;
	    p++)
		extra++;
	nm->gap = nm->hdr.len + (size_t)nm->nfields + 16;
	if (len - i > SIZE_MAX / 2 - nm->gap - extra)
		return BPT_ENOMEM;
	nm->mem = malloc(nm->gap + (len - i) + extra + 3);
	if (nm->mem == NULL || buf_failed(&nm->hdr))
		return BPT_ENOMEM;
	w = nm->mem + nm->gap;
	while (i < len) {
		e = raw_line(raw, len, i, &next);
		if ((long)(e - i) > max_line)
			nm->long_body = 1;
		if (is_ct_line(raw + i, e - i))
			nm->nct++;
		memcpy(w, raw + i, e - i);
		w += e - i;
		if (next > e) {
			/* a line end, not the end of a last line without
			 * one: attachments keep their bytes */
			*w++ = '\r';
			*w++ = '\n';
		}
		i = next;
	}
	nm->blen = (size_t)(w - (nm->mem + nm->gap));
	return BPT_OK;
}

/* The index of the header called name in the known single fields;
 * -1 when repeating it is allowed. */
static int
single_field(const char *name)
{
	static const char *const once[] = {
		"from", "sender", "reply-to", "to", "cc", "bcc", "subject",
		"date", "message-id", "in-reply-to", "references",
		"content-type", "content-transfer-encoding",
		"content-disposition",
	};
	size_t i;

	for (i = 0; i < sizeof(once) / sizeof(once[0]); i++)
		if (strcasecmp(name, once[i]) == 0)
			return (int)i;
	return -1;
}

static int
is_mime_field(const char *name)
{
	return strncasecmp(name, "content-", 8) == 0 ||
	    strcasecmp(name, "mime-version") == 0;
}

/* One field of the top-level header: kept in m->hdr, and copied to
 * ps->mime when it is a MIME field. */
static void
add_header(struct parse *ps, const char *name, const char *value,
    unsigned *seen)
{
	struct mail *m = ps->m;
	struct mail_header *h;
	struct buf v = BUF_INIT;
	size_t n = strlen(value), i, b, e;
	char tmp[48];
	int once;

	if (m->nhdr == ps->hdr_alloc) {
		size_t na = ps->hdr_alloc ? ps->hdr_alloc * 2 : 32;
		struct mail_header *nh = realloc(m->hdr, na * sizeof(*nh));

		if (nh == NULL) {
			ps->oom = 1;
			return;
		}
		m->hdr = nh;
		ps->hdr_alloc = na;
	}
	/* unfolded: CR and LF removed */
	for (i = 0; i < n; i++)
		if (value[i] != '\r' && value[i] != '\n')
			buf_addch(&ps->t1, value[i]);
	if (is_mime_field(name)) {
		buf_addf(&ps->mime, "%s: ", name);
		buf_add(&ps->mime, buf_str(&ps->t1), ps->t1.len);
		buf_add(&ps->mime, "\r\n", 2);
	}
	if (!charset_utf8_valid(buf_str(&ps->t1), ps->t1.len))
		mail_note(ps, MAIL_MALFORMED,
		    "raw 8-bit bytes that are not UTF-8 in %s",
		    mail_printable(name, tmp));
	charset_raw_to_utf8(&v, buf_str(&ps->t1), ps->t1.len);
	buf_reset(&ps->t1);
	for (i = 0; i < v.len; i++)
		if ((unsigned char)v.buf[i] < 0x20 && v.buf[i] != '\t')
			v.buf[i] = ' ';
		else if (v.buf[i] == 0x7f)
			v.buf[i] = ' ';
	for (b = 0; b < v.len && mail_is_wsp((unsigned char)v.buf[b]); b++)
		;
	for (e = v.len; e > b && mail_is_wsp((unsigned char)v.buf[e - 1]); e--)
		;
	h = &m->hdr[m->nhdr];
	/* libetpan lets any byte but ':' into a name: keep it ASCII */
	h->name = mail_xstrdup(ps, name);
	for (i = 0; h->name != NULL && h->name[i] != '\0'; i++)
		if ((unsigned char)h->name[i] <= 0x20 ||
		    (unsigned char)h->name[i] >= 0x7f)
			h->name[i] = '?';
	h->value = xmemdupz(buf_str(&v) + b, e - b);
	buf_release(&v);
	if (h->name == NULL || h->value == NULL) {
		free(h->name);
		free(h->value);
		ps->oom = 1;
		return;
	}
	m->nhdr++;
	once = single_field(name);
	if (once >= 0) {
		/* a second From, Subject, In-Reply-To or MIME field makes
		 * the message ambiguous; a second To or Cc does not */
		if (*seen & (1u << once))
			mail_note(ps, strcasecmp(name, "to") == 0 ||
			    strcasecmp(name, "cc") == 0 ||
			    strcasecmp(name, "bcc") == 0 ? 0 : MAIL_MALFORMED,
			    "more than one %s field",
			    mail_printable(name, tmp));
		*seen |= 1u << once;
	}
}

/* Notes a Content-Type, -Transfer-Encoding or -Disposition field
 * libetpan cannot read (it then acts as if it were absent). */
static void
mime_field_check(struct parse *ps, struct mailimf_optional_field *of)
{
	struct mailmime_field *mf = NULL;
	char tmp[48];
	int r;

	if (strcasecmp(of->fld_name, "Content-Type") != 0 &&
	    strcasecmp(of->fld_name, "Content-Transfer-Encoding") != 0 &&
	    strcasecmp(of->fld_name, "Content-Disposition") != 0)
		return;
	r = mailmime_field_parse(of, &mf);
	if (r == MAILIMF_NO_ERROR)
		mailmime_field_free(mf);
	else if (r == MAILIMF_ERROR_MEMORY)
		ps->oom = 1;
	else
		mail_note(ps, MAIL_MALFORMED, "unreadable %s field",
		    mail_printable(of->fld_name, tmp));
}

/* Splits the header section into fields with libetpan; a line it
 * cannot read is skipped with its continuation lines. */
void
mailhdr_top_headers(struct parse *ps, const char *p, size_t n)
{
	struct mailimf_fields *f;
	clistiter *it;
	size_t idx = 0, start;
	unsigned seen = 0;
	char tmp[48];
	int r;

	while (idx < n && !ps->oom) {
		start = idx;
		f = NULL;
		r = mailimf_optional_fields_parse(p, n, &idx, &f);
		if (r == MAILIMF_ERROR_MEMORY) {
			ps->oom = 1;
			break;
		}
		if (r == MAILIMF_NO_ERROR && f != NULL) {
			for (it = clist_begin(f->fld_list); it != NULL;
			    it = clist_next(it)) {
				struct mailimf_field *fd = clist_content(it);
				struct mailimf_optional_field *of =
				    fd->fld_data.fld_optional_field;

				if (fd->fld_type != MAILIMF_FIELD_OPTIONAL_FIELD ||
				    of == NULL)
					continue;
				add_header(ps, of->fld_name, of->fld_value,
				    &seen);
				mime_field_check(ps, of);
			}
			mailimf_fields_free(f);
		}
		if (r != MAILIMF_NO_ERROR)
			idx = start;
		if (idx >= n)
			break;
		{
			char line[48];
			size_t e = mail_line_after(p, n, idx), k;

			for (k = 0; k < 40 && idx + k < e && p[idx + k] != '\r';
			    k++)
				line[k] = p[idx + k];
			line[k] = '\0';
			mail_note(ps, MAIL_MALFORMED,
			    "unreadable header line '%s'",
			    mail_printable(line, tmp));
			idx = e;
			while (idx < n && mail_is_wsp((unsigned char)p[idx]))
				idx = mail_line_after(p, n, idx);
		}
	}
}

const char *
mail_header(const struct mail *m, const char *name, size_t i)
{
	size_t k;

	if (m == NULL)
		return NULL;
	for (k = 0; k < m->nhdr; k++)
		if (strcasecmp(m->hdr[k].name, name) == 0 && i-- == 0)
			return m->hdr[k].value;
	return NULL;
}
