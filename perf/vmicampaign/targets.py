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
import socket
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

    def cell_args(self, cell, s):
        """fio's options for one run of a cell, this target's included."""
        p = cell.params
        return ["--name=" + cell.slug, "--group_reporting", "--time_based",
                f"--runtime={s.runtime}", f"--ramp_time={s.warmup}",
                f"--rw={p['rw']}", f"--bs={p['bs']}",
                f"--iodepth={p['iodepth']}", f"--numjobs={p['numjobs']}"
                ] + self.fio_args()

    def run(self, cell, s, out_json):
        _run(["fio"] + self.cell_args(cell, s) + ["--output-format=json",
             f"--output={out_json}"], timeout=s.warmup + s.runtime + 120)


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


class FioNbd(FioTarget):
    """The NBD baseline: fio's own nbd engine (libnbd) onto an NBD server
    that the campaign's script started (uri=nbd+unix:///?socket=...), the
    same server a fio-vmiblk pair with target= that URI serves."""
    kind = "fio-nbd"

    def __init__(self, name, options, workdir):
        super().__init__(name, options, workdir)
        self.uri = self.opt("uri", None)
        self.size = self.opt("size", "256M")
        self.check_options()
        if not self.uri:
            raise ValueError(f"target '{name}': uri= is required")

    def fio_args(self):
        return ["--ioengine=nbd", f"--uri={self.uri}", f"--size={self.size}"]

    def describe(self):
        return {"kind": self.kind, "uri": self.uri, "size": self.size}


class FioRbd(FioTarget):
    """The RBD baseline: fio's own rbd engine (librbd, as client.admin,
    cluster from $CEPH_CONF) onto an image the campaign's script made and
    prefilled, the same image a fio-vmiblk pair with target=rbd:POOL/IMAGE
    serves. direct=1 (the default) turns librbd's cache off, as the
    backend's RBD target has it."""
    kind = "fio-rbd"

    def __init__(self, name, options, workdir):
        super().__init__(name, options, workdir)
        self.pool = self.opt("pool", "rbd")
        self.image = self.opt("image", None)
        self.size = self.opt("size", "256M")
        self.direct = self.opt("direct", "1")
        self.check_options()
        if not self.image:
            raise ValueError(f"target '{name}': image= is required")

    def fio_args(self):
        return ["--ioengine=rbd", "--clientname=admin", f"--pool={self.pool}",
                f"--rbdname={self.image}", f"--size={self.size}",
                f"--direct={self.direct}"]

    def describe(self):
        return {"kind": self.kind, "pool": self.pool, "image": self.image,
                "size": self.size, "direct": self.direct}


