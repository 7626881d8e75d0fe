// SPDX-License-Identifier: GPL-2.0
/*
 * Field checkers shared by the per-kind decoders, and metadata. Each checker
 * reads one JSON value, checks its type and range, and on failure reports
 * the object, the path of the value and what it held, so that a person can
 * find the bad field with `kubectl get -o json | jq`.
 */
#include "watch/decode_json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#define UNNAMED "<unnamed>"
#define DEFAULT_NAMESPACE "default"

static bool is_alnum_lower(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One DNS-1123 label of n bytes (n > 0): [a-z0-9]([-a-z0-9]*[a-z0-9])? */
static bool dns_label_ok(const char *s, size_t n)
{
	if (n == 0 || !is_alnum_lower(s[0]) || !is_alnum_lower(s[n - 1]))
		return false;
	for (size_t i = 1; i + 1 < n; i++)
		if (!is_alnum_lower(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* DNS-1123 labels joined by dots; the caller checks the total length. */
static bool dns_subdomain_ok(const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (!dns_label_ok(s + start, i - start))
			return false;
		start = i + 1;
	}
	return true;
}

static bool printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static bool form_ok(const char *s, size_t n, enum k8s_str_form form)
{
	switch (form) {
	case K8S_STR_DNS_LABEL:
		return n <= K8S_MAX_LABEL && dns_label_ok(s, n);
	case K8S_STR_DNS_SUBDOMAIN:
		return dns_subdomain_ok(s, n);
	case K8S_STR_TEXT:
	default:
		return true;
	}
}

static const char *form_name(enum k8s_str_form form)
{
	switch (form) {
	case K8S_STR_DNS_LABEL:
		return "DNS-1123 label";
	case K8S_STR_DNS_SUBDOMAIN:
		return "DNS-1123 subdomain";
	case K8S_STR_TEXT:
	default:
		return "printable string";
	}
}

/* A usable metadata string for messages: valid form, length in [1, max]. */
static const char *who_part(const json_t *v, size_t max, enum k8s_str_form form)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);

	if (!s || n == 0 || n > max || !form_ok(s, n, form))
		return NULL;
	return s;
}

void k8s_jctx_init(struct k8s_jctx *x, const char *kind, const json_t *o,
		   bool namespaced, struct diag_list *d)
{
	const json_t *md = k8s_json_field(o, "metadata");
	const json_t *ns_v = k8s_json_field(md, "namespace");
	const char *name, *ns = NULL;

	memset(x, 0, sizeof(*x));
	x->kind = kind;
	x->d = d;
	name = who_part(k8s_json_field(md, "name"), K8S_MAX_NAME,
			K8S_STR_DNS_SUBDOMAIN);
	if (!name)
		name = UNNAMED;
	if (namespaced) {
		if (!ns_v ||
		    (json_is_string(ns_v) && json_string_length(ns_v) == 0))
			ns = DEFAULT_NAMESPACE;
		else
			ns = who_part(ns_v, K8S_MAX_LABEL, K8S_STR_DNS_LABEL);
	}
	if (ns)
		snprintf(x->who, sizeof(x->who), "%s/%s", ns, name);
	else
		snprintf(x->who, sizeof(x->who), "%s", name);
}

void k8s_jctx_release(struct k8s_jctx *x)
{
	strbuf_release(&x->path);
}

size_t k8s_json_enter(struct k8s_jctx *x, const char *key)
{
	size_t mark = x->path.len;

	if (x->path.len)
		strbuf_adds(&x->path, ".");
	strbuf_adds(&x->path, key);
	return mark;
}

size_t k8s_json_enter_idx(struct k8s_jctx *x, size_t i)
{
	size_t mark = x->path.len;

	strbuf_addf(&x->path, "[%zu]", i);
	return mark;
}

void k8s_json_leave(struct k8s_jctx *x, size_t mark)
{
	if (x->path.buf && mark <= x->path.len) {
		x->path.len = mark;
		x->path.buf[mark] = '\0';
	}
}

const json_t *k8s_json_field(const json_t *obj, const char *key)
{
	const json_t *v;

	if (!json_is_object(obj))
		return NULL;
	v = json_object_get(obj, key);
	return json_is_null(v) ? NULL : v;
}

/*
 * A string as JSON would spell it, cut after K8S_SHOW_MAX characters (never
 * inside a UTF-8 sequence: jansson has validated the encoding), with the
 * full length when it was cut.
 */
static void show_str(struct strbuf *sb, const char *s, size_t len)
{
	size_t shown = 0, i;

	strbuf_adds(sb, "\"");
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch & 0xc0) != 0x80) {
			if (shown == K8S_SHOW_MAX)
				break;
			shown++;
		}
		if (ch == '"' || ch == '\\')
			strbuf_addf(sb, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			strbuf_addf(sb, "\\u%04x", ch);
		else
			strbuf_add(sb, s + i, 1);
	}
	if (i < len)
		strbuf_addf(sb, "...\" (%zu chars)", len);
	else
		strbuf_adds(sb, "\"");
}

