/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_RULES_IPT_RULESET_H
#define NFP_RULES_IPT_RULESET_H

/*
 * The iptables back end's ruleset: what kube-nfproxy wants the kernel's
 * x_tables to hold for one family (iptables or ip6tables), as structured
 * data rather than text. ipt_compile() builds it from a plan, ipt_print()
 * writes it as iptables-restore text, and the libiptc installer turns each
 * rule into a struct ipt_entry / ip6t_entry with its xt_entry_match and
 * xt_entry_target payloads. Every field maps onto one kernel field; the
 * comment beside each type names the kernel structure it becomes.
 *
 *   ipt_ruleset (family)
 *     tables[IPT_TABLE_FILTER], tables[IPT_TABLE_NAT]
 *       hooks[PREROUTING..POSTROUTING]  built-in chains: only the jump
 *                                       rules we need there, in order
 *       chains[]                        our own NFP- chains, in creation
 *         rules[]                       order; by_name[] sorts them
 *           entry fields (src, dst, ifaces, proto, inversions)
 *           matches[] (typed, in order) and one typed target
 *
 * Everything is owned by the ruleset: ipt_ruleset_release() frees it all.
 * Names of kernel objects (chains, recent lists) are made here and nowhere
 * else: the IPT_CHAIN_* constants and the ipt_name_*() functions.
 */

#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"
#include "util/diag.h"
#include "util/proto.h"

/* A chain name with its NUL: iptables allows 28 characters. */
#define IPT_CHAIN_LEN 29
/* A comment with its NUL (XT_MAX_COMMENT_LEN). */
#define IPT_COMMENT_LEN 256
/* The start of the comment of every rule of ours that does not belong to
 * one service; ipt_apply tells our jump rules in the built-in chains from
 * other programs' by it (a jump to an NFP- chain with this comment). */
#define IPT_COMMENT_PREFIX "kube-nfproxy"

/* Our fixed chains (both families, table in the comment). */
#define IPT_PREFIX "NFP-"
#define IPT_CHAIN_SERVICES "NFP-SERVICES"		    /* nat, filter */
#define IPT_CHAIN_EXTERNAL_SERVICES "NFP-EXTERNAL-SERVICES" /* filter */
#define IPT_CHAIN_NODEPORTS "NFP-NODEPORTS"		    /* nat, filter */
#define IPT_CHAIN_POSTROUTING "NFP-POSTROUTING"		    /* nat */
#define IPT_CHAIN_MARK_MASQ "NFP-MARK-MASQ"		    /* nat */
#define IPT_CHAIN_MARK_MASQ_NONPOD "NFP-MARK-MASQ-NONPOD"   /* nat */
#define IPT_CHAIN_FORWARD "NFP-FORWARD"			    /* filter */
#define IPT_CHAIN_PROXY_FIREWALL "NFP-PROXY-FIREWALL"	    /* filter */
#define IPT_CHAIN_FIREWALL "NFP-FIREWALL"		    /* filter */
#define IPT_CHAIN_HOSTPORTS "NFP-HOSTPORTS"		    /* nat */
#define IPT_CHAIN_MASQ_EGRESS "NFP-MASQ-EGRESS"		    /* nat */

/* Prefixes of the per-object chains; a 16-character hash follows. */
#define IPT_PREFIX_SVC "NFP-SVC-" /* a service port, cluster endpoints */
#define IPT_PREFIX_SVL "NFP-SVL-" /* a service port, local endpoints */
#define IPT_PREFIX_EXT "NFP-EXT-" /* a service port, external traffic */
#define IPT_PREFIX_FW "NFP-FW-"	  /* loadBalancerSourceRanges */
#define IPT_PREFIX_SEP "NFP-SEP-" /* one endpoint of a service port */
#define IPT_PREFIX_HP "NFP-HP-"	  /* the hostPorts of one pod */
#define IPT_HASH_LEN 16

/* The packet mark bit that asks NFP-POSTROUTING to masquerade. */
#define IPT_MARK_MASQ 0x4000u

enum ipt_table_id { IPT_TABLE_FILTER, IPT_TABLE_NAT, __IPT_TABLE_MAX };

/* Built-in chains; values are the kernel's NF_INET_* hook numbers. */
enum ipt_hook {
	IPT_HOOK_PREROUTING,
	IPT_HOOK_INPUT,
	IPT_HOOK_FORWARD,
	IPT_HOOK_OUTPUT,
	IPT_HOOK_POSTROUTING,
	__IPT_HOOK_MAX
};

