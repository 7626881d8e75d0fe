// SPDX-License-Identifier: GPL-2.0
#include "testutil.h"

#include <errno.h>

#include "util/xalloc.h"
#include "watch/decode.h"
#include "watch/decode_json.h"

/*
 * JSON in C string literals is unreadable with \" everywhere: the tests
 * write ' and decode() turns every ' into " first (no test needs a real ').
 */
static int decode(const char *text, struct k8s_cluster *c, struct diag_list *d)
{
	char *buf = xstrdup(text);
	int rc;

	for (char *p = buf; *p; p++)
		if (*p == '\'')
			*p = '"';
	rc = k8s_decode_stream(buf, strlen(buf), c, d);
	free(buf);
	return rc;
}

static void dump_diags(const struct diag_list *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "  diag[%zu] %d: %s\n", i, d->items[i].level,
			d->items[i].msg);
}

/* Exactly one diagnostic, of this level and text. */
static void assert_one_diag(const struct diag_list *d, enum diag_level level,
			    const char *msg)
{
	if (d->n != 1 || d->items[0].level != level ||
	    strcmp(d->items[0].msg, msg) != 0) {
		dump_diags(d);
		ck_abort_msg("want one diag (%d) \"%s\"", level, msg);
	}
}

static void assert_no_diag(const struct diag_list *d)
{
	if (d->n) {
		dump_diags(d);
		ck_abort_msg("want no diagnostics, got %zu", d->n);
	}
}

static void assert_addr(const struct nfp_addr *a, const char *want)
{
	char buf[NFP_ADDR_STRLEN];

	ck_assert_str_eq(nfp_addr_str(a, buf), want);
}

static void assert_cidr(const struct nfp_cidr *c, const char *want)
{
	char buf[NFP_CIDR_STRLEN];

	ck_assert_str_eq(nfp_cidr_str(c, buf), want);
}

static const struct k8s_service *find_service(const struct k8s_cluster *c,
					      const char *ns, const char *name)
{
	for (size_t i = 0; i < c->n_services; i++)
		if (!strcmp(c->services[i].meta.ns, ns) &&
		    !strcmp(c->services[i].meta.name, name))
			return &c->services[i];
	ck_abort_msg("no service %s/%s", ns, name);
	return NULL;
}

static const struct k8s_endpointslice *find_slice(const struct k8s_cluster *c,
						  const char *name)
{
	for (size_t i = 0; i < c->n_slices; i++)
		if (!strcmp(c->slices[i].meta.name, name))
			return &c->slices[i];
	ck_abort_msg("no slice %s", name);
	return NULL;
}

/* A service with everything kube-proxy reads. */
START_TEST(test_service_full)
{
	struct k8s_cluster c = {0};
	struct diag_list d = {0};
	const struct k8s_service *s;

	ck_assert_int_eq(
		decode("{'kind':'Service','apiVersion':'v1','metadata':{"
		       "'name':'lb','namespace':'prod','uid':'u-1',"
		       "'resourceVersion':'42','labels':{'app':'lb','tier':''},"
		       "'annotations':{'x':'y'},"
		       "'deletionTimestamp':'2024-05-20T14:02:55Z'},"
		       "'spec':{'type':'LoadBalancer','clusterIP':'10.96.0.2',"
		       "'clusterIPs':['10.96.0.2','fd00:10:96::2'],"
		       "'ports':[{'name':'http','protocol':'TCP','port':80,"
		       "'targetPort':8080,'nodePort':30080},"
		       "{'name':'dns','protocol':'UDP','port':53,'nodePort':30053},"
		       "{'name':'s','protocol':'SCTP','port':9999}],"
		       "'externalIPs':['198.51.100.20','2001:db8::20'],"
		       "'loadBalancerSourceRanges':[' 198.51.100.0/24 ','10.1.2.3/8'],"
		       "'externalTrafficPolicy':'Local',"
		       "'internalTrafficPolicy':'Local',"
		       "'healthCheckNodePort':31000,'sessionAffinity':'ClientIP',"
		       "'sessionAffinityConfig':{'clientIP':{'timeoutSeconds':600}},"
		       "'unknownField':{'deep':[1,2,3]}},"
		       "'status':{'loadBalancer':{'ingress':["
		       "{'ip':'203.0.113.10','ipMode':'VIP'},"
		       "{'ip':'203.0.113.11','ipMode':'Proxy'},"
		       "{'hostname':'lb.example.com'},"
		       "{'ip':'203.0.113.12'}]}}}",
		       &c, &d),
		0);
	assert_no_diag(&d);
	ck_assert_uint_eq(c.n_services, 1);
	s = &c.services[0];
	ck_assert_str_eq(s->meta.ns, "prod");
	ck_assert_str_eq(s->meta.name, "lb");
	ck_assert_str_eq(s->meta.uid, "u-1");
	ck_assert_str_eq(s->meta.resource_version, "42");
	ck_assert(s->meta.deleting);
	ck_assert_uint_eq(s->meta.n_labels, 2);
	ck_assert_str_eq(k8s_meta_label(&s->meta, "app"), "lb");
	ck_assert_str_eq(k8s_meta_label(&s->meta, "tier"), "");
	ck_assert_ptr_null(k8s_meta_label(&s->meta, "x"));
	ck_assert_int_eq(s->type, K8S_SVC_LOAD_BALANCER);
	ck_assert(!s->headless);
	ck_assert_uint_eq(s->n_cluster_ips, 2);
	assert_addr(&s->cluster_ips[0], "10.96.0.2");
	assert_addr(&s->cluster_ips[1], "fd00:10:96::2");
	ck_assert_uint_eq(s->n_ports, 3);
	ck_assert_str_eq(s->ports[0].name, "http");
	ck_assert_int_eq(s->ports[0].proto, NFP_PROTO_TCP);
	ck_assert_uint_eq(s->ports[0].port, 80);
	ck_assert_uint_eq(s->ports[0].node_port, 30080);
	ck_assert_int_eq(s->ports[1].proto, NFP_PROTO_UDP);
	ck_assert_uint_eq(s->ports[1].node_port, 30053);
	ck_assert_int_eq(s->ports[2].proto, NFP_PROTO_SCTP);
	ck_assert_uint_eq(s->ports[2].port, 9999);
	ck_assert_uint_eq(s->ports[2].node_port, 0);
	ck_assert_uint_eq(s->n_external_ips, 2);
	assert_addr(&s->external_ips[1], "2001:db8::20");
	/* Proxy-mode and hostname-only ingress entries are left out. */
	ck_assert_uint_eq(s->n_lb_ips, 2);
	assert_addr(&s->lb_ips[0], "203.0.113.10");
	assert_addr(&s->lb_ips[1], "203.0.113.12");
	ck_assert_uint_eq(s->n_lb_source_ranges, 2);
	assert_cidr(&s->lb_source_ranges[0], "198.51.100.0/24");
	assert_cidr(&s->lb_source_ranges[1], "10.0.0.0/8");
	ck_assert(s->external_policy_local);
	ck_assert(s->internal_policy_local);
	ck_assert_uint_eq(s->health_check_node_port, 31000);
	ck_assert(s->affinity_client_ip);
	ck_assert_uint_eq(s->affinity_timeout, 600);
	k8s_cluster_clear(&c);
	ck_assert_uint_eq(c.n_services, 0);
	ck_assert_ptr_null(c.services);
	diag_list_free(&d);
}
END_TEST

