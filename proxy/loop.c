// SPDX-License-Identifier: GPL-2.0
#include "proxy/loop.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 64

struct fd_watch {
	int fd;
	loop_fd_cb cb;
	void *ud;
};

struct timer {
	long long id;
	long long due_ms;
	loop_timer_cb cb;
	void *ud;
};

struct loop {
	int epfd;
	int tfd;
	bool stop;
	struct fd_watch *fds;
	size_t n_fds, cap_fds;
	struct timer *timers;
	size_t n_timers, cap_timers;
	long long next_id;
	loop_hook_cb before_sleep;
	void *before_sleep_ud;
};

long long loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct loop *loop_new(void)
{
	struct loop *l = xcalloc(1, sizeof(*l));
	struct epoll_event ev = {.events = EPOLLIN};

	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		goto out_free;
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->tfd < 0)
		goto out_close_ep;
	ev.data.fd = l->tfd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->tfd, &ev) < 0)
		goto out_close_t;
	return l;
out_close_t:
	close(l->tfd);
out_close_ep:
	close(l->epfd);
out_free:
	free(l);
	return NULL;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	close(l->tfd);
	close(l->epfd);
	free(l->fds);
	free(l->timers);
	free(l);
}

static struct fd_watch *find_fd(struct loop *l, int fd)
{
	for (size_t i = 0; i < l->n_fds; i++)
		if (l->fds[i].fd == fd)
			return &l->fds[i];
	return NULL;
}

int loop_watch_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb,
		  void *ud)
{
	struct epoll_event ev = {.events = events, .data.fd = fd};
	struct fd_watch *w = find_fd(l, fd);

	if (epoll_ctl(l->epfd, w ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	if (!w)
		w = XPUSH(l->fds, l->n_fds, l->cap_fds);
	w->fd = fd;
	w->cb = cb;
	w->ud = ud;
	return 0;
}

void loop_unwatch_fd(struct loop *l, int fd)
{
	struct fd_watch *w = find_fd(l, fd);

	if (!w)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	*w = l->fds[--l->n_fds];
}

static void arm(struct loop *l)
{
	struct itimerspec its = {0};
	long long due = -1;

	for (size_t i = 0; i < l->n_timers; i++)
		if (due < 0 || l->timers[i].due_ms < due)
			due = l->timers[i].due_ms;
	if (due >= 0) {
		/* absolute CLOCK_MONOTONIC time; 0 would disarm, so at least
		 * 1ns */
		its.it_value.tv_sec = due / 1000;
		its.it_value.tv_nsec = (due % 1000) * 1000000 + 1;
	}
	timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

long long loop_add_timer(struct loop *l, long ms, loop_timer_cb cb, void *ud)
{
	struct timer *t = XPUSH(l->timers, l->n_timers, l->cap_timers);

	t->id = ++l->next_id;
	t->due_ms = loop_now_ms() + (ms > 0 ? ms : 0);
	t->cb = cb;
	t->ud = ud;
	arm(l);
	return t->id;
}

void loop_del_timer(struct loop *l, long long id)
{
	for (size_t i = 0; i < l->n_timers; i++) {
		if (l->timers[i].id == id) {
			l->timers[i] = l->timers[--l->n_timers];
			arm(l);
			return;
		}
	}
}

void loop_set_before_sleep(struct loop *l, loop_hook_cb cb, void *ud)
{
	l->before_sleep = cb;
	l->before_sleep_ud = ud;
}

static struct timer *find_timer(struct loop *l, long long id)
{
	for (size_t i = 0; i < l->n_timers; i++)
		if (l->timers[i].id == id)
			return &l->timers[i];
	return NULL;
}

/* Run every timer that is due now, once; a callback may add or delete
 * timers (its own included), so each is looked up again by id. */
static void run_timers(struct loop *l)
{
	long long now = loop_now_ms(), *due = NULL;
	size_t n_due = 0, cap = 0;
	uint64_t expirations;

	if (read(l->tfd, &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN)
		return;
	for (size_t i = 0; i < l->n_timers; i++)
		if (l->timers[i].due_ms <= now)
			*XPUSH(due, n_due, cap) = l->timers[i].id;
	for (size_t i = 0; i < n_due; i++) {
		struct timer *t = find_timer(l, due[i]);
		long next;

		if (!t)
			continue;
		next = t->cb(l, t->id, t->ud);
		t = find_timer(l, due[i]);
		if (!t)
			continue;
		if (next == LOOP_TIMER_STOP)
			*t = l->timers[--l->n_timers];
		else
			t->due_ms = loop_now_ms() + (next > 0 ? next : 0);
	}
	free(due);
	arm(l);
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[MAX_EVENTS];

	l->stop = false;
	while (!l->stop) {
		int n;

		if (l->before_sleep)
			l->before_sleep(l, l->before_sleep_ud);
		if (l->stop)
			break;
		n = epoll_wait(l->epfd, evs, MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !l->stop; i++) {
			struct fd_watch *w;

			if (evs[i].data.fd == l->tfd) {
				run_timers(l);
				continue;
			}
			w = find_fd(l, evs[i].data.fd);
			if (w)
				w->cb(l, w->fd, evs[i].events, w->ud);
		}
	}
	return 0;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}
