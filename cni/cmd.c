// SPDX-License-Identifier: GPL-2.0
/* The CNI commands: ADD, DEL, CHECK, STATUS, GC. */
#include "cni/cmd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni/ipam.h"
#include "cni/netlink.h"
#include "cni/netns.h"
#include "cni/podcidr.h"
#include "cni/version.h"
#include "util/xalloc.h"

#define VETH_PREFIX "nfb"
#define FNV64_OFFSET 0xcbf29ce484222325ULL
#define FNV64_PRIME 0x100000001b3ULL
/* 12 hex digits: "nfb" + 12 < IFNAMSIZ. */
#define VETH_HASH_MASK 0xffffffffffffULL
#define LOOPBACK "lo"
/* Bridge MACs are 0a:58 and four bytes of the gateway, as kubenet did:
 * stable across restarts, and the bridge keeps it when ports come and go. */
#define BRIDGE_MAC_0 0x0a
#define BRIDGE_MAC_1 0x58

const char *cni_veth_name(const char *id, const char *ifname, char *buf)
{
	uint64_t h = FNV64_OFFSET;
	const char *parts[] = {id, "/", ifname};

	for (size_t i = 0; i < 3; i++)
		for (const char *p = parts[i]; *p; p++)
			h = (h ^ (uint8_t)*p) * FNV64_PRIME;
	snprintf(buf, IFNAMSIZ, VETH_PREFIX "%012" PRIx64,
		 (uint64_t)(h & VETH_HASH_MASK));
	return buf;
}

/* The environment a command needs, checked before anything is touched. */
static int check_env(const struct cni_env *env, bool need_netns,
		     struct cni_error *err)
{
	if (!env->container_id || !*env->container_id)
		return cni_error_set(err, CNI_ERR_INVALID_ENV,
				     "CNI_CONTAINERID is required");
	if (!cni_config_name_valid(env->container_id))
		return cni_error_set(
			err, CNI_ERR_INVALID_ENV,
			"CNI_CONTAINERID \"%s\" must start with a letter or digit followed by letters, digits, '_', '.' or '-'",
			env->container_id);
	if (!env->ifname || !*env->ifname)
		return cni_error_set(err, CNI_ERR_INVALID_ENV,
				     "CNI_IFNAME is required");
	if (!cni_ifname_valid(env->ifname))
		return cni_error_set(
			err, CNI_ERR_INVALID_ENV,
			"CNI_IFNAME \"%s\" is not a valid interface name",
			env->ifname);
	if (need_netns && (!env->netns || !*env->netns))
		return cni_error_set(err, CNI_ERR_INVALID_ENV,
				     "CNI_NETNS is required");
	return 0;
}

/*
 * The subnets: given, or for "subnet": "auto" the Node's podCIDRs, read
 * now and added to cfg (with the gateway key of their family, if any).
 */
static int need_subnets(struct cni_config *cfg, struct cni_error *err)
{
	struct nfp_cidr cidrs[CNI_MAX_SUBNETS + 1];
	char *node;
	size_t n;
	int ret;

	if (!cfg->subnet_auto || cfg->n_subnets)
		return 0;
	node = cfg->node_name ? xstrdup(cfg->node_name)
			      : cni_podcidr_node_name();
	if (!node)
		return cni_error_set(
			err, CNI_ERR_INVALID_CONFIG,
			"subnet \"auto\": no nodeName and no host name");
	ret = cni_podcidr_fetch(cfg->kubeconfig, node, cidrs,
				CNI_MAX_SUBNETS + 1, &n, err);
	for (size_t i = 0; ret == 0 && i < n; i++)
		ret = cni_config_add_subnet(
			cfg, &cidrs[i], cni_config_gateway_for(cfg, &cidrs[i]),
			err);
	if (ret < 0 && err->code == CNI_ERR_INVALID_CONFIG && !err->details)
		cni_error_details(err, "podCIDRs of Node %s", node);
	free(node);
	return ret < 0 ? -EINVAL : 0;
}

