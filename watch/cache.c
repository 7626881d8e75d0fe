// SPDX-License-Identifier: GPL-2.0
/*
 * The informer store. Objects live in the arrays of a struct k8s_cluster;
 * beside each array an open-addressing hash index (linear probing, deletion
 * by backward shift, no tombstones) maps namespace/name to the position.
 *
 *   index slot: { hash, pos + 1 }  ──▶  cluster.services[pos]
 *                                         .meta.ns / .meta.name
 *
 * Deleting moves the last object into the hole and rewrites its slot.
 */
#include "watch/cache.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#define INDEX_MIN_SLOTS 16

struct slot {
	uint32_t hash;
	uint32_t pos1; /* position + 1; 0 = empty */
};

struct kind_index {
	struct slot *slots;
	size_t mask; /* slots - 1 (a power of two less one) */
	size_t used;
};

struct watch_cache {
	struct k8s_cluster cluster;
	struct kind_index index[__WATCH_KIND_MAX];
	uint64_t generation;
	uint64_t kind_gen[__WATCH_KIND_MAX];
	unsigned int kinds;
	unsigned int synced;
};

static const char *const kind_names[__WATCH_KIND_MAX] = {
	[WATCH_SERVICES] = "Service",
	[WATCH_SLICES] = "EndpointSlice",
	[WATCH_PODS] = "Pod",
	[WATCH_NODES] = "Node",
};

const char *watch_kind_name(enum watch_kind k)
{
	return k < __WATCH_KIND_MAX ? kind_names[k] : "Object";
}

/* The kind's array inside a cluster, seen as bytes. */
struct array {
	char *base;
	size_t *n;
	size_t size;
};

static struct array array_of(struct k8s_cluster *c, enum watch_kind k)
{
	switch (k) {
	case WATCH_SERVICES:
		return (struct array){(char *)c->services, &c->n_services,
				      sizeof(*c->services)};
	case WATCH_SLICES:
		return (struct array){(char *)c->slices, &c->n_slices,
				      sizeof(*c->slices)};
	case WATCH_PODS:
		return (struct array){(char *)c->pods, &c->n_pods,
				      sizeof(*c->pods)};
	case WATCH_NODES:
	default:
		return (struct array){(char *)c->nodes, &c->n_nodes,
				      sizeof(*c->nodes)};
	}
}

/* Room for one more object of kind k; returns the array afterwards. */
static struct array array_grow(struct k8s_cluster *c, enum watch_kind k)
{
	switch (k) {
	case WATCH_SERVICES:
		c->services = xgrow(c->services, &c->cap_services,
				    c->n_services + 1, sizeof(*c->services));
		break;
	case WATCH_SLICES:
		c->slices = xgrow(c->slices, &c->cap_slices, c->n_slices + 1,
				  sizeof(*c->slices));
		break;
	case WATCH_PODS:
		c->pods = xgrow(c->pods, &c->cap_pods, c->n_pods + 1,
				sizeof(*c->pods));
		break;
	case WATCH_NODES:
	default:
		c->nodes = xgrow(c->nodes, &c->cap_nodes, c->n_nodes + 1,
				 sizeof(*c->nodes));
		break;
	}
	return array_of(c, k);
}

/* Hand kind k's array of src to dst (whose array must be empty). */
static void array_move(struct k8s_cluster *dst, struct k8s_cluster *src,
		       enum watch_kind k)
{
#define MOVE(f, n, cap)                \
	do {                           \
		free(dst->f);          \
		dst->f = src->f;       \
		dst->n = src->n;       \
		dst->cap = src->cap;   \
		src->f = NULL;         \
		src->n = src->cap = 0; \
	} while (0)
	switch (k) {
	case WATCH_SERVICES:
		MOVE(services, n_services, cap_services);
		break;
	case WATCH_SLICES:
		MOVE(slices, n_slices, cap_slices);
		break;
	case WATCH_PODS:
		MOVE(pods, n_pods, cap_pods);
		break;
	case WATCH_NODES:
	default:
		MOVE(nodes, n_nodes, cap_nodes);
		break;
	}
#undef MOVE
}

static void *elem(const struct array *a, size_t i)
{
	return a->base + i * a->size;
}

/* meta is the first member of every kind's struct. */
static struct k8s_meta *meta_at(const struct array *a, size_t i)
{
	return elem(a, i);
}

static void free_at(enum watch_kind k, void *p)
{
	switch (k) {
	case WATCH_SERVICES:
		k8s_service_free(p);
		break;
	case WATCH_SLICES:
		k8s_endpointslice_free(p);
		break;
	case WATCH_PODS:
		k8s_pod_free(p);
		break;
	case WATCH_NODES:
	default:
		k8s_node_free(p);
		break;
	}
}

void watch_object_free(enum watch_kind k, union watch_object *o)
{
	free_at(k, o);
}

