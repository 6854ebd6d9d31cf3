# Install, uninstall and DKMS targets; included by the top-level Makefile.
#   make install [DESTDIR=...] [PREFIX=/usr/local] [INSTALL_ARGS='--kernel KVER --no-dkms']
#                                                     shim + DKMS module + configs + tools
#                                                     (check, status, report, offline verdict)
#   make uninstall [DESTDIR=...]                      exactly what install placed
#   make dkms-tree [DKMS_TREE=dir]                    stage the DKMS source tree
#   make dkms-check                                   build with DKMS for every kernel whose
#                                                     headers are in /usr/src (throwaway trees)
#   make check-packaging                              tests/packaging/run.sh
VUKP_VERSION_FILE := $(shell cat VERSION)
DKMS_TREE ?= build/dkms/vgpu_unlock_kp-$(VUKP_VERSION_FILE)

.PHONY: install uninstall dkms-tree dkms-check check-packaging
install:
	@$(MAKE) --no-print-directory -C userspace-shim
	@$(MAKE) --no-print-directory -C scripts/verdict OUT=$(CURDIR)/build/verdict
	@scripts/install.sh $(INSTALL_ARGS)

uninstall:
	@scripts/uninstall.sh

dkms-tree:
	@rm -rf $(DKMS_TREE)
	@scripts/dkms-tree.sh $(DKMS_TREE)
	@echo "DKMS source tree: $(DKMS_TREE)"

dkms-check:
	@tests/packaging/run.sh --dkms-only

check-packaging:
	@tests/packaging/run.sh
