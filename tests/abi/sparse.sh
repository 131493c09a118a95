#!/usr/bin/env bash
# Sparse over the code that touches wire structures, so that a wire field
# used without vmi_le*_to_cpu() / vmi_cpu_to_le*() (include/vmi/types.h
# makes the vmi_le* types __bitwise under sparse) fails make check.
#
#   tests/abi/sparse.sh O     O: the build folder; the test works in O/sparse
#
# User space: every C file that make builds for PROGS, with the exact flags
# of its compile command (make -n -B into O/sparse: nothing is compiled),
# except tests/vmi-core/, whose tests forge ROM images and device tables
# field by field with glibc's htole*() into vmi_le* fields (about 90
# warnings of test-only code; converting them is left to a later change).
# (The VMI64 kernel, $O/vmi64, is no user-space program and Kbuild's own:
# left out, as the modules' .ko are here.)
# Kernel: the guest modules built by Kbuild with C=2 (sparse on every file)
# against the newest linux-headers-*-amd64, in O/sparse/linux.
#
# Any sparse warning or error in our files fails, naming file and line.
# Warnings located in system headers (/usr/include: DPDK's rte_memcpy.h,
# the RWF_* that both glibc and linux/fs.h define; /usr/src: the kernel's)
# are not ours to fix and are dropped, as are the NULL-pointer warnings
# that glibc's PTHREAD_MUTEX_INITIALIZER (0 for pointer members) puts on
# the line that uses it.
set -u
root=$(realpath "$(dirname "$0")/../..")
cd "$root" || exit 1
if [ $# -ne 1 ]; then
	echo "usage: tests/abi/sparse.sh BUILD-FOLDER" >&2
	exit 2
fi
if ! command -v sparse >/dev/null; then
	echo "sparse.sh: no sparse (scripts/deps.sh installs it)" >&2
	exit 77
fi
# A make above us (make check O=...) must not hand its variables to ours.
unset MAKEFLAGS MAKEOVERRIDES MFLAGS MAKELEVEL
work=$1/sparse
rm -rf "$work"
mkdir -p "$work"
failed=0

# ours FILE: the warnings of a sparse log that are in our files, on stdout.
ours() {
	grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' "$1" |
		grep -Ev '^/usr/' | sed "s|^$root/||" |
		while IFS=: read -r file line rest; do
			if [[ $rest == *"plain integer as NULL pointer"* ]] &&
				sed -n "${line}p" "$file" |
				grep -q PTHREAD_MUTEX_INITIALIZER; then
				continue
			fi
			echo "$file:$line:$rest"
		done
}

# ---- User space ------------------------------------------------------------
mapfile -t progs < <(O=$work make -s --no-print-directory print-PROGS |
	tr ' ' '\n' | grep -v -e '^$' -e '\.ko$' -e "^$work/vm/" -e "^$work/vmi64/")
if ! O=$work make -n -B "${progs[@]}" >"$work/commands" 2>"$work/make.log"; then
	echo "FAIL: make -n could not list the compile commands:" >&2
	cat "$work/make.log" >&2
	exit 1
fi
declare -A seen
nfiles=0
while IFS= read -r cmd; do
	eval "set -- $cmd"
	shift
	args=() src=
	while [ $# -gt 0 ]; do
		case $1 in
		-c) src=$2 && shift ;;
		-o | -MF | -MT | -MQ) shift ;;
		-I | -isystem | -include | -D | -U) args+=("$1" "$2") && shift ;;
		-I* | -D* | -U* | -std=* | -m* | -ffreestanding | -nostdinc)
			args+=("$1")
			;;
		esac
		shift
	done
	case $src in
	*.c) ;;
	*) continue ;;
	esac
	[[ $src == tests/vmi-core/* || -n ${seen[$src]:-} ]] && continue
	seen[$src]=1
	nfiles=$((nfiles + 1))
	log=$work/$(printf '%s' "$src" | tr / _).log
	sparse -Wbitwise "${args[@]}" "$src" >"$log" 2>&1
	if [ -n "$(ours "$log")" ]; then
		failed=$((failed + 1))
		echo "FAIL: sparse warns in $src (sparse -Wbitwise ${args[*]} $src):" >&2
		ours "$log" >&2
	fi
done < <(grep -E ' -c [^ ]+\.c( |$)' "$work/commands")
if [ $nfiles -eq 0 ]; then
	echo "FAIL: no compile command found in make -n's output" >&2
	exit 1
fi
echo "sparse.sh: $nfiles user-space files checked"

# ---- Kernel modules ----------------------------------------------------------
# shellcheck disable=SC2012 # the names are the kernel packages'
kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
if [ -z "$kdir" ]; then
	echo "sparse.sh: no /usr/src/linux-headers-*-amd64 (scripts/deps.sh installs them): modules not checked" >&2
	[ $failed -eq 0 ] && exit 77
	exit 1
fi
# C=2 on the command line reaches Kbuild through MAKEFLAGS; O stays in the
# environment, where Kbuild does not take it for its own output folder.
if ! O=$work make C=2 "$work/linux/vmi_core.ko" >"$work/kbuild.log" 2>&1; then
	echo "FAIL: the modules do not build with C=2:" >&2
	cat "$work/kbuild.log" >&2
	exit 1
fi
if ! grep -q '^  CHECK ' "$work/kbuild.log"; then
	echo "FAIL: Kbuild ran no sparse CHECK (log: $work/kbuild.log)" >&2
	exit 1
fi
if [ -n "$(ours "$work/kbuild.log")" ]; then
	failed=$((failed + 1))
	echo "FAIL: sparse warns in the kernel modules (make C=2, $kdir):" >&2
	ours "$work/kbuild.log" >&2
fi
echo "sparse.sh: modules checked by Kbuild C=2 against $kdir"

if [ $failed -ne 0 ]; then
	echo "sparse.sh: sparse $(sparse --version) found byte-order or type errors (the $failed FAIL lines above)" >&2
	exit 1
fi
echo "sparse.sh: sparse $(sparse --version) is clean"
