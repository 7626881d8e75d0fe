/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_UTIL_ADDR_H
#define NFP_UTIL_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <arpa/inet.h>

/* An IPv4 or IPv6 address; family is AF_INET, AF_INET6 or 0 (unset). */
struct nfp_addr {
	int family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t b[16];
	};
};

/* An address with a prefix length: a CIDR block. */
struct nfp_cidr {
	struct nfp_addr addr;
	unsigned int prefix;
};

#define NFP_ADDR_STRLEN INET6_ADDRSTRLEN
#define NFP_CIDR_STRLEN (INET6_ADDRSTRLEN + 4)

/* Parse a textual address; returns 0 or -EINVAL. */
int nfp_addr_parse(const char *s, struct nfp_addr *out);
/* Parse "a.b.c.d/n" or "x::/n" (a bare address is a host route); host bits
 * are cleared. Returns 0 or -EINVAL. */
int nfp_cidr_parse(const char *s, struct nfp_cidr *out);
/* Format into buf (NFP_ADDR_STRLEN bytes); returns buf. */
const char *nfp_addr_str(const struct nfp_addr *a, char *buf);
/* Format into buf (NFP_CIDR_STRLEN bytes); returns buf. */
const char *nfp_cidr_str(const struct nfp_cidr *c, char *buf);
/* Bytes of an address of this family: 4, 16, or 0. */
size_t nfp_addr_len(int family);
/* Total order: family first, then bytes. */
int nfp_addr_cmp(const struct nfp_addr *a, const struct nfp_addr *b);
int nfp_cidr_cmp(const struct nfp_cidr *a, const struct nfp_cidr *b);
/* qsort() comparators over arrays of struct nfp_addr / struct nfp_cidr. */
int nfp_addr_qcmp(const void *a, const void *b);
int nfp_cidr_qcmp(const void *a, const void *b);
bool nfp_addr_eq(const struct nfp_addr *a, const struct nfp_addr *b);
/* True if a is inside c (same family). */
bool nfp_cidr_contains(const struct nfp_cidr *c, const struct nfp_addr *a);
/* The last address of c (broadcast for IPv4). */
void nfp_cidr_last(const struct nfp_cidr *c, struct nfp_addr *out);

#endif
