/*
 * transcript.c - the transcript of an incident for the police file: the
 * store read once, the text and JSON of every message, the hash chain.
 * The originals and the photos are in transcript_parts.c.
 */
#include "bptconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "fileio.h"
#include "mimewrite.h"
#include "printer.h"
#include "quote.h"
#include "store.h"
#include "template.h"
#include "transcript.h"
#include "transcript_int.h"
#include "util.h"

static void
summary_release(struct summary *s)
{
	free(s->subject);
	free(s->closed_by);
	free(s->close_reason);
	free(s->reporter);
	free(s->reporter_email);
	free(s->reporter_phone);
	free(s->called);
	free(s->called_by);
	free(s->plates);
	free(s->outcome);
	free(s->outcome_by);
	free(s->last_hash);
	memset(s, 0, sizeof(*s));
}

static enum bpt_status
load_summary(struct build *b, long long number)
{
	static const char sql[] = "SELECT i.status, i.subject, i.closed_by, "
	    "i.close_reason, nullif(r.name, ''), r.email, r.phone, i.called_112, "
	    "nullif(c.name, ''), i.plates, i.outcome, i.outcome_by, i.last_hash, "
	    "i.opened_at, i.closed_at, i.called_112_at, i.outcome_at, i.purged_at, "
	    "(SELECT count(DISTINCT coalesce(m.member_id, m.from_addr)) "
	    "FROM messages m WHERE m.incident_id = i.id AND m.chain_hash IS NOT NULL) "
	    "FROM incidents i LEFT JOIN members r ON r.id = i.reporter_id "
	    "LEFT JOIN members c ON c.id = i.called_112_by WHERE i.id = ?";
	struct bpt_ctx *ctx = b->ctx;
	struct summary *s = &b->s;
	sqlite3_stmt *st = store_prepare(ctx, ctx->store, sql);
	int rc;

	if (st == NULL)
		return ctx->err;
	sqlite3_bind_int64(st, 1, number);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		s->number = number;
		s->closed = strcmp(store_col_text(st, 0), "closed") == 0;
		s->subject = store_col_dup(st, 1, NULL);
		s->closed_by = store_col_dup(st, 2, NULL);
		s->close_reason = store_col_dup(st, 3, NULL);
		s->reporter = store_col_dup(st, 4, NULL);
		s->reporter_email = store_col_dup(st, 5, NULL);
		s->reporter_phone = store_col_dup(st, 6, NULL);
		s->called = store_col_dup(st, 7, NULL);
		s->called_by = store_col_dup(st, 8, NULL);
		s->plates = store_col_dup(st, 9, NULL);
		s->outcome = store_col_dup(st, 10, NULL);
		s->outcome_by = store_col_dup(st, 11, NULL);
		s->last_hash = store_col_dup(st, 12, NULL);
		s->opened_at = (time_t)sqlite3_column_int64(st, 13);
		s->closed_at = (time_t)sqlite3_column_int64(st, 14);
		s->called_at = (time_t)sqlite3_column_int64(st, 15);
		s->outcome_at = (time_t)sqlite3_column_int64(st, 16);
		s->purged_at = (time_t)sqlite3_column_int64(st, 17);
		s->participants = sqlite3_column_int64(st, 18);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return bpt_err(ctx, BPT_ENOENT, "no incident #%lld", number);
	if (rc != SQLITE_ROW)
		return store_fail(ctx, ctx->store, rc, "read incident");
	if (s->called == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	if (s->purged_at != 0) {
		char t[32];

		util_time_iso(cfg_timezone(b->ctx->cfg), s->purged_at, t);
		return bpt_err(ctx, BPT_ENOENT, "incident #%lld was purged on %s "
		    "(retention): nothing is left to export", number, t);
	}
	return BPT_OK;
}

/*
 * The messages of the chain in the chain's order.  They are stored in
 * the order they were processed, which is the chain's unless a run was
 * retried; every link is checked either way.
 */
static enum bpt_status
load_chain(struct build *b)
{
	static const char sql[] = "SELECT id, coalesce(prev_hash, ''), chain_hash, "
	    "sha256, erased IS NOT NULL FROM messages "
	    "WHERE incident_id = ? AND chain_hash IS NOT NULL ORDER BY id";
	struct bpt_ctx *ctx = b->ctx;
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	struct link *v = NULL, *nv, tmp;
	size_t n = 0, alloc = 0, i, j;
	const char *want = "";
	int rc;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, b->s.number);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			nv = realloc(v, alloc * sizeof(*v));
			if (nv == NULL) {
				sqlite3_reset(s);
				free(v);
				return bpt_err(ctx, BPT_ENOMEM, "out of memory");
			}
			v = nv;
		}
		memset(&v[n], 0, sizeof(v[n]));
		v[n].id = sqlite3_column_int64(s, 0);
		snprintf(v[n].prev, sizeof(v[n].prev), "%s", store_col_text(s, 1));
		snprintf(v[n].chain, sizeof(v[n].chain), "%s", store_col_text(s, 2));
		snprintf(v[n].sha, sizeof(v[n].sha), "%s", store_col_text(s, 3));
		v[n].erased = sqlite3_column_int(s, 4);
		n++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		free(v);
		return store_fail(ctx, ctx->store, rc, "read the messages");
	}
	for (i = 0; i < n; i++) {
		for (j = i; j < n && strcmp(v[j].prev, want) != 0; j++)
			;
		if (j == n) {
			long long after = i ? v[i - 1].id : 0;

			free(v);
			return bpt_err(ctx, BPT_EDATA, "the hash chain of incident "
			    "#%lld is broken %s%lld: the store was changed", b->s.number,
			    after ? "after message " : "at its start", after);
		}
		if (j != i) {
			tmp = v[i];
			v[i] = v[j];
			v[j] = tmp;
		}
		want = v[i].chain;
	}
	if (strcmp(want, b->s.last_hash ? b->s.last_hash : "") != 0) {
		free(v);
		return bpt_err(ctx, BPT_EDATA, "the hash chain of incident #%lld "
		    "does not end at the incident's last hash: the store was "
		    "changed", b->s.number);
	}
	b->links = v;
	b->nlinks = n;
	return BPT_OK;
}

