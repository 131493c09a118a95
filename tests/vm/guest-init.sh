#!/bin/busybox sh
# /init of the QEMU guest tests (tests/vm/run.sh, perf/vm/run.sh): loads
# the vmipv modules and tests them from inside a Debian kernel, then powers
# the machine off. What to do comes from the kernel command line:
#
#   vmitest=rom      ROM and ivshmem device: probe, bind, block I/O with
#                    verification, ext4, discard and write-zeroes, unbind
#                    under load, module reload, flush then a killed backend
#   vmitest=native   no ROM: vmi_core says so, nothing binds
#   vmitest=corrupt  a broken ROM: refused, native
#   vmitest=perf     fio on /dev/vmiblk0 and on the virtio-blk peer
#   vmitest=serve    fio runs on the host's demand (perf/campaign's fio-vm
#                    targets): command lines in on the second serial port
#   vmidisk=BYTES    the vmipv disk's expected size
#   vmiperf=SECONDS  perf: seconds per fio run (default 5)
#   vmipairs=N       perf: pairs of runs per workload (default 2)
#
# Results go to the serial console, one line each, for the host to read:
#   VMITEST <check> PASS | VMITEST <check> FAIL <why>
#   VMITEST-SYNC <event> ...   the host acts (kills the backend) and waits
#   VMIPERF <device> <workload> <round> <iops> <MiB/s>
#   VMITEST-DMESG <line>       the kernel's vmipv lines, for the record
#   VMITEST-END <mode> PASS|FAIL
/bin/busybox --install -s /bin
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
# busybox sh runs its own applet of a name before PATH: the real tools
# that share a name with an applet are called by path.
BLKDISCARD=/usr/sbin/blkdiscard
MKFS=/usr/sbin/mkfs.ext4
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

