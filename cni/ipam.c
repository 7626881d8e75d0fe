// SPDX-License-Identifier: GPL-2.0
/* host-local style address allocation: one file per address in use. */
#include "cni/ipam.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "util/strbuf.h"
#include "util/xalloc.h"

#define IPAM_LOCK_FILE "lock"
#define IPAM_LAST_RESERVED "last_reserved_ip."
#define IPAM_LINE_BREAK "\r\n" /* host-local's separator */
#define IPAM_MAX_HOLDER 4096   /* container IDs are 64 hex digits */
#define IPAM_DIR_MODE 0755
#define IPAM_FILE_MODE 0644

/* One address file, read back. */
struct alloc {
	struct nfp_addr addr;
	char *id;     /* owned */
	char *ifname; /* owned; "" for files without an ifname line */
};

/* mkdir -p: every missing component of path. */
static int mkdir_p(const char *path)
{
	char *copy = xstrdup(path);
	int ret = 0;

	for (char *p = copy + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(copy, IPAM_DIR_MODE) < 0 && errno != EEXIST) {
			ret = -errno;
			break;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	free(copy);
	return ret;
}

int cni_ipam_open(struct cni_ipam *ipam, const char *data_dir,
		  const char *network, bool create)
{
	struct strbuf path = {0};
	int ret;

	ipam->dirfd = ipam->lockfd = -1;
	strbuf_addf(&path, "%s/%s", data_dir, network);
	if (create) {
		ret = mkdir_p(path.buf);
		if (ret < 0)
			goto out;
	}
	ipam->dirfd = open(path.buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ipam->dirfd < 0) {
		ret = -errno;
		goto out;
	}
	ipam->lockfd = openat(ipam->dirfd, IPAM_LOCK_FILE,
			      O_RDWR | O_CREAT | O_CLOEXEC, IPAM_FILE_MODE);
	if (ipam->lockfd < 0) {
		ret = -errno;
		goto out_close;
	}
	while ((ret = flock(ipam->lockfd, LOCK_EX)) < 0 && errno == EINTR)
		;
	if (ret < 0) {
		ret = -errno;
		goto out_close;
	}
	strbuf_release(&path);
	return 0;
out_close:
	cni_ipam_close(ipam);
out:
	strbuf_release(&path);
	return ret;
}

int cni_ipam_writable(const char *data_dir, const char *network)
{
	struct strbuf path = {0};
	struct stat st;
	int ret = 0;

	strbuf_addf(&path, "%s/%s", data_dir, network);
	while (stat(path.buf, &st) < 0) {
		char *slash = strrchr(path.buf, '/');

		if (errno != ENOENT || !slash || slash == path.buf) {
			ret = -errno;
			break;
		}
		*slash = '\0';
	}
	if (ret == 0 && !S_ISDIR(st.st_mode))
		ret = -ENOTDIR;
	if (ret == 0 && access(path.buf, W_OK | X_OK) < 0)
		ret = -errno;
	strbuf_release(&path);
	return ret;
}

void cni_ipam_close(struct cni_ipam *ipam)
{
	/* Closing the last descriptor of the lock file releases the lock. */
	if (ipam->lockfd >= 0)
		close(ipam->lockfd);
	if (ipam->dirfd >= 0)
		close(ipam->dirfd);
	ipam->dirfd = ipam->lockfd = -1;
}

/* a + 1 (d = 1) or a - 1 (d = -1), wrapping within the family. */
static void addr_step(struct nfp_addr *a, int d)
{
	for (size_t i = nfp_addr_len(a->family); i-- > 0;) {
		a->b[i] = (uint8_t)(a->b[i] + d);
		if (a->b[i] != (d > 0 ? 0x00 : 0xff))
			break;
	}
}

bool cni_ipam_range(const struct nfp_cidr *subnet, struct nfp_addr *first,
		    struct nfp_addr *last)
{
	unsigned int bits = (unsigned int)nfp_addr_len(subnet->addr.family) * 8;

	if (!bits || subnet->prefix + 2 > bits)
		return false;
	*first = subnet->addr;
	addr_step(first, 1);
	nfp_cidr_last(subnet, last);
	addr_step(last, -1);
	return true;
}

/* Read a small file of the pool; owned, NUL-terminated. */
static char *read_small(int dirfd, const char *name)
{
	char buf[IPAM_MAX_HOLDER + 1];
	ssize_t n;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	n = read(fd, buf, IPAM_MAX_HOLDER);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

/* "<id>\r\n<ifname>" (or an older file with only "<id>"). */
static void parse_holder(char *text, struct alloc *a)
{
	size_t id_len = strcspn(text, "\r\n");
	char *rest = text + id_len;

	rest += strspn(rest, "\r\n");
	rest[strcspn(rest, "\r\n \t")] = '\0';
	a->ifname = xstrdup(rest);
	text[id_len] = '\0';
	a->id = xstrdup(text);
}

static int alloc_qcmp(const void *a, const void *b)
{
	return nfp_addr_cmp(&((const struct alloc *)a)->addr,
			    &((const struct alloc *)b)->addr);
}

static void allocs_free(struct alloc *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].ifname);
	}
	free(v);
}

