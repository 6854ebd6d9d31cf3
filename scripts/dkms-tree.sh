#!/bin/sh
# Stage the DKMS source tree of vgpu_unlock_kp into DEST: only what the
# module build needs (Kbuild, dkms.conf stamped with VERSION, VERSION,
# module/*.[ch], include/*.h) -- no tests, no mock, no userspace.
set -eu

usage() {
	cat <<USAGE
usage: $0 DEST
Stage the DKMS source tree (e.g. DEST=/usr/src/vgpu_unlock_kp-\$(cat VERSION)).
DEST is created; files already in it are overwritten, others left alone.
USAGE
}

case "${1:-}" in
-h|--help) usage; exit 0 ;;
"") usage >&2; exit 2 ;;
esac
dest=$1
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$top/VERSION")
case "$version" in
""|*[!A-Za-z0-9.+~-]*) echo "$0: bad version '$version' in $top/VERSION" >&2; exit 1 ;;
esac

mkdir -p "$dest/module" "$dest/include"
cp "$top/Kbuild" "$top/VERSION" "$dest/"
sed "s/#MODULE_VERSION#/$version/" "$top/dkms.conf" >"$dest/dkms.conf"
for f in "$top"/module/*.c "$top"/module/*.h; do
	[ -f "$f" ] && cp "$f" "$dest/module/"
done
for f in "$top"/include/*.h; do
	[ -f "$f" ] && cp "$f" "$dest/include/"
done
chmod -R u+rwX,go+rX,go-w "$dest"
