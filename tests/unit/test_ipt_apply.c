// SPDX-License-Identifier: GPL-2.0
/*
 * ipt_apply over the in-memory fake (rules/ipt_fake.h): first sync,
 * no-op resync, a changed chain, a removed chain, foreign rules and
 * chains untouched, our jumps kept first in the built-in chains, a
 * failed commit, a stale chain someone else still uses, IPT_APPLY_FULL,
 * --cleanup (ours and kube-proxy's, no-op on a clean host), IPv6, and a
 * compiled ruleset of every kind through the fake's kernel checks.
 */
#include "ipt_fixture.h"
#include "testutil.h"

#include "rules/ipt_apply.h"
#include "rules/ipt_entry.h"
#include "rules/ipt_fake.h"

#include <errno.h>

#define CM_PORTALS "kube-nfproxy service portals"

static struct nfp_addr ip(const char *s)
{
	struct nfp_addr a;

	ck_assert(nfp_addr_parse(s, &a) == 0);
	return a;
}

/*
 * A small ruleset: nat PREROUTING and OUTPUT jump to NFP-SERVICES,
 * which sends 10.96.0.1:80 to NFP-SVC-A (two endpoints) and, with
 * with_b, 10.96.0.2:80 to NFP-SVC-B (one); filter INPUT jumps to
 * NFP-FIREWALL, which rejects 10.96.0.9:80. a_eps: how many endpoints
 * A has (1 or 2).
 */
static void small_ruleset(struct ipt_ruleset *rs, bool with_b, int a_eps)
{
	struct ipt_table *nat = &rs->tables[IPT_TABLE_NAT];
	struct ipt_table *filter = &rs->tables[IPT_TABLE_FILTER];
	struct ipt_chain *svcs, *svc, *sep, *fw;
	struct ipt_rule *r;
	struct diag_list d = {0};
	static const char *const eps[] = {"10.244.0.1", "10.244.0.2"};

	ipt_ruleset_init(rs, AF_INET);
	for (int h = IPT_HOOK_PREROUTING; h <= IPT_HOOK_OUTPUT;
	     h += IPT_HOOK_OUTPUT - IPT_HOOK_PREROUTING) {
		r = ipt_chain_add_rule(ipt_table_hook(nat, (enum ipt_hook)h));
		ipt_rule_comment(r, CM_PORTALS);
		ipt_rule_jump(r, "NFP-SERVICES");
	}
	svcs = ipt_table_add_chain(nat, "NFP-SERVICES");
	svc = ipt_table_add_chain(nat, "NFP-SVC-A");
	r = ipt_chain_add_rule(svcs);
	r->dst.addr = ip("10.96.0.1");
	r->dst.prefix = 32;
	ipt_rule_comment(r, "ns/a:http cluster IP");
	ipt_rule_dport(r, NFP_PROTO_TCP, 80);
	ipt_rule_jump(r, "NFP-SVC-A");
	for (int i = 0; i < a_eps; i++) {
		char name[IPT_CHAIN_LEN];
		struct nfp_addr a = ip(eps[i]);

		snprintf(name, sizeof(name), "NFP-SEP-A%d", i + 1);
		r = ipt_chain_add_rule(svc);
		ipt_rule_comment(r, "ns/a:http -> %s:8080", eps[i]);
		if (i + 1 < a_eps)
			ipt_rule_probability(r, 1.0 / (a_eps - i));
		ipt_rule_jump(r, name);
		sep = ipt_table_add_chain(nat, name);
		r = ipt_chain_add_rule(sep);
		r->proto = IPPROTO_TCP;
		ipt_rule_comment(r, "ns/a:http");
		ipt_rule_dnat(r, &a, 8080);
	}
	if (with_b) {
		struct nfp_addr a = ip("10.244.0.3");

		svc = ipt_table_add_chain(nat, "NFP-SVC-B");
		r = ipt_chain_add_rule(svcs);
		r->dst.addr = ip("10.96.0.2");
		r->dst.prefix = 32;
		ipt_rule_dport(r, NFP_PROTO_TCP, 80);
		ipt_rule_jump(r, "NFP-SVC-B");
		r = ipt_chain_add_rule(svc);
		ipt_rule_jump(r, "NFP-SEP-B1");
		sep = ipt_table_add_chain(nat, "NFP-SEP-B1");
		r = ipt_chain_add_rule(sep);
		r->proto = IPPROTO_TCP;
		ipt_rule_dnat(r, &a, 8080);
	}

	r = ipt_chain_add_rule(ipt_table_hook(filter, IPT_HOOK_INPUT));
	ipt_rule_comment(r, "kube-nfproxy load balancer firewall");
	ipt_rule_jump(r, "NFP-FIREWALL");
	fw = ipt_table_add_chain(filter, "NFP-FIREWALL");
	r = ipt_chain_add_rule(fw);
	r->dst.addr = ip("10.96.0.9");
	r->dst.prefix = 32;
	ipt_rule_dport(r, NFP_PROTO_TCP, 80);
	ipt_rule_reject(r);
	ck_assert_int_eq(ipt_ruleset_finish(rs, &d), 0);
	diag_list_free(&d);
}

