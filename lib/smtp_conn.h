/*
 * smtp_conn.h - one SMTP session with the relay: connection set-up
 * (TCP, TLS, greeting, EHLO, AUTH), its bounds and its end.
 *
 * The socket is ours: getaddrinfo (IPv4 and IPv6), a non-blocking
 * connect bounded by delivery.smtp.timeout, then TCP_NODELAY, and only
 * then handed to libetpan, which speaks the protocol.  Every session
 * is bounded (smtp_guard.h): by delivery.smtp.session_timeout from the
 * moment its connect starts, enforced by a watchdog (smtp_watch.h), and
 * in the size of every reply.  A session that hit a bound has a fault
 * (smtp_conn_fault()) and is good for nothing but smtp_conn_drop().
 *
 * With TLS (implicit or STARTTLS) the relay's certificate chain is
 * checked right after the handshake, before anything else is said
 * (tlsverify.h): a relay that cannot prove its name gets neither the
 * password nor a copy.
 */
#ifndef BPT_SMTP_CONN_H
#define BPT_SMTP_CONN_H

#include <stddef.h>
#include <time.h>

#include <libetpan/libetpan.h>

#include "buf.h"
#include "smtp_guard.h"

struct smtp_watch;
struct tls_trust;

/* Where and how to reach the relay; read-only once set up. */
struct smtp_peer {
	char *host;
	char port[8];
	int tls;			/* enum cfg_tls */
	char *user;			/* NULL: no AUTH */
	char *password;
	char *helo;
	struct tls_trust *trust;	/* NULL: the certificate unchecked */
	time_t timeout;			/* seconds: connect, each read/write */
	time_t session_timeout;		/* seconds: a whole session */
};

struct smtp_conn {
	mailsmtp *s;		/* NULL: not connected */
	int used;		/* a transaction was tried on this session */
	long long opened;	/* util_now_ms() when the session began */
	struct smtp_watch *watch;	/* set once by the owner of the conn */
	size_t slot;		/* this conn's slot in watch */
	struct smtp_guard guard;
};

/*
 * Opens c: TCP, implicit TLS or STARTTLS, greeting, EHLO, AUTH.  0, or
 * -1 with why and *code (the relay's reply code or 0); c is then not
 * connected, and smtp_conn_fault() tells whether a bound was hit.
 */
int smtp_conn_open(const struct smtp_peer *p, struct smtp_conn *c,
    char *why, size_t whysz, int *code);

/* Drops the session without QUIT (the relay is gone, going or faulty). */
void smtp_conn_drop(struct smtp_conn *c);

/* QUIT, then drop; a session with a fault is only dropped. */
void smtp_conn_quit(struct smtp_conn *c);

/*
 * True when an idle session cannot take a transaction: it has a fault
 * (its deadline passed while it waited), or something to read (the
 * relay closed it or sent a 421 while we were away).
 */
int smtp_conn_stale(struct smtp_conn *c);

/*
 * True when the session has used more than half of its time: a new
 * transaction goes on a fresh one, so that no transaction starts with
 * less than half of delivery.smtp.session_timeout ahead of it.
 */
int smtp_conn_aged(const struct smtp_peer *p, const struct smtp_conn *c);

/* What bound the session hit, SMTP_FAULT_NONE for none. */
enum smtp_fault smtp_conn_fault(struct smtp_conn *c);

/* Writes p[0..n) and flushes; -1 when the connection broke. */
int smtp_conn_put(struct smtp_conn *c, const char *p, size_t n);

/* Reads one reply: its code, 0 when there is none (lost or a fault). */
int smtp_conn_reply(struct smtp_conn *c);

/* Sends one command line (with CRLF) and reads its reply code. */
int smtp_conn_command(struct smtp_conn *c, const struct buf *cmd);

/* The limit for each read and write from now on, in seconds. */
void smtp_conn_set_timeout(struct smtp_conn *c, time_t seconds);

/*
 * The session's last reply as "CODE text", or why there is none (the
 * fault, or a lost connection), in out[0..outsz); returns the code or 0.
 */
int smtp_conn_last(struct smtp_conn *c, char *out, size_t outsz);

#endif
