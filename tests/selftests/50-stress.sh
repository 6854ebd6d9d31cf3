#!/bin/sh
# Stress: RM controls (PCI info, virtualization mode, type info) and vGPU
# starts from several threads on all three GPUs while vgpu_unlock_kp is
# loaded and unloaded in a loop and nvidia is removed and reinserted
# (tests/daemons/vukp-stress.c checks the invariants while it runs).
# Afterwards: the tables are pristine, every GPU behaves as expected, the
# kernel log has no report.  Length: vukp.stress=SECONDS on the kernel
# command line (VUKP_APPEND=vukp.stress=600 tests/qemu/run.sh ...; raise
# VUKP_TEST_TIMEOUT and VUKP_QEMU_TIMEOUT to match), default 50 s (30 s on
# the debug kernel, where everything is about four times slower).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mocklib.sh"

STRESS=$VUKP_BIN/vukp-stress
[ -x "$STRESS" ] || skip_all "vukp-stress not built"
[ -f "$VUKP_KO/vgpu_unlock_kp.ko" ] || skip_all "vgpu_unlock_kp.ko not built"
secs=50
[ "$VUKP_KERNEL" = debug ] && secs=30
# vukp.stress_kp=none: the same stress without vgpu_unlock_kp (a baseline
# that tells a bug of the mock from one of the module);
# vukp.stress_opts=-i,0: more vukp-stress options, for experiments;
# vukp.stress_patch=kprobe|ftrace|schedstats: a loop in the background that
# patches kernel text with the kernel's own tools while the stress runs
# (docs/reliability.md, item 1: the multi-threaded TCG experiments):
#   kprobe      a tracefs kprobe on nvidia:os_mem_copy added, enabled,
#               disabled, removed
#   ftrace      the function tracer on os_mem_copy alone, on and off
#   schedstats  the static key behind kernel.sched_schedstats, on and off
kpko=$VUKP_KO/vgpu_unlock_kp.ko
opts=
patch=
for arg in $(cat /proc/cmdline); do
	case $arg in
	vukp.stress=*) secs=${arg#*=} ;;
	vukp.stress_kp=none) kpko=none ;;
	vukp.stress_opts=*) opts=$(echo "${arg#*=}" | tr , ' ') ;;
	vukp.stress_patch=*) patch=${arg#*=} ;;
	esac
done
# leave 30 s of the script's time limit for the checks afterwards
[ "$secs" -le $((VUKP_TIMEOUT - 30)) ] || secs=$((VUKP_TIMEOUT - 30))
. "$(dirname "$0")/kreport.sh"
keep=	# -M in vukp.stress_opts: vgpu_unlock_kp stays loaded
case " $opts " in *" -M "*) keep=1 ;; esac
nvfixed=	# -i 0: nvidia is never reloaded
case " $opts " in *" -i 0 "*) nvfixed=1 ;; esac
nv_load default || finish
dmesg_mark
patcher=
if [ -n "$patch" ]; then
	T=/sys/kernel/tracing
	[ -e $T/kprobe_events ] || mount -t tracefs tracefs $T 2>/dev/null
	case $patch in
	kprobe)
		patch_loop() {
			echo 'p:vk nvidia:os_mem_copy' >>$T/kprobe_events
			echo 1 >$T/events/kprobes/vk/enable
			echo 0 >$T/events/kprobes/vk/enable
			echo '-:vk' >>$T/kprobe_events
		} ;;
	ftrace)
		echo os_mem_copy >$T/set_ftrace_filter || fail "ftrace filter on os_mem_copy"
		patch_loop() {
			echo function >$T/current_tracer
			echo nop >$T/current_tracer
		} ;;
	schedstats)
		patch_loop() {
			echo 1 >/proc/sys/kernel/sched_schedstats
			echo 0 >/proc/sys/kernel/sched_schedstats
		} ;;
	*) fail "vukp.stress_patch=$patch: kprobe, ftrace or schedstats"; finish ;;
	esac
	# the start in uptime (the kernel log's clock): the time to a crash
	# is the oops' time stamp minus this
	diag "patching loop ($patch) starts at $(cut -d' ' -f1 /proc/uptime) s"
	# the loop counts its rounds (kill: it says how many)
	(
		n=0
		trap 'echo $n >/tmp/patch.rounds; exit 0' TERM
		while :; do
			patch_loop
			n=$((n + 1))
		done
	) 2>/dev/null &
	patcher=$!
