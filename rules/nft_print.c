// SPDX-License-Identifier: GPL-2.0
#include "rules/nft_print.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Names nft knows values by, for the fields whose values we print. */
struct sym {
	uint32_t value;
	const char *name;
};

static const struct sym ct_state_syms[] = {
	{0x01, "invalid"}, {0x02, "established"}, {0x04, "related"},
	{0x08, "new"},	   {0x40, "untracked"},	  {0, NULL},
};

static const struct sym ct_status_syms[] = {
	{0x01, "expected"}, {0x02, "seen-reply"},
	{0x04, "assured"},  {0x08, "confirmed"},
	{0x10, "snat"},	    {0x20, "dnat"},
	{0x200, "dying"},   {0, NULL},
};

static const struct sym fib_type_syms[] = {
	{0, "unspec"},	 {1, "unicast"},   {2, "local"},     {3, "broadcast"},
	{4, "anycast"},	 {5, "multicast"}, {6, "blackhole"}, {7, "unreachable"},
	{8, "prohibit"}, {0, NULL},
};

static const struct sym l4proto_syms[] = {
	{6, "tcp"},
	{17, "udp"},
	{132, "sctp"},
	{0, NULL},
};

static const struct sym icmp_code_syms[] = {
	{0, "net-unreachable"},	  {1, "host-unreachable"},
	{2, "prot-unreachable"},  {3, "port-unreachable"},
	{9, "net-prohibited"},	  {10, "host-prohibited"},
	{13, "admin-prohibited"}, {0, NULL},
};

static const struct sym icmpv6_code_syms[] = {
	{0, "no-route"},
	{1, "admin-prohibited"},
	{3, "addr-unreachable"},
	{4, "port-unreachable"},
	{0, NULL},
};

static const char *sym_name(const struct sym *t, uint32_t v)
{
	for (; t->name; t++)
		if (t->value == v)
			return t->name;
	return NULL;
}

static void add_str(struct strbuf *sb, const char *s)
{
	strbuf_adds(sb, s);
}

/* Append a quoted comment; nft's quoted strings have no escapes. */
static void add_comment(struct strbuf *sb, const char *c)
{
	strbuf_adds(sb, "comment \"");
	for (; *c; c++) {
		char ch = *c == '"' || *c == '\n' ? '\'' : *c;

		strbuf_add(sb, &ch, 1);
	}
	strbuf_adds(sb, "\"");
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void add_u32(struct strbuf *sb, uint32_t v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%" PRIu32, v);
	add_str(sb, buf);
}

static void add_hex(struct strbuf *sb, uint32_t v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "0x%08" PRIx32, v);
	add_str(sb, buf);
}

static void add_addr(struct strbuf *sb, int family, const uint8_t *p)
{
	struct nfp_addr a = {.family = family == NFPROTO_IPV6 ? AF_INET6
							      : AF_INET};
	char buf[NFP_ADDR_STRLEN];

	memcpy(a.b, p, nfp_addr_len(a.family));
	add_str(sb, nfp_addr_str(&a, buf));
}

/* Bitmask fields: names joined by ','. */
static void add_flags(struct strbuf *sb, const struct sym *t, uint32_t v)
{
	const char *sep = "";

	for (; t->name && v; t++) {
		if (!(v & t->value))
			continue;
		strbuf_addf(sb, "%s%s", sep, t->name);
		v &= ~t->value;
		sep = ",";
	}
	if (v) {
		add_str(sb, sep);
		add_hex(sb, v);
	}
}

/* One value of a field, in nft syntax. */
static void add_value(struct strbuf *sb, enum nftr_field kind, int family,
		      const uint8_t *p)
{
	const char *name;

	switch (kind) {
	case NFTR_F_SADDR:
	case NFTR_F_DADDR:
		add_addr(sb, family, p);
		return;
	case NFTR_F_L4PROTO:
		name = sym_name(l4proto_syms, p[0]);
		if (name)
			add_str(sb, name);
		else
			add_u32(sb, p[0]);
		return;
	case NFTR_F_DPORT:
		add_u32(sb, (uint32_t)p[0] << 8 | p[1]);
		return;
	case NFTR_F_CT_STATE:
		add_flags(sb, ct_state_syms, get_u32(p));
		return;
	case NFTR_F_CT_STATUS:
		add_flags(sb, ct_status_syms, get_u32(p));
		return;
	case NFTR_F_FIB_DADDR_TYPE:
	case NFTR_F_FIB_SADDR_TYPE:
		name = sym_name(fib_type_syms, get_u32(p));
		if (name)
			add_str(sb, name);
		else
			add_u32(sb, get_u32(p));
		return;
	case NFTR_F_MARK:
		add_hex(sb, get_u32(p));
		return;
	case NFTR_F_NUMGEN:
	default:
		add_u32(sb, get_u32(p));
		return;
	}
}

