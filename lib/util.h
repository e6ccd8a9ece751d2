/* util.h - small helpers with no better home: random tokens, times,
 * case-insensitive search. */
#ifndef BPT_UTIL_H
#define BPT_UTIL_H

#include <stddef.h>
#include <time.h>

#include "bpt.h"

/* 2*nbytes lower-case hex characters from the kernel's random source
 * into out (which holds 2*nbytes + 1). */
enum bpt_status util_random_hex(struct bpt_ctx *ctx, char *out, size_t nbytes);

/*
 * Times people read.  The store keeps UTC (epoch seconds); these show
 * them in zone, an IANA name such as "Europe/Amsterdam" (the group's
 * group.timezone), daylight saving time included, whatever TZ the
 * process runs with.  zone NULL or "" is UTC.  A zone the system does
 * not know reads as UTC (the configuration refuses one, see
 * util_zone_known()).  Not thread-safe: see util.c.
 */
/* "2026-11-28T21:04:05+01:00" (RFC 3339, with the zone's offset) into buf[32]. */
void util_time_iso(const char *zone, time_t t, char buf[32]);
/* "2026-11-28 21:04" into buf[32]; "-" for 0. */
void util_time_short(const char *zone, time_t t, char buf[32]);
/* "21:04" into buf[8]. */
void util_time_hm(const char *zone, time_t t, char buf[8]);
/* RFC 5322 date, "Sat, 28 Nov 2026 21:04:05 +0100", into buf[40]. */
void util_time_rfc5322(const char *zone, time_t t, char buf[40]);
/* "2026-12-31" or "2026-12-31T18:00", a time in zone -> time_t; -1 if bad. */
time_t util_parse_date(const char *zone, const char *s);
/* 1 when zone names a time zone file of the system ($TZDIR, else
 * /usr/share/zoneinfo, as the C library reads them), else 0. */
int util_zone_known(const char *zone);

/* Milliseconds of the monotonic clock: for deadlines, not dates. */
long long util_now_ms(void);

/* The first needle in s[0..n), ASCII letters compared without case;
 * NULL when there is none, s for an empty needle.  The classifiers run
 * whole texts past word lists, so the first byte is compared before
 * the rest. */
const char *util_ci_findn(const char *s, size_t n, const char *needle);
/* The same in the string s; NULL for a NULL s. */
const char *util_ci_find(const char *s, const char *needle);

/* strdup that accepts NULL (returns NULL). */
char *util_strdup0(const char *s);

/* "12.5 MB", "40 KB": a size as people read it. */
void util_human_size(char *buf, size_t n, double bytes);

/* The login name of the caller (getlogin, $USER, uid). Static. */
const char *util_login_name(void);

#endif
