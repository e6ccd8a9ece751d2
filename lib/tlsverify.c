/*
 * tlsverify.c - checking a server's certificate chain with GnuTLS: a
 * trust list from a CA file or the system's store, the chain verified
 * with the host name and the TLS server purpose, and the reason in
 * words when it fails.
 */
#include "bptconf.h"

#include <stdio.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "tlsverify.h"

#define MAX_CHAIN 16

int
tls_verify_chain(const struct tls_cert *chain, size_t n, const char *host,
    const char *cafile, char *why, size_t whysz)
{
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_x509_crt_t crt[MAX_CHAIN];
	gnutls_typed_vdata_st data[2];
	gnutls_datum_t out = { NULL, 0 };
	unsigned int status = 0;
	size_t i, ncrt = 0;
	int r, rv = -1;

	if (n == 0) {
		snprintf(why, whysz, "the server sent no certificate");
		return -1;
	}
	if (n > MAX_CHAIN)
		n = MAX_CHAIN;
	if ((r = gnutls_x509_trust_list_init(&tl, 0)) < 0) {
		snprintf(why, whysz, "trust list: %s", gnutls_strerror(r));
		return -1;
	}
	if (cafile != NULL && *cafile != '\0') {
		r = gnutls_x509_trust_list_add_trust_file(tl, cafile, NULL,
		    GNUTLS_X509_FMT_PEM, 0, 0);
		if (r <= 0) {
			snprintf(why, whysz, "no CA certificate read from %s%s%s",
			    cafile, r < 0 ? ": " : "", r < 0 ? gnutls_strerror(r) : "");
			goto out;
		}
	} else if ((r = gnutls_x509_trust_list_add_system_trust(tl, 0, 0)) <= 0) {
		snprintf(why, whysz, "the system's trust store is empty or "
		    "unreadable%s%s", r < 0 ? ": " : "", r < 0 ? gnutls_strerror(r) : "");
		goto out;
	}
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
	r = gnutls_x509_trust_list_verify_crt2(tl, crt, (unsigned int)ncrt, data,
	    2, 0, &status, NULL);
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
	/* 1: the trust list owns the CAs it read */
	gnutls_x509_trust_list_deinit(tl, 1);
	return rv;
}
