# make bench: performance figures (docs/performance.md), never pass/fail on
# time.  Included from the top Makefile; does not change its default goal.
#   make bench                     host (shim) and QEMU figures, guest 6.12
#   make bench BENCH_KERNEL=6.1    the guest kernel
#   make bench-host                only the shim figures on the host
#   BENCH_REPS=N BENCH_ITER=N BENCH_RM=N BENCH_SHIM_ITER=N   (scripts/bench.sh)
vukp_bench_goal := $(.DEFAULT_GOAL)

BENCH_KERNEL ?= 6.12

.PHONY: bench bench-host
bench:
	@BENCH_KERNEL=$(BENCH_KERNEL) scripts/bench.sh

bench-host:
	@scripts/bench.sh --host-only

.DEFAULT_GOAL := $(vukp_bench_goal)
