/* bounces.c - bounces recorded and proven; probes; suspensions. */
#include "bptconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "bounces.h"
#include "buf.h"
#include "compose.h"
#include "config.h"
#include "mail.h"
#include "member.h"
#include "notice.h"
#include "outbox.h"
#include "store.h"
#include "util.h"

#define BOUNCES_MAX 32
#define BOUNCES_IDS 4		/* returned Message-IDs looked at */
#define TOKEN_ROOM 64		/* a token read from an address */
#define PROBE_RANDOM 10		/* random bytes of a probe token */

/* What one bounce carries that says whom it is about. */
struct proof {
	char token[TOKEN_ROOM];	/* of the VERP address, lower case, or "" */
	struct member verp;	/* the member of that token */
	int have_verp;
	long long probe;	/* the probe it is a bounce of, or 0 */
	int probe_waiting;	/* that probe still waits for its bounce */
	struct member pm;	/* the member the probe went to */
	int have_pm;
	char ids[BOUNCES_IDS][BOUNCE_ID_MAX];	/* returned Message-IDs */
	size_t nids;
};

/*
 * 1 when mail with token goes with the VERP sender LOCAL-bounces+TOKEN:
 * its local part must stay within 64 octets (RFC 5321), as outbox.c
 * checks before it uses one.
 */
static int
verp_fits(const char *list, const char *token)
{
	const char *at = strrchr(list, '@');

	return at != NULL && (size_t)(at - list) + strlen("-bounces+") +
	    strlen(token) <= 64;
}

/* ---- the store --------------------------------------------------------- */

static enum bpt_status
insert(struct bpt_ctx *ctx, const struct member *mm, const struct bounce_rcpt *b,
    int verified, int counted, const char *why, long long source)
{
	static const char sql[] = "INSERT INTO bounces(member_id, rcpt, at, status, "
	    "permanent, counted, diagnostic, message_id, verified, why) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);

	if (s == NULL)
		return ctx->err;
	if (mm != NULL)
		sqlite3_bind_int64(s, 1, mm->id);
	store_bind_text(s, 2, b->addr[0] ? b->addr : NULL);
	sqlite3_bind_int64(s, 3, bpt_now(ctx));
	store_bind_text(s, 4, b->status[0] ? b->status : NULL);
	sqlite3_bind_int(s, 5, b->permanent);
	sqlite3_bind_int(s, 6, counted);
	store_bind_text(s, 7, b->diag[0] ? b->diag : NULL);
	if (source > 0)
		sqlite3_bind_int64(s, 8, source);
	sqlite3_bind_int(s, 9, verified);
	store_bind_text(s, 10, why);
	return store_step_done(ctx, ctx->store, s);
}

/* 1 in *yes when the first column of s (bound by the caller) gives a row. */
static enum bpt_status
exists(struct bpt_ctx *ctx, sqlite3_stmt *s, const char *what, int *yes)
{
	int rc = sqlite3_step(s);

	*yes = rc == SQLITE_ROW;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(ctx, ctx->store, rc, what);
	return BPT_OK;
}

/* 1 in *yes when a bounce of the member counted within BOUNCES_ONCE_PER. */
static enum bpt_status
counted_lately(struct bpt_ctx *ctx, long long member, int *yes)
{
	static const char sql[] = "SELECT 1 FROM bounces WHERE member_id = ? "
	    "AND counted = 1 AND at > ? LIMIT 1";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, member);
	sqlite3_bind_int64(s, 2, bpt_now(ctx) - BOUNCES_ONCE_PER);
	return exists(ctx, s, "recent bounces", yes);
}

/* 1 in *yes when a probe to the member still waits for its bounce. */
static enum bpt_status
probe_waiting(struct bpt_ctx *ctx, long long member, int *yes)
{
	static const char sql[] = "SELECT 1 FROM probes WHERE member_id = ? "
	    "AND bounced_at IS NULL AND sent_at > ? LIMIT 1";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, member);
	sqlite3_bind_int64(s, 2, bpt_now(ctx) - BOUNCES_PROBE_WAIT);
	return exists(ctx, s, "probes", yes);
}

/*
 * The member's count: bounces counted within delivery.bounce_window,
 * since their status last changed (an admin's reinstatement starts
 * afresh) and since their last probe that was not bounced stopped
 * waiting.
 */