START_TEST(test_service_defaults)
{
	struct k8s_cluster c = {0};
	struct diag_list d = {0};
	const struct k8s_service *s;

	ck_assert_int_eq(
		decode("{'kind':'Service','apiVersion':'v1','metadata':{"
		       "'name':'min'},'spec':{'clusterIP':'10.96.0.3',"
		       "'ports':[{'port':80}]}}"
		       "{'kind':'Service','metadata':{'name':'aff',"
		       "'namespace':'default'},'spec':{'clusterIP':'10.96.0.4',"
		       "'sessionAffinity':'ClientIP','type':'NodePort',"
		       "'externalTrafficPolicy':'Cluster','ports':[{'port':81,"
		       "'protocol':'','name':null}]}}",
		       &c, &d),
		0);
	assert_no_diag(&d);
	ck_assert_uint_eq(c.n_services, 2);
	s = &c.services[0];
	/* A namespaced object without a namespace is in "default". */
	ck_assert_str_eq(s->meta.ns, "default");
	ck_assert_str_eq(s->meta.uid, "");
	ck_assert_str_eq(s->meta.resource_version, "");
	ck_assert(!s->meta.deleting);
	ck_assert_uint_eq(s->meta.n_labels, 0);
	ck_assert_int_eq(s->type, K8S_SVC_CLUSTER_IP);
	ck_assert_uint_eq(s->n_cluster_ips, 1);
	ck_assert_str_eq(s->ports[0].name, "");
	ck_assert_int_eq(s->ports[0].proto, NFP_PROTO_TCP);
	ck_assert_uint_eq(s->ports[0].node_port, 0);
	ck_assert(!s->external_policy_local);
	ck_assert(!s->internal_policy_local);
	ck_assert(!s->affinity_client_ip);
	ck_assert_uint_eq(s->affinity_timeout, 0);
	s = &c.services[1];
	ck_assert_int_eq(s->type, K8S_SVC_NODE_PORT);
	ck_assert(!s->external_policy_local);
	ck_assert_str_eq(s->ports[0].name, "");
	ck_assert_int_eq(s->ports[0].proto, NFP_PROTO_TCP);
	ck_assert(s->affinity_client_ip);
	ck_assert_uint_eq(s->affinity_timeout, K8S_DEFAULT_AFFINITY_TIMEOUT);
	k8s_cluster_clear(&c);
	diag_list_free(&d);
}
END_TEST

START_TEST(test_service_cluster_ips)
{
	struct k8s_cluster c = {0};
	struct diag_list d = {0};

	ck_assert_int_eq(
		decode("{'kind':'List','apiVersion':'v1','items':["
		       /* clusterIPs wins over clusterIP */
		       "{'kind':'Service','apiVersion':'v1','metadata':{'name':'a'},"
		       "'spec':{'clusterIP':'10.96.0.1','clusterIPs':['10.96.0.9']}},"
		       /* clusterIP alone, and an empty clusterIPs */
		       "{'kind':'Service','apiVersion':'v1','metadata':{'name':'b'},"
		       "'spec':{'clusterIP':'10.96.0.2','clusterIPs':[]}},"
		       "{'kind':'Service','apiVersion':'v1','metadata':{'name':'c'},"
		       "'spec':{'clusterIP':'None','clusterIPs':['None']}},"
		       "{'kind':'Service','apiVersion':'v1','metadata':{'name':'d'},"
		       "'spec':{'clusterIP':''}},"
		       "{'kind':'Service','apiVersion':'v1','metadata':{'name':'e'},"
		       "'spec':{'type':'ExternalName','externalName':'x.example'}},"
		       "{'kind':'Service','apiVersion':'v1','metadata':{'name':'f'},"
		       "'spec':{'clusterIP':'fd00::1','clusterIPs':['fd00::1',"
		       "'10.96.0.5']}}]}",
		       &c, &d),
		0);
	assert_no_diag(&d);
	ck_assert_uint_eq(c.n_services, 6);
	ck_assert_uint_eq(c.services[0].n_cluster_ips, 1);
	assert_addr(&c.services[0].cluster_ips[0], "10.96.0.9");
	ck_assert_uint_eq(c.services[1].n_cluster_ips, 1);
	assert_addr(&c.services[1].cluster_ips[0], "10.96.0.2");
	for (int i = 0; i < 2; i++)
		ck_assert(!c.services[i].headless);
	for (int i = 2; i < 5; i++) {
		ck_assert(c.services[i].headless);
		ck_assert_uint_eq(c.services[i].n_cluster_ips, 0);
	}
	ck_assert_int_eq(c.services[4].type, K8S_SVC_EXTERNAL_NAME);
	ck_assert_uint_eq(c.services[5].n_cluster_ips, 2);
	assert_addr(&c.services[5].cluster_ips[0], "fd00::1");
	assert_addr(&c.services[5].cluster_ips[1], "10.96.0.5");
	k8s_cluster_clear(&c);
	diag_list_free(&d);
}
END_TEST

