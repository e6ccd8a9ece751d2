/* ingest.c - one incoming mail: store, parse, classify, thread, copy. */
#include "bptconf.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "addr.h"
#include "audit.h"
#include "autoclass.h"
#include "bounces.h"
#include "buf.h"
#include "compose.h"
#include "config.h"
#include "detect.h"
#include "imgmeta.h"
#include "incident.h"
#include "ingest.h"
#include "log.h"
#include "mail.h"
#include "member.h"
#include "notice.h"
#include "outbox.h"
#include "quarantine.h"
#include "quote.h"
#include "runmark.h"
#include "scrub.h"
#include "sha256.h"
#include "store.h"
#include "template.h"
#include "util.h"

#define NOTICE_INTERVAL 86400	/* one notice a day per address and kind */
#define DUPLICATE_WINDOW 86400	/* same Message-ID and sender: a retry */
#define MAX_PLATES 16

/* Everything one run works with. */
struct job {
	struct bpt_ctx *ctx;
	const struct ingest_opts *o;
	struct ingest_result *r;
	const char *raw;
	size_t len;
	char sha[SHA256_HEX_LEN + 1];
	struct mail *m;
	struct member sender;
	int have_sender;
	const char *runner;	/* claim copies for delivery now, or NULL */
	struct runmark mark;	/* this run's file while it works on the mail */
	int release;		/* bpt-report release: the row is quarantined */
	const char *env_to;	/* the MTA's, else X-Original-To/Delivered-To */
	/* what the message row gets at the end */
	struct buf shown;
	const char *called;	/* "yes"/"no" when the text said so */
	char prev_hash[SHA256_HEX_LEN + 1];
	char chain_hash[SHA256_HEX_LEN + 1];
};

static const char *
list_lang_mark(const struct job *j, int phone)
{
	int en = j->ctx->cfg->group.language == CFG_EN;

	if (phone)
		return en ? "[phone number removed]" : "[telefoonnummer verwijderd]";
	return en ? "[address removed]" : "[e-mailadres verwijderd]";
}

/* --- notices -------------------------------------------------------------- */

/*
 * Where a notice about this mail goes: to the registered address of
 * the member whose address is in From, else to the envelope sender
 * when it is the From address, else nowhere (notice_answer_to()).  So
 * a stranger who writes with a member's address in From and their own
 * envelope sender, to draw a notice, receives nothing, just as when
 * the address is not a member's: they cannot learn who is a member,
 * nor a member's name.  NULL for nobody.
 */
static const char *
answer_address(const struct job *j)
{
	const char *env = j->o->envelope_from ? j->o->envelope_from :
	    j->m->return_path;

	return notice_answer_to(j->ctx->cfg->group.address, env,
	    j->m->from_addr, j->have_sender ? j->sender.email : NULL);
}

/* A notice to the sender of this mail, at most once a day per kind. */
static enum bpt_status
notice_sender(struct job *j, const char *kind, const char *tpl,
    const struct tvar *v, size_t n, long long incident)
{
	const char *to = answer_address(j);
	struct notice nt = { tpl, v, n, to, 0, incident, 0, NULL, NULL };
	enum bpt_status st;
	int ok;

	/* the texts may carry the member's name: to them alone */
	if (to == NULL || (j->have_sender && to != j->sender.email))
		return BPT_OK;
	if ((st = notice_allowed(j->ctx, to, kind, NOTICE_INTERVAL, &ok)) != BPT_OK ||
	    !ok)
		return st;
	nt.member_id = j->have_sender ? j->sender.id : 0;
	nt.source = j->r->message;
	nt.in_reply_to = j->m ? j->m->message_id : NULL;
	nt.runner = j->runner;
	if ((st = notice_queue(j->ctx, &nt, NULL)) == BPT_OK)
		j->r->notices++;
	return st;
}

/* --- phase B ------------------------------------------------------------- */

/* 1 when rcpt is the list's request address (bpt-request@). */
static int
is_request(const struct bpt_config *cfg, const char *rcpt)
{
	const char *lat = strrchr(cfg->group.address, '@'), *rat;
	size_t ll;

	if (rcpt == NULL || lat == NULL || (rat = strrchr(rcpt, '@')) == NULL)
		return 0;
	ll = (size_t)(lat - cfg->group.address);
	return strcasecmp(lat, rat) == 0 && (size_t)(rat - rcpt) == ll + 8 &&
	    strncasecmp(rcpt, cfg->group.address, ll) == 0 &&
	    strncasecmp(rcpt + ll, "-request", 8) == 0;
}

