// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "cni/config.h"
#include "cni/version.h"
#include "testutil.h"

/* Parse text; returns the error code (0 on success). cfg is left for the
 * caller to inspect and clear. */
static int parse(const char *text, struct cni_config *cfg,
		 struct cni_error *err)
{
	int ret = cni_config_parse(text, strlen(text), cfg, err);

	ck_assert_int_eq(ret == 0, err->code == 0);
	return err->code;
}

/* The error code of a bad configuration, whose message must mention
 * needle. */
static void expect_error(const char *text, int code, const char *needle)
{
	struct cni_error err = {0};
	struct cni_config cfg;

	ck_assert_int_eq(parse(text, &cfg, &err), code);
	ck_assert_msg(err.msg && strstr(err.msg, needle),
		      "message \"%s\" lacks \"%s\"", err.msg, needle);
	cni_config_clear(&cfg);
	cni_error_clear(&err);
}

static const char *addr(const struct nfp_addr *a, char *buf)
{
	return nfp_addr_str(a, buf);
}

START_TEST(test_minimal_defaults)
{
	struct cni_error err = {0};
	struct cni_config cfg;
	char a[NFP_ADDR_STRLEN], c[NFP_CIDR_STRLEN];

	ck_assert_int_eq(
		parse("{\"cniVersion\":\"1.0.0\",\"name\":\"k8s-pod-network\",\"type\":\"nfbridge\",\"subnet\":\"10.244.1.0/24\"}",
		      &cfg, &err),
		0);
	ck_assert_str_eq(cfg.version, "1.0.0");
	ck_assert_str_eq(cfg.name, "k8s-pod-network");
	ck_assert_str_eq(cfg.type, "nfbridge");
	ck_assert_str_eq(cfg.bridge, CNI_DEFAULT_BRIDGE);
	ck_assert_str_eq(cfg.data_dir, CNI_DEFAULT_DATA_DIR);
	ck_assert(cfg.hairpin);
	ck_assert_uint_eq(cfg.mtu, 0);
	ck_assert(!cfg.subnet_auto);
	ck_assert_uint_eq(cfg.n_subnets, 1);
	ck_assert_str_eq(nfp_cidr_str(&cfg.subnets[0].cidr, c),
			 "10.244.1.0/24");
	ck_assert_str_eq(addr(&cfg.subnets[0].gw, a), "10.244.1.1");
	ck_assert(!cfg.has_prev_result);
	ck_assert(!cfg.has_valid_attachments);
	ck_assert(cni_dns_empty(&cfg.dns));
	cni_config_clear(&cfg);
}
END_TEST

START_TEST(test_all_keys)
{
	struct cni_error err = {0};
	struct cni_config cfg;
	char a[NFP_ADDR_STRLEN], c[NFP_CIDR_STRLEN];
	const char *text =
		"{\"cniVersion\":\"1.1.0\",\"name\":\"net.1_a-b\","
		"\"type\":\"nfbridge\",\"bridge\":\"br0\","
		"\"subnets\":[\"10.244.1.0/24\",{\"subnet\":\"fd00:10:244:1::/64\",\"gateway\":\"fd00:10:244:1::fe\"}],"
		"\"gateway\":\"10.244.1.254\",\"mtu\":1450,\"dataDir\":\"/run/x\","
		"\"hairpinMode\":false,\"unknownKey\":{\"ignored\":true},"
		"\"dns\":{\"nameservers\":[\"10.96.0.10\"],\"domain\":\"cluster.local\","
		"\"search\":[\"a\",\"b\"],\"options\":[\"ndots:5\"]}}";

	ck_assert_int_eq(parse(text, &cfg, &err), 0);
	ck_assert_str_eq(cfg.bridge, "br0");
	ck_assert_str_eq(cfg.data_dir, "/run/x");
	ck_assert_uint_eq(cfg.mtu, 1450);
	ck_assert(!cfg.hairpin);
	ck_assert_uint_eq(cfg.n_subnets, 2);
	ck_assert_str_eq(nfp_cidr_str(&cfg.subnets[0].cidr, c),
			 "10.244.1.0/24");
	ck_assert_str_eq(addr(&cfg.subnets[0].gw, a), "10.244.1.254");
	ck_assert_str_eq(nfp_cidr_str(&cfg.subnets[1].cidr, c),
			 "fd00:10:244:1::/64");
	ck_assert_str_eq(addr(&cfg.subnets[1].gw, a), "fd00:10:244:1::fe");
	ck_assert_uint_eq(cfg.dns.n_nameservers, 1);
	ck_assert_str_eq(cfg.dns.nameservers[0], "10.96.0.10");
	ck_assert_str_eq(cfg.dns.domain, "cluster.local");
	ck_assert_uint_eq(cfg.dns.n_search, 2);
	ck_assert_str_eq(cfg.dns.search[1], "b");
	ck_assert_uint_eq(cfg.dns.n_options, 1);
	cni_config_clear(&cfg);
}
END_TEST

