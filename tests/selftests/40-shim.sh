#!/bin/sh
# The userspace shim under the mock daemons (LD_PRELOAD, as the systemd
# drop-ins do on a host): daemon-side checks 1 and 2, profile overrides.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mocklib.sh"

SHIM=$VUKP_LIB/libvgpu_unlock_shim.so
[ -f "$SHIM" ] || skip_all "shim not built"
CONF=/etc/vgpu_unlock
mkdir -p $CONF
rm -f $CONF/config.toml $CONF/profile_override.toml

shim() { LD_PRELOAD=$SHIM "$@"; }

# expect_registers NAME GPU LINE: vgpud under the shim succeeds and says LINE
expect_registers() {
	# shellcheck disable=SC3043 # busybox ash has local
	local out rc
	out=$(shim $VGPUD -g "$2" 2>&1)
	rc=$?
	if [ $rc = 0 ] && echo "$out" | grep -qF "$3"; then
		ok "$1"
	else
		fail "$1" "rc=$rc
$out"
	fi
}

for variant in default r535; do
	nv_load $variant || finish
	t="[$variant]"
	out=$($VGPUD -g $GPU_1080 2>&1)
	expect_eq "$t without the shim vgpud refuses the 1080 Ti" 1 $?
	expect_registers "$t with the shim vgpud registers the P40 types on the 1080 Ti" \
		$GPU_1080 "25 vGPU types registered (Tesla P40)"
	expect_registers "$t with the shim vgpud registers the RTX 6000 types on the 2080 Ti" \
		$GPU_2080 "23 vGPU types registered (Quadro RTX 6000)"
	a=$($VGPUD -v -g $GPU_P40 2>&1)
	b=$(shim $VGPUD -v -g $GPU_P40 2>&1 | grep -v '^vgpu_unlock')
	expect_eq "$t native P40: vgpud output identical with and without the shim" "$a" "$b"
	expect_eq "$t native P40 starts a vGPU under the shim" 0x0 "$(LD_PRELOAD=$SHIM vgpu_start $GPU_P40 'GRID P40-2Q')"
	# Without the kernel module the kernel-side checks still refuse.
	expect_eq "$t 1080 Ti passes the daemon checks but not the kernel's (0x56)" 0x56 \
		"$(LD_PRELOAD=$SHIM vgpu_start $GPU_1080 'GRID P40-2Q')"
	nv_unload
done

# unlock = false turns the daemon-side unlock off (both mode variants).
nv_load default || finish
printf 'unlock = false\n' >$CONF/config.toml
out=$(shim $VGPUD -g $GPU_1080 2>&1)
expect_eq "unlock = false: vgpud refuses the 1080 Ti again" 1 $?
rm -f $CONF/config.toml

# Profile overrides reach both type-info controls, only for the type named.
cat >$CONF/profile_override.toml <<'TOML'
[profile.nvidia-292]
framebuffer = "2GiB"
num_displays = 2
display_width = 1920
display_height = 1080
TOML
LD_PRELOAD=$SHIM vgpu_start $GPU_P40 'GRID P40-4Q' -r >/dev/null
id=$(vgpu_out | sed -n 's/.*type info: id=\([0-9]*\).*/\1/p')
sed -i "s/nvidia-292/nvidia-$id/" $CONF/profile_override.toml
st=$(LD_PRELOAD=$SHIM vgpu_start $GPU_P40 'GRID P40-4Q' -r)
if vgpu_out | grep -q 'framebuffer=2048MiB .*heads=2 max_resolution=1920x1080'; then
	ok "profile override applied to the A082 type info (P40-4Q, id $id)"
else
	fail "profile override applied to the A082 type info (P40-4Q, id $id)" "$(vgpu_out)"
fi
expect_eq "overridden type still starts" 0x0 "$st"
out=$(shim $VGPUD -v -g $GPU_P40 2>&1)
if echo "$out" | grep -q "nvidia-$id GRID P40-4Q fb=2048MiB heads=2"; then
	ok "profile override applied to the A081 type info"
else
	fail "profile override applied to the A081 type info" "$out"
fi
if echo "$out" | grep -q "GRID P40-1Q fb=960MiB heads=4"; then
	ok "other types are not overridden"
else
	fail "other types are not overridden" "$out"
fi
rm -f $CONF/profile_override.toml
nv_unload
finish
