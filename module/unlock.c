// SPDX-License-Identifier: GPL-2.0
/*
 * The unlock state and the patch itself.
 *
 * A model is one magic seen on this host (GPUs of the same board share it,
 * and its key).  A consumer model whose key is verified gets a fair share
 * of the usable entries of the driver's vGPU-capable list; each such entry
 * is pointed at one vGPU type record of the model's target board,
 * encrypted and signed with the model's key, and at the model's magic.
 *
 * Usable entries (docs/how-it-works.md, "Which entries are used"): those
 * carrying a sacrificial magic, first; then, unless borrow=0, those of
 * boards whose magic no GPU of this host has been seen reading.  The
 * moment a GPU reads a magic that some entries carry, in the os_mem_copy
 * probe and so before the read returns to the driver, those entries are
 * restored and never used again while this nvidia stays: the driver reads
 * a GPU's magic before it walks the list for that GPU.
 *
 * Records are built once per (model, type) and never changed or freed
 * while nvidia may read them: at disarm they are freed only when nvidia's
 * exit has run, else kept (parked) for as long as the kernel runs.
 *
 * Everything marked atomic runs in the os_mem_copy probe under vukp_lock.
 */
#include <linux/jhash.h>
#include <linux/kernel.h>
#include <linux/kmemleak.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>
#include <linux/sort.h>
#include "unlock.h"
#include "tables.h"
#include "crypto.h"
#include "nmi_lock.h"

static bool borrow = true;
module_param(borrow, bool, 0444);
MODULE_PARM_DESC(borrow,
		 "also use vGPU-capable entries of boards not seen on this host (default 1); 0: the sacrificial entries only");

static bool records_vmalloc;
module_param(records_vmalloc, bool, 0444);
MODULE_PARM_DESC(records_vmalloc,
		 "testing: allocate the record stores with vmalloc (default 0: kmalloc)");

static bool dry_run;
module_param(dry_run, bool, 0444);
MODULE_PARM_DESC(dry_run,
		 "identify the GPUs, verify their keys and build the records, but write nothing into nvidia's memory (default 0); to switch: rmmod, then modprobe without it");

#define VUKP_KEY_TRIES		64	/* candidates tried after one magic */

/* What slots point nvidia at: immutable once built, see the header. */
struct vukp_recs {
	u8 magic[VUKP_MAGIC_LEN];
	struct {
		u8 sig[VUKP_SIG_LEN];
		u8 rec[VUKP_OWN_REC_MAX];
	} t[VUKP_MAX_BOARD_TYPES];
};

struct vukp_model {
	bool used;
	bool native;
	bool key_ok;
	bool board_left;	/* device is a vGPU board: left alone */
	u8 magic[VUKP_MAGIC_LEN];
	u8 key[VUKP_KEY_LEN];
	struct vukp_aes aes;
	u16 device;		/* from the decrypted own record */
	const struct vukp_target *target;
	unsigned int held;	/* entries installed */
	unsigned int alloc;	/* entries allotted by the last balance */
	s16 where[VUKP_MAX_BOARD_TYPES];	/* rank -> entry, -1 */
	u64 built;		/* ranks whose record is built */
	bool pointed;		/* an entry of nvidia's pointed at recs */
	u8 err;			/* enum vukp_err */
	struct vukp_recs *recs;
};

/* An entry of the vGPU-capable list, as this module uses it. */
struct vukp_slot {
	u8 *alias;		/* the triplet, writable */
	u8 kind;		/* enum vukp_kind */
	bool reserved;		/* its magic was read from a GPU: never used */
	s8 owner;		/* model, -1 = not used */
	u8 rank;		/* of the owner's target types */
};

struct vukp_prog {		/* a GPU's progress */
	u32 gen;		/* of the GPU entry this belongs to */
	u8 state;		/* enum vukp_gpu_state */
	s8 model;
	u16 key_tries;
	u32 reads, magic_reads, key_reads, key_rejects;
};

