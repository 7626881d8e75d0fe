// SPDX-License-Identifier: GPL-2.0
/* Decoding nfbridge's network configuration (stdin) with jansson. */
#include "cni/config.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni/version.h"
#include "util/xalloc.h"

#define INVALID(err, ...) \
	cni_error_set(err, CNI_ERR_INVALID_CONFIG, __VA_ARGS__)

bool cni_config_name_valid(const char *name)
{
	if (!name || !isalnum((unsigned char)name[0]))
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return false;
	return true;
}

bool cni_ifname_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n >= IFNAMSIZ || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return false;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return false;
	return true;
}

/*
 * An optional string member: 0 with *out set (a copy; left alone when the
 * key is absent or null), or -EINVAL when present but not a string.
 */
static int opt_string(json_t *obj, const char *key, const char *where,
		      char **out, struct cni_error *err)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return INVALID(err, "%s%s must be a string", where, key);
	free(*out);
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int req_string(json_t *obj, const char *key, const char *where,
		      char **out, struct cni_error *err)
{
	if (opt_string(obj, key, where, out, err) < 0)
		return -EINVAL;
	if (!*out || !**out)
		return INVALID(err, "%s%s is required", where, key);
	return 0;
}

static int opt_strv(json_t *obj, const char *key, const char *where,
		    char ***out, size_t *n, struct cni_error *err)
{
	json_t *v = json_object_get(obj, key), *item;
	size_t i, cap = 0;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return INVALID(err, "%s%s must be a list of strings", where,
			       key);
	json_array_foreach (v, i, item) {
		if (!json_is_string(item))
			return INVALID(err, "%s%s[%zu] must be a string", where,
				       key, i);
		*XPUSH(*out, *n, cap) = xstrdup(json_string_value(item));
	}
	return 0;
}

static int decode_dns(json_t *obj, const char *where, struct cni_dns *dns,
		      struct cni_error *err)
{
	json_t *v = json_object_get(obj, "dns");

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return INVALID(err, "%sdns must be an object", where);
	if (opt_strv(v, "nameservers", "dns.", &dns->nameservers,
		     &dns->n_nameservers, err) < 0 ||
	    opt_string(v, "domain", "dns.", &dns->domain, err) < 0 ||
	    opt_strv(v, "search", "dns.", &dns->search, &dns->n_search, err) <
		    0 ||
	    opt_strv(v, "options", "dns.", &dns->options, &dns->n_options,
		     err) < 0)
		return -EINVAL;
	return 0;
}

/* "10.244.1.5/24": an address with its prefix, host bits kept. */
static int parse_ifaddr(const char *s, struct nfp_cidr *out)
{
	char buf[NFP_CIDR_STRLEN + 1];
	const char *slash = strchr(s, '/');
	struct nfp_cidr net;

	if (!slash || (size_t)(slash - s) >= sizeof(buf) ||
	    nfp_cidr_parse(s, &net) < 0)
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (nfp_addr_parse(buf, &out->addr) < 0)
		return -EINVAL;
	out->prefix = net.prefix;
	return 0;
}

static int opt_addr(json_t *obj, const char *key, const char *where,
		    struct nfp_addr *out, struct cni_error *err)
{
	char *s = NULL;
	int ret;

	if (opt_string(obj, key, where, &s, err) < 0)
		return -EINVAL;
	if (!s)
		return 0;
	ret = nfp_addr_parse(s, out);
	if (ret < 0)
		INVALID(err, "%s%s: \"%s\" is not an IP address", where, key,
			s);
	free(s);
	return ret;
}

static int decode_prev_ip(json_t *v, size_t i, struct cni_result *r,
			  struct cni_error *err)
{
	struct cni_ip ip = {.iface = -1};
	json_t *idx = json_object_get(v, "interface");
	char *s = NULL;