class FioVmiblk(FioTarget):
    """fio through the ring: the vmiblk external engine as a process guest
    of vmi-blkback. setup() writes a machine description, builds its ROM
    with vmi-rom and starts the backend on the file (prefilled, as for
    fio-host, so that a pair can share it), on the null target, or on a
    remote target (target=: an NBD URI or rbd:POOL/IMAGE, which the
    campaign's script provides and prefills); teardown() stops it. After each run the backend's stats (control
    socket) are kept beside fio's JSON as <run>.backend.json."""
    kind = "fio-vmiblk"

    def __init__(self, name, options, workdir):
        super().__init__(name, options, workdir)
        self.file = self.opt("file", os.path.join(workdir, "fio-target.img"))
        self.size = self.opt("size", "256M")
        self.direct = self.opt("direct", "1")
        self.null = self.opt("null", "0")
        self.target = self.opt("target", None)
        self.queues = self.opt("queues", "1")
        self.slots = self.opt("slots", "256")
        self.data = self.opt("data", "8M")
        self.mode = self.opt("mode", "adaptive")  # the backend's
        self.poll_us = self.opt("poll_us", None)
        self.guest_mode = self.opt("guest_mode", "adaptive")
        self.guest_poll_us = self.opt("guest_poll_us", "0")  # 0: default
        root = os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__))))
        build = os.path.join(root, self.opt("build", "build/default"))
        self.check_options()
        self.blkback = os.path.join(build, "host-backends/blk/vmi-blkback")
        self.vmi_rom = os.path.join(build, "vmi-core/vmi-rom")
        self.engine = os.path.join(build, "guest-drivers/user/fio-vmiblk.so")
        tag = f"vmiblk-{name}"
        self.machine = os.path.join(workdir, tag + ".machine")
        self.rom = os.path.join(workdir, tag + ".rom")
        self.sock = os.path.join(workdir, tag + ".sock")
        self.ctl = os.path.join(workdir, tag + ".ctl")
        self.log = os.path.join(workdir, tag + ".log")

    def setup(self):
        for f in (self.blkback, self.vmi_rom, self.engine):
            if not os.path.exists(f):
                raise RunError(f"{f} is missing: run make first")
        lines = ["device blk 0", "transport process", f"socket {self.sock}",
                 f"queues {self.queues}", f"slots {self.slots}",
                 f"data {self.data}",
                 "features flush fua discard write_zeroes get_id indirect "
                 "heartbeat"]
        if self.null == "1":
            lines += ["null", f"size {self.size}"]
        elif self.target:
            lines.append(f"target {self.target}")
        else:
            FioHost.setup(self)
            lines.append(f"target {self.file}")
            if self.direct == "0":
                lines.append("buffered")
        with open(self.machine, "w") as f:
            f.write("\n".join(lines) + "\n")
        _run([self.vmi_rom, "build", "--flavour", "process", "--machine",
              self.machine, "-o", self.rom], 30)
        cmd = [self.blkback, "--machine", self.machine, "--device", "0",
               f"--mode={self.mode}", f"--control={self.ctl}"]
        if self.poll_us is not None:
            cmd.append(f"--poll_us={self.poll_us}")
        log = open(self.log, "w")
        self.procs.append(subprocess.Popen(cmd, stdout=log, stderr=log))
        deadline = time.time() + 10
        while not (os.path.exists(self.sock) and os.path.exists(self.ctl)):
            if self.procs[-1].poll() is not None or time.time() > deadline:
                with open(self.log) as f:
                    raise RunError("vmi-blkback did not start: "
                                   + f.read().strip()[-300:])
            time.sleep(0.02)

    def fio_args(self):
        return [f"--ioengine=external:{self.engine}", f"--rom={self.rom}",
                "--device=0", f"--size={self.size}",
                f"--mode={self.guest_mode}",
                f"--poll_us={self.guest_poll_us}"]

    def run(self, cell, s, out_json):
        if self.procs[-1].poll() is not None:
            raise RunError(f"vmi-blkback exited {self.procs[-1].returncode}")
        super().run(cell, s, out_json)
        with socket.socket(socket.AF_UNIX) as c:
            c.connect(self.ctl)
            data = b""
            while chunk := c.recv(65536):
                data += chunk
        with open(out_json[:-len(".json")] + ".backend.json", "wb") as f:
            f.write(data)

    def describe(self):
        return {"kind": self.kind, "file": None if self.null == "1"
                or self.target else self.file, "target": self.target,
                "size": self.size, "direct": self.direct,
                "null": self.null, "queues": self.queues,
                "slots": self.slots, "data": self.data, "mode": self.mode,
                "poll_us": self.poll_us, "guest_mode": self.guest_mode,
                "guest_poll_us": self.guest_poll_us}


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


REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


