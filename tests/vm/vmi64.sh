#!/usr/bin/env bash
# The VMI64 guest kernel ($O/vmi64/bzImage) under QEMU (TCG), four boots of
# the same bzImage with a busybox initramfs whose /init is
# tests/vm/vmi64-init.sh:
#
#   native   no ROM: one vmi64 line says there is none, nothing is bound
#   rom      the qemu-ivshmem ROM, -smp 2: the bound line names the calls;
#            /proc/vmi64_calls shows CPU, MMU and interrupt calls ran (the
#            interrupt-mask calls on every boot), SetPxE and FlushTLB grow
#            across 200 fork/exec of /bin/true; both CPUs came up
#   major3   the ROM with api_version_maj 3, checksum fixed: refused in
#            one line naming the field, the kernel runs native
#   checksum the ROM with one byte changed: SeaBIOS does not load it, the
#            kernel finds no ROM and runs native
#
#   tests/vm/vmi64.sh O
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/lib.sh
. "$here/lib.sh"

vm_vmi64_setup "${1:?usage: vmi64.sh BUILD_DIR}"
rom=$VM_ROM
# Two broken copies of the ROM.
# api_version_maj (0x0D) 4 -> 3, rom_pad0 (0x07) one up: the sum stays 0.
python3 - "$rom" "$VM_WORK/major3.bin" "$VM_WORK/checksum.bin" <<'PY' ||
import sys
b = bytearray(open(sys.argv[1], "rb").read())
assert b[0x0D] == 4
m = bytearray(b)
m[0x0D] = 3
m[0x07] = (m[0x07] + 1) & 0xFF
open(sys.argv[2], "wb").write(m)
b[0x07] = (b[0x07] + 1) & 0xFF
open(sys.argv[3], "wb").write(b)
PY
	vm_die "cannot write the broken ROMs"

fails=0
fail() {
	echo "vmi64: FAIL $*" >&2
	fails=$((fails + 1))
}

# boot NAME SMP [ROM]: the guest's VMI64T lines in $VM_WORK/NAME.out.
boot() {
	local name=$1 smp=$2 rom=${3:-}
	# A later -smp overrides vm_boot's.
	vm_boot "$name" "" -smp "$smp" ${rom:+-option-rom "$rom"}
	vm_wait_qemu 300
	grep -a '^VMI64T' "$VM_LOG" | tr -d '\r' >"$VM_WORK/$name.out"
	echo "--- $name (-smp $smp):"
	grep -a 'VMI64T dmesg\|VMI64T cpus\|VMI64T bad' "$VM_WORK/$name.out"
	grep -q '^VMI64T end' "$VM_WORK/$name.out" || {
		tail -n 30 "$VM_LOG"
		fail "$name: the guest did not finish"
	}
	! grep -q '^VMI64T bad' "$VM_WORK/$name.out" ||
		fail "$name: BUG/WARNING/Oops in dmesg"
}

# count NAME before|after CALL: a counter of /proc/vmi64_calls, or -1.
count() {
	awk -v k="VMI64T $2 $3" '
		index($0, k " ") == 1 { n = $NF; found = 1 }
		END { print found ? n : -1 }' "$VM_WORK/$1.out"
}

native_checks() {
	local name=$1 why=$2
	grep -q "VMI64T dmesg vmi64: .*$why.*: native\$" "$VM_WORK/$name.out" ||
		fail "$name: no vmi64 line saying \"$why ... native\""
	[ "$(grep -c 'VMI64T dmesg vmi64:' "$VM_WORK/$name.out")" = 1 ] ||
		fail "$name: not exactly one vmi64 line"
	! grep -q 'VMI64T before' "$VM_WORK/$name.out" ||
		fail "$name: /proc/vmi64_calls exists on a native kernel"
}

boot native 2
native_checks native "no usable ROM in 0xc0000-0xdffff (no VMI ROM in"

boot rom 2 "$rom"
grep -q 'VMI64T dmesg vmi64: ROM at 0x[0-9a-f]* API 4\.[0-9]* qemu-ivshmem: bound [1-9][0-9]* calls (.*SetPxE.*), native: ' \
	"$VM_WORK/rom.out" || fail "rom: no bound line naming SetPxE"
grep -q '^VMI64T cpus 2$' "$VM_WORK/rom.out" ||
	fail "rom: the second CPU did not come up"
for c in CPUID GetInterruptMask DisableInterrupts EnableInterrupts SetPxE \
	FlushTLB SetCR3; do
	n=$(count rom before $c)
	[ "$n" -gt 0 ] 2>/dev/null || fail "rom: $c count is $n, not > 0"
done
for c in SetPxE FlushTLB; do
	a=$(count rom before $c) b=$(count rom after $c)
	echo "rom: $c $a -> $b across 200 fork/exec"
	[ "$b" -gt "$a" ] 2>/dev/null || fail "rom: $c did not grow ($a -> $b)"
done

boot major3 1 "$VM_WORK/major3.bin"
native_checks major3 "api_version_maj 3 is not 4"
boot checksum 1 "$VM_WORK/checksum.bin"
# SeaBIOS itself drops an option ROM whose bytes do not sum to 0: the
# kernel finds none (the validator's checksum rule is tested in tests/vmi-core).
native_checks checksum "no usable ROM in 0xc0000-0xdffff (no VMI ROM in"

[ "$fails" = 0 ] || exit 1
echo "vmi64: PASS"
