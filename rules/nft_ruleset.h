/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_RULES_NFT_RULESET_H
#define NFP_RULES_NFT_RULESET_H

/*
 * The nftables back end's ruleset: what kube-nfproxy wants the kernel's
 * nf_tables to hold, as structured data (not text). nft_compile() builds it
 * from a plan, nft_print() writes it as `nft -f` text, and the netlink
 * installer turns each object into a libnftnl object. Every type maps onto
 * one kernel object and every statement onto a short, fixed sequence of
 * kernel expressions (below), so the installer never parses anything.
 *
 *   nft_ruleset
 *     tables[]      one per family: NFPROTO_IPV4 "kube-nfproxy", NFPROTO_IPV6
 *       sets[]      named sets and maps (no anonymous sets anywhere)
 *         key, data  typed fields (struct nft_key), kernel layout below
 *         elements   one byte arena, fixed stride: struct nft_elem + bytes
 *       chains[]    base chains (type/hook/prio/policy) and regular chains
 *         rules[]   in order
 *           stmts[] typed statements, in order
 *   pool            interned strings that elements point to (comments,
 *                   verdict chain names): no per-element heap string
 *
 * Fields. A key is up to NFTR_KEY_MAX fields (enum nftr_field), each a
 * value the kernel loads into registers: payload (saddr/daddr/th dport),
 * meta (l4proto, mark), ct (state, status), fib (addrtype of daddr/saddr)
 * or numgen (random mod M offset O). nft_field_desc() gives, per field, the
 * expression to emit, its offsets and lengths per family, its nft datatype
 * (for NFTA_SET_KEY_TYPE) and its byte order.
 *
 * Kernel layout of keys and data (also the element bytes). A concatenation
 * occupies consecutive 32-bit register slots: every field is padded to a
 * multiple of 4 bytes; the first field goes to NFT_REG_1 (= NFT_REG32_00),
 * field i to NFT_REG32_00 + (sum of the slots before it). Payload fields
 * are in network order, the rest (l4proto is 1 byte, mark, ct, fib, numgen
 * are u32) in host order. A single-field key is not padded (key_len is the
 * field's length), but its storage slot still is.
 *
 *   ip daddr . meta l4proto . th dport . numgen   (service-backends, IPv4)
 *   +----------+----------+----------+----------+
 *   | 10.96.0.1| 06 000000| 0050 0000| u32 index|   key_len 16
 *   +----------+----------+----------+----------+
 *
 * Statements and the kernel expressions they become (rN: the 32-bit slot
 * where a key starts, always NFT_REG_1 here; fields loaded in order):
 *   CMP      load field -> r1; [bitwise r1 = (r1 & mask) ^ 0 unless mask
 *            is all ones]; cmp eq|neq r1 value
 *   LOOKUP   load fields -> r1..; lookup sreg r1 set [NFT_LOOKUP_F_INV]
 *   VMAP     load fields -> r1..; lookup sreg r1 set dreg NFT_REG_VERDICT
 *   VERDICT  immediate dreg NFT_REG_VERDICT (code, chain)
 *   DNAT     map form (set != NULL): load fields -> r1..; lookup sreg r1
 *            set dreg r1 (data: addr then port, port slot right after the
 *            address: IPv4 r1+1, IPv6 r1+4); nat dnat family addr_min=
 *            addr_max=r1 proto_min=proto_max=port slot, flags nat_flags.
 *            Constant form: immediate NFT_REG_1 addr; immediate NFT_REG_2
 *            port (16-bit BE); nat dnat with those registers. (nft requires an
 * l4proto CMP earlier in a rule with a constant port; the compiler adds it.)
 *   MASQ     masq flags nat_flags
 *   REJECT   reject type NFT_REJECT_ICMP_UNREACH code icmp_code
 *   MARK     meta load mark -> r1; bitwise r1 = (r1 & mark_mask) ^
 *            mark_xor; meta set mark sreg r1
 *   DYNSET   load fields -> r1..; dynset op NFT_DYNSET_OP_UPDATE sreg_key
 *            r1 set [timeout timeout_ms]
 *
 * Sets. flags holds the kernel's NFT_SET_INTERVAL, NFT_SET_TIMEOUT and
 * NFT_SET_EVAL ("dynamic"); NFT_SET_MAP follows from data_kind and
 * NFT_SET_CONCAT from an interval key of more than one field (the
 * installer adds NFTA_SET_DESC_CONCAT field lengths then). An interval
 * element holds its first and last keys, both inclusive (as pipapo wants;
 * for a one-field interval set the installer sends start and last+1 with
 * NFT_SET_ELEM_INTERVAL_END, as nft does).
 *
 * Ownership: the ruleset owns everything; nft_ruleset_free() releases it.
 * Pointers to elements and rules are valid until the next add to the same
 * set or chain; tables, sets and chains are separately allocated and stay
 * put. All functions abort on out-of-memory (xmalloc) and never print.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>

#define NFTR_KEY_MAX 4	     /* fields in a concatenation */
#define NFTR_CMP_MAX 16	     /* bytes a CMP compares (an IPv6 address) */
#define NFTR_KEY_BYTES 64    /* NFT_REG32_COUNT * 4: the largest key */
#define NFTR_COMMENT_MAX 128 /* nft's NFTNL_UDATA_COMMENT_MAXLEN */
#define NFTR_NAME_MAX 255    /* NFT_CHAIN_MAXNAMELEN / NFT_SET_MAXNAMELEN - 1 */

