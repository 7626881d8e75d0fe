// SPDX-License-Identifier: GPL-2.0
/*
 * ipt_compile: one plan built by hand per semantic, assertions on the
 * compiled ruleset (its fields, and its chains printed rule by rule).
 */
#include "ipt_fixture.h"
#include "rules/sha256.h"
#include "testutil.h"

#include <errno.h>

#define NAT IPT_TABLE_NAT
#define FILTER IPT_TABLE_FILTER

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static char *fmt(const char *f, ...)
{
	struct strbuf sb = {0};
	va_list ap;

	va_start(ap, f);
	strbuf_vaddf(&sb, f, ap);
	va_end(ap);
	return strbuf_detach(&sb);
}

/* Assert a chain's rules, the expectation given as a format. */
#define expect_chain(rs, t, name, ...)                     \
	do {                                               \
		char *want_ = fmt(__VA_ARGS__);            \
		fx_assert_chain((rs), (t), (name), want_); \
		free(want_);                               \
	} while (0)

static void base_plan(struct plan *p)
{
	memset(p, 0, sizeof(*p));
	p->node.name = xstrdup("node-a");
	fx_push_addr(&p->node.addrs, &p->node.n_addrs, "192.168.1.5");
	fx_push_cidr(&p->node.cluster_cidrs, &p->node.n_cluster_cidrs,
		     "10.244.0.0/16");
	fx_push_cidr(&p->node.cluster_cidrs, &p->node.n_cluster_cidrs,
		     "fd00:10:244::/56");
}

struct names {
	char svc[IPT_CHAIN_LEN], svl[IPT_CHAIN_LEN], ext[IPT_CHAIN_LEN],
		fw[IPT_CHAIN_LEN];
};

static void names_of(struct names *n, const char *spn, enum nfp_proto proto)
{
	ipt_name_service(n->svc, IPT_PREFIX_SVC, spn, proto);
	ipt_name_service(n->svl, IPT_PREFIX_SVL, spn, proto);
	ipt_name_service(n->ext, IPT_PREFIX_EXT, spn, proto);
	ipt_name_service(n->fw, IPT_PREFIX_FW, spn, proto);
}

static const char *sep_of(char *buf, const char *spn, const char *ip,
			  uint16_t port)
{
	struct nfp_addr a = fx_addr(ip);

	ipt_name_endpoint(buf, spn, NFP_PROTO_TCP, &a, port);
	return buf;
}

static bool has_chain(const struct ipt_ruleset *rs, enum ipt_table_id t,
		      const char *name)
{
	return ipt_table_find_chain(&rs->tables[t], name) != NULL;
}

static const struct ipt_chain *chain(const struct ipt_ruleset *rs,
				     enum ipt_table_id t, const char *name)
{
	const struct ipt_chain *c = ipt_table_find_chain(&rs->tables[t], name);

	ck_assert_msg(c != NULL, "no chain %s", name);
	return c;
}

static size_t rules_of(const struct ipt_ruleset *rs, enum ipt_table_id t,
		       const char *name)
{
	return chain(rs, t, name)->n_rules;
}

/* ---- names ---- */

