#!/bin/sh
# Load/unload hygiene: insmod/rmmod cycles of vgpu_unlock_kp without nvidia
# and with it (every tenth cycle with a vGPU start, so that there are
# patched slots to restore); afterwards nothing left behind: module
# reference counts as before, no probe, no writable alias mapping, tables
# as loaded, no leak (kmemleak, debug kernel).  Cycles: 100 each
# (vukp.cycles=N on the kernel command line), 25 on the debug kernel.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mocklib.sh"
. "$(dirname "$0")/kreport.sh"

KP_KO=$VUKP_KO/vgpu_unlock_kp.ko
KML=/sys/kernel/debug/kmemleak
KPROBES=/sys/kernel/debug/kprobes/list
[ -f "$KP_KO" ] || skip_all "vgpu_unlock_kp.ko not built"
cycles=100
[ "$VUKP_KERNEL" = debug ] && cycles=25
for arg in $(cat /proc/cmdline); do
	case $arg in vukp.cycles=*) cycles=${arg#*=} ;; esac
done
nv_reason() { sed -n 's/^nvidia state=refused.* reason="\(.*\)"$/\1/p' $KP_STATUS; }
vmaps() { grep -cE ' vmap( |$)' /proc/vmallocinfo 2>/dev/null; }
nv_probes() { if [ -r $KPROBES ]; then grep -c nvidia $KPROBES; else echo 0; fi; }
kmemleak_on=
if [ -w $KML ] && echo clear >$KML 2>/dev/null; then
	kmemleak_on=1	# earlier scripts' objects are not ours to report
fi

# 1. Without nvidia.
bad=
for i in $(seq "$cycles"); do
	insmod "$KP_KO" || { bad="$bad [insmod $i]"; break; }
	rmmod vgpu_unlock_kp || { bad="$bad [rmmod $i]"; break; }
done
expect_eq "$cycles insmod/rmmod cycles without nvidia" "" "$bad"

# 2. With nvidia (same instance throughout).
nv_load default || finish
s=$(nv_checksum)
nv_ref=$(cat /sys/module/nvidia/refcnt)
vm0=$(vmaps)
kp_load || finish
kp_ref=$(cat /sys/module/vgpu_unlock_kp/refcnt)
kp_unload
bad='' starts=0
for i in $(seq "$cycles"); do
	insmod "$KP_KO" || { bad="$bad [insmod $i]"; break; }
	grep -q "state=armed" $KP_STATUS || { bad="$bad [not armed $i]"; break; }
	if [ $((i % 10)) = 0 ]; then
		st=$(vgpu_start $GPU_1080 "GRID P40-1Q" -r -k)
		[ "$st" = 0x0 ] || bad="$bad [start $i: $st]"
		starts=$((starts + 1))
	fi
	rmmod vgpu_unlock_kp || { bad="$bad [rmmod $i]"; break; }
	[ "$(nv_checksum)" = "$s" ] || { bad="$bad [checksum $i]"; break; }
done
expect_eq "$cycles insmod/rmmod cycles with nvidia ($starts with an unlocked vGPU start): tables restored every time" "" "$bad"
echo "# cycles: $cycles without nvidia, $cycles with nvidia, $starts vGPU starts"
expect_eq "nvidia reference count back to its start value" "$nv_ref" "$(cat /sys/module/nvidia/refcnt)"
kp_load || finish
expect_eq "vgpu_unlock_kp reference count back to its start value" "$kp_ref" "$(cat /sys/module/vgpu_unlock_kp/refcnt)"
kp_unload
expect_eq "no probe left on nvidia" 0 "$(nv_probes)"
expect_eq "no writable alias (vmap) left" "$vm0" "$(vmaps)"
expect_start "after the cycles: 1080 Ti refused without the module" 0x56 $GPU_1080 "GRID P40-1Q" -r -k
expect_start "after the cycles: native P40 works" 0x0 $GPU_P40 "GRID P40-1Q" -r
nv_unload

# 3. Both unloaded at once, then both loaded again (a script upgrading the
# driver): the module must arm again.  On a kernel without ftrace (debug)
# the probes are int3 ones and must never be optimized, or one unregistered
# just before nvidia goes can stay in the kernel's table for good (see
# vukp_guard() in module/probes.c).
bad='' opt=''
dmesg_mark
for i in 1 2 3 4 5; do
	nv_load default || break
	insmod "$KP_KO" || { bad="$bad [insmod $i]"; break; }
	grep -q "state=armed" $KP_STATUS || bad="$bad [not armed $i: $(nv_reason)]"
	st=$(vgpu_start $GPU_1080 "GRID P40-1Q" -r -k)
	[ "$st" = 0x0 ] || bad="$bad [start $i: $st]"
	if [ $i = 1 ] && [ -r $KPROBES ]; then
		sleep 1	# the optimizer runs a few jiffies after arming
		opt=$(grep nvidia $KPROBES | grep OPTIMIZED)
	fi
	rmmod vgpu_unlock_kp && rmmod nvidia || { bad="$bad [rmmod $i]"; break; }
done
expect_eq "rmmod vgpu_unlock_kp; rmmod nvidia; reload both (5 times): armed every time" "" "$bad"
expect_eq "no probe on nvidia optimized by the kprobe optimizer" "" "$opt"
expect_eq "no kernel report from the quick reloads" "" "$(dmesg_since_mark | grep -E "$KREPORT_ANY")"
check "nothing of ours left loaded" sh -c '! grep -qE "^(vgpu_unlock_kp|nvidia) " /proc/modules'

if [ -n "$kmemleak_on" ]; then
	sleep 5	# kmemleak reports objects older than 5 s only
	echo scan >$KML
	echo scan >$KML
	expect_eq "kmemleak: no leak after the cycles" "" "$(cat $KML)"
else
	skip "kmemleak: no leak after the cycles" "no kmemleak on this kernel"
fi
finish
