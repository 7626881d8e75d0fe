#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Live test of watch/ against tests/apiserver (HTTPS on 127.0.0.1): builds
# tests/watch/watch_driver.c with the sanitizers, then runs test_live.py.
# From the repository root: sh tests/watch/run.sh
set -e
cd "$(dirname "$0")/../.."
make -s build/san/libnfp.a
PKGS="libnftnl libmnl libiptc libnetfilter_conntrack jansson libcurl yaml-0.1"
mkdir -p build/tests
${CC:-cc} -O1 -g -std=gnu11 -Wall -Wextra -Werror -I. -D_GNU_SOURCE \
	$(pkg-config --cflags $PKGS) \
	-fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined \
	-o build/tests/watch_driver tests/watch/watch_driver.c \
	build/san/libnfp.a $(pkg-config --libs $PKGS)
exec python3 tests/watch/test_live.py build/tests/watch_driver
