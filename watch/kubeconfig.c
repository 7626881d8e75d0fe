// SPDX-License-Identifier: GPL-2.0
/*
 * kubeconfig, --master and in-cluster credentials, with client-go's rules:
 * the -data forms override the file forms, token overrides tokenFile,
 * --master overrides the cluster's server, relative paths are relative to
 * the kubeconfig's folder.
 *
 *   current-context ──▶ contexts[name] ─┬─ cluster ─▶ clusters[name].cluster
 *                                       └─ user ────▶ users[name].user
 */
#include "watch/kubeconfig.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/strbuf.h"
#include "util/xalloc.h"
#include "watch/yaml.h"

/* A kubeconfig is a few KiB; anything this big is not one. */
#define KUBECONFIG_MAX_SIZE (16 << 20)

/* What messages about one kubeconfig file need. */
struct kctx {
	const char *file;
	struct strbuf dir; /* the file's folder, for relative paths */
	struct diag_list *d;
};

static int errf(struct kctx *k, int err, const char *where, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));

/* "kubeconfig FILE: WHERE: message"; returns err. */
static int errf(struct kctx *k, int err, const char *where, const char *fmt,
		...)
{
	struct strbuf sb = {0};
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (where)
		diag_addf(k->d, DIAG_ERROR, "kubeconfig %s: %s: %s", k->file,
			  where, sb.buf);
	else
		diag_addf(k->d, DIAG_ERROR, "kubeconfig %s: %s", k->file,
			  sb.buf);
	strbuf_release(&sb);
	return err;
}

/*
 * Read a whole file of at most max bytes, NUL-terminated. Returns 0 or
 * -errno (-EFBIG when larger). *buf is owned by the caller.
 */
static int read_file(const char *path, size_t max, char **buf, size_t *len,
		     struct stat *st)
{
	struct strbuf sb = {0};
	char chunk[8192];
	int fd, err = 0;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (st && fstat(fd, st) < 0) {
		err = -errno;
		goto out_close;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out_close;
		}
		if (sb.len + (size_t)n > max) {
			err = -EFBIG;
			goto out_close;
		}
		strbuf_add(&sb, chunk, (size_t)n);
	}
	*len = sb.len;
	*buf = strbuf_detach(&sb);
out_close:
	close(fd);
	strbuf_release(&sb);
	return err;
}

static const char *file_errstr(int err)
{
	return err == -EFBIG ? "file too large" : strerror(-err);
}

/* A string field; JSON null and "" count as absent (*out NULL). */
static int get_str(struct kctx *k, const json_t *obj, const char *key,
		   const char *where, const char **out)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return errf(k, -EINVAL, where, "%s: want a string", key);
	if (json_string_length(v) != strlen(json_string_value(v)))
		return errf(k, -EINVAL, where, "%s: contains a NUL byte", key);
	if (json_string_length(v))
		*out = json_string_value(v);
	return 0;
}

/* A boolean: JSON true/false, or the YAML 1.1 spellings as strings. */
static int get_bool(struct kctx *k, const json_t *obj, const char *key,
		    const char *where, bool *out)
{
	static const char *const yes[] = {"true", "True", "TRUE", "yes",
					  "Yes",  "YES",  "on",	  "On",
					  "ON",	  "y",	  "Y"};
	static const char *const no[] = {"false", "False", "FALSE", "no",
					 "No",	  "NO",	   "off",   "Off",
					 "OFF",	  "n",	   "N"};
	const json_t *v = json_object_get(obj, key);
	const char *s;

	*out = false;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 0;
	}
	s = json_string_value(v);
	for (size_t i = 0; s && i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0)
			return 0;
	}
	return errf(k, -EINVAL, where, "%s: want true or false", key);
}

static int b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Standard base64 with optional padding; line breaks and spaces are
 * skipped (PEM pasted by hand). Returns 0 or -EINVAL.
 */
