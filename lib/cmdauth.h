/*
 * cmdauth.h - admin commands signed with OpenPGP (policy.admin_auth:
 * pgp).
 *
 * A command mail counts only as a PGP/MIME signed message (RFC 3156)
 * whose whole body is the multipart/signed entity; the commands are
 * the text of its signed part, and nothing outside it is read.  The
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
 * and the admin in *admin (release it); or *ok 0 with why (static) the
 * reason it is refused.  Errors of the store, gpg (BPT_EUNAVAIL) and
 * BPT_ENOMEM.
 */
enum bpt_status cmdauth_pgp(struct bpt_ctx *ctx, const struct request_in *in,
    int *ok, const char **why, struct buf *text, struct member *admin);

/* Registers fpr (40 hex digits, blanks allowed) for member email; ""
 * clears it.  BPT_EDATA for a bad fingerprint, BPT_ENOENT. */
enum bpt_status cmdauth_set_key(struct bpt_ctx *ctx, const char *email,
    const char *fpr);

/* The fingerprint registered for member id into out (size 65), "" for
 * none. */
enum bpt_status cmdauth_key_of(struct bpt_ctx *ctx, long long id, char *out);

#endif
