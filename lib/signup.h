/*
 * signup.h - joining by mail with consent, an admin's approval, and
 * the welcome a new member gets.
 *
 * "aanmelden" from an address that is not a member: bpt answers with
 * the group rules (template "rules", version group.rules_version) and a
 * token; the reply that carries it back, with a name and a Dutch mobile
 * number, is the person's consent.  They become pending (an admin
 * approves or rejects them: bpt-member approve, reject) or, with
 * policy.signup_approval false, active at once.  The consent (rules
 * version, time, the confirming message) is kept in the consents
 * table.  See bpt(7), "The request address".
 */
#ifndef BPT_SIGNUP_H
#define BPT_SIGNUP_H

#include <time.h>

#include "bpt.h"
#include "confirm.h"
#include "member.h"
#include "request.h"

enum bpt_status signup_start(struct bpt_ctx *ctx, const struct request_in *in,
    const char **why, long long *notices);

/* The reply that carries token (row c, not yet used). */
enum bpt_status signup_finish(struct bpt_ctx *ctx, const struct request_in *in,
    const char *token, const struct confirm_row *c, const char **why,
    long long *notices);

/*
 * The name and number in the text of a reply: "Naam: ...", "Telefoon:
 * ...", or a line holding a name and/or a number.  *name and *phone
 * (caller frees) are NULL when not found; *phone is as written.
 */
enum bpt_status signup_parse(struct bpt_ctx *ctx, const char *text, char **name,
    char **phone);

/*
 * Approves the pending sign-up of email (it becomes active and gets the
 * welcome mail) or rejects it (removed, with reason; NULL: "aanmelding
 * afgewezen"; the person is told, with the reason when given).  BPT_EDATA when email is not pending; BPT_ENOENT.
 * Own transaction, or the caller's.
 */
enum bpt_status signup_approve(struct bpt_ctx *ctx, const char *email,
    struct member_report *r);
enum bpt_status signup_reject(struct bpt_ctx *ctx, const char *email,
    const char *reason, struct member_report *r);

/* Queues the welcome mail (rules and safety points) to the member
 * email; it is delivered by the next bpt-send run. */
enum bpt_status signup_welcome(struct bpt_ctx *ctx, const char *email);

/* The store id of the message that confirmed member id's latest consent
 * by mail, in *message (0: none). */
enum bpt_status signup_consent_message(struct bpt_ctx *ctx, long long id,
    long long *message);

#endif
