// SPDX-License-Identifier: GPL-2.0
/*
 * ipt_kernel + ipt_apply against the real x_tables, in network
 * namespaces this process makes for itself with unshare(CLONE_NEWNET)
 * (never the root namespace). A compiled ruleset installed through
 * libiptc must read back with iptables-legacy-save exactly as
 * iptables-legacy-restore of ipt_print()'s text reads back in another
 * fresh namespace (normalised: no counters, no comment lines, chain
 * declarations and tables sorted), with foreign rules that survive the
 * sync; a second, changed sync; --cleanup; IPv4 and IPv6.
 *
 * The kernel cases need root and iptables-legacy-save/-restore; without
 * them they are skipped with a message. The flavour detection cases run
 * everywhere.
 */
#include "ipt_fixture.h"
#include "testutil.h"

#include "rules/ipt_apply.h"
#include "rules/ipt_kernel.h"

#include <errno.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

/* Rules of other software, loaded before our first sync (--noflush). */
static const char foreign_v4[] =
	"*filter\n"
	":FOREIGN-CHAIN - [0:0]\n"
	"-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n"
	"-A FORWARD -s 192.0.2.0/24 -j FOREIGN-CHAIN\n"
	"-A FOREIGN-CHAIN -m comment --comment \"kube-nfproxy lookalike\" -j DROP\n"
	"COMMIT\n"
	"*nat\n"
	":FOREIGN-NAT - [0:0]\n"
	"-A PREROUTING -s 192.0.2.1/32 -j RETURN\n"
	"-A POSTROUTING -o eth9 -j FOREIGN-NAT\n"
	"-A FOREIGN-NAT -j MASQUERADE\n"
	"COMMIT\n";

static const char foreign_v6[] =
	"*filter\n"
	":FOREIGN-CHAIN - [0:0]\n"
	"-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n"
	"-A FORWARD -s 2001:db8:dead::/48 -j FOREIGN-CHAIN\n"
	"-A FOREIGN-CHAIN -j DROP\n"
	"COMMIT\n"
	"*nat\n"
	"-A PREROUTING -s 2001:db8::1/128 -j RETURN\n"
	"COMMIT\n";

/* What kube-proxy (iptables mode) and kubelet leave behind. */
static const char kube_proxy_v4[] =
	"*nat\n"
	":KUBE-SERVICES - [0:0]\n"
	":KUBE-POSTROUTING - [0:0]\n"
	":KUBE-MARK-MASQ - [0:0]\n"
	":KUBE-MARK-DROP - [0:0]\n"
	":KUBE-SVC-AAAAAAAAAAAAAAAA - [0:0]\n"
	":KUBE-SEP-BBBBBBBBBBBBBBBB - [0:0]\n"
	"-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
	"-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
	"-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING\n"
	"-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j KUBE-SVC-AAAAAAAAAAAAAAAA\n"
	"-A KUBE-SVC-AAAAAAAAAAAAAAAA -j KUBE-SEP-BBBBBBBBBBBBBBBB\n"
	"-A KUBE-SEP-BBBBBBBBBBBBBBBB -s 192.168.1.10/32 -j KUBE-MARK-MASQ\n"
	"-A KUBE-SEP-BBBBBBBBBBBBBBBB -p tcp -j DNAT --to-destination 192.168.1.10:6443\n"
	"-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n"
	"-A KUBE-MARK-DROP -j MARK --or-mark 0x8000\n"
	"COMMIT\n"
	"*filter\n"
	":KUBE-SERVICES - [0:0]\n"
	":KUBE-FORWARD - [0:0]\n"
	":KUBE-FIREWALL - [0:0]\n"
	"-A INPUT -j KUBE-FIREWALL\n"
	"-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD\n"
	"-A OUTPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
	"-A KUBE-FORWARD -m mark --mark 0x4000/0x4000 -j ACCEPT\n"
	"-A KUBE-FIREWALL -m mark --mark 0x8000/0x8000 -j DROP\n"
	"COMMIT\n";

