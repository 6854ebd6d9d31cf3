# vgpu_unlock_kp: the developer's front door. Kbuild holds the kbuild rules.

.PHONY: all
all:

# ---------------------------------------------------------------- tests ---
# make check                         host suites + guest tests on 7.x, 6.1, 6.12 and debug
#                                    (whole suite or essential subset per kernel: tests/qemu/kernels.sh)
# make check TESTS=00-harness KERNELS=6.1   one guest script (glob, comma list) on one kernel
# make check-extended                what does not fit in make check: the whole suite on 6.12
#                                    and on the 6.1 debug kernel
# Ends with one line "N passed, M failed"; exit status 0 iff M is 0.
TESTS ?=
KERNELS ?=
HOST_RESULTS := build/host/results

.PHONY: check check-host check-qemu check-extended debug-kernel demo
check:
	@tests/qemu/deps.sh
	@rm -rf $(HOST_RESULTS) && mkdir -p $(HOST_RESULTS)
	@# The debug kernel builds in the background, niced, while the host suites
	@# and the Debian kernels' guests run; check.sh's own call of the build
	@# script waits for it (same lock) and finds it built.
	@mkdir -p build
	@$(if $(if $(KERNELS),$(filter debug,$(KERNELS)),debug),nohup nice -n 10 tests/qemu/build-debug-kernel.sh \
		>build/debug-kernel-bg.log 2>&1 </dev/null &)
	@$(if $(TESTS),,$(MAKE) --no-print-directory check-host)
	@VUKP_EXTRA_RESULTS="$$(ls $(HOST_RESULTS)/*.result 2>/dev/null)" \
		tests/qemu/check.sh --kernels "$(KERNELS)" $(if $(TESTS),--tests "$(TESTS)")

# Host-side suites: each leaves $(HOST_RESULTS)/<name>.result ("passed failed").
check-host:
	@mkdir -p $(HOST_RESULTS)
	@if [ -f userspace-shim/Makefile ]; then \
		tests/qemu/host-suite.sh $(HOST_RESULTS)/shim.result $(MAKE) --no-print-directory -C userspace-shim check; \
	fi
	@if [ -x tests/host/run.sh ]; then \
		tests/qemu/host-suite.sh $(HOST_RESULTS)/host.result tests/host/run.sh; \
	fi
	@tests/qemu/host-suite.sh $(HOST_RESULTS)/packaging.result tests/packaging/run.sh

check-qemu:
	@tests/qemu/check.sh --kernels "$(KERNELS)" $(if $(TESTS),--tests "$(TESTS)")

check-extended:
	@tests/qemu/deps.sh
	@tests/qemu/check.sh --kernels "$(or $(KERNELS),6.12 debug-6.1)" --tests "$(or $(TESTS),*)"

debug-kernel:
	@tests/qemu/build-debug-kernel.sh

demo:
	@scripts/demo.sh

include scripts/install.mk
include scripts/bench.mk

include scripts/packaging.mk
