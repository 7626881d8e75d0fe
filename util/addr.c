// SPDX-License-Identifier: GPL-2.0
#include "util/addr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t nfp_addr_len(int family)
{
	switch (family) {
	case AF_INET:
		return 4;
	case AF_INET6:
		return 16;
	default:
		return 0;
	}
}

int nfp_addr_parse(const char *s, struct nfp_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, &out->v4) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &out->v6) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static void clear_host_bits(struct nfp_cidr *c)
{
	size_t len = nfp_addr_len(c->addr.family);

	for (size_t i = 0; i < len; i++) {
		unsigned int bit = (unsigned int)i * 8;

		if (bit >= c->prefix)
			c->addr.b[i] = 0;
		else if (c->prefix - bit < 8)
			c->addr.b[i] &=
				(uint8_t)(0xff << (8 - (c->prefix - bit)));
	}
}

int nfp_cidr_parse(const char *s, struct nfp_cidr *out)
{
	char buf[NFP_CIDR_STRLEN + 1];
	const char *slash;
	char *end;
	long prefix;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (nfp_addr_parse(buf, &out->addr) < 0)
		return -EINVAL;
	if (!slash) {
		out->prefix = (unsigned int)nfp_addr_len(out->addr.family) * 8;
		return 0;
	}
	if (slash[1] < '0' || slash[1] > '9')
		return -EINVAL;
	errno = 0;
	prefix = strtol(slash + 1, &end, 10);
	if (errno || *end || prefix < 0 ||
	    prefix > (long)nfp_addr_len(out->addr.family) * 8)
		return -EINVAL;
	out->prefix = (unsigned int)prefix;
	clear_host_bits(out);
	return 0;
}

const char *nfp_addr_str(const struct nfp_addr *a, char *buf)
{
	if (!a->family || !inet_ntop(a->family, a->b, buf, NFP_ADDR_STRLEN))
		strcpy(buf, "<none>");
	return buf;
}

const char *nfp_cidr_str(const struct nfp_cidr *c, char *buf)
{
	char a[NFP_ADDR_STRLEN];

	snprintf(buf, NFP_CIDR_STRLEN, "%s/%u", nfp_addr_str(&c->addr, a),
		 c->prefix);
	return buf;
}

int nfp_addr_cmp(const struct nfp_addr *a, const struct nfp_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, nfp_addr_len(a->family));
}

int nfp_cidr_cmp(const struct nfp_cidr *a, const struct nfp_cidr *b)
{
	int r = nfp_addr_cmp(&a->addr, &b->addr);

	if (r)
		return r;
	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	return 0;
}

int nfp_addr_qcmp(const void *a, const void *b)
{
	return nfp_addr_cmp(a, b);
}

int nfp_cidr_qcmp(const void *a, const void *b)
{
	return nfp_cidr_cmp(a, b);
}

bool nfp_addr_eq(const struct nfp_addr *a, const struct nfp_addr *b)
{
	return nfp_addr_cmp(a, b) == 0;
}

bool nfp_cidr_contains(const struct nfp_cidr *c, const struct nfp_addr *a)
{
	struct nfp_cidr probe = {.addr = *a, .prefix = c->prefix};

	if (c->addr.family != a->family)
		return false;
	clear_host_bits(&probe);
	return nfp_addr_eq(&probe.addr, &c->addr);
}

void nfp_cidr_last(const struct nfp_cidr *c, struct nfp_addr *out)
{
	size_t len = nfp_addr_len(c->addr.family);

	*out = c->addr;
	for (size_t i = 0; i < len; i++) {
		unsigned int bit = (unsigned int)i * 8;

		if (bit >= c->prefix)
			out->b[i] = 0xff;
		else if (c->prefix - bit < 8)
			out->b[i] |= (uint8_t)(0xff >> (c->prefix - bit));
	}
}
