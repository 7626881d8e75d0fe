# kube-nfproxy — see README.md. `make help` lists the targets.

CC      ?= cc
PKGS    := libnftnl libmnl libiptc libnetfilter_conntrack jansson libcurl yaml-0.1
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -I. -D_GNU_SOURCE \
           $(shell pkg-config --cflags $(PKGS))
LDLIBS  += $(shell pkg-config --libs $(PKGS)) -lm
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=undefined
TESTLIBS = $(shell pkg-config --libs check)

STAGES  := util watch proxy rules hostport masq cni
LIB_SRC := $(filter-out proxy/main.c cni/main.c,$(wildcard $(addsuffix /*.c,$(STAGES))))
LIB_OBJ := $(LIB_SRC:%.c=build/%.o)
SAN_OBJ := $(LIB_SRC:%.c=build/san/%.o)
TESTS   := $(patsubst tests/unit/%.c,build/tests/%,$(wildcard tests/unit/test_*.c))
ALL_SRC := $(wildcard $(addsuffix /*.[ch],$(STAGES)) tests/unit/*.[ch])

.PHONY: all test ruleset e2e cni-e2e node-e2e live-e2e apiserver-test check bench format lint clean help example
all: kube-nfproxy nfbridge

# The CNI plugin: cni/main.c plus the library (cni/ uses util/ and watch/,
# nothing of rules/).
nfbridge: build/cni/main.o build/libnfp.a
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

kube-nfproxy: build/proxy/main.o build/libnfp.a
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# Archives are written aside and renamed, so a concurrent make never sees
# (or leaves) a half-written one.
build/libnfp.a: $(LIB_OBJ)
	@rm -f $@.tmp.$$$$ && $(AR) rcs $@.tmp.$$$$ $^ && mv $@.tmp.$$$$ $@

build/san/libnfp.a: $(SAN_OBJ)
	@rm -f $@.tmp.$$$$ && $(AR) rcs $@.tmp.$$$$ $^ && mv $@.tmp.$$$$ $@

build/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

build/san/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC san  $<"
	@$(CC) $(CFLAGS) $(SAN) -MMD -MP -c -o $@ $<

build/tests/%: tests/unit/%.c tests/unit/testutil.h build/san/libnfp.a
	@mkdir -p $(dir $@)
	@echo "  LD san  $@"
	@$(CC) $(CFLAGS) $(SAN) -o $@ $< build/san/libnfp.a $(LDLIBS) $(TESTLIBS)

# Every Check suite, built with ASan and UBSan; run from the repo root so
# that golden files are found. CK_FORK=no keeps ASan's reports readable.
test: $(TESTS)
	@fail=0; for t in $(TESTS); do \
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		./$$t || fail=1; \
	done; exit $$fail

# The printed rulesets loaded by nft / iptables-restore in a namespace.
ruleset: kube-nfproxy
	tests/ruleset/run.sh

e2e: kube-nfproxy nfbridge
	tests/e2e/run.sh

# The CNI plugin driven as a runtime does, against network namespaces.
cni-e2e: nfbridge
	tests/e2e/cni/run.sh

# The daemon against the test API server, objects made with kubectl:
# watch, relist, faults, kill -9, token rotation, memory.
live-e2e: kube-nfproxy
	tests/e2e/live/run.sh

# Two nodes with nfbridge pods: pod network, hostPorts, egress masquerade,
# parity with the reference CNI plugins.
node-e2e: kube-nfproxy nfbridge
	tests/e2e/node/run.sh

# The test API server's own suite (and the real kubectl against it), and
# the watch client's live test against it.
apiserver-test:
	/usr/bin/python3 -m unittest tests/apiserver/test_apiserver.py
	sh tests/watch/run.sh

# Everything: build warning-free, unit suites under ASan/UBSan, ruleset
# loads, end-to-end scenarios. This is what CI runs.
check: all test ruleset apiserver-test cni-e2e e2e node-e2e live-e2e

# Benchmark drivers: optimised, no sanitizers (figures, not tests).
BENCHES := $(patsubst tests/bench/%.c,build/bench/%,$(wildcard tests/bench/*.c))
build/bench/%: tests/bench/%.c build/libnfp.a
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $< build/libnfp.a $(LDLIBS) $(TESTLIBS)

bench: kube-nfproxy $(BENCHES)
	tests/bench/run.sh

example: kube-nfproxy
	./kube-nfproxy --dry-run --mode=nftables --hostname-override=node-a \
		--cluster-cidr=10.244.0.0/16 --input tests/fixtures/example-cluster.json

format:
	clang-format -i $(ALL_SRC)

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --suppress=missingIncludeSystem -I. --std=c11 \
		$(addsuffix /,$(STAGES)) tests/unit

clean:
	rm -rf build kube-nfproxy nfbridge

help:
	@echo "make | make test | make ruleset | make e2e | make check | make bench | make format | make lint | make example"

-include $(shell find build -name '*.d' 2>/dev/null)