/* Every address file of the pool, sorted by address. Returns 0 or -errno. */
static int list_allocs(struct cni_ipam *ipam, struct alloc **out, size_t *n)
{
	struct dirent *de;
	size_t cap = 0;
	int fd = dup(ipam->dirfd);
	DIR *dir;

	*out = NULL;
	*n = 0;
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	rewinddir(dir);
	while ((de = readdir(dir))) {
		struct nfp_addr addr;
		struct alloc *a;
		char *text;

		if (nfp_addr_parse(de->d_name, &addr) < 0)
			continue;
		text = read_small(ipam->dirfd, de->d_name);
		if (!text)
			continue; /* released while we looked */
		a = XPUSH(*out, *n, cap);
		a->addr = addr;
		parse_holder(text, a);
		free(text);
	}
	closedir(dir);
	if (*n)
		qsort(*out, *n, sizeof(**out), alloc_qcmp);
	return 0;
}

/* A file without an ifname line (older host-local) matches any ifname. */
static bool holder_is(const struct alloc *a, const char *id, const char *ifname)
{
	return !strcmp(a->id, id) &&
	       (!ifname || !a->ifname[0] || !strcmp(a->ifname, ifname));
}

static int unlink_addr(struct cni_ipam *ipam, const struct nfp_addr *addr)
{
	char name[NFP_ADDR_STRLEN];

	if (unlinkat(ipam->dirfd, nfp_addr_str(addr, name), 0) < 0 &&
	    errno != ENOENT)
		return -errno;
	return 0;
}

/* The round-robin hint is only a hint: failing to keep it is not fatal. */
static void save_last_reserved(struct cni_ipam *ipam, unsigned int idx,
			       const struct nfp_addr *addr)
{
	char name[sizeof(IPAM_LAST_RESERVED) + 16], tmp[sizeof(name) + 4];
	char text[NFP_ADDR_STRLEN];
	size_t len;
	int fd;

	snprintf(name, sizeof(name), IPAM_LAST_RESERVED "%u", idx);
	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	fd = openat(ipam->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    IPAM_FILE_MODE);
	if (fd < 0)
		return;
	nfp_addr_str(addr, text);
	len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len || close(fd) < 0 ||
	    renameat(ipam->dirfd, tmp, ipam->dirfd, name) < 0)
		unlinkat(ipam->dirfd, tmp, 0);
}

/* Where the search starts: after the last reserved address if that is
 * still inside [first, last], else at first. */
static void search_start(struct cni_ipam *ipam, unsigned int idx,
			 const struct nfp_addr *first,
			 const struct nfp_addr *last, struct nfp_addr *start)
{
	char name[sizeof(IPAM_LAST_RESERVED) + 16];
	struct nfp_addr prev;
	char *text;

	*start = *first;
	snprintf(name, sizeof(name), IPAM_LAST_RESERVED "%u", idx);
	text = read_small(ipam->dirfd, name);
	if (!text)
		return;
	text[strcspn(text, "\r\n \t")] = '\0';
	if (nfp_addr_parse(text, &prev) == 0 &&
	    nfp_addr_cmp(&prev, first) >= 0 && nfp_addr_cmp(&prev, last) < 0) {
		*start = prev;
		addr_step(start, 1);
	}
	free(text);
}

