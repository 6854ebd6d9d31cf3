// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "nvrm.h"
#include "../../include/vukp_nvabi.h"
#include "../../include/vukp_catalog.h"

static const struct mock_info_layout l_a081_535 = MOCK_A081_R535;
static const struct mock_info_layout l_a081_580 = MOCK_A081_R580;
static const struct mock_info_layout l_a082_535 = MOCK_A082_R535;
static const struct mock_info_layout l_a082_580 = MOCK_A082_R580;
static const struct vukp_vgpu_type catalogue[] = VUKP_TYPES_INIT;
static const unsigned short boards[] = VUKP_VGPU_BOARDS_INIT;

static int gpu_cmp(const void *a, const void *b)
{
	return ((const struct nv_gpu *)a)->minor - ((const struct nv_gpu *)b)->minor;
}

int nv_open(struct nv_env *e)
{
	char line[256];
	FILE *f;
	DIR *d;
	struct dirent *de;

	memset(e, 0, sizeof(*e));
	f = fopen("/proc/driver/nvidia/version", "r");
	if (!f || !fgets(line, sizeof(line), f)) {
		fprintf(stderr, "error: cannot read /proc/driver/nvidia/version: is nvidia loaded?\n");
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	{
		char *p = strstr(line, "Module");

		if (!p || sscanf(p, "Module %31s", e->version) != 1) {
			fprintf(stderr, "error: unexpected driver version line\n");
			return -1;
		}
		e->major = atoi(e->version);
	}
	e->vmode_size = e->major >= 570 ? 8 : 4;
	e->create_size = e->major >= 570 ? 40 : 32;
	if (e->major >= 580) {
		e->a081 = &l_a081_580;
		e->a082 = &l_a082_580;
	} else {
		e->a081 = &l_a081_535;
		e->a082 = &l_a082_535;
	}
	e->info_size = e->a081->info_size;
	e->a082_size = e->a082->info_size;
	d = opendir("/proc/driver/nvidia/gpus");
	while (d && (de = readdir(d)) && e->ngpus < 8) {
		struct nv_gpu *g = &e->gpus[e->ngpus];
		char path[300];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/driver/nvidia/gpus/%s/information", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		g->minor = -1;
		while (fgets(line, sizeof(line), f))
			sscanf(line, "Device Minor: %d", &g->minor);
		fclose(f);
		snprintf(g->bdf, sizeof(g->bdf), "%.31s", de->d_name);
		if (sscanf(g->bdf, "%x:%x:%x.%x", &g->domain, &g->bus, &g->dev, &g->fn) == 4 &&
		    g->minor >= 0)
			e->ngpus++;
	}
	if (d)
		closedir(d);
	qsort(e->gpus, e->ngpus, sizeof(e->gpus[0]), gpu_cmp);
	e->ctl = open("/dev/nvidiactl", O_RDWR);
	if (e->ctl < 0) {
		fprintf(stderr, "error: open /dev/nvidiactl: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int nv_open_gpu(struct nv_gpu *g)
{
	char path[32];

	snprintf(path, sizeof(path), "/dev/nvidia%d", g->minor);
	return open(path, O_RDWR);
}

struct nv_gpu *nv_find_gpu(struct nv_env *e, const char *bdf)
{
	for (int i = 0; i < e->ngpus; i++)
		if (!strcmp(e->gpus[i].bdf, bdf))
			return &e->gpus[i];
	return NULL;
}

long nv_control_raw(struct nv_env *e, uint32_t h_client, uint32_t h_obj,
		    uint32_t cmd, void *params, uint32_t size)
{
	static const long delays_ms[] = { 100, 1000, 10000 };
	uint8_t p[VUKP_NVOS54_SIZE];
	unsigned int tries = 0;

	for (;;) {
		memset(p, 0, sizeof(p));
		put32(p + VUKP_NVOS54_HCLIENT, h_client);
		put32(p + VUKP_NVOS54_HOBJECT, h_obj);
		put32(p + VUKP_NVOS54_CMD, cmd);
		put64(p + VUKP_NVOS54_PARAMS, (uintptr_t)params);
		put32(p + VUKP_NVOS54_PARAMS_SIZE, size);
		if (ioctl(e->ctl, VUKP_NV_RM_CONTROL_REQ, p) < 0)
			return -1;
		if (get32(p + VUKP_NVOS54_STATUS) != VUKP_NV_ERR_BUSY_RETRY ||
		    tries >= 3)
			return get32(p + VUKP_NVOS54_STATUS);
		struct timespec ts = { delays_ms[tries] / 1000,
				       (delays_ms[tries] % 1000) * 1000000 };
		nanosleep(&ts, NULL);
		tries++;
	}
}

long nv_control(struct nv_env *e, uint32_t h_obj, uint32_t cmd, void *params,
		uint32_t size)
{
	return nv_control_raw(e, MOCK_CLIENT, h_obj, cmd, params, size);
}

int nv_is_vgpu_board(unsigned short device)
{
	for (size_t i = 0; i < sizeof(boards) / sizeof(boards[0]); i++)
		if (boards[i] == device)
			return 1;
	return 0;
}

static void to_type(size_t i, struct nv_type *t)
{
	t->id = 256 + i;
	t->device = catalogue[i].device;
	t->subsys = catalogue[i].subsys;
	t->name = catalogue[i].name;
	t->board = catalogue[i].board;
}

int nv_types_for_board(unsigned short device, struct nv_type *out, int max)
{
	int n = 0;

	for (size_t i = 0; i < sizeof(catalogue) / sizeof(catalogue[0]); i++)
		if (catalogue[i].device == device && n < max)
			to_type(i, &out[n++]);
	return n;
}

int nv_type_lookup(const char *s, struct nv_type *out)
{
	char *end;
	unsigned long id = strtoul(s, &end, 0);

	for (size_t i = 0; i < sizeof(catalogue) / sizeof(catalogue[0]); i++) {
		if ((*end == 0 && id == 256 + i) || !strcmp(s, catalogue[i].name)) {
			to_type(i, out);
			return 0;
		}
	}
	return -1;
}

static unsigned int board_fb_gib(unsigned short device)
{
	switch (device) {
	case 0x1b38: case 0x1e30: return 24;
	case 0x1db6: return 32;
	case 0x1eb8: return 16;
	case 0x2230: return 48;
	default: return 8;
	}
}

static void put_str(uint8_t *info, unsigned int off, unsigned int len, const char *s)
{
	size_t n = strlen(s);

	if (n >= len)
		n = len - 1;
	memcpy(info + off, s, n);
}

/* A vGPU type's info, in the layout of this driver branch (the real
 * nvidia-vgpud reads these from its vgpuConfig.xml). */
void nv_fill_type_info(struct nv_env *e, const struct nv_type *t, uint8_t *info)
{
	const struct mock_info_layout *l = e->a081;
	const char *dash = strrchr(t->name, '-');
	unsigned int fb_gib = dash ? (unsigned int)atoi(dash + 1) : 1;
	char kind = 'Q';
	uint64_t fb = fb_gib ? (uint64_t)fb_gib << 30 : 512ull << 20;

	for (const char *p = dash ? dash + 1 : ""; *p; p++)
		if (*p >= 'A' && *p <= 'Z') {
			kind = *p;
			break;
		}
	memset(info, 0, l->info_size);
	put32(info, t->id);
	put_str(info, l->name, l->name_len, t->name);
	put_str(info, l->cls, l->cls_len, kind == 'Q' ? "Quadro" : kind == 'B' ? "NVS" :
		kind == 'C' ? "Compute" : "GRID-Virtual-Apps");
	put_str(info, l->license, 128, kind == 'Q' ? "Quadro-Virtual-DWS,5.0;GRID-Virtual-WS,2.0" :
		kind == 'B' ? "GRID-Virtual-PC,2.0" : kind == 'C' ? "NVIDIA-vComputeServer,9.0" :
		"GRID-Virtual-Apps,3.0");
	put32(info + l->max_instance, board_fb_gib(t->device) * 1024 / (unsigned int)(fb >> 20));
	put32(info + l->num_heads, kind == 'Q' ? 4 : kind == 'B' ? 2 : 1);
	put32(info + l->max_res_x, kind == 'A' ? 1280 : 5120);
	put32(info + l->max_res_y, kind == 'A' ? 1024 : 2880);
	put32(info + l->max_pixels, kind == 'A' ? 1310720 : 14745600);
	put32(info + l->frl_config, kind == 'C' ? 0 : 60);
	put32(info + l->cuda, kind == 'Q' || kind == 'C');
	put32(info + l->ecc, kind == 'C');
	put32(info + l->multi_vgpu, 0);
	put64(info + l->vdev_id, (uint64_t)t->device << 16 | t->subsys);
	put64(info + l->pdev_id, t->device);
	put64(info + l->profile_size, fb);
	put64(info + l->fb_length, fb - (fb >> 4));
	put64(info + l->fb_reservation, fb >> 4);
	put64(info + l->mappable, 16ull << 20);
	put32(info + l->encoder, 100);
	put64(info + l->bar1, 256ull << 20);
	put32(info + l->frl_enable, kind != 'C');
	put_str(info, l->adapter_name, 64, t->name);
	for (size_t i = 0; t->name[i] && i < 63; i++)
		info[l->adapter_unicode + 2 * i] = (uint8_t)t->name[i];
	put_str(info, l->short_name, 64, t->board);
	put_str(info, l->licensed_name, 128, kind == 'Q' ? "NVIDIA RTX Virtual Workstation" :
		kind == 'B' ? "NVIDIA Virtual PC" : kind == 'C' ? "NVIDIA Virtual Compute Server" :
		"NVIDIA Virtual Applications");
}
