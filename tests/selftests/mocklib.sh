# shellcheck shell=sh
# shellcheck disable=SC2034 # the variables are for the scripts that source this file
# Helpers for tests against the mock nvidia (sourced after lib.sh).
GPU_1080=0000:00:04.0	# GeForce GTX 1080 Ti 10de:1b06, minor 0
GPU_2080=0000:00:05.0	# GeForce RTX 2080 Ti 10de:1e07, minor 1
GPU_P40=0000:00:06.0	# Tesla P40 10de:1b38 (native vGPU board), minor 2
MOCK_STATS=/proc/driver/nvidia-mock/stats
VGPUD=$VUKP_BIN/mock-vgpud
VGPU_MGR=$VUKP_BIN/mock-vgpu-mgr
NVCTL=$VUKP_BIN/nvctl

nv_load() { # [VARIANT]: insmod the mock and create the device nodes
	load_mod "$VUKP_KO/nvidia-${1:-default}.ko" || return 1
	[ -e /dev/nvidiactl ] || mknod /dev/nvidiactl c 195 255
	for _m in 0 1 2 3; do
		[ -e /dev/nvidia$_m ] || mknod /dev/nvidia$_m c 195 $_m
	done
}

nv_unload() { mod_loaded nvidia && unload_mod nvidia; return 0; }

nv_checksum() { cat /proc/driver/nvidia-mock/checksum; }