	if (!json_is_object(v))
		return INVALID(err, "prevResult.ips[%zu] must be an object", i);
	if (req_string(v, "address", "prevResult.ips[].", &s, err) < 0)
		return -EINVAL;
	if (parse_ifaddr(s, &ip.addr) < 0) {
		INVALID(err,
			"prevResult.ips[%zu].address: \"%s\" is not an address with a prefix",
			i, s);
		free(s);
		return -EINVAL;
	}
	free(s);
	if (opt_addr(v, "gateway", "prevResult.ips[].", &ip.gw, err) < 0)
		return -EINVAL;
	if (idx && !json_is_null(idx)) {
		if (!json_is_integer(idx) || json_integer_value(idx) < 0 ||
		    (size_t)json_integer_value(idx) >= r->n_ifaces)
			return INVALID(
				err,
				"prevResult.ips[%zu].interface must index interfaces",
				i);
		ip.iface = (int)json_integer_value(idx);
	}
	*XPUSH(r->ips, r->n_ips, r->cap_ips) = ip;
	return 0;
}

static int decode_prev_route(json_t *v, size_t i, struct cni_result *r,
			     struct cni_error *err)
{
	struct cni_route rt = {0};
	char *s = NULL;
	int ret;

	if (!json_is_object(v))
		return INVALID(err, "prevResult.routes[%zu] must be an object",
			       i);
	if (req_string(v, "dst", "prevResult.routes[].", &s, err) < 0)
		return -EINVAL;
	ret = nfp_cidr_parse(s, &rt.dst);
	if (ret < 0)
		INVALID(err, "prevResult.routes[%zu].dst: \"%s\" is not a CIDR",
			i, s);
	free(s);
	if (ret < 0 ||
	    opt_addr(v, "gw", "prevResult.routes[].", &rt.gw, err) < 0)
		return -EINVAL;
	*XPUSH(r->routes, r->n_routes, r->cap_routes) = rt;
	return 0;
}

/* The previous plugin's result (CHECK and DEL, or ADD in a chain). */
static int decode_prev_result(json_t *v, struct cni_result *r,
			      struct cni_error *err)
{
	json_t *arr, *item;
	size_t i;

	if (!json_is_object(v))
		return INVALID(err, "prevResult must be an object");
	arr = json_object_get(v, "interfaces");
	if (arr && !json_is_array(arr))
		return INVALID(err, "prevResult.interfaces must be a list");
	json_array_foreach (arr, i, item) {
		char *name = NULL, *mac = NULL, *sandbox = NULL;
		int ret = -EINVAL;

		if (!json_is_object(item))
			return INVALID(
				err,
				"prevResult.interfaces[%zu] must be an object",
				i);
		if (req_string(item, "name", "prevResult.interfaces[].", &name,
			       err) == 0 &&
		    opt_string(item, "mac", "prevResult.interfaces[].", &mac,
			       err) == 0 &&
		    opt_string(item, "sandbox", "prevResult.interfaces[].",
			       &sandbox, err) == 0) {
			cni_result_add_iface(r, name, mac, sandbox);
			ret = 0;
		}
		free(name);
		free(mac);
		free(sandbox);
		if (ret < 0)
			return ret;
	}
	arr = json_object_get(v, "ips");
	if (arr && !json_is_array(arr))
		return INVALID(err, "prevResult.ips must be a list");
	json_array_foreach (arr, i, item)
		if (decode_prev_ip(item, i, r, err) < 0)
			return -EINVAL;
	arr = json_object_get(v, "routes");
	if (arr && !json_is_array(arr))
		return INVALID(err, "prevResult.routes must be a list");
	json_array_foreach (arr, i, item)
		if (decode_prev_route(item, i, r, err) < 0)
			return -EINVAL;
	return decode_dns(v, "prevResult.", &r->dns, err);
}

static int decode_attachments(json_t *arr, const char *key,
			      struct cni_config *cfg, struct cni_error *err)
{
	json_t *item;
	size_t i;

