// SPDX-License-Identifier: GPL-2.0
/*
 * EndpointSlice (discovery.k8s.io/v1): endpoints with their conditions and
 * topology, and the ports they serve.
 */
#include "watch/decode_json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#define SERVICE_NAME_LABEL "kubernetes.io/service-name"
#define MAX_ADDRESSES 100 /* the API's limit per endpoint */

static const char *const addr_types[] = {
	[K8S_ADDR_IPV4] = "IPv4",
	[K8S_ADDR_IPV6] = "IPv6",
	[K8S_ADDR_FQDN] = "FQDN",
};

#define N_ADDR_TYPES (sizeof(addr_types) / sizeof(addr_types[0]))

/* The first address is the endpoint's (as in kube-proxy); the others are
 * only checked. FQDN slices keep no address. */
static int addresses(struct k8s_jctx *x, const json_t *ep,
		     enum k8s_address_type type, struct k8s_endpoint *out)
{
	int family = type == K8S_ADDR_IPV4 ? AF_INET : AF_INET6;
	const json_t *a, *e;
	size_t mark, i;
	int err;

	err = k8s_json_arr(x, ep, "addresses", &a);
	mark = k8s_json_enter(x, "addresses");
	if (!err && (!a || json_array_size(a) == 0 ||
		     json_array_size(a) > MAX_ADDRESSES))
		err = k8s_json_bad(x, a, "array of 1-%d addresses",
				   MAX_ADDRESSES);
	for (i = 0; !err && (e = json_array_get(a, i)); i++) {
		size_t m = k8s_json_enter_idx(x, i);
		const char *s;

		if (type != K8S_ADDR_FQDN && i == 0)
			err = k8s_json_ip(x, e, NULL, family, true, &out->addr);
		else
			err = k8s_json_str(x, e, NULL, K8S_MAX_NAME,
					   K8S_STR_TEXT, true, &s);
		k8s_json_leave(x, m);
		if (err)
			break;
	}
	k8s_json_leave(x, mark);
	return err;
}

/* ready missing means true, serving missing means ready, terminating
 * missing means false (the API's documented defaults). */
static int conditions(struct k8s_jctx *x, const json_t *ep,
		      struct k8s_endpoint *out)
{
	const json_t *co;
	size_t mark;
	int err;

	out->ready = true;
	out->terminating = false;
	err = k8s_json_obj(x, ep, "conditions", false, &co);
	mark = k8s_json_enter(x, "conditions");
	if (!err)
		err = k8s_json_bool(x, co, "ready", &out->ready);
	out->serving = out->ready;
	if (!err)
		err = k8s_json_bool(x, co, "serving", &out->serving);
	if (!err)
		err = k8s_json_bool(x, co, "terminating", &out->terminating);
	k8s_json_leave(x, mark);
	return err;
}

static int hints(struct k8s_jctx *x, const json_t *ep, struct k8s_endpoint *out)
{
	const json_t *h, *zones = NULL, *e;
	size_t m1, m2, cap = 0, i;
	int err;

	err = k8s_json_obj(x, ep, "hints", false, &h);
	m1 = k8s_json_enter(x, "hints");
	if (!err)
		err = k8s_json_arr(x, h, "forZones", &zones);
	m2 = k8s_json_enter(x, "forZones");
	out->has_hints = !err && zones;
	for (i = 0; !err && (e = json_array_get(zones, i)); i++) {
		size_t m = k8s_json_enter_idx(x, i);
		char **zone = XPUSH(out->hint_zones, out->n_hint_zones, cap);

		err = k8s_json_obj(x, e, NULL, true, &e);
		if (!err)
			err = k8s_json_strdup(x, e, "name", K8S_MAX_LABEL,
					      K8S_STR_TEXT, true, zone);
		k8s_json_leave(x, m);
		if (err)
			break;
	}
	k8s_json_leave(x, m2);
	k8s_json_leave(x, m1);
	return err;
}

static int endpoint(struct k8s_jctx *x, const json_t *ep,
		    enum k8s_address_type type, struct k8s_endpoint *out)
{
	int err;

