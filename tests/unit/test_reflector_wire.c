// SPDX-License-Identifier: GPL-2.0
/*
 * watch/reflector_wire.c: backoff and timeout arithmetic, the
 * line splitter, the watch event and list decoders, request URLs.
 */
#include "testutil.h"
#include "util/xalloc.h"
#include "watch/reflector.h"

#include <errno.h>

/* JSON with ' for " (no test needs a real '). */
static char *js(const char *text)
{
	char *buf = xstrdup(text);

	for (char *p = buf; *p; p++)
		if (*p == '\'')
			*p = '"';
	return buf;
}

static const char *msgs(const struct diag_list *d)
{
	static char buf[4096];
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < d->n && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s\n",
					d->items[i].msg);
	return buf;
}

#define assert_msg_has(d, s)                                              \
	ck_assert_msg(strstr(msgs(d), s) != NULL, "no \"%s\" in:\n%s", s, \
		      msgs(d))

START_TEST(test_backoff)
{
	static const long want[] = {800,   1600,  3200,	 6400,
				    12800, 25600, 30000, 30000};

	for (unsigned int i = 0; i < 8; i++)
		ck_assert_int_eq(watch_backoff_ms(800, 30000, i, 0.0), want[i]);
	/* Jitter takes at most a quarter off, never adds. */
	ck_assert_int_eq(watch_backoff_ms(800, 30000, 0, 0.5), 700);
	ck_assert_int_eq(watch_backoff_ms(800, 30000, 10, 0.999999), 22500);
	ck_assert_int_eq(watch_backoff_ms(800, 30000, 1000, 0.0), 30000);
	ck_assert_int_eq(watch_backoff_ms(10, 50, 3, 0.0), 50);
	ck_assert_int_eq(watch_backoff_ms(800, 30000, 0, 7.0), 600);

	ck_assert_uint_eq(watch_timeout_s(300, 0.0), 300);
	ck_assert_uint_eq(watch_timeout_s(300, 0.5), 450);
	ck_assert_uint_eq(watch_timeout_s(300, 0.9999), 599);
	ck_assert_uint_eq(watch_timeout_s(2, 0.5), 3);
}
END_TEST

START_TEST(test_rand)
{
	uint64_t a = 42, b = 42, z = 0;
	double lo = 1, hi = 0;

	for (int i = 0; i < 10000; i++) {
		double x = watch_rand01(&a);

		ck_assert(x >= 0 && x < 1);
		ck_assert(x == watch_rand01(&b)); /* deterministic */
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
	}
	ck_assert(lo < 0.01 && hi > 0.99);
	watch_rand01(&z);
	ck_assert(z != 0);
}
END_TEST

struct collected {
	char lines[16][64];
	int n;
	int stop_at; /* return -EIO for this line (1-based), 0: never */
};

static int collect(void *ud, const char *line, size_t len)
{
	struct collected *c = ud;

	ck_assert_int_lt(c->n, 16);
	ck_assert_uint_lt(len, 64);
	memcpy(c->lines[c->n], line, len);
	c->lines[c->n][len] = '\0';
	c->n++;
	return c->n == c->stop_at ? -EIO : 0;
}

START_TEST(test_lines_chunks)
{
	static const char text[] = "{\"a\":1}\r\n\n{\"b\":2}\nlast\nte";
	struct watch_lines l = {.max = 64};

	/* Every way of cutting the text in three gives the same lines. */
	for (size_t i = 0; i <= sizeof(text) - 1; i++) {
		for (size_t j = i; j <= sizeof(text) - 1; j++) {
			struct collected c = {0};

			ck_assert_int_eq(
				watch_lines_feed(&l, text, i, collect, &c), 0);
			ck_assert_int_eq(watch_lines_feed(&l, text + i, j - i,
							  collect, &c),
					 0);
			ck_assert_int_eq(watch_lines_feed(&l, text + j,
							  sizeof(text) - 1 - j,
							  collect, &c),
					 0);
			ck_assert_int_eq(c.n, 3);
			ck_assert_str_eq(c.lines[0], "{\"a\":1}");
			ck_assert_str_eq(c.lines[1], "{\"b\":2}");
			ck_assert_str_eq(c.lines[2], "last");
			ck_assert_uint_eq(l.partial.len, 2); /* "te" waits */
			watch_lines_reset(&l);
		}
	}
	watch_lines_release(&l);
}
END_TEST

