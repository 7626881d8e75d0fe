// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "masq/masq_config.h"
#include "testutil.h"

/* The CIDR list as "a,b,c" ("" when empty). */
static const char *cidrs(const struct masq_config *c)
{
	static char buf[1024];
	char one[NFP_CIDR_STRLEN];
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < c->n_non_masq_cidrs; i++)
		used += (size_t)snprintf(
			buf + used, sizeof(buf) - used, "%s%s", i ? "," : "",
			nfp_cidr_str(&c->non_masq_cidrs[i], one));
	return buf;
}

static int parse(const char *text, struct masq_config *c, struct diag_list *d)
{
	return masq_config_parse(text, strlen(text), c, d);
}

static void expect_ok(const char *text, const char *want_cidrs, bool ll,
		      bool ll6, unsigned int resync)
{
	struct diag_list d = {0};
	struct masq_config c;

	ck_assert_msg(parse(text, &c, &d) == 0, "rejected: %s: %s", text,
		      d.n ? d.items[0].msg : "");
	ck_assert_uint_eq(d.n, 0);
	ck_assert_ptr_nonnull(c.non_masq_cidrs);
	ck_assert_str_eq(cidrs(&c), want_cidrs);
	ck_assert_int_eq(c.masq_link_local, ll);
	ck_assert_int_eq(c.masq_link_local_v6, ll6);
	ck_assert_uint_eq(c.resync_interval_s, resync);
	masq_config_free(&c);
}

/* Rejected, with every message an error and one of them holding needle. */
static void expect_bad(const char *text, const char *needle)
{
	struct diag_list d = {0};
	struct masq_config c;
	bool found = false;

	memset(&c, 0xa5, sizeof(c));
	ck_assert_msg(parse(text, &c, &d) == -EINVAL, "accepted: %s", text);
	ck_assert_ptr_null(c.non_masq_cidrs);
	ck_assert_uint_eq(c.n_non_masq_cidrs, 0);
	ck_assert_uint_gt(d.n, 0);
	for (size_t i = 0; i < d.n; i++) {
		ck_assert_int_eq(d.items[i].level, DIAG_ERROR);
		found |= strstr(d.items[i].msg, needle) != NULL;
	}
	ck_assert_msg(found, "%s: no message with \"%s\" (first: %s)", text,
		      needle, d.items[0].msg);
	diag_list_free(&d);
}

#define DEFAULT_CIDRS "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"

START_TEST(test_defaults)
{
	struct masq_config c;

	masq_config_defaults(&c);
	ck_assert_str_eq(cidrs(&c), DEFAULT_CIDRS);
	ck_assert(!c.masq_link_local && !c.masq_link_local_v6);
	ck_assert_uint_eq(c.resync_interval_s, 60);
	masq_config_free(&c);
	ck_assert_ptr_null(c.non_masq_cidrs);
	masq_config_free(NULL);

	/* Empty documents and empty maps: all defaults. */
	expect_ok("", DEFAULT_CIDRS, false, false, 60);
	expect_ok("  \n# just a comment\n", DEFAULT_CIDRS, false, false, 60);
	expect_ok("{}", DEFAULT_CIDRS, false, false, 60);
	expect_ok(" \n{ }\n", DEFAULT_CIDRS, false, false, 60);
	expect_ok("null", DEFAULT_CIDRS, false, false, 60);
	/* A key that is absent keeps its default. */
	expect_ok("masqLinkLocal: true\n", DEFAULT_CIDRS, true, false, 60);
	expect_ok("{\"resyncInterval\": \"5s\"}", DEFAULT_CIDRS, false, false,
		  5);
}
END_TEST

START_TEST(test_yaml_full)
{
	expect_ok("nonMasqueradeCIDRs:\n"
		  "  - 10.244.0.0/16\n"
		  "  - 192.168.50.0/24\n"
		  "  - fd00:10:244::/56\n"
		  "masqLinkLocal: true\n"
		  "masqLinkLocalIPv6: true\n"
		  "resyncInterval: 1m30s\n",
		  "10.244.0.0/16,192.168.50.0/24,fd00:10:244::/56", true, true,
		  90);
	/* Flow style, quoted values, YAML 1.1 booleans. */
	expect_ok("nonMasqueradeCIDRs: ['10.0.0.0/8']\nmasqLinkLocal: yes\n",
		  "10.0.0.0/8", true, false, 60);
	expect_ok("masqLinkLocal: \"off\"\nmasqLinkLocalIPv6: On\n",
		  DEFAULT_CIDRS, false, true, 60);
	expect_ok(
		"cidrLimit: 2\nnonMasqueradeCIDRs: [10.0.0.0/8, 10.1.0.0/16]\n",
		"10.0.0.0/8,10.1.0.0/16", false, false, 60);
}
END_TEST

