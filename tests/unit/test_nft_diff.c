// SPDX-License-Identifier: GPL-2.0
/*
 * nft_diff: which operations turn one compiled ruleset into another, in
 * which order, and how many (a partial sync sends as much for one change
 * at 10,000 services as at 100).
 */
#include "testutil.h"
#include "nft_fixture.h"

#include "rules/nft_diff.h"

static size_t total_chains(const struct nft_ruleset *rs, size_t *rules)
{
	size_t n = 0;

	*rules = 0;
	for (size_t i = 0; i < rs->n_tables; i++) {
		n += rs->tables[i]->n_chains;
		for (size_t j = 0; j < rs->tables[i]->n_chains; j++)
			*rules += rs->tables[i]->chains[j]->n_rules;
	}
	return n;
}

static size_t total_sets(const struct nft_ruleset *rs, size_t *elems)
{
	size_t n = 0;

	*elems = 0;
	for (size_t i = 0; i < rs->n_tables; i++) {
		n += rs->tables[i]->n_sets;
		for (size_t j = 0; j < rs->tables[i]->n_sets; j++)
			*elems += rs->tables[i]->sets[j]->n_elems;
	}
	return n;
}

/* Index of the first op of type, or -1. */
static long first_op(const struct nft_txn *txn, enum nft_op_type type)
{
	for (size_t i = 0; i < txn->n_ops; i++)
		if (txn->ops[i].type == type)
			return (long)i;
	return -1;
}

static long last_op(const struct nft_txn *txn, enum nft_op_type type)
{
	for (size_t i = txn->n_ops; i-- > 0;)
		if (txn->ops[i].type == type)
			return (long)i;
	return -1;
}

static const struct nft_op *find_op(const struct nft_txn *txn,
				    enum nft_op_type type, const char *name)
{
	for (size_t i = 0; i < txn->n_ops; i++) {
		const struct nft_op *op = &txn->ops[i];
		const char *n = op->chain ? op->chain->name
				: op->set ? op->set->name
					  : op->table;

		if (op->type == type && strcmp(n, name) == 0)
			return op;
	}
	return NULL;
}

static void compile_generated(struct nft_ruleset *rs, size_t n_svc,
			      size_t n_eps)
{
	struct plan p;

	nfx_generated(&p, n_svc, n_eps);
	nfx_compile(&p, rs, false);
	plan_free(&p);
}

START_TEST(test_diff_from_nothing)
{
	struct nft_ruleset rs;
	struct nft_txn txn = {0};
	struct plan p;
	size_t rules, elems, chains, sets;

	nfx_representative(&p);
	nfx_compile(&p, &rs, false);
	chains = total_chains(&rs, &rules);
	sets = total_sets(&rs, &elems);
	ck_assert_int_eq(nft_diff(NULL, &rs, &txn), 0);
	ck_assert_uint_eq(nft_txn_count(&txn, NFT_OP_ADD_TABLE), 2);
	ck_assert_uint_eq(nft_txn_count(&txn, NFT_OP_ADD_CHAIN), chains);
	ck_assert_uint_eq(nft_txn_count(&txn, NFT_OP_ADD_SET), sets);
	ck_assert_uint_eq(nft_txn_items(&txn, NFT_OP_ADD_ELEMS), elems);
	ck_assert_uint_eq(nft_txn_items(&txn, NFT_OP_ADD_RULES), rules);
	ck_assert_uint_eq(nft_txn_count(&txn, NFT_OP_DEL_ELEMS) +
				  nft_txn_count(&txn, NFT_OP_DEL_CHAIN) +
				  nft_txn_count(&txn, NFT_OP_DEL_SET) +
				  nft_txn_count(&txn, NFT_OP_FLUSH_CHAIN) +
				  nft_txn_count(&txn, NFT_OP_DEL_TABLE),
			  0);
	/* Per table: the table, then chains, then sets, elements, rules. */
	ck_assert_int_eq(txn.ops[0].type, NFT_OP_ADD_TABLE);
	ck_assert_int_eq(txn.ops[0].family, NFPROTO_IPV4);
	for (size_t i = 1; i < txn.n_ops; i++) {
		if (txn.ops[i].type == NFT_OP_ADD_TABLE) {
			ck_assert_int_eq(txn.ops[i].family, NFPROTO_IPV6);
			continue;
		}
		if (txn.ops[i].family != txn.ops[i - 1].family)
			continue;
		ck_assert_int_le(txn.ops[i - 1].type, txn.ops[i].type);
	}
	nft_txn_free(&txn);
	nft_ruleset_free(&rs);
	plan_free(&p);
}
END_TEST

