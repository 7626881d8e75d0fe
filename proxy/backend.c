// SPDX-License-Identifier: GPL-2.0
#include "proxy/backend.h"
#include "rules/conntrack.h"
#include "rules/ipt_apply.h"
#include "rules/ipt_compile.h"
#include "rules/ipt_kernel.h"
#include "rules/nft_apply.h"
#include "rules/nft_compile.h"
#include "rules/nft_kernel.h"
#include "rules/nft_netlink.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct backend {
	enum nfp_mode mode;
	struct nft_nl *nl;
	struct nft_apply nft;
	struct ipt_apply *ipt;
	struct plan prev;	  /* the last plan the kernel took */
	struct ct_index prev_idx; /* its frontends, pointing into prev */
	bool have_prev;
	bool resync;	   /* iptables: refill every chain next time */
	bool no_ip6tables; /* the kernel has no IPv6 x_tables: IPv4 only */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct backend *backend_new(enum nfp_mode mode, struct diag_list *d)
{
	struct backend *b = xcalloc(1, sizeof(*b));
	char path[256];

	b->mode = mode;
	if (mode == NFP_MODE_NFTABLES) {
		b->nl = nft_nl_open();
		if (!b->nl) {
			diag_addf(d, DIAG_ERROR,
				  "nftables: cannot open a netlink socket: %s",
				  strerror(errno));
			free(b);
			return NULL;
		}
		nft_apply_init(&b->nft, &nft_netlink_ops, b->nl);
		return b;
	}
	b->ipt = ipt_apply_new(&ipt_kernel_ops, NULL);
	if (ipt_kernel_flavour(NULL, path, sizeof(path)) == IPT_FLAVOUR_NFT)
		diag_addf(
			d, DIAG_WARN,
			"iptables: this host's iptables is the nf_tables variant (%s); --mode=iptables programs the legacy x_tables interface, so `iptables -L` will not show our rules (use iptables-legacy, or --mode=nftables)",
			path);
	return b;
}

void backend_free(struct backend *b)
{
	if (!b)
		return;
	if (b->nl) {
		nft_apply_release(&b->nft);
		nft_nl_close(b->nl);
	}
	ipt_apply_free(b->ipt);
	ct_index_free(&b->prev_idx);
	plan_free(&b->prev);
	free(b);
}

static int sync_nft(struct backend *b, const struct plan *p,
		    struct backend_sync_stats *st, struct diag_list *d)
{
	struct nft_ruleset rs;
	double t0 = now_s();
	int ret;

	memset(&rs, 0, sizeof(rs));
	ret = nft_compile(p, &rs, d);
	st->compile_s = now_s() - t0;
	if (ret) {
		nft_ruleset_free(&rs);
		return ret;
	}
	t0 = now_s();
	ret = nft_apply_sync(&b->nft, &rs, d);
	st->apply_s = now_s() - t0;
	st->ops = (unsigned int)b->nft.last.ops;
	st->full = b->nft.last.full;
	nft_ruleset_free(&rs);
	return ret;
}

/* What ip6tc says on a kernel without IPv6 x_tables (ipv6.disable=1,
 * no ip6_tables). */
static bool ip6tables_missing(int err)
{
	return err == -ENOENT || err == -EAFNOSUPPORT ||
	       err == -EPROTONOSUPPORT || err == -ENOPROTOOPT;
}

static int sync_ipt(struct backend *b, const struct plan *p,
		    struct backend_sync_stats *st, struct diag_list *d)
{
	static const int families[] = {AF_INET, AF_INET6};
	int first = 0;

	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		struct ipt_ruleset rs;
		const struct ipt_apply_stats *as;
		double t0 = now_s();
		int ret;

		if (families[i] == AF_INET6 && b->no_ip6tables)
			continue;
		memset(&rs, 0, sizeof(rs));
		ret = ipt_compile(p, families[i], &rs, d);
		st->compile_s += now_s() - t0;
		if (!ret) {
			t0 = now_s();
			ret = ipt_apply_sync(b->ipt, &rs,
					     b->resync ? IPT_APPLY_FULL : 0, d);
			st->apply_s += now_s() - t0;
			as = ipt_apply_stats(b->ipt);
			st->ops += (unsigned int)(as->chains_created +
						  as->chains_refilled +
						  as->chains_deleted);
		}
		ipt_ruleset_release(&rs);
		if (ret && families[i] == AF_INET6 && ip6tables_missing(ret)) {
			diag_addf(
				d, DIAG_WARN,
				"iptables: the kernel has no IPv6 x_tables (%s); IPv6 services are not programmed",
				strerror(-ret));
			b->no_ip6tables = true;
			ret = 0;
		}
		if (ret && !first)
			first = ret;
	}
	return first;
}

int backend_sync(struct backend *b, struct plan *p,
		 struct backend_sync_stats *st, struct diag_list *d)
{
	struct ct_index idx;
	struct ct_stats ct;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = b->mode == NFP_MODE_NFTABLES ? sync_nft(b, p, st, d)
					   : sync_ipt(b, p, st, d);
	b->resync = false;
	if (ret) {
		plan_free(p);
		return ret;
	}
	/* The kernel holds the new rules: now flows that point at endpoints
	 * it no longer uses can go. */
	ct_index_build(p, &idx);
	ret = ct_cleanup(&idx, b->have_prev ? &b->prev_idx : NULL, &ct);
	if (ret < 0)
		diag_addf(
			d, DIAG_WARN,
			"conntrack: cannot walk the table (%s); stale UDP flows may linger until they time out",
			strerror(-ret));
	st->ct_deleted = ct.deleted;
	/* The plan's arrays stay where they are when the struct moves, so
	 * the index built from it stays valid as the previous one. */
	ct_index_free(&b->prev_idx);
	plan_free(&b->prev);
	b->prev = *p;
	b->prev_idx = idx;
	b->have_prev = true;
	memset(p, 0, sizeof(*p));
	return 0;
}

void backend_mark_resync(struct backend *b)
{
	struct nft_table_list tl;

	if (b->mode == NFP_MODE_IPTABLES) {
		b->resync = true;
		return;
	}
	if (nft_nl_list_tables(b->nl, &tl) != 0) {
		nft_apply_invalidate(&b->nft);
		return;
	}
	if (!nft_table_list_has(&tl, NFPROTO_IPV4, NFTC_TABLE) ||
	    !nft_table_list_has(&tl, NFPROTO_IPV6, NFTC_TABLE))
		nft_apply_invalidate(&b->nft);
	nft_table_list_release(&tl);
}

int backend_cleanup(struct diag_list *d)
{
	struct nft_nl *nl = nft_nl_open();
	int ret = 0, r;

	if (nl) {
		ret = nft_apply_cleanup(&nft_netlink_ops, nl, d);
		nft_nl_close(nl);
	} else {
		ret = -errno;
		diag_addf(d, DIAG_ERROR,
			  "nftables: cannot open a netlink socket: %s",
			  strerror(errno));
	}
	r = ipt_apply_cleanup(NULL, &ipt_kernel_ops, NULL, NULL, d);
	return ret ? ret : r;
}
