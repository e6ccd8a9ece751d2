/* pgpmime.c - RFC 3156 messages around an entity kept in a file. */
#include "bptconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/crypto.h>

#include "fileio.h"
#include "pgpmime.h"
#include "sha256.h"
#include "util.h"

#define CHUNK (256 * 1024)

/* Where the message goes, with its line ends and its hash. */
struct sink {
	struct bpt_ctx *ctx;
	struct pgpmime_out *out;
	gnutls_hash_hd_t h;
	struct buf tmp;
	struct buf wb;		/* what waits to be written to out->fd */
	int cr;			/* lf: a CR ended the last piece */
	int err;		/* errno of the first failed write */
};

static void
drain(struct sink *k)
{
	if (k->err == 0 && k->wb.len > 0 &&
	    fio_write_all(k->out->fd, k->wb.buf, k->wb.len) < 0)
		k->err = errno ? errno : EIO;
	buf_reset(&k->wb);
}

static void
emit(struct sink *k, const char *p, size_t n)
{
	if (k->err || n == 0)
		return;
	if (!k->out->hash_crlf)
		gnutls_hash(k->h, p, n);
	k->out->size += n;
	if (k->out->fd >= 0) {
		/* gpg's output comes in pieces of a few KB: write in chunks */
		if (n >= CHUNK) {
			drain(k);
			if (k->err == 0 && fio_write_all(k->out->fd, p, n) < 0)
				k->err = errno ? errno : EIO;
			return;
		}
		buf_add(&k->wb, p, n);
		if (buf_failed(&k->wb))
			k->err = ENOMEM;
		else if (k->wb.len >= CHUNK)
			drain(k);
	} else {
		buf_add(k->out->mem, p, n);
		if (buf_failed(k->out->mem))
			k->err = ENOMEM;
	}
}

/* Canonical bytes (CRLF) into the message, in the form it is written. */
static void
put(struct sink *k, const char *p, size_t n)
{
	const char *end = p + n, *q;

	if (k->err || n == 0)
		return;
	if (k->out->hash_crlf)
		gnutls_hash(k->h, p, n);
	if (!k->out->lf) {
		emit(k, p, n);
		return;
	}
	/* CRLF becomes LF; a CR at the end of a piece waits for the next */
	buf_reset(&k->tmp);
	if (k->cr && *p != '\n')
		buf_addch(&k->tmp, '\r');
	k->cr = 0;
	while (p < end) {
		q = memchr(p, '\r', (size_t)(end - p));
		if (q == NULL) {
			buf_add(&k->tmp, p, (size_t)(end - p));
			break;
		}
		buf_add(&k->tmp, p, (size_t)(q - p));
		if (q + 1 == end)
			k->cr = 1;
		else if (q[1] != '\n')
			buf_addch(&k->tmp, '\r');
		p = q + 1;
	}
	if (buf_failed(&k->tmp)) {
		k->err = ENOMEM;
		return;
	}
	emit(k, k->tmp.buf ? k->tmp.buf : "", k->tmp.len);
}

static void
puts_(struct sink *k, const char *s)
{
	put(k, s, strlen(s));
}

/* Appends text with LF line ends (what gpg writes) with CRLF. */
static void
add_crlf(struct buf *c, const char *p, size_t n)
{
	const char *end = p + n, *nl;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			buf_add(c, p, (size_t)(end - p));
			break;
		}
		buf_add(c, p, (size_t)(nl - p - (nl > p && nl[-1] == '\r')));
		buf_add(c, "\r\n", 2);
		p = nl + 1;
	}
}

/* gpg's text into the message as CRLF. */
static void
put_lf(struct sink *k, const char *p, size_t n)
{
	struct buf c = BUF_INIT;

	add_crlf(&c, p, n);
	if (buf_failed(&c))
		k->err = ENOMEM;
	else
		put(k, c.buf ? c.buf : "", c.len);
	buf_release(&c);
}

/* What gpg reads: a prefix, the entity from its file, a suffix.  gpgme
 * asks for a few KB at a time; the file is read in chunks. */
struct reader {
	int fd;
	off_t pos;
	const char *pre, *suf;
	size_t prelen, suflen, done;
	int stage;
	char *ra;		/* read ahead from the file */
	size_t ralen, raoff;
	struct sink *tee;	/* also gets each chunk of the file, or NULL */
};

