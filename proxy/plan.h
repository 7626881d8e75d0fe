/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_PROXY_PLAN_H
#define NFP_PROXY_PLAN_H

/*
 * The plan: what the node's data path must do, independent of any back end.
 * It is the contract between the Kubernetes world (watch/, proxy/plan_build)
 * and the netfilter world (rules/): rules/ compiles a plan, it never sees
 * Kubernetes objects. Everything in a plan is sorted, so that two builds
 * from the same input compile to the same ruleset.
 *
 * All arrays and strings are owned by the plan; plan_free() releases them.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"
#include "util/proto.h"

/* What a frontend does with a packet. */
enum plan_action {
	PLAN_FORWARD, /* DNAT to one of the endpoints */
	PLAN_REJECT,  /* no endpoints at all: ICMP port unreachable */
	PLAN_DROP,    /* policy Local and no local endpoint: drop */
};

struct plan_endpoint {
	struct nfp_addr addr;
	uint16_t port;
	bool local; /* runs on this node */
};

/*
 * One service port of one IP family: "ns/name:port" for IPv4 or IPv6.
 * A dual-stack service gives two plan_service entries.
 */
struct plan_service {
	char *ns;
	char *name;
	char *port_name; /* "" if the port is unnamed */
	char *id; /* "ns/name:port" (port name, or number if unnamed): comments
		   */
	int family; /* AF_INET or AF_INET6 */
	enum nfp_proto proto;

	struct nfp_addr cluster_ip;
	uint16_t port;
	uint16_t node_port;	       /* 0: none */
	struct nfp_addr *external_ips; /* spec.externalIPs of this family */
	size_t n_external_ips;
	struct nfp_addr *lb_ips; /* load-balancer ingress IPs of this family */
	size_t n_lb_ips;
	/* loadBalancerSourceRanges of this family; empty: every source */
	struct nfp_cidr *lb_source_ranges;
	size_t n_lb_source_ranges;

	bool external_local;		 /* externalTrafficPolicy=Local */
	bool internal_local;		 /* internalTrafficPolicy=Local */
	uint16_t health_check_node_port; /* 0: none */
	uint32_t affinity_timeout; /* ClientIP affinity in seconds; 0: none */

	/* Traffic to the cluster IP (and pod traffic short-circuited from
	 * external frontends when external_local). */
	enum plan_action internal_action;
	struct plan_endpoint *internal_eps; /* sorted by address, port */
	size_t n_internal_eps;

	/* Traffic to node ports, external IPs and load-balancer IPs. */
	enum plan_action external_action;
	struct plan_endpoint *external_eps;
	size_t n_external_eps;

	/* With external_local, pods and the node itself reaching an external
	 * frontend short-circuit to the Cluster policy's endpoints (as
	 * kube-proxy does), whatever internalTrafficPolicy says. */
	enum plan_action short_action;
	struct plan_endpoint *short_eps;
	size_t n_short_eps;

	/* Every serving endpoint (ready, or serving and terminating; any
	 * node, no topology filter): UDP/SCTP flows to one of these survive
	 * the conntrack cleanup, as kube-proxy keeps flows while the endpoint
	 * is serving. */
	struct plan_endpoint *serving_eps;
	size_t n_serving_eps;
};

/* One forwarded hostPort of a running pod on this node. */
struct plan_hostport {
	char *pod; /* "ns/name": comments */
	int family;
	enum nfp_proto proto;
	struct nfp_addr host_ip; /* family 0: every local address */
	uint16_t host_port;
	struct nfp_addr pod_ip;
	uint16_t container_port;
};

/* Egress masquerade (ip-masq-agent semantics, limited to pod sources). */
struct plan_masq {
	bool enabled;
	struct nfp_cidr *pod_cidrs; /* sources that are masqueraded */
	size_t n_pod_cidrs;
	struct nfp_cidr *non_masq_cidrs; /* destinations left alone */
	size_t n_non_masq_cidrs;
	bool masq_link_local;	 /* also masquerade to 169.254.0.0/16 */
	bool masq_link_local_v6; /* also masquerade to fe80::/10 */
};

/* The node the plan is for. */
struct plan_node {
	char *name;
	char *zone; /* topology.kubernetes.io/zone, NULL if unknown */
	struct nfp_addr *addrs; /* the Node's InternalIP/ExternalIP */
	size_t n_addrs;
	/* --nodeport-addresses; empty: every local address of the node */
	struct nfp_cidr *nodeport_cidrs;
	size_t n_nodeport_cidrs;
	/* --cluster-cidr: sources inside are pods; empty: unknown */
	struct nfp_cidr *cluster_cidrs;
	size_t n_cluster_cidrs;
	/* The Node's spec.podCIDRs (sorted): this node's own pods, which a
	 * hostPort masquerades (hairpin); empty: unknown */
	struct nfp_cidr *pod_cidrs;
	size_t n_pod_cidrs;
	bool masquerade_all; /* --masquerade-all */
};

struct plan {
	struct plan_node node;
	struct plan_service *services; /* sorted by family, id */
	size_t n_services;
	struct plan_hostport *hostports; /* sorted by family, proto, host */
	size_t n_hostports;
	struct plan_masq masq;
};

void plan_free(struct plan *p);
/* Comparators used for the sort order that the plan promises. */
int plan_service_cmp(const void *a, const void *b);
int plan_endpoint_cmp(const void *a, const void *b);
int plan_hostport_cmp(const void *a, const void *b);

#endif
