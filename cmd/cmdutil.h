/*
 * cmdutil.h - what every tool's main shares: the one status -> exit
 * code table, loading the configuration and the store, --version.
 */
#ifndef BPT_CMDUTIL_H
#define BPT_CMDUTIL_H

#include "bpt.h"
#include "printer.h"

/* The exit code (sysexits.h) for a library status. */
int cmd_exit_code(enum bpt_status st);

/* Prints "PROG: message" for the error recorded in ctx and returns
 * its exit code. */
int cmd_fail(struct bpt_ctx *ctx);

/*
 * Loads the configuration (explicit path, $BPT_CONFIG or the default)
 * into ctx->cfg and, when open_store, opens the store into ctx->store.
 * Sets ctx->actor from as (NULL: the login name).  Every template
 * override must render (tpl_check()), and policy.words must load:
 * BPT_ECONFIG otherwise.
 */
enum bpt_status cmd_setup(struct bpt_ctx *ctx, const char *config_path,
    const char *as, int open_store);

/*
 * The same, with the store, for the tools that take mail in and send
 * it out (bpt-report reading mail, bpt-send): a template override
 * that does not render is a warning, the built-in text stands in and
 * the admins are told once (tplwarn.h), where cmd_setup() fails with
 * BPT_ECONFIG naming the file.
 */
enum bpt_status cmd_setup_mail(struct bpt_ctx *ctx, const char *config_path,
    const char *as);

/* Closes the store and frees the configuration and actor that
 * cmd_setup() put in ctx; safe on a context it never filled. */
void cmd_release(struct bpt_ctx *ctx);

/* A printer on stdout whose times are in the group's zone (cmd_setup()
 * loaded the configuration); NULL on out of memory. */
struct printer *cmd_printer(const struct bpt_ctx *ctx, enum pr_format fmt);

/* Prints "PROG (bpt) VERSION" to stdout; returns 0. */
int cmd_version(const char *prog);

#endif
