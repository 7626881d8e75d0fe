#!/bin/sh
# Build kube-nfproxy with AddressSanitizer + UBSan (the Makefile's CFLAGS and
# SAN flags) into a directory outside build/ (default /tmp/nfp-live-asan),
# then run the live scenarios with it: LeakSanitizer reports what the
# daemon leaked when it exits at SIGTERM, and a report in the daemon's log
# fails the scenario. Needs root.
#   tests/e2e/live/asan.sh [run.sh arguments, e.g. -k memory]
# Env: ASAN_DIR (build directory), CC.
set -eu
cd "$(dirname "$0")/../../.."
out=${ASAN_DIR:-/tmp/nfp-live-asan}
case "$out" in
/tmp/*) ;;
*) echo "asan.sh: ASAN_DIR must be under /tmp" >&2; exit 2 ;;
esac
mkdir -p "$out/obj"
PKGS="libnftnl libmnl libiptc libnetfilter_conntrack jansson libcurl yaml-0.1"
CFLAGS="-O2 -g -std=gnu11 -Wall -Wextra -Werror -I. -D_GNU_SOURCE \
	$(pkg-config --cflags $PKGS) -fsanitize=address,undefined \
	-fno-omit-frame-pointer -fno-sanitize-recover=undefined"
srcs=$(ls util/*.c watch/*.c proxy/*.c rules/*.c hostport/*.c masq/*.c \
	cni/*.c | grep -v '^cni/main.c$')
echo "asan.sh: compiling $(echo "$srcs" | wc -l) files into $out"
# shellcheck disable=SC2086
echo "$srcs" | xargs -P "$(nproc)" -I{} sh -c \
	'o="$0/obj/$(echo {} | tr / _).o"; '"${CC:-cc}"' '"$CFLAGS"' -c -o "$o" {}' \
	"$out"
# shellcheck disable=SC2086
${CC:-cc} $CFLAGS -o "$out/kube-nfproxy" "$out"/obj/*.o \
	$(pkg-config --libs $PKGS)
echo "asan.sh: built $out/kube-nfproxy"
export NFP_BIN="$out/kube-nfproxy"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:quarantine_size_mb=0"
export UBSAN_OPTIONS="print_stacktrace=1"
exec tests/e2e/live/run.sh "$@"
