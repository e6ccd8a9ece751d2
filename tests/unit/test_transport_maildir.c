/* test_transport_maildir.c - copies into OUTBOX/<recipient>/new/. */
#include "unit.h"

#include <dirent.h>
#include <sys/stat.h>

#include "config.h"
#include "transport.h"

static const char message[] =
    "From: \"Jan via BPT\" <bpt@binnenbijster.example>\n"
    "Subject: [BPT #12] verdachte auto\n"
    "\n"
    "Grijze bestelbus.\n";

static struct bpt_config *
maildir_cfg(const char *outbox)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct bpt_config *cfg = NULL;
	char text[1024];

	snprintf(text, sizeof(text), "group:\n  address: bpt@binnenbijster.example\n"
	    "store: /tmp/bpt-unit-unused.db\ndelivery:\n  transport: maildir\n"
	    "  maildir: %s\n", outbox);
	if (cfg_load_string(&ctx, "/tmp/t.yaml", text, strlen(text), &cfg) != BPT_OK)
		fail_msg("config: %s", ctx.errmsg);
	return cfg;
}

/* The names in dir, none starting with '.'; how many, the last in *name. */
static int
entries(const char *dir, char *name, size_t len)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.') {
			n++;
			if (name != NULL)
				snprintf(name, len, "%s", de->d_name);
		}
	closedir(d);
	return n;
}

/* A real Maildir per recipient: the copy in new/ whole, with the
 * envelope sender on top, mode 0600; tmp/ empty, cur/ there. */
static void
test_copies_in_new(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct tr_message m = { "bpt-bounces@binnenbijster.example", message,
	    sizeof(message) - 1 };
	struct tr_rcpt r[2];
	struct bpt_config *cfg;
	struct buf b = BUF_INIT, expect = BUF_INIT;
	char *dir = unit_tmpdir(), outbox[512], path[1024], name[256];
	struct stat sb;
	void *st;
	int i;

	(void)state;
	/* the outbox's parents are made as well */
	snprintf(outbox, sizeof(outbox), "%s/var/outbox", dir);
	cfg = maildir_cfg(outbox);
	memset(r, 0, sizeof(r));
	r[0].addr = "anna@example.org";
	r[1].addr = "/../.piet@example.org";
	r[1].env_from = "bpt-bounces+tok@binnenbijster.example";
	assert_int_equal(transport_maildir_ops.open(&ctx, cfg, &st), BPT_OK);
	assert_int_equal(transport_maildir_ops.send(&ctx, st, &m, r, 2), BPT_OK);
	transport_maildir_ops.close(st);
	for (i = 0; i < 2; i++) {
		const char *box = i == 0 ? "anna@example.org" : "%2F..%2F.piet@example.org";

		assert_int_equal(r[i].result, TR_OK);
		assert_int_equal(r[i].code, 250);
		snprintf(path, sizeof(path), "%s/%s/tmp", outbox, box);
		assert_int_equal(entries(path, NULL, 0), 0);
		snprintf(path, sizeof(path), "%s/%s/cur", outbox, box);
		assert_int_equal(entries(path, NULL, 0), 0);
		snprintf(path, sizeof(path), "%s/%s/new", outbox, box);
		assert_int_equal(entries(path, name, sizeof(name)), 1);
		/* a unique name: time, microseconds, pid, count, host */
		assert_non_null(strstr(name, ".M"));
		assert_non_null(strchr(name, 'P'));
		snprintf(path, sizeof(path), "%s/%s/new/%s", outbox, box, name);
		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal(sb.st_mode & 07777, 0600);
		buf_reset(&b);
		assert_int_equal(fio_read_file(&ctx, path, 0, &b), BPT_OK);
		buf_reset(&expect);
		buf_addf(&expect, "Return-Path: <%s>\n%s", i == 0 ?
		    "bpt-bounces@binnenbijster.example" :
		    "bpt-bounces+tok@binnenbijster.example", message);
		assert_string_equal(buf_str(&b), buf_str(&expect));
	}
	buf_release(&b);
	buf_release(&expect);
	cfg_free(cfg);
	unit_rmtree(dir);
}

/* A mailbox that cannot be made is a temporary failure of that copy
 * alone, with the reason; the caller's recorded error is left alone. */
static void
test_unwritable_mailbox_is_temporary(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct tr_message m = { "", message, sizeof(message) - 1 };
	struct tr_rcpt r[2];
	struct bpt_config *cfg;
	char *dir = unit_tmpdir(), path[1024];
	FILE *f;
	void *st;

	(void)state;
	cfg = maildir_cfg(dir);
	/* a file where anna's Maildir belongs */
	snprintf(path, sizeof(path), "%s/anna@example.org", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fclose(f), 0);
	memset(r, 0, sizeof(r));
	r[0].addr = "anna@example.org";
	r[1].addr = "piet@example.org";
	bpt_err(&ctx, BPT_EDATA, "earlier");
	assert_int_equal(transport_maildir_ops.open(&ctx, cfg, &st), BPT_OK);
	assert_int_equal(transport_maildir_ops.send(&ctx, st, &m, r, 2), BPT_OK);
	transport_maildir_ops.close(st);
	assert_int_equal(r[0].result, TR_TEMP);
	if (strncmp(r[0].reply, "maildir: cannot create folder '", 31) != 0 ||
	    strstr(r[0].reply, "Not a directory") == NULL)
		fail_msg("reply '%s'", r[0].reply);
	assert_int_equal(r[1].result, TR_OK);
	assert_string_equal(ctx.errmsg, "earlier");
	assert_int_equal(ctx.err, BPT_EDATA);
	snprintf(path, sizeof(path), "%s/piet@example.org/new", dir);
	assert_int_equal(entries(path, NULL, 0), 1);
	cfg_free(cfg);
	unit_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copies_in_new),
		cmocka_unit_test(test_unwritable_mailbox_is_temporary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
