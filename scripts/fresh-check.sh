#!/usr/bin/env bash
# The README's two commands on a fresh machine: a minimal Debian 12 made by
# debootstrap (nothing in it but git, make and sudo), a clone of this
# repository's HEAD inside, then `make check` and `make demo` there, each in
# one invocation, exactly as a new user runs them. This is how we check that
# the project's own files install everything they need (CI runs on a machine
# that already has the packages, which can hide a missing install step).
#
#   scripts/fresh-check.sh [DIR]   (root; DIR defaults to a new folder
#                                   under /var/tmp, removed at the end
#                                   unless VMI_FRESH_KEEP=1)
#
# Needs the network to Debian's mirror (debootstrap, apt-get). Takes about
# half an hour on 2 cores. Logs: DIR/check.log and DIR/demo.log.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
	echo "fresh-check.sh: needs root (debootstrap, chroot, mounts)" >&2
	exit 1
fi
repo=$(cd "$(dirname "$0")/.." && pwd)
given=${1:-}
root=${given:-$(mktemp -d /var/tmp/vmipv-fresh.XXXXXX)}
mirror=${VMI_FRESH_MIRROR:-http://deb.debian.org/debian}
mounts=()

cleanup() {
	local i
	# Inner mounts first.
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		umount -l "${mounts[i]}" 2>/dev/null || true
	done
	if [ -z "${VMI_FRESH_KEEP:-}" ] && [ -z "$given" ]; then
		rm -rf --one-file-system "$root" "$root.debootstrap.log"
	fi
}
trap cleanup EXIT

bind() {
	mkdir -p "$root$2"
	mount --bind "$1" "$root$2"
	mounts+=("$root$2")
}

command -v debootstrap >/dev/null || {
	echo "fresh-check.sh: installing debootstrap"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap
}
if [ ! -x "$root/usr/bin/make" ]; then
	echo "fresh-check.sh: debootstrap bookworm into $root"
	debootstrap --variant=minbase --include=git,make,sudo,ca-certificates \
		bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 || {
		tail -n 20 "$root.debootstrap.log" >&2
		exit 1
	}
fi

# `ip netns` needs the chroot's / to be a mount point (it remounts / as a
# slave), so the folder is bound onto itself first.
mount --bind "$root" "$root"
mounts+=("$root")
bind /proc /proc
bind /sys /sys
bind /dev /dev
bind /dev/pts /dev/pts
bind /dev/shm /dev/shm
cp /etc/resolv.conf "$root/etc/resolv.conf"

rm -rf "$root/src/vmipv"
git clone -q "$repo" "$root/src/vmipv"
# The clone's ../shared, as CI lays it out.
if [ -d "$repo/../shared" ]; then
	rm -rf "$root/src/shared"
	cp -r "$repo/../shared" "$root/src/shared"
fi

rc=0
for cmd in check demo; do
	echo "fresh-check.sh: make $cmd in the chroot (log: $root/$cmd.log)"
	start=$(date +%s)
	if chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root TERM=dumb bash -c "cd /src/vmipv && make $cmd" \
		>"$root/$cmd.log" 2>&1; then
		echo "fresh-check.sh: make $cmd passed in $(($(date +%s) - start)) s"
	else
		rc=1
		echo "fresh-check.sh: make $cmd FAILED after $(($(date +%s) - start)) s"
	fi
	tail -n 15 "$root/$cmd.log"
done
exit $rc