/* Open CNI_NETNS; a missing namespace is CNI_ERR_UNKNOWN_CONTAINER. */
static int open_netns(const char *path, struct cni_error *err)
{
	int fd = cni_netns_open(path);

	if (fd == -ENOENT || fd == -ESRCH)
		cni_error_set(err, CNI_ERR_UNKNOWN_CONTAINER,
			      "network namespace %s does not exist", path);
	else if (fd == -EINVAL)
		cni_error_set(err, CNI_ERR_INVALID_ENV,
			      "CNI_NETNS %s is not a network namespace", path);
	else if (fd < 0)
		cni_error_set(err, CNI_ERR_IO,
			      "cannot open network namespace %s: %s", path,
			      strerror(-fd));
	return fd;
}

static int open_socket_cb(void *arg)
{
	return cni_nl_open(arg);
}

/* Node and pod sockets for one invocation. */
struct sockets {
	struct cni_nl host;
	struct cni_nl pod;
	int nsfd;
};

static int open_sockets(struct sockets *s, const char *netns,
			struct cni_error *err)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->nsfd = -1;
	ret = cni_nl_open(&s->host);
	if (ret < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "cannot open a netlink socket: %s",
				     strerror(-ret));
	s->nsfd = open_netns(netns, err);
	if (s->nsfd < 0)
		return -EINVAL;
	ret = cni_netns_run(s->nsfd, open_socket_cb, &s->pod);
	if (ret < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "cannot open a netlink socket in %s: %s",
				     netns, strerror(-ret));
	return 0;
}

static void close_sockets(struct sockets *s)
{
	cni_nl_close(&s->host);
	cni_nl_close(&s->pod);
	if (s->nsfd >= 0)
		close(s->nsfd);
	s->nsfd = -1;
}

static int open_pool(const struct cni_config *cfg, bool create,
		     struct cni_ipam *ipam, struct cni_error *err)
{
	int ret = cni_ipam_open(ipam, cfg->data_dir, cfg->name, create);

	if (ret < 0 && !(ret == -ENOENT && !create))
		cni_error_set(err, CNI_ERR_IO,
			      "cannot open the address pool %s/%s: %s",
			      cfg->data_dir, cfg->name, strerror(-ret));
	return ret;
}

/* Free what (id, ifname) holds; a pool that was never made holds nothing. */
static int release_addrs(const struct cni_config *cfg, const char *id,
			 const char *ifname, struct cni_error *err)
{
	struct cni_ipam ipam;
	int ret = open_pool(cfg, false, &ipam, err);

	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	ret = cni_ipam_release(&ipam, id, ifname);
	cni_ipam_close(&ipam);
	if (ret < 0)
		return cni_error_set(
			err, CNI_ERR_IO,
			"cannot release the addresses of %s/%s in %s/%s: %s",
			id, ifname, cfg->data_dir, cfg->name, strerror(-ret));
	return 0;
}

/* ADD's state, so that one path can undo what it made. */
struct add {
	const struct cni_env *env;
	const struct cni_config *cfg;
	struct sockets s;
	char veth[IFNAMSIZ];
	struct cni_link bridge, host, pod;
	struct nfp_addr addrs[CNI_MAX_SUBNETS]; /* one per cfg->subnets */
	size_t n_allocated; /* addrs[0..n) were reserved by this ADD */
	bool veth_made;
};

static int kernel_error(struct cni_error *err, int ret, const char *what,
			const char *name)
{
	return cni_error_set(err, CNI_ERR_INTERNAL, "cannot %s %s: %s", what,
			     name, strerror(-ret));
}

static void bridge_mac(const struct cni_config *cfg, uint8_t *mac)
{
	const struct nfp_addr *gw = &cfg->subnets[0].gw;

	/* The IPv4 gateway if there is one, else the IPv6 one's last bytes. */
	for (size_t i = 0; i < cfg->n_subnets; i++)
		if (cfg->subnets[i].gw.family == AF_INET)
			gw = &cfg->subnets[i].gw;
	mac[0] = BRIDGE_MAC_0;
	mac[1] = BRIDGE_MAC_1;
	memcpy(mac + 2, gw->b + nfp_addr_len(gw->family) - 4, 4);
}

