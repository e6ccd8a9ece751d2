/* bounce.c - failed recipients of a DSN or a text bounce (see bounce.h). */
#include "bptconf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/mailimf.h>

#include "addr.h"
#include "bounce.h"
#include "bpt.h"
#include "buf.h"
#include "mail.h"
#include "util.h"

/* ---- small string helpers --------------------------------------------- */

static int
is_sp(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	    c == '\v';
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
any_of(const char *s, size_t n, const char *const *list)
{
	for (; *list != NULL; list++)
		if (util_ci_findn(s, n, *list))
			return 1;
	return 0;
}

/* Trims blanks on both sides of s[0..*n). */
static const char *
trimn(const char *s, size_t *n)
{
	while (*n > 0 && is_sp(*s)) {
		s++;
		(*n)--;
	}
	while (*n > 0 && is_sp(s[*n - 1]))
		(*n)--;
	return s;
}

/*
 * Appends s[0..n) to dst (size dstsz) as one line: runs of blanks and
 * line breaks become one space, and a cut falls on a UTF-8 character
 * boundary.
 */
static void
append_line(char *dst, size_t dstsz, const char *s, size_t n)
{
	size_t len = strlen(dst), i;
	int sp = len > 0;

	s = trimn(s, &n);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_sp(c) || c < 0x20) {
			sp = 1;
			continue;
		}
		if (sp && len > 0) {
			if (len + 1 >= dstsz)
				break;
			dst[len++] = ' ';
		}
		sp = 0;
		if (len + 1 >= dstsz)
			break;
		dst[len++] = (char)c;
	}
	/* do not leave half a character behind */
	if (len + 1 >= dstsz || i < n) {
		size_t k = len;

		while (k > 0 && ((unsigned char)dst[k - 1] & 0xc0) == 0x80)
			k--;
		if (k > 0 && ((unsigned char)dst[k - 1] & 0x80) != 0) {
			unsigned char lead = (unsigned char)dst[k - 1];
			size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 :
			    lead >= 0xc0 ? 2 : 1;

			if (len - (k - 1) < need)
				len = k - 1;
		}
	}
	dst[len] = '\0';
}

/* How many digits (up to four) stand at s[i..n). */
static size_t
digits_at(const char *s, size_t n, size_t i)
{
	size_t k = 0;

	while (i + k < n && k < 4 && is_digit(s[i + k]))
		k++;
	return k;
}

/*
 * The RFC 3463 status in s[0..n): "5.1.1" (also "#4.4.1"), else a bare
 * SMTP reply code 550 as "5.0.0".  "" when there is none.
 */
static void
find_status(const char *s, size_t n, char out[16])
{
	size_t i, d1, d2, end;

	out[0] = '\0';
	for (i = 0; i + 5 <= n; i++) {
		if ((s[i] != '2' && s[i] != '4' && s[i] != '5') ||
		    s[i + 1] != '.')
			continue;
		if (i > 0 && (is_digit(s[i - 1]) || s[i - 1] == '.'))
			continue;
		d1 = digits_at(s, n, i + 2);
		if (d1 == 0 || d1 > 3 || i + 2 + d1 >= n || s[i + 2 + d1] != '.')
			continue;
		d2 = digits_at(s, n, i + 3 + d1);
		end = i + 3 + d1 + d2;
		if (d2 == 0 || d2 > 3)
			continue;
		/* not a piece of a longer dotted number, an IP address */
		if (end < n && (is_digit(s[end]) || (s[end] == '.' &&
		    end + 1 < n && is_digit(s[end + 1]))))
			continue;
		memcpy(out, s + i, end - i);
		out[end - i] = '\0';
		return;
	}
	for (i = 0; i + 4 <= n; i++) {
		if ((s[i] != '4' && s[i] != '5') || digits_at(s, n, i) != 3)
			continue;
		if (i > 0 && !is_sp(s[i - 1]) && s[i - 1] != ';' &&
		    s[i - 1] != ':' && s[i - 1] != '(' && s[i - 1] != '#')
			continue;
		if (s[i + 3] != ' ' && s[i + 3] != '-' && s[i + 3] != '\t')
			continue;
		memcpy(out, s[i] == '5' ? "5.0.0" : "4.0.0", 6);
		return;
	}
}

/* ---- the list of recipients ------------------------------------------- */

