#!/usr/bin/env bash
# The RBD target end to end, on a single-node Ceph cluster this test
# starts in its own folder (tests/blk/ceph-cluster.sh: one monitor, one
# BlueStore OSD on a sparse file, loopback) and purges at exit: every
# block operation through the ring, read back with `rbd export`; fio
# verify through the vmiblk engine over two queues; then data written and
# the OSD stopped under fio (I/O errors once the target's timeout passes,
# the backend stays up) and started again (served again); last, data
# written and flushed, the backend killed (SIGKILL, no clean close), and
# the image read with `rbd export` and compared: FLUSH reached the cluster.
# (Last, because the killed backend's exclusive lock on the image passes
# to another writer only after librbd's 30 s watch timeout.)
# Skips (77) when the Ceph packages are not installed (make deps CEPH=1).
#
#   rbd.sh BUILD_DIR
. "$(dirname "$0")/lib.sh"

for b in ceph-mon ceph-osd ceph rbd monmaptool; do
	command -v "$b" >/dev/null || {
		echo "$b is not installed: the Ceph tier needs scripts/deps.sh --ceph" >&2
		exit 77
	}
done

cluster=$work/ceph
rbd_cleanup() {
	local rc=$?
	[ $rc -eq 0 ] || tail -n 20 "$work/r.log" >&2 || true
	"$(dirname "$0")/ceph-cluster.sh" purge "$cluster" || true
	blk_cleanup
	exit $rc
}
trap rbd_cleanup EXIT

echo "== a single-node cluster"
mkdir "$cluster"
"$(dirname "$0")/ceph-cluster.sh" start "$cluster"
export CEPH_CONF=$cluster/ceph.conf
rbd create --size 128M rbd/vmi
rbd info rbd/vmi | grep -E "size|features"

echo "== every operation, read back with rbd export"
blk_machine r 2 64 1M rbd:rbd/vmi timeout_ms 20000
blk_start r
"$BLK_IO" "$work/r.rom" 0 info
blk_ops_write "$work/r.rom"
"$BLK_IO" "$work/r.rom" 0 expect-error 34 read 128M 4K 0
"$BLK_IO" --queue 1 "$work/r.rom" 0 read 0 8M 11
rbd export --no-progress rbd/vmi "$work/export.img"
blk_ops_check "$work/export.img"

echo "== fio verify through the vmiblk engine, two queues"
blk_fio r --name=rv --numjobs=2 --size=16M --offset=32M \
	--offset_increment=16M --bs=16k --rw=randwrite --iodepth=16 \
	--verify=crc32c --do_verify=1 --verify_fatal=1 --group_reporting \
	--output-format=terse | cut -d';' -f1-5
blk_stats r >"$work/stats.json"
python3 - "$work/stats.json" <<'PY'
import json, sys
q = json.load(open(sys.argv[1]))["queues"]
assert all(x["requests"] > 0 for x in q), q
assert sum(x["errors"] for x in q) == 0, q
# blk_ops_write: one single-range DISCARD and one range list; two
# single-range WRITE_ZEROES and one list; the cache off and on again.
assert sum(x["discards"] for x in q) == 2, q
assert sum(x["write_zeroes"] for x in q) == 3, q
assert sum(x["set_caches"] for x in q) == 2, q
print("per queue (writes, reads):", [(x["writes"], x["reads"]) for x in q])
PY

echo "== the OSD goes away under fio, and comes back"
blk_stop
blk_start r --timeout_ms=3000
blk_fio_bg "$work/loss.fio" r --name=loss --size=32M --offset=96M --bs=4k \
	--rw=randwrite --iodepth=8 --time_based --runtime=120
blk_await_writes r 0
"$(dirname "$0")/ceph-cluster.sh" osd-stop "$cluster"
blk_fio_fails "$work/loss.fio"
grep -q "rbd target rbd:rbd/vmi: write of" "$work/r.log"
echo "fio failed with I/O errors; the backend is up"
"$(dirname "$0")/ceph-cluster.sh" osd-start "$cluster"
"$BLK_IO" "$work/r.rom" 0 write 100M 4M 22 flush read 100M 4M 22
rbd export --no-progress rbd/vmi "$work/back.img"
"$BLK_IO" check-file "$work/back.img" 100M 4M 22
blk_stop
blk_start r

echo "== flush, kill the backend, rbd export"
"$BLK_IO" "$work/r.rom" 0 write 64M 16M 21 flush
kill -9 "$BB_PID"
wait "$BB_PID" 2>/dev/null || true
rbd export --no-progress rbd/vmi "$work/after.img"
"$BLK_IO" check-file "$work/after.img" 64M 16M 21
"$BLK_IO" check-file "$work/after.img" 0 8M 11

echo "rbd: passed"
