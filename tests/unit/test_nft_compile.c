// SPDX-License-Identifier: GPL-2.0
/* rules/nft_compile.c and rules/nft_ruleset.c: one test per kube-proxy
 * semantic, asserting on the IR (objects, elements, statements), plus the
 * scaling promise and a kernel check of a large ruleset in a namespace. */
#include "testutil.h"
#include "nft_fixture.h"

#define V4 NFPROTO_IPV4
#define V6 NFPROTO_IPV6

static const struct nft_table *table_of(const struct nft_ruleset *rs, int fam)
{
	const struct nft_table *t = nft_ruleset_find_table(rs, fam, NFTC_TABLE);

	ck_assert_msg(t != NULL, "no table for family %d", fam);
	return t;
}

static const struct nft_set *set_of(const struct nft_ruleset *rs, int fam,
				    const char *name)
{
	const struct nft_set *s = nft_table_find_set(table_of(rs, fam), name);

	ck_assert_msg(s != NULL, "no set %s", name);
	return s;
}

static const struct nft_chain *chain_of(const struct nft_ruleset *rs, int fam,
					const char *name)
{
	const struct nft_chain *c =
		nft_table_find_chain(table_of(rs, fam), name);

	ck_assert_msg(c != NULL, "no chain %s", name);
	return c;
}

static bool has_chain(const struct nft_ruleset *rs, int fam, const char *name)
{
	return nft_table_find_chain(table_of(rs, fam), name) != NULL;
}

/* Elements of a set, one per line, as nft_print writes them (owned). */
static char *elems(const struct nft_ruleset *rs, int fam, const char *name)
{
	const struct nft_set *s = set_of(rs, fam, name);
	struct strbuf sb = {0};

	for (size_t i = 0; i < s->n_elems; i++) {
		nft_print_elem(&sb, s, nft_set_elem(s, i));
		strbuf_adds(&sb, "\n");
	}
	return strbuf_detach(&sb);
}

/* Rules of a chain, one per line (owned). */
static char *rules(const struct nft_ruleset *rs, int fam, const char *name)
{
	const struct nft_chain *c = chain_of(rs, fam, name);
	struct strbuf sb = {0};

	for (size_t i = 0; i < c->n_rules; i++) {
		nft_print_rule(&sb, &c->rules[i], fam);
		strbuf_adds(&sb, "\n");
	}
	return strbuf_detach(&sb);
}

#define ASSERT_ELEMS(rs, fam, set, want)          \
	do {                                      \
		char *got_ = elems(rs, fam, set); \
		ck_assert_str_eq(got_, want);     \
		free(got_);                       \
	} while (0)

#define ASSERT_RULES(rs, fam, chain, want)          \
	do {                                        \
		char *got_ = rules(rs, fam, chain); \
		ck_assert_str_eq(got_, want);       \
		free(got_);                         \
	} while (0)

/* A plan with the representative node and one service. */
static struct plan_service *one(struct plan *p, const char *id_name,
				const char *cip)
{
	memset(p, 0, sizeof(*p));
	nfx_node(p);
	return fx_service(p, "ns", id_name, "http", NFP_PROTO_TCP, cip, 80);
}

START_TEST(test_cluster_ip)
{
	struct plan p;
	struct nft_ruleset rs;
	struct plan_service *s = one(&p, "a", "10.96.0.10");
	const struct nft_set *be;
	const struct nft_chain *c;
	const struct nft_stmt *st;
	const uint8_t want_key[16] = {10, 96, 0, 10, 6, 0, 0, 0,
				      0,  80, 0, 0,  1, 0, 0, 0};
	uint8_t probe[16];

	fx_endpoints(s, "10.244.1.5:8080/local", "10.244.2.6:8080", NULL);
	nfx_compile(&p, &rs, false);

	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_SERVICE_IPS,
		"10.96.0.10 . tcp . 80 comment \"ns/a:http\" : goto svc-2\n");
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_SERVICE_BACKENDS,
		"10.96.0.10 . tcp . 80 . 0 comment \"ns/a:http\" : 10.244.1.5 . 8080\n"
		"10.96.0.10 . tcp . 80 . 1 comment \"ns/a:http\" : 10.244.2.6 . 8080\n");
	ASSERT_RULES(
		&rs, V4, "svc-2",
		"ip saddr != @cluster-cidrs jump mark-for-masquerade\n"
		"dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 2 map @service-backends\n");
	ASSERT_ELEMS(&rs, V4, NFTC_SET_NO_EP_SERVICES, "");

	/* Kernel layout: 32-bit slots, numgen index in host order. */
	be = set_of(&rs, V4, NFTC_SET_SERVICE_BACKENDS);
	ck_assert_uint_eq(be->key_len, 16);
	ck_assert_uint_eq(be->data_len, 8);
	ck_assert_uint_eq(
		nft_key_type(&be->key, V4),
		((NFTR_TYPE_IPADDR << 6 | NFTR_TYPE_INET_PROTOCOL) << 6 |
		 NFTR_TYPE_INET_SERVICE)
				<< 6 |
			NFTR_TYPE_INTEGER);
	memcpy(probe, want_key, 16);
	nft_put_u32(probe + 12, 1);
	ck_assert_int_eq(nft_set_find(be, probe), 1);
	ck_assert_mem_eq(nft_elem_key(be, nft_set_elem(be, 1)), probe, 16);
	nft_put_u32(probe + 12, 2);
	ck_assert_int_eq(nft_set_find(be, probe), -1);

	/* The DNAT statement: one lookup, numgen mod N last. */
	c = chain_of(&rs, V4, "svc-2");
	st = &c->rules[1].stmts[0];
	ck_assert_int_eq(st->type, NFTR_STMT_DNAT);
	ck_assert_str_eq(st->set, NFTC_SET_SERVICE_BACKENDS);
	ck_assert_int_eq(st->key.n, 4);
	ck_assert_int_eq(st->key.f[3].kind, NFTR_F_NUMGEN);
	ck_assert_uint_eq(st->key.f[3].mod, 2);
	ck_assert_uint_eq(st->nat_flags,
			  NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED);

	/* The IPv6 table exists with the same fixed layout, empty. */
	ck_assert_uint_eq(table_of(&rs, V6)->n_chains,
			  table_of(&rs, V4)->n_chains - 1);
	ASSERT_ELEMS(&rs, V6, NFTC_SET_SERVICE_IPS, "");
	nft_ruleset_free(&rs);
	plan_free(&p);
}
END_TEST

