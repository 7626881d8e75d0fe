// SPDX-License-Identifier: GPL-2.0
/*
 * The batch (a transaction as netlink messages, each mapped back to its
 * operation), the socket, and reading the kernel's answers. The object
 * builders are in nft_build.c.
 */
#include "rules/nft_netlink.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "util/xalloc.h"

/* --- The batch ------------------------------------------------------------ */

/* Room reserved before a message that is not an element message: a rule
 * of n statements needs well under 2 KiB per statement. */
#define MSG_RESERVE (64u << 10)
/* An upper bound of one element's attributes (two keys, data or a
 * verdict with a chain name, a comment, nests). */
#define ELEM_MAX 1024u

static void reserve(struct nft_batch *b, size_t n)
{
	if (b->cap - b->len < n)
		b->buf = xgrow(b->buf, &b->cap, b->len + n, 1);
}

static struct nlmsghdr *msg_begin(struct nft_batch *b, uint16_t type,
				  int family, uint16_t flags, size_t room,
				  uint32_t op, uint32_t sub)
{
	uint32_t seq = b->seq0 + 1 + (uint32_t)b->n_msgs;
	struct nft_batch_msg *m = XPUSH(b->msgs, b->n_msgs, b->cap_msgs);

	reserve(b, room);
	m->op = op;
	m->sub = sub;
	m->off = (uint32_t)b->len;
	memset(b->buf + b->len, 0, MNL_NLMSG_HDRLEN + 16);
	return nftnl_nlmsg_build_hdr(b->buf + b->len, type, (uint16_t)family,
				     flags, seq);
}

static void msg_end(struct nft_batch *b, struct nlmsghdr *nlh, size_t room)
{
	if (nlh->nlmsg_len > room) {
		fputs("kube-nfproxy: netlink message overran its buffer\n",
		      stderr);
		abort();
	}
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
}

static void put_table(struct nft_batch *b, const struct nft_op *op,
		      uint32_t opi, uint16_t type, uint16_t flags)
{
	struct nftnl_table *t = nft_nl_table(op->family, op->table);
	struct nlmsghdr *nlh =
		msg_begin(b, type, op->family, flags, MSG_RESERVE, opi, 0);

	nftnl_table_nlmsg_build_payload(nlh, t);
	msg_end(b, nlh, MSG_RESERVE);
	nftnl_table_free(t);
}

static void put_chain(struct nft_batch *b, const struct nft_op *op,
		      uint32_t opi, uint16_t type, uint16_t flags)
{
	struct nftnl_chain *c;
	struct nlmsghdr *nlh;

	if (type == NFT_MSG_NEWCHAIN) {
		c = nft_nl_chain(op->family, op->table, op->chain);
	} else {
		c = nft_nl_check(nftnl_chain_alloc());
		nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY,
				    (uint32_t)op->family);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, op->table);
		nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, op->chain->name);
	}
	nlh = msg_begin(b, type, op->family, flags, MSG_RESERVE, opi, 0);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	msg_end(b, nlh, MSG_RESERVE);
	nftnl_chain_free(c);
}

static void put_flush(struct nft_batch *b, const struct nft_op *op,
		      uint32_t opi)
{
	struct nftnl_rule *r = nft_nl_check(nftnl_rule_alloc());
	struct nlmsghdr *nlh;

	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, (uint32_t)op->family);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, op->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, op->chain->name);
	nlh = msg_begin(b, NFT_MSG_DELRULE, op->family, 0, MSG_RESERVE, opi, 0);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	msg_end(b, nlh, MSG_RESERVE);
	nftnl_rule_free(r);
}

static void put_rules(struct nft_batch *b, const struct nft_op *op,
		      uint32_t opi)
{
	const struct nft_chain *c = op->chain;

	for (size_t i = 0; i < c->n_rules; i++) {
		const struct nft_rule *r = &c->rules[i];
		size_t room = MSG_RESERVE + r->n_stmts * 2048;
		struct nftnl_rule *nr =
			nft_nl_rule(op->family, op->table, c->name, r);
		struct nlmsghdr *nlh = msg_begin(b, NFT_MSG_NEWRULE, op->family,
						 NLM_F_CREATE | NLM_F_APPEND,
						 room, opi, (uint32_t)i);

		nftnl_rule_nlmsg_build_payload(nlh, nr);
		msg_end(b, nlh, room);
		nftnl_rule_free(nr);
	}
}

