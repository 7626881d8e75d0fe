// SPDX-License-Identifier: GPL-2.0
/* iptables ruleset -> iptables-restore text. */
#include "rules/ipt_print.h"

#include <stdio.h>
#include <string.h>

/* Route types by RTN_* number, as libxt_addrtype names them. */
static const char *const addrtype_names[] = {
	"UNSPEC",   "UNICAST",	 "LOCAL",     "BROADCAST",
	"ANYCAST",  "MULTICAST", "BLACKHOLE", "UNREACHABLE",
	"PROHIBIT", "THROW",	 "NAT",	      "XRESOLVE",
};

/* Conntrack states in the order libxt_conntrack prints them. */
static const struct {
	uint32_t bit;
	const char *name;
} ctstates[] = {
	{IPT_CTSTATE_INVALID, "INVALID"},
	{IPT_CTSTATE_NEW, "NEW"},
	{IPT_CTSTATE_RELATED, "RELATED"},
	{IPT_CTSTATE_ESTABLISHED, "ESTABLISHED"},
	{IPT_CTSTATE_DNAT, "DNAT"},
};

static const char *const verdicts[__IPT_TARGET_MAX] = {
	[IPT_TARGET_ACCEPT] = "ACCEPT",
	[IPT_TARGET_DROP] = "DROP",
	[IPT_TARGET_RETURN] = "RETURN",
};

static const char *inv(bool invert)
{
	return invert ? " !" : "";
}

static void put_cidr(struct strbuf *sb, const char *opt, bool invert,
		     const struct nfp_cidr *c)
{
	char buf[NFP_CIDR_STRLEN];

	/* No family or /0: matches every address, nothing to write. */
	if (!c->addr.family || !c->prefix)
		return;
	nfp_addr_str(&c->addr, buf);
	strbuf_addf(sb, "%s %s %s/%u", inv(invert), opt, buf, c->prefix);
}

static void put_quoted(struct strbuf *sb, const char *s)
{
	strbuf_adds(sb, " \"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			strbuf_add(sb, "\\", 1);
		strbuf_add(sb, s, 1);
	}
	strbuf_adds(sb, "\"");
}

static void put_proto(struct strbuf *sb, uint8_t proto, bool invert)
{
	static const int protos[] = {NFP_PROTO_TCP, NFP_PROTO_UDP,
				     NFP_PROTO_SCTP};

	if (!proto)
		return;
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (nfp_proto_ipproto((enum nfp_proto)protos[i]) == proto) {
			strbuf_addf(sb, "%s -p %s", inv(invert),
				    nfp_proto_name((enum nfp_proto)protos[i]));
			return;
		}
	}
	strbuf_addf(sb, "%s -p %u", inv(invert), proto);
}

static void put_addrtypes(struct strbuf *sb, const char *opt, bool invert,
			  uint16_t types)
{
	const char *sep = " ";

	if (!types)
		return;
	strbuf_addf(sb, "%s %s", inv(invert), opt);
	for (size_t i = 0;
	     i < sizeof(addrtype_names) / sizeof(addrtype_names[0]); i++) {
		if (!(types & (1u << i)))
			continue;
		strbuf_addf(sb, "%s%s", sep, addrtype_names[i]);
		sep = ",";
	}
}

static void put_match(struct strbuf *sb, const struct ipt_match *m)
{
	static const char *const port_names[__IPT_MATCH_MAX] = {
		[IPT_MATCH_TCP] = "tcp",
		[IPT_MATCH_UDP] = "udp",
		[IPT_MATCH_SCTP] = "sctp",
	};
	char buf[16];
	const char *sep = " ";

	switch (m->kind) {
	case IPT_MATCH_COMMENT:
		strbuf_adds(sb, " -m comment --comment");
		put_quoted(sb, m->comment.text);
		break;
	case IPT_MATCH_TCP:
	case IPT_MATCH_UDP:
	case IPT_MATCH_SCTP:
		strbuf_addf(sb, " -m %s%s --dport %u", port_names[m->kind],
			    inv(m->port.invert), m->port.dport);
		break;
	case IPT_MATCH_MARK:
		strbuf_addf(sb, " -m mark%s --mark 0x%x", inv(m->mark.invert),
			    m->mark.mark);
		if (m->mark.mask != UINT32_MAX)
			strbuf_addf(sb, "/0x%x", m->mark.mask);
		break;
	case IPT_MATCH_ADDRTYPE:
		strbuf_adds(sb, " -m addrtype");
		put_addrtypes(sb, "--src-type",
			      m->addrtype.flags & IPT_ADDRTYPE_INVERT_SOURCE,
			      m->addrtype.src_type);
		put_addrtypes(sb, "--dst-type",
			      m->addrtype.flags & IPT_ADDRTYPE_INVERT_DEST,
			      m->addrtype.dst_type);
		if (m->addrtype.flags & IPT_ADDRTYPE_LIMIT_IFACE_IN)
			strbuf_adds(sb, " --limit-iface-in");
		if (m->addrtype.flags & IPT_ADDRTYPE_LIMIT_IFACE_OUT)
			strbuf_adds(sb, " --limit-iface-out");
		break;
	case IPT_MATCH_STATISTIC:
		strbuf_addf(sb, " -m statistic --mode random --probability %s",
			    ipt_probability_str(m->statistic.probability, buf));
		break;
	case IPT_MATCH_RECENT:
		strbuf_addf(sb, " -m recent --name %s %s", m->recent.name,
			    m->recent.cmd == IPT_RECENT_SET ? "--set"
							    : "--rcheck");
		if (m->recent.seconds)
			strbuf_addf(sb, " --seconds %u", m->recent.seconds);
		if (m->recent.reap)
			strbuf_adds(sb, " --reap");
		strbuf_adds(sb, m->recent.rdest ? " --rdest" : " --rsource");
		break;
	case IPT_MATCH_CONNTRACK:
		strbuf_addf(sb, " -m conntrack%s --ctstate",
			    inv(m->conntrack.invert));
		for (size_t i = 0; i < sizeof(ctstates) / sizeof(ctstates[0]);
		     i++) {
			if (!(m->conntrack.states & ctstates[i].bit))
				continue;
			strbuf_addf(sb, "%s%s", sep, ctstates[i].name);
			sep = ",";
		}
		break;
	case __IPT_MATCH_MAX:
		break;
	}
}

