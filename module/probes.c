// SPDX-License-Identifier: GPL-2.0
/*
 * The probes on nvidia's interface layer (driver-interface.md §3), described by
 * one static table and installed all-or-nothing.  Every handler here runs
 * in atomic context.
 *
 *   os_mem_copy            kprobe:    16-byte copies from a GPU aperture,
 *                                     handed to unlock.c
 *   os_map_kernel_space    kretprobe: remember aperture mappings (cache)
 *   os_unmap_kernel_space  kprobe:    forget them
 *
 * All three have an ftrace entry in nvidia's interface layer, so on a
 * kernel with ftrace no probe writes an int3 into nvidia's text; without
 * ftrace they are int3 probes, kept unoptimized (vukp_guard()), and their
 * handlers run in NMI context.  rm_ioctl (the blob, no ftrace entry) is
 * not probed: nothing needs it.
 */
#include <linux/kprobes.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/irq_work.h>
#include <linux/workqueue.h>
#include "probes.h"
#include "gpu.h"
#include "unlock.h"
#include "main.h"

/* One per role of data/nvidia-symbols.csv; the names come from there. */
enum { VUKP_P_COPY, VUKP_P_MAP, VUKP_P_UNMAP, VUKP_P_ROLES };
static_assert(VUKP_P_ROLES == VUKP_NUM_PROBES,
	      "data/nvidia-symbols.csv lists a probed role not handled here");

static DEFINE_PER_CPU(unsigned long, vukp_hits[VUKP_NUM_PROBES]);
static unsigned long vukp_missed[VUKP_NUM_PROBES];	/* of the last instance */

static void vukp_hit(int p)
{
	this_cpu_inc(vukp_hits[p]);
}

static void vukp_copy_probe_idle(void);

/* ---- os_mem_copy(dst, src, len) ---- */

/*
 * A plain kprobe on entry: the 16 bytes are read from the source, which a
 * page-table walk has just shown to be a GPU's memory BAR (reading device
 * memory has no side effect).  Any patch is thus in place before the copy
 * itself runs.  A return probe would cost every RM memcpy a return-hook
 * node.
 */
static int vukp_copy_pre(struct kprobe *kp, struct pt_regs *regs)
{
	u8 val[VUKP_MAGIC_LEN];
	unsigned long src;
	u32 gen;
	int gpu;

	vukp_hit(VUKP_P_COPY);
	if ((u32)regs_get_kernel_argument(regs, 2) != VUKP_MAGIC_LEN)
		return 0;	/* size first: almost every call ends here */
	src = regs_get_kernel_argument(regs, 1);
	gpu = vukp_gpu_match(src, &gen);
	if (gpu < 0)
		return 0;
	memcpy_fromio(val, (const void __iomem *)src, sizeof(val));
	if (!vukp_unlock_read(gpu, gen, src, val))
		vukp_copy_probe_idle();
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
		.symbol = VUKP_SYM_COPY, .pre = vukp_copy_pre,
	},
	[VUKP_P_MAP] = {
		.symbol = VUKP_SYM_MAP, .entry = vukp_map_entry,
		.ret = vukp_map_ret, .data_size = sizeof(struct vukp_map_data),
		.maxactive = 64,
	},
	[VUKP_P_UNMAP] = {
		.symbol = VUKP_SYM_UNMAP, .pre = vukp_unmap_pre,
	},
};

static struct kretprobe vukp_rps[VUKP_NUM_PROBES];
static struct kprobe vukp_kps[VUKP_NUM_PROBES];
static struct kprobe vukp_guards[VUKP_NUM_PROBES];
static char vukp_names[VUKP_NUM_PROBES][MODULE_NAME_LEN + 32];
static bool vukp_registered[VUKP_NUM_PROBES];
static bool vukp_guarded[VUKP_NUM_PROBES];

/*
 * The os_mem_copy probe costs every RM memcpy something, and is needed
 * only while a 16-byte aperture read can still change anything
 * (unlock.c decides: vukp_unlock_copy_needed()).  A handler that sees this is no longer so queues
 * (through an irq_work) a work item that disables the probe (enable and
 * disable sleep); a GPU bound or unbound enables it again at once, in the
 * PCI notifier; arming enables it afresh.  Decisions are taken under
 * the arming mutex from the current state, so their order does not matter.  Both
 * flags change under that mutex only.
 */
/*
 * Tests only: the probe stays enabled from arming to disarming, so no
 * text is patched in between (53-parallel under multi-threaded TCG,
 * docs/reliability.md, item 1).
 */
static bool copy_probe_hold;
module_param(copy_probe_hold, bool, 0444);
MODULE_PARM_DESC(copy_probe_hold,
		 "testing: keep the os_mem_copy probe enabled while armed (no text patching after arming; default 0)");

static bool vukp_copy_live;	/* armed: the probe's state is managed */
static bool vukp_copy_on;	/* the os_mem_copy probe is enabled */

static void vukp_copy_work_fn(struct work_struct *work)
{
	vukp_arming_lock();
	vukp_copy_probe_update();
	vukp_arming_unlock();
}

static DECLARE_WORK(vukp_copy_work, vukp_copy_work_fn);

/* schedule_work() takes locks: not from an int3 handler (NMI context) */
static void vukp_copy_iw_fn(struct irq_work *iw)
{
	schedule_work(&vukp_copy_work);
}

