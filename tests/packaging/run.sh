#!/bin/bash
# Packaging tests, host side: the DKMS source tree and dkms.conf (add, the
# kernels it skips), install/uninstall into a throwaway DESTDIR,
# vgpu-unlock-check against fixtures and mock drivers. The real DKMS builds
# for the 6.1 and 6.12 headers are the packages' test's (packages.sh: apt
# install in Debian 12); --dkms-only (make dkms-check) also builds, installs
# and removes with DKMS for every kernel whose headers are on this host.
# KTAP (a SKIP is neither passed nor failed); ends with "N passed, M failed";
# exit 0 iff M is 0.
#   tests/packaging/run.sh [--dkms-only]
# Environment: VUKP_MOCK_DIR  directory with nvidia-{default,nosac,
#   omit-os_mem_copy,nomagicstart}.ko (default: built into build/packaging/mock)
#   VUKP_PKG_KERNELS  kernel releases for --dkms-only (default: every
#   /usr/src/linux-headers-* that has a Makefile and a .config, not -common)
set -u
export LC_ALL=C

TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 1
VERSION=$(cat VERSION)
T=$(mktemp -d /tmp/vukp-packaging.XXXXXX)
DKMS_ONLY=
[ "${1:-}" = --dkms-only ] && DKMS_ONLY=1
N=0 PASS=0 FAIL=0 SKIP=0
echo "KTAP version 1"

cleanup() {
	if [ -n "${DKMS_ADDED:-}" ]; then
		dkms remove -m vgpu_unlock_kp -v "$VERSION" --all --dkmstree "$T/dkms" --sourcetree "$T/src" >/dev/null 2>&1
		for k in $KERNELS; do
			[ -f "$T/before-$k" ] || continue
			(cd "/lib/modules/$k" 2>/dev/null && find . -mindepth 1 -maxdepth 1 | sort | comm -13 "$T/before-$k" - |
				grep -E '^\./modules\.' | xargs -r rm -f)
		done
	fi
	rm -rf "$T"
}
trap cleanup EXIT

