# Sourced by the block path's tests (tests/blk/*.sh): a private folder, a
# machine description and its process ROM, vmi-blkback started and stopped
# by PID, its stats over the control socket, and cleanup of all of it on
# exit, whatever happens.
#
#   . tests/blk/lib.sh "$1"          # $1: the build folder, $(O)
#   blk_machine NAME QUEUES SLOTS DATA TARGET [KEY VALUE ...]
#   blk_start NAME [--key=value ...] # sets BB_PID, waits for the socket
#   blk_stats NAME                   # the backend's stats JSON on stdout
#   blk_stop                         # SIGTERM; fails unless it exits 0
#   blk_fio NAME [fio args]          # fio through the vmiblk engine
#   blk_fio_bg OUT NAME [fio args]   # the same in the background: FIO_PID

set -euo pipefail

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
		echo "	features flush fua discard write_zeroes get_id indirect heartbeat"
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
	for i in $(seq 500); do
		[ -S "$work/$name.sock" ] && [ -S "$work/$name.ctl" ] && return 0
		kill -0 "$BB_PID" 2>/dev/null || break
		sleep 0.01
	done
	cat "$work/$name.log" >&2
	echo "vmi-blkback did not come up" >&2
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
	python3 - "$work/$1.ctl" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
sys.stdout.write(data.decode())
PY
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
