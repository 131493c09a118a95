"""From raw fio/iperf3 JSON to medians, ratios, tables, plots, verdicts.

Everything here reads only the results folder, so a report can be made
again (perf/campaign report DIR) and the aggregation is tested on recorded
fixtures.
"""

import json
import os
import statistics
import subprocess

# metric name -> (unit, higher is better)
METRICS = {
    "fio": {"iops": ("IOPS", True), "bw_mbs": ("MB/s", True),
            "lat_p50_us": ("us", False), "lat_p99_us": ("us", False),
            "lat_p999_us": ("us", False)},
    "iperf3": {"gbps": ("Gbit/s", True), "lost_pct": ("%", False),
               "retransmits": ("count", False)},
}


def fio_metrics(doc):
    """IOPS and bandwidth summed over directions; latency percentiles of
    the busiest direction (clat, fio's default percentiles)."""
    job = doc["jobs"][0]
    dirs = [job[d] for d in ("read", "write", "trim") if job[d]["io_bytes"]]
    if not dirs:
        raise ValueError("fio moved no data")
    main = max(dirs, key=lambda d: d["iops"])
    pct = main.get("clat_ns", {}).get("percentile", {})

    def p(key):
        return pct[key] / 1000.0 if key in pct else None

    return {"iops": sum(d["iops"] for d in dirs),
            "bw_mbs": sum(d["bw_bytes"] for d in dirs) / 1e6,
            "lat_p50_us": p("50.000000"), "lat_p99_us": p("99.000000"),
            "lat_p999_us": p("99.900000")}


def iperf3_metrics(doc):
    if "error" in doc:
        raise ValueError("iperf3: " + doc["error"])
    end = doc["end"]
    if doc["start"]["test_start"]["protocol"] == "TCP":
        return {"gbps": end["sum_received"]["bits_per_second"] / 1e9,
                "lost_pct": None,
                "retransmits": end.get("sum_sent", {}).get("retransmits")}
    s = end["sum"]  # UDP
    return {"gbps": s["bits_per_second"] / 1e9,
            "lost_pct": s.get("lost_percent"), "retransmits": None}


def metrics_of(tool, path):
    with open(path) as f:
        doc = json.load(f)
    return fio_metrics(doc) if tool == "fio" else iperf3_metrics(doc)


def _stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values),
            "max": max(values), "n": len(values)}


def aggregate(runs, targets):
    """runs: [{cell, tool, params, target, rep, status, metrics}];
    targets: {name: {"baseline": name or None, ...}}.
    Returns one entry per (cell, target) with per-metric stats, and for a
    target with a baseline the median of the pairwise ratios (repeat i of
    the target over repeat i of the baseline)."""
    by = {}
    for r in runs:
        by.setdefault((r["cell"], r["target"]), []).append(r)
    # Cells in order; in a cell, targets as the campaign file lists them,
    # so each baseline stands right above the targets compared with it.
    order = {name: i for i, name in enumerate(targets)}
    out = []
    for (cell, target), rs in sorted(
            by.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 1e9),
                                        kv[0][1])):
        tool = rs[0]["tool"]
        ok = [r for r in rs if r["status"] == "ok"]
        entry = {"cell": cell, "tool": tool, "params": rs[0]["params"],
                 "target": target, "runs": len(rs), "failed": len(rs) - len(ok),
                 "metrics": {}, "ratio": {}}
        for m in METRICS[tool]:
            st = _stats([r["metrics"].get(m) for r in ok])
            if st:
                entry["metrics"][m] = st
        base = targets.get(target, {}).get("baseline")
        if base:
            brs = {r["rep"]: r for r in by.get((cell, base), [])
                   if r["status"] == "ok"}
            entry["baseline"] = base
            for m in METRICS[tool]:
                ratios = []
                for r in ok:
                    b = brs.get(r["rep"])
                    if not b:
                        continue
                    mv, bv = r["metrics"].get(m), b["metrics"].get(m)
                    if mv is not None and bv:
                        ratios.append(mv / bv)
                st = _stats(ratios)
                if st:
                    entry["ratio"][m] = st
        out.append(entry)
    return out


def _fmt(v):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.3g}"


