#!/usr/bin/env bash
# A tiny real campaign: fio's io_uring engine on a small file, fio's null
# engine, and iperf3 over a veth pair between two namespaces the campaign
# creates; every run must succeed and the reports must be written.
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "needs root for network namespaces"
	exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cat >"$out/tiny.campaign" <<'CAMPAIGN'
campaign tiny
repeats 2
warmup 0
runtime 1
target host fio-host size=32M direct=0
target null fio-null baseline=host
target veth iperf3-veth
fio rw=randread,randwrite bs=4k iodepth=1,8
iperf3 proto=tcp,udp streams=1 rate=100M
CAMPAIGN
ns_before=$(ip netns list | grep -c '^vmic-' || true)
perf/campaign check "$out/tiny.campaign"
perf/campaign run "$out/tiny.campaign" --out "$out/res" >"$out/table.md"
cat "$out/table.md"
failed=$(jq '[.[] | select(.status != "ok")] | length' "$out/res/results.json")
total=$(jq length "$out/res/results.json")
echo "runs: $total, failed: $failed"
# fio: 4 cells x 2 targets x 2 repeats; iperf3: 2 cells x 1 x 2.
vmi_expect "results.json holds $total runs, not 20" test "$total" -eq 20
vmi_expect "$failed runs did not finish ok" test "$failed" -eq 0
vmi_expect "summary.md has no ratio against the host baseline" \
	grep -q 'x vs host' "$out/res/summary.md"
vmi_expect "no fio plot" test -s "$out/res/fio-iops.png"
vmi_expect "no iperf3 plot" test -s "$out/res/iperf3-gbps.png"
# The same folder compared with itself: no regression.
perf/campaign compare "$out/res" "$out/res"
# No namespace of ours is left behind.
ns_after=$(ip netns list | grep -c '^vmic-' || true)
vmi_expect "the campaign left namespaces behind ($ns_before before, $ns_after after)" \
	test "$ns_after" -eq "$ns_before"
