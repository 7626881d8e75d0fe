// SPDX-License-Identifier: GPL-2.0
/*
 * Cluster objects → plan, with kube-proxy's semantics (pkg/proxy: service
 * and endpoint-slice change trackers, CategorizeEndpoints). Pure.
 */
#include "proxy/plan_build.h"
#include "hostport/hostport.h"
#include "masq/masq.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define LABEL_SERVICE_PROXY_NAME "service.kubernetes.io/service-proxy-name"
#define LABEL_ZONE "topology.kubernetes.io/zone"

/* One candidate endpoint of a service port, before categorisation. */
struct candidate {
	const struct k8s_endpoint *ep;
	uint16_t port;
	size_t order; /* position in the slices: the first copy wins */
};

struct candidates {
	struct candidate *items;
	size_t n, cap;
};

static int slice_ptr_cmp(const void *a, const void *b)
{
	const struct k8s_endpointslice *x =
		*(const struct k8s_endpointslice *const *)a;
	const struct k8s_endpointslice *y =
		*(const struct k8s_endpointslice *const *)b;
	int r = strcmp(x->meta.ns, y->meta.ns);

	if (r)
		return r;
	r = strcmp(x->service_name, y->service_name);
	if (r)
		return r;
	return strcmp(x->meta.name, y->meta.name);
}

/* Slices that name a service, sorted by namespace, service, slice name. */
struct slice_index {
	const struct k8s_endpointslice **items;
	size_t n;
};

static void slice_index_build(const struct k8s_cluster *c,
			      struct slice_index *idx, struct diag_list *d)
{
	idx->items = xcalloc(c->n_slices, sizeof(*idx->items));
	idx->n = 0;
	for (size_t i = 0; i < c->n_slices; i++) {
		const struct k8s_endpointslice *s = &c->slices[i];

		if (!s->service_name) {
			diag_addf(
				d, DIAG_WARN,
				"EndpointSlice %s/%s: no kubernetes.io/service-name label, ignored",
				s->meta.ns, s->meta.name);
			continue;
		}
		if (s->address_type == K8S_ADDR_FQDN) {
			diag_addf(
				d, DIAG_INFO,
				"EndpointSlice %s/%s: addressType FQDN is not proxied, ignored",
				s->meta.ns, s->meta.name);
			continue;
		}
		idx->items[idx->n++] = s;
	}
	qsort(idx->items, idx->n, sizeof(*idx->items), slice_ptr_cmp);
}

