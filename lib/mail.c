/*
 * mail.c - one RFC 5322 message parsed with libetpan (see mail.h).
 *
 * The path of a message through the parser (the files are named in
 * mail_int.h):
 *
 *  1. mailhdr_normalize(): the raw bytes are copied with CRLF line
 *     ends, an mbox "From " line and blank lines before the header
 *     dropped, NUL bytes in the header made spaces; lines and header
 *     fields are counted on the way (the cheap part of the limit
 *     checks).
 *  2. mailhdr_top_headers(): libetpan splits the header section into
 *     fields; mailfields_read() reads the fields of struct mail from
 *     them with libetpan's address, message-id and date parsers.
 *  3. parse_message(): the body, behind a header holding only the MIME
 *     fields of the message, is first scanned (mimescan_entity()):
 *     every header section is parsed by libetpan as mailmime_parse()
 *     will, and every multipart body is split at its delimiter lines
 *     by the rules of libetpan 1.9.4, counting parts and depth,
 *     without building anything.  Only a structure within the limits,
 *     and without a boundary that 1.9.4 mishandles, reaches
 *     mailmime_parse(); walk() then collects text (mailtext.c) and
 *     attachments (mimepart.c).
 */
#include "bptconf.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libetpan/mailimf.h>
#include <libetpan/mailmime.h>

#include "addr.h"
#include "buf.h"
#include "mail.h"
#include "mail_int.h"

#define NOTES_MAX	4096		/* bytes of notes kept */
#define DEPTH_CAP	100		/* nesting never followed deeper */

static const char fwd_line[] = "---------- Doorgestuurd bericht ----------";

/* --- small helpers ----------------------------------------------------- */

/* Up to 40 printable ASCII characters of s, for notes. */
const char *
mail_printable(const char *s, char out[48])
{
	size_t i;

	if (s == NULL)
		return "";
	for (i = 0; s[i] != '\0' && i < 40; i++)
		out[i] = (s[i] > 0x20 && s[i] < 0x7f) ? s[i] : '?';
	out[i] = '\0';
	if (s[i] != '\0' && i >= 3)
		memcpy(out + i - 3, "...", 3);
	return out;
}

/* Sets flag and adds a remark once (notes are capped). */
void
mail_note(struct parse *ps, unsigned flag, const char *fmt, ...)
{
	struct buf line = BUF_INIT;
	va_list ap;

	ps->m->flags |= flag;
	va_start(ap, fmt);
	buf_vaddf(&line, fmt, ap);
	va_end(ap);
	if (buf_failed(&line)) {
		ps->oom = 1;
		return;
	}
	if (ps->notes.len + line.len + 2 <= NOTES_MAX &&
	    strstr(buf_str(&ps->notes), line.buf) == NULL) {
		if (ps->notes.len > 0)
			buf_add(&ps->notes, "; ", 2);
		buf_add(&ps->notes, line.buf, line.len);
	}
	buf_release(&line);
}

char *
mail_xstrdup(struct parse *ps, const char *s)
{
	char *r = strdup(s);

	if (r == NULL)
		ps->oom = 1;
	return r;
}

char *
mail_detach(struct parse *ps, struct buf *b)
{
	char *r = buf_detach(b, NULL);

	if (r == NULL)
		ps->oom = 1;
	return r;
}

/* --- the walk over libetpan's tree ------------------------------------ */

static void walk(struct parse *, struct mailmime *, struct wctx);
static void parse_message(struct parse *, const char *, size_t,
    const struct wctx *, int);

