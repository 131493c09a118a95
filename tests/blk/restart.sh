#!/usr/bin/env bash
# Backend restart: fio writes a region and flushes it (end_fsync), then a
# second fio run writes elsewhere and the backend is killed (SIGKILL) in
# the middle of it. That run must end by itself with I/O errors (no hang);
# a new backend on the same socket serves new guests, and everything the
# first run wrote before its flush is intact, through the ring and in the
# file.
. "$(dirname "$0")/lib.sh"

disk=$work/disk.img
truncate -s 512M "$disk"
blk_machine r 2 128 8M "$disk"
blk_start r

region=(--size=128M --bs=16k --randrepeat=1 --verify=crc32c)
echo "== write and flush region A"
blk_fio r --name=a "${region[@]}" --rw=randwrite --iodepth=16 \
	--end_fsync=1 --do_verify=0 --output-format=terse | cut -d';' -f1-5

echo "== region B, backend killed mid-run"
blk_fio_bg "$work/b.out" r --name=b --offset=256M --size=128M --bs=4k \
	--rw=randwrite --iodepth=32 --numjobs=2 --time_based --runtime=120
# Kill once requests are flowing: the backend's stats show writes.
writes() {
	blk_stats r | python3 -c 'import json, sys
print(sum(q["writes"] for q in json.load(sys.stdin)["queues"]))'
}
before=$(writes)
for _ in $(seq 1000); do
	n=$(($(writes) - before))
	[ "$n" -gt 2000 ] && break
	sleep 0.01
done
echo "region B writes served before the kill: $n"
kill -KILL "$BB_PID"
wait "$BB_PID" || true
rc=0
wait "$FIO_PID" || rc=$?
grep -E "err=|error" "$work/b.out" | head -n 5 || true
if [ $rc -eq 0 ]; then
	echo "fio reported no error after its backend was killed" >&2
	exit 1
fi
grep -q "Transport endpoint is not connected\|err=107" "$work/b.out"

echo "== a new backend on the same socket; region A intact"
blk_start r
blk_fio r --name=a "${region[@]}" --rw=randread --iodepth=16 \
	--verify_fatal=1 --output-format=terse | cut -d';' -f1-5
fio --name=a --filename="$disk" --ioengine=psync --verify_state_save=0 "${region[@]}" \
	--rw=randwrite --verify_only=1 --verify_fatal=1 \
	--output-format=terse | cut -d';' -f1-5
blk_stop
echo "restart: passed"
