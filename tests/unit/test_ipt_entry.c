// SPDX-License-Identifier: GPL-2.0
/*
 * ipt_entry: the blobs libiptc gets. Sizes and offsets as the kernel
 * checks them (XT_ALIGN'ed), extension names and revisions, each match's
 * and target's data as iptables 1.8 fills it, the entry fields, IPv6,
 * errors, and ipt_entry_eq().
 */
#include "testutil.h"

#include "rules/ipt_entry.h"
#include "rules/ipt_ruleset.h"
#include "util/addr.h"

#include <errno.h>
#include <stdint.h>

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
#define ipt_reject_with kernel_ipt_reject_with
#include <linux/netfilter_ipv4/ipt_REJECT.h>
#undef ipt_reject_with
#include <linux/netfilter_ipv6/ip6t_REJECT.h>
#undef ipt_match
#undef ipt_target
#undef ipt_table
#undef ipt_entry_match
#undef ipt_entry_target

#define MATCH_HDR XT_ALIGN(sizeof(struct xt_entry_match))
#define TARGET_HDR XT_ALIGN(sizeof(struct xt_entry_target))
#define STD_TARGET XT_ALIGN(sizeof(struct xt_standard_target))

static struct nfp_addr addr(const char *s)
{
	struct nfp_addr a;

	ck_assert_msg(nfp_addr_parse(s, &a) == 0, "bad address %s", s);
	return a;
}

static struct nfp_cidr cidr(const char *s)
{
	struct nfp_cidr c;

	ck_assert_msg(nfp_cidr_parse(s, &c) == 0, "bad cidr %s", s);
	return c;
}

/* A one-rule chain to build rules in; released by the ruleset. */
struct fx {
	struct ipt_ruleset rs;
	struct ipt_chain *c;
	struct ipt_entry_buf b;
};

static struct ipt_rule *fx_rule(struct fx *f, int family)
{
	ipt_ruleset_init(&f->rs, family);
	memset(&f->b, 0, sizeof(f->b));
	f->c = ipt_table_add_chain(&f->rs.tables[IPT_TABLE_NAT], "NFP-TEST");
	return ipt_chain_add_rule(f->c);
}

static void fx_done(struct fx *f)
{
	ipt_ruleset_release(&f->rs);
	ipt_entry_buf_release(&f->b);
}

static const struct xt_entry_match *match_at(int family, const void *e,
					     unsigned int n, const char *name,
					     uint8_t rev, size_t data)
{
	const struct xt_entry_match *m = ipt_entry_get_match(family, e, n);

	ck_assert_msg(m != NULL, "no match %u", n);
	ck_assert_str_eq(m->u.user.name, name);
	ck_assert_uint_eq(m->u.user.revision, rev);
	ck_assert_uint_eq(m->u.match_size, MATCH_HDR + XT_ALIGN(data));
	return m;
}

static const struct xt_entry_target *
target_of(int family, const void *e, const char *name, uint8_t rev, size_t size)
{
	const struct xt_entry_target *t = ipt_entry_get_target(family, e);

	ck_assert_str_eq(t->u.user.name, name);
	ck_assert_uint_eq(t->u.user.revision, rev);
	ck_assert_uint_eq(t->u.target_size, size);
	ck_assert_uint_eq(ipt_entry_target_offset(family, e) + size,
			  ipt_entry_next_offset(family, e));
	return t;
}

