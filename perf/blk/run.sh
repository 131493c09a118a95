#!/usr/bin/env bash
# The block path benchmark, one command: builds, runs perf/blk/blk.campaign
# (fio io_uring direct=1 on a disk file and buffered on a /dev/shm file vs
# fio's vmiblk engine through the ring on the same files; fio's null engine
# vs the backend's null target; fio's nbd engine vs the ring into the NBD
# target, on one nbdkit memory server; fio's rbd engine vs the ring into
# the RBD target, on one image of a throwaway one-OSD Ceph cluster
# (tests/blk/ceph-cluster.sh; skipped without Ceph); 4k
# randread/randwrite at iodepth 1 and 32, 128k sequential read; pairs
# alternating), then prints and writes
# blk.json with the figures the issue asks for: IOPS ratios to the
# baseline, the p50 latency overhead at iodepth 1 (median over the pairs
# of ours minus baseline), the null target's IOPS.
#
#   perf/blk/run.sh [--repeats N] [--runtime S] [--out DIR] [--only RE]
#
# --only RE keeps the targets whose names match the extended regular
# expression RE (say '^(ring-)?nbd$' for the NBD pair alone).
#
# Files: a 1 GiB file in /var/tmp (the root disk) and one in /dev/shm;
# an nbdkit memory server on a Unix socket; the Ceph cluster's folder;
# all removed or stopped at the end. Results: perf/results/blk-STAMP/ (campaign
# reports, raw fio JSON, backend stats per run, blk.json).
set -euo pipefail
cd "$(dirname "$0")/../.."

repeats=3 runtime=4 out=perf/results/blk-$(date +%Y%m%d-%H%M%S) only=.
while [ $# -gt 0 ]; do
	case $1 in
	--repeats) repeats=$2; shift 2 ;;
	--runtime) runtime=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	*) echo "usage: $0 [--repeats N] [--runtime S] [--out DIR] [--only RE]" >&2; exit 2 ;;
	esac
done

make -s -j2 all >/dev/null
disk=$(mktemp /var/tmp/vmipv-perf-blk.XXXXXX)
shm=$(mktemp /dev/shm/vmipv-perf-blk.XXXXXX)
conf=$(mktemp /tmp/vmipv-perf-blk.XXXXXX.campaign)
servers=$(mktemp -d /var/tmp/vmipv-perf-blk.XXXXXX)
nbd_pid=
cleanup() {
	[ -z "$nbd_pid" ] || kill "$nbd_pid" 2>/dev/null || true
	[ ! -d "$servers/ceph" ] || tests/blk/ceph-cluster.sh purge "$servers/ceph"
	rm -rf "$disk" "$shm" "$conf" "$servers"
}
trap cleanup EXIT
# fio-host prefills a file that does not exist yet.
rm -f "$disk" "$shm"
# The targets asked for (--only), and the Ceph pair only with Ceph.
sed -e "s|@DISK@|$disk|g" -e "s|@SHM@|$shm|g" \
	-e "s|@NBD@|nbd+unix:///?socket=$servers/nbd.sock|g" -e "s|@RBD@|vmi-perf|g" \
	-e "s|^repeats .*|repeats $repeats|" -e "s|^runtime .*|runtime $runtime|" \
	perf/blk/blk.campaign |
	awk -v re="$only" '$1 != "target" || $2 ~ re' >"$conf"
if grep -q "fio-rbd" "$conf" && ! command -v ceph-osd >/dev/null; then
	echo "run.sh: Ceph is not installed (make deps CEPH=1): no RBD pair" >&2
	sed -i '/fio-rbd\|target=rbd:/d' "$conf"
fi

# The NBD pair's server: nbdkit's memory plugin, prefilled by fio's own
# engine so that reads move data.
if grep -q "fio-nbd" "$conf"; then
	nbdkit --foreground --unix "$servers/nbd.sock" memory 1G \
		>"$servers/nbdkit.log" 2>&1 &
	nbd_pid=$!
	for _ in $(seq 500); do
		[ -S "$servers/nbd.sock" ] && break
		sleep 0.01
	done
	fio --name=prefill --ioengine=nbd --uri="nbd+unix:///?socket=$servers/nbd.sock" \
		--rw=write --bs=1M --size=1G --iodepth=8 >/dev/null
fi
# The RBD pair's cluster and image, prefilled: librbd answers reads of
# unwritten objects with zeroes without asking the OSD.
if grep -q "fio-rbd" "$conf"; then
	mkdir "$servers/ceph"
	tests/blk/ceph-cluster.sh start "$servers/ceph"
	export CEPH_CONF=$servers/ceph/ceph.conf
	rbd create --size 256M rbd/vmi-perf
	fio --name=prefill --ioengine=rbd --clientname=admin --pool=rbd \
		--rbdname=vmi-perf --rw=write --bs=1M --size=256M --iodepth=8 >/dev/null
