/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_CNI_VERSION_H
#define NFP_CNI_VERSION_H

#include <stdbool.h>
#include <stddef.h>

/* The newest CNI spec version nfbridge speaks; used in replies when the
 * configuration did not say (or could not be read). */
#define CNI_VERSION_LATEST "1.1.0"

/* The spec versions nfbridge supports, oldest first. */
extern const char *const cni_versions[];
extern const size_t cni_n_versions;

/* True if v is one of cni_versions. */
bool cni_version_supported(const char *v);

/*
 * Compare two "major.minor.patch" versions numerically. Returns <0, 0 or
 * >0; a string that is not a version sorts before every version.
 */
int cni_version_cmp(const char *a, const char *b);

#endif