/* Left by kube-proxy's cleanup: kubelet's chains and what jumps there. */
static const char kubelet_v4[] =
	"*nat\n"
	":KUBE-MARK-MASQ - [0:0]\n"
	":KUBE-MARK-DROP - [0:0]\n"
	"-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n"
	"-A KUBE-MARK-DROP -j MARK --or-mark 0x8000\n"
	"COMMIT\n"
	"*filter\n"
	":KUBE-FIREWALL - [0:0]\n"
	"-A INPUT -j KUBE-FIREWALL\n"
	"-A KUBE-FIREWALL -m mark --mark 0x8000/0x8000 -j DROP\n"
	"COMMIT\n";

static const char *why_skip;

static const char *save_cmd(int family)
{
	return family == AF_INET6 ? "ip6tables-legacy-save"
				  : "iptables-legacy-save";
}

static const char *restore_cmd(int family)
{
	return family == AF_INET6 ? "ip6tables-legacy-restore"
				  : "iptables-legacy-restore";
}

/* A fresh network namespace for this process (and its children). */
static void fresh_netns(void)
{
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare: %s",
		      strerror(errno));
}

static char *run_output(const char *cmd)
{
	struct strbuf sb = {0};
	char buf[4096];
	size_t n;
	FILE *p = popen(cmd, "r");

	ck_assert_msg(p != NULL, "popen %s", cmd);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		strbuf_add(&sb, buf, n);
	ck_assert_msg(pclose(p) == 0, "%s failed", cmd);
	return strbuf_detach(&sb);
}

static void restore(int family, const char *text, bool noflush)
{
	char path[] = "/tmp/nfp-ipt-kernel-XXXXXX";
	char cmd[256];
	int fd = mkstemp(path);
	FILE *f;
	int rc;

	ck_assert(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s %s < %s", restore_cmd(family),
		 noflush ? "--noflush" : "", path);
	rc = system(cmd);
	unlink(path);
	ck_assert_msg(rc == 0, "%s failed on:\n%s", cmd, text);
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * iptables-save text without what differs between two installs of the
 * same rules: comment lines, counters; chain declarations sorted within
 * their table, tables sorted by name.
 */
static char *normalise(const char *save)
{
	char *copy = xstrdup(save), *saveptr = NULL, *line;
	char **tables = NULL, **decls = NULL;
	size_t n_tables = 0, n_decls = 0, cap_t = 0, cap_d = 0;
	struct strbuf cur = {0}, rules = {0}, out = {0};

	for (line = strtok_r(copy, "\n", &saveptr); line;
	     line = strtok_r(NULL, "\n", &saveptr)) {
		if (line[0] == '#')
			continue;
		if (line[0] == '*') {
			strbuf_reset(&cur);
			strbuf_reset(&rules);
			strbuf_addf(&cur, "%s\n", line);
		} else if (line[0] == ':') {
			char *br = strstr(line, " [");

			if (br)
				*br = '\0';
			*XPUSH(decls, n_decls, cap_d) = line;
		} else if (!strcmp(line, "COMMIT")) {
			if (n_decls)
				qsort(decls, n_decls, sizeof(*decls), line_cmp);
			for (size_t i = 0; i < n_decls; i++)
				strbuf_addf(&cur, "%s\n", decls[i]);
			n_decls = 0;
			strbuf_addf(&cur, "%sCOMMIT\n",
				    rules.buf ? rules.buf : "");
			*XPUSH(tables, n_tables, cap_t) = strbuf_detach(&cur);
		} else {
			strbuf_addf(&rules, "%s\n", line);
		}
	}
	if (n_tables)
		qsort(tables, n_tables, sizeof(*tables), line_cmp);
	for (size_t i = 0; i < n_tables; i++) {
		strbuf_adds(&out, tables[i]);
		free(tables[i]);
	}
	free(tables);
	free(decls);
	free(copy);
	strbuf_release(&cur);
	strbuf_release(&rules);
	return strbuf_detach(&out);
}

static char *saved(int family)
{
	char *raw = run_output(save_cmd(family));
	char *n = normalise(raw);

	free(raw);
	return n;
}

static void assert_same_text(const char *got, const char *want,
			     const char *what)
{
	if (strcmp(got, want)) {
		FILE *f = fopen("build/ipt_kernel.got", "w");

		if (f) {
			fputs(got, f);
			fclose(f);
		}
		f = fopen("build/ipt_kernel.want", "w");
		if (f) {
			fputs(want, f);
			fclose(f);
		}
		ck_abort_msg(
			"%s: libiptc install differs from iptables-legacy-restore (build/ipt_kernel.got vs .want)",
			what);
	}
}

static void sync_ok(struct ipt_apply *a, struct ipt_ruleset *rs,
		    unsigned int flags)
{
	struct diag_list d = {0};
	int err = ipt_apply_sync(a, rs, flags, &d);

	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "diag: %s\n", d.items[i].msg);
	ck_assert_msg(err == 0, "sync: %s", strerror(-err));
	ck_assert_uint_eq(diag_count(&d, DIAG_WARN), 0);
	diag_list_free(&d);
}

