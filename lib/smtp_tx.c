/*
 * smtp_tx.c - one SMTP transaction as a state machine (smtp_tx.h).
 *
 * Each state is a reply the relay owes us; tx_enter() writes what the
 * relay is to answer in the state entered, tx_reply() takes the reply
 * and picks the next state.  When the relay offers PIPELINING, RSET,
 * MAIL FROM, every RCPT TO and DATA go out in one write when the first
 * state is entered and the replies are read after it (RFC 2920); the
 * body is a second write.  Without PIPELINING each state writes its own
 * command and waits for its reply.  With -v every change of state is
 * logged (log_debug).
 */
#include "bptconf.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "smtp_tx.h"

#define DOT_TIMEOUT	600	/* seconds for the reply to the final dot */
#define REPLY_SZ	sizeof(((struct tr_rcpt *)0)->reply)

void
smtp_tx_set(struct tr_rcpt *r, int result, int code, const char *text)
{
	size_t i, o = 0;
	int sp = 0;

	r->result = result;
	r->code = code;
	for (i = 0; text != NULL && text[i] != '\0' &&
	    o + 1 < sizeof(r->reply); i++) {
		unsigned char ch = (unsigned char)text[i];

		if (ch < 0x20 || ch == 0x7f) {
			sp = 1;
			continue;
		}
		if (sp && o > 0 && o + 2 < sizeof(r->reply))
			r->reply[o++] = ' ';
		sp = 0;
		r->reply[o++] = (char)ch;
	}
	r->reply[o] = '\0';
}

/* The session's last reply (or why there is none) as r's. */
static void
rcpt_set_reply(struct tr_rcpt *r, int result, struct smtp_conn *c)
{
	char line[REPLY_SZ];

	smtp_tx_set(r, result, smtp_conn_last(c, line, sizeof(line)), line);
}

/* TR_OK for 2xx, TR_PERM for 5xx, TR_TEMP for 4xx, a lost connection
 * and anything unexpected. */
static int
code_result(int code)
{
	if (code >= 200 && code < 300)
		return TR_OK;
	if (code >= 500 && code < 600)
		return TR_PERM;
	return TR_TEMP;
}

static struct tr_rcpt *
job_rcpt(const struct smtp_job *j, size_t i)
{
	return &j->rcpt[j->order[i]];
}

void
smtp_tx_settle(const struct smtp_job *j, int result, int code,
    const char *text)
{
	struct tr_rcpt *r;
	size_t i;

	for (i = 0; i < j->count; i++) {
		r = job_rcpt(j, i);
		if (r->result == TR_PENDING)
			smtp_tx_set(r, result, code, text);
	}
}

/* Same, with the session's last reply. */
static void
settle_reply(const struct smtp_job *j, int result, struct smtp_conn *c)
{
	struct tr_rcpt tmp;

	rcpt_set_reply(&tmp, result, c);
	smtp_tx_settle(j, result, tmp.code, tmp.reply);
}

/* How a transaction ends once the relay answered code. */
static enum smtp_tx_end
end_of(int code)
{
	if (code == 0)
		return SMTP_TX_LOST;
	if (code == 421)
		return SMTP_TX_CLOSING;
	return SMTP_TX_DONE;
}

/* --- one transaction as a state machine ----------------------------------- */

/* The states: each is the reply the relay owes us next. */
enum tx_state {
	S_RSET,			/* to RSET, on a session used before */
	S_MAIL,			/* to MAIL FROM */
	S_RCPT,			/* to RCPT TO of recipient i */
	S_DATA,			/* to DATA */
	S_DOT,			/* to the final dot after the message */
	S_EMPTY,		/* to a dot ending a DATA with no recipient */
	S_DRAIN,		/* MAIL refused: the pipelined replies still owed */
	S_END,
};

static const char *const state_names[] = {
	"RSET", "MAIL", "RCPT", "DATA", "DOT", "EMPTY", "DRAIN", "END",
};

struct tx {
	struct smtp_conn *c;
	const struct smtp_job *j;
	struct buf *cmd;
	int pipelining;
	int batched;		/* pipelining: every command up to DATA written */
	int lost;		/* a write failed: no reply will come */
	enum tx_state state;
	enum smtp_tx_end end;	/* at S_END */
	size_t i;		/* S_RCPT: the recipient */
	size_t accepted;	/* RCPTs the relay took */
	size_t owed;		/* S_DRAIN: replies still to read */
	int full;		/* without pipelining: a 452, the rest wait */
	char fullreply[REPLY_SZ];
};

