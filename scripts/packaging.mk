# Native packages; included by the top-level Makefile.
#   make deb   Debian packages (dpkg-buildpackage, debhelper, dh-dkms) from a
#              copy of the tree in build/deb/src; the .debs land in build/deb/
#   make rpm   RPM (rpmbuild, rpm/vgpu-unlock-kp.spec) into build/rpm/
# Both take their version from VERSION.
PKG_VERSION := $(shell cat VERSION)

.PHONY: deb rpm
deb:
	@rm -rf build/deb && mkdir -p build/deb/src
	@git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t build/deb/src
	@sed -i '1s/([^)]*)/($(PKG_VERSION))/' build/deb/src/debian/changelog
	@cd build/deb/src && dpkg-buildpackage -b -us -uc >../build.log 2>&1 || \
		{ tail -40 ../build.log; exit 1; }
	@ls build/deb/*.deb

rpm:
	@rm -rf build/rpm && mkdir -p build/rpm/SOURCES
	@git ls-files -z --cached --others --exclude-standard | \
		tar --null -T - --transform 's|^|vgpu-unlock-kp-$(PKG_VERSION)/|' -czf build/rpm/SOURCES/vgpu-unlock-kp-$(PKG_VERSION).tar.gz
	@rpmbuild -bb --define "_topdir $(CURDIR)/build/rpm" --define "vukp_version $(PKG_VERSION)" \
		--define "_unitdir /usr/lib/systemd/system" --nodeps \
		rpm/vgpu-unlock-kp.spec >build/rpm/build.log 2>&1 || { tail -40 build/rpm/build.log; exit 1; }
	@ls build/rpm/RPMS/*/*.rpm
