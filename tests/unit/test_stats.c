/* test_stats.c - the percentiles of bpt-report stats. */
#include "unit.h"

#include "stats.h"

static void
test_percentile_nearest_rank(void **state)
{
	long long one[] = { 5 };
	long long two[] = { 600, 240 };
	long long three[] = { 600, 30, 240 };
	long long ten[] = { 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };
	long long eleven[] = { 11, 1, 10, 2, 9, 3, 8, 4, 7, 5, 6 };

	(void)state;
	assert_int_equal(stats_percentile(NULL, 0, 50), -1);
	assert_int_equal(stats_percentile(one, 1, 50), 5);
	assert_int_equal(stats_percentile(one, 1, 90), 5);
	/* an even count: the lower of the two middle values */
	assert_int_equal(stats_percentile(two, 2, 50), 240);
	assert_int_equal(stats_percentile(two, 2, 90), 600);
	assert_int_equal(stats_percentile(three, 3, 50), 240);
	assert_int_equal(stats_percentile(three, 3, 90), 600);
	assert_int_equal(stats_percentile(ten, 10, 50), 5);
	assert_int_equal(stats_percentile(ten, 10, 90), 9);
	assert_int_equal(stats_percentile(ten, 10, 100), 10);
	assert_int_equal(stats_percentile(eleven, 11, 50), 6);
	assert_int_equal(stats_percentile(eleven, 11, 90), 10);
	/* sorted in place */
	assert_int_equal(eleven[0], 1);
	assert_int_equal(eleven[10], 11);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentile_nearest_rank),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
