#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
# Run every shim test, renumber the KTAP lines into one stream and end with
# exactly one "N passed, M failed" line.  Exit 0 iff M == 0.
# usage: run-check.sh <userspace-shim dir> <obj dir>   (env FUZZ_SECONDS)
set -u
SHIM=$1
O=$2
HERE=$(cd "$(dirname "$0")" && pwd)
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
SO=$SHIM/libvgpu_unlock_shim.so
TMP=$(mktemp -d /tmp/vukp-shim-check.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
n=0 pass=0 fail=0 skip=0

emit() { # emit <ok:0|1|skip> <description> (a SKIP is neither passed nor failed)
	n=$((n + 1))
	if [ "$1" = skip ]; then
		skip=$((skip + 1)); echo "ok $n - $2"
	elif [ "$1" = 1 ]; then
		pass=$((pass + 1)); echo "ok $n - $2"
	else
		fail=$((fail + 1)); echo "not ok $n - $2"
	fi
}

# run <prefix> <cmd...>: renumber the command's KTAP results
run() {
	local prefix=$1 out rc seen=0 line
	shift
	out=$("$@" 2>"$TMP/stderr"); rc=$?
	while IFS= read -r line; do
		case $line in
		"ok "*"# SKIP"*) seen=1; emit skip "$prefix${line#ok * - }" ;;
		"ok "*) seen=1; emit 1 "$prefix${line#ok * - }" ;;
		"not ok "*) seen=1; emit 0 "$prefix${line#not ok * - }" ;;
		"#"*) echo "$line" ;;
		esac
	done <<<"$out"
	if [ "$rc" != 0 ] && ! grep -q '^not ok' <<<"$out"; then
		emit 0 "$prefix$(basename "$1") exited with status $rc"
		sed 's/^/# /' "$TMP/stderr" | tail -20
	fi
	[ $seen = 1 ] || emit 0 "$prefix$(basename "$1") produced no results"
}

echo "KTAP version 1"
run "" "$O/test_shim"
run "asan+ubsan: " "$O/test_shim_san"

# end-to-end through the real .so
cat >"$TMP/config.toml" <<'TOML'
# e2e configuration
unlock = true
TOML
cat >"$TMP/profile.toml" <<'TOML'
[profile.nvidia-55]
adapter_name = "e2e adapter"
max_instances = 5
[mdev.00000001-0000-0000-0000-000000000100]
max_instances = 6
num_displays = 3
[vm.100]
max_instances = 7
TOML
chmod 644 "$TMP"/*.toml
run "" env VGPU_UNLOCK_CONFIG_PATH="$TMP/config.toml" \
	VGPU_UNLOCK_PROFILE_OVERRIDE_CONFIG_PATH="$TMP/profile.toml" \
	LD_PRELOAD="$SO $O/libfakerm.so" "$O/e2e" "$TMP"
grep -q 'version .*config.toml (loaded)' "$TMP/stderr"
emit $(( $? == 0 )) "e2e: start-up line with version and effective configuration"

# exports: only ioctl
syms=$(nm -D --defined-only "$SO" | awk '{print $3}' | sort | tr '\n' ' ')
[ "$syms" = "ioctl " ]
emit $(( $? == 0 )) "exports only ioctl (got: $syms)"
! nm -D --undefined-only "$SO" | grep -q ' U .*@GLIBC_2\.3[5-9]'
emit $(( $? == 0 )) "no dependency on glibc newer than 2.34"
LD_PRELOAD="$SO" /bin/true 2>/dev/null
emit $(( $? == 0 )) "preloads into an unrelated program"

# bounded fuzzing, half the budget each
half=$(( FUZZ_SECONDS / 2 )); [ $half -ge 1 ] || half=1
for t in toml rewrite; do
	mkdir -p "$TMP/corpus-$t"
	"$O/fuzz_$t" -max_total_time=$half -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$O/fuzz-$t-" -print_final_stats=1 \
		"$TMP/corpus-$t" "$HERE/corpus/$t" >"$TMP/fuzz.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$TMP/fuzz.log")
	[ $rc = 0 ] || grep -E 'ERROR|SUMMARY|artifact' "$TMP/fuzz.log" | sed 's/^/# /' | head -20
	emit $(( rc == 0 )) "fuzz $t for ${half}s (${runs:-?} inputs)"
done

echo "1..$n"
echo "# $skip skipped"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
