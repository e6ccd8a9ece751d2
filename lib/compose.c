/* compose.c - headers and bodies of outgoing mail (see compose.h). */
#include "bptconf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "addr.h"
#include "compose.h"
#include "config.h"
#include "imgmeta.h"
#include "mail.h"
#include "scrub.h"
#include "util.h"

#define PHRASE_MAX 120		/* bytes of a display name we keep */
#define SUBJECT_MAX 300		/* bytes of a subject we keep */

/* Copies s with controls turned to spaces, runs of blanks collapsed,
 * at most max bytes, cut on a character boundary. */
static void
clean_line(struct buf *b, const char *s, size_t max)
{
	size_t start = b->len;
	int space = 1;

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			c = ' ';
		if (c == ' ') {
			if (space)
				continue;
			space = 1;
		} else {
			space = 0;
		}
		if (b->len - start >= max) {
			/* do not leave half a UTF-8 sequence */
			while (b->len > start && ((unsigned char)b->buf[b->len - 1] & 0xc0) == 0x80)
				buf_setlen(b, b->len - 1);
			if (b->len > start && (unsigned char)b->buf[b->len - 1] >= 0xc0)
				buf_setlen(b, b->len - 1);
			break;
		}
		buf_addch(b, c);
	}
	while (b->len > start && b->buf[b->len - 1] == ' ')
		buf_setlen(b, b->len - 1);
}

static int
is_ascii_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* Words of atext separated by single spaces: a phrase without quotes. */
static int
is_atoms(const char *s)
{
	int need = 1;

	for (; *s; s++) {
		if (*s == ' ') {
			if (need)
				return 0;
			need = 1;
		} else if (isalnum((unsigned char)*s) ||
		    strchr("!#$%&'*+-/=?^_`{|}~", *s) != NULL) {
			need = 0;
		} else {
			return 0;
		}
	}
	return !need;
}

/* Length of the UTF-8 sequence starting at s (1 for a stray byte). */
static size_t
u8len(const unsigned char *s)
{
	if (*s >= 0xf0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
	    (s[3] & 0xc0) == 0x80)
		return 4;
	if (*s >= 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80)
		return 3;
	if (*s >= 0xc0 && (s[1] & 0xc0) == 0x80)
		return 2;
	return 1;
}

/*
 * Encoded words (RFC 2047, Q encoding) for s, each at most 75
 * characters, split between characters and joined by "\n " folding;
 * col is the column the first word starts at.
 */
static void
encode_words(struct buf *b, const char *s, size_t col)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	const size_t overhead = sizeof("=?UTF-8?Q?") - 1 + 2;	/* and "?=" */
	size_t wlen = 0;
	int open = 0;

	while (*p) {
		size_t n = u8len(p), need = 0, i;

		for (i = 0; i < n; i++)
			need += (isalnum(p[i]) || p[i] == '!' || p[i] == '*' ||
			    p[i] == '+' || p[i] == '-' || p[i] == '/' || p[i] == ' ') ? 1 : 3;
		if (open && (wlen + need + overhead > 75 || col + need + 2 > 76)) {
			buf_adds(b, "?=\n ");
			open = 0;
			col = 1;
		}
		if (!open) {
			buf_adds(b, "=?UTF-8?Q?");
			open = 1;
			wlen = 0;
			col += 10;
		}
		for (i = 0; i < n; i++) {
			unsigned char c = p[i];

			if (c == ' ') {
				buf_addch(b, '_');
			} else if (isalnum(c) || c == '!' || c == '*' || c == '+' ||
			    c == '-' || c == '/') {
				buf_addch(b, c);
			} else {
				buf_addch(b, '=');
				buf_addch(b, hex[c >> 4]);
				buf_addch(b, hex[c & 15]);
			}
		}
		wlen += need;
		col += need;
		p += n;
	}
	if (open)
		buf_adds(b, "?=");
}

