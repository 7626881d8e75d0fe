/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_RULES_IPT_APPLY_H
#define NFP_RULES_IPT_APPLY_H

/*
 * Make x_tables hold an iptables ruleset, next to whatever else the host
 * has there. Per family, per table (filter, then nat), one snapshot and
 * one commit, so each table changes atomically:
 *
 *  1. our NFP- chains that the ruleset wants and the kernel lacks are
 *     created;
 *  2. in each built-in chain, our jump rules (a jump to an NFP- chain
 *     whose comment starts with IPT_COMMENT_PREFIX) must be the
 *     first rules, exactly the ruleset's, in order; if they are not,
 *     ours are deleted and the ruleset's inserted at position 0.
 *     Nothing else in a built-in chain is touched;
 *  3. NFP- chains the ruleset no longer wants are flushed;
 *  4. each wanted chain whose rules differ from the last ruleset this
 *     object committed (or every chain, with IPT_APPLY_FULL or when
 *     there is no such ruleset) is flushed and refilled; unchanged
 *     chains are left alone;
 *  5. the unwanted chains are deleted (one still referenced by a rule
 *     that is not ours is left empty, with a warning);
 *  6. commit.
 * Chains and rules that are not ours (other prefixes, other comments)
 * are never changed.
 */

#include <stdbool.h>
#include <stddef.h>

#include "rules/ipt_kernel.h"
#include "rules/ipt_ruleset.h"
#include "util/diag.h"

/* Flags of ipt_apply_sync(). */
#define IPT_APPLY_FULL 0x1u /* refill every chain (periodic resync) */

/* What the last ipt_apply_sync() or ipt_apply_cleanup() did. */
struct ipt_apply_stats {
	size_t commits; /* tables sent to the kernel */
	size_t chains_created;
	size_t chains_refilled; /* flushed and filled again */
	size_t chains_kept;	/* unchanged, left alone */
	size_t chains_deleted;
	size_t rules_added;   /* appended or inserted */
	size_t rules_deleted; /* jump rules removed from built-in chains */
	size_t retries;	      /* tables redone after -EAGAIN */
};

struct ipt_apply;

/* A syncer over ops (ipt_kernel_ops with ctx NULL, or ipt_fake_ops with
 * the fake). Never NULL; free with ipt_apply_free(). */
struct ipt_apply *ipt_apply_new(const struct ipt_table_ops *ops, void *ctx);
/* NULL is a no-op. */
void ipt_apply_free(struct ipt_apply *a);

/*
 * Make the kernel hold rs (a finished ruleset, see ipt_ruleset_finish())
 * for its family: filter is committed, then nat. flags: IPT_APPLY_FULL or
 * 0.
 *
 * On success, rs's contents move into a as the state to diff the next
 * sync of that family against, and rs is left empty (as after
 * ipt_ruleset_init(), family kept); ipt_ruleset_release() on it stays
 * safe. On failure rs is untouched, a forgets what it had committed for
 * the family (the next sync refills every chain), and d says which table,
 * chain or rule failed (a table whose commit failed is unchanged; a
 * table committed before the failure keeps the new rules).
 *
 * Returns 0 or a negative errno: -EINVAL for a ruleset that cannot be
 * encoded or whose jump rules we would not recognise as ours, or what
 * the kernel returned.
 */
int ipt_apply_sync(struct ipt_apply *a, struct ipt_ruleset *rs,
		   unsigned int flags, struct diag_list *d);

/* Counts of the last sync (borrowed). */
const struct ipt_apply_stats *ipt_apply_stats(const struct ipt_apply *a);

/*
 * --cleanup: in filter and nat of both families, delete the rules of the
 * built-in chains that jump to one of the chains below, then flush and
 * delete those chains: ours (NFP-*) and kube-proxy's iptables-mode
 * chains (KUBE-SERVICES, KUBE-EXTERNAL-SERVICES, KUBE-NODEPORTS,
 * KUBE-POSTROUTING, KUBE-FORWARD, KUBE-PROXY-FIREWALL, KUBE-SVC-*,
 * KUBE-SVL-*, KUBE-EXT-*, KUBE-FW-*, KUBE-SEP-*, KUBE-XLB-*); kubelet's
 * chains (KUBE-FIREWALL, KUBE-MARK-*, KUBE-KUBELET-CANARY) stay. A table
 * that is not instantiated is not opened, one with none of these is not
 * committed: a clean host is left as it is. Also forgets a's committed
 * state (a may be NULL). stats, if not NULL, gets the counts.
 *
 * Returns 0, or the first error (the other tables are still cleaned);
 * each problem is in d.
 */
int ipt_apply_cleanup(struct ipt_apply *a, const struct ipt_table_ops *ops,
		      void *ctx, struct ipt_apply_stats *stats,
		      struct diag_list *d);

/* True for the chains ipt_apply_cleanup() removes. */
bool ipt_apply_is_cleanup_chain(const char *chain);

#endif