/* Every kind of rule the compiler makes, both families. */
static void representative_plan(struct plan *p, bool changed)
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
	if (changed)
		fx_endpoints(s, "10.244.1.7:8080", "10.244.3.7:8080", NULL);
	else
		fx_endpoints(s, "10.244.1.7:8080", "10.244.2.7:8080/local",
			     "10.244.3.7:8080", NULL);
	s = fx_service(p, "ns2", "dns", "dns", NFP_PROTO_UDP, "10.96.0.53", 53);
	fx_endpoints(s, "10.244.1.2:53", "10.244.2.2:53", NULL);
	if (!changed) {
		s = fx_service(p, "ns3", "empty", "http", NFP_PROTO_TCP,
			       "10.96.0.30", 80);
		s->node_port = 30090;
	}
	s = fx_service(p, "ns4", "itp", "grpc", NFP_PROTO_TCP, "10.96.0.40",
		       9090);
	s->internal_local = true;
	fx_endpoints(s, "10.244.1.40:9090", "10.244.2.40:9090/local", NULL);
	s = fx_service(p, "ns4", "sig", "sctp", NFP_PROTO_SCTP, "10.96.0.99",
		       9999);
	fx_endpoints(s, "10.244.2.99:9999", NULL);
	if (changed) {
		s = fx_service(p, "ns5", "new", "http", NFP_PROTO_TCP,
			       "10.96.0.50", 80);
		fx_endpoints(s, "10.244.1.50:80", NULL);
	}

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
		     changed ? "[fd00:10:244:3::7]:8080"
			     : "[fd00:10:244:2::7]:8080/local",
		     NULL);
	s = fx_service(p, "ns3", "empty", "http", NFP_PROTO_TCP, "fd00:96::30",
		       80);
	s->node_port = 30090;
	qsort(p->services, p->n_services, sizeof(*p->services),
	      plan_service_cmp);

	fx_hostport(p, "ns1/hp-pod", NFP_PROTO_TCP, NULL, 8080, "10.244.2.8",
		    80);
	fx_hostport(p, "ns1/hp-pod", NFP_PROTO_UDP, "192.168.1.5", 5353,
		    "10.244.2.8", 53);
	fx_hostport(p, "ns1/hp-pod", NFP_PROTO_TCP, NULL, 8080,
		    "fd00:10:244:2::8", 80);
	qsort(p->hostports, p->n_hostports, sizeof(*p->hostports),
	      plan_hostport_cmp);

	p->masq.enabled = true;
	fx_push_cidr(&p->masq.pod_cidrs, &p->masq.n_pod_cidrs, "10.244.0.0/16");
	fx_push_cidr(&p->masq.pod_cidrs, &p->masq.n_pod_cidrs,
		     "fd00:10:244::/56");
	fx_push_cidr(&p->masq.non_masq_cidrs, &p->masq.n_non_masq_cidrs,
		     "10.244.0.0/16");
	fx_push_cidr(&p->masq.non_masq_cidrs, &p->masq.n_non_masq_cidrs,
		     "fd00:10:244::/56");
}