	if (!json_is_array(arr))
		return INVALID(err, "%s must be a list", key);
	cfg->has_valid_attachments = true;
	json_array_foreach (arr, i, item) {
		struct cni_attachment *a;

		if (!json_is_object(item))
			return INVALID(err, "%s[%zu] must be an object", key,
				       i);
		a = XPUSH(cfg->valid, cfg->n_valid, cfg->cap_valid);
		if (req_string(item, "containerID", "valid-attachments[].",
			       &a->container_id, err) < 0 ||
		    opt_string(item, "ifname", "valid-attachments[].",
			       &a->ifname, err) < 0)
			return -EINVAL;
	}
	return 0;
}

int cni_config_add_subnet(struct cni_config *cfg, const struct nfp_cidr *cidr,
			  const struct nfp_addr *gw, struct cni_error *err)
{
	struct cni_subnet *sn = &cfg->subnets[cfg->n_subnets];
	struct nfp_addr first, last;
	char buf[NFP_CIDR_STRLEN], g[NFP_ADDR_STRLEN];

	nfp_cidr_str(cidr, buf);
	if (cfg->n_subnets == CNI_MAX_SUBNETS)
		return INVALID(err, "%s: at most %d subnets (one per family)",
			       buf, CNI_MAX_SUBNETS);
	for (size_t i = 0; i < cfg->n_subnets; i++)
		if (cfg->subnets[i].cidr.addr.family == cidr->addr.family)
			return INVALID(
				err,
				"%s: two subnets of the same family; give one per family",
				buf);
	if (!cni_ipam_range(cidr, &first, &last) || nfp_addr_eq(&first, &last))
		return INVALID(err, "%s is too small for a gateway and a pod",
			       buf);
	if (gw && (!nfp_cidr_contains(cidr, gw) ||
		   nfp_addr_cmp(gw, &first) < 0 || nfp_addr_cmp(gw, &last) > 0))
		return INVALID(err, "gateway %s is not a host address of %s",
			       nfp_addr_str(gw, g), buf);
	sn->cidr = *cidr;
	sn->gw = gw ? *gw : first;
	cfg->n_subnets++;
	return 0;
}

/* A subnet given as text, its gateway an address text or NULL. */
static int add_subnet_text(struct cni_config *cfg, const char *where,
			   const char *text, const char *gw_text,
			   struct cni_error *err)
{
	struct nfp_cidr cidr;
	struct nfp_addr gw;

	if (nfp_cidr_parse(text, &cidr) < 0 || !strchr(text, '/'))
		return INVALID(err,
			       "%s: \"%s\" is not a CIDR (like 10.244.1.0/24)",
			       where, text);
	if (gw_text && nfp_addr_parse(gw_text, &gw) < 0)
		return INVALID(err, "gateway: \"%s\" is not an IP address",
			       gw_text);
	if (!gw_text)
		return cni_config_add_subnet(
			cfg, &cidr, cni_config_gateway_for(cfg, &cidr), err);
	return cni_config_add_subnet(cfg, &cidr, &gw, err);
}

const struct nfp_addr *cni_config_gateway_for(const struct cni_config *cfg,
					      const struct nfp_cidr *cidr)
{
	if (cfg->gateway.family != cidr->addr.family)
		return NULL;
	return &cfg->gateway;
}

/* True if the gateway key ended up as some subnet's gateway. */
static bool gateway_used(const struct cni_config *cfg)
{
	for (size_t i = 0; i < cfg->n_subnets; i++)
		if (nfp_addr_eq(&cfg->subnets[i].gw, &cfg->gateway))
			return true;
	return false;
}

static int decode_subnet_list(json_t *list, struct cni_config *cfg,
			      struct cni_error *err)
{
	json_t *item;
	size_t i;

