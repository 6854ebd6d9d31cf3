/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Arming: which nvidia instance is handled, and the mutex that orders
 * arming, disarming, GPU changes and status reads (process context).
 */
#ifndef VUKP_MAIN_H
#define VUKP_MAIN_H

#include <linux/types.h>

enum vukp_arm_state {
	VUKP_NV_ABSENT,
	VUKP_NV_ARMED,
	VUKP_NV_REFUSED,
};

struct vukp_nv_info {
	u8 state;		/* enum vukp_arm_state */
	char version[64];
	char reason[128];
	unsigned int loads;	/* nvidia instances seen */
};

void vukp_arming_lock(void);
int vukp_arming_lock_interruptible(void);
void vukp_arming_unlock(void);
void vukp_arming_assert_held(void);
void vukp_nv_info(struct vukp_nv_info *out);	/* arming mutex held */

#endif /* VUKP_MAIN_H */