gpu_stat() { # BDF FIELD: a field of the mock's per-GPU statistics
	grep "^$1 " "$MOCK_STATS" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# vgpu_start BDF TYPE [mgr options]: prints the status of the VM start
# (0x0, 0x56, ... or daemon-check-failed); `vgpu_out` prints the output.
VGPU_OUT_FILE=/tmp/vgpu-mgr.out
vgpu_start() {
	_g=$1 _t=$2
	shift 2
	"$VGPU_MGR" -g "$_g" -t "$_t" "$@" >$VGPU_OUT_FILE 2>&1
	sed -n 's/.*result: status=//p' $VGPU_OUT_FILE | tail -n 1
}
vgpu_out() { cat $VGPU_OUT_FILE; }

# expect_start DESC EXPECTED BDF TYPE [mgr options]
expect_start() {
	_d=$1 _e=$2
	shift 2
	_s=$(vgpu_start "$@")
	if [ "$_s" = "$_e" ]; then
		ok "$_d"
	else
		fail "$_d" "expected status $_e, got '$_s'
$(vgpu_out)"
	fi
}

KP_STATUS=/proc/driver/vgpu_unlock_kp
kp_load() { load_mod "$VUKP_KO/vgpu_unlock_kp.ko" "$@"; }
kp_unload() { mod_loaded vgpu_unlock_kp && unload_mod vgpu_unlock_kp; return 0; }
kp_gpu() { # BDF: the module's status line for one GPU
	grep "^gpu $1 " "$KP_STATUS"
}

# expect_types DESC BDF TYPE...: every type starts on the GPU
expect_types() {
	_d=$1 _g=$2
	shift 2
	_bad=
	for _t in "$@"; do
		_s=$(vgpu_start "$_g" "$_t" -r -k)
		[ "$_s" = 0x0 ] || _bad="$_bad [$_t: $_s]"
	done
	if [ -z "$_bad" ]; then
		ok "$_d"
	else
		fail "$_d" "failed:$_bad
$(vgpu_out)
$(cat $KP_STATUS 2>&1)"
	fi
}
P40_TYPES="GRID P40-1Q|GRID P40-24Q|GRID P40-12C"
RTX6000_TYPES="GRID RTX6000-1Q|GRID RTX6000-24Q|GRID RTX6000-24A"

# ---- every type of a board (issue: every vGPU type of the target board) ----
VUKP_DATA=${VUKP_DATA:-/vukp/data}
P40=0x1b38 RTX6000=0x1e30

board_types() { # DEVICE: the catalogue's type names of a board, one per line
	awk -F, -v d="$1" '$1 == d { print $3 }' "$VUKP_DATA/vgpu-types.csv"
}

# sweep DESC BDF DEVICE: every type of board DEVICE starts on the GPU
sweep() {
	_sd=$1 _sg=$2
	_nl='
'
	_old_ifs=$IFS
	IFS=$_nl
	# shellcheck disable=SC2046 # one type name per line
	set -- $(board_types "$3")
	IFS=$_old_ifs
	if [ $# -lt 1 ]; then
		fail "$_sd" "no types of board $3 in $VUKP_DATA/vgpu-types.csv"
		return 1
	fi
	expect_types "$_sd ($# types)" "$_sg" "$@"
}

# kp_types BDF: "N M" of the module's types=N/M for the GPU
kp_types() { kp_gpu "$1" | sed -n 's/.* types=\([0-9]*\)\/\([0-9]*\) .*/\1 \2/p'; }

# expect_full DESC BDF DEVICE: the status says every type of the board
expect_full() {
	_n=$(board_types "$3" | wc -l)
	expect_eq "$1" "$_n $_n" "$(kp_types "$2")"
}

# gpu_fuse BDF FIELD_OFF: the 16 bytes the fuse header's u32 at FIELD_OFF
# points at, as lowercase hex (20: the magic, 24: the key; tests/mock/layout.h),
# read from the GPU's memory BAR with devmem; empty if it cannot be read.
# (For tests that key material never appears anywhere.)
gpu_fuse() {
	_bar=$(sed -n 3p "/sys/bus/pci/devices/$1/resource" | cut -d' ' -f1)
	_off=$(devmem $((_bar + $2)) 32 2>/dev/null) || return 0
	_hex=
	for _w in 0 4 8 12; do
		_v=$(devmem $((_bar + _off + _w)) 32 2>/dev/null) || return 0
		# little-endian word -> bytes in memory order
		_hex=$_hex$(printf '%08x' "$_v" | sed 's/\(..\)\(..\)\(..\)\(..\)/\4\3\2\1/')
	done
	echo "$_hex"
}

# gpu_secrets: the test GPUs' magics and keys (hex, one per line); empty
# if devmem cannot read them here
gpu_secrets() {
	for _g in $GPU_1080 $GPU_2080 $GPU_P40; do
		gpu_fuse "$_g" 20
		gpu_fuse "$_g" 24
	done | grep .
}

# secret_leaks SECRETS FILE...: the first 8 bytes of each secret found in
# the files, as hex or as spaced hex bytes, in any case (empty: none)
secret_leaks() {
	_sec=$1
	shift
	for _s in $_sec; do
		_half=$(echo "$_s" | cut -c1-16)
		_spaced=$(echo "$_half" | sed 's/../& /g; s/ $//')
		cat "$@" 2>/dev/null | grep -qiE "$_half|$_spaced" && printf '%s... ' "$_half"
	done
}

# stress_report LABEL RC OUT: vukp-stress's verdict (its exit status RC and
# output OUT) as one test, its counts in STRESS_OPS ("controls starts
# module-cycles nvidia-cycles") and STRESS_UNLOCKED (consumer starts unlocked)
stress_report() {
	echo "$3" | grep '^# ops:'
	if [ "$2" = 0 ]; then
		ok "$1: no invariant violated"
		diag "$(echo "$3" | grep '^# in ' | sed 's/^# //')"
	else
		fail "$1: no invariant violated" "exit $2
$3"
	fi
	STRESS_OPS=$(echo "$3" | sed -n 's/^# ops: \([0-9]*\) controls, \([0-9]*\) vGPU starts, \([0-9]*\) module cycles, \([0-9]*\) nvidia cycles$/\1 \2 \3 \4/p')
	STRESS_UNLOCKED=$(echo "$3" | sed -n 's/.*consumer starts \([0-9]*\) unlocked.*/\1/p')
}
