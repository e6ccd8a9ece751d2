/*
 * transport.h - handing copies to the mail relay.
 *
 * A transport takes one message and a set of recipients and reports,
 * per recipient, what the relay said.  The outbox (outbox.c) decides
 * what is due, claims it, calls the transport and records the result;
 * transports know nothing of the store.
 *
 * Message data uses LF line ends; a transport that speaks SMTP turns
 * them into CRLF and dot-stuffs.
 */
#ifndef BPT_TRANSPORT_H
#define BPT_TRANSPORT_H

#include <stddef.h>

#include "bpt.h"

struct bpt_config;

struct tr_message {
	const char *env_from;	/* envelope sender; "" is the null sender <> */
	const char *data;	/* the whole message, headers and body */
	size_t len;
};

enum tr_result {
	TR_PENDING = 0,		/* not tried (yet) */
	TR_OK,			/* accepted by the relay */
	TR_TEMP,		/* 4xx or a connection problem: retry later */
	TR_PERM,		/* 5xx: give up on this recipient */
};

struct tr_rcpt {
	const char *addr;	/* in: the recipient */
	const char *env_from;	/* in: per-recipient sender (VERP), or NULL */
	long long id;		/* in: the caller's delivery id */
	int result;		/* out: enum tr_result */
	int code;		/* out: SMTP reply code, or 0 */
	char reply[160];	/* out: the relay's reply or the local error */
};

struct transport;

struct transport_ops {
	const char *name;
	/* Prepares (no connection yet); *state is passed to the others. */
	enum bpt_status (*open)(struct bpt_ctx *ctx, const struct bpt_config *cfg,
	    void **state);
	/*
	 * Sends msg to every rcpt[0..n), filling result, code and reply.
	 * Batching and parallel connections are the transport's business.
	 * Returns BPT_OK when every recipient has a result (some may be
	 * TR_TEMP or TR_PERM); an error status only for failures of the
	 * caller's input or memory.  Connections may stay open for the
	 * next call.
	 */
	enum bpt_status (*send)(struct bpt_ctx *ctx, void *state,
	    const struct tr_message *msg, struct tr_rcpt *rcpt, size_t n);
	void (*close)(void *state);
};

/* The ops of the configured transport (delivery.transport). */
const struct transport_ops *transport_for(const struct bpt_config *cfg);

extern const struct transport_ops transport_maildir_ops;
extern const struct transport_ops transport_smtp_ops;
extern const struct transport_ops transport_sendmail_ops;

#endif
