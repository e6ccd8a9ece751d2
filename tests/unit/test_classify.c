/* test_classify.c - one class per message, in the order of DESIGN.md;
 * each rule of policy.c with a message that breaks it and one that
 * just passes. */
#include "unit.h"

#include <string.h>

#include "classify.h"
#include "config.h"
#include "mail.h"
#include "member.h"
#include "words.h"

static const char base_yaml[] =
    "group:\n  name: BPT Testbuurt\n  address: bpt@bars.example\n"
    "store: s.db\n"
    "policy:\n  flood: {max_per_hour: 2}\n  authserv_id: mx.bars.example\n";

struct fix {
	struct bpt_ctx ctx;
	struct bpt_config *cfg;
	struct words *words;
	struct member anna;
};

static int
setup(void **state)
{
	static struct fix f;

	memset(&f, 0, sizeof(f));
	f.ctx = (struct bpt_ctx)BPT_CTX_INIT;
	assert_int_equal(cfg_load_string(&f.ctx, "t.yaml", base_yaml,
	    strlen(base_yaml), &f.cfg), BPT_OK);
	assert_int_equal(words_load(&f.ctx, NULL, &f.words), BPT_OK);
	f.anna.id = 3;
	f.anna.email = "anna@bewoners.example";
	f.anna.name = "Anna Jansen";
	f.anna.role = "member";
	f.anna.status = "active";
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	words_free(f->words);
	cfg_free(f->cfg);
	return 0;
}

/* The class of raw (headers and body) from sender, with the facts. */
static enum classify_class
run(struct fix *f, const char *raw, const struct member *sender, long recent,
    long long thread, int closed, enum policy_rule *rule)
{
	struct classify_in in;
	struct classify_out out;
	struct mail *m = NULL;

	assert_int_equal(mail_parse(&f->ctx, raw, strlen(raw), NULL, &m), BPT_OK);
	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	buf_init(&out.evidence);
	in.cfg = f->cfg;
	in.m = m;
	in.sender = sender;
	in.words = f->words;
	in.recent = recent;
	in.thread = thread;
	in.thread_closed = closed;
	classify(&in, &out);
	if (rule)
		*rule = out.rule;
	buf_release(&out.evidence);
	mail_free(m);
	return out.cls;
}

#define HDR "From: Anna <anna@bewoners.example>\nTo: bpt@bars.example\n"

static void
test_order(void **state)
{
	struct fix *f = *state;

	assert_int_equal(run(f, HDR "List-Id: <bpt.bars.example>\nSubject: x\n\nx\n",
	    &f->anna, 0, 0, 0, NULL), CLS_LOOP);
	assert_int_equal(run(f, HDR "Auto-Submitted: auto-replied\nSubject: Weg\n\n"
	    "Ik ben weg\n", &f->anna, 0, 0, 0, NULL), CLS_AUTOREPLY);
	assert_int_equal(run(f, "From: MAILER-DAEMON@mx.example\nTo: bpt@bars.example\n"
	    "Subject: Undelivered Mail Returned to Sender\n\nx\n", NULL, 0, 0, 0, NULL),
	    CLS_BOUNCE);
	assert_int_equal(run(f, "From: x@elders.example\nTo: bpt@bars.example\n"
	    "Subject: Man\n\nMan bij school\n", NULL, 0, 0, 0, NULL), CLS_NONMEMBER);
	assert_int_equal(run(f, HDR "Subject: Man\n\nMan bij school\n", &f->anna, 0,
	    0, 0, NULL), CLS_POST);
	assert_int_equal(run(f, HDR "Subject: Re: Man\n\nIk zie hem ook\n", &f->anna,
	    0, 4, 0, NULL), CLS_REPLY);
	assert_int_equal(run(f, HDR "Subject: Re: Man\n\nIk zie hem ook\n", &f->anna,
	    0, 4, 1, NULL), CLS_CLOSED);
	/* a rule comes before the thread: a held reply to a closed one */
	assert_int_equal(run(f, HDR "Subject: Re: Man\n\nklootzak\n", &f->anna,
	    0, 4, 1, NULL), CLS_HELD);
}

static void
test_language(void **state)
{
	struct fix *f = *state;
	enum policy_rule r;

	assert_int_equal(run(f, HDR "Subject: Kankerlijers\n\nWeer die gasten\n",
	    &f->anna, 0, 0, 0, &r), CLS_HELD);
	assert_int_equal(r, POLICY_LANGUAGE);
	assert_int_equal(run(f, HDR "Subject: Man\n\nEen k.u.t situatie\n",
	    &f->anna, 0, 0, 0, &r), CLS_HELD);
	assert_int_equal(run(f, HDR "Subject: Bus\n\nBus van KWF Kankerbestrijding "
	    "bij de Teteringsedijk\n", &f->anna, 0, 0, 0, &r), CLS_POST);
	/* a reply: what it quotes is not its own */
	assert_int_equal(run(f, HDR "Subject: Re: x\n\nIk bel 112\n\n> klootzak\n",
	    &f->anna, 0, 4, 0, &r), CLS_REPLY);
	f->cfg->policy.hold_alerts = 0;
	assert_int_equal(run(f, HDR "Subject: Klootzak\n\nHij trekt aan deuren\n",
	    &f->anna, 0, 0, 0, &r), CLS_POST);
	assert_int_equal(run(f, HDR "Subject: Re: x\n\nklootzak\n",
	    &f->anna, 0, 4, 0, &r), CLS_HELD);
	f->cfg->policy.hold_alerts = 1;
	f->cfg->policy.language = CFG_REJECT;
	assert_int_equal(run(f, HDR "Subject: Klootzak\n\nx\n", &f->anna, 0, 0, 0,
	    &r), CLS_REJECTED);
	f->cfg->policy.language = CFG_HOLD;
}

