// SPDX-License-Identifier: GPL-2.0
/*
 * ipt_print: golden text for a representative plan (IPv4 and IPv6), and,
 * when run as root with ip(8) and iptables-legacy-restore, the printed
 * text loaded into a throwaway network namespace, for the representative
 * plan and for 1,000 services x 10 endpoints.
 *
 * NFP_IPT_BENCH=N (e.g. 10000) also loads N services x 10 endpoints and
 * prints compile, print and iptables-legacy-restore times to stderr.
 */
#include "ipt_fixture.h"
#include "testutil.h"

#include <errno.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GOLDEN_V4 "tests/unit/golden/ipt_print_v4.rules"
#define GOLDEN_V6 "tests/unit/golden/ipt_print_v6.rules"

/* The representative plan: every kind of frontend and policy, hostports,
 * egress masquerade, both families. */
static void representative_plan(struct plan *p)
{
	struct plan_service *s;

	memset(p, 0, sizeof(*p));
	p->node.name = xstrdup("node-a");
	fx_push_addr(&p->node.addrs, &p->node.n_addrs, "192.168.1.5");
	fx_push_addr(&p->node.addrs, &p->node.n_addrs, "2001:db8::5");
	fx_push_cidr(&p->node.cluster_cidrs, &p->node.n_cluster_cidrs,
		     "10.244.0.0/16");
	fx_push_cidr(&p->node.cluster_cidrs, &p->node.n_cluster_cidrs,
		     "fd00:10:244::/56");

	/* IPv4 */
	s = fx_service(p, "default", "kubernetes", "https", NFP_PROTO_TCP,
		       "10.96.0.1", 443);
	fx_endpoints(s, "192.168.1.10:6443", "192.168.1.11:6443", NULL);

	s = fx_service(p, "ns1", "local-lb", "", NFP_PROTO_TCP, "10.96.0.20",
		       8080);
	s->node_port = 30081;
	s->external_local = true;
	s->health_check_node_port = 32000;
	fx_push_addr(&s->lb_ips, &s->n_lb_ips, "198.51.100.20");
	fx_endpoints(s, "10.244.1.5:8080", "10.244.2.5:8080/local", NULL);

	s = fx_service(p, "ns1", "web", "http", NFP_PROTO_TCP, "10.96.0.10",
		       80);
	s->node_port = 30080;
	s->affinity_timeout = 10800;
	fx_push_addr(&s->external_ips, &s->n_external_ips, "203.0.113.10");
	fx_push_addr(&s->lb_ips, &s->n_lb_ips, "198.51.100.10");
	fx_push_cidr(&s->lb_source_ranges, &s->n_lb_source_ranges,
		     "192.168.0.0/16");
	fx_push_cidr(&s->lb_source_ranges, &s->n_lb_source_ranges,
		     "203.0.113.0/24");
	fx_endpoints(s, "10.244.1.7:8080", "10.244.2.7:8080/local",
		     "10.244.3.7:8080", NULL);

	s = fx_service(p, "ns2", "dns", "dns", NFP_PROTO_UDP, "10.96.0.53", 53);
	fx_endpoints(s, "10.244.1.2:53", "10.244.2.2:53", NULL);

	s = fx_service(p, "ns2", "dns", "dns-tcp", NFP_PROTO_TCP, "10.96.0.53",
		       53);
	fx_endpoints(s, "10.244.1.2:53", "10.244.2.2:53", NULL);

	s = fx_service(p, "ns3", "empty", "http", NFP_PROTO_TCP, "10.96.0.30",
		       80);
	s->node_port = 30090;
	fx_push_addr(&s->external_ips, &s->n_external_ips, "203.0.113.30");

	s = fx_service(p, "ns3", "nolocal", "http", NFP_PROTO_TCP, "10.96.0.31",
		       80);
	s->node_port = 30091;
	s->external_local = true;
	fx_endpoints(s, "10.244.1.31:80", NULL);

	s = fx_service(p, "ns4", "itp", "grpc", NFP_PROTO_TCP, "10.96.0.40",
		       9090);
	s->internal_local = true;
	fx_endpoints(s, "10.244.1.40:9090", "10.244.2.40:9090/local", NULL);

	s = fx_service(p, "ns4", "sig", "sctp", NFP_PROTO_SCTP, "10.96.0.99",
		       9999);
	fx_endpoints(s, "10.244.2.99:9999", NULL);

	/* IPv6 */
	s = fx_service(p, "default", "kubernetes", "https", NFP_PROTO_TCP,
		       "fd00:96::1", 443);
	fx_endpoints(s, "[2001:db8::10]:6443", NULL);

	s = fx_service(p, "ns1", "web", "http", NFP_PROTO_TCP, "fd00:96::10",
		       80);
	s->node_port = 30080;
	s->affinity_timeout = 10800;
	fx_push_addr(&s->lb_ips, &s->n_lb_ips, "2001:db8:100::10");
	fx_push_cidr(&s->lb_source_ranges, &s->n_lb_source_ranges,
		     "2001:db8::/64");
	fx_endpoints(s, "[fd00:10:244:1::7]:8080",
		     "[fd00:10:244:2::7]:8080/local", NULL);

	s = fx_service(p, "ns3", "empty", "http", NFP_PROTO_TCP, "fd00:96::30",
		       80);
	s->node_port = 30090;

	qsort(p->services, p->n_services, sizeof(*p->services),
	      plan_service_cmp);

	fx_hostport(p, "ns1/hp-pod", NFP_PROTO_TCP, NULL, 8080, "10.244.2.8",
		    80);
	fx_hostport(p, "ns1/hp-pod", NFP_PROTO_UDP, "192.168.1.5", 5353,
		    "10.244.2.8", 53);
	fx_hostport(p, "ns1/other", NFP_PROTO_TCP, NULL, 9000, "10.244.2.9",
		    9000);
	fx_hostport(p, "ns1/hp-pod", NFP_PROTO_TCP, NULL, 8080,
		    "fd00:10:244:2::8", 80);
	qsort(p->hostports, p->n_hostports, sizeof(*p->hostports),
	      plan_hostport_cmp);

	p->masq.enabled = true;
	fx_push_cidr(&p->masq.pod_cidrs, &p->masq.n_pod_cidrs, "10.244.0.0/16");
	fx_push_cidr(&p->masq.pod_cidrs, &p->masq.n_pod_cidrs,
		     "fd00:10:244::/56");
	fx_push_cidr(&p->masq.non_masq_cidrs, &p->masq.n_non_masq_cidrs,
		     "10.0.0.0/8");
	fx_push_cidr(&p->masq.non_masq_cidrs, &p->masq.n_non_masq_cidrs,
		     "10.244.0.0/16");
	fx_push_cidr(&p->masq.non_masq_cidrs, &p->masq.n_non_masq_cidrs,
		     "fd00:10:244::/56");
}