/*
 * The recipients found so far: r[0..n) of room for max.  A recipient
 * found when there is no room left lives in spare, outside the list,
 * so that what follows it ("expanded from") is read the same way as
 * with room: it may turn out to be one of those in the list.
 */
struct rlist {
	struct bounce_rcpt *r;
	size_t n, max;
	struct bounce_rcpt spare;
};

/*
 * The normal form of the address in s[0..n) ("rfc822; <a@b>", "a@b:",
 * "<a@b>") into out; 0 when it is not a mail address.
 */
static int
clean_addr(const char *s, size_t n, char out[256])
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	char tmp[256], *norm = NULL;
	const char *semi;
	int ok = 0;

	s = trimn(s, &n);
	semi = memchr(s, ';', n);
	if (semi != NULL && semi - s < 16 && memchr(s, '@', (size_t)(semi - s))
	    == NULL) {
		n -= (size_t)(semi + 1 - s);
		s = semi + 1;
		s = trimn(s, &n);
	}
	while (n > 0 && (s[n - 1] == ':' || s[n - 1] == ',' ||
	    s[n - 1] == '.' || s[n - 1] == ';'))
		n--;
	if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
		s++;
		n -= 2;
	}
	s = trimn(s, &n);
	if (n == 0 || n >= sizeof(tmp))
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (!addr_valid(tmp))
		return 0;
	if (addr_normalize(&ctx, tmp, &norm) == BPT_OK && strlen(norm) < 256) {
		memcpy(out, norm, strlen(norm) + 1);
		ok = 1;
	}
	free(norm);
	return ok;
}

/* The slot for addr: found, added, or the spare when the list is full. */
static struct bounce_rcpt *
rlist_get(struct rlist *l, const char *addr)
{
	struct bounce_rcpt *r;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (addr_eq(l->r[i].addr, addr))
			return &l->r[i];
	r = l->n < l->max ? &l->r[l->n++] : &l->spare;
	memset(r, 0, sizeof(*r));
	memcpy(r->addr, addr, strlen(addr) + 1);
	r->action = BOUNCE_FAILED;
	return r;
}

/*
 * Gives r the address addr, the one we sent to ("expanded from").
 * When another recipient has that address already, r is dropped and
 * the other returned: two mailboxes behind one alias of a member are
 * one recipient of ours, and one bounce of theirs.
 */
static struct bounce_rcpt *
rlist_rename(struct rlist *l, struct bounce_rcpt *r, const char *addr)
{
	size_t i, k = r == &l->spare ? l->n : (size_t)(r - l->r);

	for (i = 0; i < l->n; i++)
		if (i != k && addr_eq(l->r[i].addr, addr)) {
			if (k == l->n)		/* the spare: nothing to drop */
				return &l->r[i];
			memmove(&l->r[k], &l->r[k + 1],
			    (l->n - k - 1) * sizeof(*l->r));
			l->n--;
			return &l->r[i > k ? i - 1 : i];
		}
	memcpy(r->addr, addr, strlen(addr) + 1);
	return r;
}

/*
 * The first mail address in s[0..n): its start and length in *start
 * and *len.  0 when there is none.
 */
static int
find_addr(const char *s, size_t n, size_t *start, size_t *len)
{
	size_t i, b, e;
	char tmp[256];

	for (i = 0; i < n; i++) {
		if (s[i] != '@')
			continue;
		for (b = i; b > 0 && !is_sp(s[b - 1]) &&
		    strchr("<>()[]:;,\"'=", s[b - 1]) == NULL; b--)
			;
		for (e = i + 1; e < n && !is_sp(s[e]) &&
		    strchr("<>()[]:;,\"'", s[e]) == NULL; e++)
			;
		while (e > i + 1 && s[e - 1] == '.')
			e--;
		if (e - b >= sizeof(tmp) || b == i || e == i + 1)
			continue;
		memcpy(tmp, s + b, e - b);
		tmp[e - b] = '\0';
		if (addr_valid(tmp)) {
			*start = b;
			*len = e - b;
			return 1;
		}
	}
	return 0;
}

/* ---- RFC 3464 --------------------------------------------------------- */

