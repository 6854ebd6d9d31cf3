#!/bin/sh
# Fault injection: after each fault, nothing changed (table checksum), a
# clear message or the right behaviour.
#   - probed symbols missing: 21-module-refusal (omit-<symbol> for the three
#     probed ones, nosac, nomagicstart); here: the symbols the module does
#     not probe may be missing;
#   - corrupted tables (mock variants): a pointer outside nvidia, a huge
#     num_blocks, bad signatures, a list without its terminator;
#   - read order (mock fault knob): key never read, magic read twice, a
#     second GPU whose key arrives first, aperture remapped between magic
#     and key;
#   - allocation failures (kernels with /proc/self/fail-nth, i.e. debug):
#     the allocations of `insmod vgpu_unlock_kp` with nvidia loaded, and
#     every allocation the module's own code makes inside `insmod nvidia`
#     with vgpu_unlock_kp loaded (the module notifier path), failed in turn.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mocklib.sh"

FAULT=/proc/driver/nvidia-mock/fault
FAILNTH=$VUKP_BIN/vukp-failnth
KP_KO=$VUKP_KO/vgpu_unlock_kp.ko
. "$(dirname "$0")/kreport.sh"

kernel_clean() { # DESC: no kernel report since the last dmesg_mark
	expect_eq "$1: no kernel report" "" "$(dmesg_since_mark | grep -E "$KREPORT_ANY")"
}
tables_field() { sed -n "s/^tables.* $1=\([0-9]*\).*/\1/p" $KP_STATUS; }
nv_state() { sed -n 's/^nvidia state=\([a-z]*\).*/\1/p' $KP_STATUS; }
nv_reason() { sed -n 's/^nvidia state=refused.* reason="\(.*\)"$/\1/p' $KP_STATUS; }
fault() { echo "$1" >$FAULT; }

[ -f "$KP_KO" ] || skip_all "vgpu_unlock_kp.ko not built"

# (A driver lacking a function the module does not probe: 21-module-refusal.sh.)

# ---- read-order faults (default tables) -----------------------------------
dmesg_mark
nv_load default || finish
s=$(nv_checksum)
kp_load || finish
ref_slots=$(tables_field slots)
ref_entries=$(tables_field vgpu_entries)

fault key_never
expect_start "key never read: 1080 Ti refused" 0x56 $GPU_1080 "GRID P40-1Q" -r -k
kp_gpu $GPU_1080 | grep -q "state=key-wait" && ok "key never read: 1080 Ti waits for its key" ||
	fail "key never read: 1080 Ti waits for its key" "$(cat $KP_STATUS)"
expect_eq "key never read: no slot used" 0 "$(tables_field slots_used)"
expect_eq "key never read: tables unchanged" "$s" "$(nv_checksum)"
fault none
expect_start "key read again: 1080 Ti unlocked" 0x0 $GPU_1080 "GRID P40-1Q" -r -k
kp_unload
expect_eq "key never read, then read: checksum restored" "$s" "$(nv_checksum)"

kp_load || finish
fault magic_twice
expect_types "magic read twice: 1080 Ti accepts P40 types" $GPU_1080 "GRID P40-1Q" "GRID P40-12C"
expect_types "magic read twice: 2080 Ti accepts RTX 6000 types" $GPU_2080 "GRID RTX6000-1Q"
fault key_first
expect_types "second GPU's key read before its magic: 1080 Ti still unlocked" $GPU_1080 "GRID P40-24Q"
kp_unload
expect_eq "magic twice, key first: checksum restored" "$s" "$(nv_checksum)"

kp_load || finish
fault none
expect_start "before key_first: 1080 Ti unlocked" 0x0 $GPU_1080 "GRID P40-1Q" -r -k
fault key_first
expect_start "key_first: second GPU (2080 Ti) unlocked" 0x0 $GPU_2080 "GRID RTX6000-1Q" -r -k
expect_start "key_first: first GPU still unlocked" 0x0 $GPU_1080 "GRID P40-24Q" -r -k
expect_start "key_first: native P40 unaffected" 0x0 $GPU_P40 "GRID P40-2Q" -r
fault none
kp_unload
expect_eq "key_first: checksum restored" "$s" "$(nv_checksum)"

