/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Taking a raw spinlock in a probe handler.  An int3 probe runs in NMI
 * context on x86, where lockdep accepts a trylock only: so spin on one.
 * No critical section of this module calls a probed function, so the
 * holder is on another CPU and lets go.
 */
#ifndef VUKP_NMI_LOCK_H
#define VUKP_NMI_LOCK_H

#include <linux/spinlock.h>

#define vukp_probe_lock(lock, flags)				\
	do {							\
		while (!raw_spin_trylock_irqsave(lock, flags))	\
			cpu_relax();				\
	} while (0)

#endif /* VUKP_NMI_LOCK_H */
