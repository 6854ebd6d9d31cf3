// SPDX-License-Identifier: GPL-2.0
/*
 * mock-vgpu-mgr: plays one VM start the way nvidia-vgpu-mgr does
 * (driver-interface.md §1): start data, create device, type info,
 * virtualization mode and PCI id checks, vGPU instance initialisation.
 *   mock-vgpu-mgr -g BDF -t TYPE [-u UUID] [-r] [-k]
 * -r registers the type on the GPU first (for kernel-only tests, without
 * the daemon); -k skips the daemon-side checks (PCI id, virtualization
 * mode) so that the kernel-side checks are exercised alone.  Writing the VM start to /proc/driver/nvidia-mock/vm_start
 * stands in for QEMU opening the mdev.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nvrm.h"
#include "../../include/vukp_nvabi.h"

static void uuid_native(const uint8_t *u, char *out)
{
	/* RM's UUID: u32, u16, u16, u8[8] in native order */
	sprintf(out, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		get32(u), u[4] | u[5] << 8, u[6] | u[7] << 8, u[8], u[9], u[10],
		u[11], u[12], u[13], u[14], u[15]);
}

int main(int argc, char **argv)
{
	const char *bdf = NULL, *tname = NULL;
	const char *uuid = "9b9d3b6e-0c11-4e0a-9a1b-000000000100";
	uint8_t start[VUKP_START_DATA_SIZE], create[40], vmode[8], pci[16];
	uint8_t notify[MOCK_NOTIFY_START_SIZE], *a082;
	struct nv_type t;
	struct nv_gpu *g;
	struct nv_env e;
	int reg = 0, kernel_only = 0, c, fd;
	unsigned int type_id, vgpu_id;
	char text[40];
	long st;
	FILE *f;

	setvbuf(stdout, NULL, _IOLBF, 0);	/* keep stdout and stderr in order */

	while ((c = getopt(argc, argv, "g:t:u:rk")) != -1) {
		switch (c) {
		case 'g': bdf = optarg; break;
		case 't': tname = optarg; break;
		case 'u': uuid = optarg; break;
		case 'r': reg = 1; break;
		case 'k': kernel_only = 1; break;
		default: return 2;
		}
	}
	if (!bdf || !tname) {
		fprintf(stderr, "usage: mock-vgpu-mgr -g BDF -t TYPE [-u UUID] [-r]\n");
		return 2;
	}
	if (nv_open(&e))
		return 1;
	g = nv_find_gpu(&e, bdf);
	if (!g || nv_type_lookup(tname, &t)) {
		fprintf(stderr, "nvidia-vgpu-mgr: error: unknown GPU %s or type %s\n", bdf, tname);
		return 1;
	}
	fd = nv_open_gpu(g);
	if (reg) {
		size_t psize = VUKP_SET_INFO_SIZE(e.info_size);
		uint8_t *p = calloc(1, psize);

		nv_fill_type_info(&e, &t, p + 8);
		st = nv_control(&e, MOCK_HANDLE(MOCK_CLASS_VGPU_CONFIG, g->minor),
				VUKP_CMD_VGPU_CONFIG_SET_INFO, p, psize);
		free(p);
		if (st) {
			fprintf(stderr, "nvidia-vgpu-mgr: error: registering type: 0x%lx\n", st);
			return 1;
		}
	}
	f = fopen("/proc/driver/nvidia-mock/vm_start", "w");
	if (!f || fprintf(f, "%s %s %u %d\n", uuid, bdf, t.id, getpid()) < 0 || fclose(f)) {
		fprintf(stderr, "nvidia-vgpu-mgr: error: cannot queue the VM start\n");
		return 1;
	}
	memset(start, 0, sizeof(start));
	st = nv_control_raw(&e, MOCK_CLIENT, MOCK_CLIENT, VUKP_CMD_VGPU_GET_START_DATA,
			    start, sizeof(start));
	if (st) {
		fprintf(stderr, "nvidia-vgpu-mgr: error: VGPU_GET_START_DATA: 0x%lx\n", st);
		return 1;
	}
	uuid_native(start, text);
	if (sscanf((char *)start + VUKP_START_DATA_CONFIG_PARAMS, "vgpu_type_id=%u", &type_id) != 1) {
		fprintf(stderr, "nvidia-vgpu-mgr: error: bad config params\n");
		return 1;
	}
	printf("nvidia-vgpu-mgr: Received start call from nvidia-vgpu-vfio module: mdev uuid %s GPU PCI id %04x:%02x:%02x.%x config params %s\n",
	       text, g->domain, g->bus, g->dev, g->fn,
	       (char *)start + VUKP_START_DATA_CONFIG_PARAMS);

	memset(create, 0, sizeof(create));
	memcpy(create, start, 16);
	put32(create + VUKP_CREATE_DEVICE_GPU_PCI_ID, get32(start + VUKP_START_DATA_GPU_PCI_ID));
	put32(create + VUKP_CREATE_DEVICE_GPU_PCI_BDF, get32(start + VUKP_START_DATA_GPU_PCI_BDF));
	put32(create + VUKP_CREATE_DEVICE_VGPU_TYPE_ID, type_id);
	st = nv_control_raw(&e, MOCK_CLIENT, MOCK_CLIENT, VUKP_CMD_VGPU_CREATE_DEVICE,
			    create, e.create_size);
	if (st) {
		fprintf(stderr, "nvidia-vgpu-mgr: error: VGPU_CREATE_DEVICE type %u: 0x%lx\n", type_id, st);
		return 1;
	}
	vgpu_id = create[VUKP_CREATE_DEVICE_VGPU_ID] | create[VUKP_CREATE_DEVICE_VGPU_ID + 1] << 8;

	a082 = calloc(1, e.a082_size);
	st = nv_control(&e, MOCK_HANDLE(MOCK_CLASS_HOST_VGPU, vgpu_id),
			VUKP_CMD_HOST_VGPU_GET_TYPE_INFO, a082, e.a082_size);
	if (st) {
		fprintf(stderr, "nvidia-vgpu-mgr: error: GET_VGPU_TYPE_INFO: 0x%lx\n", st);
		return 1;
	}
	printf("nvidia-vgpu-mgr: vGPU type info: id=%u name=\"%s\" class=\"%s\" framebuffer=%lluMiB reservation=%lluMiB heads=%u max_resolution=%ux%u max_instances=%u cuda=%u ecc=%u pci_id=0x%llx license=\"%s\"\n",
	       get32(a082), (char *)a082 + e.a082->name, (char *)a082 + e.a082->cls,
	       (unsigned long long)(get64(a082 + e.a082->fb_length) >> 20),
	       (unsigned long long)(get64(a082 + e.a082->fb_reservation) >> 20),
	       get32(a082 + e.a082->num_heads), get32(a082 + e.a082->max_res_x),
	       get32(a082 + e.a082->max_res_y), get32(a082 + e.a082->max_instance),
	       get32(a082 + e.a082->cuda), get32(a082 + e.a082->ecc),
	       (unsigned long long)get64(a082 + e.a082->vdev_id),
	       (char *)a082 + e.a082->licensed_name);

	memset(vmode, 0, sizeof(vmode));
	st = nv_control(&e, MOCK_HANDLE(MOCK_CLASS_DEVICE, g->minor),
			VUKP_CMD_GET_VIRTUALIZATION_MODE, vmode, e.vmode_size);
	memset(pci, 0, sizeof(pci));
	if (!st)
		st = nv_control(&e, MOCK_HANDLE(MOCK_CLASS_SUBDEVICE, g->minor),
				VUKP_CMD_BUS_GET_PCI_INFO, pci, sizeof(pci));
	if (!kernel_only &&
	    (st || get32(vmode) != VUKP_VIRT_MODE_HOST || !nv_is_vgpu_board(get32(pci) >> 16))) {
		fprintf(stderr, "nvidia-vgpu-mgr: error: vGPU is supported only on VGX capable boards (mode %u, device 0x%04x)\n",
			get32(vmode), get32(pci) >> 16);
		printf("nvidia-vgpu-mgr: result: status=daemon-check-failed\n");
		return 1;
	}
	memset(notify, 0, sizeof(notify));
	memcpy(notify, start, 16);
	st = nv_control(&e, MOCK_HANDLE(MOCK_CLASS_VGPU_CONFIG, g->minor),
			VUKP_CMD_VGPU_CONFIG_NOTIFY_START, notify, sizeof(notify));
	if (st) {
		fprintf(stderr, "nvidia-vgpu-mgr: error: vGPU is supported only on VGX capable boards\n");
		fprintf(stderr, "nvidia-vgpu-mgr: error: init_device_instance failed for inst 0 with error 0x%lx\n", st);
		printf("nvidia-vgpu-mgr: result: status=0x%lx\n", st);
		return 1;
	}
	printf("nvidia-vgpu-mgr: vGPU %s started on %s: type %s (0x%04llx)\n", text, bdf,
	       (char *)a082 + e.a082->name,
	       (unsigned long long)(get64(a082 + e.a082->vdev_id) & 0xffff));
	printf("nvidia-vgpu-mgr: result: status=0x0\n");
	close(fd);
	return 0;
}
