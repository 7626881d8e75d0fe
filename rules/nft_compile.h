/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_RULES_NFT_COMPILE_H
#define NFP_RULES_NFT_COMPILE_H

/*
 * plan -> nftables ruleset (rules/nft_ruleset.h). The layout is described
 * in docs/rules-nftables.md; in short, every service frontend is an
 * element of a verdict map whose verdict names a shared chain per
 * endpoint count N ("svc-3"), which DNATs through one map keyed by
 * frontend . index: adding a service or an endpoint adds elements, not
 * chains. Only ClientIP affinity gives a service chains and sets of its
 * own.
 *
 * Every kernel object name is made here: the NFTC_* constants below and,
 * for names that carry a number or a service, the functions in
 * nft_compile.c (lb_chain_name, aff_*_name).
 */

#include "proxy/plan.h"
#include "rules/nft_ruleset.h"
#include "util/diag.h"

#define NFTC_TABLE "kube-nfproxy" /* both families: ip and ip6 */

/* The packet mark bit that asks postrouting to masquerade (kube-proxy's). */
#define NFTC_MARK_MASQ 0x4000u

/* Base chains and their priorities (NF_IP_PRI_NAT_DST = -100). */
#define NFTC_CHAIN_FILTER_PREROUTING "filter-prerouting"
#define NFTC_CHAIN_FILTER_INPUT "filter-input"
#define NFTC_CHAIN_FILTER_FORWARD "filter-forward"
#define NFTC_CHAIN_FILTER_OUTPUT "filter-output"
#define NFTC_CHAIN_FILTER_OUTPUT_POST_DNAT "filter-output-post-dnat"
#define NFTC_CHAIN_NAT_PREROUTING "nat-prerouting"
#define NFTC_CHAIN_NAT_OUTPUT "nat-output"
#define NFTC_CHAIN_NAT_POSTROUTING "nat-postrouting"
#define NFTC_PRIO_DSTNAT (-100)
#define NFTC_PRIO_SRCNAT 100
#define NFTC_PRIO_PRE_DNAT (NFTC_PRIO_DSTNAT - 10)  /* filters: before DNAT */
#define NFTC_PRIO_POST_DNAT (NFTC_PRIO_DSTNAT + 10) /* filters: after DNAT */

/* Regular chains with a fixed name. */
#define NFTC_CHAIN_FIREWALL_CHECK "firewall-check"
#define NFTC_CHAIN_LOCALNET_CHECK "localnet-check"
#define NFTC_CHAIN_SERVICE_EP_CHECK "service-endpoints-check"
#define NFTC_CHAIN_NODEPORT_EP_CHECK "nodeport-endpoints-check"
#define NFTC_CHAIN_REJECT "reject-chain"
#define NFTC_CHAIN_SERVICES "services"
#define NFTC_CHAIN_EXTERNAL_LOCAL "external-local"
#define NFTC_CHAIN_NODEPORT_LOCAL "nodeport-local"
#define NFTC_CHAIN_HOSTPORTS "hostports"
#define NFTC_CHAIN_MARK_MASQ "mark-for-masquerade"
#define NFTC_CHAIN_MASQUERADING "masquerading"
#define NFTC_CHAIN_MASQ_MARKED "masquerade-marked"

/* Prefixes of the shared per-endpoint-count chains: prefix + N. */
#define NFTC_LB_SVC "svc-"     /* internal traffic: cluster IP, short-circuit */
#define NFTC_LB_EXT "ext-"     /* external IPs / LB IPs, policy Cluster */
#define NFTC_LB_LOCAL "local-" /* external IPs / LB IPs, policy Local */
#define NFTC_LB_NP_SVC "np-svc-"     /* node ports: short-circuit */
#define NFTC_LB_NP_EXT "np-ext-"     /* node ports, policy Cluster */
#define NFTC_LB_NP_LOCAL "np-local-" /* node ports, policy Local */

/* Prefixes of the per-service (affinity) objects: prefix + ns/name/port
 * [+ /address/port for an endpoint]. */
#define NFTC_AFF_INT "aff-int/" /* chain + numgen map: internal endpoints */
#define NFTC_AFF_EXT "aff-ext/" /* chain + numgen map: external endpoints */
/* chain + numgen map: a policy Local external frontend's short-circuit
 * (Cluster policy) endpoints, when they differ from the internal ones */
#define NFTC_AFF_SHORT "aff-short/"
#define NFTC_AFF_EP "aff-ep/" /* chain + client set: one endpoint */

/* Sets and maps. */
#define NFTC_SET_SERVICE_IPS "service-ips"
#define NFTC_SET_SERVICE_NODEPORTS "service-nodeports"
#define NFTC_SET_SERVICE_BACKENDS "service-backends"
#define NFTC_SET_NODEPORT_BACKENDS "nodeport-backends"
#define NFTC_SET_EXTERNAL_LOCAL_SHORT "external-local-short"
#define NFTC_SET_EXTERNAL_LOCAL_EPS "external-local-endpoints"
#define NFTC_SET_NODEPORT_LOCAL_SHORT "nodeport-local-short"
#define NFTC_SET_NODEPORT_LOCAL_EPS "nodeport-local-endpoints"
#define NFTC_SET_NO_EP_SERVICES "no-endpoint-services"
#define NFTC_SET_NO_EP_NODEPORTS "no-endpoint-nodeports"
#define NFTC_SET_FIREWALL_IPS "firewall-ips"
#define NFTC_SET_FIREWALL_ALLOW "firewall-allow"
#define NFTC_SET_CLUSTER_CIDRS "cluster-cidrs"
#define NFTC_SET_NODEPORT_CIDRS "nodeport-cidrs"
#define NFTC_SET_HAIRPIN "hairpin"
#define NFTC_SET_MASQ_SOURCES "masq-sources"
#define NFTC_SET_MASQ_EXEMPT "masq-exempt"
#define NFTC_SET_HOSTPORT_IPS "hostport-ips"
#define NFTC_SET_HOSTPORT_ANY "hostport-any"
#define NFTC_SET_HOSTPORT_SOURCES "hostport-sources"

/* Index of the first endpoint of the local list in the backends maps:
 * an external frontend with policy Local keeps its short-circuit
 * endpoints (the Cluster policy's, as kube-proxy: whatever
 * internalTrafficPolicy says) at 0..N-1 and its local ones at this
 * base. */
#define NFTC_LOCAL_INDEX_BASE 0x10000u
/* Endpoints a list may have (one index range). */
#define NFTC_MAX_ENDPOINTS 0xffffu
/* Client entries an affinity set holds (nft's default for dynamic sets). */
#define NFTC_AFFINITY_SET_SIZE 65535u

/*
 * Compile plan p into *out (initialised here; release with
 * nft_ruleset_free, also after an error). Both tables (ip and ip6) are
 * always present with the same fixed chains; the result is sorted
 * canonically (nft_ruleset_sort). Objects the plan gets wrong (a frontend
 * two services claim, a name too long, too many endpoints) are skipped and
 * reported in d. Pure. Returns 0, or -EINVAL if p or out is NULL.
 */
int nft_compile(const struct plan *p, struct nft_ruleset *out,
		struct diag_list *d);

#endif