/* Chains and sets do not grow with services or endpoints. */
START_TEST(test_scaling)
{
	struct plan small, big;
	struct nft_ruleset a, b;

	nfx_generated(&small, 10, 3);
	nfx_generated(&big, 1000, 3);
	nfx_compile(&small, &a, false);
	nfx_compile(&big, &b, false);
	for (int fam = V4; fam <= V6; fam += V6 - V4) {
		ck_assert_uint_eq(table_of(&a, fam)->n_chains,
				  table_of(&b, fam)->n_chains);
		ck_assert_uint_eq(table_of(&a, fam)->n_sets,
				  table_of(&b, fam)->n_sets);
	}
	/* svc-3, ext-3, np-ext-3 on top of the fixed chains. */
	ck_assert(has_chain(&b, V4, "svc-3") && has_chain(&b, V4, "ext-3") &&
		  has_chain(&b, V4, "np-ext-3"));
	ck_assert_uint_eq(table_of(&b, V4)->n_chains,
			  table_of(&b, V6)->n_chains + 3);
	/* 1000 cluster IPs + 50 LB IPs, 3 endpoints each; 100 node ports. */
	ck_assert_uint_eq(set_of(&b, V4, NFTC_SET_SERVICE_IPS)->n_elems, 1050);
	ck_assert_uint_eq(set_of(&b, V4, NFTC_SET_SERVICE_BACKENDS)->n_elems,
			  1050 * 3);
	ck_assert_uint_eq(set_of(&b, V4, NFTC_SET_NODEPORT_BACKENDS)->n_elems,
			  100 * 3);
	ck_assert_uint_eq(set_of(&b, V4, NFTC_SET_HAIRPIN)->n_elems, 1000);
	nft_ruleset_free(&a);
	nft_ruleset_free(&b);
	plan_free(&small);
	plan_free(&big);

	/* Endpoint counts 1..5: five svc-N chains, whatever the number of
	 * services. */
	nfx_generated(&big, 1000, 5);
	for (size_t i = 0; i < big.n_services; i++) {
		big.services[i].n_internal_eps = 1 + i % 5;
		big.services[i].n_external_eps = 1 + i % 5;
	}
	nfx_compile(&big, &b, false);
	for (size_t n = 1; n <= 5; n++) {
		char name[16];

		snprintf(name, sizeof(name), "svc-%zu", n);
		ck_assert_msg(has_chain(&b, V4, name), "no %s", name);
	}
	ck_assert(!has_chain(&b, V4, "svc-6"));
	nft_ruleset_free(&b);
	plan_free(&big);
}
END_TEST

