#!/usr/bin/env bash
# The main job (make demo): build, then run every part of the data path that
# exists in this tree and print what it measured. A part that is not built
# yet is named as missing, never simulated.
set -euo pipefail
O=${1:-build/default}
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

step "wire ABI: include/vmi/ against docs/ABI.md"
"$O/tests/test_abi" docs/ABI.md | tail -n 1

missing=()
for part in shared-ring/vmi_ring.h vmi-core/build.mk host-backends/blk/build.mk \
	host-backends/net/build.mk; do
	[ -e "$part" ] || missing+=("$part")
done
if [ ${#missing[@]} -gt 0 ]; then
	step "not in this tree yet (nothing to run for them): ${missing[*]}"
fi