static enum bpt_status
score(struct bpt_ctx *ctx, const struct member *mm, long *n)
{
	static const char sql[] = "SELECT count(*) FROM bounces WHERE member_id = ?1 "
	    "AND counted = 1 AND at >= ?2 AND at >= coalesce((SELECT "
	    "max(sent_at) + ?4 FROM probes WHERE member_id = ?1 AND "
	    "bounced_at IS NULL AND sent_at <= ?3 - ?4), 0)";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	time_t now = bpt_now(ctx), since = now - ctx->cfg->delivery.bounce_window;
	int rc;

	if (s == NULL)
		return ctx->err;
	if (mm->status_at > since)
		since = mm->status_at;
	sqlite3_bind_int64(s, 1, mm->id);
	sqlite3_bind_int64(s, 2, since);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_int64(s, 4, BOUNCES_PROBE_WAIT);
	rc = sqlite3_step(s);
	*n = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? BPT_OK : store_fail(ctx, ctx->store, rc, "bounce score");
}

/*
 * The probe of this bounce: the one whose token the VERP address
 * carries, else the one whose Message-ID it returns.  Fills p->probe
 * (0: none), p->probe_waiting and p->pm.
 */
static enum bpt_status
find_probe(struct bpt_ctx *ctx, struct proof *p)
{
	static const char by_token[] = "SELECT p.id, p.bounced_at IS NULL AND "
	    "p.sent_at > ?2, m.email FROM probes p JOIN members m "
	    "ON m.id = p.member_id WHERE p.token = ?1";
	static const char by_msgid[] = "SELECT p.id, p.bounced_at IS NULL AND "
	    "p.sent_at > ?2, m.email FROM probes p JOIN members m "
	    "ON m.id = p.member_id WHERE p.msgid = ?1";
	struct buf email = BUF_INIT;
	enum bpt_status st = BPT_OK;
	size_t k;
	int rc;

	for (k = 0; k <= p->nids && p->probe == 0; k++) {
		const char *key = k == 0 ? p->token : p->ids[k - 1];
		sqlite3_stmt *s;

		if (*key == '\0')
			continue;
		s = store_prepare(ctx, ctx->store, k == 0 ? by_token : by_msgid);
		if (s == NULL)
			return ctx->err;
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, bpt_now(ctx) - BOUNCES_PROBE_WAIT);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			p->probe = sqlite3_column_int64(s, 0);
			p->probe_waiting = sqlite3_column_int(s, 1);
			buf_adds(&email, store_col_text(s, 2));
		}
		sqlite3_reset(s);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return store_fail(ctx, ctx->store, rc, "probes");
	}
	if (buf_failed(&email))
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
	else if (p->probe != 0) {
		st = member_lookup(ctx, buf_str(&email), &p->pm);
		p->have_pm = st == BPT_OK;
		if (st == BPT_ENOENT)
			st = BPT_OK;
	}
	buf_release(&email);
	return st;
}

static enum bpt_status
probe_bounced(struct bpt_ctx *ctx, long long probe, long long source)
{
	static const char sql[] = "UPDATE probes SET bounced_at = ?, "
	    "bounce_message = ? WHERE id = ?";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, bpt_now(ctx));
	if (source > 0)
		sqlite3_bind_int64(s, 2, source);
	sqlite3_bind_int64(s, 3, probe);
	return store_step_done(ctx, ctx->store, s);
}

/* ---- mail -------------------------------------------------------------- */

static const char *
name_of(const struct bpt_ctx *ctx, const struct member *mm)
{
	if (mm->name != NULL && *mm->name != '\0')
		return mm->name;
	return ctx->cfg->group.language == CFG_EN ? "member" : "lid";
}

/* Tells the admins: tpl with the member, their count and the last error. */
static enum bpt_status
tell_admins(struct bpt_ctx *ctx, const char *tpl, const struct member *mm,
    long count, const struct bounce_rcpt *last, long long source,
    const char *runner)
{
	char num[32], limit[32], days[32];
	struct tvar v[] = {
		{ "group", ctx->cfg->group.name }, { "name", name_of(ctx, mm) },
		{ "email", mm->email }, { "count", num }, { "limit", limit },
		{ "days", days }, { "status", last->status },
		{ "diagnostic", last->diag },
	};
	struct notice nt = {
		.tpl = tpl, .vars = v, .nvars = nitems(v), .to = NULL,
		.member_id = mm->id, .source = source, .runner = runner,
	};

	snprintf(num, sizeof(num), "%ld", count);
	snprintf(limit, sizeof(limit), "%ld", ctx->cfg->delivery.bounce_limit);
	snprintf(days, sizeof(days), "%ld", BOUNCES_PROBE_WAIT / 86400);
	return notice_queue(ctx, &nt, NULL);
}