static void
tx_finish(struct tx *t, enum smtp_tx_end end)
{
	log_debug("smtp: %s -> END (%d)", state_names[t->state], (int)end);
	t->state = S_END;
	t->end = end;
}

/*
 * Writes what is in t->cmd; a failed write leaves the replies owed as
 * 0.  Without the memory for the command nothing is written: the job
 * waits, and the session is as it was.
 */
static void
tx_write(struct tx *t)
{
	if (t->lost)
		return;
	if (buf_failed(t->cmd)) {
		smtp_tx_settle(t->j, TR_TEMP, 0, "out of memory");
		tx_finish(t, SMTP_TX_DONE);
	} else if (smtp_conn_put(t->c, t->cmd->buf, t->cmd->len) < 0)
		t->lost = 1;
}

/* With pipelining: every command from state from up to DATA, at once. */
static void
tx_write_batch(struct tx *t, enum tx_state from)
{
	const struct smtp_job *j = t->j;
	mailsmtp *s = t->c->s;
	size_t i;

	buf_reset(t->cmd);
	if (from == S_RSET)
		buf_adds(t->cmd, "RSET\r\n");
	buf_addf(t->cmd, "MAIL FROM:<%s>", j->from);
	if (s->esmtp & MAILSMTP_ESMTP_SIZE)
		buf_addf(t->cmd, " SIZE=%zu", j->msg->len);
	if (j->msg->eightbit && (s->esmtp & MAILSMTP_ESMTP_8BITMIME))
		buf_adds(t->cmd, " BODY=8BITMIME");
	buf_adds(t->cmd, "\r\n");
	if (t->pipelining) {
		for (i = 0; i < j->count; i++)
			buf_addf(t->cmd, "RCPT TO:<%s>\r\n",
			    job_rcpt(j, i)->addr);
		buf_adds(t->cmd, "DATA\r\n");
		t->batched = 1;
	}
	tx_write(t);
}

/*
 * Enters state to: writes what the relay is to answer there, unless it
 * went out already in the pipelined batch.
 */
static void
tx_enter(struct tx *t, enum tx_state to)
{
	struct tr_rcpt *r;

	log_debug("smtp: %s -> %s", state_names[t->state], state_names[to]);
	t->state = to;
	switch (to) {
	case S_RSET:
		if (t->pipelining)
			tx_write_batch(t, S_RSET);
		else {
			buf_reset(t->cmd);
			buf_adds(t->cmd, "RSET\r\n");
			tx_write(t);
		}
		break;
	case S_MAIL:
		if (!t->batched)
			tx_write_batch(t, S_MAIL);
		break;
	case S_RCPT:
		if (t->batched)
			break;
		r = job_rcpt(t->j, t->i);
		buf_reset(t->cmd);
		buf_addf(t->cmd, "RCPT TO:<%s>\r\n", r->addr);
		tx_write(t);
		break;
	case S_DATA:
		if (t->batched)
			break;
		buf_reset(t->cmd);
		buf_adds(t->cmd, "DATA\r\n");
		tx_write(t);
		break;
	case S_DOT:
		if (smtp_conn_put(t->c, t->j->msg->body, t->j->msg->len) < 0) {
			smtp_tx_settle(t->j, TR_TEMP, 0, "connection to the "
			    "relay lost while sending the message");
			tx_finish(t, SMTP_TX_LOST);
			break;
		}
		/*
		 * The reply to the final dot may take a relay a while (a
		 * content scan); giving up early makes the whole batch go
		 * twice.  RFC 5321 4.5.3.2.6 asks for 10 minutes; the
		 * session's deadline still holds.
		 */
		if (t->j->msg->timeout < DOT_TIMEOUT)
			smtp_conn_set_timeout(t->c, DOT_TIMEOUT);
		break;
	case S_EMPTY:
		if (smtp_conn_put(t->c, ".\r\n", 3) < 0)
			tx_finish(t, SMTP_TX_LOST);
		break;
	case S_DRAIN:
	case S_END:
		break;
	}
}

/* After RCPT i: the next recipient, or DATA, or the end. */
static void
tx_next_rcpt(struct tx *t)
{
	struct tr_rcpt *r;

	for (t->i++; t->i < t->j->count; t->i++) {
		r = job_rcpt(t->j, t->i);
		if (!t->full) {
			tx_enter(t, S_RCPT);
			return;
		}
		/* "too many recipients": the rest waits for a later try */
		smtp_tx_set(r, TR_TEMP, 452, t->fullreply);
	}
	if (!t->pipelining && t->accepted == 0)
		tx_finish(t, SMTP_TX_DONE);	/* RSET before the next one */
	else
		tx_enter(t, S_DATA);
}