static void put_set(struct nft_batch *b, const struct nft_op *op, uint32_t opi,
		    uint16_t type, uint16_t flags)
{
	struct nftnl_set *s;
	struct nlmsghdr *nlh;

	if (type == NFT_MSG_NEWSET) {
		s = nft_nl_set(op->family, op->table, op->set,
			       ++b->next_set_id);
	} else {
		s = nft_nl_check(nftnl_set_alloc());
		nftnl_set_set_u32(s, NFTNL_SET_FAMILY, (uint32_t)op->family);
		nftnl_set_set_str(s, NFTNL_SET_TABLE, op->table);
		nftnl_set_set_str(s, NFTNL_SET_NAME, op->set->name);
	}
	nlh = msg_begin(b, type, op->family, flags, MSG_RESERVE, opi, 0);
	nftnl_set_nlmsg_build_payload(nlh, s);
	msg_end(b, nlh, MSG_RESERVE);
	nftnl_set_free(s);
}

/*
 * Elements, as many per message as fit: NFTA_SET_ELEM_LIST_TABLE and _SET
 * (from an element-less nftnl_set), then the list nest, one NFTA_LIST_ELEM
 * nest per element (two for a one-field range: start and end).
 */
static void put_elems(struct nft_batch *b, const struct nft_op *op,
		      uint32_t opi, bool add)
{
	const struct nft_set *s = op->set;
	bool one_interval = (s->flags & NFT_SET_INTERVAL) && s->key.n == 1;
	struct nftnl_set *ns = nft_nl_check(nftnl_set_alloc());
	struct nftnl_set_elem *e = nft_nl_check(nftnl_set_elem_alloc());
	size_t i = 0;

	nftnl_set_set_str(ns, NFTNL_SET_TABLE, op->table);
	nftnl_set_set_str(ns, NFTNL_SET_NAME, s->name);
	while (i < op->n_elems) {
		struct nlmsghdr *nlh = msg_begin(
			b, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
			op->family, add ? NLM_F_CREATE | NLM_F_EXCL : 0,
			NFT_NL_ELEM_MSG_MAX + MSG_RESERVE, opi, (uint32_t)i);
		struct nlattr *list;

		nftnl_set_elems_nlmsg_build_payload(nlh, ns);
		list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
		while (i < op->n_elems &&
		       nlh->nlmsg_len + 2 * ELEM_MAX <= NFT_NL_ELEM_MSG_MAX) {
			const struct nft_elem *el =
				nft_set_elem(s, op->elems[i]);

			nft_nl_elem(e, s, el, false, !add);
			nftnl_set_elem_nlmsg_build(nlh, e, NFTA_LIST_ELEM);
			if (one_interval &&
			    nft_nl_elem(e, s, el, true, !add) == 0)
				nftnl_set_elem_nlmsg_build(nlh, e,
							   NFTA_LIST_ELEM);
			i++;
		}
		mnl_attr_nest_end(nlh, list);
		msg_end(b, nlh, NFT_NL_ELEM_MSG_MAX + MSG_RESERVE);
	}
	nftnl_set_elem_free(e);
	nftnl_set_free(ns);
}

