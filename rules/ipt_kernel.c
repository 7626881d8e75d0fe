// SPDX-License-Identifier: GPL-2.0
/* The x_tables ops over libiptc: libip4tc for IPv4, libip6tc for IPv6. */
#include "rules/ipt_kernel.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libiptc/libip6tc.h>
#include <libiptc/libiptc.h>

/* Poll interval while another process holds the xtables lock. */
#define LOCK_POLL_MS 10
/* Symlinks followed at most when looking for the iptables binary. */
#define FLAVOUR_MAX_LINKS 16

/*
 * libip4tc and libip6tc are one source compiled twice, with the same
 * calls under two prefixes; only the entry type differs. One table per
 * family lets the rest of this file be a single code path.
 */
struct family {
	int af;
	const char *names; /* the netns's instantiated tables */
	struct xtc_handle *(*init)(const char *table);
	void (*free)(struct xtc_handle *h);
	int (*commit)(struct xtc_handle *h);
	const char *(*first_chain)(struct xtc_handle *h);
	const char *(*next_chain)(struct xtc_handle *h);
	int (*builtin)(const char *chain, struct xtc_handle *const h);
	const void *(*first_rule)(const char *chain, struct xtc_handle *h);
	const void *(*next_rule)(const void *prev, struct xtc_handle *h);
	const char *(*get_target)(const void *e, struct xtc_handle *h);
	int (*create_chain)(const char *chain, struct xtc_handle *h);
	int (*flush_entries)(const char *chain, struct xtc_handle *h);
	int (*delete_chain)(const char *chain, struct xtc_handle *h);
	int (*get_references)(unsigned int *ref, const char *chain,
			      struct xtc_handle *h);
	int (*append_entry)(const char *chain, const void *e,
			    struct xtc_handle *h);
	int (*insert_entry)(const char *chain, const void *e, unsigned int n,
			    struct xtc_handle *h);
	int (*delete_num_entry)(const char *chain, unsigned int n,
				struct xtc_handle *h);
};

/* The calls that take or return an entry, with the entry as void *. */
#define ENTRY_WRAPPERS(p)                                                   \
	static const void *p##_first_rule_w(const char *c,                  \
					    struct xtc_handle *h)           \
	{                                                                   \
		return p##_first_rule(c, h);                                \
	}                                                                   \
	static const void *p##_next_rule_w(const void *e,                   \
					   struct xtc_handle *h)            \
	{                                                                   \
		return p##_next_rule(e, h);                                 \
	}                                                                   \
	static const char *p##_get_target_w(const void *e,                  \
					    struct xtc_handle *h)           \
	{                                                                   \
		return p##_get_target(e, h);                                \
	}                                                                   \
	static int p##_append_entry_w(const char *c, const void *e,         \
				      struct xtc_handle *h)                 \
	{                                                                   \
		return p##_append_entry(c, e, h);                           \
	}                                                                   \
	static int p##_insert_entry_w(const char *c, const void *e,         \
				      unsigned int n, struct xtc_handle *h) \
	{                                                                   \
		return p##_insert_entry(c, e, n, h);                        \
	}

ENTRY_WRAPPERS(iptc)
ENTRY_WRAPPERS(ip6tc)

#define FAMILY(p, family, names_file)                                         \
	{                                                                     \
		.af = family, .names = names_file, .init = p##_init,          \
		.free = p##_free, .commit = p##_commit,                       \
		.first_chain = p##_first_chain, .next_chain = p##_next_chain, \
		.builtin = p##_builtin, .first_rule = p##_first_rule_w,       \
		.next_rule = p##_next_rule_w, .get_target = p##_get_target_w, \
		.create_chain = p##_create_chain,                             \
		.flush_entries = p##_flush_entries,                           \
		.delete_chain = p##_delete_chain,                             \
		.get_references = p##_get_references,                         \
		.append_entry = p##_append_entry_w,                           \
		.insert_entry = p##_insert_entry_w,                           \
		.delete_num_entry = p##_delete_num_entry,                     \
	}

