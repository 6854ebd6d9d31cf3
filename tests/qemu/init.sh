#!/bin/sh
# PID 1 of the test guest (busybox ash). Sets the system up, runs the KTAP
# scripts in /vukp/tests, cleans up after each one, prints one verdict line
# and hands the same verdict to QEMU through isa-debug-exit (port 0xf4).
#
# Kernel command line:
#   vukp.tests=GLOB[,GLOB...]  run only matching scripts (name with or without .sh)
#
# Test scripts are /vukp/tests/NN-name.sh (run by default, in sorted order) and
# demo*.sh (run only when vukp.tests names them). Any other *.sh there is a
# helper library for the scripts to source (lib.sh, mocklib.sh, ...).
#   vukp.timeout=SECONDS       per-script time limit (default 120)
#   vukp.kernel=NAME           exported to scripts as VUKP_KERNEL (6.1, 6.12, debug)
#   vukp.gpus=N                exported as VUKP_GPUS: ivshmem "GPUs" attached
#   vukp.kmemleak=1            after the last script, one kmemleak scan; leaks fail the run

export PATH=/sbin:/bin:/usr/sbin:/usr/bin:/vukp/bin
export HOME=/tmp TERM=dumb

EXIT_PASS=0
EXIT_FAIL=1
EXIT_SETUP=2

finish() { # VERDICT CODE
	echo "VUKP-VERDICT: $1"
	sync
	/sbin/vukp-exitcode "$2"
	# No isa-debug-exit device: with -no-reboot a reboot ends QEMU
	# (poweroff -f would only halt a kernel without ACPI).
	reboot -f
	sleep 5
	exit 1 # PID 1 exiting panics; panic=-1 reboots
}

setup_failed() {
	echo "# setup failed: $*"
	finish setup-failed "$EXIT_SETUP"
}

mkdir -p /proc /sys /dev /tmp || setup_failed "mkdir"
mount -t proc proc /proc || setup_failed "mount /proc"
mount -t sysfs sysfs /sys || setup_failed "mount /sys"
grep -q ' /dev devtmpfs ' /proc/mounts ||
	mount -t devtmpfs devtmpfs /dev || setup_failed "mount /dev"
mount -t tmpfs -o mode=1777 tmpfs /tmp || setup_failed "mount /tmp"
mkdir -p /dev/shm || setup_failed "mkdir /dev/shm"
mount -t tmpfs -o mode=1777 tmpfs /dev/shm || setup_failed "mount /dev/shm"
if grep -qw debugfs /proc/filesystems; then
	mount -t debugfs debugfs /sys/kernel/debug || setup_failed "mount debugfs"
fi
[ -d /vukp/tests ] || setup_failed "no /vukp/tests"
[ -x /sbin/vukp-exitcode ] || setup_failed "no /sbin/vukp-exitcode"

VUKP_TESTS='[0-9][0-9]-*'
VUKP_TIMEOUT=120
VUKP_KERNEL=unknown
VUKP_GPUS=0
VUKP_KMEMLEAK=0
set -f # the command line holds globs
read -r cmdline </proc/cmdline || setup_failed "read /proc/cmdline"
for arg in $cmdline; do
	case $arg in
	vukp.tests=*) VUKP_TESTS=${arg#*=} ;;
	vukp.timeout=*) VUKP_TIMEOUT=${arg#*=} ;;
	vukp.kernel=*) VUKP_KERNEL=${arg#*=} ;;
	vukp.gpus=*) VUKP_GPUS=${arg#*=} ;;
	vukp.kmemleak=*) VUKP_KMEMLEAK=${arg#*=} ;;
	esac
done
set +f
case $VUKP_TIMEOUT in '' | *[!0-9]*) setup_failed "bad vukp.timeout=$VUKP_TIMEOUT" ;; esac
export VUKP_KERNEL VUKP_GPUS VUKP_TIMEOUT

selected() { # NAME -> 0 if it matches one of the vukp.tests globs
	old_ifs=$IFS
	IFS=,
	set -f
	for glob in $VUKP_TESTS; do
		# shellcheck disable=SC2254 # the glob is meant to match
		case $1 in $glob | $glob.sh)
			IFS=$old_ifs
			set +f
			return 0 ;;
		esac
	done
	IFS=$old_ifs
	set +f
	return 1
}

kill_leftovers() { # PID-to-spare: kill every user process but us and it
	for d in /proc/[0-9]*; do
		p=${d#/proc/}
		case $p in 1 | "$1" | "$$") continue ;; esac
		readlink "$d/exe" >/dev/null 2>&1 || continue # kernel thread
		kill -9 "$p" 2>/dev/null
	done
}

ours() { awk '$1 == "vgpu_unlock_kp" || $1 ~ /^nvidia/ { print $1 }' /proc/modules; }

