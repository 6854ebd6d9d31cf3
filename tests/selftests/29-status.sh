#!/bin/sh
# scripts/vgpu-unlock-status against the real /proc/driver/vgpu_unlock_kp:
# every field the tool prints is there (not blank) and is the module's value.
# The tool (scripts/vgpu-unlock-status, a bash script) is in the payload as
# /vukp/tests/vgpu-unlock-status.sh and runs with the host's bash. It reads one
# snapshot of the status file, so that the values it prints and the ones
# compared with cannot differ by a probe hit in between.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mocklib.sh"

TOOL=$(dirname "$0")/vgpu-unlock-status.sh
SNAP=/tmp/status.snap
[ -x "$VUKP_BIN/bash" ] && [ -f "$TOOL" ] || skip_all "bash or vgpu-unlock-status not in the payload"
OUT=/tmp/status.out

status() {
	cat $KP_STATUS >$SNAP
	VUKP_STATUS_FILE=$SNAP "$VUKP_BIN/bash" "$TOOL" --shim /nonexistent >$OUT 2>&1
}
raw() { # LINE-PREFIX KEY: a value of the raw status file, quotes removed
	grep "^$1" $SNAP | head -n 1 |
		sed -n "s/.* $2=\"\([^\"]*\)\".*/\1/p; t; s/.* $2=\([^ ]*\).*/\1/p"
}
# has DESC PATTERN: the tool's output has a line matching the (grep -E) pattern
has() {
	if grep -qE "$2" $OUT; then ok "$1"; else fail "$1" "no line matches '$2' in:
$(cat $OUT)
raw:
$(cat $SNAP)"; fi
}
# no_blank DESC: no field printed empty (" ,", "( ", " )", trailing blank)
no_blank() {
	_b=$(grep -nE ' ,|\( | \)| $' $OUT)
	if [ -z "$_b" ]; then ok "$1"; else fail "$1" "$_b"; fi
}
# fields LINE-PREFIX KEY...: the module prints every key the tool reads
fields() {
	_p=$1 _m=
	shift
	for _k; do
		grep "^$_p" $SNAP | head -n 1 | grep -qE " $_k=[^ ]" || _m="$_m $_k"
	done
	if [ -z "$_m" ]; then ok "status file '$_p' line has every field the tool reads"
	else fail "status file '$_p' line has every field the tool reads" "missing:$_m
$(cat $SNAP)"; fi
}

kp_load || finish
status
has "module loaded without nvidia: version line" "^version +$(sed -n 's/^vgpu_unlock_kp //p' $SNAP)\$"
has "module loaded without nvidia: nvidia absent" "^nvidia +absent"
has "module loaded without nvidia: no GPUs yet" "^gpus +none seen yet"

nv_load default || finish
expect_start "P40 type starts on the 1080 Ti" 0x0 $GPU_1080 "GRID P40-1Q" -r -k
status
no_blank "armed: no field printed blank"
fields nvidia state version loads
fields tables other_boards vgpu_entries slots slots_cls0 slots_cls1 borrow usable reserved slots_used borrowed decoys searched_kib search_us
fields handler irqoff_max_us parked_bytes
fields probe hits missed
fields "gpu $GPU_1080 " pci_id state magic key target board types reads magic_reads key_reads key_rejects error
has "nvidia line: state, version, loads from the module" \
	"^nvidia +$(raw nvidia state), version $(raw nvidia version), loads $(raw nvidia loads)\$"
has "tables line: every count from the module" \
	"^tables +$(raw tables other_boards) other boards, $(raw tables vgpu_entries) vGPU entries \($(raw tables slots) sacrificial: $(raw tables slots_cls0)\+$(raw tables slots_cls1)\).* $(raw tables usable) usable, $(raw tables reserved) reserved; $(raw tables slots_used) in use \($(raw tables borrowed) borrowed\); $(raw tables decoys) decoys; searched $(raw tables searched_kib) KiB in $(raw tables search_us) us"
has "handler line: interrupts-off time and parked bytes" \
	"^handler +longest interrupts-off $(raw handler irqoff_max_us) us; $(raw handler parked_bytes) bytes"
for g in $GPU_1080 $GPU_2080 $GPU_P40; do
	l="gpu $g "
	if ! grep -q "^$l" $SNAP; then
		skip "status of $g" "the module has no line for it"
		continue
	fi
	has "$g: pci id and state" "^gpu $g  $(raw "$l" pci_id)  state $(raw "$l" state)\$"
	has "$g: magic and key" "^  magic $(raw "$l" magic), key $(raw "$l" key)"
	if [ -n "$(raw "$l" target)" ]; then
		has "$g: target board" "^  target +$(raw "$l" target) $(raw "$l" board)\$"
	else
		has "$g: no target yet, said so" "^  target +not known yet"
	fi
	has "$g: types" "^  types +$(raw "$l" types) of the target board"
	has "$g: reads, magic/key reads, key rejects" \
		"^  reads +$(raw "$l" reads) \(magic $(raw "$l" magic_reads), key $(raw "$l" key_reads), key rejects $(raw "$l" key_rejects)\)"
done
has "1080 Ti: installed types listed" '^  vGPU types  .*GRID P40-1Q'
n=$(grep -c '^probe ' $SNAP)
expect_eq "one probe row per probe of the module" "$n" "$(grep -cE '^  [a-z_0-9]+ +[0-9]+ hits +[0-9]+ missed$' $OUT)"
p=$(grep '^probe ' $SNAP | head -n 1)
set -- $p
has "probe $2: hits and missed from the module" \
	"^  $2 +$(echo "$p" | sed -n 's/.* hits=\([0-9]*\).*/\1/p') hits +$(echo "$p" | sed -n 's/.* missed=\([0-9]*\).*/\1/p') missed\$"
expect_eq "--raw prints the status file as it is" "$(cat $SNAP)" \
	"$(VUKP_STATUS_FILE=$SNAP "$VUKP_BIN/bash" "$TOOL" --raw --shim /nonexistent |
		sed -n '2,/^$/p' | sed '/^$/d; /^option /d')"

kp_unload
nv_unload
finish
