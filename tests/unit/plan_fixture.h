/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_TESTS_PLAN_FIXTURE_H
#define NFP_TESTS_PLAN_FIXTURE_H

/*
 * Plans built by hand for the back ends' tests and benchmarks (iptables
 * and nftables alike): addresses, service ports, endpoints, hostPorts.
 * Everything allocated here belongs to the plan and is released by
 * plan_free().
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/plan.h"
#include "util/addr.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static inline struct nfp_addr fx_addr(const char *s)
{
	struct nfp_addr a;

	ck_assert_msg(nfp_addr_parse(s, &a) == 0, "bad address %s", s);
	return a;
}

static inline struct nfp_cidr fx_cidr(const char *s)
{
	struct nfp_cidr c;

	ck_assert_msg(nfp_cidr_parse(s, &c) == 0, "bad cidr %s", s);
	return c;
}

static inline void fx_push_addr(struct nfp_addr **arr, size_t *n, const char *s)
{
	*arr = xrealloc(*arr, (*n + 1) * sizeof(**arr));
	(*arr)[(*n)++] = fx_addr(s);
}

static inline void fx_push_cidr(struct nfp_cidr **arr, size_t *n, const char *s)
{
	*arr = xrealloc(*arr, (*n + 1) * sizeof(**arr));
	(*arr)[(*n)++] = fx_cidr(s);
}

/*
 * A service port with no endpoints (actions REJECT). The pointer is valid
 * until the next fx_service() on the same plan; add services in the
 * plan's order (family, id).
 */
static inline struct plan_service *fx_service(struct plan *p, const char *ns,
					      const char *name,
					      const char *port_name,
					      enum nfp_proto proto,
					      const char *cip, uint16_t port)
{
	struct plan_service *s;
	struct strbuf id = {0};

	p->services = xrealloc(p->services,
			       (p->n_services + 1) * sizeof(*p->services));
	s = &p->services[p->n_services++];
	memset(s, 0, sizeof(*s));
	s->ns = xstrdup(ns);
	s->name = xstrdup(name);
	s->port_name = xstrdup(port_name);
	if (port_name[0])
		strbuf_addf(&id, "%s/%s:%s", ns, name, port_name);
	else
		strbuf_addf(&id, "%s/%s:%u", ns, name, port);
	s->id = strbuf_detach(&id);
	s->proto = proto;
	s->cluster_ip = fx_addr(cip);
	s->family = s->cluster_ip.family;
	s->port = port;
	s->internal_action = PLAN_REJECT;
	s->external_action = PLAN_REJECT;
	s->short_action = PLAN_REJECT;
	return s;
}

/* Set the actions from the endpoint lists, as the plan builder does: some
 * endpoints for the traffic: FORWARD; none at all: REJECT; some, but none
 * that the policy allows: DROP. */
static inline void fx_settle(struct plan_service *s, size_t total)
{
	s->short_action = s->n_short_eps ? PLAN_FORWARD
			  : total	 ? PLAN_DROP
					 : PLAN_REJECT;
	s->internal_action = s->n_internal_eps ? PLAN_FORWARD
			     : total	       ? PLAN_DROP
					       : PLAN_REJECT;
	s->external_action = s->n_external_eps ? PLAN_FORWARD
			     : total	       ? PLAN_DROP
					       : PLAN_REJECT;
}

/*
 * Endpoints "ip:port" or "ip:port/local" ("[ip]:port" for IPv6), in
 * address order, the list ended by NULL: fx_endpoints(s, "a", "b", NULL).
 * Each goes to the internal and external lists that its policy allows,
 * and to the short-circuit list (the Cluster policy's: every endpoint),
 * which is the internal list unless internalTrafficPolicy is Local; set
 * the traffic policies before calling. (A macro over an array rather
 * than a variadic function: a NULL sentinel through "..." is not portable.)
 */
#define fx_endpoints(s, ...) \
	fx_endpoint_list((s), (const char *const[]){__VA_ARGS__})

static inline void fx_endpoint_list(struct plan_service *s,
				    const char *const *list)
{
	size_t total = 0;

	for (const char *e; (e = *list); list++) {
		struct plan_endpoint ep = {0};
		char ip[64], *colon;

		snprintf(ip, sizeof(ip), "%s", e);
		ep.local = strstr(ip, "/local") != NULL;
		if (ep.local)
			*strstr(ip, "/local") = '\0';
		colon = strrchr(ip, ':');
		ck_assert(colon != NULL);
		*colon = '\0';
		ep.port = (uint16_t)atoi(colon + 1);
		if (ip[0] == '[') {
			ip[strlen(ip) - 1] = '\0';
			ep.addr = fx_addr(ip + 1);
		} else {
			ep.addr = fx_addr(ip);
		}
		total++;
		s->short_eps = xrealloc(s->short_eps,
					(s->n_short_eps + 1) * sizeof(ep));
		s->short_eps[s->n_short_eps++] = ep;
		if (!s->internal_local || ep.local) {
			s->internal_eps =
				xrealloc(s->internal_eps,
					 (s->n_internal_eps + 1) * sizeof(ep));
			s->internal_eps[s->n_internal_eps++] = ep;
		}
		if (!s->external_local || ep.local) {
			s->external_eps =
				xrealloc(s->external_eps,
					 (s->n_external_eps + 1) * sizeof(ep));
			s->external_eps[s->n_external_eps++] = ep;
		}
	}
	fx_settle(s, total);
}

static inline struct plan_hostport *
fx_hostport(struct plan *p, const char *pod, enum nfp_proto proto,
	    const char *host_ip, uint16_t host_port, const char *pod_ip,
	    uint16_t container_port)
{
	struct plan_hostport *h;

	p->hostports =
		xrealloc(p->hostports, (p->n_hostports + 1) * sizeof(*h));
	h = &p->hostports[p->n_hostports++];
	memset(h, 0, sizeof(*h));
	h->pod = xstrdup(pod);
	h->proto = proto;
	if (host_ip)
		h->host_ip = fx_addr(host_ip);
	h->host_port = host_port;
	h->pod_ip = fx_addr(pod_ip);
	h->family = h->pod_ip.family;
	h->container_port = container_port;
	return h;
}

#endif
