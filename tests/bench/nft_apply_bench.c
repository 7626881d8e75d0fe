// SPDX-License-Identifier: GPL-2.0
/*
 * nftables installer benchmark: a generated plan of N services x M
 * endpoints (tests/unit/nft_fixture.h), compiled, then in fresh network
 * namespaces (unshare(CLONE_NEWNET): needs root; never the root
 * namespace):
 *
 *   full      first sync over netlink: delete-if-exists + add everything
 *   change    one endpoint's port changes: compile + sync (diff), median
 *             of CHANGE_RUNS, also at 100 services for the ratio
 *   nft -f    the same ruleset as nft_print() text, loaded by nft
 *   rss       peak resident set size of this process
 *
 * Usage: nft_apply_bench [SERVICES [ENDPOINTS]]   (default 10000 10)
 * Prints "key value" lines. The fixture's plan builders assert with
 * Check, so the benchmark runs as a one-test Check suite (no timing
 * asserts: it measures and prints).
 */
#include "../unit/testutil.h"
#include "../unit/nft_fixture.h"

#include <sched.h>
#include <sys/resource.h>

#include "rules/nft_apply.h"
#include "rules/nft_netlink.h"

#define CHANGE_RUNS 7
#define SMALL 100

struct result {
	double compile, full, change_sync, change_total, nft_f;
	size_t elems, full_msgs, full_bytes, change_ops;
};

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void fresh_ns(void)
{
	if (unshare(CLONE_NEWNET) != 0) {
		ck_abort_msg("unshare(CLONE_NEWNET): %s", strerror(errno));
	}
}

static size_t count_elems(const struct nft_ruleset *rs)
{
	size_t n = 0;

	for (size_t i = 0; i < rs->n_tables; i++)
		for (size_t j = 0; j < rs->tables[i]->n_sets; j++)
			n += rs->tables[i]->sets[j]->n_elems;
	return n;
}

static void compile(const struct plan *p, struct nft_ruleset *rs)
{
	struct diag_list d = {0};

	if (nft_compile(p, rs, &d) != 0) {
		fprintf(stderr, "compile failed\n");
		exit(1);
	}
	diag_list_free(&d);
}

static void sync_or_die(struct nft_apply *a, struct nft_ruleset *rs)
{
	struct diag_list d = {0};
	int err = nft_apply_sync(a, rs, &d);

	if (err) {
		fprintf(stderr, "sync failed: %s: %s\n", strerror(-err),
			d.n ? d.items[0].msg : "");
		exit(1);
	}
	diag_list_free(&d);
}

static double nft_f(const struct nft_ruleset *rs)
{
	char path[] = "/tmp/nfp-bench-XXXXXX", cmd[256];
	char *text = nft_print(rs);
	int fd = mkstemp(path);
	double t0, t;

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror("write");
		exit(1);
	}
	close(fd);
	free(text);
	fresh_ns();
	snprintf(cmd, sizeof(cmd), "nft -f %s", path);
	t0 = nfx_now();
	if (system(cmd) != 0) {
		fprintf(stderr, "nft -f failed\n");
		exit(1);
	}
	t = nfx_now() - t0;
	unlink(path);
	return t;
}

static void run(size_t n_svc, size_t n_eps, bool with_nft, struct result *r)
{
	struct nft_ruleset rs, ref;
	double t0, sync_t[CHANGE_RUNS], total_t[CHANGE_RUNS];
	struct nft_apply a;
	struct nft_nl *nl;
	struct plan p;

	memset(r, 0, sizeof(*r));
	nfx_generated(&p, n_svc, n_eps);
	t0 = nfx_now();
	compile(&p, &rs);
	r->compile = nfx_now() - t0;
	r->elems = count_elems(&rs);
	if (with_nft)
		compile(&p, &ref);

	fresh_ns();
	nl = nft_nl_open();
	if (!nl) {
		ck_abort_msg("netlink socket: %s", strerror(errno));
	}
	nft_apply_init(&a, &nft_netlink_ops, nl);
	t0 = nfx_now();
	sync_or_die(&a, &rs);
	r->full = nfx_now() - t0;
	r->full_msgs = a.last.msgs;
	r->full_bytes = a.last.bytes;

	for (int i = 0; i < CHANGE_RUNS; i++) {
		double t1;

		p.services[n_svc / 2 + 1].internal_eps[n_eps > 1].port =
			(uint16_t)(9000 + i);
		t0 = nfx_now();
		compile(&p, &rs);
		t1 = nfx_now();
		sync_or_die(&a, &rs);
		sync_t[i] = nfx_now() - t1;
		total_t[i] = nfx_now() - t0;
		r->change_ops = a.last.ops;
	}
	qsort(sync_t, CHANGE_RUNS, sizeof(double), dcmp);
	qsort(total_t, CHANGE_RUNS, sizeof(double), dcmp);
	r->change_sync = sync_t[CHANGE_RUNS / 2];
	r->change_total = total_t[CHANGE_RUNS / 2];
	nft_apply_release(&a);
	nft_nl_close(nl);
	if (with_nft) {
		r->nft_f = nft_f(&ref);
		nft_ruleset_free(&ref);
	}
	plan_free(&p);
}

static size_t n_svc = 10000, n_eps = 10;

START_TEST(bench)
{
	struct result big, small;
	struct rusage ru;

	if (geteuid() != 0) {
		fprintf(stderr,
			"nft_apply_bench: SKIP: needs root (network namespaces)\n");
		return;
	}
	run(SMALL, n_eps, false, &small);
	run(n_svc, n_eps, true, &big);
	getrusage(RUSAGE_SELF, &ru);

	printf("services %zu\nendpoints_per_service %zu\nelements %zu\n", n_svc,
	       n_eps, big.elems);
	printf("compile_s %.4f\n", big.compile);
	printf("full_sync_s %.4f\nfull_sync_msgs %zu\nfull_sync_bytes %zu\n",
	       big.full, big.full_msgs, big.full_bytes);
	printf("nft_f_s %.4f\nfull_sync_speedup_vs_nft_f %.1f\n", big.nft_f,
	       big.nft_f / big.full);
	printf("change_ops %zu\n", big.change_ops);
	printf("change_sync_s %.6f\nchange_compile_and_sync_s %.6f\n",
	       big.change_sync, big.change_total);
	printf("change_sync_s_at_%d %.6f\nchange_compile_and_sync_s_at_%d %.6f\n",
	       SMALL, small.change_sync, SMALL, small.change_total);
	printf("change_sync_ratio %.2f\n", big.change_sync / small.change_sync);
	printf("max_rss_kib %ld\n", ru.ru_maxrss);
	fflush(stdout);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("nft_apply_bench");
	TCase *tc = tcase_create("bench");

	if (argc > 1)
		n_svc = strtoul(argv[1], NULL, 10);
	if (argc > 2)
		n_eps = strtoul(argv[2], NULL, 10);
	if (n_svc < 4 || n_eps < 1) {
		fprintf(stderr,
			"usage: nft_apply_bench [SERVICES>=4 [ENDPOINTS>=1]]\n");
		return 2;
	}
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, bench);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
