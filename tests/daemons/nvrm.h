/* SPDX-License-Identifier: GPL-2.0 */
/* Mock daemons' RM client: the daemon-side view of driver-interface.md §5. */
#ifndef NVRM_H
#define NVRM_H
#include <stdint.h>
#include <stddef.h>
#include "../mock/layout.h"

struct nv_gpu {
	char bdf[32];
	int minor;
	unsigned int bus, dev, fn, domain;
};

struct nv_env {
	int ctl;
	int major;		/* driver branch, from /proc/driver/nvidia/version */
	char version[32];
	unsigned int vmode_size, create_size, info_size, a082_size;
	const struct mock_info_layout *a081, *a082;
	struct nv_gpu gpus[8];
	int ngpus;
};

int nv_open(struct nv_env *e);
/* Returns the RM status, or -1 with errno when the ioctl itself failed. */
long nv_control(struct nv_env *e, uint32_t h_obj, uint32_t cmd, void *params,
		uint32_t size);
long nv_control_raw(struct nv_env *e, uint32_t h_client, uint32_t h_obj,
		    uint32_t cmd, void *params, uint32_t size);
int nv_open_gpu(struct nv_gpu *g);
struct nv_gpu *nv_find_gpu(struct nv_env *e, const char *bdf);

/* The vGPU type catalogue: id = 256 + row of vukp_catalog.h */
struct nv_type {
	unsigned int id;
	unsigned short device, subsys;
	const char *name, *board;
};
int nv_types_for_board(unsigned short device, struct nv_type *out, int max);
int nv_type_lookup(const char *name_or_id, struct nv_type *out);
int nv_is_vgpu_board(unsigned short device);
void nv_fill_type_info(struct nv_env *e, const struct nv_type *t, uint8_t *info);

static inline uint32_t get32(const void *p)
{
	uint32_t v;
	__builtin_memcpy(&v, p, 4);
	return v;
}
static inline uint64_t get64(const void *p)
{
	uint64_t v;
	__builtin_memcpy(&v, p, 8);
	return v;
}
static inline void put32(void *p, uint32_t v) { __builtin_memcpy(p, &v, 4); }
static inline void put64(void *p, uint64_t v) { __builtin_memcpy(p, &v, 8); }
#endif
