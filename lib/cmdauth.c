/* cmdauth.c - admin commands signed with OpenPGP. */
#include "bptconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "audit.h"
#include "charset.h"
#include "cmdauth.h"
#include "config.h"
#include "mail.h"
#include "sha256.h"
#include "sign.h"
#include "store.h"

/* Every line end CRLF, as a signature over MIME sees it. */
static void
canonical(const char *p, size_t n, struct buf *out)
{
	const char *end = p + n, *nl;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			buf_add(out, p, (size_t)(end - p));
			break;
		}
		buf_add(out, p, (size_t)(nl - p - (nl > p && nl[-1] == '\r')));
		buf_add(out, "\r\n", 2);
		p = nl + 1;
	}
}

/* 1 when mm is of type multipart/SUB (multipart), text/SUB (text) or
 * application/SUB. */
static int
is_type(const struct mailmime *mm, int multipart, const char *sub)
{
	const struct mailmime_content *c = mm ? mm->mm_content_type : NULL;
	int want = multipart == 2 ? MAILMIME_DISCRETE_TYPE_TEXT :
	    MAILMIME_DISCRETE_TYPE_APPLICATION;

	if (c == NULL || c->ct_type == NULL || c->ct_subtype == NULL ||
	    strcasecmp(c->ct_subtype, sub) != 0)
		return 0;
	if (multipart == 1)
		return c->ct_type->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE &&
		    c->ct_type->tp_data.tp_composite_type != NULL &&
		    c->ct_type->tp_data.tp_composite_type->ct_type ==
		    MAILMIME_COMPOSITE_TYPE_MULTIPART;
	return c->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE &&
	    c->ct_type->tp_data.tp_discrete_type != NULL &&
	    c->ct_type->tp_data.tp_discrete_type->dt_type == want;
}

static struct mailmime *
child(struct mailmime *mm, int i)
{
	if (mm == NULL || mm->mm_type != MAILMIME_MULTIPLE ||
	    clist_count(mm->mm_data.mm_multipart.mm_mp_list) != 2)
		return NULL;
	return clist_nth_data(mm->mm_data.mm_multipart.mm_mp_list, i);
}

static int
body_of(struct mailmime *mm, struct buf *out)
{
	const struct mailmime_data *d = mm->mm_body;
	size_t idx = 0, n = 0;
	char *res = NULL;

	if (mm->mm_type != MAILMIME_SINGLE || d == NULL ||
	    d->dt_type != MAILMIME_DATA_TEXT ||
	    mailmime_part_parse(d->dt_data.dt_text.dt_data,
	    d->dt_data.dt_text.dt_length, &idx, d->dt_encoding, &res, &n) !=
	    MAILIMF_NO_ERROR)
		return -1;
	buf_add(out, res, n);
	mailmime_decoded_part_free(res);
	return 0;
}

static const char begin_signed[] = "-----BEGIN PGP SIGNED MESSAGE-----";
static const char end_signature[] = "-----END PGP SIGNATURE-----";

/* 1 when the line at p (to a line end) is the armor line a. */
static int
armor_line(const char *p, const char *end, const char *a)
{
	size_t n = strlen(a);

	if ((size_t)(end - p) < n || memcmp(p, a, n) != 0)
		return 0;
	for (p += n; p < end && (*p == ' ' || *p == '\t' || *p == '\r'); p++)
		;
	return p == end || *p == '\n';
}

static int
blank(const char *p, const char *end)
{
	for (; p < end; p++)
		if (!isspace((unsigned char)*p))
			return 0;
	return 1;
}

/* The clear-signed block in s[0..n): *start..*stop; 0 when none. */
static int
clear_block(const char *s, size_t n, const char **start, const char **stop)
{
	const char *p = s, *end = s + n, *nl;

	*start = NULL;
	for (; p < end; p = nl + 1) {
		if (*start == NULL && armor_line(p, end, begin_signed))
			*start = p;
		else if (*start != NULL && armor_line(p, end, end_signature)) {
			nl = memchr(p, '\n', (size_t)(end - p));
			*stop = nl ? nl + 1 : end;
			return 1;
		}
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
	}
	return 0;
}