	if (!json_is_array(list) || !json_array_size(list))
		return INVALID(err, "subnets must be a non-empty list");
	json_array_foreach (list, i, item) {
		const char *text, *gw = NULL;

		if (json_is_string(item)) {
			text = json_string_value(item);
		} else if (json_is_object(item) &&
			   json_is_string(json_object_get(item, "subnet"))) {
			json_t *g = json_object_get(item, "gateway");

			text = json_string_value(
				json_object_get(item, "subnet"));
			if (g && !json_is_string(g))
				return INVALID(
					err,
					"subnets[%zu].gateway must be a string",
					i);
			gw = json_string_value(g);
		} else {
			return INVALID(
				err,
				"subnets[%zu] must be a CIDR string or {\"subnet\": .., \"gateway\": ..}",
				i);
		}
		if (add_subnet_text(cfg, "subnets", text, gw, err) < 0)
			return -EINVAL;
	}
	return 0;
}

static int decode_subnets(json_t *root, struct cni_config *cfg,
			  struct cni_error *err)
{
	json_t *one = json_object_get(root, "subnet");
	json_t *list = json_object_get(root, "subnets");
	char *gw = NULL;
	int ret;

	if (opt_string(root, "gateway", "", &gw, err) < 0)
		return -EINVAL;
	ret = gw ? nfp_addr_parse(gw, &cfg->gateway) : 0;
	if (ret < 0)
		INVALID(err, "gateway: \"%s\" is not an IP address", gw);
	else if (one && list)
		ret = INVALID(err, "give either subnet or subnets, not both");
	else if (list)
		ret = decode_subnet_list(list, cfg, err);
	else if (!one)
		ret = INVALID(
			err,
			"subnet is required (the node's podCIDR, like \"10.244.1.0/24\", or \"auto\")");
	else if (!json_is_string(one))
		ret = INVALID(err, "subnet must be a string");
	else if (!strcmp(json_string_value(one), "auto"))
		cfg->subnet_auto = true;
	else
		ret = add_subnet_text(cfg, "subnet", json_string_value(one),
				      NULL, err);
	if (ret == 0 && gw && !cfg->subnet_auto && !gateway_used(cfg))
		ret = INVALID(err, "gateway %s is in none of the subnets", gw);
	if (ret == 0 && cfg->subnet_auto && !cfg->kubeconfig)
		ret = INVALID(
			err,
			"subnet \"auto\" needs kubeconfig (a kubeconfig file to read the Node's podCIDRs with)");
	free(gw);
	return ret;
}

static int decode_version(json_t *root, struct cni_config *cfg,
			  struct cni_error *err)
{
	json_t *v = json_object_get(root, "cniVersion");

	if (v && !json_is_string(v))
		return INVALID(err, "cniVersion must be a string");
	if (!v || !cni_version_supported(json_string_value(v)))
		return cni_error_set(
			err, CNI_ERR_INCOMPATIBLE_VERSION,
			"cniVersion \"%s\" is not supported (supported: 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0)",
			v ? json_string_value(v) : "");
	cfg->version = xstrdup(json_string_value(v));
	return 0;
}

static int decode_plugin_keys(json_t *root, struct cni_config *cfg,
			      struct cni_error *err)
{
	json_t *v;

	if (opt_string(root, "bridge", "", &cfg->bridge, err) < 0 ||
	    opt_string(root, "dataDir", "", &cfg->data_dir, err) < 0 ||
	    opt_string(root, "kubeconfig", "", &cfg->kubeconfig, err) < 0 ||
	    opt_string(root, "nodeName", "", &cfg->node_name, err) < 0)
		return -EINVAL;
	if (!cni_ifname_valid(cfg->bridge))
		return INVALID(err,
			       "bridge \"%s\" is not a valid interface name",
			       cfg->bridge);
	if (cfg->data_dir[0] != '/')
		return INVALID(err, "dataDir \"%s\" must be an absolute path",
			       cfg->data_dir);
	v = json_object_get(root, "mtu");
	if (v && !json_is_null(v)) {
		if (!json_is_integer(v) ||
		    json_integer_value(v) < CNI_MIN_MTU ||
		    json_integer_value(v) > CNI_MAX_MTU)
			return INVALID(err,
				       "mtu must be an integer from %d to %d",
				       CNI_MIN_MTU, CNI_MAX_MTU);
		cfg->mtu = (unsigned int)json_integer_value(v);
	}
	v = json_object_get(root, "hairpinMode");
	if (v && !json_is_null(v)) {
		if (!json_is_boolean(v))
			return INVALID(err,
				       "hairpinMode must be true or false");
		cfg->hairpin = json_is_true(v);
	}
	return decode_subnets(root, cfg, err);
}

