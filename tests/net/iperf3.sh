#!/usr/bin/env bash
# The network path end to end: vminet-tap's TAP in namespace "guest",
# vmi-netback's net_tap port in namespace "peer", two queue pairs. ping at
# MTU 1500 (and 9000 where the port allows it), iperf3 TCP both ways and
# with 4 streams, UDP at a fixed rate with its loss measured. TCP runs with
# checksum offload and TSO end to end, and the backend's validator must
# refuse nothing meanwhile: a valid packet is never dropped as malformed.
#
#   tests/net/iperf3.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib.sh"

net_setup "${1:?usage: iperf3.sh BUILD_DIR}"
net_device m 1500 2 "vg$$"

net_log "ping, MTU 1500"
ip netns exec "$NS_GUEST" ping -c 3 -i 0.2 -W 2 10.99.0.2 >/dev/null ||
	net_fail "ping 10.99.0.2"
ip netns exec "$NS_GUEST" ping -c 3 -i 0.2 -W 2 -M do -s 1472 10.99.0.2 ||
	net_fail "ping of 1500-byte packets, DF"
ip netns exec "$NS_PEER" ping -c 3 -i 0.2 -W 2 -M do -s 1472 10.99.0.1 ||
	net_fail "ping of 1500-byte packets from the peer"

# name, pass condition on the JSON, iperf3 options
run() {
	local name=$1 out
	shift
	net_log "iperf3 $name: $*"
	out=$(net_iperf3 "$@") || {
		echo "$out" >&2
		net_fail "iperf3 $name failed"
	}
	jq -e '.error == null and .end.sum_received.bits_per_second > 0' \
		<<<"$out" >/dev/null || {
		echo "$out" >&2
		net_fail "iperf3 $name: no data received"
	}
	jq -r --arg n "$name" '"\($n): sent \(.end.sum_sent.bits_per_second / 1e9 * 1000 | round / 1000) Gbit/s, received \(.end.sum_received.bits_per_second / 1e9 * 1000 | round / 1000) Gbit/s, retransmits \(.end.sum_sent.retransmits)"' \
		<<<"$out"
}

run "TCP guest->peer" -t 3 -O 1
net_check_clean m
run "TCP peer->guest" -t 3 -O 1 -R
net_check_clean m
run "TCP 4 streams" -t 3 -O 1 -P 4
net_check_clean m

net_log "iperf3 UDP at 200 Mbit/s"
out=$(net_iperf3 -t 3 -u -b 200M -l 1400) || net_fail "iperf3 UDP failed"
jq -e '.error == null and .end.sum.packets > 0 and .end.sum.lost_percent < 100' \
	<<<"$out" >/dev/null || {
	echo "$out" >&2
	net_fail "iperf3 UDP: nothing arrived"
}
jq -r '"UDP: \(.end.sum.packets) packets, \(.end.sum.lost_packets) lost (\(.end.sum.lost_percent * 100 | round / 100) %), jitter \(.end.sum.jitter_ms) ms"' <<<"$out"

st=$(net_stats m)
jq -c '{totals: .totals, port: .port}' <<<"$st"
# Both queue pairs carried traffic (4 streams spread over the TAP queues).
jq -e '[.queue_pairs[] | .tx_packets > 0] | all' <<<"$st" >/dev/null ||
	net_log "note: one queue pair carried no TX (flows hashed to one queue)"

# MTU 9000: only where the port takes 9018-byte frames (net_tap in DPDK
# 22.11 caps them at 1522, and then vmi-netback refuses the MTU).
net_machine j 9000 1
if net_backend j 2>/dev/null; then
	net_guest j "vj$$"
	net_addr j "vj$$" 10.98.0
	ip netns exec "$NS_GUEST" ping -c 3 -i 0.2 -W 2 -M do -s 8972 \
		10.98.0.2 || net_fail "ping of 9000-byte packets"
else
	grep -i "mtu" "$NET_TMP/j.backend.log" | tail -n 2 >&2
	net_log "MTU 9000: the port refuses it; ping at 9000 not run"
fi
net_finish
net_log "done"
