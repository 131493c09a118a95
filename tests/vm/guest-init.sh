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
#   vmitest=net      vmi0 through vminet.ko: ping, iperf3 TCP both ways and
#                    UDP against the host's namespace, ethtool, carrier
#                    while the backend stalls, a flood while the host
#                    restarts the backend (the device unplugged and plugged
#                    again), unload under traffic
#   vmitest=perf     fio on /dev/vmiblk0 and on the virtio-blk peer
#   vmitest=netperf  iperf3 over vmi0 and over the virtio-net peer (eth0)
#   vmitest=serve    fio runs on the host's demand (perf/campaign's fio-vm
#                    targets): command lines in on the second serial port
#   vmidisk=BYTES    the vmipv disk's expected size
#   vmiperf=SECONDS  perf: seconds per fio run (default 5)
#   vmipairs=N       perf: pairs of runs per workload (default 2)
#   vmipeer=ADDR     net: the host namespace's address (10.99.0.2)
#
# Results go to the serial console, one line each, for the host to read:
#   VMITEST <check> PASS | VMITEST <check> FAIL <why>
#   VMITEST-SYNC <event> ...   the host acts (kills the backend) and waits
#   VMIPERF <device> <workload> <round> <iops> <MiB/s>
#   VMINET <device> <test> <round> <Mbit/s> [<lost>/<total> datagrams]
#   VMITEST-DMESG <line>       the kernel's vmipv lines, for the record
#   VMITEST-END <mode> PASS|FAIL
/bin/busybox --install -s /bin
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
# busybox sh runs its own applet of a name before PATH: the real tools
# that share a name with an applet are called by path.
BLKDISCARD=/usr/sbin/blkdiscard
MKFS=/usr/sbin/mkfs.ext4
# fd 3: the console, for result lines from inside check's redirection.
exec 3>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

