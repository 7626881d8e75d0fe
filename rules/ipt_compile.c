// SPDX-License-Identifier: GPL-2.0
/*
 * plan -> iptables ruleset: kube-proxy's iptables proxier layout (NFP-
 * instead of KUBE-), CNI portmap's hostport layout and ip-masq-agent's
 * egress masquerade, for one family at a time.
 */
#include "rules/ipt_compile.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Comments of the rules that do not belong to one service. */
#define COMMENT_PORTALS "kube-nfproxy service portals"
#define COMMENT_EXT_PORTALS "kube-nfproxy externally-visible service portals"
#define COMMENT_HC_PORTS "kube-nfproxy health check service ports"
#define COMMENT_FORWARD "kube-nfproxy forwarding rules"
#define COMMENT_FORWARD_CT "kube-nfproxy forwarding conntrack rule"
#define COMMENT_FIREWALL "kube-nfproxy load balancer firewall"
#define COMMENT_POSTROUTING "kube-nfproxy postrouting rules"
#define COMMENT_SNAT "kube-nfproxy service traffic requiring SNAT"
#define COMMENT_NODEPORTS \
	"kube-nfproxy service nodeports; NOTE: this must be the last rule in this chain"
#define COMMENT_HOSTPORTS "kube-nfproxy hostports"
#define COMMENT_EGRESS "kube-nfproxy egress masquerade"
#define COMMENT_EGRESS_LINK_LOCAL \
	"kube-nfproxy egress: link-local traffic is not masqueraded"
#define COMMENT_EGRESS_NON_MASQ \
	"kube-nfproxy egress: traffic to %s is not masqueraded"
#define COMMENT_EGRESS_MASQ \
	"kube-nfproxy egress: pod traffic leaving the cluster is masqueraded"
#define COMMENT_LOCALNET "kube-nfproxy localnet firewall"
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

static void host_cidr(struct nfp_cidr *c, const struct nfp_addr *a)
{
	c->addr = *a;
	c->prefix = (unsigned int)nfp_addr_len(a->family) * 8;
}

static void cidr_of(struct nfp_cidr *c, int family, const char *text)
{
	/* Only called with constant, valid text. */
	if (nfp_cidr_parse(text, c) || c->addr.family != family)
		memset(c, 0, sizeof(*c));
}

static const char *loopback_net(int family)
{
	return family == AF_INET6 ? "::1/128" : "127.0.0.0/8";
}

static struct ipt_rule *hook_rule(struct ipt_table *t, enum ipt_hook h,
				  const char *comment, const char *chain)
{
	struct ipt_rule *r = ipt_chain_add_rule(ipt_table_hook(t, h));

	ipt_rule_comment(r, "%s", comment);
	ipt_rule_jump(r, chain);
	return r;
}

/*
 * CVE-2020-8558: route_localnet (which hostPorts on 127.0.0.1 need) would
 * also let a neighbour reach the node's localhost-only services. The rule
 * of kube-proxy's (and kubelet's) KUBE-FIREWALL, IPv4 only: the kernel
 * never accepts ::1 from outside.
 */
static void localnet_firewall(struct ctx *c)
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

