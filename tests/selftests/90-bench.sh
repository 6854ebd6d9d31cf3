#!/bin/sh
# make bench (scripts/bench.sh): figures, never a verdict on time.  Runs
# only when the kernel command line has vukp.bench=1; otherwise one SKIP.
#   vukp.bench_reps=N    repetitions of every measurement (default 5)
#   vukp.bench_iter=N    os_mem_copy calls per measurement (default 100000)
#   vukp.bench_rm=N      RM controls per measurement (default 20000)
# Every figure line starts with "# bench:"; scripts/bench.sh collects them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mocklib.sh"

REPS=5 ITER=100000 RMITER=20000 on=0
for a in $(cat /proc/cmdline); do
	case $a in
	vukp.bench=1) on=1 ;;
	vukp.bench_reps=*) REPS=${a#*=} ;;
	vukp.bench_iter=*) ITER=${a#*=} ;;
	vukp.bench_rm=*) RMITER=${a#*=} ;;
	esac
done
[ $on = 1 ] || skip_all "run by make bench"

SHIM=$VUKP_LIB/libvgpu_unlock_shim.so
BRM=$VUKP_BIN/bench-rm
D=/tmp/bench
rm -rf $D /etc/vgpu_unlock/*.toml
mkdir -p $D
say() { echo "# bench: $*"; }
add() { echo "$2" >>"$D/$1"; } # KEY VALUE: one sample

stats() { # KEY -> "median min max" (n/a when no sample)
	[ -s "$D/$1" ] || { echo "n/a n/a n/a"; return; }
	sort -n "$D/$1" | awk '{ v[NR] = $1 }
		END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.1f %.1f %.1f\n", m, v[1], v[NR] }'
}
row() { # LABEL KEY BASEKEY: median min max ratio-of-medians
	# shellcheck disable=SC2046 # the figures, split on purpose
	set -- "$1" "$2" "$3" $(stats "$2") $(stats "$3")
	awk -v l="$1" -v m="$4" -v lo="$5" -v hi="$6" -v b="$7" 'BEGIN {
		r = (b + 0 > 0 && m != "n/a") ? sprintf("%.3f", m / b) : "n/a"
		printf "# bench:   %-34s %10s %10s %10s %8s\n", l, m, lo, hi, r }'
}

copy_bench() { # STATE: os_mem_copy per-call cost, kernel memory and aperture
	for c in "k16 16 0" "k4096 4096 0" "a16 16 1"; do
		set -- $c
		v=$($NVCTL bench "$ITER" "$2" 0 "$3" | sed -n 's/.*per_call_ns=//p')
		[ -n "$v" ] && add "copy-$1-$STATE" "$v"
	done
}
rm_bench() { # RM control latency without and with the shim
	v=$($BRM "$RMITER" 1 0 | awk '{ print $2 }')
	[ -n "$v" ] && add "rm-noshim-$STATE" "$v"
	if [ -f "$SHIM" ]; then
		v=$(LD_PRELOAD=$SHIM $BRM "$RMITER" 1 0 2>/dev/null | awk '{ print $2 }')
		[ -n "$v" ] && add "rm-shim-$STATE" "$v"
	fi
}
copy_hits() { sed -n 's/^probe os_mem_copy hits=\([0-9]*\).*/\1/p' $KP_STATUS; }

# 1. os_mem_copy and RM controls: module absent, armed, after unlock;
#    the three states in turn within every repetition.
bad=
r=0
while [ $r -lt "$REPS" ]; do
	r=$((r + 1))
	nv_load default || finish
	$NVCTL open 0 || bad="$bad [open]"
	STATE=absent; copy_bench; rm_bench
	kp_load || finish
	STATE=armed; copy_bench; rm_bench
	for p in "$GPU_1080|GRID P40-1Q|-k" "$GPU_2080|GRID RTX6000-1Q|-k" "$GPU_P40|GRID P40-2Q|"; do
		IFS='|'; set -- $p; unset IFS
		s=$(vgpu_start "$1" "$2" -r $3)
		[ "$s" = 0x0 ] || bad="$bad [$1 $2: $s]"
	done
	add patch-status "$(grep '^patch ' $KP_STATUS)"
	add irqoff "$(sed -n 's/^handler irqoff_max_us=\([0-9.]*\).*/\1/p' $KP_STATUS)"
	h0=$(copy_hits)
	STATE=unlocked; copy_bench; rm_bench
	h1=$(copy_hits)
	add hits-unlocked "$((h1 - h0))"
	[ $r = 1 ] && cp $KP_STATUS $D/status-unlocked
	kp_unload
	nv_unload
done

# 2. The table search: vgpu_unlock_kp's search_us next to a plain memcmp
#    scan of the same bytes (tests/bench/vukp_bench.ko).
for mb in 8 16 32; do
	r=0
	while [ $r -lt "$REPS" ]; do
		r=$((r + 1))
		nv_load bench$mb || break
		if load_mod "$VUKP_KO/vukp_bench.ko"; then
			l=$(dmesg | grep 'vukp_bench: scan' | tail -n 1)
			rmmod vukp_bench
			for k in bytes read_ns memcmp_ns; do
				v=$(echo "$l" | tr ' ' '\n' | sed -n "s/^$k=//p")
				add "search$mb-$k" "$v"
			done
		fi
		kp_load || break
		v=$(sed -n 's/.* search_us=\([0-9]*\).*/\1/p' $KP_STATUS)
		[ -n "$v" ] && add "search$mb-kp_ns" "$((v * 1000))"
		kp_unload
		nv_unload
	done
done

# Figures
say "kernel $VUKP_KERNEL, $REPS repetitions; copies: $ITER calls each; RM: $RMITER controls each"
say "os_mem_copy, ns per call          median        min        max  ratio (median / median absent)"
for c in k16 k4096 a16; do
	for s in absent armed unlocked; do
		row "$c $s" "copy-$c-$s" "copy-$c-absent"
	done
done
say "probe hits during the unlocked measurement (0 = probe disabled): $(tr '\n' ' ' <$D/hits-unlocked)"
say "RM control (PCI_INFO), ns per call   median        min        max  ratio (median / no module, no shim)"
for m in noshim shim; do
	for s in absent armed unlocked; do
		row "$m module-$s" "rm-$m-$s" "rm-noshim-absent"
	done
done
say "table search, ns                      median        min        max  ratio (median / median memcmp scan)"
for mb in 8 16 32; do
	say "  bench$mb: $(stats "search$mb-bytes" | awk '{ printf "%d KiB", $1 / 1024 }') searched"
	row "bench$mb read pass" "search$mb-read_ns" "search$mb-memcmp_ns"
	row "bench$mb memcmp scan" "search$mb-memcmp_ns" "search$mb-memcmp_ns"
	row "bench$mb vgpu_unlock_kp search" "search$mb-kp_ns" "search$mb-memcmp_ns"
done
say "key read -> patch in place (status 'patch' line after each unlock):"
sed 's/^/# bench:   /' $D/patch-status
say "longest interrupts-off time of a handler or re-balance, us (every type of both boards installed): $(stats irqoff | awk '{ printf "median %s min %s max %s", $1, $2, $3 }')"
grep -E '^(tables|handler|probe|gpu|patch)' $D/status-unlocked 2>/dev/null | sed 's/^/# bench:   status: /'

if [ -n "$bad" ]; then
	fail "bench ran" "VM starts or opens failed:$bad"
else
	ok "bench ran (figures above; nothing is judged on time)"
fi
finish