/* The chain position (1-based) of message id; 0 if not in the chain. */
size_t
transcript_seq_of(const struct build *b, long long id)
{
	size_t i;

	for (i = 0; i < b->nlinks; i++)
		if (b->links[i].id == id)
			return i + 1;
	return 0;
}

/* RFC 3339 in the group's zone tz, the offset written out; "" for 0. */
static void
time_or_empty(const char *tz, time_t t, char buf[32])
{
	if (t == 0)
		buf[0] = '\0';
	else
		util_time_iso(tz, t, buf);
}

/* "+31612345678 (06-12345678)": the form police dial and the stored one. */
static void
phone_both(const char *e164, char *out, size_t n)
{
	if (e164 == NULL || *e164 == '\0')
		snprintf(out, n, "%s", "");
	else if (strncmp(e164, "+316", 4) == 0 && strlen(e164) == 12)
		snprintf(out, n, "%s (06-%s)", e164, e164 + 4);
	else
		snprintf(out, n, "%s", e164);
}

/* Adds text to the text part: the output itself (form TEXT), or the
 * text that text_encode() turns into quoted-printable (form MIME). */
static void
text_add(struct build *b, const char *s, size_t n)
{
	if (b->form == TRANSCRIPT_TEXT)
		buf_add(b->out, s, n);
	else if (b->form == TRANSCRIPT_MIME)
		buf_add(&b->text, s, n);
}

static void
text_adds(struct build *b, const char *s)
{
	text_add(b, s, strlen(s));
}

/* A part's header lines, then the blank line. */
void
transcript_part_begin(struct build *b, const char *type, const char *name,
    const char *encoding, const char *disposition)
{
	struct buf *o = b->out;

	buf_addf(o, "\r\n--%s\r\nContent-Type: %s", b->mix, type);
	if (name != NULL)
		buf_addf(o, "; name=\"%s\"", name);
	buf_addf(o, "\r\nContent-Transfer-Encoding: %s\r\n", encoding);
	buf_addf(o, "Content-Disposition: %s", disposition);
	if (name != NULL)
		buf_addf(o, "; filename=\"%s\"", name);
	buf_adds(o, "\r\n\r\n");
}

