#!/bin/sh
# Parallel stress: RM controls and vGPU starts from several threads on all
# three GPUs while vgpu_unlock_kp stays loaded, on two guest CPUs that QEMU
# runs truly in parallel (multi-threaded TCG).  No text is patched while it
# runs: the module is loaded once, before the stress, with its os_mem_copy
# probe held enabled (copy_probe_hold=1, a test-only parameter), and neither
# it nor nvidia is reloaded; QEMU 7.2's multi-threaded TCG cannot take live
# code patching (docs/reliability.md, item 1).  First, the copy probe's
# toggles at arming are counted: at most one per arming.
#
# Runs only in a guest started with vukp.mttcg=1 (make check runs it so on
# every kernel, alone, after the two lanes: tests/qemu/check.sh); elsewhere
# it skips.  Length: vukp.parallel=SECONDS, default 45 s (30 s on debug).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mocklib.sh"

STRESS=$VUKP_BIN/vukp-stress
mttcg=
secs=45
[ "$VUKP_KERNEL" = debug ] && secs=30
for arg in $(cat /proc/cmdline); do
	case $arg in
	vukp.mttcg=1) mttcg=1 ;;
	vukp.parallel=*) secs=${arg#*=} ;;
	esac
done
[ -n "$mttcg" ] || skip_all "needs a guest under multi-threaded TCG (vukp.mttcg=1; make check's mttcg run)"
[ -x "$STRESS" ] || skip_all "vukp-stress not built"
[ -f "$VUKP_KO/vgpu_unlock_kp.ko" ] || skip_all "vgpu_unlock_kp.ko not built"
# leave 60 s of the script's time limit for the rest
[ "$secs" -le $((VUKP_TIMEOUT - 60)) ] || secs=$((VUKP_TIMEOUT - 60))
. "$(dirname "$0")/kreport.sh"
TOGGLE='vgpu_unlock_kp: probe on os_mem_copy (enabled|disabled)'

ncpu=$(grep -c '^processor' /proc/cpuinfo)
check "both guest CPUs online ($ncpu)" test "$ncpu" -ge 2

toggles() { dmesg_since_mark | grep -cE "$TOGGLE"; }
toggle_log() { dmesg_since_mark | grep -E "$TOGGLE|armed|disarmed"; }
# expect_toggles DESC MAX: the copy probe changed state at most MAX times
# since the mark (its enable and disable work is deferred: wait for it)
expect_toggles() {
	sleep 1
	_n=$(toggles)
	if [ "$_n" -le "$2" ]; then
		ok "$1 ($_n)"
	else
		fail "$1 ($_n, at most $2)" "$(toggle_log)"
	fi
}
copy_enabled() { sed -n 's/^probe os_mem_copy .*enabled=\([a-z]*\)$/\1/p' $KP_STATUS; }

# ---- 1. The copy probe's toggles at arming ----
nv_load default || finish
dmesg_mark
kp_load || finish
expect_toggles "arming with nvidia loaded toggles the copy probe at most once" 1
expect_eq "copy probe enabled after arming (GPUs to identify)" yes "$(copy_enabled)"
# every GPU identified: the probe may go (once); then nvidia reloaded under
# the module: disarmed and armed again from the notifier, GPUs bound after
expect_start "1080 Ti unlocked" 0x0 $GPU_1080 "GRID P40-1Q" -r -k
expect_start "2080 Ti unlocked" 0x0 $GPU_2080 "GRID RTX6000-1Q" -r -k
expect_start "P40 started" 0x0 $GPU_P40 "GRID P40-1Q" -r
sleep 1
dmesg_mark
nv_unload
nv_load default || finish
expect_toggles "re-arming on an nvidia reload toggles the copy probe at most once" 1
expect_eq "copy probe enabled after re-arming" yes "$(copy_enabled)"
kp_unload
nv_unload
dmesg_mark
kp_load || finish
nv_load default || finish
expect_toggles "arming when nvidia comes after the module toggles the copy probe at most once" 1
kp_unload

# held: enabled once at arming, never again until the unload
dmesg_mark
kp_load copy_probe_hold=1 || finish
expect_start "held: 1080 Ti unlocked" 0x0 $GPU_1080 "GRID P40-1Q" -r -k
expect_start "held: 2080 Ti unlocked" 0x0 $GPU_2080 "GRID RTX6000-1Q" -r -k
expect_start "held: P40 started" 0x0 $GPU_P40 "GRID P40-1Q" -r
expect_toggles "copy_probe_hold=1: one toggle, at arming, none after every GPU is identified" 1
expect_eq "copy_probe_hold=1: copy probe still enabled" yes "$(copy_enabled)"
kp_unload
nv_unload

# ---- 2. The parallel stress ----
nv_load default || finish
sum=$(nv_checksum)
kp_load copy_probe_hold=1 || finish
grep -q "state=armed" $KP_STATUS && ok "module armed before the stress" ||
	fail "module armed before the stress" "$(cat $KP_STATUS)"
sleep 1
dmesg_mark
# -m none -i 0: vukp-stress neither loads nor unloads a module
out=$("$STRESS" -d "$secs" -w 4 -m none -i 0 -n "$VUKP_KO/nvidia-default.ko" 2>&1)
rc=$?
stress_report "parallel stress for ${secs}s" "$rc" "$out"
set -- $STRESS_OPS
if [ $# = 4 ] && [ "$1" -gt 0 ] && [ "$2" -gt 0 ] && [ "$3" = 0 ] && [ "$4" = 0 ]; then
	ok "stress did controls and vGPU starts, no module or nvidia cycle"
else
	fail "stress did controls and vGPU starts, no module or nvidia cycle" "$out"
fi
unlocked=$STRESS_UNLOCKED
refused=$(echo "$out" | sed -n 's/.*consumer starts [0-9]* unlocked, \([0-9]*\) refused.*/\1/p')
# the module is armed from before the first start to after the last: every
# consumer start is unlocked (50-stress, which unloads it, allows refusals)
if [ "${unlocked:-0}" -gt 0 ] && [ "$refused" = 0 ]; then
	ok "every consumer start was unlocked ($unlocked starts, none refused)"
else
	fail "every consumer start was unlocked" "$out"
fi
reports=$(dmesg_since_mark | grep -E "$KREPORT_ANY")
expect_eq "no kernel report during the stress" "" "$reports"
expect_eq "no probe toggled during the stress (no text patched)" 0 "$(toggles)"

# Afterwards: both modules as they were; the tables restored by rmmod.
check "nvidia still loaded" mod_loaded nvidia
grep -q "state=armed" $KP_STATUS && ok "module still armed after the stress" ||
	fail "module still armed after the stress" "$(cat $KP_STATUS)"
expect_types "after the stress: 1080 Ti accepts P40 types" $GPU_1080 "GRID P40-1Q" "GRID P40-24Q"
expect_types "after the stress: 2080 Ti accepts RTX 6000 types" $GPU_2080 "GRID RTX6000-1Q" "GRID RTX6000-24A"
expect_start "after the stress: native P40 works with the module" 0x0 $GPU_P40 "GRID P40-12C" -r
kp_unload
expect_eq "after the stress: checksum restored by rmmod" "$sum" "$(nv_checksum)"
expect_eq "nvidia reference count back to 0" 0 "$(cat /sys/module/nvidia/refcnt)"
expect_start "after the stress: 1080 Ti refused again" 0x56 $GPU_1080 "GRID P40-1Q" -r -k
nv_unload
finish