static DEFINE_RAW_SPINLOCK(vukp_lock);
static struct vukp_found vukp_tab;
static struct vukp_slot *vukp_slots;	/* one per vukp_tab.vgpu entry */
static void *vukp_alias_base;
static struct vukp_model vukp_models[VUKP_MAX_MODELS];
static struct vukp_prog vukp_progs[VUKP_MAX_GPUS];
static bool vukp_armed, vukp_stopping, vukp_borrow;
static bool vukp_dry;		/* dry_run when armed: no store into nvidia */
static u64 vukp_scan_ns;
static unsigned int vukp_patches;
static u64 vukp_patch_last, vukp_patch_max, vukp_patch_sum;
static u64 vukp_irqoff_max;
static unsigned long vukp_parked;	/* bytes, over this module's life */

/* ---- the lock, with the longest hold measured ---- */

static u64 vukp_lock_take(unsigned long *flags)
{
	vukp_probe_lock(&vukp_lock, *flags);
	return ktime_get_mono_fast_ns();
}

static void vukp_lock_give(unsigned long flags, u64 t0)
{
	u64 ns = ktime_get_mono_fast_ns() - t0;

	if (ns > vukp_irqoff_max)
		vukp_irqoff_max = ns;
	raw_spin_unlock_irqrestore(&vukp_lock, flags);
}

/* ---- entries (atomic, vukp_lock held) ---- */

/* One pointer-sized store through the writable alias. */
static void vukp_store(u8 *p, u64 v)
{
	if (IS_ALIGNED((unsigned long)p, sizeof(u64)))
		WRITE_ONCE(*(u64 *)p, v);
	else
		put_unaligned(v, (u64 *)p);
}

/* Magic pointer first: from then on the driver skips the entry. */
static void vukp_slot_release(unsigned int i)
{
	struct vukp_slot *s = &vukp_slots[i];
	const u64 *orig = vukp_tab.vgpu[i].ptr;
	struct vukp_model *m;

	if (s->owner < 0)
		return;
	if (!vukp_dry) {	/* dry run: no alias, nothing was stored */
		vukp_store(s->alias, orig[0]);
		smp_wmb();	/* the entry is dead before its record is taken away */
		vukp_store(s->alias + 8, orig[1]);
		vukp_store(s->alias + 16, orig[2]);
	}
	m = &vukp_models[s->owner];
	m->where[s->rank] = -1;
	m->held--;
	s->owner = -1;
}

/*
 * Record and signature first while the entry still carries its original
 * magic (which no GPU of this host has been seen reading), the magic
 * pointer last.
 */
static void vukp_slot_install(unsigned int i, int model, unsigned int rank)
{
	struct vukp_slot *s = &vukp_slots[i];
	struct vukp_model *m = &vukp_models[model];
	const struct vukp_plain *pl = vukp_type_plain(m->target->type[rank]);
	u8 *rec = m->recs->t[rank].rec, *sig = m->recs->t[rank].sig;

	if (!(m->built & BIT_ULL(rank))) {
		vukp_record_seal(&m->aes, m->key, pl->pt, pl->nblocks, rec, sig);
		m->built |= BIT_ULL(rank);
	}
	if (!vukp_dry) {	/* dry run: the bookkeeping only */
		m->pointed = true;
		vukp_store(s->alias + 8, (unsigned long)rec);
		vukp_store(s->alias + 16, (unsigned long)sig);
		smp_wmb();	/* record and signature in place before the magic */
		vukp_store(s->alias, (unsigned long)m->recs->magic);
	}
	s->owner = model;
	s->rank = rank;
	m->where[rank] = i;
	m->held++;
}

static bool vukp_slot_usable(const struct vukp_slot *s)
{
	return !s->reserved && (s->kind != VUKP_KIND_BOARD || vukp_borrow);
}

/* A short fingerprint of a magic for the log and the status, never the magic. */
static u32 vukp_magic_fp(const u8 *magic)
{
	return jhash(magic, VUKP_MAGIC_LEN, 0x76756b70);
}

/* ---- models and the allotment (atomic, vukp_lock held) ---- */