static void show(struct strbuf *sb, const json_t *v)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		show_str(sb, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		strbuf_addf(sb, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		strbuf_addf(sb, "%g", json_real_value(v));
		break;
	case JSON_TRUE:
		strbuf_adds(sb, "true");
		break;
	case JSON_FALSE:
		strbuf_adds(sb, "false");
		break;
	case JSON_OBJECT:
		strbuf_adds(sb, "object");
		break;
	case JSON_ARRAY:
		strbuf_adds(sb, "array");
		break;
	case JSON_NULL:
	default:
		strbuf_adds(sb, v ? "null" : "nothing");
		break;
	}
}

static int vbad(struct k8s_jctx *x, const char *shown, const char *want_fmt,
		va_list ap)
{
	struct strbuf want = {0};

	strbuf_vaddf(&want, want_fmt, ap);
	if (x->path.len)
		diag_addf(x->d, DIAG_ERROR, "%s %s: %s: want %s, got %s",
			  x->kind, x->who, x->path.buf, want.buf, shown);
	else
		diag_addf(x->d, DIAG_ERROR, "%s %s: want %s, got %s", x->kind,
			  x->who, want.buf, shown);
	strbuf_release(&want);
	return -EINVAL;
}

int k8s_json_bad(struct k8s_jctx *x, const json_t *got, const char *want_fmt,
		 ...)
{
	struct strbuf shown = {0};
	va_list ap;
	int err;

	show(&shown, got);
	va_start(ap, want_fmt);
	err = vbad(x, shown.buf, want_fmt, ap);
	va_end(ap);
	strbuf_release(&shown);
	return err;
}

