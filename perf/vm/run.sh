#!/usr/bin/env bash
# The QEMU peer comparison: in one guest under software emulation, fio on
# /dev/vmiblk0 (vmiblk.ko, ivshmem, vmi-blkback on io_uring, O_DIRECT)
# against fio on a virtio-blk disk (QEMU's -drive aio=io_uring,cache=none,
# with an iothread: the stronger setting), both raw files in the same work
# folder. Workloads: 4k randread and randwrite at QD1 and QD32, 128k
# sequential read; each run alternates vmiblk then virtio, PAIRS times, and
# the ratio is taken pair by pair (vCPUs change placement: see
# /work/shared/MACHINE-NOTES.md), then the median over pairs.
#
#   perf/vm/run.sh [O] [KVER]     after make; O defaults to build/default
#   VMI_PERF_SECS=5 VMI_PERF_PAIRS=3 VMI_PEER_IOTHREAD=0|1
#
# Writes perf/results/vm-peer-STAMP/{raw.txt,results.json,table.md} and
# prints the table. Absolute numbers under TCG are low; the ratio is the
# figure.
set -u

iothread=${VMI_PEER_IOTHREAD:-1}
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/../../tests/vm/lib.sh"
vm_perf_start vm-peer "$@"

peer=$VM_WORK/peer.img
truncate -s "${VM_DISK_MB}M" "$peer"
if [ "$iothread" = 1 ]; then
	peer_args="-object iothread,id=io0 -device virtio-blk-pci,drive=vd0,iothread=io0,num-queues=$VM_QUEUES,bus=pci.0,addr=05.0"
else
	peer_args="-device virtio-blk-pci,drive=vd0,num-queues=$VM_QUEUES,bus=pci.0,addr=05.0"
fi

vm_backend_start
# shellcheck disable=SC2046,SC2086 # argument lists built for splitting
vm_boot perf "vmitest=perf vmiperf=$secs vmipairs=$pairs" \
	-option-rom "$VM_ROM" $(vm_ivshmem_args) \
	-drive "file=$peer,if=none,id=vd0,format=raw,cache=none,aio=io_uring" \
	$peer_args
# 5 workloads x 2 devices x pairs x (secs + 1 s ramp + start-up)
vm_perf_collect perf $((5 * 2 * pairs * (secs + 6) + 120))

python3 - "$out" "$iothread" <<'EOF'
import json, statistics, sys
out, iothread = sys.argv[1], sys.argv[2] == "1"
runs = {}
for line in open(out + "/raw.txt"):
    f = line.split()
    if f[0] != "VMIPERF":
        continue
    dev, wl, rnd, iops, mibs = f[1], f[2], int(f[3]), int(f[4]), float(f[5])
    runs.setdefault(wl, {}).setdefault(rnd, {})[dev] = (iops, mibs)
rows = []
for wl, rounds in runs.items():
    pairs = [r for r in rounds.values() if "vmiblk0" in r and "vda" in r]
    key = 1 if wl.startswith("seq") else 0
    ratios = [p["vmiblk0"][key] / p["vda"][key] for p in pairs if p["vda"][key]]
    rows.append({
        "workload": wl,
        "unit": "MiB/s" if key else "IOPS",
        "vmiblk": [p["vmiblk0"][key] for p in pairs],
        "virtio_blk": [p["vda"][key] for p in pairs],
        "ratios": [round(r, 3) for r in ratios],
        "median_ratio": round(statistics.median(ratios), 3) if ratios else None,
    })
peer = "virtio-blk (aio=io_uring, cache=none%s)" % (", iothread" if iothread else "")
json.dump({"peer": peer, "rows": rows}, open(out + "/results.json", "w"), indent=1)
with open(out + "/table.md", "w") as t:
    t.write("| workload | unit | vmiblk (per pair) | %s (per pair) | ratio per pair | median ratio |\n" % peer)
    t.write("|---|---|---|---|---|---|\n")
    for r in rows:
        t.write("| %s | %s | %s | %s | %s | **%s** |\n" % (
            r["workload"], r["unit"], " ".join(map(str, r["vmiblk"])),
            " ".join(map(str, r["virtio_blk"])),
            " ".join("%.2f" % x for x in r["ratios"]), r["median_ratio"]))
print(open(out + "/table.md").read())
EOF
echo "perf/vm: results in $out"
