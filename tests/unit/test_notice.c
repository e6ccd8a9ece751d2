/* test_notice.c - where notices go: never a stranger who used a member's From. */
#include "unit.h"

#include "notice.h"

#define LIST "bpt@bars.example"
#define PIET "piet@bewoners.example"

/* A stranger learns nothing by forging From: the answer never goes to
 * their envelope sender, member or not. */
static void
test_answer_forged_from(void **state)
{
	(void)state;
	/* From a member: the member's registered address, only */
	assert_string_equal(notice_answer_to(LIST, "outsider@elders.example",
	    "Piet@Bewoners.example", PIET), PIET);
	/* From a non-member: nobody, the same as for a member as far as
	 * the envelope sender can tell */
	assert_null(notice_answer_to(LIST, "outsider@elders.example",
	    "vreemd@elders.example", NULL));
	/* no From to go by: the envelope sender, member or not (what
	 * could be read names nobody) */
	assert_string_equal(notice_answer_to(LIST, "outsider@elders.example",
	    NULL, NULL), "outsider@elders.example");
}

static void
test_answer_ordinary(void **state)
{
	(void)state;
	/* a member from their own address */
	assert_string_equal(notice_answer_to(LIST, PIET, PIET, PIET), PIET);
	/* a member through a forwarder (SRS): their registered address */
	assert_string_equal(notice_answer_to(LIST,
	    "SRS0=x1=ab=bewoners.example=piet@fwd.example", PIET, PIET), PIET);
	/* a non-member from their own address, case aside */
	assert_string_equal(notice_answer_to(LIST, "Vreemd@Elders.Example",
	    "vreemd@elders.example", NULL), "Vreemd@Elders.Example");
	/* no envelope sender known (a Maildir without Return-Path): From */
	assert_string_equal(notice_answer_to(LIST, NULL, "vreemd@elders.example",
	    NULL), "vreemd@elders.example");
	assert_string_equal(notice_answer_to(LIST, NULL, PIET, PIET), PIET);
}

static void
test_answer_never(void **state)
{
	(void)state;
	/* RFC 3834: never the null sender, never a robot */
	assert_null(notice_answer_to(LIST, "", PIET, PIET));
	assert_null(notice_answer_to(LIST, "", "vreemd@elders.example", NULL));
	assert_null(notice_answer_to(LIST, "MAILER-DAEMON@relay.example",
	    "mailer-daemon@relay.example", NULL));
	assert_null(notice_answer_to(LIST, "postmaster@relay.example", PIET, PIET));
	/* never the list itself */
	assert_null(notice_answer_to(LIST, "bpt-bounces@bars.example",
	    "bpt-bounces@bars.example", NULL));
	assert_null(notice_answer_to(LIST, "bpt+3@bars.example",
	    "bpt+3@bars.example", NULL));
	assert_null(notice_answer_to(LIST, NULL, "bpt@bars.example",
	    "bpt@bars.example"));
	assert_null(notice_answer_to(LIST, "not an address", "not an address",
	    NULL));
	assert_null(notice_answer_to(LIST, NULL, NULL, NULL));
	assert_null(notice_answer_to(LIST, "", NULL, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_forged_from),
		cmocka_unit_test(test_answer_ordinary),
		cmocka_unit_test(test_answer_never),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
