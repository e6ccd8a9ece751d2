/* scrub.c - mail addresses and phone numbers out of group copies. */
#include "bptconf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "scrub.h"

static int
local_char(unsigned char c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL);
}

static int
domain_char(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.';
}

/* An address around the '@' at s[at]: sets [*b, *e) and returns 1. */
static int
find_addr(const char *s, size_t at, size_t len, size_t *b, size_t *e)
{
	size_t i = at, j = at + 1;
	int dot = 0;

	while (i > 0 && local_char((unsigned char)s[i - 1]))
		i--;
	while (i < at && s[i] == '.')
		i++;
	if (i == at)
		return 0;
	while (j < len && domain_char((unsigned char)s[j])) {
		if (s[j] == '.' && j + 1 < len && domain_char((unsigned char)s[j + 1]))
			dot = 1;
		j++;
	}
	while (j > at + 1 && (s[j - 1] == '.' || s[j - 1] == '-'))
		j--;
	if (!dot || j <= at + 1)
		return 0;
	*b = i;
	*e = j;
	return 1;
}

/*
 * Phone numbers are read as a person reads them: a number starts after
 * any non-digit (a space, a colon, a slash, a letter) with 0, 00, + or
 * "(0"; its digits come in groups joined by spaces, dashes, dots or
 * slashes; and it ends where it is complete.  A Dutch number is
 * complete at ten digits (0 and nine), +31 at eleven, 0031 at
 * thirteen; a "(0)" after the country code does not count.  So
 * "0612345678 0623456789" is two numbers, not one of twenty digits
 * that fits no rule.  Other countries' numbers take groups up to
 * fifteen digits (E.164).  A group followed by ":" and a digit is a
 * time ("06-12-2026 14:30"), never part of a number, and a run of
 * digits is never split: 061234567890 is not a phone number.
 */
#define PHONE_MAX_DIGITS 17	/* 00, a country code and 15 digits */

enum phone_kind { PK_NL, PK_NL_PLUS, PK_NL_00, PK_INTL_PLUS, PK_INTL_00 };

/* Length of a separator character at s[j] (UTF-8), or 0. */
static size_t
sep_char(const char *s, size_t j, size_t len)
{
	const unsigned char *u = (const unsigned char *)s + j;

	if (strchr(" -./", *u) != NULL && *u != '\0')
		return 1;
	/* no-break space; no-break hyphen, en dash, narrow no-break space */
	if (j + 1 < len && u[0] == 0xc2 && u[1] == 0xa0)
		return 2;
	if (j + 2 < len && u[0] == 0xe2 && u[1] == 0x80 &&
	    (u[2] == 0x91 || u[2] == 0x93 || u[2] == 0xaf))
		return 3;
	return 0;
}

/* The separators between two groups ("-", " ", " - "): their length
 * when a digit or '(' follows, else 0. */
static size_t
separator(const char *s, size_t j, size_t len)
{
	size_t k = j, n, units = 0;

	while (k < len && units < 3 && (n = sep_char(s, k, len)) > 0) {
		k += n;
		units++;
	}
	if (units == 0 || k >= len || (!isdigit((unsigned char)s[k]) && s[k] != '('))
		return 0;
	return k - j;
}

static enum phone_kind
phone_kind(const char *d, size_t n, int plus)
{
	if (plus)
		return n >= 2 && d[0] == '3' && d[1] == '1' ? PK_NL_PLUS : PK_INTL_PLUS;
	if (n >= 2 && d[0] == '0' && d[1] == '0')
		return n >= 4 && d[2] == '3' && d[3] == '1' ? PK_NL_00 : PK_INTL_00;
	return PK_NL;
}

/* Digits a complete number of this kind has (the most, for others). */
static size_t
phone_digits(enum phone_kind k)
{
	switch (k) {
	case PK_NL: return 10;
	case PK_NL_PLUS: return 11;
	case PK_NL_00: return 13;
	case PK_INTL_PLUS: return 15;
	case PK_INTL_00: return 17;
	}
	return 0;
}

