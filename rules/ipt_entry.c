// SPDX-License-Identifier: GPL-2.0
/* iptables ruleset rule -> struct ipt_entry / ip6t_entry blob. */
#include "rules/ipt_entry.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <net/if.h>
#include <netinet/in.h>

#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_mark.h>
#include <linux/netfilter/xt_recent.h>
#include <linux/netfilter/xt_sctp.h>
#include <linux/netfilter/xt_statistic.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
/* The kernel's enum ipt_reject_with has the name of the ruleset's. */
#define ipt_reject_with kernel_ipt_reject_with
#include <linux/netfilter_ipv4/ipt_REJECT.h>
#undef ipt_reject_with
#include <linux/netfilter_ipv6/ip6t_REJECT.h>

/* ip_tables.h's old aliases (ipt_match for xt_match, ...) would rename
 * the ruleset's types. */
#undef ipt_match
#undef ipt_target
#undef ipt_table
#undef ipt_entry_match
#undef ipt_entry_target

/* Source ports of a --dport match: any. */
#define PORT_MIN 0
#define PORT_MAX 0xffff

struct ext_info {
	const char *name;
	uint8_t rev;
	size_t size; /* sizeof the data struct; XT_ALIGN'ed when laid out */
};

static const struct ext_info match_info[__IPT_MATCH_MAX] = {
	[IPT_MATCH_COMMENT] = {"comment", 0, sizeof(struct xt_comment_info)},
	[IPT_MATCH_TCP] = {"tcp", 0, sizeof(struct xt_tcp)},
	[IPT_MATCH_UDP] = {"udp", 0, sizeof(struct xt_udp)},
	[IPT_MATCH_SCTP] = {"sctp", 0, sizeof(struct xt_sctp_info)},
	[IPT_MATCH_MARK] = {"mark", 1, sizeof(struct xt_mark_mtinfo1)},
	[IPT_MATCH_ADDRTYPE] = {"addrtype", 1,
				sizeof(struct xt_addrtype_info_v1)},
	[IPT_MATCH_STATISTIC] = {"statistic", 0,
				 sizeof(struct xt_statistic_info)},
	[IPT_MATCH_RECENT] = {"recent", 1, sizeof(struct xt_recent_mtinfo_v1)},
	[IPT_MATCH_CONNTRACK] = {"conntrack", 3,
				 sizeof(struct xt_conntrack_mtinfo3)},
};

/* Targets by kind; MASQUERADE and REJECT have a per-family data struct,
 * picked in target_size(). */
static const struct ext_info target_info[__IPT_TARGET_MAX] = {
	[IPT_TARGET_JUMP] = {"", 0, sizeof(int)},
	[IPT_TARGET_GOTO] = {"", 0, sizeof(int)},
	[IPT_TARGET_ACCEPT] = {"", 0, sizeof(int)},
	[IPT_TARGET_DROP] = {"", 0, sizeof(int)},
	[IPT_TARGET_RETURN] = {"", 0, sizeof(int)},
	[IPT_TARGET_DNAT] = {"DNAT", 2, sizeof(struct nf_nat_range2)},
	[IPT_TARGET_MASQUERADE] = {"MASQUERADE", 0, 0},
	[IPT_TARGET_MARK] = {"MARK", 2, sizeof(struct xt_mark_tginfo2)},
	[IPT_TARGET_REJECT] = {"REJECT", 0, 0},
};

/* The labels libiptc maps onto standard verdicts. */
static const char *const verdict_labels[__IPT_TARGET_MAX] = {
	[IPT_TARGET_ACCEPT] = "ACCEPT",
	[IPT_TARGET_DROP] = "DROP",
	[IPT_TARGET_RETURN] = "RETURN",
};

const char *ipt_entry_match_name(enum ipt_match_kind kind, uint8_t *rev)
{
	if ((unsigned int)kind >= __IPT_MATCH_MAX)
		return NULL;
	if (rev)
		*rev = match_info[kind].rev;
	return match_info[kind].name;
}

