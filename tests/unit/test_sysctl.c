// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proxy/sysctl.h"
#include "testutil.h"

static char root[64];

static void setup(void)
{
	char cmd[512];

	snprintf(root, sizeof(root), "/tmp/nfp-sysctl-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s/net/ipv4/conf/all %s/net/ipv4/conf/eth0.100 && "
		 "echo 0 > %s/net/ipv4/conf/all/route_localnet && "
		 "echo 1 > %s/net/ipv4/conf/eth0.100/rp_filter",
		 root, root, root, root);
	ck_assert_int_eq(system(cmd), 0);
}

static void teardown(void)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

/* The file's bytes, as the kernel would see them written. */
static char *file(const char *rel)
{
	static char path[160];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return test_read_file(path);
}

START_TEST(test_read_write)
{
	char v[SYSCTL_VALUE_MAX], *text;

	ck_assert_int_eq(sysctl_read(root, SYSCTL_ROUTE_LOCALNET, v, sizeof(v)),
			 0);
	ck_assert_str_eq(v, "0");
	ck_assert_int_eq(sysctl_write(root, SYSCTL_ROUTE_LOCALNET, "1"), 0);
	text = file("net/ipv4/conf/all/route_localnet");
	ck_assert_str_eq(text, "1\n");
	free(text);
	/* A '/' in the name: a path as it is (dots in interface names). */
	ck_assert_int_eq(sysctl_read(root, "net/ipv4/conf/eth0.100/rp_filter",
				     v, sizeof(v)),
			 0);
	ck_assert_str_eq(v, "1");
	ck_assert_int_eq(sysctl_read(root, "net.ipv4.conf.eth0.100.rp_filter",
				     v, sizeof(v)),
			 -ENOENT);
	/* Too small a buffer is not silently cut. */
	ck_assert_int_eq(sysctl_read(root, SYSCTL_ROUTE_LOCALNET, v, 1),
			 -ENOBUFS);
	/* Names that would leave the root. */
	ck_assert_int_eq(
		sysctl_read(root, "net/../../etc/passwd", v, sizeof(v)),
		-EINVAL);
	ck_assert_int_eq(sysctl_read(root, "/etc/passwd", v, sizeof(v)),
			 -EINVAL);
	ck_assert_int_eq(sysctl_write(root, "", "1"), -EINVAL);
}
END_TEST

START_TEST(test_ensure)
{
	struct diag_list d = {0};
	bool changed = false;
	char *text;

	ck_assert_int_eq(
		sysctl_ensure(root, SYSCTL_ROUTE_LOCALNET, "1", &changed, &d),
		0);
	ck_assert(changed);
	text = file("net/ipv4/conf/all/route_localnet");
	ck_assert_str_eq(text, "1\n");
	free(text);
	/* Already so: nothing written. */
	ck_assert_int_eq(
		sysctl_ensure(root, SYSCTL_ROUTE_LOCALNET, "1", &changed, &d),
		0);
	ck_assert(!changed);
	ck_assert_int_eq(
		sysctl_ensure(root, SYSCTL_ROUTE_LOCALNET, "1", NULL, &d), 0);
	ck_assert_uint_eq(d.n, 0);
}
END_TEST

START_TEST(test_ensure_errors)
{
	struct diag_list d = {0};
	bool changed = true;
	char path[320];

	/* Missing: the message names setting, path, reason and a hint. */
	ck_assert_int_eq(sysctl_ensure(root, "net.ipv4.conf.all.no_such", "1",
				       &changed, &d),
			 -ENOENT);
	ck_assert(!changed);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.items[0].level, DIAG_ERROR);
	snprintf(
		path, sizeof(path),
		"cannot read sysctl net.ipv4.conf.all.no_such=1 (%s/net/ipv4/conf/all/no_such): No such file or directory; this kernel has no such setting",
		root);
	ck_assert_str_eq(d.items[0].msg, path);
	diag_list_free(&d);

	/* A setting that cannot be written (a directory stands in). */
	ck_assert_int_eq(
		sysctl_ensure(root, "net.ipv4.conf", "1", &changed, &d),
		-EISDIR);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_ptr_nonnull(strstr(d.items[0].msg, "sysctl net.ipv4.conf=1"));
	ck_assert_ptr_nonnull(strstr(d.items[0].msg, "Is a directory"));
	diag_list_free(&d);

	ck_assert_int_eq(sysctl_ensure(root, "a..b", "1", &changed, &d),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(d.items[0].msg, "not a setting name"));
	diag_list_free(&d);
}
END_TEST

static void add_hp(struct plan *p, int family, const char *host_ip)
{
	struct plan_hostport *h;

	p->hostports = realloc(p->hostports,
			       (p->n_hostports + 1) * sizeof(*p->hostports));
	h = &p->hostports[p->n_hostports++];
	memset(h, 0, sizeof(*h));
	h->family = family;
	if (host_ip)
		ck_assert_int_eq(nfp_addr_parse(host_ip, &h->host_ip), 0);
}

START_TEST(test_route_localnet_needed)
{
	struct plan p = {0};

	ck_assert(!sysctl_route_localnet_needed(&p));
	add_hp(&p, AF_INET6, NULL);
	ck_assert(!sysctl_route_localnet_needed(&p));
	add_hp(&p, AF_INET, "192.168.50.10");
	ck_assert(!sysctl_route_localnet_needed(&p));
	add_hp(&p, AF_INET, "127.0.0.1");
	ck_assert(sysctl_route_localnet_needed(&p));
	p.n_hostports = 2;
	add_hp(&p, AF_INET, NULL);
	ck_assert(sysctl_route_localnet_needed(&p));
	free(p.hostports);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sysctl");
	TCase *tc = tcase_create("sysctl");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_read_write);
	tcase_add_test(tc, test_ensure);
	tcase_add_test(tc, test_ensure_errors);
	tcase_add_test(tc, test_route_localnet_needed);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