/* Suspends mm for its bounces (actor "bpt") and tells the admins. */
static enum bpt_status
suspend(struct bpt_ctx *ctx, const struct member *mm, long count,
    const struct bounce_rcpt *last, long long source, const char *runner)
{
	struct member_report rep = { 0 };
	enum bpt_status st;
	char *actor = ctx->actor;

	ctx->actor = (char *)"bpt";
	st = member_suspend(ctx, mm->email, "bounces", 0, 0, &rep);
	ctx->actor = actor;
	member_report_release(&rep);
	if (st != BPT_OK)
		return st;
	return tell_admins(ctx, "admin-bounces", mm, count, last, source, runner);
}

/*
 * Sends mm the probe: a short notice with an envelope sender of its
 * own (LOCAL-bounces+PROBETOKEN@DOMAIN, whether delivery.verp is on or
 * not), recorded in probes; and tells the admins.
 */
static enum bpt_status
send_probe(struct bpt_ctx *ctx, const struct member *mm, long count,
    const struct bounce_rcpt *last, long long source, const char *runner)
{
	static const char sql[] = "INSERT INTO probes(member_id, token, msgid, "
	    "rcpt, sent_at) VALUES (?, ?, ?, ?, ?)";
	const char *list = ctx->cfg->group.address, *at = strrchr(list, '@');
	char rnd[2 * PROBE_RANDOM + 1], token[2 * PROBE_RANDOM + 2];
	char msgid[COMPOSE_MSGID_MAX];
	const char *request = ctx->cfg->list.request;
	struct buf from = BUF_INIT;
	struct tvar v[] = {
		{ "group", ctx->cfg->group.name }, { "name", name_of(ctx, mm) },
		{ "email", mm->email }, { "request", request },
	};
	struct notice nt = {
		.tpl = "notice-bounce-probe", .vars = v, .nvars = nitems(v),
		.to = mm->email, .member_id = mm->id, .source = source,
		.runner = runner,
	};
	enum bpt_status st;
	sqlite3_stmt *s;

	if (request == NULL || at == NULL) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	if ((st = util_random_hex(ctx, rnd, PROBE_RANDOM)) != BPT_OK)
		goto out;
	snprintf(token, sizeof(token), "p%s", rnd);
	/* too long a VERP address: the bounce address, and the probe is
	 * known by the Message-ID its bounce returns */
	if (verp_fits(list, token))
		buf_addf(&from, "%s%s%s", ctx->cfg->list.verp_prefix, token, at);
	else
		buf_adds(&from, ctx->cfg->list.bounces);
	if (buf_failed(&from)) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	if ((st = notice_queue_from(ctx, &nt, buf_str(&from), msgid)) != BPT_OK)
		goto out;
	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL) {
		st = ctx->err;
		goto out;
	}
	sqlite3_bind_int64(s, 1, mm->id);
	sqlite3_bind_text(s, 2, token, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, msgid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, mm->email, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, bpt_now(ctx));
	if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
		goto out;
	st = tell_admins(ctx, "admin-bounce-probe", mm, count, last, source,
	    runner);
out:
	buf_release(&from);
	return st;
}

/* ---- one failed recipient ---------------------------------------------- */

/*
 * Without a token: whether a returned Message-ID is of a copy handed
 * to the relay for addr within delivery.bounce_window.
 */
static enum bpt_status
by_msgid(struct bpt_ctx *ctx, const struct proof *p, const struct member *mm,
    const char *addr, int *verified, const char **why)
{
	const struct bpt_config *cfg = ctx->cfg;
	time_t since = bpt_now(ctx) - cfg->delivery.bounce_window;
	enum bpt_status st;
	size_t k;
	int sent = 0;

	*verified = 0;
	if (cfg->delivery.verp && mm->token != NULL &&
	    verp_fits(cfg->group.address, mm->token)) {
		/* every copy to this member carried the token */
		*why = "no valid VERP token (delivery.verp is on)";
		return BPT_OK;
	}
	if (p->nids == 0) {
		*why = "no valid VERP token and no returned Message-ID";
		return BPT_OK;
	}
	for (k = 0; k < p->nids && !sent; k++)
		if ((st = outbox_sent_to(ctx, p->ids[k], addr, since, &sent)) != BPT_OK)
			return st;
	*verified = sent;
	*why = sent ? "returned Message-ID of a copy sent to this address" :
	    "returned Message-ID is of no copy sent to this address lately";
	return BPT_OK;
}