START_TEST(test_lines_limits)
{
	struct watch_lines l = {.max = 8};
	struct collected c = {0};

	/* Exactly max bytes is fine, across chunks too. */
	ck_assert_int_eq(watch_lines_feed(&l, "1234", 4, collect, &c), 0);
	ck_assert_int_eq(watch_lines_feed(&l, "5678\n", 5, collect, &c), 0);
	ck_assert_str_eq(c.lines[0], "12345678");
	/* One more, even before its newline arrives, is not. */
	ck_assert_int_eq(watch_lines_feed(&l, "12345", 5, collect, &c), 0);
	ck_assert_int_eq(watch_lines_feed(&l, "6789", 4, collect, &c),
			 -EMSGSIZE);
	ck_assert_uint_eq(l.partial.len, 0);
	ck_assert_int_eq(watch_lines_feed(&l, "123456789\n", 10, collect, &c),
			 -EMSGSIZE);
	/* After a reset the splitter works again. */
	watch_lines_reset(&l);
	ck_assert_int_eq(watch_lines_feed(&l, "ok\n", 3, collect, &c), 0);
	ck_assert_int_eq(c.n, 2);
	ck_assert_str_eq(c.lines[1], "ok");
	/* The callback's error stops the feed. */
	c.stop_at = 3;
	ck_assert_int_eq(watch_lines_feed(&l, "x\ny\n", 4, collect, &c), -EIO);
	ck_assert_int_eq(c.n, 3);
	watch_lines_release(&l);
}
END_TEST

#define SVC_WEB(rv, port)                                               \
	"{'kind':'Service','apiVersion':'v1','metadata':{'name':'web'," \
	"'namespace':'default','uid':'u1','resourceVersion':'" rv "'}," \
	"'spec':{'clusterIP':'10.96.0.10','ports':[{'port':" port "}]}}"

static int decode_event(enum watch_kind k, const char *text,
			struct watch_event *ev, struct diag_list *d)
{
	char *buf = js(text);
	int err = watch_event_decode(k, buf, strlen(buf), ev, d);

	free(buf);
	return err;
}

START_TEST(test_event_objects)
{
	struct diag_list d = {0};
	struct watch_event ev;

	ck_assert_int_eq(
		decode_event(WATCH_SERVICES,
			     "{'type':'ADDED','object':" SVC_WEB("7", "80") "}",
			     &ev, &d),
		0);
	ck_assert_int_eq(ev.type, WATCH_EV_ADDED);
	ck_assert(ev.decoded);
	ck_assert_str_eq(ev.ns, "default");
	ck_assert_str_eq(ev.name, "web");
	ck_assert_str_eq(ev.rv, "7");
	ck_assert_str_eq(ev.obj.service.meta.name, "web");
	ck_assert_uint_eq(ev.obj.service.ports[0].port, 80);
	ck_assert_uint_eq(d.n, 0);
	watch_event_release(WATCH_SERVICES, &ev);

	/* Our decoder rejects the object: the event still counts. */
	ck_assert_int_eq(decode_event(WATCH_SERVICES,
				      "{'type':'MODIFIED','object':" SVC_WEB(
					      "8", "99999") "}",
				      &ev, &d),
			 0);
	ck_assert_int_eq(ev.type, WATCH_EV_MODIFIED);
	ck_assert(!ev.decoded);
	ck_assert_str_eq(ev.name, "web");
	ck_assert_str_eq(ev.rv, "8");
	assert_msg_has(&d, "Service default/web: spec.ports[0].port");
	watch_event_release(WATCH_SERVICES, &ev);
	diag_list_free(&d);

	/* DELETED needs only the key (a partial object is fine). */
	ck_assert_int_eq(decode_event(WATCH_SERVICES,
				      "{'type':'DELETED','object':{'kind':"
				      "'Service','metadata':{'name':'web',"
				      "'namespace':'prod','resourceVersion':"
				      "'9'}}}",
				      &ev, &d),
			 0);
	ck_assert_int_eq(ev.type, WATCH_EV_DELETED);
	ck_assert(!ev.decoded);
	ck_assert_str_eq(ev.ns, "prod");
	ck_assert_str_eq(ev.rv, "9");
	watch_event_release(WATCH_SERVICES, &ev);

	/* Cluster-scoped: the namespace is "". */
	ck_assert_int_eq(decode_event(WATCH_NODES,
				      "{'type':'ADDED','object':{'kind':'Node',"
				      "'metadata':{'name':'node-a',"
				      "'resourceVersion':'3'},'spec':{"
				      "'podCIDR':'10.244.1.0/24'}}}",
				      &ev, &d),
			 0);
	ck_assert(ev.decoded);
	ck_assert_str_eq(ev.ns, "");
	ck_assert_uint_eq(ev.obj.node.n_pod_cidrs, 1);
	watch_event_release(WATCH_NODES, &ev);
	ck_assert_uint_eq(d.n, 0);
}
END_TEST

