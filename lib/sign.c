/* sign.c - OpenPGP signatures and encryption through gpgme. */
#include "bptconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gpgme.h>

#include "sign.h"
#include "util.h"

struct sign_session {
	gpgme_ctx_t c;
	char *home;		/* for messages; NULL: gpg's default */
	gpgme_key_t signer;	/* checked by sign_check_signer() */
	gpgme_key_t recipient;	/* checked by sign_check_recipient() */
};

static const char *
home(const struct sign_session *s)
{
	return s->home ? s->home : "the GnuPG home ($GNUPGHOME, else ~/.gnupg)";
}

enum bpt_status
sign_open(struct bpt_ctx *ctx, const struct sign_opts *o, struct sign_session **out)
{
	static int initialised;
	const char *h = o && o->gnupghome && *o->gnupghome ? o->gnupghome : NULL;
	struct sign_session *s;
	gpgme_error_t err;
	struct stat sb;

	*out = NULL;
	if (!initialised) {
		if (gpgme_check_version(NULL) == NULL)
			return bpt_err(ctx, BPT_EUNAVAIL, "gpgme cannot be used");
		initialised = 1;
	}
	if (h != NULL && stat(h, &sb) < 0)
		return bpt_err(ctx, BPT_ECONFIG, "GnuPG home '%s': %s", h,
		    strerror(errno));
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (h != NULL && (s->home = strdup(h)) == NULL)) {
		free(s);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
	if ((err = gpgme_new(&s->c)) != 0) {
		sign_close(s);
		return bpt_err(ctx, gpg_err_code(err) == GPG_ERR_ENOMEM ? BPT_ENOMEM :
		    BPT_EUNAVAIL, "gpgme: %s", gpgme_strerror(err));
	}
	err = gpgme_set_protocol(s->c, GPGME_PROTOCOL_OpenPGP);
	if (err == 0)
		err = gpgme_ctx_set_engine_info(s->c, GPGME_PROTOCOL_OpenPGP, NULL, h);
	if (err == 0 && !(o && o->interactive))
		err = gpgme_set_pinentry_mode(s->c, GPGME_PINENTRY_MODE_ERROR);
	if (err != 0) {
		enum bpt_status st = bpt_err(ctx, BPT_EUNAVAIL, "gpg cannot be used "
		    "with %s: %s", home(s), gpgme_strerror(err));

		sign_close(s);
		return st;
	}
	gpgme_set_armor(s->c, 1);
	gpgme_set_textmode(s->c, 0);
	*out = s;
	return BPT_OK;
}

void
sign_close(struct sign_session *s)
{
	if (s == NULL)
		return;
	if (s->signer)
		gpgme_key_unref(s->signer);
	if (s->recipient)
		gpgme_key_unref(s->recipient);
	if (s->c)
		gpgme_release(s->c);
	free(s->home);
	free(s);
}

/* "2026-11-28" (UTC) for a key's dates. */
static void
day(time_t t, char buf[32])
{
	util_time_iso(NULL, t, buf);
	buf[10] = '\0';
}

/* The key's state as one line, or NULL when it can do what is asked. */
static enum bpt_status
key_state(struct bpt_ctx *ctx, const struct sign_session *s, gpgme_key_t key,
    const char *what, const char *fpr, int secret)
{
	char t[32];

	if (key->revoked)
		return bpt_err(ctx, BPT_ECONFIG, "%s %s is revoked: set another key",
		    what, fpr);
	if (key->expired) {
		day(key->subkeys ? (time_t)key->subkeys->expires : 0, t);
		return bpt_err(ctx, BPT_ECONFIG, "%s %s expired on %s: extend it "
		    "(gpg --quick-set-expire) or set another key", what, fpr, t);
	}
	if (key->disabled || key->invalid)
		return bpt_err(ctx, BPT_ECONFIG, "%s %s is %s", what, fpr,
		    key->disabled ? "disabled" : "not valid");
	if (secret ? !key->can_sign : !key->can_encrypt)
		return bpt_err(ctx, BPT_ECONFIG, "%s %s has no usable subkey to %s "
		    "with (expired or revoked?)", what, fpr, secret ? "sign" : "encrypt");
	(void)s;
	return BPT_OK;
}

/*
 * The key fpr with the abilities it needs: can_sign with its secret
 * part (secret), else can_encrypt.  One key listing when all is well;
 * a second one only to say why a secret key is missing.  *out is
 * released by the caller.
 */