void watch_cluster_append(struct k8s_cluster *c, enum watch_kind k,
			  union watch_object *o)
{
	struct array a = array_grow(c, k);

	memcpy(elem(&a, (*a.n)++), o, a.size);
	memset(o, 0, sizeof(*o));
}

/* FNV-1a over "ns/name". */
static uint32_t key_hash(const char *ns, const char *name)
{
	uint32_t h = 2166136261u;

	for (const char *p = ns; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h;
}

static const char *ns_of(const struct k8s_meta *m)
{
	return m->ns ? m->ns : "";
}

static bool key_eq(const struct k8s_meta *m, const char *ns, const char *name)
{
	return strcmp(ns_of(m), ns) == 0 && strcmp(m->name, name) == 0;
}

/* The slot holding ns/name, or the empty slot where it would go. */
static size_t index_probe(const struct kind_index *ix, const struct array *a,
			  uint32_t h, const char *ns, const char *name)
{
	size_t i = h & ix->mask;

	for (;; i = (i + 1) & ix->mask) {
		const struct slot *s = &ix->slots[i];

		if (!s->pos1)
			return i;
		if (s->hash == h && key_eq(meta_at(a, s->pos1 - 1), ns, name))
			return i;
	}
}

static void index_clear(struct kind_index *ix, size_t want)
{
	size_t n = INDEX_MIN_SLOTS;

	while (n < want * 2)
		n *= 2;
	free(ix->slots);
	ix->slots = xcalloc(n, sizeof(*ix->slots));
	ix->mask = n - 1;
	ix->used = 0;
}

static void index_put(struct kind_index *ix, size_t slot, uint32_t h,
		      size_t pos)
{
	ix->slots[slot].hash = h;
	ix->slots[slot].pos1 = (uint32_t)pos + 1;
	ix->used++;
}

/* Rebuild from the array (after a relist, or to grow). */
static void index_rebuild(struct kind_index *ix, const struct array *a)
{
	index_clear(ix, *a->n);
	for (size_t i = 0; i < *a->n; i++) {
		const struct k8s_meta *m = meta_at(a, i);
		uint32_t h = key_hash(ns_of(m), m->name);

		index_put(ix, index_probe(ix, a, h, ns_of(m), m->name), h, i);
	}
}

/* Empty slot i and shift later members of its run back (Knuth 6.4 R). */
static void index_remove(struct kind_index *ix, size_t i)
{
	size_t j = i;

	ix->slots[i].pos1 = 0;
	ix->used--;
	for (;;) {
		size_t home;

		j = (j + 1) & ix->mask;
		if (!ix->slots[j].pos1)
			return;
		home = ix->slots[j].hash & ix->mask;
		/* j stays if its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		ix->slots[i] = ix->slots[j];
		ix->slots[j].pos1 = 0;
		i = j;
	}
}

struct watch_cache *watch_cache_new(unsigned int kinds)
{
	struct watch_cache *c = xcalloc(1, sizeof(*c));

	c->kinds = kinds & WATCH_KINDS_ALL;
	for (int k = 0; k < __WATCH_KIND_MAX; k++)
		index_clear(&c->index[k], 0);
	return c;
}

void watch_cache_free(struct watch_cache *c)
{
	if (!c)
		return;
	k8s_cluster_clear(&c->cluster);
	for (int k = 0; k < __WATCH_KIND_MAX; k++)
		free(c->index[k].slots);
	free(c);
}

static void changed(struct watch_cache *c, enum watch_kind k)
{
	c->generation++;
	c->kind_gen[k]++;
}

static bool same_version(const struct k8s_meta *a, const struct k8s_meta *b)
{
	return a->resource_version && b->resource_version &&
	       a->resource_version[0] &&
	       strcmp(a->resource_version, b->resource_version) == 0 &&
	       strcmp(a->uid ? a->uid : "", b->uid ? b->uid : "") == 0;
}

bool watch_cache_upsert(struct watch_cache *c, enum watch_kind k,
			union watch_object *o)
{
	struct kind_index *ix = &c->index[k];
	const char *ns = ns_of(&o->meta);
	uint32_t h = key_hash(ns, o->meta.name);
	struct array a = array_of(&c->cluster, k);
	size_t slot = index_probe(ix, &a, h, ns, o->meta.name);
	size_t pos;

	if (ix->slots[slot].pos1) {
		pos = ix->slots[slot].pos1 - 1;
		if (same_version(meta_at(&a, pos), &o->meta)) {
			watch_object_free(k, o);
			return false;
		}
		free_at(k, elem(&a, pos));
	} else {
		a = array_grow(&c->cluster, k);
		pos = (*a.n)++;
		index_put(ix, slot, h, pos);
	}
	memcpy(elem(&a, pos), o, a.size);
	memset(o, 0, sizeof(*o));
	if ((ix->used + 1) * 2 > ix->mask + 1)
		index_rebuild(ix, &a);
	changed(c, k);
	return true;
}

bool watch_cache_delete(struct watch_cache *c, enum watch_kind k,
			const char *ns, const char *name)
{
	struct kind_index *ix = &c->index[k];
	struct array a = array_of(&c->cluster, k);
	uint32_t h = key_hash(ns ? ns : "", name);
	size_t slot = index_probe(ix, &a, h, ns ? ns : "", name);
	size_t pos, last;

	if (!ix->slots[slot].pos1)
		return false;
	pos = ix->slots[slot].pos1 - 1;
	last = *a.n - 1;
	free_at(k, elem(&a, pos));
	index_remove(ix, slot);
	if (pos != last) {
		const struct k8s_meta *m = meta_at(&a, last);
		uint32_t mh = key_hash(ns_of(m), m->name);
		size_t ms = index_probe(ix, &a, mh, ns_of(m), m->name);

		memcpy(elem(&a, pos), elem(&a, last), a.size);
		memset(elem(&a, last), 0, a.size);
		ix->slots[ms].pos1 = (uint32_t)pos + 1;
	}
	(*a.n)--;
	changed(c, k);
	return true;
}

/* Would replacing with new change anything? Same keys, same versions. */
static bool list_differs(const struct watch_cache *c, enum watch_kind k,
			 const struct array *old, const struct array *new)
{
	if (*old->n != *new->n)
		return true;
	for (size_t i = 0; i < *new->n; i++) {
		const struct k8s_meta *m = meta_at(new, i);
		const struct k8s_meta *o =
			watch_cache_find(c, k, ns_of(m), m->name);

		if (!o || !same_version(o, m))
			return true;
	}
	return false;
}

bool watch_cache_replace(struct watch_cache *c, enum watch_kind k,
			 struct k8s_cluster *from)
{
	struct kind_index *ix = &c->index[k];
	struct array old = array_of(&c->cluster, k);
	struct array a = array_of(from, k);
	size_t w = 0;

	/* The first list is news even when empty: the kind is now known. */
	bool first = !(c->synced & WATCH_KIND_BIT(k));

	c->synced |= WATCH_KIND_BIT(k);
	if (!first && !list_differs(c, k, &old, &a)) {
		for (size_t i = 0; i < *a.n; i++)
			free_at(k, elem(&a, i));
		*a.n = 0;
		return false;
	}
	for (size_t i = 0; i < *old.n; i++)
		free_at(k, elem(&old, i));
	*old.n = 0;
	array_move(&c->cluster, from, k);
	a = array_of(&c->cluster, k);
	/* Index while compacting: a duplicate overwrites the first copy. */
	index_clear(ix, *a.n);
	for (size_t i = 0; i < *a.n; i++) {
		const struct k8s_meta *m = meta_at(&a, i);
		uint32_t h = key_hash(ns_of(m), m->name);
		size_t s = index_probe(ix, &a, h, ns_of(m), m->name);

		if (ix->slots[s].pos1) {
			size_t dup = ix->slots[s].pos1 - 1;

			free_at(k, elem(&a, dup));
			memcpy(elem(&a, dup), elem(&a, i), a.size);
		} else {
			if (w != i)
				memcpy(elem(&a, w), elem(&a, i), a.size);
			index_put(ix, s, h, w);
			w++;
		}
	}
	if (w < *a.n)
		memset(elem(&a, w), 0, (*a.n - w) * a.size);
	*a.n = w;
	changed(c, k);
	return true;
}

const struct k8s_meta *watch_cache_find(const struct watch_cache *c,
					enum watch_kind k, const char *ns,
					const char *name)
{
	const struct kind_index *ix = &c->index[k];
	struct array a = array_of((struct k8s_cluster *)&c->cluster, k);
	size_t slot;

	ns = ns ? ns : "";
	slot = index_probe(ix, &a, key_hash(ns, name), ns, name);
	return ix->slots[slot].pos1 ? meta_at(&a, ix->slots[slot].pos1 - 1)
				    : NULL;
}

const struct k8s_cluster *watch_cache_cluster(const struct watch_cache *c)
{
	return &c->cluster;
}

uint64_t watch_cache_generation(const struct watch_cache *c)
{
	return c->generation;
}

uint64_t watch_cache_kind_generation(const struct watch_cache *c,
				     enum watch_kind k)
{
	return c->kind_gen[k];
}

bool watch_cache_synced(const struct watch_cache *c)
{
	return (c->synced & c->kinds) == c->kinds;
}

bool watch_cache_kind_synced(const struct watch_cache *c, enum watch_kind k)
{
	return c->synced & WATCH_KIND_BIT(k);
}

size_t watch_cache_count(const struct watch_cache *c, enum watch_kind k)
{
	struct array a = array_of((struct k8s_cluster *)&c->cluster, k);

	return *a.n;
}
