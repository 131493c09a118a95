#!/usr/bin/env bash
# End to end through the ring, multi-queue: fio writes 1 GiB in random
# order with verify=crc32c over two queues of one guest (two jobs, one
# queue each), reads it all back through the ring and checks it; then
# readers that do not use the ring check the file itself: fio's psync
# engine replaying the same jobs (verify_only), and a byte-for-byte
# comparison of the whole device read through the ring with the file.
#
#   fio-verify.sh BUILD_DIR [SIZE] [BS]   (default 1G, 64k)
. "$(dirname "$0")/lib.sh"

size=${2:-1G}
bs=${3:-64k}
disk=$work/disk.img
truncate -s "$size" "$disk"
blk_machine v 2 256 8M "$disk"
blk_start v

half=$(($(stat -c %s "$disk") / 2))
jobs=(--numjobs=2 --size=$half --offset_increment=$half --bs="$bs"
	--verify=crc32c --randrepeat=1 --group_reporting)

echo "== write $size in random order, read back, verify (2 queues)"
blk_fio v --name=vw "${jobs[@]}" --rw=randwrite --iodepth=32 \
	--do_verify=1 --verify_fatal=1 --output-format=terse | cut -d';' -f1-5
echo "== read it again through the ring, random order"
blk_fio v --name=vr "${jobs[@]}" --rw=randread --iodepth=32 \
	--verify_fatal=1 --output-format=terse | cut -d';' -f1-5
blk_stats v >"$work/stats.json"
python3 - "$work/stats.json" "$half" <<'PY'
import json, sys
q = json.load(open(sys.argv[1]))["queues"]
half = int(sys.argv[2])
for x in q:
    # Each queue wrote its half and read it at least twice.
    assert x["write_bytes"] == half, x
    assert x["read_bytes"] >= 2 * half, x
    assert x["errors"] == 0, x
print("per queue:", [(x["writes"], x["reads"], x["batch_max"]) for x in q])
PY

echo "== the file, without the ring: fio psync replays and verifies"
fio --name=vw --filename="$disk" --ioengine=psync --verify_state_save=0 "${jobs[@]}" \
	--rw=randwrite --verify_only=1 --verify_fatal=1 \
	--output-format=terse | cut -d';' -f1-5

echo "== the whole device through the ring equals the file"
a=$("$BLK_IO" "$work/v.rom" 0 dump 0 "$size" | sha256sum)
b=$(sha256sum <"$disk")
echo "ring $a"
echo "file $b"
vmi_expect "the device read through the ring differs from the file" \
	[ "$a" = "$b" ]
blk_stop
echo "fio-verify: passed"