const char *
cmdauth_clear_text(const char *text)
{
	const char *p = text, *nl;

	if (p == NULL)
		return NULL;
	p += strspn(p, " \t\r\n");
	if (!armor_line(p, p + strlen(p), begin_signed))
		return text;
	/* the armor headers (Hash: ...) end at the first empty line */
	for (; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		if (p != text && blank(p, nl))
			return nl + 1;
	return p + strlen(p);
}

int
cmdauth_armor_end(const char *line, size_t len)
{
	return armor_line(line, line + len, "-----BEGIN PGP SIGNATURE-----");
}

/* Where the commands of a mail are. */
struct found {
	struct mailmime *pgpmime;	/* multipart/signed, or NULL */
	struct buf clear;		/* a clear-signed block, decoded */
	const char *charset;		/* of the part that holds it (in
					 * the parsed mail), or NULL */
	int outside;			/* other text or parts beside it */
};

/* A text/plain part: its clear-signed block, text around it is outside. */
static void
look_plain(struct mailmime *mm, struct found *f)
{
	struct buf b = BUF_INIT;
	const char *start, *stop;

	if (body_of(mm, &b) < 0 || b.len == 0) {
		buf_release(&b);
		return;
	}
	if (f->pgpmime == NULL && f->clear.len == 0 &&
	    clear_block(b.buf, b.len, &start, &stop)) {
		buf_add(&f->clear, start, (size_t)(stop - start));
		f->charset = mm->mm_content_type ?
		    mailmime_content_charset_get(mm->mm_content_type) : NULL;
		if (!blank(b.buf, start) || !blank(stop, b.buf + b.len))
			f->outside = 1;
	} else if (!blank(b.buf, b.buf + b.len))
		f->outside = 1;
	buf_release(&b);
}

/*
 * The signed commands of body: the body itself as PGP/MIME or a
 * clear-signed text/plain, or one such part of a multipart/mixed or
 * multipart/alternative; what else the mail carries is outside.
 */
static void
find_signed(struct mailmime *body, struct found *f)
{
	clistiter *it;

	if (is_type(body, 1, "signed")) {
		f->pgpmime = body;
		return;
	}
	if (is_type(body, 2, "plain")) {
		look_plain(body, f);
		return;
	}
	if (body->mm_type != MAILMIME_MULTIPLE || (!is_type(body, 1, "mixed") &&
	    !is_type(body, 1, "alternative"))) {
		f->outside = 1;
		return;
	}
	for (it = clist_begin(body->mm_data.mm_multipart.mm_mp_list); it != NULL;
	    it = clist_next(it)) {
		struct mailmime *c = clist_content(it);

		if (is_type(c, 1, "signed") && f->pgpmime == NULL && f->clear.len == 0)
			f->pgpmime = c;
		else if (is_type(c, 2, "plain"))
			look_plain(c, f);
		/* another rendering of the same text (HTML) is not read */
		else if (!is_type(body, 1, "alternative"))
			f->outside = 1;
	}
}

static enum bpt_status
owner_of(struct bpt_ctx *ctx, const char *fpr, struct member *admin, int *found)
{
	static const char sql[] = "SELECT m.email FROM admin_keys k JOIN members m "
	    "ON m.id = k.member_id WHERE k.fpr = ?";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	char *email = NULL;
	enum bpt_status st = BPT_OK;
	int rc;

	*found = 0;
	if (s == NULL)
		return ctx->err;
	sqlite3_bind_text(s, 1, fpr, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && (email = strdup(store_col_text(s, 0))) == NULL)
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(ctx, ctx->store, rc, "look up a key");
	if (st == BPT_OK && email != NULL) {
		st = member_lookup(ctx, email, admin);
		*found = st == BPT_OK;
		if (st == BPT_ENOENT)
			st = BPT_OK;
	}
	free(email);
	return st;
}

/* 1 in *fresh when hash was not seen, and records it. */
static enum bpt_status
seen(struct bpt_ctx *ctx, const char *hash, int *fresh)
{
	static const char sql[] = "INSERT INTO signed_seen(hash, at) VALUES (?, ?) "
	    "ON CONFLICT(hash) DO NOTHING";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	enum bpt_status st;

	*fresh = 0;
	if (s == NULL)
		return ctx->err;
	sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, bpt_now(ctx));
	st = store_step_done(ctx, ctx->store, s);
	*fresh = st == BPT_OK && sqlite3_changes(store_db(ctx->store)) > 0;
	return st;
}