/* Writes out to the file once it holds FLUSH_AT, or whatever it holds
 * when all is true; without a file it keeps growing. */
enum bpt_status
transcript_flush(struct build *b, int all)
{
	struct buf *o = b->out;

	if (b->fd < 0 || o->len == 0 || (!all && o->len < FLUSH_AT))
		return BPT_OK;
	if (buf_failed(o))
		return bpt_err(b->ctx, BPT_ENOMEM, "out of memory");
	if (fio_write_all(b->fd, o->buf, o->len) < 0)
		return bpt_err(b->ctx, bpt_errno_status(errno) == BPT_ENOSPC ?
		    BPT_ENOSPC : BPT_EIO, "cannot write the transcript: %s",
		    strerror(errno));
	buf_reset(o);
	return BPT_OK;
}

/*
 * Form MIME: the text part's lines gathered so far, encoded into out
 * (and out written to the file when it is full): all of them, or once
 * there are TEXT_PIECE bytes, those up to the last line end.  The
 * encoding of whole lines does not depend on what came before, so the
 * text is never whole in memory and out stays small.
 */
#define TEXT_PIECE (64 * 1024)

static enum bpt_status
text_encode(struct build *b, int all)
{
	struct buf *t = &b->text;
	size_t n = t->len;

	if (b->form != TRANSCRIPT_MIME || n == 0 || (!all && n < TEXT_PIECE))
		return BPT_OK;
	if (buf_failed(t))
		return bpt_err(b->ctx, BPT_ENOMEM, "out of memory");
	if (!all) {
		while (n > 0 && t->buf[n - 1] != '\n')
			n--;
		if (n == 0)
			return BPT_OK;
	}
	if (qp_add(b->out, t->buf, n) < 0)
		return bpt_err(b->ctx, BPT_ENOMEM, "out of memory");
	memmove(t->buf, t->buf + n, t->len - n);
	buf_setlen(t, t->len - n);
	return transcript_flush(b, 0);
}

/* The summary: template "transcript", its Subject line kept apart. */
static enum bpt_status
summary(struct build *b)
{
	struct bpt_ctx *ctx = b->ctx;
	const struct bpt_config *cfg = ctx->cfg;
	const struct summary *s = &b->s;
	char num[32], opened[32], closed[32], called_at[32], outcome_at[32],
	    count[32], people[32], phone[64];
	struct buf t = BUF_INIT;
	enum bpt_status st;
	const char *body, *nl;
	struct tvar v[] = {
		{ "group", cfg->group.name }, { "list", cfg->group.address },
		{ "number", num }, { "subject", s->subject },
		{ "opened", opened }, { "closed", s->closed ? closed : NULL },
		{ "closed_by", s->closed ? s->closed_by : NULL },
		{ "close_reason", s->closed ? s->close_reason : NULL },
		{ "reporter", s->reporter ? s->reporter : s->reporter_email },
		{ "reporter_email", s->reporter_email }, { "reporter_phone", phone },
		{ "called_yes", strcmp(s->called, "yes") == 0 ? "1" : NULL },
		{ "called_no", strcmp(s->called, "no") == 0 ? "1" : NULL },
		{ "called_unknown", strcmp(s->called, "yes") != 0 &&
		    strcmp(s->called, "no") != 0 ? "1" : NULL },
		{ "called_by", s->called_by }, { "called_at", called_at },
		{ "plates", s->plates }, { "messages", count },
		{ "participants", people }, { "outcome", s->outcome },
		{ "outcome_at", outcome_at }, { "originals", b->name_mbox },
	};

	snprintf(num, sizeof(num), "%lld", s->number);
	snprintf(count, sizeof(count), "%zu", b->nlinks);
	snprintf(people, sizeof(people), "%lld", s->participants);
	util_time_iso(cfg_timezone(b->ctx->cfg), s->opened_at, opened);
	time_or_empty(cfg_timezone(b->ctx->cfg), s->closed_at, closed);
	time_or_empty(cfg_timezone(b->ctx->cfg), s->called_at, called_at);
	time_or_empty(cfg_timezone(b->ctx->cfg), s->outcome_at, outcome_at);
	phone_both(s->reporter_phone, phone, sizeof(phone));
	if ((st = tpl_render(ctx, "transcript", v, NCOLS(v), &t)) != BPT_OK)
		goto out;
	body = buf_str(&t);
	if (strncmp(body, "Subject: ", 9) == 0) {
		nl = strchr(body, '\n');
		snprintf(b->info->subject, sizeof(b->info->subject), "%.*s",
		    (int)((nl ? nl : body + strlen(body)) - body - 9), body + 9);
		body = nl ? nl + 1 : body + strlen(body);
		if (*body == '\n')
			body++;
	}
	text_adds(b, body);
out:
	buf_release(&t);
	return st;
}

