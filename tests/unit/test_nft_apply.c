// SPDX-License-Identifier: GPL-2.0
/*
 * nft_apply over the fake kernel: the first sync replaces whatever is
 * there, later syncs send the diff, a refusal leaves the kernel as it was
 * and makes the next sync a full replace; the fake refuses what the
 * kernel refuses; --cleanup.
 */
#include "testutil.h"
#include "nft_fixture.h"

#include "rules/nft_apply.h"
#include "rules/nft_kernel.h"

static bool diag_has(const struct diag_list *d, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->items[i].msg, needle))
			return true;
	return false;
}

static char *diag_text(const struct diag_list *d)
{
	struct strbuf sb = {0};

	for (size_t i = 0; i < d->n; i++)
		strbuf_addf(&sb, "%s\n", d->items[i].msg);
	return strbuf_detach(&sb);
}

/* Compile p twice: one copy for nft_apply to take, one to compare. */
static void compile2(const struct plan *p, struct nft_ruleset *want,
		     struct nft_ruleset *expect)
{
	nfx_compile(p, want, false);
	nfx_compile(p, expect, false);
}

/* A table such as a crashed run might leave behind. */
static void leftovers(struct nft_fake *f)
{
	struct nft_ruleset *rs = nft_fake_ruleset(f);
	struct nft_table *t =
		nft_ruleset_add_table(rs, NFPROTO_IPV4, NFTC_TABLE);

	nft_table_add_chain(t, "svc-old", NULL);
	nft_ruleset_add_table(rs, NFPROTO_IPV4, "someone-else");
}

