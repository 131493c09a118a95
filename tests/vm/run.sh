#!/usr/bin/env bash
# The QEMU guest tests: Debian's kernel under software emulation (TCG)
# with the vmipv modules, found through the VMI ROM, served by vmi-blkback
# (block) and vmi-netback (network) as the ivshmem servers. Four boots:
#
#   rom      ROM + ivshmem-doorbell: the guest (tests/vm/guest-init.sh)
#            runs fio verify, a flush round trip, discard, write-zeroes,
#            ext4 + fsck, unbind under load, module reload; it flushes a
#            pattern, the host kills the backend (SIGKILL) and checks the
#            pattern in the target file, and the guest checks that its
#            I/O now fails instead of hanging
#   net      ROM + ivshmem-doorbell served by vmi-netback, whose DPDK port
#            is a TAP in a namespace made here: ping, a train of frames
#            nobody answers (the peer must still answer at once), iperf3
#            TCP both ways and UDP (loss measured) against iperf3 servers
#            there, ethtool; the host stops the backend (SIGSTOP: the
#            guest's carrier must drop, then return on SIGCONT, and the
#            time until the peer answers is printed), kills it under a
#            guest flood and plugs the device back with a new backend (the
#            guest lives, vmi0 returns and carries traffic), then the
#            guest unloads vminet under traffic
#   native   no ROM: vmi_core says so, nothing binds the ivshmem device
#   corrupt  a ROM with one field broken (checksum fixed): refused, and
#            the guest names the same field as `vmi-rom verify`
#
# Every check is a "VMITEST <name> PASS|FAIL" line on the serial console;
# the guest also scans its dmesg for BUG/WARNING. Any failure, a missing
# end line, or a host-side check that fails makes the test fail.
#
#   tests/vm/run.sh O KVER      (make check runs it through tests/vm/vm.mk)
#   VMI_VM_KEEP=1 keeps the work folder (serial logs, backend log).
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/lib.sh
. "$here/lib.sh"
vm_setup "${1:-}" "${2:-}"

failures=0
host_check() {
	if [ "$2" = ok ]; then
		echo "HOST $1 PASS"
	else
		echo "HOST $1 FAIL $2"
		failures=$((failures + 1))
	fi
}

# Show a boot's checks and judge them: every line PASS, and the end line.
judge() {
	local name=$1 mode=$2
	grep -a '^VMITEST' "$VM_LOG" | grep -av '^VMITEST-DMESG' | tr -d '\r'
	if ! grep -aq "^VMITEST-END $mode PASS" "$VM_LOG" ||
		grep -aq '^VMITEST .* FAIL' "$VM_LOG"; then
		echo "--- $name: serial console (tail) ---"
		tail -n 60 "$VM_LOG"
		echo "--- QEMU ---"
		cat "$VM_WORK/$name.qemu.log"
		host_check "$name-boot" "guest checks failed or the guest did not finish"
	else
		host_check "$name-boot" ok
	fi
}

# ---- rom: the whole block path ----------------------------------------
vm_backend_start
# shellcheck disable=SC2046 # the argument list is built for splitting
vm_boot rom "vmitest=rom vmidisk=$((VM_DISK_MB << 20))" \
	-option-rom "$VM_ROM" $(vm_ivshmem_args)
if vm_wait_line '^VMITEST-SYNC flushed' 300; then
	# The request kinds reached the backend.
	for what in writes reads flushes discards write_zeroes; do
		n=$(vm_backend_count "$what")
		[ "${n:-0}" -gt 0 ] && r=ok || r="backend saw ${n:-no} $what"
		host_check "backend-$what" "$r"
	done
	line=$(grep -a '^VMITEST-SYNC flushed' "$VM_LOG" | tr -d '\r')
	off=$(echo "$line" | sed -n 's/.*offset=\([0-9]*\).*/\1/p')
	len=$(echo "$line" | sed -n 's/.*len=\([0-9]*\).*/\1/p')
	want=$(echo "$line" | sed -n 's/.*md5=\([0-9a-f]*\).*/\1/p')
	kill -9 "$VM_BACKEND_PID"
	wait "$VM_BACKEND_PID" 2>/dev/null
	got=$(dd if="$VM_DISK" bs=1M skip=$((off >> 20)) count=$((len >> 20)) \
		2>/dev/null | md5sum | cut -d' ' -f1)
	[ "$got" = "$want" ] && r=ok || r="target has md5 $got, the guest flushed $want"
	host_check flushed-data-survives-backend-kill "$r"
else
	host_check flush-sync "the guest never reached the flush point"
fi
vm_wait_qemu 120
judge rom rom
echo "--- vmi_core and vmiblk in the guest's dmesg ---"
grep -a '^VMITEST-DMESG' "$VM_LOG" | grep -a 'vmi' | tr -d '\r' | head -n 20

# ---- net: vmi0 through vmi-netback ---------------------------------------
vm_net_setup
vm_netback_start
vm_iperf_server
# shellcheck disable=SC2046
vm_boot net "vmitest=net vmiperf=3 vmipeer=$VM_NET_PEER" \
	-option-rom "$VM_NET_ROM" $(vm_net_args) $(vm_qmp_args)
if vm_wait_line '^VMITEST-SYNC net-stall' 300; then
	kill -STOP "$VM_NETBACK_PID"
	vm_wait_line '^VMITEST-SYNC net-carrier-down' 30
	kill -CONT "$VM_NETBACK_PID"
	if vm_wait_line '^VMITEST-SYNC net-restart' 120; then
		vm_net_replug && r=ok || r="unplug, new backend, plug failed"
		host_check net-backend-replugged "$r"
		vm_iperf_server_reset
	fi
fi
vm_wait_qemu 300
judge net net
echo "--- vminet in the guest ---"
grep -a '^VMINET\|^VMITEST-DMESG.*vmi[0-9]*:\|^VMITEST-DMESG.*vminet' "$VM_LOG" |
	tr -d '\r' | head -n 30

# ---- native: the same kernel and modules, no ROM ------------------------
vm_backend_start
# shellcheck disable=SC2046
vm_boot native "vmitest=native" $(vm_ivshmem_args)
vm_wait_qemu 120
judge native native
vm_backend_stop

# ---- corrupt: one field broken, the checksum still right ----------------
python3 - "$VM_ROM" "$VM_WORK/corrupt.bin" <<'EOF' || vm_die "cannot corrupt the ROM"
import sys
rom = bytearray(open(sys.argv[1], "rb").read())
rom[0x28] = 9  # ext.flavour: neither process (1) nor qemu-ivshmem (2)
rom[-1] = (rom[-1] - sum(rom)) % 256  # keep the 8-bit sum zero
open(sys.argv[2], "wb").write(rom)
EOF
why=$("$VM_ROMTOOL" verify "$VM_WORK/corrupt.bin" 2>&1 >/dev/null |
	sed 's/^vmi-rom: [^:]*: //')
vm_boot corrupt "vmitest=corrupt" -option-rom "$VM_WORK/corrupt.bin"
vm_wait_qemu 120
judge corrupt corrupt
grep -aqF "($why)" "$VM_LOG" && r=ok || r="the guest's dmesg does not name '$why'"
host_check corrupt-rom-field-named "$r"

if [ $failures -gt 0 ]; then
	echo "--- vmi-blkback ---"
	cat "$VM_WORK/blkback.log"
	echo "--- vmi-netback ---"
	cat "$VM_WORK/netback.log"
	echo "vm: $failures check(s) failed"
	exit 1
fi
echo "vm: all checks passed"