START_TEST(test_ipv6_default_gateway)
{
	struct cni_error err = {0};
	struct cni_config cfg;
	char a[NFP_ADDR_STRLEN];

	ck_assert_int_eq(
		parse("{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"subnets\":[\"fd00::/120\"]}",
		      &cfg, &err),
		0);
	ck_assert_str_eq(addr(&cfg.subnets[0].gw, a), "fd00::1");
	cni_config_clear(&cfg);

	/* A /30 holds the gateway and one pod: the smallest pool. */
	ck_assert_int_eq(
		parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"subnet\":\"10.1.0.0/30\",\"gateway\":\"10.1.0.2\"}",
		      &cfg, &err),
		0);
	ck_assert_str_eq(addr(&cfg.subnets[0].gw, a), "10.1.0.2");
	cni_config_clear(&cfg);
}
END_TEST

START_TEST(test_subnet_auto)
{
	struct cni_error err = {0};
	struct cni_config cfg;

	ck_assert_int_eq(
		parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"subnet\":\"auto\",\"kubeconfig\":\"/etc/kubernetes/kubelet.conf\"}",
		      &cfg, &err),
		0);
	ck_assert(cfg.subnet_auto);
	ck_assert_uint_eq(cfg.n_subnets, 0);
	ck_assert_str_eq(cfg.kubeconfig, "/etc/kubernetes/kubelet.conf");
	cni_config_clear(&cfg);

	/* nodeName and a gateway for the subnet to come. */
	ck_assert_int_eq(
		parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"subnet\":\"auto\",\"kubeconfig\":\"/k\",\"nodeName\":\"node-a\",\"gateway\":\"10.1.0.254\"}",
		      &cfg, &err),
		0);
	ck_assert_str_eq(cfg.node_name, "node-a");
	ck_assert_int_eq(cfg.gateway.family, AF_INET);
	cni_config_clear(&cfg);
	expect_error(
		"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"subnet\":\"auto\"}",
		CNI_ERR_INVALID_CONFIG, "needs kubeconfig");
}
END_TEST

START_TEST(test_add_subnet)
{
	struct cni_error err = {0};
	struct cni_config cfg;
	struct nfp_cidr v4, v6, v4b;
	char a[NFP_ADDR_STRLEN];

	/* What subnet "auto" does with the Node's podCIDRs. */
	ck_assert_int_eq(
		parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"subnet\":\"auto\",\"kubeconfig\":\"/k\",\"gateway\":\"10.1.0.254\"}",
		      &cfg, &err),
		0);
	ck_assert_int_eq(nfp_cidr_parse("10.1.0.0/24", &v4), 0);
	ck_assert_int_eq(nfp_cidr_parse("fd00::/64", &v6), 0);
	ck_assert_int_eq(nfp_cidr_parse("10.2.0.0/24", &v4b), 0);
	ck_assert_ptr_null(cni_config_gateway_for(&cfg, &v6));
	ck_assert_int_eq(
		cni_config_add_subnet(&cfg, &v4,
				      cni_config_gateway_for(&cfg, &v4), &err),
		0);
	ck_assert_int_eq(cni_config_add_subnet(&cfg, &v6, NULL, &err), 0);
	ck_assert_str_eq(addr(&cfg.subnets[0].gw, a), "10.1.0.254");
	ck_assert_str_eq(addr(&cfg.subnets[1].gw, a), "fd00::1");
	ck_assert_int_lt(cni_config_add_subnet(&cfg, &v4b, NULL, &err), 0);
	ck_assert_int_eq(err.code, CNI_ERR_INVALID_CONFIG);
	cni_error_clear(&err);
	cni_config_clear(&cfg);
}
END_TEST