START_TEST(test_nodeport)
{
	struct plan p;
	struct nft_ruleset rs;
	struct plan_service *s = one(&p, "np", "10.96.0.20");

	s->node_port = 30080;
	fx_endpoints(s, "10.244.1.5:8080", "10.244.2.6:8080", NULL);
	nfx_compile(&p, &rs, false);
	ASSERT_ELEMS(&rs, V4, NFTC_SET_SERVICE_NODEPORTS,
		     "tcp . 30080 comment \"ns/np:http\" : goto np-ext-2\n");
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_NODEPORT_BACKENDS,
		"tcp . 30080 . 0 comment \"ns/np:http\" : 10.244.1.5 . 8080\n"
		"tcp . 30080 . 1 comment \"ns/np:http\" : 10.244.2.6 . 8080\n");
	ASSERT_RULES(
		&rs, V4, "np-ext-2",
		"jump mark-for-masquerade\n"
		"dnat ip to meta l4proto . th dport . numgen random mod 2 map @nodeport-backends\n");
	/* Every local address but loopback. */
	ASSERT_RULES(
		&rs, V4, NFTC_CHAIN_SERVICES,
		"ip daddr . meta l4proto . th dport vmap @service-ips\n"
		"ip daddr != 127.0.0.0/8 fib daddr type local meta l4proto . th dport vmap @service-nodeports\n");
	nft_ruleset_free(&rs);

	/* --nodeport-addresses: only local addresses inside them; none of a
	 * family: no node ports in that family. */
	fx_push_cidr(&p.node.nodeport_cidrs, &p.node.n_nodeport_cidrs,
		     "10.0.0.0/24");
	fx_push_cidr(&p.node.nodeport_cidrs, &p.node.n_nodeport_cidrs,
		     "10.0.0.0/16");
	nfx_compile(&p, &rs, false);
	ASSERT_RULES(
		&rs, V4, NFTC_CHAIN_SERVICES,
		"ip daddr . meta l4proto . th dport vmap @service-ips\n"
		"ip daddr != 127.0.0.0/8 ip daddr @nodeport-cidrs fib daddr type local meta l4proto . th dport vmap @service-nodeports\n");
	ASSERT_RULES(
		&rs, V4, NFTC_CHAIN_NODEPORT_EP_CHECK,
		"ip daddr != 127.0.0.0/8 ip daddr @nodeport-cidrs fib daddr type local meta l4proto . th dport vmap @no-endpoint-nodeports\n");
	ASSERT_ELEMS(&rs, V4, NFTC_SET_NODEPORT_CIDRS, "10.0.0.0/16\n");
	ASSERT_ELEMS(&rs, V6, NFTC_SET_NODEPORT_CIDRS, "");
	nft_ruleset_free(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_external_ips_and_lb)
{
	struct plan p;
	struct nft_ruleset rs;
	struct plan_service *s = one(&p, "ext", "10.96.0.30");

	fx_push_addr(&s->external_ips, &s->n_external_ips, "203.0.113.10");
	fx_push_addr(&s->lb_ips, &s->n_lb_ips, "198.51.100.7");
	fx_endpoints(s, "10.244.1.5:8080", NULL);
	nfx_compile(&p, &rs, false);
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_SERVICE_IPS,
		"10.96.0.30 . tcp . 80 comment \"ns/ext:http\" : goto svc-1\n"
		"198.51.100.7 . tcp . 80 comment \"ns/ext:http\" : goto ext-1\n"
		"203.0.113.10 . tcp . 80 comment \"ns/ext:http\" : goto ext-1\n");
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_SERVICE_BACKENDS,
		"10.96.0.30 . tcp . 80 . 0 comment \"ns/ext:http\" : 10.244.1.5 . 8080\n"
		"198.51.100.7 . tcp . 80 . 0 comment \"ns/ext:http\" : 10.244.1.5 . 8080\n"
		"203.0.113.10 . tcp . 80 . 0 comment \"ns/ext:http\" : 10.244.1.5 . 8080\n");
	/* External traffic with policy Cluster is always masqueraded. */
	ASSERT_RULES(
		&rs, V4, "ext-1",
		"jump mark-for-masquerade\n"
		"dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 1 map @service-backends\n");
	/* No source ranges: no firewall. */
	ASSERT_ELEMS(&rs, V4, NFTC_SET_FIREWALL_IPS, "");
	nft_ruleset_free(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_source_ranges)
{
	struct plan p;
	struct nft_ruleset rs;
	struct plan_service *s = one(&p, "fw", "10.96.0.40");

	fx_push_addr(&s->lb_ips, &s->n_lb_ips, "198.51.100.7");
	fx_push_addr(&s->external_ips, &s->n_external_ips, "203.0.113.10");
	fx_push_cidr(&s->lb_source_ranges, &s->n_lb_source_ranges,
		     "192.0.2.0/24");
	fx_push_cidr(&s->lb_source_ranges, &s->n_lb_source_ranges,
		     "192.0.2.128/25");
	fx_endpoints(s, "10.244.1.5:8080", NULL);
	nfx_compile(&p, &rs, false);
	/* Only the LB IP is filtered; a range inside another is merged. */
	ASSERT_ELEMS(&rs, V4, NFTC_SET_FIREWALL_IPS,
		     "198.51.100.7 . tcp . 80 comment \"ns/fw:http\"\n");
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_FIREWALL_ALLOW,
		"198.51.100.7 . tcp . 80 . 192.0.2.0/24 comment \"ns/fw:http\"\n");
	ASSERT_RULES(
		&rs, V4, NFTC_CHAIN_FIREWALL_CHECK,
		"ip daddr . meta l4proto . th dport @firewall-ips ip daddr . meta l4proto . th dport . ip saddr != @firewall-allow drop\n");
	/* Before DNAT, for forwarded and local traffic. */
	ASSERT_RULES(&rs, V4, NFTC_CHAIN_FILTER_PREROUTING,
		     "ct state new jump firewall-check\n");
	ASSERT_RULES(&rs, V4, NFTC_CHAIN_FILTER_OUTPUT,
		     "ct state new jump firewall-check\n");
	ck_assert_int_eq(chain_of(&rs, V4, NFTC_CHAIN_FILTER_PREROUTING)->prio,
			 -110);
	nft_ruleset_free(&rs);

	/* A range holding the node: the LB IP may be the source too. */
	fx_push_cidr(&s->lb_source_ranges, &s->n_lb_source_ranges,
		     "10.0.0.0/8");
	nfx_compile(&p, &rs, false);
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_FIREWALL_ALLOW,
		"198.51.100.7 . tcp . 80 . 10.0.0.0/8 comment \"ns/fw:http\"\n"
		"198.51.100.7 . tcp . 80 . 192.0.2.0/24 comment \"ns/fw:http\"\n"
		"198.51.100.7 . tcp . 80 . 198.51.100.7 comment \"ns/fw:http\"\n");
	nft_ruleset_free(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_no_endpoints_reject)
{
	struct plan p;
	struct nft_ruleset rs;
	struct plan_service *s = one(&p, "none", "10.96.0.50");
	const struct nft_chain *c;

	s->node_port = 30100;
	fx_push_addr(&s->external_ips, &s->n_external_ips, "203.0.113.11");
	nfx_compile(&p, &rs, false);
	ASSERT_ELEMS(&rs, V4, NFTC_SET_SERVICE_IPS, "");
	ASSERT_ELEMS(&rs, V4, NFTC_SET_SERVICE_NODEPORTS, "");
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_NO_EP_SERVICES,
		"10.96.0.50 . tcp . 80 comment \"ns/none:http\" : goto reject-chain\n"
		"203.0.113.11 . tcp . 80 comment \"ns/none:http\" : goto reject-chain\n");
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_NO_EP_NODEPORTS,
		"tcp . 30100 comment \"ns/none:http\" : goto reject-chain\n");
	ASSERT_RULES(&rs, V4, NFTC_CHAIN_REJECT,
		     "reject with icmp type port-unreachable\n");
	/* reject is only valid in filter chains at input/forward/output:
	 * the check runs there, on traffic that was not DNATed. */
	ASSERT_RULES(&rs, V4, NFTC_CHAIN_FILTER_FORWARD,
		     "ct state new jump service-endpoints-check\n");
	ASSERT_RULES(&rs, V4, NFTC_CHAIN_FILTER_INPUT,
		     "jump localnet-check\n"
		     "ct state new jump nodeport-endpoints-check\n"
		     "ct state new jump service-endpoints-check\n");
	ASSERT_RULES(&rs, V4, NFTC_CHAIN_FILTER_OUTPUT_POST_DNAT,
		     "jump localnet-check\n"
		     "ct state new jump service-endpoints-check\n");
	c = chain_of(&rs, V4, NFTC_CHAIN_FILTER_OUTPUT_POST_DNAT);
	ck_assert(c->base && c->type == NFTR_CHAIN_FILTER);
	ck_assert_uint_eq(c->hook, NF_INET_LOCAL_OUT);
	ck_assert_int_eq(c->prio, -90);
	c = chain_of(&rs, V4, NFTC_CHAIN_REJECT);
	ck_assert_int_eq(c->rules[0].stmts[0].type, NFTR_STMT_REJECT);
	ck_assert_uint_eq(c->rules[0].stmts[0].icmp_code, 3);
	nft_ruleset_free(&rs);
	plan_free(&p);
}
END_TEST

/* externalTrafficPolicy Local, no local endpoint: drop what the pods'
 * and the node's short-circuit did not DNAT. */
