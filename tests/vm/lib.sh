# Shared by tests/vm/run.sh and perf/vm/run.sh (sourced, bash): a work
# folder, the machine description of one ivshmem block device, its ROM,
# vmi-blkback as the ivshmem server, and QEMU under software emulation
# booting Debian's kernel with the test initramfs. Everything started here
# is stopped by PID and the work folder removed on exit.
#
#   vm_setup O KVER    paths and prerequisites; exits 77 when a facility
#                      (QEMU, the kernel image) is missing
#   vm_backend_start   vmi-blkback on $VM_WORK/ivshmem.sock
#   vm_boot NAME APPEND [QEMU ARGS...]   start QEMU, serial to NAME.log
#   vm_wait_qemu SECONDS
#
# The network device (vm_net_setup first): a second machine description and
# ROM, one ivshmem net device at 00:05.0 served by vmi-netback, whose DPDK
# port is a net_tap interface in a network namespace made here (hugepages:
# nr_hugepages raised by what the backend takes, a private hugetlbfs mount).
#
#   vm_net_setup         namespace, hugepages, machine, ROM; 77 if missing
#   vm_netback_start     vmi-netback (and $VMI_NETBACK_ARGS); its TAP gets
#                        10.99.0.2/24
#   vm_iperf_server      one-shot iperf3 servers, one after the other
#   vm_iperf_server_reset  stop the server running (the loop starts anew)
#   vm_net_args          QEMU's arguments for the device (id vminet0)
#   vm_qmp JSON...       commands on QEMU's monitor
#   vm_net_replug        backend killed, device unplugged, new backend,
#                        device plugged again

VM_QUEUES=2
VM_DISK_MB=256
VM_PIDS=()
VM_NET_PAIRS=2
VM_NETBACK_PAGES=32 # 2 MiB pages: vmi-netback -m 64
VM_NET_HUGEPAGES=40 # what we add to nr_hugepages: those, and slack
VM_NETNS=
VM_NET_PEER=10.99.0.2

vm_die() {
	echo "vm: $*" >&2
	exit 1
}

vm_skip() {
	echo "vm: $*" >&2
	exit 77
}

vm_cleanup() {
	local pid
	for pid in "${VM_PIDS[@]}"; do
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ -n "$VM_NETNS" ]; then
		ip netns pids "$VM_NETNS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$VM_NETNS" 2>/dev/null
	fi
	if [ -n "${VM_HUGE:-}" ]; then
		umount "$VM_HUGE" 2>/dev/null
		rm -rf "/var/run/dpdk/$VM_DPDK_PREFIX"
		net_hugepages_give
	fi
	if [ -n "${VMI_VM_KEEP:-}" ]; then
		echo "vm: kept $VM_WORK" >&2
	else
		rm -rf "$VM_WORK"
	fi
}

vm_setup() {
	VM_O=$1
	VM_KVER=$2
	[ -n "$VM_O" ] || vm_die "usage: run.sh BUILD_DIR KVER"
	# An empty version means make found no linux-headers-*-amd64 when it
	# read the fragments (tests/vm/vm.mk); say so instead of booting nothing.
	[ -n "$VM_KVER" ] ||
		vm_skip "no kernel version: no /usr/src/linux-headers-*-amd64 (make deps)"
	VM_KERNEL=/boot/vmlinuz-$VM_KVER
	VM_INITRAMFS=$VM_O/vm/initramfs.cpio
	VM_ROMTOOL=$VM_O/vmi-core/vmi-rom
	VM_BLKBACK=$VM_O/host-backends/blk/vmi-blkback
	command -v qemu-system-x86_64 >/dev/null ||
		vm_skip "qemu-system-x86_64 is not installed (make deps)"
	[ -r "$VM_KERNEL" ] ||
		vm_skip "no $VM_KERNEL to boot (linux-image-amd64 of the headers' version $VM_KVER)"
	local f
	for f in "$VM_INITRAMFS" "$VM_ROMTOOL" "$VM_BLKBACK"; do
		[ -e "$f" ] || vm_die "$f is missing: run make first"
	done
	VM_WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmi-vm.XXXXXX")
	trap vm_cleanup EXIT
	VM_DISK=$VM_WORK/disk.img
	truncate -s "${VM_DISK_MB}M" "$VM_DISK"
	VM_MACHINE=$VM_WORK/machine.conf
	cat >"$VM_MACHINE" <<-EOF
		# One block device for a QEMU guest: an ivshmem-doorbell at 00:04.0
		# whose server is vmi-blkback.
		device blk 0
		    transport ivshmem
		    socket $VM_WORK/ivshmem.sock
		    pci 00:04.0
		    queues $VM_QUEUES
		    slots 64
		    data 8M
		    features flush,fua,discard,write_zeroes,get_id,topology,multi_range,config_wce,heartbeat
		    target $VM_DISK
	EOF
	VM_ROM=$VM_WORK/rom.bin
	"$VM_ROMTOOL" build --flavour qemu-ivshmem --machine "$VM_MACHINE" \
		-o "$VM_ROM" || vm_die "vmi-rom build failed"
}

