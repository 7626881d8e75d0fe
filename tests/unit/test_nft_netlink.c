// SPDX-License-Identifier: GPL-2.0
/*
 * The netlink installer against the real kernel, inside network
 * namespaces this process makes with unshare(CLONE_NEWNET) (never the
 * root namespace: every test enters fresh ones and returns to the
 * original namespace at the end). Needs root and nft; skips otherwise.
 *
 * What the installer puts in the kernel must read back, through
 * `nft list ruleset`, exactly as what `nft -f` makes of nft_print()'s text
 * in another fresh namespace: full installs, incremental changes, and a
 * refused batch that leaves the kernel as it was and names the object.
 */
#include "testutil.h"
#include "nft_fixture.h"

#include <sched.h>
#include <sys/wait.h>

#include "rules/nft_apply.h"
#include "rules/nft_netlink.h"

static int orig_ns = -1;
static bool skip;
static char skip_why[128];

static void setup(void)
{
	skip = false;
	if (geteuid() != 0) {
		snprintf(skip_why, sizeof(skip_why), "not root");
		skip = true;
		return;
	}
	if (system("command -v nft >/dev/null 2>&1") != 0) {
		snprintf(skip_why, sizeof(skip_why), "nft not installed");
		skip = true;
		return;
	}
	orig_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(orig_ns, 0);
}

static void teardown(void)
{
	if (orig_ns >= 0) {
		ck_assert_int_eq(setns(orig_ns, CLONE_NEWNET), 0);
		close(orig_ns);
		orig_ns = -1;
	}
}

#define SKIP_UNLESS_ROOT()                                                    \
	do {                                                                  \
		if (skip) {                                                   \
			fprintf(stderr, "SKIP %s: %s\n", __func__, skip_why); \
			return;                                               \
		}                                                             \
	} while (0)

/* Enter a new, empty network namespace; returns a descriptor that keeps
 * it alive (to come back with enter()). */
static int fresh_ns(void)
{
	int fd;

	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare: %s",
		      strerror(errno));
	fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	return fd;
}

static void enter(int fd)
{
	ck_assert_int_eq(setns(fd, CLONE_NEWNET), 0);
}

/* Output of a shell command run in the current namespace. */
static char *run(const char *cmd, int *status)
{
	struct strbuf sb = {0};
	char buf[4096];
	FILE *p = popen(cmd, "r");
	size_t n;
	int st;

	ck_assert_ptr_nonnull(p);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		strbuf_add(&sb, buf, n);
	st = pclose(p);
	if (status)
		*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return strbuf_detach(&sb);
}

