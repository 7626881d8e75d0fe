// SPDX-License-Identifier: GPL-2.0
#include "rules/nft_netlink.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/udata.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "util/xalloc.h"

/*
 * libnftnl allocates behind our back; like xmalloc, running out of memory
 * there ends the process (the ruleset layer has the same policy).
 */
static void *nl_check(void *p)
{
	if (!p) {
		fputs("kube-nfproxy: out of memory in libnftnl\n", stderr);
		abort();
	}
	return p;
}

static uint32_t round4(uint32_t n)
{
	return (n + 3) & ~3u;
}

/* nft's number for 32-bit register slot: the 128-bit register when the
 * slot starts one (slot 0 is NFT_REG_1), NFT_REG32_00 + slot otherwise. */
static uint32_t slot_reg(uint32_t slot)
{
	if (slot % 4 == 0)
		return NFT_REG_1 + slot / 4;
	return NFT_REG32_00 + slot;
}

/* --- Tables and chains --------------------------------------------------------- */

struct nftnl_table *nft_nl_table(int family, const char *name)
{
	struct nftnl_table *t = nl_check(nftnl_table_alloc());

	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, (uint32_t)family);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	return t;
}

/* A comment as nft stores it in user data: one TLV, type, length (with
 * the NUL), bytes. */
static uint32_t comment_udata(uint8_t *buf, uint8_t type, const char *s)
{
	size_t n = strlen(s) + 1;

	if (n > NFTNL_UDATA_COMMENT_MAXLEN + 1)
		n = NFTNL_UDATA_COMMENT_MAXLEN + 1;
	buf[0] = type;
	buf[1] = (uint8_t)n;
	memcpy(buf + 2, s, n - 1);
	buf[1 + n] = '\0';
	return (uint32_t)n + 2;
}

#define COMMENT_UDATA_MAX (NFTNL_UDATA_COMMENT_MAXLEN + 3)

struct nftnl_chain *nft_nl_chain(int family, const char *table,
				 const struct nft_chain *c)
{
	struct nftnl_chain *ch = nl_check(nftnl_chain_alloc());
	uint8_t ud[COMMENT_UDATA_MAX];

	nftnl_chain_set_u32(ch, NFTNL_CHAIN_FAMILY, (uint32_t)family);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, c->name);
	if (c->base) {
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_HOOKNUM, c->hook);
		nftnl_chain_set_s32(ch, NFTNL_CHAIN_PRIO, c->prio);
		nftnl_chain_set_str(ch, NFTNL_CHAIN_TYPE,
				    c->type == NFTR_CHAIN_NAT ? "nat"
							      : "filter");
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_POLICY, c->policy);
	}
	if (c->comment)
		nftnl_chain_set_data(ch, NFTNL_CHAIN_USERDATA, ud,
				     comment_udata(ud,
						   NFTNL_UDATA_CHAIN_COMMENT,
						   c->comment));
	return ch;
}

/* --- Rules ------------------------------------------------------------------------ */

/* A rule being built, and how many expressions it holds. */
struct rb {
	struct nftnl_rule *r;
	int family;
	size_t n;
};

static struct nftnl_expr *expr(struct rb *b, const char *name)
{
	struct nftnl_expr *e = nl_check(nftnl_expr_alloc(name));

	nftnl_rule_add_expr(b->r, e);
	b->n++;
	return e;
}

static void load_field(struct rb *b, const struct nft_field *f, uint32_t slot)
{
	const struct nft_field_desc *d = nft_field_desc(f->kind);
	bool v6 = b->family == NFPROTO_IPV6;
	uint32_t reg = slot_reg(slot);
	struct nftnl_expr *e;

	switch (d->expr) {
	case NFTR_EXPR_PAYLOAD:
		e = expr(b, "payload");
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, d->base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET,
				   v6 ? d->off6 : d->off4);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN,
				   v6 ? d->len6 : d->len4);
		break;
	case NFTR_EXPR_META:
		e = expr(b, "meta");
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, d->key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, reg);
		break;
	case NFTR_EXPR_CT:
		e = expr(b, "ct");
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, d->key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, reg);
		break;
	case NFTR_EXPR_FIB:
		e = expr(b, "fib");
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, d->key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, d->fib_flags);
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, reg);
		break;
	case NFTR_EXPR_NUMGEN:
		e = expr(b, "numgen");
		nftnl_expr_set_u32(e, NFTNL_EXPR_NG_DREG, reg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NG_MODULUS, f->mod);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NG_TYPE, NFT_NG_RANDOM);
		if (f->offset)
			nftnl_expr_set_u32(e, NFTNL_EXPR_NG_OFFSET, f->offset);
		break;
	}
}

/* Load the fields of k into consecutive slots from NFT_REG_1. */
static void load_key(struct rb *b, const struct nft_key *k)
{
	uint32_t slot = 0;

	for (uint8_t i = 0; i < k->n; i++) {
		load_field(b, &k->f[i], slot);
		slot += round4(nft_field_len(k->f[i].kind, b->family)) / 4;
	}
}

static bool all_ones(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0xff)
			return false;
	return true;
}

static void bitwise(struct rb *b, uint32_t len, const void *mask,
		    const void *xor)
{
	struct nftnl_expr *e = expr(b, "bitwise");

	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, xor, len);
}