/* The same about a raw string (a label key, which is no JSON value). */
static int bad_str(struct k8s_jctx *x, const char *s, size_t len,
		   const char *want_fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int bad_str(struct k8s_jctx *x, const char *s, size_t len,
		   const char *want_fmt, ...)
{
	struct strbuf shown = {0};
	va_list ap;
	int err;

	show_str(&shown, s, len);
	va_start(ap, want_fmt);
	err = vbad(x, shown.buf, want_fmt, ap);
	va_end(ap);
	strbuf_release(&shown);
	return err;
}

/* Enter key (if any) and return the value there, NULL if absent. */
static const json_t *begin(struct k8s_jctx *x, const json_t *parent,
			   const char *key, size_t *mark)
{
	if (!key) {
		*mark = x->path.len;
		return json_is_null(parent) ? NULL : parent;
	}
	*mark = k8s_json_enter(x, key);
	return k8s_json_field(parent, key);
}

static int end(struct k8s_jctx *x, size_t mark, int err)
{
	k8s_json_leave(x, mark);
	return err;
}

int k8s_json_str(struct k8s_jctx *x, const json_t *parent, const char *key,
		 size_t max, enum k8s_str_form form, bool required,
		 const char **out)
{
	size_t mark, n;
	const json_t *v = begin(x, parent, key, &mark);
	const char *s;
	char want[64];

	*out = NULL;
	if (required)
		snprintf(want, sizeof(want), "string of 1-%zu chars", max);
	else
		snprintf(want, sizeof(want), "string of at most %zu chars",
			 max);
	if (!v)
		return end(x, mark,
			   required ? k8s_json_bad(x, v, "%s", want) : 0);
	s = json_string_value(v);
	n = json_string_length(v);
	if (!s || n > max || (required && n == 0))
		return end(x, mark, k8s_json_bad(x, v, "%s", want));
	if (!printable(s, n) || (n && !form_ok(s, n, form)))
		return end(x, mark, k8s_json_bad(x, v, "%s", form_name(form)));
	*out = s;
	return end(x, mark, 0);
}

int k8s_json_strdup(struct k8s_jctx *x, const json_t *parent, const char *key,
		    size_t max, enum k8s_str_form form, bool required,
		    char **out)
{
	const char *s;
	int err = k8s_json_str(x, parent, key, max, form, required, &s);

	*out = err ? NULL : xstrdup_null(s);
	return err;
}

int k8s_json_strdup_nonempty(struct k8s_jctx *x, const json_t *parent,
			     const char *key, size_t max,
			     enum k8s_str_form form, char **out)
{
	int err = k8s_json_strdup(x, parent, key, max, form, false, out);

	if (*out && !**out) {
		free(*out);
		*out = NULL;
	}
	return err;
}

int k8s_json_int(struct k8s_jctx *x, const json_t *parent, const char *key,
		 long long min, long long max, bool required, long long *out)
{
	size_t mark;
	const json_t *v = begin(x, parent, key, &mark);
	json_int_t i;

	if (!v && !required)
		return end(x, mark, 0);
	i = json_integer_value(v);
	if (!json_is_integer(v) || i < min || i > max)
		return end(x, mark,
			   k8s_json_bad(x, v, "integer %lld-%lld", min, max));
	*out = i;
	return end(x, mark, 0);
}

int k8s_json_bool(struct k8s_jctx *x, const json_t *parent, const char *key,
		  bool *out)
{
	size_t mark;
	const json_t *v = begin(x, parent, key, &mark);

	if (!v)
		return end(x, mark, 0);
	if (!json_is_boolean(v))
		return end(x, mark, k8s_json_bad(x, v, "boolean"));
	*out = json_is_true(v);
	return end(x, mark, 0);
}

int k8s_json_obj(struct k8s_jctx *x, const json_t *parent, const char *key,
		 bool required, const json_t **out)
{
	size_t mark;
	const json_t *v = begin(x, parent, key, &mark);

	*out = NULL;
	if (!v && !required)
		return end(x, mark, 0);
	if (!json_is_object(v))
		return end(x, mark, k8s_json_bad(x, v, "object"));
	*out = v;
	return end(x, mark, 0);
}

int k8s_json_arr(struct k8s_jctx *x, const json_t *parent, const char *key,
		 const json_t **out)
{
	size_t mark;
	const json_t *v = begin(x, parent, key, &mark);

	*out = NULL;
	if (!v)
		return end(x, mark, 0);
	if (!json_is_array(v))
		return end(x, mark, k8s_json_bad(x, v, "array"));
	*out = v;
	return end(x, mark, 0);
}

int k8s_json_enum(struct k8s_jctx *x, const json_t *parent, const char *key,
		  const char *const *names, size_t n, int *out)
{
	size_t mark;
	const json_t *v = begin(x, parent, key, &mark);
	struct strbuf want = {0};
	const char *s = json_string_value(v);
	int err;

	if (!v || (s && !*s))
		return end(x, mark, 0);
	for (size_t i = 0; s && i < n; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (int)i;
			return end(x, mark, 0);
		}
	}
	strbuf_adds(&want, "one of ");
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&want, "%s%s", i ? ", " : "", names[i]);
	err = k8s_json_bad(x, v, "%s", want.buf);
	strbuf_release(&want);
	return end(x, mark, err);
}

