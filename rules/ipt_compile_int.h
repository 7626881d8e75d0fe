/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_RULES_IPT_COMPILE_INT_H
#define NFP_RULES_IPT_COMPILE_INT_H

/*
 * What the three parts of the iptables compiler share, and nobody else
 * includes: ipt_compile_base.c (the fixed chains and the jumps to them
 * from the built-in chains), ipt_compile.c (services, and ipt_compile()
 * itself) and ipt_compile_node.c (the node's own traffic: hostPorts,
 * egress masquerade, the localnet firewall). One struct ctx carries a
 * family's compilation through all three.
 */

#include <string.h>

#include "rules/ipt_compile.h"

/* Comments of the rules that do not belong to one service. */
#define COMMENT_PORTALS IPT_COMMENT_PREFIX " service portals"
#define COMMENT_EXT_PORTALS \
	IPT_COMMENT_PREFIX " externally-visible service portals"
#define COMMENT_HC_PORTS IPT_COMMENT_PREFIX " health check service ports"
#define COMMENT_FORWARD IPT_COMMENT_PREFIX " forwarding rules"
#define COMMENT_FORWARD_CT IPT_COMMENT_PREFIX " forwarding conntrack rule"
#define COMMENT_FIREWALL IPT_COMMENT_PREFIX " load balancer firewall"
#define COMMENT_POSTROUTING IPT_COMMENT_PREFIX " postrouting rules"
#define COMMENT_SNAT IPT_COMMENT_PREFIX " service traffic requiring SNAT"
#define COMMENT_NODEPORTS  \
	IPT_COMMENT_PREFIX \
	" service nodeports; NOTE: this must be the last rule in this chain"
#define COMMENT_HOSTPORTS IPT_COMMENT_PREFIX " hostports"
#define COMMENT_EGRESS IPT_COMMENT_PREFIX " egress masquerade"
#define COMMENT_EGRESS_LINK_LOCAL \
	IPT_COMMENT_PREFIX " egress: link-local traffic is not masqueraded"
#define COMMENT_EGRESS_NON_MASQ \
	IPT_COMMENT_PREFIX " egress: traffic to %s is not masqueraded"
#define COMMENT_EGRESS_MASQ \
	IPT_COMMENT_PREFIX  \
	" egress: pod traffic leaving the cluster is masqueraded"
#define COMMENT_LOCALNET IPT_COMMENT_PREFIX " localnet firewall"
#define COMMENT_LOCALNET_DROP "block incoming localnet connections"

/* Service traffic from the host itself gets the node's address: the host
 * masquerades, as kube-proxy does (--random-fully where supported). */
#define SNAT_RANDOM_FULLY true

struct ctx {
	const struct plan *p;
	int family;
	struct diag_list *d;
	struct ipt_table *nat;
	struct ipt_table *filter;
	struct ipt_chain *nat_services;
	struct ipt_chain *nat_nodeports;
	struct ipt_chain *nat_hostports;
	struct ipt_chain *nat_masq_egress;
	struct ipt_chain *f_services;
	struct ipt_chain *f_external;
	struct ipt_chain *f_nodeports;
	struct ipt_chain *f_firewall;
	/* --cluster-cidr blocks of this family: pod sources. */
	const struct nfp_cidr **pod_cidrs;
	size_t n_pod_cidrs;
};

static inline void host_cidr(struct nfp_cidr *c, const struct nfp_addr *a)
{
	c->addr = *a;
	c->prefix = (unsigned int)nfp_addr_len(a->family) * 8;
}

static inline void cidr_of(struct nfp_cidr *c, int family, const char *text)
{
	/* Only called with constant, valid text. */
	if (nfp_cidr_parse(text, c) || c->addr.family != family)
		memset(c, 0, sizeof(*c));
}

/*
 * The parts' entry points. They are called in a fixed order
 * (ipt_compile() in ipt_compile.c, ipt_compile_base()), which the order
 * of chains and rules follows; none can fail (what cannot be compiled is
 * skipped with a DIAG_WARN in c->d).
 */

/* ipt_compile_base.c: the chains that exist whatever the plan holds
 * (into c's chain pointers) and the jumps from the built-in chains. */
void ipt_compile_base(struct ctx *c);

/* ipt_compile_node.c: filter NFP-FIREWALL, the guard that
 * route_localnet needs (IPv4 only). */
void ipt_compile_localnet_firewall(struct ctx *c);
/* ipt_compile_node.c: nat NFP-HOSTPORTS and one NFP-HP- chain per pod. */
void ipt_compile_hostports(struct ctx *c);
/* ipt_compile_node.c: nat NFP-MASQ-EGRESS (ip-masq-agent). */
void ipt_compile_masq_egress(struct ctx *c);

#endif