/* The bridge, up, with every gateway address; made if missing. */
static int ensure_bridge(struct add *a, struct cni_error *err)
{
	const struct cni_config *cfg = a->cfg;
	uint8_t mac[CNI_MAC_LEN];
	int ret;

	ret = cni_nl_link_get(&a->s.host, cfg->bridge, &a->bridge);
	if (ret == -ENODEV) {
		bridge_mac(cfg, mac);
		ret = cni_nl_bridge_add(&a->s.host, cfg->bridge, cfg->mtu, mac);
		/* -EEXIST: a concurrent ADD made it first. */
		if (ret < 0 && ret != -EEXIST)
			return kernel_error(err, ret, "create bridge",
					    cfg->bridge);
		ret = cni_nl_link_get(&a->s.host, cfg->bridge, &a->bridge);
	}
	if (ret < 0)
		return kernel_error(err, ret, "look up bridge", cfg->bridge);
	if (strcmp(a->bridge.kind, "bridge") != 0)
		return cni_error_set(
			err, CNI_ERR_INVALID_CONFIG,
			"interface %s exists and is not a bridge (kind \"%s\")",
			cfg->bridge, a->bridge.kind);
	for (size_t i = 0; i < cfg->n_subnets; i++) {
		struct nfp_cidr gw = {.addr = cfg->subnets[i].gw,
				      .prefix = cfg->subnets[i].cidr.prefix};

		ret = cni_nl_addr_add(&a->s.host, a->bridge.index, &gw);
		if (ret < 0 && ret != -EEXIST)
			return kernel_error(err, ret,
					    "add the gateway address to bridge",
					    cfg->bridge);
	}
	if (!(a->bridge.flags & IFF_UP)) {
		ret = cni_nl_link_set_up(&a->s.host, a->bridge.index);
		if (ret < 0)
			return kernel_error(err, ret, "set up bridge",
					    cfg->bridge);
	}
	return 0;
}

/* Give back exactly what this ADD reserved; an earlier ADD's stays. */
static void unreserve(struct add *a, struct cni_ipam *ipam)
{
	for (size_t i = 0; i < a->n_allocated; i++)
		cni_ipam_free(ipam, &a->addrs[i], a->env->container_id,
			      a->env->ifname);
	a->n_allocated = 0;
}

static int allocate(struct add *a, struct cni_error *err)
{
	const struct cni_config *cfg = a->cfg;
	char buf[NFP_ADDR_STRLEN], net[NFP_CIDR_STRLEN];
	struct cni_ipam ipam;
	int ret = 0;

	if (open_pool(cfg, true, &ipam, err) < 0)
		return -EINVAL;
	for (size_t i = 0; i < cfg->n_subnets && ret == 0; i++) {
		const struct cni_subnet *sn = &cfg->subnets[i];

		ret = cni_ipam_alloc(&ipam, (unsigned int)i, &sn->cidr, &sn->gw,
				     a->env->container_id, a->env->ifname,
				     &a->addrs[i]);
		if (ret == 0) {
			a->n_allocated++;
			continue;
		}
		nfp_cidr_str(&sn->cidr, net);
		if (ret == -ENOSPC)
			cni_error_set(
				err, CNI_ERR_NO_ADDRESS,
				"no free address in %s (network %s, pool %s/%s)",
				net, cfg->name, cfg->data_dir, cfg->name);
		else if (ret == -EEXIST)
			cni_error_set(
				err, CNI_ERR_INTERNAL,
				"container %s interface %s already holds %s in %s: DEL it first",
				a->env->container_id, a->env->ifname,
				nfp_addr_str(&a->addrs[i], buf), net);
		else
			cni_error_set(
				err, CNI_ERR_IO,
				"cannot reserve an address of %s in %s/%s: %s",
				net, cfg->data_dir, cfg->name, strerror(-ret));
		unreserve(a, &ipam);
	}
	cni_ipam_close(&ipam);
	return ret < 0 ? -EINVAL : 0;
}

