/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_RULES_IPT_PRINT_H
#define NFP_RULES_IPT_PRINT_H

#include "rules/ipt_ruleset.h"
#include "util/strbuf.h"

/*
 * The ruleset as iptables-restore text (ip6tables-restore for AF_INET6):
 * *filter then *nat, each with the declarations of its built-in chains
 * (":INPUT ACCEPT [0:0]"), then of our chains in creation order, then the
 * jump rules of the built-in chains, then our chains' rules, then COMMIT.
 * Entry fields are written in iptables-save's order (-s -d -i -o -p), then
 * the matches in rule order, then the target. Loading it without
 * --noflush replaces the two tables: it is meant for --dry-run and tests.
 * Returns an owned NUL-terminated string; never NULL.
 */
char *ipt_print(const struct ipt_ruleset *rs);

/* Append one rule as "-A chain ..." (no newline) to sb: for logs and
 * for reporting a rule the kernel refused. family picks the REJECT type
 * and the address syntax. */
void ipt_print_rule(struct strbuf *sb, int family, const char *chain,
		    const struct ipt_rule *r);

#endif
