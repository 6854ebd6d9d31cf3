#!/bin/sh
# vgpu-unlock-report against the mock: one archive with the module's
# status, the offline verdict on the driver file, the kernel log lines,
# what is missing (no systemd, no mdevctl in the guest) listed and not
# fatal; and no GPU key or magic anywhere in it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mocklib.sh"

REPORT=$VUKP_BIN/vgpu-unlock-report
[ -x "$REPORT" ] || skip_all "no $REPORT in the payload"

nv_load default || finish
kp_load || finish
expect_start "1080 Ti unlocked (the log and status have something to say)" 0x0 $GPU_1080 "GRID P40-1Q" -r -k
expect_start "2080 Ti unlocked" 0x0 $GPU_2080 "GRID RTX6000-1Q" -r -k
expect_start "native P40" 0x0 $GPU_P40 "GRID P40-1Q" -r

out=/tmp/report.tar.gz
check "vgpu-unlock-report writes an archive" "$REPORT" -o $out --nvidia-ko "$VUKP_KO/nvidia-default.ko"
dir=/tmp/report-x
rm -rf $dir
mkdir -p $dir
if tar -xzf $out -C $dir 2>/dev/null; then
	ok "the archive unpacks (tar.gz)"
else
	fail "the archive unpacks (tar.gz)" "$(ls -l $out 2>&1)"
fi
r=$(ls -d $dir/vgpu-unlock-report-* 2>/dev/null | head -n 1)
for f in status.txt verdict.txt kernel-log.txt system.txt driver.txt MISSING.txt; do
	[ -s "$r/$f" ] && ok "archive has $f" || fail "archive has $f" "$(ls -R $dir)"
done
grep -q "state=armed" "$r/status.txt" && ok "status.txt: the module's status (armed)" ||
	fail "status.txt: the module's status (armed)" "$(cat "$r/status.txt")"
grep -q "verdict: the module would arm" "$r/verdict.txt" && ok "verdict.txt: the offline verdict on the driver file" ||
	fail "verdict.txt: the offline verdict on the driver file" "$(cat "$r/verdict.txt")"
grep -q "vgpu_unlock_kp: nvidia .*armed" "$r/kernel-log.txt" && ok "kernel-log.txt: vgpu_unlock_kp's lines" ||
	fail "kernel-log.txt: vgpu_unlock_kp's lines" "$(cat "$r/kernel-log.txt")"
grep -q "mdevctl" "$r/MISSING.txt" && ok "MISSING.txt says what could not be collected (mdevctl)" ||
	fail "MISSING.txt says what could not be collected (mdevctl)" "$(cat "$r/MISSING.txt")"

secrets=$(gpu_secrets)
if [ -z "$secrets" ]; then
	skip "no key or magic in the archive" "devmem cannot read the GPUs' memory here"
else
	# the check itself must be able to fail: a planted key is found
	s1=$(echo "$secrets" | head -n 1)
	echo "planted $s1" >/tmp/planted.txt
	leak=$(secret_leaks "$secrets" /tmp/planted.txt)
	[ -n "$leak" ] && ok "the leak check finds a planted key" || fail "the leak check finds a planted key" ""
	rm -f /tmp/planted.txt
	n=$(echo "$secrets" | wc -l)
	# shellcheck disable=SC2046 # the archive's files, split on purpose (no spaces)
	expect_eq "no key or magic ($n read from the GPUs) in any file of the archive, even half of one" "" \
		"$(secret_leaks "$secrets" $(find "$dir" -type f))"
fi
rm -rf $dir $out
kp_unload
nv_unload
finish