START_TEST(test_json_full)
{
	expect_ok(
		"{\"nonMasqueradeCIDRs\": [\"100.64.0.0/10\", \"2001:db8::/32\"],"
		" \"masqLinkLocal\": false, \"masqLinkLocalIPv6\": true,"
		" \"resyncInterval\": \"2h\", \"cidrLimit\": 10}",
		"100.64.0.0/10,2001:db8::/32", false, true, 7200);
}
END_TEST

START_TEST(test_empty_list)
{
	/* An empty list or null: nothing is exempt (but never NULL, which
	 * would mean "the cluster CIDRs" to masq_plan). */
	expect_ok("nonMasqueradeCIDRs: []\n", "", false, false, 60);
	expect_ok("nonMasqueradeCIDRs:\n", "", false, false, 60);
	expect_ok("{\"nonMasqueradeCIDRs\": null}", "", false, false, 60);
	/* null leaves a scalar alone. */
	expect_ok("{\"masqLinkLocal\": null}", DEFAULT_CIDRS, false, false, 60);
}
END_TEST

START_TEST(test_go_json_keys)
{
	/* encoding/json: keys match case-insensitively, the last wins,
	 * unknown keys are ignored. */
	expect_ok("{\"NONMASQUERADECIDRS\": [\"10.1.0.0/16\"]}", "10.1.0.0/16",
		  false, false, 60);
	expect_ok("{\"nonMasqueradeCIDRs\": [\"10.1.0.0/16\"],"
		  " \"nonmasqueradecidrs\": [\"10.2.0.0/16\"]}",
		  "10.2.0.0/16", false, false, 60);
	expect_ok("frobnicate: 3\nnested: {a: b}\nmasqLinkLocal: true\n",
		  DEFAULT_CIDRS, true, false, 60);
}
END_TEST

START_TEST(test_durations)
{
	static const struct {
		const char *text;
		unsigned int s;
	} ok[] = {
		{"1s", 1},	   {"1.5s", 2},	     {"500ms", 1},
		{"2h45m", 9900},   {"1m0.5s", 61},   {"+5s", 5},
		{"1\xc2\xb5s", 1}, {"3000000us", 3}, {"90m", 5400},
		{".5m", 30},	   {"1.s", 1},	     {"10ns", 1},
		{"1h1m1s", 3661},
	};
	static const struct {
		const char *text, *why;
	} bad[] = {
		{"60", "missing unit"},		  {"1x", "unknown unit"},
		{"", "invalid duration"},	  {"s", "invalid duration"},
		{".s", "invalid duration"},	  {"-1s", "longer than zero"},
		{"0", "longer than zero"},	  {"0s", "longer than zero"},
		{"99999999999h", "out of range"}, {"1d", "unknown unit"},
	};
	char text[128];

	for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
		snprintf(text, sizeof(text), "resyncInterval: \"%s\"\n",
			 ok[i].text);
		expect_ok(text, DEFAULT_CIDRS, false, false, ok[i].s);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		snprintf(text, sizeof(text), "{\"resyncInterval\": \"%s\"}",
			 bad[i].text);
		expect_bad(text, bad[i].why);
	}
	/* Not a string: the agent's Duration wants one, null included. */
	expect_bad("{\"resyncInterval\": 60}",
		   "resyncInterval: want a duration");
	expect_bad("{\"resyncInterval\": null}", "not null");
}
END_TEST

