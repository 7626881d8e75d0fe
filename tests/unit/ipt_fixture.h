/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_TESTS_IPT_FIXTURE_H
#define NFP_TESTS_IPT_FIXTURE_H

/*
 * Plans built by hand for the iptables back end's tests, and helpers to
 * look at the compiled ruleset. Everything allocated here belongs to the
 * plan and is released by plan_free().
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/plan.h"
#include "rules/ipt_compile.h"
#include "rules/ipt_print.h"
#include "util/addr.h"
#include "util/diag.h"
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
	return s;
}

/* Set the actions from the endpoint lists, as the plan builder does: some
 * endpoints for the traffic: FORWARD; none at all: REJECT; some, but none
 * that the policy allows: DROP. */
static inline void fx_settle(struct plan_service *s, size_t total)
{
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
 * Each goes to the internal and external lists that its policy allows;
 * set the traffic policies before calling. (A macro over an array rather
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

/* Compile one family; the test fails on any diagnostic of level >= warn
 * unless allow_warn. */
static inline void fx_compile(const struct plan *p, int family,
			      struct ipt_ruleset *rs, bool allow_warn)
{
	struct diag_list d = {0};
	int err = ipt_compile(p, family, rs, &d);

	for (size_t i = 0; i < d.n && !allow_warn; i++)
		ck_abort_msg("unexpected diagnostic: %s", d.items[i].msg);
	diag_list_free(&d);
	ck_assert_int_eq(err, 0);
}

/* The rules of a chain printed one per line (owned). Built-in chains by
 * their name ("PREROUTING"). The chain must exist. */
static inline char *fx_chain_text(const struct ipt_ruleset *rs,
				  enum ipt_table_id t, const char *name)
{
	const struct ipt_table *tb = &rs->tables[t];
	const struct ipt_chain *c = ipt_table_find_chain(tb, name);
	struct strbuf sb = {0};

	for (int h = 0; !c && h < __IPT_HOOK_MAX; h++)
		if (ipt_table_has_hook(t, (enum ipt_hook)h) &&
		    !strcmp(tb->hooks[h].name, name))
			c = &tb->hooks[h];
	ck_assert_msg(c != NULL, "no chain %s in %s", name, ipt_table_name(t));
	for (size_t i = 0; i < c->n_rules; i++) {
		ipt_print_rule(&sb, rs->family, c->name, &c->rules[i]);
		strbuf_adds(&sb, "\n");
	}
	return strbuf_detach(&sb);
}

/* Assert that a chain's printed rules are exactly want. */
#define fx_assert_chain(rs, t, name, want)                                  \
	do {                                                                \
		char *got_ = fx_chain_text((rs), (t), (name));              \
		ck_assert_msg(!strcmp(got_, (want)),                        \
			      "chain %s:\n--- got ---\n%s--- want ---\n%s", \
			      (name), got_, (want));                        \
		free(got_);                                                 \
	} while (0)

#endif
