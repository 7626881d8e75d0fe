// SPDX-License-Identifier: GPL-2.0
/*
 * The snapshot decoder: a stream of JSON documents (what `kubectl get -o
 * json` prints, possibly several concatenated) into a struct k8s_cluster.
 * Which kinds we read, and under which apiVersion, is the table below.
 */
#include "watch/decode.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/xalloc.h"
#include "watch/decode_json.h"

#define LIST_KIND "List"
#define LIST_SUFFIX "List"
#define UTF8_BOM "\xef\xbb\xbf"

static int add_service(const json_t *o, struct k8s_cluster *c,
		       struct diag_list *d)
{
	struct k8s_service s;
	int err = k8s_decode_service_json(o, &s, d);

	if (!err)
		*XPUSH(c->services, c->n_services, c->cap_services) = s;
	return err;
}

static int add_slice(const json_t *o, struct k8s_cluster *c,
		     struct diag_list *d)
{
	struct k8s_endpointslice s;
	int err = k8s_decode_endpointslice_json(o, &s, d);

	if (!err)
		*XPUSH(c->slices, c->n_slices, c->cap_slices) = s;
	return err;
}

static int add_pod(const json_t *o, struct k8s_cluster *c, struct diag_list *d)
{
	struct k8s_pod p;
	int err = k8s_decode_pod_json(o, &p, d);

	if (!err)
		*XPUSH(c->pods, c->n_pods, c->cap_pods) = p;
	return err;
}

static int add_node(const json_t *o, struct k8s_cluster *c, struct diag_list *d)
{
	struct k8s_node n;
	int err = k8s_decode_node_json(o, &n, d);

	if (!err)
		*XPUSH(c->nodes, c->n_nodes, c->cap_nodes) = n;
	return err;
}

/* The apiVersion matters: a Knative "Service" is no core/v1 Service. */
static const struct kind_ops {
	const char *kind;
	const char *api_version;
	bool namespaced;
	int (*add)(const json_t *o, struct k8s_cluster *c, struct diag_list *d);
} kinds[] = {
	{"Service", "v1", true, add_service},
	{"EndpointSlice", "discovery.k8s.io/v1", true, add_slice},
	{"Pod", "v1", true, add_pod},
	{"Node", "v1", false, add_node},
};

