/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_TESTS_NFT_FIXTURE_H
#define NFP_TESTS_NFT_FIXTURE_H

/*
 * Plans for the nftables back end's tests (a representative one, and
 * generated ones of any size), and a runner that loads printed text with
 * nft inside a throwaway network namespace. The plan builders fx_*()
 * come from plan_fixture.h, shared with the iptables tests.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "plan_fixture.h"
#include "rules/nft_compile.h"
#include "rules/nft_print.h"

static inline void nfx_node(struct plan *p)
{
	p->node.name = xstrdup("node-a");
	fx_push_addr(&p->node.addrs, &p->node.n_addrs, "10.0.0.5");
	fx_push_addr(&p->node.addrs, &p->node.n_addrs, "fd00::5");
	fx_push_cidr(&p->node.cluster_cidrs, &p->node.n_cluster_cidrs,
		     "10.244.0.0/16");
	fx_push_cidr(&p->node.cluster_cidrs, &p->node.n_cluster_cidrs,
		     "fd00:10:244::/56");
}

static inline void nfx_masq(struct plan *p)
{
	p->masq.enabled = true;
	fx_push_cidr(&p->masq.pod_cidrs, &p->masq.n_pod_cidrs, "10.244.0.0/16");
	fx_push_cidr(&p->masq.pod_cidrs, &p->masq.n_pod_cidrs,
		     "fd00:10:244::/56");
	fx_push_cidr(&p->masq.non_masq_cidrs, &p->masq.n_non_masq_cidrs,
		     "10.0.0.0/8");
	fx_push_cidr(&p->masq.non_masq_cidrs, &p->masq.n_non_masq_cidrs,
		     "fd00:10:244::/56");
}

static inline void nfx_sort(struct plan *p)
{
	if (p->n_services)
		qsort(p->services, p->n_services, sizeof(*p->services),
		      plan_service_cmp);
	if (p->n_hostports)
		qsort(p->hostports, p->n_hostports, sizeof(*p->hostports),
		      plan_hostport_cmp);
}

/*
 * One plan with every kind of object, both families: ClusterIP, NodePort,
 * externalIPs, LB IPs with source ranges, no endpoints, policy Local with
 * and without local endpoints, ClientIP affinity, SCTP, hostPorts, egress
 * masquerade.
 */