START_TEST(test_prev_result)
{
	struct cni_error err = {0};
	struct cni_config cfg;
	char c[NFP_CIDR_STRLEN], a[NFP_ADDR_STRLEN];
	const char *text =
		"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"subnet\":\"10.1.0.0/24\","
		"\"prevResult\":{\"cniVersion\":\"1.0.0\","
		"\"interfaces\":[{\"name\":\"cbr0\",\"mac\":\"0a:58:0a:01:00:01\"},"
		"{\"name\":\"eth0\",\"sandbox\":\"/var/run/netns/p\"}],"
		"\"ips\":[{\"address\":\"10.1.0.5/24\",\"gateway\":\"10.1.0.1\",\"interface\":1}],"
		"\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.1.0.1\"}],"
		"\"dns\":{\"nameservers\":[\"10.1.0.1\"]}}}";

	ck_assert_int_eq(parse(text, &cfg, &err), 0);
	ck_assert(cfg.has_prev_result);
	ck_assert_uint_eq(cfg.prev_result.n_ifaces, 2);
	ck_assert_str_eq(cfg.prev_result.ifaces[0].mac, "0a:58:0a:01:00:01");
	ck_assert_ptr_null(cfg.prev_result.ifaces[0].sandbox);
	ck_assert_str_eq(cfg.prev_result.ifaces[1].sandbox, "/var/run/netns/p");
	ck_assert_uint_eq(cfg.prev_result.n_ips, 1);
	/* The address keeps its host bits. */
	ck_assert_str_eq(nfp_cidr_str(&cfg.prev_result.ips[0].addr, c),
			 "10.1.0.5/24");
	ck_assert_str_eq(addr(&cfg.prev_result.ips[0].gw, a), "10.1.0.1");
	ck_assert_int_eq(cfg.prev_result.ips[0].iface, 1);
	ck_assert_uint_eq(cfg.prev_result.n_routes, 1);
	ck_assert_str_eq(nfp_cidr_str(&cfg.prev_result.routes[0].dst, c),
			 "0.0.0.0/0");
	ck_assert_str_eq(cfg.prev_result.dns.nameservers[0], "10.1.0.1");
	cni_config_clear(&cfg);
}
END_TEST

START_TEST(test_valid_attachments)
{
	struct cni_error err = {0};
	struct cni_config cfg;

	ck_assert_int_eq(
		parse("{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"subnet\":\"10.1.0.0/24\","
		      "\"cni.dev/valid-attachments\":[{\"containerID\":\"a\",\"ifname\":\"eth0\"},{\"containerID\":\"b\"}]}",
		      &cfg, &err),
		0);
	ck_assert(cfg.has_valid_attachments);
	ck_assert_uint_eq(cfg.n_valid, 2);
	ck_assert_str_eq(cfg.valid[0].container_id, "a");
	ck_assert_str_eq(cfg.valid[0].ifname, "eth0");
	ck_assert_str_eq(cfg.valid[1].container_id, "b");
	ck_assert_ptr_null(cfg.valid[1].ifname);
	cni_config_clear(&cfg);

	/* The older spelling libcni also sends; an empty list is a list. */
	ck_assert_int_eq(
		parse("{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"subnet\":\"10.1.0.0/24\","
		      "\"cni.dev/attachments\":[]}",
		      &cfg, &err),
		0);
	ck_assert(cfg.has_valid_attachments);
	ck_assert_uint_eq(cfg.n_valid, 0);
	cni_config_clear(&cfg);
}
END_TEST

START_TEST(test_decode_errors)
{
	expect_error("", CNI_ERR_DECODE, "not JSON");
	expect_error("{\"cniVersion\":", CNI_ERR_DECODE, "not JSON");
	expect_error("[1,2]", CNI_ERR_DECODE, "JSON object");
	expect_error("{\"a\":1,\"a\":2}", CNI_ERR_DECODE, "not JSON");
}
END_TEST