/* bpt+N@ in the envelope recipient, or in To/Cc as written. */
static long long
plus_number(const struct job *j)
{
	const char *list = j->ctx->cfg->group.address;
	const char *lat = strrchr(list, '@');
	static const char *const fields[] = { "To", "Cc" };
	long long n = incident_plus_number(j->env_to, list);
	size_t f, k, ll = lat ? (size_t)(lat - list) : 0;

	for (f = 0; n == 0 && lat && f < 2; f++) {
		const char *v;

		for (k = 0; n == 0 && (v = mail_header(j->m, fields[f], k)) != NULL; k++) {
			const char *p = v;

			while (n == 0 && (p = strchr(p, '+')) != NULL) {
				const char *b = p, *e = p + 1;
				char cand[320];

				while (b > v && !strchr(" <,:\"", b[-1]))
					b--;
				while (*e && !strchr(" >,;\"", *e))
					e++;
				p++;
				if ((size_t)(e - b) >= sizeof(cand) || (size_t)(p - 1 - b) != ll)
					continue;
				memcpy(cand, b, (size_t)(e - b));
				cand[e - b] = '\0';
				n = incident_plus_number(cand, list);
			}
		}
	}
	return n;
}

static int
image_type_ok(const char *t)
{
	return strcmp(t, "image/jpeg") == 0 || strcmp(t, "image/jpg") == 0 ||
	    strcmp(t, "image/png") == 0 || strcmp(t, "image/gif") == 0 ||
	    strcmp(t, "image/webp") == 0 || strcmp(t, "image/heic") == 0;
}

static void
human_size(char *buf, size_t n, double bytes)
{
	if (bytes >= 1024.0 * 1024)
		snprintf(buf, n, "%.1f MB", bytes / (1024.0 * 1024));
	else
		snprintf(buf, n, "%lld KB", (long long)((bytes + 1023) / 1024));
}

/*
 * How members read of an attachment that was not passed on: its file
 * name, unless the name holds a phone number or an address (a photo
 * saved as "jan-0612345678.jpg"); then its type and size.
 */
static void
attachment_label(const struct mail_attachment *a, struct buf *b)
{
	char size[32];

	if (a->filename != NULL && *a->filename != '\0' && scrub_count(a->filename) == 0) {
		buf_adds(b, a->filename);
		return;
	}
	human_size(size, sizeof(size), (double)a->size);
	buf_addf(b, "%s, %s", a->content_type, size);
}

/* Records attachments; picks what is passed on; notes what was stripped. */
static enum bpt_status
attachments(struct job *j, const struct mail_attachment **pass, size_t *npass,
    struct buf *stripped)
{
	static const char sql[] = "INSERT INTO attachments(message_id, idx, filename, "
	    "content_type, size, sha256, inline, action) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
	const struct bpt_config *cfg = j->ctx->cfg;
	struct bpt_ctx *ctx = j->ctx;
	int en = cfg->group.language == CFG_EN;
	size_t i;

	*npass = 0;
	for (i = 0; i < j->m->natt; i++) {
		const struct mail_attachment *a = &j->m->att[i];
		const char *why = NULL;
		int passed = 0;
		sqlite3_stmt *s;
		enum bpt_status st;

		if (image_type_ok(a->content_type)) {
			if (!cfg->policy.images_allow)
				why = en ? "photos are not passed on" :
				    "foto's worden niet doorgestuurd";
			else if ((long)a->size > cfg->policy.max_image_size)
				why = en ? "too large" : "te groot";
			else if ((long)*npass >= cfg->policy.max_images)
				why = en ? "too many photos" : "te veel foto's";
			else
				passed = 1;
		} else {
			passed = cfg->policy.other_allow;
		}
		/* a JPEG or PNG goes without metadata, so it must be readable */
		if (passed && !imgmeta_passable((const unsigned char *)a->data, a->size)) {
			passed = 0;
			why = en ? "damaged file" : "beschadigd bestand";
		}
		if (passed) {
			pass[(*npass)++] = a;
		} else {
			if (stripped->len > 0)
				buf_adds(stripped, ", ");
			attachment_label(a, stripped);
			if (why != NULL)
				buf_addf(stripped, " (%s)", why);
		}
		if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
			return ctx->err;
		sqlite3_bind_int64(s, 1, j->r->message);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		store_bind_text(s, 3, a->filename);
		store_bind_text(s, 4, a->content_type);
		sqlite3_bind_int64(s, 5, (sqlite3_int64)a->size);
		sqlite3_bind_text(s, 6, a->sha256, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 7, a->is_inline);
		sqlite3_bind_text(s, 8, passed ? "passed" : "stripped", -1, SQLITE_STATIC);
		if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
			return st;
	}
	if (buf_failed(stripped))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	return BPT_OK;
}

