// SPDX-License-Identifier: GPL-2.0
/* rtnetlink over libmnl: links, bridge ports, addresses, routes. */
#include "cni/netlink.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/*
 * Requests are built in a stack buffer of this size: the largest (a veth
 * pair) is a few hundred bytes. Answers are read with the dump size.
 */
#define NL_REQ_SIZE 1024
#define NL_ANSWER_SIZE 32768 /* what libmnl calls MNL_SOCKET_DUMP_SIZE */

int cni_nl_open(struct cni_nl *nl)
{
	int ret;

	nl->sk = mnl_socket_open(NETLINK_ROUTE);
	if (!nl->sk)
		return -errno;
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		mnl_socket_close(nl->sk);
		nl->sk = NULL;
		return ret;
	}
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->seq = (unsigned int)time(NULL);
	return 0;
}

void cni_nl_close(struct cni_nl *nl)
{
	if (nl->sk)
		mnl_socket_close(nl->sk);
	nl->sk = NULL;
}

/* A request the kernel acknowledges (NLM_F_ACK), or a dump. The flags
 * are not tested later: NLM_F_EXCL shares its bit with NLM_F_MATCH. */
static struct nlmsghdr *put_header(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	return nlh;
}

static struct nlmsghdr *put_dump(char *buf, uint16_t type)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	return nlh;
}

/*
 * Send one request and read until its acknowledgement (or the end of a
 * dump), handing every answer to cb. Returns 0 or the kernel's -errno.
 */
static int talk(struct cni_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		void *data)
{
	char buf[NL_ANSWER_SIZE];
	unsigned int seq;
	ssize_t n;
	int ret;

	seq = nlh->nlmsg_seq = ++nl->seq;
	errno = 0;
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl->sk, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, (size_t)n, seq, nl->portid, cb, data);
		if (ret < 0)
			return errno ? -errno : -EIO;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

static struct ifinfomsg *put_ifinfo(struct nlmsghdr *nlh, int family, int index)
{
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = (unsigned char)family;
	ifi->ifi_index = index;
	return ifi;
}

static int link_kind_cb(const struct nlattr *attr, void *data)
{
	struct cni_link *l = data;

	if (mnl_attr_get_type(attr) == IFLA_INFO_KIND &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		snprintf(l->kind, sizeof(l->kind), "%s",
			 mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	struct cni_link *l = data;

	switch (mnl_attr_get_type(attr)) {
	case IFLA_MTU:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			l->mtu = mnl_attr_get_u32(attr);
		break;
	case IFLA_MASTER:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			l->master = (int)mnl_attr_get_u32(attr);
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(attr) == CNI_MAC_LEN) {
			memcpy(l->mac, mnl_attr_get_payload(attr), CNI_MAC_LEN);
			l->has_mac = true;
		}
		break;
	case IFLA_LINKINFO:
		mnl_attr_parse_nested(attr, link_kind_cb, l);
		break;
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct cni_link *l = data;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	memset(l, 0, sizeof(*l));
	l->index = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	return mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, l);
}

int cni_nl_link_get(struct cni_nl *nl, const char *name, struct cni_link *out)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = put_header(buf, RTM_GETLINK, 0);
	int ret;

	put_ifinfo(nlh, AF_UNSPEC, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	memset(out, 0, sizeof(*out));
	ret = talk(nl, nlh, link_cb, out);
	if (ret == 0 && out->index == 0)
		ret = -ENODEV;
	return ret;
}

int cni_nl_bridge_add(struct cni_nl *nl, const char *name, unsigned int mtu,
		      const uint8_t *mac)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *info;

	nlh = put_header(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	put_ifinfo(nlh, AF_UNSPEC, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, CNI_MAC_LEN, mac);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, info);
	return talk(nl, nlh, NULL, NULL);
}

/*
 *   RTM_NEWLINK  ifinfomsg  IFLA_IFNAME name  IFLA_MTU
 *     IFLA_LINKINFO
 *       IFLA_INFO_KIND "veth"
 *       IFLA_INFO_DATA
 *         VETH_INFO_PEER  ifinfomsg  IFLA_IFNAME peer  IFLA_MTU
 *                         IFLA_NET_NS_FD peer_nsfd
 */
int cni_nl_veth_add(struct cni_nl *nl, const char *name, const char *peer_name,
		    int peer_nsfd, unsigned int mtu)
{
	char buf[NL_REQ_SIZE];
	struct nlattr *info, *data, *peer;
	struct nlmsghdr *nlh;

	nlh = put_header(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	put_ifinfo(nlh, AF_UNSPEC, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	put_ifinfo(nlh, AF_UNSPEC, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer_name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_nsfd);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return talk(nl, nlh, NULL, NULL);
}

int cni_nl_link_del(struct cni_nl *nl, int index)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = put_header(buf, RTM_DELLINK, 0);

	put_ifinfo(nlh, AF_UNSPEC, index);
	return talk(nl, nlh, NULL, NULL);
}

int cni_nl_link_set_up(struct cni_nl *nl, int index)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = put_header(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = put_ifinfo(nlh, AF_UNSPEC, index);

	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return talk(nl, nlh, NULL, NULL);
}

int cni_nl_link_set_master(struct cni_nl *nl, int index, int master)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = put_header(buf, RTM_NEWLINK, 0);

	put_ifinfo(nlh, AF_UNSPEC, index);
	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	return talk(nl, nlh, NULL, NULL);
}