fi

perf/campaign run "$conf" --out "$out"

python3 - "$out" <<'PY'
import json, os, statistics, sys

out = sys.argv[1]
runs = json.load(open(os.path.join(out, "results.json")))
summary = json.load(open(os.path.join(out, "summary.json")))
pairs = {"ring-disk": "disk", "ring-shm": "shm", "ring-null": "null",
         "ring-nbd": "nbd", "ring-rbd": "rbd"}

def med(xs):
    return statistics.median(xs) if xs else None

by = {(r["cell"], r["target"], r["rep"]): r for r in runs
      if r["status"] == "ok"}
cells = sorted({r["cell"] for r in runs})
doc = {"cells": [], "headline": {}}
print(f"\n{'cell':44} {'target':10} {'IOPS':>10} {'MB/s':>8} {'p50':>8} "
      f"{'p99':>8} {'p99.9':>8} {'ratio':>6} {'dp50':>7}")
for cell in cells:
    for ours, base in pairs.items():
        e = next((x for x in summary if x["cell"] == cell
                  and x["target"] == ours), None)
        b = next((x for x in summary if x["cell"] == cell
                  and x["target"] == base), None)
        if not e or not b or "iops" not in e["metrics"]:
            continue
        dp50 = []
        for rep in range(max(r["rep"] for r in runs) + 1):
            o, bb = by.get((cell, ours, rep)), by.get((cell, base, rep))
            if o and bb and o["metrics"]["lat_p50_us"] is not None and \
                    bb["metrics"]["lat_p50_us"] is not None:
                dp50.append(o["metrics"]["lat_p50_us"]
                            - bb["metrics"]["lat_p50_us"])
        row = {"cell": cell, "target": ours, "baseline": base,
               "ours": {k: v["median"] for k, v in e["metrics"].items()},
               "base": {k: v["median"] for k, v in b["metrics"].items()},
               "iops_ratio": e["ratio"].get("iops", {}).get("median"),
               "iops_ratios": [by[(cell, ours, r)]["metrics"]["iops"] /
                               by[(cell, base, r)]["metrics"]["iops"]
                               for r in range(max(x["rep"] for x in runs) + 1)
                               if (cell, ours, r) in by and
                               (cell, base, r) in by],
               "p50_overhead_us": med(dp50)}
        doc["cells"].append(row)
        for name, m in (("base", row["base"]), ("ours", row["ours"])):
            print(f"{cell.split(':', 1)[1]:44} "
                  f"{ours if name == 'ours' else base:10} {m['iops']:10.0f} "
                  f"{m['bw_mbs']:8.1f} {m['lat_p50_us'] or 0:8.1f} "
                  f"{m['lat_p99_us'] or 0:8.1f} {m['lat_p999_us'] or 0:8.1f}"
                  + (f" {row['iops_ratio']:6.2f} "
                     f"{row['p50_overhead_us']:+7.1f}"
                     if name == "ours" and row["iops_ratio"] else ""))

def find(rw, bs, qd, target):
    for r in doc["cells"]:
        p = dict(kv.split("=") for kv in r["cell"].split(":", 1)[1].split(","))
        if (p["rw"], p["bs"], p["iodepth"], r["target"]) == (rw, bs, qd,
                                                               target):
            return r

h = doc["headline"]
for t in ("ring-disk", "ring-shm"):
    r = find("randread", "4k", "32", t)
    if r:
        h[f"{t} 4k randread qd32 iops ratio (target >= 0.9)"] = r["iops_ratio"]
    r = find("randread", "4k", "1", t)
    if r:
        h[f"{t} 4k randread qd1 p50 overhead us (target < 10)"] = \
            r["p50_overhead_us"]
for t in ("ring-nbd", "ring-rbd"):
    for rw in ("randread", "randwrite"):
        r = find(rw, "4k", "32", t)
        if r:
            h[f"{t} 4k {rw} qd32 iops ratio to fio's own engine "
              "(target >= 0.9)"] = r["iops_ratio"]
r = find("randread", "4k", "32", "ring-null")
if r:
    h["ring-null 4k randread qd32 iops (target > 1M)"] = r["ours"]["iops"]
    h["fio null engine 4k randread qd32 iops"] = r["base"]["iops"]
print("\nheadline:")
for k, v in h.items():
    print(f"  {k}: {v:.3f}" if v is not None else f"  {k}: -")
json.dump(doc, open(os.path.join(out, "blk.json"), "w"), indent=1)
print(f"\n{out}/blk.json, {out}/summary.md")
PY
