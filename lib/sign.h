/*
 * sign.h - OpenPGP through gpgme: detached signatures, encryption to
 * one key, and the checks of a transcript's reader.
 *
 * The GnuPG home is given per call and set on the gpgme context
 * (gpgme_ctx_set_engine_info), never through the environment; NULL
 * takes gpg's own default ($GNUPGHOME, else ~/.gnupg).  Every key is
 * named by its fingerprint.  Problems with a key (not there, no secret
 * part, expired, revoked, not able to sign or encrypt) are
 * BPT_ECONFIG with one line naming the key; a key whose passphrase
 * nobody can give, or a gpg that does not run, is BPT_EUNAVAIL.
 */
#ifndef BPT_SIGN_H
#define BPT_SIGN_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "bpt.h"
#include "buf.h"

struct sign_opts {
	const char *gnupghome;	/* NULL: gpg's default */
	int interactive;	/* 0: never ask for a passphrase (cron) */
};

/*
 * One gpgme context for a run: gpgme starts several helper programs
 * for every new context, so a run keeps one, and the keys it looked
 * up.  Keys are named in messages as what says ("signing.key",
 * "police.encrypt_to").
 */
struct sign_session;

/* Opens a session on o->gnupghome.  BPT_ECONFIG when that folder does
 * not exist; BPT_EUNAVAIL when gpg cannot be used; BPT_ENOMEM. */
enum bpt_status sign_open(struct bpt_ctx *ctx, const struct sign_opts *o,
    struct sign_session **out);
void sign_close(struct sign_session *s);

struct sign_result {
	char fpr[65];		/* fingerprint of the key that signed */
	char micalg[32];	/* RFC 3156 name of its hash: "pgp-sha256" */
	time_t when;		/* the signature's time */
};

/*
 * Checks before any work that fpr can sign (secret key present, not
 * expired or revoked), so that nothing is built for nothing; the key
 * is kept for sign_detached().  BPT_ECONFIG, BPT_EUNAVAIL as above.
 */
enum bpt_status sign_check_signer(struct bpt_ctx *ctx, struct sign_session *s,
    const char *what, const char *fpr);

/* The same for a recipient: fpr's public key can encrypt. */
enum bpt_status sign_check_recipient(struct bpt_ctx *ctx, struct sign_session *s,
    const char *what, const char *fpr);

/*
 * Bytes for gpg to read (read) or to take what gpg writes (write):
 * tens of megabytes go through in pieces, never whole in memory.  read
 * returns the bytes it gave, 0 at the end, -1 with errno on an error;
 * write returns n, or -1 with errno.
 */
struct sign_io {
	ssize_t (*read)(void *arg, void *p, size_t n);
	ssize_t (*write)(void *arg, const void *p, size_t n);
	void *arg;
};

/*
 * Signs what in->read gives with the secret key fpr: an ASCII-armored
 * detached signature is appended to sig.  Fills *res.  BPT_ECONFIG,
 * BPT_EUNAVAIL as above; BPT_EIO when in fails; BPT_ENOMEM.
 */
enum bpt_status sign_detached(struct bpt_ctx *ctx, struct sign_session *s,
    const char *what, const char *fpr, const struct sign_io *in,
    struct buf *sig, struct sign_result *res);

/*
 * Encrypts what in->read gives to the public key fpr (trusted as
 * configured: no web of trust is asked); the ASCII-armored message goes
 * to out->write.  BPT_ECONFIG, BPT_EUNAVAIL, BPT_EIO, BPT_ENOMEM.
 */
enum bpt_status sign_encrypt(struct bpt_ctx *ctx, struct sign_session *s,
    const char *what, const char *fpr, const struct sign_io *in,
    const struct sign_io *out);

/* Decrypts an OpenPGP message; the plain text is appended to out.
 * BPT_EDATA when it cannot be decrypted (no secret key for it, damaged). */
enum bpt_status sign_decrypt(struct bpt_ctx *ctx, struct sign_session *s,
    const char *data, size_t len, struct buf *out);

/* What a detached signature says about data. */
struct sign_check {
	int good;		/* the signature is valid for the data */
	char fpr[65];		/* the signer's fingerprint ("" if unknown) */
	char uid[256];		/* the signer's first user ID, if known */
	time_t when;		/* when it was made */
	const char *validity;	/* how far gpg trusts the key: "full",
				   "ultimate", "marginal", "unknown", ... */
	char problem[256];	/* why it is not good, or a warning
				   ("key expired since"); "" when none */
};

/*
 * Verifies the detached signature sig over data.  BPT_OK with the
 * answer in *out (out->good 0 for a bad signature or an unknown key);
 * BPT_EDATA when sig is no signature; BPT_EUNAVAIL when gpg does not
 * run.
 */
enum bpt_status sign_verify(struct bpt_ctx *ctx, struct sign_session *s,
    const char *sig, size_t siglen, const char *data, size_t len,
    struct sign_check *out);

/*
 * Verifies a clear-signed text (-----BEGIN PGP SIGNED MESSAGE-----) as
 * sign_verify() does; the text it signs, without the armor and the
 * dash escapes, is appended to plain.
 */
enum bpt_status sign_verify_clear(struct bpt_ctx *ctx, struct sign_session *s,
    const char *text, size_t len, struct buf *plain, struct sign_check *out);

#endif
