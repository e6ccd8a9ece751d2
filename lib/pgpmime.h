/*
 * pgpmime.h - an OpenPGP/MIME message (RFC 3156) around a MIME entity
 * kept in a file: signed with a detached signature over the entity,
 * then, when asked, encrypted as a whole; written on the fly to a file
 * or into memory and hashed as it goes.  A transcript is tens of
 * megabytes: it is never held whole in memory, and the signature and
 * the encryption read it from the file.
 */
#ifndef BPT_PGPMIME_H
#define BPT_PGPMIME_H

#include <stddef.h>

#include "bpt.h"
#include "buf.h"
#include "sign.h"

struct pgpmime_out {
	int fd;			/* the message goes here, or into mem when < 0 */
	struct buf *mem;
	int lf;			/* LF line ends (an mbox file, the outbox) */
	const char *from_line;	/* an mbox "From " line first, or NULL */
	int hash_crlf;		/* hash the CRLF form a relay gets, not what
				   is written */
	int scratch;		/* what a failure leaves half written is
				   thrown away (memory, a file renamed only
				   on success): written as gpg reads */
	/* filled by pgpmime_write() */
	char sha256[65];
	size_t size;		/* bytes written */
};

/*
 * Writes the message: hdr[0..hlen) (its header fields, CRLF, without
 * Content-Type), then the multipart/signed entity of RFC 3156, section
 * 5, whose first part is what entity_fd holds from its start (CRLF,
 * canonical) and whose second part is the detached signature of
 * signer; with recipient not NULL that entity is encrypted to it
 * (section 4) and the message is multipart/encrypted.  The message
 * carries no line that starts with "From ", so an mbox needs no
 * quoting.  Fills *res with the signature's details.  The statuses of
 * sign_detached() and sign_encrypt(); BPT_EIO, BPT_ENOSPC writing or
 * reading; BPT_ENOMEM.
 */
enum bpt_status pgpmime_write(struct bpt_ctx *ctx, struct sign_session *ss,
    const char *hdr, size_t hlen, int entity_fd, const char *signer,
    const char *recipient, struct pgpmime_out *out, struct sign_result *res);

#endif
