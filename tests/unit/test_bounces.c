/* test_bounces.c - bounces count only with proof; probes before suspensions. */
#include "unit.h"

#include "bounces.h"
#include "config.h"
#include "ingest.h"
#include "member.h"
#include "store.h"

/* 2027-01-15 08:00 UTC, and days after it */
#define NOW ((time_t)1800000000)
#define DAY ((time_t)86400)

#define PIET "piet@bewoners.example"
#define ANNA "anna@bewoners.example"

struct fixture {
	struct bpt_ctx ctx;
	struct bpt_config *plain, *verp;	/* delivery.verp off, on */
	char *dir;
	char msgid[256];	/* of the alert every member got */
};

static struct bpt_config *
config(struct fixture *f, const char *extra)
{
	struct bpt_config *cfg = NULL;
	struct buf b = BUF_INIT;

	buf_addf(&b, "group:\n  name: BPT Testbuurt\n  address: bpt@bars.example\n"
	    "store: %s/bpt.db\ndelivery:\n  transport: maildir\n"
	    "  maildir: %s/outbox\n  bounce_limit: 3\n  bounce_window: 10d\n%s",
	    f->dir, f->dir, extra);
	assert_false(buf_failed(&b));
	if (cfg_load_string(&f->ctx, "test", b.buf, b.len, &cfg) != BPT_OK)
		fail_msg("config: %s", f->ctx.errmsg);
	buf_release(&b);
	return cfg;
}

static void
add(struct fixture *f, const char *email, const char *name, const char *role)
{
	struct member_change ch = { 0 };
	struct member_report r = { 0 };

	ch.name = name;
	ch.role = role;
	if (member_add(&f->ctx, email, &ch, &r) != BPT_OK)
		fail_msg("member_add: %s", f->ctx.errmsg);
	member_report_release(&r);
}

