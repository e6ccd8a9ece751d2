/* test_autoclass.c - loops, bounces and automatic replies. */
#include "unit.h"

#include "autoclass.h"
#include "buf.h"
#include "fileio.h"
#include "mail.h"

#define LIST "bpt@binnenbijster.example"
#define LISTID "binnenbijster.bpt.example"

/* A message built by hand: header pairs, then the parsed fields. */
struct tmail {
	struct mail m;
	struct mail_header h[16];
};

static struct mail *
tmail(struct tmail *t, const char *from, const char *subject,
    const char *return_path, const char *const *hdrs)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; hdrs != NULL && hdrs[2 * i] != NULL && i < 16; i++) {
		t->h[i].name = (char *)hdrs[2 * i];
		t->h[i].value = (char *)hdrs[2 * i + 1];
	}
	t->m.hdr = t->h;
	t->m.nhdr = i;
	t->m.from_addr = (char *)from;
	t->m.subject = (char *)subject;
	t->m.return_path = (char *)return_path;
	t->m.content_type = (char *)"text/plain";
	t->m.text = (char *)"";
	return &t->m;
}

static void
is_class(const struct mail *m, enum autoclass want, const char *label)
{
	const char *why = NULL;
	enum autoclass got = autoclass_of(m, LIST, LISTID, &why);

	assert_non_null(why);
	if (got != want)
		print_error("%s: got %s (%s), want %s\n", label,
		    autoclass_str(got), why, autoclass_str(want));
	assert_int_equal(got, want);
}

static void
test_loop(void **state)
{
	struct tmail t;
	const char *why;
	static const char *const lid[] = {
		"List-Id", "BPT Binnenbijster <binnenbijster.bpt.example>", NULL
	};
	static const char *const lid_other[] = {
		"List-Id", "Other list <other.example>",
		"Precedence", "list", NULL
	};
	static const char *const xloop[] = {
		"X-Loop", "BPT@binnenbijster.example", NULL
	};
	static const char *const xloop_other[] = {
		"X-Loop", "someone@example.org", NULL
	};

	(void)state;
	is_class(tmail(&t, "jan@example.nl", "Verdachte man", "jan@example.nl",
	    lid), AC_LOOP, "own List-Id");
	assert_int_equal(autoclass_of(&t.m, LIST, LISTID, &why), AC_LOOP);
	assert_string_equal(why, "our own List-Id");
	assert_int_equal(autoclass_of(&t.m, LIST, "<" LISTID ">", NULL),
	    AC_LOOP);
	/* without a list id the rule is skipped */
	assert_int_equal(autoclass_of(&t.m, LIST, NULL, NULL), AC_HUMAN);
	is_class(tmail(&t, "jan@example.nl", "x", "jan@example.nl", xloop),
	    AC_LOOP, "X-Loop");
	is_class(tmail(&t, "jan@example.nl", "x", "jan@example.nl", xloop_other),
	    AC_HUMAN, "other X-Loop");
	/* another list's mail, Precedence: list: a person all the same */
	is_class(tmail(&t, "jan@example.nl", "x", "jan@example.nl", lid_other),
	    AC_HUMAN, "other list");
}

