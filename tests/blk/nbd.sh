#!/usr/bin/env bash
# The NBD target end to end, onto nbdkit servers this test starts on Unix
# sockets in its own folder: every block operation through the ring, read
# back through nbdkit by another NBD client (qemu-img) and compared; fio
# verify through the vmiblk engine over two queues (two connections); the
# features a server without trim, zero and FUA gets (no discard, no
# write-zeroes, FUA through a flush); a read-only export; then the target
# going away: nbdkit killed under fio (the guest gets I/O errors, the
# backend stays up), a request while there is no server (an error once the
# timeout passes, not a hang), a stopped server (the same), and a new
# nbdkit on the same socket (served again).
#
#   nbd.sh BUILD_DIR
. "$(dirname "$0")/lib.sh"

command -v nbdkit >/dev/null || {
	echo "nbdkit is not installed (scripts/deps.sh)" >&2
	exit 77
}
command -v qemu-img >/dev/null || {
	echo "qemu-img is not installed (scripts/deps.sh: qemu-utils)" >&2
	exit 77
}

sock=$work/nbd.sock
uri="nbd+unix:///?socket=$sock"
NBD_PID=

# nbdkit [args]: a server on $sock in the foreground of a background job,
# tracked for the cleanup; returns once the socket answers.
nbd_start() {
	rm -f "$sock"
	nbdkit --foreground --unix "$sock" "$@" >>"$work/nbdkit.log" 2>&1 &
	NBD_PID=$!
	blk_track "$NBD_PID"
	blk_await "$NBD_PID" "$work/nbdkit.log" nbdkit "$sock"
}

# The server may be gone already: after a client dropped its connection
# with replies outstanding (the stopped-server check below), nbdkit 1.32
# can abort in one of its threads (connections.c raw_send_socket: assertion
# `sock >= 0'), a bug of the server that the check does not depend on.
nbd_kill() {
	kill -9 "$NBD_PID" 2>/dev/null || true
	wait "$NBD_PID" 2>/dev/null || true
}

# The export as another NBD client reads it.
nbd_copy() {
	qemu-img convert -f raw -O raw "$uri" "$1"
}

# Feature bit N of the device as the guest sees it (vmi-blk-io info).
has_feature() {
	local f
	f=$("$BLK_IO" "$work/$1.rom" 0 info | sed -n 's/.*features=\(0x[0-9a-f]*\).*/\1/p')
	[ $(((f >> $2) & 1)) -eq 1 ]
}
F_FUA=2 F_DISCARD=3 F_WRITE_ZEROES=4

echo "== every operation, read back through nbdkit"
nbd_start memory 64M
blk_machine n 2 64 1M "$uri" timeout_ms 1000
blk_start n
"$BLK_IO" "$work/n.rom" 0 info
has_feature n $F_DISCARD && has_feature n $F_WRITE_ZEROES && has_feature n $F_FUA
blk_ops_write "$work/n.rom"
"$BLK_IO" "$work/n.rom" 0 expect-error 34 read 64M 4K 0
nbd_copy "$work/copy.img"
blk_ops_check "$work/copy.img"
# Queue 1 is another connection to the same export.
"$BLK_IO" --queue 1 "$work/n.rom" 0 read 0 8M 11

echo "== fio verify through the vmiblk engine, two queues"
blk_fio n --name=nv --numjobs=2 --size=16M --offset_increment=16M \
	--bs=16k --rw=randwrite --iodepth=16 --verify=crc32c --do_verify=1 \
	--verify_fatal=1 --group_reporting --output-format=terse | cut -d';' -f1-5
blk_fio n --name=nt --size=32M --offset=32M --bs=64k --rw=trimwrite \
	--iodepth=8 --verify=crc32c --output-format=terse | cut -d';' -f1-5
blk_stats n >"$work/stats.json"
python3 - "$work/stats.json" <<'PY'
import json, sys
q = json.load(open(sys.argv[1]))["queues"]
assert all(x["requests"] > 0 for x in q), q
assert sum(x["discards"] for x in q) > 0 and sum(x["flushes"] for x in q) > 0, q
# blk_ops_write: two single-range WRITE_ZEROES and one range list.
assert sum(x["write_zeroes"] for x in q) == 3, q
assert sum(x["set_caches"] for x in q) == 2, q
assert sum(x["errors"] for x in q) == 0, q
print("per queue (writes, reads, discards):",
      [(x["writes"], x["reads"], x["discards"]) for x in q])
PY
blk_stop
nbd_kill

