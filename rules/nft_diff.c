// SPDX-License-Identifier: GPL-2.0
#include "rules/nft_diff.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/addr.h"
#include "util/xalloc.h"

/* --- Transactions --------------------------------------------------------- */

void nft_txn_free(struct nft_txn *txn)
{
	if (!txn)
		return;
	for (size_t i = 0; i < txn->n_ops; i++)
		free(txn->ops[i].elems);
	free(txn->ops);
	memset(txn, 0, sizeof(*txn));
}

struct nft_op *nft_txn_add(struct nft_txn *txn, enum nft_op_type type,
			   int family, const char *table)
{
	struct nft_op *op = XPUSH(txn->ops, txn->n_ops, txn->cap_ops);

	op->type = type;
	op->family = family;
	op->table = table;
	return op;
}

void nft_op_add_elem(struct nft_op *op, uint32_t idx)
{
	*XPUSH(op->elems, op->n_elems, op->cap_elems) = idx;
}

size_t nft_txn_count(const struct nft_txn *txn, enum nft_op_type type)
{
	size_t n = 0;

	for (size_t i = 0; i < txn->n_ops; i++)
		n += type == __NFT_OP_MAX || txn->ops[i].type == type;
	return n;
}

size_t nft_txn_items(const struct nft_txn *txn, enum nft_op_type type)
{
	size_t n = 0;

	for (size_t i = 0; i < txn->n_ops; i++) {
		const struct nft_op *op = &txn->ops[i];

		if (type != __NFT_OP_MAX && op->type != type)
			continue;
		if (op->type == NFT_OP_ADD_ELEMS ||
		    op->type == NFT_OP_DEL_ELEMS)
			n += op->n_elems;
		else if (op->type == NFT_OP_ADD_RULES)
			n += op->chain->n_rules;
	}
	return n;
}

static const char *const op_names[__NFT_OP_MAX] = {
	[NFT_OP_DESTROY_TABLE] = "destroy table",
	[NFT_OP_DEL_TABLE] = "delete table",
	[NFT_OP_FLUSH_CHAIN] = "flush chain",
	[NFT_OP_DEL_ELEMS] = "delete element",
	[NFT_OP_DEL_SET] = "delete set",
	[NFT_OP_DEL_CHAIN] = "delete chain",
	[NFT_OP_ADD_TABLE] = "add table",
	[NFT_OP_ADD_CHAIN] = "add chain",
	[NFT_OP_ADD_SET] = "add set",
	[NFT_OP_ADD_ELEMS] = "add element",
	[NFT_OP_ADD_RULES] = "add rule",
};

const char *nft_op_name(enum nft_op_type type)
{
	if ((unsigned int)type >= __NFT_OP_MAX)
		return "unknown operation";
	return op_names[type];
}

void nft_txn_result_init(struct nft_txn_result *r)
{
	memset(r, 0, sizeof(*r));
}

void nft_txn_result_add(struct nft_txn_result *r, int err, size_t op,
			size_t sub, long stmt, const char *msg)
{
	struct nft_txn_error *e = XPUSH(r->errors, r->n_errors, r->cap_errors);

	e->err = err;
	e->op = op;
	e->sub = sub;
	e->stmt = stmt;
	e->msg = xstrdup_null(msg);
	if (!r->err)
		r->err = err;
}

void nft_txn_result_release(struct nft_txn_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_errors; i++)
		free(r->errors[i].msg);
	free(r->errors);
	memset(r, 0, sizeof(*r));
}

/* --- Strings of two pools ------------------------------------------------- */

/*
 * Elements name their comment and jump target by pool id, and the two
 * rulesets have two pools. Two compilations of similar plans intern the
 * same strings in the same order up to the first difference, so ids below
 * the pools' common prefix name equal strings: compare the ids there and
 * fall back to strcmp elsewhere.
 */
struct pools {
	const struct nft_pool *a, *b;
	uint32_t safe; /* ids <= safe: equal id, equal string */
	bool same; /* the pools are byte-identical: records compare as bytes */
};

