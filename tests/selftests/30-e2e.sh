#!/bin/sh
# End to end, as on a host: nvidia, vgpu_unlock_kp (softdep order), the
# daemons under the shim.  vgpud accepts the consumer GPUs, vgpu-mgr
# starts a vGPU on each, the native P40 is unaffected.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mocklib.sh"

SHIM=$VUKP_LIB/libvgpu_unlock_shim.so
[ -f "$SHIM" ] || skip_all "shim not built"
rm -f /etc/vgpu_unlock/*.toml 2>/dev/null
nv_load default || finish
kp_load || finish
check "vgpud (shim) accepts all three GPUs" env LD_PRELOAD=$SHIM $VGPUD
for pair in "$GPU_1080|GRID P40-8Q" "$GPU_2080|GRID RTX6000-8Q" "$GPU_P40|GRID P40-8Q"; do
	g=${pair%%|*} t=${pair#*|}
	st=$(LD_PRELOAD=$SHIM vgpu_start "$g" "$t")
	if [ "$st" = 0x0 ] && vgpu_out | grep -q "started on $g: type $t"; then
		ok "vgpu-mgr (shim) starts $t on $g"
	else
		fail "vgpu-mgr (shim) starts $t on $g" "$(vgpu_out)"
	fi
done
kp_unload
st=$(LD_PRELOAD=$SHIM vgpu_start $GPU_1080 "GRID P40-8Q")
expect_eq "without the module the 1080 Ti start fails again (0x56)" 0x56 "$st"
nv_unload
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak; sleep 1; echo scan >/sys/kernel/debug/kmemleak
	leaks=$(cat /sys/kernel/debug/kmemleak)
	expect_eq "kmemleak: no leak after the whole sequence" "" "$leaks"
fi
finish
