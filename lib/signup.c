/* signup.c - joining by mail with consent; approval; the welcome. */
#include "bptconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "compose.h"
#include "config.h"
#include "log.h"
#include "mail.h"
#include "notice.h"
#include "phone.h"
#include "quote.h"
#include "signup.h"
#include "store.h"
#include "template.h"

/* The rules as members read them, rendered into out. */
static enum bpt_status
rules(struct bpt_ctx *ctx, struct buf *out)
{
	struct tvar v[] = {
		{ "group", ctx->cfg->group.name },
		{ "version", ctx->cfg->group.rules_version },
	};

	return tpl_render(ctx, "rules", v, nitems(v), out);
}

enum bpt_status
signup_start(struct bpt_ctx *ctx, const struct request_in *in,
    const char **why, long long *notices)
{
	const struct bpt_config *cfg = ctx->cfg;
	const struct member *s = in->sender;
	const char *to;
	char token[CONFIRM_TOKEN_LEN + 1], *rt = NULL;
	struct buf r = BUF_INIT;
	enum bpt_status st;
	int ok;

	if (s != NULL && strcmp(s->status, "removed") != 0) {
		/* a factual answer; never an invitation */
		struct tvar v[] = {
			{ "group", cfg->group.name }, { "name", s->name },
			{ "active", member_is_active(s) ? "1" : NULL },
			{ "pending", strcmp(s->status, "pending") == 0 ? "1" : NULL },
			{ "suspended", !member_is_active(s) &&
			    strcmp(s->status, "suspended") == 0 ? "1" : NULL },
			{ "banned", strcmp(s->status, "banned") == 0 ? "1" : NULL },
		};

		*why = "subscribe: on the list already";
		return request_answer(ctx, in, "request-member", v, nitems(v),
		    "request-join", NULL, notices);
	}
	to = notice_answer_to(cfg->group.address, in->env_from, in->m->from_addr,
	    s ? s->email : NULL);
	if (to == NULL) {
		*why = "subscribe: nobody to answer";
		return BPT_OK;
	}
	/* one a day: nobody uses the group to mail a stranger */
	if ((st = notice_allowed(ctx, to, "request-join", REQUEST_NOTICE_INTERVAL,
	    &ok)) != BPT_OK)
		return st;
	if (!ok) {
		*why = "subscribe: asked already today";
		return BPT_OK;
	}
	if ((st = confirm_new(ctx, "signup", NULL, to, in->message,
	    cfg->policy.signup_confirm_within, token)) != BPT_OK)
		return st;
	if ((rt = request_token_address(ctx, token)) == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	if ((st = rules(ctx, &r)) == BPT_OK) {
		char days[32];
		struct tvar v[] = {
			{ "group", cfg->group.name }, { "rules", buf_str(&r) },
			{ "version", cfg->group.rules_version }, { "token", token },
			{ "days", days },
		};

		snprintf(days, sizeof(days), "%ld",
		    (cfg->policy.signup_confirm_within + 86399) / 86400);
		*why = "subscribe: rules and token sent";
		st = request_answer(ctx, in, "request-join", v, nitems(v), NULL, rt,
		    notices);
	}
	buf_release(&r);
	free(rt);
	return st;
}

/* --- the reply with name and number -------------------------------------- */

static char *
trimmed(const char *s, size_t n)
{
	char *out;

	while (n > 0 && isspace((unsigned char)*s))
		s++, n--;
	while (n > 0 && (isspace((unsigned char)s[n - 1]) || s[n - 1] == ','))
		n--;
	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

/* The value after "label:" when line starts with one of labels, else NULL. */
static const char *
labelled(const char *line, const char *const *labels)
{
	size_t i, n;

	for (i = 0; labels[i] != NULL; i++) {
		n = strlen(labels[i]);
		if (strncasecmp(line, labels[i], n) == 0) {
			const char *p = line + n;

			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == ':' || *p == '=')
				return p + 1;
		}
	}
	return NULL;
}

enum bpt_status
signup_parse(struct bpt_ctx *ctx, const char *text, char **name, char **phone)
{
	static const char *const name_l[] = { "naam", "name", "voornaam en achternaam",
	    NULL };
	static const char *const phone_l[] = { "telefoon", "telefoonnummer",
	    "06-nummer", "06 nummer", "mobiel", "nummer", "tel", "phone", "mobile",
	    NULL };
	char *fresh = quote_fold(text ? text : "", NULL);
	const char *t, *v;

	*name = *phone = NULL;
	if (fresh == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	for (t = fresh; *t != '\0'; ) {
		const char *nl = strchr(t, '\n');
		size_t len = nl ? (size_t)(nl - t) : strlen(t);
		char line[512];
		const char *p, *digit;

		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len :
		    sizeof(line) - 1), t);
		t = nl ? nl + 1 : t + len;
		p = line + strspn(line, " \t");
		if (strcmp(p, "--") == 0 || strncmp(p, "-- ", 3) == 0)
			break;	/* a signature follows */
		if ((v = labelled(p, name_l)) != NULL) {
			if (*name == NULL && (*name = trimmed(v, strlen(v))) == NULL)
				goto oom;
			continue;
		}
		if ((v = labelled(p, phone_l)) != NULL) {
			if (*phone == NULL && (*phone = trimmed(v, strlen(v))) == NULL)
				goto oom;
			continue;
		}
		/* "Jan de Vries 06-12345678": a name, then a number */
		digit = strpbrk(p, "0123456789+(");
		if (digit != NULL && strspn(digit, "0123456789+()- .") >= 8) {
			if (*phone == NULL && (*phone = trimmed(digit,
			    strspn(digit, "0123456789+()- ."))) == NULL)
				goto oom;
			if (*name == NULL && digit > p) {
				if ((*name = trimmed(p, (size_t)(digit - p))) == NULL)
					goto oom;
				if (**name == '\0') {
					free(*name);
					*name = NULL;
				}
			}
			continue;
		}
		if (*name == NULL && *p != '\0' && strpbrk(p, "0123456789@") == NULL &&
		    strlen(p) <= 80 && (*name = trimmed(p, strlen(p))) == NULL)
			goto oom;
	}
	free(fresh);
	return BPT_OK;
oom:
	free(fresh);
	free(*name);
	free(*phone);
	*name = *phone = NULL;
	return bpt_err(ctx, BPT_ENOMEM, "out of memory");
}