enum ipt_match_kind {
	IPT_MATCH_COMMENT,   /* "comment" rev 0: struct xt_comment_info */
	IPT_MATCH_TCP,	     /* "tcp" rev 0: struct xt_tcp */
	IPT_MATCH_UDP,	     /* "udp" rev 0: struct xt_udp */
	IPT_MATCH_SCTP,	     /* "sctp" rev 0: struct xt_sctp_info */
	IPT_MATCH_MARK,	     /* "mark" rev 1: struct xt_mark_mtinfo1 */
	IPT_MATCH_ADDRTYPE,  /* "addrtype" rev 1: struct xt_addrtype_info_v1 */
	IPT_MATCH_STATISTIC, /* "statistic" rev 0: struct xt_statistic_info */
	IPT_MATCH_RECENT,    /* "recent" rev 1: struct xt_recent_mtinfo_v1 */
	IPT_MATCH_CONNTRACK, /* "conntrack" rev 3: xt_conntrack_mtinfo3 */
	__IPT_MATCH_MAX
};

/* Address types (xt_addrtype_info_v1.source/.dest): the kernel's
 * XT_ADDRTYPE_* bits, 1 << RTN_*. */
#define IPT_ADDRTYPE_UNICAST (1u << 1)
#define IPT_ADDRTYPE_LOCAL (1u << 2)
/* xt_addrtype_info_v1.flags: the kernel's XT_ADDRTYPE_* flag bits. */
#define IPT_ADDRTYPE_INVERT_SOURCE 0x1u
#define IPT_ADDRTYPE_INVERT_DEST 0x2u
#define IPT_ADDRTYPE_LIMIT_IFACE_IN 0x4u
#define IPT_ADDRTYPE_LIMIT_IFACE_OUT 0x8u

/* Conntrack states (xt_conntrack_mtinfo3.state_mask, with match_flags
 * XT_CONNTRACK_STATE): the kernel's XT_CONNTRACK_STATE_BIT() values. */
#define IPT_CTSTATE_INVALID (1u << 0)
#define IPT_CTSTATE_ESTABLISHED (1u << 1)
#define IPT_CTSTATE_RELATED (1u << 2)
#define IPT_CTSTATE_NEW (1u << 3)
#define IPT_CTSTATE_DNAT (1u << 7) /* XT_CONNTRACK_STATE_DNAT: DNATed */

/* xt_recent_mtinfo_v1.check_set is XT_RECENT_SET or XT_RECENT_CHECK, plus
 * XT_RECENT_REAP when reap is set (which needs seconds). side is
 * XT_RECENT_SOURCE unless rdest; mask is all ones. */
enum ipt_recent_cmd {
	IPT_RECENT_SET,	   /* --set */
	IPT_RECENT_RCHECK, /* --rcheck */
};

struct ipt_match {
	enum ipt_match_kind kind;
	union {
		struct {
			char *text; /* owned, < IPT_COMMENT_LEN bytes */
		} comment;
		/* tcp, udp, sctp: destination port (dpts[0] = dpts[1]);
		 * the source port range is 0-65535. */
		struct {
			uint16_t dport;
			bool invert; /* XT_TCP_INV_DSTPT and friends */
		} port;
		struct {
			uint32_t mark;
			uint32_t mask;
			bool invert;
		} mark;
		struct {
			uint16_t src_type; /* IPT_ADDRTYPE_*; 0: any */
			uint16_t dst_type;
			uint32_t flags; /* IPT_ADDRTYPE_INVERT_* / LIMIT_* */
		} addrtype;
		/* --mode random; the kernel field is
		 * ipt_statistic_probability(probability). */
		struct {
			double probability;
		} statistic;
		struct {
			char name[IPT_CHAIN_LEN];
			enum ipt_recent_cmd cmd;
			uint32_t seconds; /* 0: no --seconds */
			bool reap;
			bool rdest; /* false: --rsource */
		} recent;
		struct {
			uint32_t states; /* IPT_CTSTATE_* */
			bool invert;
		} conntrack;
	};
};

enum ipt_target_kind {
	IPT_TARGET_JUMP,   /* -j chain: standard target, verdict = chain */
	IPT_TARGET_GOTO,   /* -g chain: IPT_F_GOTO in ipt_entry.ip.flags */
	IPT_TARGET_ACCEPT, /* standard verdicts */
	IPT_TARGET_DROP,
	IPT_TARGET_RETURN,
	IPT_TARGET_DNAT,       /* "DNAT" rev 2: struct nf_nat_range2 */
	IPT_TARGET_MASQUERADE, /* "MASQUERADE" rev 0: nf_nat_ipv4_multi_range_
				* compat (IPv4), struct nf_nat_range (IPv6) */
	IPT_TARGET_MARK,       /* "MARK" rev 2: struct xt_mark_tginfo2 */
	IPT_TARGET_REJECT, /* "REJECT" rev 0: ipt_reject_info/ip6t_reject_info
			    */
	__IPT_TARGET_MAX
};

