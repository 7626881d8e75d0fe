/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_RULES_NFT_COMPILE_INT_H
#define NFP_RULES_NFT_COMPILE_INT_H

/*
 * What the three parts of the nftables compiler share, and nobody else
 * includes: nft_compile_base.c (the fixed layout: tables, base chains,
 * the fixed sets and chains), nft_compile.c (services: frontends,
 * endpoint maps, affinity; and nft_compile() itself) and
 * nft_compile_node.c (the node's own traffic: hostPorts, egress
 * masquerade, the localhost guard). One struct fam carries a family's
 * compilation through all three; the statement helpers below are the
 * vocabulary their rules are written in.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/nft_compile.h"
#include "util/xalloc.h"

/*
 * The shared load-balancing chains: one per kind and endpoint count N.
 * Each DNATs through a backends map keyed by frontend . index, the index
 * drawn by numgen random mod N (+ base).
 */
enum lb_kind {
	LB_SVC,
	LB_EXT,
	LB_LOCAL,
	LB_NP_SVC,
	LB_NP_EXT,
	LB_NP_LOCAL,
	__LB_MAX
};

/* Keys: the fields a set or map is looked up by, in order. */
#define F(k)                \
	{                   \
		.kind = (k) \
	}
#define F_NUMGEN                                \
	{                                       \
		.kind = NFTR_F_NUMGEN, .mod = 1 \
	}

static const struct nft_key key_frontend = {
	3, {F(NFTR_F_DADDR), F(NFTR_F_L4PROTO), F(NFTR_F_DPORT)}};
static const struct nft_key key_nodeport = {
	2, {F(NFTR_F_L4PROTO), F(NFTR_F_DPORT)}};
static const struct nft_key key_frontend_index = {
	4, {F(NFTR_F_DADDR), F(NFTR_F_L4PROTO), F(NFTR_F_DPORT), F_NUMGEN}};
static const struct nft_key key_nodeport_index = {
	3, {F(NFTR_F_L4PROTO), F(NFTR_F_DPORT), F_NUMGEN}};
static const struct nft_key key_firewall_allow = {
	4,
	{F(NFTR_F_DADDR), F(NFTR_F_L4PROTO), F(NFTR_F_DPORT), F(NFTR_F_SADDR)}};
static const struct nft_key key_endpoint = {2,
					    {F(NFTR_F_DADDR), F(NFTR_F_DPORT)}};
static const struct nft_key key_hairpin = {2,
					   {F(NFTR_F_SADDR), F(NFTR_F_DADDR)}};
static const struct nft_key key_saddr = {1, {F(NFTR_F_SADDR)}};
static const struct nft_key key_daddr = {1, {F(NFTR_F_DADDR)}};
static const struct nft_key key_numgen = {1, {F_NUMGEN}};

/* A frontend key (kind byte, then key bytes) claimed by one service. */
#define CLAIM_KEY 28
struct claim {
	uint8_t key[CLAIM_KEY];
	uint32_t svc; /* index in plan->services, +1; 0: free slot */
};

struct claims {
	struct claim *slots;
	size_t cap, n;
};

/* One family's compilation. */
struct fam {
	const struct plan *p;
	struct diag_list *d;
	struct nft_table *t;
	struct nft_pool *pool;
	int af;		   /* AF_INET / AF_INET6 */
	const char *fname; /* "IPv4" / "IPv6" */
	bool have_cluster_cidrs;
	uint32_t reject_chain, external_local, nodeport_local; /* pool ids */

	struct nft_set *service_ips, *service_nodeports;
	struct nft_set *service_backends, *nodeport_backends;
	struct nft_set *ext_local_short, *ext_local_eps;
	struct nft_set *np_local_short, *np_local_eps;
	struct nft_set *no_ep_services, *no_ep_nodeports;
	struct nft_set *firewall_ips, *firewall_allow;
	struct nft_set *cluster_cidrs, *nodeport_cidrs, *hairpin;
	struct nft_set *masq_sources, *masq_exempt;
	struct nft_set *hostport_ips, *hostport_any, *hostport_sources;
	bool have_pod_cidrs; /* the node's podCIDRs of this family known */