START_TEST(test_local_no_local_endpoints)
{
	struct plan p;
	struct nft_ruleset rs;
	struct plan_service *s = one(&p, "lo", "10.96.0.60");

	s->external_local = true;
	s->node_port = 30110;
	fx_push_addr(&s->lb_ips, &s->n_lb_ips, "198.51.100.9");
	fx_endpoints(s, "10.244.2.14:8080", NULL);
	ck_assert_int_eq(s->external_action, PLAN_DROP);
	nfx_compile(&p, &rs, false);
	ASSERT_ELEMS(&rs, V4, NFTC_SET_NO_EP_SERVICES,
		     "198.51.100.9 . tcp . 80 comment \"ns/lo:http\" : drop\n");
	ASSERT_ELEMS(&rs, V4, NFTC_SET_NO_EP_NODEPORTS,
		     "tcp . 30110 comment \"ns/lo:http\" : drop\n");
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_SERVICE_IPS,
		"10.96.0.60 . tcp . 80 comment \"ns/lo:http\" : goto svc-1\n"
		"198.51.100.9 . tcp . 80 comment \"ns/lo:http\" : goto external-local\n");
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_EXTERNAL_LOCAL_SHORT,
		"198.51.100.9 . tcp . 80 comment \"ns/lo:http\" : goto svc-1\n");
	ASSERT_ELEMS(&rs, V4, NFTC_SET_EXTERNAL_LOCAL_EPS, "");
	ASSERT_ELEMS(&rs, V4, NFTC_SET_NODEPORT_LOCAL_SHORT,
		     "tcp . 30110 comment \"ns/lo:http\" : goto np-svc-1\n");
	nft_ruleset_free(&rs);
	plan_free(&p);
}
END_TEST

/* Both policies Local, the only endpoint on another node: external
 * traffic and the cluster IP drop, but pods and the node reaching the
 * node port or the LB IP short-circuit to the Cluster policy's endpoints
 * (kube-proxy), not to the (empty) internal list. */
START_TEST(test_both_local_remote_endpoints)
{
	struct plan p;
	struct nft_ruleset rs;
	struct plan_service *s = one(&p, "both", "10.96.0.65");

	s->external_local = true;
	s->internal_local = true;
	s->node_port = 30115;
	fx_push_addr(&s->lb_ips, &s->n_lb_ips, "198.51.100.15");
	fx_endpoints(s, "10.244.2.15:8080", NULL);
	ck_assert_int_eq(s->internal_action, PLAN_DROP);
	ck_assert_int_eq(s->external_action, PLAN_DROP);
	ck_assert_int_eq(s->short_action, PLAN_FORWARD);
	nfx_compile(&p, &rs, false);
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_NO_EP_SERVICES,
		"10.96.0.65 . tcp . 80 comment \"ns/both:http\" : drop\n"
		"198.51.100.15 . tcp . 80 comment \"ns/both:http\" : drop\n");
	ASSERT_ELEMS(&rs, V4, NFTC_SET_NO_EP_NODEPORTS,
		     "tcp . 30115 comment \"ns/both:http\" : drop\n");
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_SERVICE_IPS,
		"198.51.100.15 . tcp . 80 comment \"ns/both:http\" : goto external-local\n");
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_SERVICE_NODEPORTS,
		"tcp . 30115 comment \"ns/both:http\" : goto nodeport-local\n");
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_EXTERNAL_LOCAL_SHORT,
		"198.51.100.15 . tcp . 80 comment \"ns/both:http\" : goto svc-1\n");
	ASSERT_ELEMS(&rs, V4, NFTC_SET_NODEPORT_LOCAL_SHORT,
		     "tcp . 30115 comment \"ns/both:http\" : goto np-svc-1\n");
	ASSERT_ELEMS(&rs, V4, NFTC_SET_EXTERNAL_LOCAL_EPS, "");
	ASSERT_ELEMS(&rs, V4, NFTC_SET_NODEPORT_LOCAL_EPS, "");
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_SERVICE_BACKENDS,
		"198.51.100.15 . tcp . 80 . 0 comment \"ns/both:http\" : 10.244.2.15 . 8080\n");
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_NODEPORT_BACKENDS,
		"tcp . 30115 . 0 comment \"ns/both:http\" : 10.244.2.15 . 8080\n");
	nft_ruleset_free(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_local_with_local_endpoints)
{
	struct plan p;
	struct nft_ruleset rs;
	struct plan_service *s = one(&p, "api", "10.96.0.70");

	s->external_local = true;
	fx_push_addr(&s->lb_ips, &s->n_lb_ips, "198.51.100.8");
	fx_endpoints(s, "10.244.1.10:9000/local", "10.244.2.11:9000", NULL);
	nfx_compile(&p, &rs, false);
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_EXTERNAL_LOCAL_SHORT,
		"198.51.100.8 . tcp . 80 comment \"ns/api:http\" : goto svc-2\n");
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_EXTERNAL_LOCAL_EPS,
		"198.51.100.8 . tcp . 80 comment \"ns/api:http\" : goto local-1\n");
	/* Internal endpoints at 0.., local ones at the local base. */
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_SERVICE_BACKENDS,
		"10.96.0.70 . tcp . 80 . 0 comment \"ns/api:http\" : 10.244.1.10 . 9000\n"
		"10.96.0.70 . tcp . 80 . 1 comment \"ns/api:http\" : 10.244.2.11 . 9000\n"
		"198.51.100.8 . tcp . 80 . 0 comment \"ns/api:http\" : 10.244.1.10 . 9000\n"
		"198.51.100.8 . tcp . 80 . 1 comment \"ns/api:http\" : 10.244.2.11 . 9000\n"
		"198.51.100.8 . tcp . 80 . 65536 comment \"ns/api:http\" : 10.244.1.10 . 9000\n");
	/* No masquerade for the local endpoints: the source is kept. */
	ASSERT_RULES(
		&rs, V4, "local-1",
		"dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 1 offset 65536 map @service-backends\n");
	ASSERT_RULES(
		&rs, V4, NFTC_CHAIN_EXTERNAL_LOCAL,
		"ip saddr @cluster-cidrs ip daddr . meta l4proto . th dport vmap @external-local-short\n"
		"fib saddr type local jump mark-for-masquerade\n"
		"fib saddr type local ip daddr . meta l4proto . th dport vmap @external-local-short\n"
		"ip daddr . meta l4proto . th dport vmap @external-local-endpoints\n");
	ASSERT_ELEMS(&rs, V4, NFTC_SET_NO_EP_SERVICES, "");
	nft_ruleset_free(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_masquerade)
{
	struct plan p;
	struct nft_ruleset rs;
	struct plan_service *s = one(&p, "m", "10.96.0.80");
	struct diag_list d = {0};

	fx_endpoints(s, "10.244.1.5:8080", NULL);
	nfx_compile(&p, &rs, false);
	ASSERT_RULES(&rs, V4, NFTC_CHAIN_MARK_MASQ,
		     "meta mark set meta mark or 0x00004000\n");
	ASSERT_RULES(
		&rs, V4, NFTC_CHAIN_MASQUERADING,
		"meta mark & 0x00004000 == 0x00004000 goto masquerade-marked\n"
		"ct status dnat ip saddr . ip daddr @hairpin masquerade fully-random\n"
		"ct status dnat ip saddr 127.0.0.0/8 masquerade fully-random\n"
		"ip saddr @masq-sources ip daddr != @masq-exempt masquerade fully-random\n");
	ASSERT_RULES(&rs, V4, NFTC_CHAIN_MASQ_MARKED,
		     "meta mark set meta mark xor 0x00004000\n"
		     "masquerade fully-random\n");
	ASSERT_RULES(&rs, V4, NFTC_CHAIN_NAT_POSTROUTING,
		     "jump masquerading\n");
	ASSERT_ELEMS(&rs, V4, NFTC_SET_CLUSTER_CIDRS, "10.244.0.0/16\n");
	nft_ruleset_free(&rs);

	/* --masquerade-all: every packet to a cluster IP. */
	p.node.masquerade_all = true;
	nfx_compile(&p, &rs, false);
	ASSERT_RULES(
		&rs, V4, "svc-1",
		"jump mark-for-masquerade\n"
		"dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 1 map @service-backends\n");
	nft_ruleset_free(&rs);

	/* No cluster CIDR: no masquerade of off-cluster sources, no pod
	 * short-circuit, and a note saying so. */
	p.node.masquerade_all = false;
	p.node.n_cluster_cidrs = 0;
	ck_assert_int_eq(nft_compile(&p, &rs, &d), 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.items[0].level, DIAG_INFO);
	ck_assert(strstr(d.items[0].msg, "no IPv4 cluster CIDR") != NULL);
	ASSERT_RULES(
		&rs, V4, "svc-1",
		"dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 1 map @service-backends\n");
	ASSERT_RULES(
		&rs, V4, NFTC_CHAIN_EXTERNAL_LOCAL,
		"fib saddr type local jump mark-for-masquerade\n"
		"fib saddr type local ip daddr . meta l4proto . th dport vmap @external-local-short\n"
		"ip daddr . meta l4proto . th dport vmap @external-local-endpoints\n");
	diag_list_free(&d);
	nft_ruleset_free(&rs);
	plan_free(&p);
}
END_TEST

