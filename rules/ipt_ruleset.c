// SPDX-License-Identifier: GPL-2.0
/* The iptables ruleset: construction, lookup, equality and names. */
#include "rules/ipt_ruleset.h"
#include "rules/sha256.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_comment.h>

/* Our constants are the kernel's; the installer copies them as they are. */
_Static_assert(IPT_ADDRTYPE_UNICAST == XT_ADDRTYPE_UNICAST, "addrtype");
_Static_assert(IPT_ADDRTYPE_LOCAL == XT_ADDRTYPE_LOCAL, "addrtype");
_Static_assert(IPT_ADDRTYPE_INVERT_SOURCE == XT_ADDRTYPE_INVERT_SOURCE,
	       "addrtype flags");
_Static_assert(IPT_ADDRTYPE_INVERT_DEST == XT_ADDRTYPE_INVERT_DEST,
	       "addrtype flags");
_Static_assert(IPT_ADDRTYPE_LIMIT_IFACE_IN == XT_ADDRTYPE_LIMIT_IFACE_IN,
	       "addrtype flags");
_Static_assert(IPT_ADDRTYPE_LIMIT_IFACE_OUT == XT_ADDRTYPE_LIMIT_IFACE_OUT,
	       "addrtype flags");
_Static_assert(IPT_CTSTATE_INVALID == XT_CONNTRACK_STATE_INVALID, "ctstate");
_Static_assert(IPT_CTSTATE_ESTABLISHED ==
		       XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED),
	       "ctstate");
_Static_assert(IPT_CTSTATE_RELATED == XT_CONNTRACK_STATE_BIT(IP_CT_RELATED),
	       "ctstate");
_Static_assert(IPT_CTSTATE_NEW == XT_CONNTRACK_STATE_BIT(IP_CT_NEW), "ctstate");
_Static_assert(IPT_CTSTATE_DNAT == XT_CONNTRACK_STATE_DNAT, "ctstate");
_Static_assert(IPT_COMMENT_LEN == XT_MAX_COMMENT_LEN, "comment");

static const char *const table_names[__IPT_TABLE_MAX] = {
	[IPT_TABLE_FILTER] = "filter",
	[IPT_TABLE_NAT] = "nat",
};

static const char *const hook_names[__IPT_HOOK_MAX] = {
	[IPT_HOOK_PREROUTING] = "PREROUTING",	[IPT_HOOK_INPUT] = "INPUT",
	[IPT_HOOK_FORWARD] = "FORWARD",		[IPT_HOOK_OUTPUT] = "OUTPUT",
	[IPT_HOOK_POSTROUTING] = "POSTROUTING",
};

/* Which built-in chains each table has, as the kernel registers them. */
static const unsigned int table_hooks[__IPT_TABLE_MAX] = {
	[IPT_TABLE_FILTER] = 1u << IPT_HOOK_INPUT | 1u << IPT_HOOK_FORWARD |
			     1u << IPT_HOOK_OUTPUT,
	[IPT_TABLE_NAT] = 1u << IPT_HOOK_PREROUTING | 1u << IPT_HOOK_INPUT |
			  1u << IPT_HOOK_OUTPUT | 1u << IPT_HOOK_POSTROUTING,
};

const char *ipt_table_name(enum ipt_table_id id)
{
	return id < __IPT_TABLE_MAX ? table_names[id] : "?";
}

const char *ipt_hook_name(enum ipt_hook h)
{
	return h < __IPT_HOOK_MAX ? hook_names[h] : "?";
}

bool ipt_table_has_hook(enum ipt_table_id id, enum ipt_hook h)
{
	return id < __IPT_TABLE_MAX && h < __IPT_HOOK_MAX &&
	       (table_hooks[id] & (1u << h));
}

static void copy_name(char *dst, const char *src)
{
	snprintf(dst, IPT_CHAIN_LEN, "%s", src);
}

void ipt_ruleset_init(struct ipt_ruleset *rs, int family)
{
	memset(rs, 0, sizeof(*rs));
	rs->family = family;
	for (int t = 0; t < __IPT_TABLE_MAX; t++) {
		struct ipt_table *tb = &rs->tables[t];

		tb->id = (enum ipt_table_id)t;
		for (int h = 0; h < __IPT_HOOK_MAX; h++) {
			copy_name(tb->hooks[h].name, hook_names[h]);
			tb->hooks[h].builtin = true;
		}
	}
}