static void
test_bounce(void **state)
{
	struct tmail t;
	struct mail *m;
	static const char *const report[] = {
		"Content-Type", "multipart/report; report-type=delivery-status;\r\n"
		    "\tboundary=\"x\"", NULL
	};
	static const char *const newsletter[] = {
		"Precedence", "bulk",
		"List-Unsubscribe", "<mailto:unsub@shop.example>", NULL
	};
	static const char *const xfailed[] = {
		"X-Failed-Recipients", "jan@example.nl", NULL
	};
	static const char *const verp[] = {
		"To", "Jan <bpt-bounces+k3j2h1@Binnenbijster.example>", NULL
	};
	static const char *const verp_plain[] = {
		"Delivered-To", "bpt-bounces@binnenbijster.example", NULL
	};
	static const char *const verp_vacation[] = {
		"To", "bpt-bounces+k3j2h1@binnenbijster.example",
		"Auto-Submitted", "auto-replied", NULL
	};
	static const char *const not_verp[] = {
		"To", "bpt-bouncesx@binnenbijster.example, "
		    "bpt-bounces@other.example, bpt@binnenbijster.example", NULL
	};

	(void)state;
	is_class(tmail(&t, "postmaster@example.nl", "Delivery report", "",
	    report), AC_BOUNCE, "report content type");
	m = tmail(&t, "x@example.nl", "x", "x@example.nl", NULL);
	m->dsn = (char *)"Reporting-MTA: dns; mx.example.nl\n\n"
	    "Final-Recipient: rfc822; jan@example.nl\nAction: failed\n"
	    "Status: 5.1.1\n";
	is_class(m, AC_BOUNCE, "dsn part");
	is_class(tmail(&t, "MAILER-DAEMON@mx.example.nl", "Warning", "x@y.nl",
	    NULL), AC_BOUNCE, "mailer-daemon");
	is_class(tmail(&t, "postmaster@mx.example.nl", "Kennisgeving", "",
	    NULL), AC_BOUNCE, "postmaster, null return path");
	is_class(tmail(&t, "postmaster@mx.example.nl", "Kennisgeving", NULL,
	    NULL), AC_BOUNCE, "postmaster, no return path");
	is_class(tmail(&t, "postmaster@example.nl", "Vergadering donderdag",
	    "postmaster@example.nl", NULL), AC_HUMAN,
	    "postmaster writing as a person");
	is_class(tmail(&t, NULL, NULL, "", NULL), AC_BOUNCE,
	    "no From, null return path");
	/* subjects */
	is_class(tmail(&t, "x@mx.example.nl", "Undelivered Mail Returned to Sender",
	    "x@mx.example.nl", NULL), AC_BOUNCE, "postfix subject");
	is_class(tmail(&t, "x@mx.example.nl",
	    "Delivery Status Notification (Delay)", "x@mx.example.nl", NULL),
	    AC_BOUNCE, "gmail subject");
	is_class(tmail(&t, "x@mx.example.nl",
	    "Ваше сообщение не доставлено. Mail failure.", "x@mx.example.nl",
	    NULL), AC_BOUNCE, "russian subject");
	is_class(tmail(&t, "postmaster@contoso.example",
	    "Onbestelbaar: Verdachte man", "list-admin@example.nl", NULL),
	    AC_BOUNCE, "exchange NL, relayed");
	is_class(tmail(&t, "mdaemon@mx.example.nl", "Permanent Delivery Failure",
	    "list-admin@example.nl", NULL), AC_BOUNCE, "mdaemon");
	/* the same words from a person are a person's */
	is_class(tmail(&t, "petra@example.nl",
	    "Delivery failure: nep-sms van pakketdienst", "petra@example.nl",
	    NULL), AC_HUMAN, "warning about a scam");
	is_class(tmail(&t, "petra@example.nl", "Undeliverable pakket? Let op",
	    "petra@example.nl", NULL), AC_HUMAN, "person, weak subject");
	/* an MTA that adds no Return-Path makes no one a mail system */
	is_class(tmail(&t, "petra@example.nl",
	    "Delivery failure: nep-sms van pakketdienst", NULL, NULL),
	    AC_HUMAN, "scam warning, no Return-Path");
	is_class(tmail(&t, "jan@example.nl", "Afwezig tot 3 januari", NULL,
	    NULL), AC_HUMAN, "Afwezig, no Return-Path");
	is_class(tmail(&t, "news@shop.example", "Nieuws", NULL, newsletter),
	    AC_HUMAN, "newsletter, no Return-Path");
	/* Exim's header, Exchange Online's sender */
	is_class(tmail(&t, "x@mx.example.nl", "Mail delivery", "x@mx.example.nl",
	    xfailed), AC_BOUNCE, "X-Failed-Recipients");
	is_class(tmail(&t, "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@"
	    "contoso.example", "Niet bezorgd: alert", "", NULL), AC_BOUNCE,
	    "exchange online");
	/* the bounce address of our list */
	is_class(tmail(&t, "someone@example.nl", "Re: alert", "x@example.nl",
	    verp), AC_BOUNCE, "verp address in To");
	m = tmail(&t, "someone@example.nl", "odd", "x@example.nl", NULL);
	m->envelope_to = (char *)"bpt-bounces+k3@binnenbijster.example";
	is_class(m, AC_BOUNCE, "verp envelope");
	is_class(tmail(&t, "someone@example.nl", "odd", "x@example.nl",
	    verp_plain), AC_BOUNCE, "bounce address, Delivered-To");
	is_class(tmail(&t, "jan@example.nl", "Re: alert", "",
	    verp_vacation), AC_AUTOREPLY, "vacation notice at the bounce address");
	is_class(tmail(&t, "jan@example.nl", "Re: alert", "jan@example.nl",
	    not_verp), AC_HUMAN, "look-alike addresses");
	/* a null Return-Path at the bounce address is a bounce */
	is_class(tmail(&t, "jan@example.nl", "Bericht", "", verp), AC_BOUNCE,
	    "null return path to the bounce address");
}

