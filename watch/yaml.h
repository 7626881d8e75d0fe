/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_WATCH_YAML_H
#define NFP_WATCH_YAML_H

/*
 * Private to watch/: YAML (kubeconfig files) read into jansson values, so
 * that the kubeconfig reader walks one tree whether the file was YAML or
 * JSON.
 */

#include <jansson.h>
#include <stddef.h>

/* Longest message watch_yaml_parse() writes, NUL included. */
#define WATCH_YAML_ERR_LEN 160

/*
 * Parse the first YAML document of buf (len bytes). Mappings become JSON
 * objects (keys must be scalars and unique), sequences arrays. Plain
 * scalars stay strings, as sigs.k8s.io/yaml keeps them when the Go field
 * is a string: every kubeconfig field we read is one, and the caller reads
 * booleans from "true"/"false". The plain scalars "", "~" and "null" (any
 * case form YAML allows) become JSON null; quoted scalars are always
 * strings. Anchors and aliases are followed; tags are ignored.
 *
 * Returns a new reference (an empty document is JSON null), or NULL with a
 * one-line message in err ("line 3, column 7: ...").
 */
json_t *watch_yaml_parse(const char *buf, size_t len,
			 char err[WATCH_YAML_ERR_LEN]);

#endif
