/*
 * cmdauth.h - admin commands signed with OpenPGP (policy.admin_auth:
 * pgp).
 *
 * A command mail counts only when it is signed: PGP/MIME (RFC 3156),
 * or a clear-signed text/plain part (-----BEGIN PGP SIGNED
 * MESSAGE-----), as the whole body or as one part of a multipart/mixed
 * or multipart/alternative.  The commands are the signed text; nothing
 * outside it is read, and the admin is told that it was not.  The
 * signature is checked with gpgme in the GnuPG home signing.gnupghome
 * and judged on its own status: valid, by a key that is neither
 * expired nor revoked and that the keyring trusts fully, and whose
 * fingerprint is registered for an active admin or coordinator
 * (bpt-member set EMAIL --key FPR).  The admin is the owner of that
 * fingerprint, never whoever From names.  A signed text seen before
 * (its SHA-256) or a signature older than CMDAUTH_MAX_AGE is a replay.
 */
#ifndef BPT_CMDAUTH_H
#define BPT_CMDAUTH_H

#include "bpt.h"
#include "buf.h"
#include "member.h"
#include "request.h"

#define CMDAUTH_MAX_AGE 86400

/*
 * Checks the mail of in.  BPT_OK with *ok 1, the command text in text
 * (UTF-8), the admin in *admin (release it) and *outside 1 when the
 * mail held other text beside the signed one; or *ok 0 with why
 * (static) the reason it is refused.  Errors of the store, gpg (BPT_EUNAVAIL) and
 * BPT_ENOMEM.
 */
enum bpt_status cmdauth_pgp(struct bpt_ctx *ctx, const struct request_in *in,
    int *ok, const char **why, struct buf *text, struct member *admin,
    int *outside);

/*
 * text past the armor of a clear-signed text (the BEGIN line and the
 * Hash: headers), or text itself when it is none: the first words of
 * a signed request are read from there.
 */
const char *cmdauth_clear_text(const char *text);

/* 1 when line[0..len) begins the signature of a clear-signed text:
 * the commands end there. */
int cmdauth_armor_end(const char *line, size_t len);

/* Registers fpr (40 hex digits, blanks allowed) for member email; ""
 * clears it.  BPT_EDATA for a bad fingerprint, BPT_ENOENT. */
enum bpt_status cmdauth_set_key(struct bpt_ctx *ctx, const char *email,
    const char *fpr);

/* The fingerprint registered for member id into out (size 65), "" for
 * none. */
enum bpt_status cmdauth_key_of(struct bpt_ctx *ctx, long long id, char *out);

#endif