static void
dsn_block(struct rlist *l, struct mailimf_fields *f)
{
	char final[256] = "", orig[256] = "", status[16] = "";
	const char *action = NULL, *diag = NULL, *stcomment = NULL, *name, *v;
	struct bounce_rcpt *r;
	clistiter *it;

	for (it = clist_begin(f->fld_list); it != NULL; it = clist_next(it)) {
		struct mailimf_field *fl = clist_content(it);

		if (fl->fld_type != MAILIMF_FIELD_OPTIONAL_FIELD)
			continue;
		name = fl->fld_data.fld_optional_field->fld_name;
		v = fl->fld_data.fld_optional_field->fld_value;
		if (name == NULL || v == NULL)
			continue;
		if (strcasecmp(name, "Final-Recipient") == 0)
			clean_addr(v, strlen(v), final);
		else if (strcasecmp(name, "Original-Recipient") == 0)
			clean_addr(v, strlen(v), orig);
		else if (strcasecmp(name, "Action") == 0)
			action = v;
		else if (strcasecmp(name, "Status") == 0) {
			find_status(v, strlen(v), status);
			stcomment = strchr(v, '(');
		}
		else if (strcasecmp(name, "Diagnostic-Code") == 0)
			diag = v;
	}
	if (final[0] == '\0' && orig[0] == '\0')
		return;
	r = rlist_get(l, orig[0] != '\0' ? orig : final);
	if (status[0] == '\0' && diag != NULL)
		find_status(diag, strlen(diag), status);
	memcpy(r->status, status, sizeof(r->status));
	if (diag != NULL) {
		/* "smtp; 550 ..." */
		v = strchr(diag, ';');
		if (v != NULL && v - diag < 16)
			diag = v + 1;
		r->diag[0] = '\0';
		append_line(r->diag, sizeof(r->diag), diag, strlen(diag));
	}
	/* "Status: 5.0.0 (recipient reached disk quota)" */
	if (r->diag[0] == '\0' && stcomment != NULL &&
	    (v = strchr(stcomment, ')')) != NULL)
		append_line(r->diag, sizeof(r->diag), stcomment + 1,
		    (size_t)(v - stcomment - 1));
	if (action != NULL && util_ci_find(action, "delayed"))
		r->action = BOUNCE_DELAYED;
	else if (action != NULL && util_ci_find(action, "failed"))
		r->action = BOUNCE_FAILED;
	else if (action != NULL && (util_ci_find(action, "delivered") ||
	    util_ci_find(action, "relayed") ||
	    util_ci_find(action, "expanded")))
		r->action = BOUNCE_OTHER;
	else if (status[0] == '4')
		r->action = BOUNCE_DELAYED;
	else if (status[0] == '2')
		r->action = BOUNCE_OTHER;
	else
		r->action = BOUNCE_FAILED;
}

static void
parse_dsn(struct rlist *l, const char *dsn)
{
	struct buf b = BUF_INIT;
	size_t len = strlen(dsn), idx = 0, before;
	struct mailimf_fields *f;

	/* libetpan reads a field only up to its line end */
	if (len > 0 && dsn[len - 1] != '\n') {
		buf_add(&b, dsn, len);
		buf_addch(&b, '\n');
		if (!buf_failed(&b)) {
			dsn = b.buf;
			len = b.len;
		}
	}

	/*
	 * Every DSN field is an optional field to libetpan, and reading them
	 * all as such keeps its parsers of RFC 5322 fields out: the one of
	 * Return-Path leaks the address of "<a@b" (no ">") in 1.9.4.
	 */
	while (idx < len) {
		before = idx;
		f = NULL;
		if (mailimf_optional_fields_parse(dsn, len, &idx, &f) ==
		    MAILIMF_NO_ERROR && f != NULL) {
			/* the per-message block names no recipient and is
			 * skipped by dsn_block(); some reporters merge the
			 * blocks, which then still count */
			if (clist_count(f->fld_list) > 0)
				dsn_block(l, f);
			mailimf_fields_free(f);
		}
		if (idx <= before) {
			/* a blank line, or a line that is no field */
			while (idx < len && dsn[idx] != '\n')
				idx++;
			if (idx < len)
				idx++;
		}
	}
	buf_release(&b);
}

/* ---- text bounces ----------------------------------------------------- */

