#!/bin/bash
# The native packages, built and installed for real (issue 15):
#   (a) make deb from the tree (a copy of what git tracks), lintian on the
#       .debs and the .changes (each E: a failure), the .debs' layout is
#       make install's with PREFIX=/usr, conffiles, dependencies;
#   (b) make rpm: its file list (rpm -qlp), %config(noreplace), scriptlets
#       (rpm -qp --scripts) and dkms dependency (rpm -qpR);
#   (c) apt install of the .debs in throwaway copies (overlayfs) of pristine
#       roots (tests/qemu/deps.sh --package-roots), without network: Debian 12
#       (dkms 3.0.10), where DKMS builds the module for the 6.1 and 6.12
#       headers, and Debian 11 (dkms 2.8.4, the oldest dkms supported), the
#       DKMS package only, built for the 5.10 headers; in each, dkms skips
#       the kernels dkms.conf excludes; upgrade to a second version with an
#       edited conffile; apt remove; apt purge.
# The module DKMS built for 5.10, 6.1 and 6.12 is kept in build/dkms/<kernel>/
# for the guest script 22-dkms (make check loads it in QEMU on those kernels).
# KTAP (a SKIP is neither passed nor failed); ends with "N passed, M failed";
# exit 0 iff M is 0. Needs root (chroot, mounts). docs/testing.md has the time.
set -u
export LC_ALL=C

TOP=$(cd "$(dirname "$0")/../.." && pwd)
# A private mount namespace: the overlay and /proc mounts vanish with this
# process however it ends.
if [ "$(id -u)" = 0 ] && [ -z "${VUKP_PKG_NS:-}" ]; then
	VUKP_PKG_NS=1 exec unshare -m --propagation private "$TOP/tests/packaging/packages.sh" "$@"
fi
cd "$TOP" || exit 1
# shellcheck source=tests/qemu/kernels.sh
. tests/qemu/kernels.sh
VERSION=$(cat VERSION)
V2=$VERSION+test1 # the upgrade: a scratch copy of the tree with VERSION bumped
N=0 PASS=0 FAIL=0 SKIP=0
echo "KTAP version 1"

