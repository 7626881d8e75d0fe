/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_CNI_NETLINK_H
#define NFP_CNI_NETLINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/addr.h"

/*
 * The rtnetlink requests nfbridge makes, over libmnl. A socket talks to
 * the network namespace it was opened in (see cni_netns_run()), so the
 * plugin holds one for the node and one for the pod. Every call returns 0
 * or a negative errno from the kernel's answer (-EEXIST, -ENODEV, ...).
 */

struct mnl_socket;

struct cni_nl {
	struct mnl_socket *sk;
	unsigned int portid;
	unsigned int seq;
};

#define CNI_MAC_LEN 6
#define CNI_MAC_STRLEN 18 /* "aa:bb:cc:dd:ee:ff" */

/* What nfbridge needs to know about a link. */
struct cni_link {
	int index;
	unsigned int flags; /* IFF_UP, ... */
	unsigned int mtu;
	int master;    /* ifindex of the bridge it is a port of, 0: none */
	char kind[16]; /* "bridge", "veth", "" for a device without a kind */
	uint8_t mac[CNI_MAC_LEN];
	bool has_mac;
};

/* Open a route socket in the calling thread's network namespace. */
int cni_nl_open(struct cni_nl *nl);
/* A zeroed or closed socket is a no-op. */
void cni_nl_close(struct cni_nl *nl);

/* The link called name: 0, or -ENODEV when there is none. */
int cni_nl_link_get(struct cni_nl *nl, const char *name, struct cni_link *out);
/* Create a bridge; mtu 0 keeps the kernel default, mac NULL a random
 * one. -EEXIST when the name is taken. */
int cni_nl_bridge_add(struct cni_nl *nl, const char *name, unsigned int mtu,
		      const uint8_t *mac);
/*
 * Create a veth pair: name here, peer (named peer_name) directly in the
 * network namespace peer_nsfd, so the pod end never shows up in the
 * node's namespace under a temporary name. mtu 0: kernel default.
 */
int cni_nl_veth_add(struct cni_nl *nl, const char *name, const char *peer_name,
		    int peer_nsfd, unsigned int mtu);
int cni_nl_link_del(struct cni_nl *nl, int index);
int cni_nl_link_set_up(struct cni_nl *nl, int index);
/* Make the link a port of bridge master. */
int cni_nl_link_set_master(struct cni_nl *nl, int index, int master);
/* Hairpin mode of a bridge port: IFLA_BRPORT_MODE in IFLA_PROTINFO. */
int cni_nl_brport_set_hairpin(struct cni_nl *nl, int index, bool on);

/* Add addr (host bits kept: 10.244.1.1/24) to a link; IPv6 addresses
 * skip duplicate address detection, so they are usable at once. */
int cni_nl_addr_add(struct cni_nl *nl, int index, const struct nfp_cidr *addr);
/* 1 if the link has addr (with that prefix length), 0 if not, -errno. */
int cni_nl_addr_has(struct cni_nl *nl, int index, const struct nfp_cidr *addr);
/* A route in the main table: dst via gw (family 0: none) out of index. */
int cni_nl_route_add(struct cni_nl *nl, int index, const struct nfp_cidr *dst,
		     const struct nfp_addr *gw);
/* 1 if the main table has that route, 0 if not, -errno. */
int cni_nl_route_has(struct cni_nl *nl, int index, const struct nfp_cidr *dst,
		     const struct nfp_addr *gw);

/* "aa:bb:cc:dd:ee:ff" into buf (CNI_MAC_STRLEN bytes); returns buf. */
const char *cni_mac_str(const uint8_t *mac, char *buf);

#endif