static enum bpt_status
usable_key(struct bpt_ctx *ctx, struct sign_session *s, const char *what,
    const char *fpr, int secret, gpgme_key_t *out)
{
	gpgme_key_t key = NULL;
	gpgme_error_t err;
	enum bpt_status st;

	*out = NULL;
	if (fpr == NULL || *fpr == '\0')
		return bpt_err(ctx, BPT_ECONFIG, "%s is not set: name the key by its "
		    "fingerprint", what);
	err = gpgme_get_key(s->c, fpr, &key, secret);
	if (gpg_err_code(err) == GPG_ERR_EOF || (err == 0 && key == NULL)) {
		if (!secret)
			return bpt_err(ctx, BPT_ECONFIG, "%s %s is not in %s: import it "
			    "there (gpg --homedir DIR --import)", what, fpr, home(s));
		err = gpgme_get_key(s->c, fpr, &key, 0);
		if (err == 0 && key != NULL) {
			gpgme_key_unref(key);
			return bpt_err(ctx, BPT_ECONFIG, "%s %s has no secret key in "
			    "%s, only its public key", what, fpr, home(s));
		}
		return bpt_err(ctx, BPT_ECONFIG, "%s %s is not in %s: import it "
		    "there (gpg --homedir DIR --import)", what, fpr, home(s));
	}
	if (gpg_err_code(err) == GPG_ERR_AMBIGUOUS_NAME)
		return bpt_err(ctx, BPT_ECONFIG, "%s %s matches more than one key "
		    "in %s", what, fpr, home(s));
	if (err != 0)
		return bpt_err(ctx, BPT_EUNAVAIL, "%s %s: gpg: %s", what, fpr,
		    gpgme_strerror(err));
	if ((st = key_state(ctx, s, key, what, fpr, secret)) != BPT_OK) {
		gpgme_key_unref(key);
		return st;
	}
	*out = key;
	return BPT_OK;
}

/* The status for a failed gpgme operation on key fpr. */
static enum bpt_status
op_failed(struct bpt_ctx *ctx, const char *what, const char *fpr,
    const char *op, gpgme_error_t err)
{
	switch (gpg_err_code(err)) {
	case GPG_ERR_NO_PIN:
	case GPG_ERR_NO_PIN_ENTRY:
	case GPG_ERR_PIN_ENTRY:
	case GPG_ERR_NO_PASSPHRASE:
	case GPG_ERR_BAD_PASSPHRASE:
	case GPG_ERR_CANCELED:
	case GPG_ERR_FULLY_CANCELED:
		return bpt_err(ctx, BPT_EUNAVAIL, "%s %s needs its passphrase and "
		    "no gpg-agent holds it (preset it with gpg-preset-passphrase, "
		    "or use a key without one): %s", what, fpr, gpgme_strerror(err));
	case GPG_ERR_UNUSABLE_SECKEY:
	case GPG_ERR_UNUSABLE_PUBKEY:
	case GPG_ERR_KEY_EXPIRED:
	case GPG_ERR_CERT_REVOKED:
	case GPG_ERR_NO_SECKEY:
	case GPG_ERR_NO_PUBKEY:
		return bpt_err(ctx, BPT_ECONFIG, "%s %s cannot %s: %s", what, fpr, op,
		    gpgme_strerror(err));
	case GPG_ERR_ENOMEM:
		return bpt_err(ctx, BPT_ENOMEM, "out of memory in gpg");
	default:
		return bpt_err(ctx, BPT_EUNAVAIL, "gpg could not %s with %s %s: %s",
		    op, what, fpr, gpgme_strerror(err));
	}
}

/* gpgme writes its output straight into a struct buf. */
static ssize_t
buf_write_cb(void *handle, const void *p, size_t n)
{
	struct buf *b = handle;

	buf_add(b, p, n);
	if (buf_failed(b)) {
		errno = ENOMEM;
		return -1;
	}
	return (ssize_t)n;
}

static struct gpgme_data_cbs buf_cbs = { NULL, buf_write_cb, NULL, NULL };

/*
 * Input (borrowed, not copied) and output (into out, when not NULL)
 * data objects.  gpgme's default I/O buffer is the fastest here: with
 * one of 1 MiB ("io-buffer-size") a 28 MB transcript took twice as long
 * to sign (gpgme moves what the pipe did not take to the front of the
 * buffer after every write).
 */
