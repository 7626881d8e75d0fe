/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_UTIL_DIAG_H
#define NFP_UTIL_DIAG_H

#include <stddef.h>

/* Diagnostics that a pure stage (decode, plan, compile) collects instead of
 * printing: the caller that knows the context logs them once. */
enum diag_level { DIAG_INFO, DIAG_WARN, DIAG_ERROR };

struct diag {
	enum diag_level level;
	char *msg;
};

struct diag_list {
	struct diag *items;
	size_t n;
	size_t cap;
};

void diag_addf(struct diag_list *dl, enum diag_level level, const char *fmt,
	       ...) __attribute__((format(printf, 3, 4)));
void diag_list_free(struct diag_list *dl);
/* Number of entries at or above level. */
size_t diag_count(const struct diag_list *dl, enum diag_level level);

#endif