/* Lines that start the list of failed addresses. */
static const char *const intros[] = {
	"following address", "following recipient", "address(es) failed",
	"could not be delivered", "couldn't be delivered",
	"could not deliver", "unable to deliver", "wasn't able to deliver",
	"was not able to deliver", "did not reach", "permanent fatal error",
	"delivery failed", "delivery to the following", "did not receive",
	"not be delivered", "undeliverable to", "has not yet been delivered",
	"could not send message", "kon niet worden", "niet worden afgeleverd",
	"niet worden bezorgd", "nicht zugestellt", "konnte nicht",
	"\xd0\xbd\xd0\xb5 \xd0\xbc\xd0\xbe\xd0\xb6\xd0\xb5\xd1\x82 "
	    "\xd0\xb1\xd1\x8b\xd1\x82\xd1\x8c",	/* "не может быть" */
	NULL
};

/* Where the returned message begins. */
static const char *const stops[] = {
	"below this line is a copy", "this is a copy of",
	"original message follows",
	"original message ---", "returned message follows",
	"message header follows", "message headers follow",
	"unsent message follows", "undelivered message follows",
	"text of the original message", "header of the original message",
	"headers of the original message", "original message headers",
	"doorgestuurd bericht", "forwarded message",	/* mail.c, MUAs */
	NULL
};

static const char *const delay_words[] = {
	"could not send message for past", "not yet been delivered",
	"will continue to try", "will keep trying", "still trying",
	"delivery delayed", "message delayed", "delayed mail", "delay reason",
	"temporarily deferred", "warning: could not send", NULL
};

static const char *const permanent_words[] = {
	"permanent error", "permanent fatal", "permanently", "fatal error",
	"given up", "permanent delivery failure", "user unknown",
	"unknown user", "no such user", "not recognized", "does not exist",
	"invalid mailbox", "illegal user", "no account", "user not found",
	"mailbox unavailable", "unknown recipient", "recipient rejected",
	"no mailbox", "not a valid user", NULL
};

/* Words of a failure, for the last-resort reading. */
static const char *const failure_words[] = {
	"unavailable", "not found", "unknown", "does not exist", "no such",
	"rejected", "invalid", "failed", "not a valid", NULL
};

struct tline {
	const char *s;
	size_t len;	/* trimmed of the line end, not of blanks */
};

/* Splits text into lines up to the returned message; caller frees. */
static struct tline *
text_lines(const char *text, size_t *nl)
{
	struct tline *l;
	const char *p, *e;
	size_t cap = 1, n = 0, k;

	for (p = text; *p != '\0'; p++)
		if (*p == '\n')
			cap++;
	l = calloc(cap, sizeof(*l));
	if (l == NULL)
		return NULL;
	for (p = text; *p != '\0' && n < cap; ) {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		k = (size_t)(e - p);
		if (k > 0 && p[k - 1] == '\r')
			k--;
		if (any_of(p, k, stops))
			break;
		/* the header of a returned copy without a marker */
		if ((k > 9 && strncasecmp(p, "Received:", 9) == 0) ||
		    (k > 12 && strncasecmp(p, "Return-Path:", 12) == 0))
			break;
		l[n].s = p;
		l[n].len = k;
		n++;
		p = *e == '\n' ? e + 1 : e;
	}
	*nl = n;
	return l;
}

/*
 * A recipient at the start of line t[0..n): "<a@b>: rest", "a@b:",
 * "> a@b", "a@b... rest", "a@b on <date>".  The address goes to addr,
 * the text after it to *rest.  in_list: under an intro line, where a
 * bare address counts.
 */
static int
line_rcpt(const char *t, size_t n, int in_list, char addr[256],
    const char **rest, size_t *restlen)
{
	const char *e, *x;
	size_t k;

	t = trimn(t, &n);
	if (n > 0 && t[0] == '>' && in_list) {
		t++;
		n--;
		t = trimn(t, &n);
	}
	if (n > 0 && t[0] == '<') {
		e = memchr(t, '>', n);
		if (e == NULL)
			return 0;
		if (!clean_addr(t, (size_t)(e + 1 - t), addr))
			return 0;
		x = e + 1;
		k = n - (size_t)(x - t);
		/* "<a@b>:" anywhere; "<a@b>" alone only in a list */
		if (k > 0 && *x == ':') {
			x++;
			k--;
		} else if (!in_list) {
			return 0;
		}
	} else if (in_list) {
		for (e = t; e < t + n && !is_sp(*e); e++)
			;
		k = (size_t)(e - t);
		if (k >= 3 && strncmp(e - 3, "...", 3) == 0)
			k -= 3;
		if (memchr(t, '@', k) == NULL || !clean_addr(t, k, addr))
			return 0;
		x = t + k;
		k = n - k;
		if (k >= 3 && strncmp(x, "...", 3) == 0) {
			x += 3;
			k -= 3;
		}
	} else {
		return 0;
	}
	x = trimn(x, &k);
	/* Exchange: "a@b on Fri, 20 Jul 2001 11:08:59" */
	if (k >= 3 && strncasecmp(x, "on ", 3) == 0 && is_digit(x[k - 1]))
		k = 0;
	*rest = x;
	*restlen = k;
	return 1;
}

