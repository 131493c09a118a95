# Sourced by the block path's tests (tests/blk/*.sh): a private folder, a
# machine description and its process ROM, vmi-blkback started and stopped
# by PID, its stats over the control socket, and cleanup of all of it on
# exit, whatever happens.
#
#   . tests/blk/lib.sh "$1"          # $1: the build folder, $(O)
#   blk_machine NAME QUEUES SLOTS DATA TARGET [KEY VALUE ...]
#                                    # $BLK_FEATURES: other features
#   blk_start NAME [--key=value ...] # sets BB_PID, waits for the socket
#   blk_stats NAME                   # the backend's stats JSON on stdout
#   blk_stop                         # SIGTERM; fails unless it exits 0
#   blk_fio NAME [fio args]          # fio through the vmiblk engine
#   blk_fio_bg OUT NAME [fio args]   # the same in the background: FIO_PID
#   blk_fio_fails OUT                # FIO_PID ends with an I/O error
#   blk_writes NAME                  # writes the backend has answered
#   blk_await_writes NAME N          # until it has answered more than N
#   blk_await PID LOG WHAT SOCKET... # until the sockets exist (or PID dies)
#   blk_ops_write ROM / blk_ops_check IMAGE  # every operation onto a
#                                    # remote target, then its image checked

set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

O=${1:?usage: $0 BUILD_DIR}
BLKBACK=$O/host-backends/blk/vmi-blkback
VMI_ROM=$O/vmi-core/vmi-rom
BLK_IO=$O/tests/blk/vmi-blk-io
BLK_HOSTILE=$O/tests/blk/vmi-blk-hostile
FIO_ENGINE=$(realpath "$O/guest-drivers/user/fio-vmiblk.so")
for f in "$BLKBACK" "$VMI_ROM" "$BLK_IO" "$FIO_ENGINE"; do
	[ -x "$f" ] || [ -f "$f" ] || {
		echo "missing $f: build first" >&2
		exit 1
	}
done
command -v fio >/dev/null || {
	echo "fio is not installed" >&2
	exit 77
}

# On the disk rather than in a tmpfs, so that O_DIRECT means what it says.
work=$(mktemp -d "${VMI_TEST_DIR:-/var/tmp}/vmi-blk.XXXXXX")
BB_PID=
blk_pids=()

