// SPDX-License-Identifier: GPL-2.0
#include "util/proto.h"

#include <netinet/in.h>
#include <string.h>

static const struct {
	const char *k8s;
	const char *name;
	int ipproto;
} protos[__NFP_PROTO_MAX] = {
	[NFP_PROTO_TCP] = {"TCP", "tcp", IPPROTO_TCP},
	[NFP_PROTO_UDP] = {"UDP", "udp", IPPROTO_UDP},
	[NFP_PROTO_SCTP] = {"SCTP", "sctp", IPPROTO_SCTP},
};

int nfp_proto_parse(const char *s)
{
	for (int i = 0; s && i < __NFP_PROTO_MAX; i++)
		if (strcmp(s, protos[i].k8s) == 0)
			return i;
	return -1;
}

const char *nfp_proto_name(enum nfp_proto p)
{
	return (unsigned int)p < __NFP_PROTO_MAX ? protos[p].name : "?";
}

int nfp_proto_ipproto(enum nfp_proto p)
{
	return (unsigned int)p < __NFP_PROTO_MAX ? protos[p].ipproto : 0;
}