START_TEST(test_dnat_endpoint_v4)
{
	struct fx f;
	struct ipt_rule *r = fx_rule(&f, AF_INET);
	struct nfp_addr a = addr("10.244.0.16");
	const struct ipt_entry *e;
	const struct xt_entry_match *m;
	const struct nf_nat_range2 *nr;

	/* -A NFP-SEP-X -p tcp -m comment --comment "default/web:http"
	 *  -j DNAT --to-destination 10.244.0.16:8080 */
	r->proto = IPPROTO_TCP;
	ipt_rule_comment(r, "default/web:http");
	ipt_rule_dnat(r, &a, 8080);
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET, r), 0);
	e = f.b.data;

	ck_assert_uint_eq(sizeof(struct ipt_entry), 112);
	ck_assert_uint_eq(ipt_entry_header_len(AF_INET), 112);
	ck_assert_uint_eq(e->target_offset, 112 + 32 + 256);
	ck_assert_uint_eq(e->next_offset,
			  112 + 32 + 256 + TARGET_HDR +
				  XT_ALIGN(sizeof(struct nf_nat_range2)));
	ck_assert_uint_eq(f.b.len, e->next_offset);
	ck_assert_uint_eq(e->ip.proto, IPPROTO_TCP);
	ck_assert_uint_eq(e->ip.flags, 0);
	ck_assert_uint_eq(e->ip.invflags, 0);
	ck_assert_uint_eq(e->ip.smsk.s_addr, 0);
	ck_assert_uint_eq(e->counters.pcnt, 0);

	m = match_at(AF_INET, e, 0, "comment", 0,
		     sizeof(struct xt_comment_info));
	ck_assert_str_eq(((const struct xt_comment_info *)m->data)->comment,
			 "default/web:http");
	ck_assert_ptr_null(ipt_entry_get_match(AF_INET, e, 1));
	ck_assert_str_eq(ipt_entry_comment(AF_INET, e), "default/web:http");

	nr = (const void *)target_of(AF_INET, e, "DNAT", 2,
				     TARGET_HDR + XT_ALIGN(sizeof(*nr)))
		     ->data;
	ck_assert_uint_eq(nr->flags,
			  NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED);
	ck_assert_uint_eq(nr->min_addr.ip, a.v4.s_addr);
	ck_assert_uint_eq(nr->max_addr.ip, a.v4.s_addr);
	ck_assert_uint_eq(nr->min_proto.all, htons(8080));
	ck_assert_uint_eq(nr->max_proto.all, htons(8080));
	ck_assert_uint_eq(nr->base_proto.all, 0);

	/* Without a port: addresses only. */
	ipt_rule_dnat(r, &a, 0);
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET, r), 0);
	nr = (const void *)((const struct xt_entry_target *)
				    ipt_entry_get_target(AF_INET, f.b.data))
		     ->data;
	ck_assert_uint_eq(nr->flags, NF_NAT_RANGE_MAP_IPS);
	ck_assert_uint_eq(nr->min_proto.all, 0);
	fx_done(&f);
}
END_TEST

