#!/usr/bin/python3
"""Part (a) of perf/net/run.sh: packet rate from a guest into a host that
drops, ours against DPDK's virtio/vhost-user pair, on the same cores.

  ours  vminet-gen --flood SIZE (pinned to CPU 0) -> the ring ->
        vmi-netback (-l 0,1: its worker on lcore 1) -> net_null
  peer  dpdk-testpmd net_virtio_user txonly (forwarding on lcore 0) ->
        vhost-user socket -> dpdk-testpmd net_vhost rxonly (lcore 1)

Both of ours wait adaptively (poll for --poll-us, then arm the ring's
event index and sleep on the eventfd); the worker's and the guest's sleep
counts are kept with each run. testpmd always polls.

For each size and repeat the two run back to back, ours first on even
repeats and the peer first on odd ones, with a cache-line ping-pong
reading (ring-bench's pp1) taken before each pair: the two vCPUs drift
between a near and a far placement, so only the ratio inside a pair
means something. The peer's rate is the mean of testpmd's per-second
Rx-pps readings on the vhost side without the first and the last (partial
seconds); ours is vminet-gen's completed packets over its window.

  perf/net/pps.py --out DIR [--repeats N] [--seconds S] [--sizes 64,1500]
                  [--poll-us N]

Writes DIR/pps.json; every process started here is stopped by PID, and
the hugetlbfs mounts, DPDK runtime folders and hugepages taken are given
back whatever happens.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

from vmicampaign.targets import (REPO, RunError,  # noqa: E402
                                 _hugepages_adjust, _run)

MOUNT_PAGES = 48  # 2 MiB pages per DPDK process (each asks -m 64)
MBUFS = "8192"  # testpmd's pool: its default does not fit in 64 MiB


def leaked_pages():
    """2 MiB pages in use above nr_hugepages: what a killed run's mount
    still holds. Whoever grows the pool by N from nr_hugepages gets N
    minus these, so they are added on top (perf/net/run.sh does the same
    around the iperf3 campaign)."""
    with open("/proc/meminfo") as f:
        total = int(re.search(r"HugePages_Total:\s+(\d+)", f.read())[1])
    with open("/proc/sys/vm/nr_hugepages") as f:
        return max(0, total - int(f.read()))


def stop(p, sig=signal.SIGTERM, wait=10):
    """Stop one process we started; its exit code."""
    if p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(wait)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return p.returncode


class Bench:
    def __init__(self, a):
        self.a = a
        b = os.path.join(REPO, a.build)
        self.netback = os.path.join(b, "host-backends/net/vmi-netback")
        self.gen = os.path.join(b, "guest-drivers/user/vminet-gen")
        self.rom_tool = os.path.join(b, "vmi-core/vmi-rom")
        self.ring_bench = os.path.join(b, "perf/ring/ring-bench")
        for f in (self.netback, self.gen, self.rom_tool):
            if not os.access(f, os.X_OK):
                raise RunError(f"{f} not built: run make")
        if not shutil.which("dpdk-testpmd"):
            raise RunError("dpdk-testpmd not installed (package dpdk)")
        self.tmp = tempfile.mkdtemp(prefix="vmipv-perf-net.")
        self.pages = 0
        self.mounts = []
        self.prefixes = []
        self.backend = None

    # -- the world: hugepages, mounts, the backend --

    def mount(self, name):
        d = os.path.join(self.tmp, name)
        os.mkdir(d)
        # min_size: the pages are reserved to this mount from now on.
        size = f"{MOUNT_PAGES * 2}M"
        try:
            _run(["mount", "-t", "hugetlbfs", "-o",
                  f"pagesize=2M,size={size},min_size={size}", "nodev", d],
                 10)
        except RunError as e:
            raise RunError(f"cannot reserve {MOUNT_PAGES} 2 MiB hugepages "
                           f"for {d}: {e}")
        self.mounts.append(d)
        return d

    def prefix(self, name):
        p = f"vmipn{os.getpid()}{name}"
        if p not in self.prefixes:
            self.prefixes.append(p)
        return p

    def setup(self):
        self.pages = _hugepages_adjust(3 * MOUNT_PAGES + leaked_pages())
        self.huge_nb = self.mount("huge-netback")
        self.huge_vhost = self.mount("huge-vhost")
        self.huge_virtio = self.mount("huge-virtio")
        machine = os.path.join(self.tmp, "null.machine")
        self.rom = os.path.join(self.tmp, "null.rom")
        self.sock = os.path.join(self.tmp, "null.sock")
        self.ctl = os.path.join(self.tmp, "null.ctl")
        with open(machine, "w") as f:
            f.write(f"device net 0\n\ttransport process\n"
                    f"\tsocket {self.sock}\n\tqueues 2\n\tslots 256\n"
                    f"\tdata 8M\n\tfeatures csum mtu\n\tmtu 1500\n"
                    f"\tport net_null0\n")
        _run([self.rom_tool, "build", "--flavour", "process", "--machine",
              machine, "-o", self.rom], 30)
        log = open(os.path.join(self.tmp, "netback.log"), "w")
        self.backend = subprocess.Popen(
            [self.netback, "-l", "0,1", "--main-lcore", "0",
             "--file-prefix", self.prefix("nb"), "--huge-dir", self.huge_nb,
             "-m", "64", "--log-level=lib.eal:error", "--",
             "--machine", machine, "--device", "0", "--mode", "adaptive",
             "--poll-us", str(self.a.poll_us), "--control", self.ctl],
            stdout=log, stderr=log)
        deadline = time.time() + 15
        while not (os.path.exists(self.sock) and os.path.exists(self.ctl)):
            if self.backend.poll() is not None or time.time() > deadline:
                raise RunError("vmi-netback did not start: "
                               + self.log_tail("netback.log"))
            time.sleep(0.05)

    def teardown(self):
        rc = None
        if self.backend:
            rc = stop(self.backend)
        for d in reversed(self.mounts):
            subprocess.run(["umount", d], capture_output=True)
        for p in self.prefixes:
            shutil.rmtree(os.path.join("/var/run/dpdk", p),
                          ignore_errors=True)
        if self.pages:
            _hugepages_adjust(-self.pages)
        shutil.rmtree(self.tmp, ignore_errors=True)
        return rc

    def log_tail(self, name, n=400):
        with open(os.path.join(self.tmp, name)) as f:
            return f.read().strip()[-n:]

    # -- one measurement each --

    def stats(self):
        with socket.socket(socket.AF_UNIX) as c:
            c.settimeout(5)
            c.connect(self.ctl)
            data = b""
            while chunk := c.recv(65536):
                data += chunk
        return json.loads(data)

    def ours(self, size):
        before = self.stats()
        p = _run(["taskset", "-c", "0", self.gen, "--rom", self.rom,
                  "--flood", str(size), "--seconds", str(self.a.seconds),
                  "--mode", "adaptive", "--poll-us", str(self.a.poll_us)],
                 timeout=self.a.seconds + 30)
        g = json.loads(p.stdout.strip().splitlines()[-1])
        after = self.stats()
        w0 = {w["lcore"]: w for w in before["workers"]}
        workers = [{"lcore": w["lcore"],
                    "sleeps": w["sleeps"] - w0[w["lcore"]]["sleeps"],
                    "wakeups": w["wakeups"] - w0[w["lcore"]]["wakeups"]}
                   for w in after["workers"]]
        errors = (after["totals"]["tx_errors"]
                  - before["totals"]["tx_errors"])
        if g["tx_inval"] or g["tx_dropped"] or errors:
            raise RunError(f"ours {size} B: {g['tx_inval']} refused, "
                           f"{g['tx_dropped']} dropped, {errors} errors")
        return {"mpps": g["mpps"], "guest": g, "workers": workers}

    def testpmd(self, tag, lcores, huge, vdev, fwd, log):
        """One testpmd, its forwarding core the second of lcores, its
        stats every second into log."""
        with open(log, "w") as f:
            return subprocess.Popen(
                ["dpdk-testpmd", "-l", lcores, "--main-lcore",
                 lcores.split(",")[0], "--file-prefix", self.prefix(tag),
                 "--huge-dir", huge, "--no-pci", "--single-file-segments",
                 "-m", "64", "--log-level=lib.eal:error", "--vdev", vdev,
                 "--", *fwd, "--stats-period", "1", "--nb-cores=1",
                 f"--total-num-mbufs={MBUFS}"],
                stdin=subprocess.DEVNULL, stdout=f, stderr=f)

    def peer(self, size):
        vsock = os.path.join(self.tmp, "vhost.sock")
        vlog = os.path.join(self.tmp, "vhost.log")
        vhost = self.testpmd("vh", "0,1", self.huge_vhost,
                             f"net_vhost0,iface={vsock},queues=1",
                             ["--forward-mode=rxonly"], vlog)
        try:
            deadline = time.time() + 15
            while not os.path.exists(vsock):
                if vhost.poll() is not None or time.time() > deadline:
                    raise RunError("testpmd vhost did not start: "
                                   + self.log_tail("vhost.log"))
                time.sleep(0.05)
            virtio = self.testpmd(
                "vu", "1,0", self.huge_virtio,
                f"net_virtio_user0,path={vsock},queues=1",
                ["--forward-mode=txonly", f"--txpkts={size}"],
                os.path.join(self.tmp, "virtio.log"))
            # startup (about 1-2 s) + the window + a second at each end
            try:
                virtio.wait(self.a.seconds + 4)
                raise RunError("testpmd virtio-user exited "
                               f"{virtio.returncode}: "
                               + self.log_tail("virtio.log"))
            except subprocess.TimeoutExpired:
                pass
            stop(virtio, signal.SIGINT)
        finally:
            stop(vhost, signal.SIGINT)
            # What a testpmd left behind would hold the next one's pages.
            for tag, huge in (("vh", self.huge_vhost),
                              ("vu", self.huge_virtio)):
                shutil.rmtree(os.path.join("/var/run/dpdk",
                                           self.prefix(tag)),
                              ignore_errors=True)
                for f in os.listdir(huge):
                    os.unlink(os.path.join(huge, f))
        with open(vlog) as f:
            pps = [int(x) for x in re.findall(r"Rx-pps:\s+(\d+)", f.read())]
        busy = [x for x in pps if x > 0]
        # A zero inside the window: testpmd stalled, the reading is wrong.
        if len(busy) < 3 or 0 in pps[pps.index(busy[0]):
                                     len(pps) - pps[::-1].index(busy[-1])]:
            raise RunError(f"peer {size} B: Rx-pps readings {pps}")
        inner = busy[1:-1]
        return {"mpps": statistics.mean(inner) / 1e6, "rx_pps": pps}

    def pingpong(self):
        """One cache-line ping-pong reading between CPUs 0 and 1 (ns),
        None if ring-bench is not there or says nothing."""
        if not os.access(self.ring_bench, os.X_OK):
            return None
        out = os.path.join(self.tmp, "pp.json")
        try:
            _run([self.ring_bench, "--only", "rtt", "--rounds", "1",
                  "--rtts", "2000", "--pp-iters", "20000", "--json", out],
                 30)
            with open(out) as f:
                return json.load(f)["pairs"][0]["pp1_ns"]
        except (RunError, OSError, KeyError, IndexError, ValueError):
            return None


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.
                                 RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=4)
    ap.add_argument("--sizes", default="64,1500")
    ap.add_argument("--poll-us", type=int, default=50)
    ap.add_argument("--build", default="build/default")
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    os.makedirs(a.out, exist_ok=True)

    doc = {"what": "packet rate, guest -> host that drops: vminet-gen -> "
           "ring -> vmi-netback -> net_null vs testpmd net_virtio_user "
           "txonly -> vhost-user -> net_vhost rxonly",
           "cpus": {"guest / virtio-user forwarding": 0,
                    "netback worker / vhost forwarding": 1},
           "seconds": a.seconds, "repeats": a.repeats,
           "poll_us": a.poll_us, "runs": [], "sizes": {}}
    b = Bench(a)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        b.setup()
        for size in sizes:
            ratios = []
            for rep in range(a.repeats):
                order = ("ours", "peer") if rep % 2 == 0 else ("peer", "ours")
                pair = {"size": size, "rep": rep, "order": order,
                        "pp1_ns": b.pingpong()}
                for side in order:
                    try:
                        pair[side] = getattr(b, side)(size)
                    except RunError as e:
                        pair[side] = {"error": str(e)}
                    print(f"  {size:5} B rep {rep} {side:4}: "
                          + (f"{pair[side]['mpps']:.3f} Mpps"
                             if "mpps" in pair[side]
                             else pair[side]["error"]), file=sys.stderr)
                if "mpps" in pair["ours"] and "mpps" in pair["peer"]:
                    pair["ratio"] = pair["ours"]["mpps"] / \
                        pair["peer"]["mpps"]
                    ratios.append(pair["ratio"])
                doc["runs"].append(pair)

            def med(side):
                xs = [r[side]["mpps"] for r in doc["runs"]
                      if r["size"] == size and "mpps" in r[side]]
                return statistics.median(xs) if xs else None
            doc["sizes"][str(size)] = {
                "ours_mpps_median": med("ours"),
                "peer_mpps_median": med("peer"),
                "ratios": ratios,
                "ratio_median": statistics.median(ratios) if ratios
                else None}
    finally:
        rc = b.teardown()
        doc["netback_exit"] = rc
    with open(os.path.join(a.out, "pps.json"), "w") as f:
        json.dump(doc, f, indent=1)
    return 0 if all(s["ratio_median"] is not None
                    for s in doc["sizes"].values()) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RunError as e:
        print(f"pps: {e}", file=sys.stderr)
        sys.exit(1)
