/* test_config.c - bpt.yaml loading: defaults and every kind of error. */
#include "unit.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include "config.h"

static enum bpt_status
load(struct bpt_ctx *ctx, const char *text, struct bpt_config **cfg)
{
	return cfg_load_string(ctx, "/etc/bpt/t.yaml", text, strlen(text), cfg);
}

static void
test_minimal_gets_defaults(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct bpt_config *c;

	(void)state;
	assert_int_equal(load(&ctx, "group:\n  address: BPT@Binnenbijster.Example\n"
	    "store: data/bpt.db\n", &c), BPT_OK);
	assert_string_equal(c->group.address, "BPT@binnenbijster.example");
	assert_string_equal(c->store, "/etc/bpt/data/bpt.db");
	assert_string_equal(c->group.name, "BPT");
	assert_int_equal(c->group.language, CFG_NL);
	assert_string_equal(c->group.timezone, "Europe/Amsterdam");
	assert_string_equal(cfg_timezone(c), "Europe/Amsterdam");
	assert_null(cfg_timezone(NULL));
	assert_int_equal(c->delivery.transport, CFG_SMTP);
	assert_int_equal(c->delivery.batch, 50);
	assert_int_equal(c->delivery.connections, 4);
	assert_int_equal(c->delivery.max_age, 2 * 86400);
	assert_int_equal(c->delivery.sendmail_timeout, 120);
	assert_int_equal(c->delivery.smtp.timeout, 60);
	assert_int_equal(c->delivery.smtp.session_timeout, 600);
	assert_int_equal(c->delivery.smtp.tls_verify, 1);
	assert_string_equal(c->delivery.smtp.ca_file, "");
	assert_int_equal(c->delivery.bounce_limit, 5);
	assert_int_equal(c->delivery.rate, 0);
	assert_int_equal(c->policy.max_message_size, 10L * 1024 * 1024);
	assert_int_equal(c->policy.max_image_size, 3L * 1024 * 1024);
	assert_int_equal(c->policy.max_images, 4);
	assert_int_equal(c->followup.idle_close, 3 * 3600);
	assert_int_equal(c->followup.outcome_after, 14 * 86400);
	assert_int_equal(c->policy.hold_expiry, 24 * 3600);
	assert_int_equal(c->retention.days, 28);
	assert_int_equal(c->retention.unexported_purge, 0);
	assert_string_equal(c->police.address, "");
	assert_string_equal(c->police.encrypt_to, "");
	assert_int_equal(c->police.export_after, 3600);
	assert_string_equal(c->signing.key, "");
	assert_string_equal(c->signing.gnupghome, "/etc/bpt/gnupg");
	assert_int_equal(c->limits.max_parts, 100);
	assert_int_equal(c->limits.max_depth, 10);
	assert_int_equal(c->limits.parse_attempts, 1);
	assert_int_equal(c->limits.parse_timeout, 60);
	assert_int_equal(c->limits.unfinished_runs, 10);
	cfg_free(c);
}

/* limits.unfinished_runs: runs killed from outside while parsing. */
static void
test_unfinished_runs(void **state)
{
	static const char *const bad[] = { "0", "1001", "-1", "ten" };
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct bpt_config *c;
	char text[256];
	size_t i;

	(void)state;
	assert_int_equal(load(&ctx, "group:\n  address: bpt@x.example\nstore: s.db\n"
	    "limits:\n  unfinished_runs: 1\n  parse_attempts: 3\n", &c), BPT_OK);
	assert_int_equal(c->limits.unfinished_runs, 1);
	assert_int_equal(c->limits.parse_attempts, 3);
	cfg_free(c);
	assert_int_equal(load(&ctx, "group:\n  address: bpt@x.example\nstore: s.db\n"
	    "limits:\n  unfinished_runs: 1000\n", &c), BPT_OK);
	assert_int_equal(c->limits.unfinished_runs, 1000);
	cfg_free(c);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = (void *)1;
		snprintf(text, sizeof(text), "group:\n  address: bpt@x.example\n"
		    "store: s.db\nlimits:\n  unfinished_runs: %s\n", bad[i]);
		assert_int_equal(load(&ctx, text, &c), BPT_ECONFIG);
		assert_null(c);
		if (strstr(ctx.errmsg, "t.yaml:5:20: limits.unfinished_runs: ") == NULL)
			fail_msg("'%s': %s", bad[i], ctx.errmsg);
	}
}

