/* test_classify.c - one class per message, in the order of DESIGN.md. */
#include "unit.h"

#include "classify.h"

int
main(void)
{
	const struct CMUnitTest tests[] = {
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
