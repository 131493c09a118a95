#!/usr/bin/env bash
# make bench: the full campaign (perf/campaigns/full.campaign, about an
# hour), then its table. The issue-specific benchmarks are beside it:
# perf/ring/run.sh, perf/blk/run.sh, perf/net/run.sh, perf/vm/run.sh.
#
#   perf/bench.sh [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

out=perf/results/full-$(date +%Y%m%d-%H%M%S)
[ "${1:-}" = --out ] && out=$2
# The /dev/shm target file of the campaign is ours to remove.
trap 'rm -f /dev/shm/vmipv-full.img' EXIT
perf/campaign run perf/campaigns/full.campaign --out "$out"
echo
cat "$out/summary.md"
