#!/bin/sh
# The harness itself: GPUs on the PCI bus, payload, loader, kprobes, debug kernel.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

# ivshmem-plain "GPUs": GPU i at 0000:00:0<4+i>.0 with a 16 MiB BAR 2.
if [ "${VUKP_GPUS:-0}" = 0 ]; then
	skip "ivshmem GPUs on the PCI bus" "no GPU images attached"
else
	i=0
	while [ "$i" -lt "$VUKP_GPUS" ]; do
		d=/sys/bus/pci/devices/0000:00:0$((4 + i)).0
		if [ ! -d "$d" ]; then
			fail "GPU $i: ivshmem at ${d##*/}" "$(ls /sys/bus/pci/devices)"
		else
			expect_eq "GPU $i: ${d##*/} is 1af4:1110" "0x1af4:0x1110" "$(cat "$d/vendor"):$(cat "$d/device")"
			expect_eq "GPU $i: BAR 2 is 16 MiB" 16777216 "$(stat -c %s "$d/resource2" 2>&1)"
		fi
		i=$((i + 1))
	done
fi

# Modules in the payload were built for the running kernel.
kos=$(ls "$VUKP_KO"/*.ko 2>/dev/null)
if [ -z "$kos" ]; then
	skip "payload modules match uname -r" "no modules in $VUKP_KO"
else
	bad=
	for ko in $kos; do
		vm=$(tr '\0' '\n' <"$ko" | grep -a -m 1 '^vermagic=' | cut -d' ' -f1)
		vm=${vm#vermagic=}
		[ "$vm" = "$(uname -r)" ] || bad="$bad ${ko##*/}:$vm"
	done
	expect_eq "payload modules match uname -r ($(uname -r))" "" "${bad# }"
fi

# The dynamic loader and libc copied from the host run the test programs
# (the ELF ones: /vukp/bin also holds scripts, e.g. vgpu-unlock-report).
elf=$(printf '\177ELF')
bins=
for f in "$VUKP_BIN"/* "$VUKP_LIB"/*.so; do
	[ -f "$f" ] && [ "$(head -c 4 "$f")" = "$elf" ] && bins="$bins $f"
done
if [ -z "$bins" ] || [ ! -x /lib64/ld-linux-x86-64.so.2 ]; then
	skip "dynamic loader resolves the payload" "no dynamically linked payload"
else
	for f in $bins; do
		check "loader resolves ${f##*/}" /lib64/ld-linux-x86-64.so.2 --list "$f"
	done
fi

check "kprobes available" grep -qw register_kprobe /proc/kallsyms
check "kretprobes available" grep -qw register_kretprobe /proc/kallsyms
check "debugfs mounted" grep -q ' /sys/kernel/debug debugfs ' /proc/mounts
check "tmpfs /tmp writable" sh -c 'echo x >/tmp/.w && rm /tmp/.w'

if [ "$VUKP_KERNEL" = debug ]; then
	cfg=$(zcat /proc/config.gz)
	for opt in KASAN PROVE_LOCKING PROVE_RCU DEBUG_ATOMIC_SLEEP DEBUG_KMEMLEAK KPROBES KRETPROBES; do
		expect_eq "debug kernel: CONFIG_$opt" "CONFIG_$opt=y" "$(echo "$cfg" | grep "^CONFIG_$opt=")"
	done
	check "debug kernel: kmemleak interface" test -w /sys/kernel/debug/kmemleak
fi
finish
