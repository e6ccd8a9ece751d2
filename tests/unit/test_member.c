/* test_member.c - phone numbers, CSV, the audit trail and members. */
#include "unit.h"

#include <ctype.h>

#include "audit.h"
#include "buf.h"
#include "csv.h"
#include "member.h"
#include "phone.h"
#include "store.h"

/* A fixed "now": 2027-01-15 08:00 UTC. */
#define NOW ((time_t)1800000000)
#define DAY ((time_t)86400)

struct fixture {
	struct bpt_ctx ctx;
	char *dir;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[512];

	assert_non_null(f);
	f->ctx = (struct bpt_ctx)BPT_CTX_INIT;
	f->dir = unit_tmpdir();
	snprintf(path, sizeof(path), "%s/bpt.db", f->dir);
	if (store_open(&f->ctx, path, 1000, &f->ctx.store) != BPT_OK)
		fail_msg("store_open: %s", f->ctx.errmsg);
	f->ctx.actor = strdup("tester@example.org");
	f->ctx.now = NOW;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->ctx.store);
	free(f->ctx.actor);
	unit_rmtree(f->dir);
	free(f);
	return 0;
}

static long long
count(struct bpt_ctx *ctx, const char *sql)
{
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	long long n;

	assert_non_null(s);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n;
}

static const char sql_members[] = "SELECT count(*) FROM members";
static const char sql_audit[] = "SELECT count(*) FROM audit";

/* --- phone ---------------------------------------------------------------- */

static void
test_phone_good(void **state)
{
	static const char *const good[] = {
		"06-12345678", "06 1234 5678", "+31 6 12345678", "0031612345678",
		"(06) 12345678", "+31 (0)6 12345678", "0612345678",
		"06 12 34 56 78", "+31-6-1234-5678", " 06.12.34.56.78 ",
		"+316 12345678", "+31 06 12345678", "06\xc2\xa0" "12345678",
	};
	struct bpt_ctx ctx = BPT_CTX_INIT;
	size_t i;
	char *out;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (phone_normalize(&ctx, good[i], &out) != BPT_OK)
			fail_msg("'%s' refused: %s", good[i], ctx.errmsg);
		assert_string_equal(out, "+31612345678");
		free(out);
	}
	assert_int_equal(phone_normalize(&ctx, "06-87654321", &out), BPT_OK);
	assert_string_equal(out, "+31687654321");
	free(out);
}

static void
test_phone_bad(void **state)
{
	static const struct {
		const char *in;
		const char *why;
	} bad[] = {
		{ "010-1234567", "not a mobile number" },	/* landline */
		{ "020 123 4567", "not a mobile number" },
		{ "+31 20 1234567", "not a mobile number" },
		{ "0800-1234", "not a mobile number" },	/* service */
		{ "06-1234567", "too short" },
		{ "06", "too short" },
		{ "06-123456789", "too long" },
		{ "0031 6 123456789", "too long" },
		{ "06-1234567a", "letters" },
		{ "O6-12345678", "letters" },
		{ "+32 470 12 34 56", "not a Dutch number" },
		{ "0044 7911 123456", "not a Dutch number" },
		{ "612345678", "write it as" },
		{ "06-66123456", "not mobile numbers" },	/* pager */
		{ "06-76123456", "not mobile numbers" },
		{ "", "no digits" },
		{ "+", "no digits" },
		{ "06+12345678", "'+'" },
		{ "((06)) 12345678", "nested" },
		{ "(06 12345678", "unbalanced" },
		{ "06) 12345678", "unbalanced" },
		{ "06#12345678", "unexpected character" },
		{ "061234567890123456789012", "too long" },
	};
	struct bpt_ctx ctx = BPT_CTX_INIT;
	size_t i;
	char *out;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (phone_normalize(&ctx, bad[i].in, &out) != BPT_EDATA)
			fail_msg("'%s' accepted as %s", bad[i].in, out);
		assert_null(out);
		if (strstr(ctx.errmsg, "bad phone '") == NULL ||
		    strstr(ctx.errmsg, bad[i].why) == NULL)
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].in,
			    ctx.errmsg, bad[i].why);
	}
}

