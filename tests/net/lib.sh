# Shared by the network path's end-to-end tests (sourced, bash): every test
# builds its own world and tears it down whatever happens, so that parallel
# runs never meet:
#
#   net_setup BUILD_DIR   temp dir, hugepages (a private hugetlbfs mount,
#                         nr_hugepages raised by what we take), namespaces
#                         guest-$$ and peer-$$ (names carry our PID)
#   net_machine NAME ...  a machine file and its ROM for one net device
#                         (NAME one letter: the port is interface pNAME$$)
#   net_backend NAME ...  vmi-netback inside the peer namespace, its port a
#                         net_tap interface there, waits for its socket
#   net_guest NAME ...    vminet-tap creating its TAP in the guest namespace
#   net_stats NAME        the backend's stats JSON (its control socket)
#   net_addr NAME GIF [NET]  addresses: guest NET.1, peer NET.2 (10.99.0)
#   net_device NAME MTU PAIRS GIF   all four for one device (addresses on
#                         10.99.0), then one ping through it
#
# Everything started is killed by PID, every mount and namespace removed,
# and /var/run/dpdk/<prefix> deleted, by the EXIT trap.

# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

NET_HUGEPAGES=${NET_HUGEPAGES:-96} # 2 MiB pages per test (two backends)
NET_PIDS=()
NET_DAEMONS=() # "pid:log" of backends and guests, checked by net_finish
NET_NS=()
NET_PREFIXES=()
NET_HUGE_ADDED=0
NET_LOCK=/run/lock/vmipv-net-hugepages.lock

net_log() { echo "[$(date +%T.%N | cut -c1-12)] $*" >&2; }

net_skip() {
	echo "skip: $*" >&2
	exit 77
}

net_fail() {
	echo "FAIL: $*" >&2
	exit 1
}

net_require() {
	[ "$(id -u)" = 0 ] || net_skip "needs root (namespaces, hugepages, TAP)"
	[ -c /dev/net/tun ] || net_skip "no /dev/net/tun"
	grep -q hugetlbfs /proc/filesystems || net_skip "no hugetlbfs"
	local t
	for t in ip iperf3 ping python3 jq; do
		command -v $t >/dev/null || net_skip "$t not installed"
	done
}

# net_hugepages_take WANT DIR: raise nr_hugepages by WANT and mount DIR
# (hugetlbfs) with WANT pages reserved to it (min_size), both under a lock
# that other tests take too: the pages are ours from here on, whatever
# anybody else's run allocates or leaks meanwhile.
net_hugepages_take() {
	local want=$1 dir=$2 cur total
	exec 9>"$NET_LOCK"
	flock 9
	cur=$(cat /proc/sys/vm/nr_hugepages)
	# Pages a killed run left in its mount stay in use above the pool:
	# grow from what exists, not from nr_hugepages.
	total=$(awk '/HugePages_Total/ {print $2}' /proc/meminfo)
	echo $(((total > cur ? total : cur) + want)) >/proc/sys/vm/nr_hugepages
	NET_HUGE_ADDED=$(($(cat /proc/sys/vm/nr_hugepages) - cur))
	if ! mount -t hugetlbfs \
		-o pagesize=2M,size=$((want * 2))M,min_size=$((want * 2))M \
		nodev "$dir"; then
		flock -u 9
		net_skip "cannot reserve $want hugepages of 2 MiB ($(awk \
			'/HugePages_(Free|Rsvd)/ {printf "%s %s ", $1, $2}' \
			/proc/meminfo))"
	fi
	NET_HUGE_MOUNTED=$dir
	flock -u 9
}

net_hugepages_give() {
	local cur
	[ "$NET_HUGE_ADDED" -gt 0 ] || return 0
	exec 9>"$NET_LOCK"
	flock 9
	cur=$(cat /proc/sys/vm/nr_hugepages)
	echo $((cur > NET_HUGE_ADDED ? cur - NET_HUGE_ADDED : 0)) \
		>/proc/sys/vm/nr_hugepages
	flock -u 9
	NET_HUGE_ADDED=0
}

