#!/usr/bin/env bash
# The VMI64 kernel native against ROM-bound, in the same QEMU (TCG): the
# same bzImage booted without and with the qemu-ivshmem ROM, alternating
# in pairs (A B, B A, ... : vCPUs change placement, see
# /work/shared/MACHINE-NOTES.md). Per boot, from the guest's own clock:
# the time to /init (GetCycleFrequency spares the TSC calibration) and
# N fork/exec of /bin/true (page-table writes, TLB flushes and interrupt
# masking through the ROM). The figure is the ratio native / ROM-bound
# time per pair (above 1: the ROM is faster), then the median.
#
#   perf/vm/vmi64.sh [O]       after make; O defaults to build/default
#   VMI_PERF_PAIRS=5 VMI_PERF_FORKS=1000
#
# Writes perf/results/vm-vmi64-STAMP/{raw.txt,results.json,table.md} and
# prints the table.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/vm/lib.sh
. tests/vm/lib.sh
vm_vmi64_setup "${1:-build/default}"
pairs=${VMI_PERF_PAIRS:-5}
forks=${VMI_PERF_FORKS:-1000}
out=perf/results/vm-vmi64-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"

# run PAIR MODE: one boot; its VMI64P lines, tagged, into raw.txt.
run() {
	local pair=$1 mode=$2 rom_args=()
	[ "$mode" = rom ] && rom_args=(-option-rom "$VM_ROM")
	vm_boot "$mode-$pair" "vmi64perf=$forks" -smp 1 "${rom_args[@]}"
	vm_wait_qemu 600
	grep -q '^VMI64T end' "$VM_LOG" ||
		vm_die "$mode boot of pair $pair did not finish (see $VM_LOG)"
	grep -a '^VMI64P' "$VM_LOG" | tr -d '\r' |
		sed "s/^/$pair $mode /" >>"$out/raw.txt"
	echo "pair $pair $mode: $(grep -a '^VMI64P' "$VM_LOG" | tr -d '\r' | tr '\n' ' ')"
}

for p in $(seq "$pairs"); do
	if [ $((p % 2)) = 1 ]; then
		run "$p" native
		run "$p" rom
	else
		run "$p" rom
		run "$p" native
	fi
done

python3 - "$out" <<'PY'
import json, statistics, sys
out = sys.argv[1]
runs = {}
for line in open(out + "/raw.txt"):
    f = line.split()
    pair, mode, metric, cs = f[0], f[1], f[3], int(f[4])
    runs.setdefault(metric, {}).setdefault(pair, {})[mode] = cs / 100.0
rows = []
for metric, pairs in sorted(runs.items()):
    ok = [p for p in pairs.values() if "native" in p and "rom" in p and p["rom"]]
    ratios = [p["native"] / p["rom"] for p in ok]
    rows.append({
        "metric": metric,
        "native_s": statistics.median(p["native"] for p in ok),
        "rom_s": statistics.median(p["rom"] for p in ok),
        "ratio_native_over_rom": statistics.median(ratios),
        "ratios": ratios,
    })
json.dump(rows, open(out + "/results.json", "w"), indent=1)
with open(out + "/table.md", "w") as t:
    t.write("| metric | native s (median) | ROM-bound s (median) | "
            "native/ROM time, median of pairs | pairs |\n|---|---|---|---|---|\n")
    for r in rows:
        t.write("| %s | %.2f | %.2f | %.3fx | %s |\n" % (
            r["metric"], r["native_s"], r["rom_s"], r["ratio_native_over_rom"],
            " ".join("%.3f" % x for x in r["ratios"])))
print(open(out + "/table.md").read())
PY
echo "perf/vm/vmi64.sh: results in $out"
