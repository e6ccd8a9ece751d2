/*
 * member_change.c - the writers of member.h: add, set, remove, suspend,
 * reinstate, ban and the end of suspensions.  Each one checks its
 * values first (member_check.c), then, in one transaction, reads the
 * row, decides, writes it (member.c) and adds the audit row that says
 * what changed; the same text goes back to the caller in its report.
 */
#include "bptconf.h"

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "audit.h"
#include "buf.h"
#include "config.h"
#include "member.h"
#include "member_int.h"
#include "store.h"
#include "util.h"

void
member_report_release(struct member_report *r)
{
	if (r == NULL)
		return;
	free(r->email);
	free(r->detail);
	memset(r, 0, sizeof(*r));
}

/* --- what changed -------------------------------------------------------- */

static void
sep(struct buf *d)
{
	if (d->len > 0)
		buf_adds(d, ", ");
}

static void
diff_text(struct buf *d, const char *field, const char *a, const char *b,
    int fresh)
{
	if (fresh) {
		if (b == NULL || (*b == '\0' && strcmp(field, "name") == 0))
			return;
		sep(d);
		buf_addf(d, "%s '%s'", field, b);
		return;
	}
	if (member_streq0(a, b))
		return;
	sep(d);
	buf_addf(d, "%s '%s' -> '%s'", field, a ? a : "", b ? b : "");
}

static void
diff_time(struct buf *d, const char *field, time_t a, time_t b, const char *tz)
{
	char ta[32], tb[32];

	if (a == b)
		return;
	util_time_short(tz, a, ta);
	util_time_short(tz, b, tb);
	sep(d);
	buf_addf(d, "%s %s -> %s", field, ta, tb);
}

/*
 * What differs between o and n, or (fresh) what n holds.  Dates that
 * follow from another change (the time of a new status or consent) are
 * not repeated; they show only when they change on their own, as an
 * import with --update can make them.
 */
static void
describe(struct buf *d, const struct mrow *o, const struct mrow *n, int fresh,
    const char *tz)
{
	int same_status = member_streq0(o->status, n->status);
	int same_consent = member_streq0(o->consent_version, n->consent_version);

	diff_text(d, "name", o->name, n->name, fresh);
	diff_text(d, "phone", o->phone, n->phone, fresh);
	diff_text(d, "role", o->role, n->role, fresh);
	if (fresh) {
		diff_text(d, "consent", NULL, n->consent_version, 1);
		return;
	}
	diff_text(d, "status", o->status, n->status, 0);
	diff_text(d, "reason", o->status_reason, n->status_reason, 0);
	diff_time(d, "until", o->status_until, n->status_until, tz);
	if (same_status)
		diff_time(d, "status_at", o->status_at, n->status_at, tz);
	diff_text(d, "consent", o->consent_version, n->consent_version, 0);
	if (!same_consent)
		diff_text(d, "consent_via", o->consent_via, n->consent_via, 0);
	else
		diff_time(d, "consent_at", o->consent_at, n->consent_at, tz);
	diff_time(d, "joined", o->joined_at, n->joined_at, tz);
}

/*
 * Writes n over the member old and adds the audit row.  *done is
 * action, or "none" when nothing differs (nothing is written).
 */
static enum bpt_status
row_change(struct bpt_ctx *ctx, const struct member *old, const struct mrow *n,
    const char *action, const char *reason, time_t now, struct buf *d,
    const char **done)
{
	struct audit_entry e = { 0 };
	struct mrow o;
	enum bpt_status st;

	mrow_from(&o, old);
	buf_reset(d);
	describe(d, &o, n, 0, cfg_timezone(ctx->cfg));
	if (buf_failed(d))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	if (d->len == 0) {
		*done = "none";
		return BPT_OK;
	}
	if ((st = mrow_write(ctx, old->id, n, now)) != BPT_OK)
		return st;
	e.at = now;
	e.action = action;
	e.member_id = old->id;
	e.member_email = old->email;
	e.reason = reason;
	e.detail = buf_str(d);
	if ((st = audit_add(ctx, &e)) != BPT_OK)
		return st;
	*done = action;
	return BPT_OK;
}

/* --- adding -------------------------------------------------------------- */

