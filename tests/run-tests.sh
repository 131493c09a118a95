#!/usr/bin/env bash
# vmipv test runner: runs each test given on the command line with a time
# limit and ends with the line "N passed, N failed, N skipped".
#
# A test is an executable; arguments follow it joined by '@'
# (tests/fuzz/run-fuzzer.sh@vmi_ring_consumer). Exit 0 passes, 77 skips
# (a test that needs something this machine lacks says why on stderr),
# anything else fails. Output of each test goes to $VMI_TEST_LOGS/<name>.log
# and is printed in full when the test fails.
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
		skipped=$((skipped + 1))
		printf 'SKIP  %-60s %6ss  (%s)\n' "$t" "$secs" "$(tail -n 1 "$log")"
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
