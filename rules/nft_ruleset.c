// SPDX-License-Identifier: GPL-2.0
#include "rules/nft_ruleset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

static const struct nft_field_desc field_descs[__NFTR_F_MAX] = {
	[NFTR_F_SADDR] =
		{
			.text4 = "ip saddr",
			.text6 = "ip6 saddr",
			.expr = NFTR_EXPR_PAYLOAD,
			.base = NFT_PAYLOAD_NETWORK_HEADER,
			.off4 = 12,
			.off6 = 8,
			.len4 = 4,
			.len6 = 16,
			.type4 = NFTR_TYPE_IPADDR,
			.type6 = NFTR_TYPE_IP6ADDR,
		},
	[NFTR_F_DADDR] =
		{
			.text4 = "ip daddr",
			.text6 = "ip6 daddr",
			.expr = NFTR_EXPR_PAYLOAD,
			.base = NFT_PAYLOAD_NETWORK_HEADER,
			.off4 = 16,
			.off6 = 24,
			.len4 = 4,
			.len6 = 16,
			.type4 = NFTR_TYPE_IPADDR,
			.type6 = NFTR_TYPE_IP6ADDR,
		},
	[NFTR_F_L4PROTO] =
		{
			.text4 = "meta l4proto",
			.text6 = "meta l4proto",
			.expr = NFTR_EXPR_META,
			.key = NFT_META_L4PROTO,
			.len4 = 1,
			.len6 = 1,
			.type4 = NFTR_TYPE_INET_PROTOCOL,
			.type6 = NFTR_TYPE_INET_PROTOCOL,
			.host_order = true,
		},
	[NFTR_F_DPORT] =
		{
			.text4 = "th dport",
			.text6 = "th dport",
			.expr = NFTR_EXPR_PAYLOAD,
			.base = NFT_PAYLOAD_TRANSPORT_HEADER,
			.off4 = 2,
			.off6 = 2,
			.len4 = 2,
			.len6 = 2,
			.type4 = NFTR_TYPE_INET_SERVICE,
			.type6 = NFTR_TYPE_INET_SERVICE,
		},
	[NFTR_F_MARK] =
		{
			.text4 = "meta mark",
			.text6 = "meta mark",
			.expr = NFTR_EXPR_META,
			.key = NFT_META_MARK,
			.len4 = 4,
			.len6 = 4,
			.type4 = NFTR_TYPE_MARK,
			.type6 = NFTR_TYPE_MARK,
			.host_order = true,
		},
	[NFTR_F_CT_STATE] =
		{
			.text4 = "ct state",
			.text6 = "ct state",
			.expr = NFTR_EXPR_CT,
			.key = NFT_CT_STATE,
			.len4 = 4,
			.len6 = 4,
			.type4 = NFTR_TYPE_CT_STATE,
			.type6 = NFTR_TYPE_CT_STATE,
			.host_order = true,
		},
	[NFTR_F_CT_STATUS] =
		{
			.text4 = "ct status",
			.text6 = "ct status",
			.expr = NFTR_EXPR_CT,
			.key = NFT_CT_STATUS,
			.len4 = 4,
			.len6 = 4,
			.type4 = NFTR_TYPE_CT_STATUS,
			.type6 = NFTR_TYPE_CT_STATUS,
			.host_order = true,
		},
	[NFTR_F_FIB_DADDR_TYPE] =
		{
			.text4 = "fib daddr type",
			.text6 = "fib daddr type",
			.expr = NFTR_EXPR_FIB,
			.key = NFT_FIB_RESULT_ADDRTYPE,
			.fib_flags = NFTA_FIB_F_DADDR,
			.len4 = 4,
			.len6 = 4,
			.type4 = NFTR_TYPE_FIB_ADDR,
			.type6 = NFTR_TYPE_FIB_ADDR,
			.host_order = true,
		},
	[NFTR_F_FIB_SADDR_TYPE] =
		{
			.text4 = "fib saddr type",
			.text6 = "fib saddr type",
			.expr = NFTR_EXPR_FIB,
			.key = NFT_FIB_RESULT_ADDRTYPE,
			.fib_flags = NFTA_FIB_F_SADDR,
			.len4 = 4,
			.len6 = 4,
			.type4 = NFTR_TYPE_FIB_ADDR,
			.type6 = NFTR_TYPE_FIB_ADDR,
			.host_order = true,
		},
	[NFTR_F_NUMGEN] =
		{
			.text4 = "numgen random",
			.text6 = "numgen random",
			.expr = NFTR_EXPR_NUMGEN,
			.key = NFT_NG_RANDOM,
			.len4 = 4,
			.len6 = 4,
			.type4 = NFTR_TYPE_INTEGER,
			.type6 = NFTR_TYPE_INTEGER,
			.host_order = true,
		},
};