/* If [lo, hi] is exactly one prefix, its length; else -1. */
static int range_prefix(const uint8_t *lo, const uint8_t *hi, uint32_t len)
{
	uint32_t bits = len * 8, plen = 0;

	while (plen < bits) {
		uint8_t m = (uint8_t)(0x80 >> (plen % 8));

		if ((lo[plen / 8] & m) != (hi[plen / 8] & m))
			break;
		plen++;
	}
	for (uint32_t b = plen; b < bits; b++) {
		uint8_t m = (uint8_t)(0x80 >> (b % 8));

		if ((lo[b / 8] & m) || !(hi[b / 8] & m))
			return -1;
	}
	return (int)plen;
}

static void add_key_text(struct strbuf *sb, const struct nft_key *k, int family)
{
	char buf[64];

	for (uint8_t i = 0; i < k->n; i++) {
		if (i)
			add_str(sb, " . ");
		add_str(sb, nft_field_text(&k->f[i], family, buf));
	}
}

/* Key bytes as nft values "a . b . c"; end: the interval's last key. */
static void add_key_value(struct strbuf *sb, const struct nft_key *k,
			  int family, const uint8_t *p, const uint8_t *end)
{
	for (uint8_t i = 0; i < k->n; i++) {
		enum nftr_field kind = k->f[i].kind;
		uint32_t len = nft_field_len(kind, family);

		if (i)
			add_str(sb, " . ");
		add_value(sb, kind, family, p);
		if (end && memcmp(p, end, len) != 0) {
			int plen = -1;

			if (kind == NFTR_F_SADDR || kind == NFTR_F_DADDR)
				plen = range_prefix(p, end, len);
			if (plen >= 0) {
				strbuf_addf(sb, "/%d", plen);
			} else {
				add_str(sb, "-");
				add_value(sb, kind, family, end);
			}
		}
		p += (len + 3) & ~3u;
		if (end)
			end += (len + 3) & ~3u;
	}
}

static void add_verdict(struct strbuf *sb, int verdict, const char *chain)
{
	switch (verdict) {
	case NF_ACCEPT:
		add_str(sb, "accept");
		break;
	case NF_DROP:
		add_str(sb, "drop");
		break;
	case NFT_RETURN:
		add_str(sb, "return");
		break;
	case NFT_CONTINUE:
		add_str(sb, "continue");
		break;
	case NFT_JUMP:
		strbuf_addf(sb, "jump %s", chain ? chain : "?");
		break;
	case NFT_GOTO:
		strbuf_addf(sb, "goto %s", chain ? chain : "?");
		break;
	default:
		strbuf_addf(sb, "verdict %d", verdict);
		break;
	}
}

static void add_timeout(struct strbuf *sb, uint64_t ms)
{
	if (ms % 1000 == 0)
		strbuf_addf(sb, "%" PRIu64 "s", ms / 1000);
	else
		strbuf_addf(sb, "%" PRIu64 "ms", ms);
}

static bool all_ones(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0xff)
			return false;
	return true;
}

static void print_cmp(struct strbuf *sb, const struct nft_stmt *st, int family)
{
	const struct nft_field *fld = &st->key.f[0];
	const char *op = st->invert ? "!= " : "";
	bool masked = !all_ones(st->mask, st->len);
	char buf[64];
	int plen;

	add_str(sb, nft_field_text(fld, family, buf));
	add_str(sb, " ");
	switch (fld->kind) {
	case NFTR_F_SADDR:
	case NFTR_F_DADDR:
		/* A prefix: value & mask, the mask's ones leading. */
		plen = -1;
		if (masked) {
			uint8_t hi[16];

			for (uint8_t i = 0; i < st->len; i++)
				hi[i] = st->value[i] | (uint8_t)~st->mask[i];
			plen = range_prefix(st->value, hi, st->len);
		}
		add_str(sb, op);
		add_value(sb, fld->kind, family, st->value);
		if (plen >= 0)
			strbuf_addf(sb, "/%d", plen);
		return;
	case NFTR_F_CT_STATE:
	case NFTR_F_CT_STATUS:
		/* "ct state new": (state & new) != 0 */
		if (masked && st->invert && get_u32(st->value) == 0) {
			add_value(sb, fld->kind, family, st->mask);
			return;
		}
		break;
	default:
		break;
	}
	if (masked) {
		add_str(sb, "& ");
		if (st->len == 4)
			add_hex(sb, get_u32(st->mask));
		else
			add_u32(sb, st->mask[0]);
		add_str(sb, st->invert ? " != " : " == ");
	} else {
		add_str(sb, op);
	}
	if (fld->kind == NFTR_F_MARK || masked) {
		if (st->len == 4)
			add_hex(sb, get_u32(st->value));
		else
			add_u32(sb, st->value[0]);
	} else {
		add_value(sb, fld->kind, family, st->value);
	}
}

