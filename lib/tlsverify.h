/*
 * tlsverify.h - is the relay at the other end of a TLS session the one
 * we meant?
 *
 * libetpan makes the TLS session (GnuTLS underneath) but checks
 * nothing about the certificate the server shows: any certificate,
 * self-signed or made for another host, completes the handshake.  A
 * password sent after that, and every alert, would go to whoever sits
 * in between.  tls_verify_chain() checks the chain the server sent
 * against trusted roots and its first certificate against the host name
 * bpt connected to, as a mail client does.
 */
#ifndef BPT_TLSVERIFY_H
#define BPT_TLSVERIFY_H

#include <stddef.h>

struct tls_cert {
	const unsigned char *der;	/* one certificate, DER */
	size_t len;
};

/*
 * Checks chain[0..n) (the server's own certificate first, then what it
 * sent to lead to a root) against the roots in cafile (PEM; NULL or
 * empty: the system's trust store) and against host (a DNS name, or an
 * IPv4 or IPv6 address, matched against the certificate's names and
 * addresses).  Returns 0 when trusted; otherwise -1 with the reason,
 * one line, in why.
 */
int tls_verify_chain(const struct tls_cert *chain, size_t n, const char *host,
    const char *cafile, char *why, size_t whysz);

#endif
