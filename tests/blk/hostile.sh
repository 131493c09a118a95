#!/usr/bin/env bash
# A hostile guest (tests/blk/blk_hostile.c) against vmi-blkback while a
# well-behaved guest runs fio with verify beside it: every refused request
# is answered with its id and the right status, the target file stays
# byte-for-byte what it was outside the good guest's region, no pass of a
# queue takes more than the ring's size, the guests that corrupt their
# ring indices are dropped with a log line, and the good guest and the
# backend carry on.
. "$(dirname "$0")/lib.sh"

disk=$work/disk.img
truncate -s 256M "$disk"
slots=64
blk_machine h 2 $slots 1M "$disk"
blk_start h
"$BLK_IO" "$work/h.rom" 0 write 0 64M 3 flush >/dev/null
before=$(head -c 128M "$disk" | sha256sum)

echo "== a good guest runs fio on the upper half meanwhile"
blk_fio_bg "$work/good.out" h --name=good --offset=128M --size=128M \
	--bs=4k --rw=randrw --iodepth=8 --verify=crc32c --verify_fatal=1 \
	--time_based --runtime=300 --output-format=terse

echo "== the hostile guest"
"$BLK_HOSTILE" "$work/h.rom" 0

echo "== the good guest is still served"
sleep 1
kill -0 "$FIO_PID"
kill -INT "$FIO_PID"
wait "$FIO_PID" || true # fio exits 1 after SIGINT; its report says how it went
cat "$work/good.out" | cut -d";" -f1-5
grep -q '^3;fio-3.33;good;0;0' "$work/good.out"

after=$(head -c 128M "$disk" | sha256sum)
[ "$before" = "$after" ] || {
	echo "the hostile guest changed the target: $before -> $after" >&2
	exit 1
}
echo "target unchanged: $after"

blk_stats h >"$work/stats.json"
python3 - "$work/stats.json" "$slots" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
slots = int(sys.argv[2])
for q in s["queues"]:
    assert q["batch_max"] <= slots, q
refused = sum(q["refused"] for q in s["queues"])
assert refused >= 21 + 3 * slots + slots, refused
print("refused", refused, "batch_max", [q["batch_max"] for q in s["queues"]],
      "ring", slots)
PY
grep "dropped: protocol error" "$work/h.log"
dropped=$(grep -c 'dropped: protocol error' "$work/h.log")
vmi_expect "$dropped hostile guests dropped, not 2" [ "$dropped" -eq 2 ]

# And a new guest still gets its data.
"$BLK_IO" "$work/h.rom" 0 read 0 64M 3
blk_stop
echo "hostile: passed"