/* --- csv ------------------------------------------------------------------ */

static FILE *
memfile(const char *text, size_t len)
{
	FILE *f = fmemopen((void *)text, len, "r");

	assert_non_null(f);
	return f;
}

static void
test_csv_read(void **state)
{
	static const char text[] = "\xef\xbb\xbf" "email,name\r\n"
	    "a@x.example,\"de Vries, Jan\"\r\n"
	    "\n"
	    "b@x.example,\"say \"\"hi\"\"\"\n"
	    "c@x.example,\"two\nlines\"\n"
	    "d@x.example,\n"
	    ",\"\"\n"
	    "e@x.example,last";
	struct bpt_ctx ctx = BPT_CTX_INIT;
	FILE *in = memfile(text, sizeof(text) - 1);
	struct csv c;
	int eof;

	(void)state;
	csv_init(&c, in, "t.csv");
	assert_int_equal(csv_next(&ctx, &c, &eof), BPT_OK);
	assert_false(eof);
	assert_int_equal(csv_nfields(&c), 2);
	assert_string_equal(csv_field(&c, 0), "email");	/* BOM gone */
	assert_int_equal(c.line, 1);
	assert_int_equal(csv_next(&ctx, &c, &eof), BPT_OK);
	assert_string_equal(csv_field(&c, 1), "de Vries, Jan");
	assert_int_equal(c.line, 2);
	assert_int_equal(csv_next(&ctx, &c, &eof), BPT_OK);
	assert_string_equal(csv_field(&c, 1), "say \"hi\"");
	assert_int_equal(c.line, 4);	/* the blank line 3 is skipped */
	assert_int_equal(csv_next(&ctx, &c, &eof), BPT_OK);
	assert_string_equal(csv_field(&c, 1), "two\nlines");
	assert_int_equal(c.line, 5);
	assert_int_equal(csv_next(&ctx, &c, &eof), BPT_OK);
	assert_int_equal(c.line, 7);
	assert_int_equal(csv_nfields(&c), 2);
	assert_string_equal(csv_field(&c, 1), "");
	assert_int_equal(csv_next(&ctx, &c, &eof), BPT_OK);
	assert_int_equal(csv_nfields(&c), 2);
	assert_string_equal(csv_field(&c, 0), "");
	assert_string_equal(csv_field(&c, 1), "");
	assert_int_equal(csv_next(&ctx, &c, &eof), BPT_OK);
	assert_string_equal(csv_field(&c, 1), "last");
	assert_int_equal(c.line, 9);
	assert_int_equal(csv_next(&ctx, &c, &eof), BPT_OK);
	assert_true(eof);
	csv_release(&c);
	fclose(in);
}

static void
test_csv_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{ "a,b\nc,\"open\nstill open\n", "t.csv:2: quoted field not closed" },
		{ "a,b\n\nc,\"x\"y\n", "t.csv:3: text after the closing quote" },
		{ "a,b\nc,d\ne,x\"y\n", "t.csv:3: quote inside an unquoted field" },
		{ "a,b\nc,d\0e\n", "t.csv:2: NUL byte" },
	};
	struct bpt_ctx ctx = BPT_CTX_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = strlen(bad[i].text);
		FILE *in;
		struct csv c;
		enum bpt_status st;
		int eof = 0;

		/* the NUL case: the text goes on after the NUL */
		if (strstr(bad[i].msg, "NUL") != NULL)
			len += 3;
		in = memfile(bad[i].text, len);
		csv_init(&c, in, "t.csv");
		while ((st = csv_next(&ctx, &c, &eof)) == BPT_OK && !eof)
			continue;
		assert_int_equal(st, BPT_EDATA);
		if (strstr(ctx.errmsg, bad[i].msg) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, ctx.errmsg, bad[i].msg);
		csv_release(&c);
		fclose(in);
	}
}