static void lookup(struct rb *b, const char *set, bool invert, bool verdict,
		   bool map)
{
	struct nftnl_expr *e = expr(b, "lookup");

	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	if (verdict)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG,
				   NFT_REG_VERDICT);
	else if (map)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_1);
	if (invert)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS,
				   NFT_LOOKUP_F_INV);
}

static void immediate(struct rb *b, uint32_t reg, const void *data,
		      uint32_t len)
{
	struct nftnl_expr *e = expr(b, "immediate");

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, reg);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, len);
}

/* Flags the kernel derives from the registers it is given. */
#define NAT_IMPLIED (NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED)

static void nat(struct rb *b, uint32_t port_reg, uint32_t flags)
{
	struct nftnl_expr *e = expr(b, "nat");

	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, (uint32_t)b->family);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, port_reg);
	if (flags & ~NAT_IMPLIED)
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS,
				   flags & ~NAT_IMPLIED);
}

static void stmt_build(struct rb *b, const struct nft_stmt *st)
{
	uint32_t alen = b->family == NFPROTO_IPV6 ? 16 : 4;
	struct nftnl_expr *e;
	uint8_t zero[NFTR_CMP_MAX] = { 0 };

	switch (st->type) {
	case NFTR_STMT_CMP:
		load_field(b, &st->key.f[0], 0);
		if (!all_ones(st->mask, st->len))
			bitwise(b, st->len, st->mask, zero);
		e = expr(b, "cmp");
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP,
				   st->invert ? NFT_CMP_NEQ : NFT_CMP_EQ);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, st->value, st->len);
		break;
	case NFTR_STMT_LOOKUP:
		load_key(b, &st->key);
		lookup(b, st->set, st->invert, false, false);
		break;
	case NFTR_STMT_VMAP:
		load_key(b, &st->key);
		lookup(b, st->set, false, true, false);
		break;
	case NFTR_STMT_VERDICT:
		e = expr(b, "immediate");
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT,
				   (uint32_t)st->verdict);
		if (st->chain)
			nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, st->chain);
		break;
	case NFTR_STMT_DNAT:
		if (st->set) {
			/* data: address, then the port in the next slot */
			load_key(b, &st->key);
			lookup(b, st->set, false, false, true);
			nat(b, slot_reg(alen / 4), st->nat_flags);
		} else {
			uint8_t port[2] = { (uint8_t)(st->port >> 8),
					    (uint8_t)st->port };

			immediate(b, NFT_REG_1, st->addr.b,
				  (uint32_t)nfp_addr_len(st->addr.family));
			immediate(b, NFT_REG_2, port, sizeof(port));
			nat(b, NFT_REG_2, st->nat_flags);
		}
		break;
	case NFTR_STMT_MASQ:
		e = expr(b, "masq");
		if (st->nat_flags)
			nftnl_expr_set_u32(e, NFTNL_EXPR_MASQ_FLAGS,
					   st->nat_flags);
		break;
	case NFTR_STMT_REJECT:
		e = expr(b, "reject");
		nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE,
				   NFT_REJECT_ICMP_UNREACH);
		nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, st->icmp_code);
		break;
	case NFTR_STMT_MARK: {
		struct nft_field mark = { .kind = NFTR_F_MARK };

		load_field(b, &mark, 0);
		bitwise(b, 4, &st->mark_mask, &st->mark_xor);
		e = expr(b, "meta");
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_MARK);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, NFT_REG_1);
		break;
	}
	case NFTR_STMT_DYNSET:
		load_key(b, &st->key);
		e = expr(b, "dynset");
		nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP,
				   NFT_DYNSET_OP_UPDATE);
		nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, st->set);
		if (st->timeout_ms)
			nftnl_expr_set_u64(e, NFTNL_EXPR_DYNSET_TIMEOUT,
					   st->timeout_ms);
		break;
	default:
		break;
	}
}

