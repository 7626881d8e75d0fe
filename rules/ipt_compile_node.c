// SPDX-License-Identifier: GPL-2.0
/*
 * plan -> iptables ruleset: the node's own traffic. The localnet firewall
 * that route_localnet needs (kube-proxy's KUBE-FIREWALL), hostPorts in
 * CNI portmap's layout, and ip-masq-agent's egress masquerade.
 */
#include "rules/ipt_compile_int.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * CVE-2020-8558: route_localnet (which hostPorts on 127.0.0.1 need) would
 * also let a neighbour reach the node's localhost-only services. The rule
 * of kube-proxy's (and kubelet's) KUBE-FIREWALL, IPv4 only: the kernel
 * never accepts ::1 from outside.
 */
void ipt_compile_localnet_firewall(struct ctx *c)
{
	struct ipt_chain *ch =
		ipt_table_add_chain(c->filter, IPT_CHAIN_FIREWALL);
	struct ipt_rule *r = ipt_chain_add_rule(ch);

	ipt_rule_comment(r, COMMENT_LOCALNET_DROP);
	cidr_of(&r->dst, AF_INET, "127.0.0.0/8");
	cidr_of(&r->src, AF_INET, "127.0.0.0/8");
	r->src_inv = true;
	ipt_rule_ctstate(r,
			 IPT_CTSTATE_RELATED | IPT_CTSTATE_ESTABLISHED |
				 IPT_CTSTATE_DNAT,
			 true);
	ipt_rule_verdict(r, IPT_TARGET_DROP);
}

static bool hostport_ok(struct ctx *c, const struct plan_hostport *h)
{
	if (h->family != c->family)
		return false;
	if (h->pod_ip.family != c->family ||
	    (h->host_ip.family && h->host_ip.family != c->family)) {
		diag_addf(c->d, DIAG_WARN,
			  "pod %s: hostPort %u mixes address families; skipped",
			  h->pod, h->host_port);
		return false;
	}
	return true;
}

static int hostport_ptr_cmp(const void *a, const void *b)
{
	const struct plan_hostport *const *x = a, *const *y = b;
	int r = strcmp((*x)->pod, (*y)->pod);

	if (r)
		return r;
	return (*x > *y) - (*x < *y); /* plan order within a pod */
}

/* Hairpin sources of a hostPort, as portmap's: the node's podCIDR that
 * holds the pod (every pod of the node shares the pod's bridge), else the
 * pod alone. */
static void hairpin_source(const struct ctx *c, const struct plan_hostport *h,
			   struct nfp_cidr *out)
{
	const struct plan_node *n = &c->p->node;

	for (size_t i = 0; i < n->n_pod_cidrs; i++)
		if (nfp_cidr_contains(&n->pod_cidrs[i], &h->pod_ip)) {
			*out = n->pod_cidrs[i];
			return;
		}
	host_cidr(out, &h->pod_ip);
}

/* The rules of one hostPort in its pod's chain (portmap's CNI-DN-xxx). */
static void hostport_rules(struct ctx *c, struct ipt_chain *ch,
			   const struct plan_hostport *h)
{
	struct ipt_rule *r;

	/* Hairpin: the node's pods (the pod itself too) reaching the host
	 * port are masqueraded, so that the reply comes back through us. */
	r = ipt_chain_add_rule(ch);
	ipt_rule_comment(r, "%s hostport %u", h->pod, h->host_port);
	hairpin_source(c, h, &r->src);
	if (h->host_ip.family)
		host_cidr(&r->dst, &h->host_ip);
	ipt_rule_dport(r, h->proto, h->host_port);
	ipt_rule_jump(r, IPT_CHAIN_MARK_MASQ);
	/* localhost:hostPort from the node (IPv4 only: the kernel cannot
	 * route a DNATed ::1; route_localnet must be on). */
	if (c->family == AF_INET) {
		r = ipt_chain_add_rule(ch);
		ipt_rule_comment(r, "%s hostport %u", h->pod, h->host_port);
		cidr_of(&r->src, AF_INET, "127.0.0.0/8");
		if (h->host_ip.family)
			host_cidr(&r->dst, &h->host_ip);
		ipt_rule_dport(r, h->proto, h->host_port);
		ipt_rule_jump(r, IPT_CHAIN_MARK_MASQ);
	}
	r = ipt_chain_add_rule(ch);
	ipt_rule_comment(r, "%s hostport %u", h->pod, h->host_port);
	if (h->host_ip.family)
		host_cidr(&r->dst, &h->host_ip);
	ipt_rule_dport(r, h->proto, h->host_port);
	ipt_rule_dnat(r, &h->pod_ip, h->container_port);
}

