// SPDX-License-Identifier: GPL-2.0
#include "watch/k8s.h"

#include <stdlib.h>
#include <string.h>

const char *k8s_meta_label(const struct k8s_meta *m, const char *key)
{
	for (size_t i = 0; i < m->n_labels; i++)
		if (strcmp(m->labels[i].key, key) == 0)
			return m->labels[i].value;
	return NULL;
}

static void meta_free(struct k8s_meta *m)
{
	free(m->ns);
	free(m->name);
	free(m->uid);
	free(m->resource_version);
	for (size_t i = 0; i < m->n_labels; i++) {
		free(m->labels[i].key);
		free(m->labels[i].value);
	}
	free(m->labels);
}

/*
 * The _free functions release what an object owns, not the object: objects
 * live in the arrays of struct k8s_cluster. They accept a partly decoded
 * object (the decoder frees what it built when a later field is bad) and
 * leave the object zeroed, so a second call is harmless.
 */
void k8s_service_free(struct k8s_service *s)
{
	if (!s)
		return;
	meta_free(&s->meta);
	free(s->cluster_ips);
	for (size_t i = 0; i < s->n_ports; i++)
		free(s->ports[i].name);
	free(s->ports);
	free(s->external_ips);
	free(s->lb_ips);
	free(s->lb_source_ranges);
	memset(s, 0, sizeof(*s));
}

void k8s_endpointslice_free(struct k8s_endpointslice *s)
{
	if (!s)
		return;
	meta_free(&s->meta);
	free(s->service_name);
	for (size_t i = 0; i < s->n_endpoints; i++) {
		struct k8s_endpoint *e = &s->endpoints[i];

		free(e->node_name);
		free(e->zone);
		for (size_t j = 0; j < e->n_hint_zones; j++)
			free(e->hint_zones[j]);
		free(e->hint_zones);
	}
	free(s->endpoints);
	for (size_t i = 0; i < s->n_ports; i++)
		free(s->ports[i].name);
	free(s->ports);
	memset(s, 0, sizeof(*s));
}

void k8s_pod_free(struct k8s_pod *p)
{
	if (!p)
		return;
	meta_free(&p->meta);
	free(p->node_name);
	free(p->phase);
	free(p->pod_ips);
	for (size_t i = 0; i < p->n_ports; i++)
		free(p->ports[i].name);
	free(p->ports);
	memset(p, 0, sizeof(*p));
}

void k8s_node_free(struct k8s_node *n)
{
	if (!n)
		return;
	meta_free(&n->meta);
	free(n->pod_cidrs);
	for (size_t i = 0; i < n->n_addresses; i++)
		free(n->addresses[i].type);
	free(n->addresses);
	memset(n, 0, sizeof(*n));
}

void k8s_cluster_clear(struct k8s_cluster *c)
{
	for (size_t i = 0; i < c->n_services; i++)
		k8s_service_free(&c->services[i]);
	free(c->services);
	for (size_t i = 0; i < c->n_slices; i++)
		k8s_endpointslice_free(&c->slices[i]);
	free(c->slices);
	for (size_t i = 0; i < c->n_pods; i++)
		k8s_pod_free(&c->pods[i]);
	free(c->pods);
	for (size_t i = 0; i < c->n_nodes; i++)
		k8s_node_free(&c->nodes[i]);
	free(c->nodes);
	memset(c, 0, sizeof(*c));
}