/* The summary's fields in the JSON part. */
static void
json_summary(struct build *b)
{
	const struct bpt_config *cfg = b->ctx->cfg;
	const struct summary *s = &b->s;
	struct printer *p = b->jp;
	char t[32];

	pr_kv_int(p, "transcript_version", 1);
	pr_kv_str(p, "group", cfg->group.name);
	pr_kv_str(p, "list_address", cfg->group.address);
	pr_kv_str(p, "language", b->en ? "en" : "nl");
	pr_kv_int(p, "incident", s->number);
	pr_kv_str(p, "status", s->closed ? "closed" : "open");
	pr_kv_str(p, "subject", s->subject);
	util_time_iso(cfg_timezone(b->ctx->cfg), s->opened_at, t);
	pr_kv_str(p, "opened", t);
	time_or_empty(cfg_timezone(b->ctx->cfg), s->closed_at, t);
	pr_kv_str(p, "closed", s->closed && *t ? t : NULL);
	pr_kv_str(p, "closed_by", s->closed ? s->closed_by : NULL);
	pr_kv_str(p, "close_reason", s->closed ? s->close_reason : NULL);
	pr_kv_str(p, "reporter_name", s->reporter);
	pr_kv_str(p, "reporter_email", s->reporter_email);
	pr_kv_str(p, "reporter_phone", s->reporter_phone);
	pr_kv_str(p, "called_112", s->called);
	pr_kv_str(p, "called_112_by", s->called_by);
	time_or_empty(cfg_timezone(b->ctx->cfg), s->called_at, t);
	pr_kv_str(p, "called_112_at", *t ? t : NULL);
	pr_kv_str(p, "plates", s->plates);
	pr_kv_int(p, "message_count", (long long)b->nlinks);
	pr_kv_int(p, "participant_count", s->participants);
	pr_kv_str(p, "outcome", s->outcome);
	time_or_empty(cfg_timezone(b->ctx->cfg), s->outcome_at, t);
	pr_kv_str(p, "outcome_at", *t ? t : NULL);
	pr_kv_str(p, "outcome_by", s->outcome_by);
	pr_kv_str(p, "chain_head", s->last_hash);
	util_time_iso(cfg_timezone(b->ctx->cfg), bpt_now(b->ctx), t);
	pr_kv_str(p, "made_at", t);
	pr_kv_str(p, "made_by", b->ctx->actor);
	pr_kv_str(p, "originals_file", b->form == TRANSCRIPT_MIME ? b->name_mbox : NULL);
	pr_kv_str(p, "chain_file", b->form == TRANSCRIPT_MIME ? b->name_chain : NULL);
}

static const struct pr_column message_cols[] = {
	{ "seq", "SEQ" }, { "id", "ID" }, { "received", "RECEIVED" },
	{ "author_name", "NAME" }, { "author_email", "EMAIL" },
	{ "subject", "SUBJECT" }, { "message_id", "MESSAGE-ID" },
	{ "date_header", "DATE" }, { "class", "CLASS" },
	{ "called_112", "112" }, { "size", "SIZE" }, { "truncated", "TRUNCATED" },
	{ "sha256", "SHA256" }, { "prev_hash", "PREV" }, { "chain_hash", "CHAIN" },
	{ "original", "ORIGINAL" }, { "erased", "ERASED" }, { "text", "TEXT" },
	{ "reading_text", "READING" }, { "folded", "FOLDED" },
};

