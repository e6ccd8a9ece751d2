/* views.c - the one place where incidents, statistics, the outbox queue
 * and the results of bpt-close are printed. */
#include "bptconf.h"

#include <stdio.h>
#include <string.h>

#include "close.h"
#include "export.h"
#include "hold.h"
#include "incident.h"
#include "msgshow.h"
#include "outbox.h"
#include "printer.h"
#include "stats.h"
#include "util.h"
#include "views.h"

#define NCOLS(c) ((int)(sizeof(c) / sizeof((c)[0])))

/* --- incidents ------------------------------------------------------------ */

static const struct pr_column incident_cols[] = {
	{ "number", "#" }, { "status", "STATUS" }, { "opened", "OPENED" },
	{ "closed", "CLOSED" }, { "reporter", "REPORTER" },
	{ "called_112", "112" }, { "messages", "MSGS" }, { "subject", "SUBJECT" },
	{ "result", "RESULT" }, { "outcome", "OUTCOME" },
};

static int
incident_row(void *arg, const struct incident *inc)
{
	struct printer *p = arg;

	pr_row_begin(p);
	pr_int(p, inc->number);
	pr_str(p, inc->closed ? "closed" : "open");
	pr_time(p, inc->opened_at);
	pr_time(p, inc->closed ? inc->closed_at : 0);
	pr_str(p, inc->reporter_name);
	pr_str(p, incident_112_str(inc->called_112));
	pr_int(p, inc->messages);
	pr_str(p, inc->subject);
	pr_str(p, incident_result_str(inc->result));
	pr_str(p, inc->outcome);
	pr_row_end(p);
	return 0;
}

enum bpt_status
view_incidents(struct bpt_ctx *ctx, struct printer *p,
    const struct incident_filter *f)
{
	enum bpt_status st;

	pr_list_begin(p, "incidents", incident_cols, NCOLS(incident_cols));
	st = incident_each(ctx, f, incident_row, p);
	pr_list_end(p);
	return st;
}

static const struct pr_column message_cols[] = {
	{ "id", "ID" }, { "received", "RECEIVED" }, { "from", "FROM" },
	{ "class", "CLASS" }, { "called_112", "112" }, { "subject", "SUBJECT" },
	{ "text", "TEXT" }, { "sha256", "SHA256" }, { "chain_hash", "CHAIN" },
};

static int
message_row(void *arg, const struct incident_message *m)
{
	struct printer *p = arg;

	pr_row_begin(p);
	pr_int(p, m->id);
	pr_time_iso(p, m->received_at);
	pr_str(p, m->from);
	pr_str(p, m->class);
	pr_str(p, m->called_112);
	pr_str(p, m->subject);
	pr_str(p, m->text);
	pr_str(p, m->sha256);
	pr_str(p, m->chain_hash);
	pr_row_end(p);
	return 0;
}

static const struct pr_column delivery_cols[] = {
	{ "message", "MESSAGE" }, { "kind", "KIND" }, { "recipient", "RECIPIENT" },
	{ "name", "NAME" }, { "state", "STATE" }, { "attempts", "TRIES" },
	{ "last_reply", "LAST REPLY" }, { "sent", "SENT" },
};

static int
delivery_row(void *arg, const struct incident_delivery *d)
{
	struct printer *p = arg;

	pr_row_begin(p);
	pr_int(p, d->message);
	pr_str(p, d->kind);
	pr_str(p, d->rcpt);
	pr_str(p, d->name);
	pr_str(p, d->state);
	pr_int(p, d->attempts);
	pr_str(p, d->last_reply);
	pr_time_iso(p, d->sent_at);
	pr_row_end(p);
	return 0;
}

static const struct pr_column export_cols[] = {
	{ "id", "ID" }, { "at", "AT" }, { "by", "BY" }, { "to", "TO" },
	{ "format", "FORMAT" }, { "size", "SIZE" }, { "sha256", "SHA256" },
	{ "signer", "SIGNER" }, { "encrypted_to", "ENCRYPTED TO" },
	{ "delivery", "DELIVERY" },
};

static int
export_row(void *arg, const struct export_record *e)
{
	struct printer *p = arg;

	pr_row_begin(p);
	pr_int(p, e->id);
	pr_time(p, e->at);
	pr_str(p, e->by);
	pr_str(p, e->recipient ? e->recipient : e->file);
	pr_str(p, e->format);
	pr_int(p, e->size);
	pr_str(p, e->sha256);
	pr_str(p, e->signer);
	pr_str(p, e->encrypted_to);
	pr_str(p, e->delivery);
	pr_row_end(p);
	return 0;
}

