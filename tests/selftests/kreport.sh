# shellcheck shell=sh disable=SC2034
# The kernel reports no test may leave in the kernel log: the one pattern
# (grep -E) for the guest scripts and for the harness's check of the whole
# console log (tests/qemu/run.sh). Sourced; defines variables only.
#
# KREPORT       the first line of a report (BUG, WARNING, Oops, KASAN,
#               lockdep and RCU splats, atomic sleep, GPF, panic)
# KREPORT_ANY   any line of one, including a bare "Call Trace"
KREPORT='BUG:|WARNING:|Oops|KASAN|suspicious RCU|circular locking|sleeping function|possible recursive locking|inconsistent lock state|general protection|Kernel panic'
KREPORT_ANY="$KREPORT|Call Trace"
