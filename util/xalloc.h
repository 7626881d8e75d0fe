/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_UTIL_XALLOC_H
#define NFP_UTIL_XALLOC_H

#include <stddef.h>

/* Allocation that cannot fail: on out-of-memory the process logs and
 * aborts, as a daemon that cannot allocate cannot keep its promises. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Grow an array of *cap elements of size to hold at least need. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
/* xstrdup(NULL) is NULL. */
char *xstrdup_null(const char *s);

/* Append one zeroed element to an array that is (ptr, n, cap); evaluates
 * to a pointer to it. */
#define XPUSH(arr, n, cap) \
	((arr) = xgrow((arr), &(cap), (n) + 1, sizeof(*(arr))), &(arr)[(n)++])

#endif
