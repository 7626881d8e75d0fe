// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "cni/cmd.h"
#include "cni/result.h"
#include "util/xalloc.h"
#include "testutil.h"

static void add_ip(struct cni_result *r, const char *addr, unsigned int prefix,
		   const char *gw, int iface)
{
	struct cni_ip *ip = XPUSH(r->ips, r->n_ips, r->cap_ips);

	ck_assert_int_eq(nfp_addr_parse(addr, &ip->addr.addr), 0);
	ip->addr.prefix = prefix;
	if (gw)
		ck_assert_int_eq(nfp_addr_parse(gw, &ip->gw), 0);
	ip->iface = iface;
}

static void add_route(struct cni_result *r, const char *dst, const char *gw)
{
	struct cni_route *rt = XPUSH(r->routes, r->n_routes, r->cap_routes);

	ck_assert_int_eq(nfp_cidr_parse(dst, &rt->dst), 0);
	ck_assert_int_eq(nfp_addr_parse(gw, &rt->gw), 0);
}

/* What nfbridge's ADD returns for a dual-stack pod. */
static void dual_stack(struct cni_result *r)
{
	cni_result_add_iface(r, "cbr0", "0a:58:0a:f4:01:01", NULL);
	cni_result_add_iface(r, "nfb0123456789ab", "aa:bb:cc:dd:ee:01", NULL);
	cni_result_add_iface(r, "eth0", "aa:bb:cc:dd:ee:02",
			     "/var/run/netns/pod");
	add_ip(r, "10.244.1.5", 24, "10.244.1.1", 2);
	add_ip(r, "fd00:10:244:1::5", 64, "fd00:10:244:1::1", 2);
	add_route(r, "0.0.0.0/0", "10.244.1.1");
	add_route(r, "::/0", "fd00:10:244:1::1");
	r->dns.nameservers = xcalloc(1, sizeof(char *));
	r->dns.nameservers[0] = xstrdup("10.96.0.10");
	r->dns.n_nameservers = 1;
	r->dns.domain = xstrdup("cluster.local");
}

START_TEST(test_result_1_0)
{
	struct cni_result r = {0};
	char *text;

	dual_stack(&r);
	text = cni_result_json(&r, "1.0.0");
	test_golden("tests/unit/golden/cni_result_1.0.0.json", text);
	free(text);
	cni_result_clear(&r);
}
END_TEST

START_TEST(test_result_0_3_1)
{
	struct cni_result r = {0};
	char *text;

	/* Before 1.0.0 every IP names its version. */
	dual_stack(&r);
	text = cni_result_json(&r, "0.3.1");
	test_golden("tests/unit/golden/cni_result_0.3.1.json", text);
	ck_assert_ptr_nonnull(strstr(text, "\"version\": \"6\""));
	free(text);
	cni_result_clear(&r);
}
END_TEST

START_TEST(test_append)
{
	struct cni_result prev = {0}, mine = {0}, r = {0};

	cni_result_add_iface(&prev, "other0", NULL, NULL);
	add_ip(&prev, "192.168.0.2", 24, NULL, 0);
	add_ip(&prev, "192.168.1.2", 24, NULL, -1);
	prev.dns.domain = xstrdup("prev.local");
	dual_stack(&mine);
	cni_result_append(&r, &prev);
	cni_result_append(&r, &mine);
	ck_assert_uint_eq(r.n_ifaces, 4);
	ck_assert_str_eq(r.ifaces[3].name, "eth0");
	ck_assert_str_eq(r.ifaces[3].sandbox, "/var/run/netns/pod");
	ck_assert_uint_eq(r.n_ips, 4);
	ck_assert_int_eq(r.ips[0].iface, 0);
	ck_assert_int_eq(r.ips[1].iface, -1);
	/* mine's interface 2 is now interface 3. */
	ck_assert_int_eq(r.ips[2].iface, 3);
	ck_assert_int_eq(r.ips[3].iface, 3);
	ck_assert_uint_eq(r.n_routes, 2);
	/* The first DNS block is kept. */
	ck_assert_str_eq(r.dns.domain, "prev.local");
	ck_assert_uint_eq(r.dns.n_nameservers, 0);
	cni_result_clear(&prev);
	cni_result_clear(&mine);
	cni_result_clear(&r);
}
END_TEST