/* The veth pair, its node end a port of the bridge, up. */
static int make_veth(struct add *a, struct cni_error *err)
{
	const char *ifname = a->env->ifname;
	struct cni_link l;
	int ret;

	if (cni_nl_link_get(&a->s.pod, ifname, &l) == 0)
		return cni_error_set(err, CNI_ERR_INVALID_ENV,
				     "interface %s already exists in %s",
				     ifname, a->env->netns);
	if (cni_nl_link_get(&a->s.host, a->veth, &l) == 0)
		return cni_error_set(
			err, CNI_ERR_INTERNAL,
			"interface %s (of container %s, %s) already exists on the node: DEL it first",
			a->veth, a->env->container_id, ifname);
	ret = cni_nl_veth_add(&a->s.host, a->veth, ifname, a->s.nsfd,
			      a->cfg->mtu);
	if (ret < 0)
		return kernel_error(err, ret, "create veth pair", a->veth);
	a->veth_made = true;
	ret = cni_nl_link_get(&a->s.host, a->veth, &a->host);
	if (ret < 0)
		return kernel_error(err, ret, "look up", a->veth);
	ret = cni_nl_link_set_master(&a->s.host, a->host.index,
				     a->bridge.index);
	if (ret < 0)
		return kernel_error(err, ret, "attach to the bridge", a->veth);
	if (a->cfg->hairpin) {
		ret = cni_nl_brport_set_hairpin(&a->s.host, a->host.index,
						true);
		if (ret < 0)
			return kernel_error(err, ret, "set hairpin mode on",
					    a->veth);
	}
	ret = cni_nl_link_set_up(&a->s.host, a->host.index);
	if (ret < 0)
		return kernel_error(err, ret, "set up", a->veth);
	return 0;
}

static struct nfp_cidr default_route(int family)
{
	struct nfp_cidr dst = {.addr = {.family = family}, .prefix = 0};

	return dst;
}

/* Inside the pod: addresses, link up, lo up, default routes. */
static int setup_pod(struct add *a, struct cni_error *err)
{
	const struct cni_config *cfg = a->cfg;
	const char *ifname = a->env->ifname;
	struct cni_link lo;
	int ret;

	ret = cni_nl_link_get(&a->s.pod, ifname, &a->pod);
	if (ret < 0)
		return kernel_error(err, ret, "look up the pod's", ifname);
	for (size_t i = 0; i < cfg->n_subnets; i++) {
		struct nfp_cidr addr = {.addr = a->addrs[i],
					.prefix = cfg->subnets[i].cidr.prefix};

		ret = cni_nl_addr_add(&a->s.pod, a->pod.index, &addr);
		if (ret < 0)
			return kernel_error(err, ret, "add an address to",
					    ifname);
	}
	ret = cni_nl_link_set_up(&a->s.pod, a->pod.index);
	if (ret < 0)
		return kernel_error(err, ret, "set up the pod's", ifname);
	ret = cni_nl_link_get(&a->s.pod, LOOPBACK, &lo);
	if (ret == 0 && !(lo.flags & IFF_UP))
		ret = cni_nl_link_set_up(&a->s.pod, lo.index);
	if (ret < 0)
		return kernel_error(err, ret, "set up the pod's", LOOPBACK);
	for (size_t i = 0; i < cfg->n_subnets; i++) {
		struct nfp_cidr dst = default_route(cfg->subnets[i].gw.family);

		ret = cni_nl_route_add(&a->s.pod, a->pod.index, &dst,
				       &cfg->subnets[i].gw);
		if (ret < 0)
			return kernel_error(
				err, ret,
				"add the default route via the bridge to",
				ifname);
	}
	return 0;
}

static void add_mac_iface(struct cni_result *r, const char *name,
			  const struct cni_link *l, const char *sandbox)
{
	char mac[CNI_MAC_STRLEN];

	cni_result_add_iface(
		r, name, l->has_mac ? cni_mac_str(l->mac, mac) : NULL, sandbox);
}

/* prevResult (if any) followed by the bridge, the veth's node end, the
 * pod's interface and its addresses and routes. */
