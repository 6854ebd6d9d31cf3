// SPDX-License-Identifier: GPL-2.0
/*
 * mock-vgpud: the daemon-side sequence of nvidia-vgpud (driver-interface.md §1-2)
 * against /dev/nvidiactl.  For each GPU: PCI info and virtualization mode;
 * when both are acceptable, push the board's vGPU types with SET_INFO and
 * read them back; otherwise fail like the real daemon.
 *   mock-vgpud [--gpu BDF] [-v]
 * Exit status: 0 when every selected GPU was accepted, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nvrm.h"
#include "../../include/vukp_nvabi.h"

static int verbose;

static int handle_gpu(struct nv_env *e, struct nv_gpu *g)
{
	uint8_t pci[VUKP_PCI_INFO_SIZE] = { 0 }, vmode[8] = { 0 };
	struct nv_type types[64];
	uint16_t dev, subsys;
	int fd, n, ok = 0;
	long st;

	fd = nv_open_gpu(g);	/* first open initialises the adapter */
	if (fd < 0) {
		fprintf(stderr, "nvidia-vgpud: error: cannot open /dev/nvidia%d\n", g->minor);
		return -1;
	}
	st = nv_control(e, MOCK_HANDLE(MOCK_CLASS_SUBDEVICE, g->minor),
			VUKP_CMD_BUS_GET_PCI_INFO, pci, sizeof(pci));
	if (st) {
		fprintf(stderr, "nvidia-vgpud: error: BUS_GET_PCI_INFO failed on %s: 0x%lx\n", g->bdf, st);
		goto out;
	}
	dev = get32(pci) >> 16;
	subsys = get32(pci + 4) >> 16;
	if (!nv_is_vgpu_board(dev)) {
		fprintf(stderr, "nvidia-vgpud: error: GPU not supported by vGPU at PCI Id: %x:%x:%x DevID: 0x%04x / 0x%04x / 0x%04x / 0x%04x\n",
			g->bus, g->dev, g->fn, get32(pci) & 0xffff, dev,
			get32(pci + 4) & 0xffff, subsys);
		goto out;
	}
	st = nv_control(e, MOCK_HANDLE(MOCK_CLASS_DEVICE, g->minor),
			VUKP_CMD_GET_VIRTUALIZATION_MODE, vmode, e->vmode_size);
	if (st || get32(vmode) != VUKP_VIRT_MODE_HOST) {
		fprintf(stderr, "nvidia-vgpud: error: GPU at PCI Id: %x:%x:%x is not in vGPU host mode (virtualization mode %u, status 0x%lx)\n",
			g->bus, g->dev, g->fn, get32(vmode), st);
		goto out;
	}
	n = nv_types_for_board(dev, types, 64);
	for (int i = 0; i < n; i++) {
		size_t psize = VUKP_SET_INFO_SIZE(e->info_size);
		uint8_t *p = calloc(1, psize);

		p[0] = i == 0;	/* discard earlier types first */
		nv_fill_type_info(e, &types[i], p + 8);
		st = nv_control(e, MOCK_HANDLE(MOCK_CLASS_VGPU_CONFIG, g->minor),
				VUKP_CMD_VGPU_CONFIG_SET_INFO, p, psize);
		free(p);
		if (st) {
			fprintf(stderr, "nvidia-vgpud: error: VGPU_CONFIG_SET_INFO %s on %s: 0x%lx\n",
				types[i].name, g->bdf, st);
			goto out;
		}
	}
	for (int i = 0; i < n; i++) {
		size_t psize = VUKP_TYPE_INFO_WRAPPER + e->info_size;
		uint8_t *p = calloc(1, psize);
		const uint8_t *info = p + VUKP_TYPE_INFO_WRAPPER;

		put32(p, types[i].id);
		st = nv_control(e, MOCK_HANDLE(MOCK_CLASS_VGPU_CONFIG, g->minor),
				VUKP_CMD_VGPU_CONFIG_GET_TYPE_INFO, p, psize);
		if (st) {
			fprintf(stderr, "nvidia-vgpud: error: GET_VGPU_TYPE_INFO %u on %s: 0x%lx\n",
				types[i].id, g->bdf, st);
			free(p);
			goto out;
		}
		if (verbose)
			printf("  nvidia-%u %s fb=%lluMiB heads=%u max_instances=%u\n",
			       get32(info), (const char *)info + e->a081->name,
			       (unsigned long long)(get64(info + e->a081->fb_length) >> 20),
			       get32(info + e->a081->num_heads),
			       get32(info + e->a081->max_instance));
		free(p);
	}
	printf("nvidia-vgpud: GPU %s (10de:%04x subsystem %04x): %d vGPU types registered (%s)\n",
	       g->bdf, dev, subsys, n, n ? types[0].board : "none");
	ok = 1;
out:
	close(fd);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	struct nv_env e;
	int failed = 0, seen = 0, c;

	setvbuf(stdout, NULL, _IOLBF, 0);	/* keep stdout and stderr in order */

	while ((c = getopt(argc, argv, "g:v")) != -1) {
		if (c == 'g')
			only = optarg;
		else if (c == 'v')
			verbose = 1;
		else
			return 2;
	}
	if (nv_open(&e))
		return 1;
	printf("nvidia-vgpud: driver %s, %d GPU(s)\n", e.version, e.ngpus);
	for (int i = 0; i < e.ngpus; i++) {
		if (only && strcmp(only, e.gpus[i].bdf))
			continue;
		seen++;
		if (handle_gpu(&e, &e.gpus[i]))
			failed++;
	}
	if (!seen) {
		fprintf(stderr, "nvidia-vgpud: error: no GPU found\n");
		return 1;
	}
	return failed ? 1 : 0;
}