START_TEST(test_slice)
{
	struct k8s_cluster c = {0};
	struct diag_list d = {0};
	const struct k8s_endpointslice *s;
	const struct k8s_endpoint *e;

	ck_assert_int_eq(
		decode("{'kind':'EndpointSlice','apiVersion':'discovery.k8s.io/v1',"
		       "'metadata':{'name':'web-abc','namespace':'default',"
		       "'labels':{'kubernetes.io/service-name':'web'}},"
		       "'addressType':'IPv4','endpoints':["
		       "{'addresses':['10.244.0.10','10.244.0.99'],"
		       "'nodeName':'node-a','zone':'zone-a',"
		       "'hints':{'forZones':[{'name':'zone-a'},{'name':'zone-b'}]},"
		       "'targetRef':{'kind':'Pod','name':'web-1'}},"
		       "{'addresses':['10.244.1.10'],'conditions':{'ready':false}},"
		       "{'addresses':['10.244.1.11'],'conditions':{'ready':false,"
		       "'serving':true,'terminating':true},'hints':{}},"
		       "{'addresses':['10.244.1.12'],'conditions':{'ready':null,"
		       "'serving':null,'terminating':null},'nodeName':'',"
		       "'hints':{'forZones':[]}}],"
		       "'ports':[{'name':'http','protocol':'TCP','port':8080},"
		       "{'port':53,'protocol':'UDP'},{'name':'all'},"
		       "{'name':'np','port':null}]}",
		       &c, &d),
		0);
	assert_no_diag(&d);
	ck_assert_uint_eq(c.n_slices, 1);
	s = &c.slices[0];
	ck_assert_str_eq(s->service_name, "web");
	ck_assert_int_eq(s->address_type, K8S_ADDR_IPV4);
	ck_assert_uint_eq(s->n_endpoints, 4);
	e = &s->endpoints[0];
	assert_addr(&e->addr, "10.244.0.10");
	/* No conditions: ready and serving, not terminating. */
	ck_assert(e->ready && e->serving && !e->terminating);
	ck_assert_str_eq(e->node_name, "node-a");
	ck_assert_str_eq(e->zone, "zone-a");
	ck_assert(e->has_hints);
	ck_assert_uint_eq(e->n_hint_zones, 2);
	ck_assert_str_eq(e->hint_zones[0], "zone-a");
	ck_assert_str_eq(e->hint_zones[1], "zone-b");
	e = &s->endpoints[1];
	/* serving follows ready when missing */
	ck_assert(!e->ready && !e->serving && !e->terminating);
	ck_assert_ptr_null(e->node_name);
	ck_assert_ptr_null(e->zone);
	ck_assert(!e->has_hints);
	e = &s->endpoints[2];
	ck_assert(!e->ready && e->serving && e->terminating);
	ck_assert(!e->has_hints);
	e = &s->endpoints[3];
	ck_assert(e->ready && e->serving && !e->terminating);
	ck_assert_ptr_null(e->node_name);
	ck_assert(e->has_hints);
	ck_assert_uint_eq(e->n_hint_zones, 0);
	/* Ports without a number are dropped. */
	ck_assert_uint_eq(s->n_ports, 2);
	ck_assert_str_eq(s->ports[0].name, "http");
	ck_assert_uint_eq(s->ports[0].port, 8080);
	ck_assert_str_eq(s->ports[1].name, "");
	ck_assert_int_eq(s->ports[1].proto, NFP_PROTO_UDP);
	ck_assert_uint_eq(s->ports[1].port, 53);
	k8s_cluster_clear(&c);
	diag_list_free(&d);
}
END_TEST

START_TEST(test_slice_families)
{
	struct k8s_cluster c = {0};
	struct diag_list d = {0};

	ck_assert_int_eq(
		decode("{'kind':'EndpointSlice','apiVersion':'discovery.k8s.io/v1',"
		       "'metadata':{'name':'v6'},'addressType':'IPv6',"
		       "'endpoints':[{'addresses':['fd00:10:244::16']}],"
		       "'ports':[{'port':80}]}"
		       "{'kind':'EndpointSlice','apiVersion':'discovery.k8s.io/v1',"
		       "'metadata':{'name':'names'},'addressType':'FQDN',"
		       "'endpoints':[{'addresses':['db.example.com']}]}"
		       "{'kind':'EndpointSlice','apiVersion':'discovery.k8s.io/v1',"
		       "'metadata':{'name':'mixed','namespace':'default'},"
		       "'addressType':'IPv4',"
		       "'endpoints':[{'addresses':['fd00:10:244::16']}]}",
		       &c, &d),
		0);
	assert_one_diag(
		&d, DIAG_ERROR,
		"EndpointSlice default/mixed: endpoints[0].addresses[0]: "
		"want IPv4 address, got \"fd00:10:244::16\"");
	ck_assert_uint_eq(c.n_slices, 2);
	ck_assert_int_eq(c.slices[0].address_type, K8S_ADDR_IPV6);
	ck_assert_ptr_null(c.slices[0].service_name);
	assert_addr(&c.slices[0].endpoints[0].addr, "fd00:10:244::16");
	ck_assert_int_eq(c.slices[1].address_type, K8S_ADDR_FQDN);
	ck_assert_uint_eq(c.slices[1].n_endpoints, 1);
	ck_assert_int_eq(c.slices[1].endpoints[0].addr.family, 0);
	k8s_cluster_clear(&c);
	diag_list_free(&d);
}
END_TEST

START_TEST(test_pod)
{
	struct k8s_cluster c = {0};
	struct diag_list d = {0};
	const struct k8s_pod *p;

	ck_assert_int_eq(
		decode("{'kind':'PodList','apiVersion':'v1','items':["
		       "{'metadata':{'name':'hp','namespace':'default'},"
		       "'spec':{'nodeName':'node-a','containers':["
		       "{'name':'web','ports':[{'containerPort':80,'hostPort':8080,"
		       "'name':'http'},{'containerPort':5353,'protocol':'UDP',"
		       "'hostPort':5353,'hostIP':'192.168.50.10'}]},"
		       "{'name':'noports'}],"
		       "'initContainers':[{'name':'setup','ports':[{'containerPort':"
		       "7000,'hostPort':7000}]},{'name':'sidecar','restartPolicy':"
		       "'Always','ports':[{'containerPort':9000,'hostPort':9000}]}]},"
		       "'status':{'phase':'Running','podIP':'10.244.0.20',"
		       "'podIPs':[{'ip':'10.244.0.20'},{'ip':'fd00:10:244::20'}]}},"
		       "{'metadata':{'name':'old','namespace':'default'},"
		       "'spec':{'nodeName':'node-b','hostNetwork':true,"
		       "'containers':[]},"
		       "'status':{'phase':'Running','podIP':'192.168.50.11'}},"
		       "{'metadata':{'name':'pending','namespace':'default'},"
		       "'spec':{'containers':[{'name':'c'}]},"
		       "'status':{'phase':'Pending'}}]}",
		       &c, &d),
		0);
	assert_no_diag(&d);
	ck_assert_uint_eq(c.n_pods, 3);
	p = &c.pods[0];
	ck_assert_str_eq(p->node_name, "node-a");
	ck_assert_str_eq(p->phase, "Running");
	ck_assert(!p->host_network);
	ck_assert_uint_eq(p->n_pod_ips, 2);
	assert_addr(&p->pod_ips[0], "10.244.0.20");
	assert_addr(&p->pod_ips[1], "fd00:10:244::20");
	/* The app containers' ports, then the sidecar's; not the init's. */
	ck_assert_uint_eq(p->n_ports, 3);
	ck_assert_str_eq(p->ports[0].name, "http");
	ck_assert_int_eq(p->ports[0].proto, NFP_PROTO_TCP);
	ck_assert_uint_eq(p->ports[0].container_port, 80);
	ck_assert_uint_eq(p->ports[0].host_port, 8080);
	ck_assert_int_eq(p->ports[0].host_ip.family, 0);
	ck_assert_str_eq(p->ports[1].name, "");
	ck_assert_int_eq(p->ports[1].proto, NFP_PROTO_UDP);
	ck_assert_uint_eq(p->ports[1].host_port, 5353);
	assert_addr(&p->ports[1].host_ip, "192.168.50.10");
	ck_assert_uint_eq(p->ports[2].container_port, 9000);
	ck_assert_uint_eq(p->ports[2].host_port, 9000);
	p = &c.pods[1];
	ck_assert(p->host_network);
	ck_assert_uint_eq(p->n_pod_ips, 1);
	assert_addr(&p->pod_ips[0], "192.168.50.11");
	ck_assert_uint_eq(p->n_ports, 0);
	p = &c.pods[2];
	ck_assert_ptr_null(p->node_name);
	ck_assert_str_eq(p->phase, "Pending");
	ck_assert_uint_eq(p->n_pod_ips, 0);
	k8s_cluster_clear(&c);
	diag_list_free(&d);
}
END_TEST