/* The chains and rules that exist whatever the plan holds. */
static void compile_base(struct ctx *c)
{
	static const enum ipt_hook nat_hooks[] = {IPT_HOOK_PREROUTING,
						  IPT_HOOK_OUTPUT};
	struct ipt_chain *ch;
	struct ipt_rule *r;

	c->nat_services = ipt_table_add_chain(c->nat, IPT_CHAIN_SERVICES);
	c->nat_nodeports = ipt_table_add_chain(c->nat, IPT_CHAIN_NODEPORTS);
	c->nat_hostports = ipt_table_add_chain(c->nat, IPT_CHAIN_HOSTPORTS);

	ch = ipt_table_add_chain(c->nat, IPT_CHAIN_POSTROUTING);
	r = ipt_chain_add_rule(ch);
	ipt_rule_mark(r, IPT_MARK_MASQ, IPT_MARK_MASQ, true);
	ipt_rule_verdict(r, IPT_TARGET_RETURN);
	/* Clear the bit so that a packet re-traversing (hairpin through a
	 * tunnel) is not masqueraded twice. */
	r = ipt_chain_add_rule(ch);
	ipt_rule_set_mark(r, IPT_MARK_XOR, IPT_MARK_MASQ);
	r = ipt_chain_add_rule(ch);
	ipt_rule_comment(r, COMMENT_SNAT);
	ipt_rule_masquerade(r, SNAT_RANDOM_FULLY);

	ch = ipt_table_add_chain(c->nat, IPT_CHAIN_MARK_MASQ);
	ipt_rule_set_mark(ipt_chain_add_rule(ch), IPT_MARK_OR, IPT_MARK_MASQ);

	/* With several cluster CIDRs "not from a pod" needs one RETURN per
	 * block: one rule cannot hold two negated sources. */
	if (c->n_pod_cidrs > 1) {
		ch = ipt_table_add_chain(c->nat, IPT_CHAIN_MARK_MASQ_NONPOD);
		for (size_t i = 0; i < c->n_pod_cidrs; i++) {
			r = ipt_chain_add_rule(ch);
			r->src = *c->pod_cidrs[i];
			ipt_rule_verdict(r, IPT_TARGET_RETURN);
		}
		ipt_rule_jump(ipt_chain_add_rule(ch), IPT_CHAIN_MARK_MASQ);
	}
	c->nat_masq_egress = ipt_table_add_chain(c->nat, IPT_CHAIN_MASQ_EGRESS);

	for (size_t i = 0; i < sizeof(nat_hooks) / sizeof(nat_hooks[0]); i++) {
		hook_rule(c->nat, nat_hooks[i], COMMENT_PORTALS,
			  IPT_CHAIN_SERVICES);
		r = hook_rule(c->nat, nat_hooks[i], COMMENT_HOSTPORTS,
			      IPT_CHAIN_HOSTPORTS);
		ipt_rule_addrtype(r, 0, IPT_ADDRTYPE_LOCAL, 0);
	}
	hook_rule(c->nat, IPT_HOOK_POSTROUTING, COMMENT_POSTROUTING,
		  IPT_CHAIN_POSTROUTING);
	r = hook_rule(c->nat, IPT_HOOK_POSTROUTING, COMMENT_EGRESS,
		      IPT_CHAIN_MASQ_EGRESS);
	ipt_rule_addrtype(r, 0, IPT_ADDRTYPE_LOCAL, IPT_ADDRTYPE_INVERT_DEST);

	c->f_services = ipt_table_add_chain(c->filter, IPT_CHAIN_SERVICES);
	c->f_external =
		ipt_table_add_chain(c->filter, IPT_CHAIN_EXTERNAL_SERVICES);
	c->f_nodeports = ipt_table_add_chain(c->filter, IPT_CHAIN_NODEPORTS);
	c->f_firewall =
		ipt_table_add_chain(c->filter, IPT_CHAIN_PROXY_FIREWALL);

	ch = ipt_table_add_chain(c->filter, IPT_CHAIN_FORWARD);
	r = ipt_chain_add_rule(ch);
	ipt_rule_ctstate(r, IPT_CTSTATE_INVALID, false);
	ipt_rule_verdict(r, IPT_TARGET_DROP);
	/* Marked traffic was DNATed by us (node ports, external IPs): let it
	 * through even if the FORWARD policy is DROP. */
	r = ipt_chain_add_rule(ch);
	ipt_rule_comment(r, COMMENT_FORWARD);
	ipt_rule_mark(r, IPT_MARK_MASQ, IPT_MARK_MASQ, false);
	ipt_rule_verdict(r, IPT_TARGET_ACCEPT);
	r = ipt_chain_add_rule(ch);
	ipt_rule_comment(r, COMMENT_FORWARD_CT);
	ipt_rule_ctstate(r, IPT_CTSTATE_RELATED | IPT_CTSTATE_ESTABLISHED,
			 false);
	ipt_rule_verdict(r, IPT_TARGET_ACCEPT);

	/* The order kube-proxy ends up with in the built-in chains. */
	if (c->family == AF_INET) {
		localnet_firewall(c);
		hook_rule(c->filter, IPT_HOOK_INPUT, COMMENT_LOCALNET,
			  IPT_CHAIN_FIREWALL);
	}
	r = hook_rule(c->filter, IPT_HOOK_INPUT, COMMENT_FIREWALL,
		      IPT_CHAIN_PROXY_FIREWALL);
	ipt_rule_ctstate(r, IPT_CTSTATE_NEW, false);
	hook_rule(c->filter, IPT_HOOK_INPUT, COMMENT_HC_PORTS,
		  IPT_CHAIN_NODEPORTS);
	r = hook_rule(c->filter, IPT_HOOK_INPUT, COMMENT_EXT_PORTALS,
		      IPT_CHAIN_EXTERNAL_SERVICES);
	ipt_rule_ctstate(r, IPT_CTSTATE_NEW, false);

	r = hook_rule(c->filter, IPT_HOOK_FORWARD, COMMENT_FIREWALL,
		      IPT_CHAIN_PROXY_FIREWALL);
	ipt_rule_ctstate(r, IPT_CTSTATE_NEW, false);
	hook_rule(c->filter, IPT_HOOK_FORWARD, COMMENT_FORWARD,
		  IPT_CHAIN_FORWARD);
	r = hook_rule(c->filter, IPT_HOOK_FORWARD, COMMENT_PORTALS,
		      IPT_CHAIN_SERVICES);
	ipt_rule_ctstate(r, IPT_CTSTATE_NEW, false);
	r = hook_rule(c->filter, IPT_HOOK_FORWARD, COMMENT_EXT_PORTALS,
		      IPT_CHAIN_EXTERNAL_SERVICES);
	ipt_rule_ctstate(r, IPT_CTSTATE_NEW, false);

	if (c->family == AF_INET)
		hook_rule(c->filter, IPT_HOOK_OUTPUT, COMMENT_LOCALNET,
			  IPT_CHAIN_FIREWALL);
	r = hook_rule(c->filter, IPT_HOOK_OUTPUT, COMMENT_FIREWALL,
		      IPT_CHAIN_PROXY_FIREWALL);
	ipt_rule_ctstate(r, IPT_CTSTATE_NEW, false);
	r = hook_rule(c->filter, IPT_HOOK_OUTPUT, COMMENT_PORTALS,
		      IPT_CHAIN_SERVICES);
	ipt_rule_ctstate(r, IPT_CTSTATE_NEW, false);
}

