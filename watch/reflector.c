// SPDX-License-Identifier: GPL-2.0
/*
 * List-then-watch for one kind, on a curl easy handle the client's multi
 * handle drives. Everything that happens in curl's write callback (lines,
 * events, cache updates) is bounded in memory; everything that ends a
 * transfer is decided in watch_reflector_done(), outside curl's callbacks.
 */
#include "watch/reflector.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#define HTTP_OK 200
#define HTTP_GONE 410
enum phase { PHASE_LIST, PHASE_WATCH };

/* Why our write callback stopped a transfer. */
enum abort_reason {
	ABORT_NONE,
	ABORT_TOO_BIG, /* a line or a list past its limit */
	ABORT_GARBAGE, /* a line that is no watch event */
	ABORT_GONE,    /* ERROR event, code 410 */
	ABORT_STATUS,  /* ERROR event, another code */
};

struct watch_reflector {
	enum watch_kind kind;
	const char *plural; /* "services", for messages */
	struct watch_env *env;
	struct watch_http http;
	char errbuf[CURL_ERROR_SIZE];

	enum phase phase;
	bool busy;	      /* a transfer is on the multi handle */
	long long next_ms;    /* when to start the next request; -1: none */
	unsigned int attempt; /* consecutive failures */
	char *rv;	      /* resourceVersion to watch from */

	/* LIST */
	char *cont;
	struct k8s_cluster pending; /* pages so far */
	size_t list_bytes;
	size_t list_skipped; /* items our decoders rejected */

	/* the current transfer */
	long status;
	struct strbuf body; /* a LIST page, or an error response */
	struct watch_lines lines;
	enum abort_reason abort;
	char *abort_msg;
	unsigned long watch_events;
	long long started_ms;

	struct watch_reflector_stats stats;
	char *last_error;
};

