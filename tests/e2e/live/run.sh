#!/bin/sh
# kube-nfproxy as a daemon against the test API server, changed with the
# real kubectl; everything in network namespaces made (and deleted) by the
# harness. Needs root. See tests/e2e/live/README.md.
#   tests/e2e/live/run.sh [-m nftables|iptables] [-k scenario[,scenario]] [-v]
set -u
if [ "$(id -u)" != 0 ]; then
	echo "tests/e2e/live/run.sh: must run as root" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/live.py" "$@"