/* A phone number starting at s[i] (after a non-digit): its end in *e. */
static int
find_phone(const char *s, size_t i, size_t len, size_t *e)
{
	char d[PHONE_MAX_DIGITS];
	size_t j = i, n = 0, end = i, run, k;
	int plus = 0, paren = 0;
	enum phone_kind kind;

	if (s[j] == '+') {
		plus = 1;
		j++;
	} else if (s[j] == '(') {
		paren = 1;
		j++;
	}
	if (j >= len || !isdigit((unsigned char)s[j]) || (!plus && s[j] != '0'))
		return 0;
	for (;;) {
		for (run = 0; j + run < len && isdigit((unsigned char)s[j + run]); run++)
			;
		/* a time: "14:30" */
		if (j + run + 1 < len && s[j + run] == ':' &&
		    isdigit((unsigned char)s[j + run + 1]))
			break;
		if (n + run > PHONE_MAX_DIGITS)
			break;
		memcpy(d + n, s + j, run);
		kind = phone_kind(d, n + run, plus);
		if (n + run > phone_digits(kind))
			break;
		n += run;
		j += run;
		end = j;
		if (paren) {
			/* "(06) 12345678", "(020)1234567" */
			if (j >= len || s[j] != ')')
				return 0;
			paren = 0;
			end = ++j;
			if (j < len && isdigit((unsigned char)s[j]))
				continue;
		}
		if (kind != PK_INTL_PLUS && kind != PK_INTL_00 && n == phone_digits(kind))
			break;
		/* "+31 (0)6": the trunk prefix after a country code */
		k = j;
		if (kind != PK_NL && k < len && s[k] == ' ')
			k++;
		if (kind != PK_NL && k + 2 < len && s[k] == '(' && s[k + 1] == '0' &&
		    s[k + 2] == ')') {
			j = k + 3;
			if (j < len && (k = separator(s, j, len)) > 0)
				j += k;
			if (j >= len || !isdigit((unsigned char)s[j]))
				break;
			continue;
		}
		if ((k = separator(s, j, len)) == 0 || s[j + k] == '(')
			break;
		j += k;
	}
	/* part of a mail address: that rule takes the whole of it */
	if (n == 0 || (end < len && s[end] == '@'))
		return 0;
	kind = phone_kind(d, n, plus);
	if (kind == PK_INTL_PLUS ? n < 8 : kind == PK_INTL_00 ? n < 10 :
	    n != phone_digits(kind))
		return 0;
	*e = end;
	return 1;
}

char *
scrub_contacts(const char *text, const char *addr_mark, const char *phone_mark,
    int *count)
{
	struct buf out = BUF_INIT;
	size_t len = strlen(text), i = 0, copied = 0, b, e;
	int n = 0;

	while (i < len) {
		if (text[i] == '@' && find_addr(text, i, len, &b, &e) && b >= copied) {
			buf_add(&out, text + copied, b - copied);
			buf_adds(&out, addr_mark);
			copied = i = e;
			n++;
			continue;
		}
		if ((isdigit((unsigned char)text[i]) || text[i] == '+' || text[i] == '(') &&
		    (i == 0 || !isdigit((unsigned char)text[i - 1])) &&
		    find_phone(text, i, len, &e)) {
			buf_add(&out, text + copied, i - copied);
			buf_adds(&out, phone_mark);
			copied = i = e;
			n++;
			continue;
		}
		/* a run of digits is never split: go past its end */
		if (isdigit((unsigned char)text[i])) {
			while (i < len && isdigit((unsigned char)text[i]))
				i++;
			continue;
		}
		i++;
	}
	buf_add(&out, text + copied, len - copied);
	if (count)
		*count = n;
	return buf_detach(&out, NULL);
}

int
scrub_count(const char *text)
{
	char *s;
	int n = 0;

	if (text == NULL)
		return 0;
	s = scrub_contacts(text, "", "", &n);
	free(s);
	/* out of memory: count it as holding one, so it is never shown */
	return s == NULL ? 1 : n;
}
