#!/usr/bin/env bash
# vmipv test runner: runs each test given on the command line with a time
# limit and ends with the line "N passed, N failed, N skipped".
#
# A test is an executable; arguments follow it joined by '@'
# (tests/fuzz/run-fuzzer.sh@vmi_ring_consumer). Exit 0 passes, 77 skips
# (a test that needs something this machine lacks says why on stderr),
# anything else fails. Output of each test goes to $VMI_TEST_LOGS/<name>.log
# and is printed in full when the test fails.
#
# VMI_REQUIRE_TESTS lists shell patterns (space-separated) of tests that must
# not skip: CI names there the tiers it installed (the QEMU guest test, the
# DPDK tests, the RBD test), so that a skip cannot hide them. A required test
# that skips counts as failed, and so does a pattern that matches no test (a
# renamed test must not drop out of the list unnoticed).
set -u

timeout_s=600
if [ "${1:-}" = "--timeout" ]; then
	timeout_s=$2
	shift 2
fi

logs=${VMI_TEST_LOGS:-build/test-logs}
mkdir -p "$logs"
passed=0 failed=0 skipped=0
failures=()
read -r -a required <<<"${VMI_REQUIRE_TESTS:-}"

# Whether test $1 matches a pattern of VMI_REQUIRE_TESTS.
is_required() {
	local pat
	for pat in "${required[@]}"; do
		# shellcheck disable=SC2053 # the pattern is meant to glob
		[[ $1 == $pat ]] && return 0
	done
	return 1
}

for pat in "${required[@]}"; do
	found=0
	for t in "$@"; do
		[[ $t == $pat ]] && found=1 && break
	done
	if [ $found -eq 0 ]; then
		failed=$((failed + 1))
		failures+=("$pat")
		echo "FAIL  VMI_REQUIRE_TESTS pattern '$pat' matches no test"
	fi
done

for t in "$@"; do
	IFS=@ read -r -a argv <<<"$t"
	name=$(printf '%s' "$t" | tr '/@' '__')
	log=$logs/$name.log
	start=$(date +%s%N)
	timeout -k 10 "$timeout_s" "${argv[@]}" >"$log" 2>&1 </dev/null
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	secs=$((ms / 1000)).$((ms % 1000 / 100))
	case $rc in
	0)
		passed=$((passed + 1))
		printf 'PASS  %-60s %6ss\n' "$t" "$secs"
		;;
	77)
		if is_required "$t"; then
			failed=$((failed + 1))
			failures+=("$t")
			printf 'FAIL  %-60s %6ss  (required by VMI_REQUIRE_TESTS, skipped: %s)\n' \
				"$t" "$secs" "$(tail -n 1 "$log")"
		else
			skipped=$((skipped + 1))
			printf 'SKIP  %-60s %6ss  (%s)\n' "$t" "$secs" "$(tail -n 1 "$log")"
		fi
		;;
	*)
		failed=$((failed + 1))
		failures+=("$t")
		[ $rc -eq 124 ] && echo "timed out after ${timeout_s}s" >>"$log"
		printf 'FAIL  %-60s %6ss  (exit %d)\n' "$t" "$secs" "$rc"
		# The lines that name a failure first (a long log's tail may not
		# hold them), then the end of the log.
		grep -a -m 20 -E 'FAIL|[Ee]rror|assert' "$log" | sed 's/^/    ! /'
		sed 's/^/    | /' "$log" | tail -n 80
		;;
	esac
done

if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
