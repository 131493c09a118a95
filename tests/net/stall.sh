#!/usr/bin/env bash
# A guest that stops taking RX packets for 10 s stalls neither the backend
# nor another guest: what comes for it is dropped and counted.
#
# Guest B (vminet-gen --stall) sends a few frames, so that the backend
# learns its MAC, and then posts no RX buffer for 10 s or more (until the
# test stops it once A is done) while the peer floods UDP at its address.
# Meanwhile guest A (vminet-tap) runs iperf3 TCP with the peer, both
# directions, and pings it. A's transfers must complete, B's drops must be
# counted under B, and once B has gone the device still serves A.
#
#   tests/net/stall.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib.sh"

STALL=10
B_MAC=02:76:6d:69:67:01
B_IP=10.99.0.99

net_setup "${1:?usage: stall.sh BUILD_DIR}"
net_device m 1500 1 "vg$$"

# B stalls until told to stop (SIGTERM), at least STALL s, whatever the
# load on this machine makes of A's traffic meanwhile; 120 s at most.
net_log "guest B stalls for $STALL s or more"
stall_start=$SECONDS
"$VMINET_GEN" --rom "$NET_TMP/m.rom" --stall 120 --src-mac "$B_MAC" \
	--src-ip "$B_IP" >"$NET_TMP/stall.json" 2>"$NET_TMP/stall.err" &
gen_pid=$!
NET_PIDS+=($gen_pid)
# Wait until the backend has learned B's MAC from its first frames.
for i in $(seq 50); do
	net_stats m | jq -e --arg mac "$B_MAC" \
		'[.guests[] | select(.mac == $mac)] | length == 1' >/dev/null && break
	sleep 0.1
done
[ "$i" -lt 50 ] || net_fail "the backend never learned guest B's MAC"

# The peer floods B with UDP for the length of the stall.
ip -n "$NS_PEER" neigh replace "$B_IP" lladdr "$B_MAC" dev "pm$$"
ip netns exec "$NS_PEER" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
payload = b"x" * 1000
while True:
    try:
        s.sendto(payload, (sys.argv[1], 9))
    except OSError:
        pass
' "$B_IP" &
flood_pid=$!
NET_PIDS+=($flood_pid)

# A's traffic goes on meanwhile.
for dir in "" "-R"; do
	out=$(net_iperf3 -t 3 $dir) || {
		echo "$out" >&2
		net_fail "guest A's iperf3 $dir failed while B stalled"
	}
	jq -e '.error == null and .end.sum_received.bits_per_second > 0' \
		<<<"$out" >/dev/null || net_fail "guest A's iperf3 $dir moved nothing"
	jq -r --arg d "${dir:-up}" '"A \($d) while B stalls: \(.end.sum_received.bits_per_second / 1e9 * 1000 | round / 1000) Gbit/s"' <<<"$out"
done
ip netns exec "$NS_GUEST" ping -c 5 -i 0.1 -W 2 10.99.0.2 >/dev/null ||
	net_fail "guest A cannot ping while B stalls"
left=$((STALL - (SECONDS - stall_start)))
[ "$left" -le 0 ] || sleep "$left"

st=$(net_stats m)
jq -c --arg mac "$B_MAC" '.guests[] | select(.mac == $mac) | .queue_pairs[0] |
	{rx_packets, rx_drops, tx_packets}' <<<"$st"
jq -e --arg mac "$B_MAC" '.guests[] | select(.mac == $mac) |
	.queue_pairs[0].rx_drops > 0 and .queue_pairs[0].rx_packets == 0' \
	<<<"$st" >/dev/null || net_fail "guest B's drops were not counted under B"

kill "$flood_pid"
wait "$flood_pid" 2>/dev/null
kill -TERM "$gen_pid"
wait "$gen_pid" || {
	cat "$NET_TMP/stall.err" >&2
	net_fail "guest B ended badly"
}
cat "$NET_TMP/stall.json"
# B is gone; the device still serves A.
ip netns exec "$NS_GUEST" ping -c 3 -i 0.1 -W 2 10.99.0.2 >/dev/null ||
	net_fail "guest A cannot ping after B left"
st=$(net_stats m)
jq -e '.guests | length == 1' <<<"$st" >/dev/null ||
	net_fail "the backend still lists guest B"
net_check_clean m
net_finish
net_log "done"