static long long
num(struct fixture *f, const char *sql, const char *arg)
{
	sqlite3_stmt *s = store_prepare(&f->ctx, f->ctx.store, sql);
	long long n;

	assert_non_null(s);
	if (arg != NULL)
		sqlite3_bind_text(s, 1, arg, -1, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n;
}

static void
text(struct fixture *f, const char *sql, const char *arg, char *out, size_t n)
{
	sqlite3_stmt *s = store_prepare(&f->ctx, f->ctx.store, sql);

	assert_non_null(s);
	if (arg != NULL)
		sqlite3_bind_text(s, 1, arg, -1, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	snprintf(out, n, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
}

static const char sql_status[] = "SELECT status = 'active' FROM members WHERE email = ?";
static const char sql_counted[] = "SELECT coalesce(sum(counted), 0) FROM bounces "
    "WHERE rcpt = ?";
static const char sql_probes[] = "SELECT count(*) FROM probes WHERE rcpt = ?";

/* An alert by Jan at t, delivered to every member's Maildir; its
 * Message-ID into msgid. */
static void
alert(struct fixture *f, time_t t, const char *id, char *msgid, size_t n)
{
	static const char sql[] = "SELECT msgid FROM outbox WHERE kind = 'alert' "
	    "ORDER BY id DESC LIMIT 1";
	struct ingest_opts o = { 0 };
	struct ingest_result r;
	struct buf b = BUF_INIT;

	buf_addf(&b, "From: jan@bewoners.example\nTo: bpt@bars.example\n"
	    "Subject: verdacht\nMessage-ID: <%s@x>\n\nEen man kijkt in auto's.\n",
	    id);
	assert_false(buf_failed(&b));
	f->ctx.now = t;
	o.deliver = 1;
	if (ingest_message(&f->ctx, b.buf, b.len, &o, &r) != BPT_OK ||
	    ingest_deliver(&f->ctx, &r) != BPT_OK)
		fail_msg("ingest: %s", f->ctx.errmsg);
	assert_true(r.sent.sent >= 2);
	text(f, sql, NULL, msgid, n);
	buf_release(&b);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[512];

	assert_non_null(f);
	f->ctx = (struct bpt_ctx)BPT_CTX_INIT;
	f->dir = unit_tmpdir();
	f->plain = config(f, "");
	f->verp = config(f, "  verp: true\n");
	f->ctx.cfg = f->plain;
	snprintf(path, sizeof(path), "%s/bpt.db", f->dir);
	if (store_open(&f->ctx, path, 1000, &f->ctx.store) != BPT_OK)
		fail_msg("store_open: %s", f->ctx.errmsg);
	f->ctx.actor = strdup("tester@example.org");
	f->ctx.now = NOW;
	add(f, "jan@bewoners.example", "Jan", "admin");
	add(f, PIET, "Piet Bakker", NULL);
	add(f, ANNA, "Anna", NULL);
	alert(f, NOW, "a1", f->msgid, sizeof(f->msgid));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	f->ctx.cfg = NULL;
	cfg_free(f->plain);
	cfg_free(f->verp);
	unit_ctx_release(&f->ctx);
	unit_rmtree(f->dir);
	free(f);
	return 0;
}

/*
 * A relay's report at time t that rcpt failed for good (5.1.1), sent
 * to env_to (NULL: the plain bounce address), returning Message-ID
 * msgid (NULL: none).  Returns what bounces_record() did.
 */
static struct bounces_result
report(struct fixture *f, time_t t, const char *rcpt, const char *msgid,
    const char *env_to)
{
	struct bounces_result res;
	struct mail *m = NULL;
	struct buf b = BUF_INIT;

	buf_addf(&b, "From: MAILER-DAEMON@relay.example\n"
	    "To: bpt-bounces@bars.example\nSubject: Undelivered Mail\n"
	    "MIME-Version: 1.0\nContent-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"b\"\n\n"
	    "--b\nContent-Type: text/plain\n\nThe mail system\n\n"
	    "--b\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; relay.example\n\n"
	    "Final-Recipient: rfc822; %s\nAction: failed\nStatus: 5.1.1\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 user unknown\n\n"
	    "--b\nContent-Type: text/rfc822-headers\n\n"
	    "From: BPT Testbuurt <bpt@bars.example>\nSubject: x\n", rcpt);
	if (msgid != NULL)
		buf_addf(&b, "Message-ID: <%s>\n", msgid);
	buf_adds(&b, "\n--b--\n");
	assert_false(buf_failed(&b));
	assert_int_equal(mail_parse(&f->ctx, b.buf, b.len, NULL, &m), BPT_OK);
	f->ctx.now = t;
	assert_int_equal(store_begin(&f->ctx, f->ctx.store), BPT_OK);
	if (bounces_record(&f->ctx, m, env_to, 0, NULL, &res) != BPT_OK)
		fail_msg("bounces_record: %s", f->ctx.errmsg);
	assert_int_equal(store_commit(&f->ctx, f->ctx.store), BPT_OK);
	mail_free(m);
	buf_release(&b);
	return res;
}

/* Five forged reports a day apart: no token, no Message-ID or one of
 * no copy to that address; with a member's address or a stranger's. */
static void
test_forged_reports_count_nothing(void **state)
{
	struct fixture *f = *state;
	struct bounces_result r;
	int d;

	add(f, "laat@bewoners.example", "Laat", NULL);	/* after the alert */
	for (d = 1; d <= 5; d++) {
		r = report(f, NOW + d * DAY, PIET, NULL, NULL);
		assert_int_equal(r.recipients, 1);
		assert_int_equal(r.verified + r.counted + r.probes + r.suspended, 0);
		r = report(f, NOW + d * DAY + 1, PIET,
		    "bpt.1.1800000000.000000000000000000000000@bars.example", NULL);
		assert_int_equal(r.verified + r.counted, 0);
		r = report(f, NOW + d * DAY + 2, "laat@bewoners.example", f->msgid,
		    NULL);
		assert_int_equal(r.verified + r.counted, 0);
		r = report(f, NOW + d * DAY + 3, "vreemd@elders.example", f->msgid,
		    NULL);
		assert_int_equal(r.verified + r.counted, 0);
		/* a token nobody has */
		r = report(f, NOW + d * DAY + 4, PIET, NULL,
		    "bpt-bounces+2-0123456789ab@bars.example");
		assert_int_equal(r.verified + r.counted, 0);
	}
	assert_int_equal(num(f, "SELECT count(*) FROM bounces WHERE verified = 0 "
	    "AND counted = 0 AND why IS NOT NULL", NULL), 25);
	assert_int_equal(num(f, sql_status, PIET), 1);
	assert_int_equal(num(f, sql_probes, PIET), 0);
}

/* The returned Message-ID of a real copy counts, once a day; not after
 * delivery.bounce_window. */
static void
test_real_copy_counts_once_a_day(void **state)
{
	struct fixture *f = *state;
	struct bounces_result r;
	int i;

	for (i = 0; i < 5; i++) {
		r = report(f, NOW + 60 + 10 * i, PIET, f->msgid, NULL);
		assert_int_equal(r.verified, 1);
		assert_int_equal(r.counted, i == 0);
	}
	assert_int_equal(num(f, sql_counted, PIET), 1);
	r = report(f, NOW + DAY + 61, PIET, f->msgid, NULL);
	assert_int_equal(r.counted, 1);
	/* the copy is now older than the window */
	r = report(f, NOW + 10 * DAY + 1, PIET, f->msgid, NULL);
	assert_int_equal(r.verified + r.counted, 0);
	assert_int_equal(num(f, sql_counted, PIET), 2);
	assert_int_equal(num(f, sql_status, PIET), 1);
}

/* With verp, only the member's token proves anything. */
static void
test_verp_needs_the_token(void **state)
{
	struct fixture *f = *state;
	struct bounces_result r;
	char tok[64], addr[128];

	f->ctx.cfg = f->verp;
	r = report(f, NOW + 60, PIET, f->msgid, NULL);
	assert_int_equal(r.verified + r.counted, 0);
	text(f, "SELECT token FROM members WHERE email = ?", PIET, tok, sizeof(tok));
	snprintf(addr, sizeof(addr), "bpt-bounces+%s@bars.example", tok);
	r = report(f, NOW + 120, PIET, NULL, addr);
	assert_int_equal(r.verified, 1);
	assert_int_equal(r.counted, 1);
	f->ctx.cfg = f->plain;
}

/* The limit sends a probe with a token of its own; its bounce suspends. */
static void
test_probe_bounce_suspends(void **state)
{
	struct fixture *f = *state;
	struct bounces_result r;
	char tok[64], addr[128], env[128];
	int d;

	for (d = 0; d < 3; d++) {
		r = report(f, NOW + d * DAY + 60, ANNA, f->msgid, NULL);
		assert_int_equal(r.counted, 1);
		assert_int_equal(r.probes, d == 2);
	}
	assert_int_equal(num(f, sql_status, ANNA), 1);
	assert_int_equal(num(f, sql_probes, ANNA), 1);
	text(f, "SELECT token FROM probes WHERE rcpt = ?", ANNA, tok, sizeof(tok));
	assert_true(tok[0] == 'p' && strlen(tok) == 21);
	snprintf(addr, sizeof(addr), "bpt-bounces+%s@bars.example", tok);
	/* the probe went with that sender, and the admins were told */
	text(f, "SELECT o.env_from FROM outbox o JOIN probes p ON p.msgid = o.msgid "
	    "WHERE p.rcpt = ?", ANNA, env, sizeof(env));
	assert_string_equal(env, addr);
	assert_int_equal(num(f, "SELECT count(*) FROM outbox WHERE kind = 'admin' "
	    "AND CAST(content AS TEXT) LIKE '%Mail aan Anna komt terug%'", NULL), 1);
	/* more bounces send no second probe */
	r = report(f, NOW + 3 * DAY + 60, ANNA, f->msgid, NULL);
	assert_int_equal(r.probes, 0);
	/* a bounce of the probe suspends and tells the admins */
	r = report(f, NOW + 3 * DAY + 120, ANNA, NULL, addr);
	assert_int_equal(r.suspended, 1);
	assert_int_equal(num(f, sql_status, ANNA), 0);
	assert_int_equal(num(f, "SELECT count(*) FROM outbox WHERE kind = 'admin' "
	    "AND CAST(content AS TEXT) LIKE '%Anna geschorst: mail komt niet aan%'", NULL), 1);
}

/* A probe that is not bounced within BOUNCES_PROBE_WAIT resets the count. */
static void
test_probe_not_bounced_resets(void **state)
{
	struct fixture *f = *state;
	struct bounces_result r;
	char tok[64], addr[128], m2[256];
	time_t after = NOW + 2 * DAY + 60 + BOUNCES_PROBE_WAIT + 1;
	int d;

	for (d = 0; d < 3; d++)
		r = report(f, NOW + d * DAY + 60, ANNA, f->msgid, NULL);
	assert_int_equal(r.probes, 1);
	text(f, "SELECT token FROM probes WHERE rcpt = ?", ANNA, tok, sizeof(tok));
	snprintf(addr, sizeof(addr), "bpt-bounces+%s@bars.example", tok);
	/* after the wait its bounce no longer suspends; it counts as one
	 * more bounce, the first since the reset: no new probe */
	r = report(f, after, ANNA, NULL, addr);
	assert_int_equal(r.suspended, 0);
	assert_int_equal(r.counted, 1);
	assert_int_equal(r.probes, 0);
	/* two more of a new copy make three: the next probe */
	alert(f, after + 60, "a2", m2, sizeof(m2));
	r = report(f, after + DAY, ANNA, m2, NULL);
	assert_int_equal(r.counted, 1);
	assert_int_equal(r.probes, 0);
	r = report(f, after + 2 * DAY, ANNA, m2, NULL);
	assert_int_equal(r.counted, 1);
	assert_int_equal(r.probes, 1);
	assert_int_equal(num(f, sql_probes, ANNA), 2);
	assert_int_equal(num(f, sql_status, ANNA), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_forged_reports_count_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_copy_counts_once_a_day,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_verp_needs_the_token,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_bounce_suspends,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_not_bounced_resets,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
