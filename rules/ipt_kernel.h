/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_RULES_IPT_KERNEL_H
#define NFP_RULES_IPT_KERNEL_H

/*
 * Access to the kernel's x_tables, one table of one family at a time, as
 * a small ops table (STYLE.md §8). ipt_kernel_ops is the real thing over
 * libiptc (libip4tc's iptc_* for AF_INET, libip6tc's ip6tc_* for
 * AF_INET6); rules/ipt_fake.h is an in-memory twin for unit tests.
 *
 * The model is libiptc's: open() takes a snapshot of a table, the calls
 * between open() and commit() change only that snapshot, and commit()
 * replaces the whole table in the kernel in one setsockopt (all or
 * nothing). close() drops the snapshot, committed or not.
 *
 * Entries are struct ipt_entry (AF_INET) or ip6t_entry (AF_INET6) blobs
 * as rules/ipt_entry.h builds them. Rule positions count from 0. Every
 * int-returning call returns 0 or a negative errno; libiptc's "1, or 0
 * and errno" is converted here.
 */

#include <stdbool.h>
#include <stddef.h>

struct ipt_table_ops {
	/* Is the table instantiated in this network namespace? Opening a
	 * table creates it; this lets --cleanup leave a clean host
	 * alone. */
	bool (*table_exists)(void *ctx, int family, const char *table);
	/* A snapshot of the table; NULL with *err set (-ENOENT: no such
	 * table, -EPERM: not root, -EBUSY: xtables lock not obtained). */
	void *(*open)(void *ctx, int family, const char *table, int *err);
	/* Send the snapshot to the kernel; nothing if it did not change.
	 * -EAGAIN: the table changed under us (retry from open()). */
	int (*commit)(void *h);
	void (*close)(void *h);

	/* Chains, built-in ones first, then user chains sorted by name;
	 * NULL at the end. The names are borrowed until the next change. */
	const char *(*first_chain)(void *h);
	const char *(*next_chain)(void *h);
	bool (*builtin)(void *h, const char *chain);
	/* Rules of a chain, first to last; NULL at the end. Borrowed until
	 * the next change. */
	const void *(*first_rule)(void *h, const char *chain);
	const void *(*next_rule)(void *h, const void *prev);
	/* A rule's target: a verdict label ("ACCEPT"), the name of the
	 * chain it jumps to, or the extension's name ("DNAT"). */
	const char *(*rule_target)(void *h, const void *entry);

	int (*create_chain)(void *h, const char *chain);
	int (*flush_chain)(void *h, const char *chain);
	/* -EMLINK while rules jump to it, -ENOTEMPTY while it has rules. */
	int (*delete_chain)(void *h, const char *chain);
	int (*references)(void *h, const char *chain, unsigned int *refs);
	int (*append_rule)(void *h, const char *chain, const void *entry);
	int (*insert_rule)(void *h, const char *chain, const void *entry,
			   unsigned int pos);
	int (*delete_rule)(void *h, const char *chain, unsigned int pos);
};

/*
 * The libiptc implementation; ctx is unused (NULL). open() also takes
 * the xtables lock that iptables-legacy takes (flock on
 * $XTABLES_LOCKFILE, default /run/xtables.lock, waiting up to
 * IPT_KERNEL_LOCK_WAIT_MS), so that we never interleave with a legacy
 * iptables command; close() releases it.
 */
extern const struct ipt_table_ops ipt_kernel_ops;

#define IPT_KERNEL_LOCK_PATH "/run/xtables.lock"
#define IPT_KERNEL_LOCK_WAIT_MS 5000

/* Which iptables the host's `iptables` command is. */
enum ipt_flavour {
	IPT_FLAVOUR_UNKNOWN, /* no iptables found, or a name we don't know */
	IPT_FLAVOUR_LEGACY,  /* xtables-legacy-multi: the x_tables we program */
	IPT_FLAVOUR_NFT,     /* xtables-nft-multi: nf_tables, another ruleset */
};

/*
 * Find the host's iptables flavour without running anything: follow the
 * symlinks of the first of /usr/sbin/iptables, /sbin/iptables,
 * /usr/bin/iptables that exists (Debian's chain is /usr/sbin/iptables ->
 * /etc/alternatives/iptables -> /usr/sbin/iptables-nft ->
 * xtables-nft-multi) and classify the last name: "nft" in it is
 * IPT_FLAVOUR_NFT, "legacy" IPT_FLAVOUR_LEGACY. root is prepended to every
 * path (NULL or "" for /; tests use a directory of their own). The final
 * path is written to resolved (len bytes, may be NULL; "" if none found).
 * It tells what an administrator's `iptables` shows, not what other
 * software on the node uses: see docs/rules-iptables-kernel.md.
 */
enum ipt_flavour ipt_kernel_flavour(const char *root, char *resolved,
				    size_t len);
/* "legacy", "nft", "unknown". */
const char *ipt_flavour_name(enum ipt_flavour f);

#endif