static void pools_init(struct pools *p, const struct nft_pool *a,
		       const struct nft_pool *b)
{
	size_t n, i = 0;

	p->a = a;
	p->b = b;
	p->safe = 0;
	p->same = false;
	if (a == b) {
		p->safe = UINT32_MAX;
		p->same = true;
		return;
	}
	if (!a->buf || !b->buf) {
		p->same = a->len == b->len;
		return;
	}
	n = a->len < b->len ? a->len : b->len;
	while (i + 4096 <= n && memcmp(a->buf + i, b->buf + i, 4096) == 0)
		i += 4096;
	while (i < n && a->buf[i] == b->buf[i])
		i++;
	p->same = i == a->len && i == b->len;
	/* The last NUL before the first difference ends a string that is
	 * the same in both; so does every string before it. */
	while (i > 0 && a->buf[i - 1] != '\0')
		i--;
	p->safe = i ? (uint32_t)(i - 1) : 0;
}

static bool pool_str_eq(const struct pools *p, uint32_t x, uint32_t y)
{
	if (!x || !y)
		return x == y;
	if (x == y && x <= p->safe)
		return true;
	return strcmp(p->a->buf + x, p->b->buf + y) == 0;
}

/* --- Names (sorted arrays of borrowed strings) ---------------------------- */

struct names {
	const char **v;
	size_t n, cap;
};

static int name_qcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool names_has(const struct names *ns, const char *s)
{
	if (!s || !ns->n)
		return false;
	return bsearch(&s, ns->v, ns->n, sizeof(*ns->v), name_qcmp) != NULL;
}

static bool rule_refers(const struct nft_rule *r, const struct names *chains,
			const struct names *sets)
{
	for (size_t i = 0; i < r->n_stmts; i++) {
		const struct nft_stmt *st = &r->stmts[i];

		if (names_has(chains, st->chain) || names_has(sets, st->set))
			return true;
	}
	return false;
}

static bool chain_refers(const struct nft_chain *c, const struct names *chains,
			 const struct names *sets)
{
	for (size_t i = 0; i < c->n_rules; i++)
		if (rule_refers(&c->rules[i], chains, sets))
			return true;
	return false;
}

/* --- One table ------------------------------------------------------------ */

enum state {
	KEEP,	/* same spec and contents (sets: elements diffed) */
	REFILL, /* chains: same spec, rules flushed and added again */
	GONE,	/* only in old */
	NEW,	/* only in new */
	RESPEC, /* in both, spec changed: delete and add */
};

struct set_pair {
	const struct nft_set *o, *n;
	enum state st;
	uint32_t *dels, *adds; /* KEEP: element indices, owned until emitted */
	size_t n_dels, cap_dels, n_adds, cap_adds;
};

struct chain_pair {
	const struct nft_chain *o, *n;
	enum state st;
};

struct tdiff {
	const struct nft_table *ot, *nt;
	struct chain_pair *chains;
	size_t n_chains, cap_chains;
	struct set_pair *sets;
	size_t n_sets, cap_sets;
	struct names respec_chains, respec_sets;
};

static void pair_chains(struct tdiff *td)
{
	size_t no = td->ot ? td->ot->n_chains : 0, nn = td->nt->n_chains;
	size_t i = 0, j = 0;

	while (i < no || j < nn) {
		struct chain_pair *p =
			XPUSH(td->chains, td->n_chains, td->cap_chains);
		int c;

		if (i == no)
			c = 1;
		else if (j == nn)
			c = -1;
		else
			c = strcmp(td->ot->chains[i]->name,
				   td->nt->chains[j]->name);
		if (c < 0) {
			p->o = td->ot->chains[i++];
			p->st = GONE;
		} else if (c > 0) {
			p->n = td->nt->chains[j++];
			p->st = NEW;
		} else {
			p->o = td->ot->chains[i++];
			p->n = td->nt->chains[j++];
			if (!nft_chain_spec_equal(p->o, p->n)) {
				p->st = RESPEC;
				*XPUSH(td->respec_chains.v, td->respec_chains.n,
				       td->respec_chains.cap) = p->n->name;
			} else {
				p->st = nft_chain_equal(p->o, p->n) ? KEEP
								    : REFILL;
			}
		}
	}
}