static void match_release(struct ipt_match *m)
{
	if (m->kind == IPT_MATCH_COMMENT)
		free(m->comment.text);
}

static void rule_release(struct ipt_rule *r)
{
	for (size_t i = 0; i < r->n_matches; i++)
		match_release(&r->matches[i]);
	free(r->matches);
}

static void chain_release(struct ipt_chain *c)
{
	for (size_t i = 0; i < c->n_rules; i++)
		rule_release(&c->rules[i]);
	free(c->rules);
	c->rules = NULL;
	c->n_rules = c->cap_rules = 0;
}

void ipt_ruleset_release(struct ipt_ruleset *rs)
{
	int family;

	if (!rs)
		return;
	family = rs->family;
	for (int t = 0; t < __IPT_TABLE_MAX; t++) {
		struct ipt_table *tb = &rs->tables[t];

		for (int h = 0; h < __IPT_HOOK_MAX; h++)
			chain_release(&tb->hooks[h]);
		for (size_t i = 0; i < tb->n_chains; i++) {
			chain_release(tb->chains[i]);
			free(tb->chains[i]);
		}
		free(tb->chains);
		free(tb->by_name);
	}
	ipt_ruleset_init(rs, family);
}

struct ipt_chain *ipt_table_add_chain(struct ipt_table *t, const char *name)
{
	struct ipt_chain *c = xcalloc(1, sizeof(*c));

	copy_name(c->name, name);
	*XPUSH(t->chains, t->n_chains, t->cap_chains) = c;
	free(t->by_name);
	t->by_name = NULL;
	return c;
}

struct ipt_chain *ipt_table_hook(struct ipt_table *t, enum ipt_hook h)
{
	if (!ipt_table_has_hook(t->id, h))
		return NULL;
	return &t->hooks[h];
}

