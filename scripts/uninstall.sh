#!/bin/bash
# Remove what scripts/install.sh installed, exactly, as its manifest lists
# it: DKMS registration, files, directories it created (when empty). Config
# files the user changed are kept. Idempotent.
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/install-lib.sh
. "$TOP/scripts/install-lib.sh"

usage() {
	cat <<EOF
usage: $0 [--purge] [--help]

Removes vgpu_unlock_kp as listed in $MANIFEST (under DESTDIR if set; then
DKMS, systemctl and modprobe are not run). Configuration files you changed
(/etc/vgpu_unlock/*.toml, $SYSCONFDIR/modprobe.d/$VUKP_NAME.conf) are kept
unless --purge. With no manifest there is nothing to do.
EOF
}

PURGE=
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) usage; exit 0 ;;
	--purge) PURGE=1 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

if live && [ "$(id -u)" != 0 ]; then
	die "run as root (or set DESTDIR)"
fi
if [ ! -f "$DESTDIR$MANIFEST" ]; then
	say "$VUKP_NAME: no manifest at $DESTDIR$MANIFEST: nothing to uninstall"
	exit 0
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp "$DESTDIR$MANIFEST" "$WORK/manifest"
rm -f "$DESTDIR$MANIFEST"
remove_entries "$WORK/manifest" "$PURGE"
rmdir "$DESTDIR$VUKP_STATEDIR" 2>/dev/null || true

if live; then
	if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
		systemctl daemon-reload || warn "systemctl daemon-reload failed"
	fi
	if [ -d "/sys/module/$VUKP_NAME" ]; then
		say "$VUKP_NAME is still loaded: stop the VMs using vGPUs, then 'modprobe -r $VUKP_NAME' (it restores nvidia's tables) and 'systemctl restart nvidia-vgpud nvidia-vgpu-mgr'."
	fi
fi
say "uninstalled $VUKP_NAME."
