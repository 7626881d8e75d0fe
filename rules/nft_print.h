/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_RULES_NFT_PRINT_H
#define NFP_RULES_NFT_PRINT_H

#include "rules/nft_ruleset.h"
#include "util/strbuf.h"

/*
 * The ruleset as `nft -f` text: one `table <family> <name> { ... }` block
 * per table, sets and maps (with their elements) first, then chains, each
 * in the ruleset's order (nft_compile leaves it sorted, so the text is
 * deterministic). The file loads into a namespace that does not hold the
 * tables yet; to replace existing tables, precede it with
 * `table ip kube-nfproxy {}` and `delete table ip kube-nfproxy` lines.
 *
 * It is not the normalised form `nft list table` prints (that one uses
 * nft's own spacing, service names for ports and element order); compare
 * the two through a kernel round trip, see docs/rules-nftables.md. Pure.
 * Returns the text, owned by the caller (free()); never NULL.
 */
char *nft_print(const struct nft_ruleset *rs);

/*
 * One rule (statements and comment, no indentation or newline) or one
 * element ("key [comment ...] [: data]") appended to sb, as they appear in
 * nft_print(): for messages that name an object and for tests. family is
 * the table's NFPROTO_*.
 */
void nft_print_rule(struct strbuf *sb, const struct nft_rule *r, int family);
void nft_print_elem(struct strbuf *sb, const struct nft_set *s,
		    const struct nft_elem *e);

#endif