static ssize_t
reader_read(void *arg, void *p, size_t n)
{
	struct reader *r = arg;
	ssize_t got;
	size_t k;

	for (;;) {
		switch (r->stage) {
		case 0:
			if (r->done < r->prelen) {
				k = r->prelen - r->done < n ? r->prelen - r->done : n;
				memcpy(p, r->pre + r->done, k);
				r->done += k;
				return (ssize_t)k;
			}
			r->stage = 1;
			r->done = 0;
			break;
		case 1:
			if (r->raoff < r->ralen) {
				k = r->ralen - r->raoff < n ? r->ralen - r->raoff : n;
				memcpy(p, r->ra + r->raoff, k);
				r->raoff += k;
				return (ssize_t)k;
			}
			do
				got = pread(r->fd, r->ra, CHUNK, r->pos);
			while (got < 0 && errno == EINTR);
			if (got < 0)
				return -1;
			if (got > 0) {
				r->pos += got;
				r->ralen = (size_t)got;
				r->raoff = 0;
				if (r->tee != NULL)
					put(r->tee, r->ra, (size_t)got);
				break;
			}
			r->stage = 2;
			break;
		case 2:
			if (r->done < r->suflen) {
				k = r->suflen - r->done < n ? r->suflen - r->done : n;
				memcpy(p, r->suf + r->done, k);
				r->done += k;
				return (ssize_t)k;
			}
			return 0;
		}
	}
}

static ssize_t
sink_write(void *arg, const void *p, size_t n)
{
	struct sink *k = arg;

	put_lf(k, p, n);
	if (k->err) {
		errno = k->err;
		return -1;
	}
	return (ssize_t)n;
}

/* The entity, copied from its file into the message. */
static enum bpt_status
copy_entity(struct sink *k, int fd)
{
	char *b = malloc(CHUNK);
	off_t pos = 0;
	ssize_t got;

	if (b == NULL)
		return bpt_err(k->ctx, BPT_ENOMEM, "out of memory");
	for (;;) {
		do
			got = pread(fd, b, CHUNK, pos);
		while (got < 0 && errno == EINTR);
		if (got <= 0)
			break;
		put(k, b, (size_t)got);
		pos += got;
	}
	free(b);
	if (got < 0)
		return bpt_err(k->ctx, BPT_EIO, "cannot read the transcript back: %s",
		    strerror(errno));
	return BPT_OK;
}

#define MICALG_GUESS "pgp-sha256"

/* The header of the multipart/signed entity and its first boundary. */
static void
signed_pre(struct buf *pre, const char *micalg, const char *sb)
{
	buf_reset(pre);
	buf_addf(pre, "Content-Type: multipart/signed; micalg=%s;\r\n"
	    " protocol=\"application/pgp-signature\";\r\n boundary=\"%s\"\r\n\r\n"
	    "This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\r\n"
	    "--%s\r\n", micalg, sb, sb);
}

/* Throws away what was written, to write the message again. */
static enum bpt_status
sink_restart(struct sink *k)
{
	unsigned char d[32];

	gnutls_hash_output(k->h, d);	/* and starts afresh */
	buf_reset(&k->wb);
	k->out->size = 0;
	k->cr = 0;
	k->err = 0;
	if (k->out->fd < 0) {
		buf_reset(k->out->mem);
		return BPT_OK;
	}
	if (lseek(k->out->fd, 0, SEEK_SET) < 0 || ftruncate(k->out->fd, 0) < 0)
		return bpt_err(k->ctx, BPT_EIO, "cannot write the transcript again: %s",
		    strerror(errno));
	return BPT_OK;
}

/* The start of the message: an mbox From line, the header fields. */
static void
begin(struct sink *k, const struct pgpmime_out *out, const char *hdr, size_t hlen)
{
	if (out->from_line != NULL) {
		emit(k, out->from_line, strlen(out->from_line));
		emit(k, "\n", 1);
	}
	put(k, hdr, hlen);
}

static enum bpt_status
boundary(struct bpt_ctx *ctx, const char *kind, char out[64])
{
	char hex[25];
	enum bpt_status st = util_random_hex(ctx, hex, 12);

	if (st == BPT_OK)
		snprintf(out, 64, "=_bpt_%s_%s", kind, hex);
	return st;
}

enum bpt_status
pgpmime_write(struct bpt_ctx *ctx, struct sign_session *ss, const char *hdr,
    size_t hlen, int entity_fd, const char *signer, const char *recipient,
    struct pgpmime_out *out, struct sign_result *res)
{
	struct reader rd = { entity_fd, 0, NULL, NULL, 0, 0, 0, 0, NULL, 0, 0, NULL };
	struct sign_io in = { reader_read, NULL, &rd };
	struct buf sig = BUF_INIT, pre = BUF_INIT, suf = BUF_INIT;
	struct sink k;
	unsigned char d[32];
	char sb[64], eb[64];
	enum bpt_status st;

