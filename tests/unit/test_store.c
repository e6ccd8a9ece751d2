/* test_store.c - creating, migrating, locking and refusing stores. */
#include "unit.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include "schema.h"
#include "store.h"

static void
test_create_mode_and_schema(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	char *dir = unit_tmpdir(), path[512];
	struct store *st;
	struct stat sb;
	sqlite3_stmt *s;
	static const char *const tables[] = { "members", "incidents", "messages",
	    "attachments", "outbox", "deliveries", "holds", "exports", "audit" };
	size_t i;

	(void)state;
	snprintf(path, sizeof(path), "%s/sub/dir/bpt.db", dir);
	assert_int_equal(store_open(&ctx, path, 1000, &st), BPT_OK);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		static const char sql[] = "SELECT count(*) FROM sqlite_master "
		    "WHERE type = 'table' AND name = ?";

		s = store_prepare(&ctx, st, sql);
		assert_non_null(s);
		sqlite3_bind_text(s, 1, tables[i], -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		if (sqlite3_column_int(s, 0) != 1)
			fail_msg("table %s missing", tables[i]);
		sqlite3_reset(s);
	}
	/* the audit trail refuses changes */
	assert_int_equal(store_exec(&ctx, st, "INSERT INTO audit(at, actor, action) "
	    "VALUES (1, 'a', 'test')"), BPT_OK);
	assert_int_not_equal(store_exec(&ctx, st, "DELETE FROM audit"), BPT_OK);
	assert_non_null(strstr(ctx.errmsg, "append-only"));
	store_close(st);
	/* reopening does not migrate again */
	assert_int_equal(store_open(&ctx, path, 1000, &st), BPT_OK);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	store_close(st);
	unit_rmtree(dir);
}

/* A store of schema 6 with a message and its attachment migrates: the
 * bytes as received are the same, now the last column of the row, and
 * nothing that refers to the message went. */
static void
test_raw_moves_last(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	char *dir = unit_tmpdir(), path[512];
	struct store *st;
	sqlite3 *db;
	sqlite3_stmt *s;
	int i;

	(void)state;
	snprintf(path, sizeof(path), "%s/bpt.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL),
	    SQLITE_OK);
	for (i = 0; i < 6; i++)
		if (sqlite3_exec(db, store_migrations[i], NULL, NULL, NULL) != SQLITE_OK)
			fail_msg("migration %d: %s", i + 1, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=6;"
	    "INSERT INTO messages(sha256, raw, size, received_at, class, body, "
	    "chain_hash) "
	    "VALUES ('abc', CAST(randomblob(300000) || x'0a4279650a' AS BLOB), "
	    "300005, 1, 'alert', 'Inbraak', 'c1');"
	    "INSERT INTO attachments(message_id, idx, content_type, size, sha256) "
	    "VALUES (1, 0, 'image/jpeg', 300000, 'def');"
	    "CREATE TABLE kept AS SELECT raw FROM messages", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(store_open(&ctx, path, 1000, &st), BPT_OK);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	s = store_prepare(&ctx, st, "SELECT group_concat(name, ' ') FROM "
	    "(SELECT name FROM pragma_table_info('messages') ORDER BY cid DESC "
	    "LIMIT 3)");
	assert_non_null(s);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0),
	    "raw body_shown body");
	sqlite3_reset(s);
	s = store_prepare(&ctx, st, "SELECT length(raw), substr(raw, 300001), class, "
	    "chain_hash || body, (SELECT count(*) FROM attachments WHERE message_id = 1), "
	    "raw = (SELECT raw FROM kept) "
	    "FROM messages WHERE id = 1");
	assert_non_null(s);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 300005);
	assert_int_equal(sqlite3_column_bytes(s, 1), 5);
	assert_memory_equal(sqlite3_column_blob(s, 1), "\nBye\n", 5);
	assert_string_equal((const char *)sqlite3_column_text(s, 2), "alert");
	assert_string_equal((const char *)sqlite3_column_text(s, 3), "c1Inbraak");
	assert_int_equal(sqlite3_column_int(s, 4), 1);
	assert_int_equal(sqlite3_column_int(s, 5), 1);
	sqlite3_reset(s);
	store_close(st);
	unit_rmtree(dir);
}

static void
test_newer_schema_refused(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	char *dir = unit_tmpdir(), path[512];
	struct store *st;

	(void)state;
	snprintf(path, sizeof(path), "%s/bpt.db", dir);
	assert_int_equal(store_open(&ctx, path, 1000, &st), BPT_OK);
	assert_int_equal(store_exec(&ctx, st, "PRAGMA user_version=999"), BPT_OK);
	store_close(st);
	assert_int_equal(store_open(&ctx, path, 1000, &st), BPT_ESCHEMA);
	assert_non_null(strstr(ctx.errmsg, "newer"));
	unit_rmtree(dir);
}

static void
test_locked_store_is_busy(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	char *dir = unit_tmpdir(), path[512];
	struct store *a, *b;
	int p[2];
	pid_t pid;
	char c;

	(void)state;
	snprintf(path, sizeof(path), "%s/bpt.db", dir);
	/* SQLite connections must not cross a fork: close before it */
	assert_int_equal(store_open(&ctx, path, 1000, &a), BPT_OK);
	store_close(a);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* another process holds the write lock */
		struct bpt_ctx cctx = BPT_CTX_INIT;
		struct store *cs;

		if (store_open(&cctx, path, 1000, &cs) != BPT_OK ||
		    store_begin(&cctx, cs) != BPT_OK)
			_exit(1);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		sleep(3);
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	if (store_open(&ctx, path, 200, &b) != BPT_OK)
		fail_msg("open: %s", ctx.errmsg);
	assert_int_equal(store_begin(&ctx, b), BPT_EBUSY);
	assert_non_null(strstr(ctx.errmsg, "locked"));
	store_close(b);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(p[0]);
	unit_rmtree(dir);
}

