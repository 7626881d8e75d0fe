/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_WATCH_DECODE_JSON_H
#define NFP_WATCH_DECODE_JSON_H

/*
 * Private to watch/: the jansson side of the decoders. The per-object
 * functions are shared by the snapshot decoder (decode.c) and the watch
 * event decoder; the k8s_json_* checkers are what every per-kind file uses
 * to read a field with its type and range checked.
 *
 * Conventions of the checkers: a JSON null is the same as a missing field
 * (Go's decoder, which the API server uses, treats them alike). A checker
 * returns 0 when the field is absent or valid, and -EINVAL after adding one
 * DIAG_ERROR naming the object, the JSON path and what was wrong. Decoders
 * stop at the first error: one message per malformed object.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/diag.h"
#include "util/strbuf.h"
#include "watch/k8s.h"

/* Limits the API server enforces; anything longer is not a real object. */
#define K8S_MAX_NAME 253      /* DNS-1123 subdomain: object and node names */
#define K8S_MAX_LABEL 63      /* DNS label: namespaces, port names, values */
#define K8S_MAX_LABEL_KEY 317 /* prefix (253) '/' name (63) */
#define K8S_MAX_TOKEN 128     /* uid, resourceVersion, phase, types */
#define K8S_MAX_IP_STR 64     /* longest textual address we try to parse */
#define K8S_MAX_CIDR_STR 72
#define K8S_MAX_TIMESTAMP 64
#define K8S_MAX_AFFINITY_TIMEOUT 86400
#define K8S_WHO_LEN (K8S_MAX_LABEL + 1 + K8S_MAX_NAME + 1)

/* How much of a bad value a message shows. */
#define K8S_SHOW_MAX 40

/* What an object is called in messages, and where in it we are. */
struct k8s_jctx {
	const char *kind;      /* "Service" */
	char who[K8S_WHO_LEN]; /* "default/web", "node-a" or "<unnamed>" */
	struct strbuf path;    /* JSON path of the value being read */
	struct diag_list *d;
};

/* The character set a string must match, beyond being printable. */
enum k8s_str_form {
	K8S_STR_TEXT,	       /* any printable string */
	K8S_STR_DNS_LABEL,     /* [a-z0-9-], alphanumeric at both ends */
	K8S_STR_DNS_SUBDOMAIN, /* labels joined by dots */
};

/*
 * Start decoding object o of this kind: who is taken from o's metadata when
 * it is usable there, "<unnamed>" otherwise. kind is borrowed and must
 * outlive x. k8s_jctx_release() frees the path.
 */
void k8s_jctx_init(struct k8s_jctx *x, const char *kind, const json_t *o,
		   bool namespaced, struct diag_list *d);
void k8s_jctx_release(struct k8s_jctx *x);

/* Descend into a key or an array index; returns a mark for leave. */
size_t k8s_json_enter(struct k8s_jctx *x, const char *key);
size_t k8s_json_enter_idx(struct k8s_jctx *x, size_t i);
void k8s_json_leave(struct k8s_jctx *x, size_t mark);

/* obj[key], or NULL if obj is not an object, the key is absent or null. */
const json_t *k8s_json_field(const json_t *obj, const char *key);

/*
 * Report the value at the current path: "<kind> <who>: <path>: want <want>,
 * got <value>", the value shown as JSON and cut to K8S_SHOW_MAX characters
 * ("nothing" for NULL). Returns -EINVAL.
 */
int k8s_json_bad(struct k8s_jctx *x, const json_t *got, const char *want_fmt,
		 ...) __attribute__((format(printf, 3, 4)));

/*
 * The checkers. Each reads parent[key] (or parent itself, at the current
 * path, when key is NULL), leaves *out untouched when the value is absent
 * (unless stated), and reports a present value of the wrong type or range.
 */

/* A string of at most max bytes (at least 1 if required); *out is borrowed
 * from the JSON and NULL when absent. */
int k8s_json_str(struct k8s_jctx *x, const json_t *parent, const char *key,
		 size_t max, enum k8s_str_form form, bool required,
		 const char **out);
