// SPDX-License-Identifier: GPL-2.0
/*
 * bench-rm: RM control latency, measured in-process (make bench).
 *   bench-rm ITER REPS [MINOR]
 * Calls NV2080_CTRL_CMD_BUS_GET_PCI_INFO on GPU MINOR (default 0) ITER
 * times per repetition, REPS repetitions, through libc's ioctl() (so an
 * LD_PRELOAD shim is on the path).  Prints one line:
 *   pci_info_ns <ns per call of rep 1> <rep 2> ...
 * Nothing is judged here: tests/selftests/90-bench.sh does the statistics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "nvrm.h"
#include "../../include/vukp_nvabi.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long iters, reps, i, r;
	uint32_t h;
	struct nv_env e;
	uint8_t p[16];

	if (argc < 3) {
		fprintf(stderr, "usage: bench-rm ITER REPS [MINOR]\n");
		return 2;
	}
	iters = strtoul(argv[1], NULL, 0);
	reps = strtoul(argv[2], NULL, 0);
	h = MOCK_HANDLE(MOCK_CLASS_SUBDEVICE, argc > 3 ? atoi(argv[3]) : 0);
	if (!iters || !reps || nv_open(&e))
		return 1;
	memset(p, 0, sizeof(p));
	if (nv_control(&e, h, VUKP_CMD_BUS_GET_PCI_INFO, p, sizeof(p))) {
		fprintf(stderr, "bench-rm: PCI_INFO failed\n");
		return 1;
	}
	printf("pci_info_ns");
	for (r = 0; r < reps; r++) {
		double t0 = now_ns();

		for (i = 0; i < iters; i++)
			nv_control(&e, h, VUKP_CMD_BUS_GET_PCI_INFO, p, sizeof(p));
		printf(" %.1f", (now_ns() - t0) / iters);
	}
	printf("\n");
	return 0;
}