# Remapped 40 times (the module caches 32 mappings): every key read comes
# through a mapping made after the magic's, and the old one is gone.
kp_load || finish
fault unmap_between
bad=
for i in $(seq 40); do
	st=$(vgpu_start $GPU_1080 "GRID P40-1Q" -r -k)
	[ "$st" = 0x0 ] || bad="$bad [$i: $st]"
	[ $((i % 10)) = 0 ] || continue
	st=$(vgpu_start $GPU_2080 "GRID RTX6000-1Q" -r -k)
	[ "$st" = 0x0 ] || bad="$bad [2080 Ti $i: $st]"
done
expect_eq "aperture remapped between magic and key (40 starts): unlocked every time" "" "$bad"
fault none
expect_start "after the remaps: 1080 Ti unlocked" 0x0 $GPU_1080 "GRID P40-12C" -r -k
expect_start "after the remaps: native P40 works" 0x0 $GPU_P40 "GRID P40-1Q" -r
kp_unload
expect_eq "remaps: checksum restored" "$s" "$(nv_checksum)"
expect_start "remaps, module unloaded: 1080 Ti refused" 0x56 $GPU_1080 "GRID P40-1Q" -r -k
nv_unload
kernel_clean "read-order faults"

# ---- corrupted tables -----------------------------------------------------
# The module checks every pointer against nvidia's data before it follows
# it: an invalid triplet ends a walk where it is (walks start from every
# sacrificial entry, so entries beyond it are still found from the other
# side).  Sacrificial slots are
# found from their own magic, so every corruption here leaves the unlock
# working with the valid slots (none of these entries is one the unlock
# needs).  The checksum proves nothing of nvidia was left changed.
corrupt() { # VARIANT WHAT
	v=$1
	dmesg_mark
	nv_load "$v" || return
	s=$(nv_checksum)
	if ! kp_load; then
		nv_unload
		return
	fi
	expect_eq "[$v] $2: armed" armed "$(nv_state)"
	diag "$(grep '^tables' $KP_STATUS)"
	expect_types "[$v] 1080 Ti accepts P40 types" $GPU_1080 "GRID P40-1Q" "GRID P40-24Q" "GRID P40-12C"
	expect_types "[$v] 2080 Ti accepts RTX 6000 types" $GPU_2080 "GRID RTX6000-1Q" "GRID RTX6000-24A"
	expect_start "[$v] native P40 works" 0x0 $GPU_P40 "GRID P40-2Q" -r
	e=$(tables_field vgpu_entries) n=$(tables_field slots)
	kp_unload
	expect_eq "[$v] checksum restored" "$s" "$(nv_checksum)"
	expect_start "[$v] 1080 Ti refused after rmmod" 0x56 $GPU_1080 "GRID P40-1Q" -r -k
	nv_unload
	kernel_clean "[$v]"
}
corrupt ptr-outside "an entry's record pointer outside nvidia"
[ "$e" -lt "$ref_entries" ] && ok "[ptr-outside] the bad entry is left out, never followed ($e of $ref_entries entries)" ||
	fail "[ptr-outside] the bad entry is left out, never followed" "vgpu_entries=$e, default $ref_entries"
corrupt huge-blocks "an entry's num_blocks 255"
[ "$e" -lt "$ref_entries" ] && ok "[huge-blocks] the bad entry is left out, its record never read ($e of $ref_entries entries)" ||
	fail "[huge-blocks] the bad entry is left out, its record never read" "vgpu_entries=$e, default $ref_entries"
corrupt bad-sig "three sacrificial entries with a bad signature"
expect_eq "[bad-sig] every sacrificial slot usable (the module re-signs them)" "$ref_slots" "$n"
corrupt no-terminator "the vGPU list without its terminator"
expect_eq "[no-terminator] the walk stops at the list's end" "$ref_entries" "$e"

# ---- allocation failures (fail-nth) ---------------------------------------
if [ ! -w /proc/self/fail-nth ] || [ ! -x "$FAILNTH" ] || [ ! -d /sys/kernel/debug/failslab ]; then
	skip "allocation failures" "no /proc/self/fail-nth (kernel without CONFIG_FAULT_INJECTION)"
	finish
fi
# the fault-injection capabilities fail-nth uses
FI_DIRS="/sys/kernel/debug/failslab /sys/kernel/debug/fail_page_alloc"
for d in $FI_DIRS; do
	[ -d $d ] || continue
	echo N >$d/ignore-gfp-wait	# GFP_KERNEL allocations count too
	echo 0 >$d/verbose		# no stack dump per injected failure
done
# Allocation failure warnings (vmalloc's) dump a stack: only reports count.
# A sweep that has not ended after this many insmods fails (a bound on the
# work, not on the time: the same on a slow machine as on a fast one).
SWEEP_MAX_RUNS=${SWEEP_MAX_RUNS:-1500}