/* Everything one service port compiles to, and the names it uses. */
struct svc {
	const struct plan_service *s;
	char spn[IPT_COMMENT_LEN]; /* kube-proxy's ServicePortName string */
	char svc[IPT_CHAIN_LEN];
	char svl[IPT_CHAIN_LEN];
	char ext[IPT_CHAIN_LEN];
	char fw[IPT_CHAIN_LEN];
	bool has_cip;	    /* a cluster IP of the ruleset's family */
	bool ext_frontends; /* node port, external or LB IPs */
	enum plan_action int_act, ext_act;
	/* Chains used: the internal (cluster IP) and external policy
	 * chains are NFP-SVC (Cluster) or NFP-SVL (Local). */
	const char *int_chain; /* NULL: none */
	const char *extpol_chain;
	bool need_ext; /* NFP-EXT */
	bool need_fw;  /* NFP-FW */
};

static void ep_str(const struct plan_endpoint *ep, char *buf, size_t len)
{
	char ip[NFP_ADDR_STRLEN];

	nfp_addr_str(&ep->addr, ip);
	snprintf(buf, len, ep->addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		 ip, ep->port);
}

/* -d addr -p proto -m proto --dport port: a service frontend. */
static void frontend(struct ipt_rule *r, const struct nfp_addr *addr,
		     enum nfp_proto proto, uint16_t port)
{
	if (addr)
		host_cidr(&r->dst, addr);
	ipt_rule_dport(r, proto, port);
}