blk_cleanup() {
	local p
	for p in "${blk_pids[@]}"; do
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap blk_cleanup EXIT

# Remember a background process of the test, to be killed at exit.
blk_track() {
	blk_pids+=("$1")
}

blk_machine() {
	local name=$1 queues=$2 slots=$3 data=$4 target=$5
	shift 5
	{
		echo "device blk 0"
		echo "	transport process"
		echo "	socket $work/$name.sock"
		echo "	queues $queues"
		echo "	slots $slots"
		echo "	data $data"
		echo "	features ${BLK_FEATURES:-flush fua discard write_zeroes get_id topology multi_range config_wce indirect heartbeat}"
		[ "$target" = - ] || echo "	target $target"
		while [ $# -gt 0 ]; do
			echo "	$1 ${2:-}"
			shift 2
		done
	} >"$work/$name.machine"
	"$VMI_ROM" build --flavour process --machine "$work/$name.machine" \
		-o "$work/$name.rom"
}

blk_start() {
	local name=$1 i
	shift
	rm -f "$work/$name.sock"
	"$BLKBACK" --machine "$work/$name.machine" --device 0 \
		--control="$work/$name.ctl" "$@" >>"$work/$name.log" 2>&1 &
	BB_PID=$!
	blk_track "$BB_PID"
	blk_await "$BB_PID" "$work/$name.log" vmi-blkback "$work/$name.sock" \
		"$work/$name.ctl"
}

# Wait (5 s at most) until process PID has made every SOCKET; else show
# its LOG and fail.
blk_await() {
	local pid=$1 log=$2 what=$3 s
	shift 3
	for _ in $(seq 500); do
		for s in "$@" ""; do
			[ -z "$s" ] && return 0
			[ -S "$s" ] || break
		done
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.01
	done
	cat "$log" >&2
	echo "$what did not come up" >&2
	return 1
}

# SIGTERM: the backend drops its guests and exits 0 (a sanitizer build
# also finds no leak), or the test fails with its log.
blk_stop() {
	local rc=0
	kill -TERM "$BB_PID"
	wait "$BB_PID" || rc=$?
	if [ $rc -ne 0 ]; then
		tail -n 40 "$work"/*.log >&2
		echo "vmi-blkback exited $rc" >&2
		return 1
	fi
}

blk_stats() {
	vmi_ctl_read "$work/$1.ctl"
}

# A sanitizer build's engine needs its runtime loaded first into fio, which
# is not built with it (and whose own leaks are not ours to report).
if ldd "$FIO_ENGINE" | grep -q libasan; then
	blk_fio_env=(env LD_PRELOAD="$(gcc -print-file-name=libasan.so)"
		ASAN_OPTIONS=detect_leaks=0)
else
	blk_fio_env=()
fi

blk_fio() {
	local name=$1
	shift
	"${blk_fio_env[@]}" fio --ioengine=external:"$FIO_ENGINE" --verify_state_save=0 \
		--rom="$work/$name.rom" --device=0 "$@"
}

# blk_fio in the background, its output to OUT: FIO_PID is fio itself
# (not a subshell), tracked for the cleanup.
blk_fio_bg() {
	local out=$1 name=$2
	shift 2
	"${blk_fio_env[@]}" fio --ioengine=external:"$FIO_ENGINE" --verify_state_save=0 \
		--rom="$work/$name.rom" --device=0 "$@" >"$out" 2>&1 &
	FIO_PID=$!
	blk_track "$FIO_PID"
}

# The resident set of a process, in KiB.
blk_rss() {
	awk '/^VmRSS/ {print $2}' "/proc/$1/status"
}

# Every operation through the ring onto a remote target of at least
# 32 MiB (nbd.sh, rbd.sh), range lists and the cache toggle included, each
# write a pattern from its own seed, for blk_ops_check to find in an image
# the target's own client read back.
blk_ops_write() {
	"$BLK_IO" "$1" 0 \
		write 0 8M 11 write 8M 1M 12 fua flush \
		read 0 8M 11 read 8M 1M 12 \
		writev 16M 64 13 readv 16M 64 13 \
		write 20M 1M 15 discard 20M 512K zero 20M 512K read 20992K 512K 15 \
		write 24M 1M 16 zeroes 24M 64K zero 24M 64K read 24640K 960K 16 \
		write 25M 64K 17 zeroes 25M 64K unmap zero 25M 64K \
		write 26M 1M 18 ranges zeroes 26M 64K 256K 4 \
		zero 26M 64K zero 27392K 64K read 26688K 192K 18 \
		write 28M 1M 19 ranges discard 28M 64K 512K 2 \
		zero 28M 64K read 28736K 448K 19 \
		cache writethrough write 29M 64K 20 cache writeback \
		flush getid
}

blk_ops_check() {
	"$BLK_IO" check-file "$1" 0 8M 11
	"$BLK_IO" check-file "$1" 8M 1M 12
	"$BLK_IO" check-file "$1" 16M 32K 13
	"$BLK_IO" check-file "$1" 20992K 512K 15
	"$BLK_IO" check-file "$1" 24640K 960K 16
	cmp -n 524288 -i 20M:0 "$1" /dev/zero
	cmp -n 65536 -i 24M:0 "$1" /dev/zero
	cmp -n 65536 -i 25M:0 "$1" /dev/zero
	"$BLK_IO" check-file "$1" 26688K 192K 18
	cmp -n 65536 -i 27392K:0 "$1" /dev/zero
	"$BLK_IO" check-file "$1" 28736K 448K 19
	cmp -n 65536 -i 28M:0 "$1" /dev/zero
	"$BLK_IO" check-file "$1" 29M 64K 20
}

# blk_fio_fails OUT: fio (FIO_PID, output in OUT) ends with an I/O error
# (its target is gone) and the backend is up. The bound only guards
# against a hang.
blk_fio_fails() {
	local rc=0
	for _ in $(seq 300); do
		kill -0 "$FIO_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$FIO_PID" 2>/dev/null; then
		echo "fio still runs 30 s after the server went away" >&2
		return 1
	fi
	wait "$FIO_PID" || rc=$?
	if [ $rc -eq 0 ] || ! grep -q "Input/output error" "$1"; then
		cat "$1" >&2
		echo "fio saw no I/O error (exit $rc) with the server gone" >&2
		return 1
	fi
	kill -0 "$BB_PID"
}

blk_writes() {
	blk_stats "$1" | python3 -c 'import json, sys
print(sum(q["writes"] for q in json.load(sys.stdin)["queues"]))'
}

# (30 s at most: a guard against a hang, not a timed assertion)
blk_await_writes() {
	for _ in $(seq 300); do
		[ "$(blk_writes "$1")" -gt "$2" ] && return 0
		sleep 0.1
	done
	echo "backend $1: no more than $2 writes answered after 30 s" >&2
	return 1
}
