// SPDX-License-Identifier: GPL-2.0
/* kube-nfproxy: the entry point. Parses flags and runs one of the jobs. */
#include "proxy/backend.h"
#include "proxy/daemon.h"
#include "proxy/log.h"
#include "proxy/options.h"
#include "proxy/plan_build.h"
#include "proxy/render.h"
#include "proxy/snapshot.h"
#include "proxy/version.h"
#include "proxy/sysctl.h"
#include "masq/masq_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_USAGE 2

/*
 * Read the snapshot and build the plan. Input problems are logged and do
 * not stop the job: the objects that decoded still count.
 */
static int plan_from_snapshot(const struct nfp_options *o, struct plan *plan)
{
	struct k8s_cluster cluster = {0};
	struct diag_list diags = {0};
	struct masq_config mc = {0};
	struct plan_config cfg;
	int ret;

	ret = snapshot_load(o->input, &cluster, &diags);
	log_diags(&diags, o->input);
	diag_list_free(&diags);
	if (ret && ret != -EINVAL) {
		log_error("cannot read %s: %s", o->input, strerror(-ret));
		k8s_cluster_clear(&cluster);
		return ret;
	}
	if (o->ip_masq_config) {
		ret = masq_config_load(o->ip_masq_config, &mc, &diags);
		log_diags(&diags, "ip-masq-config");
		diag_list_free(&diags);
		if (ret) {
			k8s_cluster_clear(&cluster);
			return ret;
		}
	}
	nfp_options_plan_config(o, o->ip_masq_config ? &mc : NULL, &cfg);
	plan_build(&cluster, &cfg, plan, &diags);
	masq_config_free(&mc);
	log_diags(&diags, "plan");
	diag_list_free(&diags);
	k8s_cluster_clear(&cluster);
	return 0;
}

static int run_dry_run(const struct nfp_options *o)
{
	struct diag_list diags = {0};
	struct plan plan;
	char *text;

	if (!o->input) {
		log_error(
			"--dry-run needs --input FILE (a kubectl get -o json snapshot, or - for stdin)");
		return EXIT_USAGE;
	}
	if (plan_from_snapshot(o, &plan))
		return EXIT_FAILURE;
	text = render_ruleset(&plan, o->mode, &diags);
	log_diags(&diags, "rules");
	diag_list_free(&diags);
	plan_free(&plan);
	if (!text)
		return EXIT_FAILURE;
	fputs(text, stdout);
	free(text);
	return fflush(stdout) ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* --once: apply the snapshot's ruleset once and exit. */
static int run_once(const struct nfp_options *o)
{
	struct backend_sync_stats st = {0};
	struct diag_list diags = {0};
	struct backend *be;
	struct plan plan;
	int ret;

	if (!o->input) {
		log_error(
			"--once needs --input FILE (a kubectl get -o json snapshot, or - for stdin)");
		return EXIT_USAGE;
	}
	if (plan_from_snapshot(o, &plan))
		return EXIT_FAILURE;
	be = backend_new(o->mode, &diags);
	log_diags(&diags, "backend");
	diag_list_free(&diags);
	if (!be) {
		plan_free(&plan);
		return EXIT_FAILURE;
	}
	sysctl_prepare_for_plan(&plan, &diags);
	log_diags(&diags, "sysctl");
	diag_list_free(&diags);
	ret = backend_sync(be, &plan, &st, &diags);
	plan_free(&plan);
	log_diags(&diags, "sync");
	diag_list_free(&diags);
	backend_free(be);
	if (ret) {
		log_error(
			"the kernel refused the ruleset: %s; what was installed before stays",
			strerror(-ret));
		return EXIT_FAILURE;
	}
	log_v(1,
	      "applied: compile %.3f s, apply %.3f s, %u ops, %u conntrack entries removed",
	      st.compile_s, st.apply_s, st.ops, st.ct_deleted);
	return EXIT_SUCCESS;
}

static int run_cleanup(void)
{
	struct diag_list diags = {0};
	int ret = backend_cleanup(&diags);

	log_diags(&diags, "cleanup");
	diag_list_free(&diags);
	if (ret) {
		log_error("cleanup incomplete: %s", strerror(-ret));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	struct nfp_options opts;
	char err[512];

	if (nfp_options_parse(argc, argv, &opts, err, sizeof(err))) {
		fprintf(stderr, "kube-nfproxy: %s\n", err);
		return EXIT_USAGE;
	}
	log_set_verbosity(opts.verbosity);
	if (opts.help) {
		nfp_options_usage(stdout);
		return EXIT_SUCCESS;
	}
	if (opts.version) {
		printf("kube-nfproxy %s\n", NFP_VERSION);
		return EXIT_SUCCESS;
	}
	if (opts.cleanup)
		return run_cleanup();
	if (opts.dry_run)
		return run_dry_run(&opts);
	if (opts.once)
		return run_once(&opts);
	if (opts.input) {
		log_error(
			"--input needs --dry-run or --once (the daemon reads the API server)");
		return EXIT_USAGE;
	}
	return daemon_run(&opts);
}
