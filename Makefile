# vgpu_unlock_kp: the developer's front door. Kbuild holds the kbuild rules.
#
# make                 the module (for the running kernel) and the shim
# make module          vgpu_unlock_kp.ko in build/module/KVER/ [KVER=... or KDIR=...]
# make shim            userspace-shim/libvgpu_unlock_shim.so
# make clean           every build output (build/ and the shim's)
# make style           checkpatch --strict on module/, shellcheck on every script
#                      (scripts/style.sh); part of make check
# make check, install, demo, bench: below and in scripts/*.mk

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
MODULE_OUT := build/module/$(KVER)

.PHONY: all module shim clean style
all: module shim

# kbuild writes its objects next to the sources: build from a private copy
# under build/ so that the tree stays clean.
module:
	@test -d "$(KDIR)" || { echo "make module: no kernel build tree at $(KDIR) (install the headers, or set KVER= or KDIR=)" >&2; exit 1; }
	@mkdir -p $(MODULE_OUT)
	@rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='modules.order' --exclude='Module.symvers' \
		Kbuild VERSION module include data $(MODULE_OUT)/
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(MODULE_OUT) modules
	@echo "module: $(MODULE_OUT)/vgpu_unlock_kp.ko"

shim:
	$(MAKE) -C userspace-shim

clean:
	rm -rf build
	$(MAKE) -C userspace-shim clean
	@if [ -f tests/daemons/Makefile ]; then $(MAKE) -C tests/daemons clean 2>/dev/null || true; fi

style:
	@mkdir -p $(HOST_RESULTS)
	@tests/qemu/host-suite.sh $(HOST_RESULTS)/style.result scripts/style.sh

# Every build output is ignored: after the builds and tests nothing is
# untracked (a file you just created and did not add counts too).
.PHONY: check-tree
check-tree:
	@u=$$(git status --porcelain --untracked-files=all 2>/dev/null | grep '^??'); \
	if [ -z "$$u" ]; then echo "ok 1 - no untracked files (every build output is ignored)"; echo "1 passed, 0 failed"; \
	else echo "not ok 1 - untracked files (ignore them in .gitignore, or add them)"; echo "$$u" | sed 's/^/# /'; echo "0 passed, 1 failed"; fi

# ---------------------------------------------------------------- tests ---
# make check                         host suites + guest tests on 7.x, 5.10, 6.1, 6.12 and debug
#                                    (whole suite or essential subset per kernel: tests/qemu/kernels.sh)
# make check TESTS=00-harness KERNELS=6.1   one guest script (glob, comma list) on one kernel
# make check-extended                what does not fit in make check: the whole suite on
#                                    6.1, 6.12 and the 6.1 debug kernel, the essential subset on
#                                    Debian's 7.2 and 7.3 rt kernels, the module built against
#                                    every Debian 11/13 kernel line and flavour; the offline verdict on real
#                                    NVIDIA drivers from Debian (downloaded, tests/host/real-drivers.sh)
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
	@# the packages first: their DKMS build in Debian 12 is the module 22-dkms loads
	@tests/qemu/host-suite.sh $(HOST_RESULTS)/packages.result tests/packaging/packages.sh
	@tests/qemu/host-suite.sh $(HOST_RESULTS)/packaging.result tests/packaging/run.sh
	@tests/qemu/host-suite.sh $(HOST_RESULTS)/style.result scripts/style.sh
	@# last: the builds and tests above left nothing untracked
	@tests/qemu/host-suite.sh $(HOST_RESULTS)/tree.result $(MAKE) --no-print-directory check-tree

check-qemu:
	@tests/qemu/check.sh --kernels "$(KERNELS)" $(if $(TESTS),--tests "$(TESTS)")

check-extended:
	@. tests/qemu/kernels.sh && tests/qemu/deps.sh --kernel $$(echo $$VUKP_EXTENDED_KERNELS | tr ' ' '\n' | grep +)
	@tests/host/real-drivers.sh; [ $$? != 1 ]
	@tests/host/kernel-builds.sh
	@. tests/qemu/kernels.sh && VUKP_WHOLE_SUITE="6.1 6.12 debug-6.1" \
		tests/qemu/check.sh --kernels "$(or $(KERNELS),$$VUKP_EXTENDED_KERNELS)" $(if $(TESTS),--tests "$(TESTS)")

debug-kernel:
	@tests/qemu/build-debug-kernel.sh

demo:
	@scripts/demo.sh

include scripts/install.mk
include scripts/bench.mk
include scripts/catalog.mk
include scripts/packaging.mk