/* A tracked GPU of @model, -1 if none is bound any more. */
static int vukp_model_gpu(int model)
{
	unsigned int i;
	u32 gen;

	for (i = 0; i < VUKP_MAX_GPUS; i++)
		if (vukp_gpu_active(i, &gen) && vukp_progs[i].gen == gen &&
		    vukp_progs[i].model == model)
			return i;
	return -1;
}

static bool vukp_model_wants(int i)
{
	const struct vukp_model *m = &vukp_models[i];

	return m->used && m->key_ok && !m->native && m->target &&
	       vukp_model_gpu(i) >= 0;
}

static bool vukp_rank_buildable(const struct vukp_model *m, unsigned int r)
{
	return vukp_type_plain(m->target->type[r])->nblocks;
}

static unsigned int vukp_model_buildable(const struct vukp_model *m)
{
	unsigned int r, n = 0;

	for (r = 0; r < m->target->ntypes; r++)
		n += vukp_rank_buildable(m, r);
	return n;
}

/* The rank past the @alloc most preferred buildable types of @m. */
static unsigned int vukp_model_cut(const struct vukp_model *m)
{
	unsigned int r, n = 0;

	for (r = 0; r < m->target->ntypes && n < m->alloc; r++)
		n += vukp_rank_buildable(m, r);
	return r;
}

/*
 * Share the usable entries among the consumer models that want some:
 * max-min fair (a model needing less than an equal share gets what it
 * needs, the rest is split equally, a remainder goes to the lower model
 * numbers).
 */
static void vukp_allot(void)
{
	unsigned int need[VUKP_MAX_MODELS], left = 0, rem = 0, i;
	bool done[VUKP_MAX_MODELS];

	for (i = 0; i < vukp_tab.nvgpu; i++)
		rem += vukp_slot_usable(&vukp_slots[i]);
	for (i = 0; i < VUKP_MAX_MODELS; i++) {
		vukp_models[i].alloc = 0;
		done[i] = !vukp_model_wants(i);
		need[i] = done[i] ? 0 : vukp_model_buildable(&vukp_models[i]);
		left += !done[i];
	}
	while (left) {
		unsigned int share = rem / left;
		bool progress = false;

		for (i = 0; i < VUKP_MAX_MODELS; i++) {
			if (done[i] || need[i] > share)
				continue;
			vukp_models[i].alloc = need[i];
			rem -= need[i];
			done[i] = true;
			left--;
			progress = true;
		}
		if (progress)
			continue;
		for (i = 0; i < VUKP_MAX_MODELS; i++) {
			if (done[i])
				continue;
			vukp_models[i].alloc = share;
			rem -= share;
		}
		for (i = 0; i < VUKP_MAX_MODELS && rem; i++) {
			if (!done[i]) {
				vukp_models[i].alloc++;
				rem--;
			}
		}
		break;
	}
}

/*
 * Free usable entries, sacrificial ones first, then borrowed ones from the
 * end of the list backwards (any order is safe; this one stays away from
 * the boards right after a sacrificial block).  @cur carries the position
 * between calls of one balance: every entry is visited once.
 */
static int vukp_next_free(unsigned int *cur)
{
	unsigned int n = vukp_tab.nvgpu;

	for (; *cur < 2 * n; (*cur)++) {
		bool first_pass = *cur < n;
		unsigned int i = first_pass ? *cur : 2 * n - 1 - *cur;
		const struct vukp_slot *s = &vukp_slots[i];
		bool sacrificial = s->kind != VUKP_KIND_BOARD;

		if (s->owner >= 0 || !vukp_slot_usable(s) ||
		    first_pass != sacrificial)
			continue;
		(*cur)++;
		return i;
	}
	return -1;
}

/*
 * Bring the entries in line with the allotment: release what a model holds
 * beyond its share (its least preferred types) and what is no longer
 * usable, then install each model's most preferred types up to its share.
 */