START_TEST(test_bad_cidrs)
{
	expect_bad(
		"nonMasqueradeCIDRs: [10.0.0.1/8]\n",
		"nonMasqueradeCIDRs[0]: \"10.0.0.1/8\" is not aligned to a CIDR block (the block is 10.0.0.0/8)");
	expect_bad("nonMasqueradeCIDRs: [10.0.0.0/8, 10.0.0.0]\n",
		   "nonMasqueradeCIDRs[1]: \"10.0.0.0\" is not a CIDR block");
	expect_bad("nonMasqueradeCIDRs: [10.0.0.0/33]\n", "[0]");
	expect_bad("nonMasqueradeCIDRs: [banana/8]\n", "not a CIDR block");
	expect_bad("nonMasqueradeCIDRs: [10.0.0.0/-1]\n", "not a CIDR block");
	expect_bad("nonMasqueradeCIDRs: [fd00::1/64]\n", "not aligned");
	expect_bad("{\"nonMasqueradeCIDRs\": [\"10.0.0.0/8\", 7]}",
		   "nonMasqueradeCIDRs[1]: want a CIDR block, not a number");
	expect_bad("{\"nonMasqueradeCIDRs\": \"10.0.0.0/8\"}",
		   "want a list of CIDR blocks, not a string");
	expect_bad(
		"cidrLimit: 1\nnonMasqueradeCIDRs: [10.0.0.0/8, 10.1.0.0/16]\n",
		"2 blocks, more than cidrLimit (1)");
	expect_bad("{\"cidrLimit\": 2}", "3 blocks, more than cidrLimit (2)");
	expect_bad("{\"cidrLimit\": \"7\"}", "cidrLimit: want a whole number");
}
END_TEST

START_TEST(test_bad_types)
{
	/* JSON is strict, as Go is; YAML plain scalars are strings. */
	expect_bad("{\"masqLinkLocal\": \"true\"}",
		   "masqLinkLocal: want true or false, not a string");
	expect_bad("masqLinkLocalIPv6: maybe\n",
		   "masqLinkLocalIPv6: want true");
	expect_bad("- 10.0.0.0/8\n", "want a map of settings, not a list");
	expect_bad("[1, 2]", "want a map of settings, not a list");
	expect_bad("\"just a string\"", "not a string");
	expect_bad("{\"nonMasqueradeCIDRs\": [", "line 1");
	expect_bad("nonMasqueradeCIDRs: [10.0.0.0/8\n", "line");
	expect_bad("a: b\na: c\n", "line");
	/* As for the agent (apimachinery's yaml.ToJSON), a document that
	 * starts with '{' is JSON, so YAML flow style there is refused. */
	expect_bad("{nonMasqueradeCIDRs: ['10.0.0.0/8']}", "line 1, column");
}
END_TEST

START_TEST(test_every_problem_reported)
{
	struct diag_list d = {0};
	struct masq_config c;

	ck_assert_int_eq(parse("nonMasqueradeCIDRs: [10.0.0.1/8, x]\n"
			       "masqLinkLocal: 3\nresyncInterval: 1y\n",
			       &c, &d),
			 -EINVAL);
	ck_assert_uint_eq(d.n, 4);
	ck_assert_ptr_nonnull(strstr(d.items[0].msg, "[0]"));
	ck_assert_ptr_nonnull(strstr(d.items[1].msg, "[1]"));
	ck_assert_ptr_nonnull(strstr(d.items[2].msg, "masqLinkLocal"));
	ck_assert_ptr_nonnull(strstr(d.items[3].msg, "resyncInterval"));
	diag_list_free(&d);
}
END_TEST

START_TEST(test_equal)
{
	struct masq_config a, b;
	struct diag_list d = {0};

	masq_config_defaults(&a);
	ck_assert_int_eq(parse("{}", &b, &d), 0);
	ck_assert(masq_config_equal(&a, &b));
	b.masq_link_local = true;
	ck_assert(!masq_config_equal(&a, &b));
	b.masq_link_local = false;
	b.non_masq_cidrs[2].prefix = 17;
	ck_assert(!masq_config_equal(&a, &b));
	masq_config_free(&b);
	ck_assert_int_eq(parse("nonMasqueradeCIDRs: []", &b, &d), 0);
	ck_assert(!masq_config_equal(&a, &b));
	masq_config_free(&a);
	masq_config_free(&b);
	ck_assert_uint_eq(d.n, 0);
}
END_TEST

/* --- files ----------------------------------------------------------------
 */

static char tmpdir[64];

