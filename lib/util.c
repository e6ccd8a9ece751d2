/* util.c - random tokens, time formats, case-insensitive search, the
 * login name. */
#include "bptconf.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "util.h"

enum bpt_status
util_random_hex(struct bpt_ctx *ctx, char *out, size_t nbytes)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char raw[64];
	size_t i, got = 0;

	if (nbytes > sizeof(raw))
		return bpt_err(ctx, BPT_EINTERNAL, "token too long");
	while (got < nbytes) {
		ssize_t n = getrandom(raw + got, nbytes - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return bpt_err(ctx, BPT_ETEMP, "getrandom: %s", strerror(errno));
		}
		got += (size_t)n;
	}
	for (i = 0; i < nbytes; i++) {
		out[2 * i] = digits[raw[i] >> 4];
		out[2 * i + 1] = digits[raw[i] & 15];
	}
	out[2 * nbytes] = '\0';
	return BPT_OK;
}

void
util_time_iso(time_t t, char buf[32])
{
	struct tm tm;
	char z[8];

	localtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(z, sizeof(z), "%z", &tm);
	/* +0100 -> +01:00 */
	if (strlen(z) == 5)
		snprintf(buf + strlen(buf), 32 - strlen(buf), "%.3s:%s", z, z + 3);
}

void
util_time_short(time_t t, char buf[32])
{
	struct tm tm;

	if (t == 0) {
		snprintf(buf, 32, "-");
		return;
	}
	localtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%d %H:%M", &tm);
}

void
util_time_hm(time_t t, char buf[8])
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, 8, "%H:%M", &tm);
}

void
util_time_rfc5322(time_t t, char buf[40])
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	char z[8];

	/* names by hand: strftime's %a and %b follow the locale */
	localtime_r(&t, &tm);
	strftime(z, sizeof(z), "%z", &tm);
	snprintf(buf, 40, "%s, %d %s %d %02d:%02d:%02d %s", days[tm.tm_wday % 7],
	    tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, z);
}

time_t
util_parse_date(const char *s)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end == NULL)
		return -1;
	if (*end == 'T' || *end == ' ') {
		end = strptime(end + 1, "%H:%M", &tm);
		if (end == NULL)
			return -1;
	}
	if (*end != '\0')
		return -1;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static int
ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

const char *
util_ci_findn(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;
	int c0;

	if (k == 0)
		return s;
	c0 = ascii_lower((unsigned char)needle[0]);
	for (i = 0; i + k <= n; i++)
		if (ascii_lower((unsigned char)s[i]) == c0 &&
		    strncasecmp(s + i + 1, needle + 1, k - 1) == 0)
			return s + i;
	return NULL;
}

const char *
util_ci_find(const char *s, const char *needle)
{
	return s != NULL ? util_ci_findn(s, strlen(s), needle) : NULL;
}

char *
util_strdup0(const char *s)
{
	return s ? strdup(s) : NULL;
}

const char *
util_login_name(void)
{
	static char name[256];
	struct passwd *pw;
	const char *s;

	if (name[0] != '\0')
		return name;
	s = getenv("LOGNAME");
	if (s == NULL || *s == '\0')
		s = getenv("USER");
	if (s == NULL || *s == '\0') {
		pw = getpwuid(getuid());
		s = pw ? pw->pw_name : NULL;
	}
	if (s == NULL || *s == '\0')
		snprintf(name, sizeof(name), "uid:%lu", (unsigned long)getuid());
	else
		snprintf(name, sizeof(name), "%s", s);
	return name;
}

long long
util_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
