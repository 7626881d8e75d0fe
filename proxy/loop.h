/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_PROXY_LOOP_H
#define NFP_PROXY_LOOP_H

/*
 * The daemon's one event loop (redis ae.c in spirit): epoll for every
 * descriptor, one timerfd for every timer, signalfd for signals. Timer
 * callbacks return their next interval in milliseconds, or LOOP_TIMER_STOP.
 * A before-sleep hook runs pending work once per iteration.
 */

#include <stdbool.h>
#include <stdint.h>

#define LOOP_TIMER_STOP (-1)

struct loop;

typedef void (*loop_fd_cb)(struct loop *l, int fd, uint32_t events, void *ud);
typedef long (*loop_timer_cb)(struct loop *l, long long id, void *ud);
typedef void (*loop_hook_cb)(struct loop *l, void *ud);

/* Returns NULL with errno set. */
struct loop *loop_new(void);
/* Closes the loop's own descriptors; callers close theirs. NULL is a no-op. */
void loop_free(struct loop *l);

/* Watch fd for events (EPOLLIN, EPOLLOUT); again with other events to
 * change them. Returns 0 or -errno. */
int loop_watch_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb,
		  void *ud);
/* Stop watching fd; unknown fds are ignored. */
void loop_unwatch_fd(struct loop *l, int fd);

/* Run cb after ms milliseconds. Returns a timer id (> 0) or -errno. */
long long loop_add_timer(struct loop *l, long ms, loop_timer_cb cb, void *ud);
/* Cancel a timer; unknown ids are ignored. */
void loop_del_timer(struct loop *l, long long id);

void loop_set_before_sleep(struct loop *l, loop_hook_cb cb, void *ud);

/* Monotonic milliseconds. */
long long loop_now_ms(void);

/* Dispatch until loop_stop(). Returns 0 or -errno (epoll failed). */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif
