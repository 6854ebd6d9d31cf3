/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The GPUs bound to nvidia and their memory apertures: which kernel
 * address belongs to which GPU.  Knows PCI devices and mappings only.
 *
 * A GPU counts when it is bound to nvidia, is a physical function (no
 * SR-IOV virtual function) and, for an NVIDIA device, a display/3D
 * controller; its apertures are its memory BARs except BAR0 (registers).
 * Writers run in process context under the arming mutex; the lookups
 * marked atomic run in probe handlers, lock-free.
 */
#ifndef VUKP_GPU_H
#define VUKP_GPU_H

#include <linux/types.h>
#include <linux/pci.h>

#define VUKP_MAX_GPUS	16

struct vukp_gpu_info {
	char name[16];		/* PCI address */
	u16 vendor, device;
	unsigned int nbars;
};

int vukp_gpus_init(const struct module *nv);
void vukp_gpus_exit(void);
/* A PCI device was bound to / is being unbound from a driver. */
bool vukp_gpu_bound(struct pci_dev *pdev);
bool vukp_gpu_unbinding(struct pci_dev *pdev);
/* More GPUs were bound to nvidia than are tracked. */
bool vukp_gpus_overflow(void);

bool vukp_gpu_active(int idx, u32 *gen);				/* atomic */
bool vukp_gpu_info(int idx, struct vukp_gpu_info *out);
u32 vukp_gpu_set_gen(void);	/* changes whenever a GPU comes or goes */
int vukp_gpu_match(unsigned long va, u32 *gen);				/* atomic */
bool vukp_gpu_owns(int idx, u32 gen, unsigned long va);			/* atomic */
bool vukp_phys_is_gpu(u64 phys, u64 size);				/* atomic */
void vukp_map_add(unsigned long va, u64 phys, u64 size);		/* atomic */
void vukp_map_del(unsigned long va);					/* atomic */

#endif /* VUKP_GPU_H */