/* 1 when a line of ln[0..nl) holds a word of list. */
static int
lines_have(const struct tline *ln, size_t nl, const char *const *list)
{
	size_t i;

	for (i = 0; i < nl; i++)
		if (any_of(ln[i].s, ln[i].len, list))
			return 1;
	return 0;
}

static void
parse_text(struct rlist *l, const char *text)
{
	struct tline *ln;
	struct bounce_rcpt *cur = NULL, *r;
	char addr[256], st[16];
	const char *rest, *x, *s, *smtp;
	size_t nl = 0, i, j, k, restlen, a, alen;
	int in_list = 0, delayed = -1, permanent = -1;

	ln = text_lines(text, &nl);
	if (ln == NULL)
		return;
	for (i = 0; i < nl; i++) {
		s = ln[i].s;
		k = ln[i].len;
		x = trimn(s, &k);
		if (k == 0) {
			cur = NULL;
			continue;
		}
		/* an intro, unless it is the diagnostic of the last
		 * recipient ("Sorry, your message to a@b cannot be
		 * delivered.") */
		if (cur == NULL && any_of(x, k, intros)) {
			in_list = 1;
			cur = NULL;
			/* "Delivery failed 20 attempts: a@b" */
			rest = memchr(x, ':', k);
			if (rest != NULL) {
				restlen = k - (size_t)(rest + 1 - x);
				rest = trimn(rest + 1, &restlen);
				if (memchr(rest, '@', restlen) != NULL &&
				    memchr(rest, ' ', restlen) == NULL &&
				    clean_addr(rest, restlen, addr))
					cur = rlist_get(l, addr);
			}
			continue;
		}
		/* X.400: "c=US;...;dda:SMTP=a@b; on ..." */
		if (in_list && (smtp = util_ci_findn(x, k, "smtp=")) != NULL) {
			j = (size_t)(smtp - x) + 5;
			if (find_addr(x + j, k - j, &a, &alen) &&
			    clean_addr(x + j + a, alen, addr)) {
				cur = rlist_get(l, addr);
				continue;
			}
		}
		if (line_rcpt(s, ln[i].len, in_list, addr, &rest, &restlen)) {
			cur = rlist_get(l, addr);
			if (restlen > 0)
				append_line(cur->diag, sizeof(cur->diag), rest,
				    restlen);
			continue;
		}
		if (cur == NULL)
			continue;
		/* "(expanded from: a@b)": the address we sent to */
		if (util_ci_findn(x, k, "expanded from") &&
		    find_addr(x, k, &a, &alen) &&
		    clean_addr(x + a, alen, addr) &&
		    !addr_eq(addr, cur->addr)) {
			cur = rlist_rename(l, cur, addr);
			continue;
		}
		append_line(cur->diag, sizeof(cur->diag), x, k);
	}

	/* the SMTP reply in a transcript that names the recipient */
	for (j = 0; j < l->n; j++) {
		r = &l->r[j];
		find_status(r->diag, strlen(r->diag), r->status);
		if (r->status[0] != '\0')
			continue;
		for (i = 0; i < nl; i++) {
			k = ln[i].len;
			x = trimn(ln[i].s, &k);
			if (k < 4 || (x[0] != '4' && x[0] != '5') ||
			    !is_digit(x[1]) || !is_digit(x[2]) ||
			    (x[3] != ' ' && x[3] != '-') ||
			    !util_ci_findn(x, k, r->addr))
				continue;
			find_status(x, k, st);
			memcpy(r->status, st, sizeof(st));
			if (r->diag[0] == '\0')
				append_line(r->diag, sizeof(r->diag), x, k);
			break;
		}
	}

	/* last resort: "Local mailbox a@b is unavailable: user not found" */
	if (l->n == 0) {
		for (i = 0; i < nl && l->n == 0; i++) {
			k = ln[i].len;
			x = trimn(ln[i].s, &k);
			if (!any_of(x, k, failure_words) ||
			    !find_addr(x, k, &a, &alen) ||
			    !clean_addr(x + a, alen, addr) ||
			    util_ci_find(addr, "postmaster@") ||
			    util_ci_find(addr, "mailer-daemon@"))
				continue;
			r = rlist_get(l, addr);
			append_line(r->diag, sizeof(r->diag), x, k);
			find_status(r->diag, strlen(r->diag), r->status);
		}
	}

	/*
	 * Failed or delayed, permanent or not, as the notice says.  The
	 * notice is read for these words once, not once per recipient:
	 * 32 recipients and a megabyte of text took seconds.
	 */
	for (j = 0; j < l->n; j++) {
		r = &l->r[j];
		if (delayed < 0)
			delayed = lines_have(ln, nl, delay_words);
		if (delayed)
			r->action = BOUNCE_DELAYED;
		if (r->status[0] == '\0' && r->action == BOUNCE_FAILED) {
			if (any_of(r->diag, strlen(r->diag), permanent_words)) {
				r->permanent = 1;
			} else {
				if (permanent < 0)
					permanent = lines_have(ln, nl,
					    permanent_words);
				r->permanent = permanent;
			}
		}
	}
	free(ln);
}