T=$(mktemp -d /tmp/vukp-packages.XXXXXX)
R='' # the throwaway root of cycle (below)
cleanup() {
	local r
	for r in "$T"/*/root; do umount "$r/proc" "$r" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

ok() { N=$((N + 1)); PASS=$((PASS + 1)); echo "ok $N - $1"; }
nok() { N=$((N + 1)); FAIL=$((FAIL + 1)); echo "not ok $N - $1"; [ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/# /' | head -n 30; }
skip() { N=$((N + 1)); SKIP=$((SKIP + 1)); echo "ok $N - $1 # SKIP $2"; }
diag() { echo "# $*"; }
# t DESC CMD...: ok if CMD succeeds
t() { local d=$1 out; shift; if out=$("$@" 2>&1); then ok "$d"; else nok "$d" "$out"; fi; }
# same DESC EXPECTED GOT: ok if the two lists (files) are equal
same() { if cmp -s "$2" "$3"; then ok "$1"; else nok "$1" "$(diff "$2" "$3")"; fi; }
finish() {
	echo "1..$N"
	echo "# $SKIP skipped"
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
	exit
}

for c in dpkg-buildpackage dh_dkms lintian rpmbuild; do
	command -v $c >/dev/null 2>&1 || { nok "$c is installed (tests/qemu/deps.sh installs it)"; finish; }
done

# ---- (a) the .debs -------------------------------------------------------------
t0=$SECONDS
# the upgrade first, so that build/deb ends with the tree's own version
if nice -n 10 make -s --no-print-directory deb PKG_VERSION="$V2" >"$T/deb2.log" 2>&1; then
	mkdir -p "$T/v2" && cp build/deb/vgpu-unlock-kp-dkms_"$V2"_all.deb build/deb/vgpu-unlock-kp_"$V2"_amd64.deb "$T/v2/" &&
		ok "make deb PKG_VERSION=$V2 (the upgrade)"
else
	nok "make deb PKG_VERSION=$V2 (the upgrade)" "$(tail -n 30 "$T/deb2.log")"
fi
D1=build/deb/vgpu-unlock-kp-dkms_${VERSION}_all.deb
D2=build/deb/vgpu-unlock-kp_${VERSION}_amd64.deb
if nice -n 10 make -s --no-print-directory deb >"$T/deb.log" 2>&1 && [ -f "$D1" ] && [ -f "$D2" ]; then
	ok "make deb builds vgpu-unlock-kp-dkms and vgpu-unlock-kp $VERSION"
	mkdir -p "$T/v1" && cp "$D1" "$D2" "$T/v1/"
else
	nok "make deb builds vgpu-unlock-kp-dkms and vgpu-unlock-kp $VERSION" "$(tail -n 30 "$T/deb.log")"
	finish
fi
diag "make deb (twice): $((SECONDS - t0)) s"

t0=$SECONDS
lintian build/deb/*.changes >"$T/lintian.out" 2>&1
errors=$(grep -E '^E: ' "$T/lintian.out")
if [ -z "$errors" ]; then
	ok "lintian: no error on the .debs and the .changes"
else
	while IFS= read -r e; do nok "lintian: $e"; done <<<"$errors"
fi
grep -E '^W: ' "$T/lintian.out" | sed 's/^/# lintian /'
diag "lintian: $((SECONDS - t0)) s"

# The layout is make install's with PREFIX=/usr (drop-ins in the vendor unit
# directory, no manifest), split between the two packages.
list_deb() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' | grep -v '^/usr/share/doc/' | sort; }
SHIM_SRC=$T/shim VERDICT_SRC=$T/verdict
printf 'x\n' >"$SHIM_SRC"
printf 'x\n' >"$VERDICT_SRC"
if env DESTDIR="$T/inst" PREFIX=/usr SYSTEMD_UNITDIR=/lib/systemd/system SHIM_SRC="$SHIM_SRC" \
	VERDICT_SRC="$VERDICT_SRC" scripts/install.sh --no-dkms >"$T/inst.log" 2>&1; then
	(cd "$T/inst" && find . -type f | sed 's/^\.//' | grep -v '^/var/lib/vgpu_unlock_kp/manifest$' | sort) >"$T/expected"
else
	nok "install.sh stages the reference layout" "$(cat "$T/inst.log")"
fi
{ list_deb "$D1"; list_deb "$D2"; } | sort >"$T/deb-files"
same "the two .debs hold exactly make install's files (PREFIX=/usr)" "$T/expected" "$T/deb-files"
if list_deb "$D1" | grep -Evq "^(/usr/src/vgpu_unlock_kp-$VERSION/|/etc/modprobe\\.d/vgpu_unlock_kp\\.conf$)"; then
	nok "vgpu-unlock-kp-dkms holds the DKMS tree and the softdep only" "$(list_deb "$D1")"
else
	ok "vgpu-unlock-kp-dkms holds the DKMS tree and the softdep only"
fi
mkdir -p "$T/x1" "$T/x2"
dpkg-deb -R "$D1" "$T/x1"
dpkg-deb -R "$D2" "$T/x2"
t "dkms.conf (dh_dkms) carries PACKAGE_VERSION=\"$VERSION\"" \
	grep -qx "PACKAGE_VERSION=\"$VERSION\"" "$T/x1/usr/src/vgpu_unlock_kp-$VERSION/dkms.conf"
t "modprobe.d: softdep nvidia post: vgpu_unlock_kp" grep -qx 'softdep nvidia post: vgpu_unlock_kp' "$T/x1/etc/modprobe.d/vgpu_unlock_kp.conf"
t "drop-in preloads the packaged shim" grep -qx 'Environment=LD_PRELOAD=/usr/lib/vgpu_unlock_kp/libvgpu_unlock_shim.so' \
	"$T/x2/lib/systemd/system/nvidia-vgpud.service.d/vgpu_unlock_kp.conf"
t "vgpu-unlock-kp-dkms: conffile /etc/modprobe.d/vgpu_unlock_kp.conf" grep -qx /etc/modprobe.d/vgpu_unlock_kp.conf "$T/x1/DEBIAN/conffiles"
t "vgpu-unlock-kp: /etc/vgpu_unlock/*.toml are conffiles" \
	sh -c "grep -qx /etc/vgpu_unlock/config.toml '$T/x2/DEBIAN/conffiles' && grep -qx /etc/vgpu_unlock/profile_override.toml '$T/x2/DEBIAN/conffiles'"
t "vgpu-unlock-kp-dkms depends on dkms" sh -c "dpkg-deb -f '$D1' Depends | grep -Eq '(^|, )dkms( |,|$)'"
t "vgpu-unlock-kp-dkms: postinst runs DKMS, prerm removes it" \
	sh -c "grep -q common.postinst '$T/x1/DEBIAN/postinst' && grep -q 'dkms remove' '$T/x1/DEBIAN/prerm'"

# ---- (b) the RPM ---------------------------------------------------------------
t0=$SECONDS
if nice -n 10 make -s --no-print-directory rpm >"$T/rpm.log" 2>&1; then
	P=$(ls build/rpm/RPMS/*/vgpu-unlock-kp-"$VERSION"-*.rpm 2>/dev/null | head -n 1)
