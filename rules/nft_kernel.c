// SPDX-License-Identifier: GPL-2.0
#include "rules/nft_kernel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/nft_netlink.h"
#include "util/xalloc.h"

void nft_table_list_release(struct nft_table_list *l)
{
	if (!l)
		return;
	free(l->v);
	memset(l, 0, sizeof(*l));
}

bool nft_table_list_has(const struct nft_table_list *l, int family,
			const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].family == family && strcmp(l->v[i].name, name) == 0)
			return true;
	return false;
}

/* --- Netlink -------------------------------------------------------------- */

static int nl_commit(void *ctx, const struct nft_txn *txn,
		     struct nft_txn_result *res)
{
	return nft_nl_commit(ctx, txn, res);
}

static int nl_list(void *ctx, struct nft_table_list *out)
{
	return nft_nl_list_tables(ctx, out);
}

const struct nft_backend_ops nft_netlink_ops = {
	.name = "netlink",
	.commit = nl_commit,
	.list = nl_list,
};

/* --- The fake ------------------------------------------------------------- */

struct nft_fake {
	struct nft_ruleset rs;
	struct nft_fake_stats stats;
};

struct nft_fake *nft_fake_new(void)
{
	struct nft_fake *f = xcalloc(1, sizeof(*f));

	nft_ruleset_init(&f->rs);
	return f;
}

void nft_fake_free(struct nft_fake *f)
{
	if (!f)
		return;
	nft_ruleset_free(&f->rs);
	free(f);
}

struct nft_ruleset *nft_fake_ruleset(struct nft_fake *f)
{
	return &f->rs;
}

const struct nft_fake_stats *nft_fake_stats(const struct nft_fake *f)
{
	return &f->stats;
}

/* Remove element i of an array of pointers, keeping the order. */
static void remove_at(void **v, size_t *n, size_t i)
{
	memmove(v + i, v + i + 1, (*n - i - 1) * sizeof(*v));
	(*n)--;
}

static long index_of(void *const *v, size_t n, const void *p)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == p)
			return (long)i;
	return -1;
}

/* --- Copies --------------------------------------------------------------- */

static void clone_rule(struct nft_chain *c, const struct nft_rule *src)
{
	struct nft_rule *r = nft_chain_add_rule(c, src->comment);

	for (size_t i = 0; i < src->n_stmts; i++) {
		const struct nft_stmt *s = &src->stmts[i];
		struct nft_stmt *st = nft_rule_add_stmt(r, s->type);

		*st = *s;
		st->set = xstrdup_null(s->set);
		st->chain = xstrdup_null(s->chain);
	}
}

static struct nft_chain *clone_chain_spec(struct nft_table *t,
					  const struct nft_chain *src)
{
	struct nft_chain *c = nft_table_add_chain(t, src->name, src->comment);

	if (src->base)
		nft_chain_set_base(c, src->type, src->hook, src->prio,
				   src->policy);
	return c;
}

static struct nft_set *clone_set_spec(struct nft_table *t,
				      const struct nft_set *src)
{
	struct nft_set *s =
		nft_table_add_set(t, src->name, &src->key, src->data_kind,
				  &src->data, src->flags, src->comment);

	s->timeout_ms = src->timeout_ms;
	s->size = src->size;
	return s;
}

/* A deep copy; the pool is copied byte for byte so element ids hold. */
static void clone_ruleset(const struct nft_ruleset *src,
			  struct nft_ruleset *dst)
{
	const struct nft_pool *sp = src->pool;
	struct nft_pool *dp;

	nft_ruleset_init(dst);
	dp = dst->pool;
	if (sp && sp->len) {
		dp->buf = xmalloc(sp->len);
		memcpy(dp->buf, sp->buf, sp->len);
		dp->len = dp->cap = sp->len;
		dp->slots = xmalloc(sp->n_slots * sizeof(*dp->slots));
		memcpy(dp->slots, sp->slots, sp->n_slots * sizeof(*dp->slots));
		dp->n_slots = sp->n_slots;
		dp->used = sp->used;
	}
	for (size_t i = 0; i < src->n_tables; i++) {
		const struct nft_table *st = src->tables[i];
		struct nft_table *t =
			nft_ruleset_add_table(dst, st->family, st->name);

		for (size_t j = 0; j < st->n_sets; j++) {
			const struct nft_set *ss = st->sets[j];
			struct nft_set *s = clone_set_spec(t, ss);

			if (ss->n_elems) {
				s->elems = xmalloc(ss->n_elems * ss->stride);
				memcpy(s->elems, ss->elems,
				       ss->n_elems * ss->stride);
				s->n_elems = s->cap_elems = ss->n_elems;
			}
		}
		for (size_t j = 0; j < st->n_chains; j++) {
			const struct nft_chain *sc = st->chains[j];
			struct nft_chain *c = clone_chain_spec(t, sc);

			for (size_t k = 0; k < sc->n_rules; k++)
				clone_rule(c, &sc->rules[k]);
		}
	}
}

