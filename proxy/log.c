// SPDX-License-Identifier: GPL-2.0
#include "proxy/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int verbosity;

void log_set_verbosity(int v)
{
	verbosity = v;
}

int log_verbosity(void)
{
	return verbosity;
}

void log_msg(enum log_level level, const char *file, int line, const char *fmt,
	     ...)
{
	static const char letters[] = "IWEF";
	const char *base = strrchr(file, '/');
	struct timeval tv;
	struct tm tm;
	va_list ap;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	fprintf(stderr, "%c%02d%02d %02d:%02d:%02d.%06ld %7d %s:%d] ",
		letters[level], tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		tm.tm_min, tm.tm_sec, (long)tv.tv_usec, (int)getpid(),
		base ? base + 1 : file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void log_diags(const struct diag_list *dl, const char *what)
{
	static const enum log_level map[] = {
		[DIAG_INFO] = LOG_INFO,
		[DIAG_WARN] = LOG_WARN,
		[DIAG_ERROR] = LOG_ERROR,
	};

	for (size_t i = 0; i < dl->n; i++) {
		if (dl->items[i].level == DIAG_INFO && verbosity < 2)
			continue;
		log_msg(map[dl->items[i].level], __FILE__, __LINE__, "%s: %s",
			what, dl->items[i].msg);
	}
}