/* An endpoint reaching itself through its service is masqueraded in
 * postrouting: only local endpoints can do that. */
START_TEST(test_hairpin)
{
	struct plan p;
	struct nft_ruleset rs;
	struct plan_service *s = one(&p, "h", "10.96.0.90");

	fx_endpoints(s, "10.244.1.5:8080/local", "10.244.2.6:8080",
		     "10.244.1.7:8080/local", NULL);
	s = fx_service(&p, "ns", "h2", "http", NFP_PROTO_UDP, "10.96.0.91", 53);
	fx_endpoints(s, "10.244.1.5:53/local", NULL);
	nfx_compile(&p, &rs, false);
	ASSERT_ELEMS(&rs, V4, NFTC_SET_HAIRPIN,
		     "10.244.1.5 . 10.244.1.5\n"
		     "10.244.1.7 . 10.244.1.7\n");
	nft_ruleset_free(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_affinity)
{
	struct plan p;
	struct nft_ruleset rs;
	struct plan_service *s = one(&p, "cart", "10.96.0.100");
	const struct nft_set *aff;
	const char *ep1 = "aff-ep/ns/cart/http/10.244.1.12/8080";

	s->affinity_timeout = 10800;
	s->node_port = 30095;
	fx_endpoints(s, "10.244.1.12:8080/local", "10.244.2.13:8080", NULL);
	nfx_compile(&p, &rs, false);
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_SERVICE_IPS,
		"10.96.0.100 . tcp . 80 comment \"ns/cart:http\" : goto aff-int/ns/cart/http\n");
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_SERVICE_NODEPORTS,
		"tcp . 30095 comment \"ns/cart:http\" : goto aff-ext/ns/cart/http\n");
	/* Affinity services DNAT in their own chains, not via backends. */
	ASSERT_ELEMS(&rs, V4, NFTC_SET_SERVICE_BACKENDS, "");
	ASSERT_RULES(
		&rs, V4, "aff-int/ns/cart/http",
		"ip saddr != @cluster-cidrs jump mark-for-masquerade comment \"ns/cart:http\"\n"
		"ip saddr @aff-ep/ns/cart/http/10.244.1.12/8080 goto aff-ep/ns/cart/http/10.244.1.12/8080 comment \"ns/cart:http\"\n"
		"ip saddr @aff-ep/ns/cart/http/10.244.2.13/8080 goto aff-ep/ns/cart/http/10.244.2.13/8080 comment \"ns/cart:http\"\n"
		"numgen random mod 2 vmap @aff-int/ns/cart/http comment \"ns/cart:http\"\n");
	ASSERT_ELEMS(
		&rs, V4, "aff-int/ns/cart/http",
		"0 comment \"ns/cart:http\" : goto aff-ep/ns/cart/http/10.244.1.12/8080\n"
		"1 comment \"ns/cart:http\" : goto aff-ep/ns/cart/http/10.244.2.13/8080\n");
	ASSERT_RULES(
		&rs, V4, ep1,
		"update @aff-ep/ns/cart/http/10.244.1.12/8080 { ip saddr } comment \"ns/cart:http\"\n"
		"meta l4proto tcp dnat ip to 10.244.1.12:8080 comment \"ns/cart:http\"\n");
	ck_assert_str_eq(chain_of(&rs, V4, ep1)->comment, "ns/cart:http");
	aff = set_of(&rs, V4, ep1);
	ck_assert_uint_eq(aff->flags, NFT_SET_TIMEOUT | NFT_SET_EVAL);
	ck_assert_uint_eq(aff->timeout_ms, 10800 * 1000ull);
	ck_assert_str_eq(aff->comment, "ns/cart:http");
	/* Node port traffic (policy Cluster) is masqueraded. */
	ASSERT_RULES(
		&rs, V4, "aff-ext/ns/cart/http",
		"jump mark-for-masquerade comment \"ns/cart:http\"\n"
		"ip saddr @aff-ep/ns/cart/http/10.244.1.12/8080 goto aff-ep/ns/cart/http/10.244.1.12/8080 comment \"ns/cart:http\"\n"
		"ip saddr @aff-ep/ns/cart/http/10.244.2.13/8080 goto aff-ep/ns/cart/http/10.244.2.13/8080 comment \"ns/cart:http\"\n"
		"numgen random mod 2 vmap @aff-ext/ns/cart/http comment \"ns/cart:http\"\n");
	nft_ruleset_free(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_hostports)
{
	struct plan p;
	struct nft_ruleset rs;

	memset(&p, 0, sizeof(p));
	nfx_node(&p);
	fx_hostport(&p, "ns/game-0", NFP_PROTO_TCP, NULL, 8443, "10.244.1.20",
		    443);
	fx_hostport(&p, "ns/game-1", NFP_PROTO_UDP, "10.0.0.5", 9999,
		    "10.244.1.21", 9999);
	fx_hostport(&p, "ns/game-2", NFP_PROTO_SCTP, NULL, 7000,
		    "fd00:10:244:1::22", 7001);
	nfx_sort(&p);
	nfx_compile(&p, &rs, false);
	ASSERT_ELEMS(&rs, V4, NFTC_SET_HOSTPORT_ANY,
		     "tcp . 8443 comment \"ns/game-0\" : 10.244.1.20 . 443\n");
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_HOSTPORT_IPS,
		"10.0.0.5 . udp . 9999 comment \"ns/game-1\" : 10.244.1.21 . 9999\n");
	ASSERT_ELEMS(
		&rs, V6, NFTC_SET_HOSTPORT_ANY,
		"sctp . 7000 comment \"ns/game-2\" : fd00:10:244:1::22 . 7001\n");
	/* From outside (prerouting) and from the node (output). */
	ASSERT_RULES(
		&rs, V4, NFTC_CHAIN_HOSTPORTS,
		"dnat ip to ip daddr . meta l4proto . th dport map @hostport-ips\n"
		"fib daddr type local dnat ip to meta l4proto . th dport map @hostport-any\n");
	ASSERT_RULES(&rs, V4, NFTC_CHAIN_NAT_PREROUTING,
		     "jump services\njump hostports\n");
	ASSERT_RULES(&rs, V4, NFTC_CHAIN_NAT_OUTPUT,
		     "jump services\njump hostports\n");
	/* Hairpin and 127.0.0.1 sources are masqueraded (masquerading). */
	ASSERT_ELEMS(&rs, V4, NFTC_SET_HAIRPIN,
		     "10.244.1.20 . 10.244.1.20\n"
		     "10.244.1.21 . 10.244.1.21\n");
	ASSERT_ELEMS(&rs, V4, NFTC_SET_HOSTPORT_SOURCES, "");
	nft_ruleset_free(&rs);

	/* With the Node's podCIDRs known, every pod of the node that reaches
	 * a hostPort is marked for masquerade before the DNAT (portmap's
	 * -s podSubnet): the reply then comes back through the node even
	 * when both pods share the bridge. */
	fx_push_cidr(&p.node.pod_cidrs, &p.node.n_pod_cidrs, "10.244.1.0/24");
	nfx_compile(&p, &rs, false);
	ASSERT_ELEMS(&rs, V4, NFTC_SET_HOSTPORT_SOURCES, "10.244.1.0/24\n");
	ASSERT_ELEMS(&rs, V6, NFTC_SET_HOSTPORT_SOURCES, "");
	ASSERT_RULES(
		&rs, V4, NFTC_CHAIN_HOSTPORTS,
		"ip saddr @hostport-sources ip daddr . meta l4proto . th dport @hostport-ips jump mark-for-masquerade\n"
		"dnat ip to ip daddr . meta l4proto . th dport map @hostport-ips\n"
		"ip saddr @hostport-sources fib daddr type local meta l4proto . th dport @hostport-any jump mark-for-masquerade\n"
		"fib daddr type local dnat ip to meta l4proto . th dport map @hostport-any\n");
	/* No IPv6 podCIDR: the IPv6 chain stays as it was. */
	ASSERT_RULES(
		&rs, V6, NFTC_CHAIN_HOSTPORTS,
		"dnat ip6 to ip6 daddr . meta l4proto . th dport map @hostport-ips\n"
		"fib daddr type local dnat ip6 to meta l4proto . th dport map @hostport-any\n");
	nft_ruleset_free(&rs);
	plan_free(&p);
}
END_TEST