/* The name members see for this sender: never an address. */
static void
display_name(struct job *j, struct buf *b)
{
	const char *n = j->sender.name && *j->sender.name ? j->sender.name :
	    j->m->from_name;
	char *clean;

	if (n != NULL && *n) {
		clean = scrub_contacts(n, "", "", NULL);
		if (clean == NULL) {
			b->oom = 1;	/* the caller checks; never "Een lid" by accident */
			return;
		}
		buf_adds(b, clean);
		free(clean);
	}
	/* what is left after scrubbing may be blanks or brackets */
	while (b->len > 0 && strchr(" <>()\"'", b->buf[b->len - 1]))
		buf_setlen(b, b->len - 1);
	if (b->len == 0)
		buf_adds(b, j->ctx->cfg->group.language == CFG_EN ? "A member" :
		    "Een lid");
}

/* The copy every active member gets: template, headers, outbox rows. */
static enum bpt_status
distribute(struct job *j, long long number, int is_reply)
{
	struct bpt_ctx *ctx = j->ctx;
	const struct bpt_config *cfg = ctx->cfg;
	struct buf name = BUF_INIT, body = BUF_INIT, out = BUF_INIT, refs = BUF_INIT,
	    stripped = BUF_INIT, plates = BUF_INIT, footer = BUF_INIT,
	    shown_plates = BUF_INIT;
	const struct mail_attachment **pass = NULL;
	char plate[MAX_PLATES][DETECT_PLATE_LEN];
	char msgid[COMPOSE_MSGID_MAX], num[32], t_now[8], t_called[8];
	char *folded_text = NULL, *clean = NULL, *parent = NULL;
	struct incident inc;
	struct sha256 h;
	unsigned char d[32];
	int folded = 0, have_inc = 0;
	size_t nplates, npass = 0, i;
	enum det112 said;
	enum bpt_status st;
	long long id, count = 0;

	/* what members read: the new text, no contact details */
	folded_text = is_reply ? quote_fold(j->m->text, &folded) : strdup(j->m->text);
	if (folded_text == NULL ||
	    (clean = scrub_contacts(folded_text, list_lang_mark(j, 0),
	    list_lang_mark(j, 1), NULL)) == NULL) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	buf_adds(&j->shown, clean);
	said = detect_112(clean);
	j->called = said == DET112_YES ? "yes" : said == DET112_NO ? "no" : NULL;
	nplates = detect_plates(clean, plate, MAX_PLATES);
	for (i = 0; i < nplates; i++)
		buf_addf(&plates, "%s%s", i ? " " : "", plate[i]);
	if (buf_failed(&j->shown) || buf_failed(&plates)) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}

	/* the tamper-evident chain: H(previous head || this message's hash) */
	if ((st = incident_get(ctx, number, &inc)) != BPT_OK)
		goto out;
	have_inc = 1;
	snprintf(j->prev_hash, sizeof(j->prev_hash), "%s", inc.last_hash ? inc.last_hash : "");
	sha256_init(&h);
	sha256_update(&h, j->prev_hash, strlen(j->prev_hash));
	sha256_update(&h, j->sha, strlen(j->sha));
	sha256_final(&h, d);
	sha256_tohex(d, j->chain_hash);
	st = incident_touch(ctx, number, bpt_now(ctx), j->chain_hash, buf_str(&plates),
	    said == DET112_YES ? INC112_YES : said == DET112_NO ? INC112_NO :
	    INC112_UNKNOWN, j->sender.id);
	if (st != BPT_OK)
		goto out;
	incident_release(&inc);
	if ((st = incident_get(ctx, number, &inc)) != BPT_OK)
		goto out;

	pass = calloc(j->m->natt + 1, sizeof(*pass));
	if (pass == NULL) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	if ((st = attachments(j, pass, &npass, &stripped)) != BPT_OK)
		goto out;

	display_name(j, &name);
	/* "12-ABC-3, AB-12-CD": the incident's plates, as a list */
	for (i = 0; inc.plates != NULL && inc.plates[i] != '\0'; i++)
		if (inc.plates[i] == ' ')
			buf_adds(&shown_plates, ", ");
		else
			buf_addch(&shown_plates, inc.plates[i]);
	if (buf_failed(&name) || buf_failed(&shown_plates)) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	snprintf(num, sizeof(num), "%lld", number);
	util_time_hm(cfg->group.timezone, bpt_now(ctx), t_now);
	util_time_hm(cfg->group.timezone, inc.called_112_at ? inc.called_112_at :
	    bpt_now(ctx), t_called);
	{
		struct tvar fv[] = { { "group", cfg->group.name } };

		st = tpl_render(ctx, "footer", fv, nitems(fv), &footer);
		if (st != BPT_OK)
			goto out;
	}
	{
		struct tvar v[] = {
			{ "group", cfg->group.name },
			{ "number", num },
			{ "time", t_now },
			{ "reporter", inc.reporter_name && *inc.reporter_name ?
			    inc.reporter_name : buf_str(&name) },
			{ "sender", buf_str(&name) },
			{ "called_yes", inc.called_112 == INC112_YES ? "1" : NULL },
			{ "called_no", inc.called_112 == INC112_NO ? "1" : NULL },
			{ "called_unknown", inc.called_112 == INC112_UNKNOWN ? "1" : NULL },
			{ "called_by", inc.called_112_by_name && *inc.called_112_by_name ?
			    inc.called_112_by_name : buf_str(&name) },
			{ "called_at", t_called },
			{ "plates", buf_str(&shown_plates) },
			{ "plates_many", strchr(buf_str(&shown_plates), ',') ? "1" : NULL },
			{ "text", *clean ? clean : (cfg->group.language == CFG_EN ?
			    "(no text)" : "(geen tekst)") },
			{ "folded", folded ? "1" : NULL },
			{ "stripped", buf_str(&stripped) },
			{ "footer", buf_str(&footer) },
		};

		st = tpl_render(ctx, is_reply ? "reply" : "alert", v, nitems(v),
		    &body);
		if (st != BPT_OK)
			goto out;
	}

	/* one thread in every client: our own copies' ids only */
	if ((st = compose_msgid(ctx, number, msgid)) != BPT_OK)
		goto out;
	if (is_reply && inc.root_msgid) {
		const char *irt = j->m->in_reply_to;

		parent = inc.root_msgid;
		if (irt != NULL) {
			static const char sql[] = "SELECT msgid FROM outbox "
			    "WHERE msgid = ? AND incident_id = ?";
			sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);

			if (s == NULL) {
				st = ctx->err;
				goto out;
			}
			sqlite3_bind_text(s, 1, irt, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 2, number);
			if (sqlite3_step(s) == SQLITE_ROW)
				parent = (char *)irt;
			sqlite3_reset(s);
		}
		buf_addf(&refs, "<%s>", inc.root_msgid);
		if (strcmp(parent, inc.root_msgid) != 0)
			buf_addf(&refs, " <%s>", parent);
		if (buf_failed(&refs)) {
			st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
			goto out;
		}
	}
	{
		struct compose_copy c = {
			.number = number,
			.is_reply = is_reply,
			.sender_name = buf_str(&name),
			.subject = inc.subject,
			.body = buf_str(&body),
			.msgid = msgid,
			.in_reply_to = parent,
			.references = refs.len ? refs.buf : NULL,
			.date = bpt_now(ctx),
			.images = pass,
			.nimages = npass,
		};
		char *bounces = compose_list_variant(cfg->group.address, "-bounces");

		if (bounces == NULL) {
			st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
			goto out;
		}
		st = compose_copy(ctx, &c, &out);
		if (st == BPT_OK)
			st = outbox_add(ctx, is_reply ? "reply" : "alert", number,
			    j->r->message, msgid, bounces, out.buf, out.len, &id);
		free(bounces);
		if (st != BPT_OK)
			goto out;
	}
	if (!is_reply && (st = incident_set_root(ctx, number, msgid)) != BPT_OK)
		goto out;
	if ((st = outbox_to_members(ctx, id, j->runner, &count)) != BPT_OK)
		goto out;
	j->r->copies = count;