/* First slice of ns/svc in the index, or idx->n. */
static size_t slice_index_find(const struct slice_index *idx, const char *ns,
			       const char *svc)
{
	size_t lo = 0, hi = idx->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct k8s_endpointslice *s = idx->items[mid];
		int r = strcmp(s->meta.ns, ns);

		if (!r)
			r = strcmp(s->service_name, svc);
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool ep_ready(const struct k8s_endpoint *ep)
{
	return ep->ready;
}

static bool ep_serving_terminating(const struct k8s_endpoint *ep)
{
	return ep->serving && ep->terminating;
}

static bool ep_has_zone(const struct k8s_endpoint *ep, const char *zone)
{
	for (size_t i = 0; zone && i < ep->n_hint_zones; i++)
		if (strcmp(ep->hint_zones[i], zone) == 0)
			return true;
	return false;
}

/*
 * kube-proxy's canUseTopology: hints are used only when every ready
 * endpoint has zone hints and at least one is meant for this node's zone.
 */
static bool can_use_topology(const struct candidates *cs, const char *zone)
{
	bool for_zone = false;

	if (!zone)
		return false;
	for (size_t i = 0; i < cs->n; i++) {
		const struct k8s_endpoint *ep = cs->items[i].ep;

		if (!ep_ready(ep))
			continue;
		if (!ep->has_hints || ep->n_hint_zones == 0)
			return false;
		for_zone |= ep_has_zone(ep, zone);
	}
	return for_zone;
}

struct ep_list {
	struct plan_endpoint *items;
	size_t n, cap;
};

static void ep_list_add(struct ep_list *l, const struct candidate *c,
			const char *node)
{
	struct plan_endpoint *pe = XPUSH(l->items, l->n, l->cap);

	pe->addr = c->ep->addr;
	pe->port = c->port;
	pe->local =
		node && c->ep->node_name && strcmp(c->ep->node_name, node) == 0;
}

enum ep_filter { EP_READY, EP_FALLBACK };

/* Endpoints of cs that pass the filter; local_only keeps this node's. */
static void select_eps(const struct candidates *cs, enum ep_filter f,
		       bool local_only, bool topology, const char *zone,
		       const char *node, struct ep_list *out)
{
	for (size_t i = 0; i < cs->n; i++) {
		const struct candidate *c = &cs->items[i];
		bool local = node && c->ep->node_name &&
			     strcmp(c->ep->node_name, node) == 0;

		if (f == EP_READY && !ep_ready(c->ep))
			continue;
		if (f == EP_FALLBACK && !ep_serving_terminating(c->ep))
			continue;
		if (local_only && !local)
			continue;
		if (topology && !ep_has_zone(c->ep, zone))
			continue;
		ep_list_add(out, c, node);
	}
}

/* Ready endpoints, else serving+terminating ones (kube-proxy's fallback). */
static void select_with_fallback(const struct candidates *cs, bool local_only,
				 bool topology, const char *zone,
				 const char *node, struct ep_list *out)
{
	select_eps(cs, EP_READY, local_only, topology, zone, node, out);
	if (out->n == 0)
		select_eps(cs, EP_FALLBACK, local_only, false, zone, node, out);
	if (out->n)
		qsort(out->items, out->n, sizeof(*out->items),
		      plan_endpoint_cmp);
}

static struct plan_endpoint *ep_list_copy(const struct ep_list *l, size_t *n)
{
	struct plan_endpoint *p = NULL;

	*n = l->n;
	if (l->n) {
		p = xcalloc(l->n, sizeof(*p));
		memcpy(p, l->items, l->n * sizeof(*p));
	}
	return p;
}

static int candidate_cmp(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;
	int r = nfp_addr_cmp(&x->ep->addr, &y->ep->addr);

	if (r)
		return r;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return (x->order > y->order) - (x->order < y->order);
}

/* Drop duplicates (the same address and port in two slices), keeping the
 * first seen, in one sort. */
static void dedup_candidates(struct candidates *cs)
{
	size_t kept = 0;

	if (cs->n < 2)
		return;
	qsort(cs->items, cs->n, sizeof(*cs->items), candidate_cmp);
	for (size_t i = 0; i < cs->n; i++) {
		const struct candidate *c = &cs->items[i];

		if (kept && cs->items[kept - 1].port == c->port &&
		    nfp_addr_eq(&cs->items[kept - 1].ep->addr, &c->ep->addr))
			continue;
		cs->items[kept++] = *c;
	}
	cs->n = kept;
}

/* Every endpoint of the service's slices of this family for this port. */
static void gather_candidates(const struct slice_index *idx,
			      const struct k8s_service *svc,
			      const struct k8s_service_port *sp, int family,
			      struct candidates *cs)
{
	size_t i = slice_index_find(idx, svc->meta.ns, svc->meta.name);
	enum k8s_address_type at =
		family == AF_INET ? K8S_ADDR_IPV4 : K8S_ADDR_IPV6;

	for (; i < idx->n; i++) {
		const struct k8s_endpointslice *s = idx->items[i];

		if (strcmp(s->meta.ns, svc->meta.ns) ||
		    strcmp(s->service_name, svc->meta.name))
			break;
		if (s->address_type != at)
			continue;
		for (size_t p = 0; p < s->n_ports; p++) {
			const struct k8s_endpoint_port *ep = &s->ports[p];

			if (strcmp(ep->name, sp->name) ||
			    ep->proto != sp->proto)
				continue;
			for (size_t e = 0; e < s->n_endpoints; e++) {
				const struct k8s_endpoint *k = &s->endpoints[e];
				struct candidate *c;

				if (k->addr.family != family)
					continue;
				c = XPUSH(cs->items, cs->n, cs->cap);
				c->ep = k;
				c->port = ep->port;
				c->order = cs->n;
			}
		}
	}
}

/* No endpoint anywhere: reject; some, but none for this traffic: drop. */
static enum plan_action action_of(bool any, size_t n)
{
	if (!any)
		return PLAN_REJECT;
	return n ? PLAN_FORWARD : PLAN_DROP;
}

/* Every serving endpoint, for the conntrack cleanup. */
static void serving(struct plan_service *ps, const struct candidates *cs,
		    const char *node)
{
	struct ep_list l = {0};

	for (size_t i = 0; i < cs->n; i++)
		if (cs->items[i].ep->serving)
			ep_list_add(&l, &cs->items[i], node);
	if (l.n)
		qsort(l.items, l.n, sizeof(*l.items), plan_endpoint_cmp);
	ps->serving_eps = l.items;
	ps->n_serving_eps = l.n;
}

/*
 * kube-proxy's CategorizeEndpoints and the proxiers' use of it: cluster
 * endpoints (ready, topology-filtered, else serving+terminating), local
 * endpoints (the same on this node), then which list each kind of traffic
 * uses and whether it is forwarded, rejected or dropped.
 */
static void categorize(struct plan_service *ps, const struct candidates *cs,
		       const char *zone, const char *node)
{
	struct ep_list cluster = {0}, local = {0};
	bool topology = can_use_topology(cs, zone);
	bool any;

	select_with_fallback(cs, false, topology, zone, node, &cluster);
	select_with_fallback(cs, true, false, zone, node, &local);
	any = cluster.n > 0 || local.n > 0;

	if (ps->internal_local)
		ps->internal_eps = ep_list_copy(&local, &ps->n_internal_eps);
	else
		ps->internal_eps = ep_list_copy(&cluster, &ps->n_internal_eps);
	if (ps->external_local)
		ps->external_eps = ep_list_copy(&local, &ps->n_external_eps);
	else
		ps->external_eps = ep_list_copy(&cluster, &ps->n_external_eps);

	ps->short_eps = ep_list_copy(&cluster, &ps->n_short_eps);

	ps->internal_action = action_of(any, ps->n_internal_eps);
	ps->external_action = action_of(any, ps->n_external_eps);
	ps->short_action = action_of(any, ps->n_short_eps);
	free(cluster.items);
	free(local.items);
	serving(ps, cs, node);
}

static struct nfp_addr *addrs_of_family(const struct nfp_addr *in, size_t n,
					int family, size_t *out_n)
{
	struct nfp_addr *out = NULL;
	size_t cap = 0;

	*out_n = 0;
	for (size_t i = 0; i < n; i++)
		if (in[i].family == family)
			*XPUSH(out, *out_n, cap) = in[i];
	if (out)
		qsort(out, *out_n, sizeof(*out), nfp_addr_qcmp);
	return out;
}

static struct nfp_cidr *cidrs_of_family(const struct nfp_cidr *in, size_t n,
					int family, size_t *out_n)
{
	struct nfp_cidr *out = NULL;
	size_t cap = 0;

	*out_n = 0;
	for (size_t i = 0; i < n; i++)
		if (in[i].addr.family == family)
			*XPUSH(out, *out_n, cap) = in[i];
	if (out)
		qsort(out, *out_n, sizeof(*out), nfp_cidr_qcmp);
	return out;
}

/* externalIPs, node ports and LB IPs make a service externally reachable */
static bool externally_accessible(const struct k8s_service *svc)
{
	return svc->type == K8S_SVC_NODE_PORT ||
	       svc->type == K8S_SVC_LOAD_BALANCER || svc->n_external_ips > 0;
}

static void add_service_port(struct plan *p, size_t *cap,
			     const struct k8s_service *svc,
			     const struct k8s_service_port *sp,
			     const struct nfp_addr *cluster_ip,
			     const struct slice_index *idx, struct diag_list *d)
{
	struct plan_service *ps = XPUSH(p->services, p->n_services, *cap);
	int family = cluster_ip->family;
	struct candidates cs = {0};
	struct strbuf id = {0};
	bool lb = svc->type == K8S_SVC_LOAD_BALANCER;

	ps->ns = xstrdup(svc->meta.ns);
	ps->name = xstrdup(svc->meta.name);
	ps->port_name = xstrdup(sp->name);
	if (sp->name[0])
		strbuf_addf(&id, "%s/%s:%s", svc->meta.ns, svc->meta.name,
			    sp->name);
	else
		strbuf_addf(&id, "%s/%s:%u", svc->meta.ns, svc->meta.name,
			    sp->port);
	ps->id = strbuf_detach(&id);
	ps->family = family;
	ps->proto = sp->proto;
	ps->cluster_ip = *cluster_ip;
	ps->port = sp->port;
	if (svc->type == K8S_SVC_NODE_PORT || lb)
		ps->node_port = sp->node_port;
	ps->external_ips =
		addrs_of_family(svc->external_ips, svc->n_external_ips, family,
				&ps->n_external_ips);
	if (lb) {
		ps->lb_ips = addrs_of_family(svc->lb_ips, svc->n_lb_ips, family,
					     &ps->n_lb_ips);
		ps->lb_source_ranges = cidrs_of_family(
			svc->lb_source_ranges, svc->n_lb_source_ranges, family,
			&ps->n_lb_source_ranges);
	}
	ps->external_local =
		externally_accessible(svc) && svc->external_policy_local;
	ps->internal_local = svc->internal_policy_local;
	if (ps->external_local && lb)
		ps->health_check_node_port = svc->health_check_node_port;
	if (ps->health_check_node_port && sp == &svc->ports[0] &&
	    family == svc->cluster_ips[0].family)
		diag_addf(
			d, DIAG_WARN,
			"Service %s/%s: healthCheckNodePort %u is not served yet (no health server): load balancers probing it see every node as down",
			svc->meta.ns, svc->meta.name,
			ps->health_check_node_port);
	if (svc->affinity_client_ip)
		ps->affinity_timeout = svc->affinity_timeout
					       ? svc->affinity_timeout
					       : K8S_DEFAULT_AFFINITY_TIMEOUT;

	gather_candidates(idx, svc, sp, family, &cs);
	dedup_candidates(&cs);
	categorize(ps, &cs, p->node.zone, p->node.name);
	free(cs.items);
}

/* Services that this proxy does not program, and why (NULL: program it). */
static const char *skip_reason(const struct k8s_service *svc)
{
	if (svc->type == K8S_SVC_EXTERNAL_NAME)
		return "type ExternalName";
	if (svc->headless)
		return "headless";
	if (k8s_meta_label(&svc->meta, LABEL_SERVICE_PROXY_NAME))
		return "label " LABEL_SERVICE_PROXY_NAME " names another proxy";
	return NULL;
}

static void add_services(const struct k8s_cluster *c, struct plan *p,
			 struct diag_list *d)
{
	struct slice_index idx;
	size_t cap = 0;

	slice_index_build(c, &idx, d);
	for (size_t i = 0; i < c->n_services; i++) {
		const struct k8s_service *svc = &c->services[i];
		const char *why = skip_reason(svc);

		if (why) {
			diag_addf(d, DIAG_INFO,
				  "Service %s/%s: %s, not proxied",
				  svc->meta.ns, svc->meta.name, why);
			continue;
		}
		for (size_t f = 0; f < svc->n_cluster_ips; f++)
			for (size_t k = 0; k < svc->n_ports; k++)
				add_service_port(p, &cap, svc, &svc->ports[k],
						 &svc->cluster_ips[f], &idx, d);
	}
	free(idx.items);
	if (p->services)
		qsort(p->services, p->n_services, sizeof(*p->services),
		      plan_service_cmp);
}

static const struct k8s_node *find_node(const struct k8s_cluster *c,
					const char *name)
{
	for (size_t i = 0; name && i < c->n_nodes; i++)
		if (strcmp(c->nodes[i].meta.name, name) == 0)
			return &c->nodes[i];
	return NULL;
}

static void fill_node(const struct k8s_cluster *c,
		      const struct plan_config *cfg, struct plan_node *pn,
		      struct diag_list *d)
{
	const struct k8s_node *node = find_node(c, cfg->hostname);
	size_t cap = 0;

	pn->name = xstrdup_null(cfg->hostname);
	pn->masquerade_all = cfg->masquerade_all;
	if (cfg->n_cluster_cidrs) {
		pn->cluster_cidrs = xcalloc(cfg->n_cluster_cidrs,
					    sizeof(*pn->cluster_cidrs));
		memcpy(pn->cluster_cidrs, cfg->cluster_cidrs,
		       cfg->n_cluster_cidrs * sizeof(*pn->cluster_cidrs));
		pn->n_cluster_cidrs = cfg->n_cluster_cidrs;
	}
	if (cfg->n_nodeport_cidrs) {
		pn->nodeport_cidrs = xcalloc(cfg->n_nodeport_cidrs,
					     sizeof(*pn->nodeport_cidrs));
		memcpy(pn->nodeport_cidrs, cfg->nodeport_cidrs,
		       cfg->n_nodeport_cidrs * sizeof(*pn->nodeport_cidrs));
		pn->n_nodeport_cidrs = cfg->n_nodeport_cidrs;
	}
	if (!node) {
		if (cfg->hostname)
			diag_addf(
				d, DIAG_WARN,
				"Node %s: not found; no zone for topology hints and no node addresses",
				cfg->hostname);
		return;
	}
	pn->zone = xstrdup_null(k8s_meta_label(&node->meta, LABEL_ZONE));
	for (size_t i = 0; i < node->n_addresses; i++) {
		const struct k8s_node_address *a = &node->addresses[i];

		if (a->addr.family && (strcmp(a->type, "InternalIP") == 0 ||
				       strcmp(a->type, "ExternalIP") == 0))
			*XPUSH(pn->addrs, pn->n_addrs, cap) = a->addr;
	}
	if (pn->addrs)
		qsort(pn->addrs, pn->n_addrs, sizeof(*pn->addrs),
		      nfp_addr_qcmp);
	if (node->n_pod_cidrs) {
		pn->pod_cidrs =
			xcalloc(node->n_pod_cidrs, sizeof(*pn->pod_cidrs));
		memcpy(pn->pod_cidrs, node->pod_cidrs,
		       node->n_pod_cidrs * sizeof(*pn->pod_cidrs));
		pn->n_pod_cidrs = node->n_pod_cidrs;
		qsort(pn->pod_cidrs, pn->n_pod_cidrs, sizeof(*pn->pod_cidrs),
		      nfp_cidr_qcmp);
	}
}

int plan_build(const struct k8s_cluster *c, const struct plan_config *cfg,
	       struct plan *out, struct diag_list *diags)
{
	memset(out, 0, sizeof(*out));
	fill_node(c, cfg, &out->node, diags);
	add_services(c, out, diags);
	hostport_plan(c->pods, c->n_pods, cfg->hostname, out, diags);
	if (cfg->egress_masq)
		masq_plan(cfg->cluster_cidrs, cfg->n_cluster_cidrs,
			  cfg->non_masq_cidrs, cfg->n_non_masq_cidrs,
			  cfg->masq_link_local, cfg->masq_link_local_v6,
			  &out->masq);
	return 0;
}
