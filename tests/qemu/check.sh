#!/bin/bash
# The QEMU part of `make check`: dependencies, the debug kernel, then
# tests/qemu/run.sh for every kernel, two guests side by side. Prints, as its
# very last line, "N passed, M failed" over all kernels plus the host-side
# result files listed in VUKP_EXTRA_RESULTS (each holding "PASSED FAILED").
#
# Usage: tests/qemu/check.sh [--tests GLOB[,GLOB...]] [--kernels "7.x 6.1 6.12 debug"]
# Without --tests each kernel runs its own set (tests/qemu/kernels.sh: the
# whole suite, or the essential subset); --tests runs those scripts on all.
# VUKP_LANES=1 runs the guests one after the other (default 2: one lane for
# the debug kernels, one for the others; a guest runs its vCPUs on one TCG
# thread, so two guests fill the two cores).
# Exit status 0 iff nothing failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=tests/qemu/kernels.sh
. "$here/kernels.sh"
tests=
kernels=$VUKP_CHECK_KERNELS
while [ $# -gt 0 ]; do
	case $1 in
	--tests) tests=${2:?}; shift 2 ;;
	--kernels) kernels=${2?}; shift 2 ;;
	*) sed -n '7s/^# //p' "$0" >&2; exit 2 ;;
	esac
done
[ -n "$kernels" ] || kernels=$VUKP_CHECK_KERNELS
lanes=${VUKP_LANES:-2}

# Output: one KTAP document; each kernel's run (run.sh's own document) is a
# subtest, printed as it ends, followed by its result line; the host suites'
# results (VUKP_EXTRA_RESULTS) are test cases. With two lanes the kernels'
# results can come out of order (each keeps its number).
kidx() { # KERNEL -> its test number (1 is the dependencies)
	local i=2 x
	for x in $kernels; do
		[ "$x" = "$1" ] && { echo $i; return; }
		i=$((i + 1))
	done
}
nk=$(wc -w <<<"$kernels") nx=$(wc -w <<<"${VUKP_EXTRA_RESULTS:-}")
echo "KTAP version 1"
echo "1..$((1 + nk + nx))"
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

if ! "$here/deps.sh"; then
	echo "not ok 1 dependencies (tests/qemu/deps.sh)"
	add 0 1 deps
else
	echo "ok 1 dependencies (tests/qemu/deps.sh)"
fi

# One kernel: debug build if needed, then run.sh; output to build/K/check.log,
# wall time to build/K/check.time. Never fails (the result file says).
one() { # KERNEL
	local k=$1 t0=$SECONDS out=$repo/build/$1 set
	mkdir -p "$out"
	rm -f "$out/result"
	{
		vukp_kernel "$k" || { printf 'KTAP version 1\nnot ok 1 [%s] unknown kernel\n1..1\n' "$k"; echo "0 1" >"$out/result"; return; }
		if [ -n "$K_DEBUG" ]; then
			local b0=$SECONDS
			if ! "$here/build-debug-kernel.sh" "$k" >/dev/null; then
				printf 'KTAP version 1\nnot ok 1 [%s] build the debug kernel (%s)\n1..1\n' "$k" "$(dirname "$K_KBUILD")/build.log"
				echo "0 1" >"$out/result"
				return
			fi
			echo "# [$k] debug kernel build (or wait for it) took $((SECONDS - b0)) s"
		fi
		set=${tests:-$(vukp_kernel_tests "$k")}
		[ "$set" = '*' ] || echo "# [$k] scripts: $set"
		"$here/run.sh" "$k" --tests "$set"
	} >"$out/check.log" 2>&1
	echo "$((SECONDS - t0))" >"$out/check.time"
}
lane() { # KERNEL...: one after the other, each log shown when it ends
	local k
	for k in "$@"; do
		one "$k"
		sed 's/^/    /' "$repo/build/$k/check.log"
		local p f
		if read -r p f _ 2>/dev/null <"$repo/build/$k/result" && [ "$f" = 0 ]; then
			echo "ok $(kidx "$k") kernel $k"
		else
			echo "not ok $(kidx "$k") kernel $k"
		fi
	done
}

# Lanes: the debug kernels (the longest runs) in one, the rest in the other;
# without a debug kernel, alternate.
a=() b=()
for k in $kernels; do
	case $k in
	debug*) a+=("$k") ;;
	*) b+=("$k") ;;
	esac
done
if [ "${#a[@]}" = 0 ]; then
	a=() c=("${b[@]}") b=()
	for i in "${!c[@]}"; do
		if [ $((i % 2)) = 0 ]; then a+=("${c[$i]}"); else b+=("${c[$i]}"); fi
	done
fi
t0=$SECONDS
if [ "$lanes" -ge 2 ] && [ "${#a[@]}" -gt 0 ] && [ "${#b[@]}" -gt 0 ]; then
	echo "# guests side by side: [${a[*]}] and [${b[*]}]" >&2
	lane "${a[@]}" &
	pa=$!
	lane "${b[@]}"
	wait "$pa"
else
	lane "${a[@]}" "${b[@]}"
fi

# The parallel stress (53-parallel) under multi-threaded TCG: the guest's two
# vCPUs run on two host threads, truly in parallel, so it needs both cores
# and runs alone, after the lanes, on one kernel after the other. Its logs and
# result: build/KERNEL/mttcg/. Skipped when --tests does not select it.
mttcg() { # KERNEL
	local k=$1 t0=$SECONDS out=$repo/build/$1/mttcg
	mkdir -p "$out"
	rm -f "$out/result"
	VUKP_RUN=mttcg VUKP_ACCEL=tcg,thread=multi VUKP_SMP=2 \
		VUKP_APPEND="${VUKP_APPEND:+$VUKP_APPEND }vukp.mttcg=1" \
		"$here/run.sh" "$k" --tests 53-parallel >"$out/check.log" 2>&1
	echo "$((SECONDS - t0))" >"$out/check.time"
	cat "$out/check.log"
}
mt=
if [ -z "$tests" ]; then
	mt=1
else
	IFS=, read -ra globs <<<"$tests"
	for g in "${globs[@]}"; do
		# shellcheck disable=SC2053 # the glob is meant to match
		[[ 53-parallel == $g || 53-parallel.sh == $g ]] && mt=1
	done
fi
if [ -n "$mt" ]; then
	for k in $kernels; do
		mttcg "$k"
	done
fi

summary=()
for k in $kernels; do
	add_file "$repo/build/$k/result"
	summary+=("$k: $(cat "$repo/build/$k/check.time" 2>/dev/null || echo '?') s")
	if [ -n "$mt" ]; then
		add_file "$repo/build/$k/mttcg/result"
		summary+=("$k mttcg: $(cat "$repo/build/$k/mttcg/check.time" 2>/dev/null || echo '?') s")
	fi
done
i=$((1 + nk))
for f in ${VUKP_EXTRA_RESULTS:-}; do
	i=$((i + 1))
	add_file "$f"
	if read -r p x _ 2>/dev/null <"$f" && [ "$x" = 0 ]; then
		echo "ok $i host suite ${f##*/}"
	else
		echo "not ok $i host suite ${f##*/}"
	fi
done
echo "# wall time per kernel (builds + boot + tests): ${summary[*]}; all guests: $((SECONDS - t0)) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