void
compose_phrase(struct buf *b, const char *utf8)
{
	struct buf c = BUF_INIT;
	const char *s;

	clean_line(&c, utf8, PHRASE_MAX);
	s = buf_str(&c);
	if (is_atoms(s) && strlen(s) < 70) {
		buf_adds(b, s);
	} else if (is_ascii_printable(s) && strlen(s) < 70) {
		buf_addch(b, '"');
		for (; *s; s++) {
			if (*s == '"' || *s == '\\')
				buf_addch(b, '\\');
			buf_addch(b, *s);
		}
		buf_addch(b, '"');
	} else {
		encode_words(b, s, 6);
	}
	buf_release(&c);
}

/* "Name: phrase <addr>", the address on a line of its own when the
 * whole would pass 78 characters. */
static void
mailbox_header(struct buf *b, const char *name, const char *phrase,
    const char *addr)
{
	struct buf p = BUF_INIT;
	const char *last;

	buf_addf(&p, "%s: ", name);
	compose_phrase(&p, phrase);
	last = strrchr(buf_str(&p), '\n');
	last = last ? last + 1 : buf_str(&p);
	buf_add(b, p.buf, p.len);
	if (strlen(last) + strlen(addr) + 3 > 78)
		buf_addch(b, '\n');
	buf_addf(b, " <%s>\n", addr);
	b->oom |= p.oom;
	buf_release(&p);
}

/* Unstructured text, folded at spaces so lines stay within 78. */
static void
fold_ascii(struct buf *b, const char *s, size_t col)
{
	while (*s) {
		const char *sp = strchr(s, ' ');
		size_t wl = sp ? (size_t)(sp - s) : strlen(s);

		if (col + wl > 78 && col > 1) {
			buf_adds(b, "\n ");
			col = 1;
		}
		buf_add(b, s, wl);
		col += wl;
		s += wl;
		if (*s == ' ') {
			/* keep the space with the next word when folding */
			const char *nx = strchr(s + 1, ' ');
			size_t nl = nx ? (size_t)(nx - s - 1) : strlen(s + 1);

			if (col + 1 + nl > 78) {
				buf_adds(b, "\n ");
				col = 1;
			} else {
				buf_addch(b, ' ');
				col++;
			}
			s++;
		}
	}
}

void
compose_header_text(struct buf *b, const char *name, const char *utf8)
{
	struct buf c = BUF_INIT;

	clean_line(&c, utf8, SUBJECT_MAX);
	buf_addf(b, "%s: ", name);
	if (is_ascii_printable(buf_str(&c)) && strstr(buf_str(&c), "=?") == NULL)
		fold_ascii(b, buf_str(&c), strlen(name) + 2);
	else
		encode_words(b, buf_str(&c), strlen(name) + 2);
	buf_addch(b, '\n');
	buf_release(&c);
}

char *
compose_list_variant(const char *list_addr, const char *suffix)
{
	const char *at = strrchr(list_addr, '@');
	struct buf b = BUF_INIT;

	if (at == NULL)
		return NULL;
	buf_add(&b, list_addr, (size_t)(at - list_addr));
	buf_adds(&b, suffix);
	buf_adds(&b, at);
	return buf_detach(&b, NULL);
}

enum bpt_status
compose_msgid(struct bpt_ctx *ctx, long long number, char out[COMPOSE_MSGID_MAX])
{
	char rnd[33];
	enum bpt_status st;
	int n;

	if ((st = util_random_hex(ctx, rnd, 12)) != BPT_OK)
		return st;
	n = snprintf(out, COMPOSE_MSGID_MAX, "bpt.%lld.%lld.%s@%s", number,
	    (long long)bpt_now(ctx), rnd, cfg_list_domain(ctx->cfg));
	if (n < 0 || n >= COMPOSE_MSGID_MAX)
		return bpt_err(ctx, BPT_ECONFIG, "list domain too long for a Message-ID");
	return BPT_OK;
}

