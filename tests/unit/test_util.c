/* test_util.c - times in the group's zone, whatever TZ the process has. */
#include "unit.h"

#include <string.h>
#include <time.h>

#include "util.h"

#define AMS "Europe/Amsterdam"

/* 2026-03-29 01:00 UTC: the Netherlands go from +01:00 to +02:00;
 * 2026-10-25 01:00 UTC: back. */
#define SPRING 1774746000
#define AUTUMN 1792890000

static void
test_dst_changes(void **state)
{
	char b[40];

	(void)state;
	util_time_iso(AMS, SPRING - 60, b);
	assert_string_equal(b, "2026-03-29T01:59:00+01:00");
	util_time_iso(AMS, SPRING + 60, b);
	assert_string_equal(b, "2026-03-29T03:01:00+02:00");
	util_time_iso(AMS, AUTUMN - 60, b);
	assert_string_equal(b, "2026-10-25T02:59:00+02:00");
	util_time_iso(AMS, AUTUMN + 60, b);
	assert_string_equal(b, "2026-10-25T02:01:00+01:00");

	util_time_short(AMS, SPRING + 60, b);
	assert_string_equal(b, "2026-03-29 03:01");
	util_time_short(AMS, 0, b);
	assert_string_equal(b, "-");
	util_time_hm(AMS, SPRING - 60, b);
	assert_string_equal(b, "01:59");
	util_time_hm(AMS, AUTUMN + 60, b);
	assert_string_equal(b, "02:01");

	util_time_rfc5322(AMS, SPRING - 60, b);
	assert_string_equal(b, "Sun, 29 Mar 2026 01:59:00 +0100");
	util_time_rfc5322(AMS, SPRING + 60, b);
	assert_string_equal(b, "Sun, 29 Mar 2026 03:01:00 +0200");
	util_time_rfc5322(AMS, AUTUMN + 60, b);
	assert_string_equal(b, "Sun, 25 Oct 2026 02:01:00 +0100");
}

static void
test_other_zones_and_utc(void **state)
{
	char b[40];

	(void)state;
	/* no zone is UTC, with the offset written out */
	util_time_iso(NULL, SPRING, b);
	assert_string_equal(b, "2026-03-29T01:00:00+00:00");
	util_time_rfc5322("", SPRING, b);
	assert_string_equal(b, "Sun, 29 Mar 2026 01:00:00 +0000");
	/* offsets with minutes, west of Greenwich */
	util_time_iso("America/St_Johns", SPRING, b);
	assert_string_equal(b, "2026-03-28T22:30:00-02:30");
	util_time_rfc5322("Asia/Kolkata", SPRING, b);
	assert_string_equal(b, "Sun, 29 Mar 2026 06:30:00 +0530");
	/* a zone the system does not know reads as UTC */
	util_time_iso("Europe/Nowhere", SPRING, b);
	assert_string_equal(b, "2026-03-29T01:00:00+00:00");
}

/* The process's TZ neither changes the result nor is changed by it. */
static void
test_independent_of_tz(void **state)
{
	static const char *const tzs[] = { "UTC", "America/New_York", "Asia/Tokyo", NULL };
	char b[40];
	size_t i;

	(void)state;
	for (i = 0; i < nitems(tzs); i++) {
		if (tzs[i] != NULL)
			assert_int_equal(setenv("TZ", tzs[i], 1), 0);
		else
			assert_int_equal(unsetenv("TZ"), 0);
		tzset();
		util_time_iso(AMS, SPRING + 60, b);
		assert_string_equal(b, "2026-03-29T03:01:00+02:00");
		util_time_rfc5322(AMS, AUTUMN - 60, b);
		assert_string_equal(b, "Sun, 25 Oct 2026 02:59:00 +0200");
		assert_int_equal(util_parse_date(AMS, "2026-07-01T18:00"), 1782921600);
		if (tzs[i] != NULL)
			assert_string_equal(getenv("TZ"), tzs[i]);
		else
			assert_null(getenv("TZ"));
	}
	/* others who convert in the process's zone still get it */
	{
		time_t t = SPRING;
		struct tm tm;

		assert_int_equal(setenv("TZ", "Asia/Tokyo", 1), 0);
		tzset();
		util_time_hm(AMS, t, b);
		assert_string_equal(b, "03:00");
		tzset();
		assert_non_null(localtime_r(&t, &tm));
		assert_int_equal(tm.tm_hour, 10);
	}
	unsetenv("TZ");
	tzset();
}

static void
test_parse_date(void **state)
{
	(void)state;
	/* midnight and 18:00 in Amsterdam, winter and summer */
	assert_int_equal(util_parse_date(AMS, "2026-12-31"), 1798671600);
	assert_int_equal(util_parse_date(AMS, "2026-07-01T18:00"), 1782921600);
	assert_int_equal(util_parse_date(AMS, "2026-07-01 18:00"), 1782921600);
	assert_int_equal(util_parse_date(NULL, "2026-12-31"), 1798675200);
	assert_int_equal(util_parse_date(AMS, "2026-13-01"), -1);
	assert_int_equal(util_parse_date(AMS, "2026-12-31x"), -1);
	assert_int_equal(util_parse_date(AMS, "morgen"), -1);
}

static void
test_zone_known(void **state)
{
	(void)state;
	assert_true(util_zone_known("Europe/Amsterdam"));
	assert_true(util_zone_known("UTC"));
	assert_true(util_zone_known("America/Argentina/Buenos_Aires"));
	assert_true(util_zone_known("Etc/GMT-1"));
	assert_false(util_zone_known("Europe/Nowhere"));
	assert_false(util_zone_known("Europe"));	/* a folder */
	assert_false(util_zone_known(""));
	assert_false(util_zone_known(NULL));
	assert_false(util_zone_known("/etc/passwd"));
	assert_false(util_zone_known("../../../etc/passwd"));
	assert_false(util_zone_known("CET-1CEST,M3.5.0,M10.5.0/3"));
	assert_false(util_zone_known("Europe/Amsterdam/"));
	/* the folder the C library reads, when $TZDIR names one */
	assert_int_equal(setenv("TZDIR", "/nonexistent", 1), 0);
	assert_false(util_zone_known("Europe/Amsterdam"));
	unsetenv("TZDIR");
}

/* An error that wraps the one before it, its text an argument. */
static void
test_err_wraps_itself(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;

	(void)state;
	bpt_err(&ctx, BPT_EDATA, "template: a section is not closed");
	assert_int_equal(bpt_err(&ctx, BPT_ECONFIG, "%s: %s (fix it)", "a.txt",
	    ctx.errmsg), BPT_ECONFIG);
	assert_string_equal(ctx.errmsg,
	    "a.txt: template: a section is not closed (fix it)");
	assert_int_equal(ctx.err, BPT_ECONFIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dst_changes),
		cmocka_unit_test(test_other_zones_and_utc),
		cmocka_unit_test(test_independent_of_tz),
		cmocka_unit_test(test_parse_date),
		cmocka_unit_test(test_zone_known),
		cmocka_unit_test(test_err_wraps_itself),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
