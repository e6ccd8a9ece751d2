/* store.c - opening the SQLite store, migrations, transactions. */
#include "bptconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fileio.h"
#include "log.h"
#include "schema.h"
#include "store.h"

#define STORE_CACHE_KB "256"
#define STMT_SLOTS_MIN 128	/* a power of two; grows by doubling */

struct stmt_slot {
	const char *sql;	/* NULL: free */
	sqlite3_stmt *stmt;
};

/*
 * Prepared statements are kept in a hash table keyed by the address of
 * their SQL text, open addressing with linear probing, at most half
 * full: a lookup on the path of an alert is one hash and a probe or
 * two, however many statements the modules have.
 */
struct store {
	sqlite3 *db;
	char *path;
	int in_tx;
	size_t nstmt;		/* statements in the table */
	size_t nslot;		/* its size, a power of two (0: none yet) */
	struct stmt_slot *slots;
};

#define NMIGRATIONS ((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))

enum bpt_status
store_fail(struct bpt_ctx *ctx, struct store *st, int rc, const char *what)
{
	const char *msg = st && st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
	const char *path = st && st->path ? st->path : "store";
	int ext = st && st->db ? sqlite3_extended_errcode(st->db) : rc;

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return bpt_err(ctx, BPT_EBUSY, "store '%s' is locked by another "
		    "process (%s: %s)", path, what, msg);
	case SQLITE_FULL:
		return bpt_err(ctx, BPT_ENOSPC, "store '%s': disk full (%s)", path, what);
	case SQLITE_NOMEM:
		return bpt_err(ctx, BPT_ENOMEM, "out of memory (%s)", what);
	case SQLITE_CONSTRAINT:
		return bpt_err(ctx, BPT_EDATA, "%s: %s", what, msg);
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return bpt_err(ctx, BPT_ECREATE, "store '%s': %s (%s)", path, msg, what);
	case SQLITE_IOERR:
		/* SQLite keeps the errno of the failed system call */
		if (st && st->db && (sqlite3_system_errno(st->db) == ENOSPC
#ifdef EDQUOT
		    || sqlite3_system_errno(st->db) == EDQUOT
#endif
		    ))
			return bpt_err(ctx, BPT_ENOSPC, "store '%s': disk full (%s)",
			    path, what);
		return bpt_err(ctx, BPT_EIO, "store '%s': i/o error %d (%s: %s)",
		    path, ext, what, msg);
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return bpt_err(ctx, BPT_EIO, "store '%s' is damaged or not a bpt "
		    "store (%s: %s)", path, what, msg);
	default:
		return bpt_err(ctx, BPT_EINTERNAL, "store '%s': %s (%s)", path, msg, what);
	}
}

sqlite3 *
store_db(struct store *st)
{
	return st->db;
}

const char *
store_path(const struct store *st)
{
	return st->path;
}

int
store_in_tx(struct store *st)
{
	return st->in_tx;
}

enum bpt_status
store_exec(struct bpt_ctx *ctx, struct store *st, const char *sql)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return store_fail(ctx, st, rc, "exec");
	return BPT_OK;
}

/* The first slot to probe for sql in a table of nslot (a power of two). */
static size_t
stmt_hash(const char *sql, size_t nslot)
{
	uint64_t h = (uint64_t)(uintptr_t)sql;

	/* addresses share their low bits (alignment): mix them (splitmix64) */
	h ^= h >> 30;
	h *= UINT64_C(0xbf58476d1ce4e5b9);
	h ^= h >> 27;
	h *= UINT64_C(0x94d049bb133111eb);
	h ^= h >> 31;
	return (size_t)h & (nslot - 1);
}

static struct stmt_slot *
stmt_find(struct stmt_slot *slots, size_t nslot, const char *sql)
{
	size_t i = stmt_hash(sql, nslot);

	while (slots[i].sql != NULL && slots[i].sql != sql)
		i = (i + 1) & (nslot - 1);
	return &slots[i];
}

/* Doubles the table (or makes the first one); -1 when out of memory. */
static int
stmt_grow(struct store *st)
{
	size_t i, n = st->nslot ? st->nslot * 2 : STMT_SLOTS_MIN;
	struct stmt_slot *slots = calloc(n, sizeof(*slots));

	if (slots == NULL)
		return -1;
	for (i = 0; i < st->nslot; i++)
		if (st->slots[i].sql != NULL)
			*stmt_find(slots, n, st->slots[i].sql) = st->slots[i];
	free(st->slots);
	st->slots = slots;
	st->nslot = n;
	return 0;
}

