#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded number of executions, starting
# from its kept corpus (read-only here: new inputs go to a temporary
# directory, so a test run never changes the tree).
#
#   run-fuzzer.sh BINARY CORPUS_DIR [RUNS]
#
# Fails if the target crashes, leaks or trips a sanitizer; libFuzzer then
# leaves the crashing input in the temporary directory and prints its path.
set -eu
bin=$1 corpus=$2 runs=${3:-20000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/new"
"$bin" -runs="$runs" -max_total_time=120 -rss_limit_mb=2048 \
	-artifact_prefix="$work/" "$work/new" "$corpus"
