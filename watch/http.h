/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_WATCH_HTTP_H
#define NFP_WATCH_HTTP_H

/*
 * curl easy handles set up for the API server of a struct kube_config:
 * TLS (verification, CA, client certificate and key as files or blobs),
 * authentication, timeouts, protocol limits. The multi-interface driving
 * lives in watch/client.c; this file only configures handles.
 */

#include <curl/curl.h>
#include <stddef.h>

#include "util/diag.h"
#include "util/strbuf.h"
#include "watch/kubeconfig.h"

#define WATCH_HTTP_CONNECT_TIMEOUT_MS 10000
/* TCP keepalive: a dead peer is noticed within a minute or so even on an
 * idle watch. */
#define WATCH_HTTP_KEEPIDLE_S 30
#define WATCH_HTTP_KEEPINTVL_S 10

/* One easy handle and the lists curl borrows from us while it runs. */
struct watch_http {
	CURL *h;
	struct curl_slist *headers;    /* of the current request */
	struct curl_slist *connect_to; /* tls-server-name */
};

/*
 * Create the handle and set the options every request to c's server
 * shares: TLS verification (off only with insecure-skip-tls-verify), the CA
 * (file or blob; it replaces the system store, as in client-go), client
 * certificate and key, basic auth, proxy, tls-server-name (through
 * CURLOPT_CONNECT_TO), http/https only, no redirects, no signals, TCP
 * keepalive, compression, the connect timeout and the user agent (may be
 * NULL). c must outlive w (blobs are copied, paths are not). Returns 0, or
 * -ENOMEM / -EINVAL with a DIAG_ERROR when curl refuses an option; w is
 * then released.
 */
int watch_http_init(struct watch_http *w, const struct kube_config *c,
		    const char *user_agent, struct diag_list *d);

/*
 * Point w at path_query for the next transfer: URL, fresh headers (Accept:
 * application/json; Authorization: Bearer with the current token, re-read
 * if its file changed, see kube_config_token()), total timeout (0: none).
 * Returns 0 or -ENOMEM.
 */
int watch_http_prepare(struct watch_http *w, struct kube_config *c,
		       const char *path_query, long timeout_ms,
		       struct diag_list *d);

/* Clean up the handle and the lists; a zeroed w is a no-op. */
void watch_http_release(struct watch_http *w);

/*
 * The URL for path_query ("/api/v1/services?limit=500") on c's server, with
 * the host replaced by tls-server-name when one is set (CURLOPT_CONNECT_TO
 * then sends the connection to the real host). Owned by the caller.
 */
char *watch_http_url(const struct kube_config *c, const char *path_query);

/*
 * Append s to sb, percent-encoded for a URL query value (everything but
 * RFC 3986's unreserved characters).
 */
void watch_http_escape(struct strbuf *sb, const char *s);

/*
 * One blocking GET of path_query, for one-shot users (the CNI plugin
 * reading its Node, tests). The body (at most max bytes) is appended to
 * body and the HTTP status stored in *status. Returns 0 when a response
 * arrived (any status), -EMSGSIZE when the body is larger than max, or
 * -EIO with a DIAG_ERROR naming the URL and curl's error.
 */
int watch_http_get(struct kube_config *c, const char *path_query, size_t max,
		   long timeout_ms, struct strbuf *body, long *status,
		   struct diag_list *d);

#endif
