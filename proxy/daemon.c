// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon: one event loop drives the API client (curl multi), the sync
 * timer and signals. Objects flow one way: cache → plan → ruleset → kernel.
 *
 *   signalfd ──▶ stop        curl sockets ──▶ watch client ──▶ cache
 *                                                       │ on_change
 *   sync timer ◀── sync_sched ◀── request ◀─────────────┘
 *       └──▶ plan_build ──▶ backend_sync (compile, diff, commit, conntrack)
 */
#include "proxy/daemon.h"
#include "proxy/backend.h"
#include "proxy/log.h"
#include "proxy/loop.h"
#include "proxy/plan_build.h"
#include "proxy/sync_sched.h"
#include "proxy/sysctl.h"
#include "masq/masq_config.h"
#include "watch/client.h"
#include "watch/kubeconfig.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

struct daemon {
	const struct nfp_options *o;
	struct loop *loop;
	struct kube_config cfg;
	struct watch_client *wc;
	struct backend *be;
	struct sync_sched sched;
	long long sync_timer; /* loop timer id, 0: none */
	long long sync_due;   /* when it fires (loop_now_ms), -1: none */
	long long watch_timer;
	int sigfd;
	int exit_code;
	unsigned long syncs, sync_failures;
	struct masq_config_file masq; /* --ip-masq-config */
	bool have_masq;
	long long masq_timer;
	bool localnet_done; /* route_localnet written (or tried) once */
};

/* Every resyncInterval: look at the ip-masq-agent file again. A changed
 * good file asks for a sync; a bad one was logged, the last good stays. */
static long on_masq_timer(struct loop *l, long long id, void *ud)
{
	struct daemon *d = ud;
	struct diag_list diags = {0};
	bool changed = false;

	(void)l;
	(void)id;
	masq_config_file_poll(&d->masq, &changed, &diags);
	log_diags(&diags, "ip-masq-config");
	diag_list_free(&diags);
	if (changed)
		sync_sched_request(&d->sched);
	return masq_config_file_interval_ms(&d->masq);
}

static long on_watch_timer(struct loop *l, long long id, void *ud)
{
	struct daemon *d = ud;

	(void)l;
	if (d->watch_timer == id)
		d->watch_timer = 0;
	watch_client_on_timer(d->wc);
	return LOOP_TIMER_STOP;
}

static void on_watch_fd(struct loop *l, int fd, uint32_t events, void *ud)
{
	(void)l;
	watch_client_on_fd(((struct daemon *)ud)->wc, fd, (int)events);
}

static int ops_watch_fd(void *ud, int fd, int events)
{
	struct daemon *d = ud;

	if (!events) {
		loop_unwatch_fd(d->loop, fd);
		return 0;
	}
	return loop_watch_fd(d->loop, fd, (uint32_t)events, on_watch_fd, d);
}

static int ops_set_timer(void *ud, long timeout_ms)
{
	struct daemon *d = ud;
	long long id;

	if (d->watch_timer)
		loop_del_timer(d->loop, d->watch_timer);
	d->watch_timer = 0;
	if (timeout_ms < 0)
		return 0;
	id = loop_add_timer(d->loop, timeout_ms, on_watch_timer, d);
	if (id < 0)
		return (int)id;
	d->watch_timer = id;
	return 0;
}

static const struct watch_loop_ops watch_ops = {
	.watch_fd = ops_watch_fd,
	.set_timer = ops_set_timer,
};

static void on_cache_change(void *ud)
{
	sync_sched_request(&((struct daemon *)ud)->sched);
}

static void on_watch_log(void *ud, enum diag_level level, const char *msg)
{
	(void)ud;
	if (level == DIAG_ERROR)
		log_error("%s", msg);
	else if (level == DIAG_WARN)
		log_warn("%s", msg);
	else
		log_v(2, "%s", msg);
}

/* Build the plan from the cache and hand it to the back end. */
static void sync_now(struct daemon *d)
{
	const struct k8s_cluster *c =
		watch_cache_cluster(watch_client_cache(d->wc));
	struct backend_sync_stats st = {0};
	struct diag_list diags = {0};
	struct plan_config cfg;
	struct plan plan;
	long long start = loop_now_ms();
	int ret;

	if (sync_sched_is_resync(&d->sched))
		backend_mark_resync(d->be);
	nfp_options_plan_config(d->o, d->have_masq ? &d->masq.cfg : NULL, &cfg);
	plan_build(c, &cfg, &plan, &diags);
	log_diags_once(&diags, "plan");
	diag_list_free(&diags);
	if (!d->localnet_done) {
		sysctl_prepare_for_plan(&plan, &diags);
		d->localnet_done = sysctl_route_localnet_needed(&plan);
		log_diags(&diags, "sysctl");
		diag_list_free(&diags);
	}
	ret = backend_sync(d->be, &plan, &st, &diags);
	plan_free(&plan);
	log_diags_once(&diags, "sync");
	diag_list_free(&diags);
	d->syncs++;
	if (ret) {
		d->sync_failures++;
		log_error(
			"sync failed: %s; the previous rules stay in place, retrying with a full replace",
			strerror(-ret));
	} else {
		log_v(1,
		      "synced %zu services, %zu slices, %zu pods in %lld ms (%s, %u ops, %u conntrack entries removed)",
		      c->n_services, c->n_slices, c->n_pods,
		      loop_now_ms() - start, st.full ? "full" : "incremental",
		      st.ops, st.ct_deleted);
	}
	sync_sched_ran(&d->sched, loop_now_ms(), ret == 0);
}

