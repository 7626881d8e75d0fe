// SPDX-License-Identifier: GPL-2.0
/* proxy/plan_build.c: one test per kube-proxy semantic rule. Objects are
 * written as JSON and decoded, the shortest way to build a cache by hand. */
#include "proxy/plan_build.h"
#include "testutil.h"
#include "watch/decode.h"

#include <stdarg.h>

#define NODE "node-a"

/* A cluster and a plan built from JSON documents. */
struct fixture {
	struct k8s_cluster c;
	struct plan p;
	struct diag_list d;
	struct plan_config cfg;
	struct nfp_cidr cluster_cidr[2];
};

static void build(struct fixture *f, const char *json)
{
	int ret;

	memset(f, 0, sizeof(*f));
	ret = k8s_decode_stream(json, strlen(json), &f->c, &f->d);
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(diag_count(&f->d, DIAG_ERROR), 0);
	nfp_cidr_parse("10.244.0.0/16", &f->cluster_cidr[0]);
	nfp_cidr_parse("fd00:10:244::/56", &f->cluster_cidr[1]);
	f->cfg.hostname = NODE;
	f->cfg.cluster_cidrs = f->cluster_cidr;
	f->cfg.n_cluster_cidrs = 2;
	f->cfg.egress_masq = true;
	ck_assert_int_eq(plan_build(&f->c, &f->cfg, &f->p, &f->d), 0);
}

static void done(struct fixture *f)
{
	plan_free(&f->p);
	k8s_cluster_clear(&f->c);
	diag_list_free(&f->d);
}

static bool has_diag(const struct fixture *f, const char *needle)
{
	for (size_t i = 0; i < f->d.n; i++)
		if (strstr(f->d.items[i].msg, needle))
			return true;
	return false;
}

static const struct plan_service *svc(const struct fixture *f, const char *id,
				      int family)
{
	for (size_t i = 0; i < f->p.n_services; i++)
		if (!strcmp(f->p.services[i].id, id) &&
		    f->p.services[i].family == family)
			return &f->p.services[i];
	return NULL;
}

static void assert_eps(const struct plan_endpoint *eps, size_t n,
		       const char *want)
{
	char got[1024] = "", a[NFP_ADDR_STRLEN];

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(got);

		snprintf(got + len, sizeof(got) - len, "%s%s:%u%s",
			 i ? " " : "", nfp_addr_str(&eps[i].addr, a),
			 eps[i].port, eps[i].local ? "L" : "");
	}
	ck_assert_str_eq(got, want);
}

/* Service JSON: name, spec fragment (after "spec":{). */
#define SVC(name, spec)                                                    \
	"{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{"       \
	"\"namespace\":\"default\",\"name\":\"" name "\"},\"spec\":{" spec \
	"}}\n"
/* EndpointSlice JSON: slice name, service, addressType, endpoints, ports. */
#define SLICE(name, svcname, at, eps, ports)                                   \
	"{\"kind\":\"EndpointSlice\",\"apiVersion\":\"discovery.k8s.io/v1\","  \
	"\"metadata\":{\"namespace\":\"default\",\"name\":\"" name "\","       \
	"\"labels\":{\"kubernetes.io/service-name\":\"" svcname "\"}},"        \
	"\"addressType\":\"" at "\",\"endpoints\":[" eps "],\"ports\":[" ports \
	"]}\n"
#define EP(ip, node, cond)                                       \
	"{\"addresses\":[\"" ip "\"],\"nodeName\":\"" node "\"," \
	"\"conditions\":{" cond "}}"
#define PORT(name, proto, port) \
	"{\"name\":\"" name "\",\"protocol\":\"" proto "\",\"port\":" #port "}"
#define NODE_A                                                                 \
	"{\"kind\":\"Node\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":"     \
	"\"node-a\",\"labels\":{\"topology.kubernetes.io/zone\":\"zone-a\"}}," \
	"\"spec\":{\"podCIDR\":\"10.244.0.0/24\"},\"status\":{\"addresses\":[" \
	"{\"type\":\"InternalIP\",\"address\":\"192.168.50.10\"},"             \
	"{\"type\":\"Hostname\",\"address\":\"node-a\"}]}}\n"

