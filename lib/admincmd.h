/*
 * admincmd.h - admin commands by mail to the request address.
 *
 * One command a line, Dutch or English: sluiten/close N [reden],
 * heropenen/reopen N, uitkomst/outcome N [categorie] tekst,
 * goedkeuren/approve ID, afwijzen/reject ID [reden] (held messages),
 * schorsen/suspend EMAIL reden, herstellen/reinstate EMAIL,
 * verwijderen/remove EMAIL reden, uitsluiten/ban EMAIL reden,
 * lid/show EMAIL.  They call what bpt-close, bpt-member and bpt-report
 * approve/reject call, as the admin (ctx->actor is their registered
 * address), and the admin gets one reply with a line of result per
 * command.
 *
 * A From address proves nothing: under policy.admin_auth "confirm" the
 * commands run only when the admin answers a mail with a token sent to
 * their registered address (valid ADMINCMD_CONFIRM_TTL, used once).
 */
#ifndef BPT_ADMINCMD_H
#define BPT_ADMINCMD_H

#include "bpt.h"
#include "confirm.h"
#include "request.h"

#define ADMINCMD_CONFIRM_TTL 3600

/* 1 when word (lower case) is the name of a command. */
int admincmd_is_command(const char *word);

/* A mail whose first word is a command. */
enum bpt_status admincmd_receive(struct bpt_ctx *ctx, const struct request_in *in,
    const char **why, long long *notices);

/* The reply that carries token (row c, action "command"). */
enum bpt_status admincmd_confirmed(struct bpt_ctx *ctx,
    const struct request_in *in, const char *token, const struct confirm_row *c,
    const char **why, long long *notices);

/*
 * Runs one command line as ctx->actor; appends one line of result to
 * out (in the group's language).  by_name is shown to members when an
 * incident is closed.  Errors of the store only; a bad command is a
 * result line.
 */
enum bpt_status admincmd_run_line(struct bpt_ctx *ctx, const char *line,
    const char *by_name, const char *runner, struct buf *out);

#endif
