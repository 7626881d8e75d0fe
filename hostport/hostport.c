// SPDX-License-Identifier: GPL-2.0
/*
 * Pods' hostPorts → plan entries, as the CNI portmap plugin would set them
 * up for the pods of this node. Pure.
 */
#include "hostport/hostport.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static int pod_ptr_cmp(const void *a, const void *b)
{
	const struct k8s_pod *x = *(const struct k8s_pod *const *)a;
	const struct k8s_pod *y = *(const struct k8s_pod *const *)b;
	int r = strcmp(x->meta.ns, y->meta.ns);

	return r ? r : strcmp(x->meta.name, y->meta.name);
}

static bool addr_unspecified(const struct nfp_addr *a)
{
	static const uint8_t zero[16];

	return !a->family || !memcmp(a->b, zero, nfp_addr_len(a->family));
}

/* Pods whose hostPorts this node forwards: scheduled here, running, with
 * their own network namespace and an address. */
static bool pod_forwards_here(const struct k8s_pod *pod, const char *node)
{
	return node && pod->node_name && strcmp(pod->node_name, node) == 0 &&
	       pod->phase && strcmp(pod->phase, "Running") == 0 &&
	       !pod->host_network && pod->n_pod_ips > 0;
}

/* Two claims clash when family, protocol and port match and either binds
 * every address or both bind the same one. */
static const struct plan_hostport *find_clash(const struct plan *plan,
					      const struct plan_hostport *hp)
{
	for (size_t i = 0; i < plan->n_hostports; i++) {
		const struct plan_hostport *o = &plan->hostports[i];

		if (o->family != hp->family || o->proto != hp->proto ||
		    o->host_port != hp->host_port)
			continue;
		if (!o->host_ip.family || !hp->host_ip.family ||
		    nfp_addr_eq(&o->host_ip, &hp->host_ip))
			return o;
	}
	return NULL;
}

static void add_port(const struct k8s_pod *pod,
		     const struct k8s_container_port *cp, const char *pod_id,
		     struct plan *plan, size_t *cap, struct diag_list *d)
{
	for (size_t i = 0; i < pod->n_pod_ips; i++) {
		const struct nfp_addr *ip = &pod->pod_ips[i];
		struct plan_hostport hp = {
			.family = ip->family,
			.proto = cp->proto,
			.host_port = cp->host_port,
			.pod_ip = *ip,
			.container_port = cp->container_port,
		};
		const struct plan_hostport *clash;
		char a[NFP_ADDR_STRLEN];

		if (!addr_unspecified(&cp->host_ip)) {
			if (cp->host_ip.family != ip->family)
				continue;
			hp.host_ip = cp->host_ip;
		}
		clash = find_clash(plan, &hp);
		if (clash) {
			diag_addf(
				d, DIAG_WARN,
				"Pod %s: hostPort %s/%u on %s already taken by pod %s, not forwarded",
				pod_id, nfp_proto_name(cp->proto),
				cp->host_port,
				hp.host_ip.family ? nfp_addr_str(&hp.host_ip, a)
						  : "every address",
				clash->pod);
			continue;
		}
		hp.pod = xstrdup(pod_id);
		*XPUSH(plan->hostports, plan->n_hostports, *cap) = hp;
	}
}

void hostport_plan(const struct k8s_pod *pods, size_t n_pods, const char *node,
		   struct plan *plan, struct diag_list *diags)
{
	const struct k8s_pod **sorted = xcalloc(n_pods, sizeof(*sorted));
	size_t n = 0, cap = plan->n_hostports;

	for (size_t i = 0; i < n_pods; i++)
		if (pod_forwards_here(&pods[i], node))
			sorted[n++] = &pods[i];
	qsort(sorted, n, sizeof(*sorted), pod_ptr_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct k8s_pod *pod = sorted[i];
		struct strbuf id = {0};

		strbuf_addf(&id, "%s/%s", pod->meta.ns, pod->meta.name);
		for (size_t k = 0; k < pod->n_ports; k++)
			if (pod->ports[k].host_port)
				add_port(pod, &pod->ports[k], id.buf, plan,
					 &cap, diags);
		strbuf_release(&id);
	}
	free(sorted);
	if (plan->hostports)
		qsort(plan->hostports, plan->n_hostports,
		      sizeof(*plan->hostports), plan_hostport_cmp);
}
