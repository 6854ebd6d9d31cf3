// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * End-to-end test of the real libvgpu_unlock_shim.so: run as
 *   LD_PRELOAD="libvgpu_unlock_shim.so libfakerm.so" e2e <tmpdir>
 * with VGPU_UNLOCK_CONFIG_PATH / VGPU_UNLOCK_PROFILE_OVERRIDE_CONFIG_PATH
 * pointing at <tmpdir>/config.toml and <tmpdir>/profile.toml.  KTAP output.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vukp_nvabi.h"
#include "../ktap.h"

static int fd;
static const char *dir;

static void result(int ok, const char *name)
{
	ktap_result(ok, "e2e: %s", name);
}

static void nvos_init(unsigned char nvos[32], uint32_t cmd, void *params,
		      uint32_t size, uint32_t status)
{
	uint64_t p = (uint64_t)(uintptr_t)params;

	memset(nvos, 0, 32);
	memcpy(nvos + VUKP_NVOS54_HOBJECT, &status, 4);	/* fakerm: status */
	memcpy(nvos + VUKP_NVOS54_CMD, &cmd, 4);
	memcpy(nvos + VUKP_NVOS54_PARAMS, &p, 8);
	memcpy(nvos + VUKP_NVOS54_PARAMS_SIZE, &size, 4);
}

static uint32_t st(const unsigned char nvos[32])
{
	uint32_t v;

	memcpy(&v, nvos + VUKP_NVOS54_STATUS, 4);
	return v;
}

static int pci(uint32_t *out)
{
	unsigned char nvos[32];

	memset(out, 0, 16);
	nvos_init(nvos, VUKP_CMD_BUS_GET_PCI_INFO, out, 16, 0);
	return ioctl(fd, VUKP_NV_RM_CONTROL_REQ, nvos);
}