static void print_mark(struct strbuf *sb, const struct nft_stmt *st)
{
	uint32_t m = st->mark_mask, x = st->mark_xor;

	add_str(sb, "meta mark set ");
	if (m == 0) {
		add_hex(sb, x);
		return;
	}
	add_str(sb, "meta mark");
	if (m == ~x && x) {
		add_str(sb, " or ");
		add_hex(sb, x);
	} else if (m == 0xffffffffu) {
		add_str(sb, " xor ");
		add_hex(sb, x);
	} else {
		add_str(sb, " and ");
		add_hex(sb, m);
		if (x) {
			add_str(sb, " xor ");
			add_hex(sb, x);
		}
	}
}

static void print_stmt(struct strbuf *sb, const struct nft_stmt *st, int family)
{
	const char *fam = family == NFPROTO_IPV6 ? "ip6" : "ip";
	const struct sym *codes;
	const char *name;
	char buf[NFP_ADDR_STRLEN];

	switch (st->type) {
	case NFTR_STMT_CMP:
		print_cmp(sb, st, family);
		break;
	case NFTR_STMT_LOOKUP:
		add_key_text(sb, &st->key, family);
		strbuf_addf(sb, " %s@%s", st->invert ? "!= " : "", st->set);
		break;
	case NFTR_STMT_VMAP:
		add_key_text(sb, &st->key, family);
		strbuf_addf(sb, " vmap @%s", st->set);
		break;
	case NFTR_STMT_VERDICT:
		add_verdict(sb, st->verdict, st->chain);
		break;
	case NFTR_STMT_DNAT:
		strbuf_addf(sb, "dnat %s to ", fam);
		if (st->set) {
			add_key_text(sb, &st->key, family);
			strbuf_addf(sb, " map @%s", st->set);
		} else if (st->addr.family == AF_INET6) {
			strbuf_addf(sb, "[%s]:%u", nfp_addr_str(&st->addr, buf),
				    st->port);
		} else {
			strbuf_addf(sb, "%s:%u", nfp_addr_str(&st->addr, buf),
				    st->port);
		}
		break;
	case NFTR_STMT_MASQ:
		add_str(sb, "masquerade");
		if (st->nat_flags & NF_NAT_RANGE_PROTO_RANDOM_FULLY)
			add_str(sb, " fully-random");
		else if (st->nat_flags & NF_NAT_RANGE_PROTO_RANDOM)
			add_str(sb, " random");
		break;
	case NFTR_STMT_REJECT:
		codes = family == NFPROTO_IPV6 ? icmpv6_code_syms
					       : icmp_code_syms;
		name = sym_name(codes, st->icmp_code);
		strbuf_addf(sb, "reject with %s type ",
			    family == NFPROTO_IPV6 ? "icmpv6" : "icmp");
		if (name)
			add_str(sb, name);
		else
			add_u32(sb, st->icmp_code);
		break;
	case NFTR_STMT_MARK:
		print_mark(sb, st);
		break;
	case NFTR_STMT_DYNSET:
		strbuf_addf(sb, "update @%s { ", st->set);
		add_key_text(sb, &st->key, family);
		if (st->timeout_ms) {
			add_str(sb, " timeout ");
			add_timeout(sb, st->timeout_ms);
		}
		add_str(sb, " }");
		break;
	default:
		strbuf_addf(sb, "# unknown statement %d", st->type);
		break;
	}
}

void nft_print_rule(struct strbuf *sb, const struct nft_rule *r, int family)
{
	for (size_t i = 0; i < r->n_stmts; i++) {
		if (i)
			add_str(sb, " ");
		print_stmt(sb, &r->stmts[i], family);
	}
	if (r->comment) {
		add_str(sb, " ");
		add_comment(sb, r->comment);
	}
}

static const char *const chain_types[__NFTR_CHAIN_TYPE_MAX] = {
	[NFTR_CHAIN_FILTER] = "filter",
	[NFTR_CHAIN_NAT] = "nat",
};

static const char *hook_name(uint32_t hook)
{
	switch (hook) {
	case NF_INET_PRE_ROUTING:
		return "prerouting";
	case NF_INET_LOCAL_IN:
		return "input";
	case NF_INET_FORWARD:
		return "forward";
	case NF_INET_LOCAL_OUT:
		return "output";
	case NF_INET_POST_ROUTING:
		return "postrouting";
	default:
		return "?";
	}
}

