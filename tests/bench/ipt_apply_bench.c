// SPDX-License-Identifier: GPL-2.0
/*
 * iptables installer benchmark: for each size N, a generated IPv4 plan of
 * N services x 10 endpoints (every 4th with a node port, every 10th with
 * ClientIP affinity, every 16th externalTrafficPolicy=Local), compiled,
 * then in fresh network namespaces (unshare(CLONE_NEWNET): needs root;
 * never the root namespace):
 *
 *   full       first sync through libiptc (ipt_apply_sync), with the time
 *              spent inside libiptc/the kernel per call kind (median of
 *              FULL_RUNS below 10,000 services, as for restore)
 *   resync     the same ruleset again with IPT_APPLY_FULL (every chain
 *              flushed and refilled: the periodic full resync)
 *   change     one endpoint removed from / added back to one service:
 *              sync alone, and compile + sync, median of CHANGE_RUNS
 *   restore    iptables-legacy-restore of ipt_print()'s text into an
 *              empty namespace (fork + exec, wall time, child's max RSS)
 *   restore_change  the same change as iptables-legacy-restore --noflush
 *              of the changed chains only (kube-proxy's partial restore),
 *              and as a restore of the whole new text
 *
 * Each size runs in its own child process so that max_rss_kib is that
 * size's. Prints "N key value" lines.
 *
 * Build (from the repo root, after `make`):
 *   cc -O2 -g -std=gnu11 -I. -D_GNU_SOURCE -o build/ipt_apply_bench \
 *      tests/bench/ipt_apply_bench.c build/libnfp.a \
 *      $(pkg-config --libs libnftnl libmnl libiptc libnetfilter_conntrack \
 *        jansson libcurl check)
 * Usage: build/ipt_apply_bench [N...]   (default 100 1000 10000)
 */
#include "../unit/testutil.h"
#include "../unit/plan_fixture.h"

#include <errno.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rules/ipt_apply.h"
#include "rules/ipt_compile.h"
#include "rules/ipt_kernel.h"
#include "rules/ipt_print.h"

#define ENDPOINTS 10
#define CHANGE_RUNS 5
/* Full syncs and restores measured below 10,000 services (median). */
#define FULL_RUNS 5

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void fresh_ns(void)
{
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		exit(1);
	}
}

/* ---- a timing wrapper around ipt_kernel_ops ---- */

enum {
	T_OPEN,
	T_COMMIT,
	T_CREATE,
	T_FLUSH,
	T_DELETE,
	T_APPEND,
	T_INSERT,
	T_READ,
	T_CLOSE,
	__T_MAX
};
static const char *const t_names[__T_MAX] = {
	"open",	  "commit", "create", "flush", "delete",
	"append", "insert", "read",   "close",
};
static double t_acc[__T_MAX];

#define TIMED(kind, expr)                     \
	({                                    \
		double t0_ = now();           \
		__typeof__(expr) r_ = (expr); \
		t_acc[kind] += now() - t0_;   \
		r_;                           \
	})

static const struct ipt_table_ops *K = &ipt_kernel_ops;

static bool w_exists(void *c, int f, const char *t)
{
	return K->table_exists(c, f, t);
}
static void *w_open(void *c, int f, const char *t, int *e)
{
	return TIMED(T_OPEN, K->open(c, f, t, e));
}
static int w_commit(void *h)
{
	return TIMED(T_COMMIT, K->commit(h));
}
static void w_close(void *h)
{
	double t0 = now();

	K->close(h);
	t_acc[T_CLOSE] += now() - t0;
}
static const char *w_first_chain(void *h)
{
	return TIMED(T_READ, K->first_chain(h));
}
static const char *w_next_chain(void *h)
{
	return TIMED(T_READ, K->next_chain(h));
}
static bool w_builtin(void *h, const char *c)
{
	return TIMED(T_READ, K->builtin(h, c));
}
static const void *w_first_rule(void *h, const char *c)
{
	return TIMED(T_READ, K->first_rule(h, c));
}
static const void *w_next_rule(void *h, const void *p)
{
	return TIMED(T_READ, K->next_rule(h, p));
}
static const char *w_rule_target(void *h, const void *e)
{
	return TIMED(T_READ, K->rule_target(h, e));
}
static int w_create(void *h, const char *c)
{
	return TIMED(T_CREATE, K->create_chain(h, c));
}
static int w_flush(void *h, const char *c)
{
	return TIMED(T_FLUSH, K->flush_chain(h, c));
}
static int w_delete(void *h, const char *c)
{
	return TIMED(T_DELETE, K->delete_chain(h, c));
}
static int w_refs(void *h, const char *c, unsigned int *r)
{
	return TIMED(T_READ, K->references(h, c, r));
}
static int w_append(void *h, const char *c, const void *e)
{
	return TIMED(T_APPEND, K->append_rule(h, c, e));
}
static int w_insert(void *h, const char *c, const void *e, unsigned int p)
{
	return TIMED(T_INSERT, K->insert_rule(h, c, e, p));
}
static int w_delete_rule(void *h, const char *c, unsigned int p)
{
	return TIMED(T_DELETE, K->delete_rule(h, c, p));
}