void ipt_compile_hostports(struct ctx *c)
{
	const struct plan *p = c->p;
	const struct plan_hostport **hp;
	char name[IPT_CHAIN_LEN];
	struct ipt_chain *ch = NULL;
	size_t n = 0;

	hp = xcalloc(p->n_hostports + 1, sizeof(*hp));
	for (size_t i = 0; i < p->n_hostports; i++) {
		const struct plan_hostport *h = &p->hostports[i];
		struct ipt_rule *r;

		if (!hostport_ok(c, h))
			continue;
		hp[n++] = h;
		ipt_name_hostport(name, h->pod);
		r = ipt_chain_add_rule(c->nat_hostports);
		ipt_rule_comment(r, "%s hostport %u", h->pod, h->host_port);
		if (h->host_ip.family)
			host_cidr(&r->dst, &h->host_ip);
		ipt_rule_dport(r, h->proto, h->host_port);
		ipt_rule_jump(r, name);
	}
	/* One chain per pod, pods by name. */
	qsort(hp, n, sizeof(*hp), hostport_ptr_cmp);
	for (size_t i = 0; i < n; i++) {
		if (!i || strcmp(hp[i - 1]->pod, hp[i]->pod)) {
			ipt_name_hostport(name, hp[i]->pod);
			ch = ipt_table_add_chain(c->nat, name);
		}
		hostport_rules(c, ch, hp[i]);
	}
	free(hp);
}

static bool is_link_local(const struct nfp_cidr *x, int family)
{
	struct nfp_cidr ll;

	cidr_of(&ll, family,
		family == AF_INET ? "169.254.0.0/16" : "fe80::/10");
	return !nfp_cidr_cmp(x, &ll);
}

static void push_cidrs(struct nfp_cidr *v, size_t *n, const struct nfp_cidr *in,
		       size_t n_in, int family)
{
	for (size_t i = 0; i < n_in; i++)
		if (in[i].addr.family == family)
			v[(*n)++] = in[i];
}

/*
 * ip-masq-agent: pod sources to destinations outside the non-masquerade
 * CIDRs leave with the node's address. In-cluster destinations (cluster
 * and pod CIDRs) are never masqueraded, whatever the list says: the same
 * exempt set as nftables' masq-exempt, sorted, a block inside another
 * dropped.
 */
void ipt_compile_masq_egress(struct ctx *c)
{
	const struct plan_masq *m = &c->p->masq;
	const struct plan_node *node = &c->p->node;
	bool ll_masq = c->family == AF_INET ? m->masq_link_local
					    : m->masq_link_local_v6;
	struct nfp_cidr *ex;
	char buf[NFP_CIDR_STRLEN];
	struct ipt_rule *r;
	size_t n = 0, kept = 0;
	bool any = false;

	for (size_t i = 0; i < m->n_pod_cidrs; i++)
		any |= m->pod_cidrs[i].addr.family == c->family;
	if (!m->enabled || !any)
		return;
	ex = xcalloc(m->n_non_masq_cidrs + node->n_cluster_cidrs +
			     m->n_pod_cidrs + 1,
		     sizeof(*ex));
	push_cidrs(ex, &n, m->non_masq_cidrs, m->n_non_masq_cidrs, c->family);
	push_cidrs(ex, &n, node->cluster_cidrs, node->n_cluster_cidrs,
		   c->family);
	push_cidrs(ex, &n, m->pod_cidrs, m->n_pod_cidrs, c->family);
	if (!ll_masq)
		cidr_of(&ex[n++], c->family,
			c->family == AF_INET ? "169.254.0.0/16" : "fe80::/10");
	qsort(ex, n, sizeof(*ex), nfp_cidr_qcmp);
	for (size_t i = 0; i < n; i++) {
		if (kept && nfp_cidr_contains(&ex[kept - 1], &ex[i].addr) &&
		    ex[i].prefix >= ex[kept - 1].prefix)
			continue;
		ex[kept++] = ex[i];
	}
	for (size_t i = 0; i < kept; i++) {
		r = ipt_chain_add_rule(c->nat_masq_egress);
		if (is_link_local(&ex[i], c->family))
			ipt_rule_comment(r, COMMENT_EGRESS_LINK_LOCAL);
		else
			ipt_rule_comment(r, COMMENT_EGRESS_NON_MASQ,
					 nfp_cidr_str(&ex[i], buf));
		r->dst = ex[i];
		ipt_rule_verdict(r, IPT_TARGET_RETURN);
	}
	free(ex);
	for (size_t i = 0; i < m->n_pod_cidrs; i++) {
		if (m->pod_cidrs[i].addr.family != c->family)
			continue;
		r = ipt_chain_add_rule(c->nat_masq_egress);
		ipt_rule_comment(r, COMMENT_EGRESS_MASQ);
		r->src = m->pod_cidrs[i];
		ipt_rule_masquerade(r, SNAT_RANDOM_FULLY);
	}
}
