// SPDX-License-Identifier: GPL-2.0
#include "proxy/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
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

/* Hashes of recently logged messages: open addressing, 4096 slots. A
 * full table just logs again sooner; correctness never depends on it. */
#define REPEAT_SLOTS 4096

static struct {
	uint64_t hash;
	time_t at;
} repeat[REPEAT_SLOTS];

static uint64_t fnv1a(const char *a, const char *b)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *a; a++)
		h = (h ^ (unsigned char)*a) * 1099511628211ULL;
	for (; *b; b++)
		h = (h ^ (unsigned char)*b) * 1099511628211ULL;
	return h ? h : 1;
}

/* True if this message was logged less than LOG_REPEAT_S ago; records
 * it as logged now otherwise. */
static bool seen_recently(const char *what, const char *msg, time_t now)
{
	uint64_t h = fnv1a(what, msg);
	size_t i = h % REPEAT_SLOTS, oldest = i;

	for (size_t probe = 0; probe < 8; probe++) {
		size_t k = (i + probe) % REPEAT_SLOTS;

		if (repeat[k].hash == h) {
			if (now - repeat[k].at < LOG_REPEAT_S)
				return true;
			repeat[k].at = now;
			return false;
		}
		if (repeat[k].at < repeat[oldest].at)
			oldest = k;
	}
	repeat[oldest].hash = h;
	repeat[oldest].at = now;
	return false;
}

static void log_diags_filtered(const struct diag_list *dl, const char *what,
			       bool once);

void log_diags(const struct diag_list *dl, const char *what)
{
	log_diags_filtered(dl, what, false);
}

void log_diags_once(const struct diag_list *dl, const char *what)
{
	log_diags_filtered(dl, what, true);
}

static void log_diags_filtered(const struct diag_list *dl, const char *what,
			       bool once)
{
	time_t now = time(NULL);

	static const enum log_level map[] = {
		[DIAG_INFO] = LOG_INFO,
		[DIAG_WARN] = LOG_WARN,
		[DIAG_ERROR] = LOG_ERROR,
	};

	for (size_t i = 0; i < dl->n; i++) {
		if (dl->items[i].level == DIAG_INFO && verbosity < 2)
			continue;
		if (once && seen_recently(what, dl->items[i].msg, now))
			continue;
		log_msg(map[dl->items[i].level], __FILE__, __LINE__, "%s: %s",
			what, dl->items[i].msg);
	}
}
