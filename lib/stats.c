/* stats.c - the year in numbers, from incident rows and the audit trail. */
#include "bptconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "config.h"
#include "incident.h"
#include "stats.h"
#include "util.h"

/* --- percentiles ---------------------------------------------------------- */

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

long long
stats_percentile(long long *v, size_t n, int pct)
{
	size_t rank;

	if (n == 0)
		return -1;
	qsort(v, n, sizeof(*v), cmp_ll);
	/* the smallest rank with rank / n >= pct / 100 */
	rank = ((size_t)pct * n + 99) / 100;
	if (rank < 1)
		rank = 1;
	return v[rank - 1];
}

struct vec {
	long long *v;
	size_t n, alloc;
};

static int
vec_push(struct vec *x, long long v)
{
	if (x->n == x->alloc) {
		size_t na = x->alloc ? 2 * x->alloc : 16;
		long long *nv = realloc(x->v, na * sizeof(*nv));

		if (nv == NULL)
			return -1;
		x->v = nv;
		x->alloc = na;
	}
	x->v[x->n++] = v;
	return 0;
}

/* --- members, as they stood: replayed from the audit trail ---------------- */

enum mstate { M_NONE, M_ACTIVE, M_SUSPENDED, M_REMOVED, M_BANNED, M_STATES };

struct event {
	time_t at;
	long long seq;		/* the audit row: order within one second */
	long long first, last;	/* the members it is about */
	int state;		/* enum mstate */
};

struct events {
	struct event *e;
	size_t n, alloc;
	long long max_id;
	int oom;
};

/* The status an audit action leaves a member in; M_NONE: unchanged. */
static int
action_state(const char *action)
{
	static const struct { const char *action; int state; } map[] = {
		{ "add", M_ACTIVE }, { "readd", M_ACTIVE }, { "import", M_ACTIVE },
		{ "reinstate", M_ACTIVE }, { "suspend", M_SUSPENDED },
		{ "remove", M_REMOVED }, { "ban", M_BANNED },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(action, map[i].action) == 0)
			return map[i].state;
	return M_NONE;
}

static int
collect_event(void *arg, const struct audit_entry *a)
{
	struct events *ev = arg;
	int state = action_state(a->action);
	struct event *e;

	if (state == M_NONE || a->member_id <= 0)
		return 0;
	if (ev->n == ev->alloc) {
		size_t na = ev->alloc ? 2 * ev->alloc : 64;
		struct event *ne = realloc(ev->e, na * sizeof(*ne));

		if (ne == NULL) {
			ev->oom = 1;
			return 1;
		}
		ev->e = ne;
		ev->alloc = na;
	}
	e = &ev->e[ev->n++];
	e->at = a->at;
	e->seq = a->id;
	e->first = a->member_id;
	e->last = a->member_last > a->member_id ? a->member_last : a->member_id;
	e->state = state;
	if (e->last > ev->max_id)
		ev->max_id = e->last;
	return 0;
}

