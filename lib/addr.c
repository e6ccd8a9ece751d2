/* addr.c - RFC 5322 addr-spec validation and normal form. */
#include "bptconf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "buf.h"

/* atext of RFC 5322 section 3.2.3 */
static int
is_atext(int c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* dot-atom-text: atext+ ("." atext+)*; returns its length or 0. */
static size_t
dot_atom_len(const char *s, size_t n)
{
	size_t i = 0;
	int need = 1;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (need)
				return 0;
			need = 1;
		} else if (c < 0x80 && is_atext(c)) {
			need = 0;
		} else {
			return 0;
		}
	}
	return need ? 0 : n;
}

/* quoted-string: DQUOTE *(qtext / quoted-pair) DQUOTE over s[0..n). */
static int
quoted_ok(const char *s, size_t n)
{
	size_t i;

	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		return 0;
	for (i = 1; i < n - 1; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\') {
			if (++i >= n - 1)
				return 0;
			c = (unsigned char)s[i];
			if (c < 0x20 && c != '\t')
				return 0;
			if (c >= 0x7f)
				return 0;
			continue;
		}
		if (c == '"' || c < 0x20 || c >= 0x7f)
			return 0;
	}
	return 1;
}

/* Hostname labels: letters, digits, hyphens, not at either end. */
static const char *
domain_problem(const char *d, size_t n)
{
	size_t i, label = 0;

	if (n == 0)
		return "no domain after '@'";
	if (d[0] == '[') {
		if (d[n - 1] != ']')
			return "unterminated domain literal";
		for (i = 1; i < n - 1; i++)
			if (d[i] == '[' || d[i] == ']' || d[i] == '\\' ||
			    (unsigned char)d[i] <= 0x20 || (unsigned char)d[i] >= 0x7f)
				return "bad character in domain literal";
		return n > 2 ? NULL : "empty domain literal";
	}
	if (n > 253)
		return "domain longer than 253 characters";
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c == '.') {
			if (label == 0 || d[i - 1] == '-')
				return "empty label or label ending in '-' in the domain";
			label = 0;
			continue;
		}
		if (c >= 0x80)
			return "non-ASCII domain (write it in its xn-- form)";
		if (!isalnum(c) && c != '-')
			return "bad character in the domain";
		if (label == 0 && c == '-')
			return "domain label starting with '-'";
		if (++label > 63)
			return "domain label longer than 63 characters";
	}
	if (label == 0 || d[n - 1] == '-')
		return "domain ending in '.' or '-'";
	return NULL;
}

static const char *
addr_problem(const char *s, size_t n, size_t *at)
{
	const char *d;
	size_t local;

	if (n == 0)
		return "empty address";
	if (n > 254)
		return "address longer than 254 characters";
	if (s[0] == '"') {
		/* closing quote of a quoted local part */
		size_t i;

		for (i = 1; i < n; i++) {
			if (s[i] == '\\') {
				i++;
				continue;
			}
			if (s[i] == '"')
				break;
		}
		if (i >= n)
			return "unterminated quoted local part";
		local = i + 1;
		if (local >= n || s[local] != '@')
			return "no '@' after the quoted local part";
		if (!quoted_ok(s, local))
			return "bad character in the quoted local part";
	} else {
		d = memchr(s, '@', n);
		if (d == NULL)
			return "no '@'";
		local = (size_t)(d - s);
		if (local == 0)
			return "empty local part";
		if (dot_atom_len(s, local) == 0)
			return "bad local part (spaces, special characters or dots out of place)";
	}
	if (local > 64)
		return "local part longer than 64 characters";
	*at = local;
	return domain_problem(s + local + 1, n - local - 1);
}

int
addr_valid(const char *s)
{
	size_t at;

	return addr_problem(s, strlen(s), &at) == NULL;
}

enum bpt_status
addr_normalize(struct bpt_ctx *ctx, const char *s, char **out)
{
	const char *b = s, *e = s + strlen(s), *why;
	size_t at, i, n;
	char *r;

	*out = NULL;
	while (b < e && isspace((unsigned char)*b))
		b++;
	while (e > b && isspace((unsigned char)e[-1]))
		e--;
	if (e - b >= 2 && *b == '<' && e[-1] == '>') {
		b++;
		e--;
	}
	n = (size_t)(e - b);
	why = addr_problem(b, n, &at);
	if (why != NULL)
		return bpt_err(ctx, BPT_EDATA, "bad address '%s': %s", s, why);
	r = xmemdupz(b, n);
	if (r == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	for (i = at + 1; i < n; i++)
		r[i] = (char)tolower((unsigned char)r[i]);
	*out = r;
	return BPT_OK;
}

const char *
addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at ? at + 1 : "";
}

int
addr_eq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}
