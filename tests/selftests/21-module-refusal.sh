#!/bin/sh
# Drivers the module must refuse cleanly: no sacrificial magic, no
# magic_start marker, each probed symbol missing.  Clear message, nothing
# armed, nothing changed, module stays loaded and unloads cleanly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mocklib.sh"

refused() { # VARIANT PATTERN
	v=$1 pat=$2
	nv_load "$v" || return
	s=$(nv_checksum)
	dmesg_mark
	if ! load_mod "$VUKP_KO/vgpu_unlock_kp.ko"; then
		nv_unload
		return
	fi
	msg=$(dmesg_since_mark | grep vgpu_unlock_kp)
	if echo "$msg" | grep -qiE "$pat"; then
		ok "[$v] refused with a clear message"
	else
		fail "[$v] refused with a clear message" "$msg"
	fi
	grep -q "state=refused" $KP_STATUS && ok "[$v] status says refused" || fail "[$v] status says refused" "$(cat $KP_STATUS)"
	expect_start "[$v] 1080 Ti still refused (nothing armed)" 0x56 $GPU_1080 "GRID P40-1Q" -r -k
	expect_start "[$v] native P40 unaffected" 0x0 $GPU_P40 "GRID P40-1Q" -r
	expect_eq "[$v] tables unchanged" "$s" "$(nv_checksum)"
	kp_unload
	nv_unload
}

# nvidia's functions by use, from the one list (docs/driver-interface.md §3)
syms() { grep -v '^#' "$VUKP_DATA/nvidia-symbols.csv" | awk -F, -v u="$1" 'NR > 1 && $2 == u { print $1 }'; }
PROBED=$(syms probed)
[ -n "$PROBED" ] || fail "probed functions listed in $VUKP_DATA/nvidia-symbols.csv" "none"

refused nosac "sacrificial"
refused nomagicstart "not a vGPU|no vGPU host tables|magic_start"
for sym in $PROBED; do
	refused omit-$sym "$sym"
done

# Functions the module does not probe: their absence is harmless.
for sym in $(syms info); do
	nv_load omit-$sym || continue
	s=$(nv_checksum)
	kp_load || { nv_unload; continue; }
	grep -q "state=armed" $KP_STATUS && ok "[omit-$sym] not probed: still armed" ||
		fail "[omit-$sym] not probed: still armed" "$(cat $KP_STATUS)"
	expect_start "[omit-$sym] 1080 Ti unlocked" 0x0 $GPU_1080 "GRID P40-1Q" -r -k
	kp_unload
	expect_eq "[omit-$sym] tables restored" "$s" "$(nv_checksum)"
	nv_unload
done

# The module notifier path: module first, then a driver lacking a symbol.
check "insmod vgpu_unlock_kp alone" insmod "$VUKP_KO/vgpu_unlock_kp.ko"
dmesg_mark
nv_load omit-os_mem_copy || finish
if dmesg_since_mark | grep vgpu_unlock_kp | grep -q os_mem_copy; then ok "late driver without os_mem_copy: named in a message"; else fail "late driver without os_mem_copy: named in a message" "$(dmesg_since_mark)"; fi
expect_start "late refused driver: 1080 Ti still refused" 0x56 $GPU_1080 "GRID P40-1Q" -r -k
nv_unload
nv_load default || finish
expect_start "the next, complete driver is armed: 1080 Ti unlocked" 0x0 $GPU_1080 "GRID P40-1Q" -r -k
expect_eq "the module probes exactly the functions data/nvidia-symbols.csv lists" \
	"$(echo "$PROBED" | sort)" "$(sed -n 's/^probe \([^ ]*\) .*/\1/p' $KP_STATUS | sort)"
kp_unload
nv_unload

# Few sacrificial entries: the native P40 keeps every one of its types.
nv_load fewslots || finish
kp_load || finish
expect_start "[fewslots] 1080 Ti gets a P40 type" 0x0 $GPU_1080 "GRID P40-1Q" -r -k
expect_start "[fewslots] native P40 keeps all its types (last one)" 0x0 $GPU_P40 "GRID P40-12C" -r
expect_start "[fewslots] native P40 keeps all its types (first one)" 0x0 $GPU_P40 "GRID P40-1B" -r
kp_unload
nv_unload
nv_load fewslots || finish
kp_load 'types="GRID P40-12C,GRID P40-24Q,GRID P40-1Q"' || finish
expect_types "[fewslots] types= preference: the named types are installed" $GPU_1080 "GRID P40-12C" "GRID P40-24Q" "GRID P40-1Q"
kp_unload
nv_unload
finish
