/*
 * fuzz_ingest.c - the whole path of an incoming mail on raw bytes.
 *
 * Each input is a message as the MTA hands it over.  It is parsed with
 * mail_parse() (whose promises are checked: every string UTF-8 without
 * CR or controls, header values one line, text ending in one newline,
 * attachment hashes right), its sender is made an active member when
 * the address is a new one (so alerts and replies reach the distribution
 * code: quote folding, 112 and plate detection, scrubbing, templates,
 * compose_copy() with the attachments passed on, the outbox), and then
 * ingest_message() runs it with delivery off on a small store: five
 * members (admin, member, suspended, banned), an open incident with a
 * reply and a closed one.  The store is put back to that state before
 * every input (fuzz_store_reset()).
 *
 * Checked besides crashes: ingest_message() returns BPT_OK for every
 * input (bpt-report may only exit 75 for a busy store or a full disk),
 * with a class, an incident for posts and replies, and no transaction
 * left open; the same bytes a second time are a duplicate that does
 * nothing.
 */
#include "bptconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "charset.h"
#include "config.h"
#include "fuzz.h"
#include "ingest.h"
#include "mail.h"
#include "member.h"
#include "sha256.h"
#include "store.h"

#define NOW ((time_t)1800000000)	/* 2027-01-15 08:00 UTC */

static struct bpt_ctx ctx;
static int ready;
static int verbose;	/* $BPT_FUZZ_VERBOSE: print each class */

static void
load_config(void)
{
	struct buf y = BUF_INIT;
	const char *dir = fuzz_tmpdir();

	buf_addf(&y,
	    "group:\n"
	    "  name: BPT Fuzzbuurt\n"
	    "  address: bpt@buurt.example\n"
	    "store: %s/bpt.db\n"
	    "delivery:\n"
	    "  transport: maildir\n"
	    "  maildir: %s/outbox\n"
	    "policy:\n"
	    "  attachments: {images: allow, max_images: 4, max_image_size: 4KB, "
	    "other: allow}\n"
	    "  max_message_size: 8KB\n", dir, dir);
	if (buf_failed(&y))
		fuzz_fail(NULL, "out of memory");
	if (cfg_load_string(&ctx, "fuzz.yaml", y.buf, y.len, &ctx.cfg) != BPT_OK)
		fuzz_fail(&ctx, "the fixed configuration");
	buf_release(&y);
}

static void
seed_member(struct bpt_ctx *c, const char *email, const char *name,
    const char *role)
{
	struct member_change ch = { 0 };
	struct member_report r = { 0 };

	ch.name = name;
	ch.role = role;
	if (member_add(c, email, &ch, &r) != BPT_OK)
		fuzz_fail(c, "seed %s", email);
	member_report_release(&r);
}

static void
seed_mail(struct bpt_ctx *c, const char *raw, const char *want)
{
	struct ingest_opts o = { 0 };
	struct ingest_result r;

	o.total = strlen(raw);
	if (ingest_message(c, raw, strlen(raw), &o, &r) != BPT_OK)
		fuzz_fail(c, "seed mail");
	if (r.class == NULL || strcmp(r.class, want) != 0)
		fuzz_fail(c, "seed mail is %s, not %s", r.class ? r.class : "-", want);
}

