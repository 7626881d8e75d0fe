/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_PROXY_SYSCTL_H
#define NFP_PROXY_SYSCTL_H

/*
 * Kernel settings under /proc/sys, read and written as files (the product
 * never runs sysctl(8) or a shell). Names are sysctl(8)'s: dots separate
 * the levels ("net.ipv4.conf.all.route_localnet"); a name with a '/' is
 * taken as a path below the root as it is (for interface names with dots:
 * "net/ipv4/conf/eth0.100/rp_filter"). They are per network namespace for
 * net.*: the namespace of the calling process.
 */

#include <stdbool.h>
#include <stddef.h>

#include "proxy/plan.h"
#include "util/diag.h"

#define SYSCTL_ROOT "/proc/sys"
/* Longest value read back (every setting we touch is a number). */
#define SYSCTL_VALUE_MAX 64

/*
 * route_localnet: let 127.0.0.0/8 cross a routing boundary, so that a
 * hostPort reached at 127.0.0.1 can be DNATed to a pod (kube-proxy and the
 * CNI portmap plugin set it for the same reason). The compilers always add
 * the CVE-2020-8558 guard that drops what it would otherwise let in.
 */
#define SYSCTL_ROUTE_LOCALNET "net.ipv4.conf.all.route_localnet"

/*
 * Read name's value into buf (len bytes), trailing newline removed. root
 * NULL means SYSCTL_ROOT (tests pass a directory). Returns 0, -ENAMETOOLONG
 * or -EINVAL for a bad name, -ENOBUFS when the value does not fit, or the
 * -errno of open/read (-ENOENT: no such setting in this kernel).
 */
int sysctl_read(const char *root, const char *name, char *buf, size_t len);

/* Write value (a newline is added) to name. Returns 0 or -errno. */
int sysctl_write(const char *root, const char *name, const char *value);

/*
 * Make name hold value: read it, write only if it differs (*changed says
 * whether it did; changed may be NULL). On failure one DIAG_ERROR names the
 * setting, its path, the reason and what to do ("/proc/sys is read-only:
 * run the container privileged"). Returns 0 or -errno.
 */
int sysctl_ensure(const char *root, const char *name, const char *value,
		  bool *changed, struct diag_list *d);

/*
 * True when plan p forwards an IPv4 hostPort that 127.0.0.1 can reach: one
 * without hostIP (every local address), or with a hostIP in 127.0.0.0/8.
 * Then route_localnet must be 1. Pure.
 */
bool sysctl_route_localnet_needed(const struct plan *p);

/*
 * Before installing plan p: turn route_localnet on when p needs it (see
 * above). A DIAG_INFO says when it was changed; a failure is a DIAG_ERROR
 * and not fatal (hostPorts still work on every other address).
 */
void sysctl_prepare_for_plan(const struct plan *p, struct diag_list *d);

#endif