START_TEST(test_diff_identical)
{
	struct nft_ruleset a, b;
	struct nft_txn txn = {0};
	struct plan p;

	nfx_representative(&p);
	nfx_compile(&p, &a, false);
	nfx_compile(&p, &b, false);
	ck_assert_int_eq(nft_diff(&a, &b, &txn), 0);
	ck_assert_uint_eq(txn.n_ops, 0);
	ck_assert_int_eq(nft_diff(&a, &a, &txn), 0);
	ck_assert_uint_eq(txn.n_ops, 0);
	nft_txn_free(&txn);
	nft_ruleset_free(&a);
	nft_ruleset_free(&b);
	plan_free(&p);
}
END_TEST

/* One endpoint's port changes in a service with neither node port nor
 * LB IP: one element of service-backends goes, one comes. */
static void one_endpoint_change(size_t n_svc, struct nft_txn *txn,
				struct nft_ruleset *a, struct nft_ruleset *b)
{
	struct plan p;
	size_t k = n_svc / 2 + 3;

	ck_assert(k % 10 != 0);
	nfx_generated(&p, n_svc, 10);
	nfx_compile(&p, a, false);
	p.services[k].internal_eps[1].port = 9090;
	p.services[k].external_eps[1].port = 9090;
	nfx_compile(&p, b, false);
	ck_assert_int_eq(nft_diff(a, b, txn), 0);
	plan_free(&p);
}

START_TEST(test_diff_one_endpoint_scales)
{
	static const size_t sizes[] = {100, 10000};
	size_t ops[2], items[2];

	for (int i = 0; i < 2; i++) {
		struct nft_ruleset a, b;
		struct nft_txn txn = {0};
		const struct nft_op *del, *add;

		one_endpoint_change(sizes[i], &txn, &a, &b);
		ops[i] = txn.n_ops;
		items[i] = nft_txn_items(&txn, __NFT_OP_MAX);
		ck_assert_uint_eq(txn.n_ops, 2);
		del = find_op(&txn, NFT_OP_DEL_ELEMS,
			      NFTC_SET_SERVICE_BACKENDS);
		add = find_op(&txn, NFT_OP_ADD_ELEMS,
			      NFTC_SET_SERVICE_BACKENDS);
		ck_assert_ptr_nonnull(del);
		ck_assert_ptr_nonnull(add);
		ck_assert_uint_eq(del->n_elems, 1);
		ck_assert_uint_eq(add->n_elems, 1);
		/* the deletion names the old element, the addition the new */
		ck_assert_ptr_eq(del->set,
				 nft_table_find_set(a.tables[0],
						    NFTC_SET_SERVICE_BACKENDS));
		ck_assert_ptr_eq(add->set,
				 nft_table_find_set(b.tables[0],
						    NFTC_SET_SERVICE_BACKENDS));
		ck_assert(del < add);
		nft_txn_free(&txn);
		nft_ruleset_free(&a);
		nft_ruleset_free(&b);
	}
	ck_assert_uint_eq(ops[0], ops[1]);
	ck_assert_uint_eq(items[0], items[1]);
}
END_TEST