/* nftables' datatype numbers (nftables include/datatype.h), for
 * NFTA_SET_KEY_TYPE / NFTA_SET_DATA_TYPE; concatenations pack them
 * NFTR_TYPE_BITS each, first field in the highest bits. */
#define NFTR_TYPE_INTEGER 4
#define NFTR_TYPE_IPADDR 7
#define NFTR_TYPE_IP6ADDR 8
#define NFTR_TYPE_INET_PROTOCOL 12
#define NFTR_TYPE_INET_SERVICE 13
#define NFTR_TYPE_MARK 19
#define NFTR_TYPE_CT_STATE 26
#define NFTR_TYPE_CT_STATUS 28
#define NFTR_TYPE_FIB_ADDR 38
#define NFTR_TYPE_BITS 6

/* Values the compiler compares with (host order where the field is). */
#define NFTR_CT_STATE_NEW 0x08u	   /* NF_CT_STATE_BIT(IP_CT_NEW) */
#define NFTR_CT_STATUS_DNAT 0x20u  /* IPS_DST_NAT */
#define NFTR_RTN_LOCAL 2u	   /* RTN_LOCAL: fib ... type local */
#define NFTR_ICMP_PORT_UNREACH 3   /* ICMP_PORT_UNREACH */
#define NFTR_ICMPV6_PORT_UNREACH 4 /* ICMPV6_PORT_UNREACH */

/* Values a statement or element loads. saddr/daddr mean ip or ip6 by the
 * table's family. */
enum nftr_field {
	NFTR_F_SADDR,	       /* ip saddr / ip6 saddr */
	NFTR_F_DADDR,	       /* ip daddr / ip6 daddr */
	NFTR_F_L4PROTO,	       /* meta l4proto */
	NFTR_F_DPORT,	       /* th dport */
	NFTR_F_MARK,	       /* meta mark */
	NFTR_F_CT_STATE,       /* ct state */
	NFTR_F_CT_STATUS,      /* ct status */
	NFTR_F_FIB_DADDR_TYPE, /* fib daddr type */
	NFTR_F_FIB_SADDR_TYPE, /* fib saddr type */
	NFTR_F_NUMGEN,	       /* numgen random mod .mod offset .offset */
	__NFTR_F_MAX
};

/* The kernel expression that loads a field. */
enum nftr_expr {
	NFTR_EXPR_PAYLOAD,
	NFTR_EXPR_META,
	NFTR_EXPR_CT,
	NFTR_EXPR_FIB,
	NFTR_EXPR_NUMGEN,
};

struct nft_field_desc {
	const char *text4, *text6; /* nft syntax: "ip saddr", "ip6 saddr" */
	enum nftr_expr expr;
	uint32_t base;	     /* payload: NFT_PAYLOAD_NETWORK/TRANSPORT_HEADER */
	uint32_t off4, off6; /* payload offset per family */
	uint32_t len4, len6; /* bytes loaded per family */
	uint32_t
		key; /* meta: NFT_META_*; ct: NFT_CT_*; fib: NFT_FIB_RESULT_* */
	uint32_t fib_flags;    /* fib: NFTA_FIB_F_DADDR or NFTA_FIB_F_SADDR */
	uint32_t type4, type6; /* NFTR_TYPE_* */
	bool host_order;
};