static void
test_autoreply(void **state)
{
	struct tmail t;
	struct mail *m;
	size_t i;
	static const char *const as[] = { "Auto-Submitted", "auto-replied", NULL };
	static const char *const as_gen[] = {
		"Auto-Submitted", "Auto-Generated (vacation)", NULL
	};
	static const char *const as_no[] = { "Auto-Submitted", "no", NULL };
	static const char *const xar[] = { "X-Autoreply", "yes", NULL };
	static const char *const xars[] = { "X-Autorespond", "Vacation", NULL };
	static const char *const bulk[] = { "Precedence", "bulk", NULL };
	static const char *const junk[] = { "Precedence", " JUNK", NULL };
	static const char *const list[] = { "Precedence", "list", NULL };
	static const char *const x_mail_autoreply[] = {
		"X-Mail-Autoreply", "Jan Jansen <jan@example.nl>", NULL
	};
	static const char *const x_autoresponse[] = {
		"X-Autoresponse", "1", NULL
	};
	static const char *const x_fc[] = {
		"X-FC-MachineGenerated", "true", NULL
	};
	static const char *const x_suppress[] = {
		"X-Auto-Response-Suppress", "All", NULL
	};
	static const char *const x_autoreply_no[] = {
		"X-Autoreply", "no", NULL
	};
	static const char *const mdn[] = {
		"Content-Type", "multipart/report; report-type="
		    "disposition-notification; boundary=\"b\"", NULL
	};
	static const char *const newsletter[] = {
		"Precedence", "bulk",
		"List-Unsubscribe", "<mailto:unsub@shop.example>", NULL
	};
	static const char *const vacation[] = {
		"Automatisch antwoord: Verdachte man bij de speeltuin",
		"Out of Office: alert",
		"Automatic reply: alert",
		"Autoreply: alert",
		"Re: blah blah (Automatic Response)",
		"Abwesenheitsnotiz: alert",
		"Automatische Antwort: alert",
		"R\xc3\xa9ponse automatique : alert",
		"Arpus biroja automatiska atbilde: alert",
		"Autom\xc4\x81tiska atbilde: alert",
		"[Automatyczna odpowied\xc5\xba] test",
		"[AUTO GENERATED] Some subject",
		NULL
	};
	static const char *const people[] = {
		"Verdachte man, bewoners afwezig",
		"Afwezige buren: let op nr 12",
		"Inbraak bij de automatenhal",
		"Re: Verdachte auto 12-BDF-3",
		"Antwoord op je vraag over de bus",
		NULL
	};

	(void)state;
	is_class(tmail(&t, "jan@example.nl", "Re: alert", "jan@example.nl", as),
	    AC_AUTOREPLY, "auto-replied");
	is_class(tmail(&t, "jan@example.nl", "alert", "jan@example.nl", as_gen),
	    AC_AUTOREPLY, "auto-generated with comment");
	is_class(tmail(&t, "jan@example.nl", "alert", "jan@example.nl", as_no),
	    AC_HUMAN, "Auto-Submitted: no");
	is_class(tmail(&t, "jan@example.nl", "alert", "jan@example.nl", xar),
	    AC_AUTOREPLY, "X-Autoreply");
	is_class(tmail(&t, "jan@example.nl", "alert", "jan@example.nl", xars),
	    AC_AUTOREPLY, "X-Autorespond");
	is_class(tmail(&t, "jan@example.nl", "Thank you for your e-mail", "",
	    bulk), AC_AUTOREPLY, "Precedence bulk");
	is_class(tmail(&t, "jan@example.nl", "x", "jan@example.nl", junk),
	    AC_AUTOREPLY, "Precedence junk");
	is_class(tmail(&t, "jan@example.nl", "x", "jan@example.nl", list),
	    AC_HUMAN, "Precedence list");
	for (i = 0; vacation[i] != NULL; i++)
		is_class(tmail(&t, "jan@example.nl", vacation[i],
		    "jan@example.nl", NULL), AC_AUTOREPLY, vacation[i]);
	for (i = 0; people[i] != NULL; i++)
		is_class(tmail(&t, "jan@example.nl", people[i],
		    "jan@example.nl", NULL), AC_HUMAN, people[i]);

	/* "Afwezig" answering our mail, or with a null Return-Path */
	m = tmail(&t, "jan@example.nl", "Afwezig: [BPT Binnenbijster #12] "
	    "Verdachte man", "jan@example.nl", NULL);
	m->in_reply_to = (char *)"bpt.12.1@binnenbijster.example";
	is_class(m, AC_AUTOREPLY, "Afwezig answering");
	is_class(tmail(&t, "jan@example.nl", "Afwezig tot 3 januari", "",
	    NULL), AC_AUTOREPLY, "Afwezig, null return path");
	/* a resident going away asks the street to keep an eye out */
	is_class(tmail(&t, "jan@example.nl", "Afwezig van 1 t/m 14 juli, wie "
	    "let op nr 12?", "jan@example.nl", NULL), AC_HUMAN,
	    "Afwezig from a resident");
	/* a newsletter with Precedence: bulk is a mailing, not a reply */
	is_class(tmail(&t, "news@shop.example", "Nieuwe sloten in de aanbieding",
	    "bounces@shop.example", newsletter), AC_HUMAN, "newsletter");

	/* header names of other responders; not Exchange's suppression */
	is_class(tmail(&t, "jan@example.nl", "alert", "jan@example.nl",
	    x_mail_autoreply), AC_AUTOREPLY, "X-Mail-Autoreply");
	is_class(tmail(&t, "jan@example.nl", "alert", "jan@example.nl",
	    x_autoresponse), AC_AUTOREPLY, "X-Autoresponse");
	is_class(tmail(&t, "jan@example.nl", "alert", "jan@example.nl",
	    x_fc), AC_AUTOREPLY, "X-FC-MachineGenerated");
	is_class(tmail(&t, "jan@example.nl", "alert", "jan@example.nl",
	    x_suppress), AC_HUMAN, "X-Auto-Response-Suppress");
	is_class(tmail(&t, "jan@example.nl", "alert", "jan@example.nl",
	    x_autoreply_no), AC_HUMAN, "X-Autoreply: no");
	/* read receipts */
	is_class(tmail(&t, "jan@example.nl", "Gelezen: alert", "jan@example.nl",
	    mdn), AC_AUTOREPLY, "read receipt");
	/* a null reverse-path and nothing else */
	is_class(tmail(&t, "jan@example.nl", "Bedankt voor uw bericht", "",
	    NULL), AC_AUTOREPLY, "null Return-Path");
	is_class(tmail(&t, "jan@example.nl", "Abwesend: alert",
	    "jan@example.nl", NULL), AC_AUTOREPLY, "Abwesend");
	is_class(tmail(&t, "jan@example.nl", "\xe8\x87\xaa\xe5\x8b\x95\xe8"
	    "\xbf\x94\xe4\xbf\xa1: alert", "jan@example.nl", NULL), AC_AUTOREPLY,
	    "japanese");

	/* a challenge-response filter dressed as a delivery report */
	m = tmail(&t, "noreply@filter.example", "Re: alert", "noreply@filter.example",
	    NULL);
	m->dsn = (char *)"Final-Recipient: rfc822; jan@example.nl\n"
	    "Action: failed\nStatus: 4.7.0\n"
	    "Diagnostic-Code: X-Notice; Sender not pre-approved\n";
	m->text = (char *)"Please add yourself to my Guest List.";
	is_class(m, AC_AUTOREPLY, "challenge-response");
	/* the same words in a person's mail are a person's */
	m = tmail(&t, "petra@example.nl", "Feest", "petra@example.nl", NULL);
	m->text = (char *)"Sta je op de guest list? Pre-approved!";
	is_class(m, AC_HUMAN, "guest list in a person's text");

	assert_int_equal(autoclass_of(NULL, LIST, LISTID, NULL), AC_HUMAN);
	assert_string_equal(autoclass_str(AC_BOUNCE), "bounce");
	assert_string_equal(autoclass_str(AC_HUMAN), "human");
}

