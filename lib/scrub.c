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

/* A phone number starting at s[i]: its end in *e, or 0. */
static int
find_phone(const char *s, size_t i, size_t len, size_t *e)
{
	size_t j = i, digits = 0, last = i;
	int paren = 0;

	if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '-' ||
	    s[i - 1] == '.' || s[i - 1] == ':' || s[i - 1] == '/'))
		return 0;
	if (s[j] == '+') {
		j++;
		if (j >= len || !isdigit((unsigned char)s[j]))
			return 0;
	} else if (s[j] == '(') {
		paren = 1;
		j++;
	}
	if (j >= len || !isdigit((unsigned char)s[j]))
		return 0;
	/* Dutch numbers start with 0, international ones with + or 00 */
	if (s[i] != '+' && s[j] != '0')
		return 0;
	for (; j < len; j++) {
		unsigned char c = (unsigned char)s[j];

		if (isdigit(c)) {
			digits++;
			last = j + 1;
			continue;
		}
		if ((c == ' ' || c == '-' || c == '.' || c == '/') && j + 1 < len &&
		    (isdigit((unsigned char)s[j + 1]) || s[j + 1] == '('))
			continue;
		if (c == '(' || (c == ')' && paren)) {
			paren = c == '(';
			continue;
		}
		break;
	}
	if (last < len && isalpha((unsigned char)s[last]))
		return 0;
	if (digits < 10 || digits > 13)
		return 0;
	*e = last;
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
		    find_phone(text, i, len, &e)) {
			buf_add(&out, text + copied, i - copied);
			buf_adds(&out, phone_mark);
			copied = i = e;
			n++;
			continue;
		}
		/* skip the rest of a number or word so we start at boundaries */
		if (isalnum((unsigned char)text[i])) {
			while (i < len && isalnum((unsigned char)text[i]) && text[i + 1] != '@')
				i++;
			if (i < len && isalnum((unsigned char)text[i]))
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
