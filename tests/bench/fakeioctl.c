// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * make bench: a fake RM below the shim, like tests/shim/fakerm.c but with
 * nothing on its own fast path (fakerm.c resolves /proc/self/fd on every
 * call, which would swamp the figures).  Preloaded after the shim
 * (LD_PRELOAD="libvgpu_unlock_shim.so libfakeioctl.so") or alone for the
 * baseline.  Answers every ioctl on fd BENCH_FAKE_FD: RM controls with
 * status 0 (PCI info filled as a GTX 1080 Ti), anything else with ENOTTY.
 * Every other fd goes to the real ioctl.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "vukp_nvabi.h"

#define BENCH_FAKE_FD 1000000

int ioctl(int fd, unsigned long request, ...);

static int fake(unsigned int req, unsigned char *arg)
{
	unsigned char *nvos = arg;
	uint32_t cmd, zero = 0;
	uint64_t p;

	if (req == VUKP_NV_IOCTL_XFER_REQ) {
		memcpy(&p, arg + 8, 8);
		nvos = (unsigned char *)(uintptr_t)p;
	} else if (req != VUKP_NV_RM_CONTROL_REQ) {
		errno = ENOTTY;
		return -1;
	}
	memcpy(&cmd, nvos + VUKP_NVOS54_CMD, 4);
	memcpy(&p, nvos + VUKP_NVOS54_PARAMS, 8);
	if (cmd == VUKP_CMD_BUS_GET_PCI_INFO) {
		uint32_t v[4] = { 0x1b0610de, 0x120f1462, 0xa1, 0x1b06 };

		memcpy((void *)(uintptr_t)p, v, sizeof(v));
	}
	memcpy(nvos + VUKP_NVOS54_STATUS, &zero, 4);
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
	if (fd == BENCH_FAKE_FD)
		return fake((unsigned int)request, arg);
	if (!real) {
		void *sym = dlsym(RTLD_NEXT, "ioctl");

		memcpy(&real, &sym, sizeof(real));
	}
	return real(fd, request, arg);
}