/* ---- the project's own test mails (tests/data) ---------------------- */

/* The reference group of tests/data/README.md. */
#define DATA_LIST "bpt@binnenbijster.example"
#define DATA_LISTID "bpt.binnenbijster.example"

struct data_table {
	unsigned n[4];		/* by class found */
	int bad;
};

/* What autoclass_of() says of a mail bpt-report gives class cls. */
static enum autoclass
expected_autoclass(const char *cls)
{
	if (strcmp(cls, "loop") == 0)
		return AC_LOOP;
	if (strcmp(cls, "bounce") == 0)
		return AC_BOUNCE;
	/* held: a member's mail that only its subject calls automatic */
	if (strcmp(cls, "autoreply") == 0 || strcmp(cls, "held") == 0)
		return AC_AUTOREPLY;
	return AC_HUMAN;	/* post, reply, nonmember, toolarge, ... */
}

static void
check_data(const struct unit_expected *e, void *arg)
{
	struct data_table *t = arg;
	enum autoclass want = expected_autoclass(e->cls), got;
	const char *why = NULL;
	struct mail *m = unit_data_mail(e->path);

	got = autoclass_of(m, DATA_LIST, DATA_LISTID, &why);
	t->n[got]++;
	if (got != want) {
		print_error("%s: %s, got %s (%s)\n", e->path, e->cls,
		    autoclass_str(got), why);
		t->bad++;
	}
	if ((strcmp(e->cls, "held") == 0) !=
	    (autoclass_subject_only(m, DATA_LIST, DATA_LISTID) != 0)) {
		print_error("%s: %s, but autoclass_subject_only() says %s\n",
		    e->path, e->cls, strcmp(e->cls, "held") == 0 ? "no" : "yes");
		t->bad++;
	}
	mail_free(m);
}

