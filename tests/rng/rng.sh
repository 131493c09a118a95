#!/usr/bin/env bash
# The entropy device end to end (docs/ABI.md part (g)): a machine
# description with an rng device, its process ROM, vmi-rngback serving it
# and vmirng-read as the guest. Two reads return the byte counts asked
# for and differ; requests outside the data area, empty or longer than
# max_request are answered RANGE while the same guest's next request is
# still served; four guests at once are all served; and the backend exits
# 0 on SIGTERM. Everything it starts is killed by PID
# and its folder removed at exit.
#
#   tests/rng/rng.sh BUILD_DIR
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

O=${1:?usage: $0 BUILD_DIR}
RNGBACK=$O/host-backends/rng/vmi-rngback
RNG_READ=$O/guest-drivers/user/vmirng-read
VMI_ROM=$O/vmi-core/vmi-rom
for f in "$RNGBACK" "$RNG_READ" "$VMI_ROM"; do
	[ -x "$f" ] || {
		echo "missing $f: build first" >&2
		exit 1
	}
done

work=$(mktemp -d "${TMPDIR:-/tmp}/vmi-rng.XXXXXX")
rb_pid=
pids=()
cleanup() {
	local p
	for p in $rb_pid "${pids[@]}"; do
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

# 64 KiB of data area per queue: max_request is 64 KiB too.
data=65536
cat >"$work/m.machine" <<EOM
# A block device first, so that the rng device is index 1: a guest and a
# backend find it by its index whatever else the machine holds.
device blk 0
	transport process
	socket $work/blk.sock
	null

device rng 0
	transport process
	socket $work/rng.sock
	queues 2
	slots 8
	data 64K
	features heartbeat
EOM
"$VMI_ROM" build --flavour process --machine "$work/m.machine" -o "$work/rom"
"$VMI_ROM" inspect "$work/rom" | grep -q "rng 0, process, queues 2"

"$RNGBACK" --machine "$work/m.machine" --device 1 2>"$work/rb.log" &
rb_pid=$!
for _ in $(seq 100); do
	[ -S "$work/rng.sock" ] && break
	vmi_expect "vmi-rngback exited before making its socket" kill -0 "$rb_pid"
	sleep 0.05
done
vmi_expect "vmi-rngback made no socket in 5 s" [ -S "$work/rng.sock" ]

echo "== reads return what was asked, and differ"
for n in 1 4096 65536 200000; do
	got=$("$RNG_READ" "$work/rom" 1 "$n" | wc -c)
	[ "$got" -eq "$n" ] || {
		echo "asked $n bytes, got $got" >&2
		exit 1
	}
done
"$RNG_READ" "$work/rom" 1 4096 >"$work/a"
"$RNG_READ" "$work/rom" 1 4096 >"$work/b"
if cmp -s "$work/a" "$work/b"; then
	echo "two reads of 4096 bytes are the same" >&2
	exit 1
fi
# Not a constant either: 4096 random bytes hold well over 200 values.
distinct=$(od -An -v -tu1 "$work/a" | tr -s ' ' '\n' | sort -u | wc -l)
[ "$distinct" -gt 200 ] || {
	echo "4096 bytes with only $distinct distinct values" >&2
	exit 1
}

echo "== hostile requests are refused, and the guest is still served"
# offset len: past the end, wrapping 32 bits, empty, over max_request.
for req in "$((data - 15)) 16" "$data 1" "4294967288 16" "0 0" \
	"0 $((data + 1))"; do
	# shellcheck disable=SC2086
	out=$("$RNG_READ" --request $req "$work/rom" 1)
	echo "request $req: $(echo $out)"
	[ "$out" = "status 2 len 0
status 0 len $data" ] || {
		echo "request $req: expected RANGE, then a good answer" >&2
		exit 1
	}
done
# The largest good request, ending on the data area's last byte.
out=$("$RNG_READ" --request 0 "$data" "$work/rom" 1)
vmi_expect "the largest good request was not served whole: $out" \
	[ "$(head -1 <<<"$out")" = "status 0 len $data" ]

echo "== the backend kept serving: four new guests read at once"
for i in 1 2 3 4; do
	"$RNG_READ" "$work/rom" 1 300000 >"$work/g$i" &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p"
done
pids=()
for i in 1 2 3 4; do
	vmi_expect "guest $i got $(wc -c <"$work/g$i") bytes of 300000" \
		[ "$(wc -c <"$work/g$i")" -eq 300000 ]
done
vmi_expect "two of the four guests read the same bytes" \
	[ "$(sort -u <(sha256sum <"$work/g1") <(sha256sum <"$work/g2") \
		<(sha256sum <"$work/g3") <(sha256sum <"$work/g4") | wc -l)" -eq 4 ]
vmi_expect "vmi-rngback died while serving" kill -0 "$rb_pid"

echo "== SIGTERM: the backend exits 0 and removes its socket"
kill -TERM "$rb_pid"
rc=0
wait "$rb_pid" || rc=$?
rb_pid=
[ "$rc" -eq 0 ] || {
	cat "$work/rb.log" >&2
	echo "vmi-rngback exited $rc" >&2
	exit 1
}
vmi_expect "vmi-rngback left its socket behind" [ ! -e "$work/rng.sock" ]
if grep -q "dropped: protocol error" "$work/rb.log"; then
	echo "a well-behaved guest was dropped" >&2
	exit 1
fi
grep -c "): connected" "$work/rb.log" | sed 's/^/guests served: /'
echo "rng: passed"
