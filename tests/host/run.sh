#!/bin/bash
# Host-side tests of the test bed: generated tables (checked with OpenSSL's
# C API, a second implementation) and the catalogue's single source of truth.
# Prints KTAP and ends with "N passed, M failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/host
mkdir -p "$out"
passed=0 failed=0 n=0

report() { # RC DESC
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		passed=$((passed + 1)); echo "ok $n - $2"
	else
		failed=$((failed + 1)); echo "not ok $n - $2"
	fi
}

make -s -C "$top/tests/mock" tables fuses OUT="$top/build/fuses" >"$out/gen.log" 2>&1
report $? "table generator runs for every table set" || cat "$out/gen.log"

for set in std layout2 fewslots nosac dconly patcheronly; do
	dir=$top/build/mock-tables/$set
	if gcc -O1 -no-pie -o "$out/check_tables_$set" "$top/tests/host/check_tables.c" \
		"$dir/tables.S" -lcrypto 2>"$out/cc_$set.log"; then
		log=$("$out/check_tables_$set" "$dir/tables.txt" "$top"/build/fuses/gpu*.img)
		rc=$?
		p=$(echo "$log" | grep -c '^ok ')
		f=$(echo "$log" | grep -c '^not ok ')
		echo "$log" | grep '^not ok' | sed "s/^/# [$set] /"
		report $rc "tables '$set': $p checks passed, $f failed (OpenSSL C verification)"
	else
		cat "$out/cc_$set.log"
		report 1 "tables '$set' assemble into a host program"
	fi
done

# The module's own table search, built for userspace from module/tables.c.
for set in $(cd "$top/build/mock-tables" && ls); do
	dir=$top/build/mock-tables/$set
	[ -f "$dir/tables.S" ] && grep -q '^vgpu sac' "$dir/tables.txt" || continue
	case $set in nomagicstart | ptr-outside | huge-blocks) continue ;; esac # damaged on purpose
	if gcc -O2 -Wall -Wextra -no-pie -I"$top/module" -I"$top/include" \
		-o "$out/search_tables_$set" "$top/tests/host/search_tables.c" \
		"$top/module/tables.c" "$dir/tables.S" 2>"$out/search_cc_$set.log"; then
		log=$("$out/search_tables_$set" "$dir/tables.txt")
		rc=$?
		echo "$log" | grep '^not ok' | sed "s/^/# [$set] /"
		report $rc "module/tables.c (userspace build) on tables '$set': $(echo "$log" | grep -c '^ok ') checks passed"
	else
		cat "$out/search_cc_$set.log"
		report 1 "module/tables.c builds for userspace with tables '$set'"
	fi
done

grep -qx 'bulk 8' "$top/build/mock-tables/std/tables.txt"
report $? "the standard mock tables carry 8 MiB of read-only bulk"

sh "$top/scripts/gen-catalog.sh" "$top" | cmp -s - "$top/include/vukp_catalog.h"
report $? "include/vukp_catalog.h is generated from data/*.csv"
ref=$top/../shared/reference
if [ -d "$ref" ]; then
	cmp -s "$ref/gpu-id-map.csv" "$top/data/gpu-id-map.csv" &&
		cmp -s "$ref/vgpu-types.csv" "$top/data/vgpu-types.csv"
	report $? "data/*.csv match ../shared/reference"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