START_TEST(test_version_errors)
{
	expect_error("{\"name\":\"n\",\"subnet\":\"10.1.0.0/24\"}",
		     CNI_ERR_INCOMPATIBLE_VERSION, "not supported");
	expect_error(
		"{\"cniVersion\":\"0.2.0\",\"name\":\"n\",\"subnet\":\"10.1.0.0/24\"}",
		CNI_ERR_INCOMPATIBLE_VERSION, "\"0.2.0\"");
	expect_error(
		"{\"cniVersion\":\"2.0.0\",\"name\":\"n\",\"subnet\":\"10.1.0.0/24\"}",
		CNI_ERR_INCOMPATIBLE_VERSION, "\"2.0.0\"");
	expect_error(
		"{\"cniVersion\":1,\"name\":\"n\",\"subnet\":\"10.1.0.0/24\"}",
		CNI_ERR_INVALID_CONFIG, "cniVersion must be a string");
}
END_TEST

#define V "{\"cniVersion\":\"1.0.0\","

START_TEST(test_invalid_configs)
{
	expect_error(V "\"subnet\":\"10.1.0.0/24\"}", CNI_ERR_INVALID_CONFIG,
		     "name is required");
	expect_error(V "\"name\":\"../x\",\"subnet\":\"10.1.0.0/24\"}",
		     CNI_ERR_INVALID_CONFIG, "name \"../x\"");
	expect_error(V "\"name\":\"a/b\",\"subnet\":\"10.1.0.0/24\"}",
		     CNI_ERR_INVALID_CONFIG, "name \"a/b\"");
	expect_error(V "\"name\":7,\"subnet\":\"10.1.0.0/24\"}",
		     CNI_ERR_INVALID_CONFIG, "name must be a string");
	expect_error(V "\"name\":\"n\"}", CNI_ERR_INVALID_CONFIG,
		     "subnet is required");
	expect_error(V "\"name\":\"n\",\"subnet\":\"10.1.0.0\"}",
		     CNI_ERR_INVALID_CONFIG, "is not a CIDR");
	expect_error(V "\"name\":\"n\",\"subnet\":\"10.1.0.0/33\"}",
		     CNI_ERR_INVALID_CONFIG, "is not a CIDR");
	expect_error(V "\"name\":\"n\",\"subnet\":\"banana\"}",
		     CNI_ERR_INVALID_CONFIG, "is not a CIDR");
	expect_error(V "\"name\":\"n\",\"subnet\":\"10.1.0.0/31\"}",
		     CNI_ERR_INVALID_CONFIG, "too small");
	expect_error(V "\"name\":\"n\",\"subnets\":[\"fd00::/127\"]}",
		     CNI_ERR_INVALID_CONFIG, "too small");
	expect_error(V "\"name\":\"n\",\"subnet\":10}", CNI_ERR_INVALID_CONFIG,
		     "subnet must be a string");
	expect_error(
		V
		"\"name\":\"n\",\"subnet\":\"10.1.0.0/24\",\"subnets\":[\"10.2.0.0/24\"]}",
		CNI_ERR_INVALID_CONFIG, "not both");
	expect_error(V "\"name\":\"n\",\"subnets\":[]}", CNI_ERR_INVALID_CONFIG,
		     "non-empty list");
	expect_error(
		V
		"\"name\":\"n\",\"subnets\":[\"10.1.0.0/24\",\"10.2.0.0/24\"]}",
		CNI_ERR_INVALID_CONFIG, "same family");
	expect_error(
		V
		"\"name\":\"n\",\"subnets\":[\"10.1.0.0/24\",\"fd00::/64\",\"fd01::/64\"]}",
		CNI_ERR_INVALID_CONFIG, "at most 2");
	expect_error(V "\"name\":\"n\",\"subnets\":[7]}",
		     CNI_ERR_INVALID_CONFIG, "subnets[0]");
	expect_error(
		V
		"\"name\":\"n\",\"subnet\":\"10.1.0.0/24\",\"gateway\":\"10.2.0.1\"}",
		CNI_ERR_INVALID_CONFIG, "not a host address");
	expect_error(
		V
		"\"name\":\"n\",\"subnet\":\"10.1.0.0/24\",\"gateway\":\"10.1.0.0\"}",
		CNI_ERR_INVALID_CONFIG, "not a host address");
	expect_error(
		V
		"\"name\":\"n\",\"subnet\":\"10.1.0.0/24\",\"gateway\":\"10.1.0.255\"}",
		CNI_ERR_INVALID_CONFIG, "not a host address");
	expect_error(
		V
		"\"name\":\"n\",\"subnet\":\"10.1.0.0/24\",\"gateway\":\"fd00::1\"}",
		CNI_ERR_INVALID_CONFIG, "none of the subnets");
	expect_error(
		V
		"\"name\":\"n\",\"subnet\":\"10.1.0.0/24\",\"gateway\":\"x\"}",
		CNI_ERR_INVALID_CONFIG, "not an IP address");
	expect_error(V "\"name\":\"n\",\"subnet\":\"10.1.0.0/24\",\"mtu\":67}",
		     CNI_ERR_INVALID_CONFIG, "mtu");
	expect_error(
		V "\"name\":\"n\",\"subnet\":\"10.1.0.0/24\",\"mtu\":\"1500\"}",
		CNI_ERR_INVALID_CONFIG, "mtu");
	expect_error(V
		     "\"name\":\"n\",\"subnet\":\"10.1.0.0/24\",\"mtu\":70000}",
		     CNI_ERR_INVALID_CONFIG, "mtu");
	expect_error(
		V
		"\"name\":\"n\",\"subnet\":\"10.1.0.0/24\",\"bridge\":\"0123456789abcdef\"}",
		CNI_ERR_INVALID_CONFIG, "bridge");
	expect_error(
		V
		"\"name\":\"n\",\"subnet\":\"10.1.0.0/24\",\"bridge\":\"a b\"}",
		CNI_ERR_INVALID_CONFIG, "bridge");
	expect_error(
		V
		"\"name\":\"n\",\"subnet\":\"10.1.0.0/24\",\"dataDir\":\"rel/dir\"}",
		CNI_ERR_INVALID_CONFIG, "absolute");
	expect_error(
		V
		"\"name\":\"n\",\"subnet\":\"10.1.0.0/24\",\"hairpinMode\":1}",
		CNI_ERR_INVALID_CONFIG, "hairpinMode");
	expect_error(V "\"name\":\"n\",\"subnet\":\"10.1.0.0/24\",\"dns\":[]}",
		     CNI_ERR_INVALID_CONFIG, "dns must be an object");
	expect_error(
		V
		"\"name\":\"n\",\"subnet\":\"10.1.0.0/24\",\"dns\":{\"nameservers\":[1]}}",
		CNI_ERR_INVALID_CONFIG, "nameservers[0]");
	expect_error(
		V
		"\"name\":\"n\",\"subnet\":\"10.1.0.0/24\",\"prevResult\":{\"ips\":[{\"address\":\"10.1.0.5\"}]}}",
		CNI_ERR_INVALID_CONFIG, "prevResult.ips[0].address");
	expect_error(
		V
		"\"name\":\"n\",\"subnet\":\"10.1.0.0/24\",\"prevResult\":{\"ips\":[{\"address\":\"10.1.0.5/24\",\"interface\":3}]}}",
		CNI_ERR_INVALID_CONFIG, "interface must index");
	expect_error(
		V
		"\"name\":\"n\",\"subnet\":\"10.1.0.0/24\",\"prevResult\":[]}",
		CNI_ERR_INVALID_CONFIG, "prevResult must be an object");
	expect_error(
		V
		"\"name\":\"n\",\"subnet\":\"10.1.0.0/24\",\"cni.dev/valid-attachments\":[{\"ifname\":\"eth0\"}]}",
		CNI_ERR_INVALID_CONFIG, "containerID is required");
	expect_error(
		V
		"\"name\":\"n\",\"subnet\":\"10.1.0.0/24\",\"cni.dev/valid-attachments\":{}}",
		CNI_ERR_INVALID_CONFIG, "must be a list");
}
END_TEST

