/* unit.h - what the cmocka unit tests share. */
#ifndef BPT_UNIT_H
#define BPT_UNIT_H

#include "bptconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "config.h"
#include "fileio.h"
#include "mail.h"
#include "store.h"

/* Frees what a test put in a context: the store, the configuration,
 * the actor (the tools do this with cmd_release()). */
static inline void
unit_ctx_release(struct bpt_ctx *ctx)
{
	store_close(ctx->store);
	ctx->store = NULL;
	cfg_free(ctx->cfg);
	ctx->cfg = NULL;
	free(ctx->actor);
	ctx->actor = NULL;
}

/* A fresh temporary folder; removed with unit_rmtree(). Caller frees. */
static inline char *
unit_tmpdir(void)
{
	char tmpl[] = "/tmp/bpt-unit.XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return strdup(d);
}

static inline void
unit_rmtree(char *dir)
{
	char cmd[512];

	if (dir == NULL)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

/* The shared corpus folder (tests run with $BPT_SHARED set). */
static inline const char *
unit_shared(void)
{
	const char *s = getenv("BPT_SHARED");

	return s ? s : "../shared";
}

/* A message of the shared corpus ("bounce/dsn-1.eml") parsed with
 * roomy limits; NULL when the file is missing.  Free with mail_free(). */
static inline struct mail *
unit_corpus_mail(const char *rel)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct mail_limits lim = { 1000, 20, 5000, 1 << 20 };
	struct buf b = BUF_INIT;
	struct mail *m = NULL;
	char path[2048];
	int n;

	n = snprintf(path, sizeof(path), "%s/corpus/%s", unit_shared(), rel);
	assert_true(n > 0 && (size_t)n < sizeof(path));
	if (fio_read_file(&ctx, path, 0, &b) != BPT_OK) {
		buf_release(&b);
		return NULL;
	}
	assert_int_equal(mail_parse(&ctx, buf_str(&b), b.len, &lim, &m),
	    BPT_OK);
	buf_release(&b);
	return m;
}

#endif
