#!/usr/bin/env bash
# The ABI headers are for other implementations too, in C or in C++: each
# include/vmi/*.h compiles alone (self-contained) with -Wall -Wextra
# -Wpedantic -Werror as C11, GNU11, C++11 and C++17, with gcc and with
# clang; tests/abi/headers_use.c, which expands their macros and inline
# functions, compiles the same way (and as C++20). A failure names the
# header, the compiler command and the compiler's message.
set -u
root=$(realpath "$(dirname "$0")/../..")
cd "$root" || exit 1

compilers=(
	"gcc -x c -std=c11" "gcc -x c -std=gnu11"
	"g++ -x c++ -std=c++11" "g++ -x c++ -std=c++17"
	"clang -x c -std=c11" "clang++ -x c++ -std=c++11"
)
flags=(-Wall -Wextra -Wpedantic -Werror -Iinclude -fsyntax-only)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
failed=0 checked=0

# check WHAT COMPILER...: compiles the C or C++ text on stdin, syntax only.
check() {
	local what=$1
	shift
	checked=$((checked + 1))
	if ! "$@" "${flags[@]}" - >"$out" 2>&1; then
		failed=$((failed + 1))
		echo "FAIL: $what does not compile ($* ${flags[*]}):" >&2
		cat "$out" >&2
	fi
}

for h in include/vmi/*.h; do
	for cc in "${compilers[@]}"; do
		# shellcheck disable=SC2086 # the compiler and its options split
		check "$h alone" $cc <<<"#include <vmi/${h##*/}>"
	done
done
for cc in "${compilers[@]}" "g++ -x c++ -std=c++20"; do
	# shellcheck disable=SC2086,SC2094 # the file is only read
	check tests/abi/headers_use.c $cc <tests/abi/headers_use.c
done

if [ $failed -ne 0 ]; then
	echo "headers.sh: $failed of $checked compilations failed" >&2
	exit 1
fi
echo "headers.sh: $checked compilations of the ABI headers as C and C++ passed"
