/* tplwarn.c - the admins hear once of a template that does not render. */
#include "bptconf.h"

#include <stdio.h>

#include "config.h"
#include "notice.h"
#include "store.h"
#include "tplwarn.h"

/* once per version: the rate limit of the notice never runs out */
#define TPLWARN_INTERVAL (100L * 366 * 24 * 3600)

enum bpt_status
tplwarn_admins(struct bpt_ctx *ctx, const struct tpl_broken *b, int *told)
{
	char kind[128];
	enum bpt_status st;
	int ok = 0;

	if (told != NULL)
		*told = 0;
	/* the version is the file's checksum: a new mistake is news */
	snprintf(kind, sizeof(kind), "template %.48s %.16s", b->name, b->sha256);
	if ((st = store_begin(ctx, ctx->store)) != BPT_OK)
		return st;
	st = notice_allowed(ctx, "admins", kind, TPLWARN_INTERVAL, &ok);
	if (st == BPT_OK && ok) {
		struct tvar v[] = {
			{ "group", ctx->cfg->group.name },
			{ "name", b->name },
			{ "file", b->path },
			{ "error", b->error },
		};
		struct notice n = {
			.tpl = "admin-template",
			.vars = v,
			.nvars = nitems(v),
		};

		st = notice_queue(ctx, &n, NULL);
	}
	if (st == BPT_OK)
		st = store_commit(ctx, ctx->store);
	if (st != BPT_OK) {
		store_rollback(ctx->store);
		return st;
	}
	if (told != NULL)
		*told = ok;
	return BPT_OK;
}
