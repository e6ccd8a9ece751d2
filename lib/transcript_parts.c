/*
 * transcript_parts.c - the parts of a transcript that carry what was
 * received as it was received: the originals as one mbox, the photos
 * decoded from them.
 */
#include "bptconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <libetpan/libetpan.h>

#include "buf.h"
#include "config.h"
#include "mail.h"
#include "mimewrite.h"
#include "printer.h"
#include "sha256.h"
#include "store.h"
#include "transcript_int.h"

const struct pr_column transcript_attachment_cols[] = {
	{ "message", "MESSAGE" }, { "index", "INDEX" }, { "filename", "NAME" },
	{ "content_type", "TYPE" }, { "size", "SIZE" }, { "sha256", "SHA256" },
	{ "passed_on", "PASSED" }, { "part", "PART" },
};

const int transcript_attachment_ncols = NCOLS(transcript_attachment_cols);

/* The file name of a photo's part, from its type. */
static void
photo_name(const struct build *b, size_t seq, long long idx, const char *type,
    char *out, size_t n)
{
	const char *ext = "bin";

	if (strcmp(type, "image/jpeg") == 0 || strcmp(type, "image/jpg") == 0)
		ext = "jpg";
	else if (strncmp(type, "image/", 6) == 0 && strlen(type + 6) <= 8 &&
	    strspn(type + 6, "abcdefghijklmnopqrstuvwxyz0123456789") == strlen(type + 6))
		ext = type + 6;
	snprintf(out, n, "%s-%lld-%s-%zu-%s-%lld.%s", b->en ? "incident" : "melding",
	    b->s.number, b->en ? "message" : "bericht", seq, b->en ? "photo" : "foto",
	    idx + 1, ext);
}

/* The "From " line of an original in the mbox: sender and UTC time. */
static void
from_line(const char *env, time_t at, char *out, size_t n)
{
	struct tm tm;
	char t[64];

	gmtime_r(&at, &tm);
	strftime(t, sizeof(t), "%a %b %e %H:%M:%S %Y", &tm);
	if (env == NULL || *env == '\0' || strpbrk(env, " \t\r\n") != NULL ||
	    strlen(env) > 256)
		env = "MAILER-DAEMON";
	snprintf(out, n, "From %s %s", env, t);
}

/* Part 2: every original that is still there, in the chain's order. */
enum bpt_status
transcript_originals(struct build *b)
{
	static const char sql[] = "SELECT raw, envelope_from, received_at "
	    "FROM messages WHERE id = ?";
	struct bpt_ctx *ctx = b->ctx;
	struct buf mb = BUF_INIT;
	struct b64 e;
	char from[320];
	size_t i;
	int rc;

	transcript_part_begin(b, "application/mbox", b->name_mbox, "base64", "attachment");
	b64_begin(&e, b->out);
	for (i = 0; i < b->nlinks; i++) {
		sqlite3_stmt *s;

		if (b->links[i].erased)
			continue;
		if ((s = store_prepare(ctx, ctx->store, sql)) == NULL) {
			buf_release(&mb);
			return ctx->err;
		}
		sqlite3_bind_int64(s, 1, b->links[i].id);
		if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
			sqlite3_reset(s);
			buf_release(&mb);
			return store_fail(ctx, ctx->store, rc == SQLITE_DONE ?
			    SQLITE_CORRUPT : rc, "read an original");
		}
		from_line((const char *)sqlite3_column_text(s, 1),
		    (time_t)sqlite3_column_int64(s, 2), from, sizeof(from));
		buf_reset(&mb);
		mbox_add(&mb, from, sqlite3_column_blob(s, 0),
		    (size_t)sqlite3_column_bytes(s, 0));
		sqlite3_reset(s);
		b64_add(&e, mb.buf, mb.len);
		b->info->originals++;
		if (transcript_flush(b, 0) != BPT_OK) {
			buf_release(&mb);
			return ctx->err;
		}
	}
	b64_end(&e);
	rc = buf_failed(&mb);
	buf_release(&mb);
	return rc ? bpt_err(ctx, BPT_ENOMEM, "out of memory") : BPT_OK;
}

/* The decoded image parts of one original, each with its SHA-256. */
struct images {
	struct image {
		char *data;	/* malloc'd by libetpan, or by GnuTLS */
		size_t len;
		int tls;	/* decoded by GnuTLS */
		char sha[SHA256_HEX_LEN + 1];
	} v[64];
	size_t n;
};

static void
images_release(struct images *im)
{
	size_t i;

	for (i = 0; i < im->n; i++)
		if (im->v[i].tls)
			gnutls_free(im->v[i].data);
		else
			mailmime_decoded_part_free(im->v[i].data);
	im->n = 0;
}