out:
	if (have_inc)
		incident_release(&inc);
	free(pass);
	free(folded_text);
	free(clean);
	buf_release(&name);
	buf_release(&body);
	buf_release(&out);
	buf_release(&refs);
	buf_release(&stripped);
	buf_release(&plates);
	buf_release(&footer);
	buf_release(&shown_plates);
	return st;
}

/*
 * The subject every copy of a new incident carries: the mail's subject
 * without reply prefixes, else the start of the text as a phone shows
 * it, and never a contact detail (it reaches the whole group).  Caller
 * frees; NULL on out of memory.
 */
static char *
incident_subject(struct job *j)
{
	char *subject = compose_base_subject(j->m->subject), *clean;
	int en = j->ctx->cfg->group.language == CFG_EN;

	if (subject != NULL && *subject == '\0') {
		struct buf b = BUF_INIT;
		const char *t = j->m->text;
		size_t n;

		while (*t == '\n' || *t == ' ')
			t++;
		n = strcspn(t, "\n");
		if (n > 60) {
			/* cut between characters */
			n = 60;
			while (n > 0 && ((unsigned char)t[n] & 0xc0) == 0x80)
				n--;
		}
		buf_add(&b, t, n);
		free(subject);
		subject = buf_detach(&b, NULL);
	}
	if (subject == NULL)
		return NULL;
	clean = scrub_contacts(subject, en ? "[address]" : "[adres]",
	    en ? "[number]" : "[nummer]", NULL);
	free(subject);
	return clean;
}

