#!/usr/bin/env bash
# make bench: figures, not tests. Every kernel measurement runs in network
# namespaces the drivers create (unshare), never in the root namespace.
#
#  1. nftables: full sync over netlink and a one-endpoint change, at 100,
#     1,000 and 10,000 services x 10 endpoints, beside `nft -f` of the same
#     ruleset text (the mechanism kube-proxy uses).
#  2. iptables: full sync through libiptc and a one-endpoint change, beside
#     iptables-legacy-restore of the same text (full, and kube-proxy's
#     partial --noflush restore).
#  3. The whole pipeline of one snapshot: decode + plan + compile + print
#     (kube-nfproxy --dry-run), wall time and peak RSS.
set -u
cd "$(dirname "$0")/../.."
SIZES=${NFP_BENCH_SIZES:-"100 1000 10000"}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ "$(id -u)" != 0 ]; then
	echo "bench: needs root (network namespaces)"
	exit 1
fi

kv() { # file key → value
	awk -v k="$2" '$1 == k { print $2 }' "$1"
}

echo "== nftables back end (netlink batches) vs nft -f of the same text"
printf '%-9s %10s %10s %8s %12s %12s %12s %10s\n' services full_s nft_f_s speedup change_s change_tot_s chg_ops rss_kib
for n in $SIZES; do
	out="$WORK/nft.$n"
	build/bench/nft_apply_bench "$n" 10 >"$out" 2>"$out.err" || { echo "nft bench $n failed: $(tail -2 "$out.err")"; continue; }
	printf '%-9s %10s %10s %7sx %12s %12s %12s %10s\n' "$n" \
		"$(kv "$out" full_sync_s)" "$(kv "$out" nft_f_s)" "$(kv "$out" full_sync_speedup_vs_nft_f)" \
		"$(kv "$out" change_sync_s)" "$(kv "$out" change_compile_and_sync_s)" \
		"$(kv "$out" change_ops)" "$(kv "$out" max_rss_kib)"
done
last="$WORK/nft.${SIZES##* }"
if [ -s "$last" ]; then
	echo "one-endpoint change, apply (diff + netlink transaction) at ${SIZES##* } vs 100 services: $(kv "$last" change_sync_ratio)x" \
		"($(kv "$last" change_sync_s) s vs $(kv "$last" change_sync_s_at_100) s)"
	echo "one-endpoint change incl. compile+diff at ${SIZES##* }: $(kv "$last" change_compile_and_sync_s) s;" \
		"at 100: $(kv "$last" change_compile_and_sync_s_at_100) s"
fi

echo
echo "== iptables back end (libiptc) vs iptables-legacy-restore of the same text"
# shellcheck disable=SC2086
build/bench/ipt_apply_bench $SIZES >"$WORK/ipt" 2>"$WORK/ipt.err" || echo "ipt bench failed: $(tail -2 "$WORK/ipt.err")"
printf '%-9s %10s %10s %8s %12s %14s %10s\n' services full_s restore_s speedup change_s noflush_rest_s rss_kib
for n in $SIZES; do
	g() { awk -v n="$n" -v k="$1" '$1 == n && $2 == k { print $3 }' "$WORK/ipt"; }
	printf '%-9s %10s %10s %7sx %12s %14s %10s\n' "$n" "$(g full_sync_s)" "$(g restore_s)" \
		"$(g full_sync_speedup_vs_restore)" "$(g change_compile_and_sync_s)" \
		"$(g restore_change_noflush_s)" "$(g max_rss_kib)"
done

echo
echo "== whole pipeline: kube-nfproxy --dry-run of a generated snapshot (decode, plan, compile, print)"
printf '%-9s %-9s %10s %10s\n' services mode wall_s rss_kib
for n in $SIZES; do
	python3 tests/fixtures/gen_cluster.py --services "$n" --endpoints 10 --mixed >"$WORK/c$n.json"
	for mode in nftables iptables; do
		/usr/bin/time -f "%e %M" -o "$WORK/t" ./kube-nfproxy --dry-run --mode=$mode \
			--hostname-override=node-a --cluster-cidr=10.244.0.0/16 \
			--input "$WORK/c$n.json" >/dev/null 2>&1
		read -r wall rss <"$WORK/t"
		printf '%-9s %-9s %10s %10s\n' "$n" "$mode" "$wall" "$rss"
	done
done
echo
echo "references (this machine class, from the issues): nft -f of kube-proxy's own nftables layout at 10,000 x 10 ~88 s;"
echo "iptables-legacy-restore of kube-proxy's iptables layout ~4 s; kube-proxy nftables adding one service at 10,000 ~141 ms."
