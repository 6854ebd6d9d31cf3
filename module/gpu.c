// SPDX-License-Identifier: GPL-2.0
/*
 * Which kernel addresses belong to which GPU's memory apertures.
 *
 * The GPU table lists the PCI devices bound to nvidia with their apertures.
 * It is written in process context (arming, PCI bus notifier, under the
 * arming mutex) and read lock-free by the probe handlers: an entry is
 * published with a release store of ->active and retired with
 * synchronize_rcu() before it is reused; ->gen tells a handler that its
 * entry was replaced meanwhile.
 *
 * An address is translated to a physical one by a cache of the mappings
 * seen through os_map_kernel_space(), else by a walk of the kernel page
 * tables: so mappings made before this module was loaded work too.
 */
#include <linux/pci.h>
#include <linux/mm.h>
#include <linux/seqlock.h>
#include <asm/pgtable.h>
#include "gpu.h"
#include "nmi_lock.h"

struct vukp_gpu {
	bool active;		/* published with release, read lock-free */
	u32 gen;
	struct pci_dev *pdev;
	struct vukp_gpu_info info;
	struct { u64 start, end; } bars[PCI_STD_NUM_BARS];	/* inclusive */
};

static struct vukp_gpu vukp_gpus[VUKP_MAX_GPUS];
static u32 vukp_set_gen;
static bool vukp_overflow;
static const struct module *vukp_gpu_nv;

#define VUKP_MAX_MAPS 32

struct vukp_map {
	unsigned long va;	/* 0 = unused */
	u64 size;
	u64 phys;
};

static struct vukp_map vukp_maps[VUKP_MAX_MAPS];
static DEFINE_RAW_SPINLOCK(vukp_map_lock);
static seqcount_raw_spinlock_t vukp_map_seq =
	SEQCNT_RAW_SPINLOCK_ZERO(vukp_map_seq, &vukp_map_lock);

/* Page-table walk; safe in atomic context (no locks, no allocation). */
static bool vukp_walk_phys(unsigned long va, u64 *phys)
{
	unsigned int level;
	pte_t *ptep = lookup_address(va, &level);

	if (!ptep)
		return false;
	switch (level) {
	case PG_LEVEL_1G: {
		pud_t pud = READ_ONCE(*(pud_t *)ptep);

		if (!pud_present(pud))
			return false;
		*phys = ((u64)pud_pfn(pud) << PAGE_SHIFT) | (va & ~PUD_MASK);
		return true;
	}
	case PG_LEVEL_2M: {
		pmd_t pmd = READ_ONCE(*(pmd_t *)ptep);

		if (!pmd_present(pmd))
			return false;
		*phys = ((u64)pmd_pfn(pmd) << PAGE_SHIFT) | (va & ~PMD_MASK);
		return true;
	}
	default: {
		pte_t pte = READ_ONCE(*ptep);

		if (!pte_present(pte))
			return false;
		*phys = ((u64)pte_pfn(pte) << PAGE_SHIFT) | (va & ~PAGE_MASK);
		return true;
	}
	}
}

static bool vukp_cache_phys(unsigned long va, u64 *phys)
{
	unsigned int seq, i;
	bool hit;

	/*
	 * One try, never a spin: this runs in the probe handler, which on a
	 * kernel without ftrace entries is an int3 (NMI-like) context.  A
	 * write in progress is a miss; the caller then walks the page tables,
	 * which it does anyway to confirm a hit.
	 */
	seq = raw_read_seqcount(&vukp_map_seq);
	if (seq & 1)
		return false;
	hit = false;
	for (i = 0; i < VUKP_MAX_MAPS; i++) {
		unsigned long m = READ_ONCE(vukp_maps[i].va);

		if (m && va >= m && va - m < READ_ONCE(vukp_maps[i].size)) {
			*phys = READ_ONCE(vukp_maps[i].phys) + (va - m);
			hit = true;
			break;
		}
	}
	return hit && !read_seqcount_retry(&vukp_map_seq, seq);
}

/*
 * The GPU whose apertures contain [phys, phys + len) or, with @overlap,
 * share a byte with it; -1 if none.
 */