	err = k8s_json_obj(x, ep, NULL, true, &ep);
	if (!err)
		err = addresses(x, ep, type, out);
	if (!err)
		err = conditions(x, ep, out);
	if (!err)
		err = k8s_json_strdup_nonempty(x, ep, "nodeName", K8S_MAX_NAME,
					       K8S_STR_DNS_SUBDOMAIN,
					       &out->node_name);
	if (!err)
		err = k8s_json_strdup_nonempty(x, ep, "zone", K8S_MAX_LABEL,
					       K8S_STR_TEXT, &out->zone);
	if (!err)
		err = hints(x, ep, out);
	return err;
}

static int endpoints(struct k8s_jctx *x, const json_t *o,
		     struct k8s_endpointslice *out)
{
	const json_t *a, *e;
	size_t mark, cap = 0, i;
	int err = k8s_json_arr(x, o, "endpoints", &a);

	mark = k8s_json_enter(x, "endpoints");
	for (i = 0; !err && (e = json_array_get(a, i)); i++) {
		size_t m = k8s_json_enter_idx(x, i);
		struct k8s_endpoint *ep =
			XPUSH(out->endpoints, out->n_endpoints, cap);

		err = endpoint(x, e, out->address_type, ep);
		k8s_json_leave(x, m);
		if (err)
			break;
	}
	k8s_json_leave(x, mark);
	return err;
}

/* A port without a number means "all ports" to other consumers; kube-proxy
 * cannot forward it, so it is dropped here. */
static int ports(struct k8s_jctx *x, const json_t *o,
		 struct k8s_endpointslice *out)
{
	const json_t *a, *e;
	size_t mark, cap = 0, i;
	int err = k8s_json_arr(x, o, "ports", &a);

	mark = k8s_json_enter(x, "ports");
	for (i = 0; !err && (e = json_array_get(a, i)); i++) {
		size_t m = k8s_json_enter_idx(x, i);
		struct k8s_endpoint_port p = {0};
		long long port = 0;

		err = k8s_json_obj(x, e, NULL, true, &e);
		if (!err)
			err = k8s_json_strdup(x, e, "name", K8S_MAX_LABEL,
					      K8S_STR_DNS_LABEL, false,
					      &p.name);
		if (!err)
			err = k8s_json_proto(x, e, "protocol", &p.proto);
		if (!err)
			err = k8s_json_int(x, e, "port", 1, 65535, false,
					   &port);
		k8s_json_leave(x, m);
		if (err || !port) {
			free(p.name);
			if (err)
				break;
			continue;
		}
		p.port = (uint16_t)port;
		if (!p.name)
			p.name = xstrdup("");
		*XPUSH(out->ports, out->n_ports, cap) = p;
	}
	k8s_json_leave(x, mark);
	return err;
}

int k8s_decode_endpointslice_json(const json_t *o,
				  struct k8s_endpointslice *out,
				  struct diag_list *d)
{
	struct k8s_jctx x;
	int type = -1;
	int err;

	memset(out, 0, sizeof(*out));
	k8s_jctx_init(&x, "EndpointSlice", o, true, d);
	err = k8s_json_obj(&x, o, NULL, true, &o);
	if (!err)
		err = k8s_json_meta(&x, o, true, &out->meta);
	if (!err)
		err = k8s_json_enum(&x, o, "addressType", addr_types,
				    N_ADDR_TYPES, &type);
	if (!err && type < 0) {
		size_t mark = k8s_json_enter(&x, "addressType");

		err = k8s_json_bad(&x, k8s_json_field(o, "addressType"),
				   "one of IPv4, IPv6, FQDN");
		k8s_json_leave(&x, mark);
	}
	if (!err) {
		out->address_type = (enum k8s_address_type)type;
		out->service_name = xstrdup_null(
			k8s_meta_label(&out->meta, SERVICE_NAME_LABEL));
		err = endpoints(&x, o, out);
	}
	if (!err)
		err = ports(&x, o, out);
	if (err)
		k8s_endpointslice_free(out);
	k8s_jctx_release(&x);
	return err;
}
