#!/bin/bash
# Install vgpu_unlock_kp: the DKMS module for every installed kernel with
# headers, the LD_PRELOAD shim, the modprobe.d softdep, the systemd drop-ins
# for nvidia-vgpud and nvidia-vgpu-mgr, example configs in /etc/vgpu_unlock,
# the check/status tools, and a manifest for scripts/uninstall.sh.
# Idempotent; never overwrites a file it did not install.
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/install-lib.sh
. "$TOP/scripts/install-lib.sh"

usage() {
	cat <<EOF
usage: $0 [--no-dkms] [--kernel KVER]... [--help]

Installs vgpu_unlock_kp $(cat "$TOP/VERSION"). Run as root, or set DESTDIR to
stage the files for a package (then DKMS, systemctl and modprobe are not run).

  --no-dkms      copy the DKMS source tree but do not add/build/install it
  --kernel KVER  build for KVER only (repeatable; default: every kernel in
                 /lib/modules that has headers; DKMS AUTOINSTALL covers later ones)

Environment: DESTDIR, PREFIX (/usr/local), LIBDIR, SBINDIR, DATADIR,
SYSCONFDIR (/etc), SYSTEMD_UNITDIR, SHIM_SRC (the built shim,
default userspace-shim/libvgpu_unlock_shim.so: build it with make -C userspace-shim),
VERDICT_SRC (the offline verdict tool, default build/verdict/vgpu-unlock-verdict: built if absent).

Installs (paths with the defaults):
  $DKMS_SRCDIR/$VUKP_NAME-<version>/        DKMS source tree
  $SHIM_PATH
  $SBINDIR/vgpu-unlock-check, vgpu-unlock-status, vgpu-unlock-report, vgpu-unlock-verdict
  $DATADIR/gpu-id-map.csv, vgpu-types.csv, board-branches.csv,
      nvidia-symbols.csv, table-markers.csv, VERSION
  $SYSCONFDIR/modprobe.d/$VUKP_NAME.conf
  $SYSTEMD_UNITDIR/{nvidia-vgpud,nvidia-vgpu-mgr}.service.d/$VUKP_NAME.conf
  $SYSCONFDIR/vgpu_unlock/config.toml, profile_override.toml   (examples, all commented)
  $MANIFEST
An existing file that is not ours is left alone; ours goes next to it as <name>.example.
EOF
}

NO_DKMS=
KERNELS=
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) usage; exit 0 ;;
	--no-dkms) NO_DKMS=1 ;;
	--kernel) [ $# -ge 2 ] || die "--kernel needs a value"; KERNELS="$KERNELS $2"; shift ;;
	--kernel=*) KERNELS="$KERNELS ${1#--kernel=}" ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

VERSION=$(cat "$TOP/VERSION")
SHIM_SRC=${SHIM_SRC:-$TOP/userspace-shim/libvgpu_unlock_shim.so}
[ -f "$SHIM_SRC" ] || die "$SHIM_SRC not found: build it first (make -C userspace-shim)"
VERDICT_SRC=${VERDICT_SRC:-$TOP/build/verdict/vgpu-unlock-verdict}
[ -f "$VERDICT_SRC" ] || make -s -C "$TOP/scripts/verdict" OUT="$(dirname "$VERDICT_SRC")" ||
	die "$VERDICT_SRC not found and cannot be built (make -C scripts/verdict)"
if live && [ "$(id -u)" != 0 ]; then
	die "run as root (or set DESTDIR=<dir> to stage the files)"
fi
# before anything is copied: a live install without DKMS would stop half-way
if live && [ -z "$NO_DKMS" ] && ! command -v dkms >/dev/null 2>&1; then
	die "dkms not found: install the dkms package (or use --no-dkms), then run this again; nothing was installed"
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
OLD=$WORK/old.manifest
NEW=$WORK/new.manifest
: >"$OLD"
: >"$NEW"
[ -f "$DESTDIR$MANIFEST" ] && cp "$DESTDIR$MANIFEST" "$OLD"
CHANGED_TREE=

old_kind() { awk -v p="$1" '($1 == "file" && $2 == p) || ($1 == "config" && $3 == p) { print $1; exit }' "$OLD"; }
record() { printf '%s\n' "$*" >>"$NEW"; }