START_TEST(test_node)
{
	struct k8s_cluster c = {0};
	struct diag_list d = {0};
	const struct k8s_node *n;

	ck_assert_int_eq(
		decode("{'kind':'NodeList','apiVersion':'v1','items':["
		       "{'metadata':{'name':'node-a','labels':{"
		       "'topology.kubernetes.io/zone':'zone-a'}},"
		       "'spec':{'podCIDR':'10.244.0.0/24','podCIDRs':["
		       "'10.244.0.0/24','fd00:10:244::/64']},"
		       "'status':{'addresses':[{'type':'InternalIP',"
		       "'address':'192.168.50.10'},{'type':'Hostname',"
		       "'address':'node-a'},{'type':'ExternalIP','address':"
		       "'2001:db8::10'}]}},"
		       "{'metadata':{'name':'node-b','namespace':'ignored'},"
		       "'spec':{'podCIDR':'10.244.1.0/24'}},"
		       "{'metadata':{'name':'node-c'},'spec':{'podCIDR':''}}]}",
		       &c, &d),
		0);
	assert_no_diag(&d);
	ck_assert_uint_eq(c.n_nodes, 3);
	n = &c.nodes[0];
	ck_assert_str_eq(n->meta.ns, "");
	ck_assert_str_eq(
		k8s_meta_label(&n->meta, "topology.kubernetes.io/zone"),
		"zone-a");
	ck_assert_uint_eq(n->n_pod_cidrs, 2);
	assert_cidr(&n->pod_cidrs[0], "10.244.0.0/24");
	assert_cidr(&n->pod_cidrs[1], "fd00:10:244::/64");
	ck_assert_uint_eq(n->n_addresses, 3);
	ck_assert_str_eq(n->addresses[0].type, "InternalIP");
	assert_addr(&n->addresses[0].addr, "192.168.50.10");
	ck_assert_str_eq(n->addresses[1].type, "Hostname");
	ck_assert_int_eq(n->addresses[1].addr.family, 0);
	assert_addr(&n->addresses[2].addr, "2001:db8::10");
	n = &c.nodes[1];
	ck_assert_str_eq(n->meta.ns, "");
	ck_assert_uint_eq(n->n_pod_cidrs, 1);
	assert_cidr(&n->pod_cidrs[0], "10.244.1.0/24");
	ck_assert_uint_eq(n->n_addresses, 0);
	ck_assert_uint_eq(c.nodes[2].n_pod_cidrs, 0);
	k8s_cluster_clear(&c);
	diag_list_free(&d);
}
END_TEST

/* Typed lists carry no kind in their items; documents may follow each
 * other with or without space; objects append to what c holds. */
START_TEST(test_stream)
{
	struct k8s_cluster c = {0};
	struct diag_list d = {0};

	ck_assert_int_eq(
		decode("\xef\xbb\xbf{'kind':'ServiceList','apiVersion':'v1',"
		       "'metadata':{'resourceVersion':'7'},'items':["
		       "{'metadata':{'name':'a'},'spec':{'clusterIP':'10.96.0.1'}},"
		       "{'metadata':{'name':'b'},'spec':{'clusterIP':'10.96.0.2'}}"
		       "]}{'kind':'EndpointSliceList','apiVersion':"
		       "'discovery.k8s.io/v1','items':[{'metadata':{'name':'a-1'},"
		       "'addressType':'IPv4'}]}\n\n  "
		       "{'kind':'Node','apiVersion':'v1','metadata':{'name':'n'}}"
		       "\r\n",
		       &c, &d),
		0);
	assert_no_diag(&d);
	ck_assert_uint_eq(c.n_services, 2);
	ck_assert_str_eq(c.services[1].meta.name, "b");
	ck_assert_uint_eq(c.n_slices, 1);
	ck_assert_uint_eq(c.slices[0].n_endpoints, 0);
	ck_assert_uint_eq(c.n_nodes, 1);
	ck_assert_int_eq(decode("{'kind':'Pod','apiVersion':'v1','metadata':{"
				"'name':'p'}}",
				&c, &d),
			 0);
	ck_assert_uint_eq(c.n_pods, 1);
	ck_assert_uint_eq(c.n_services, 2);
	/* Empty input: nothing, and no error. */
	ck_assert_int_eq(decode(" \n", &c, &d), 0);
	ck_assert_int_eq(k8s_decode_stream("", 0, &c, &d), 0);
	assert_no_diag(&d);
	k8s_cluster_clear(&c);
	diag_list_free(&d);
}
END_TEST

