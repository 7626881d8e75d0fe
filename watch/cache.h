/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_WATCH_CACHE_H
#define NFP_WATCH_CACHE_H

/*
 * The informer store: the objects the reflectors list and watch, one table
 * per kind keyed by namespace/name, kept in the contiguous arrays of a
 * struct k8s_cluster so that plan_build() reads the cache directly. An
 * event costs O(1) on average (a hash index over the arrays; a delete moves
 * the last object into the hole, so the arrays are in no order).
 */

#include <stdbool.h>
#include <stdint.h>

#include "watch/k8s.h"

enum watch_kind {
	WATCH_SERVICES,
	WATCH_SLICES,
	WATCH_PODS,
	WATCH_NODES,
	__WATCH_KIND_MAX
};

#define WATCH_KIND_BIT(k) (1u << (k))
#define WATCH_KINDS_ALL ((1u << __WATCH_KIND_MAX) - 1)

/* One object of any kind; every kind begins with its metadata. */
union watch_object {
	struct k8s_meta meta;
	struct k8s_service service;
	struct k8s_endpointslice slice;
	struct k8s_pod pod;
	struct k8s_node node;
};

/* "Service", "EndpointSlice", "Pod", "Node". */
const char *watch_kind_name(enum watch_kind k);
/* Release what o (of kind k) owns and zero it. */
void watch_object_free(enum watch_kind k, union watch_object *o);

/*
 * Append o (moved, then zeroed) to c's array of kind k: how a relist
 * collects its pages before watch_cache_replace().
 */
void watch_cluster_append(struct k8s_cluster *c, enum watch_kind k,
			  union watch_object *o);

struct watch_cache;

/*
 * An empty cache that will hold the kinds in the mask (WATCH_KIND_BIT()):
 * watch_cache_synced() waits for each of them. Never NULL (allocation
 * aborts, see util/xalloc.h).
 */
struct watch_cache *watch_cache_new(unsigned int kinds);
/* Frees every object. NULL is a no-op. */
void watch_cache_free(struct watch_cache *c);

/*
 * Insert o, or replace the object with its namespace/name. o is moved into
 * the cache and zeroed. An object with the same uid and resourceVersion as
 * the cached one is the same object: it is dropped and nothing changes.
 * Returns true when the cache changed (the generation moved).
 */
bool watch_cache_upsert(struct watch_cache *c, enum watch_kind k,
			union watch_object *o);

/* Delete namespace/name ("" for cluster-scoped kinds). Returns true when
 * there was such an object. */
bool watch_cache_delete(struct watch_cache *c, enum watch_kind k,
			const char *ns, const char *name);

/*
 * A relist: make kind k hold exactly the objects of that kind in from,
 * moving them out of from (whose array for k is left empty; other kinds in
 * from are untouched). Objects missing from the list are gone, duplicates
 * keep the last copy. Marks k synced. Returns true when the content
 * changed or this is the kind's first list (even an empty one: the daemon
 * learns that the kind is now known); false when every object came back
 * with the same uid/resourceVersion.
 */
bool watch_cache_replace(struct watch_cache *c, enum watch_kind k,
			 struct k8s_cluster *from);

/* The object namespace/name of kind k, or NULL. Borrowed until the next
 * change; cast to the kind's struct (meta is its first member). */
const struct k8s_meta *watch_cache_find(const struct watch_cache *c,
					enum watch_kind k, const char *ns,
					const char *name);

/* Every cached object, as plan_build() reads them. Borrowed: valid until
 * the next change of the cache. */
const struct k8s_cluster *watch_cache_cluster(const struct watch_cache *c);

/* Moves on every change; the daemon compares it with the value it last
 * built a plan from. */
uint64_t watch_cache_generation(const struct watch_cache *c);
uint64_t watch_cache_kind_generation(const struct watch_cache *c,
				     enum watch_kind k);

/* True once every kind of the mask has been listed (replaced) once. */
bool watch_cache_synced(const struct watch_cache *c);
bool watch_cache_kind_synced(const struct watch_cache *c, enum watch_kind k);
size_t watch_cache_count(const struct watch_cache *c, enum watch_kind k);

#endif
