/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_HOSTPORT_HOSTPORT_H
#define NFP_HOSTPORT_HOSTPORT_H

#include <stddef.h>

#include "proxy/plan.h"
#include "util/diag.h"
#include "watch/k8s.h"

/*
 * Add to plan->hostports every hostPort of the running pods on node (portmap
 * semantics): one entry per pod IP family that the hostIP allows. Two pods
 * claiming the same hostIP/hostPort/protocol: the first (by namespace/name)
 * wins and the conflict is reported. Pure.
 */
void hostport_plan(const struct k8s_pod *pods, size_t n_pods, const char *node,
		   struct plan *plan, struct diag_list *diags);

#endif