static char *add_result(const struct add *a)
{
	const struct cni_config *cfg = a->cfg;
	struct cni_result r = {0}, mine = {0};
	char *text;
	int pod;

	add_mac_iface(&mine, cfg->bridge, &a->bridge, NULL);
	add_mac_iface(&mine, a->veth, &a->host, NULL);
	add_mac_iface(&mine, a->env->ifname, &a->pod, a->env->netns);
	pod = (int)mine.n_ifaces - 1;
	for (size_t i = 0; i < cfg->n_subnets; i++) {
		struct cni_ip *ip = XPUSH(mine.ips, mine.n_ips, mine.cap_ips);
		struct cni_route *rt =
			XPUSH(mine.routes, mine.n_routes, mine.cap_routes);

		ip->addr.addr = a->addrs[i];
		ip->addr.prefix = cfg->subnets[i].cidr.prefix;
		ip->gw = cfg->subnets[i].gw;
		ip->iface = pod;
		rt->dst = default_route(cfg->subnets[i].gw.family);
		rt->gw = cfg->subnets[i].gw;
	}
	cni_dns_copy(&mine.dns, &cfg->dns);
	cni_result_append(&r, &cfg->prev_result);
	/* Our DNS block wins over the previous plugin's when we have one. */
	if (!cni_dns_empty(&mine.dns))
		cni_dns_clear(&r.dns);
	cni_result_append(&r, &mine);
	text = cni_result_json(&r, cfg->version);
	cni_result_clear(&mine);
	cni_result_clear(&r);
	return text;
}

static void add_undo(struct add *a)
{
	struct cni_link l;
	struct cni_ipam ipam;

	/* Deleting the node end deletes the pod end with it. */
	if (a->veth_made && a->host.index)
		cni_nl_link_del(&a->s.host, a->host.index);
	else if (a->veth_made && cni_nl_link_get(&a->s.host, a->veth, &l) == 0)
		cni_nl_link_del(&a->s.host, l.index);
	if (a->n_allocated &&
	    cni_ipam_open(&ipam, a->cfg->data_dir, a->cfg->name, false) == 0) {
		unreserve(a, &ipam);
		cni_ipam_close(&ipam);
	}
}

static int cmd_add(const struct cni_env *env, struct cni_config *cfg,
		   char **out, struct cni_error *err)
{
	struct add a = {.env = env, .cfg = cfg};
	int ret;

	if (check_env(env, true, err) < 0 || need_subnets(cfg, err) < 0)
		return -EINVAL;
	cni_veth_name(env->container_id, env->ifname, a.veth);
	ret = open_sockets(&a.s, env->netns, err);
	if (ret == 0)
		ret = ensure_bridge(&a, err);
	if (ret == 0)
		ret = allocate(&a, err);
	if (ret == 0)
		ret = make_veth(&a, err);
	if (ret == 0)
		ret = setup_pod(&a, err);
	if (ret == 0) {
		ret = cni_nl_link_get(&a.s.pod, env->ifname, &a.pod);
		if (ret < 0)
			kernel_error(err, ret, "look up the pod's",
				     env->ifname);
	}
	if (ret < 0)
		add_undo(&a);
	else
		*out = add_result(&a);
	close_sockets(&a.s);
	return ret < 0 ? -EINVAL : 0;
}

/* The pod's interface, if it is still there and is our veth. */
static void del_pod_link(const struct cni_env *env)
{
	struct cni_error ignored = {0};
	struct sockets s;
	struct cni_link l;

	if (open_sockets(&s, env->netns, &ignored) == 0 &&
	    cni_nl_link_get(&s.pod, env->ifname, &l) == 0 &&
	    strcmp(l.kind, "veth") == 0)
		cni_nl_link_del(&s.pod, l.index);
	close_sockets(&s);
	cni_error_clear(&ignored);
}