/* CVE-2020-8558: the drop kube-proxy puts in KUBE-FIREWALL, IPv4 only. */
START_TEST(test_localnet_check)
{
	struct plan p;
	struct nft_ruleset rs;

	memset(&p, 0, sizeof(p));
	nfx_node(&p);
	nfx_sort(&p);
	nfx_compile(&p, &rs, false);
	ASSERT_RULES(
		&rs, V4, NFTC_CHAIN_LOCALNET_CHECK,
		"ip daddr 127.0.0.0/8 ip saddr != 127.0.0.0/8 ct state & 0x00000006 == 0x00000000 ct status & 0x00000020 == 0x00000000 drop\n"
		"ip daddr 127.0.0.0/8 ip saddr != 127.0.0.0/8 ct state invalid,untracked drop\n");
	ASSERT_RULES(&rs, V6, NFTC_CHAIN_LOCALNET_CHECK, "");
	ASSERT_RULES(&rs, V6, NFTC_CHAIN_FILTER_INPUT,
		     "ct state new jump nodeport-endpoints-check\n"
		     "ct state new jump service-endpoints-check\n");
	nft_ruleset_free(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_egress_masquerade)
{
	struct plan p;
	struct nft_ruleset rs;

	memset(&p, 0, sizeof(p));
	nfx_node(&p);
	nfx_masq(&p);
	nfx_compile(&p, &rs, false);
	ASSERT_ELEMS(&rs, V4, NFTC_SET_MASQ_SOURCES, "10.244.0.0/16\n");
	/* Link-local and the cluster never; 10.244/16 inside 10/8. */
	ASSERT_ELEMS(&rs, V4, NFTC_SET_MASQ_EXEMPT,
		     "10.0.0.0/8\n169.254.0.0/16\n");
	ASSERT_ELEMS(&rs, V6, NFTC_SET_MASQ_EXEMPT,
		     "fd00:10:244::/56\nfe80::/10\n");
	nft_ruleset_free(&rs);

	p.masq.masq_link_local = true;
	p.masq.n_non_masq_cidrs = 0;
	nfx_compile(&p, &rs, false);
	ASSERT_ELEMS(&rs, V4, NFTC_SET_MASQ_EXEMPT, "10.244.0.0/16\n");
	nft_ruleset_free(&rs);

	p.masq.enabled = false;
	nfx_compile(&p, &rs, false);
	ASSERT_ELEMS(&rs, V4, NFTC_SET_MASQ_SOURCES, "");
	nft_ruleset_free(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_ipv6)
{
	struct plan p;
	struct nft_ruleset rs;
	struct plan_service *s = one(&p, "six", "fd00:10:96::a");

	s->node_port = 30080;
	fx_endpoints(s, "[fd00:10:244:1::7]:8080", NULL);
	s = fx_service(&p, "ns", "six-none", "http", NFP_PROTO_TCP,
		       "fd00:10:96::b", 80);
	nfx_sort(&p);
	nfx_compile(&p, &rs, false);
	ASSERT_ELEMS(
		&rs, V6, NFTC_SET_SERVICE_IPS,
		"fd00:10:96::a . tcp . 80 comment \"ns/six:http\" : goto svc-1\n");
	ASSERT_ELEMS(
		&rs, V6, NFTC_SET_SERVICE_BACKENDS,
		"fd00:10:96::a . tcp . 80 . 0 comment \"ns/six:http\" : fd00:10:244:1::7 . 8080\n");
	ASSERT_ELEMS(
		&rs, V6, NFTC_SET_NO_EP_SERVICES,
		"fd00:10:96::b . tcp . 80 comment \"ns/six-none:http\" : goto reject-chain\n");
	ASSERT_RULES(&rs, V6, NFTC_CHAIN_REJECT,
		     "reject with icmpv6 type port-unreachable\n");
	ASSERT_RULES(
		&rs, V6, NFTC_CHAIN_SERVICES,
		"ip6 daddr . meta l4proto . th dport vmap @service-ips\n"
		"ip6 daddr != ::1 fib daddr type local meta l4proto . th dport vmap @service-nodeports\n");
	ck_assert_uint_eq(set_of(&rs, V6, NFTC_SET_SERVICE_BACKENDS)->key_len,
			  28);
	ck_assert_uint_eq(set_of(&rs, V6, NFTC_SET_SERVICE_BACKENDS)->data_len,
			  20);
	ASSERT_ELEMS(&rs, V4, NFTC_SET_SERVICE_IPS, "");
	nft_ruleset_free(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_sctp)
{
	struct plan p;
	struct nft_ruleset rs;
	struct plan_service *s;

	memset(&p, 0, sizeof(p));
	nfx_node(&p);
	s = fx_service(&p, "telco", "sig", "", NFP_PROTO_SCTP, "10.96.20.1",
		       3868);
	fx_endpoints(s, "10.244.1.15:3868", NULL);
	nfx_compile(&p, &rs, false);
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_SERVICE_IPS,
		"10.96.20.1 . sctp . 3868 comment \"telco/sig:3868\" : goto svc-1\n");
	nft_ruleset_free(&rs);
	plan_free(&p);
}
END_TEST

/* Two services claiming one frontend: the first keeps it. */
START_TEST(test_conflict)
{
	struct plan p;
	struct nft_ruleset rs;
	struct plan_service *s = one(&p, "first", "10.96.0.110");
	struct diag_list d = {0};

	fx_endpoints(s, "10.244.1.5:8080", NULL);
	s = fx_service(&p, "ns", "second", "http", NFP_PROTO_TCP, "10.96.0.120",
		       80);
	fx_push_addr(&s->external_ips, &s->n_external_ips, "10.96.0.110");
	fx_endpoints(s, "10.244.1.6:8080", NULL);
	ck_assert_int_eq(nft_compile(&p, &rs, &d), 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.items[0].level, DIAG_WARN);
	ck_assert_str_eq(
		d.items[0].msg,
		"nftables: service ns/second:http: IPv4 tcp 10.96.0.110:80 is already used by ns/first:http; skipped");
	ASSERT_ELEMS(
		&rs, V4, NFTC_SET_SERVICE_IPS,
		"10.96.0.110 . tcp . 80 comment \"ns/first:http\" : goto svc-1\n"
		"10.96.0.120 . tcp . 80 comment \"ns/second:http\" : goto svc-1\n");
	diag_list_free(&d);
	nft_ruleset_free(&rs);
	plan_free(&p);
}
END_TEST

/* Same plan, same ruleset; the equality helpers see each difference. */
START_TEST(test_equality)
{
	struct plan p;
	struct nft_ruleset a, b;
	struct nft_table *t;
	struct nft_chain *c;
	struct nft_set *s;

	nfx_representative(&p);
	nfx_compile(&p, &a, false);
	nfx_compile(&p, &b, false);
	ck_assert(nft_ruleset_equal(&a, &b));
	ck_assert_uint_eq(nft_ruleset_sort(&b), 0);
	ck_assert(nft_ruleset_equal(&a, &b));

	t = b.tables[0];
	c = nft_table_find_chain(t, "svc-2");
	ck_assert(
		nft_chain_equal(nft_table_find_chain(a.tables[0], "svc-2"), c));
	c->rules[1].stmts[0].key.f[3].mod = 3;
	ck_assert(!nft_chain_equal(nft_table_find_chain(a.tables[0], "svc-2"),
				   c));
	ck_assert(nft_chain_spec_equal(
		nft_table_find_chain(a.tables[0], "svc-2"), c));
	ck_assert(!nft_ruleset_equal(&a, &b));
	c->rules[1].stmts[0].key.f[3].mod = 2;
	ck_assert(nft_ruleset_equal(&a, &b));

	/* An element's data changes: the set differs, its spec does not. */
	s = nft_table_find_set(t, NFTC_SET_SERVICE_BACKENDS);
	nft_elem_data(s, nft_set_elem(s, 0))[3] ^= 1;
	ck_assert(!nft_set_equal(
		nft_table_find_set(a.tables[0], NFTC_SET_SERVICE_BACKENDS), s));
	ck_assert(nft_set_spec_equal(
		nft_table_find_set(a.tables[0], NFTC_SET_SERVICE_BACKENDS), s));
	ck_assert_int_eq(
		nft_elem_cmp(s, nft_set_elem(s, 0),
			     nft_table_find_set(a.tables[0],
						NFTC_SET_SERVICE_BACKENDS),
			     nft_set_elem(nft_table_find_set(
						  a.tables[0],
						  NFTC_SET_SERVICE_BACKENDS),
					  0)),
		0);
	nft_ruleset_free(&a);
	nft_ruleset_free(&b);
	plan_free(&p);
}
END_TEST

/* Sorting: numbers in host order sort numerically, duplicates go. */
START_TEST(test_sort)
{
	struct nft_ruleset rs;
	struct nft_table *t;
	struct nft_set *s;
	static const struct nft_key k = {1,
					 {{.kind = NFTR_F_NUMGEN, .mod = 1}}};
	const uint32_t vals[] = {256, 1, 65536, 1, 0};

	nft_ruleset_init(&rs);
	t = nft_ruleset_add_table(&rs, V4, NFTC_TABLE);
	s = nft_table_add_set(t, "s", &k, NFTR_DATA_NONE, NULL, 0, NULL);
	for (size_t i = 0; i < 5; i++)
		nft_put_u32(nft_elem_key(s, nft_set_add_elem(s)), vals[i]);
	ck_assert_uint_eq(nft_set_sort(s), 1);
	ck_assert_uint_eq(s->n_elems, 4);
	ASSERT_ELEMS(&rs, V4, "s", "0\n1\n256\n65536\n");
	nft_ruleset_free(&rs);
	nft_ruleset_free(&rs); /* a freed ruleset frees again: no-op */
}
END_TEST

/* The kernel accepts a large ruleset (in a namespace of its own). */
START_TEST(test_kernel_check_1000)
{
	struct plan p;
	struct nft_ruleset rs;
	char why[4096];
	double secs;
	char *text;
	int rc;

	nfx_generated(&p, 1000, 10);
	nfx_compile(&p, &rs, false);
	text = nft_print(&rs);
	/* -c skips the kernel's commit-time checks (loops, hooks of the
	 * chains a rule is reached from): load it for real too. */
	for (int real = 0; real < 2; real++) {
		rc = nfx_nft_netns(text, real ? "" : "-c", &secs, NULL, why,
				   sizeof(why));
		if (rc == 1) {
			printf("test_kernel_check_1000: skipped: %s\n", why);
			break;
		}
		printf("test_kernel_check_1000: nft %s-f of %zu bytes: %s (%.2f s)\n",
		       real ? "" : "-c ", strlen(text), rc ? "failed" : "ok",
		       secs);
		ck_assert_msg(rc == 0, "nft failed: %s", why);
	}
	free(text);
	nft_ruleset_free(&rs);
	plan_free(&p);
}
END_TEST

/*
 * NFP_NFT_BENCH=1: compile, print and really load 10,000 services x 10
 * endpoints in a namespace, printing the times (no timing asserts).
 */
START_TEST(test_bench_10000)
{
	struct plan p;
	struct nft_ruleset rs;
	struct strbuf list = {0};
	char why[4096];
	double t0, t1, t2, secs;
	size_t elems = 0, bytes = 0;
	char *text;
	int rc;

	if (!getenv("NFP_NFT_BENCH")) {
		printf("test_bench_10000: skipped: set NFP_NFT_BENCH=1\n");
		return;
	}
	nfx_generated(&p, 10000, 10);
	t0 = nfx_now();
	nfx_compile(&p, &rs, false);
	t1 = nfx_now();
	text = nft_print(&rs);
	t2 = nfx_now();
	for (size_t i = 0; i < rs.n_tables; i++)
		for (size_t j = 0; j < rs.tables[i]->n_sets; j++) {
			const struct nft_set *set = rs.tables[i]->sets[j];

			elems += set->n_elems;
			bytes += set->n_elems * set->stride;
		}
	rc = nfx_nft_netns(text, "", &secs, &list, why, sizeof(why));
	printf("test_bench_10000: %zu services, %zu elements (%zu bytes): compile %.3f s, print %.3f s (%zu bytes), nft -f %.3f s%s%s\n",
	       p.n_services, elems, bytes, t1 - t0, t2 - t1, strlen(text), secs,
	       rc == 1 ? ", load skipped: " : "", rc == 1 ? why : "");
	ck_assert_msg(rc >= 0, "nft -f failed: %s", why);
	if (rc == 0)
		ck_assert(strstr(list.buf, "map service-backends") != NULL);
	strbuf_release(&list);
	free(text);
	nft_ruleset_free(&rs);
	plan_free(&p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nft_compile");
	TCase *tc = tcase_create("semantics");
	TCase *tk = tcase_create("kernel");

	tcase_add_test(tc, test_cluster_ip);
	tcase_add_test(tc, test_scaling);
	tcase_add_test(tc, test_nodeport);
	tcase_add_test(tc, test_external_ips_and_lb);
	tcase_add_test(tc, test_source_ranges);
	tcase_add_test(tc, test_no_endpoints_reject);
	tcase_add_test(tc, test_local_no_local_endpoints);
	tcase_add_test(tc, test_both_local_remote_endpoints);
	tcase_add_test(tc, test_local_with_local_endpoints);
	tcase_add_test(tc, test_masquerade);
	tcase_add_test(tc, test_hairpin);
	tcase_add_test(tc, test_affinity);
	tcase_add_test(tc, test_hostports);
	tcase_add_test(tc, test_localnet_check);
	tcase_add_test(tc, test_egress_masquerade);
	tcase_add_test(tc, test_ipv6);
	tcase_add_test(tc, test_sctp);
	tcase_add_test(tc, test_conflict);
	tcase_add_test(tc, test_equality);
	tcase_add_test(tc, test_sort);
	suite_add_tcase(s, tc);
	tcase_set_timeout(tk, 600);
	tcase_add_test(tk, test_kernel_check_1000);
	tcase_add_test(tk, test_bench_10000);
	suite_add_tcase(s, tk);
	return test_run_suite(s);
}
