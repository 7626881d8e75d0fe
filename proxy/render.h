/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_PROXY_RENDER_H
#define NFP_PROXY_RENDER_H

#include "proxy/options.h"
#include "proxy/plan.h"
#include "util/diag.h"

/* Marker lines that start each family's text in an iptables dump, so the
 * output can be split and fed to iptables-restore / ip6tables-restore. */
#define RENDER_IPT4_MARKER "# kube-nfproxy: iptables-restore (IPv4)"
#define RENDER_IPT6_MARKER "# kube-nfproxy: ip6tables-restore (IPv6)"

/*
 * The ruleset for a plan as text in the back end's own syntax: `nft -f`
 * for nftables, iptables-restore for iptables (IPv4 then IPv6, each after
 * its marker line). Returns an owned string, or NULL with a diagnostic.
 */
char *render_ruleset(const struct plan *p, enum nfp_mode mode,
		     struct diag_list *diags);

#endif
