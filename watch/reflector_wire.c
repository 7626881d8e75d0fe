// SPDX-License-Identifier: GPL-2.0
/*
 * The wire side of a reflector, as pure functions: which URL a request
 * asks for, how a watch stream splits into lines and lines into events,
 * how a list page decodes, and the backoff arithmetic. No I/O, no curl
 * handles: watch/reflector.c drives these.
 */
#include "watch/reflector.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"
#include "watch/decode_json.h"

/* kube-proxy's informer selectors (pkg/proxy: noProxyName, noHeadless). */
#define PROXYABLE_SELECTOR \
	"!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless"
/* How much of a bad line a message shows. */
#define SHOW_LINE 60
/* A line buffer bigger than this is freed once its line is done. */
#define LINES_KEEP_CAP (64u << 10)

static int decode_service(const json_t *o, union watch_object *out,
			  struct diag_list *d)
{
	return k8s_decode_service_json(o, &out->service, d);
}

static int decode_slice(const json_t *o, union watch_object *out,
			struct diag_list *d)
{
	return k8s_decode_endpointslice_json(o, &out->slice, d);
}

static int decode_pod(const json_t *o, union watch_object *out,
		      struct diag_list *d)
{
	return k8s_decode_pod_json(o, &out->pod, d);
}

static int decode_node(const json_t *o, union watch_object *out,
		       struct diag_list *d)
{
	return k8s_decode_node_json(o, &out->node, d);
}

static const struct kind_info {
	const char *plural;
	const char *path;
	const char *list_kind;
	const char *label_selector;
	const char *field_key; /* fieldSelector=KEY=node */
	bool namespaced;
	int (*decode)(const json_t *o, union watch_object *out,
		      struct diag_list *d);
} kinds[__WATCH_KIND_MAX] = {
	[WATCH_SERVICES] = {"services", "/api/v1/services", "ServiceList",
			    PROXYABLE_SELECTOR, NULL, true, decode_service},
	[WATCH_SLICES] = {"endpointslices",
			  "/apis/discovery.k8s.io/v1/endpointslices",
			  "EndpointSliceList", PROXYABLE_SELECTOR, NULL, true,
			  decode_slice},
	[WATCH_PODS] = {"pods", "/api/v1/pods", "PodList", NULL,
			"spec.nodeName", true, decode_pod},
	[WATCH_NODES] = {"nodes", "/api/v1/nodes", "NodeList", NULL,
			 "metadata.name", false, decode_node},
};

static const char *const event_names[__WATCH_EV_MAX] = {
	[WATCH_EV_ADDED] = "ADDED",	[WATCH_EV_MODIFIED] = "MODIFIED",
	[WATCH_EV_DELETED] = "DELETED", [WATCH_EV_BOOKMARK] = "BOOKMARK",
	[WATCH_EV_ERROR] = "ERROR",
};

const char *watch_kind_plural(enum watch_kind k)
{
	return k < __WATCH_KIND_MAX ? kinds[k].plural : "objects";
}

struct watch_options watch_options_defaults(const struct watch_options *in)
{
	struct watch_options o = in ? *in : (struct watch_options){0};

	if (!o.watch_timeout_min_s)
		o.watch_timeout_min_s = WATCH_DEFAULT_TIMEOUT_MIN_S;
	if (!o.backoff_initial_ms)
		o.backoff_initial_ms = WATCH_DEFAULT_BACKOFF_INITIAL_MS;
	if (!o.backoff_max_ms)
		o.backoff_max_ms = WATCH_DEFAULT_BACKOFF_MAX_MS;
	if (o.backoff_max_ms < o.backoff_initial_ms)
		o.backoff_max_ms = o.backoff_initial_ms;
	if (!o.max_line_bytes)
		o.max_line_bytes = WATCH_DEFAULT_MAX_LINE;
	if (!o.max_list_bytes)
		o.max_list_bytes = WATCH_DEFAULT_MAX_LIST;
	if (!o.page_size)
		o.page_size = WATCH_DEFAULT_PAGE_SIZE;
	if (!o.list_timeout_ms)
		o.list_timeout_ms = WATCH_DEFAULT_LIST_TIMEOUT_MS;
	if (!o.retry_after_max_s)
		o.retry_after_max_s = WATCH_DEFAULT_RETRY_AFTER_MAX_S;
	return o;
}

long watch_backoff_ms(unsigned int initial_ms, unsigned int max_ms,
		      unsigned int attempt, double r)
{
	double d = initial_ms;

	for (unsigned int i = 0; i < attempt && d < max_ms; i++)
		d *= 2;
	if (d > max_ms)
		d = max_ms;
	if (r < 0)
		r = 0;
	if (r >= 1)
		r = 1;
	return (long)(d - d * WATCH_BACKOFF_JITTER * r);
}

