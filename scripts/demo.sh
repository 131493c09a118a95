#!/usr/bin/env bash
# The main job (make demo): with everything built, run the short campaign
# perf/campaigns/demo.campaign through both data paths (vmi-blkback with the
# fio vmiblk engine as a process guest; vmi-netback with vminet-tap in a
# namespace) against their baselines, then print its table. Results stay in
# perf/results/demo-STAMP/ (raw fio and iperf3 JSON, summary.json,
# summary.md, plots).
#
#   scripts/demo.sh    (make demo runs it after make all)
set -euo pipefail
cd "$(dirname "$0")/.."

out=perf/results/demo-$(date +%Y%m%d-%H%M%S)
perf/campaign run perf/campaigns/demo.campaign --out "$out"
echo
cat "$out/summary.md"
echo
echo "demo: results in $out (summary.json, summary.md, raw/, *.png)"