static enum bpt_status
data_pair(struct bpt_ctx *ctx, const char *data, size_t len, struct buf *out,
    gpgme_data_t *in, gpgme_data_t *outd)
{
	gpgme_error_t err;

	*in = NULL;
	if (outd != NULL)
		*outd = NULL;
	err = gpgme_data_new_from_mem(in, data, len, 0);
	if (err == 0 && out != NULL && outd != NULL)
		err = gpgme_data_new_from_cbs(outd, &buf_cbs, out);
	if (err != 0) {
		gpgme_data_release(*in);
		*in = NULL;
		return bpt_err(ctx, BPT_ENOMEM, "gpgme: %s", gpgme_strerror(err));
	}
	return BPT_OK;
}

enum bpt_status
sign_check_signer(struct bpt_ctx *ctx, struct sign_session *s, const char *what,
    const char *fpr)
{
	if (s->signer) {
		gpgme_key_unref(s->signer);
		s->signer = NULL;
	}
	return usable_key(ctx, s, what, fpr, 1, &s->signer);
}

enum bpt_status
sign_check_recipient(struct bpt_ctx *ctx, struct sign_session *s,
    const char *what, const char *fpr)
{
	if (s->recipient) {
		gpgme_key_unref(s->recipient);
		s->recipient = NULL;
	}
	return usable_key(ctx, s, what, fpr, 0, &s->recipient);
}

/* gpgme's side of a struct sign_io */
static ssize_t
io_read_cb(void *handle, void *p, size_t n)
{
	const struct sign_io *io = handle;

	return io->read(io->arg, p, n);
}

static ssize_t
io_write_cb(void *handle, const void *p, size_t n)
{
	const struct sign_io *io = handle;

	return io->write(io->arg, p, n);
}

static struct gpgme_data_cbs io_cbs = { io_read_cb, io_write_cb, NULL, NULL };

/* gpgme's pieces for the data signed from a stream */
#define SIGN_IO_BUFFER "65536"

static enum bpt_status
io_data(struct bpt_ctx *ctx, const struct sign_io *io, gpgme_data_t *d)
{
	gpgme_error_t err = gpgme_data_new_from_cbs(d, &io_cbs, (void *)io);

	if (err != 0)
		return bpt_err(ctx, BPT_ENOMEM, "gpgme: %s", gpgme_strerror(err));
	return BPT_OK;
}

/* A failed operation: our own stream's error comes first. */
static enum bpt_status
stream_failed(struct bpt_ctx *ctx, const char *what, const char *fpr,
    const char *op, gpgme_error_t err)
{
	if (gpg_err_code(err) == GPG_ERR_EIO || gpg_err_code(err) == GPG_ERR_ENOSPC)
		return bpt_err(ctx, gpg_err_code(err) == GPG_ERR_ENOSPC ? BPT_ENOSPC :
		    BPT_EIO, "cannot pass the transcript to gpg: %s",
		    gpgme_strerror(err));
	return op_failed(ctx, what, fpr, op, err);
}

enum bpt_status
sign_detached(struct bpt_ctx *ctx, struct sign_session *s, const char *what,
    const char *fpr, const struct sign_io *inio, struct buf *sig,
    struct sign_result *res)
{
	gpgme_data_t in = NULL, out = NULL;
	gpgme_sign_result_t r;
	gpgme_error_t err;
	enum bpt_status st;
	const char *algo;
	size_t i;

	memset(res, 0, sizeof(*res));
	if (s->signer == NULL && (st = sign_check_signer(ctx, s, what, fpr)) != BPT_OK)
		return st;
	gpgme_signers_clear(s->c);
	if ((err = gpgme_signers_add(s->c, s->signer)) != 0)
		return op_failed(ctx, what, fpr, "sign", err);
	if ((st = io_data(ctx, inio, &in)) != BPT_OK)
		return st;
	/*
	 * The data to sign reaches gpg in pieces of 64 KB, the size of a
	 * pipe, not of 4: the 25 MB transcript of bench/export.sh is signed
	 * in 145-170 ms instead of 225-290 (medians of 11).  A gpgme that
	 * does not know the flag keeps its own size.
	 */
	(void)gpgme_data_set_flag(in, "io-buffer-size", SIGN_IO_BUFFER);
	if ((err = gpgme_data_new_from_cbs(&out, &buf_cbs, sig)) != 0) {
		st = bpt_err(ctx, BPT_ENOMEM, "gpgme: %s", gpgme_strerror(err));
		goto out;
	}
	err = gpgme_op_sign(s->c, in, out, GPGME_SIG_MODE_DETACH);
	r = gpgme_op_sign_result(s->c);
	if (err == 0 && r != NULL && r->invalid_signers != NULL)
		err = r->invalid_signers->reason ? r->invalid_signers->reason :
		    gpg_error(GPG_ERR_UNUSABLE_SECKEY);
	if (err == 0 && (r == NULL || r->signatures == NULL))
		err = gpg_error(GPG_ERR_GENERAL);
	if (err != 0) {
		st = stream_failed(ctx, what, fpr, "sign", err);
		goto out;
	}
	if (buf_failed(sig)) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	snprintf(res->fpr, sizeof(res->fpr), "%s", r->signatures->fpr ?
	    r->signatures->fpr : fpr);
	res->when = (time_t)r->signatures->timestamp;
	/* RFC 3156 names the hash "pgp-" and gpg's name in lower case */
	algo = gpgme_hash_algo_name(r->signatures->hash_algo);
	snprintf(res->micalg, sizeof(res->micalg), "pgp-%s", algo ? algo : "sha256");
	for (i = 0; res->micalg[i]; i++)
		res->micalg[i] = (char)tolower((unsigned char)res->micalg[i]);
out:
	gpgme_data_release(in);
	gpgme_data_release(out);
	return st;
}