/* Takes the relay's reply code in the current state. */
static void
tx_reply(struct tx *t, int code)
{
	const struct smtp_job *j = t->j;
	struct tr_rcpt *r;

	switch (t->state) {
	case S_RSET:
		if (code == 250)
			tx_enter(t, S_MAIL);
		else
			tx_finish(t, SMTP_TX_STALE);
		break;
	case S_MAIL:
		if (code >= 200 && code <= 299) {
			t->i = 0;
			tx_enter(t, S_RCPT);
			break;
		}
		settle_reply(j, code_result(code), t->c);
		if (t->pipelining && code != 0 && code != 421) {
			t->owed = j->count + 1;
			tx_enter(t, S_DRAIN);
		} else
			tx_finish(t, end_of(code));
		break;
	case S_RCPT:
		r = job_rcpt(j, t->i);
		if (code >= 200 && code <= 299) {
			r->code = code;	/* accepted: the DATA reply decides */
			t->accepted++;
		} else {
			rcpt_set_reply(r, code_result(code), t->c);
			if (code == 0 || code == 421) {
				smtp_tx_settle(j, TR_TEMP, r->code, r->reply);
				tx_finish(t, end_of(code));
				break;
			}
			if (code == 452 && !t->pipelining) {
				t->full = 1;
				memcpy(t->fullreply, r->reply, sizeof(t->fullreply));
			}
		}
		tx_next_rcpt(t);
		break;
	case S_DATA:
		if (code != 354) {
			settle_reply(j, code / 100 == 5 ? TR_PERM :
			    TR_TEMP, t->c);
			tx_finish(t, end_of(code));
		} else if (t->accepted == 0)
			tx_enter(t, S_EMPTY);	/* every RCPT refused */
		else
			tx_enter(t, S_DOT);
		break;
	case S_DOT:
		smtp_conn_set_timeout(t->c, t->j->msg->timeout);
		settle_reply(j, code_result(code), t->c);
		tx_finish(t, end_of(code));
		break;
	case S_EMPTY:
		tx_finish(t, end_of(code));
		break;
	case S_DRAIN:
		/* one per RCPT, then DATA's: a 354 gets an empty message */
		if (code == 0 || code == 421)
			tx_finish(t, end_of(code));
		else if (--t->owed > 0)
			break;
		else if (code == 354)
			tx_enter(t, S_EMPTY);
		else
			tx_finish(t, end_of(code));
		break;
	case S_END:
		break;
	}
}

enum smtp_tx_end
smtp_tx_run(struct smtp_conn *c, const struct smtp_job *j, struct buf *cmd)
{
	struct tx t;

	memset(&t, 0, sizeof(t));
	t.c = c;
	t.j = j;
	t.cmd = cmd;
	t.pipelining = (c->s->esmtp & MAILSMTP_ESMTP_PIPELINING) != 0;
	t.state = S_END;
	tx_enter(&t, c->used ? S_RSET : S_MAIL);
	c->used = 1;
	while (t.state != S_END)
		tx_reply(&t, t.lost ? 0 : smtp_conn_reply(c));
	return t.end;
}

enum smtp_tx_end
smtp_tx_rest(struct smtp_conn *c, struct smtp_job *j, struct buf *cmd)
{
	struct smtp_job sub = *j;
	enum smtp_tx_end tx = SMTP_TX_DONE;
	size_t i, k, t;

	for (;;) {
		for (i = k = 0; i < sub.count; i++) {
			struct tr_rcpt *r = job_rcpt(&sub, i);

			if (r->result != TR_TEMP || r->code != 452)
				continue;
			t = sub.order[k];
			sub.order[k] = sub.order[i];
			sub.order[i] = t;
			k++;
		}
		/* none left, or the relay took none of them: stop */
		if (k == 0 || k == sub.count)
			return tx;
		sub.count = k;
		for (i = 0; i < k; i++)
			job_rcpt(&sub, i)->result = TR_PENDING;
		if ((tx = smtp_tx_run(c, &sub, cmd)) != SMTP_TX_DONE) {
			smtp_tx_settle(&sub, TR_TEMP, 0, "connection to the "
			    "relay lost");
			return tx;
		}
	}
}