static int b64_decode(const char *s, char **out, size_t *out_len)
{
	size_t n = strlen(s), len = 0, pad = 0;
	unsigned int acc = 0, bits = 0;
	char *buf = xmalloc(n / 4 * 3 + 4);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int v;

		if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		v = b64_val(c);
		if (v < 0 || pad)
			goto out_bad;
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[len++] = (char)((acc >> bits) & 0xff);
		}
	}
	/* 6 leftover bits means a lone character: not base64. */
	if (bits >= 6 || pad > 2)
		goto out_bad;
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
out_bad:
	free(buf);
	return -EINVAL;
}

static char *resolve_path(struct kctx *k, const char *path)
{
	struct strbuf sb = {0};

	if (path[0] == '/' || !k->dir.len)
		return xstrdup(path);
	strbuf_addf(&sb, "%s%s%s", k->dir.buf,
		    k->dir.buf[k->dir.len - 1] == '/' ? "" : "/", path);
	return strbuf_detach(&sb);
}

static int check_readable(struct kctx *k, const char *where, const char *key,
			  const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errf(k, -errno, where, "%s: cannot read %s: %s", key,
			    path, strerror(errno));
	close(fd);
	return 0;
}

/* key (a path) and key-data (base64): data wins, as in client-go. */
static int get_pem(struct kctx *k, const json_t *obj, const char *where,
		   const char *key, struct kube_pem *out)
{
	char data_key[64];
	const char *path, *data;
	int err;

	snprintf(data_key, sizeof(data_key), "%s-data", key);
	err = get_str(k, obj, key, where, &path);
	if (!err)
		err = get_str(k, obj, data_key, where, &data);
	if (err)
		return err;
	if (data) {
		if (path)
			diag_addf(
				k->d, DIAG_WARN,
				"kubeconfig %s: %s: %s and %s both set, using %s",
				k->file, where, key, data_key, data_key);
		if (b64_decode(data, &out->data, &out->len) < 0)
			return errf(k, -EINVAL, where, "%s: not base64",
				    data_key);
		return 0;
	}
	if (!path)
		return 0;
	out->path = resolve_path(k, path);
	return check_readable(k, where, key, out->path);
}

/* A token file's content without surrounding white space, as client-go. */
static int read_token(const char *path, char **out, struct stat *st)
{
	size_t len, start = 0;
	char *buf;
	int err;

	err = read_file(path, KUBE_MAX_CRED_FILE, &buf, &len, st);
	if (err)
		return err;
	while (len && isspace((unsigned char)buf[len - 1]))
		buf[--len] = '\0';
	while (start < len && isspace((unsigned char)buf[start]))
		start++;
	if (start == len || strlen(buf) != len) {
		free(buf);
		return -EINVAL;
	}
	memmove(buf, buf + start, len - start + 1);
	*out = buf;
	return 0;
}

static void save_token_stat(struct kube_config *c, const struct stat *st)
{
	c->token_stat.dev = st->st_dev;
	c->token_stat.ino = st->st_ino;
	c->token_stat.size = st->st_size;
	c->token_stat.mtime = st->st_mtim;
}

static int load_token_file(struct kube_config *c, const char *path)
{
	struct stat st;
	char *tok;
	int err;

	err = read_token(path, &tok, &st);
	if (err)
		return err;
	if (c->token)
		explicit_bzero(c->token, strlen(c->token));
	free(c->token);
	c->token = tok;
	if (c->token_file != path) {
		free(c->token_file);
		c->token_file = xstrdup(path);
	}
	save_token_stat(c, &st);
	return 0;
}

const char *kube_config_token(struct kube_config *c, struct diag_list *d)
{
	struct stat st;
	int err;

	if (!c->token_file)
		return c->token;
	if (stat(c->token_file, &st) == 0 && st.st_dev == c->token_stat.dev &&
	    st.st_ino == c->token_stat.ino &&
	    st.st_size == c->token_stat.size &&
	    st.st_mtim.tv_sec == c->token_stat.mtime.tv_sec &&
	    st.st_mtim.tv_nsec == c->token_stat.mtime.tv_nsec)
		return c->token;
	err = load_token_file(c, c->token_file);
	if (err)
		diag_addf(
			d, DIAG_WARN,
			"token file %s: cannot re-read: %s; keeping the previous token",
			c->token_file,
			err == -EINVAL ? "empty or not text"
				       : file_errstr(err));
	return c->token;
}

