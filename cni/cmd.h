/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_CNI_CMD_H
#define NFP_CNI_CMD_H

#include <net/if.h>
#include <stdbool.h>

#include "cni/config.h"
#include "cni/result.h"

/* The CNI_* environment of one invocation; strings borrowed, NULL when
 * unset. */
struct cni_env {
	const char *command;
	const char *container_id;
	const char *netns;
	const char *ifname;
	const char *args;
	const char *path;
};

/*
 * One CNI command. run() returns 0 with *out set to what goes to stdout
 * (owned, NULL for nothing), or -EINVAL with err set. It may complete cfg
 * (the subnets of "subnet": "auto").
 */
struct cni_cmd {
	const char *name;
	int (*run)(const struct cni_env *env, struct cni_config *cfg,
		   char **out, struct cni_error *err);
	const char *min_version; /* oldest cniVersion that has the command */
};

/* The command called name (CNI_COMMAND), or NULL. VERSION is not in the
 * table: it needs no configuration, main answers it. */
const struct cni_cmd *cni_cmd_find(const char *name);

/* The node-side veth name of (container ID, ifname): "nfb" and 12 hex
 * digits of a hash, so DEL finds it again. buf holds IFNAMSIZ bytes. */
const char *cni_veth_name(const char *id, const char *ifname, char *buf);

#endif