static void
test_full_design_example(void **state)
{
	static const char text[] =
	    "group:\n"
	    "  name: BPT Binnenbijster            # shown in subjects\n"
	    "  address: bpt@binnenbijster.example\n"
	    "  language: en\n"
	    "  timezone: America/St_Johns\n"
	    "  unsubscribe_url: \"\"\n"
	    "store: /var/lib/bpt/binnenbijster.db\n"
	    "delivery:\n"
	    "  transport: smtp\n"
	    "  smtp: {host: 127.0.0.1, port: 2525, tls: starttls, user: bpt, password_file: /etc/bpt/smtp.pw}\n"
	    "  sendmail: /usr/sbin/sendmail\n"
	    "  maildir: /var/lib/bpt/outbox\n"
	    "  verp: true\n"
	    "  batch: 100\n"
	    "  connections: 8\n"
	    "  max_age: 3d\n"
	    "  bounce_limit: 7\n"
	    "  rate: 400\n"
	    "policy:\n"
	    "  attachments: {images: allow, max_images: 2, max_image_size: 512KB, other: strip}\n"
	    "  max_message_size: 20MB\n";
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct bpt_config *c;

	(void)state;
	assert_int_equal(load(&ctx, text, &c), BPT_OK);
	assert_string_equal(c->group.name, "BPT Binnenbijster");
	assert_int_equal(c->group.language, CFG_EN);
	assert_string_equal(c->group.timezone, "America/St_Johns");
	assert_int_equal(c->delivery.smtp.port, 2525);
	assert_int_equal(c->delivery.smtp.tls, CFG_TLS_STARTTLS);
	assert_string_equal(c->delivery.smtp.password_file, "/etc/bpt/smtp.pw");
	assert_int_equal(c->delivery.verp, 1);
	assert_int_equal(c->delivery.batch, 100);
	assert_int_equal(c->delivery.max_age, 3 * 86400);
	assert_int_equal(c->delivery.rate, 400);
	assert_int_equal(c->policy.max_images, 2);
	assert_int_equal(c->policy.max_image_size, 512 * 1024);
	assert_int_equal(c->policy.max_message_size, 20 * 1024 * 1024);
	cfg_free(c);
}

/* the moderation queue and its rules: policy.* */
static void
test_moderation_keys(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct bpt_config *c = NULL;

	(void)state;
	assert_int_equal(load(&ctx, "group:\n  address: bpt@x.example\nstore: s.db\n"
	    "policy:\n  non_members: hold\n  language: reject\n  words: w.txt\n"
	    "  flood: {max_per_hour: 2}\n  hold_expiry: 12h\n  hold_alerts: false\n"
	    "  authserv_id: mx.x.example\n", &c), BPT_OK);
	assert_int_equal(c->policy.non_members_hold, 1);
	assert_int_equal(c->policy.language, CFG_REJECT);
	assert_non_null(strstr(c->policy.words, "w.txt"));
	assert_int_equal(c->policy.flood_max_per_hour, 2);
	assert_int_equal(c->policy.hold_expiry, 12 * 3600);
	assert_int_equal(c->policy.hold_alerts, 0);
	assert_string_equal(c->policy.authserv_id, "mx.x.example");
	assert_string_equal(c->list.request, "bpt-request@x.example");
	assert_string_equal(c->list.bounces, "bpt-bounces@x.example");
	assert_string_equal(c->list.id, "bpt.x.example");
	assert_string_equal(c->list.verp_prefix, "bpt-bounces+");
	cfg_free(c);
	c = NULL;
	assert_int_equal(load(&ctx, "group:\n  address: bpt@x.example\nstore: s.db\n"
	    "policy:\n  authserv_id: mx example\n", &c), BPT_ECONFIG);
}

/* police, signing and retention: bpt-export's keys */
static void
test_export_keys(void **state)
{
	static const char text[] =
	    "group:\n  address: bpt@x.example\nstore: s.db\n"
	    "police:\n"
	    "  address: Dossier@Politie.Example\n"
	    "  encrypt_to: 0123456789ABCDEF0123456789abcdef01234567\n"
	    "  export_after: 30m\n"
	    "signing:\n"
	    "  key: FEDCBA9876543210FEDCBA9876543210FEDCBA98\n"
	    "  gnupghome: keys\n"
	    "retention:\n"
	    "  days: 14\n"
	    "  unexported: purge\n";
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct bpt_config *c;

	(void)state;
	if (load(&ctx, text, &c) != BPT_OK)
		fail_msg("%s", ctx.errmsg);
	assert_string_equal(c->police.address, "Dossier@politie.example");
	assert_string_equal(c->police.encrypt_to,
	    "0123456789ABCDEF0123456789abcdef01234567");
	assert_int_equal(c->police.export_after, 1800);
	assert_string_equal(c->signing.key, "FEDCBA9876543210FEDCBA9876543210FEDCBA98");
	assert_string_equal(c->signing.gnupghome, "/etc/bpt/keys");
	assert_int_equal(c->retention.days, 14);
	assert_int_equal(c->retention.unexported_purge, 1);
	cfg_free(c);
}