mode=none disk_bytes=0 perf_secs=5 perf_pairs=2 peer=10.99.0.2
for arg in $(cat /proc/cmdline); do
	case $arg in
	vmitest=*) mode=${arg#vmitest=} ;;
	vmidisk=*) disk_bytes=${arg#vmidisk=} ;;
	vmiperf=*) perf_secs=${arg#vmiperf=} ;;
	vmipairs=*) perf_pairs=${arg#vmipairs=} ;;
	vmipeer=*) peer=${arg#vmipeer=} ;;
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

# ABI 4.0 block features (the machine offers get_id, topology,
# multi_range, config_wce): negotiated, the disk's serial from GET_ID, the
# topology hints and range lists in the queue limits.
SYS=/sys/block/vmiblk0
blk_features_visible() {
	dmesg | grep -q 'vmiblk0: .* multi-range topology config-wce' &&
		grep -q '^vmi' $SYS/serial &&
		[ "$(cat $SYS/queue/max_discard_segments)" -gt 1 ] &&
		[ "$(cat $SYS/queue/minimum_io_size)" -ge 512 ] &&
		[ "$(cat $SYS/alignment_offset)" = 0 ] &&
		[ "$(cat $SYS/cache_type)" = "write back" ] &&
		[ "$(cat $SYS/queue/write_cache)" = "write back" ]
}

# 64 KiB trims from four threads at once, which the block layer may merge
# into range lists, over a pattern: every byte of it must read back zero
# (vmi-blkback punches holes in the file).
multi_range_trim() {
	pattern_roundtrip 160 &&
		fio --name=trim --filename=$DEV --direct=1 --ioengine=io_uring \
			--iodepth=32 --rw=randtrim --bs=64k --offset=160m \
			--size=1m --numjobs=4 --offset_increment=1m \
			>/tmp/trim.log 2>&1 &&
		[ "$(md5_of $DEV 160 4)" = "$(dd if=/dev/zero bs=1M count=4 2>/dev/null | md5sum | cut -d' ' -f1)" ]
}

# cache_type switches the device with SET_CACHE and tells the block
# layer; writes go on in write-through, and back to write-back.
cache_toggle() {
	echo "write through" >$SYS/cache_type &&
		[ "$(cat $SYS/cache_type)" = "write through" ] &&
		[ "$(cat $SYS/queue/write_cache)" = "write through" ] &&
		pattern_roundtrip 170 &&
		echo "write back" >$SYS/cache_type &&
		[ "$(cat $SYS/queue/write_cache)" = "write back" ] &&
		! echo "write sideways" >$SYS/cache_type 2>/dev/null
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
	check blk-features-visible blk_features_visible
	check multi-range-trim multi_range_trim
	check cache-toggle cache_toggle
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

# ---- network ----------------------------------------------------------

NETDEV=vmi0
NETDRV=/sys/bus/vmi/drivers/vminet

carrier_is() { [ "$(cat /sys/class/net/$NETDEV/carrier 2>/dev/null)" = "$1" ]; }
ifindex() { cat /sys/class/net/$NETDEV/ifindex 2>/dev/null; }

# $1: interface, $2: its address (the peer is .2 of the same /24)
net_up() {
	ip addr add "$2/24" dev "$1" && ip link set "$1" up
}

# iperf3 against the host's one-shot server: device, test name, round,
# iperf3 options. Prints a VMINET line; fails if nothing arrived.
iperf_run() {
	local dev=$1 name=$2 round=$3 dest=$4
	shift 4
	local i=0
	# The host restarts its one-shot server after each client.
	while ! iperf3 -c "$dest" -t "$perf_secs" -f m "$@" >/tmp/iperf.log 2>&1; do
		i=$((i + 1))
		[ $i -ge 5 ] && { cat /tmp/iperf.log; return 1; }
		sleep 1
	done
	awk -v d="$dev" -v n="$name" -v r="$round" '
		/receiver$/ {
			for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") rate = $(i - 1)
			for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\/[0-9]+$/) loss = " " $i
		}
		END {
			if (rate == "") exit 1
			printf "VMINET %s %s %s %s%s\n", d, n, r, rate, loss
			if (rate + 0 <= 0) exit 1
		}' /tmp/iperf.log >/tmp/iperf.line
	local st=$?
	cat /tmp/iperf.line >&3
	return $st
}

# UDP at a fixed rate: the loss goes on the VMINET line for the record;
# the check is that the flow crossed (most datagrams arrived), not a rate,
# since a loaded host drops bursts in the server's socket buffer.
udp_loss_ok() {
	iperf_run $NETDEV udp 1 "$peer" -u -b 20M -l 1400 -w 200K || return 1
	awk '{ split($6, a, "/"); if (a[2] == 0) exit 1
		printf "lost %d of %d datagrams\n", a[1], a[2]
		exit (a[1] * 2 > a[2]) }' /tmp/iperf.line
}

pings() {
	local size
	for size in 56 512 1400 1472; do
		ping -c 3 -W 2 -s $size "$peer" >/tmp/ping.log 2>&1 || {
			echo "size $size:"
			cat /tmp/ping.log
			return 1
		}
	done
}

# Frames nobody answers (to a static neighbour that does not exist), many
# more than a TX ring holds, from several sockets so that every TX queue
# gets its share; then the peer must answer a ping at once. (A guest that
# takes its TX answers only when it runs out of request slots, and bounds
# nothing else, leaves the host no room for answers: with no RX to prompt
# it, its next frames wait until hundreds more have queued.)
unanswered_train() {
	local i pids=
	arp -i $NETDEV -s 10.99.0.77 02:00:00:00:00:77 || return 1
	for i in 1 2 3 4 5 6 7 8; do
		ping -c 100 -i 0.01 -w 5 -q 10.99.0.77 >/dev/null 2>&1 &
		pids="$pids $!"
	done
	wait $pids
	arp -i $NETDEV -d 10.99.0.77
	ping -c 1 -W 2 "$peer"
}