sqlite3_stmt *
store_prepare(struct bpt_ctx *ctx, struct store *st, const char *sql)
{
	struct stmt_slot *slot;
	sqlite3_stmt *s;
	int rc;

	if (st->nslot > 0) {
		slot = stmt_find(st->slots, st->nslot, sql);
		if (slot->sql != NULL) {
			s = slot->stmt;
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			return s;
		}
	}
	/* room first: a prepared statement is never left without an owner */
	if ((st->nstmt + 1) * 2 > st->nslot && stmt_grow(st) < 0) {
		bpt_err(ctx, BPT_ENOMEM, "out of memory (statement cache)");
		return NULL;
	}
	rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s,
	    NULL);
	if (rc != SQLITE_OK) {
		store_fail(ctx, st, rc, "prepare");
		return NULL;
	}
	slot = stmt_find(st->slots, st->nslot, sql);
	slot->sql = sql;
	slot->stmt = s;
	st->nstmt++;
	return s;
}

size_t
store_cached_statements(const struct store *st)
{
	return st->nstmt;
}

enum bpt_status
store_step_done(struct bpt_ctx *ctx, struct store *st, sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);

	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_fail(ctx, st, rc, "write");
	return BPT_OK;
}

enum bpt_status
store_ids(struct bpt_ctx *ctx, struct store *st, sqlite3_stmt *s,
    long long **ids, size_t *n, const char *what)
{
	long long *v = NULL, *nv;
	size_t alloc = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			if ((nv = realloc(v, alloc * sizeof(*v))) == NULL) {
				sqlite3_reset(s);
				free(v);
				*n = 0;
				return bpt_err(ctx, BPT_ENOMEM, "out of memory");
			}
			v = nv;
		}
		v[(*n)++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		free(v);
		*n = 0;
		return store_fail(ctx, st, rc, what);
	}
	*ids = v;
	return BPT_OK;
}

int
store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

char *
store_col_dup(sqlite3_stmt *s, int i, int *oom)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	char *d;

	if (t == NULL)
		return NULL;
	if ((d = strdup((const char *)t)) == NULL && oom != NULL)
		*oom = 1;
	return d;
}

const char *
store_col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

enum bpt_status
store_begin(struct bpt_ctx *ctx, struct store *st)
{
	int rc;

	if (st->in_tx)
		return bpt_err(ctx, BPT_EINTERNAL, "nested transaction");
	rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_fail(ctx, st, rc, "begin");
	st->in_tx = 1;
	return BPT_OK;
}

enum bpt_status
store_commit(struct bpt_ctx *ctx, struct store *st)
{
	int rc;

	if (bpt_fault("store-commit")) {
		store_rollback(st);
		return bpt_err(ctx, BPT_ENOSPC, "store '%s': disk full (test fault "
		    "store-commit)", st->path);
	}
	rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		enum bpt_status s = store_fail(ctx, st, rc, "commit");

		store_rollback(st);
		return s;
	}
	st->in_tx = 0;
	return BPT_OK;
}

void
store_rollback(struct store *st)
{
	if (st == NULL || st->db == NULL)
		return;
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->in_tx = 0;
}

enum bpt_status
store_enter(struct bpt_ctx *ctx, struct store *st, int *nested)
{
	int rc;

	*nested = st->in_tx;
	if (!*nested)
		return store_begin(ctx, st);
	rc = sqlite3_exec(st->db, "SAVEPOINT nested", NULL, NULL, NULL);
	return rc == SQLITE_OK ? BPT_OK : store_fail(ctx, st, rc, "savepoint");
}

enum bpt_status
store_leave(struct bpt_ctx *ctx, struct store *st, int nested)
{
	int rc;

	if (!nested)
		return store_commit(ctx, st);
	rc = sqlite3_exec(st->db, "RELEASE nested", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		store_undo(st, 1);
		return store_fail(ctx, st, rc, "release a savepoint");
	}
	return BPT_OK;
}

void
store_undo(struct store *st, int nested)
{
	if (!nested) {
		store_rollback(st);
		return;
	}
	if (st != NULL && st->db != NULL && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK TO nested; RELEASE nested", NULL,
		    NULL, NULL);
}