static void sync_ok(struct ipt_apply *a, struct ipt_ruleset *rs,
		    unsigned int flags)
{
	struct diag_list d = {0};
	int err = ipt_apply_sync(a, rs, flags, &d);

	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "diag: %s\n", d.items[i].msg);
	ck_assert_int_eq(err, 0);
	ck_assert_uint_eq(d.n, 0);
	diag_list_free(&d);
	ipt_ruleset_release(rs);
}

static void assert_dump(struct ipt_fake *f, int family, const char *table,
			const char *want)
{
	char *got = ipt_fake_dump(f, family, table);

	ck_assert_msg(!strcmp(got, want),
		      "%s:\n--- got ---\n%s--- want ---\n%s", table, got, want);
	free(got);
}

static const char nat_small[] =
	":PREROUTING\n:INPUT\n:OUTPUT\n:POSTROUTING\n"
	":NFP-SEP-A1\n:NFP-SEP-A2\n:NFP-SEP-B1\n:NFP-SERVICES\n"
	":NFP-SVC-A\n:NFP-SVC-B\n"
	"-A PREROUTING -j NFP-SERVICES \"kube-nfproxy service portals\"\n"
	"-A OUTPUT -j NFP-SERVICES \"kube-nfproxy service portals\"\n"
	"-A NFP-SEP-A1 -j DNAT \"ns/a:http\"\n"
	"-A NFP-SEP-A2 -j DNAT \"ns/a:http\"\n"
	"-A NFP-SEP-B1 -j DNAT\n"
	"-A NFP-SERVICES -m tcp -j NFP-SVC-A \"ns/a:http cluster IP\"\n"
	"-A NFP-SERVICES -m tcp -j NFP-SVC-B\n"
	"-A NFP-SVC-A -m statistic -j NFP-SEP-A1 \"ns/a:http -> 10.244.0.1:8080\"\n"
	"-A NFP-SVC-A -j NFP-SEP-A2 \"ns/a:http -> 10.244.0.2:8080\"\n"
	"-A NFP-SVC-B -j NFP-SEP-B1\n";

static const char filter_small[] =
	":INPUT\n:FORWARD\n:OUTPUT\n:NFP-FIREWALL\n"
	"-A INPUT -j NFP-FIREWALL \"kube-nfproxy load balancer firewall\"\n"
	"-A NFP-FIREWALL -m tcp -j REJECT\n";

START_TEST(test_first_sync)
{
	struct ipt_fake *f = ipt_fake_new();
	struct ipt_apply *a = ipt_apply_new(&ipt_fake_ops, f);
	struct ipt_ruleset rs;
	const struct ipt_fake_stats *fs = ipt_fake_stats(f);

	small_ruleset(&rs, true, 2);
	sync_ok(a, &rs, 0);
	assert_dump(f, AF_INET, "nat", nat_small);
	assert_dump(f, AF_INET, "filter", filter_small);
	ck_assert_uint_eq(fs->commits, 2);
	ck_assert_uint_eq(fs->chains_created, 7);
	ck_assert_uint_eq(fs->rules_inserted, 3); /* the hook jumps */
	ck_assert_uint_eq(fs->rules_appended, 9);
	ck_assert_uint_eq(fs->chains_flushed, 0);
	ck_assert_uint_eq(ipt_apply_stats(a)->chains_created, 7);
	ck_assert_uint_eq(ipt_apply_stats(a)->rules_added, 12);
	/* The IPv6 tables were never touched. */
	assert_dump(f, AF_INET6, "nat", "");

	/* The same ruleset again: nothing to send. */
	ipt_fake_reset_stats(f);
	small_ruleset(&rs, true, 2);
	sync_ok(a, &rs, 0);
	ck_assert_uint_eq(fs->commits, 0);
	ck_assert_uint_eq(fs->rules_appended + fs->rules_inserted +
				  fs->rules_deleted + fs->chains_flushed +
				  fs->chains_created,
			  0);
	ck_assert_uint_eq(ipt_apply_stats(a)->chains_kept, 7);
	assert_dump(f, AF_INET, "nat", nat_small);

	/* The ruleset moved into the syncer: rs is empty but usable. */
	ck_assert_uint_eq(rs.tables[IPT_TABLE_NAT].n_chains, 0);
	ck_assert_int_eq(rs.family, AF_INET);
	ipt_apply_free(a);
	ipt_fake_free(f);
}
END_TEST

