#!/bin/sh
# Every vGPU type of each consumer GPU's target board is accepted, on table
# layouts whose sacrificial block is drawn (down to a single entry, the R535
# shape, with the native P40's entries right after it): the module borrows
# entries of boards that are not on this host. The native P40's first VM
# start after both consumer GPUs were unlocked, with every one of its types,
# still passes; wrong-board types are refused; rmmod restores the tables.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mocklib.sh"

# VUKP_SWEEP_VARIANTS: the mock layouts swept (tests/mock/Makefile)
for v in ${VUKP_SWEEP_VARIANTS:-sac1 default adjacent rand2}; do
	nv_load "$v" || finish
	s0=$(nv_checksum)
	kp_load || finish
	sweep "[$v] 1080 Ti: every P40 type" $GPU_1080 $P40
	sweep "[$v] 2080 Ti: every RTX 6000 type" $GPU_2080 $RTX6000
	expect_full "[$v] status: 1080 Ti has N of N P40 types" $GPU_1080 $P40
	expect_full "[$v] status: 2080 Ti has N of N RTX 6000 types" $GPU_2080 $RTX6000
	# the P40 has never started a VM: its magic is unseen until now
	expect_eq "[$v] P40 magic not seen before its first start" "magic=no" \
		"$(kp_gpu $GPU_P40 | grep -o 'magic=[a-z]*')"
	sweep "[$v] native P40, first start after both unlocked: every type" $GPU_P40 $P40
	sweep "[$v] 1080 Ti after the P40 took its entries back: every type" $GPU_1080 $P40
	sweep "[$v] 2080 Ti after the P40 took its entries back: every type" $GPU_2080 $RTX6000
	used=$(sed -n 's/.* slots_used=\([0-9]*\).*/\1/p' $KP_STATUS)
	expect_eq "[$v] status: one entry line per entry in use" "$used" "$(grep -c '^entry ' $KP_STATUS)"
	expect_eq "[$v] status: the entries in use are the 1080 Ti's and the 2080 Ti's" \
		"$(board_types $P40 | wc -l) $(board_types $RTX6000 | wc -l)" \
		"$(grep -c "^entry .* gpu=$GPU_1080 " $KP_STATUS) $(grep -c "^entry .* gpu=$GPU_2080 " $KP_STATUS)"
	expect_start "[$v] 1080 Ti refuses an RTX 6000 type" 0x56 $GPU_1080 "GRID RTX6000-1Q" -r -k
	expect_start "[$v] 2080 Ti refuses a P40 type" 0x56 $GPU_2080 "GRID P40-1Q" -r -k
	kp_unload
	expect_eq "[$v] rmmod: table checksum restored" "$s0" "$(nv_checksum)"
	expect_start "[$v] after rmmod the 1080 Ti is refused" 0x56 $GPU_1080 "GRID P40-1Q" -r -k
	expect_start "[$v] after rmmod the P40 still works" 0x0 $GPU_P40 "GRID P40-8Q" -r
	nv_unload
done

# Scarce: the driver's list holds fewer entries than both boards' types (one
# sacrificial entry, the P40's run, a few others): each consumer GPU gets
# what fits and the status says N of M; the native P40, whose entries were
# borrowed, takes them back at its first start and passes every type.
nv_load scarce || finish
s0=$(nv_checksum)
kp_load || finish
expect_start "[scarce] 1080 Ti: its first type starts" 0x0 $GPU_1080 "$(board_types $P40 | head -n 1)" -r -k
expect_start "[scarce] 2080 Ti: its first type starts" 0x0 $GPU_2080 "$(board_types $RTX6000 | head -n 1)" -r -k
# shellcheck disable=SC2046 # two "N M" pairs, split on purpose
set -- $(kp_types $GPU_1080) $(kp_types $GPU_2080)
usable=$(sed -n 's/^tables .* usable=\([0-9]*\) .*/\1/p' $KP_STATUS)
expect_eq "[scarce] the two GPUs share every usable entry (N of M each)" "$usable" "$(($1 + $3))"
[ "$1" -lt "$2" ] && [ "$3" -lt "$4" ] && ok "[scarce] status: fewer than all types ($1/$2, $3/$4)" ||
	fail "[scarce] status: fewer than all types" "$(cat $KP_STATUS)"
borrowed_p40=$(grep -c '^entry .* kind=borrowed' $KP_STATUS)
sweep "[scarce] native P40, first start: every type ($borrowed_p40 entries were borrowed)" $GPU_P40 $P40
expect_eq "[scarce] the P40's entries are reserved" "$(board_types $P40 | wc -l)" \
	"$(sed -n 's/^tables .* reserved=\([0-9]*\) .*/\1/p' $KP_STATUS)"
# shellcheck disable=SC2046 # "N M", split on purpose
set -- $(kp_types $GPU_1080)
n=$(board_types $P40 | sed -n "1,${1}p")
nl='
'
IFS=$nl
# shellcheck disable=SC2086 # one type name per line
set -- $n
unset IFS
expect_types "[scarce] 1080 Ti: the $# types the status lists still start" $GPU_1080 "$@"
kp_unload
expect_eq "[scarce] checksum restored" "$s0" "$(nv_checksum)"
nv_unload

# The conservative rule: borrow=0 uses the sacrificial entries only; the
# status says how many types fit (N of M) and the others are refused.
v=${VUKP_SWEEP_VARIANTS%% *}
v=${v:-sac1}
nv_load "$v" || finish
s0=$(nv_checksum)
kp_load borrow=0 || finish
nsac=$(sed -n 's/^tables .* slots=\([0-9]*\) .*/\1/p' $KP_STATUS)
expect_start "[$v borrow=0] 1080 Ti: its first type starts" 0x0 $GPU_1080 "$(board_types $P40 | head -n 1)" -r -k
n=$(board_types $P40 | wc -l)
want=$((nsac < n ? nsac : n))
expect_eq "[$v borrow=0] status: types=$want/$n (sacrificial entries only)" "$want $n" "$(kp_types $GPU_1080)"
expect_eq "[$v borrow=0] no entry borrowed" "borrowed=0" "$(grep -o 'borrowed=[0-9]*' $KP_STATUS)"
if [ "$want" -lt "$n" ]; then
	expect_start "[$v borrow=0] the last P40 type does not fit: 0x56" 0x56 $GPU_1080 "$(board_types $P40 | tail -n 1)" -r -k
	kp_gpu $GPU_1080 | grep -q 'error="not enough usable driver entries' &&
		ok "[$v borrow=0] status names the shortage" || fail "[$v borrow=0] status names the shortage" "$(cat $KP_STATUS)"
fi
expect_start "[$v borrow=0] native P40 works" 0x0 $GPU_P40 "GRID P40-2Q" -r
kp_unload
expect_eq "[$v borrow=0] checksum restored" "$s0" "$(nv_checksum)"
nv_unload
finish