enum bpt_status
store_finish(struct bpt_ctx *ctx, struct store *st, int nested, int dry_run,
    enum bpt_status status)
{
	if (status != BPT_OK || dry_run) {
		store_undo(st, nested);
		return status;
	}
	return store_leave(ctx, st, nested);
}

enum bpt_status
store_set_sync(struct bpt_ctx *ctx, struct store *st, int level)
{
	return store_exec(ctx, st, level >= 2 ? "PRAGMA synchronous=FULL" :
	    "PRAGMA synchronous=NORMAL");
}

enum bpt_status
store_checkpoint(struct bpt_ctx *ctx, struct store *st)
{
	int rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    NULL, NULL);

	/* busy: another process is at it, or a reader holds old pages */
	if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY)
		return store_fail(ctx, st, rc, "checkpoint");
	return BPT_OK;
}

enum bpt_status
store_scrub(struct bpt_ctx *ctx, struct store *st)
{
	int rc, log = 0, done = 0;

	if (st->in_tx)
		return bpt_err(ctx, BPT_EINTERNAL, "scrub inside a transaction");
	rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	    &log, &done);
	if ((rc & 0xff) == SQLITE_BUSY)
		log_warnx("store '%s': another process holds the log open; its old "
		    "pages go at the next checkpoint", st->path);
	else if (rc != SQLITE_OK)
		return store_fail(ctx, st, rc, "checkpoint");
	return BPT_OK;
}

int
store_schema_version(struct store *st)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

static enum bpt_status
schema_newer(struct bpt_ctx *ctx, struct store *st, int v)
{
	return bpt_err(ctx, BPT_ESCHEMA, "store '%s' has schema version %d, "
	    "newer than this bpt %s understands (%d): upgrade bpt",
	    st->path, v, bpt_version(), NMIGRATIONS);
}

static enum bpt_status
store_migrate(struct bpt_ctx *ctx, struct store *st)
{
	enum bpt_status s;
	char sql[64];
	int v, i;

	v = store_schema_version(st);
	if (v < 0)
		return store_fail(ctx, st, sqlite3_errcode(st->db), "read schema version");
	if (v > NMIGRATIONS)
		return schema_newer(ctx, st, v);
	if (v == NMIGRATIONS)
		return BPT_OK;
	if ((s = store_begin(ctx, st)) != BPT_OK)
		return s;
	/*
	 * Re-read under the write lock: another process may have migrated,
	 * perhaps a newer bpt, whose version must not be written back down.
	 * A failed read is -1, which must not index the migrations.
	 */
	v = store_schema_version(st);
	if (v < 0)
		s = store_fail(ctx, st, sqlite3_errcode(st->db), "read schema version");
	else if (v > NMIGRATIONS)
		s = schema_newer(ctx, st, v);
	if (v < 0 || v >= NMIGRATIONS) {
		store_rollback(st);
		return s;
	}
	for (i = v; i < NMIGRATIONS; i++)
		if ((s = store_exec(ctx, st, store_migrations[i])) != BPT_OK) {
			store_rollback(st);
			return bpt_err_prefix(ctx, "migration to schema %d", i + 1);
		}
	snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", NMIGRATIONS);
	if ((s = store_exec(ctx, st, sql)) != BPT_OK) {
		store_rollback(st);
		return s;
	}
	return store_commit(ctx, st);
}

/* The folder must exist (made 0700 if not) and the file be 0600 before
 * SQLite sees it: it would create it with the umask's mode. */
static enum bpt_status
store_create_file(struct bpt_ctx *ctx, const char *path)
{
	struct buf dir = BUF_INIT;
	const char *slash = strrchr(path, '/');
	enum bpt_status s = BPT_OK;
	int fd, e;

	if (slash != NULL && slash != path) {
		buf_add(&dir, path, (size_t)(slash - path));
		if (buf_failed(&dir))
			return bpt_err(ctx, BPT_ENOMEM, "out of memory");
		if (access(dir.buf, F_OK) < 0 &&
		    (s = fio_mkdirs(ctx, dir.buf, 0700)) != BPT_OK)
			goto out;
	}
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		e = errno;
		if (e == EEXIST)
			goto out;
		s = bpt_err(ctx, bpt_errno_status(e) == BPT_ENOSPC ? BPT_ENOSPC :
		    BPT_ECREATE, "cannot create store '%s': %s", path, strerror(e));
		goto out;
	}
	if (close(fd) < 0)
		s = bpt_err(ctx, BPT_EIO, "cannot create store '%s': %s", path,
		    strerror(errno));
	else if (dir.len > 0)
		s = fio_fsync_dir(ctx, dir.buf);
