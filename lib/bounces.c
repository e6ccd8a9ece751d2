/* bounces.c - bounces recorded, counted, and members suspended. */
#include "bptconf.h"

#include <stdio.h>
#include <string.h>

#include "bounce.h"
#include "bounces.h"
#include "config.h"
#include "mail.h"
#include "member.h"
#include "notice.h"
#include "store.h"
#include "util.h"

#define BOUNCES_MAX 32

static enum bpt_status
insert(struct bpt_ctx *ctx, long long member, const struct bounce_rcpt *b,
    int counted, long long source)
{
	static const char sql[] = "INSERT INTO bounces(member_id, rcpt, at, status, "
	    "permanent, counted, diagnostic, message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);

	if (s == NULL)
		return ctx->err;
	if (member > 0)
		sqlite3_bind_int64(s, 1, member);
	store_bind_text(s, 2, b->addr[0] ? b->addr : NULL);
	sqlite3_bind_int64(s, 3, bpt_now(ctx));
	store_bind_text(s, 4, b->status[0] ? b->status : NULL);
	sqlite3_bind_int(s, 5, b->permanent);
	sqlite3_bind_int(s, 6, counted);
	store_bind_text(s, 7, b->diag[0] ? b->diag : NULL);
	if (source > 0)
		sqlite3_bind_int64(s, 8, source);
	return store_step_done(ctx, ctx->store, s);
}

static enum bpt_status
score(struct bpt_ctx *ctx, long long member, long *n)
{
	static const char sql[] = "SELECT count(*) FROM bounces WHERE member_id = ? "
	    "AND counted = 1 AND at >= ?";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	int rc;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, member);
	sqlite3_bind_int64(s, 2, bpt_now(ctx) - ctx->cfg->delivery.bounce_window);
	rc = sqlite3_step(s);
	*n = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? BPT_OK : store_fail(ctx, ctx->store, rc, "bounce score");
}

/* Suspends m for its bounces (actor "bpt") and tells the admins. */
static enum bpt_status
suspend(struct bpt_ctx *ctx, const struct member *m, long count,
    const struct bounce_rcpt *last, long long source, const char *runner)
{
	struct member_report rep = { 0 };
	char num[32], limit[32];
	struct tvar v[] = {
		{ "group", ctx->cfg->group.name }, { "name", m->name },
		{ "email", m->email }, { "count", num }, { "limit", limit },
		{ "status", last->status }, { "diagnostic", last->diag },
	};
	struct notice nt = { "admin-bounces", v, nitems(v), NULL,
	    0, 0, 0, NULL, NULL };
	enum bpt_status st;
	char *actor = ctx->actor;

	ctx->actor = (char *)"bpt";
	st = member_suspend(ctx, m->email, "bounces", 0, 0, &rep);
	ctx->actor = actor;
	member_report_release(&rep);
	if (st != BPT_OK)
		return st;
	snprintf(num, sizeof(num), "%ld", count);
	snprintf(limit, sizeof(limit), "%ld", ctx->cfg->delivery.bounce_limit);
	nt.member_id = m->id;
	nt.source = source;
	nt.runner = runner;
	return notice_queue(ctx, &nt, NULL);
}

enum bpt_status
bounces_record(struct bpt_ctx *ctx, const struct mail *m, const char *env_to,
    long long source, const char *runner, struct bounces_result *res)
{
	struct bounce_rcpt b[BOUNCES_MAX];
	struct member verp, who;
	const char *tok;
	int have_verp = 0;
	enum bpt_status st = BPT_OK;
	size_t n, i;

	memset(res, 0, sizeof(*res));
	tok = env_to ? bounce_verp_token(env_to, ctx->cfg->group.address) : NULL;
	if (tok != NULL) {
		char t[64];

		snprintf(t, sizeof(t), "%.*s", (int)strcspn(tok, "@"), tok);
		st = member_lookup_token(ctx, t, &verp);
		if (st == BPT_OK)
			have_verp = 1;
		else if (st != BPT_ENOENT)
			return st;
		st = BPT_OK;
	}
	n = bounce_parse(m, b, BOUNCES_MAX);
	if (n == 0 && have_verp) {
		/* the address names the member; the report says nothing usable */
		memset(&b[0], 0, sizeof(b[0]));
		snprintf(b[0].addr, sizeof(b[0].addr), "%s", verp.email);
		b[0].action = BOUNCE_OTHER;
		b[0].not_their_fault = 1;
		n = 1;
	}
	for (i = 0; i < n && st == BPT_OK; i++) {
		const struct member *mm = NULL;
		int counted;
		long count;

		if (have_verp) {
			mm = &verp;
		} else if (b[i].addr[0]) {
			st = member_lookup(ctx, b[i].addr, &who);
			if (st == BPT_OK)
				mm = &who;
			else if (st != BPT_ENOENT)
				break;
			st = BPT_OK;
		}
		counted = mm != NULL && b[i].action == BOUNCE_FAILED &&
		    b[i].permanent && !b[i].not_their_fault;
		st = insert(ctx, mm ? mm->id : 0, &b[i], counted, source);
		res->recipients++;
		if (st == BPT_OK && counted) {
			res->counted++;
			st = score(ctx, mm->id, &count);
			if (st == BPT_OK && count >= ctx->cfg->delivery.bounce_limit &&
			    member_is_active(mm)) {
				st = suspend(ctx, mm, count, &b[i], source, runner);
				if (st == BPT_OK)
					res->suspended++;
			}
		}
		if (mm == &who)
			member_release(&who);
	}
	if (have_verp)
		member_release(&verp);
	return st;
}
