/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_WATCH_K8S_H
#define NFP_WATCH_K8S_H

/*
 * The Kubernetes objects kube-nfproxy reads, decoded once at the edge
 * (watch/decode.c) into plain structs: the rest of the program never sees
 * JSON. Only the fields that proxying, hostPorts and masquerade need are
 * kept. Every string is owned by the object; k8s_*_free() releases it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"
#include "util/proto.h"

struct k8s_kv {
	char *key;
	char *value;
};

struct k8s_meta {
	char *ns; /* "" for cluster-scoped objects (Node) */
	char *name;
	char *uid;
	char *resource_version;
	bool deleting; /* metadata.deletionTimestamp is set */
	struct k8s_kv *labels;
	size_t n_labels;
};

/* Value of a label, or NULL. Borrowed. */
const char *k8s_meta_label(const struct k8s_meta *m, const char *key);

enum k8s_service_type {
	K8S_SVC_CLUSTER_IP,
	K8S_SVC_NODE_PORT,
	K8S_SVC_LOAD_BALANCER,
	K8S_SVC_EXTERNAL_NAME,
	__K8S_SVC_MAX
};

struct k8s_service_port {
	char *name; /* "" when the service has one unnamed port */
	enum nfp_proto proto;
	uint16_t port;
	uint16_t node_port; /* 0 if none */
};

#define K8S_DEFAULT_AFFINITY_TIMEOUT 10800

struct k8s_service {
	struct k8s_meta meta;
	enum k8s_service_type type;
	bool headless;		      /* clusterIP: None */
	struct nfp_addr *cluster_ips; /* spec.clusterIPs (or clusterIP) */
	size_t n_cluster_ips;
	struct k8s_service_port *ports;
	size_t n_ports;
	struct nfp_addr *external_ips;
	size_t n_external_ips;
	struct nfp_addr *lb_ips; /* status ingress IPs, ipMode Proxy left out */
	size_t n_lb_ips;
	struct nfp_cidr *lb_source_ranges;
	size_t n_lb_source_ranges;
	bool external_policy_local; /* externalTrafficPolicy: Local */
	bool internal_policy_local; /* internalTrafficPolicy: Local */
	uint16_t health_check_node_port;
	bool affinity_client_ip;
	uint32_t affinity_timeout; /* seconds */
};

struct k8s_endpoint {
	struct nfp_addr addr; /* the first of addresses[] */
	bool ready;	      /* conditions; a missing ready means true */
	bool serving;	      /* missing: same as ready */
	bool terminating;     /* missing: false */
	char *node_name;      /* NULL if unset */
	char *zone;	      /* NULL if unset */
	char **hint_zones;    /* hints.forZones[].name */
	size_t n_hint_zones;
	bool has_hints; /* hints.forZones present */
};

struct k8s_endpoint_port {
	char *name; /* "" if unnamed */
	enum nfp_proto proto;
	uint16_t port;
};

enum k8s_address_type { K8S_ADDR_IPV4, K8S_ADDR_IPV6, K8S_ADDR_FQDN };

struct k8s_endpointslice {
	struct k8s_meta meta;
	char *service_name; /* label kubernetes.io/service-name, NULL if absent
			     */
	enum k8s_address_type address_type;
	struct k8s_endpoint *endpoints;
	size_t n_endpoints;
	struct k8s_endpoint_port *ports;
	size_t n_ports;
};

struct k8s_container_port {
	char *name;
	enum nfp_proto proto;
	uint16_t container_port;
	uint16_t host_port;	 /* 0 if none */
	struct nfp_addr host_ip; /* family 0 if unset (all addresses) */
};

struct k8s_pod {
	struct k8s_meta meta;
	char *node_name; /* NULL if not scheduled */
	char *phase;	 /* "Running", "Pending", ... NULL if unset */
	bool host_network;
	struct nfp_addr *pod_ips; /* status.podIPs (or podIP) */
	size_t n_pod_ips;
	struct k8s_container_port *ports; /* of every container */
	size_t n_ports;
};

struct k8s_node_address {
	char *type;	      /* "InternalIP", "ExternalIP", "Hostname", ... */
	struct nfp_addr addr; /* family 0 for non-IP entries */
};

struct k8s_node {
	struct k8s_meta meta;
	struct nfp_cidr *pod_cidrs; /* spec.podCIDRs (or podCIDR) */
	size_t n_pod_cidrs;
	struct k8s_node_address *addresses;
	size_t n_addresses;
};

void k8s_service_free(struct k8s_service *s);
void k8s_endpointslice_free(struct k8s_endpointslice *s);
void k8s_pod_free(struct k8s_pod *p);
void k8s_node_free(struct k8s_node *n);

/* A set of objects: what a snapshot holds, or what the informers cache. */
struct k8s_cluster {
	struct k8s_service *services;
	size_t n_services, cap_services;
	struct k8s_endpointslice *slices;
	size_t n_slices, cap_slices;
	struct k8s_pod *pods;
	size_t n_pods, cap_pods;
	struct k8s_node *nodes;
	size_t n_nodes, cap_nodes;
};

/* Frees every object and the arrays; the struct itself is the caller's. */
void k8s_cluster_clear(struct k8s_cluster *c);

#endif
