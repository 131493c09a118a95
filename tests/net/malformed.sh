#!/usr/bin/env bash
# Malformed TX descriptors from a test guest are refused and counted, and
# the backend goes on forwarding everyone's good traffic meanwhile.
#
# Guest A is vminet-tap, pinging the peer all along. Guest B is vminet-gen
# on the same device: rounds of every kind of descriptor the validator
# must refuse (segments outside the data area, chains too long, lengths
# out of range, GSO sizes of 0 or larger than the packet, unknown offload
# types and flags, checksums outside the packet, offloads the headers do
# not match), each followed by a good frame. B checks that each bad one
# was answered INVAL and each good one OK; here the backend's counters
# must say the same, reason by reason, and A's pings must all come back.
#
#   tests/net/malformed.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib.sh"

ROUNDS=200

net_setup "${1:?usage: malformed.sh BUILD_DIR}"
net_device m 1500 1 "vg$$"

# A's good traffic, all along B's run.
ip netns exec "$NS_GUEST" ping -c 40 -i 0.05 -W 2 10.99.0.2 \
	>"$NET_TMP/ping.log" 2>&1 &
ping_pid=$!
NET_PIDS+=($ping_pid)

# B comes and goes five times during A's pings: the backend admits and
# drops guests while it forwards A's traffic.
bad=0 good=0
for run in 1 2 3 4 5; do
	net_log "vminet-gen --malformed $ROUNDS (run $run)"
	gen=$("$VMINET_GEN" --rom "$NET_TMP/m.rom" --malformed "$ROUNDS" \
		--dst-mac ff:ff:ff:ff:ff:ff 2>"$NET_TMP/gen.err")
	rc=$?
	echo "$gen"
	cat "$NET_TMP/gen.err" >&2
	[ $rc = 0 ] || net_fail "vminet-gen: a bad descriptor was not refused, or a good one not sent"
	bad=$((bad + $(jq .sent_bad <<<"$gen")))
	good=$((good + $(jq .sent_good <<<"$gen")))
	sleep 0.3
done

wait "$ping_pid"
ping_rc=$?
tail -n 2 "$NET_TMP/ping.log"
[ $ping_rc = 0 ] && grep -q " 0% packet loss" "$NET_TMP/ping.log" ||
	net_fail "guest A's pings did not all come back during the malformed burst"

st=$(net_stats m) || net_fail "no stats"
jq -c '.totals' <<<"$st"
[ "$bad" -gt 0 ] && [ "$good" = "$bad" ] || net_fail "vminet-gen sent $bad bad, $good good"
# Every refusal counted, under its reason; nothing else refused.
jq -e --argjson bad "$bad" '.totals.tx_errors == $bad and
	([.totals.tx_err[]] | add) == $bad' <<<"$st" >/dev/null ||
	net_fail "the backend counted $(jq .totals.tx_errors <<<"$st") refusals, vminet-gen sent $bad"
for reason in bad_flags bad_nr_segs bad_seg bad_len bad_hdr_flags bad_csum \
	bad_gso_type bad_gso_size bad_headers; do
	n=$(jq ".totals.tx_err.$reason" <<<"$st")
	[ "$n" -gt 0 ] || net_fail "no descriptor counted as $reason"
	[ $((n % (5 * ROUNDS))) = 0 ] ||
		net_fail "$reason counted $n times in $((5 * ROUNDS)) rounds"
done
# The good frames went out (the broadcast reaches the peer's interface).
jq -e --argjson good "$good" '.totals.tx_packets >= $good' <<<"$st" \
	>/dev/null || net_fail "good frames were not forwarded"
net_finish
net_log "done: $bad malformed refused and counted, $good good forwarded"
