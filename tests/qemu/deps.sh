#!/bin/bash
# Install everything the test bed needs from Debian's registry (idempotent).
# Kernels: the newest Debian 6.1 and 6.12 amd64 builds. Headers are installed
# with apt (they only land in /usr/src and /usr/lib); kernel images are
# downloaded and unpacked into the build cache, never installed into /boot.
set -euo pipefail

: "${VUKP_CACHE:=$(cd "$(dirname "$0")/../.." && pwd)/build/cache}"
STAMP=$VUKP_CACHE/deps.stamp
mkdir -p "$VUKP_CACHE"

need_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "deps: installing packages needs root (run with sudo)" >&2
		exit 1
	fi
}

pick() { # newest package name matching an extended regexp
	apt-cache search --names-only "$1" | awk '{print $1}' | sort -V | tail -1
}

# The stamp holds this script's checksum: a changed package list reinstalls.
sum=$(sha256sum "$0" | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" = "$sum" ] && [ -z "${VUKP_FORCE_DEPS:-}" ]; then
	exit 0
fi
need_root
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
K61=$(pick '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$')
K612=$(pick '^linux-image-6\.12\.[0-9]+\+deb[0-9]+-amd64-unsigned$')
if [ -z "$K61" ] || [ -z "$K612" ]; then
	echo "deps: no Debian 6.1/6.12 kernel image found" >&2
	exit 1
fi
H61=${K61/image/headers}; H61=${H61%-unsigned}
H612=${K612/image/headers}; H612=${H612%-unsigned}
apt-get install -y -qq --no-install-recommends \
	build-essential qemu-system-x86 busybox-static cpio kmod xz-utils \
	flex bison libelf-dev libssl-dev bc dwarves rsync \
	python3 python3-cryptography openssl \
	linux-source-6.1 "$H61" "$H612" \
	clang llvm libclang-rt-14-dev dkms shellcheck >/dev/null
for k in "$K61" "$K612"; do
	ver=${k#linux-image-}; ver=${ver%-unsigned}
	dst=$VUKP_CACHE/kernels/$ver
	[ -f "$dst/vmlinuz" ] && continue
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -qq "$k")
	dpkg-deb -x "$tmp"/*.deb "$tmp/x"
	mkdir -p "$dst"
	cp "$tmp/x/boot/vmlinuz-$ver" "$dst/vmlinuz"
	rm -rf "$tmp"
done
echo "$sum" >"$STAMP"