static void setup_dir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/nfp-masq-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void path_of(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

/* Replace the file atomically (a new inode, as a ConfigMap update gives). */
static void write_file(const char *name, const char *text)
{
	char path[128], tmp[140];
	FILE *f;

	path_of(name, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(rename(tmp, path), 0);
}

static bool has_msg(const struct diag_list *d, enum diag_level level,
		    const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->items[i].level == level &&
		    strstr(d->items[i].msg, needle))
			return true;
	return false;
}

START_TEST(test_load)
{
	struct diag_list d = {0};
	struct masq_config c = {0};
	char path[128];

	path_of("config", path, sizeof(path));
	/* Missing: defaults, said once. */
	ck_assert_int_eq(masq_config_load(path, &c, &d), 0);
	ck_assert_str_eq(cidrs(&c), DEFAULT_CIDRS);
	ck_assert(has_msg(&d, DIAG_INFO, "no such file"));
	masq_config_free(&c);
	diag_list_free(&d);

	write_file("config", "nonMasqueradeCIDRs: [10.244.0.0/16]\n");
	ck_assert_int_eq(masq_config_load(path, &c, &d), 0);
	ck_assert_str_eq(cidrs(&c), "10.244.0.0/16");
	ck_assert_uint_eq(d.n, 0);

	/* Bad: the message names the file and the key; *out untouched. */
	write_file("config", "nonMasqueradeCIDRs: [10.244.0.1/16]\n");
	ck_assert_int_eq(masq_config_load(path, &c, &d), -EINVAL);
	ck_assert_str_eq(cidrs(&c), "10.244.0.0/16");
	ck_assert_uint_eq(d.n, 1);
	ck_assert_ptr_nonnull(strstr(d.items[0].msg, path));
	ck_assert_ptr_nonnull(strstr(d.items[0].msg, "nonMasqueradeCIDRs[0]"));
	diag_list_free(&d);

	/* A directory cannot be read. */
	ck_assert_int_eq(masq_config_load(tmpdir, &c, &d), -EISDIR);
	ck_assert(has_msg(&d, DIAG_ERROR, "Is a directory"));
	masq_config_free(&c);
	diag_list_free(&d);
}
END_TEST

START_TEST(test_load_too_big)
{
	struct diag_list d = {0};
	struct masq_config c = {0};
	char path[128];
	FILE *f;

	path_of("big", path, sizeof(path));
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i <= MASQ_CONFIG_MAX_BYTES / 8; i++)
		fputs("#comment", f);
	fclose(f);
	ck_assert_int_eq(masq_config_load(path, &c, &d), -EFBIG);
	ck_assert(has_msg(&d, DIAG_ERROR, "larger than"));
	diag_list_free(&d);
}
END_TEST

