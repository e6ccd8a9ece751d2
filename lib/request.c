/* request.c - mail to the request address: read it, send it on. */
#include "bptconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admincmd.h"
#include "cmdauth.h"
#include "compose.h"
#include "config.h"
#include "confirm.h"
#include "log.h"
#include "mail.h"
#include "member.h"
#include "notice.h"
#include "request.h"
#include "signup.h"

/* What a keyword asks. */
enum want { W_NONE, W_LEAVE, W_JOIN, W_HELP };

static const struct {
	const char *word;
	enum want want;
} words[] = {
	{ "afmelden", W_LEAVE }, { "unsubscribe", W_LEAVE },
	{ "uitschrijven", W_LEAVE },
	{ "aanmelden", W_JOIN }, { "subscribe", W_JOIN },
	{ "inschrijven", W_JOIN },
	{ "help", W_HELP }, { "hulp", W_HELP },
};

static void
first_word(const char *s, char *out, size_t n)
{
	size_t k = 0;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	while (*s != '\0' && !isspace((unsigned char)*s) && k + 1 < n) {
		out[k++] = (char)tolower((unsigned char)*s);
		s++;
	}
	/* "afmelden." and "afmelden," say the same */
	while (k > 0 && strchr(".,:;!?", out[k - 1]))
		k--;
	out[k] = '\0';
}

static enum want
want_of(const char *w)
{
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(w, words[i].word) == 0)
			return words[i].want;
	return W_NONE;
}

void
request_keyword(const struct mail *m, char *out, size_t n)
{
	char *base = m->subject ? compose_base_subject(m->subject) : NULL;
	const char *t;

	out[0] = '\0';
	if (base != NULL)
		first_word(base, out, n);
	free(base);
	/* "Opdracht" or "Vraag" in the subject: the text says what */
	if (out[0] != '\0' && (want_of(out) != W_NONE || admincmd_is_command(out)))
		return;
	out[0] = '\0';
	for (t = cmdauth_clear_text(m->text); t != NULL && *t != '\0'; ) {
		const char *nl = strchr(t, '\n');
		size_t len = nl ? (size_t)(nl - t) : strlen(t);

		if (len > 0 && t[strspn(t, " \t\r")] != '\n' &&
		    t[strspn(t, " \t\r")] != '\0') {
			char line[256];

			snprintf(line, sizeof(line), "%.*s", (int)len, t);
			first_word(line, out, n);
			return;
		}
		t = nl ? nl + 1 : t + len;
	}
}

char *
request_token_address(const struct bpt_ctx *ctx, const char *token)
{
	char suffix[16 + CONFIRM_TOKEN_LEN];

	snprintf(suffix, sizeof(suffix), "-request+%s", token);
	return compose_list_variant(ctx->cfg->group.address, suffix);
}

enum bpt_status
request_answer(struct bpt_ctx *ctx, const struct request_in *in,
    const char *tpl, const struct tvar *v, size_t n, const char *kind,
    const char *reply_to, long long *notices)
{
	const struct mail *m = in->m;
	const char *to = notice_answer_to(ctx->cfg->group.address, in->env_from,
	    m->from_addr, in->sender ? in->sender->email : NULL);
	struct notice nt;
	enum bpt_status st;
	int ok = 1;

	if (to == NULL)
		return BPT_OK;
	if (kind != NULL &&
	    ((st = notice_allowed(ctx, to, kind, REQUEST_NOTICE_INTERVAL, &ok)) !=
	    BPT_OK || !ok))
		return st;
	nt = (struct notice){
		.tpl = tpl, .vars = v, .nvars = n, .to = to,
		.member_id = in->sender && to == in->sender->email ? in->sender->id : 0,
		.source = in->message, .in_reply_to = m->message_id,
		.runner = in->runner, .reply_to = reply_to,
	};
	if ((st = notice_queue(ctx, &nt, NULL)) == BPT_OK)
		(*notices)++;
	return st;
}

