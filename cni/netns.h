/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_CNI_NETNS_H
#define NFP_CNI_NETNS_H

/*
 * Open a network namespace by its file: a bind mount such as
 * /var/run/netns/NAME or a process's /proc/PID/ns/net. Returns the
 * descriptor, -ENOENT (or -ESRCH) when it does not exist, -EINVAL when the
 * file is not a network namespace, or another -errno.
 */
int cni_netns_open(const char *path);

/*
 * Call fn(arg) with the calling thread inside the namespace nsfd, then
 * return to the namespace it was in. Descriptors fn opens (sockets) stay
 * bound to nsfd's namespace. Returns fn's value, or -errno when entering
 * fails. Failing to return to the original namespace aborts: nothing
 * after that point could be trusted.
 */
int cni_netns_run(int nsfd, int (*fn)(void *arg), void *arg);

#endif
