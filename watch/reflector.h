/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_WATCH_REFLECTOR_H
#define NFP_WATCH_REFLECTOR_H

/*
 * A reflector keeps one kind of the cache equal to the API server's view,
 * as client-go's does:
 *
 *          ┌──────── 410 Gone (status or ERROR event) ────────┐
 *          ▼                                                   │
 *   LIST ?limit=500 ──continue──▶ ... ──last page──▶ replace ──▶ WATCH ?rv=
 *     │   ▲                                             ▲        │  │
 *     └───┴── failure: backoff, list again from start   │  clean end: at once
 *                                                       └── failure: backoff,
 *                                                           same rv
 *
 * The pure pieces (line splitter, event and list decoders, URLs, backoff)
 * live in watch/reflector_wire.c and are exported for tests. The reflector
 * object (watch/reflector.c) is driven by watch/client.c, which owns the
 * CURLM.
 */

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/diag.h"
#include "util/strbuf.h"
#include "watch/cache.h"
#include "watch/http.h"
#include "watch/kubeconfig.h"

/* Defaults of struct watch_options (a zero field takes these). */
#define WATCH_DEFAULT_TIMEOUT_MIN_S 300 /* timeoutSeconds in [5, 10) min */
#define WATCH_DEFAULT_BACKOFF_INITIAL_MS 800
#define WATCH_DEFAULT_BACKOFF_MAX_MS 30000
#define WATCH_DEFAULT_MAX_LINE (16u << 20)
#define WATCH_DEFAULT_MAX_LIST (256u << 20)
#define WATCH_DEFAULT_PAGE_SIZE 500
#define WATCH_DEFAULT_LIST_TIMEOUT_MS 60000
#define WATCH_DEFAULT_RETRY_AFTER_MAX_S 60
/* A watch that ends cleanly sooner than this, with no event, failed. */
#define WATCH_MIN_HEALTHY_MS 1000
/* The server's timeout plus this is the client's (a dead peer). */
#define WATCH_CLIENT_GRACE_S 30
/* How much of an error response we keep for the message. */
#define WATCH_ERROR_BODY_MAX 4096
/* Jitter takes up to this fraction off a backoff delay. */
#define WATCH_BACKOFF_JITTER 0.25

/* Tuning; zero fields take the defaults above. Tests make them small. */
struct watch_options {
	unsigned int watch_timeout_min_s;
	unsigned int backoff_initial_ms;
	unsigned int backoff_max_ms;
	size_t max_line_bytes;
	size_t max_list_bytes;
	unsigned int page_size;
	long list_timeout_ms;
	unsigned int retry_after_max_s;
};

/* opts with every zero field replaced by its default. */
struct watch_options watch_options_defaults(const struct watch_options *opts);

/*
 * Backoff after the attempt-th consecutive failure (0 = the first):
 * initial * 2^attempt capped at max, minus up to WATCH_BACKOFF_JITTER of
 * it: r in [0, 1) picks how much. Pure.
 */
long watch_backoff_ms(unsigned int initial_ms, unsigned int max_ms,
		      unsigned int attempt, double r);

/* The watch's timeoutSeconds: min_s * (1 + r), r in [0, 1), like
 * client-go's reflector. Pure. */
unsigned int watch_timeout_s(unsigned int min_s, double r);

/* A uniform double in [0, 1) from a xorshift64 state (never 0). */
double watch_rand01(uint64_t *state);

/*
 * The line splitter for watch streams: chunks in, complete lines out,
 * never more than max bytes held.
 */
struct watch_lines {
	struct strbuf partial;
	size_t max;
};

/* Called for each line (without "\n" or "\r\n"; empty lines are skipped).
 * A negative return stops the feed and is returned by it. */
typedef int (*watch_line_cb)(void *ud, const char *line, size_t len);

/*
 * Split data into lines; a line cut by the chunk boundary waits for the
 * next chunk. Returns 0, cb's negative value, or -EMSGSIZE when a line
 * grows past l->max bytes (what was held is dropped).
 */
int watch_lines_feed(struct watch_lines *l, const char *data, size_t n,
		     watch_line_cb cb, void *ud);
/* Drop a partial line (a new stream begins) and free the buffer. */
void watch_lines_reset(struct watch_lines *l);
/* The same, when l goes away. */
void watch_lines_release(struct watch_lines *l);

enum watch_event_type {
	WATCH_EV_ADDED,
	WATCH_EV_MODIFIED,
	WATCH_EV_DELETED,
	WATCH_EV_BOOKMARK,
	WATCH_EV_ERROR,
	__WATCH_EV_MAX
};