/* The reference: restore of the printed text, then the foreign rules
 * appended after ours, in a fresh namespace. */
static char *reference(int family, const char *text, const char *foreign)
{
	fresh_netns();
	restore(family, text, false);
	if (foreign)
		restore(family, foreign, true);
	return saved(family);
}

static void compile_text(const struct plan *p, int family,
			 struct ipt_ruleset *rs, char **text)
{
	fx_compile(p, family, rs, false);
	*text = ipt_print(rs);
}

static void check_sync(int family)
{
	const char *foreign = family == AF_INET ? foreign_v4 : foreign_v6;
	struct ipt_apply *a = ipt_apply_new(&ipt_kernel_ops, NULL);
	struct plan p1, p2;
	struct ipt_ruleset rs1, rs2;
	char *text1, *text2, *got, *want;

	representative_plan(&p1, false);
	representative_plan(&p2, true);
	compile_text(&p1, family, &rs1, &text1);
	compile_text(&p2, family, &rs2, &text2);

	/* First sync over foreign rules. */
	fresh_netns();
	restore(family, foreign, true);
	sync_ok(a, &rs1, 0);
	ck_assert_uint_eq(ipt_apply_stats(a)->commits, 2);
	ck_assert_uint_gt(ipt_apply_stats(a)->chains_created, 10);
	got = saved(family);
	/* Our jumps really are first in the built-in chains. */
	ck_assert_ptr_nonnull(strstr(
		got, family == AF_INET
			     ? "-A INPUT -m comment --comment \"kube-nfproxy"
			     : "-A INPUT -m comment --comment \"kube-nfproxy"));
	{
		struct ipt_apply *b = ipt_apply_new(&ipt_kernel_ops, NULL);
		struct ipt_ruleset again;
		char *after;

		/* A second syncer (a restarted daemon) with the same rules
		 * refills but changes nothing visible, adds no jumps. */
		fx_compile(&p1, family, &again, false);
		sync_ok(b, &again, 0);
		ck_assert_uint_eq(ipt_apply_stats(b)->chains_created, 0);
		ck_assert_uint_eq(ipt_apply_stats(b)->rules_deleted, 0);
		after = saved(family);
		assert_same_text(after, got, "resync by a new syncer");
		free(after);
		ipt_ruleset_release(&again);
		ipt_apply_free(b);
	}
	want = reference(family, text1, foreign);
	assert_same_text(got, want, "first sync");
	free(got);
	free(want);

	/* The same namespace again, then a changed ruleset. */
	fresh_netns();
	restore(family, foreign, true);
	ipt_apply_free(a);
	a = ipt_apply_new(&ipt_kernel_ops, NULL);
	fx_compile(&p1, family, &rs1, false);
	sync_ok(a, &rs1, 0);
	sync_ok(a, &rs2, 0);
	ck_assert_uint_gt(ipt_apply_stats(a)->chains_kept, 0);
	got = saved(family);
	{
		/* Our cleanup leaves exactly the foreign rules. */
		struct diag_list d = {0};
		struct ipt_apply_stats st;
		char *clean, *only_foreign;

		ck_assert_int_eq(
			ipt_apply_cleanup(a, &ipt_kernel_ops, NULL, &st, &d),
			0);
		ck_assert_uint_eq(d.n, 0);
		ck_assert_uint_gt(st.chains_deleted, 10);
		clean = saved(family);
		diag_list_free(&d);
		fresh_netns();
		restore(family, foreign, true);
		only_foreign = saved(family);
		assert_same_text(clean, only_foreign, "cleanup");
		free(clean);
		free(only_foreign);
	}
	want = reference(family, text2, foreign);
	assert_same_text(got, want, "changed sync");
	free(got);
	free(want);

	free(text1);
	free(text2);
	ipt_ruleset_release(&rs1);
	ipt_ruleset_release(&rs2);
	plan_free(&p1);
	plan_free(&p2);
	ipt_apply_free(a);
}