static void sep_chain(struct ctx *c, const struct svc *v,
		      const struct plan_endpoint *ep)
{
	const struct plan_service *s = v->s;
	char name[IPT_CHAIN_LEN];
	struct ipt_chain *ch;
	struct ipt_rule *r;

	ipt_name_endpoint(name, v->spn, s->proto, &ep->addr, ep->port);
	ch = ipt_table_add_chain(c->nat, name);
	/* Hairpin: a pod reaching itself through the service must see the
	 * node as the source, or it would answer itself directly. */
	r = ipt_chain_add_rule(ch);
	ipt_rule_comment(r, "%s", s->id);
	host_cidr(&r->src, &ep->addr);
	ipt_rule_jump(r, IPT_CHAIN_MARK_MASQ);

	r = ipt_chain_add_rule(ch);
	ipt_rule_comment(r, "%s", s->id);
	if (s->affinity_timeout)
		ipt_rule_recent(r, name, IPT_RECENT_SET, 0, false);
	r->proto = (uint8_t)nfp_proto_ipproto(s->proto);
	ipt_rule_dnat(r, &ep->addr, ep->port);
}

static int ep_ptr_cmp(const void *a, const void *b)
{
	const struct plan_endpoint *const *x = a, *const *y = b;

	return plan_endpoint_cmp(*x, *y);
}

/* One NFP-SEP chain per endpoint that either policy chain uses, in
 * endpoint order, each made once. */
static void sep_chains(struct ctx *c, const struct svc *v)
{
	const struct plan_service *s = v->s;
	const struct plan_endpoint **eps;
	size_t n = 0;

	eps = xcalloc(s->n_internal_eps + s->n_external_eps + 1, sizeof(*eps));
	if (v->int_chain)
		for (size_t i = 0; i < s->n_internal_eps; i++)
			eps[n++] = &s->internal_eps[i];
	if (v->extpol_chain)
		for (size_t i = 0; i < s->n_external_eps; i++)
			eps[n++] = &s->external_eps[i];
	qsort(eps, n, sizeof(*eps), ep_ptr_cmp);
	for (size_t i = 0; i < n; i++)
		if (!i || plan_endpoint_cmp(eps[i - 1], eps[i]))
			sep_chain(c, v, eps[i]);
	free(eps);
}

/* The rule that marks cluster-IP traffic from outside the pod network
 * for masquerade, at the top of the internal policy chain. */
static void cluster_ip_masq(struct ctx *c, const struct svc *v,
			    struct ipt_chain *ch)
{
	const struct plan_service *s = v->s;
	struct ipt_rule *r;

	if (!v->has_cip || (!c->p->node.masquerade_all && !c->n_pod_cidrs))
		return;
	r = ipt_chain_add_rule(ch);
	ipt_rule_comment(r, "%s cluster IP", s->id);
	frontend(r, &s->cluster_ip, s->proto, s->port);
	if (c->p->node.masquerade_all) {
		ipt_rule_jump(r, IPT_CHAIN_MARK_MASQ);
	} else if (c->n_pod_cidrs == 1) {
		r->src = *c->pod_cidrs[0];
		r->src_inv = true;
		ipt_rule_jump(r, IPT_CHAIN_MARK_MASQ);
	} else {
		ipt_rule_jump(r, IPT_CHAIN_MARK_MASQ_NONPOD);
	}
}

/* NFP-SVC / NFP-SVL: affinity first, then random load balancing with
 * kube-proxy's probabilities 1/n, 1/(n-1), ..., the last one always. */