/* --- Checks --------------------------------------------------------------- */

static bool rule_names_chain(const struct nft_rule *r, const char *name)
{
	for (size_t i = 0; i < r->n_stmts; i++)
		if (r->stmts[i].chain && strcmp(r->stmts[i].chain, name) == 0)
			return true;
	return false;
}

static bool rule_names_set(const struct nft_rule *r, const char *name)
{
	for (size_t i = 0; i < r->n_stmts; i++)
		if (r->stmts[i].set && strcmp(r->stmts[i].set, name) == 0)
			return true;
	return false;
}

/* Does anything but c itself refer to chain c? */
static bool chain_in_use(const struct nft_table *t, const struct nft_chain *c)
{
	for (size_t i = 0; i < t->n_chains; i++) {
		const struct nft_chain *o = t->chains[i];

		if (o == c)
			continue;
		for (size_t j = 0; j < o->n_rules; j++)
			if (rule_names_chain(&o->rules[j], c->name))
				return true;
	}
	for (size_t i = 0; i < t->n_sets; i++) {
		const struct nft_set *s = t->sets[i];

		if (s->data_kind != NFTR_DATA_VERDICT)
			continue;
		for (size_t j = 0; j < s->n_elems; j++) {
			const char *ch = nft_elem_chain(s, nft_set_elem(s, j));

			if (ch && strcmp(ch, c->name) == 0)
				return true;
		}
	}
	return false;
}

static bool set_in_use(const struct nft_table *t, const struct nft_set *s)
{
	for (size_t i = 0; i < t->n_chains; i++)
		for (size_t j = 0; j < t->chains[i]->n_rules; j++)
			if (rule_names_set(&t->chains[i]->rules[j], s->name))
				return true;
	return false;
}

/* A jump or goto target as the kernel checks it. */
static int check_target(const struct nft_table *t, int verdict,
			const char *chain)
{
	const struct nft_chain *c;

	if (verdict != NFT_JUMP && verdict != NFT_GOTO)
		return 0;
	if (!chain)
		return -EINVAL;
	c = nft_table_find_chain(t, chain);
	if (!c)
		return -ENOENT;
	return c->base ? -EOPNOTSUPP : 0;
}

static int check_stmt(const struct nft_table *t, const struct nft_stmt *st)
{
	const struct nft_set *s;

	if (st->type == NFTR_STMT_VERDICT)
		return check_target(t, st->verdict, st->chain);
	if (st->type != NFTR_STMT_LOOKUP && st->type != NFTR_STMT_VMAP &&
	    st->type != NFTR_STMT_DYNSET &&
	    !(st->type == NFTR_STMT_DNAT && st->set))
		return 0;
	s = st->set ? nft_table_find_set(t, st->set) : NULL;
	if (!s)
		return -ENOENT;
	if (nft_key_len(&st->key, t->family) != s->key_len)
		return -EINVAL;
	if (st->type == NFTR_STMT_VMAP && s->data_kind != NFTR_DATA_VERDICT)
		return -EINVAL;
	if (st->type == NFTR_STMT_DNAT && s->data_kind != NFTR_DATA_VALUE)
		return -EINVAL;
	if (st->type == NFTR_STMT_DYNSET && !(s->flags & NFT_SET_EVAL))
		return -EOPNOTSUPP;
	return 0;
}

/* --- Elements ------------------------------------------------------------- */

struct pos_ctx {
	const struct nft_set *s;
	const uint32_t *idx;
};

static int pos_qcmp(const void *a, const void *b, void *ctx)
{
	const struct pos_ctx *c = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int r = nft_elem_cmp(c->s, nft_set_elem(c->s, c->idx[x]), c->s,
			     nft_set_elem(c->s, c->idx[y]));

	return r ? r : (x > y) - (x < y);
}