static uint32_t round4(uint32_t n)
{
	return (n + 3) & ~3u;
}

static char *strdup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static int strcmp_null(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

const struct nft_field_desc *nft_field_desc(enum nftr_field kind)
{
	return &field_descs[kind];
}

uint32_t nft_field_len(enum nftr_field kind, int family)
{
	const struct nft_field_desc *d = &field_descs[kind];

	return family == NFPROTO_IPV6 ? d->len6 : d->len4;
}

const char *nft_field_text(const struct nft_field *f, int family, char *buf)
{
	const struct nft_field_desc *d = &field_descs[f->kind];
	const char *t = family == NFPROTO_IPV6 ? d->text6 : d->text4;

	if (f->kind != NFTR_F_NUMGEN)
		snprintf(buf, 64, "%s", t);
	else if (f->offset)
		snprintf(buf, 64, "%s mod %u offset %u", t, f->mod, f->offset);
	else
		snprintf(buf, 64, "%s mod %u", t, f->mod);
	return buf;
}

uint32_t nft_key_len(const struct nft_key *k, int family)
{
	if (k->n == 1)
		return nft_field_len(k->f[0].kind, family);
	return nft_key_slots(k, family);
}

uint32_t nft_key_slots(const struct nft_key *k, int family)
{
	uint32_t n = 0;

	for (uint8_t i = 0; i < k->n; i++)
		n += round4(nft_field_len(k->f[i].kind, family));
	return n;
}

uint32_t nft_key_type(const struct nft_key *k, int family)
{
	uint32_t type = 0;

	for (uint8_t i = 0; i < k->n; i++) {
		const struct nft_field_desc *d = &field_descs[k->f[i].kind];

		type = type << NFTR_TYPE_BITS;
		type |= family == NFPROTO_IPV6 ? d->type6 : d->type4;
	}
	return type;
}

bool nft_key_equal(const struct nft_key *a, const struct nft_key *b)
{
	if (a->n != b->n)
		return false;
	for (uint8_t i = 0; i < a->n; i++) {
		if (a->f[i].kind != b->f[i].kind ||
		    a->f[i].mod != b->f[i].mod ||
		    a->f[i].offset != b->f[i].offset)
			return false;
	}
	return true;
}

uint8_t *nft_put_addr(uint8_t *p, const struct nfp_addr *a)
{
	size_t len = nfp_addr_len(a->family);

	memcpy(p, a->b, len);
	return p + round4((uint32_t)len);
}

uint8_t *nft_put_proto(uint8_t *p, uint8_t ipproto)
{
	memset(p, 0, 4);
	p[0] = ipproto;
	return p + 4;
}

uint8_t *nft_put_port(uint8_t *p, uint16_t port)
{
	memset(p, 0, 4);
	p[0] = (uint8_t)(port >> 8);
	p[1] = (uint8_t)port;
	return p + 4;
}

uint8_t *nft_put_u32(uint8_t *p, uint32_t host_value)
{
	memcpy(p, &host_value, 4);
	return p + 4;
}

/* The pool: strings back to back in buf (offset 0 holds an unused NUL so
 * that no string has id 0), and an open-addressing table of their ids. */
static uint32_t pool_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static void pool_rehash(struct nft_pool *pool)
{
	size_t n = pool->n_slots ? pool->n_slots * 2 : 64;
	uint32_t *slots = xcalloc(n, sizeof(*slots));

	for (size_t i = 0; i < pool->n_slots; i++) {
		uint32_t id = pool->slots[i];
		size_t j;

		if (!id)
			continue;
		j = pool_hash(pool->buf + id) & (n - 1);
		while (slots[j])
			j = (j + 1) & (n - 1);
		slots[j] = id;
	}
	free(pool->slots);
	pool->slots = slots;
	pool->n_slots = n;
}

uint32_t nft_pool_intern(struct nft_pool *pool, const char *s)
{
	size_t len, j;
	uint32_t id;

	if (!s)
		return 0;
	if ((pool->used + 1) * 2 > pool->n_slots)
		pool_rehash(pool);
	j = pool_hash(s) & (pool->n_slots - 1);
	while ((id = pool->slots[j]) != 0) {
		if (strcmp(pool->buf + id, s) == 0)
			return id;
		j = (j + 1) & (pool->n_slots - 1);
	}
	len = strlen(s) + 1;
	if (pool->len == 0)
		pool->len = 1; /* the unused NUL at offset 0 */
	pool->buf = xgrow(pool->buf, &pool->cap, pool->len + len, 1);
	pool->buf[0] = '\0';
	id = (uint32_t)pool->len;
	memcpy(pool->buf + id, s, len);
	pool->len += len;
	pool->slots[j] = id;
	pool->used++;
	return id;
}

const char *nft_pool_str(const struct nft_pool *pool, uint32_t id)
{
	return id ? pool->buf + id : NULL;
}

void nft_ruleset_init(struct nft_ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->pool = xcalloc(1, sizeof(*rs->pool));
}

static void rule_release(struct nft_rule *r)
{
	for (size_t i = 0; i < r->n_stmts; i++) {
		free(r->stmts[i].set);
		free(r->stmts[i].chain);
	}
	free(r->stmts);
	free(r->comment);
}

void nft_chain_flush(struct nft_chain *c)
{
	for (size_t i = 0; i < c->n_rules; i++) {
		rule_release(&c->rules[i]);
		/* the slot is reused by the next add (XPUSH zeroes only
		 * memory it grows) */
		memset(&c->rules[i], 0, sizeof(c->rules[i]));
	}
	c->n_rules = 0;
}

void nft_chain_free(struct nft_chain *c)
{
	if (!c)
		return;
	nft_chain_flush(c);
	free(c->rules);
	free(c->name);
	free(c->comment);
	free(c);
}

void nft_set_free(struct nft_set *s)
{
	if (!s)
		return;
	free(s->name);
	free(s->comment);
	free(s->elems);
	free(s);
}

void nft_table_free(struct nft_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_sets; i++)
		nft_set_free(t->sets[i]);
	for (size_t i = 0; i < t->n_chains; i++)
		nft_chain_free(t->chains[i]);
	free(t->sets);
	free(t->chains);
	free(t->name);
	free(t);
}