static const struct ipt_table_ops timed_ops = {
	.table_exists = w_exists,
	.open = w_open,
	.commit = w_commit,
	.close = w_close,
	.first_chain = w_first_chain,
	.next_chain = w_next_chain,
	.builtin = w_builtin,
	.first_rule = w_first_rule,
	.next_rule = w_next_rule,
	.rule_target = w_rule_target,
	.create_chain = w_create,
	.flush_chain = w_flush,
	.delete_chain = w_delete,
	.references = w_refs,
	.append_rule = w_append,
	.insert_rule = w_insert,
	.delete_rule = w_delete_rule,
};

/* ---- the plan ---- */

/* N services; with drop_one, service N/2 has lost its last endpoint. */
static void generated_plan(struct plan *p, unsigned int n, bool drop_one)
{
	memset(p, 0, sizeof(*p));
	p->node.name = xstrdup("node-a");
	fx_push_cidr(&p->node.cluster_cidrs, &p->node.n_cluster_cidrs,
		     "10.0.0.0/8");
	for (unsigned int i = 0; i < n; i++) {
		struct plan_service *s;
		char name[32], ip[64], epbuf[ENDPOINTS][64];
		const char *eps[ENDPOINTS + 1] = {0};

		snprintf(name, sizeof(name), "svc-%05u", i);
		snprintf(ip, sizeof(ip), "172.%u.%u.%u", 16 + i / 65536,
			 (i / 256) % 256, i % 256);
		s = fx_service(p, "bench", name, "http", NFP_PROTO_TCP, ip, 80);
		if (i % 4 == 1)
			s->node_port = (uint16_t)(30000 + i % 2768);
		if (i % 10 == 3)
			s->affinity_timeout = 10800;
		if (i % 16 == 5)
			s->external_local = true;
		for (unsigned int e = 0; e < ENDPOINTS; e++) {
			unsigned int k = i * ENDPOINTS + e;

			snprintf(epbuf[e], sizeof(epbuf[e]),
				 "10.%u.%u.%u:8080%s", k / 65536 % 256,
				 k / 256 % 256, k % 256,
				 e == 3 ? "/local" : "");
			eps[e] = epbuf[e];
		}
		if (drop_one && i == n / 2)
			eps[ENDPOINTS - 1] = NULL;
		fx_endpoints(s, eps[0], eps[1], eps[2], eps[3], eps[4], eps[5],
			     eps[6], eps[7], eps[8], eps[9], NULL);
	}
	qsort(p->services, p->n_services, sizeof(*p->services),
	      plan_service_cmp);
}

static size_t count_rules(const struct ipt_ruleset *rs, size_t *chains)
{
	size_t n = 0;

	*chains = 0;
	for (int t = 0; t < __IPT_TABLE_MAX; t++) {
		const struct ipt_table *tb = &rs->tables[t];

		*chains += tb->n_chains;
		for (int h = 0; h < __IPT_HOOK_MAX; h++)
			n += tb->hooks[h].n_rules;
		for (size_t i = 0; i < tb->n_chains; i++)
			n += tb->chains[i]->n_rules;
	}
	return n;
}

/* kube-proxy's partial restore: the chains that changed (declared, so
 * flushed, then filled) and the ones that went (-X). */