static int
cmp_event(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

struct replay {
	const struct events *ev;
	size_t next;		/* the first event not applied */
	unsigned char *state;	/* by member id */
	long long count[M_STATES];
};

/* Applies every event before t. */
static void
replay_until(struct replay *rp, time_t t)
{
	while (rp->next < rp->ev->n && rp->ev->e[rp->next].at < t) {
		const struct event *e = &rp->ev->e[rp->next++];
		long long id;

		for (id = e->first; id <= e->last; id++) {
			rp->count[rp->state[id]]--;
			rp->state[id] = (unsigned char)e->state;
			rp->count[e->state]++;
		}
	}
}

static void
members_into(const struct replay *rp, struct stats_row *row)
{
	row->members_active = rp->count[M_ACTIVE];
	row->members_suspended = rp->count[M_SUSPENDED];
	row->members_removed = rp->count[M_REMOVED];
	row->members_banned = rp->count[M_BANNED];
}

/* --- months ------------------------------------------------------------- */

/*
 * The start of the month holding t (add 0), or of a month after it, in
 * the group's zone tz: months are calendar months as residents live
 * them, whatever zone the server runs in.
 */
static time_t
month_start(const char *tz, time_t t, int add)
{
	char b[32];
	int y, mo;

	util_time_short(tz, t, b);
	if (sscanf(b, "%d-%d", &y, &mo) != 2)
		return (time_t)-1;
	mo += add;
	y += (mo - 1) / 12;
	mo = (mo - 1) % 12 + 1;
	snprintf(b, sizeof(b), "%04d-%02d-01", y, mo);
	return util_parse_date(tz, b);
}

static void
row_init(struct stats_row *row)
{
	memset(row, 0, sizeof(*row));
	row->reply_median = row->reply_p90 = row->close_median = -1;
}

/* --- incidents ------------------------------------------------------------ */

struct tally {
	struct stats_report *r;
	size_t cur;			/* the month of the last incident */
	struct vec *reply, *close;	/* per month, and [nmonths] the total */
	int oom;
};

static void
count_into(struct stats_row *row, const struct incident_figures *f)
{
	row->incidents++;
	if (f->called_112 == INC112_YES)
		row->called_yes++;
	else if (f->called_112 == INC112_NO)
		row->called_no++;
	else
		row->called_unknown++;
	if (f->first_reply_at != 0)
		row->replied++;
	if (f->closed_at != 0) {
		row->closed++;
		if (!f->has_outcome)
			row->no_outcome++;
	}
	if (f->has_outcome && f->result >= 0 && f->result < INCRES_MAX)
		row->results[f->result]++;
	row->copies_sent += f->copies_sent;
	row->copies_failed += f->copies_failed;
}

static int
tally_one(void *arg, const struct incident_figures *f)
{
	struct tally *t = arg;
	struct stats_report *r = t->r;
	size_t slot[2];
	int k;

	while (t->cur + 1 < r->nmonths && f->opened_at >= r->months[t->cur].to)
		t->cur++;
	count_into(&r->months[t->cur], f);
	count_into(&r->total, f);
	slot[0] = t->cur;
	slot[1] = r->nmonths;
	for (k = 0; k < 2; k++) {
		if (f->first_reply_at != 0 &&
		    vec_push(&t->reply[slot[k]], f->first_reply_at - f->opened_at) < 0)
			t->oom = 1;
		if (f->closed_at != 0 &&
		    vec_push(&t->close[slot[k]], f->closed_at - f->opened_at) < 0)
			t->oom = 1;
	}
	return t->oom;
}

static void
medians_into(struct stats_row *row, struct vec *reply, struct vec *close)
{
	row->reply_median = stats_percentile(reply->v, reply->n, 50);
	row->reply_p90 = stats_percentile(reply->v, reply->n, 90);
	row->close_median = stats_percentile(close->v, close->n, 50);
}

enum bpt_status
stats_compute(struct bpt_ctx *ctx, time_t from, time_t to, struct stats_report *out)
{
	const char *tz = cfg_timezone(ctx->cfg);
	struct events ev = { NULL, 0, 0, 0, 0 };
	struct replay rp;
	struct tally t;
	enum bpt_status st;
	time_t first, m;
	size_t i, nm;

	memset(out, 0, sizeof(*out));
	memset(&rp, 0, sizeof(rp));
	memset(&t, 0, sizeof(t));
	if (to == 0)
		to = bpt_now(ctx) + 1;
	if ((st = audit_each(ctx, 0, collect_event, &ev)) != BPT_OK)
		goto out;
	if (ev.oom) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	qsort(ev.e, ev.n, sizeof(*ev.e), cmp_event);
	if (from == 0) {
		if ((st = incident_first_opened(ctx, &first)) != BPT_OK)
			goto out;
		if (ev.n > 0 && (first == 0 || ev.e[0].at < first))
			first = ev.e[0].at;
		from = first != 0 && first < to ? month_start(tz, first, 0) :
		    month_start(tz, to - 1, 0);
	}
	if (to <= from) {
		st = bpt_err(ctx, BPT_EUSAGE, "the end of the period is not after "
		    "its start");
		goto out;
	}
	out->from = from;
	out->to = to;
	for (nm = 0, m = month_start(tz, from, 0); m != (time_t)-1 && m < to;
	    m = month_start(tz, m, 1))
		nm++;
	out->months = calloc(nm, sizeof(*out->months));
	t.reply = calloc(nm + 1, sizeof(*t.reply));
	t.close = calloc(nm + 1, sizeof(*t.close));
	rp.state = calloc((size_t)ev.max_id + 1, 1);
	if (out->months == NULL || t.reply == NULL || t.close == NULL ||
	    rp.state == NULL) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	out->nmonths = nm;
	rp.ev = &ev;
	for (i = 0, m = month_start(tz, from, 0); i < nm; i++) {
		struct stats_row *row = &out->months[i];
		char b[32];
		time_t next = month_start(tz, m, 1);

		row_init(row);
		util_time_short(tz, m, b);
		snprintf(row->month, sizeof(row->month), "%.7s", b);
		row->from = m < from ? from : m;
		row->to = next > to ? to : next;
		replay_until(&rp, row->to);
		members_into(&rp, row);
		m = next;
	}
	row_init(&out->total);
	out->total.from = from;
	out->total.to = to;
	members_into(&rp, &out->total);
	t.r = out;
	if ((st = incident_each_figures(ctx, from, to, tally_one, &t)) != BPT_OK)
		goto out;
	if (t.oom) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < nm; i++)
		medians_into(&out->months[i], &t.reply[i], &t.close[i]);
	medians_into(&out->total, &t.reply[nm], &t.close[nm]);
out:
	if (t.reply != NULL)
		for (i = 0; i <= out->nmonths; i++) {
			free(t.reply[i].v);
			free(t.close[i].v);
		}
	free(t.reply);
	free(t.close);
	free(rp.state);
	free(ev.e);
	if (st != BPT_OK)
		stats_report_release(out);
	return st;
}

void
stats_report_release(struct stats_report *r)
{
	if (r == NULL)
		return;
	free(r->months);
	memset(r, 0, sizeof(*r));
}
