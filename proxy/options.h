/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_PROXY_OPTIONS_H
#define NFP_PROXY_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util/addr.h"

enum nfp_mode { NFP_MODE_NFTABLES, NFP_MODE_IPTABLES };

/* Command-line options; kube-proxy's names where the meaning is the same
 * (docs/flags.md). Strings are borrowed from argv. */
struct nfp_options {
	enum nfp_mode mode;
	bool dry_run;
	bool once;
	bool cleanup;
	bool help;
	bool version;
	const char *input; /* --input FILE or "-" */
	const char *kubeconfig;
	const char *master;
	const char *context;
	char hostname[256]; /* --hostname-override or the host name */
	struct nfp_cidr cluster_cidrs[2];
	size_t n_cluster_cidrs;
	struct nfp_cidr nodeport_cidrs[16];
	size_t n_nodeport_cidrs;
	bool masquerade_all;
	bool egress_masq; /* --egress-masquerade (default true) */
	struct nfp_cidr non_masq_cidrs[64];
	size_t n_non_masq_cidrs;
	bool non_masq_set;
	const char *ip_masq_config; /* --ip-masq-config FILE */
	unsigned int min_sync_ms;
	unsigned int sync_ms;
	int verbosity; /* -v */
};

/*
 * Parse argv into opts (defaults first). Returns 0, or -EINVAL with a
 * message for the user in err (errlen bytes).
 */
int nfp_options_parse(int argc, char **argv, struct nfp_options *opts,
		      char *err, size_t errlen);
struct plan_config;
struct masq_config;
/* The plan_build() configuration these options give (borrows from o).
 * mc, when not NULL, is the ip-masq-agent file, which takes precedence
 * over --non-masquerade-cidrs (borrowed too). */
void nfp_options_plan_config(const struct nfp_options *o,
			     const struct masq_config *mc,
			     struct plan_config *cfg);

/* The --help text. */
void nfp_options_usage(FILE *out);

#endif