struct bad_case {
	const char *text;
	const char *expect;	/* substring of the message, position first */
};

static void
test_errors_have_positions(void **state)
{
	static const struct bad_case cases[] = {
		{ "group:\n  address: bpt@x.example\nstore: s.db\nbogus: 1\n",
		  "t.yaml:4:1: unknown key 'bogus'" },
		{ "group:\n  address: bpt@x.example\n  colour: red\nstore: s.db\n",
		  "t.yaml:3:3: unknown key 'group.colour'" },
		{ "group:\n  address: bpt@x.example\nstore: s.db\ndelivery:\n  max_age: 3x\n",
		  "t.yaml:5:12: delivery.max_age: bad duration '3x'" },
		{ "group:\n  address: bpt@x.example\nstore: s.db\ndelivery:\n  retry_max: 14\n",
		  "t.yaml:5:14: delivery.retry_max: bad duration '14'" },
		{ "group:\n  address: bpt@x.example\nstore: s.db\npolicy:\n  max_message_size: 3XB\n",
		  "t.yaml:5:21: policy.max_message_size: bad size '3XB'" },
		{ "group:\n  address: not an address\nstore: s.db\n",
		  "t.yaml:2:12: group.address: bad address" },
		{ "group:\n  address: bpt@x.example\nstore: s.db\ndelivery:\n  transport: pigeon\n",
		  "t.yaml:5:14: delivery.transport: 'pigeon' is not one of smtp, sendmail, maildir" },
		{ "group:\n  address: bpt@x.example\nstore: s.db\ndelivery:\n  rate: -1\n",
		  "t.yaml:5:9: delivery.rate: -1 is out of range 0..1000000" },
		{ "group:\n  address: bpt@x.example\nstore: s.db\ndelivery:\n  batch: 0\n",
		  "t.yaml:5:10: delivery.batch: 0 is out of range" },
		{ "group:\n  address: bpt@x.example\n store: s.db\n",
		  "t.yaml:3:2: did not find expected key" },
		{ "group: [a, b\n", "t.yaml:2:1:" },
		{ "group:\n  address: bpt@x.example\n", "required key 'store' is missing" },
		{ "store: s.db\n", "required key 'group.address' is missing" },
		{ "group:\n  address: bpt@x.example\nstore: s.db\nstore: t.db\n",
		  "t.yaml:4:1: key 'store' given twice" },
		{ "group:\n  address: bpt@x.example\n  unsubscribe_url: http://x.example/u\nstore: s.db\n",
		  "t.yaml:3:20: group.unsubscribe_url: 'http://x.example/u' is not an https:// URL" },
		{ "group:\n  address: bpt@x.example\n  timezone: Europe/Nowhere\nstore: s.db\n",
		  "t.yaml:3:13: group.timezone: unknown time zone 'Europe/Nowhere'" },
		{ "group:\n  address: bpt@x.example\n  timezone: ../../../etc/passwd\nstore: s.db\n",
		  "t.yaml:3:13: group.timezone: unknown time zone" },
		{ "group:\n  address: bpt@x.example\n  timezone: CET-1CEST,M3.5.0,M10.5.0/3\nstore: s.db\n",
		  "t.yaml:3:13: group.timezone: unknown time zone" },
		{ "group:\n  address: bpt@x.example\n  timezone: \"\"\nstore: s.db\n",
		  "t.yaml:3:13: group.timezone: unknown time zone" },
		{ "group: 5\nstore: s.db\n", "t.yaml:1:8: expected keys under group" },
		{ "group:\n  address: bpt@x.example\nstore: [a]\n", "t.yaml:3:8: store: expected a single value" },
		{ "", "empty configuration" },
		{ "group:\n  address: bpt@x.example\nstore: s.db\ndelivery:\n  sendmail_timeout: 0s\n",
		  "t.yaml:5:21: delivery.sendmail_timeout: 0s is out of range 1s..15m" },
		/* run without a shell from any folder: a relative name is a mistake */
		{ "group:\n  address: bpt@x.example\nstore: s.db\ndelivery:\n  sendmail: sendmail\n",
		  "t.yaml:5:13: delivery.sendmail: 'sendmail' is not an absolute path" },
		{ "group:\n  address: bpt@x.example\nstore: s.db\ndelivery:\n  sendmail: bin/sm\n",
		  "t.yaml:5:13: delivery.sendmail: 'bin/sm' is not an absolute path" },
		{ "group:\n  address: bpt@x.example\nstore: s.db\ndelivery:\n  sendmail: \"\"\n",
		  "t.yaml:5:13: delivery.sendmail: '' is not an absolute path" },
		/* one file, one group: a second document would be ignored */
		{ "group:\n  address: bpt@x.example\nstore: s.db\n---\nstore: t.db\n",
		  "t.yaml:5:1: a second YAML document; the file describes one group" },
		{ "group:\n  address: bpt@x.example\nstore: s.db\n---\n",
		  "t.yaml:5:1: a second YAML document" },
		{ "group:\n  address: bpt@x.example\nstore: s.db\n---\n[a\n",
		  "t.yaml:6:1: did not find expected" },
		{ "group:\n  address: bpt@x.example\n  name: \"\"\nstore: s.db\n",
		  "t.yaml: group.name must not be empty" },
		{ "group:\n  address: bpt@x.example\n  name: \"  \"\nstore: s.db\n",
		  "t.yaml: group.name must not be empty" },
		{ "group:\n  address: bpt@x.example\n  name: ~\nstore: s.db\n",
		  "t.yaml: group.name must not be empty" },
		{ "group:\n  address: bpt@x.example\nstore: s.db\ndelivery:\n  smtp:\n    session_timeout: 0s\n",
		  "t.yaml:6:22: delivery.smtp.session_timeout: 0s is out of range 1s..1d" },
		{ "group:\n  address: bpt@x.example\nstore: s.db\ndelivery:\n  smtp:\n    session_timeout: 25h\n",
		  "t.yaml:6:22: delivery.smtp.session_timeout: 25h is out of range 1s..1d" },
		{ "group:\n  address: bpt@x.example\nstore: s.db\ndelivery:\n  smtp:\n    session_timeout: 10\n",
		  "t.yaml:6:22: delivery.smtp.session_timeout: bad duration '10'" },
		{ "group:\n  address: bpt@x.example\nstore: s.db\nsigning:\n  key: 0xDEADBEEF\n",
		  "signing.key: '0xDEADBEEF' is not a key fingerprint" },
		{ "group:\n  address: bpt@x.example\nstore: s.db\npolice:\n  encrypt_to: Politie Dossier\n",
		  "police.encrypt_to: 'Politie Dossier' is not a key fingerprint" },
		{ "group:\n  address: bpt@x.example\nstore: s.db\npolice:\n  address: dossier\n",
		  "t.yaml:5:12: police.address: bad address" },
		{ "group:\n  address: bpt@x.example\nstore: s.db\npolice:\n  export_after: soon\n",
		  "t.yaml:5:17: police.export_after: bad duration 'soon'" },
		{ "group:\n  address: bpt@x.example\nstore: s.db\nretention:\n  unexported: delete\n",
		  "t.yaml:5:15: retention.unexported: 'delete' is not one of keep, purge" },
		{ "group:\n  address: bpt@x.example\nstore: s.db\nretention:\n  days: 0\n",
		  "t.yaml:5:9: retention.days: 0 is out of range" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bpt_ctx ctx = BPT_CTX_INIT;
		struct bpt_config *c = (void *)1;
		enum bpt_status st = load(&ctx, cases[i].text, &c);

		if (st != BPT_ECONFIG)
			fail_msg("case %zu: status %d: %s", i, st, ctx.errmsg);
		assert_null(c);
		if (strstr(ctx.errmsg, cases[i].expect) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, ctx.errmsg, cases[i].expect);
	}
}

/* inbound.imap: every key, the command as a list, and what is refused */
static void
test_inbound_imap(void **state)
{
	static const char text[] =
	    "group:\n  address: bpt@x.example\nstore: s.db\n"
	    "inbound:\n"
	    "  imap: {host: imap.provider.example, port: 143, tls: starttls,\n"
	    "         ca_file: ca.pem, user: bpt@x.example, mailbox: Alarm,\n"
	    "         done_mailbox: Verwerkt, timeout: 2m,\n"
	    "         oauth2_token_command: [bin/token, --account, 'a b']}\n";
	static const struct bad_case bad[] = {
		{ "inbound:\n  imap:\n    tls: none\n",
		  "inbound.imap.tls: none would send the mailbox's password unencrypted" },
		{ "inbound:\n  imap:\n    password_file: pw\n    oauth2_token_command: [/bin/t]\n",
		  "give password_file or oauth2_token_command, not both" },
		{ "inbound:\n  imap:\n    oauth2_token_command: /bin/token --user x\n",
		  "t.yaml:6:27: inbound.imap.oauth2_token_command: write the command as a list" },
		{ "inbound:\n  imap:\n    oauth2_token_command: [/bin/t, [x]]\n",
		  "t.yaml:6:36: inbound.imap.oauth2_token_command: every word must be a single value" },
		{ "inbound:\n  imap:\n    oauth2_token_command: {a: b}\n",
		  "inbound.imap.oauth2_token_command: expected a list of words" },
		{ "inbound:\n  imap:\n    oauth2_token_command: [\"\", x]\n",
		  "inbound.imap.oauth2_token_command: the program must not be empty" },
		{ "inbound:\n  imap:\n    timeout: 0s\n", "t.yaml:6:14: inbound.imap.timeout: 0s is out of range 1s..1h" },
		{ "inbound:\n  imap:\n    sasl: plain\n", "unknown key 'inbound.imap.sasl'" },
	};
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct bpt_config *c;
	size_t i;

	(void)state;
	assert_int_equal(load(&ctx, text, &c), BPT_OK);
	assert_string_equal(c->inbound.imap.host, "imap.provider.example");
	assert_int_equal(c->inbound.imap.port, 143);
	assert_int_equal(c->inbound.imap.tls, CFG_TLS_STARTTLS);
	assert_string_equal(c->inbound.imap.ca_file, "/etc/bpt/ca.pem");
	assert_string_equal(c->inbound.imap.user, "bpt@x.example");
	assert_string_equal(c->inbound.imap.password_file, "");
	assert_string_equal(c->inbound.imap.mailbox, "Alarm");
	assert_string_equal(c->inbound.imap.done_mailbox, "Verwerkt");
	assert_int_equal(c->inbound.imap.timeout, 120);
	assert_non_null(c->inbound.imap.oauth2_argv);
	assert_string_equal(c->inbound.imap.oauth2_argv[0], "/etc/bpt/bin/token");
	assert_string_equal(c->inbound.imap.oauth2_argv[1], "--account");
	assert_string_equal(c->inbound.imap.oauth2_argv[2], "a b");
	assert_null(c->inbound.imap.oauth2_argv[3]);
	cfg_free(c);

	/* the defaults: implicit TLS on 993, INBOX, \Seen, no command */
	assert_int_equal(load(&ctx, "group:\n  address: bpt@x.example\nstore: s.db\n"
	    "inbound:\n  imap:\n    host: h\n    oauth2_token_command: ~\n", &c), BPT_OK);
	assert_int_equal(c->inbound.imap.port, 993);
	assert_int_equal(c->inbound.imap.tls, CFG_TLS_IMPLICIT);
	assert_string_equal(c->inbound.imap.mailbox, "INBOX");
	assert_string_equal(c->inbound.imap.done_mailbox, "");
	assert_int_equal(c->inbound.imap.timeout, 60);
	assert_null(c->inbound.imap.oauth2_argv);
	cfg_free(c);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char buf[512];
		enum bpt_status st;

		c = (void *)1;
		snprintf(buf, sizeof(buf), "group:\n  address: bpt@x.example\n"
		    "store: s.db\n%s", bad[i].text);
		st = load(&ctx, buf, &c);
		if (st != BPT_ECONFIG)
			fail_msg("case %zu: status %d: %s", i, st, ctx.errmsg);
		assert_null(c);
		if (strstr(ctx.errmsg, bad[i].expect) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, ctx.errmsg, bad[i].expect);
	}
}