/* Positions of op->elems, ordered by key. */
static size_t *sorted_positions(const struct nft_op *op)
{
	size_t *pos = xmalloc((op->n_elems ? op->n_elems : 1) * sizeof(*pos));
	struct pos_ctx c = {op->set, op->elems};
	bool sorted = true;

	for (size_t i = 0; i < op->n_elems; i++) {
		pos[i] = i;
		if (i && op->elems[i - 1] >= op->elems[i])
			sorted = false;
	}
	if (!sorted) /* indices ascending: already in canonical order */
		qsort_r(pos, op->n_elems, sizeof(*pos), pos_qcmp, &c);
	return pos;
}

/* Copy element e of src into record out of dst, strings re-interned. */
static void elem_copy(struct nft_set *dst, uint8_t *out,
		      const struct nft_set *src, const struct nft_elem *e)
{
	struct nft_elem *o = (struct nft_elem *)out;

	memcpy(out, e, dst->stride);
	o->comment = nft_pool_intern(dst->pool, nft_elem_comment(src, e));
	o->chain = nft_pool_intern(dst->pool, nft_elem_chain(src, e));
}

static int elems_add(const struct nft_table *t, struct nft_set *dst,
		     const struct nft_op *op, size_t *sub)
{
	const struct nft_set *src = op->set;
	size_t n = dst->n_elems, m = op->n_elems, i = 0, j = 0, k = 0;
	size_t *pos;
	uint8_t *out;
	int err = 0;

	if (src->stride != dst->stride || src->key_len != dst->key_len)
		return -EINVAL;
	for (size_t x = 0; x < m; x++) {
		const struct nft_elem *e = nft_set_elem(src, op->elems[x]);

		err = check_target(t, e->verdict, nft_elem_chain(src, e));
		if (err) {
			*sub = x;
			return err;
		}
	}
	pos = sorted_positions(op);
	out = xmalloc((n + m) * dst->stride);
	while (i < n || j < m) {
		const struct nft_elem *a = i < n ? nft_set_elem(dst, i) : NULL;
		const struct nft_elem *b =
			j < m ? nft_set_elem(src, op->elems[pos[j]]) : NULL;
		int c = !a ? 1 : !b ? -1 : nft_elem_cmp(dst, a, src, b);

		if (c == 0 ||
		    (j && b &&
		     nft_elem_cmp(src, nft_set_elem(src, op->elems[pos[j - 1]]),
				  src, b) == 0)) {
			*sub = pos[j];
			err = -EEXIST;
			break;
		}
		if (c < 0) {
			memcpy(out + k * dst->stride, a, dst->stride);
			i++;
		} else {
			elem_copy(dst, out + k * dst->stride, src, b);
			j++;
		}
		k++;
	}
	free(pos);
	if (err) {
		free(out);
		return err;
	}
	free(dst->elems);
	dst->elems = out;
	dst->n_elems = dst->cap_elems = k;
	return 0;
}

static int elems_del(struct nft_set *dst, const struct nft_op *op, size_t *sub)
{
	const struct nft_set *src = op->set;
	bool *gone;
	size_t k = 0;

	if (src->stride != dst->stride || src->key_len != dst->key_len)
		return -EINVAL;
	gone = xcalloc(dst->n_elems ? dst->n_elems : 1, sizeof(*gone));
	for (size_t x = 0; x < op->n_elems; x++) {
		const struct nft_elem *e = nft_set_elem(src, op->elems[x]);
		long at = nft_set_find(dst, nft_elem_key(src, e));

		if (at < 0 || gone[at]) {
			*sub = x;
			free(gone);
			return -ENOENT;
		}
		gone[at] = true;
	}
	for (size_t i = 0; i < dst->n_elems; i++) {
		if (gone[i])
			continue;
		if (k != i)
			memcpy(nft_set_elem(dst, k), nft_set_elem(dst, i),
			       dst->stride);
		k++;
	}
	dst->n_elems = k;
	free(gone);
	return 0;
}

/* --- One operation -------------------------------------------------------- */