vm_backend_start() {
	rm -f "$VM_WORK/ivshmem.sock"
	"$VM_BLKBACK" --machine "$VM_MACHINE" --device 0 \
		--stats="$VM_WORK/stats.json" "$@" 2>>"$VM_WORK/blkback.log" &
	VM_BACKEND_PID=$!
	VM_PIDS+=("$VM_BACKEND_PID")
	local i
	for i in $(seq 100); do
		[ -S "$VM_WORK/ivshmem.sock" ] && return 0
		kill -0 "$VM_BACKEND_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$VM_WORK/blkback.log" >&2
	vm_die "vmi-blkback did not start"
}

vm_backend_stop() {
	kill -TERM "$VM_BACKEND_PID" 2>/dev/null
	wait "$VM_BACKEND_PID" 2>/dev/null
}

# The backend's counters, summed over queues: vm_backend_count flushes
vm_backend_count() {
	rm -f "$VM_WORK/stats.json"
	kill -USR1 "$VM_BACKEND_PID"
	local i
	for i in $(seq 50); do
		[ -s "$VM_WORK/stats.json" ] && break
		sleep 0.1
	done
	jq "[.queues[].$1] | add" "$VM_WORK/stats.json"
}

# vm_boot NAME APPEND [QEMU ARGS...]: QEMU in the background; its serial
# console goes to $VM_WORK/NAME.log.
vm_boot() {
	local name=$1 append=$2
	shift 2
	VM_LOG=$VM_WORK/$name.log
	qemu-system-x86_64 -accel tcg -machine pc -m 1024 -smp 2 \
		-nodefaults -display none -no-reboot \
		-serial "file:$VM_LOG" -kernel "$VM_KERNEL" \
		-initrd "$VM_INITRAMFS" \
		-append "console=ttyS0 tsc=reliable quiet panic=-1 $append" \
		"$@" </dev/null >"$VM_WORK/$name.qemu.log" 2>&1 &
	VM_QEMU_PID=$!
	VM_PIDS+=("$VM_QEMU_PID")
}

# QEMU's arguments for the vmipv device: the ivshmem-doorbell whose
# server is the backend, at the PCI address the ROM names.
vm_ivshmem_args() {
	echo "-chardev socket,path=$VM_WORK/ivshmem.sock,id=ivs0" \
		"-device ivshmem-doorbell,chardev=ivs0,vectors=$((VM_QUEUES + 1)),bus=pci.0,addr=04.0"
}

# Wait for a line matching $1 in the serial log, at most $2 seconds.
vm_wait_line() {
	local i
	for i in $(seq $(($2 * 5))); do
		grep -q -- "$1" "$VM_LOG" 2>/dev/null && return 0
		kill -0 "$VM_QEMU_PID" 2>/dev/null || break
		sleep 0.2
	done
	grep -q -- "$1" "$VM_LOG" 2>/dev/null
}