struct nftnl_rule *nft_nl_rule(int family, const char *table,
			       const char *chain, const struct nft_rule *r)
{
	struct rb b = { .r = nl_check(nftnl_rule_alloc()), .family = family };
	uint8_t ud[COMMENT_UDATA_MAX];

	nftnl_rule_set_u32(b.r, NFTNL_RULE_FAMILY, (uint32_t)family);
	nftnl_rule_set_str(b.r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(b.r, NFTNL_RULE_CHAIN, chain);
	for (size_t i = 0; i < r->n_stmts; i++)
		stmt_build(&b, &r->stmts[i]);
	if (r->comment)
		nftnl_rule_set_data(b.r, NFTNL_RULE_USERDATA, ud,
				    comment_udata(ud, NFTNL_UDATA_RULE_COMMENT,
						  r->comment));
	return b.r;
}

long nft_nl_stmt_of_expr(const struct nft_rule *r, int family, size_t expr)
{
	struct rb b = { .r = nl_check(nftnl_rule_alloc()), .family = family };
	long found = -1;

	for (size_t i = 0; i < r->n_stmts; i++) {
		stmt_build(&b, &r->stmts[i]);
		if (expr < b.n) {
			found = (long)i;
			break;
		}
	}
	nftnl_rule_free(b.r);
	return found;
}

/* --- Sets ---------------------------------------------------------------------------- */

/* nftables' numbers for its set user data (nftables 1.0.6: enum
 * expr_types, enum proto_desc_id, the header field enums, enum
 * byteorder); what `nft list` reads back to print `typeof`. */
#define NFTU_EXPR_VERDICT 1
#define NFTU_EXPR_PAYLOAD 7
#define NFTU_EXPR_META 9
#define NFTU_EXPR_CONCAT 13
#define NFTU_EXPR_NUMGEN 23
#define NFTU_DESC_TH 11
#define NFTU_DESC_IP 12
#define NFTU_DESC_IP6 13
#define NFTU_IPHDR_SADDR 11
#define NFTU_IPHDR_DADDR 12
#define NFTU_IP6HDR_SADDR 8
#define NFTU_IP6HDR_DADDR 9
#define NFTU_THDR_DPORT 2
#define NFTU_BYTEORDER_INVALID 0
#define NFTU_BYTEORDER_HOST 1
#define NFTU_BYTEORDER_BIG 2
#define SET_UDATA_MAX 512

static bool typeof_supported(const struct nft_key *k)
{
	for (uint8_t i = 0; i < k->n; i++) {
		enum nftr_expr e = nft_field_desc(k->f[i].kind)->expr;

		if (e != NFTR_EXPR_PAYLOAD && e != NFTR_EXPR_META &&
		    e != NFTR_EXPR_NUMGEN)
			return false;
	}
	return true;
}

/* One expression: its type (attribute 0) and its data (nest 1). */
static void typeof_field(struct nftnl_udata_buf *u, const struct nft_field *f,
			 int family)
{
	const struct nft_field_desc *d = nft_field_desc(f->kind);
	bool v6 = family == NFPROTO_IPV6;
	struct nftnl_udata *nest;
	uint32_t desc = 0, type = 0;

	switch (d->expr) {
	case NFTR_EXPR_PAYLOAD:
		nftnl_udata_put_u32(u, 0, NFTU_EXPR_PAYLOAD);
		nest = nftnl_udata_nest_start(u, 1);
		if (f->kind == NFTR_F_DPORT) {
			desc = NFTU_DESC_TH;
			type = NFTU_THDR_DPORT;
		} else if (f->kind == NFTR_F_SADDR) {
			desc = v6 ? NFTU_DESC_IP6 : NFTU_DESC_IP;
			type = v6 ? NFTU_IP6HDR_SADDR : NFTU_IPHDR_SADDR;
		} else {
			desc = v6 ? NFTU_DESC_IP6 : NFTU_DESC_IP;
			type = v6 ? NFTU_IP6HDR_DADDR : NFTU_IPHDR_DADDR;
		}
		nftnl_udata_put_u32(u, 0, desc);
		nftnl_udata_put_u32(u, 1, type);
		break;
	case NFTR_EXPR_META:
		nftnl_udata_put_u32(u, 0, NFTU_EXPR_META);
		nest = nftnl_udata_nest_start(u, 1);
		nftnl_udata_put_u32(u, 0, d->key);
		break;
	default: /* numgen (typeof_supported() filtered the rest) */
		nftnl_udata_put_u32(u, 0, NFTU_EXPR_NUMGEN);
		nest = nftnl_udata_nest_start(u, 1);
		nftnl_udata_put_u32(u, 0, NFT_NG_RANDOM);
		nftnl_udata_put_u32(u, 1, f->mod);
		nftnl_udata_put_u32(u, 2, f->offset);
		break;
	}
	nftnl_udata_nest_end(u, nest);
}

/* A key or data: one expression, or a concatenation of nests 0..n-1. */
static void typeof_key(struct nftnl_udata_buf *u, uint8_t type,
		       const struct nft_key *k, int family)
{
	struct nftnl_udata *top = nftnl_udata_nest_start(u, type);

	if (k->n == 1) {
		typeof_field(u, &k->f[0], family);
	} else {
		struct nftnl_udata *data, *sub;

		nftnl_udata_put_u32(u, NFTNL_UDATA_SET_TYPEOF_EXPR,
				    NFTU_EXPR_CONCAT);
		data = nftnl_udata_nest_start(u, NFTNL_UDATA_SET_TYPEOF_DATA);
		for (uint8_t i = 0; i < k->n; i++) {
			sub = nftnl_udata_nest_start(u, i);
			typeof_field(u, &k->f[i], family);
			nftnl_udata_nest_end(u, sub);
		}
		nftnl_udata_nest_end(u, data);
	}
	nftnl_udata_nest_end(u, top);
}

static uint32_t byteorder(const struct nft_key *k)
{
	if (k->n != 1)
		return NFTU_BYTEORDER_INVALID;
	return nft_field_desc(k->f[0].kind)->host_order ? NFTU_BYTEORDER_HOST
							: NFTU_BYTEORDER_BIG;
}

static void set_udata(struct nftnl_set *ns, const struct nft_set *s)
{
	struct nftnl_udata_buf *u =
		nl_check(nftnl_udata_buf_alloc(SET_UDATA_MAX));
	bool map = s->data_kind != NFTR_DATA_NONE;
	bool tof = typeof_supported(&s->key) &&
		   (s->data_kind != NFTR_DATA_VALUE ||
		    typeof_supported(&s->data));

	nftnl_udata_put_u32(u, NFTNL_UDATA_SET_KEYBYTEORDER,
			    byteorder(&s->key));
	if (map)
		nftnl_udata_put_u32(u, NFTNL_UDATA_SET_DATABYTEORDER,
				    s->data_kind == NFTR_DATA_VALUE
					    ? byteorder(&s->data)
					    : NFTU_BYTEORDER_INVALID);
	if (tof) {
		typeof_key(u, NFTNL_UDATA_SET_KEY_TYPEOF, &s->key, s->family);
		if (s->data_kind == NFTR_DATA_VALUE) {
			typeof_key(u, NFTNL_UDATA_SET_DATA_TYPEOF, &s->data,
				   s->family);
		} else if (map) {
			struct nftnl_udata *top = nftnl_udata_nest_start(
				u, NFTNL_UDATA_SET_DATA_TYPEOF);
			struct nftnl_udata *data;

			nftnl_udata_put_u32(u, NFTNL_UDATA_SET_TYPEOF_EXPR,
					    NFTU_EXPR_VERDICT);
			data = nftnl_udata_nest_start(
				u, NFTNL_UDATA_SET_TYPEOF_DATA);
			nftnl_udata_nest_end(u, data);
			nftnl_udata_nest_end(u, top);
		}
	}
	if (map)
		nftnl_udata_put_u32(u, NFTNL_UDATA_SET_DATA_INTERVAL, 0);
	if (s->comment)
		nftnl_udata_put_strz(u, NFTNL_UDATA_SET_COMMENT, s->comment);
	nftnl_set_set_data(ns, NFTNL_SET_USERDATA, nftnl_udata_buf_data(u),
			   nftnl_udata_buf_len(u));
	nftnl_udata_buf_free(u);
}

static bool concat_interval(const struct nft_set *s)
{
	return (s->flags & NFT_SET_INTERVAL) && s->key.n > 1;
}

struct nftnl_set *nft_nl_set(int family, const char *table,
			     const struct nft_set *s, uint32_t id)
{
	struct nftnl_set *ns = nl_check(nftnl_set_alloc());
	uint32_t flags = s->flags;

	if (s->data_kind != NFTR_DATA_NONE)
		flags |= NFT_SET_MAP;
	if (concat_interval(s))
		flags |= NFT_SET_CONCAT;
	nftnl_set_set_u32(ns, NFTNL_SET_FAMILY, (uint32_t)family);
	nftnl_set_set_str(ns, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(ns, NFTNL_SET_NAME, s->name);
	nftnl_set_set_u32(ns, NFTNL_SET_ID, id);
	nftnl_set_set_u32(ns, NFTNL_SET_FLAGS, flags);
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_TYPE, nft_key_type(&s->key, family));
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_LEN, s->key_len);
	if (s->data_kind == NFTR_DATA_VERDICT) {
		nftnl_set_set_u32(ns, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
		nftnl_set_set_u32(ns, NFTNL_SET_DATA_LEN, 0);
	} else if (s->data_kind == NFTR_DATA_VALUE) {
		nftnl_set_set_u32(ns, NFTNL_SET_DATA_TYPE,
				  nft_key_type(&s->data, family));
		nftnl_set_set_u32(ns, NFTNL_SET_DATA_LEN, s->data_len);
	}
	if (s->timeout_ms)
		nftnl_set_set_u64(ns, NFTNL_SET_TIMEOUT, s->timeout_ms);
	if (s->size)
		nftnl_set_set_u32(ns, NFTNL_SET_DESC_SIZE, s->size);
	if (concat_interval(s)) {
		uint8_t lens[NFT_REG32_COUNT] = { 0 };

		for (uint8_t i = 0; i < s->key.n; i++)
			lens[i] = (uint8_t)nft_field_len(s->key.f[i].kind,
							 family);
		nftnl_set_set_data(ns, NFTNL_SET_DESC_CONCAT, lens, s->key.n);
	}
	set_udata(ns, s);
	return ns;
}

/* --- Elements -------------------------------------------------------------------------- */

/* last + 1 of a one-field key, in the field's byte order; false if it
 * wraps (the range ends at the top). */
static bool key_next(const struct nft_set *s, const uint8_t *last,
		     uint8_t *out)
{
	const struct nft_field_desc *d = nft_field_desc(s->key.f[0].kind);
	uint32_t len = s->key_len;

	memcpy(out, last, len);
	if (d->host_order && len == 4) {
		uint32_t v;

		memcpy(&v, out, 4);
		if (v == UINT32_MAX)
			return false;
		v++;
		memcpy(out, &v, 4);
		return true;
	}
	for (uint32_t i = len; i-- > 0;) {
		if (++out[i] != 0)
			return true;
	}
	return false;
}

int nft_nl_elem(struct nftnl_set_elem *elem, const struct nft_set *s,
		const struct nft_elem *el, bool end, bool keys_only)
{
	bool one_interval = (s->flags & NFT_SET_INTERVAL) && s->key.n == 1;
	uint8_t ud[COMMENT_UDATA_MAX];
	const char *cmt, *chain;

	if (end) {
		uint8_t next[NFTR_KEY_BYTES];

		if (!key_next(s, nft_elem_key_end(s, el), next))
			return -ERANGE;
		nftnl_set_elem_set(elem, NFTNL_SET_ELEM_KEY, next, s->key_len);
		nftnl_set_elem_set_u32(elem, NFTNL_SET_ELEM_FLAGS,
				       NFT_SET_ELEM_INTERVAL_END);
	} else {
		nftnl_set_elem_set(elem, NFTNL_SET_ELEM_KEY,
				   nft_elem_key(s, el), s->key_len);
		nftnl_set_elem_unset(elem, NFTNL_SET_ELEM_FLAGS);
	}
	if (!one_interval && (s->flags & NFT_SET_INTERVAL))
		nftnl_set_elem_set(elem, NFTNL_SET_ELEM_KEY_END,
				   nft_elem_key_end(s, el), s->key_len);
	else
		nftnl_set_elem_unset(elem, NFTNL_SET_ELEM_KEY_END);
	nftnl_set_elem_unset(elem, NFTNL_SET_ELEM_CHAIN);
	nftnl_set_elem_unset(elem, NFTNL_SET_ELEM_VERDICT);
	nftnl_set_elem_unset(elem, NFTNL_SET_ELEM_DATA);
	nftnl_set_elem_unset(elem, NFTNL_SET_ELEM_USERDATA);
	if (keys_only || end)
		return 0;
	if (s->data_kind == NFTR_DATA_VERDICT) {
		nftnl_set_elem_set_u32(elem, NFTNL_SET_ELEM_VERDICT,
				       (uint32_t)el->verdict);
		chain = nft_elem_chain(s, el);
		if (chain)
			nftnl_set_elem_set_str(elem, NFTNL_SET_ELEM_CHAIN,
					       chain);
	} else if (s->data_kind == NFTR_DATA_VALUE) {
		nftnl_set_elem_set(elem, NFTNL_SET_ELEM_DATA,
				   nft_elem_data(s, el), s->data_len);
	}
	cmt = nft_elem_comment(s, el);
	if (cmt)
		nftnl_set_elem_set(elem, NFTNL_SET_ELEM_USERDATA, ud,
				   comment_udata(ud,
						 NFTNL_UDATA_SET_ELEM_COMMENT,
						 cmt));
	return 0;
}

/* --- The batch ---------------------------------------------------------------------------- */

/* Room reserved before a message that is not an element message: a rule
 * of n statements needs well under 2 KiB per statement. */
#define MSG_RESERVE (64u << 10)
/* An upper bound of one element's attributes (two keys, data or a
 * verdict with a chain name, a comment, nests). */
#define ELEM_MAX 1024u

static void reserve(struct nft_batch *b, size_t n)
{
	if (b->cap - b->len < n)
		b->buf = xgrow(b->buf, &b->cap, b->len + n, 1);
}

static struct nlmsghdr *msg_begin(struct nft_batch *b, uint16_t type,
				  int family, uint16_t flags, size_t room,
				  uint32_t op, uint32_t sub)
{
	uint32_t seq = b->seq0 + 1 + (uint32_t)b->n_msgs;
	struct nft_batch_msg *m = XPUSH(b->msgs, b->n_msgs, b->cap_msgs);

	reserve(b, room);
	m->op = op;
	m->sub = sub;
	m->off = (uint32_t)b->len;
	memset(b->buf + b->len, 0, MNL_NLMSG_HDRLEN + 16);
	return nftnl_nlmsg_build_hdr(b->buf + b->len, type, (uint16_t)family,
				     flags, seq);
}

static void msg_end(struct nft_batch *b, struct nlmsghdr *nlh, size_t room)
{
	if (nlh->nlmsg_len > room) {
		fputs("kube-nfproxy: netlink message overran its buffer\n",
		      stderr);
		abort();
	}
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
}

static void put_table(struct nft_batch *b, const struct nft_op *op,
		      uint32_t opi, uint16_t type, uint16_t flags)
{
	struct nftnl_table *t = nft_nl_table(op->family, op->table);
	struct nlmsghdr *nlh =
		msg_begin(b, type, op->family, flags, MSG_RESERVE, opi, 0);

	nftnl_table_nlmsg_build_payload(nlh, t);
	msg_end(b, nlh, MSG_RESERVE);
	nftnl_table_free(t);
}

static void put_chain(struct nft_batch *b, const struct nft_op *op,
		      uint32_t opi, uint16_t type, uint16_t flags)
{
	struct nftnl_chain *c;
	struct nlmsghdr *nlh;

	if (type == NFT_MSG_NEWCHAIN) {
		c = nft_nl_chain(op->family, op->table, op->chain);
	} else {
		c = nl_check(nftnl_chain_alloc());
		nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY,
				    (uint32_t)op->family);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, op->table);
		nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, op->chain->name);
	}
	nlh = msg_begin(b, type, op->family, flags, MSG_RESERVE, opi, 0);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	msg_end(b, nlh, MSG_RESERVE);
	nftnl_chain_free(c);
}

