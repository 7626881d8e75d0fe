// SPDX-License-Identifier: GPL-2.0
/*
 * Event-loop glue: curl's socket and timer callbacks go to the daemon's
 * loop; after every call into curl, finished transfers are handed to their
 * reflectors, due reflectors start their next request, and the one timer
 * is armed at the earliest of curl's timeout and every reflector's next
 * attempt.
 */
#include "watch/client.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "util/strbuf.h"
#include "util/xalloc.h"

#define DEFAULT_USER_AGENT "kube-nfproxy"

struct watch_client {
	struct watch_env env;
	struct watch_reflector *refl[__WATCH_KIND_MAX];
	const struct watch_loop_ops *ops;
	void *loop;
	void (*on_change)(void *ud);
	void *ud;
	char *node_name;
	char *user_agent;
	long long curl_deadline; /* ms, monotonic; -1: none */
	long long armed;   /* what set_timer was last told (absolute); -2 */
	uint64_t seen_gen; /* the generation on_change last reported */
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void client_log(struct watch_client *c, enum diag_level level,
		       const char *msg)
{
	if (c->env.log)
		c->env.log(c->env.log_ud, level, msg);
}

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp,
		     void *socketp)
{
	struct watch_client *c = userp;
	int events = 0, err;

	(void)easy;
	(void)socketp;
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		events |= EPOLLIN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		events |= EPOLLOUT;
	err = c->ops->watch_fd(c->loop, s, events);
	if (err < 0) {
		struct strbuf sb = {0};

		strbuf_addf(&sb, "watch client: cannot watch descriptor %d: %s",
			    s, strerror(-err));
		client_log(c, DIAG_ERROR, sb.buf);
		strbuf_release(&sb);
	}
	return 0;
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct watch_client *c = userp;

	(void)multi;
	c->curl_deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	return 0;
}

/* Finished transfers to their reflectors; then start what is due. */
static void settle(struct watch_client *c)
{
	long long now, next = -1;
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(c->env.multi, &left))) {
		struct watch_reflector *r = NULL;
		CURLcode rc = msg->data.result;
		CURL *h = msg->easy_handle;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&r);
		if (r)
			watch_reflector_done(r, rc, now_ms());
	}
	now = now_ms();
	for (int k = 0; k < __WATCH_KIND_MAX; k++)
		if (c->refl[k])
			watch_reflector_tick(c->refl[k], now);
	next = c->curl_deadline;
	for (int k = 0; k < __WATCH_KIND_MAX; k++) {
		long long t =
			c->refl[k] ? watch_reflector_next_ms(c->refl[k]) : -1;

		if (t >= 0 && (next < 0 || t < next))
			next = t;
	}
	if (next != c->armed) {
		long ms = next < 0 ? -1 : next <= now ? 0 : (long)(next - now);

		c->armed = next;
		if (c->ops->set_timer(c->loop, ms) < 0)
			client_log(c, DIAG_ERROR,
				   "watch client: cannot set the timer");
	}
	if (watch_cache_generation(c->env.cache) != c->seen_gen) {
		c->seen_gen = watch_cache_generation(c->env.cache);
		if (c->on_change)
			c->on_change(c->ud);
	}
}

struct watch_client *watch_client_new(const struct watch_client_opts *o,
				      struct diag_list *d)
{
	unsigned int kinds =
		o->kinds ? o->kinds & WATCH_KINDS_ALL : WATCH_KINDS_ALL;
	struct watch_client *c;

	if ((kinds &
	     (WATCH_KIND_BIT(WATCH_PODS) | WATCH_KIND_BIT(WATCH_NODES))) &&
	    (!o->node_name || !*o->node_name)) {
		diag_addf(
			d, DIAG_ERROR,
			"watch client: a node name is needed to watch the node's Pods and Node");
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		diag_addf(d, DIAG_ERROR, "curl: global initialisation failed");
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->ops = o->ops;
	c->loop = o->loop;
	c->on_change = o->on_change;
	c->ud = o->ud;
	c->curl_deadline = -1;
	c->armed = -2;
	c->node_name = xstrdup_null(o->node_name);
	c->user_agent =
		xstrdup(o->user_agent ? o->user_agent : DEFAULT_USER_AGENT);
	c->env.cfg = o->cfg;
	c->env.cache = watch_cache_new(kinds);
	c->env.opts = watch_options_defaults(&o->tune);
	c->env.node_name = c->node_name;
	c->env.user_agent = c->user_agent;
	c->env.log = o->on_log;
	c->env.log_ud = o->ud;
	c->env.rng = o->seed ? o->seed
			     : ((uint64_t)time(NULL) << 20) ^
				       (uint64_t)getpid() ^ (uint64_t)now_ms();
	c->env.multi = curl_multi_init();
	if (!c->env.multi) {
		diag_addf(d, DIAG_ERROR, "curl: cannot create a multi handle");
		goto out_free;
	}
	curl_multi_setopt(c->env.multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(c->env.multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->env.multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	curl_multi_setopt(c->env.multi, CURLMOPT_TIMERDATA, c);
	curl_multi_setopt(c->env.multi, CURLMOPT_PIPELINING,
			  (long)CURLPIPE_MULTIPLEX);
	for (int k = 0; k < __WATCH_KIND_MAX; k++) {
		if (!(kinds & WATCH_KIND_BIT(k)))
			continue;
		c->refl[k] = watch_reflector_new(k, &c->env, d);
		if (!c->refl[k])
			goto out_free;
	}
	return c;

out_free:
	watch_client_free(c);
	return NULL;
}

int watch_client_start(struct watch_client *c)
{
	long long now = now_ms();

	for (int k = 0; k < __WATCH_KIND_MAX; k++)
		if (c->refl[k])
			watch_reflector_start(c->refl[k], now);
	settle(c);
	return 0;
}

void watch_client_on_fd(struct watch_client *c, int fd, int revents)
{
	int mask = 0, running;

	if (revents & EPOLLIN)
		mask |= CURL_CSELECT_IN;
	if (revents & EPOLLOUT)
		mask |= CURL_CSELECT_OUT;
	if (revents & (EPOLLERR | EPOLLHUP))
		mask |= CURL_CSELECT_ERR;
	curl_multi_socket_action(c->env.multi, fd, mask, &running);
	settle(c);
}

void watch_client_on_timer(struct watch_client *c)
{
	int running;

	c->armed = -2; /* the loop's timer is spent */
	if (c->curl_deadline >= 0 && c->curl_deadline <= now_ms()) {
		c->curl_deadline = -1;
		curl_multi_socket_action(c->env.multi, CURL_SOCKET_TIMEOUT, 0,
					 &running);
	}
	settle(c);
}

struct watch_cache *watch_client_cache(struct watch_client *c)
{
	return c->env.cache;
}

void watch_client_stats(const struct watch_client *c, enum watch_kind k,
			struct watch_reflector_stats *out)
{
	if (k < __WATCH_KIND_MAX && c->refl[k])
		watch_reflector_stats(c->refl[k], out);
	else
		memset(out, 0, sizeof(*out));
}

void watch_client_free(struct watch_client *c)
{
	if (!c)
		return;
	for (int k = 0; k < __WATCH_KIND_MAX; k++)
		watch_reflector_free(c->refl[k]);
	if (c->env.multi)
		curl_multi_cleanup(c->env.multi);
	watch_cache_free(c->env.cache);
	free(c->node_name);
	free(c->user_agent);
	free(c);
	curl_global_cleanup();
}