unsigned int watch_timeout_s(unsigned int min_s, double r)
{
	if (r < 0 || r >= 1)
		r = 0;
	return min_s + (unsigned int)(min_s * r);
}

double watch_rand01(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return (double)((x * 2685821657736338717ull) >> 11) /
	       9007199254740992.0;
}

/* ------------------------------------------------------------------ */
/* Line splitter                                                      */

void watch_lines_reset(struct watch_lines *l)
{
	strbuf_release(&l->partial);
}

void watch_lines_release(struct watch_lines *l)
{
	strbuf_release(&l->partial);
}

int watch_lines_feed(struct watch_lines *l, const char *data, size_t n,
		     watch_line_cb cb, void *ud)
{
	while (n) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) : n;
		const char *line = data;
		size_t len = take;
		int err = 0;

		if (l->partial.len + take > l->max) {
			watch_lines_reset(l);
			return -EMSGSIZE;
		}
		if (!nl) {
			strbuf_add(&l->partial, data, take);
			return 0;
		}
		if (l->partial.len) {
			strbuf_add(&l->partial, data, take);
			line = l->partial.buf;
			len = l->partial.len;
		}
		if (len && line[len - 1] == '\r')
			len--;
		if (len)
			err = cb(ud, line, len);
		if (l->partial.cap > LINES_KEEP_CAP)
			strbuf_release(&l->partial);
		else
			strbuf_reset(&l->partial);
		if (err < 0)
			return err;
		data += take + 1;
		n -= take + 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Decoders                                                           */