static void put_flush(struct nft_batch *b, const struct nft_op *op,
		      uint32_t opi)
{
	struct nftnl_rule *r = nl_check(nftnl_rule_alloc());
	struct nlmsghdr *nlh;

	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, (uint32_t)op->family);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, op->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, op->chain->name);
	nlh = msg_begin(b, NFT_MSG_DELRULE, op->family, 0, MSG_RESERVE, opi,
			0);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	msg_end(b, nlh, MSG_RESERVE);
	nftnl_rule_free(r);
}

static void put_rules(struct nft_batch *b, const struct nft_op *op,
		      uint32_t opi)
{
	const struct nft_chain *c = op->chain;

	for (size_t i = 0; i < c->n_rules; i++) {
		const struct nft_rule *r = &c->rules[i];
		size_t room = MSG_RESERVE + r->n_stmts * 2048;
		struct nftnl_rule *nr =
			nft_nl_rule(op->family, op->table, c->name, r);
		struct nlmsghdr *nlh =
			msg_begin(b, NFT_MSG_NEWRULE, op->family,
				  NLM_F_CREATE | NLM_F_APPEND, room, opi,
				  (uint32_t)i);

		nftnl_rule_nlmsg_build_payload(nlh, nr);
		msg_end(b, nlh, room);
		nftnl_rule_free(nr);
	}
}