static void
test_csv_write_reads_back(void **state)
{
	static const char *const fields[] = { "plain", "with, comma",
	    "say \"hi\"", "two\nlines", "", " padded ", "+31612345678" };
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf b = BUF_INIT;
	size_t i, n = sizeof(fields) / sizeof(fields[0]);
	struct csv c;
	FILE *in;
	int eof;

	(void)state;
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addch(&b, ',');
		csv_add_field(&b, fields[i]);
	}
	buf_addch(&b, '\n');
	assert_string_equal(b.buf, "plain,\"with, comma\",\"say \"\"hi\"\"\","
	    "\"two\nlines\",,\" padded \",+31612345678\n");
	in = memfile(b.buf, b.len);
	csv_init(&c, in, "w.csv");
	assert_int_equal(csv_next(&ctx, &c, &eof), BPT_OK);
	assert_int_equal(csv_nfields(&c), n);
	for (i = 0; i < n; i++)
		assert_string_equal(csv_field(&c, i), fields[i]);
	csv_release(&c);
	fclose(in);
	buf_release(&b);
}

/* --- members -------------------------------------------------------------- */

static void
add_ok(struct bpt_ctx *ctx, const char *email, const char *name,
    const char *phone, const char *role, const char *expect_action)
{
	struct member_change ch = { 0 };
	struct member_report r;

	ch.name = name;
	ch.phone = phone;
	ch.role = role;
	if (member_add(ctx, email, &ch, &r) != BPT_OK)
		fail_msg("add %s: %s", email, ctx->errmsg);
	assert_string_equal(r.action, expect_action);
	member_report_release(&r);
}

static void
test_add_and_lookup(void **state)
{
	struct fixture *f = *state;
	struct bpt_ctx *ctx = &f->ctx;
	struct member_change ch = { 0 };
	struct member_report r;
	struct member m, t;
	char upper[32];
	size_t i;

	ch.name = "  Jan de Vries ";
	ch.phone = "06-12345678";
	ch.consent_version = "2024-1";
	assert_int_equal(member_add(ctx, "<Jan@Example.ORG>", &ch, &r), BPT_OK);
	assert_string_equal(r.action, "add");
	assert_string_equal(r.email, "Jan@example.org");
	assert_non_null(strstr(r.detail, "phone '+31612345678'"));
	member_report_release(&r);

	assert_int_equal(member_lookup(ctx, "JAN@EXAMPLE.ORG", &m), BPT_OK);
	assert_string_equal(m.email, "Jan@example.org");
	assert_string_equal(m.name, "Jan de Vries");
	assert_string_equal(m.phone, "+31612345678");
	assert_string_equal(m.role, "member");
	assert_string_equal(m.status, "active");
	assert_string_equal(m.consent_version, "2024-1");
	assert_string_equal(m.consent_via, "admin");
	assert_int_equal(m.consent_at, NOW);
	assert_int_equal(m.joined_at, NOW);
	assert_true(member_is_active(&m));
	/* "<id hex>-<12 hex>" */
	assert_non_null(strchr(m.token, '-'));
	assert_int_equal(strtoll(m.token, NULL, 16), m.id);
	assert_int_equal(strlen(strchr(m.token, '-') + 1), 12);
	assert_int_equal(strspn(m.token, "0123456789abcdef-"), strlen(m.token));
	for (i = 0; i <= strlen(m.token); i++)
		upper[i] = (char)toupper((unsigned char)m.token[i]);
	assert_int_equal(member_lookup_token(ctx, upper, &t), BPT_OK);
	assert_int_equal(t.id, m.id);
	member_release(&t);
	member_release(&m);

	/* a second add is refused, --update changes, nothing new is "none" */
	memset(&ch, 0, sizeof(ch));
	assert_int_equal(member_add(ctx, "jan@example.org", &ch, &r), BPT_EEXIST);
	assert_non_null(strstr(ctx->errmsg, "already a member"));
	member_report_release(&r);
	ch.update = 1;
	ch.name = "Jan";
	assert_int_equal(member_add(ctx, "jan@example.org", &ch, &r), BPT_OK);
	assert_string_equal(r.action, "update");
	assert_string_equal(r.detail, "name 'Jan de Vries' -> 'Jan'");
	member_report_release(&r);
	assert_int_equal(member_add(ctx, "jan@example.org", &ch, &r), BPT_OK);
	assert_string_equal(r.action, "none");
	member_report_release(&r);

	/* bad values change nothing */
	memset(&ch, 0, sizeof(ch));
	ch.phone = "010-1234567";
	assert_int_equal(member_add(ctx, "piet@example.org", &ch, &r), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "bad phone"));
	ch.phone = NULL;
	ch.role = "boss";
	assert_int_equal(member_add(ctx, "piet@example.org", &ch, &r), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "bad role"));
	ch.role = NULL;
	ch.name = "tab\there";
	assert_int_equal(member_add(ctx, "piet@example.org", &ch, &r), BPT_EDATA);
	ch.name = "bad \xff utf-8";
	assert_int_equal(member_add(ctx, "piet@example.org", &ch, &r), BPT_EDATA);
	ch.name = NULL;
	assert_int_equal(member_add(ctx, "piet@@example.org", &ch, &r), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "bad address"));
	assert_int_equal(count(ctx, sql_members), 1);

	/* lookups that find nothing */
	assert_int_equal(member_lookup(ctx, "nobody@example.org", &m), BPT_ENOENT);
	assert_int_equal(member_lookup(ctx, "not an address", &m), BPT_ENOENT);
	assert_int_equal(member_find(ctx, "not an address", &m), BPT_EDATA);
	assert_int_equal(member_find(ctx, "nobody@example.org", &m), BPT_ENOENT);
	assert_non_null(strstr(ctx->errmsg, "no member 'nobody@example.org'"));
	assert_int_equal(member_lookup_token(ctx, "0123456789abcdef", &m), BPT_ENOENT);
	assert_int_equal(member_lookup_token(ctx, "1-0123456789ab", &m), BPT_ENOENT);
	assert_int_equal(member_lookup_token(ctx, "-1-0123456789ab", &m), BPT_ENOENT);
	assert_int_equal(member_lookup_token(ctx, "", &m), BPT_ENOENT);
}

