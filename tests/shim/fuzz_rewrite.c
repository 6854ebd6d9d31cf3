// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target: the control rewrites.  Input: 1 byte control selector,
 * 1 byte size selector, 2 bytes raw size, 4 bytes status, then params
 * content.  The params buffer is allocated with exactly paramsSize bytes
 * so any write outside it is an ASan error.  Config: every override key in
 * profile, mdev and vm sections, pci_info_map, migration unlocked.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"
#include "vukp_nvabi.h"

static const char main_text[] =
	"unlock_migration = true\n"
	"[pci_info_map]\n0x1b06 = { device_id = 0x1b38, sub_system_id = 0x11d9 }\n";
static const char prof_keys[] =
	"gpu_type = 56\ncard_name = \"0123456789012345678901234567890123456789\"\n"
	"vgpu_type = \"NVS\"\nfeatures = \"x\"\nmax_instances = 1\nnum_displays = 2\n"
	"display_width = 3\ndisplay_height = 4\nmax_pixels = 5\nfrl_config = 6\n"
	"cuda_enabled = 1\necc_supported = 1\nmig_instance_size = 1\n"
	"multi_vgpu_supported = 1\npci_id = 1\npci_device_id = 2\nframebuffer = \"1GiB\"\n"
	"mappable_video_size = 3\nframebuffer_reservation = 4\nencoder_capacity = 5\n"
	"bar1_length = 6\nfrl_enabled = 1\n"
	"adapter_name = \"\\U0001F600\\U0001F600\\U0001F600\\U0001F600\\U0001F600\\U0001F600\\U0001F600\\U0001F600\\U0001F600\\U0001F600\\U0001F600\\U0001F600\\U0001F600\\U0001F600\\U0001F600x\"\n"
	"short_gpu_name = \"s\"\nlicense_type = \"l\"\n";

static const uint32_t cmds[] = {
	VUKP_CMD_BUS_GET_PCI_INFO, VUKP_CMD_GET_VIRTUALIZATION_MODE,
	VUKP_CMD_VGPU_CONFIG_GET_MIGRATION_CAP, VUKP_CMD_VGPU_CONFIG_GET_TYPE_INFO,
	VUKP_CMD_HOST_VGPU_GET_TYPE_INFO, VUKP_CMD_VGPU_GET_START_DATA,
	VUKP_CMD_VGPU_CREATE_DEVICE, VUKP_CMD_GET_ZBC_CLEAR_TABLE,
	VUKP_CMD_A082_UNNAMED_0104, VUKP_CMD_GPU_GET_INFOROM_OBJECT_VERSION,
	0x20801322,
};
static const uint32_t sizes[] = {
	0, 1, 4, 8, 16, 32, 40, 1056, 1840, 1848, 2328, 4960, 5096, 5232, 5424, 5432,
};

static struct vukp_main_cfg cfg;
static struct vukp_profile_cfg prof;
static struct vukp_rt rt;

static void quiet(enum vukp_log_level level, const char *line)
{
	(void)level;
	(void)line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	unsigned char nvos[32];
	uint32_t cmd, psize, status;
	uint64_t p;
	unsigned char *params;

	if (!init) {
		static char text[8192];
		size_t n = 0;

		vukp_log_set_sink(quiet);
		vukp_log_debug = true;
		vukp_main_cfg_parse(&cfg, main_text, sizeof(main_text) - 1, "m");
		n += (size_t)snprintf(text + n, sizeof(text) - n, "[profile.nvidia-55]\n%s", prof_keys);
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[mdev.00000001-0000-0000-0000-000000000100]\n%s", prof_keys);
		n += (size_t)snprintf(text + n, sizeof(text) - n, "[vm.100]\n%s", prof_keys);
		vukp_profile_cfg_parse(&prof, text, n, "p");
		init = 1;
	}
	if (size < 8)
		return 0;
	cmd = cmds[data[0] % (sizeof(cmds) / sizeof(cmds[0]))];
	if (data[1] & 0x80)
		psize = (uint32_t)(data[2] | data[3] << 8) % 8192;
	else
		psize = sizes[data[1] % (sizeof(sizes) / sizeof(sizes[0]))];
	memcpy(&status, data + 4, 4);
	status &= data[1] & 0x40 ? 0xff : 0;
	data += 8;
	size -= 8;
	params = malloc(psize ? psize : 1);
	memset(params, 0, psize);
	memcpy(params, data, size < psize ? size : psize);
	p = (uint64_t)(uintptr_t)params;
	memset(nvos, 0, sizeof(nvos));
	memcpy(nvos + VUKP_NVOS54_CMD, &cmd, 4);
	memcpy(nvos + VUKP_NVOS54_PARAMS, &p, 8);
	memcpy(nvos + VUKP_NVOS54_PARAMS_SIZE, &psize, 4);
	memcpy(nvos + VUKP_NVOS54_STATUS, &status, 4);
	vukp_rewrite(nvos, &cfg, &prof, &rt);
	free(params);
	return 0;
}