static void put_op(struct nft_batch *b, const struct nft_op *op, uint32_t opi)
{
	const uint16_t excl = NLM_F_CREATE | NLM_F_EXCL;

	switch (op->type) {
	case NFT_OP_DESTROY_TABLE:
		/* Works on every kernel (NFT_MSG_DESTROYTABLE is 6.3+):
		 * adding a table that exists is a no-op, then delete it. */
		put_table(b, op, opi, NFT_MSG_NEWTABLE, NLM_F_CREATE);
		put_table(b, op, opi, NFT_MSG_DELTABLE, 0);
		break;
	case NFT_OP_DEL_TABLE:
		put_table(b, op, opi, NFT_MSG_DELTABLE, 0);
		break;
	case NFT_OP_ADD_TABLE:
		put_table(b, op, opi, NFT_MSG_NEWTABLE, excl);
		break;
	case NFT_OP_FLUSH_CHAIN:
		put_flush(b, op, opi);
		break;
	case NFT_OP_DEL_CHAIN:
		put_chain(b, op, opi, NFT_MSG_DELCHAIN, 0);
		break;
	case NFT_OP_ADD_CHAIN:
		put_chain(b, op, opi, NFT_MSG_NEWCHAIN, excl);
		break;
	case NFT_OP_ADD_RULES:
		put_rules(b, op, opi);
		break;
	case NFT_OP_DEL_SET:
		put_set(b, op, opi, NFT_MSG_DELSET, 0);
		break;
	case NFT_OP_ADD_SET:
		put_set(b, op, opi, NFT_MSG_NEWSET, excl);
		break;
	case NFT_OP_DEL_ELEMS:
		put_elems(b, op, opi, false);
		break;
	case NFT_OP_ADD_ELEMS:
		put_elems(b, op, opi, true);
		break;
	default:
		break;
	}
}

void nft_batch_reset(struct nft_batch *b)
{
	b->len = 0;
	b->n_msgs = 0;
	b->next_set_id = 0;
}

void nft_batch_release(struct nft_batch *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b->msgs);
	memset(b, 0, sizeof(*b));
}

int nft_batch_encode(struct nft_batch *b, const struct nft_txn *txn,
		     uint32_t seq)
{
	struct nlmsghdr *last;

	nft_batch_reset(b);
	b->seq0 = seq;
	reserve(b, MSG_RESERVE);
	nftnl_batch_begin(b->buf, seq);
	b->len += NLMSG_ALIGN(((struct nlmsghdr *)b->buf)->nlmsg_len);
	for (size_t i = 0; i < txn->n_ops; i++)
		put_op(b, &txn->ops[i], (uint32_t)i);
	if (b->n_msgs) {
		last = (struct nlmsghdr *)(b->buf + b->msgs[b->n_msgs - 1].off);
		last->nlmsg_flags |= NLM_F_ACK;
	}
	reserve(b, MSG_RESERVE);
	nftnl_batch_end(b->buf + b->len, seq + 1 + (uint32_t)b->n_msgs);
	b->len +=
		NLMSG_ALIGN(((struct nlmsghdr *)(b->buf + b->len))->nlmsg_len);
	return 0;
}

/* --- The socket ----------------------------------------------------------- */

struct nft_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	int sndbuf; /* what we last asked for */
	struct nft_batch batch;
};

/* Batches above this are not kept between commits (RSS). */
#define BATCH_KEEP (1u << 20)

struct nft_nl *nft_nl_open(void)
{
	struct nft_nl *nl = xcalloc(1, sizeof(*nl));
	int one = 1, rcv = (int)NFT_NL_RCVBUF, fd, err;

	nl->sock = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl->sock)
		goto out_free;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out_close;
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	fd = mnl_socket_get_fd(nl->sock);
	/* Best effort: without them errors are still reported, only less
	 * precisely (or with the whole message echoed). */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	return nl;

out_close:
	err = errno;
	mnl_socket_close(nl->sock);
	errno = err;
out_free:
	err = errno;
	free(nl);
	errno = err;
	return NULL;
}

void nft_nl_close(struct nft_nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	nft_batch_release(&nl->batch);
	free(nl);
}

/* The whole batch goes in one sendmsg (one skb: one transaction), so the
 * send buffer must hold it. */
static void grow_sndbuf(struct nft_nl *nl, size_t len)
{
	int fd = mnl_socket_get_fd(nl->sock);
	int want = (int)(len + (64u << 10));

	if (len > (1u << 30) || want <= nl->sndbuf)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
	nl->sndbuf = want;
}