static void
test_set_and_phone_clear(void **state)
{
	struct fixture *f = *state;
	struct bpt_ctx *ctx = &f->ctx;
	struct member_change ch = { 0 };
	struct member_report r;
	struct member m;

	add_ok(ctx, "an@example.org", "An", "+31 6 12345678", NULL, "add");
	ch.phone = "";
	ch.role = "Coordinator";
	ch.consent_version = "v2";
	ch.consent_via = "mail";
	assert_int_equal(member_set(ctx, "AN@example.org", &ch, &r), BPT_OK);
	assert_string_equal(r.action, "update");
	member_report_release(&r);
	assert_int_equal(member_lookup(ctx, "an@example.org", &m), BPT_OK);
	assert_null(m.phone);
	assert_string_equal(m.role, "coordinator");
	assert_string_equal(m.consent_version, "v2");
	assert_string_equal(m.consent_via, "mail");
	member_release(&m);
	/* the same version again keeps the first date */
	ctx->now = NOW + DAY;
	memset(&ch, 0, sizeof(ch));
	ch.consent_version = "v2";
	assert_int_equal(member_set(ctx, "an@example.org", &ch, &r), BPT_OK);
	assert_string_equal(r.action, "none");
	member_report_release(&r);
	assert_int_equal(member_lookup(ctx, "an@example.org", &m), BPT_OK);
	assert_int_equal(m.consent_at, NOW);
	member_release(&m);
	assert_int_equal(member_set(ctx, "zz@example.org", &ch, &r), BPT_ENOENT);
}

