#!/usr/bin/env bash
# Install every build and test dependency of kube-nfproxy from Debian's
# packages. Run as root on Debian 12 (bookworm). Safe to run again.
set -euo pipefail

PACKAGES=(
	build-essential pkg-config clang-format cppcheck
	libnftnl-dev libmnl-dev libiptc-dev libip4tc-dev libip6tc-dev libxtables-dev
	libcurl4-openssl-dev libjansson-dev libyaml-dev libnetfilter-conntrack-dev
	check libsubunit-dev
	nftables iptables iproute2 conntrack
	python3 openssl curl procps iputils-ping time
	containernetworking-plugins
)

if [ "$(id -u)" != 0 ]; then
	echo "setup.sh: run as root (it installs packages with apt-get)" >&2
	exit 1
fi
missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	apt-get install -y --no-install-recommends "${missing[@]}"
fi
echo "setup.sh: all ${#PACKAGES[@]} packages present"