static void vukp_balance(void)
{
	unsigned int i, r, cur = 0, cut[VUKP_MAX_MODELS];

	vukp_allot();
	for (i = 0; i < VUKP_MAX_MODELS; i++)
		cut[i] = vukp_models[i].alloc ? vukp_model_cut(&vukp_models[i]) : 0;
	for (i = 0; i < vukp_tab.nvgpu; i++) {
		const struct vukp_slot *s = &vukp_slots[i];

		if (s->owner >= 0 && (!vukp_slot_usable(s) || s->rank >= cut[s->owner]))
			vukp_slot_release(i);
	}
	for (i = 0; i < VUKP_MAX_MODELS; i++) {
		struct vukp_model *m = &vukp_models[i];

		if (!m->alloc)
			continue;
		for (r = 0; r < cut[i]; r++) {
			int e;

			if (!vukp_rank_buildable(m, r) || m->where[r] >= 0)
				continue;
			e = vukp_next_free(&cur);
			if (e < 0)
				break;
			vukp_slot_install(e, i, r);
		}
	}
	for (i = 0; i < VUKP_MAX_MODELS; i++) {
		struct vukp_model *m = &vukp_models[i];

		if (m->used && m->key_ok && m->target && !m->native)
			m->err = m->held < vukp_model_buildable(m) ?
				 VUKP_ERR_NO_SLOTS : VUKP_OK;
	}
}

/* Restore every entry; returns how many do not read back as saved. */
static unsigned int vukp_restore_all(void)
{
	unsigned int i, k, bad = 0;

	for (i = 0; i < vukp_tab.nvgpu; i++)
		vukp_slot_release(i);
	for (i = 0; !vukp_dry && i < vukp_tab.nvgpu; i++)
		for (k = 0; k < 3; k++)
			if (get_unaligned((u64 *)(vukp_slots[i].alias + 8 * k)) !=
			    vukp_tab.vgpu[i].ptr[k]) {
				bad++;
				break;
			}
	return bad;
}

/* ---- reads from a GPU aperture (atomic, vukp_lock held) ---- */

static int vukp_model_get(const u8 *magic)
{
	int i, free = -1;

	for (i = 0; i < VUKP_MAX_MODELS; i++) {
		struct vukp_model *m = &vukp_models[i];

		if (!m->used) {
			if (free < 0 && m->recs)
				free = i;
			continue;
		}
		if (!memcmp(m->magic, magic, VUKP_MAGIC_LEN))
			return i;
	}
	if (free >= 0) {
		struct vukp_model *m = &vukp_models[free];

		m->used = true;
		memcpy(m->magic, magic, VUKP_MAGIC_LEN);
		memcpy(m->recs->magic, magic, VUKP_MAGIC_LEN);
		memset(m->where, 0xff, sizeof(m->where));
	}
	return free;
}

/*
 * A magic was read: first make every entry that carries it the driver's
 * own again, for good (the check that follows may be that board's), then
 * identify the GPU.
 */
static void vukp_on_magic(int gi, const struct vukp_ref *refs, unsigned int n,
			  const u8 *magic)
{
	struct vukp_prog *p = &vukp_progs[gi];
	bool native = false, freed = false;
	unsigned int i;
	int m;

	for (i = 0; i < n; i++) {
		struct vukp_slot *s;

		if (refs[i].list != VUKP_LIST_VGPU)
			continue;
		native = true;
		s = &vukp_slots[refs[i].idx];
		freed |= s->owner >= 0;
		vukp_slot_release(refs[i].idx);
		s->reserved = true;
	}
	p->magic_reads++;
	m = vukp_model_get(magic);
	if (m < 0) {
		pr_warn_ratelimited("GPU %d: magic of a %d-th distinct board: not handled\n",
				    gi, VUKP_MAX_MODELS + 1);
	} else {
		p->model = m;
		vukp_models[m].native |= native;
	}
	if (native) {
		p->state = VUKP_GPU_NATIVE;
		if (freed) {
			pr_info_ratelimited("GPU %d: native board's entries given back\n", gi);
			vukp_balance();
		}
	} else if (m >= 0) {
		p->state = VUKP_GPU_KEY_WAIT;
		p->key_tries = 0;
	}
}