START_TEST(test_error_json)
{
	struct cni_error e = {0};
	char *text;

	ck_assert_int_eq(cni_error_set(&e, CNI_ERR_INVALID_CONFIG,
				       "subnet \"%s\" is not a CIDR", "x"),
			 -EINVAL);
	/* The first error is the one reported. */
	cni_error_set(&e, CNI_ERR_IO, "later");
	cni_error_details(&e, "while reading %s", "stdin");
	text = cni_error_json(&e, "1.1.0");
	ck_assert_str_eq(text,
			 "{\n"
			 "    \"cniVersion\": \"1.1.0\",\n"
			 "    \"code\": 7,\n"
			 "    \"msg\": \"subnet \\\"x\\\" is not a CIDR\",\n"
			 "    \"details\": \"while reading stdin\"\n"
			 "}\n");
	free(text);
	cni_error_clear(&e);
	/* Bytes that are not UTF-8 (a caller's container ID) stay JSON. */
	cni_error_set(&e, CNI_ERR_INVALID_ENV, "bad \xff\xfe id");
	text = cni_error_json(&e, "0.4.0");
	ck_assert_ptr_nonnull(strstr(text, "\"msg\": \"bad ?? id\""));
	ck_assert_ptr_null(strstr(text, "details"));
	free(text);
	cni_error_clear(&e);
	ck_assert_int_eq(e.code, 0);
}
END_TEST

START_TEST(test_version_json)
{
	char *text = cni_version_json("1.1.0");

	ck_assert_str_eq(text, "{\n"
			       "    \"cniVersion\": \"1.1.0\",\n"
			       "    \"supportedVersions\": [\n"
			       "        \"0.3.0\",\n"
			       "        \"0.3.1\",\n"
			       "        \"0.4.0\",\n"
			       "        \"1.0.0\",\n"
			       "        \"1.1.0\"\n"
			       "    ]\n"
			       "}\n");
	free(text);
}
END_TEST

START_TEST(test_veth_name)
{
	char a[IFNAMSIZ], b[IFNAMSIZ], c[IFNAMSIZ];

	cni_veth_name(
		"3f6940ab5ab43bc522569d15b23f8c1bbde1d7678b080398506924fc01d72755",
		"eth0", a);
	ck_assert_uint_eq(strlen(a), IFNAMSIZ - 1);
	ck_assert(strncmp(a, "nfb", 3) == 0);
	/* Stable (DEL finds what ADD made) and distinct per interface. */
	cni_veth_name(
		"3f6940ab5ab43bc522569d15b23f8c1bbde1d7678b080398506924fc01d72755",
		"eth0", b);
	ck_assert_str_eq(a, b);
	cni_veth_name(
		"3f6940ab5ab43bc522569d15b23f8c1bbde1d7678b080398506924fc01d72755",
		"net1", c);
	ck_assert_str_ne(a, c);
	/* (id, ifname) is not just their concatenation. */
	cni_veth_name("ab", "c", b);
	cni_veth_name("a", "bc", c);
	ck_assert_str_ne(b, c);
}
END_TEST

START_TEST(test_cmd_table)
{
	static const char *const names[] = {"ADD", "DEL", "CHECK", "STATUS",
					    "GC"};

	for (size_t i = 0; i < 5; i++) {
		const struct cni_cmd *cmd = cni_cmd_find(names[i]);

		ck_assert_ptr_nonnull(cmd);
		ck_assert_str_eq(cmd->name, names[i]);
	}
	ck_assert_str_eq(cni_cmd_find("CHECK")->min_version, "0.4.0");
	ck_assert_str_eq(cni_cmd_find("GC")->min_version, "1.1.0");
	ck_assert_ptr_null(cni_cmd_find("add"));
	ck_assert_ptr_null(cni_cmd_find("VERSION"));
	ck_assert_ptr_null(cni_cmd_find(NULL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cni_result");
	TCase *tc = tcase_create("result");

	tcase_add_test(tc, test_result_1_0);
	tcase_add_test(tc, test_result_0_3_1);
	tcase_add_test(tc, test_append);
	tcase_add_test(tc, test_error_json);
	tcase_add_test(tc, test_version_json);
	tcase_add_test(tc, test_veth_name);
	tcase_add_test(tc, test_cmd_table);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
