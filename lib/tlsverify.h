/*
 * tlsverify.h - is the relay at the other end of a TLS session the one
 * we meant?
 *
 * libetpan makes the TLS session (GnuTLS underneath) but checks
 * nothing about the certificate the server shows: any certificate,
 * self-signed or made for another host, completes the handshake.  A
 * password sent after that, and every alert, would go to whoever sits
 * in between.  tls_trust_verify() checks the chain the server sent
 * against trusted roots and its first certificate against the host name
 * bpt connected to, as a mail client does.
 *
 * Reading the roots is the expensive part (the system's store holds
 * some 150 certificates: several milliseconds, tens on a first run),
 * so a struct tls_trust reads them once, in a thread of its own while
 * the first connection is being made, and every connection of a
 * transport shares it.
 */
#ifndef BPT_TLSVERIFY_H
#define BPT_TLSVERIFY_H

#include <stddef.h>

struct tls_cert {
	const unsigned char *der;	/* one certificate, DER */
	size_t len;
};

struct tls_trust;

/*
 * The roots in cafile (PEM; NULL or empty: the system's trust store),
 * read from now on in a thread (or at the first tls_trust_verify()
 * when no thread can be had).  NULL on out of memory.
 */
struct tls_trust *tls_trust_new(const char *cafile);
void tls_trust_free(struct tls_trust *t);

/*
 * Checks chain[0..n) (the server's own certificate first, then what it
 * sent to lead to a root) against t's roots and against host (a DNS
 * name, or an IPv4 or IPv6 address, matched against the certificate's
 * names and addresses) for a TLS server.  Returns 0 when trusted;
 * otherwise -1 with the reason, one line, in why.  Safe to call from
 * several threads at once.
 */
int tls_trust_verify(struct tls_trust *t, const struct tls_cert *chain,
    size_t n, const char *host, char *why, size_t whysz);

#endif
