#!/usr/bin/env bash
# The ring header compiles unchanged in a Linux kernel module: builds
# tests/ring/kernel/vmi_ring_kcheck.c with Kbuild, -Werror, against the
# newest installed linux-headers-*-amd64 (the guests' kernel), in a
# temporary folder. Skips if no kernel headers are installed.
set -eu
root=$(realpath "$(dirname "$0")/../..")
# shellcheck source=tests/lib.sh
. "$root/tests/lib.sh"
kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
if [ -z "$kdir" ]; then
	echo "kernel-compile.sh: no /usr/src/linux-headers-*-amd64 (scripts/deps.sh installs them)" >&2
	exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ln -s "$root/tests/ring/kernel/vmi_ring_kcheck.c" "$work/"
cat >"$work/Kbuild" <<KBUILD
obj-m := vmi_ring_kcheck.o
ccflags-y := -I$root/include -I$root/shared-ring -Werror
KBUILD
make -C "$kdir" M="$work" modules
vmi_expect "Kbuild made no vmi_ring_kcheck.ko" test -f "$work/vmi_ring_kcheck.ko"
echo "kernel-compile.sh: vmi_ring.h builds in a module against $kdir"
