// SPDX-License-Identifier: GPL-2.0
/*
 * The probes on nvidia's interface layer (driver-model.md 3), described by
 * one static table and installed all-or-nothing.  Every handler here runs
 * in atomic context.
 *
 *   os_mem_copy            kretprobe: 16-byte copies from a GPU aperture
 *   os_map_kernel_space    kretprobe: remember aperture mappings (cache)
 *   os_unmap_kernel_space  kprobe:    forget them
 *   rm_ioctl               kretprobe: count RM calls in flight, so that
 *                          unloading waits until none can still hold a
 *                          pointer to a record of ours
 */
#include <linux/kprobes.h>
#include <linux/percpu.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include "vukp.h"

enum { VUKP_P_COPY, VUKP_P_MAP, VUKP_P_UNMAP, VUKP_P_RM };

static DEFINE_PER_CPU(unsigned long, vukp_hits[VUKP_NUM_PROBES]);
static unsigned long vukp_missed[VUKP_NUM_PROBES];	/* of the last instance */

static unsigned int vukp_epoch;
static atomic_t vukp_rm_inflight[2];

static void vukp_hit(int p)
{
	this_cpu_inc(vukp_hits[p]);
}

/* ---- os_mem_copy(dst, src, len) ---- */

struct vukp_copy_data {
	void *dst;
	unsigned long src;
	int gpu;
	u32 gen;
};

static int vukp_copy_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct vukp_copy_data *d = (void *)ri->data;
	unsigned long src;
	u32 gen;
	int gpu;

	vukp_hit(VUKP_P_COPY);
	if ((u32)regs_get_kernel_argument(regs, 2) != VUKP_MAGIC_LEN)
		return 1;	/* size first: almost every call ends here */
	src = regs_get_kernel_argument(regs, 1);
	gpu = vukp_gpu_match(src, &gen);
	if (gpu < 0)
		return 1;
	d->dst = (void *)regs_get_kernel_argument(regs, 0);
	d->src = src;
	d->gpu = gpu;
	d->gen = gen;
	return 0;
}

static int vukp_copy_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct vukp_copy_data *d = (void *)ri->data;
	u8 val[VUKP_MAGIC_LEN];

	memcpy(val, d->dst, sizeof(val));	/* the bytes are there now */
	vukp_on_read(d->gpu, d->gen, d->src, val);
	memzero_explicit(val, sizeof(val));
	return 0;
}

/* ---- os_map_kernel_space(start, size, mode) ---- */

struct vukp_map_data {
	u64 start;
	u64 size;
};

static int vukp_map_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct vukp_map_data *d = (void *)ri->data;

	vukp_hit(VUKP_P_MAP);
	d->start = regs_get_kernel_argument(regs, 0);
	d->size = regs_get_kernel_argument(regs, 1);
	if (!d->start || !d->size || !vukp_phys_is_gpu(d->start, d->size))
		return 1;
	return 0;
}

static int vukp_map_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct vukp_map_data *d = (void *)ri->data;
	unsigned long va = regs_return_value(regs);

	if (va)
		vukp_map_add(va, d->start, d->size);
	return 0;
}

/* ---- os_unmap_kernel_space(addr, size) ---- */

static int vukp_unmap_pre(struct kprobe *kp, struct pt_regs *regs)
{
	vukp_hit(VUKP_P_UNMAP);
	vukp_map_del(regs_get_kernel_argument(regs, 0));
	return 0;
}

/* ---- rm_ioctl(sp, nv, nvfp, cmd, data, size) ---- */

static int vukp_rm_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	unsigned int *idx = (void *)ri->data;

	vukp_hit(VUKP_P_RM);
	*idx = READ_ONCE(vukp_epoch) & 1;
	atomic_inc(&vukp_rm_inflight[*idx]);
	smp_mb__after_atomic();	/* before the call reads any table */
	return 0;
}

static int vukp_rm_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	unsigned int *idx = (void *)ri->data;

	smp_mb__before_atomic();	/* the call's reads before the count */
	atomic_dec(&vukp_rm_inflight[*idx]);
	return 0;
}

/* ---- the table ---- */

struct vukp_probe {
	const char *symbol;
	kretprobe_handler_t entry;	/* kretprobe if .ret is set */
	kretprobe_handler_t ret;
	kprobe_pre_handler_t pre;	/* plain kprobe otherwise */
	size_t data_size;
	int maxactive;
};

static const struct vukp_probe vukp_probe_tab[VUKP_NUM_PROBES] = {
	[VUKP_P_COPY] = {
		.symbol = "os_mem_copy", .entry = vukp_copy_entry,
		.ret = vukp_copy_ret, .data_size = sizeof(struct vukp_copy_data),
		.maxactive = 256,	/* every call takes one, even filtered */
	},
	[VUKP_P_MAP] = {
		.symbol = "os_map_kernel_space", .entry = vukp_map_entry,
		.ret = vukp_map_ret, .data_size = sizeof(struct vukp_map_data),
		.maxactive = 64,
	},
	[VUKP_P_UNMAP] = {
		.symbol = "os_unmap_kernel_space", .pre = vukp_unmap_pre,
	},
	[VUKP_P_RM] = {
		.symbol = "rm_ioctl", .entry = vukp_rm_entry,
		.ret = vukp_rm_ret, .data_size = sizeof(unsigned int),
		.maxactive = 512,	/* RM calls sleep: many in flight */
	},
};

