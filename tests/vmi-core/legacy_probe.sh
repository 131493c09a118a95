#!/usr/bin/env bash
# An i386 VMI guest (Linux 2.6.21-2.6.36, reproduced by legacy_probe32)
# must refuse vmipv's ROMs: each built image is probed and the harness must
# log Linux's "mismatched rom version" for API 4.0 and find no ROM. As a
# control that the harness can accept an image, the same image patched to
# API major 3 (checksum kept at zero) must pass its probe; --probe-only
# keeps it from running the ROM's x86-64 code in 32-bit mode.
#
# Usage: legacy_probe.sh LEGACY_PROBE32 IMAGE...
set -eu
. "$(dirname "$0")/../lib.sh"

probe=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The 8-bit sum of a file's bytes.
byte_sum() {
	od -An -v -tu1 "$1" | awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s % 256 }'
}

for rom in "$@"; do
	name=$(basename "$rom")
	echo "== $name"
	rc=0
	out=$("$probe" "$rom") || rc=$?
	echo "$out"
	vmi_expect "$name: no ROM accepted (exit 1)" test "$rc" -eq 1
	vmi_expect "$name: Linux's version mismatch message" \
		grep -q '^VMI: Found mismatched rom version 4\.0$' <<<"$out"
	vmi_expect "$name: no ROM accepted" grep -q '^VMI: no ROM accepted' <<<"$out"

	# Control: api_version_maj (offset 0x0D) 4 -> 3, and the last byte
	# (the checksum fix-up) one more, so the bytes still sum to 0.
	cp "$rom" "$tmp/$name"
	vmi_expect "$name: major 4 at 0x0D" \
		test "$(od -An -tu1 -j13 -N1 "$rom" | tr -d ' ')" -eq 4
	size=$(stat -c %s "$rom")
	last=$(od -An -tu1 -j$((size - 1)) -N1 "$rom" | tr -d ' ')
	printf '\003' | dd of="$tmp/$name" bs=1 seek=13 conv=notrunc status=none
	# shellcheck disable=SC2059 # the format is the octal escape built here
	printf "\\$(printf %03o $(((last + 1) % 256)))" |
		dd of="$tmp/$name" bs=1 seek=$((size - 1)) conv=notrunc status=none
	vmi_expect "$name patched: checksum 0" test "$(byte_sum "$tmp/$name")" -eq 0
	rc=0
	out=$("$probe" --probe-only "$tmp/$name") || rc=$?
	echo "$out"
	vmi_expect "$name as API 3: accepted (exit 0)" test "$rc" -eq 0
	vmi_expect "$name as API 3: found with Linux's message" \
		grep -q '^VMI: Found vmipv .*, API version 3\.0, ROM version' <<<"$out"
	vmi_expect "$name as API 3: accepted at 0xc8000" \
		grep -q '^VMI: ROM accepted at 0xc8000$' <<<"$out"
done
echo "legacy probe: every image refused, and accepted as API 3"