static void
test_statuses(void **state)
{
	struct fixture *f = *state;
	struct bpt_ctx *ctx = &f->ctx;
	struct member_change ch = { 0 };
	struct member_report r;
	struct member m;

	add_ok(ctx, "kees@example.org", "Kees", NULL, NULL, "add");

	assert_int_equal(member_suspend(ctx, "kees@example.org", NULL, 0, 0, &r),
	    BPT_EUSAGE);
	assert_int_equal(member_suspend(ctx, "kees@example.org", "spam",
	    NOW - DAY, 0, &r), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "past"));
	assert_int_equal(member_suspend(ctx, "kees@example.org", "spam",
	    NOW + DAY, 0, &r), BPT_OK);
	assert_string_equal(r.action, "suspend");
	member_report_release(&r);
	assert_int_equal(member_lookup(ctx, "kees@example.org", &m), BPT_OK);
	assert_string_equal(m.status, "suspended");
	assert_string_equal(m.status_reason, "spam");
	assert_int_equal(m.status_until, NOW + DAY);
	member_release(&m);

	assert_int_equal(member_reinstate(ctx, "kees@example.org", 0, &r), BPT_OK);
	member_report_release(&r);
	assert_int_equal(member_reinstate(ctx, "kees@example.org", 0, &r), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "already active"));

	assert_int_equal(member_remove(ctx, "kees@example.org", "verhuisd", 0, &r),
	    BPT_OK);
	member_report_release(&r);
	assert_int_equal(member_remove(ctx, "kees@example.org", NULL, 0, &r),
	    BPT_EDATA);
	assert_int_equal(member_suspend(ctx, "kees@example.org", "x", 0, 0, &r),
	    BPT_EDATA);
	/* re-adding a removed member makes them active again */
	add_ok(ctx, "KEES@example.org", NULL, NULL, NULL, "readd");
	assert_int_equal(member_lookup(ctx, "kees@example.org", &m), BPT_OK);
	assert_string_equal(m.status, "active");
	assert_null(m.status_reason);
	member_release(&m);

	assert_int_equal(member_ban(ctx, "kees@example.org", NULL, 0, &r),
	    BPT_EUSAGE);
	assert_int_equal(member_ban(ctx, "kees@example.org", "bedreiging", 0, &r),
	    BPT_OK);
	member_report_release(&r);
	assert_int_equal(member_ban(ctx, "kees@example.org", "again", 0, &r),
	    BPT_EDATA);
	ch.update = 1;
	assert_int_equal(member_add(ctx, "kees@example.org", &ch, &r), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "banned"));
	assert_non_null(strstr(ctx->errmsg, "reinstate"));
	assert_int_equal(member_remove(ctx, "kees@example.org", NULL, 0, &r),
	    BPT_EDATA);
	assert_int_equal(member_reinstate(ctx, "kees@example.org", 0, &r), BPT_OK);
	member_report_release(&r);

	assert_int_equal(member_remove(ctx, "nobody@example.org", NULL, 0, &r),
	    BPT_ENOENT);
	/* add, suspend, reinstate, remove, readd, ban, reinstate */
	assert_int_equal(count(ctx, sql_audit), 7);
}

static void
test_dry_run_writes_nothing(void **state)
{
	struct fixture *f = *state;
	struct bpt_ctx *ctx = &f->ctx;
	struct member_change ch = { 0 };
	struct member_report r;
	struct member m;
	long long audit;

	ch.dry_run = 1;
	ch.name = "Els";
	assert_int_equal(member_add(ctx, "els@example.org", &ch, &r), BPT_OK);
	assert_string_equal(r.action, "add");
	member_report_release(&r);
	assert_int_equal(member_lookup(ctx, "els@example.org", &m), BPT_ENOENT);
	assert_int_equal(count(ctx, sql_audit), 0);

	add_ok(ctx, "els@example.org", "Els", NULL, NULL, "add");
	audit = count(ctx, sql_audit);
	assert_int_equal(member_ban(ctx, "els@example.org", "x", 1, &r), BPT_OK);
	assert_string_equal(r.action, "ban");
	member_report_release(&r);
	assert_int_equal(member_lookup(ctx, "els@example.org", &m), BPT_OK);
	assert_string_equal(m.status, "active");
	member_release(&m);
	assert_int_equal(count(ctx, sql_audit), audit);
	assert_false(store_in_tx(ctx->store));
}

static int
collect_email(void *arg, const struct member *m)
{
	struct buf *b = arg;

	buf_addf(b, "%s;", m->email);
	return 0;
}

