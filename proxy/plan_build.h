/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_PROXY_PLAN_BUILD_H
#define NFP_PROXY_PLAN_BUILD_H

#include <stdbool.h>
#include <stddef.h>

#include "proxy/plan.h"
#include "util/diag.h"
#include "watch/k8s.h"

/* What the node knows about itself (flags and the masquerade config). */
struct plan_config {
	const char *hostname;		      /* --hostname-override */
	const struct nfp_cidr *cluster_cidrs; /* --cluster-cidr */
	size_t n_cluster_cidrs;
	const struct nfp_cidr *nodeport_cidrs; /* --nodeport-addresses */
	size_t n_nodeport_cidrs;
	bool masquerade_all; /* --masquerade-all */
	/* Egress masquerade; non_masq NULL: the cluster CIDRs */
	bool egress_masq;
	const struct nfp_cidr *non_masq_cidrs;
	size_t n_non_masq_cidrs;
	bool masq_link_local;
	bool masq_link_local_v6;
};

/*
 * Build the plan for one node from a set of objects. Pure: no I/O. Objects
 * that cannot be used (a slice without a service label, an FQDN slice, a
 * port conflict) are left out with a diagnostic. Returns 0; *out is then
 * owned by the caller (plan_free()).
 */
int plan_build(const struct k8s_cluster *c, const struct plan_config *cfg,
	       struct plan *out, struct diag_list *diags);

#endif