enum ipt_mark_op {
	IPT_MARK_OR,  /* --or-mark v: xt_mark_tginfo2 {mark = v, mask = v} */
	IPT_MARK_XOR, /* --xor-mark v: {mark = v, mask = 0} */
};

enum ipt_reject_with {
	/* IPT_ICMP_PORT_UNREACHABLE (IPv4), IP6T_ICMP6_PORT_UNREACH (IPv6) */
	IPT_REJECT_PORT_UNREACH,
};

struct ipt_target {
	enum ipt_target_kind kind;
	union {
		char chain[IPT_CHAIN_LEN]; /* JUMP, GOTO */
		struct {
			/* NF_NAT_RANGE_MAP_IPS with min = max = addr, and
			 * NF_NAT_RANGE_PROTO_SPECIFIED if port != 0 */
			struct nfp_addr addr;
			uint16_t port;
		} dnat;
		struct {
			bool random_fully; /* NF_NAT_RANGE_PROTO_RANDOM_FULLY */
		} masq;
		struct {
			enum ipt_mark_op op;
			uint32_t value;
		} mark;
		struct {
			enum ipt_reject_with with;
		} reject;
	};
};

/*
 * One rule. The first group is struct ipt_entry.ip / ip6t_entry.ipv6:
 * an address of family 0 matches any (0.0.0.0/0); proto 0 matches any
 * (for IPv6 set IP6T_F_PROTO in flags when proto != 0). Inversions become
 * IPT_INV_SRCIP, IPT_INV_DSTIP, IPT_INV_VIA_IN, IPT_INV_VIA_OUT,
 * IPT_INV_PROTO.
 */
struct ipt_rule {
	struct nfp_cidr src;
	struct nfp_cidr dst;
	char in_iface[IFNAMSIZ]; /* "": any */
	char out_iface[IFNAMSIZ];
	uint8_t proto; /* IPPROTO_*; 0: any */
	bool src_inv, dst_inv, in_inv, out_inv, proto_inv;

	struct ipt_match *matches; /* owned; evaluated in order */
	size_t n_matches;
	struct ipt_target target;
};

struct ipt_chain {
	char name[IPT_CHAIN_LEN];
	bool builtin; /* a hook's chain: we own only its rules below */
	struct ipt_rule *rules;
	size_t n_rules;
	size_t cap_rules;
};

struct ipt_table {
	enum ipt_table_id id;
	/* Built-in chains; only those ipt_table_has_hook() allows are used.
	 * Their rules are the jumps we need there, first to last: an
	 * installer puts them at the head of the kernel's chain, in this
	 * order, and leaves the chain's other rules and policy alone. */
	struct ipt_chain hooks[__IPT_HOOK_MAX];
	struct ipt_chain **chains; /* our own, owned, in creation order */
	size_t n_chains;
	size_t cap_chains;
	/* Indexes into chains sorted by name; set by ipt_ruleset_finish(),
	 * reset by ipt_table_add_chain(). */
	size_t *by_name;
};

struct ipt_ruleset {
	int family; /* AF_INET (iptables) or AF_INET6 (ip6tables) */
	struct ipt_table tables[__IPT_TABLE_MAX];
};

/* Empty ruleset of a family (AF_INET or AF_INET6). */
void ipt_ruleset_init(struct ipt_ruleset *rs, int family);
/* Free everything rs holds and leave it empty (family kept); NULL is a
 * no-op. */
void ipt_ruleset_release(struct ipt_ruleset *rs);
/*
 * Seal a built ruleset: sort each table's chain index and check it. Every
 * jump and goto must name a chain of its table, and no chain name may be
 * used twice. Returns 0, or -EINVAL with one DIAG_ERROR per problem in d.
 */
int ipt_ruleset_finish(struct ipt_ruleset *rs, struct diag_list *d);

/* "filter", "nat". */
const char *ipt_table_name(enum ipt_table_id id);
/* "PREROUTING", "INPUT", ... */
const char *ipt_hook_name(enum ipt_hook h);
/* True if the table has this built-in chain (filter has no PREROUTING nor
 * POSTROUTING). */
bool ipt_table_has_hook(enum ipt_table_id id, enum ipt_hook h);

