#!/bin/bash
# make demo: the whole unlock against three mock GPUs in QEMU, readably.
# Installs what it needs (Debian/Ubuntu packages, as root), builds the mock
# driver, the module, the shim and the mock daemons for the Debian 6.12
# kernel, boots it under QEMU and prints the story.
set -euo pipefail
case ${1:-} in
-h | --help)
	echo "usage: scripts/demo.sh (make demo)  [DEMO_KERNEL=6.1|6.12]"
	echo "Shows the whole unlock against three mock GPUs in QEMU: the daemon and the"
	echo "kernel refuse the consumer GPUs, then vgpu_unlock_kp and the shim unlock them."
	exit 0 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
kernel=${DEMO_KERNEL:-6.12}

spin() { # MESSAGE CMD...: run CMD with a progress indicator, log on failure
	local msg=$1 log
	shift
	log=$(mktemp)
	"$@" >"$log" 2>&1 &
	local pid=$! i=0 t0=$SECONDS step='' now
	local marks='|/-'\\
	[ -t 1 ] || echo "- $msg ..."
	while kill -0 "$pid" 2>/dev/null; do
		# the step under way (run.sh: "=== STEP: command" in its build log,
		# then "booting"): a line of its own, so a pipe shows it too
		now=$(current_step)
		if [ -n "$now" ] && [ "$now" != "$step" ]; then
			step=$now
			printf '\r  step: %s (%ds)%*s\n' "$step" $((SECONDS - t0)) 20 ''
		fi
		if [ -t 1 ]; then
			printf '\r%s %s (%ds)' "${marks:i++%4:1}" "$msg" $((SECONDS - t0))
		fi
		sleep 1
	done
	if wait "$pid"; then
		printf '\r* %s: done in %ds\n' "$msg" $((SECONDS - t0))
		rm -f "$log"
	else
		printf '\r! %s: failed; last lines of the log:\n' "$msg"
		tail -n 30 "$log"
		rm -f "$log"
		exit 1
	fi
}
STEP_LOG=
current_step() {
	[ -n "$STEP_LOG" ] && [ -f "$STEP_LOG" ] || return 0
	if [ -f "$top/build/$kernel/console.log" ] && [ "$top/build/$kernel/console.log" -nt "$STEP_LOG" ]; then
		echo "guest boot and the demo script (QEMU, Linux $kernel)"
	else
		sed -n 's/^=== \([^:]*\):.*/\1/p' "$STEP_LOG" | tail -n 1
	fi
}

spin "installing packages (QEMU, kernels, toolchain)" "$top/tests/qemu/deps.sh"
STEP_LOG=$top/build/$kernel/build.log
rm -f "$STEP_LOG"
spin "building and booting Linux $kernel under QEMU with three mock GPUs" \
	"$top/tests/qemu/run.sh" "$kernel" --tests '95-demo'
echo
# The guest's story, without the kernel's own log lines.
# (The guest nests the script's KTAP document four spaces deep.)
sed -n '/^# suite: 95-demo/,/^    # 95-demo.sh:/p' "$top/build/$kernel/console.log" |
	grep -av -e '^\[ *[0-9][0-9.]*\]' -e '^# suite' -e '^    KTAP version' -e '^    1\.\.[0-9]' |
	sed 's/^    //' | tr -d '\r'
