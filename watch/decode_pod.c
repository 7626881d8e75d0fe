// SPDX-License-Identifier: GPL-2.0
/*
 * Pod (core/v1): where it runs, its addresses, and the container ports that
 * hostPort handling needs.
 */
#include "watch/decode_json.h"

#include <errno.h>
#include <string.h>

#include "util/xalloc.h"

/* An init container with this restart policy is a sidecar: it keeps
 * running beside the app containers, so its hostPorts are live too. */
#define SIDECAR_RESTART_POLICY "Always"

static int container_port(struct k8s_jctx *x, const json_t *po,
			  struct k8s_container_port *p)
{
	long long port = 0, host_port = 0;
	int err;

	err = k8s_json_obj(x, po, NULL, true, &po);
	if (!err)
		err = k8s_json_strdup(x, po, "name", K8S_MAX_LABEL,
				      K8S_STR_DNS_LABEL, false, &p->name);
	if (!p->name)
		p->name = xstrdup("");
	if (!err)
		err = k8s_json_proto(x, po, "protocol", &p->proto);
	if (!err)
		err = k8s_json_int(x, po, "containerPort", 1, 65535, true,
				   &port);
	if (!err)
		err = k8s_json_int(x, po, "hostPort", 0, 65535, false,
				   &host_port);
	if (!err)
		err = k8s_json_ip(x, po, "hostIP", 0, false, &p->host_ip);
	p->container_port = (uint16_t)port;
	p->host_port = (uint16_t)host_port;
	return err;
}

/* The ports of spec.<key>[], only of sidecars for initContainers. */
static int containers(struct k8s_jctx *x, const json_t *spec, const char *key,
		      bool sidecars_only, size_t *cap, struct k8s_pod *out)
{
	const json_t *a, *c, *ports = NULL, *e;
	size_t mark, i, j;
	int err = k8s_json_arr(x, spec, key, &a);

	mark = k8s_json_enter(x, key);
	for (i = 0; !err && (c = json_array_get(a, i)); i++) {
		size_t m1 = k8s_json_enter_idx(x, i), m2;
		const char *restart = NULL;

		err = k8s_json_obj(x, c, NULL, true, &c);
		if (!err)
			err = k8s_json_str(x, c, "restartPolicy", K8S_MAX_TOKEN,
					   K8S_STR_TEXT, false, &restart);
		if (!err && sidecars_only &&
		    (!restart || strcmp(restart, SIDECAR_RESTART_POLICY))) {
			k8s_json_leave(x, m1);
			continue;
		}
		if (!err)
			err = k8s_json_arr(x, c, "ports", &ports);
		m2 = k8s_json_enter(x, "ports");
		for (j = 0; !err && (e = json_array_get(ports, j)); j++) {
			size_t m = k8s_json_enter_idx(x, j);

			err = container_port(
				x, e, XPUSH(out->ports, out->n_ports, *cap));
			k8s_json_leave(x, m);
			if (err)
				break;
		}
		k8s_json_leave(x, m2);
		k8s_json_leave(x, m1);
		if (err)
			break;
	}
	k8s_json_leave(x, mark);
	return err;
}

static int spec(struct k8s_jctx *x, const json_t *o, struct k8s_pod *out)
{
	const json_t *sp;
	size_t mark, cap = 0;
	int err;

	err = k8s_json_obj(x, o, "spec", false, &sp);
	if (err)
		return err;
	mark = k8s_json_enter(x, "spec");
	err = k8s_json_strdup_nonempty(x, sp, "nodeName", K8S_MAX_NAME,
				       K8S_STR_DNS_SUBDOMAIN, &out->node_name);
	if (!err)
		err = k8s_json_bool(x, sp, "hostNetwork", &out->host_network);
	if (!err)
		err = containers(x, sp, "containers", false, &cap, out);
	if (!err)
		err = containers(x, sp, "initContainers", true, &cap, out);
	k8s_json_leave(x, mark);
	return err;
}

/* status.podIPs[].ip, or status.podIP for servers that predate podIPs. */
static int status(struct k8s_jctx *x, const json_t *o, struct k8s_pod *out)
{
	const json_t *st, *a, *e;
	size_t mark, cap = 0, i;
	struct nfp_addr ip = {0};
	int err;

	err = k8s_json_obj(x, o, "status", false, &st);
	if (err)
		return err;
	mark = k8s_json_enter(x, "status");
	err = k8s_json_strdup_nonempty(x, st, "phase", K8S_MAX_TOKEN,
				       K8S_STR_TEXT, &out->phase);
	if (!err)
		err = k8s_json_ip(x, st, "podIP", 0, false, &ip);
	if (!err)
		err = k8s_json_arr(x, st, "podIPs", &a);
	if (!err && (!a || json_array_size(a) == 0) && ip.family)
		*XPUSH(out->pod_ips, out->n_pod_ips, cap) = ip;
	if (!err && a) {
		size_t m1 = k8s_json_enter(x, "podIPs");

		for (i = 0; (e = json_array_get(a, i)); i++) {
			size_t m = k8s_json_enter_idx(x, i);

			err = k8s_json_obj(x, e, NULL, true, &e);
			if (!err)
				err = k8s_json_ip(x, e, "ip", 0, true, &ip);
			k8s_json_leave(x, m);
			if (err)
				break;
			*XPUSH(out->pod_ips, out->n_pod_ips, cap) = ip;
		}
		k8s_json_leave(x, m1);
	}
	k8s_json_leave(x, mark);
	return err;
}

int k8s_decode_pod_json(const json_t *o, struct k8s_pod *out,
			struct diag_list *d)
{
	struct k8s_jctx x;
	int err;

	memset(out, 0, sizeof(*out));
	k8s_jctx_init(&x, "Pod", o, true, d);
	err = k8s_json_obj(&x, o, NULL, true, &o);
	if (!err)
		err = k8s_json_meta(&x, o, true, &out->meta);
	if (!err)
		err = spec(&x, o, out);
	if (!err)
		err = status(&x, o, out);
	if (err)
		k8s_pod_free(out);
	k8s_jctx_release(&x);
	return err;
}
