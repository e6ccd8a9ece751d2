/*
 * tlsverify.c - checking a server's certificate chain with GnuTLS: a
 * trust list read once from a CA file or the system's store, the chain
 * verified with the host name and the TLS server purpose, and the
 * reason in words when it fails.
 */
#include "bptconf.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "tlsverify.h"

#define MAX_CHAIN 16

struct tls_trust {
	pthread_mutex_t lock;	/* guards all below, and each verification */
	char *cafile;		/* NULL: the system's store */
	int loaded;		/* 1: tl, or error, is set */
	gnutls_x509_trust_list_t tl;
	char error[200];	/* why the roots could not be read */
	pthread_t loader;
	int has_loader;
};

static void load(struct tls_trust *t);

static void *
loader_main(void *arg)
{
	struct tls_trust *t = arg;

	pthread_mutex_lock(&t->lock);
	if (!t->loaded)
		load(t);
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

struct tls_trust *
tls_trust_new(const char *cafile)
{
	struct tls_trust *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	if (cafile != NULL && *cafile != '\0' &&
	    (t->cafile = strdup(cafile)) == NULL) {
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->lock, NULL);
	/* while the relay is being connected to; without it, on first use */
	t->has_loader = pthread_create(&t->loader, NULL, loader_main, t) == 0;
	return t;
}

void
tls_trust_free(struct tls_trust *t)
{
	if (t == NULL)
		return;
	if (t->has_loader)
		pthread_join(t->loader, NULL);
	/* 1: the trust list owns the roots it read */
	if (t->tl != NULL)
		gnutls_x509_trust_list_deinit(t->tl, 1);
	pthread_mutex_destroy(&t->lock);
	free(t->cafile);
	free(t);
}

/* Reads the roots into t->tl, or the reason into t->error.  Locked. */
static void
load(struct tls_trust *t)
{
	int r;

	t->loaded = 1;
	if ((r = gnutls_x509_trust_list_init(&t->tl, 0)) < 0) {
		t->tl = NULL;
		snprintf(t->error, sizeof(t->error), "trust list: %s",
		    gnutls_strerror(r));
		return;
	}
	if (t->cafile != NULL)
		r = gnutls_x509_trust_list_add_trust_file(t->tl, t->cafile, NULL,
		    GNUTLS_X509_FMT_PEM, 0, 0);
	else
		r = gnutls_x509_trust_list_add_system_trust(t->tl, 0, 0);
	if (r > 0)
		return;
	if (t->cafile != NULL)
		snprintf(t->error, sizeof(t->error), "no CA certificate read "
		    "from %s%s%s", t->cafile, r < 0 ? ": " : "",
		    r < 0 ? gnutls_strerror(r) : "");
	else
		snprintf(t->error, sizeof(t->error), "the system's trust store "
		    "is empty or unreadable%s%s", r < 0 ? ": " : "",
		    r < 0 ? gnutls_strerror(r) : "");
	gnutls_x509_trust_list_deinit(t->tl, 1);
	t->tl = NULL;
}

/* The check itself, with t locked and its roots read. */
static int
verify(struct tls_trust *t, const struct tls_cert *chain, size_t n,
    const char *host, char *why, size_t whysz)
{
	gnutls_x509_crt_t crt[MAX_CHAIN];
	gnutls_typed_vdata_st data[2];
	gnutls_datum_t out = { NULL, 0 };
	unsigned int status = 0;
	size_t i, ncrt = 0;
	int r, rv = -1;

	for (i = 0; i < n; i++) {
		gnutls_datum_t d;

		d.data = (unsigned char *)chain[i].der;
		d.size = (unsigned int)chain[i].len;
		if ((r = gnutls_x509_crt_init(&crt[ncrt])) < 0) {
			snprintf(why, whysz, "certificate: %s", gnutls_strerror(r));
			goto out;
		}
		ncrt++;
		if ((r = gnutls_x509_crt_import(crt[i], &d, GNUTLS_X509_FMT_DER)) < 0) {
			snprintf(why, whysz, "certificate %zu of the server is "
			    "unreadable: %s", i + 1, gnutls_strerror(r));
			goto out;
		}
	}
	memset(data, 0, sizeof(data));
	data[0].type = GNUTLS_DT_DNS_HOSTNAME;
	data[0].data = (unsigned char *)host;
	data[1].type = GNUTLS_DT_KEY_PURPOSE_OID;
	data[1].data = (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER;
	r = gnutls_x509_trust_list_verify_crt2(t->tl, crt, (unsigned int)ncrt,
	    data, 2, 0, &status, NULL);
	if (r < 0) {
		snprintf(why, whysz, "cannot verify the certificate: %s",
		    gnutls_strerror(r));
		goto out;
	}
	if (status != 0) {
		if (gnutls_certificate_verification_status_print(status,
		    GNUTLS_CRT_X509, &out, 0) == 0 && out.data != NULL)
			snprintf(why, whysz, "%s", (const char *)out.data);
		else
			snprintf(why, whysz, "the certificate is not trusted "
			    "(status 0x%x)", status);
		gnutls_free(out.data);
		why[strcspn(why, "\r\n")] = '\0';
		for (i = strlen(why); i > 0 && why[i - 1] == ' '; i--)
			why[i - 1] = '\0';
		goto out;
	}
	rv = 0;
out:
	for (i = 0; i < ncrt; i++)
		gnutls_x509_crt_deinit(crt[i]);
	return rv;
}

int
tls_trust_verify(struct tls_trust *t, const struct tls_cert *chain, size_t n,
    const char *host, char *why, size_t whysz)
{
	int rv = -1;

	if (n == 0) {
		snprintf(why, whysz, "the server sent no certificate");
		return -1;
	}
	if (n > MAX_CHAIN)
		n = MAX_CHAIN;
	pthread_mutex_lock(&t->lock);
	if (!t->loaded)
		load(t);
	if (t->tl == NULL)
		snprintf(why, whysz, "%s", t->error);
	else
		rv = verify(t, chain, n, host, why, whysz);
	pthread_mutex_unlock(&t->lock);
	return rv;
}
