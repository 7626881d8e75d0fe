// SPDX-License-Identifier: GPL-2.0
/* watch/cache.c: the informer store. */
#include "testutil.h"
#include "util/xalloc.h"
#include "watch/cache.h"

#include <stdio.h>

static union watch_object svc(const char *ns, const char *name, const char *uid,
			      const char *rv, uint16_t port)
{
	union watch_object o = {0};

	o.service.meta.ns = xstrdup(ns);
	o.service.meta.name = xstrdup(name);
	o.service.meta.uid = xstrdup(uid);
	o.service.meta.resource_version = xstrdup(rv);
	o.service.ports = xcalloc(1, sizeof(*o.service.ports));
	o.service.ports[0].name = xstrdup("");
	o.service.ports[0].port = port;
	o.service.n_ports = 1;
	return o;
}

static union watch_object node(const char *name, const char *rv)
{
	union watch_object o = {0};

	o.node.meta.ns = xstrdup("");
	o.node.meta.name = xstrdup(name);
	o.node.meta.uid = xstrdup(name);
	o.node.meta.resource_version = xstrdup(rv);
	return o;
}

static uint16_t port_of(struct watch_cache *c, const char *ns, const char *name)
{
	const struct k8s_meta *m =
		watch_cache_find(c, WATCH_SERVICES, ns, name);

	ck_assert_msg(m != NULL, "%s/%s missing", ns, name);
	return ((const struct k8s_service *)m)->ports[0].port;
}

/* Every name in the array is found at its own position. */
static void check_index(struct watch_cache *c)
{
	const struct k8s_cluster *cl = watch_cache_cluster(c);

	for (size_t i = 0; i < cl->n_services; i++) {
		const struct k8s_service *s = &cl->services[i];

		ck_assert_ptr_eq(watch_cache_find(c, WATCH_SERVICES, s->meta.ns,
						  s->meta.name),
				 &s->meta);
	}
}

START_TEST(test_upsert_find_delete)
{
	struct watch_cache *c = watch_cache_new(WATCH_KINDS_ALL);
	union watch_object o;
	uint64_t g;

	o = svc("default", "web", "u1", "10", 80);
	ck_assert(watch_cache_upsert(c, WATCH_SERVICES, &o));
	ck_assert_ptr_null(o.meta.name); /* moved */
	o = svc("kube-system", "dns", "u2", "11", 53);
	ck_assert(watch_cache_upsert(c, WATCH_SERVICES, &o));
	o = svc("default", "api", "u3", "12", 443);
	ck_assert(watch_cache_upsert(c, WATCH_SERVICES, &o));
	ck_assert_uint_eq(watch_cache_count(c, WATCH_SERVICES), 3);
	ck_assert_uint_eq(watch_cache_generation(c), 3);
	ck_assert_uint_eq(port_of(c, "kube-system", "dns"), 53);
	ck_assert_ptr_null(watch_cache_find(c, WATCH_SERVICES, "other", "dns"));
	ck_assert_ptr_null(watch_cache_find(c, WATCH_PODS, "default", "web"));

	/* The same uid and resourceVersion again: no change. */
	g = watch_cache_generation(c);
	o = svc("default", "web", "u1", "10", 8080);
	ck_assert(!watch_cache_upsert(c, WATCH_SERVICES, &o));
	ck_assert_uint_eq(watch_cache_generation(c), g);
	ck_assert_uint_eq(port_of(c, "default", "web"), 80);

	/* A new version replaces in place. */
	o = svc("default", "web", "u1", "20", 8080);
	ck_assert(watch_cache_upsert(c, WATCH_SERVICES, &o));
	ck_assert_uint_eq(port_of(c, "default", "web"), 8080);
	ck_assert_uint_eq(watch_cache_count(c, WATCH_SERVICES), 3);
	ck_assert_uint_eq(watch_cache_kind_generation(c, WATCH_SERVICES), 4);
	ck_assert_uint_eq(watch_cache_kind_generation(c, WATCH_PODS), 0);

	/* Delete the first: the last moves into its place. */
	ck_assert(watch_cache_delete(c, WATCH_SERVICES, "default", "web"));
	ck_assert(!watch_cache_delete(c, WATCH_SERVICES, "default", "web"));
	ck_assert_uint_eq(watch_cache_count(c, WATCH_SERVICES), 2);
	ck_assert_str_eq(watch_cache_cluster(c)->services[0].meta.name, "api");
	check_index(c);
	ck_assert_uint_eq(port_of(c, "default", "api"), 443);
	watch_cache_free(c);
}
END_TEST

START_TEST(test_cluster_scoped_and_synced)
{
	struct watch_cache *c = watch_cache_new(WATCH_KIND_BIT(WATCH_NODES) |
						WATCH_KIND_BIT(WATCH_SERVICES));
	struct k8s_cluster list = {0};
	union watch_object o;

	ck_assert(!watch_cache_synced(c));
	o = node("node-a", "5");
	watch_cluster_append(&list, WATCH_NODES, &o);
	ck_assert(watch_cache_replace(c, WATCH_NODES, &list));
	ck_assert_uint_eq(list.n_nodes, 0);
	ck_assert(watch_cache_kind_synced(c, WATCH_NODES));
	ck_assert(!watch_cache_synced(c));
	ck_assert_ptr_nonnull(watch_cache_find(c, WATCH_NODES, "", "node-a"));
	ck_assert_ptr_nonnull(watch_cache_find(c, WATCH_NODES, NULL, "node-a"));
	/* An empty list is a list: the kind is synced, and that is news. */
	ck_assert(watch_cache_replace(c, WATCH_SERVICES, &list));
	ck_assert(watch_cache_synced(c));
	ck_assert_uint_eq(watch_cache_kind_generation(c, WATCH_SERVICES), 1);
	ck_assert(!watch_cache_replace(c, WATCH_SERVICES, &list));
	ck_assert(watch_cache_delete(c, WATCH_NODES, "", "node-a"));
	ck_assert_uint_eq(watch_cache_cluster(c)->n_nodes, 0);
	k8s_cluster_clear(&list);
	watch_cache_free(c);
}
END_TEST

