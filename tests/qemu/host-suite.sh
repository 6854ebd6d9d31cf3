#!/bin/bash
# Run one host-side test suite for `make check` and keep its score.
# Usage: tests/qemu/host-suite.sh RESULT-FILE CMD [ARGS...]
# CMD's output is shown and saved next to RESULT-FILE (.log); its last
# "N passed, M failed" line is written to RESULT-FILE as "N M". No such line,
# or a non-zero exit with no failure counted, adds one failure.
set -uo pipefail

result=${1:?usage: $0 RESULT-FILE CMD [ARGS...]}
shift
mkdir -p "$(dirname "$result")"
log=${result%.result}.log
"$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
line=$(grep -aoE '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
passed=0 failed=1
if [ -n "$line" ]; then
	read -r passed _ failed _ <<<"$line"
fi
if [ "$rc" != 0 ] && [ "$failed" = 0 ]; then
	echo "not ok - $* exited $rc"
	failed=1
fi
echo "$passed $failed" >"$result"