/* One decoded watch event. */
struct watch_event {
	enum watch_event_type type;
	char *rv;	 /* the resourceVersion it brings; NULL for ERROR */
	char *ns, *name; /* the object's key (ADDED/MODIFIED/DELETED) */
	bool decoded;	 /* ADDED/MODIFIED: obj holds the object */
	union watch_object obj;
	long code;     /* ERROR: the Status code (410: relist) */
	char *message; /* ERROR: reason and message */
};

/*
 * Decode one line of a watch stream of kind k. An ADDED or MODIFIED object
 * that our decoders reject is not a broken stream: the event is returned
 * with decoded false and the decoder's DIAG_ERROR in d (the caller drops the
 * object, as a relist would). Returns 0, or -EINVAL with a DIAG_ERROR when
 * the line is not a watch event of kind k (not JSON, unknown type, no
 * object, wrong kind). *ev is then zeroed; otherwise it is released with
 * watch_event_release().
 */
int watch_event_decode(enum watch_kind k, const char *line, size_t len,
		       struct watch_event *ev, struct diag_list *d);
void watch_event_release(enum watch_kind k, struct watch_event *ev);

/*
 * Decode one page of a LIST response of kind k: append the items to into
 * (malformed ones are left out with their DIAG_ERROR), set *rv and *cont
 * (owned; *cont NULL on the last page). Returns 0, or -EINVAL with a
 * DIAG_ERROR when the body is not a list of kind k.
 */
int watch_list_decode(enum watch_kind k, const char *body, size_t len,
		      struct k8s_cluster *into, char **rv, char **cont,
		      struct diag_list *d);

/* What a request asks for: a LIST page or a WATCH. */
struct watch_request {
	bool watch;
	const char *rv;	    /* WATCH: from where */
	const char *cont;   /* LIST: continue token, NULL for the first page */
	unsigned int limit; /* LIST: page size */
	unsigned int timeout_s; /* WATCH: timeoutSeconds */
};

/*
 * Path and query of a request for kind k with kube-proxy's selectors:
 * Services and EndpointSlices carry
 * labelSelector=!service.kubernetes.io/service-proxy-name,
 * !service.kubernetes.io/headless; Pods spec.nodeName=node, the Node
 * metadata.name=node as fieldSelector. Owned by the caller.
 */
char *watch_request_path(enum watch_kind k, const char *node,
			 const struct watch_request *q);

/*
 * Append "HTTP 403" and the reason from an error response body: the
 * message of a Status, or the start of any other body (control characters
 * shown as '?'). Pure.
 */
void watch_describe_status(long status, const char *body, size_t len,
			   struct strbuf *out);

/* "services", "endpointslices", "pods", "nodes" (for messages). */
const char *watch_kind_plural(enum watch_kind k);

/* What the client shares with its reflectors (all borrowed). */
struct watch_env {
	CURLM *multi;
	struct kube_config *cfg;
	struct watch_cache *cache;
	struct watch_options opts; /* with defaults applied */
	const char *node_name;	   /* NULL: no Pods or Node reflector */
	const char *user_agent;
	void (*log)(void *ud, enum diag_level level, const char *msg);
	void *log_ud;
	uint64_t rng;
};

struct watch_reflector_stats {
	bool synced;		      /* listed at least once */
	unsigned long lists;	      /* complete lists, relists included */
	unsigned long watches;	      /* watch requests started */
	unsigned long events;	      /* watch events applied */
	unsigned long failures;	      /* failed requests */
	unsigned long relists;	      /* lists after 410 Gone */
	unsigned int attempt;	      /* consecutive failures now */
	const char *resource_version; /* borrowed; NULL before a list */
	const char *last_error;	      /* borrowed; NULL if none yet */
};

struct watch_reflector;

/*
 * A reflector of kind k; idle until watch_reflector_start(). Returns NULL
 * with a DIAG_ERROR when the curl handle cannot be set up. env is
 * borrowed and must outlive it.
 */
struct watch_reflector *watch_reflector_new(enum watch_kind k,
					    struct watch_env *env,
					    struct diag_list *d);
/* Removes its transfer from the multi handle. NULL is a no-op. */
void watch_reflector_free(struct watch_reflector *r);

/* Ask for a list at now_ms (the next tick starts it). */
void watch_reflector_start(struct watch_reflector *r, long long now_ms);
/* Start the next request when it is due; call after every event. */
void watch_reflector_tick(struct watch_reflector *r, long long now_ms);
/* When the reflector wants its next tick (ms, monotonic), or -1. */
long long watch_reflector_next_ms(const struct watch_reflector *r);
/* r's transfer finished (curl_multi_info_read's CURLMSG_DONE). */
void watch_reflector_done(struct watch_reflector *r, CURLcode rc,
			  long long now_ms);
void watch_reflector_stats(const struct watch_reflector *r,
			   struct watch_reflector_stats *out);

#endif