START_TEST(test_example_fixture)
{
	char *buf = test_read_file("tests/fixtures/example-cluster.json");
	struct k8s_cluster c = {0};
	struct diag_list d = {0};
	const struct k8s_service *s;
	const struct k8s_endpointslice *sl;
	size_t n_ready = 0;

	ck_assert_int_eq(k8s_decode_stream(buf, strlen(buf), &c, &d), 0);
	assert_no_diag(&d);
	ck_assert_uint_eq(c.n_services, 16);
	ck_assert_uint_eq(c.n_slices, 16);
	ck_assert_uint_eq(c.n_pods, 4);
	ck_assert_uint_eq(c.n_nodes, 2);

	s = find_service(&c, "kube-system", "kube-dns");
	ck_assert_uint_eq(s->n_ports, 3);
	ck_assert_str_eq(s->ports[0].name, "dns");
	ck_assert_int_eq(s->ports[0].proto, NFP_PROTO_UDP);
	ck_assert_uint_eq(s->ports[2].port, 9153);
	s = find_service(&c, "default", "web");
	ck_assert_int_eq(s->type, K8S_SVC_NODE_PORT);
	ck_assert_uint_eq(s->ports[0].node_port, 30080);
	s = find_service(&c, "default", "web-local");
	ck_assert(s->external_policy_local);
	ck_assert_uint_eq(s->health_check_node_port, 31000);
	s = find_service(&c, "default", "lb");
	ck_assert_uint_eq(s->n_lb_ips, 1);
	assert_addr(&s->lb_ips[0], "203.0.113.10");
	assert_cidr(&s->lb_source_ranges[0], "198.51.100.0/24");
	s = find_service(&c, "default", "ext");
	assert_addr(&s->external_ips[0], "198.51.100.20");
	s = find_service(&c, "default", "sticky");
	ck_assert(s->affinity_client_ip);
	ck_assert_uint_eq(s->affinity_timeout, 600);
	ck_assert(find_service(&c, "default", "itp-local")
			  ->internal_policy_local);
	s = find_service(&c, "default", "dual");
	ck_assert_uint_eq(s->n_cluster_ips, 2);
	assert_addr(&s->cluster_ips[1], "fd00:10:96::107");
	ck_assert(find_service(&c, "default", "headless")->headless);
	ck_assert_int_eq(find_service(&c, "default", "extname")->type,
			 K8S_SVC_EXTERNAL_NAME);
	ck_assert_str_eq(
		k8s_meta_label(&find_service(&c, "default", "proxied")->meta,
			       "service.kubernetes.io/service-proxy-name"),
		"other");
	ck_assert_int_eq(find_service(&c, "default", "sctp")->ports[0].proto,
			 NFP_PROTO_SCTP);

	sl = find_slice(&c, "web-8vzqd");
	ck_assert_str_eq(sl->service_name, "web");
	ck_assert_uint_eq(sl->n_endpoints, 3);
	for (size_t i = 0; i < sl->n_endpoints; i++)
		n_ready += sl->endpoints[i].ready;
	ck_assert_uint_eq(n_ready, 2);
	sl = find_slice(&c, "kubernetes");
	assert_addr(&sl->endpoints[0].addr, "192.168.50.10");
	ck_assert_uint_eq(sl->ports[0].port, 6443);
	ck_assert_ptr_null(sl->endpoints[0].node_name);
	sl = find_slice(&c, "empty-bq7zd");
	ck_assert_uint_eq(sl->n_endpoints, 0);
	ck_assert_uint_eq(sl->n_ports, 0);
	sl = find_slice(&c, "dual-v6r2t");
	ck_assert_int_eq(sl->address_type, K8S_ADDR_IPV6);
	assert_addr(&sl->endpoints[1].addr, "fd00:10:244:1::16");
	sl = find_slice(&c, "terminating-e9f0g");
	ck_assert(!sl->endpoints[0].ready && sl->endpoints[0].serving &&
		  sl->endpoints[0].terminating);
	sl = find_slice(&c, "hinted-t5j6v");
	ck_assert(sl->endpoints[1].has_hints);
	ck_assert_str_eq(sl->endpoints[1].hint_zones[0], "zone-b");

	ck_assert_str_eq(c.pods[1].meta.name, "hostport-pod");
	ck_assert_uint_eq(c.pods[1].n_ports, 2);
	assert_addr(&c.pods[1].ports[1].host_ip, "192.168.50.10");
	ck_assert_uint_eq(c.pods[0].n_ports, 2); /* app + sidecar */
	ck_assert_ptr_null(c.pods[2].node_name);
	ck_assert(c.pods[3].host_network);
	ck_assert_str_eq(c.nodes[1].meta.name, "node-b");
	assert_addr(&c.nodes[1].addresses[0].addr, "192.168.50.11");
	assert_cidr(&c.nodes[1].pod_cidrs[0], "10.244.1.0/24");
	ck_assert_str_eq(
		k8s_meta_label(&c.nodes[0].meta, "topology.kubernetes.io/zone"),
		"zone-a");
	k8s_cluster_clear(&c);
	diag_list_free(&d);
	free(buf);
}
END_TEST

/* The stream breaks: what came before is kept, the error says where. */
START_TEST(test_truncated)
{
	struct k8s_cluster c = {0};
	struct diag_list d = {0};

	ck_assert_int_eq(decode("{'kind':'Node','metadata':{'name':'n1'}}\n"
				"{'kind':'Node','metadata':{'name':'n2'}}\n"
				"{'kind':'Node',\n  'metadata':{'name'",
				&c, &d),
			 -EINVAL);
	ck_assert_uint_eq(c.n_nodes, 2);
	assert_one_diag(&d, DIAG_ERROR,
			"JSON error at line 4, column 20: ':' expected near "
			"end of file");
	diag_list_free(&d);
	/* Garbage after a document, on the same line. */
	ck_assert_int_eq(
		decode("{'kind':'Node','metadata':{'name':'n3'}} , {}", &c, &d),
		-EINVAL);
	ck_assert_uint_eq(c.n_nodes, 3);
	assert_one_diag(&d, DIAG_ERROR,
			"JSON error at line 1, column 42: '[' or '{' expected "
			"near ','");
	diag_list_free(&d);
	/* A truncated List keeps nothing of that list. */
	ck_assert_int_eq(decode("{'kind':'List','items':[{'kind':'Node',"
				"'metadata':{'name':'n4'}},",
				&c, &d),
			 -EINVAL);
	ck_assert_uint_eq(c.n_nodes, 3);
	ck_assert_uint_eq(d.n, 1);
	k8s_cluster_clear(&c);
	diag_list_free(&d);
}
END_TEST

/* Inputs that jansson itself refuses: no crash, a message, -EINVAL. */
START_TEST(test_parser_limits)
{
	struct k8s_cluster c = {0};
	struct diag_list d = {0};
	size_t depth = 100000;
	char *deep = xmalloc(depth + 1);

	memset(deep, '[', depth);
	deep[depth] = '\0';
	ck_assert_int_eq(decode(deep, &c, &d), -EINVAL);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_ptr_nonnull(strstr(d.items[0].msg, "maximum parsing depth"));
	diag_list_free(&d);
	free(deep);
	/* An integer beyond 64 bits stops the stream (jansson's limit). */
	ck_assert_int_eq(decode("{'kind':'Node','metadata':{'name':'n'}}\n"
				"{'kind':'Service','spec':{'ports':[{'port':"
				"123456789012345678901234567890}]}}",
				&c, &d),
			 -EINVAL);
	ck_assert_uint_eq(c.n_nodes, 1);
	assert_one_diag(&d, DIAG_ERROR,
			"JSON error at line 2, column 73: too big integer");
	/* A NUL byte inside a string. */
	diag_list_free(&d);
	ck_assert_int_eq(k8s_decode_stream("{\"a\":\"\\u0000\"}", 13, &c, &d),
			 -EINVAL);
	ck_assert_uint_eq(d.n, 1);
	k8s_cluster_clear(&c);
	diag_list_free(&d);
}
END_TEST

struct bad_case {
	const char *json; /* one Service object, ' for " */
	const char *msg;
};