out:
	buf_release(&dir);
	return s;
}

/*
 * The store holds every member's address and phone number, and its
 * writers decide who gets the group's mail: refuse a file that users
 * other than its owner and group may read or write, the store and the
 * -wal and -shm files beside it (SQLite gives those the mode of the
 * store).  The group is allowed: the mail server's pipe user and the
 * admins may share one.
 */
static enum bpt_status
store_check_mode(struct bpt_ctx *ctx, const char *path)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	struct buf name = BUF_INIT;
	enum bpt_status s = BPT_OK;
	struct stat sb;
	size_t i;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]) && s == BPT_OK; i++) {
		buf_reset(&name);
		buf_addf(&name, "%s%s", path, suffix[i]);
		if (buf_failed(&name))
			s = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		else if (stat(name.buf, &sb) < 0) {
			if (errno != ENOENT)
				s = bpt_err(ctx, BPT_EIO, "store '%s': %s", name.buf,
				    strerror(errno));
		} else if (sb.st_mode & S_IRWXO)
			s = bpt_err(ctx, BPT_ECONFIG, "store '%s' is %s by others "
			    "(mode %04o), and it holds the members' addresses and "
			    "phone numbers; chmod o-rwx it", name.buf,
			    (sb.st_mode & S_IROTH) && (sb.st_mode & S_IWOTH) ?
			    "readable and writable" : sb.st_mode & S_IWOTH ?
			    "writable" : sb.st_mode & S_IROTH ? "readable" :
			    "usable", (unsigned)(sb.st_mode & 07777));
	}
	buf_release(&name);
	return s;
}

enum bpt_status
store_open(struct bpt_ctx *ctx, const char *path, long busy_ms,
    struct store **out)
{
	struct store *st;
	enum bpt_status s;
	int rc;

	*out = NULL;
	if ((s = store_create_file(ctx, path)) != BPT_OK ||
	    (s = store_check_mode(ctx, path)) != BPT_OK)
		return s;
	st = calloc(1, sizeof(*st));
	if (st == NULL || (st->path = strdup(path)) == NULL) {
		free(st);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		s = store_fail(ctx, st, rc, "open");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	/*
	 * Every run of bpt-report is a new process.  By default the last
	 * connection to close checkpoints and deletes the WAL, and the next
	 * one creates it again: a checkpoint, a file and a folder sync on the
	 * path of every alert.  Keep the WAL, and leave checkpoints to the
	 * automatic ones and to bpt-send (store_checkpoint()).
	 */
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	{
		int on = 1;

		sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL, &on);
	}
	sqlite3_busy_timeout(st->db, busy_ms > 0 ? (int)busy_ms : 0);
	/* a small page cache: an alert to 10,000 members must not make
	   bpt-report a big process; the OS caches the file anyway */
	/* every query has its access path; a temporary index made by a
	   full scan of a large table is never the better plan */
	/* deleted and overwritten values are zeroed where they were, so a
	   purge or an erasure leaves no copy in free pages (see
	   store_scrub()); Debian builds SQLite with this on already */
	if ((s = store_exec(ctx, st, "PRAGMA foreign_keys=ON;"
	    "PRAGMA synchronous=FULL;" "PRAGMA cache_size=-" STORE_CACHE_KB ";"
	    "PRAGMA automatic_index=OFF;" "PRAGMA secure_delete=ON;")) != BPT_OK)
		goto fail;
	if ((s = store_exec(ctx, st, "PRAGMA journal_mode=WAL")) != BPT_OK)
		goto fail;
	if ((s = store_migrate(ctx, st)) != BPT_OK)
		goto fail;
	*out = st;
	return BPT_OK;
fail:
	store_close(st);
	return s;
}

void
store_close(struct store *st)
{
	size_t i;

	if (st == NULL)
		return;
	store_rollback(st);
	for (i = 0; i < st->nslot; i++)
		if (st->slots[i].sql != NULL)
			sqlite3_finalize(st->slots[i].stmt);
	free(st->slots);
	if (st->db)
		sqlite3_close(st->db);
	free(st->path);
	free(st);
}