static void policy_chain(struct ctx *c, const struct svc *v, const char *name,
			 const struct plan_endpoint *eps, size_t n,
			 bool internal)
{
	const struct plan_service *s = v->s;
	struct ipt_chain *ch = ipt_table_add_chain(c->nat, name);
	char sep[IPT_CHAIN_LEN], epbuf[NFP_ADDR_STRLEN + 8];
	struct ipt_rule *r;

	if (internal)
		cluster_ip_masq(c, v, ch);
	for (size_t i = 0; s->affinity_timeout && i < n; i++) {
		ipt_name_endpoint(sep, v->spn, s->proto, &eps[i].addr,
				  eps[i].port);
		ep_str(&eps[i], epbuf, sizeof(epbuf));
		r = ipt_chain_add_rule(ch);
		ipt_rule_comment(r, "%s -> %s", s->id, epbuf);
		ipt_rule_recent(r, sep, IPT_RECENT_RCHECK, s->affinity_timeout,
				true);
		ipt_rule_jump(r, sep);
	}
	for (size_t i = 0; i < n; i++) {
		ipt_name_endpoint(sep, v->spn, s->proto, &eps[i].addr,
				  eps[i].port);
		ep_str(&eps[i], epbuf, sizeof(epbuf));
		r = ipt_chain_add_rule(ch);
		ipt_rule_comment(r, "%s -> %s", s->id, epbuf);
		if (i + 1 < n)
			ipt_rule_probability(r, 1.0 / (double)(n - i));
		ipt_rule_jump(r, sep);
	}
}

static bool eps_equal(const struct plan_service *s)
{
	if (s->n_internal_eps != s->n_external_eps)
		return false;
	for (size_t i = 0; i < s->n_internal_eps; i++)
		if (plan_endpoint_cmp(&s->internal_eps[i], &s->external_eps[i]))
			return false;
	return true;
}

/* NFP-EXT: external traffic (node ports, external IPs, LB IPs). */
static void ext_chain(struct ctx *c, const struct svc *v)
{
	const struct plan_service *s = v->s;
	struct ipt_chain *ch = ipt_table_add_chain(c->nat, v->ext);
	struct ipt_rule *r;

	if (!s->external_local) {
		/* Endpoints may be on another node: masquerade so that the
		 * reply comes back through us. */
		r = ipt_chain_add_rule(ch);
		ipt_rule_comment(
			r, "masquerade traffic for %s external destinations",
			s->id);
		ipt_rule_jump(r, IPT_CHAIN_MARK_MASQ);
	} else {
		/* Pods reaching an external frontend behave as if they had
		 * gone out to the load balancer and back: no policy. */
		for (size_t i = 0; v->int_chain && i < c->n_pod_cidrs; i++) {
			r = ipt_chain_add_rule(ch);
			ipt_rule_comment(
				r, "pod traffic for %s external destinations",
				s->id);
			r->src = *c->pod_cidrs[i];
			ipt_rule_jump(r, v->int_chain);
		}
		/* The host's own traffic has a local source address, which
		 * an endpoint cannot answer: masquerade it. */
		r = ipt_chain_add_rule(ch);
		ipt_rule_comment(
			r,
			"masquerade LOCAL traffic for %s external destinations",
			s->id);
		ipt_rule_addrtype(r, IPT_ADDRTYPE_LOCAL, 0, 0);
		ipt_rule_jump(r, IPT_CHAIN_MARK_MASQ);
		if (v->int_chain) {
			r = ipt_chain_add_rule(ch);
			ipt_rule_comment(
				r,
				"route LOCAL traffic for %s external destinations",
				s->id);
			ipt_rule_addrtype(r, IPT_ADDRTYPE_LOCAL, 0, 0);
			ipt_rule_jump(r, v->int_chain);
		}
	}
	if (v->extpol_chain) {
		r = ipt_chain_add_rule(ch);
		ipt_rule_comment(r, "%s", s->id);
		ipt_rule_jump(r, v->extpol_chain);
	}
}

