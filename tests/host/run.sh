#!/bin/bash
# Host-side tests of the test bed: generated tables (checked with OpenSSL's
# C API, a second implementation) and data/, the one source of the catalogue,
# the probed functions and the marker magics.
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

# Every table set the mock's Makefile generates (a new variant's set is
# checked without touching this file), except those damaged on purpose in a
# way the check cannot take: sets DAMAGED-LIST
sets() { (cd "$top/build/mock-tables" && for s in *; do
	[ -f "$s/tables.S" ] && case " $1 " in *" $s "*) ;; *) echo "$s" ;; esac
done); }
for set in $(sets "nomagicstart ptr-outside no-terminator"); do
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
for set in $(sets "nomagicstart ptr-outside huge-blocks"); do
	dir=$top/build/mock-tables/$set
	grep -q '^vgpu sac' "$dir/tables.txt" || continue
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

# Layouts drawn afresh on every run (the seed is printed; VUKP_TABLE_SEED
# repeats one): both lists back to back with no terminator, the magic_start
# triplet bare or not, records of up to 33 blocks, the sacrificial block first
# or anywhere, DualCoder's or the patcher's, the patcher's magic in the other
# list or not, the native P40 anywhere.  The module's search must find both
# lists whole and every sacrificial entry.
for i in 1 2 3 4 5 6; do
	seed=${VUKP_TABLE_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
	args=(--layout-seed "$seed" --native-pos any --adjacent --bulk-mb 1)
	args+=(--max-blocks "$((8 + seed % 26))")
	[ $((seed / 26 % 2)) = 0 ] && args+=(--bare-magic-start)
	[ $((seed / 52 % 2)) = 0 ] && args+=(--no-sac-in-other)
	[ $((seed / 104 % 2)) = 0 ] && args+=(--sac-pos any)
	case $((seed / 208 % 3)) in
	0) args+=(--sac-patcher 1 --sac-dualcoder 0) ;;
	1) args+=(--sac-patcher 0 --sac-dualcoder "$((1 + seed / 624 % 4))") ;;
	2) args+=(--sac-patcher "$((1 + seed / 624 % 3))" --sac-dualcoder "$((seed / 1872 % 3))") ;;
	esac
	dir=$out/adjacent-$i
	rm -rf "$dir"
	if python3 "$top/tests/mock/gen_tables.py" --out "$dir" --types "$top/data/vgpu-types.csv" \
		"${args[@]}" >"$dir.log" 2>&1 &&
		gcc -O2 -no-pie -I"$top/module" -I"$top/include" -o "$dir/search" \
			"$top/tests/host/search_tables.c" "$top/module/tables.c" "$dir/tables.S" 2>>"$dir.log"; then
		log=$("$dir/search" "$dir/tables.txt")
		rc=$?
	else
		log=$(cat "$dir.log") rc=1
	fi
	echo "$log" | grep '^not ok' | sed "s/^/# [adjacent $seed] /"
	report $rc "module/tables.c on lists back to back, layout seed $seed (${args[*]:4})"
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

# data/ is the one source of the catalogue, the probed functions and the
# marker magics: the make rule regenerates the headers (after checking the
# CSVs against each other) and they must be the committed ones.
rm -rf "$out/catalog"
if make -s -C "$top" catalog CATALOG_DIR="$out/catalog" >"$out/catalog.log" 2>&1; then
	report 0 "make catalog: data/*.csv agree with each other"
	for h in vukp_catalog.h vukp_nvidia.h; do
		diff -u "$top/include/$h" "$out/catalog/$h" | sed 's/^/# /'
		report "${PIPESTATUS[0]}" "include/$h is what make catalog generates from data/*.csv"
	done
else
	sed 's/^/# /' "$out/catalog.log"
	report 1 "make catalog: data/*.csv agree with each other"
fi

# The consistency checks catch what they are there for: broken copies of data/.
bad_data() { # DESC FILE SED-EXPR PATTERN
	local d=$out/baddata
	rm -rf "$d" && mkdir -p "$d/data" && cp "$top"/data/*.csv "$d/data/"
	sed -i "$3" "$d/data/$2"
	if sh "$top/scripts/gen-catalog.sh" -o "$d/include" "$d" 2>"$d/err"; then
		report 1 "gen-catalog refuses $1"
	else
		grep -q -- "$4" "$d/err" || sed 's/^/# /' "$d/err"
		grep -q -- "$4" "$d/err"
		report $? "gen-catalog refuses $1"
	fi
}
bad_data "an id-map target that is no board of vgpu-types.csv" gpu-id-map.csv 's/,0x1b38,Tesla P40,/,0x1b39,Tesla P40,/' 'is not a board'
bad_data "an id-map board name differing from vgpu-types.csv" gpu-id-map.csv 's/,Tesla M60,/,Tesla M6,/' 'is Tesla M60'
bad_data "overlapping id ranges" gpu-id-map.csv 's/,0x1725,0x172f,/,0x1725,0x1b10,/' 'overlaps'
# shellcheck disable=SC2016 # sed's $d (delete the last line)
bad_data "a stale row count in vgpu-types.csv" vgpu-types.csv '$d' 'says 156 rows'
bad_data "a probed symbol without a role" nvidia-symbols.csv 's/^os_mem_copy,probed,copy/os_mem_copy,probed,/' 'needs a role'
bad_data "a marker magic of 15 bytes" table-markers.csv 's/,f3f59e3d139175186a7b55edce5d8467,/,f3f59e3d139175186a7b55edce5d84,/' '32 lower-case'
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
