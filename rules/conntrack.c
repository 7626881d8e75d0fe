// SPDX-License-Identifier: GPL-2.0
#include "rules/conntrack.h"
#include "util/xalloc.h"

#include <errno.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <stdlib.h>
#include <string.h>

static int fe_cmp(const void *a, const void *b)
{
	const struct ct_frontend *x = a, *y = b;
	int r;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->ipproto != y->ipproto)
		return x->ipproto < y->ipproto ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if (x->addr.family != y->addr.family)
		return x->addr.family < y->addr.family ? -1 : 1;
	r = nfp_addr_cmp(&x->addr, &y->addr);
	return r;
}

static void add_fe(struct ct_index *idx, const struct plan_service *s,
		   const struct nfp_addr *addr, uint16_t port)
{
	struct ct_frontend *fe = XPUSH(idx->items, idx->n, idx->cap);

	fe->family = s->family;
	fe->ipproto = (uint8_t)nfp_proto_ipproto(s->proto);
	if (addr)
		fe->addr = *addr;
	fe->port = port;
	fe->eps[0] = s->internal_eps;
	fe->n_eps[0] = s->n_internal_eps;
	fe->eps[1] = s->external_eps;
	fe->n_eps[1] = s->n_external_eps;
	fe->eps[2] = s->short_eps;
	fe->n_eps[2] = s->n_short_eps;
	fe->eps[3] = s->serving_eps;
	fe->n_eps[3] = s->n_serving_eps;
}

void ct_index_build(const struct plan *p, struct ct_index *idx)
{
	memset(idx, 0, sizeof(*idx));
	for (size_t i = 0; i < p->n_services; i++) {
		const struct plan_service *s = &p->services[i];

		add_fe(idx, s, &s->cluster_ip, s->port);
		for (size_t k = 0; k < s->n_external_ips; k++)
			add_fe(idx, s, &s->external_ips[k], s->port);
		for (size_t k = 0; k < s->n_lb_ips; k++)
			add_fe(idx, s, &s->lb_ips[k], s->port);
		if (s->node_port)
			add_fe(idx, s, NULL, s->node_port);
	}
	for (size_t i = 0; i < p->n_hostports; i++) {
		const struct plan_hostport *h = &p->hostports[i];
		struct ct_frontend *fe;

		fe = XPUSH(idx->items, idx->n, idx->cap);
		fe->family = h->family;
		fe->ipproto = (uint8_t)nfp_proto_ipproto(h->proto);
		fe->addr = h->host_ip;
		fe->port = h->host_port;
		fe->hostport = h;
	}
	if (idx->items)
		qsort(idx->items, idx->n, sizeof(*idx->items), fe_cmp);
}

void ct_index_free(struct ct_index *idx)
{
	free(idx->items);
	memset(idx, 0, sizeof(*idx));
}

/* The frontend a flow entered by: its exact address, else any address
 * (node ports, hostPorts without hostIP). */
static const struct ct_frontend *find_fe(const struct ct_index *idx,
					 const struct ct_flow *f)
{
	struct ct_frontend key = {
		.family = f->family,
		.ipproto = f->ipproto,
		.addr = f->orig_dst,
		.port = f->orig_dport,
	};
	const struct ct_frontend *fe;

	if (!idx || !idx->n)
		return NULL;
	fe = bsearch(&key, idx->items, idx->n, sizeof(key), fe_cmp);
	if (fe)
		return fe;
	memset(&key.addr, 0, sizeof(key.addr));
	return bsearch(&key, idx->items, idx->n, sizeof(key), fe_cmp);
}

static bool fe_allows(const struct ct_frontend *fe, const struct ct_flow *f)
{
	if (fe->hostport)
		return nfp_addr_eq(&fe->hostport->pod_ip, &f->reply_src) &&
		       fe->hostport->container_port == f->reply_sport;
	for (int l = 0; l < 4; l++)
		for (size_t i = 0; i < fe->n_eps[l]; i++)
			if (fe->eps[l][i].port == f->reply_sport &&
			    nfp_addr_eq(&fe->eps[l][i].addr, &f->reply_src))
				return true;
	return false;
}

