#!/bin/bash
# Opt-in (make check-extended; never make check): the offline verdict on real
# NVIDIA drivers, the closest this project gets to them.  Debian's non-free
# nvidia-tesla-535-kernel-dkms (bookworm, R535) and nvidia-kernel-dkms (trixie,
# R550) are downloaded with a separate apt configuration (never the machine's
# sources) into $VUKP_CACHE/nvidia-debs, unpacked there, and
# vgpu-unlock-verdict runs on their nv-kernel.o_binary.  These are not vGPU-KVM
# drivers, but their RM carries the same vGPU tables: the tool must find both
# lists and a sacrificial entry (what the module needs to arm); the figures are
# printed.  Nothing of the packages leaves the cache.
# Prints "ok"/"not ok" lines; exit 1 if any failed, 4 if skipped (no network).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${VUKP_CACHE:-/var/cache/vgpu_unlock_kp}
A=$cache/nvidia-debs
out=$top/build/host/real-drivers
mkdir -p "$out" "$A"/etc/{sources.list.d,preferences.d,apt.conf.d,trusted.gpg.d} "$A"/state/lists/partial \
	"$A"/cache/archives/partial "$A"/debs "$A"/x
rc=0
say() { if [ "$1" = 0 ]; then echo "ok - $2"; else echo "not ok - $2"; rc=1; fi; }

cat >"$A/etc/sources.list.d/nvidia.sources" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm trixie
Components: non-free contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
: >"$A/etc/sources.list"
cat >"$A/apt.conf" <<CONF
Dir::Etc "$A/etc";
Dir::Etc::sourcelist "$A/etc/sources.list";
Dir::Etc::sourceparts "$A/etc/sources.list.d";
Dir::Etc::preferencesparts "$A/etc/preferences.d";
Dir::Etc::parts "$A/etc/apt.conf.d";
Dir::State "$A/state";
Dir::Cache "$A/cache";
APT::Architecture "amd64";
Acquire::Languages "none";
CONF
export APT_CONFIG=$A/apt.conf
pkgs="nvidia-tesla-535-kernel-dkms/bookworm nvidia-kernel-dkms/trixie"
if ! ls "$A"/debs/nvidia-tesla-535-kernel-dkms_*.deb "$A"/debs/nvidia-kernel-dkms_*.deb >/dev/null 2>&1; then
	# shellcheck disable=SC2086 # two package names
	if ! (apt-get -q update && cd "$A/debs" && apt-get -q download $pkgs) >"$out/apt.log" 2>&1; then
		echo "ok - real NVIDIA drivers # SKIP cannot download them (see $out/apt.log)"
		exit 4
	fi
fi
make -s -C "$top/scripts/verdict" OUT="$out" >"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
for deb in "$A"/debs/nvidia-tesla-535-kernel-dkms_*.deb "$A"/debs/nvidia-kernel-dkms_*.deb; do
	n=$(basename "$deb" .deb)
	[ -d "$A/x/$n" ] || dpkg-deb -x "$deb" "$A/x/$n"
	blob=$(find "$A/x/$n" -name nv-kernel.o_binary | head -n 1)
	if [ -z "$blob" ]; then say 1 "[$n] has nv-kernel.o_binary"; continue; fi
	t0=$(date +%s%N)
	"$out/vgpu-unlock-verdict" --json "$blob" 1b06 >"$out/$n.json"
	vrc=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	j=$(cat "$out/$n.json")
	get() { printf '%s\n' "$j" | sed -n "s/^{.*\"$1\":\(\"\([^\"]*\)\"\|\([^,}]*\)\).*\"gpus\".*/\2\3/p"; }
	echo "# [$n] version $(get version): $(get other_boards) other boards, $(get vgpu_entries) vGPU-capable entries, $(get sacrificial) sacrificial ($(get sacrificial_dualcoder)+$(get sacrificial_patcher)), $(get decoys) decoys; searched $(get searched_kib) KiB in $ms ms"
	[ $vrc = 0 ] && [ "$(get arms)" = true ] && [ "$(get other_boards)" -gt 0 ] && [ "$(get sacrificial)" -gt 0 ]
	say $? "[$n] the module would arm: both lists and a sacrificial entry found"
done
exit $rc