static char *partial_text(const struct ipt_ruleset *old,
			  const struct ipt_ruleset *new)
{
	struct strbuf sb = {0};

	for (int t = 0; t < __IPT_TABLE_MAX; t++) {
		const struct ipt_table *o = &old->tables[t],
				       *n = &new->tables[t];
		struct strbuf rules = {0}, del = {0};
		size_t changed = 0;

		for (size_t i = 0; i < n->n_chains; i++) {
			const struct ipt_chain *c = n->chains[i];
			const struct ipt_chain *oc =
				ipt_table_find_chain(o, c->name);

			if (oc && ipt_chain_eq(c, oc))
				continue;
			if (!changed++)
				strbuf_addf(&sb, "*%s\n",
					    ipt_table_name(n->id));
			strbuf_addf(&sb, ":%s - [0:0]\n", c->name);
			for (size_t j = 0; j < c->n_rules; j++) {
				ipt_print_rule(&rules, AF_INET, c->name,
					       &c->rules[j]);
				strbuf_adds(&rules, "\n");
			}
		}
		for (size_t i = 0; i < o->n_chains; i++) {
			const char *name = o->chains[i]->name;

			if (ipt_table_find_chain(n, name))
				continue;
			if (!changed++)
				strbuf_addf(&sb, "*%s\n",
					    ipt_table_name(n->id));
			strbuf_addf(&sb, ":%s - [0:0]\n", name);
			strbuf_addf(&del, "-X %s\n", name);
		}
		if (changed)
			strbuf_addf(&sb, "%s%sCOMMIT\n",
				    rules.buf ? rules.buf : "",
				    del.buf ? del.buf : "");
		strbuf_release(&rules);
		strbuf_release(&del);
	}
	return strbuf_detach(&sb);
}

/* iptables-legacy-restore [--noflush] < text: wall seconds; *rss_kib is
 * the child's max RSS. */
static double restore(const char *text, bool noflush, long *rss_kib)
{
	char path[] = "/tmp/nfp-ipt-bench-XXXXXX";
	int fd = mkstemp(path);
	size_t len = strlen(text);
	struct rusage ru;
	double t0;
	pid_t pid;
	int status;

	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		perror("temp file");
		exit(1);
	}
	lseek(fd, 0, SEEK_SET);
	t0 = now();
	pid = fork();
	if (pid == 0) {
		dup2(fd, 0);
		if (noflush)
			execlp("iptables-legacy-restore",
			       "iptables-legacy-restore", "--noflush", NULL);
		else
			execlp("iptables-legacy-restore",
			       "iptables-legacy-restore", NULL);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "iptables-legacy-restore failed\n");
		exit(1);
	}
	t0 = now() - t0;
	close(fd);
	unlink(path);
	if (rss_kib)
		*rss_kib = ru.ru_maxrss;
	return t0;
}

static void compile(const struct plan *p, struct ipt_ruleset *rs)
{
	struct diag_list d = {0};

	if (ipt_compile(p, AF_INET, rs, &d)) {
		fprintf(stderr, "compile failed\n");
		exit(1);
	}
	diag_list_free(&d);
}

static double do_sync(struct ipt_apply *a, struct ipt_ruleset *rs,
		      unsigned int flags)
{
	struct diag_list d = {0};
	double t0 = now();
	int err = ipt_apply_sync(a, rs, flags, &d);

	t0 = now() - t0;
	if (err) {
		fprintf(stderr, "sync failed: %s: %s\n", strerror(-err),
			d.n ? d.items[0].msg : "");
		exit(1);
	}
	diag_list_free(&d);
	ipt_ruleset_release(rs);
	return t0;
}

