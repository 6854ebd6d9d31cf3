# shellcheck shell=bash disable=SC2034 # the K_* and VUKP_* variables are for the sourcing scripts
# The QEMU harness's kernels, in one place: their names, the 7.x pin, where
# each one's image and module build tree live (the cache outside the clone),
# and which guest scripts `make check` runs on each. Sourced by deps.sh,
# run.sh, check.sh, build-debug-kernel.sh and scripts/bench.sh.
#
# Names (KERNELS= of make check, first argument of run.sh):
#   5.10     Debian 11's newest 5.10 (bullseye-security), the supported floor;
#            built in a Debian 11 chroot with its own gcc
#   6.1      Debian 12's newest 6.1 (bookworm)
#   6.12     Debian 12's 6.12 backport (bookworm-security)
#   7.x      Debian 13's backported 7.x kernel (trixie-backports), pinned below;
#            its modules are built in a Debian 13 chroot (its kbuild needs glibc 2.38+)
#   debug    the debug kernel (KASAN, lockdep, ...), built from linux-source of the 7.x line
#   debug-6.1  the same fragment on linux-source-6.1 (make check-extended)
#   RELEASE  any other kernel of Debian 13 (7.2.12+deb13-rt-amd64) or Debian 11
#            (5.10.0-46-cloud-amd64) by its release (uname -r), in that chroot;
#            `tests/qemu/deps.sh --kernel RELEASE` installs it (make check-extended
#            boots a few this way, with the essential subset)
# Environment:
#   VUKP_CACHE   the cache: kernel images, the Debian 11 and 13 chroots, debug kernel builds
#                (default /var/cache/vgpu_unlock_kp; outside the clone so a fresh
#                clone finds it warm)
#   VUKP_K7      the 7.x kernel's Debian version (default: the pin below)

: "${VUKP_CACHE:=/var/cache/vgpu_unlock_kp}"
# The pin: trixie-backports' newest 7.x at the time of the commit. Bump it by a
# commit (deps.sh installs it; the old one stays cached until removed).
: "${VUKP_K7:=7.3.4+deb13-amd64}"
VUKP_K7_LINE=${VUKP_K7%.*+*} # 7.3: names linux-source-7.3 for the debug kernel
VUKP_ROOT13=$VUKP_CACHE/trixie # the Debian 13 chroot (debootstrap)
VUKP_ROOT11=$VUKP_CACHE/bullseye # the Debian 11 chroot (debootstrap)

# make check: every script on the newest (7.x), the oldest (5.10) and the
# debug kernel; the essential subset on 6.1 and 6.12 (docs/testing.md, "Which
# tests on which kernel").  The non-debug kernels share one lane of check.sh,
# the debug kernel has the other (docs/testing.md, "Time").
VUKP_CHECK_KERNELS="7.x 5.10 6.1 6.12 debug"
VUKP_ESSENTIAL_TESTS='00-*,10-*,20-*,21-*,22-*,30-*'
# make check-extended: the whole suite on 6.1, 6.12 and debug-6.1, the
# essential subset on more of Debian's kernels by release (pinned like the 7.x
# one: the previous 7.x line and PREEMPT_RT).
VUKP_EXTENDED_KERNELS="6.1 6.12 debug-6.1 7.2.12+deb13-amd64 7.3.4+deb13-rt-amd64"
vukp_kernel_tests() { # NAME -> the --tests globs make check uses for it
	case " ${VUKP_WHOLE_SUITE:-} " in
	*" $1 "*) echo '*' && return ;;
	esac
	case $1 in
	6.1 | 6.12 | *+deb13-*amd64 | 5.10.0-*amd64) echo "$VUKP_ESSENTIAL_TESTS" ;;
	*) echo '*' ;;
	esac
}

# vukp_kernel NAME: sets K_IMAGE (bzImage/vmlinuz), K_KBUILD (the tree to build
# modules against, as a path inside K_ROOT), K_ROOT (a chroot to build in, or
# empty for the host), K_VER (uname -r), K_DEBUG (1 for a debug build).
# Returns 1 for an unknown name.
vukp_kernel() {
	K_ROOT='' K_DEBUG=''
	case $1 in
	5.10)
		local i
		i=$(find "$VUKP_ROOT11/boot" -maxdepth 1 -name 'vmlinuz-5.10.0-*-amd64' 2>/dev/null | sort -V | tail -n 1)
		K_VER=${i##*/vmlinuz-}
		K_ROOT=$VUKP_ROOT11
		K_IMAGE=$i
		K_KBUILD=/usr/src/linux-headers-$K_VER
		;;
	6.1 | 6.12)
		local pat='6.12.*-amd64' d
		[ "$1" = 6.1 ] && pat='6.1.0-*-amd64'
		d=$(find "$VUKP_CACHE/kernels" -maxdepth 1 -name "$pat" 2>/dev/null | sort -V | tail -n 1)
		K_VER=${d##*/}
		K_IMAGE=${d:+$d/vmlinuz}
		K_KBUILD=/usr/src/linux-headers-$K_VER
		;;
	7.x)
		K_VER=$VUKP_K7
		K_ROOT=$VUKP_ROOT13
		K_IMAGE=$K_ROOT/boot/vmlinuz-$K_VER
		K_KBUILD=/usr/src/linux-headers-$K_VER
		;;
	debug)
		K_DEBUG=1
		K_KBUILD=$VUKP_CACHE/debug-$VUKP_K7_LINE/linux
		K_IMAGE=$K_KBUILD/arch/x86/boot/bzImage
		K_VER=debug-$VUKP_K7_LINE
		;;
	debug-6.1)
		K_DEBUG=1
		K_KBUILD=$VUKP_CACHE/debug-6.1/linux
		K_IMAGE=$K_KBUILD/arch/x86/boot/bzImage
		K_VER=debug-6.1
		;;
	*+deb13-*amd64 | 5.10.0-*amd64)
		K_VER=$1
		K_ROOT=$VUKP_ROOT13
		[ "${1#5.10.0-}" != "$1" ] && K_ROOT=$VUKP_ROOT11
		K_IMAGE=$K_ROOT/boot/vmlinuz-$K_VER
		K_KBUILD=/usr/src/linux-headers-$K_VER
		;;
	*) return 1 ;;
	esac
}

# The linux-source tarball a debug kernel NAME is built from.
vukp_debug_source() {
	case $1 in
	debug-6.1) echo /usr/src/linux-source-6.1.tar.xz ;;
	*) echo "$VUKP_ROOT13/usr/src/linux-source-$VUKP_K7_LINE.tar.xz" ;;
	esac
}

# in_root CMD...: CMD in the chroot $root (the caller's), with a clean
# environment for apt and kernel packages (no prompt, no initramfs): for
# installing into the Debian chroots (deps.sh, tests/host/kernel-builds.sh).
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive INITRD=No "$@"; }

# vukp_in_root ROOT CMD...: run CMD on the host (ROOT empty) or in the chroot
# ROOT, with the clone bind-mounted at the same path (absolute paths such as
# an assembler .incbin resolve the same inside and out) and /proc mounted, in
# a private mount namespace: the mounts vanish with the command, nothing to
# clean up, and two runs never share them.
vukp_in_root() {
	local root=$1 top
	shift
	if [ -z "$root" ]; then
		"$@"
		return
	fi
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	mkdir -p "$root$top"
	# shellcheck disable=SC2016 # expanded by the inner sh
	unshare -m --propagation private sh -c '
		root=$1 top=$2; shift 2
		mount --bind "$top" "$root$top" && mount -t proc proc "$root/proc" &&
			exec chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"' \
		sh "$root" "$top" "$@"
}