# One run: insmod NAME from KO with its N-th allocation failed -> CLS (the
# class of the outcome; "done" when nothing was injected)
fn_run() { # NAME KO N
	# shellcheck disable=SC3043 # busybox ash has local
	local name=$1 ko=$2 at=$3 out msgs r st
	out=$("$FAILNTH" "$at" "$ko")
	msgs=$(dmesg -c)
	r=$(echo "$msgs" | grep -E "$KREPORT")
	[ -z "$r" ] || fail "insmod $name, allocation $at failed: no kernel report" "$r"
	case $out in
	rc=0*)
		CLS=$(nv_state)
		if [ "$CLS" = refused ]; then
			CLS="refused: $(nv_reason)"
			echo "$msgs" | grep -q "nothing armed, nothing changed" ||
				fail "$name allocation $at: refusal printed" "$msgs"
			if [ "$name" = nvidia ]; then
				st=$(vgpu_start $GPU_1080 "GRID P40-1Q" -r -k)
				[ "$st" = 0x56 ] || fail "nvidia allocation $at: refused, 1080 Ti not unlocked" "$st"
			fi
		elif [ "$CLS" != armed ]; then
			fail "$name allocation $at: armed or refused" "$(cat $KP_STATUS)"
		fi
		rmmod "$name" || fail "$name allocation $at: rmmod $name"
		;;
	rc=-1*)
		CLS="insmod $name fails: ${out#*errno=}"
		CLS=${CLS% injected=*}
		# the insmod failed after the module's arming (its init, or
		# the notifier) ran: another outcome than a failure before it, so that the
		# sweep bisects into the narrow arming window between the two
		# instead of stepping over it
		# (its "armed:" or refusal line; "disarmed" may be the previous
		# run's rmmod)
		if echo "$msgs" | grep -qE "vgpu_unlock_kp: nvidia [^ ]*: (armed: |.*nothing armed, nothing changed)"; then
			CLS="$CLS, after the module's arming"
			[ -n "$ARMLOG_SHOWN" ] || { ARMLOG_SHOWN=1; diag "nvidia allocation $at: $CLS; the module printed: $msgs"; }
		fi
		! mod_loaded "$name" || fail "$name allocation $at: failed insmod left it loaded"
		;;
	*) fail "vukp-failnth $at" "$out"; CLS=error ;;
	esac
	case $out in *injected=yes*) injected=$((injected + 1)) ;; *injected=no*) CLS="done" ;; esac
}

fn_insmod_kp() {
	fn_run vgpu_unlock_kp "$KP_KO" "$1"
	[ "$(nv_checksum)" = "$s" ] || fail "allocation $1 ($CLS): tables unchanged" "$(nv_checksum) != $s"
}

fn_insmod_nv() {
	fn_run nvidia "$VUKP_KO/nvidia-default.ko" "$1"
	[ "$(nv_state)" = absent ] || fail "nvidia allocation $1 ($CLS): module back to absent" "$(cat $KP_STATUS)"
}

# sweep FN: N = 1, 2, ... until a run with nothing injected.  Runs of one
# outcome (a loop allocating hundreds of kretprobe instances) are crossed
# with growing odd steps; where the outcome changes, a bisection finds a
# first N of the new outcome and the walk goes on one by one from there.
# A failure the kernel absorbs ("armed": kmemleak's own object allocation
# after every allocation, which falls back to its pool; kvmalloc falling
# back to vmalloc) does not count as a change of outcome.
sweep() {
	fn=$1 n=1 step=1 same=0 prev='' last=0 runs=0 injected=0
	SITES='' AFTER=''
	while :; do
		if [ $runs -ge "$SWEEP_MAX_RUNS" ]; then
			SITES="$SITES
stopped at N=$n after $runs runs"
			break
		fi
		$fn $n
		runs=$((runs + 1))
		c=$CLS
		[ "$c" = armed ] && [ -n "$prev" ] && c=$prev
		if [ "$c" != "$prev" ] && [ $step -gt 1 ]; then
			lo=$last hi=$n
			while [ $((hi - lo)) -gt 1 ]; do
				mid=$(((lo + hi) / 2))
				$fn $mid
				runs=$((runs + 1))
				if [ "$CLS" = "$prev" ] || [ "$CLS" = armed ]; then
					lo=$mid
				else
					hi=$mid c=$CLS
				fi
			done
			n=$hi step=1 same=0
		fi
		[ "$c" = "$prev" ] || SITES="$SITES
N=$n: $c"
		case $c in *"after the module's arming"*) [ -n "$AFTER" ] || AFTER=$n ;; esac
		[ "$c" = "done" ] && break
		if [ "$c" = "$prev" ]; then same=$((same + 1)); else same=0; fi
		prev=$c last=$n
		if [ $same -ge 8 ]; then
			step=$((step * 2 + 1))
			[ $step -le 127 ] || step=127
		else
			step=1
		fi
		n=$((n + step))
	done
	SWEPT=$n
	[ "$c" = "done" ] && tail_walk "$fn" $((${AFTER:-$n} - 1))
}

