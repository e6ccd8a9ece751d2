/* cmdauth.c - admin commands signed with OpenPGP. */
#include "bptconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "audit.h"
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

/* 1 when mm is of type multipart/SUB or application/SUB (sub given). */
static int
is_type(const struct mailmime *mm, int multipart, const char *sub)
{
	const struct mailmime_content *c = mm ? mm->mm_content_type : NULL;

	if (c == NULL || c->ct_type == NULL || c->ct_subtype == NULL ||
	    strcasecmp(c->ct_subtype, sub) != 0)
		return 0;
	if (multipart)
		return c->ct_type->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE &&
		    c->ct_type->tp_data.tp_composite_type != NULL &&
		    c->ct_type->tp_data.tp_composite_type->ct_type ==
		    MAILMIME_COMPOSITE_TYPE_MULTIPART;
	return c->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE &&
	    c->ct_type->tp_data.tp_discrete_type != NULL &&
	    c->ct_type->tp_data.tp_discrete_type->dt_type ==
	    MAILMIME_DISCRETE_TYPE_APPLICATION;
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

enum bpt_status
cmdauth_pgp(struct bpt_ctx *ctx, const struct request_in *in, int *ok,
    const char **why, struct buf *text, struct member *admin)
{
	struct sign_opts so = { ctx->cfg->signing.gnupghome, 0 };
	struct buf raw = BUF_INIT, sig = BUF_INIT;
	struct mailmime *top = NULL, *body, *signedmm, *sigmm;
	struct sign_session *ss = NULL;
	struct sign_check chk;
	struct mail *inner = NULL;
	char hash[SHA256_HEX_LEN + 1];
	enum bpt_status st = BPT_OK;
	size_t idx = 0;
	int found = 0, fresh;

	*ok = 0;
	*why = "not signed (PGP/MIME)";
	memset(admin, 0, sizeof(*admin));
	canonical(in->raw, in->len, &raw);
	if (buf_failed(&raw))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	if (mailmime_parse(raw.buf ? raw.buf : "", raw.len, &idx, &top) !=
	    MAILIMF_NO_ERROR || top == NULL)
		goto out;
	body = top->mm_type == MAILMIME_MESSAGE ?
	    top->mm_data.mm_message.mm_msg_mime : top;
	/* the whole body signed: text beside the signed part is not read */
	if (body == NULL || !is_type(body, 1, "signed") ||
	    (signedmm = child(body, 0)) == NULL || (sigmm = child(body, 1)) == NULL ||
	    !is_type(sigmm, 0, "pgp-signature") || signedmm->mm_mime_start == NULL ||
	    body_of(sigmm, &sig) < 0)
		goto out;
	if ((st = sign_open(ctx, &so, &ss)) != BPT_OK)
		goto out;
	st = sign_verify(ctx, ss, sig.buf ? sig.buf : "", sig.len,
	    signedmm->mm_mime_start, signedmm->mm_length, &chk);
	if (st == BPT_EDATA) {
		st = BPT_OK;
		*why = "the signature cannot be read";
		goto out;
	}
	if (st != BPT_OK)
		goto out;
	/* each signature on its own: valid, and nothing wrong with its key */
	if (!chk.good || chk.problem[0] != '\0') {
		*why = chk.fpr[0] == '\0' || strstr(chk.problem, "public key") ?
		    "signed by an unknown key" : strstr(chk.problem, "expired") ?
		    "signed by an expired key" : strstr(chk.problem, "revoked") ?
		    "signed by a revoked key" : "bad signature";
		goto out;
	}
	if (strcmp(chk.validity, "full") != 0 && strcmp(chk.validity, "ultimate") != 0) {
		*why = "signed by a key the keyring does not trust";
		goto out;
	}
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
	sha256_hex(signedmm->mm_mime_start, signedmm->mm_length, hash);
	if ((st = seen(ctx, hash, &fresh)) != BPT_OK)
		goto out;
	if (!fresh) {
		*why = "replay: this signed text was used before";
		goto out;
	}
	if ((st = mail_parse(ctx, signedmm->mm_mime_start, signedmm->mm_length,
	    NULL, &inner)) != BPT_OK)
		goto out;
	buf_adds(text, inner->text ? inner->text : "");
	if (buf_failed(text)) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	*ok = 1;
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
	buf_release(&raw);
	buf_release(&sig);
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
