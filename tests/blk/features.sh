#!/usr/bin/env bash
# The block features of ABI 4.0 end to end, through the user-space guest
# against vmi-blkback on a file: the versioned config and its topology
# hints; multi-range DISCARD and WRITE_ZEROES (each range acted on, the
# sectors between them untouched, checked on the file by an independent
# reader); the write-cache toggle (SET_CACHE, the config's mode, a new
# guest starting in write-back again, fio's cache= option); GET_ID; a
# device without these features refusing them; and a target that shrinks
# under the guest, whose short reads must fail rather than answer OK.
. "$(dirname "$0")/lib.sh"

disk=$work/disk.img
truncate -s 64M "$disk"
blk_machine feat 2 64 1M "$disk"

echo "== config, topology, multi-range, cache, GET_ID"
blk_start feat
info=$("$BLK_IO" "$work/feat.rom" 0 info)
echo "$info"
# Bits 6-8 (TOPOLOGY, MULTI_RANGE, CONFIG_WCE) were offered and taken;
# a file's hints are its st_blksize; a new guest starts in write-back.
python3 - "$info" <<'PY'
import sys
kv = dict(f.split("=") for f in sys.argv[1].split())
feat = int(kv["features"], 16)
assert feat & (7 << 6) == 7 << 6, hex(feat)
assert int(kv["max_discard_segs"]) == 32, kv
mio = int(kv["min_io_size"])
assert mio >= 512 and mio % int(kv["logical_block_size"]) == 0, kv
assert kv["cache"] == "1", kv
PY
# Four 64 KiB ranges 256 KiB apart in one request, each kind.
"$BLK_IO" "$work/feat.rom" 0 \
	write 0 2M 31 \
	ranges discard 0 64K 256K 4 \
	zero 0 64K zero 256K 64K zero 512K 64K zero 768K 64K \
	read 64K 192K 31 read 832K 1216K 31 \
	write 4M 1M 32 \
	ranges zeroes 4M 4K 8K 32 \
	expect-error 22 ranges zeroes 4M 4K 8K 33 \
	zero 4M 4K zero 4104K 4K read 4100K 4K 32 read 4608K 512K 32 \
	write 6M 1M 33 ranges zeroes-unmap 6M 512K 512K 2 zero 6M 1M \
	expect-error 34 ranges discard 62M 1M 2M 2 \
	expect-error 22 ranges discard 0 0 4K 1
"$BLK_IO" check-file "$disk" 64K 192K 31
"$BLK_IO" check-file "$disk" 832K 1216K 31
"$BLK_IO" check-file "$disk" 4100K 4K 32
cmp -n 65536 -i 768K:0 "$disk" /dev/zero
cmp -n 4096 -i 4M:0 "$disk" /dev/zero
cmp -n 1048576 -i 6M:0 "$disk" /dev/zero
# The cache mode: the config follows every switch, writes go on in
# write-through; a second guest (its own attachment) starts in write-back.
out=$("$BLK_IO" "$work/feat.rom" 0 \
	cache writethrough write 8M 1M 34 read 8M 1M 34 \
	cache writeback write 9M 1M 35 flush cache writethrough getid getid)
echo "$out"
vmi_expect "the config did not follow SET_CACHE" \
	[ "$(grep -c '^cache=' <<<"$out")" = 3 ]
vmi_expect "SET_CACHE writethrough, writeback, writethrough" \
	[ "$(grep '^cache=' <<<"$out" | tr -d '\n')" = "cache=0cache=1cache=0" ]
id=$(grep -m1 '^id=' <<<"$out")
vmi_expect "GET_ID answered an empty serial" [ "$id" != "id=" ]
vmi_expect "GET_ID answered a changing serial" \
	[ "$(grep -cxF "$id" <<<"$out")" = 2 ]
"$BLK_IO" "$work/feat.rom" 0 info | grep -q 'cache=1$'
"$BLK_IO" check-file "$disk" 8M 1M 34
"$BLK_IO" check-file "$disk" 9M 1M 35
# fio: cache= switches the device through the job's queue.
for cache in writethrough writeback; do
	blk_fio feat --name="c-$cache" --size=4M --bs=4k --iodepth=8 \
		--rw=randwrite --verify=crc32c --cache="$cache" \
		--output-format=terse | cut -d';' -f1-5
done
blk_stats feat >"$work/stats.json"
python3 - "$work/stats.json" <<'PY'
import json, sys
q = json.load(open(sys.argv[1]))["queues"]
tot = lambda k: sum(x[k] for x in q)
# 3 from vmi-blk-io, one per fio job.
assert tot("set_caches") == 5, q
assert tot("discards") == 1 and tot("write_zeroes") == 2, q
assert tot("get_ids") == 2, q
# The library refused the bad requests itself: none reached the host.
assert tot("refused") == 0 and tot("errors") == 0, q
print("set_caches", tot("set_caches"), "discards", tot("discards"),
      "write_zeroes", tot("write_zeroes"))
PY
blk_stop

echo "== a device without the new features refuses them"
BLK_FEATURES="flush fua discard write_zeroes indirect heartbeat" \
	blk_machine old 1 64 1M "$disk"
blk_start old
"$BLK_IO" "$work/old.rom" 0 info | tee "$work/old.info"
grep -q 'max_discard_segs=32 alignment_offset=0 min_io_size=0 opt_io_size=0 cache=-95$' \
	"$work/old.info"
"$BLK_IO" "$work/old.rom" 0 \
	expect-error 95 ranges discard 0 64K 256K 2 \
	expect-error 95 cache writethrough \
	expect-error 95 getid \
	discard 0 64K zero 0 64K
if blk_fio old --name=nowce --size=1M --rw=write --cache=writethrough \
	>"$work/nowce.log" 2>&1; then
	echo "cache=writethrough on a device without CONFIG_WCE was accepted" >&2
	exit 1
fi
grep -q "does not offer CONFIG_WCE" "$work/nowce.log"
blk_stop

echo "== a target that shrinks: short reads fail, never OK"
blk_machine shrink 1 64 1M "$disk" buffered ""
blk_start shrink
"$BLK_IO" "$work/shrink.rom" 0 write 31M 1M 36
truncate -s 32640K "$disk"
# 31.75 MiB..32 MiB is a whole chunk before the new end; the chunk that
# straddles it comes back short, then empty: an I/O error.
"$BLK_IO" "$work/shrink.rom" 0 read 31M 256K 36 \
	expect-error 5 read 32512K 256K 36 \
	expect-error 5 read 40M 4K 0
truncate -s 64M "$disk"
blk_stop
echo "features: all passed"
