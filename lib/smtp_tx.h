/*
 * smtp_tx.h - one SMTP transaction (RSET, MAIL, RCPT..., DATA, the
 * message) on a session of smtp_conn.h, recording per recipient what
 * the relay said (transport.h).
 *
 * A recipient the relay accepted stays TR_PENDING (its code set) until
 * the reply to the final dot: only a 250 there makes it TR_OK, so
 * nothing counts as sent that the relay has not taken over.
 */
#ifndef BPT_SMTP_TX_H
#define BPT_SMTP_TX_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "smtp_conn.h"
#include "transport.h"

/* The message as DATA, the same for every job of one send(). */
struct smtp_msg {
	const char *body;	/* CRLF, dot-stuffed, ends ".\r\n" */
	size_t len;
	int eightbit;		/* a byte >= 0x80 in it */
	time_t timeout;		/* delivery.smtp.timeout, back after the dot */
};

/* The recipients of one transaction: rcpt[order[0..count)]. */
struct smtp_job {
	const struct smtp_msg *msg;
	const char *from;	/* envelope sender */
	struct tr_rcpt *rcpt;	/* send()'s array */
	size_t *order;		/* the job's slice; smtp_tx_rest() reorders it */
	size_t count;
};

/* How a transaction ended. */
enum smtp_tx_end {
	SMTP_TX_DONE,		/* every recipient of the job has a result */
	SMTP_TX_LOST,		/* done, and the connection is gone */
	SMTP_TX_CLOSING,	/* done, and the relay said 421 */
	SMTP_TX_STALE,		/* a reused session was dead: nothing happened */
};

/*
 * One transaction of j on c, RSET first when c was used before.  Every
 * recipient the relay answered has a result; after SMTP_TX_LOST or
 * SMTP_TX_CLOSING others may still be TR_PENDING, and after
 * SMTP_TX_STALE all are.
 */
enum smtp_tx_end smtp_tx_run(struct smtp_conn *c, const struct smtp_job *j,
    struct buf *cmd);

/*
 * After SMTP_TX_DONE: the recipients that got "452 too many
 * recipients" go at once in further transactions on c, as an MTA does,
 * while the relay takes some of them each time.
 */
enum smtp_tx_end smtp_tx_rest(struct smtp_conn *c, struct smtp_job *j,
    struct buf *cmd);

/* Gives every recipient of j without a result this one. */
void smtp_tx_settle(const struct smtp_job *j, int result, int code,
    const char *text);

/* Sets r's result, code and reply: text on one line, trimmed, cut to fit. */
void smtp_tx_set(struct tr_rcpt *r, int result, int code, const char *text);

#endif