static void
test_unwritable_folder(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct store *st;

	(void)state;
	if (geteuid() == 0)
		assert_int_equal(store_open(&ctx, "/proc/bpt-cannot/bpt.db", 1000, &st),
		    BPT_ECREATE);
	else
		assert_int_equal(store_open(&ctx, "/bpt-cannot/bpt.db", 1000, &st),
		    BPT_ECREATE);
	assert_non_null(strstr(ctx.errmsg, "cannot create"));
}

/*
 * The statement cache has no fixed size: the modules may have any
 * number of statements.  It held 96, and the 97th failed at run time.
 */
static void
test_many_statements(void **state)
{
	/* SQL must outlive the store: static storage, as a literal's */
	static char sql[300][48];
	static sqlite3_stmt *first[300];
	struct bpt_ctx ctx = BPT_CTX_INIT;
	char *dir = unit_tmpdir(), path[512];
	struct store *st;
	sqlite3_stmt *s;
	int i, round;

	(void)state;
	snprintf(path, sizeof(path), "%s/bpt.db", dir);
	assert_int_equal(store_open(&ctx, path, 1000, &st), BPT_OK);
	for (i = 0; i < 300; i++)
		snprintf(sql[i], sizeof(sql[i]), "SELECT %d + ?", i);
	for (round = 0; round < 2; round++)
		for (i = 0; i < 300; i++) {
			if ((s = store_prepare(&ctx, st, sql[i])) == NULL)
				fail_msg("statement %d: %s", i, ctx.errmsg);
			/* the second time it is the one prepared the first */
			if (round == 0)
				first[i] = s;
			else
				assert_ptr_equal(s, first[i]);
			/* bindings cleared (the last round bound 1000): i + NULL */
			assert_int_equal(sqlite3_step(s), SQLITE_ROW);
			assert_int_equal(sqlite3_column_type(s, 0), SQLITE_NULL);
			assert_int_equal(sqlite3_reset(s), SQLITE_OK);
			assert_int_equal(sqlite3_bind_int(s, 1, 1000), SQLITE_OK);
			assert_int_equal(sqlite3_step(s), SQLITE_ROW);
			assert_int_equal(sqlite3_column_int(s, 0), 1000 + i);
		}
	assert_int_equal(store_cached_statements(st), 300);
	store_close(st);
	unit_rmtree(dir);
}

/* chmod path to mode, then store_open must refuse with expect. */
static void
expect_mode_refused(const char *store, const char *file, mode_t mode,
    const char *expect)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct store *st = (void *)1;

	assert_int_equal(chmod(file, mode), 0);
	if (store_open(&ctx, store, 1000, &st) != BPT_ECONFIG)
		fail_msg("%s at %04o: status %d '%s'", file, (unsigned)mode, ctx.err,
		    ctx.errmsg);
	assert_null(st);
	if (strstr(ctx.errmsg, expect) == NULL)
		fail_msg("'%s' lacks '%s'", ctx.errmsg, expect);
	assert_int_equal(chmod(file, 0600), 0);
}

/*
 * A store others may read or write is refused: it holds every member's
 * address and phone number.  Permissions for the group are allowed.
 */
static void
test_store_open_to_others(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	char *dir = unit_tmpdir(), path[512], wal[600], shm[600];
	struct store *st;

	(void)state;
	snprintf(path, sizeof(path), "%s/bpt.db", dir);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	snprintf(shm, sizeof(shm), "%s-shm", path);
	assert_int_equal(store_open(&ctx, path, 1000, &st), BPT_OK);
	store_close(st);
	/* the WAL is kept on close (store_open()); -shm with it */
	assert_int_equal(access(wal, F_OK), 0);
	assert_int_equal(access(shm, F_OK), 0);
	expect_mode_refused(path, path, 0644, "bpt.db' is readable by others "
	    "(mode 0644), and it holds the members' addresses and phone numbers; "
	    "chmod o-rwx it");
	expect_mode_refused(path, path, 0602, "bpt.db' is writable by others (mode 0602)");
	expect_mode_refused(path, path, 0606, "is readable and writable by others");
	expect_mode_refused(path, wal, 0604, "bpt.db-wal' is readable by others");
	expect_mode_refused(path, shm, 0666, "bpt.db-shm' is readable and writable");
	/* the group's permissions are the admin's choice */
	assert_int_equal(chmod(path, 0660), 0);
	assert_int_equal(chmod(wal, 0640), 0);
	if (store_open(&ctx, path, 1000, &st) != BPT_OK)
		fail_msg("group permissions refused: %s", ctx.errmsg);
	store_close(st);
	unit_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_mode_and_schema),
		cmocka_unit_test(test_raw_moves_last),
		cmocka_unit_test(test_newer_schema_refused),
		cmocka_unit_test(test_locked_store_is_busy),
		cmocka_unit_test(test_unwritable_folder),
		cmocka_unit_test(test_many_statements),
		cmocka_unit_test(test_store_open_to_others),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