/* delivery.smtp.session_timeout: a duration up to a day */
static void
test_smtp_session_timeout(void **state)
{
	static const struct { const char *v; long want; } cases[] = {
		{ "5s", 5 }, { "10m", 600 }, { "1d", 86400 },
	};
	char text[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bpt_ctx ctx = BPT_CTX_INIT;
		struct bpt_config *c;

		snprintf(text, sizeof(text), "group:\n  address: bpt@x.example\n"
		    "store: s.db\ndelivery:\n  smtp:\n    session_timeout: %s\n",
		    cases[i].v);
		assert_int_equal(load(&ctx, text, &c), BPT_OK);
		assert_int_equal(c->delivery.smtp.session_timeout, cases[i].want);
		cfg_free(c);
	}
}

static void
test_durations_and_sizes(void **state)
{
	(void)state;
	assert_int_equal(cfg_parse_duration("3h"), 10800);
	assert_int_equal(cfg_parse_duration("14d"), 14 * 86400);
	assert_int_equal(cfg_parse_duration("90s"), 90);
	assert_int_equal(cfg_parse_duration("1w"), 7 * 86400);
	assert_int_equal(cfg_parse_duration("h"), -1);
	assert_int_equal(cfg_parse_duration("-1d"), -1);
	assert_int_equal(cfg_parse_duration("3 h"), -1);
	assert_int_equal(cfg_parse_duration("3hh"), -1);
	assert_int_equal(cfg_parse_duration("99999999999999999999d"), -1);
	assert_int_equal(cfg_parse_size("3MB"), 3 * 1024 * 1024);
	assert_int_equal(cfg_parse_size("3mb"), 3 * 1024 * 1024);
	assert_int_equal(cfg_parse_size("100"), 100);
	assert_int_equal(cfg_parse_size("1GB"), 1024L * 1024 * 1024);
	assert_int_equal(cfg_parse_size("MB"), -1);
	assert_int_equal(cfg_parse_size("3 MB"), -1);
	assert_int_equal(cfg_parse_size("3TB"), -1);
}