const char *ipt_entry_target_name(enum ipt_target_kind kind, uint8_t *rev)
{
	if ((unsigned int)kind >= __IPT_TARGET_MAX)
		return NULL;
	if (rev)
		*rev = target_info[kind].rev;
	return target_info[kind].name;
}

void ipt_entry_buf_release(struct ipt_entry_buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

size_t ipt_entry_header_len(int family)
{
	switch (family) {
	case AF_INET:
		return sizeof(struct ipt_entry);
	case AF_INET6:
		return sizeof(struct ip6t_entry);
	}
	return 0;
}

static bool is_standard(enum ipt_target_kind k)
{
	return k <= IPT_TARGET_RETURN;
}

static size_t target_data_size(int family, enum ipt_target_kind k)
{
	if (k == IPT_TARGET_MASQUERADE)
		return family == AF_INET
			       ? sizeof(struct nf_nat_ipv4_multi_range_compat)
			       : sizeof(struct nf_nat_range);
	if (k == IPT_TARGET_REJECT)
		return family == AF_INET ? sizeof(struct ipt_reject_info)
					 : sizeof(struct ip6t_reject_info);
	return target_info[k].size;
}

static size_t match_len(enum ipt_match_kind k)
{
	return XT_ALIGN(sizeof(struct xt_entry_match)) +
	       XT_ALIGN(match_info[k].size);
}

static size_t target_len(int family, enum ipt_target_kind k)
{
	if (is_standard(k))
		return XT_ALIGN(sizeof(struct xt_standard_target));
	return XT_ALIGN(sizeof(struct xt_entry_target)) +
	       XT_ALIGN(target_data_size(family, k));
}

/* Prefix length -> network mask bytes (4 or 16). */
static void prefix_mask(uint8_t *mask, size_t len, unsigned int prefix)
{
	memset(mask, 0, len);
	for (size_t i = 0; i < len && prefix; i++) {
		unsigned int bits = prefix >= 8 ? 8 : prefix;

		mask[i] = (uint8_t)(0xff << (8 - bits));
		prefix -= bits;
	}
}

/*
 * One address of the entry: addr & mask and mask, as iptables stores
 * them. A family-0 or /0 block matches any address and leaves both zero;
 * its inversion is dropped, as ipt_print() writes nothing for it.
 */
static int put_cidr(int family, const struct nfp_cidr *c, bool inv,
		    uint8_t *addr, uint8_t *mask, uint8_t *invflags,
		    uint8_t inv_bit)
{
	size_t len = nfp_addr_len(family);

	if (!c->addr.family || !c->prefix)
		return 0;
	if (c->addr.family != family || c->prefix > len * 8)
		return -EINVAL;
	prefix_mask(mask, len, c->prefix);
	for (size_t i = 0; i < len; i++)
		addr[i] = c->addr.b[i] & mask[i];
	if (inv)
		*invflags |= inv_bit;
	return 0;
}

/* Interface name and mask as xtables_parse_interface() makes them: the
 * mask covers the name and its NUL, or only the prefix before a '+'. */
static int put_iface(const char *name, bool inv, char *via, uint8_t *mask,
		     uint8_t *invflags, uint8_t inv_bit)
{
	size_t n = strnlen(name, IFNAMSIZ);

	if (!n)
		return 0;
	if (n >= IFNAMSIZ)
		return -EINVAL;
	memcpy(via, name, n);
	if (name[n - 1] == '+')
		memset(mask, 0xff, n - 1);
	else
		memset(mask, 0xff, n + 1);
	if (inv)
		*invflags |= inv_bit;
	return 0;
}

static int put_ip4(struct ipt_entry *e, const struct ipt_rule *r)
{
	struct ipt_ip *ip = &e->ip;
	int err;

	err = put_cidr(AF_INET, &r->src, r->src_inv, (uint8_t *)&ip->src,
		       (uint8_t *)&ip->smsk, &ip->invflags, IPT_INV_SRCIP);
	if (!err)
		err = put_cidr(AF_INET, &r->dst, r->dst_inv,
			       (uint8_t *)&ip->dst, (uint8_t *)&ip->dmsk,
			       &ip->invflags, IPT_INV_DSTIP);
	if (!err)
		err = put_iface(r->in_iface, r->in_inv, ip->iniface,
				ip->iniface_mask, &ip->invflags,
				IPT_INV_VIA_IN);
	if (!err)
		err = put_iface(r->out_iface, r->out_inv, ip->outiface,
				ip->outiface_mask, &ip->invflags,
				IPT_INV_VIA_OUT);
	if (err)
		return err;
	ip->proto = r->proto;
	if (r->proto && r->proto_inv)
		ip->invflags |= IPT_INV_PROTO;
	if (r->target.kind == IPT_TARGET_GOTO)
		ip->flags |= IPT_F_GOTO;
	return 0;
}

static int put_ip6(struct ip6t_entry *e, const struct ipt_rule *r)
{
	struct ip6t_ip6 *ip = &e->ipv6;
	int err;

	err = put_cidr(AF_INET6, &r->src, r->src_inv, ip->src.s6_addr,
		       ip->smsk.s6_addr, &ip->invflags, IP6T_INV_SRCIP);
	if (!err)
		err = put_cidr(AF_INET6, &r->dst, r->dst_inv, ip->dst.s6_addr,
			       ip->dmsk.s6_addr, &ip->invflags, IP6T_INV_DSTIP);
	if (!err)
		err = put_iface(r->in_iface, r->in_inv, ip->iniface,
				ip->iniface_mask, &ip->invflags,
				IP6T_INV_VIA_IN);
	if (!err)
		err = put_iface(r->out_iface, r->out_inv, ip->outiface,
				ip->outiface_mask, &ip->invflags,
				IP6T_INV_VIA_OUT);
	if (err)
		return err;
	/* ip6tables only looks at proto with IP6T_F_PROTO set. */
	ip->proto = r->proto;
	if (r->proto) {
		ip->flags |= IP6T_F_PROTO;
		if (r->proto_inv)
			ip->invflags |= IP6T_INV_PROTO;
	}
	if (r->target.kind == IPT_TARGET_GOTO)
		ip->flags |= IP6T_F_GOTO;
	return 0;
}

static void put_ports(uint16_t *spts, uint16_t *dpts, uint16_t dport)
{
	spts[0] = PORT_MIN;
	spts[1] = PORT_MAX;
	dpts[0] = dport;
	dpts[1] = dport;
}

static int put_match_data(void *data, const struct ipt_match *m)
{
	switch (m->kind) {
	case IPT_MATCH_COMMENT: {
		struct xt_comment_info *c = data;

		if (!m->comment.text)
			return -EINVAL;
		/* The builder cut it to 255 bytes; keep the NUL anyway. */
		strncpy(c->comment, m->comment.text, XT_MAX_COMMENT_LEN - 1);
		return 0;
	}
	case IPT_MATCH_TCP: {
		struct xt_tcp *t = data;

		put_ports(t->spts, t->dpts, m->port.dport);
		if (m->port.invert)
			t->invflags |= XT_TCP_INV_DSTPT;
		return 0;
	}
	case IPT_MATCH_UDP: {
		struct xt_udp *u = data;

		put_ports(u->spts, u->dpts, m->port.dport);
		if (m->port.invert)
			u->invflags |= XT_UDP_INV_DSTPT;
		return 0;
	}
	case IPT_MATCH_SCTP: {
		struct xt_sctp_info *s = data;

		put_ports(s->spts, s->dpts, m->port.dport);
		s->flags = XT_SCTP_DEST_PORTS;
		if (m->port.invert)
			s->invflags |= XT_SCTP_DEST_PORTS;
		return 0;
	}
	case IPT_MATCH_MARK: {
		struct xt_mark_mtinfo1 *k = data;

		k->mark = m->mark.mark;
		k->mask = m->mark.mask;
		k->invert = m->mark.invert;
		return 0;
	}
	case IPT_MATCH_ADDRTYPE: {
		struct xt_addrtype_info_v1 *a = data;

		a->source = m->addrtype.src_type;
		a->dest = m->addrtype.dst_type;
		a->flags = m->addrtype.flags;
		return 0;
	}
	case IPT_MATCH_STATISTIC: {
		struct xt_statistic_info *s = data;

		s->mode = XT_STATISTIC_MODE_RANDOM;
		s->u.random.probability =
			ipt_statistic_probability(m->statistic.probability);
		return 0;
	}
	case IPT_MATCH_RECENT: {
		struct xt_recent_mtinfo_v1 *rc = data;

		if (m->recent.reap && !m->recent.seconds)
			return -EINVAL;
		rc->seconds = m->recent.seconds;
		rc->check_set = m->recent.cmd == IPT_RECENT_SET
					? XT_RECENT_SET
					: XT_RECENT_CHECK;
		if (m->recent.reap)
			rc->check_set |= XT_RECENT_REAP;
		strncpy(rc->name, m->recent.name, XT_RECENT_NAME_LEN - 1);
		rc->side = m->recent.rdest ? XT_RECENT_DEST : XT_RECENT_SOURCE;
		/* libxt_recent's revision 1 default: the whole address. */
		memset(&rc->mask, 0xff, sizeof(rc->mask));
		return 0;
	}
	case IPT_MATCH_CONNTRACK: {
		struct xt_conntrack_mtinfo3 *c = data;

		c->match_flags = XT_CONNTRACK_STATE;
		if (m->conntrack.invert)
			c->invert_flags = XT_CONNTRACK_STATE;
		c->state_mask = (uint16_t)m->conntrack.states;
		return 0;
	}
	case __IPT_MATCH_MAX:
		break;
	}
	return -EINVAL;
}

static void put_nat_addr(union nf_inet_addr *a, const struct nfp_addr *addr)
{
	memcpy(a, addr->b, nfp_addr_len(addr->family));
}

static int put_target_data(void *data, int family, const struct ipt_target *t)
{
	switch (t->kind) {
	case IPT_TARGET_DNAT: {
		struct nf_nat_range2 *nr = data;

		if (t->dnat.addr.family != family)
			return -EINVAL;
		nr->flags = NF_NAT_RANGE_MAP_IPS;
		put_nat_addr(&nr->min_addr, &t->dnat.addr);
		put_nat_addr(&nr->max_addr, &t->dnat.addr);
		if (t->dnat.port) {
			nr->flags |= NF_NAT_RANGE_PROTO_SPECIFIED;
			nr->min_proto.all = htons(t->dnat.port);
			nr->max_proto.all = htons(t->dnat.port);
		}
		return 0;
	}
	case IPT_TARGET_MASQUERADE: {
		unsigned int flags = t->masq.random_fully
					     ? NF_NAT_RANGE_PROTO_RANDOM_FULLY
					     : 0;

		if (family == AF_INET) {
			struct nf_nat_ipv4_multi_range_compat *mr = data;

			mr->rangesize = 1;
			mr->range[0].flags = flags;
		} else {
			struct nf_nat_range *nr = data;

			nr->flags = flags;
		}
		return 0;
	}
	case IPT_TARGET_MARK: {
		struct xt_mark_tginfo2 *mk = data;

		/* (skb->mark & ~mask) ^ mark: or = {v, v}, xor = {v, 0}. */
		mk->mark = t->mark.value;
		mk->mask = t->mark.op == IPT_MARK_OR ? t->mark.value : 0;
		return 0;
	}
	case IPT_TARGET_REJECT:
		if (t->reject.with != IPT_REJECT_PORT_UNREACH)
			return -EINVAL;
		if (family == AF_INET)
			((struct ipt_reject_info *)data)->with =
				IPT_ICMP_PORT_UNREACHABLE;
		else
			((struct ip6t_reject_info *)data)->with =
				IP6T_ICMP6_PORT_UNREACH;
		return 0;
	default:
		break;
	}
	return -EINVAL;
}

static int put_target(void *at, size_t len, int family,
		      const struct ipt_target *t)
{
	struct xt_entry_target *et = at;
	const char *name;

	et->u.target_size = (uint16_t)len;
	if (is_standard(t->kind)) {
		if (t->kind == IPT_TARGET_JUMP || t->kind == IPT_TARGET_GOTO)
			name = t->chain;
		else
			name = verdict_labels[t->kind];
		if (!name[0] || strlen(name) >= XT_EXTENSION_MAXNAMELEN)
			return -EINVAL;
		/* libiptc turns the label into the verdict at append. */
		strcpy(et->u.user.name, name);
		return 0;
	}
	strcpy(et->u.user.name, target_info[t->kind].name);
	et->u.user.revision = target_info[t->kind].rev;
	return put_target_data(et->data, family, t);
}

/* Make room for len zeroed bytes. */
static void buf_reset(struct ipt_entry_buf *b, size_t len)
{
	if (len > b->cap) {
		free(b->data);
		b->cap = len < 512 ? 512 : len;
		/* malloc's alignment covers the entries' 8 bytes. */
		b->data = xmalloc(b->cap);
	}
	memset(b->data, 0, len);
	b->len = len;
}

int ipt_entry_build(struct ipt_entry_buf *b, int family,
		    const struct ipt_rule *r)
{
	size_t hdr = ipt_entry_header_len(family), off, tlen;
	unsigned char *base;
	int err;

	if (!hdr)
		return -EAFNOSUPPORT;
	if ((unsigned int)r->target.kind >= __IPT_TARGET_MAX)
		return -EINVAL;
	off = hdr;
	for (size_t i = 0; i < r->n_matches; i++) {
		if ((unsigned int)r->matches[i].kind >= __IPT_MATCH_MAX)
			return -EINVAL;
		off += match_len(r->matches[i].kind);
	}
	tlen = target_len(family, r->target.kind);
	if (off + tlen > UINT16_MAX)
		return -EINVAL;
	buf_reset(b, off + tlen);
	base = b->data;

	if (family == AF_INET) {
		struct ipt_entry *e = b->data;

		e->target_offset = (uint16_t)off;
		e->next_offset = (uint16_t)(off + tlen);
		err = put_ip4(e, r);
	} else {
		struct ip6t_entry *e = b->data;

		e->target_offset = (uint16_t)off;
		e->next_offset = (uint16_t)(off + tlen);
		err = put_ip6(e, r);
	}
	if (err)
		return err;

	off = hdr;
	for (size_t i = 0; i < r->n_matches; i++) {
		const struct ipt_match *m = &r->matches[i];
		struct xt_entry_match *em = (void *)(base + off);
		size_t len = match_len(m->kind);

		em->u.match_size = (uint16_t)len;
		strcpy(em->u.user.name, match_info[m->kind].name);
		em->u.user.revision = match_info[m->kind].rev;
		err = put_match_data(em->data, m);
		if (err)
			return err;
		off += len;
	}
	return put_target(base + off, tlen, family, &r->target);
}

size_t ipt_entry_target_offset(int family, const void *e)
{
	if (family == AF_INET)
		return ((const struct ipt_entry *)e)->target_offset;
	return ((const struct ip6t_entry *)e)->target_offset;
}

size_t ipt_entry_next_offset(int family, const void *e)
{
	if (family == AF_INET)
		return ((const struct ipt_entry *)e)->next_offset;
	return ((const struct ip6t_entry *)e)->next_offset;
}

const void *ipt_entry_get_target(int family, const void *e)
{
	return (const unsigned char *)e + ipt_entry_target_offset(family, e);
}

const void *ipt_entry_get_match(int family, const void *e, unsigned int n)
{
	size_t off = ipt_entry_header_len(family);
	size_t end = ipt_entry_target_offset(family, e);

	while (off + sizeof(struct xt_entry_match) <= end) {
		const struct xt_entry_match *m =
			(const void *)((const unsigned char *)e + off);

		if (m->u.match_size < sizeof(*m) || off + m->u.match_size > end)
			return NULL;
		if (!n--)
			return m;
		off += m->u.match_size;
	}
	return NULL;
}

const char *ipt_entry_comment(int family, const void *e)
{
	const struct xt_entry_match *m;

	for (unsigned int i = 0; (m = ipt_entry_get_match(family, e, i)); i++) {
		const struct xt_comment_info *c = (const void *)m->data;

		if (strcmp(m->u.user.name, "comment"))
			continue;
		if (m->u.match_size < sizeof(*m) + sizeof(*c) ||
		    !memchr(c->comment, '\0', sizeof(c->comment)))
			return NULL;
		return c->comment;
	}
	return NULL;
}

bool ipt_entry_is_goto(int family, const void *e)
{
	if (family == AF_INET)
		return ((const struct ipt_entry *)e)->ip.flags & IPT_F_GOTO;
	return ((const struct ip6t_entry *)e)->ipv6.flags & IP6T_F_GOTO;
}

/*
 * A standard target: the kernel's form has an empty name (the verdict is
 * a number or an offset), a built one names a verdict label or one of
 * our chains (a ruleset only jumps to its own chains).
 */
static bool target_is_standard(const struct xt_entry_target *t)
{
	const char *n = t->u.user.name;

	if (t->u.target_size != XT_ALIGN(sizeof(struct xt_standard_target)))
		return false;
	return !n[0] || !strcmp(n, "ACCEPT") || !strcmp(n, "DROP") ||
	       !strcmp(n, "RETURN") || ipt_name_is_ours(n);
}

/* One match or target header and its data. The kernel writes back only
 * the name and its NUL: the rest of the name field is whatever the
 * reader's buffer held, so names compare as strings. */
static bool ext_eq(uint16_t size_a, const char *name_a, uint8_t rev_a,
		   const unsigned char *data_a, uint16_t size_b,
		   const char *name_b, uint8_t rev_b,
		   const unsigned char *data_b, size_t hdr)
{
	return size_a == size_b && size_a >= hdr &&
	       !strncmp(name_a, name_b, XT_EXTENSION_MAXNAMELEN) &&
	       rev_a == rev_b && !memcmp(data_a, data_b, size_a - hdr);
}

bool ipt_entry_eq(int family, const void *a, const char *a_target,
		  const void *b, const char *b_target)
{
	size_t ip_len = family == AF_INET ? sizeof(struct ipt_ip)
					  : sizeof(struct ip6t_ip6);
	size_t hdr = ipt_entry_header_len(family);
	const struct xt_entry_target *xa, *xb;
	const struct xt_entry_match *ma, *mb;
	unsigned int i;

	if (!hdr || memcmp(a, b, ip_len) ||
	    ipt_entry_target_offset(family, a) !=
		    ipt_entry_target_offset(family, b) ||
	    ipt_entry_next_offset(family, a) !=
		    ipt_entry_next_offset(family, b))
		return false;
	for (i = 0; (ma = ipt_entry_get_match(family, a, i)); i++) {
		mb = ipt_entry_get_match(family, b, i);
		if (!mb || !ext_eq(ma->u.match_size, ma->u.user.name,
				   ma->u.user.revision, ma->data,
				   mb->u.match_size, mb->u.user.name,
				   mb->u.user.revision, mb->data, sizeof(*ma)))
			return false;
	}
	if (ipt_entry_get_match(family, b, i))
		return false;
	xa = ipt_entry_get_target(family, a);
	xb = ipt_entry_get_target(family, b);
	if (target_is_standard(xa) || target_is_standard(xb))
		return target_is_standard(xa) && target_is_standard(xb) &&
		       xa->u.target_size == xb->u.target_size && a_target &&
		       b_target && !strcmp(a_target, b_target);
	return ext_eq(xa->u.target_size, xa->u.user.name, xa->u.user.revision,
		      xa->data, xb->u.target_size, xb->u.user.name,
		      xb->u.user.revision, xb->data, sizeof(*xa));
}
