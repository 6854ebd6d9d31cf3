# shellcheck shell=sh
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
# (0x0, 0x56, ... or daemon-check-failed); the output is in $VGPU_OUT.
vgpu_start() {
	_g=$1 _t=$2
	shift 2
	VGPU_OUT=$("$VGPU_MGR" -g "$_g" -t "$_t" "$@" 2>&1)
	printf '%s\n' "$VGPU_OUT" | sed -n 's/.*result: status=//p' | tail -n 1
}

# expect_start DESC EXPECTED BDF TYPE [mgr options]
expect_start() {
	_d=$1 _e=$2
	shift 2
	_s=$(vgpu_start "$@")
	if [ "$_s" = "$_e" ]; then
		ok "$_d"
	else
		fail "$_d" "expected status $_e, got '$_s'
$VGPU_OUT"
	fi
}
