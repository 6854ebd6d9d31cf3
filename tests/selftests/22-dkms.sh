#!/bin/sh
# The module as DKMS built and installed it when apt installed the package
# (tests/packaging/packages.sh keeps a copy in build/dkms/<kernel>/) loads and
# unlocks in QEMU.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mocklib.sh"

KO=$VUKP_KO/dkms-vgpu_unlock_kp.ko
[ -f "$KO" ] || skip_all "no DKMS-built module for $(uname -r) (the package test, tests/packaging/packages.sh, builds one for Debian 11's 5.10 and Debian 12's 6.1 and 6.12)"
nv_load default || finish
s=$(nv_checksum)
# insmod checks the vermagic: loading proves it was built for this kernel.
load_mod "$KO" || finish
ok "DKMS-built module loads on $(uname -r)"
grep -q "state=armed" $KP_STATUS && ok "DKMS module armed" || fail "DKMS module armed" "$(cat $KP_STATUS)"
expect_start "DKMS module: 1080 Ti accepts a P40 type" 0x0 $GPU_1080 "GRID P40-1Q" -r -k
kp_unload
expect_eq "DKMS module: tables restored" "$s" "$(nv_checksum)"
nv_unload
finish
