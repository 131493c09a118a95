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

VM_QUEUES=2
VM_DISK_MB=256
VM_PIDS=()

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
	if [ -n "${VMI_VM_KEEP:-}" ]; then
		echo "vm: kept $VM_WORK" >&2
	else
		rm -rf "$VM_WORK"
	fi
}

vm_setup() {
	VM_O=$1
	VM_KVER=$2
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
		    features flush,fua,discard,write_zeroes,heartbeat
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