struct nft_field {
	enum nftr_field kind;
	uint32_t mod;	 /* numgen: modulus (1 in set declarations) */
	uint32_t offset; /* numgen: added to the result */
};

struct nft_key {
	uint8_t n;
	struct nft_field f[NFTR_KEY_MAX];
};

enum nftr_stmt_type {
	NFTR_STMT_CMP,
	NFTR_STMT_LOOKUP,
	NFTR_STMT_VMAP,
	NFTR_STMT_VERDICT,
	NFTR_STMT_DNAT,
	NFTR_STMT_MASQ,
	NFTR_STMT_REJECT,
	NFTR_STMT_MARK,
	NFTR_STMT_DYNSET,
	__NFTR_STMT_MAX
};

/* One statement. Which members count depends on type (see the table at
 * the top); the others stay zero so that equality is plain. */
struct nft_stmt {
	enum nftr_stmt_type type;
	struct nft_key key; /* CMP (1 field), LOOKUP, VMAP, DNAT map, DYNSET */
	bool invert;	    /* CMP: != ; LOOKUP: != @set */
	uint8_t len;	    /* CMP: bytes compared (the field's length) */
	uint8_t value[NFTR_CMP_MAX]; /* CMP: kernel layout */
	uint8_t mask[NFTR_CMP_MAX];  /* CMP: all 0xff = no bitwise */
	char *set;   /* LOOKUP, VMAP, DNAT map form, DYNSET; owned */
	int verdict; /* VERDICT: NF_ACCEPT, NF_DROP, NFT_RETURN, NFT_JUMP,
		      * NFT_GOTO */
	char *chain; /* VERDICT jump/goto target; owned */
	struct nfp_addr addr;	      /* DNAT constant form */
	uint16_t port;		      /* DNAT constant form, host order */
	uint32_t nat_flags;	      /* DNAT, MASQ: NF_NAT_RANGE_* */
	uint8_t icmp_code;	      /* REJECT */
	uint32_t mark_mask, mark_xor; /* MARK: mark = (mark & mask) ^ xor */
	uint64_t timeout_ms;	      /* DYNSET: 0 = the set's timeout */
};

struct nft_rule {
	struct nft_stmt *stmts;
	size_t n_stmts, cap_stmts;
	char *comment; /* NULL or owned: NFTNL_UDATA_RULE_COMMENT */
};

enum nftr_chain_type {
	NFTR_CHAIN_FILTER,
	NFTR_CHAIN_NAT,
	__NFTR_CHAIN_TYPE_MAX
};

struct nft_chain {
	char *name;
	char *comment; /* NULL or owned: NFTNL_UDATA_CHAIN_COMMENT */
	bool base;
	enum nftr_chain_type type; /* base chains */
	uint32_t hook;		   /* base chains: NF_INET_* */
	int32_t prio;		   /* base chains */
	uint32_t policy;	   /* base chains: NF_ACCEPT */
	struct nft_rule *rules;
	size_t n_rules, cap_rules;
};

/* Interned strings; id 0 is "none". */
struct nft_pool {
	char *buf;
	size_t len, cap;
	uint32_t *slots; /* open addressing: ids */
	size_t n_slots, used;
};

enum nftr_data {
	NFTR_DATA_NONE,	   /* a set */
	NFTR_DATA_VERDICT, /* a verdict map */
	NFTR_DATA_VALUE, /* a map to values typed by data (e.g. addr . port) */
};

/*
 * The header of every element record. A record is stride bytes: this
 * header, then key (key_slots bytes), then the interval's last key
 * (key_slots, interval sets only), then data (data_slots, value maps).
 */
struct nft_elem {
	uint32_t comment; /* pool id; 0: none (NFTNL_UDATA_SET_ELEM_COMMENT) */
	uint32_t chain;	  /* pool id of the jump/goto target; 0: none */
	int32_t verdict;  /* verdict maps: NF_ACCEPT, NF_DROP, NFT_JUMP, ... */
	uint8_t bytes[];
};