int k8s_json_proto(struct k8s_jctx *x, const json_t *parent, const char *key,
		   enum nfp_proto *out)
{
	size_t mark;
	const json_t *v = begin(x, parent, key, &mark);
	const char *s = json_string_value(v);
	int p;

	*out = NFP_PROTO_TCP;
	if (!v || (s && !*s))
		return end(x, mark, 0);
	p = nfp_proto_parse(s);
	if (p < 0)
		return end(x, mark, k8s_json_bad(x, v, "TCP, UDP or SCTP"));
	*out = (enum nfp_proto)p;
	return end(x, mark, 0);
}

static const char *family_want(int family)
{
	switch (family) {
	case AF_INET:
		return "IPv4 address";
	case AF_INET6:
		return "IPv6 address";
	default:
		return "IP address";
	}
}

int k8s_json_ip(struct k8s_jctx *x, const json_t *parent, const char *key,
		int family, bool required, struct nfp_addr *out)
{
	size_t mark;
	const json_t *v = begin(x, parent, key, &mark);
	const char *s = json_string_value(v);

	memset(out, 0, sizeof(*out));
	if (!required && (!v || (s && !*s)))
		return end(x, mark, 0);
	if (!s || json_string_length(v) > K8S_MAX_IP_STR ||
	    nfp_addr_parse(s, out) < 0 || (family && out->family != family)) {
		memset(out, 0, sizeof(*out));
		return end(x, mark,
			   k8s_json_bad(x, v, "%s", family_want(family)));
	}
	return end(x, mark, 0);
}

int k8s_json_cidr(struct k8s_jctx *x, const json_t *parent, const char *key,
		  struct nfp_cidr *out)
{
	size_t mark, n;
	const json_t *v = begin(x, parent, key, &mark);
	const char *s = json_string_value(v);
	char buf[K8S_MAX_CIDR_STR + 1];

	memset(out, 0, sizeof(*out));
	if (!v)
		return end(x, mark, 0);
	n = json_string_length(v);
	while (s && n && *s == ' ') {
		s++;
		n--;
	}
	while (s && n && s[n - 1] == ' ')
		n--;
	if (!s || n > K8S_MAX_CIDR_STR)
		return end(x, mark, k8s_json_bad(x, v, "CIDR block"));
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (nfp_cidr_parse(buf, out) < 0)
		return end(x, mark, k8s_json_bad(x, v, "CIDR block"));
	return end(x, mark, 0);
}

int k8s_json_ip_list(struct k8s_jctx *x, const json_t *parent, const char *key,
		     struct nfp_addr **arr, size_t *n)
{
	size_t mark, cap = *n, i;
	const json_t *a, *e;
	int err = k8s_json_arr(x, parent, key, &a);

	if (err || !a)
		return err;
	mark = k8s_json_enter(x, key);
	for (i = 0; (e = json_array_get(a, i)); i++) {
		size_t m = k8s_json_enter_idx(x, i);
		struct nfp_addr addr;

		err = k8s_json_ip(x, e, NULL, 0, true, &addr);
		k8s_json_leave(x, m);
		if (err)
			break;
		*XPUSH(*arr, *n, cap) = addr;
	}
	return end(x, mark, err);
}