/* ---- whose fault ------------------------------------------------------ */

static const char *const policy_words[] = {
	"dmarc", "spf", "dkim", "spam", "reputation", "blocklist",
	"block list", "blacklist", "blocked", "rbl", "spamhaus", "policy",
	"unauthenticated", "authentication", NULL
};

static const char *const sender_words[] = {
	"dmarc", "spf", "dkim", "spam", NULL
};

static const char *const relay_words[] = {
	"too many hops", "mail loop", "routing loop", "loop detected",
	"loops back", "relay access denied", "relaying denied",
	"not permitted to relay", "unable to relay", "relay not permitted",
	"message too large", "message too big", "message size exceeds",
	"exceeds fixed maximum", NULL
};

static int
status_is(const char *st, const char *sub)
{
	/* st "5.4.6", sub ".4.6" or ".5." */
	return st[0] != '\0' && strncmp(st + 1, sub, strlen(sub)) == 0;
}

static void
judge(struct bounce_rcpt *r)
{
	size_t dl = strlen(r->diag);

	if (r->action == BOUNCE_FAILED && r->status[0] == '5')
		r->permanent = 1;
	if (r->action != BOUNCE_FAILED || r->status[0] == '4' ||
	    r->status[0] == '2')
		r->permanent = 0;
	if (r->action != BOUNCE_FAILED || r->status[0] == '4' ||
	    r->status[0] == '2')
		r->not_their_fault = 1;
	/* the sender's policy or spam: 5.7.x, or said in so many words */
	if ((any_of(r->diag, dl, policy_words) &&
	    (status_is(r->status, ".7.") || r->status[0] == '\0' ||
	    strcmp(r->status, "5.0.0") == 0)) ||
	    any_of(r->diag, dl, sender_words))
		r->not_their_fault = 1;
	if (any_of(r->diag, dl, relay_words) || status_is(r->status, ".4.6") ||
	    status_is(r->status, ".4.7") || status_is(r->status, ".3.4") ||
	    status_is(r->status, ".5.") || status_is(r->status, ".6."))
		r->not_their_fault = 1;
}

size_t
bounce_parse(const struct mail *m, struct bounce_rcpt *out, size_t max)
{
	/*
	 * Read with the same room whatever max is: a later recipient can
	 * turn out to be an earlier one ("expanded from") and take its
	 * place, so a list cut short while reading would differ from the
	 * first max of the whole.
	 */
	struct bounce_rcpt all[BOUNCE_ROOM];
	struct rlist l;
	size_t i;

	if (m == NULL || out == NULL || max == 0)
		return 0;
	l.r = all;
	l.n = 0;
	l.max = BOUNCE_ROOM;
	if (m->dsn != NULL)
		parse_dsn(&l, m->dsn);
	if (l.n == 0 && m->text != NULL)
		parse_text(&l, m->text);
	if (l.n > max)
		l.n = max;
	for (i = 0; i < l.n; i++) {
		judge(&l.r[i]);
		out[i] = l.r[i];
	}
	return l.n;
}

/* ---- the returned message --------------------------------------------- */