void nft_ruleset_free(struct nft_ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n_tables; i++)
		nft_table_free(rs->tables[i]);
	free(rs->tables);
	if (rs->pool) {
		free(rs->pool->buf);
		free(rs->pool->slots);
		free(rs->pool);
	}
	memset(rs, 0, sizeof(*rs));
}

struct nft_table *nft_ruleset_add_table(struct nft_ruleset *rs, int family,
					const char *name)
{
	struct nft_table *t = xcalloc(1, sizeof(*t));

	if (!rs->pool)
		rs->pool = xcalloc(1, sizeof(*rs->pool));
	t->family = family;
	t->name = xstrdup(name);
	t->pool = rs->pool;
	*XPUSH(rs->tables, rs->n_tables, rs->cap_tables) = t;
	return t;
}

struct nft_chain *nft_table_add_chain(struct nft_table *t, const char *name,
				      const char *comment)
{
	struct nft_chain *c = xcalloc(1, sizeof(*c));

	c->name = xstrdup(name);
	c->comment = strdup_or_null(comment);
	*XPUSH(t->chains, t->n_chains, t->cap_chains) = c;
	return c;
}

void nft_chain_set_base(struct nft_chain *c, enum nftr_chain_type type,
			uint32_t hook, int32_t prio, uint32_t policy)
{
	c->base = true;
	c->type = type;
	c->hook = hook;
	c->prio = prio;
	c->policy = policy;
}

struct nft_rule *nft_chain_add_rule(struct nft_chain *c, const char *comment)
{
	struct nft_rule *r = XPUSH(c->rules, c->n_rules, c->cap_rules);

	r->comment = strdup_or_null(comment);
	return r;
}

