# shellcheck shell=sh
# KTAP helpers for guest test scripts (POSIX sh / busybox ash).
#
#   . "$(dirname "$0")/lib.sh"
#   ktap_plan 3                      # optional
#   check "nvidia loads" insmod /vukp/ko/nvidia.ko
#   expect_eq "three GPUs" 3 "$n"
#   finish                           # exit 1 if anything failed
#
# Output is a KTAP version 1 document: the "KTAP version 1" header when this
# file is sourced, "ok N - desc", "not ok N - desc" followed by "# diag"
# lines, "ok N - desc # SKIP reason" (N counts per script from 1), and the
# plan "1..N" (after the header with ktap_plan, else at the end from finish).
# The guest's /init nests each script's document as a subtest of the run.
# Counting (the same in every suite): a SKIP is neither passed nor failed.
# Environment set by the guest's /init: VUKP_KERNEL (6.1, 6.12, debug),
# VUKP_GPUS (ivshmem GPUs attached), VUKP_TIMEOUT (this script's limit, s).

VUKP_KO=${VUKP_KO:-/vukp/ko}
VUKP_BIN=${VUKP_BIN:-/vukp/bin}
VUKP_LIB=${VUKP_LIB:-/vukp/lib}
_ktap_n=0
_ktap_failed=0
_ktap_skipped=0
_ktap_mark=
_ktap_planned=
echo "KTAP version 1"

_ktap_diag() { # TEXT: each line as "# line"
	[ -n "$1" ] && printf '%s\n' "$1" | sed 's/^/# /'
	return 0
}

ktap_plan() { _ktap_planned=1; echo "1..$1"; }

diag() { _ktap_diag "$*"; }

ok() { # DESC
	_ktap_n=$((_ktap_n + 1))
	echo "ok $_ktap_n - $1"
}

fail() { # DESC [DIAG]
	_ktap_n=$((_ktap_n + 1))
	_ktap_failed=$((_ktap_failed + 1))
	echo "not ok $_ktap_n - $1"
	_ktap_diag "${2:-}"
	return 1
}

skip() { # DESC REASON
	_ktap_n=$((_ktap_n + 1))
	_ktap_skipped=$((_ktap_skipped + 1))
	echo "ok $_ktap_n - $1 # SKIP ${2:-}"
}

skip_all() { # REASON: the whole script does not apply here
	skip "${0##*/}" "$1"
	[ -n "$_ktap_planned" ] || echo "1..$_ktap_n"
	exit 4
}

check() { # DESC CMD [ARGS...]: ok if CMD exits 0, else not ok with its output
	_c_desc=$1
	shift
	_c_out=$("$@" 2>&1)
	_c_rc=$?
	if [ "$_c_rc" = 0 ]; then
		ok "$_c_desc"
	else
		fail "$_c_desc" "$(printf 'command: %s (exit %d)\n%s' "$*" "$_c_rc" "$_c_out")"
	fi
}

expect_eq() { # DESC EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		fail "$1" "expected '$2', got '$3'"
	fi
}

dmesg_mark() { # remember "now" in the kernel log
	_ktap_mark="vukp-mark-$$-$_ktap_n-$(date +%s)"
	echo "$_ktap_mark" >/dev/kmsg
}

dmesg_since_mark() { # kernel log lines after the last dmesg_mark
	dmesg | awk -v m="$_ktap_mark" 'seen { print } index($0, m) { seen = 1 }'
}

load_mod() { # PATH [PARAMS...]: insmod, reporting a failure as not ok
	_l_ko=$1
	if _l_out=$(insmod "$@" 2>&1); then
		return 0
	fi
	fail "load ${_l_ko##*/}" "$(printf 'insmod %s\n%s\n%s' "$*" "$_l_out" "$(dmesg | tail -n 5)")"
}

unload_mod() { # NAME: rmmod, reporting a failure as not ok
	if _u_out=$(rmmod "$1" 2>&1); then
		return 0
	fi
	fail "unload $1" "$_u_out"
}

mod_loaded() { # NAME
	grep -q "^$1 " /proc/modules
}

finish() { # plan (unless given), summary comment; exit 1 if any test failed
	[ -n "$_ktap_planned" ] || echo "1..$_ktap_n"
	echo "# ${0##*/}: $((_ktap_n - _ktap_failed - _ktap_skipped)) passed, $_ktap_failed failed, $_ktap_skipped skipped"
	[ "$_ktap_failed" = 0 ] || exit 1
	exit 0
}
