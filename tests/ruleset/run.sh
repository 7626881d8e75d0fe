#!/usr/bin/env bash
# The printed rulesets are accepted by the real tools, each inside a network
# namespace made here (never the root namespace): the nftables dump by
# `nft -c -f` and a real `nft -f` load, the iptables dump by
# `iptables-restore --test` (both the nf_tables and the legacy variant).
# Inputs: the bundled example and a generated cluster of 1,000 services.
# Also: two runs print the same bytes (deterministic output).
set -u
cd "$(dirname "$0")/../.."
BIN=${NFP_BIN:-./kube-nfproxy}
NS="nfp-rs-$$"
WORK=$(mktemp -d)
pass=0 fail=0 skip=0

cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

ok() { echo "PASS: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

if [ "$(id -u)" != 0 ] || ! command -v nft >/dev/null || ! command -v ip >/dev/null; then
	echo "SKIP: needs root, ip and nft (run scripts/setup.sh as root)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi

python3 tests/fixtures/gen_cluster.py --services 1000 --endpoints 10 --mixed >"$WORK/gen1000.json"
FLAGS="--hostname-override=node-a --cluster-cidr=10.244.0.0/16,fd00:10:244::/56"

# fresh namespace per load, so each check starts from an empty kernel state
fresh_ns() {
	ip netns del "$NS" 2>/dev/null
	ip netns add "$NS"
}

split_ipt() { # file → file.v4 file.v6
	awk -v out="$1" '
		/^# kube-nfproxy: iptables-restore \(IPv4\)/ { f = out ".v4"; next }
		/^# kube-nfproxy: ip6tables-restore \(IPv6\)/ { f = out ".v6"; next }
		f { print > f }' "$1"
}

for input in tests/fixtures/example-cluster.json "$WORK/gen1000.json"; do
	label=$(basename "$input")
	for mode in nftables iptables; do
		out="$WORK/$label.$mode"
		# shellcheck disable=SC2086
		if ! $BIN --dry-run --mode=$mode $FLAGS --input "$input" >"$out" 2>"$out.err"; then
			bad "$label $mode: --dry-run exited non-zero: $(tail -3 "$out.err")"
			continue
		fi
		# shellcheck disable=SC2086
		$BIN --dry-run --mode=$mode $FLAGS --input "$input" 2>/dev/null >"$out.again"
		if cmp -s "$out" "$out.again"; then
			ok "$label $mode: two runs print the same ruleset ($(wc -l <"$out") lines)"
		else
			bad "$label $mode: two runs differ"
		fi
		if [ "$mode" = nftables ]; then
			fresh_ns
			if msg=$(ip netns exec "$NS" nft -c -f "$out" 2>&1); then
				ok "$label nftables: nft -c -f accepts it"
			else
				bad "$label nftables: nft -c -f: $(echo "$msg" | head -5)"
			fi
			if msg=$(ip netns exec "$NS" nft -f "$out" 2>&1) &&
				ip netns exec "$NS" nft list table ip kube-nfproxy >/dev/null; then
				ok "$label nftables: nft -f loads it into a namespace's kernel"
			else
				bad "$label nftables: nft -f: $(echo "$msg" | head -5)"
			fi
		else
			split_ipt "$out"
			for fam in v4 v6; do
				[ "$fam" = v4 ] && tools="iptables-restore iptables-legacy-restore" ||
					tools="ip6tables-restore ip6tables-legacy-restore"
				for tool in $tools; do
					fresh_ns
					if [ ! -s "$out.$fam" ]; then
						bad "$label iptables $fam: no $fam section in the dump"
					elif msg=$(ip netns exec "$NS" $tool --test "$out.$fam" 2>&1); then
						ok "$label iptables $fam: $tool --test accepts it"
					else
						bad "$label iptables $fam: $tool --test: $(echo "$msg" | head -5)"
					fi
				done
			done
		fi
	done
done
# The command's contract: bad input is reported and does not stop the dump;
# an unreadable file exits 1; a bad flag exits 2.
for mode in nftables iptables; do
	# shellcheck disable=SC2086
	$BIN --dry-run --mode=$mode $FLAGS --input tests/fixtures/malformed/bad-fields.json \
		>"$WORK/bad.$mode" 2>"$WORK/bad.$mode.err"
	rc=$?
	if [ $rc = 0 ] && grep -q "^E.*Service " "$WORK/bad.$mode.err" && [ -s "$WORK/bad.$mode" ]; then
		ok "$mode: malformed objects logged ($(grep -c '^E' "$WORK/bad.$mode.err") errors), ruleset still printed, exit 0"
	else
		bad "$mode: malformed input: exit $rc, stderr: $(head -3 "$WORK/bad.$mode.err")"
	fi
done
cat tests/fixtures/example-cluster.json | head -c 5000 >"$WORK/truncated.json"
if $BIN --dry-run --input "$WORK/truncated.json" >"$WORK/trunc.out" 2>"$WORK/trunc.err" &&
	grep -q "JSON error at line" "$WORK/trunc.err"; then
	ok "truncated JSON: located error message, exit 0"
else
	bad "truncated JSON: $(head -3 "$WORK/trunc.err")"
fi
$BIN --dry-run --input /nonexistent.json >/dev/null 2>"$WORK/nofile.err"
rc=$?
if [ $rc = 1 ] && grep -q "cannot read /nonexistent.json: No such file" "$WORK/nofile.err"; then
	ok "missing input file: exit 1 with the reason"
else
	bad "missing input file: exit $rc: $(cat "$WORK/nofile.err")"
fi
$BIN --dry-run --mode=ipvs >/dev/null 2>"$WORK/flag.err"
rc=$?
if [ $rc = 2 ] && grep -q 'unknown mode "ipvs"' "$WORK/flag.err"; then
	ok "bad flag: exit 2 with the reason"
else
	bad "bad flag: exit $rc: $(cat "$WORK/flag.err")"
fi
if $BIN --help | grep -q -- "--dry-run" && $BIN --version | grep -q "^kube-nfproxy "; then
	ok "--help and --version"
else
	bad "--help / --version"
fi

echo "ruleset: $pass passed, $fail failed"
[ "$fail" = 0 ]
