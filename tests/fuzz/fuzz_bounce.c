/*
 * fuzz_bounce.c - delivery reports and bounce notices: the raw bytes
 * go through mail_parse() and autoclass_of(), then bounce_parse() and
 * bounce_verp_token() as the bounce path runs them.
 *
 * Checked besides crashes (bounce.h): each recipient is a valid address
 * in normal form and appears once; status is "" or "D.D.D"; diag is one
 * line; action is one of the enum; a recipient that did not fail, or
 * failed for now, is not permanent and not their fault; a VERP token
 * is not empty and lies inside the recipient.
 */
#include "bptconf.h"

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "autoclass.h"
#include "bounce.h"
#include "fuzz.h"
#include "mail.h"

#define LIST "bpt@buurt.example"
#define MAX_RCPT 32	/* as lib/bounces.c asks */

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static void
check_rcpt(const struct bounce_rcpt *r, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		const char *st = r[i].status;
		char *norm = NULL;
		struct bpt_ctx ctx = BPT_CTX_INIT;

		if (memchr(r[i].addr, '\0', sizeof(r[i].addr)) == NULL ||
		    memchr(r[i].status, '\0', sizeof(r[i].status)) == NULL ||
		    memchr(r[i].diag, '\0', sizeof(r[i].diag)) == NULL)
			fuzz_fail(NULL, "recipient %zu: a field is not terminated", i);
		if (addr_normalize(&ctx, r[i].addr, &norm) != BPT_OK ||
		    strcmp(norm, r[i].addr) != 0)
			fuzz_fail(&ctx, "recipient '%s' is not a normal address",
			    r[i].addr);
		free(norm);
		for (k = 0; k < i; k++)
			if (addr_eq(r[k].addr, r[i].addr))
				fuzz_fail(NULL, "recipient '%s' twice", r[i].addr);
		if (st[0] != '\0') {
			size_t p = 0;

			if (!is_digit(st[p++]) || st[p++] != '.')
				fuzz_fail(NULL, "status '%s'", st);
			while (is_digit(st[p]))
				p++;
			if (st[p++] != '.' || !is_digit(st[p]))
				fuzz_fail(NULL, "status '%s'", st);
			while (is_digit(st[p]))
				p++;
			if (st[p] != '\0')
				fuzz_fail(NULL, "status '%s'", st);
		}
		if (strpbrk(r[i].diag, "\r\n") != NULL)
			fuzz_fail(NULL, "diag of '%s' is not one line", r[i].addr);
		if (r[i].action != BOUNCE_OTHER && r[i].action != BOUNCE_FAILED &&
		    r[i].action != BOUNCE_DELAYED)
			fuzz_fail(NULL, "action %d", r[i].action);
		if ((r[i].permanent != 0 && r[i].permanent != 1) ||
		    (r[i].not_their_fault != 0 && r[i].not_their_fault != 1))
			fuzz_fail(NULL, "flags of '%s' not 0/1", r[i].addr);
		if ((r[i].action != BOUNCE_FAILED || st[0] == '4') &&
		    (r[i].permanent || !r[i].not_their_fault))
			fuzz_fail(NULL, "'%s' did not fail for good, yet counts",
			    r[i].addr);
	}
}

static void
check_verp(const char *rcpt)
{
	const char *t = bounce_verp_token(rcpt, LIST);

	if (t == NULL)
		return;
	if (t < rcpt || t >= rcpt + strlen(rcpt) || strcspn(t, "@") == 0 ||
	    t[strcspn(t, "@")] != '@')
		fuzz_fail(NULL, "bad VERP token in '%s'", rcpt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct bounce_rcpt r[MAX_RCPT];
	struct mail *m = NULL;
	const char *why = NULL, *to;
	size_t n, i;

	if (mail_parse(&ctx, (const char *)data, size, NULL, &m) != BPT_OK)
		fuzz_fail(&ctx, "mail_parse");
	(void)autoclass_of(m, LIST, "bpt.buurt.example", &why);
	if (why == NULL)
		fuzz_fail(NULL, "autoclass_of gave no rule");
	memset(r, 0xa5, sizeof(r));
	n = bounce_parse(m, r, MAX_RCPT);
	if (n > MAX_RCPT)
		fuzz_fail(NULL, "bounce_parse filled %zu of %d", n, MAX_RCPT);
	check_rcpt(r, n);
	/* room for one: the first recipient comes back the same */
	if (n > 0) {
		struct bounce_rcpt one;

		if (bounce_parse(m, &one, 1) != 1 || strcmp(one.addr, r[0].addr) != 0)
			fuzz_fail(NULL, "bounce_parse with max 1 differs");
	}
	check_verp(m->envelope_to ? m->envelope_to : "");
	for (i = 0; (to = mail_header(m, "To", i)) != NULL; i++)
		check_verp(to);
	mail_free(m);
	return 0;
}
