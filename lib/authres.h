/*
 * authres.h - what the receiving mail server found out about a sender
 * (Authentication-Results, RFC 8601).
 *
 * A From address proves nothing: anyone can write a member's address
 * there.  A mail server that checks SPF, DKIM and DMARC (OpenDMARC,
 * OpenDKIM, rspamd) writes its verdict into Authentication-Results
 * headers under its own name, the authserv-id.  Only headers with the
 * id the admin names (policy.authserv_id) count: the server must remove
 * headers with that id that arrive from elsewhere (bpt.7 says how).
 *
 * The verdict for the From domain is "forged" when DMARC failed, or
 * when SPF failed for that domain and no DKIM signature of that domain
 * passed.  Everything else (pass, none, neutral, softfail, temporary
 * errors, results for other domains) is not.
 */
#ifndef BPT_AUTHRES_H
#define BPT_AUTHRES_H

#include <stddef.h>

#include "buf.h"

enum authres_verdict {
	AUTHRES_NONE,		/* no header of authserv_id: nothing known */
	AUTHRES_OK,		/* checked, and not forged */
	AUTHRES_FORGED,		/* DMARC fail, or SPF fail without DKIM pass */
};

/*
 * The verdict of the headers values[0..n) (the values of every
 * Authentication-Results field, unfolded) whose authserv-id is
 * authserv_id (compared without case), for mail From: from_domain.
 * evidence (may be NULL) gets the results that decided, such as
 * "dmarc=fail header.from=example.org".
 */
enum authres_verdict authres_verdict(const char *const *values, size_t n,
    const char *authserv_id, const char *from_domain, struct buf *evidence);

#endif
