/* bpt.c - error recording and the shared context. */
#include "bptconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpt.h"

enum bpt_status
bpt_err(struct bpt_ctx *ctx, enum bpt_status st, const char *fmt, ...)
{
	char msg[sizeof(ctx->errmsg)];
	va_list ap;
	int saved = errno;

	if (ctx == NULL)
		return st;
	/* the old message may be an argument: "%s: %s", path, ctx->errmsg */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(ctx->errmsg, msg, sizeof(msg));
	ctx->err = st;
	errno = saved;
	return st;
}

enum bpt_status
bpt_err_prefix(struct bpt_ctx *ctx, const char *fmt, ...)
{
	char pre[512], old[sizeof(ctx->errmsg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, ctx->errmsg, sizeof(old));
	/* a long message is cut, not lost */
	if (snprintf(ctx->errmsg, sizeof(ctx->errmsg), "%s: %s", pre, old) >=
	    (int)sizeof(ctx->errmsg))
		ctx->errmsg[sizeof(ctx->errmsg) - 2] = '~';
	return ctx->err;
}

enum bpt_status
bpt_errno_status(int errnum)
{
	switch (errnum) {
	case ENOSPC:
#ifdef EDQUOT
	case EDQUOT:
#endif
		return BPT_ENOSPC;
	case ENOMEM:
		return BPT_ENOMEM;
	case ENOENT:
	case ENOTDIR:
		return BPT_ENOENT;
	case EACCES:
	case EPERM:
	case EROFS:
	case EEXIST:
		return BPT_ECREATE;
	case EAGAIN:
	case EINTR:
		return BPT_ETEMP;
	default:
		return BPT_EIO;
	}
}

const char *
bpt_status_str(enum bpt_status st)
{
	static const char *const names[BPT_STATUS_MAX] = {
		[BPT_OK] = "ok",
		[BPT_EUSAGE] = "usage",
		[BPT_EDATA] = "bad data",
		[BPT_EEXIST] = "exists",
		[BPT_ENOENT] = "not found",
		[BPT_ENOUSER] = "not a member",
		[BPT_EUNAVAIL] = "unavailable",
		[BPT_EINTERNAL] = "internal error",
		[BPT_ECREATE] = "cannot create",
		[BPT_EIO] = "i/o error",
		[BPT_EBUSY] = "busy",
		[BPT_ENOSPC] = "disk full",
		[BPT_ETEMP] = "temporary failure",
		[BPT_ENOMEM] = "out of memory",
		[BPT_EPERM] = "permission denied",
		[BPT_ECONFIG] = "configuration error",
		[BPT_ESCHEMA] = "store too new",
	};

	if ((int)st < 0 || st >= BPT_STATUS_MAX || names[st] == NULL)
		return "unknown";
	return names[st];
}

/*
 * BPT_NOW (test builds only): an epoch ("1795000000") or a UTC time
 * ("2026-11-28T21:04:05Z", seconds optional).  0 when unset or bad.
 */
static time_t
env_now(void)
{
#ifdef BPT_TEST_FAULTS
	const char *v = getenv("BPT_NOW");
	struct tm tm;
	char *end;
	long long t;

	if (v == NULL || *v == '\0')
		return 0;
	errno = 0;
	t = strtoll(v, &end, 10);
	if (*end == '\0' && errno == 0 && t > 0)
		return (time_t)t;
	memset(&tm, 0, sizeof(tm));
	end = strptime(v, "%Y-%m-%dT%H:%M", &tm);
	if (end != NULL && *end == ':')
		end = strptime(end, ":%S", &tm);
	if (end == NULL || strcmp(end, "Z") != 0)
		return 0;
	return timegm(&tm);
#else
	return 0;
#endif
}

time_t
bpt_now(const struct bpt_ctx *ctx)
{
	time_t t;

	if (ctx != NULL && ctx->now != 0)
		return ctx->now;
	if ((t = env_now()) != 0)
		return t;
	return time(NULL);
}

const char *
bpt_version(void)
{
	return PACKAGE_VERSION;
}

int
bpt_fault(const char *name)
{
#ifdef BPT_TEST_FAULTS
	const char *v = getenv("BPT_TEST_FAULT");
	size_t n = strlen(name);

	while (v != NULL && *v != '\0') {
		const char *end = strchr(v, ',');
		size_t len = end ? (size_t)(end - v) : strlen(v);

		if (len == n && strncmp(v, name, n) == 0)
			return 1;
		v = end ? end + 1 : NULL;
	}
#else
	(void)name;
#endif
	return 0;
}
