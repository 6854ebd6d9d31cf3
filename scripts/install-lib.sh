# shellcheck shell=bash
# shellcheck disable=SC2034 # variables for the scripts that source this file
# Shared by scripts/install.sh and scripts/uninstall.sh: paths, the manifest,
# and removal. Sourced, not run.
#
# Manifest ($DESTDIR$VUKP_STATEDIR/manifest), one entry per line, paths
# without DESTDIR:
#   version <version>
#   dkms <name> <version>          registered with DKMS (not under DESTDIR)
#   file <path>                    ours: removed by uninstall
#   config <sha256> <path>         ours, user-editable: removed only if unchanged
#   dir <path>                     created by install: removed if empty

VUKP_NAME=vgpu_unlock_kp
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
LIBDIR=${LIBDIR:-$PREFIX/lib}
SBINDIR=${SBINDIR:-$PREFIX/sbin}
DATADIR=${DATADIR:-$PREFIX/share/$VUKP_NAME}
SYSCONFDIR=${SYSCONFDIR:-/etc}
SYSTEMD_UNITDIR=${SYSTEMD_UNITDIR:-$SYSCONFDIR/systemd/system}
DKMS_SRCDIR=${DKMS_SRCDIR:-/usr/src}
VUKP_STATEDIR=${VUKP_STATEDIR:-/var/lib/$VUKP_NAME}
MANIFEST=$VUKP_STATEDIR/manifest
SHIM_DIR=$LIBDIR/$VUKP_NAME
SHIM_PATH=$SHIM_DIR/libvgpu_unlock_shim.so
VUKP_DAEMONS="nvidia-vgpud nvidia-vgpu-mgr"

say() { printf '%s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# live system: no DESTDIR, so DKMS, systemd and modprobe are ours to call
live() { [ -z "$DESTDIR" ]; }

sum_of() { sha256sum "$1" | cut -d' ' -f1; }

# remove_entries MANIFEST_FILE [purge]: remove what a manifest lists (under
# DESTDIR). Modified configs are kept unless purge. DKMS entries are removed
# from DKMS on a live system.
remove_entries() {
	local mf=$1 purge=${2:-} kind a b p
	[ -f "$mf" ] || return 0
	if live; then
		while read -r kind a b; do
			[ "$kind" = dkms ] || continue
			if command -v dkms >/dev/null 2>&1 &&
				[ -n "$(dkms status -m "$a" -v "$b" 2>/dev/null)" ]; then
				say "dkms remove $a/$b --all"
				dkms remove -m "$a" -v "$b" --all >/dev/null ||
					warn "dkms remove $a/$b failed"
			fi
		done <"$mf"
	fi
	while read -r kind a b; do
		case $kind in
		file)
			rm -f "$DESTDIR$a" ;;
		config)
			p=$DESTDIR$b
			[ -e "$p" ] || continue
			if [ -n "$purge" ] || [ "$(sum_of "$p")" = "$a" ]; then
				rm -f "$p"
			else
				say "kept $b (modified)"
			fi ;;
		esac
	done <"$mf"
	# dirs deepest first; only if empty
	while read -r kind a b; do
		[ "$kind" = dir ] && printf '%s\n' "$a"
	done <"$mf" | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2- |
		while read -r p; do
			rmdir "$DESTDIR$p" 2>/dev/null || true
		done
}