START_TEST(test_changed_chain)
{
	struct ipt_fake *f = ipt_fake_new();
	struct ipt_apply *a = ipt_apply_new(&ipt_fake_ops, f);
	struct ipt_ruleset rs;
	const struct ipt_fake_stats *fs = ipt_fake_stats(f);

	small_ruleset(&rs, true, 2);
	sync_ok(a, &rs, 0);
	ipt_fake_reset_stats(f);

	/* A loses an endpoint: NFP-SVC-A is refilled, NFP-SEP-A2 goes, the
	 * rest (NFP-SERVICES, A1, B, the hooks) is left alone. */
	small_ruleset(&rs, true, 1);
	sync_ok(a, &rs, 0);
	ck_assert_uint_eq(fs->commits, 1); /* filter had nothing to do */
	ck_assert_uint_eq(fs->chains_created, 0);
	ck_assert_uint_eq(fs->chains_flushed, 2); /* SVC-A, SEP-A2 */
	ck_assert_uint_eq(fs->chains_deleted, 1);
	ck_assert_uint_eq(fs->rules_appended, 1);
	ck_assert_uint_eq(fs->rules_inserted + fs->rules_deleted, 0);
	ck_assert_uint_eq(ipt_apply_stats(a)->chains_refilled, 1);
	ck_assert_uint_eq(ipt_apply_stats(a)->chains_kept, 5);
	assert_dump(
		f, AF_INET, "nat",
		":PREROUTING\n:INPUT\n:OUTPUT\n:POSTROUTING\n"
		":NFP-SEP-A1\n:NFP-SEP-B1\n:NFP-SERVICES\n"
		":NFP-SVC-A\n:NFP-SVC-B\n"
		"-A PREROUTING -j NFP-SERVICES \"kube-nfproxy service portals\"\n"
		"-A OUTPUT -j NFP-SERVICES \"kube-nfproxy service portals\"\n"
		"-A NFP-SEP-A1 -j DNAT \"ns/a:http\"\n"
		"-A NFP-SEP-B1 -j DNAT\n"
		"-A NFP-SERVICES -m tcp -j NFP-SVC-A \"ns/a:http cluster IP\"\n"
		"-A NFP-SERVICES -m tcp -j NFP-SVC-B\n"
		"-A NFP-SVC-A -j NFP-SEP-A1 \"ns/a:http -> 10.244.0.1:8080\"\n"
		"-A NFP-SVC-B -j NFP-SEP-B1\n");

	/* And back: SEP-A2 is created and filled, SVC-A refilled. */
	ipt_fake_reset_stats(f);
	small_ruleset(&rs, true, 2);
	sync_ok(a, &rs, 0);
	ck_assert_uint_eq(fs->chains_created, 1);
	ck_assert_uint_eq(fs->rules_appended, 3);
	assert_dump(f, AF_INET, "nat", nat_small);
	ipt_apply_free(a);
	ipt_fake_free(f);
}
END_TEST

START_TEST(test_removed_chain)
{
	struct ipt_fake *f = ipt_fake_new();
	struct ipt_apply *a = ipt_apply_new(&ipt_fake_ops, f);
	struct ipt_ruleset rs;
	const struct ipt_fake_stats *fs = ipt_fake_stats(f);

	small_ruleset(&rs, true, 2);
	sync_ok(a, &rs, 0);
	ipt_fake_reset_stats(f);
	small_ruleset(&rs, false, 2);
	sync_ok(a, &rs, 0);
	/* NFP-SERVICES loses its jump to B, then B's chains can go. */
	ck_assert_uint_eq(fs->chains_deleted, 2);
	ck_assert_uint_eq(ipt_apply_stats(a)->chains_deleted, 2);
	ck_assert_uint_eq(ipt_apply_stats(a)->chains_refilled, 1);
	assert_dump(
		f, AF_INET, "nat",
		":PREROUTING\n:INPUT\n:OUTPUT\n:POSTROUTING\n"
		":NFP-SEP-A1\n:NFP-SEP-A2\n:NFP-SERVICES\n:NFP-SVC-A\n"
		"-A PREROUTING -j NFP-SERVICES \"kube-nfproxy service portals\"\n"
		"-A OUTPUT -j NFP-SERVICES \"kube-nfproxy service portals\"\n"
		"-A NFP-SEP-A1 -j DNAT \"ns/a:http\"\n"
		"-A NFP-SEP-A2 -j DNAT \"ns/a:http\"\n"
		"-A NFP-SERVICES -m tcp -j NFP-SVC-A \"ns/a:http cluster IP\"\n"
		"-A NFP-SVC-A -m statistic -j NFP-SEP-A1 \"ns/a:http -> 10.244.0.1:8080\"\n"
		"-A NFP-SVC-A -j NFP-SEP-A2 \"ns/a:http -> 10.244.0.2:8080\"\n");
	ipt_apply_free(a);
	ipt_fake_free(f);
}
END_TEST

/* Put a rule of someone else's into the fake (and commit). pos < 0:
 * append. target: a chain or verdict label. */
