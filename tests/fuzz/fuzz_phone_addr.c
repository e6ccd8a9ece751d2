/*
 * fuzz_phone_addr.c - phone_normalize() and addr_normalize() on any
 * string.
 *
 * Checked besides crashes: a normal form is accepted again unchanged
 * (both are idempotent), a phone number is "+316" and eight digits, an
 * address passes addr_valid() and has a domain; addr_valid() agrees
 * with addr_normalize() on strings that need no normalising; refusals
 * are BPT_EDATA with a message.
 */
#include "bptconf.h"

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "fuzz.h"
#include "phone.h"

static void
check_phone(const char *s)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	char *out = NULL, *again = NULL;
	enum bpt_status st;
	size_t i;

	st = phone_normalize(&ctx, s, &out);
	if (st == BPT_EDATA || st == BPT_ENOMEM) {
		if (ctx.errmsg[0] == '\0')
			fuzz_fail(NULL, "phone_normalize refused without a message");
		return;
	}
	if (st != BPT_OK || out == NULL)
		fuzz_fail(&ctx, "phone_normalize: status %s", bpt_status_str(st));
	if (strlen(out) != 12 || strncmp(out, "+316", 4) != 0)
		fuzz_fail(NULL, "phone_normalize gave '%s'", out);
	for (i = 1; out[i]; i++)
		if (out[i] < '0' || out[i] > '9')
			fuzz_fail(NULL, "phone_normalize gave '%s'", out);
	if (phone_normalize(&ctx, out, &again) != BPT_OK || strcmp(out, again) != 0)
		fuzz_fail(&ctx, "phone '%s' is not accepted as it is", out);
	free(out);
	free(again);
}

static void
check_addr(const char *s)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	char *out = NULL, *again = NULL;
	enum bpt_status st;
	int valid = addr_valid(s);

	st = addr_normalize(&ctx, s, &out);
	if (st == BPT_EDATA || st == BPT_ENOMEM) {
		if (ctx.errmsg[0] == '\0')
			fuzz_fail(NULL, "addr_normalize refused without a message");
		if (valid && st == BPT_EDATA)
			fuzz_fail(&ctx, "addr_valid() takes what addr_normalize() refuses");
		return;
	}
	if (st != BPT_OK || out == NULL)
		fuzz_fail(&ctx, "addr_normalize: status %s", bpt_status_str(st));
	if (!addr_valid(out) || addr_domain(out) == NULL || *addr_domain(out) == '\0')
		fuzz_fail(NULL, "addr_normalize gave an invalid '%s'", out);
	if (addr_normalize(&ctx, out, &again) != BPT_OK || strcmp(out, again) != 0)
		fuzz_fail(&ctx, "address '%s' does not normalise to itself", out);
	if (!addr_eq(out, again))
		fuzz_fail(NULL, "addr_eq('%s') is false", out);
	free(out);
	free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strdup(data, size);

	check_phone(s);
	check_addr(s);
	free(s);
	return 0;
}