class FioVm(FioTarget):
    """fio inside a QEMU guest (software emulation) booting Debian's kernel
    with the tests/vm initramfs, on one disk: device=vmiblk is /dev/vmiblk0
    (the VMI ROM, vmi_core.ko + vmiblk.ko, ivshmem-doorbell, vmi-blkback on
    io_uring with O_DIRECT); device=virtio is /dev/vda, QEMU's virtio-blk
    with aio=io_uring, cache=none and an iothread (its peer). Each target
    boots its own guest on its own prefilled file. The guest runs fio when
    the host writes its options to the second serial port (vmitest=serve in
    tests/vm/guest-init.sh) and answers with fio's JSON."""
    kind = "fio-vm"
    READY_S = 180  # boot under TCG, modules, disks

    def __init__(self, name, options, workdir):
        super().__init__(name, options, workdir)
        self.device = self.opt("device", "vmiblk")
        self.size = self.opt("size", "256M")
        self.queues = self.opt("queues", "2")
        self.build = os.path.join(REPO, self.opt("build", "build/default"))
        self.kver = self.opt("kver", None)
        self.check_options()
        if self.device not in ("vmiblk", "virtio"):
            raise ValueError(f"target '{name}': device={self.device}: "
                             "expected vmiblk or virtio")
        tag = f"vm-{name}"
        self.file = os.path.join(workdir, tag + ".img")
        self.base = os.path.join(workdir, tag)
        self.ctl = None

    def _kver(self):
        if self.kver:
            return self.kver
        heads = sorted(d[len("linux-headers-"):] for d in os.listdir(
            "/usr/src") if d.startswith("linux-headers-") and
            d.endswith("-amd64"))
        if not heads:
            raise RunError("no /usr/src/linux-headers-*-amd64: make deps")
        return heads[-1]

    def _backend(self):
        """vmi-blkback as the ivshmem server of the guest's vmipv disk, and
        QEMU's arguments for the ROM and the ivshmem-doorbell device."""
        blkback = os.path.join(self.build, "host-backends/blk/vmi-blkback")
        rom_tool = os.path.join(self.build, "vmi-core/vmi-rom")
        sock, machine, rom = (self.base + x for x in (".ivshmem.sock",
                                                      ".machine", ".rom"))
        with open(machine, "w") as f:
            f.write(f"device blk 0\n\ttransport ivshmem\n\tsocket {sock}\n"
                    f"\tpci 00:04.0\n\tqueues {self.queues}\n"
                    f"\tslots 64\n\tdata 8M\n\tfeatures flush,fua,"
                    f"discard,write_zeroes,heartbeat\n"
                    f"\ttarget {self.file}\n")
        _run([rom_tool, "build", "--flavour", "qemu-ivshmem", "--machine",
              machine, "-o", rom], 30)
        log = open(self.base + ".blkback.log", "w")
        self.procs.append(subprocess.Popen(
            [blkback, "--machine", machine, "--device", "0"], stdout=log,
            stderr=log))
        deadline = time.time() + 10
        while not os.path.exists(sock):
            if self.procs[-1].poll() is not None or time.time() > deadline:
                raise RunError("vmi-blkback did not start: "
                               + _tail(self.base + ".blkback.log"))
            time.sleep(0.05)
        return ["-option-rom", rom, "-chardev",
                f"socket,path={sock},id=ivs0", "-device",
                "ivshmem-doorbell,chardev=ivs0,vectors="
                f"{int(self.queues) + 1},bus=pci.0,addr=04.0"]

    def setup(self):
        kver = self._kver()
        kernel = f"/boot/vmlinuz-{kver}"
        initrd = os.path.join(self.build, "vm/initramfs.cpio")
        for f in (kernel, initrd):
            if not os.path.exists(f):
                raise RunError(f"{f} is missing: make deps and make")
        FioHost.setup(self)
        if self.device == "vmiblk":
            disk = self._backend()
        else:
            disk = ["-object", "iothread,id=io0", "-drive",
                    f"file={self.file},if=none,id=vd0,format=raw,"
                    "cache=none,aio=io_uring", "-device",
                    f"virtio-blk-pci,drive=vd0,iothread=io0,"
                    f"num-queues={self.queues},bus=pci.0,addr=05.0"]
        console, ctl = self.base + ".console.log", self.base + ".ctl.sock"
        qemu = open(self.base + ".qemu.log", "w")
        self.procs.append(subprocess.Popen(
            ["qemu-system-x86_64", "-accel", "tcg", "-machine", "pc",
             "-m", "1024", "-smp", "2", "-nodefaults", "-display", "none",
             "-no-reboot", "-serial", f"file:{console}", "-chardev",
             f"socket,id=ctl,path={ctl},server=on,wait=off", "-serial",
             "chardev:ctl", "-kernel", kernel, "-initrd", initrd, "-append",
             "console=ttyS0 tsc=reliable quiet panic=-1 vmitest=serve"]
            + disk, stdin=subprocess.DEVNULL, stdout=qemu, stderr=qemu))
        deadline = time.time() + self.READY_S
        while True:
            if os.path.exists(console):
                with open(console, errors="replace") as f:
                    text = f.read()
                if "VMISERVE ready" in text:
                    break
                if "VMITEST-END" in text:
                    raise RunError("the guest gave up: " + _tail(console))
            if self.procs[-1].poll() is not None or time.time() > deadline:
                raise RunError("the guest did not come up: "
                               + _tail(console) + " " + _tail(
                                   self.base + ".qemu.log"))
            time.sleep(0.5)
        self.ctl = socket.socket(socket.AF_UNIX)
        self.ctl.connect(ctl)

    def fio_args(self):
        dev = "/dev/vmiblk0" if self.device == "vmiblk" else "/dev/vda"
        return [f"--filename={dev}", f"--size={self.size}",
                "--ioengine=io_uring", "--direct=1"]

    def run(self, cell, s, out_json):
        self.ctl.sendall((" ".join(self.cell_args(cell, s)) + "\n").encode())
        self.ctl.settimeout(s.warmup + s.runtime + 120)
        data = b""
        try:
            while b"VMISERVE-END" not in data or not data.endswith(b"\n"):
                chunk = self.ctl.recv(65536)
                if not chunk:
                    raise RunError("the guest closed its serial port")
                data += chunk
        except socket.timeout:
            raise RunError("no answer from the guest's fio") from None
        text = data.decode(errors="replace")
        body, end = text.rsplit("VMISERVE-END", 1)
        if end.split()[0] != "0":
            raise RunError(f"fio in the guest failed: {end.strip()}")
        with open(out_json, "w") as f:
            f.write(body[body.index("{"):])

    def teardown(self):
        if self.ctl:
            try:
                self.ctl.sendall(b"quit\n")
            except OSError:
                pass
            self.ctl.close()
            self.ctl = None
            try:
                self.procs[-1].wait(30)  # the guest powers off
            except subprocess.TimeoutExpired:
                pass
        super().teardown()

    def describe(self):
        return {"kind": self.kind, "device": self.device, "size": self.size,
                "queues": self.queues, "kver": self.kver}


