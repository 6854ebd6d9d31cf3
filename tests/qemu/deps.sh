#!/bin/bash
# Install everything the test bed needs from Debian's registry (idempotent),
# into the cache outside the clone ($VUKP_CACHE, tests/qemu/kernels.sh):
#   - host packages (QEMU, busybox, compilers, Debian 12's 6.1 and 6.12
#     headers, linux-source-6.1, dkms, ...) with the machine's own apt;
#   - the Debian 12 kernel images, downloaded and unpacked into
#     $VUKP_CACHE/kernels/<version>/vmlinuz, never installed into /boot;
#   - a Debian 13 (trixie) chroot made with debootstrap at $VUKP_CACHE/trixie,
#     with trixie-backports in ITS OWN sources.list (the machine's apt
#     sources are never touched), holding the pinned 7.x kernel image and
#     headers ($VUKP_K7) and linux-source-<line> for the debug kernel;
#   - a Debian 11 (bullseye) chroot at $VUKP_CACHE/bullseye, the same way,
#     with bullseye-security in its own sources.list, holding Debian 11's
#     newest 5.10 kernel image and headers and bullseye's gcc and glibc;
#   - with --package-roots (tests/packaging/packages.sh asks for it): two
#     pristine roots with dkms and the headers of the kernels the guests
#     boot, for installing the .debs for real (the test works on throwaway
#     copies, never on them): Debian 12 (bookworm) at $VUKP_CACHE/bookworm
#     with the 6.1 and 6.12 headers, Debian 11 (bullseye, dkms 2.8.4) at
#     $VUKP_CACHE/bullseye-pkg with the 5.10 headers.
# A stamp per part records what it was made from; a second run does nothing.
# VUKP_FORCE_DEPS=1 re-runs every part.
#   --kernel RELEASE...  also installs these Debian 13 or Debian 11 kernels
#   (image and headers) into their chroot, to boot by their release
#   (tests/qemu/kernels.sh, "RELEASE"); make check-extended does.
set -euo pipefail
PKG_ROOTS=''
RELEASES=()
case ${1:-} in
--package-roots) PKG_ROOTS=1 ;;
--kernel) shift && RELEASES=("$@") ;;
'') ;;
*)
	echo "usage: tests/qemu/deps.sh [--package-roots | --kernel RELEASE...]" >&2
	exit 2
	;;
esac

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/qemu/kernels.sh
. "$here/kernels.sh"
mkdir -p "$VUKP_CACHE"
MIRROR=${VUKP_DEBIAN_MIRROR:-http://deb.debian.org/debian}

need_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "deps: installing packages needs root (run with sudo)" >&2
		exit 1
	fi
}
fresh() { # STAMP VALUE -> 0 if the stamp says VALUE
	[ -z "${VUKP_FORCE_DEPS:-}" ] && [ "$(cat "$1" 2>/dev/null)" = "$2" ]
}
pick() { # newest package name matching an extended regexp
	apt-cache search --names-only "$1" | awk '{print $1}' | sort -V | tail -1
}
export DEBIAN_FRONTEND=noninteractive

# 1. Host packages and the Debian 12 kernels. The stamp holds this part's
# package list, so a changed list reinstalls.
host_pkgs="build-essential qemu-system-x86 busybox-static cpio kmod xz-utils
	flex bison libelf-dev libssl-dev bc dwarves rsync debootstrap util-linux
	python3 python3-cryptography openssl linux-source-6.1
	clang llvm libclang-rt-14-dev dkms shellcheck
	debhelper dh-dkms lintian rpm"
