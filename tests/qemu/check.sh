#!/bin/bash
# The QEMU part of `make check`: dependencies, the debug kernel, then
# tests/qemu/run.sh for every kernel. Prints, as its very last line,
# "N passed, M failed" over all kernels plus the host-side result files
# listed in VUKP_EXTRA_RESULTS (each holding "PASSED FAILED").
#
# Usage: tests/qemu/check.sh [--tests GLOB[,GLOB...]] [--kernels "6.1 6.12 debug"]
# Exit status 0 iff nothing failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tests=
kernels="6.1 6.12 debug"
while [ $# -gt 0 ]; do
	case $1 in
	--tests) tests=${2:?}; shift 2 ;;
	--kernels) kernels=${2?}; shift 2 ;;
	*) sed -n '7s/^# //p' "$0" >&2; exit 2 ;;
	esac
done

passed=0 failed=0
add() { # PASSED FAILED SOURCE
	passed=$((passed + $1))
	failed=$((failed + $2))
	echo "# $3: $1 passed, $2 failed"
}
add_file() { # FILE: "PASSED FAILED"; a missing or malformed file is one failure
	local p f
	if read -r p f _ 2>/dev/null <"$1" && [[ $p =~ ^[0-9]+$ && $f =~ ^[0-9]+$ ]]; then
		add "$p" "$f" "$1"
	else
		add 0 1 "$1 (missing or malformed)"
	fi
}
timed() { # LABEL CMD...
	local label=$1 t0=$SECONDS rc=0
	shift
	"$@" || rc=$?
	echo "# $label took $((SECONDS - t0)) s" >&2
	return "$rc"
}

if ! "$here/deps.sh"; then
	echo "not ok - dependencies (tests/qemu/deps.sh)"
	add 0 1 deps
fi

summary=()
for k in $kernels; do
	if [ "$k" = debug ]; then
		if ! timed "debug kernel build" "$here/build-debug-kernel.sh" >/dev/null; then
			echo "not ok - [debug] build the debug kernel (build/debug-6.1/build.log)"
			add 0 1 "debug kernel build"
			continue
		fi
	fi
	args=("$k")
	[ -z "$tests" ] || args+=(--tests "$tests")
	t0=$SECONDS
	"$here/run.sh" "${args[@]}"
	summary+=("$k: $((SECONDS - t0)) s")
	add_file "$repo/build/$k/result"
done

for f in ${VUKP_EXTRA_RESULTS:-}; do
	add_file "$f"
done
echo "# wall time per kernel (builds + boot + tests): ${summary[*]}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
