/*
 * member_check.c - checking the values of a change to a member before
 * anything is written: free text (names, reasons, consent versions),
 * roles, statuses, consent channels and phone numbers.
 */
#include "bptconf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "member.h"
#include "member_int.h"
#include "phone.h"
#include "util.h"

#define NAME_MAX_BYTES 200
#define CONSENT_MAX_BYTES 64

char *
member_trim(const char *s)
{
	const char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return xmemdupz(s, (size_t)(e - s));
}

/* 1 when s is valid UTF-8 without control characters. */
static int
text_ok(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	while (*u) {
		int n, i;

		if (*u < 0x20 || *u == 0x7f)
			return 0;
		if (*u < 0x80) {
			u++;
			continue;
		}
		if (*u >= 0xc2 && *u <= 0xdf)
			n = 1;
		else if (*u >= 0xe0 && *u <= 0xef)
			n = 2;
		else if (*u >= 0xf0 && *u <= 0xf4)
			n = 3;
		else
			return 0;
		for (i = 1; i <= n; i++)
			if ((u[i] & 0xc0) != 0x80)
				return 0;
		if ((u[0] == 0xe0 && u[1] < 0xa0) || (u[0] == 0xed && u[1] >= 0xa0) ||
		    (u[0] == 0xf0 && u[1] < 0x90) || (u[0] == 0xf4 && u[1] >= 0x90))
			return 0;
		/* C1 controls (U+0080..U+009F) */
		if (u[0] == 0xc2 && u[1] < 0xa0)
			return 0;
		u += n + 1;
	}
	return 1;
}

enum bpt_status
member_check_text(struct bpt_ctx *ctx, const char *what, const char *s,
    size_t max, int empty_ok, char **out)
{
	char *t;

	*out = NULL;
	if ((t = member_trim(s)) == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	if (!text_ok(t)) {
		free(t);
		return bpt_err(ctx, BPT_EDATA, "bad %s '%s': not UTF-8 text or "
		    "control characters in it", what, s);
	}
	if (strlen(t) > max) {
		free(t);
		return bpt_err(ctx, BPT_EDATA, "bad %s '%s': longer than %zu bytes",
		    what, s, max);
	}
	if (!empty_ok && *t == '\0') {
		free(t);
		return bpt_err(ctx, BPT_EDATA, "bad %s: empty", what);
	}
	*out = t;
	return BPT_OK;
}

/* s, without blanks around and in lower case, from the list l. */
static const char *
word_in(const char *s, const char *const *l)
{
	char low[16];
	size_t i, n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= sizeof(low))
		return NULL;
	for (i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)s[i]);
	low[n] = '\0';
	return member_in_list(low, l);
}

static enum bpt_status
check_role(struct bpt_ctx *ctx, const char *s, const char **out)
{
	if ((*out = word_in(s, member_roles)) != NULL)
		return BPT_OK;
	return bpt_err(ctx, BPT_EDATA, "bad role '%s': use member, admin or "
	    "coordinator", s);
}

enum bpt_status
member_check_status(struct bpt_ctx *ctx, const char *s, const char **out)
{
	if ((*out = word_in(s, member_statuses)) != NULL)
		return BPT_OK;
	return bpt_err(ctx, BPT_EDATA, "bad status '%s': use active, suspended, "
	    "removed, banned or pending", s);
}

enum bpt_status
member_check_consent_via(struct bpt_ctx *ctx, const char *s, const char **out)
{
	if ((*out = word_in(s, member_consent_vias)) != NULL)
		return BPT_OK;
	return bpt_err(ctx, BPT_EDATA, "bad consent_via '%s': use admin, import "
	    "or mail", s);
}

/* A phone value: blank clears, anything else must be a mobile number. */
static enum bpt_status
check_phone(struct bpt_ctx *ctx, const char *s, struct pchange *pc)
{
	if (s[strspn(s, " \t")] == '\0') {
		pc->clear_phone = 1;
		return BPT_OK;
	}
	return phone_normalize(ctx, s, &pc->phone);
}

void
pchange_release(struct pchange *pc)
{
	free(pc->name);
	free(pc->phone);
	free(pc->consent_version);
	free(pc->status_reason);
	memset(pc, 0, sizeof(*pc));
}

enum bpt_status
pchange_prepare(struct bpt_ctx *ctx, const struct member_change *ch,
    struct pchange *pc)
{
	enum bpt_status st = BPT_OK;

	memset(pc, 0, sizeof(*pc));
	pc->consent_via = "admin";
	if (ch->consent_via != NULL &&
	    (st = member_check_consent_via(ctx, ch->consent_via,
	    &pc->consent_via)) != BPT_OK)
		goto out;
	if (ch->name != NULL &&
	    (st = member_check_text(ctx, "name", ch->name, NAME_MAX_BYTES, 1,
	    &pc->name)) != BPT_OK)
		goto out;
	if (ch->phone != NULL && (st = check_phone(ctx, ch->phone, pc)) != BPT_OK)
		goto out;
	if (ch->role != NULL && (st = check_role(ctx, ch->role, &pc->role)) != BPT_OK)
		goto out;
	if (ch->consent_version != NULL)
		st = member_check_text(ctx, "consent version", ch->consent_version,
		    CONSENT_MAX_BYTES, 0, &pc->consent_version);
out:
	if (st != BPT_OK)
		pchange_release(pc);
	return st;
}

void
pchange_apply(const struct pchange *pc, struct mrow *r, time_t now)
{
	if (pc->name != NULL)
		r->name = pc->name;
	if (pc->clear_phone)
		r->phone = NULL;
	else if (pc->phone != NULL)
		r->phone = pc->phone;
	if (pc->role != NULL)
		r->role = pc->role;
	if (pc->status_reason != NULL)
		r->status_reason = pc->status_reason;
	if (pc->status_until != 0)
		r->status_until = pc->status_until;
	if (pc->status_at != 0)
		r->status_at = pc->status_at;
	if (pc->joined_at != 0)
		r->joined_at = pc->joined_at;
	/* accepting the same version again keeps the first date */
	if (pc->consent_version != NULL &&
	    !member_streq0(r->consent_version, pc->consent_version)) {
		r->consent_version = pc->consent_version;
		r->consent_at = pc->consent_at ? pc->consent_at : now;
		r->consent_via = pc->consent_via;
	}
}