/* A new endpoint: more backends, the service's verdict now goes to the
 * chain for 11 endpoints, which is new. The same at both sizes. */
START_TEST(test_diff_add_endpoint_scales)
{
	static const size_t sizes[] = {100, 10000};
	size_t ops[2], items[2];

	for (int i = 0; i < 2; i++) {
		struct nft_ruleset a, b;
		struct nft_txn txn = {0};
		struct plan p;
		struct plan_service *s;
		size_t k = sizes[i] / 2 + 3;

		nfx_generated(&p, sizes[i], 10);
		nfx_compile(&p, &a, false);
		s = &p.services[k];
		s->internal_eps = xrealloc(s->internal_eps,
					   11 * sizeof(*s->internal_eps));
		s->internal_eps[10] = s->internal_eps[9];
		s->internal_eps[10].port = 9999;
		s->n_internal_eps = 11;
		nfx_compile(&p, &b, false);
		ck_assert_int_eq(nft_diff(&a, &b, &txn), 0);
		ops[i] = txn.n_ops;
		items[i] = nft_txn_items(&txn, __NFT_OP_MAX);
		ck_assert_ptr_nonnull(
			find_op(&txn, NFT_OP_ADD_CHAIN, NFTC_LB_SVC "11"));
		ck_assert_ptr_nonnull(
			find_op(&txn, NFT_OP_ADD_RULES, NFTC_LB_SVC "11"));
		ck_assert_uint_eq(nft_txn_count(&txn, NFT_OP_DEL_CHAIN), 0);
		ck_assert_uint_eq(nft_txn_count(&txn, NFT_OP_FLUSH_CHAIN), 0);
		/* the chain exists before the element that jumps to it */
		ck_assert_int_lt(first_op(&txn, NFT_OP_ADD_CHAIN),
				 first_op(&txn, NFT_OP_ADD_ELEMS));
		ck_assert_uint_le(txn.n_ops, 6);
		nft_txn_free(&txn);
		nft_ruleset_free(&a);
		nft_ruleset_free(&b);
		plan_free(&p);
	}
	ck_assert_uint_eq(ops[0], ops[1]);
	ck_assert_uint_eq(items[0], items[1]);
}
END_TEST

/* The only service with 7 endpoints goes: its elements go before the
 * chain they jump to, and the chain is flushed first. */
START_TEST(test_diff_remove_service)
{
	struct nft_ruleset a, b;
	struct nft_txn txn = {0};
	struct plan p;
	const struct nft_op *op;
	size_t k = 5;

	nfx_generated(&p, 50, 3);
	p.services[k].n_internal_eps = 7;
	p.services[k].internal_eps =
		xrealloc(p.services[k].internal_eps,
			 7 * sizeof(*p.services[k].internal_eps));
	for (int j = 3; j < 7; j++) {
		p.services[k].internal_eps[j] = p.services[k].internal_eps[2];
		p.services[k].internal_eps[j].port = (uint16_t)(9000 + j);
	}
	nfx_compile(&p, &a, false);
	plan_free(&p);
	compile_generated(&b, 50, 3);
	/* b: service 5 has 3 endpoints like the others */
	ck_assert_int_eq(nft_diff(&a, &b, &txn), 0);
	op = find_op(&txn, NFT_OP_DEL_CHAIN, NFTC_LB_SVC "7");
	ck_assert_ptr_nonnull(op);
	ck_assert_ptr_nonnull(
		find_op(&txn, NFT_OP_FLUSH_CHAIN, NFTC_LB_SVC "7"));
	ck_assert_int_lt(last_op(&txn, NFT_OP_FLUSH_CHAIN),
			 first_op(&txn, NFT_OP_DEL_ELEMS));
	ck_assert_int_lt(last_op(&txn, NFT_OP_DEL_ELEMS),
			 first_op(&txn, NFT_OP_DEL_CHAIN));
	ck_assert_ptr_nonnull(
		find_op(&txn, NFT_OP_DEL_ELEMS, NFTC_SET_SERVICE_IPS));
	/* backends 3..6 go, 0..2 stay; the frontend's verdict changes */
	ck_assert_uint_eq(
		find_op(&txn, NFT_OP_DEL_ELEMS, NFTC_SET_SERVICE_BACKENDS)
			->n_elems,
		4);
	ck_assert_ptr_null(
		find_op(&txn, NFT_OP_ADD_ELEMS, NFTC_SET_SERVICE_BACKENDS));
	ck_assert_uint_eq(
		find_op(&txn, NFT_OP_ADD_ELEMS, NFTC_SET_SERVICE_IPS)->n_elems,
		1);
	nft_txn_free(&txn);
	nft_ruleset_free(&a);
	nft_ruleset_free(&b);
}
END_TEST