static void
test_expire_and_admins(void **state)
{
	struct fixture *f = *state;
	struct bpt_ctx *ctx = &f->ctx;
	struct member_report r;
	struct member m;
	struct buf b = BUF_INIT;

	add_ok(ctx, "a1@example.org", NULL, NULL, "admin", "add");
	add_ok(ctx, "a2@example.org", NULL, NULL, "coordinator", "add");
	add_ok(ctx, "a3@example.org", NULL, NULL, "admin", "add");
	add_ok(ctx, "m1@example.org", NULL, NULL, NULL, "add");
	assert_int_equal(member_suspend(ctx, "a3@example.org", "vakantie",
	    NOW + 2 * DAY, 0, &r), BPT_OK);
	member_report_release(&r);
	assert_int_equal(member_suspend(ctx, "m1@example.org", "rust", 0, 0, &r),
	    BPT_OK);
	member_report_release(&r);

	assert_int_equal(member_each_admin(ctx, collect_email, &b), BPT_OK);
	assert_string_equal(buf_str(&b), "a1@example.org;a2@example.org;");
	buf_reset(&b);

	/* nothing due yet */
	assert_int_equal(member_expire_suspensions(ctx), BPT_OK);
	assert_int_equal(member_lookup(ctx, "a3@example.org", &m), BPT_OK);
	assert_string_equal(m.status, "suspended");
	member_release(&m);

	/* two days later the suspension has ended: an admin again */
	ctx->now = NOW + 2 * DAY;
	assert_int_equal(member_each_admin(ctx, collect_email, &b), BPT_OK);
	assert_string_equal(buf_str(&b), "a1@example.org;a2@example.org;"
	    "a3@example.org;");
	buf_reset(&b);
	assert_int_equal(member_expire_suspensions(ctx), BPT_OK);
	assert_int_equal(member_lookup(ctx, "a3@example.org", &m), BPT_OK);
	assert_string_equal(m.status, "active");
	assert_null(m.status_reason);
	assert_int_equal(m.status_until, 0);
	member_release(&m);
	/* a suspension without an end stays */
	assert_int_equal(member_lookup(ctx, "m1@example.org", &m), BPT_OK);
	assert_string_equal(m.status, "suspended");
	assert_false(member_is_active(&m));
	member_release(&m);
	{
		static const char sql[] = "SELECT count(*) FROM audit WHERE "
		    "actor = 'bpt' AND action = 'reinstate' AND member_email = "
		    "'a3@example.org'";

		assert_int_equal(count(ctx, sql), 1);
	}
	/* member_is_active() on its own: an ended suspension counts */
	memset(&m, 0, sizeof(m));
	m.status = "suspended";
	m.status_until = time(NULL) - 10;
	assert_true(member_is_active(&m));
	m.status_until = time(NULL) + 3600;
	assert_false(member_is_active(&m));
	m.status = "banned";
	assert_false(member_is_active(&m));

	/* filters */
	{
		struct member_filter flt = { "suspended", NULL, 0 };

		assert_int_equal(member_each(ctx, &flt, collect_email, &b), BPT_OK);
		assert_string_equal(buf_str(&b), "m1@example.org;");
		buf_reset(&b);
		flt.status = NULL;
		flt.role = "admin";
		assert_int_equal(member_each(ctx, &flt, collect_email, &b), BPT_OK);
		assert_string_equal(buf_str(&b), "a1@example.org;a3@example.org;");
		flt.role = "boss";
		assert_int_equal(member_each(ctx, &flt, collect_email, &b), BPT_EUSAGE);
	}
	buf_release(&b);
}

static enum bpt_status
import_text(struct bpt_ctx *ctx, const char *text, int update, int dry_run,
    struct member_import_result *res)
{
	struct member_import_opts o = { "leden.csv", NULL, update, dry_run };
	FILE *in = memfile(text, strlen(text));
	enum bpt_status st = member_import(ctx, in, &o, res);

	fclose(in);
	return st;
}