struct ipt_chain *ipt_table_find_chain(const struct ipt_table *t,
				       const char *name)
{
	size_t lo = 0, hi = t->n_chains;

	if (!t->by_name) {
		for (size_t i = 0; i < t->n_chains; i++)
			if (!strcmp(t->chains[i]->name, name))
				return t->chains[i];
		return NULL;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct ipt_chain *c = t->chains[t->by_name[mid]];
		int r = strcmp(c->name, name);

		if (!r)
			return c;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct name_index {
	const char *name;
	size_t i;
};

static int name_index_cmp(const void *a, const void *b)
{
	const struct name_index *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static void check_jumps(const struct ipt_table *t, const struct ipt_chain *c,
			const char *family, struct diag_list *d, int *err)
{
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct ipt_target *tg = &c->rules[i].target;

		if (tg->kind != IPT_TARGET_JUMP && tg->kind != IPT_TARGET_GOTO)
			continue;
		if (ipt_table_find_chain(t, tg->chain))
			continue;
		diag_addf(
			d, DIAG_ERROR,
			"%s %s: rule %zu of chain %s jumps to missing chain %s",
			family, ipt_table_name(t->id), i + 1, c->name,
			tg->chain);
		*err = -EINVAL;
	}
}

static int table_finish(struct ipt_table *t, const char *family,
			struct diag_list *d)
{
	struct name_index *idx;
	int err = 0;

	idx = xcalloc(t->n_chains ? t->n_chains : 1, sizeof(*idx));
	for (size_t i = 0; i < t->n_chains; i++) {
		idx[i].name = t->chains[i]->name;
		idx[i].i = i;
	}
	qsort(idx, t->n_chains, sizeof(*idx), name_index_cmp);
	free(t->by_name);
	t->by_name = xcalloc(t->n_chains ? t->n_chains : 1, sizeof(size_t));
	for (size_t i = 0; i < t->n_chains; i++) {
		t->by_name[i] = idx[i].i;
		if (i && !strcmp(idx[i - 1].name, idx[i].name)) {
			diag_addf(d, DIAG_ERROR, "%s %s: chain %s made twice",
				  family, ipt_table_name(t->id), idx[i].name);
			err = -EINVAL;
		}
	}
	free(idx);
	for (int h = 0; h < __IPT_HOOK_MAX; h++) {
		if (ipt_table_has_hook(t->id, (enum ipt_hook)h))
			check_jumps(t, &t->hooks[h], family, d, &err);
		else if (t->hooks[h].n_rules) {
			diag_addf(d, DIAG_ERROR, "%s %s has no chain %s",
				  family, ipt_table_name(t->id), hook_names[h]);
			err = -EINVAL;
		}
	}
	for (size_t i = 0; i < t->n_chains; i++)
		check_jumps(t, t->chains[i], family, d, &err);
	return err;
}

int ipt_ruleset_finish(struct ipt_ruleset *rs, struct diag_list *d)
{
	const char *family = rs->family == AF_INET6 ? "ip6tables" : "iptables";
	int err = 0;

	for (int t = 0; t < __IPT_TABLE_MAX; t++) {
		int r = table_finish(&rs->tables[t], family, d);

		if (r)
			err = r;
	}
	return err;
}

struct ipt_rule *ipt_chain_add_rule(struct ipt_chain *c)
{
	struct ipt_rule *r = XPUSH(c->rules, c->n_rules, c->cap_rules);

	r->target.kind = IPT_TARGET_ACCEPT;
	return r;
}

struct ipt_match *ipt_rule_add_match(struct ipt_rule *r,
				     enum ipt_match_kind kind)
{
	struct ipt_match *m;

	/* Rules hold a handful of matches: grow one at a time. */
	r->matches = xrealloc(r->matches, (r->n_matches + 1) * sizeof(*m));
	m = &r->matches[r->n_matches++];
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	return m;
}

void ipt_rule_comment(struct ipt_rule *r, const char *fmt, ...)
{
	struct ipt_match *m = ipt_rule_add_match(r, IPT_MATCH_COMMENT);
	struct strbuf sb = {0};
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	m->comment.text = strbuf_detach(&sb);
	/* The kernel keeps 255 bytes; cut here so that what we compare with
	 * a dump is what the kernel holds. */
	if (strlen(m->comment.text) >= IPT_COMMENT_LEN)
		m->comment.text[IPT_COMMENT_LEN - 1] = '\0';
}

static const enum ipt_match_kind port_matches[__NFP_PROTO_MAX] = {
	[NFP_PROTO_TCP] = IPT_MATCH_TCP,
	[NFP_PROTO_UDP] = IPT_MATCH_UDP,
	[NFP_PROTO_SCTP] = IPT_MATCH_SCTP,
};

void ipt_rule_dport(struct ipt_rule *r, enum nfp_proto proto, uint16_t port)
{
	struct ipt_match *m;

	r->proto = (uint8_t)nfp_proto_ipproto(proto);
	m = ipt_rule_add_match(r, port_matches[proto]);
	m->port.dport = port;
}

void ipt_rule_mark(struct ipt_rule *r, uint32_t mark, uint32_t mask,
		   bool invert)
{
	struct ipt_match *m = ipt_rule_add_match(r, IPT_MATCH_MARK);

	m->mark.mark = mark;
	m->mark.mask = mask;
	m->mark.invert = invert;
}

void ipt_rule_addrtype(struct ipt_rule *r, uint16_t src_type, uint16_t dst_type,
		       uint32_t flags)
{
	struct ipt_match *m = ipt_rule_add_match(r, IPT_MATCH_ADDRTYPE);

	m->addrtype.src_type = src_type;
	m->addrtype.dst_type = dst_type;
	m->addrtype.flags = flags;
}

void ipt_rule_probability(struct ipt_rule *r, double probability)
{
	struct ipt_match *m = ipt_rule_add_match(r, IPT_MATCH_STATISTIC);

	m->statistic.probability = probability;
}

void ipt_rule_recent(struct ipt_rule *r, const char *name,
		     enum ipt_recent_cmd cmd, uint32_t seconds, bool reap)
{
	struct ipt_match *m = ipt_rule_add_match(r, IPT_MATCH_RECENT);

	copy_name(m->recent.name, name);
	m->recent.cmd = cmd;
	m->recent.seconds = seconds;
	m->recent.reap = reap;
}

void ipt_rule_ctstate(struct ipt_rule *r, uint32_t states, bool invert)
{
	struct ipt_match *m = ipt_rule_add_match(r, IPT_MATCH_CONNTRACK);

	m->conntrack.states = states;
	m->conntrack.invert = invert;
}

void ipt_rule_jump(struct ipt_rule *r, const char *chain)
{
	memset(&r->target, 0, sizeof(r->target));
	r->target.kind = IPT_TARGET_JUMP;
	copy_name(r->target.chain, chain);
}

void ipt_rule_verdict(struct ipt_rule *r, enum ipt_target_kind kind)
{
	memset(&r->target, 0, sizeof(r->target));
	r->target.kind = kind;
}

void ipt_rule_dnat(struct ipt_rule *r, const struct nfp_addr *addr,
		   uint16_t port)
{
	memset(&r->target, 0, sizeof(r->target));
	r->target.kind = IPT_TARGET_DNAT;
	r->target.dnat.addr = *addr;
	r->target.dnat.port = port;
}

void ipt_rule_masquerade(struct ipt_rule *r, bool random_fully)
{
	memset(&r->target, 0, sizeof(r->target));
	r->target.kind = IPT_TARGET_MASQUERADE;
	r->target.masq.random_fully = random_fully;
}

void ipt_rule_set_mark(struct ipt_rule *r, enum ipt_mark_op op, uint32_t value)
{
	memset(&r->target, 0, sizeof(r->target));
	r->target.kind = IPT_TARGET_MARK;
	r->target.mark.op = op;
	r->target.mark.value = value;
}

void ipt_rule_reject(struct ipt_rule *r)
{
	memset(&r->target, 0, sizeof(r->target));
	r->target.kind = IPT_TARGET_REJECT;
	r->target.reject.with = IPT_REJECT_PORT_UNREACH;
}

bool ipt_match_eq(const struct ipt_match *a, const struct ipt_match *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case IPT_MATCH_COMMENT:
		return !strcmp(a->comment.text, b->comment.text);
	case IPT_MATCH_TCP:
	case IPT_MATCH_UDP:
	case IPT_MATCH_SCTP:
		return a->port.dport == b->port.dport &&
		       a->port.invert == b->port.invert;
	case IPT_MATCH_MARK:
		return a->mark.mark == b->mark.mark &&
		       a->mark.mask == b->mark.mask &&
		       a->mark.invert == b->mark.invert;
	case IPT_MATCH_ADDRTYPE:
		return a->addrtype.src_type == b->addrtype.src_type &&
		       a->addrtype.dst_type == b->addrtype.dst_type &&
		       a->addrtype.flags == b->addrtype.flags;
	case IPT_MATCH_STATISTIC:
		return ipt_statistic_probability(a->statistic.probability) ==
		       ipt_statistic_probability(b->statistic.probability);
	case IPT_MATCH_RECENT:
		return !strcmp(a->recent.name, b->recent.name) &&
		       a->recent.cmd == b->recent.cmd &&
		       a->recent.seconds == b->recent.seconds &&
		       a->recent.reap == b->recent.reap &&
		       a->recent.rdest == b->recent.rdest;
	case IPT_MATCH_CONNTRACK:
		return a->conntrack.states == b->conntrack.states &&
		       a->conntrack.invert == b->conntrack.invert;
	case __IPT_MATCH_MAX:
		break;
	}
	return false;
}

static bool target_eq(const struct ipt_target *a, const struct ipt_target *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case IPT_TARGET_JUMP:
	case IPT_TARGET_GOTO:
		return !strcmp(a->chain, b->chain);
	case IPT_TARGET_ACCEPT:
	case IPT_TARGET_DROP:
	case IPT_TARGET_RETURN:
		return true;
	case IPT_TARGET_DNAT:
		return nfp_addr_eq(&a->dnat.addr, &b->dnat.addr) &&
		       a->dnat.port == b->dnat.port;
	case IPT_TARGET_MASQUERADE:
		return a->masq.random_fully == b->masq.random_fully;
	case IPT_TARGET_MARK:
		return a->mark.op == b->mark.op &&
		       a->mark.value == b->mark.value;
	case IPT_TARGET_REJECT:
		return a->reject.with == b->reject.with;
	case __IPT_TARGET_MAX:
		break;
	}
	return false;
}

