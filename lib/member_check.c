/*
 * member_check.c - checking the values of a change to a member before
 * anything is written: free text (names, reasons, consent versions),
 * roles, statuses, consent channels and phone numbers.
 *
 * Free text is one line of UTF-8.  Besides control characters it may
 * not hold the characters that change the direction of text (U+202A to
 * U+202E, U+2066 to U+2069), the invisible direction marks (U+200E,
 * U+200F, U+061C) or line and paragraph separators (U+2028, U+2029):
 * a name is shown in the From of every copy ("Name via Group"), and
 * these would let it show as something else, reorder the text after
 * it, or make two names that look the same.  A name in any script,
 * Arabic and Hebrew included, displays right without them.
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

/* The code point of the UTF-8 sequence at u and its length; 0 for a
 * sequence that is not valid (overlong, surrogate, past U+10FFFF). */
static size_t
utf8_decode(const unsigned char *u, unsigned long *cp)
{
	size_t n, i;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		n = 1;
		*cp = u[0] & 0x1f;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		n = 2;
		*cp = u[0] & 0x0f;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		n = 3;
		*cp = u[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i <= n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (u[i] & 0x3f);
	}
	if ((n == 2 && *cp < 0x800) || (n == 3 && *cp < 0x10000) ||
	    (*cp >= 0xd800 && *cp <= 0xdfff) || *cp > 0x10ffff)
		return 0;
	return n + 1;
}

/* What is wrong with cp in free text; NULL when nothing is. */
static const char *
refused_why(unsigned long cp)
{
	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
		return "a control character";
	if (cp == 0x2028 || cp == 0x2029)
		return "a line or paragraph separator";
	if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return "a character that changes the direction of text";
	if (cp == 0x200e || cp == 0x200f || cp == 0x061c)
		return "an invisible direction mark";
	return NULL;
}

int
member_text_refused(const char *s, unsigned long *cp, size_t *at)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	while (u[i] != '\0') {
		if ((n = utf8_decode(u + i, cp)) == 0) {
			*cp = 0xfffd;
			*at = i;
			return 1;
		}
		if (refused_why(*cp) != NULL) {
			*at = i;
			return 1;
		}
		i += n;
	}
	return 0;
}

enum bpt_status
member_check_text(struct bpt_ctx *ctx, const char *what, const char *s,
    size_t max, int empty_ok, char **out)
{
	unsigned long cp;
	size_t at;
	char *t;

	*out = NULL;
	if ((t = member_trim(s)) == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	/* the value is not repeated: it may hold what a terminal obeys */
	if (member_text_refused(t, &cp, &at)) {
		free(t);
		if (cp == 0xfffd)
			return bpt_err(ctx, BPT_EDATA, "bad %s: not UTF-8 text "
			    "(byte %zu)", what, at + 1);
		return bpt_err(ctx, BPT_EDATA, "bad %s: U+%04lX (byte %zu) is %s",
		    what, cp, at + 1, refused_why(cp));
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