static void put_set(struct nft_batch *b, const struct nft_op *op,
		    uint32_t opi, uint16_t type, uint16_t flags)
{
	struct nftnl_set *s;
	struct nlmsghdr *nlh;

	if (type == NFT_MSG_NEWSET) {
		s = nft_nl_set(op->family, op->table, op->set,
			       ++b->next_set_id);
	} else {
		s = nl_check(nftnl_set_alloc());
		nftnl_set_set_u32(s, NFTNL_SET_FAMILY, (uint32_t)op->family);
		nftnl_set_set_str(s, NFTNL_SET_TABLE, op->table);
		nftnl_set_set_str(s, NFTNL_SET_NAME, op->set->name);
	}
	nlh = msg_begin(b, type, op->family, flags, MSG_RESERVE, opi, 0);
	nftnl_set_nlmsg_build_payload(nlh, s);
	msg_end(b, nlh, MSG_RESERVE);
	nftnl_set_free(s);
}

/*
 * Elements, as many per message as fit: NFTA_SET_ELEM_LIST_TABLE and _SET
 * (from an element-less nftnl_set), then the list nest, one NFTA_LIST_ELEM
 * nest per element (two for a one-field range: start and end).
 */
static void put_elems(struct nft_batch *b, const struct nft_op *op,
		      uint32_t opi, bool add)
{
	const struct nft_set *s = op->set;
	bool one_interval = (s->flags & NFT_SET_INTERVAL) && s->key.n == 1;
	struct nftnl_set *ns = nl_check(nftnl_set_alloc());
	struct nftnl_set_elem *e = nl_check(nftnl_set_elem_alloc());
	size_t i = 0;

	nftnl_set_set_str(ns, NFTNL_SET_TABLE, op->table);
	nftnl_set_set_str(ns, NFTNL_SET_NAME, s->name);
	while (i < op->n_elems) {
		struct nlmsghdr *nlh = msg_begin(
			b, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
			op->family, add ? NLM_F_CREATE | NLM_F_EXCL : 0,
			NFT_NL_ELEM_MSG_MAX + MSG_RESERVE, opi, (uint32_t)i);
		struct nlattr *list;

		nftnl_set_elems_nlmsg_build_payload(nlh, ns);
		list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
		while (i < op->n_elems &&
		       nlh->nlmsg_len + 2 * ELEM_MAX <= NFT_NL_ELEM_MSG_MAX) {
			const struct nft_elem *el =
				nft_set_elem(s, op->elems[i]);

			nft_nl_elem(e, s, el, false, !add);
			nftnl_set_elem_nlmsg_build(nlh, e, NFTA_LIST_ELEM);
			if (one_interval &&
			    nft_nl_elem(e, s, el, true, !add) == 0)
				nftnl_set_elem_nlmsg_build(nlh, e,
							   NFTA_LIST_ELEM);
			i++;
		}
		mnl_attr_nest_end(nlh, list);
		msg_end(b, nlh, NFT_NL_ELEM_MSG_MAX + MSG_RESERVE);
	}
	nftnl_set_elem_free(e);
	nftnl_set_free(ns);
}