START_TEST(test_file_watch)
{
	struct masq_config_file f;
	struct diag_list d = {0};
	char path[128], data[128], link[128], tmp[128];
	bool changed = true;

	path_of("config", path, sizeof(path));
	write_file(
		"config",
		"nonMasqueradeCIDRs: [10.244.0.0/16]\nresyncInterval: 10s\n");
	ck_assert_int_eq(masq_config_file_open(&f, path, &d), 0);
	ck_assert_str_eq(cidrs(&f.cfg), "10.244.0.0/16");
	ck_assert_int_eq(masq_config_file_interval_ms(&f), 10000);
	ck_assert(has_msg(&d, DIAG_INFO, "nonMasqueradeCIDRs 10.244.0.0/16"));
	diag_list_free(&d);

	/* Nothing changed: nothing read, nothing said. */
	ck_assert_int_eq(masq_config_file_poll(&f, &changed, &d), 0);
	ck_assert(!changed);
	ck_assert_uint_eq(d.n, 0);

	/* A new file with the same settings: no change. */
	write_file(
		"config",
		"# reformatted\nresyncInterval: 10s\nnonMasqueradeCIDRs:\n- 10.244.0.0/16\n");
	ck_assert_int_eq(masq_config_file_poll(&f, &changed, &d), 0);
	ck_assert(!changed);
	ck_assert_uint_eq(d.n, 0);

	write_file("config",
		   "nonMasqueradeCIDRs: [10.244.0.0/16, 192.168.50.0/24]\n");
	ck_assert_int_eq(masq_config_file_poll(&f, &changed, &d), 0);
	ck_assert(changed);
	ck_assert_str_eq(cidrs(&f.cfg), "10.244.0.0/16,192.168.50.0/24");
	ck_assert_int_eq(masq_config_file_interval_ms(&f), 60000);
	diag_list_free(&d);

	/* Bad: reported once, the configuration in force stays. */
	write_file("config", "nonMasqueradeCIDRs: [10.244.0.0/16, nope]\n");
	ck_assert_int_eq(masq_config_file_poll(&f, &changed, &d), -EINVAL);
	ck_assert(!changed);
	ck_assert(has_msg(&d, DIAG_ERROR, "\"nope\" is not a CIDR block"));
	ck_assert(
		has_msg(&d, DIAG_ERROR, "keeping the configuration in force"));
	ck_assert_str_eq(cidrs(&f.cfg), "10.244.0.0/16,192.168.50.0/24");
	diag_list_free(&d);
	ck_assert_int_eq(masq_config_file_poll(&f, &changed, &d), 0);
	ck_assert(!changed);
	ck_assert_uint_eq(d.n, 0);

	/* Fixed. */
	write_file("config", "nonMasqueradeCIDRs: [10.244.0.0/16]\n");
	ck_assert_int_eq(masq_config_file_poll(&f, &changed, &d), 0);
	ck_assert(changed);
	ck_assert_str_eq(cidrs(&f.cfg), "10.244.0.0/16");
	diag_list_free(&d);

	/* A ConfigMap volume: the file is a symlink into a ..data dir that
	 * the kubelet swaps. */
	path_of("v1", data, sizeof(data));
	ck_assert_int_eq(mkdir(data, 0700), 0);
	write_file("v1/config", "masqLinkLocal: true\n");
	path_of("..data", link, sizeof(link));
	ck_assert_int_eq(symlink(data, link), 0);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(symlink("..data/config", path), 0);
	ck_assert_int_eq(masq_config_file_poll(&f, &changed, &d), 0);
	ck_assert(changed);
	ck_assert(f.cfg.masq_link_local);
	ck_assert_str_eq(cidrs(&f.cfg), DEFAULT_CIDRS);
	diag_list_free(&d);
	/* The kubelet's update: a new directory, ..data swapped to it. */
	path_of("v2", data, sizeof(data));
	ck_assert_int_eq(mkdir(data, 0700), 0);
	write_file("v2/config",
		   "masqLinkLocal: true\nmasqLinkLocalIPv6: true\n");
	path_of("..data_tmp", tmp, sizeof(tmp));
	ck_assert_int_eq(symlink(data, tmp), 0);
	ck_assert_int_eq(rename(tmp, link), 0);
	ck_assert_int_eq(masq_config_file_poll(&f, &changed, &d), 0);
	ck_assert(changed);
	ck_assert(f.cfg.masq_link_local && f.cfg.masq_link_local_v6);
	diag_list_free(&d);

	/* Gone: back to the defaults, with a warning, once. */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(masq_config_file_poll(&f, &changed, &d), 0);
	ck_assert(changed);
	ck_assert(!f.cfg.masq_link_local);
	ck_assert(has_msg(&d, DIAG_WARN, "gone"));
	diag_list_free(&d);
	ck_assert_int_eq(masq_config_file_poll(&f, &changed, &d), 0);
	ck_assert(!changed);
	ck_assert_uint_eq(d.n, 0);
	masq_config_file_free(&f);
	masq_config_file_free(NULL);
}
END_TEST

START_TEST(test_file_open_bad)
{
	struct masq_config_file f;
	struct diag_list d = {0};
	char path[128];

	path_of("config", path, sizeof(path));
	write_file("config", "resyncInterval: 0s\n");
	ck_assert_int_eq(masq_config_file_open(&f, path, &d), -EINVAL);
	ck_assert(has_msg(&d, DIAG_ERROR, "resyncInterval"));
	/* No last good configuration: the defaults are in force. */
	ck_assert_str_eq(cidrs(&f.cfg), DEFAULT_CIDRS);
	ck_assert_int_eq(masq_config_file_interval_ms(&f), 60000);
	masq_config_file_free(&f);
	diag_list_free(&d);

	/* Missing at start: defaults, said once as information. */
	path_of("none", path, sizeof(path));
	ck_assert_int_eq(masq_config_file_open(&f, path, &d), 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert(has_msg(&d, DIAG_INFO, "no such file"));
	masq_config_file_free(&f);
	diag_list_free(&d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("masq_config");
	TCase *tc = tcase_create("parse");
	TCase *files = tcase_create("files");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_yaml_full);
	tcase_add_test(tc, test_json_full);
	tcase_add_test(tc, test_empty_list);
	tcase_add_test(tc, test_go_json_keys);
	tcase_add_test(tc, test_durations);
	tcase_add_test(tc, test_bad_cidrs);
	tcase_add_test(tc, test_bad_types);
	tcase_add_test(tc, test_every_problem_reported);
	tcase_add_test(tc, test_equal);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(files, setup_dir, teardown_dir);
	tcase_add_test(files, test_load);
	tcase_add_test(files, test_load_too_big);
	tcase_add_test(files, test_file_watch);
	tcase_add_test(files, test_file_open_bad);
	suite_add_tcase(s, files);
	return test_run_suite(s);
}
