/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_MASQ_MASQ_CONFIG_H
#define NFP_MASQ_MASQ_CONFIG_H

/*
 * ip-masq-agent's configuration file (YAML or JSON), read the way the agent
 * reads it (kubernetes-sigs/ip-masq-agent, cmd/ip-masq-agent):
 *
 *   nonMasqueradeCIDRs:   # destinations never masqueraded
 *     - 10.0.0.0/8
 *     - fd00::/8
 *   masqLinkLocal: false      # also masquerade to 169.254.0.0/16
 *   masqLinkLocalIPv6: false  # also masquerade to fe80::/10
 *   resyncInterval: 60s       # a Go duration: how often to look again
 *   cidrLimit: 64             # at most this many nonMasqueradeCIDRs
 *
 * A key that is absent keeps the agent's default (the RFC 1918 ranges,
 * false, false, 60s, 64); an empty file or a missing one is all defaults.
 * Keys match case-insensitively, as Go's encoding/json matches them;
 * unknown keys are ignored. docs/masquerade.md has the details.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "masq/masq.h"
#include "util/diag.h"

/* ip-masq-agent's defaults. */
#define MASQ_CONFIG_DEFAULT_RESYNC_S 60u
#define MASQ_CONFIG_DEFAULT_CIDR_LIMIT 64
/* Largest file read (a ConfigMap holds at most 1 MiB). */
#define MASQ_CONFIG_MAX_BYTES (1024 * 1024)

/* Fill c with the agent's defaults: nonMasqueradeCIDRs 10.0.0.0/8,
 * 172.16.0.0/12, 192.168.0.0/16; no link-local masquerade; 60 s. Whatever
 * c held is not freed. */
void masq_config_defaults(struct masq_config *c);

/* Release c's list; c is left zeroed. NULL is a no-op. */
void masq_config_free(struct masq_config *c);

/* Same lists in the same order and the same flags and interval. */
bool masq_config_equal(const struct masq_config *a,
		       const struct masq_config *b);

/*
 * Parse a configuration file's text (len bytes; JSON when its first
 * non-blank byte is '{', YAML otherwise). On success *out holds the
 * agent's defaults overwritten by the keys present, and its CIDR list is
 * never NULL: an empty list (nonMasqueradeCIDRs: [] or null) means that
 * every destination outside the cluster is masqueraded. Every problem is
 * reported in d as a DIAG_ERROR naming the key ("nonMasqueradeCIDRs[2]:
 * ..."). Pure.
 *
 * Returns 0, or -EINVAL; on error *out is zeroed (nothing to free).
 */
int masq_config_parse(const char *buf, size_t len, struct masq_config *out,
		      struct diag_list *d);

/*
 * Read and parse the file at path. A missing file gives the defaults (as
 * the agent does) and a DIAG_INFO saying so. Messages name the path.
 *
 * Returns 0 with *out set (free with masq_config_free), -EINVAL for a bad
 * file, -EFBIG for one larger than MASQ_CONFIG_MAX_BYTES, or the -errno
 * of open/read. On error *out is not touched.
 */
int masq_config_load(const char *path, struct masq_config *out,
		     struct diag_list *d);

/*
 * The file behind --ip-masq-config, looked at again every resync interval
 * and re-read when it changed (stat(): device, inode, size, mtime, ctime,
 * so a ConfigMap's symlink swap counts). A bad file is reported once and
 * the configuration in force stays.
 */
struct masq_config_file {
	char *path;		/* owned */
	struct masq_config cfg; /* in force: the last good read, or defaults */
	bool have_id;		/* id below is of the last file looked at */
	int stat_err;		/* 0, or its stat() -errno (-ENOENT: missing) */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

/*
 * Start watching path (copied) and read it once. f->cfg holds the
 * defaults when the file is missing or bad. Returns what
 * masq_config_load() returns: a caller at start-up should treat an error
 * as fatal, since there is no last good configuration to keep.
 */
int masq_config_file_open(struct masq_config_file *f, const char *path,
			  struct diag_list *d);

/*
 * Look at the file again. Unchanged: returns 0, *changed false, nothing
 * reported. Changed and good: f->cfg is replaced if it differs (*changed
 * tells) and a DIAG_INFO says so. Changed and bad: returns the error, f->cfg
 * stays, and a DIAG_ERROR says so (the same bad file is not reported again).
 * Gone: the defaults, as at start-up, with a DIAG_WARN.
 */
int masq_config_file_poll(struct masq_config_file *f, bool *changed,
			  struct diag_list *d);

/* Milliseconds until the next poll: the resync interval in force. */
long masq_config_file_interval_ms(const struct masq_config_file *f);

/* Release f (NULL is a no-op). */
void masq_config_file_free(struct masq_config_file *f);

#endif
