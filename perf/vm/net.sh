#!/usr/bin/env bash
# The QEMU network peer comparison: in one guest under software emulation,
# iperf3 over vmi0 (vminet.ko, ivshmem, vmi-netback with a net_tap port)
# against iperf3 over a virtio-net NIC (QEMU -netdev tap with its vnet
# header offloads, vhost off: TCG has no vhost), both ending in the same
# host network namespace, where one-shot iperf3 servers answer. Tests: TCP
# guest -> host (tcp-tx) and host -> guest (tcp-rx); each round runs vmi0
# then virtio-net, PAIRS times, and the ratio is taken pair by pair (vCPUs
# change placement: /work/shared/MACHINE-NOTES.md), then the median.
#
#   perf/vm/net.sh [O] [KVER]     after make; O defaults to build/default
#   VMI_PERF_SECS=5 VMI_PERF_PAIRS=3
#
# Writes perf/results/vm-net-STAMP/{raw.txt,results.json,table.md} and
# prints the table. Absolute rates under TCG are low; the ratio is the
# figure.
set -u

# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/../../tests/vm/lib.sh"
vm_perf_start vm-net "$@"
vm_net_setup

vm_netback_start
vm_iperf_server
tap=vmivt$$
# shellcheck disable=SC2046 # argument lists built for splitting
vm_boot netperf "vmitest=netperf vmiperf=$secs vmipairs=$pairs vmipeer=$VM_NET_PEER" \
	-option-rom "$VM_NET_ROM" $(vm_net_args) \
	-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no,vhost=off" \
	-device virtio-net-pci,netdev=n0,bus=pci.0,addr=06.0,mac=52:54:00:12:34:57
# QEMU makes the TAP at start: into the namespace with it, before the
# guest looks for its peer.
for i in $(seq 100); do
	[ -e "/sys/class/net/$tap" ] && break
	sleep 0.1
done
ip link set "$tap" netns "$VM_NETNS" &&
	ip -n "$VM_NETNS" addr add 10.98.0.2/24 dev "$tap" &&
	ip -n "$VM_NETNS" link set "$tap" up ||
	vm_die "cannot move QEMU's TAP $tap into $VM_NETNS"
# 2 tests x 2 devices x pairs x (secs + start-up)
vm_perf_collect netperf $((2 * 2 * pairs * (secs + 10) + 120))

python3 - "$out" <<'EOF'
import json, statistics, sys
out = sys.argv[1]
runs = {}
for line in open(out + "/raw.txt"):
    f = line.split()
    if f[0] != "VMINET":
        continue
    dev, test, rnd, mbps = f[1], f[2], int(f[3]), float(f[4])
    runs.setdefault(test, {}).setdefault(rnd, {})[dev] = mbps
rows = []
for test, rounds in runs.items():
    pairs = [r for r in rounds.values() if "vmi0" in r and "eth0" in r]
    ratios = [p["vmi0"] / p["eth0"] for p in pairs if p["eth0"]]
    rows.append({
        "test": test,
        "unit": "Mbit/s",
        "vmi0": [p["vmi0"] for p in pairs],
        "virtio_net": [p["eth0"] for p in pairs],
        "ratios": [round(r, 3) for r in ratios],
        "median_ratio": round(statistics.median(ratios), 3) if ratios else None,
    })
peer = "virtio-net (QEMU -netdev tap, vnet header offloads, vhost off)"
json.dump({"peer": peer, "rows": rows}, open(out + "/results.json", "w"), indent=1)
with open(out + "/table.md", "w") as t:
    t.write("| test | unit | vmi0 (per pair) | %s (per pair) | ratio per pair | median ratio |\n" % peer)
    t.write("|---|---|---|---|---|---|\n")
    for r in rows:
        t.write("| %s | %s | %s | %s | %s | **%s** |\n" % (
            r["test"], r["unit"], " ".join("%g" % x for x in r["vmi0"]),
            " ".join("%g" % x for x in r["virtio_net"]),
            " ".join("%.2f" % x for x in r["ratios"]), r["median_ratio"]))
print(open(out + "/table.md").read())
EOF
echo "perf/vm: results in $out"