ok() { N=$((N + 1)); PASS=$((PASS + 1)); echo "ok $N - $1"; }
nok() { N=$((N + 1)); FAIL=$((FAIL + 1)); echo "not ok $N - $1"; [ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/# /' | head -n 30; }
skip() { N=$((N + 1)); SKIP=$((SKIP + 1)); echo "ok $N - $1 # SKIP $2"; }
# t DESC CMD...: ok if CMD succeeds
t() { local d=$1 out; shift; if out=$("$@" 2>&1); then ok "$d"; else nok "$d" "$out"; fi; }
# has DESC FILE PATTERN: ok if FILE contains the (grep -E) pattern
has() { if grep -Eq -- "$3" "$2"; then ok "$1"; else nok "$1" "$(cat "$2")"; fi; }
hasnt() { if grep -Eq -- "$3" "$2"; then nok "$1" "$(cat "$2")"; else ok "$1"; fi; }

# ---- (a) DKMS ------------------------------------------------------------------
KERNELS=${VUKP_PKG_KERNELS:-}
if [ -z "$KERNELS" ]; then
	for d in /usr/src/linux-headers-*; do
		[ -f "$d/Makefile" ] && [ -f "$d/.config" ] && KERNELS="$KERNELS ${d#/usr/src/linux-headers-}"
	done
fi
dkms_tests() {
	local k f v D=(--dkmstree "$T/dkms" --sourcetree "$T/src")
	if ! command -v dkms >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
		skip "dkms tests" "needs root and dkms"; return
	fi
	if [ -z "$KERNELS" ]; then skip "dkms tests" "no kernel headers in /usr/src"; return; fi
	mkdir -p "$T/dkms" "$T/src"
	t "dkms-tree stages the source tree" scripts/dkms-tree.sh "$T/src/vgpu_unlock_kp-$VERSION"
	if (cd "$T/src/vgpu_unlock_kp-$VERSION" && find . -type f | sort | grep -Evq '^\./(Kbuild|VERSION|dkms\.conf|module/[a-z_]+\.[ch]|include/[a-z_]+\.h)$'); then
		nok "DKMS tree holds only Kbuild, VERSION, dkms.conf, module/*.[ch], include/*.h" "$(cd "$T/src" && find . -type f)"
	else
		ok "DKMS tree holds only Kbuild, VERSION, dkms.conf, module/*.[ch], include/*.h"
	fi
	has "dkms.conf stamped with VERSION $VERSION" "$T/src/vgpu_unlock_kp-$VERSION/dkms.conf" "^PACKAGE_VERSION=\"$VERSION\"$"
	hasnt "dkms.conf has no deprecated keys" "$T/src/vgpu_unlock_kp-$VERSION/dkms.conf" '^(REMAKE_INITRD|MODULES_CONF|MAKE\[|CLEAN=)'
	t "dkms add" dkms add -m vgpu_unlock_kp -v "$VERSION" "${D[@]}"
	DKMS_ADDED=1
	for k in ${DKMS_ONLY:+$KERNELS}; do
		if [ ! -d "/lib/modules/$k" ]; then
			mkdir -p "/lib/modules/$k"
		fi
		(cd "/lib/modules/$k" && find . -mindepth 1 -maxdepth 1 | sort) >"$T/before-$k"
		if ls /lib/modules/"$k"/updates/dkms/vgpu_unlock_kp.ko* >/dev/null 2>&1; then
			skip "dkms build/install for $k" "a vgpu_unlock_kp is already installed there"
			continue
		fi
		t "dkms build -k $k" dkms build -m vgpu_unlock_kp -v "$VERSION" -k "$k" "${D[@]}"
		t "dkms install -k $k" dkms install -m vgpu_unlock_kp -v "$VERSION" -k "$k" "${D[@]}"
		f=$(find "/lib/modules/$k/updates/dkms" -name 'vgpu_unlock_kp.ko*' 2>/dev/null | head -n1)
		if [ -n "$f" ]; then ok "$k: installed as ${f#/lib/modules/"$k"/}"; else nok "$k: module installed under /lib/modules/$k/updates/dkms/"; fi
		v=$(modinfo -F version "$f" 2>/dev/null)
		if [ "$v" = "$VERSION" ]; then ok "$k: modinfo version $v"; else nok "$k: modinfo version '$v' is not '$VERSION' (Kbuild's VUKP_VERSION does not come from VERSION?)"; fi
		find "$T/dkms/vgpu_unlock_kp/$VERSION/$k" -path '*/module/vgpu_unlock_kp.ko*' 2>/dev/null | head -n1 >"$T/built-ko"
	done
	# BUILD_EXCLUSIVE_CONFIG: a kernel without kretprobes is skipped (exit 77), not failed
	mkdir -p "$T/nokprobes"
	printf 'CONFIG_KPROBES=y\n# CONFIG_KRETPROBES is not set\n' >"$T/nokprobes/.config"
	local rc=0
	dkms build -m vgpu_unlock_kp -v "$VERSION" -k 0.0.0-nokprobes --kernelsourcedir "$T/nokprobes" "${D[@]}" >"$T/excl.log" 2>&1 || rc=$?
	if [ "$rc" = 77 ]; then ok "kernel without CONFIG_KRETPROBES skipped (BUILD_EXCLUSIVE_CONFIG, exit 77)"
	else nok "kernel without CONFIG_KRETPROBES skipped (exit $rc)" "$(cat "$T/excl.log")"; fi
	# below the floor (BUILD_EXCLUSIVE_KERNEL[_MIN]) and another arch: skipped too
	printf 'CONFIG_KPROBES=y\nCONFIG_KRETPROBES=y\n' >"$T/nokprobes/.config"
	for kv in 4.18.0-553.el8_10.x86_64 5.4.0-216-generic; do
		rc=0
		dkms build -m vgpu_unlock_kp -v "$VERSION" -k "$kv" --kernelsourcedir "$T/nokprobes" "${D[@]}" >"$T/excl.log" 2>&1 || rc=$?
		if [ "$rc" = 77 ]; then ok "kernel $kv below the 5.10 floor skipped (exit 77)"
		else nok "kernel $kv below the 5.10 floor skipped (exit $rc)" "$(cat "$T/excl.log")"; fi
	done
	rc=0
	dkms build -m vgpu_unlock_kp -v "$VERSION" -k 6.12.0-arm64 -a aarch64 --kernelsourcedir "$T/nokprobes" "${D[@]}" >"$T/excl.log" 2>&1 || rc=$?
	if [ "$rc" = 77 ]; then ok "aarch64 skipped (BUILD_EXCLUSIVE_ARCH, exit 77)"
	else nok "aarch64 skipped (exit $rc)" "$(cat "$T/excl.log")"; fi
	t "dkms remove --all" dkms remove -m vgpu_unlock_kp -v "$VERSION" --all "${D[@]}"
	DKMS_ADDED=
	for k in ${DKMS_ONLY:+$KERNELS}; do
		if ls /lib/modules/"$k"/updates/dkms/vgpu_unlock_kp.ko* >/dev/null 2>&1; then
			nok "$k: dkms remove deleted the module"
		else
			ok "$k: dkms remove deleted the module"
		fi
		(cd "/lib/modules/$k" && find . -mindepth 1 -maxdepth 1 | sort | comm -13 "$T/before-$k" - |
			grep -E '^\./modules\.' | xargs -r rm -f)
	done
}
dkms_tests
if [ -n "$DKMS_ONLY" ]; then
	echo "1..$N"
	echo "# $SKIP skipped"
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]; exit
fi

# ---- (b) install / uninstall into DESTDIR --------------------------------------
SHIM_SRC=$T/libvgpu_unlock_shim.so
if [ -f userspace-shim/libvgpu_unlock_shim.so ]; then
	cp userspace-shim/libvgpu_unlock_shim.so "$SHIM_SRC"
else
	printf 'not a real shim\n' >"$SHIM_SRC" # the install tests only copy it
fi
export SHIM_SRC
list() { (cd "$1" && find . \( -type f -o -type l \) | sed 's|^\.||' | sort); }
R=$T/root
cat >"$T/expected" <<EOF
/etc/modprobe.d/vgpu_unlock_kp.conf
/etc/systemd/system/nvidia-vgpu-mgr.service.d/vgpu_unlock_kp.conf
/etc/systemd/system/nvidia-vgpud.service.d/vgpu_unlock_kp.conf
/etc/vgpu_unlock/config.toml
/etc/vgpu_unlock/profile_override.toml
/usr/local/lib/vgpu_unlock_kp/libvgpu_unlock_shim.so
/usr/local/sbin/vgpu-unlock-check
/usr/local/sbin/vgpu-unlock-report
/usr/local/sbin/vgpu-unlock-status
/usr/local/sbin/vgpu-unlock-verdict
/usr/local/share/vgpu_unlock_kp/VERSION
/usr/local/share/vgpu_unlock_kp/board-branches.csv
/usr/local/share/vgpu_unlock_kp/gpu-id-map.csv
/usr/local/share/vgpu_unlock_kp/nvidia-symbols.csv
/usr/local/share/vgpu_unlock_kp/table-markers.csv
/usr/local/share/vgpu_unlock_kp/vgpu-types.csv
/var/lib/vgpu_unlock_kp/manifest
EOF
scripts/dkms-tree.sh "$T/tree"
list "$T/tree" | sed "s|^|/usr/src/vgpu_unlock_kp-$VERSION|" >>"$T/expected"
sort -o "$T/expected" "$T/expected"

t "install.sh DESTDIR=... succeeds" env DESTDIR="$R" scripts/install.sh
list "$R" >"$T/got1"
if cmp -s "$T/expected" "$T/got1"; then ok "install stages exactly the expected files"
else nok "install stages exactly the expected files" "$(diff "$T/expected" "$T/got1")"; fi
has "drop-in preloads the installed shim (nvidia-vgpud)" "$R/etc/systemd/system/nvidia-vgpud.service.d/vgpu_unlock_kp.conf" '^Environment=LD_PRELOAD=/usr/local/lib/vgpu_unlock_kp/libvgpu_unlock_shim\.so$'
has "drop-in preloads the installed shim (nvidia-vgpu-mgr)" "$R/etc/systemd/system/nvidia-vgpu-mgr.service.d/vgpu_unlock_kp.conf" '^\[Service\]$'
has "modprobe.d: softdep nvidia post: vgpu_unlock_kp" "$R/etc/modprobe.d/vgpu_unlock_kp.conf" '^softdep nvidia post: vgpu_unlock_kp$'
has "modprobe.d: commented options line" "$R/etc/modprobe.d/vgpu_unlock_kp.conf" '^#options vgpu_unlock_kp '
hasnt "config.toml example is entirely commented" "$R/etc/vgpu_unlock/config.toml" '^[^#[:space:]]'
hasnt "profile_override.toml example is entirely commented" "$R/etc/vgpu_unlock/profile_override.toml" '^[^#[:space:]]'
t "shim copied byte for byte" cmp "$SHIM_SRC" "$R/usr/local/lib/vgpu_unlock_kp/libvgpu_unlock_shim.so"
t "staged dkms.conf carries version $VERSION" grep -qx "PACKAGE_VERSION=\"$VERSION\"" "$R/usr/src/vgpu_unlock_kp-$VERSION/dkms.conf"
if [ -f userspace-shim/libvgpu_unlock_shim.so ]; then
	if VGPU_UNLOCK_CONFIG_PATH=$R/etc/vgpu_unlock/config.toml LD_PRELOAD=$R/usr/local/lib/vgpu_unlock_kp/libvgpu_unlock_shim.so /bin/true 2>&1 |
		grep -q 'config.toml (loaded): unlock=true'; then
		ok "the shim accepts the example config.toml (loaded, defaults)"
	else
		nok "the shim accepts the example config.toml" "$(VGPU_UNLOCK_CONFIG_PATH=$R/etc/vgpu_unlock/config.toml LD_PRELOAD=$R/usr/local/lib/vgpu_unlock_kp/libvgpu_unlock_shim.so /bin/true 2>&1)"
	fi
fi
cp "$R/var/lib/vgpu_unlock_kp/manifest" "$T/manifest1"
t "second install succeeds" env DESTDIR="$R" scripts/install.sh
t "second install: same manifest" cmp "$T/manifest1" "$R/var/lib/vgpu_unlock_kp/manifest"
list "$R" >"$T/got2"
t "second install: same files, no .example" cmp "$T/got1" "$T/got2"

echo "unlock = false # mine" >>"$R/etc/vgpu_unlock/config.toml"
cp "$R/etc/vgpu_unlock/config.toml" "$T/mine"
t "install over a user-modified config.toml" env DESTDIR="$R" scripts/install.sh
t "user-modified config.toml kept" cmp "$T/mine" "$R/etc/vgpu_unlock/config.toml"
t "new example beside it as config.toml.example" cmp scripts/conf/config.toml "$R/etc/vgpu_unlock/config.toml.example"
list "$R" >"$T/got3"
env DESTDIR="$R" scripts/install.sh >/dev/null 2>&1
list "$R" >"$T/got4"
t "another install: no further .example growth" cmp "$T/got3" "$T/got4"

t "uninstall.sh DESTDIR=... succeeds" env DESTDIR="$R" scripts/uninstall.sh
list "$R" >"$T/left"
if [ "$(cat "$T/left")" = /etc/vgpu_unlock/config.toml ]; then ok "uninstall removes everything but the modified config"
else nok "uninstall removes everything but the modified config" "$(cat "$T/left")"; fi
t "modified config.toml untouched by uninstall" cmp "$T/mine" "$R/etc/vgpu_unlock/config.toml"
if [ -z "$(find "$R" -mindepth 1 -type d ! -path "$R/etc" ! -path "$R/etc/vgpu_unlock")" ]; then ok "uninstall removes the directories it created"
else nok "uninstall removes the directories it created" "$(find "$R" -type d)"; fi
t "uninstall again is a no-op" env DESTDIR="$R" scripts/uninstall.sh

R2=$T/root2
mkdir -p "$R2/etc/vgpu_unlock" "$R2/etc/modprobe.d"
echo "unlock = true" >"$R2/etc/vgpu_unlock/config.toml"
echo "options other_module x=1" >"$R2/etc/modprobe.d/other.conf"
t "install next to a pre-existing user config" env DESTDIR="$R2" PREFIX=/usr scripts/install.sh
t "pre-existing config.toml not overwritten" grep -qx "unlock = true" "$R2/etc/vgpu_unlock/config.toml"
t "ours installed as config.toml.example" test -f "$R2/etc/vgpu_unlock/config.toml.example"
t "PREFIX=/usr: shim in /usr/lib/vgpu_unlock_kp" test -f "$R2/usr/lib/vgpu_unlock_kp/libvgpu_unlock_shim.so"
t "PREFIX=/usr: drop-in points there" grep -qx "Environment=LD_PRELOAD=/usr/lib/vgpu_unlock_kp/libvgpu_unlock_shim.so" "$R2/etc/systemd/system/nvidia-vgpud.service.d/vgpu_unlock_kp.conf"
env DESTDIR="$R2" PREFIX=/usr scripts/uninstall.sh >/dev/null 2>&1
list "$R2" >"$T/left2"
if [ "$(tr '\n' ' ' <"$T/left2")" = "/etc/modprobe.d/other.conf /etc/vgpu_unlock/config.toml " ]; then ok "uninstall keeps the user's files, removes ours"
else nok "uninstall keeps the user's files, removes ours" "$(cat "$T/left2")"; fi
t "uninstall: pre-existing dirs kept" test -d "$R2/etc/modprobe.d"
if env -u DESTDIR scripts/install.sh --help | grep -q '^usage:' && scripts/uninstall.sh --help | grep -q '^usage:' &&
	scripts/vgpu-unlock-check --help | grep -q '^usage:' && scripts/vgpu-unlock-status --help | grep -q '^usage:' &&
	scripts/dkms-tree.sh --help | grep -q '^usage:'; then ok "every script has --help"; else nok "every script has --help"; fi

# Every installed path a document shows is one make install places (with the
# default PREFIX, or PREFIX=/usr where the doc says so): paths naming this
# project's files (vgpu_unlock_kp, libvgpu_unlock_shim, /etc/vgpu_unlock/...).
R3=$T/docpaths-local R4=$T/docpaths-usr
if env DESTDIR="$R3" scripts/install.sh >"$T/dp.log" 2>&1 &&
	env DESTDIR="$R4" PREFIX=/usr scripts/install.sh >>"$T/dp.log" 2>&1; then
	while IFS=: read -r doc path; do
		# a path ending in "-" is a prefix in the doc (/usr/src/vgpu_unlock_kp-<version>)
		if [ -e "$R3$path" ] || [ -e "$R4$path" ] ||
			{ [[ $path == *- ]] && compgen -G "$R3$path*" >/dev/null; }; then
			ok "installed path in $doc is placed by make install: $path"
		else
			nok "installed path in $doc is placed by make install: $path" \
				"not under DESTDIR with PREFIX=/usr/local nor /usr: $(cd "$R3" && find . -type f | sed 's/^\.//' | tr '\n' ' ')"
		fi
	done < <(git grep -oE '(/usr/local|/usr|/etc)/[A-Za-z0-9_./-]*(vgpu_unlock_kp|libvgpu_unlock_shim|vgpu_unlock/|vgpu-unlock-)[A-Za-z0-9_./-]*' \
		-- README.md 'docs/*.md' | sed 's/[.]$//' | sort -u)
else
	nok "stage make install for the documents' paths" "$(cat "$T/dp.log")"
fi

# Every message docs/troubleshooting.md quotes is in the code (or another program's, listed)
t "docs/troubleshooting.md: every quoted message is printed by the code" python3 tests/packaging/doc-messages.py

# ---- (c) vgpu-unlock-check -----------------------------------------------------
MOCK=${VUKP_MOCK_DIR:-}
if [ -z "$MOCK" ]; then
	MOCK=$TOP/build/packaging/mock
	KD=
	for d in /usr/src/linux-headers-*; do
		[ -f "$d/Makefile" ] && [ -f "$d/.config" ] && { KD=$d; break; }
	done
	if [ -n "$KD" ] && command -v python3 >/dev/null 2>&1; then
		make -s -C tests/mock KDIR="$KD" OUT="$MOCK" TABLES="$TOP/build/packaging/mock-tables" \
			"$MOCK/nvidia-default.ko" "$MOCK/nvidia-nosac.ko" "$MOCK/nvidia-omit-os_mem_copy.ko" \
			"$MOCK/nvidia-nomagicstart.ko" >"$T/mock.log" 2>&1 || sed 's/^/# /' "$T/mock.log"
	fi
fi
CHK=scripts/vgpu-unlock-check
run_chk() { # run_chk NAME ARGS...: output in $T/NAME.out, exit status in $T/NAME.rc
	local name=$1; shift
	"$@" >"$T/$name.out" 2>&1
	echo $? >"$T/$name.rc"
}
rc_is() { if [ "$(cat "$T/$2.rc")" = "$3" ]; then ok "$1"; else nok "$1 (exit $(cat "$T/$2.rc"))" "$(cat "$T/$2.out")"; fi; }
json_ok() { if python3 -m json.tool <"$T/$2.out" >/dev/null 2>&1; then ok "$1"; else nok "$1" "$(cat "$T/$2.out")"; fi; }

if [ -f "$MOCK/nvidia-default.ko" ]; then
	run_chk def $CHK --only driver,symbols --nvidia-ko "$MOCK/nvidia-default.ko"
	rc_is "check --nvidia-ko mock default: exit 0" def 0
	has "mock default: vGPU host tables present" "$T/def.out" '^PASS +driver +vGPU host tables present'
	has "mock default: version 580.82.02 from .modinfo" "$T/def.out" 'nvidia 580\.82\.02 \(branch R580'
	probed=$(grep -v '^#' "$TOP/data/nvidia-symbols.csv" | awk -F, '$2 == "probed" { print $1 }')
	n=0
	for s in $probed; do grep -Eq "^PASS +symbols +$s present" "$T/def.out" && n=$((n + 1)); done
	if [ -n "$probed" ] && [ "$n" = "$(echo "$probed" | wc -l)" ]; then
		ok "mock default: every probed symbol of data/nvidia-symbols.csv present ($n)"
	else nok "mock default: every probed symbol of data/nvidia-symbols.csv present ($n)" "$(cat "$T/def.out")"; fi
	run_chk omit $CHK --only driver,symbols --nvidia-ko "$MOCK/nvidia-omit-os_mem_copy.ko"
	rc_is "mock omit-os_mem_copy: exit 1" omit 1
	has "mock omit-os_mem_copy: os_mem_copy missing (FAIL)" "$T/omit.out" '^FAIL +symbols +os_mem_copy missing'
	run_chk nms $CHK --only driver,symbols --nvidia-ko "$MOCK/nvidia-nomagicstart.ko"
	rc_is "mock nomagicstart: exit 1" nms 1
	has "mock nomagicstart: not a vGPU host driver (decoy marker copies ignored)" "$T/nms.out" '^FAIL +driver +not a vGPU host driver'
	run_chk nosac $CHK --only driver --nvidia-ko "$MOCK/nvidia-nosac.ko"
	has "mock nosac: tables without sacrificial entries reported" "$T/nosac.out" '^FAIL +driver +vGPU host tables present, but neither known sacrificial'
	xz -k -c "$MOCK/nvidia-default.ko" >"$T/nvidia.ko.xz" 2>/dev/null
	run_chk xz $CHK --only driver,symbols --nvidia-ko "$T/nvidia.ko.xz"
	rc_is "check reads an xz-compressed nvidia.ko.xz" xz 0
	run_chk defj $CHK --json --only driver,symbols --nvidia-ko "$MOCK/nvidia-default.ko"
	json_ok "--json output parses (mock default)" defj
	if python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["driver"]["vgpu_host"] is True and d["driver"]["symbols"]["os_mem_copy"] is True and d["summary"]["fail"] == 0' <"$T/defj.out" 2>/dev/null; then
		ok "--json: vgpu_host true, os_mem_copy true, no FAIL"
	else nok "--json: vgpu_host true, os_mem_copy true, no FAIL" "$(cat "$T/defj.out")"; fi
else
	skip "vgpu-unlock-check against the mock nvidia.ko" "mock not built (needs kernel headers and python3)"
fi
# a module that is not a vGPU host driver but carries the marker bytes itself
# (built here by --dkms-only, or by DKMS in packages.sh, which make check runs first)
PLAIN=$(cat "$T/built-ko" 2>/dev/null)
[ -n "$PLAIN" ] && [ -f "$PLAIN" ] || PLAIN=$(ls "$TOP"/build/dkms/*/vgpu_unlock_kp.ko 2>/dev/null | head -n 1)
if [ -n "$PLAIN" ]; then
	run_chk plain $CHK --only driver,symbols --nvidia-ko "$PLAIN"
	has "plain module (vgpu_unlock_kp.ko, holds the markers unreferenced): not a vGPU host driver" "$T/plain.out" '^FAIL +driver +not a vGPU host driver'
	has "plain module: probed symbols missing" "$T/plain.out" '^FAIL +symbols +os_mem_copy missing'
	run_chk plainj $CHK --json --only driver,symbols --nvidia-ko "$PLAIN"
	json_ok "--json output parses (plain module)" plainj
else
	skip "plain module" "no vgpu_unlock_kp.ko built"
fi

# fixture root: procfs/sysfs/boot/etc
F=$T/fx
K=6.1.0-fixture
mk() { mkdir -p "$(dirname "$F/$1")"; printf '%b' "$2" >"$F/$1"; }
gpu() { # gpu ADDR DEVICE [CLASS]
	mk "sys/bus/pci/devices/$1/vendor" '0x10de\n'
	mk "sys/bus/pci/devices/$1/device" "$2\n"
	mk "sys/bus/pci/devices/$1/class" "${3:-0x030000}\n"
	mk "sys/bus/pci/devices/$1/subsystem_device" '0x0000\n'
}
mk "boot/config-$K" 'CONFIG_KPROBES=y\nCONFIG_KRETPROBES=y\n'
mk "lib/modules/$K/build/Makefile" ''
mk "lib/modules/$K/modules.builtin" 'kernel/drivers/vfio/vfio.ko\nkernel/drivers/vfio/vfio_iommu_type1.ko\n'
mk "lib/modules/$K/modules.dep" 'kernel/drivers/vfio/mdev/mdev.ko:\n'
mk sys/module/nvidia/version '580.82.02\n'
mk proc/kallsyms 'ffffffffc0001000 T os_mem_copy\t[nvidia]\nffffffffc0001100 t os_map_kernel_space\t[nvidia]\nffffffffc0001200 T os_unmap_kernel_space\t[nvidia]\nffffffffc0001300 T rm_ioctl\t[nvidia]\nffffffffc0001400 t nvidia_unlocked_ioctl\t[nvidia]\nffffffffc0001500 T os_memcpy_to_user\t[nvidia]\nffffffffc0001600 T os_memcpy_from_user\t[nvidia]\nffffffff81000000 T os_mem_copy_decoy\n'
mkdir -p "$F/sys/class/iommu/dmar0" "$F/sys/firmware/efi/efivars" "$F/sys/module/nvidia_vgpu_vfio"
printf '\007\000\000\000\000' >"$F/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
mk proc/cmdline 'root=/dev/sda1 intel_iommu=on\n'
gpu 0000:01:00.0 0x1b06          # GTX 1080 Ti: Pascal -> P40, last R535
gpu 0000:01:00.1 0x10ef 0x040300 # its audio function: ignored
gpu 0000:02:00.0 0x1e07          # RTX 2080 Ti: Turing -> RTX 6000
gpu 0000:03:00.0 0x2204          # RTX 3090: Ampere, never
gpu 0000:04:00.0 0x1b38          # Tesla P40: native
FX=(env VUKP_ROOT="$F" VUKP_KERNEL_RELEASE="$K" VUKP_DATADIR="$TOP/data")

run_chk k "${FX[@]}" $CHK --only kernel,headers,iommu,vfio,symbols
rc_is "fixture: kernel/headers/iommu/vfio/symbols all pass" k 0
has "fixture: kprobes config read from /boot/config-K" "$T/k.out" "^PASS +kernel +kernel $K: CONFIG_KPROBES=y"
has "fixture: symbols read from kallsyms, local t accepted" "$T/k.out" '^PASS +symbols +os_map_kernel_space present \(kallsyms\)'
has "fixture: mdev available but not loaded is a WARN" "$T/k.out" '^WARN +vfio +not loaded: mdev'
has "fixture: IOMMU dmar0" "$T/k.out" '^PASS +iommu +IOMMU enabled \(dmar0\)'
grep -v 'T os_mem_copy' "$F/proc/kallsyms" >"$T/kallsyms-norm"
run_chk k2 "${FX[@]}" VUKP_KALLSYMS="$T/kallsyms-norm" $CHK --only symbols
rc_is "fixture: kallsyms without os_mem_copy: exit 1" k2 1
has "fixture: kallsyms without os_mem_copy: os_mem_copy missing" "$T/k2.out" '^FAIL +symbols +os_mem_copy missing \(kallsyms\)'
printf 'CONFIG_KPROBES=y\n# CONFIG_KRETPROBES is not set\n' >"$T/cfg"
cp "$T/cfg" "$F/boot/config-$K"
run_chk k3 "${FX[@]}" $CHK --only kernel
has "fixture: kernel without kretprobes FAILs" "$T/k3.out" '^FAIL +kernel +kernel .* lacks CONFIG_KRETPROBES'
printf 'CONFIG_KPROBES=y\nCONFIG_KRETPROBES=y\n' >"$F/boot/config-$K"
rmdir "$F/sys/class/iommu/dmar0"
mk proc/cmdline 'root=/dev/sda1\n'
run_chk k4 "${FX[@]}" $CHK --only iommu
has "fixture: no IOMMU is reported with the kernel parameter to add" "$T/k4.out" 'intel_iommu=on'

run_chk g "${FX[@]}" $CHK --only gpus
has "fixture: GTX 1080 Ti on R580 -> not unlockable, last branch R535" "$T/g.out" '^FAIL +gpus +0000:01:00\.0 10de:1b06 \(Pascal\) -> Tesla P40 \(0x1b38\): not with R580.*R535'
has "fixture: RTX 2080 Ti on R580 -> unlockable as Quadro RTX 6000" "$T/g.out" '^PASS +gpus +0000:02:00\.0 10de:1e07 \(Turing\) -> Quadro RTX 6000'
has "fixture: RTX 3090 -> never unlockable" "$T/g.out" '^FAIL +gpus +0000:03:00\.0 10de:2204 .*cannot be unlocked by any driver'
has "fixture: Tesla P40 -> native board, left alone" "$T/g.out" '^PASS +gpus +0000:04:00\.0 10de:1b38 \(Tesla P40\) is a native vGPU board'
hasnt "fixture: the GPU's audio function is not listed" "$T/g.out" '01:00\.1'
mk sys/module/nvidia/version '535.230.02\n'
run_chk g2 "${FX[@]}" $CHK --only gpus
has "fixture: GTX 1080 Ti on R535 -> unlockable" "$T/g2.out" '^PASS +gpus +0000:01:00\.0 10de:1b06 \(Pascal\) -> Tesla P40 \(0x1b38\): unlockable with R535'
run_chk gj "${FX[@]}" $CHK --json --only gpus
json_ok "fixture: --json with GPUs parses" gj
if python3 -c 'import json,sys; g={x["device_id"]: x["unlockable"] for x in json.load(sys.stdin)["gpus"]}; assert g == {"0x1b06": "yes", "0x1e07": "yes", "0x2204": "no", "0x1b38": "native"}, g' <"$T/gj.out" 2>"$T/gj.err"; then
	ok "fixture: --json unlockable per GPU"
else nok "fixture: --json unlockable per GPU" "$(cat "$T/gj.err")"; fi

run_chk s0 "${FX[@]}" $CHK --only signing
has "fixture: no /proc/modules -> FAIL, no module loads" "$T/s0.out" '^FAIL +signing +this kernel has no loadable module support'
mk proc/modules ''
run_chk s1 "${FX[@]}" $CHK --only signing
has "fixture: no lockdown file -> said so, not 'lockdown none'" "$T/s1.out" '^PASS +signing +Secure Boot off, lockdown not in this kernel'
mk sys/kernel/security/lockdown '[none] integrity confidentiality\n'
run_chk s "${FX[@]}" $CHK --only signing
has "fixture: Secure Boot off, lockdown none -> PASS" "$T/s.out" '^PASS +signing +Secure Boot off, lockdown none'
printf '\007\000\000\000\001' >"$F/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
mk sys/kernel/security/lockdown 'none [integrity] confidentiality\n'
run_chk s2 "${FX[@]}" $CHK --only signing
has "fixture: Secure Boot on -> mokutil enrolment explained" "$T/s2.out" 'mokutil --import /var/lib/dkms/mok\.pub'
if [ -f "$MOCK/nvidia-default.ko" ]; then
	mkdir -p "$F/lib/modules/$K/updates/dkms"
	cp "$MOCK/nvidia-default.ko" "$F/lib/modules/$K/updates/dkms/vgpu_unlock_kp.ko" # any unsigned module
	run_chk s3 "${FX[@]}" $CHK --only dkms,signing
	has "fixture: Secure Boot on + unsigned module -> FAIL, Key was rejected" "$T/s3.out" '^FAIL +signing +Secure Boot is on, lockdown=integrity: .* is not signed .*Key was rejected by service'
	rm -rf "$F/lib/modules/$K/updates"
fi
run_chk d0 "${FX[@]}" $CHK --only dkms
has "fixture: not installed -> WARN make install" "$T/d0.out" '^WARN +dkms +vgpu_unlock_kp is not installed'
mkdir -p "$F/var/lib/dkms/vgpu_unlock_kp/$VERSION/source"
run_chk d1 "${FX[@]}" $CHK --only dkms
has "fixture: registered but not built for the running kernel -> FAIL" "$T/d1.out" "^FAIL +dkms +vgpu_unlock_kp is registered with DKMS \\($VERSION\\) but not installed for the running kernel"

mk lib/systemd/system/nvidia-vgpud.service '[Service]\n'
mk lib/systemd/system/nvidia-vgpu-mgr.service '[Service]\n'
mk etc/systemd/system/nvidia-vgpud.service.d/vgpu_unlock.conf '[Service]\nEnvironment=LD_PRELOAD=/opt/vgpu_unlock-rs/target/release/libvgpu_unlock_rs.so\n'
mk usr/local/lib/vgpu_unlock_kp/libvgpu_unlock_shim.so ''
mk etc/systemd/system/nvidia-vgpu-mgr.service.d/vgpu_unlock_kp.conf '[Service]\nEnvironment=LD_PRELOAD=/usr/local/lib/vgpu_unlock_kp/libvgpu_unlock_shim.so\n'
mk proc/4242/comm 'nvidia-vgpu-mgr\n'
mk proc/4242/maps '7f0000000000-7f0000001000 r-xp 00000000 08:01 1 /usr/lib/libc.so.6\n'
run_chk dm "${FX[@]}" $CHK --only daemons
has "fixture: vgpu_unlock-rs drop-in -> FAIL pointing to migrating.md" "$T/dm.out" '^FAIL +daemons +nvidia-vgpud preloads vgpu_unlock-rs'
has "fixture: shim drop-in -> PASS" "$T/dm.out" '^PASS +daemons +nvidia-vgpu-mgr preloads /usr/local/lib/vgpu_unlock_kp/libvgpu_unlock_shim\.so'
has "fixture: daemon running without the shim -> WARN restart" "$T/dm.out" '^WARN +daemons +nvidia-vgpu-mgr \(pid 4242\) runs without the shim'
mk etc/systemd/system/nvidia-vgpud.service.d/vgpu_unlock_kp.conf '[Service]\nEnvironment=LD_PRELOAD=/usr/local/lib/vgpu_unlock_kp/libvgpu_unlock_shim.so\n'
run_chk dm2 "${FX[@]}" $CHK --only daemons
has "fixture: our drop-in sorts after vgpu_unlock.conf and wins" "$T/dm2.out" '^PASS +daemons +nvidia-vgpud preloads /usr/local/lib/vgpu_unlock_kp/libvgpu_unlock_shim\.so \(/etc/systemd/system/nvidia-vgpud\.service\.d/vgpu_unlock_kp\.conf\)'

mk etc/modprobe.d/vgpu_unlock_kp.conf 'softdep nvidia post: vgpu_unlock_kp\n'
mk sys/module/vgpu_unlock_kp/version '0.1.0\n'
mk proc/driver/vgpu_unlock_kp 'vgpu_unlock_kp 0.1.0\nnvidia state=refused version="550.54.10" loads=1 reason="no vGPU host tables found: this is not a vGPU-KVM host driver"\nprobe os_mem_copy hits=0 missed=0\n'
run_chk m "${FX[@]}" $CHK --only module
has "fixture: softdep found" "$T/m.out" '^PASS +module +modprobe\.d: softdep nvidia post: vgpu_unlock_kp'
has "fixture: module refused nvidia -> FAIL with the reason" "$T/m.out" '^FAIL +module +vgpu_unlock_kp 0\.1\.0 loaded but refused nvidia: no vGPU host tables found'
mk proc/driver/vgpu_unlock_kp 'vgpu_unlock_kp 0.1.0\nnvidia state=armed version="580.82.02" loads=1\ntables other_boards=1047 vgpu_entries=2101 slots=1 slots_cls0=0 slots_cls1=1 borrow=1 usable=2076 reserved=25 slots_used=25 borrowed=24 decoys=0 searched_kib=44000 search_us=90000\nhandler irqoff_max_us=180.500 parked_bytes=0\nprobe os_mem_copy hits=3 missed=0 enabled=no\ngpu 0000:01:00.0 pci_id=10de:1b06 state=ready magic=yes key=yes device=0x1b06 target=0x1b38 board="Tesla P40" types=25/25 slots=25 reads=9 magic_reads=1 key_reads=1 key_rejects=2 error="none"\n  installed: GRID P40-1Q\ngpu 0000:02:00.0 pci_id=10de:1e07 state=idle magic=yes key=no target=0x1e30 board="Quadro RTX 6000" types=0/23 slots=0 reads=2 magic_reads=1 key_reads=0 key_rejects=0 error="not enough usable driver entries for every type"\nentry 0 kind=sacrificial gpu=0000:01:00.0 type="GRID P40-1Q"\n'
run_chk m2 "${FX[@]}" $CHK --only module
has "fixture: module armed -> PASS" "$T/m2.out" '^PASS +module +vgpu_unlock_kp 0\.1\.0 loaded, armed on nvidia 580\.82\.02'
has "fixture: per-GPU error surfaced" "$T/m2.out" '^WARN +module +GPU 0000:02:00\.0: state=idle, error: not enough usable driver entries for every type'
run_chk all "${FX[@]}" $CHK --json
json_ok "fixture: full --json run parses" all
# The status tool on the real status file: tests/selftests/29-status.sh (guest).
if [ -f userspace-shim/libvgpu_unlock_shim.so ]; then
	run_chk st2 env VUKP_ROOT="$F" scripts/vgpu-unlock-status --shim userspace-shim/libvgpu_unlock_shim.so
	has "vgpu-unlock-status: effective shim config from the shim itself" "$T/st2.out" 'unlock=true unlock_migration=false'
fi

# Every script is shellchecked by make style (scripts/style.sh).

echo "1..$N"
echo "# $SKIP skipped"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