vm_wait_qemu() {
	local i
	for i in $(seq $(($1 * 5))); do
		kill -0 "$VM_QEMU_PID" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$VM_QEMU_PID" 2>/dev/null; then
		echo "vm: QEMU still running after $1 s: killed" >&2
		kill -9 "$VM_QEMU_PID"
	fi
	wait "$VM_QEMU_PID" 2>/dev/null
}

# ---- the network device ---------------------------------------------------

vm_net_setup() {
	VM_NETBACK=$VM_O/host-backends/net/vmi-netback
	[ -x "$VM_NETBACK" ] || vm_die "$VM_NETBACK is missing: run make first"
	local t
	for t in ip iperf3 python3; do
		command -v $t >/dev/null || vm_skip "$t is not installed"
	done
	grep -q hugetlbfs /proc/filesystems || vm_skip "no hugetlbfs"
	[ -c /dev/net/tun ] || vm_skip "no /dev/net/tun"
	# The hugepage bookkeeping of tests/net, shared with its tests.
	# shellcheck source=tests/net/lib.sh
	. "$(dirname "${BASH_SOURCE[0]}")/../net/lib.sh"
	VM_DPDK_PREFIX=vmivm$$
	VM_NETNS=vmivm-$$
	ip netns add "$VM_NETNS" || vm_die "cannot add netns $VM_NETNS"
	ip -n "$VM_NETNS" link set lo up
	VM_HUGE=$VM_WORK/huge
	mkdir "$VM_HUGE"
	vm_hugepages_take
	mount -t hugetlbfs -o pagesize=2M,size=$((VM_NET_HUGEPAGES * 2))M \
		nodev "$VM_HUGE" || vm_skip "cannot mount hugetlbfs"
	VM_NET_MACHINE=$VM_WORK/net.conf
	cat >"$VM_NET_MACHINE" <<-EOF
		# One network device for a QEMU guest: an ivshmem-doorbell at
		# 00:05.0 whose server is vmi-netback, its port a TAP.
		device net 0
		    transport ivshmem
		    socket $VM_WORK/net.sock
		    pci 00:05.0
		    queues $((2 * VM_NET_PAIRS))
		    slots 256
		    data 16M
		    features csum guest_csum host_tso4 host_tso6 guest_tso4 guest_tso6 heartbeat
		    mtu 1500
		    mac 52:54:00:12:34:56
		    port net_tap0,iface=vmitap$$
	EOF
	VM_NET_ROM=$VM_WORK/net-rom.bin
	"$VM_ROMTOOL" build --flavour qemu-ivshmem --machine "$VM_NET_MACHINE" \
		-o "$VM_NET_ROM" || vm_die "vmi-rom build (net) failed"
}

# Raise nr_hugepages by VM_NET_HUGEPAGES under tests/net's lock and
# bookkeeping (net_hugepages_give undoes it), then ask only for what the
# backend maps: pages another run leaked in its own mount do not count.
vm_hugepages_take() {
	local cur free
	exec 9>"$NET_LOCK"
	flock 9
	cur=$(cat /proc/sys/vm/nr_hugepages)
	echo $((cur + VM_NET_HUGEPAGES)) >/proc/sys/vm/nr_hugepages
	NET_HUGE_ADDED=$(($(cat /proc/sys/vm/nr_hugepages) - cur))
	flock -u 9
	free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
	[ "$free" -ge "$VM_NETBACK_PAGES" ] ||
		vm_skip "only $free free hugepages of 2 MiB, $VM_NETBACK_PAGES needed"
}

