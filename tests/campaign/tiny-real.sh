#!/usr/bin/env bash
# A tiny real campaign: fio's io_uring engine on a small file, fio's null
# engine, and iperf3 over a veth pair between two namespaces the campaign
# creates; every run must succeed and the reports must be written.
set -euo pipefail
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
# fio: 4 cells x 2 targets x 2 repeats; iperf3: 2 cells x 1 x 2. Each
# check is its own command so that set -e stops at the first that fails.
test "$total" -eq 20
test "$failed" -eq 0
grep -q 'x vs host' "$out/res/summary.md"
test -s "$out/res/fio-iops.png"
test -s "$out/res/iperf3-gbps.png"
# The same folder compared with itself: no regression.
perf/campaign compare "$out/res" "$out/res"
# No namespace of ours is left behind.
test "$(ip netns list | grep -c '^vmic-' || true)" -eq "$ns_before"
