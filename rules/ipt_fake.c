// SPDX-License-Identifier: GPL-2.0
/* An in-memory x_tables behind struct ipt_table_ops, for unit tests. */
#include "rules/ipt_fake.h"
#include "rules/ipt_entry.h"
#include "rules/ipt_ruleset.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter/x_tables.h>

#define N_FAMILIES 2
/* A chain label as libiptc takes it (xt_chainlabel). */
#define LABEL_LEN 32

enum rule_type { R_STANDARD, R_JUMP, R_MODULE };

struct frule {
	enum rule_type type;
	char target[LABEL_LEN]; /* label, chain or extension name */
	size_t len;
	_Alignas(8) unsigned char entry[];
};

struct fchain {
	char name[LABEL_LEN];
	int hook; /* enum ipt_hook, or -1 for a user chain */
	struct frule **rules;
	size_t n_rules, cap_rules;
	unsigned int refs;
	/* commit checks */
	unsigned int hooks_reaching;
	int mark;
};

/* Built-in chains first in hook order, then user chains by name. */
struct ftable {
	bool exists;
	struct fchain **chains;
	size_t n, cap;
	size_t n_builtin;
};

struct ipt_fake {
	struct ftable tables[N_FAMILIES][__IPT_TABLE_MAX];
	struct ipt_fake_stats stats;
	int fail_commit;
};

struct fhandle {
	struct ipt_fake *f;
	int family;
	struct ftable *committed;
	struct ftable work;
	enum ipt_table_id id;
	bool changed;
	size_t chain_it;
	struct fchain *rule_chain;
	size_t rule_it;
};

/* Target extensions the fake knows, with where the kernel allows them. */
static const struct {
	const char *name;
	int table; /* -1: any */
	unsigned int hooks;
} modules[] = {
	{"DNAT", IPT_TABLE_NAT,
	 1u << IPT_HOOK_PREROUTING | 1u << IPT_HOOK_OUTPUT},
	{"MASQUERADE", IPT_TABLE_NAT, 1u << IPT_HOOK_POSTROUTING},
	{"MARK", -1, (1u << __IPT_HOOK_MAX) - 1},
	{"REJECT", -1,
	 1u << IPT_HOOK_INPUT | 1u << IPT_HOOK_FORWARD | 1u << IPT_HOOK_OUTPUT},
};

static int family_index(int family)
{
	return family == AF_INET ? 0 : family == AF_INET6 ? 1 : -1;
}

static int table_index(const char *name)
{
	for (int t = 0; t < __IPT_TABLE_MAX; t++)
		if (!strcmp(name, ipt_table_name((enum ipt_table_id)t)))
			return t;
	return -1;
}

static struct frule *rule_dup(const struct frule *r)
{
	struct frule *c = xmalloc(sizeof(*c) + r->len);

	memcpy(c, r, sizeof(*c) + r->len);
	return c;
}

static void chain_clear(struct fchain *c)
{
	for (size_t i = 0; i < c->n_rules; i++)
		free(c->rules[i]);
	free(c->rules);
	c->rules = NULL;
	c->n_rules = c->cap_rules = 0;
}

static void table_clear(struct ftable *t)
{
	for (size_t i = 0; i < t->n; i++) {
		chain_clear(t->chains[i]);
		free(t->chains[i]);
	}
	free(t->chains);
	memset(t, 0, sizeof(*t));
}

static void table_copy(struct ftable *dst, const struct ftable *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->exists = src->exists;
	dst->n_builtin = src->n_builtin;
	for (size_t i = 0; i < src->n; i++) {
		const struct fchain *s = src->chains[i];
		struct fchain *c = xcalloc(1, sizeof(*c));

		memcpy(c->name, s->name, sizeof(c->name));
		c->hook = s->hook;
		c->refs = s->refs;
		for (size_t j = 0; j < s->n_rules; j++)
			*XPUSH(c->rules, c->n_rules, c->cap_rules) =
				rule_dup(s->rules[j]);
		*XPUSH(dst->chains, dst->n, dst->cap) = c;
	}
}

