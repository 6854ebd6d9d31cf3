#!/bin/sh
# vgpu_unlock_kp against the mock: the kernel-side unlock (checks 3 and 4)
# whatever the load order, several GPUs, native board untouched, unload
# restores the tables byte for byte.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mocklib.sh"

p40_types() { _d=$1 _g=$2; IFS='|'; set -- $P40_TYPES; unset IFS; expect_types "$_d" "$_g" "$@"; }
rtx_types() { _d=$1 _g=$2; IFS='|'; set -- $RTX6000_TYPES; unset IFS; expect_types "$_d" "$_g" "$@"; }

# 1. Module first, nvidia after (arming from the module notifier).
check "insmod vgpu_unlock_kp without nvidia" insmod "$VUKP_KO/vgpu_unlock_kp.ko"
nv_load default || finish
sum0=$(nv_checksum)
grep -q "state=armed" $KP_STATUS && ok "armed when nvidia comes" || fail "armed when nvidia comes" "$(cat $KP_STATUS)"
p40_types "module before nvidia: 1080 Ti accepts P40 types (1Q, 24Q, last 12C)" $GPU_1080
expect_start "module before nvidia: RTX 6000 type on the 1080 Ti still 0x56" 0x56 $GPU_1080 "GRID RTX6000-1Q" -r -k
rtx_types "1080 Ti and 2080 Ti together: 2080 Ti accepts RTX 6000 types" $GPU_2080
p40_types "1080 Ti still accepts P40 types with the 2080 Ti unlocked" $GPU_1080
expect_start "2080 Ti refuses a P40 type (its own board's types only)" 0x56 $GPU_2080 "GRID P40-1Q" -r -k
expect_start "native P40 works after the consumer GPUs are unlocked" 0x0 $GPU_P40 "GRID P40-2Q" -r
if kp_gpu $GPU_1080 | grep -q 'key=yes.*target=0x1b38'; then ok "status: 1080 Ti key verified, target P40"; else fail "status: 1080 Ti key verified, target P40" "$(cat $KP_STATUS)"; fi
if kp_gpu $GPU_P40 | grep -q 'native'; then ok "status: P40 recognised as native"; else fail "status: P40 recognised as native" "$(cat $KP_STATUS)"; fi
expect_eq "status: one aperture per GPU (the memory BAR; never BAR0, the registers)" "apertures=1" \
	"$(kp_gpu $GPU_1080 | grep -o 'apertures=[0-9]*')"
kp_unload
expect_eq "rmmod vgpu_unlock_kp: table checksum restored" "$sum0" "$(nv_checksum)"
expect_start "after rmmod the 1080 Ti is refused again" 0x56 $GPU_1080 "GRID P40-1Q" -r -k
expect_start "after rmmod the P40 still works" 0x0 $GPU_P40 "GRID P40-1Q" -r

# 2. nvidia loaded and the aperture mapped before the module.
expect_eq "aperture mapped before the module loads" mapped "$(gpu_stat $GPU_1080 aperture)"
kp_load || finish
p40_types "aperture mapped before the module: 1080 Ti accepts P40 types" $GPU_1080
expect_start "native P40 identical with the module loaded" 0x0 $GPU_P40 "GRID P40-24Q" -r

# 3. rmmod/insmod nvidia while the module stays loaded.
nv_unload
grep -q "state=absent" $KP_STATUS && ok "nvidia gone: module disarmed" || fail "nvidia gone: module disarmed" "$(cat $KP_STATUS)"
nv_load default || finish
sum1=$(nv_checksum)
expect_eq "aperture not mapped before the first open" unmapped "$(gpu_stat $GPU_1080 aperture)"
p40_types "nvidia reloaded, before first open: 1080 Ti accepts P40 types again" $GPU_1080
kp_unload
expect_eq "rmmod after reload: checksum restored" "$sum1" "$(nv_checksum)"
nv_unload

# 4. nvidia loaded, device not yet opened, then the module.
nv_load default || finish
sum2=$(nv_checksum)
kp_load || finish
p40_types "nvidia loaded before the module, before first open: unlock works" $GPU_1080
rtx_types "... and on the 2080 Ti" $GPU_2080
kp_unload
expect_eq "checksum restored" "$sum2" "$(nv_checksum)"
nv_unload

# 5. Another table layout (unaligned lists, 12 MiB bulk) and the R535 mock.
for v in layout2 r535; do
	nv_load $v || finish
	s=$(nv_checksum)
	kp_load || finish
	p40_types "[$v] 1080 Ti accepts P40 types" $GPU_1080
	rtx_types "[$v] 2080 Ti accepts RTX 6000 types" $GPU_2080
	expect_start "[$v] native P40 works" 0x0 $GPU_P40 "GRID P40-4Q" -r
	kp_unload
	expect_eq "[$v] checksum restored" "$s" "$(nv_checksum)"
	nv_unload
done
finish