static void foreign(struct ipt_fake *f, const char *table, const char *chain,
		    int pos, const char *comment, const char *target)
{
	struct ipt_ruleset scratch;
	struct ipt_chain *c;
	struct ipt_rule *r;
	struct ipt_entry_buf b = {0};
	int err = 0;
	void *h = ipt_fake_ops.open(f, AF_INET, table, &err);

	ck_assert_ptr_nonnull(h);
	ipt_ruleset_init(&scratch, AF_INET);
	c = ipt_table_add_chain(&scratch.tables[IPT_TABLE_NAT], "X");
	r = ipt_chain_add_rule(c);
	if (comment)
		ipt_rule_comment(r, "%s", comment);
	if (!strcmp(target, "ACCEPT"))
		ipt_rule_verdict(r, IPT_TARGET_ACCEPT);
	else if (!strcmp(target, "RETURN"))
		ipt_rule_verdict(r, IPT_TARGET_RETURN);
	else
		ipt_rule_jump(r, target);
	ck_assert_int_eq(ipt_entry_build(&b, AF_INET, r), 0);
	if (!ipt_fake_ops.builtin(h, chain)) {
		err = ipt_fake_ops.create_chain(h, chain);
		ck_assert(err == 0 || err == -EEXIST);
	}
	if (pos < 0)
		err = ipt_fake_ops.append_rule(h, chain, b.data);
	else
		err = ipt_fake_ops.insert_rule(h, chain, b.data,
					       (unsigned int)pos);
	ck_assert_int_eq(err, 0);
	ck_assert_int_eq(ipt_fake_ops.commit(h), 0);
	ipt_fake_ops.close(h);
	ipt_entry_buf_release(&b);
	ipt_ruleset_release(&scratch);
}

START_TEST(test_foreign_untouched_and_jump_order)
{
	struct ipt_fake *f = ipt_fake_new();
	struct ipt_apply *a = ipt_apply_new(&ipt_fake_ops, f);
	struct ipt_ruleset rs;
	const struct ipt_fake_stats *fs = ipt_fake_stats(f);
	static const char want_nat[] =
		":PREROUTING\n:INPUT\n:OUTPUT\n:POSTROUTING\n"
		":DOCKER\n:NFP-SEP-A1\n:NFP-SEP-A2\n:NFP-SEP-B1\n"
		":NFP-SERVICES\n:NFP-SVC-A\n:NFP-SVC-B\n"
		"-A PREROUTING -j NFP-SERVICES \"kube-nfproxy service portals\"\n"
		"-A PREROUTING -j DOCKER \"docker\"\n"
		"-A PREROUTING -j RETURN \"kube-nfproxy, but not a jump to us\"\n"
		"-A OUTPUT -j NFP-SERVICES \"kube-nfproxy service portals\"\n"
		"-A OUTPUT -j DOCKER\n"
		"-A DOCKER -j RETURN \"docker's own\"\n"
		"-A NFP-SEP-A1 -j DNAT \"ns/a:http\"\n"
		"-A NFP-SEP-A2 -j DNAT \"ns/a:http\"\n"
		"-A NFP-SEP-B1 -j DNAT\n"
		"-A NFP-SERVICES -m tcp -j NFP-SVC-A \"ns/a:http cluster IP\"\n"
		"-A NFP-SERVICES -m tcp -j NFP-SVC-B\n"
		"-A NFP-SVC-A -m statistic -j NFP-SEP-A1 \"ns/a:http -> 10.244.0.1:8080\"\n"
		"-A NFP-SVC-A -j NFP-SEP-A2 \"ns/a:http -> 10.244.0.2:8080\"\n"
		"-A NFP-SVC-B -j NFP-SEP-B1\n";

	foreign(f, "nat", "DOCKER", -1, "docker's own", "RETURN");
	foreign(f, "nat", "PREROUTING", -1, "docker", "DOCKER");
	foreign(f, "nat", "PREROUTING", -1,
		"kube-nfproxy, but not a jump to us", "RETURN");
	foreign(f, "nat", "OUTPUT", -1, NULL, "DOCKER");
	foreign(f, "filter", "INPUT", -1, "ssh", "ACCEPT");

	small_ruleset(&rs, true, 2);
	sync_ok(a, &rs, 0);
	assert_dump(f, AF_INET, "nat", want_nat);
	assert_dump(
		f, AF_INET, "filter",
		":INPUT\n:FORWARD\n:OUTPUT\n:NFP-FIREWALL\n"
		"-A INPUT -j NFP-FIREWALL \"kube-nfproxy load balancer firewall\"\n"
		"-A INPUT -j ACCEPT \"ssh\"\n"
		"-A NFP-FIREWALL -m tcp -j REJECT\n");

	/* Someone inserts above our jump: ours go back to the top, theirs
	 * stay, in their order. */
	foreign(f, "nat", "PREROUTING", 0, "docker", "DOCKER");
	ipt_fake_reset_stats(f);
	small_ruleset(&rs, true, 2);
	sync_ok(a, &rs, 0);
	ck_assert_uint_eq(fs->rules_deleted, 1);
	ck_assert_uint_eq(fs->rules_inserted, 1);
	ck_assert_uint_eq(fs->commits, 1);
	{
		char *got = ipt_fake_dump(f, AF_INET, "nat");

		ck_assert_ptr_nonnull(strstr(
			got,
			"-A PREROUTING -j NFP-SERVICES \"kube-nfproxy service portals\"\n"
			"-A PREROUTING -j DOCKER \"docker\"\n"
			"-A PREROUTING -j DOCKER \"docker\"\n"
			"-A PREROUTING -j RETURN"));
		free(got);
	}

	/* A second copy of our jump (a crashed older run) is removed. */
	foreign(f, "nat", "OUTPUT", -1, CM_PORTALS, "NFP-SERVICES");
	ipt_fake_reset_stats(f);
	small_ruleset(&rs, true, 2);
	sync_ok(a, &rs, 0);
	ck_assert_uint_eq(fs->rules_deleted, 2);
	ck_assert_uint_eq(fs->rules_inserted, 1);
	{
		char *got = ipt_fake_dump(f, AF_INET, "nat");

		ck_assert_ptr_nonnull(strstr(
			got,
			"-A OUTPUT -j NFP-SERVICES \"kube-nfproxy service portals\"\n"
			"-A OUTPUT -j DOCKER\n-A DOCKER"));
		free(got);
	}
	ipt_apply_free(a);
	ipt_fake_free(f);
}
END_TEST

