#!/bin/sh
# VM-start orders on the R535-shaped layout (one sacrificial entry, the
# native P40 right after it): consumer GPUs alternating, the native P40
# between them, nvidia reloaded in between, vgpu_unlock_kp loaded before
# nvidia, after it, after the aperture was mapped. Every type of each board
# is accepted each time; the checksum of nvidia's tables (taken after each
# load of nvidia: its pointers are relocated) is the original one after every
# rmmod of vgpu_unlock_kp.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mocklib.sh"

V=${VUKP_ORDER_VARIANT:-sac1}
nl='
'
p40s=$(board_types $P40)
rtxs=$(board_types $RTX6000)

# alternate DESC: 1080 Ti and 2080 Ti take turns, type by type, the P40
# starts its own types in between; every start must pass
alternate() {
	_bad=
	_i=1
	while :; do
		_a=$(printf '%s\n' "$p40s" | sed -n "${_i}p")
		_b=$(printf '%s\n' "$rtxs" | sed -n "${_i}p")
		[ -n "$_a$_b" ] || break
		if [ -n "$_a" ]; then
			_s=$(vgpu_start $GPU_1080 "$_a" -r -k)
			[ "$_s" = 0x0 ] || _bad="$_bad [1080 $_a: $_s]"
			_s=$(vgpu_start $GPU_P40 "$_a" -r -k)
			[ "$_s" = 0x0 ] || _bad="$_bad [P40 $_a: $_s]"
		fi
		if [ -n "$_b" ]; then
			_s=$(vgpu_start $GPU_2080 "$_b" -r -k)
			[ "$_s" = 0x0 ] || _bad="$_bad [2080 $_b: $_s]"
		fi
		_i=$((_i + 1))
	done
	if [ -z "$_bad" ]; then ok "$1"; else fail "$1" "failed:$_bad$nl$(cat $KP_STATUS)"; fi
}

# 1. Module first, nvidia after; the two consumer GPUs alternate with the
#    P40 in between, from the P40's very first start.
kp_load || finish
nv_load "$V" || finish
s0=$(nv_checksum)
alternate "[$V] module before nvidia: 1080 Ti, P40, 2080 Ti take turns, every type"
kp_unload
expect_eq "[$V] checksum restored" "$s0" "$(nv_checksum)"

# 2. nvidia already loaded, the P40 first, then the consumers; nvidia
#    reloaded in between with the module staying.
kp_load || finish
sweep "[$V] module after nvidia: native P40 first, every type" $GPU_P40 $P40
sweep "[$V] then 1080 Ti: every P40 type" $GPU_1080 $P40
nv_unload
nv_load "$V" || finish
s0=$(nv_checksum)	# pointers are relocated: a reload may move them
sweep "[$V] after the reload: 1080 Ti every type" $GPU_1080 $P40
sweep "[$V] after the reload: 2080 Ti every type" $GPU_2080 $RTX6000
sweep "[$V] after the reload: native P40 every type" $GPU_P40 $P40
kp_unload
expect_eq "[$V] checksum restored after the reload" "$s0" "$(nv_checksum)"
nv_unload

# 3. Apertures mapped (GPUs opened) before the module loads.
nv_load "$V" || finish
s0=$(nv_checksum)
for m in 0 1 2; do $NVCTL open $m >/dev/null 2>&1; done
expect_eq "[$V] aperture mapped before the module" mapped "$(gpu_stat $GPU_2080 aperture)"
kp_load || finish
sweep "[$V] module after the aperture was mapped: 2080 Ti every type" $GPU_2080 $RTX6000
sweep "[$V] ... native P40 every type" $GPU_P40 $P40
sweep "[$V] ... 1080 Ti every type" $GPU_1080 $P40
kp_unload
expect_eq "[$V] checksum restored" "$s0" "$(nv_checksum)"
expect_start "[$V] P40 works after everything" 0x0 $GPU_P40 "GRID P40-24Q" -r
nv_unload
finish