/* Each bad Service sits between two good ones in a List; only it goes. */
static const struct bad_case bad_services[] = {
	{"{'metadata':{'name':'web','namespace':'default'},'spec':{'ports':"
	 "[{'port':80},{'port':'abc'}]}}",
	 "Service default/web: spec.ports[1].port: want integer 1-65535, "
	 "got \"abc\""},
	{"{'metadata':{'name':'web'},'spec':{'ports':[{'port':0}]}}",
	 "Service default/web: spec.ports[0].port: want integer 1-65535, "
	 "got 0"},
	{"{'metadata':{'name':'web'},'spec':{'ports':[{'port':70000}]}}",
	 "Service default/web: spec.ports[0].port: want integer 1-65535, "
	 "got 70000"},
	{"{'metadata':{'name':'web'},'spec':{'ports':[{'port':80.5}]}}",
	 "Service default/web: spec.ports[0].port: want integer 1-65535, "
	 "got 80.5"},
	{"{'metadata':{'name':'web'},'spec':{'ports':[{}]}}",
	 "Service default/web: spec.ports[0].port: want integer 1-65535, "
	 "got nothing"},
	{"{'metadata':{'name':'web'},'spec':{'ports':[{'port':80,"
	 "'nodePort':-1}]}}",
	 "Service default/web: spec.ports[0].nodePort: want integer 0-65535, "
	 "got -1"},
	{"{'metadata':{'name':'web'},'spec':{'ports':[{'port':80,"
	 "'protocol':'ICMP'}]}}",
	 "Service default/web: spec.ports[0].protocol: want TCP, UDP or "
	 "SCTP, got \"ICMP\""},
	{"{'metadata':{'name':'web'},'spec':{'ports':{'port':80}}}",
	 "Service default/web: spec.ports: want array, got object"},
	{"{'metadata':{'name':'web'},'spec':{'ports':['80']}}",
	 "Service default/web: spec.ports[0]: want object, got \"80\""},
	{"{'metadata':{'namespace':'default'},'spec':{}}",
	 "Service default/<unnamed>: metadata.name: want string of 1-253 "
	 "chars, got nothing"},
	{"{'metadata':{'name':42}}",
	 "Service default/<unnamed>: metadata.name: want string of 1-253 "
	 "chars, got 42"},
	{"{'metadata':{'name':'Web_1'}}",
	 "Service default/<unnamed>: metadata.name: want DNS-1123 subdomain, "
	 "got \"Web_1\""},
	{"{'metadata':{'name':'web','namespace':"
	 "'n123456789012345678901234567890123456789012345678901234567890123'}}",
	 "Service web: metadata.namespace: want string of at most 63 chars, "
	 "got \"n123456789012345678901234567890123456789...\" (64 chars)"},
	{"{'spec':{}}", "Service default/<unnamed>: metadata: want object, got "
			"nothing"},
	{"{'metadata':{'name':'web','labels':{'app':7}}}",
	 "Service default/web: metadata.labels[\"app\"]: want string of at "
	 "most 63 chars, got 7"},
	{"{'metadata':{'name':'web'},'spec':{'clusterIP':'10.96.0.300'}}",
	 "Service default/web: spec.clusterIP: want IP address, got "
	 "\"10.96.0.300\""},
	{"{'metadata':{'name':'web'},'spec':{'clusterIPs':['10.96.0.1',"
	 "'None']}}",
	 "Service default/web: spec.clusterIPs[1]: want IP address, got "
	 "\"None\""},
	{"{'metadata':{'name':'web'},'spec':{'clusterIPs':['10.96.0.1',"
	 "'fd00::1','10.96.0.2']}}",
	 "Service default/web: spec.clusterIPs: want at most 2 addresses, got "
	 "array"},
	{"{'metadata':{'name':'web'},'spec':{'externalIPs':['1.2.3.4',"
	 "'1.2.3']}}",
	 "Service default/web: spec.externalIPs[1]: want IP address, got "
	 "\"1.2.3\""},
	{"{'metadata':{'name':'web'},'spec':{'loadBalancerSourceRanges':"
	 "['10.0.0.0/33']}}",
	 "Service default/web: spec.loadBalancerSourceRanges[0]: want CIDR "
	 "block, got \"10.0.0.0/33\""},
	{"{'metadata':{'name':'web'},'spec':{'type':'Balanced'}}",
	 "Service default/web: spec.type: want one of ClusterIP, NodePort, "
	 "LoadBalancer, ExternalName, got \"Balanced\""},
	{"{'metadata':{'name':'web'},'spec':{'externalTrafficPolicy':"
	 "'OnlyLocal'}}",
	 "Service default/web: spec.externalTrafficPolicy: want one of "
	 "Cluster, Local, got \"OnlyLocal\""},
	{"{'metadata':{'name':'web'},'spec':{'sessionAffinity':'ClientIP',"
	 "'sessionAffinityConfig':{'clientIP':{'timeoutSeconds':86401}}}}",
	 "Service default/web: spec.sessionAffinityConfig.clientIP."
	 "timeoutSeconds: want integer 1-86400, got 86401"},
	{"{'metadata':{'name':'web'},'spec':{'healthCheckNodePort':'x'}}",
	 "Service default/web: spec.healthCheckNodePort: want integer "
	 "0-65535, got \"x\""},
	{"{'metadata':{'name':'web'},'status':{'loadBalancer':{'ingress':"
	 "[{'ip':'203.0.113.1','ipMode':'vip'}]}}}",
	 "Service default/web: status.loadBalancer.ingress[0].ipMode: want "
	 "one of VIP, Proxy, got \"vip\""},
	{"{'metadata':{'name':'web','deletionTimestamp':true}}",
	 "Service default/web: metadata.deletionTimestamp: want string of at "
	 "most 64 chars, got true"},
	{"{'metadata':{'name':'web'},'spec':[]}",
	 "Service default/web: spec: want object, got array"},
	{"{'metadata':{'name':'web'},'spec':{'ports':[{'port':80,"
	 "'name':'a\\nb'}]}}",
	 "Service default/web: spec.ports[0].name: want DNS-1123 label, got "
	 "\"a\\u000ab\""},
};

START_TEST(test_bad_service)
{
	const struct bad_case *bc = &bad_services[_i];
	struct k8s_cluster c = {0};
	struct diag_list d = {0};
	struct strbuf sb = {0};
	char *obj = xstrdup(bc->json);

	/* Give the object its kind after the first '{'. */
	strbuf_addf(&sb,
		    "{'kind':'List','apiVersion':'v1','items':["
		    "{'kind':'Service','apiVersion':'v1','metadata':{'name':"
		    "'before'}},{'kind':'Service','apiVersion':'v1',%s,"
		    "{'kind':'Service','apiVersion':'v1','metadata':{'name':"
		    "'after'}}]}",
		    obj + 1);
	ck_assert_int_eq(decode(sb.buf, &c, &d), 0);
	assert_one_diag(&d, DIAG_ERROR, bc->msg);
	ck_assert_uint_eq(c.n_services, 2);
	ck_assert_str_eq(c.services[0].meta.name, "before");
	ck_assert_str_eq(c.services[1].meta.name, "after");
	k8s_cluster_clear(&c);
	diag_list_free(&d);
	strbuf_release(&sb);
	free(obj);
}
END_TEST