vm_netback_start() {
	rm -f "$VM_WORK/net.sock"
	# nsenter execs (ip netns exec forks): the PID is the backend's.
	nsenter --net="/run/netns/$VM_NETNS" "$VM_NETBACK" -l 0,1 \
		--file-prefix "$VM_DPDK_PREFIX" --huge-dir "$VM_HUGE" \
		-m $((VM_NETBACK_PAGES * 2)) \
		--log-level=lib.eal:error -- --machine "$VM_NET_MACHINE" \
		--device 0 --stats "$VM_WORK/netstats.json" ${VMI_NETBACK_ARGS:-} \
		>>"$VM_WORK/netback.log" 2>&1 &
	VM_NETBACK_PID=$!
	VM_PIDS+=("$VM_NETBACK_PID")
	local i
	for i in $(seq 100); do
		[ -S "$VM_WORK/net.sock" ] && break
		kill -0 "$VM_NETBACK_PID" 2>/dev/null || break
		sleep 0.1
	done
	[ -S "$VM_WORK/net.sock" ] || {
		cat "$VM_WORK/netback.log" >&2
		vm_die "vmi-netback did not start"
	}
	ip -n "$VM_NETNS" addr add "$VM_NET_PEER/24" dev "vmitap$$" &&
		ip -n "$VM_NETNS" link set "vmitap$$" up ||
		vm_die "cannot address vmitap$$ in $VM_NETNS"
}

# One-shot servers (a long-lived iperf3 3.12 server sometimes stalls the
# next client), restarted after each client; killed with the namespace.
vm_iperf_server() {
	ip netns exec "$VM_NETNS" sh -c \
		'while :; do iperf3 -s -1 >/dev/null 2>&1; sleep 0.1; done' &
	VM_PIDS+=("$!")
}

# A UDP test whose client died (the guest's flood over a replugged
# device) keeps its server busy: stop the servers running, the loop
# starts a fresh one.
vm_iperf_server_reset() {
	local pid
	for pid in $(ip netns pids "$VM_NETNS"); do
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = iperf3 ] && kill "$pid"
	done
	return 0
}

vm_net_args() {
	echo "-chardev socket,path=$VM_WORK/net.sock,id=ivsnet" \
		"-device ivshmem-doorbell,chardev=ivsnet,vectors=$((2 * VM_NET_PAIRS + 1)),bus=pci.0,addr=05.0,id=vminet0"
}

vm_qmp_args() {
	echo "-qmp unix:$VM_WORK/qmp.sock,server=on,wait=off"
}

# vm_qmp JSON...: each command on QEMU's monitor ($VM_WORK/qmp.sock) in
# turn; prints each reply's return value, fails on the first error.
vm_qmp() {
	python3 - "$VM_WORK/qmp.sock" "$@" <<'PY'
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rw")
def call(cmd):
    f.write(cmd + "\n")
    f.flush()
    while True:
        m = json.loads(f.readline())
        if "event" not in m:
            return m
json.loads(f.readline())  # the greeting
call('{"execute": "qmp_capabilities"}')
for cmd in sys.argv[2:]:
    if cmd.startswith("pin-fds "):
        # QEMU 7.2's ivshmem leaves its vector eventfds' handlers behind
        # when the device goes: fill the freed descriptor numbers with
        # eventfds nobody writes (held by QEMU under getfd names), so
        # that the next device's descriptors do not land on them.
        for i in range(int(cmd.split()[1])):
            fd = os.eventfd(0)
            msg = '{"execute": "getfd", "arguments": {"fdname": "pin%d-%d"}}' % (os.getpid(), i)
            socket.send_fds(s, [msg.encode() + b"\n"], [fd])
            os.close(fd)
            while True:
                m = json.loads(f.readline())
                if "event" not in m:
                    break
            if "error" in m:
                sys.exit("qmp: getfd: %s" % m["error"])
        continue
    r = call(cmd)
    if "error" in r:
        sys.exit("qmp: %s: %s" % (cmd, r["error"]))
    print(json.dumps(r["return"]))
PY
}

