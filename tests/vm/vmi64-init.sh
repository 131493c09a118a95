#!/bin/busybox sh
# shellcheck shell=dash
# /init of the VMI64 kernel test (tests/vm/vmi64.sh): reports the vmi64
# dmesg lines, the CPU count and the ROM's call counters before and after
# 200 fork/exec of /bin/true, as "VMI64T ..." lines on the serial console,
# then powers off.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
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