static enum bpt_status
record_one(struct bpt_ctx *ctx, struct proof *p, const struct bounce_rcpt *b,
    long long source, const char *runner, struct bounces_result *res)
{
	struct member who;
	const struct member *mm = NULL;
	const char *why = NULL;
	struct buf w = BUF_INIT;
	int verified = 0, counts, lately = 0, counted, have_who = 0, waiting = 0;
	enum bpt_status st = BPT_OK;
	long count = 0;

	/* a failure of the address itself, not of our mail or the way */
	counts = b->action == BOUNCE_FAILED && b->permanent && !b->not_their_fault;
	if (p->probe != 0) {
		mm = p->have_pm ? &p->pm : NULL;
		verified = mm != NULL;
		why = p->probe_waiting ? "bounce of the probe" :
		    "bounce of an earlier probe";
	} else if (p->have_verp) {
		mm = &p->verp;
		verified = 1;
		why = "VERP token";
	} else if (b->addr[0] == '\0') {
		why = "names no address";
	} else if ((st = member_lookup(ctx, b->addr, &who)) == BPT_ENOENT) {
		st = BPT_OK;
		why = "names no member";
	} else if (st == BPT_OK) {
		have_who = 1;
		mm = &who;
		st = by_msgid(ctx, p, mm, b->addr, &verified, &why);
	}
	if (st != BPT_OK)
		goto out;
	if (verified && counts &&
	    (st = counted_lately(ctx, mm->id, &lately)) != BPT_OK)
		goto out;
	counted = verified && counts && !lately;
	buf_adds(&w, why);
	if (verified && counts && lately)
		buf_adds(&w, "; one counted already within a day");
	if (buf_failed(&w)) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	if ((st = insert(ctx, mm, b, verified, counted, buf_str(&w), source)) != BPT_OK)
		goto out;
	res->recipients++;
	res->verified += verified;
	res->counted += counted;
	if (mm == NULL || !member_is_active(mm))
		goto out;
	if (p->probe != 0 && p->probe_waiting && counts) {
		/* the probe bounced: the address is dead */
		p->probe_waiting = 0;
		if ((st = probe_bounced(ctx, p->probe, source)) != BPT_OK ||
		    (st = score(ctx, mm, &count)) != BPT_OK ||
		    (st = suspend(ctx, mm, count, b, source, runner)) != BPT_OK)
			goto out;
		res->suspended++;
	} else if (counted) {
		if ((st = score(ctx, mm, &count)) != BPT_OK)
			goto out;
		if (count < ctx->cfg->delivery.bounce_limit)
			goto out;
		if ((st = probe_waiting(ctx, mm->id, &waiting)) != BPT_OK || waiting)
			goto out;
		if ((st = send_probe(ctx, mm, count, b, source, runner)) != BPT_OK)
			goto out;
		res->probes++;
	}
out:
	if (have_who)
		member_release(&who);
	buf_release(&w);
	return st;
}

enum bpt_status
bounces_record(struct bpt_ctx *ctx, const struct mail *m, const char *env_to,
    long long source, const char *runner, struct bounces_result *res)
{
	struct bounce_rcpt b[BOUNCES_MAX];
	struct proof *p;
	const char *tok;
	enum bpt_status st = BPT_OK;
	size_t n, i, k;

	memset(res, 0, sizeof(*res));
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	tok = env_to ? bounce_verp_token(env_to, ctx->cfg->group.address) : NULL;
	if (tok != NULL && (k = strcspn(tok, "@")) < sizeof(p->token)) {
		for (i = 0; i < k; i++)
			p->token[i] = (char)tolower((unsigned char)tok[i]);
		p->token[k] = '\0';
	}
	p->nids = bounce_returned_ids(m, p->ids, BOUNCES_IDS);
	if ((st = find_probe(ctx, p)) != BPT_OK)
		goto out;
	if (p->probe == 0 && p->token[0] != '\0') {
		st = member_lookup_token(ctx, p->token, &p->verp);
		p->have_verp = st == BPT_OK;
		if (st != BPT_OK && st != BPT_ENOENT)
			goto out;
		st = BPT_OK;
	}
	n = bounce_parse(m, b, BOUNCES_MAX);
	if (n == 0 && (p->have_verp || p->have_pm)) {
		/* the address names the member; the report says nothing usable */
		memset(&b[0], 0, sizeof(b[0]));
		snprintf(b[0].addr, sizeof(b[0].addr), "%s",
		    p->have_pm ? p->pm.email : p->verp.email);
		b[0].action = BOUNCE_OTHER;
		b[0].not_their_fault = 1;
		n = 1;
	}
	for (i = 0; i < n && st == BPT_OK; i++)
		st = record_one(ctx, p, &b[i], source, runner, res);
out:
	if (p->have_verp)
		member_release(&p->verp);
	if (p->have_pm)
		member_release(&p->pm);
	free(p);
	return st;
}