static void put_op(struct nft_batch *b, const struct nft_op *op, uint32_t opi)
{
	const uint16_t excl = NLM_F_CREATE | NLM_F_EXCL;

	switch (op->type) {
	case NFT_OP_DESTROY_TABLE:
		/* Works on every kernel (NFT_MSG_DESTROYTABLE is 6.3+):
		 * adding a table that exists is a no-op, then delete it. */
		put_table(b, op, opi, NFT_MSG_NEWTABLE, NLM_F_CREATE);
		put_table(b, op, opi, NFT_MSG_DELTABLE, 0);
		break;
	case NFT_OP_DEL_TABLE:
		put_table(b, op, opi, NFT_MSG_DELTABLE, 0);
		break;
	case NFT_OP_ADD_TABLE:
		put_table(b, op, opi, NFT_MSG_NEWTABLE, excl);
		break;
	case NFT_OP_FLUSH_CHAIN:
		put_flush(b, op, opi);
		break;
	case NFT_OP_DEL_CHAIN:
		put_chain(b, op, opi, NFT_MSG_DELCHAIN, 0);
		break;
	case NFT_OP_ADD_CHAIN:
		put_chain(b, op, opi, NFT_MSG_NEWCHAIN, excl);
		break;
	case NFT_OP_ADD_RULES:
		put_rules(b, op, opi);
		break;
	case NFT_OP_DEL_SET:
		put_set(b, op, opi, NFT_MSG_DELSET, 0);
		break;
	case NFT_OP_ADD_SET:
		put_set(b, op, opi, NFT_MSG_NEWSET, excl);
		break;
	case NFT_OP_DEL_ELEMS:
		put_elems(b, op, opi, false);
		break;
	case NFT_OP_ADD_ELEMS:
		put_elems(b, op, opi, true);
		break;
	default:
		break;
	}
}

