// SPDX-License-Identifier: GPL-2.0
/* rules/conntrack.c: which UDP/SCTP flows a sync makes stale. */
#include "rules/conntrack.h"
#include "testutil.h"

static struct plan_endpoint eps_cur[1], eps_prev[2];
static struct plan_service svc_cur, svc_prev;
static struct plan_hostport hp_cur;
static struct plan cur, prev;
static struct ct_index icur, iprev;

static struct nfp_addr A(const char *s) {
	struct nfp_addr a;

	ck_assert_int_eq(nfp_addr_parse(s, &a), 0);
	return a;
}

static void
setup(void)
{
	memset(&svc_cur, 0, sizeof(svc_cur));
	svc_cur.family = AF_INET;
	svc_cur.proto = NFP_PROTO_UDP;
	svc_cur.id = "kube-system/kube-dns:dns";
	svc_cur.cluster_ip = A("10.96.0.10");
	svc_cur.port = 53;
	svc_cur.node_port = 30053;
	eps_cur[0] = (struct plan_endpoint){A("10.244.0.5"), 5353, true};
	svc_cur.internal_eps = svc_cur.external_eps = eps_cur;
	svc_cur.n_internal_eps = svc_cur.n_external_eps = 1;
	svc_prev = svc_cur;
	eps_prev[0] = eps_cur[0];
	eps_prev[1] = (struct plan_endpoint){A("10.244.1.6"), 5353, false};
	svc_prev.internal_eps = svc_prev.external_eps = eps_prev;
	svc_prev.n_internal_eps = svc_prev.n_external_eps = 2;
	hp_cur = (struct plan_hostport){.pod = "default/hp",
					.family = AF_INET,
					.proto = NFP_PROTO_UDP,
					.host_port = 5353,
					.pod_ip = A("10.244.0.9"),
					.container_port = 53};
	cur = (struct plan){.services = &svc_cur,
			    .n_services = 1,
			    .hostports = &hp_cur,
			    .n_hostports = 1};
	prev = (struct plan){.services = &svc_prev, .n_services = 1};
	ct_index_build(&cur, &icur);
	ct_index_build(&prev, &iprev);
}

static void teardown(void)
{
	ct_index_free(&icur);
	ct_index_free(&iprev);
}

static struct ct_flow flow(const char *dst, uint16_t dport, const char *to,
			   uint16_t toport, bool nat)
{
	struct ct_flow f = {.family = AF_INET,
			    .ipproto = IPPROTO_UDP,
			    .orig_dport = dport,
			    .reply_sport = toport,
			    .dst_nat = nat};

	f.orig_dst = A(dst);
	f.reply_src = A(to);
	return f;
}

START_TEST(test_removed_endpoint_is_stale)
{
	struct ct_flow gone = flow("10.96.0.10", 53, "10.244.1.6", 5353, true);
	struct ct_flow live = flow("10.96.0.10", 53, "10.244.0.5", 5353, true);

	ck_assert(ct_flow_is_stale(&icur, &iprev, &gone));
	ck_assert(!ct_flow_is_stale(&icur, &iprev, &live));
}
END_TEST

START_TEST(test_serving_endpoint_kept)
{
	/* 10.244.1.6 no longer receives new flows but still serves
	 * (terminating): its flows stay, as kube-proxy keeps them */
	struct plan_endpoint serving[2] = {eps_cur[0], eps_prev[1]};
	struct ct_flow f = flow("10.96.0.10", 53, "10.244.1.6", 5353, true);
	struct ct_index idx;

	svc_cur.serving_eps = serving;
	svc_cur.n_serving_eps = 2;
	ct_index_build(&cur, &idx);
	ck_assert(!ct_flow_is_stale(&idx, &iprev, &f));
	ck_assert(ct_flow_is_stale(&icur, &iprev, &f));
	ct_index_free(&idx);
}
END_TEST

START_TEST(test_node_port_any_address)
{
	struct ct_flow gone =
		flow("192.168.50.10", 30053, "10.244.1.6", 5353, true);
	struct ct_flow live =
		flow("192.168.50.10", 30053, "10.244.0.5", 5353, true);

	ck_assert(ct_flow_is_stale(&icur, &iprev, &gone));
	ck_assert(!ct_flow_is_stale(&icur, &iprev, &live));
}
END_TEST

