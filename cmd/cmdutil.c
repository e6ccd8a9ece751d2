/* cmdutil.c - shared parts of the tools' mains. */
#include "bptconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "cmdutil.h"
#include "config.h"
#include "log.h"
#include "store.h"
#include "template.h"
#include "tplwarn.h"
#include "util.h"
#include "words.h"

int
cmd_exit_code(enum bpt_status st)
{
	static const int codes[BPT_STATUS_MAX] = {
		[BPT_OK] = EX_OK,
		[BPT_EUSAGE] = EX_USAGE,
		[BPT_EDATA] = EX_DATAERR,
		[BPT_EEXIST] = EX_DATAERR,
		[BPT_ENOENT] = EX_NOINPUT,
		[BPT_ENOUSER] = EX_NOUSER,
		[BPT_EUNAVAIL] = EX_UNAVAILABLE,
		[BPT_EINTERNAL] = EX_SOFTWARE,
		[BPT_ECREATE] = EX_CANTCREAT,
		[BPT_EIO] = EX_IOERR,
		[BPT_EBUSY] = EX_TEMPFAIL,
		[BPT_ENOSPC] = EX_TEMPFAIL,
		[BPT_ETEMP] = EX_TEMPFAIL,
		[BPT_ENOMEM] = EX_TEMPFAIL,
		[BPT_EPERM] = EX_NOPERM,
		[BPT_ECONFIG] = EX_CONFIG,
		[BPT_ESCHEMA] = EX_CONFIG,
	};

	if ((int)st < 0 || st >= BPT_STATUS_MAX)
		return EX_SOFTWARE;
	return codes[st];
}

int
cmd_fail(struct bpt_ctx *ctx)
{
	fprintf(stderr, "%s: %s\n", log_progname(),
	    ctx->errmsg[0] ? ctx->errmsg : bpt_status_str(ctx->err));
	return cmd_exit_code(ctx->err);
}

/* policy.words, when set and used, must load: BPT_ECONFIG otherwise. */
static enum bpt_status
words_check(struct bpt_ctx *ctx)
{
	const char *path = ctx->cfg->policy.words;
	struct words *w = NULL;
	enum bpt_status st;

	if (path == NULL || *path == '\0' ||
	    ctx->cfg->policy.language == CFG_ALLOW)
		return BPT_OK;
	st = words_load(ctx, path, &w);
	words_free(w);
	if (st == BPT_ENOMEM || st == BPT_OK)
		return st;
	return bpt_err(ctx, BPT_ECONFIG, "policy.words: %s (incoming mail is "
	    "checked against the built-in list alone until it is fixed)",
	    ctx->errmsg);
}

static enum bpt_status
setup(struct bpt_ctx *ctx, const char *config_path, const char *as,
    int open_store, int strict)
{
	const char *path;
	struct stat sb;
	enum bpt_status st;
	struct tpl_broken broken;
	int told;

	ctx->actor = strdup(as && *as ? as : util_login_name());
	if (ctx->actor == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	path = cfg_default_path(config_path);
	st = cfg_load(ctx, path, &ctx->cfg);
	if (st != BPT_OK)
		return st;
	/* it names the store and the password files: not for everyone */
	if (stat(path, &sb) == 0 && (sb.st_mode & (S_IROTH | S_IWOTH)))
		log_warnx("%s is %s by others; chmod o-rw it", path,
		    sb.st_mode & S_IWOTH ? "writable" : "readable");
	/* an admin's typo in a template: the admin hears of it, an alert not */
	memset(&broken, 0, sizeof(broken));
	st = tpl_check(ctx, &broken);
	if (st == BPT_ECONFIG && !strict)
		log_warnx("%s", ctx->errmsg);
	else if (st != BPT_OK)
		return st;
	/* the same for the admins' list of words: the mail path warns */
	if (strict && (st = words_check(ctx)) != BPT_OK)
		return st;
	if (!open_store)
		return BPT_OK;
	st = store_open(ctx, ctx->cfg->store, ctx->cfg->busy_timeout * 1000,
	    &ctx->store);
	if (st != BPT_OK || strict || broken.name[0] == '\0')
		return st;
	if (tplwarn_admins(ctx, &broken, &told) != BPT_OK)
		log_warnx("the admins are not told of %s yet: %s", broken.path,
		    ctx->errmsg);
	else if (told)
		log_info("the admins are told of %s", broken.path);
	return BPT_OK;
}

enum bpt_status
cmd_setup(struct bpt_ctx *ctx, const char *config_path, const char *as,
    int open_store)
{
	return setup(ctx, config_path, as, open_store, 1);
}

enum bpt_status
cmd_setup_mail(struct bpt_ctx *ctx, const char *config_path, const char *as)
{
	return setup(ctx, config_path, as, 1, 0);
}

void
cmd_release(struct bpt_ctx *ctx)
{
	store_close(ctx->store);
	ctx->store = NULL;
	cfg_free(ctx->cfg);
	ctx->cfg = NULL;
	free(ctx->actor);
	ctx->actor = NULL;
}

struct printer *
cmd_printer(const struct bpt_ctx *ctx, enum pr_format fmt)
{
	struct printer *p = pr_new(stdout, fmt);

	if (p != NULL)
		pr_set_timezone(p, cfg_timezone(ctx->cfg));
	return p;
}

int
cmd_version(const char *prog)
{
	printf("%s (bpt) %s\n", prog, bpt_version());
	return EX_OK;
}