START_TEST(test_unsupported_fields)
{
	struct cni_error err = {0};
	struct cni_config cfg;

	expect_error(
		V
		"\"name\":\"n\",\"subnet\":\"10.1.0.0/24\",\"ipam\":{\"type\":\"host-local\"}}",
		CNI_ERR_UNSUPPORTED_FIELD, "\"ipam\"");
	expect_error(
		V "\"name\":\"n\",\"subnet\":\"10.1.0.0/24\",\"ipMasq\":true}",
		CNI_ERR_UNSUPPORTED_FIELD, "\"ipMasq\": true");
	/* ipMasq false asks for nothing. */
	ck_assert_int_eq(
		parse(V
		      "\"name\":\"n\",\"subnet\":\"10.1.0.0/24\",\"ipMasq\":false}",
		      &cfg, &err),
		0);
	cni_config_clear(&cfg);
}
END_TEST

START_TEST(test_peek_version)
{
	char *v;

	v = cni_config_peek_version("{\"cniVersion\":\"0.4.0\",\"x\":[}", 29);
	ck_assert_ptr_null(v);
	v = cni_config_peek_version("{\"cniVersion\":\"0.4.0\"}", 22);
	ck_assert_str_eq(v, "0.4.0");
	free(v);
	ck_assert_ptr_null(
		cni_config_peek_version("{\"cniVersion\":\"9.9.9\"}", 22));
	ck_assert_ptr_null(cni_config_peek_version("", 0));
}
END_TEST