fi
if [ -n "${P:-}" ]; then
	ok "make rpm builds vgpu-unlock-kp $VERSION"
	# files only, in the .deb's directories (RPM's: /usr/lib64, /usr/lib/systemd)
	rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$P" | awk '$1 ~ /^-/ { print $2 }' |
		grep -v '^/usr/lib/\.build-id/' | sed -e 's|^/usr/lib64/|/usr/lib/|' -e 's|^/usr/lib/systemd/|/lib/systemd/|' |
		sort >"$T/rpm-files"
	same "rpm -qlp: the .deb's layout (module sources with dkms.conf, softdep, shim, drop-ins, tools, data, configs)" "$T/deb-files" "$T/rpm-files"
	rpm -qlp "$P" >"$T/rpm-qlp"
	t "rpm -qlp: /usr/src/vgpu_unlock_kp-$VERSION/dkms.conf" grep -qx "/usr/src/vgpu_unlock_kp-$VERSION/dkms.conf" "$T/rpm-qlp"
	rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$P" >"$T/rpm-flags"
	for f in /etc/vgpu_unlock/config.toml /etc/vgpu_unlock/profile_override.toml /etc/modprobe.d/vgpu_unlock_kp.conf; do
		t "rpm: $f is %config(noreplace)" grep -Eq "^[a-z]*c[a-z]*n[a-z]* $f$|^[a-z]*n[a-z]*c[a-z]* $f$" "$T/rpm-flags"
	done
	rpm -qp --scripts "$P" >"$T/rpm-scripts"
	awk '/scriptlet/ { s = $1 } { print s ": " $0 }' "$T/rpm-scripts" >"$T/rpm-scripts.tagged"
	for step in add build install; do
		t "rpm %post: dkms $step" grep -Eq "^postinstall: dkms $step -m vgpu_unlock_kp" "$T/rpm-scripts.tagged"
	done
	t "rpm %preun: dkms remove" grep -Eq '^preuninstall: dkms remove -m vgpu_unlock_kp' "$T/rpm-scripts.tagged"
	t "rpm -qpR: requires dkms" sh -c "rpm -qpR '$P' | grep -Eq '^dkms( |$)'"
	mkdir -p "$T/rx"
	(cd "$T/rx" && rpm2cpio "$OLDPWD/$P" | cpio -idm --quiet 2>/dev/null)
	t "rpm: drop-in preloads the packaged shim (/usr/lib64)" grep -qx 'Environment=LD_PRELOAD=/usr/lib64/vgpu_unlock_kp/libvgpu_unlock_shim.so' \
		"$T/rx/usr/lib/systemd/system/nvidia-vgpu-mgr.service.d/vgpu_unlock_kp.conf"
else
	nok "make rpm builds vgpu-unlock-kp $VERSION" "$(tail -n 30 "$T/rpm.log")"
fi
diag "make rpm and its checks: $((SECONDS - t0)) s"

