#!/bin/bash
# make bench: performance figures for docs/performance.md.  Prints figures,
# never a verdict on time; exits non-zero only when something could not be
# measured at all.
#   scripts/bench.sh [--host-only | --qemu-only]
# Environment:
#   BENCH_KERNEL  6.12 (default) or 6.1: the guest kernel
#   BENCH_REPS    repetitions of every measurement (default 5)
#   BENCH_ITER    os_mem_copy calls per guest measurement (default 100000)
#   BENCH_RM      RM controls per guest measurement (default 20000)
#   BENCH_SHIM_ITER  ioctl calls per host measurement (default 200000)
# Output also in build/bench/latest.txt.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
kernel=${BENCH_KERNEL:-6.12}
reps=${BENCH_REPS:-5}
host=1 qemu=1
case ${1:-} in
--host-only) qemu=0 ;;
--qemu-only) host=0 ;;
'') ;;
-h | --help) sed -n '2,12s/^# \{0,1\}//p' "$0"; exit 0 ;;
*) sed -n '2,12s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac
out=$repo/build/bench
mkdir -p "$out"
latest=$out/latest.txt
: >"$latest"
say() { echo "$*" | tee -a "$latest"; }
rc=0

# stats FILE -> "median min max" of the numbers in FILE (one per line)
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		if (!NR) { print "n/a n/a n/a"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f %.1f %.1f\n", m, v[1], v[NR] }'
}

# ---- host: the shim's ioctl cost, with a fake RM below it ----
if [ $host = 1 ]; then
	h=$out/host
	mkdir -p "$h"
	cflags=(-O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -I"$repo/include")
	make --no-print-directory -s -C "$repo/userspace-shim" >/dev/null
	cc "${cflags[@]}" -fPIC -shared -o "$h/libfakeioctl.so" -DFAKERM_FD=1000000 \
		"$repo/tests/shim/fakerm.c" -ldl
	cc "${cflags[@]}" -o "$h/bench_shim" "$repo/tests/bench/bench_shim.c"
	printf 'unlock = true\n' >"$h/config.toml"
	printf '[profile.nvidia-55]\nmax_instances = 5\n' >"$h/profile.toml"
	rm -f "$h"/s-*
	iter=${BENCH_SHIM_ITER:-200000}
	for ((r = 0; r < reps; r++)); do
		for mode in noshim shim; do
			pre=$h/libfakeioctl.so
			[ $mode = shim ] && pre="$repo/userspace-shim/libvgpu_unlock_shim.so $pre"
			VGPU_UNLOCK_CONFIG_PATH=$h/config.toml \
				VGPU_UNLOCK_PROFILE_OVERRIDE_CONFIG_PATH=$h/profile.toml \
				LD_PRELOAD=$pre "$h/bench_shim" "$iter" 1 2>/dev/null |
				while read -r name v; do echo "$v" >>"$h/s-$mode-$name"; done
		done
	done
	say "== host: ioctl through the shim ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); $reps repetitions x $iter calls; ns per call)"
	say "$(printf '%-14s %9s %9s %9s %9s %9s %9s %8s %9s %9s' case noshim min max shim min max ratio added added-min)"
	for c in fake-other fake-rm-other fake-pci fake-vmode fake-typeinfo sys-other; do
		[ -f "$h/s-noshim-$c" ] || continue
		read -r a amin amax <<<"$(stats "$h/s-noshim-$c")"
		read -r b bmin bmax <<<"$(stats "$h/s-shim-$c")"
		say "$(awk -v c="$c" -v a="$a" -v amin="$amin" -v amax="$amax" -v b="$b" \
			-v bmin="$bmin" -v bmax="$bmax" 'BEGIN {
			printf "%-14s %9s %9s %9s %9s %9s %9s %8.3f %+9.1f %+9.1f", c, a, amin, amax,
				b, bmin, bmax, (a > 0 ? b / a : 0), b - a, bmin - amin }')"
	done
	say "(fake-*: fake RM below the shim, no syscall; sys-other: a real ioctl syscall the shim passes through;"
	say " added = shim median - no-shim median; added-min = shim min - no-shim min, steadier on a loaded machine)"
fi

# ---- QEMU: os_mem_copy, RM controls, table search, patch time ----
if [ $qemu = 1 ]; then
	"$repo/tests/qemu/deps.sh"
	# shellcheck source=tests/qemu/kernels.sh
	. "$repo/tests/qemu/kernels.sh" # the kernels' cache (VUKP_CACHE)
	case $kernel in
	6.1 | 6.12) vukp_kernel "$kernel" ;;
	*) echo "bench: BENCH_KERNEL is 6.1 or 6.12" >&2; exit 2 ;;
	esac
	kdir=${K_IMAGE:+$(dirname "$K_IMAGE")}
	kbuild=$K_KBUILD
	if [ -z "$kdir" ] || [ ! -f "$kbuild/Makefile" ]; then
		echo "bench: no kernel $kernel (tests/qemu/deps.sh)" >&2
		exit 1
	fi
	k=$out/$kernel
	mkdir -p "$k/ko" "$k/src"
	make --no-print-directory -s -C "$repo/tests/mock" bench KDIR="$kbuild" OUT="$k/ko" >"$k/build.log" 2>&1 ||
		{ cat "$k/build.log" >&2; exit 1; }
	# the module's headers and include/ (compat.h includes tables.h, ...)
	cp "$repo/tests/bench/vukp_bench.c" "$repo/tests/bench/Kbuild" "$repo"/module/*.h \
		"$repo"/include/*.h "$k/src/"
	make -s -C "$kbuild" M="$k/src" modules >>"$k/build.log" 2>&1 || { cat "$k/build.log" >&2; exit 1; }
	cp "$k/src/vukp_bench.ko" "$k/ko/"
	say "== QEMU $kernel (TCG, 2 vCPUs; absolute figures are emulated time, the ratios are what counts)"
	VUKP_APPEND="vukp.bench=1 vukp.bench_reps=$reps vukp.bench_iter=${BENCH_ITER:-100000} vukp.bench_rm=${BENCH_RM:-20000}" \
		VUKP_TEST_TIMEOUT=${VUKP_TEST_TIMEOUT:-2400} VUKP_QEMU_TIMEOUT=${VUKP_QEMU_TIMEOUT:-2700} \
		"$repo/tests/qemu/run.sh" "$kernel" --tests 90-bench --variant-dir "$k/ko" >"$k/run.log" 2>&1 || rc=1
	sed -n 's/^ *# bench: \{0,1\}//p' "$repo/build/$kernel/console.txt" | tee -a "$latest"
	if [ $rc != 0 ]; then
		echo "bench: the guest run did not complete cleanly: $k/run.log, build/$kernel/console.log" >&2
		grep -E '^not ok|^# ' "$k/run.log" | head -n 20 >&2
	fi
fi
echo "(saved in ${latest#"$repo"/})"
exit $rc
