/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_CNI_PODCIDR_H
#define NFP_CNI_PODCIDR_H

#include <stddef.h>

#include "cni/result.h"
#include "util/addr.h"

/*
 * "subnet": "auto": the node's pod CIDRs (spec.podCIDRs, or spec.podCIDR)
 * from its Node object, read once per command with watch/'s client.
 */

#define CNI_PODCIDR_TIMEOUT_MS 15000
#define CNI_PODCIDR_MAX_BODY (1 << 20) /* a Node is a few KiB */

/*
 * The pod CIDRs of the Node object in buf (JSON, as GET
 * /api/v1/nodes/NAME returns it), at most max of them, into out; their
 * number in *n. Pure. Returns 0, or -EINVAL with err set: not a Node
 * (CNI_ERR_INTERNAL, the API server's answer was wrong) or no pod CIDR
 * yet (CNI_ERR_TRY_AGAIN: the controller manager has not assigned one).
 */
int cni_podcidr_decode(const char *buf, size_t len, const char *node,
		       struct nfp_cidr *out, size_t max, size_t *n,
		       struct cni_error *err);

/*
 * Read Node `node` with the credentials of `kubeconfig` and decode it as
 * above. Errors: an unusable kubeconfig (CNI_ERR_INVALID_CONFIG), the API
 * server unreachable, the Node missing (CNI_ERR_TRY_AGAIN: it may not
 * have registered yet), credentials refused (CNI_ERR_INVALID_CONFIG).
 */
int cni_podcidr_fetch(const char *kubeconfig, const char *node,
		      struct nfp_cidr *out, size_t max, size_t *n,
		      struct cni_error *err);

/* The node's name as kubelet registers it by default: the host name in
 * lower case. Owned; NULL if the host name cannot be read. */
char *cni_podcidr_node_name(void);

#endif