	struct lb_cache {
		uint32_t *ids; /* pool id of "prefix N" by N; 0: not made */
		size_t cap;
	} lb[__LB_MAX];
	struct claims claims;
};

static inline int nfproto(int af)
{
	return af == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
}

/* --- Statement helpers ------------------------------------------------- */

static inline struct nft_stmt *st_cmp(struct nft_rule *r, enum nftr_field f,
				      int family, bool invert,
				      const void *value, const void *mask)
{
	struct nft_stmt *st = nft_rule_add_stmt(r, NFTR_STMT_CMP);

	st->key.n = 1;
	st->key.f[0].kind = f;
	st->invert = invert;
	st->len = (uint8_t)nft_field_len(f, family);
	memcpy(st->value, value, st->len);
	if (mask)
		memcpy(st->mask, mask, st->len);
	else
		memset(st->mask, 0xff, st->len);
	return st;
}

/* A u32 field in host order: (field & mask) ==/!= value. */
static inline void st_cmp_u32(struct nft_rule *r, enum nftr_field f,
			      bool invert, uint32_t value, uint32_t mask)
{
	st_cmp(r, f, NFPROTO_IPV4, invert, &value, &mask);
}

static inline void st_ct_state_new(struct nft_rule *r)
{
	st_cmp_u32(r, NFTR_F_CT_STATE, true, 0, NFTR_CT_STATE_NEW);
}

static inline void st_ct_status_dnat(struct nft_rule *r)
{
	st_cmp_u32(r, NFTR_F_CT_STATUS, true, 0, NFTR_CT_STATUS_DNAT);
}

static inline void st_fib_local(struct nft_rule *r, enum nftr_field f)
{
	st_cmp_u32(r, f, false, NFTR_RTN_LOCAL, 0xffffffffu);
}

static inline void st_prefix(struct nft_rule *r, enum nftr_field f,
			     const struct nfp_cidr *c, bool invert)
{
	uint8_t mask[16] = {0};
	size_t len = nfp_addr_len(c->addr.family);

	for (size_t i = 0; i < len; i++) {
		unsigned int bit = (unsigned int)i * 8;

		if (c->prefix >= bit + 8)
			mask[i] = 0xff;
		else if (c->prefix > bit)
			mask[i] = (uint8_t)(0xff << (8 - (c->prefix - bit)));
	}
	st_cmp(r, f, nfproto(c->addr.family), invert, c->addr.b, mask);
}

static inline void st_l4proto(struct nft_rule *r, uint8_t ipproto)
{
	st_cmp(r, NFTR_F_L4PROTO, NFPROTO_IPV4, false, &ipproto, NULL);
}

static inline void st_lookup(struct nft_rule *r, const struct nft_key *k,
			     const char *set, bool invert)
{
	struct nft_stmt *st = nft_rule_add_stmt(r, NFTR_STMT_LOOKUP);

	st->key = *k;
	st->set = xstrdup(set);
	st->invert = invert;
}

static inline void st_vmap(struct nft_rule *r, const struct nft_key *k,
			   const char *set)
{
	struct nft_stmt *st = nft_rule_add_stmt(r, NFTR_STMT_VMAP);

	st->key = *k;
	st->set = xstrdup(set);
}

static inline void st_verdict(struct nft_rule *r, int verdict,
			      const char *chain)
{
	struct nft_stmt *st = nft_rule_add_stmt(r, NFTR_STMT_VERDICT);

	st->verdict = verdict;
	st->chain = chain ? xstrdup(chain) : NULL;
}

static inline void st_dnat_map(struct nft_rule *r, const struct nft_key *k,
			       const char *set)
{
	struct nft_stmt *st = nft_rule_add_stmt(r, NFTR_STMT_DNAT);

	st->key = *k;
	st->set = xstrdup(set);
	st->nat_flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED;
}

