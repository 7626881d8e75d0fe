/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_RULES_IPT_FAKE_H
#define NFP_RULES_IPT_FAKE_H

/*
 * An in-memory x_tables for unit tests, behind the same ops table as the
 * kernel (rules/ipt_kernel.h), behaving like libiptc over the kernel:
 *  - open() snapshots a table (instantiating it, with its built-in
 *    chains, on first use, as the kernel does), commit() replaces it all
 *    or nothing, close() without commit() changes nothing;
 *  - the checks libiptc makes at once: EEXIST for a chain made twice,
 *    ENOENT for a missing chain, EMLINK / ENOTEMPTY when deleting a
 *    chain still referenced / not empty, EINVAL for a jump to a built-in
 *    chain or a malformed entry (sizes that do not add up), E2BIG for a
 *    rule position past the end;
 *  - the checks the kernel makes at commit: an unknown target extension
 *    (ENOENT), DNAT/MASQUERADE outside nat, a target used from a hook it
 *    does not support (EINVAL), a jump loop (ELOOP).
 * Tables are filter and nat, for AF_INET and AF_INET6. Counts of the
 * calls that change something let tests assert how much a sync did.
 */

#include <stdbool.h>
#include <stddef.h>

#include "rules/ipt_kernel.h"

struct ipt_fake;

/* ctx for ipt_fake_ops is the struct ipt_fake *. */
extern const struct ipt_table_ops ipt_fake_ops;

struct ipt_fake_stats {
	size_t opens;
	size_t commits; /* commits that changed something */
	size_t chains_created;
	size_t chains_flushed;
	size_t chains_deleted;
	size_t rules_appended;
	size_t rules_inserted;
	size_t rules_deleted;
};

/* A fake with no table instantiated. Never NULL. */
struct ipt_fake *ipt_fake_new(void);
/* NULL is a no-op. */
void ipt_fake_free(struct ipt_fake *f);

/* Counts since ipt_fake_new() or the last reset (borrowed). */
const struct ipt_fake_stats *ipt_fake_stats(const struct ipt_fake *f);
void ipt_fake_reset_stats(struct ipt_fake *f);

/* The next commit() that has something to send fails with err (a
 * negative errno) and changes nothing. */
void ipt_fake_fail_commit(struct ipt_fake *f, int err);

/*
 * The committed table as text, for assertions: one line ":CHAIN" per
 * chain (built-in ones in hook order, then ours sorted by name), then
 * one line per rule, chain by chain in the same order:
 *   -A CHAIN [-m MATCH]... -j TARGET ["comment"]
 * (-g for a goto; the comment match is shown as its quoted text at the
 * end rather than as -m comment). Owned by the caller; "" for a table
 * never instantiated.
 */
char *ipt_fake_dump(const struct ipt_fake *f, int family, const char *table);

#endif
