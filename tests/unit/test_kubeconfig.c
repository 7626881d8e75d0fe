// SPDX-License-Identifier: GPL-2.0
/* watch/kubeconfig.c and watch/yaml.c: credentials. */
#include "testutil.h"
#include "watch/http.h"
#include "watch/kubeconfig.h"
#include "watch/yaml.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* A scratch folder; every file written there is removed at the end. */
static char dir[64];
static char files[32][128];
static int n_files;

static const char *path_of(const char *name)
{
	static char p[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static const char *put(const char *name, const char *content)
{
	const char *p = path_of(name);
	FILE *f = fopen(p, "w");

	ck_assert_msg(f != NULL, "cannot write %s", p);
	fputs(content, f);
	fclose(f);
	for (int i = 0; i < n_files; i++)
		if (strcmp(files[i], name) == 0)
			return p;
	ck_assert_int_lt(n_files, 32);
	snprintf(files[n_files++], sizeof(files[0]), "%s", name);
	return p;
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/nfp-kubeconfig-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	n_files = 0;
	mkdir(path_of("pki"), 0700);
}

static void teardown(void)
{
	for (int i = 0; i < n_files; i++)
		unlink(path_of(files[i]));
	rmdir(path_of("pki"));
	rmdir(dir);
}

/* The concatenated messages, for substring checks. */
static const char *msgs(const struct diag_list *d)
{
	static char buf[4096];
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < d->n && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s\n",
					d->items[i].msg);
	return buf;
}

#define assert_msg_has(d, s)                                              \
	ck_assert_msg(strstr(msgs(d), s) != NULL, "no \"%s\" in:\n%s", s, \
		      msgs(d))

/* base64("CA-PEM\n"), base64("CERT-PEM"), base64("KEY-PEM"). */
#define CA_B64 "Q0EtUEVNCg=="
#define CERT_B64 "Q0VSVC1QRU0="
#define KEY_B64 "S0VZLVBFTQ=="

static const char yaml_config[] =
	"apiVersion: v1\n"
	"kind: Config\n"
	"current-context: dev   # the default\n"
	"clusters:\n"
	"- name: dev-cluster\n"
	"  cluster:\n"
	"    server: https://127.0.0.1:6443/\n"
	"    certificate-authority: pki/ca.crt\n"
	"- name: prod-cluster\n"
	"  cluster:\n"
	"    server: \"https://[::1]:8443\"\n"
	"    certificate-authority-data: " CA_B64 "\n"
	"    tls-server-name: kubernetes.default\n"
	"contexts:\n"
	"- name: dev\n"
	"  context: {cluster: dev-cluster, user: dev-user, namespace: x}\n"
	"- name: prod\n"
	"  context:\n"
	"    cluster: prod-cluster\n"
	"    user: prod-user\n"
	"users:\n"
	"- name: dev-user\n"
	"  user:\n"
	"    client-certificate: pki/client.crt\n"
	"    client-key: pki/client.key\n"
	"- name: prod-user\n"
	"  user:\n"
	"    client-certificate-data: " CERT_B64 "\n"
	"    client-key-data: >-\n"
	"      S0VZ\n"
	"      LVBFTQ==\n"
	"    token: 0123456789\n"
	"    tokenFile: ignored-because-token-is-set\n";

static void put_pki(void)
{
	put("pki/ca.crt", "CA\n");
	put("pki/client.crt", "CERT\n");
	put("pki/client.key", "KEY\n");
}

START_TEST(test_yaml_current_context_files)
{
	struct diag_list d = {0};
	struct kube_config c;
	const char *kc;

	put_pki();
	kc = put("config", yaml_config);
	ck_assert_int_eq(kube_config_load(kc, NULL, NULL, &c, &d), 0);
	ck_assert_str_eq(c.server, "https://127.0.0.1:6443");
	ck_assert_str_eq(c.ca.path, path_of("pki/ca.crt"));
	ck_assert_ptr_null(c.ca.data);
	ck_assert_str_eq(c.cert.path, path_of("pki/client.crt"));
	ck_assert_str_eq(c.key.path, path_of("pki/client.key"));
	ck_assert_ptr_null(c.token);
	ck_assert(!c.insecure);
	ck_assert_ptr_null(c.tls_server_name);
	ck_assert_ptr_nonnull(strstr(c.source, "context dev"));
	ck_assert_uint_eq(d.n, 0);
	kube_config_free(&c);
	kube_config_free(&c); /* zeroed: harmless */

	/* A relative kubeconfig path still gives absolute paths. */
	{
		char cwd[4096];

		ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
		ck_assert_int_eq(chdir(dir), 0);
		ck_assert_int_eq(kube_config_load("config", NULL, NULL, &c, &d),
				 0);
		ck_assert_int_eq(chdir(cwd), 0);
		ck_assert_str_eq(c.ca.path, path_of("pki/ca.crt"));
		ck_assert_str_eq(c.key.path, path_of("pki/client.key"));
		kube_config_free(&c);
	}
	diag_list_free(&d);
}
END_TEST

START_TEST(test_yaml_named_context_data)
{
	struct diag_list d = {0};
	struct kube_config c;
	const char *kc = put("config", yaml_config);

	ck_assert_int_eq(kube_config_load(kc, "prod", NULL, &c, &d), 0);
	ck_assert_str_eq(c.server, "https://[::1]:8443");
	ck_assert_ptr_null(c.ca.path);
	ck_assert_uint_eq(c.ca.len, 7);
	ck_assert_mem_eq(c.ca.data, "CA-PEM\n", 7);
	ck_assert_uint_eq(c.cert.len, 8);
	ck_assert_mem_eq(c.cert.data, "CERT-PEM", 8);
	ck_assert_mem_eq(c.key.data, "KEY-PEM", 7);
	/* A plain scalar of digits is still a string token. */
	ck_assert_str_eq(c.token, "0123456789");
	ck_assert_ptr_null(c.token_file);
	ck_assert_str_eq(c.tls_server_name, "kubernetes.default");
	assert_msg_has(&d, "token and tokenFile both set, using token");
	kube_config_free(&c);
	diag_list_free(&d);
}
END_TEST

START_TEST(test_json_and_master_override)
{
	static const char json[] =
		"{\"kind\":\"Config\",\"current-context\":\"c\","
		"\"clusters\":[{\"name\":\"k\",\"cluster\":{\"server\":"
		"\"https://10.0.0.1:6443\",\"insecure-skip-tls-verify\":true}}],"
		"\"contexts\":[{\"name\":\"c\",\"context\":{\"cluster\":\"k\","
		"\"user\":\"u\"}}],"
		"\"users\":[{\"name\":\"u\",\"user\":{\"tokenFile\":\"tok\"}}]}";
	struct diag_list d = {0};
	struct kube_config c;
	const char *kc;

	put("tok", "  secret-1\n");
	kc = put("config.json", json);
	ck_assert_int_eq(kube_config_load(kc, NULL, NULL, &c, &d), 0);
	ck_assert_str_eq(c.server, "https://10.0.0.1:6443");
	ck_assert(c.insecure);
	ck_assert_str_eq(c.token, "secret-1");
	ck_assert_str_eq(c.token_file, path_of("tok"));
	kube_config_free(&c);

	/* --master replaces the server and keeps the credentials. */
	ck_assert_int_eq(
		kube_config_load(kc, NULL, "https://127.0.0.1:9443/", &c, &d),
		0);
	ck_assert_str_eq(c.server, "https://127.0.0.1:9443");
	ck_assert_str_eq(c.token, "secret-1");
	kube_config_free(&c);
	ck_assert_uint_eq(d.n, 0);
	diag_list_free(&d);
}
END_TEST

START_TEST(test_master_alone)
{
	struct diag_list d = {0};
	struct kube_config c;

	ck_assert_int_eq(kube_config_load(NULL, NULL, "127.0.0.1:8080", &c, &d),
			 0);
	ck_assert_str_eq(c.server, "http://127.0.0.1:8080");
	ck_assert_ptr_null(c.token);
	ck_assert_ptr_null(c.ca.path);
	ck_assert_ptr_null(c.cert.path);
	ck_assert_str_eq(c.source, "--master http://127.0.0.1:8080");
	ck_assert_ptr_null(kube_config_token(&c, &d));
	kube_config_free(&c);
	ck_assert_int_eq(kube_config_load(NULL, NULL, "https://h:1//", &c, &d),
			 0);
	ck_assert_str_eq(c.server, "https://h:1");
	kube_config_free(&c);
	ck_assert_int_eq(kube_config_load(NULL, NULL, "ftp://h", &c, &d),
			 -EINVAL);
	assert_msg_has(&d, "--master: want an http:// or https:// URL");
	diag_list_free(&d);
}
END_TEST

static int load_err(const char *yaml, const char *context, struct diag_list *d)
{
	struct kube_config c;
	const char *kc = put("bad", yaml);
	int err = kube_config_load(kc, context, NULL, &c, d);

	ck_assert_ptr_null(c.server); /* left empty */
	return err;
}

START_TEST(test_errors_name_file_and_key)
{
	struct diag_list d = {0};
	char want[256];

	put_pki();
	ck_assert_int_eq(load_err(yaml_config, "staging", &d), -ENOENT);
	snprintf(want, sizeof(want),
		 "kubeconfig %s: no contexts entry named \"staging\"",
		 path_of("bad"));
	assert_msg_has(&d, want);
	diag_list_free(&d);

	unlink(path_of("pki/client.key"));
	ck_assert_int_eq(load_err(yaml_config, NULL, &d), -ENOENT);
	snprintf(want, sizeof(want),
		 "users[dev-user]: client-key: cannot read %s: No such file",
		 path_of("pki/client.key"));
	assert_msg_has(&d, want);
	diag_list_free(&d);

	ck_assert_int_eq(load_err("clusters:\n- name: a\n  cluster:\n"
				  "    server: [x\n",
				  NULL, &d),
			 -EINVAL);
	assert_msg_has(&d, "line 5, column 1");
	diag_list_free(&d);

	ck_assert_int_eq(load_err("current-context: c\ncontexts:\n- name: c\n"
				  "  context: {cluster: k}\nclusters:\n"
				  "- name: k\n  cluster:\n"
				  "    server: https://a\n"
				  "    insecure-skip-tls-verify: true\n"
				  "    certificate-authority-data: " CA_B64
				  "\n",
				  NULL, &d),
			 -EINVAL);
	assert_msg_has(&d, "clusters[k]: insecure-skip-tls-verify with a "
			   "certificate-authority is not allowed");
	diag_list_free(&d);

	ck_assert_int_eq(load_err("current-context: c\ncontexts:\n- name: c\n"
				  "  context: {cluster: k, user: u}\n"
				  "clusters:\n- name: k\n"
				  "  cluster: {server: https://a}\n"
				  "users:\n- name: u\n"
				  "  user: {client-certificate-data: " CERT_B64
				  "}\n",
				  NULL, &d),
			 -EINVAL);
	assert_msg_has(&d, "users[u]: client-certificate and client-key must "
			   "be set together");
	diag_list_free(&d);

	ck_assert_int_eq(load_err("current-context: c\ncontexts:\n- name: c\n"
				  "  context: {cluster: k, user: u}\n"
				  "clusters:\n- name: k\n"
				  "  cluster: {server: https://a}\n"
				  "users:\n- name: u\n"
				  "  user:\n    exec: {command: aws}\n",
				  NULL, &d),
			 -EOPNOTSUPP);
	assert_msg_has(&d, "users[u]: exec and auth-provider credential "
			   "plugins are not supported");
	diag_list_free(&d);

	ck_assert_int_eq(load_err("current-context: c\ncontexts:\n- name: c\n"
				  "  context: {cluster: k}\nclusters:\n"
				  "- name: k\n  cluster:\n"
				  "    server: https://a\n"
				  "    certificate-authority-data: '%%%'\n",
				  NULL, &d),
			 -EINVAL);
	assert_msg_has(&d, "clusters[k]: certificate-authority-data: not "
			   "base64");
	diag_list_free(&d);

	ck_assert_int_eq(load_err("kind: Config\n", NULL, &d), -EINVAL);
	assert_msg_has(&d, "no current-context and no --context given");
	diag_list_free(&d);

	ck_assert_int_eq(load_err("- a\n- b\n", NULL, &d), -EINVAL);
	assert_msg_has(&d, "not a kubeconfig");
	diag_list_free(&d);

	{
		struct kube_config c;

		ck_assert_int_eq(
			kube_config_load(path_of("nope"), NULL, NULL, &c, &d),
			-ENOENT);
		assert_msg_has(&d, "nope: cannot read: No such file");
		diag_list_free(&d);
	}
}
END_TEST

static void replace_file(const char *name, const char *content)
{
	char tmp[64];

	snprintf(tmp, sizeof(tmp), "%s.new", name);
	put(tmp, content);
	ck_assert_int_eq(rename(path_of(tmp), path_of(name)), 0);
	for (int i = 0; i < n_files; i++)
		if (strcmp(files[i], tmp) == 0)
			snprintf(files[i], sizeof(files[i]), "%s", name);
}

START_TEST(test_token_file_rotation)
{
	struct diag_list d = {0};
	struct kube_config c;
	const char *kc;

	put("token", "first\n");
	kc = put("config",
		 "current-context: c\n"
		 "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
		 "clusters: [{name: k, cluster: {server: "
		 "'http://127.0.0.1:1'}}]\n"
		 "users: [{name: u, user: {tokenFile: token}}]\n");
	ck_assert_int_eq(kube_config_load(kc, NULL, NULL, &c, &d), 0);
	ck_assert_str_eq(kube_config_token(&c, &d), "first");
	ck_assert_str_eq(kube_config_token(&c, &d), "first");

	/* The kubelet swaps the file atomically: a new inode. */
	replace_file("token", "second");
	ck_assert_str_eq(kube_config_token(&c, &d), "second");

	/* Rewritten in place with another size. */
	put("token", "third-token\n");
	ck_assert_str_eq(kube_config_token(&c, &d), "third-token");
	ck_assert_uint_eq(d.n, 0);

	/* Gone for a moment: the last good token stays. */
	unlink(path_of("token"));
	ck_assert_str_eq(kube_config_token(&c, &d), "third-token");
	assert_msg_has(&d, "cannot re-read: No such file or directory; "
			   "keeping the previous token");
	diag_list_free(&d);
	put("token", "\n");
	ck_assert_str_eq(kube_config_token(&c, &d), "third-token");
	assert_msg_has(&d, "empty or not text");
	diag_list_free(&d);
	put("token", "fourth");
	ck_assert_str_eq(kube_config_token(&c, &d), "fourth");
	kube_config_free(&c);
	diag_list_free(&d);
}
END_TEST

START_TEST(test_in_cluster)
{
	struct diag_list d = {0};
	struct kube_config c;

	put("token", "sa-token\n");
	put("ca.crt", "CA\n");
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	ck_assert_int_eq(kube_config_load_in_cluster(dir, &c, &d), 0);
	ck_assert_str_eq(c.server, "https://10.96.0.1:443");
	ck_assert_str_eq(c.token, "sa-token");
	ck_assert_str_eq(c.token_file, path_of("token"));
	ck_assert_str_eq(c.ca.path, path_of("ca.crt"));
	kube_config_free(&c);

	/* Neither flag: in-cluster, with the folder from the environment. */
	setenv(KUBE_NFPROXY_SA_DIR_ENV, dir, 1);
	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	ck_assert_int_eq(kube_config_load(NULL, NULL, NULL, &c, &d), 0);
	ck_assert_str_eq(c.server, "https://[fd00::1]:443");
	ck_assert_str_eq(c.token, "sa-token");
	kube_config_free(&c);
	ck_assert_uint_eq(d.n, 0);

	/* No CA: a warning, the system's store. */
	unlink(path_of("ca.crt"));
	ck_assert_int_eq(kube_config_load(NULL, NULL, NULL, &c, &d), 0);
	ck_assert_ptr_null(c.ca.path);
	assert_msg_has(&d, "using the system's CA certificates");
	kube_config_free(&c);
	diag_list_free(&d);

	unlink(path_of("token"));
	ck_assert_int_eq(kube_config_load(NULL, NULL, NULL, &c, &d), -ENOENT);
	assert_msg_has(&d, "in-cluster configuration: cannot read token");
	diag_list_free(&d);

	unsetenv("KUBERNETES_SERVICE_HOST");
	ck_assert_int_eq(kube_config_load(NULL, NULL, NULL, &c, &d), -EINVAL);
	assert_msg_has(&d, "KUBERNETES_SERVICE_HOST and "
			   "KUBERNETES_SERVICE_PORT must be set");
	diag_list_free(&d);
	unsetenv("KUBERNETES_SERVICE_PORT");
	unsetenv(KUBE_NFPROXY_SA_DIR_ENV);
}
END_TEST

/* tls-server-name: the URL carries the name, the connection goes to the
 * server's address (CURLOPT_CONNECT_TO). */
START_TEST(test_http_urls)
{
	struct kube_config c = {0};
	struct watch_http w;
	struct diag_list d = {0};
	struct strbuf sb = {0};
	char *url;

	c.server = "https://[fd00::1]:6443/prefix";
	url = watch_http_url(&c, "/api/v1/nodes?limit=1");
	ck_assert_str_eq(url,
			 "https://[fd00::1]:6443/prefix/api/v1/nodes?limit=1");
	free(url);
	c.tls_server_name = "kubernetes.default";
	url = watch_http_url(&c, "/api/v1/nodes?limit=1");
	ck_assert_str_eq(url, "https://kubernetes.default:6443/prefix/api/v1/"
			      "nodes?limit=1");
	free(url);
	ck_assert_int_eq(watch_http_init(&w, &c, "ua", &d), 0);
	ck_assert_ptr_nonnull(w.connect_to);
	ck_assert_str_eq(w.connect_to->data,
			 "kubernetes.default:6443:[fd00::1]:6443");
	ck_assert_int_eq(watch_http_prepare(&w, &c, "/api", 1000, &d), 0);
	ck_assert_str_eq(w.headers->data, "Accept: application/json");
	ck_assert_ptr_null(w.headers->next); /* no token, no Authorization */
	watch_http_release(&w);
	watch_http_release(&w);

	c.server = "https://10.0.0.1";
	c.tls_server_name = "api";
	c.token = "abc";
	ck_assert_int_eq(watch_http_init(&w, &c, NULL, &d), 0);
	ck_assert_str_eq(w.connect_to->data, "api:443:10.0.0.1:443");
	ck_assert_int_eq(watch_http_prepare(&w, &c, "/api", 0, &d), 0);
	ck_assert_str_eq(w.headers->next->data, "Authorization: Bearer abc");
	watch_http_release(&w);
	ck_assert_uint_eq(d.n, 0);

	watch_http_escape(&sb, "a-b_c.d~e/f=g,h!i j%");
	ck_assert_str_eq(sb.buf, "a-b_c.d~e%2Ff%3Dg%2Ch%21i%20j%25");
	strbuf_release(&sb);
}
END_TEST

static json_t *yaml(const char *s, char *err)
{
	return watch_yaml_parse(s, strlen(s), err);
}

START_TEST(test_yaml_converter)
{
	char err[WATCH_YAML_ERR_LEN];
	json_t *v;
	char *text;

	v = yaml("a: &x {b: [1, 'two', ~, null, \"\", ]}\n"
		 "c: *x\n"
		 "d:\n"
		 "e: |\n  line1\n  line2\n"
		 "f: 'null'\n",
		 err);
	ck_assert_msg(v != NULL, "%s", err);
	text = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT);
	ck_assert_str_eq(text, "{\"a\":{\"b\":[\"1\",\"two\",null,null,\"\"]},"
			       "\"c\":{\"b\":[\"1\",\"two\",null,null,\"\"]},"
			       "\"d\":null,\"e\":\"line1\\nline2\\n\","
			       "\"f\":\"null\"}");
	free(text);
	json_decref(v);

	v = yaml("", err);
	ck_assert(json_is_null(v));
	json_decref(v);

	ck_assert_ptr_null(yaml("a: 1\na: 2\n", err));
	ck_assert_str_eq(err, "line 2, column 1: duplicate mapping key");
	ck_assert_ptr_null(yaml("? [a]\n: 1\n", err));
	ck_assert_str_eq(err, "line 1, column 3: mapping key is not a scalar");
	ck_assert_ptr_null(yaml("a: *nope\n", err));
	ck_assert_str_eq(err, "line 1, column 4: alias to an unknown anchor");
	ck_assert_ptr_null(yaml("a: &s [1, *s]\n", err));
	ck_assert_str_eq(err, "line 1, column 11: alias to an unknown anchor");
	ck_assert_ptr_null(yaml("a: b: c\n", err));
	ck_assert_ptr_nonnull(strstr(err, "line 1, column 5: mapping values "
					  "are not allowed"));
	{
		char deep[400] = "";

		for (int i = 0; i < 100; i++)
			strcat(deep, "[");
		ck_assert_ptr_null(yaml(deep, err));
		ck_assert_ptr_nonnull(strstr(err, "nested too deeply"));
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kubeconfig");
	TCase *tc = tcase_create("kubeconfig");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_yaml_current_context_files);
	tcase_add_test(tc, test_yaml_named_context_data);
	tcase_add_test(tc, test_json_and_master_override);
	tcase_add_test(tc, test_master_alone);
	tcase_add_test(tc, test_errors_name_file_and_key);
	tcase_add_test(tc, test_token_file_rotation);
	tcase_add_test(tc, test_in_cluster);
	tcase_add_test(tc, test_yaml_converter);
	tcase_add_test(tc, test_http_urls);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