static void write_config(const char *name, const char *text)
{
	char path[256], tmp[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	fputs(text, f);
	fclose(f);
	chmod(tmp, 0644);
	rename(tmp, path);	/* new inode: change detected */
	usleep(300000);		/* the files are stat()ed every 100 ms */
}

static void *thread_main(void *unused)
{
	uint32_t v[4];
	int i, bad = 0;

	(void)unused;
	for (i = 0; i < 2000; i++)
		if (pci(v) != 0 || (v[0] >> 16) != 0x1b38)
			bad++;
	return (void *)(intptr_t)bad;
}

int main(int argc, char **argv)
{
	unsigned char nvos[32], before[32];
	uint32_t v[4], mode[2];
	int ret, err, nul, i;

	if (argc != 2)
		return 2;
	dir = argv[1];
	ktap_start();
	fd = memfd_create("vukp-fakerm", MFD_CLOEXEC);

	/* 1: real ioctl fails: result and errno passed through untouched */
	nul = open("/dev/null", O_RDWR);
	pci(v);
	nvos_init(nvos, VUKP_CMD_BUS_GET_PCI_INFO, v, 16, 0);
	memcpy(before, nvos, 32);
	errno = 0;
	ret = ioctl(nul, VUKP_NV_RM_CONTROL_REQ, nvos);
	err = errno;
	result(ret == -1 && err == ENOTTY && !memcmp(before, nvos, 32),
	       "failing ioctl (/dev/null, ENOTTY) passed through untouched");

	/* 2: PCI info spoofed; errno left as the real ioctl set it */
	errno = 0;
	ret = pci(v);
	err = errno;
	result(ret == 0 && v[0] == 0x1b3810de && v[1] == 0x120f1462 && v[2] == 0xa1,
	       "PCI info 0x1b06 -> 0x1b38 through the preloaded .so");
	result(err == EALREADY, "errno preserved");

	/* 3: same through NV_ESC_IOCTL_XFER_CMD */
	{
		unsigned char x[16];
		uint32_t c = VUKP_NV_ESC_RM_CONTROL, s = 32;
		uint64_t p = (uint64_t)(uintptr_t)nvos;

		memset(v, 0, sizeof(v));
		nvos_init(nvos, VUKP_CMD_BUS_GET_PCI_INFO, v, 16, 0);
		memcpy(x, &c, 4);
		memcpy(x + 4, &s, 4);
		memcpy(x + 8, &p, 8);
		ret = ioctl(fd, VUKP_NV_IOCTL_XFER_REQ, x);
		result(ret == 0 && v[0] == 0x1b3810de, "XFER_CMD-wrapped RM control rewritten");
	}

	/* 4: 8-byte virtualization mode, isGridBuild kept */
	mode[0] = 0;
	mode[1] = 0x01;
	nvos_init(nvos, VUKP_CMD_GET_VIRTUALIZATION_MODE, mode, 8, 0);
	ioctl(fd, VUKP_NV_RM_CONTROL_REQ, nvos);
	result(mode[0] == 3 && mode[1] == 1, "virtualization mode (8 bytes) -> HOST");

	/* 5: status fix-ups; busy retry untouched */
	nvos_init(nvos, VUKP_CMD_GET_ZBC_CLEAR_TABLE, NULL, 0, 0x56);
	ioctl(fd, VUKP_NV_RM_CONTROL_REQ, nvos);
	result(st(nvos) == 0, "ZBC clear table failure -> NV_OK");
	nvos_init(nvos, VUKP_CMD_GET_ZBC_CLEAR_TABLE, NULL, 0, 3);
	ioctl(fd, VUKP_NV_RM_CONTROL_REQ, nvos);
	result(st(nvos) == 3, "BUSY_RETRY left alone");
	nvos_init(nvos, VUKP_CMD_GPU_GET_INFOROM_OBJECT_VERSION, NULL, 0, 0x56);
	ioctl(fd, VUKP_NV_RM_CONTROL_REQ, nvos);
	result(st(nvos) == 0x57, "inforom 0x56 -> 0x57");

	/* 6: start data UUID + type info: profile, mdev and vm overrides */
	{
		unsigned char sd[1056] = { 0 }, *ti = calloc(1, 5432);
		uint32_t t = 55, r;

		sd[0] = 1;	/* 00000001-0000-0000-0000-000000000100 */
		sd[14] = 0x01;
		nvos_init(nvos, VUKP_CMD_VGPU_GET_START_DATA, sd, 1056, 0);
		ioctl(fd, VUKP_NV_RM_CONTROL_REQ, nvos);
		memcpy(ti + 8, &t, 4);
		nvos_init(nvos, VUKP_CMD_VGPU_CONFIG_GET_TYPE_INFO, ti, 5432, 0);
		ioctl(fd, VUKP_NV_RM_CONTROL_REQ, nvos);
		memcpy(&r, ti + 8 + 388, 4);
		result(r == 7, "type info 19.1: [vm.100] max_instances applied last");
		memcpy(&r, ti + 8 + 392, 4);
		result(r == 3, "type info 19.1: [mdev.<uuid>] num_displays applied");
		result(!strcmp((char *)ti + 8 + 510, "e2e adapter"),
		       "type info 19.1: [profile.nvidia-55] adapter_name at 510");
		free(ti);
	}

	/* 7: config re-read when the file changes (no restart) */
	write_config("config.toml", "unlock = false\n");
	pci(v);
	result(v[0] == 0x1b0610de, "config change picked up: unlock = false stops PCI spoof");
	write_config("config.toml", "[pci_info_map]\n0x1b06 = { device_id = 0x1b38, sub_system_id = 0x11d9 }\n");
	pci(v);
	result(v[0] == 0x1b3810de && v[1] == 0x11d91462, "config change picked up: pci_info_map");
	write_config("config.toml", "unlock = true\n");
	write_config("config.toml", "unlock = [\n");	/* syntax error: defaults */
	pci(v);
	result(v[0] == 0x1b3810de, "bad config.toml: defaults used, PCI still spoofed");
	write_config("config.toml", "unlock = true\n");

	/* 7b: the override file re-read too (no restart) */
	{
		unsigned char *ti = calloc(1, 5432);
		uint32_t t = 55, r;

		write_config("profile.toml", "[profile.nvidia-55]\nmax_instances = 9\n");
		memcpy(ti + 8, &t, 4);
		nvos_init(nvos, VUKP_CMD_VGPU_CONFIG_GET_TYPE_INFO, ti, 5432, 0);
		ioctl(fd, VUKP_NV_RM_CONTROL_REQ, nvos);
		memcpy(&r, ti + 8 + 388, 4);
		result(r == 9, "override file change picked up: max_instances = 9");
		free(ti);
	}

	/* 8: four threads hammering the locked path */
	{
		pthread_t th[4];
		intptr_t bad = 0;

		for (i = 0; i < 4; i++)
			pthread_create(&th[i], NULL, thread_main, NULL);
		for (i = 0; i < 4; i++) {
			void *r;

			pthread_join(th[i], &r);
			bad += (intptr_t)r;
		}
		result(bad == 0, "4 threads x 2000 controls");
	}

	/* 9: non-RM ioctls and other fds untouched */
	{
		struct winsize ws;

		errno = 0;
		ret = ioctl(nul, TIOCGWINSZ, &ws);
		result(ret == -1 && errno == ENOTTY, "unrelated ioctl passed through");
	}
	return ktap_finish();
}
