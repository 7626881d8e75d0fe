/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_CNI_IPAM_H
#define NFP_CNI_IPAM_H

#include <stdbool.h>
#include <stddef.h>

#include "util/addr.h"

/*
 * host-local style address management on disk. A network's pool is one
 * directory, <dataDir>/<network name>/, holding
 *
 *   lock                 flock()ed for as long as a cni_ipam is open
 *   10.244.1.2           one file per address in use: "<container ID>\r\n
 *   10.244.1.3           <ifname>" (host-local's format, so either plugin
 *   ...                  can read the other's pool)
 *   last_reserved_ip.0   the address handed out last from subnet 0, where
 *                        the next search starts (round robin)
 *
 * A subnet's network address, its last address (IPv4 broadcast; for IPv6
 * the same rule keeps the code one path) and its gateway are never handed
 * out.
 */

/* A container's attachment to the network: what GC keeps. */
struct cni_attachment {
	char *container_id; /* owned */
	char *ifname; /* owned; NULL matches every ifname of the container */
};

/* An open, locked pool directory. */
struct cni_ipam {
	int dirfd;
	int lockfd;
};

/*
 * Open <data_dir>/<network>/ and take its lock (blocks until the lock is
 * free). With create, missing directories are made (mode 0755); without,
 * a missing directory fails with -ENOENT. Returns 0 or -errno.
 */
int cni_ipam_open(struct cni_ipam *ipam, const char *data_dir,
		  const char *network, bool create);
/* Release the lock and close; a zeroed or closed ipam is a no-op. */
void cni_ipam_close(struct cni_ipam *ipam);

/*
 * Reserve a free address of subnet (index idx among the network's
 * subnets, which names its last_reserved_ip file) for (id, ifname),
 * searching round robin from the last one reserved; gw is skipped.
 * Returns 0 and the address in *out, -ENOSPC when no address is free,
 * -EEXIST when (id, ifname) already holds an address of this subnet
 * (*out is that address), -ERANGE when the subnet has no host addresses,
 * or another -errno from the file system.
 */
int cni_ipam_alloc(struct cni_ipam *ipam, unsigned int idx,
		   const struct nfp_cidr *subnet, const struct nfp_addr *gw,
		   const char *id, const char *ifname, struct nfp_addr *out);

/*
 * The addresses (id, ifname) holds, sorted, in *out (owned by the caller,
 * NULL when none) and their number in *n. Returns 0 or -errno.
 */
int cni_ipam_find(struct cni_ipam *ipam, const char *id, const char *ifname,
		  struct nfp_addr **out, size_t *n);

/*
 * Free every address that (id, ifname) holds. Returns how many were freed
 * (0 is not an error: DEL is idempotent) or -errno.
 */
int cni_ipam_release(struct cni_ipam *ipam, const char *id, const char *ifname);

/*
 * Free addr if (id, ifname) holds it: how a failed ADD gives back exactly
 * what it reserved. Returns 1 if freed, 0 if addr was free or someone
 * else's, or -errno.
 */
int cni_ipam_free(struct cni_ipam *ipam, const struct nfp_addr *addr,
		  const char *id, const char *ifname);

/*
 * Free every address whose holder is not among valid[0..n). Returns how
 * many were freed or -errno (the first error; the others are still
 * tried).
 */
int cni_ipam_gc(struct cni_ipam *ipam, const struct cni_attachment *valid,
		size_t n);

/*
 * Whether an ADD could write the pool of network under data_dir: the
 * deepest part of <data_dir>/<network> that exists must be a writable
 * directory. Creates nothing. Returns 0 or -errno (-EROFS, -EACCES, ...).
 */
int cni_ipam_writable(const char *data_dir, const char *network);

/* First and last address that may be handed out of subnet: false when
 * there is none (an IPv4 /31 or /32, an IPv6 /127 or /128). */
bool cni_ipam_range(const struct nfp_cidr *subnet, struct nfp_addr *first,
		    struct nfp_addr *last);

#endif