START_TEST(test_sync_v4)
{
	check_sync(AF_INET);
}
END_TEST

START_TEST(test_sync_v6)
{
	check_sync(AF_INET6);
}
END_TEST

START_TEST(test_full_resync)
{
	struct ipt_apply *a = ipt_apply_new(&ipt_kernel_ops, NULL);
	struct plan p;
	struct ipt_ruleset rs;
	char *text, *got, *want;

	representative_plan(&p, false);
	compile_text(&p, AF_INET, &rs, &text);
	fresh_netns();
	sync_ok(a, &rs, 0);
	fx_compile(&p, AF_INET, &rs, false);
	sync_ok(a, &rs, IPT_APPLY_FULL);
	ck_assert_uint_eq(ipt_apply_stats(a)->chains_kept, 0);
	ck_assert_uint_gt(ipt_apply_stats(a)->chains_refilled, 10);
	got = saved(AF_INET);
	want = reference(AF_INET, text, NULL);
	assert_same_text(got, want, "full resync");
	free(got);
	free(want);
	free(text);
	plan_free(&p);
	ipt_apply_free(a);
}
END_TEST

START_TEST(test_cleanup_kube_proxy)
{
	struct diag_list d = {0};
	struct ipt_apply_stats st;
	char *got, *want;

	fresh_netns();
	restore(AF_INET, foreign_v4, true);
	restore(AF_INET, kube_proxy_v4, true);
	ck_assert_int_eq(
		ipt_apply_cleanup(NULL, &ipt_kernel_ops, NULL, &st, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	/* KUBE-SERVICES twice, KUBE-POSTROUTING, KUBE-SVC, KUBE-SEP,
	 * KUBE-FORWARD. */
	ck_assert_uint_eq(st.chains_deleted, 6);
	ck_assert_uint_eq(st.rules_deleted, 5);
	got = saved(AF_INET);
	fresh_netns();
	restore(AF_INET, foreign_v4, true);
	restore(AF_INET, kubelet_v4, true);
	want = saved(AF_INET);
	assert_same_text(got, want, "kube-proxy cleanup");
	free(got);
	free(want);
	diag_list_free(&d);
}
END_TEST

START_TEST(test_cleanup_clean_host)
{
	struct diag_list d = {0};
	struct ipt_apply_stats st;
	char *names;

	fresh_netns();
	ck_assert_int_eq(
		ipt_apply_cleanup(NULL, &ipt_kernel_ops, NULL, &st, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(st.commits, 0);
	/* Nothing instantiated: the tables were not even opened. */
	ck_assert(!ipt_kernel_ops.table_exists(NULL, AF_INET, "filter"));
	ck_assert(!ipt_kernel_ops.table_exists(NULL, AF_INET6, "nat"));
	names = run_output("cat /proc/net/ip_tables_names 2>/dev/null");
	ck_assert_str_eq(names, "");
	free(names);

	/* Tables with only foreign rules: opened, not committed. */
	restore(AF_INET, foreign_v4, true);
	ck_assert(ipt_kernel_ops.table_exists(NULL, AF_INET, "filter"));
	ck_assert_int_eq(
		ipt_apply_cleanup(NULL, &ipt_kernel_ops, NULL, &st, &d), 0);
	ck_assert_uint_eq(st.commits, 0);
	diag_list_free(&d);
}
END_TEST

/* A directory tree of symlinks like Debian's alternatives. */
static char *flavour_root(const char *final)
{
	char tmpl[] = "/tmp/nfp-flavour-XXXXXX";
	char *root = xstrdup(mkdtemp(tmpl));
	char path[512];

	ck_assert_ptr_nonnull(root);
	snprintf(path, sizeof(path), "%s/usr", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/usr/sbin", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/etc", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/etc/alternatives", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/usr/sbin/iptables", root);
	ck_assert_int_eq(symlink("/etc/alternatives/iptables", path), 0);
	snprintf(path, sizeof(path), "%s/etc/alternatives/iptables", root);
	ck_assert_int_eq(symlink(final, path), 0);
	return root;
}

static void rm_tree(const char *root)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_flavour)
{
	char resolved[256];
	char *root;
	char path[512];
	FILE *f;

	/* nft: /usr/sbin/iptables-nft -> xtables-nft-multi (relative). */
	root = flavour_root("/usr/sbin/iptables-nft");
	snprintf(path, sizeof(path), "%s/usr/sbin/iptables-nft", root);
	ck_assert_int_eq(symlink("xtables-nft-multi", path), 0);
	snprintf(path, sizeof(path), "%s/usr/sbin/xtables-nft-multi", root);
	f = fopen(path, "w");
	fclose(f);
	ck_assert_int_eq(ipt_kernel_flavour(root, resolved, sizeof(resolved)),
			 IPT_FLAVOUR_NFT);
	ck_assert_str_eq(resolved, "/usr/sbin/xtables-nft-multi");
	rm_tree(root);
	free(root);

	/* legacy, and a dangling final link still names its flavour. */
	root = flavour_root("/usr/sbin/iptables-legacy");
	ck_assert_int_eq(ipt_kernel_flavour(root, resolved, sizeof(resolved)),
			 IPT_FLAVOUR_UNKNOWN);
	snprintf(path, sizeof(path), "%s/usr/sbin/iptables-legacy", root);
	f = fopen(path, "w");
	fclose(f);
	ck_assert_int_eq(ipt_kernel_flavour(root, resolved, sizeof(resolved)),
			 IPT_FLAVOUR_LEGACY);
	ck_assert_str_eq(resolved, "/usr/sbin/iptables-legacy");
	ck_assert_str_eq(ipt_flavour_name(IPT_FLAVOUR_LEGACY), "legacy");
	rm_tree(root);
	free(root);

	/* No iptables at all. */
	root = xstrdup("/nonexistent-nfp-root");
	ck_assert_int_eq(ipt_kernel_flavour(root, resolved, sizeof(resolved)),
			 IPT_FLAVOUR_UNKNOWN);
	ck_assert_str_eq(resolved, "");
	free(root);
}
END_TEST

static bool have_cmd(const char *cmd)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "command -v %s >/dev/null 2>&1", cmd);
	return system(buf) == 0;
}

int main(void)
{
	Suite *s = suite_create("ipt_kernel");
	TCase *tc = tcase_create("flavour");
	char lock[] = "/tmp/nfp-xtables-lock-XXXXXX";
	int lockfd = mkstemp(lock), ret;

	/* Our tables live in namespaces of our own: a private lock file keeps
	 * this suite (and the iptables-legacy tools it runs) from stalling the
	 * host's iptables on /run/xtables.lock. */
	if (lockfd >= 0) {
		close(lockfd);
		setenv("XTABLES_LOCKFILE", lock, 1);
	}

	tcase_add_test(tc, test_flavour);
	suite_add_tcase(s, tc);

	if (geteuid() != 0)
		why_skip = "not root";
	else if (!have_cmd("iptables-legacy-save") ||
		 !have_cmd("iptables-legacy-restore") ||
		 !have_cmd("ip6tables-legacy-save") ||
		 !have_cmd("ip6tables-legacy-restore"))
		why_skip = "iptables-legacy-save/-restore not installed";
	if (why_skip) {
		printf("test_ipt_kernel: SKIP kernel cases: %s\n", why_skip);
	} else {
		tc = tcase_create("kernel");
		tcase_set_timeout(tc, 120);
		tcase_add_test(tc, test_sync_v4);
		tcase_add_test(tc, test_sync_v6);
		tcase_add_test(tc, test_full_resync);
		tcase_add_test(tc, test_cleanup_kube_proxy);
		tcase_add_test(tc, test_cleanup_clean_host);
		suite_add_tcase(s, tc);
	}
	ret = test_run_suite(s);
	if (lockfd >= 0)
		unlink(lock);
	return ret;
}
