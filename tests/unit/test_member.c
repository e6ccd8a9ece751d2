/* test_member.c - phone numbers, the audit trail and members. */
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

static FILE *
memfile(const char *text, size_t len)
{
	FILE *f = fmemopen((void *)text, len, "r");

	assert_non_null(f);
	return f;
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
	struct member_import_opts o = { "leden.csv", NULL, update, dry_run,
	    0, NULL };
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

/* --- export and import of every field ------------------------------------- */

static int
csv_line(void *arg, const struct member *m)
{
	member_csv_row(arg, m, 0);
	return 0;
}

struct csv_out {
	struct buf *b;
	unsigned flags;
};

static int
csv_line_flags(void *arg, const struct member *m)
{
	struct csv_out *o = arg;

	member_csv_row(o->b, m, o->flags);
	return 0;
}

/* The CSV export of the store of ctx (all members) into b. */
static void
export_csv(struct bpt_ctx *ctx, struct buf *b, unsigned flags)
{
	struct csv_out o = { b, flags };

	buf_reset(b);
	member_csv_header(b, flags);
	assert_int_equal(member_each(ctx, NULL, flags ? csv_line_flags :
	    csv_line, flags ? (void *)&o : (void *)b), BPT_OK);
	assert_false(buf_failed(b));
}

static void
report_ok(enum bpt_status st, struct bpt_ctx *ctx, struct member_report *r)
{
	if (st != BPT_OK)
		fail_msg("%s", ctx->errmsg);
	member_report_release(r);
}

/* A store with a member of every status, consent and formula-like values. */
static void
fill_every_status(struct bpt_ctx *ctx)
{
	struct member_change ch = { 0 };
	struct member_report r;

	ch.name = "=1+1";
	ch.phone = "+31 6 12345678";
	ch.consent_version = "2024-1";
	ch.role = "admin";
	report_ok(member_add(ctx, "Active@Example.org", &ch, &r), ctx, &r);
	memset(&ch, 0, sizeof(ch));
	ch.name = "'t Hart";
	ch.consent_version = "2023-2";
	ch.consent_via = "mail";
	report_ok(member_add(ctx, "susp@example.org", &ch, &r), ctx, &r);
	ctx->now = NOW + DAY;
	report_ok(member_suspend(ctx, "susp@example.org", "te veel mail",
	    NOW + 30 * DAY, 0, &r), ctx, &r);
	memset(&ch, 0, sizeof(ch));
	ch.name = "''=x";
	report_ok(member_add(ctx, "open@example.org", &ch, &r), ctx, &r);
	report_ok(member_suspend(ctx, "open@example.org", "rust", 0, 0, &r), ctx,
	    &r);
	ctx->now = NOW + 2 * DAY;
	ch.name = "Bert \"de Bakker\", ; @home";
	report_ok(member_add(ctx, "banned@example.org", &ch, &r), ctx, &r);
	report_ok(member_ban(ctx, "banned@example.org", "bedreiging", 0, &r), ctx,
	    &r);
	ch.name = "-";
	report_ok(member_add(ctx, "removed@example.org", &ch, &r), ctx, &r);
	report_ok(member_remove(ctx, "removed@example.org", NULL, 0, &r), ctx, &r);
	/* pending: only a sign-up by mail makes one; here the store does */
	ch.name = "Nieuw";
	report_ok(member_add(ctx, "pending@example.org", &ch, &r), ctx, &r);
	assert_int_equal(store_exec(ctx, ctx->store, "UPDATE members SET "
	    "status = 'pending' WHERE email = 'pending@example.org'"), BPT_OK);
	ctx->now = NOW + 3 * DAY;
}

static void
test_export_import_round_trip(void **state)
{
	struct fixture *f = *state;
	struct bpt_ctx *ctx = &f->ctx, two = BPT_CTX_INIT;
	struct member_import_opts o = { "export.csv", NULL, 0, 0, 0, NULL };
	struct member_import_result res;
	struct buf one = BUF_INIT, back = BUF_INIT;
	struct member m;
	char path[512];
	unsigned flags;
	FILE *in;

	fill_every_status(ctx);
	snprintf(path, sizeof(path), "%s/two.db", f->dir);
	assert_int_equal(store_open(&two, path, 1000, &two.store), BPT_OK);
	two.actor = strdup("tester@example.org");
	two.now = NOW + 10 * DAY;
	for (flags = 0; flags <= MEMBER_CSV_EXCEL; flags++) {
		export_csv(ctx, &one, flags);
		in = memfile(one.buf, one.len);
		if (member_import(&two, in, &o, &res) != BPT_OK)
			fail_msg("import: %s", two.errmsg);
		fclose(in);
		assert_int_equal(res.added, 6);
		export_csv(&two, &back, flags);
		assert_string_equal(buf_str(&back), buf_str(&one));
		assert_int_equal(store_exec(&two, two.store, "DELETE FROM members"),
		    BPT_OK);
	}
	/* what the file says, in detail */
	export_csv(ctx, &one, 0);
	assert_non_null(strstr(buf_str(&one), "email,name,phone,role,status,"
	    "status_reason,status_until,status_at,consent_version,consent_at,"
	    "consent_via,joined_at\n"));
	assert_non_null(strstr(buf_str(&one), "\nActive@example.org,'=1+1,"
	    "'+31612345678,admin,active,,,2027-01-15T08:00:00Z,2024-1,"
	    "2027-01-15T08:00:00Z,admin,2027-01-15T08:00:00Z\n"));
	assert_non_null(strstr(buf_str(&one), "\nsusp@example.org,'t Hart,,"
	    "member,suspended,te veel mail,2027-02-14T08:00:00Z,"
	    "2027-01-16T08:00:00Z,2023-2,2027-01-15T08:00:00Z,mail,"
	    "2027-01-15T08:00:00Z\n"));
	assert_non_null(strstr(buf_str(&one), "\nbanned@example.org,\"Bert "
	    "\"\"de Bakker\"\", ; @home\",,member,banned,bedreiging,"));
	assert_non_null(strstr(buf_str(&one), "\nopen@example.org,'''=x,"));
	assert_non_null(strstr(buf_str(&one), "\nremoved@example.org,'-,"));
	/* Excel: a BOM, semicolons, CRLF */
	export_csv(ctx, &back, MEMBER_CSV_EXCEL);
	assert_memory_equal(back.buf, "\xef\xbb\xbf" "email;name;phone;", 20);
	assert_non_null(strstr(buf_str(&back), ";joined_at\r\n"
	    "Active@example.org;'=1+1;'+31612345678;admin;active;;;"));
	assert_non_null(strstr(buf_str(&back), "\r\nbanned@example.org;\"Bert "
	    "\"\"de Bakker\"\", ; @home\";;member;banned;bedreiging;"));

	/* once more, and every field of a member compared */
	in = memfile(one.buf, one.len);
	assert_int_equal(member_import(&two, in, &o, &res), BPT_OK);
	fclose(in);
	assert_int_equal(member_lookup(&two, "susp@example.org", &m), BPT_OK);
	assert_string_equal(m.name, "'t Hart");
	assert_string_equal(m.status, "suspended");
	assert_string_equal(m.status_reason, "te veel mail");
	assert_int_equal(m.status_until, NOW + 30 * DAY);
	assert_int_equal(m.status_at, NOW + DAY);
	assert_string_equal(m.consent_version, "2023-2");
	assert_int_equal(m.consent_at, NOW);
	assert_string_equal(m.consent_via, "mail");
	assert_int_equal(m.joined_at, NOW);
	member_release(&m);
	assert_int_equal(member_lookup(&two, "banned@example.org", &m), BPT_OK);
	assert_string_equal(m.status, "banned");
	assert_string_equal(m.name, "Bert \"de Bakker\", ; @home");
	member_release(&m);
	assert_int_equal(member_lookup(&two, "Active@example.org", &m), BPT_OK);
	assert_string_equal(m.name, "=1+1");
	assert_string_equal(m.phone, "+31612345678");
	member_release(&m);

	buf_release(&one);
	buf_release(&back);
	unit_ctx_release(&two);
}

/* Times in the file: as export writes them, with an offset, or local. */
static void
test_import_times(void **state)
{
	struct fixture *f = *state;
	struct bpt_ctx *ctx = &f->ctx;
	struct member_import_result res;
	struct member m;

	assert_int_equal(import_text(ctx, "email,status,status_reason,"
	    "status_until,joined_at,consent_version,consent_at\n"
	    "a@example.org,suspended,x,2027-02-01T10:00:00+01:00,"
	    "2020-05-01T12:00:00Z,v1,2021-01-01T00:00:00-02:30\n", 0, 0, &res),
	    BPT_OK);
	assert_int_equal(member_lookup(ctx, "a@example.org", &m), BPT_OK);
	assert_int_equal(m.status_until, 1801472400);	/* 09:00 UTC */
	assert_int_equal(m.joined_at, 1588334400);
	assert_int_equal(m.consent_at, 1609468200);	/* 02:30 UTC */
	assert_string_equal(m.consent_via, "import");
	member_release(&m);
	assert_int_equal(import_text(ctx, "email,joined_at\n"
	    "b@example.org,1-5-2020\n", 0, 0, &res), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "leden.csv:2: bad joined_at "
	    "'1-5-2020'"));
	assert_int_equal(import_text(ctx, "email,joined_at\n"
	    "b@example.org,2020-05-01T12:00:00+1\n", 0, 0, &res), BPT_EDATA);
}

