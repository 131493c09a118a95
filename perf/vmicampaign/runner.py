"""Runs a campaign: sets its targets up, walks the matrix in alternating
pairs with a progress line, keeps every raw result, survives failed runs,
and writes the reports."""

import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import time

from . import report, targets as tkinds
from .spec import tool_of

PACKAGES = ("fio", "iperf3", "liburing-dev", "libdpdk-dev", "qemu-system-x86",
            "linux-image-amd64", "gcc")


def environment(campaign, objs):
    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True,
                                  check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return None

    cpu = None
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f
                        if l.startswith("model name")), None)
    except OSError:
        pass
    versions = {}
    for p in PACKAGES:
        versions[p] = out(["dpkg-query", "-W", "-f=${Version}", p])
    rev = out(["git", "rev-parse", "HEAD"])
    dirty = out(["git", "status", "--porcelain", "--untracked-files=no"])
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "kernel": platform.release(), "cpu": cpu, "cpus": os.cpu_count(),
        "packages": versions,
        "git": {"rev": rev, "dirty": bool(dirty)},
        "settings": {"repeats": campaign.repeats, "warmup": campaign.warmup,
                     "runtime": campaign.runtime},
        "targets": {n: dict(o.describe(),
                            baseline=campaign.target(n).baseline)
                    for n, o in objs.items()},
    }


def plan(campaign):
    """(cell, target, rep) in run order: for each cell and repeat, every
    target of the cell's tool, the order reversed on odd repeats
    (A B, B A, ...) so that neither side always runs first. Each baseline
    is followed by the targets compared with it, so that the runs of a
    pair stay adjacent when a campaign has several pairs."""
    order = []
    for cell in campaign.cells:
        defined = [t.name for t in campaign.targets_for(cell.tool)]

        def pair_first(n):
            t = campaign.target(n)
            return (defined.index(t.baseline or n), t.baseline is not None)

        names = sorted(defined, key=pair_first)
        for rep in range(campaign.repeats):
            for n in (names if rep % 2 == 0 else names[::-1]):
                order.append((cell, n, rep))
    return order


def _hms(s):
    s = int(s)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def run(campaign, outdir, progress=sys.stderr):
    os.makedirs(os.path.join(outdir, "raw"), exist_ok=True)
    workdir = os.path.join(outdir, "work")
    os.makedirs(workdir, exist_ok=True)
    with open(os.path.join(outdir, "campaign.conf"), "w") as f:
        f.write(campaign.text)

    objs = {t.name: tkinds.make(t, workdir) for t in campaign.targets}
    setup_error = {}
    runs = []
    try:
        for name, o in objs.items():
            try:
                o.setup()
            except (tkinds.RunError, OSError) as e:
                setup_error[name] = f"setup failed: {e}"
                print(f"campaign: target {name}: {setup_error[name]}",
                      file=progress)
        with open(os.path.join(outdir, "env.json"), "w") as f:
            json.dump(environment(campaign, objs), f, indent=2)

        order = plan(campaign)
        start = time.time()
        for i, (cell, name, rep) in enumerate(order):
            elapsed = time.time() - start
            left = elapsed / i * (len(order) - i) if i else \
                len(order) * (campaign.warmup + campaign.runtime)
            progress.write(f"\r[{i + 1}/{len(order)}] {_hms(elapsed)} "
                           f"elapsed, ~{_hms(left)} left | {cell.key} | "
                           f"{name} rep {rep + 1}/{campaign.repeats}\033[K")
            progress.flush()
            raw = os.path.join("raw", cell.slug, f"{name}-r{rep}.json")
            os.makedirs(os.path.join(outdir, os.path.dirname(raw)),
                        exist_ok=True)
            r = {"cell": cell.key, "tool": cell.tool, "params": cell.params,
                 "target": name, "rep": rep, "raw": raw, "metrics": {}}
            try:
                if name in setup_error:
                    raise tkinds.RunError(setup_error[name])
                objs[name].run(cell, campaign, os.path.join(outdir, raw))
                r["metrics"] = report.metrics_of(cell.tool,
                                                 os.path.join(outdir, raw))
                r["status"] = "ok"
            except (tkinds.RunError, ValueError, KeyError, OSError,
                    json.JSONDecodeError) as e:
                r["status"] = "failed"
                r["error"] = str(e)
                progress.write(f"\ncampaign: {cell.key} on {name} rep "
                               f"{rep + 1} failed: {e}\n")
            runs.append(r)
        progress.write(f"\r[{len(order)}/{len(order)}] done in "
                       f"{_hms(time.time() - start)}\033[K\n")
    finally:
        for o in reversed(list(objs.values())):
            o.teardown()
        shutil.rmtree(workdir, ignore_errors=True)
        with open(os.path.join(outdir, "results.json"), "w") as f:
            json.dump(runs, f, indent=1)
    return write_reports(outdir)


def write_reports(outdir):
    """(Re)make summary.json, summary.md and the plots from results.json."""
    with open(os.path.join(outdir, "results.json")) as f:
        runs = json.load(f)
    # Metrics come from the raw files, so a report always reflects them.
    for r in runs:
        if r["status"] == "ok":
            r["metrics"] = report.metrics_of(r["tool"],
                                             os.path.join(outdir, r["raw"]))
    with open(os.path.join(outdir, "env.json")) as f:
        env = json.load(f)
    summary = report.aggregate(runs, env["targets"])
    with open(os.path.join(outdir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    md = report.markdown(summary)
    with open(os.path.join(outdir, "summary.md"), "w") as f:
        f.write(f"# Campaign results ({env['date']}, git "
                f"{(env['git']['rev'] or '?')[:12]})\n\n{md}\n")
    if shutil.which("gnuplot"):
        report.plots(summary, outdir)
    return summary, md