/* Append a new empty chain (name copied, truncated to IPT_CHAIN_LEN - 1)
 * and return it; the pointer stays valid until the ruleset is released. */
struct ipt_chain *ipt_table_add_chain(struct ipt_table *t, const char *name);
/* The built-in chain of a hook (borrowed); NULL if the table has none. */
struct ipt_chain *ipt_table_hook(struct ipt_table *t, enum ipt_hook h);
/* Our chain called name (borrowed), or NULL. Binary search once the
 * ruleset is finished, linear before. */
struct ipt_chain *ipt_table_find_chain(const struct ipt_table *t,
				       const char *name);

/* Append a zeroed rule (target ACCEPT until set) and return it. The
 * pointer is valid until the next rule is added to the same chain. */
struct ipt_rule *ipt_chain_add_rule(struct ipt_chain *c);
/* Append a zeroed match of kind and return it (valid until the next match
 * is added to r). */
struct ipt_match *ipt_rule_add_match(struct ipt_rule *r,
				     enum ipt_match_kind kind);

/* Builders: each adds one match or sets one field. */
void ipt_rule_comment(struct ipt_rule *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* -p proto -m proto --dport port (sctp too). */
void ipt_rule_dport(struct ipt_rule *r, enum nfp_proto proto, uint16_t port);
void ipt_rule_mark(struct ipt_rule *r, uint32_t mark, uint32_t mask,
		   bool invert);
void ipt_rule_addrtype(struct ipt_rule *r, uint16_t src_type, uint16_t dst_type,
		       uint32_t flags);
void ipt_rule_probability(struct ipt_rule *r, double probability);
void ipt_rule_recent(struct ipt_rule *r, const char *name,
		     enum ipt_recent_cmd cmd, uint32_t seconds, bool reap);
void ipt_rule_ctstate(struct ipt_rule *r, uint32_t states, bool invert);
void ipt_rule_jump(struct ipt_rule *r, const char *chain);
void ipt_rule_verdict(struct ipt_rule *r, enum ipt_target_kind kind);
void ipt_rule_dnat(struct ipt_rule *r, const struct nfp_addr *addr,
		   uint16_t port);
void ipt_rule_masquerade(struct ipt_rule *r, bool random_fully);
void ipt_rule_set_mark(struct ipt_rule *r, enum ipt_mark_op op, uint32_t value);
void ipt_rule_reject(struct ipt_rule *r);

/* Equality for diffs: same entry fields, same matches in the same order,
 * same target. */
bool ipt_match_eq(const struct ipt_match *a, const struct ipt_match *b);
bool ipt_rule_eq(const struct ipt_rule *a, const struct ipt_rule *b);
/* Same name and equal rules in the same order. */
bool ipt_chain_eq(const struct ipt_chain *a, const struct ipt_chain *b);

/* The comment of a rule (its first comment match), or NULL. Borrowed. */
const char *ipt_rule_comment_text(const struct ipt_rule *r);

/*
 * xt_statistic_info.u.random.probability for a probability: the value
 * iptables-restore computes from the text ipt_print() writes (ten
 * decimals), so both installers put the same number in the kernel.
 */
uint32_t ipt_statistic_probability(double probability);
/* The text ipt_print() writes for a probability, "%.10f" like kube-proxy;
 * buf must hold 16 bytes. Returns buf. */
const char *ipt_probability_str(double probability, char *buf);

/*
 * Kernel object names. Each writes a NUL-terminated chain name into out
 * (IPT_CHAIN_LEN bytes): prefix + the first 16 characters of the base32
 * SHA-256 of the key, as kube-proxy's portProtoHash():
 *  - service chains (IPT_PREFIX_SVC, _SVL, _EXT, _FW): key is
 *    spn + proto, where spn is kube-proxy's ServicePortName string
 *    ("ns/name:portname", or "ns/name" for an unnamed port) and proto is
 *    lower case ("tcp"); so NFP-SVC-X is KUBE-SVC-X for the same service.
 *  - endpoint chains: spn + proto + "ip:port" ("[ip]:port" for IPv6).
 *  - hostport chains: key is the pod's "ns/name".
 */
void ipt_name_service(char *out, const char *prefix, const char *spn,
		      enum nfp_proto proto);
void ipt_name_endpoint(char *out, const char *spn, enum nfp_proto proto,
		       const struct nfp_addr *addr, uint16_t port);
void ipt_name_hostport(char *out, const char *pod);
/* True if a chain name is one of ours (starts with IPT_PREFIX). */
bool ipt_name_is_ours(const char *chain);

#endif