/*
 * Every mail of tests/data is what EXPECTED.tsv says: a loop, a bounce,
 * an automatic reply, or a person's (posts, replies, strangers, ...).
 */
static void
test_data(void **state)
{
	struct data_table t = { { 0 }, 0 };

	(void)state;
	unit_data_each(check_data, &t);
	print_message("# human %u, loop %u, bounce %u, autoreply %u\n",
	    t.n[AC_HUMAN], t.n[AC_LOOP], t.n[AC_BOUNCE], t.n[AC_AUTOREPLY]);
	assert_int_equal(t.bad, 0);
	/* all of it was read */
	assert_true(t.n[AC_LOOP] >= 2);
	assert_true(t.n[AC_BOUNCE] >= 10);
	assert_true(t.n[AC_AUTOREPLY] >= 9);
	assert_true(t.n[AC_HUMAN] >= 50);
}

/* ---- the shared corpus, when it is there ------------------------------ */

enum { X_AUTOREPLY, X_BOUNCE, X_POST, X_REPLY, X_MALFORMED, X_N };

static const char *const xnames[X_N] = {
	"autoreply", "bounce", "post", "reply", "malformed"
};


/*
 * Every autoreply and bounce of EXPECTED.tsv is recognised as listed,
 * and no post or reply is taken for an automatic message.
 */
static void
test_corpus(void **state)
{
	unsigned table[X_N][4] = { { 0 } };
	char path[2048], line[1024], *rel, *cls, *tab;
	const char *why;
	struct mail *m;
	enum autoclass got;
	FILE *f;
	int x, bad = 0, c;

	(void)state;
	unit_need_corpus();
	x = snprintf(path, sizeof(path), "%s/EXPECTED.tsv", unit_corpus_dir());
	assert_true(x > 0 && (size_t)x < sizeof(path));
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		rel = line;
		if ((tab = strchr(rel, '\t')) == NULL)
			continue;
		*tab = '\0';
		cls = tab + 1;
		cls[strcspn(cls, "\t\n")] = '\0';
		for (x = 0; x < X_N && strcmp(cls, xnames[x]) != 0; x++)
			;
		assert_true(x < X_N);
		m = unit_corpus_mail(rel);
		assert_non_null(m);
		got = autoclass_of(m, LIST, LISTID, &why);
		table[x][got]++;
		if ((x == X_AUTOREPLY && got != AC_AUTOREPLY) ||
		    (x == X_BOUNCE && got != AC_BOUNCE) ||
		    ((x == X_POST || x == X_REPLY) && got != AC_HUMAN)) {
			print_error("%s: %s, got %s (%s)\n", rel, cls,
			    autoclass_str(got), why);
			bad++;
		}
		mail_free(m);
	}
	fclose(f);
	print_message("%-10s %6s %6s %6s %9s\n", "expected", "human", "loop",
	    "bounce", "autoreply");
	for (x = 0; x < X_N; x++) {
		print_message("%-10s", xnames[x]);
		for (c = 0; c < 4; c++)
			print_message(" %*u", c == 3 ? 9 : 6, table[x][c]);
		print_message("\n");
	}
	assert_int_equal(bad, 0);
	/* the corpus was read, all of it */
	assert_true(table[X_BOUNCE][AC_BOUNCE] >= 20);
	assert_true(table[X_AUTOREPLY][AC_AUTOREPLY] >= 10);
	assert_true(table[X_POST][AC_HUMAN] >= 50);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_bounce),
		cmocka_unit_test(test_autoreply),
		cmocka_unit_test(test_data),
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
