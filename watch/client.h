/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_WATCH_CLIENT_H
#define NFP_WATCH_CLIENT_H

/*
 * The Kubernetes client: one reflector per kind, all on one curl multi
 * handle that the daemon's event loop drives. No threads: curl tells us
 * which descriptors and which timeout it wants (CURLMOPT_SOCKETFUNCTION,
 * CURLMOPT_TIMERFUNCTION), the reflectors add their backoff deadlines, and
 * the loop hands readiness back through watch_client_on_fd() and
 * watch_client_on_timer().
 *
 *   daemon loop ──on_fd/on_timer──▶ client ──socket_action──▶ curl
 *        ▲                            │  ◀──write callback── (events)
 *        └── watch_fd / set_timer ◀───┘──▶ cache ──on_change──▶ daemon
 */

#include <stdbool.h>
#include <stdint.h>

#include "util/diag.h"
#include "watch/cache.h"
#include "watch/kubeconfig.h"
#include "watch/reflector.h"

/*
 * What the client needs from the event loop. Both are called only from
 * inside the watch_client_* functions and must not call back into the
 * client. Return 0 or -errno (a failure is logged; the client carries on).
 */
struct watch_loop_ops {
	/* Watch fd for EPOLLIN and/or EPOLLOUT; 0: stop watching it. Called
	 * again with other events to change them. */
	int (*watch_fd)(void *loop, int fd, int events);
	/* Call watch_client_on_timer() after timeout_ms (0: as soon as
	 * possible); -1: no timer. Replaces the previous timeout. */
	int (*set_timer)(void *loop, long timeout_ms);
};

struct watch_client_opts {
	struct kube_config *cfg; /* borrowed; must outlive the client */
	const char *node_name;	 /* copied; needed for Pods and Node */
	unsigned int kinds;	 /* WATCH_KIND_BIT() mask; 0: all four */
	const struct watch_loop_ops *ops;
	void *loop; /* first argument of the ops */
	/* After a batch of events changed the cache (may be NULL). */
	void (*on_change)(void *ud);
	/* Messages, each one line naming what it is about (may be NULL).
	 * DIAG_INFO is routine (lists, re-watches), DIAG_WARN a failed
	 * request and what happens next, DIAG_ERROR a rejected object. */
	void (*on_log)(void *ud, enum diag_level level, const char *msg);
	void *ud;		   /* argument of on_change and on_log */
	const char *user_agent;	   /* copied; NULL: "kube-nfproxy" */
	struct watch_options tune; /* zero fields: defaults */
	uint64_t seed;		   /* jitter; 0: from the clock and pid */
};

struct watch_client;

/*
 * A client with its cache and reflectors, idle until watch_client_start().
 * Returns NULL with DIAG_ERRORs (no node name but Pods or Node asked for,
 * curl refusing the TLS options, ...).
 */
struct watch_client *watch_client_new(const struct watch_client_opts *o,
				      struct diag_list *d);

/* Begin listing every kind (through the loop: this arms the timer).
 * Returns 0. */
int watch_client_start(struct watch_client *c);

/* The loop saw revents (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP) on fd. */
void watch_client_on_fd(struct watch_client *c, int fd, int revents);
/* The timer set through ops->set_timer fired. */
void watch_client_on_timer(struct watch_client *c);

/* The cache (borrowed: it lives as long as the client). */
struct watch_cache *watch_client_cache(struct watch_client *c);

/* Counters of kind k's reflector (zeroed if the kind is not watched). */
void watch_client_stats(const struct watch_client *c, enum watch_kind k,
			struct watch_reflector_stats *out);

/*
 * Stops every transfer, frees the reflectors, the cache and the multi
 * handle. curl may still call ops->watch_fd(fd, 0) from here, so free the
 * client before the loop. NULL is a no-op.
 */
void watch_client_free(struct watch_client *c);

#endif
