#!/usr/bin/env bash
# make bench: the full campaign (perf/campaigns/full.campaign, about an
# hour) and the kernel guest against virtio-blk (perf/campaigns/vm.campaign,
# a quarter of an hour), then their tables. The issue-specific benchmarks are beside it:
# perf/ring/run.sh, perf/blk/run.sh, perf/net/run.sh, perf/vm/run.sh,
# perf/vm/vmi64.sh (the VMI64 kernel native against ROM-bound).
#
#   perf/bench.sh [--out DIR]    (results in DIR/full and DIR/vm)
set -euo pipefail
cd "$(dirname "$0")/.."

out=perf/results/bench-$(date +%Y%m%d-%H%M%S)
[ "${1:-}" = --out ] && out=$2
# The /dev/shm target file of the campaign is ours to remove.
trap 'rm -f /dev/shm/vmipv-full.img' EXIT
for c in full vm; do
	perf/campaign run "perf/campaigns/$c.campaign" --out "$out/$c"
done
for c in full vm; do
	echo
	cat "$out/$c/summary.md"
done