# ---- (c) apt install / upgrade / remove / purge in Debian 12 and Debian 11 -------
# cycle NAME PRISTINE USERLAND K1 K2...: in a throwaway copy (overlayfs) of the
# pristine root, that "runs" K1: apt install of the .debs (with USERLAND, both;
# else vgpu-unlock-kp-dkms only), DKMS builds for K1... (kept in
# build/dkms/<kernel>/ for 22-dkms), the kernels dkms.conf skips, upgrade with
# an edited conffile, apt remove, apt purge.
cycle() {
	local name=$1 pristine=$2 userland=$3 k f rc t0 t1 conf debs1 debs2
	shift 3
	local kernels=("$@")
	t0=$SECONDS
	R=$T/$name/root
	mkdir -p "$T/$name/upper" "$T/$name/work" "$R"
	if ! mount -t overlay overlay -o "lowerdir=$pristine,upperdir=$T/$name/upper,workdir=$T/$name/work" "$R" 2>"$T/mount.log" ||
		! mount -t proc proc "$R/proc" 2>>"$T/mount.log"; then
		nok "$name: a throwaway copy of the root (overlayfs)" "$(cat "$T/mount.log")"
		return
	fi
	# The root "runs" the first kernel, as a booted host would: DKMS's
	# postinst builds for the running kernel and the newest one installed.
	# Under a chroot it would see the host's kernel and, on an upgrade, build
	# for the newest only.
	cat >"$R/usr/local/bin/uname" <<EOF
#!/bin/sh
[ "\$1" = -r ] && [ \$# = 1 ] && { echo ${kernels[0]}; exit 0; }
exec /usr/bin/uname "\$@"
EOF
	chmod 755 "$R/usr/local/bin/uname"
	cp -r "$T/v1" "$T/v2" "$R/tmp/"
	debs1=("/tmp/v1/${D1##*/}") debs2=("/tmp/v2/vgpu-unlock-kp-dkms_${V2}_all.deb")
	conf=/etc/modprobe.d/vgpu_unlock_kp.conf
	if [ -n "$userland" ]; then
		debs1+=("/tmp/v1/${D2##*/}") debs2+=("/tmp/v2/vgpu-unlock-kp_${V2}_amd64.deb")
		conf=/etc/vgpu_unlock/config.toml
	fi
	diag "$name: root ready: $((SECONDS - t0)) s"

	t1=$SECONDS
	if in_r apt-get install -y --no-install-recommends "${debs1[@]}" >"$T/install.log" 2>&1; then
		ok "$name: apt install ${debs1[*]##*/}, no network"
	else
		nok "$name: apt install ${debs1[*]##*/}, no network" "$(tail -n 30 "$T/install.log")"
		return
	fi
	diag "$name: apt install (DKMS builds for ${kernels[*]}): $((SECONDS - t1)) s"
	grep -E '^Building for|^Building initial' "$T/install.log" | sed 's/^/# postinst: /'
	for k in "${kernels[@]}"; do
		built_for "$VERSION" "$k"
		# for the guest script 22-dkms (make check loads it in QEMU on $k)
		f=$(find "$R/lib/modules/$k/updates/dkms" -name 'vgpu_unlock_kp.ko*' 2>/dev/null | head -n 1)
		mkdir -p "build/dkms/$k"
		case $f in
		"") rm -f "build/dkms/$k/vgpu_unlock_kp.ko" ;;
		*.xz) xz -dc "$f" >"build/dkms/$k/vgpu_unlock_kp.ko" ;;
		*.zst) zstd -qdc "$f" >"build/dkms/$k/vgpu_unlock_kp.ko" ;;
		*) cp "$f" "build/dkms/$k/vgpu_unlock_kp.ko" ;;
		esac
	done
	if [ -n "$userland" ]; then
		t "$name: dpkg -S: the shim belongs to vgpu-unlock-kp" sh -c "chroot '$R' dpkg -S /usr/lib/vgpu_unlock_kp/libvgpu_unlock_shim.so | grep -q '^vgpu-unlock-kp:'"
		if in_r vgpu-unlock-check --only dkms >"$T/check.out" 2>&1 && grep -q '^PASS *dkms' "$T/check.out"; then
			ok "$name: vgpu-unlock-check --only dkms: PASS for the running kernel"
		else
			nok "$name: vgpu-unlock-check --only dkms: PASS for the running kernel" "$(cat "$T/check.out")"
		fi
	fi
	# this root's dkms skips what dkms.conf excludes: below the 5.10 floor
	# (BUILD_EXCLUSIVE_KERNEL_MIN, or the BUILD_EXCLUSIVE_KERNEL regular
	# expression for dkms before 3.1), another architecture. The skip is
	# exit 77 from dkms 3, exit 9 with this message from dkms 2 (its
	# common.postinst says "Skipped." to both).
	mkdir -p "$R/tmp/fake"
	printf 'CONFIG_KPROBES=y\nCONFIG_KRETPROBES=y\n' >"$R/tmp/fake/.config"
	for f in 4.18.0-553.el8_10.x86_64 5.4.0-216-generic '6.12.0-arm64 -a aarch64'; do
		rc=0
		# shellcheck disable=SC2086 # -k KERNEL [-a ARCH]
		in_r dkms build -m vgpu_unlock_kp -v "$VERSION" -k $f --kernelsourcedir /tmp/fake >"$T/excl.log" 2>&1 || rc=$?
		if [ "$rc" = 77 ] || { [ "$rc" = 9 ] && grep -q 'BUILD_EXCLUSIVE directive which' "$T/excl.log"; }; then
			ok "$name: dkms build -k $f skipped (exit $rc)"
		else nok "$name: dkms build -k $f skipped (exit $rc)" "$(cat "$T/excl.log")"; fi
	done

	# the user edits a conffile, then upgrades
	echo "# edited by the package test" >>"$R$conf"
	cp "$R$conf" "$T/edited"
	t1=$SECONDS
	if in_r apt-get install -y --no-install-recommends "${debs2[@]}" </dev/null >"$T/upgrade.log" 2>&1; then
		ok "$name: upgrade $VERSION -> $V2 with apt install (noninteractive)"
	else
		nok "$name: upgrade $VERSION -> $V2 with apt install (noninteractive)" "$(tail -n 30 "$T/upgrade.log")"
	fi
	diag "$name: upgrade (DKMS builds for ${kernels[*]}): $((SECONDS - t1)) s"
	for k in "${kernels[@]}"; do built_for "$V2" "$k"; done
	if dkms_state | grep -Fq "vgpu_unlock_kp/$VERSION,"; then nok "$name: upgrade: DKMS holds $V2 only" "$(dkms_state)"
	else ok "$name: upgrade: DKMS holds $V2 only"; fi
	t "$name: upgrade: /usr/src/vgpu_unlock_kp-$VERSION gone" test ! -e "$R/usr/src/vgpu_unlock_kp-$VERSION"
	t "$name: upgrade: the edited $conf survived" cmp "$T/edited" "$R$conf"
	f=$(find "$R/etc" -name '*.dpkg-*' 2>/dev/null)
	if [ -z "$f" ]; then ok "$name: upgrade: no .dpkg-new/.dpkg-dist/.dpkg-old file"
	else nok "$name: upgrade: no .dpkg-new/.dpkg-dist/.dpkg-old file" "$f"; fi

	# apt remove: the module and the files go, the edited configuration stays
	t1=$SECONDS
	t "$name: apt remove ${PKGS[*]}" in_r apt-get remove -y "${PKGS[@]}"
	if [ -z "$(dkms_state)" ]; then ok "$name: remove: DKMS knows no vgpu_unlock_kp"; else nok "$name: remove: DKMS knows no vgpu_unlock_kp" "$(dkms_state)"; fi
	f=$(find "$R/lib/modules" -name 'vgpu_unlock_kp.ko*')
	if [ -z "$f" ]; then ok "$name: remove: no vgpu_unlock_kp.ko under /lib/modules"; else nok "$name: remove: no vgpu_unlock_kp.ko under /lib/modules" "$f"; fi
	[ -z "$userland" ] || t "$name: remove: the shim is gone" test ! -e "$R/usr/lib/vgpu_unlock_kp"
	t "$name: remove: the DKMS sources are gone" test -z "$(find "$R/usr/src" -maxdepth 1 -name 'vgpu_unlock_kp-*')"
	t "$name: remove: the edited $conf stays" cmp "$T/edited" "$R$conf"

	# apt purge: nothing of the packages is left
	t "$name: apt purge ${PKGS[*]}" in_r apt-get purge -y "${PKGS[@]}"
	if in_r dpkg-query -W "${PKGS[@]}" >"$T/q" 2>&1; then nok "$name: purge: dpkg knows neither package" "$(cat "$T/q")"
	else ok "$name: purge: dpkg knows neither package"; fi
	t "$name: purge: $conf gone" test ! -e "$R$conf"
	t "$name: purge: /var/lib/dkms/vgpu_unlock_kp gone" test ! -e "$R/var/lib/dkms/vgpu_unlock_kp"
	f=$(find "$R" -xdev \( -path "$R/tmp" -o -path "$R/proc" \) -prune -o \( -iname '*vgpu*unlock*' -print \))
	if [ -z "$f" ]; then ok "$name: purge: no file of ours left anywhere in the root"
	else nok "$name: purge: no file of ours left anywhere in the root" "$f"; fi
	diag "$name: remove and purge: $((SECONDS - t1)) s"
	umount "$R/proc" "$R"
	rm -rf "${T:?}/$name"
	diag "$name: $((SECONDS - t0)) s in all"
}
# without network (a namespace with no interface): the .debs need nothing
# the root does not have
in_r() {
	nice -n 10 unshare -n chroot "$R" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}