# The backend dies (SIGKILL) under the guest's traffic; the device is
# unplugged (the guest's ACPI hotplug removes it, vminet unbinds), a new
# backend starts, and a new device is plugged at the same address.
vm_net_replug() {
	local i
	kill -9 "$VM_NETBACK_PID"
	wait "$VM_NETBACK_PID" 2>/dev/null
	vm_qmp '{"execute": "device_del", "arguments": {"id": "vminet0"}}' \
		>/dev/null || return 1
	for i in $(seq 300); do
		vm_qmp '{"execute": "qom-get", "arguments": {"path": "/machine/peripheral/vminet0", "property": "type"}}' \
			>/dev/null 2>&1 || break
		sleep 0.2
	done
	vm_qmp '{"execute": "chardev-remove", "arguments": {"id": "ivsnet"}}' \
		"pin-fds 32" >/dev/null || return 1
	vm_netback_start
	vm_qmp "{\"execute\": \"chardev-add\", \"arguments\": {\"id\": \"ivsnet\", \"backend\": {\"type\": \"socket\", \"data\": {\"server\": false, \"addr\": {\"type\": \"unix\", \"data\": {\"path\": \"$VM_WORK/net.sock\"}}}}}}" \
		"{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"ivshmem-doorbell\", \"id\": \"vminet0\", \"chardev\": \"ivsnet\", \"vectors\": $((2 * VM_NET_PAIRS + 1)), \"bus\": \"pci.0\", \"addr\": \"05.0\"}}" \
		>/dev/null
}

# ---- the peer comparisons (perf/vm) ----------------------------------------

# vm_perf_start NAME [O] [KVER]: from the source tree's root, vm_setup with
# O (build/default) and KVER (the Makefile's), $secs and $pairs from
# VMI_PERF_SECS (5) and VMI_PERF_PAIRS (3), $out a new
# perf/results/NAME-STAMP folder.
# vm_vmi64_setup O: the VMI64 kernel ($O/vmi64/bzImage), a busybox
# initramfs whose /init is tests/vm/vmi64-init.sh, and the qemu-ivshmem ROM
# of one block device in $VM_ROM (the kernel binds the ROM's CPU calls; no
# device is served). The work folder is removed at exit.
vm_vmi64_setup() {
	local root f
	VM_KERNEL=$1/vmi64/bzImage
	VM_ROMTOOL=$1/vmi-core/vmi-rom
	command -v qemu-system-x86_64 >/dev/null ||
		vm_skip "qemu-system-x86_64 is not installed (make deps)"
	for f in "$VM_KERNEL" "$VM_ROMTOOL" /bin/busybox; do
		[ -e "$f" ] || vm_die "$f is missing: run make first"
	done
	VM_WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmi-vmi64.XXXXXX")
	trap vm_cleanup EXIT
	root=$VM_WORK/root
	mkdir -p "$root"/{bin,proc,sys,dev}
	cp /bin/busybox "$root/bin/"
	cp "$(dirname "${BASH_SOURCE[0]}")/vmi64-init.sh" "$root/init"
	VM_INITRAMFS=$VM_WORK/initramfs.cpio
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) \
		>"$VM_INITRAMFS" || vm_die "cannot build the initramfs"
	cat >"$VM_WORK/machine.conf" <<-EOF
		device blk 0
		    transport ivshmem
		    socket $VM_WORK/ivshmem.sock
		    pci 00:04.0
		    queues 1
		    slots 64
		    data 1M
		    target /dev/null
	EOF
	VM_ROM=$VM_WORK/rom.bin
	"$VM_ROMTOOL" build --flavour qemu-ivshmem \
		--machine "$VM_WORK/machine.conf" -o "$VM_ROM" ||
		vm_die "vmi-rom build failed"
}

vm_perf_start() {
	cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
	vm_setup "${2:-build/default}" \
		"${3:-$(make -s --no-print-directory print-VMI_KVER)}"
	secs=${VMI_PERF_SECS:-5}
	pairs=${VMI_PERF_PAIRS:-3}
	out=perf/results/$1-$(date +%Y%m%d-%H%M%S)
	mkdir -p "$out"
}

# vm_perf_collect MODE SECONDS: wait for the guest, keep its result lines
# (VMIPERF, VMINET, VMITEST) in $out/raw.txt; fail unless it passed.
vm_perf_collect() {
	vm_wait_qemu "$2"
	grep -a '^VMIPERF\|^VMINET\|^VMITEST' "$VM_LOG" | tr -d '\r' >"$out/raw.txt"
	if ! grep -q "^VMITEST-END $1 PASS" "$out/raw.txt"; then
		tail -n 40 "$VM_LOG"
		echo "perf/vm: the guest run failed (log above)" >&2
		exit 1
	fi
}