#define WEB_SVC                                               \
	SVC("web", "\"clusterIP\":\"10.96.0.10\",\"ports\":[" \
		   "{\"name\":\"http\",\"port\":80},"         \
		   "{\"name\":\"dns\",\"port\":53,\"protocol\":\"UDP\"}]")

START_TEST(test_cluster_ip_ports_by_name)
{
	struct fixture f;

	build(&f,
	      WEB_SVC SLICE(
		      "web-1", "web", "IPv4",
		      EP("10.244.1.5", "node-b",
			 "") "," EP("10.244.0.5", "node-a", "\"ready\":true"),
		      PORT("http", "TCP", 8080) "," PORT("dns", "UDP", 5353)));
	const struct plan_service *http = svc(&f, "default/web:http", AF_INET);
	const struct plan_service *dns = svc(&f, "default/web:dns", AF_INET);

	ck_assert_ptr_nonnull(http);
	ck_assert_ptr_nonnull(dns);
	ck_assert_int_eq(f.p.n_services, 2);
	ck_assert_int_eq(http->proto, NFP_PROTO_TCP);
	ck_assert_int_eq(dns->proto, NFP_PROTO_UDP);
	ck_assert_int_eq(http->port, 80);
	ck_assert_int_eq(http->internal_action, PLAN_FORWARD);
	/* sorted by address; ready missing means ready; local flagged */
	assert_eps(http->internal_eps, http->n_internal_eps,
		   "10.244.0.5:8080L 10.244.1.5:8080");
	assert_eps(dns->internal_eps, dns->n_internal_eps,
		   "10.244.0.5:5353L 10.244.1.5:5353");
	/* policy Cluster: external traffic uses the same endpoints */
	assert_eps(http->external_eps, http->n_external_eps,
		   "10.244.0.5:8080L 10.244.1.5:8080");
	done(&f);
}
END_TEST

START_TEST(test_unnamed_port_id_and_protocol_match)
{
	struct fixture f;

	build(&f, SVC("one",
		      "\"clusterIP\":\"10.96.0.11\",\"ports\":[{\"port\":443}]")
			  SLICE("one-1", "one", "IPv4",
				EP("10.244.0.7", "node-a", ""),
				PORT("", "UDP", 6443))
				  SLICE("one-2", "one", "IPv4",
					EP("10.244.0.8", "node-a", ""),
					PORT("", "TCP", 6443)));
	const struct plan_service *s = svc(&f, "default/one:443", AF_INET);

	ck_assert_ptr_nonnull(s);
	/* the UDP slice port does not match the TCP service port */
	assert_eps(s->internal_eps, s->n_internal_eps, "10.244.0.8:6443L");
	done(&f);
}
END_TEST

START_TEST(test_not_ready_left_out)
{
	struct fixture f;

	build(&f, WEB_SVC SLICE(
			  "web-1", "web", "IPv4",
			  EP("10.244.0.5", "node-a", "\"ready\":false") "," EP(
				  "10.244.0.6", "node-a", "\"ready\":true"),
			  PORT("http", "TCP", 8080)));
	const struct plan_service *s = svc(&f, "default/web:http", AF_INET);

	assert_eps(s->internal_eps, s->n_internal_eps, "10.244.0.6:8080L");
	done(&f);
}
END_TEST

START_TEST(test_terminating_fallback)
{
	struct fixture f;

	build(&f,
	      WEB_SVC SLICE(
		      "web-1", "web", "IPv4",
		      EP("10.244.0.5", "node-a", "\"ready\":false,\"serving\":true,\"terminating\":true") "," EP(
			      "10.244.0.6", "node-a",
			      "\"ready\":false,\"serving\":false,\"terminating\":true"),
		      PORT("http", "TCP", 8080)));
	const struct plan_service *s = svc(&f, "default/web:http", AF_INET);

	/* no ready endpoint: serving+terminating ones are used */
	ck_assert_int_eq(s->internal_action, PLAN_FORWARD);
	assert_eps(s->internal_eps, s->n_internal_eps, "10.244.0.5:8080L");
	done(&f);
}
END_TEST