static int cmd_del(const struct cni_env *env, struct cni_config *cfg,
		   char **out, struct cni_error *err)
{
	char veth[IFNAMSIZ];
	struct cni_nl host = {0};
	struct cni_link l;
	int ret;

	(void)out;
	if (check_env(env, false, err) < 0)
		return -EINVAL;
	/* A namespace that is gone took the pod's end of the veth with it. */
	if (env->netns && *env->netns)
		del_pod_link(env);
	/* Normally gone with its peer; a half-made pair is removed here. */
	cni_veth_name(env->container_id, env->ifname, veth);
	ret = cni_nl_open(&host);
	if (ret < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "cannot open a netlink socket: %s",
				     strerror(-ret));
	if (cni_nl_link_get(&host, veth, &l) == 0 &&
	    strcmp(l.kind, "veth") == 0) {
		ret = cni_nl_link_del(&host, l.index);
		if (ret < 0 && ret != -ENODEV) {
			cni_nl_close(&host);
			return kernel_error(err, ret, "delete", veth);
		}
	}
	cni_nl_close(&host);
	return release_addrs(cfg, env->container_id, env->ifname, err);
}

static int check_addrs(const struct cni_env *env, const struct cni_config *cfg,
		       struct nfp_addr *addrs, struct cni_error *err)
{
	struct nfp_addr *held;
	struct cni_ipam ipam;
	size_t n;
	int ret;

	ret = open_pool(cfg, false, &ipam, err);
	if (ret == -ENOENT)
		return cni_error_set(
			err, CNI_ERR_INTERNAL,
			"no address pool %s/%s: container %s was not added",
			cfg->data_dir, cfg->name, env->container_id);
	if (ret < 0)
		return ret;
	ret = cni_ipam_find(&ipam, env->container_id, env->ifname, &held, &n);
	cni_ipam_close(&ipam);
	if (ret < 0)
		return cni_error_set(err, CNI_ERR_IO,
				     "cannot read the address pool %s/%s: %s",
				     cfg->data_dir, cfg->name, strerror(-ret));
	for (size_t i = 0; i < cfg->n_subnets; i++) {
		char net[NFP_CIDR_STRLEN];
		bool found = false;

		for (size_t j = 0; j < n && !found; j++)
			if (nfp_cidr_contains(&cfg->subnets[i].cidr,
					      &held[j])) {
				addrs[i] = held[j];
				found = true;
			}
		if (!found) {
			free(held);
			return cni_error_set(
				err, CNI_ERR_INTERNAL,
				"container %s interface %s holds no address of %s",
				env->container_id, env->ifname,
				nfp_cidr_str(&cfg->subnets[i].cidr, net));
		}
	}
	free(held);
	return 0;
}

/* Every address prevResult gives the pod's interface must be ours. */
static int check_prev_result(const struct cni_env *env,
			     const struct cni_config *cfg,
			     const struct nfp_addr *addrs,
			     struct cni_error *err)
{
	const struct cni_result *r = &cfg->prev_result;
	char buf[NFP_CIDR_STRLEN];

	for (size_t i = 0; i < r->n_ips; i++) {
		const struct cni_ip *ip = &r->ips[i];
		bool ours = false;

		if (ip->iface < 0 || !r->ifaces[ip->iface].sandbox ||
		    strcmp(r->ifaces[ip->iface].name, env->ifname) != 0)
			continue;
		for (size_t j = 0; j < cfg->n_subnets; j++)
			if (nfp_addr_eq(&ip->addr.addr, &addrs[j]) &&
			    ip->addr.prefix == cfg->subnets[j].cidr.prefix)
				ours = true;
		if (!ours)
			return cni_error_set(
				err, CNI_ERR_INTERNAL,
				"prevResult gives %s address %s, which is not the address allocated to it",
				env->ifname, nfp_cidr_str(&ip->addr, buf));
	}
	return 0;
}

static int check_links(const struct cni_env *env, const struct cni_config *cfg,
		       struct sockets *s, const struct nfp_addr *addrs,
		       struct cni_error *err)
{
	struct cni_link pod, host, bridge;
	char veth[IFNAMSIZ], buf[NFP_CIDR_STRLEN];