/* The attachment lines of one message in the text part. */
static enum bpt_status
attachment_lines(struct build *b, long long id, struct buf *lines)
{
	static const char sql[] = "SELECT filename, content_type, size, sha256 "
	    "FROM attachments WHERE message_id = ? ORDER BY idx";
	struct bpt_ctx *ctx = b->ctx;
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	int rc;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		buf_addf(lines, "- %s (%s, %lld bytes), SHA-256:\n  %s\n",
		    sqlite3_column_type(s, 0) == SQLITE_NULL ? "-" :
		    store_col_text(s, 0), store_col_text(s, 1),
		    (long long)sqlite3_column_int64(s, 2), store_col_text(s, 3));
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(ctx, ctx->store, rc, "read attachments");
	return buf_failed(lines) ? bpt_err(ctx, BPT_ENOMEM, "out of memory") : BPT_OK;
}

/* One message: its block in the text part, its JSON row, its chain line. */
static enum bpt_status
message(struct build *b, size_t seq)
{
	static const char sql[] = "SELECT m.received_at, "
	    "coalesce(nullif(mm.name, ''), m.from_name), m.from_addr, m.subject, "
	    "m.message_id, m.date_hdr, m.class, m.called_112, m.size, m.truncated, "
	    "m.body, m.erased FROM messages m LEFT JOIN members mm "
	    "ON mm.id = m.member_id WHERE m.id = ?";
	struct bpt_ctx *ctx = b->ctx;
	const struct link *l = &b->links[seq - 1];
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	struct buf atts = BUF_INIT, t = BUF_INIT;
	char received[32], num[32], count[32], *reading = NULL;
	const char *body, *erased, *class;
	enum bpt_status st = BPT_OK;
	int folded = 0, rc;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, l->id);
	if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
		sqlite3_reset(s);
		return rc == SQLITE_DONE ? bpt_err(ctx, BPT_EINTERNAL, "message %lld "
		    "went away", l->id) : store_fail(ctx, ctx->store, rc, "read message");
	}
	util_time_iso(cfg_timezone(b->ctx->cfg), (time_t)sqlite3_column_int64(s, 0), received);
	body = store_col_text(s, 10);
	erased = sqlite3_column_type(s, 11) == SQLITE_NULL ? NULL : store_col_text(s, 11);
	class = store_col_text(s, 6);
	/* only replies quote: the alert's text is all new */
	reading = strcmp(class, "reply") == 0 ? quote_fold(body, &folded) : strdup(body);
	if (reading == NULL) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	if (b->form != TRANSCRIPT_JSON) {
		struct tvar v[] = {
			{ "seq", num }, { "count", count }, { "received", received },
			{ "author", store_col_text(s, 1) }, { "email", store_col_text(s, 2) },
			{ "subject", store_col_text(s, 3) }, { "sha256", l->sha },
			{ "forgotten", erased && strcmp(erased, "forgotten") == 0 ? "1" : NULL },
			{ "redacted", erased && strcmp(erased, "forgotten") != 0 ? "1" : NULL },
			{ "text", reading }, { "folded", folded ? "1" : NULL },
			{ "attachments", NULL },
		};

		if ((st = attachment_lines(b, l->id, &atts)) != BPT_OK)
			goto out;
		v[NCOLS(v) - 1].value = buf_str(&atts);
		snprintf(num, sizeof(num), "%zu", seq);
		snprintf(count, sizeof(count), "%zu", b->nlinks);
		if ((st = tpl_render(ctx, "transcript-message", v, NCOLS(v), &t)) != BPT_OK)
			goto out;
		text_add(b, t.buf ? t.buf : "", t.len);
	}
	if (b->jp != NULL) {
		struct printer *p = b->jp;
		int i;

		pr_row_begin(p);
		pr_int(p, (long long)seq);
		pr_int(p, l->id);
		pr_str(p, received);
		for (i = 1; i <= 7; i++)
			pr_str(p, sqlite3_column_type(s, i) == SQLITE_NULL ? NULL :
			    store_col_text(s, i));
		pr_int(p, sqlite3_column_int64(s, 8));
		pr_bool(p, sqlite3_column_int(s, 9));
		pr_str(p, l->sha);
		pr_str(p, l->prev);
		pr_str(p, l->chain);
		pr_bool(p, !l->erased);
		pr_str(p, erased);
		pr_str(p, body);
		/* the same as the text unless something was left out */
		pr_str(p, folded ? reading : NULL);
		pr_bool(p, folded);
		pr_row_end(p);
	}
	buf_addf(&b->chain, "message %zu %s %s %s\r\n", seq, l->sha, l->chain,
	    l->erased ? "erased" : "original");
	if (buf_failed(&b->chain) || buf_failed(&t))
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
out:
	sqlite3_reset(s);
	free(reading);
	buf_release(&atts);
	buf_release(&t);
	return st;
}

