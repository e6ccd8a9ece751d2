/* tplcheck.c - admins' own texts checked when a tool starts. */
#include "bptconf.h"

#include <string.h>

#include "config.h"
#include "fileio.h"
#include "sha256.h"
#include "template.h"

/* s into dst[size], cut when longer */
static void
copy_str(char *dst, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Checks one override file; BPT_ENOENT when there is none. */
static enum bpt_status
check_file(struct bpt_ctx *ctx, const char *name, const char *path,
    struct tpl_broken *b)
{
	struct buf text = BUF_INIT, out = BUF_INIT;
	enum bpt_status st;
	const char *t;

	st = fio_read_file(ctx, path, 256 * 1024, &text);
	if (st != BPT_OK)
		goto out;
	t = text.buf ? text.buf : "";
	st = tpl_expand(ctx, t, NULL, 0, &out);
	if (st == BPT_OK) {
		buf_reset(&out);
		st = tpl_expand_sample(ctx, t, &out);
	}
	if (st == BPT_OK)
		st = tpl_vars_check(ctx, t);
	if (st == BPT_EDATA) {
		if (b != NULL) {
			copy_str(b->name, sizeof(b->name), name);
			copy_str(b->path, sizeof(b->path), path);
			copy_str(b->error, sizeof(b->error), ctx->errmsg);
			sha256_hex(t, text.len, b->sha256);
		}
		st = bpt_err(ctx, BPT_ECONFIG, "%s: %s (the built-in text "
		    "of '%s' is used until it is fixed)", path, ctx->errmsg, name);
	}
out:
	buf_release(&text);
	buf_release(&out);
	return st;
}

enum bpt_status
tpl_check(struct bpt_ctx *ctx, struct tpl_broken *b)
{
	const char *dir = ctx->cfg ? ctx->cfg->group.templates : NULL;
	const char *lang = ctx->cfg && ctx->cfg->group.language == CFG_EN ? "en" : "nl";
	struct buf path = BUF_INIT;
	enum bpt_status st = BPT_OK;
	const char *name;
	size_t i;
	int k;

	if (dir == NULL || *dir == '\0')
		return BPT_OK;
	for (i = 0; st == BPT_OK && (name = tpl_builtin_name(i)) != NULL; i++) {
		/* the file tpl_render() reads: NAME.LANG.txt, else NAME.txt */
		for (k = 0; k < 2; k++) {
			if ((st = tpl_override_path(ctx, dir, name, lang, k,
			    &path)) != BPT_OK)
				break;
			st = check_file(ctx, name, path.buf, b);
			if (st != BPT_ENOENT)
				break;
			st = BPT_OK;
		}
	}
	buf_release(&path);
	return st;
}