# dkms_state: the module's lines of dkms status, in dkms 3's form
# (vgpu_unlock_kp/VER, ...; dkms 2 writes vgpu_unlock_kp, VER, ...)
dkms_state() { in_r dkms status -m vgpu_unlock_kp 2>/dev/null | sed 's|^vgpu_unlock_kp, |vgpu_unlock_kp/|'; }
# built_for VER K: DKMS installed VER for K, depmod finds it, modinfo says VER
built_for() {
	local v=$1 k=$2 f
	if dkms_state | grep -Fq "vgpu_unlock_kp/$v, $k, x86_64: installed"; then ok "$name: $v: dkms status: installed for $k"
	else nok "$name: $v: dkms status: installed for $k" "$(dkms_state)"; fi
	f=$(in_r modinfo -k "$k" -F filename vgpu_unlock_kp 2>&1)
	if [[ $f == /lib/modules/$k/updates/dkms/vgpu_unlock_kp.ko* ]] && [ -f "$R$f" ]; then ok "$name: $v: modinfo -k $k finds $f (depmod ran)"
	else nok "$name: $v: modinfo -k $k finds the module under /lib/modules/$k/updates/dkms" "$f"; return; fi
	t "$name: $v: $k: the module's version is $v" test "$(in_r modinfo -F version "$f")" = "$v"
	t "$name: $v: $k: vermagic $k" sh -c "modinfo -F vermagic '$R$f' | grep -q '^$k '"
}