struct nft_set {
	char *name;
	char *comment; /* NULL or owned */
	int family;    /* the table's NFPROTO_* */
	struct nft_key key;
	enum nftr_data data_kind;
	struct nft_key data; /* NFTR_DATA_VALUE */
	uint32_t flags; /* NFT_SET_INTERVAL | NFT_SET_TIMEOUT | NFT_SET_EVAL */
	uint64_t timeout_ms; /* 0: none */
	uint32_t size;	     /* 0: unspecified (NFTA_SET_DESC_SIZE) */

	/* Derived from key/data at creation. */
	uint32_t key_len;		/* NFTA_SET_KEY_LEN */
	uint32_t data_len;		/* NFTA_SET_DATA_LEN; verdict maps: 0 */
	uint32_t key_slots, data_slots; /* padded storage per element */
	uint32_t stride;		/* bytes per element record */

	uint8_t *elems;
	size_t n_elems, cap_elems;
	struct nft_pool *pool; /* borrowed: the ruleset's */
};

struct nft_table {
	int family; /* NFPROTO_IPV4 or NFPROTO_IPV6 */
	char *name;
	struct nft_set **sets;
	size_t n_sets, cap_sets;
	struct nft_chain **chains;
	size_t n_chains, cap_chains;
	struct nft_pool *pool; /* borrowed: the ruleset's */
};

struct nft_ruleset {
	struct nft_table **tables;
	size_t n_tables, cap_tables;
	struct nft_pool *pool; /* owned */
};

/* Field descriptors: never NULL for a valid kind. */
const struct nft_field_desc *nft_field_desc(enum nftr_field kind);
/* Bytes the kernel loads for f in a table of family (NFPROTO_*). */
uint32_t nft_field_len(enum nftr_field kind, int family);
/* nft text of a field ("ip daddr", "numgen random mod 3 offset 65536"),
 * written into buf (64 bytes); returns buf. */
const char *nft_field_text(const struct nft_field *f, int family, char *buf);
/* Length of a key as the kernel sees it (NFTA_SET_KEY_LEN) and as stored
 * (padded to 32-bit slots). */
uint32_t nft_key_len(const struct nft_key *k, int family);
uint32_t nft_key_slots(const struct nft_key *k, int family);
/* NFTA_SET_KEY_TYPE of a key: the datatypes packed NFTR_TYPE_BITS each. */
uint32_t nft_key_type(const struct nft_key *k, int family);
bool nft_key_equal(const struct nft_key *a, const struct nft_key *b);

/* Writers of kernel-layout bytes into a key or data: each fills one padded
 * slot (zeroing the padding) and returns the byte after it. */
uint8_t *nft_put_addr(uint8_t *p, const struct nfp_addr *a);
uint8_t *nft_put_proto(uint8_t *p, uint8_t ipproto);
uint8_t *nft_put_port(uint8_t *p, uint16_t port);
uint8_t *nft_put_u32(uint8_t *p, uint32_t host_value);

/* Intern s (NULL: 0); returns its id, equal strings give equal ids. */
uint32_t nft_pool_intern(struct nft_pool *pool, const char *s);
/* The string of an id; NULL for 0. Borrowed from the pool. */
const char *nft_pool_str(const struct nft_pool *pool, uint32_t id);

/* An empty ruleset (its pool allocated). */
void nft_ruleset_init(struct nft_ruleset *rs);
/* Release everything rs holds (rs itself is the caller's) and zero it;
 * NULL or a zeroed ruleset is a no-op. */
void nft_ruleset_free(struct nft_ruleset *rs);

/*
 * Releasing single objects that were taken out of their container (the
 * fake kernel does): a chain owns its rules, a rule its statements'
 * strings, a set its element arena. NULL is a no-op. nft_chain_flush()
 * empties a chain and keeps it.
 */
void nft_chain_flush(struct nft_chain *c);
void nft_chain_free(struct nft_chain *c);
void nft_set_free(struct nft_set *s);
void nft_table_free(struct nft_table *t);

/* Constructors: they copy every string and return the new object, owned
 * by its container. Names must be unique in the table (not checked). */