/* Decides the class; queues copies or notices.  Inside the transaction. */
static enum bpt_status
classify_and_act(struct job *j)
{
	struct bpt_ctx *ctx = j->ctx;
	const struct bpt_config *cfg = ctx->cfg;
	struct mail *m = j->m;
	char listid[320], num[32], size[32], limit[32], closed[32];
	const char *at = strrchr(cfg->group.address, '@');
	const char *why = NULL, *name;
	struct incident inc;
	enum bpt_status st;
	long long n = 0;

	memset(&inc, 0, sizeof(inc));
	if (j->have_sender)
		name = j->sender.name && *j->sender.name ? j->sender.name :
		    (cfg->group.language == CFG_EN ? "member" : "lid");
	else
		name = cfg->group.language == CFG_EN ? "sender" : "afzender";
	if (j->o->truncated) {
		struct tvar v[] = {
			{ "group", cfg->group.name }, { "name", name },
			{ "subject", m->subject }, { "size", size }, { "limit", limit },
		};

		human_size(size, sizeof(size), (double)j->o->total);
		human_size(limit, sizeof(limit), (double)cfg->policy.max_message_size);
		j->r->class = "toolarge";
		j->r->why = "policy.max_message_size";
		if (autoclass_of(m, cfg->group.address, NULL, &why) != AC_HUMAN)
			return BPT_OK;
		return notice_sender(j, "toolarge", "notice-toolarge", v,
		    nitems(v), 0);
	}
	snprintf(listid, sizeof(listid), "%.*s.%s", at ? (int)(at - cfg->group.address) :
	    0, cfg->group.address, cfg_list_domain(cfg));
	switch (autoclass_of(m, cfg->group.address, listid, &why)) {
	case AC_LOOP:
		j->r->class = "loop";
		j->r->why = why;
		return BPT_OK;
	case AC_BOUNCE: {
		struct bounces_result br;

		j->r->class = "bounce";
		j->r->why = why;
		st = bounces_record(ctx, m, j->env_to, j->r->message, j->runner, &br);
		if (st == BPT_OK && br.suspended)
			j->r->why = "probe bounced: member suspended";
		else if (st == BPT_OK && br.probes)
			j->r->why = "bounce limit reached: probe sent";
		return st;
	}
	case AC_AUTOREPLY:
		j->r->class = "autoreply";
		j->r->why = why;
		return BPT_OK;
	case AC_HUMAN:
		break;
	}
	if (m->flags & MAIL_LIMITS) {
		struct tvar v[] = {
			{ "group", cfg->group.name }, { "name", name },
			{ "subject", m->subject }, { "reason", m->notes },
			{ "too_many_parts", m->flags & MAIL_LIMIT_PARTS ? "1" : NULL },
			{ "too_deep", m->flags & MAIL_LIMIT_DEPTH ? "1" : NULL },
			{ "too_many_headers", m->flags & MAIL_LIMIT_HEADERS ? "1" : NULL },
			{ "too_long_line", m->flags & MAIL_LIMIT_LINE ? "1" : NULL },
		};

		j->r->class = "malformed";
		j->r->why = "over a parsing limit";
		return notice_sender(j, "unreadable", "notice-unreadable", v,
		    nitems(v), 0);
	}
	if (is_request(cfg, j->env_to)) {
		j->r->class = "command";
		j->r->why = "to the request address";
		return BPT_OK;
	}
	if (!j->have_sender || !member_is_active(&j->sender)) {
		/* a member who may not post is told why, not invited to join */
		const char *status = j->have_sender ? j->sender.status : "";
		char until[32] = "";
		struct tvar v[] = {
			{ "group", cfg->group.name }, { "list", cfg->group.address },
			{ "subject", m->subject }, { "request", NULL },
			{ "name", j->have_sender ? j->sender.name : NULL },
			{ "stranger", j->have_sender ? NULL : "1" },
			{ "suspended", strcmp(status, "suspended") == 0 ? "1" : NULL },
			{ "until", until },
			{ "removed", strcmp(status, "removed") == 0 ? "1" : NULL },
			{ "banned", strcmp(status, "banned") == 0 ? "1" : NULL },
			{ "pending", strcmp(status, "pending") == 0 ? "1" : NULL },
		};
		char *request = compose_list_variant(cfg->group.address, "-request");

		if (request == NULL)
			return bpt_err(ctx, BPT_ENOMEM, "out of memory");
		v[3].value = request;
		if (j->have_sender && j->sender.status_until != 0)
			util_time_short(cfg->group.timezone, j->sender.status_until, until);
		j->r->class = "nonmember";
		j->r->why = j->have_sender ? "sender is not an active member" :
		    "sender is not a member";
		st = notice_sender(j, "nonmember", "notice-nonmember", v,
		    nitems(v), 0);
		free(request);
		return st;
	}

	/* thread: references, then the subject tag, then bpt+N@ */
	{
		const char **ids = calloc(m->nrefs + 1, sizeof(*ids));
		size_t k = 0, i;

		if (ids == NULL)
			return bpt_err(ctx, BPT_ENOMEM, "out of memory");
		for (i = 0; i < m->nrefs; i++)
			ids[k++] = m->refs[i];
		if (m->in_reply_to)
			ids[k++] = m->in_reply_to;
		st = incident_by_msgids(ctx, ids, k, &n);
		free(ids);
		if (st != BPT_OK)
			return st;
		j->r->why = n ? "In-Reply-To/References" : NULL;
	}
	if (n == 0 && m->subject && (n = incident_tag_number(m->subject, cfg->group.name)))
		j->r->why = "subject tag";
	if (n == 0 && (n = plus_number(j)) != 0)
		j->r->why = "plus address";
	if (n != 0) {
		st = incident_get(ctx, n, &inc);
		if (st == BPT_ENOENT)
			n = 0;
		else if (st != BPT_OK)
			return st;
	}
	if (n != 0 && inc.closed) {
		struct tvar v[] = {
			{ "name", name }, { "subject", m->subject }, { "number", num },
			{ "closed_at", closed }, { "list", cfg->group.address },
			{ "group", cfg->group.name },
		};
		char kind[48];

		snprintf(num, sizeof(num), "%lld", n);
		util_time_short(cfg->group.timezone, inc.closed_at, closed);
		snprintf(kind, sizeof(kind), "closed-%lld", n);
		incident_release(&inc);
		j->r->class = "closed";
		j->r->incident = n;
		return notice_sender(j, kind, "notice-closed", v, nitems(v), n);
	}
	if (n != 0) {
		incident_release(&inc);
		j->r->class = "reply";
		j->r->incident = n;
		return distribute(j, n, 1);
	}
	{
		char *subject = incident_subject(j);

		if (subject == NULL)
			return bpt_err(ctx, BPT_ENOMEM, "out of memory");
		st = incident_open(ctx, j->sender.id, subject, bpt_now(ctx), &n);
		free(subject);
	}
	if (st != BPT_OK)
		return st;
	j->r->class = "post";
	j->r->why = "new incident";
	j->r->incident = n;
	return distribute(j, n, 0);
}