static void
test_photo_chitchat_flood(void **state)
{
	struct fix *f = *state;
	enum policy_rule r;
	static const char photo[] = HDR "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=b\n%s\n--b\n"
	    "Content-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n"
	    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAA==\n--b--\n";
	char raw[512];

	snprintf(raw, sizeof(raw), photo, "");
	assert_int_equal(run(f, raw, &f->anna, 0, 0, 0, &r), CLS_HELD);
	assert_int_equal(r, POLICY_PHOTO);
	snprintf(raw, sizeof(raw), photo, "Subject: Deze man bij de schuur\n");
	assert_int_equal(run(f, raw, &f->anna, 0, 0, 0, &r), CLS_POST);

	assert_int_equal(run(f, HDR "Subject: Goedemorgen allemaal\n\n\xf0\x9f\x91\x8d\n",
	    &f->anna, 0, 0, 0, &r), CLS_HELD);
	assert_int_equal(r, POLICY_CHITCHAT);
	assert_int_equal(run(f, HDR "Subject: Inbraak nu Dorpsstraat 4\n\n",
	    &f->anna, 0, 0, 0, &r), CLS_POST);
	/* "bedankt" as a reply is fine */
	assert_int_equal(run(f, HDR "Subject: Re: x\n\nBedankt!\n",
	    &f->anna, 0, 4, 0, &r), CLS_REPLY);

	assert_int_equal(run(f, HDR "Subject: Scooter\n\nWeer die scooter\n",
	    &f->anna, 1, 0, 0, &r), CLS_POST);
	assert_int_equal(run(f, HDR "Subject: Scooter\n\nWeer die scooter\n",
	    &f->anna, 2, 0, 0, &r), CLS_HELD);
	assert_int_equal(r, POLICY_FLOOD);
}

static void
test_forged(void **state)
{
	struct fix *f = *state;
	enum policy_rule r;

	/* OpenDMARC */
	assert_int_equal(run(f, HDR "Authentication-Results: mx.bars.example; "
	    "dmarc=fail (p=none dis=none) header.from=bewoners.example\n"
	    "Subject: Man\n\nMan bij school\n", &f->anna, 0, 0, 0, &r), CLS_HELD);
	assert_int_equal(r, POLICY_FORGED);
	/* rspamd: SPF fail, no DKIM */
	assert_int_equal(run(f, HDR "Authentication-Results: mx.bars.example;\n"
	    "\tdkim=none;\n\tspf=fail smtp.mailfrom=anna@bewoners.example\n"
	    "Subject: Man\n\nMan bij school\n", &f->anna, 0, 0, 0, &r), CLS_HELD);
	/* another authserv-id is not trusted */
	assert_int_equal(run(f, HDR "Authentication-Results: mx.elders.example; "
	    "dmarc=fail header.from=bewoners.example\n"
	    "Subject: Man\n\nMan bij school\n", &f->anna, 0, 0, 0, &r), CLS_POST);
	assert_int_equal(run(f, HDR "Authentication-Results: mx.bars.example; "
	    "dmarc=pass header.from=bewoners.example\n"
	    "Subject: Man\n\nMan bij school\n", &f->anna, 0, 0, 0, &r), CLS_POST);
}

static void
test_subject_only_automatic(void **state)
{
	struct fix *f = *state;
	enum policy_rule r;

	assert_int_equal(run(f, HDR "Subject: Out of office pand Kerkstraat: "
	    "verdachte man\n\nMan met koevoet\n", &f->anna, 0, 0, 0, &r), CLS_HELD);
	assert_int_equal(r, POLICY_AUTOMATIC);
	assert_int_equal(run(f, HDR "Subject: Delivery Status Notification: "
	    "verdachte bestelbus\n\nBus\n", &f->anna, 0, 0, 0, &r), CLS_HELD);
	assert_int_equal(run(f, HDR "Subject: Automatisch antwoord van de politie?\n\n"
	    "Wat nu\n", &f->anna, 0, 0, 0, &r), CLS_HELD);
	/* from a stranger it stays what it says */
	assert_int_equal(run(f, "From: x@elders.example\nTo: bpt@bars.example\n"
	    "Subject: Out of office\n\nweg\n", NULL, 0, 0, 0, &r), CLS_AUTOREPLY);
	/* with header evidence too: discarded */
	assert_int_equal(run(f, HDR "Auto-Submitted: auto-replied\nSubject: Out of "
	    "office\n\nweg\n", &f->anna, 0, 0, 0, &r), CLS_AUTOREPLY);
}

static void
test_non_members_hold(void **state)
{
	struct fix *f = *state;
	enum policy_rule r;
	struct member s = f->anna;

	f->cfg->policy.non_members_hold = 1;
	assert_int_equal(run(f, "From: x@elders.example\nTo: bpt@bars.example\n"
	    "Subject: Man\n\nMan bij school\n", NULL, 0, 0, 0, &r), CLS_HELD);
	assert_int_equal(r, POLICY_NON_MEMBER);
	/* a suspended member is told, not held */
	s.status = "suspended";
	assert_int_equal(run(f, HDR "Subject: Man\n\nMan bij school\n", &s, 0, 0, 0,
	    &r), CLS_NONMEMBER);
	f->cfg->policy.non_members_hold = 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_language),
		cmocka_unit_test(test_photo_chitchat_flood),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_subject_only_automatic),
		cmocka_unit_test(test_non_members_hold),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
