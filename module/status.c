// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/driver/vgpu_unlock_kp (root only): one "key=value" line per fact,
 * for people and for tests.  docs/troubleshooting.md explains the fields.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include "status.h"
#include "main.h"
#include "unlock.h"
#include "probes.h"
#include "tables.h"

#define VUKP_PROC "driver/vgpu_unlock_kp"
#define VUKP_MAX_USED (VUKP_MAX_MODELS * VUKP_MAX_BOARD_TYPES)

static const char * const vukp_state_str[] = {
	[VUKP_GPU_IDLE] = "idle",
	[VUKP_GPU_KEY_WAIT] = "key-wait",
	[VUKP_GPU_READY] = "ready",
	[VUKP_GPU_NATIVE] = "native",
};

static const char * const vukp_kind_str[] = {
	[VUKP_KIND_BOARD] = "borrowed",
	[VUKP_KIND_SAC_DUALCODER] = "sacrificial",
	[VUKP_KIND_SAC_PATCHER] = "sacrificial",
};

static void vukp_show_gpu(struct seq_file *sf, const struct vukp_gpu_view *v,
			  bool dry)
{
	unsigned int r, ntypes = v->target ? v->target->ntypes : 0;
	bool first = true;

	seq_printf(sf, "gpu %s pci_id=%04x:%04x apertures=%u state=%s magic=%s key=%s",
		   v->info.name, v->info.vendor, v->info.device, v->info.nbars,
		   v->state < ARRAY_SIZE(vukp_state_str) ?
		   vukp_state_str[v->state] : "?",
		   v->has_model ? "yes" : "no", v->key_ok ? "yes" : "no");
	if (v->has_model)
		seq_printf(sf, " magic_fp=%08x", v->fp);
	if (v->key_ok)
		seq_printf(sf, " device=0x%04x", v->device);
	if (v->native || v->board_left)
		seq_puts(sf, " target=none board=\"native vGPU board: left alone\"");
	else if (v->target)
		seq_printf(sf, " target=0x%04x board=\"%s\"", v->target->device,
			   v->target->name);
	seq_printf(sf, " types=%u/%u slots=%u reads=%u magic_reads=%u key_reads=%u key_rejects=%u error=\"%s\"\n",
		   v->installed, v->buildable, v->installed, v->reads,
		   v->magic_reads, v->key_reads, v->key_rejects,
		   vukp_err_str(v->err));
	if (!v->ranks || !v->target)
		return;
	seq_puts(sf, dry ? "  would install:" : "  installed:");
	for (r = 0; r < ntypes && r < 64; r++) {
		if (!(v->ranks & BIT_ULL(r)))
			continue;
		seq_printf(sf, "%s %s", first ? "" : ",",
			   vukp_type_name(v->target->type[r]));
		first = false;
	}
	seq_putc(sf, '\n');
}

static void vukp_show_us(struct seq_file *sf, const char *key, u64 ns)
{
	seq_printf(sf, " %s=%llu.%03u", key, div_u64(ns, NSEC_PER_USEC),
		   (unsigned int)(ns % NSEC_PER_USEC));
}

static void vukp_show_tables(struct seq_file *sf,
			     const struct vukp_unlock_stats *st)
{
	unsigned int dc = st->nsac[VUKP_KIND_SAC_DUALCODER];
	unsigned int pa = st->nsac[VUKP_KIND_SAC_PATCHER];

	seq_printf(sf, "tables other_boards=%u vgpu_entries=%u slots=%u slots_cls0=%u slots_cls1=%u borrow=%d usable=%u reserved=%u slots_used=%u borrowed=%u decoys=%u searched_kib=%lu search_us=%llu%s dry_run=%d\n",
		   st->nother, st->nvgpu, dc + pa, dc, pa, st->borrow,
		   st->usable, st->reserved, st->used, st->borrowed,
		   st->decoys, st->scanned >> 10,
		   div_u64(st->scan_ns, NSEC_PER_USEC),
		   st->truncated ? " truncated=1" : "", st->dry);
	seq_printf(sf, "patch count=%u", st->patches);
	vukp_show_us(sf, "last_us", st->patch_last_ns);
	vukp_show_us(sf, "max_us", st->patch_max_ns);
	vukp_show_us(sf, "mean_us", st->patches ?
		     div_u64(st->patch_sum_ns, st->patches) : 0);
	seq_putc(sf, '\n');
}

static void vukp_show_used(struct seq_file *sf, struct vukp_used *u,
			   unsigned int n)
{
	struct vukp_gpu_info gi;
	unsigned int i;

	for (i = 0; i < n; i++) {
		const char *gpu = "none";

		if (u[i].gpu >= 0 && vukp_gpu_info(u[i].gpu, &gi))
			gpu = gi.name;
		seq_printf(sf, "entry %u kind=%s gpu=%s type=\"%s\"\n",
			   u[i].entry, vukp_kind_str[u[i].kind], gpu,
			   vukp_type_name(u[i].type));
	}
}

static int vukp_status_show(struct seq_file *sf, void *v)
{
	static const char * const nv_state[] = {
		[VUKP_NV_ABSENT] = "absent",
		[VUKP_NV_ARMED] = "armed",
		[VUKP_NV_REFUSED] = "refused",
	};
	struct vukp_probe_stat ps[VUKP_NUM_PROBES];
	struct vukp_unlock_stats st;
	struct vukp_gpu_view *gv;
	struct vukp_nv_info nv;
	struct vukp_used *used;
	unsigned int i, nused = 0;
	int ret;

	gv = kmalloc(sizeof(*gv), GFP_KERNEL);
	used = kmalloc_array(VUKP_MAX_USED, sizeof(*used), GFP_KERNEL);
	ret = -ENOMEM;
	if (!gv || !used)
		goto out;
	ret = vukp_arming_lock_interruptible();
	if (ret)
		goto out;
	vukp_nv_info(&nv);
	vukp_unlock_stats(&st);
	seq_printf(sf, "vgpu_unlock_kp %s\n", VUKP_VERSION);
	seq_printf(sf, "nvidia state=%s version=\"%s\" loads=%u",
		   nv_state[nv.state], nv.version, nv.loads);
	if (nv.state == VUKP_NV_REFUSED)
		seq_printf(sf, " reason=\"%s\"", nv.reason);
	seq_putc(sf, '\n');
	if (nv.state == VUKP_NV_ARMED) {
		vukp_show_tables(sf, &st);
		nused = vukp_unlock_used(used, VUKP_MAX_USED);
	}
	seq_printf(sf, "handler irqoff_max_us=%llu.%03u parked_bytes=%lu\n",
		   div_u64(st.irqoff_max_ns, NSEC_PER_USEC),
		   (unsigned int)(st.irqoff_max_ns % NSEC_PER_USEC), st.parked);
	vukp_probes_stats(ps);
	for (i = 0; i < VUKP_NUM_PROBES; i++)
		seq_printf(sf, "probe %s hits=%lu missed=%lu enabled=%s\n",
			   ps[i].symbol, ps[i].hits, ps[i].nmissed,
			   ps[i].enabled ? "yes" : "no");
	for (i = 0; i < VUKP_MAX_GPUS; i++)
		if (vukp_unlock_gpu_view(i, gv))
			vukp_show_gpu(sf, gv, st.dry);
	vukp_show_used(sf, used, nused);
	vukp_arming_unlock();
	ret = 0;
out:
	kfree(used);
	kfree(gv);
	return ret;
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