static struct kretprobe vukp_rps[VUKP_NUM_PROBES];
static struct kprobe vukp_kps[VUKP_NUM_PROBES];
static char vukp_names[VUKP_NUM_PROBES][MODULE_NAME_LEN + 32];
static bool vukp_registered[VUKP_NUM_PROBES];

static struct kprobe *vukp_kp(int i)
{
	return vukp_probe_tab[i].ret ? &vukp_rps[i].kp : &vukp_kps[i];
}

static void vukp_unregister(int i)
{
	if (!vukp_registered[i])
		return;
	if (vukp_probe_tab[i].ret) {
		unregister_kretprobe(&vukp_rps[i]);
		vukp_missed[i] = vukp_rps[i].nmissed + vukp_rps[i].kp.nmissed;
	} else {
		unregister_kprobe(&vukp_kps[i]);
		vukp_missed[i] = vukp_kps[i].nmissed;
	}
	vukp_registered[i] = false;
}

/*
 * Register every probe on @nv, disabled; nothing stays registered if one
 * fails, and *@failed names its symbol.  Process context.
 */
int vukp_probes_register(const struct module *nv, const char **failed)
{
	int i, ret = 0;

	atomic_set(&vukp_rm_inflight[0], 0);
	atomic_set(&vukp_rm_inflight[1], 0);
	for (i = 0; i < VUKP_NUM_PROBES; i++) {
		const struct vukp_probe *p = &vukp_probe_tab[i];
		struct kprobe *kp = vukp_kp(i);

		snprintf(vukp_names[i], sizeof(vukp_names[i]), "%s:%s",
			 nv->name, p->symbol);
		memset(&vukp_rps[i], 0, sizeof(vukp_rps[i]));
		memset(&vukp_kps[i], 0, sizeof(vukp_kps[i]));
		kp->symbol_name = vukp_names[i];
		kp->flags = KPROBE_FLAG_DISABLED;
		if (p->ret) {
			vukp_rps[i].entry_handler = p->entry;
			vukp_rps[i].handler = p->ret;
			vukp_rps[i].data_size = p->data_size;
			vukp_rps[i].maxactive = p->maxactive;
			ret = register_kretprobe(&vukp_rps[i]);
		} else {
			vukp_kps[i].pre_handler = p->pre;
			ret = register_kprobe(&vukp_kps[i]);
		}
		if (ret) {
			*failed = p->symbol;
			while (--i >= 0)
				vukp_unregister(i);
			return ret;
		}
		vukp_registered[i] = true;
		vukp_missed[i] = 0;
	}
	return 0;
}

void vukp_probes_enable(void)
{
	int i;

	for (i = 0; i < VUKP_NUM_PROBES; i++) {
		int ret = vukp_probe_tab[i].ret ? enable_kretprobe(&vukp_rps[i]) :
						  enable_kprobe(&vukp_kps[i]);

		if (ret)
			pr_warn("cannot enable the probe on %s (error %d)\n",
				vukp_probe_tab[i].symbol, ret);
	}
}

void vukp_probes_unregister(void)
{
	int i;

	for (i = VUKP_NUM_PROBES - 1; i >= 0; i--)
		vukp_unregister(i);
	for (i = 0; i < VUKP_NUM_PROBES; i++)
		if (vukp_missed[i])
			pr_info("probe on %s missed %lu hits\n",
				vukp_probe_tab[i].symbol, vukp_missed[i]);
}

void vukp_probes_stats(struct vukp_probe_stat *st)
{
	int i, cpu;

	for (i = 0; i < VUKP_NUM_PROBES; i++) {
		st[i].symbol = vukp_probe_tab[i].symbol;
		st[i].hits = 0;
		for_each_possible_cpu(cpu)
			st[i].hits += per_cpu(vukp_hits[i], cpu);
		if (!vukp_registered[i])
			st[i].nmissed = vukp_missed[i];
		else if (vukp_probe_tab[i].ret)
			st[i].nmissed = vukp_rps[i].nmissed + vukp_rps[i].kp.nmissed;
		else
			st[i].nmissed = vukp_kps[i].nmissed;
	}
}

/*
 * Wait until every rm_ioctl() call that entered before now has returned.
 * The caller has restored the tables: calls entering later cannot see our
 * records.  Process context.  False on timeout.
 */
bool vukp_rm_drain(unsigned int timeout_ms)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(timeout_ms);
	unsigned int old;

	if (!vukp_registered[VUKP_P_RM])
		return true;
	old = READ_ONCE(vukp_epoch) & 1;
	smp_mb();	/* the restore before the flip */
	WRITE_ONCE(vukp_epoch, vukp_epoch + 1);
	smp_mb();	/* the flip before reading the counter */
	while (atomic_read(&vukp_rm_inflight[old]) > 0) {
		if (time_after(jiffies, deadline))
			return false;
		msleep(20);
	}
	return true;
}