/* A part that is not multipart or message/rfc822. */
static void
walk_single(struct parse *ps, struct mailmime *mm, const struct wctx *w)
{
	struct mailmime_single_fields sf;
	char type[128], *dec = NULL;
	const char *flow, *delsp;
	size_t dlen = 0;
	int attach, html;

	mimepart_type(mm->mm_content_type, type);
	mailmime_single_fields_init(&sf, mm->mm_mime_fields,
	    mm->mm_content_type);
	mimepart_check_encoding(ps, &sf);
	attach = sf.fld_disposition != NULL &&
	    sf.fld_disposition->dsp_type != NULL &&
	    sf.fld_disposition->dsp_type->dsp_type ==
	    MAILMIME_DISPOSITION_TYPE_ATTACHMENT;
	if ((strcmp(type, "message/delivery-status") == 0 ||
	    strcmp(type, "message/global-delivery-status") == 0) &&
	    !w->in_forward) {
		if (ps->m->dsn == NULL) {
			mimepart_decode_body(ps, mm->mm_data.mm_single, &dec,
			    &dlen);
			ps->m->dsn = mailtext_clean_string(ps, dec ? dec : "",
			    dlen);
		}
		goto out;
	}
	if ((strcmp(type, "text/rfc822-headers") == 0 ||
	    strcmp(type, "message/rfc822-headers") == 0 ||
	    strcmp(type, "message/global-headers") == 0) && w->report) {
		if (ps->m->dsn_original == NULL) {
			mimepart_decode_body(ps, mm->mm_data.mm_single, &dec,
			    &dlen);
			ps->m->dsn_original = mailtext_clean_string(ps,
			    dec ? dec : "", dlen);
		}
		goto out;
	}
	if (strncmp(type, "multipart/", 10) == 0) {
		mail_note(ps, MAIL_MALFORMED, "multipart without boundary");
		attach = 0;
	}
	html = strcmp(type, "text/html") == 0;
	if (!attach && w->atts_only && strncmp(type, "text/", 5) == 0)
		goto out;	/* another rendering of a losing alternative */
	if (!attach && (html || strcmp(type, "text/plain") == 0 ||
	    strncmp(type, "multipart/", 10) == 0)) {
		if (w->atts_only)
			goto out;
		mimepart_decode_body(ps, mm->mm_data.mm_single, &dec, &dlen);
		flow = mailmime_content_param_get(mm->mm_content_type, "format");
		delsp = mailmime_content_param_get(mm->mm_content_type, "delsp");
		mailtext_add(ps, dec ? dec : "", dlen, sf.fld_content_charset,
		    html,
		    flow != NULL && strcasecmp(flow, "flowed") == 0,
		    delsp != NULL && strcasecmp(delsp, "yes") == 0);
		goto out;
	}
	mimepart_add_attachment(ps, mm, &sf, type, w);
out:
	if (dec != NULL)
		mailmime_decoded_part_free(dec);
}

/* An address to show: its normal form, else the text cleaned. */
static char *
mailbox_addr(struct parse *ps, const char *spec)
{
	char *out = NULL;

	if (spec == NULL)
		return NULL;
	if (addr_normalize(NULL, spec, &out) == BPT_OK)
		return out;
	return rfc2047_decode_field(ps, "forwarded address", spec);
}

/* "Van:", "Datum:" and "Onderwerp:" of a forwarded message. */
static void
forward_header(struct parse *ps, struct mailimf_fields *f)
{
	struct mailimf_mailbox *from = NULL;
	const struct mailimf_date_time *dt = NULL;
	const char *subject = NULL;
	struct buf b = BUF_INIT;
	clistiter *it;
	char *name = NULL, *addr = NULL, *s;

	for (it = f ? clist_begin(f->fld_list) : NULL; it != NULL;
	    it = clist_next(it)) {
		struct mailimf_field *fd = clist_content(it);

		if (fd->fld_type == MAILIMF_FIELD_FROM && from == NULL &&
		    !clist_isempty(fd->fld_data.fld_from->frm_mb_list->mb_list))
			from = clist_content(clist_begin(
			    fd->fld_data.fld_from->frm_mb_list->mb_list));
		else if (fd->fld_type == MAILIMF_FIELD_ORIG_DATE && dt == NULL)
			dt = fd->fld_data.fld_orig_date->dt_date_time;
		else if (fd->fld_type == MAILIMF_FIELD_SUBJECT && subject == NULL)
			subject = fd->fld_data.fld_subject->sbj_value;
	}
	buf_adds(&b, fwd_line);
	buf_addch(&b, '\n');
	if (from != NULL) {
		addr = mailbox_addr(ps, from->mb_addr_spec);
		if (from->mb_display_name != NULL)
			name = rfc2047_decode_field(ps, "forwarded From",
			    from->mb_display_name);
		if (name != NULL && addr != NULL)
			buf_addf(&b, "Van: %s <%s>\n", name, addr);
		else if (name != NULL || addr != NULL)
			buf_addf(&b, "Van: %s\n", name ? name : addr);
	}
	if (dt != NULL)
		buf_addf(&b, "Datum: %02d-%02d-%04d %02d:%02d\n", dt->dt_day,
		    dt->dt_month, dt->dt_year, dt->dt_hour, dt->dt_min);
	if (subject != NULL &&
	    (s = rfc2047_decode_field(ps, "forwarded Subject",
	    subject)) != NULL) {
		buf_addf(&b, "Onderwerp: %s\n", s);
		free(s);
	}
	if (buf_failed(&b))
		ps->oom = 1;
	mailtext_append(ps, buf_str(&b), b.len);
	buf_release(&b);
	free(name);
	free(addr);
}