START_TEST(test_failed_commit)
{
	struct ipt_fake *f = ipt_fake_new();
	struct ipt_apply *a = ipt_apply_new(&ipt_fake_ops, f);
	struct ipt_ruleset rs;
	struct diag_list d = {0};
	const struct ipt_fake_stats *fs = ipt_fake_stats(f);
	char *before;

	small_ruleset(&rs, true, 2);
	sync_ok(a, &rs, 0);
	before = ipt_fake_dump(f, AF_INET, "nat");

	small_ruleset(&rs, false, 1);
	ipt_fake_fail_commit(f, -ENOMEM);
	/* filter has nothing to send; nat's commit fails. */
	ck_assert_int_eq(ipt_apply_sync(a, &rs, 0, &d), -ENOMEM);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_str_eq(
		d.items[0].msg,
		"iptables nat: the kernel refused the table: Cannot allocate memory");
	diag_list_free(&d);
	assert_dump(f, AF_INET, "nat", before);
	/* rs is still the caller's. */
	ck_assert_uint_eq(rs.tables[IPT_TABLE_NAT].n_chains, 3);

	/* The syncer forgot what it had sent: every chain is refilled. */
	ipt_fake_reset_stats(f);
	sync_ok(a, &rs, 0);
	ck_assert_uint_eq(ipt_apply_stats(a)->chains_kept, 0);
	ck_assert_uint_eq(ipt_apply_stats(a)->chains_refilled, 4);
	ck_assert_uint_eq(fs->chains_deleted, 3);
	free(before);
	ipt_apply_free(a);
	ipt_fake_free(f);
}
END_TEST

START_TEST(test_eagain_retried)
{
	struct ipt_fake *f = ipt_fake_new();
	struct ipt_apply *a = ipt_apply_new(&ipt_fake_ops, f);
	struct ipt_ruleset rs;

	small_ruleset(&rs, true, 2);
	ipt_fake_fail_commit(f, -EAGAIN);
	sync_ok(a, &rs, 0);
	ck_assert_uint_eq(ipt_apply_stats(a)->retries, 1);
	ck_assert_uint_eq(ipt_apply_stats(a)->commits, 2);
	assert_dump(f, AF_INET, "nat", nat_small);
	ipt_apply_free(a);
	ipt_fake_free(f);
}
END_TEST

START_TEST(test_stale_chain_still_referenced)
{
	struct ipt_fake *f = ipt_fake_new();
	struct ipt_apply *a = ipt_apply_new(&ipt_fake_ops, f);
	struct ipt_ruleset rs;
	struct diag_list d = {0};
	char *got;

	small_ruleset(&rs, true, 2);
	sync_ok(a, &rs, 0);
	/* Someone else's chain jumps into ours. */
	foreign(f, "nat", "THEIRS", -1, NULL, "NFP-SVC-B");
	small_ruleset(&rs, false, 2);
	ck_assert_int_eq(ipt_apply_sync(a, &rs, 0, &d), 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.items[0].level, DIAG_WARN);
	ck_assert_str_eq(
		d.items[0].msg,
		"iptables nat: chain NFP-SVC-B is still referenced by 1 rule(s) that are not ours; left empty");
	got = ipt_fake_dump(f, AF_INET, "nat");
	ck_assert_ptr_nonnull(strstr(got, ":NFP-SVC-B\n"));
	ck_assert_ptr_null(strstr(got, "-A NFP-SVC-B"));
	ck_assert_ptr_null(strstr(got, "NFP-SEP-B1"));
	ck_assert_ptr_nonnull(strstr(got, "-A THEIRS -j NFP-SVC-B\n"));
	free(got);
	diag_list_free(&d);
	ipt_ruleset_release(&rs);
	ipt_apply_free(a);
	ipt_fake_free(f);
}
END_TEST

