/*
 * bounce.h - who a bounce is about, and whether it counts against them.
 *
 * A member's address is suspended after delivery.bounce_limit
 * permanent bounces in 30 days (see bpt.yaml(5)); bounce_parse() says
 * which recipients failed and whether that failure is the address's
 * own (a dead mailbox) or not (a delay, our relay, a policy or spam
 * rejection of our mail).
 */
#ifndef BPT_BOUNCE_H
#define BPT_BOUNCE_H

#include <stddef.h>

struct mail;

enum bounce_action {
	BOUNCE_OTHER,	/* delivered, relayed, expanded: no failure */
	BOUNCE_FAILED,
	BOUNCE_DELAYED
};

/* recipients of one notice that are read (bounce_parse()) */
#define BOUNCE_ROOM 64

struct bounce_rcpt {
	char addr[256];		/* normal form (addr.h) */
	char status[16];	/* RFC 3463 "5.1.1", or "" when not told;
				 * "5.0.0"/"4.0.0" from a bare SMTP code */
	int action;		/* enum bounce_action */
	int permanent;		/* failed for good: status 5.x.x, or no
				 * status and the text says so */
	int not_their_fault;	/* do not count against the address */
	char diag[256];		/* diagnostic text, one line, cut on a
				 * character boundary when longer */
};

/*
 * Fills out[0..max) with the recipients m reports on and returns how
 * many it filled (0 when it names none).  Each address appears once.
 * A notice is read for its first BOUNCE_ROOM recipients whatever max
 * is, so out holds the first max of the same list for every max.
 *
 * From an RFC 3464 report (m->dsn): every per-recipient block, the
 * address taken from Original-Recipient when it is a mail address
 * (the one we sent to), else from Final-Recipient; Action, Status and
 * Diagnostic-Code as given (a missing Status is read from the
 * diagnostic, a missing Action from the status class).  Without a
 * usable report, from the text of qmail, Postfix, Exim, Sendmail,
 * Exchange/GroupWise, Yahoo and similar notices: "<addr>:" lines, the
 * addresses under "the following address(es) failed" and its
 * relatives, X.400 "SMTP=addr", "(expanded from: addr)", and the SMTP
 * reply in the session transcript for the diagnostic.  Reading stops
 * where the returned message begins.
 *
 * not_their_fault is set for delays and temporary (4.x.x) failures,
 * rejections of our mail for the sender's DMARC, SPF or DKIM policy or
 * as spam (5.7.x and the like with such text), errors on the way
 * (routing loops, too many hops, relaying denied, message too large,
 * protocol and content errors: x.4.6, x.4.7, x.3.4, x.5.x, x.6.x),
 * and for BOUNCE_OTHER.  Never fails; m is only read.
 */
size_t bounce_parse(const struct mail *m, struct bounce_rcpt *out, size_t max);

/* Room for one Message-ID of bounce_returned_ids(), with its NUL. */
#define BOUNCE_ID_MAX 256

/*
 * The Message-IDs (without <>) of the message m returns, into
 * ids[0..max); returns how many.  First the Message-ID field of the
 * returned header (m->dsn_original: the text/rfc822-headers or
 * message/rfc822 part of a report), then the Message-ID fields of
 * header blocks quoted in the text (qmail and older Exim return the
 * message inline, after a line such as "--- Below this line is a copy
 * of the message.").  Each id once; an id that does not fit is left
 * out.  These are claims of the sender of m, to be checked against
 * what was sent.  Never fails; m is only read.
 */
size_t bounce_returned_ids(const struct mail *m, char ids[][BOUNCE_ID_MAX],
    size_t max);

/*
 * The member token of a VERP recipient LOCAL-bounces+TOKEN@DOMAIN,
 * where LOCAL@DOMAIN is list_addr (compared without regard to case).
 * Returns a pointer into rcpt at the start of TOKEN; the token runs to
 * the '@' of DOMAIN (its length is strcspn(token, "@")).  NULL when rcpt
 * is not such an address, the token is empty or holds an '@'.
 */
const char *bounce_verp_token(const char *rcpt, const char *list_addr);

#endif