/* A message/rfc822 part: headers of a returned message in a report,
 * else a forwarded block in the text and its parts in_forward. */
static void
walk_message(struct parse *ps, struct mailmime *mm, struct wctx w)
{
	const struct mailmime_data *body = mm->mm_body;
	const char *p = body && body->dt_type == MAILMIME_DATA_TEXT ?
	    body->dt_data.dt_text.dt_data : NULL;
	size_t n = p ? body->dt_data.dt_text.dt_length : 0;

	if (w.report) {
		if (ps->m->dsn_original == NULL)
			ps->m->dsn_original = mailtext_header_block(ps,
			    p ? p : "", n);
		return;
	}
	if (n == 0) {
		mail_note(ps, MAIL_MALFORMED, "empty attached message");
		return;
	}
	w.in_forward = 1;
	w.related = 0;
	if (n >= 5 && memcmp(p, "From ", 5) == 0) {
		/* an mbox "From " line hides the header from libetpan:
		 * read the message again without it */
		size_t skip = mail_line_after(p, n, 0);

		parse_message(ps, p + skip, n - skip, &w, 0);
		return;
	}
	if (!w.atts_only)
		forward_header(ps, mm->mm_data.mm_message.mm_fields);
	if (mm->mm_data.mm_message.mm_msg_mime != NULL)
		walk(ps, mm->mm_data.mm_message.mm_msg_mime, w);
}

/* Is this child of a multipart/alternative plain text? */
static int
is_plain(struct mailmime *mm)
{
	char type[128];

	if (mm->mm_type != MAILMIME_SINGLE)
		return 0;
	mimepart_type(mm->mm_content_type, type);
	return strcmp(type, "text/plain") == 0;
}

/* How good an alternative other than plain text is. */
static int
rank(struct mailmime *mm)
{
	char type[128];

	if (mm->mm_type != MAILMIME_SINGLE)
		return 2;
	mimepart_type(mm->mm_content_type, type);
	return strcmp(type, "text/html") == 0;
}

static void
walk_multipart(struct parse *ps, struct mailmime *mm, struct wctx w)
{
	clist *list = mm->mm_data.mm_multipart.mm_mp_list;
	const char *sub = mm->mm_content_type && mm->mm_content_type->ct_subtype ?
	    mm->mm_content_type->ct_subtype : "mixed";
	struct mailmime *chosen = NULL, *second = NULL, *c;
	struct wctx cw;
	clistiter *it;
	size_t before;
	int count = clist_count(list);

	if (count == 0) {
		mail_note(ps, MAIL_MALFORMED,
		    "multipart without parts (boundary never found)");
		return;
	}
	ps->m->nparts += (size_t)count;
	if ((long)ps->m->nparts > ps->lim.max_parts) {
		mail_note(ps, MAIL_LIMIT_PARTS, "more than %ld MIME parts",
		    ps->lim.max_parts);
		return;
	}
	cw = w;
	cw.related = strcasecmp(sub, "related") == 0;
	cw.report = strcasecmp(sub, "report") == 0;
	if (strcasecmp(sub, "alternative") != 0) {
		for (it = clist_begin(list); it != NULL; it = clist_next(it))
			walk(ps, clist_content(it), cw);
		return;
	}
	/* plain text wins; the runner-up is the first multipart (HTML
	 * with its images), else the HTML, else whatever comes first;
	 * it takes over when the winner gives no text */
	for (it = clist_begin(list); it != NULL; it = clist_next(it)) {
		c = clist_content(it);
		if (chosen == NULL && is_plain(c))
			chosen = c;
	}
	for (it = clist_begin(list); it != NULL; it = clist_next(it)) {
		c = clist_content(it);
		if (c != chosen && (second == NULL || (rank(c) > rank(second))))
			second = c;
	}
	if (chosen == NULL) {
		chosen = second;
		second = NULL;
	}
	before = ps->text.len;
	walk(ps, chosen, cw);
	if (ps->text.len == before && second != NULL && !cw.atts_only) {
		walk(ps, second, cw);
	} else {
		second = NULL;
	}
	cw.atts_only = 1;
	for (it = clist_begin(list); it != NULL; it = clist_next(it)) {
		c = clist_content(it);
		if (c != chosen && c != second)
			walk(ps, c, cw);
	}
}

