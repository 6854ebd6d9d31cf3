#!/bin/sh
# Records outlive their readers, checks may overlap, nvidia's writable data
# may change under the search:
# 1. rmmod vgpu_unlock_kp while a check sleeps between loading a triplet's
#    pointers and verifying the record (mock knob check_delay_ms), with the
#    record stores from kmalloc and from vmalloc: the check accepts or
#    refuses with 0x56, and the kernel log stays clean (KASAN on the debug
#    kernel: no use after free);
# 2. checks of different GPUs running at the same time (concurrent_checks):
#    the native P40's first starts always pass, whatever the consumer GPUs do;
# 3. the flip variant: a kthread rewrites triplets in nvidia's writable data
#    while vgpu_unlock_kp arms and searches: no report, the unlock works.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mocklib.sh"

KNOB=/sys/module/nvidia/parameters
CHECKS=/proc/driver/nvidia-mock/checks
field() { grep -o "$1=[0-9-]*" "$2" | head -n 1 | cut -d= -f2; } # KEY FILE

# bg_start OUT BDF TYPE: a VM start; status in OUT.  The VM's mdev UUID
# ends in the GPU's slot number, so starts on different GPUs can run at once.
bg_start() {
	_u=9b9d3b6e-0c11-4e0a-9a1b-0000000000$(echo "$2" | cut -d: -f3 | tr -d .)
	"$VGPU_MGR" -g "$2" -t "$3" -u "$_u" -r -k >"$1.log" 2>&1
	sed -n 's/.*result: status=//p' "$1.log" | tail -n 1 >"$1"
}

wait_for() { # SECONDS CMD...: poll until CMD succeeds
	_t=$(($1 * 10))
	shift
	while [ $_t -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		_t=$((_t - 1))
	done
	return 1
}
sleeping() { [ "$(field in_delay $CHECKS)" -gt 0 ] 2>/dev/null; }

# 1. rmmod inside the window
for alloc in 0 1; do
	d="[records_vmalloc=$alloc]"
	nv_load sac1 || finish
	s0=$(nv_checksum)
	kp_load records_vmalloc=$alloc || finish
	sweep "$d 1080 Ti unlocked" $GPU_1080 $P40
	echo 3000 >$KNOB/check_delay_ms
	echo 0 >$KNOB/check_delay_gpu # the 1080 Ti (minor 0)
	bg_start /tmp/inflight $GPU_1080 "GRID P40-2Q" &
	pid=$!
	if wait_for 30 sleeping; then
		ok "$d a 1080 Ti check sleeps between loading a triplet and verifying it"
	else
		fail "$d a 1080 Ti check sleeps between loading a triplet and verifying it" "$(cat $CHECKS)"
	fi
	dmesg_mark
	kp_unload
	expect_eq "$d rmmod vgpu_unlock_kp while the check sleeps" "1" "$(field in_delay $CHECKS)"
	wait $pid
	echo 0 >$KNOB/check_delay_ms
	st=$(cat /tmp/inflight)
	case $st in
	0x0 | 0x56) ok "$d the check in flight accepts or refuses ($st)" ;;
	*) fail "$d the check in flight accepts or refuses" "status '$st'$(cat /tmp/inflight.log)" ;;
	esac
	dmesg_since_mark | grep -q 'kept [0-9]* bytes of records' &&
		ok "$d records the driver was pointed at are kept (log)" ||
		fail "$d records the driver was pointed at are kept (log)" "$(dmesg_since_mark)"
	expect_eq "$d tables restored" "$s0" "$(nv_checksum)"
	expect_start "$d 1080 Ti refused again" 0x56 $GPU_1080 "GRID P40-2Q" -r -k
	nv_unload
done

# 2. Concurrent checks: the consumer GPUs unlock in a loop while the native
#    P40 starts its types for the first time; all at once.
nv_load sac1 || finish
s0=$(nv_checksum)
echo 2 >$KNOB/concurrent_checks
# every matched triplet makes its check sleep 20 ms: checks of different
# GPUs then overlap whatever the machine's speed
echo 20 >$KNOB/check_delay_ms
echo -1 >$KNOB/check_delay_gpu
echo reset >$CHECKS
kp_load || finish
(for t in $(board_types $P40 | tr ' ' '_'); do bg_start /tmp/c1080 $GPU_1080 "$(echo "$t" | tr _ ' ')"; done) &
c1=$!
(for t in $(board_types $RTX6000 | tr ' ' '_'); do bg_start /tmp/c2080 $GPU_2080 "$(echo "$t" | tr _ ' ')"; done) &
c2=$!
bad=
for t in $(board_types $P40 | tr ' ' '_'); do
	bg_start /tmp/cp40 $GPU_P40 "$(echo "$t" | tr _ ' ')"
	[ "$(cat /tmp/cp40)" = 0x0 ] || bad="$bad [$t: $(cat /tmp/cp40)]"
done
wait $c1 $c2
if [ -z "$bad" ]; then
	ok "concurrent checks: every native P40 start passes while both consumer GPUs unlock"
else
	fail "concurrent checks: every native P40 start passes while both consumer GPUs unlock" "failed:$bad"
fi
ov=$(field overlaps $CHECKS)
echo 0 >$KNOB/check_delay_ms
[ "${ov:-0}" -gt 0 ] && ok "concurrent checks did overlap ($ov overlaps)" ||
	fail "concurrent checks did overlap" "$(cat $CHECKS)"
sweep "after the concurrent phase: 1080 Ti every type" $GPU_1080 $P40
sweep "after the concurrent phase: 2080 Ti every type" $GPU_2080 $RTX6000
echo 0 >$KNOB/concurrent_checks
echo 0 >$KNOB/check_delay_ms
kp_unload
expect_eq "concurrent phase: tables restored" "$s0" "$(nv_checksum)"
nv_unload

# 3. Triplets in nvidia's writable data rewritten while the module searches.
nv_load flip || finish
f0=$(field flips $CHECKS)
i=0
while [ $i -lt 3 ]; do
	kp_load || finish
	grep -q 'state=armed' $KP_STATUS || fail "flip: armed (round $i)" "$(cat $KP_STATUS)"
	kp_unload
	i=$((i + 1))
done
f1=$(field flips $CHECKS)
[ "${f1:-0}" -gt "${f0:-0}" ] && ok "flip: the flipper ran during three arm/disarm cycles ($f0 -> $f1 flips)" ||
	fail "flip: the flipper ran during the cycles" "$(cat $CHECKS)"
kp_load || finish
sweep "flip: 1080 Ti every type" $GPU_1080 $P40
kp_unload
echo 0 >$KNOB/flip
nv_unload
finish
