/* fuzzlib.c - the scratch folder and store the fuzz targets share. */
#include "bptconf.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "fuzz.h"
#include "store.h"

/* A fuzz target is one process running one harness: its state is this. */
static char *tmpdir;
static unsigned char *pristine;	/* the seeded store, serialised */
static sqlite3_int64 pristine_size;
static unsigned char *room[2];	/* where the store lives, in turns */
static int next;

/* Room for the store and what one input adds to it (a full disk is
 * a finding: ingest would exit 75 on it). */
#define ROOM ((sqlite3_int64)64 * 1024 * 1024)

void
fuzz_fail(const struct bpt_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (ctx != NULL && ctx->errmsg[0] != '\0')
		fprintf(stderr, " (%s: %s)", bpt_status_str(ctx->err), ctx->errmsg);
	fputc('\n', stderr);
	abort();
}

char *
fuzz_strdup(const uint8_t *data, size_t size)
{
	char *s = xmemdupz(data, size);

	if (s == NULL)
		fuzz_fail(NULL, "out of memory");
	return s;
}

static void
rm_tmpdir(void)
{
	struct buf path = BUF_INIT;
	struct dirent *de;
	DIR *d;

	if (tmpdir == NULL)
		return;
	if ((d = opendir(tmpdir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			buf_reset(&path);
			buf_addf(&path, "%s/%s", tmpdir, de->d_name);
			if (!buf_failed(&path))
				unlink(path.buf);
		}
		closedir(d);
	}
	rmdir(tmpdir);
	buf_release(&path);
	free(tmpdir);
	tmpdir = NULL;
}

const char *
fuzz_tmpdir(void)
{
	struct buf tmpl = BUF_INIT;
	const char *base = getenv("TMPDIR");

	if (tmpdir != NULL)
		return tmpdir;
	if (base == NULL || *base == '\0')
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	buf_addf(&tmpl, "%s/bpt-fuzz.XXXXXX", base);
	if (buf_failed(&tmpl) || mkdtemp(tmpl.buf) == NULL)
		fuzz_fail(NULL, "cannot make a folder in %s", base);
	tmpdir = buf_detach(&tmpl, NULL);
	atexit(rm_tmpdir);
	return tmpdir;
}

/*
 * Replaces the store's database with a fresh copy of the pristine
 * image.  The copy goes into one of two fixed buffers, the one the
 * store does not use now, which SQLite neither frees nor grows:
 * allocating and touching a new image for every input cost more than
 * the input itself.
 */
static void
load_pristine(sqlite3 *db)
{
	unsigned char *p;
	int rc;

	next = !next;
	if (room[next] == NULL) {
		/* mmap, not malloc: LeakSanitizer scans every heap block for
		 * pointers, and this one is large */
		p = mmap(NULL, (size_t)ROOM, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			fuzz_fail(NULL, "cannot map room for the store");
		room[next] = p;
	}
	p = room[next];
	memcpy(p, pristine, (size_t)pristine_size);
	rc = sqlite3_deserialize(db, "main", p, pristine_size, ROOM, 0);
	if (rc != SQLITE_OK)
		fuzz_fail(NULL, "loading the seeded store: %s", sqlite3_errmsg(db));
}

void
fuzz_store_init(struct bpt_ctx *ctx, void (*seed)(struct bpt_ctx *ctx))
{
	struct buf path = BUF_INIT;
	sqlite3 *db;

	buf_addf(&path, "%s/bpt.db", fuzz_tmpdir());
	if (buf_failed(&path))
		fuzz_fail(NULL, "out of memory");
	if (store_open(ctx, path.buf, 1000, &ctx->store) != BPT_OK)
		fuzz_fail(ctx, "store_open %s", path.buf);
	buf_release(&path);
	db = store_db(ctx->store);
	if (store_exec(ctx, ctx->store, "PRAGMA synchronous=OFF") != BPT_OK)
		fuzz_fail(ctx, "synchronous=OFF");
	if (seed != NULL)
		seed(ctx);
	if (store_exec(ctx, ctx->store, "VACUUM") != BPT_OK)
		fuzz_fail(ctx, "VACUUM");
	pristine = sqlite3_serialize(db, "main", &pristine_size, 0);
	if (pristine == NULL || pristine_size < 100 || pristine_size > ROOM / 2)
		fuzz_fail(NULL, "keeping the seeded store: %s", sqlite3_errmsg(db));
	/* file format 1 (rollback journal): an image in memory has no WAL */
	pristine[18] = pristine[19] = 1;
	load_pristine(db);
	/* the file is closed now: nothing is left behind, not even by a
	 * crash */
	rm_tmpdir();
}

void
fuzz_store_reset(struct bpt_ctx *ctx)
{
	sqlite3 *db = store_db(ctx->store);
	sqlite3_stmt *s = NULL;

	/* a statement left on a row holds a read transaction */
	store_rollback(ctx->store);
	while ((s = sqlite3_next_stmt(db, s)) != NULL)
		sqlite3_reset(s);
	load_pristine(db);
	ctx->err = BPT_OK;
	ctx->errmsg[0] = '\0';
}
