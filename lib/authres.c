/* authres.c - Authentication-Results (RFC 8601) for the From domain. */
#include "bptconf.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "authres.h"

#define AR_MAX_TOKENS 256
#define AR_MAX_WORD 128

enum tok { T_WORD, T_EQ, T_SEMI };

struct token {
	enum tok type;
	char word[AR_MAX_WORD];	/* T_WORD: unquoted, cut at the limit */
};

/*
 * Splits a header value into words, '=' and ';'.  Comments (nested,
 * with quoted pairs) are skipped; a quoted string is one word.  At
 * most max tokens; returns how many.
 */
static size_t
lex(const char *s, struct token *t, size_t max)
{
	size_t n = 0;

	while (*s && n < max) {
		if (isspace((unsigned char)*s)) {
			s++;
		} else if (*s == '(') {
			int depth = 0;

			do {
				if (*s == '\\' && s[1] != '\0')
					s++;
				else if (*s == '(')
					depth++;
				else if (*s == ')')
					depth--;
				s++;
			} while (*s && depth > 0);
		} else if (*s == '=' || *s == ';') {
			t[n].type = *s == '=' ? T_EQ : T_SEMI;
			t[n++].word[0] = '\0';
			s++;
		} else {
			size_t k = 0;

			t[n].type = T_WORD;
			if (*s == '"') {
				for (s++; *s && *s != '"'; s++) {
					if (*s == '\\' && s[1] != '\0')
						s++;
					if (k + 1 < AR_MAX_WORD)
						t[n].word[k++] = *s;
				}
				if (*s == '"')
					s++;
			} else {
				for (; *s && !isspace((unsigned char)*s) &&
				    !strchr("=;()\"", *s); s++)
					if (k + 1 < AR_MAX_WORD)
						t[n].word[k++] = *s;
			}
			t[n++].word[k] = '\0';
		}
	}
	return n;
}

/* The domain of v: after its last '@' (smtp.mailfrom, header.i), or v. */
static const char *
domain_of(const char *v)
{
	const char *at = strrchr(v, '@');

	return at ? at + 1 : v;
}

/* 1 when d is the From domain or below it. */
static int
aligned(const char *d, const char *from)
{
	size_t dl = strlen(d), fl = strlen(from);

	if (dl == fl)
		return strcasecmp(d, from) == 0;
	return dl > fl && d[dl - fl - 1] == '.' && strcasecmp(d + dl - fl, from) == 0;
}

struct verdict {
	int seen;		/* a header of our authserv-id */
	int dmarc_fail, spf_fail, dkim_pass;
	char dmarc_ev[AR_MAX_WORD + 40], spf_ev[AR_MAX_WORD + 40];
};

/* One result: method=result with its properties, t[0..n). */
static void
result(struct verdict *v, const struct token *t, size_t n, const char *from)
{
	const char *method, *res, *hfrom = NULL, *mailfrom = NULL, *d = NULL;
	char m[32];
	size_t i;

	if (n < 3 || t[0].type != T_WORD || t[1].type != T_EQ || t[2].type != T_WORD)
		return;
	/* "dkim/1": the method's version does not matter here */
	method = t[0].word;
	i = strcspn(method, "/");
	if (i >= sizeof(m))
		return;
	memcpy(m, method, i);
	m[i] = '\0';
	res = t[2].word;
	for (i = 3; i + 2 < n; i++) {
		if (t[i].type != T_WORD || t[i + 1].type != T_EQ ||
		    t[i + 2].type != T_WORD)
			continue;
		if (strcasecmp(t[i].word, "header.from") == 0)
			hfrom = t[i + 2].word;
		else if (strcasecmp(t[i].word, "smtp.mailfrom") == 0)
			mailfrom = domain_of(t[i + 2].word);
		else if (strcasecmp(t[i].word, "header.d") == 0 ||
		    (d == NULL && strcasecmp(t[i].word, "header.i") == 0))
			d = domain_of(t[i + 2].word);
		i += 2;
	}
	if (strcasecmp(m, "dmarc") == 0 && strcasecmp(res, "fail") == 0 &&
	    (hfrom == NULL || aligned(hfrom, from))) {
		v->dmarc_fail = 1;
		snprintf(v->dmarc_ev, sizeof(v->dmarc_ev), "dmarc=fail header.from=%s",
		    hfrom ? hfrom : from);
	} else if (strcasecmp(m, "spf") == 0 && strcasecmp(res, "fail") == 0 &&
	    (mailfrom == NULL || aligned(mailfrom, from))) {
		v->spf_fail = 1;
		snprintf(v->spf_ev, sizeof(v->spf_ev), "spf=fail smtp.mailfrom=%s",
		    mailfrom ? mailfrom : from);
	} else if (strcasecmp(m, "dkim") == 0 && strcasecmp(res, "pass") == 0 &&
	    d != NULL && aligned(d, from)) {
		v->dkim_pass = 1;
	}
}

/* One header value: its authserv-id, then results split by ';'. */
static void
header(struct verdict *v, const char *value, const char *authserv_id,
    const char *from)
{
	struct token t[AR_MAX_TOKENS];
	size_t n = lex(value, t, AR_MAX_TOKENS), i = 1, b;

	if (n == 0 || t[0].type != T_WORD || strcasecmp(t[0].word, authserv_id) != 0)
		return;
	v->seen = 1;
	/* an optional version after the id */
	if (i < n && t[i].type == T_WORD)
		i++;
	while (i < n) {
		if (t[i].type != T_SEMI)
			return;
		b = ++i;
		while (i < n && t[i].type != T_SEMI)
			i++;
		result(v, t + b, i - b, from);
	}
}

enum authres_verdict
authres_verdict(const char *const *values, size_t n, const char *authserv_id,
    const char *from_domain, struct buf *evidence)
{
	struct verdict v;
	size_t i;

	if (authserv_id == NULL || *authserv_id == '\0' || from_domain == NULL ||
	    *from_domain == '\0')
		return AUTHRES_NONE;
	memset(&v, 0, sizeof(v));
	for (i = 0; i < n; i++)
		if (values[i] != NULL)
			header(&v, values[i], authserv_id, from_domain);
	if (!v.seen)
		return AUTHRES_NONE;
	if (v.dmarc_fail) {
		if (evidence != NULL)
			buf_adds(evidence, v.dmarc_ev);
		return AUTHRES_FORGED;
	}
	if (v.spf_fail && !v.dkim_pass) {
		if (evidence != NULL)
			buf_addf(evidence, "%s, no dkim=pass for %s", v.spf_ev,
			    from_domain);
		return AUTHRES_FORGED;
	}
	return AUTHRES_OK;
}
