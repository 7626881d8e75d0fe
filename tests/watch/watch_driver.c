// SPDX-License-Identifier: GPL-2.0
/*
 * watch_driver: runs watch/'s client against a real (or test) API server
 * from an epoll + timerfd loop, as the daemon does, and prints the cache
 * whenever it changes, for tests/watch/test_live.py:
 *
 *   snapshot GEN synced=0|1
 *   services default/web 123        (kind ns/name resourceVersion, sorted)
 *   stats services lists=1 watches=2 events=5 failures=0 relists=0
 *   end
 *
 * Log lines go to stderr. Commands on stdin: "dump" prints a snapshot now;
 * end of input stops the driver (so does SIGTERM).
 *
 *   watch_driver [--kubeconfig F] [--context C] [--master URL] --node N
 *                [--kinds services,endpointslices,pods,nodes]
 *                [--watch-timeout S] [--backoff MS,MAXMS]
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "util/strbuf.h"
#include "util/xalloc.h"
#include "watch/client.h"

struct driver {
	int ep, tfd, sfd;
	struct watch_client *c;
	bool changed;
	bool stop;
};

static int d_watch_fd(void *loop, int fd, int events)
{
	struct driver *d = loop;
	struct epoll_event ev = {.events = (uint32_t)events, .data.fd = fd};

	if (!events)
		return epoll_ctl(d->ep, EPOLL_CTL_DEL, fd, NULL) ? -errno : 0;
	if (epoll_ctl(d->ep, EPOLL_CTL_MOD, fd, &ev) == 0)
		return 0;
	return epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int d_set_timer(void *loop, long ms)
{
	struct driver *d = loop;
	struct itimerspec its = {0};

	if (ms == 0)
		its.it_value.tv_nsec = 1; /* 0 would disarm */
	else if (ms > 0) {
		its.it_value.tv_sec = ms / 1000;
		its.it_value.tv_nsec = (ms % 1000) * 1000000L;
	}
	return timerfd_settime(d->tfd, 0, &its, NULL) ? -errno : 0;
}

static void d_on_change(void *ud)
{
	struct driver *d = ud;

	d->changed = true;
}

static void d_on_log(void *ud, enum diag_level level, const char *msg)
{
	(void)ud;
	fprintf(stderr, "%c %s\n", "IWE"[level], msg);
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_line(char ***lines, size_t *n, size_t *cap, const char *kind,
		     const struct k8s_meta *m)
{
	struct strbuf sb = {0};

	strbuf_addf(&sb, "%s %s/%s %s", kind, m->ns, m->name,
		    m->resource_version ? m->resource_version : "-");
	*XPUSH(*lines, *n, *cap) = strbuf_detach(&sb);
}

static void dump(struct driver *d)
{
	struct watch_cache *cache = watch_client_cache(d->c);
	const struct k8s_cluster *cl = watch_cache_cluster(cache);
	char **lines = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < cl->n_services; i++)
		add_line(&lines, &n, &cap, "services", &cl->services[i].meta);
	for (size_t i = 0; i < cl->n_slices; i++)
		add_line(&lines, &n, &cap, "endpointslices",
			 &cl->slices[i].meta);
	for (size_t i = 0; i < cl->n_pods; i++)
		add_line(&lines, &n, &cap, "pods", &cl->pods[i].meta);
	for (size_t i = 0; i < cl->n_nodes; i++)
		add_line(&lines, &n, &cap, "nodes", &cl->nodes[i].meta);
	if (n)
		qsort(lines, n, sizeof(*lines), line_cmp);
	printf("snapshot %llu synced=%d\n",
	       (unsigned long long)watch_cache_generation(cache),
	       watch_cache_synced(cache));
	for (size_t i = 0; i < n; i++) {
		printf("%s\n", lines[i]);
		free(lines[i]);
	}
	free(lines);
	for (int k = 0; k < __WATCH_KIND_MAX; k++) {
		struct watch_reflector_stats st;

		watch_client_stats(d->c, k, &st);
		printf("stats %s lists=%lu watches=%lu events=%lu failures=%lu relists=%lu\n",
		       watch_kind_plural(k), st.lists, st.watches, st.events,
		       st.failures, st.relists);
	}
	printf("end\n");
	fflush(stdout);
}