/* The same, copied: *out owned, NULL when absent. */
int k8s_json_strdup(struct k8s_jctx *x, const json_t *parent, const char *key,
		    size_t max, enum k8s_str_form form, bool required,
		    char **out);
/* The same, optional, with an empty string counted as absent. */
int k8s_json_strdup_nonempty(struct k8s_jctx *x, const json_t *parent,
			     const char *key, size_t max,
			     enum k8s_str_form form, char **out);
/* An integer in [min, max]. */
int k8s_json_int(struct k8s_jctx *x, const json_t *parent, const char *key,
		 long long min, long long max, bool required, long long *out);
int k8s_json_bool(struct k8s_jctx *x, const json_t *parent, const char *key,
		  bool *out);
/* An object or an array; *out is borrowed, NULL when absent. */
int k8s_json_obj(struct k8s_jctx *x, const json_t *parent, const char *key,
		 bool required, const json_t **out);
int k8s_json_arr(struct k8s_jctx *x, const json_t *parent, const char *key,
		 const json_t **out);
/* One of n names (an empty string counts as absent); *out is the index. */
int k8s_json_enum(struct k8s_jctx *x, const json_t *parent, const char *key,
		  const char *const *names, size_t n, int *out);
/* "TCP", "UDP" or "SCTP"; *out is TCP when absent. */
int k8s_json_proto(struct k8s_jctx *x, const json_t *parent, const char *key,
		   enum nfp_proto *out);
/* An IP address of family (AF_INET, AF_INET6, or 0 for either). An empty
 * string counts as absent unless required; *out is zeroed when absent. */
int k8s_json_ip(struct k8s_jctx *x, const json_t *parent, const char *key,
		int family, bool required, struct nfp_addr *out);
/* A CIDR block; spaces around it are trimmed first (kube-proxy does so for
 * loadBalancerSourceRanges). */
int k8s_json_cidr(struct k8s_jctx *x, const json_t *parent, const char *key,
		  struct nfp_cidr *out);
/* An array of addresses / CIDR blocks at parent[key] (key not NULL),
 * appended to (*arr, *n). */
int k8s_json_ip_list(struct k8s_jctx *x, const json_t *parent, const char *key,
		     struct nfp_addr **arr, size_t *n);
int k8s_json_cidr_list(struct k8s_jctx *x, const json_t *parent,
		       const char *key, struct nfp_cidr **arr, size_t *n);

/*
 * metadata: name (required, DNS-1123 subdomain), namespace ("default" when
 * a namespaced object has none; "" for cluster-scoped ones), uid,
 * resourceVersion ("" when absent), labels, deletionTimestamp.
 */
int k8s_json_meta(struct k8s_jctx *x, const json_t *o, bool namespaced,
		  struct k8s_meta *out);

/*
 * Per-object decoders. o is one object (its kind and apiVersion are the
 * caller's business); *out is filled and owned by the caller, who frees it
 * with k8s_*_free(). On a malformed object they return -EINVAL with one
 * DIAG_ERROR in d and leave *out zeroed.
 */
int k8s_decode_service_json(const json_t *o, struct k8s_service *out,
			    struct diag_list *d);
int k8s_decode_endpointslice_json(const json_t *o,
				  struct k8s_endpointslice *out,
				  struct diag_list *d);
int k8s_decode_pod_json(const json_t *o, struct k8s_pod *out,
			struct diag_list *d);
int k8s_decode_node_json(const json_t *o, struct k8s_node *out,
			 struct diag_list *d);

/*
 * Decode one object and append it to c. Its kind is o's "kind", or
 * kind_hint (may be NULL) when o has none, as in the items of a typed list.
 * Returns 0 when the object was added, -EINVAL when it was malformed
 * (DIAG_ERROR), -EOPNOTSUPP when its kind or apiVersion is not one we read
 * (DIAG_WARN).
 */
int k8s_decode_object_json(const json_t *o, const char *kind_hint,
			   struct k8s_cluster *c, struct diag_list *d);

#endif