/* The closing words of the text part: what else is enclosed. */
static enum bpt_status
text_end(struct build *b, long long photos)
{
	struct buf t = BUF_INIT;
	enum bpt_status st;
	char n[32];
	struct tvar v[] = {
		{ "originals", b->name_mbox }, { "photos", photos ? n : NULL },
		{ "json", b->name_json }, { "chain", b->name_chain },
		{ "mime", b->form == TRANSCRIPT_MIME ? "1" : NULL },
	};

	snprintf(n, sizeof(n), "%lld", photos);
	st = tpl_render(b->ctx, "transcript-end", v, NCOLS(v), &t);
	if (st == BPT_OK)
		text_add(b, t.buf ? t.buf : "", t.len);
	buf_release(&t);
	return st;
}

/*
 * Room for the whole output at once, when it is built in memory: a
 * transcript is tens of megabytes, and a buffer that doubles as it
 * grows copies all of it again and again.  Base64 adds a third,
 * quoted-printable a little, and the JSON holds the texts once more.
 * Written to a file as it is built, out never holds more than some
 * FLUSH_AT, and the text is encoded piece by piece: nothing to reserve.
 */
static enum bpt_status
reserve(struct build *b)
{
	static const char sql[] = "SELECT coalesce(sum(length(m.raw)), 0), "
	    "coalesce(sum(length(m.body)), 0), (SELECT coalesce(sum(a.size), 0) "
	    "FROM attachments a JOIN messages n ON n.id = a.message_id WHERE "
	    "n.incident_id = ?1 AND n.chain_hash IS NOT NULL) FROM messages m "
	    "WHERE m.incident_id = ?1 AND m.chain_hash IS NOT NULL";
	struct bpt_ctx *ctx = b->ctx;
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	long long raw = 0, text = 0, att = 0;
	int rc;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, b->s.number);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		raw = sqlite3_column_int64(s, 0);
		text = sqlite3_column_int64(s, 1);
		att = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return store_fail(ctx, ctx->store, rc, "size the transcript");
	if (b->form == TRANSCRIPT_MIME) {
		buf_grow(b->out, (size_t)((raw + att + 3 * text) / 3 * 4 +
		    text / 8 + 4096 * b->nlinks + 262144));
	} else {
		buf_grow(b->out, (size_t)(2 * text + 4096 * b->nlinks + 65536));
	}
	return buf_failed(b->out) || buf_failed(&b->text) ?
	    bpt_err(ctx, BPT_ENOMEM, "out of memory") : BPT_OK;
}

/*
 * Where the JSON is written while the rest is built: a scratch file
 * beside the store when the output goes to a file (its part comes after
 * the originals and photos; held in memory it is megabytes more, and a
 * memory stream that grows copies and clears all of it again at each
 * step), else memory.
 */