/* The first verified key of a model: derive everything from its record. */
static void vukp_model_key(struct vukp_model *m, const u8 *key,
			   const struct vukp_entry *own)
{
	u8 pt[VUKP_BLOCK];
	bool is_board;

	memcpy(m->key, key, VUKP_KEY_LEN);
	vukp_aes_setkey(&m->aes, key);
	vukp_ecb_decrypt(&m->aes, pt, own->rec + 1, 1);
	m->device = get_unaligned_le16(pt + 2);
	memzero_explicit(pt, sizeof(pt));
	m->key_ok = true;
	m->target = vukp_target_for(m->device, &is_board);
	m->board_left = is_board;
	m->err = (m->target || is_board) ? VUKP_OK : VUKP_ERR_NO_TARGET;
}

static void vukp_on_key(int gi, const u8 *val, u64 t0)
{
	struct vukp_prog *p = &vukp_progs[gi];
	struct vukp_model *m = &vukp_models[p->model];
	const struct vukp_entry *own = NULL;

	if (m->key_ok) {
		/* a re-read (every vGPU start reads magic and key again) */
		if (crypto_memneq(val, m->key, VUKP_KEY_LEN))
			goto fail;
	} else {
		const struct vukp_ref *refs;
		unsigned int n, i;

		refs = vukp_tables_lookup(&vukp_tab, m->magic, &n);
		for (i = 0; i < n && !own; i++) {
			const struct vukp_entry *e = &vukp_tab.other[refs[i].idx];

			if (refs[i].list == VUKP_LIST_OTHER && e->rec[0] &&
			    vukp_record_verify(val, e->rec, e->sig))
				own = e;
		}
		if (!own)
			goto fail;
		vukp_model_key(m, val, own);
	}
	p->state = VUKP_GPU_READY;
	p->key_reads++;
	if (m->target && m->held < vukp_model_buildable(m)) {
		u64 ns;

		vukp_balance();
		ns = ktime_get_mono_fast_ns() - t0;
		vukp_patches++;
		vukp_patch_last = ns;
		vukp_patch_max = max(vukp_patch_max, ns);
		vukp_patch_sum += ns;
	}
	if (!own)
		return;
	if (m->target)
		pr_info_ratelimited("GPU %d (magic %08x): key verified, device 0x%04x presented as %s: %s %u of %u types\n",
				    gi, vukp_magic_fp(m->magic), m->device,
				    m->target->name,
				    vukp_dry ? "dry run, would install" :
				    "installed", m->held,
				    vukp_model_buildable(m));
	else
		pr_info_ratelimited("GPU %d (magic %08x): key verified, device 0x%04x: %s\n",
				    gi, vukp_magic_fp(m->magic), m->device,
				    m->board_left ? "a vGPU board itself, left alone" :
				    vukp_err_str(m->err));
	return;
fail:
	p->key_rejects++;
	if (++p->key_tries >= VUKP_KEY_TRIES) {
		p->state = VUKP_GPU_IDLE;
		if (!m->key_ok)
			m->err = VUKP_ERR_NO_KEY;
	}
}

/*
 * Can a 16-byte aperture read still change anything?  Not once every GPU
 * is identified: a native board (its entries are reserved by then), or a
 * consumer model whose key is verified (its entries were installed then,
 * and are re-balanced in process context whenever a GPU comes or goes).
 */
static bool vukp_copy_needed_locked(void)
{
	unsigned int i;
	u32 gen;

	for (i = 0; i < VUKP_MAX_GPUS; i++) {
		const struct vukp_prog *p = &vukp_progs[i];

		if (!vukp_gpu_active(i, &gen))
			continue;
		if (p->gen != gen || p->model < 0)
			return true;	/* no magic seen yet */
		if (!vukp_models[p->model].native && !vukp_models[p->model].key_ok)
			return true;
	}
	return false;
}