sum=$(echo "$host_pkgs" | sha256sum | cut -d' ' -f1)
if ! fresh "$VUKP_CACHE/deps.stamp" "$sum" || ! vukp_kernel 6.1 || [ ! -f "$K_IMAGE" ] ||
	! vukp_kernel 6.12 || [ ! -f "$K_IMAGE" ]; then
	need_root
	apt-get update -qq
	K61=$(pick '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$')
	K612=$(pick '^linux-image-6\.12\.[0-9]+\+deb[0-9]+-amd64-unsigned$')
	if [ -z "$K61" ] || [ -z "$K612" ]; then
		echo "deps: no Debian 6.1/6.12 kernel image found" >&2
		exit 1
	fi
	H61=${K61/image/headers}; H61=${H61%-unsigned}
	H612=${K612/image/headers}; H612=${H612%-unsigned}
	# shellcheck disable=SC2086 # a word list
	apt-get install -y -qq --no-install-recommends $host_pkgs "$H61" "$H612" >/dev/null
	for k in "$K61" "$K612"; do
		ver=${k#linux-image-}; ver=${ver%-unsigned}
		dst=$VUKP_CACHE/kernels/$ver
		[ -f "$dst/vmlinuz" ] && continue
		tmp=$(mktemp -d)
		chmod 755 "$tmp" # apt's _apt user downloads into it
		(cd "$tmp" && apt-get download -qq "$k")
		dpkg-deb -x "$tmp"/*.deb "$tmp/x"
		mkdir -p "$dst"
		cp "$tmp/x/boot/vmlinuz-$ver" "$dst/vmlinuz.tmp"
		mv "$dst/vmlinuz.tmp" "$dst/vmlinuz"
		rm -rf "$tmp"
	done
	echo "$sum" >"$VUKP_CACHE/deps.stamp"
fi

# make_root SUITE LOG: a minimal Debian SUITE at $root, made by debootstrap
# (log in $VUKP_CACHE/LOG) unless it is there already.  The callers install
# their packages with the root's own apt: debootstrap's --include does not
# resolve virtual packages (trixie's python3-cryptography depends on the
# python3-cffi-backend-api-* that python3-cffi-backend provides, and
# debootstrap then fails to configure it).
make_root() {
	[ ! -x "$root/usr/bin/apt-get" ] || return 0
	command -v debootstrap >/dev/null || apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
	echo "deps: debootstrap $1 into $root (about 2-3 min)" >&2
	rm -rf "$root.tmp"
	debootstrap --variant=minbase "$1" "$root.tmp" "$MIRROR" >"$VUKP_CACHE/$2" 2>&1 ||
		{ tail -20 "$VUKP_CACHE/$2" >&2; exit 1; }
	mv "$root.tmp" "$root"
}

# 2. The Debian 13 chroot and the pinned 7.x kernel in it.
root=$VUKP_ROOT13
chroot_pkgs="gcc make libc6-dev bc bison flex libelf-dev libssl-dev kmod xz-utils python3 python3-cryptography"
want13="$chroot_pkgs | $VUKP_K7 | linux-source-$VUKP_K7_LINE"
if ! fresh "$root.stamp" "$want13" || [ ! -f "$root/boot/vmlinuz-$VUKP_K7" ] ||
	[ ! -f "$root/usr/src/linux-headers-$VUKP_K7/Makefile" ]; then
	need_root
	make_root trixie debootstrap.log
	# The chroot's own apt sources: trixie plus trixie-backports.
	printf 'deb %s trixie main\ndeb %s trixie-backports main\n' "$MIRROR" "$MIRROR" \
		>"$root/etc/apt/sources.list"
	in_root apt-get update -qq
	pkgs="linux-image-$VUKP_K7 linux-headers-$VUKP_K7 linux-source-$VUKP_K7_LINE"
	# The pinned kernel gone from the archive (and not cached): say so and
	# name the newest one, for a commit that bumps the pin.
	if ! in_root apt-cache show "linux-image-$VUKP_K7" >/dev/null 2>&1; then
		newest=$(in_root apt-cache search --names-only '^linux-image-7\.[0-9.]+\+deb13-amd64$' |
			awk '{print $1}' | sort -V | tail -n 1)
		echo "deps: linux-image-$VUKP_K7 is not in Debian's archive any more;" \
			"the newest is ${newest:-none}: bump VUKP_K7 in tests/qemu/kernels.sh (or set VUKP_K7)" >&2
		exit 1
	fi
	# shellcheck disable=SC2086 # word lists
	in_root apt-get install -y -qq --no-install-recommends $chroot_pkgs >/dev/null
	# shellcheck disable=SC2086
	in_root apt-get install -y -qq --no-install-recommends -t trixie-backports $pkgs >/dev/null
	in_root apt-get clean
	echo "$want13" >"$root.stamp"
fi

# 3. The Debian 11 chroot and its newest 5.10 kernel (bullseye-security
# carries the LTS updates). Debian 11's gcc builds its modules; its glibc
# (2.31) is the oldest the userspace shim is built against.
root=$VUKP_ROOT11
chroot_pkgs11="gcc make libc6-dev bc bison flex libelf-dev libssl-dev kmod xz-utils"
SECURITY=${VUKP_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
want11="$chroot_pkgs11 | 5.10"
if ! fresh "$root.stamp" "$want11" || ! vukp_kernel 5.10 || [ ! -f "$K_IMAGE" ] ||
	[ ! -f "$root$K_KBUILD/Makefile" ]; then
	need_root
	make_root bullseye debootstrap11.log
	printf 'deb %s bullseye main\ndeb %s bullseye-updates main\ndeb %s bullseye-security main\n' \
		"$MIRROR" "$MIRROR" "$SECURITY" >"$root/etc/apt/sources.list"
	in_root apt-get update -qq
	k510=$(in_root apt-cache search --names-only '^linux-image-5\.10\.0-[0-9]+-amd64$' |
		awk '{print $1}' | sort -V | tail -n 1)
	if [ -z "$k510" ]; then
		echo "deps: no Debian 11 5.10 kernel image found" >&2
		exit 1
	fi
	# shellcheck disable=SC2086 # a word list
	in_root apt-get install -y -qq --no-install-recommends $chroot_pkgs11 \
		"$k510" "${k510/image/headers}" >/dev/null
	in_root apt-get clean
	echo "$want11" >"$root.stamp"
fi

# 4. (--package-roots) The pristine roots for the package test: dkms and
# what it builds with, and the headers of the kernels the guests boot,
# nothing of ours: Debian 12 (bookworm) with the 6.1 and 6.12 headers above,
# Debian 11 (bullseye, dkms 2.8.4) with the 5.10 headers of the Debian 11
# chroot's kernel (both from <suite>-security). The test works on throwaway
# copies, never on them.
# pkg_root SUITE DIR LOG HEADERS...: the root $VUKP_CACHE/DIR
pkg_root() {
	local suite=$1 log=$3 want h missing=''
	root=$VUKP_CACHE/$2
	shift 3
	want="$pkg_chroot_pkgs | $*"
	for h in "$@"; do [ -f "$root/usr/src/$h/Makefile" ] || missing=1; done
	! fresh "$root.stamp" "$want" || [ -n "$missing" ] || return 0
	need_root
	make_root "$suite" "$log"
	printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s %s-security main\n' \
		"$MIRROR" "$suite" "$MIRROR" "$suite" "$SECURITY" "$suite" >"$root/etc/apt/sources.list"
	in_root apt-get update -qq
	# shellcheck disable=SC2086 # a word list
	in_root apt-get install -y -qq --no-install-recommends $pkg_chroot_pkgs "$@" >/dev/null
	in_root apt-get clean
	echo "$want" >"$root.stamp"
}
if [ -n "$PKG_ROOTS" ]; then
	pkg_chroot_pkgs="dkms gcc make libc6-dev kmod xz-utils"
	vukp_kernel 6.1; h61=linux-headers-$K_VER
	vukp_kernel 6.12; h612=linux-headers-$K_VER
	pkg_root bookworm bookworm debootstrap12.log "$h61" "$h612"
	vukp_kernel 5.10; h510=linux-headers-$K_VER
	pkg_root bullseye bullseye-pkg debootstrap11-pkg.log "$h510"
fi

# 5. Kernels asked for by their release (--kernel RELEASE...), into the
# chroot of their Debian release; nothing when already there.
for r in "${RELEASES[@]}"; do
	if ! vukp_kernel "$r" || [ -z "$K_ROOT" ]; then
		echo "deps: $r is not a Debian 13 or Debian 11 kernel release (e.g. 7.2.12+deb13-rt-amd64)" >&2
		exit 1
	fi
	[ -f "$K_IMAGE" ] && [ -f "$K_ROOT$K_KBUILD/Makefile" ] && continue
	need_root
	root=$K_ROOT
	in_root apt-get update -qq
	if ! in_root apt-get install -y -qq --no-install-recommends "linux-image-$r" "linux-headers-$r" >/dev/null; then
		echo "deps: linux-image-$r or its headers not in Debian's archive" >&2
		exit 1
	fi
	in_root apt-get clean
done