bool ct_flow_is_stale(const struct ct_index *cur, const struct ct_index *prev,
		      const struct ct_flow *flow)
{
	const struct ct_frontend *fe = find_fe(cur, flow);

	/* TCP: only a connection attempt that was never DNATed and never
	 * answered (a SYN sent before the rules existed, e.g. while the node
	 * booted): its retransmitted SYNs match the entry and skip NAT. A
	 * connection to a removed endpoint ends by itself (RST/timeout). */
	if (flow->ipproto == IPPROTO_TCP)
		return !flow->dst_nat && !flow->seen_reply && fe &&
		       fe->addr.family && !fe->hostport &&
		       (fe->n_eps[0] || fe->n_eps[1] || fe->n_eps[2]);
	/* Sent before the frontend had endpoints: never DNATed, and it never
	 * will be while the entry lives. */
	if (!flow->dst_nat)
		return fe && fe->addr.family &&
		       (fe->hostport || fe->n_eps[0] || fe->n_eps[1] ||
			fe->n_eps[2]);
	if (fe)
		return !fe_allows(fe, flow);
	/* a frontend that went away with this sync */
	return find_fe(prev, flow) != NULL;
}

struct walk {
	const struct ct_index *cur, *prev;
	struct nf_conntrack **doomed;
	size_t n, cap;
	struct ct_stats *st;
};

static void get_addr(const struct nf_conntrack *ct, int family, int attr4,
		     int attr6, struct nfp_addr *out)
{
	memset(out, 0, sizeof(*out));
	out->family = family;
	if (family == AF_INET)
		memcpy(out->b, nfct_get_attr(ct, attr4), 4);
	else
		memcpy(out->b, nfct_get_attr(ct, attr6), 16);
}

static int walk_cb(enum nf_conntrack_msg_type type, struct nf_conntrack *ct,
		   void *data)
{
	struct walk *w = data;
	struct ct_flow f = {0};
	uint8_t l3 = nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO);

	(void)type;
	f.ipproto = nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO);
	if (f.ipproto != IPPROTO_UDP && f.ipproto != IPPROTO_SCTP &&
	    f.ipproto != IPPROTO_TCP)
		return NFCT_CB_CONTINUE;
	if (l3 != AF_INET && l3 != AF_INET6)
		return NFCT_CB_CONTINUE;
	w->st->seen++;
	f.family = l3;
	get_addr(ct, l3, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST, &f.orig_dst);
	get_addr(ct, l3, ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV6_SRC, &f.reply_src);
	f.orig_dport = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST));
	f.reply_sport = ntohs(nfct_get_attr_u16(ct, ATTR_REPL_PORT_SRC));
	f.dst_nat = nfct_get_attr_u32(ct, ATTR_STATUS) & IPS_DST_NAT;
	f.seen_reply = nfct_get_attr_u32(ct, ATTR_STATUS) & IPS_SEEN_REPLY;
	if (ct_flow_is_stale(w->cur, w->prev, &f))
		*XPUSH(w->doomed, w->n, w->cap) = nfct_clone(ct);
	return NFCT_CB_CONTINUE;
}

static bool eps_equal(const struct plan_endpoint *a, size_t na,
		      const struct plan_endpoint *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (a[i].port != b[i].port ||
		    !nfp_addr_eq(&a[i].addr, &b[i].addr))
			return false;
	return true;
}

bool ct_index_equal(const struct ct_index *a, const struct ct_index *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct ct_frontend *x = &a->items[i], *y = &b->items[i];

		if (fe_cmp(x, y) != 0 || !x->hostport != !y->hostport)
			return false;
		if (x->hostport &&
		    (x->hostport->container_port !=
			     y->hostport->container_port ||
		     !nfp_addr_eq(&x->hostport->pod_ip, &y->hostport->pod_ip)))
			return false;
		for (int l = 0; l < 4; l++)
			if (!eps_equal(x->eps[l], x->n_eps[l], y->eps[l],
				       y->n_eps[l]))
				return false;
	}
	return true;
}

int ct_cleanup(const struct ct_index *cur, const struct ct_index *prev,
	       struct ct_stats *st)
{
	struct walk w = {.st = st};
	struct nfct_handle *h;
	int ret = 0;

	memset(st, 0, sizeof(*st));
	/* Nothing a flow could point at changed: no walk. */
	if (prev && ct_index_equal(cur, prev))
		return 0;
	h = nfct_open(CONNTRACK, 0);
	if (!h)
		return -errno;
	w.cur = cur;
	w.prev = prev;
	nfct_callback_register(h, NFCT_T_ALL, walk_cb, &w);
	for (int i = 0; i < 2 && !ret; i++) {
		uint32_t family = i ? AF_INET6 : AF_INET;

		if (nfct_query(h, NFCT_Q_DUMP, &family) < 0)
			ret = -errno;
	}
	nfct_callback_unregister(h);
	for (size_t i = 0; i < w.n; i++) {
		if (nfct_query(h, NFCT_Q_DESTROY, w.doomed[i]) == 0)
			st->deleted++;
		else
			st->failed++;
		nfct_destroy(w.doomed[i]);
	}
	free(w.doomed);
	nfct_close(h);
	return ret;
}
