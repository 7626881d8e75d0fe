/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_PROXY_LOG_H
#define NFP_PROXY_LOG_H

#include "util/diag.h"

/*
 * klog-style lines on stderr: "I1201 08:51:10.123456    42 file.c:12] msg".
 * Only the daemon's own layer (proxy/) logs; lower layers hand back
 * diagnostics (util/diag.h) that are logged here once.
 */
enum log_level { LOG_INFO, LOG_WARN, LOG_ERROR, LOG_FATAL };

void log_set_verbosity(int v);
int log_verbosity(void);
void log_msg(enum log_level level, const char *file, int line, const char *fmt,
	     ...) __attribute__((format(printf, 4, 5)));
/* Log each diagnostic with its level, prefixed by what produced it. */
void log_diags(const struct diag_list *dl, const char *what);
/* The same, but a message already logged in the last LOG_REPEAT_S seconds
 * is left out: each sync recomputes the same warnings about the same bad
 * objects, and one line per object per interval is enough. */
#define LOG_REPEAT_S 600
void log_diags_once(const struct diag_list *dl, const char *what);

#define log_info(...) log_msg(LOG_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __FILE__, __LINE__, __VA_ARGS__)
/* Verbose info, shown at -v=N or higher. */
#define log_v(n, ...)                                                       \
	do {                                                                \
		if (log_verbosity() >= (n))                                 \
			log_msg(LOG_INFO, __FILE__, __LINE__, __VA_ARGS__); \
	} while (0)

#endif