static void
test_import(void **state)
{
	struct fixture *f = *state;
	struct bpt_ctx *ctx = &f->ctx;
	struct member_import_result res;
	struct member_report r;
	struct member m;
	long long audit;

	assert_int_equal(import_text(ctx, "Email,Name,Phone,Role\n"
	    "a@example.org,\"de Vries, Anna\",06-12345678,\n"
	    "b@example.org,Bert,,admin\n"
	    "C@Example.org,\"Cor \"\"de Kapper\"\"\",+31 (0)6 2222 3333,member\n",
	    0, 0, &res), BPT_OK);
	assert_int_equal(res.records, 3);
	assert_int_equal(res.added, 3);
	assert_int_equal(count(ctx, sql_members), 3);
	assert_int_equal(member_lookup(ctx, "c@example.org", &m), BPT_OK);
	assert_string_equal(m.name, "Cor \"de Kapper\"");
	assert_string_equal(m.phone, "+31622223333");
	member_release(&m);
	assert_int_equal(member_lookup(ctx, "a@example.org", &m), BPT_OK);
	assert_string_equal(m.name, "de Vries, Anna");
	assert_string_equal(m.role, "member");
	member_release(&m);
	/* one row for the members it added, covering their ids */
	assert_int_equal(count(ctx, sql_audit), 1);
	{
		static const char sql[] = "SELECT count(*) FROM audit WHERE "
		    "action = 'import' AND member_id = 1 AND member_last = 3 AND "
		    "detail = 'leden.csv: 3 added, 0 re-added, 0 updated, 0 unchanged'";

		assert_int_equal(count(ctx, sql), 1);
	}
	audit = count(ctx, sql_audit);

	/* a bad phone on line 3: nothing imported, the line is named */
	assert_int_equal(import_text(ctx, "email,phone\n"
	    "d@example.org,06-11112222\n"
	    "e@example.org,010-1234567\n", 0, 0, &res), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "leden.csv:3: bad phone '010-1234567'"));
	assert_int_equal(count(ctx, sql_members), 3);
	assert_int_equal(count(ctx, sql_audit), audit);
	assert_false(store_in_tx(ctx->store));

	/* a name is one line; the line of a record is where it starts */
	assert_int_equal(import_text(ctx, "email,name\n"
	    "d@example.org,D\n"
	    "x@example.org,\"two\nlines\"\n", 0, 0, &res), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "leden.csv:3: bad name"));
	assert_int_equal(import_text(ctx, "email,name\n"
	    "d@example.org,\"de Vries,\n Dirk\"\n", 0, 0, &res), BPT_EDATA);
	assert_int_equal(import_text(ctx, "email,name\n"
	    "d@example.org,D\n"
	    "bad-address,x\n", 0, 0, &res), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "leden.csv:3: bad address "
	    "'bad-address'"));
	assert_int_equal(count(ctx, sql_members), 3);

	/* existing members need --update; the file is still all or nothing */
	assert_int_equal(import_text(ctx, "email,name\n"
	    "f@example.org,F\n"
	    "A@example.org,Anna\n", 0, 0, &res), BPT_EEXIST);
	assert_non_null(strstr(ctx->errmsg, "leden.csv:3: 'a@example.org' is "
	    "already a member"));
	assert_int_equal(count(ctx, sql_members), 3);

	/* an address twice in the file */
	assert_int_equal(import_text(ctx, "email\n"
	    "g@example.org\n"
	    "G@EXAMPLE.ORG\n", 0, 0, &res), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "leden.csv:3: 'g@example.org' "
	    "appears more than once"));

	/* header and shape errors */
	assert_int_equal(import_text(ctx, "email,naam,age\nh@example.org,H,3\n",
	    0, 0, &res), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "leden.csv:1: unknown column 'age'"));
	assert_int_equal(import_text(ctx, "name,phone\nH,\n", 0, 0, &res),
	    BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "no email column"));
	assert_int_equal(import_text(ctx, "email,name\nh@example.org\n", 0, 0,
	    &res), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "leden.csv:2: 1 fields, the header "
	    "has 2"));
	assert_int_equal(import_text(ctx, "", 0, 0, &res), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "empty file"));
	assert_int_equal(import_text(ctx, "email,role\nh@example.org,chef\n", 0, 0,
	    &res), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "leden.csv:2: bad role 'chef'"));
	assert_int_equal(count(ctx, sql_members), 3);

	/* --update: blank cells keep, removed members come back */
	assert_int_equal(member_remove(ctx, "b@example.org", NULL, 0, &r), BPT_OK);
	member_report_release(&r);
	assert_int_equal(import_text(ctx, "email,name,phone\n"
	    "a@example.org,Anna,\n"
	    "b@example.org,,\n"
	    "c@example.org,,\n"
	    "i@example.org,Ineke,0612121212\n", 1, 0, &res), BPT_OK);
	assert_int_equal(res.records, 4);
	assert_int_equal(res.added, 1);
	assert_int_equal(res.updated, 1);
	assert_int_equal(res.readded, 1);
	assert_int_equal(res.unchanged, 1);
	assert_int_equal(member_lookup(ctx, "a@example.org", &m), BPT_OK);
	assert_string_equal(m.name, "Anna");
	assert_string_equal(m.phone, "+31612345678");
	member_release(&m);
	assert_int_equal(member_lookup(ctx, "b@example.org", &m), BPT_OK);
	assert_string_equal(m.status, "active");
	assert_string_equal(m.role, "admin");
	member_release(&m);
	{
		/* changed members get rows of their own */
		static const char sql[] = "SELECT count(*) FROM audit WHERE "
		    "action IN ('readd', 'update') AND member_email IN "
		    "('a@example.org', 'b@example.org')";

		assert_int_equal(count(ctx, sql), 2);
	}
	/* the CHECKs are back on after the import */
	assert_int_not_equal(store_exec(ctx, ctx->store, "UPDATE members SET "
	    "role = 'boss' WHERE email = 'a@example.org'"), BPT_OK);

	/* a banned member stops the import */
	assert_int_equal(member_ban(ctx, "i@example.org", "x", 0, &r), BPT_OK);
	member_report_release(&r);
	assert_int_equal(import_text(ctx, "email\ni@example.org\n", 1, 0, &res),
	    BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "leden.csv:2: 'i@example.org' is "
	    "banned"));

	/* a dry run counts but writes nothing */
	audit = count(ctx, sql_audit);
	assert_int_equal(import_text(ctx, "email\nj@example.org\nk@example.org\n",
	    0, 1, &res), BPT_OK);
	assert_int_equal(res.added, 2);
	assert_int_equal(count(ctx, sql_members), 4);
	assert_int_equal(count(ctx, sql_audit), audit);
}

