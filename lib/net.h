/*
 * net.h - what the SMTP and IMAP clients share below the protocol: a
 * bounded TCP connect, the server's name in the TLS handshake (SNI)
 * and the check of its certificate after it.
 *
 * The socket is ours: getaddrinfo (IPv4 and IPv6), a non-blocking
 * connect bounded in time, then TCP_NODELAY, and only then handed to
 * libetpan, which speaks the protocol.  libetpan checks nothing about a
 * certificate: net_tls_check() does (tlsverify.h), right after the
 * handshake, before a password or a message is sent.
 */
#ifndef BPT_NET_H
#define BPT_NET_H

#include <stddef.h>
#include <time.h>

#include <libetpan/libetpan.h>

struct tls_trust;

/*
 * A connected, blocking TCP socket to host:port with TCP_NODELAY, or -1
 * and why.  Each address may take timeout seconds, all of them together
 * no longer than deadline (util_now_ms() clock).
 */
int net_connect(const char *host, const char *port, time_t timeout,
    long long deadline, char *why, size_t whysz);

/*
 * Asks the kernel to probe an idle connection (TCP keepalive): a peer
 * that vanished without a word (a network change, a router's restart)
 * is noticed within idle + interval * count seconds.  0 or -1.
 */
int net_keepalive(int fd, int idle, int interval, int count);

/* libetpan's TLS set-up callback: names host (a char *) in SNI, unless
 * it is an address. */
void net_sni(struct mailstream_ssl_context *ssl, void *host);

/*
 * After a TLS handshake on stream: 0 when the certificate chain the
 * server sent is good for host (trust NULL: not checked), else -1 with
 * "TLS certificate of HOST: REASON" in why.
 */
int net_tls_check(struct tls_trust *trust, const char *host,
    mailstream *stream, char *why, size_t whysz);

#endif
