// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * make bench: ioctl() cost with and without the shim, on the host.
 *   LD_PRELOAD="[libvgpu_unlock_shim.so] libfakeioctl.so" bench_shim ITER REPS
 * Prints one line per case: "<case> <ns per call of rep 1> <rep 2> ..."
 *   fake-other    a request the shim does not look at (fake fd, ENOTTY)
 *   fake-rm-other an RM control the shim does not handle (fake RM)
 *   fake-pci      NV2080_CTRL_CMD_BUS_GET_PCI_INFO, handled (rewritten)
 *   fake-vmode    the virtualization mode control, handled
 *   fake-typeinfo NVA082_CTRL_CMD_HOST_VGPU_DEVICE_GET_VGPU_TYPE_INFO for
 *                 nvidia-55, with a [profile.nvidia-55] override in place
 *   sys-other     a real syscall the shim does not look at (TCGETS on
 *                 /dev/null: ENOTTY from the kernel)
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "vukp_nvabi.h"

#define BENCH_FAKE_FD 1000000	/* FAKERM_FD of libfakeioctl.so (scripts/bench.sh) */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static unsigned char nvos[32];
static unsigned char params[4096];

static void rm_init(uint32_t cmd, uint32_t size)
{
	uint64_t p = (uint64_t)(uintptr_t)params;

	memset(nvos, 0, sizeof(nvos));
	memcpy(nvos + VUKP_NVOS54_CMD, &cmd, 4);
	memcpy(nvos + VUKP_NVOS54_PARAMS, &p, 8);
	memcpy(nvos + VUKP_NVOS54_PARAMS_SIZE, &size, 4);
	memset(params, 0, sizeof(params));
	if (cmd == VUKP_CMD_HOST_VGPU_GET_TYPE_INFO) {
		uint32_t type = 55;	/* scripts/bench.sh: [profile.nvidia-55] */

		memcpy(params, &type, 4);
	}
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int fake;
		unsigned long req;
		uint32_t cmd, size;
	} cases[] = {
		{ "fake-other", 1, 0xc00446ffUL, 0, 0 },
		{ "fake-rm-other", 1, VUKP_NV_RM_CONTROL_REQ, 0x20800110U, 16 },
		{ "fake-pci", 1, VUKP_NV_RM_CONTROL_REQ, VUKP_CMD_BUS_GET_PCI_INFO, 16 },
		{ "fake-vmode", 1, VUKP_NV_RM_CONTROL_REQ, VUKP_CMD_GET_VIRTUALIZATION_MODE, 8 },
		{ "fake-typeinfo", 1, VUKP_NV_RM_CONTROL_REQ, VUKP_CMD_HOST_VGPU_GET_TYPE_INFO,
		  VUKP_A082_SIZE_R525 },
		{ "sys-other", 0, TCGETS, 0, 0 },
	};
	unsigned long iters, reps, i, r, c;
	int devnull = open("/dev/null", O_RDWR);

	if (argc < 3 || devnull < 0) {
		fprintf(stderr, "usage: bench_shim ITER REPS\n");
		return 2;
	}
	iters = strtoul(argv[1], NULL, 0);
	reps = strtoul(argv[2], NULL, 0);
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		int fd = cases[c].fake ? BENCH_FAKE_FD : devnull;
		void *arg = cases[c].cmd ? (void *)nvos : (void *)params;

		printf("%s", cases[c].name);
		for (r = 0; r < reps; r++) {
			double t0;

			rm_init(cases[c].cmd, cases[c].size);
			t0 = now_ns();
			for (i = 0; i < iters; i++)
				ioctl(fd, cases[c].req, arg);
			printf(" %.1f", (now_ns() - t0) / iters);
		}
		printf("\n");
	}
	return 0;
}