# mkd DIR: mkdir -p, recording every directory it creates (and the ones an
# earlier install created) so that uninstall can remove them when empty
mkd() {
	local d=$1 missing=
	while [ "$d" != / ] && [ ! -d "$DESTDIR$d" ]; do
		missing="$d $missing"
		d=$(dirname "$d")
	done
	for d in $missing; do
		mkdir -p "$DESTDIR$d"
		record dir "$d"
	done
	d=$1
	while [ "$d" != / ] && [ "$d" != . ]; do
		if grep -qxF "dir $d" "$OLD"; then record dir "$d"; fi
		d=$(dirname "$d")
	done
}

# place SRC DEST MODE file|config
place() {
	local src=$1 dst=$2 mode=$3 kind=$4 p=$DESTDIR$2 ok
	mkd "$(dirname "$dst")"
	if [ ! -e "$p" ] && [ ! -L "$p" ]; then
		install -m "$mode" "$src" "$p"
		changed "$dst"
	elif cmp -s "$src" "$p"; then
		chmod "$mode" "$p"
	else
		ok=$(old_kind "$dst")
		if [ "$kind" = file ] && [ "$ok" = file ]; then
			install -m "$mode" "$src" "$p"
			changed "$dst"
		elif [ "$kind" = config ] && [ "$ok" = config ]; then
			# ours, edited by the user: keep it, offer the new example
			awk -v p="$dst" '$1 == "config" && $3 == p' "$OLD" >>"$NEW"
			place_example "$src" "$dst" "$mode" "kept $dst (modified)"
			return
		else
			place_example "$src" "$dst" "$mode" "$dst exists and was not installed by vgpu_unlock_kp: left alone"
			return
		fi
	fi
	if [ "$kind" = config ]; then
		record config "$(sum_of "$src")" "$dst"
	else
		record file "$dst"
	fi
}

place_example() {
	local src=$1 dst=$2 mode=$3 msg=$4
	if ! cmp -s "$src" "$DESTDIR$dst.example"; then
		install -m "$mode" "$src" "$DESTDIR$dst.example"
	fi
	record file "$dst.example"
	say "$msg; ours is $dst.example"
}