struct nft_table *nft_ruleset_add_table(struct nft_ruleset *rs, int family,
					const char *name);
struct nft_chain *nft_table_add_chain(struct nft_table *t, const char *name,
				      const char *comment);
/* Make c a base chain. */
void nft_chain_set_base(struct nft_chain *c, enum nftr_chain_type type,
			uint32_t hook, int32_t prio, uint32_t policy);
/* A set (data_kind NONE), verdict map or value map (data != NULL). */
struct nft_set *nft_table_add_set(struct nft_table *t, const char *name,
				  const struct nft_key *key,
				  enum nftr_data data_kind,
				  const struct nft_key *data, uint32_t flags,
				  const char *comment);
struct nft_rule *nft_chain_add_rule(struct nft_chain *c, const char *comment);
/* A zeroed statement of type in r; strings set on it are owned by r. */
struct nft_stmt *nft_rule_add_stmt(struct nft_rule *r,
				   enum nftr_stmt_type type);
/* A zeroed element at the end of s; fill its bytes with nft_elem_key()
 * etc. Valid until the next add to s. */
struct nft_elem *nft_set_add_elem(struct nft_set *s);

/* Lookups by name (linear: for tests and the installer); NULL if none. */
struct nft_table *nft_ruleset_find_table(const struct nft_ruleset *rs,
					 int family, const char *name);
struct nft_chain *nft_table_find_chain(const struct nft_table *t,
				       const char *name);
struct nft_set *nft_table_find_set(const struct nft_table *t, const char *name);

/* Element access. */
struct nft_elem *nft_set_elem(const struct nft_set *s, size_t i);
uint8_t *nft_elem_key(const struct nft_set *s, const struct nft_elem *e);
/* The interval's last key (interval sets), else NULL. */
uint8_t *nft_elem_key_end(const struct nft_set *s, const struct nft_elem *e);
/* The mapped value (value maps), else NULL. */
uint8_t *nft_elem_data(const struct nft_set *s, const struct nft_elem *e);
const char *nft_elem_comment(const struct nft_set *s, const struct nft_elem *e);
const char *nft_elem_chain(const struct nft_set *s, const struct nft_elem *e);

/*
 * Canonical order: tables by family then name, sets and chains by name,
 * elements by key (field by field: numbers numerically) then by the rest.
 * Rules keep their order. Elements with equal keys are duplicates: all but
 * the first are removed; returns how many were removed.
 */
size_t nft_ruleset_sort(struct nft_ruleset *rs);
size_t nft_set_sort(struct nft_set *s);

/*
 * Equality, for the diff. *_spec_equal compares what a kernel object is
 * created with (a change there means delete and re-create), *_equal
 * compares everything including contents. Strings are compared by value,
 * so objects of two rulesets (two pools) compare correctly.
 */
bool nft_stmt_equal(const struct nft_stmt *a, const struct nft_stmt *b);
bool nft_rule_equal(const struct nft_rule *a, const struct nft_rule *b);
bool nft_chain_spec_equal(const struct nft_chain *a, const struct nft_chain *b);
bool nft_chain_equal(const struct nft_chain *a, const struct nft_chain *b);
bool nft_set_spec_equal(const struct nft_set *a, const struct nft_set *b);
bool nft_set_equal(const struct nft_set *a, const struct nft_set *b);
bool nft_table_equal(const struct nft_table *a, const struct nft_table *b);
bool nft_ruleset_equal(const struct nft_ruleset *a,
		       const struct nft_ruleset *b);

/*
 * Elements of two sets with equal specs (or of one set): order of their
 * keys (key, then interval end) in the canonical order, and full equality
 * (key, data, verdict, chain, comment). A sorted set can be searched with
 * nft_set_find(), given key bytes in storage layout (key_slots bytes, then
 * the interval end for interval sets); returns the index or -1.
 */
int nft_elem_cmp(const struct nft_set *sa, const struct nft_elem *a,
		 const struct nft_set *sb, const struct nft_elem *b);
bool nft_elem_equal(const struct nft_set *sa, const struct nft_elem *a,
		    const struct nft_set *sb, const struct nft_elem *b);
long nft_set_find(const struct nft_set *s, const uint8_t *key);

#endif
