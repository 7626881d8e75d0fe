#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The node's own network end to end: two node namespaces joined by a router,
# pods attached by nfbridge (or Debian's bridge + host-local + portmap) the
# way a container runtime attaches them, kube-nfproxy's hostPorts and egress
# masquerade. Needs root; everything lives in namespaces named
# nfpe2e<pid>-*, deleted at the end (and by the next run's janitor if this
# one is killed); the root namespace is never changed.
#   tests/e2e/node/run.sh [-r nftables,iptables,reference] [-k CHECK] [-v]
# Last line: "N passed, N failed, N skipped".
set -u
if [ "$(id -u)" != 0 ]; then
	echo "tests/e2e/node/run.sh: must run as root" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/node_e2e.py" "$@"