	if (cni_nl_link_get(&s->pod, env->ifname, &pod) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "interface %s is missing in %s",
				     env->ifname, env->netns);
	if (!(pod.flags & IFF_UP))
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "interface %s in %s is down", env->ifname,
				     env->netns);
	for (size_t i = 0; i < cfg->n_subnets; i++) {
		struct nfp_cidr addr = {.addr = addrs[i],
					.prefix = cfg->subnets[i].cidr.prefix};
		struct nfp_cidr dst = default_route(cfg->subnets[i].gw.family);

		if (cni_nl_addr_has(&s->pod, pod.index, &addr) != 1)
			return cni_error_set(
				err, CNI_ERR_INTERNAL,
				"interface %s in %s lacks address %s",
				env->ifname, env->netns,
				nfp_cidr_str(&addr, buf));
		if (cni_nl_route_has(&s->pod, pod.index, &dst,
				     &cfg->subnets[i].gw) != 1)
			return cni_error_set(
				err, CNI_ERR_INTERNAL,
				"%s lacks the default route via %s", env->netns,
				nfp_addr_str(&cfg->subnets[i].gw, buf));
	}
	cni_veth_name(env->container_id, env->ifname, veth);
	if (cni_nl_link_get(&s->host, cfg->bridge, &bridge) < 0 ||
	    cni_nl_link_get(&s->host, veth, &host) < 0 ||
	    host.master != bridge.index)
		return cni_error_set(
			err, CNI_ERR_INTERNAL,
			"node interface %s is missing or not a port of bridge %s",
			veth, cfg->bridge);
	return 0;
}

static int cmd_check(const struct cni_env *env, struct cni_config *cfg,
		     char **out, struct cni_error *err)
{
	struct nfp_addr addrs[CNI_MAX_SUBNETS];
	struct sockets s;
	int ret;

	(void)out;
	if (check_env(env, true, err) < 0 || need_subnets(cfg, err) < 0)
		return -EINVAL;
	/* First the namespace: a missing one is "container unknown". */
	ret = open_sockets(&s, env->netns, err);
	if (ret == 0)
		ret = check_addrs(env, cfg, addrs, err);
	if (ret == 0)
		ret = check_prev_result(env, cfg, addrs, err);
	if (ret == 0)
		ret = check_links(env, cfg, &s, addrs, err);
	close_sockets(&s);
	return ret < 0 ? -EINVAL : 0;
}

static int cmd_status(const struct cni_env *env, struct cni_config *cfg,
		      char **out, struct cni_error *err)
{
	int ret;

	(void)env;
	(void)out;
	/* ADD would fail without the Node's podCIDRs: not ready yet. */
	if (need_subnets(cfg, err) < 0) {
		err->code = CNI_ERR_NOT_AVAILABLE;
		return -EINVAL;
	}
	ret = cni_ipam_writable(cfg->data_dir, cfg->name);
	if (ret < 0)
		return cni_error_set(err, CNI_ERR_NOT_AVAILABLE,
				     "address pool %s/%s is not writable: %s",
				     cfg->data_dir, cfg->name, strerror(-ret));
	return 0;
}

static int cmd_gc(const struct cni_env *env, struct cni_config *cfg, char **out,
		  struct cni_error *err)
{
	struct cni_ipam ipam;
	int ret;

	(void)env;
	(void)out;
	if (!cfg->has_valid_attachments)
		return cni_error_set(
			err, CNI_ERR_INVALID_CONFIG,
			"GC needs cni.dev/valid-attachments (an empty list frees every address)");
	ret = open_pool(cfg, false, &ipam, err);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	ret = cni_ipam_gc(&ipam, cfg->valid, cfg->n_valid);
	cni_ipam_close(&ipam);
	if (ret < 0)
		return cni_error_set(err, CNI_ERR_IO,
				     "cannot free stale addresses in %s/%s: %s",
				     cfg->data_dir, cfg->name, strerror(-ret));
	return 0;
}

static const struct cni_cmd cni_cmds[] = {
	{"ADD", cmd_add, "0.3.0"},     {"DEL", cmd_del, "0.3.0"},
	{"CHECK", cmd_check, "0.4.0"}, {"STATUS", cmd_status, "1.1.0"},
	{"GC", cmd_gc, "1.1.0"},
};

const struct cni_cmd *cni_cmd_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(cni_cmds) / sizeof(cni_cmds[0]); i++)
		if (strcmp(cni_cmds[i].name, name) == 0)
			return &cni_cmds[i];
	return NULL;
}
