// SPDX-License-Identifier: GPL-2.0
/*
 * nvctl: raw RM controls for the selftests.
 *   nvctl ctrl HOBJECT CMD SIZE [FILL]   prefill params with byte FILL
 *        prints "ret=R errno=E status=0xS" and "out=<hex>" (params after)
 *   nvctl open MINOR                     open and close /dev/nvidiaMINOR
 *   nvctl pci MINOR                      "device=XXXX subsys=XXXX"
 *   nvctl bench ITER SIZE MINOR APER     os_mem_copy ITER times in the mock
 *                                        (APER 1: from the GPU's aperture);
 *                                        prints "ns=N per_call_ns=X"
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nvrm.h"
#include "../../include/vukp_nvabi.h"

int main(int argc, char **argv)
{
	struct nv_env e;

	if (argc < 3)
		goto usage;
	if (nv_open(&e))
		return 1;
	if (!strcmp(argv[1], "ctrl") && argc >= 5) {
		uint32_t h = strtoul(argv[2], NULL, 0), cmd = strtoul(argv[3], NULL, 0);
		uint32_t size = strtoul(argv[4], NULL, 0);
		uint8_t *p = malloc(size ? size : 1);
		long st;

		memset(p, argc > 5 ? (int)strtoul(argv[5], NULL, 0) : 0, size ? size : 1);
		errno = 0;
		st = nv_control(&e, h, cmd, p, size);
		printf("ret=%d errno=%d status=0x%lx\n", st < 0 ? -1 : 0, errno, st < 0 ? 0 : st);
		printf("out=");
		for (uint32_t i = 0; i < size && i < 64; i++)
			printf("%02x", p[i]);
		printf("\n");
		return 0;
	}
	if (!strcmp(argv[1], "open")) {
		struct nv_gpu g = { .minor = atoi(argv[2]) };
		int fd = nv_open_gpu(&g);

		if (fd < 0) {
			perror("open");
			return 1;
		}
		close(fd);
		return 0;
	}
	if (!strcmp(argv[1], "pci")) {
		uint8_t p[16] = { 0 };
		long st = nv_control(&e, MOCK_HANDLE(MOCK_CLASS_SUBDEVICE, atoi(argv[2])),
				     VUKP_CMD_BUS_GET_PCI_INFO, p, 16);

		printf("status=0x%lx device=%04x subsys=%04x\n", st, get32(p) >> 16, get32(p + 4) >> 16);
		return st != 0;
	}
	if (!strcmp(argv[1], "bench") && argc >= 6) {
		uint8_t p[MOCK_BENCH_SIZE] = { 0 };
		uint32_t iters = strtoul(argv[2], NULL, 0);
		long st;

		put32(p, iters);
		put32(p + 4, strtoul(argv[3], NULL, 0));
		put32(p + 8, strtoul(argv[4], NULL, 0));
		put32(p + 12, strtoul(argv[5], NULL, 0));
		st = nv_control_raw(&e, MOCK_CLIENT, MOCK_CLIENT, MOCK_CMD_BENCH, p, sizeof(p));
		if (st) {
			printf("status=0x%lx\n", st);
			return 1;
		}
		printf("ns=%llu per_call_ns=%.2f\n", (unsigned long long)get64(p + 16),
		       iters ? (double)get64(p + 16) / iters : 0.0);
		return 0;
	}
usage:
	fprintf(stderr, "usage: nvctl ctrl H CMD SIZE [FILL] | open MINOR | pci MINOR | bench ITER SIZE MINOR APER\n");
	return 2;
}