START_TEST(test_every_match)
{
	struct fx f;
	struct ipt_rule *r = fx_rule(&f, AF_INET);
	const void *e;
	const struct xt_entry_match *m;
	size_t off = sizeof(struct ipt_entry);

	ipt_rule_comment(r, "c");
	ipt_rule_dport(r, NFP_PROTO_TCP, 80);
	ipt_rule_add_match(r, IPT_MATCH_UDP)->port.dport = 53;
	ipt_rule_add_match(r, IPT_MATCH_SCTP)->port.dport = 9999;
	r->matches[3].port.invert = true;
	ipt_rule_mark(r, IPT_MARK_MASQ, IPT_MARK_MASQ, true);
	ipt_rule_addrtype(r, 0, IPT_ADDRTYPE_LOCAL,
			  IPT_ADDRTYPE_INVERT_DEST |
				  IPT_ADDRTYPE_LIMIT_IFACE_IN);
	ipt_rule_probability(r, 0.5);
	ipt_rule_recent(r, "NFP-SEP-ABC", IPT_RECENT_RCHECK, 10800, true);
	ipt_rule_ctstate(r, IPT_CTSTATE_RELATED | IPT_CTSTATE_ESTABLISHED,
			 false);
	ipt_rule_verdict(r, IPT_TARGET_ACCEPT);
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET, r), 0);
	e = f.b.data;
	ck_assert_uint_eq(((const struct ipt_entry *)e)->ip.proto, IPPROTO_TCP);

	m = match_at(AF_INET, e, 0, "comment", 0,
		     sizeof(struct xt_comment_info));
	off += m->u.match_size;
	m = match_at(AF_INET, e, 1, "tcp", 0, sizeof(struct xt_tcp));
	{
		const struct xt_tcp *t = (const void *)m->data;

		ck_assert_uint_eq(t->spts[0], 0);
		ck_assert_uint_eq(t->spts[1], 0xffff);
		ck_assert_uint_eq(t->dpts[0], 80);
		ck_assert_uint_eq(t->dpts[1], 80);
		ck_assert_uint_eq(t->invflags, 0);
		ck_assert_uint_eq(t->option | t->flg_mask | t->flg_cmp, 0);
	}
	off += m->u.match_size;
	m = match_at(AF_INET, e, 2, "udp", 0, sizeof(struct xt_udp));
	ck_assert_uint_eq(((const struct xt_udp *)m->data)->dpts[1], 53);
	ck_assert_uint_eq(((const struct xt_udp *)m->data)->spts[1], 0xffff);
	off += m->u.match_size;
	m = match_at(AF_INET, e, 3, "sctp", 0, sizeof(struct xt_sctp_info));
	{
		const struct xt_sctp_info *s = (const void *)m->data;

		ck_assert_uint_eq(s->dpts[0], 9999);
		ck_assert_uint_eq(s->spts[1], 0xffff);
		ck_assert_uint_eq(s->flags, XT_SCTP_DEST_PORTS);
		ck_assert_uint_eq(s->invflags, XT_SCTP_DEST_PORTS);
	}
	off += m->u.match_size;
	m = match_at(AF_INET, e, 4, "mark", 1, sizeof(struct xt_mark_mtinfo1));
	{
		const struct xt_mark_mtinfo1 *k = (const void *)m->data;

		ck_assert_uint_eq(k->mark, 0x4000);
		ck_assert_uint_eq(k->mask, 0x4000);
		ck_assert_uint_eq(k->invert, 1);
	}
	off += m->u.match_size;
	m = match_at(AF_INET, e, 5, "addrtype", 1,
		     sizeof(struct xt_addrtype_info_v1));
	{
		const struct xt_addrtype_info_v1 *a = (const void *)m->data;

		ck_assert_uint_eq(a->source, 0);
		ck_assert_uint_eq(a->dest, XT_ADDRTYPE_LOCAL);
		ck_assert_uint_eq(a->flags, XT_ADDRTYPE_INVERT_DEST |
						    XT_ADDRTYPE_LIMIT_IFACE_IN);
	}
	off += m->u.match_size;
	m = match_at(AF_INET, e, 6, "statistic", 0,
		     sizeof(struct xt_statistic_info));
	{
		const struct xt_statistic_info *s = (const void *)m->data;

		ck_assert_uint_eq(s->mode, XT_STATISTIC_MODE_RANDOM);
		ck_assert_uint_eq(s->flags, 0);
		/* lround(0x80000000 * 0.5) */
		ck_assert_uint_eq(s->u.random.probability, 0x40000000u);
		ck_assert_ptr_null(s->master);
	}
	off += m->u.match_size;
	m = match_at(AF_INET, e, 7, "recent", 1,
		     sizeof(struct xt_recent_mtinfo_v1));
	{
		const struct xt_recent_mtinfo_v1 *rc = (const void *)m->data;
		static const uint8_t ones[16] = {
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

		ck_assert_uint_eq(rc->seconds, 10800);
		ck_assert_uint_eq(rc->hit_count, 0);
		ck_assert_uint_eq(rc->check_set,
				  XT_RECENT_CHECK | XT_RECENT_REAP);
		ck_assert_uint_eq(rc->invert, 0);
		ck_assert_str_eq(rc->name, "NFP-SEP-ABC");
		ck_assert_uint_eq(rc->side, XT_RECENT_SOURCE);
		ck_assert_mem_eq(&rc->mask, ones, sizeof(ones));
	}
	off += m->u.match_size;
	m = match_at(AF_INET, e, 8, "conntrack", 3,
		     sizeof(struct xt_conntrack_mtinfo3));
	{
		const struct xt_conntrack_mtinfo3 *c = (const void *)m->data;

		ck_assert_uint_eq(c->match_flags, XT_CONNTRACK_STATE);
		ck_assert_uint_eq(c->invert_flags, 0);
		ck_assert_uint_eq(
			c->state_mask,
			XT_CONNTRACK_STATE_BIT(IP_CT_RELATED) |
				XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED));
		ck_assert_uint_eq(c->status_mask, 0);
	}
	off += m->u.match_size;
	ck_assert_ptr_null(ipt_entry_get_match(AF_INET, e, 9));
	ck_assert_uint_eq(ipt_entry_target_offset(AF_INET, e), off);
	/* ACCEPT: a standard target carrying the label for libiptc. */
	target_of(AF_INET, e, "ACCEPT", 0, STD_TARGET);
	ck_assert_uint_eq(STD_TARGET, 40);
	fx_done(&f);
}
END_TEST

