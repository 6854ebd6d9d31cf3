#!/bin/bash
# Build the test guest's initramfs (gzip'd newc cpio):
#   /init                      tests/qemu/init.sh
#   /bin/busybox + applets     the host's static busybox
#   /sbin/vukp-exitcode        static isa-debug-exit helper (tests/qemu/exitcode.c)
#   /lib64/ld-linux-x86-64.so.2, /lib/x86_64-linux-gnu/...   what ldd says the payload needs
#   /vukp/ko/*.ko{,.text}  /vukp/bin/*  /vukp/lib/*  /vukp/tests/*.sh   the payload
#   /vukp/data/*.csv           the repository's data/ (GPU id map, vGPU types)
#   /vukp/kmod/*.ko + order    the kernel's own modules /init loads first, in that order
# Usage: mkinitramfs.sh -o OUT.cpio.gz [--ko DIR] [--bin DIR] [--lib DIR] [--tests DIR] [--kmod DIR]
# Each payload option may be repeated; missing directories are skipped.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=
ko=() bin=() lib=() tests=() kmod=()
while [ $# -gt 0 ]; do
	case $1 in
	-o) out=$2 ;;
	--ko) ko+=("$2") ;;
	--bin) bin+=("$2") ;;
	--lib) lib+=("$2") ;;
	--tests) tests+=("$2") ;;
	--kmod) kmod+=("$2") ;;
	*) echo "usage: $0 -o OUT [--ko DIR] [--bin DIR] [--lib DIR] [--tests DIR] [--kmod DIR]" >&2; exit 2 ;;
	esac
	shift 2
done
[ -n "$out" ] || { echo "mkinitramfs: -o OUT is required" >&2; exit 2; }
case $out in /*) ;; *) out=$PWD/$out ;; esac

dynamic() { readelf -d "$1" 2>/dev/null | grep -q '(NEEDED)'; }

busybox=$(command -v busybox || true)
if [ -z "$busybox" ] || dynamic "$busybox"; then
	echo "mkinitramfs: need a static busybox (apt-get install busybox-static)" >&2
	exit 1
fi

# The exit helper runs before anything else works: build it static, once.
exitcode=$repo/build/host/vukp-exitcode
if [ ! -x "$exitcode" ] || [ "$here/exitcode.c" -nt "$exitcode" ]; then
	mkdir -p "$(dirname "$exitcode")"
	gcc -static -O2 -Wall -Wextra -o "$exitcode" "$here/exitcode.c"
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib64,proc,sys,dev,tmp,etc,root} \
	"$root"/vukp/{ko,bin,lib,tests,data,kmod}
cp "$busybox" "$root/bin/busybox"
"$busybox" --list-full | while read -r applet; do
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
install -m 0755 "$here/init.sh" "$root/init"
install -m 0755 "$exitcode" "$root/sbin/vukp-exitcode"
mknod -m 600 "$root/dev/console" c 5 1
mknod -m 666 "$root/dev/null" c 1 3
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"

copy_files() { # DEST-DIR PATTERN DIR...
	local dst=$1 pat=$2 d f
	shift 2
	for d in "$@"; do
		[ -d "$d" ] || continue
		for f in "$d"/$pat; do
			[ -f "$f" ] && cp -L "$f" "$dst/"
		done
	done
	return 0
}
copy_files "$root/vukp/ko" '*.ko' "${ko[@]}"
copy_files "$root/vukp/ko" '*.ko.text' "${ko[@]}"
copy_files "$root/vukp/bin" '*' "${bin[@]}"
copy_files "$root/vukp/lib" '*' "${lib[@]}"
copy_files "$root/vukp/tests" '*.sh' "${tests[@]}"
copy_files "$root/vukp/data" '*.csv' "$repo/data"
copy_files "$root/vukp/kmod" '*' "${kmod[@]}"
chmod -R a+rX "$root/vukp"

# Shared objects every dynamic ELF in the payload needs, at the paths the
# host's ldd resolves (the loader keeps /lib64/ld-linux-x86-64.so.2).
libpath=$(printf '%s:' "${lib[@]}")
for f in "$root"/vukp/bin/* "$root"/vukp/lib/*; do
	[ -f "$f" ] || continue
	dynamic "$f" || continue
	if ! deps=$(LD_LIBRARY_PATH=${libpath%:} ldd "$f" 2>&1); then
		echo "mkinitramfs: ldd failed on ${f#"$root"}: $deps" >&2
		exit 1
	fi
	if grep -q 'not found' <<<"$deps"; then
		echo "mkinitramfs: ${f#"$root"}: unresolved libraries:" >&2
		grep 'not found' <<<"$deps" >&2
		exit 1
	fi
	awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$deps"
done | sort -u | while read -r so; do
	[ -e "$root/vukp/lib/${so##*/}" ] && continue # a payload library
	mkdir -p "$root$(dirname "$so")"
	cp -L "$so" "$root$so"
done

mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet | gzip -1 >"$out.tmp")
mv "$out.tmp" "$out"