static void
test_null_values_and_example(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct bpt_config *c;
	const char *top = getenv("top_srcdir");
	char path[1024];

	(void)state;
	assert_int_equal(load(&ctx, "group:\n  address: bpt@x.example\n"
	    "  unsubscribe_url: ~\nstore: s.db\ndelivery:\n  smtp:\n    user: null\n", &c),
	    BPT_OK);
	assert_string_equal(c->group.unsubscribe_url, "");
	assert_string_equal(c->delivery.smtp.user, "");
	cfg_free(c);
	/* the shipped example keeps loading */
	snprintf(path, sizeof(path), "%s/contrib/bpt.yaml.example", top ? top : ".");
	if (cfg_load(&ctx, path, &c) != BPT_OK)
		fail_msg("%s", ctx.errmsg);
	assert_string_equal(c->store, "/var/lib/bpt/binnenbijster.db");
	cfg_free(c);
}

/* bpt-close reads followup: both keys work and are checked. */
static void
test_followup_keys(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct bpt_config *c;

	(void)state;
	assert_int_equal(load(&ctx, "group:\n  address: bpt@x.example\nstore: s.db\n"
	    "followup:\n  idle_close: 90m\n  outcome_after: 3w\n", &c), BPT_OK);
	assert_int_equal(c->followup.idle_close, 90 * 60);
	assert_int_equal(c->followup.outcome_after, 21 * 86400);
	cfg_free(c);
	assert_int_equal(load(&ctx, "group:\n  address: bpt@x.example\nstore: s.db\n"
	    "followup:\n  idle_close: 3 hours\n", &c), BPT_ECONFIG);
	assert_non_null(strstr(ctx.errmsg,
	    "t.yaml:5:15: followup.idle_close: bad duration '3 hours'"));
	assert_int_equal(load(&ctx, "group:\n  address: bpt@x.example\nstore: s.db\n"
	    "followup:\n  remind_every: 1w\n", &c), BPT_ECONFIG);
	assert_non_null(strstr(ctx.errmsg, "t.yaml:5:3: unknown key 'followup.remind_every'"));
}