unload_ours() { # -> 0 if nothing was left loaded
	left=$(ours)
	[ -z "$left" ] && return 0
	echo "# leftover modules: $(echo "$left" | tr '\n' ' ')"
	for _ in 1 2 3; do
		rmmod vgpu_unlock_kp 2>/dev/null
		for m in $(ours); do rmmod "$m" 2>/dev/null; done
		[ -z "$(ours)" ] && break
		sleep 1
	done
	[ -z "$(ours)" ] || echo "# could not unload: $(ours | tr '\n' ' ')"
	return 1
}

# The kernel's own modules the harness found the tests need and this kernel
# builds as modules (Debian 11's AES cipher for the mock), in dependency order.
if [ -f /vukp/kmod/order ]; then
	while read -r m; do
		insmod "/vukp/kmod/$m" || setup_failed "insmod $m (the kernel's own module)"
	done </vukp/kmod/order
	echo "# kernel modules loaded: $(tr '\n' ' ' </vukp/kmod/order)"
fi

# Kernel messages from here on are shown per script, after it ran, so they do
# not tear KTAP lines apart. Panics and oopses still reach the console at once.
dmesg -c >/dev/null
dmesg -n 1

# The run is one KTAP document: each script's own document (lib.sh) is a
# subtest, indented by four spaces, followed by the script's result line.
failed=0
ran=0
plan=0
for t in /vukp/tests/*.sh; do
	name=${t##*/}
	name=${name%.sh}
	case $name in [0-9][0-9]-* | demo*) selected "$name" && plan=$((plan + 1)) ;; esac
done
kml=/sys/kernel/debug/kmemleak
[ "$VUKP_KMEMLEAK" = 1 ] && [ -w "$kml" ] && plan=$((plan + 1))
echo "KTAP version 1"
echo "1..$plan"
for t in /vukp/tests/*.sh; do
	[ -f "$t" ] || continue
	name=${t##*/}
	name=${name%.sh}
	case $name in [0-9][0-9]-* | demo*) ;; *) continue ;; esac
	selected "$name" || continue
	ran=$((ran + 1))
	echo "# suite: $name"
	log=/tmp/vukp-suite-$name.log
	fifo=/tmp/vukp-suite.fifo
	rm -f "$fifo"
	mkfifo "$fifo" || setup_failed "mkfifo"
	# one process (kill_leftovers spares it): the log, and the console indented
	awk -v f="$log" '{ print >f; print "    " $0; fflush() }' <"$fifo" &
	teepid=$!
	start=$(date +%s)
	(cd /tmp && exec timeout -k 5 "$VUKP_TIMEOUT" sh "$t") >"$fifo" 2>&1 </dev/null
	rc=$?
	took=$(($(date +%s) - start))
	kill_leftovers "$teepid" # background daemons would hold the fifo open
	wait "$teepid"
	echo "# suite $name: exit $rc after ${took}s"
	dmesg -c

	why=
	if [ "$took" -ge "$VUKP_TIMEOUT" ]; then
		why="timed out after ${VUKP_TIMEOUT}s"
	elif grep -q '^not ok' "$log"; then
		why="failed"
	elif [ "$rc" != 0 ] && [ "$rc" != 4 ]; then
		why="exited $rc"
	elif ! grep -qE '^(not )?ok' "$log"; then
		why="printed no results"
	fi
	if ! unload_ours; then
		why="${why:+$why; }left modules loaded"
	fi
	dmesg -c
	if [ -n "$why" ]; then
		echo "not ok $ran $name # $why"
		failed=1
	elif [ "$rc" = 4 ]; then
		echo "ok $ran $name # SKIP $(sed -n 's/^ok .* # SKIP //p' "$log" | head -n 1)"
	else
		echo "ok $ran $name"
	fi
done
if [ "$VUKP_KMEMLEAK" = 1 ] && [ -w "$kml" ]; then
	# Objects younger than 5 s are never reported: let the last script's age.
	sleep 5
	start=$(date +%s)
	echo scan >"$kml"
	leaks=$(cat "$kml")
	echo "# kmemleak scan took $(($(date +%s) - start))s"
	dmesg -c
	if [ -n "$leaks" ]; then
		echo "not ok $plan kmemleak: suspected leaks"
		echo "$leaks" | head -n 60 | sed 's/^/# /'
		failed=1
	else
		echo "ok $plan kmemleak: no suspected leaks"
	fi
fi
if [ "$ran" = 0 ]; then
	echo "not ok - no test matched vukp.tests=$VUKP_TESTS"
	failed=1
fi

if [ "$failed" = 0 ]; then
	finish pass "$EXIT_PASS"
else
	finish fail "$EXIT_FAIL"
fi