static const struct bad_case bad_others[] = {
	{"{'kind':'EndpointSlice','apiVersion':'discovery.k8s.io/v1',"
	 "'metadata':{'name':'s','namespace':'default'}}",
	 "EndpointSlice default/s: addressType: want one of IPv4, IPv6, FQDN, "
	 "got nothing"},
	{"{'kind':'EndpointSlice','apiVersion':'discovery.k8s.io/v1',"
	 "'metadata':{'name':'s'},'addressType':'IPv4','endpoints':["
	 "{'addresses':['10.0.0.1'],'conditions':{'ready':'yes'}}]}",
	 "EndpointSlice default/s: endpoints[0].conditions.ready: want "
	 "boolean, got \"yes\""},
	{"{'kind':'EndpointSlice','apiVersion':'discovery.k8s.io/v1',"
	 "'metadata':{'name':'s'},'addressType':'IPv4','endpoints':["
	 "{'addresses':[]}]}",
	 "EndpointSlice default/s: endpoints[0].addresses: want array of "
	 "1-100 addresses, got array"},
	{"{'kind':'EndpointSlice','apiVersion':'discovery.k8s.io/v1',"
	 "'metadata':{'name':'s'},'addressType':'IPv4','ports':["
	 "{'port':65536}]}",
	 "EndpointSlice default/s: ports[0].port: want integer 1-65535, got "
	 "65536"},
	{"{'kind':'EndpointSlice','apiVersion':'discovery.k8s.io/v1',"
	 "'metadata':{'name':'s'},'addressType':'IPv4','endpoints':["
	 "{'addresses':['10.0.0.1'],'hints':{'forZones':[{'zone':'a'}]}}]}",
	 "EndpointSlice default/s: endpoints[0].hints.forZones[0].name: want "
	 "string of 1-63 chars, got nothing"},
	{"{'kind':'Pod','apiVersion':'v1','metadata':{'name':'p'},"
	 "'spec':{'containers':[{'ports':[{'containerPort':80,"
	 "'hostPort':99999}]}]}}",
	 "Pod default/p: spec.containers[0].ports[0].hostPort: want integer "
	 "0-65535, got 99999"},
	{"{'kind':'Pod','apiVersion':'v1','metadata':{'name':'p'},"
	 "'spec':{'initContainers':[{'restartPolicy':'Always','ports':["
	 "{'containerPort':80,'hostIP':'nowhere'}]}]}}",
	 "Pod default/p: spec.initContainers[0].ports[0].hostIP: want IP "
	 "address, got \"nowhere\""},
	{"{'kind':'Pod','apiVersion':'v1','metadata':{'name':'p'},"
	 "'status':{'podIPs':[{'ip':'10.0.0.256'}]}}",
	 "Pod default/p: status.podIPs[0].ip: want IP address, got "
	 "\"10.0.0.256\""},
	{"{'kind':'Pod','apiVersion':'v1','metadata':{'name':'p'},"
	 "'spec':{'hostNetwork':'true'}}",
	 "Pod default/p: spec.hostNetwork: want boolean, got \"true\""},
	{"{'kind':'Node','apiVersion':'v1','metadata':{'name':'n'},"
	 "'spec':{'podCIDRs':['10.244.0.0/24',5]}}",
	 "Node n: spec.podCIDRs[1]: want CIDR block, got 5"},
	{"{'kind':'Node','apiVersion':'v1','metadata':{'name':'n'},"
	 "'status':{'addresses':[{'type':'InternalIP','address':'node-a'}]}}",
	 "Node n: status.addresses[0].address: want IP address, got "
	 "\"node-a\""},
	{"{'kind':'Node','apiVersion':'v1','metadata':{'name':'n'},"
	 "'status':{'addresses':[{'address':'1.2.3.4'}]}}",
	 "Node n: status.addresses[0].type: want string of 1-128 chars, got "
	 "nothing"},
	{"{'apiVersion':'v1','metadata':{'name':'x','namespace':'default'}}",
	 "Object default/x: kind: want string of 1-128 chars, got nothing"},
	{"{'kind':['Service'],'metadata':{'name':'x'}}",
	 "Object x: kind: want string of at most 128 chars, got array"},
	{"[{'kind':'Service'}]", "Object <unnamed>: want object, got array"},
};

START_TEST(test_bad_other)
{
	const struct bad_case *bc = &bad_others[_i];
	struct k8s_cluster c = {0};
	struct diag_list d = {0};
	struct strbuf sb = {0};

	strbuf_addf(&sb,
		    "{'kind':'Node','apiVersion':'v1','metadata':{'name':"
		    "'before'}}%s{'kind':'List','apiVersion':'v1','items':[%s,"
		    "{'kind':'Node','apiVersion':'v1','metadata':{'name':"
		    "'after'}}]}",
		    bc->json, bc->json);
	ck_assert_int_eq(decode(sb.buf, &c, &d), 0);
	/* Once as a document, once as a List item. */
	if (d.n != 2 || strcmp(d.items[0].msg, bc->msg) ||
	    strcmp(d.items[1].msg, bc->msg) || d.items[0].level != DIAG_ERROR) {
		dump_diags(&d);
		ck_abort_msg("want twice \"%s\"", bc->msg);
	}
	ck_assert_uint_eq(c.n_nodes, 2);
	ck_assert_uint_eq(c.n_services + c.n_slices + c.n_pods, 0);
	k8s_cluster_clear(&c);
	diag_list_free(&d);
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_unsupported)
{
	struct k8s_cluster c = {0};
	struct diag_list d = {0};

	ck_assert_int_eq(
		decode("{'kind':'List','apiVersion':'v1','items':["
		       "{'kind':'ConfigMap','apiVersion':'v1','metadata':{"
		       "'name':'coredns','namespace':'kube-system'},'data':{}},"
		       "{'kind':'Service','apiVersion':'serving.knative.dev/v1',"
		       "'metadata':{'name':'hello','namespace':'default'}},"
		       "{'kind':'Node','apiVersion':'v1','metadata':{'name':'n'}},"
		       "{'kind':'Namespace','apiVersion':'v1','metadata':{"
		       "'name':'default'}}]}"
		       "{'kind':'ConfigMapList','apiVersion':'v1','items':[{},{}]}"
		       "{'kind':'EndpointSliceList','apiVersion':"
		       "'discovery.k8s.io/v1beta1','items':[{}]}",
		       &c, &d),
		0);
	ck_assert_uint_eq(c.n_nodes, 1);
	ck_assert_uint_eq(c.n_services, 0);
	ck_assert_uint_eq(d.n, 5);
	ck_assert_uint_eq(diag_count(&d, DIAG_ERROR), 0);
	ck_assert_str_eq(d.items[0].msg,
			 "ConfigMap kube-system/coredns: unsupported kind, "
			 "skipped");
	ck_assert_str_eq(d.items[1].msg,
			 "Service default/hello: unsupported apiVersion "
			 "serving.knative.dev/v1, skipped");
	ck_assert_str_eq(d.items[2].msg,
			 "Namespace default: unsupported kind, skipped");
	ck_assert_str_eq(d.items[3].msg,
			 "ConfigMapList: unsupported kind, skipped 2 items");
	ck_assert_str_eq(d.items[4].msg,
			 "EndpointSliceList: unsupported apiVersion "
			 "discovery.k8s.io/v1beta1, skipped 1 items");
	k8s_cluster_clear(&c);
	diag_list_free(&d);
}
END_TEST

#define HUGE_LEN (10u << 20)

/* A 10 MB string: where we read it, the object is refused with a short
 * message; where we do not (an annotation), it is ignored. */
