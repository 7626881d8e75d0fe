// SPDX-License-Identifier: GPL-2.0
#include "proxy/sync_sched.h"

void sync_sched_init(struct sync_sched *s, long long min_ms, long long max_ms)
{
	s->min_ms = min_ms;
	s->max_ms = max_ms > 0 ? max_ms : 1;
	s->last_run = -1;
	s->pending = true;
	s->ready = false;
	s->retry_at = -1;
	s->failures = 0;
}

void sync_sched_request(struct sync_sched *s)
{
	s->pending = true;
}

void sync_sched_set_ready(struct sync_sched *s)
{
	s->ready = true;
}

static long long earliest(long long a, long long b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

long long sync_sched_due_in(const struct sync_sched *s, long long now)
{
	long long at = -1;

	if (!s->ready)
		return -1;
	if (s->last_run < 0)
		return 0;
	if (s->pending)
		at = earliest(at, s->last_run + s->min_ms);
	at = earliest(at, s->last_run + s->max_ms);
	if (s->retry_at >= 0)
		at = earliest(at, s->retry_at);
	return at <= now ? 0 : at - now;
}

void sync_sched_ran(struct sync_sched *s, long long now, bool ok)
{
	long long backoff = s->min_ms > 0 ? s->min_ms : 1000;

	s->last_run = now;
	s->pending = false;
	if (ok) {
		s->failures = 0;
		s->retry_at = -1;
		return;
	}
	for (unsigned int i = 0; i < s->failures && backoff < s->max_ms; i++)
		backoff *= 2;
	if (backoff > s->max_ms)
		backoff = s->max_ms;
	s->failures++;
	s->retry_at = now + backoff;
}

bool sync_sched_is_resync(const struct sync_sched *s)
{
	return s->last_run >= 0 && !s->pending && s->retry_at < 0;
}