static int apply_op(struct nft_ruleset *rs, const struct nft_op *op,
		    size_t *sub, long *stmt)
{
	struct nft_table *t = nft_ruleset_find_table(rs, op->family, op->table);
	struct nft_chain *c = NULL;
	struct nft_set *s = NULL;
	int err;

	if (op->type == NFT_OP_DESTROY_TABLE || op->type == NFT_OP_ADD_TABLE) {
		if (t && op->type == NFT_OP_ADD_TABLE)
			return -EEXIST;
		if (t) {
			remove_at((void **)rs->tables, &rs->n_tables,
				  (size_t)index_of((void *const *)rs->tables,
						   rs->n_tables, t));
			nft_table_free(t);
		}
		if (op->type == NFT_OP_ADD_TABLE)
			nft_ruleset_add_table(rs, op->family, op->table);
		return 0;
	}
	if (!t)
		return -ENOENT;
	if (op->chain)
		c = nft_table_find_chain(t, op->chain->name);
	if (op->set)
		s = nft_table_find_set(t, op->set->name);

	switch (op->type) {
	case NFT_OP_DEL_TABLE:
		remove_at((void **)rs->tables, &rs->n_tables,
			  (size_t)index_of((void *const *)rs->tables,
					   rs->n_tables, t));
		nft_table_free(t);
		return 0;
	case NFT_OP_FLUSH_CHAIN:
		if (!c)
			return -ENOENT;
		nft_chain_flush(c);
		return 0;
	case NFT_OP_DEL_CHAIN:
		if (!c)
			return -ENOENT;
		if (chain_in_use(t, c))
			return -EBUSY;
		remove_at((void **)t->chains, &t->n_chains,
			  (size_t)index_of((void *const *)t->chains,
					   t->n_chains, c));
		nft_chain_free(c);
		return 0;
	case NFT_OP_ADD_CHAIN:
		if (c)
			return -EEXIST;
		clone_chain_spec(t, op->chain);
		return 0;
	case NFT_OP_ADD_RULES:
		if (!c)
			return -ENOENT;
		for (size_t i = 0; i < op->chain->n_rules; i++) {
			const struct nft_rule *r = &op->chain->rules[i];

			for (size_t k = 0; k < r->n_stmts; k++) {
				err = check_stmt(t, &r->stmts[k]);
				if (err) {
					*sub = i;
					*stmt = (long)k;
					return err;
				}
			}
			clone_rule(c, r);
		}
		return 0;
	case NFT_OP_DEL_SET:
		if (!s)
			return -ENOENT;
		if (set_in_use(t, s))
			return -EBUSY;
		remove_at(
			(void **)t->sets, &t->n_sets,
			(size_t)index_of((void *const *)t->sets, t->n_sets, s));
		nft_set_free(s);
		return 0;
	case NFT_OP_ADD_SET:
		if (s)
			return -EEXIST;
		clone_set_spec(t, op->set);
		return 0;
	case NFT_OP_ADD_ELEMS:
		if (!s)
			return -ENOENT;
		return elems_add(t, s, op, sub);
	case NFT_OP_DEL_ELEMS:
		if (!s)
			return -ENOENT;
		return elems_del(s, op, sub);
	default:
		return -EINVAL;
	}
}

static int fake_commit(void *ctx, const struct nft_txn *txn,
		       struct nft_txn_result *res)
{
	struct nft_fake *f = ctx;
	struct nft_ruleset work;

	nft_txn_result_init(res);
	f->stats.commits++;
	f->stats.last_ops = txn->n_ops;
	f->stats.last_elems = nft_txn_items(txn, NFT_OP_ADD_ELEMS) +
			      nft_txn_items(txn, NFT_OP_DEL_ELEMS);
	clone_ruleset(&f->rs, &work);
	for (size_t i = 0; i < txn->n_ops; i++) {
		size_t sub = SIZE_MAX;
		long stmt = -1;
		int err = apply_op(&work, &txn->ops[i], &sub, &stmt);

		if (err) {
			nft_txn_result_add(res, err, i, sub, stmt, NULL);
			nft_ruleset_free(&work);
			return err;
		}
	}
	nft_ruleset_sort(&work);
	nft_ruleset_free(&f->rs);
	f->rs = work;
	f->stats.applied++;
	return 0;
}

static int fake_list(void *ctx, struct nft_table_list *out)
{
	struct nft_fake *f = ctx;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < f->rs.n_tables; i++) {
		struct nft_table_id *id = XPUSH(out->v, out->n, out->cap);

		id->family = f->rs.tables[i]->family;
		snprintf(id->name, sizeof(id->name), "%s",
			 f->rs.tables[i]->name);
	}
	return 0;
}

const struct nft_backend_ops nft_fake_ops = {
	.name = "fake",
	.commit = fake_commit,
	.list = fake_list,
};
