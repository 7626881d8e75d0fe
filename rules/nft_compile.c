// SPDX-License-Identifier: GPL-2.0
#include "rules/nft_compile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/proto.h"
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

/* Which masquerade mark a chain sets before it DNATs. */
enum masq_rule {
	MASQ_NONE,
	MASQ_INTERNAL, /* off-cluster sources (or all with --masquerade-all) */
	MASQ_ALWAYS,
};

static const struct lb_desc {
	const char *prefix;
	bool nodeport; /* keyed by l4proto . dport: nodeport-backends */
	enum masq_rule masq;
	uint32_t base; /* numgen offset */
} lb_descs[__LB_MAX] = {
	[LB_SVC] = {NFTC_LB_SVC, false, MASQ_INTERNAL, 0},
	[LB_EXT] = {NFTC_LB_EXT, false, MASQ_ALWAYS, 0},
	[LB_LOCAL] = {NFTC_LB_LOCAL, false, MASQ_NONE, NFTC_LOCAL_INDEX_BASE},
	[LB_NP_SVC] = {NFTC_LB_NP_SVC, true, MASQ_INTERNAL, 0},
	[LB_NP_EXT] = {NFTC_LB_NP_EXT, true, MASQ_ALWAYS, 0},
	[LB_NP_LOCAL] = {NFTC_LB_NP_LOCAL, true, MASQ_NONE,
			 NFTC_LOCAL_INDEX_BASE},
};

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

enum ep_list { LIST_INT, LIST_EXT, __LIST_MAX };

/* One service port being compiled. */
struct svc {
	const struct plan_service *s;
	uint32_t idx;
	char cmt[NFTR_COMMENT_MAX + 1]; /* the id, cut to nft's limit */
	uint32_t comment;		/* pool id of cmt */
	char sid[NFTR_NAME_MAX + 1];	/* "ns/name/port": affinity names */
	bool affinity;
	uint8_t ipproto;
	struct plan_endpoint *eps[__LIST_MAX]; /* valid endpoints, owned */
	size_t n_eps[__LIST_MAX];
	uint32_t aff_chain[__LIST_MAX]; /* pool ids, 0: not made yet */
	struct plan_endpoint *aff_made; /* endpoints with aff-ep objects */
	size_t n_aff_made, cap_aff_made;
};

static int nfproto(int af)
{
	return af == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
}

/* --- Names (every per-object name is made here) ---------------------- */

static void lb_chain_name(enum lb_kind k, size_t n, char *buf, size_t len)
{
	snprintf(buf, len, "%s%zu", lb_descs[k].prefix, n);
}

/* "ns/name/port": port name, or number if unnamed; nft identifiers allow
 * '/', not ':'. Returns false if it does not fit. */
static bool aff_service_id(const struct plan_service *s, char *buf, size_t len)
{
	int n;

	if (s->port_name && s->port_name[0])
		n = snprintf(buf, len, "%s/%s/%s", s->ns, s->name,
			     s->port_name);
	else
		n = snprintf(buf, len, "%s/%s/%u", s->ns, s->name, s->port);
	return n > 0 && (size_t)n < len;
}

/* The longest affinity name: the endpoint's, "aff-ep/" sid "/" addr "/"
 * port, an IPv6 address as 32 hex digits (its text has ':'). */
#define AFF_EP_EXTRA (sizeof(NFTC_AFF_EP) + 1 + 32 + 1 + 5)
/* Room for any name we format (checked against NFTR_NAME_MAX first). */
#define NAME_BUF 512

static void aff_list_name(const struct svc *c, enum ep_list l, char *buf,
			  size_t len)
{
	snprintf(buf, len, "%s%s", l == LIST_INT ? NFTC_AFF_INT : NFTC_AFF_EXT,
		 c->sid);
}

static void aff_ep_name(const struct svc *c, const struct plan_endpoint *ep,
			char *buf, size_t len)
{
	char a[NFP_ADDR_STRLEN];

	if (ep->addr.family == AF_INET6) {
		for (int i = 0; i < 16; i++)
			snprintf(a + 2 * i, 3, "%02x", ep->addr.b[i]);
	} else {
		nfp_addr_str(&ep->addr, a);
	}
	snprintf(buf, len, "%s%s/%s/%u", NFTC_AFF_EP, c->sid, a, ep->port);
}

/* --- Statement helpers ------------------------------------------------- */

static struct nft_stmt *st_cmp(struct nft_rule *r, enum nftr_field f,
			       int family, bool invert, const void *value,
			       const void *mask)
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
static void st_cmp_u32(struct nft_rule *r, enum nftr_field f, bool invert,
		       uint32_t value, uint32_t mask)
{
	st_cmp(r, f, NFPROTO_IPV4, invert, &value, &mask);
}

static void st_ct_state_new(struct nft_rule *r)
{
	st_cmp_u32(r, NFTR_F_CT_STATE, true, 0, NFTR_CT_STATE_NEW);
}

static void st_ct_status_dnat(struct nft_rule *r)
{
	st_cmp_u32(r, NFTR_F_CT_STATUS, true, 0, NFTR_CT_STATUS_DNAT);
}

static void st_fib_local(struct nft_rule *r, enum nftr_field f)
{
	st_cmp_u32(r, f, false, NFTR_RTN_LOCAL, 0xffffffffu);
}

