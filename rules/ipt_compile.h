/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_RULES_IPT_COMPILE_H
#define NFP_RULES_IPT_COMPILE_H

#include "proxy/plan.h"
#include "rules/ipt_ruleset.h"
#include "util/diag.h"

/*
 * Compile the entries of one family (AF_INET: iptables, AF_INET6:
 * ip6tables) of a plan into an iptables ruleset, in kube-proxy's classic
 * layout with NFP- chains (docs/rules-iptables.md walks through it). Pure:
 * the same plan always gives the same ruleset, in the same order.
 *
 * out is initialised here (whatever it held is not freed); on success the
 * caller owns it and frees it with ipt_ruleset_release(). Plan entries
 * that cannot be compiled are skipped with a DIAG_WARN in d.
 *
 * Returns 0; -EAFNOSUPPORT for another family; -EINVAL if the result does
 * not pass ipt_ruleset_finish() (a chain name made twice, a jump to a
 * missing chain: a bug, reported in d), and then out is left empty.
 */
int ipt_compile(const struct plan *p, int family, struct ipt_ruleset *out,
		struct diag_list *d);

#endif