START_TEST(test_event_bookmark_error)
{
	struct diag_list d = {0};
	struct watch_event ev;

	ck_assert_int_eq(
		decode_event(WATCH_SLICES,
			     "{'type':'BOOKMARK','object':{'kind':"
			     "'EndpointSlice','apiVersion':"
			     "'discovery.k8s.io/v1','metadata':{"
			     "'resourceVersion':'12345','annotations'"
			     ":{'k8s.io/initial-events-end':'true'}}}}",
			     &ev, &d),
		0);
	ck_assert_int_eq(ev.type, WATCH_EV_BOOKMARK);
	ck_assert_str_eq(ev.rv, "12345");
	ck_assert_ptr_null(ev.name);
	watch_event_release(WATCH_SLICES, &ev);

	ck_assert_int_eq(decode_event(WATCH_SERVICES,
				      "{'type':'ERROR','object':{'kind':"
				      "'Status','apiVersion':'v1','status':"
				      "'Failure','message':'too old resource "
				      "version: 5 (100)','reason':'Expired',"
				      "'code':410}}",
				      &ev, &d),
			 0);
	ck_assert_int_eq(ev.type, WATCH_EV_ERROR);
	ck_assert_int_eq(ev.code, 410);
	ck_assert_str_eq(ev.message,
			 "Expired: too old resource version: 5 (100)");
	ck_assert_ptr_null(ev.rv);
	watch_event_release(WATCH_SERVICES, &ev);
	ck_assert_uint_eq(d.n, 0);
}
END_TEST