/* Statuses in a file never change a member already there by surprise. */
static void
test_import_status_rules(void **state)
{
	static const char lift[] = "email,status\nban@example.org,active\n";
	struct fixture *f = *state;
	struct bpt_ctx *ctx = &f->ctx;
	struct member_import_result res;
	struct member_import_opts o = { "leden.csv", NULL, 1, 0, 1, "excuses" };
	struct member_report r;
	struct member m;
	long long audit;
	FILE *in;

	add_ok(ctx, "act@example.org", "Act", NULL, NULL, "add");
	add_ok(ctx, "rem@example.org", "Rem", NULL, NULL, "add");
	add_ok(ctx, "ban@example.org", "Ban", NULL, NULL, "add");
	report_ok(member_remove(ctx, "rem@example.org", "verhuisd", 0, &r), ctx,
	    &r);
	report_ok(member_ban(ctx, "ban@example.org", "bedreiging", 0, &r), ctx,
	    &r);
	audit = count(ctx, sql_audit);

	/* a status that differs is an error, with or without update */
	assert_int_equal(import_text(ctx, "email,status\n"
	    "rem@example.org,active\n", 1, 0, &res), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "leden.csv:2: 'rem@example.org' is "
	    "removed in the store, not active"));
	assert_int_equal(import_text(ctx, "email,status,status_reason\n"
	    "act@example.org,banned,x\n", 1, 0, &res), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "is active in the store, not banned"));
	assert_int_equal(import_text(ctx, "email,status\n"
	    "ban@example.org,removed\n", 1, 0, &res), BPT_EDATA);
	/* a banned member: refused, named, nothing imported */
	assert_int_equal(import_text(ctx, "email,name\n"
	    "new@example.org,New\n"
	    "ban@example.org,Ban\n", 1, 0, &res), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "leden.csv:3: 'ban@example.org' is "
	    "banned (bedreiging)"));
	assert_non_null(strstr(ctx->errmsg, "--force"));
	assert_int_equal(import_text(ctx, lift, 1, 0, &res), BPT_EDATA);
	assert_int_equal(member_lookup(ctx, "new@example.org", &m), BPT_ENOENT);
	assert_int_equal(count(ctx, sql_audit), audit);

	/* the same status: update changes the rest, also the reason */
	assert_int_equal(import_text(ctx, "email,name,status,status_reason\n"
	    "ban@example.org,B.,banned,bedreiging en schelden\n"
	    "rem@example.org,,removed,\n", 1, 0, &res), BPT_OK);
	assert_int_equal(res.updated, 1);
	assert_int_equal(res.unchanged, 1);
	assert_int_equal(member_lookup(ctx, "ban@example.org", &m), BPT_OK);
	assert_string_equal(m.status, "banned");
	assert_string_equal(m.name, "B.");
	assert_string_equal(m.status_reason, "bedreiging en schelden");
	member_release(&m);
	/* without update that is an existing member */
	assert_int_equal(import_text(ctx, "email,status\n"
	    "ban@example.org,banned\n", 0, 0, &res), BPT_EEXIST);

	/* with force and a reason the ban is lifted, one row in the trail */
	audit = count(ctx, sql_audit);
	in = memfile(lift, strlen(lift));
	assert_int_equal(member_import(ctx, in, &o, &res), BPT_OK);
	fclose(in);
	assert_int_equal(res.readded, 1);
	assert_int_equal(member_lookup(ctx, "ban@example.org", &m), BPT_OK);
	assert_string_equal(m.status, "active");
	assert_null(m.status_reason);
	member_release(&m);
	{
		static const char sql[] = "SELECT count(*) FROM audit WHERE "
		    "action = 'force-add' AND actor = 'tester@example.org' AND "
		    "reason = 'excuses' AND member_email = 'ban@example.org' AND "
		    "detail LIKE 'status ''banned'' -> ''active''%'";

		assert_int_equal(count(ctx, sql), 1);
	}
	assert_int_equal(count(ctx, sql_audit), audit + 2);	/* and import */

	/* an empty status re-adds a removed member, as add does */
	assert_int_equal(import_text(ctx, "email,status\nrem@example.org,\n", 0, 0,
	    &res), BPT_OK);
	assert_int_equal(res.readded, 1);

	/* cells that go with a status */
	assert_int_equal(import_text(ctx, "email,status,status_reason\n"
	    "x@example.org,active,waarom\n", 0, 0, &res), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "status_reason needs a status"));
	assert_int_equal(import_text(ctx, "email,status,status_until\n"
	    "x@example.org,banned,2099-01-01\n", 0, 0, &res), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "the status must be suspended"));
	assert_int_equal(import_text(ctx, "email,status_at\n"
	    "x@example.org,2020-01-01\n", 0, 0, &res), BPT_EDATA);
	assert_int_equal(import_text(ctx, "email,consent_via\n"
	    "x@example.org,mail\n", 0, 0, &res), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "need a consent_version"));
	assert_int_equal(import_text(ctx, "email,consent_version,consent_via\n"
	    "x@example.org,v1,fax\n", 0, 0, &res), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "bad consent_via 'fax'"));
	assert_int_equal(import_text(ctx, "email,status\n"
	    "x@example.org,sleeping\n", 0, 0, &res), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "leden.csv:2: bad status 'sleeping'"));
}