fi
out=$("$STRESS" -d "$secs" -w 3 $opts -m "$kpko" \
	-n "$VUKP_KO/nvidia-default.ko" 2>&1)
rc=$?
if [ -n "$patcher" ]; then
	kill "$patcher"
	wait "$patcher" 2>/dev/null
	diag "patching loop ($patch) ends at $(cut -d' ' -f1 /proc/uptime) s after $(cat /tmp/patch.rounds 2>/dev/null) rounds"
	echo nop >$T/current_tracer 2>/dev/null
	echo >$T/set_ftrace_filter 2>/dev/null
	echo '-:vk' >>$T/kprobe_events 2>/dev/null
	echo 0 >/proc/sys/kernel/sched_schedstats 2>/dev/null
fi
stress_report "stress for ${secs}s" "$rc" "$out"
set -- $STRESS_OPS
if [ $# = 4 ] && [ "$2" -gt 0 ] && { [ "$3" -gt 0 ] || [ -n "$keep" ] || [ "$kpko" = none ]; } &&
	{ [ "$4" -gt 0 ] || [ -n "$nvfixed" ]; }; then
	ok "stress did controls, vGPU starts, module and nvidia cycles"
else
	fail "stress did controls, vGPU starts, module and nvidia cycles" "$out"
fi
unlocked=$STRESS_UNLOCKED
if [ "$kpko" = none ]; then
	skip "consumer GPUs were unlocked during the stress" "vukp.stress_kp=none"
elif [ "${unlocked:-0}" -gt 0 ]; then
	ok "consumer GPUs were unlocked during the stress ($unlocked starts)"
else
	fail "consumer GPUs were unlocked during the stress" "$out"
fi
reports=$(dmesg_since_mark | grep -E "$KREPORT_ANY")
expect_eq "no kernel report during the stress" "" "$reports"

# Afterwards: nvidia loaded, vgpu_unlock_kp not; the tables as loaded.
check "nvidia still loaded" mod_loaded nvidia
check "vgpu_unlock_kp unloaded at the end" sh -c '! grep -q "^vgpu_unlock_kp " /proc/modules'
expect_eq "nvidia reference count back to 0" 0 "$(cat /sys/module/nvidia/refcnt)"
sum=$(nv_checksum)
expect_start "after the stress: 1080 Ti refused without the module" 0x56 $GPU_1080 "GRID P40-1Q" -r -k
expect_start "after the stress: native P40 works without the module" 0x0 $GPU_P40 "GRID P40-1Q" -r
kp_load || finish
grep -q "state=armed" $KP_STATUS && ok "module armed after the stress" || fail "module armed after the stress" "$(cat $KP_STATUS)"
expect_types "after the stress: 1080 Ti accepts P40 types" $GPU_1080 "GRID P40-1Q" "GRID P40-24Q"
expect_types "after the stress: 2080 Ti accepts RTX 6000 types" $GPU_2080 "GRID RTX6000-1Q" "GRID RTX6000-24A"
expect_start "after the stress: native P40 works with the module" 0x0 $GPU_P40 "GRID P40-12C" -r
kp_unload
expect_eq "after the stress: checksum restored by rmmod" "$sum" "$(nv_checksum)"
expect_start "after the stress: 1080 Ti refused again" 0x56 $GPU_1080 "GRID P40-1Q" -r -k
nv_unload
finish
