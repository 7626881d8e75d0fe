// SPDX-License-Identifier: GPL-2.0
/*
 * Node (core/v1): its pod CIDRs (CNI, masquerade) and its addresses (node
 * ports, the node's own IPs). Its zone is a label, kept with the others.
 */
#include "watch/decode_json.h"

#include <errno.h>
#include <string.h>

#include "util/xalloc.h"

/* Address types whose value must be an IP; others (Hostname, InternalDNS,
 * ExternalDNS) are names and are kept with family 0. */
static bool ip_type(const char *type)
{
	return strcmp(type, "InternalIP") == 0 ||
	       strcmp(type, "ExternalIP") == 0;
}

/* spec.podCIDRs when it has entries, spec.podCIDR otherwise. */
static int spec(struct k8s_jctx *x, const json_t *o, struct k8s_node *out)
{
	const json_t *sp;
	const char *one;
	size_t mark;
	int err;

	err = k8s_json_obj(x, o, "spec", false, &sp);
	if (err)
		return err;
	mark = k8s_json_enter(x, "spec");
	err = k8s_json_str(x, sp, "podCIDR", K8S_MAX_CIDR_STR, K8S_STR_TEXT,
			   false, &one);
	if (!err)
		err = k8s_json_cidr_list(x, sp, "podCIDRs", &out->pod_cidrs,
					 &out->n_pod_cidrs);
	if (!err && out->n_pod_cidrs == 0 && one && *one) {
		out->pod_cidrs = xcalloc(1, sizeof(*out->pod_cidrs));
		out->n_pod_cidrs = 1;
		err = k8s_json_cidr(x, sp, "podCIDR", &out->pod_cidrs[0]);
	}
	k8s_json_leave(x, mark);
	return err;
}

static int address(struct k8s_jctx *x, const json_t *e,
		   struct k8s_node_address *out)
{
	const char *addr = NULL;
	int err;

	err = k8s_json_obj(x, e, NULL, true, &e);
	if (!err)
		err = k8s_json_strdup(x, e, "type", K8S_MAX_TOKEN, K8S_STR_TEXT,
				      true, &out->type);
	if (!err)
		err = k8s_json_str(x, e, "address", K8S_MAX_NAME, K8S_STR_TEXT,
				   true, &addr);
	if (!err && nfp_addr_parse(addr, &out->addr) < 0 && ip_type(out->type))
		err = k8s_json_ip(x, e, "address", 0, true, &out->addr);
	return err;
}

static int status(struct k8s_jctx *x, const json_t *o, struct k8s_node *out)
{
	const json_t *st, *a = NULL, *e;
	size_t m1, m2, cap = 0, i;
	int err;

	err = k8s_json_obj(x, o, "status", false, &st);
	m1 = k8s_json_enter(x, "status");
	if (!err)
		err = k8s_json_arr(x, st, "addresses", &a);
	m2 = k8s_json_enter(x, "addresses");
	for (i = 0; !err && (e = json_array_get(a, i)); i++) {
		size_t m = k8s_json_enter_idx(x, i);

		err = address(x, e,
			      XPUSH(out->addresses, out->n_addresses, cap));
		k8s_json_leave(x, m);
		if (err)
			break;
	}
	k8s_json_leave(x, m2);
	k8s_json_leave(x, m1);
	return err;
}

int k8s_decode_node_json(const json_t *o, struct k8s_node *out,
			 struct diag_list *d)
{
	struct k8s_jctx x;
	int err;

	memset(out, 0, sizeof(*out));
	k8s_jctx_init(&x, "Node", o, false, d);
	err = k8s_json_obj(&x, o, NULL, true, &o);
	if (!err)
		err = k8s_json_meta(&x, o, false, &out->meta);
	if (!err)
		err = spec(&x, o, out);
	if (!err)
		err = status(&x, o, out);
	if (err)
		k8s_node_free(out);
	k8s_jctx_release(&x);
	return err;
}