static const struct family families[] = {
	FAMILY(iptc, AF_INET, "/proc/net/ip_tables_names"),
	FAMILY(ip6tc, AF_INET6, "/proc/net/ip6_tables_names"),
};

static const struct family *family_of(int af)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (families[i].af == af)
			return &families[i];
	return NULL;
}

struct ktable {
	const struct family *f;
	struct xtc_handle *h;
	int lock_fd;
};

/* libiptc: 1 on success, 0 and errno on failure. */
static int rc(int ok)
{
	if (ok)
		return 0;
	return errno ? -errno : -EIO;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The lock iptables-legacy takes around every change (xshared.c). */
static int lock_take(void)
{
	const char *path = getenv("XTABLES_LOCKFILE");
	long deadline = now_ms() + IPT_KERNEL_LOCK_WAIT_MS;
	int fd, err;

	if (!path || !*path)
		path = IPT_KERNEL_LOCK_PATH;
	fd = open(path, O_CREAT | O_RDONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	for (;;) {
		struct timespec pause = {0, LOCK_POLL_MS * 1000000L};

		if (!flock(fd, LOCK_EX | LOCK_NB))
			return fd;
		err = errno;
		if (err != EWOULDBLOCK && err != EINTR)
			break;
		if (now_ms() >= deadline) {
			err = EBUSY;
			break;
		}
		nanosleep(&pause, NULL);
	}
	close(fd);
	return -err;
}

static bool k_table_exists(void *ctx, int family, const char *table)
{
	const struct family *f = family_of(family);
	char line[64];
	bool found = false;
	FILE *fp;

	(void)ctx;
	if (!f || !(fp = fopen(f->names, "re")))
		return false;
	while (!found && fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\n")] = '\0';
		found = !strcmp(line, table);
	}
	fclose(fp);
	return found;
}

static void *k_open(void *ctx, int family, const char *table, int *err)
{
	const struct family *f = family_of(family);
	struct ktable *t;
	int fd;

	(void)ctx;
	if (!f) {
		*err = -EAFNOSUPPORT;
		return NULL;
	}
	fd = lock_take();
	if (fd < 0) {
		*err = fd;
		return NULL;
	}
	t = xcalloc(1, sizeof(*t));
	t->f = f;
	t->lock_fd = fd;
	errno = 0;
	t->h = f->init(table);
	if (!t->h) {
		*err = errno ? -errno : -EIO;
		close(fd);
		free(t);
		return NULL;
	}
	return t;
}

static int k_commit(void *h)
{
	struct ktable *t = h;

	return rc(t->f->commit(t->h));
}

static void k_close(void *h)
{
	struct ktable *t = h;

	if (!t)
		return;
	t->f->free(t->h);
	close(t->lock_fd); /* releases the flock */
	free(t);
}

static const char *k_first_chain(void *h)
{
	struct ktable *t = h;

	return t->f->first_chain(t->h);
}

static const char *k_next_chain(void *h)
{
	struct ktable *t = h;

	return t->f->next_chain(t->h);
}

static bool k_builtin(void *h, const char *chain)
{
	struct ktable *t = h;

	return t->f->builtin(chain, t->h) != 0;
}

static const void *k_first_rule(void *h, const char *chain)
{
	struct ktable *t = h;

	return t->f->first_rule(chain, t->h);
}

static const void *k_next_rule(void *h, const void *prev)
{
	struct ktable *t = h;

	return t->f->next_rule(prev, t->h);
}

static const char *k_rule_target(void *h, const void *entry)
{
	struct ktable *t = h;

	return t->f->get_target(entry, t->h);
}

static int k_create_chain(void *h, const char *chain)
{
	struct ktable *t = h;

	return rc(t->f->create_chain(chain, t->h));
}

static int k_flush_chain(void *h, const char *chain)
{
	struct ktable *t = h;

	return rc(t->f->flush_entries(chain, t->h));
}

static int k_delete_chain(void *h, const char *chain)
{
	struct ktable *t = h;

	return rc(t->f->delete_chain(chain, t->h));
}

static int k_references(void *h, const char *chain, unsigned int *refs)
{
	struct ktable *t = h;

	return rc(t->f->get_references(refs, chain, t->h));
}

static int k_append_rule(void *h, const char *chain, const void *entry)
{
	struct ktable *t = h;

	return rc(t->f->append_entry(chain, entry, t->h));
}

static int k_insert_rule(void *h, const char *chain, const void *entry,
			 unsigned int pos)
{
	struct ktable *t = h;

	return rc(t->f->insert_entry(chain, entry, pos, t->h));
}

static int k_delete_rule(void *h, const char *chain, unsigned int pos)
{
	struct ktable *t = h;

	return rc(t->f->delete_num_entry(chain, pos, t->h));
}

const struct ipt_table_ops ipt_kernel_ops = {
	.table_exists = k_table_exists,
	.open = k_open,
	.commit = k_commit,
	.close = k_close,
	.first_chain = k_first_chain,
	.next_chain = k_next_chain,
	.builtin = k_builtin,
	.first_rule = k_first_rule,
	.next_rule = k_next_rule,
	.rule_target = k_rule_target,
	.create_chain = k_create_chain,
	.flush_chain = k_flush_chain,
	.delete_chain = k_delete_chain,
	.references = k_references,
	.append_rule = k_append_rule,
	.insert_rule = k_insert_rule,
	.delete_rule = k_delete_rule,
};

const char *ipt_flavour_name(enum ipt_flavour f)
{
	switch (f) {
	case IPT_FLAVOUR_LEGACY:
		return "legacy";
	case IPT_FLAVOUR_NFT:
		return "nft";
	case IPT_FLAVOUR_UNKNOWN:
		break;
	}
	return "unknown";
}

/*
 * Follow path's symlinks inside root; path is absolute (relative to
 * root) and is rewritten in place. Returns false if path does not exist.
 */
static bool resolve_in_root(const char *root, char *path, size_t cap)
{
	for (int i = 0; i < FLAVOUR_MAX_LINKS; i++) {
		char full[PATH_MAX], link[PATH_MAX];
		ssize_t n;

		snprintf(full, sizeof(full), "%s%s", root, path);
		n = readlink(full, link, sizeof(link) - 1);
		if (n < 0)
			return errno == EINVAL && !access(full, F_OK);
		link[n] = '\0';
		if (link[0] == '/') {
			snprintf(path, cap, "%s", link);
		} else {
			/* Relative to the link's directory. */
			char *slash = strrchr(path, '/');
			size_t dir = slash ? (size_t)(slash - path) : 0;

			if (dir + 1 + (size_t)n >= cap)
				return false;
			path[dir] = '/';
			memcpy(path + dir + 1, link, (size_t)n + 1);
		}
	}
	return true; /* a loop: classify what we have */
}

enum ipt_flavour ipt_kernel_flavour(const char *root, char *resolved,
				    size_t len)
{
	static const char *const candidates[] = {
		"/usr/sbin/iptables", "/sbin/iptables", "/usr/bin/iptables"};
	char path[PATH_MAX];

	if (!root)
		root = "";
	if (resolved && len)
		resolved[0] = '\0';
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]);
	     i++) {
		const char *base;

		snprintf(path, sizeof(path), "%s", candidates[i]);
		if (!resolve_in_root(root, path, sizeof(path)))
			continue;
		if (resolved && len)
			snprintf(resolved, len, "%s", path);
		base = strrchr(path, '/');
		base = base ? base + 1 : path;
		if (strstr(base, "nft"))
			return IPT_FLAVOUR_NFT;
		if (strstr(base, "legacy"))
			return IPT_FLAVOUR_LEGACY;
		return IPT_FLAVOUR_UNKNOWN;
	}
	return IPT_FLAVOUR_UNKNOWN;
}
