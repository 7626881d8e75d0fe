/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_RULES_NFT_KERNEL_H
#define NFP_RULES_NFT_KERNEL_H

/*
 * Kernel access for the nftables back end, behind one small ops table
 * (STYLE.md §8): implemented once over netlink (rules/nft_netlink.c) and
 * once as an in-memory fake that behaves like the kernel, for unit tests.
 *
 *   commit  apply a transaction all or nothing; on a refusal nothing is
 *           applied and res lists every refused operation.
 *   list    the tables that exist (any family, any owner), sorted by
 *           family then name.
 *
 * The fake keeps the "installed" ruleset (sorted, its own copy) and checks
 * what the kernel checks: adds of objects that exist (tables, chains,
 * sets, elements: we always create with NLM_F_EXCL), deletes of objects
 * that do not, rules that jump or goto a missing chain or look up a
 * missing set (or a set whose key is not what the rule loads), verdict
 * elements that name a missing chain, deleting a chain or set that
 * something still refers to. It stops at the first refusal (the kernel
 * goes on and reports them all).
 */

#include <stdbool.h>
#include <stddef.h>

#include "rules/nft_diff.h"
#include "rules/nft_ruleset.h"

struct nft_table_id {
	int family;
	char name[NFTR_NAME_MAX + 1];
};

struct nft_table_list {
	struct nft_table_id *v;
	size_t n, cap;
};

void nft_table_list_release(struct nft_table_list *l);
/* True if l holds table family/name. */
bool nft_table_list_has(const struct nft_table_list *l, int family,
			const char *name);

struct nft_backend_ops {
	const char *name; /* "netlink", "fake": for logs */
	/* 0 or the first refusal's negative errno (also res->err); res is
	 * initialised by the callee and released by the caller. */
	int (*commit)(void *ctx, const struct nft_txn *txn,
		      struct nft_txn_result *res);
	/* Fill out (initialised by the callee, released by the caller with
	 * nft_table_list_release); 0 or -errno. */
	int (*list)(void *ctx, struct nft_table_list *out);
};

/* ctx: a struct nft_nl (rules/nft_netlink.h). */
extern const struct nft_backend_ops nft_netlink_ops;
/* ctx: a struct nft_fake. */
extern const struct nft_backend_ops nft_fake_ops;

struct nft_fake;

/* An empty fake kernel; never NULL (aborts on out-of-memory). */
struct nft_fake *nft_fake_new(void);
void nft_fake_free(struct nft_fake *f);
/* What the fake kernel holds now: sorted canonically, borrowed. Tests may
 * change it (to play an admin who edits our tables). */
struct nft_ruleset *nft_fake_ruleset(struct nft_fake *f);
/* Commits that were tried / that succeeded, and the operation count and
 * element count of the last transaction tried. */
struct nft_fake_stats {
	size_t commits, applied;
	size_t last_ops, last_elems;
};
const struct nft_fake_stats *nft_fake_stats(const struct nft_fake *f);

#endif
