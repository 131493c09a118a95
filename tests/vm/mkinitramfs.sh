#!/usr/bin/env bash
# Builds the initramfs of the QEMU guest tests: busybox, the guest test
# script as /init, the vmipv modules, fio, e2fsprogs, util-linux's
# blkdiscard, iperf3 and ethtool with their shared libraries (copied as ldd
# lists them), and the Debian kernel modules the tests load (ext4,
# virtio_blk and virtio_net for the peers) with their dependencies.
# Uncompressed: the guest unpacks it faster.
#
#   tests/vm/mkinitramfs.sh KVER MODULE_DIR OUT.cpio
set -euo pipefail

kver=$1 moddir=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
kmods=/lib/modules/$kver
root=$(mktemp -d "${TMPDIR:-/tmp}/vmi-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,mnt,etc} \
	"$root/lib/modules/vmipv" "$root$kmods"
cp /bin/busybox "$root/bin/"
cp "$here/guest-init.sh" "$root/init"
cp "$moddir/vmi_core.ko" "$moddir/vmiblk.ko" "$moddir/vminet.ko" \
	"$root/lib/modules/vmipv/"

# A program and every shared library it needs, at the same paths.
copy_prog() {
	local prog=$1 lib
	cp -L "$prog" "$root$prog"
	for lib in $(ldd "$prog" | awk '/=> \//{print $3} /^\t\/.*ld-linux/{print $1}'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
copy_prog /usr/bin/fio
copy_prog /usr/sbin/mke2fs
copy_prog /usr/sbin/e2fsck
copy_prog /usr/sbin/blkdiscard
copy_prog /usr/bin/iperf3
copy_prog /usr/sbin/ethtool
ln -s mke2fs "$root/usr/sbin/mkfs.ext4"
cp /etc/mke2fs.conf "$root/etc/"

# Kernel modules with their dependencies, for busybox modprobe.
declare -A seen=()
add_kmod() {
	local m=$1 line dep
	[ -n "${seen[$m]:-}" ] && return
	seen[$m]=1
	line=$(grep -m1 -E "^(.*/)?$m\.ko(\.[a-z]+)?:" "$kmods/modules.dep") || {
		echo "mkinitramfs: no module $m for $kver" >&2
		exit 1
	}
	for dep in ${line#*:}; do
		add_kmod "$(basename "${dep%%.ko*}")"
	done
	mkdir -p "$root$kmods/$(dirname "${line%%:*}")"
	cp "$kmods/${line%%:*}" "$root$kmods/${line%%:*}"
	echo "$line" >>"$root$kmods/modules.dep"
}
for m in ext4 crc32c_generic virtio_blk virtio_net virtio_pci; do
	add_kmod "$m"
done

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
