// SPDX-License-Identifier: GPL-2.0
/*
 * Service (core/v1) with kube-proxy's reading of it: the fields that decide
 * which frontends exist and which endpoints they may use.
 */
#include "watch/decode_json.h"

#include <errno.h>
#include <string.h>

#include "util/xalloc.h"

#define MAX_CLUSTER_IPS 2 /* one per family */
#define NO_CLUSTER_IP "None"

static const char *const svc_types[__K8S_SVC_MAX] = {
	[K8S_SVC_CLUSTER_IP] = "ClusterIP",
	[K8S_SVC_NODE_PORT] = "NodePort",
	[K8S_SVC_LOAD_BALANCER] = "LoadBalancer",
	[K8S_SVC_EXTERNAL_NAME] = "ExternalName",
};

enum policy { POLICY_CLUSTER, POLICY_LOCAL, __POLICY_MAX };
static const char *const policies[__POLICY_MAX] = {
	[POLICY_CLUSTER] = "Cluster",
	[POLICY_LOCAL] = "Local",
};

enum affinity { AFFINITY_NONE, AFFINITY_CLIENT_IP, __AFFINITY_MAX };
static const char *const affinities[__AFFINITY_MAX] = {
	[AFFINITY_NONE] = "None",
	[AFFINITY_CLIENT_IP] = "ClientIP",
};

enum ip_mode { IP_MODE_VIP, IP_MODE_PROXY, __IP_MODE_MAX };
static const char *const ip_modes[__IP_MODE_MAX] = {
	[IP_MODE_VIP] = "VIP",
	[IP_MODE_PROXY] = "Proxy",
};

static bool no_ip(const char *s)
{
	return !s || !*s || strcmp(s, NO_CLUSTER_IP) == 0;
}

/*
 * spec.clusterIPs when it has entries (the API server keeps clusterIP equal
 * to its first one), spec.clusterIP otherwise. "None" or "" means headless.
 */
static int cluster_ips(struct k8s_jctx *x, const json_t *spec,
		       struct k8s_service *out)
{
	const json_t *ips, *e;
	const char *one, *s;
	size_t mark, cap = 0, i;
	int err;

	err = k8s_json_str(x, spec, "clusterIP", K8S_MAX_IP_STR, K8S_STR_TEXT,
			   false, &one);
	if (!err)
		err = k8s_json_arr(x, spec, "clusterIPs", &ips);
	if (err)
		return err;
	if (!ips || json_array_size(ips) == 0) {
		if (!no_ip(one)) {
			struct nfp_addr *a = XPUSH(out->cluster_ips,
						   out->n_cluster_ips, cap);

			err = k8s_json_ip(x, spec, "clusterIP", 0, true, a);
		}
		goto out;
	}
	mark = k8s_json_enter(x, "clusterIPs");
	if (json_array_size(ips) > MAX_CLUSTER_IPS) {
		err = k8s_json_bad(x, ips, "at most %d addresses",
				   MAX_CLUSTER_IPS);
		goto out_leave;
	}
	for (i = 0; (e = json_array_get(ips, i)); i++) {
		size_t m = k8s_json_enter_idx(x, i);

		err = k8s_json_str(x, e, NULL, K8S_MAX_IP_STR, K8S_STR_TEXT,
				   false, &s);
		if (!err && !(i == 0 && no_ip(s)))
			err = k8s_json_ip(x, e, NULL, 0, true,
					  XPUSH(out->cluster_ips,
						out->n_cluster_ips, cap));
		k8s_json_leave(x, m);
		if (err || (i == 0 && no_ip(s)))
			break;
	}
out_leave:
	k8s_json_leave(x, mark);
out:
	out->headless = out->n_cluster_ips == 0;
	return err;
}

static int one_port(struct k8s_jctx *x, const json_t *po,
		    struct k8s_service_port *p)
{
	long long port = 0, node_port = 0;
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
		err = k8s_json_int(x, po, "port", 1, 65535, true, &port);
	if (!err)
		err = k8s_json_int(x, po, "nodePort", 0, 65535, false,
				   &node_port);
	p->port = (uint16_t)port;
	p->node_port = (uint16_t)node_port;
	return err;
}

static int ports(struct k8s_jctx *x, const json_t *spec,
		 struct k8s_service *out)
{
	const json_t *a, *e;
	size_t mark, cap = 0, i;
	int err = k8s_json_arr(x, spec, "ports", &a);

	if (err || !a)
		return err;
	mark = k8s_json_enter(x, "ports");
	for (i = 0; (e = json_array_get(a, i)); i++) {
		size_t m = k8s_json_enter_idx(x, i);

		err = one_port(x, e, XPUSH(out->ports, out->n_ports, cap));
		k8s_json_leave(x, m);
		if (err)
			break;
	}
	k8s_json_leave(x, mark);
	return err;
}

/* Traffic policies, health check port and session affinity. */
static int policy(struct k8s_jctx *x, const json_t *spec,
		  struct k8s_service *out)
{
	int etp = POLICY_CLUSTER, itp = POLICY_CLUSTER, aff = AFFINITY_NONE;
	long long hc = 0, timeout = K8S_DEFAULT_AFFINITY_TIMEOUT;
	const json_t *cfg, *cip;
	size_t mark;
	int err;