static inline void nfx_representative(struct plan *p)
{
	struct plan_service *s;

	memset(p, 0, sizeof(*p));
	nfx_node(p);
	nfx_masq(p);

	s = fx_service(p, "default", "kubernetes", "https", NFP_PROTO_TCP,
		       "10.96.0.1", 443);
	fx_endpoints(s, "192.168.1.10:6443", NULL);
	s = fx_service(p, "kube-system", "kube-dns", "dns", NFP_PROTO_UDP,
		       "10.96.0.10", 53);
	fx_endpoints(s, "10.244.1.5:53/local", "10.244.2.6:53", NULL);
	s = fx_service(p, "kube-system", "kube-dns", "dns-tcp", NFP_PROTO_TCP,
		       "10.96.0.10", 53);
	fx_endpoints(s, "10.244.1.5:53/local", "10.244.2.6:53", NULL);

	s = fx_service(p, "shop", "web", "http", NFP_PROTO_TCP, "10.96.10.20",
		       80);
	s->node_port = 30080;
	fx_push_addr(&s->external_ips, &s->n_external_ips, "203.0.113.10");
	fx_push_addr(&s->lb_ips, &s->n_lb_ips, "198.51.100.7");
	fx_push_cidr(&s->lb_source_ranges, &s->n_lb_source_ranges,
		     "192.0.2.0/24");
	fx_push_cidr(&s->lb_source_ranges, &s->n_lb_source_ranges,
		     "10.0.0.0/8");
	fx_push_cidr(&s->lb_source_ranges, &s->n_lb_source_ranges,
		     "10.1.0.0/16");
	fx_endpoints(s, "10.244.1.7:8080/local", "10.244.2.8:8080",
		     "10.244.3.9:8080", NULL);

	s = fx_service(p, "shop", "api", "grpc", NFP_PROTO_TCP, "10.96.10.30",
		       9000);
	s->node_port = 30090;
	s->external_local = true;
	s->health_check_node_port = 31000;
	fx_push_addr(&s->lb_ips, &s->n_lb_ips, "198.51.100.8");
	fx_endpoints(s, "10.244.1.10:9000/local", "10.244.2.11:9000", NULL);

	s = fx_service(p, "shop", "cart", "http", NFP_PROTO_TCP, "10.96.10.40",
		       80);
	s->affinity_timeout = 10800;
	s->node_port = 30095;
	fx_endpoints(s, "10.244.1.12:8080/local", "10.244.2.13:8080", NULL);

	s = fx_service(p, "shop", "empty", "http", NFP_PROTO_TCP, "10.96.10.50",
		       80);
	s->node_port = 30100;
	fx_push_addr(&s->external_ips, &s->n_external_ips, "203.0.113.11");

	s = fx_service(p, "shop", "local-only", "http", NFP_PROTO_TCP,
		       "10.96.10.60", 80);
	s->node_port = 30110;
	s->external_local = true;
	fx_push_addr(&s->lb_ips, &s->n_lb_ips, "198.51.100.9");
	fx_endpoints(s, "10.244.2.14:8080", NULL);

	s = fx_service(p, "telco", "sig", "", NFP_PROTO_SCTP, "10.96.20.1",
		       3868);
	fx_endpoints(s, "10.244.1.15:3868/local", NULL);

	s = fx_service(p, "default", "kubernetes", "https", NFP_PROTO_TCP,
		       "fd00:10:96::1", 443);
	fx_endpoints(s, "[fd00::10]:6443", NULL);
	s = fx_service(p, "shop", "web", "http", NFP_PROTO_TCP, "fd00:10:96::a",
		       80);
	s->node_port = 30080;
	fx_push_addr(&s->lb_ips, &s->n_lb_ips, "2001:db8::7");
	fx_push_cidr(&s->lb_source_ranges, &s->n_lb_source_ranges,
		     "2001:db8:1::/48");
	fx_endpoints(s, "[fd00:10:244:1::7]:8080/local",
		     "[fd00:10:244:2::8]:8080", NULL);
	s = fx_service(p, "shop", "cart", "http", NFP_PROTO_TCP,
		       "fd00:10:96::28", 80);
	s->affinity_timeout = 600;
	fx_endpoints(s, "[fd00:10:244:1::c]:8080/local", NULL);
	s = fx_service(p, "shop", "empty", "http", NFP_PROTO_TCP,
		       "fd00:10:96::32", 80);

	fx_hostport(p, "shop/game-0", NFP_PROTO_TCP, NULL, 8443, "10.244.1.20",
		    443);
	fx_hostport(p, "shop/game-1", NFP_PROTO_UDP, "10.0.0.5", 9999,
		    "10.244.1.21", 9999);
	fx_hostport(p, "shop/game-0", NFP_PROTO_TCP, NULL, 8443,
		    "fd00:10:244:1::20", 443);
	nfx_sort(p);
}

/* Address number n (host order) inside base (IPv4). */
static inline struct nfp_addr nfx_v4(uint32_t base, uint32_t n)
{
	struct nfp_addr a = {.family = AF_INET};

	a.v4.s_addr = htonl(base + n);
	return a;
}

/*
 * n_svc ClusterIP services (10.96.0.0/12) with n_eps endpoints each (from
 * 10.128.0.0/9, the first one local); every 10th has a node port, every
 * 20th an LB IP too.
 */
