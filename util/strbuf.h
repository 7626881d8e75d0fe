/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_UTIL_STRBUF_H
#define NFP_UTIL_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

/* A growable NUL-terminated string. Zero-initialise, append, then either
 * strbuf_release() or take ownership of .buf with strbuf_detach(). */
struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
};

/* Append formatted text; aborts on out-of-memory (like xmalloc). */
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void strbuf_add(struct strbuf *sb, const char *s, size_t n);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_reset(struct strbuf *sb);
/* Returns the buffer (owned by the caller, never NULL); sb is emptied. */
char *strbuf_detach(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);

#endif
