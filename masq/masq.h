/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_MASQ_MASQ_H
#define NFP_MASQ_MASQ_H

#include <stdbool.h>
#include <stddef.h>

#include "proxy/plan.h"

/* ip-masq-agent's configuration. */
struct masq_config {
	struct nfp_cidr *non_masq_cidrs; /* NULL/0: the cluster CIDRs */
	size_t n_non_masq_cidrs;
	bool masq_link_local;
	bool masq_link_local_v6;
	unsigned int resync_interval_s;
};

/*
 * Fill plan->masq: pod sources (the cluster CIDRs) to destinations outside
 * the non-masquerade CIDRs are masqueraded. Link-local destinations are
 * never masqueraded unless asked. No cluster CIDR: masquerade is off. Pure.
 */
void masq_plan(const struct nfp_cidr *cluster_cidrs, size_t n_cluster_cidrs,
	       const struct nfp_cidr *non_masq, size_t n_non_masq,
	       bool masq_link_local, bool masq_link_local_v6,
	       struct plan_masq *out);

#endif