/*
 * The entry of list called name: { name: NAME, FIELD: {...} }. *out is
 * FIELD, borrowed, NULL when it is null or missing (jansson reads a NULL
 * object as empty). Returns 0, -ENOENT or -EINVAL.
 */
static int find_named(struct kctx *k, const json_t *root, const char *list,
		      const char *field, const char *name, const json_t **out)
{
	const json_t *arr = json_object_get(root, list), *e;
	size_t i;

	if (arr && !json_is_null(arr) && !json_is_array(arr))
		return errf(k, -EINVAL, list, "want a list");
	json_array_foreach (arr, i, e) {
		const json_t *n = json_object_get(e, "name");

		if (!json_is_string(n) || strcmp(json_string_value(n), name))
			continue;
		*out = json_object_get(e, field);
		if (*out && json_is_null(*out))
			*out = NULL;
		if (*out && !json_is_object(*out))
			return errf(k, -EINVAL, NULL, "%s[%s].%s: want a map",
				    list, name, field);
		return 0;
	}
	return errf(k, -ENOENT, NULL, "no %s entry named \"%s\"", list, name);
}

/* "http(s)://..." with no trailing '/'; a bare host:port gets scheme. */
static int normalize_server(const char *in, const char *scheme, char **out)
{
	struct strbuf sb = {0};

	if (!strstr(in, "://"))
		strbuf_addf(&sb, "%s://", scheme);
	else if (strncmp(in, "http://", 7) && strncmp(in, "https://", 8))
		return -EINVAL;
	strbuf_adds(&sb, in);
	while (sb.len && sb.buf[sb.len - 1] == '/')
		sb.buf[--sb.len] = '\0';
	if (!strcmp(sb.buf, "http:") || !strcmp(sb.buf, "https:") ||
	    strpbrk(sb.buf, " \t\r\n")) {
		strbuf_release(&sb);
		return -EINVAL;
	}
	*out = strbuf_detach(&sb);
	return 0;
}

static int load_cluster(struct kctx *k, const json_t *cl, const char *name,
			const char *master, struct kube_config *out)
{
	char where[300];
	const char *server, *tsn, *proxy;
	int err;

	snprintf(where, sizeof(where), "clusters[%s]", name);
	err = get_str(k, cl, "server", where, &server);
	if (!err)
		err = get_bool(k, cl, "insecure-skip-tls-verify", where,
			       &out->insecure);
	if (!err)
		err = get_str(k, cl, "tls-server-name", where, &tsn);
	if (!err)
		err = get_str(k, cl, "proxy-url", where, &proxy);
	if (!err)
		err = get_pem(k, cl, where, "certificate-authority", &out->ca);
	if (err)
		return err;
	if (master)
		server = master;
	if (!server)
		return errf(k, -EINVAL, where, "server: not set");
	if (normalize_server(server, "https", &out->server) < 0)
		return errf(
			k, -EINVAL, master ? "--master" : where,
			"server: want an http:// or https:// URL, got \"%s\"",
			server);
	if (out->insecure && (out->ca.path || out->ca.data))
		return errf(
			k, -EINVAL, where,
			"insecure-skip-tls-verify with a certificate-authority is not allowed");
	out->tls_server_name = xstrdup_null(tsn);
	out->proxy_url = xstrdup_null(proxy);
	return 0;
}

static int load_user(struct kctx *k, const json_t *u, const char *name,
		     struct kube_config *out)
{
	const char *token, *token_file, *user, *pass;
	char where[300];
	bool plugin;
	int err;