static void
seed(struct bpt_ctx *c)
{
	static const char close_sql[] = "UPDATE incidents SET status = 'closed', "
	    "closed_at = ?1, closed_by = 'fuzz@bewoners.example' WHERE id = 2";
	struct member_report r = { 0 };
	sqlite3_stmt *s;

	seed_member(c, "jan@bewoners.example", "Jan de Vries", "admin");
	seed_member(c, "piet@bewoners.example", "Piet Bakker", "member");
	seed_member(c, "anna@bewoners.example", "", "member");
	seed_member(c, "kees@bewoners.example", "Kees", "member");
	seed_member(c, "bob@bewoners.example", "Bob", "member");
	if (member_suspend(c, "kees@bewoners.example", "vakantie", 0, 0, &r) != BPT_OK)
		fuzz_fail(c, "seed suspend");
	member_report_release(&r);
	if (member_ban(c, "bob@bewoners.example", "schelden", 0, &r) != BPT_OK)
		fuzz_fail(c, "seed ban");
	member_report_release(&r);

	seed_mail(c, "From: Jan de Vries <jan@bewoners.example>\n"
	    "To: bpt@buurt.example\n"
	    "Subject: Verdachte man bij de school\n"
	    "Message-ID: <alert-1@bewoners.example>\n"
	    "Date: Fri, 15 Jan 2027 08:00:00 +0100\n"
	    "\n"
	    "Man met bivakmuts loopt langs de auto's, 12-ABC-3. 112 gebeld.\n",
	    "post");
	seed_mail(c, "From: Piet Bakker <piet@bewoners.example>\n"
	    "To: bpt@buurt.example\n"
	    "Subject: Re: [BPT Fuzzbuurt #1] Verdachte man bij de school\n"
	    "Message-ID: <reply-1@bewoners.example>\n"
	    "In-Reply-To: <alert-1@bewoners.example>\n"
	    "References: <alert-1@bewoners.example>\n"
	    "\n"
	    "Ik zie hem ook, hij gaat richting het park.\n"
	    "\n"
	    "Op 15 jan 2027 om 08:00 schreef Jan de Vries:\n"
	    "> Man met bivakmuts loopt langs de auto's.\n",
	    "reply");
	seed_mail(c, "From: anna@bewoners.example\n"
	    "To: bpt@buurt.example\n"
	    "Subject: Inbraak schuur\n"
	    "Message-ID: <alert-2@bewoners.example>\n"
	    "\n"
	    "Schuur opengebroken, politie is op de hoogte.\n",
	    "post");
	if ((s = store_prepare(c, c->store, close_sql)) == NULL)
		fuzz_fail(c, "close incident 2");
	sqlite3_bind_int64(s, 1, (sqlite3_int64)NOW);
	if (store_step_done(c, c->store, s) != BPT_OK)
		fuzz_fail(c, "close incident 2");
}

/* A string of struct mail (mail.h): UTF-8, no CR, no controls. */
static void
check_str(const char *what, const char *s, int one_line)
{
	size_t i;

	if (s == NULL)
		return;
	if (!charset_utf8_valid(s, strlen(s)))
		fuzz_fail(NULL, "mail_parse: %s is not valid UTF-8", what);
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r' || (one_line && c == '\n'))
			fuzz_fail(NULL, "mail_parse: %s holds CR or LF", what);
		if (c < 0x20 && c != '\n' && c != '\t')
			fuzz_fail(NULL, "mail_parse: %s holds control %#x", what, c);
	}
}

static void
check_mail(const struct mail *m)
{
	char hex[SHA256_HEX_LEN + 1];
	size_t i, n;

	for (i = 0; i < m->nhdr; i++) {
		check_str("a header name", m->hdr[i].name, 1);
		check_str("a header value", m->hdr[i].value, 1);
	}
	check_str("from_addr", m->from_addr, 1);
	check_str("from_name", m->from_name, 1);
	check_str("subject", m->subject, 1);
	check_str("message_id", m->message_id, 1);
	check_str("in_reply_to", m->in_reply_to, 1);
	for (i = 0; i < m->nrefs; i++)
		check_str("a reference", m->refs[i], 1);
	check_str("reply_to", m->reply_to, 1);
	check_str("date", m->date, 1);
	check_str("return_path", m->return_path, 1);
	check_str("envelope_to", m->envelope_to, 1);
	check_str("content_type", m->content_type, 1);
	check_str("notes", m->notes, 1);
	check_str("dsn", m->dsn, 0);
	check_str("dsn_original", m->dsn_original, 0);
	if (m->text == NULL)
		fuzz_fail(NULL, "mail_parse: text is NULL");
	check_str("text", m->text, 0);
	n = strlen(m->text);
	if (n > 0 && (m->text[n - 1] != '\n' || (n > 1 && m->text[n - 2] == '\n')))
		fuzz_fail(NULL, "mail_parse: text does not end in one newline");
	if (n > MAIL_TEXT_MAX + 1)
		fuzz_fail(NULL, "mail_parse: text of %zu bytes", n);
	for (i = 0; i < m->natt; i++) {
		const struct mail_attachment *a = &m->att[i];

		check_str("a file name", a->filename, 1);
		check_str("an attachment type", a->content_type, 1);
		check_str("a content id", a->content_id, 1);
		if (a->content_type == NULL || (a->data == NULL && a->size > 0))
			fuzz_fail(NULL, "mail_parse: attachment %zu has no type or data", i);
		sha256_hex(a->data ? a->data : "", a->size, hex);
		if (strcmp(hex, a->sha256) != 0)
			fuzz_fail(NULL, "mail_parse: attachment %zu hash", i);
	}
	if ((m->flags & MAIL_LIMITS) && (*m->text != '\0' || m->natt != 0))
		fuzz_fail(NULL, "mail_parse: text or attachments past a limit");
}

