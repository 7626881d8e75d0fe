// SPDX-License-Identifier: GPL-2.0
#include "rules/nft_apply.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules/nft_compile.h"
#include "rules/nft_diff.h"
#include "util/strbuf.h"

/* Refusals logged one by one; the rest are counted. */
#define APPLY_MAX_REPORTED 10

static const int families[] = {NFPROTO_IPV4, NFPROTO_IPV6};

void nft_apply_init(struct nft_apply *a, const struct nft_backend_ops *ops,
		    void *ctx)
{
	memset(a, 0, sizeof(*a));
	a->ops = ops;
	a->ctx = ctx;
	nft_ruleset_init(&a->installed);
}

void nft_apply_release(struct nft_apply *a)
{
	if (!a)
		return;
	nft_ruleset_free(&a->installed);
	a->synced = false;
}

void nft_apply_invalidate(struct nft_apply *a)
{
	a->synced = false;
}

static void report(const struct nft_txn *txn, const struct nft_txn_result *res,
		   bool full, struct diag_list *d)
{
	size_t n = res->n_errors;

	if (res->unknown && n) {
		diag_addf(
			d, DIAG_ERROR,
			"nftables: no answer from the kernel to our %s sync (%s): whether it applied is unknown, the next sync replaces our tables",
			full ? "full" : "partial",
			strerror(-res->errors[n - 1].err));
		return;
	}
	for (size_t i = 0; i < n && i < APPLY_MAX_REPORTED; i++) {
		const struct nft_txn_error *e = &res->errors[i];
		struct strbuf sb = {0};

		nft_txn_describe(txn, e, &sb);
		diag_addf(
			d, DIAG_ERROR,
			"nftables: the kernel refused to %s: %s%s%s; nothing was applied, the next sync replaces our tables",
			sb.buf, strerror(-e->err), e->msg ? ": " : "",
			e->msg ? e->msg : "");
		strbuf_release(&sb);
	}
	if (n > APPLY_MAX_REPORTED)
		diag_addf(d, DIAG_ERROR,
			  "nftables: %zu more refusals in the same %s sync",
			  n - APPLY_MAX_REPORTED, full ? "full" : "partial");
}

static void count(struct nft_apply_stats *st, const struct nft_txn *txn)
{
	st->ops = txn->n_ops;
	st->elems_added = nft_txn_items(txn, NFT_OP_ADD_ELEMS);
	st->elems_deleted = nft_txn_items(txn, NFT_OP_DEL_ELEMS);
	st->rules_added = nft_txn_items(txn, NFT_OP_ADD_RULES);
	st->chains_flushed = nft_txn_count(txn, NFT_OP_FLUSH_CHAIN);
}

int nft_apply_sync(struct nft_apply *a, struct nft_ruleset *want,
		   struct diag_list *d)
{
	struct nft_txn txn = {0};
	struct nft_txn_result res;
	bool full = !a->synced;
	int err;

	memset(&a->last, 0, sizeof(a->last));
	a->last.full = full;
	if (full) {
		/* What a previous run left is ours to replace, whatever it
		 * holds: delete it in the same transaction. */
		for (size_t i = 0; i < sizeof(families) / sizeof(*families);
		     i++)
			nft_txn_add(&txn, NFT_OP_DESTROY_TABLE, families[i],
				    NFTC_TABLE);
		for (size_t i = 0; i < want->n_tables; i++)
			if (strcmp(want->tables[i]->name, NFTC_TABLE) != 0)
				nft_txn_add(&txn, NFT_OP_DESTROY_TABLE,
					    want->tables[i]->family,
					    want->tables[i]->name);
	}
	err = nft_diff(full ? NULL : &a->installed, want, &txn);
	if (err)
		goto out;
	count(&a->last, &txn);
	if (!txn.n_ops)
		goto out_keep;
	err = a->ops->commit(a->ctx, &txn, &res);
	a->last.committed = true;
	a->last.msgs = res.n_msgs;
	a->last.bytes = res.n_bytes;
	if (err) {
		if (!res.n_errors)
			nft_txn_result_add(&res, err, SIZE_MAX, SIZE_MAX, -1,
					   NULL);
		report(&txn, &res, full, d);
		nft_txn_result_release(&res);
		a->synced = false;
		goto out;
	}
	nft_txn_result_release(&res);
out_keep:
	nft_txn_free(&txn);
	nft_ruleset_free(&a->installed);
	a->installed = *want;
	memset(want, 0, sizeof(*want));
	a->synced = true;
	return 0;
out:
	nft_txn_free(&txn);
	nft_ruleset_free(want);
	return err;
}

int nft_apply_cleanup(const struct nft_backend_ops *ops, void *ctx,
		      struct diag_list *d)
{
	static const char *const tables[] = {NFTC_TABLE,
					     NFT_APPLY_KUBE_PROXY_TABLE};
	struct nft_txn txn = {0};
	struct nft_txn_result res;
	int err;

	for (size_t t = 0; t < sizeof(tables) / sizeof(*tables); t++)
		for (size_t f = 0; f < sizeof(families) / sizeof(*families);
		     f++)
			nft_txn_add(&txn, NFT_OP_DESTROY_TABLE, families[f],
				    tables[t]);
	err = ops->commit(ctx, &txn, &res);
	if (err) {
		if (!res.n_errors)
			nft_txn_result_add(&res, err, SIZE_MAX, SIZE_MAX, -1,
					   NULL);
		for (size_t i = 0; i < res.n_errors; i++) {
			struct strbuf sb = {0};

			nft_txn_describe(&txn, &res.errors[i], &sb);
			diag_addf(
				d, DIAG_ERROR,
				"nftables cleanup: the kernel refused to %s: %s",
				sb.buf, strerror(-res.errors[i].err));
			strbuf_release(&sb);
		}
	}
	nft_txn_result_release(&res);
	nft_txn_free(&txn);
	return err;
}
