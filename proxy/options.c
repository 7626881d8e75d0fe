// SPDX-License-Identifier: GPL-2.0
#include "proxy/options.h"
#include "proxy/plan_build.h"
#include "masq/masq_config.h"

#include <ctype.h>
#include <math.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_MIN_SYNC_MS 1000
#define DEFAULT_SYNC_MS 30000

enum opt_kind { OPT_BOOL, OPT_STRING, OPT_CUSTOM };

struct opt {
	const char *name;
	enum opt_kind kind;
	size_t offset; /* into struct nfp_options, for BOOL and STRING */
	int (*parse)(struct nfp_options *o, const char *v, char *err,
		     size_t errlen);
	const char *help;
};

static int parse_mode(struct nfp_options *o, const char *v, char *err,
		      size_t errlen)
{
	if (strcmp(v, "nftables") == 0)
		o->mode = NFP_MODE_NFTABLES;
	else if (strcmp(v, "iptables") == 0)
		o->mode = NFP_MODE_IPTABLES;
	else {
		snprintf(
			err, errlen,
			"--mode: unknown mode \"%s\" (want nftables or iptables)",
			v);
		return -EINVAL;
	}
	return 0;
}

/* A comma-separated list of CIDRs into arr[max]. */
static int parse_cidr_list(const char *flag, const char *v,
			   struct nfp_cidr *arr, size_t max, size_t *n,
			   char *err, size_t errlen)
{
	char *copy = strdup(v), *save = NULL, *tok;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	*n = 0;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*tok))
			tok++;
		if (*n == max) {
			snprintf(err, errlen, "%s: more than %zu CIDRs", flag,
				 max);
			ret = -EINVAL;
			break;
		}
		if (nfp_cidr_parse(tok, &arr[*n]) < 0) {
			snprintf(err, errlen, "%s: \"%s\" is not a CIDR", flag,
				 tok);
			ret = -EINVAL;
			break;
		}
		(*n)++;
	}
	free(copy);
	return ret;
}

static int parse_cluster_cidr(struct nfp_options *o, const char *v, char *err,
			      size_t errlen)
{
	int ret = parse_cidr_list("--cluster-cidr", v, o->cluster_cidrs, 2,
				  &o->n_cluster_cidrs, err, errlen);

	if (!ret && o->n_cluster_cidrs == 2 &&
	    o->cluster_cidrs[0].addr.family ==
		    o->cluster_cidrs[1].addr.family) {
		snprintf(
			err, errlen,
			"--cluster-cidr: two CIDRs must be one IPv4 and one IPv6");
		return -EINVAL;
	}
	return ret;
}

static int parse_nodeport(struct nfp_options *o, const char *v, char *err,
			  size_t errlen)
{
	return parse_cidr_list("--nodeport-addresses", v, o->nodeport_cidrs, 16,
			       &o->n_nodeport_cidrs, err, errlen);
}

static int parse_non_masq(struct nfp_options *o, const char *v, char *err,
			  size_t errlen)
{
	o->non_masq_set = true;
	return parse_cidr_list("--non-masquerade-cidrs", v, o->non_masq_cidrs,
			       64, &o->n_non_masq_cidrs, err, errlen);
}

/* A Go duration as kube-proxy takes it ("1s", "500ms", "2m", "1m30s"). */
static int parse_duration_ms(const char *flag, const char *v, unsigned int *ms,
			     char *err, size_t errlen)
{
	const char *p = v;
	double total = 0;

	if (!*p)
		goto bad;
	while (*p) {
		char *end;
		double x = strtod(p, &end);

		if (end == p || !isfinite(x) || x < 0)
			goto bad;
		p = end;
		if (strncmp(p, "ms", 2) == 0) {
			total += x;
			p += 2;
		} else if (*p == 's') {
			total += x * 1000;
			p++;
		} else if (*p == 'm') {
			total += x * 60000;
			p++;
		} else if (*p == 'h') {
			total += x * 3600000;
			p++;
		} else {
			goto bad;
		}
	}
	if (total > 24.0 * 3600000)
		goto bad;
	*ms = (unsigned int)total;
	return 0;
bad:
	snprintf(err, errlen, "%s: \"%s\" is not a duration like 1s or 500ms",
		 flag, v);
	return -EINVAL;
}