static void pair_sets(struct tdiff *td)
{
	size_t no = td->ot ? td->ot->n_sets : 0, nn = td->nt->n_sets;
	size_t i = 0, j = 0;

	while (i < no || j < nn) {
		struct set_pair *p = XPUSH(td->sets, td->n_sets, td->cap_sets);
		int c;

		if (i == no)
			c = 1;
		else if (j == nn)
			c = -1;
		else
			c = strcmp(td->ot->sets[i]->name,
				   td->nt->sets[j]->name);
		if (c < 0) {
			p->o = td->ot->sets[i++];
			p->st = GONE;
		} else if (c > 0) {
			p->n = td->nt->sets[j++];
			p->st = NEW;
		} else {
			p->o = td->ot->sets[i++];
			p->n = td->nt->sets[j++];
			p->st = nft_set_spec_equal(p->o, p->n) ? KEEP : RESPEC;
			if (p->st == RESPEC)
				*XPUSH(td->respec_sets.v, td->respec_sets.n,
				       td->respec_sets.cap) = p->n->name;
		}
	}
}

static void push_idx(uint32_t **v, size_t *n, size_t *cap, size_t idx)
{
	*XPUSH(*v, *n, *cap) = (uint32_t)idx;
}

/* Same key: are data, verdict, jump target and comment the same too? */
static bool elem_rest_eq(const struct set_pair *p, const struct pools *pl,
			 const struct nft_elem *a, const struct nft_elem *b)
{
	const struct nft_set *s = p->n;

	if (a->verdict != b->verdict || !pool_str_eq(pl, a->chain, b->chain) ||
	    !pool_str_eq(pl, a->comment, b->comment))
		return false;
	return s->data_kind != NFTR_DATA_VALUE ||
	       memcmp(nft_elem_data(p->o, a), nft_elem_data(s, b),
		      s->data_slots) == 0;
}

/* Records compared per block when the pools are identical. */
#define ELEM_BLOCK 32

/*
 * Merge walk over two sorted element arrays. Most elements are equal and
 * sit at the same offset, so the common case is one memcmp of the key;
 * with identical pools a block of equal records is one memcmp.
 */
static void diff_elems(struct set_pair *p, const struct names *respec)
{
	const struct nft_set *so = p->o, *sn = p->n;
	size_t na = so->n_elems, nb = sn->n_elems, i = 0, j = 0;
	size_t klen = so->key_slots * ((so->flags & NFT_SET_INTERVAL) ? 2 : 1);
	bool verdicts = sn->data_kind == NFTR_DATA_VERDICT && respec->n;
	struct pools pl;

	pools_init(&pl, so->pool, sn->pool);
	while (i < na && j < nb) {
		const struct nft_elem *a, *b;
		int c;

		if (pl.same && !verdicts) {
			while (i + ELEM_BLOCK <= na && j + ELEM_BLOCK <= nb &&
			       memcmp(nft_set_elem(so, i), nft_set_elem(sn, j),
				      ELEM_BLOCK * so->stride) == 0) {
				i += ELEM_BLOCK;
				j += ELEM_BLOCK;
			}
			if (i == na || j == nb)
				break;
		}
		a = nft_set_elem(so, i);
		b = nft_set_elem(sn, j);
		c = memcmp(nft_elem_key(so, a), nft_elem_key(sn, b), klen);
		if (c)
			c = nft_elem_cmp(so, a, sn, b);
		if (c < 0) {
			push_idx(&p->dels, &p->n_dels, &p->cap_dels, i++);
		} else if (c > 0) {
			push_idx(&p->adds, &p->n_adds, &p->cap_adds, j++);
		} else {
			if (!elem_rest_eq(p, &pl, a, b) ||
			    (verdicts &&
			     names_has(respec, nft_elem_chain(sn, b)))) {
				push_idx(&p->dels, &p->n_dels, &p->cap_dels, i);
				push_idx(&p->adds, &p->n_adds, &p->cap_adds, j);
			}
			i++;
			j++;
		}
	}
	for (; i < na; i++)
		push_idx(&p->dels, &p->n_dels, &p->cap_dels, i);
	for (; j < nb; j++)
		push_idx(&p->adds, &p->n_adds, &p->cap_adds, j);
}

static struct nft_op *op_on(struct nft_txn *txn, enum nft_op_type type,
			    const struct nft_table *t)
{
	return nft_txn_add(txn, type, t->family, t->name);
}