mode=none disk_bytes=0 perf_secs=5 perf_pairs=2
for arg in $(cat /proc/cmdline); do
	case $arg in
	vmitest=*) mode=${arg#vmitest=} ;;
	vmidisk=*) disk_bytes=${arg#vmidisk=} ;;
	vmiperf=*) perf_secs=${arg#vmiperf=} ;;
	vmipairs=*) perf_pairs=${arg#vmipairs=} ;;
	esac
done

MODS=/lib/modules/vmipv
DEV=/dev/vmiblk0
DRV=/sys/bus/vmi/drivers/vmiblk
failed=0

pass() { echo "VMITEST $1 PASS"; }
fail() {
	echo "VMITEST $1 FAIL $2"
	failed=1
}
# check NAME COMMAND...: the command's exit status decides; its last
# output lines explain a failure.
check() {
	local name=$1
	shift
	if "$@" >/tmp/check.log 2>&1; then
		pass "$name"
	else
		fail "$name" "$(tail -n 8 /tmp/check.log | tr '\n' '|')"
	fi
}

# Wait up to $2 seconds for the test $1 to hold.
wait_for() {
	local i=0
	while ! eval "$1"; do
		i=$((i + 1))
		[ $i -gt $(($2 * 10)) ] && return 1
		usleep 100000
	done
}

md5_of() { dd if="$1" bs=1M skip="$2" count="$3" iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1; }

dmesg_clean() {
	! dmesg | grep -E 'BUG:|WARNING:|Oops|Call Trace|general protection|UBSAN|KASAN'
}

finish() {
	dmesg | grep -E 'vmi|ivshmem' | sed 's/^/VMITEST-DMESG /'
	check dmesg-clean dmesg_clean
	if [ $failed -eq 0 ]; then
		echo "VMITEST-END $mode PASS"
	else
		echo "VMITEST-END $mode FAIL"
	fi
	sync
	poweroff -f
}

load_vmi() {
	check load-vmi_core insmod $MODS/vmi_core.ko
	check load-vmiblk insmod $MODS/vmiblk.ko
}

# fio writes random blocks in several jobs, each in its own region, and
# reads every block back against its crc32c.
fio_verify() {
	fio --name=verify --filename=$DEV --direct=1 --ioengine=io_uring \
		--iodepth=16 --rw=randwrite --bsrange=4k-128k --size=24m \
		--numjobs=4 --offset_increment=32m --verify=crc32c \
		--verify_fatal=1 --do_verify=1 --group_reporting "$@"
}

# Write a pattern, make it stable (fsync: FLUSH), read it back.
pattern_roundtrip() {
	dd if=/dev/urandom of=/tmp/pat bs=1M count=4 2>/dev/null &&
		dd if=/tmp/pat of=$DEV bs=1M seek="$1" oflag=direct conv=fsync &&
		[ "$(md5_of $DEV "$1" 4)" = "$(md5sum </tmp/pat | cut -d' ' -f1)" ]
}

zeroout_reads_zero() {
	pattern_roundtrip 150 &&
		$BLKDISCARD -z -o $((150 << 20)) -l $((2 << 20)) $DEV &&
		[ "$(md5_of $DEV 150 2)" = "$(dd if=/dev/zero bs=1M count=2 2>/dev/null | md5sum | cut -d' ' -f1)" ] &&
		[ "$(md5_of $DEV 152 2)" = "$(dd if=/tmp/pat bs=1M skip=2 count=2 2>/dev/null | md5sum | cut -d' ' -f1)" ]
}

ext4_roundtrip() {
	modprobe crc32c_generic && modprobe ext4 &&
		$MKFS -q -F $DEV &&
		mount -t ext4 $DEV /mnt &&
		for i in 1 2 3 4 5 6 7 8; do
			dd if=/dev/urandom of=/mnt/f$i bs=64k count=$((i * 8)) 2>/dev/null || return 1
		done &&
		(cd /mnt && md5sum f* >/tmp/sums) &&
		umount /mnt &&
		e2fsck -fn $DEV &&
		mount -t ext4 -o ro $DEV /mnt &&
		(cd /mnt && md5sum -c /tmp/sums) &&
		umount /mnt
}

# Unbind while fio keeps 2 x 32 requests in flight, then bind again.
unbind_under_load() {
	fio --name=busy --filename=$DEV --direct=1 --ioengine=io_uring \
		--iodepth=32 --numjobs=2 --rw=randrw --bs=4k --time_based \
		--runtime=60 >/tmp/busy.log 2>&1 &
	local fio_pid=$!
	sleep 3
	echo blk0 >$DRV/unbind || return 1
	wait_for "! kill -0 $fio_pid 2>/dev/null" 30 || {
		echo "fio still running after unbind"
		kill -9 $fio_pid
		return 1
	}
	[ ! -e $DEV ] || return 1
	echo blk0 >$DRV/bind || return 1
	wait_for "[ -b $DEV ]" 10
}

# After the host killed the backend, I/O must fail instead of hanging.
io_fails() {
	local i=0
	while dd if=$DEV of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null; do
		i=$((i + 1))
		[ $i -ge 30 ] && return 1
		sleep 1
	done
	dmesg | grep -q 'the device is dead'
}

test_rom() {
	load_vmi
	check rom-found-and-bound sh -c "dmesg | grep -q 'vmi_core: VMI ROM at' && dmesg | grep -q 'vmi_core: bound:'"
	check vmiblk0-appears wait_for "[ -b $DEV ]" 10
	check vmiblk0-size sh -c "[ \$(blockdev --getsize64 $DEV) = $disk_bytes ]"
	check fio-verify-crc32c fio_verify
	check write-flush-readback pattern_roundtrip 100
	check discard $BLKDISCARD -o $((140 << 20)) -l $((4 << 20)) $DEV
	check write-zeroes zeroout_reads_zero
	check ext4-mkfs-fsck ext4_roundtrip
	check unbind-under-load unbind_under_load
	check fio-verify-after-rebind fio_verify --numjobs=1 --size=8m
	check module-reload sh -c "rmmod vmiblk && rmmod vmi_core && insmod $MODS/vmi_core.ko && insmod $MODS/vmiblk.ko"
	check vmiblk0-after-reload wait_for "[ -b $DEV ]" 10
	# Flush a pattern, let the host kill the backend, check it on disk.
	dd if=/dev/urandom of=/tmp/pat bs=1M count=4 2>/dev/null
	check flush-before-kill dd if=/tmp/pat of=$DEV bs=1M seek=64 oflag=direct conv=fsync
	echo "VMITEST-SYNC flushed offset=$((64 << 20)) len=$((4 << 20)) md5=$(md5sum </tmp/pat | cut -d' ' -f1)"
	check io-fails-after-backend-death io_fails
	check unbind-dead-device sh -c "echo blk0 >$DRV/unbind && rmmod vmiblk && rmmod vmi_core"
}

test_native() {
	load_vmi
	check native-mode sh -c "dmesg | grep -q 'vmi_core: no VMI ROM accepted in .*: native, no vmipv devices'"
	check no-vmi-devices sh -c "sleep 1; [ ! -e $DEV ] && [ -z \"\$(ls /sys/bus/vmi/devices)\" ]"
	check ivshmem-left-alone sh -c "grep -l 0x1110 /sys/bus/pci/devices/*/device | while read f; do [ ! -e \${f%/device}/driver ] || exit 1; done"
	check unload sh -c "rmmod vmiblk && rmmod vmi_core"
}

test_corrupt() {
	load_vmi
	check corrupt-rom-refused sh -c "dmesg | grep -q 'vmi_core: no VMI ROM accepted in .*: native, no vmipv devices' && ! dmesg | grep -q 'vmi_core: bound'"
	check no-vmi-devices sh -c "sleep 1; [ ! -e $DEV ]"
	check unload sh -c "rmmod vmiblk && rmmod vmi_core"
}

# One fio run: device, workload name, round; prints a VMIPERF line.
perf_run() {
	local dev=$1 name=$2 round=$3
	shift 3
	fio --name="$name" --filename="$dev" --direct=1 --ioengine=io_uring \
		--time_based --runtime="$perf_secs" --ramp_time=1 --size=192m \
		--output-format=terse --terse-version=3 "$@" >/tmp/perf.log 2>&1 || {
		fail "perf-$name-$dev" "$(tail -n 3 /tmp/perf.log | tr '\n' '|')"
		return
	}
	# terse v3: field 8 read iops, 7 read KiB/s; 49 write iops, 48 KiB/s
	awk -F';' -v d="${dev#/dev/}" -v n="$name" -v r="$round" \
		'{ printf "VMIPERF %s %s %s %d %.1f\n", d, n, r, $8 + $49, ($7 + $48) / 1024 }' /tmp/perf.log
}

test_perf() {
	local vdev round wl
	load_vmi
	modprobe virtio_pci && modprobe virtio_blk
	check devices-present wait_for "[ -b $DEV ] && [ -b /dev/vda ]" 10
	# Fill both disks once so reads hit allocated blocks on both.
	for vdev in $DEV /dev/vda; do
		dd if=/dev/zero of=$vdev bs=1M count=192 oflag=direct 2>/dev/null
	done
	for wl in "randread-qd1 --rw=randread --bs=4k --iodepth=1" \
		"randread-qd32 --rw=randread --bs=4k --iodepth=32" \
		"randwrite-qd1 --rw=randwrite --bs=4k --iodepth=1" \
		"randwrite-qd32 --rw=randwrite --bs=4k --iodepth=32" \
		"seqread-128k --rw=read --bs=128k --iodepth=8"; do
		round=1
		while [ $round -le "$perf_pairs" ]; do
			# shellcheck disable=SC2086 # wl is a name and options
			perf_run $DEV ${wl%% *} $round ${wl#* }
			perf_run /dev/vda ${wl%% *} $round ${wl#* }
			round=$((round + 1))
		done
	done
}

# ---- serve: fio on demand ------------------------------------------------

# The host (perf/vmicampaign, kind fio-vm) writes fio options to the second
# serial port, one run per line; each gets fio's JSON back on that port and
# then "VMISERVE-END <fio's exit status> <its last stderr line>". "quit"
# ends. "VMISERVE ready" on the console says the disks are there.
test_serve() {
	local line rc
	load_vmi
	modprobe virtio_pci && modprobe virtio_blk
	check disk-present wait_for "[ -b $DEV ] || [ -b /dev/vda ]" 10
	stty -F /dev/ttyS1 raw -echo
	echo "VMISERVE ready"
	while IFS= read -r line; do
		[ "$line" = quit ] && break
		# shellcheck disable=SC2086 # the host's options, split on spaces
		fio $line --output-format=json >/tmp/serve.json 2>/tmp/serve.err
		rc=$?
		cat /tmp/serve.json
		echo "VMISERVE-END $rc $(tail -n 1 /tmp/serve.err)"
	done </dev/ttyS1 >/dev/ttyS1
}

case $mode in
rom) test_rom ;;
native) test_native ;;
corrupt) test_corrupt ;;
perf) test_perf ;;
serve) test_serve ;;
*) fail mode "unknown vmitest=$mode" ;;
esac
finish
