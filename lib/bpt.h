/*
 * bpt.h - the status codes and the context every lib/ call shares.
 *
 * Library calls return enum bpt_status (BPT_OK is 0).  The text of the
 * last error is kept in the context; only cmd/ turns a status into an
 * exit code (see cmd/cmdutil.c), lib/ never exits and never prints to
 * stdout.
 */
#ifndef BPT_H
#define BPT_H

#include <stddef.h>
#include <time.h>

enum bpt_status {
	BPT_OK = 0,
	BPT_EUSAGE,	/* bad usage of a library call or tool (64) */
	BPT_EDATA,	/* bad input data: address, CSV line, phone (65) */
	BPT_EEXIST,	/* already there, e.g. a second add (65) */
	BPT_ENOENT,	/* no such member, incident, file (66) */
	BPT_ENOUSER,	/* sender is not a member where that is an error (67) */
	BPT_EUNAVAIL,	/* a service is unavailable (69) */
	BPT_EINTERNAL,	/* a bug or an impossible state (70) */
	BPT_ECREATE,	/* cannot create a file or folder (73) */
	BPT_EIO,	/* read or write error (74) */
	BPT_EBUSY,	/* store locked past the busy timeout (75) */
	BPT_ENOSPC,	/* disk full (75) */
	BPT_ETEMP,	/* other temporary failure, e.g. relay down (75) */
	BPT_ENOMEM,	/* out of memory (75: the MTA retries) */
	BPT_EPERM,	/* not allowed, e.g. not an admin (77) */
	BPT_ECONFIG,	/* configuration error (78) */
	BPT_ESCHEMA,	/* store written by a newer bpt (78) */
	BPT_STATUS_MAX
};

struct bpt_config;
struct store;

/*
 * One per process and per thread of work.  Holds the configuration,
 * the open store and the text of the last error.  Nothing in lib/
 * keeps global state; everything reaches it through this.  Whoever
 * fills cfg, store and actor frees them (the tools: cmd_release());
 * this layer knows neither the configuration nor the store.
 */
struct bpt_ctx {
	struct bpt_config *cfg;	/* borrowed by lib/; see above */
	struct store *store;	/* borrowed by lib/; see above */
	char *actor;		/* who acts, for audit rows */
	time_t now;		/* 0: use time(); tests may pin it */
	enum bpt_status err;	/* status of the last bpt_err() */
	char errmsg[2048];	/* its text, without trailing newline */
};

#define BPT_CTX_INIT { NULL, NULL, NULL, 0, BPT_OK, "" }

/* The number of elements of an array (not of a pointer): counts such as
 * the variables of a template come from the array itself, so adding one
 * cannot leave a hand-written count behind. */
#ifndef nitems
#define nitems(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* Records an error in ctx and returns st, so callers write
 * "return bpt_err(ctx, BPT_EDATA, "bad address '%s'", s);". */
enum bpt_status bpt_err(struct bpt_ctx *ctx, enum bpt_status st,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prepends "PREFIX: " to the recorded error text; returns ctx->err. */
enum bpt_status bpt_err_prefix(struct bpt_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Maps an errno value to a status (ENOSPC, EDQUOT -> BPT_ENOSPC, ...). */
enum bpt_status bpt_errno_status(int errnum);

/* A short name of a status ("busy", "bad data"); static string. */
const char *bpt_status_str(enum bpt_status st);

/*
 * The one clock for every "now" in lib/: ctx->now when set (unit
 * tests), else $BPT_NOW in a build with test faults (the shell tests
 * move time with it; see bpt(7)), else time(NULL).  ctx may be NULL.
 */
time_t bpt_now(const struct bpt_ctx *ctx);

/* The version string of the package ("0.1.0"). */
const char *bpt_version(void);

/*
 * Test-only fault switch: true when the environment variable
 * BPT_TEST_FAULT lists NAME (comma-separated).  Compiled to false
 * with ./configure --disable-test-faults.  Documented in bpt.7.
 */
int bpt_fault(const char *name);

#endif
