// SPDX-License-Identifier: GPL-2.0
/*
 * watch/client.c and watch/reflector.c against a canned API server: a
 * forked child on 127.0.0.1 answers each request with the first unused
 * script entry whose text it contains, as chunked HTTP/1.1, and reports
 * every request line (with its Authorization header) back on a pipe. The
 * test drives the client from a small epoll loop, as the daemon does.
 */
#include "testutil.h"
#include "util/xalloc.h"
#include "watch/client.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The scripts below are tables read left to right; fields left out at the
 * end of an entry are zero on purpose. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* A guard against a hung test, not a timing assertion. */
#define RUN_LIMIT_MS 20000
#define MAX_REQ 64
#define MAX_CONN 16

enum end { END_CLEAN, END_CUT, END_HANG };

struct canned {
	const char *expect; /* the request line must contain this */
	int status;
	const char *headers;   /* extra "Name: value\r\n" lines, or NULL */
	const char *chunks[8]; /* each sent as one chunk; ' becomes " */
	enum end end;
	bool gated; /* wait for a byte on the control pipe first */
};

struct server {
	pid_t pid;
	int port;
	int report_fd; /* parent reads request lines */
	int ctl_fd;    /* parent writes gate bytes */
};

/* ------------------------------------------------------------------ */
/* The child                                                          */

struct conn {
	int fd;
	char buf[8192];
	size_t len;
	bool hung;
};

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void sendf(int fd, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	write_all(fd, buf, (size_t)n);
}

static void send_chunk(int fd, const char *text)
{
	char *s = xstrdup(text);

	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	sendf(fd, "%zx\r\n", strlen(s));
	write_all(fd, s, strlen(s));
	write_all(fd, "\r\n", 2);
	free(s);
	usleep(2000); /* let the client read chunks one by one */
}

/* Returns false when the connection is to be closed. */
static bool serve(struct conn *c, const char *req, struct canned *script,
		  size_t n, bool *used, int report_fd, int ctl_fd)
{
	char line[512], auth[256] = "-", report[800];
	const char *eol = strstr(req, "\r\n"), *a;
	struct canned *k = NULL;

	snprintf(line, sizeof(line), "%.*s", (int)(eol - req), req);
	a = strcasestr(req, "\r\nAuthorization: ");
	if (a) {
		a += strlen("\r\nAuthorization: ");
		snprintf(auth, sizeof(auth), "%.*s",
			 (int)(strstr(a, "\r\n") - a), a);
	}
	for (size_t i = 0; i < n && !k; i++) {
		if (!used[i] && strstr(line, script[i].expect)) {
			used[i] = true;
			k = &script[i];
		}
	}
	snprintf(report, sizeof(report), "%s|%s|%s\n", line, auth,
		 k ? "ok" : "UNEXPECTED");
	write_all(report_fd, report, strlen(report));
	if (!k) {
		sendf(c->fd, "HTTP/1.1 599 Unexpected\r\nContent-Length: 0"
			     "\r\n\r\n");
		return true;
	}
	if (k->gated) {
		char b;

		if (read(ctl_fd, &b, 1) != 1)
			_exit(1);
	}
	sendf(c->fd,
	      "HTTP/1.1 %d Canned\r\nContent-Type: application/json\r\n"
	      "Transfer-Encoding: chunked\r\n%s\r\n",
	      k->status, k->headers ? k->headers : "");
	for (int i = 0; i < 8 && k->chunks[i]; i++)
		send_chunk(c->fd, k->chunks[i]);
	switch (k->end) {
	case END_CLEAN:
		sendf(c->fd, "0\r\n\r\n");
		return true;
	case END_CUT:
		return false;
	case END_HANG:
	default:
		c->hung = true;
		return true;
	}
}