struct nft_stmt *nft_rule_add_stmt(struct nft_rule *r, enum nftr_stmt_type type)
{
	struct nft_stmt *st = XPUSH(r->stmts, r->n_stmts, r->cap_stmts);

	st->type = type;
	return st;
}

struct nft_set *nft_table_add_set(struct nft_table *t, const char *name,
				  const struct nft_key *key,
				  enum nftr_data data_kind,
				  const struct nft_key *data, uint32_t flags,
				  const char *comment)
{
	struct nft_set *s = xcalloc(1, sizeof(*s));
	uint32_t n;

	s->name = xstrdup(name);
	s->comment = strdup_or_null(comment);
	s->family = t->family;
	s->key = *key;
	s->data_kind = data_kind;
	if (data_kind == NFTR_DATA_VALUE && data)
		s->data = *data;
	s->flags = flags;
	s->key_len = nft_key_len(&s->key, s->family);
	s->key_slots = nft_key_slots(&s->key, s->family);
	if (data_kind == NFTR_DATA_VALUE) {
		s->data_len = nft_key_len(&s->data, s->family);
		s->data_slots = nft_key_slots(&s->data, s->family);
	}
	n = (uint32_t)sizeof(struct nft_elem) + s->key_slots + s->data_slots;
	if (flags & NFT_SET_INTERVAL)
		n += s->key_slots;
	s->stride = round4(n);
	s->pool = t->pool;
	*XPUSH(t->sets, t->n_sets, t->cap_sets) = s;
	return s;
}

struct nft_elem *nft_set_add_elem(struct nft_set *s)
{
	struct nft_elem *e;

	s->elems = xgrow(s->elems, &s->cap_elems, s->n_elems + 1, s->stride);
	e = (struct nft_elem *)(s->elems + s->n_elems * s->stride);
	memset(e, 0, s->stride);
	s->n_elems++;
	return e;
}

struct nft_table *nft_ruleset_find_table(const struct nft_ruleset *rs,
					 int family, const char *name)
{
	for (size_t i = 0; i < rs->n_tables; i++) {
		struct nft_table *t = rs->tables[i];

		if (t->family == family && strcmp(t->name, name) == 0)
			return t;
	}
	return NULL;
}

struct nft_chain *nft_table_find_chain(const struct nft_table *t,
				       const char *name)
{
	for (size_t i = 0; i < t->n_chains; i++)
		if (strcmp(t->chains[i]->name, name) == 0)
			return t->chains[i];
	return NULL;
}

struct nft_set *nft_table_find_set(const struct nft_table *t, const char *name)
{
	for (size_t i = 0; i < t->n_sets; i++)
		if (strcmp(t->sets[i]->name, name) == 0)
			return t->sets[i];
	return NULL;
}

struct nft_elem *nft_set_elem(const struct nft_set *s, size_t i)
{
	return (struct nft_elem *)(s->elems + i * s->stride);
}

uint8_t *nft_elem_key(const struct nft_set *s, const struct nft_elem *e)
{
	(void)s;
	return (uint8_t *)e->bytes;
}

uint8_t *nft_elem_key_end(const struct nft_set *s, const struct nft_elem *e)
{
	if (!(s->flags & NFT_SET_INTERVAL))
		return NULL;
	return (uint8_t *)e->bytes + s->key_slots;
}

uint8_t *nft_elem_data(const struct nft_set *s, const struct nft_elem *e)
{
	uint32_t off = s->key_slots;

	if (s->data_kind != NFTR_DATA_VALUE)
		return NULL;
	if (s->flags & NFT_SET_INTERVAL)
		off += s->key_slots;
	return (uint8_t *)e->bytes + off;
}

const char *nft_elem_comment(const struct nft_set *s, const struct nft_elem *e)
{
	return nft_pool_str(s->pool, e->comment);
}

const char *nft_elem_chain(const struct nft_set *s, const struct nft_elem *e)
{
	return nft_pool_str(s->pool, e->chain);
}

/* Compare two keys laid out for k, field by field: numbers in host order
 * numerically, everything else as bytes (network order sorts right). */
