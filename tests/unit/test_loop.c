// SPDX-License-Identifier: GPL-2.0
/* proxy/loop.c: timers, descriptors, the before-sleep hook. */
#include "proxy/loop.h"
#include "testutil.h"

#include <sys/epoll.h>
#include <unistd.h>

struct rec {
	char log[64];
	int fires;
	int pipefd[2];
};

static long once_a(struct loop *l, long long id, void *ud)
{
	struct rec *r = ud;

	(void)l;
	(void)id;
	strcat(r->log, "a");
	return LOOP_TIMER_STOP;
}

static long thrice_b(struct loop *l, long long id, void *ud)
{
	struct rec *r = ud;

	(void)id;
	strcat(r->log, "b");
	if (++r->fires == 3) {
		loop_stop(l);
		return LOOP_TIMER_STOP;
	}
	return 5;
}

START_TEST(test_timers_order_and_repeat)
{
	struct loop *l = loop_new();
	struct rec r = {0};

	ck_assert_ptr_nonnull(l);
	loop_add_timer(l, 20, thrice_b, &r);
	loop_add_timer(l, 1, once_a, &r);
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert_str_eq(r.log, "abbb");
	loop_free(l);
}
END_TEST

static long never(struct loop *l, long long id, void *ud)
{
	(void)l;
	(void)id;
	strcat(((struct rec *)ud)->log, "X");
	return LOOP_TIMER_STOP;
}

static void on_read(struct loop *l, int fd, uint32_t events, void *ud)
{
	struct rec *r = ud;
	char c;

	ck_assert(events & EPOLLIN);
	ck_assert_int_eq(read(fd, &c, 1), 1);
	strncat(r->log, &c, 1);
	loop_unwatch_fd(l, fd);
	loop_stop(l);
}

static long write_later(struct loop *l, long long id, void *ud)
{
	struct rec *r = ud;

	(void)l;
	(void)id;
	ck_assert_int_eq(write(r->pipefd[1], "p", 1), 1);
	return LOOP_TIMER_STOP;
}

START_TEST(test_fd_and_cancelled_timer)
{
	struct loop *l = loop_new();
	struct rec r = {0};
	long long id;

	ck_assert_int_eq(pipe(r.pipefd), 0);
	ck_assert_int_eq(loop_watch_fd(l, r.pipefd[0], EPOLLIN, on_read, &r),
			 0);
	id = loop_add_timer(l, 5, never, &r);
	loop_add_timer(l, 10, write_later, &r);
	loop_del_timer(l, id);
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert_str_eq(r.log, "p");
	close(r.pipefd[0]);
	close(r.pipefd[1]);
	loop_free(l);
}
END_TEST

static void hook(struct loop *l, void *ud)
{
	struct rec *r = ud;

	if (++r->fires == 2)
		loop_stop(l);
}

static long tick(struct loop *l, long long id, void *ud)
{
	(void)l;
	(void)id;
	(void)ud;
	return 1;
}

START_TEST(test_before_sleep_runs_each_iteration)
{
	struct loop *l = loop_new();
	struct rec r = {0};

	loop_set_before_sleep(l, hook, &r);
	loop_add_timer(l, 1, tick, &r);
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert_int_eq(r.fires, 2);
	loop_free(l);
	loop_free(NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("loop");

	tcase_add_test(tc, test_timers_order_and_repeat);
	tcase_add_test(tc, test_fd_and_cancelled_timer);
	tcase_add_test(tc, test_before_sleep_runs_each_iteration);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
