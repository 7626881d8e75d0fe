/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_RULES_NFT_DIFF_H
#define NFP_RULES_NFT_DIFF_H

/*
 * nftables transactions and the diff that makes them.
 *
 * A transaction (struct nft_txn) is an ordered list of operations on
 * kernel objects; a back end (rules/nft_kernel.h) commits it all or
 * nothing: over netlink it is one NFNL batch, one message (or a few, for
 * elements) per operation. Operations borrow the objects they name from
 * the rulesets they were made from: deletions point into the old ruleset,
 * additions into the new one, so a transaction must not outlive either.
 *
 * nft_diff() turns "what the kernel holds" (old) and "what we want" (new)
 * into the operations that make the first the second:
 *
 *   tables  only in old: delete (the kernel deletes the contents too);
 *           only in new: add, with everything in it.
 *   chains  spec (base chain type/hook/priority/policy, comment) changed:
 *           delete and add. Rules changed: flush the chain and add all
 *           its rules again. Our chains hold a handful of rules each (the
 *           layout scales by set elements, not rules), we never read rule
 *           handles back from the kernel, and a flush plus re-add inside
 *           one transaction is atomic for packets, so a per-rule replace
 *           would buy nothing but handle bookkeeping.
 *   sets    spec (key, data, flags, timeout, size, comment) changed:
 *           delete and add with all elements. Otherwise elements only in
 *           old are deleted, only in new added; an element whose key
 *           stayed but whose data, verdict or comment changed is deleted
 *           and added (the kernel refuses to overwrite, and ignores a
 *           changed comment).
 *   refs    a chain or set that is deleted and added again must first
 *           lose its references: every kept chain with a rule naming it
 *           is flushed and refilled, every verdict element jumping to it
 *           is deleted and added again.
 *
 * Order inside one table, so that no step meets a reference the kernel
 * would refuse (a chain or set still in use, a jump to nothing):
 *
 *   1 FLUSH_CHAIN  chains whose rules change or that go away
 *   2 DEL_ELEMS    elements that go or change (before their chains go)
 *   3 DEL_SET      sets that go or change spec
 *   4 DEL_CHAIN    chains that go or change spec
 *   5 ADD_CHAIN    new chains, empty
 *   6 ADD_SET      new sets
 *   7 ADD_ELEMS    elements (their jump targets exist since 5)
 *   8 ADD_RULES    rules (their chains and sets exist since 5 and 6)
 *
 * Tables that go are deleted before anything else, new tables are added
 * before their contents.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/nft_ruleset.h"
#include "util/strbuf.h"

enum nft_op_type {
	NFT_OP_DESTROY_TABLE, /* delete if it exists, no error if not */
	NFT_OP_DEL_TABLE,
	NFT_OP_FLUSH_CHAIN, /* delete every rule of chain */
	NFT_OP_DEL_ELEMS,
	NFT_OP_DEL_SET,
	NFT_OP_DEL_CHAIN,
	NFT_OP_ADD_TABLE,
	NFT_OP_ADD_CHAIN, /* the chain, without its rules */
	NFT_OP_ADD_SET,	  /* the set, without its elements */
	NFT_OP_ADD_ELEMS,
	NFT_OP_ADD_RULES, /* append every rule of chain, in order */
	__NFT_OP_MAX
};

struct nft_op {
	enum nft_op_type type;
	int family;		       /* NFPROTO_IPV4 / NFPROTO_IPV6 */
	const char *table;	       /* borrowed */
	const struct nft_chain *chain; /* chain ops, ADD_RULES */
	const struct nft_set *set;     /* set and element ops */
	uint32_t *elems; /* element ops: indices into set; owned */
	size_t n_elems, cap_elems;
};

struct nft_txn {
	struct nft_op *ops;
	size_t n_ops, cap_ops;
};

/* One refusal: which operation, which part of it, and why. */
struct nft_txn_error {
	int err;    /* negative errno */
	size_t op;  /* index in txn->ops; SIZE_MAX: the batch itself */
	size_t sub; /* element ops: position in op->elems; ADD_RULES: rule
		     * index; SIZE_MAX: the whole object */
	long stmt;  /* ADD_RULES: statement index if known, else -1 */
	char *msg;  /* the kernel's extended ack message, or NULL; owned */
};

/*
 * The outcome of a commit. err is 0 or the first refusal's errno; errors
 * lists every refusal (the kernel reports all of a batch's errors, and
 * nothing was applied if there is any). Counters are for metrics and
 * tests.
 */
struct nft_txn_result {
	int err;
	struct nft_txn_error *errors;
	size_t n_errors, cap_errors;
	size_t n_msgs;	/* netlink messages sent (0 for the fake) */
	size_t n_bytes; /* batch size in bytes */
	bool unknown;	/* the kernel's answer was lost (socket error, timeout):
			 * whether it applied the batch is not known */
};

/* Release what txn owns (and zero it); NULL or zeroed is a no-op. */
void nft_txn_free(struct nft_txn *txn);
/* Append an operation (zeroed but for type, family and table); owned by
 * txn, valid until the next append. */
struct nft_op *nft_txn_add(struct nft_txn *txn, enum nft_op_type type,
			   int family, const char *table);
/* Append an element index to an element op. */
void nft_op_add_elem(struct nft_op *op, uint32_t idx);

/* Counts for tests and metrics: operations of type (or all, if type is
 * __NFT_OP_MAX), and elements or rules those operations carry. */
size_t nft_txn_count(const struct nft_txn *txn, enum nft_op_type type);
size_t nft_txn_items(const struct nft_txn *txn, enum nft_op_type type);

/*
 * The operations that turn old into new, appended to txn (see the top of
 * this file). old may be NULL (nothing installed). Both rulesets must be
 * in canonical order (nft_ruleset_sort). Pure; the operations borrow from
 * both rulesets. Returns 0 or -EINVAL.
 */
int nft_diff(const struct nft_ruleset *old, const struct nft_ruleset *new,
	     struct nft_txn *txn);

/* The name of an operation type ("add chain"); never NULL. */
const char *nft_op_name(enum nft_op_type type);

/*
 * Describe the object an error points at, for a log line a person can act
 * on: "add element 10.96.0.10 . udp . 53 to map ip kube-nfproxy
 * service-ips (comment "kube-system/kube-dns:dns")", "add rule 2 of chain
 * ip kube-nfproxy services (statement 1: jump nat-output)". Appends to
 * out.
 */
void nft_txn_describe(const struct nft_txn *txn, const struct nft_txn_error *e,
		      struct strbuf *out);
/* Format key bytes of set s (storage layout) as nft writes them. */
void nft_key_format(const struct nft_set *s, const uint8_t *key,
		    struct strbuf *out);

void nft_txn_result_init(struct nft_txn_result *r);
/* Record a refusal (msg copied, may be NULL); the first sets r->err. */
void nft_txn_result_add(struct nft_txn_result *r, int err, size_t op,
			size_t sub, long stmt, const char *msg);
void nft_txn_result_release(struct nft_txn_result *r);

#endif
