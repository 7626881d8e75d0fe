// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cni/ipam.h"
#include "testutil.h"

#define NET "podnet"

static char tmpdir[64];
static char pooldir[128];

static void setup(void)
{
	strcpy(tmpdir, "/tmp/nfp-test-ipam-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(pooldir, sizeof(pooldir), "%s/" NET, tmpdir);
}

/* The pool is one level of files under one directory. */
static void teardown(void)
{
	DIR *d = opendir(pooldir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char path[512];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", pooldir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(pooldir);
	rmdir(tmpdir);
}

static struct nfp_cidr cidr(const char *s)
{
	struct nfp_cidr c;

	ck_assert_int_eq(nfp_cidr_parse(s, &c), 0);
	return c;
}

static struct nfp_addr ip(const char *s)
{
	struct nfp_addr a;

	ck_assert_int_eq(nfp_addr_parse(s, &a), 0);
	return a;
}

static void open_pool(struct cni_ipam *ipam)
{
	ck_assert_int_eq(cni_ipam_open(ipam, tmpdir, NET, true), 0);
}

/* Allocate from subnet s (gateway gw) and return the address as text. */
static const char *alloc(struct cni_ipam *ipam, const char *s, const char *gw,
			 const char *id, const char *ifname)
{
	static char buf[NFP_ADDR_STRLEN];
	struct nfp_cidr c = cidr(s);
	struct nfp_addr g = ip(gw), out;
	int ret = cni_ipam_alloc(ipam, c.addr.family == AF_INET6, &c, &g, id,
				 ifname, &out);

	ck_assert_msg(ret == 0, "alloc %s/%s: %s", id, ifname, strerror(-ret));
	return nfp_addr_str(&out, buf);
}

static int alloc_err(struct cni_ipam *ipam, const char *s, const char *gw,
		     const char *id, const char *ifname)
{
	struct nfp_cidr c = cidr(s);
	struct nfp_addr g = ip(gw), out;

	return cni_ipam_alloc(ipam, 0, &c, &g, id, ifname, &out);
}

static char *pool_file(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", pooldir, name);
	return test_read_file(path);
}

static bool pool_has(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", pooldir, name);
	return access(path, F_OK) == 0;
}

/* Address files in the pool (names that are not lock/last_reserved). */
static int count_addrs(void)
{
	DIR *d = opendir(pooldir);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		if (strchr(de->d_name, ':') ||
		    (de->d_name[0] >= '0' && de->d_name[0] <= '9'))
			n++;
	closedir(d);
	return n;
}

START_TEST(test_range)
{
	struct nfp_addr first, last;
	struct nfp_cidr c;
	char a[NFP_ADDR_STRLEN], b[NFP_ADDR_STRLEN];

	c = cidr("10.244.1.0/24");
	ck_assert(cni_ipam_range(&c, &first, &last));
	ck_assert_str_eq(nfp_addr_str(&first, a), "10.244.1.1");
	ck_assert_str_eq(nfp_addr_str(&last, b), "10.244.1.254");
	c = cidr("10.0.0.0/30");
	ck_assert(cni_ipam_range(&c, &first, &last));
	ck_assert_str_eq(nfp_addr_str(&first, a), "10.0.0.1");
	ck_assert_str_eq(nfp_addr_str(&last, b), "10.0.0.2");
	c = cidr("10.0.0.0/31");
	ck_assert(!cni_ipam_range(&c, &first, &last));
	c = cidr("10.0.0.0/32");
	ck_assert(!cni_ipam_range(&c, &first, &last));
	c = cidr("10.255.255.0/24");
	ck_assert(cni_ipam_range(&c, &first, &last));
	ck_assert_str_eq(nfp_addr_str(&last, b), "10.255.255.254");
	c = cidr("fd00:1::/64");
	ck_assert(cni_ipam_range(&c, &first, &last));
	ck_assert_str_eq(nfp_addr_str(&first, a), "fd00:1::1");
	ck_assert_str_eq(nfp_addr_str(&last, b), "fd00:1::ffff:ffff:ffff:fffe");
	c = cidr("fd00::/127");
	ck_assert(!cni_ipam_range(&c, &first, &last));
}
END_TEST

START_TEST(test_round_robin)
{
	struct cni_ipam ipam;
	char *text;

	open_pool(&ipam);
	ck_assert_str_eq(alloc(&ipam, "10.1.0.0/24", "10.1.0.1", "a", "eth0"),
			 "10.1.0.2");
	ck_assert_str_eq(alloc(&ipam, "10.1.0.0/24", "10.1.0.1", "b", "eth0"),
			 "10.1.0.3");
	ck_assert_str_eq(alloc(&ipam, "10.1.0.0/24", "10.1.0.1", "c", "eth0"),
			 "10.1.0.4");
	/* host-local's file format: the holder, CRLF, the ifname. */
	text = pool_file("10.1.0.3");
	ck_assert_str_eq(text, "b\r\neth0");
	free(text);
	text = pool_file("last_reserved_ip.0");
	ck_assert_str_eq(text, "10.1.0.4");
	free(text);
	/* A freed address is not handed out again until the pool wraps. */
	ck_assert_int_eq(cni_ipam_release(&ipam, "b", "eth0"), 1);
	ck_assert(!pool_has("10.1.0.3"));
	ck_assert_str_eq(alloc(&ipam, "10.1.0.0/24", "10.1.0.1", "d", "eth0"),
			 "10.1.0.5");
	/* The same container may have a second interface. */
	ck_assert_str_eq(alloc(&ipam, "10.1.0.0/24", "10.1.0.1", "d", "net1"),
			 "10.1.0.6");
	ck_assert_int_eq(count_addrs(), 4);
	cni_ipam_close(&ipam);
}
END_TEST

START_TEST(test_gateway_skipped)
{
	struct cni_ipam ipam;

	open_pool(&ipam);
	/* Gateway in the middle: .1, .2 then straight to .4. */
	ck_assert_str_eq(alloc(&ipam, "10.1.0.0/29", "10.1.0.3", "a", "eth0"),
			 "10.1.0.1");
	ck_assert_str_eq(alloc(&ipam, "10.1.0.0/29", "10.1.0.3", "b", "eth0"),
			 "10.1.0.2");
	ck_assert_str_eq(alloc(&ipam, "10.1.0.0/29", "10.1.0.3", "c", "eth0"),
			 "10.1.0.4");
	cni_ipam_close(&ipam);
}
END_TEST

START_TEST(test_exhaustion_and_wrap)
{
	static const char *const want[] = {"10.1.0.2", "10.1.0.3", "10.1.0.4",
					   "10.1.0.5", "10.1.0.6"};
	struct cni_ipam ipam;
	char id[16];

	open_pool(&ipam);
	/* A /29 has 8 addresses: network, gateway, broadcast and 5 pods. */
	for (int i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "c%d", i);
		ck_assert_str_eq(
			alloc(&ipam, "10.1.0.0/29", "10.1.0.1", id, "eth0"),
			want[i]);
	}
	ck_assert_int_eq(
		alloc_err(&ipam, "10.1.0.0/29", "10.1.0.1", "c5", "eth0"),
		-ENOSPC);
	ck_assert_int_eq(count_addrs(), 5);
	ck_assert(!pool_has("10.1.0.0") && !pool_has("10.1.0.1") &&
		  !pool_has("10.1.0.7"));
	/* Free one in the middle: the search wraps around to it. */
	ck_assert_int_eq(cni_ipam_release(&ipam, "c2", "eth0"), 1);
	ck_assert_str_eq(alloc(&ipam, "10.1.0.0/29", "10.1.0.1", "c5", "eth0"),
			 "10.1.0.4");
	ck_assert_int_eq(
		alloc_err(&ipam, "10.1.0.0/29", "10.1.0.1", "c6", "eth0"),
		-ENOSPC);
	cni_ipam_close(&ipam);
}
END_TEST

START_TEST(test_duplicate)
{
	struct cni_ipam ipam;
	struct nfp_cidr c = cidr("10.1.0.0/24");
	struct nfp_addr gw = ip("10.1.0.1"), out;
	char buf[NFP_ADDR_STRLEN];

	open_pool(&ipam);
	alloc(&ipam, "10.1.0.0/24", "10.1.0.1", "a", "eth0");
	ck_assert_int_eq(cni_ipam_alloc(&ipam, 0, &c, &gw, "a", "eth0", &out),
			 -EEXIST);
	ck_assert_str_eq(nfp_addr_str(&out, buf), "10.1.0.2");
	ck_assert_int_eq(count_addrs(), 1);
	cni_ipam_close(&ipam);
}
END_TEST

START_TEST(test_bad_hint)
{
	struct cni_ipam ipam;
	char path[256];
	FILE *f;

	open_pool(&ipam);
	snprintf(path, sizeof(path), "%s/last_reserved_ip.0", pooldir);
	f = fopen(path, "w");
	fputs("garbage\n", f);
	fclose(f);
	ck_assert_str_eq(alloc(&ipam, "10.1.0.0/24", "10.1.0.1", "a", "eth0"),
			 "10.1.0.2");
	/* A hint outside the subnet (the pool's subnet changed) too. */
	f = fopen(path, "w");
	fputs("10.9.9.9", f);
	fclose(f);
	ck_assert_str_eq(alloc(&ipam, "10.1.0.0/24", "10.1.0.1", "b", "eth0"),
			 "10.1.0.3");
	/* The last address: the next search starts at the first again. */
	f = fopen(path, "w");
	fputs("10.1.0.254", f);
	fclose(f);
	ck_assert_str_eq(alloc(&ipam, "10.1.0.0/24", "10.1.0.1", "c", "eth0"),
			 "10.1.0.4");
	cni_ipam_close(&ipam);
}
END_TEST

START_TEST(test_dual_stack_find)
{
	struct cni_ipam ipam;
	struct nfp_addr *held;
	char a[NFP_ADDR_STRLEN], b[NFP_ADDR_STRLEN], *text;
	size_t n;

	open_pool(&ipam);
	/* Each subnet has its own round-robin hint (index = family here). */
	ck_assert_str_eq(alloc(&ipam, "fd00::/120", "fd00::1", "a", "eth0"),
			 "fd00::2");
	ck_assert_str_eq(alloc(&ipam, "10.1.0.0/24", "10.1.0.1", "a", "eth0"),
			 "10.1.0.2");
	ck_assert_str_eq(alloc(&ipam, "fd00::/120", "fd00::1", "b", "eth0"),
			 "fd00::3");
	text = pool_file("last_reserved_ip.1");
	ck_assert_str_eq(text, "fd00::3");
	free(text);
	ck_assert_int_eq(cni_ipam_find(&ipam, "a", "eth0", &held, &n), 0);
	ck_assert_uint_eq(n, 2);
	/* Sorted: IPv4 first. */
	ck_assert_str_eq(nfp_addr_str(&held[0], a), "10.1.0.2");
	ck_assert_str_eq(nfp_addr_str(&held[1], b), "fd00::2");
	free(held);
	ck_assert_int_eq(cni_ipam_find(&ipam, "a", "net1", &held, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(held);
	ck_assert_int_eq(cni_ipam_release(&ipam, "a", "eth0"), 2);
	ck_assert_int_eq(count_addrs(), 1);
	cni_ipam_close(&ipam);
}
END_TEST

START_TEST(test_release_idempotent)
{
	struct cni_ipam ipam;

	open_pool(&ipam);
	alloc(&ipam, "10.1.0.0/24", "10.1.0.1", "a", "eth0");
	alloc(&ipam, "10.1.0.0/24", "10.1.0.1", "a", "net1");
	ck_assert_int_eq(cni_ipam_release(&ipam, "a", "eth0"), 1);
	ck_assert_int_eq(cni_ipam_release(&ipam, "a", "eth0"), 0);
	ck_assert_int_eq(cni_ipam_release(&ipam, "nobody", "eth0"), 0);
	/* The other interface of the same container is untouched. */
	ck_assert(pool_has("10.1.0.3"));
	cni_ipam_close(&ipam);
}
END_TEST

START_TEST(test_free_one)
{
	struct cni_ipam ipam;
	struct nfp_addr a2 = ip("10.1.0.2"), a3 = ip("10.1.0.3");
	struct nfp_addr a9 = ip("10.1.0.9");

	open_pool(&ipam);
	alloc(&ipam, "10.1.0.0/24", "10.1.0.1", "a", "eth0");
	alloc(&ipam, "10.1.0.0/24", "10.1.0.1", "b", "eth0");
	/* Only the holder's own address is freed. */
	ck_assert_int_eq(cni_ipam_free(&ipam, &a3, "a", "eth0"), 0);
	ck_assert(pool_has("10.1.0.3"));
	ck_assert_int_eq(cni_ipam_free(&ipam, &a9, "a", "eth0"), 0);
	ck_assert_int_eq(cni_ipam_free(&ipam, &a2, "a", "eth0"), 1);
	ck_assert(!pool_has("10.1.0.2"));
	ck_assert_int_eq(cni_ipam_free(&ipam, &a2, "a", "eth0"), 0);
	cni_ipam_close(&ipam);
}
END_TEST

START_TEST(test_old_format)
{
	struct cni_ipam ipam;
	char path[256];
	FILE *f;

	open_pool(&ipam);
	/* host-local before 0.7 wrote only the container ID. */
	snprintf(path, sizeof(path), "%s/10.1.0.9", pooldir);
	f = fopen(path, "w");
	fputs("old-id", f);
	fclose(f);
	ck_assert_int_eq(cni_ipam_release(&ipam, "old-id", "eth0"), 1);
	ck_assert(!pool_has("10.1.0.9"));
	cni_ipam_close(&ipam);
}
END_TEST

START_TEST(test_gc)
{
	struct cni_attachment valid[] = {
		{.container_id = "a", .ifname = "eth0"},
		{.container_id = "c", .ifname = NULL},
	};
	struct cni_ipam ipam;

	open_pool(&ipam);
	alloc(&ipam, "10.1.0.0/24", "10.1.0.1", "a", "eth0"); /* .2 kept */
	alloc(&ipam, "10.1.0.0/24", "10.1.0.1", "a", "net1"); /* .3 freed */
	alloc(&ipam, "10.1.0.0/24", "10.1.0.1", "b", "eth0"); /* .4 freed */
	alloc(&ipam, "10.1.0.0/24", "10.1.0.1", "c", "net1"); /* .5 kept */
	ck_assert_int_eq(cni_ipam_gc(&ipam, valid, 2), 2);
	ck_assert(pool_has("10.1.0.2"));
	ck_assert(!pool_has("10.1.0.3"));
	ck_assert(!pool_has("10.1.0.4"));
	ck_assert(pool_has("10.1.0.5"));
	ck_assert(pool_has("lock") && pool_has("last_reserved_ip.0"));
	ck_assert_int_eq(cni_ipam_gc(&ipam, valid, 2), 0);
	/* No valid attachment: everything goes. */
	ck_assert_int_eq(cni_ipam_gc(&ipam, NULL, 0), 2);
	ck_assert_int_eq(count_addrs(), 0);
	cni_ipam_close(&ipam);
}
END_TEST

START_TEST(test_open_missing)
{
	struct cni_ipam ipam;

	ck_assert_int_eq(cni_ipam_open(&ipam, tmpdir, NET, false), -ENOENT);
	cni_ipam_close(&ipam);
	ck_assert_int_eq(cni_ipam_open(&ipam, tmpdir, NET, true), 0);
	cni_ipam_close(&ipam);
	cni_ipam_close(&ipam); /* closing twice is a no-op */
	ck_assert_int_eq(cni_ipam_open(&ipam, tmpdir, NET, false), 0);
	cni_ipam_close(&ipam);
}
END_TEST

START_TEST(test_writable)
{
	char path[256];
	FILE *f;

	ck_assert_int_eq(cni_ipam_writable(tmpdir, NET), 0);
	ck_assert(!pool_has("")); /* nothing was created */
	snprintf(path, sizeof(path), "%s/deeper/still", tmpdir);
	ck_assert_int_eq(cni_ipam_writable(path, NET), 0);
	f = fopen(pooldir, "w");
	fclose(f);
	ck_assert_int_eq(cni_ipam_writable(tmpdir, NET), -ENOTDIR);
	unlink(pooldir);
}
END_TEST

/*
 * n processes allocate at once, each for its own container, through their
 * own cni_ipam (as n concurrent ADDs would). Returns how many got an
 * address; the addresses are checked to be distinct.
 */
static int race(int n, const char *subnet)
{
	int fds[2], got = 0, full = 0;
	char seen[64][NFP_ADDR_STRLEN];

	ck_assert_int_le(n, 64);
	ck_assert_int_eq(pipe(fds), 0);
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			struct nfp_cidr c = cidr(subnet);
			struct nfp_addr gw = c.addr, out;
			struct cni_ipam ipam;
			char msg[NFP_ADDR_STRLEN] = "full", id[16];
			int ret;

			gw.b[3] = 1;
			snprintf(id, sizeof(id), "pod%d", i);
			close(fds[0]);
			ret = cni_ipam_open(&ipam, tmpdir, NET, true);
			if (ret == 0)
				ret = cni_ipam_alloc(&ipam, 0, &c, &gw, id,
						     "eth0", &out);
			if (ret == 0)
				nfp_addr_str(&out, msg);
			else if (ret != -ENOSPC)
				snprintf(msg, sizeof(msg), "err%d", -ret);
			cni_ipam_close(&ipam);
			if (write(fds[1], msg, sizeof(msg)) != sizeof(msg))
				_exit(2);
			_exit(0);
		}
	}
	close(fds[1]);
	for (int i = 0; i < n; i++) {
		char msg[NFP_ADDR_STRLEN];

		ck_assert_int_eq(read(fds[0], msg, sizeof(msg)), sizeof(msg));
		ck_assert_msg(strncmp(msg, "err", 3) != 0, "child: %s", msg);
		if (strcmp(msg, "full") == 0) {
			full++;
			continue;
		}
		for (int j = 0; j < got; j++)
			ck_assert_msg(strcmp(seen[j], msg) != 0,
				      "%s handed out twice", msg);
		strcpy(seen[got++], msg);
	}
	close(fds[0]);
	for (int i = 0; i < n; i++) {
		int status;

		ck_assert_int_gt(wait(&status), 0);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ck_assert_int_eq(got + full, n);
	return got;
}

START_TEST(test_concurrent)
{
	ck_assert_int_eq(race(24, "10.2.0.0/24"), 24);
	ck_assert_int_eq(count_addrs(), 24);
}
END_TEST

START_TEST(test_concurrent_exhaustion)
{
	/* A /28 has 16 - 3 = 13 addresses for pods. */
	ck_assert_int_eq(race(20, "10.3.0.0/28"), 13);
	ck_assert_int_eq(count_addrs(), 13);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cni_ipam");
	TCase *tc = tcase_create("ipam");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_range);
	tcase_add_test(tc, test_round_robin);
	tcase_add_test(tc, test_gateway_skipped);
	tcase_add_test(tc, test_exhaustion_and_wrap);
	tcase_add_test(tc, test_duplicate);
	tcase_add_test(tc, test_bad_hint);
	tcase_add_test(tc, test_dual_stack_find);
	tcase_add_test(tc, test_release_idempotent);
	tcase_add_test(tc, test_free_one);
	tcase_add_test(tc, test_old_format);
	tcase_add_test(tc, test_gc);
	tcase_add_test(tc, test_open_missing);
	tcase_add_test(tc, test_writable);
	tcase_add_test(tc, test_concurrent);
	tcase_add_test(tc, test_concurrent_exhaustion);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
