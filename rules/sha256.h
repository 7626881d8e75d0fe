/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_RULES_SHA256_H
#define NFP_RULES_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32

/*
 * SHA-256 (FIPS 180-4) of len bytes at data, written to out. Only used to
 * make short, stable kernel object names (kube-proxy's portProtoHash), not
 * for anything that needs to resist an attacker. Cannot fail.
 */
void sha256_digest(const void *data, size_t len,
		   uint8_t out[SHA256_DIGEST_LEN]);

#endif