/* The attribute of type within the payload of nlh (after nfgenmsg). */
static const struct nlattr *find_attr(const struct nlmsghdr *nlh, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh,
			  sizeof(struct nfgenmsg)) if (mnl_attr_get_type(a) ==
						       type) return a;
	return NULL;
}

/* Index of the nested attribute of nest that contains offset off (from
 * the start of nlh); -1 if none. */
static long nested_index(const struct nlmsghdr *nlh, const struct nlattr *nest,
			 uint32_t off)
{
	const struct nlattr *a;
	long i = 0;

	if (!nest)
		return -1;
	mnl_attr_for_each_nested(a, nest)
	{
		uint32_t start =
			(uint32_t)((const char *)a - (const char *)nlh);

		if (off >= start && off < start + a->nla_len)
			return i;
		i++;
	}
	return -1;
}

/* Element k of an element message (counting start and end elements of
 * one-field ranges) as a position in op->elems. */
static size_t elem_position(const struct nft_op *op, uint32_t first, long k)
{
	const struct nft_set *s = op->set;
	bool one_interval = (s->flags & NFT_SET_INTERVAL) && s->key.n == 1;

	if (!one_interval)
		return first + (size_t)k;
	for (size_t i = first; i < op->n_elems; i++) {
		const struct nft_elem *el = nft_set_elem(s, op->elems[i]);
		long n = 1 + nft_nl_elem_has_end(s, el);

		if (k < n)
			return i;
		k -= n;
	}
	return SIZE_MAX;
}

static void record_error(const struct nft_batch *b, const struct nft_txn *txn,
			 uint32_t seq, int err, const char *msg, bool have_off,
			 uint32_t off, struct nft_txn_result *res)
{
	size_t k = (size_t)(seq - b->seq0 - 1);
	const struct nft_batch_msg *m;
	const struct nft_op *op;
	const struct nlmsghdr *nlh;
	size_t sub = SIZE_MAX;
	long stmt = -1, idx;

	if (seq == b->seq0 || k >= b->n_msgs) {
		nft_txn_result_add(res, err, SIZE_MAX, SIZE_MAX, -1, msg);
		return;
	}
	m = &b->msgs[k];
	op = &txn->ops[m->op];
	nlh = (const struct nlmsghdr *)(b->buf + m->off);
	switch (op->type) {
	case NFT_OP_ADD_RULES:
		sub = m->sub;
		if (have_off) {
			idx = nested_index(
				nlh, find_attr(nlh, NFTA_RULE_EXPRESSIONS),
				off);
			if (idx >= 0)
				stmt = nft_nl_stmt_of_expr(
					&op->chain->rules[sub], op->family,
					(size_t)idx);
		}
		break;
	case NFT_OP_ADD_ELEMS:
	case NFT_OP_DEL_ELEMS:
		if (have_off) {
			idx = nested_index(
				nlh,
				find_attr(nlh, NFTA_SET_ELEM_LIST_ELEMENTS),
				off);
			if (idx >= 0)
				sub = elem_position(op, m->sub, idx);
		}
		break;
	default:
		break;
	}
	nft_txn_result_add(res, err, m->op, sub, stmt, msg);
}

/* Parse one error message; returns true when it ends the batch. */
static bool handle_ack(const struct nft_batch *b, const struct nft_txn *txn,
		       const struct nlmsghdr *nlh, struct nft_txn_result *res)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	uint32_t seq = e->msg.nlmsg_seq, last = b->seq0 + (uint32_t)b->n_msgs;
	const struct nlattr *a;
	const char *msg = NULL;
	uint32_t off = 0;
	bool have_off = false;
	size_t skip = sizeof(*e);

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
		return false;
	if (seq < b->seq0 || seq > last + 1)
		return false; /* an answer to an earlier batch */
	if (e->error && (nlh->nlmsg_flags & NLM_F_ACK_TLVS)) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			skip += e->msg.nlmsg_len - sizeof(e->msg);
		mnl_attr_for_each(a, nlh, skip)
		{
			if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
				msg = mnl_attr_get_str(a);
			else if (mnl_attr_get_type(a) == NLMSGERR_ATTR_OFFS) {
				off = mnl_attr_get_u32(a);
				have_off = true;
			}
		}
	}
	if (e->error)
		record_error(b, txn, seq, e->error, msg, have_off, off, res);
	return seq == last || seq == b->seq0 || seq == last + 1;
}

