/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_UTIL_PROTO_H
#define NFP_UTIL_PROTO_H

/* The L4 protocols Kubernetes services speak. */
enum nfp_proto {
	NFP_PROTO_TCP,
	NFP_PROTO_UDP,
	NFP_PROTO_SCTP,
	__NFP_PROTO_MAX
};

/* "TCP", "UDP", "SCTP" (Kubernetes spelling) to enum; -1 if unknown. */
int nfp_proto_parse(const char *s);
/* Lower-case name as nft and iptables spell it: "tcp", "udp", "sctp". */
const char *nfp_proto_name(enum nfp_proto p);
/* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP. */
int nfp_proto_ipproto(enum nfp_proto p);

#endif