echo "== a server without trim, zero or FUA: no discard, no write-zeroes"
# nbdkit's eval plugin over a file, with only what it is told it can do
# (nbdkit would emulate zero with writes: the nozero filter says no).
img=$work/eval.img
truncate -s 4M "$img"
nbd_start --filter=log --filter=nozero eval logfile="$work/eval.log" \
	zeromode=none \
	get_size="stat -c %s $img" \
	pread="dd if=$img iflag=skip_bytes,count_bytes skip=\$4 count=\$3 status=none" \
	pwrite="dd of=$img oflag=seek_bytes conv=notrunc seek=\$4 status=none" \
	flush="sync $img" \
	can_write='exit 0' can_flush='exit 0' can_trim='exit 3' \
	can_zero='exit 3' can_fua='echo none'
blk_machine e 1 16 1M "$uri"
blk_start e
if has_feature e $F_DISCARD || has_feature e $F_WRITE_ZEROES; then
	echo "discard or write-zeroes offered on a server without them" >&2
	exit 1
fi
has_feature e $F_FUA # emulated: the write, then a flush
"$BLK_IO" "$work/e.rom" 0 write 0 64K 21 fua read 0 64K 21 \
	expect-error 95 discard 0 4K expect-error 95 zeroes 0 4K
"$BLK_IO" check-file "$img" 0 64K 21
# The server saw a flush after the writes, and no FUA flag on them.
grep -q 'Flush' "$work/eval.log"
! grep -q 'fua=1' "$work/eval.log"
blk_stats e | python3 -c 'import json, sys
q = json.load(sys.stdin)["queues"][0]
assert q["writes"] >= 1 and q["flushes"] == 0 and q["errors"] == 0, q
print("no-trim server: FUA write then flush, discard and zeroes refused")'
blk_stop
nbd_kill

echo "== a read-only export"
nbd_start --readonly memory 16M
blk_machine r 1 16 1M "$uri" readonly ""
blk_start r
"$BLK_IO" "$work/r.rom" 0 zero 0 64K expect-error 30 write 0 4K 1
blk_stop
nbd_kill

echo "== the target goes away under fio, and comes back"
nbd_start memory 64M
blk_start n
blk_fio_bg "$work/loss.fio" n --name=loss --size=32M --bs=4k --rw=randrw \
	--iodepth=8 --time_based --runtime=60
sleep 1
nbd_kill
blk_fio_fails "$work/loss.fio"
echo "fio failed with I/O errors; the backend is up"
# No server: a request fails once its timeout passes.
"$BLK_IO" "$work/n.rom" 0 expect-error 5 read 0 4K 0
grep -q "nbd target $uri: connection lost" "$work/n.log"
# A server that stops answering: the same, and its connection is dropped.
nbd_start memory 64M
"$BLK_IO" "$work/n.rom" 0 write 0 1M 31 read 0 1M 31
blk_fio_bg "$work/stop.fio" n --name=stop --size=32M --bs=4k --rw=randrw \
	--iodepth=8 --time_based --runtime=60
sleep 1
kill -STOP "$NBD_PID"
blk_fio_fails "$work/stop.fio"
kill -CONT "$NBD_PID"
grep -q "no answer within the timeout" "$work/n.log"
echo "a stopped server: fio failed with I/O errors, its connection dropped"
nbd_kill
# A guest that keeps going through the outage (fio continues past its
# errors) is served again, on the same queues, once a new server comes up
# on the same socket.
nbd_start memory 64M
blk_fio_bg "$work/back.fio" n --name=back --size=32M --bs=4k --rw=randwrite \
	--iodepth=8 --time_based --runtime=60 --continue_on_error=all
sleep 1
nbd_kill
sleep 2
nbd_start memory 64M
for _ in $(seq 300); do
	grep -q "connected again" "$work/n.log" && break
	sleep 0.1
done
grep -q "connected again" "$work/n.log"
a=$(blk_writes n)
blk_await_writes n "$a"
kill -0 "$FIO_PID"
kill -INT "$FIO_PID"
wait "$FIO_PID" || true
echo "the same guest is served again: $a writes, then more"
# And a new guest, with fio verify.
"$BLK_IO" "$work/n.rom" 0 write 16M 4M 32 flush read 16M 4M 32
blk_fio n --name=after --size=8M --bs=4k --rw=randwrite --iodepth=8 \
	--verify=crc32c --do_verify=1 --verify_fatal=1 \
	--output-format=terse | cut -d';' -f1-5
nbd_copy "$work/copy2.img"
"$BLK_IO" check-file "$work/copy2.img" 16M 4M 32
blk_stop
nbd_kill
echo "nbd: passed"