char *
compose_base_subject(const char *subject)
{
	static const char *const prefixes[] = { "re", "fw", "fwd", "aw", "wg",
	    "antw", "doorst", "tr", "sv", "vs", "rif", "r" };
	struct buf b = BUF_INIT;
	const char *s = subject ? subject : "";
	int again = 1;
	size_t i;

	while (again) {
		again = 0;
		while (*s == ' ' || *s == '\t')
			s++;
		for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
			size_t n = strlen(prefixes[i]);
			const char *q = s + n;

			if (strncasecmp(s, prefixes[i], n) != 0)
				continue;
			/* "Re:", "RE :", "Re[2]:" */
			if (*q == '[') {
				while (isdigit((unsigned char)*++q))
					;
				if (*q != ']')
					continue;
				q++;
			}
			while (*q == ' ')
				q++;
			if (*q == ':') {
				s = q + 1;
				again = 1;
				break;
			}
		}
		if (!again && *s == '[') {
			/* our own tag "[... #N]" */
			const char *e = strchr(s, ']');
			const char *h = e ? s + 1 : NULL;

			while (h && h < e && *h != '#')
				h++;
			if (h && h < e && isdigit((unsigned char)h[1])) {
				s = e + 1;
				again = 1;
			}
		}
	}
	clean_line(&b, s, SUBJECT_MAX);
	return buf_detach(&b, NULL);
}

static void
list_headers(struct bpt_ctx *ctx, struct buf *b)
{
	const struct bpt_config *cfg = ctx->cfg;
	const char *list = cfg->group.address;
	const char *request = cfg->list.request;

	/* List-Id: "BPT Name" <local.domain> (RFC 2919) */
	buf_adds(b, "List-Id: ");
	compose_phrase(b, cfg->group.name);
	buf_addch(b, ' ');
	buf_addf(b, "<%s>\n", cfg->list.id);
	buf_addf(b, "List-Post: <mailto:%s>\n", list);
	buf_addf(b, "List-Help: <mailto:%s?subject=help>\n", request ? request : "");
	if (cfg->group.unsubscribe_url[0] != '\0') {
		buf_addf(b, "List-Unsubscribe: <%s>,\n <mailto:%s?subject=afmelden>\n",
		    cfg->group.unsubscribe_url, request ? request : "");
		buf_adds(b, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n");
	} else {
		buf_addf(b, "List-Unsubscribe: <mailto:%s?subject=afmelden>\n",
		    request ? request : "");
	}
	buf_adds(b, "Precedence: list\n");
	buf_addf(b, "X-Loop: %s\n", list);
}

/* Appends s with CRLF turned into LF (libetpan writes CRLF). */
static void
add_lf(struct buf *b, const char *s, size_t n)
{
	size_t i, start = 0;

	for (i = 0; i + 1 < n; i++)
		if (s[i] == '\r' && s[i + 1] == '\n') {
			buf_add(b, s + start, i - start);
			start = i + 1;
		}
	buf_add(b, s + start, n - start);
}

/*
 * Characters a line of text takes at most.  Clients that ignore
 * format=flowed (and some that honour it) break lines longer than 72
 * themselves, which leaves a lonely word on a line of its own after
 * each of ours.
 */
#define TEXT_WIDTH 72

/*
 * Where to break p[0..len) so that the line holds at most width
 * characters (UTF-8 sequences count as one), the trailing space of the
 * soft break included: after the last space that fits; a single word
 * longer than width runs to the next space.  len when it all fits.
 */
static size_t
flow_cut(const char *p, size_t len, size_t width)
{
	size_t i, chars = 0, space = 0;

	for (i = 0; i < len; i++) {
		if (((unsigned char)p[i] & 0xc0) != 0x80 && chars++ == width)
			break;
		if (p[i] == ' ')
			space = i + 1;
	}
	if (i == len)
		return len;
	if (space > 0)
		return space;
	while (i < len && p[i - 1] != ' ')
		i++;
	return i;
}

/*
 * Text as RFC 3676 format=flowed: lines longer than TEXT_WIDTH
 * characters are broken after a space (the trailing space marks the
 * soft break, and a client joins them again); lines that start with a
 * space, ">" or "From " are stuffed with a space; trailing blanks of
 * other lines are dropped, except in the signature separator "-- ".
 * *longest receives the longest line written in octets, *eight whether
 * a byte has the high bit.
 */
static void
flowed(struct buf *b, const char *text, size_t *longest, int *eight)
{
	const char *p = text;

	*longest = 0;
	*eight = 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p), i;

		for (i = 0; i < len; i++)
			if ((unsigned char)p[i] >= 0x80)
				*eight = 1;
		if (!(len == 3 && strncmp(p, "-- ", 3) == 0))
			while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' ||
			    p[len - 1] == '\r'))
				len--;
		do {
			size_t cut, stuff = 0;

			if (len > 0 && (p[0] == ' ' || p[0] == '>' ||
			    (len >= 5 && strncmp(p, "From ", 5) == 0)))
				stuff = 1;
			cut = flow_cut(p, len, TEXT_WIDTH - stuff);
			if (stuff)
				buf_addch(b, ' ');
			buf_add(b, p, cut);
			buf_addch(b, '\n');
			if (cut + stuff > *longest)
				*longest = cut + stuff;
			p += cut;
			len -= cut;
		} while (len > 0);
		p = nl ? nl + 1 : p + strlen(p);
	}
}

