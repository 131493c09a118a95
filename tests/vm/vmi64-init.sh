#!/bin/busybox sh
# shellcheck shell=dash
# /init of the VMI64 kernel test (tests/vm/vmi64.sh): reports the vmi64
# dmesg lines, the CPU count and the ROM's call counters before and after
# 200 fork/exec of /bin/true, as "VMI64T ..." lines on the serial console,
# then powers off; with vmi64perf=N on the command line, the timings of
# perf/vm/vmi64.sh instead.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
# perf/vm/vmi64.sh: vmi64perf=N times the boot (guest uptime at /init) and
# N fork/exec of /bin/true, in centiseconds of the guest's clock.
# The guest's uptime in centiseconds, as a decimal number (no leading 0).
uptime_cs() {
	awk '{ printf "%d\n", $1 * 100 + 0.5 }' /proc/uptime
}
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case $arg in
	vmi64perf=*)
		n=${arg#vmi64perf=}
		echo "VMI64P init_cs $(uptime_cs)"
		t0=$(uptime_cs)
		i=0
		while [ $i -lt "$n" ]; do
			/bin/true
			i=$((i + 1))
		done
		t1=$(uptime_cs)
		echo "VMI64P forkexec_cs $((t1 - t0)) n $n"
		echo "VMI64T end"
		poweroff -f
		;;
	esac
done
echo "VMI64T cpus $(grep -c ^processor /proc/cpuinfo)"
dmesg | grep 'vmi64:' | sed 's/^\[[^]]*\] /VMI64T dmesg /'
if [ -r /proc/vmi64_calls ]; then
	sed 's/^/VMI64T before /' /proc/vmi64_calls
	i=0
	while [ $i -lt 200 ]; do
		/bin/true
		i=$((i + 1))
	done
	sed 's/^/VMI64T after /' /proc/vmi64_calls
fi
dmesg | grep -E 'BUG|WARNING|Oops' | sed 's/^/VMI64T bad /'
echo "VMI64T end"
poweroff -f