START_TEST(test_recent_set_and_invert)
{
	struct fx f;
	struct ipt_rule *r = fx_rule(&f, AF_INET);
	const struct xt_entry_match *m;

	ipt_rule_recent(r, "NFP-SEP-ABC", IPT_RECENT_SET, 0, false);
	r->matches[0].recent.rdest = true;
	ipt_rule_ctstate(r, IPT_CTSTATE_NEW, true);
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET, r), 0);
	m = ipt_entry_get_match(AF_INET, f.b.data, 0);
	ck_assert_uint_eq(
		((const struct xt_recent_mtinfo_v1 *)m->data)->check_set,
		XT_RECENT_SET);
	ck_assert_uint_eq(((const struct xt_recent_mtinfo_v1 *)m->data)->side,
			  XT_RECENT_DEST);
	m = ipt_entry_get_match(AF_INET, f.b.data, 1);
	ck_assert_uint_eq(
		((const struct xt_conntrack_mtinfo3 *)m->data)->invert_flags,
		XT_CONNTRACK_STATE);

	/* --reap needs --seconds: the kernel would refuse it. */
	r->matches[0].recent.reap = true;
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET, r), -EINVAL);
	fx_done(&f);
}
END_TEST

START_TEST(test_jump_goto_verdicts)
{
	struct fx f;
	struct ipt_rule *r = fx_rule(&f, AF_INET);
	const struct ipt_entry *e;

	ipt_rule_jump(r, "NFP-SVC-ABCDEFGHIJKLMNOP");
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET, r), 0);
	e = f.b.data;
	ck_assert_uint_eq(e->target_offset, sizeof(struct ipt_entry));
	ck_assert_uint_eq(e->next_offset, sizeof(struct ipt_entry) + 40);
	target_of(AF_INET, e, "NFP-SVC-ABCDEFGHIJKLMNOP", 0, STD_TARGET);
	ck_assert(!ipt_entry_is_goto(AF_INET, e));
	ck_assert_int_eq(((const struct xt_standard_target *)
				  ipt_entry_get_target(AF_INET, e))
				 ->verdict,
			 0);

	r->target.kind = IPT_TARGET_GOTO;
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET, r), 0);
	e = f.b.data;
	ck_assert_uint_eq(e->ip.flags, IPT_F_GOTO);
	ck_assert(ipt_entry_is_goto(AF_INET, e));

	ipt_rule_verdict(r, IPT_TARGET_DROP);
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET, r), 0);
	target_of(AF_INET, f.b.data, "DROP", 0, STD_TARGET);
	ipt_rule_verdict(r, IPT_TARGET_RETURN);
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET, r), 0);
	target_of(AF_INET, f.b.data, "RETURN", 0, STD_TARGET);

	/* A jump needs a chain. */
	ipt_rule_jump(r, "");
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET, r), -EINVAL);
	fx_done(&f);
}
END_TEST