/* A text/plain part: format=flowed, 7bit for ASCII, 8bit for UTF-8;
 * quoted-printable only when a line would pass 998 octets. */
static enum bpt_status
text_part(struct bpt_ctx *ctx, struct buf *b, const char *text)
{
	struct buf f = BUF_INIT;
	size_t longest;
	int eight, col = 0;
	MMAPString *m;

	flowed(&f, text, &longest, &eight);
	if (buf_failed(&f))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	buf_adds(b, "Content-Type: text/plain; charset=utf-8; format=flowed\n");
	if (longest <= 998) {
		buf_addf(b, "Content-Transfer-Encoding: %s\n\n", eight ? "8bit" : "7bit");
		buf_add(b, f.buf ? f.buf : "", f.len);
		buf_release(&f);
		return BPT_OK;
	}
	buf_adds(b, "Content-Transfer-Encoding: quoted-printable\n\n");
	m = mmap_string_new("");
	if (m == NULL || mailmime_quoted_printable_write_mem(m, &col, 1, f.buf,
	    f.len) != MAILIMF_NO_ERROR) {
		if (m)
			mmap_string_free(m);
		buf_release(&f);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory encoding text");
	}
	add_lf(b, m->str, m->len);
	if (m->len == 0 || m->str[m->len - 1] != '\n')
		buf_addch(b, '\n');
	mmap_string_free(m);
	buf_release(&f);
	return BPT_OK;
}

/*
 * A MIME-safe file name: printable ASCII without quotes, and without
 * a phone number or address in it (a photo saved as
 * "jan-0612345678.jpg" reaches the whole group); else a default.
 */
static void
add_filename(struct buf *b, const char *name, size_t idx, const char *type)
{
	const char *ext = strchr(type, '/');
	int ok = name != NULL && *name != '\0' && strlen(name) < 100;
	const char *s;

	for (s = name; ok && *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f ||
		    *s == '"' || *s == '\\' || *s == '/')
			ok = 0;
	if (ok && scrub_count(name) == 0)
		buf_addf(b, "\"%s\"", name);
	else
		buf_addf(b, "\"%s-%zu.%s\"", strncmp(type, "image/", 6) == 0 ?
		    "foto" : "bijlage", idx + 1, ext ? ext + 1 : "bin");
}

