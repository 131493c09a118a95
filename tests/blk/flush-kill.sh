#!/usr/bin/env bash
# FLUSH and FUA: once a FLUSH has completed, what was written before it is
# on the target. A guest writes a pattern, a FUA write, FLUSH, and goes on
# writing; the backend is killed with SIGKILL right after the FLUSH
# completes; another process then reads the file: both regions are there.
# The guest, its backend gone mid-write, fails its requests and exits
# instead of waiting. Run on the page cache (where FLUSH is fdatasync) and
# with O_DIRECT.
. "$(dirname "$0")/lib.sh"

disk=$work/disk.img
truncate -s 512M "$disk"

run() {
	local name=$1 out=$work/$1.out rc
	shift
	blk_start "$name" "$@"
	# The guest: 32 MiB of pattern 7, 1 MiB FUA of pattern 8, FLUSH,
	# then 256 MiB more that the kill interrupts.
	"$BLK_IO" "$work/$name.rom" 0 write 0 32M 7 write 32M 1M 8 fua \
		flush write 64M 256M 9 >"$out" 2>"$work/$name.err" &
	local guest=$!
	blk_track "$guest"
	for _ in $(seq 3000); do
		grep -q flushed "$out" && break
		kill -0 "$guest" 2>/dev/null || break
		sleep 0.01
	done
	grep -q flushed "$out"
	kill -KILL "$BB_PID"
	wait "$BB_PID" || true
	# Bounded by the runner's timeout: a guest that hangs fails the test.
	rc=0
	wait "$guest" || rc=$?
	cat "$work/$name.err"
	if [ $rc -eq 0 ]; then
		echo "the guest finished 256 MiB after its backend was killed?" >&2
		return 1
	fi
	grep -q "not connected\|backend is gone" "$work/$name.err"
	"$BLK_IO" check-file "$disk" 0 32M 7
	"$BLK_IO" check-file "$disk" 32M 1M 8
}

echo "== page cache"
blk_machine pc 1 128 8M "$disk" buffered ""
run pc
echo "== O_DIRECT"
blk_machine od 2 128 8M "$disk"
truncate -s 0 "$disk"
truncate -s 512M "$disk"
run od
echo "flush-kill: passed"