static bool node_in_ranges(const struct ctx *c, const struct plan_service *s)
{
	const struct plan_node *n = &c->p->node;

	for (size_t i = 0; i < n->n_addrs; i++)
		for (size_t j = 0; j < s->n_lb_source_ranges; j++)
			if (nfp_cidr_contains(&s->lb_source_ranges[j],
					      &n->addrs[i]))
				return true;
	return false;
}

/* NFP-FW: loadBalancerSourceRanges. What falls through is dropped by
 * filter NFP-PROXY-FIREWALL, since it still has the LB IP as destination. */
static void fw_chain(struct ctx *c, const struct svc *v)
{
	const struct plan_service *s = v->s;
	struct ipt_chain *ch = ipt_table_add_chain(c->nat, v->fw);
	struct ipt_rule *r;

	for (size_t i = 0; i < s->n_lb_source_ranges; i++) {
		if (s->lb_source_ranges[i].addr.family != c->family)
			continue;
		r = ipt_chain_add_rule(ch);
		ipt_rule_comment(r, "%s loadbalancer IP", s->id);
		r->src = s->lb_source_ranges[i];
		ipt_rule_jump(r, v->ext);
	}
	/* A node allowed by the ranges that holds the VIP locally reaches it
	 * with the VIP as source. */
	if (!node_in_ranges(c, s))
		return;
	for (size_t i = 0; i < s->n_lb_ips; i++) {
		if (s->lb_ips[i].family != c->family)
			continue;
		r = ipt_chain_add_rule(ch);
		ipt_rule_comment(r, "%s loadbalancer IP", s->id);
		host_cidr(&r->src, &s->lb_ips[i]);
		ipt_rule_jump(r, v->ext);
	}
}

static void nat_frontends(struct ctx *c, const struct svc *v)
{
	const struct plan_service *s = v->s;
	struct ipt_rule *r;

	if (v->has_cip && v->int_chain) {
		r = ipt_chain_add_rule(c->nat_services);
		ipt_rule_comment(r, "%s cluster IP", s->id);
		frontend(r, &s->cluster_ip, s->proto, s->port);
		ipt_rule_jump(r, v->int_chain);
	}
	if (!v->need_ext)
		return;
	for (size_t i = 0; i < s->n_external_ips; i++) {
		if (s->external_ips[i].family != c->family)
			continue;
		r = ipt_chain_add_rule(c->nat_services);
		ipt_rule_comment(r, "%s external IP", s->id);
		frontend(r, &s->external_ips[i], s->proto, s->port);
		ipt_rule_jump(r, v->ext);
	}
	for (size_t i = 0; i < s->n_lb_ips; i++) {
		if (s->lb_ips[i].family != c->family)
			continue;
		r = ipt_chain_add_rule(c->nat_services);
		ipt_rule_comment(r, "%s loadbalancer IP", s->id);
		frontend(r, &s->lb_ips[i], s->proto, s->port);
		ipt_rule_jump(r, v->need_fw ? v->fw : v->ext);
	}
	if (s->node_port) {
		r = ipt_chain_add_rule(c->nat_nodeports);
		ipt_rule_comment(r, "%s", s->id);
		frontend(r, NULL, s->proto, s->node_port);
		ipt_rule_jump(r, v->ext);
	}
}

static void filter_verdict(struct ipt_rule *r, enum plan_action a,
			   const char *id)
{
	if (a == PLAN_DROP) {
		ipt_rule_comment(r, "%s has no local endpoints", id);
		ipt_rule_verdict(r, IPT_TARGET_DROP);
	} else {
		ipt_rule_comment(r, "%s has no endpoints", id);
		ipt_rule_reject(r);
	}
}

/* REJECT / DROP for frontends without endpoints, the LB firewall's DROP,
 * health check node ports. */
