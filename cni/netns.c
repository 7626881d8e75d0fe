// SPDX-License-Identifier: GPL-2.0
/* Network namespaces by path, and running code inside one (setns). */
#include "cni/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define SELF_NETNS "/proc/thread-self/ns/net"

int cni_netns_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int type;

	if (fd < 0)
		return -errno;
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type != CLONE_NEWNET) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

int cni_netns_run(int nsfd, int (*fn)(void *arg), void *arg)
{
	int self = open(SELF_NETNS, O_RDONLY | O_CLOEXEC);
	int ret;

	if (self < 0)
		return -errno;
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		ret = -errno;
		close(self);
		return ret;
	}
	ret = fn(arg);
	if (setns(self, CLONE_NEWNET) < 0)
		abort();
	close(self);
	return ret;
}