START_TEST(test_full_refills)
{
	struct ipt_fake *f = ipt_fake_new();
	struct ipt_apply *a = ipt_apply_new(&ipt_fake_ops, f);
	struct ipt_ruleset rs;
	const struct ipt_fake_stats *fs = ipt_fake_stats(f);

	small_ruleset(&rs, true, 2);
	sync_ok(a, &rs, 0);
	ipt_fake_reset_stats(f);
	small_ruleset(&rs, true, 2);
	sync_ok(a, &rs, IPT_APPLY_FULL);
	ck_assert_uint_eq(ipt_apply_stats(a)->chains_refilled, 7);
	ck_assert_uint_eq(ipt_apply_stats(a)->chains_kept, 0);
	ck_assert_uint_eq(fs->chains_flushed, 7);
	ck_assert_uint_eq(fs->rules_appended, 9);
	/* The hook jumps were in place: not redone. */
	ck_assert_uint_eq(fs->rules_inserted + fs->rules_deleted, 0);
	assert_dump(f, AF_INET, "nat", nat_small);
	ipt_apply_free(a);
	ipt_fake_free(f);
}
END_TEST

START_TEST(test_bad_hook_rule)
{
	struct ipt_fake *f = ipt_fake_new();
	struct ipt_apply *a = ipt_apply_new(&ipt_fake_ops, f);
	struct ipt_ruleset rs;
	struct ipt_rule *r;
	struct diag_list d = {0};

	small_ruleset(&rs, true, 2);
	/* No comment: we could not tell it is ours next time. */
	r = ipt_chain_add_rule(
		ipt_table_hook(&rs.tables[IPT_TABLE_NAT], IPT_HOOK_OUTPUT));
	ipt_rule_jump(r, "NFP-SERVICES");
	ck_assert_int_eq(ipt_apply_sync(a, &rs, 0, &d), -EINVAL);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_str_eq(
		d.items[0].msg,
		"iptables nat: rule 2 of OUTPUT must jump to an NFP- chain with a comment starting \"kube-nfproxy\"");
	ck_assert_uint_eq(ipt_fake_stats(f)->opens, 0);
	diag_list_free(&d);
	ipt_ruleset_release(&rs);

	/* A chain without our prefix: we could not find it again. */
	small_ruleset(&rs, true, 2);
	ipt_table_add_chain(&rs.tables[IPT_TABLE_FILTER], "MINE");
	ck_assert_int_eq(ipt_apply_sync(a, &rs, 0, &d), -EINVAL);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_str_eq(
		d.items[0].msg,
		"iptables filter: chain MINE does not start with NFP-");
	ck_assert_uint_eq(ipt_fake_stats(f)->opens, 0);
	diag_list_free(&d);
	ipt_ruleset_release(&rs);
	ipt_apply_free(a);
	ipt_fake_free(f);
}
END_TEST