static enum bpt_status
consent_add(struct bpt_ctx *ctx, long long member, long long message)
{
	static const char sql[] = "INSERT INTO consents(member_id, version, at, "
	    "message_id) VALUES (?, ?, ?, ?)";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, member);
	sqlite3_bind_text(s, 2, ctx->cfg->group.rules_version, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, bpt_now(ctx));
	sqlite3_bind_int64(s, 4, message);
	return store_step_done(ctx, ctx->store, s);
}

enum bpt_status
signup_consent_message(struct bpt_ctx *ctx, long long id, long long *message)
{
	static const char sql[] = "SELECT message_id FROM consents "
	    "WHERE member_id = ? ORDER BY id DESC LIMIT 1";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	int rc;

	*message = 0;
	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*message = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(ctx, ctx->store, rc, "look up a consent");
	return BPT_OK;
}

/* The one mail to the admins about a sign-up that waits for them. */
static enum bpt_status
tell_admins(struct bpt_ctx *ctx, const struct request_in *in, const char *email,
    const char *name, const char *phone)
{
	struct tvar v[] = {
		{ "group", ctx->cfg->group.name }, { "email", email },
		{ "name", name }, { "phone", phone },
		{ "version", ctx->cfg->group.rules_version },
	};
	struct notice nt = {
		.tpl = "admin-signup", .vars = v, .nvars = nitems(v),
		.source = in->message, .runner = in->runner,
	};

	return notice_queue(ctx, &nt, NULL);
}

enum bpt_status
signup_finish(struct bpt_ctx *ctx, const struct request_in *in,
    const char *token, const struct confirm_row *c, const char **why,
    long long *notices)
{
	const struct bpt_config *cfg = ctx->cfg;
	char *name = NULL, *raw_phone = NULL, *phone = NULL, *actor = ctx->actor;
	struct member_change ch;
	struct member_report r;
	enum bpt_status st;
	int ok, pending = cfg->policy.signup_approval;

	if ((st = signup_parse(ctx, in->m->text, &name, &raw_phone)) != BPT_OK)
		return st;
	if (raw_phone != NULL && phone_normalize(ctx, raw_phone, &phone) == BPT_ENOMEM) {
		st = ctx->err;
		goto out;
	}
	if (name == NULL || phone == NULL) {
		char *rt = request_token_address(ctx, token);
		struct tvar v[] = {
			{ "group", cfg->group.name }, { "token", token },
			{ "no_name", name == NULL ? "1" : NULL },
			{ "no_phone", raw_phone == NULL ? "1" : NULL },
			{ "bad_phone", raw_phone != NULL && phone == NULL ? raw_phone : NULL },
		};

		if (rt == NULL) {
			st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
			goto out;
		}
		*why = "subscribe: name or number missing or wrong";
		/* the token stays good: they may answer again */
		st = request_answer(ctx, in, "request-join-again", v, nitems(v),
		    NULL, rt, notices);
		free(rt);
		goto out;
	}
	if ((st = confirm_use(ctx, token, &ok)) != BPT_OK || !ok)
		goto out;
	memset(&ch, 0, sizeof(ch));
	ch.name = name;
	ch.phone = phone;
	ch.consent_version = cfg->group.rules_version;
	ch.consent_via = "mail";
	ch.pending = pending;
	ctx->actor = c->requested_by;
	st = member_add(ctx, c->requested_by, &ch, &r);
	ctx->actor = actor;
	if (st == BPT_EEXIST || st == BPT_EDATA) {
		log_info("message %lld: sign-up of %s: %s", in->message,
		    c->requested_by, ctx->errmsg);
		*why = "subscribe: refused";
		st = BPT_OK;
		goto out;
	}
	if (st != BPT_OK)
		goto out;
	st = consent_add(ctx, r.id, in->message);
	if (st == BPT_OK && pending)
		st = tell_admins(ctx, in, r.email, name, phone);
	if (st == BPT_OK) {
		struct tvar v[] = {
			{ "group", cfg->group.name }, { "name", name },
			{ "pending", pending ? "1" : NULL },
		};
		struct notice nt = {
			.tpl = "request-joined", .vars = v, .nvars = nitems(v),
			.to = r.email, .member_id = r.id, .source = in->message,
			.in_reply_to = in->m->message_id, .runner = in->runner,
		};

		if ((st = notice_queue(ctx, &nt, NULL)) == BPT_OK)
			(*notices)++;
	}
	if (st == BPT_OK && !pending)
		st = signup_welcome(ctx, r.email);
	*why = pending ? "subscribe confirmed: waits for an admin" :
	    "subscribe confirmed: member added";
	member_report_release(&r);
out:
	free(name);
	free(raw_phone);
	free(phone);
	return st;
}