static void
ingest(const char *raw, size_t len, size_t total, struct ingest_result *r)
{
	struct ingest_opts o = { 0 };
	enum bpt_status st;

	o.total = total;
	o.truncated = total > len;
	st = ingest_message(&ctx, raw, len, &o, r);
	if (st != BPT_OK)
		fuzz_fail(&ctx, "ingest_message: status %s", bpt_status_str(st));
	if (store_in_tx(ctx.store))
		fuzz_fail(&ctx, "ingest_message left a transaction open");
	if (r->class == NULL || r->message <= 0)
		fuzz_fail(&ctx, "ingest_message: no class or no message row");
	if ((strcmp(r->class, "post") == 0 || strcmp(r->class, "reply") == 0) &&
	    r->incident <= 0)
		fuzz_fail(&ctx, "a %s without an incident", r->class);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_limits lim;
	struct ingest_result r, again;
	struct mail *m = NULL;
	const char *raw = (const char *)data;
	size_t len = size;

	if (!ready) {
		ctx = (struct bpt_ctx)BPT_CTX_INIT;
		ctx.now = NOW;
		ctx.actor = strdup("fuzz@bewoners.example");
		load_config();
		fuzz_store_init(&ctx, seed);
		verbose = getenv("BPT_FUZZ_VERBOSE") != NULL;
		ready = 1;
	}
	fuzz_store_reset(&ctx);

	/* bpt-report keeps the first policy.max_message_size bytes */
	if (len > (size_t)ctx.cfg->policy.max_message_size)
		len = (size_t)ctx.cfg->policy.max_message_size;
	lim.max_parts = ctx.cfg->limits.max_parts;
	lim.max_depth = ctx.cfg->limits.max_depth;
	lim.max_headers = ctx.cfg->limits.max_headers;
	lim.max_line = ctx.cfg->limits.max_line;
	if (mail_parse(&ctx, raw, len, &lim, &m) != BPT_OK || m == NULL)
		fuzz_fail(&ctx, "mail_parse");
	check_mail(m);
	if (m->from_addr != NULL) {
		struct member_change ch = { 0 };
		struct member_report rep = { 0 };
		enum bpt_status st;

		ch.name = m->from_name;
		st = member_add(&ctx, m->from_addr, &ch, &rep);
		member_report_release(&rep);
		if (store_in_tx(ctx.store))
			fuzz_fail(&ctx, "member_add left a transaction open");
		if (st != BPT_OK && st != BPT_EEXIST && st != BPT_EDATA)
			fuzz_fail(&ctx, "member_add: status %s", bpt_status_str(st));
	}
	mail_free(m);

	ingest(raw, len, size, &r);
	if (verbose)
		fprintf(stderr, "ingest: %s (%s), incident %lld, %lld copies, "
		    "%lld notices\n", r.class, r.why ? r.why : "-", r.incident,
		    r.copies, r.notices);
	ingest(raw, len, size, &again);
	if (!again.duplicate || again.message != r.message || again.copies != 0 ||
	    again.notices != 0)
		fuzz_fail(&ctx, "the same mail twice was not a duplicate");
	return 0;
}