/* add --force: a banned address again, with a reason in the trail. */
static void
test_add_banned_force(void **state)
{
	struct fixture *f = *state;
	struct bpt_ctx *ctx = &f->ctx;
	struct member_change ch = { 0 };
	struct member_report r;
	struct member m;
	long long audit;

	add_ok(ctx, "kees@example.org", "Kees", NULL, NULL, "add");
	report_ok(member_ban(ctx, "kees@example.org", "bedreiging", 0, &r), ctx,
	    &r);
	audit = count(ctx, sql_audit);
	assert_int_equal(member_add(ctx, "kees@example.org", &ch, &r), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "'kees@example.org' is banned "
	    "(bedreiging)"));
	ch.force = 1;
	assert_int_equal(member_add(ctx, "kees@example.org", &ch, &r), BPT_EUSAGE);
	ch.reason = "excuses aangeboden";
	ch.dry_run = 1;
	assert_int_equal(member_add(ctx, "kees@example.org", &ch, &r), BPT_OK);
	assert_string_equal(r.action, "force-add");
	member_report_release(&r);
	assert_int_equal(count(ctx, sql_audit), audit);
	ch.dry_run = 0;
	ch.name = "Kees B.";
	assert_int_equal(member_add(ctx, "kees@example.org", &ch, &r), BPT_OK);
	assert_string_equal(r.action, "force-add");
	assert_string_equal(r.detail, "name 'Kees' -> 'Kees B.', status 'banned' "
	    "-> 'active', reason 'bedreiging' -> ''");
	member_report_release(&r);
	assert_int_equal(member_lookup(ctx, "kees@example.org", &m), BPT_OK);
	assert_string_equal(m.status, "active");
	member_release(&m);
	{
		static const char sql[] = "SELECT count(*) FROM audit WHERE "
		    "action = 'force-add' AND actor = 'tester@example.org' AND "
		    "reason = 'excuses aangeboden'";

		assert_int_equal(count(ctx, sql), 1);
	}
	/* --force on a member that is not banned forces nothing */
	ch.name = NULL;
	assert_int_equal(member_add(ctx, "kees@example.org", &ch, &r), BPT_EEXIST);
}

