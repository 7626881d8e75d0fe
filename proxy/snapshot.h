/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_PROXY_SNAPSHOT_H
#define NFP_PROXY_SNAPSHOT_H

#include "util/diag.h"
#include "watch/k8s.h"

/* Largest snapshot file read, so a wrong path cannot eat the node. */
#define SNAPSHOT_MAX_BYTES (1024L * 1024 * 1024)

/*
 * Read a saved `kubectl get ... -o json` snapshot ("-": stdin) into c.
 * Returns 0 when the file was read (decoding problems are diagnostics and
 * the objects that decoded are kept), -errno when it could not be read,
 * -EINVAL when it stops being JSON part-way (what came before is kept).
 */
int snapshot_load(const char *path, struct k8s_cluster *c,
		  struct diag_list *diags);

#endif