	memset(&k, 0, sizeof(k));
	k.ctx = ctx;
	k.out = out;
	out->size = 0;
	buf_init(&k.tmp);
	buf_init(&k.wb);
	if ((rd.ra = malloc(CHUNK)) == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	if (gnutls_hash_init(&k.h, GNUTLS_DIG_SHA256) < 0) {
		free(rd.ra);
		return bpt_err(ctx, BPT_EINTERNAL, "SHA-256 is not available");
	}
	if ((st = boundary(ctx, "signed", sb)) != BPT_OK)
		goto out;
	/*
	 * Where a failure leaves nothing behind (memory, a file that is
	 * renamed only on success), the message is written while gpg reads
	 * the entity: the file is read once, not twice.  The hash gpg will
	 * choose is guessed for the header (gpg's default for every key of
	 * today); when it chose another, the message is written again.
	 */
	if (recipient == NULL && out->scratch) {
		signed_pre(&pre, MICALG_GUESS, sb);
		begin(&k, out, hdr, hlen);
		put(&k, pre.buf, pre.len);
		rd.tee = &k;
	}
	/* the signature over the entity as it stands in its file */
	if ((st = sign_detached(ctx, ss, "signing.key", signer, &in, &sig, res)) !=
	    BPT_OK)
		goto out;
	buf_addf(&suf, "\r\n--%s\r\nContent-Type: application/pgp-signature; "
	    "name=\"signature.asc\"\r\nContent-Description: OpenPGP digital "
	    "signature\r\nContent-Disposition: attachment; "
	    "filename=\"signature.asc\"\r\n\r\n", sb);
	add_crlf(&suf, sig.buf ? sig.buf : "", sig.len);
	buf_addf(&suf, "\r\n--%s--\r\n", sb);
	if (buf_failed(&suf)) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	if (rd.tee != NULL) {
		if (strcmp(res->micalg, MICALG_GUESS) == 0) {
			put(&k, suf.buf, suf.len);
			goto end;
		}
		if ((st = sink_restart(&k)) != BPT_OK)
			goto out;
	}
	signed_pre(&pre, res->micalg, sb);
	if (buf_failed(&pre)) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	begin(&k, out, hdr, hlen);
	if (recipient == NULL) {
		put(&k, pre.buf, pre.len);
		if ((st = copy_entity(&k, entity_fd)) != BPT_OK)
			goto out;
		put(&k, suf.buf, suf.len);
	} else {
		struct sign_io cipher = { NULL, sink_write, &k };

		if ((st = boundary(ctx, "encrypted", eb)) != BPT_OK)
			goto out;
		puts_(&k, "Content-Type: multipart/encrypted;\r\n"
		    " protocol=\"application/pgp-encrypted\";\r\n boundary=\"");
		puts_(&k, eb);
		puts_(&k, "\"\r\n\r\nThis is an OpenPGP/MIME encrypted message "
		    "(RFC 4880 and 3156)\r\n--");
		puts_(&k, eb);
		puts_(&k, "\r\nContent-Type: application/pgp-encrypted\r\n"
		    "Content-Description: PGP/MIME version identification\r\n\r\n"
		    "Version: 1\r\n\r\n--");
		puts_(&k, eb);
		puts_(&k, "\r\nContent-Type: application/octet-stream; "
		    "name=\"encrypted.asc\"\r\nContent-Description: OpenPGP "
		    "encrypted message\r\nContent-Disposition: inline; "
		    "filename=\"encrypted.asc\"\r\n\r\n");
		/* the signed entity, as it would have been sent, encrypted */
		rd.pre = pre.buf;
		rd.prelen = pre.len;
		rd.suf = suf.buf;
		rd.suflen = suf.len;
		rd.pos = 0;
		rd.stage = 0;
		rd.done = 0;
		rd.ralen = rd.raoff = 0;
		if ((st = sign_encrypt(ctx, ss, "police.encrypt_to", recipient, &in,
		    &cipher)) != BPT_OK)
			goto out;
		puts_(&k, "\r\n--");
		puts_(&k, eb);
		puts_(&k, "--\r\n");
	}
end:
	if (out->from_line != NULL)
		emit(&k, "\n", 1);
	if (k.cr)
		emit(&k, "\r", 1);
	if (out->fd >= 0)
		drain(&k);
	if (k.err)
		st = bpt_err(ctx, k.err == ENOMEM ? BPT_ENOMEM :
		    bpt_errno_status(k.err) == BPT_ENOSPC ? BPT_ENOSPC : BPT_EIO,
		    "cannot write the transcript: %s", strerror(k.err));
out:
	gnutls_hash_deinit(k.h, d);
	sha256_tohex(d, out->sha256);
	free(rd.ra);
	buf_release(&k.tmp);
	buf_release(&k.wb);
	buf_release(&sig);
	buf_release(&pre);
	buf_release(&suf);
	return st;
}