static int parse_min_sync(struct nfp_options *o, const char *v, char *err,
			  size_t errlen)
{
	return parse_duration_ms("--min-sync-period", v, &o->min_sync_ms, err,
				 errlen);
}

static int parse_sync(struct nfp_options *o, const char *v, char *err,
		      size_t errlen)
{
	int ret =
		parse_duration_ms("--sync-period", v, &o->sync_ms, err, errlen);

	if (!ret && o->sync_ms == 0) {
		snprintf(err, errlen, "--sync-period: must be greater than 0");
		return -EINVAL;
	}
	return ret;
}

static int parse_hostname(struct nfp_options *o, const char *v, char *err,
			  size_t errlen)
{
	size_t n = strlen(v);

	if (n == 0 || n >= sizeof(o->hostname)) {
		snprintf(err, errlen,
			 "--hostname-override: want 1-%zu characters",
			 sizeof(o->hostname) - 1);
		return -EINVAL;
	}
	for (size_t i = 0; i <= n; i++)
		o->hostname[i] = (char)tolower((unsigned char)v[i]);
	return 0;
}

static int parse_verbosity(struct nfp_options *o, const char *v, char *err,
			   size_t errlen)
{
	char *end;
	long x = strtol(v, &end, 10);

	if (!*v || *end || x < 0 || x > 10) {
		snprintf(err, errlen, "-v: want a level 0-10, got \"%s\"", v);
		return -EINVAL;
	}
	o->verbosity = (int)x;
	return 0;
}

#define OFF(f) offsetof(struct nfp_options, f)

static const struct opt opts_table[] = {
	{"mode", OPT_CUSTOM, 0, parse_mode, "nftables (default) or iptables"},
	{"dry-run", OPT_BOOL, OFF(dry_run), NULL,
	 "print the ruleset for this node and exit; touch nothing"},
	{"input", OPT_STRING, OFF(input), NULL,
	 "read objects from FILE (kubectl get -o json), - for stdin"},
	{"once", OPT_BOOL, OFF(once), NULL, "apply the ruleset once and exit"},
	{"cleanup", OPT_BOOL, OFF(cleanup), NULL,
	 "remove every rule kube-nfproxy (and kube-proxy) installed, exit"},
	{"kubeconfig", OPT_STRING, OFF(kubeconfig), NULL,
	 "kubeconfig file with the API server and credentials"},
	{"context", OPT_STRING, OFF(context), NULL,
	 "kubeconfig context (default: current-context)"},
	{"master", OPT_STRING, OFF(master), NULL,
	 "API server URL, overrides the kubeconfig's"},
	{"hostname-override", OPT_CUSTOM, 0, parse_hostname,
	 "this node's name (default: the host name)"},
	{"cluster-cidr", OPT_CUSTOM, 0, parse_cluster_cidr,
	 "pod range(s), comma-separated (one per family)"},
	{"nodeport-addresses", OPT_CUSTOM, 0, parse_nodeport,
	 "CIDRs whose local addresses accept node ports (default: all)"},
	{"masquerade-all", OPT_BOOL, OFF(masquerade_all), NULL,
	 "masquerade all traffic sent to service cluster IPs"},
	{"egress-masquerade", OPT_BOOL, OFF(egress_masq), NULL,
	 "masquerade pod traffic leaving the cluster (default true)"},
	{"non-masquerade-cidrs", OPT_CUSTOM, 0, parse_non_masq,
	 "destinations never masqueraded (default: --cluster-cidr)"},
	{"ip-masq-config", OPT_STRING, OFF(ip_masq_config), NULL,
	 "ip-masq-agent config file (nonMasqueradeCIDRs, masqLinkLocal)"},
	{"min-sync-period", OPT_CUSTOM, 0, parse_min_sync,
	 "least time between two syncs (default 1s)"},
	{"sync-period", OPT_CUSTOM, 0, parse_sync,
	 "full resync interval (default 30s)"},
	{"v", OPT_CUSTOM, 0, parse_verbosity, "log verbosity 0-10"},
	{"help", OPT_BOOL, OFF(help), NULL, "this text"},
	{"version", OPT_BOOL, OFF(version), NULL, "print the version"},
};