static int read_acks(struct nft_nl *nl, const struct nft_txn *txn,
		     struct nft_txn_result *res)
{
	int fd = mnl_socket_get_fd(nl->sock);
	size_t cap = 1u << 16;
	char *buf = xmalloc(cap);
	bool done = false;
	int ret = 0;

	while (!done) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		const struct nlmsghdr *nlh;
		ssize_t n;
		int len;

		n = poll(&pfd, 1, NFT_NL_TIMEOUT_MS);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -ETIMEDOUT;
			break;
		}
		n = recv(fd, buf, cap, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno; /* ENOBUFS: answers lost */
			break;
		}
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type == NLMSG_ERROR &&
			    handle_ack(&nl->batch, txn, nlh, res))
				done = true;
		}
	}
	free(buf);
	return ret;
}

int nft_nl_commit(struct nft_nl *nl, const struct nft_txn *txn,
		  struct nft_txn_result *res)
{
	struct nft_batch *b = &nl->batch;
	ssize_t n;
	int ret;

	nft_txn_result_init(res);
	if (!txn->n_ops)
		return 0;
	nft_batch_encode(b, txn, nl->seq);
	nl->seq += (uint32_t)b->n_msgs + 2;
	res->n_msgs = b->n_msgs;
	res->n_bytes = b->len;
	grow_sndbuf(nl, b->len);
	n = mnl_socket_sendto(nl->sock, b->buf, b->len);
	if (n < 0) {
		/* not sent: nothing applied */
		ret = -errno;
		nft_txn_result_add(res, ret, SIZE_MAX, SIZE_MAX, -1, NULL);
		goto out;
	}
	ret = read_acks(nl, txn, res);
	if (ret < 0) {
		res->unknown = true;
		nft_txn_result_add(res, ret, SIZE_MAX, SIZE_MAX, -1, NULL);
	} else {
		ret = res->err;
	}
out:
	if (b->cap > BATCH_KEEP)
		nft_batch_release(b);
	return ret;
}

/* --- Listing -------------------------------------------------------------- */

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nft_table_list *l = data;
	struct nftnl_table *t = nft_nl_check(nftnl_table_alloc());
	struct nft_table_id *id;
	const char *name;

	if (nftnl_table_nlmsg_parse(nlh, t) < 0)
		goto out;
	name = nftnl_table_get_str(t, NFTNL_TABLE_NAME);
	if (!name)
		goto out;
	id = XPUSH(l->v, l->n, l->cap);
	id->family = (int)nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY);
	snprintf(id->name, sizeof(id->name), "%s", name);
out:
	nftnl_table_free(t);
	return MNL_CB_OK;
}

static int table_id_qcmp(const void *a, const void *b)
{
	const struct nft_table_id *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return strcmp(x->name, y->name);
}

int nft_nl_list_tables(struct nft_nl *nl, struct nft_table_list *out)
{
	char *buf = xmalloc(MNL_SOCKET_BUFFER_SIZE);
	uint32_t seq = nl->seq++;
	struct nlmsghdr *nlh;
	int ret;

	memset(out, 0, sizeof(*out));
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_UNSPEC,
				    NLM_F_DUMP, seq);
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf,
						MNL_SOCKET_BUFFER_SIZE);

		if (n < 0) {
			ret = -errno;
			break;
		}
		ret = mnl_cb_run(buf, (size_t)n, seq, nl->portid, table_cb,
				 out);
		if (ret < 0) {
			ret = -errno;
			break;
		}
		if (ret == MNL_CB_STOP) {
			ret = 0;
			break;
		}
	}
	if (ret == 0 && out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), table_id_qcmp);
out:
	if (ret)
		nft_table_list_release(out);
	free(buf);
	return ret;
}
