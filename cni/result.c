// SPDX-License-Identifier: GPL-2.0
/* Results, version reports and errors as the CNI spec's JSON. */
#include "cni/result.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cni/version.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

int cni_error_set(struct cni_error *e, int code, const char *fmt, ...)
{
	struct strbuf sb = {0};
	va_list ap;

	if (e->code)
		return -EINVAL;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	e->code = code;
	free(e->msg);
	e->msg = strbuf_detach(&sb);
	return -EINVAL;
}

void cni_error_details(struct cni_error *e, const char *fmt, ...)
{
	struct strbuf sb = {0};
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	free(e->details);
	e->details = strbuf_detach(&sb);
}

void cni_error_clear(struct cni_error *e)
{
	free(e->msg);
	free(e->details);
	memset(e, 0, sizeof(*e));
}

int cni_result_add_iface(struct cni_result *r, const char *name,
			 const char *mac, const char *sandbox)
{
	struct cni_iface *i = XPUSH(r->ifaces, r->n_ifaces, r->cap_ifaces);

	i->name = xstrdup(name);
	i->mac = xstrdup_null(mac);
	i->sandbox = xstrdup_null(sandbox);
	return (int)(r->n_ifaces - 1);
}

static char **strv_copy(char *const *v, size_t n)
{
	char **out;

	if (!n)
		return NULL;
	out = xcalloc(n, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void cni_dns_copy(struct cni_dns *dst, const struct cni_dns *src)
{
	dst->nameservers = strv_copy(src->nameservers, src->n_nameservers);
	dst->n_nameservers = src->n_nameservers;
	dst->domain = xstrdup_null(src->domain);
	dst->search = strv_copy(src->search, src->n_search);
	dst->n_search = src->n_search;
	dst->options = strv_copy(src->options, src->n_options);
	dst->n_options = src->n_options;
}

bool cni_dns_empty(const struct cni_dns *d)
{
	return !d->n_nameservers && !d->domain && !d->n_search && !d->n_options;
}

void cni_dns_clear(struct cni_dns *d)
{
	strv_free(d->nameservers, d->n_nameservers);
	free(d->domain);
	strv_free(d->search, d->n_search);
	strv_free(d->options, d->n_options);
	memset(d, 0, sizeof(*d));
}

void cni_result_append(struct cni_result *dst, const struct cni_result *src)
{
	int base = (int)dst->n_ifaces;

	for (size_t i = 0; i < src->n_ifaces; i++)
		cni_result_add_iface(dst, src->ifaces[i].name,
				     src->ifaces[i].mac,
				     src->ifaces[i].sandbox);
	for (size_t i = 0; i < src->n_ips; i++) {
		struct cni_ip *ip = XPUSH(dst->ips, dst->n_ips, dst->cap_ips);

		*ip = src->ips[i];
		if (ip->iface >= 0)
			ip->iface += base;
	}
	for (size_t i = 0; i < src->n_routes; i++)
		*XPUSH(dst->routes, dst->n_routes, dst->cap_routes) =
			src->routes[i];
	if (cni_dns_empty(&dst->dns))
		cni_dns_copy(&dst->dns, &src->dns);
}

void cni_result_clear(struct cni_result *r)
{
	for (size_t i = 0; i < r->n_ifaces; i++) {
		free(r->ifaces[i].name);
		free(r->ifaces[i].mac);
		free(r->ifaces[i].sandbox);
	}
	free(r->ifaces);
	free(r->ips);
	free(r->routes);
	cni_dns_clear(&r->dns);
	memset(r, 0, sizeof(*r));
}

/* json_*_new() only fail on out-of-memory; treat that like xmalloc does. */
static json_t *checked(json_t *j)
{
	if (!j)
		abort();
	return j;
}

/* A JSON string even from bytes that are not UTF-8 (a container ID in an
 * error message comes from the caller): such bytes become '?'. */
static json_t *text_json(const char *s)
{
	json_t *j = json_string(s);
	char *copy;

	if (j)
		return j;
	copy = xstrdup(s);
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80 || (unsigned char)*p < 0x20)
			*p = '?';
	j = checked(json_string(copy));
	free(copy);
	return j;
}

static void set(json_t *obj, const char *key, json_t *val)
{
	if (json_object_set_new(obj, key, checked(val)) < 0)
		abort();
}

static void push(json_t *arr, json_t *val)
{
	if (json_array_append_new(arr, checked(val)) < 0)
		abort();
}

static json_t *addr_json(const struct nfp_addr *a)
{
	char buf[NFP_ADDR_STRLEN];

	return text_json(nfp_addr_str(a, buf));
}

static json_t *cidr_json(const struct nfp_cidr *c)
{
	char buf[NFP_CIDR_STRLEN];

	return text_json(nfp_cidr_str(c, buf));
}

static json_t *strv_json(char *const *v, size_t n)
{
	json_t *arr = checked(json_array());

	for (size_t i = 0; i < n; i++)
		push(arr, text_json(v[i]));
	return arr;
}

static json_t *dns_json(const struct cni_dns *d)
{
	json_t *obj = checked(json_object());

	if (d->n_nameservers)
		set(obj, "nameservers",
		    strv_json(d->nameservers, d->n_nameservers));
	if (d->domain)
		set(obj, "domain", text_json(d->domain));
	if (d->n_search)
		set(obj, "search", strv_json(d->search, d->n_search));
	if (d->n_options)
		set(obj, "options", strv_json(d->options, d->n_options));
	return obj;
}

/* Pretty-printed with a trailing newline, keys in insertion order. */
static char *dump(json_t *root)
{
	char *text = json_dumps(root, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	struct strbuf sb = {0};

	if (!text)
		abort();
	strbuf_adds(&sb, text);
	strbuf_adds(&sb, "\n");
	free(text);
	json_decref(root);
	return strbuf_detach(&sb);
}

char *cni_result_json(const struct cni_result *r, const char *version)
{
	bool ip_version = cni_version_cmp(version, "1.0.0") < 0;
	json_t *root = checked(json_object());
	json_t *arr;

	set(root, "cniVersion", text_json(version));
	arr = checked(json_array());
	for (size_t i = 0; i < r->n_ifaces; i++) {
		const struct cni_iface *f = &r->ifaces[i];
		json_t *obj = checked(json_object());

		set(obj, "name", text_json(f->name));
		if (f->mac)
			set(obj, "mac", text_json(f->mac));
		if (f->sandbox)
			set(obj, "sandbox", text_json(f->sandbox));
		push(arr, obj);
	}
	set(root, "interfaces", arr);
	arr = checked(json_array());
	for (size_t i = 0; i < r->n_ips; i++) {
		const struct cni_ip *ip = &r->ips[i];
		json_t *obj = checked(json_object());

		if (ip_version)
			set(obj, "version",
			    text_json(ip->addr.addr.family == AF_INET6 ? "6"
								       : "4"));
		set(obj, "address", cidr_json(&ip->addr));
		if (ip->gw.family)
			set(obj, "gateway", addr_json(&ip->gw));
		if (ip->iface >= 0)
			set(obj, "interface", json_integer(ip->iface));
		push(arr, obj);
	}
	set(root, "ips", arr);
	if (r->n_routes) {
		arr = checked(json_array());
		for (size_t i = 0; i < r->n_routes; i++) {
			const struct cni_route *rt = &r->routes[i];
			json_t *obj = checked(json_object());

			set(obj, "dst", cidr_json(&rt->dst));
			if (rt->gw.family)
				set(obj, "gw", addr_json(&rt->gw));
			push(arr, obj);
		}
		set(root, "routes", arr);
	}
	set(root, "dns", dns_json(&r->dns));
	return dump(root);
}

char *cni_error_json(const struct cni_error *e, const char *version)
{
	json_t *root = checked(json_object());

	set(root, "cniVersion", text_json(version));
	set(root, "code", json_integer(e->code));
	set(root, "msg", text_json(e->msg ? e->msg : "unknown error"));
	if (e->details)
		set(root, "details", text_json(e->details));
	return dump(root);
}

char *cni_version_json(const char *version)
{
	json_t *root = checked(json_object());

	set(root, "cniVersion", text_json(version));
	set(root, "supportedVersions",
	    strv_json((char *const *)cni_versions, cni_n_versions));
	return dump(root);
}