static bool cidr_eq(const struct nfp_cidr *a, const struct nfp_cidr *b)
{
	/* Family 0 and a /0 of the table's family both match anything. */
	bool any_a = !a->addr.family || !a->prefix;
	bool any_b = !b->addr.family || !b->prefix;

	if (any_a || any_b)
		return any_a == any_b;
	return nfp_cidr_cmp(a, b) == 0;
}

bool ipt_rule_eq(const struct ipt_rule *a, const struct ipt_rule *b)
{
	if (!cidr_eq(&a->src, &b->src) || !cidr_eq(&a->dst, &b->dst) ||
	    strncmp(a->in_iface, b->in_iface, IFNAMSIZ) ||
	    strncmp(a->out_iface, b->out_iface, IFNAMSIZ) ||
	    a->proto != b->proto || a->src_inv != b->src_inv ||
	    a->dst_inv != b->dst_inv || a->in_inv != b->in_inv ||
	    a->out_inv != b->out_inv || a->proto_inv != b->proto_inv ||
	    a->n_matches != b->n_matches)
		return false;
	for (size_t i = 0; i < a->n_matches; i++)
		if (!ipt_match_eq(&a->matches[i], &b->matches[i]))
			return false;
	return target_eq(&a->target, &b->target);
}

bool ipt_chain_eq(const struct ipt_chain *a, const struct ipt_chain *b)
{
	if (strcmp(a->name, b->name) || a->n_rules != b->n_rules)
		return false;
	for (size_t i = 0; i < a->n_rules; i++)
		if (!ipt_rule_eq(&a->rules[i], &b->rules[i]))
			return false;
	return true;
}

