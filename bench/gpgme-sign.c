/*
 * gpgme-sign.c - a detached signature of a file through gpgme and
 * nothing else, for bench/export.sh: what any program that signs
 * through gpgme pays, beside gpg signing the file itself.
 *
 *   gpgme-sign GNUPGHOME FINGERPRINT FILE
 *
 * Does what bpt-export does to sign, the transcript aside: a gpgme
 * context for OpenPGP in GNUPGHOME (armor, no pinentry), the secret
 * key looked up, and the file read by a callback in pieces that gpgme
 * passes to gpg through a pipe, 64 KB at a time.  The signature goes
 * to standard output.  Exits 0, or 1 with a line on standard error.
 */
#include "bptconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gpgme.h>

static ssize_t
read_cb(void *handle, void *p, size_t n)
{
	int fd = *(int *)handle;
	ssize_t got;

	do
		got = read(fd, p, n);
	while (got < 0 && errno == EINTR);
	return got;
}

static ssize_t
write_cb(void *handle, const void *p, size_t n)
{
	(void)handle;
	return fwrite(p, 1, n, stdout) == n ? (ssize_t)n : -1;
}

static int
fail(const char *what, gpgme_error_t err)
{
	fprintf(stderr, "gpgme-sign: %s: %s\n", what, gpgme_strerror(err));
	return 1;
}

int
main(int argc, char *argv[])
{
	struct gpgme_data_cbs in_cbs = { read_cb, NULL, NULL, NULL };
	struct gpgme_data_cbs out_cbs = { NULL, write_cb, NULL, NULL };
	gpgme_data_t in = NULL, out = NULL;
	gpgme_key_t key = NULL;
	gpgme_error_t err;
	gpgme_ctx_t c;
	int fd;

	if (argc != 4) {
		fputs("usage: gpgme-sign gnupghome fingerprint file\n", stderr);
		return 1;
	}
	if ((fd = open(argv[3], O_RDONLY)) < 0) {
		fprintf(stderr, "gpgme-sign: %s: %s\n", argv[3],
		    strerror(errno));
		return 1;
	}
	gpgme_check_version(NULL);
	if ((err = gpgme_new(&c)) != 0)
		return fail("new", err);
	if ((err = gpgme_set_protocol(c, GPGME_PROTOCOL_OpenPGP)) != 0 ||
	    (err = gpgme_ctx_set_engine_info(c, GPGME_PROTOCOL_OpenPGP, NULL,
	    argv[1])) != 0 ||
	    (err = gpgme_set_pinentry_mode(c, GPGME_PINENTRY_MODE_ERROR)) != 0)
		return fail("engine", err);
	gpgme_set_armor(c, 1);
	if ((err = gpgme_get_key(c, argv[2], &key, 1)) != 0)
		return fail(argv[2], err);
	if ((err = gpgme_signers_add(c, key)) != 0)
		return fail("signer", err);
	if ((err = gpgme_data_new_from_cbs(&in, &in_cbs, &fd)) != 0 ||
	    (err = gpgme_data_new_from_cbs(&out, &out_cbs, NULL)) != 0)
		return fail("data", err);
	(void)gpgme_data_set_flag(in, "io-buffer-size", "65536");
	if ((err = gpgme_op_sign(c, in, out, GPGME_SIG_MODE_DETACH)) != 0)
		return fail("sign", err);
	gpgme_data_release(in);
	gpgme_data_release(out);
	gpgme_key_unref(key);
	gpgme_release(c);
	close(fd);
	return fflush(stdout) == 0 ? 0 : 1;
}