/*
 * A part's body decoded: base64 by GnuTLS (linked already), some ten
 * times faster than libetpan's decoder, which takes everything else,
 * and base64 that GnuTLS refuses (a stray character libetpan skips).
 * Either way the photo is taken only if its SHA-256 is the one stored.
 */
static int
decode(const struct mailmime_data *d, struct image *g)
{
	size_t idx = 0;

	g->tls = 0;
	if (d->dt_encoding == MAILMIME_MECHANISM_BASE64) {
		gnutls_datum_t in, out;

		in.data = (unsigned char *)(uintptr_t)d->dt_data.dt_text.dt_data;
		in.size = (unsigned)d->dt_data.dt_text.dt_length;
		if (d->dt_data.dt_text.dt_length <= 0x7fffffff &&
		    gnutls_base64_decode2(&in, &out) == 0) {
			g->data = (char *)out.data;
			g->len = out.size;
			g->tls = 1;
			return 0;
		}
	}
	return mailmime_part_parse(d->dt_data.dt_text.dt_data,
	    d->dt_data.dt_text.dt_length, &idx, d->dt_encoding, &g->data,
	    &g->len) == MAILIMF_NO_ERROR ? 0 : -1;
}

static void
images_walk(struct mailmime *mm, struct images *im, int depth)
{
	const struct mailmime_content *c;
	clistiter *it;

	if (mm == NULL || depth > 20)
		return;
	switch (mm->mm_type) {
	case MAILMIME_MULTIPLE:
		for (it = clist_begin(mm->mm_data.mm_multipart.mm_mp_list); it != NULL;
		    it = clist_next(it))
			images_walk(clist_content(it), im, depth + 1);
		return;
	case MAILMIME_MESSAGE:
		images_walk(mm->mm_data.mm_message.mm_msg_mime, im, depth + 1);
		return;
	default:
		break;
	}
	c = mm->mm_content_type;
	if (im->n < sizeof(im->v) / sizeof(im->v[0]) && c != NULL &&
	    c->ct_type != NULL && c->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE &&
	    c->ct_type->tp_data.tp_discrete_type->dt_type ==
	    MAILMIME_DISCRETE_TYPE_IMAGE && mm->mm_body != NULL &&
	    mm->mm_body->dt_type == MAILMIME_DATA_TEXT) {
		struct image *g = &im->v[im->n];

		if (decode(mm->mm_body, g) == 0) {
			sha256_hex_fast(g->data, g->len, g->sha);
			im->n++;
		}
	}
}

/*
 * The image parts of an original, read straight with libetpan: the
 * photos are found by their SHA-256, which the full parse at ingest
 * stored.  Cheaper than mail_parse(), which also decodes, converts and
 * checks everything else; whatever this does not find is taken from
 * mail_parse() after all.
 */
static void
images_of(const char *raw, size_t len, struct images *im)
{
	struct mailmime *mime = NULL;
	size_t idx = 0;

	im->n = 0;
	if (mailmime_parse(raw, len, &idx, &mime) != MAILIMF_NO_ERROR)
		return;
	images_walk(mime, im, 0);
	mailmime_free(mime);
}

static const struct image *
image_find(const struct images *im, const char *sha)
{
	size_t i;

	for (i = 0; i < im->n; i++)
		if (strcmp(im->v[i].sha, sha) == 0)
			return &im->v[i];
	return NULL;
}

/*
 * Part 3: the photos as they were received, metadata and all (they are
 * evidence), decoded from the originals.  The JSON rows of every
 * attachment are written here too, with the name of a photo's part.
 */
