// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Test fixture: a stand-in for the kernel's RM below the shim.  Preloaded
 * AFTER the shim (LD_PRELOAD="shim.so libfakerm.so"), so the shim's
 * dlsym(RTLD_NEXT, "ioctl") resolves to this ioctl.  It answers RM
 * controls on a memfd named "vukp-fakerm" (status = the hObject field the
 * caller set; PCI info filled as a GTX 1080 Ti), sets errno to EALREADY on
 * success so the test can see errno preserved, and forwards every other fd
 * to the real ioctl.
 *
 * make bench builds it with -DFAKERM_FD=N: then fd N is the fake one, so
 * nothing on the fake's own fast path (resolving /proc/self/fd on every
 * call would swamp the figures).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vukp_nvabi.h"

int ioctl(int fd, unsigned long request, ...);

#ifdef FAKERM_FD
static int is_fake(int fd)
{
	return fd == FAKERM_FD;
}
#else
static int is_fake(int fd)
{
	char link[64], target[128];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return 0;
	target[n] = '\0';
	return !strncmp(target, "/memfd:vukp-fakerm", 18);
}
#endif

static int fake(unsigned int req, unsigned char *arg)
{
	unsigned char *nvos = arg;
	uint32_t cmd, status;
	uint64_t p;

	if (req == VUKP_NV_IOCTL_XFER_REQ) {
		memcpy(&p, arg + 8, 8);
		nvos = (unsigned char *)(uintptr_t)p;
	} else if (req != VUKP_NV_RM_CONTROL_REQ) {
		errno = ENOTTY;
		return -1;
	}
	memcpy(&cmd, nvos + VUKP_NVOS54_CMD, 4);
	memcpy(&status, nvos + VUKP_NVOS54_HOBJECT, 4);
	memcpy(&p, nvos + VUKP_NVOS54_PARAMS, 8);
	if (cmd == VUKP_CMD_BUS_GET_PCI_INFO && status == VUKP_NV_OK) {
		uint32_t v[4] = { 0x1b0610de, 0x120f1462, 0xa1, 0x1b06 };

		memcpy((void *)(uintptr_t)p, v, sizeof(v));
	}
	memcpy(nvos + VUKP_NVOS54_STATUS, &status, 4);
	errno = EALREADY;
	return 0;
}

int ioctl(int fd, unsigned long request, ...)
{
	static int (*real)(int, unsigned long, ...);
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (is_fake(fd))
		return fake((unsigned int)request, arg);
	if (!real) {
		void *sym = dlsym(RTLD_NEXT, "ioctl");

		memcpy(&real, &sym, sizeof(real));
	}
	return real(fd, request, arg);
}