enum bpt_status
view_incident(struct bpt_ctx *ctx, struct printer *p, long long number)
{
	struct incident_copies c;
	struct incident inc;
	enum bpt_status st;

	if ((st = incident_get(ctx, number, &inc)) != BPT_OK)
		return st;
	if ((st = incident_copies(ctx, number, &c)) != BPT_OK) {
		incident_release(&inc);
		return st;
	}
	pr_object_begin(p, "incident");
	pr_kv_int(p, "number", inc.number);
	pr_kv_str(p, "status", inc.closed ? "closed" : "open");
	pr_kv_str(p, "subject", inc.subject);
	pr_kv_str(p, "reporter", inc.reporter_name);
	pr_kv_time(p, "opened", inc.opened_at);
	pr_kv_time(p, "closed", inc.closed ? inc.closed_at : 0);
	pr_kv_str(p, "called_112", incident_112_str(inc.called_112));
	pr_kv_str(p, "called_112_by", inc.called_112_by_name);
	pr_kv_time(p, "called_112_at", inc.called_112_at);
	pr_kv_str(p, "plates", inc.plates);
	pr_kv_int(p, "copies_sent", c.sent);
	pr_kv_int(p, "copies_queued", c.queued);
	pr_kv_int(p, "copies_deferred", c.deferred);
	pr_kv_int(p, "copies_failed", c.failed);
	pr_kv_str(p, "closed_by", inc.closed ? inc.closed_by : NULL);
	pr_kv_str(p, "close_reason", inc.closed ? inc.close_reason : NULL);
	pr_kv_time(p, "first_reply", inc.first_reply_at);
	pr_kv_str(p, "result", incident_result_str(inc.result));
	pr_kv_str(p, "outcome", inc.outcome);
	pr_kv_str(p, "outcome_by", inc.outcome_by);
	pr_kv_time(p, "outcome_at", inc.outcome_at);
	pr_kv_time(p, "exported", inc.exported_at);
	pr_kv_int(p, "reminders", inc.reminders);
	incident_release(&inc);
	pr_list_begin_blocks(p, "messages", message_cols, NCOLS(message_cols));
	st = incident_each_message(ctx, number, message_row, p);
	pr_list_end(p);
	/* for scripts: the state of every copy, per recipient */
	if (st == BPT_OK && pr_format(p) == PR_JSON) {
		pr_list_begin(p, "deliveries", delivery_cols, NCOLS(delivery_cols));
		st = incident_each_delivery(ctx, number, delivery_row, p);
		pr_list_end(p);
	}
	/* the transcripts sent to the police, what they held, who signed */
	if (st == BPT_OK) {
		pr_list_begin(p, "exports", export_cols, NCOLS(export_cols));
		st = export_each(ctx, number, export_row, p);
		pr_list_end(p);
	}
	pr_object_end(p);
	return st;
}

/* --- statistics --------------------------------------------------------- */

static const char *const result_keys[INCRES_MAX] = {
	"outcome_arrest", "outcome_police", "outcome_prevented",
	"outcome_nothing", "outcome_unknown",
};

static const struct pr_column stats_cols[] = {
	{ "month", "MONTH" }, { "incidents", "ALERTS" },
	{ "called_112_yes", "112:YES" }, { "called_112_no", "112:NO" },
	{ "called_112_unknown", "112:?" }, { "replied", "REPLIED" },
	{ "reply_median_s", "REPLY:MEDIAN" }, { "reply_p90_s", "REPLY:P90" },
	{ "closed", "CLOSED" }, { "close_median_s", "CLOSE:MEDIAN" },
	{ "outcome_arrest", "ARREST" }, { "outcome_police", "POLICE" },
	{ "outcome_prevented", "PREVENTED" }, { "outcome_nothing", "NOTHING" },
	{ "outcome_unknown", "UNKNOWN" }, { "outcome_none", "NO OUTCOME" },
	{ "members_active", "ACTIVE" }, { "members_suspended", "SUSPENDED" },
	{ "members_removed", "REMOVED" }, { "members_banned", "BANNED" },
	{ "copies_sent", "SENT" }, { "copies_failed", "FAILED" },
};

