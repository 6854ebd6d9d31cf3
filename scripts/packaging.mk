# Native packages; included by the top-level Makefile.
#   make deb   Debian packages (dpkg-buildpackage, debhelper, dh-dkms) from a
#              copy of the tree in build/deb/src; the .debs land in build/deb/
#   make rpm   RPM (rpmbuild, rpm/vgpu-unlock-kp.spec) into build/rpm/
# Both take their version from VERSION; PKG_VERSION=... overrides it in the
# copy only (tests/packaging/packages.sh builds an upgrade that way).
# The copy holds what git tracks (and untracked files not ignored): no build
# output of the working tree gets into a package.
PKG_VERSION ?= $(shell cat VERSION)
PKG_FILES = git ls-files -z --cached --others --exclude-standard

.PHONY: deb rpm
deb:
	@rm -rf build/deb && mkdir -p build/deb/src
	@$(PKG_FILES) | xargs -0 cp --parents -t build/deb/src
	@echo '$(PKG_VERSION)' >build/deb/src/VERSION
	@sed -i '1s/([^)]*)/($(PKG_VERSION))/' build/deb/src/debian/changelog
	@cd build/deb/src && dpkg-buildpackage -b -us -uc >../build.log 2>&1 || \
		{ tail -40 ../build.log; exit 1; }
	@ls build/deb/*.deb

rpm:
	@rm -rf build/rpm && mkdir -p build/rpm/SOURCES build/rpm/src/vgpu-unlock-kp-$(PKG_VERSION)
	@$(PKG_FILES) | xargs -0 cp --parents -t build/rpm/src/vgpu-unlock-kp-$(PKG_VERSION)
	@echo '$(PKG_VERSION)' >build/rpm/src/vgpu-unlock-kp-$(PKG_VERSION)/VERSION
	@tar -C build/rpm/src -czf build/rpm/SOURCES/vgpu-unlock-kp-$(PKG_VERSION).tar.gz vgpu-unlock-kp-$(PKG_VERSION)
	@rpmbuild -bb --define "_topdir $(CURDIR)/build/rpm" --define "vukp_version $(PKG_VERSION)" \
		--define "_unitdir /usr/lib/systemd/system" --nodeps \
		rpm/vgpu-unlock-kp.spec >build/rpm/build.log 2>&1 || { tail -40 build/rpm/build.log; exit 1; }
	@ls build/rpm/RPMS/*/*.rpm
