#!/usr/bin/env bash
# Installs every Debian package vmipv uses, and fetches and configures the
# source of the installed fio (its external ioengine API is only in fio's
# own headers). Non-interactive and idempotent; needs root to install.
#
#   scripts/deps.sh               install what is missing
#   scripts/deps.sh --if-missing  the same, but say nothing when all is there
#   scripts/deps.sh --ceph        also the Ceph daemons (RBD target tests;
#                                 make deps CEPH=1)
#   scripts/deps.sh --ceph-only   the Ceph daemons alone: CI adds them
#                                 and leaves the rest to make check
set -euo pipefail

cd "$(dirname "$0")/.."

# One package a line, with why we need it.
PACKAGES=(
	build-essential pkg-config git    # compilers, make
	clang llvm libclang-rt-14-dev     # libFuzzer, TSan/ASan runtimes
	clang-format                      # make format-check
	sparse                            # tests/abi/sparse.sh: wire byte order
	libcmocka-dev                     # unit test framework
	spin                              # model of the notification protocol
	liburing-dev                      # block backend
	libdpdk-dev dpdk-dev dpdk         # network backend, testpmd peer
	fio iperf3                        # workloads and baselines
	libnbd-dev nbdkit                 # NBD block target
	librbd-dev                        # RBD block target (librbd, librados)
	qemu-system-x86 qemu-utils        # QEMU guest tests
	linux-image-amd64 linux-headers-amd64 # guest kernel, module builds
	linux-source-6.1 flex bison libelf-dev bc libssl-dev # VMI64 guest kernel
	busybox-static cpio kmod e2fsprogs # guest initramfs
	iproute2 ethtool                  # namespaces, veth, TAP
	iputils-ping                      # network tests: ping at several MTUs
	gnuplot-nox jq python3            # plots, JSON, perf/campaign
	dpkg-dev                          # apt-get source fio
	gcc-multilib                      # gcc -m32: the legacy i386 VMI probe test
)
# A throwaway cluster for the RBD target's test and benchmark.
CEPH_PACKAGES=(ceph-mon ceph-osd ceph-common)

FIO_SRC=build/fio-src

quiet=0
fio_src=1
want=("${PACKAGES[@]}")
for arg in "$@"; do
	case $arg in
	--if-missing) quiet=1 ;;
	--ceph) want+=("${CEPH_PACKAGES[@]}") ;;
	--ceph-only)
		want=("${CEPH_PACKAGES[@]}")
		fio_src=0
		;;
	*)
		echo "deps.sh: unknown option '$arg'" >&2
		exit 2
		;;
	esac
done

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing+=("$p")
done

as_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: $* needs root (missing: ${missing[*]:-fio source})" >&2
		exit 1
	fi
}

if [ ${#missing[@]} -gt 0 ]; then
	as_root "installing packages"
	echo "deps.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
elif [ $quiet -eq 0 ]; then
	echo "deps.sh: all ${#want[@]} packages installed"
fi

[ $fio_src -eq 1 ] || exit 0

# fio's source, exactly the installed version, configured so that
# config-host.h exists for the external engine build.
fio_ver=$(dpkg-query -W -f='${Version}' fio)
stamp=$FIO_SRC/.configured-$fio_ver
if [ ! -e "$stamp" ]; then
	as_root "fetching fio's source"
	src_list=/etc/apt/sources.list.d/vmipv-deb-src.sources
	if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ &&
		! grep -qs '^deb-src' /etc/apt/sources.list; then
		cat >"$src_list" <<-SRC
			Types: deb-src
			URIs: http://deb.debian.org/debian
			Suites: bookworm bookworm-updates
			Components: main
			Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
		SRC
		apt-get update -q
	fi
	rm -rf "$FIO_SRC"
	mkdir -p "$FIO_SRC"
	# dpkg-source applies Debian's patches, so the headers match the binary.
	(cd "$FIO_SRC" && apt-get source -q --download-only "fio=$fio_ver" &&
		dpkg-source -x fio_*.dsc src >/dev/null)
	(cd "$FIO_SRC/src" && ./configure --disable-native >/dev/null)
	touch "$stamp"
	echo "deps.sh: fio $fio_ver source configured in $FIO_SRC/src"
fi
