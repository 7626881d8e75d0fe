/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_WATCH_DECODE_H
#define NFP_WATCH_DECODE_H

#include <stddef.h>

#include "util/diag.h"
#include "watch/k8s.h"

/*
 * Decode a stream of one or more JSON documents, each a Kubernetes object
 * (Service, EndpointSlice, Pod, Node), a "List" (what `kubectl get a,b -o
 * json` prints), or a typed list (ServiceList, ...: items carry no kind),
 * and append the objects to c. A malformed object is skipped with a
 * DIAG_ERROR naming its kind, namespace/name and the bad field; the others
 * are kept. Objects of other kinds are skipped with a DIAG_WARN.
 *
 * Returns 0, or -EINVAL when the stream stops being JSON (what was decoded
 * before that point is kept in c; a diagnostic says where it broke).
 */
int k8s_decode_stream(const char *buf, size_t len, struct k8s_cluster *c,
		      struct diag_list *diags);

#endif
