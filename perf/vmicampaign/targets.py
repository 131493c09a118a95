"""Target kinds: what a campaign runs its matrices against.

A kind is a class with setup(), run(cell, settings, out_json) and
teardown(). setup() starts what the target needs (backends, guests,
namespaces), teardown() stops exactly what setup() started. run() writes the
tool's raw JSON to out_json and raises RunError on failure. Adding a kind is
one class and one line in KINDS.
"""

import os
import shutil
import signal
import subprocess
import time


class RunError(Exception):
    """One run failed; the campaign records it and goes on."""


def _run(cmd, timeout, **kw):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=timeout, **kw)
    except subprocess.TimeoutExpired:
        raise RunError(f"{cmd[0]} timed out after {timeout}s")
    if p.returncode != 0:
        tail = (p.stderr or p.stdout).strip().splitlines()[-3:]
        raise RunError(f"{' '.join(cmd[:3])}... exited {p.returncode}: "
                       + " | ".join(tail))
    return p


class Target:
    tool = None

    def __init__(self, name, options, workdir):
        self.name = name
        self.options = dict(options)
        self.workdir = workdir
        self.procs = []

    def opt(self, key, default):
        return self.options.pop(key, default)

    def check_options(self):
        if self.options:
            raise ValueError(f"target '{self.name}': unknown option(s) "
                             f"{', '.join(sorted(self.options))}")

    def setup(self):
        pass

    def teardown(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.procs = []

    def describe(self):
        return {"kind": self.kind}


class FioTarget(Target):
    """fio with some engine on some file; subclasses set the engine."""
    tool = "fio"

    def fio_args(self):
        raise NotImplementedError

    def run(self, cell, s, out_json):
        p = cell.params
        cmd = ["fio", "--name=" + cell.slug, "--group_reporting",
               "--time_based", f"--runtime={s.runtime}",
               f"--ramp_time={s.warmup}", f"--rw={p['rw']}",
               f"--bs={p['bs']}", f"--iodepth={p['iodepth']}",
               f"--numjobs={p['numjobs']}", "--output-format=json",
               f"--output={out_json}"] + self.fio_args()
        _run(cmd, timeout=s.warmup + s.runtime + 120)


class FioHost(FioTarget):
    """The baseline: fio's own engine (io_uring by default) on a host file,
    prefilled so that reads touch real data."""
    kind = "fio-host"

    def __init__(self, name, options, workdir):
        super().__init__(name, options, workdir)
        self.file = self.opt("file", os.path.join(workdir, "fio-target.img"))
        self.size = self.opt("size", "256M")
        self.direct = self.opt("direct", "1")
        self.engine = self.opt("engine", "io_uring")
        self.check_options()

    def setup(self):
        if not os.path.exists(self.file):
            _run(["fio", "--name=prefill", f"--filename={self.file}",
                  f"--size={self.size}", "--rw=write", "--bs=1M",
                  "--ioengine=psync", "--end_fsync=1"], timeout=600)

    def fio_args(self):
        return [f"--filename={self.file}", f"--size={self.size}",
                f"--ioengine={self.engine}", f"--direct={self.direct}"]

    def describe(self):
        return {"kind": self.kind, "file": self.file, "size": self.size,
                "direct": self.direct, "engine": self.engine}


class FioNull(FioTarget):
    """fio's null engine: the cost of fio itself, the transport ceiling's
    baseline."""
    kind = "fio-null"

    def __init__(self, name, options, workdir):
        super().__init__(name, options, workdir)
        self.size = self.opt("size", "1G")
        self.check_options()

    def fio_args(self):
        return ["--ioengine=null", f"--size={self.size}"]


class Iperf3Veth(Target):
    """The network baseline: iperf3 between two namespaces joined by a veth
    pair, both created here and removed at teardown."""
    tool = "iperf3"
    kind = "iperf3-veth"
    _next_id = 0

    def __init__(self, name, options, workdir):
        super().__init__(name, options, workdir)
        self.mtu = self.opt("mtu", "1500")
        self.check_options()
        Iperf3Veth._next_id += 1
        tag = f"{os.getpid()}-{Iperf3Veth._next_id}"
        self.ns_client = f"vmic-c-{tag}"
        self.ns_server = f"vmic-s-{tag}"
        self.server_addr = "10.77.0.2"
        self.created = []

    def setup(self):
        ip = ["ip"]
        for ns in (self.ns_client, self.ns_server):
            _run(ip + ["netns", "add", ns], 10)
            self.created.append(ns)
        _run(ip + ["-n", self.ns_client, "link", "add", "veth0", "type",
                   "veth", "peer", "name", "veth1", "netns", self.ns_server],
             10)
        for ns, dev, addr in ((self.ns_client, "veth0", "10.77.0.1/24"),
                              (self.ns_server, "veth1", "10.77.0.2/24")):
            _run(ip + ["-n", ns, "link", "set", dev, "mtu", self.mtu], 10)
            _run(ip + ["-n", ns, "addr", "add", addr, "dev", dev], 10)
            _run(ip + ["-n", ns, "link", "set", dev, "up"], 10)
            _run(ip + ["-n", ns, "link", "set", "lo", "up"], 10)

    def client_ns(self):
        return self.ns_client

    def server_ns(self):
        return self.ns_server

    def run(self, cell, s, out_json):
        run_iperf3(self.server_ns(), self.client_ns(), self.server_addr,
                   cell, s, out_json)

    def teardown(self):
        super().teardown()
        for ns in reversed(self.created):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        self.created = []

    def describe(self):
        return {"kind": self.kind, "mtu": self.mtu}


def _wait_listening(ns, port, server, timeout=10):
    """Wait until the one-shot server listens, or fail if it died."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.poll() is not None:
            raise RunError(f"iperf3 server exited {server.returncode}")
        ss = subprocess.run(["ip", "netns", "exec", ns, "ss", "-Hltn",
                             f"sport = :{port}"], capture_output=True,
                            text=True)
        if ss.stdout.strip():
            return
        time.sleep(0.05)
    raise RunError(f"iperf3 server not listening on port {port} after "
                   f"{timeout}s")


def run_iperf3(server_ns, client_ns, addr, cell, s, out_json):
    """One iperf3 measurement: a one-shot server (long-lived 3.12 servers
    sometimes stall the next client) and a client, each in its namespace."""
    p = cell.params
    port = "5201"
    server = subprocess.Popen(["ip", "netns", "exec", server_ns, "iperf3",
                               "-s", "-1", "-p", port],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        cmd = ["ip", "netns", "exec", client_ns, "iperf3", "-c", addr,
               "-p", port, "-J", "-t", str(s.runtime), "-O", str(s.warmup),
               "-P", p["streams"], "-l", p["len"]]
        if p["proto"] == "udp":
            cmd += ["-u", "-b", p["rate"]]
        if p["direction"] == "down":
            cmd.append("-R")
        _wait_listening(server_ns, port, server)
        out = _run(cmd, timeout=s.warmup + s.runtime + 60)
        with open(out_json, "w") as f:
            f.write(out.stdout)
    finally:
        if server.poll() is None:
            server.terminate()
        server.wait()


KINDS = {k.kind: k for k in (FioHost, FioNull, Iperf3Veth)}


def make(target, workdir):
    return KINDS[target.kind](target.name, target.options, workdir)


def have(prog):
    return shutil.which(prog) is not None