START_TEST(test_event_garbage)
{
	static const struct {
		const char *line;
		const char *msg;
	} bad[] = {
		{"not json at all", "watch services: event is not JSON"},
		{"{'type':'ADDED'", "watch services: event is not JSON"},
		{"[1,2]", "watch services: event has no known type: [1,2]"},
		{"{'type':'UPSERTED','object':{}}",
		 "watch services: event has no known type"},
		{"{'type':'ADDED'}",
		 "watch services: ADDED event without an object"},
		{"{'type':'ADDED','object':{'kind':'Pod','metadata':{'name':"
		 "'x'}}}",
		 "watch services: ADDED event carries a Pod, want a Service"},
		{"{'type':'MODIFIED','object':{'metadata':{}}}",
		 "watch services: MODIFIED event: object without "
		 "metadata.name"},
		{"{'type':'BOOKMARK','object':{'metadata':{}}}",
		 "watch services: BOOKMARK without metadata.resourceVersion"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct diag_list d = {0};
		struct watch_event ev;

		ck_assert_int_eq(
			decode_event(WATCH_SERVICES, bad[i].line, &ev, &d),
			-EINVAL);
		ck_assert_int_eq(d.n, 1);
		ck_assert_int_eq(d.items[0].level, DIAG_ERROR);
		assert_msg_has(&d, bad[i].msg);
		ck_assert_ptr_null(ev.name);
		diag_list_free(&d);
	}
}
END_TEST

START_TEST(test_list_decode)
{
	struct k8s_cluster c = {0};
	struct diag_list d = {0};
	char *body, *rv, *cont;

	body = js(
		"{'kind':'ServiceList','apiVersion':'v1','metadata':{"
		"'resourceVersion':'500','continue':'eyJ2IjoibWV0YS'},"
		"'items':[" SVC_WEB(
			"1",
			"80") ","
			      "{'metadata':{'name':'bad','namespace':'default'},'spec':{"
			      "'clusterIP':'10.96.0.11','ports':[{'port':0}]}},"
			      "{'metadata':{'name':'dns','namespace':'kube-system',"
			      "'resourceVersion':'2'},'spec':{'clusterIP':'10.96.0.10',"
			      "'ports':[{'port':53,'protocol':'UDP'}]}}]}");
	ck_assert_int_eq(watch_list_decode(WATCH_SERVICES, body, strlen(body),
					   &c, &rv, &cont, &d),
			 0);
	ck_assert_str_eq(rv, "500");
	ck_assert_str_eq(cont, "eyJ2IjoibWV0YS");
	ck_assert_uint_eq(c.n_services, 2);
	ck_assert_str_eq(c.services[0].meta.name, "web");
	ck_assert_str_eq(c.services[1].meta.name, "dns");
	ck_assert_int_eq(d.n, 1);
	assert_msg_has(&d, "Service default/bad: spec.ports[0].port");
	free(body);
	free(rv);
	free(cont);
	diag_list_free(&d);

	/* The last page: no continue; an empty list has items null. */
	body = js("{'kind':'ServiceList','metadata':{'resourceVersion':'9',"
		  "'continue':''},'items':null}");
	ck_assert_int_eq(watch_list_decode(WATCH_SERVICES, body, strlen(body),
					   &c, &rv, &cont, &d),
			 0);
	ck_assert_str_eq(rv, "9");
	ck_assert_ptr_null(cont);
	ck_assert_uint_eq(c.n_services, 2);
	free(body);
	free(rv);

	body = js("{'kind':'Status','apiVersion':'v1','status':'Failure',"
		  "'code':403}");
	ck_assert_int_eq(watch_list_decode(WATCH_SERVICES, body, strlen(body),
					   &c, &rv, &cont, &d),
			 -EINVAL);
	assert_msg_has(&d, "list services: got a Status, want a ServiceList");
	free(body);
	diag_list_free(&d);

	body = js("{'kind':'PodList','metadata':{},'items':[]}");
	ck_assert_int_eq(watch_list_decode(WATCH_PODS, body, strlen(body), &c,
					   &rv, &cont, &d),
			 -EINVAL);
	assert_msg_has(&d,
		       "list pods: response without metadata.resourceVersion");
	free(body);
	diag_list_free(&d);

	ck_assert_int_eq(
		watch_list_decode(WATCH_NODES, "<html>", 6, &c, &rv, &cont, &d),
		-EINVAL);
	assert_msg_has(&d, "list nodes: response is not a JSON object");
	diag_list_free(&d);
	k8s_cluster_clear(&c);
}
END_TEST

START_TEST(test_request_paths)
{
	struct watch_request q = {.limit = 500};
	char *p;

	p = watch_request_path(WATCH_SERVICES, "node-a", &q);
	ck_assert_str_eq(p, "/api/v1/services?limit=500&labelSelector="
			    "%21service.kubernetes.io%2Fservice-proxy-name%2C"
			    "%21service.kubernetes.io%2Fheadless");
	free(p);
	q.cont = "a+b/c=";
	p = watch_request_path(WATCH_SLICES, NULL, &q);
	ck_assert_str_eq(p, "/apis/discovery.k8s.io/v1/endpointslices?limit=500"
			    "&continue=a%2Bb%2Fc%3D&labelSelector="
			    "%21service.kubernetes.io%2Fservice-proxy-name%2C"
			    "%21service.kubernetes.io%2Fheadless");
	free(p);
	q = (struct watch_request){
		.watch = true, .rv = "123", .timeout_s = 421};
	p = watch_request_path(WATCH_PODS, "node-a", &q);
	ck_assert_str_eq(p, "/api/v1/pods?watch=true&allowWatchBookmarks=true"
			    "&resourceVersion=123&timeoutSeconds=421"
			    "&fieldSelector=spec.nodeName%3Dnode-a");
	free(p);
	q = (struct watch_request){.limit = 500};
	p = watch_request_path(WATCH_NODES, "node-a", &q);
	ck_assert_str_eq(p, "/api/v1/nodes?limit=500"
			    "&fieldSelector=metadata.name%3Dnode-a");
	free(p);
}
END_TEST

START_TEST(test_describe_status)
{
	static const struct {
		long status;
		const char *body;
		const char *want;
	} cases[] = {
		{403,
		 "{\"kind\":\"Status\",\"message\":\"services is forbidden: "
		 "User \\\"x\\\" cannot list\"}",
		 "HTTP 403: services is forbidden: User \"x\" cannot list"},
		{500, "{}", "HTTP 500"},
		{502, "", "HTTP 502"},
		{503, "<html>\n\tdown</html>", "HTTP 503: <html>??down</html>"},
		{504,
		 "0123456789012345678901234567890123456789012345678901234567"
		 "89tail",
		 "HTTP 504: 0123456789012345678901234567890123456789012345678901"
		 "23456789..."},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf sb = {0};

		watch_describe_status(cases[i].status, cases[i].body,
				      strlen(cases[i].body), &sb);
		ck_assert_str_eq(sb.buf, cases[i].want);
		strbuf_release(&sb);
	}
}
END_TEST

START_TEST(test_options_defaults)
{
	struct watch_options in = {.backoff_initial_ms = 5,
				   .backoff_max_ms = 2};
	struct watch_options o = watch_options_defaults(&in);

	ck_assert_uint_eq(o.backoff_initial_ms, 5);
	ck_assert_uint_eq(o.backoff_max_ms, 5);
	ck_assert_uint_eq(o.watch_timeout_min_s, 300);
	ck_assert_uint_eq(o.max_line_bytes, 16u << 20);
	ck_assert_uint_eq(o.page_size, 500);
	o = watch_options_defaults(NULL);
	ck_assert_uint_eq(o.backoff_initial_ms, 800);
	ck_assert_uint_eq(o.backoff_max_ms, 30000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reflector_wire");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_backoff);
	tcase_add_test(tc, test_rand);
	tcase_add_test(tc, test_lines_chunks);
	tcase_add_test(tc, test_lines_limits);
	tcase_add_test(tc, test_event_objects);
	tcase_add_test(tc, test_event_bookmark_error);
	tcase_add_test(tc, test_event_garbage);
	tcase_add_test(tc, test_list_decode);
	tcase_add_test(tc, test_request_paths);
	tcase_add_test(tc, test_describe_status);
	tcase_add_test(tc, test_options_defaults);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