static void
test_missing_file(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct bpt_config *c;

	(void)state;
	assert_int_equal(cfg_load(&ctx, "/nonexistent/bpt.yaml", &c), BPT_ECONFIG);
	assert_non_null(strstr(ctx.errmsg, "/nonexistent/bpt.yaml"));
}

/*
 * Every duration and size has bounds.  Past them a value wrapped or
 * overflowed: busy_timeout 25d became no wait at all (milliseconds in
 * an int), 9223372036854775807s overflowed in the multiplication, and
 * parse_timeout 0s switched the timeout off.
 */
static void
test_bounds(void **state)
{
	static const struct bad_case bad[] = {
		{ "busy_timeout: 25d\n", "t.yaml:4:15: busy_timeout: 25d is out of range 1s..10m" },
		{ "busy_timeout: 9223372036854775807s\n",
		  "t.yaml:4:15: busy_timeout: 9223372036854775807s is out of range 1s..10m" },
		{ "busy_timeout: 0s\n", "busy_timeout: 0s is out of range 1s..10m" },
		{ "busy_timeout: 601s\n", "busy_timeout: 601s is out of range" },
		{ "limits:\n  parse_timeout: 0s\n",
		  "t.yaml:5:18: limits.parse_timeout: 0s is out of range 1s..15m" },
		{ "limits:\n  parse_timeout: 9999999999d\n", "limits.parse_timeout: 9999999999d is out of range" },
		{ "limits:\n  parse_timeout: 2w\n", "limits.parse_timeout: 2w is out of range 1s..15m" },
		{ "limits:\n  max_line: 100B\n", "limits.max_line: 100B is out of range 1KB..16MB" },
		{ "delivery:\n  smtp: {timeout: 2h}\n", "delivery.smtp.timeout: 2h is out of range 1s..1h" },
		{ "delivery:\n  max_age: 31d\n", "delivery.max_age: 31d is out of range 1s..30d" },
		{ "delivery:\n  retry_min: 0s\n", "delivery.retry_min: 0s is out of range 1s..1d" },
		{ "delivery:\n  retry_max: 8d\n", "delivery.retry_max: 8d is out of range 1s..7d" },
		{ "delivery:\n  bounce_window: 23h\n", "delivery.bounce_window: 23h is out of range 1d..365d" },
		{ "delivery:\n  undelivered_after: 8d\n", "delivery.undelivered_after: 8d is out of range 0s..7d" },
		{ "delivery:\n  sendmail_timeout: 1h\n", "delivery.sendmail_timeout: 1h is out of range 1s..15m" },
		{ "policy:\n  max_message_size: 2GB\n", "policy.max_message_size: 2GB is out of range 1KB..100MB" },
		{ "policy:\n  max_message_size: 0\n", "policy.max_message_size: 0 is out of range 1KB..100MB" },
		{ "policy:\n  attachments: {max_image_size: 101MB}\n",
		  "policy.attachments.max_image_size: 101MB is out of range 1KB..100MB" },
	};
	static const char *const good[] = {
		"busy_timeout: 10m\n", "busy_timeout: 1s\n", "limits:\n  parse_timeout: 15m\n",
		"delivery:\n  undelivered_after: 0s\n  max_age: 30d\n  retry_max: 1w\n",
		"policy:\n  max_message_size: 100MB\n  attachments: {max_image_size: 1KB}\n",
	};
	struct bpt_config *c;
	char text[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct bpt_ctx ctx = BPT_CTX_INIT;

		snprintf(text, sizeof(text), "group:\n  address: bpt@x.example\n"
		    "store: s.db\n%s", bad[i].text);
		c = (void *)1;
		if (load(&ctx, text, &c) != BPT_ECONFIG)
			fail_msg("bad case %zu accepted", i);
		assert_null(c);
		if (strstr(ctx.errmsg, bad[i].expect) == NULL)
			fail_msg("bad case %zu: '%s' lacks '%s'", i, ctx.errmsg,
			    bad[i].expect);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct bpt_ctx ctx = BPT_CTX_INIT;

		snprintf(text, sizeof(text), "group:\n  address: bpt@x.example\n"
		    "store: s.db\n%s", good[i]);
		if (load(&ctx, text, &c) != BPT_OK)
			fail_msg("good case %zu: %s", i, ctx.errmsg);
		cfg_free(c);
	}
	assert_int_equal(load(&(struct bpt_ctx)BPT_CTX_INIT, "group:\n  address: "
	    "bpt@x.example\nstore: s.db\nbusy_timeout: 10m\nlimits:\n  "
	    "parse_timeout: 15m\n", &c), BPT_OK);
	assert_int_equal(c->busy_timeout, 600);
	assert_int_equal(c->limits.parse_timeout, 900);
	cfg_free(c);
}