static void table_instantiate(struct ftable *t, enum ipt_table_id id)
{
	for (int h = 0; h < __IPT_HOOK_MAX; h++) {
		struct fchain *c;

		if (!ipt_table_has_hook(id, (enum ipt_hook)h))
			continue;
		c = xcalloc(1, sizeof(*c));
		snprintf(c->name, sizeof(c->name), "%s",
			 ipt_hook_name((enum ipt_hook)h));
		c->hook = h;
		*XPUSH(t->chains, t->n, t->cap) = c;
		t->n_builtin++;
	}
	t->exists = true;
}

/* Index of the user chain called name, or where it would go (*found
 * false). */
static size_t user_search(const struct ftable *t, const char *name, bool *found)
{
	size_t lo = t->n_builtin, hi = t->n;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(t->chains[mid]->name, name);

		if (!r) {
			*found = true;
			return mid;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct fchain *find_chain(const struct ftable *t, const char *name)
{
	bool found;
	size_t i;

	for (i = 0; i < t->n_builtin; i++)
		if (!strcmp(t->chains[i]->name, name))
			return t->chains[i];
	i = user_search(t, name, &found);
	return found ? t->chains[i] : NULL;
}

struct ipt_fake *ipt_fake_new(void)
{
	return xcalloc(1, sizeof(struct ipt_fake));
}

void ipt_fake_free(struct ipt_fake *f)
{
	if (!f)
		return;
	for (int i = 0; i < N_FAMILIES; i++)
		for (int t = 0; t < __IPT_TABLE_MAX; t++)
			table_clear(&f->tables[i][t]);
	free(f);
}

const struct ipt_fake_stats *ipt_fake_stats(const struct ipt_fake *f)
{
	return &f->stats;
}

void ipt_fake_reset_stats(struct ipt_fake *f)
{
	memset(&f->stats, 0, sizeof(f->stats));
}

void ipt_fake_fail_commit(struct ipt_fake *f, int err)
{
	f->fail_commit = err;
}

static struct ftable *table_of(const struct ipt_fake *f, int family,
			       const char *table)
{
	int fi = family_index(family), ti = table_index(table);

	if (fi < 0 || ti < 0)
		return NULL;
	return (struct ftable *)&f->tables[fi][ti];
}

static bool f_table_exists(void *ctx, int family, const char *table)
{
	struct ftable *t = table_of(ctx, family, table);

	return t && t->exists;
}

static void *f_open(void *ctx, int family, const char *table, int *err)
{
	struct ipt_fake *f = ctx;
	struct ftable *t = table_of(f, family, table);
	struct fhandle *h;

	if (!t) {
		*err = family_index(family) < 0 ? -EAFNOSUPPORT : -ENOENT;
		return NULL;
	}
	if (!t->exists)
		table_instantiate(t, (enum ipt_table_id)table_index(table));
	h = xcalloc(1, sizeof(*h));
	h->f = f;
	h->family = family;
	h->committed = t;
	h->id = (enum ipt_table_id)table_index(table);
	table_copy(&h->work, t);
	f->stats.opens++;
	return h;
}

static void f_close(void *hp)
{
	struct fhandle *h = hp;

	if (!h)
		return;
	table_clear(&h->work);
	free(h);
}

/* Which hooks reach each chain; -ELOOP on a cycle. */
static int reach(struct fhandle *h, struct fchain *c, unsigned int hooks)
{
	int err = 0;

	if (c->mark == 1)
		return -ELOOP;
	if (c->mark == 2 && (c->hooks_reaching & hooks) == hooks)
		return 0;
	c->hooks_reaching |= hooks;
	c->mark = 1;
	for (size_t i = 0; i < c->n_rules && !err; i++) {
		struct fchain *t;

		if (c->rules[i]->type != R_JUMP)
			continue;
		t = find_chain(&h->work, c->rules[i]->target);
		if (t)
			err = reach(h, t, c->hooks_reaching);
	}
	c->mark = 2;
	return err;
}

static int check_module(const struct fhandle *h, const struct fchain *c,
			const struct frule *r)
{
	for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
		if (strcmp(modules[i].name, r->target))
			continue;
		if (modules[i].table >= 0 && modules[i].table != (int)h->id)
			return -EINVAL;
		if (c->hooks_reaching & ~modules[i].hooks)
			return -EINVAL;
		return 0;
	}
	return -ENOENT;
}

static int validate(struct fhandle *h)
{
	struct ftable *t = &h->work;
	int err = 0;

	for (size_t i = 0; i < t->n; i++) {
		t->chains[i]->mark = 0;
		t->chains[i]->hooks_reaching = 0;
	}
	for (size_t i = 0; i < t->n_builtin && !err; i++)
		err = reach(h, t->chains[i], 1u << t->chains[i]->hook);
	for (size_t i = 0; i < t->n && !err; i++) {
		const struct fchain *c = t->chains[i];

		for (size_t j = 0; j < c->n_rules && !err; j++)
			if (c->rules[j]->type == R_MODULE)
				err = check_module(h, c, c->rules[j]);
	}
	return err;
}

static int f_commit(void *hp)
{
	struct fhandle *h = hp;
	int err;

	if (!h->changed)
		return 0;
	if (h->f->fail_commit) {
		err = h->f->fail_commit;
		h->f->fail_commit = 0;
		return err;
	}
	err = validate(h);
	if (err)
		return err;
	table_clear(h->committed);
	table_copy(h->committed, &h->work);
	h->f->stats.commits++;
	h->changed = false;
	return 0;
}

static const char *f_first_chain(void *hp)
{
	struct fhandle *h = hp;

	h->chain_it = 0;
	if (!h->work.n)
		return NULL;
	return h->work.chains[h->chain_it++]->name;
}

static const char *f_next_chain(void *hp)
{
	struct fhandle *h = hp;

	if (h->chain_it >= h->work.n)
		return NULL;
	return h->work.chains[h->chain_it++]->name;
}

static bool f_builtin(void *hp, const char *chain)
{
	struct fhandle *h = hp;
	struct fchain *c = find_chain(&h->work, chain);

	return c && c->hook >= 0;
}

static const void *f_first_rule(void *hp, const char *chain)
{
	struct fhandle *h = hp;
	struct fchain *c = find_chain(&h->work, chain);

	h->rule_chain = c;
	h->rule_it = 0;
	if (!c || !c->n_rules)
		return NULL;
	return c->rules[0]->entry;
}

static const void *f_next_rule(void *hp, const void *prev)
{
	struct fhandle *h = hp;

	(void)prev; /* like libiptc, the iterator is in the handle */
	if (!h->rule_chain || h->rule_it + 1 >= h->rule_chain->n_rules)
		return NULL;
	return h->rule_chain->rules[++h->rule_it]->entry;
}

static const char *f_rule_target(void *hp, const void *entry)
{
	const struct frule *r = (const void *)((const unsigned char *)entry -
					       offsetof(struct frule, entry));

	(void)hp;
	return r->target;
}

static int f_create_chain(void *hp, const char *chain)
{
	struct fhandle *h = hp;
	struct fchain *c;
	bool found;
	size_t at;

	if (strlen(chain) >= XT_EXTENSION_MAXNAMELEN)
		return -EINVAL;
	if (find_chain(&h->work, chain) || !strcmp(chain, "ACCEPT") ||
	    !strcmp(chain, "DROP") || !strcmp(chain, "RETURN") ||
	    !strcmp(chain, "QUEUE"))
		return -EEXIST;
	at = user_search(&h->work, chain, &found);
	c = xcalloc(1, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", chain);
	c->hook = -1;
	XPUSH(h->work.chains, h->work.n, h->work.cap);
	memmove(&h->work.chains[at + 1], &h->work.chains[at],
		(h->work.n - 1 - at) * sizeof(*h->work.chains));
	h->work.chains[at] = c;
	h->changed = true;
	h->f->stats.chains_created++;
	return 0;
}

static void unref(struct fhandle *h, const struct frule *r)
{
	struct fchain *t;

	if (r->type == R_JUMP && (t = find_chain(&h->work, r->target)))
		t->refs--;
}

static int f_flush_chain(void *hp, const char *chain)
{
	struct fhandle *h = hp;
	struct fchain *c = find_chain(&h->work, chain);

	if (!c)
		return -ENOENT;
	for (size_t i = 0; i < c->n_rules; i++)
		unref(h, c->rules[i]);
	chain_clear(c);
	h->changed = true;
	h->f->stats.chains_flushed++;
	return 0;
}

static int f_references(void *hp, const char *chain, unsigned int *refs)
{
	struct fhandle *h = hp;
	struct fchain *c = find_chain(&h->work, chain);

	if (!c)
		return -ENOENT;
	*refs = c->refs;
	return 0;
}

static int f_delete_chain(void *hp, const char *chain)
{
	struct fhandle *h = hp;
	struct fchain *c = find_chain(&h->work, chain);
	bool found;
	size_t at;

	if (!c)
		return -ENOENT;
	if (c->hook >= 0)
		return -EINVAL;
	if (c->refs)
		return -EMLINK;
	if (c->n_rules)
		return -ENOTEMPTY;
	at = user_search(&h->work, chain, &found);
	memmove(&h->work.chains[at], &h->work.chains[at + 1],
		(h->work.n - at - 1) * sizeof(*h->work.chains));
	h->work.n--;
	free(c);
	h->changed = true;
	h->f->stats.chains_deleted++;
	return 0;
}

/* Sizes must add up as the kernel's check_entry_size_and_hooks wants. */
static bool entry_ok(int family, const void *e)
{
	size_t hdr = ipt_entry_header_len(family);
	size_t to = ipt_entry_target_offset(family, e);
	size_t next = ipt_entry_next_offset(family, e);
	size_t off = hdr;
	const struct xt_entry_target *t;
	const struct xt_entry_match *m;

	if (to < hdr || to + sizeof(*t) > next || to % 8 || next % 8)
		return false;
	for (unsigned int i = 0; (m = ipt_entry_get_match(family, e, i)); i++)
		off += m->u.match_size;
	t = ipt_entry_get_target(family, e);
	return off == to && t->u.target_size == next - to;
}

static struct frule *make_rule(struct fhandle *h, const void *entry, int *err)
{
	const struct xt_entry_target *t;
	size_t len;
	struct frule *r;
	struct fchain *c;

	if (!entry_ok(h->family, entry)) {
		*err = -EINVAL;
		return NULL;
	}
	len = ipt_entry_next_offset(h->family, entry);
	t = ipt_entry_get_target(h->family, entry);
	r = xcalloc(1, sizeof(*r) + len);
	memcpy(r->entry, entry, len);
	r->len = len;
	snprintf(r->target, sizeof(r->target), "%.*s", XT_EXTENSION_MAXNAMELEN,
		 t->u.user.name);
	if (!r->target[0]) {
		*err = -EINVAL; /* the kernel's form: not for appending */
		free(r);
		return NULL;
	}
	if (!strcmp(r->target, "ACCEPT") || !strcmp(r->target, "DROP") ||
	    !strcmp(r->target, "RETURN") || !strcmp(r->target, "QUEUE")) {
		r->type = R_STANDARD;
	} else if ((c = find_chain(&h->work, r->target))) {
		if (c->hook >= 0) {
			*err = -EINVAL;
			free(r);
			return NULL;
		}
		r->type = R_JUMP;
		c->refs++;
	} else {
		r->type = R_MODULE; /* the kernel decides at commit */
	}
	return r;
}

static int insert_at(struct fhandle *h, const char *chain, const void *entry,
		     size_t pos, bool append)
{
	struct fchain *c = find_chain(&h->work, chain);
	struct frule *r;
	int err = 0;

	if (!c)
		return -ENOENT;
	if (append)
		pos = c->n_rules;
	if (pos > c->n_rules)
		return -E2BIG;
	r = make_rule(h, entry, &err);
	if (!r)
		return err;
	XPUSH(c->rules, c->n_rules, c->cap_rules);
	memmove(&c->rules[pos + 1], &c->rules[pos],
		(c->n_rules - 1 - pos) * sizeof(*c->rules));
	c->rules[pos] = r;
	h->changed = true;
	if (append)
		h->f->stats.rules_appended++;
	else
		h->f->stats.rules_inserted++;
	return 0;
}

static int f_append_rule(void *hp, const char *chain, const void *entry)
{
	return insert_at(hp, chain, entry, 0, true);
}

static int f_insert_rule(void *hp, const char *chain, const void *entry,
			 unsigned int pos)
{
	return insert_at(hp, chain, entry, pos, false);
}

static int f_delete_rule(void *hp, const char *chain, unsigned int pos)
{
	struct fhandle *h = hp;
	struct fchain *c = find_chain(&h->work, chain);

	if (!c)
		return -ENOENT;
	if (pos >= c->n_rules)
		return -E2BIG;
	unref(h, c->rules[pos]);
	free(c->rules[pos]);
	memmove(&c->rules[pos], &c->rules[pos + 1],
		(c->n_rules - pos - 1) * sizeof(*c->rules));
	c->n_rules--;
	h->changed = true;
	h->f->stats.rules_deleted++;
	return 0;
}

const struct ipt_table_ops ipt_fake_ops = {
	.table_exists = f_table_exists,
	.open = f_open,
	.commit = f_commit,
	.close = f_close,
	.first_chain = f_first_chain,
	.next_chain = f_next_chain,
	.builtin = f_builtin,
	.first_rule = f_first_rule,
	.next_rule = f_next_rule,
	.rule_target = f_rule_target,
	.create_chain = f_create_chain,
	.flush_chain = f_flush_chain,
	.delete_chain = f_delete_chain,
	.references = f_references,
	.append_rule = f_append_rule,
	.insert_rule = f_insert_rule,
	.delete_rule = f_delete_rule,
};

static void dump_rule(struct strbuf *sb, int family, const char *chain,
		      const struct frule *r)
{
	const struct xt_entry_match *m;
	const char *comment = ipt_entry_comment(family, r->entry);

	strbuf_addf(sb, "-A %s", chain);
	for (unsigned int i = 0; (m = ipt_entry_get_match(family, r->entry, i));
	     i++)
		if (strcmp(m->u.user.name, "comment"))
			strbuf_addf(sb, " -m %s", m->u.user.name);
	strbuf_addf(sb, " %s %s",
		    ipt_entry_is_goto(family, r->entry) ? "-g" : "-j",
		    r->target);
	if (comment)
		strbuf_addf(sb, " \"%s\"", comment);
	strbuf_adds(sb, "\n");
}

char *ipt_fake_dump(const struct ipt_fake *f, int family, const char *table)
{
	const struct ftable *t = table_of(f, family, table);
	struct strbuf sb = {0};

	if (!t || !t->exists)
		return strbuf_detach(&sb);
	for (size_t i = 0; i < t->n; i++)
		strbuf_addf(&sb, ":%s\n", t->chains[i]->name);
	for (size_t i = 0; i < t->n; i++) {
		const struct fchain *c = t->chains[i];

		for (size_t j = 0; j < c->n_rules; j++)
			dump_rule(&sb, family, c->name, c->rules[j]);
	}
	return strbuf_detach(&sb);
}