/* n services of 10 endpoints each, every kind of frontend mixed in. */
static void generated_plan(struct plan *p, int family, unsigned int n)
{
	memset(p, 0, sizeof(*p));
	p->node.name = xstrdup("node-a");
	fx_push_cidr(&p->node.cluster_cidrs, &p->node.n_cluster_cidrs,
		     family == AF_INET ? "10.0.0.0/8" : "fd00::/16");
	for (unsigned int i = 0; i < n; i++) {
		struct plan_service *s;
		char name[32], ip[64];
		const char *eps[10];
		char epbuf[10][64];

		snprintf(name, sizeof(name), "svc-%05u", i);
		if (family == AF_INET)
			snprintf(ip, sizeof(ip), "172.%u.%u.%u", 16 + i / 65536,
				 (i / 256) % 256, i % 256);
		else
			snprintf(ip, sizeof(ip), "fd00:96::%x", i + 1);
		s = fx_service(p, "bench", name, "http", NFP_PROTO_TCP, ip, 80);
		if (i % 4 == 1)
			s->node_port = (uint16_t)(30000 + i % 2768);
		if (i % 10 == 3)
			s->affinity_timeout = 10800;
		if (i % 16 == 5)
			s->external_local = true;
		for (unsigned int e = 0; e < 10; e++) {
			unsigned int k = i * 10 + e;

			if (family == AF_INET)
				snprintf(epbuf[e], sizeof(epbuf[e]),
					 "10.%u.%u.%u:8080%s", k / 65536 % 256,
					 k / 256 % 256, k % 256,
					 e == 3 ? "/local" : "");
			else
				snprintf(epbuf[e], sizeof(epbuf[e]),
					 "[fd00:10::%x]:8080%s", k + 1,
					 e == 3 ? "/local" : "");
			eps[e] = epbuf[e];
		}
		fx_endpoints(s, eps[0], eps[1], eps[2], eps[3], eps[4], eps[5],
			     eps[6], eps[7], eps[8], eps[9], NULL);
	}
	qsort(p->services, p->n_services, sizeof(*p->services),
	      plan_service_cmp);
}