static int key_bytes_cmp(const struct nft_key *k, int family, const uint8_t *a,
			 const uint8_t *b)
{
	for (uint8_t i = 0; i < k->n; i++) {
		const struct nft_field_desc *d = &field_descs[k->f[i].kind];
		uint32_t len = nft_field_len(k->f[i].kind, family);
		int r;

		if (d->host_order && len == 4) {
			uint32_t x, y;

			memcpy(&x, a, 4);
			memcpy(&y, b, 4);
			r = (x > y) - (x < y);
		} else {
			r = memcmp(a, b, len);
		}
		if (r)
			return r;
		a += round4(len);
		b += round4(len);
	}
	return 0;
}

int nft_elem_cmp(const struct nft_set *sa, const struct nft_elem *a,
		 const struct nft_set *sb, const struct nft_elem *b)
{
	int r = key_bytes_cmp(&sa->key, sa->family, nft_elem_key(sa, a),
			      nft_elem_key(sb, b));

	if (r || !(sa->flags & NFT_SET_INTERVAL))
		return r;
	return key_bytes_cmp(&sa->key, sa->family, nft_elem_key_end(sa, a),
			     nft_elem_key_end(sb, b));
}

/* Everything but the key, for a deterministic order among duplicates. */
static int elem_rest_cmp(const struct nft_set *sa, const struct nft_elem *a,
			 const struct nft_set *sb, const struct nft_elem *b)
{
	int r;

	if (a->verdict != b->verdict)
		return a->verdict < b->verdict ? -1 : 1;
	r = strcmp_null(nft_elem_chain(sa, a), nft_elem_chain(sb, b));
	if (r)
		return r;
	if (sa->data_kind == NFTR_DATA_VALUE) {
		r = memcmp(nft_elem_data(sa, a), nft_elem_data(sb, b),
			   sa->data_slots);
		if (r)
			return r;
	}
	return strcmp_null(nft_elem_comment(sa, a), nft_elem_comment(sb, b));
}

bool nft_elem_equal(const struct nft_set *sa, const struct nft_elem *a,
		    const struct nft_set *sb, const struct nft_elem *b)
{
	return nft_elem_cmp(sa, a, sb, b) == 0 &&
	       elem_rest_cmp(sa, a, sb, b) == 0;
}

static int elem_qcmp(const void *x, const void *y, void *ctx)
{
	const struct nft_set *s = ctx;
	int r = nft_elem_cmp(s, x, s, y);

	return r ? r : elem_rest_cmp(s, x, s, y);
}

size_t nft_set_sort(struct nft_set *s)
{
	size_t kept = 0;

	if (s->n_elems < 2)
		return 0;
	qsort_r(s->elems, s->n_elems, s->stride, elem_qcmp, s);
	for (size_t i = 0; i < s->n_elems; i++) {
		struct nft_elem *e = nft_set_elem(s, i);

		if (kept &&
		    nft_elem_cmp(s, nft_set_elem(s, kept - 1), s, e) == 0)
			continue;
		if (kept != i)
			memcpy(nft_set_elem(s, kept), e, s->stride);
		kept++;
	}
	kept = s->n_elems - kept;
	s->n_elems -= kept;
	return kept;
}