static enum bpt_status
finish_row(struct job *j)
{
	static const char sql[] = "UPDATE messages SET state = 'done', "
	    "message_id = ?2, in_reply_to = ?3, refs = ?4, from_addr = ?5, "
	    "from_name = ?6, subject = ?7, date_hdr = ?8, member_id = ?9, "
	    "class = ?10, incident_id = ?11, body = ?12, body_shown = ?13, "
	    "notes = ?14, called_112 = ?15, prev_hash = ?16, chain_hash = ?17, "
	    "attempt_pid = NULL WHERE id = ?1";
	struct bpt_ctx *ctx = j->ctx;
	struct mail *m = j->m;
	struct buf refs = BUF_INIT;
	sqlite3_stmt *s;
	enum bpt_status st;
	size_t i;

	for (i = 0; i < m->nrefs; i++)
		buf_addf(&refs, "%s<%s>", i ? " " : "", m->refs[i]);
	if (buf_failed(&refs) || buf_failed(&j->shown))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL) {
		buf_release(&refs);
		return ctx->err;
	}
	sqlite3_bind_int64(s, 1, j->r->message);
	store_bind_text(s, 2, m->message_id);
	store_bind_text(s, 3, m->in_reply_to);
	store_bind_text(s, 4, refs.len ? refs.buf : NULL);
	store_bind_text(s, 5, m->from_addr);
	store_bind_text(s, 6, m->from_name);
	store_bind_text(s, 7, m->subject);
	store_bind_text(s, 8, m->date);
	if (j->have_sender)
		sqlite3_bind_int64(s, 9, j->sender.id);
	sqlite3_bind_text(s, 10, j->r->class, -1, SQLITE_STATIC);
	if (j->r->incident)
		sqlite3_bind_int64(s, 11, j->r->incident);
	store_bind_text(s, 12, m->text);
	store_bind_text(s, 13, j->shown.len ? j->shown.buf : NULL);
	store_bind_text(s, 14, m->notes);
	store_bind_text(s, 15, j->called);
	store_bind_text(s, 16, j->prev_hash[0] ? j->prev_hash : NULL);
	store_bind_text(s, 17, j->chain_hash[0] ? j->chain_hash : NULL);
	st = store_step_done(ctx, ctx->store, s);
	buf_release(&refs);
	return st;
}