enum bpt_status
sign_encrypt(struct bpt_ctx *ctx, struct sign_session *s, const char *what,
    const char *fpr, const struct sign_io *inio, const struct sign_io *outio)
{
	gpgme_key_t keys[2] = { NULL, NULL };
	gpgme_data_t in = NULL, out = NULL;
	gpgme_encrypt_result_t r;
	gpgme_error_t err;
	enum bpt_status st;

	if (s->recipient == NULL &&
	    (st = sign_check_recipient(ctx, s, what, fpr)) != BPT_OK)
		return st;
	keys[0] = s->recipient;
	if ((st = io_data(ctx, inio, &in)) != BPT_OK)
		return st;
	if ((st = io_data(ctx, outio, &out)) != BPT_OK)
		goto out;
	/* the key is trusted because the configuration names it */
	err = gpgme_op_encrypt(s->c, keys, GPGME_ENCRYPT_ALWAYS_TRUST, in, out);
	r = gpgme_op_encrypt_result(s->c);
	if (err == 0 && r != NULL && r->invalid_recipients != NULL)
		err = r->invalid_recipients->reason ? r->invalid_recipients->reason :
		    gpg_error(GPG_ERR_UNUSABLE_PUBKEY);
	if (err != 0)
		st = stream_failed(ctx, what, fpr, "encrypt", err);
out:
	gpgme_data_release(in);
	gpgme_data_release(out);
	return st;
}

enum bpt_status
sign_decrypt(struct bpt_ctx *ctx, struct sign_session *s, const char *data,
    size_t len, struct buf *outb)
{
	gpgme_data_t in = NULL, out = NULL;
	gpgme_error_t err;
	enum bpt_status st;

	if ((st = data_pair(ctx, data, len, outb, &in, &out)) != BPT_OK)
		return st;
	err = gpgme_op_decrypt(s->c, in, out);
	if (err != 0) {
		switch (gpg_err_code(err)) {
		case GPG_ERR_NO_SECKEY:
			st = bpt_err(ctx, BPT_EDATA, "the transcript is encrypted to a "
			    "key whose secret part is not in %s", home(s));
			break;
		case GPG_ERR_ENOMEM:
			st = bpt_err(ctx, BPT_ENOMEM, "out of memory in gpg");
			break;
		default:
			st = bpt_err(ctx, BPT_EDATA, "the transcript cannot be "
			    "decrypted: %s", gpgme_strerror(err));
			break;
		}
	} else if (buf_failed(outb)) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
	gpgme_data_release(in);
	gpgme_data_release(out);
	return st;
}

static const char *
validity_str(gpgme_validity_t v)
{
	switch (v) {
	case GPGME_VALIDITY_ULTIMATE: return "ultimate";
	case GPGME_VALIDITY_FULL: return "full";
	case GPGME_VALIDITY_MARGINAL: return "marginal";
	case GPGME_VALIDITY_NEVER: return "never";
	case GPGME_VALIDITY_UNDEFINED: return "undefined";
	case GPGME_VALIDITY_UNKNOWN:
	default: return "unknown";
	}
}

/*
 * Verifies sig over data (detached), or with data NULL the clear-signed
 * text sig, whose signed text is appended to plain.
 */