static void print_chain(struct strbuf *sb, const struct nft_chain *c,
			int family)
{
	strbuf_addf(sb, "\tchain %s {\n", c->name);
	if (c->comment) {
		add_str(sb, "\t\t");
		add_comment(sb, c->comment);
		add_str(sb, "\n");
	}
	if (c->base)
		strbuf_addf(sb, "\t\ttype %s hook %s priority %d; policy %s;\n",
			    chain_types[c->type], hook_name(c->hook), c->prio,
			    c->policy == NF_DROP ? "drop" : "accept");
	for (size_t i = 0; i < c->n_rules; i++) {
		add_str(sb, "\t\t");
		nft_print_rule(sb, &c->rules[i], family);
		add_str(sb, "\n");
	}
	add_str(sb, "\t}\n");
}

void nft_print_elem(struct strbuf *sb, const struct nft_set *s,
		    const struct nft_elem *e)
{
	const char *comment = nft_elem_comment(s, e);

	add_key_value(sb, &s->key, s->family, nft_elem_key(s, e),
		      nft_elem_key_end(s, e));
	if (comment) {
		add_str(sb, " ");
		add_comment(sb, comment);
	}
	if (s->data_kind == NFTR_DATA_VERDICT) {
		add_str(sb, " : ");
		add_verdict(sb, e->verdict, nft_elem_chain(s, e));
	} else if (s->data_kind == NFTR_DATA_VALUE) {
		add_str(sb, " : ");
		add_key_value(sb, &s->data, s->family, nft_elem_data(s, e),
			      NULL);
	}
}

static void print_set(struct strbuf *sb, const struct nft_set *s)
{
	const char *sep = "";

	strbuf_addf(sb, "\t%s %s {\n\t\ttypeof ",
		    s->data_kind == NFTR_DATA_NONE ? "set" : "map", s->name);
	add_key_text(sb, &s->key, s->family);
	if (s->data_kind == NFTR_DATA_VERDICT) {
		add_str(sb, " : verdict");
	} else if (s->data_kind == NFTR_DATA_VALUE) {
		add_str(sb, " : ");
		add_key_text(sb, &s->data, s->family);
	}
	add_str(sb, "\n");
	if (s->size)
		strbuf_addf(sb, "\t\tsize %" PRIu32 "\n", s->size);
	if (s->flags & (NFT_SET_EVAL | NFT_SET_INTERVAL | NFT_SET_TIMEOUT)) {
		add_str(sb, "\t\tflags ");
		if (s->flags & NFT_SET_EVAL) {
			add_str(sb, "dynamic");
			sep = ",";
		}
		if (s->flags & NFT_SET_INTERVAL) {
			strbuf_addf(sb, "%sinterval", sep);
			sep = ",";
		}
		if (s->flags & NFT_SET_TIMEOUT)
			strbuf_addf(sb, "%stimeout", sep);
		add_str(sb, "\n");
	}
	if (s->timeout_ms) {
		add_str(sb, "\t\ttimeout ");
		add_timeout(sb, s->timeout_ms);
		add_str(sb, "\n");
	}
	if (s->comment) {
		add_str(sb, "\t\t");
		add_comment(sb, s->comment);
		add_str(sb, "\n");
	}
	if (s->n_elems) {
		add_str(sb, "\t\telements = { ");
		for (size_t i = 0; i < s->n_elems; i++) {
			if (i)
				add_str(sb, ",\n\t\t\t     ");
			nft_print_elem(sb, s, nft_set_elem(s, i));
		}
		add_str(sb, " }\n");
	}
	add_str(sb, "\t}\n");
}

static void print_table(struct strbuf *sb, const struct nft_table *t)
{
	bool first = true;

	strbuf_addf(sb, "table %s %s {\n",
		    t->family == NFPROTO_IPV6 ? "ip6" : "ip", t->name);
	for (size_t i = 0; i < t->n_sets; i++) {
		if (!first)
			add_str(sb, "\n");
		print_set(sb, t->sets[i]);
		first = false;
	}
	for (size_t i = 0; i < t->n_chains; i++) {
		if (!first)
			add_str(sb, "\n");
		print_chain(sb, t->chains[i], t->family);
		first = false;
	}
	add_str(sb, "}\n");
}

char *nft_print(const struct nft_ruleset *rs)
{
	struct strbuf sb = {0};

	for (size_t i = 0; i < rs->n_tables; i++)
		print_table(&sb, rs->tables[i]);
	return strbuf_detach(&sb);
}