static DEFINE_IRQ_WORK(vukp_copy_iw, vukp_copy_iw_fn);

/* A handler found the probe no longer needed (atomic, no lock held). */
static void vukp_copy_probe_idle(void)
{
	if (READ_ONCE(vukp_copy_on) && !copy_probe_hold)
		irq_work_queue(&vukp_copy_iw);
}

static struct kprobe *vukp_kp(int i)
{
	return vukp_probe_tab[i].ret ? &vukp_rps[i].kp : &vukp_kps[i];
}

/* Enable or disable the os_mem_copy probe as needed; arming mutex held. */
void vukp_copy_probe_update(void)
{
	struct kprobe *kp = vukp_kp(VUKP_P_COPY);
	bool need;
	int ret;

	vukp_arming_assert_held();
	if (!vukp_copy_live)
		return;
	need = copy_probe_hold || vukp_unlock_copy_needed();
	if (need == vukp_copy_on)
		return;
	ret = need ? enable_kprobe(kp) : disable_kprobe(kp);
	if (ret) {
		pr_warn("cannot %s the probe on os_mem_copy (error %d)\n",
			need ? "enable" : "disable", ret);
		return;
	}
	WRITE_ONCE(vukp_copy_on, need);
	pr_info("probe on os_mem_copy %s\n", !need ?
		"disabled: no GPU left to identify or unlock" :
		copy_probe_hold ? "enabled, held (copy_probe_hold=1)" :
		"enabled: a GPU is to be identified or unlocked");
}

/* Module exit, after disarming: no handler can queue the work any more. */
void vukp_probes_flush(void)
{
	irq_work_sync(&vukp_copy_iw);
	cancel_work_sync(&vukp_copy_work);
}

static void vukp_guard_post(struct kprobe *kp, struct pt_regs *regs,
			    unsigned long flags)
{
}

/*
 * A probe that is not on an ftrace entry (a kernel without ftrace) is an
 * int3 one, which the kprobe optimizer may turn into a jump.  An optimized
 * probe unregistered just before nvidia goes away can stay in the kernel's
 * table for good (6.1: kill_optimized_kprobe()), and then nvidia can never
 * be probed at that address again (register_kprobe() WARNs, -EINVAL).  A
 * probe with a post handler is never optimized: a disabled one at the same
 * address keeps ours a plain int3 probe.  Registered after ours, removed
 * after it (removing it first would let the optimizer in).
 */
static int vukp_guard(int i)
{
	struct kprobe *kp = vukp_kp(i), *g = &vukp_guards[i];
	int ret;

	if (kp->flags & KPROBE_FLAG_FTRACE)
		return 0;
	memset(g, 0, sizeof(*g));
	g->addr = kp->addr;
	g->post_handler = vukp_guard_post;
	g->flags = KPROBE_FLAG_DISABLED;
	ret = register_kprobe(g);
	vukp_guarded[i] = !ret;
	return ret;
}

/* Hits probe @i missed: kretprobe instances and the kprobe's own. */
static unsigned long vukp_nmissed(int i)
{
	return vukp_kp(i)->nmissed +
	       (vukp_probe_tab[i].ret ? vukp_rps[i].nmissed : 0);
}

static void vukp_unregister(int i)
{
	if (!vukp_registered[i])
		return;
	if (vukp_probe_tab[i].ret)
		unregister_kretprobe(&vukp_rps[i]);
	else
		unregister_kprobe(&vukp_kps[i]);
	vukp_missed[i] = vukp_nmissed(i);
	vukp_registered[i] = false;
	if (vukp_guarded[i])
		unregister_kprobe(&vukp_guards[i]);
	vukp_guarded[i] = false;
}

/*
 * Register every probe on @nv, disabled; nothing stays registered if one
 * fails, and *@failed names its symbol.  Process context.
 */
int vukp_probes_register(const struct module *nv, const char **failed)
{
	int i, ret = 0;

	vukp_copy_live = false;
	WRITE_ONCE(vukp_copy_on, false);
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
		if (!ret) {
			vukp_registered[i] = true;
			vukp_missed[i] = 0;
			ret = vukp_guard(i);
		}
		if (ret) {
			*failed = p->symbol;
			while (i >= 0)
				vukp_unregister(i--);
			return ret;
		}
	}
	return 0;
}

/* Every probe but os_mem_copy's, whose state follows what is needed. */
void vukp_probes_enable(void)
{
	int i;

	for (i = 0; i < VUKP_NUM_PROBES; i++) {
		int ret;

		if (i == VUKP_P_COPY)
			continue;
		ret = vukp_probe_tab[i].ret ? enable_kretprobe(&vukp_rps[i]) :
					      enable_kprobe(&vukp_kps[i]);
		if (ret)
			pr_warn("cannot enable the probe on %s (error %d)\n",
				vukp_probe_tab[i].symbol, ret);
	}
	vukp_copy_live = true;
	vukp_copy_probe_update();
}

void vukp_probes_unregister(void)
{
	int i;

	vukp_copy_live = false;
	WRITE_ONCE(vukp_copy_on, false);
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
		st[i].enabled = vukp_registered[i] &&
				!kprobe_disabled(vukp_kp(i));
		st[i].hits = 0;
		for_each_possible_cpu(cpu)
			st[i].hits += per_cpu(vukp_hits[i], cpu);
		st[i].nmissed = vukp_registered[i] ? vukp_nmissed(i) :
						     vukp_missed[i];
	}
}