/* --masquerade-all changes the rules of fixed and shared chains: flush
 * and add again, no chain deleted, no element touched. */
START_TEST(test_diff_rules_change)
{
	struct nft_ruleset a, b;
	struct nft_txn txn = {0};
	struct plan p;
	size_t flushed;

	nfx_representative(&p);
	nfx_compile(&p, &a, false);
	p.node.masquerade_all = true;
	nfx_compile(&p, &b, false);
	ck_assert_int_eq(nft_diff(&a, &b, &txn), 0);
	flushed = nft_txn_count(&txn, NFT_OP_FLUSH_CHAIN);
	ck_assert_uint_gt(flushed, 0);
	ck_assert_uint_eq(nft_txn_count(&txn, NFT_OP_ADD_RULES), flushed);
	ck_assert_uint_eq(nft_txn_count(&txn, NFT_OP_DEL_CHAIN), 0);
	ck_assert_uint_eq(nft_txn_count(&txn, NFT_OP_ADD_ELEMS), 0);
	ck_assert_ptr_nonnull(
		find_op(&txn, NFT_OP_FLUSH_CHAIN, NFTC_LB_SVC "2"));
	for (size_t i = 0; i < txn.n_ops; i++) {
		const struct nft_op *op = &txn.ops[i];

		if (op->type != NFT_OP_ADD_RULES)
			continue;
		/* flushed chains come back whole */
		ck_assert_ptr_nonnull(op->chain);
		ck_assert_uint_gt(op->chain->n_rules, 0);
	}
	nft_txn_free(&txn);
	nft_ruleset_free(&a);
	nft_ruleset_free(&b);
	plan_free(&p);
}
END_TEST

/* A set whose spec changes is deleted and created, its elements sent
 * again, and the chains that use it flushed before and refilled after. */
START_TEST(test_diff_set_respec)
{
	struct nft_ruleset a, b;
	struct nft_txn txn = {0};
	struct nft_set *s;
	struct plan p;
	long flush, del, add, elems, rules;

	nfx_representative(&p);
	nfx_compile(&p, &a, false);
	nfx_compile(&p, &b, false);
	s = nft_table_find_set(b.tables[0], NFTC_SET_SERVICE_IPS);
	s->size = 4096;
	ck_assert_int_eq(nft_diff(&a, &b, &txn), 0);
	flush = first_op(&txn, NFT_OP_FLUSH_CHAIN);
	del = first_op(&txn, NFT_OP_DEL_SET);
	add = first_op(&txn, NFT_OP_ADD_SET);
	elems = first_op(&txn, NFT_OP_ADD_ELEMS);
	rules = first_op(&txn, NFT_OP_ADD_RULES);
	ck_assert_uint_eq(nft_txn_count(&txn, NFT_OP_DEL_SET), 1);
	ck_assert_uint_eq(nft_txn_count(&txn, NFT_OP_ADD_SET), 1);
	ck_assert_ptr_nonnull(
		find_op(&txn, NFT_OP_FLUSH_CHAIN, NFTC_CHAIN_SERVICES));
	ck_assert_ptr_nonnull(
		find_op(&txn, NFT_OP_ADD_RULES, NFTC_CHAIN_SERVICES));
	ck_assert_uint_eq(
		find_op(&txn, NFT_OP_ADD_ELEMS, NFTC_SET_SERVICE_IPS)->n_elems,
		s->n_elems);
	ck_assert_int_ge(flush, 0);
	ck_assert_int_lt(flush, del);
	ck_assert_int_lt(del, add);
	ck_assert_int_lt(add, elems);
	ck_assert_int_lt(elems, rules);
	/* only the one chain that uses the set */
	ck_assert_uint_eq(nft_txn_count(&txn, NFT_OP_FLUSH_CHAIN), 1);
	nft_txn_free(&txn);
	nft_ruleset_free(&a);
	nft_ruleset_free(&b);
	plan_free(&p);
}
END_TEST

