// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "cni/podcidr.h"
#include "testutil.h"

static int decode(const char *json, struct nfp_cidr *out, size_t max, size_t *n,
		  struct cni_error *err)
{
	return cni_podcidr_decode(json, strlen(json), "node-a", out, max, n,
				  err);
}

START_TEST(test_pod_cidrs)
{
	struct cni_error err = {0};
	struct nfp_cidr out[3];
	char a[NFP_CIDR_STRLEN], b[NFP_CIDR_STRLEN];
	size_t n;

	ck_assert_int_eq(
		decode("{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"node-a\"},"
		       "\"spec\":{\"podCIDR\":\"10.244.1.0/24\",\"podCIDRs\":[\"10.244.1.0/24\",\"fd00:10:244:1::/64\"]},"
		       "\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"192.168.0.10\"}]}}",
		       out, 3, &n, &err),
		0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(nfp_cidr_str(&out[0], a), "10.244.1.0/24");
	ck_assert_str_eq(nfp_cidr_str(&out[1], b), "fd00:10:244:1::/64");
	ck_assert_int_eq(err.code, 0);
}
END_TEST

START_TEST(test_pod_cidr_only)
{
	struct cni_error err = {0};
	struct nfp_cidr out[3];
	char a[NFP_CIDR_STRLEN];
	size_t n;

	/* Older clusters set only spec.podCIDR. */
	ck_assert_int_eq(
		decode("{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"node-a\"},"
		       "\"spec\":{\"podCIDR\":\"10.244.7.0/24\"}}",
		       out, 3, &n, &err),
		0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(nfp_cidr_str(&out[0], a), "10.244.7.0/24");
}
END_TEST

START_TEST(test_no_pod_cidr_yet)
{
	struct cni_error err = {0};
	struct nfp_cidr out[3];
	size_t n;

	ck_assert_int_lt(
		decode("{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"node-a\"},\"spec\":{}}",
		       out, 3, &n, &err),
		0);
	ck_assert_int_eq(err.code, CNI_ERR_TRY_AGAIN);
	ck_assert_ptr_nonnull(strstr(err.msg, "node-a has no podCIDR"));
	ck_assert_uint_eq(n, 0);
	cni_error_clear(&err);
}
END_TEST

START_TEST(test_not_a_node)
{
	struct cni_error err = {0};
	struct nfp_cidr out[3];
	size_t n;

	ck_assert_int_lt(
		decode("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":404}",
		       out, 3, &n, &err),
		0);
	ck_assert_int_eq(err.code, CNI_ERR_INTERNAL);
	cni_error_clear(&err);
	ck_assert_int_lt(decode("not json", out, 3, &n, &err), 0);
	ck_assert_int_eq(err.code, CNI_ERR_INTERNAL);
	cni_error_clear(&err);
}
END_TEST

START_TEST(test_node_name)
{
	char *name = cni_podcidr_node_name();

	ck_assert_ptr_nonnull(name);
	ck_assert_uint_gt(strlen(name), 0);
	for (const char *p = name; *p; p++)
		ck_assert(!(*p >= 'A' && *p <= 'Z'));
	free(name);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cni_podcidr");
	TCase *tc = tcase_create("podcidr");

	tcase_add_test(tc, test_pod_cidrs);
	tcase_add_test(tc, test_pod_cidr_only);
	tcase_add_test(tc, test_no_pod_cidr_yet);
	tcase_add_test(tc, test_not_a_node);
	tcase_add_test(tc, test_node_name);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