/*
 * 1 in *done when this row is no longer 'new' (for a release: no
 * longer 'quarantined'): a run of the same bytes (an overlapping fetch,
 * an MTA retry racing a slow run, a second release) finished it after
 * this run was let through.  Inside the transaction.
 */
static enum bpt_status
row_finished(struct job *j, int *done)
{
	static const char sql[] = "SELECT state FROM messages WHERE id = ?";
	struct bpt_ctx *ctx = j->ctx;
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	int rc;

	*done = 0;
	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, j->r->message);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*done = strcmp(store_col_text(s, 0),
		    j->release ? "quarantined" : "new") != 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(ctx, ctx->store, rc, "look up message");
	return BPT_OK;
}

/*
 * 1 in *dup when a mail with the same Message-ID from the same sender
 * was processed within a day: an MTA's retry whose bytes differ (it
 * added a Received or Delivered-To header), so the hash missed it.
 * Inside the transaction, so two such runs never both distribute.
 */
static enum bpt_status
same_msgid(struct job *j, int *dup)
{
	static const char sql[] = "SELECT id FROM messages WHERE message_id = ?1 "
	    "AND from_addr = ?2 COLLATE NOCASE AND state = 'done' "
	    "AND received_at >= ?3 AND id <> ?4 LIMIT 1";
	struct bpt_ctx *ctx = j->ctx;
	sqlite3_stmt *s;
	int rc;

	*dup = 0;
	if (j->m->message_id == NULL || j->m->from_addr == NULL)
		return BPT_OK;
	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return ctx->err;
	sqlite3_bind_text(s, 1, j->m->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, j->m->from_addr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, bpt_now(ctx) - DUPLICATE_WINDOW);
	sqlite3_bind_int64(s, 4, j->r->message);
	rc = sqlite3_step(s);
	*dup = rc == SQLITE_ROW;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(ctx, ctx->store, rc, "look up Message-ID");
	return BPT_OK;
}

/*
 * Points the signal handlers at this run's file while the mail's own
 * bytes are at work (parsing, classifying), not while the run waits
 * for the store's lock or commits: a time-out there is not the mail's.
 */
static void
guard(struct job *j, int on)
{
	if (j->o->guard != NULL)
		*j->o->guard = on ? j->mark.fd : -1;
}

/* The audit row of bpt-report release, in the transaction of its result. */
static enum bpt_status
audit_release(struct job *j)
{
	char detail[64];
	struct audit_entry e;

	memset(&e, 0, sizeof(e));
	snprintf(detail, sizeof(detail), "message %lld: %s", j->r->message,
	    j->r->class ? j->r->class : "-");
	e.action = "release";
	e.incident_id = j->r->incident;
	e.detail = detail;
	return audit_add(j->ctx, &e);
}

static enum bpt_status
process(struct job *j)
{
	struct bpt_ctx *ctx = j->ctx;
	struct mail_limits lim;
	enum bpt_status st;
	int done;

	lim.max_parts = ctx->cfg->limits.max_parts;
	lim.max_depth = ctx->cfg->limits.max_depth;
	lim.max_headers = ctx->cfg->limits.max_headers;
	lim.max_line = ctx->cfg->limits.max_line;
	guard(j, 1);
	st = mail_parse(ctx, j->raw, j->len, &lim, &j->m);
	guard(j, 0);
	if (st != BPT_OK)
		return st;
	j->env_to = j->o->envelope_to ? j->o->envelope_to : j->m->envelope_to;
	if ((st = store_begin(ctx, ctx->store)) != BPT_OK)
		return st;
	guard(j, 1);
	if ((st = row_finished(j, &done)) != BPT_OK)
		goto fail;
	if (done) {
		guard(j, 0);
		store_rollback(ctx->store);
		j->r->duplicate = 1;
		j->r->class = "duplicate";
		j->r->why = "already processed";
		return BPT_OK;
	}
	if (j->m->from_addr != NULL) {
		st = member_lookup(ctx, j->m->from_addr, &j->sender);
		if (st == BPT_OK)
			j->have_sender = 1;
		else if (st != BPT_ENOENT)
			goto fail;
	}
	if ((st = same_msgid(j, &done)) != BPT_OK)
		goto fail;
	if (done) {
		/* stored and marked; its copies went out with the first */
		j->r->duplicate = 1;
		j->r->class = "duplicate";
		j->r->why = "same Message-ID from the same sender";
	} else if ((st = classify_and_act(j)) != BPT_OK)
		goto fail;
	if ((st = finish_row(j)) != BPT_OK)
		goto fail;
	if (j->release && (st = audit_release(j)) != BPT_OK)
		goto fail;
	guard(j, 0);
	return store_commit(ctx, ctx->store);
fail:
	guard(j, 0);
	store_rollback(ctx->store);
	return st;
}

