// SPDX-License-Identifier: GPL-2.0
/*
 * curl easy-handle configuration for the API server. Every option that
 * matters for security is set explicitly rather than left to curl's
 * defaults, so that what we trust does not depend on how curl was built.
 */
#include "watch/http.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#define HTTP_PROTOCOLS "http,https"
#define BEARER "Authorization: Bearer "

/* The parts of the server URL that tls-server-name rewriting needs. */
struct server_url {
	char *host; /* IPv6 in brackets, as curl returns it */
	char *port;
	char *with_name; /* the server URL with host = tls-server-name */
};

static void server_url_free(struct server_url *s)
{
	curl_free(s->host);
	curl_free(s->port);
	free(s->with_name);
}

static int split_server(const struct kube_config *c, struct server_url *out)
{
	CURLU *u = curl_url();
	char *url = NULL;
	int err = -EINVAL;

	memset(out, 0, sizeof(*out));
	if (!u)
		return -ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, c->server, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &out->host, 0) ||
	    curl_url_get(u, CURLUPART_PORT, &out->port, CURLU_DEFAULT_PORT))
		goto out_free;
	if (c->tls_server_name) {
		if (curl_url_set(u, CURLUPART_HOST, c->tls_server_name, 0) ||
		    curl_url_get(u, CURLUPART_URL, &url, 0))
			goto out_free;
		out->with_name = xstrdup(url);
		/* curl adds a '/' to a bare host; our paths bring theirs. */
		if (strlen(out->with_name) &&
		    out->with_name[strlen(out->with_name) - 1] == '/')
			out->with_name[strlen(out->with_name) - 1] = '\0';
		curl_free(url);
	}
	err = 0;
out_free:
	curl_url_cleanup(u);
	if (err)
		server_url_free(out);
	return err;
}

char *watch_http_url(const struct kube_config *c, const char *path_query)
{
	struct strbuf sb = {0};
	struct server_url su;

	if (c->tls_server_name && split_server(c, &su) == 0) {
		strbuf_addf(&sb, "%s%s", su.with_name, path_query);
		server_url_free(&su);
	} else {
		strbuf_addf(&sb, "%s%s", c->server, path_query);
	}
	return strbuf_detach(&sb);
}

void watch_http_escape(struct strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
		    ch == '_' || ch == '~') {
			strbuf_add(sb, s, 1);
		} else {
			char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};

			strbuf_add(sb, e, 3);
		}
	}
}

/* Setting options: keep the first failure, name the option. */
struct setter {
	CURL *h;
	CURLcode rc;
	const char *what;
};

#define SET(s, opt, val)                                           \
	do {                                                       \
		CURLcode rc_ = curl_easy_setopt((s)->h, opt, val); \
		if (rc_ != CURLE_OK && (s)->rc == CURLE_OK) {      \
			(s)->rc = rc_;                             \
			(s)->what = #opt;                          \
		}                                                  \
	} while (0)

static void set_blob(struct setter *s, CURLoption opt, const char *what,
		     const struct kube_pem *p)
{
	struct curl_blob b = {
		.data = p->data,
		.len = p->len,
		.flags = CURL_BLOB_COPY,
	};
	CURLcode rc = curl_easy_setopt(s->h, opt, &b);

	if (rc != CURLE_OK && s->rc == CURLE_OK) {
		s->rc = rc;
		s->what = what;
	}
}

