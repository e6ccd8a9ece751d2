/*
 * fuzz.h - what the fuzz targets share.
 *
 * Each tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput().  With
 * ./configure --enable-fuzzing CC=clang it is linked with libFuzzer;
 * otherwise with replay.c, a main() that feeds it the files named on
 * its command line (see README.md).
 *
 * A target that finds a broken promise of the library (a status it
 * may not return, an output that breaks its documented form) calls
 * fuzz_fail(), which aborts: libFuzzer keeps the input as a crash and
 * the replay driver dies, so `make check` fails.
 */
#ifndef BPT_FUZZ_H
#define BPT_FUZZ_H

#include "bptconf.h"

#include <stddef.h>
#include <stdint.h>

#include "bpt.h"

struct store;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints "fuzz: what" (printf-style) and the last error of ctx (may
 * be NULL) to stderr, then aborts. */
void fuzz_fail(const struct bpt_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* data[0..size) as a NUL-terminated string (NULs inside stay); the
 * caller frees.  Aborts when memory runs out. */
char *fuzz_strdup(const uint8_t *data, size_t size);

/*
 * A scratch folder for this process, made on first use in $TMPDIR, else
 * /dev/shm (no disk syncs), else /tmp; removed at exit (not after a
 * crash: bench/fuzz.sh and the replay test give each run a $TMPDIR of
 * their own).  Borrowed.
 */
const char *fuzz_tmpdir(void);

/*
 * The scratch store: bpt.db in fuzz_tmpdir(), opened once with
 * store_open() (the same schema and SQL), filled by seed(ctx) (which may
 * be NULL), then taken out of WAL mode (rollback journal in memory: one
 * file) and its bytes kept.  fuzz_store_reset() writes them back, so
 * every input starts from the same state whatever the one before did
 * (triggers such as audit's no-delete do not apply), while SQLite keeps
 * the schema it parsed.  ctx->store is set to the store (owned by this
 * module).  Aborts on any failure: a target cannot run without it.
 */
void fuzz_store_init(struct bpt_ctx *ctx,
    void (*seed)(struct bpt_ctx *ctx));
void fuzz_store_reset(struct bpt_ctx *ctx);

#endif