/* Keys that ask for something nfbridge does not do. */
static int reject_unsupported(json_t *root, struct cni_error *err)
{
	json_t *v = json_object_get(root, "ipam");

	if (v && !json_is_null(v))
		return cni_error_set(
			err, CNI_ERR_UNSUPPORTED_FIELD,
			"unsupported field \"ipam\": nfbridge allocates addresses itself; set \"subnet\" instead");
	v = json_object_get(root, "ipMasq");
	if (json_is_true(v))
		return cni_error_set(
			err, CNI_ERR_UNSUPPORTED_FIELD,
			"unsupported field \"ipMasq\": true (kube-nfproxy masquerades; remove the key)");
	return 0;
}

int cni_config_parse(const char *buf, size_t len, struct cni_config *cfg,
		     struct cni_error *err)
{
	json_error_t jerr;
	json_t *root, *v;
	int ret = -EINVAL;

	memset(cfg, 0, sizeof(*cfg));
	cfg->bridge = xstrdup(CNI_DEFAULT_BRIDGE);
	cfg->data_dir = xstrdup(CNI_DEFAULT_DATA_DIR);
	cfg->hairpin = true;
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return cni_error_set(
			err, CNI_ERR_DECODE,
			"network configuration is not JSON: %s (line %d, column %d)",
			jerr.text, jerr.line, jerr.column);
	if (!json_is_object(root)) {
		cni_error_set(err, CNI_ERR_DECODE,
			      "network configuration must be a JSON object");
		goto out;
	}
	if (decode_version(root, cfg, err) < 0 ||
	    req_string(root, "name", "", &cfg->name, err) < 0 ||
	    opt_string(root, "type", "", &cfg->type, err) < 0)
		goto out;
	if (!cni_config_name_valid(cfg->name)) {
		INVALID(err,
			"name \"%s\" must start with a letter or digit followed by letters, digits, '_', '.' or '-'",
			cfg->name);
		goto out;
	}
	if (reject_unsupported(root, err) < 0 ||
	    decode_plugin_keys(root, cfg, err) < 0 ||
	    decode_dns(root, "", &cfg->dns, err) < 0)
		goto out;
	v = json_object_get(root, "prevResult");
	if (v && !json_is_null(v)) {
		cfg->has_prev_result = true;
		if (decode_prev_result(v, &cfg->prev_result, err) < 0)
			goto out;
	}
	/* libcni sends both names: the spec's and an earlier spelling. */
	v = json_object_get(root, "cni.dev/valid-attachments");
	if (!v)
		v = json_object_get(root, "cni.dev/attachments");
	if (v &&
	    decode_attachments(v, "cni.dev/valid-attachments", cfg, err) < 0)
		goto out;
	ret = 0;
out:
	json_decref(root);
	return ret;
}

void cni_config_clear(struct cni_config *cfg)
{
	free(cfg->version);
	free(cfg->name);
	free(cfg->type);
	free(cfg->bridge);
	free(cfg->data_dir);
	free(cfg->kubeconfig);
	free(cfg->node_name);
	cni_dns_clear(&cfg->dns);
	cni_result_clear(&cfg->prev_result);
	for (size_t i = 0; i < cfg->n_valid; i++) {
		free(cfg->valid[i].container_id);
		free(cfg->valid[i].ifname);
	}
	free(cfg->valid);
	memset(cfg, 0, sizeof(*cfg));
}

char *cni_config_peek_version(const char *buf, size_t len)
{
	json_t *root = json_loadb(buf, len, 0, NULL);
	const char *v = json_string_value(json_object_get(root, "cniVersion"));
	char *out = cni_version_supported(v) ? xstrdup(v) : NULL;

	json_decref(root);
	return out;
}