START_TEST(test_cleanup)
{
	struct ipt_fake *f = ipt_fake_new();
	struct ipt_apply *a = ipt_apply_new(&ipt_fake_ops, f);
	struct ipt_ruleset rs;
	struct ipt_apply_stats st;
	struct diag_list d = {0};

	/* A clean host: nothing is opened, nothing instantiated. */
	ck_assert_int_eq(ipt_apply_cleanup(a, &ipt_fake_ops, f, &st, &d), 0);
	ck_assert_uint_eq(ipt_fake_stats(f)->opens, 0);
	ck_assert_uint_eq(st.commits, 0);
	assert_dump(f, AF_INET, "filter", "");

	small_ruleset(&rs, true, 2);
	sync_ok(a, &rs, 0);
	foreign(f, "nat", "KUBE-MARK-MASQ", -1, NULL, "RETURN");
	foreign(f, "nat", "KUBE-SVC-AAAA", -1, NULL, "KUBE-MARK-MASQ");
	foreign(f, "nat", "KUBE-SERVICES", -1, NULL, "KUBE-SVC-AAAA");
	foreign(f, "nat", "PREROUTING", -1, "kubernetes service portals",
		"KUBE-SERVICES");
	foreign(f, "nat", "DOCKER", -1, NULL, "RETURN");
	foreign(f, "nat", "PREROUTING", -1, "docker", "DOCKER");
	foreign(f, "filter", "KUBE-FORWARD", -1, NULL, "ACCEPT");
	foreign(f, "filter", "FORWARD", -1, NULL, "KUBE-FORWARD");
	foreign(f, "filter", "KUBE-FIREWALL", -1, NULL, "RETURN");
	foreign(f, "filter", "INPUT", -1, NULL, "KUBE-FIREWALL");
	ipt_fake_reset_stats(f);

	ck_assert_int_eq(ipt_apply_cleanup(a, &ipt_fake_ops, f, &st, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(st.commits, 2);
	ck_assert_uint_eq(st.chains_deleted, 7 + 3);
	ck_assert_uint_eq(st.rules_deleted, 3 + 2);
	assert_dump(f, AF_INET, "nat",
		    ":PREROUTING\n:INPUT\n:OUTPUT\n:POSTROUTING\n"
		    ":DOCKER\n:KUBE-MARK-MASQ\n"
		    "-A PREROUTING -j DOCKER \"docker\"\n"
		    "-A DOCKER -j RETURN\n"
		    "-A KUBE-MARK-MASQ -j RETURN\n");
	assert_dump(f, AF_INET, "filter",
		    ":INPUT\n:FORWARD\n:OUTPUT\n:KUBE-FIREWALL\n"
		    "-A INPUT -j KUBE-FIREWALL\n"
		    "-A KUBE-FIREWALL -j RETURN\n");
	/* The IPv6 tables do not exist: not opened. */
	ck_assert_uint_eq(ipt_fake_stats(f)->opens, 2);
	assert_dump(f, AF_INET6, "nat", "");

	/* Again: nothing left to do, nothing committed. */
	ck_assert_int_eq(ipt_apply_cleanup(a, &ipt_fake_ops, f, &st, &d), 0);
	ck_assert_uint_eq(st.commits, 0);

	/* The syncer forgot its state: a sync now starts over. */
	small_ruleset(&rs, true, 2);
	sync_ok(a, &rs, 0);
	ck_assert_uint_eq(ipt_apply_stats(a)->chains_created, 7);
	ck_assert(ipt_apply_is_cleanup_chain("KUBE-SEP-X"));
	ck_assert(ipt_apply_is_cleanup_chain("NFP-HP-X"));
	ck_assert(!ipt_apply_is_cleanup_chain("KUBE-MARK-DROP"));
	ck_assert(!ipt_apply_is_cleanup_chain("KUBE-KUBELET-CANARY"));
	diag_list_free(&d);
	ipt_apply_free(a);
	ipt_fake_free(f);
}
END_TEST

/* A compiled ruleset of every kind, both families, through the fake's
 * kernel checks (targets in the hooks that allow them, no loops). */
START_TEST(test_compiled_both_families)
{
	struct ipt_fake *f = ipt_fake_new();
	struct ipt_apply *a = ipt_apply_new(&ipt_fake_ops, f);
	struct plan p = {0};
	struct plan_service *s;
	struct ipt_ruleset rs4, rs6;
	size_t chains4;
	char *dump;

	p.node.name = xstrdup("node-a");
	fx_push_cidr(&p.node.cluster_cidrs, &p.node.n_cluster_cidrs,
		     "10.244.0.0/16");
	fx_push_cidr(&p.node.cluster_cidrs, &p.node.n_cluster_cidrs,
		     "fd00:10:244::/56");
	s = fx_service(&p, "ns1", "web", "http", NFP_PROTO_TCP, "10.96.0.10",
		       80);
	s->node_port = 30080;
	s->affinity_timeout = 10800;
	s->external_local = true;
	fx_push_addr(&s->lb_ips, &s->n_lb_ips, "198.51.100.10");
	fx_push_cidr(&s->lb_source_ranges, &s->n_lb_source_ranges,
		     "192.168.0.0/16");
	fx_endpoints(s, "10.244.1.7:8080", "10.244.2.7:8080/local", NULL);
	s = fx_service(&p, "ns3", "empty", "http", NFP_PROTO_UDP, "10.96.0.30",
		       53);
	s = fx_service(&p, "ns1", "web", "http", NFP_PROTO_TCP, "fd00:96::10",
		       80);
	fx_endpoints(s, "[fd00:10:244:1::7]:8080", NULL);
	qsort(p.services, p.n_services, sizeof(*p.services), plan_service_cmp);
	fx_hostport(&p, "ns1/hp", NFP_PROTO_TCP, NULL, 8080, "10.244.2.8", 80);
	p.masq.enabled = true;
	fx_push_cidr(&p.masq.pod_cidrs, &p.masq.n_pod_cidrs, "10.244.0.0/16");

	fx_compile(&p, AF_INET, &rs4, false);
	fx_compile(&p, AF_INET6, &rs6, false);
	chains4 = rs4.tables[IPT_TABLE_NAT].n_chains +
		  rs4.tables[IPT_TABLE_FILTER].n_chains;
	sync_ok(a, &rs4, 0);
	ck_assert_uint_eq(ipt_apply_stats(a)->chains_created, chains4);
	sync_ok(a, &rs6, 0);
	dump = ipt_fake_dump(f, AF_INET6, "nat");
	ck_assert_ptr_nonnull(strstr(dump, "-j DNAT \"ns1/web:http\""));
	free(dump);
	dump = ipt_fake_dump(f, AF_INET, "nat");
	ck_assert_ptr_nonnull(strstr(dump, "-m recent -j DNAT"));
	ck_assert_ptr_nonnull(strstr(dump, "-j MASQUERADE"));
	free(dump);

	/* Again, from a fresh compile: nothing to send. */
	ipt_fake_reset_stats(f);
	fx_compile(&p, AF_INET, &rs4, false);
	sync_ok(a, &rs4, 0);
	ck_assert_uint_eq(ipt_fake_stats(f)->commits, 0);
	ck_assert_uint_eq(ipt_apply_stats(a)->chains_kept, chains4);
	plan_free(&p);
	ipt_apply_free(a);
	ipt_fake_free(f);
}
END_TEST

/* The fake behaves like libiptc and the kernel where the syncer relies
 * on it. */
START_TEST(test_fake_checks)
{
	struct ipt_fake *f = ipt_fake_new();
	struct ipt_ruleset scratch;
	struct ipt_rule *r;
	struct ipt_entry_buf b = {0};
	unsigned int refs = 9;
	int err = 0;
	void *h = ipt_fake_ops.open(f, AF_INET, "nat", &err);

	ck_assert_ptr_null(ipt_fake_ops.open(f, AF_INET, "mangle", &err));
	ck_assert_int_eq(err, -ENOENT);
	ipt_ruleset_init(&scratch, AF_INET);
	r = ipt_chain_add_rule(
		ipt_table_add_chain(&scratch.tables[IPT_TABLE_NAT], "X"));
	ck_assert_int_eq(ipt_fake_ops.create_chain(h, "NFP-A"), 0);
	ck_assert_int_eq(ipt_fake_ops.create_chain(h, "NFP-A"), -EEXIST);
	ck_assert_int_eq(ipt_fake_ops.create_chain(h, "PREROUTING"), -EEXIST);
	ipt_rule_jump(r, "NFP-A");
	ck_assert_int_eq(ipt_entry_build(&b, AF_INET, r), 0);
	ck_assert_int_eq(ipt_fake_ops.append_rule(h, "NOPE", b.data), -ENOENT);
	ck_assert_int_eq(ipt_fake_ops.insert_rule(h, "OUTPUT", b.data, 1),
			 -E2BIG);
	ck_assert_int_eq(ipt_fake_ops.append_rule(h, "OUTPUT", b.data), 0);
	ck_assert_int_eq(ipt_fake_ops.references(h, "NFP-A", &refs), 0);
	ck_assert_uint_eq(refs, 1);
	ck_assert_int_eq(ipt_fake_ops.delete_chain(h, "NFP-A"), -EMLINK);
	ck_assert_int_eq(ipt_fake_ops.delete_chain(h, "OUTPUT"), -EINVAL);
	/* A jump to a built-in chain. */
	ipt_rule_jump(r, "OUTPUT");
	ck_assert_int_eq(ipt_entry_build(&b, AF_INET, r), 0);
	ck_assert_int_eq(ipt_fake_ops.append_rule(h, "NFP-A", b.data), -EINVAL);
	/* MASQUERADE reachable from OUTPUT: the kernel says no. */
	ipt_rule_masquerade(r, false);
	ck_assert_int_eq(ipt_entry_build(&b, AF_INET, r), 0);
	ck_assert_int_eq(ipt_fake_ops.append_rule(h, "NFP-A", b.data), 0);
	ck_assert_int_eq(ipt_fake_ops.commit(h), -EINVAL);
	ck_assert_int_eq(ipt_fake_ops.delete_rule(h, "NFP-A", 0), 0);
	/* A loop. */
	ipt_rule_jump(r, "NFP-A");
	ck_assert_int_eq(ipt_entry_build(&b, AF_INET, r), 0);
	ck_assert_int_eq(ipt_fake_ops.append_rule(h, "NFP-A", b.data), 0);
	ck_assert_int_eq(ipt_fake_ops.commit(h), -ELOOP);
	ck_assert_int_eq(ipt_fake_ops.flush_chain(h, "NFP-A"), 0);
	/* An unknown target extension. */
	ipt_rule_jump(r, "NOT-A-CHAIN");
	ck_assert_int_eq(ipt_entry_build(&b, AF_INET, r), 0);
	ck_assert_int_eq(ipt_fake_ops.append_rule(h, "NFP-A", b.data), 0);
	ck_assert_int_eq(ipt_fake_ops.commit(h), -ENOENT);
	/* Nothing of this was committed. */
	ipt_fake_ops.close(h);
	assert_dump(f, AF_INET, "nat",
		    ":PREROUTING\n:INPUT\n:OUTPUT\n:POSTROUTING\n");
	ipt_entry_buf_release(&b);
	ipt_ruleset_release(&scratch);
	ipt_fake_free(f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ipt_apply");
	TCase *tc = tcase_create("apply");

	tcase_add_test(tc, test_first_sync);
	tcase_add_test(tc, test_changed_chain);
	tcase_add_test(tc, test_removed_chain);
	tcase_add_test(tc, test_foreign_untouched_and_jump_order);
	tcase_add_test(tc, test_failed_commit);
	tcase_add_test(tc, test_eagain_retried);
	tcase_add_test(tc, test_stale_chain_still_referenced);
	tcase_add_test(tc, test_full_refills);
	tcase_add_test(tc, test_bad_hook_rule);
	tcase_add_test(tc, test_cleanup);
	tcase_add_test(tc, test_compiled_both_families);
	tcase_add_test(tc, test_fake_checks);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