bool vukp_unlock_read(int gi, u32 gen, unsigned long src, const u8 *val)
{
	struct vukp_prog *p = &vukp_progs[gi];
	const struct vukp_ref *refs;
	unsigned long flags;
	unsigned int n;
	bool needed = true;
	u64 t0;

	t0 = vukp_lock_take(&flags);
	if (!vukp_armed || vukp_stopping)
		goto out;
	if (p->gen != gen) {	/* a new GPU in this entry */
		memset(p, 0, sizeof(*p));
		p->gen = gen;
		p->model = -1;
	}
	p->reads++;
	refs = vukp_tables_lookup(&vukp_tab, val, &n);
	if (!refs && p->state != VUKP_GPU_KEY_WAIT)
		goto out;
	if (!vukp_gpu_owns(gi, gen, src))
		goto out;	/* stale mapping cache: not this GPU's */
	if (refs)
		vukp_on_magic(gi, refs, n, val);
	else
		vukp_on_key(gi, val, t0);
	needed = vukp_copy_needed_locked();
out:
	vukp_lock_give(flags, t0);
	return needed;
}

/* ---- process context ---- */

static int vukp_ulong_cmp(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* A writable alias of the pages holding the entries; pointer stores only. */
static int vukp_make_alias(void)
{
	unsigned int i, n = 0, k;
	struct page **pages;
	unsigned long *pa;
	int ret = -ENOMEM;

	pa = kvmalloc_array(2 * vukp_tab.nvgpu, sizeof(*pa), GFP_KERNEL);
	pages = kvmalloc_array(2 * vukp_tab.nvgpu, sizeof(*pages), GFP_KERNEL);
	if (!pa || !pages)
		goto out;
	for (i = 0; i < vukp_tab.nvgpu; i++) {
		pa[n++] = vukp_tab.vgpu[i].addr & PAGE_MASK;
		pa[n++] = (vukp_tab.vgpu[i].addr + VUKP_TRIPLET - 1) & PAGE_MASK;
	}
	sort(pa, n, sizeof(*pa), vukp_ulong_cmp, NULL);
	for (i = 0, k = 0; i < n; i++)		/* dedupe */
		if (!k || pa[i] != pa[k - 1])
			pa[k++] = pa[i];
	n = k;
	ret = -EFAULT;
	for (i = 0; i < n; i++) {
		pages[i] = vmalloc_to_page((void *)pa[i]);
		if (!pages[i])
			goto out;
	}
	ret = -ENOMEM;
	vukp_alias_base = vmap(pages, n, VM_MAP, PAGE_KERNEL);
	if (!vukp_alias_base)
		goto out;
	for (i = 0, k = 0; i < vukp_tab.nvgpu; i++) {
		unsigned long a = vukp_tab.vgpu[i].addr;

		while (pa[k] != (a & PAGE_MASK))	/* entries are sorted */
			k = pa[k] < (a & PAGE_MASK) ? k + 1 : 0;
		vukp_slots[i].alias = (u8 *)vukp_alias_base + k * PAGE_SIZE +
				      offset_in_page(a);
	}
	ret = 0;
out:
	kvfree(pages);
	kvfree(pa);
	return ret;
}

static void vukp_models_free(bool keep_pointed)
{
	unsigned int i;

	for (i = 0; i < VUKP_MAX_MODELS; i++) {
		struct vukp_model *m = &vukp_models[i];

		if (m->recs && keep_pointed && m->pointed) {
			/* nvidia may still be reading it: see the header */
			kmemleak_not_leak(m->recs);
			vukp_parked += sizeof(*m->recs);
		} else {
			kvfree(m->recs);
		}
		vukp_aes_wipe(&m->aes);
		memzero_explicit(m->key, sizeof(m->key));
	}
	memset(vukp_models, 0, sizeof(vukp_models));
}

int vukp_unlock_arm(const struct module *nv, const char **why)
{
	struct vukp_range r[VUKP_MAX_RANGES];
	unsigned long flags;
	unsigned int i;
	u64 t0 = ktime_get_ns();
	int nr, ret;

	nr = vukp_module_data_ranges(nv, r);
	ret = vukp_tables_find(r, nr, &vukp_tab, why);
	if (ret)
		return ret;
	vukp_scan_ns = ktime_get_ns() - t0;
	if (vukp_tab.truncated)
		pr_warn("nvidia %s: more marker copies than expected; the table search may be incomplete\n",
			nv->version ?: "?");
	*why = "out of memory";
	ret = -ENOMEM;
	vukp_slots = kvcalloc(vukp_tab.nvgpu, sizeof(*vukp_slots), GFP_KERNEL);
	if (!vukp_slots)
		goto err;
	for (i = 0; i < vukp_tab.nvgpu; i++) {
		vukp_slots[i].kind = vukp_tab.vgpu[i].kind;
		vukp_slots[i].owner = -1;
	}
	memset(vukp_models, 0, sizeof(vukp_models));
	for (i = 0; i < VUKP_MAX_MODELS; i++) {
		vukp_models[i].recs = records_vmalloc ?
			vzalloc(sizeof(struct vukp_recs)) :
			kvzalloc(sizeof(struct vukp_recs), GFP_KERNEL);
		if (!vukp_models[i].recs)
			goto err;
	}
	ret = dry_run ? 0 : vukp_make_alias();
	if (ret) {
		*why = "cannot map the list's pages writable";
		goto err;
	}
	raw_spin_lock_irqsave(&vukp_lock, flags);
	memset(vukp_progs, 0, sizeof(vukp_progs));
	for (i = 0; i < VUKP_MAX_GPUS; i++)
		vukp_progs[i].model = -1;
	vukp_patches = 0;
	vukp_patch_last = 0;
	vukp_patch_max = 0;
	vukp_patch_sum = 0;
	vukp_irqoff_max = 0;
	vukp_borrow = borrow;
	vukp_dry = dry_run;
	vukp_stopping = false;
	vukp_armed = true;
	raw_spin_unlock_irqrestore(&vukp_lock, flags);
	return 0;
err:
	vukp_models_free(false);
	kvfree(vukp_slots);
	vukp_slots = NULL;
	vukp_tables_free(&vukp_tab);
	return ret;
}

/*
 * Restore every entry; then free what nvidia can no longer read.  With
 * @nv_going nvidia's exit has run and none of its code runs any more:
 * everything goes.  Otherwise a check may have loaded a pointer to one of
 * our records just before the restore, and may read it at any later
 * time: records that were ever pointed at are kept.
 */
void vukp_unlock_disarm(bool nv_going)
{
	unsigned long flags;
	unsigned int bad;
	u64 t0;

	if (!vukp_armed)
		return;
	t0 = vukp_lock_take(&flags);
	vukp_stopping = true;
	bad = vukp_restore_all();
	vukp_lock_give(flags, t0);
	if (bad)
		pr_err("%u entries of the vGPU-capable list differ from their saved bytes after the restore\n",
		       bad);
	synchronize_rcu();	/* handlers still in vukp_unlock_read() */
	raw_spin_lock_irqsave(&vukp_lock, flags);
	vukp_armed = false;
	raw_spin_unlock_irqrestore(&vukp_lock, flags);
	if (vukp_alias_base)
		vunmap(vukp_alias_base);
	vukp_alias_base = NULL;
	vukp_models_free(!nv_going);
	kvfree(vukp_slots);
	vukp_slots = NULL;
	vukp_tables_free(&vukp_tab);
}

/* A GPU came or went (or borrowing must stop): share the entries anew. */
void vukp_unlock_rebalance(void)
{
	unsigned long flags;
	u64 t0;

	t0 = vukp_lock_take(&flags);
	if (vukp_armed && !vukp_stopping) {
		if (vukp_gpus_overflow() && vukp_borrow) {
			vukp_borrow = false;
			pr_warn("a GPU bound to nvidia is not tracked: borrowing stopped, the sacrificial entries only are used\n");
		}
		vukp_balance();
	}
	vukp_lock_give(flags, t0);
}

bool vukp_unlock_copy_needed(void)
{
	unsigned long flags;
	bool needed;
	u64 t0;

	t0 = vukp_lock_take(&flags);
	needed = vukp_armed && vukp_copy_needed_locked();
	vukp_lock_give(flags, t0);
	return needed;
}

bool vukp_unlock_gpu_view(int gi, struct vukp_gpu_view *v)
{
	const struct vukp_prog *p = &vukp_progs[gi];
	unsigned long flags;
	unsigned int r;
	u32 gen;
	u64 t0;

	memset(v, 0, sizeof(*v));
	if (!vukp_gpu_info(gi, &v->info) || !vukp_gpu_active(gi, &gen))
		return false;
	t0 = vukp_lock_take(&flags);
	if (vukp_armed && p->gen == gen) {
		v->state = p->state;
		v->reads = p->reads;
		v->magic_reads = p->magic_reads;
		v->key_reads = p->key_reads;
		v->key_rejects = p->key_rejects;
		if (p->model >= 0) {
			const struct vukp_model *m = &vukp_models[p->model];

			v->has_model = true;
			v->fp = vukp_magic_fp(m->magic);
			v->key_ok = m->key_ok;
			v->native = m->native;
			v->board_left = m->board_left;
			v->device = m->device;
			v->target = m->target;
			v->installed = m->held;
			v->err = m->err;
			if (m->target) {
				v->buildable = vukp_model_buildable(m);
				for (r = 0; r < m->target->ntypes && r < 64; r++)
					if (m->where[r] >= 0)
						v->ranks |= BIT_ULL(r);
			}
		}
	}
	vukp_lock_give(flags, t0);
	return true;
}

unsigned int vukp_unlock_used(struct vukp_used *out, unsigned int max)
{
	unsigned long flags;
	unsigned int i, n = 0;
	u64 t0;

	t0 = vukp_lock_take(&flags);
	for (i = 0; vukp_armed && i < vukp_tab.nvgpu && n < max; i++) {
		const struct vukp_slot *s = &vukp_slots[i];
		const struct vukp_model *m;

		if (s->owner < 0)
			continue;
		m = &vukp_models[s->owner];
		out[n].entry = i;
		out[n].kind = s->kind;
		out[n].gpu = vukp_model_gpu(s->owner);
		out[n].type = m->target->type[s->rank];
		n++;
	}
	vukp_lock_give(flags, t0);
	return n;
}

void vukp_unlock_stats(struct vukp_unlock_stats *st)
{
	unsigned long flags;
	unsigned int i;
	u64 t0;

	memset(st, 0, sizeof(*st));
	t0 = vukp_lock_take(&flags);
	st->parked = vukp_parked;
	st->irqoff_max_ns = vukp_irqoff_max;
	if (vukp_armed) {
		st->nother = vukp_tab.nother;
		st->nvgpu = vukp_tab.nvgpu;
		memcpy(st->nsac, vukp_tab.nsac, sizeof(st->nsac));
		st->decoys = vukp_tab.decoys;
		st->truncated = vukp_tab.truncated;
		st->scanned = vukp_tab.scanned;
		st->scan_ns = vukp_scan_ns;
		st->borrow = vukp_borrow;
		st->dry = vukp_dry;
		st->patches = vukp_patches;
		st->patch_last_ns = vukp_patch_last;
		st->patch_max_ns = vukp_patch_max;
		st->patch_sum_ns = vukp_patch_sum;
		for (i = 0; i < vukp_tab.nvgpu; i++) {
			const struct vukp_slot *s = &vukp_slots[i];

			st->usable += vukp_slot_usable(s);
			st->reserved += s->reserved;
			st->used += s->owner >= 0;
			st->borrowed += s->owner >= 0 && s->kind == VUKP_KIND_BOARD;
		}
	}
	vukp_lock_give(flags, t0);
}

const char *vukp_err_str(u8 err)
{
	static const char * const s[VUKP_ERR_NUM] = {
		[VUKP_OK] = "none",
		[VUKP_ERR_NO_TARGET] = "device id not in the id map",
		[VUKP_ERR_NO_SLOTS] = "not enough usable driver entries for every type",
		[VUKP_ERR_NO_MODEL] = "too many distinct magics",
		[VUKP_ERR_NO_KEY] = "no key candidate passed the signature check",
	};

	return err < VUKP_ERR_NUM ? s[err] : "?";
}
