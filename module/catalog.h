/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vGPU type catalogue and the GPU id map (data/, through
 * include/vukp_catalog.h), with the module parameters that extend or
 * reorder them: which board a device id is presented as, and the plaintext
 * of each vGPU type record.  Read-only after module init.
 */
#ifndef VUKP_MOD_CATALOG_H
#define VUKP_MOD_CATALOG_H

#include <linux/types.h>
#include "crypto.h"

#define VUKP_MAX_BOARD_TYPES	64
#define VUKP_TYPE_BLOCKS	4	/* bound for the records we build */
#define VUKP_OWN_REC_MAX	(1 + VUKP_BLOCK * VUKP_TYPE_BLOCKS)

/* A vGPU-capable board and its types, in order of preference. */
struct vukp_target {
	u16 device;
	const char *name;
	unsigned int ntypes;
	u16 type[VUKP_MAX_BOARD_TYPES];		/* index into the catalogue */
};

/* The plaintext of a type record; nblocks 0: the type cannot be built. */
struct vukp_plain {
	u8 nblocks;
	u8 pt[VUKP_BLOCK * VUKP_TYPE_BLOCKS];
};

int vukp_catalog_init(void);
/* The board @device is presented as; NULL if none or a board itself. */
const struct vukp_target *vukp_target_for(u16 device, bool *is_board);
const struct vukp_plain *vukp_type_plain(unsigned int type);
const char *vukp_type_name(unsigned int type);

#endif /* VUKP_MOD_CATALOG_H */