enum bpt_status
member_add_new(struct bpt_ctx *ctx, struct token_pool *tp, const char *email,
    const struct pchange *pc, const char *action, time_t now, struct buf *d,
    long long *id)
{
	struct audit_entry e = { 0 };
	struct mrow n = { 0 }, none = { 0 };
	enum bpt_status st;

	n.name = "";
	n.role = "member";
	n.status = pc->status ? pc->status : "active";
	pchange_apply(pc, &n, now);
	if ((st = mrow_insert(ctx, tp, email, &n, now, id)) != BPT_OK)
		return st;
	if (action == NULL)
		return BPT_OK;
	buf_reset(d);
	describe(d, &none, &n, 1, cfg_timezone(ctx->cfg));
	if (buf_failed(d))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	e.at = now;
	e.action = action;
	e.member_id = *id;
	e.member_email = email;
	e.detail = d->len ? buf_str(d) : NULL;
	return audit_add(ctx, &e);
}

static int
is(const char *status, const char *what)
{
	return status != NULL && strcmp(status, what) == 0;
}

/*
 * The rules, with the stored status of old and the status pc gives
 * (none for add, a cell for an import):
 *   - a status given must be the stored one: an add never suspends,
 *     bans, removes or reinstates, and never undoes a removal it was
 *     not asked for by name;
 *   - banned: added again (to active) only with force, and its reason;
 *   - removed, pending, no status given: added again ("readd");
 *   - otherwise the fields change with update, else BPT_EEXIST.
 */
enum bpt_status
member_add_existing(struct bpt_ctx *ctx, const struct member *old,
    const struct pchange *pc, const struct add_how *how, time_t now,
    struct buf *d, const char **done)
{
	const char *action = "update", *reason = NULL;
	int banned = is(old->status, "banned");
	struct mrow n;

	mrow_from(&n, old);
	if (pc->status != NULL && strcmp(pc->status, old->status) != 0 &&
	    !(banned && is(pc->status, "active")))
		return bpt_err(ctx, BPT_EDATA, "'%s' is %s in the store, not %s: "
		    "an import does not change the status of a member (an empty "
		    "status cell adds a removed member again; or use "
		    "bpt-member %s)", old->email, old->status, pc->status,
		    is(pc->status, "active") ? "add" : "suspend, ban, remove or "
		    "reinstate");
	if (banned && (pc->status == NULL || is(pc->status, "active"))) {
		if (!how->force)
			return bpt_err(ctx, BPT_EDATA, "'%s' is banned%s%s%s: it is "
			    "added again only with --force and a --reason (or "
			    "'bpt-member reinstate %s')", old->email,
			    old->status_reason ? " (" : "",
			    old->status_reason ? old->status_reason : "",
			    old->status_reason ? ")" : "", old->email);
		if (how->reason == NULL || *how->reason == '\0')
			return bpt_err(ctx, BPT_EUSAGE, "adding banned '%s' again "
			    "needs a reason", old->email);
		action = "force-add";
		reason = how->reason;
	} else if (pc->status == NULL && (is(old->status, "removed") ||
	    is(old->status, "pending"))) {
		action = "readd";
	} else if (!how->update) {
		return bpt_err(ctx, BPT_EEXIST, "'%s' is already a member (%s): "
		    "use --update to change it", old->email, old->status);
	}
	if (how->pending) {
		if (!is(old->status, "removed"))
			return bpt_err(ctx, BPT_EEXIST, "'%s' is already a member "
			    "(%s)", old->email, old->status);
		action = "signup";
	}
	if (strcmp(action, "update") != 0) {
		n.status = how->pending ? "pending" : "active";
		n.status_reason = NULL;
		n.status_until = 0;
		n.status_at = now;
	}
	pchange_apply(pc, &n, now);
	return row_change(ctx, old, &n, action, reason, now, d, done);
}