static void put_target(struct strbuf *sb, int family,
		       const struct ipt_target *t)
{
	char ip[NFP_ADDR_STRLEN];

	switch (t->kind) {
	case IPT_TARGET_JUMP:
		strbuf_addf(sb, " -j %s", t->chain);
		break;
	case IPT_TARGET_GOTO:
		strbuf_addf(sb, " -g %s", t->chain);
		break;
	case IPT_TARGET_ACCEPT:
	case IPT_TARGET_DROP:
	case IPT_TARGET_RETURN:
		strbuf_addf(sb, " -j %s", verdicts[t->kind]);
		break;
	case IPT_TARGET_DNAT:
		nfp_addr_str(&t->dnat.addr, ip);
		if (!t->dnat.port)
			strbuf_addf(sb, " -j DNAT --to-destination %s", ip);
		else if (t->dnat.addr.family == AF_INET6)
			strbuf_addf(sb, " -j DNAT --to-destination [%s]:%u", ip,
				    t->dnat.port);
		else
			strbuf_addf(sb, " -j DNAT --to-destination %s:%u", ip,
				    t->dnat.port);
		break;
	case IPT_TARGET_MASQUERADE:
		strbuf_addf(sb, " -j MASQUERADE%s",
			    t->masq.random_fully ? " --random-fully" : "");
		break;
	case IPT_TARGET_MARK:
		strbuf_addf(sb, " -j MARK --%s-mark 0x%x",
			    t->mark.op == IPT_MARK_OR ? "or" : "xor",
			    t->mark.value);
		break;
	case IPT_TARGET_REJECT:
		strbuf_addf(sb, " -j REJECT --reject-with %s",
			    family == AF_INET6 ? "icmp6-port-unreachable"
					       : "icmp-port-unreachable");
		break;
	case __IPT_TARGET_MAX:
		break;
	}
}

void ipt_print_rule(struct strbuf *sb, int family, const char *chain,
		    const struct ipt_rule *r)
{
	strbuf_addf(sb, "-A %s", chain);
	put_cidr(sb, "-s", r->src_inv, &r->src);
	put_cidr(sb, "-d", r->dst_inv, &r->dst);
	if (r->in_iface[0])
		strbuf_addf(sb, "%s -i %.*s", inv(r->in_inv), IFNAMSIZ,
			    r->in_iface);
	if (r->out_iface[0])
		strbuf_addf(sb, "%s -o %.*s", inv(r->out_inv), IFNAMSIZ,
			    r->out_iface);
	put_proto(sb, r->proto, r->proto_inv);
	for (size_t i = 0; i < r->n_matches; i++)
		put_match(sb, &r->matches[i]);
	put_target(sb, family, &r->target);
}

static void put_chain_rules(struct strbuf *sb, int family,
			    const struct ipt_chain *c)
{
	for (size_t i = 0; i < c->n_rules; i++) {
		ipt_print_rule(sb, family, c->name, &c->rules[i]);
		strbuf_adds(sb, "\n");
	}
}

static void put_table(struct strbuf *sb, int family, const struct ipt_table *t)
{
	strbuf_addf(sb, "*%s\n", ipt_table_name(t->id));
	for (int h = 0; h < __IPT_HOOK_MAX; h++)
		if (ipt_table_has_hook(t->id, (enum ipt_hook)h))
			strbuf_addf(sb, ":%s ACCEPT [0:0]\n", t->hooks[h].name);
	for (size_t i = 0; i < t->n_chains; i++)
		strbuf_addf(sb, ":%s - [0:0]\n", t->chains[i]->name);
	for (int h = 0; h < __IPT_HOOK_MAX; h++)
		if (ipt_table_has_hook(t->id, (enum ipt_hook)h))
			put_chain_rules(sb, family, &t->hooks[h]);
	for (size_t i = 0; i < t->n_chains; i++)
		put_chain_rules(sb, family, t->chains[i]);
	strbuf_adds(sb, "COMMIT\n");
}

char *ipt_print(const struct ipt_ruleset *rs)
{
	static const enum ipt_table_id order[] = {IPT_TABLE_FILTER,
						  IPT_TABLE_NAT};
	struct strbuf sb = {0};

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		put_table(&sb, rs->family, &rs->tables[order[i]]);
	return strbuf_detach(&sb);
}