enum bpt_status
transcript_photos(struct build *b)
{
	static const char sql[] = "SELECT m.id, a.idx, a.filename, a.content_type, "
	    "a.size, a.sha256, a.action, m.raw IS NOT NULL AND m.erased IS NULL "
	    "FROM messages m JOIN attachments a ON a.message_id = m.id "
	    "WHERE m.incident_id = ? AND m.chain_hash IS NOT NULL "
	    "ORDER BY m.id, a.idx";
	static const char raw_sql[] = "SELECT raw FROM messages WHERE id = ?";
	struct bpt_ctx *ctx = b->ctx;
	struct mail_limits lim;
	struct mail *m = NULL;
	struct images im = { .n = 0 };
	struct buf raw = BUF_INIT;
	long long parsed = 0, full = 0;
	enum bpt_status st = BPT_OK;
	sqlite3_stmt *s, *r;
	int rc;

	lim.max_parts = ctx->cfg->limits.max_parts;
	lim.max_depth = ctx->cfg->limits.max_depth;
	lim.max_headers = ctx->cfg->limits.max_headers;
	lim.max_line = ctx->cfg->limits.max_line;
	if (b->jp != NULL)
		pr_list_begin(b->jp, "attachments", transcript_attachment_cols,
		    transcript_attachment_ncols);
	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL) {
		st = ctx->err;
		goto out;
	}
	sqlite3_bind_int64(s, 1, b->s.number);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(s, 0), idx = sqlite3_column_int64(s, 1);
		const char *type = store_col_text(s, 3), *sha = store_col_text(s, 5);
		size_t seq = transcript_seq_of(b, id);
		char name[128] = "";
		int photo = strncmp(type, "image/", 6) == 0 && sqlite3_column_int(s, 7) &&
		    b->form == TRANSCRIPT_MIME;

		if (photo && parsed != id) {
			images_release(&im);
			mail_free(m);
			m = NULL;
			if ((r = store_prepare(ctx, ctx->store, raw_sql)) == NULL) {
				st = ctx->err;
				break;
			}
			sqlite3_bind_int64(r, 1, id);
			rc = sqlite3_step(r);
			buf_reset(&raw);
			if (rc == SQLITE_ROW)
				buf_add(&raw, sqlite3_column_blob(r, 0),
				    (size_t)sqlite3_column_bytes(r, 0));
			sqlite3_reset(r);
			if (rc != SQLITE_ROW) {
				st = store_fail(ctx, ctx->store, rc == SQLITE_DONE ?
				    SQLITE_CORRUPT : rc, "read an original");
				break;
			}
			if (buf_failed(&raw)) {
				st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
				break;
			}
			images_of(raw.buf ? raw.buf : "", raw.len, &im);
			parsed = id;
		}
		if (photo && image_find(&im, sha) == NULL && full != id) {
			/* not found the quick way: as ingest read it */
			if ((st = mail_parse(ctx, raw.buf ? raw.buf : "", raw.len, &lim,
			    &m)) != BPT_OK)
				break;
			full = id;
		}
		/* the stored row and the original must name the same bytes */
		if (photo && image_find(&im, sha) == NULL && (m == NULL || idx < 0 ||
		    (size_t)idx >= m->natt || strcmp(m->att[idx].sha256, sha) != 0))
			photo = 0;
		if (photo) {
			const struct image *g = image_find(&im, sha);
			struct b64 e;

			photo_name(b, seq, idx, type, name, sizeof(name));
			transcript_part_begin(b, type, name, "base64", "attachment");
			b64_begin(&e, b->out);
			if (g != NULL)
				b64_add(&e, g->data, g->len);
			else
				b64_add(&e, m->att[idx].data, m->att[idx].size);
			b64_end(&e);
			buf_addf(&b->chain, "photo %zu %lld %s %s\r\n", seq, idx + 1, sha,
			    name);
			b->info->photos++;
			if ((st = transcript_flush(b, 0)) != BPT_OK)
				break;
		}
		if (b->jp != NULL) {
			pr_row_begin(b->jp);
			pr_int(b->jp, (long long)seq);
			pr_int(b->jp, idx + 1);
			pr_str(b->jp, sqlite3_column_type(s, 2) == SQLITE_NULL ? NULL :
			    store_col_text(s, 2));
			pr_str(b->jp, type);
			pr_int(b->jp, sqlite3_column_int64(s, 4));
			pr_str(b->jp, sha);
			pr_bool(b->jp, strcmp(store_col_text(s, 6), "stripped") != 0);
			pr_str(b->jp, *name ? name : NULL);
			pr_row_end(b->jp);
		}
	}
	sqlite3_reset(s);
	if (st == BPT_OK && rc != SQLITE_DONE)
		st = store_fail(ctx, ctx->store, rc, "read attachments");
out:
	if (b->jp != NULL)
		pr_list_end(b->jp);
	images_release(&im);
	buf_release(&raw);
	mail_free(m);
	return st;
}

/* Counts the photos part 3 will hold, for the text before it. */
enum bpt_status
transcript_count_photos(struct build *b, long long *n)
{
	static const char sql[] = "SELECT count(*) FROM messages m "
	    "JOIN attachments a ON a.message_id = m.id WHERE m.incident_id = ? "
	    "AND m.chain_hash IS NOT NULL AND m.erased IS NULL "
	    "AND a.content_type LIKE 'image/%'";
	struct bpt_ctx *ctx = b->ctx;
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	int rc;

	*n = 0;
	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, b->s.number);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? BPT_OK : store_fail(ctx, ctx->store, rc,
	    "count photos");
}