static char *print_family(const struct plan *p, int family)
{
	struct ipt_ruleset rs;
	char *text;

	fx_compile(p, family, &rs, false);
	text = ipt_print(&rs);
	ipt_ruleset_release(&rs);
	return text;
}

START_TEST(test_golden_v4)
{
	struct plan p;
	char *text;

	representative_plan(&p);
	text = print_family(&p, AF_INET);
	test_golden(GOLDEN_V4, text);
	free(text);
	plan_free(&p);
}
END_TEST

START_TEST(test_golden_v6)
{
	struct plan p;
	char *text;

	representative_plan(&p);
	text = print_family(&p, AF_INET6);
	test_golden(GOLDEN_V6, text);
	free(text);
	plan_free(&p);
}
END_TEST

/* Structure of the text, independent of the golden file. */
START_TEST(test_shape)
{
	struct plan p;
	char *text;

	representative_plan(&p);
	text = print_family(&p, AF_INET);
	ck_assert(!strncmp(text,
			   "*filter\n:INPUT ACCEPT [0:0]\n"
			   ":FORWARD ACCEPT [0:0]\n"
			   ":OUTPUT ACCEPT [0:0]\n",
			   strlen("*filter\n:INPUT ACCEPT [0:0]\n"
				  ":FORWARD ACCEPT [0:0]\n"
				  ":OUTPUT ACCEPT [0:0]\n")));
	ck_assert_ptr_nonnull(strstr(text,
				     "COMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\n"
				     ":INPUT ACCEPT [0:0]\n"
				     ":OUTPUT ACCEPT [0:0]\n"
				     ":POSTROUTING ACCEPT [0:0]\n"));
	ck_assert_ptr_nonnull(strstr(
		text,
		"-A PREROUTING -m comment --comment \"kube-nfproxy service portals\" -j NFP-SERVICES\n"));
	/* Every rule of a per-service chain names its service. */
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "-A NFP-SVC-", 11) &&
		    strncmp(line, "-A NFP-SVL-", 11) &&
		    strncmp(line, "-A NFP-SEP-", 11) &&
		    strncmp(line, "-A NFP-EXT-", 11) &&
		    strncmp(line, "-A NFP-FW-", 10))
			continue;
		ck_assert_msg(
			strstr(line, " -m comment --comment \"ns") ||
				strstr(line,
				       " -m comment --comment \"default/") ||
				strstr(line, "external destinations\""),
			"rule without its service: %s", line);
	}
	free(text);
	plan_free(&p);
}
END_TEST

START_TEST(test_print_rule_escapes)
{
	struct ipt_ruleset rs;
	struct ipt_chain *c;
	struct ipt_rule *r;
	struct strbuf sb = {0};

	ipt_ruleset_init(&rs, AF_INET6);
	c = ipt_table_add_chain(&rs.tables[IPT_TABLE_FILTER], "NFP-X");
	r = ipt_chain_add_rule(c);
	ipt_rule_comment(r, "a \"quoted\" \\ comment");
	r->src = fx_cidr("2001:db8::/32");
	r->src_inv = true;
	snprintf(r->in_iface, sizeof(r->in_iface), "eth0");
	r->out_inv = true;
	snprintf(r->out_iface, sizeof(r->out_iface), "lo");
	ipt_rule_dport(r, NFP_PROTO_UDP, 53);
	r->matches[1].port.invert = true;
	ipt_rule_mark(r, 0x1, UINT32_MAX, false);
	ipt_rule_addrtype(r, IPT_ADDRTYPE_LOCAL | IPT_ADDRTYPE_UNICAST,
			  IPT_ADDRTYPE_LOCAL,
			  IPT_ADDRTYPE_INVERT_SOURCE |
				  IPT_ADDRTYPE_LIMIT_IFACE_OUT);
	ipt_rule_ctstate(r, IPT_CTSTATE_NEW | IPT_CTSTATE_INVALID, true);
	ipt_rule_reject(r);
	ipt_print_rule(&sb, AF_INET6, c->name, r);
	ck_assert_str_eq(
		sb.buf,
		"-A NFP-X ! -s 2001:db8::/32 -i eth0 ! -o lo -p udp"
		" -m comment --comment \"a \\\"quoted\\\" \\\\ comment\""
		" -m udp ! --dport 53 -m mark --mark 0x1"
		" -m addrtype ! --src-type UNICAST,LOCAL --dst-type LOCAL"
		" --limit-iface-out"
		" -m conntrack ! --ctstate INVALID,NEW"
		" -j REJECT --reject-with icmp6-port-unreachable");
	strbuf_reset(&sb);
	ipt_rule_verdict(r, IPT_TARGET_RETURN);
	r->target.kind = IPT_TARGET_GOTO;
	snprintf(r->target.chain, sizeof(r->target.chain), "NFP-Y");
	r->n_matches = 1; /* matches[1..] are plain data: no leak */
	ipt_print_rule(&sb, AF_INET6, c->name, r);
	ck_assert_str_eq(
		sb.buf,
		"-A NFP-X ! -s 2001:db8::/32 -i eth0 ! -o lo -p udp"
		" -m comment --comment \"a \\\"quoted\\\" \\\\ comment\""
		" -g NFP-Y");
	strbuf_release(&sb);
	ipt_ruleset_release(&rs);
}
END_TEST