START_TEST(test_ready_beats_terminating)
{
	struct fixture f;

	build(&f,
	      WEB_SVC SLICE(
		      "web-1", "web", "IPv4",
		      EP("10.244.0.5", "node-a", "\"ready\":false,\"serving\":true,\"terminating\":true") "," EP(
			      "10.244.1.6", "node-b", "\"ready\":true"),
		      PORT("http", "TCP", 8080)));
	const struct plan_service *s = svc(&f, "default/web:http", AF_INET);

	assert_eps(s->internal_eps, s->n_internal_eps, "10.244.1.6:8080");
	done(&f);
}
END_TEST

START_TEST(test_no_endpoints_reject)
{
	struct fixture f;

	build(&f, WEB_SVC SLICE("web-1", "web", "IPv4",
				EP("10.244.0.5", "node-a",
				   "\"ready\":false,\"serving\":false"),
				PORT("http", "TCP", 8080)));
	const struct plan_service *s = svc(&f, "default/web:http", AF_INET);
	const struct plan_service *d = svc(&f, "default/web:dns", AF_INET);

	ck_assert_int_eq(s->internal_action, PLAN_REJECT);
	ck_assert_int_eq(s->external_action, PLAN_REJECT);
	ck_assert_int_eq(s->n_internal_eps, 0);
	ck_assert_int_eq(d->internal_action, PLAN_REJECT);
	done(&f);
}
END_TEST

#define LOCAL_SVC(policy)                                         \
	SVC("np",                                                 \
	    "\"type\":\"NodePort\",\"clusterIP\":\"10.96.0.20\"," \
	    "\"externalTrafficPolicy\":\"" policy "\","           \
	    "\"ports\":[{\"name\":\"http\",\"port\":80,\"nodePort\":30080}]")

START_TEST(test_external_policy_local)
{
	struct fixture f;

	build(&f, LOCAL_SVC("Local")
			  SLICE("np-1", "np", "IPv4",
				EP("10.244.0.5", "node-a",
				   "") "," EP("10.244.1.5", "node-b", ""),
				PORT("http", "TCP", 8080)));
	const struct plan_service *s = svc(&f, "default/np:http", AF_INET);

	ck_assert(s->external_local);
	ck_assert_int_eq(s->node_port, 30080);
	assert_eps(s->internal_eps, s->n_internal_eps,
		   "10.244.0.5:8080L 10.244.1.5:8080");
	assert_eps(s->external_eps, s->n_external_eps, "10.244.0.5:8080L");
	ck_assert_int_eq(s->external_action, PLAN_FORWARD);
	done(&f);
}
END_TEST

START_TEST(test_external_policy_local_none_here_drops)
{
	struct fixture f;

	build(&f, LOCAL_SVC("Local") SLICE("np-1", "np", "IPv4",
					   EP("10.244.1.5", "node-b", ""),
					   PORT("http", "TCP", 8080)));
	const struct plan_service *s = svc(&f, "default/np:http", AF_INET);

	ck_assert_int_eq(s->internal_action, PLAN_FORWARD);
	ck_assert_int_eq(s->external_action, PLAN_DROP);
	ck_assert_int_eq(s->n_external_eps, 0);
	done(&f);
}
END_TEST

START_TEST(test_external_policy_cluster)
{
	struct fixture f;

	build(&f, LOCAL_SVC("Cluster") SLICE("np-1", "np", "IPv4",
					     EP("10.244.1.5", "node-b", ""),
					     PORT("http", "TCP", 8080)));
	const struct plan_service *s = svc(&f, "default/np:http", AF_INET);

	ck_assert(!s->external_local);
	assert_eps(s->external_eps, s->n_external_eps, "10.244.1.5:8080");
	done(&f);
}
END_TEST

START_TEST(test_both_policies_local_short_circuit)
{
	struct fixture f;

	build(&f,
	      SVC("np2",
		  "\"type\":\"NodePort\",\"clusterIP\":\"10.96.0.21\","
		  "\"externalTrafficPolicy\":\"Local\",\"internalTrafficPolicy\":\"Local\","
		  "\"ports\":[{\"name\":\"http\",\"port\":80,\"nodePort\":30050}]")
		      SLICE("np2-1", "np2", "IPv4",
			    EP("10.244.2.5", "node-b", "") "," EP(
				    "10.244.2.6", "node-b",
				    "\"ready\":false,\"serving\":true,\"terminating\":true"),
			    PORT("http", "TCP", 8080)));
	const struct plan_service *s = svc(&f, "default/np2:http", AF_INET);

	/* nothing local: cluster IP and external traffic are dropped ... */
	ck_assert_int_eq(s->internal_action, PLAN_DROP);
	ck_assert_int_eq(s->external_action, PLAN_DROP);
	/* ... but pods and the node reaching the node port use every
	 * cluster endpoint, as kube-proxy does */
	ck_assert_int_eq(s->short_action, PLAN_FORWARD);
	assert_eps(s->short_eps, s->n_short_eps, "10.244.2.5:8080");
	/* conntrack keeps flows to every serving endpoint */
	assert_eps(s->serving_eps, s->n_serving_eps,
		   "10.244.2.5:8080 10.244.2.6:8080");
	done(&f);
}
END_TEST

