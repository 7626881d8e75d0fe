/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_CNI_RESULT_H
#define NFP_CNI_RESULT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/addr.h"

/*
 * What a CNI plugin prints: a result (ADD), a version report (VERSION) or
 * an error. The structs are plain data; cni_*_json() turn them into the
 * JSON the spec version in use asks for.
 */

/* The spec's well-known error codes, plus nfbridge's own (100+). */
enum cni_error_code {
	CNI_ERR_INCOMPATIBLE_VERSION = 1,
	CNI_ERR_UNSUPPORTED_FIELD = 2,
	CNI_ERR_UNKNOWN_CONTAINER = 3,
	CNI_ERR_INVALID_ENV = 4,
	CNI_ERR_IO = 5,
	CNI_ERR_DECODE = 6,
	CNI_ERR_INVALID_CONFIG = 7,
	CNI_ERR_TRY_AGAIN = 11,
	CNI_ERR_NOT_AVAILABLE = 50,
	CNI_ERR_LIMITED = 51,
	/* nfbridge's: the address pool has no free address. */
	CNI_ERR_NO_ADDRESS = 100,
	/* A kernel or other unexpected failure; libcni calls 999 "internal". */
	CNI_ERR_INTERNAL = 999,
};

/* An error to report. The first one set is kept: it names the cause. */
struct cni_error {
	int code;      /* 0: no error */
	char *msg;     /* short, owned */
	char *details; /* longer, owned, NULL if none */
};

/* Set code and msg unless an error is already set. Returns -EINVAL, so
 * that a caller can write `return cni_error_set(...)`. */
int cni_error_set(struct cni_error *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Set the details of the error that is set (replacing earlier details). */
void cni_error_details(struct cni_error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cni_error_clear(struct cni_error *e);

struct cni_iface {
	char *name;    /* owned */
	char *mac;     /* "aa:bb:..", owned, NULL if none */
	char *sandbox; /* netns path, owned, NULL for host interfaces */
};

/* An address on an interface: addr keeps its host bits (10.244.1.5/24). */
struct cni_ip {
	struct nfp_cidr addr;
	struct nfp_addr gw; /* family 0: none */
	int iface;	    /* index into cni_result.ifaces, -1: none */
};

struct cni_route {
	struct nfp_cidr dst;
	struct nfp_addr gw; /* family 0: none */
};

struct cni_dns {
	char **nameservers;
	size_t n_nameservers;
	char *domain; /* NULL if unset */
	char **search;
	size_t n_search;
	char **options;
	size_t n_options;
};

struct cni_result {
	struct cni_iface *ifaces;
	size_t n_ifaces, cap_ifaces;
	struct cni_ip *ips;
	size_t n_ips, cap_ips;
	struct cni_route *routes;
	size_t n_routes, cap_routes;
	struct cni_dns dns;
};

/* Append an interface (strings are copied); returns its index. */
int cni_result_add_iface(struct cni_result *r, const char *name,
			 const char *mac, const char *sandbox);
/* Append everything of src to dst, renumbering src's interface indexes. */
void cni_result_append(struct cni_result *dst, const struct cni_result *src);
/* Deep copy of a DNS block into an empty one. */
void cni_dns_copy(struct cni_dns *dst, const struct cni_dns *src);
bool cni_dns_empty(const struct cni_dns *d);
void cni_dns_clear(struct cni_dns *d);
/* Frees what r holds; r itself is the caller's and left zeroed. */
void cni_result_clear(struct cni_result *r);

/*
 * The JSON text of a result for spec version `version` (0.3.x and 0.4.0
 * carry "version" in each IP; 1.x does not). Owned by the caller.
 */
char *cni_result_json(const struct cni_result *r, const char *version);

/* The JSON text of an error, {"cniVersion","code","msg","details"}. Owned. */
char *cni_error_json(const struct cni_error *e, const char *version);

/* The VERSION reply: {"cniVersion", "supportedVersions": [...]}. Owned. */
char *cni_version_json(const char *version);

#endif