/*
 * Runs a stored row through phase B under a run file.  A run that
 * cannot make its file goes on without one: the alert matters more,
 * and only a crash of this run would go unrecorded.  The file goes
 * when the run is done with the mail, whatever the outcome it reports:
 * a clean failure leaves no trace.
 */
static enum bpt_status
guarded_process(struct job *j)
{
	enum bpt_status st;

	if (j->o->guard != NULL && runmark_open(j->ctx, j->sha, &j->mark) != BPT_OK)
		log_warnx("message %lld: %s; parsing it without one", j->r->message,
		    j->ctx->errmsg);
	st = process(j);
	runmark_close(&j->mark);
	return st;
}

static void
job_init(struct job *j, struct bpt_ctx *ctx, const char *raw, size_t len,
    const struct ingest_opts *o, struct ingest_result *r)
{
	memset(r, 0, sizeof(*r));
	memset(j, 0, sizeof(*j));
	j->ctx = ctx;
	j->o = o;
	j->r = r;
	j->raw = raw;
	j->len = len;
	j->mark.fd = -1;
	buf_init(&j->shown);
	if (o->deliver) {
		outbox_runner(r->runner);
		j->runner = r->runner;
	}
	sha256_hex(raw, len, j->sha);
}

static void
job_release(struct job *j)
{
	if (j->have_sender)
		member_release(&j->sender);
	mail_free(j->m);
	buf_release(&j->shown);
}

enum bpt_status
ingest_message(struct bpt_ctx *ctx, const char *raw, size_t len,
    const struct ingest_opts *o, struct ingest_result *r)
{
	struct job j;
	struct quarantine_mail qm;
	enum quarantine_seen seen;
	enum bpt_status st;

	job_init(&j, ctx, raw, len, o, r);
	qm.sha = j.sha;
	qm.raw = raw;
	qm.len = len;
	qm.o = o;
	qm.runner = j.runner;

	/*
	 * The raw commit need not reach the disk by itself: until the MTA
	 * has our exit 0 it keeps the mail, and the main commit's sync
	 * carries this one with it (the WAL is written in order).  One sync
	 * less on the path of every alert.
	 */
	if ((st = store_set_sync(ctx, ctx->store, 1)) != BPT_OK)
		goto out;
	st = quarantine_admit(ctx, &qm, r, &seen);
	if (st == BPT_OK)
		st = store_set_sync(ctx, ctx->store, 2);
	if (st != BPT_OK)
		goto out;
	if (seen == QUARANTINE_DONE) {
		r->duplicate = 1;
		r->class = "duplicate";
		r->why = "already processed";
	} else if (seen != QUARANTINE_NOW) {
		/* a test takes the store's lock here (bpt(7)) */
		if (bpt_fault("stop-after-raw"))
			raise(SIGSTOP);
		st = guarded_process(&j);
	}
out:
	job_release(&j);
	return st;
}

enum bpt_status
ingest_release(struct bpt_ctx *ctx, long long id, const struct ingest_opts *o,
    struct ingest_result *r)
{
	struct ingest_opts io = *o;
	struct quarantine_row q;
	enum bpt_status st;
	struct job j;

	memset(r, 0, sizeof(*r));
	if ((st = quarantine_load(ctx, id, &q)) != BPT_OK)
		goto out;
	io.envelope_from = q.envelope_from;
	io.envelope_to = q.envelope_to;
	io.total = q.size;
	io.truncated = q.truncated;
	job_init(&j, ctx, buf_str(&q.raw), q.raw.len, &io, r);
	j.release = 1;
	r->message = id;
	/* what crashed runs of it left: the admin has seen enough of them */
	(void)runmark_collect(ctx, j.sha, NULL);
	st = guarded_process(&j);
	job_release(&j);
out:
	quarantine_row_release(&q);
	return st;
}

enum bpt_status
ingest_deliver(struct bpt_ctx *ctx, struct ingest_result *r)
{
	/* a retry of a stored mail: its copies may wait for a dead runner */
	if (r->duplicate || r->runner[0] == '\0')
		return outbox_run(ctx, &r->sent);
	return outbox_deliver_claimed(ctx, r->runner, &r->sent);
}
