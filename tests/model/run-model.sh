#!/usr/bin/env bash
# Model-checks the ring's notification protocol (tests/model/ring_notify.pml)
# with spin: the protocol as shared-ring/vmi_ring.h implements it must have
# no lost wake-up and no deadlock, every statement of both sides must be
# reachable, and each deliberately broken variant (a barrier removed, or
# skipped on a "the peer is busy" hint) must be caught. Fails if the good
# model fails or any broken one passes.
#
#   run-model.sh [MODEL]
set -u
model=$(realpath "${1:-$(dirname "$0")/ring_notify.pml}")

for tool in spin gcc; do
	if ! command -v $tool >/dev/null; then
		echo "run-model.sh: $tool is not installed (scripts/deps.sh installs it)" >&2
		exit 77
	fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

# verify VARIANT: build and run pan for the model with -DVARIANT; leaves
# pan's report in $work/VARIANT.out and returns pan's error count.
verify() {
	rm -f pan pan.* ./*.trail
	if ! spin -a -D"$1" "$model" >"$1.spin" 2>&1; then
		cat "$1.spin"
		echo "spin -a failed for $1" >&2
		exit 1
	fi
	# -DSAFETY: assertions and invalid end states (deadlocks).
	if ! gcc -O2 -w -DSAFETY -DCOLLAPSE -o pan pan.c; then
		echo "compiling pan failed for $1" >&2
		exit 1
	fi
	./pan -m200000 >"$1.out" 2>&1
	if grep -q "max search depth too small" "$1.out"; then
		echo "$1: search depth too small, the search was not complete" >&2
		exit 1
	fi
	errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$1.out")
	if [ -z "$errors" ]; then
		cat "$1.out"
		echo "$1: no verdict from pan" >&2
		exit 1
	fi
	return 0
}

failed=0

verify GOOD
grep -E "^State-vector|states, stored" GOOD.out
if [ "$errors" != 0 ]; then
	echo "FAIL  GOOD: the protocol as implemented loses a wake-up or deadlocks:"
	cat GOOD.out
	spin -DGOOD -t -p "$model" | tail -n 60
	failed=1
else
	echo "ok    GOOD: no lost wake-up, no deadlock, indices in range"
fi
# Vacuity: no statement of either side may be unreachable.
for side in producer consumer; do
	if ! grep -A1 "unreached in proctype $side" GOOD.out | grep -q "(0 of"; then
		echo "FAIL  GOOD: part of the $side is unreachable:"
		grep -A8 "unreached in proctype $side" GOOD.out
		failed=1
	fi
done

# Each must fail; REACH fails when both sides do sleep in some run.
for variant in BROKEN_PUBLISH BROKEN_RELEASE BROKEN_ARM BROKEN_PROD_ARM BUSY_HINT \
	REACH; do
	verify $variant
	if [ "$errors" = 0 ]; then
		echo "FAIL  $variant: spin found no violation"
		failed=1
	else
		echo "ok    $variant: spin finds: $(grep -m1 '^pan:1:' $variant.out | cut -c1-60)"
	fi
done
exit $failed