/* Names that would show as something else in a copy's From. */
static void
test_names_bidi_refused(void **state)
{
	static const char *const bad[] = {
		"Jan \xe2\x80\xae" "nimda",	/* U+202E RLO */
		"\xe2\x80\xaa" "Jan",		/* U+202A LRE */
		"Jan\xe2\x80\xac",		/* U+202C PDF */
		"Jan \xe2\x81\xa6x\xe2\x81\xa9",	/* U+2066 LRI, U+2069 PDI */
		"Jan\xe2\x81\xa8",		/* U+2068 FSI */
		"Jan\xe2\x80\xa8" "Bcc",	/* U+2028 LINE SEPARATOR */
		"Jan\xe2\x80\xa9",		/* U+2029 */
		"Jan\xe2\x80\x8f",		/* U+200F RLM */
		"Jan\xe2\x80\x8e",		/* U+200E LRM */
		"Jan\xd8\x9c",			/* U+061C ALM */
		"Jan\xc2\x85",			/* U+0085 NEL, a C1 control */
		"Jan\x1b[2J",			/* ESC */
	};
	static const char *const good[] = {
		"\xd8\xb9\xd9\x84\xd9\x8a",	/* Arabic: Ali */
		"\xd7\xa9\xd7\xa8\xd7\x94 Cohen",	/* Hebrew and Latin */
		"Zo\xc3\xab \xe2\x80\x8d" "x",	/* U+200D ZWJ: scripts need it */
		"Jan \xe2\x80\xaf" "de Vries",	/* U+202F narrow no-break space */
	};
	struct fixture *f = *state;
	struct bpt_ctx *ctx = &f->ctx;
	struct member_change ch = { 0 };
	struct member_import_result res;
	struct member_report r;
	struct buf csv = BUF_INIT;
	size_t i;

	add_ok(ctx, "jan@example.org", "Jan", NULL, NULL, "add");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ch.name = bad[i];
		if (member_add(ctx, "new@example.org", &ch, &r) != BPT_EDATA)
			fail_msg("add: name %zu accepted", i);
		if (strstr(ctx->errmsg, "bad name: U+") == NULL)
			fail_msg("name %zu: '%s'", i, ctx->errmsg);
		if (member_set(ctx, "jan@example.org", &ch, &r) != BPT_EDATA)
			fail_msg("set: name %zu accepted", i);
		buf_reset(&csv);
		buf_adds(&csv, "email,name\nnew@example.org,");
		csv_add_field(&csv, bad[i]);
		buf_addch(&csv, '\n');
		if (import_text(ctx, buf_str(&csv), 0, 0, &res) != BPT_EDATA)
			fail_msg("import: name %zu accepted", i);
		if (strstr(ctx->errmsg, "leden.csv:2: bad name: U+") == NULL)
			fail_msg("import %zu: '%s'", i, ctx->errmsg);
	}
	assert_non_null(strstr(ctx->errmsg, "U+001B (byte 4) is a control"));
	ch.name = bad[0];
	assert_int_equal(member_add(ctx, "new@example.org", &ch, &r), BPT_EDATA);
	assert_string_equal(ctx->errmsg, "bad name: U+202E (byte 5) is a "
	    "character that changes the direction of text");
	ch.name = bad[7];
	assert_int_equal(member_add(ctx, "new@example.org", &ch, &r), BPT_EDATA);
	assert_non_null(strstr(ctx->errmsg, "invisible direction mark"));
	/* the same rule for reasons */
	assert_int_equal(member_suspend(ctx, "jan@example.org", bad[0], 0, 0, &r),
	    BPT_EDATA);
	assert_int_equal(count(ctx, sql_members), 1);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ch.name = good[i];
		if (member_set(ctx, "jan@example.org", &ch, &r) != BPT_OK)
			fail_msg("name %zu refused: %s", i, ctx->errmsg);
		member_report_release(&r);
	}
	buf_release(&csv);
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
		cmocka_unit_test_setup_teardown(test_export_import_round_trip,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_times, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_status_rules, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_add_banned_force, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_names_bidi_refused, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
