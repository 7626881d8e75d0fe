// SPDX-License-Identifier: GPL-2.0
#include "proxy/plan.h"

#include <stdlib.h>
#include <string.h>

static void plan_service_free(struct plan_service *s)
{
	free(s->ns);
	free(s->name);
	free(s->port_name);
	free(s->id);
	free(s->external_ips);
	free(s->lb_ips);
	free(s->lb_source_ranges);
	free(s->internal_eps);
	free(s->external_eps);
	free(s->short_eps);
	free(s->serving_eps);
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_services; i++)
		plan_service_free(&p->services[i]);
	free(p->services);
	for (size_t i = 0; i < p->n_hostports; i++)
		free(p->hostports[i].pod);
	free(p->hostports);
	free(p->masq.pod_cidrs);
	free(p->masq.non_masq_cidrs);
	free(p->node.name);
	free(p->node.zone);
	free(p->node.addrs);
	free(p->node.nodeport_cidrs);
	free(p->node.cluster_cidrs);
	free(p->node.pod_cidrs);
	memset(p, 0, sizeof(*p));
}

int plan_service_cmp(const void *a, const void *b)
{
	const struct plan_service *x = a, *y = b;
	int r;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	r = strcmp(x->id, y->id);
	if (r)
		return r;
	return nfp_addr_cmp(&x->cluster_ip, &y->cluster_ip);
}

int plan_endpoint_cmp(const void *a, const void *b)
{
	const struct plan_endpoint *x = a, *y = b;
	int r = nfp_addr_cmp(&x->addr, &y->addr);

	if (r)
		return r;
	return (x->port > y->port) - (x->port < y->port);
}

int plan_hostport_cmp(const void *a, const void *b)
{
	const struct plan_hostport *x = a, *y = b;
	int r;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->host_port != y->host_port)
		return x->host_port < y->host_port ? -1 : 1;
	r = nfp_addr_cmp(&x->host_ip, &y->host_ip);
	if (r)
		return r;
	return strcmp(x->pod, y->pod);
}
