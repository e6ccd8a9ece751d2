/*
 * fuzz_imgmeta.c - imgmeta_strip() on any bytes.
 *
 * Checked besides crashes: an accepted image comes out no longer than
 * it went in, of the same type, with nothing left to remove (stripping
 * it again gives the same bytes and removes nothing); a refusal is
 * BPT_EDATA with a message and leaves the output as it was.
 */
#include "bptconf.h"

#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "imgmeta.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf out = BUF_INIT, again = BUF_INIT;
	enum bpt_status st;
	size_t removed = 0;

	buf_adds(&out, "pre");
	st = imgmeta_strip(&ctx, data, size, &out, &removed);
	if (st == BPT_EDATA) {
		if (ctx.errmsg[0] == '\0')
			fuzz_fail(NULL, "refused without a message");
		if (out.len != 3)
			fuzz_fail(NULL, "a refusal changed the output");
		buf_release(&out);
		return 0;
	}
	if (st != BPT_OK)
		fuzz_fail(&ctx, "status %s", bpt_status_str(st));
	if (out.len - 3 > size)
		fuzz_fail(NULL, "%zu bytes out of %zu in", out.len - 3, size);
	if (imgmeta_sniff((unsigned char *)out.buf + 3, out.len - 3) !=
	    imgmeta_sniff(data, size))
		fuzz_fail(NULL, "the type changed");
	if (imgmeta_strip(&ctx, (unsigned char *)out.buf + 3, out.len - 3, &again,
	    &removed) != BPT_OK)
		fuzz_fail(&ctx, "a stripped image is refused");
	if (removed != 0 || again.len != out.len - 3 ||
	    memcmp(again.buf, out.buf + 3, again.len) != 0)
		fuzz_fail(NULL, "stripping twice is not stripping once");
	buf_release(&out);
	buf_release(&again);
	return 0;
}