int k8s_json_cidr_list(struct k8s_jctx *x, const json_t *parent,
		       const char *key, struct nfp_cidr **arr, size_t *n)
{
	size_t mark, cap = *n, i;
	const json_t *a, *e;
	int err = k8s_json_arr(x, parent, key, &a);

	if (err || !a)
		return err;
	mark = k8s_json_enter(x, key);
	for (i = 0; (e = json_array_get(a, i)); i++) {
		size_t m = k8s_json_enter_idx(x, i);
		struct nfp_cidr cidr;

		if (!json_is_string(e))
			err = k8s_json_bad(x, e, "CIDR block");
		else
			err = k8s_json_cidr(x, e, NULL, &cidr);
		k8s_json_leave(x, m);
		if (err)
			break;
		*XPUSH(*arr, *n, cap) = cidr;
	}
	return end(x, mark, err);
}

static int labels(struct k8s_jctx *x, const json_t *md, struct k8s_meta *out)
{
	size_t mark, cap = 0;
	const json_t *lo;
	void *it;
	int err = k8s_json_obj(x, md, "labels", false, &lo);

	if (err || !lo)
		return err;
	mark = k8s_json_enter(x, "labels");
	/* jansson's iterators take no const; they do not modify. */
	for (it = json_object_iter((json_t *)lo); it;
	     it = json_object_iter_next((json_t *)lo, it)) {
		const char *key = json_object_iter_key(it);
		const json_t *v = json_object_iter_value(it);
		size_t klen = strlen(key), m;
		struct k8s_kv *kv;
		const char *s;

		if (klen == 0 || klen > K8S_MAX_LABEL_KEY ||
		    !printable(key, klen))
			return end(x, mark,
				   bad_str(x, key, klen,
					   "label key of 1-%d printable chars",
					   K8S_MAX_LABEL_KEY));
		m = x->path.len;
		strbuf_adds(&x->path, "[");
		show_str(&x->path, key, klen);
		strbuf_adds(&x->path, "]");
		err = k8s_json_str(x, v, NULL, K8S_MAX_LABEL, K8S_STR_TEXT,
				   false, &s);
		k8s_json_leave(x, m);
		if (err)
			return end(x, mark, err);
		kv = XPUSH(out->labels, out->n_labels, cap);
		kv->key = xstrdup(key);
		kv->value = xstrdup(s ? s : "");
	}
	return end(x, mark, 0);
}

int k8s_json_meta(struct k8s_jctx *x, const json_t *o, bool namespaced,
		  struct k8s_meta *out)
{
	const json_t *md;
	const char *ts;
	size_t mark;
	int err;

	err = k8s_json_obj(x, o, "metadata", true, &md);
	if (err)
		return err;
	mark = k8s_json_enter(x, "metadata");
	err = k8s_json_strdup(x, md, "name", K8S_MAX_NAME,
			      K8S_STR_DNS_SUBDOMAIN, true, &out->name);
	if (!err && namespaced)
		err = k8s_json_strdup(x, md, "namespace", K8S_MAX_LABEL,
				      K8S_STR_DNS_LABEL, false, &out->ns);
	if (!err)
		err = k8s_json_strdup(x, md, "uid", K8S_MAX_TOKEN, K8S_STR_TEXT,
				      false, &out->uid);
	if (!err)
		err = k8s_json_strdup(x, md, "resourceVersion", K8S_MAX_TOKEN,
				      K8S_STR_TEXT, false,
				      &out->resource_version);
	if (!err)
		err = k8s_json_str(x, md, "deletionTimestamp",
				   K8S_MAX_TIMESTAMP, K8S_STR_TEXT, false, &ts);
	if (!err)
		out->deleting = ts && *ts;
	if (!err)
		err = labels(x, md, out);
	/* Empty rather than NULL, so that users need no checks. */
	if (!out->ns || !namespaced || !*out->ns) {
		free(out->ns);
		out->ns = xstrdup(namespaced ? DEFAULT_NAMESPACE : "");
	}
	if (!out->uid)
		out->uid = xstrdup("");
	if (!out->resource_version)
		out->resource_version = xstrdup("");
	return end(x, mark, err);
}
