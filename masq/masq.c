// SPDX-License-Identifier: GPL-2.0
/*
 * Egress masquerade plan, with ip-masq-agent's semantics: traffic from the
 * pod range to anything outside the non-masquerade CIDRs leaves with the
 * node's address; link-local destinations are left alone unless asked.
 */
#include "masq/masq.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define LINK_LOCAL_V4 "169.254.0.0/16"
#define LINK_LOCAL_V6 "fe80::/10"

static void push_cidr(struct plan_masq *m, size_t *cap, const char *text)
{
	struct nfp_cidr c;

	if (nfp_cidr_parse(text, &c) == 0)
		*XPUSH(m->non_masq_cidrs, m->n_non_masq_cidrs, *cap) = c;
}

void masq_plan(const struct nfp_cidr *cluster_cidrs, size_t n_cluster_cidrs,
	       const struct nfp_cidr *non_masq, size_t n_non_masq,
	       bool masq_link_local, bool masq_link_local_v6,
	       struct plan_masq *out)
{
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	if (!n_cluster_cidrs)
		return;
	out->enabled = true;
	out->masq_link_local = masq_link_local;
	out->masq_link_local_v6 = masq_link_local_v6;
	out->pod_cidrs = xcalloc(n_cluster_cidrs, sizeof(*out->pod_cidrs));
	memcpy(out->pod_cidrs, cluster_cidrs,
	       n_cluster_cidrs * sizeof(*out->pod_cidrs));
	out->n_pod_cidrs = n_cluster_cidrs;
	if (!non_masq) {
		non_masq = cluster_cidrs;
		n_non_masq = n_cluster_cidrs;
	}
	for (size_t i = 0; i < n_non_masq; i++)
		*XPUSH(out->non_masq_cidrs, out->n_non_masq_cidrs, cap) =
			non_masq[i];
	if (!masq_link_local)
		push_cidr(out, &cap, LINK_LOCAL_V4);
	if (!masq_link_local_v6)
		push_cidr(out, &cap, LINK_LOCAL_V6);
	qsort(out->pod_cidrs, out->n_pod_cidrs, sizeof(*out->pod_cidrs),
	      nfp_cidr_qcmp);
	qsort(out->non_masq_cidrs, out->n_non_masq_cidrs,
	      sizeof(*out->non_masq_cidrs), nfp_cidr_qcmp);
}