static void filter_rules(struct ctx *c, const struct svc *v)
{
	const struct plan_service *s = v->s;
	struct ipt_rule *r;

	if (v->has_cip && v->int_act != PLAN_FORWARD) {
		r = ipt_chain_add_rule(c->f_services);
		filter_verdict(r, v->int_act, s->id);
		frontend(r, &s->cluster_ip, s->proto, s->port);
	}
	if (v->ext_act != PLAN_FORWARD) {
		for (size_t i = 0; i < s->n_external_ips; i++) {
			if (s->external_ips[i].family != c->family)
				continue;
			r = ipt_chain_add_rule(c->f_external);
			filter_verdict(r, v->ext_act, s->id);
			frontend(r, &s->external_ips[i], s->proto, s->port);
		}
		for (size_t i = 0; i < s->n_lb_ips; i++) {
			if (s->lb_ips[i].family != c->family)
				continue;
			r = ipt_chain_add_rule(c->f_external);
			filter_verdict(r, v->ext_act, s->id);
			frontend(r, &s->lb_ips[i], s->proto, s->port);
		}
		if (s->node_port) {
			r = ipt_chain_add_rule(c->f_external);
			filter_verdict(r, v->ext_act, s->id);
			ipt_rule_addrtype(r, 0, IPT_ADDRTYPE_LOCAL, 0);
			frontend(r, NULL, s->proto, s->node_port);
		}
	}
	for (size_t i = 0; v->need_fw && i < s->n_lb_ips; i++) {
		if (s->lb_ips[i].family != c->family)
			continue;
		r = ipt_chain_add_rule(c->f_firewall);
		ipt_rule_comment(r, "%s traffic not accepted by %s", s->id,
				 v->fw);
		frontend(r, &s->lb_ips[i], s->proto, s->port);
		ipt_rule_verdict(r, IPT_TARGET_DROP);
	}
	if (s->health_check_node_port) {
		r = ipt_chain_add_rule(c->f_nodeports);
		ipt_rule_comment(r, "%s health check node port", s->id);
		frontend(r, NULL, NFP_PROTO_TCP, s->health_check_node_port);
		ipt_rule_verdict(r, IPT_TARGET_ACCEPT);
	}
}

static enum plan_action checked_action(struct ctx *c, const char *id,
				       const char *what, enum plan_action a,
				       size_t n_eps)
{
	if (a == PLAN_FORWARD && !n_eps) {
		diag_addf(
			c->d, DIAG_WARN,
			"service %s: %s traffic is forwarded to no endpoint; rejecting it",
			id, what);
		return PLAN_REJECT;
	}
	return a;
}

static void compile_service(struct ctx *c, const struct plan_service *s)
{
	struct svc v = {.s = s};

	snprintf(v.spn, sizeof(v.spn), "%s/%s%s%s", s->ns, s->name,
		 s->port_name[0] ? ":" : "", s->port_name);
	ipt_name_service(v.svc, IPT_PREFIX_SVC, v.spn, s->proto);
	ipt_name_service(v.svl, IPT_PREFIX_SVL, v.spn, s->proto);
	ipt_name_service(v.ext, IPT_PREFIX_EXT, v.spn, s->proto);
	ipt_name_service(v.fw, IPT_PREFIX_FW, v.spn, s->proto);
	v.has_cip = s->cluster_ip.family == c->family;
	v.ext_frontends = s->node_port || s->n_external_ips || s->n_lb_ips;
	v.int_act = checked_action(c, s->id, "internal", s->internal_action,
				   s->n_internal_eps);
	v.ext_act = checked_action(c, s->id, "external", s->external_action,
				   s->n_external_eps);

	if (v.int_act == PLAN_FORWARD &&
	    (v.has_cip || (v.ext_frontends && s->external_local)))
		v.int_chain = s->internal_local ? v.svl : v.svc;
	if (v.ext_act == PLAN_FORWARD && v.ext_frontends)
		v.extpol_chain = s->external_local ? v.svl : v.svc;
	if (v.int_chain && v.extpol_chain &&
	    !strcmp(v.int_chain, v.extpol_chain) && !eps_equal(s))
		diag_addf(
			c->d, DIAG_WARN,
			"service %s: internal and external traffic share chain %s but not their endpoints; using the internal ones",
			s->id, v.int_chain);
	v.need_ext = v.ext_frontends &&
		     (v.extpol_chain || (s->external_local && v.int_chain));
	v.need_fw = v.need_ext && s->n_lb_ips && s->n_lb_source_ranges;

	if (v.int_chain)
		policy_chain(c, &v, v.int_chain, s->internal_eps,
			     s->n_internal_eps, true);
	if (v.extpol_chain &&
	    (!v.int_chain || strcmp(v.int_chain, v.extpol_chain)))
		policy_chain(c, &v, v.extpol_chain, s->external_eps,
			     s->n_external_eps, false);
	if (v.need_ext)
		ext_chain(c, &v);
	if (v.need_fw)
		fw_chain(c, &v);
	sep_chains(c, &v);
	nat_frontends(c, &v);
	filter_rules(c, &v);
}

