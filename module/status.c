// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/driver/vgpu_unlock_kp (root only): one "key=value" line per fact,
 * for people and for tests.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include "vukp.h"

#define VUKP_PROC "driver/vgpu_unlock_kp"

static const char * const vukp_state_str[] = {
	[VUKP_GPU_IDLE] = "idle",
	[VUKP_GPU_KEY_WAIT] = "key-wait",
	[VUKP_GPU_READY] = "ready",
	[VUKP_GPU_NATIVE] = "native",
};

struct vukp_gpu_snap {
	struct vukp_gpu g;
	bool has_model, key_ok, native, board_left;
	u16 device;
	const struct vukp_target *target;
	unsigned int held, alloc, slots;
	u8 err;
	u64 ranks;
};

static void vukp_snap(unsigned int i, struct vukp_gpu_snap *s)
{
	const struct vukp_model *m;
	unsigned long flags;
	unsigned int k;

	memset(s, 0, sizeof(*s));
	raw_spin_lock_irqsave(&vukp_lock, flags);
	s->g = vukp_gpus[i];
	if (s->g.model >= 0) {
		m = &vukp_models[s->g.model];
		s->has_model = true;
		s->key_ok = m->key_ok;
		s->native = m->native;
		s->board_left = m->board_left;
		s->device = m->device;
		s->target = m->target;
		s->held = m->held;
		s->alloc = m->alloc;
		s->err = m->err;
		for (k = 0; k < vukp_tab.nslots; k++) {
			const struct vukp_slot *sl = &vukp_tab.slots[k];

			if (sl->owner != s->g.model)
				continue;
			s->slots++;
			if (sl->rank < 64)
				s->ranks |= BIT_ULL(sl->rank);
		}
	}
	raw_spin_unlock_irqrestore(&vukp_lock, flags);
}

static void vukp_show_gpu(struct seq_file *sf, const struct vukp_gpu_snap *s)
{
	const struct vukp_gpu *g = &s->g;
	unsigned int r, ntypes = s->target ? s->target->ntypes : 0;
	bool first = true;

	seq_printf(sf, "gpu %s pci_id=%04x:%04x state=%s magic=%s key=%s",
		   g->name, g->vendor, g->device,
		   g->state < ARRAY_SIZE(vukp_state_str) ?
		   vukp_state_str[g->state] : "?",
		   s->has_model ? "yes" : "no", s->key_ok ? "yes" : "no");
	if (s->key_ok)
		seq_printf(sf, " device=0x%04x", s->device);
	if (s->native || s->board_left)
		seq_puts(sf, " target=none board=\"native vGPU board: left alone\"");
	else if (s->target)
		seq_printf(sf, " target=0x%04x board=\"%s\"", s->target->device,
			   s->target->name);
	seq_printf(sf, " types=%u/%u slots=%u reads=%u magic_reads=%u key_reads=%u key_rejects=%u error=\"%s\"\n",
		   s->held, ntypes, s->slots, g->reads, g->magic_reads,
		   g->key_reads, g->key_fails, vukp_err_str(s->err));
	if (!s->ranks || !s->target)
		return;
	seq_puts(sf, "  installed:");
	for (r = 0; r < ntypes && r < 64; r++) {
		if (!(s->ranks & BIT_ULL(r)))
			continue;
		seq_printf(sf, "%s %s", first ? "" : ",",
			   vukp_type_name(s->target->type[r]));
		first = false;
	}
	seq_putc(sf, '\n');
}

static void vukp_show_us(struct seq_file *sf, const char *key, u64 ns)
{
	seq_printf(sf, " %s=%llu.%03u", key, div_u64(ns, NSEC_PER_USEC),
		   (unsigned int)(ns % NSEC_PER_USEC));
}

/* key read -> slots installed, in the handler (patch.c) */
static void vukp_show_patch_time(struct seq_file *sf)
{
	struct vukp_patch_time pt;
	unsigned long flags;

	raw_spin_lock_irqsave(&vukp_lock, flags);
	pt = vukp_patch_time;
	raw_spin_unlock_irqrestore(&vukp_lock, flags);
	seq_printf(sf, "patch count=%u", pt.count);
	vukp_show_us(sf, "last_us", pt.last_ns);
	vukp_show_us(sf, "max_us", pt.max_ns);
	vukp_show_us(sf, "mean_us", pt.count ? div_u64(pt.sum_ns, pt.count) : 0);
	seq_putc(sf, '\n');
}

static int vukp_status_show(struct seq_file *sf, void *v)
{
	static const char * const nv_state[] = {
		[VUKP_NV_ABSENT] = "absent",
		[VUKP_NV_ARMED] = "armed",
		[VUKP_NV_REFUSED] = "refused",
	};
	struct vukp_probe_stat st[VUKP_NUM_PROBES];
	const struct vukp_tables *t = &vukp_tab;
	struct vukp_gpu_snap *s;
	unsigned int i, used = 0;
	int ret;

	s = kmalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	ret = mutex_lock_interruptible(&vukp_mutex);
	if (ret) {
		kfree(s);
		return ret;
	}
	seq_printf(sf, "vgpu_unlock_kp %s\n", VUKP_VERSION);
	seq_printf(sf, "nvidia state=%s version=\"%s\" loads=%u",
		   nv_state[vukp_nv.state], vukp_nv.version, vukp_nv.loads);
	if (vukp_nv.state == VUKP_NV_REFUSED)
		seq_printf(sf, " reason=\"%s\"", vukp_nv.reason);
	seq_putc(sf, '\n');
	if (vukp_nv.state == VUKP_NV_ARMED) {
		for (i = 0; i < t->nslots; i++)
			used += READ_ONCE(t->slots[i].owner) >= 0;
		seq_printf(sf, "tables other_boards=%u vgpu_entries=%u slots=%u slots_cls0=%u slots_cls1=%u reserved_cls0=%d reserved_cls1=%d slots_used=%u decoys=%u searched_kib=%lu search_us=%llu\n",
			   t->nother, t->nvgpu, t->nslots, t->ncls[0], t->ncls[1],
			   READ_ONCE(vukp_cls_reserved[0]),
			   READ_ONCE(vukp_cls_reserved[1]), used, t->decoys,
			   t->scanned >> 10, div_u64(t->scan_ns, NSEC_PER_USEC));
		vukp_show_patch_time(sf);
	}
	vukp_probes_stats(st);
	for (i = 0; i < VUKP_NUM_PROBES; i++)
		seq_printf(sf, "probe %s hits=%lu missed=%lu enabled=%s\n",
			   st[i].symbol, st[i].hits, st[i].nmissed,
			   st[i].enabled ? "yes" : "no");
	for (i = 0; i < VUKP_MAX_GPUS; i++) {
		if (!READ_ONCE(vukp_gpus[i].active))
			continue;
		vukp_snap(i, s);
		vukp_show_gpu(sf, s);
	}
	mutex_unlock(&vukp_mutex);
	kfree(s);
	return 0;
}

int vukp_status_init(void)
{
	if (!proc_create_single(VUKP_PROC, 0400, NULL, vukp_status_show)) {
		pr_err("cannot create /proc/%s\n", VUKP_PROC);
		return -ENOMEM;
	}
	return 0;
}

void vukp_status_exit(void)
{
	remove_proc_entry(VUKP_PROC, NULL);
}
