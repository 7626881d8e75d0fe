/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_PROXY_SYNC_SCHED_H
#define NFP_PROXY_SYNC_SCHED_H

/*
 * When to sync (kube-proxy's BoundedFrequencyRunner): changes are
 * coalesced, two syncs are at least min_ms apart, a full resync runs at
 * least every max_ms, and nothing runs before the caches are ready (never
 * install a ruleset from a half-read cache). A failed sync is retried with
 * a backoff from min_ms doubling up to max_ms. Pure: the caller passes the
 * time.
 */

#include <stdbool.h>

struct sync_sched {
	long long min_ms, max_ms;
	long long last_run; /* -1: never */
	bool pending;	    /* a change waits */
	bool ready;	    /* every cache listed once */
	long long retry_at; /* -1: no retry due */
	unsigned int failures;
};

void sync_sched_init(struct sync_sched *s, long long min_ms, long long max_ms);
/* Something changed: sync soon (within min_ms of the last sync). */
void sync_sched_request(struct sync_sched *s);
void sync_sched_set_ready(struct sync_sched *s);
/* Milliseconds from now until the next sync is due (0: now); -1: none
 * until something is requested or the caches are ready. */
long long sync_sched_due_in(const struct sync_sched *s, long long now);
/* True when a sync due now is the periodic resync (no change waits and
 * no retry is due): the time to repair drift. */
bool sync_sched_is_resync(const struct sync_sched *s);
/* A sync ran at now; ok says whether the kernel took it. */
void sync_sched_ran(struct sync_sched *s, long long now, bool ok);

#endif
