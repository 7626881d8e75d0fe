/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_RULES_CONNTRACK_H
#define NFP_RULES_CONNTRACK_H

/*
 * Stale conntrack entries. A UDP (or SCTP) client that keeps sending to a
 * service keeps its conntrack entry alive, and with it the DNAT to the
 * endpoint chosen the first time, even after that endpoint is gone. After a
 * sync, every DNATed UDP/SCTP entry whose frontend belongs to the new (or
 * previous) plan and whose endpoint is not one the new plan uses for that
 * frontend is deleted through ctnetlink, so the next datagram is balanced
 * afresh. This is kube-proxy's conntrack reconciler, without the conntrack
 * tool.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proxy/plan.h"

/* The frontends of a plan and the endpoints each may DNAT to. Built once
 * per sync; borrowed pointers into the plan, which must outlive it. */
struct ct_frontend {
	int family;
	uint8_t ipproto;
	struct nfp_addr addr; /* family 0: any address (node ports) */
	uint16_t port;
	/* where it forwards: internal, external, short-circuit lists; and
	 * the serving endpoints, whose flows are kept */
	const struct plan_endpoint *eps[4];
	size_t n_eps[4];
	const struct plan_hostport *hostport; /* or a hostPort's pod */
};

struct ct_index {
	struct ct_frontend *items; /* sorted, for bsearch */
	size_t n, cap;
};

/* One conntrack entry, as much of it as the decision needs. */
struct ct_flow {
	int family;
	uint8_t ipproto;
	struct nfp_addr orig_dst;
	uint16_t orig_dport;
	struct nfp_addr reply_src; /* where it was DNATed to */
	uint16_t reply_sport;
	bool dst_nat;	 /* IPS_DST_NAT */
	bool seen_reply; /* IPS_SEEN_REPLY */
};

/* Index the frontends of p (TCP ones serve only the unanswered-SYN case
 * of ct_flow_is_stale()). */
void ct_index_build(const struct plan *p, struct ct_index *idx);
void ct_index_free(struct ct_index *idx);
/* Same frontends forwarding to the same endpoints: a sync between two
 * such plans leaves no flow stale. */
bool ct_index_equal(const struct ct_index *a, const struct ct_index *b);

/*
 * True when flow must go: it was DNATed from a frontend known to cur or
 * prev and cur does not send that frontend to the flow's endpoint, or it
 * was never DNATed (sent while the frontend had no endpoints) to an exact
 * frontend address and cur now has endpoints for it. For TCP only the
 * last case counts, and only while the attempt was never answered. Pure.
 */
bool ct_flow_is_stale(const struct ct_index *cur, const struct ct_index *prev,
		      const struct ct_flow *flow);

struct ct_stats {
	unsigned int seen; /* UDP/SCTP entries read */
	unsigned int deleted;
	unsigned int failed; /* deletions the kernel refused (gone already) */
};

/*
 * Walk the conntrack table of the current network namespace (both
 * families) and delete the stale entries; no walk at all when cur and prev
 * (the indexes of the new and the previous plan) are equal. prev may be
 * NULL (nothing known of the previous plan). Returns 0 or -errno
 * (ctnetlink unavailable); st counts what was done.
 */
int ct_cleanup(const struct ct_index *cur, const struct ct_index *prev,
	       struct ct_stats *st);

#endif