# tail_walk FN M: what the arming allocates may be absorbed (kvmalloc
# falling back to vmalloc) or refused in any order, which the bisection of
# sweep can step over.  So the allocations from M (just before the first
# failure seen after the arming, or the last allocation of the insmod when
# nothing follows the arming) down to the first failure that came before
# the arming are tried one by one.
tail_walk() {
	# shellcheck disable=SC3043 # busybox ash has local
	local fn=$1 m=$2 seen=''
	while [ "$m" -ge 1 ]; do
		if [ $runs -ge "$SWEEP_MAX_RUNS" ]; then
			SITES="$SITES
stopped at N=$m after $runs runs (walked back)"
			return
		fi
		$fn $m
		runs=$((runs + 1))
		case $CLS in
		*"after the module's arming"*|armed) ;;
		"insmod "*) break ;;	# before the arming: the walk is done
		esac
		case $seen in *"|$CLS|"*) ;; *)
			seen="$seen|$CLS|"
			SITES="$SITES
N=$m: $CLS (walked back)" ;;
		esac
		m=$((m - 1))
	done
}

# sweep_report WHAT CONTEXT WHERE OUTCOMES: a sweep's figures and verdicts
sweep_report() {
	diag "$1 $2: $runs runs, $injected allocation failures injected, outcomes by first N:$SITES"
	echo "# faults: $1 $2: $runs runs, $injected failures injected, up to allocation $SWEPT"
	case $SITES in
	*"stopped at"*) fail "allocation failures at $1: sweep ended within $SWEEP_MAX_RUNS runs" "$SITES" ;;
	*) ok "allocation failures at $1 ($injected injected): $4" ;;
	esac
	case $SITES in
	*"refused: "*) ok "allocation failures in $3 seen (refusals)" ;;
	*"after the module's arming"*)
		# the sweep bisected to the arming: allocation N-1 fails before
		# it, N after it, so the arming itself made no allocation that
		# fault injection counts on this kernel (its allocations fall
		# back, or are not eligible): nothing to refuse
		skip "allocation failures in $3 seen (refusals)" \
			"no injectable allocation inside $3 on this kernel:$(echo "$SITES" | tr '\n' ' ')" ;;
	*) fail "allocation failures in $3 seen (refusals)" "$SITES" ;;
	esac
}

nv_load default || finish
s=$(nv_checksum)
dmesg -c >/dev/null
sweep fn_insmod_kp
sweep_report "insmod vgpu_unlock_kp" "with nvidia loaded" "the module's arming" \
	"nothing changed, module armed, refused or not loaded"
kp_load || finish
expect_types "after the sweep: 1080 Ti unlocked" $GPU_1080 "GRID P40-1Q"
kp_unload
expect_eq "after the sweep: checksum restored" "$s" "$(nv_checksum)"
nv_unload