	snprintf(where, sizeof(where), "users[%s]", name);
	err = get_pem(k, u, where, "client-certificate", &out->cert);
	if (!err)
		err = get_pem(k, u, where, "client-key", &out->key);
	if (!err)
		err = get_str(k, u, "token", where, &token);
	if (!err)
		err = get_str(k, u, "tokenFile", where, &token_file);
	if (!err)
		err = get_str(k, u, "username", where, &user);
	if (!err)
		err = get_str(k, u, "password", where, &pass);
	if (err)
		return err;
	if (!!(out->cert.path || out->cert.data) !=
	    !!(out->key.path || out->key.data))
		return errf(
			k, -EINVAL, where,
			"client-certificate and client-key must be set together");
	if (token) {
		if (token_file)
			diag_addf(
				k->d, DIAG_WARN,
				"kubeconfig %s: %s: token and tokenFile both set, using token",
				k->file, where);
		out->token = xstrdup(token);
	} else if (token_file) {
		char *path = resolve_path(k, token_file);

		err = load_token_file(out, path);
		if (err)
			errf(k, err, where, "tokenFile: cannot read %s: %s",
			     path,
			     err == -EINVAL ? "empty or not text"
					    : file_errstr(err));
		free(path);
		if (err)
			return err;
	}
	out->username = xstrdup_null(user);
	out->password = xstrdup_null(pass);
	plugin = json_object_get(u, "exec") ||
		 json_object_get(u, "auth-provider");
	if (plugin && !out->token && !out->cert.path && !out->cert.data &&
	    !user)
		return errf(
			k, -EOPNOTSUPP, where,
			"exec and auth-provider credential plugins are not supported; use a token, tokenFile or client certificate");
	if (plugin)
		diag_addf(k->d, DIAG_WARN,
			  "kubeconfig %s: %s: credential plugin ignored",
			  k->file, where);
	return 0;
}

static int parse_doc(struct kctx *k, const char *buf, size_t len, json_t **root)
{
	char yerr[WATCH_YAML_ERR_LEN];
	size_t i = 0;

	while (i < len && isspace((unsigned char)buf[i]))
		i++;
	if (i < len && buf[i] == '{') {
		json_error_t je;

		*root = json_loadb(buf, len, 0, &je);
		if (!*root)
			return errf(k, -EINVAL, NULL, "line %d, column %d: %s",
				    je.line, je.column, je.text);
	} else {
		*root = watch_yaml_parse(buf, len, yerr);
		if (!*root)
			return errf(k, -EINVAL, NULL, "%s", yerr);
	}
	if (!json_is_object(*root)) {
		json_decref(*root);
		*root = NULL;
		return errf(k, -EINVAL, NULL, "not a kubeconfig (want a map)");
	}
	return 0;
}

/*
 * The kubeconfig's folder, absolute when it can be made so: the paths
 * resolved against it must stay valid whatever the daemon's working
 * directory becomes.
 */
static void kubeconfig_dir(struct kctx *k)
{
	const char *slash = strrchr(k->file, '/');
	char *abs;

	if (slash == k->file)
		strbuf_adds(&k->dir, "/");
	else if (slash)
		strbuf_add(&k->dir, k->file, (size_t)(slash - k->file));
	else
		strbuf_adds(&k->dir, ".");
	abs = realpath(k->dir.buf, NULL);
	if (abs) {
		strbuf_reset(&k->dir);
		strbuf_adds(&k->dir, abs);
		free(abs);
	}
}

static int load_kubeconfig(struct kctx *k, const char *context,
			   const char *master, struct kube_config *out)
{
	const json_t *ctx = NULL, *cl = NULL, *u = NULL;
	const char *cur, *cluster_name, *user_name;
	json_t *root;
	char *buf, where[300];
	size_t len;
	int err;

	err = read_file(k->file, KUBECONFIG_MAX_SIZE, &buf, &len, NULL);
	if (err)
		return errf(k, err, NULL, "cannot read: %s", file_errstr(err));
	err = parse_doc(k, buf, len, &root);
	free(buf);
	if (err)
		return err;
	kubeconfig_dir(k);

	err = get_str(k, root, "current-context", "current-context", &cur);
	if (err)
		goto out_root;
	if (!context)
		context = cur;
	if (!context) {
		err = errf(k, -EINVAL, NULL,
			   "no current-context and no --context given");
		goto out_root;
	}
	err = find_named(k, root, "contexts", "context", context, &ctx);
	if (err)
		goto out_root;
	snprintf(where, sizeof(where), "contexts[%s]", context);
	err = get_str(k, ctx, "cluster", where, &cluster_name);
	if (!err)
		err = get_str(k, ctx, "user", where, &user_name);
	if (!err && !cluster_name)
		err = errf(k, -EINVAL, where, "cluster: not set");
	if (err)
		goto out_root;
	err = find_named(k, root, "clusters", "cluster", cluster_name, &cl);
	if (!err)
		err = load_cluster(k, cl, cluster_name, master, out);
	if (!err && user_name)
		err = find_named(k, root, "users", "user", user_name, &u);
	if (!err && u)
		err = load_user(k, u, user_name, out);
	if (!err) {
		struct strbuf sb = {0};

		strbuf_addf(&sb, "kubeconfig %s, context %s", k->file, context);
		out->source = strbuf_detach(&sb);
	}
out_root:
	json_decref(root);
	return err;
}