/* "45s", "12m 30s", "2h 05m", "3d 04h" for people; -1 is none. */
static const char *
human_duration(long long s, char b[32])
{
	if (s < 0)
		return NULL;
	if (s < 60)
		snprintf(b, 32, "%llds", s);
	else if (s < 3600)
		snprintf(b, 32, "%lldm %02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(b, 32, "%lldh %02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(b, 32, "%lldd %02lldh", s / 86400, s % 86400 / 3600);
	return b;
}

static void
pr_duration(struct printer *p, long long s)
{
	char b[32];

	if (s < 0)
		pr_null(p);
	else if (pr_format(p) == PR_TEXT)
		pr_str(p, human_duration(s, b));
	else
		pr_int(p, s);
}

static void
kv_duration(struct printer *p, const char *key, long long s)
{
	char b[32];

	if (s < 0)
		pr_kv_str(p, key, NULL);
	else if (pr_format(p) == PR_TEXT)
		pr_kv_str(p, key, human_duration(s, b));
	else
		pr_kv_int(p, key, s);
}

void
view_stats(struct printer *p, const struct stats_report *r)
{
	const struct stats_row *t = &r->total;
	size_t i;
	int k;

	pr_object_begin(p, "stats");
	pr_kv_time(p, "from", r->from);
	pr_kv_time(p, "to", r->to);
	pr_kv_int(p, "incidents", t->incidents);
	pr_kv_int(p, "called_112_yes", t->called_yes);
	pr_kv_int(p, "called_112_no", t->called_no);
	pr_kv_int(p, "called_112_unknown", t->called_unknown);
	pr_kv_int(p, "replied", t->replied);
	kv_duration(p, "reply_median_s", t->reply_median);
	kv_duration(p, "reply_p90_s", t->reply_p90);
	pr_kv_int(p, "closed", t->closed);
	kv_duration(p, "close_median_s", t->close_median);
	for (k = 0; k < INCRES_MAX; k++)
		pr_kv_int(p, result_keys[k], t->results[k]);
	pr_kv_int(p, "outcome_none", t->no_outcome);
	pr_kv_int(p, "members_active", t->members_active);
	pr_kv_int(p, "members_suspended", t->members_suspended);
	pr_kv_int(p, "members_removed", t->members_removed);
	pr_kv_int(p, "members_banned", t->members_banned);
	pr_kv_int(p, "copies_sent", t->copies_sent);
	pr_kv_int(p, "copies_failed", t->copies_failed);
	pr_list_begin(p, "months", stats_cols, NCOLS(stats_cols));
	for (i = 0; i < r->nmonths; i++) {
		const struct stats_row *m = &r->months[i];

		pr_row_begin(p);
		pr_str(p, m->month);
		pr_int(p, m->incidents);
		pr_int(p, m->called_yes);
		pr_int(p, m->called_no);
		pr_int(p, m->called_unknown);
		pr_int(p, m->replied);
		pr_duration(p, m->reply_median);
		pr_duration(p, m->reply_p90);
		pr_int(p, m->closed);
		pr_duration(p, m->close_median);
		for (k = 0; k < INCRES_MAX; k++)
			pr_int(p, m->results[k]);
		pr_int(p, m->no_outcome);
		pr_int(p, m->members_active);
		pr_int(p, m->members_suspended);
		pr_int(p, m->members_removed);
		pr_int(p, m->members_banned);
		pr_int(p, m->copies_sent);
		pr_int(p, m->copies_failed);
		pr_row_end(p);
	}
	pr_list_end(p);
	pr_object_end(p);
}

/* --- the outbox queue ---------------------------------------------------- */

static const struct pr_column queue_cols[] = {
	{ "id", "ID" }, { "kind", "KIND" }, { "incident", "INCIDENT" },
	{ "recipient", "RECIPIENT" }, { "state", "STATE" },
	{ "attempts", "TRIES" }, { "next_attempt", "NEXT" },
	{ "last_reply", "LAST REPLY" },
};

static int
queue_row(void *arg, const struct outbox_queued *q)
{
	struct printer *p = arg;

	pr_row_begin(p);
	pr_int(p, q->id);
	pr_str(p, q->kind);
	if (q->incident == 0)
		pr_null(p);
	else
		pr_int(p, q->incident);
	pr_str(p, q->rcpt);
	pr_str(p, q->state);
	pr_int(p, q->attempts);
	pr_time(p, q->next_at);
	pr_str(p, q->last_reply);
	pr_row_end(p);
	return 0;
}

enum bpt_status
view_queue(struct bpt_ctx *ctx, struct printer *p)
{
	enum bpt_status st;

	pr_list_begin(p, "queue", queue_cols, NCOLS(queue_cols));
	st = outbox_queue_each(ctx, queue_row, p);
	pr_list_end(p);
	return st;
}

/* --- bpt-close ------------------------------------------------------------ */

static const struct pr_column close_cols[] = {
	{ "number", "#" }, { "action", "ACTION" }, { "why", "WHY" },
	{ "subject", "SUBJECT" }, { "closed", "CLOSED" }, { "text", "TEXT" },
	{ "result", "RESULT" }, { "reminder", "REMINDER" },
	{ "exported", "EXPORTED" }, { "recipients", "RECIPIENTS" },
	{ "dry_run", "DRY RUN" },
};

void
view_close_run(struct printer *p, const struct close_run *r)
{
	size_t i;

	pr_list_begin(p, "incidents", close_cols, NCOLS(close_cols));
	for (i = 0; i < r->n; i++) {
		const struct close_item *it = &r->items[i];

		pr_row_begin(p);
		pr_int(p, it->number);
		pr_str(p, it->action);
		pr_str(p, it->why);
		pr_str(p, it->subject);
		pr_time(p, it->closed_at);
		pr_str(p, it->text);
		pr_str(p, incident_result_str(it->result));
		if (it->reminder > 0)
			pr_int(p, it->reminder);
		else
			pr_null(p);
		if (strcmp(it->action, "remind") == 0)
			pr_bool(p, it->exported);
		else
			pr_null(p);
		pr_int(p, it->recipients);
		pr_bool(p, r->dry_run);
		pr_row_end(p);
	}
	pr_list_end(p);
}

/* --- the moderation queue ------------------------------------------------ */

static const struct pr_column hold_cols[] = {
	{ "id", "ID" }, { "message", "MESSAGE" }, { "state", "STATE" },
	{ "held", "HELD" }, { "expires", "EXPIRES" }, { "rule", "RULE" },
	{ "from", "FROM" }, { "subject", "SUBJECT" }, { "evidence", "EVIDENCE" },
	{ "decided_by", "DECIDED BY" }, { "note", "NOTE" },
};

static int
hold_row(void *arg, const struct hold *h)
{
	struct printer *p = arg;

	pr_row_begin(p);
	pr_int(p, h->id);
	pr_int(p, h->message);
	pr_str(p, h->state);
	pr_time(p, h->created_at);
	pr_time(p, h->expires_at);
	pr_str(p, h->rule);
	pr_str(p, h->from);
	pr_str(p, h->subject);
	pr_str(p, h->evidence);
	pr_str(p, h->decided_by);
	pr_str(p, h->note);
	pr_row_end(p);
	return 0;
}

enum bpt_status
view_holds(struct bpt_ctx *ctx, struct printer *p, int all)
{
	enum bpt_status st;

	pr_list_begin(p, "holds", hold_cols, NCOLS(hold_cols));
	st = hold_each(ctx, all, hold_row, p);
	pr_list_end(p);
	return st;
}

/* --- one stored message ---------------------------------------------------- */

static const struct pr_column attachment_cols[] = {
	{ "filename", "FILE" }, { "content_type", "TYPE" }, { "size", "SIZE" },
	{ "action", "ACTION" },
};

const char *
message_text(const struct msgshow *m)
{
	if (m->text != NULL)
		return m->text;
	if (m->erased != NULL)
		return "(removed from the store)";
	return "(not read: a run of bpt-report died on this message; "
	    "see the bytes with --raw)";
}

void
view_message(struct printer *p, const struct msgshow *m)
{
	size_t i;

	pr_object_begin(p, "message");
	pr_kv_int(p, "id", m->id);
	pr_kv_time(p, "received", m->received_at);
	pr_kv_str(p, "state", m->state);
	pr_kv_str(p, "class", m->class);
	pr_kv_str(p, "from", m->from_addr);
	pr_kv_str(p, "from_name", m->from_name);
	pr_kv_str(p, "envelope_from", m->envelope_from);
	pr_kv_str(p, "envelope_to", m->envelope_to);
	pr_kv_str(p, "subject", m->subject);
	pr_kv_str(p, "date", m->date);
	pr_kv_str(p, "message_id", m->message_id);
	pr_kv_str(p, "in_reply_to", m->in_reply_to);
	if (m->incident > 0)
		pr_kv_int(p, "incident", m->incident);
	else
		pr_kv_str(p, "incident", NULL);
	pr_kv_int(p, "size", m->size);
	pr_kv_bool(p, "truncated", m->truncated);
	pr_kv_str(p, "sha256", m->sha256);
	pr_kv_str(p, "notes", m->notes);
	pr_kv_str(p, "erased", m->erased);
	pr_list_begin(p, "attachments", attachment_cols, NCOLS(attachment_cols));
	for (i = 0; i < m->natt; i++) {
		pr_row_begin(p);
		pr_str(p, m->att[i].filename);
		pr_str(p, m->att[i].content_type);
		pr_int(p, m->att[i].size);
		pr_str(p, m->att[i].action);
		pr_row_end(p);
	}
	pr_list_end(p);
	pr_kv_block(p, "text", message_text(m));
	pr_object_end(p);
}

int
view_message_raw(FILE *out, const struct msgshow *m)
{
	if (m->raw.len > 0 && fwrite(m->raw.buf, 1, m->raw.len, out) != m->raw.len)
		return -1;
	return fflush(out);
}
