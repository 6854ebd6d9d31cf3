#!/bin/sh
# dry_run=1: the module arms, identifies each GPU, verifies its key and
# builds its records, shows per GPU what it would install, and writes
# nothing into nvidia's memory: consumer VM starts fail as without the
# module, the table checksum never changes.  Switching to the real mode is
# rmmod + modprobe without dry_run, nvidia stays loaded.  No GPU key and
# no magic appears in the status file or the log.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mocklib.sh"

nv_load default || finish
sum0=$(nv_checksum)
dmesg_mark
kp_load dry_run=1 || finish
if grep -q "state=armed" $KP_STATUS && grep -q "^tables .* dry_run=1" $KP_STATUS; then
	ok "dry_run=1: armed, the status says dry_run=1"
else
	fail "dry_run=1: armed, the status says dry_run=1" "$(cat $KP_STATUS)"
fi

# A full VM-start sequence: consumer types (every one refused), the native
# board, again after the keys are known.
for t in "GRID P40-1Q" "GRID P40-24Q"; do
	expect_start "dry run: 1080 Ti refused $t (0x56, as without the module)" 0x56 $GPU_1080 "$t" -r -k
done
expect_start "dry run: 2080 Ti refused GRID RTX6000-1Q" 0x56 $GPU_2080 "GRID RTX6000-1Q" -r -k
expect_start "dry run: native P40 starts" 0x0 $GPU_P40 "GRID P40-2Q" -r
expect_start "dry run: 1080 Ti refused again with its key known" 0x56 $GPU_1080 "GRID P40-1Q" -r -k
expect_eq "dry run: the table checksum never changed" "$sum0" "$(nv_checksum)"

# What it would install, per GPU, in the status and the log.
for g in "$GPU_1080 0x1b38" "$GPU_2080 0x1e30"; do
	set -- $g
	line=$(kp_gpu "$1")
	t=$(kp_types "$1")
	if echo "$line" | grep -q "key=yes .*target=$2" && [ "${t%% *}" -gt 0 ] &&
		[ "${t%% *}" = "${t##* }" ]; then
		ok "status: $1 key verified, target $2, would install $t types"
	else
		fail "status: $1 key verified, target $2, would install every type" "$(cat $KP_STATUS)"
	fi
done
grep -q "^  would install: .*GRID P40-1Q" $KP_STATUS && ok "status lists the types it would install" ||
	fail "status lists the types it would install" "$(cat $KP_STATUS)"
kp_gpu $GPU_P40 | grep -q "state=native" && ok "status: P40 native" || fail "status: P40 native" "$(kp_gpu $GPU_P40)"
log=$(dmesg_since_mark | grep vgpu_unlock_kp)
n=$(echo "$log" | grep -c "key verified, device 0x.*dry run, would install [1-9]")
expect_eq "log: one 'dry run, would install' line per consumer GPU" 2 "$n"
echo "$log" | grep -q "armed for a dry run" && ok "log: armed for a dry run" || fail "log: armed for a dry run" "$log"

# No key, no magic in the status file or the log (a fingerprint only).
secrets=$(gpu_secrets)
if [ -z "$secrets" ]; then
	skip "no key or magic in the status or the log" "devmem cannot read the GPUs' memory here"
else
	cat $KP_STATUS >/tmp/kp-status.txt
	dmesg >/tmp/kp-dmesg.txt
	n=$(echo "$secrets" | wc -l)
	expect_eq "no key or magic ($n read from the GPUs) in the status or the log, even half of one" "" \
		"$(secret_leaks "$secrets" /tmp/kp-status.txt /tmp/kp-dmesg.txt)"
	rm -f /tmp/kp-status.txt /tmp/kp-dmesg.txt
fi
kp_gpu $GPU_1080 | grep -q "magic_fp=[0-9a-f]\{8\} " && ok "status: a magic fingerprint per GPU" ||
	fail "status: a magic fingerprint per GPU" "$(kp_gpu $GPU_1080)"

# Switch to the real mode: rmmod, insmod without dry_run; nvidia stays.
dmesg_mark
kp_unload
expect_eq "rmmod after the dry run: checksum unchanged" "$sum0" "$(nv_checksum)"
dmesg_since_mark | grep -q "dry run: nothing was written" && ok "log: nothing was written" ||
	fail "log: nothing was written" "$(dmesg_since_mark)"
kp_load || finish
expect_start "real mode without reloading nvidia: 1080 Ti starts GRID P40-1Q" 0x0 $GPU_1080 "GRID P40-1Q" -r -k
expect_start "real mode: 2080 Ti starts GRID RTX6000-1Q" 0x0 $GPU_2080 "GRID RTX6000-1Q" -r -k
grep -q "^tables .* dry_run=0" $KP_STATUS && ok "status says dry_run=0" || fail "status says dry_run=0" "$(grep ^tables $KP_STATUS)"
kp_unload
expect_eq "rmmod: checksum restored" "$sum0" "$(nv_checksum)"
nv_unload
finish
