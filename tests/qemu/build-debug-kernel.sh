#!/bin/bash
# Build a debug kernel (KASAN, lockdep, PROVE_RCU, atomic-sleep, kmemleak,
# fault injection; no ftrace, so every kprobe is an int3 one and its handler
# runs in NMI context) from Debian's linux-source: tinyconfig +
# tests/qemu/debug.config, in a fresh tree in the cache
# ($VUKP_CACHE/debug-<line>/linux, tests/qemu/kernels.sh).
#
# Usage: tests/qemu/build-debug-kernel.sh [debug|debug-6.1]
#   debug      from linux-source of the pinned 7.x line (default; in the Debian 13 chroot)
#   debug-6.1  from linux-source-6.1 (make check-extended)
# Skipped when the bzImage exists and was built from the same source tarball,
# fragment and recipe (the stamp). Prints the bzImage path on success.
# Built on the host with its gcc (Debian 12's gcc 12 builds 7.x), so modules
# for it are built on the host too.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/qemu/kernels.sh
. "$here/kernels.sh"
name=${1:-debug}
if ! vukp_kernel "$name" || [ -z "$K_DEBUG" ]; then
	echo "debug-kernel: unknown debug kernel '$name'" >&2
	exit 2
fi
src_tar=${VUKP_KERNEL_SOURCE:-$(vukp_debug_source "$name")}
frag=$here/debug.config
tree=$K_KBUILD
out=$(dirname "$tree")
bzimage=$K_IMAGE
stamp=$out/config.sha256
jobs=${VUKP_JOBS:-$(nproc)}
kmake() { make -C "$tree" ARCH=x86_64 -j"$jobs" "$@"; }

recipe=2 # bump when the steps below change, to force a rebuild
[ -f "$src_tar" ] || { echo "debug-kernel: $src_tar missing (run tests/qemu/deps.sh)" >&2; exit 1; }
hash=$({ cat "$frag"; echo "recipe $recipe"; stat -c '%n %s %Y' "$src_tar"; } | sha256sum | cut -d' ' -f1)
mkdir -p "$out"
# Not while a run of this kernel uses the tree (tests/qemu/run.sh takes the same lock).
exec 8>"$out/.lock-run"
# A cold build under the load of make check's other lane takes up to ~30 min: wait longer.
flock -w "${VUKP_DEBUG_LOCK_WAIT:-3600}" 8 || { echo "debug-kernel: locked by a $name run or build" >&2; exit 1; }
if [ -f "$bzimage" ] && [ -f "$tree/Module.symvers" ] &&
	[ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then
	echo "$bzimage"
	exit 0
fi

start=$SECONDS
rm -rf "$tree" "$stamp"
mkdir -p "$tree"
echo "debug-kernel: unpacking $src_tar" >&2
tar -xf "$src_tar" -C "$tree" --strip-components=1

kmake tinyconfig >/dev/null 2>&1
(cd "$tree" && ARCH=x86_64 scripts/kconfig/merge_config.sh -m .config "$frag" >/dev/null 2>&1)
kmake olddefconfig >/dev/null 2>&1

# Every wanted option must have survived kconfig's dependency resolution;
# one this kernel's Kconfig does not define at all is only noted.
known() { grep -rqE "^[[:space:]]*(menu)?config $1\$" --include='Kconfig*' "$tree"; }
# "# optional ...: CONFIG_X" in the fragment: X may be refused by this
# kernel's Kconfig dependencies (noted, not an error)
optional=$(sed -n 's/^# optional[^:]*: *\(CONFIG_[A-Z0-9_]*\)$/\1/p' "$frag")
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qxF -- "$line" "$tree/.config" && continue
		opt=${line%%=*}
		if ! known "${opt#CONFIG_}"; then
			echo "debug-kernel: note: $opt does not exist in this kernel" >&2
			continue
		fi
		if grep -qxF -- "$opt" <<<"$optional"; then
			echo "debug-kernel: note: $opt (optional) not possible in this kernel" >&2
			continue
		fi
		echo "debug-kernel: wanted '$line', got '$(grep -E "^(# )?${opt}[= ]" "$tree/.config" || echo unset)'" >&2
		bad=1 ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		! grep -q "^$opt=" "$tree/.config" || { echo "debug-kernel: $opt should be off" >&2; bad=1; } ;;
	esac
done <"$frag"
[ "$bad" = 0 ] || exit 1

echo "debug-kernel: building $name bzImage with -j$jobs (3-10 min)" >&2
kmake bzImage modules_prepare >"$out/build.log" 2>&1 ||
	{ tail -40 "$out/build.log" >&2; echo "debug-kernel: build failed, see $out/build.log" >&2; exit 1; }
# modules_prepare does not write Module.symvers; a (tiny) modules pass does.
kmake modules >>"$out/build.log" 2>&1 ||
	{ tail -40 "$out/build.log" >&2; exit 1; }

# The mock's crypto (crypto API hmac(sha256), aes) and the module's probes
# must be built in and exported.
for sym in crypto_alloc_shash crypto_shash_tfm_digest crypto_cipher_encrypt_one register_kprobe register_kretprobe; do
	grep -qw "$sym" "$tree/Module.symvers" ||
		{ echo "debug-kernel: $sym not exported by vmlinux" >&2; exit 1; }
done
echo "$hash" >"$stamp"
echo "debug-kernel: $name built in $((SECONDS - start)) s" >&2
echo "$bzimage"
