#!/bin/bash
# Opt-in (make check-extended; never make check): vgpu_unlock_kp.ko built,
# not booted, against more of Debian's kernels than make check boots: the
# newest of every kernel line Debian 13 (with trixie-backports) and Debian 11
# carry, each in its generic, rt (PREEMPT_RT: spinlock_t sleeps there, the
# probe handlers must take raw locks only) and cloud flavour. Each build must
# succeed with no compiler warning, and modinfo must show the vermagic of that
# kernel. Headers are installed into the Debian 13 and Debian 11 chroots of
# make check (their own apt sources, never the machine's), and each build runs
# in its chroot with that Debian's gcc; docs/compatibility.md lists the
# results.
#   tests/host/kernel-builds.sh [RELEASE...]   (default: the list above; a
#   release with "+deb13" builds in the Debian 13 chroot, others in Debian 11's)
# KTAP; ends with "N passed, M failed"; exit 0 iff M is 0 (4: no chroot).
set -uo pipefail
export LC_ALL=C
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/qemu/kernels.sh
. "$top/tests/qemu/kernels.sh"
out=$top/build/host/kernel-builds
N=0 PASS=0 FAIL=0

echo "KTAP version 1"
for root in "$VUKP_ROOT13" "$VUKP_ROOT11"; do
	[ -x "$root/usr/bin/apt-get" ] && continue
	echo "1..0 # SKIP no chroot at $root (tests/qemu/deps.sh makes it)"
	echo "0 passed, 0 failed"
	exit 4
done
root_of() { case $1 in *+deb13-*) echo "$VUKP_ROOT13" ;; *) echo "$VUKP_ROOT11" ;; esac; }
result() { # 0|1 DESC [DETAIL]
	N=$((N + 1))
	if [ "$1" = 0 ]; then
		PASS=$((PASS + 1))
		echo "ok $N $2"
	else
		FAIL=$((FAIL + 1))
		echo "not ok $N $2"
		[ -n "${3:-}" ] && printf '%s\n' "$3" | tail -n 20 | sed 's/^/# /'
	fi
}

releases=("$@")
# newest PATTERN: adds to releases the newest release of each kernel line
# (7.2) and flavour (amd64, rt-amd64, cloud-amd64) whose headers package
# matches ^linux-headers-PATTERN$ in the chroot $root.
newest() {
	in_root apt-get update -qq >/dev/null 2>&1
	mapfile -t -O "${#releases[@]}" releases < <(
		in_root apt-cache search --names-only "^linux-headers-$1\$" | awk '{print $1}' |
			sed 's/^linux-headers-//' | sort -V | awk '{
				split($0, v, /[.-]/); fl = "amd64"
				if ($0 ~ /-rt-amd64$/) fl = "rt"; else if ($0 ~ /-cloud-amd64$/) fl = "cloud"
				k = v[1] "." v[2] " " fl
				if (!(k in last)) order[++n] = k
				last[k] = $0
			} END { for (i = 1; i <= n; i++) print last[order[i]] }')
}
if [ "${#releases[@]}" = 0 ]; then
	root=$VUKP_ROOT13 newest '[0-9][0-9.]*\+deb13-(rt-|cloud-)?amd64'
	root=$VUKP_ROOT11 newest '5\.10\.0-[0-9]+-(rt-|cloud-)?amd64'
fi
echo "1..${#releases[@]}"
mkdir -p "$out"
for r in "${releases[@]}"; do
	root=$(root_of "$r")
	log=$out/$r.log
	if [ ! -f "$root/usr/src/linux-headers-$r/Makefile" ] &&
		! in_root apt-get install -y -qq --no-install-recommends "linux-headers-$r" >"$log" 2>&1; then
		result 1 "$r: headers install" "$(cat "$log")"
		continue
	fi
	src=$out/$r/src
	rm -rf "${out:?}/$r" && mkdir -p "$src"
	cp -r "$top/Kbuild" "$top/VERSION" "$top/module" "$top/include" "$top/data" "$src/"
	if ! vukp_in_root "$root" make -C "/usr/src/linux-headers-$r" M="$src" modules >"$log" 2>&1; then
		result 1 "$r: vgpu_unlock_kp.ko builds" "$(cat "$log")"
		continue
	fi
	if grep -q 'warning:' "$log"; then
		result 1 "$r: vgpu_unlock_kp.ko builds without a warning" "$(grep -A3 'warning:' "$log")"
		continue
	fi
	vm=$(/sbin/modinfo -F vermagic "$src/vgpu_unlock_kp.ko" 2>/dev/null)
	case "$vm" in
	"$r "*) result 0 "$r: vgpu_unlock_kp.ko builds cleanly (vermagic $vm)" ;;
	*) result 1 "$r: vermagic of the built module" "$vm" ;;
	esac
done
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