/* The bridge reads port flags from a nested IFLA_PROTINFO (NLA_F_NESTED
 * set, which mnl_attr_nest_start() does) in an AF_BRIDGE RTM_SETLINK. */
int cni_nl_brport_set_hairpin(struct cni_nl *nl, int index, bool on)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = put_header(buf, RTM_SETLINK, 0);
	struct nlattr *proto;

	put_ifinfo(nlh, AF_BRIDGE, index);
	proto = mnl_attr_nest_start(nlh, IFLA_PROTINFO);
	mnl_attr_put_u8(nlh, IFLA_BRPORT_MODE, on ? 1 : 0);
	mnl_attr_nest_end(nlh, proto);
	return talk(nl, nlh, NULL, NULL);
}

int cni_nl_addr_add(struct cni_nl *nl, int index, const struct nfp_cidr *addr)
{
	size_t len = nfp_addr_len(addr->addr.family);
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	nlh = put_header(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)addr->addr.family;
	ifa->ifa_prefixlen = (unsigned char)addr->prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned int)index;
	mnl_attr_put(nlh, IFA_LOCAL, len, addr->addr.b);
	mnl_attr_put(nlh, IFA_ADDRESS, len, addr->addr.b);
	if (addr->addr.family == AF_INET) {
		struct nfp_addr bcast;

		/* Host bits are set to ones whatever they were before. */
		nfp_cidr_last(addr, &bcast);
		mnl_attr_put(nlh, IFA_BROADCAST, len, bcast.b);
	} else {
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	}
	return talk(nl, nlh, NULL, NULL);
}

struct addr_query {
	int index;
	const struct nfp_cidr *want;
	bool found;
};

static int addr_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= IFA_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static bool attr_is_addr(const struct nlattr *attr, const struct nfp_addr *a)
{
	size_t len = nfp_addr_len(a->family);

	return attr && mnl_attr_get_payload_len(attr) == len &&
	       memcmp(mnl_attr_get_payload(attr), a->b, len) == 0;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = {0};
	struct addr_query *q = data;

	if (nlh->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != q->index ||
	    ifa->ifa_prefixlen != q->want->prefix)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb);
	if (attr_is_addr(tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS],
			 &q->want->addr))
		q->found = true;
	return MNL_CB_OK;
}

int cni_nl_addr_has(struct cni_nl *nl, int index, const struct nfp_cidr *addr)
{
	struct addr_query q = {.index = index, .want = addr};
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = put_dump(buf, RTM_GETADDR);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	int ret;

	ifa->ifa_family = (unsigned char)addr->addr.family;
	ret = talk(nl, nlh, addr_cb, &q);
	return ret < 0 ? ret : q.found;
}

int cni_nl_route_add(struct cni_nl *nl, int index, const struct nfp_cidr *dst,
		     const struct nfp_addr *gw)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	nlh = put_header(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)dst->addr.family;
	rtm->rtm_dst_len = (unsigned char)dst->prefix;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = gw->family ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	if (dst->prefix)
		mnl_attr_put(nlh, RTA_DST, nfp_addr_len(dst->addr.family),
			     dst->addr.b);
	if (gw->family)
		mnl_attr_put(nlh, RTA_GATEWAY, nfp_addr_len(gw->family), gw->b);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)index);
	return talk(nl, nlh, NULL, NULL);
}

struct route_query {
	int index;
	const struct nfp_cidr *dst;
	const struct nfp_addr *gw;
	bool found;
};

static int route_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= RTA_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1] = {0};
	struct route_query *q = data;
	uint32_t table;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    rtm->rtm_dst_len != q->dst->prefix)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, tb);
	table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE])
			      : rtm->rtm_table;
	if (table != RT_TABLE_MAIN || !tb[RTA_OIF] ||
	    (int)mnl_attr_get_u32(tb[RTA_OIF]) != q->index)
		return MNL_CB_OK;
	if (q->dst->prefix && !attr_is_addr(tb[RTA_DST], &q->dst->addr))
		return MNL_CB_OK;
	if (q->gw->family ? !attr_is_addr(tb[RTA_GATEWAY], q->gw)
			  : tb[RTA_GATEWAY] != NULL)
		return MNL_CB_OK;
	q->found = true;
	return MNL_CB_OK;
}

int cni_nl_route_has(struct cni_nl *nl, int index, const struct nfp_cidr *dst,
		     const struct nfp_addr *gw)
{
	struct route_query q = {.index = index, .dst = dst, .gw = gw};
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = put_dump(buf, RTM_GETROUTE);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	int ret;

	rtm->rtm_family = (unsigned char)dst->addr.family;
	ret = talk(nl, nlh, route_cb, &q);
	return ret < 0 ? ret : q.found;
}

const char *cni_mac_str(const uint8_t *mac, char *buf)
{
	snprintf(buf, CNI_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0],
		 mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}
