#!/bin/sh
# The mock nvidia itself, with no unlock: each of the four checks of
# driver-interface.md §2 fails for both consumer GPUs and passes for the
# native P40; control-path semantics of section 5.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mocklib.sh"

nv_load default || finish
expect_eq "three mock GPUs probed" 3 "$(wc -l <"$MOCK_STATS")"
expect_eq "aperture not mapped before the first open" unmapped "$(gpu_stat $GPU_1080 aperture)"
sum0=$(nv_checksum)

# Check 1: PCI id.  PCI_INFO returns each GPU's real ids.
expect_eq "PCI_INFO 1080 Ti: real ids" "status=0x0 device=1b06 subsys=120f" "$($NVCTL pci 0)"
expect_eq "PCI_INFO 2080 Ti: real ids" "status=0x0 device=1e07 subsys=12fa" "$($NVCTL pci 1)"
expect_eq "PCI_INFO P40: real ids" "status=0x0 device=1b38 subsys=11d9" "$($NVCTL pci 2)"
for g in $GPU_1080 $GPU_2080; do
	out=$($VGPUD -g $g 2>&1)
	rc=$?
	if [ $rc != 0 ] && echo "$out" | grep -q "GPU not supported by vGPU at PCI Id"; then
		ok "check 1: vgpud refuses $g by PCI id"
	else
		fail "check 1: vgpud refuses $g by PCI id" "rc=$rc
$out"
	fi
done
check "check 1: vgpud accepts the P40" $VGPUD -g $GPU_P40
expect_eq "aperture mapped after the daemon's first open" mapped "$(gpu_stat $GPU_P40 aperture)"
expect_eq "P40: 25 vGPU types registered" 25 "$(gpu_stat $GPU_P40 types)"

# Check 2: virtualization mode (8-byte params on this R580 mock).
expect_eq "check 2: 1080 Ti mode NONE" "status=0x0 out=0000000001000000" \
	"$($NVCTL ctrl 0x00800000 0x00800289 8 | tr '\n' ' ' | sed 's/ret=0 errno=0 //; s/ $//')"
expect_eq "check 2: 2080 Ti mode NONE" "status=0x0 out=0000000001000000" \
	"$($NVCTL ctrl 0x00800001 0x00800289 8 | tr '\n' ' ' | sed 's/ret=0 errno=0 //; s/ $//')"
expect_eq "check 2: P40 mode HOST" "status=0x0 out=0300000001000000" \
	"$($NVCTL ctrl 0x00800002 0x00800289 8 | tr '\n' ' ' | sed 's/ret=0 errno=0 //; s/ $//')"

# Checks 3 and 4: vGPU instance initialisation (daemon checks bypassed).
expect_start "check 3: 1080 Ti P40-1Q start fails with 0x56" 0x56 $GPU_1080 "GRID P40-1Q" -r -k
expect_eq "check 3: 1080 Ti failed at the magic" 3 "$(gpu_stat $GPU_1080 last_failed_check)"
expect_start "check 3: 2080 Ti RTX6000-1Q start fails with 0x56" 0x56 $GPU_2080 "GRID RTX6000-1Q" -r -k
expect_eq "check 3: 2080 Ti failed at the magic" 3 "$(gpu_stat $GPU_2080 last_failed_check)"
expect_start "checks 3+4: P40 starts GRID P40-1Q" 0x0 $GPU_P40 "GRID P40-1Q"
expect_start "checks 3+4: P40 starts GRID P40-12C (last type)" 0x0 $GPU_P40 "GRID P40-12C" -r
expect_start "check 4: P40 refuses a T4 type with 0x56" 0x56 $GPU_P40 "GRID T4-1Q" -r -k
expect_eq "check 4: P40 failed at the record" 4 "$(gpu_stat $GPU_P40 last_failed_check)"
expect_start "check 4: 1080 Ti never reaches a valid record (daemon path)" daemon-check-failed $GPU_1080 "GRID P40-1Q"

# Control path semantics.
out=$($NVCTL ctrl 0x20800000 0x20801801 8)
expect_eq "wrong paramsSize: NV_ERR_INVALID_ARGUMENT, ioctl returns 0" "ret=0 errno=0 status=0x1f" "$(echo "$out" | head -n 1)"
out=$($NVCTL ctrl 0xa0810002 0xa0810103 5432 0xab)
expect_eq "failed control: status OBJECT_NOT_FOUND" "ret=0 errno=0 status=0x57" "$(echo "$out" | head -n 1)"
expect_eq "failed control copies nothing out" "out=$(printf 'ab%.0s' $(seq 64))" "$(echo "$out" | tail -n 1)"
out=$($NVCTL ctrl 0x20800009 0x20801801 16)
expect_eq "bad object handle: NV_ERR_INVALID_OBJECT_HANDLE" "ret=0 errno=0 status=0x33" "$(echo "$out" | head -n 1)"
out=$($NVCTL ctrl 0x90960000 0x90960103 48)
expect_eq "ZBC clear table fails on the 1080 Ti" "ret=0 errno=0 status=0x56" "$(echo "$out" | head -n 1)"
out=$($NVCTL ctrl 0x90960002 0x90960103 48)
expect_eq "ZBC clear table works on the P40" "ret=0 errno=0 status=0x0" "$(echo "$out" | head -n 1)"

expect_eq "table checksum stable" "$sum0" "$(nv_checksum)"
nv_unload

# The R535 generation: 4-byte virtualization mode, R535 type-info layout.
nv_load r535 || finish
expect_eq "r535: 4-byte mode params accepted" "ret=0 errno=0 status=0x0" "$($NVCTL ctrl 0x00800002 0x00800289 4 | head -n 1)"
expect_eq "r535: 8-byte mode params refused" "ret=0 errno=0 status=0x1f" "$($NVCTL ctrl 0x00800002 0x00800289 8 | head -n 1)"
check "r535: vgpud accepts the P40" $VGPUD -g $GPU_P40
expect_start "r535: P40 starts GRID P40-24Q" 0x0 $GPU_P40 "GRID P40-24Q"
expect_start "r535: 1080 Ti start fails with 0x56" 0x56 $GPU_1080 "GRID P40-1Q" -r -k
nv_unload
finish