struct idlist {
	char (*ids)[BOUNCE_ID_MAX];
	size_t n, max;
};

/* Adds the msg-id in v (a Message-ID field's value), when new. */
static void
idlist_add(struct idlist *l, const char *v)
{
	size_t idx = 0, len, i;
	char *id = NULL;

	while (is_sp(*v))
		v++;
	/* libetpan also takes a bare word; ours are always in <> */
	if (l->n >= l->max || *v != '<' ||
	    mailimf_msg_id_parse(v, strlen(v), &idx, &id) != MAILIMF_NO_ERROR ||
	    id == NULL)
		return;
	len = strlen(id);
	for (i = 0; i < l->n && strcmp(l->ids[i], id) != 0; i++)
		;
	if (i == l->n && len > 0 && len < BOUNCE_ID_MAX)
		memcpy(l->ids[l->n++], id, len + 1);
	mailimf_msg_id_free(id);
}

/*
 * The Message-ID fields of the header fields at s[*idx..len): as many
 * as follow each other.  *idx moves past them; it does not move when
 * no field starts there.
 */
static void
fields_ids(struct idlist *l, const char *s, size_t len, size_t *idx)
{
	struct mailimf_fields *f = NULL;
	clistiter *it;

	/* all of them as optional fields, as parse_dsn() reads them */
	if (mailimf_optional_fields_parse(s, len, idx, &f) != MAILIMF_NO_ERROR ||
	    f == NULL)
		return;
	for (it = clist_begin(f->fld_list); it != NULL; it = clist_next(it)) {
		struct mailimf_field *fl = clist_content(it);
		const char *name, *v;

		if (fl->fld_type != MAILIMF_FIELD_OPTIONAL_FIELD)
			continue;
		name = fl->fld_data.fld_optional_field->fld_name;
		v = fl->fld_data.fld_optional_field->fld_value;
		if (name != NULL && v != NULL && strcasecmp(name, "Message-ID") == 0)
			idlist_add(l, v);
	}
	mailimf_fields_free(f);
}

/* The next line of s[0..len) after the one at i. */
static size_t
next_line(const char *s, size_t len, size_t i)
{
	const char *nl = memchr(s + i, '\n', len - i);

	return nl != NULL ? (size_t)(nl - s) + 1 : len;
}

size_t
bounce_returned_ids(const struct mail *m, char ids[][BOUNCE_ID_MAX], size_t max)
{
	struct idlist l = { ids, 0, max };
	struct buf b = BUF_INIT;
	const char *s;
	size_t len, idx, before;

	if (m == NULL || ids == NULL || max == 0)
		return 0;
	if (m->dsn_original != NULL) {
		/* libetpan reads a field only up to its line end */
		buf_adds(&b, m->dsn_original);
		buf_addch(&b, '\n');
		s = buf_str(&b);
		len = buf_failed(&b) ? 0 : b.len;
		/* a line that is no field does not hide the ones after it */
		for (idx = 0; idx < len; ) {
			before = idx;
			fields_ids(&l, s, len, &idx);
			if (idx <= before)
				idx = next_line(s, len, idx);
		}
		buf_release(&b);
	}
	s = m->text != NULL ? m->text : "";
	len = strlen(s);
	for (idx = 0; idx < len && l.n < l.max; ) {
		before = idx;
		if (len - idx > 11 && strncasecmp(s + idx, "Message-ID:", 11) == 0)
			fields_ids(&l, s, len, &idx);
		if (idx <= before)
			idx = next_line(s, len, idx);
	}
	return l.n;
}

const char *
bounce_verp_token(const char *rcpt, const char *list_addr)
{
	const char *lat, *rat, *tok;
	size_t llen;

	if (rcpt == NULL || list_addr == NULL)
		return NULL;
	if ((lat = strrchr(list_addr, '@')) == NULL ||
	    (rat = strrchr(rcpt, '@')) == NULL)
		return NULL;
	llen = (size_t)(lat - list_addr);
	if (strncasecmp(rcpt, list_addr, llen) != 0 ||
	    strncasecmp(rcpt + llen, "-bounces+", 9) != 0)
		return NULL;
	tok = rcpt + llen + 9;
	/* the token runs to the domain's '@': "+@x@dom" has none */
	if (tok >= rat || strchr(tok, '@') != rat ||
	    strcasecmp(rat + 1, lat + 1) != 0)
		return NULL;
	return tok;
}
