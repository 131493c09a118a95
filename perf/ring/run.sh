#!/usr/bin/env bash
# The ring benchmark in one command: builds ring-bench, runs it on CPUs 0
# and 1 and keeps the table and the JSON in perf/results/ring-STAMP/.
# Arguments go to ring-bench (e.g. --rounds 20, --only tput-8B-b32,rtt).
#
#   perf/ring/run.sh [ring-bench options]
set -eu
cd "$(dirname "$0")/../.."
O=${O:-build/default}
make -s "$O/perf/ring/ring-bench"
out=perf/results/ring-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
echo "ring-bench: load before the run: $(cut -d' ' -f1-3 /proc/loadavg)" |
	tee "$out/bench.txt"
"$O/perf/ring/ring-bench" --json "$out/bench.json" "$@" | tee -a "$out/bench.txt"
echo "results in $out"
