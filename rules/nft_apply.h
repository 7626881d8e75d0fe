/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_RULES_NFT_APPLY_H
#define NFP_RULES_NFT_APPLY_H

/*
 * Making the kernel hold a ruleset, sync after sync.
 *
 *   first sync      one transaction: delete our tables if they exist (what
 *                   a crash left behind), then add everything.
 *   later syncs     diff against the ruleset of the last successful commit
 *                   (rules/nft_diff.h) and send only that; nothing if equal.
 *   refusal         the kernel applied nothing: the last committed ruleset
 *                   stays ours, every refused object is reported in the
 *                   diag list, and the next sync is a full replace again
 *                   (our idea of the kernel's state may be wrong).
 *
 * The back end is an ops table (rules/nft_kernel.h): netlink in the
 * daemon, the fake in unit tests.
 */

#include <stdbool.h>
#include <stddef.h>

#include "rules/nft_kernel.h"
#include "rules/nft_ruleset.h"
#include "util/diag.h"

/* kube-proxy's nftables tables (both families), removed by --cleanup. */
#define NFT_APPLY_KUBE_PROXY_TABLE "kube-proxy"

/* What the last sync did (for metrics, logs and tests). */
struct nft_apply_stats {
	bool full;	/* a full replace, not a diff */
	bool committed; /* a transaction was sent (false: nothing changed) */
	size_t ops;	/* operations in the transaction */
	size_t elems_added, elems_deleted;
	size_t rules_added, chains_flushed;
	size_t msgs, bytes; /* netlink messages and bytes (0: the fake) */
};

struct nft_apply {
	const struct nft_backend_ops *ops; /* borrowed */
	void *ctx;			   /* borrowed: the back end's state */
	struct nft_ruleset installed;	   /* the last committed ruleset */
	bool synced; /* installed is what the kernel holds */
	struct nft_apply_stats last;
};

/* Start with nothing known about the kernel: the first sync replaces. */
void nft_apply_init(struct nft_apply *a, const struct nft_backend_ops *ops,
		    void *ctx);
/* Release the remembered ruleset (the kernel keeps its tables). */
void nft_apply_release(struct nft_apply *a);

/*
 * Make the kernel hold *want, which must be in canonical order (as
 * nft_compile leaves it). Takes *want over in every case and leaves it
 * zeroed: on success it becomes the remembered ruleset, on failure it is
 * released. Refusals are added to d as errors naming the object, one line
 * each. Returns 0, or the negative errno of the first refusal (or of the
 * socket, when the kernel's answer was lost).
 */
int nft_apply_sync(struct nft_apply *a, struct nft_ruleset *want,
		   struct diag_list *d);

/* Forget what the kernel holds: the next sync is a full replace (for a
 * periodic resync, or after someone else touched our tables). */
void nft_apply_invalidate(struct nft_apply *a);

/*
 * --cleanup: delete the tables ip/ip6 kube-nfproxy and ip/ip6 kube-proxy
 * where they exist, in one transaction; no error for absent ones.
 * Returns 0 or -errno (the refusal is reported in d).
 */
int nft_apply_cleanup(const struct nft_backend_ops *ops, void *ctx,
		      struct diag_list *d);

#endif