START_TEST(test_internal_policy_local)
{
	struct fixture f;

	build(&f,
	      SVC("itp",
		  "\"clusterIP\":\"10.96.0.30\",\"internalTrafficPolicy\":\"Local\","
		  "\"ports\":[{\"port\":80}]")
		      SVC("itp2",
			  "\"clusterIP\":\"10.96.0.31\",\"internalTrafficPolicy\":\"Local\","
			  "\"ports\":[{\"port\":80}]")
			      SLICE("itp-1", "itp", "IPv4",
				    EP("10.244.0.5", "node-a",
				       "") "," EP("10.244.1.5", "node-b", ""),
				    PORT("", "TCP", 8080))
				      SLICE("itp2-1", "itp2", "IPv4",
					    EP("10.244.1.5", "node-b", ""),
					    PORT("", "TCP", 8080)));
	const struct plan_service *s = svc(&f, "default/itp:80", AF_INET);
	const struct plan_service *s2 = svc(&f, "default/itp2:80", AF_INET);

	assert_eps(s->internal_eps, s->n_internal_eps, "10.244.0.5:8080L");
	/* endpoints exist, none here: drop, not reject */
	ck_assert_int_eq(s2->internal_action, PLAN_DROP);
	done(&f);
}
END_TEST

START_TEST(test_dual_stack)
{
	struct fixture f;

	build(&f,
	      SVC("dual",
		  "\"clusterIP\":\"10.96.0.40\",\"clusterIPs\":[\"10.96.0.40\",\"fd00:10:96::40\"],"
		  "\"ipFamilies\":[\"IPv4\",\"IPv6\"],\"ports\":[{\"name\":\"http\",\"port\":80}]")
		      SLICE("dual-4", "dual", "IPv4",
			    EP("10.244.0.5", "node-a", ""),
			    PORT("http", "TCP", 8080))
			      SLICE("dual-6", "dual", "IPv6",
				    EP("fd00:10:244::5", "node-a", ""),
				    PORT("http", "TCP", 8080)));
	const struct plan_service *v4 = svc(&f, "default/dual:http", AF_INET);
	const struct plan_service *v6 = svc(&f, "default/dual:http", AF_INET6);
	char a[NFP_ADDR_STRLEN];

	ck_assert_int_eq(f.p.n_services, 2);
	ck_assert_ptr_nonnull(v4);
	ck_assert_ptr_nonnull(v6);
	ck_assert_str_eq(nfp_addr_str(&v6->cluster_ip, a), "fd00:10:96::40");
	assert_eps(v4->internal_eps, v4->n_internal_eps, "10.244.0.5:8080L");
	assert_eps(v6->internal_eps, v6->n_internal_eps,
		   "fd00:10:244::5:8080L");
	/* families sort IPv4 first */
	ck_assert_int_eq(f.p.services[0].family, AF_INET);
	done(&f);
}
END_TEST

START_TEST(test_fqdn_and_unlabelled_slices_ignored)
{
	struct fixture f;

	build(&f, WEB_SVC
	      "{\"kind\":\"EndpointSlice\",\"apiVersion\":\"discovery.k8s.io/v1\","
	      "\"metadata\":{\"namespace\":\"default\",\"name\":\"orphan\"},"
	      "\"addressType\":\"IPv4\",\"endpoints\":[{\"addresses\":[\"10.244.0.9\"]}],"
	      "\"ports\":[{\"name\":\"http\",\"port\":1}]}\n" SLICE(
		      "web-fqdn", "web", "FQDN",
		      "{\"addresses\":[\"db.example.com\"]}",
		      PORT("http", "TCP", 8080)));
	const struct plan_service *s = svc(&f, "default/web:http", AF_INET);

	ck_assert_int_eq(s->n_internal_eps, 0);
	ck_assert_int_eq(s->internal_action, PLAN_REJECT);
	ck_assert(has_diag(
		&f,
		"EndpointSlice default/orphan: no kubernetes.io/service-name label"));
	ck_assert(has_diag(&f,
			   "EndpointSlice default/web-fqdn: addressType FQDN"));
	done(&f);
}
END_TEST

