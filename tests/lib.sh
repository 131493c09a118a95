# Shell helpers shared by the component tests' libraries (tests/blk/lib.sh,
# tests/net/lib.sh; sourced, bash).
#
#   vmi_ctl_read PATH   a backend's stats JSON: one connection to its
#                       control socket PATH, read to the end, on stdout
#                       (5 s at most)
#   vmi_expect WHAT CMD...  runs the check CMD; when it fails, prints
#                       "FAIL: WHAT" with the expanded command and exits 1
#                       (a bare `test` under set -e would stop the test
#                       without a word)

vmi_expect() {
	local what=$1
	shift
	"$@" && return 0
	echo "FAIL: $what (check: $*)" >&2
	exit 1
}

vmi_ctl_read() {
	python3 - "$1" <<-'PY'
		import socket, sys
		s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		s.settimeout(5)
		s.connect(sys.argv[1])
		data = b""
		while True:
		    b = s.recv(65536)
		    if not b:
		        break
		    data += b
		sys.stdout.write(data.decode())
	PY
}
