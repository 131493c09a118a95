#!/usr/bin/env bash
# The network path benchmark, one command:
#
#   (a) packet rate, 64 and 1500 bytes, from the guest-side generator
#       (vminet-gen --flood) through the ring into vmi-netback with a
#       net_null port, against DPDK's own pair, dpdk-testpmd
#       net_virtio_user -> vhost-user socket -> net_vhost, on the same
#       cores (perf/net/pps.py);
#   (b) iperf3 TCP, one and four streams, both directions, through
#       vminet-tap + vmi-netback (net_tap port) against iperf3 over a plain
#       veth pair (perf/net/iperf3.campaign through perf/campaign).
#
# Ours and the peer alternate in pairs (A B, then B A), each figure is the
# median of the pairwise ratios ours/peer: the two vCPUs drift between
# placements whose rates differ by 3x, so nothing else is stable. Both of
# our sides wait adaptively (poll, then sleep on the eventfd).
#
#   perf/net/run.sh [--repeats N] [--seconds S] [--poll-us N] [--out DIR]
#                   [--only pps|iperf3]
#
# Results: perf/results/net-STAMP/ with pps/pps.json (every pair, the
# ping-pong reading taken with it, guest and worker sleep counts),
# iperf3/ (the campaign's raw iperf3 JSON, summary.md, plots) and net.json
# (the headline ratios); the table is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."

repeats=5 seconds=4 poll_us=50 only=
out=perf/results/net-$(date +%Y%m%d-%H%M%S)
usage() {
	echo "usage: $0 [--repeats N] [--seconds S] [--poll-us N] [--out DIR] [--only pps|iperf3]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--repeats) repeats=$2 ;;
	--seconds) seconds=$2 ;;
	--poll-us) poll_us=$2 ;;
	--out) out=$2 ;;
	--only) only=$2 ;;
	*) usage ;;
	esac
	shift 2
done
[ "$(id -u)" = 0 ] || {
	echo "$0: needs root (hugepages, namespaces, TAP)" >&2
	exit 1
}

# Absolute: the campaign mounts hugetlbfs under it, and DPDK's --huge-dir
# must name the mount as /proc/mounts does.
out=$(realpath -m "$out")
O=build/default
make -s -j2 "$O/host-backends/net/vmi-netback" \
	"$O/guest-drivers/user/vminet-gen" "$O/guest-drivers/user/vminet-tap" \
	"$O/vmi-core/vmi-rom" "$O/perf/ring/ring-bench" >/dev/null
mkdir -p "$out"
echo "load before the run: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/load.txt"

if [ "$only" != iperf3 ]; then
	echo "== (a) packet rate: vminet-gen -> vmi-netback (net_null) vs testpmd virtio-user -> vhost-user"
	perf/net/pps.py --out "$out/pps" --repeats "$repeats" \
		--seconds "$seconds" --poll-us "$poll_us"
fi
if [ "$only" != pps ]; then
	echo "== (b) iperf3 TCP: vminet-tap + vmi-netback (net_tap) vs veth"
	conf=$(mktemp /tmp/vmipv-perf-net.XXXXXX.campaign)
	# The vmipv target grows the pool by what it needs; pages a killed run
	# still holds would come out of that: hold as many more meanwhile.
	hp() { python3 -c "import sys; sys.path[:0] = ['perf', 'perf/net']; import pps; $1"; }
	held=$(hp 'print(pps._hugepages_adjust(pps.leaked_pages()))')
	trap 'rm -f "$conf"; hp "pps._hugepages_adjust(-$held)" >/dev/null' EXIT
	sed -e "s|^repeats .*|repeats $repeats|" \
		-e "s|^target vmipv iperf3-vmipv .*|& poll_us=$poll_us|" \
		perf/net/iperf3.campaign >"$conf"
	perf/campaign run "$conf" --out "$out/iperf3" >"$out/iperf3.log"
fi
echo "load after the run: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/load.txt"

python3 - "$out" <<'PY'
import json, os, sys

out = sys.argv[1]
doc = {"headline": {}, "pps": None, "iperf3": []}
h = doc["headline"]
rows = []
pps = os.path.join(out, "pps", "pps.json")
if os.path.exists(pps):
    doc["pps"] = json.load(open(pps))
    for size, s in doc["pps"]["sizes"].items():
        h[f"{size}B pps ratio vs virtio-user/vhost-user"
          + (" (target >= 1.0)" if size == "64" else "")] = s["ratio_median"]
        rows.append((f"pps {size} B", "Mpps", s["ours_mpps_median"],
                     s["peer_mpps_median"], s["ratio_median"],
                     " ".join(f"{r:.2f}" for r in s["ratios"])))
summary = os.path.join(out, "iperf3", "summary.json")
if os.path.exists(summary):
    entries = json.load(open(summary))
    runs = json.load(open(os.path.join(out, "iperf3", "results.json")))
    for e in entries:
        if e["target"] != "vmipv" or "gbps" not in e["metrics"]:
            continue
        b = next(x for x in entries if x["cell"] == e["cell"]
                 and x["target"] == e["baseline"])
        p = e["params"]
        ok = {(r["target"], r["rep"]): r["metrics"]["gbps"] for r in runs
              if r["cell"] == e["cell"] and r["status"] == "ok"}
        ratios = [ok[("vmipv", i)] / ok[("veth", i)]
                  for i in sorted({k[1] for k in ok})
                  if ("vmipv", i) in ok and ("veth", i) in ok]
        r = e["ratio"].get("gbps", {}).get("median")
        row = {"streams": int(p["streams"]), "direction": p["direction"],
               "ours_gbps": e["metrics"]["gbps"]["median"],
               "veth_gbps": b["metrics"]["gbps"]["median"],
               "ratios": ratios, "ratio_median": r}
        doc["iperf3"].append(row)
        name = f"iperf3 TCP {p['streams']} stream(s) {p['direction']}"
        h[f"{name} ratio vs veth"
          + (" (target >= 0.5)" if p["streams"] == "1" else "")] = r
        rows.append((name, "Gbit/s", row["ours_gbps"], row["veth_gbps"], r,
                     " ".join(f"{x:.2f}" for x in ratios)))

def f(v, fmt):
    return format(v, fmt) if v is not None else "-"

print(f"\n{'what':32} {'unit':7} {'ours':>8} {'peer':>8} {'ratio':>6}  pairs")
for name, unit, o, p, r, pairs in rows:
    print(f"{name:32} {unit:7} {f(o, '8.3f')} {f(p, '8.3f')} "
          f"{f(r, '6.2f')}  {pairs}")
print("(ratio: median of the pairwise ratios ours/peer; peer = testpmd "
      "virtio-user -> vhost-user for pps, veth for iperf3)")
json.dump(doc, open(os.path.join(out, "net.json"), "w"), indent=1)
print(f"\n{out}/net.json")
PY