static long on_sync_timer(struct loop *l, long long id, void *ud)
{
	struct daemon *d = ud;

	(void)l;
	if (d->sync_timer != id)
		return LOOP_TIMER_STOP;
	d->sync_timer = 0;
	d->sync_due = -1;
	sync_now(d);
	return LOOP_TIMER_STOP;
}

/* Once per loop iteration: become ready when every cache has listed, and
 * keep the sync timer at the time the scheduler wants. */
static void before_sleep(struct loop *l, void *ud)
{
	struct daemon *d = ud;
	long long now = loop_now_ms(), in;

	if (!d->sched.ready && watch_cache_synced(watch_client_cache(d->wc))) {
		log_info("every cache has listed once: first sync");
		sync_sched_set_ready(&d->sched);
	}
	in = sync_sched_due_in(&d->sched, now);
	if (in < 0 || (d->sync_timer && d->sync_due == now + in))
		return;
	if (d->sync_timer)
		loop_del_timer(l, d->sync_timer);
	d->sync_timer = loop_add_timer(l, (long)in, on_sync_timer, d);
	d->sync_due = now + in;
}

static void on_signal(struct loop *l, int fd, uint32_t events, void *ud)
{
	struct daemon *d = ud;
	struct signalfd_siginfo si;

	(void)events;
	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	log_info(
		"signal %s: exiting, rules stay in place (--cleanup removes them)",
		strsignal((int)si.ssi_signo));
	d->exit_code = EXIT_SUCCESS;
	loop_stop(l);
}

static int setup_signals(struct daemon *d)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sigfd < 0)
		return -errno;
	return loop_watch_fd(d->loop, d->sigfd, EPOLLIN, on_signal, d);
}

static int connect_api(struct daemon *d)
{
	struct diag_list diags = {0};
	struct watch_client_opts wo = {
		.cfg = &d->cfg,
		.node_name = d->o->hostname,
		.ops = &watch_ops,
		.loop = d,
		.on_change = on_cache_change,
		.on_log = on_watch_log,
		.ud = d,
	};
	int ret;

	ret = kube_config_load(d->o->kubeconfig, d->o->context, d->o->master,
			       &d->cfg, &diags);
	log_diags(&diags, "config");
	diag_list_free(&diags);
	if (ret) {
		log_error("no usable API server configuration: %s",
			  strerror(-ret));
		return ret;
	}
	log_info("API server %s (%s), node %s", d->cfg.server, d->cfg.source,
		 d->o->hostname);
	d->wc = watch_client_new(&wo, &diags);
	log_diags(&diags, "watch");
	diag_list_free(&diags);
	if (!d->wc)
		return -EINVAL;
	return watch_client_start(d->wc);
}

int daemon_run(const struct nfp_options *o)
{
	struct diag_list diags = {0};
	struct daemon d = {
		.o = o, .sigfd = -1, .sync_due = -1, .exit_code = EXIT_FAILURE};
	int ret;

	d.loop = loop_new();
	if (!d.loop) {
		log_error("cannot create the event loop: %s", strerror(errno));
		return EXIT_FAILURE;
	}
	sync_sched_init(&d.sched, o->min_sync_ms, o->sync_ms);
	d.be = backend_new(o->mode, &diags);
	log_diags(&diags, "backend");
	diag_list_free(&diags);
	if (!d.be)
		goto out;
	ret = setup_signals(&d);
	if (ret) {
		log_error("cannot set up signal handling: %s", strerror(-ret));
		goto out;
	}
	if (o->ip_masq_config) {
		ret = masq_config_file_open(&d.masq, o->ip_masq_config, &diags);
		log_diags(&diags, "ip-masq-config");
		diag_list_free(&diags);
		d.have_masq = true;
		/* A missing file is ip-masq-agent's normal start (an optional
		 * ConfigMap): its defaults, and the file is watched for. */
		if (ret == -ENOENT) {
			log_warn(
				"--ip-masq-config %s: no such file yet; using ip-masq-agent's defaults until it appears",
				o->ip_masq_config);
		} else if (ret) {
			log_error("--ip-masq-config %s: not usable; exiting",
				  o->ip_masq_config);
			goto out;
		}
		d.masq_timer = loop_add_timer(
			d.loop, masq_config_file_interval_ms(&d.masq),
			on_masq_timer, &d);
	}
	if (connect_api(&d))
		goto out;
	loop_set_before_sleep(d.loop, before_sleep, &d);
	ret = loop_run(d.loop);
	if (ret) {
		log_error("event loop failed: %s", strerror(-ret));
		d.exit_code = EXIT_FAILURE;
	}
out:
	watch_client_free(d.wc);
	kube_config_free(&d.cfg);
	backend_free(d.be);
	masq_config_file_free(&d.masq);
	if (d.sigfd >= 0)
		close(d.sigfd);
	loop_free(d.loop);
	return d.exit_code;
}