/* Move an index array into a new element op. */
static void emit_elems(struct nft_txn *txn, enum nft_op_type type,
		       const struct nft_table *t, const struct nft_set *s,
		       uint32_t **v, size_t n, size_t cap)
{
	struct nft_op *op;

	if (!n) {
		free(*v);
		*v = NULL;
		return;
	}
	op = op_on(txn, type, t);
	op->set = s;
	op->elems = *v;
	op->n_elems = n;
	op->cap_elems = cap;
	*v = NULL;
}

static void emit_all_elems(struct nft_txn *txn, const struct nft_table *t,
			   const struct nft_set *s)
{
	struct nft_op *op;

	if (!s->n_elems)
		return;
	op = op_on(txn, NFT_OP_ADD_ELEMS, t);
	op->set = s;
	op->elems = xmalloc(s->n_elems * sizeof(*op->elems));
	op->n_elems = op->cap_elems = s->n_elems;
	for (size_t i = 0; i < s->n_elems; i++)
		op->elems[i] = (uint32_t)i;
}

static void emit(struct tdiff *td, struct nft_txn *txn)
{
	const struct nft_table *ot = td->ot, *nt = td->nt;
	struct nft_op *op;

	/* 1. Flush what changes or goes, so no rule holds a reference. */
	for (size_t i = 0; i < td->n_chains; i++) {
		struct chain_pair *p = &td->chains[i];

		if (p->st == KEEP || p->st == NEW || !p->o->n_rules)
			continue;
		op = op_on(txn, NFT_OP_FLUSH_CHAIN, ot);
		op->chain = p->o;
	}
	/* 2. Elements that go. */
	for (size_t i = 0; i < td->n_sets; i++) {
		struct set_pair *p = &td->sets[i];

		if (p->st == KEEP)
			emit_elems(txn, NFT_OP_DEL_ELEMS, ot, p->o, &p->dels,
				   p->n_dels, p->cap_dels);
	}
	/* 3. Sets, 4. chains that go. */
	for (size_t i = 0; i < td->n_sets; i++) {
		struct set_pair *p = &td->sets[i];

		if (p->st != GONE && p->st != RESPEC)
			continue;
		op = op_on(txn, NFT_OP_DEL_SET, ot);
		op->set = p->o;
	}
	for (size_t i = 0; i < td->n_chains; i++) {
		struct chain_pair *p = &td->chains[i];

		if (p->st != GONE && p->st != RESPEC)
			continue;
		op = op_on(txn, NFT_OP_DEL_CHAIN, ot);
		op->chain = p->o;
	}
	/* 5. New chains, 6. new sets, 7. elements, 8. rules. */
	for (size_t i = 0; i < td->n_chains; i++) {
		struct chain_pair *p = &td->chains[i];

		if (p->st != NEW && p->st != RESPEC)
			continue;
		op = op_on(txn, NFT_OP_ADD_CHAIN, nt);
		op->chain = p->n;
	}
	for (size_t i = 0; i < td->n_sets; i++) {
		struct set_pair *p = &td->sets[i];

		if (p->st != NEW && p->st != RESPEC)
			continue;
		op = op_on(txn, NFT_OP_ADD_SET, nt);
		op->set = p->n;
	}
	for (size_t i = 0; i < td->n_sets; i++) {
		struct set_pair *p = &td->sets[i];

		if (p->st == KEEP)
			emit_elems(txn, NFT_OP_ADD_ELEMS, nt, p->n, &p->adds,
				   p->n_adds, p->cap_adds);
		else if (p->st != GONE)
			emit_all_elems(txn, nt, p->n);
	}
	for (size_t i = 0; i < td->n_chains; i++) {
		struct chain_pair *p = &td->chains[i];

		if (p->st == KEEP || p->st == GONE || !p->n->n_rules)
			continue;
		op = op_on(txn, NFT_OP_ADD_RULES, nt);
		op->chain = p->n;
	}
}

static void diff_table(const struct nft_table *ot, const struct nft_table *nt,
		       struct nft_txn *txn)
{
	struct tdiff td = {.ot = ot, .nt = nt};