static void child(int lfd, struct canned *script, size_t n, int report_fd,
		  int ctl_fd)
{
	struct conn conns[MAX_CONN] = {0};
	bool used[MAX_REQ] = {0};
	size_t nc = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		struct pollfd pfd[MAX_CONN + 1];

		pfd[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
		for (size_t i = 0; i < nc; i++)
			pfd[i + 1] = (struct pollfd){.fd = conns[i].fd,
						     .events = POLLIN};
		if (poll(pfd, nc + 1, -1) < 0)
			continue;
		if ((pfd[0].revents & POLLIN) && nc < MAX_CONN) {
			int fd = accept(lfd, NULL, NULL);

			if (fd >= 0)
				conns[nc++] = (struct conn){.fd = fd};
		}
		for (size_t i = nc; i-- > 0;) {
			struct conn *c = &conns[i];
			bool keep = true;
			char *end;
			ssize_t r;

			if (!(pfd[i + 1].revents &
			      (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(c->fd, c->buf + c->len,
				 sizeof(c->buf) - 1 - c->len);
			if (r <= 0) {
				keep = false;
			} else if (!c->hung) {
				c->len += (size_t)r;
				c->buf[c->len] = '\0';
				while (keep && !c->hung &&
				       (end = strstr(c->buf, "\r\n\r\n"))) {
					size_t used_len =
						(size_t)(end + 4 - c->buf);

					*end = '\0';
					strcat(c->buf, "\r\n");
					keep = serve(c, c->buf, script, n, used,
						     report_fd, ctl_fd);
					memmove(c->buf, c->buf + used_len,
						c->len - used_len + 1);
					c->len -= used_len;
				}
			}
			if (!keep) {
				close(c->fd);
				conns[i] = conns[--nc];
			}
		}
	}
}

static void server_start(struct server *s, struct canned *script, size_t n)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int rep[2], ctl[2], lfd;

	ck_assert_uint_le(n, MAX_REQ);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(lfd, 16), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
	s->port = ntohs(sa.sin_port);
	ck_assert_int_eq(pipe2(rep, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(ctl, O_CLOEXEC), 0);
	s->pid = fork();
	ck_assert_int_ge(s->pid, 0);
	if (s->pid == 0) {
		close(rep[0]);
		close(ctl[1]);
		signal(SIGPIPE, SIG_IGN);
		child(lfd, script, n, rep[1], ctl[0]);
		_exit(0);
	}
	close(lfd);
	close(rep[1]);
	close(ctl[0]);
	s->report_fd = rep[0];
	s->ctl_fd = ctl[1];
	fcntl(s->report_fd, F_SETFL, O_NONBLOCK);
}

static void server_stop(struct server *s)
{
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	close(s->report_fd);
	close(s->ctl_fd);
}

/* ------------------------------------------------------------------ */
/* The parent: a loop like the daemon's                               */

struct harness {
	int ep;
	long long timer_at; /* -1: none */
	struct watch_client *c;
	struct server srv;
	char req[MAX_REQ][800];
	int n_req;
	char partial[800];
	size_t partial_len;
	int changes;
	struct diag_list log;
};

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int h_watch_fd(void *loop, int fd, int events)
{
	struct harness *h = loop;
	struct epoll_event ev = {.events = (uint32_t)events, .data.fd = fd};

	if (!events) {
		epoll_ctl(h->ep, EPOLL_CTL_DEL, fd, NULL);
		return 0;
	}
	if (epoll_ctl(h->ep, EPOLL_CTL_MOD, fd, &ev) == 0)
		return 0;
	return epoll_ctl(h->ep, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : -errno;
}

static int h_set_timer(void *loop, long ms)
{
	struct harness *h = loop;

	h->timer_at = ms < 0 ? -1 : mono_ms() + ms;
	return 0;
}

static const struct watch_loop_ops h_ops = {
	.watch_fd = h_watch_fd,
	.set_timer = h_set_timer,
};

static void h_on_change(void *ud)
{
	struct harness *h = ud;

	h->changes++;
}

static void h_on_log(void *ud, enum diag_level level, const char *msg)
{
	struct harness *h = ud;

	diag_addf(&h->log, level, "%s", msg);
	if (getenv("WATCH_TEST_VERBOSE"))
		fprintf(stderr, "  log %d: %s\n", level, msg);
}

static void read_reports(struct harness *h)
{
	char buf[4096];
	ssize_t r;

	while ((r = read(h->srv.report_fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < r; i++) {
			if (buf[i] != '\n') {
				if (h->partial_len < sizeof(h->partial) - 1)
					h->partial[h->partial_len++] = buf[i];
				continue;
			}
			h->partial[h->partial_len] = '\0';
			ck_assert_int_lt(h->n_req, MAX_REQ);
			snprintf(h->req[h->n_req++], sizeof(h->req[0]), "%s",
				 h->partial);
			h->partial_len = 0;
		}
	}
}

/* The server and the loop; the client comes with harness_client(). */
static void harness_serve(struct harness *h, struct canned *script, size_t n)
{
	struct epoll_event ev = {.events = EPOLLIN};

	memset(h, 0, sizeof(*h));
	h->timer_at = -1;
	h->ep = epoll_create1(EPOLL_CLOEXEC);
	ck_assert_int_ge(h->ep, 0);
	server_start(&h->srv, script, n);
	ev.data.fd = h->srv.report_fd;
	ck_assert_int_eq(epoll_ctl(h->ep, EPOLL_CTL_ADD, h->srv.report_fd, &ev),
			 0);
}

/* A client for cfg (--master at the server when cfg is empty). */
static void harness_client(struct harness *h, struct watch_client_opts *o,
			   struct kube_config *cfg)
{
	struct diag_list d = {0};

	if (!cfg->server) {
		char url[64];

		snprintf(url, sizeof(url), "http://127.0.0.1:%d", h->srv.port);
		ck_assert_int_eq(kube_config_load(NULL, NULL, url, cfg, &d), 0);
	}
	o->cfg = cfg;
	o->ops = &h_ops;
	o->loop = h;
	o->on_change = h_on_change;
	o->on_log = h_on_log;
	o->ud = h;
	if (!o->seed)
		o->seed = 1;
	h->c = watch_client_new(o, &d);
	ck_assert_msg(h->c != NULL, "%s", d.n ? d.items[0].msg : "?");
	diag_list_free(&d);
	ck_assert_int_eq(watch_client_start(h->c), 0);
}

static void harness_start(struct harness *h, struct canned *script, size_t n,
			  struct watch_client_opts *o, struct kube_config *cfg)
{
	harness_serve(h, script, n);
	harness_client(h, o, cfg);
}

static void harness_stop(struct harness *h)
{
	watch_client_free(h->c);
	server_stop(&h->srv);
	close(h->ep);
	diag_list_free(&h->log);
}

/* Run the loop until want(h) holds; false if it never does. */
static bool run_until(struct harness *h, bool (*want)(struct harness *h))
{
	long long limit = mono_ms() + RUN_LIMIT_MS;

	while (!want(h)) {
		struct epoll_event evs[16];
		long long now = mono_ms();
		int timeout = 100, n;

		if (now > limit)
			return false;
		if (h->timer_at >= 0)
			timeout = h->timer_at <= now ? 0
						     : (int)(h->timer_at - now);
		if (timeout > 100)
			timeout = 100;
		n = epoll_wait(h->ep, evs, 16, timeout);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == h->srv.report_fd)
				read_reports(h);
			else
				watch_client_on_fd(h->c, evs[i].data.fd,
						   (int)evs[i].events);
		}
		if (h->timer_at >= 0 && mono_ms() >= h->timer_at) {
			h->timer_at = -1;
			watch_client_on_timer(h->c);
		}
	}
	return true;
}

static int want_requests;

static bool enough_requests(struct harness *h)
{
	return h->n_req >= want_requests;
}

static void run_requests(struct harness *h, int n)
{
	want_requests = n;
	if (!run_until(h, enough_requests)) {
		for (int i = 0; i < h->n_req; i++)
			fprintf(stderr, "  req %d: %s\n", i, h->req[i]);
		for (size_t i = 0; i < h->log.n; i++)
			fprintf(stderr, "  log: %s\n", h->log.items[i].msg);
		ck_abort_msg("saw %d requests, want %d", h->n_req, n);
	}
	for (int i = 0; i < h->n_req; i++)
		ck_assert_msg(strstr(h->req[i], "|ok"), "request %d: %s", i,
			      h->req[i]);
}

static void assert_logged(struct harness *h, const char *s)
{
	for (size_t i = 0; i < h->log.n; i++)
		if (strstr(h->log.items[i].msg, s))
			return;
	for (size_t i = 0; i < h->log.n; i++)
		fprintf(stderr, "  log: %s\n", h->log.items[i].msg);
	ck_abort_msg("nothing logged with \"%s\"", s);
}

static const struct k8s_service *svc(struct harness *h, const char *name)
{
	return (const struct k8s_service *)watch_cache_find(
		watch_client_cache(h->c), WATCH_SERVICES, "default", name);
}

/* ------------------------------------------------------------------ */
/* Objects                                                            */

#define SVC(name, rv, port)                                                   \
	"{'metadata':{'name':'" name "','namespace':'default','uid':'u-" name \
	"','resourceVersion':'" rv "'},'spec':{'clusterIP':'10.96.0.1',"      \
	"'ports':[{'port':" port "}]}}"
#define KSVC(name, rv, port)                                                \
	"{'kind':'Service','apiVersion':'v1','metadata':{'name':'" name     \
	"','namespace':'default','uid':'u-" name "','resourceVersion':'" rv \
	"'},'spec':{'clusterIP':'10.96.0.1','ports':[{'port':" port "}]}}"
#define EV(type, obj) "{'type':'" type "','object':" obj "}\n"
#define SVC_LIST(rv, cont, items)                                           \
	"{'kind':'ServiceList','apiVersion':'v1','metadata':{"              \
	"'resourceVersion':'" rv "','continue':'" cont "'},'items':[" items \
	"]}"
#define GONE_STATUS                                                        \
	"{'kind':'Status','apiVersion':'v1','status':'Failure','message':" \
	"'too old resource version','reason':'Expired','code':410}"

#define LIST_SVC "GET /api/v1/services?limit="
#define WATCH_SVC "GET /api/v1/services?watch=true&allowWatchBookmarks=true"

START_TEST(test_list_pages_then_watch)
{
	struct canned script[] = {
		{LIST_SVC "2&labelSelector=%21service.kubernetes.io%2F"
			  "service-proxy-name%2C%21service.kubernetes.io%2F"
			  "headless HTTP/1.1",
		 200,
		 NULL,
		 {SVC_LIST("10", "c1",
			   SVC("a", "1", "80") "," SVC("b", "2", "81"))}},
		{LIST_SVC "2&continue=c1&labelSelector=",
		 200,
		 NULL,
		 {SVC_LIST("10", "",
			   SVC("c", "3", "82") "," SVC("bad", "4", "0"))}},
		{WATCH_SVC "&resourceVersion=10&timeoutSeconds=",
		 200,
		 NULL,
		 {"{'type':'ADDED','object':" KSVC("d", "11", "83"),
		  /* cut inside a line, and several lines in one chunk */
		  "}\n" EV("MODIFIED", KSVC("a", "12", "8080")) "{'type':",
		  "'DELETED','object':" KSVC(
			  "b", "13",
			  "81") "}\n"
				"{'type':'BOOKMARK','object':{'kind':'Service',"
				"'metadata':{'resourceVersion':'15'}}}\n"},
		 END_CLEAN},
		{WATCH_SVC "&resourceVersion=15&", 200, NULL, {NULL}, END_HANG},
	};
	struct watch_client_opts o = {
		.kinds = WATCH_KIND_BIT(WATCH_SERVICES),
		.tune = {.page_size = 2},
	};
	struct kube_config cfg = {0};
	struct watch_reflector_stats st;
	struct watch_cache *cache;
	struct harness h;

	harness_start(&h, script, 4, &o, &cfg);
	cache = watch_client_cache(h.c);
	ck_assert(!watch_cache_synced(cache));
	run_requests(&h, 4);
	ck_assert(watch_cache_synced(cache));
	ck_assert_uint_eq(watch_cache_count(cache, WATCH_SERVICES), 3);
	ck_assert_uint_eq(svc(&h, "a")->ports[0].port, 8080);
	ck_assert_ptr_null(svc(&h, "b"));
	ck_assert_uint_eq(svc(&h, "c")->ports[0].port, 82);
	ck_assert_uint_eq(svc(&h, "d")->ports[0].port, 83);
	watch_client_stats(h.c, WATCH_SERVICES, &st);
	ck_assert(st.synced);
	ck_assert_uint_eq(st.lists, 1);
	ck_assert_uint_eq(st.watches, 2);
	ck_assert_uint_eq(st.events, 4);
	ck_assert_uint_eq(st.failures, 0);
	ck_assert_str_eq(st.resource_version, "15");
	ck_assert_int_ge(h.changes, 2); /* the list, then the events */
	/* The requests carry no credentials with --master alone. */
	ck_assert_ptr_nonnull(strstr(h.req[0], "|-|ok"));
	assert_logged(&h, "list services: 3 objects at resourceVersion 10");
	assert_logged(&h, "list services: 1 objects left out until a valid "
			  "version arrives");
	ck_assert_ptr_null(svc(&h, "bad"));
	harness_stop(&h);
	kube_config_free(&cfg);
}
END_TEST

START_TEST(test_gone_relists)
{
	struct canned script[] = {
		{LIST_SVC "500&",
		 200,
		 NULL,
		 {SVC_LIST("10", "",
			   SVC("a", "1", "80") "," SVC("b", "2", "81"))}},
		/* 410 as the HTTP status */
		{WATCH_SVC "&resourceVersion=10&", 410, NULL, {GONE_STATUS}},
		{LIST_SVC "500&",
		 200,
		 NULL,
		 {SVC_LIST("20", "",
			   SVC("b", "5", "91") "," SVC("c", "6", "82"))}},
		/* 410 as an ERROR event, after a change */
		{WATCH_SVC "&resourceVersion=20&",
		 200,
		 NULL,
		 {EV("ADDED", KSVC("x", "21", "99")),
		  "{'type':'ERROR','object':" GONE_STATUS "}\n",
		  EV("ADDED", KSVC("never", "22", "1"))},
		 END_HANG},
		{LIST_SVC "500&",
		 200,
		 NULL,
		 {SVC_LIST("30", "",
			   SVC("b", "5", "91") "," SVC("c", "6", "82") "," SVC(
				   "x", "21", "99"))}},
		{WATCH_SVC "&resourceVersion=30&", 200, NULL, {NULL}, END_HANG},
	};
	struct watch_client_opts o = {
		.kinds = WATCH_KIND_BIT(WATCH_SERVICES),
		.tune = {.backoff_initial_ms = 5, .backoff_max_ms = 20},
	};
	struct kube_config cfg = {0};
	struct watch_reflector_stats st;
	struct harness h;

	harness_start(&h, script, 6, &o, &cfg);
	run_requests(&h, 6);
	ck_assert_uint_eq(
		watch_cache_count(watch_client_cache(h.c), WATCH_SERVICES), 3);
	ck_assert_ptr_null(svc(&h, "a"));
	ck_assert_uint_eq(svc(&h, "b")->ports[0].port, 91);
	ck_assert_ptr_nonnull(svc(&h, "c"));
	ck_assert_uint_eq(svc(&h, "x")->ports[0].port, 99);
	ck_assert_ptr_null(svc(&h, "never"));
	watch_client_stats(h.c, WATCH_SERVICES, &st);
	ck_assert_uint_eq(st.lists, 3);
	ck_assert_uint_eq(st.relists, 2);
	/* A 410 right after a list made no progress: it backs off. */
	ck_assert_uint_eq(st.failures, 1);
	assert_logged(&h, "watch services: 410 Gone; listing again in");
	assert_logged(&h, "watch services: ERROR event 410: Expired: too old "
			  "resource version; listing again");
	harness_stop(&h);
	kube_config_free(&cfg);
}
END_TEST

START_TEST(test_cut_garbage_oversize)
{
	char *big = xmalloc(3000);
	struct canned script[] = {
		{LIST_SVC,
		 200,
		 NULL,
		 {SVC_LIST("10", "", SVC("a", "1", "80"))}},
		{WATCH_SVC "&resourceVersion=10&",
		 200,
		 NULL,
		 {EV("ADDED", KSVC("b", "11", "81")), "{'type':'ADD"},
		 END_CUT},
		{WATCH_SVC "&resourceVersion=11&",
		 200,
		 NULL,
		 {EV("ADDED", KSVC("c", "12", "82")), "garbage line\n",
		  EV("ADDED", KSVC("d", "13", "83"))},
		 END_CLEAN},
		{WATCH_SVC "&resourceVersion=12&", 200, NULL, {big}, END_CLEAN},
		{WATCH_SVC "&resourceVersion=12&",
		 200,
		 NULL,
		 {EV("MODIFIED", KSVC("c", "14", "0")),
		  EV("DELETED", KSVC("a", "15", "80"))},
		 END_CLEAN},
		{WATCH_SVC "&resourceVersion=15&", 200, NULL, {NULL}, END_HANG},
	};
	struct watch_client_opts o = {
		.kinds = WATCH_KIND_BIT(WATCH_SERVICES),
		.tune = {.backoff_initial_ms = 5,
			 .backoff_max_ms = 20,
			 .max_line_bytes = 2048},
	};
	struct kube_config cfg = {0};
	struct watch_reflector_stats st;
	struct harness h;

	memset(big, 'x', 2999);
	big[2999] = '\0';
	harness_start(&h, script, 6, &o, &cfg);
	run_requests(&h, 6);
	/* b came before the cut; c was dropped when it became invalid; a
	 * was deleted; d came after the garbage and was never applied. */
	ck_assert_uint_eq(
		watch_cache_count(watch_client_cache(h.c), WATCH_SERVICES), 1);
	ck_assert_ptr_nonnull(svc(&h, "b"));
	watch_client_stats(h.c, WATCH_SERVICES, &st);
	ck_assert_uint_eq(st.lists, 1);
	ck_assert_uint_eq(st.relists, 0);
	ck_assert_uint_eq(st.failures, 3);
	assert_logged(&h, "watch services: stream broken after 1 events");
	assert_logged(&h, "watch services: event is not JSON");
	assert_logged(&h, "garbage line; watching again in");
	assert_logged(&h, "watch services: event line longer than 2048 bytes");
	assert_logged(&h, "Service default/c: spec.ports[0].port");
	assert_logged(&h, "watch services: Service default/c left out until a "
			  "valid version arrives");
	harness_stop(&h);
	kube_config_free(&cfg);
	free(big);
}
END_TEST

START_TEST(test_error_statuses_back_off)
{
	struct canned script[] = {
		{LIST_SVC,
		 500,
		 NULL,
		 {"{'kind':'Status','code':500,'message':'etcdserver: "
		  "leader changed'}"}},
		{LIST_SVC, 500, NULL, {"{}"}},
		{LIST_SVC,
		 429,
		 "Retry-After: 1\r\n",
		 {"{'kind':'Status','code':429,'message':'too many "
		  "requests'}"}},
		{LIST_SVC, 503, NULL, {"<html>down</html>"}},
		{LIST_SVC, 200, NULL, {SVC_LIST("5", "", SVC("a", "1", "80"))}},
		{LIST_SVC, 200, NULL, {"unused"}},
		{WATCH_SVC "&resourceVersion=5&", 500, NULL, {"{}"}},
		{WATCH_SVC "&resourceVersion=5&", 200, NULL, {NULL}, END_HANG},
	};
	struct watch_client_opts o = {
		.kinds = WATCH_KIND_BIT(WATCH_SERVICES),
		.tune = {.backoff_initial_ms = 5,
			 .backoff_max_ms = 20,
			 .max_list_bytes = 300},
	};
	struct kube_config cfg = {0};
	struct watch_reflector_stats st;
	struct harness h;

	char *big = xmalloc(400);

	/* A list over max_list_bytes comes before the good one. */
	memset(big, ' ', 399);
	big[399] = '\0';
	memmove(&script[5], &script[4], sizeof(script[4]));
	script[4] = (struct canned){LIST_SVC, 200, NULL, {big}};
	harness_start(&h, script, 8, &o, &cfg);
	run_requests(&h, 8);
	watch_client_stats(h.c, WATCH_SERVICES, &st);
	ck_assert_uint_eq(st.lists, 1);
	ck_assert_uint_eq(st.failures, 6);
	ck_assert_uint_eq(st.attempt, 6); /* no healthy watch yet */
	ck_assert_ptr_nonnull(svc(&h, "a"));
	assert_logged(&h, "list services: HTTP 500: etcdserver: leader "
			  "changed; listing again in");
	assert_logged(&h, "list services: HTTP 429: too many requests; "
			  "listing again in 1.0s");
	assert_logged(&h, "list services: HTTP 503: <html>down</html>;");
	assert_logged(&h, "list services: larger than 300 bytes");
	assert_logged(&h, "watch services: HTTP 500; watching again in");
	harness_stop(&h);
	kube_config_free(&cfg);
	free(big);
}
END_TEST

static void write_token(const char *dir, const char *tok)
{
	char tmp[128], path[128];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/token.new", dir);
	snprintf(path, sizeof(path), "%s/token", dir);
	f = fopen(tmp, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s\n", tok);
	fclose(f);
	ck_assert_int_eq(rename(tmp, path), 0);
}

static bool pod_watch_seen(struct harness *h)
{
	for (int i = 0; i < h->n_req; i++)
		if (strstr(h->req[i], "GET /api/v1/pods?watch=true"))
			return true;
	return false;
}

static const char *find_req(struct harness *h, const char *s)
{
	for (int i = 0; i < h->n_req; i++)
		if (strstr(h->req[i], s))
			return h->req[i];
	ck_abort_msg("no request with %s", s);
	return NULL;
}

START_TEST(test_node_pods_and_rotating_token)
{
	struct canned script[] = {
		{"GET /api/v1/pods?limit=500&fieldSelector=spec.nodeName%3D"
		 "node-a HTTP",
		 200,
		 NULL,
		 {"{'kind':'PodList','metadata':{'resourceVersion':'5'},"
		  "'items':[{'metadata':{'name':'p1','namespace':'default'},"
		  "'spec':{'nodeName':'node-a','containers':[{'name':'c',"
		  "'ports':[{'containerPort':80,'hostPort':8080}]}]},"
		  "'status':{'podIP':'10.244.1.5'}}]}"}},
		{"GET /api/v1/nodes?limit=500&fieldSelector=metadata.name%3D"
		 "node-a HTTP",
		 200,
		 NULL,
		 {"{'kind':'NodeList','metadata':{'resourceVersion':'6'},"
		  "'items':[{'metadata':{'name':'node-a'},'spec':{"
		  "'podCIDR':'10.244.1.0/24'}}]}"}},
		{"GET /api/v1/pods?watch=true&allowWatchBookmarks=true&"
		 "resourceVersion=5&",
		 200,
		 NULL,
		 {"{'type':'ADDED','object':{'kind':'Pod','metadata':{'name':"
		  "'p2','namespace':'default','resourceVersion':'7'},'spec':"
		  "{'nodeName':'node-a'}}}\n"},
		 END_CLEAN,
		 true},
		{"GET /api/v1/nodes?watch=true&allowWatchBookmarks=true&"
		 "resourceVersion=6&",
		 200,
		 NULL,
		 {NULL},
		 END_HANG},
		{"GET /api/v1/pods?watch=true&allowWatchBookmarks=true&"
		 "resourceVersion=7&",
		 200,
		 NULL,
		 {NULL},
		 END_HANG},
	};
	struct watch_client_opts o = {
		.kinds = WATCH_KIND_BIT(WATCH_PODS) |
			 WATCH_KIND_BIT(WATCH_NODES),
		.node_name = "node-a",
	};
	char dir[] = "/tmp/nfp-reflector-XXXXXX", kc[128], text[512];
	struct diag_list d = {0};
	struct kube_config cfg;
	struct watch_cache *cache;
	struct harness h;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_token(dir, "t1");
	snprintf(kc, sizeof(kc), "%s/kubeconfig", dir);
	f = fopen(kc, "w");
	ck_assert_ptr_nonnull(f);
	fputs("current-context: c\n"
	      "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
	      "clusters: [{name: k, cluster: {server: http://unused}}]\n"
	      "users: [{name: u, user: {tokenFile: token}}]\n",
	      f);
	fclose(f);
	harness_serve(&h, script, 5);
	/* The port is known now: --master gives it. */
	snprintf(text, sizeof(text), "http://127.0.0.1:%d", h.srv.port);
	ck_assert_int_eq(kube_config_load(kc, NULL, text, &cfg, &d), 0);
	ck_assert_str_eq(cfg.token, "t1");
	/* Rotated before the first request: the new one is sent. */
	write_token(dir, "t2");
	harness_client(&h, &o, &cfg);
	cache = watch_client_cache(h.c);
	ck_assert(run_until(&h, pod_watch_seen));
	/* The pod watch is held until the token rotates again. */
	write_token(dir, "t3");
	ck_assert_int_eq(write(h.srv.ctl_fd, "g", 1), 1);
	run_requests(&h, 5);
	ck_assert_ptr_nonnull(
		strstr(find_req(&h, "GET /api/v1/pods?limit"), "|Bearer t2|"));
	ck_assert_ptr_nonnull(
		strstr(find_req(&h, "GET /api/v1/nodes?limit"), "|Bearer t2|"));
	ck_assert_ptr_nonnull(
		strstr(find_req(&h, "pods?watch=true&allowWatchBookmarks=true&"
				    "resourceVersion=5"),
		       "|Bearer t2|"));
	ck_assert_ptr_nonnull(
		strstr(find_req(&h, "pods?watch=true&allowWatchBookmarks=true&"
				    "resourceVersion=7"),
		       "|Bearer t3|"));
	ck_assert(watch_cache_synced(cache));
	ck_assert_uint_eq(watch_cache_count(cache, WATCH_PODS), 2);
	ck_assert_uint_eq(watch_cache_count(cache, WATCH_NODES), 1);
	ck_assert_uint_eq(watch_cache_cluster(cache)->nodes[0].n_pod_cidrs, 1);
	ck_assert_uint_eq(((const struct k8s_pod *)watch_cache_find(
				   cache, WATCH_PODS, "default", "p1"))
				  ->ports[0]
				  .host_port,
			  8080);
	harness_stop(&h);
	kube_config_free(&cfg);
	diag_list_free(&d);
	snprintf(text, sizeof(text), "%s/token", dir);
	unlink(text);
	unlink(kc);
	rmdir(dir);
}
END_TEST

/* The blocking GET one-shot users (the CNI plugin) need. */
START_TEST(test_http_get)
{
	struct canned script[] = {
		{"GET /api/v1/nodes/node-a HTTP",
		 200,
		 NULL,
		 {"{'kind':'Node',", "'metadata':{'name':'node-a'}}"}},
		{"GET /api/v1/nodes/node-b HTTP",
		 404,
		 NULL,
		 {"{'kind':'Status','code':404}"}},
		{"GET /api/v1/nodes/node-a HTTP",
		 200,
		 NULL,
		 {"{'kind':'Node','metadata':{'name':'node-a'}}"}},
	};
	struct kube_config cfg = {0};
	struct diag_list d = {0};
	struct strbuf body = {0};
	struct harness h;
	char url[64];
	long status;

	harness_serve(&h, script, 3);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", h.srv.port);
	ck_assert_int_eq(kube_config_load(NULL, NULL, url, &cfg, &d), 0);
	ck_assert_int_eq(watch_http_get(&cfg, "/api/v1/nodes/node-a", 4096,
					5000, &body, &status, &d),
			 0);
	ck_assert_int_eq(status, 200);
	ck_assert_str_eq(
		body.buf,
		"{\"kind\":\"Node\",\"metadata\":{\"name\":\"node-a\"}}");
	strbuf_reset(&body);
	ck_assert_int_eq(watch_http_get(&cfg, "/api/v1/nodes/node-b", 4096,
					5000, &body, &status, &d),
			 0);
	ck_assert_int_eq(status, 404);
	strbuf_reset(&body);
	ck_assert_int_eq(watch_http_get(&cfg, "/api/v1/nodes/node-a", 10, 5000,
					&body, &status, &d),
			 -EMSGSIZE);
	ck_assert_ptr_nonnull(strstr(d.items[0].msg, "/api/v1/nodes/node-a: "
						     "response larger than 10 "
						     "bytes"));
	diag_list_free(&d);
	strbuf_release(&body);
	kube_config_free(&cfg);
	harness_stop(&h);

	/* Nobody listens on the port any more. */
	ck_assert_int_eq(kube_config_load(NULL, NULL, url, &cfg, &d), 0);
	ck_assert_int_eq(watch_http_get(&cfg, "/api/v1/nodes/node-a", 4096,
					5000, &body, &status, &d),
			 -EIO);
	ck_assert_ptr_nonnull(strstr(d.items[0].msg, "GET http://127.0.0.1:"));
	diag_list_free(&d);
	strbuf_release(&body);
	kube_config_free(&cfg);
}
END_TEST

START_TEST(test_needs_node_name)
{
	struct watch_client_opts o = {.kinds = WATCH_KIND_BIT(WATCH_PODS)};
	struct kube_config cfg = {0};
	struct diag_list d = {0};

	ck_assert_int_eq(
		kube_config_load(NULL, NULL, "http://127.0.0.1:1", &cfg, &d),
		0);
	o.cfg = &cfg;
	o.ops = &h_ops;
	ck_assert_ptr_null(watch_client_new(&o, &d));
	ck_assert_ptr_nonnull(strstr(d.items[0].msg, "a node name is needed"));
	diag_list_free(&d);
	kube_config_free(&cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reflector");
	TCase *tc = tcase_create("live");

	signal(SIGPIPE, SIG_IGN);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_list_pages_then_watch);
	tcase_add_test(tc, test_gone_relists);
	tcase_add_test(tc, test_cut_garbage_oversize);
	tcase_add_test(tc, test_error_statuses_back_off);
	tcase_add_test(tc, test_node_pods_and_rotating_token);
	tcase_add_test(tc, test_http_get);
	tcase_add_test(tc, test_needs_node_name);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
