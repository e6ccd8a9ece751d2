/* notice.c - automatic mail to one person or to the admins. */
#include "bptconf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "buf.h"
#include "compose.h"
#include "config.h"
#include "notice.h"
#include "outbox.h"
#include "store.h"

static enum bpt_status
queue(struct bpt_ctx *ctx, const struct notice *n, const char *env_from,
    char *msgid_out, long long *queued)
{
	struct buf text = BUF_INIT, out = BUF_INIT;
	char msgid[COMPOSE_MSGID_MAX];
	const char *bounces = ctx->cfg->list.bounces;
	const char *request = ctx->cfg->list.request;
	enum bpt_status st;
	long long id, count = 1;

	if ((st = tpl_render(ctx, n->tpl, n->vars, n->nvars, &text)) != BPT_OK)
		goto out;
	if ((st = compose_msgid(ctx, n->incident, msgid)) != BPT_OK)
		goto out;
	/* to the admins: one message, addressed to the request address */
	st = compose_notice(ctx, n->to ? n->to : request, buf_str(&text), msgid,
	    n->in_reply_to, n->reply_to, &out);
	if (st != BPT_OK)
		goto out;
	st = outbox_add(ctx, n->to ? "notice" : "admin", n->incident, n->source,
	    msgid, env_from ? env_from : bounces, out.buf, out.len, &id);
	if (st != BPT_OK)
		goto out;
	if (n->to == NULL)
		st = outbox_to_admins(ctx, id, n->runner, &count);
	else
		st = outbox_to_address(ctx, id, env_from ? 0 : n->member_id,
		    n->to, n->runner);
	if (st == BPT_OK && queued)
		*queued = count;
	if (st == BPT_OK && msgid_out)
		memcpy(msgid_out, msgid, strlen(msgid) + 1);
out:
	buf_release(&text);
	buf_release(&out);
	return st;
}

enum bpt_status
notice_queue(struct bpt_ctx *ctx, const struct notice *n, long long *queued)
{
	return queue(ctx, n, NULL, NULL, queued);
}

enum bpt_status
notice_queue_from(struct bpt_ctx *ctx, const struct notice *n,
    const char *env_from, char *msgid)
{
	if (n->to == NULL)
		return bpt_err(ctx, BPT_EUSAGE, "a notice from %s needs a recipient",
		    env_from);
	return queue(ctx, n, env_from, msgid, NULL);
}

/* 1 for an address nobody may answer: robots and the list's own. */
static int
unanswerable(const char *list_addr, const char *a)
{
	const char *lat = strrchr(list_addr, '@'), *at;

	if (a == NULL || *a == '\0' || !addr_valid(a))
		return 1;
	if (strncasecmp(a, "mailer-daemon@", 14) == 0 ||
	    strncasecmp(a, "postmaster@", 11) == 0)
		return 1;
	at = strrchr(a, '@');
	/* anything at the list's own local part (bpt, bpt-*, bpt+*) */
	return lat != NULL && strcasecmp(at, lat) == 0 &&
	    strncasecmp(a, list_addr, (size_t)(lat - list_addr)) == 0;
}

const char *
notice_answer_to(const char *list_addr, const char *env_from,
    const char *from, const char *member)
{
	const char *env = env_from != NULL ? env_from : from;

	/* RFC 3834: the null sender and robots are never answered */
	if (unanswerable(list_addr, env))
		return NULL;
	if (member != NULL)
		return unanswerable(list_addr, member) ? NULL : member;
	/* no From to go by (unreadable headers): the same for everyone */
	if (from != NULL && !addr_eq(env, from))
		return NULL;
	return env;
}

enum bpt_status
notice_allowed(struct bpt_ctx *ctx, const char *addr, const char *kind,
    long interval, int *ok)
{
	static const char sql[] = "INSERT INTO notices(address, kind, last_at) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT(address, kind) DO UPDATE SET "
	    "last_at = excluded.last_at WHERE last_at <= excluded.last_at - ?4";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	enum bpt_status st;

	*ok = 0;
	if (s == NULL)
		return ctx->err;
	sqlite3_bind_text(s, 1, addr, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, bpt_now(ctx));
	sqlite3_bind_int64(s, 4, interval);
	st = store_step_done(ctx, ctx->store, s);
	*ok = st == BPT_OK && sqlite3_changes(store_db(ctx->store)) > 0;
	return st;
}