START_TEST(test_names)
{
	ck_assert(cni_config_name_valid("a"));
	ck_assert(cni_config_name_valid("0abc_d.e-f"));
	ck_assert(!cni_config_name_valid(""));
	ck_assert(!cni_config_name_valid(".a"));
	ck_assert(!cni_config_name_valid("-a"));
	ck_assert(!cni_config_name_valid("a b"));
	ck_assert(!cni_config_name_valid("a\r\nb"));
	ck_assert(cni_ifname_valid("eth0"));
	ck_assert(cni_ifname_valid("0123456789abcde"));
	ck_assert(!cni_ifname_valid("0123456789abcdef"));
	ck_assert(!cni_ifname_valid(""));
	ck_assert(!cni_ifname_valid("."));
	ck_assert(!cni_ifname_valid(".."));
	ck_assert(!cni_ifname_valid("a/b"));
	ck_assert(!cni_ifname_valid("a:b"));
	ck_assert(!cni_ifname_valid("a b"));
}
END_TEST

START_TEST(test_versions)
{
	ck_assert(cni_version_supported("0.3.0"));
	ck_assert(cni_version_supported("0.3.1"));
	ck_assert(cni_version_supported("0.4.0"));
	ck_assert(cni_version_supported("1.0.0"));
	ck_assert(cni_version_supported("1.1.0"));
	ck_assert(!cni_version_supported("0.2.0"));
	ck_assert(!cni_version_supported(NULL));
	ck_assert_int_lt(cni_version_cmp("0.3.1", "0.4.0"), 0);
	ck_assert_int_lt(cni_version_cmp("0.10.0", "1.0.0"), 0);
	ck_assert_int_gt(cni_version_cmp("0.10.0", "0.4.0"), 0);
	ck_assert_int_eq(cni_version_cmp("1.1.0", "1.1.0"), 0);
	ck_assert_int_lt(cni_version_cmp("x", "0.1.0"), 0);
	ck_assert_int_lt(cni_version_cmp("1.0", "0.1.0"), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cni_config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, test_minimal_defaults);
	tcase_add_test(tc, test_all_keys);
	tcase_add_test(tc, test_ipv6_default_gateway);
	tcase_add_test(tc, test_subnet_auto);
	tcase_add_test(tc, test_add_subnet);
	tcase_add_test(tc, test_prev_result);
	tcase_add_test(tc, test_valid_attachments);
	tcase_add_test(tc, test_decode_errors);
	tcase_add_test(tc, test_version_errors);
	tcase_add_test(tc, test_invalid_configs);
	tcase_add_test(tc, test_unsupported_fields);
	tcase_add_test(tc, test_peek_version);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_versions);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