#define HINTED(h1, h2)                                                        \
	NODE_A WEB_SVC SLICE(                                                 \
		"web-1", "web", "IPv4",                                       \
		"{\"addresses\":[\"10.244.0.5\"],\"nodeName\":\"node-a\"," h1 \
		"},"                                                          \
		"{\"addresses\":[\"10.244.1.5\"],\"nodeName\":\"node-b\"," h2 \
		"}",                                                          \
		PORT("http", "TCP", 8080))

START_TEST(test_topology_hints)
{
	struct fixture f;
	const struct plan_service *s;

	build(&f, HINTED("\"hints\":{\"forZones\":[{\"name\":\"zone-a\"}]}",
			 "\"hints\":{\"forZones\":[{\"name\":\"zone-b\"}]}"));
	s = svc(&f, "default/web:http", AF_INET);
	ck_assert_str_eq(f.p.node.zone, "zone-a");
	assert_eps(s->internal_eps, s->n_internal_eps, "10.244.0.5:8080L");
	done(&f);

	/* one endpoint without hints: hints are not used */
	build(&f, HINTED("\"hints\":{\"forZones\":[{\"name\":\"zone-a\"}]}",
			 "\"zone\":\"zone-b\""));
	s = svc(&f, "default/web:http", AF_INET);
	assert_eps(s->internal_eps, s->n_internal_eps,
		   "10.244.0.5:8080L 10.244.1.5:8080");
	done(&f);

	/* no endpoint for this zone: hints are not used */
	build(&f, HINTED("\"hints\":{\"forZones\":[{\"name\":\"zone-b\"}]}",
			 "\"hints\":{\"forZones\":[{\"name\":\"zone-b\"}]}"));
	s = svc(&f, "default/web:http", AF_INET);
	ck_assert_int_eq(s->n_internal_eps, 2);
	done(&f);
}
END_TEST

START_TEST(test_session_affinity)
{
	struct fixture f;

	build(&f,
	      SVC("a",
		  "\"clusterIP\":\"10.96.0.50\",\"sessionAffinity\":\"ClientIP\",\"ports\":[{\"port\":80}]")
		      SVC("b",
			  "\"clusterIP\":\"10.96.0.51\",\"sessionAffinity\":\"ClientIP\","
			  "\"sessionAffinityConfig\":{\"clientIP\":{\"timeoutSeconds\":600}},\"ports\":[{\"port\":80}]")
			      SVC("c",
				  "\"clusterIP\":\"10.96.0.52\",\"ports\":[{\"port\":80}]"));
	ck_assert_int_eq(svc(&f, "default/a:80", AF_INET)->affinity_timeout,
			 10800);
	ck_assert_int_eq(svc(&f, "default/b:80", AF_INET)->affinity_timeout,
			 600);
	ck_assert_int_eq(svc(&f, "default/c:80", AF_INET)->affinity_timeout, 0);
	done(&f);
}
END_TEST

START_TEST(test_ignored_services)
{
	struct fixture f;

	build(&f,
	      SVC("ext",
		  "\"type\":\"ExternalName\",\"externalName\":\"example.com\"")
		      SVC("hl",
			  "\"clusterIP\":\"None\",\"ports\":[{\"port\":80}]") "{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"namespace\":\"default\","
									      "\"name\":\"other\",\"labels\":{\"service.kubernetes.io/service-proxy-name\":\"x\"}},"
									      "\"spec\":{\"clusterIP\":\"10.96.0.60\",\"ports\":[{\"port\":80}]}}\n");
	ck_assert_int_eq(f.p.n_services, 0);
	ck_assert(has_diag(&f, "Service default/ext: type ExternalName"));
	ck_assert(has_diag(&f, "Service default/hl: headless"));
	ck_assert(has_diag(
		&f,
		"Service default/other: label service.kubernetes.io/service-proxy-name"));
	done(&f);
}
END_TEST