static void run_size(unsigned int n)
{
	struct plan p, p2;
	struct ipt_ruleset rs, rs_old, rs_new;
	struct ipt_apply *a = NULL;
	struct rusage ru;
	double t_compile, t_full, t_resync, t_restore, t_part, t_whole;
	double change[CHANGE_RUNS], change_sync[CHANGE_RUNS],
		full[FULL_RUNS] = {0};
	double inside = 0;
	int runs = n >= 10000 ? 1 : FULL_RUNS;
	size_t rules, chains;
	long rss_restore;
	char *text, *text2, *part;

	generated_plan(&p, n, false);
	generated_plan(&p2, n, true);
	t_compile = now();
	compile(&p, &rs);
	t_compile = now() - t_compile;
	rules = count_rules(&rs, &chains);
	text = ipt_print(&rs);
	compile(&p2, &rs_new);
	text2 = ipt_print(&rs_new);
	compile(&p, &rs_old);
	part = partial_text(&rs_old, &rs_new);
	ipt_ruleset_release(&rs_old);
	ipt_ruleset_release(&rs_new);

	/* Ours: first sync into an empty namespace; the median of runs
	 * (the breakdown is the last run's). */
	for (int r = 0; r < runs; r++) {
		if (r) {
			ipt_apply_free(a);
			compile(&p, &rs);
		}
		fresh_ns();
		a = ipt_apply_new(&timed_ops, NULL);
		memset(t_acc, 0, sizeof(t_acc));
		full[r] = do_sync(a, &rs, 0);
	}
	qsort(full, (size_t)runs, sizeof(full[0]), dcmp);
	t_full = full[runs / 2];
	printf("%u services %u\n%u chains %zu\n%u rules %zu\n", n, n, n, chains,
	       n, rules);
	printf("%u compile_s %.4f\n", n, t_compile);
	printf("%u full_sync_s %.4f\n", n, t_full);
	for (int k = 0; k < __T_MAX; k++) {
		printf("%u full_sync_libiptc_%s_s %.4f\n", n, t_names[k],
		       t_acc[k]);
		inside += t_acc[k];
	}
	printf("%u full_sync_ours_s %.4f\n", n, t_full - inside);
	if (getenv("IPT_BENCH_FULL_ONLY"))
		return;

	/* Periodic full resync over the same state. */
	compile(&p, &rs);
	memset(t_acc, 0, sizeof(t_acc));
	t_resync = do_sync(a, &rs, IPT_APPLY_FULL);
	printf("%u full_resync_s %.4f\n", n, t_resync);
	printf("%u full_resync_libiptc_commit_s %.4f\n", n, t_acc[T_COMMIT]);

	/* One endpoint goes, comes back, goes... : compile + sync. */
	for (int r = 0; r < CHANGE_RUNS; r++) {
		double t0 = now();

		memset(t_acc, 0, sizeof(t_acc));
		compile(r % 2 ? &p : &p2, &rs);
		change_sync[r] = do_sync(a, &rs, 0);
		change[r] = now() - t0;
	}
	/* Where the last one went. */
	for (int k = 0; k < __T_MAX; k++)
		if (t_acc[k] >= 0.0005)
			printf("%u change_libiptc_%s_s %.4f\n", n, t_names[k],
			       t_acc[k]);
	qsort(change, CHANGE_RUNS, sizeof(change[0]), dcmp);
	qsort(change_sync, CHANGE_RUNS, sizeof(change_sync[0]), dcmp);
	printf("%u change_sync_s %.4f\n", n, change_sync[CHANGE_RUNS / 2]);
	printf("%u change_compile_and_sync_s %.4f\n", n,
	       change[CHANGE_RUNS / 2]);
	printf("%u change_chains_refilled %zu\n", n,
	       ipt_apply_stats(a)->chains_refilled);
	ipt_apply_free(a);

	/* The reference: iptables-legacy-restore of the same text. */
	for (int r = 0; r < runs; r++) {
		fresh_ns();
		full[r] = restore(text, false, &rss_restore);
	}
	qsort(full, (size_t)runs, sizeof(full[0]), dcmp);
	t_restore = full[runs / 2];
	printf("%u restore_s %.4f\n%u restore_max_rss_kib %ld\n", n, t_restore,
	       n, rss_restore);
	printf("%u full_sync_speedup_vs_restore %.2f\n", n, t_restore / t_full);
	t_part = restore(part, true, NULL);
	t_whole = restore(text2, false, NULL);
	printf("%u restore_change_noflush_s %.4f\n", n, t_part);
	printf("%u restore_change_whole_s %.4f\n", n, t_whole);
	printf("%u change_speedup_vs_noflush_restore %.2f\n", n,
	       t_part / change_sync[CHANGE_RUNS / 2]);

	getrusage(RUSAGE_SELF, &ru);
	printf("%u max_rss_kib %ld\n", n, ru.ru_maxrss);
	fflush(stdout);
	free(text);
	free(text2);
	free(part);
	plan_free(&p);
	plan_free(&p2);
}

/* The fixture's plan builders assert with Check: run each size as a
 * one-test suite (no timing asserts: it measures and prints). */
static unsigned int cur_size;

START_TEST(bench_size)
{
	run_size(cur_size);
}
END_TEST

static int run_suite(unsigned int n)
{
	Suite *s = suite_create("ipt_apply_bench");
	TCase *tc = tcase_create("bench");

	cur_size = n;
	tcase_set_timeout(tc, 3600);
	tcase_add_test(tc, bench_size);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}

int main(int argc, char **argv)
{
	static const unsigned int sizes[] = {100, 1000, 10000};
	unsigned int n_sizes = argc > 1 ? (unsigned int)argc - 1 : 3;

	if (geteuid() != 0) {
		fprintf(stderr,
			"ipt_apply_bench: SKIP: needs root (network namespaces)\n");
		return 0;
	}
	for (unsigned int i = 0; i < n_sizes; i++) {
		unsigned int n =
			argc > 1 ? (unsigned int)atoi(argv[i + 1]) : sizes[i];
		pid_t pid;
		int status;

		if (n < 4) {
			fprintf(stderr, "usage: ipt_apply_bench [N>=4...]\n");
			return 2;
		}
		fflush(stdout);
		pid = fork();
		if (pid == 0)
			_exit(run_suite(n));
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			return 1;
	}
	return 0;
}
