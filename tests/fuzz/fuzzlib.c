/* fuzzlib.c - the scratch folder and store the fuzz targets share. */
#include "bptconf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "fuzz.h"
#include "store.h"

/* A fuzz target is one process running one harness: its state is this. */
static char *tmpdir;
static unsigned char *pristine;	/* the seeded store file's bytes */
static size_t pristine_size;
static int store_fd = -1;	/* the store file, to write it back */

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
 * Puts the seeded bytes back into the store file between two inputs,
 * when no transaction is open.  To SQLite this is another process that
 * wrote the file: if the input committed, the change counter in the
 * header differs from the one SQLite last saw, so it drops its page
 * cache; the schema cookie is the one it has, so it keeps the parsed
 * schema.  An image loaded with sqlite3_deserialize() instead made it
 * parse the whole schema again for every input: a quarter of ingest's
 * time under the sanitizers.
 */
static void
load_pristine(void)
{
	if (pwrite(store_fd, pristine, pristine_size, 0) !=
	    (ssize_t)pristine_size ||
	    ftruncate(store_fd, (off_t)pristine_size) != 0)
		fuzz_fail(NULL, "writing the seeded store back: %s",
		    strerror(errno));
}

/* path: the scratch folder's file name; aborts when out of memory */
static void
scratch_path(struct buf *path, const char *name)
{
	buf_reset(path);
	buf_addf(path, "%s/%s", fuzz_tmpdir(), name);
	if (buf_failed(path))
		fuzz_fail(NULL, "out of memory");
}

void
fuzz_store_init(struct bpt_ctx *ctx, void (*seed)(struct bpt_ctx *ctx))
{
	struct buf path = BUF_INIT;
	struct stat sb;
	int off = 0;

	scratch_path(&path, "bpt.db");
	if (store_open(ctx, path.buf, 1000, &ctx->store) != BPT_OK)
		fuzz_fail(ctx, "store_open %s", path.buf);
	if (store_exec(ctx, ctx->store, "PRAGMA synchronous=OFF") != BPT_OK)
		fuzz_fail(ctx, "synchronous=OFF");
	if (seed != NULL)
		seed(ctx);
	/*
	 * One file with nothing beside it: the rollback journal in memory.
	 * store_open() keeps the WAL file, and SQLite goes back to WAL mode
	 * when it finds one (while PRAGMA journal_mode says "memory").
	 */
	sqlite3_file_control(store_db(ctx->store), "main",
	    SQLITE_FCNTL_PERSIST_WAL, &off);
	if (store_exec(ctx, ctx->store, "VACUUM") != BPT_OK ||
	    store_exec(ctx, ctx->store, "PRAGMA journal_mode=MEMORY") != BPT_OK)
		fuzz_fail(ctx, "VACUUM, journal_mode=MEMORY");
	scratch_path(&path, "bpt.db-wal");
	if (access(path.buf, F_OK) == 0)
		fuzz_fail(NULL, "the store is still in WAL mode");
	/* this descriptor stays open until exit: closing any descriptor of
	 * the file would drop SQLite's locks on it */
	scratch_path(&path, "bpt.db");
	if ((store_fd = open(path.buf, O_RDWR | O_CLOEXEC)) < 0 ||
	    fstat(store_fd, &sb) != 0 || sb.st_size < 100)
		fuzz_fail(NULL, "opening %s: %s", path.buf, strerror(errno));
	pristine_size = (size_t)sb.st_size;
	/* mmap, not malloc: LeakSanitizer scans every heap block for
	 * pointers, and this one is large */
	pristine = mmap(NULL, pristine_size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pristine == MAP_FAILED || pread(store_fd, pristine, pristine_size,
	    0) != (ssize_t)pristine_size)
		fuzz_fail(NULL, "reading %s: %s", path.buf, strerror(errno));
	buf_release(&path);
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
	load_pristine();
	ctx->err = BPT_OK;
	ctx->errmsg[0] = '\0';
}
