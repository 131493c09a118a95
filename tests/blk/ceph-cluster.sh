#!/usr/bin/env bash
# A throwaway single-node Ceph cluster for the RBD target's test and
# benchmark: one monitor and one BlueStore OSD on a sparse file, no mgr,
# no authentication, loopback only, everything (conf, stores, logs, pid
# files, sockets) in one folder of the caller's.
#
#   ceph-cluster.sh start DIR   create and start it; the pool "rbd" is
#                               usable when it returns; CEPH_CONF=DIR/ceph.conf
#   ceph-cluster.sh stop DIR    TERM the daemons whose pid files lie in DIR
#                               (KILL after 20 s), OSD first
#   ceph-cluster.sh purge DIR   stop, then remove DIR (only one of ours)
#   ceph-cluster.sh osd-stop DIR / osd-start DIR
#                               the OSD alone (a target that goes away and
#                               comes back); osd-start returns once the pool
#                               takes writes again
#
# Only a process named by DIR's pid files whose command line names
# DIR/ceph.conf is ever signalled. Starting takes 10-16 s on two vCPUs.
set -euo pipefail

cmd=${1:-}
dir=${2:?usage: $0 start|stop|purge DIR}
conf=$dir/ceph.conf
mark=$dir/.vmi-ceph-cluster
limit=${CEPH_CLUSTER_TIMEOUT:-120}

die() {
	echo "ceph-cluster: $*" >&2
	exit 1
}

# One ceph CLI call (Python, 0.3-0.5 s each: keep them few).
cli() {
	timeout 30 ceph -c "$conf" --connect-timeout 10 "$@"
}

daemon_pid() {
	local pid
	pid=$(cat "$dir/run/$1.pid" 2>/dev/null) || return 0
	[[ $pid =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ] || return 0
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$conf" && echo "$pid"
	return 0
}

# until CMD succeeds, at most $limit seconds
await() {
	local what=$1 end=$((SECONDS + limit))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || die "no $what after ${limit}s (logs in $dir/log)"
		sleep 0.5
	done
}

osd_is_up() {
	cli osd stat -f json |
		python3 -c 'import json, sys
sys.exit(json.load(sys.stdin)["num_up_osds"] < 1)'
}

# A free loopback port for the monitor.
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

start() {
	local port fsid uuid id
	for b in ceph-mon ceph-osd ceph monmaptool rbd; do
		command -v "$b" >/dev/null || die "$b is missing (scripts/deps.sh --ceph)"
	done
	[ -z "$(ls -A "$dir" 2>/dev/null)" ] || die "$dir is not empty"
	mkdir -p "$dir"/{run,log,mon.a,osd.0}
	touch "$mark"
	port=$(free_port)
	fsid=$(cat /proc/sys/kernel/random/uuid)
	# BlueStore makes a sparse file osd.0/block of the given size when
	# no block path is set (a path set to it fails: ELOOP).
	cat >"$conf" <<-EOF
		[global]
		fsid = $fsid
		mon host = v2:127.0.0.1:$port
		public addr = 127.0.0.1
		cluster addr = 127.0.0.1
		ms bind msgr1 = false
		ms bind ipv6 = false
		auth cluster required = none
		auth service required = none
		auth client required = none
		run dir = $dir/run
		crash dir = $dir/log
		log file = $dir/log/\$name.log
		pid file = $dir/run/\$name.pid
		mon cluster log file = $dir/log/cluster.log
		osd pool default size = 1
		osd pool default min size = 1
		osd pool default pg autoscale mode = off
		osd crush chooseleaf type = 0
		mon allow pool size one = true
		mon warn on pool no redundancy = false
		mon data avail crit = 1
		[mon]
		mon data = $dir/\$name
		[osd]
		osd data = $dir/\$name
		osd objectstore = bluestore
		osd memory target = 1G
		bluestore block create = true
		bluestore block size = 4G
		bluestore fsck on mkfs = false
	EOF
	monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$port]" \
		"$dir/monmap" >/dev/null
	ceph-mon -c "$conf" -i a --mkfs --monmap "$dir/monmap" \
		>>"$dir/log/mkfs.log" 2>&1 || die "ceph-mon --mkfs failed ($dir/log)"
	# The daemons fork into the background once ready, and write pid files.
	ceph-mon -c "$conf" -i a >>"$dir/log/mon.stderr" 2>&1
	await "monitor" cli mon stat
	uuid=$(cat /proc/sys/kernel/random/uuid)
	id=$(cli osd new "$uuid")
	[ "$id" = 0 ] || die "osd new gave id '$id'"
	# The pool before the OSD: its PGs are made as the OSD boots.
	cli osd pool create rbd 8 8 replicated >>"$dir/log/mkfs.log" 2>&1
	ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$uuid" \
		>>"$dir/log/mkfs.log" 2>&1 || die "ceph-osd --mkfs failed ($dir/log)"
	ceph-osd -c "$conf" -i 0 >>"$dir/log/osd.stderr" 2>&1
	await "OSD up" osd_is_up
	# It writes an object: it returns once the PGs are active.
	timeout "$limit" rbd -c "$conf" pool init rbd ||
		die "rbd pool init failed ($dir/log)"
}

# stop [NAME...]: the OSD, then the monitor (or only the daemons named)
stop() {
	local name pid i names=(osd.0 mon.a)
	[ $# -eq 0 ] || names=("$@")
	[ -f "$mark" ] || return 0
	for name in "${names[@]}"; do
		pid=$(daemon_pid "$name")
		[ -n "$pid" ] || continue
		kill -TERM "$pid" 2>/dev/null || true
		for i in $(seq 200); do
			[ -d "/proc/$pid" ] || break
			sleep 0.1
		done
		[ -z "$(daemon_pid "$name")" ] || kill -KILL "$pid" 2>/dev/null || true
		rm -f "$dir/run/$name.pid"
	done
}

case $cmd in
start)
	# A failed start leaves nothing running (the folder stays for its logs).
	trap 'rc=$?; [ $rc -eq 0 ] || stop; exit $rc' EXIT
	start
	;;
stop) stop ;;
osd-stop) stop osd.0 ;;
osd-start)
	[ -f "$mark" ] || die "$dir is not a cluster of ours"
	ceph-osd -c "$conf" -i 0 >>"$dir/log/osd.stderr" 2>&1
	await "OSD up" osd_is_up
	# Up is not active: a write returns once the PGs have peered.
	timeout "$limit" rados -c "$conf" -p rbd put vmi-ready "$conf"
	rados -c "$conf" -p rbd rm vmi-ready
	;;
purge)
	[ -e "$dir" ] || exit 0
	[ -f "$mark" ] || die "$dir was not made by ceph-cluster.sh"
	stop
	rm -rf -- "$dir"
	;;
*) die "unknown command '$cmd'" ;;
esac
