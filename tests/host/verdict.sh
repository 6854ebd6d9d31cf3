#!/bin/bash
# The offline verdict tool (scripts/verdict: module/tables.c built for
# userspace) on relocatable objects assembled from the generated mock tables:
# the ELF layout and relocation step must hand the search every list whole.
# Expectations come from the generator's tables.txt, not from the code under
# test.  Also: an object without tables is "not a vGPU host driver", and
# compressed copies (xz, gzip, zstd) give the same verdict.  The agreement
# with the module itself is checked in QEMU (tests/selftests/27-verdict.sh).
# Prints "ok"/"not ok" lines; exit 1 if any failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/host/verdict
mkdir -p "$out"
rc=0
say() { if [ "$1" = 0 ]; then echo "ok - $2"; else echo "not ok - $2"; rc=1; fi; }

make -s -C "$top/scripts/verdict" OUT="$out" >"$out/build.log" 2>&1
say $? "vgpu-unlock-verdict builds from module/tables.c" || { cat "$out/build.log"; exit 1; }
V=$out/vgpu-unlock-verdict
jget() { sed -n "s/^{.*\"$2\":\(\"\([^\"]*\)\"\|\([^,}]*\)\).*\"gpus\".*/\2\3/p" "$1"; }

for set in std layout2 fewslots dconly patcheronly sac1 scarce rand1; do
	dir=$top/build/mock-tables/$set
	[ -f "$dir/tables.S" ] || continue
	gcc -c -o "$out/$set.o" "$dir/tables.S" 2>"$out/$set.cc" || { cat "$out/$set.cc"; say 1 "[$set] assembles"; continue; }
	"$V" --json "$out/$set.o" 1b06 >"$out/$set.json"
	other=$(awk '$1 == "other" { print $2 + 1 }' "$dir/tables.txt")	# + its magic_start entry
	vgpu=$(grep -c '^vgpu ' "$dir/tables.txt")
	sac=$(grep -c '^vgpu sac' "$dir/tables.txt")
	got="$(jget "$out/$set.json" arms) $(jget "$out/$set.json" other_boards) $(jget "$out/$set.json" vgpu_entries) $(jget "$out/$set.json" sacrificial)"
	[ "$got" = "true $other $vgpu $sac" ]
	say $? "[$set] arms, $other other boards, $vgpu vGPU entries, $sac sacrificial (got: $got)"
done

# compressed copies: the same verdict
for z in "xz -c" "gzip -c" "zstd -qc"; do
	command -v "${z%% *}" >/dev/null || { echo "ok - ${z%% *} copy # SKIP no ${z%% *}"; continue; }
	$z "$out/std.o" >"$out/std.z"
	"$V" --json "$out/std.z" 1b06 | sed 's/"file":"[^"]*"//' >"$out/std.z.json"
	sed 's/"file":"[^"]*"//' "$out/std.json" | cmp -s - "$out/std.z.json"
	say $? "a ${z%% *} copy gives the same verdict"
done

# an object without the tables (the tool's own code): refused, and why
gcc -c -I"$top/module" -I"$top/include" -o "$out/plain.o" "$top/module/tables.c"
"$V" "$out/plain.o" 1b06 >"$out/plain.txt"
[ $? = 1 ] && grep -q "^verdict: the module would refuse this driver: no vGPU host tables found" "$out/plain.txt" &&
	grep -q "not-unlockable: no vGPU host tables" "$out/plain.txt"
say $? "an object without tables (it holds the marker magics unreferenced): refused, 'no vGPU host tables found'" || cat "$out/plain.txt"
"$V" /etc/hostname >/dev/null 2>&1
[ $? = 2 ]
say $? "not an ELF file: exit 2"
exit $rc