	if (!ot)
		nft_txn_add(txn, NFT_OP_ADD_TABLE, nt->family, nt->name);
	pair_chains(&td);
	pair_sets(&td);
	/* Kept chains that name a chain or set being re-created must let go
	 * of it and take the new one. */
	if (td.respec_chains.n || td.respec_sets.n) {
		if (td.respec_chains.n)
			qsort(td.respec_chains.v, td.respec_chains.n,
			      sizeof(char *), name_qcmp);
		if (td.respec_sets.n)
			qsort(td.respec_sets.v, td.respec_sets.n,
			      sizeof(char *), name_qcmp);
		for (size_t i = 0; i < td.n_chains; i++) {
			struct chain_pair *p = &td.chains[i];

			if (p->st == KEEP &&
			    chain_refers(p->n, &td.respec_chains,
					 &td.respec_sets))
				p->st = REFILL;
		}
	}
	for (size_t i = 0; i < td.n_sets; i++)
		if (td.sets[i].st == KEEP)
			diff_elems(&td.sets[i], &td.respec_chains);
	emit(&td, txn);
	for (size_t i = 0; i < td.n_sets; i++) {
		free(td.sets[i].dels);
		free(td.sets[i].adds);
	}
	free(td.sets);
	free(td.chains);
	free(td.respec_chains.v);
	free(td.respec_sets.v);
}

static int table_cmp(const struct nft_table *a, const struct nft_table *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return strcmp(a->name, b->name);
}

int nft_diff(const struct nft_ruleset *old, const struct nft_ruleset *new,
	     struct nft_txn *txn)
{
	size_t no = old ? old->n_tables : 0, nn, i, j;

	if (!new || !txn)
		return -EINVAL;
	nn = new->n_tables;
	/* Tables that go, first: nothing else can refer into them. */
	for (i = 0, j = 0; i < no;) {
		int c = j < nn ? table_cmp(old->tables[i], new->tables[j]) : -1;

		if (c < 0) {
			nft_txn_add(txn, NFT_OP_DEL_TABLE,
				    old->tables[i]->family,
				    old->tables[i]->name);
			i++;
		} else {
			if (c == 0)
				i++;
			j++;
		}
	}
	for (i = 0, j = 0; j < nn;) {
		int c = i < no ? table_cmp(old->tables[i], new->tables[j]) : 1;

		if (c < 0) {
			i++;
		} else if (c > 0) {
			diff_table(NULL, new->tables[j++], txn);
		} else {
			diff_table(old->tables[i++], new->tables[j++], txn);
		}
	}
	return 0;
}

/* --- Descriptions --------------------------------------------------------- */

static const char *proto_text(uint8_t p)
{
	switch (p) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_SCTP:
		return "sctp";
	default:
		return NULL;
	}
}

static void field_format(const struct nft_set *s, const struct nft_field *f,
			 const uint8_t *p, struct strbuf *out)
{
	uint32_t len = nft_field_len(f->kind, s->family);
	struct nfp_addr a = {0};
	char buf[NFP_ADDR_STRLEN];
	uint32_t v;

	switch (f->kind) {
	case NFTR_F_SADDR:
	case NFTR_F_DADDR:
		a.family = s->family == NFPROTO_IPV6 ? AF_INET6 : AF_INET;
		memcpy(a.b, p, len);
		strbuf_adds(out, nfp_addr_str(&a, buf));
		return;
	case NFTR_F_L4PROTO:
		if (proto_text(p[0]))
			strbuf_adds(out, proto_text(p[0]));
		else
			strbuf_addf(out, "%u", p[0]);
		return;
	case NFTR_F_DPORT:
		strbuf_addf(out, "%u", (unsigned int)(p[0] << 8 | p[1]));
		return;
	default:
		memcpy(&v, p, 4);
		if (f->kind == NFTR_F_NUMGEN ||
		    f->kind == NFTR_F_FIB_DADDR_TYPE ||
		    f->kind == NFTR_F_FIB_SADDR_TYPE)
			strbuf_addf(out, "%u", v);
		else
			strbuf_addf(out, "0x%08x", v);
	}
}

static void key_format(const struct nft_set *s, const uint8_t *key,
		       struct strbuf *out)
{
	for (uint8_t i = 0; i < s->key.n; i++) {
		const struct nft_field *f = &s->key.f[i];

		if (i)
			strbuf_adds(out, " . ");
		field_format(s, f, key, out);
		key += (nft_field_len(f->kind, s->family) + 3) & ~3u;
	}
}