def _tail(path, lines=4):
    """The last lines of a log, on one line, for an error message."""
    try:
        with open(path, errors="replace") as f:
            return " | ".join(f.read().strip().splitlines()[-lines:])
    except OSError:
        return f"(no {path})"
HUGEPAGE_LOCK = "/run/lock/vmipv-net-hugepages.lock"


def _hugepages_adjust(delta):
    """Add delta 2 MiB pages to nr_hugepages (others' tests do the same,
    under the same lock); returns how many were really added."""
    import fcntl
    with open(HUGEPAGE_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with open("/proc/sys/vm/nr_hugepages") as f:
            before = int(f.read())
        with open("/proc/sys/vm/nr_hugepages", "w") as f:
            f.write(str(max(0, before + delta)))
        with open("/proc/sys/vm/nr_hugepages") as f:
            return int(f.read()) - before


class Iperf3Vmipv(Iperf3Veth):
    """iperf3 over vmipv: the client namespace holds vminet-tap's TAP, the
    server namespace vmi-netback and the interface of its DPDK port
    (net_tap); hugepages on a private hugetlbfs mount. Everything is
    created at setup and removed at teardown."""
    kind = "iperf3-vmipv"
    PAGES = 128

    def __init__(self, name, options, workdir):
        options = dict(options)
        own = {k: options.pop(k, d) for k, d in (
            ("pairs", "1"), ("slots", "256"), ("data", "16M"),
            ("mode", "adaptive"), ("poll_us", "50"),
            ("build", "build/default"))}
        super().__init__(name, options, workdir)
        self.__dict__.update(own)
        self.tag = f"{os.getpid()}-{Iperf3Vmipv._next_id}"
        self.server_if = f"vs{self.tag}"
        self.client_if = f"vc{self.tag}"
        self.prefix = f"vmic{self.tag}"
        self.huge = os.path.join(workdir, f"huge-{self.tag}")
        self.pages = 0
        self.mounted = False

    def _bin(self, rel):
        path = os.path.join(REPO, self.build, rel)
        if not os.access(path, os.X_OK):
            raise RunError(f"{path} not built: run make")
        return path

    def _wait(self, cond, what, proc, log, timeout=10):
        """Wait for cond(); a process that dies first fails the setup with
        the end of its log, which the teardown removes with the workdir."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if cond():
                return
            if proc.poll() is not None:
                raise RunError(f"{what} exited {proc.returncode}: "
                               + _tail(log))
            time.sleep(0.1)
        raise RunError(f"{what}: not ready after {timeout}s")

    def setup(self):
        netback = self._bin("host-backends/net/vmi-netback")
        tap = self._bin("guest-drivers/user/vminet-tap")
        rom_tool = self._bin("vmi-core/vmi-rom")
        for ns in (self.ns_client, self.ns_server):
            _run(["ip", "netns", "add", ns], 10)
            self.created.append(ns)
            _run(["ip", "-n", ns, "link", "set", "lo", "up"], 10)
        self.pages = _hugepages_adjust(self.PAGES)
        with open("/sys/kernel/mm/hugepages/hugepages-2048kB/"
                  "free_hugepages") as f:
            free = int(f.read())
        if free < self.PAGES:
            raise RunError(f"{free} free 2 MiB hugepages after adding "
                           f"{self.pages}, vmi-netback needs {self.PAGES}")
        os.makedirs(self.huge, exist_ok=True)
        _run(["mount", "-t", "hugetlbfs", "-o",
              f"pagesize=2M,size={self.PAGES * 2}M", "nodev", self.huge], 10)
        self.mounted = True
        machine = os.path.join(self.workdir, f"{self.tag}.machine")
        rom = os.path.join(self.workdir, f"{self.tag}.rom")
        sock = os.path.join(self.workdir, f"{self.tag}.sock")
        with open(machine, "w") as f:
            f.write(f"device net 0\n\ttransport process\n\tsocket {sock}\n"
                    f"\tqueues {2 * int(self.pairs)}\n\tslots {self.slots}\n"
                    f"\tdata {self.data}\n\tfeatures csum guest_csum "
                    f"host_tso4 guest_tso4\n\tmtu {self.mtu}\n"
                    f"\tport net_tap0,iface={self.server_if}\n")
        _run([rom_tool, "build", "--flavour", "process", "--machine",
              machine, "-o", rom], 30)
        blog = os.path.join(self.workdir, f"{self.tag}.netback.log")
        log = open(blog, "w")
        backend = subprocess.Popen(
            ["ip", "netns", "exec", self.ns_server, netback, "-l", "0,1",
             "--file-prefix", self.prefix, "--huge-dir", self.huge,
             "-m", "128", "--log-level=lib.eal:error", "--",
             "--machine", machine, "--device", "0", "--mode", self.mode,
             "--poll-us", self.poll_us], stdout=log, stderr=log)
        self.procs.append(backend)
        self._wait(lambda: os.path.exists(sock), "vmi-netback", backend,
                   blog)
        tlog = os.path.join(self.workdir, f"{self.tag}.tap.log")
        log = open(tlog, "w")
        guest = subprocess.Popen(
            [tap, "--rom", rom, "--netns", self.ns_client, "--ifname",
             self.client_if, "--mode", self.mode, "--poll-us",
             self.poll_us], stdout=log, stderr=log)
        self.procs.append(guest)
        self._wait(lambda: subprocess.run(
            ["ip", "-n", self.ns_client, "link", "show", self.client_if],
            capture_output=True).returncode == 0, "vminet-tap", guest, tlog)
        for ns, dev, addr in ((self.ns_client, self.client_if,
                               "10.77.0.1/24"),
                              (self.ns_server, self.server_if,
                               "10.77.0.2/24")):
            _run(["ip", "-n", ns, "addr", "add", addr, "dev", dev], 10)
            _run(["ip", "-n", ns, "link", "set", dev, "up"], 10)
        _run(["ip", "netns", "exec", self.ns_client, "ping", "-c", "1",
              "-W", "5", self.server_addr], 10)

    def teardown(self):
        super().teardown()  # the processes, then the namespaces
        if self.mounted:
            subprocess.run(["umount", self.huge], capture_output=True)
            self.mounted = False
        shutil.rmtree(os.path.join("/var/run/dpdk", self.prefix),
                      ignore_errors=True)
        if self.pages:
            _hugepages_adjust(-self.pages)
            self.pages = 0

    def describe(self):
        return {"kind": self.kind, "mtu": self.mtu, "pairs": self.pairs,
                "slots": self.slots, "data": self.data, "mode": self.mode,
                "poll_us": self.poll_us, "port": "net_tap"}


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


KINDS = {k.kind: k for k in (FioHost, FioNull, FioVmiblk, FioVm, Iperf3Veth,
                             Iperf3Vmipv, FioNbd, FioRbd)}


def make(target, workdir):
    return KINDS[target.kind](target.name, target.options, workdir)


def have(prog):
    return shutil.which(prog) is not None
