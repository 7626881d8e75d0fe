/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_RULES_IPT_ENTRY_H
#define NFP_RULES_IPT_ENTRY_H

/*
 * One ruleset rule as the kernel's x_tables take it: a struct ipt_entry
 * (IPv4) or ip6t_entry (IPv6), its matches, then its target, in one
 * contiguous blob that libiptc copies as it is.
 *
 *   +-------------------------------+  0
 *   | ipt_entry / ip6t_entry        |  ip (addresses, ifaces, proto,
 *   |                               |  flags, invflags), target_offset,
 *   |                               |  next_offset, counters = 0
 *   +-------------------------------+  sizeof(entry)
 *   | xt_entry_match "comment" r0   |  u.match_size = 32 + XT_ALIGN(data)
 *   |   struct xt_comment_info      |
 *   +-------------------------------+
 *   | ... one per ipt_match, in order
 *   +-------------------------------+  target_offset
 *   | xt_entry_target "DNAT" r2     |  u.target_size = 32 + XT_ALIGN(data)
 *   |   struct nf_nat_range2        |
 *   +-------------------------------+  next_offset
 *
 * Standard targets (ACCEPT, DROP, RETURN, a chain) are written as
 * struct xt_standard_target whose name is the verdict's label or the
 * chain's name: libiptc resolves it and fills in the verdict, exactly
 * as iptables-restore hands them over. A goto sets IPT_F_GOTO /
 * IP6T_F_GOTO in the entry's flags.
 *
 * Each match and target is filled as the iptables 1.8 extension would
 * fill it from the text ipt_print() writes, so that iptables-save shows
 * the same rule whichever installer put it there.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/ipt_ruleset.h"

/* A caller-owned buffer that one entry is built into; reused from rule to
 * rule so that a sync does not allocate per rule. Zero-initialise;
 * release with ipt_entry_buf_release(). data is 8-byte aligned. */
struct ipt_entry_buf {
	void *data;
	size_t len; /* the entry's next_offset */
	size_t cap;
};

void ipt_entry_buf_release(struct ipt_entry_buf *b);

/*
 * Build rule r of a family (AF_INET: struct ipt_entry, AF_INET6: struct
 * ip6t_entry) into b, replacing what b held. Returns 0, or -EINVAL for a
 * rule the kernel could not take (an address of the other family, a
 * prefix or interface name out of range, a goto to no chain, an unknown
 * match or target kind), -EAFNOSUPPORT for another family. On error b's
 * content is undefined.
 */
int ipt_entry_build(struct ipt_entry_buf *b, int family,
		    const struct ipt_rule *r);

/* Size of the fixed part: sizeof(struct ipt_entry) or ip6t_entry; 0 for
 * another family. */
size_t ipt_entry_header_len(int family);

/* The readers below take an entry of the family, built here or read from
 * the kernel through libiptc; they never write. */

/* The entry's target_offset and next_offset. */
size_t ipt_entry_target_offset(int family, const void *e);
size_t ipt_entry_next_offset(int family, const void *e);

/* The target (borrowed, inside e). */
const void *ipt_entry_get_target(int family, const void *e);

/* The n-th match (0-based) of e, or NULL past the last or on a malformed
 * size. Borrowed, inside e; a struct xt_entry_match. */
const void *ipt_entry_get_match(int family, const void *e, unsigned int n);

/* Text of the first "comment" match, or NULL. Borrowed, inside e. */
const char *ipt_entry_comment(int family, const void *e);

/* True if the rule is a goto (-g) rather than a jump. */
bool ipt_entry_is_goto(int family, const void *e);

/*
 * Do two entries describe the same rule? Compares the entry fields, the
 * matches byte by byte and the target. Counters, comefrom and nfcache
 * (which the kernel owns) are ignored. A standard target's verdict is a
 * chain's offset once the kernel holds it, so standard targets compare
 * by their resolved names a_target and b_target (what libiptc's
 * iptc_get_target() returns, or the label a built entry carries);
 * other targets compare byte by byte.
 */
bool ipt_entry_eq(int family, const void *a, const char *a_target,
		  const void *b, const char *b_target);

/* The kernel's extension name and revision that a match or target kind
 * becomes ("comment" 0, "conntrack" 3, "DNAT" 2, ...); the standard
 * targets give "" 0. For tests and logs. */
const char *ipt_entry_match_name(enum ipt_match_kind kind, uint8_t *rev);
const char *ipt_entry_target_name(enum ipt_target_kind kind, uint8_t *rev);

#endif