START_TEST(test_load_balancer_and_external_ips)
{
	struct fixture f;

	build(&f,
	      "{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"namespace\":\"default\",\"name\":\"lb\"},"
	      "\"spec\":{\"type\":\"LoadBalancer\",\"clusterIP\":\"10.96.0.70\","
	      "\"externalTrafficPolicy\":\"Local\",\"healthCheckNodePort\":31000,"
	      "\"externalIPs\":[\"198.51.100.20\",\"2001:db8::20\"],"
	      "\"loadBalancerSourceRanges\":[\"198.51.100.0/24\",\"2001:db8::/64\"],"
	      "\"ports\":[{\"port\":80,\"nodePort\":30090}]},"
	      "\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"203.0.113.10\"},"
	      "{\"ip\":\"203.0.113.11\",\"ipMode\":\"Proxy\"}]}}}\n" SVC(
		      "cip",
		      "\"clusterIP\":\"10.96.0.71\",\"ports\":[{\"port\":80,\"nodePort\":30091}]"));
	const struct plan_service *s = svc(&f, "default/lb:80", AF_INET);
	const struct plan_service *c = svc(&f, "default/cip:80", AF_INET);
	char a[NFP_ADDR_STRLEN], b[NFP_CIDR_STRLEN];

	ck_assert_int_eq(s->node_port, 30090);
	ck_assert_int_eq(s->n_lb_ips, 1); /* ipMode Proxy left out */
	ck_assert_str_eq(nfp_addr_str(&s->lb_ips[0], a), "203.0.113.10");
	ck_assert_int_eq(s->n_external_ips, 1); /* the IPv4 one only */
	ck_assert_str_eq(nfp_addr_str(&s->external_ips[0], a), "198.51.100.20");
	ck_assert_int_eq(s->n_lb_source_ranges, 1);
	ck_assert_str_eq(nfp_cidr_str(&s->lb_source_ranges[0], b),
			 "198.51.100.0/24");
	ck_assert_int_eq(s->health_check_node_port, 31000);
	ck_assert(s->external_local);
	ck_assert_int_eq(c->node_port, 0); /* ClusterIP has no node port */
	done(&f);
}
END_TEST

START_TEST(test_duplicate_endpoints_across_slices)
{
	struct fixture f;

	build(&f, WEB_SVC SLICE("web-1", "web", "IPv4",
				EP("10.244.0.5", "node-a", ""),
				PORT("http", "TCP", 8080))
			  SLICE("web-2", "web", "IPv4",
				EP("10.244.0.5", "node-a", ""),
				PORT("http", "TCP", 8080)));
	const struct plan_service *s = svc(&f, "default/web:http", AF_INET);

	assert_eps(s->internal_eps, s->n_internal_eps, "10.244.0.5:8080L");
	done(&f);
}
END_TEST

#define POD(name, node, phase, extra, ports)                                   \
	"{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"namespace\":" \
	"\"default\",\"name\":\"" name "\"},\"spec\":{\"nodeName\":\"" node    \
	"\"" extra ",\"containers\":[{\"name\":\"c\",\"ports\":[" ports        \
	"]}]},"                                                                \
	"\"status\":{\"phase\":\"" phase "\",\"podIP\":\"10.244.0.9\","        \
	"\"podIPs\":[{\"ip\":\"10.244.0.9\"},{\"ip\":\"fd00:10:244::9\"}]}}\n"

