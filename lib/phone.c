/* phone.c - Dutch mobile numbers to E.164. */
#include "bptconf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "phone.h"

/* More digits than any way of writing a Dutch number needs. */
#define PHONE_MAXDIGITS 20

/*
 * Collects the digits of s into d (NUL-terminated), skipping the
 * separators people use; *plus is set for a leading '+'.  Returns NULL
 * or what is wrong.
 */
static const char *
phone_digits(const char *s, char d[PHONE_MAXDIGITS + 1], int *plus)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = 0;
	int depth = 0;

	*plus = 0;
	for (; *u; u++) {
		if (isdigit(*u)) {
			if (n >= PHONE_MAXDIGITS)
				return "too long for a phone number";
			d[n++] = (char)*u;
		} else if (*u == '+') {
			if (n > 0 || *plus || depth > 0)
				return "'+' only belongs at the start";
			*plus = 1;
		} else if (*u == '(') {
			if (depth++ > 0)
				return "nested parentheses";
		} else if (*u == ')') {
			if (depth-- == 0)
				return "unbalanced parentheses";
		} else if (*u == ' ' || *u == '-' || *u == '.' || *u == '/' ||
		    *u == '\t') {
			continue;
		} else if (*u == 0xc2 && u[1] == 0xa0) {
			/* a no-break space, as spreadsheets like to write */
			u++;
		} else if (isalpha(*u)) {
			return "letters are not allowed";
		} else {
			return "unexpected character (use digits, spaces, '-', "
			    "'+' and parentheses)";
		}
	}
	d[n] = '\0';
	if (depth != 0)
		return "unbalanced parentheses";
	if (n == 0)
		return "no digits";
	return NULL;
}

/*
 * The national significant number (without the trunk 0) from the
 * digits, or NULL with *why set.
 */
static const char *
phone_national(const char *d, int plus, const char **why)
{
	const char *n;

	if (plus || strncmp(d, "00", 2) == 0) {
		const char *cc = plus ? d : d + 2;

		if (strncmp(cc, "31", 2) != 0) {
			*why = "not a Dutch number (only +31 mobile numbers are "
			    "accepted)";
			return NULL;
		}
		n = cc + 2;
		/* "+31 (0)6 ..." and the common "+31 06 ...": drop the trunk 0 */
		if (*n == '0')
			n++;
	} else if (*d == '0') {
		n = d + 1;
	} else {
		*why = "write it as 06-12345678 or +31 6 12345678";
		return NULL;
	}
	return n;
}

enum bpt_status
phone_normalize(struct bpt_ctx *ctx, const char *s, char **out)
{
	char d[PHONE_MAXDIGITS + 1];
	const char *why, *n;
	struct buf b = BUF_INIT;
	size_t len;
	int plus;

	*out = NULL;
	if ((why = phone_digits(s, d, &plus)) != NULL)
		goto bad;
	if ((n = phone_national(d, plus, &why)) == NULL)
		goto bad;
	len = strlen(n);
	if (*n != '6') {
		why = "not a mobile number (landline or service number?): "
		    "mobile numbers start with 06";
		goto bad;
	}
	if (len < 9) {
		why = "too short: a mobile number is 06 and 8 digits";
		goto bad;
	}
	if (len > 9) {
		why = "too long: a mobile number is 06 and 8 digits";
		goto bad;
	}
	/* 066 is for pagers, 067 for dial-up services, 069 is unused */
	if (strchr("123458", n[1]) == NULL) {
		why = "06-6, 06-7 and 06-9 numbers are not mobile numbers";
		goto bad;
	}
	buf_adds(&b, "+31");
	buf_adds(&b, n);
	if ((*out = buf_detach(&b, NULL)) == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	return BPT_OK;
bad:
	return bpt_err(ctx, BPT_EDATA, "bad phone '%s': %s", s, why);
}