void nft_key_format(const struct nft_set *s, const uint8_t *key,
		    struct strbuf *out)
{
	key_format(s, key, out);
	if (s->flags & NFT_SET_INTERVAL) {
		strbuf_adds(out, "-");
		key_format(s, key + s->key_slots, out);
	}
}

static const char *family_name(int family)
{
	return family == NFPROTO_IPV6 ? "ip6" : "ip";
}

static const char *set_kind(const struct nft_set *s)
{
	return s->data_kind == NFTR_DATA_NONE ? "set" : "map";
}

static const char *const stmt_names[__NFTR_STMT_MAX] = {
	[NFTR_STMT_CMP] = "match",     [NFTR_STMT_LOOKUP] = "lookup",
	[NFTR_STMT_VMAP] = "vmap",     [NFTR_STMT_VERDICT] = "verdict",
	[NFTR_STMT_DNAT] = "dnat",     [NFTR_STMT_MASQ] = "masquerade",
	[NFTR_STMT_REJECT] = "reject", [NFTR_STMT_MARK] = "mark",
	[NFTR_STMT_DYNSET] = "update",
};

static void stmt_describe(const struct nft_stmt *st, struct strbuf *out)
{
	strbuf_adds(out, stmt_names[st->type]);
	if (st->type == NFTR_STMT_VERDICT && st->chain)
		strbuf_addf(out, " %s %s",
			    st->verdict == NFT_GOTO ? "goto" : "jump",
			    st->chain);
	if (st->set)
		strbuf_addf(out, " @%s", st->set);
}

void nft_txn_describe(const struct nft_txn *txn, const struct nft_txn_error *e,
		      struct strbuf *out)
{
	const struct nft_op *op;
	const struct nft_set *s;

	if (e->op >= txn->n_ops) {
		strbuf_adds(out, "commit the batch");
		return;
	}
	op = &txn->ops[e->op];
	s = op->set;
	strbuf_addf(out, "%s ", nft_op_name(op->type));
	switch (op->type) {
	case NFT_OP_DESTROY_TABLE:
	case NFT_OP_DEL_TABLE:
	case NFT_OP_ADD_TABLE:
		strbuf_addf(out, "%s %s", family_name(op->family), op->table);
		return;
	case NFT_OP_FLUSH_CHAIN:
	case NFT_OP_DEL_CHAIN:
	case NFT_OP_ADD_CHAIN:
		strbuf_addf(out, "%s %s %s", family_name(op->family), op->table,
			    op->chain->name);
		return;
	case NFT_OP_ADD_RULES:
		if (e->sub < op->chain->n_rules) {
			const struct nft_rule *r = &op->chain->rules[e->sub];

			strbuf_addf(out, "%zu of chain %s %s %s", e->sub + 1,
				    family_name(op->family), op->table,
				    op->chain->name);
			if (e->stmt >= 0 && (size_t)e->stmt < r->n_stmts) {
				strbuf_addf(out,
					    " (statement %ld: ", e->stmt + 1);
				stmt_describe(&r->stmts[e->stmt], out);
				strbuf_adds(out, ")");
			}
			if (r->comment)
				strbuf_addf(out, " (comment \"%s\")",
					    r->comment);
		} else {
			strbuf_addf(out, "to chain %s %s %s",
				    family_name(op->family), op->table,
				    op->chain->name);
		}
		return;
	case NFT_OP_DEL_SET:
	case NFT_OP_ADD_SET:
		strbuf_addf(out, "%s %s %s %s", set_kind(s),
			    family_name(op->family), op->table, s->name);
		return;
	case NFT_OP_DEL_ELEMS:
	case NFT_OP_ADD_ELEMS:
		if (e->sub < op->n_elems) {
			const struct nft_elem *el =
				nft_set_elem(s, op->elems[e->sub]);
			const char *cmt = nft_elem_comment(s, el);

			nft_key_format(s, nft_elem_key(s, el), out);
			strbuf_addf(out, " %s %s %s %s %s",
				    op->type == NFT_OP_ADD_ELEMS ? "to"
								 : "from",
				    set_kind(s), family_name(op->family),
				    op->table, s->name);
			if (cmt)
				strbuf_addf(out, " (comment \"%s\")", cmt);
		} else {
			strbuf_addf(out, "of %s %s %s %s", set_kind(s),
				    family_name(op->family), op->table,
				    s->name);
		}
		return;
	default:
		return;
	}
}
