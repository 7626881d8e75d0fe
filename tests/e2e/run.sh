#!/bin/sh
# kube-nfproxy end-to-end tests: real packets through the rules in network
# namespaces created (and deleted) by the harness. Needs root. The root
# network namespace is never changed. See tests/e2e/README.md.
#   tests/e2e/run.sh [-m nftables|iptables] [-k scenario[,scenario]] [-v]
set -u
if [ "$(id -u)" != 0 ]; then
	echo "tests/e2e/run.sh: must run as root" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/e2e.py" "$@"