static const struct kind_ops *find_kind(const char *kind)
{
	for (size_t i = 0; kind && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			return &kinds[i];
	return NULL;
}

/* For messages about objects of unknown kind: namespaced or not? */
static bool has_namespace(const json_t *o)
{
	return k8s_json_field(k8s_json_field(o, "metadata"), "namespace");
}

/* kind or apiVersion of o: a short printable string, NULL if absent. */
static int type_field(struct k8s_jctx *x, const json_t *o, const char *key,
		      const char **out)
{
	int err = k8s_json_str(x, o, key, K8S_MAX_TOKEN, K8S_STR_TEXT, false,
			       out);

	if (!err && *out && !**out)
		*out = NULL;
	return err;
}

static int unsupported(const json_t *o, const char *kind, const char *api,
		       struct diag_list *d)
{
	struct k8s_jctx x;

	k8s_jctx_init(&x, kind, o, has_namespace(o), d);
	if (api)
		diag_addf(d, DIAG_WARN,
			  "%s %s: unsupported apiVersion %s, skipped", kind,
			  x.who, api);
	else
		diag_addf(d, DIAG_WARN, "%s %s: unsupported kind, skipped",
			  kind, x.who);
	k8s_jctx_release(&x);
	return -EOPNOTSUPP;
}

int k8s_decode_object_json(const json_t *o, const char *kind_hint,
			   struct k8s_cluster *c, struct diag_list *d)
{
	const char *kind = NULL, *api = NULL;
	const struct kind_ops *ops;
	struct k8s_jctx x;
	int err;

	k8s_jctx_init(&x, kind_hint ? kind_hint : "Object", o, has_namespace(o),
		      d);
	err = k8s_json_obj(&x, o, NULL, true, &o);
	if (!err)
		err = type_field(&x, o, "kind", &kind);
	if (!err)
		err = type_field(&x, o, "apiVersion", &api);
	if (!err && !kind && !kind_hint) {
		size_t mark = k8s_json_enter(&x, "kind");

		err = k8s_json_bad(&x, NULL, "string of 1-%d chars",
				   K8S_MAX_TOKEN);
		k8s_json_leave(&x, mark);
	}
	k8s_jctx_release(&x);
	if (err)
		return err;
	if (!kind)
		kind = kind_hint;
	ops = find_kind(kind);
	if (!ops)
		return unsupported(o, kind, NULL, d);
	if (api && strcmp(api, ops->api_version) != 0)
		return unsupported(o, kind, api, d);
	return ops->add(o, c, d);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/*
 * A "List" holds objects of any kind, each with its kind; a typed list
 * ("ServiceList") holds items with no kind, and the list's apiVersion is
 * theirs.
 */
static void decode_list(const json_t *doc, const char *kind, const char *api,
			struct k8s_cluster *c, struct diag_list *d)
{
	char item_kind[K8S_MAX_TOKEN + 1] = "";
	const struct kind_ops *ops = NULL;
	const json_t *items, *e;
	struct k8s_jctx x;
	size_t i;

	if (strcmp(kind, LIST_KIND) != 0) {
		snprintf(item_kind, sizeof(item_kind), "%.*s",
			 (int)(strlen(kind) - strlen(LIST_SUFFIX)), kind);
		ops = find_kind(item_kind);
		if (!ops || (api && strcmp(api, ops->api_version) != 0)) {
			size_t n =
				json_array_size(k8s_json_field(doc, "items"));

			if (ops)
				diag_addf(
					d, DIAG_WARN,
					"%s: unsupported apiVersion %s, skipped %zu items",
					kind, api, n);
			else
				diag_addf(
					d, DIAG_WARN,
					"%s: unsupported kind, skipped %zu items",
					kind, n);
			return;
		}
	}
	k8s_jctx_init(&x, kind, doc, false, d);
	if (k8s_json_arr(&x, doc, "items", &items) < 0) {
		k8s_jctx_release(&x);
		return;
	}
	k8s_jctx_release(&x);
	for (i = 0; (e = json_array_get(items, i)); i++) {
		k8s_decode_object_json(e, ops ? item_kind : NULL, c, d);
	}
}

static void decode_document(const json_t *doc, struct k8s_cluster *c,
			    struct diag_list *d)
{
	const char *kind = NULL, *api = NULL;
	struct k8s_jctx x;
	int err;

	k8s_jctx_init(&x, "Object", doc, has_namespace(doc), d);
	err = type_field(&x, doc, "kind", &kind);
	if (!err)
		err = type_field(&x, doc, "apiVersion", &api);
	k8s_jctx_release(&x);
	if (err)
		return;
	if (json_is_object(doc) && kind &&
	    (strcmp(kind, LIST_KIND) == 0 ||
	     (ends_with(kind, LIST_SUFFIX) && json_object_get(doc, "items"))))
		decode_list(doc, kind, api, c, d);
	else
		k8s_decode_object_json(doc, NULL, c, d);
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Line (from 1) and column (bytes since the line began) of buf[off]. */
static void locate(const char *buf, size_t off, int *line, int *col)
{
	const char *nl;

	*line = 1;
	*col = 0;
	for (size_t i = 0; i < off; i++)
		*line += buf[i] == '\n';
	nl = memrchr(buf, '\n', off);
	*col = (int)(nl ? buf + off - nl - 1 : (ptrdiff_t)off);
}

/* jansson's message quotes the input near the error: keep it one line. */
static void report_json_error(const char *buf, size_t off,
			      const json_error_t *err, struct diag_list *d)
{
	char text[JSON_ERROR_TEXT_LENGTH];
	int line, col;

	snprintf(text, sizeof(text), "%s", err->text);
	for (char *p = text; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	locate(buf, off, &line, &col);
	if (err->line >= 1) {
		col = err->line == 1 ? col + err->column : err->column;
		line += err->line - 1;
	}
	diag_addf(d, DIAG_ERROR, "JSON error at line %d, column %d: %s", line,
		  col, text);
}

int k8s_decode_stream(const char *buf, size_t len, struct k8s_cluster *c,
		      struct diag_list *diags)
{
	size_t off = 0;

	if (len >= strlen(UTF8_BOM) && memcmp(buf, UTF8_BOM, 3) == 0)
		off = strlen(UTF8_BOM);
	for (;;) {
		json_error_t err;
		json_t *doc;

		while (off < len && is_space(buf[off]))
			off++;
		if (off >= len)
			return 0;
		doc = json_loadb(buf + off, len - off, JSON_DISABLE_EOF_CHECK,
				 &err);
		if (!doc || err.position <= 0) {
			report_json_error(buf, off, &err, diags);
			json_decref(doc);
			return -EINVAL;
		}
		decode_document(doc, c, diags);
		json_decref(doc);
		off += (size_t)err.position;
	}
}
