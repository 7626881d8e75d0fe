/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_RULES_NFT_NETLINK_H
#define NFP_RULES_NFT_NETLINK_H

/*
 * The nftables installer: ruleset objects (rules/nft_ruleset.h) become
 * libnftnl objects (nft_build.c), a transaction (rules/nft_diff.h)
 * becomes one netlink batch, sent with one sendmsg() and acknowledged as
 * a whole (nft_netlink.c).
 *
 *   BEGIN | msg seq+1 | msg seq+2 | ... | msg seq+n (NLM_F_ACK) | END
 *
 * Every message records which operation (and which element or rule of
 * it) it carries, by sequence number. The kernel reports every refused
 * message of a batch, in order, before it acknowledges the last message,
 * so only the last one asks for an ACK: reading stops at its ACK (or at
 * an error about BEGIN, the batch as a whole) and every error read on the
 * way is mapped back to its object. With NETLINK_EXT_ACK the kernel also
 * names the attribute it refused; for element messages that is the
 * element, for rules the expression (mapped back to the statement).
 *
 * Elements travel many per NFT_MSG_NEWSETELEM message, up to
 * NFT_NL_ELEM_MSG_MAX bytes (the element list is one attribute, whose
 * length is 16 bits). One-field interval sets send each range as a start
 * element and an end element (last + 1, NFT_SET_ELEM_INTERVAL_END, as
 * nft does; none when the range ends at the top of the space);
 * concatenated interval sets send NFTA_SET_ELEM_KEY_END.
 *
 * Set user data is written the way nft 1.0.6 writes it for a `typeof`
 * declaration (key and data byte order, the typeof expressions, the
 * comment), so that `nft list` prints our sets as nft_print() declares
 * them. Only payload (ip/ip6 saddr/daddr, th dport), meta (l4proto, mark)
 * and numgen fields can be described that way; a set keyed by another
 * field gets no typeof data and nft shows its raw type.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "rules/nft_diff.h"
#include "rules/nft_kernel.h"
#include "rules/nft_ruleset.h"
#include "util/diag.h"

/* Bytes of elements in one message (NFTA_SET_ELEM_LIST_ELEMENTS is one
 * attribute: its length must fit 16 bits). */
#define NFT_NL_ELEM_MSG_MAX 60000u
/* Receive buffer asked for with SO_RCVBUFFORCE: room for every error of a
 * large batch. */
#define NFT_NL_RCVBUF (8u << 20)
/* How long to wait for the kernel's answer to a batch. */
#define NFT_NL_TIMEOUT_MS 30000

/* Abort on a NULL from libnftnl (out of memory), as xmalloc does;
 * returns p. */
void *nft_nl_check(void *p);

/*
 * Builders (nft_build.c). Each returns a new libnftnl object, owned by the
 * caller (nftnl_*_free); they abort on out-of-memory. family is the
 * table's NFPROTO_*; strings are copied.
 */
struct nftnl_table *nft_nl_table(int family, const char *name);
struct nftnl_chain *nft_nl_chain(int family, const char *table,
				 const struct nft_chain *c);
struct nftnl_rule *nft_nl_rule(int family, const char *table, const char *chain,
			       const struct nft_rule *r);
/* id: NFTA_SET_ID, unique within a batch. */
struct nftnl_set *nft_nl_set(int family, const char *table,
			     const struct nft_set *s, uint32_t id);
/*
 * Fill elem (reused from element to element: attributes are set or unset)
 * with element el of s; end selects the end element of a one-field
 * interval range. keys_only leaves out data, verdict and comment (for
 * deletions). Returns 0, or -ERANGE if the range has no end element (it
 * ends at the top of the space: send nothing).
 */
int nft_nl_elem(struct nftnl_set_elem *elem, const struct nft_set *s,
		const struct nft_elem *el, bool end, bool keys_only);
/* Whether element el of a one-field interval set has an end element. */
bool nft_nl_elem_has_end(const struct nft_set *s, const struct nft_elem *el);
/* The statement of r (a rule of a table of family) that the kernel
 * expression with index expr belongs to; -1 if none. */
long nft_nl_stmt_of_expr(const struct nft_rule *r, int family, size_t expr);

/*
 * A batch under construction: the caller's memory, grown as needed, with
 * the object each message carries. Zero-initialise; release with
 * nft_batch_release().
 */
struct nft_batch_msg {
	uint32_t op;  /* index in the transaction */
	uint32_t sub; /* first element position / rule index */
	uint32_t off; /* offset of the message in buf */
};

struct nft_batch {
	char *buf;
	size_t len, cap;
	uint32_t seq0;		    /* sequence number of BEGIN */
	struct nft_batch_msg *msgs; /* by seq - seq0 - 1 */
	size_t n_msgs, cap_msgs;
	uint32_t next_set_id;
};

/* Encode txn as one batch starting at sequence number seq (BEGIN); the
 * last message asks for an ACK. Returns 0 or -ENOMEM. */
int nft_batch_encode(struct nft_batch *b, const struct nft_txn *txn,
		     uint32_t seq);
/* Forget the contents (keep the memory). */
void nft_batch_reset(struct nft_batch *b);
void nft_batch_release(struct nft_batch *b);

/* A netlink socket for nf_tables and the buffers it sends from. */
struct nft_nl;

/* Open and bind a socket; NULL and errno set on failure (EPERM without
 * CAP_NET_ADMIN is only seen at the first commit). */
struct nft_nl *nft_nl_open(void);
void nft_nl_close(struct nft_nl *nl);

/*
 * Commit txn as one batch and read every error back into res
 * (initialised here; release with nft_txn_result_release). Returns 0,
 * the first refusal's errno (nothing was applied), or a socket error
 * (-EMSGSIZE, -ETIMEDOUT, ...: the outcome is then unknown).
 */
int nft_nl_commit(struct nft_nl *nl, const struct nft_txn *txn,
		  struct nft_txn_result *res);
/* The tables in the kernel (every family), sorted; out initialised here
 * and left empty on error. Returns 0 or -errno. */
int nft_nl_list_tables(struct nft_nl *nl, struct nft_table_list *out);

#endif