START_TEST(test_first_sync_replaces)
{
	struct nft_fake *f = nft_fake_new();
	struct nft_ruleset want, expect;
	struct diag_list d = {0};
	struct nft_apply a;
	struct plan p;
	struct nft_table *t;

	leftovers(f);
	nfx_representative(&p);
	compile2(&p, &want, &expect);
	nft_apply_init(&a, &nft_fake_ops, f);
	ck_assert_int_eq(nft_apply_sync(&a, &want, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_ptr_null(want.tables);
	ck_assert(a.last.full);
	ck_assert(a.last.committed);
	ck_assert_uint_eq(nft_fake_stats(f)->commits, 1);
	ck_assert_uint_eq(nft_fake_stats(f)->applied, 1);
	/* our tables are exactly the compiled ones; others' are untouched */
	t = nft_ruleset_find_table(nft_fake_ruleset(f), NFPROTO_IPV4,
				   NFTC_TABLE);
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_null(nft_table_find_chain(t, "svc-old"));
	ck_assert_ptr_nonnull(nft_ruleset_find_table(
		nft_fake_ruleset(f), NFPROTO_IPV4, "someone-else"));
	ck_assert(nft_table_equal(t, expect.tables[0]));
	ck_assert(nft_table_equal(nft_ruleset_find_table(nft_fake_ruleset(f),
							 NFPROTO_IPV6,
							 NFTC_TABLE),
				  expect.tables[1]));
	ck_assert(nft_ruleset_equal(&a.installed, &expect));
	nft_apply_release(&a);
	nft_ruleset_free(&expect);
	plan_free(&p);
	nft_fake_free(f);
}
END_TEST

START_TEST(test_incremental_sync)
{
	struct nft_fake *f = nft_fake_new();
	struct nft_ruleset want, expect;
	struct diag_list d = {0};
	struct nft_apply a;
	struct plan p;

	nfx_generated(&p, 200, 4);
	compile2(&p, &want, &expect);
	nft_apply_init(&a, &nft_fake_ops, f);
	ck_assert_int_eq(nft_apply_sync(&a, &want, &d), 0);
	nft_ruleset_free(&expect);

	/* one endpoint moves */
	p.services[33].internal_eps[2].port = 7777;
	compile2(&p, &want, &expect);
	ck_assert_int_eq(nft_apply_sync(&a, &want, &d), 0);
	ck_assert(!a.last.full);
	ck_assert_uint_eq(a.last.ops, 2);
	ck_assert_uint_eq(a.last.elems_added, 1);
	ck_assert_uint_eq(a.last.elems_deleted, 1);
	ck_assert_uint_eq(nft_fake_stats(f)->last_ops, 2);
	ck_assert(nft_ruleset_equal(nft_fake_ruleset(f), &expect));
	nft_ruleset_free(&expect);

	/* nothing changes: nothing is sent */
	compile2(&p, &want, &expect);
	ck_assert_int_eq(nft_apply_sync(&a, &want, &d), 0);
	ck_assert(!a.last.committed);
	ck_assert_uint_eq(nft_fake_stats(f)->commits, 2);
	nft_ruleset_free(&expect);

	/* a service goes (its frontend, 4 backends, a hairpin entry), the
	 * moved endpoint comes back */
	plan_free(&p);
	nfx_generated(&p, 199, 4);
	compile2(&p, &want, &expect);
	ck_assert_int_eq(nft_apply_sync(&a, &want, &d), 0);
	ck_assert(!a.last.full);
	ck_assert_uint_eq(a.last.elems_added, 1);
	ck_assert_uint_eq(a.last.elems_deleted, 7);
	ck_assert(nft_ruleset_equal(nft_fake_ruleset(f), &expect));
	ck_assert_uint_eq(d.n, 0);
	nft_ruleset_free(&expect);

	/* the whole layout changes (masquerade-all, affinity, ...) */
	plan_free(&p);
	nfx_representative(&p);
	p.node.masquerade_all = true;
	compile2(&p, &want, &expect);
	ck_assert_int_eq(nft_apply_sync(&a, &want, &d), 0);
	ck_assert(!a.last.full);
	ck_assert(nft_ruleset_equal(nft_fake_ruleset(f), &expect));
	ck_assert_uint_eq(d.n, 0);
	nft_ruleset_free(&expect);

	nft_apply_release(&a);
	plan_free(&p);
	nft_fake_free(f);
}
END_TEST

/* A rule that jumps to a chain that does not exist. */
static void add_bad_jump(struct nft_ruleset *rs)
{
	struct nft_chain *c =
		nft_table_find_chain(rs->tables[0], NFTC_CHAIN_SERVICES);
	struct nft_rule *r = nft_chain_add_rule(c, "broken");
	struct nft_stmt *st = nft_rule_add_stmt(r, NFTR_STMT_VERDICT);

	st->verdict = NFT_JUMP;
	st->chain = xstrdup("no-such-chain");
}

START_TEST(test_refusal_then_full)
{
	struct nft_fake *f = nft_fake_new();
	struct nft_ruleset want, expect, bad;
	struct diag_list d = {0};
	struct nft_apply a;
	struct plan p;
	char *text;

	nfx_representative(&p);
	compile2(&p, &want, &expect);
	nft_apply_init(&a, &nft_fake_ops, f);
	ck_assert_int_eq(nft_apply_sync(&a, &want, &d), 0);

	/* refused: nothing applied, the object named */
	p.services[0].internal_eps[0].port = 6444;
	nfx_compile(&p, &bad, false);
	add_bad_jump(&bad);
	ck_assert_int_eq(nft_apply_sync(&a, &bad, &d), -ENOENT);
	ck_assert_ptr_null(bad.tables);
	ck_assert(!a.synced);
	ck_assert(nft_ruleset_equal(nft_fake_ruleset(f), &expect));
	ck_assert_uint_eq(nft_fake_stats(f)->applied, 1);
	text = diag_text(&d);
	ck_assert_uint_eq(diag_count(&d, DIAG_ERROR), 1);
	ck_assert_msg(
		strstr(text,
		       "add rule 3 of chain ip kube-nfproxy services (statement 1: verdict jump no-such-chain) (comment \"broken\")") &&
			strstr(text, "No such file or directory") &&
			strstr(text, "the next sync replaces"),
		"diagnostics: %s", text);
	free(text);
	diag_list_free(&d);
	nft_ruleset_free(&expect);

	/* the next sync replaces everything, and succeeds */
	compile2(&p, &want, &expect);
	ck_assert_int_eq(nft_apply_sync(&a, &want, &d), 0);
	ck_assert(a.last.full);
	ck_assert_int_eq(a.last.ops > 0, 1);
	ck_assert(nft_ruleset_equal(nft_fake_ruleset(f), &expect));
	ck_assert_uint_eq(d.n, 0);

	nft_apply_release(&a);
	nft_ruleset_free(&expect);
	plan_free(&p);
	nft_fake_free(f);
}
END_TEST

/* Someone deleted one of our elements behind our back: the diff that
 * deletes it is refused, the full replace after it repairs. */
START_TEST(test_divergence_repaired)
{
	struct nft_fake *f = nft_fake_new();
	struct nft_ruleset want, expect;
	struct diag_list d = {0};
	struct nft_apply a;
	struct nft_set *s;
	struct plan p;

	nfx_generated(&p, 30, 2);
	compile2(&p, &want, &expect);
	nft_apply_init(&a, &nft_fake_ops, f);
	ck_assert_int_eq(nft_apply_sync(&a, &want, &d), 0);
	nft_ruleset_free(&expect);
	s = nft_table_find_set(nft_fake_ruleset(f)->tables[0],
			       NFTC_SET_SERVICE_IPS);
	s->n_elems = 0; /* "nft flush set ip kube-nfproxy service-ips" */

	plan_free(&p);
	nfx_generated(&p, 29, 2);
	compile2(&p, &want, &expect);
	ck_assert_int_eq(nft_apply_sync(&a, &want, &d), -ENOENT);
	ck_assert(diag_has(
		&d,
		"delete element 10.96.0.30 . tcp . 80 from map ip kube-nfproxy service-ips"));
	diag_list_free(&d);
	nft_ruleset_free(&expect);

	compile2(&p, &want, &expect);
	ck_assert_int_eq(nft_apply_sync(&a, &want, &d), 0);
	ck_assert(a.last.full);
	ck_assert(nft_ruleset_equal(nft_fake_ruleset(f), &expect));
	nft_apply_invalidate(&a);
	nft_ruleset_free(&expect);
	compile2(&p, &want, &expect);
	ck_assert_int_eq(nft_apply_sync(&a, &want, &d), 0);
	ck_assert(a.last.full);
	ck_assert(nft_ruleset_equal(nft_fake_ruleset(f), &expect));

	nft_apply_release(&a);
	nft_ruleset_free(&expect);
	plan_free(&p);
	nft_fake_free(f);
}
END_TEST

START_TEST(test_cleanup)
{
	struct nft_fake *f = nft_fake_new();
	struct nft_ruleset *rs = nft_fake_ruleset(f);
	struct nft_table_list l;
	struct diag_list d = {0};

	/* in canonical order: family, then name */
	nft_ruleset_add_table(rs, NFPROTO_IPV4, "filter");
	nft_ruleset_add_table(rs, NFPROTO_IPV4, NFT_APPLY_KUBE_PROXY_TABLE);
	nft_ruleset_add_table(rs, NFPROTO_IPV6, NFTC_TABLE);
	ck_assert_int_eq(nft_apply_cleanup(&nft_fake_ops, f, &d), 0);
	ck_assert_int_eq(nft_fake_ops.list(f, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert(nft_table_list_has(&l, NFPROTO_IPV4, "filter"));
	nft_table_list_release(&l);
	/* nothing left to remove: still no error, one transaction each */
	ck_assert_int_eq(nft_apply_cleanup(&nft_fake_ops, f, &d), 0);
	ck_assert_uint_eq(nft_fake_stats(f)->commits, 2);
	ck_assert_uint_eq(nft_fake_stats(f)->last_ops, 4);
	ck_assert_uint_eq(d.n, 0);
	nft_fake_free(f);
}
END_TEST

/* --- The fake refuses what the kernel refuses ------------------------- */

struct kit {
	struct nft_fake *f;
	struct nft_ruleset rs; /* what the transactions point into */
	struct nft_table *t;
	struct nft_chain *c, *d;
	struct nft_set *s, *vm;
};

static const struct nft_key key_daddr = {1, {{.kind = NFTR_F_DADDR}}};

static void kit_init(struct kit *k)
{
	struct nft_elem *e;
	struct nft_rule *r;
	struct nft_stmt *st;
	uint8_t *p;

	k->f = nft_fake_new();
	nft_ruleset_init(&k->rs);
	k->t = nft_ruleset_add_table(&k->rs, NFPROTO_IPV4, "t");
	k->c = nft_table_add_chain(k->t, "c", NULL);
	k->d = nft_table_add_chain(k->t, "d", NULL);
	k->s = nft_table_add_set(k->t, "s", &key_daddr, NFTR_DATA_NONE, NULL, 0,
				 NULL);
	k->vm = nft_table_add_set(k->t, "vm", &key_daddr, NFTR_DATA_VERDICT,
				  NULL, 0, NULL);
	e = nft_set_add_elem(k->s);
	p = nft_elem_key(k->s, e);
	p[0] = 10, p[3] = 1;
	e = nft_set_add_elem(k->vm);
	p = nft_elem_key(k->vm, e);
	p[0] = 10, p[3] = 2;
	e->verdict = NFT_JUMP;
	e->chain = nft_pool_intern(k->rs.pool, "d");
	r = nft_chain_add_rule(k->c, NULL);
	st = nft_rule_add_stmt(r, NFTR_STMT_LOOKUP);
	st->key = key_daddr;
	st->set = xstrdup("s");
	st = nft_rule_add_stmt(r, NFTR_STMT_VERDICT);
	st->verdict = NFT_JUMP;
	st->chain = xstrdup("d");
	nft_ruleset_sort(&k->rs);
}

static void kit_free(struct kit *k)
{
	nft_ruleset_free(&k->rs);
	nft_fake_free(k->f);
}

static int commit(struct kit *k, struct nft_txn *txn, size_t *op)
{
	struct nft_txn_result res;
	int err = nft_fake_ops.commit(k->f, txn, &res);

	if (op)
		*op = err ? res.errors[0].op : SIZE_MAX;
	nft_txn_result_release(&res);
	nft_txn_free(txn);
	return err;
}

static struct nft_op *op(struct nft_txn *txn, enum nft_op_type type)
{
	return nft_txn_add(txn, type, NFPROTO_IPV4, "t");
}

START_TEST(test_fake_refuses)
{
	struct kit k;
	struct nft_txn txn = {0};
	size_t at;

	kit_init(&k);
	/* a rule before its chain and set exist */
	op(&txn, NFT_OP_ADD_TABLE);
	op(&txn, NFT_OP_ADD_CHAIN)->chain = k.c;
	op(&txn, NFT_OP_ADD_RULES)->chain = k.c;
	ck_assert_int_eq(commit(&k, &txn, &at), -ENOENT);
	ck_assert_uint_eq(at, 2);
	ck_assert_uint_eq(nft_fake_ruleset(k.f)->n_tables, 0);

	/* everything, in order: accepted */
	ck_assert_int_eq(nft_diff(NULL, &k.rs, &txn), 0);
	ck_assert_int_eq(commit(&k, &txn, NULL), 0);
	ck_assert(nft_ruleset_equal(nft_fake_ruleset(k.f), &k.rs));

	/* duplicate element */
	nft_op_add_elem(op(&txn, NFT_OP_ADD_ELEMS), 0);
	txn.ops[0].set = k.s;
	ck_assert_int_eq(commit(&k, &txn, &at), -EEXIST);
	/* deleting a missing element (after deleting it once) */
	nft_op_add_elem(op(&txn, NFT_OP_DEL_ELEMS), 0);
	txn.ops[0].set = k.s;
	nft_op_add_elem(op(&txn, NFT_OP_DEL_ELEMS), 0);
	txn.ops[1].set = k.s;
	ck_assert_int_eq(commit(&k, &txn, &at), -ENOENT);
	ck_assert_uint_eq(at, 1);
	/* chain d is used by a rule of c and an element of vm */
	op(&txn, NFT_OP_DEL_CHAIN)->chain = k.d;
	ck_assert_int_eq(commit(&k, &txn, NULL), -EBUSY);
	op(&txn, NFT_OP_FLUSH_CHAIN)->chain = k.c;
	op(&txn, NFT_OP_DEL_CHAIN)->chain = k.d;
	ck_assert_int_eq(commit(&k, &txn, NULL), -EBUSY);
	op(&txn, NFT_OP_FLUSH_CHAIN)->chain = k.c;
	nft_op_add_elem(op(&txn, NFT_OP_DEL_ELEMS), 0);
	txn.ops[1].set = k.vm;
	op(&txn, NFT_OP_DEL_CHAIN)->chain = k.d;
	ck_assert_int_eq(commit(&k, &txn, NULL), 0);
	/* set s is used by... nothing now (c was flushed): deletable */
	op(&txn, NFT_OP_DEL_SET)->set = k.s;
	op(&txn, NFT_OP_ADD_RULES)->chain = k.c; /* needs s and d */
	ck_assert_int_eq(commit(&k, &txn, &at), -ENOENT);
	ck_assert_uint_eq(at, 1);
	/* a set that exists, a chain that exists */
	op(&txn, NFT_OP_ADD_SET)->set = k.s;
	ck_assert_int_eq(commit(&k, &txn, NULL), -EEXIST);
	op(&txn, NFT_OP_ADD_CHAIN)->chain = k.c;
	ck_assert_int_eq(commit(&k, &txn, NULL), -EEXIST);
	/* a missing table; destroy is fine either way */
	nft_txn_add(&txn, NFT_OP_DEL_TABLE, NFPROTO_IPV6, "t");
	ck_assert_int_eq(commit(&k, &txn, NULL), -ENOENT);
	nft_txn_add(&txn, NFT_OP_DESTROY_TABLE, NFPROTO_IPV6, "t");
	nft_txn_add(&txn, NFT_OP_DESTROY_TABLE, NFPROTO_IPV4, "t");
	ck_assert_int_eq(commit(&k, &txn, NULL), 0);
	ck_assert_uint_eq(nft_fake_ruleset(k.f)->n_tables, 0);
	kit_free(&k);
}
END_TEST

/* A lookup whose key is not the set's, a vmap on a plain set. */
START_TEST(test_fake_key_checks)
{
	static const struct nft_key key_np = {
		2, {{.kind = NFTR_F_L4PROTO}, {.kind = NFTR_F_DPORT}}};
	struct kit k;
	struct nft_txn txn = {0};
	struct nft_stmt *st;

	kit_init(&k);
	st = &k.c->rules[0].stmts[0];
	st->key = key_np;
	ck_assert_int_eq(nft_diff(NULL, &k.rs, &txn), 0);
	ck_assert_int_eq(commit(&k, &txn, NULL), -EINVAL);
	st->key = key_daddr;
	st->type = NFTR_STMT_VMAP;
	ck_assert_int_eq(nft_diff(NULL, &k.rs, &txn), 0);
	ck_assert_int_eq(commit(&k, &txn, NULL), -EINVAL);
	free(st->set);
	st->set = xstrdup("vm");
	ck_assert_int_eq(nft_diff(NULL, &k.rs, &txn), 0);
	ck_assert_int_eq(commit(&k, &txn, NULL), 0);
	kit_free(&k);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nft_apply");
	TCase *tc = tcase_create("apply");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_first_sync_replaces);
	tcase_add_test(tc, test_incremental_sync);
	tcase_add_test(tc, test_refusal_then_full);
	tcase_add_test(tc, test_divergence_repaired);
	tcase_add_test(tc, test_cleanup);
	tcase_add_test(tc, test_fake_refuses);
	tcase_add_test(tc, test_fake_key_checks);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