static enum bpt_status
verify(struct bpt_ctx *ctx, struct sign_session *s, const char *sig,
    size_t siglen, const char *data, size_t len, struct buf *plain,
    struct sign_check *out)
{
	gpgme_ctx_t c = s->c;
	gpgme_data_t sd = NULL, dd = NULL;
	gpgme_verify_result_t r;
	gpgme_signature_t g;
	gpgme_error_t err;
	gpgme_key_t key = NULL;
	enum bpt_status st;
	char t[32];

	memset(out, 0, sizeof(*out));
	out->validity = "unknown";
	if ((st = data_pair(ctx, sig, siglen, plain, &sd, data ? NULL : &dd)) !=
	    BPT_OK)
		goto out;
	if (data != NULL && (err = gpgme_data_new_from_mem(&dd, data, len, 0)) != 0) {
		st = bpt_err(ctx, BPT_ENOMEM, "gpgme: %s", gpgme_strerror(err));
		goto out;
	}
	err = data ? gpgme_op_verify(c, sd, dd, NULL) :
	    gpgme_op_verify(c, sd, NULL, dd);
	r = gpgme_op_verify_result(c);
	if (err != 0 || r == NULL || (g = r->signatures) == NULL) {
		st = bpt_err(ctx, gpg_err_code(err) == GPG_ERR_ENOMEM ? BPT_ENOMEM :
		    BPT_EDATA, "the signature cannot be read: %s",
		    err ? gpgme_strerror(err) : "no signature in it");
		goto out;
	}
	snprintf(out->fpr, sizeof(out->fpr), "%s", g->fpr ? g->fpr : "");
	out->when = (time_t)g->timestamp;
	out->validity = validity_str(g->validity);
	if (g->fpr && gpgme_get_key(c, g->fpr, &key, 0) == 0 && key != NULL &&
	    key->uids != NULL && key->uids->uid != NULL)
		snprintf(out->uid, sizeof(out->uid), "%s", key->uids->uid);
	switch (gpg_err_code(g->status)) {
	case GPG_ERR_NO_ERROR:
		out->good = 1;
		break;
	case GPG_ERR_KEY_EXPIRED:
		/* made while the key was valid: it still proves the data */
		out->good = !(g->summary & GPGME_SIGSUM_KEY_REVOKED);
		day(key && key->subkeys ? (time_t)key->subkeys->expires : 0, t);
		snprintf(out->problem, sizeof(out->problem), "the key expired on %s, "
		    "after it signed", t);
		break;
	case GPG_ERR_NO_PUBKEY:
		snprintf(out->problem, sizeof(out->problem), "the signer's public key "
		    "%s is not in %s: import it", out->fpr, home(s));
		break;
	case GPG_ERR_BAD_SIGNATURE:
		snprintf(out->problem, sizeof(out->problem), "the signature does not "
		    "match the signed part: it was changed after signing");
		break;
	case GPG_ERR_CERT_REVOKED:
		snprintf(out->problem, sizeof(out->problem), "the signer's key %s is "
		    "revoked", out->fpr);
		break;
	default:
		snprintf(out->problem, sizeof(out->problem), "the signature is not "
		    "valid: %s", gpgme_strerror(g->status));
		break;
	}
	if (out->good && (g->summary & GPGME_SIGSUM_KEY_REVOKED)) {
		out->good = 0;
		snprintf(out->problem, sizeof(out->problem), "the signer's key %s is "
		    "revoked", out->fpr);
	}
	/* more than one signature: each must hold, or none counts */
	for (g = g->next; g != NULL && out->good; g = g->next)
		if (gpg_err_code(g->status) != GPG_ERR_NO_ERROR) {
			out->good = 0;
			snprintf(out->problem, sizeof(out->problem), "one of its "
			    "signatures is not valid: %s", gpgme_strerror(g->status));
		}
	if (plain != NULL && buf_failed(plain))
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
out:
	if (key)
		gpgme_key_unref(key);
	gpgme_data_release(sd);
	gpgme_data_release(dd);
	return st;
}

enum bpt_status
sign_verify(struct bpt_ctx *ctx, struct sign_session *s, const char *sig,
    size_t siglen, const char *data, size_t len, struct sign_check *out)
{
	return verify(ctx, s, sig, siglen, data, len, NULL, out);
}

enum bpt_status
sign_verify_clear(struct bpt_ctx *ctx, struct sign_session *s, const char *text,
    size_t len, struct buf *plain, struct sign_check *out)
{
	return verify(ctx, s, text, len, NULL, 0, plain, out);
}