void nft_batch_reset(struct nft_batch *b)
{
	b->len = 0;
	b->n_msgs = 0;
	b->next_set_id = 0;
}

void nft_batch_release(struct nft_batch *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b->msgs);
	memset(b, 0, sizeof(*b));
}

int nft_batch_encode(struct nft_batch *b, const struct nft_txn *txn,
		     uint32_t seq)
{
	struct nlmsghdr *last;

	nft_batch_reset(b);
	b->seq0 = seq;
	reserve(b, MSG_RESERVE);
	nftnl_batch_begin(b->buf, seq);
	b->len += NLMSG_ALIGN(((struct nlmsghdr *)b->buf)->nlmsg_len);
	for (size_t i = 0; i < txn->n_ops; i++)
		put_op(b, &txn->ops[i], (uint32_t)i);
	if (b->n_msgs) {
		last = (struct nlmsghdr *)(b->buf +
					   b->msgs[b->n_msgs - 1].off);
		last->nlmsg_flags |= NLM_F_ACK;
	}
	reserve(b, MSG_RESERVE);
	nftnl_batch_end(b->buf + b->len, seq + 1 + (uint32_t)b->n_msgs);
	b->len += NLMSG_ALIGN(((struct nlmsghdr *)(b->buf + b->len))->nlmsg_len);
	return 0;
}

/* --- The socket ------------------------------------------------------------------------------ */

struct nft_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	int sndbuf; /* what we last asked for */
	struct nft_batch batch;
};

/* Batches above this are not kept between commits (RSS). */
#define BATCH_KEEP (1u << 20)

struct nft_nl *nft_nl_open(void)
{
	struct nft_nl *nl = xcalloc(1, sizeof(*nl));
	int one = 1, rcv = (int)NFT_NL_RCVBUF, fd, err;

	nl->sock = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl->sock)
		goto out_free;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out_close;
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	fd = mnl_socket_get_fd(nl->sock);
	/* Best effort: without them errors are still reported, only less
	 * precisely (or with the whole message echoed). */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	return nl;

out_close:
	err = errno;
	mnl_socket_close(nl->sock);
	errno = err;
out_free:
	err = errno;
	free(nl);
	errno = err;
	return NULL;
}

void nft_nl_close(struct nft_nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	nft_batch_release(&nl->batch);
	free(nl);
}

/* The whole batch goes in one sendmsg (one skb: one transaction), so the
 * send buffer must hold it. */
static void grow_sndbuf(struct nft_nl *nl, size_t len)
{
	int fd = mnl_socket_get_fd(nl->sock);
	int want = (int)(len + (64u << 10));

	if (len > (1u << 30) || want <= nl->sndbuf)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)) <
	    0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
	nl->sndbuf = want;
}

/* The attribute of type within the payload of nlh (after nfgenmsg). */
static const struct nlattr *find_attr(const struct nlmsghdr *nlh,
				      uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

/* Index of the nested attribute of nest that contains offset off (from
 * the start of nlh); -1 if none. */
static long nested_index(const struct nlmsghdr *nlh, const struct nlattr *nest,
			 uint32_t off)
{
	const struct nlattr *a;
	long i = 0;

	if (!nest)
		return -1;
	mnl_attr_for_each_nested(a, nest) {
		uint32_t start = (uint32_t)((const char *)a -
					    (const char *)nlh);

		if (off >= start && off < start + a->nla_len)
			return i;
		i++;
	}
	return -1;
}

/* Element k of an element message (counting start and end elements of
 * one-field ranges) as a position in op->elems. */
static size_t elem_position(const struct nft_op *op, uint32_t first, long k)
{
	const struct nft_set *s = op->set;
	bool one_interval = (s->flags & NFT_SET_INTERVAL) && s->key.n == 1;
	uint8_t next[NFTR_KEY_BYTES];

	if (!one_interval)
		return first + (size_t)k;
	for (size_t i = first; i < op->n_elems; i++) {
		const struct nft_elem *el = nft_set_elem(s, op->elems[i]);
		long n = 1 + key_next(s, nft_elem_key_end(s, el), next);

		if (k < n)
			return i;
		k -= n;
	}
	return SIZE_MAX;
}

static void record_error(const struct nft_batch *b, const struct nft_txn *txn,
			 uint32_t seq, int err, const char *msg, bool have_off,
			 uint32_t off, struct nft_txn_result *res)
{
	size_t k = (size_t)(seq - b->seq0 - 1);
	const struct nft_batch_msg *m;
	const struct nft_op *op;
	const struct nlmsghdr *nlh;
	size_t sub = SIZE_MAX;
	long stmt = -1, idx;

	if (seq == b->seq0 || k >= b->n_msgs) {
		nft_txn_result_add(res, err, SIZE_MAX, SIZE_MAX, -1, msg);
		return;
	}
	m = &b->msgs[k];
	op = &txn->ops[m->op];
	nlh = (const struct nlmsghdr *)(b->buf + m->off);
	switch (op->type) {
	case NFT_OP_ADD_RULES:
		sub = m->sub;
		if (have_off) {
			idx = nested_index(nlh,
					   find_attr(nlh,
						     NFTA_RULE_EXPRESSIONS),
					   off);
			if (idx >= 0)
				stmt = nft_nl_stmt_of_expr(
					&op->chain->rules[sub], op->family,
					(size_t)idx);
		}
		break;
	case NFT_OP_ADD_ELEMS:
	case NFT_OP_DEL_ELEMS:
		if (have_off) {
			idx = nested_index(
				nlh, find_attr(nlh, NFTA_SET_ELEM_LIST_ELEMENTS),
				off);
			if (idx >= 0)
				sub = elem_position(op, m->sub, idx);
		}
		break;
	default:
		break;
	}
	nft_txn_result_add(res, err, m->op, sub, stmt, msg);
}

/* Parse one error message; returns true when it ends the batch. */
static bool handle_ack(const struct nft_batch *b, const struct nft_txn *txn,
		       const struct nlmsghdr *nlh, struct nft_txn_result *res)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	uint32_t seq = e->msg.nlmsg_seq, last = b->seq0 + (uint32_t)b->n_msgs;
	const struct nlattr *a;
	const char *msg = NULL;
	uint32_t off = 0;
	bool have_off = false;
	size_t skip = sizeof(*e);

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
		return false;
	if (seq < b->seq0 || seq > last + 1)
		return false; /* an answer to an earlier batch */
	if (e->error && (nlh->nlmsg_flags & NLM_F_ACK_TLVS)) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			skip += e->msg.nlmsg_len - sizeof(e->msg);
		mnl_attr_for_each(a, nlh, skip) {
			if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
				msg = mnl_attr_get_str(a);
			else if (mnl_attr_get_type(a) == NLMSGERR_ATTR_OFFS) {
				off = mnl_attr_get_u32(a);
				have_off = true;
			}
		}
	}
	if (e->error)
		record_error(b, txn, seq, e->error, msg, have_off, off, res);
	return seq == last || seq == b->seq0 || seq == last + 1;
}

