/* distribute.c - the copy of a message that every active member gets. */
#include "bptconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "compose.h"
#include "config.h"
#include "detect.h"
#include "distribute.h"
#include "imgmeta.h"
#include "incident.h"
#include "mail.h"
#include "message.h"
#include "outbox.h"
#include "policy.h"
#include "quote.h"
#include "scrub.h"
#include "sha256.h"
#include "store.h"
#include "template.h"
#include "util.h"

#define MAX_PLATES 16

static const char *
list_lang_mark(const struct bpt_config *cfg, int phone)
{
	int en = cfg->group.language == CFG_EN;

	if (phone)
		return en ? "[phone number removed]" : "[telefoonnummer verwijderd]";
	return en ? "[address removed]" : "[e-mailadres verwijderd]";
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
	util_human_size(size, sizeof(size), (double)a->size);
	buf_addf(b, "%s, %s", a->content_type, size);
}

/* Records attachments; picks what is passed on; notes what was stripped. */
static enum bpt_status
attachments(struct bpt_ctx *ctx, const struct distribute_in *j,
    const struct mail_attachment **pass, size_t *npass, struct buf *stripped)
{
	const struct bpt_config *cfg = ctx->cfg;
	int en = cfg->group.language == CFG_EN;
	size_t i;

	*npass = 0;
	for (i = 0; i < j->m->natt; i++) {
		const struct mail_attachment *a = &j->m->att[i];
		const char *why = NULL;
		int passed = 0;
		enum bpt_status st;

		if (policy_is_image(a->content_type)) {
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
		/*
		 * A JPEG, PNG, WebP or GIF goes without metadata, so it must
		 * be readable; from HEIC and TIFF it cannot be taken out.
		 */
		if (passed && !imgmeta_passable((const unsigned char *)a->data, a->size)) {
			passed = 0;
			if (imgmeta_cleanable(imgmeta_sniff(
			    (const unsigned char *)a->data, a->size)))
				why = en ? "damaged file" : "beschadigd bestand";
			else
				why = en ?
				    "data such as the location cannot be removed" :
				    "gegevens zoals de locatie kunnen er niet uit";
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
		st = message_add_attachment(ctx, j->message, i, a, passed);
		if (st != BPT_OK)
			return st;
	}
	if (buf_failed(stripped))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	return BPT_OK;
}

void
distribute_display_name(struct bpt_ctx *ctx, const char *member_name,
    const struct mail *m, struct buf *b)
{
	const char *n = member_name && *member_name ? member_name :
	    m->from_name;
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
		buf_adds(b, ctx->cfg->group.language == CFG_EN ? "A member" :
		    "Een lid");
}

enum bpt_status
distribute_copy(struct bpt_ctx *ctx, const struct distribute_in *j,
    long long number, int is_reply, struct distribute_out *o)
{
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
	    (clean = scrub_contacts(folded_text, list_lang_mark(cfg, 0),
	    list_lang_mark(cfg, 1), NULL)) == NULL) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	buf_adds(&o->shown, clean);
	said = detect_112(clean);
	o->called = said == DET112_YES ? "yes" : said == DET112_NO ? "no" : NULL;
	nplates = detect_plates(clean, plate, MAX_PLATES);
	for (i = 0; i < nplates; i++)
		buf_addf(&plates, "%s%s", i ? " " : "", plate[i]);
	if (buf_failed(&o->shown) || buf_failed(&plates)) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}

	/* the tamper-evident chain: H(previous head || this message's hash) */
	if ((st = incident_get(ctx, number, &inc)) != BPT_OK)
		goto out;
	have_inc = 1;
	snprintf(o->prev_hash, sizeof(o->prev_hash), "%s", inc.last_hash ? inc.last_hash : "");
	sha256_init(&h);
	sha256_update(&h, o->prev_hash, strlen(o->prev_hash));
	sha256_update(&h, j->sha, strlen(j->sha));
	sha256_final(&h, d);
	sha256_tohex(d, o->chain_hash);
	st = incident_touch(ctx, number, bpt_now(ctx), o->chain_hash, buf_str(&plates),
	    said == DET112_YES ? INC112_YES : said == DET112_NO ? INC112_NO :
	    INC112_UNKNOWN, j->sender_id);
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
	if ((st = attachments(ctx, j, pass, &npass, &stripped)) != BPT_OK)
		goto out;

	distribute_display_name(ctx, j->sender_name, j->m, &name);
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
		st = compose_copy(ctx, &c, &out);
		if (st == BPT_OK)
			st = outbox_add(ctx, is_reply ? "reply" : "alert", number,
			    j->message, msgid, cfg->list.bounces, out.buf, out.len, &id);
		if (st != BPT_OK)
			goto out;
	}
	if (!is_reply && (st = incident_set_root(ctx, number, msgid)) != BPT_OK)
		goto out;
	if ((st = outbox_to_members(ctx, id, j->runner, &count)) != BPT_OK)
		goto out;
	o->copies = count;
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
char *
distribute_subject(struct bpt_ctx *ctx, const struct mail *m)
{
	char *subject = compose_base_subject(m->subject), *clean;
	int en = ctx->cfg->group.language == CFG_EN;

	if (subject != NULL && *subject == '\0') {
		struct buf b = BUF_INIT;
		const char *t = m->text;
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

