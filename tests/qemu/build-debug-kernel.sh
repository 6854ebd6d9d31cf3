#!/bin/bash
# Build the debug kernel (KASAN, lockdep, PROVE_RCU, atomic-sleep, kmemleak)
# from Debian's linux-source-6.1: tinyconfig + tests/qemu/debug.config, in a
# fresh tree at build/debug-6.1/linux. Skipped when the bzImage exists and was
# built from the current fragment. Prints the bzImage path on success.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
src_tar=${VUKP_KERNEL_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
frag=$here/debug.config
out=$repo/build/debug-6.1
tree=$out/linux
bzimage=$tree/arch/x86/boot/bzImage
stamp=$out/config.sha256
jobs=${VUKP_JOBS:-$(nproc)}
kmake() { make -C "$tree" ARCH=x86_64 -j"$jobs" "$@"; }

recipe=1 # bump when the steps below change, to force a rebuild
hash=$({ cat "$frag"; echo "recipe $recipe"; } | sha256sum | cut -d' ' -f1)
mkdir -p "$out"
# Not while a debug run uses the tree (tests/qemu/run.sh takes the same lock).
exec 8>"$repo/build/.lock-run-debug"
flock -w "${VUKP_LOCK_WAIT:-1800}" 8 || { echo "debug-kernel: locked by a debug run" >&2; exit 1; }
if [ -f "$bzimage" ] && [ -f "$tree/Module.symvers" ] &&
	[ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then
	echo "$bzimage"
	exit 0
fi

[ -f "$src_tar" ] || { echo "debug-kernel: $src_tar missing (run tests/qemu/deps.sh)" >&2; exit 1; }
start=$SECONDS
rm -rf "$tree" "$stamp"
mkdir -p "$tree"
echo "debug-kernel: unpacking $src_tar" >&2
tar -xf "$src_tar" -C "$tree" --strip-components=1

kmake tinyconfig >/dev/null 2>&1
(cd "$tree" && ARCH=x86_64 scripts/kconfig/merge_config.sh -m .config "$frag" >/dev/null 2>&1)
kmake olddefconfig >/dev/null 2>&1

# Every wanted option must have survived kconfig's dependency resolution.
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qxF -- "$line" "$tree/.config" || {
			echo "debug-kernel: wanted '$line', got '$(grep -E "^(# )?${line%%=*}[= ]" "$tree/.config" || echo unset)'" >&2
			bad=1
		} ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		! grep -q "^$opt=" "$tree/.config" || { echo "debug-kernel: $opt should be off" >&2; bad=1; } ;;
	esac
done <"$frag"
[ "$bad" = 0 ] || exit 1

echo "debug-kernel: building bzImage with -j$jobs (about 2 min)" >&2
kmake bzImage modules_prepare >"$out/build.log" 2>&1 ||
	{ tail -40 "$out/build.log" >&2; echo "debug-kernel: build failed, see $out/build.log" >&2; exit 1; }
# modules_prepare does not write Module.symvers; a (tiny) modules pass does.
kmake modules >>"$out/build.log" 2>&1 ||
	{ tail -40 "$out/build.log" >&2; exit 1; }

# lib/crypto pieces the module links against must be built in and exported.
for sym in aes_expandkey aes_encrypt aes_decrypt sha256_update sha256_final register_kretprobe; do
	grep -qw "$sym" "$tree/Module.symvers" ||
		{ echo "debug-kernel: $sym not exported by vmlinux" >&2; exit 1; }
done
echo "$hash" >"$stamp"
echo "debug-kernel: built in $((SECONDS - start)) s" >&2
echo "$bzimage"