/* A chain re-created: the verdict elements that jump to it are deleted
 * before it goes and added after it comes back. */
START_TEST(test_diff_chain_respec)
{
	struct nft_ruleset a, b;
	struct nft_txn txn = {0};
	struct nft_chain *c;
	const struct nft_op *del, *add;
	struct plan p;

	nfx_representative(&p);
	nfx_compile(&p, &a, false);
	nfx_compile(&p, &b, false);
	c = nft_table_find_chain(b.tables[0], NFTC_CHAIN_REJECT);
	c->comment = xstrdup("no endpoints");
	ck_assert_int_eq(nft_diff(&a, &b, &txn), 0);
	ck_assert_ptr_nonnull(
		find_op(&txn, NFT_OP_DEL_CHAIN, NFTC_CHAIN_REJECT));
	ck_assert_ptr_nonnull(
		find_op(&txn, NFT_OP_ADD_CHAIN, NFTC_CHAIN_REJECT));
	del = find_op(&txn, NFT_OP_DEL_ELEMS, NFTC_SET_NO_EP_SERVICES);
	add = find_op(&txn, NFT_OP_ADD_ELEMS, NFTC_SET_NO_EP_SERVICES);
	ck_assert_ptr_nonnull(del);
	ck_assert_ptr_nonnull(add);
	ck_assert_uint_eq(del->n_elems, add->n_elems);
	ck_assert_uint_gt(del->n_elems, 0);
	ck_assert_int_lt(last_op(&txn, NFT_OP_DEL_ELEMS),
			 first_op(&txn, NFT_OP_DEL_CHAIN));
	ck_assert_int_lt(first_op(&txn, NFT_OP_ADD_CHAIN),
			 first_op(&txn, NFT_OP_ADD_ELEMS));
	nft_txn_free(&txn);
	nft_ruleset_free(&a);
	nft_ruleset_free(&b);
	plan_free(&p);
}
END_TEST

/* Elements whose comment alone changes are sent again (the kernel would
 * keep the old comment). */
START_TEST(test_diff_comment_change)
{
	struct nft_ruleset a, b;
	struct nft_txn txn = {0};
	struct plan p;

	nfx_generated(&p, 20, 2);
	nfx_compile(&p, &a, false);
	free(p.services[4].id);
	p.services[4].id = xstrdup("gen/svc-00004:web");
	nfx_compile(&p, &b, false);
	ck_assert_int_eq(nft_diff(&a, &b, &txn), 0);
	/* service-ips 1, service-backends 2; no key changed */
	ck_assert_uint_eq(nft_txn_items(&txn, NFT_OP_DEL_ELEMS), 3);
	ck_assert_uint_eq(nft_txn_items(&txn, NFT_OP_ADD_ELEMS), 3);
	nft_txn_free(&txn);
	nft_ruleset_free(&a);
	nft_ruleset_free(&b);
	plan_free(&p);
}
END_TEST