static unsigned int parse_kinds(const char *s)
{
	unsigned int mask = 0;
	char *copy = xstrdup(s), *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		int k;

		for (k = 0; k < __WATCH_KIND_MAX; k++)
			if (strcmp(t, watch_kind_plural(k)) == 0)
				break;
		if (k == __WATCH_KIND_MAX) {
			fprintf(stderr, "watch_driver: unknown kind %s\n", t);
			exit(2);
		}
		mask |= WATCH_KIND_BIT(k);
	}
	free(copy);
	return mask;
}

static void on_stdin(struct driver *d)
{
	char buf[256];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf) - 1);

	if (n <= 0) {
		d->stop = true;
		return;
	}
	buf[n] = '\0';
	if (strstr(buf, "dump"))
		dump(d);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"kubeconfig", required_argument, NULL, 'k'},
		{"context", required_argument, NULL, 'c'},
		{"master", required_argument, NULL, 'm'},
		{"node", required_argument, NULL, 'n'},
		{"kinds", required_argument, NULL, 'K'},
		{"watch-timeout", required_argument, NULL, 't'},
		{"backoff", required_argument, NULL, 'b'},
		{NULL, 0, NULL, 0},
	};
	static const struct watch_loop_ops ops = {
		.watch_fd = d_watch_fd,
		.set_timer = d_set_timer,
	};
	const char *kubeconfig = NULL, *context = NULL, *master = NULL;
	struct watch_client_opts o = {.ops = &ops};
	struct diag_list dl = {0};
	struct epoll_event ev = {.events = EPOLLIN};
	struct kube_config cfg;
	struct driver d = {0};
	sigset_t mask;
	int opt, err;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'k':
			kubeconfig = optarg;
			break;
		case 'c':
			context = optarg;
			break;
		case 'm':
			master = optarg;
			break;
		case 'n':
			o.node_name = optarg;
			break;
		case 'K':
			o.kinds = parse_kinds(optarg);
			break;
		case 't':
			o.tune.watch_timeout_min_s = (unsigned int)atoi(optarg);
			break;
		case 'b':
			sscanf(optarg, "%u,%u", &o.tune.backoff_initial_ms,
			       &o.tune.backoff_max_ms);
			break;
		default:
			return 2;
		}
	}
	err = kube_config_load(kubeconfig, context, master, &cfg, &dl);
	for (size_t i = 0; i < dl.n; i++)
		fprintf(stderr, "%c %s\n", "IWE"[dl.items[i].level],
			dl.items[i].msg);
	diag_list_free(&dl);
	if (err)
		return 1;
	fprintf(stderr, "I using %s: %s\n", cfg.source, cfg.server);

	d.ep = epoll_create1(EPOLL_CLOEXEC);
	d.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d.sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	ev.data.fd = d.tfd;
	epoll_ctl(d.ep, EPOLL_CTL_ADD, d.tfd, &ev);
	ev.data.fd = d.sfd;
	epoll_ctl(d.ep, EPOLL_CTL_ADD, d.sfd, &ev);
	ev.data.fd = STDIN_FILENO;
	epoll_ctl(d.ep, EPOLL_CTL_ADD, STDIN_FILENO, &ev);

	o.cfg = &cfg;
	o.loop = &d;
	o.on_change = d_on_change;
	o.on_log = d_on_log;
	o.ud = &d;
	o.user_agent = "kube-nfproxy-watch-driver";
	d.c = watch_client_new(&o, &dl);
	for (size_t i = 0; i < dl.n; i++)
		fprintf(stderr, "E %s\n", dl.items[i].msg);
	diag_list_free(&dl);
	if (!d.c)
		return 1;
	watch_client_start(d.c);
	while (!d.stop) {
		struct epoll_event evs[32];
		int n = epoll_wait(d.ep, evs, 32, -1);

		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == d.tfd) {
				uint64_t x;

				if (read(d.tfd, &x, sizeof(x)) > 0)
					watch_client_on_timer(d.c);
			} else if (fd == d.sfd) {
				d.stop = true;
			} else if (fd == STDIN_FILENO) {
				on_stdin(&d);
			} else {
				watch_client_on_fd(d.c, fd, (int)evs[i].events);
			}
		}
		if (d.changed) {
			d.changed = false;
			dump(&d);
		}
	}
	watch_client_free(d.c);
	kube_config_free(&cfg);
	close(d.ep);
	close(d.tfd);
	close(d.sfd);
	return 0;
}
