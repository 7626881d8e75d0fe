// SPDX-License-Identifier: GPL-2.0
/* Kernel settings as files under /proc/sys. */
#include "proxy/sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* root + "/" + name with dots turned into slashes (unless it has one). */
static int sysctl_path(const char *root, const char *name, char *buf,
		       size_t len)
{
	bool slashed = strchr(name, '/') != NULL;
	size_t n;
	int w;

	if (!name[0] || name[0] == '.' || name[0] == '/' ||
	    strstr(name, "..") || strchr(name, ' '))
		return -EINVAL;
	w = snprintf(buf, len, "%s/%s", root ? root : SYSCTL_ROOT, name);
	if (w < 0 || (size_t)w >= len)
		return -ENAMETOOLONG;
	if (slashed)
		return 0;
	n = strlen(root ? root : SYSCTL_ROOT) + 1;
	for (char *p = buf + n; *p; p++)
		if (*p == '.')
			*p = '/';
	return 0;
}

int sysctl_read(const char *root, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t r;
	int fd, ret = sysctl_path(root, name, path, sizeof(path));

	if (ret)
		return ret;
	if (len == 0)
		return -ENOBUFS;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		r = read(fd, buf, len);
	while (r < 0 && errno == EINTR);
	ret = r < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	if ((size_t)r == len)
		return -ENOBUFS;
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		r--;
	buf[r] = '\0';
	return 0;
}

int sysctl_write(const char *root, const char *name, const char *value)
{
	char path[PATH_MAX], line[SYSCTL_VALUE_MAX + 2];
	size_t n;
	ssize_t w;
	int fd, ret = sysctl_path(root, name, path, sizeof(path));

	if (ret)
		return ret;
	n = (size_t)snprintf(line, sizeof(line), "%s\n", value);
	if (n >= sizeof(line))
		return -EINVAL;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		w = write(fd, line, n);
	while (w < 0 && errno == EINTR);
	ret = w < 0 ? -errno : (size_t)w != n ? -EIO : 0;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	return ret;
}

/* What a person can do about a failure. */
static const char *hint(int err)
{
	switch (err) {
	case -EROFS:
		return "/proc/sys is mounted read-only: run the container privileged (or with a writable /proc/sys)";
	case -EACCES:
	case -EPERM:
		return "needs root (CAP_NET_ADMIN in the network namespace)";
	case -ENOENT:
		return "this kernel has no such setting";
	default:
		return "";
	}
}

int sysctl_ensure(const char *root, const char *name, const char *value,
		  bool *changed, struct diag_list *d)
{
	char path[PATH_MAX], cur[SYSCTL_VALUE_MAX];
	const char *what = "read";
	int ret;

	if (changed)
		*changed = false;
	ret = sysctl_path(root, name, path, sizeof(path));
	if (ret) {
		diag_addf(d, DIAG_ERROR, "sysctl %s: not a setting name: %s",
			  name, strerror(-ret));
		return ret;
	}
	ret = sysctl_read(root, name, cur, sizeof(cur));
	if (!ret && !strcmp(cur, value))
		return 0;
	if (!ret) {
		what = "write";
		ret = sysctl_write(root, name, value);
	}
	if (ret) {
		const char *h = hint(ret);

		diag_addf(d, DIAG_ERROR, "cannot %s sysctl %s=%s (%s): %s%s%s",
			  what, name, value, path, strerror(-ret),
			  h[0] ? "; " : "", h);
		return ret;
	}
	if (changed)
		*changed = true;
	return 0;
}

bool sysctl_route_localnet_needed(const struct plan *p)
{
	struct nfp_cidr lo;

	nfp_cidr_parse("127.0.0.0/8", &lo);
	for (size_t i = 0; i < p->n_hostports; i++) {
		const struct plan_hostport *h = &p->hostports[i];

		if (h->family != AF_INET)
			continue;
		if (!h->host_ip.family || nfp_cidr_contains(&lo, &h->host_ip))
			return true;
	}
	return false;
}

void sysctl_prepare_for_plan(const struct plan *p, struct diag_list *d)
{
	bool changed = false;

	if (!sysctl_route_localnet_needed(p))
		return;
	if (sysctl_ensure(NULL, SYSCTL_ROUTE_LOCALNET, "1", &changed, d) == 0 &&
	    changed)
		diag_addf(d, DIAG_INFO, "set %s=1 (hostPorts on 127.0.0.1)",
			  SYSCTL_ROUTE_LOCALNET);
}