START_TEST(test_hostports)
{
	struct fixture f;
	char a[NFP_ADDR_STRLEN];

	build(&f,
	      POD("a", "node-a", "Running", "",
		  "{\"containerPort\":80,\"hostPort\":8080},"
		  "{\"containerPort\":53,\"hostPort\":5353,\"protocol\":\"UDP\",\"hostIP\":\"192.168.50.10\"},"
		  "{\"containerPort\":9000}") POD("b", "node-a", "Running", "",
						  "{\"containerPort\":81,\"hostPort\":8080}")
		      POD("c", "node-b", "Running", "",
			  "{\"containerPort\":80,\"hostPort\":7070}")
			      POD("d", "node-a", "Pending", "",
				  "{\"containerPort\":80,\"hostPort\":7071}")
				      POD("e", "node-a", "Running",
					  ",\"hostNetwork\":true",
					  "{\"containerPort\":7072,\"hostPort\":7072}"));
	/* a: 8080/tcp v4+v6, 5353/udp v4 only (hostIP); b loses 8080 */
	ck_assert_int_eq(f.p.n_hostports, 3);
	ck_assert_int_eq(f.p.hostports[0].family, AF_INET);
	ck_assert_int_eq(f.p.hostports[0].proto, NFP_PROTO_TCP);
	ck_assert_int_eq(f.p.hostports[0].host_port, 8080);
	ck_assert_int_eq(f.p.hostports[0].container_port, 80);
	ck_assert_str_eq(f.p.hostports[0].pod, "default/a");
	ck_assert_int_eq(f.p.hostports[0].host_ip.family, 0);
	ck_assert_int_eq(f.p.hostports[1].proto, NFP_PROTO_UDP);
	ck_assert_str_eq(nfp_addr_str(&f.p.hostports[1].host_ip, a),
			 "192.168.50.10");
	ck_assert_int_eq(f.p.hostports[2].family, AF_INET6);
	ck_assert(has_diag(
		&f,
		"Pod default/b: hostPort tcp/8080 on every address already taken by pod default/a"));
	done(&f);
}
END_TEST

START_TEST(test_egress_masq)
{
	struct fixture f;
	char b[NFP_CIDR_STRLEN];

	build(&f, NODE_A);
	ck_assert(f.p.masq.enabled);
	ck_assert_int_eq(f.p.masq.n_pod_cidrs, 2);
	/* default non-masquerade: the cluster CIDRs plus link-local */
	ck_assert_int_eq(f.p.masq.n_non_masq_cidrs, 4);
	ck_assert_str_eq(nfp_cidr_str(&f.p.masq.non_masq_cidrs[0], b),
			 "10.244.0.0/16");
	ck_assert_str_eq(nfp_cidr_str(&f.p.masq.non_masq_cidrs[1], b),
			 "169.254.0.0/16");
	ck_assert_int_eq(f.p.node.n_addrs, 1);
	done(&f);

	memset(&f, 0, sizeof(f));
	f.cfg.hostname = NODE;
	plan_build(&f.c, &f.cfg, &f.p, &f.d);
	ck_assert(!f.p.masq.enabled); /* no cluster CIDR: off */
	done(&f);
}
END_TEST

START_TEST(test_deterministic_order)
{
	struct fixture f;

	build(&f,
	      SVC("zz", "\"clusterIP\":\"10.96.0.2\",\"ports\":[{\"port\":80}]") SVC(
		      "aa",
		      "\"clusterIP\":\"10.96.0.3\",\"ports\":[{\"port\":80}]"));
	ck_assert_str_eq(f.p.services[0].id, "default/aa:80");
	ck_assert_str_eq(f.p.services[1].id, "default/zz:80");
	done(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("plan_build");
	TCase *tc = tcase_create("semantics");

	tcase_add_test(tc, test_cluster_ip_ports_by_name);
	tcase_add_test(tc, test_unnamed_port_id_and_protocol_match);
	tcase_add_test(tc, test_not_ready_left_out);
	tcase_add_test(tc, test_terminating_fallback);
	tcase_add_test(tc, test_ready_beats_terminating);
	tcase_add_test(tc, test_no_endpoints_reject);
	tcase_add_test(tc, test_external_policy_local);
	tcase_add_test(tc, test_external_policy_local_none_here_drops);
	tcase_add_test(tc, test_external_policy_cluster);
	tcase_add_test(tc, test_internal_policy_local);
	tcase_add_test(tc, test_both_policies_local_short_circuit);
	tcase_add_test(tc, test_dual_stack);
	tcase_add_test(tc, test_fqdn_and_unlabelled_slices_ignored);
	tcase_add_test(tc, test_topology_hints);
	tcase_add_test(tc, test_session_affinity);
	tcase_add_test(tc, test_ignored_services);
	tcase_add_test(tc, test_load_balancer_and_external_ips);
	tcase_add_test(tc, test_duplicate_endpoints_across_slices);
	tcase_add_test(tc, test_hostports);
	tcase_add_test(tc, test_egress_masq);
	tcase_add_test(tc, test_deterministic_order);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