/* --- leaving ----------------------------------------------------------- */

static enum bpt_status
leave_start(struct bpt_ctx *ctx, const struct request_in *in, const char **why,
    long long *notices)
{
	const struct bpt_config *cfg = ctx->cfg;
	const struct member *s = in->sender;
	char token[CONFIRM_TOKEN_LEN + 1], *rt;
	enum bpt_status st;

	if (s == NULL || strcmp(s->status, "removed") == 0 ||
	    strcmp(s->status, "banned") == 0) {
		struct tvar v[] = {
			{ "group", cfg->group.name },
			{ "name", s ? s->name : NULL },
			{ "stranger", s ? NULL : "1" },
			{ "removed", s && strcmp(s->status, "removed") == 0 ? "1" : NULL },
			{ "banned", s && strcmp(s->status, "banned") == 0 ? "1" : NULL },
		};

		*why = "unsubscribe: not on the list";
		return request_answer(ctx, in, "request-not-listed", v, nitems(v),
		    "request-leave", NULL, notices);
	}
	/* one a day: a forger cannot flood a member with them */
	{
		int ok;

		if ((st = notice_allowed(ctx, s->email, "request-leave",
		    REQUEST_NOTICE_INTERVAL, &ok)) != BPT_OK)
			return st;
		if (!ok) {
			*why = "unsubscribe: asked already today";
			return BPT_OK;
		}
	}
	if ((st = confirm_new(ctx, "unsubscribe", NULL, s->email, in->message,
	    REQUEST_NOTICE_INTERVAL * 7, token)) != BPT_OK)
		return st;
	if ((rt = request_token_address(ctx, token)) == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	{
		struct tvar v[] = {
			{ "group", cfg->group.name }, { "name", s->name },
			{ "token", token },
		};

		*why = "unsubscribe: confirmation sent to the registered address";
		st = request_answer(ctx, in, "request-leave-confirm", v, nitems(v),
		    NULL, rt, notices);
	}
	free(rt);
	return st;
}

static enum bpt_status
leave_finish(struct bpt_ctx *ctx, const struct request_in *in,
    const struct confirm_row *c, const char **why, long long *notices)
{
	const struct bpt_config *cfg = ctx->cfg;
	struct member m;
	struct member_report r;
	struct notice nt;
	char *actor = ctx->actor;
	enum bpt_status st;

	if ((st = member_lookup(ctx, c->requested_by, &m)) == BPT_ENOENT) {
		*why = "unsubscribe: no such member any more";
		return BPT_OK;
	}
	if (st != BPT_OK)
		return st;
	if (strcmp(m.status, "removed") == 0 || strcmp(m.status, "banned") == 0) {
		*why = "unsubscribe: not on the list any more";
		member_release(&m);
		return BPT_OK;
	}
	ctx->actor = m.email;
	st = member_remove(ctx, m.email, "afgemeld", 0, &r);
	ctx->actor = actor;
	if (st == BPT_OK)
		member_report_release(&r);
	if (st == BPT_EDATA) {
		*why = "unsubscribe: nothing to remove";
		member_release(&m);
		return BPT_OK;
	}
	if (st == BPT_OK) {
		struct tvar v[] = {
			{ "group", cfg->group.name }, { "name", m.name },
			{ "list", cfg->group.address },
		};

		/* to the registered address: it is theirs, and it is leaving */
		nt = (struct notice){
			.tpl = "request-left", .vars = v, .nvars = nitems(v),
			.to = m.email, .source = in->message,
			.in_reply_to = in->m->message_id, .runner = in->runner,
		};
		if ((st = notice_queue(ctx, &nt, NULL)) == BPT_OK)
			(*notices)++;
		*why = "unsubscribe confirmed: member removed";
	}
	member_release(&m);
	return st;
}

/* --- tokens ------------------------------------------------------------ */

/* The token of a reply: the plus address it was sent to, else the
 * subject. */
static int
token_of(const struct request_in *in, char token[CONFIRM_TOKEN_LEN + 1])
{
	static const char *const fields[] = { "To", "Cc" };
	const char *v;
	size_t f, k;

	if (confirm_find(in->env_to, 1, token))
		return 1;
	for (f = 0; f < 2; f++)
		for (k = 0; (v = mail_header(in->m, fields[f], k)) != NULL; k++)
			if (confirm_find(v, 1, token))
				return 1;
	return in->m->subject != NULL && confirm_find(in->m->subject, 0, token);
}

static enum bpt_status
by_token(struct bpt_ctx *ctx, const struct request_in *in, const char *token,
    const char **why, long long *notices)
{
	struct confirm_row c;
	enum bpt_status st;
	int ok;

	st = confirm_get(ctx, token, &c);
	if (st != BPT_OK && st != BPT_ENOENT)
		return st;
	if (st == BPT_ENOENT || c.used_at != 0 || c.expires_at <= bpt_now(ctx)) {
		struct tvar v[] = {
			{ "group", ctx->cfg->group.name },
			{ "signup", st == BPT_OK && strcmp(c.action, "signup") == 0 ?
			    "1" : NULL },
			{ "used", st == BPT_OK && c.used_at != 0 ? "1" : NULL },
		};

		*why = st == BPT_ENOENT ? "unknown token" : c.used_at ?
		    "token used already" : "token expired";
		log_info("message %lld: %s", in->message, *why);
		st = request_answer(ctx, in, "request-expired", v, nitems(v),
		    "request-expired", NULL, notices);
		confirm_row_release(&c);
		return st;
	}
	if (strcmp(c.action, "unsubscribe") == 0) {
		if ((st = confirm_use(ctx, token, &ok)) == BPT_OK && ok)
			st = leave_finish(ctx, in, &c, why, notices);
	} else if (strcmp(c.action, "signup") == 0) {
		st = signup_finish(ctx, in, token, &c, why, notices);
	} else if (strcmp(c.action, "command") == 0) {
		st = admincmd_confirmed(ctx, in, token, &c, why, notices);
	} else {
		*why = "token of an unknown kind";
	}
	confirm_row_release(&c);
	return st;
}

/* --- help -------------------------------------------------------------- */

static enum bpt_status
help(struct bpt_ctx *ctx, const struct request_in *in, const char **why,
    long long *notices)
{
	const struct bpt_config *cfg = ctx->cfg;
	char *request = compose_list_variant(cfg->group.address, "-request");
	const struct member *s = in->sender;
	int admin = s && member_is_active(s) && strcmp(s->role, "member") != 0;
	struct tvar v[] = {
		{ "group", cfg->group.name }, { "list", cfg->group.address },
		{ "request", request }, { "admin", admin ? "1" : NULL },
	};
	enum bpt_status st;

	if (request == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	*why = "help";
	st = request_answer(ctx, in, "request-help", v, nitems(v), "request-help",
	    NULL, notices);
	free(request);
	return st;
}

enum bpt_status
request_handle(struct bpt_ctx *ctx, const struct request_in *in,
    const char **why, long long *notices)
{
	char token[CONFIRM_TOKEN_LEN + 1], word[32];
	const struct member *s = in->sender;

	if (token_of(in, token))
		return by_token(ctx, in, token, why, notices);
	request_keyword(in->m, word, sizeof(word));
	if (admincmd_is_command(word))
		return admincmd_receive(ctx, in, why, notices);
	switch (want_of(word)) {
	case W_LEAVE:
		return leave_start(ctx, in, why, notices);
	case W_JOIN:
		return signup_start(ctx, in, why, notices);
	case W_HELP:
	case W_NONE:
		break;
	}
	(void)s;
	return help(ctx, in, why, notices);
}
