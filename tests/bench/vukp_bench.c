// SPDX-License-Identifier: GPL-2.0
/*
 * vukp_bench: the baseline for the table search (make bench only; never
 * loaded by make check).  At insmod, over the same bytes vgpu_unlock_kp
 * searches (nvidia's read-only data, ro-after-init data and data, as
 * module/compat.h computes them), times
 *
 *   read    one pass reading every aligned 8-byte word (memory floor)
 *   memcmp  a plain scan for the three marker magics: at every byte
 *           offset, memcmp() against each marker whose first byte matches
 *
 * and prints one line per repetition:
 *   vukp_bench: scan bytes=N read_ns=R memcmp_ns=M found=F
 * then stays loaded doing nothing until rmmod.
 */
#include <linux/module.h>
#include <linux/timekeeping.h>
#include <linux/sched.h>
#include "compat.h"
#include "vukp_nvabi.h"
#include "vukp_nvidia.h"

static int reps = 1;
module_param(reps, int, 0444);
MODULE_PARM_DESC(reps, "repetitions (default 1)");

static const u8 vb_markers[VUKP_NUM_MARKERS][16] = VUKP_MARKER_MAGICS;

static u64 vb_read(const struct vukp_range *r, int n, u64 *sink)
{
	u64 t0 = ktime_get_ns(), s = 0;
	int i;

	for (i = 0; i < n; i++) {
		unsigned long a;

		for (a = ALIGN(r[i].start, 8); a + 8 <= r[i].end; a += 8)
			s += READ_ONCE(*(const u64 *)a);
		cond_resched();
	}
	*sink = s;
	return ktime_get_ns() - t0;
}

static u64 vb_memcmp(const struct vukp_range *r, int n, unsigned int *found)
{
	u64 t0 = ktime_get_ns();
	unsigned int f = 0;
	int i, k;

	for (i = 0; i < n; i++) {
		const u8 *p = (const u8 *)r[i].start;
		const u8 *end = (const u8 *)r[i].end - 16;

		for (; p <= end; p++) {
			u8 c = *p;

			for (k = 0; k < 3; k++)
				if (c == vb_markers[k][0] &&
				    !memcmp(p, vb_markers[k], 16))
					f++;
		}
		cond_resched();
	}
	*found = f;
	return ktime_get_ns() - t0;
}

static int __init vb_init(void)
{
	struct vukp_range r[VUKP_MAX_RANGES];
	unsigned long bytes = 0;
	struct module *nv;
	int n, i;

	nv = vukp_module_get("nvidia", true);
	if (!nv) {
		pr_err("vukp_bench: nvidia is not loaded\n");
		return -ENODEV;
	}
	n = vukp_module_data_ranges(nv, r);
	for (i = 0; i < n; i++)
		bytes += r[i].end - r[i].start;
	for (i = 0; i < reps; i++) {
		unsigned int found;
		u64 sink, tr, tm;

		tr = vb_read(r, n, &sink);
		tm = vb_memcmp(r, n, &found);
		pr_info("vukp_bench: scan bytes=%lu read_ns=%llu memcmp_ns=%llu found=%u sink=%llu\n",
			bytes, tr, tm, found, sink & 1);
	}
	module_put(nv);
	return 0;
}

static void __exit vb_exit(void)
{
}

module_init(vb_init);
module_exit(vb_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vgpu_unlock_kp benchmark baseline (test only)");