static int vukp_phys_gpu(u64 phys, u64 len, bool overlap, u32 *gen)
{
	unsigned int i, b;

	for (i = 0; i < VUKP_MAX_GPUS; i++) {
		struct vukp_gpu *g = &vukp_gpus[i];

		/* pairs with the release in vukp_gpu_add(): bars are set */
		if (!smp_load_acquire(&g->active))
			continue;
		for (b = 0; b < g->info.nbars; b++) {
			u64 s = g->bars[b].start, e = g->bars[b].end;

			if (overlap ? phys <= e && phys + len - 1 >= s :
				      phys >= s && phys + len - 1 <= e) {
				if (gen)
					*gen = READ_ONCE(g->gen);
				return i;
			}
		}
	}
	return -1;
}

/* The GPU whose aperture holds the 16 bytes at @va, or -1 (atomic). */
int vukp_gpu_match(unsigned long va, u32 *gen)
{
	u64 phys;

	if (!is_vmalloc_addr((void *)va))
		return -1;
	if (!vukp_cache_phys(va, &phys) && !vukp_walk_phys(va, &phys))
		return -1;
	return vukp_phys_gpu(phys, 16, false, gen);
}

/* Check by the page tables, not the cache, that @va is GPU @idx's (atomic). */
bool vukp_gpu_owns(int idx, u32 gen, unsigned long va)
{
	u32 g;
	u64 phys;

	if (!is_vmalloc_addr((void *)va) || !vukp_walk_phys(va, &phys))
		return false;
	return vukp_phys_gpu(phys, 16, false, &g) == idx && g == gen;
}

/* Does [phys, phys + size) overlap a GPU's aperture? (atomic) */
bool vukp_phys_is_gpu(u64 phys, u64 size)
{
	return vukp_phys_gpu(phys, size, true, NULL) >= 0;
}

void vukp_map_add(unsigned long va, u64 phys, u64 size)
{
	unsigned long flags;
	unsigned int i;

	vukp_probe_lock(&vukp_map_lock, flags);
	for (i = 0; i < VUKP_MAX_MAPS; i++) {
		if (vukp_maps[i].va)
			continue;
		raw_write_seqcount_begin(&vukp_map_seq);
		WRITE_ONCE(vukp_maps[i].size, size);
		WRITE_ONCE(vukp_maps[i].phys, phys);
		WRITE_ONCE(vukp_maps[i].va, va);
		raw_write_seqcount_end(&vukp_map_seq);
		break;
	}
	raw_spin_unlock_irqrestore(&vukp_map_lock, flags);
}

void vukp_map_del(unsigned long va)
{
	unsigned long flags;
	unsigned int i;

	vukp_probe_lock(&vukp_map_lock, flags);
	for (i = 0; i < VUKP_MAX_MAPS; i++) {
		if (vukp_maps[i].va != va)
			continue;
		raw_write_seqcount_begin(&vukp_map_seq);
		WRITE_ONCE(vukp_maps[i].va, 0);
		raw_write_seqcount_end(&vukp_map_seq);
	}
	raw_spin_unlock_irqrestore(&vukp_map_lock, flags);
}

static void vukp_maps_clear(void)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&vukp_map_lock, flags);
	write_seqcount_begin(&vukp_map_seq);
	memset(vukp_maps, 0, sizeof(vukp_maps));
	write_seqcount_end(&vukp_map_seq);
	raw_spin_unlock_irqrestore(&vukp_map_lock, flags);
}

/* Bound to nvidia, a physical function, an NVIDIA one a display device. */
static bool vukp_is_nv_gpu(struct pci_dev *pdev)
{
	struct device_driver *drv = READ_ONCE(pdev->dev.driver);

	if (!vukp_gpu_nv || !drv ||
	    (drv->owner != vukp_gpu_nv && strcmp(drv->name, "nvidia")))
		return false;
	if (pdev->is_virtfn)
		return false;
	/*
	 * nvidia binds NVIDIA display controllers only; the test bed's mock
	 * binds a QEMU memory device in their place.
	 */
	return pdev->vendor != PCI_VENDOR_ID_NVIDIA ||
	       (pdev->class >> 16) == PCI_BASE_CLASS_DISPLAY;
}

static int vukp_gpu_find(struct pci_dev *pdev)
{
	unsigned int i;

	for (i = 0; i < VUKP_MAX_GPUS; i++)
		if (vukp_gpus[i].pdev == pdev)
			return i;
	return -1;
}

