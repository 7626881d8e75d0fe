// SPDX-License-Identifier: GPL-2.0
/* The node's pod CIDRs from its Node object (subnet "auto"). */
#include "cni/podcidr.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/diag.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "watch/decode.h"
#include "watch/http.h"
#include "watch/kubeconfig.h"

#define HTTP_OK 200
#define HTTP_UNAUTHORIZED 401
#define HTTP_FORBIDDEN 403
#define HTTP_NOT_FOUND 404

/* Every DIAG_ERROR of d, "; "-separated, as the error's details. */
static void diag_details(struct cni_error *err, const struct diag_list *d)
{
	struct strbuf sb = {0};

	for (size_t i = 0; i < d->n; i++) {
		if (d->items[i].level < DIAG_ERROR)
			continue;
		if (sb.len)
			strbuf_adds(&sb, "; ");
		strbuf_adds(&sb, d->items[i].msg);
	}
	if (sb.len)
		cni_error_details(err, "%s", sb.buf);
	strbuf_release(&sb);
}

int cni_podcidr_decode(const char *buf, size_t len, const char *node,
		       struct nfp_cidr *out, size_t max, size_t *n,
		       struct cni_error *err)
{
	struct k8s_cluster c = {0};
	struct diag_list d = {0};
	int ret = -EINVAL;

	*n = 0;
	if (k8s_decode_stream(buf, len, &c, &d) < 0 || c.n_nodes != 1 ||
	    c.n_services || c.n_slices || c.n_pods) {
		cni_error_set(
			err, CNI_ERR_INTERNAL,
			"the API server's answer for Node %s is not one Node",
			node);
		diag_details(err, &d);
		goto out;
	}
	if (c.nodes[0].n_pod_cidrs == 0) {
		cni_error_set(err, CNI_ERR_TRY_AGAIN,
			      "Node %s has no podCIDR yet (subnet \"auto\")",
			      node);
		goto out;
	}
	for (size_t i = 0; i < c.nodes[0].n_pod_cidrs && *n < max; i++)
		out[(*n)++] = c.nodes[0].pod_cidrs[i];
	ret = 0;
out:
	k8s_cluster_clear(&c);
	diag_list_free(&d);
	return ret;
}

int cni_podcidr_fetch(const char *kubeconfig, const char *node,
		      struct nfp_cidr *out, size_t max, size_t *n,
		      struct cni_error *err)
{
	struct kube_config kc = {0};
	struct diag_list d = {0};
	struct strbuf path = {0}, body = {0};
	long status = 0;
	int ret;

	*n = 0;
	ret = kube_config_load(kubeconfig, NULL, NULL, &kc, &d);
	if (ret < 0) {
		cni_error_set(err, CNI_ERR_INVALID_CONFIG,
			      "kubeconfig %s cannot be used to read Node %s",
			      kubeconfig, node);
		diag_details(err, &d);
		goto out;
	}
	strbuf_adds(&path, "/api/v1/nodes/");
	watch_http_escape(&path, node);
	ret = watch_http_get(&kc, path.buf, CNI_PODCIDR_MAX_BODY,
			     CNI_PODCIDR_TIMEOUT_MS, &body, &status, &d);
	if (ret < 0) {
		cni_error_set(err, CNI_ERR_TRY_AGAIN,
			      "cannot read Node %s from %s", node, kc.server);
		diag_details(err, &d);
	} else if (status == HTTP_NOT_FOUND) {
		ret = cni_error_set(err, CNI_ERR_TRY_AGAIN,
				    "Node %s does not exist (yet) on %s", node,
				    kc.server);
	} else if (status == HTTP_UNAUTHORIZED || status == HTTP_FORBIDDEN) {
		ret = cni_error_set(
			err, CNI_ERR_INVALID_CONFIG,
			"%s refused to show Node %s (HTTP %ld): check the kubeconfig's credentials",
			kc.server, node, status);
	} else if (status != HTTP_OK) {
		ret = cni_error_set(err, CNI_ERR_TRY_AGAIN,
				    "%s answered HTTP %ld for Node %s",
				    kc.server, status, node);
	} else {
		ret = cni_podcidr_decode(body.buf ? body.buf : "", body.len,
					 node, out, max, n, err);
	}
out:
	strbuf_release(&path);
	strbuf_release(&body);
	kube_config_free(&kc);
	diag_list_free(&d);
	return ret < 0 ? -EINVAL : 0;
}

char *cni_podcidr_node_name(void)
{
	char host[HOST_NAME_MAX + 1];

	if (gethostname(host, sizeof(host)) < 0)
		return NULL;
	host[HOST_NAME_MAX] = '\0';
	for (char *p = host; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return xstrdup(host);
}