START_TEST(test_targets_v4)
{
	struct fx f;
	struct ipt_rule *r = fx_rule(&f, AF_INET);
	const struct xt_entry_target *t;

	ipt_rule_masquerade(r, true);
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET, r), 0);
	t = target_of(AF_INET, f.b.data, "MASQUERADE", 0,
		      TARGET_HDR +
			      XT_ALIGN(sizeof(
				      struct nf_nat_ipv4_multi_range_compat)));
	{
		const struct nf_nat_ipv4_multi_range_compat *mr =
			(const void *)t->data;

		ck_assert_uint_eq(mr->rangesize, 1);
		ck_assert_uint_eq(mr->range[0].flags,
				  NF_NAT_RANGE_PROTO_RANDOM_FULLY);
	}
	ipt_rule_masquerade(r, false);
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET, r), 0);
	t = ipt_entry_get_target(AF_INET, f.b.data);
	ck_assert_uint_eq(
		((const struct nf_nat_ipv4_multi_range_compat *)t->data)
			->range[0]
			.flags,
		0);

	ipt_rule_set_mark(r, IPT_MARK_OR, 0x4000);
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET, r), 0);
	t = target_of(AF_INET, f.b.data, "MARK", 2,
		      TARGET_HDR + XT_ALIGN(sizeof(struct xt_mark_tginfo2)));
	ck_assert_uint_eq(((const struct xt_mark_tginfo2 *)t->data)->mark,
			  0x4000);
	ck_assert_uint_eq(((const struct xt_mark_tginfo2 *)t->data)->mask,
			  0x4000);
	ipt_rule_set_mark(r, IPT_MARK_XOR, 0x4000);
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET, r), 0);
	t = ipt_entry_get_target(AF_INET, f.b.data);
	ck_assert_uint_eq(((const struct xt_mark_tginfo2 *)t->data)->mark,
			  0x4000);
	ck_assert_uint_eq(((const struct xt_mark_tginfo2 *)t->data)->mask, 0);

	ipt_rule_reject(r);
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET, r), 0);
	t = target_of(AF_INET, f.b.data, "REJECT", 0,
		      TARGET_HDR + XT_ALIGN(sizeof(struct ipt_reject_info)));
	ck_assert_uint_eq(((const struct ipt_reject_info *)t->data)->with,
			  IPT_ICMP_PORT_UNREACHABLE);
	fx_done(&f);
}
END_TEST

START_TEST(test_entry_fields_v4)
{
	struct fx f;
	struct ipt_rule *r = fx_rule(&f, AF_INET);
	const struct ipt_entry *e;
	static const uint8_t name_mask[IFNAMSIZ] = {0xff, 0xff, 0xff, 0xff,
						    0xff};
	static const uint8_t plus_mask[IFNAMSIZ] = {0xff, 0xff, 0xff};

	r->src = cidr("10.244.0.0/16");
	r->src_inv = true;
	r->dst = cidr("10.96.0.10/32");
	snprintf(r->in_iface, IFNAMSIZ, "eth0");
	snprintf(r->out_iface, IFNAMSIZ, "cni+");
	r->out_inv = true;
	r->proto = IPPROTO_UDP;
	r->proto_inv = true;
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET, r), 0);
	e = f.b.data;
	ck_assert_uint_eq(ntohl(e->ip.src.s_addr), 0x0af40000);
	ck_assert_uint_eq(ntohl(e->ip.smsk.s_addr), 0xffff0000);
	ck_assert_uint_eq(ntohl(e->ip.dst.s_addr), 0x0a60000a);
	ck_assert_uint_eq(ntohl(e->ip.dmsk.s_addr), 0xffffffff);
	ck_assert_str_eq(e->ip.iniface, "eth0");
	ck_assert_mem_eq(e->ip.iniface_mask, name_mask, IFNAMSIZ);
	ck_assert_str_eq(e->ip.outiface, "cni+");
	ck_assert_mem_eq(e->ip.outiface_mask, plus_mask, IFNAMSIZ);
	ck_assert_uint_eq(e->ip.proto, IPPROTO_UDP);
	ck_assert_uint_eq(e->ip.invflags,
			  IPT_INV_SRCIP | IPT_INV_VIA_OUT | IPT_INV_PROTO);

	/* Host bits are cleared, as iptables stores them. */
	r->src = cidr("10.0.0.0/8");
	r->src.addr.b[3] = 7;
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET, r), 0);
	e = f.b.data;
	ck_assert_uint_eq(ntohl(e->ip.src.s_addr), 0x0a000000);

	/* An IPv6 address in an IPv4 rule. */
	r->dst = cidr("fd00::1/128");
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET, r), -EINVAL);
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_UNSPEC, r), -EAFNOSUPPORT);
	fx_done(&f);
}
END_TEST