/* Writes text to dir/name with mode; returns the path (static). */
static const char *
put_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	static char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

/* cfg_load() on path: BPT_ECONFIG with expect in the message. */
static void
expect_refused(const char *path, const char *expect)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct bpt_config *c = (void *)1;

	if (cfg_load(&ctx, path, &c) != BPT_ECONFIG)
		fail_msg("%s: status %d, '%s'", path, ctx.err, ctx.errmsg);
	assert_int_equal(ctx.err, BPT_ECONFIG);
	assert_null(c);
	if (strstr(ctx.errmsg, expect) == NULL)
		fail_msg("%s: '%s' lacks '%s'", path, ctx.errmsg, expect);
}

/*
 * Only a regular file is read, and every refusal says why: the reason
 * of a file too large or of a folder used to be lost ("configuration
 * error"), and /dev/zero, /dev/urandom or a FIFO kept the tool waiting
 * or reading for ever.
 */
static void
test_file_not_regular_or_too_large(void **state)
{
	char *dir = unit_tmpdir();
	char path[1024];
	FILE *f;
	int i;

	(void)state;
	expect_refused("/dev/zero", "/dev/zero: a character device, not a regular file");
	expect_refused("/dev/urandom", "/dev/urandom: a character device, not a regular file");
	expect_refused(dir, ": a folder, not a regular file");
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	expect_refused(path, "/fifo: a FIFO, not a regular file");
	snprintf(path, sizeof(path), "%s/big.yaml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (i = 0; i < 1024 * 1024 / 16 + 1; i++)
		fputs("# fifteen bytes\n", f);
	assert_int_equal(fclose(f), 0);
	expect_refused(path, "/big.yaml: larger than 1048576 bytes");
	unit_rmtree(dir);
}

/*
 * A file that names a program to run is refused when others, or a group
 * that is not root's or the owner's own, may write it: they could make
 * the tools run anything.
 */
static void
test_program_in_writable_file(void **state)
{
	static const char sendmail[] = "group:\n  address: bpt@x.example\nstore: s.db\n"
	    "delivery:\n  transport: sendmail\n  sendmail: /usr/sbin/sendmail\n";
	static const char plain[] = "group:\n  address: bpt@x.example\nstore: s.db\n";
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct bpt_config *c;
	char *dir = unit_tmpdir();
	const char *p;

	(void)state;
	p = put_file(dir, "o.yaml", sendmail, 0602);
	expect_refused(p, "o.yaml:6:13: delivery.sendmail: names a program to run, "
	    "but ");
	expect_refused(p, "o.yaml is writable by others (mode 0602); chmod go-w it");
	p = put_file(dir, "g.yaml", sendmail, 0660);
	if (geteuid() == 0) {
		const struct passwd *bin = getpwnam("bin");

		/* a group of others (nogroup) */
		assert_int_equal(chown(p, (uid_t)-1, 65534), 0);
		expect_refused(p, "g.yaml is writable by its group (mode 0660); "
		    "chmod go-w it");
		/* root's group, and the owner's own (bin:bin, no members) */
		assert_int_equal(chown(p, (uid_t)-1, 0), 0);
		assert_int_equal(cfg_load(&ctx, p, &c), BPT_OK);
		cfg_free(c);
		if (bin != NULL && getgrgid(bin->pw_gid) != NULL &&
		    strcmp(getgrgid(bin->pw_gid)->gr_name, "bin") == 0 &&
		    getgrgid(bin->pw_gid)->gr_mem[0] == NULL) {
			assert_int_equal(chown(p, bin->pw_uid, bin->pw_gid), 0);
			assert_int_equal(chmod(p, 0660), 0);
			assert_int_equal(cfg_load(&ctx, p, &c), BPT_OK);
			cfg_free(c);
		}
	}
	/* readable is not writable; and no program named, nothing to run */
	p = put_file(dir, "r.yaml", sendmail, 0644);
	assert_int_equal(cfg_load(&ctx, p, &c), BPT_OK);
	assert_string_equal(c->delivery.sendmail, "/usr/sbin/sendmail");
	cfg_free(c);
	p = put_file(dir, "w.yaml", plain, 0666);
	assert_int_equal(cfg_load(&ctx, p, &c), BPT_OK);
	assert_string_equal(c->delivery.sendmail, "/usr/sbin/sendmail");
	cfg_free(c);
	unit_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_gets_defaults),
		cmocka_unit_test(test_full_design_example),
		cmocka_unit_test(test_moderation_keys),
		cmocka_unit_test(test_unfinished_runs),
		cmocka_unit_test(test_export_keys),
		cmocka_unit_test(test_errors_have_positions),
		cmocka_unit_test(test_smtp_session_timeout),
		cmocka_unit_test(test_inbound_imap),
		cmocka_unit_test(test_durations_and_sizes),
		cmocka_unit_test(test_null_values_and_example),
		cmocka_unit_test(test_followup_keys),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_file_not_regular_or_too_large),
		cmocka_unit_test(test_program_in_writable_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
