/* util.c - random tokens, time formats, case-insensitive search, the
 * login name. */
#include "bptconf.h"

#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
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

/*
 * The C library converts in one zone at a time, the one TZ names when
 * tzset() runs, and has no call that takes a zone.  So a conversion
 * sets TZ to the group's zone, calls tzset(), converts, and puts TZ
 * back as it was, for child processes (sendmail) and for anyone who
 * calls tzset() later.  It does not call tzset() after putting TZ
 * back: glibc reads a zone file only when tzset() finds TZ different
 * from the value it loaded last, so the group's zone file is read once
 * per process and not on every call (an alert formats a few times),
 * while each conversion is still right on its own, as TZ is the group's
 * zone whenever its tzset() and localtime_r() run.  What this leaves
 * behind: a bare localtime_r() elsewhere in the process, without a
 * tzset() first, would convert in the group's zone; bpt has none.
 * The alternatives were worse: a TZif reader of our own (the rules
 * after the last transition are POSIX TZ strings) or a tzset() on every
 * call both ways (two zone file reads per time formatted).
 *
 * setenv() and tzset() are not thread-safe.  bpt formats times on its
 * main thread only; the SMTP transport's worker threads format none and
 * run while the main thread waits for them.
 */
struct zone_env {
	char *saved;	/* TZ as it was, or NULL when unset */
	int set;	/* 1 while TZ holds the zone */
};

static int
zone_enter(struct zone_env *z, const char *zone)
{
	const char *old = getenv("TZ");

	z->set = 0;
	z->saved = NULL;
	if (old != NULL && (z->saved = strdup(old)) == NULL)
		return -1;
	if (setenv("TZ", zone, 1) != 0) {
		free(z->saved);
		z->saved = NULL;
		return -1;
	}
	z->set = 1;
	tzset();
	return 0;
}

static void
zone_leave(struct zone_env *z)
{
	if (!z->set)
		return;
	if (z->saved != NULL)
		setenv("TZ", z->saved, 1);
	else
		unsetenv("TZ");
	free(z->saved);
	z->saved = NULL;
	z->set = 0;
}

/* t broken down in zone, tm_gmtoff set; UTC for no zone or a failure. */
static void
zone_tm(const char *zone, time_t t, struct tm *tm)
{
	struct zone_env z;

	if (zone != NULL && *zone != '\0' && zone_enter(&z, zone) == 0) {
		struct tm *ok = localtime_r(&t, tm);

		zone_leave(&z);
		if (ok != NULL)
			return;
	}
	if (gmtime_r(&t, tm) == NULL)
		memset(tm, 0, sizeof(*tm));
	tm->tm_gmtoff = 0;
}

/* The fields of a broken-down time, each in its printed range, so
 * that the formats below have a known width. */
struct fields {
	unsigned year, mon, mday, hour, min, sec, wday;
	char sign;
	unsigned off_h, off_m;	/* the offset from UTC */
};

static void
fields_of(const char *zone, time_t t, struct fields *f)
{
	struct tm tm;
	long off;

	zone_tm(zone, t, &tm);
	f->year = (unsigned)(tm.tm_year + 1900) % 10000u;
	f->mon = (unsigned)(tm.tm_mon % 12) + 1;
	f->mday = (unsigned)tm.tm_mday % 100u;
	f->hour = (unsigned)tm.tm_hour % 100u;
	f->min = (unsigned)tm.tm_min % 100u;
	f->sec = (unsigned)tm.tm_sec % 100u;
	f->wday = (unsigned)tm.tm_wday % 7u;
	off = tm.tm_gmtoff;
	f->sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	f->off_h = (unsigned)(off / 3600 % 100);
	f->off_m = (unsigned)(off / 60 % 60);
}

void
util_time_iso(const char *zone, time_t t, char buf[32])
{
	struct fields f;

	fields_of(zone, t, &f);
	snprintf(buf, 32, "%04u-%02u-%02uT%02u:%02u:%02u%c%02u:%02u", f.year,
	    f.mon, f.mday, f.hour, f.min, f.sec, f.sign, f.off_h, f.off_m);
}

void
util_time_short(const char *zone, time_t t, char buf[32])
{
	struct fields f;

	if (t == 0) {
		snprintf(buf, 32, "-");
		return;
	}
	fields_of(zone, t, &f);
	snprintf(buf, 32, "%04u-%02u-%02u %02u:%02u", f.year, f.mon, f.mday,
	    f.hour, f.min);
}

void
util_time_hm(const char *zone, time_t t, char buf[8])
{
	struct fields f;

	fields_of(zone, t, &f);
	snprintf(buf, 8, "%02u:%02u", f.hour, f.min);
}

void
util_time_rfc5322(const char *zone, time_t t, char buf[40])
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct fields f;

	/* names by hand: strftime's %a and %b follow the locale */
	fields_of(zone, t, &f);
	snprintf(buf, 40, "%s, %u %s %04u %02u:%02u:%02u %c%02u%02u", days[f.wday],
	    f.mday, months[f.mon - 1], f.year, f.hour, f.min, f.sec, f.sign,
	    f.off_h, f.off_m);
}

time_t
util_parse_date(const char *zone, const char *s)
{
	struct zone_env z;
	struct tm tm;
	char *end;
	time_t t;

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
	if (zone == NULL || *zone == '\0')
		return timegm(&tm);
	if (zone_enter(&z, zone) != 0)
		return -1;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	zone_leave(&z);
	return t;
}

int
util_zone_known(const char *zone)
{
	const char *dir = getenv("TZDIR"), *p;
	char path[4096], magic[4];
	struct stat sb;
	FILE *f;
	int n, ok;

	if (zone == NULL || *zone == '\0' || *zone == '/' || strlen(zone) > 255)
		return 0;
	/* a name of the tz database: no "..", no POSIX rule text */
	for (p = zone; *p; p++)
		if (!isalnum((unsigned char)*p) && strchr("/_+-", *p) == NULL)
			return 0;
	if (strstr(zone, "//") != NULL || zone[strlen(zone) - 1] == '/')
		return 0;
	if (dir == NULL || *dir == '\0')
		dir = "/usr/share/zoneinfo";
	n = snprintf(path, sizeof(path), "%s/%s", dir, zone);
	if (n < 0 || (size_t)n >= sizeof(path))
		return 0;
	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return 0;
	if ((f = fopen(path, "rb")) == NULL)
		return 0;
	ok = fread(magic, 1, sizeof(magic), f) == sizeof(magic) &&
	    memcmp(magic, "TZif", 4) == 0;
	fclose(f);
	return ok;
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

void
util_human_size(char *buf, size_t n, double bytes)
{
	if (bytes >= 1024.0 * 1024)
		snprintf(buf, n, "%.1f MB", bytes / (1024.0 * 1024));
	else
		snprintf(buf, n, "%lld KB", (long long)((bytes + 1023) / 1024));
}