/* Judges the signature chk: NULL when it may give commands, else why
 * not (static). */
static const char *
judge(const struct sign_check *chk)
{
	/* each signature on its own: valid, and nothing wrong with its key */
	if (!chk->good || chk->problem[0] != '\0')
		return chk->fpr[0] == '\0' || strstr(chk->problem, "public key") ?
		    "signed by an unknown key" : strstr(chk->problem, "expired") ?
		    "signed by an expired key" : strstr(chk->problem, "revoked") ?
		    "signed by a revoked key" : "bad signature";
	if (strcmp(chk->validity, "full") != 0 &&
	    strcmp(chk->validity, "ultimate") != 0)
		return "signed by a key the keyring does not trust";
	return NULL;
}

enum bpt_status
cmdauth_pgp(struct bpt_ctx *ctx, const struct request_in *in, int *ok,
    const char **why, struct buf *text, struct member *admin, int *outside)
{
	struct sign_opts so = { ctx->cfg->signing.gnupghome, 0 };
	struct buf raw = BUF_INIT, sig = BUF_INIT, plain = BUF_INIT;
	struct mailmime *top = NULL, *body, *signedmm = NULL, *sigmm;
	struct sign_session *ss = NULL;
	struct sign_check chk;
	struct mail *inner = NULL;
	struct found f;
	char hash[SHA256_HEX_LEN + 1];
	enum bpt_status st = BPT_OK;
	size_t idx = 0;
	int found = 0, fresh;

	*ok = 0;
	*outside = 0;
	*why = "not signed (PGP/MIME or clear-signed)";
	memset(admin, 0, sizeof(*admin));
	memset(&f, 0, sizeof(f));
	buf_init(&f.clear);
	canonical(in->raw, in->len, &raw);
	if (buf_failed(&raw))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	if (mailmime_parse(raw.buf ? raw.buf : "", raw.len, &idx, &top) !=
	    MAILIMF_NO_ERROR || top == NULL)
		goto out;
	body = top->mm_type == MAILMIME_MESSAGE ?
	    top->mm_data.mm_message.mm_msg_mime : top;
	if (body == NULL)
		goto out;
	find_signed(body, &f);
	if (buf_failed(&f.clear)) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	if (f.pgpmime != NULL && ((signedmm = child(f.pgpmime, 0)) == NULL ||
	    (sigmm = child(f.pgpmime, 1)) == NULL ||
	    !is_type(sigmm, 0, "pgp-signature") || signedmm->mm_mime_start == NULL ||
	    body_of(sigmm, &sig) < 0))
		goto out;
	if (f.pgpmime == NULL && f.clear.len == 0)
		goto out;
	if ((st = sign_open(ctx, &so, &ss)) != BPT_OK)
		goto out;
	st = f.pgpmime ? sign_verify(ctx, ss, sig.buf ? sig.buf : "", sig.len,
	    signedmm->mm_mime_start, signedmm->mm_length, &chk) :
	    sign_verify_clear(ctx, ss, f.clear.buf, f.clear.len, &plain, &chk);
	if (st == BPT_EDATA) {
		st = BPT_OK;
		*why = "the signature cannot be read";
		goto out;
	}
	if (st != BPT_OK)
		goto out;
	if ((*why = judge(&chk)) != NULL)
		goto out;
	if ((st = owner_of(ctx, chk.fpr, admin, &found)) != BPT_OK)
		goto out;
	if (!found || !member_is_active(admin) || strcmp(admin->role, "member") == 0) {
		*why = "signed by a key not registered for an admin";
		goto out;
	}
	if (chk.when < bpt_now(ctx) - CMDAUTH_MAX_AGE) {
		*why = "replay: the signature is older than a day";
		goto out;
	}
	if (f.pgpmime)
		sha256_hex(signedmm->mm_mime_start, signedmm->mm_length, hash);
	else
		sha256_hex(f.clear.buf, f.clear.len, hash);
	if ((st = seen(ctx, hash, &fresh)) != BPT_OK)
		goto out;
	if (!fresh) {
		*why = "replay: this signed text was used before";
		goto out;
	}
	if (f.pgpmime) {
		if ((st = mail_parse(ctx, signedmm->mm_mime_start,
		    signedmm->mm_length, NULL, &inner)) != BPT_OK)
			goto out;
		buf_adds(text, inner->text ? inner->text : "");
	} else
		charset_to_utf8(text, f.charset, plain.buf ? plain.buf : "",
		    plain.len);
	if (buf_failed(text)) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	*ok = 1;
	*outside = f.outside;
	*why = NULL;
out:
	if (!*ok && found) {
		member_release(admin);
		memset(admin, 0, sizeof(*admin));
	}
	mail_free(inner);
	sign_close(ss);
	if (top != NULL)
		mailmime_free(top);
	buf_release(&f.clear);
	buf_release(&raw);
	buf_release(&sig);
	buf_release(&plain);
	return st;
}