/* Up to SHOW_LINE bytes of s, control characters as '?'. */
static void show_line(char *out, size_t outlen, const char *s, size_t len)
{
	size_t n = len < SHOW_LINE ? len : SHOW_LINE, i;

	if (n > outlen - 4)
		n = outlen - 4;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		out[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	if (n < len) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
}

static const char *str_field(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s && *s ? s : NULL;
}

static int status_message(const json_t *st, long *code, char **msg)
{
	const char *reason = str_field(st, "reason");
	const char *m = str_field(st, "message");
	struct strbuf sb = {0};

	*code = json_is_integer(json_object_get(st, "code"))
			? (long)json_integer_value(json_object_get(st, "code"))
			: 0;
	if (reason && m)
		strbuf_addf(&sb, "%s: %s", reason, m);
	else
		strbuf_adds(&sb, m ? m : reason ? reason : "no message");
	*msg = strbuf_detach(&sb);
	return 0;
}

int watch_event_decode(enum watch_kind k, const char *line, size_t len,
		       struct watch_event *ev, struct diag_list *d)
{
	const struct kind_info *ki = &kinds[k];
	const json_t *obj, *md;
	const char *type, *kind, *name, *ns, *rv;
	char shown[SHOW_LINE + 4];
	json_error_t je;
	json_t *root;
	int t;

	memset(ev, 0, sizeof(*ev));
	show_line(shown, sizeof(shown), line, len);
	root = json_loadb(line, len, 0, &je);
	if (!root) {
		diag_addf(d, DIAG_ERROR, "watch %s: event is not JSON (%s): %s",
			  ki->plural, je.text, shown);
		return -EINVAL;
	}
	type = json_string_value(json_object_get(root, "type"));
	for (t = 0; type && t < __WATCH_EV_MAX; t++)
		if (strcmp(type, event_names[t]) == 0)
			break;
	if (!type || t == __WATCH_EV_MAX) {
		diag_addf(d, DIAG_ERROR,
			  "watch %s: event has no known type: %s", ki->plural,
			  shown);
		goto out_bad;
	}
	ev->type = (enum watch_event_type)t;
	obj = json_object_get(root, "object");
	if (!json_is_object(obj)) {
		diag_addf(d, DIAG_ERROR, "watch %s: %s event without an object",
			  ki->plural, type);
		goto out_bad;
	}
	if (ev->type == WATCH_EV_ERROR) {
		status_message(obj, &ev->code, &ev->message);
		json_decref(root);
		return 0;
	}
	md = json_object_get(obj, "metadata");
	rv = str_field(md, "resourceVersion");
	if (ev->type == WATCH_EV_BOOKMARK) {
		if (!rv) {
			diag_addf(
				d, DIAG_ERROR,
				"watch %s: BOOKMARK without metadata.resourceVersion",
				ki->plural);
			goto out_bad;
		}
		ev->rv = xstrdup(rv);
		json_decref(root);
		return 0;
	}
	kind = str_field(obj, "kind");
	if (kind && strcmp(kind, watch_kind_name(k)) != 0) {
		diag_addf(d, DIAG_ERROR,
			  "watch %s: %s event carries a %s, want a %s",
			  ki->plural, type, kind, watch_kind_name(k));
		goto out_bad;
	}
	name = str_field(md, "name");
	if (!name) {
		diag_addf(d, DIAG_ERROR,
			  "watch %s: %s event: object without metadata.name",
			  ki->plural, type);
		goto out_bad;
	}
	ns = ki->namespaced ? str_field(md, "namespace") : "";
	ev->ns = xstrdup(ns ? ns : "default");
	ev->name = xstrdup(name);
	ev->rv = xstrdup_null(rv);
	if (ev->type != WATCH_EV_DELETED)
		ev->decoded = ki->decode(obj, &ev->obj, d) == 0;
	json_decref(root);
	return 0;

out_bad:
	json_decref(root);
	watch_event_release(k, ev);
	return -EINVAL;
}

void watch_event_release(enum watch_kind k, struct watch_event *ev)
{
	free(ev->rv);
	free(ev->ns);
	free(ev->name);
	free(ev->message);
	if (ev->decoded)
		watch_object_free(k, &ev->obj);
	memset(ev, 0, sizeof(*ev));
}

int watch_list_decode(enum watch_kind k, const char *body, size_t len,
		      struct k8s_cluster *into, char **rv, char **cont,
		      struct diag_list *d)
{
	const struct kind_info *ki = &kinds[k];
	const json_t *md, *items, *item;
	const char *kind, *v;
	json_error_t je;
	json_t *root;
	size_t i;

	*rv = *cont = NULL;
	root = json_loadb(body, len, 0, &je);
	if (!json_is_object(root)) {
		diag_addf(d, DIAG_ERROR,
			  "list %s: response is not a JSON object (%s)",
			  ki->plural, root ? "other JSON" : je.text);
		json_decref(root);
		return -EINVAL;
	}
	kind = str_field(root, "kind");
	if (kind && strcmp(kind, ki->list_kind) != 0) {
		diag_addf(d, DIAG_ERROR, "list %s: got a %s, want a %s",
			  ki->plural, kind, ki->list_kind);
		goto out_bad;
	}
	md = json_object_get(root, "metadata");
	v = str_field(md, "resourceVersion");
	if (!v) {
		diag_addf(d, DIAG_ERROR,
			  "list %s: response without metadata.resourceVersion",
			  ki->plural);
		goto out_bad;
	}
	items = json_object_get(root, "items");
	if (items && !json_is_null(items) && !json_is_array(items)) {
		diag_addf(d, DIAG_ERROR, "list %s: items is not a list",
			  ki->plural);
		goto out_bad;
	}
	*rv = xstrdup(v);
	*cont = xstrdup_null(str_field(md, "continue"));
	json_array_foreach (items, i, item) {
		union watch_object o;

		if (ki->decode(item, &o, d) == 0)
			watch_cluster_append(into, k, &o);
	}
	json_decref(root);
	return 0;

out_bad:
	json_decref(root);
	return -EINVAL;
}

char *watch_request_path(enum watch_kind k, const char *node,
			 const struct watch_request *q)
{
	const struct kind_info *ki = &kinds[k];
	struct strbuf sb = {0};

	strbuf_adds(&sb, ki->path);
	if (q->watch) {
		strbuf_adds(&sb, "?watch=true&allowWatchBookmarks=true");
		if (q->rv) {
			strbuf_adds(&sb, "&resourceVersion=");
			watch_http_escape(&sb, q->rv);
		}
		strbuf_addf(&sb, "&timeoutSeconds=%u", q->timeout_s);
	} else {
		strbuf_addf(&sb, "?limit=%u", q->limit);
		if (q->cont) {
			strbuf_adds(&sb, "&continue=");
			watch_http_escape(&sb, q->cont);
		}
	}
	if (ki->label_selector) {
		strbuf_adds(&sb, "&labelSelector=");
		watch_http_escape(&sb, ki->label_selector);
	}
	if (ki->field_key && node) {
		struct strbuf sel = {0};

		strbuf_addf(&sel, "%s=%s", ki->field_key, node);
		strbuf_adds(&sb, "&fieldSelector=");
		watch_http_escape(&sb, sel.buf);
		strbuf_release(&sel);
	}
	return strbuf_detach(&sb);
}

void watch_describe_status(long status, const char *body, size_t len,
			   struct strbuf *out)
{
	json_t *st = len ? json_loadb(body, len, 0, NULL) : NULL;
	const char *m = str_field(st, "message");

	strbuf_addf(out, "HTTP %ld", status);
	if (m) {
		strbuf_addf(out, ": %s", m);
	} else if (!st && len) {
		char shown[SHOW_LINE + 4];

		show_line(shown, sizeof(shown), body, len);
		strbuf_addf(out, ": %s", shown);
	}
	json_decref(st);
}
