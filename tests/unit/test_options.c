// SPDX-License-Identifier: GPL-2.0
/* proxy/options.c: kube-proxy style flags. */
#include "proxy/options.h"
#include "testutil.h"

#include <errno.h>

static int parse(struct nfp_options *o, char *err, const char *a1,
		 const char *a2, const char *a3)
{
	char *argv[5] = {"kube-nfproxy", (char *)a1, (char *)a2, (char *)a3,
			 NULL};
	int argc = 1 + (a1 != NULL) + (a2 != NULL) + (a3 != NULL);

	return nfp_options_parse(argc, argv, o, err, 256);
}

START_TEST(test_defaults)
{
	struct nfp_options o;
	char err[256];

	ck_assert_int_eq(parse(&o, err, NULL, NULL, NULL), 0);
	ck_assert_int_eq(o.mode, NFP_MODE_NFTABLES);
	ck_assert_int_eq(o.min_sync_ms, 1000);
	ck_assert_int_eq(o.sync_ms, 30000);
	ck_assert(o.egress_masq);
	ck_assert(o.hostname[0] != '\0');
}
END_TEST

START_TEST(test_values_both_forms)
{
	struct nfp_options o;
	char err[256], buf[NFP_CIDR_STRLEN];

	ck_assert_int_eq(parse(&o, err, "--mode=iptables", "--cluster-cidr",
			       "10.244.0.0/16,fd00:10:244::/56"),
			 0);
	ck_assert_int_eq(o.mode, NFP_MODE_IPTABLES);
	ck_assert_int_eq(o.n_cluster_cidrs, 2);
	ck_assert_str_eq(nfp_cidr_str(&o.cluster_cidrs[1], buf),
			 "fd00:10:244::/56");
	ck_assert_int_eq(parse(&o, err, "--hostname-override=Node-A",
			       "--min-sync-period=1m30s", "--dry-run"),
			 0);
	ck_assert_str_eq(o.hostname, "node-a");
	ck_assert_int_eq(o.min_sync_ms, 90000);
	ck_assert(o.dry_run);
	ck_assert_int_eq(parse(&o, err, "--egress-masquerade=false",
			       "--sync-period=500ms", "-v=3"),
			 0);
	ck_assert(!o.egress_masq);
	ck_assert_int_eq(o.sync_ms, 500);
	ck_assert_int_eq(o.verbosity, 3);
}
END_TEST

START_TEST(test_errors_say_what)
{
	struct nfp_options o;
	char err[256];

	ck_assert_int_eq(parse(&o, err, "--mode=ipvs", NULL, NULL), -EINVAL);
	ck_assert_str_eq(
		err,
		"--mode: unknown mode \"ipvs\" (want nftables or iptables)");
	ck_assert_int_eq(
		parse(&o, err, "--cluster-cidr=10.0.0.0/33", NULL, NULL),
		-EINVAL);
	ck_assert_str_eq(err, "--cluster-cidr: \"10.0.0.0/33\" is not a CIDR");
	ck_assert_int_eq(parse(&o, err, "--cluster-cidr=10.0.0.0/8,10.1.0.0/16",
			       NULL, NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&o, err, "--bogus", NULL, NULL), -EINVAL);
	ck_assert_str_eq(err, "unknown flag \"--bogus\" (see --help)");
	ck_assert_int_eq(parse(&o, err, "--input", NULL, NULL), -EINVAL);
	ck_assert_str_eq(err, "--input needs a value");
	ck_assert_int_eq(parse(&o, err, "--sync-period=soon", NULL, NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&o, err, "--sync-period=0s", NULL, NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&o, err, "--dry-run=maybe", NULL, NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&o, err, "stray", NULL, NULL), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("flags");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_values_both_forms);
	tcase_add_test(tc, test_errors_say_what);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