	err = k8s_json_enum(x, spec, "externalTrafficPolicy", policies,
			    __POLICY_MAX, &etp);
	if (!err)
		err = k8s_json_enum(x, spec, "internalTrafficPolicy", policies,
				    __POLICY_MAX, &itp);
	if (!err)
		err = k8s_json_int(x, spec, "healthCheckNodePort", 0, 65535,
				   false, &hc);
	if (!err)
		err = k8s_json_enum(x, spec, "sessionAffinity", affinities,
				    __AFFINITY_MAX, &aff);
	if (!err)
		err = k8s_json_obj(x, spec, "sessionAffinityConfig", false,
				   &cfg);
	if (err)
		return err;
	mark = k8s_json_enter(x, "sessionAffinityConfig");
	err = k8s_json_obj(x, cfg, "clientIP", false, &cip);
	if (!err) {
		size_t m = k8s_json_enter(x, "clientIP");

		err = k8s_json_int(x, cip, "timeoutSeconds", 1,
				   K8S_MAX_AFFINITY_TIMEOUT, false, &timeout);
		k8s_json_leave(x, m);
	}
	k8s_json_leave(x, mark);
	out->external_policy_local = etp == POLICY_LOCAL;
	out->internal_policy_local = itp == POLICY_LOCAL;
	out->health_check_node_port = (uint16_t)hc;
	out->affinity_client_ip = aff == AFFINITY_CLIENT_IP;
	out->affinity_timeout = out->affinity_client_ip ? (uint32_t)timeout : 0;
	return err;
}

static int spec(struct k8s_jctx *x, const json_t *spec, struct k8s_service *out)
{
	int type = K8S_SVC_CLUSTER_IP;
	int err;

	err = k8s_json_enum(x, spec, "type", svc_types, __K8S_SVC_MAX, &type);
	out->type = (enum k8s_service_type)type;
	if (!err)
		err = cluster_ips(x, spec, out);
	if (!err)
		err = ports(x, spec, out);
	if (!err)
		err = k8s_json_ip_list(x, spec, "externalIPs",
				       &out->external_ips,
				       &out->n_external_ips);
	if (!err)
		err = k8s_json_cidr_list(x, spec, "loadBalancerSourceRanges",
					 &out->lb_source_ranges,
					 &out->n_lb_source_ranges);
	if (!err)
		err = policy(x, spec, out);
	return err;
}

/* One of status.loadBalancer.ingress[]: kept if it has an IP and traffic
 * to it reaches the node (ipMode VIP, the default). */
static int ingress(struct k8s_jctx *x, const json_t *e, size_t *cap,
		   struct k8s_service *out)
{
	int mode = IP_MODE_VIP;
	struct nfp_addr ip = {0};
	const char *host;
	int err;

	err = k8s_json_obj(x, e, NULL, true, &e);
	if (!err)
		err = k8s_json_ip(x, e, "ip", 0, false, &ip);
	if (!err)
		err = k8s_json_str(x, e, "hostname", K8S_MAX_NAME, K8S_STR_TEXT,
				   false, &host);
	if (!err)
		err = k8s_json_enum(x, e, "ipMode", ip_modes, __IP_MODE_MAX,
				    &mode);
	if (!err && ip.family && mode == IP_MODE_VIP)
		*XPUSH(out->lb_ips, out->n_lb_ips, *cap) = ip;
	return err;
}

static int status(struct k8s_jctx *x, const json_t *o, struct k8s_service *out)
{
	const json_t *st, *lb = NULL, *a = NULL, *e;
	size_t m1, m2, m3, cap = 0, i;
	int err;

	err = k8s_json_obj(x, o, "status", false, &st);
	if (err)
		return err;
	m1 = k8s_json_enter(x, "status");
	err = k8s_json_obj(x, st, "loadBalancer", false, &lb);
	m2 = k8s_json_enter(x, "loadBalancer");
	if (!err)
		err = k8s_json_arr(x, lb, "ingress", &a);
	m3 = k8s_json_enter(x, "ingress");
	for (i = 0; !err && (e = json_array_get(a, i)); i++) {
		size_t m = k8s_json_enter_idx(x, i);

		err = ingress(x, e, &cap, out);
		k8s_json_leave(x, m);
		if (err)
			break;
	}
	k8s_json_leave(x, m3);
	k8s_json_leave(x, m2);
	k8s_json_leave(x, m1);
	return err;
}

int k8s_decode_service_json(const json_t *o, struct k8s_service *out,
			    struct diag_list *d)
{
	struct k8s_jctx x;
	const json_t *sp;
	int err;

	memset(out, 0, sizeof(*out));
	k8s_jctx_init(&x, "Service", o, true, d);
	err = k8s_json_obj(&x, o, NULL, true, &o);
	if (!err)
		err = k8s_json_meta(&x, o, true, &out->meta);
	if (!err)
		err = k8s_json_obj(&x, o, "spec", false, &sp);
	if (!err) {
		size_t mark = k8s_json_enter(&x, "spec");

		err = spec(&x, sp, out);
		k8s_json_leave(&x, mark);
	}
	if (!err)
		err = status(&x, o, out);
	if (err)
		k8s_service_free(out);
	k8s_jctx_release(&x);
	return err;
}
