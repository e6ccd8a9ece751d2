/*
 * member_data.h - a member's own data under the AVG (GDPR): the right
 * of access (art. 15, bpt-member export-data) and the right to erasure
 * (art. 17, bpt-member forget).
 *
 * "About a member" means: their row (consent included), the audit rows
 * about them or made by them, the messages they wrote and their
 * attachments, the incidents they reported, joined or called 112 for,
 * the copies and notices delivered to their address, their bounces and
 * probes, the notices' rate limits kept for their address, the exports
 * they made, their pending confirmations and the holds of their
 * messages.
 */
#ifndef BPT_MEMBER_DATA_H
#define BPT_MEMBER_DATA_H

#include "bpt.h"

struct printer;

/*
 * Prints everything stored about the member with address email as one
 * object (JSON for a JSON printer) with the lists above; the original
 * messages are in base64.  Nothing about another member is in it: who
 * acted on their record is "admin" unless it was they themselves, and
 * who decided on a hold is not shown.  The member's token (a secret for
 * bounce addresses) is left out.  BPT_EDATA for a bad address,
 * BPT_ENOENT when there is no such member; store errors, BPT_ENOMEM.
 * Reads inside one read transaction.
 */
enum bpt_status member_data_export(struct bpt_ctx *ctx, const char *email,
    struct printer *p);

/* What an erasure did. */
struct member_forget_report {
	long long id;			/* the member's row, now gone */
	long long messages;		/* their messages blanked */
	long long redacted;		/* rows elsewhere their details were cut from */
	long long deliveries;		/* delivery rows that named their address */
	int dry_run;
};

/*
 * Removes the member with address email and their personal data: their
 * row, their messages' texts and originals (a marker stays in the text;
 * hashes, times and counts stay, so that incidents keep their shape and
 * their hash chain), their address in delivery rows, bounces, probes,
 * notices and confirmations, and their address, name and phone number
 * wherever else they appear in the store (other members' originals
 * that quote them are altered and marked 'redacted'; audit rows keep
 * their time and action).  Incidents that went to the police keep their
 * export records.  One audit row without personal data records it, and
 * the store's log is emptied (store_scrub()) so that the file keeps
 * none of the bytes.  BPT_EDATA while an incident they reported is open (close
 * it first) or for a bad address; BPT_ENOENT when there is no such
 * member.  dry_run: counts, changes nothing.
 */
enum bpt_status member_forget(struct bpt_ctx *ctx, const char *email, int dry_run,
    struct member_forget_report *r);

#endif
