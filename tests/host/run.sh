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

# The offline verdict tool (module/tables.c again) on assembled table objects.
vlog=$("$top/tests/host/verdict.sh" 2>&1)
vrc=$?
echo "$vlog" | grep '^not ok' | sed 's/^/# [verdict] /'
report $vrc "offline verdict tool (scripts/verdict): $(echo "$vlog" | grep -c '^ok ') checks passed"

# The module's portable AES-128 and HMAC-SHA256, built for userspace from
# module/crypto.[ch] and the portable-crypto part of module/compat.h, against OpenSSL.
cdir=$out/crypto
mkdir -p "$cdir/linux"
cp "$top/module/crypto.c" "$top/module/crypto.h" "$cdir/"
{
	echo '#include "kstub.h"'
	sed -n '/^\/\* ---- portable crypto:/,/^\/\* ---- end of portable crypto/p' "$top/module/compat.h"
} >"$cdir/compat.h"
cat >"$cdir/kstub.h" <<'STUB'
#pragma once
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <errno.h>
typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
static inline u32 ror32(u32 w, unsigned int s) { return (w >> s) | (w << ((32 - s) & 31)); }
#define memzero_explicit(p, n) memset(p, 0, n)
#define min(a, b) ((a) < (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define crypto_memneq(a, b, n) (memcmp(a, b, n) != 0)
STUB
for h in string bitops types; do echo '#include "../kstub.h"' >"$cdir/linux/$h.h"; done
if gcc -O2 -Wall -Wextra -I"$cdir" -o "$cdir/check_crypto" "$top/tests/host/check_crypto.c" \
	"$cdir/crypto.c" -lcrypto 2>"$cdir/cc.log"; then
	log=$("$cdir/check_crypto")
	rc=$?
	echo "$log" | grep '^not ok' | sed 's/^/# [crypto] /'
	report $rc "module/crypto.c (userspace build) = OpenSSL: $(echo "$log" | grep -c '^ok ') of 4 checks passed"
else
	cat "$cdir/cc.log"
	report 1 "module/crypto.c builds for userspace"
fi

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