enum bpt_status
cmdauth_set_key(struct bpt_ctx *ctx, const char *email, const char *fpr)
{
	static const char del[] = "DELETE FROM admin_keys WHERE member_id = ?";
	static const char ins[] = "INSERT INTO admin_keys(member_id, fpr) "
	    "VALUES (?, ?)";
	char norm[65];
	struct member m;
	sqlite3_stmt *s;
	enum bpt_status st;
	size_t i, k = 0;

	for (i = 0; fpr[i] != '\0'; i++) {
		if (fpr[i] == ' ')
			continue;
		if (!isxdigit((unsigned char)fpr[i]) || k >= 40)
			return bpt_err(ctx, BPT_EDATA, "bad key fingerprint '%s': "
			    "40 hex digits", fpr);
		norm[k++] = (char)toupper((unsigned char)fpr[i]);
	}
	norm[k] = '\0';
	if (k != 0 && k != 40)
		return bpt_err(ctx, BPT_EDATA, "bad key fingerprint '%s': 40 hex "
		    "digits", fpr);
	if ((st = member_find(ctx, email, &m)) != BPT_OK)
		return st;
	if ((st = store_begin(ctx, ctx->store)) != BPT_OK)
		goto out;
	if ((s = store_prepare(ctx, ctx->store, del)) == NULL) {
		st = ctx->err;
		goto fail;
	}
	sqlite3_bind_int64(s, 1, m.id);
	if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
		goto fail;
	if (k != 0) {
		if ((s = store_prepare(ctx, ctx->store, ins)) == NULL) {
			st = ctx->err;
			goto fail;
		}
		sqlite3_bind_int64(s, 1, m.id);
		sqlite3_bind_text(s, 2, norm, -1, SQLITE_STATIC);
		if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
			goto fail;
	}
	{
		struct audit_entry e = { 0 };

		e.action = "key";
		e.member_id = m.id;
		e.member_email = m.email;
		e.detail = k ? norm : "key removed";
		if ((st = audit_add(ctx, &e)) != BPT_OK)
			goto fail;
	}
	st = store_commit(ctx, ctx->store);
	goto out;
fail:
	store_rollback(ctx->store);
out:
	member_release(&m);
	return st;
}

enum bpt_status
cmdauth_key_of(struct bpt_ctx *ctx, long long id, char *out)
{
	static const char sql[] = "SELECT fpr FROM admin_keys WHERE member_id = ?";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	int rc;

	out[0] = '\0';
	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		snprintf(out, 65, "%s", store_col_text(s, 0));
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(ctx, ctx->store, rc, "look up a key");
	return BPT_OK;
}
