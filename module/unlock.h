/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The unlock state: models (one per magic seen), the vGPU-capable entries
 * and who uses them, each GPU's progress, and the lock that guards them.
 * See docs/how-it-works.md, "Which entries are used", for the rule.
 */
#ifndef VUKP_UNLOCK_H
#define VUKP_UNLOCK_H

#include <linux/types.h>
#include <linux/module.h>
#include "catalog.h"
#include "gpu.h"

#define VUKP_MAX_MODELS		VUKP_MAX_GPUS

enum vukp_gpu_state {
	VUKP_GPU_IDLE,		/* no magic read yet */
	VUKP_GPU_KEY_WAIT,	/* magic read, waiting for the key */
	VUKP_GPU_READY,		/* key verified */
	VUKP_GPU_NATIVE,	/* magic of a vGPU-capable board */
};

enum vukp_err {
	VUKP_OK,
	VUKP_ERR_NO_TARGET,	/* device id not in the id map */
	VUKP_ERR_NO_SLOTS,	/* fewer usable entries than types */
	VUKP_ERR_NO_MODEL,	/* model pool exhausted */
	VUKP_ERR_NO_KEY,	/* no key candidate passed the check */
	VUKP_ERR_NUM,
};

/* One GPU as the status file shows it. */
struct vukp_gpu_view {
	struct vukp_gpu_info info;
	u8 state;		/* enum vukp_gpu_state */
	bool has_model, key_ok, native, board_left;
	u32 fp;			/* fingerprint of the magic, not the magic */
	u16 device;
	const struct vukp_target *target;
	unsigned int installed;	/* of target->ntypes */
	unsigned int buildable;	/* types whose record can be built */
	u8 err;			/* enum vukp_err */
	u32 reads, magic_reads, key_reads, key_rejects;
	u64 ranks;		/* installed type ranks (first 64) */
};

/* A driver entry in use. */
struct vukp_used {
	unsigned int entry;	/* index in the vGPU-capable list */
	u8 kind;		/* enum vukp_kind */
	s8 gpu;			/* a GPU of the owning model, -1 if none */
	unsigned int type;	/* catalogue index */
};

struct vukp_unlock_stats {
	unsigned int nother, nvgpu, nsac[3];
	unsigned int usable, reserved, used, borrowed;
	unsigned int decoys;
	bool borrow, truncated;
	bool dry;				/* dry_run: nothing stored */
	unsigned long scanned;
	u64 scan_ns;
	unsigned int patches;			/* key read -> types installed */
	u64 patch_last_ns, patch_max_ns, patch_sum_ns;
	u64 irqoff_max_ns;			/* longest vukp_lock hold */
	unsigned long parked;			/* bytes kept for nvidia */
};

/* Process context, arming mutex held. */
int vukp_unlock_arm(const struct module *nv, const char **why);
void vukp_unlock_disarm(bool nv_going);
void vukp_unlock_rebalance(void);
bool vukp_unlock_copy_needed(void);
bool vukp_unlock_gpu_view(int gpu, struct vukp_gpu_view *v);
unsigned int vukp_unlock_used(struct vukp_used *out, unsigned int max);
void vukp_unlock_stats(struct vukp_unlock_stats *st);
const char *vukp_err_str(u8 err);

/*
 * A 16-byte read from GPU @gpu's aperture at @src returned @val (atomic:
 * the os_mem_copy probe).  Returns whether such reads still matter.
 */
bool vukp_unlock_read(int gpu, u32 gen, unsigned long src, const u8 *val);

#endif /* VUKP_UNLOCK_H */