changed() {
	case $1 in "$DKMS_SRCDIR/$VUKP_NAME-$VERSION"/*) CHANGED_TREE=1 ;; esac
}

# ---- DKMS source tree ------------------------------------------------------
TREE=$DKMS_SRCDIR/$VUKP_NAME-$VERSION
if [ -d "$DESTDIR$TREE" ] && ! grep -q "^file $TREE/" "$OLD"; then
	die "$DESTDIR$TREE exists and was not installed by this script (a distribution package?); remove it first"
fi
"$TOP/scripts/dkms-tree.sh" "$WORK/tree"
(cd "$WORK/tree" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) >"$WORK/tree.list"
while read -r f; do
	place "$WORK/tree/$f" "$TREE/$f" 0644 file
done <"$WORK/tree.list"
record dkms "$VUKP_NAME" "$VERSION"

# ---- shim, tools, data -------------------------------------------------------
place "$SHIM_SRC" "$SHIM_PATH" 0755 file
place "$TOP/scripts/vgpu-unlock-check" "$SBINDIR/vgpu-unlock-check" 0755 file
place "$TOP/scripts/vgpu-unlock-status" "$SBINDIR/vgpu-unlock-status" 0755 file
place "$TOP/scripts/vgpu-unlock-report" "$SBINDIR/vgpu-unlock-report" 0755 file
place "$VERDICT_SRC" "$SBINDIR/vgpu-unlock-verdict" 0755 file
place "$TOP/data/gpu-id-map.csv" "$DATADIR/gpu-id-map.csv" 0644 file
place "$TOP/data/vgpu-types.csv" "$DATADIR/vgpu-types.csv" 0644 file
place "$TOP/data/board-branches.csv" "$DATADIR/board-branches.csv" 0644 file
place "$TOP/data/nvidia-symbols.csv" "$DATADIR/nvidia-symbols.csv" 0644 file
place "$TOP/data/table-markers.csv" "$DATADIR/table-markers.csv" 0644 file
place "$TOP/VERSION" "$DATADIR/VERSION" 0644 file

# ---- modprobe.d, systemd drop-ins, /etc/vgpu_unlock ----------------------------
place "$TOP/scripts/conf/modprobe.conf" "$SYSCONFDIR/modprobe.d/$VUKP_NAME.conf" 0644 config
cat >"$WORK/dropin.conf" <<EOF
# Installed by vgpu_unlock_kp (scripts/install.sh); removed by its uninstall.
# Preloads the vgpu_unlock_kp shim into this NVIDIA vGPU daemon.
[Service]
Environment=LD_PRELOAD=$SHIM_PATH
EOF
for d in $VUKP_DAEMONS; do
	place "$WORK/dropin.conf" "$SYSTEMD_UNITDIR/$d.service.d/$VUKP_NAME.conf" 0644 file
done
place "$TOP/scripts/conf/config.toml" "$SYSCONFDIR/vgpu_unlock/config.toml" 0644 config
place "$TOP/scripts/conf/profile_override.toml" "$SYSCONFDIR/vgpu_unlock/profile_override.toml" 0644 config

# ---- what an earlier install placed and this one does not: remove ----------
mkd "$VUKP_STATEDIR"
awk 'NR == FNR { keep[$0] = 1; next }
     $1 == "file" || $1 == "config" || $1 == "dir" || $1 == "dkms" {
	     line = $0
	     if ($1 == "config") line = $1 " " $3
	     if (!(line in keep)) print
     }' <(awk '{ if ($1 == "config") print $1 " " $3; else print }' "$NEW") "$OLD" >"$WORK/stale"
if [ -s "$WORK/stale" ]; then
	say "removing what an earlier install placed and this one does not:"
	sed 's/^/  /' "$WORK/stale"
	remove_entries "$WORK/stale"
fi

{
	printf '# %s manifest: written by scripts/install.sh, read by scripts/uninstall.sh\n' "$VUKP_NAME"
	printf 'version %s\n' "$VERSION"
	LC_ALL=C sort -u "$NEW"
} >"$WORK/manifest"
if ! cmp -s "$WORK/manifest" "$DESTDIR$MANIFEST"; then
	install -m 0644 "$WORK/manifest" "$DESTDIR$MANIFEST"
fi

if ! live; then
	say "staged $VUKP_NAME $VERSION under $DESTDIR (manifest $MANIFEST)"
	exit 0
fi

# ---- DKMS --------------------------------------------------------------------
if [ -z "$NO_DKMS" ]; then
	command -v dkms >/dev/null 2>&1 || die "dkms not found: install the dkms package, then run this again"
	added=$(dkms status -m "$VUKP_NAME" -v "$VERSION" 2>/dev/null || true)
	if [ -n "$added" ] && [ -n "$CHANGED_TREE" ]; then
		say "sources changed: dkms remove $VUKP_NAME/$VERSION --all"
		dkms remove -m "$VUKP_NAME" -v "$VERSION" --all >/dev/null
		added=
	fi
	if [ -z "$added" ]; then
		dkms add -m "$VUKP_NAME" -v "$VERSION" >/dev/null
	fi
	if [ -z "$KERNELS" ]; then
		for d in /lib/modules/*/; do
			[ -d "$d" ] && KERNELS="$KERNELS $(basename "$d")"
		done
	fi
	for k in $KERNELS; do
		if [ ! -e "/lib/modules/$k/build/Makefile" ]; then
			warn "no headers for kernel $k: install them (linux-headers-$k, proxmox-headers-$k or kernel-devel-$k), DKMS then builds at the next install or boot"
			continue
		fi
		case $(dkms status -m "$VUKP_NAME" -v "$VERSION" -k "$k" 2>/dev/null) in
		*": installed"*) say "kernel $k: already installed"; continue ;;
		esac
		rc=0
		dkms install -m "$VUKP_NAME" -v "$VERSION" -k "$k" >"$WORK/dkms.log" 2>&1 || rc=$?
		case $rc in
		0) say "kernel $k: built and installed" ;;
		77) warn "kernel $k lacks CONFIG_KPROBES or CONFIG_KRETPROBES: skipped" ;;
		*) cat "$WORK/dkms.log" >&2
		   warn "kernel $k: dkms install failed (exit $rc); see the log above" ;;
		esac
	done
fi

if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
	systemctl daemon-reload || warn "systemctl daemon-reload failed"
fi

say "installed $VUKP_NAME $VERSION."
if [ -d /sys/module/nvidia ] && [ ! -d /sys/module/$VUKP_NAME ]; then
	say "nvidia is loaded: run 'modprobe $VUKP_NAME' and 'systemctl restart nvidia-vgpud nvidia-vgpu-mgr' (or reboot)."
fi
say "check the host with: $SBINDIR/vgpu-unlock-check"
