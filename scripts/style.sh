#!/bin/bash
# `make style`: the project's style judges, one test case each, ending with
# "N passed, M failed" (a host suite of `make check`).
#   - checkpatch.pl --strict on module/ (the kernel's own judge), taken from
#     Debian's linux-source-6.1 (installed by tests/qemu/deps.sh) into
#     build/checkpatch/ the first time;
#   - shellcheck on every shell script of the repository (-S warning:
#     warnings and errors fail; its info and style notes are advice).
# clang-format is not used: the kernel's .clang-format disagrees with
# checkpatch on continuation-line alignment and on macros, and checkpatch is
# the judge.
#
# One documented exception: checkpatch reads the header name in
# `#if __has_include(<crypto/utils.h>)` (module/compat.h) as the operators
# '<' '/' '>' and asks for spaces around them; spaces there would break the
# directive. Reports of type SPACING on a line that is exactly
# `#if __has_include(<path.h>)` are dropped, and said so.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
PASS=0 FAIL=0 N=0
ok() { N=$((N + 1)) PASS=$((PASS + 1)); echo "ok $N - $1"; }
nok() { # DESC DIAG
	N=$((N + 1)) FAIL=$((FAIL + 1))
	echo "not ok $N - $1"
	[ -z "${2:-}" ] || sed 's/^/# /' <<<"$2"
}
echo "KTAP version 1"

# ---- checkpatch ---------------------------------------------------------------
src=${VUKP_LINUX_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
cp_dir=build/checkpatch
cp_files="scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch"
if [ ! -f "$cp_dir/scripts/checkpatch.pl" ]; then
	[ -f "$src" ] || tests/qemu/deps.sh >&2
	mkdir -p "$cp_dir"
	top=$(tar -tJf "$src" 2>/dev/null | head -n 1 | cut -d/ -f1)
	members=()
	for m in $cp_files; do members+=("$top/$m"); done
	tar -xJf "$src" -C "$cp_dir" --strip-components=1 "${members[@]}" 2>&1 ||
		rm -rf "$cp_dir/scripts"
fi
if [ -f "$cp_dir/scripts/checkpatch.pl" ]; then
	out=$(perl "$cp_dir/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
		--no-summary -f module/*.[ch] 2>&1)
	kept=
	while IFS= read -r l; do
		[ -n "$l" ] || continue
		f=${l%%:*} rest=${l#*:} line=${rest%%:*}
		if [[ $l == *:SPACING:* && -f $f && $line =~ ^[0-9]+$ ]] &&
			sed -n "${line}p" "$f" | grep -qE '^#if __has_include\(<[A-Za-z0-9_/.-]+>\)$'; then
			echo "# checkpatch: ignored (documented in scripts/style.sh): $l"
			continue
		fi
		kept+="$l"$'\n'
	done <<<"$out"
	if [ -z "$kept" ]; then
		ok "checkpatch --strict: module/"
	else
		nok "checkpatch --strict: module/" "$kept"
	fi
else
	nok "checkpatch --strict: module/" "no checkpatch.pl: $src missing or unreadable (tests/qemu/deps.sh installs linux-source-6.1)"
fi

# ---- shellcheck ---------------------------------------------------------------
if ! command -v shellcheck >/dev/null 2>&1; then
	nok "shellcheck" "shellcheck is not installed (tests/qemu/deps.sh installs it)"
else
	# every tracked file that is a shell script: *.sh or a sh/bash shebang
	while IFS= read -r f; do
		case $f in
		*.sh) ;;
		*) head -n 1 "$f" | grep -qE '^#!.*/(env )?(ba)?sh( |$)' || continue ;;
		esac
		if o=$(shellcheck -x -P SCRIPTDIR -S warning "$f" 2>&1); then
			ok "shellcheck $f"
		else
			nok "shellcheck $f" "$o"
		fi
	done < <(git ls-files --cached --others --exclude-standard -- scripts tests '*.sh' | sort -u | while read -r f; do [ -f "$f" ] && echo "$f"; done)
fi

echo "1..$N"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
