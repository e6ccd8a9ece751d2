/*
 * imap.h - a group run from an ordinary mailbox: `bpt-report fetch
 * --imap` (inbound.imap in bpt.yaml(5)).
 *
 * imap_fetch() logs in to the mailbox (TLS only, the server's
 * certificate checked as the SMTP transport checks the relay's; a
 * password, or an OAuth2 access token printed by a command, sent with
 * SASL XOAUTH2), hands every unseen message to the caller's take
 * function, which runs it through the same path as the MTA pipe, and
 * waits with IDLE (RFC 2177) for the next one.
 *
 * Exactly once: a message is fetched with BODY.PEEK (it stays unseen),
 * taken, and only when take() says it is committed flagged \Seen (or
 * moved to inbound.imap.done_mailbox).  A crash between the two leaves
 * it unseen: the next run takes it again, and the store's duplicate
 * check (same bytes, or the same Message-ID) recognises it.  Nothing
 * about the mailbox is kept between runs: each scan asks the server
 * for what is unseen, so a new UIDVALIDITY (the mailbox was rebuilt)
 * is a scan like any other.
 */
#ifndef BPT_IMAP_H
#define BPT_IMAP_H

#include <stddef.h>

#include "bpt.h"

/*
 * Takes one message: raw[0..len), its first bytes when truncated (the
 * whole message is total bytes; policy.max_message_size is the most
 * that is fetched).  BPT_OK only when it is committed to the store;
 * any other status leaves it unseen in the mailbox.
 */
typedef enum bpt_status (*imap_take_fn)(struct bpt_ctx *ctx, void *arg,
    const char *raw, size_t len, size_t total, int truncated);

struct imap_fetch_opts {
	int once;		/* take what is there, then return */
	imap_take_fn take;
	void *arg;		/* for take */
};

struct imap_fetch_stats {
	long long taken;	/* messages committed and flagged */
};

/*
 * Runs the fetch of ctx->cfg->inbound.imap.  With o->once: one
 * connection, one scan, BPT_OK when every unseen message was taken.
 * Without: scans, then waits with IDLE (renewed every 29 minutes), and
 * after a cut connection, a server's restart or a failed take
 * reconnects with back-off (1 s doubling to 5 minutes); it returns only
 * on an error a person must act on.
 *
 * Statuses: BPT_EPERM the login was refused (a password once; an
 * OAuth2 token twice, fetched anew in between); BPT_EUNAVAIL the
 * server's certificate is not good for its name, or it offers no
 * STARTTLS; BPT_ECONFIG the configuration is incomplete, or a mailbox
 * does not exist; with o->once, BPT_ETEMP for a connection that failed
 * and whatever take() returned.  The reason is in ctx->errmsg.
 */
enum bpt_status imap_fetch(struct bpt_ctx *ctx, const struct imap_fetch_opts *o,
    struct imap_fetch_stats *stats);

#endif
