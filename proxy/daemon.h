/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_PROXY_DAEMON_H
#define NFP_PROXY_DAEMON_H

#include "proxy/options.h"

/*
 * Run as the node's proxy: watch the API server, keep the kernel's rules
 * in step, until SIGTERM or SIGINT (the rules stay in place: the next start
 * takes over without a gap). Returns the process exit code.
 */
int daemon_run(const struct nfp_options *o);

#endif
