/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_CNI_CONFIG_H
#define NFP_CNI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "cni/ipam.h"
#include "cni/result.h"
#include "util/addr.h"

/*
 * The network configuration nfbridge reads from stdin, decoded once: the
 * rest of the plugin never sees JSON. Keys:
 *
 *   cniVersion, name, type      the spec's
 *   bridge      "cbr0"          the node's bridge
 *   subnet      "10.244.1.0/24" one subnet, or "auto" (the Node's
 *                               podCIDRs, read with kubeconfig)
 *   kubeconfig, nodeName        for "auto" (nodeName: the host name)
 *   subnets     [..]            one subnet per family (dual-stack): strings
 *                               or {"subnet": .., "gateway": ..}
 *   gateway     first address   the bridge's address (of its family)
 *   mtu         kernel default  bridge and veth MTU
 *   dataDir     /var/lib/cni/networks
 *   hairpinMode true
 *   dns, prevResult, cni.dev/valid-attachments   the spec's
 */

#define CNI_DEFAULT_BRIDGE "cbr0"
#define CNI_DEFAULT_DATA_DIR "/var/lib/cni/networks"
#define CNI_MAX_SUBNETS 2 /* one IPv4, one IPv6 */
#define CNI_MIN_MTU 68	  /* the IPv4 minimum */
#define CNI_MAX_MTU 65535

struct cni_subnet {
	struct nfp_cidr cidr; /* host bits clear */
	struct nfp_addr gw;   /* inside cidr, a host address */
};

struct cni_config {
	char *version; /* cniVersion, supported */
	char *name;
	char *type;
	char *bridge;
	char *data_dir;
	char *kubeconfig; /* NULL if unset */
	char *node_name;  /* nodeName; NULL: the host name (subnet auto) */
	bool subnet_auto; /* "subnet": "auto"; subnets[] filled by ADD */
	struct nfp_addr gateway; /* the gateway key; family 0 if unset */
	struct cni_subnet subnets[CNI_MAX_SUBNETS];
	size_t n_subnets; /* 1 or 2 unless subnet_auto */
	unsigned int mtu; /* 0: kernel default */
	bool hairpin;
	struct cni_dns dns;
	bool has_prev_result;
	struct cni_result prev_result;
	bool has_valid_attachments;
	struct cni_attachment *valid;
	size_t n_valid, cap_valid;
};

/*
 * Decode a network configuration. Returns 0, or -EINVAL with err set:
 * CNI_ERR_DECODE (not JSON, not an object), CNI_ERR_INCOMPATIBLE_VERSION,
 * CNI_ERR_UNSUPPORTED_FIELD (ipam, ipMasq: true) or CNI_ERR_INVALID_CONFIG
 * (a key with a bad value, named in the message). cfg is always safe to
 * pass to cni_config_clear().
 */
int cni_config_parse(const char *buf, size_t len, struct cni_config *cfg,
		     struct cni_error *err);
void cni_config_clear(struct cni_config *cfg);

/*
 * Add a subnet (host bits clear) with its gateway (NULL: the first
 * address) after the checks the subnet keys get: one per family, room for
 * a gateway and a pod, the gateway a host address of the subnet. For
 * subnets learnt later (subnet "auto"). Returns 0 or -EINVAL with err set
 * (CNI_ERR_INVALID_CONFIG).
 */
int cni_config_add_subnet(struct cni_config *cfg, const struct nfp_cidr *cidr,
			  const struct nfp_addr *gw, struct cni_error *err);
/* The gateway key if it is of cidr's family, else NULL. Borrowed. */
const struct nfp_addr *cni_config_gateway_for(const struct cni_config *cfg,
					      const struct nfp_cidr *cidr);

/* The cniVersion of buf if it is a JSON object with a supported one,
 * else NULL; owned. For replies when the full parse fails. */
char *cni_config_peek_version(const char *buf, size_t len);

/* True if name is a valid network name: [A-Za-z0-9][A-Za-z0-9_.-]*. */
bool cni_config_name_valid(const char *name);
/* True if name can be a Linux interface name (1..15 bytes, no '/',
 * whitespace or ':', not "." or ".."). */
bool cni_ifname_valid(const char *name);

#endif