static void
walk(struct parse *ps, struct mailmime *mm, struct wctx w)
{
	if (mm == NULL || ps->oom)
		return;
	if (mm->mm_type == MAILMIME_MULTIPLE || mm->mm_type == MAILMIME_MESSAGE) {
		if (++w.depth > ps->lim.max_depth) {
			mail_note(ps, MAIL_LIMIT_DEPTH,
			    "MIME nesting deeper than %ld", ps->lim.max_depth);
			return;
		}
	}
	switch (mm->mm_type) {
	case MAILMIME_SINGLE:
		walk_single(ps, mm, &w);
		break;
	case MAILMIME_MULTIPLE:
		walk_multipart(ps, mm, w);
		break;
	case MAILMIME_MESSAGE:
		walk_message(ps, mm, w);
		break;
	}
}

/*
 * Scans p[0..n) (a message: header, empty line, body) against the
 * limits and, when it is within them, has mailmime_parse() read it
 * and walks the result.  top: the message itself, else a forwarded one
 * read again.
 */
static void
parse_message(struct parse *ps, const char *p, size_t n,
    const struct wctx *w, int top)
{
	struct scan sc = { ps, 0, NULL, 0, 0 };
	struct mailmime *mime = NULL;
	size_t idx = 0;
	int r;

	mimescan_entity(&sc, p, n, w->depth, 1, 0);
	if (ps->oom)
		return;
	if (sc.flags & MAIL_LIMIT_PARTS)
		mail_note(ps, MAIL_LIMIT_PARTS, "more than %ld MIME parts",
		    ps->lim.max_parts);
	if (sc.flags & MAIL_LIMIT_DEPTH)
		mail_note(ps, MAIL_LIMIT_DEPTH, "MIME nesting deeper than %ld",
		    ps->lim.max_depth);
	if (sc.flags & MAIL_LIMIT_HEADERS)
		mail_note(ps, MAIL_LIMIT_HEADERS,
		    "a MIME part with more than %ld header fields",
		    ps->lim.max_headers);
	if (sc.hostile != NULL)
		mail_note(ps, MAIL_MALFORMED, "MIME structure not read: %s",
		    sc.hostile);
	if (sc.unquoted)
		mail_note(ps, 0, "MIME boundary with special characters "
		    "not quoted");
	if (sc.lookalike)
		mail_note(ps, MAIL_MALFORMED,
		    "a line starting like a MIME boundary "
		    "(boundaries that are prefixes of each other?)");
	if (sc.flags != 0 || sc.hostile != NULL)
		return;
	r = mailmime_parse(p, n, &idx, &mime);
	if (r != MAILIMF_NO_ERROR) {
		if (r == MAILIMF_ERROR_MEMORY)
			ps->oom = 1;
		else
			mail_note(ps, MAIL_MALFORMED,
			    "unreadable MIME structure");
		return;
	}
	if (!top && !w->atts_only)
		forward_header(ps, mime->mm_data.mm_message.mm_fields);
	walk(ps, mime->mm_data.mm_message.mm_msg_mime, *w);
	mailmime_free(mime);
}

/* --- the whole message ------------------------------------------------- */

static void
limits_set(struct mail_limits *l, const struct mail_limits *in)
{
	static const struct mail_limits def = MAIL_LIMITS_INIT;

	*l = def;
	if (in != NULL) {
		if (in->max_parts > 0)
			l->max_parts = in->max_parts;
		if (in->max_depth > 0)
			l->max_depth = in->max_depth;
		if (in->max_headers > 0)
			l->max_headers = in->max_headers;
		if (in->max_line > 0)
			l->max_line = in->max_line;
	}
	if (l->max_depth > DEPTH_CAP)
		l->max_depth = DEPTH_CAP;
}

/* The top-level Content-Type, lower-case, as libetpan reads it. */
static char *
top_type(struct parse *ps)
{
	struct mailmime_content *c = NULL;
	const char *v;
	size_t i, idx;
	char type[128];

	for (i = 0; (v = mail_header(ps->m, "Content-Type", i)) != NULL; i++) {
		idx = 0;
		if (mailmime_content_parse(v, strlen(v), &idx, &c) ==
		    MAILIMF_NO_ERROR)
			break;
		c = NULL;
	}
	mimepart_type(c, type);
	if (c != NULL)
		mailmime_content_free(c);
	return mail_xstrdup(ps, type);
}