START_TEST(test_diff_tables)
{
	struct nft_ruleset a, b;
	struct nft_txn txn = {0};

	nft_ruleset_init(&a);
	nft_ruleset_init(&b);
	nft_ruleset_add_table(&a, NFPROTO_IPV4, "gone");
	nft_table_add_chain(nft_ruleset_add_table(&a, NFPROTO_IPV4, "kept"),
			    "c", NULL);
	nft_table_add_chain(nft_ruleset_add_table(&b, NFPROTO_IPV4, "kept"),
			    "c", NULL);
	nft_ruleset_add_table(&b, NFPROTO_IPV6, "new");
	ck_assert_int_eq(nft_diff(&a, &b, &txn), 0);
	ck_assert_uint_eq(txn.n_ops, 2);
	ck_assert_int_eq(txn.ops[0].type, NFT_OP_DEL_TABLE);
	ck_assert_str_eq(txn.ops[0].table, "gone");
	ck_assert_int_eq(txn.ops[1].type, NFT_OP_ADD_TABLE);
	ck_assert_str_eq(txn.ops[1].table, "new");
	ck_assert_int_eq(txn.ops[1].family, NFPROTO_IPV6);
	nft_txn_free(&txn);
	nft_ruleset_free(&a);
	nft_ruleset_free(&b);
}
END_TEST

START_TEST(test_describe)
{
	struct nft_ruleset rs;
	struct nft_txn txn = {0};
	struct nft_txn_error e = {.err = -ENOENT, .stmt = -1};
	struct strbuf sb = {0};
	const struct nft_op *op;
	struct plan p;

	nfx_representative(&p);
	nfx_compile(&p, &rs, false);
	ck_assert_int_eq(nft_diff(NULL, &rs, &txn), 0);
	op = find_op(&txn, NFT_OP_ADD_ELEMS, NFTC_SET_SERVICE_IPS);
	e.op = (size_t)(op - txn.ops);
	e.sub = 0;
	nft_txn_describe(&txn, &e, &sb);
	ck_assert_str_eq(
		sb.buf,
		"add element 10.96.0.1 . tcp . 443 to map ip kube-nfproxy service-ips (comment \"default/kubernetes:https\")");
	strbuf_reset(&sb);
	op = find_op(&txn, NFT_OP_ADD_RULES, NFTC_CHAIN_NAT_OUTPUT);
	e.op = (size_t)(op - txn.ops);
	e.sub = 1;
	e.stmt = 0;
	nft_txn_describe(&txn, &e, &sb);
	ck_assert_str_eq(
		sb.buf,
		"add rule 2 of chain ip kube-nfproxy nat-output (statement 1: verdict jump hostports)");
	strbuf_reset(&sb);
	op = find_op(&txn, NFT_OP_ADD_ELEMS, NFTC_SET_CLUSTER_CIDRS);
	e.op = (size_t)(op - txn.ops);
	e.sub = 0;
	e.stmt = -1;
	nft_txn_describe(&txn, &e, &sb);
	ck_assert_str_eq(
		sb.buf,
		"add element 10.244.0.0-10.244.255.255 to set ip kube-nfproxy cluster-cidrs");
	strbuf_release(&sb);
	nft_txn_free(&txn);
	nft_ruleset_free(&rs);
	plan_free(&p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nft_diff");
	TCase *tc = tcase_create("diff");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_diff_from_nothing);
	tcase_add_test(tc, test_diff_identical);
	tcase_add_test(tc, test_diff_one_endpoint_scales);
	tcase_add_test(tc, test_diff_add_endpoint_scales);
	tcase_add_test(tc, test_diff_remove_service);
	tcase_add_test(tc, test_diff_rules_change);
	tcase_add_test(tc, test_diff_set_respec);
	tcase_add_test(tc, test_diff_chain_respec);
	tcase_add_test(tc, test_diff_comment_change);
	tcase_add_test(tc, test_diff_tables);
	tcase_add_test(tc, test_describe);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