if [ "$(id -u)" != 0 ]; then skip "install in Debian 12 and Debian 11" "needs root (chroot, mounts)"; finish; fi
t0=$SECONDS
if ! tests/qemu/deps.sh --package-roots >"$T/deps.log" 2>&1; then
	nok "the pristine Debian 12 and Debian 11 roots (tests/qemu/deps.sh --package-roots)" "$(tail -n 20 "$T/deps.log")"
	finish
fi
diag "the pristine roots: $((SECONDS - t0)) s"
vukp_kernel 6.1 && K1=$K_VER
vukp_kernel 6.12 && K2=$K_VER
vukp_kernel 5.10 && K0=$K_VER
PKGS=(vgpu-unlock-kp vgpu-unlock-kp-dkms)
# Debian 12 (dkms 3.0.10): both packages, DKMS builds for 6.1 and 6.12
cycle debian12 "$VUKP_CACHE/bookworm" userland "$K1" "$K2"
# Debian 11 (dkms 2.8.4, dpkg 1.20, apt 2.2): the DKMS package, built for
# 5.10. vgpu-unlock-kp built here needs glibc 2.34 (Debian 12's); Debian 11
# has 2.31, so that package is built on Debian 11 for it (docs/install.md).
PKGS=(vgpu-unlock-kp-dkms)
cycle debian11 "$VUKP_CACHE/bullseye-pkg" '' "$K0"
finish
