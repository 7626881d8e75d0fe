// SPDX-License-Identifier: GPL-2.0
/*
 * plan -> iptables ruleset: kube-proxy's iptables proxier layout (NFP-
 * instead of KUBE-), CNI portmap's hostport layout and ip-masq-agent's
 * egress masquerade, for one family at a time. This part: the services
 * (policy, endpoint, external and firewall chains, frontends, filter
 * verdicts) and ipt_compile() itself; the fixed chains are made in
 * ipt_compile_base.c, the node's own traffic in ipt_compile_node.c.
 */
#include "rules/ipt_compile_int.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *loopback_net(int family)
{
	return family == AF_INET6 ? "::1/128" : "127.0.0.0/8";
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
	enum plan_action int_act, ext_act, short_act;
	/* Chains used: the internal (cluster IP) and external policy
	 * chains are NFP-SVC (Cluster) or NFP-SVL (Local). Pods and the
	 * node reaching an external frontend with policy Local
	 * short-circuit to the Cluster policy's chain NFP-SVC, as
	 * kube-proxy does, whatever internalTrafficPolicy says. */
	const char *int_chain; /* NULL: none */
	const char *extpol_chain;
	const char *short_chain;
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

	eps = xcalloc(s->n_internal_eps + s->n_external_eps + s->n_short_eps +
			      1,
		      sizeof(*eps));
	if (v->short_chain)
		for (size_t i = 0; i < s->n_short_eps; i++)
			eps[n++] = &s->short_eps[i];
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

static bool eps_equal(const struct plan_endpoint *a, size_t na,
		      const struct plan_endpoint *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (plan_endpoint_cmp(&a[i], &b[i]))
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
		for (size_t i = 0; v->short_chain && i < c->n_pod_cidrs; i++) {
			r = ipt_chain_add_rule(ch);
			ipt_rule_comment(
				r, "pod traffic for %s external destinations",
				s->id);
			r->src = *c->pod_cidrs[i];
			ipt_rule_jump(r, v->short_chain);
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
		if (v->short_chain) {
			r = ipt_chain_add_rule(ch);
			ipt_rule_comment(
				r,
				"route LOCAL traffic for %s external destinations",
				s->id);
			ipt_rule_addrtype(r, IPT_ADDRTYPE_LOCAL, 0, 0);
			ipt_rule_jump(r, v->short_chain);
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
	bool short_internal;

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
	short_internal = s->short_action == s->internal_action &&
			 eps_equal(s->short_eps, s->n_short_eps,
				   s->internal_eps, s->n_internal_eps);
	if (short_internal)
		v.short_act = v.int_act;
	else if (s->external_local && v.ext_frontends)
		v.short_act = checked_action(c, s->id, "short-circuited",
					     s->short_action, s->n_short_eps);
	else
		v.short_act = PLAN_REJECT; /* no short-circuit */

	if (v.int_act == PLAN_FORWARD && v.has_cip)
		v.int_chain = s->internal_local ? v.svl : v.svc;
	if (v.ext_act == PLAN_FORWARD && v.ext_frontends)
		v.extpol_chain = s->external_local ? v.svl : v.svc;
	if (v.short_act == PLAN_FORWARD && v.ext_frontends && s->external_local)
		v.short_chain = v.svc;
	if (v.int_chain && v.extpol_chain &&
	    !strcmp(v.int_chain, v.extpol_chain) &&
	    !eps_equal(s->internal_eps, s->n_internal_eps, s->external_eps,
		       s->n_external_eps))
		diag_addf(
			c->d, DIAG_WARN,
			"service %s: internal and external traffic share chain %s but not their endpoints; using the internal ones",
			s->id, v.int_chain);
	if (v.int_chain && v.short_chain &&
	    !strcmp(v.int_chain, v.short_chain) && !short_internal)
		diag_addf(
			c->d, DIAG_WARN,
			"service %s: internal and short-circuited traffic share chain %s but not their endpoints; using the internal ones",
			s->id, v.int_chain);
	v.need_ext = v.ext_frontends && (v.extpol_chain || v.short_chain);
	v.need_fw = v.need_ext && s->n_lb_ips && s->n_lb_source_ranges;

	if (v.int_chain)
		policy_chain(c, &v, v.int_chain, s->internal_eps,
			     s->n_internal_eps, true);
	if (v.extpol_chain &&
	    (!v.int_chain || strcmp(v.int_chain, v.extpol_chain)))
		policy_chain(c, &v, v.extpol_chain, s->external_eps,
			     s->n_external_eps, false);
	/* NFP-SVC only for the short-circuit (internal traffic uses
	 * NFP-SVL): it sees no cluster IP traffic, so no masquerade rule. */
	if (v.short_chain &&
	    (!v.int_chain || strcmp(v.int_chain, v.short_chain)))
		policy_chain(c, &v, v.short_chain, s->short_eps, s->n_short_eps,
			     false);
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

	ipt_compile_base(&c);
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
	ipt_compile_hostports(&c);
	ipt_compile_masq_egress(&c);
	free(c.pod_cidrs);

	err = ipt_ruleset_finish(out, d);
	if (err)
		ipt_ruleset_release(out);
	return err;
}
