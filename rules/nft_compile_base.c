// SPDX-License-Identifier: GPL-2.0
/*
 * plan -> nftables ruleset: the fixed layout, the same for every plan of
 * a family (docs/rules-nftables.md): the base chains and their jumps,
 * the fixed regular chains and their rules, the sets and maps the
 * services and the node's traffic fill.
 */
#include "rules/nft_compile_int.h"

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
		nft_compile_localnet_check(t);

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

	nft_compile_hostports_chain(f);

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

void nft_compile_base(struct fam *f)
{
	make_sets(f);
	make_chains(f);
}