static inline void st_dnat_const(struct nft_rule *r, const struct nfp_addr *a,
				 uint16_t port)
{
	struct nft_stmt *st = nft_rule_add_stmt(r, NFTR_STMT_DNAT);

	st->addr = *a;
	st->port = port;
	st->nat_flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED;
}

static inline void st_masq(struct nft_rule *r)
{
	struct nft_stmt *st = nft_rule_add_stmt(r, NFTR_STMT_MASQ);

	st->nat_flags = NF_NAT_RANGE_PROTO_RANDOM_FULLY;
}

static inline void st_mark(struct nft_rule *r, uint32_t mask, uint32_t xor)
{
	struct nft_stmt *st = nft_rule_add_stmt(r, NFTR_STMT_MARK);

	st->mark_mask = mask;
	st->mark_xor = xor;
}

static inline struct nft_rule *rule(struct nft_table *t, const char *chain,
				    const char *comment)
{
	return nft_chain_add_rule(nft_table_find_chain(t, chain), comment);
}

static inline void jump_rule(struct nft_table *t, const char *from, bool ct_new,
			     const char *to)
{
	struct nft_rule *r = rule(t, from, NULL);

	if (ct_new)
		st_ct_state_new(r);
	st_verdict(r, NFT_JUMP, to);
}

/* --- Elements that more than one part adds ---------------------------- */

/* Copy the CIDRs of family af, drop the ones inside another (CIDRs nest
 * or are disjoint, and interval sets refuse overlaps); owned result. */
static inline size_t cidrs_of(const struct nfp_cidr *in, size_t n, int af,
			      struct nfp_cidr **out)
{
	struct nfp_cidr *v = xcalloc(n ? n : 1, sizeof(*v));
	size_t m = 0, kept = 0;

	for (size_t i = 0; i < n; i++)
		if (in[i].addr.family == af)
			v[m++] = in[i];
	qsort(v, m, sizeof(*v), nfp_cidr_qcmp);
	for (size_t i = 0; i < m; i++) {
		if (kept && nfp_cidr_contains(&v[kept - 1], &v[i].addr) &&
		    v[i].prefix >= v[kept - 1].prefix)
			continue;
		v[kept++] = v[i];
	}
	*out = v;
	return kept;
}

static inline void add_hairpin(struct fam *f, const struct nfp_addr *a)
{
	struct nft_elem *e = nft_set_add_elem(f->hairpin);
	uint8_t *p = nft_elem_key(f->hairpin, e);

	nft_put_addr(nft_put_addr(p, a), a);
}

/* A comment as nft takes it (at most NFTR_COMMENT_MAX bytes). */
static inline uint32_t comment_id(struct fam *f, const char *s)
{
	char buf[NFTR_COMMENT_MAX + 1];

	snprintf(buf, sizeof(buf), "%s", s);
	return nft_pool_intern(f->pool, buf);
}

/*
 * The parts' entry points. They are called in a fixed order
 * (compile_family() in nft_compile.c, make_chains() in
 * nft_compile_base.c), which the order of rules and of pool ids follows;
 * none can fail.
 */

/* nft_compile_base.c: the fixed sets (into f's set pointers), the base
 * and fixed chains of the table and their rules. */
void nft_compile_base(struct fam *f);

/* nft_compile_node.c: the rules of localnet-check (IPv4 only), the guard
 * that route_localnet needs. */
void nft_compile_localnet_check(struct nft_table *t);
/* nft_compile_node.c: the rules of the hostports chain. */
void nft_compile_hostports_chain(struct fam *f);
/* nft_compile_node.c: the hostport-ips / hostport-any elements of the
 * plan's hostPorts of f's family, and their hairpin elements. */
void nft_compile_hostports(struct fam *f);
/* nft_compile_node.c: the CIDR sets: cluster, node port addresses,
 * hostPort sources, egress masquerade. */
void nft_compile_cidrs(struct fam *f);

#endif