/* ---- loading into a throwaway network namespace ---- */

static bool have_tool(const char *name)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

/* Why kernel loading cannot run here, or NULL if it can. */
static const char *netns_unavailable(void)
{
	if (geteuid() != 0)
		return "not root";
	if (!have_tool("ip"))
		return "no ip(8)";
	if (!have_tool("iptables-legacy-restore") ||
	    !have_tool("ip6tables-legacy-restore"))
		return "no iptables-legacy-restore";
	return NULL;
}

static bool skip_netns(const char *what)
{
	const char *why = netns_unavailable();

	if (why)
		fprintf(stderr, "test_ipt_print: %s: skipped (%s)\n", what,
			why);
	return why != NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run(const char *cmd)
{
	int st = system(cmd);

	return st == -1 ? -errno : WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * iptables-save writes a few things differently from us (MARK as
 * --set-xmark, recent's options in another order with --mask, eleven
 * decimals of a probability recomputed from the kernel's integer): bring
 * both texts to one form before comparing.
 */
static const char normalize_sed[] =
	"s/-j MARK --set-xmark (0x[0-9a-f]+)\\/\\1( |$)/-j MARK --or-mark \\1\\2/\n"
	"s/-j MARK --set-xmark (0x[0-9a-f]+)\\/0x0( |$)/-j MARK --xor-mark \\1\\2/\n"
	"s/-m recent (--set|--rcheck)( --seconds [0-9]+)?( --reap)? --name ([^ ]+) --mask [^ ]+ (--rsource|--rdest)/-m recent --name \\4 \\1\\2\\3 \\5/\n"
	"s/(--probability [0-9]\\.[0-9]{8})[0-9]*/\\1/\n";

/*
 * Write text to a file, then in a fresh namespace "nfp-iptc-<pid>": run
 * "<restore> --test" and, unless test_only, a real load, then check that
 * iptables-save gives back exactly our rules (normalised, sorted).
 * Returns the seconds the real load took. The namespace is always
 * deleted.
 */
static double load_in_netns(const char *text, int family, bool test_only)
{
	const char *restore = family == AF_INET6 ? "ip6tables-legacy-restore"
						 : "iptables-legacy-restore";
	const char *save = family == AF_INET6 ? "ip6tables-legacy-save"
					      : "iptables-legacy-save";
	char ns[64], file[128], sed[128], cmd[2048];
	double t0, t = 0;
	FILE *f;
	int r;

	snprintf(ns, sizeof(ns), "nfp-iptc-%d", (int)getpid());
	snprintf(file, sizeof(file), "build/ipt-load-%d-%d.rules",
		 (int)getpid(), family);
	snprintf(sed, sizeof(sed), "build/ipt-load-%d.sed", (int)getpid());
	f = fopen(file, "w");
	ck_assert(f != NULL);
	fputs(text, f);
	fclose(f);
	f = fopen(sed, "w");
	ck_assert(f != NULL);
	fputs(normalize_sed, f);
	fclose(f);

	snprintf(cmd, sizeof(cmd), "ip netns add %s", ns);
	ck_assert_int_eq(run(cmd), 0);
	snprintf(cmd, sizeof(cmd), "ip netns exec %s %s --test < %s", ns,
		 restore, file);
	r = run(cmd);
	if (!r && !test_only) {
		snprintf(cmd, sizeof(cmd), "ip netns exec %s %s < %s", ns,
			 restore, file);
		t0 = now_s();
		r = run(cmd);
		t = now_s() - t0;
	}
	if (!r && !test_only) {
		snprintf(
			cmd, sizeof(cmd),
			"grep '^-A ' %s | sed -E -f %s | LC_ALL=C sort > %s.want && "
			"ip netns exec %s %s | grep '^-A ' | sed -E -f %s | LC_ALL=C sort > %s.got && "
			"diff %s.want %s.got > build/ipt-roundtrip.diff",
			file, sed, file, ns, save, sed, file, file, file);
		r = run(cmd);
		if (r)
			fprintf(stderr,
				"test_ipt_print: kernel rules differ from ours, see build/ipt-roundtrip.diff\n");
	}
	snprintf(cmd, sizeof(cmd), "ip netns del %s", ns);
	run(cmd);
	ck_assert_msg(r == 0, "%s failed on %s (status %d)", restore, file, r);
	snprintf(cmd, sizeof(cmd),
		 "rm -f %s %s.want %s.got %s "
		 "build/ipt-roundtrip.diff",
		 file, file, file, sed);
	run(cmd);
	return t;
}

static long count_rules(const char *text)
{
	long n = 0;

	/* By hand: ASan's strstr() measures the haystack on every call. */
	for (const char *s = text; *s; s++)
		n += s[0] == '\n' && !strncmp(s + 1, "-A ", 3);
	return n;
}

START_TEST(test_load_representative)
{
	struct plan p;

	if (skip_netns("loading the representative ruleset"))
		return;
	representative_plan(&p);
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		char *text = print_family(&p, family);

		load_in_netns(text, family, false);
		free(text);
	}
	plan_free(&p);
}
END_TEST

START_TEST(test_load_1000x10)
{
	if (skip_netns("loading 1,000 services x 10 endpoints"))
		return;
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		struct plan p;
		char *text;

		generated_plan(&p, family, 1000);
		text = print_family(&p, family);
		load_in_netns(text, family, false);
		free(text);
		plan_free(&p);
	}
}
END_TEST

/* Not a test: NFP_IPT_BENCH=N measures N services x 10 endpoints. */
START_TEST(test_bench)
{
	const char *env = getenv("NFP_IPT_BENCH");
	unsigned int n = env ? (unsigned int)strtoul(env, NULL, 10) : 0;
	struct ipt_ruleset rs;
	struct plan p;
	double t0, t_compile, t_print, t_load;
	char *text;

	if (!n || skip_netns("benchmark"))
		return;
	generated_plan(&p, AF_INET, n);
	t0 = now_s();
	fx_compile(&p, AF_INET, &rs, false);
	t_compile = now_s() - t0;
	t0 = now_s();
	text = ipt_print(&rs);
	t_print = now_s() - t0;
	t_load = load_in_netns(text, AF_INET, false);
	fprintf(stderr,
		"test_ipt_print: %u services x 10 endpoints: %ld rules, %zu bytes; compile %.3f s, print %.3f s, iptables-legacy-restore %.3f s\n",
		n, count_rules(text), strlen(text), t_compile, t_print, t_load);
	free(text);
	ipt_ruleset_release(&rs);
	plan_free(&p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ipt_print");
	TCase *tc = tcase_create("core");
	TCase *kernel = tcase_create("kernel");

	tcase_add_test(tc, test_golden_v4);
	tcase_add_test(tc, test_golden_v6);
	tcase_add_test(tc, test_shape);
	tcase_add_test(tc, test_print_rule_escapes);
	suite_add_tcase(s, tc);
	tcase_set_timeout(kernel, 600);
	tcase_add_test(kernel, test_load_representative);
	tcase_add_test(kernel, test_load_1000x10);
	tcase_add_test(kernel, test_bench);
	suite_add_tcase(s, kernel);
	return test_run_suite(s);
}
