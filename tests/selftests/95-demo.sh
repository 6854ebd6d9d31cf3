#!/bin/sh
# The demo (make demo): the whole story on three mock GPUs, for a person
# to read.  Also a test: each step reports a KTAP line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mocklib.sh"

SHIM=$VUKP_LIB/libvgpu_unlock_shim.so
say() { printf '\n=== %s\n' "$*"; }
show() { sed 's/^/    /'; }
rm -f /etc/vgpu_unlock/*.toml 2>/dev/null

# R535 (vGPU 16.x): the last branch with Pascal's vGPU types (P40), as in
# docs/compatibility.md, so that the 1080 Ti's unlock is one a real host can have.
say "modprobe nvidia (the mock vGPU host driver, R535 16.x, the last with Pascal vGPU types) with three GPUs:"
nv_load r535 || finish
printf '    %s  GeForce GTX 1080 Ti  10de:1b06\n    %s  GeForce RTX 2080 Ti  10de:1e07\n    %s  Tesla P40            10de:1b38 (a vGPU board)\n' \
	$GPU_1080 $GPU_2080 $GPU_P40

say "BEFORE: nvidia-vgpud, no unlock"
$VGPUD 2>&1 | show
out=$($VGPUD 2>&1)
if echo "$out" | grep -q "GPU not supported by vGPU at PCI Id: 0:4:0" &&
	echo "$out" | grep -q "GPU not supported by vGPU at PCI Id: 0:5:0"; then
	ok "before: the daemon refuses the 1080 Ti and the 2080 Ti"
else
	fail "before: the daemon refuses the 1080 Ti and the 2080 Ti" "$out"
fi

say "BEFORE: a VM start on the 1080 Ti (daemon checks bypassed) fails in the kernel"
st=$(vgpu_start $GPU_1080 "GRID P40-2Q" -r -k)
vgpu_out | show
expect_eq "before: vGPU start on the 1080 Ti fails with 0x56" 0x56 "$st"

s0=$(nv_checksum)
say "modprobe vgpu_unlock_kp; the daemons run with LD_PRELOAD=libvgpu_unlock_shim.so"
kp_load || finish
dmesg | grep 'vgpu_unlock_kp:' | sed 's/^\[[^]]*\] //' | show

say "AFTER: nvidia-vgpud"
LD_PRELOAD=$SHIM $VGPUD -v 2>&1 | grep -v '^  nvidia-' | show
out=$(LD_PRELOAD=$SHIM $VGPUD -v 2>&1)
for g in $GPU_1080 $GPU_2080 $GPU_P40; do
	echo "$out" | grep -q "GPU $g .*vGPU types registered" && ok "after: vgpud registers vGPU types on $g" ||
		fail "after: vgpud registers vGPU types on $g" "$out"
done
say "AFTER: the vGPU types each GPU offers now"
# (the daemon prints a GPU's types, then its summary line)
echo "$out" | awk '/^  nvidia-/ { t = t " " $2 " " $3 "," }
	/^nvidia-vgpud: GPU/ { sub(/,$/, "", t); print $3 ":" t; t = "" }' | fold -s -w 100 | show

say "AFTER: one VM start per GPU (nvidia-vgpu-mgr under the shim)"
for pair in "$GPU_1080|GRID P40-2Q" "$GPU_2080|GRID RTX6000-4Q" "$GPU_P40|GRID P40-8Q"; do
	g=${pair%%|*} t=${pair#*|}
	st=$(LD_PRELOAD=$SHIM vgpu_start "$g" "$t")
	vgpu_out | grep -v 'Received start call' | show
	expect_eq "after: vGPU $t started on $g" 0x0 "$st"
done

say "vgpu_unlock_kp status (/proc/driver/vgpu_unlock_kp)"
show <$KP_STATUS

say "rmmod vgpu_unlock_kp: the driver's tables are restored"
s1=$(nv_checksum)
kp_unload
s2=$(nv_checksum)
echo "table checksum before: $s0; with the unlock: $s1; after rmmod: $s2" | show
expect_eq "after rmmod: the tables are byte for byte as before" "$s0" "$s2"
st=$(vgpu_start $GPU_1080 "GRID P40-2Q" -r -k)
expect_eq "after rmmod: the 1080 Ti is refused again (0x56)" 0x56 "$st"
expect_eq "after rmmod: the P40 still starts vGPUs" 0x0 "$(vgpu_start $GPU_P40 'GRID P40-8Q')"
nv_unload
finish