def markdown(summary):
    """One table per metric: median, min-max, pairwise ratio to baseline."""
    lines = []
    for tool, metrics in METRICS.items():
        entries = [e for e in summary if e["tool"] == tool]
        if not entries:
            continue
        for m, (unit, higher) in metrics.items():
            rows = [e for e in entries if m in e["metrics"]]
            if not rows:
                continue
            better = "higher" if higher else "lower"
            lines += [f"### {tool} {m} ({unit}, {better} is better)", "",
                      "| cell | target | median | min-max | ratio to baseline (median of pairs) | runs |",
                      "|---|---|---|---|---|---|"]
            for e in rows:
                st = e["metrics"][m]
                r = e["ratio"].get(m)
                ratio = (f"{r['median']:.2f}x vs {e['baseline']}"
                         if r else ("baseline" if "baseline" not in e else "-"))
                cell = e["cell"].split(":", 1)[1]
                failed = f" ({e['failed']} failed)" if e["failed"] else ""
                lines.append(f"| {cell} | {e['target']} | {_fmt(st['median'])}"
                             f" | {_fmt(st['min'])}-{_fmt(st['max'])} | {ratio}"
                             f" | {e['runs']}{failed} |")
            lines.append("")
    return "\n".join(lines)


def _plot(outdir, name, title, xlabel, ylabel, series):
    """series: {label: [(x, y)]} -> outdir/name.png through gnuplot."""
    series = {k: sorted(v) for k, v in series.items() if v}
    if not series:
        return None
    dat = os.path.join(outdir, name + ".dat")
    with open(dat, "w") as f:
        for label, pts in series.items():
            f.write(f"# {label}\n")
            for x, y in pts:
                f.write(f"{x} {y}\n")
            f.write("\n\n")
    plots = ", ".join(f"'{dat}' index {i} with linespoints title '{label}'"
                      for i, label in enumerate(series))
    png = os.path.join(outdir, name + ".png")
    script = (f"set terminal png size 900,560\nset output '{png}'\n"
              f"set title '{title}'\nset xlabel '{xlabel}'\n"
              f"set ylabel '{ylabel}'\nset logscale xy\nset grid\n"
              f"set key outside\nplot {plots}\n")
    subprocess.run(["gnuplot"], input=script, text=True, check=True,
                   capture_output=True)
    return png


def plots(summary, outdir):
    """IOPS and latency percentiles against iodepth (one line per target,
    rw and bs), throughput against streams."""
    made = []
    fio = [e for e in summary if e["tool"] == "fio"]
    for metric, title, ylabel in (
            ("iops", "IOPS vs iodepth", "IOPS"),
            ("lat_p50_us", "p50 latency vs iodepth", "us"),
            ("lat_p99_us", "p99 latency vs iodepth", "us")):
        series = {}
        for e in fio:
            if metric not in e["metrics"]:
                continue
            p = e["params"]
            label = f"{e['target']} {p['rw']} {p['bs']} jobs={p['numjobs']}"
            series.setdefault(label, []).append(
                (int(p["iodepth"]), e["metrics"][metric]["median"]))
        png = _plot(outdir, f"fio-{metric}", title, "iodepth", ylabel, series)
        if png:
            made.append(png)
    series = {}
    for e in summary:
        if e["tool"] != "iperf3" or "gbps" not in e["metrics"]:
            continue
        p = e["params"]
        label = f"{e['target']} {p['proto']} {p['direction']} len={p['len']}"
        series.setdefault(label, []).append(
            (int(p["streams"]), e["metrics"]["gbps"]["median"]))
    png = _plot(outdir, "iperf3-gbps", "throughput vs streams", "streams",
                "Gbit/s", series)
    if png:
        made.append(png)
    return made


def compare(old, new, threshold):
    """Cells whose median moved by more than threshold (a fraction) between
    two summaries, worse or better; a cell that lost its result is flagged
    too. Returns (rows, regressions)."""
    def index(summary):
        return {(e["cell"], e["target"]): e for e in summary}

    o, n = index(old), index(new)
    rows, regressions = [], 0
    for key in sorted(set(o) | set(n)):
        eo, en = o.get(key), n.get(key)
        if not eo or not en:
            rows.append((key, "-", None, None, None,
                         "missing in " + ("new" if not en else "old")))
            regressions += not en
            continue
        for m, (unit, higher) in METRICS[eo["tool"]].items():
            mo, mn = eo["metrics"].get(m), en["metrics"].get(m)
            if not mo or not mn or not mo["median"]:
                continue
            change = mn["median"] / mo["median"] - 1
            if abs(change) <= threshold:
                continue
            worse = (change < 0) == higher
            regressions += worse
            rows.append((key, m, mo["median"], mn["median"], change,
                         "REGRESSION" if worse else "improvement"))
    return rows, regressions