static inline void nfx_generated(struct plan *p, size_t n_svc, size_t n_eps)
{
	memset(p, 0, sizeof(*p));
	nfx_node(p);
	p->services = xcalloc(n_svc, sizeof(*p->services));
	for (size_t i = 0; i < n_svc; i++) {
		struct plan_service *s = &p->services[i];
		char buf[64];

		snprintf(buf, sizeof(buf), "svc-%05zu", i);
		s->ns = xstrdup("gen");
		s->name = xstrdup(buf);
		s->port_name = xstrdup("http");
		snprintf(buf, sizeof(buf), "gen/svc-%05zu:http", i);
		s->id = xstrdup(buf);
		s->family = AF_INET;
		s->proto = NFP_PROTO_TCP;
		s->cluster_ip = nfx_v4(0x0a600000u, (uint32_t)i + 1);
		s->port = 80;
		if (i % 10 == 0)
			s->node_port = (uint16_t)(30000 + i / 10);
		if (i % 20 == 0) {
			s->lb_ips = xcalloc(1, sizeof(*s->lb_ips));
			s->lb_ips[0] = nfx_v4(0xc6336400u, (uint32_t)i / 20);
			s->n_lb_ips = 1;
		}
		s->internal_eps = xcalloc(n_eps, sizeof(*s->internal_eps));
		s->external_eps = xcalloc(n_eps, sizeof(*s->external_eps));
		for (size_t j = 0; j < n_eps; j++) {
			struct plan_endpoint *e = &s->internal_eps[j];

			e->addr =
				nfx_v4(0x0a800000u, (uint32_t)(i * n_eps + j));
			e->port = 8080;
			e->local = j == 0;
			s->external_eps[j] = *e;
		}
		s->n_internal_eps = s->n_external_eps = n_eps;
		s->internal_action = s->external_action =
			n_eps ? PLAN_FORWARD : PLAN_REJECT;
		p->n_services++;
	}
	nfx_sort(p);
}

static inline double nfx_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Load text with `nft <args> -f FILE` (args: "-c" for a check) inside a
 * network namespace made for it and deleted afterwards; with list, the
 * namespace's `nft list ruleset` is appended there. Returns 0 if nft
 * succeeded, -1 if it failed (its messages in why), 1 if the check could
 * not run here (not root, no nft/ip, no namespace; why says which).
 * *secs: wall time of the nft load alone.
 */
static inline int nfx_nft_netns(const char *text, const char *args,
				double *secs, struct strbuf *list, char *why,
				size_t whylen)
{
	char dir[] = "/tmp/nfp-nftc-XXXXXX", path[128], err[128], out[128];
	char ns[64], cmd[512];
	double t0;
	FILE *f;
	int rc;

	*secs = 0;
	if (geteuid() != 0) {
		snprintf(why, whylen, "not root");
		return 1;
	}
	if (system("command -v nft >/dev/null 2>&1 && command -v ip >/dev/null 2>&1") !=
	    0) {
		snprintf(why, whylen, "nft or ip not installed");
		return 1;
	}
	ck_assert(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/rules.nft", dir);
	snprintf(err, sizeof(err), "%s/err", dir);
	snprintf(out, sizeof(out), "%s/list", dir);
	f = fopen(path, "w");
	ck_assert(f != NULL);
	fputs(text, f);
	fclose(f);
	snprintf(ns, sizeof(ns), "nfp-nftc-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "ip netns add %s 2>%s", ns, err);
	if (system(cmd) != 0) {
		snprintf(why, whylen, "cannot create network namespace %s", ns);
		rc = 1;
		goto out_files;
	}
	snprintf(cmd, sizeof(cmd), "ip netns exec %s nft %s -f %s 2>%s", ns,
		 args, path, err);
	t0 = nfx_now();
	rc = system(cmd) == 0 ? 0 : -1;
	*secs = nfx_now() - t0;
	if (rc == 0 && list) {
		snprintf(cmd, sizeof(cmd),
			 "ip netns exec %s nft list ruleset >%s 2>%s", ns, out,
			 err);
		if (system(cmd) == 0) {
			char *l = test_read_file(out);

			strbuf_adds(list, l);
			free(l);
		}
	}
	snprintf(cmd, sizeof(cmd), "ip netns del %s", ns);
	ck_assert_int_eq(system(cmd), 0);
	if (rc) {
		char *e = test_read_file(err);

		snprintf(why, whylen, "%s", e);
		free(e);
	}
out_files:
	unlink(path);
	unlink(err);
	unlink(out);
	rmdir(dir);
	return rc;
}

/* Compile p; fails the test on error diagnostics (warnings allowed when
 * asked). */
static inline void nfx_compile(const struct plan *p, struct nft_ruleset *rs,
			       bool allow_warn)
{
	struct diag_list d = {0};

	ck_assert_int_eq(nft_compile(p, rs, &d), 0);
	for (size_t i = 0; i < d.n; i++)
		if (d.items[i].level >= (allow_warn ? DIAG_ERROR : DIAG_WARN))
			ck_abort_msg("unexpected diagnostic: %s",
				     d.items[i].msg);
	diag_list_free(&d);
}

#endif