START_TEST(test_replace)
{
	struct watch_cache *c = watch_cache_new(WATCH_KINDS_ALL);
	struct k8s_cluster list = {0};
	union watch_object o;
	uint64_t g;

	/* The first list: a change even before comparing. */
	o = svc("default", "a", "ua", "1", 1);
	watch_cluster_append(&list, WATCH_SERVICES, &o);
	o = svc("default", "b", "ub", "2", 2);
	watch_cluster_append(&list, WATCH_SERVICES, &o);
	ck_assert(watch_cache_replace(c, WATCH_SERVICES, &list));
	o = node("n1", "3");
	watch_cache_upsert(c, WATCH_NODES, &o);

	/* Same objects, same versions: nothing changes. */
	o = svc("default", "b", "ub", "2", 2);
	watch_cluster_append(&list, WATCH_SERVICES, &o);
	o = svc("default", "a", "ua", "1", 1);
	watch_cluster_append(&list, WATCH_SERVICES, &o);
	g = watch_cache_generation(c);
	ck_assert(!watch_cache_replace(c, WATCH_SERVICES, &list));
	ck_assert_uint_eq(watch_cache_generation(c), g);
	ck_assert_uint_eq(list.n_services, 0);

	/* b is gone, a changed, c is new, d comes twice (last copy wins). */
	o = svc("default", "a", "ua", "7", 70);
	watch_cluster_append(&list, WATCH_SERVICES, &o);
	o = svc("default", "d", "ud", "8", 8);
	watch_cluster_append(&list, WATCH_SERVICES, &o);
	o = svc("default", "c", "uc", "9", 9);
	watch_cluster_append(&list, WATCH_SERVICES, &o);
	o = svc("default", "d", "ud", "10", 10);
	watch_cluster_append(&list, WATCH_SERVICES, &o);
	ck_assert(watch_cache_replace(c, WATCH_SERVICES, &list));
	ck_assert_uint_eq(watch_cache_generation(c), g + 1);
	ck_assert_uint_eq(watch_cache_count(c, WATCH_SERVICES), 3);
	ck_assert_ptr_null(watch_cache_find(c, WATCH_SERVICES, "default", "b"));
	ck_assert_uint_eq(port_of(c, "default", "a"), 70);
	ck_assert_uint_eq(port_of(c, "default", "c"), 9);
	ck_assert_uint_eq(port_of(c, "default", "d"), 10);
	check_index(c);
	/* Other kinds are untouched. */
	ck_assert_uint_eq(watch_cache_count(c, WATCH_NODES), 1);
	/* The index keeps working after a replace. */
	o = svc("default", "e", "ue", "11", 11);
	ck_assert(watch_cache_upsert(c, WATCH_SERVICES, &o));
	ck_assert(watch_cache_delete(c, WATCH_SERVICES, "default", "a"));
	check_index(c);
	ck_assert_uint_eq(watch_cache_count(c, WATCH_SERVICES), 3);
	k8s_cluster_clear(&list);
	watch_cache_free(c);
}
END_TEST

/* 10,000 objects in, every other one out, in an order that exercises
 * the index's backward shift; then all back: the index stays exact. */
START_TEST(test_many)
{
	struct watch_cache *c = watch_cache_new(WATCH_KINDS_ALL);
	enum { N = 10000 };
	char name[32];

	for (int i = 0; i < N; i++) {
		union watch_object o;

		snprintf(name, sizeof(name), "svc-%d", i);
		o = svc(i % 3 ? "default" : "prod", name, name, "1",
			(uint16_t)(i + 1));
		ck_assert(watch_cache_upsert(c, WATCH_SERVICES, &o));
	}
	ck_assert_uint_eq(watch_cache_count(c, WATCH_SERVICES), N);
	check_index(c);
	for (int i = N - 1; i >= 0; i -= 2) {
		snprintf(name, sizeof(name), "svc-%d", i);
		ck_assert(watch_cache_delete(c, WATCH_SERVICES,
					     i % 3 ? "default" : "prod", name));
	}
	ck_assert_uint_eq(watch_cache_count(c, WATCH_SERVICES), N / 2);
	check_index(c);
	for (int i = 0; i < N; i++) {
		const char *ns = i % 3 ? "default" : "prod";

		snprintf(name, sizeof(name), "svc-%d", i);
		if (i % 2)
			ck_assert_ptr_null(
				watch_cache_find(c, WATCH_SERVICES, ns, name));
		else
			ck_assert_uint_eq(port_of(c, ns, name), i + 1);
	}
	for (int i = 1; i < N; i += 2) {
		union watch_object o;

		snprintf(name, sizeof(name), "svc-%d", i);
		o = svc(i % 3 ? "default" : "prod", name, name, "2",
			(uint16_t)(i + 1));
		ck_assert(watch_cache_upsert(c, WATCH_SERVICES, &o));
	}
	ck_assert_uint_eq(watch_cache_count(c, WATCH_SERVICES), N);
	check_index(c);
	watch_cache_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("cache");

	tcase_add_test(tc, test_upsert_find_delete);
	tcase_add_test(tc, test_cluster_scoped_and_synced);
	tcase_add_test(tc, test_replace);
	tcase_add_test(tc, test_many);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