static int nft_load(const char *text)
{
	char path[] = "/tmp/nfp-nl-test-XXXXXX";
	int fd = mkstemp(path), status;
	char cmd[256], *out;

	ck_assert_int_ge(fd, 0);
	ck_assert(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	snprintf(cmd, sizeof(cmd), "nft -f %s 2>&1", path);
	out = run(cmd, &status);
	if (status)
		fprintf(stderr, "nft -f failed: %s\n", out);
	free(out);
	unlink(path);
	return status;
}

static char *xstrndup_test(const char *s, size_t n)
{
	char *p = strndup(s, n);

	ck_assert_ptr_nonnull(p);
	return p;
}

/* plan_free() for one service of a plan (its array stays). */
static void plan_service_free_test(struct plan_service *s)
{
	free(s->ns);
	free(s->name);
	free(s->port_name);
	free(s->id);
	free(s->external_ips);
	free(s->lb_ips);
	free(s->lb_source_ranges);
	free(s->internal_eps);
	free(s->external_eps);
	free(s->short_eps);
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort the blocks (sets, maps, chains) of each table: the kernel lists
 * them in the order they were created, and an incremental sync creates
 * new ones after the old. Blank lines go. */
static char *sort_blocks(const char *text)
{
	struct strbuf out = {0}, cur = {0};
	char **blocks = NULL;
	size_t n = 0, cap = 0;
	const char *p = text;

	while (*p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == 0) {
			/* blank line */
		} else if (p[0] != '\t') { /* "table ..." or "}" */
			if (n)
				qsort(blocks, n, sizeof(*blocks), cmp_lines);
			for (size_t i = 0; i < n; i++) {
				strbuf_adds(&out, blocks[i]);
				free(blocks[i]);
			}
			n = 0;
			strbuf_add(&out, p, len);
			strbuf_adds(&out, "\n");
		} else {
			strbuf_add(&cur, p, len);
			strbuf_adds(&cur, "\n");
			if (len == 2 && p[1] == '}')
				*XPUSH(blocks, n, cap) = strbuf_detach(&cur);
		}
		p += len + (e ? 1 : 0);
	}
	for (size_t i = 0; i < n; i++) {
		strbuf_adds(&out, blocks[i]);
		free(blocks[i]);
	}
	strbuf_release(&cur);
	free(blocks);
	return strbuf_detach(&out);
}

/*
 * `nft list ruleset`, normalised: the elements of a set come in the
 * kernel's (hash) order, so each "elements = { ... }" list is sorted, and
 * so are the blocks of a table.
 */
static char *listing(void)
{
	char *raw = run("nft list ruleset 2>&1", NULL), *sorted;
	struct strbuf out = {0};
	char **items = NULL;
	size_t n = 0, cap = 0;
	bool in = false;
	char *save, *line;

	for (line = strtok_r(raw, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *p = line;
		size_t len;

		if (!in) {
			char *e = strstr(line, "elements = { ");

			if (!e) {
				strbuf_addf(&out, "%s\n", line);
				continue;
			}
			strbuf_addf(&out, "%.*selements = {\n", (int)(e - line),
				    line);
			p = e + strlen("elements = { ");
			in = true;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		len = strlen(p);
		if (len >= 2 && strcmp(p + len - 2, " }") == 0) {
			*XPUSH(items, n, cap) = xstrndup_test(p, len - 2);
			qsort(items, n, sizeof(*items), cmp_lines);
			for (size_t i = 0; i < n; i++) {
				strbuf_addf(&out, "\t\t\t%s\n", items[i]);
				free(items[i]);
			}
			strbuf_adds(&out, "\t\t}\n");
			n = 0;
			in = false;
			continue;
		}
		if (len && p[len - 1] == ',')
			len--;
		*XPUSH(items, n, cap) = xstrndup_test(p, len);
	}
	free(items);
	free(raw);
	sorted = sort_blocks(out.buf ? out.buf : "");
	strbuf_release(&out);
	return sorted;
}

/* What nft makes of nft_print(rs), listed, in a namespace of its own. */
static char *reference_listing(const struct nft_ruleset *rs)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int ns = fresh_ns();
	char *text = nft_print(rs), *l;

	ck_assert_int_eq(nft_load(text), 0);
	l = listing();
	free(text);
	enter(self);
	close(self);
	close(ns);
	return l;
}

static void assert_same(const char *got, const char *want, const char *what)
{
	/* not two empty or two failed listings */
	ck_assert_msg(strstr(want, "table ip kube-nfproxy {") &&
			      strstr(want, "table ip6 kube-nfproxy {") &&
			      strstr(want, "map service-backends {") &&
			      strstr(want, "elements = {"),
		      "%s: unexpected listing: %.200s", what, want);
	if (strcmp(got, want) != 0) {
		FILE *f = fopen("build/nft_netlink.got", "w");

		if (f) {
			fputs(got, f);
			fclose(f);
		}
		f = fopen("build/nft_netlink.want", "w");
		if (f) {
			fputs(want, f);
			fclose(f);
		}
		ck_abort_msg(
			"%s: the kernel's listing differs from nft -f of nft_print (see build/nft_netlink.got / .want)",
			what);
	}
}

static void sync_ok(struct nft_apply *a, const struct plan *p,
		    struct nft_ruleset *expect)
{
	struct nft_ruleset want;
	struct diag_list d = {0};
	int err;

	nfx_compile(p, &want, true);
	nfx_compile(p, expect, true);
	err = nft_apply_sync(a, &want, &d);
	ck_assert_msg(err == 0, "sync: %s: %s", strerror(-err),
		      d.n ? d.items[0].msg : "");
	diag_list_free(&d);
}

/* Install, compare, change, compare. */
static void install_and_compare(struct plan *p, void (*change)(struct plan *))
{
	int ns = fresh_ns();
	struct nft_nl *nl = nft_nl_open();
	struct nft_ruleset expect;
	struct nft_apply a;
	char *got, *want;

	ck_assert_ptr_nonnull(nl);
	/* a leftover of an earlier run, to be replaced */
	ck_assert_int_eq(
		nft_load("table ip kube-nfproxy { chain junk { }; }\n"), 0);
	nft_apply_init(&a, &nft_netlink_ops, nl);
	sync_ok(&a, p, &expect);
	ck_assert(a.last.full);
	got = listing();
	want = reference_listing(&expect);
	assert_same(got, want, "full install");
	free(got);
	free(want);
	nft_ruleset_free(&expect);

	change(p);
	sync_ok(&a, p, &expect);
	ck_assert(!a.last.full);
	ck_assert(a.last.committed);
	got = listing();
	want = reference_listing(&expect);
	assert_same(got, want, "incremental change");
	free(got);
	free(want);
	nft_ruleset_free(&expect);

	nft_apply_release(&a);
	nft_nl_close(nl);
	close(ns);
}

static void change_representative(struct plan *p)
{
	struct plan_service *web = NULL;

	/* an endpoint moves, a service goes, masquerade-all flips the
	 * shared chains' rules, a node port appears, intervals come and go
	 * (one adjacent to another), a source range of a concatenated
	 * interval set goes */
	for (size_t i = 0; i < p->n_services; i++)
		if (strcmp(p->services[i].id, "shop/web:http") == 0 &&
		    p->services[i].family == AF_INET)
			web = &p->services[i];
	ck_assert_ptr_nonnull(web);
	ck_assert_uint_eq(web->n_lb_source_ranges, 3);
	web->n_lb_source_ranges = 1; /* keeps 192.0.2.0/24 */
	fx_push_cidr(&p->masq.non_masq_cidrs, &p->masq.n_non_masq_cidrs,
		     "11.0.0.0/8");
	fx_push_cidr(&p->masq.non_masq_cidrs, &p->masq.n_non_masq_cidrs,
		     "192.168.0.0/16");
	p->masq.masq_link_local = true; /* 169.254.0.0/16 goes */
	p->services[0].internal_eps[0].port = 6444;
	plan_service_free_test(&p->services[2]);
	memmove(&p->services[2], &p->services[3],
		(p->n_services - 3) * sizeof(*p->services));
	p->n_services--;
	p->node.masquerade_all = true;
	p->services[1].node_port = 31999;
}

START_TEST(test_install_representative)
{
	struct plan p;

	SKIP_UNLESS_ROOT();
	nfx_representative(&p);
	install_and_compare(&p, change_representative);
	plan_free(&p);
}
END_TEST

static void change_generated(struct plan *p)
{
	p->services[501].internal_eps[3].port = 9999;
}

START_TEST(test_install_generated)
{
	struct plan p;

	SKIP_UNLESS_ROOT();
	nfx_generated(&p, 1000, 10);
	install_and_compare(&p, change_generated);
	plan_free(&p);
}
END_TEST

/* Specs change: a set and a chain are deleted and created again, with
 * what refers to them (the ordering the kernel insists on). */
START_TEST(test_respec)
{
	int ns;
	struct nft_nl *nl;
	struct nft_ruleset expect, want;
	struct diag_list d = {0};
	struct nft_apply a;
	struct plan p;
	char *got, *ref;

	SKIP_UNLESS_ROOT();
	ns = fresh_ns();
	nl = nft_nl_open();
	ck_assert_ptr_nonnull(nl);
	nfx_representative(&p);
	nft_apply_init(&a, &nft_netlink_ops, nl);
	sync_ok(&a, &p, &expect);
	nft_ruleset_free(&expect);
	nfx_compile(&p, &want, true);
	nfx_compile(&p, &expect, true);
	for (size_t t = 0; t < 2; t++) {
		nft_table_find_set(want.tables[t], NFTC_SET_SERVICE_IPS)
			->comment = xstrdup("frontends");
		nft_table_find_set(expect.tables[t], NFTC_SET_SERVICE_IPS)
			->comment = xstrdup("frontends");
		nft_table_find_chain(want.tables[t], NFTC_CHAIN_REJECT)
			->comment = xstrdup("no endpoints");
		nft_table_find_chain(expect.tables[t], NFTC_CHAIN_REJECT)
			->comment = xstrdup("no endpoints");
	}
	ck_assert_int_eq(nft_apply_sync(&a, &want, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert(!a.last.full);
	ck_assert_uint_gt(a.last.chains_flushed, 0);
	got = listing();
	ref = reference_listing(&expect);
	assert_same(got, ref, "sets and chains re-created");
	free(got);
	free(ref);
	nft_ruleset_free(&expect);
	nft_apply_release(&a);
	plan_free(&p);
	nft_nl_close(nl);
	close(ns);
}
END_TEST

static void add_bad_jump(struct nft_ruleset *rs)
{
	struct nft_chain *c =
		nft_table_find_chain(rs->tables[0], NFTC_CHAIN_SERVICES);
	struct nft_rule *r = nft_chain_add_rule(c, NULL);
	struct nft_stmt *st = nft_rule_add_stmt(r, NFTR_STMT_VERDICT);

	st->verdict = NFT_JUMP;
	st->chain = xstrdup("no-such-chain");
}

/* The element of service-ips for 10.96.0.10 . udp . 53 now jumps to a
 * chain that does not exist. */
static void add_bad_elem(struct nft_ruleset *rs)
{
	struct nft_set *s =
		nft_table_find_set(rs->tables[0], NFTC_SET_SERVICE_IPS);

	for (size_t i = 0; i < s->n_elems; i++) {
		struct nft_elem *e = nft_set_elem(s, i);
		const uint8_t *k = nft_elem_key(s, e);

		if (k[2] == 0 && k[3] == 10 && k[4] == IPPROTO_UDP) {
			e->chain = nft_pool_intern(rs->pool, "no-such-lb");
			return;
		}
	}
	ck_abort_msg("no element for 10.96.0.10 . udp . 53");
}

START_TEST(test_refusal_keeps_kernel)
{
	int ns;
	struct nft_nl *nl;
	struct nft_ruleset expect, bad;
	struct diag_list d = {0};
	struct nft_apply a;
	struct plan p;
	char *before, *after, *want, *text;

	SKIP_UNLESS_ROOT();
	ns = fresh_ns();
	nl = nft_nl_open();
	ck_assert_ptr_nonnull(nl);
	nfx_representative(&p);
	nft_apply_init(&a, &nft_netlink_ops, nl);
	sync_ok(&a, &p, &expect);
	nft_ruleset_free(&expect);
	before = listing();

	/* a change that would apply, plus two refused objects */
	p.services[0].internal_eps[0].port = 6444;
	nfx_compile(&p, &bad, true);
	add_bad_jump(&bad);
	add_bad_elem(&bad);
	ck_assert_int_eq(nft_apply_sync(&a, &bad, &d), -ENOENT);
	ck_assert(!a.synced);
	text = NULL;
	{
		struct strbuf sb = {0};

		for (size_t i = 0; i < d.n; i++)
			strbuf_addf(&sb, "%s\n", d.items[i].msg);
		text = strbuf_detach(&sb);
	}
	/* both refusals read back and named */
	ck_assert_uint_eq(diag_count(&d, DIAG_ERROR), 2);
	ck_assert_msg(
		strstr(text,
		       "add rule 3 of chain ip kube-nfproxy services (statement 1: verdict jump no-such-chain)"),
		"diagnostics: %s", text);
	ck_assert_msg(
		strstr(text,
		       "add element 10.96.0.10 . udp . 53 to map ip kube-nfproxy service-ips (comment \"kube-system/kube-dns:dns\")"),
		"diagnostics: %s", text);
	ck_assert_msg(strstr(text, "No such file or directory"),
		      "diagnostics: %s", text);
	free(text);
	diag_list_free(&d);
	after = listing();
	assert_same(after, before, "after a refused batch");
	free(after);

	/* the next sync replaces everything */
	sync_ok(&a, &p, &expect);
	ck_assert(a.last.full);
	after = listing();
	want = reference_listing(&expect);
	assert_same(after, want, "full replace after a refusal");
	free(after);
	free(want);
	free(before);
	nft_ruleset_free(&expect);
	nft_apply_release(&a);
	plan_free(&p);
	nft_nl_close(nl);
	close(ns);
}
END_TEST

START_TEST(test_cleanup_and_list)
{
	int ns;
	struct nft_nl *nl;
	struct nft_ruleset expect;
	struct nft_table_list l;
	struct diag_list d = {0};
	struct nft_apply a;
	struct plan p;
	char *tables;

	SKIP_UNLESS_ROOT();
	ns = fresh_ns();
	nl = nft_nl_open();
	ck_assert_ptr_nonnull(nl);
	ck_assert_int_eq(
		nft_load("table ip kube-proxy { chain services { }; }\n"
			 "table ip6 kube-proxy { }\n"
			 "table ip filter { }\n"),
		0);
	nfx_representative(&p);
	nft_apply_init(&a, &nft_netlink_ops, nl);
	sync_ok(&a, &p, &expect);
	ck_assert_int_eq(nft_netlink_ops.list(nl, &l), 0);
	ck_assert_uint_eq(l.n, 5);
	ck_assert(nft_table_list_has(&l, NFPROTO_IPV4, "filter"));
	ck_assert(nft_table_list_has(&l, NFPROTO_IPV6, NFTC_TABLE));
	ck_assert(nft_table_list_has(&l, NFPROTO_IPV6, "kube-proxy"));
	nft_table_list_release(&l);

	ck_assert_int_eq(nft_apply_cleanup(&nft_netlink_ops, nl, &d), 0);
	tables = run("nft list tables", NULL);
	ck_assert_str_eq(tables, "table ip filter\n");
	free(tables);
	ck_assert_int_eq(nft_apply_cleanup(&nft_netlink_ops, nl, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_int_eq(nft_netlink_ops.list(nl, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	nft_table_list_release(&l);

	nft_ruleset_free(&expect);
	nft_apply_release(&a);
	plan_free(&p);
	nft_nl_close(nl);
	close(ns);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nft_netlink");
	TCase *tc = tcase_create("kernel");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_install_representative);
	tcase_add_test(tc, test_install_generated);
	tcase_add_test(tc, test_respec);
	tcase_add_test(tc, test_refusal_keeps_kernel);
	tcase_add_test(tc, test_cleanup_and_list);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