queue_stats_count() {
	ethtool -S $NETDEV >/tmp/ethtool.log || return 1
	cat /tmp/ethtool.log
	awk '/rx0_packets|tx0_packets|rx1_packets|tx1_packets/ { n[$1] = $2 }
		END { exit !(n["rx0_packets:"] + n["rx1_packets:"] > 0 &&
			n["tx0_packets:"] + n["tx1_packets:"] > 0) }' /tmp/ethtool.log
}

# The backend stalls (SIGSTOP): carrier off; it goes on (SIGCONT): on.
stall_carrier() {
	echo "VMITEST-SYNC net-stall" >&3
	wait_for "carrier_is 0" 20 || { echo "carrier still up"; return 1; }
	echo "VMITEST-SYNC net-carrier-down" >&3
	wait_for "carrier_is 1" 20 || { echo "carrier not back"; return 1; }
	resume_time
}

# Seconds until the peer answers a ping again (VMINET-RESUME), at most 60;
# a slow start leaves the device's counters on the console (VMINET-SLOW).
resume_time() {
	local t0 now tries=0
	t0=$(cut -d' ' -f1 /proc/uptime)
	until ping -c 1 -W 1 "$peer" >/dev/null 2>&1; do
		tries=$((tries + 1))
		now=$(cut -d' ' -f1 /proc/uptime)
		[ $tries = 3 ] && {
			ethtool -S $NETDEV | grep -v ': 0$'
			grep MSI /proc/interrupts
			cat /proc/net/arp
		} 2>&1 | sed 's/^/VMINET-SLOW /' >&3
		awk "BEGIN { exit !($now - $t0 > 60) }" && {
			echo "no ping reply 60 s after the carrier came back"
			return 1
		}
	done
	now=$(cut -d' ' -f1 /proc/uptime)
	echo "VMINET-RESUME $(awk "BEGIN { print $now - $t0 }") s" >&3
}

# iperf3 -c peer ARGS in the background, its output in LOG, once it has
# connected (the host's one-shot server may be between two clients): the
# client's PID in $bg_pid.
iperf_bg() {
	local log=$1 i
	shift
	for i in 1 2 3 4 5 6 7 8 9 10; do
		iperf3 -c "$peer" --forceflush "$@" >"$log" 2>&1 &
		bg_pid=$!
		wait_for "grep -q 'connected to' $log || ! kill -0 $bg_pid 2>/dev/null" 10
		grep -q 'connected to' "$log" && kill -0 $bg_pid 2>/dev/null &&
			return 0
		kill $bg_pid 2>/dev/null
		wait $bg_pid
		sleep 1
	done
	cat "$log"
	return 1
}

# A flood while the host kills the backend, unplugs the device and plugs
# it back with a new backend: the guest lives, vmi0 comes back and works.
restart_under_flood() {
	local old
	old=$(ifindex)
	iperf_bg /tmp/flood.log -u -b 400M -l 1400 -t 60 || return 1
	local flood=$bg_pid
	sleep 2
	echo "VMITEST-SYNC net-restart" >&3
	wait_for "[ \"\$(ifindex)\" != \"$old\" ] && [ -n \"\$(ifindex)\" ]" 90 || {
		echo "vmi0 did not come back (ifindex $(ifindex), was $old)"
		return 1
	}
	kill $flood 2>/dev/null
	wait $flood 2>/dev/null
	net_up $NETDEV 10.99.0.1 &&
		wait_for "carrier_is 1" 10 &&
		wait_for "ping -c 1 -W 1 $peer >/dev/null" 20 &&
		ping -c 3 -W 2 -s 1472 "$peer"
}

dead_or_zombie() {
	local st
	st=$(cut -d' ' -f3 /proc/$1/stat 2>/dev/null)
	[ -z "$st" ] || [ "$st" = Z ]
}