long nft_set_find(const struct nft_set *s, const uint8_t *key)
{
	size_t lo = 0, hi = s->n_elems;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct nft_elem *e = nft_set_elem(s, mid);
		int r = key_bytes_cmp(&s->key, s->family, nft_elem_key(s, e),
				      key);

		if (r == 0 && (s->flags & NFT_SET_INTERVAL))
			r = key_bytes_cmp(&s->key, s->family,
					  nft_elem_key_end(s, e),
					  key + s->key_slots);
		if (r == 0)
			return (long)mid;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int chain_qcmp(const void *a, const void *b)
{
	const struct nft_chain *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static int set_qcmp(const void *a, const void *b)
{
	const struct nft_set *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static int table_qcmp(const void *a, const void *b)
{
	const struct nft_table *const *x = a, *const *y = b;

	if ((*x)->family != (*y)->family)
		return (*x)->family < (*y)->family ? -1 : 1;
	return strcmp((*x)->name, (*y)->name);
}

size_t nft_ruleset_sort(struct nft_ruleset *rs)
{
	size_t removed = 0;

	if (rs->n_tables > 1)
		qsort(rs->tables, rs->n_tables, sizeof(*rs->tables),
		      table_qcmp);
	for (size_t i = 0; i < rs->n_tables; i++) {
		struct nft_table *t = rs->tables[i];

		if (t->n_chains > 1)
			qsort(t->chains, t->n_chains, sizeof(*t->chains),
			      chain_qcmp);
		if (t->n_sets > 1)
			qsort(t->sets, t->n_sets, sizeof(*t->sets), set_qcmp);
		for (size_t j = 0; j < t->n_sets; j++)
			removed += nft_set_sort(t->sets[j]);
	}
	return removed;
}

bool nft_stmt_equal(const struct nft_stmt *a, const struct nft_stmt *b)
{
	return a->type == b->type && nft_key_equal(&a->key, &b->key) &&
	       a->invert == b->invert && a->len == b->len &&
	       memcmp(a->value, b->value, sizeof(a->value)) == 0 &&
	       memcmp(a->mask, b->mask, sizeof(a->mask)) == 0 &&
	       strcmp_null(a->set, b->set) == 0 && a->verdict == b->verdict &&
	       strcmp_null(a->chain, b->chain) == 0 &&
	       a->addr.family == b->addr.family &&
	       (!a->addr.family || nfp_addr_eq(&a->addr, &b->addr)) &&
	       a->port == b->port && a->nat_flags == b->nat_flags &&
	       a->icmp_code == b->icmp_code && a->mark_mask == b->mark_mask &&
	       a->mark_xor == b->mark_xor && a->timeout_ms == b->timeout_ms;
}

bool nft_rule_equal(const struct nft_rule *a, const struct nft_rule *b)
{
	if (a->n_stmts != b->n_stmts || strcmp_null(a->comment, b->comment))
		return false;
	for (size_t i = 0; i < a->n_stmts; i++)
		if (!nft_stmt_equal(&a->stmts[i], &b->stmts[i]))
			return false;
	return true;
}

bool nft_chain_spec_equal(const struct nft_chain *a, const struct nft_chain *b)
{
	if (strcmp(a->name, b->name) || strcmp_null(a->comment, b->comment) ||
	    a->base != b->base)
		return false;
	return !a->base || (a->type == b->type && a->hook == b->hook &&
			    a->prio == b->prio && a->policy == b->policy);
}

bool nft_chain_equal(const struct nft_chain *a, const struct nft_chain *b)
{
	if (!nft_chain_spec_equal(a, b) || a->n_rules != b->n_rules)
		return false;
	for (size_t i = 0; i < a->n_rules; i++)
		if (!nft_rule_equal(&a->rules[i], &b->rules[i]))
			return false;
	return true;
}

bool nft_set_spec_equal(const struct nft_set *a, const struct nft_set *b)
{
	return strcmp(a->name, b->name) == 0 &&
	       strcmp_null(a->comment, b->comment) == 0 &&
	       a->family == b->family && nft_key_equal(&a->key, &b->key) &&
	       a->data_kind == b->data_kind &&
	       nft_key_equal(&a->data, &b->data) && a->flags == b->flags &&
	       a->timeout_ms == b->timeout_ms && a->size == b->size;
}

bool nft_set_equal(const struct nft_set *a, const struct nft_set *b)
{
	if (!nft_set_spec_equal(a, b) || a->n_elems != b->n_elems)
		return false;
	for (size_t i = 0; i < a->n_elems; i++)
		if (!nft_elem_equal(a, nft_set_elem(a, i), b,
				    nft_set_elem(b, i)))
			return false;
	return true;
}

bool nft_table_equal(const struct nft_table *a, const struct nft_table *b)
{
	if (a->family != b->family || strcmp(a->name, b->name) ||
	    a->n_sets != b->n_sets || a->n_chains != b->n_chains)
		return false;
	for (size_t i = 0; i < a->n_sets; i++)
		if (!nft_set_equal(a->sets[i], b->sets[i]))
			return false;
	for (size_t i = 0; i < a->n_chains; i++)
		if (!nft_chain_equal(a->chains[i], b->chains[i]))
			return false;
	return true;
}

bool nft_ruleset_equal(const struct nft_ruleset *a, const struct nft_ruleset *b)
{
	if (a->n_tables != b->n_tables)
		return false;
	for (size_t i = 0; i < a->n_tables; i++)
		if (!nft_table_equal(a->tables[i], b->tables[i]))
			return false;
	return true;
}
