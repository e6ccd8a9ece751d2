/*
 * store.h - the one SQLite file that holds a group's whole state.
 *
 * store_open() creates the file (mode 0600) on first use, sets WAL,
 * foreign keys, synchronous=FULL and the busy timeout, and runs the
 * pending migrations in one IMMEDIATE transaction.  A store written
 * by a newer bpt is refused (BPT_ESCHEMA).  Writers use
 * store_begin() (BEGIN IMMEDIATE) and store_commit().  A lock held
 * past the busy timeout is BPT_EBUSY and a full disk BPT_ENOSPC:
 * both exit 75, and a failed transaction leaves nothing behind.
 *
 * Modules keep their SQL to themselves and run it through
 * store_prepare(), which caches each statement by the address of its
 * (static) SQL text.
 */
#ifndef BPT_STORE_H
#define BPT_STORE_H

#include <sqlite3.h>

#include "bpt.h"

#define STORE_SCHEMA_VERSION 9

struct store;

/*
 * Opens (creating when missing) the store at path.  busy_ms is the
 * busy timeout.  *out is closed with store_close().  BPT_ECREATE when
 * the file or its folder cannot be made, BPT_ECONFIG when the store or
 * its -wal or -shm file is open to others (any "other" permission bit;
 * the group's are allowed), BPT_EBUSY, BPT_ENOSPC, BPT_ESCHEMA, BPT_EIO.
 */
enum bpt_status store_open(struct bpt_ctx *ctx, const char *path, long busy_ms,
    struct store **out);
void store_close(struct store *st);

sqlite3 *store_db(struct store *st);
const char *store_path(const struct store *st);
/* user_version of the open store */
int store_schema_version(struct store *st);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK.  Rollback is silent and safe
 * to call when no transaction is open. */
enum bpt_status store_begin(struct bpt_ctx *ctx, struct store *st);
enum bpt_status store_commit(struct bpt_ctx *ctx, struct store *st);
void store_rollback(struct store *st);
int store_in_tx(struct store *st);

/*
 * A step that may run on its own or inside the caller's transaction (a
 * command by mail runs inside the one that stores the mail): begins a
 * transaction, or inside one a savepoint, and *nested tells which.
 * store_leave() commits or releases; store_undo() rolls back the
 * transaction, or only what was done since the savepoint.
 */
enum bpt_status store_enter(struct bpt_ctx *ctx, struct store *st, int *nested);
enum bpt_status store_leave(struct bpt_ctx *ctx, struct store *st, int nested);
void store_undo(struct store *st, int nested);

/* The end of what store_enter() began: undone when status is not
 * BPT_OK or for a dry run, else kept; returns status, or the commit's
 * error. */
enum bpt_status store_finish(struct bpt_ctx *ctx, struct store *st, int nested,
    int dry_run, enum bpt_status status);

/*
 * Sets PRAGMA synchronous for the connection: 2 (FULL) for what an
 * MTA relies on, 1 (NORMAL) for bookkeeping a crash may repeat.
 */
enum bpt_status store_set_sync(struct bpt_ctx *ctx, struct store *st, int level);

/*
 * Copies what the WAL holds into the database file as far as readers
 * allow (a passive checkpoint), so the WAL stays small.  Store
 * processes skip the checkpoint on close; bpt-send runs this.
 */
enum bpt_status store_checkpoint(struct bpt_ctx *ctx, struct store *st);

/*
 * After personal data was removed (a retention purge, a member's
 * erasure): makes the file keep none of its bytes.  Every connection
 * runs with secure_delete on, so SQLite zeroes a deleted or overwritten
 * value where it was, in the page and in pages it frees; what is left
 * are the old page images in the write-ahead log, which a TRUNCATE
 * checkpoint copies over and empties.  This costs what was removed,
 * not the size of the store (VACUUM would rewrite the whole file and
 * hold the write lock, and an alert, as long).  Outside a transaction.
 * A checkpoint that readers hold up is logged and left to the next.
 */
enum bpt_status store_scrub(struct bpt_ctx *ctx, struct store *st);

/*
 * A prepared statement for sql, reset with bindings cleared; sql must
 * be a string that lives as long as the store (a literal).  Owned by
 * the store.  The cache has no fixed size.  NULL on error (recorded in
 * ctx: BPT_ENOMEM, or the status of store_fail() for bad SQL).
 */
sqlite3_stmt *store_prepare(struct bpt_ctx *ctx, struct store *st, const char *sql);

/* How many statements store_prepare() holds (for tests). */
size_t store_cached_statements(const struct store *st);

/* Runs SQL without results (may hold several statements). */
enum bpt_status store_exec(struct bpt_ctx *ctx, struct store *st, const char *sql);

/* Steps a statement expected to finish (SQLITE_DONE) and resets it. */
enum bpt_status store_step_done(struct bpt_ctx *ctx, struct store *st,
    sqlite3_stmt *stmt);

/*
 * Records an SQLite failure rc in ctx with a status: BUSY/LOCKED ->
 * BPT_EBUSY, FULL -> BPT_ENOSPC, CONSTRAINT -> BPT_EDATA, NOMEM ->
 * BPT_ENOMEM, CANTOPEN/READONLY/PERM -> BPT_ECREATE, IOERR ->
 * BPT_EIO (BPT_ENOSPC when the disk is full), others BPT_EINTERNAL.
 */
enum bpt_status store_fail(struct bpt_ctx *ctx, struct store *st, int rc,
    const char *what);

/*
 * Steps s (prepared and bound) to its end and collects its first
 * column: *ids (caller frees, NULL when none) and *n.  The statement
 * is reset.  On a failure *ids is NULL; what names the query in the
 * error.  Collect first, then change rows: an update must not run
 * under an open select.
 */
enum bpt_status store_ids(struct bpt_ctx *ctx, struct store *st, sqlite3_stmt *s,
    long long **ids, size_t *n, const char *what);

/* Binds a text or NULL. */
int store_bind_text(sqlite3_stmt *s, int i, const char *v);
/* A copy of a column's text (caller frees); NULL for SQL NULL, and NULL
 * with *oom set (when oom is not NULL) when memory runs out. */
char *store_col_dup(sqlite3_stmt *s, int i, int *oom);
/* Column text as a borrowed string ("" for NULL unless nullable). */
const char *store_col_text(sqlite3_stmt *s, int i);

#endif