/* Process context, arming mutex held. */
static void vukp_gpu_add(struct pci_dev *pdev)
{
	struct vukp_gpu *g = NULL;
	unsigned int i;

	if (vukp_gpu_find(pdev) >= 0)
		return;
	for (i = 0; i < VUKP_MAX_GPUS && !g; i++)
		if (!vukp_gpus[i].pdev)
			g = &vukp_gpus[i];
	if (!g) {
		if (!vukp_overflow)
			pci_err(pdev, "more than %d GPUs bound to nvidia: this one is not unlocked, and vGPU-capable entries of other boards are no longer borrowed (the GPUs already tracked keep working)\n",
				VUKP_MAX_GPUS);
		vukp_overflow = true;
		return;
	}

	g->pdev = pci_dev_get(pdev);
	strscpy(g->info.name, pci_name(pdev), sizeof(g->info.name));
	g->info.vendor = pdev->vendor;
	g->info.device = pdev->device;
	g->info.nbars = 0;
	/* BAR0 is the register BAR: reading it can have side effects */
	for (i = 1; i < PCI_STD_NUM_BARS; i++) {
		const struct resource *r = &pdev->resource[i];

		if (!(resource_type(r) & IORESOURCE_MEM) || !r->start ||
		    !resource_size(r))
			continue;
		g->bars[g->info.nbars].start = r->start;
		g->bars[g->info.nbars].end = r->end;
		g->info.nbars++;
	}
	WRITE_ONCE(g->gen, g->gen + 1);
	WRITE_ONCE(vukp_set_gen, vukp_set_gen + 1);
	/* publish: lock-free readers see the BARs once they see it active */
	smp_store_release(&g->active, true);
	pci_info(pdev, "tracking GPU (%04x:%04x, %u apertures)\n",
		 pdev->vendor, pdev->device, g->info.nbars);
}

/* Retire entries (@only, or all if -1); process context. */
static void vukp_gpu_remove(int only)
{
	struct pci_dev *put[VUKP_MAX_GPUS];
	unsigned int i, n = 0;

	for (i = 0; i < VUKP_MAX_GPUS; i++) {
		struct vukp_gpu *g = &vukp_gpus[i];

		if (!g->pdev || (only >= 0 && only != i))
			continue;
		WRITE_ONCE(g->active, false);
		WRITE_ONCE(vukp_set_gen, vukp_set_gen + 1);
		put[n++] = g->pdev;
	}
	if (!n)
		return;
	synchronize_rcu();	/* handlers that matched these entries */
	for (i = 0; i < n; i++) {
		int idx = vukp_gpu_find(put[i]);

		vukp_gpus[idx].pdev = NULL;
		pci_dev_put(put[i]);
	}
}

int vukp_gpus_init(const struct module *nv)
{
	struct pci_dev *pdev = NULL;

	vukp_gpu_nv = nv;
	vukp_overflow = false;
	for_each_pci_dev(pdev)
		if (vukp_is_nv_gpu(pdev))
			vukp_gpu_add(pdev);
	return 0;
}

void vukp_gpus_exit(void)
{
	vukp_gpu_remove(-1);
	vukp_maps_clear();
	vukp_gpu_nv = NULL;
}

bool vukp_gpu_bound(struct pci_dev *pdev)
{
	if (!vukp_is_nv_gpu(pdev))
		return false;
	vukp_gpu_add(pdev);
	return true;
}

bool vukp_gpu_unbinding(struct pci_dev *pdev)
{
	int idx = vukp_gpu_find(pdev);

	if (idx < 0)
		return false;
	pci_info(pdev, "no longer tracked (unbinding)\n");
	vukp_gpu_remove(idx);
	return true;
}

bool vukp_gpus_overflow(void)
{
	return READ_ONCE(vukp_overflow);
}

bool vukp_gpu_active(int idx, u32 *gen)
{
	const struct vukp_gpu *g = &vukp_gpus[idx];

	/* pairs with the release in vukp_gpu_add() */
	if (!smp_load_acquire(&g->active))
		return false;
	*gen = READ_ONCE(g->gen);
	return true;
}

bool vukp_gpu_info(int idx, struct vukp_gpu_info *out)
{
	const struct vukp_gpu *g = &vukp_gpus[idx];

	/* pairs with the release in vukp_gpu_add() */
	if (!smp_load_acquire(&g->active))
		return false;
	*out = g->info;
	return true;
}

u32 vukp_gpu_set_gen(void)
{
	return READ_ONCE(vukp_set_gen);
}