static void set_defaults(struct nfp_options *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = NFP_MODE_NFTABLES;
	o->egress_masq = true;
	o->min_sync_ms = DEFAULT_MIN_SYNC_MS;
	o->sync_ms = DEFAULT_SYNC_MS;
	if (gethostname(o->hostname, sizeof(o->hostname) - 1) == 0)
		for (char *p = o->hostname; *p; p++)
			*p = (char)tolower((unsigned char)*p);
}

static const struct opt *find_opt(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(opts_table) / sizeof(opts_table[0]); i++)
		if (strlen(opts_table[i].name) == len &&
		    strncmp(opts_table[i].name, name, len) == 0)
			return &opts_table[i];
	return NULL;
}

static int parse_bool(const char *flag, const char *v, bool *out, char *err,
		      size_t errlen)
{
	if (!v || strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		*out = true;
	else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		*out = false;
	else {
		snprintf(err, errlen, "--%s: want true or false, got \"%s\"",
			 flag, v);
		return -EINVAL;
	}
	return 0;
}

int nfp_options_parse(int argc, char **argv, struct nfp_options *o, char *err,
		      size_t errlen)
{
	set_defaults(o);
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *name, *eq, *val = NULL;
		const struct opt *opt;
		size_t len;
		int ret;

		if (arg[0] != '-' || arg[1] == '\0') {
			snprintf(err, errlen, "unexpected argument \"%s\"",
				 arg);
			return -EINVAL;
		}
		name = arg + (arg[1] == '-' ? 2 : 1);
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		opt = find_opt(name, len);
		if (!opt) {
			snprintf(err, errlen,
				 "unknown flag \"%s\" (see --help)", arg);
			return -EINVAL;
		}
		if (eq)
			val = eq + 1;
		if (opt->kind == OPT_BOOL) {
			ret = parse_bool(opt->name, val,
					 (bool *)((char *)o + opt->offset), err,
					 errlen);
			if (ret)
				return ret;
			continue;
		}
		if (!val) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "--%s needs a value",
					 opt->name);
				return -EINVAL;
			}
			val = argv[++i];
		}
		if (opt->kind == OPT_STRING) {
			*(const char **)((char *)o + opt->offset) = val;
			continue;
		}
		ret = opt->parse(o, val, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

void nfp_options_usage(FILE *out)
{
	fprintf(out,
		"Usage: kube-nfproxy [flags]\n"
		"  kube-nfproxy --dry-run --input cluster.json    print the ruleset\n"
		"  kube-nfproxy --once --input cluster.json       apply it once\n"
		"  kube-nfproxy --kubeconfig FILE                 run as the node's proxy\n\n"
		"Flags (--flag=value or --flag value):\n");
	for (size_t i = 0; i < sizeof(opts_table) / sizeof(opts_table[0]); i++)
		fprintf(out, "  %s%-24s %s\n",
			opts_table[i].name[1] ? "--" : "-", opts_table[i].name,
			opts_table[i].help);
}

void nfp_options_plan_config(const struct nfp_options *o,
			     const struct masq_config *mc,
			     struct plan_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->hostname = o->hostname;
	cfg->cluster_cidrs = o->cluster_cidrs;
	cfg->n_cluster_cidrs = o->n_cluster_cidrs;
	cfg->nodeport_cidrs = o->nodeport_cidrs;
	cfg->n_nodeport_cidrs = o->n_nodeport_cidrs;
	cfg->masquerade_all = o->masquerade_all;
	cfg->egress_masq = o->egress_masq;
	if (mc) {
		cfg->non_masq_cidrs = mc->non_masq_cidrs;
		cfg->n_non_masq_cidrs = mc->n_non_masq_cidrs;
		cfg->masq_link_local = mc->masq_link_local;
		cfg->masq_link_local_v6 = mc->masq_link_local_v6;
	} else if (o->non_masq_set) {
		cfg->non_masq_cidrs = o->non_masq_cidrs;
		cfg->n_non_masq_cidrs = o->n_non_masq_cidrs;
	}
}
