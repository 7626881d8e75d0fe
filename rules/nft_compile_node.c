// SPDX-License-Identifier: GPL-2.0
/*
 * plan -> nftables ruleset: the node's own traffic. The localhost guard
 * that route_localnet needs, the hostports chain and its maps (CNI
 * portmap's layout), and the CIDR sets of the cluster and of egress
 * masquerade (ip-masq-agent's).
 */
#include "rules/nft_compile_int.h"

#include "util/proto.h"

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
void nft_compile_localnet_check(struct nft_table *t)
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

void nft_compile_hostports_chain(struct fam *f)
{
	struct nft_table *t = f->t;
	struct nft_rule *r;

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
}

static void add_cidr(struct nft_set *s, const struct nfp_cidr *c)
{
	struct nft_elem *e = nft_set_add_elem(s);
	struct nfp_addr last;

	nft_put_addr(nft_elem_key(s, e), &c->addr);
	nfp_cidr_last(c, &last);
	nft_put_addr(nft_elem_key_end(s, e), &last);
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

void nft_compile_hostports(struct fam *f)
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
void nft_compile_cidrs(struct fam *f)
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