static void hex(const uint8_t *d, char *out)
{
	for (int i = 0; i < SHA256_DIGEST_LEN; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

START_TEST(test_sha256_vectors)
{
	static const struct {
		size_t len;
		char c;
		const char *want;
	} v[] = {
		{0, 'a',
		 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{55, 'a',
		 "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
		{56, 'a',
		 "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
		{64, 'a',
		 "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
		{1000, 'a',
		 "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"},
	};
	uint8_t d[SHA256_DIGEST_LEN];
	char out[2 * SHA256_DIGEST_LEN + 1], buf[1000];

	sha256_digest("abc", 3, d);
	hex(d, out);
	ck_assert_str_eq(
		out,
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memset(buf, v[i].c, v[i].len);
		sha256_digest(buf, v[i].len, d);
		hex(d, out);
		ck_assert_str_eq(out, v[i].want);
	}
}
END_TEST

/* The same hashes as kube-proxy's (its own test expectations). */
START_TEST(test_names_match_kube_proxy)
{
	char n[IPT_CHAIN_LEN];
	struct nfp_addr a = fx_addr("10.180.0.1");
	struct nfp_addr a6 = fx_addr("fd00::1");

	ipt_name_service(n, IPT_PREFIX_SVC, "ns1/svc1:p80", NFP_PROTO_TCP);
	ck_assert_str_eq(n, "NFP-SVC-XPGD46QRK7WJZT7O");
	ipt_name_service(n, IPT_PREFIX_EXT, "ns1/svc1:p80", NFP_PROTO_TCP);
	ck_assert_str_eq(n, "NFP-EXT-XPGD46QRK7WJZT7O");
	ipt_name_service(n, IPT_PREFIX_SVC, "ns2/svc2:p80", NFP_PROTO_TCP);
	ck_assert_str_eq(n, "NFP-SVC-GNZBNJ2PO5MGZ6GT");
	ipt_name_endpoint(n, "ns1/svc1:p80", NFP_PROTO_TCP, &a, 80);
	ck_assert_str_eq(n, "NFP-SEP-SXIVWICOYRO3J4NJ");
	ipt_name_endpoint(n, "ns1/svc1:p80", NFP_PROTO_TCP, &a6, 80);
	ck_assert_str_eq(n, "NFP-SEP-T5UNFIPVCZXM3U7X");
	ipt_name_hostport(n, "ns1/hp-pod");
	ck_assert_str_eq(n, "NFP-HP-5KRFJZEFWVHSYK22");
	ck_assert(ipt_name_is_ours(n));
	ck_assert(!ipt_name_is_ours("KUBE-SERVICES"));
}
END_TEST

/* An unnamed port hashes kube-proxy's "ns/name", while comments say
 * "ns/name:port" (the plan's id). */
START_TEST(test_unnamed_port)
{
	struct plan p;
	struct ipt_ruleset rs;
	struct plan_service *s;

	base_plan(&p);
	s = fx_service(&p, "ns1", "svc1", "", NFP_PROTO_TCP, "10.96.0.1", 80);
	fx_endpoints(s, "10.180.0.1:80", NULL);
	fx_compile(&p, AF_INET, &rs, false);
	ck_assert(has_chain(&rs, NAT, "NFP-SVC-AQI2S6QIMU7PVVRP"));
	ck_assert_str_eq(
		ipt_rule_comment_text(
			&chain(&rs, NAT, "NFP-SVC-AQI2S6QIMU7PVVRP")->rules[1]),
		"ns1/svc1:80 -> 10.180.0.1:80");
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

/* ---- the fixed layout ---- */

START_TEST(test_base_layout)
{
	struct plan p;
	struct ipt_ruleset rs;

	base_plan(&p);
	fx_compile(&p, AF_INET, &rs, false);
	ck_assert_int_eq(rs.family, AF_INET);
	expect_chain(
		&rs, NAT, "PREROUTING",
		"-A PREROUTING -m comment --comment \"kube-nfproxy service portals\" -j NFP-SERVICES\n"
		"-A PREROUTING -m comment --comment \"kube-nfproxy hostports\" -m addrtype --dst-type LOCAL -j NFP-HOSTPORTS\n");
	expect_chain(
		&rs, NAT, "OUTPUT",
		"-A OUTPUT -m comment --comment \"kube-nfproxy service portals\" -j NFP-SERVICES\n"
		"-A OUTPUT -m comment --comment \"kube-nfproxy hostports\" -m addrtype --dst-type LOCAL -j NFP-HOSTPORTS\n");
	expect_chain(
		&rs, NAT, "POSTROUTING",
		"-A POSTROUTING -m comment --comment \"kube-nfproxy postrouting rules\" -j NFP-POSTROUTING\n"
		"-A POSTROUTING -m comment --comment \"kube-nfproxy egress masquerade\" -m addrtype ! --dst-type LOCAL -j NFP-MASQ-EGRESS\n");
	expect_chain(&rs, NAT, IPT_CHAIN_MARK_MASQ,
		     "-A NFP-MARK-MASQ -j MARK --or-mark 0x4000\n");
	expect_chain(
		&rs, NAT, IPT_CHAIN_POSTROUTING,
		"-A NFP-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n"
		"-A NFP-POSTROUTING -j MARK --xor-mark 0x4000\n"
		"-A NFP-POSTROUTING -m comment --comment \"kube-nfproxy service traffic requiring SNAT\" -j MASQUERADE --random-fully\n");
	expect_chain(
		&rs, NAT, IPT_CHAIN_SERVICES,
		"-A NFP-SERVICES ! -d 127.0.0.0/8 -m comment --comment \"kube-nfproxy service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j NFP-NODEPORTS\n");
	expect_chain(
		&rs, FILTER, IPT_CHAIN_FORWARD,
		"-A NFP-FORWARD -m conntrack --ctstate INVALID -j DROP\n"
		"-A NFP-FORWARD -m comment --comment \"kube-nfproxy forwarding rules\" -m mark --mark 0x4000/0x4000 -j ACCEPT\n"
		"-A NFP-FORWARD -m comment --comment \"kube-nfproxy forwarding conntrack rule\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n");
	expect_chain(
		&rs, FILTER, "INPUT",
		"-A INPUT -m comment --comment \"kube-nfproxy localnet firewall\" -j NFP-FIREWALL\n"
		"-A INPUT -m comment --comment \"kube-nfproxy load balancer firewall\" -m conntrack --ctstate NEW -j NFP-PROXY-FIREWALL\n"
		"-A INPUT -m comment --comment \"kube-nfproxy health check service ports\" -j NFP-NODEPORTS\n"
		"-A INPUT -m comment --comment \"kube-nfproxy externally-visible service portals\" -m conntrack --ctstate NEW -j NFP-EXTERNAL-SERVICES\n");
	expect_chain(
		&rs, FILTER, "FORWARD",
		"-A FORWARD -m comment --comment \"kube-nfproxy load balancer firewall\" -m conntrack --ctstate NEW -j NFP-PROXY-FIREWALL\n"
		"-A FORWARD -m comment --comment \"kube-nfproxy forwarding rules\" -j NFP-FORWARD\n"
		"-A FORWARD -m comment --comment \"kube-nfproxy service portals\" -m conntrack --ctstate NEW -j NFP-SERVICES\n"
		"-A FORWARD -m comment --comment \"kube-nfproxy externally-visible service portals\" -m conntrack --ctstate NEW -j NFP-EXTERNAL-SERVICES\n");
	expect_chain(
		&rs, FILTER, "OUTPUT",
		"-A OUTPUT -m comment --comment \"kube-nfproxy localnet firewall\" -j NFP-FIREWALL\n"
		"-A OUTPUT -m comment --comment \"kube-nfproxy load balancer firewall\" -m conntrack --ctstate NEW -j NFP-PROXY-FIREWALL\n"
		"-A OUTPUT -m comment --comment \"kube-nfproxy service portals\" -m conntrack --ctstate NEW -j NFP-SERVICES\n");
	/* Empty but present: the installer's layout does not depend on the
	 * plan. */
	ck_assert_uint_eq(rules_of(&rs, NAT, IPT_CHAIN_HOSTPORTS), 0);
	ck_assert_uint_eq(rules_of(&rs, NAT, IPT_CHAIN_MASQ_EGRESS), 0);
	ck_assert_uint_eq(rules_of(&rs, NAT, IPT_CHAIN_NODEPORTS), 0);
	ck_assert_uint_eq(rules_of(&rs, FILTER, IPT_CHAIN_SERVICES), 0);
	ck_assert_uint_eq(rules_of(&rs, FILTER, IPT_CHAIN_EXTERNAL_SERVICES),
			  0);
	ck_assert_uint_eq(rules_of(&rs, FILTER, IPT_CHAIN_PROXY_FIREWALL), 0);
	ck_assert(!has_chain(&rs, NAT, IPT_CHAIN_MARK_MASQ_NONPOD));
	ck_assert_uint_eq(rs.tables[NAT].n_chains, 6);
	/* CVE-2020-8558: what route_localnet would let in to 127.0.0.0/8. */
	expect_chain(
		&rs, FILTER, IPT_CHAIN_FIREWALL,
		"-A NFP-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment \"block incoming localnet connections\" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP\n");
	ck_assert_uint_eq(rs.tables[FILTER].n_chains, 6);
	/* filter has no PREROUTING */
	ck_assert_ptr_null(
		ipt_table_hook(&rs.tables[FILTER], IPT_HOOK_PREROUTING));
	ipt_ruleset_release(&rs);

	fx_compile(&p, AF_INET6, &rs, false);
	expect_chain(
		&rs, NAT, IPT_CHAIN_SERVICES,
		"-A NFP-SERVICES ! -d ::1/128 -m comment --comment \"kube-nfproxy service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j NFP-NODEPORTS\n");
	/* No localnet firewall: the kernel never accepts ::1 from outside. */
	ck_assert(!has_chain(&rs, FILTER, IPT_CHAIN_FIREWALL));
	ck_assert_uint_eq(rs.tables[FILTER].n_chains, 5);
	expect_chain(
		&rs, FILTER, "INPUT",
		"-A INPUT -m comment --comment \"kube-nfproxy load balancer firewall\" -m conntrack --ctstate NEW -j NFP-PROXY-FIREWALL\n"
		"-A INPUT -m comment --comment \"kube-nfproxy health check service ports\" -j NFP-NODEPORTS\n"
		"-A INPUT -m comment --comment \"kube-nfproxy externally-visible service portals\" -m conntrack --ctstate NEW -j NFP-EXTERNAL-SERVICES\n");
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_bad_family)
{
	struct plan p;
	struct ipt_ruleset rs;
	struct diag_list d = {0};

	base_plan(&p);
	ck_assert_int_eq(ipt_compile(&p, AF_UNIX, &rs, &d), -EAFNOSUPPORT);
	plan_free(&p);
}
END_TEST

/* ---- cluster IP ---- */

START_TEST(test_cluster_ip)
{
	struct plan p;
	struct ipt_ruleset rs;
	struct plan_service *s;
	struct names n;
	char sep[IPT_CHAIN_LEN];
	const struct ipt_rule *r;

	base_plan(&p);
	s = fx_service(&p, "ns1", "svc1", "p80", NFP_PROTO_TCP, "172.30.0.41",
		       80);
	fx_endpoints(s, "10.180.0.1:8080", NULL);
	fx_compile(&p, AF_INET, &rs, false);
	names_of(&n, "ns1/svc1:p80", NFP_PROTO_TCP);
	sep_of(sep, "ns1/svc1:p80", "10.180.0.1", 8080);

	expect_chain(
		&rs, NAT, IPT_CHAIN_SERVICES,
		"-A NFP-SERVICES -d 172.30.0.41/32 -p tcp -m comment --comment \"ns1/svc1:p80 cluster IP\" -m tcp --dport 80 -j %s\n"
		"-A NFP-SERVICES ! -d 127.0.0.0/8 -m comment --comment \"kube-nfproxy service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j NFP-NODEPORTS\n",
		n.svc);
	expect_chain(
		&rs, NAT, n.svc,
		"-A %s ! -s 10.244.0.0/16 -d 172.30.0.41/32 -p tcp -m comment --comment \"ns1/svc1:p80 cluster IP\" -m tcp --dport 80 -j NFP-MARK-MASQ\n"
		"-A %s -m comment --comment \"ns1/svc1:p80 -> 10.180.0.1:8080\" -j %s\n",
		n.svc, n.svc, sep);
	expect_chain(
		&rs, NAT, sep,
		"-A %s -s 10.180.0.1/32 -m comment --comment \"ns1/svc1:p80\" -j NFP-MARK-MASQ\n"
		"-A %s -p tcp -m comment --comment \"ns1/svc1:p80\" -j DNAT --to-destination 10.180.0.1:8080\n",
		sep, sep);

	/* The same, field by field. */
	r = &chain(&rs, NAT, n.svc)->rules[0];
	ck_assert(r->src_inv);
	ck_assert_uint_eq(r->src.prefix, 16);
	ck_assert_uint_eq(r->dst.prefix, 32);
	ck_assert_uint_eq(r->proto, IPPROTO_TCP);
	ck_assert_uint_eq(r->n_matches, 2);
	ck_assert_int_eq(r->matches[0].kind, IPT_MATCH_COMMENT);
	ck_assert_int_eq(r->matches[1].kind, IPT_MATCH_TCP);
	ck_assert_uint_eq(r->matches[1].port.dport, 80);
	ck_assert_int_eq(r->target.kind, IPT_TARGET_JUMP);
	ck_assert_str_eq(r->target.chain, IPT_CHAIN_MARK_MASQ);
	r = &chain(&rs, NAT, sep)->rules[1];
	ck_assert_int_eq(r->target.kind, IPT_TARGET_DNAT);
	ck_assert(nfp_addr_eq(&r->target.dnat.addr,
			      &(struct nfp_addr){.family = 0}) == false);
	{
		struct nfp_addr want = fx_addr("10.180.0.1");

		ck_assert(nfp_addr_eq(&r->target.dnat.addr, &want));
	}
	ck_assert_uint_eq(r->target.dnat.port, 8080);
	ck_assert_uint_eq(r->n_matches, 1);
	/* No filter rules for a service with endpoints. */
	ck_assert_uint_eq(rules_of(&rs, FILTER, IPT_CHAIN_SERVICES), 0);
	ipt_ruleset_release(&rs);

	/* The IPv6 ruleset knows nothing of an IPv4 service. */
	fx_compile(&p, AF_INET6, &rs, false);
	ck_assert(!has_chain(&rs, NAT, n.svc));
	ck_assert_uint_eq(rules_of(&rs, NAT, IPT_CHAIN_SERVICES), 1);
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_probabilities)
{
	static const char *const want[] = {"0.2500000000", "0.3333333333",
					   "0.5000000000"};
	struct plan p;
	struct ipt_ruleset rs;
	struct plan_service *s;
	struct names n;
	const struct ipt_chain *c;
	char buf[16];

	base_plan(&p);
	s = fx_service(&p, "ns", "lb", "http", NFP_PROTO_TCP, "10.96.0.9", 80);
	fx_endpoints(s, "10.244.1.1:80", "10.244.1.2:80", "10.244.1.3:80",
		     "10.244.1.4:80", NULL);
	fx_compile(&p, AF_INET, &rs, false);
	names_of(&n, "ns/lb:http", NFP_PROTO_TCP);
	c = chain(&rs, NAT, n.svc);
	ck_assert_uint_eq(c->n_rules, 5); /* masq + 4 endpoints */
	for (size_t i = 0; i < 3; i++) {
		const struct ipt_rule *r = &c->rules[1 + i];

		ck_assert_uint_eq(r->n_matches, 2);
		ck_assert_int_eq(r->matches[1].kind, IPT_MATCH_STATISTIC);
		ck_assert_str_eq(
			ipt_probability_str(r->matches[1].statistic.probability,
					    buf),
			want[i]);
	}
	/* The last endpoint takes whatever is left. */
	ck_assert_uint_eq(c->rules[4].n_matches, 1);
	/* What iptables-restore would put in the kernel. */
	ck_assert_uint_eq(ipt_statistic_probability(0.5), 0x40000000u);
	ck_assert_uint_eq(ipt_statistic_probability(1.0 / 3), 715827883u);
	ck_assert_uint_eq(ipt_statistic_probability(1.0), 0x80000000u);
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_masquerade_modes)
{
	struct plan p;
	struct ipt_ruleset rs;
	struct plan_service *s;
	struct names n;
	char sep[IPT_CHAIN_LEN];

	names_of(&n, "ns/a:http", NFP_PROTO_TCP);
	sep_of(sep, "ns/a:http", "10.244.1.1", 80);

	/* No cluster CIDR known: nothing to tell pods from others. */
	memset(&p, 0, sizeof(p));
	s = fx_service(&p, "ns", "a", "http", NFP_PROTO_TCP, "10.96.0.9", 80);
	fx_endpoints(s, "10.244.1.1:80", NULL);
	fx_compile(&p, AF_INET, &rs, false);
	expect_chain(
		&rs, NAT, n.svc,
		"-A %s -m comment --comment \"ns/a:http -> 10.244.1.1:80\" -j %s\n",
		n.svc, sep);
	ipt_ruleset_release(&rs);

	/* --masquerade-all: every source. */
	p.node.masquerade_all = true;
	fx_compile(&p, AF_INET, &rs, false);
	expect_chain(
		&rs, NAT, n.svc,
		"-A %s -d 10.96.0.9/32 -p tcp -m comment --comment \"ns/a:http cluster IP\" -m tcp --dport 80 -j NFP-MARK-MASQ\n"
		"-A %s -m comment --comment \"ns/a:http -> 10.244.1.1:80\" -j %s\n",
		n.svc, n.svc, sep);
	ipt_ruleset_release(&rs);

	/* Two cluster CIDRs: a helper chain returns for each. */
	p.node.masquerade_all = false;
	fx_push_cidr(&p.node.cluster_cidrs, &p.node.n_cluster_cidrs,
		     "10.244.0.0/16");
	fx_push_cidr(&p.node.cluster_cidrs, &p.node.n_cluster_cidrs,
		     "10.245.0.0/16");
	fx_compile(&p, AF_INET, &rs, false);
	expect_chain(
		&rs, NAT, n.svc,
		"-A %s -d 10.96.0.9/32 -p tcp -m comment --comment \"ns/a:http cluster IP\" -m tcp --dport 80 -j NFP-MARK-MASQ-NONPOD\n"
		"-A %s -m comment --comment \"ns/a:http -> 10.244.1.1:80\" -j %s\n",
		n.svc, n.svc, sep);
	expect_chain(&rs, NAT, IPT_CHAIN_MARK_MASQ_NONPOD,
		     "-A NFP-MARK-MASQ-NONPOD -s 10.244.0.0/16 -j RETURN\n"
		     "-A NFP-MARK-MASQ-NONPOD -s 10.245.0.0/16 -j RETURN\n"
		     "-A NFP-MARK-MASQ-NONPOD -j NFP-MARK-MASQ\n");
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_affinity)
{
	struct plan p;
	struct ipt_ruleset rs;
	struct plan_service *s;
	struct names n;
	char sep1[IPT_CHAIN_LEN], sep2[IPT_CHAIN_LEN];
	const struct ipt_match *m;

	base_plan(&p);
	s = fx_service(&p, "ns", "sticky", "http", NFP_PROTO_TCP, "10.96.0.9",
		       80);
	s->affinity_timeout = 10800;
	fx_endpoints(s, "10.244.1.1:80", "10.244.1.2:80", NULL);
	fx_compile(&p, AF_INET, &rs, false);
	names_of(&n, "ns/sticky:http", NFP_PROTO_TCP);
	sep_of(sep1, "ns/sticky:http", "10.244.1.1", 80);
	sep_of(sep2, "ns/sticky:http", "10.244.1.2", 80);
	expect_chain(
		&rs, NAT, n.svc,
		"-A %s ! -s 10.244.0.0/16 -d 10.96.0.9/32 -p tcp -m comment --comment \"ns/sticky:http cluster IP\" -m tcp --dport 80 -j NFP-MARK-MASQ\n"
		"-A %s -m comment --comment \"ns/sticky:http -> 10.244.1.1:80\" -m recent --name %s --rcheck --seconds 10800 --reap --rsource -j %s\n"
		"-A %s -m comment --comment \"ns/sticky:http -> 10.244.1.2:80\" -m recent --name %s --rcheck --seconds 10800 --reap --rsource -j %s\n"
		"-A %s -m comment --comment \"ns/sticky:http -> 10.244.1.1:80\" -m statistic --mode random --probability 0.5000000000 -j %s\n"
		"-A %s -m comment --comment \"ns/sticky:http -> 10.244.1.2:80\" -j %s\n",
		n.svc, n.svc, sep1, sep1, n.svc, sep2, sep2, n.svc, sep1, n.svc,
		sep2);
	expect_chain(
		&rs, NAT, sep1,
		"-A %s -s 10.244.1.1/32 -m comment --comment \"ns/sticky:http\" -j NFP-MARK-MASQ\n"
		"-A %s -p tcp -m comment --comment \"ns/sticky:http\" -m recent --name %s --set --rsource -j DNAT --to-destination 10.244.1.1:80\n",
		sep1, sep1, sep1);
	m = &chain(&rs, NAT, n.svc)->rules[1].matches[1];
	ck_assert_int_eq(m->kind, IPT_MATCH_RECENT);
	ck_assert_int_eq(m->recent.cmd, IPT_RECENT_RCHECK);
	ck_assert_uint_eq(m->recent.seconds, 10800);
	ck_assert(m->recent.reap);
	ck_assert(!m->recent.rdest);
	ck_assert_str_eq(m->recent.name, sep1);
	m = &chain(&rs, NAT, sep1)->rules[1].matches[1];
	ck_assert_int_eq(m->recent.cmd, IPT_RECENT_SET);
	ck_assert_uint_eq(m->recent.seconds, 0);
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

/* ---- no endpoints ---- */

START_TEST(test_no_endpoints_reject)
{
	struct plan p;
	struct ipt_ruleset rs;
	struct plan_service *s;
	struct names n;

	base_plan(&p);
	s = fx_service(&p, "ns", "empty", "http", NFP_PROTO_TCP, "10.96.0.30",
		       80);
	s->node_port = 30090;
	fx_push_addr(&s->external_ips, &s->n_external_ips, "203.0.113.30");
	fx_push_addr(&s->lb_ips, &s->n_lb_ips, "198.51.100.30");
	fx_push_cidr(&s->lb_source_ranges, &s->n_lb_source_ranges,
		     "192.168.0.0/16");
	fx_compile(&p, AF_INET, &rs, false);
	names_of(&n, "ns/empty:http", NFP_PROTO_TCP);
	ck_assert(!has_chain(&rs, NAT, n.svc));
	ck_assert(!has_chain(&rs, NAT, n.ext));
	ck_assert(!has_chain(&rs, NAT, n.fw));
	ck_assert_uint_eq(rules_of(&rs, NAT, IPT_CHAIN_SERVICES), 1);
	ck_assert_uint_eq(rules_of(&rs, NAT, IPT_CHAIN_NODEPORTS), 0);
	expect_chain(
		&rs, FILTER, IPT_CHAIN_SERVICES,
		"-A NFP-SERVICES -d 10.96.0.30/32 -p tcp -m comment --comment \"ns/empty:http has no endpoints\" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable\n");
	expect_chain(
		&rs, FILTER, IPT_CHAIN_EXTERNAL_SERVICES,
		"-A NFP-EXTERNAL-SERVICES -d 203.0.113.30/32 -p tcp -m comment --comment \"ns/empty:http has no endpoints\" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable\n"
		"-A NFP-EXTERNAL-SERVICES -d 198.51.100.30/32 -p tcp -m comment --comment \"ns/empty:http has no endpoints\" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable\n"
		"-A NFP-EXTERNAL-SERVICES -p tcp -m comment --comment \"ns/empty:http has no endpoints\" -m addrtype --dst-type LOCAL -m tcp --dport 30090 -j REJECT --reject-with icmp-port-unreachable\n");
	ck_assert_uint_eq(rules_of(&rs, FILTER, IPT_CHAIN_PROXY_FIREWALL), 0);
	ck_assert_int_eq(
		chain(&rs, FILTER, IPT_CHAIN_SERVICES)->rules[0].target.kind,
		IPT_TARGET_REJECT);
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_no_endpoints_v6)
{
	struct plan p;
	struct ipt_ruleset rs;

	base_plan(&p);
	fx_service(&p, "ns", "empty", "http", NFP_PROTO_TCP, "fd00:96::30", 80);
	fx_compile(&p, AF_INET6, &rs, false);
	expect_chain(
		&rs, FILTER, IPT_CHAIN_SERVICES,
		"-A NFP-SERVICES -d fd00:96::30/128 -p tcp -m comment --comment \"ns/empty:http has no endpoints\" -m tcp --dport 80 -j REJECT --reject-with icmp6-port-unreachable\n");
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

/* A plan that says FORWARD with no endpoint is a bug upstream: reject and
 * say so. */
START_TEST(test_forward_without_endpoints)
{
	struct plan p;
	struct ipt_ruleset rs;
	struct plan_service *s;
	struct diag_list d = {0};

	base_plan(&p);
	s = fx_service(&p, "ns", "odd", "http", NFP_PROTO_TCP, "10.96.0.30",
		       80);
	s->internal_action = PLAN_FORWARD;
	ck_assert_int_eq(ipt_compile(&p, AF_INET, &rs, &d), 0);
	ck_assert_uint_eq(diag_count(&d, DIAG_WARN), 1);
	ck_assert_ptr_nonnull(strstr(d.items[0].msg, "ns/odd:http"));
	ck_assert_uint_eq(rules_of(&rs, FILTER, IPT_CHAIN_SERVICES), 1);
	diag_list_free(&d);
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

/* ---- external traffic ---- */

START_TEST(test_external_cluster)
{
	struct plan p;
	struct ipt_ruleset rs;
	struct plan_service *s;
	struct names n;

	base_plan(&p);
	s = fx_service(&p, "ns", "web", "http", NFP_PROTO_TCP, "10.96.0.10",
		       80);
	s->node_port = 30080;
	fx_push_addr(&s->external_ips, &s->n_external_ips, "203.0.113.10");
	fx_push_addr(&s->lb_ips, &s->n_lb_ips, "198.51.100.10");
	fx_endpoints(s, "10.244.1.7:8080", "10.244.2.7:8080/local", NULL);
	fx_compile(&p, AF_INET, &rs, false);
	names_of(&n, "ns/web:http", NFP_PROTO_TCP);
	expect_chain(
		&rs, NAT, IPT_CHAIN_SERVICES,
		"-A NFP-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment \"ns/web:http cluster IP\" -m tcp --dport 80 -j %s\n"
		"-A NFP-SERVICES -d 203.0.113.10/32 -p tcp -m comment --comment \"ns/web:http external IP\" -m tcp --dport 80 -j %s\n"
		"-A NFP-SERVICES -d 198.51.100.10/32 -p tcp -m comment --comment \"ns/web:http loadbalancer IP\" -m tcp --dport 80 -j %s\n"
		"-A NFP-SERVICES ! -d 127.0.0.0/8 -m comment --comment \"kube-nfproxy service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j NFP-NODEPORTS\n",
		n.svc, n.ext, n.ext);
	expect_chain(
		&rs, NAT, IPT_CHAIN_NODEPORTS,
		"-A NFP-NODEPORTS -p tcp -m comment --comment \"ns/web:http\" -m tcp --dport 30080 -j %s\n",
		n.ext);
	expect_chain(
		&rs, NAT, n.ext,
		"-A %s -m comment --comment \"masquerade traffic for ns/web:http external destinations\" -j NFP-MARK-MASQ\n"
		"-A %s -m comment --comment \"ns/web:http\" -j %s\n",
		n.ext, n.ext, n.svc);
	ck_assert(!has_chain(&rs, NAT, n.svl));
	ck_assert(!has_chain(&rs, NAT, n.fw));
	ck_assert_uint_eq(rules_of(&rs, FILTER, IPT_CHAIN_EXTERNAL_SERVICES),
			  0);
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_external_local)
{
	struct plan p;
	struct ipt_ruleset rs;
	struct plan_service *s;
	struct names n;
	char sep1[IPT_CHAIN_LEN], sep2[IPT_CHAIN_LEN];

	base_plan(&p);
	s = fx_service(&p, "ns", "lb", "http", NFP_PROTO_TCP, "10.96.0.20", 80);
	s->node_port = 30081;
	s->external_local = true;
	s->health_check_node_port = 32000;
	fx_endpoints(s, "10.244.1.5:8080", "10.244.2.5:8080/local", NULL);
	fx_compile(&p, AF_INET, &rs, false);
	names_of(&n, "ns/lb:http", NFP_PROTO_TCP);
	sep_of(sep1, "ns/lb:http", "10.244.1.5", 8080);
	sep_of(sep2, "ns/lb:http", "10.244.2.5", 8080);
	expect_chain(
		&rs, NAT, n.ext,
		"-A %s -s 10.244.0.0/16 -m comment --comment \"pod traffic for ns/lb:http external destinations\" -j %s\n"
		"-A %s -m comment --comment \"masquerade LOCAL traffic for ns/lb:http external destinations\" -m addrtype --src-type LOCAL -j NFP-MARK-MASQ\n"
		"-A %s -m comment --comment \"route LOCAL traffic for ns/lb:http external destinations\" -m addrtype --src-type LOCAL -j %s\n"
		"-A %s -m comment --comment \"ns/lb:http\" -j %s\n",
		n.ext, n.svc, n.ext, n.ext, n.svc, n.ext, n.svl);
	/* Only the local endpoint for external traffic, both for internal;
	 * one SEP chain each, shared. */
	expect_chain(
		&rs, NAT, n.svl,
		"-A %s -m comment --comment \"ns/lb:http -> 10.244.2.5:8080\" -j %s\n",
		n.svl, sep2);
	ck_assert_uint_eq(rules_of(&rs, NAT, n.svc), 3);
	ck_assert(has_chain(&rs, NAT, sep1));
	ck_assert_uint_eq(rules_of(&rs, NAT, sep2), 2);
	expect_chain(
		&rs, FILTER, IPT_CHAIN_NODEPORTS,
		"-A NFP-NODEPORTS -p tcp -m comment --comment \"ns/lb:http health check node port\" -m tcp --dport 32000 -j ACCEPT\n");
	ipt_ruleset_release(&rs);

	/* Without --cluster-cidr there is no pod short-circuit. */
	free(p.node.cluster_cidrs);
	p.node.cluster_cidrs = NULL;
	p.node.n_cluster_cidrs = 0;
	fx_compile(&p, AF_INET, &rs, false);
	expect_chain(
		&rs, NAT, n.ext,
		"-A %s -m comment --comment \"masquerade LOCAL traffic for ns/lb:http external destinations\" -m addrtype --src-type LOCAL -j NFP-MARK-MASQ\n"
		"-A %s -m comment --comment \"route LOCAL traffic for ns/lb:http external destinations\" -m addrtype --src-type LOCAL -j %s\n"
		"-A %s -m comment --comment \"ns/lb:http\" -j %s\n",
		n.ext, n.ext, n.svc, n.ext, n.svl);
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_external_local_no_local_endpoints)
{
	struct plan p;
	struct ipt_ruleset rs;
	struct plan_service *s;
	struct names n;

	base_plan(&p);
	s = fx_service(&p, "ns", "nolocal", "http", NFP_PROTO_TCP, "10.96.0.31",
		       80);
	s->node_port = 30091;
	s->external_local = true;
	fx_push_addr(&s->lb_ips, &s->n_lb_ips, "198.51.100.31");
	fx_endpoints(s, "10.244.1.31:80", NULL);
	ck_assert_int_eq(s->external_action, PLAN_DROP);
	fx_compile(&p, AF_INET, &rs, false);
	names_of(&n, "ns/nolocal:http", NFP_PROTO_TCP);
	ck_assert(!has_chain(&rs, NAT, n.svl));
	/* Pods and the host still get through the EXT chain; the rest
	 * falls through nat and is dropped in filter. */
	expect_chain(
		&rs, NAT, n.ext,
		"-A %s -s 10.244.0.0/16 -m comment --comment \"pod traffic for ns/nolocal:http external destinations\" -j %s\n"
		"-A %s -m comment --comment \"masquerade LOCAL traffic for ns/nolocal:http external destinations\" -m addrtype --src-type LOCAL -j NFP-MARK-MASQ\n"
		"-A %s -m comment --comment \"route LOCAL traffic for ns/nolocal:http external destinations\" -m addrtype --src-type LOCAL -j %s\n",
		n.ext, n.svc, n.ext, n.ext, n.svc);
	expect_chain(
		&rs, FILTER, IPT_CHAIN_EXTERNAL_SERVICES,
		"-A NFP-EXTERNAL-SERVICES -d 198.51.100.31/32 -p tcp -m comment --comment \"ns/nolocal:http has no local endpoints\" -m tcp --dport 80 -j DROP\n"
		"-A NFP-EXTERNAL-SERVICES -p tcp -m comment --comment \"ns/nolocal:http has no local endpoints\" -m addrtype --dst-type LOCAL -m tcp --dport 30091 -j DROP\n");
	expect_chain(
		&rs, NAT, IPT_CHAIN_NODEPORTS,
		"-A NFP-NODEPORTS -p tcp -m comment --comment \"ns/nolocal:http\" -m tcp --dport 30091 -j %s\n",
		n.ext);
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_internal_local)
{
	struct plan p;
	struct ipt_ruleset rs;
	struct plan_service *s;
	struct names n, m;
	char sep[IPT_CHAIN_LEN];

	base_plan(&p);
	s = fx_service(&p, "ns", "itp", "grpc", NFP_PROTO_TCP, "10.96.0.40",
		       9090);
	s->internal_local = true;
	fx_endpoints(s, "10.244.1.40:9090", "10.244.2.40:9090/local", NULL);
	s = fx_service(&p, "ns", "itp2", "grpc", NFP_PROTO_TCP, "10.96.0.41",
		       9090);
	s->internal_local = true;
	fx_endpoints(s, "10.244.1.41:9090", NULL);
	fx_compile(&p, AF_INET, &rs, false);
	names_of(&n, "ns/itp:grpc", NFP_PROTO_TCP);
	names_of(&m, "ns/itp2:grpc", NFP_PROTO_TCP);
	sep_of(sep, "ns/itp:grpc", "10.244.2.40", 9090);
	ck_assert(!has_chain(&rs, NAT, n.svc));
	ck_assert(!has_chain(&rs, NAT,
			     sep_of((char[IPT_CHAIN_LEN]){0}, "ns/itp:grpc",
				    "10.244.1.40", 9090)));
	expect_chain(
		&rs, NAT, n.svl,
		"-A %s ! -s 10.244.0.0/16 -d 10.96.0.40/32 -p tcp -m comment --comment \"ns/itp:grpc cluster IP\" -m tcp --dport 9090 -j NFP-MARK-MASQ\n"
		"-A %s -m comment --comment \"ns/itp:grpc -> 10.244.2.40:9090\" -j %s\n",
		n.svl, n.svl, sep);
	ck_assert(!has_chain(&rs, NAT, m.svl));
	expect_chain(
		&rs, FILTER, IPT_CHAIN_SERVICES,
		"-A NFP-SERVICES -d 10.96.0.41/32 -p tcp -m comment --comment \"ns/itp2:grpc has no local endpoints\" -m tcp --dport 9090 -j DROP\n");
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

/* Both policies Local, the only endpoint on another node: external
 * traffic and the cluster IP drop, but pods and the node reaching the
 * node port short-circuit to the Cluster policy's chain NFP-SVC (all
 * endpoints), as kube-proxy does. */
START_TEST(test_both_local_remote_endpoints)
{
	struct plan p;
	struct ipt_ruleset rs;
	struct plan_service *s;
	struct names n;
	char sep[IPT_CHAIN_LEN];
	struct diag_list d = {0};

	base_plan(&p);
	s = fx_service(&p, "ns", "both", "http", NFP_PROTO_TCP, "10.96.0.50",
		       80);
	s->node_port = 30095;
	s->external_local = true;
	s->internal_local = true;
	fx_endpoints(s, "10.244.1.50:8080", NULL);
	ck_assert_int_eq(s->internal_action, PLAN_DROP);
	ck_assert_int_eq(s->external_action, PLAN_DROP);
	ck_assert_int_eq(s->short_action, PLAN_FORWARD);
	ck_assert_int_eq(ipt_compile(&p, AF_INET, &rs, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	names_of(&n, "ns/both:http", NFP_PROTO_TCP);
	sep_of(sep, "ns/both:http", "10.244.1.50", 8080);
	ck_assert(!has_chain(&rs, NAT, n.svl));
	expect_chain(
		&rs, NAT, n.ext,
		"-A %s -s 10.244.0.0/16 -m comment --comment \"pod traffic for ns/both:http external destinations\" -j %s\n"
		"-A %s -m comment --comment \"masquerade LOCAL traffic for ns/both:http external destinations\" -m addrtype --src-type LOCAL -j NFP-MARK-MASQ\n"
		"-A %s -m comment --comment \"route LOCAL traffic for ns/both:http external destinations\" -m addrtype --src-type LOCAL -j %s\n",
		n.ext, n.svc, n.ext, n.ext, n.svc);
	expect_chain(
		&rs, NAT, n.svc,
		"-A %s -m comment --comment \"ns/both:http -> 10.244.1.50:8080\" -j %s\n",
		n.svc, sep);
	ck_assert_uint_eq(rules_of(&rs, NAT, sep), 2);
	expect_chain(
		&rs, NAT, IPT_CHAIN_NODEPORTS,
		"-A NFP-NODEPORTS -p tcp -m comment --comment \"ns/both:http\" -m tcp --dport 30095 -j %s\n",
		n.ext);
	expect_chain(
		&rs, FILTER, IPT_CHAIN_SERVICES,
		"-A NFP-SERVICES -d 10.96.0.50/32 -p tcp -m comment --comment \"ns/both:http has no local endpoints\" -m tcp --dport 80 -j DROP\n");
	expect_chain(
		&rs, FILTER, IPT_CHAIN_EXTERNAL_SERVICES,
		"-A NFP-EXTERNAL-SERVICES -p tcp -m comment --comment \"ns/both:http has no local endpoints\" -m addrtype --dst-type LOCAL -m tcp --dport 30095 -j DROP\n");
	diag_list_free(&d);
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_lb_source_ranges)
{
	struct plan p;
	struct ipt_ruleset rs;
	struct plan_service *s;
	struct names n;

	base_plan(&p);
	s = fx_service(&p, "ns", "fw", "http", NFP_PROTO_TCP, "10.96.0.10", 80);
	fx_push_addr(&s->lb_ips, &s->n_lb_ips, "198.51.100.10");
	fx_push_cidr(&s->lb_source_ranges, &s->n_lb_source_ranges,
		     "203.0.113.0/24");
	fx_endpoints(s, "10.244.1.7:8080", NULL);
	fx_compile(&p, AF_INET, &rs, false);
	names_of(&n, "ns/fw:http", NFP_PROTO_TCP);
	ck_assert_str_eq(
		chain(&rs, NAT, IPT_CHAIN_SERVICES)->rules[1].target.chain,
		n.fw);
	/* The node (192.168.1.5) is outside the ranges. */
	expect_chain(
		&rs, NAT, n.fw,
		"-A %s -s 203.0.113.0/24 -m comment --comment \"ns/fw:http loadbalancer IP\" -j %s\n",
		n.fw, n.ext);
	expect_chain(
		&rs, FILTER, IPT_CHAIN_PROXY_FIREWALL,
		"-A NFP-PROXY-FIREWALL -d 198.51.100.10/32 -p tcp -m comment --comment \"ns/fw:http traffic not accepted by %s\" -m tcp --dport 80 -j DROP\n",
		n.fw);
	ipt_ruleset_release(&rs);

	/* Inside: the node reaching a local VIP uses the VIP as source. */
	fx_push_cidr(&p.services[0].lb_source_ranges,
		     &p.services[0].n_lb_source_ranges, "192.168.0.0/16");
	fx_compile(&p, AF_INET, &rs, false);
	expect_chain(
		&rs, NAT, n.fw,
		"-A %s -s 203.0.113.0/24 -m comment --comment \"ns/fw:http loadbalancer IP\" -j %s\n"
		"-A %s -s 192.168.0.0/16 -m comment --comment \"ns/fw:http loadbalancer IP\" -j %s\n"
		"-A %s -s 198.51.100.10/32 -m comment --comment \"ns/fw:http loadbalancer IP\" -j %s\n",
		n.fw, n.ext, n.fw, n.ext, n.fw, n.ext);
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_nodeport_addresses)
{
	struct plan p;
	struct ipt_ruleset rs;

	base_plan(&p);
	fx_push_cidr(&p.node.nodeport_cidrs, &p.node.n_nodeport_cidrs,
		     "192.168.1.0/24");
	fx_push_cidr(&p.node.nodeport_cidrs, &p.node.n_nodeport_cidrs,
		     "10.0.0.0/8");
	fx_compile(&p, AF_INET, &rs, false);
	expect_chain(
		&rs, NAT, IPT_CHAIN_SERVICES,
		"-A NFP-SERVICES -d 192.168.1.0/24 -m comment --comment \"kube-nfproxy service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j NFP-NODEPORTS\n"
		"-A NFP-SERVICES -d 10.0.0.0/8 -m comment --comment \"kube-nfproxy service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j NFP-NODEPORTS\n");
	ipt_ruleset_release(&rs);
	/* Only IPv4 node port addresses: no node ports over IPv6. */
	fx_compile(&p, AF_INET6, &rs, false);
	ck_assert_uint_eq(rules_of(&rs, NAT, IPT_CHAIN_SERVICES), 0);
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_sctp_udp)
{
	struct plan p;
	struct ipt_ruleset rs;
	struct plan_service *s;
	struct names n;
	char sep[IPT_CHAIN_LEN];
	struct nfp_addr a = fx_addr("10.244.2.99");

	base_plan(&p);
	s = fx_service(&p, "ns", "sig", "sctp", NFP_PROTO_SCTP, "10.96.0.99",
		       9999);
	s->node_port = 31999;
	fx_endpoints(s, "10.244.2.99:9999", NULL);
	s = fx_service(&p, "ns", "u", "dns", NFP_PROTO_UDP, "10.96.0.53", 53);
	fx_compile(&p, AF_INET, &rs, false);
	names_of(&n, "ns/sig:sctp", NFP_PROTO_SCTP);
	ipt_name_endpoint(sep, "ns/sig:sctp", NFP_PROTO_SCTP, &a, 9999);
	expect_chain(
		&rs, NAT, IPT_CHAIN_NODEPORTS,
		"-A NFP-NODEPORTS -p sctp -m comment --comment \"ns/sig:sctp\" -m sctp --dport 31999 -j %s\n",
		n.ext);
	expect_chain(
		&rs, NAT, sep,
		"-A %s -s 10.244.2.99/32 -m comment --comment \"ns/sig:sctp\" -j NFP-MARK-MASQ\n"
		"-A %s -p sctp -m comment --comment \"ns/sig:sctp\" -j DNAT --to-destination 10.244.2.99:9999\n",
		sep, sep);
	ck_assert_int_eq(
		chain(&rs, NAT, IPT_CHAIN_NODEPORTS)->rules[0].matches[1].kind,
		IPT_MATCH_SCTP);
	ck_assert_uint_eq(chain(&rs, NAT, IPT_CHAIN_NODEPORTS)->rules[0].proto,
			  IPPROTO_SCTP);
	expect_chain(
		&rs, FILTER, IPT_CHAIN_SERVICES,
		"-A NFP-SERVICES -d 10.96.0.53/32 -p udp -m comment --comment \"ns/u:dns has no endpoints\" -m udp --dport 53 -j REJECT --reject-with icmp-port-unreachable\n");
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_ipv6_service)
{
	struct plan p;
	struct ipt_ruleset rs;
	struct plan_service *s;
	struct names n;
	char sep[IPT_CHAIN_LEN];

	base_plan(&p);
	s = fx_service(&p, "ns", "v6", "http", NFP_PROTO_TCP, "fd00:96::10",
		       80);
	fx_endpoints(s, "[fd00:10:244:1::7]:8080", NULL);
	fx_compile(&p, AF_INET6, &rs, false);
	ck_assert_int_eq(rs.family, AF_INET6);
	names_of(&n, "ns/v6:http", NFP_PROTO_TCP);
	sep_of(sep, "ns/v6:http", "fd00:10:244:1::7", 8080);
	expect_chain(
		&rs, NAT, n.svc,
		"-A %s ! -s fd00:10:244::/56 -d fd00:96::10/128 -p tcp -m comment --comment \"ns/v6:http cluster IP\" -m tcp --dport 80 -j NFP-MARK-MASQ\n"
		"-A %s -m comment --comment \"ns/v6:http -> [fd00:10:244:1::7]:8080\" -j %s\n",
		n.svc, n.svc, sep);
	expect_chain(
		&rs, NAT, sep,
		"-A %s -s fd00:10:244:1::7/128 -m comment --comment \"ns/v6:http\" -j NFP-MARK-MASQ\n"
		"-A %s -p tcp -m comment --comment \"ns/v6:http\" -j DNAT --to-destination [fd00:10:244:1::7]:8080\n",
		sep, sep);
	ipt_ruleset_release(&rs);
	/* Nothing of it in the IPv4 ruleset. */
	fx_compile(&p, AF_INET, &rs, false);
	ck_assert(!has_chain(&rs, NAT, n.svc));
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

/* ---- hostports ---- */

START_TEST(test_hostports)
{
	struct plan p;
	struct ipt_ruleset rs;
	char hp[IPT_CHAIN_LEN], hp2[IPT_CHAIN_LEN];

	base_plan(&p);
	fx_hostport(&p, "ns/a", NFP_PROTO_TCP, NULL, 8080, "10.244.2.8", 80);
	fx_hostport(&p, "ns/b", NFP_PROTO_TCP, NULL, 9000, "10.244.2.9", 9000);
	fx_hostport(&p, "ns/a", NFP_PROTO_UDP, "192.168.1.5", 5353,
		    "10.244.2.8", 53);
	fx_hostport(&p, "ns/a", NFP_PROTO_TCP, NULL, 8080, "fd00:10:244:2::8",
		    80);
	fx_compile(&p, AF_INET, &rs, false);
	ipt_name_hostport(hp, "ns/a");
	ipt_name_hostport(hp2, "ns/b");
	expect_chain(
		&rs, NAT, IPT_CHAIN_HOSTPORTS,
		"-A NFP-HOSTPORTS -p tcp -m comment --comment \"ns/a hostport 8080\" -m tcp --dport 8080 -j %s\n"
		"-A NFP-HOSTPORTS -p tcp -m comment --comment \"ns/b hostport 9000\" -m tcp --dport 9000 -j %s\n"
		"-A NFP-HOSTPORTS -d 192.168.1.5/32 -p udp -m comment --comment \"ns/a hostport 5353\" -m udp --dport 5353 -j %s\n",
		hp, hp2, hp);
	expect_chain(
		&rs, NAT, hp,
		"-A %s -s 10.244.2.8/32 -p tcp -m comment --comment \"ns/a hostport 8080\" -m tcp --dport 8080 -j NFP-MARK-MASQ\n"
		"-A %s -s 127.0.0.0/8 -p tcp -m comment --comment \"ns/a hostport 8080\" -m tcp --dport 8080 -j NFP-MARK-MASQ\n"
		"-A %s -p tcp -m comment --comment \"ns/a hostport 8080\" -m tcp --dport 8080 -j DNAT --to-destination 10.244.2.8:80\n"
		"-A %s -s 10.244.2.8/32 -d 192.168.1.5/32 -p udp -m comment --comment \"ns/a hostport 5353\" -m udp --dport 5353 -j NFP-MARK-MASQ\n"
		"-A %s -s 127.0.0.0/8 -d 192.168.1.5/32 -p udp -m comment --comment \"ns/a hostport 5353\" -m udp --dport 5353 -j NFP-MARK-MASQ\n"
		"-A %s -d 192.168.1.5/32 -p udp -m comment --comment \"ns/a hostport 5353\" -m udp --dport 5353 -j DNAT --to-destination 10.244.2.8:53\n",
		hp, hp, hp, hp, hp, hp);
	ck_assert_uint_eq(rules_of(&rs, NAT, hp2), 3);
	ipt_ruleset_release(&rs);

	fx_compile(&p, AF_INET6, &rs, false);
	expect_chain(
		&rs, NAT, hp,
		"-A %s -s fd00:10:244:2::8/128 -p tcp -m comment --comment \"ns/a hostport 8080\" -m tcp --dport 8080 -j NFP-MARK-MASQ\n"
		"-A %s -p tcp -m comment --comment \"ns/a hostport 8080\" -m tcp --dport 8080 -j DNAT --to-destination [fd00:10:244:2::8]:80\n",
		hp, hp);
	ck_assert(!has_chain(&rs, NAT, hp2));
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

/* With the Node's podCIDRs known, every pod of the node that reaches a
 * hostPort is masqueraded (portmap's -s podSubnet); a pod outside them
 * (another network) keeps the pod-only rule. */
START_TEST(test_hostport_node_pods)
{
	struct plan p;
	struct ipt_ruleset rs;
	char hp[IPT_CHAIN_LEN], hp2[IPT_CHAIN_LEN];

	base_plan(&p);
	fx_push_cidr(&p.node.pod_cidrs, &p.node.n_pod_cidrs, "10.244.2.0/24");
	fx_push_cidr(&p.node.pod_cidrs, &p.node.n_pod_cidrs,
		     "fd00:10:244:2::/64");
	fx_hostport(&p, "ns/a", NFP_PROTO_TCP, NULL, 8080, "10.244.2.8", 80);
	fx_hostport(&p, "ns/b", NFP_PROTO_UDP, NULL, 9000, "10.99.0.9", 9000);
	fx_hostport(&p, "ns/a", NFP_PROTO_TCP, NULL, 8080, "fd00:10:244:2::8",
		    80);
	ipt_name_hostport(hp, "ns/a");
	ipt_name_hostport(hp2, "ns/b");
	fx_compile(&p, AF_INET, &rs, false);
	expect_chain(
		&rs, NAT, hp,
		"-A %s -s 10.244.2.0/24 -p tcp -m comment --comment \"ns/a hostport 8080\" -m tcp --dport 8080 -j NFP-MARK-MASQ\n"
		"-A %s -s 127.0.0.0/8 -p tcp -m comment --comment \"ns/a hostport 8080\" -m tcp --dport 8080 -j NFP-MARK-MASQ\n"
		"-A %s -p tcp -m comment --comment \"ns/a hostport 8080\" -m tcp --dport 8080 -j DNAT --to-destination 10.244.2.8:80\n",
		hp, hp, hp);
	expect_chain(
		&rs, NAT, hp2,
		"-A %s -s 10.99.0.9/32 -p udp -m comment --comment \"ns/b hostport 9000\" -m udp --dport 9000 -j NFP-MARK-MASQ\n"
		"-A %s -s 127.0.0.0/8 -p udp -m comment --comment \"ns/b hostport 9000\" -m udp --dport 9000 -j NFP-MARK-MASQ\n"
		"-A %s -p udp -m comment --comment \"ns/b hostport 9000\" -m udp --dport 9000 -j DNAT --to-destination 10.99.0.9:9000\n",
		hp2, hp2, hp2);
	ipt_ruleset_release(&rs);
	fx_compile(&p, AF_INET6, &rs, false);
	expect_chain(
		&rs, NAT, hp,
		"-A %s -s fd00:10:244:2::/64 -p tcp -m comment --comment \"ns/a hostport 8080\" -m tcp --dport 8080 -j NFP-MARK-MASQ\n"
		"-A %s -p tcp -m comment --comment \"ns/a hostport 8080\" -m tcp --dport 8080 -j DNAT --to-destination [fd00:10:244:2::8]:80\n",
		hp, hp);
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_hostport_mixed_family)
{
	struct plan p;
	struct ipt_ruleset rs;
	struct diag_list d = {0};

	base_plan(&p);
	fx_hostport(&p, "ns/a", NFP_PROTO_TCP, "2001:db8::1", 8080,
		    "10.244.2.8", 80);
	ck_assert_int_eq(ipt_compile(&p, AF_INET, &rs, &d), 0);
	ck_assert_uint_eq(diag_count(&d, DIAG_WARN), 1);
	ck_assert_uint_eq(rules_of(&rs, NAT, IPT_CHAIN_HOSTPORTS), 0);
	diag_list_free(&d);
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

/* ---- egress masquerade ---- */

START_TEST(test_masq_egress)
{
	struct plan p;
	struct ipt_ruleset rs;

	base_plan(&p);
	p.masq.enabled = true;
	fx_push_cidr(&p.masq.pod_cidrs, &p.masq.n_pod_cidrs, "10.244.0.0/16");
	fx_push_cidr(&p.masq.pod_cidrs, &p.masq.n_pod_cidrs,
		     "fd00:10:244::/56");
	fx_push_cidr(&p.masq.non_masq_cidrs, &p.masq.n_non_masq_cidrs,
		     "10.0.0.0/8");
	fx_push_cidr(&p.masq.non_masq_cidrs, &p.masq.n_non_masq_cidrs,
		     "fd00::/8");
	fx_compile(&p, AF_INET, &rs, false);
	/* Sorted; the cluster CIDR 10.244.0.0/16 is inside 10.0.0.0/8. */
	expect_chain(
		&rs, NAT, IPT_CHAIN_MASQ_EGRESS,
		"-A NFP-MASQ-EGRESS -d 10.0.0.0/8 -m comment --comment \"kube-nfproxy egress: traffic to 10.0.0.0/8 is not masqueraded\" -j RETURN\n"
		"-A NFP-MASQ-EGRESS -d 169.254.0.0/16 -m comment --comment \"kube-nfproxy egress: link-local traffic is not masqueraded\" -j RETURN\n"
		"-A NFP-MASQ-EGRESS -s 10.244.0.0/16 -m comment --comment \"kube-nfproxy egress: pod traffic leaving the cluster is masqueraded\" -j MASQUERADE --random-fully\n");
	ck_assert(chain(&rs, NAT, IPT_CHAIN_MASQ_EGRESS)
			  ->rules[2]
			  .target.masq.random_fully);
	ipt_ruleset_release(&rs);

	fx_compile(&p, AF_INET6, &rs, false);
	expect_chain(
		&rs, NAT, IPT_CHAIN_MASQ_EGRESS,
		"-A NFP-MASQ-EGRESS -d fd00::/8 -m comment --comment \"kube-nfproxy egress: traffic to fd00::/8 is not masqueraded\" -j RETURN\n"
		"-A NFP-MASQ-EGRESS -d fe80::/10 -m comment --comment \"kube-nfproxy egress: link-local traffic is not masqueraded\" -j RETURN\n"
		"-A NFP-MASQ-EGRESS -s fd00:10:244::/56 -m comment --comment \"kube-nfproxy egress: pod traffic leaving the cluster is masqueraded\" -j MASQUERADE --random-fully\n");
	ipt_ruleset_release(&rs);

	/* Asked to masquerade link-local too. */
	p.masq.masq_link_local = true;
	fx_compile(&p, AF_INET, &rs, false);
	ck_assert_uint_eq(rules_of(&rs, NAT, IPT_CHAIN_MASQ_EGRESS), 2);
	ipt_ruleset_release(&rs);
	fx_compile(&p, AF_INET6, &rs, false);
	ck_assert_uint_eq(rules_of(&rs, NAT, IPT_CHAIN_MASQ_EGRESS), 3);
	ipt_ruleset_release(&rs);

	/* In-cluster traffic is never masqueraded, even with an empty list
	 * (an ip-masq-agent file with nonMasqueradeCIDRs: []); masq_plan's
	 * link-local entry is not written twice. */
	p.masq.masq_link_local = false;
	p.masq.n_non_masq_cidrs = 0;
	fx_push_cidr(&p.masq.non_masq_cidrs, &p.masq.n_non_masq_cidrs,
		     "169.254.0.0/16");
	fx_compile(&p, AF_INET, &rs, false);
	expect_chain(
		&rs, NAT, IPT_CHAIN_MASQ_EGRESS,
		"-A NFP-MASQ-EGRESS -d 10.244.0.0/16 -m comment --comment \"kube-nfproxy egress: traffic to 10.244.0.0/16 is not masqueraded\" -j RETURN\n"
		"-A NFP-MASQ-EGRESS -d 169.254.0.0/16 -m comment --comment \"kube-nfproxy egress: link-local traffic is not masqueraded\" -j RETURN\n"
		"-A NFP-MASQ-EGRESS -s 10.244.0.0/16 -m comment --comment \"kube-nfproxy egress: pod traffic leaving the cluster is masqueraded\" -j MASQUERADE --random-fully\n");
	ipt_ruleset_release(&rs);

	/* Off. */
	p.masq.enabled = false;
	fx_compile(&p, AF_INET, &rs, false);
	ck_assert_uint_eq(rules_of(&rs, NAT, IPT_CHAIN_MASQ_EGRESS), 0);
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

/* ---- the ruleset itself ---- */

START_TEST(test_deterministic_and_eq)
{
	struct plan p;
	struct ipt_ruleset a, b;
	struct plan_service *s;
	struct names n;
	struct ipt_rule r1 = {0}, r2 = {0};

	base_plan(&p);
	s = fx_service(&p, "ns", "a", "http", NFP_PROTO_TCP, "10.96.0.9", 80);
	s->affinity_timeout = 60;
	s->node_port = 30000;
	fx_endpoints(s, "10.244.1.1:80", "10.244.1.2:80/local", NULL);
	fx_compile(&p, AF_INET, &a, false);
	fx_compile(&p, AF_INET, &b, false);
	for (int t = 0; t < __IPT_TABLE_MAX; t++) {
		ck_assert_uint_eq(a.tables[t].n_chains, b.tables[t].n_chains);
		for (size_t i = 0; i < a.tables[t].n_chains; i++)
			ck_assert(ipt_chain_eq(a.tables[t].chains[i],
					       b.tables[t].chains[i]));
		for (int h = 0; h < __IPT_HOOK_MAX; h++)
			ck_assert(ipt_chain_eq(&a.tables[t].hooks[h],
					       &b.tables[t].hooks[h]));
	}
	names_of(&n, "ns/a:http", NFP_PROTO_TCP);
	/* Different rules are told apart. */
	ck_assert(!ipt_chain_eq(chain(&a, NAT, n.svc),
				chain(&b, NAT, IPT_CHAIN_SERVICES)));
	ck_assert(!ipt_rule_eq(&chain(&a, NAT, n.svc)->rules[1],
			       &chain(&a, NAT, n.svc)->rules[2]));
	ipt_rule_dport(&r1, NFP_PROTO_TCP, 80);
	ipt_rule_dport(&r2, NFP_PROTO_TCP, 80);
	ipt_rule_verdict(&r1, IPT_TARGET_ACCEPT);
	ipt_rule_verdict(&r2, IPT_TARGET_ACCEPT);
	ck_assert(ipt_rule_eq(&r1, &r2));
	r2.matches[0].port.dport = 81;
	ck_assert(!ipt_rule_eq(&r1, &r2));
	r2.matches[0].port.dport = 80;
	r2.dst_inv = true;
	ck_assert(!ipt_rule_eq(&r1, &r2));
	r2.dst_inv = false;
	ipt_rule_jump(&r2, "NFP-X");
	ck_assert(!ipt_rule_eq(&r1, &r2));
	ipt_rule_verdict(&r2, IPT_TARGET_ACCEPT);
	ck_assert(ipt_rule_eq(&r1, &r2));
	r2.dst = fx_cidr("0.0.0.0/0"); /* /0 is "any", like family 0 */
	ck_assert(ipt_rule_eq(&r1, &r2));
	ipt_rule_comment(&r2, "x");
	ck_assert(!ipt_rule_eq(&r1, &r2));
	free(r1.matches);
	free(r2.matches[1].comment.text);
	free(r2.matches);
	ipt_ruleset_release(&a);
	ipt_ruleset_release(&b);
	plan_free(&p);
}
END_TEST

START_TEST(test_finish_checks)
{
	struct ipt_ruleset rs;
	struct ipt_chain *c;
	struct diag_list d = {0};

	ipt_ruleset_init(&rs, AF_INET);
	c = ipt_table_add_chain(&rs.tables[NAT], "NFP-A");
	ipt_rule_jump(ipt_chain_add_rule(c), "NFP-B");
	/* Found before the index exists, too. */
	ck_assert_ptr_eq(ipt_table_find_chain(&rs.tables[NAT], "NFP-A"), c);
	ck_assert_int_eq(ipt_ruleset_finish(&rs, &d), -EINVAL);
	ck_assert_uint_eq(diag_count(&d, DIAG_ERROR), 1);
	ck_assert_ptr_nonnull(strstr(d.items[0].msg, "NFP-B"));
	diag_list_free(&d);

	ipt_table_add_chain(&rs.tables[NAT], "NFP-B");
	ck_assert_int_eq(ipt_ruleset_finish(&rs, &d), 0);
	ck_assert_ptr_nonnull(ipt_table_find_chain(&rs.tables[NAT], "NFP-B"));
	ck_assert_ptr_null(ipt_table_find_chain(&rs.tables[NAT], "NFP-C"));
	ck_assert_ptr_null(ipt_table_find_chain(&rs.tables[FILTER], "NFP-A"));

	ipt_table_add_chain(&rs.tables[NAT], "NFP-A");
	ck_assert_int_eq(ipt_ruleset_finish(&rs, &d), -EINVAL);
	ck_assert_ptr_nonnull(strstr(d.items[0].msg, "made twice"));
	diag_list_free(&d);

	/* A jump from a hook the table does not have. */
	ipt_ruleset_release(&rs);
	ipt_rule_jump(ipt_chain_add_rule(
			      &rs.tables[FILTER].hooks[IPT_HOOK_PREROUTING]),
		      "NFP-A");
	ck_assert_int_eq(ipt_ruleset_finish(&rs, &d), -EINVAL);
	diag_list_free(&d);
	ipt_ruleset_release(&rs);
	ipt_ruleset_release(NULL);
}
END_TEST

START_TEST(test_duplicate_service)
{
	struct plan p;
	struct ipt_ruleset rs;
	struct diag_list d = {0};
	struct plan_service *s;

	base_plan(&p);
	s = fx_service(&p, "ns", "a", "http", NFP_PROTO_TCP, "10.96.0.9", 80);
	fx_endpoints(s, "10.244.1.1:80", NULL);
	s = fx_service(&p, "ns", "a", "http", NFP_PROTO_TCP, "10.96.0.10", 80);
	fx_endpoints(s, "10.244.1.1:80", NULL);
	ck_assert_int_eq(ipt_compile(&p, AF_INET, &rs, &d), 0);
	ck_assert_uint_eq(diag_count(&d, DIAG_WARN), 1);
	ck_assert_uint_eq(rules_of(&rs, NAT, IPT_CHAIN_SERVICES), 2);
	diag_list_free(&d);
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_comment_truncated)
{
	struct ipt_rule r = {0};
	char big[400];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ipt_rule_comment(&r, "%s", big);
	ck_assert_uint_eq(strlen(ipt_rule_comment_text(&r)),
			  IPT_COMMENT_LEN - 1);
	free(r.matches[0].comment.text);
	free(r.matches);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ipt_compile");
	TCase *names = tcase_create("names");
	TCase *svc = tcase_create("services");
	TCase *other = tcase_create("other");

	tcase_add_test(names, test_sha256_vectors);
	tcase_add_test(names, test_names_match_kube_proxy);
	tcase_add_test(names, test_unnamed_port);
	suite_add_tcase(s, names);

	tcase_add_test(svc, test_base_layout);
	tcase_add_test(svc, test_bad_family);
	tcase_add_test(svc, test_cluster_ip);
	tcase_add_test(svc, test_probabilities);
	tcase_add_test(svc, test_masquerade_modes);
	tcase_add_test(svc, test_affinity);
	tcase_add_test(svc, test_no_endpoints_reject);
	tcase_add_test(svc, test_no_endpoints_v6);
	tcase_add_test(svc, test_forward_without_endpoints);
	tcase_add_test(svc, test_external_cluster);
	tcase_add_test(svc, test_external_local);
	tcase_add_test(svc, test_external_local_no_local_endpoints);
	tcase_add_test(svc, test_internal_local);
	tcase_add_test(svc, test_both_local_remote_endpoints);
	tcase_add_test(svc, test_lb_source_ranges);
	tcase_add_test(svc, test_nodeport_addresses);
	tcase_add_test(svc, test_sctp_udp);
	tcase_add_test(svc, test_ipv6_service);
	suite_add_tcase(s, svc);

	tcase_add_test(other, test_hostports);
	tcase_add_test(other, test_hostport_node_pods);
	tcase_add_test(other, test_hostport_mixed_family);
	tcase_add_test(other, test_masq_egress);
	tcase_add_test(other, test_deterministic_and_eq);
	tcase_add_test(other, test_finish_checks);
	tcase_add_test(other, test_duplicate_service);
	tcase_add_test(other, test_comment_truncated);
	suite_add_tcase(s, other);
	return test_run_suite(s);
}