/* Create the file of addr for (id, ifname): 0, -EEXIST if taken, -errno. */
static int claim(struct cni_ipam *ipam, const struct nfp_addr *addr,
		 const char *id, const char *ifname)
{
	char name[NFP_ADDR_STRLEN];
	struct strbuf text = {0};
	int fd, ret = 0;

	fd = openat(ipam->dirfd, nfp_addr_str(addr, name),
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, IPAM_FILE_MODE);
	if (fd < 0)
		return -errno;
	strbuf_addf(&text, "%s" IPAM_LINE_BREAK "%s", id, ifname);
	errno = 0;
	if (write(fd, text.buf, text.len) != (ssize_t)text.len)
		ret = errno ? -errno : -EIO;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (ret < 0)
		unlinkat(ipam->dirfd, name, 0);
	strbuf_release(&text);
	return ret;
}

int cni_ipam_alloc(struct cni_ipam *ipam, unsigned int idx,
		   const struct nfp_cidr *subnet, const struct nfp_addr *gw,
		   const char *id, const char *ifname, struct nfp_addr *out)
{
	struct nfp_addr first, last, start, cur;
	struct alloc *allocs;
	size_t n;
	int ret;

	if (!cni_ipam_range(subnet, &first, &last))
		return -ERANGE;
	ret = list_allocs(ipam, &allocs, &n);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < n; i++) {
		if (holder_is(&allocs[i], id, ifname) &&
		    nfp_cidr_contains(subnet, &allocs[i].addr)) {
			*out = allocs[i].addr;
			allocs_free(allocs, n);
			return -EEXIST;
		}
	}
	allocs_free(allocs, n);
	search_start(ipam, idx, &first, &last, &start);
	cur = start;
	do {
		if (!gw || !nfp_addr_eq(&cur, gw)) {
			ret = claim(ipam, &cur, id, ifname);
			if (ret == 0) {
				save_last_reserved(ipam, idx, &cur);
				*out = cur;
				return 0;
			}
			if (ret != -EEXIST)
				return ret;
		}
		if (nfp_addr_eq(&cur, &last))
			cur = first;
		else
			addr_step(&cur, 1);
	} while (!nfp_addr_eq(&cur, &start));
	return -ENOSPC;
}

int cni_ipam_find(struct cni_ipam *ipam, const char *id, const char *ifname,
		  struct nfp_addr **out, size_t *n)
{
	struct alloc *allocs;
	size_t n_allocs, cap = 0;
	int ret;

	*out = NULL;
	*n = 0;
	ret = list_allocs(ipam, &allocs, &n_allocs);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < n_allocs; i++)
		if (holder_is(&allocs[i], id, ifname))
			*XPUSH(*out, *n, cap) = allocs[i].addr;
	allocs_free(allocs, n_allocs);
	return 0;
}

int cni_ipam_release(struct cni_ipam *ipam, const char *id, const char *ifname)
{
	struct alloc *allocs;
	size_t n;
	int ret, freed = 0;

	ret = list_allocs(ipam, &allocs, &n);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < n && ret == 0; i++) {
		if (!holder_is(&allocs[i], id, ifname))
			continue;
		ret = unlink_addr(ipam, &allocs[i].addr);
		if (ret == 0)
			freed++;
	}
	allocs_free(allocs, n);
	return ret < 0 ? ret : freed;
}

int cni_ipam_free(struct cni_ipam *ipam, const struct nfp_addr *addr,
		  const char *id, const char *ifname)
{
	char name[NFP_ADDR_STRLEN];
	struct alloc a = {.addr = *addr};
	char *text;
	bool mine;
	int ret;

	text = read_small(ipam->dirfd, nfp_addr_str(addr, name));
	if (!text)
		return errno == ENOENT ? 0 : -errno;
	parse_holder(text, &a);
	free(text);
	mine = holder_is(&a, id, ifname);
	free(a.id);
	free(a.ifname);
	if (!mine)
		return 0;
	ret = unlink_addr(ipam, addr);
	return ret < 0 ? ret : 1;
}

static bool is_valid(const struct alloc *a, const struct cni_attachment *valid,
		     size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (holder_is(a, valid[i].container_id, valid[i].ifname))
			return true;
	return false;
}

int cni_ipam_gc(struct cni_ipam *ipam, const struct cni_attachment *valid,
		size_t n)
{
	struct alloc *allocs;
	size_t n_allocs;
	int ret, first_err = 0, freed = 0;

	ret = list_allocs(ipam, &allocs, &n_allocs);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < n_allocs; i++) {
		if (is_valid(&allocs[i], valid, n))
			continue;
		ret = unlink_addr(ipam, &allocs[i].addr);
		if (ret == 0)
			freed++;
		else if (!first_err)
			first_err = ret;
	}
	allocs_free(allocs, n_allocs);
	return first_err ? first_err : freed;
}
