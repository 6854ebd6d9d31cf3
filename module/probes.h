/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The probes on nvidia's interface layer: thin adapters from the three
 * probed functions to gpu.c and unlock.c, installed all-or-nothing.
 */
#ifndef VUKP_PROBES_H
#define VUKP_PROBES_H

#include <linux/types.h>
#include <linux/module.h>
#include "vukp_nvidia.h"	/* VUKP_NUM_PROBES, VUKP_SYM_*: data/nvidia-symbols.csv */

struct vukp_probe_stat {
	const char *symbol;
	unsigned long hits;
	unsigned long nmissed;
	bool enabled;
};

/* Process context, arming mutex held. */
int vukp_probes_register(const struct module *nv, const char **failed);
void vukp_probes_enable(void);
void vukp_copy_probe_update(void);
void vukp_probes_unregister(void);
void vukp_probes_flush(void);
void vukp_probes_stats(struct vukp_probe_stat *st);

#endif /* VUKP_PROBES_H */