struct audit_seen {
	int n;
	char actions[256];
};

static int
audit_collect(void *arg, const struct audit_entry *e)
{
	struct audit_seen *s = arg;
	size_t len = strlen(s->actions);

	s->n++;
	snprintf(s->actions + len, sizeof(s->actions) - len, "%s%s:%s",
	    len ? " " : "", e->action, e->actor);
	return 0;
}

static void
test_audit_trail(void **state)
{
	struct fixture *f = *state;
	struct bpt_ctx *ctx = &f->ctx;
	struct audit_entry e = { 0 };
	struct audit_seen all = { 0 }, one = { 0 };
	struct member_report r;
	struct member m;

	add_ok(ctx, "p@example.org", "P", NULL, NULL, "add");
	add_ok(ctx, "q@example.org", "Q", NULL, NULL, "add");
	assert_int_equal(member_remove(ctx, "p@example.org", "weg", 0, &r), BPT_OK);
	member_report_release(&r);
	e.actor = "bpt";
	e.action = "note";
	e.detail = "by hand";
	assert_int_equal(audit_add(ctx, &e), BPT_OK);
	e.action = NULL;
	assert_int_equal(audit_add(ctx, &e), BPT_EUSAGE);

	assert_int_equal(audit_each(ctx, 0, audit_collect, &all), BPT_OK);
	assert_int_equal(all.n, 4);
	assert_string_equal(all.actions, "add:tester@example.org "
	    "add:tester@example.org remove:tester@example.org note:bpt");
	assert_int_equal(member_lookup(ctx, "p@example.org", &m), BPT_OK);
	assert_int_equal(audit_each(ctx, m.id, audit_collect, &one), BPT_OK);
	assert_int_equal(one.n, 2);
	assert_string_equal(one.actions, "add:tester@example.org "
	    "remove:tester@example.org");
	member_release(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_good),
		cmocka_unit_test(test_phone_bad),
		cmocka_unit_test(test_csv_read),
		cmocka_unit_test(test_csv_errors),
		cmocka_unit_test(test_csv_write_reads_back),
		cmocka_unit_test_setup_teardown(test_add_and_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_and_phone_clear, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_statuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dry_run_writes_nothing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_expire_and_admins, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_trail, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