START_TEST(test_ipv6)
{
	struct fx f;
	struct ipt_rule *r = fx_rule(&f, AF_INET6);
	struct nfp_addr a = addr("fd00:10:244::16");
	const struct ip6t_entry *e;
	const struct xt_entry_target *t;

	r->dst = cidr("fd00:10:96::10/128");
	ipt_rule_dport(r, NFP_PROTO_TCP, 80);
	ipt_rule_dnat(r, &a, 8080);
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET6, r), 0);
	e = f.b.data;
	ck_assert_uint_eq(sizeof(struct ip6t_entry), 168);
	ck_assert_uint_eq(ipt_entry_header_len(AF_INET6), 168);
	ck_assert_uint_eq(e->target_offset,
			  168 + MATCH_HDR + XT_ALIGN(sizeof(struct xt_tcp)));
	ck_assert_uint_eq(e->ipv6.proto, IPPROTO_TCP);
	ck_assert_uint_eq(e->ipv6.flags, IP6T_F_PROTO);
	ck_assert_mem_eq(e->ipv6.dst.s6_addr, cidr("fd00:10:96::10/128").addr.b,
			 16);
	for (int i = 0; i < 16; i++)
		ck_assert_uint_eq(e->ipv6.dmsk.s6_addr[i], 0xff);
	match_at(AF_INET6, e, 0, "tcp", 0, sizeof(struct xt_tcp));
	t = target_of(AF_INET6, e, "DNAT", 2,
		      TARGET_HDR + XT_ALIGN(sizeof(struct nf_nat_range2)));
	ck_assert_mem_eq(((const struct nf_nat_range2 *)t->data)->min_addr.ip6,
			 a.b, 16);

	ipt_rule_masquerade(r, true);
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET6, r), 0);
	t = target_of(AF_INET6, f.b.data, "MASQUERADE", 0,
		      TARGET_HDR + XT_ALIGN(sizeof(struct nf_nat_range)));
	ck_assert_uint_eq(((const struct nf_nat_range *)t->data)->flags,
			  NF_NAT_RANGE_PROTO_RANDOM_FULLY);

	ipt_rule_reject(r);
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET6, r), 0);
	t = target_of(AF_INET6, f.b.data, "REJECT", 0,
		      TARGET_HDR + XT_ALIGN(sizeof(struct ip6t_reject_info)));
	ck_assert_uint_eq(((const struct ip6t_reject_info *)t->data)->with,
			  IP6T_ICMP6_PORT_UNREACH);

	ipt_rule_jump(r, "NFP-SVC-X");
	r->target.kind = IPT_TARGET_GOTO;
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET6, r), 0);
	e = f.b.data;
	ck_assert_uint_eq(e->ipv6.flags, IP6T_F_PROTO | IP6T_F_GOTO);
	ck_assert(ipt_entry_is_goto(AF_INET6, e));

	/* An IPv4 DNAT address in an IPv6 rule. */
	a = addr("10.0.0.1");
	ipt_rule_dnat(r, &a, 80);
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET6, r), -EINVAL);
	fx_done(&f);
}
END_TEST