static void emit(struct watch_reflector *r, enum diag_level level,
		 const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void emit(struct watch_reflector *r, enum diag_level level,
		 const char *fmt, ...)
{
	struct strbuf sb = {0};
	va_list ap;

	if (!r->env->log)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	r->env->log(r->env->log_ud, level, sb.buf);
	strbuf_release(&sb);
}

/* Hand the decoders' messages to the log and empty d. */
static void emit_diags(struct watch_reflector *r, struct diag_list *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (r->env->log)
			r->env->log(r->env->log_ud, d->items[i].level,
				    d->items[i].msg);
	diag_list_free(d);
}

static const char *verb(const struct watch_reflector *r)
{
	return r->phase == PHASE_LIST ? "list" : "watch";
}

static void drop_pending(struct watch_reflector *r)
{
	k8s_cluster_clear(&r->pending);
	free(r->cont);
	r->cont = NULL;
	r->list_bytes = 0;
	r->list_skipped = 0;
}

static void fail(struct watch_reflector *r, long long now, long retry_after_s,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A failed request: back off (or wait Retry-After), then try again. */
static void fail(struct watch_reflector *r, long long now, long retry_after_s,
		 const char *fmt, ...)
{
	const struct watch_options *o = &r->env->opts;
	struct strbuf sb = {0};
	long delay;
	va_list ap;

	if (retry_after_s > 0) {
		if ((unsigned long)retry_after_s > o->retry_after_max_s)
			retry_after_s = o->retry_after_max_s;
		delay = retry_after_s * 1000;
	} else {
		delay = watch_backoff_ms(o->backoff_initial_ms,
					 o->backoff_max_ms, r->attempt,
					 watch_rand01(&r->env->rng));
	}
	r->attempt++;
	r->stats.failures++;
	r->next_ms = now + delay;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	free(r->last_error);
	r->last_error = xstrdup(sb.buf);
	if (delay < 1000)
		emit(r, DIAG_WARN, "%s; %s again in %ldms", sb.buf,
		     r->phase == PHASE_LIST ? "listing" : "watching", delay);
	else
		emit(r, DIAG_WARN, "%s; %s again in %.1fs", sb.buf,
		     r->phase == PHASE_LIST ? "listing" : "watching",
		     delay / 1000.0);
	strbuf_release(&sb);
}

/* Back to LIST; at once when the watch made progress (events, or it was
 * healthy for WATCH_MIN_HEALTHY_MS), else backed off. */
static void relist(struct watch_reflector *r, long long now, const char *why)
{
	bool progressed = r->watch_events > 0 ||
			  now - r->started_ms >= WATCH_MIN_HEALTHY_MS;

	free(r->rv);
	r->rv = NULL;
	r->phase = PHASE_LIST;
	r->stats.relists++;
	drop_pending(r);
	if (progressed) {
		r->attempt = 0;
		r->next_ms = now;
		emit(r, DIAG_INFO, "watch %s: %s; listing again", r->plural,
		     why);
	} else {
		fail(r, now, 0, "watch %s: %s", r->plural, why);
	}
}

static void abort_with(struct watch_reflector *r, enum abort_reason why,
		       const char *msg)
{
	r->abort = why;
	free(r->abort_msg);
	r->abort_msg = xstrdup(msg);
}

static int on_line(void *ud, const char *line, size_t len)
{
	struct watch_reflector *r = ud;
	struct watch_cache *cache = r->env->cache;
	struct diag_list d = {0};
	struct watch_event ev;

	if (watch_event_decode(r->kind, line, len, &ev, &d) < 0) {
		abort_with(r, ABORT_GARBAGE,
			   d.n ? d.items[d.n - 1].msg : "bad line");
		diag_list_free(&d);
		return -EINVAL;
	}
	emit_diags(r, &d);
	switch (ev.type) {
	case WATCH_EV_ADDED:
	case WATCH_EV_MODIFIED:
		if (ev.decoded) {
			watch_cache_upsert(cache, r->kind, &ev.obj);
		} else {
			/* As a relist would: an object we cannot read is
			 * not used, not kept in an older version. */
			watch_cache_delete(cache, r->kind, ev.ns, ev.name);
			emit(r, DIAG_WARN,
			     "watch %s: %s %s%s%s left out until a valid version arrives",
			     r->plural, watch_kind_name(r->kind), ev.ns,
			     *ev.ns ? "/" : "", ev.name);
		}
		break;
	case WATCH_EV_DELETED:
		watch_cache_delete(cache, r->kind, ev.ns, ev.name);
		break;
	case WATCH_EV_BOOKMARK:
		break;
	case WATCH_EV_ERROR:
	default: {
		struct strbuf sb = {0};
		bool gone = ev.code == HTTP_GONE;

		strbuf_addf(&sb, "ERROR event %ld: %s", ev.code, ev.message);
		abort_with(r, gone ? ABORT_GONE : ABORT_STATUS, sb.buf);
		strbuf_release(&sb);
		watch_event_release(r->kind, &ev);
		return gone ? -ESTALE : -EPROTO;
	}
	}
	if (ev.rv) {
		free(r->rv);
		r->rv = ev.rv;
		ev.rv = NULL;
	}
	r->watch_events++;
	r->stats.events++;
	r->attempt = 0; /* a stream that delivers is a healthy one */
	watch_event_release(r->kind, &ev);
	return 0;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct watch_reflector *r = ud;
	size_t n = size * nmemb;
	int err;

	if (!r->status)
		curl_easy_getinfo(r->http.h, CURLINFO_RESPONSE_CODE,
				  &r->status);
	if (r->status != HTTP_OK) {
		size_t room = WATCH_ERROR_BODY_MAX - r->body.len;

		strbuf_add(&r->body, p, n < room ? n : room);
		return n;
	}
	if (r->phase == PHASE_LIST) {
		if (r->list_bytes + n > r->env->opts.max_list_bytes) {
			struct strbuf sb = {0};

			strbuf_addf(&sb, "list %s: larger than %zu bytes",
				    r->plural, r->env->opts.max_list_bytes);
			abort_with(r, ABORT_TOO_BIG, sb.buf);
			strbuf_release(&sb);
			return CURL_WRITEFUNC_ERROR;
		}
		r->list_bytes += n;
		strbuf_add(&r->body, p, n);
		return n;
	}
	err = watch_lines_feed(&r->lines, p, n, on_line, r);
	if (err == -EMSGSIZE && r->abort == ABORT_NONE) {
		struct strbuf sb = {0};

		strbuf_addf(&sb, "watch %s: event line longer than %zu bytes",
			    r->plural, r->lines.max);
		abort_with(r, ABORT_TOO_BIG, sb.buf);
		strbuf_release(&sb);
	}
	return err ? CURL_WRITEFUNC_ERROR : n;
}

struct watch_reflector *watch_reflector_new(enum watch_kind k,
					    struct watch_env *env,
					    struct diag_list *d)
{
	struct watch_reflector *r = xcalloc(1, sizeof(*r));

	r->kind = k;
	r->plural = watch_kind_plural(k);
	r->env = env;
	r->next_ms = -1;
	r->lines.max = env->opts.max_line_bytes;
	if (watch_http_init(&r->http, env->cfg, env->user_agent, d) < 0) {
		free(r);
		return NULL;
	}
	curl_easy_setopt(r->http.h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(r->http.h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->http.h, CURLOPT_PRIVATE, r);
	curl_easy_setopt(r->http.h, CURLOPT_ERRORBUFFER, r->errbuf);
	return r;
}

void watch_reflector_free(struct watch_reflector *r)
{
	if (!r)
		return;
	if (r->busy)
		curl_multi_remove_handle(r->env->multi, r->http.h);
	watch_http_release(&r->http);
	free(r->rv);
	drop_pending(r);
	strbuf_release(&r->body);
	watch_lines_release(&r->lines);
	free(r->abort_msg);
	free(r->last_error);
	free(r);
}

void watch_reflector_start(struct watch_reflector *r, long long now_ms)
{
	if (!r->busy && r->next_ms < 0)
		r->next_ms = now_ms;
}

long long watch_reflector_next_ms(const struct watch_reflector *r)
{
	return r->busy ? -1 : r->next_ms;
}

static void begin(struct watch_reflector *r, long long now)
{
	const struct watch_options *o = &r->env->opts;
	struct watch_request q = {
		.watch = r->phase == PHASE_WATCH,
		.rv = r->rv,
		.cont = r->cont,
		.limit = o->page_size,
	};
	struct diag_list d = {0};
	long timeout_ms = o->list_timeout_ms;
	CURLMcode mrc;
	char *path;
	int err;

	if (q.watch) {
		q.timeout_s = watch_timeout_s(o->watch_timeout_min_s,
					      watch_rand01(&r->env->rng));
		timeout_ms = (q.timeout_s + WATCH_CLIENT_GRACE_S) * 1000L;
	}
	path = watch_request_path(r->kind, r->env->node_name, &q);
	err = watch_http_prepare(&r->http, r->env->cfg, path, timeout_ms, &d);
	free(path);
	emit_diags(r, &d);
	r->next_ms = -1;
	if (err) {
		fail(r, now, 0, "%s %s: cannot prepare the request: %s",
		     verb(r), r->plural, strerror(-err));
		return;
	}
	if (!q.watch && !r->cont)
		drop_pending(r);
	r->status = 0;
	r->abort = ABORT_NONE;
	r->watch_events = 0;
	r->started_ms = now;
	r->errbuf[0] = '\0';
	strbuf_release(&r->body);
	watch_lines_reset(&r->lines);
	mrc = curl_multi_add_handle(r->env->multi, r->http.h);
	if (mrc != CURLM_OK) {
		fail(r, now, 0, "%s %s: curl: %s", verb(r), r->plural,
		     curl_multi_strerror(mrc));
		return;
	}
	r->busy = true;
	if (q.watch)
		r->stats.watches++;
}

void watch_reflector_tick(struct watch_reflector *r, long long now_ms)
{
	if (!r->busy && r->next_ms >= 0 && r->next_ms <= now_ms)
		begin(r, now_ms);
}

static void describe_status(struct watch_reflector *r, struct strbuf *out)
{
	watch_describe_status(r->status, r->body.buf, r->body.len, out);
}

static const char *curl_error(struct watch_reflector *r, CURLcode rc)
{
	return r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc);
}

static void list_done(struct watch_reflector *r, CURLcode rc, long ra,
		      long long now)
{
	struct diag_list d = {0};
	struct strbuf sb = {0};
	char *rv, *cont;

	if (r->abort == ABORT_TOO_BIG) {
		drop_pending(r);
		fail(r, now, 0, "%s", r->abort_msg);
		return;
	}
	if (rc != CURLE_OK) {
		drop_pending(r);
		fail(r, now, 0, "list %s: %s", r->plural, curl_error(r, rc));
		return;
	}
	if (r->status == HTTP_GONE && r->cont) {
		drop_pending(r);
		r->next_ms = now;
		emit(r, DIAG_INFO,
		     "list %s: continue token expired; listing from the start",
		     r->plural);
		return;
	}
	if (r->status != HTTP_OK) {
		drop_pending(r);
		describe_status(r, &sb);
		fail(r, now, ra, "list %s: %s", r->plural, sb.buf);
		strbuf_release(&sb);
		return;
	}
	if (watch_list_decode(r->kind, r->body.buf ? r->body.buf : "",
			      r->body.len, &r->pending, &rv, &cont, &d) < 0) {
		strbuf_adds(&sb, d.n ? d.items[d.n - 1].msg : "bad list");
		diag_list_free(&d);
		drop_pending(r);
		fail(r, now, 0, "%s", sb.buf);
		strbuf_release(&sb);
		return;
	}
	r->list_skipped += diag_count(&d, DIAG_ERROR);
	emit_diags(r, &d);
	strbuf_release(&r->body);
	if (cont) {
		free(rv);
		free(r->cont);
		r->cont = cont;
		r->next_ms = now;
		return;
	}
	watch_cache_replace(r->env->cache, r->kind, &r->pending);
	if (r->list_skipped)
		emit(r, DIAG_WARN,
		     "list %s: %zu objects left out until a valid version arrives",
		     r->plural, r->list_skipped);
	drop_pending(r);
	free(r->rv);
	r->rv = rv;
	r->phase = PHASE_WATCH;
	r->stats.lists++;
	r->stats.synced = true;
	r->next_ms = now;
	emit(r, DIAG_INFO, "list %s: %zu objects at resourceVersion %s",
	     r->plural, watch_cache_count(r->env->cache, r->kind), rv);
}

static void watch_done(struct watch_reflector *r, CURLcode rc, long ra,
		       long long now)
{
	struct strbuf sb = {0};

	switch (r->abort) {
	case ABORT_GONE:
		relist(r, now, r->abort_msg);
		return;
	case ABORT_TOO_BIG:
	case ABORT_GARBAGE:
	case ABORT_STATUS:
		fail(r, now, 0, "%s", r->abort_msg);
		return;
	case ABORT_NONE:
	default:
		break;
	}
	if (rc == CURLE_OK && r->status == HTTP_OK) {
		if (r->watch_events ||
		    now - r->started_ms >= WATCH_MIN_HEALTHY_MS) {
			r->attempt = 0;
			r->next_ms = now;
			emit(r, DIAG_INFO,
			     "watch %s: closed by the server after %lu events; watching again from resourceVersion %s",
			     r->plural, r->watch_events, r->rv);
		} else {
			fail(r, now, 0,
			     "watch %s: closed by the server at once",
			     r->plural);
		}
		return;
	}
	if (r->status == HTTP_GONE) {
		relist(r, now, "410 Gone");
		return;
	}
	if (rc != CURLE_OK && r->status == HTTP_OK)
		fail(r, now, 0, "watch %s: stream broken after %lu events: %s",
		     r->plural, r->watch_events, curl_error(r, rc));
	else if (rc != CURLE_OK)
		fail(r, now, 0, "watch %s: %s", r->plural, curl_error(r, rc));
	else {
		describe_status(r, &sb);
		fail(r, now, ra, "watch %s: %s", r->plural, sb.buf);
		strbuf_release(&sb);
	}
}

void watch_reflector_done(struct watch_reflector *r, CURLcode rc,
			  long long now_ms)
{
	curl_off_t ra = 0;

	if (!r->status)
		curl_easy_getinfo(r->http.h, CURLINFO_RESPONSE_CODE,
				  &r->status);
	if (curl_easy_getinfo(r->http.h, CURLINFO_RETRY_AFTER, &ra) !=
		    CURLE_OK ||
	    ra < 0)
		ra = 0;
	curl_multi_remove_handle(r->env->multi, r->http.h);
	r->busy = false;
	if (r->phase == PHASE_LIST)
		list_done(r, rc, (long)ra, now_ms);
	else
		watch_done(r, rc, (long)ra, now_ms);
	strbuf_release(&r->body);
	watch_lines_reset(&r->lines);
}

void watch_reflector_stats(const struct watch_reflector *r,
			   struct watch_reflector_stats *out)
{
	*out = r->stats;
	out->attempt = r->attempt;
	out->resource_version = r->rv;
	out->last_error = r->last_error;
}