static enum bpt_status
json_open(struct build *b)
{
	struct bpt_ctx *ctx = b->ctx;
	enum bpt_status st;
	int fd;

	if (b->form != TRANSCRIPT_MIME || b->fd < 0) {
		b->jf = open_memstream(&b->jbuf, &b->jlen);
		return b->jf != NULL ? BPT_OK : bpt_err(ctx, BPT_ENOMEM,
		    "out of memory");
	}
	if ((st = fio_scratch(ctx, ctx->cfg->store, &fd)) != BPT_OK)
		return st;
	if ((b->jf = fdopen(fd, "w+")) == NULL) {
		close(fd);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
	b->jfile = 1;
	/* in pieces of 64 KB, not of the file system's 4 */
	if ((b->jvbuf = malloc(JSON_CHUNK)) != NULL)
		setvbuf(b->jf, b->jvbuf, _IOFBF, JSON_CHUNK);
	return BPT_OK;
}

/* The JSON from its scratch file into the part, as base64. */
static enum bpt_status
json_copy(struct build *b, struct b64 *e)
{
	char *chunk = malloc(JSON_CHUNK);
	enum bpt_status st = BPT_OK;
	off_t pos = 0;
	ssize_t got;

	if (chunk == NULL)
		return bpt_err(b->ctx, BPT_ENOMEM, "out of memory");
	for (;;) {
		do
			got = pread(fileno(b->jf), chunk, JSON_CHUNK, pos);
		while (got < 0 && errno == EINTR);
		if (got <= 0)
			break;
		pos += got;
		b64_add(e, chunk, (size_t)got);
		if ((st = transcript_flush(b, 0)) != BPT_OK)
			break;
	}
	if (st == BPT_OK && got < 0)
		st = bpt_err(b->ctx, BPT_EIO, "cannot read the JSON part "
		    "back: %s", strerror(errno));
	free(chunk);
	return st;
}

/* The JSON part (form MIME) or all of the output (form JSON). */
static enum bpt_status
json_finish(struct build *b)
{
	struct bpt_ctx *ctx = b->ctx;
	enum bpt_status st = BPT_OK;
	struct b64 e;
	int bad, en;

	pr_object_end(b->jp);
	bad = pr_free(b->jp) < 0;	/* flushed: the file holds it all */
	en = errno;
	b->jp = NULL;
	if (!bad && b->jfile) {
		transcript_part_begin(b, "application/json; charset=utf-8", b->name_json,
		    "base64", "attachment");
		b64_begin(&e, b->out);
		st = json_copy(b, &e);
		b64_end(&e);
	}
	if (fclose(b->jf) != 0 && !bad) {
		bad = 1;
		en = errno;
	}
	b->jf = NULL;
	if (bad)
		return en == ENOMEM || !b->jfile ? bpt_err(ctx, BPT_ENOMEM,
		    "out of memory writing JSON") : bpt_err(ctx,
		    bpt_errno_status(en) == BPT_ENOSPC ? BPT_ENOSPC : BPT_EIO,
		    "cannot write the JSON part: %s", strerror(en));
	if (st != BPT_OK)
		return st;
	if (b->form == TRANSCRIPT_JSON) {
		buf_add(b->out, b->jbuf, b->jlen);
	} else if (!b->jfile) {
		transcript_part_begin(b, "application/json; charset=utf-8", b->name_json,
		    "base64", "attachment");
		b64_begin(&e, b->out);
		b64_add(&e, b->jbuf, b->jlen);
		b64_end(&e);
	}
	free(b->jbuf);
	b->jbuf = NULL;
	return transcript_flush(b, 0);
}

/* Part 5: the hash chain, for people and for --verify. */
static void
chain_part(struct build *b)
{
	struct buf *o = b->out;

	transcript_part_begin(b, "text/plain; charset=us-ascii", b->name_chain, "7bit",
	    "attachment");
	buf_addf(o, "# The hash chain of incident %lld, see bpt.transcript(5).\r\n"
	    "# chain = SHA-256 of the previous chain value (empty for the first\r\n"
	    "# message) followed by the message's SHA-256, both as lower-case\r\n"
	    "# hex text; sha256 is that of the original as received.\r\n",
	    b->s.number);
	buf_addf(o, "bpt chain 1\r\nincident %lld\r\nmessages %zu\r\nhead %s\r\n"
	    "originals %s\r\n", b->s.number, b->nlinks,
	    b->s.last_hash ? b->s.last_hash : "-", b->name_mbox);
	buf_add(o, b->chain.buf ? b->chain.buf : "", b->chain.len);
}

/* the most of the store mapped while a transcript is built */
#define MAP_SIZE "268435456"

enum bpt_status
transcript_build(struct bpt_ctx *ctx, long long number, enum transcript_form form,
    int fd, struct buf *out, struct transcript_info *info)
{
	struct build b;
	enum bpt_status st;
	long long nphotos = 0;
	char hex[25];
	size_t i;
	int in_read = 0;

	memset(info, 0, sizeof(*info));
	memset(&b, 0, sizeof(b));
	b.ctx = ctx;
	b.form = form;
	b.fd = fd;
	b.out = out;
	b.info = info;
	b.en = ctx->cfg->group.language == CFG_EN;
	buf_init(&b.chain);
	buf_init(&b.text);
	snprintf(b.name_mbox, sizeof(b.name_mbox), "%s-%lld-%s.mbox",
	    b.en ? "incident" : "melding", number, b.en ? "originals" : "originelen");
	snprintf(b.name_json, sizeof(b.name_json), "%s-%lld.json",
	    b.en ? "incident" : "melding", number);
	snprintf(b.name_chain, sizeof(b.name_chain), "%s-%lld-%s.txt",
	    b.en ? "incident" : "melding", number, b.en ? "chain" : "keten");
	/*
	 * One snapshot of the store for every part, read through a memory
	 * map: tens of megabytes come out of the store, the originals with
	 * photos twice, and each page copied into SQLite's own cache costs
	 * a copy and a page of fresh memory (bench/README.md: a third of
	 * the CPU time of a large export).  The map ends with the build.
	 */
	if ((st = store_exec(ctx, ctx->store, "PRAGMA mmap_size=" MAP_SIZE ";"
	    "BEGIN")) != BPT_OK)
		return st;
	in_read = 1;
	if ((st = load_summary(&b, number)) != BPT_OK)
		goto out;
	if ((st = load_chain(&b)) != BPT_OK)
		goto out;
	if ((st = transcript_count_photos(&b, &nphotos)) != BPT_OK)
		goto out;
	if (fd < 0 && (st = reserve(&b)) != BPT_OK)
		goto out;
	info->closed = b.s.closed;
	info->messages = (long long)b.nlinks;
	snprintf(info->head, sizeof(info->head), "%s", b.s.last_hash ? b.s.last_hash : "");
	if (form != TRANSCRIPT_TEXT) {
		if ((st = json_open(&b)) != BPT_OK)
			goto out;
		if ((b.jp = pr_new(b.jf, PR_JSON)) == NULL) {
			st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
			goto out;
		}
		pr_object_begin(b.jp, "transcript");
		json_summary(&b);
		pr_list_begin(b.jp, "messages", message_cols, NCOLS(message_cols));
	}
	if (form == TRANSCRIPT_MIME) {
		if ((st = util_random_hex(ctx, hex, 12)) != BPT_OK)
			goto out;
		snprintf(b.mix, sizeof(b.mix), "=_bpt_mixed_%s", hex);
		buf_addf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
		    "This is a transcript made by bpt, in MIME format.\r\n", b.mix);
		transcript_part_begin(&b, "text/plain; charset=utf-8", NULL, "quoted-printable",
		    "inline");
	}
	if (form != TRANSCRIPT_JSON && (st = summary(&b)) != BPT_OK)
		goto out;
	for (i = 1; i <= b.nlinks; i++)
		if ((st = message(&b, i)) != BPT_OK ||
		    (st = text_encode(&b, 0)) != BPT_OK)
			goto out;
	if (b.jp != NULL)
		pr_list_end(b.jp);
	if (form != TRANSCRIPT_JSON && (st = text_end(&b, nphotos)) != BPT_OK)
		goto out;
	if (form == TRANSCRIPT_MIME) {
		if ((st = text_encode(&b, 1)) != BPT_OK)
			goto out;
		buf_release(&b.text);
		if ((st = transcript_originals(&b)) != BPT_OK)
			goto out;
	}
	if (form != TRANSCRIPT_TEXT) {
		if ((st = transcript_photos(&b)) != BPT_OK)
			goto out;
		if ((st = json_finish(&b)) != BPT_OK)
			goto out;
	}
	if (form == TRANSCRIPT_MIME) {
		chain_part(&b);
		buf_addf(out, "\r\n--%s--\r\n", b.mix);
	}
	if (buf_failed(out) || buf_failed(&b.chain))
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory building the transcript");
	else
		st = transcript_flush(&b, 1);
out:
	if (in_read) {
		store_rollback(ctx->store);
		sqlite3_exec(store_db(ctx->store), "PRAGMA mmap_size=0", NULL,
		    NULL, NULL);
	}
	if (b.jp != NULL)
		pr_free(b.jp);
	if (b.jf != NULL)
		fclose(b.jf);
	free(b.jvbuf);
	free(b.jbuf);
	free(b.links);
	buf_release(&b.chain);
	buf_release(&b.text);
	summary_release(&b.s);
	return st;
}