START_TEST(test_eq)
{
	struct fx f;
	struct ipt_rule *r = fx_rule(&f, AF_INET);
	struct ipt_entry_buf other = {0};
	struct ipt_entry *e;

	ipt_rule_comment(r, "kube-nfproxy service portals");
	ipt_rule_jump(r, "NFP-SERVICES");
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET, r), 0);
	ck_assert_int_eq(ipt_entry_build(&other, AF_INET, r), 0);
	ck_assert(ipt_entry_eq(AF_INET, f.b.data, "NFP-SERVICES", other.data,
			       "NFP-SERVICES"));

	/* The kernel's form of the same rule: no name, an offset, counters. */
	e = other.data;
	memset(((struct xt_entry_target *)ipt_entry_get_target(AF_INET, e))
		       ->u.user.name,
	       0, XT_EXTENSION_MAXNAMELEN);
	((struct xt_standard_target *)ipt_entry_get_target(AF_INET, e))
		->verdict = 1234;
	e->counters.pcnt = 99;
	e->comefrom = 0x2;
	ck_assert(ipt_entry_eq(AF_INET, f.b.data, "NFP-SERVICES", other.data,
			       "NFP-SERVICES"));
	ck_assert(!ipt_entry_eq(AF_INET, f.b.data, "NFP-SERVICES", other.data,
				"NFP-NODEPORTS"));

	/* Another comment. */
	free(r->matches[0].comment.text);
	r->matches[0].comment.text = strdup("kube-nfproxy other");
	ck_assert_int_eq(ipt_entry_build(&other, AF_INET, r), 0);
	ck_assert(!ipt_entry_eq(AF_INET, f.b.data, "NFP-SERVICES", other.data,
				"NFP-SERVICES"));

	/* Module targets compare by their data. */
	ipt_rule_set_mark(r, IPT_MARK_OR, 0x4000);
	ck_assert_int_eq(ipt_entry_build(&f.b, AF_INET, r), 0);
	ipt_rule_set_mark(r, IPT_MARK_OR, 0x8000);
	ck_assert_int_eq(ipt_entry_build(&other, AF_INET, r), 0);
	ck_assert(!ipt_entry_eq(AF_INET, f.b.data, "MARK", other.data, "MARK"));
	ipt_rule_set_mark(r, IPT_MARK_OR, 0x4000);
	ck_assert_int_eq(ipt_entry_build(&other, AF_INET, r), 0);
	ck_assert(ipt_entry_eq(AF_INET, f.b.data, "MARK", other.data, "MARK"));
	ipt_entry_buf_release(&other);
	fx_done(&f);
}
END_TEST

START_TEST(test_names)
{
	uint8_t rev = 9;

	ck_assert_str_eq(ipt_entry_match_name(IPT_MATCH_CONNTRACK, &rev),
			 "conntrack");
	ck_assert_uint_eq(rev, 3);
	ck_assert_str_eq(ipt_entry_match_name(IPT_MATCH_RECENT, &rev),
			 "recent");
	ck_assert_uint_eq(rev, 1);
	ck_assert_str_eq(ipt_entry_target_name(IPT_TARGET_DNAT, &rev), "DNAT");
	ck_assert_uint_eq(rev, 2);
	ck_assert_str_eq(ipt_entry_target_name(IPT_TARGET_MARK, &rev), "MARK");
	ck_assert_uint_eq(rev, 2);
	ck_assert_str_eq(ipt_entry_target_name(IPT_TARGET_JUMP, &rev), "");
	ck_assert_ptr_null(ipt_entry_match_name(__IPT_MATCH_MAX, NULL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ipt_entry");
	TCase *tc = tcase_create("entry");

	tcase_add_test(tc, test_dnat_endpoint_v4);
	tcase_add_test(tc, test_every_match);
	tcase_add_test(tc, test_recent_set_and_invert);
	tcase_add_test(tc, test_jump_goto_verdicts);
	tcase_add_test(tc, test_targets_v4);
	tcase_add_test(tc, test_entry_fields_v4);
	tcase_add_test(tc, test_ipv6);
	tcase_add_test(tc, test_eq);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