static void
body(struct parse *ps, struct norm *nm)
{
	struct mail *m = ps->m;
	struct wctx w = { 0, 0, 0, 0, 0 };
	char *start;
	long cap;

	/* a cheap bound first: every composite part needs a Content-Type
	 * line, so this many of them cannot be within the limits */
	cap = 2 * ps->lim.max_parts + 2 * ps->lim.max_depth + 32;
	if (nm->nct > cap) {
		mail_note(ps, MAIL_LIMIT_PARTS, "%ld Content-Type lines",
		    nm->nct);
		return;
	}
	buf_add(&ps->mime, "\r\n", 2);
	if (buf_failed(&ps->mime) || ps->mime.len > nm->gap) {
		ps->oom = 1;
		return;
	}
	start = nm->mem + nm->gap - ps->mime.len;
	memcpy(start, ps->mime.buf, ps->mime.len);
	parse_message(ps, start, ps->mime.len + nm->blen, &w, 1);
	if (!ps->any_text && !(m->flags & MAIL_LIMITS))
		m->flags |= MAIL_NO_TEXT;
}

enum bpt_status
mail_parse(struct bpt_ctx *ctx, const char *raw, size_t len,
    const struct mail_limits *lim, struct mail **out)
{
	struct parse ps;
	struct norm nm;
	struct mail *m;
	enum bpt_status st = BPT_OK;

	*out = NULL;
	memset(&ps, 0, sizeof(ps));
	memset(&nm, 0, sizeof(nm));
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	ps.m = m;
	limits_set(&ps.lim, lim);
	if (mailhdr_normalize(&ps, raw, len, &nm) != BPT_OK) {
		ps.oom = 1;
		goto out;
	}
	if (nm.nfields > ps.lim.max_headers)
		mail_note(&ps, MAIL_LIMIT_HEADERS,
		    "more than %ld header fields", ps.lim.max_headers);
	if (nm.long_hdr || nm.long_body)
		mail_note(&ps, MAIL_LIMIT_LINE, "a line longer than %ld bytes",
		    ps.lim.max_line);
	if (!(m->flags & MAIL_LIMIT_HEADERS) && !nm.long_hdr) {
		mailhdr_top_headers(&ps, buf_str(&nm.hdr), nm.hdr.len);
		mailfields_read(&ps);
		m->content_type = top_type(&ps);
	}
	if (bpt_fault("parse-abort"))
		abort();
	if (bpt_fault("parse-hang")) {
		/* a minute, even across signals a handler returns from */
		unsigned left = 60;

		while (left > 0)
			left = sleep(left);
	}
	if (!(m->flags & MAIL_LIMITS) && !ps.oom)
		body(&ps, &nm);
	if (!ps.oom) {
		if (ps.text.len > 0)
			buf_addch(&ps.text, '\n');
		m->text = mail_detach(&ps, &ps.text);
		if (ps.notes.len > 0)
			m->notes = mail_detach(&ps, &ps.notes);
	}
out:
	buf_release(&nm.hdr);
	free(nm.mem);
	buf_release(&ps.text);
	buf_release(&ps.notes);
	buf_release(&ps.t1);
	buf_release(&ps.t2);
	buf_release(&ps.t3);
	buf_release(&ps.mime);
	if (ps.oom || buf_failed(&ps.t1) || buf_failed(&ps.t2) ||
	    buf_failed(&ps.t3)) {
		mail_free(m);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory parsing a mail");
	}
	*out = m;
	return st;
}

void
mail_free(struct mail *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nhdr; i++) {
		free(m->hdr[i].name);
		free(m->hdr[i].value);
	}
	free(m->hdr);
	free(m->message_id);
	free(m->in_reply_to);
	for (i = 0; i < m->nrefs; i++)
		free(m->refs[i]);
	free(m->refs);
	free(m->from_addr);
	free(m->from_name);
	free(m->reply_to);
	free(m->subject);
	free(m->date);
	free(m->return_path);
	free(m->envelope_to);
	free(m->content_type);
	free(m->text);
	for (i = 0; i < m->natt; i++) {
		free(m->att[i].filename);
		free(m->att[i].content_type);
		free(m->att[i].content_id);
		free((char *)m->att[i].data);
	}
	free(m->att);
	free(m->dsn);
	free(m->dsn_original);
	free(m->notes);
	free(m);
}