static enum bpt_status
report_fill(struct bpt_ctx *ctx, struct member_report *r, const char *action,
    long long id, const char *email, struct buf *d)
{
	r->action = action;
	r->id = id;
	r->email = strdup(email);
	r->detail = buf_detach(d, NULL);
	if (r->email == NULL || r->detail == NULL) {
		member_report_release(r);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
	return BPT_OK;
}

/* --- the writers --------------------------------------------------------- */

enum bpt_status
member_add(struct bpt_ctx *ctx, const char *email,
    const struct member_change *ch, struct member_report *r)
{
	struct buf d = BUF_INIT;
	struct add_how how = { ch->update, ch->force, NULL, ch->pending };
	struct pchange pc;
	struct member old;
	enum bpt_status st;
	const char *done = "add";
	char *norm = NULL, *why = NULL;
	long long id = 0;
	time_t now = bpt_now(ctx);
	int nested = 0, opened = 0;

	memset(r, 0, sizeof(*r));
	memset(&old, 0, sizeof(old));
	memset(&pc, 0, sizeof(pc));
	if ((st = addr_normalize(ctx, email, &norm)) != BPT_OK)
		goto out;
	if ((st = pchange_prepare(ctx, ch, &pc)) != BPT_OK)
		goto out;
	if (ch->reason != NULL && (st = member_check_text(ctx, "reason",
	    ch->reason, MEMBER_REASON_MAX, 1, &why)) != BPT_OK)
		goto out;
	how.reason = why;
	if ((st = store_enter(ctx, ctx->store, &nested)) != BPT_OK)
		goto out;
	opened = 1;
	st = member_lookup_norm(ctx, norm, &old);
	if (st == BPT_ENOENT) {
		struct token_pool tp = MEMBER_TOKEN_POOL_INIT;

		if (ch->pending)
			pc.status = "pending";
		done = ch->pending ? "signup" : "add";
		st = member_add_new(ctx, &tp, norm, &pc, done, now, &d, &id);
	} else if (st == BPT_OK) {
		id = old.id;
		st = member_add_existing(ctx, &old, &pc, &how, now, &d, &done);
	}
out:
	if (opened)
		st = store_finish(ctx, ctx->store, nested, ch->dry_run, st);
	if (st == BPT_OK)
		st = report_fill(ctx, r, done, id, norm, &d);
	buf_release(&d);
	member_release(&old);
	pchange_release(&pc);
	free(why);
	free(norm);
	return st;
}

enum bpt_status
member_set(struct bpt_ctx *ctx, const char *email,
    const struct member_change *ch, struct member_report *r)
{
	struct buf d = BUF_INIT;
	struct pchange pc;
	struct member old;
	struct mrow n;
	enum bpt_status st;
	const char *done = "update";
	time_t now = bpt_now(ctx);
	int nested = 0, opened = 0;

	memset(r, 0, sizeof(*r));
	memset(&old, 0, sizeof(old));
	memset(&pc, 0, sizeof(pc));
	if ((st = pchange_prepare(ctx, ch, &pc)) != BPT_OK)
		goto out;
	if ((st = store_enter(ctx, ctx->store, &nested)) != BPT_OK)
		goto out;
	opened = 1;
	if ((st = member_find(ctx, email, &old)) != BPT_OK)
		goto out;
	mrow_from(&n, &old);
	pchange_apply(&pc, &n, now);
	st = row_change(ctx, &old, &n, "update", NULL, now, &d, &done);
out:
	if (opened)
		st = store_finish(ctx, ctx->store, nested, ch->dry_run, st);
	if (st == BPT_OK)
		st = report_fill(ctx, r, done, old.id, old.email, &d);
	buf_release(&d);
	member_release(&old);
	pchange_release(&pc);
	return st;
}

enum status_target { TO_REMOVED, TO_SUSPENDED, TO_ACTIVE, TO_BANNED };

/* Whether old may go to target; NULL or what is wrong. */
static const char *
status_refusal(const struct member *old, enum status_target t)
{
	const char *s = old->status;

	switch (t) {
	case TO_REMOVED:
		if (strcmp(s, "removed") == 0)
			return "is already removed";
		if (strcmp(s, "banned") == 0)
			return "is banned (a ban is kept; reinstate first to remove)";
		return NULL;
	case TO_SUSPENDED:
		if (strcmp(s, "active") != 0 && strcmp(s, "suspended") != 0)
			return "is not active";
		return NULL;
	case TO_ACTIVE:
		if (strcmp(s, "active") == 0)
			return "is already active";
		return NULL;
	case TO_BANNED:
		if (strcmp(s, "banned") == 0)
			return "is already banned";
		return NULL;
	}
	return "cannot change";
}

static enum bpt_status
status_change(struct bpt_ctx *ctx, const char *email, enum status_target t,
    const char *reason, time_t until, int dry_run, struct member_report *r)
{
	static const char *const actions[] = { "remove", "suspend", "reinstate",
	    "ban" };
	static const char *const to[] = { "removed", "suspended", "active",
	    "banned" };
	struct buf d = BUF_INIT;
	struct member old;
	struct mrow n;
	enum bpt_status st;
	const char *done = actions[t], *why;
	char *why_text = NULL;
	time_t now = bpt_now(ctx);
	int nested = 0, opened = 0;

	memset(r, 0, sizeof(*r));
	memset(&old, 0, sizeof(old));
	if (reason != NULL && (st = member_check_text(ctx, "reason", reason,
	    MEMBER_REASON_MAX, 1, &why_text)) != BPT_OK)
		goto out;
	if ((t == TO_SUSPENDED || t == TO_BANNED) &&
	    (why_text == NULL || *why_text == '\0')) {
		st = bpt_err(ctx, BPT_EUSAGE, "%s needs a reason", actions[t]);
		goto out;
	}
	if (t == TO_SUSPENDED && until != 0 && until <= now) {
		st = bpt_err(ctx, BPT_EDATA, "the end of the suspension is in "
		    "the past");
		goto out;
	}
	if ((st = store_enter(ctx, ctx->store, &nested)) != BPT_OK)
		goto out;
	opened = 1;
	if ((st = member_find(ctx, email, &old)) != BPT_OK)
		goto out;
	if ((why = status_refusal(&old, t)) != NULL) {
		st = bpt_err(ctx, BPT_EDATA, "'%s' %s", old.email, why);
		goto out;
	}
	mrow_from(&n, &old);
	n.status = to[t];
	n.status_reason = why_text && *why_text ? why_text : NULL;
	n.status_until = t == TO_SUSPENDED ? until : 0;
	n.status_at = now;
	st = row_change(ctx, &old, &n, actions[t], n.status_reason, now, &d,
	    &done);
out:
	if (opened)
		st = store_finish(ctx, ctx->store, nested, dry_run, st);
	if (st == BPT_OK)
		st = report_fill(ctx, r, done, old.id, old.email, &d);
	buf_release(&d);
	member_release(&old);
	free(why_text);
	return st;
}

enum bpt_status
member_remove(struct bpt_ctx *ctx, const char *email, const char *reason,
    int dry_run, struct member_report *r)
{
	return status_change(ctx, email, TO_REMOVED, reason, 0, dry_run, r);
}

enum bpt_status
member_suspend(struct bpt_ctx *ctx, const char *email, const char *reason,
    time_t until, int dry_run, struct member_report *r)
{
	return status_change(ctx, email, TO_SUSPENDED, reason, until, dry_run, r);
}

enum bpt_status
member_reinstate(struct bpt_ctx *ctx, const char *email, int dry_run,
    struct member_report *r)
{
	return status_change(ctx, email, TO_ACTIVE, NULL, 0, dry_run, r);
}

enum bpt_status
member_ban(struct bpt_ctx *ctx, const char *email, const char *reason,
    int dry_run, struct member_report *r)
{
	return status_change(ctx, email, TO_BANNED, reason, 0, dry_run, r);
}

enum bpt_status
member_expire_suspensions(struct bpt_ctx *ctx)
{
	struct buf d = BUF_INIT;
	struct audit_entry e;
	struct member m;
	struct mrow n, o;
	enum bpt_status st;
	time_t now = bpt_now(ctx);
	int nested = 0;

	/* the common case: nothing to do, and no write lock taken */
	st = member_next_expired(ctx, now, &m);
	member_release(&m);
	if (st == BPT_ENOENT)
		return BPT_OK;
	if (st != BPT_OK)
		return st;
	if ((st = store_enter(ctx, ctx->store, &nested)) != BPT_OK)
		return st;
	while ((st = member_next_expired(ctx, now, &m)) == BPT_OK) {
		mrow_from(&n, &m);
		n.status = "active";
		n.status_reason = NULL;
		n.status_until = 0;
		n.status_at = now;
		mrow_from(&o, &m);
		buf_reset(&d);
		describe(&d, &o, &n, 0, cfg_timezone(ctx->cfg));
		if (buf_failed(&d))
			st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		else
			st = mrow_write(ctx, m.id, &n, now);
		if (st == BPT_OK) {
			memset(&e, 0, sizeof(e));
			e.at = now;
			e.actor = AUDIT_ACTOR_BPT;
			e.action = "reinstate";
			e.member_id = m.id;
			e.member_email = m.email;
			e.reason = "suspension ended";
			e.detail = buf_str(&d);
			st = audit_add(ctx, &e);
		}
		member_release(&m);
		if (st != BPT_OK)
			break;
	}
	if (st == BPT_ENOENT)
		st = BPT_OK;
	buf_release(&d);
	return store_finish(ctx, ctx->store, nested, 0, st);
}
