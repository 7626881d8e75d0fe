/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_PROXY_BACKEND_H
#define NFP_PROXY_BACKEND_H

/*
 * The switch between the two back ends: compile a plan for the chosen
 * mode and make the kernel hold it (rules/nft_apply or rules/ipt_apply),
 * then clean stale conntrack entries. The back end keeps the last ruleset
 * it committed, so later syncs send only what changed.
 */

#include "proxy/options.h"
#include "proxy/plan.h"
#include "util/diag.h"

struct backend;

/* Returns NULL with a DIAG_ERROR when the kernel interface cannot be
 * opened (not root, no netfilter). */
struct backend *backend_new(enum nfp_mode mode, struct diag_list *d);
void backend_free(struct backend *b);

struct backend_sync_stats {
	double compile_s;
	double apply_s;
	unsigned int ops;	 /* kernel operations sent */
	bool full;		 /* whole tables replaced */
	unsigned int ct_deleted; /* stale conntrack entries removed */
};

/*
 * Compile p and install it. Returns 0, or -errno when the kernel refused
 * (the previous ruleset stays; the next sync replaces everything). The
 * plan is moved into the backend (*p is zeroed): it becomes the previous
 * plan that the next conntrack cleanup compares with.
 */
int backend_sync(struct backend *b, struct plan *p,
		 struct backend_sync_stats *st, struct diag_list *d);

/*
 * Before a periodic resync: check that the kernel still holds what we
 * installed, so the next backend_sync() repairs drift. nftables: our tables
 * must both exist (someone deleting them forces a full replace; edits
 * inside them are caught when the kernel refuses a change, which also
 * forces one — a full replace every period would throw away the clients
 * that ClientIP affinity remembers). iptables: every NFP- chain is refilled.
 */
void backend_mark_resync(struct backend *b);

/*
 * Remove everything kube-nfproxy installs in both modes, and kube-proxy's
 * own nftables tables and KUBE- chains. A no-op on a clean host.
 * Returns 0 or the first -errno.
 */
int backend_cleanup(struct diag_list *d);

#endif