const char *ipt_rule_comment_text(const struct ipt_rule *r)
{
	for (size_t i = 0; i < r->n_matches; i++)
		if (r->matches[i].kind == IPT_MATCH_COMMENT)
			return r->matches[i].comment.text;
	return NULL;
}

const char *ipt_probability_str(double probability, char *buf)
{
	snprintf(buf, 16, "%.10f", probability);
	return buf;
}

uint32_t ipt_statistic_probability(double probability)
{
	char buf[16];
	double v;

	/* libxt_statistic: lround(0x80000000 * strtod(text)); rounding by
	 * hand keeps libm out of the link. */
	ipt_probability_str(probability, buf);
	v = 0x80000000 * strtod(buf, NULL);
	if (v <= 0)
		return 0;
	return (uint32_t)(v + 0.5);
}

/* RFC 4648 base32 of the first bytes of the SHA-256 of key: 16 characters
 * take 80 bits, 10 bytes. */
static void hash_name(char *out, const char *prefix, const char *key,
		      size_t key_len)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint8_t d[SHA256_DIGEST_LEN];
	char enc[IPT_HASH_LEN + 1];

	sha256_digest(key, key_len, d);
	for (int g = 0; g < IPT_HASH_LEN / 8; g++) {
		const uint8_t *b = d + 5 * g;
		uint64_t v = (uint64_t)b[0] << 32 | (uint64_t)b[1] << 24 |
			     (uint64_t)b[2] << 16 | (uint64_t)b[3] << 8 | b[4];

		for (int i = 0; i < 8; i++)
			enc[8 * g + i] = alphabet[(v >> (35 - 5 * i)) & 31];
	}
	enc[IPT_HASH_LEN] = '\0';
	snprintf(out, IPT_CHAIN_LEN, "%s%s", prefix, enc);
}

void ipt_name_service(char *out, const char *prefix, const char *spn,
		      enum nfp_proto proto)
{
	struct strbuf key = {0};

	strbuf_addf(&key, "%s%s", spn, nfp_proto_name(proto));
	hash_name(out, prefix, key.buf, key.len);
	strbuf_release(&key);
}

void ipt_name_endpoint(char *out, const char *spn, enum nfp_proto proto,
		       const struct nfp_addr *addr, uint16_t port)
{
	struct strbuf key = {0};
	char ip[NFP_ADDR_STRLEN];

	nfp_addr_str(addr, ip);
	if (addr->family == AF_INET6)
		strbuf_addf(&key, "%s%s[%s]:%u", spn, nfp_proto_name(proto), ip,
			    port);
	else
		strbuf_addf(&key, "%s%s%s:%u", spn, nfp_proto_name(proto), ip,
			    port);
	hash_name(out, IPT_PREFIX_SEP, key.buf, key.len);
	strbuf_release(&key);
}

void ipt_name_hostport(char *out, const char *pod)
{
	hash_name(out, IPT_PREFIX_HP, pod, strlen(pod));
}

bool ipt_name_is_ours(const char *chain)
{
	return !strncmp(chain, IPT_PREFIX, strlen(IPT_PREFIX));
}
