#!/usr/bin/env bash
# Smoke run of ring-bench (not a measurement): a tiny run must finish and
# write well-formed JSON with one pair per test and finite figures.
#
#   smoke.sh BENCH_BINARY
set -eu
bench=$1
if [ "$(nproc)" -lt 2 ]; then
	echo "smoke.sh: ring-bench needs two CPUs, this machine has $(nproc)" >&2
	exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bench" --rounds 1 --items 10000 --rtts 1000 --pp-iters 1000 \
	--json "$work/bench.json" >"$work/bench.txt"
cat "$work/bench.txt"
python3 - "$work/bench.json" <<'PY'
import json, math, sys

d = json.load(open(sys.argv[1]))
tests = {p["test"] for p in d["pairs"]}
want = {"tput-8B-b1", "tput-8B-b8", "tput-8B-b32", "tput-64B-b1",
        "tput-64B-b8", "tput-64B-b32", "rtt-8B-b1"}
assert tests == want, f"tests {sorted(tests)}"
for p in d["pairs"]:
    assert p["placement"] in ("near", "far", "mixed"), p
    for k in ("pp1_ns", "pp2_ns", "ours_ns", "rte_ns", "ratio"):
        assert math.isfinite(p[k]) and p[k] > 0, (p["test"], k, p[k])
    if p["test"].startswith("tput"):
        assert p["ours_push_ns"] > 0, p
for s in d["summary"]:
    assert s["pairs"] >= 1 and s["placement"] in ("near", "far", "mixed", "all")
assert any(s["placement"] == "all" for s in d["summary"])
print("smoke.sh: JSON well-formed,", len(d["pairs"]), "pairs")
PY