# rmmod while iperf3 sends: the device goes at once, and the sender is
# not stuck in the driver (a TCP sender whose route vanished waits for its
# retransmissions to time out, so it is killed; SIGKILL does not reach a
# task asleep in the driver). The module then comes back and works.
unload_under_traffic() {
	iperf_bg /tmp/busy.log -t 60 || return 1
	local busy=$bg_pid
	sleep 3
	kill -0 $busy || { echo "iperf3 ended before rmmod:"; cat /tmp/busy.log; return 1; }
	rmmod vminet || return 1
	[ ! -e /sys/class/net/$NETDEV ] || { echo "$NETDEV still there"; return 1; }
	kill -9 $busy
	wait_for "dead_or_zombie $busy" 10 || {
		echo "iperf3 does not die after rmmod: $(cat /proc/$busy/stat)"
		return 1
	}
	wait $busy
	insmod $MODS/vminet.ko &&
		wait_for "[ -e /sys/class/net/$NETDEV ]" 10 &&
		net_up $NETDEV 10.99.0.1 &&
		wait_for "ping -c 1 -W 1 $peer >/dev/null" 20
}

test_net() {
	check load-vmi_core insmod $MODS/vmi_core.ko
	check load-vminet insmod $MODS/vminet.ko
	check vmi0-appears wait_for "[ -e /sys/class/net/$NETDEV ]" 10
	check vmi0-address net_up $NETDEV 10.99.0.1
	check vmi0-carrier wait_for "carrier_is 1" 10
	check ethtool-driver sh -c "ethtool -i $NETDEV | tee /dev/stderr | grep -q '^driver: vminet'"
	check ethtool-channels sh -c "ethtool -l $NETDEV | grep -q 'Combined:.*2'"
	check ethtool-tso sh -c "ethtool -k $NETDEV | grep -q 'tcp-segmentation-offload: on'"
	check ping-sizes pings
	check unanswered-train unanswered_train
	check iperf3-tcp-tx iperf_run $NETDEV tcp-tx 1 "$peer"
	check iperf3-tcp-rx iperf_run $NETDEV tcp-rx 1 "$peer" -R
	check iperf3-tcp-2-streams iperf_run $NETDEV tcp-tx-P2 1 "$peer" -P 2
	check iperf3-udp-loss udp_loss_ok
	check ethtool-queue-stats queue_stats_count
	check carrier-follows-backend stall_carrier
	check restart-under-flood restart_under_flood
	check iperf3-after-restart iperf_run $NETDEV tcp-tx 2 "$peer"
	check unload-under-traffic unload_under_traffic
	check unload sh -c "rmmod vminet && rmmod vmi_core"
}

netperf_up() {
	net_up $NETDEV 10.99.0.1 && net_up eth0 10.98.0.1 &&
		wait_for "carrier_is 1" 10 &&
		wait_for "ping -c 1 -W 1 $peer >/dev/null" 20 &&
		wait_for "ping -c 1 -W 1 10.98.0.2 >/dev/null" 20
}

# iperf3 over vmi0 and over the virtio-net peer (eth0), alternating.
test_netperf() {
	local round t
	check load-vmi_core insmod $MODS/vmi_core.ko
	check load-vminet insmod $MODS/vminet.ko
	modprobe virtio_pci && modprobe virtio_net
	check devices-present wait_for "[ -e /sys/class/net/$NETDEV ] && [ -e /sys/class/net/eth0 ]" 10
	check addresses netperf_up
	round=1
	while [ $round -le "$perf_pairs" ]; do
		for t in tcp-tx tcp-rx; do
			set --
			[ $t = tcp-rx ] && set -- -R
			iperf_run $NETDEV $t $round "$peer" "$@" ||
				fail "perf-$t-$NETDEV" "$(tail -n 3 /tmp/iperf.log | tr '\n' '|')"
			iperf_run eth0 $t $round 10.98.0.2 "$@" ||
				fail "perf-$t-eth0" "$(tail -n 3 /tmp/iperf.log | tr '\n' '|')"
		done
		round=$((round + 1))
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
net) test_net ;;
netperf) test_netperf ;;
native) test_native ;;
corrupt) test_corrupt ;;
perf) test_perf ;;
serve) test_serve ;;
*) fail mode "unknown vmitest=$mode" ;;
esac
finish