/* Last rule of nat NFP-SERVICES: whatever is for a local address and was
 * not a service IP may be a node port. */
static void nodeports_jump(struct ctx *c)
{
	const struct plan_node *n = &c->p->node;
	struct ipt_rule *r;

	if (!n->n_nodeport_cidrs) {
		r = ipt_chain_add_rule(c->nat_services);
		ipt_rule_comment(r, COMMENT_NODEPORTS);
		ipt_rule_addrtype(r, 0, IPT_ADDRTYPE_LOCAL, 0);
		/* DNAT of a loopback destination needs route_localnet; we
		 * do not set it, so leave localhost alone. */
		cidr_of(&r->dst, c->family, loopback_net(c->family));
		r->dst_inv = true;
		ipt_rule_jump(r, IPT_CHAIN_NODEPORTS);
		return;
	}
	for (size_t i = 0; i < n->n_nodeport_cidrs; i++) {
		if (n->nodeport_cidrs[i].addr.family != c->family)
			continue;
		r = ipt_chain_add_rule(c->nat_services);
		ipt_rule_comment(r, COMMENT_NODEPORTS);
		r->dst = n->nodeport_cidrs[i];
		ipt_rule_addrtype(r, 0, IPT_ADDRTYPE_LOCAL, 0);
		ipt_rule_jump(r, IPT_CHAIN_NODEPORTS);
	}
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

static void compile_hostports(struct ctx *c)
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
static void compile_masq_egress(struct ctx *c)
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

int ipt_compile(const struct plan *p, int family, struct ipt_ruleset *out,
		struct diag_list *d)
{
	struct ctx c = {.p = p, .family = family, .d = d};
	const struct plan_service *prev = NULL;
	int err;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	ipt_ruleset_init(out, family);
	c.nat = &out->tables[IPT_TABLE_NAT];
	c.filter = &out->tables[IPT_TABLE_FILTER];
	c.pod_cidrs =
		xcalloc(p->node.n_cluster_cidrs + 1, sizeof(*c.pod_cidrs));
	for (size_t i = 0; i < p->node.n_cluster_cidrs; i++)
		if (p->node.cluster_cidrs[i].addr.family == family)
			c.pod_cidrs[c.n_pod_cidrs++] =
				&p->node.cluster_cidrs[i];

	compile_base(&c);
	for (size_t i = 0; i < p->n_services; i++) {
		const struct plan_service *s = &p->services[i];

		if (s->family != family)
			continue;
		if (prev && !strcmp(prev->id, s->id)) {
			diag_addf(d, DIAG_WARN,
				  "service %s: a second %s entry; skipped",
				  s->id, family == AF_INET ? "IPv4" : "IPv6");
			continue;
		}
		prev = s;
		compile_service(&c, s);
	}
	nodeports_jump(&c);
	compile_hostports(&c);
	compile_masq_egress(&c);
	free(c.pod_cidrs);

	err = ipt_ruleset_finish(out, d);
	if (err)
		ipt_ruleset_release(out);
	return err;
}
