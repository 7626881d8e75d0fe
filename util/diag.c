// SPDX-License-Identifier: GPL-2.0
#include "util/diag.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <stdarg.h>
#include <stdlib.h>

void diag_addf(struct diag_list *dl, enum diag_level level, const char *fmt,
	       ...)
{
	struct strbuf sb = {0};
	struct diag *d;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	d = XPUSH(dl->items, dl->n, dl->cap);
	d->level = level;
	d->msg = strbuf_detach(&sb);
}

void diag_list_free(struct diag_list *dl)
{
	for (size_t i = 0; i < dl->n; i++)
		free(dl->items[i].msg);
	free(dl->items);
	dl->items = NULL;
	dl->n = dl->cap = 0;
}

size_t diag_count(const struct diag_list *dl, enum diag_level level)
{
	size_t n = 0;

	for (size_t i = 0; i < dl->n; i++)
		n += dl->items[i].level >= level;
	return n;
}