START_TEST(test_huge_string)
{
	struct k8s_cluster c = {0};
	struct diag_list d = {0};
	struct strbuf sb = {0};
	char *huge = xmalloc(HUGE_LEN + 1);

	memset(huge, 'a', HUGE_LEN);
	huge[HUGE_LEN] = '\0';
	strbuf_addf(&sb,
		    "{'kind':'Service','apiVersion':'v1','metadata':{'name':"
		    "'%s','namespace':'default'}}"
		    "{'kind':'Service','apiVersion':'v1','metadata':{'name':"
		    "'ok','annotations':{'big':'%s'}}}"
		    "{'kind':'Service','apiVersion':'v1','metadata':{'name':"
		    "'web'},'spec':{'type':'%s'}}"
		    "{'kind':'Node','apiVersion':'v1','metadata':{'name':"
		    "'n','labels':{'%s':'x'}}}",
		    huge, huge, huge, huge);
	ck_assert_int_eq(decode(sb.buf, &c, &d), 0);
	ck_assert_uint_eq(c.n_services, 1);
	ck_assert_str_eq(c.services[0].meta.name, "ok");
	ck_assert_uint_eq(c.n_nodes, 0);
	ck_assert_uint_eq(d.n, 3);
	ck_assert_str_eq(d.items[0].msg,
			 "Service default/<unnamed>: metadata.name: want "
			 "string of 1-253 chars, got "
			 "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\" "
			 "(10485760 chars)");
	ck_assert_str_eq(d.items[1].msg,
			 "Service default/web: spec.type: want one of "
			 "ClusterIP, NodePort, LoadBalancer, ExternalName, got "
			 "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\" "
			 "(10485760 chars)");
	ck_assert_str_eq(d.items[2].msg,
			 "Node n: metadata.labels: want label key of 1-317 "
			 "printable chars, got "
			 "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\" "
			 "(10485760 chars)");
	k8s_cluster_clear(&c);
	diag_list_free(&d);
	strbuf_release(&sb);
	free(huge);
}
END_TEST

/* Shown values are cut on a character boundary and escaped. */
START_TEST(test_shown_value)
{
	struct k8s_cluster c = {0};
	struct diag_list d = {0};

	ck_assert_int_eq(
		decode("{'kind':'Service','apiVersion':'v1','metadata':{'name':"
		       "'web'},'spec':{'type':'\\u00e9\\u00e9\\u00e9\\u00e9"
		       "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
		       "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
		       "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
		       "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
		       "\\u00e9\\u00e9\\u00e9\\\"\\\\x'}}",
		       &c, &d),
		0);
	assert_one_diag(&d, DIAG_ERROR,
			"Service default/web: spec.type: want one of "
			"ClusterIP, NodePort, LoadBalancer, ExternalName, got "
			"\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
			"\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
			"\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
			"\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			"\\\"...\" (81 chars)");
	k8s_cluster_clear(&c);
	diag_list_free(&d);
}
END_TEST

/* The fixtures in tests/fixtures/malformed: what each must give. */
static const struct {
	const char *file;
	int rc;
	size_t n_objects; /* decoded despite the errors */
	size_t n_errors;
	const char *first_error;
} malformed[] = {
	{"truncated.json", -EINVAL, 2, 1,
	 "JSON error at line 38, column 0: string or '}' expected near end "
	 "of file"},
	{"bad-fields.json", 0, 2, 5,
	 "Service default/web: spec.ports[1].port: want integer 1-65535, got "
	 "\"abc\""},
	{"bad-slices.json", 0, 1, 3,
	 "EndpointSlice default/web-x1: endpoints[1].addresses[0]: want IPv4 "
	 "address, got \"10.244.0.300\""},
	{"not-kubernetes.json", 0, 0, 3,
	 "Object <unnamed>: want object, got array"},
};

START_TEST(test_malformed_fixture)
{
	struct k8s_cluster c = {0};
	struct diag_list d = {0};
	char path[256], *buf;
	size_t n;
	int rc;

	snprintf(path, sizeof(path), "tests/fixtures/malformed/%s",
		 malformed[_i].file);
	buf = test_read_file(path);
	rc = k8s_decode_stream(buf, strlen(buf), &c, &d);
	n = c.n_services + c.n_slices + c.n_pods + c.n_nodes;
	if (rc != malformed[_i].rc || n != malformed[_i].n_objects ||
	    diag_count(&d, DIAG_ERROR) != malformed[_i].n_errors ||
	    strcmp(d.items[0].msg, malformed[_i].first_error)) {
		dump_diags(&d);
		ck_abort_msg("%s: rc %d, %zu objects", path, rc, n);
	}
	k8s_cluster_clear(&c);
	diag_list_free(&d);
	free(buf);
}
END_TEST

/* The per-object entry points that the watch decoder uses. */
START_TEST(test_object_api)
{
	struct k8s_service s;
	struct diag_list d = {0};
	struct k8s_cluster c = {0};
	json_t *o =
		json_pack("{s:s, s:{s:s}, s:{s:[{s:i}]}}", "kind", "Service",
			  "metadata", "name", "x", "spec", "ports", "port", 0);

	ck_assert_int_eq(k8s_decode_service_json(o, &s, &d), -EINVAL);
	ck_assert_ptr_null(s.meta.name);
	ck_assert_ptr_null(s.ports);
	ck_assert_uint_eq(d.n, 1);
	json_decref(o);
	o = json_pack("{s:{s:s}}", "metadata", "name", "x");
	ck_assert_int_eq(k8s_decode_object_json(o, "Pod", &c, &d), 0);
	ck_assert_uint_eq(c.n_pods, 1);
	ck_assert_int_eq(k8s_decode_object_json(o, "Secret", &c, &d),
			 -EOPNOTSUPP);
	ck_assert_int_eq(k8s_decode_object_json(o, NULL, &c, &d), -EINVAL);
	ck_assert_uint_eq(d.n, 3);
	json_decref(o);
	k8s_cluster_clear(&c);
	k8s_service_free(NULL);
	k8s_cluster_clear(&c);
	diag_list_free(&d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("decode");
	TCase *tc = tcase_create("decode");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_service_full);
	tcase_add_test(tc, test_service_defaults);
	tcase_add_test(tc, test_service_cluster_ips);
	tcase_add_test(tc, test_slice);
	tcase_add_test(tc, test_slice_families);
	tcase_add_test(tc, test_pod);
	tcase_add_test(tc, test_node);
	tcase_add_test(tc, test_stream);
	tcase_add_test(tc, test_example_fixture);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_parser_limits);
	tcase_add_loop_test(tc, test_bad_service, 0,
			    sizeof(bad_services) / sizeof(bad_services[0]));
	tcase_add_loop_test(tc, test_bad_other, 0,
			    sizeof(bad_others) / sizeof(bad_others[0]));
	tcase_add_test(tc, test_unsupported);
	tcase_add_test(tc, test_huge_string);
	tcase_add_test(tc, test_shown_value);
	tcase_add_loop_test(tc, test_malformed_fixture, 0,
			    sizeof(malformed) / sizeof(malformed[0]));
	tcase_add_test(tc, test_object_api);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