net_cleanup() {
	local i pid ns p
	for ((i = ${#NET_PIDS[@]} - 1; i >= 0; i--)); do
		pid=${NET_PIDS[i]}
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${NET_PIDS[@]}"; do
		for i in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for ns in "${NET_NS[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${NET_HUGE_MOUNTED:-}" ]; then
		umount "$NET_HUGE_MOUNTED" 2>/dev/null
	fi
	for p in "${NET_PREFIXES[@]}"; do
		rm -rf "/var/run/dpdk/$p"
	done
	net_hugepages_give
	[ -n "${NET_TMP:-}" ] && rm -rf "$NET_TMP"
}

# net_setup BUILD_DIR
net_setup() {
	O=$1
	NETBACK=$O/host-backends/net/vmi-netback
	VMINET_TAP=$O/guest-drivers/user/vminet-tap
	VMINET_GEN=$O/guest-drivers/user/vminet-gen
	VMI_ROM=$O/vmi-core/vmi-rom
	local b
	for b in "$NETBACK" "$VMINET_TAP" "$VMINET_GEN" "$VMI_ROM"; do
		[ -x "$b" ] || net_fail "$b not built"
	done
	net_require
	trap net_cleanup EXIT
	trap 'exit 1' INT TERM
	NET_TMP=$(mktemp -d /tmp/vmipv-net.XXXXXX)
	NET_HUGE=$NET_TMP/huge
	mkdir "$NET_HUGE"
	net_hugepages_take "$NET_HUGEPAGES" "$NET_HUGE"
	NS_GUEST=vmig-$$
	NS_PEER=vmip-$$
	ip netns add "$NS_GUEST" || net_fail "netns $NS_GUEST"
	NET_NS+=("$NS_GUEST")
	ip netns add "$NS_PEER" || net_fail "netns $NS_PEER"
	NET_NS+=("$NS_PEER")
	ip -n "$NS_GUEST" link set lo up
	ip -n "$NS_PEER" link set lo up
}

# net_machine NAME MTU [QUEUE_PAIRS [FEATURES]]: $NET_TMP/NAME.machine, .rom
net_machine() {
	local name=$1 mtu=$2 pairs=${3:-1}
	local features=${4:-"csum guest_csum host_tso4 guest_tso4 heartbeat"}
	cat >"$NET_TMP/$name.machine" <<-EOF
		# $name: one network device for a test of tests/net
		device net 0
			transport process
			socket $NET_TMP/$name.sock
			queues $((2 * pairs))
			slots 256
			data 8M
			features $features
			mtu $mtu
			port net_tap0,iface=p$name$$
	EOF
	"$VMI_ROM" build --flavour process --machine "$NET_TMP/$name.machine" \
		-o "$NET_TMP/$name.rom" || net_fail "vmi-rom build $name"
}

# Wait until PATH exists; 1 if the process PID died or 10 s passed.
net_wait_path() {
	local path=$1 pid=$2 what=$3 i
	for i in $(seq 100); do
		[ -e "$path" ] && return 0
		kill -0 "$pid" 2>/dev/null || {
			echo "$what exited before $path appeared" >&2
			return 1
		}
		sleep 0.1
	done
	echo "$what: no $path after 10 s" >&2
	return 1
}

# net_backend NAME [vmi-netback options]: lcores 0 and 1, the port in the
# peer namespace, stats on $NET_TMP/NAME.ctl
net_backend() {
	local name=$1
	shift
	local prefix=vmin$$-$name
	NET_PREFIXES+=("$prefix")
	ip netns exec "$NS_PEER" "$NETBACK" -l 0,1 --file-prefix "$prefix" \
		--huge-dir "$NET_HUGE" -m 64 --log-level=lib.eal:error -- \
		--machine "$NET_TMP/$name.machine" --device 0 \
		--control "$NET_TMP/$name.ctl" "$@" \
		>"$NET_TMP/$name.backend.log" 2>&1 &
	NET_PIDS+=($!)
	NET_DAEMONS+=("$!:$NET_TMP/$name.backend.log")
	net_wait_path "$NET_TMP/$name.sock" $! "vmi-netback $name" &&
		net_wait_path "$NET_TMP/$name.ctl" $! "vmi-netback $name" || {
		tail -n 5 "$NET_TMP/$name.backend.log" >&2
		unset 'NET_DAEMONS[-1]' # not serving: net_finish has no say
		return 1
	}
	ip -n "$NS_PEER" link set "p$name$$" up
}

# net_guest NAME IFNAME [vminet-tap options]
net_guest() {
	local name=$1 ifname=$2 i
	shift 2
	"$VMINET_TAP" --rom "$NET_TMP/$name.rom" --netns "$NS_GUEST" \
		--ifname "$ifname" "$@" >"$NET_TMP/$name.$ifname.log" 2>&1 &
	NET_PIDS+=($!)
	NET_DAEMONS=("$!:$NET_TMP/$name.$ifname.log" "${NET_DAEMONS[@]}")
	for i in $(seq 100); do
		ip -n "$NS_GUEST" link show "$ifname" >/dev/null 2>&1 && return 0
		kill -0 $! 2>/dev/null || {
			cat "$NET_TMP/$name.$ifname.log" >&2
			net_fail "vminet-tap $ifname exited"
		}
		sleep 0.1
	done
	net_fail "vminet-tap: no $ifname after 10 s"
}

net_addr() {
	local name=$1 gif=$2 net=${3:-10.99.0}
	ip -n "$NS_GUEST" addr add "$net.1/24" dev "$gif"
	ip -n "$NS_PEER" addr add "$net.2/24" dev "p$name$$"
}

# net_device NAME MTU PAIRS GIF
net_device() {
	net_machine "$1" "$2" "$3"
	net_backend "$1" || net_fail "vmi-netback did not start"
	net_guest "$1" "$4"
	net_addr "$1" "$4"
	ip netns exec "$NS_GUEST" ping -c 1 -W 2 10.99.0.2 >/dev/null ||
		net_fail "no path guest -> peer"
}

# The backend's stats document, from its control socket.
net_stats() {
	vmi_ctl_read "$NET_TMP/$1.ctl"
}

# net_check_clean NAME: the validator refused nothing, no guest buffer
# was bad (a valid packet must never be refused).
net_check_clean() {
	local st errs
	st=$(net_stats "$1") || net_fail "no stats from $1"
	errs=$(jq '.totals.tx_errors + .totals.rx_errors' <<<"$st")
	[ "$errs" = 0 ] || {
		jq . <<<"$st" >&2
		net_fail "$1: validator errors $errs during valid traffic"
	}
}

# One-shot iperf3 server in the peer namespace; run the client in the
# guest namespace with the given options; the client's JSON on stdout.
net_iperf3() {
	local port=$((5201 + RANDOM % 1000)) out server i
	ip netns exec "$NS_PEER" iperf3 -s -1 -p "$port" >/dev/null 2>&1 &
	server=$!
	NET_PIDS+=($server)
	for i in $(seq 50); do
		ip netns exec "$NS_PEER" ss -Hltn "sport = :$port" | grep -q . && break
		sleep 0.1
	done
	out=$(ip netns exec "$NS_GUEST" timeout 60 iperf3 -c 10.99.0.2 \
		-p "$port" -J "$@")
	local rc=$?
	wait "$server" 2>/dev/null
	echo "$out"
	return $rc
}

# Stop guests, then backends, with SIGTERM: each must exit 0 and its log
# must hold no sanitizer report.
net_finish() {
	local d pid log rc
	for d in "${NET_DAEMONS[@]}"; do
		pid=${d%%:*}
		log=${d#*:}
		kill -TERM "$pid" 2>/dev/null
		wait "$pid"
		rc=$?
		if [ $rc != 0 ] || grep -qE "Sanitizer|runtime error" "$log"; then
			tail -n 40 "$log" >&2
			net_fail "$(basename "$log" .log) exited $rc"
		fi
	done
	NET_DAEMONS=()
}