int kube_config_load(const char *kubeconfig, const char *context,
		     const char *master, struct kube_config *out,
		     struct diag_list *d)
{
	struct kctx k = {.file = kubeconfig, .d = d};
	struct strbuf src = {0};
	int err;

	memset(out, 0, sizeof(*out));
	if (!kubeconfig && !master)
		return kube_config_load_in_cluster(NULL, out, d);
	if (!kubeconfig) {
		if (normalize_server(master, "http", &out->server) < 0) {
			diag_addf(
				d, DIAG_ERROR,
				"--master: want an http:// or https:// URL, got \"%s\"",
				master);
			return -EINVAL;
		}
		strbuf_addf(&src, "--master %s", out->server);
		out->source = strbuf_detach(&src);
		return 0;
	}
	err = load_kubeconfig(&k, context, master, out);
	strbuf_release(&k.dir);
	if (err)
		kube_config_free(out);
	return err;
}

/* An IPv6 literal goes in brackets in a URL. */
static char *in_cluster_server(const char *host, const char *port)
{
	struct strbuf sb = {0};

	if (strchr(host, ':'))
		strbuf_addf(&sb, "https://[%s]:%s", host, port);
	else
		strbuf_addf(&sb, "https://%s:%s", host, port);
	return strbuf_detach(&sb);
}

int kube_config_load_in_cluster(const char *dir, struct kube_config *out,
				struct diag_list *d)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	struct strbuf path = {0};
	int err;

	memset(out, 0, sizeof(*out));
	if (!dir)
		dir = getenv(KUBE_NFPROXY_SA_DIR_ENV);
	if (!dir || !*dir)
		dir = KUBE_SA_DIR;
	if (!host || !*host || !port || !*port ||
	    strspn(port, "0123456789") != strlen(port) ||
	    strpbrk(host, "/ \t\r\n[]")) {
		diag_addf(
			d, DIAG_ERROR,
			"in-cluster configuration: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set (or use --kubeconfig or --master)");
		return -EINVAL;
	}
	out->server = in_cluster_server(host, port);
	strbuf_addf(&path, "%s/token", dir);
	err = load_token_file(out, path.buf);
	if (err) {
		diag_addf(d, DIAG_ERROR,
			  "in-cluster configuration: cannot read token %s: %s",
			  path.buf,
			  err == -EINVAL ? "empty or not text"
					 : file_errstr(err));
		strbuf_release(&path);
		kube_config_free(out);
		return err;
	}
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/ca.crt", dir);
	if (access(path.buf, R_OK) == 0)
		out->ca.path = strbuf_detach(&path);
	else
		diag_addf(
			d, DIAG_WARN,
			"in-cluster configuration: cannot read %s: %s; using the system's CA certificates",
			path.buf, strerror(errno));
	strbuf_release(&path);
	path = (struct strbuf){0};
	strbuf_addf(&path, "in-cluster (%s)", dir);
	out->source = strbuf_detach(&path);
	return 0;
}

static void pem_free(struct kube_pem *p)
{
	free(p->path);
	free(p->data);
}

void kube_config_free(struct kube_config *c)
{
	if (!c)
		return;
	free(c->server);
	free(c->tls_server_name);
	free(c->proxy_url);
	pem_free(&c->ca);
	pem_free(&c->cert);
	pem_free(&c->key);
	if (c->token)
		explicit_bzero(c->token, strlen(c->token));
	free(c->token);
	free(c->token_file);
	free(c->username);
	if (c->password)
		explicit_bzero(c->password, strlen(c->password));
	free(c->password);
	free(c->source);
	memset(c, 0, sizeof(*c));
}
