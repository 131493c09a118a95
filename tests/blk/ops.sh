#!/usr/bin/env bash
# Every block operation through the ring, checked on the target file by an
# independent reader: reads and writes (FUA, many segments, indirect
# lists), FLUSH, DISCARD, WRITE_ZEROES (with and without UNMAP), GET_ID;
# the library refusing what the device would refuse; a read-only device;
# a 4 KiB logical block; the page cache; the null target; and the three
# ways a queue can wait, on each side. Then fio's usual workloads through
# the vmiblk engine, verify=crc32c, trims, iodepth = ring size, numjobs
# mapped to queues.
. "$(dirname "$0")/lib.sh"

disk=$work/disk.img
truncate -s 64M "$disk"
blk_machine ops 2 64 1M "$disk"

echo "== operations, O_DIRECT, adaptive"
blk_start ops
"$BLK_IO" "$work/ops.rom" 0 info
"$BLK_IO" "$work/ops.rom" 0 \
	write 0 8M 11 write 8M 1M 12 fua flush \
	read 0 8M 11 read 8M 1M 12 \
	writev 16M 64 13 readv 16M 64 13 writev 17M 4 14 readv 17M 4 14 \
	writev 18M 5 14 readv 18M 5 14 \
	write 20M 1M 15 discard 20M 512K zero 20M 512K read 20992K 512K 15 \
	write 24M 1M 16 zeroes 24M 64K zero 24M 64K read 24640K 960K 16 \
	zeroes 24704K 64K unmap zero 24704K 64K \
	getid \
	expect-error 34 read 64M 4K 0 \
	expect-error 34 discard 63M 2M \
	expect-error 22 read 0 1000 0 \
	expect-error 22 read 100 512 0
# The independent reader: the file itself, through the page cache.
"$BLK_IO" check-file "$disk" 0 8M 11
"$BLK_IO" check-file "$disk" 8M 1M 12
"$BLK_IO" check-file "$disk" 16M 32K 13
"$BLK_IO" check-file "$disk" 20992K 512K 15
cmp -n 524288 -i 20M:0 "$disk" /dev/zero
cmp -n 65536 -i 24M:0 "$disk" /dev/zero
# A second guest on queue 1 of its own connection sees the same data.
"$BLK_IO" --queue 1 "$work/ops.rom" 0 read 0 8M 11
blk_stats ops >"$work/stats.json"
python3 - "$work/stats.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
q = s["queues"]
assert q[0]["writes"] > 0 and q[0]["flushes"] >= 1, q[0]
assert q[0]["discards"] == 1 and q[0]["write_zeroes"] == 2, q[0]
assert q[0]["get_ids"] == 1 and q[1]["reads"] > 0, q
assert all(x["refused"] == 0 for x in q), q
print("stats:", {k: q[0][k] for k in ("requests", "reads", "writes", "batches", "batch_max")})
PY
blk_stop

echo "== read-only"
blk_machine ro 1 64 1M "$disk" readonly ""
sum=$(sha256sum <"$disk")
blk_start ro
"$BLK_IO" "$work/ro.rom" 0 info read 0 8M 11 \
	expect-error 30 write 0 4K 1 \
	expect-error 95 discard 0 4K \
	expect-error 95 zeroes 0 4K \
	flush
vmi_expect "a read-only device changed its target" \
	[ "$(sha256sum <"$disk")" = "$sum" ]
blk_stop

echo "== 4 KiB logical blocks, page cache, interrupt mode"
blk_machine lbs 1 32 1M "$disk" block_size 4096 buffered ""
blk_start lbs --mode=interrupt
"$BLK_IO" "$work/lbs.rom" 0 info write 32M 1M 21 read 32M 1M 21 \
	expect-error 22 read 512 4K 0 expect-error 22 write 0 512 0
"$BLK_IO" check-file "$disk" 32M 1M 21
blk_stop

echo "== null target, poll mode"
blk_machine null 2 64 1M - null "" size 1G
blk_start null --mode=poll
"$BLK_IO" "$work/null.rom" 0 info write 0 4M 5 flush getid \
	discard 0 1G dump 512M 4K >/dev/null
blk_stop

echo "== fio workloads through the vmiblk engine"
blk_start ops --stats="$work/usr1.json"
common=(--size=16M --bs=4k --iodepth=16 --thread --group_reporting
	--output-format=terse --terse-version=3)
for rw in write randwrite rw randrw trimwrite; do
	blk_fio ops --name="v-$rw" "${common[@]}" --rw="$rw" \
		--verify=crc32c --do_verify=1 | cut -d';' -f1-5
done
for rw in read randread trim randtrim; do
	blk_fio ops --name="$rw" "${common[@]}" --rw="$rw" | cut -d';' -f1-5
done
for mode in adaptive poll interrupt; do
	blk_fio ops --name="m-$mode" "${common[@]}" --rw=randrw \
		--verify=crc32c --mode="$mode" | cut -d';' -f1-5
done
# fsync through FLUSH, iodepth the ring's size, two jobs on two queues.
blk_fio ops --name=fsync "${common[@]}" --rw=randwrite --fsync=8 |
	cut -d';' -f1-5
blk_fio ops --name=deep --size=16M --bs=4k --iodepth=64 --rw=randread \
	--output-format=terse | cut -d';' -f1-5
blk_fio ops --name=jobs --size=8M --bs=8k --iodepth=8 --numjobs=2 \
	--offset_increment=8M --rw=randwrite --verify=crc32c \
	--output-format=terse | cut -d';' -f1-5
blk_stats ops >"$work/stats.json"
python3 - "$work/stats.json" <<'PY'
import json, sys
q = json.load(open(sys.argv[1]))["queues"]
# numjobs=2 ran on both queues; trims became discards, fsyncs flushes.
assert q[0]["requests"] > 0 and q[1]["requests"] > 0, q
assert sum(x["discards"] for x in q) > 0, q
assert sum(x["flushes"] for x in q) > 0, q
assert sum(x["errors"] for x in q) == 0, q
print("both queues served; discards", sum(x["discards"] for x in q),
      "flushes", sum(x["flushes"] for x in q))
PY
# What fio must be refused: a deeper queue than the ring, too many jobs.
if blk_fio ops --name=toodeep --size=1M --iodepth=65 --rw=read \
	>"$work/toodeep.log" 2>&1; then
	echo "iodepth 65 on a 64-slot ring was accepted" >&2
	exit 1
fi
grep -q "exceeds the ring's 64 slots" "$work/toodeep.log"
if blk_fio ops --name=jobs3 --size=1M --numjobs=3 --rw=read \
	>"$work/jobs3.log" 2>&1; then
	echo "three jobs on two queues were accepted" >&2
	exit 1
fi
grep -q "queues of device 0 are taken" "$work/jobs3.log"
# SIGUSR1 writes the same stats to the stats= file.
kill -USR1 "$BB_PID"
for _ in $(seq 500); do
	[ -s "$work/usr1.json" ] && break
	sleep 0.01
done
python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
assert s["device"] == "blk0" and len(s["queues"]) == 2, s
print("SIGUSR1 stats:", s["mode"], s["poll_us"], "us,",
      sum(q["requests"] for q in s["queues"]), "requests")' "$work/usr1.json"
blk_stop
echo "ops: all passed"