/*
 * An attachment's part of a member's copy.  A JPEG, PNG, WebP or GIF
 * (by its bytes, whatever the mail calls it) goes without its
 * metadata: no GPS position, camera, comment or thumbnail reaches the
 * group.  One that cannot be read to its end, and every HEIF or TIFF
 * file, is left out (*left_out = 1), never passed on as it is; ingest
 * does not pass such a file.
 */
static enum bpt_status
file_part(struct bpt_ctx *ctx, struct buf *b, const struct mail_attachment *a,
    size_t idx, int *left_out)
{
	MMAPString *m;
	int col = 0;
	const char *t, *type = a->content_type, *slash = strchr(type, '/');
	const char *data = a->data;
	size_t size = a->size;
	struct buf clean = BUF_INIT;
	enum bpt_status st;

	*left_out = 0;
	if (imgmeta_sniff((const unsigned char *)data, size) != IMG_OTHER) {
		struct bpt_ctx img = BPT_CTX_INIT;

		st = imgmeta_strip(&img, (const unsigned char *)data, size, &clean, NULL);
		if (st != BPT_OK) {
			buf_release(&clean);
			if (st != BPT_EDATA)
				return bpt_err(ctx, st, "%s", img.errmsg);
			*left_out = 1;
			return BPT_OK;
		}
		data = clean.buf;
		size = clean.len;
	}

	/*
	 * Only a plain type/subtype goes into our header.  Any other (MIME
	 * allows "_", "!", "~"... and the parser turns controls into "_")
	 * is passed on as what it is to a reader, bytes: refusing it would
	 * fail the whole alert.
	 */
	if (slash == NULL || slash == type || slash[1] == '\0' ||
	    strchr(slash + 1, '/') != NULL)
		type = "application/octet-stream";
	for (t = type; *t; t++)
		if (!isalnum((unsigned char)*t) && *t != '/' && *t != '-' &&
		    *t != '.' && *t != '+') {
			type = "application/octet-stream";
			break;
		}
	buf_addf(b, "Content-Type: %s\n", type);
	buf_addf(b, "Content-Disposition: %s; filename=",
	    strncmp(type, "image/", 6) == 0 ? "inline" : "attachment");
	add_filename(b, a->filename, idx, type);
	buf_adds(b, "\nContent-Transfer-Encoding: base64\n\n");
	m = mmap_string_new("");
	if (m == NULL) {
		buf_release(&clean);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
	if (mailmime_base64_write_mem(m, &col, data, size) != MAILIMF_NO_ERROR) {
		mmap_string_free(m);
		buf_release(&clean);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory encoding an image");
	}
	add_lf(b, m->str, m->len);
	buf_addch(b, '\n');
	mmap_string_free(m);
	buf_release(&clean);
	return BPT_OK;
}

static void
common_headers(struct bpt_ctx *ctx, struct buf *b, const char *msgid,
    const char *in_reply_to, const char *references, time_t date)
{
	char d[40];

	util_time_rfc5322(ctx->cfg->group.timezone, date ? date : bpt_now(ctx),
	    d);
	buf_addf(b, "Date: %s\n", d);
	buf_addf(b, "Message-ID: <%s>\n", msgid);
	if (in_reply_to != NULL && *in_reply_to != '\0')
		buf_addf(b, "In-Reply-To: <%s>\n", in_reply_to);
	if (references != NULL && *references != '\0') {
		buf_adds(b, "References: ");
		fold_ascii(b, references, 12);
		buf_addch(b, '\n');
	}
}

enum bpt_status
compose_copy(struct bpt_ctx *ctx, const struct compose_copy *c, struct buf *out)
{
	const struct bpt_config *cfg = ctx->cfg;
	struct buf name = BUF_INIT, subj = BUF_INIT;
	enum bpt_status st = BPT_OK;
	char boundary[40], rnd[25];
	size_t i;

	/* "Jan de Vries via BPT Binnenbijster" <list>: DMARC-safe */
	clean_line(&name, c->sender_name && *c->sender_name ? c->sender_name :
	    (cfg->group.language == CFG_EN ? "A member" : "Een lid"), PHRASE_MAX);
	buf_addf(&name, " via %s", cfg->group.name);
	buf_addf(&subj, "%s[%s #%lld] %s", c->is_reply ? "Re: " : "",
	    cfg->group.name, c->number, c->subject ? c->subject : "");

	mailbox_header(out, "From", buf_str(&name), cfg->group.address);
	mailbox_header(out, "Reply-To", cfg->group.name, cfg->group.address);
	mailbox_header(out, "To", cfg->group.name, cfg->group.address);
	compose_header_text(out, "Subject", buf_str(&subj));
	common_headers(ctx, out, c->msgid, c->in_reply_to, c->references, c->date);
	list_headers(ctx, out);
	buf_addf(out, "X-BPT-Incident: %lld\n", c->number);
	buf_adds(out, "MIME-Version: 1.0\n");
	if (c->nimages == 0) {
		st = text_part(ctx, out, c->body);
		goto out;
	}
	if ((st = util_random_hex(ctx, rnd, 12)) != BPT_OK)
		goto out;
	snprintf(boundary, sizeof(boundary), "=_bpt_%s", rnd);
	buf_addf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\n\n", boundary);
	buf_adds(out, "This is a multi-part message in MIME format.\n");
	buf_addf(out, "\n--%s\n", boundary);
	if ((st = text_part(ctx, out, c->body)) != BPT_OK)
		goto out;
	for (i = 0; i < c->nimages; i++) {
		size_t mark = out->len;
		int left_out;

		buf_addf(out, "\n--%s\n", boundary);
		if ((st = file_part(ctx, out, c->images[i], i, &left_out)) != BPT_OK)
			goto out;
		if (left_out)
			buf_setlen(out, mark);
	}
	buf_addf(out, "\n--%s--\n", boundary);
out:
	if (st == BPT_OK && (buf_failed(out) || buf_failed(&name) || buf_failed(&subj)))
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory composing a copy");
	buf_release(&name);
	buf_release(&subj);
	return st;
}

enum bpt_status
compose_notice(struct bpt_ctx *ctx, const char *to, const char *text,
    const char *msgid, const char *in_reply_to, const char *reply_to,
    struct buf *out)
{
	const struct bpt_config *cfg = ctx->cfg;
	struct buf subj = BUF_INIT;
	const char *body = text, *nl;
	enum bpt_status st;

	if (strncmp(text, "Subject:", 8) == 0 && (nl = strchr(text, '\n')) != NULL) {
		buf_add(&subj, text + 8, (size_t)(nl - text - 8));
		body = nl + 1;
		if (*body == '\n')
			body++;
	} else {
		buf_adds(&subj, cfg->group.name);
	}
	mailbox_header(out, "From", cfg->group.name, cfg->group.address);
	if (!addr_valid(to)) {
		buf_release(&subj);
		return bpt_err(ctx, BPT_EDATA, "bad notice recipient");
	}
	buf_addf(out, "To: <%s>\n", to);
	if (reply_to != NULL && addr_valid(reply_to))
		mailbox_header(out, "Reply-To", cfg->group.name, reply_to);
	compose_header_text(out, "Subject", buf_str(&subj));
	common_headers(ctx, out, msgid, in_reply_to, NULL, 0);
	buf_adds(out, "Auto-Submitted: auto-replied\n");
	buf_addf(out, "X-Loop: %s\n", cfg->group.address);
	buf_adds(out, "MIME-Version: 1.0\n");
	st = text_part(ctx, out, body);
	if (st == BPT_OK && (buf_failed(out) || buf_failed(&subj)))
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory composing a notice");
	buf_release(&subj);
	return st;
}