static int read_acks(struct nft_nl *nl, const struct nft_txn *txn,
		     struct nft_txn_result *res)
{
	int fd = mnl_socket_get_fd(nl->sock);
	size_t cap = 1u << 16;
	char *buf = xmalloc(cap);
	bool done = false;
	int ret = 0;

	while (!done) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		const struct nlmsghdr *nlh;
		ssize_t n;
		int len;

		n = poll(&pfd, 1, NFT_NL_TIMEOUT_MS);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -ETIMEDOUT;
			break;
		}
		n = recv(fd, buf, cap, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno; /* ENOBUFS: answers lost */
			break;
		}
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type == NLMSG_ERROR &&
			    handle_ack(&nl->batch, txn, nlh, res))
				done = true;
		}
	}
	free(buf);
	return ret;
}

int nft_nl_commit(struct nft_nl *nl, const struct nft_txn *txn,
		  struct nft_txn_result *res)
{
	struct nft_batch *b = &nl->batch;
	ssize_t n;
	int ret;

	nft_txn_result_init(res);
	if (!txn->n_ops)
		return 0;
	nft_batch_encode(b, txn, nl->seq);
	nl->seq += (uint32_t)b->n_msgs + 2;
	res->n_msgs = b->n_msgs;
	res->n_bytes = b->len;
	grow_sndbuf(nl, b->len);
	n = mnl_socket_sendto(nl->sock, b->buf, b->len);
	if (n < 0) {
		ret = -errno;
		nft_txn_result_add(res, ret, SIZE_MAX, SIZE_MAX, -1, NULL);
		goto out;
	}
	ret = read_acks(nl, txn, res);
	if (ret < 0)
		nft_txn_result_add(res, ret, SIZE_MAX, SIZE_MAX, -1, NULL);
	else
		ret = res->err;
out:
	if (b->cap > BATCH_KEEP)
		nft_batch_release(b);
	return ret;
}

/* --- Listing ------------------------------------------------------------------------------------ */

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nft_table_list *l = data;
	struct nftnl_table *t = nl_check(nftnl_table_alloc());
	struct nft_table_id *id;
	const char *name;

	if (nftnl_table_nlmsg_parse(nlh, t) < 0)
		goto out;
	name = nftnl_table_get_str(t, NFTNL_TABLE_NAME);
	if (!name)
		goto out;
	id = XPUSH(l->v, l->n, l->cap);
	id->family = (int)nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY);
	snprintf(id->name, sizeof(id->name), "%s", name);
out:
	nftnl_table_free(t);
	return MNL_CB_OK;
}

static int table_id_qcmp(const void *a, const void *b)
{
	const struct nft_table_id *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return strcmp(x->name, y->name);
}

int nft_nl_list_tables(struct nft_nl *nl, struct nft_table_list *out)
{
	char *buf = xmalloc(MNL_SOCKET_BUFFER_SIZE);
	uint32_t seq = nl->seq++;
	struct nlmsghdr *nlh;
	int ret;

	memset(out, 0, sizeof(*out));
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_UNSPEC,
				    NLM_F_DUMP, seq);
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf,
						MNL_SOCKET_BUFFER_SIZE);

		if (n < 0) {
			ret = -errno;
			break;
		}
		ret = mnl_cb_run(buf, (size_t)n, seq, nl->portid, table_cb,
				 out);
		if (ret < 0) {
			ret = -errno;
			break;
		}
		if (ret == MNL_CB_STOP) {
			ret = 0;
			break;
		}
	}
	qsort(out->v, out->n, sizeof(*out->v), table_id_qcmp);
out:
	free(buf);
	return ret;
}