static void st_prefix(struct nft_rule *r, enum nftr_field f,
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

static void st_l4proto(struct nft_rule *r, uint8_t ipproto)
{
	st_cmp(r, NFTR_F_L4PROTO, NFPROTO_IPV4, false, &ipproto, NULL);
}

static void st_lookup(struct nft_rule *r, const struct nft_key *k,
		      const char *set, bool invert)
{
	struct nft_stmt *st = nft_rule_add_stmt(r, NFTR_STMT_LOOKUP);

	st->key = *k;
	st->set = xstrdup(set);
	st->invert = invert;
}

static void st_vmap(struct nft_rule *r, const struct nft_key *k,
		    const char *set)
{
	struct nft_stmt *st = nft_rule_add_stmt(r, NFTR_STMT_VMAP);

	st->key = *k;
	st->set = xstrdup(set);
}

static void st_verdict(struct nft_rule *r, int verdict, const char *chain)
{
	struct nft_stmt *st = nft_rule_add_stmt(r, NFTR_STMT_VERDICT);

	st->verdict = verdict;
	st->chain = chain ? xstrdup(chain) : NULL;
}

static void st_dnat_map(struct nft_rule *r, const struct nft_key *k,
			const char *set)
{
	struct nft_stmt *st = nft_rule_add_stmt(r, NFTR_STMT_DNAT);

	st->key = *k;
	st->set = xstrdup(set);
	st->nat_flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED;
}

static void st_dnat_const(struct nft_rule *r, const struct nfp_addr *a,
			  uint16_t port)
{
	struct nft_stmt *st = nft_rule_add_stmt(r, NFTR_STMT_DNAT);

	st->addr = *a;
	st->port = port;
	st->nat_flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED;
}

static void st_masq(struct nft_rule *r)
{
	struct nft_stmt *st = nft_rule_add_stmt(r, NFTR_STMT_MASQ);

	st->nat_flags = NF_NAT_RANGE_PROTO_RANDOM_FULLY;
}

static void st_mark(struct nft_rule *r, uint32_t mask, uint32_t xor)
{
	struct nft_stmt *st = nft_rule_add_stmt(r, NFTR_STMT_MARK);

	st->mark_mask = mask;
	st->mark_xor = xor;
}

static struct nft_rule *rule(struct nft_table *t, const char *chain,
			     const char *comment)
{
	return nft_chain_add_rule(nft_table_find_chain(t, chain), comment);
}

static void jump_rule(struct nft_table *t, const char *from, bool ct_new,
		      const char *to)
{
	struct nft_rule *r = rule(t, from, NULL);

	if (ct_new)
		st_ct_state_new(r);
	st_verdict(r, NFT_JUMP, to);
}

/* --- Elements ------------------------------------------------------------ */

/* Frontend key: [addr .] l4proto . port (no address: a node port);
 * returns its length. */
static size_t fe_key(uint8_t *k, const struct nfp_addr *a, uint8_t ipproto,
		     uint16_t port)
{
	uint8_t *p = k;

	if (a)
		p = nft_put_addr(p, a);
	p = nft_put_proto(p, ipproto);
	p = nft_put_port(p, port);
	return (size_t)(p - k);
}

static void add_verdict(struct nft_set *s, const uint8_t *key, int verdict,
			uint32_t chain, uint32_t comment)
{
	struct nft_elem *e = nft_set_add_elem(s);

	memcpy(nft_elem_key(s, e), key, s->key_slots);
	e->verdict = verdict;
	e->chain = chain;
	e->comment = comment;
}

static void add_key(struct nft_set *s, const uint8_t *key, uint32_t comment)
{
	struct nft_elem *e = nft_set_add_elem(s);

	memcpy(nft_elem_key(s, e), key, s->key_slots);
	e->comment = comment;
}

static void add_cidr(struct nft_set *s, const struct nfp_cidr *c)
{
	struct nft_elem *e = nft_set_add_elem(s);
	struct nfp_addr last;

	nft_put_addr(nft_elem_key(s, e), &c->addr);
	nfp_cidr_last(c, &last);
	nft_put_addr(nft_elem_key_end(s, e), &last);
}

/* Copy the CIDRs of family af, drop the ones inside another (CIDRs nest
 * or are disjoint, and interval sets refuse overlaps); owned result. */
static size_t cidrs_of(const struct nfp_cidr *in, size_t n, int af,
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

static void add_cidrs(struct nft_set *s, const struct nfp_cidr *in, size_t n,
		      int af)
{
	struct nfp_cidr *v;
	size_t m = cidrs_of(in, n, af, &v);

	for (size_t i = 0; i < m; i++)
		add_cidr(s, &v[i]);
	free(v);
}

static void add_hairpin(struct fam *f, const struct nfp_addr *a)
{
	struct nft_elem *e = nft_set_add_elem(f->hairpin);
	uint8_t *p = nft_elem_key(f->hairpin, e);

	nft_put_addr(nft_put_addr(p, a), a);
}

/* First service to claim a frontend keeps it. Returns the index (+1) of
 * the service that holds it now. */
static uint32_t claim(struct claims *cl, bool nodeport, const uint8_t *key,
		      size_t len, uint32_t svc)
{
	struct claim probe = {.svc = svc};
	uint32_t h = 2166136261u;
	size_t j;

	probe.key[0] = nodeport;
	memcpy(probe.key + 4, key, len);
	if ((cl->n + 1) * 2 > cl->cap) {
		struct claims old = *cl;

		cl->cap = cl->cap ? cl->cap * 2 : 256;
		cl->slots = xcalloc(cl->cap, sizeof(*cl->slots));
		cl->n = 0;
		for (size_t i = 0; i < old.cap; i++)
			if (old.slots[i].svc)
				claim(cl, old.slots[i].key[0],
				      old.slots[i].key + 4, CLAIM_KEY - 4,
				      old.slots[i].svc);
		free(old.slots);
	}
	for (size_t i = 0; i < CLAIM_KEY; i++)
		h = (h ^ probe.key[i]) * 16777619u;
	j = h & (cl->cap - 1);
	while (cl->slots[j].svc) {
		if (memcmp(cl->slots[j].key, probe.key, CLAIM_KEY) == 0)
			return cl->slots[j].svc;
		j = (j + 1) & (cl->cap - 1);
	}
	cl->slots[j] = probe;
	cl->n++;
	return svc;
}

/* --- Chains ----------------------------------------------------------------
 */

static void masq_rule(struct fam *f, struct nft_chain *c, enum masq_rule m,
		      const char *comment)
{
	struct nft_rule *r;

	if (m == MASQ_NONE)
		return;
	if (m == MASQ_INTERNAL && !f->p->node.masquerade_all &&
	    !f->have_cluster_cidrs)
		return;
	r = nft_chain_add_rule(c, comment);
	if (m == MASQ_INTERNAL && !f->p->node.masquerade_all)
		st_lookup(r, &key_saddr, NFTC_SET_CLUSTER_CIDRS, true);
	st_verdict(r, NFT_JUMP, NFTC_CHAIN_MARK_MASQ);
}

/* The shared chain of kind k for n endpoints; made on first use. */
static uint32_t lb_chain(struct fam *f, enum lb_kind k, size_t n)
{
	const struct lb_desc *ld = &lb_descs[k];
	struct lb_cache *lc = &f->lb[k];
	struct nft_key key =
		ld->nodeport ? key_nodeport_index : key_frontend_index;
	char name[64];
	struct nft_chain *c;
	struct nft_rule *r;

	if (n < lc->cap && lc->ids[n])
		return lc->ids[n];
	if (n >= lc->cap) {
		size_t old = lc->cap;

		lc->ids = xgrow(lc->ids, &lc->cap, n + 1, sizeof(*lc->ids));
		memset(lc->ids + old, 0, (lc->cap - old) * sizeof(*lc->ids));
	}
	lb_chain_name(k, n, name, sizeof(name));
	c = nft_table_add_chain(f->t, name, NULL);
	masq_rule(f, c, ld->masq, NULL);
	key.f[key.n - 1].mod = (uint32_t)n;
	key.f[key.n - 1].offset = ld->base;
	r = nft_chain_add_rule(c, NULL);
	st_dnat_map(r, &key,
		    ld->nodeport ? NFTC_SET_NODEPORT_BACKENDS
				 : NFTC_SET_SERVICE_BACKENDS);
	lc->ids[n] = nft_pool_intern(f->pool, name);
	return lc->ids[n];
}

/* The objects of one endpoint of an affinity service (once per service):
 * a set of recent clients and a chain that refreshes it and DNATs. */
static void aff_endpoint(struct fam *f, struct svc *c,
			 const struct plan_endpoint *ep, const char *name)
{
	struct nft_key upd = key_saddr;
	struct nft_chain *ch;
	struct nft_set *s;
	struct nft_rule *r;
	struct nft_stmt *st;

	for (size_t i = 0; i < c->n_aff_made; i++)
		if (plan_endpoint_cmp(&c->aff_made[i], ep) == 0)
			return;
	*XPUSH(c->aff_made, c->n_aff_made, c->cap_aff_made) = *ep;

	s = nft_table_add_set(f->t, name, &key_saddr, NFTR_DATA_NONE, NULL,
			      NFT_SET_TIMEOUT | NFT_SET_EVAL, c->cmt);
	s->timeout_ms = (uint64_t)c->s->affinity_timeout * 1000;
	s->size = NFTC_AFFINITY_SET_SIZE;

	ch = nft_table_add_chain(f->t, name, c->cmt);
	r = nft_chain_add_rule(ch, c->cmt);
	st = nft_rule_add_stmt(r, NFTR_STMT_DYNSET);
	st->key = upd;
	st->set = xstrdup(name);
	r = nft_chain_add_rule(ch, c->cmt);
	st_l4proto(r, c->ipproto);
	st_dnat_const(r, &ep->addr, ep->port);
}

/*
 * The affinity chain of one endpoint list of a service: clients seen
 * recently go back to their endpoint, new ones are spread by numgen over
 * a verdict map to the endpoint chains (which remember them).
 */
static uint32_t aff_chain(struct fam *f, struct svc *c, enum ep_list l)
{
	char name[NAME_BUF], epname[NAME_BUF];
	enum masq_rule m = MASQ_INTERNAL;
	struct nft_key key = key_numgen;
	struct nft_chain *ch;
	struct nft_set *map;
	struct nft_rule *r;

	if (c->aff_chain[l])
		return c->aff_chain[l];
	if (l == LIST_EXT)
		m = c->s->external_local ? MASQ_NONE : MASQ_ALWAYS;
	aff_list_name(c, l, name, sizeof(name));
	ch = nft_table_add_chain(f->t, name, c->cmt);
	masq_rule(f, ch, m, c->cmt);
	map = nft_table_add_set(f->t, name, &key_numgen, NFTR_DATA_VERDICT,
				NULL, 0, c->cmt);
	for (size_t i = 0; i < c->n_eps[l]; i++) {
		const struct plan_endpoint *ep = &c->eps[l][i];
		uint8_t k[4];
		uint32_t id;

		aff_ep_name(c, ep, epname, sizeof(epname));
		aff_endpoint(f, c, ep, epname);
		r = nft_chain_add_rule(ch, c->cmt);
		st_lookup(r, &key_saddr, epname, false);
		st_verdict(r, NFT_GOTO, epname);
		id = nft_pool_intern(f->pool, epname);
		nft_put_u32(k, (uint32_t)i);
		add_verdict(map, k, NFT_GOTO, id, c->comment);
	}
	key.f[0].mod = (uint32_t)c->n_eps[l];
	r = nft_chain_add_rule(ch, c->cmt);
	st_vmap(r, &key, name);
	c->aff_chain[l] = nft_pool_intern(f->pool, name);
	return c->aff_chain[l];
}

/* The chain a frontend's traffic goes to for endpoint list l. */
static uint32_t target(struct fam *f, struct svc *c, enum ep_list l,
		       enum lb_kind k)
{
	if (c->affinity)
		return aff_chain(f, c, l);
	return lb_chain(f, k, c->n_eps[l]);
}

static void add_backends(struct fam *f, struct svc *c, bool nodeport,
			 const uint8_t *fekey, size_t felen, enum ep_list l,
			 uint32_t base)
{
	struct nft_set *s =
		nodeport ? f->nodeport_backends : f->service_backends;

	if (c->affinity)
		return; /* affinity chains DNAT to constants */
	for (size_t i = 0; i < c->n_eps[l]; i++) {
		const struct plan_endpoint *ep = &c->eps[l][i];
		struct nft_elem *e = nft_set_add_elem(s);
		uint8_t *p = nft_elem_key(s, e);

		memcpy(p, fekey, felen);
		nft_put_u32(p + felen, base + (uint32_t)i);
		p = nft_elem_data(s, e);
		nft_put_port(nft_put_addr(p, &ep->addr), ep->port);
		e->comment = c->comment;
	}
}

static void add_no_endpoints(struct fam *f, struct nft_set *s,
			     const uint8_t *key, enum plan_action a,
			     uint32_t comment)
{
	if (a == PLAN_DROP)
		add_verdict(s, key, NF_DROP, 0, comment);
	else
		add_verdict(s, key, NFT_GOTO, f->reject_chain, comment);
}

/* loadBalancerSourceRanges of one LB IP frontend. */
static void firewall(struct fam *f, struct svc *c, const uint8_t *fekey,
		     size_t felen)
{
	const struct plan_service *s = c->s;
	const struct plan_node *node = &f->p->node;
	struct nfp_cidr *r, *all;
	size_t n =
		cidrs_of(s->lb_source_ranges, s->n_lb_source_ranges, f->af, &r);
	size_t m = n;
	bool from_node = false;

	if (!n) {
		free(r);
		return;
	}
	/* As kube-proxy: if a range holds the node, the LB IPs (which the
	 * node may hold itself, looping back) are allowed sources too. */
	for (size_t i = 0; i < node->n_addrs && !from_node; i++)
		for (size_t j = 0; j < n && !from_node; j++)
			from_node = nfp_cidr_contains(&r[j], &node->addrs[i]);
	all = xcalloc(n + s->n_lb_ips, sizeof(*all));
	memcpy(all, r, n * sizeof(*r));
	for (size_t i = 0; from_node && i < s->n_lb_ips; i++) {
		if (s->lb_ips[i].family != f->af)
			continue;
		all[m].addr = s->lb_ips[i];
		all[m++].prefix = (unsigned int)nfp_addr_len(f->af) * 8;
	}
	free(r);
	n = cidrs_of(all, m, f->af, &r);
	add_key(f->firewall_ips, fekey, c->comment);
	for (size_t i = 0; i < n; i++) {
		struct nft_elem *e = nft_set_add_elem(f->firewall_allow);
		struct nfp_addr last;
		uint8_t *p = nft_elem_key(f->firewall_allow, e);

		memcpy(p, fekey, felen);
		nft_put_addr(p + felen, &r[i].addr);
		p = nft_elem_key_end(f->firewall_allow, e);
		memcpy(p, fekey, felen);
		nfp_cidr_last(&r[i], &last);
		nft_put_addr(p + felen, &last);
		e->comment = c->comment;
	}
	free(all);
	free(r);
}

enum fe_kind { FE_CLUSTER, FE_EXTERNAL, FE_LB, FE_NODEPORT };

static void frontend(struct fam *f, struct svc *c, enum fe_kind kind,
		     const struct nfp_addr *addr)
{
	const struct plan_service *s = c->s;
	bool np = kind == FE_NODEPORT;
	bool fwd_int = s->internal_action == PLAN_FORWARD;
	bool fwd_ext = s->external_action == PLAN_FORWARD;
	uint8_t key[NFTR_KEY_BYTES];
	uint16_t port = np ? s->node_port : s->port;
	size_t len = fe_key(key, np ? NULL : addr, c->ipproto, port);
	struct nft_set *dispatch = np ? f->service_nodeports : f->service_ips;
	struct nft_set *noep = np ? f->no_ep_nodeports : f->no_ep_services;
	uint32_t owner = claim(&f->claims, np, key, len, c->idx + 1);

	if (owner != c->idx + 1) {
		char a[NFP_ADDR_STRLEN];

		diag_addf(
			f->d, DIAG_WARN,
			"nftables: service %s: %s %s %s:%u is already used by %s; skipped",
			s->id, f->fname, nfp_proto_name(s->proto),
			np ? "node port" : nfp_addr_str(addr, a), port,
			f->p->services[owner - 1].id);
		return;
	}
	if (kind == FE_CLUSTER) {
		if (fwd_int) {
			add_verdict(dispatch, key, NFT_GOTO,
				    target(f, c, LIST_INT, LB_SVC), c->comment);
			add_backends(f, c, false, key, len, LIST_INT, 0);
		} else {
			add_no_endpoints(f, noep, key, s->internal_action,
					 c->comment);
		}
		return;
	}
	if (s->external_local) {
		struct nft_set *sc =
			np ? f->np_local_short : f->ext_local_short;
		struct nft_set *le = np ? f->np_local_eps : f->ext_local_eps;

		if (fwd_int || fwd_ext)
			add_verdict(dispatch, key, NFT_GOTO,
				    np ? f->nodeport_local : f->external_local,
				    c->comment);
		if (fwd_int) {
			add_verdict(
				sc, key, NFT_GOTO,
				target(f, c, LIST_INT, np ? LB_NP_SVC : LB_SVC),
				c->comment);
			add_backends(f, c, np, key, len, LIST_INT, 0);
		}
		if (fwd_ext) {
			add_verdict(le, key, NFT_GOTO,
				    target(f, c, LIST_EXT,
					   np ? LB_NP_LOCAL : LB_LOCAL),
				    c->comment);
			add_backends(f, c, np, key, len, LIST_EXT,
				     NFTC_LOCAL_INDEX_BASE);
		}
	} else if (fwd_ext) {
		add_verdict(dispatch, key, NFT_GOTO,
			    target(f, c, LIST_EXT, np ? LB_NP_EXT : LB_EXT),
			    c->comment);
		add_backends(f, c, np, key, len, LIST_EXT, 0);
	}
	if (!fwd_ext)
		add_no_endpoints(f, noep, key, s->external_action, c->comment);
	if (kind == FE_LB)
		firewall(f, c, key, len);
}

/* Keep the endpoints of this family (a list must have no holes: numgen
 * draws every index below N). */
static void endpoint_list(struct fam *f, struct svc *c, enum ep_list l,
			  const struct plan_endpoint *eps, size_t n)
{
	c->eps[l] = xcalloc(n ? n : 1, sizeof(*eps));
	for (size_t i = 0; i < n; i++) {
		if (eps[i].addr.family != f->af)
			continue;
		if (c->n_eps[l] == NFTC_MAX_ENDPOINTS) {
			diag_addf(
				f->d, DIAG_WARN,
				"nftables: service %s: more than %u endpoints; the rest are ignored",
				c->s->id, NFTC_MAX_ENDPOINTS);
			break;
		}
		c->eps[l][c->n_eps[l]++] = eps[i];
	}
}

/* A comment as nft takes it (at most NFTR_COMMENT_MAX bytes). */
static uint32_t comment_id(struct fam *f, const char *s)
{
	char buf[NFTR_COMMENT_MAX + 1];

	snprintf(buf, sizeof(buf), "%s", s);
	return nft_pool_intern(f->pool, buf);
}

static void compile_service(struct fam *f, const struct plan_service *s,
			    uint32_t idx)
{
	struct svc c = {.s = s, .idx = idx};
	enum plan_action ia = s->internal_action, ea = s->external_action;
	struct plan_service copy = *s;

	snprintf(c.cmt, sizeof(c.cmt), "%s", s->id);
	c.comment = comment_id(f, c.cmt);
	c.ipproto = (uint8_t)nfp_proto_ipproto(s->proto);
	endpoint_list(f, &c, LIST_INT, s->internal_eps, s->n_internal_eps);
	endpoint_list(f, &c, LIST_EXT, s->external_eps, s->n_external_eps);
	/* A forwarding list that lost every endpoint rejects instead. */
	if (ia == PLAN_FORWARD && !c.n_eps[LIST_INT])
		copy.internal_action = PLAN_REJECT;
	if (ea == PLAN_FORWARD && !c.n_eps[LIST_EXT])
		copy.external_action = PLAN_REJECT;
	c.s = &copy;
	if (s->affinity_timeout) {
		c.affinity = aff_service_id(s, c.sid, sizeof(c.sid)) &&
			     strlen(c.sid) + AFF_EP_EXTRA <= NFTR_NAME_MAX;
		if (!c.affinity)
			diag_addf(
				f->d, DIAG_WARN,
				"nftables: service %s: name too long for affinity objects; ClientIP affinity is not applied",
				s->id);
	}
	for (int l = 0; l < __LIST_MAX; l++) {
		enum plan_action a = l == LIST_INT ? copy.internal_action
						   : copy.external_action;

		for (size_t i = 0; a == PLAN_FORWARD && i < c.n_eps[l]; i++)
			if (c.eps[l][i].local)
				add_hairpin(f, &c.eps[l][i].addr);
	}
	if (s->cluster_ip.family == f->af)
		frontend(f, &c, FE_CLUSTER, &s->cluster_ip);
	for (size_t i = 0; i < s->n_external_ips; i++)
		if (s->external_ips[i].family == f->af)
			frontend(f, &c, FE_EXTERNAL, &s->external_ips[i]);
	for (size_t i = 0; i < s->n_lb_ips; i++)
		if (s->lb_ips[i].family == f->af)
			frontend(f, &c, FE_LB, &s->lb_ips[i]);
	if (s->node_port)
		frontend(f, &c, FE_NODEPORT, NULL);
	for (int l = 0; l < __LIST_MAX; l++)
		free(c.eps[l]);
	free(c.aff_made);
}

static void compile_hostports(struct fam *f)
{
	for (size_t i = 0; i < f->p->n_hostports; i++) {
		const struct plan_hostport *hp = &f->p->hostports[i];
		uint8_t ipproto = (uint8_t)nfp_proto_ipproto(hp->proto);
		bool any = hp->host_ip.family == 0;
		struct nft_set *s = any ? f->hostport_any : f->hostport_ips;
		struct nft_elem *e;
		uint8_t *p;

		if (hp->family != f->af || hp->pod_ip.family != f->af ||
		    (!any && hp->host_ip.family != f->af))
			continue;
		e = nft_set_add_elem(s);
		p = nft_elem_key(s, e);
		if (!any)
			p = nft_put_addr(p, &hp->host_ip);
		nft_put_port(nft_put_proto(p, ipproto), hp->host_port);
		p = nft_elem_data(s, e);
		nft_put_port(nft_put_addr(p, &hp->pod_ip), hp->container_port);
		e->comment = comment_id(f, hp->pod);
		add_hairpin(f, &hp->pod_ip);
	}
}

/* The CIDR sets: cluster, node port addresses, egress masquerade. */
static void compile_cidrs(struct fam *f)
{
	const struct plan_masq *m = &f->p->masq;
	const struct plan_node *node = &f->p->node;
	struct nfp_cidr *ex;
	size_t n = 0, cap = m->n_non_masq_cidrs + node->n_cluster_cidrs +
			    m->n_pod_cidrs + 1;

	add_cidrs(f->cluster_cidrs, node->cluster_cidrs, node->n_cluster_cidrs,
		  f->af);
	add_cidrs(f->nodeport_cidrs, node->nodeport_cidrs,
		  node->n_nodeport_cidrs, f->af);
	add_cidrs(f->hostport_sources, node->pod_cidrs, node->n_pod_cidrs,
		  f->af);
	if (!m->enabled)
		return;
	add_cidrs(f->masq_sources, m->pod_cidrs, m->n_pod_cidrs, f->af);
	/* Never masquerade in-cluster traffic, whatever non_masq says. */
	ex = xcalloc(cap, sizeof(*ex));
	for (size_t i = 0; i < m->n_non_masq_cidrs; i++)
		ex[n++] = m->non_masq_cidrs[i];
	for (size_t i = 0; i < node->n_cluster_cidrs; i++)
		ex[n++] = node->cluster_cidrs[i];
	for (size_t i = 0; i < m->n_pod_cidrs; i++)
		ex[n++] = m->pod_cidrs[i];
	if (f->af == AF_INET && !m->masq_link_local)
		nfp_cidr_parse("169.254.0.0/16", &ex[n++]);
	else if (f->af == AF_INET6 && !m->masq_link_local_v6)
		nfp_cidr_parse("fe80::/10", &ex[n++]);
	add_cidrs(f->masq_exempt, ex, n, f->af);
	free(ex);
}

/* --- The fixed layout ------------------------------------------------------
 */

static const struct base_chain {
	const char *name;
	enum nftr_chain_type type;
	uint32_t hook;
	int32_t prio;
} base_chains[] = {
	{NFTC_CHAIN_FILTER_PREROUTING, NFTR_CHAIN_FILTER, NF_INET_PRE_ROUTING,
	 NFTC_PRIO_PRE_DNAT},
	{NFTC_CHAIN_FILTER_INPUT, NFTR_CHAIN_FILTER, NF_INET_LOCAL_IN,
	 NFTC_PRIO_PRE_DNAT},
	{NFTC_CHAIN_FILTER_FORWARD, NFTR_CHAIN_FILTER, NF_INET_FORWARD,
	 NFTC_PRIO_PRE_DNAT},
	{NFTC_CHAIN_FILTER_OUTPUT, NFTR_CHAIN_FILTER, NF_INET_LOCAL_OUT,
	 NFTC_PRIO_PRE_DNAT},
	{NFTC_CHAIN_FILTER_OUTPUT_POST_DNAT, NFTR_CHAIN_FILTER,
	 NF_INET_LOCAL_OUT, NFTC_PRIO_POST_DNAT},
	{NFTC_CHAIN_NAT_PREROUTING, NFTR_CHAIN_NAT, NF_INET_PRE_ROUTING,
	 NFTC_PRIO_DSTNAT},
	{NFTC_CHAIN_NAT_OUTPUT, NFTR_CHAIN_NAT, NF_INET_LOCAL_OUT,
	 NFTC_PRIO_DSTNAT},
	{NFTC_CHAIN_NAT_POSTROUTING, NFTR_CHAIN_NAT, NF_INET_POST_ROUTING,
	 NFTC_PRIO_SRCNAT},
};

static const char *const fixed_chains[] = {
	NFTC_CHAIN_FIREWALL_CHECK,   NFTC_CHAIN_LOCALNET_CHECK,
	NFTC_CHAIN_SERVICE_EP_CHECK, NFTC_CHAIN_NODEPORT_EP_CHECK,
	NFTC_CHAIN_REJECT,	     NFTC_CHAIN_SERVICES,
	NFTC_CHAIN_EXTERNAL_LOCAL,   NFTC_CHAIN_NODEPORT_LOCAL,
	NFTC_CHAIN_HOSTPORTS,	     NFTC_CHAIN_MARK_MASQ,
	NFTC_CHAIN_MASQUERADING,     NFTC_CHAIN_MASQ_MARKED,
};

static struct nft_set *set(struct fam *f, const char *name,
			   const struct nft_key *key, enum nftr_data kind,
			   const struct nft_key *data, uint32_t flags)
{
	return nft_table_add_set(f->t, name, key, kind, data, flags, NULL);
}

static void make_sets(struct fam *f)
{
	f->service_ips = set(f, NFTC_SET_SERVICE_IPS, &key_frontend,
			     NFTR_DATA_VERDICT, NULL, 0);
	f->service_nodeports = set(f, NFTC_SET_SERVICE_NODEPORTS, &key_nodeport,
				   NFTR_DATA_VERDICT, NULL, 0);
	f->service_backends =
		set(f, NFTC_SET_SERVICE_BACKENDS, &key_frontend_index,
		    NFTR_DATA_VALUE, &key_endpoint, 0);
	f->nodeport_backends =
		set(f, NFTC_SET_NODEPORT_BACKENDS, &key_nodeport_index,
		    NFTR_DATA_VALUE, &key_endpoint, 0);
	f->ext_local_short = set(f, NFTC_SET_EXTERNAL_LOCAL_SHORT,
				 &key_frontend, NFTR_DATA_VERDICT, NULL, 0);
	f->ext_local_eps = set(f, NFTC_SET_EXTERNAL_LOCAL_EPS, &key_frontend,
			       NFTR_DATA_VERDICT, NULL, 0);
	f->np_local_short = set(f, NFTC_SET_NODEPORT_LOCAL_SHORT, &key_nodeport,
				NFTR_DATA_VERDICT, NULL, 0);
	f->np_local_eps = set(f, NFTC_SET_NODEPORT_LOCAL_EPS, &key_nodeport,
			      NFTR_DATA_VERDICT, NULL, 0);
	f->no_ep_services = set(f, NFTC_SET_NO_EP_SERVICES, &key_frontend,
				NFTR_DATA_VERDICT, NULL, 0);
	f->no_ep_nodeports = set(f, NFTC_SET_NO_EP_NODEPORTS, &key_nodeport,
				 NFTR_DATA_VERDICT, NULL, 0);
	f->firewall_ips = set(f, NFTC_SET_FIREWALL_IPS, &key_frontend,
			      NFTR_DATA_NONE, NULL, 0);
	f->firewall_allow = set(f, NFTC_SET_FIREWALL_ALLOW, &key_firewall_allow,
				NFTR_DATA_NONE, NULL, NFT_SET_INTERVAL);
	f->cluster_cidrs = set(f, NFTC_SET_CLUSTER_CIDRS, &key_saddr,
			       NFTR_DATA_NONE, NULL, NFT_SET_INTERVAL);
	f->nodeport_cidrs = set(f, NFTC_SET_NODEPORT_CIDRS, &key_daddr,
				NFTR_DATA_NONE, NULL, NFT_SET_INTERVAL);
	f->hairpin =
		set(f, NFTC_SET_HAIRPIN, &key_hairpin, NFTR_DATA_NONE, NULL, 0);
	f->masq_sources = set(f, NFTC_SET_MASQ_SOURCES, &key_saddr,
			      NFTR_DATA_NONE, NULL, NFT_SET_INTERVAL);
	f->masq_exempt = set(f, NFTC_SET_MASQ_EXEMPT, &key_daddr,
			     NFTR_DATA_NONE, NULL, NFT_SET_INTERVAL);
	f->hostport_ips = set(f, NFTC_SET_HOSTPORT_IPS, &key_frontend,
			      NFTR_DATA_VALUE, &key_endpoint, 0);
	f->hostport_any = set(f, NFTC_SET_HOSTPORT_ANY, &key_nodeport,
			      NFTR_DATA_VALUE, &key_endpoint, 0);
	f->hostport_sources = set(f, NFTC_SET_HOSTPORT_SOURCES, &key_saddr,
				  NFTR_DATA_NONE, NULL, NFT_SET_INTERVAL);
}

/* "ip daddr != 127.0.0.0/8" / "ip6 daddr != ::1": no node ports there. */
static void st_not_loopback(struct nft_rule *r, int af)
{
	struct nfp_cidr lo;

	nfp_cidr_parse(af == AF_INET6 ? "::1/128" : "127.0.0.0/8", &lo);
	st_prefix(r, NFTR_F_DADDR, &lo, true);
}

static void nodeport_match(struct fam *f, struct nft_rule *r)
{
	st_not_loopback(r, f->af);
	if (f->p->node.n_nodeport_cidrs)
		st_lookup(r, &key_daddr, NFTC_SET_NODEPORT_CIDRS, false);
	st_fib_local(r, NFTR_F_FIB_DADDR_TYPE);
}

/* external-local and nodeport-local: the policy Local split. */
static void local_chain(struct fam *f, const char *name,
			const struct nft_key *k, const char *shortcut,
			const char *eps)
{
	struct nft_rule *r;

	if (f->have_cluster_cidrs) {
		r = rule(f->t, name, NULL); /* pods: as if from inside */
		st_lookup(r, &key_saddr, NFTC_SET_CLUSTER_CIDRS, false);
		st_vmap(r, k, shortcut);
	}
	r = rule(f->t, name, NULL); /* the node: masquerade, all endpoints */
	st_fib_local(r, NFTR_F_FIB_SADDR_TYPE);
	st_verdict(r, NFT_JUMP, NFTC_CHAIN_MARK_MASQ);
	r = rule(f->t, name, NULL);
	st_fib_local(r, NFTR_F_FIB_SADDR_TYPE);
	st_vmap(r, k, shortcut);
	r = rule(f->t, name, NULL); /* the rest: local endpoints only */
	st_vmap(r, k, eps);
}

/* ct state bits, NF_CT_STATE_BIT() and friends (see NFTR_CT_STATE_NEW). */
#define CT_STATE_INVALID 0x01u
#define CT_STATE_ESTABLISHED 0x02u
#define CT_STATE_RELATED 0x04u
#define CT_STATE_UNTRACKED 0x40u

/*
 * CVE-2020-8558: route_localnet (which hostPorts on 127.0.0.1 need) would
 * also let a neighbour reach the node's localhost-only services. As
 * kube-proxy's KUBE-FIREWALL: drop what is for 127.0.0.0/8, not from it,
 * and neither part of a connection nor DNATed there. "ct status" needs a
 * conntrack entry, so invalid and untracked packets get a rule of their
 * own (iptables' ! --ctstate RELATED,ESTABLISHED,DNAT covers them).
 */
static void localnet_check(struct nft_table *t)
{
	struct nfp_cidr lo;
	struct nft_rule *r;

	nfp_cidr_parse("127.0.0.0/8", &lo);
	r = rule(t, NFTC_CHAIN_LOCALNET_CHECK, NULL);
	st_prefix(r, NFTR_F_DADDR, &lo, false);
	st_prefix(r, NFTR_F_SADDR, &lo, true);
	st_cmp_u32(r, NFTR_F_CT_STATE, false, 0,
		   CT_STATE_ESTABLISHED | CT_STATE_RELATED);
	st_cmp_u32(r, NFTR_F_CT_STATUS, false, 0, NFTR_CT_STATUS_DNAT);
	st_verdict(r, NF_DROP, NULL);
	r = rule(t, NFTC_CHAIN_LOCALNET_CHECK, NULL);
	st_prefix(r, NFTR_F_DADDR, &lo, false);
	st_prefix(r, NFTR_F_SADDR, &lo, true);
	st_cmp_u32(r, NFTR_F_CT_STATE, true, 0,
		   CT_STATE_INVALID | CT_STATE_UNTRACKED);
	st_verdict(r, NF_DROP, NULL);
}

static void make_chains(struct fam *f)
{
	struct nft_table *t = f->t;
	struct nft_rule *r;
	struct nft_stmt *st;

	for (size_t i = 0; i < sizeof(base_chains) / sizeof(*base_chains);
	     i++) {
		const struct base_chain *b = &base_chains[i];

		nft_chain_set_base(nft_table_add_chain(t, b->name, NULL),
				   b->type, b->hook, b->prio, NF_ACCEPT);
	}
	for (size_t i = 0; i < sizeof(fixed_chains) / sizeof(*fixed_chains);
	     i++)
		nft_table_add_chain(t, fixed_chains[i], NULL);

	jump_rule(t, NFTC_CHAIN_FILTER_PREROUTING, true,
		  NFTC_CHAIN_FIREWALL_CHECK);
	if (f->af == AF_INET)
		jump_rule(t, NFTC_CHAIN_FILTER_INPUT, false,
			  NFTC_CHAIN_LOCALNET_CHECK);
	jump_rule(t, NFTC_CHAIN_FILTER_INPUT, true,
		  NFTC_CHAIN_NODEPORT_EP_CHECK);
	jump_rule(t, NFTC_CHAIN_FILTER_INPUT, true,
		  NFTC_CHAIN_SERVICE_EP_CHECK);
	jump_rule(t, NFTC_CHAIN_FILTER_FORWARD, true,
		  NFTC_CHAIN_SERVICE_EP_CHECK);
	jump_rule(t, NFTC_CHAIN_FILTER_OUTPUT, true, NFTC_CHAIN_FIREWALL_CHECK);
	if (f->af == AF_INET)
		jump_rule(t, NFTC_CHAIN_FILTER_OUTPUT_POST_DNAT, false,
			  NFTC_CHAIN_LOCALNET_CHECK);
	jump_rule(t, NFTC_CHAIN_FILTER_OUTPUT_POST_DNAT, true,
		  NFTC_CHAIN_SERVICE_EP_CHECK);
	jump_rule(t, NFTC_CHAIN_NAT_PREROUTING, false, NFTC_CHAIN_SERVICES);
	jump_rule(t, NFTC_CHAIN_NAT_PREROUTING, false, NFTC_CHAIN_HOSTPORTS);
	jump_rule(t, NFTC_CHAIN_NAT_OUTPUT, false, NFTC_CHAIN_SERVICES);
	jump_rule(t, NFTC_CHAIN_NAT_OUTPUT, false, NFTC_CHAIN_HOSTPORTS);
	jump_rule(t, NFTC_CHAIN_NAT_POSTROUTING, false,
		  NFTC_CHAIN_MASQUERADING);

	r = rule(t, NFTC_CHAIN_FIREWALL_CHECK, NULL);
	st_lookup(r, &key_frontend, NFTC_SET_FIREWALL_IPS, false);
	st_lookup(r, &key_firewall_allow, NFTC_SET_FIREWALL_ALLOW, true);
	st_verdict(r, NF_DROP, NULL);

	if (f->af == AF_INET)
		localnet_check(t);

	r = rule(t, NFTC_CHAIN_SERVICE_EP_CHECK, NULL);
	st_vmap(r, &key_frontend, NFTC_SET_NO_EP_SERVICES);
	r = rule(t, NFTC_CHAIN_NODEPORT_EP_CHECK, NULL);
	nodeport_match(f, r);
	st_vmap(r, &key_nodeport, NFTC_SET_NO_EP_NODEPORTS);

	r = rule(t, NFTC_CHAIN_REJECT, NULL);
	st = nft_rule_add_stmt(r, NFTR_STMT_REJECT);
	st->icmp_code = f->af == AF_INET6 ? NFTR_ICMPV6_PORT_UNREACH
					  : NFTR_ICMP_PORT_UNREACH;

	r = rule(t, NFTC_CHAIN_SERVICES, NULL);
	st_vmap(r, &key_frontend, NFTC_SET_SERVICE_IPS);
	r = rule(t, NFTC_CHAIN_SERVICES, NULL);
	nodeport_match(f, r);
	st_vmap(r, &key_nodeport, NFTC_SET_SERVICE_NODEPORTS);

	local_chain(f, NFTC_CHAIN_EXTERNAL_LOCAL, &key_frontend,
		    NFTC_SET_EXTERNAL_LOCAL_SHORT, NFTC_SET_EXTERNAL_LOCAL_EPS);
	local_chain(f, NFTC_CHAIN_NODEPORT_LOCAL, &key_nodeport,
		    NFTC_SET_NODEPORT_LOCAL_SHORT, NFTC_SET_NODEPORT_LOCAL_EPS);

	/* Like portmap: this node's pods reaching a hostPort are
	 * masqueraded, so the reply returns through the node even when
	 * client and pod share the bridge. */
	if (f->have_pod_cidrs) {
		r = rule(t, NFTC_CHAIN_HOSTPORTS, NULL);
		st_lookup(r, &key_saddr, NFTC_SET_HOSTPORT_SOURCES, false);
		st_lookup(r, &key_frontend, NFTC_SET_HOSTPORT_IPS, false);
		st_verdict(r, NFT_JUMP, NFTC_CHAIN_MARK_MASQ);
	}
	r = rule(t, NFTC_CHAIN_HOSTPORTS, NULL);
	st_dnat_map(r, &key_frontend, NFTC_SET_HOSTPORT_IPS);
	if (f->have_pod_cidrs) {
		r = rule(t, NFTC_CHAIN_HOSTPORTS, NULL);
		st_lookup(r, &key_saddr, NFTC_SET_HOSTPORT_SOURCES, false);
		st_fib_local(r, NFTR_F_FIB_DADDR_TYPE);
		st_lookup(r, &key_nodeport, NFTC_SET_HOSTPORT_ANY, false);
		st_verdict(r, NFT_JUMP, NFTC_CHAIN_MARK_MASQ);
	}
	r = rule(t, NFTC_CHAIN_HOSTPORTS, NULL);
	st_fib_local(r, NFTR_F_FIB_DADDR_TYPE);
	st_dnat_map(r, &key_nodeport, NFTC_SET_HOSTPORT_ANY);

	r = rule(t, NFTC_CHAIN_MARK_MASQ, NULL);
	st_mark(r, ~NFTC_MARK_MASQ, NFTC_MARK_MASQ);

	r = rule(t, NFTC_CHAIN_MASQUERADING, NULL);
	st_cmp_u32(r, NFTR_F_MARK, false, NFTC_MARK_MASQ, NFTC_MARK_MASQ);
	st_verdict(r, NFT_GOTO, NFTC_CHAIN_MASQ_MARKED);
	r = rule(t, NFTC_CHAIN_MASQUERADING, NULL); /* hairpin */
	st_ct_status_dnat(r);
	st_lookup(r, &key_hairpin, NFTC_SET_HAIRPIN, false);
	st_masq(r);
	if (f->af == AF_INET) { /* DNAT from 127.0.0.1 (route_localnet) */
		struct nfp_cidr lo;

		nfp_cidr_parse("127.0.0.0/8", &lo);
		r = rule(t, NFTC_CHAIN_MASQUERADING, NULL);
		st_ct_status_dnat(r);
		st_prefix(r, NFTR_F_SADDR, &lo, false);
		st_masq(r);
	}
	r = rule(t, NFTC_CHAIN_MASQUERADING, NULL); /* egress */
	st_lookup(r, &key_saddr, NFTC_SET_MASQ_SOURCES, false);
	st_lookup(r, &key_daddr, NFTC_SET_MASQ_EXEMPT, true);
	st_masq(r);

	r = rule(t, NFTC_CHAIN_MASQ_MARKED, NULL);
	st_mark(r, 0xffffffffu, NFTC_MARK_MASQ);
	r = rule(t, NFTC_CHAIN_MASQ_MARKED, NULL);
	st_masq(r);
}

static void compile_family(const struct plan *p, int af, struct nft_ruleset *rs,
			   struct diag_list *d)
{
	struct fam f = {
		.p = p,
		.d = d,
		.af = af,
		.fname = af == AF_INET6 ? "IPv6" : "IPv4",
		.pool = rs->pool,
	};
	size_t n_svc = 0;

	f.t = nft_ruleset_add_table(rs, nfproto(af), NFTC_TABLE);
	for (size_t i = 0; i < p->node.n_cluster_cidrs; i++)
		f.have_cluster_cidrs |=
			p->node.cluster_cidrs[i].addr.family == af;
	for (size_t i = 0; i < p->node.n_pod_cidrs; i++)
		f.have_pod_cidrs |= p->node.pod_cidrs[i].addr.family == af;
	f.reject_chain = nft_pool_intern(f.pool, NFTC_CHAIN_REJECT);
	f.external_local = nft_pool_intern(f.pool, NFTC_CHAIN_EXTERNAL_LOCAL);
	f.nodeport_local = nft_pool_intern(f.pool, NFTC_CHAIN_NODEPORT_LOCAL);
	make_sets(&f);
	make_chains(&f);
	for (size_t i = 0; i < p->n_services; i++) {
		if (p->services[i].family != af)
			continue;
		compile_service(&f, &p->services[i], (uint32_t)i);
		n_svc++;
	}
	compile_hostports(&f);
	compile_cidrs(&f);
	/* The same endpoint serves many lists: duplicates are expected. */
	nft_set_sort(f.hairpin);
	if (n_svc && !f.have_cluster_cidrs && !p->node.masquerade_all)
		diag_addf(
			d, DIAG_INFO,
			"nftables: no %s cluster CIDR: traffic from outside the cluster to cluster IPs is not masqueraded and pods are not told from other sources",
			f.fname);
	for (int k = 0; k < __LB_MAX; k++)
		free(f.lb[k].ids);
	free(f.claims.slots);
}

int nft_compile(const struct plan *p, struct nft_ruleset *out,
		struct diag_list *d)
{
	size_t dup;

	if (!out)
		return -EINVAL;
	nft_ruleset_init(out);
	if (!p)
		return -EINVAL;
	compile_family(p, AF_INET, out, d);
	compile_family(p, AF_INET6, out, d);
	dup = nft_ruleset_sort(out);
	if (dup)
		diag_addf(
			d, DIAG_WARN,
			"nftables: %zu duplicate set elements dropped (two hostPorts or endpoints with one key)",
			dup);
	return 0;
}
