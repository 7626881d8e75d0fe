// SPDX-License-Identifier: GPL-2.0
/*
 * Ruleset objects -> libnftnl objects: tables, chains, rules (statements
 * as the expression sequences nft_ruleset.h documents), sets (with the
 * user data nft writes for `typeof`) and elements. The batch and the
 * socket are in nft_netlink.c.
 */
#include "rules/nft_netlink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/expr.h>
#include <libnftnl/udata.h>
#include <linux/netfilter/nf_nat.h>

void *nft_nl_check(void *p)
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

/* --- Tables and chains ---------------------------------------------------- */

struct nftnl_table *nft_nl_table(int family, const char *name)
{
	struct nftnl_table *t = nft_nl_check(nftnl_table_alloc());

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
	struct nftnl_chain *ch = nft_nl_check(nftnl_chain_alloc());
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

/* --- Rules ---------------------------------------------------------------- */

/* A rule being built, and how many expressions it holds. */
struct rb {
	struct nftnl_rule *r;
	int family;
	size_t n;
};

static struct nftnl_expr *expr(struct rb *b, const char *name)
{
	struct nftnl_expr *e = nft_nl_check(nftnl_expr_alloc(name));

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
		    const void * xor)
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
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
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
	uint8_t zero[NFTR_CMP_MAX] = {0};

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
			uint8_t port[2] = {(uint8_t)(st->port >> 8),
					   (uint8_t)st->port};

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
		struct nft_field mark = {.kind = NFTR_F_MARK};

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

struct nftnl_rule *nft_nl_rule(int family, const char *table, const char *chain,
			       const struct nft_rule *r)
{
	struct rb b = {.r = nft_nl_check(nftnl_rule_alloc()), .family = family};
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
	struct rb b = {.r = nft_nl_check(nftnl_rule_alloc()), .family = family};
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

/* --- Sets ----------------------------------------------------------------- */

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
		nft_nl_check(nftnl_udata_buf_alloc(SET_UDATA_MAX));
	bool map = s->data_kind != NFTR_DATA_NONE;
	bool tof =
		typeof_supported(&s->key) &&
		(s->data_kind != NFTR_DATA_VALUE || typeof_supported(&s->data));

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
	struct nftnl_set *ns = nft_nl_check(nftnl_set_alloc());
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
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_TYPE,
			  nft_key_type(&s->key, family));
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
		uint8_t lens[NFT_REG32_COUNT] = {0};

		for (uint8_t i = 0; i < s->key.n; i++)
			lens[i] = (uint8_t)nft_field_len(s->key.f[i].kind,
							 family);
		nftnl_set_set_data(ns, NFTNL_SET_DESC_CONCAT, lens, s->key.n);
	}
	set_udata(ns, s);
	return ns;
}

/* --- Elements ------------------------------------------------------------- */

/* last + 1 of a one-field key, in the field's byte order; false if it
 * wraps (the range ends at the top). */
static bool key_next(const struct nft_set *s, const uint8_t *last, uint8_t *out)
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
		nftnl_set_elem_set(
			elem, NFTNL_SET_ELEM_USERDATA, ud,
			comment_udata(ud, NFTNL_UDATA_SET_ELEM_COMMENT, cmt));
	return 0;
}

bool nft_nl_elem_has_end(const struct nft_set *s, const struct nft_elem *el)
{
	uint8_t next[NFTR_KEY_BYTES];

	return (s->flags & NFT_SET_INTERVAL) && s->key.n == 1 &&
	       key_next(s, nft_elem_key_end(s, el), next);
}