START_TEST(test_unrelated_flows_kept)
{
	struct ct_flow other = flow("8.8.8.8", 53, "8.8.8.8", 53, false);
	struct ct_flow natted = flow("10.96.9.9", 53, "10.244.3.3", 53, true);
	/* a non-NATed flow whose port matches a node port, to another host */
	struct ct_flow egress =
		flow("198.51.100.1", 30053, "198.51.100.1", 30053, false);

	ck_assert(!ct_flow_is_stale(&icur, &iprev, &other));
	ck_assert(!ct_flow_is_stale(&icur, &iprev, &natted));
	ck_assert(!ct_flow_is_stale(&icur, &iprev, &egress));
}
END_TEST

START_TEST(test_flow_sent_before_endpoints)
{
	struct ct_flow early = flow("10.96.0.10", 53, "10.96.0.10", 53, false);

	ck_assert(ct_flow_is_stale(&icur, &iprev, &early));
}
END_TEST

START_TEST(test_frontend_gone)
{
	struct ct_flow f = flow("10.96.0.10", 53, "10.244.0.5", 5353, true);
	struct plan empty = {0};
	struct ct_index iempty;

	ct_index_build(&empty, &iempty);
	/* the service was deleted: its flows go */
	ck_assert(ct_flow_is_stale(&iempty, &icur, &f));
	/* with no previous plan nothing is known of it */
	ck_assert(!ct_flow_is_stale(&iempty, NULL, &f));
	ct_index_free(&iempty);
}
END_TEST

START_TEST(test_hostport)
{
	struct ct_flow live =
		flow("192.168.50.10", 5353, "10.244.0.9", 53, true);
	struct ct_flow old =
		flow("192.168.50.10", 5353, "10.244.0.8", 53, true);

	ck_assert(!ct_flow_is_stale(&icur, &iprev, &live));
	ck_assert(ct_flow_is_stale(&icur, &iprev, &old));
}
END_TEST

START_TEST(test_index_equal)
{
	struct ct_index again;

	ct_index_build(&cur, &again);
	ck_assert(ct_index_equal(&icur, &again));
	ck_assert(!ct_index_equal(&icur, &iprev));
	ct_index_free(&again);
}
END_TEST

START_TEST(test_tcp_only_unanswered_syn)
{
	struct plan_service tcp = svc_cur;
	struct plan p = {.services = &tcp, .n_services = 1};
	struct ct_index idx;
	struct ct_flow syn = flow("10.96.0.10", 53, "10.96.0.10", 53, false);
	struct ct_flow gone = flow("10.96.0.10", 53, "10.244.1.6", 5353, true);
	struct ct_flow answered = syn;

	tcp.proto = NFP_PROTO_TCP;
	ct_index_build(&p, &idx);
	syn.ipproto = gone.ipproto = answered.ipproto = IPPROTO_TCP;
	answered.seen_reply = true;
	/* a SYN sent before the rules existed is stale once there are
	 * endpoints; an established or DNATed connection never is */
	ck_assert(ct_flow_is_stale(&idx, NULL, &syn));
	ck_assert(!ct_flow_is_stale(&idx, NULL, &answered));
	ck_assert(!ct_flow_is_stale(&idx, NULL, &gone));
	ct_index_free(&idx);
	ck_assert_int_eq(icur.n, 3); /* cluster IP, node port, hostPort */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conntrack");
	TCase *tc = tcase_create("stale");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_removed_endpoint_is_stale);
	tcase_add_test(tc, test_serving_endpoint_kept);
	tcase_add_test(tc, test_node_port_any_address);
	tcase_add_test(tc, test_unrelated_flows_kept);
	tcase_add_test(tc, test_flow_sent_before_endpoints);
	tcase_add_test(tc, test_frontend_gone);
	tcase_add_test(tc, test_hostport);
	tcase_add_test(tc, test_index_equal);
	tcase_add_test(tc, test_tcp_only_unanswered_syn);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
