// SPDX-License-Identifier: GPL-2.0
/*
 * plan -> nftables ruleset: the services (frontends, the shared
 * load-balancing chains and their endpoint maps, ClientIP affinity) and
 * nft_compile() itself. The fixed layout is made in nft_compile_base.c,
 * the node's own traffic in nft_compile_node.c.
 */
#include "rules/nft_compile_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/proto.h"
#include "util/xalloc.h"

/* Which masquerade mark a chain sets before it DNATs. */
enum masq_rule {
	MASQ_NONE,
	MASQ_INTERNAL, /* off-cluster sources (or all with --masquerade-all) */
	MASQ_ALWAYS,
};

/* What each shared chain kind (enum lb_kind) masquerades and looks up. */
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

/* The endpoint lists of a service: internal (cluster IP), external, and
 * the short-circuit of a policy Local external frontend (the Cluster
 * policy's endpoints), kept apart only when it differs from the internal
 * list. */
enum ep_list { LIST_INT, LIST_EXT, LIST_SHORT, __LIST_MAX };

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
	enum ep_list short_list; /* LIST_INT if the same as internal */
	size_t n_eps[__LIST_MAX];
	uint32_t aff_chain[__LIST_MAX]; /* pool ids, 0: not made yet */
	struct plan_endpoint *aff_made; /* endpoints with aff-ep objects */
	size_t n_aff_made, cap_aff_made;
};

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
	const char *prefix = l == LIST_INT   ? NFTC_AFF_INT
			     : l == LIST_EXT ? NFTC_AFF_EXT
					     : NFTC_AFF_SHORT;

	snprintf(buf, len, "%s%s", prefix, c->sid);
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
	bool fwd_short = s->short_action == PLAN_FORWARD;
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

		/* Pods and the node short-circuit to the Cluster policy's
		 * endpoints, whatever internalTrafficPolicy says; on an
		 * external frontend they alone use indexes 0..N-1. */
		if (fwd_short || fwd_ext)
			add_verdict(dispatch, key, NFT_GOTO,
				    np ? f->nodeport_local : f->external_local,
				    c->comment);
		if (fwd_short) {
			add_verdict(sc, key, NFT_GOTO,
				    target(f, c, c->short_list,
					   np ? LB_NP_SVC : LB_SVC),
				    c->comment);
			add_backends(f, c, np, key, len, c->short_list, 0);
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

/* The short-circuit list is the internal one (same action, same
 * endpoints): it shares its chains and backends. */
static bool short_is_internal(const struct plan_service *s)
{
	if (s->short_action != s->internal_action ||
	    s->n_short_eps != s->n_internal_eps)
		return false;
	for (size_t i = 0; i < s->n_short_eps; i++)
		if (plan_endpoint_cmp(&s->short_eps[i], &s->internal_eps[i]))
			return false;
	return true;
}

static void compile_service(struct fam *f, const struct plan_service *s,
			    uint32_t idx)
{
	struct svc c = {.s = s, .idx = idx};
	enum plan_action ia = s->internal_action, ea = s->external_action;
	enum plan_action sa = s->short_action;
	struct plan_service copy = *s;

	snprintf(c.cmt, sizeof(c.cmt), "%s", s->id);
	c.comment = comment_id(f, c.cmt);
	c.ipproto = (uint8_t)nfp_proto_ipproto(s->proto);
	endpoint_list(f, &c, LIST_INT, s->internal_eps, s->n_internal_eps);
	endpoint_list(f, &c, LIST_EXT, s->external_eps, s->n_external_eps);
	c.short_list = LIST_INT;
	if (s->external_local && !short_is_internal(s)) {
		c.short_list = LIST_SHORT;
		endpoint_list(f, &c, LIST_SHORT, s->short_eps, s->n_short_eps);
	}
	/* A forwarding list that lost every endpoint rejects instead. */
	if (ia == PLAN_FORWARD && !c.n_eps[LIST_INT])
		copy.internal_action = PLAN_REJECT;
	if (ea == PLAN_FORWARD && !c.n_eps[LIST_EXT])
		copy.external_action = PLAN_REJECT;
	if (c.short_list == LIST_INT)
		copy.short_action = copy.internal_action;
	else if (sa == PLAN_FORWARD && !c.n_eps[LIST_SHORT])
		copy.short_action = PLAN_REJECT;
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
		enum plan_action a = l == LIST_INT   ? copy.internal_action
				     : l == LIST_EXT ? copy.external_action
						     : copy.short_action;

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
	nft_compile_base(&f);
	for (size_t i = 0; i < p->n_services; i++) {
		if (p->services[i].family != af)
			continue;
		compile_service(&f, &p->services[i], (uint32_t)i);
		n_svc++;
	}
	nft_compile_hostports(&f);
	nft_compile_cidrs(&f);
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
