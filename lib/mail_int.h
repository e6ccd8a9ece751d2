/*
 * mail_int.h - what the parts of the mail parser share, and no other
 * module may use:
 *
 *   mail.c        the driver: limits, mail_parse(), the walk over
 *                 libetpan's tree, mail_free(); the notes;
 *   mailhdr.c     the raw message normalised, the top-level header
 *                 split into fields;
 *   mailfields.c  addresses, message ids and dates of that header;
 *   rfc2047.c     header values: encoded words, one line of UTF-8;
 *   mimescan.c    the structure scan before mailmime_parse();
 *   mimepart.c    one part: its type, its body, an attachment;
 *   rfc2231.c     parameters and the file name of a part;
 *   mailtext.c    the text: line ends, controls, flowed text, HTML.
 *
 * The public calls are in mail.h.
 */
#ifndef BPT_MAIL_INT_H
#define BPT_MAIL_INT_H

#include <stddef.h>
#include <string.h>

#include "buf.h"
#include "mail.h"

struct mailmime;
struct mailmime_content;
struct mailmime_data;
struct mailmime_single_fields;

/* The state of one mail_parse(). */
struct parse {
	struct mail *m;
	struct mail_limits lim;
	struct buf text;	/* becomes m->text */
	struct buf notes;	/* becomes m->notes */
	struct buf t1, t2, t3;	/* scratch, reused part after part */
	struct buf mime;	/* MIME fields of the top-level header */
	size_t att_alloc;
	size_t hdr_alloc;
	long parts;		/* parts counted by the scans */
	int any_text;		/* a text part was read */
	int text_cut;
	int oom;
};

/* How walk() treats the parts below a point. */
struct wctx {
	int depth;		/* multiparts and messages around */
	int atts_only;		/* a losing alternative: attachments only */
	int in_forward;		/* inside an attached message */
	int related;		/* parent is multipart/related */
	int report;		/* parent is multipart/report */
};

/* Up to 40 printable ASCII characters of s, for notes. */
const char *mail_printable(const char *s, char out[48]);

/* Sets flag and adds a remark once (notes are capped). */
void mail_note(struct parse *ps, unsigned flag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* strdup() and buf_detach() that set ps->oom when they fail. */
char *mail_xstrdup(struct parse *ps, const char *s);
char *mail_detach(struct parse *ps, struct buf *b);

static inline int
mail_is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/* Position after the line that contains p[i] (n if it is the last). */
static inline size_t
mail_line_after(const char *p, size_t n, size_t i)
{
	const char *nl = memchr(p + i, '\n', n - i);

	return nl ? (size_t)(nl - p) + 1 : n;
}

/* The raw message as mailhdr_normalize() leaves it. */
struct norm {
	struct buf hdr;		/* header section, CRLF line ends */
	char *mem;		/* gap, then the body */
	size_t gap;		/* room for the MIME header before the body */
	size_t blen;		/* body bytes */
	long nfields;		/* fields in the header section */
	long nct;		/* lines starting with "Content-Type" */
	int long_hdr;		/* a header line over max_line */
	int long_body;		/* a body line over max_line */
};

/* mailhdr.c: raw[0..len) normalised into nm (zeroed by the caller;
 * nm->hdr and nm->mem are the caller's to free). */
enum bpt_status mailhdr_normalize(struct parse *ps, const char *raw, size_t len,
    struct norm *nm);
/* Splits the header section p[0..n) into fields: m->hdr, and ps->mime
 * for the MIME fields. */
void mailhdr_top_headers(struct parse *ps, const char *p, size_t n);

/* mailfields.c: the fields of struct mail read from the top-level
 * header (m->hdr). */
void mailfields_read(struct parse *ps);
/* A message id s[0..n) cleaned: UTF-8, no blanks or controls, no <>;
 * NULL if empty. */
char *mailfields_msgid_clean(struct parse *ps, const char *s, size_t n);

/* rfc2047.c: the header value v decoded into a new string, trouble
 * noted under the name what; NULL if empty. */
char *rfc2047_decode_field(struct parse *ps, const char *what, const char *v);

/*
 * What the scan found: limits crossed, or a reason the structure must
 * not reach mailmime_parse() at all.
 */
struct scan {
	struct parse *ps;
	unsigned flags;		/* MAIL_LIMIT_* */
	const char *hostile;
	int lookalike;		/* lines that only start like a boundary */
	int unquoted;		/* a boundary that needed quotes */
};

/*
 * mimescan.c: scans the entity p[0..n) at depth (a message when
 * as_message; without Content-Type message/rfc822 when
 * default_message), recording in sc what it finds.
 */
void mimescan_entity(struct scan *sc, const char *p, size_t n, long depth,
    int as_message, int default_message);

/* mimepart.c: "type/subtype" of c, lower-case, into out[128]. */
void mimepart_type(const struct mailmime_content *c, char out[128]);
/* The decoded body of a single part (base64, quoted-printable, or as
 * it is); *res is freed with mailmime_decoded_part_free().  0 when
 * there is nothing. */
int mimepart_decode_body(struct parse *ps, const struct mailmime_data *d,
    char **res, size_t *rlen);
/* Notes a transfer encoding libetpan does not know (x-uuencode). */
void mimepart_check_encoding(struct parse *ps,
    const struct mailmime_single_fields *sf);
/* Records a part as an attachment (or inline image). */
void mimepart_add_attachment(struct parse *ps, struct mailmime *mm,
    const struct mailmime_single_fields *sf, const char *type,
    const struct wctx *w);

/* rfc2231.c: the file name of a part: RFC 2231 or plain filename of the
 * disposition, else name of the Content-Type; decoded, or NULL. */
char *rfc2231_filename(struct parse *ps,
    const struct mailmime_single_fields *sf);

/* mailtext.c: adds one piece of text (UTF-8, LF) to the message text,
 * blank lines trimmed, cut at MAIL_TEXT_MAX. */
void mailtext_append(struct parse *ps, const char *s, size_t n);
/* Appends the text part data[0..n) in charset cs to the message text. */
void mailtext_add(struct parse *ps, const char *data, size_t n, const char *cs,
    int html, int flowed, int delsp);
/* Decoded bytes as a clean UTF-8 string with LF line ends. */
char *mailtext_clean_string(struct parse *ps, const char *s, size_t n);
/* The header block of a message p[0..n) (mbox "From " line skipped),
 * as clean text. */
char *mailtext_header_block(struct parse *ps, const char *p, size_t n);

#endif