/* --- admins ------------------------------------------------------------ */

static enum bpt_status
pending_of(struct bpt_ctx *ctx, const char *email, struct member *m)
{
	enum bpt_status st = member_find(ctx, email, m);

	if (st != BPT_OK)
		return st;
	if (strcmp(m->status, "pending") != 0) {
		st = bpt_err(ctx, BPT_EDATA, "'%s' is %s, not a sign-up waiting "
		    "for approval", m->email, m->status);
		member_release(m);
	}
	return st;
}

enum bpt_status
signup_approve(struct bpt_ctx *ctx, const char *email, struct member_report *r)
{
	struct member m;
	struct member_change ch;
	enum bpt_status st;
	int nested = 0;

	memset(r, 0, sizeof(*r));
	if ((st = store_enter(ctx, ctx->store, &nested)) != BPT_OK)
		return st;
	if ((st = pending_of(ctx, email, &m)) == BPT_OK) {
		memset(&ch, 0, sizeof(ch));
		st = member_add(ctx, m.email, &ch, r);
		if (st == BPT_OK)
			st = signup_welcome(ctx, m.email);
		member_release(&m);
	}
	return store_finish(ctx, ctx->store, nested, 0, st);
}

enum bpt_status
signup_reject(struct bpt_ctx *ctx, const char *email, const char *reason,
    struct member_report *r)
{
	struct member m;
	enum bpt_status st;
	int nested = 0;

	memset(r, 0, sizeof(*r));
	if ((st = store_enter(ctx, ctx->store, &nested)) != BPT_OK)
		return st;
	if ((st = pending_of(ctx, email, &m)) == BPT_OK) {
		struct tvar v[] = {
			{ "group", ctx->cfg->group.name }, { "name", m.name },
			{ "reason", reason },
		};
		/* not as a member's: copies to members no longer active drop */
		struct notice nt = {
			.tpl = "request-rejected", .vars = v,
			.nvars = nitems(v), .to = m.email,
		};

		st = member_remove(ctx, m.email, reason ? reason :
		    "aanmelding afgewezen", 0, r);
		if (st == BPT_OK)
			st = notice_queue(ctx, &nt, NULL);
		member_release(&m);
	}
	return store_finish(ctx, ctx->store, nested, 0, st);
}

static enum bpt_status welcome(struct bpt_ctx *ctx, const char *email);

enum bpt_status
signup_welcome(struct bpt_ctx *ctx, const char *email)
{
	enum bpt_status st;
	int nested;

	if ((st = store_enter(ctx, ctx->store, &nested)) != BPT_OK)
		return st;
	return store_finish(ctx, ctx->store, nested, 0, welcome(ctx, email));
}

static enum bpt_status
welcome(struct bpt_ctx *ctx, const char *email)
{
	struct buf r = BUF_INIT;
	struct member m;
	enum bpt_status st;

	if ((st = member_lookup(ctx, email, &m)) != BPT_OK)
		return st;
	if ((st = rules(ctx, &r)) == BPT_OK) {
		char *request = compose_list_variant(ctx->cfg->group.address,
		    "-request");
		struct tvar v[] = {
			{ "group", ctx->cfg->group.name }, { "name", m.name },
			{ "list", ctx->cfg->group.address }, { "request", request },
			{ "rules", buf_str(&r) },
		};
		struct notice nt = {
			.tpl = "welcome", .vars = v, .nvars = nitems(v),
			.to = m.email, .member_id = m.id,
		};

		st = request == NULL ? bpt_err(ctx, BPT_ENOMEM, "out of memory") :
		    notice_queue(ctx, &nt, NULL);
		free(request);
	}
	buf_release(&r);
	member_release(&m);
	return st;
}