# ---- the notifier's arming: every allocation of the module's code --------
# insmod nvidia makes hundreds of allocations of its own (loading, nvidia's
# init) around the few the notifier's arming makes.  The fail-nth stack
# filter (require-start/require-end) counts only the allocations made with
# vgpu_unlock_kp's code on the stack, so each of those is failed in turn,
# every one, and nvidia's own are never failed.
# mod_text_range: "START END" of vgpu_unlock_kp's text: its first function's
# address in /proc/kallsyms, and its last one's plus that function's size
# (from the .ko, listed by run.sh in $KP_KO.text; kallsyms has no sizes, and
# the next symbol may be far: nvidia, loaded later, could land in between).
# Addresses are compared as fixed-width hex strings; a module's text lies in
# one 4 GiB window (ffffffff........), so the sum is done on the low half.
mod_text_range() {
	awk -v m="[vgpu_unlock_kp]" '
		FNR == NR { if (!($1 in size) || ($2 "") > size[$1]) size[$1] = $2 ""; next }
		$NF == m && ($2 == "t" || $2 == "T") {
			if (lo == "" || ($1 "") < lo) lo = $1 ""
			if (hi == "" || ($1 "") > hi) { hi = $1 ""; name = $3 } }
		END { if (lo != "" && (name in size)) print lo, hi, size[name] }
	' "$KP_KO.text" /proc/kallsyms | {
		read -r lo hi sz || return 0
		printf '%s %s%08x\n' "$lo" "${hi%????????}" $((0x${hi#????????} + 0x$sz))
	}
}
stack_filter() { # START END (hex, the files take 0x) | off
	for d in $FI_DIRS; do
		[ -d $d ] || continue
		if [ "$1" = off ]; then
			echo 0 >$d/require-start
			echo 18446744073709551615 >$d/require-end
		else
			echo "0x$1" >$d/require-start
			echo "0x$2" >$d/require-end
			echo 32 >$d/stacktrace-depth
		fi
	done
}

kp_load || finish
range=$(mod_text_range)
if [ ! -f /sys/kernel/debug/failslab/require-start ]; then
	# failing all of insmod nvidia's ~600 allocations instead takes longer
	# than the script may run on the 6.1 debug kernel
	skip "allocation failures in the notifier's arming" \
		"no fault-injection stack filter on this kernel (6.1 has it on x86-32 only); the 7.3 debug kernel sweeps this path"
elif [ -z "$range" ]; then
	fail "allocation failures in the notifier's arming: the module's text in /proc/kallsyms and $KP_KO.text" "none"
else
	# shellcheck disable=SC2086 # two words
	stack_filter $range
	dmesg -c >/dev/null
	out=$("$FAILNTH" 1000000 "$VUKP_KO/nvidia-default.ko")
	total=$(echo "$out" | sed -n 's/.*injected=no checks=\([0-9]*\)$/\1/p')
	expect_eq "insmod nvidia, nothing failed: armed by the notifier" armed "$(nv_state)"
	nv_unload
	if [ "${total:-0}" -gt 0 ]; then
		ok "the stack filter sees the module's allocations inside insmod nvidia ($total)"
	else
		fail "the stack filter sees the module's allocations inside insmod nvidia" "$out; text $range"
	fi
	# N = 1, 2, ... until a run in which nothing was injected.  With two
	# CPUs the count varies by a few from run to run (84 to 86 seen on the
	# 7.3 debug kernel: an allocation that must take a new slab page makes
	# one check more, depending on what the CPU it ran on held), so the end
	# must be near the count run's, not equal to it (at least 90% of it).
	runs=0 injected=0 SITES='' prev='' bad=''
	n=1
	while [ $runs -lt "$SWEEP_MAX_RUNS" ]; do
		fn_insmod_nv $n
		runs=$((runs + 1))
		case $CLS in
		armed|"refused: "*|done) ;;
		*) bad="$bad
N=$n: $CLS" ;;
		esac
		[ "$CLS" = "$prev" ] || SITES="$SITES
N=$n: $CLS"
		[ "$CLS" != "done" ] || break
		prev=$CLS n=$((n + 1))
	done
	stack_filter off
	diag "insmod nvidia, the module's allocations failed in turn: $runs runs, $injected injected, outcomes by first N:$SITES"
	echo "# faults: insmod nvidia (the module's allocations): $runs runs, $injected failures injected; the count run saw $total"
	if [ "$CLS" = "done" ] && [ $((injected * 10)) -ge $((${total:-0} * 9)) ]; then
		ok "each of the module's allocations failed in turn: $injected (the count run saw ${total:-0})"
	else
		fail "each of the module's allocations failed in turn" \
			"$injected injected in $runs runs, the count run saw ${total:-0}, last: $CLS"
	fi
	expect_eq "each: nvidia loads, armed or refused (never failed by the module)" "" "$bad"
	case $SITES in
	*"refused: "*) ok "allocation failures in the notifier's arming seen (refusals)" ;;
	*) fail "allocation failures in the notifier's arming seen (refusals)" "$SITES" ;;
	esac
fi
nv_load default || finish
expect_eq "after the sweep: armed by the notifier" armed "$(nv_state)"
expect_types "after the sweep: 1080 Ti unlocked" $GPU_1080 "GRID P40-1Q"
kp_unload
nv_unload
for d in $FI_DIRS; do
	[ -d $d ] && echo Y >$d/ignore-gfp-wait
done
finish
