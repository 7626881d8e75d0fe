// SPDX-License-Identifier: GPL-2.0
/* proxy/sync_sched.c: coalescing, min/max period, readiness, retry. */
#include "proxy/sync_sched.h"
#include "testutil.h"

START_TEST(test_waits_for_ready)
{
	struct sync_sched s;

	sync_sched_init(&s, 1000, 30000);
	sync_sched_request(&s);
	ck_assert_int_eq(sync_sched_due_in(&s, 0), -1);
	sync_sched_set_ready(&s);
	ck_assert_int_eq(sync_sched_due_in(&s, 5), 0);
}
END_TEST

START_TEST(test_min_period_coalesces)
{
	struct sync_sched s;

	sync_sched_init(&s, 1000, 30000);
	sync_sched_set_ready(&s);
	sync_sched_ran(&s, 100, true);
	/* nothing pending: the periodic resync */
	ck_assert_int_eq(sync_sched_due_in(&s, 100), 30000);
	ck_assert(sync_sched_is_resync(&s));
	sync_sched_request(&s);
	sync_sched_request(&s);
	ck_assert(!sync_sched_is_resync(&s));
	ck_assert_int_eq(sync_sched_due_in(&s, 400), 700);
	ck_assert_int_eq(sync_sched_due_in(&s, 1100), 0);
	ck_assert_int_eq(sync_sched_due_in(&s, 5000), 0);
	sync_sched_ran(&s, 5000, true);
	ck_assert_int_eq(sync_sched_due_in(&s, 5000), 30000);
}
END_TEST

START_TEST(test_failure_backoff)
{
	struct sync_sched s;

	sync_sched_init(&s, 1000, 8000);
	sync_sched_set_ready(&s);
	sync_sched_ran(&s, 0, false);
	ck_assert_int_eq(sync_sched_due_in(&s, 0), 1000);
	sync_sched_ran(&s, 1000, false);
	ck_assert_int_eq(sync_sched_due_in(&s, 1000), 2000);
	sync_sched_ran(&s, 3000, false);
	ck_assert_int_eq(sync_sched_due_in(&s, 3000), 4000);
	sync_sched_ran(&s, 7000, false);
	ck_assert_int_eq(sync_sched_due_in(&s, 7000), 8000); /* capped */
	sync_sched_ran(&s, 15000, true);
	ck_assert_int_eq(s.failures, 0);
	ck_assert_int_eq(sync_sched_due_in(&s, 15000), 8000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sync_sched");
	TCase *tc = tcase_create("sched");

	tcase_add_test(tc, test_waits_for_ready);
	tcase_add_test(tc, test_min_period_coalesces);
	tcase_add_test(tc, test_failure_backoff);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