static void set_tls(struct setter *s, const struct kube_config *c)
{
	if (c->insecure) {
		SET(s, CURLOPT_SSL_VERIFYPEER, 0L);
		SET(s, CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		SET(s, CURLOPT_SSL_VERIFYPEER, 1L);
		SET(s, CURLOPT_SSL_VERIFYHOST, 2L);
	}
	/* A cluster CA replaces the system store, it does not add to it. */
	if (c->ca.data) {
		SET(s, CURLOPT_CAINFO, (char *)NULL);
		SET(s, CURLOPT_CAPATH, (char *)NULL);
		set_blob(s, CURLOPT_CAINFO_BLOB, "CURLOPT_CAINFO_BLOB", &c->ca);
	} else if (c->ca.path) {
		SET(s, CURLOPT_CAINFO, c->ca.path);
		SET(s, CURLOPT_CAPATH, (char *)NULL);
	}
	if (c->cert.data) {
		SET(s, CURLOPT_SSLCERTTYPE, "PEM");
		set_blob(s, CURLOPT_SSLCERT_BLOB, "CURLOPT_SSLCERT_BLOB",
			 &c->cert);
	} else if (c->cert.path) {
		SET(s, CURLOPT_SSLCERTTYPE, "PEM");
		SET(s, CURLOPT_SSLCERT, c->cert.path);
	}
	if (c->key.data) {
		SET(s, CURLOPT_SSLKEYTYPE, "PEM");
		set_blob(s, CURLOPT_SSLKEY_BLOB, "CURLOPT_SSLKEY_BLOB",
			 &c->key);
	} else if (c->key.path) {
		SET(s, CURLOPT_SSLKEYTYPE, "PEM");
		SET(s, CURLOPT_SSLKEY, c->key.path);
	}
}

/* tls-server-name: the URL names it, the connection goes to the server. */
static int set_connect_to(struct setter *s, const struct kube_config *c,
			  struct curl_slist **connect_to)
{
	struct strbuf sb = {0};
	struct server_url su;

	if (!c->tls_server_name)
		return 0;
	if (split_server(c, &su) < 0)
		return -EINVAL;
	strbuf_addf(&sb, "%s:%s:%s:%s", c->tls_server_name, su.port, su.host,
		    su.port);
	*connect_to = curl_slist_append(NULL, sb.buf);
	strbuf_release(&sb);
	server_url_free(&su);
	SET(s, CURLOPT_CONNECT_TO, *connect_to);
	return 0;
}

int watch_http_init(struct watch_http *w, const struct kube_config *c,
		    const char *user_agent, struct diag_list *d)
{
	struct setter s = {0};

	memset(w, 0, sizeof(*w));
	w->h = curl_easy_init();
	if (!w->h) {
		diag_addf(d, DIAG_ERROR, "curl: cannot create a handle");
		return -ENOMEM;
	}
	s.h = w->h;
	SET(&s, CURLOPT_NOSIGNAL, 1L);
	SET(&s, CURLOPT_PROTOCOLS_STR, HTTP_PROTOCOLS);
	SET(&s, CURLOPT_REDIR_PROTOCOLS_STR, HTTP_PROTOCOLS);
	SET(&s, CURLOPT_FOLLOWLOCATION, 0L);
	SET(&s, CURLOPT_CONNECTTIMEOUT_MS, (long)WATCH_HTTP_CONNECT_TIMEOUT_MS);
	SET(&s, CURLOPT_TCP_KEEPALIVE, 1L);
	SET(&s, CURLOPT_TCP_KEEPIDLE, (long)WATCH_HTTP_KEEPIDLE_S);
	SET(&s, CURLOPT_TCP_KEEPINTVL, (long)WATCH_HTTP_KEEPINTVL_S);
	SET(&s, CURLOPT_ACCEPT_ENCODING, "");
	SET(&s, CURLOPT_PIPEWAIT, 1L);
	if (user_agent)
		SET(&s, CURLOPT_USERAGENT, user_agent);
	if (c->proxy_url)
		SET(&s, CURLOPT_PROXY, c->proxy_url);
	if (c->username) {
		SET(&s, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SET(&s, CURLOPT_USERNAME, c->username);
		SET(&s, CURLOPT_PASSWORD, c->password ? c->password : "");
	}
	set_tls(&s, c);
	if (set_connect_to(&s, c, &w->connect_to) < 0) {
		diag_addf(d, DIAG_ERROR,
			  "%s: cannot use tls-server-name %s with server %s",
			  c->source ? c->source : "config", c->tls_server_name,
			  c->server);
		watch_http_release(w);
		return -EINVAL;
	}
	if (s.rc != CURLE_OK) {
		diag_addf(d, DIAG_ERROR, "curl: %s: %s", s.what,
			  curl_easy_strerror(s.rc));
		watch_http_release(w);
		return -EINVAL;
	}
	return 0;
}

/* Accept, and the bearer token when there is one. */
static struct curl_slist *make_headers(struct kube_config *c,
				       struct diag_list *d)
{
	struct curl_slist *h =
		curl_slist_append(NULL, "Accept: application/json");
	const char *tok = kube_config_token(c, d);

	if (h && tok) {
		struct strbuf sb = {0};
		struct curl_slist *n;

		strbuf_addf(&sb, "%s%s", BEARER, tok);
		n = curl_slist_append(h, sb.buf);
		explicit_bzero(sb.buf, sb.len);
		strbuf_release(&sb);
		if (!n) {
			curl_slist_free_all(h);
			return NULL;
		}
		h = n;
	}
	return h;
}

int watch_http_prepare(struct watch_http *w, struct kube_config *c,
		       const char *path_query, long timeout_ms,
		       struct diag_list *d)
{
	struct curl_slist *hdrs = make_headers(c, d);
	char *url;
	CURLcode rc;

	if (!hdrs)
		return -ENOMEM;
	url = watch_http_url(c, path_query);
	rc = curl_easy_setopt(w->h, CURLOPT_URL, url);
	free(url);
	if (rc != CURLE_OK) {
		curl_slist_free_all(hdrs);
		return -ENOMEM;
	}
	curl_easy_setopt(w->h, CURLOPT_HTTPHEADER, hdrs);
	curl_slist_free_all(w->headers);
	w->headers = hdrs;
	curl_easy_setopt(w->h, CURLOPT_TIMEOUT_MS, timeout_ms);
	return 0;
}

void watch_http_release(struct watch_http *w)
{
	if (!w)
		return;
	if (w->h)
		curl_easy_cleanup(w->h);
	curl_slist_free_all(w->headers);
	curl_slist_free_all(w->connect_to);
	memset(w, 0, sizeof(*w));
}

struct get_body {
	struct strbuf *sb;
	size_t max;
	bool too_big;
};

static size_t get_write(char *p, size_t size, size_t n, void *ud)
{
	struct get_body *b = ud;

	n *= size;
	if (b->sb->len + n > b->max) {
		b->too_big = true;
		return CURL_WRITEFUNC_ERROR;
	}
	strbuf_add(b->sb, p, n);
	return n;
}

int watch_http_get(struct kube_config *c, const char *path_query, size_t max,
		   long timeout_ms, struct strbuf *body, long *status,
		   struct diag_list *d)
{
	struct get_body b = {.sb = body, .max = max};
	struct watch_http w;
	char *url = NULL;
	CURLcode rc;
	int err;

	*status = 0;
	err = watch_http_init(&w, c, NULL, d);
	if (err)
		return err;
	err = watch_http_prepare(&w, c, path_query, timeout_ms, d);
	if (err)
		goto out_release;
	curl_easy_setopt(w.h, CURLOPT_WRITEFUNCTION, get_write);
	curl_easy_setopt(w.h, CURLOPT_WRITEDATA, &b);
	rc = curl_easy_perform(w.h);
	curl_easy_getinfo(w.h, CURLINFO_RESPONSE_CODE, status);
	curl_easy_getinfo(w.h, CURLINFO_EFFECTIVE_URL, &url);
	if (b.too_big) {
		diag_addf(d, DIAG_ERROR,
			  "GET %s: response larger than %zu bytes", url, max);
		err = -EMSGSIZE;
	} else if (rc != CURLE_OK) {
		diag_addf(d, DIAG_ERROR, "GET %s: %s", url,
			  curl_easy_strerror(rc));
		err = -EIO;
	}
out_release:
	watch_http_release(&w);
	return err;
}
