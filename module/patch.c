// SPDX-License-Identifier: GPL-2.0
/*
 * Models, slots and the patch itself.
 *
 * A model is one magic seen on this host (GPUs of the same board share
 * it, and its key).  A consumer model whose key is verified is given a
 * share of the free sacrificial slots; each slot gets one vGPU type
 * record of the model's target board, encrypted and signed with the
 * model's key, and the model's magic.  Everything here that runs from a
 * handler is marked atomic and runs under vukp_lock.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "vukp.h"
#include "vukp_catalog.h"

static const struct vukp_id_range vukp_id_map[] = VUKP_ID_MAP_INIT;
static const struct vukp_vgpu_type vukp_types[] = VUKP_TYPES_INIT;
static const unsigned short vukp_boards[] = VUKP_VGPU_BOARDS_INIT;

static char *id_map;
module_param(id_map, charp, 0444);
MODULE_PARM_DESC(id_map,
		 "extra device id map entries, tried before the built-in map: \"dev:target\" or \"first-last:target\", comma separated (e.g. 0x1b06:0x1b38)");

static char *types;
module_param(types, charp, 0444);
MODULE_PARM_DESC(types,
		 "vGPU types to install and their order of preference, comma separated type names or subsystem ids; boards not named keep all their types in catalogue order");

#define VUKP_MAX_EXTRA 32

struct vukp_extra {
	u16 first, last, target;
};

static struct vukp_extra vukp_extra[VUKP_MAX_EXTRA];
static unsigned int vukp_nextra;

static struct vukp_target vukp_targets[ARRAY_SIZE(vukp_boards)];

struct vukp_plain {
	u8 nblocks;
	u8 pt[VUKP_BLOCK * VUKP_TYPE_BLOCKS];
};

static struct vukp_plain vukp_plain[ARRAY_SIZE(vukp_types)];

struct vukp_model vukp_models[VUKP_MAX_MODELS];
struct vukp_tables vukp_tab;
DEFINE_RAW_SPINLOCK(vukp_lock);
bool vukp_stopping;
bool vukp_cls_reserved[VUKP_NUM_SACRIFICIAL];
struct vukp_patch_time vukp_patch_time;
static unsigned int vukp_installs;	/* slots installed, ever */
static unsigned int vukp_balanced_gen;	/* vukp_gpu_set_gen at the last balance */

/* ---- catalogue (process context, at module init) ---- */

static int vukp_parse_id_map(void)
{
	char *buf, *p, *tok;
	int ret = 0;

	if (!id_map || !*id_map)
		return 0;
	buf = kstrdup(id_map, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	p = buf;
	while ((tok = strsep(&p, ",")) && !ret) {
		char *tgt = strchr(tok, ':'), *dash;
		struct vukp_extra e;

		tok = strim(tok);
		if (!*tok)
			continue;
		ret = -EINVAL;
		if (!tgt || vukp_nextra == VUKP_MAX_EXTRA)
			break;
		*tgt++ = '\0';
		dash = strchr(tok, '-');
		if (dash)
			*dash++ = '\0';
		if (kstrtou16(strim(tok), 0, &e.first) ||
		    kstrtou16(strim(dash ?: tok), 0, &e.last) ||
		    kstrtou16(strim(tgt), 0, &e.target) || e.last < e.first)
			break;
		vukp_extra[vukp_nextra++] = e;
		ret = 0;
	}
	kfree(buf);
	if (ret)
		pr_err("id_map=\"%s\": entry %u is not dev:target or first-last:target (at most %d entries)\n",
		       id_map, vukp_nextra + 1, VUKP_MAX_EXTRA);
	return ret;
}

static struct vukp_target *vukp_target_get(u16 device)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vukp_targets); i++)
		if (vukp_targets[i].device == device)
			return &vukp_targets[i];
	return NULL;
}

static int vukp_parse_types(void)
{
	char *buf, *p, *tok;
	unsigned int i;

	if (!types || !*types)
		return 0;
	buf = kstrdup(types, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(vukp_targets); i++)
		vukp_targets[i].ntypes = 0;
	p = buf;
	while ((tok = strsep(&p, ","))) {
		bool found = false;
		u16 subsys;
		bool by_id;

		tok = strim(tok);
		if (!*tok)
			continue;
		by_id = !kstrtou16(tok, 0, &subsys);
		for (i = 0; i < ARRAY_SIZE(vukp_types); i++) {
			struct vukp_target *t;
			unsigned int k;

			if (by_id ? vukp_types[i].subsys != subsys :
				    strcasecmp(vukp_types[i].name, tok))
				continue;
			t = vukp_target_get(vukp_types[i].device);
			for (k = 0; t && k < t->ntypes; k++)
				if (t->type[k] == i)
					break;
			if (t && k == t->ntypes && t->ntypes < VUKP_MAX_BOARD_TYPES)
				t->type[t->ntypes++] = i;
			found = true;
		}
		if (!found)
			pr_warn("types=: \"%s\" is not a known vGPU type name or subsystem id: ignored\n",
				tok);
	}
	kfree(buf);
	/* boards the list does not name keep all their types */
	for (i = 0; i < ARRAY_SIZE(vukp_targets); i++) {
		struct vukp_target *t = &vukp_targets[i];
		unsigned int k;

		if (t->ntypes)
			continue;
		for (k = 0; k < ARRAY_SIZE(vukp_types); k++)
			if (vukp_types[k].device == t->device &&
			    t->ntypes < VUKP_MAX_BOARD_TYPES)
				t->type[t->ntypes++] = k;
	}
	return 0;
}

/*
 * Plaintext of a vGPU type record: u8 name1_len, u8 name2_len,
 * le16 device, le16 vendor, le16 subsystem, le16 subsystem vendor, then
 * the type name and the board name, zero padded to the block size.
 */
static void vukp_plain_build(unsigned int i)
{
	const struct vukp_vgpu_type *ty = &vukp_types[i];
	struct vukp_plain *pl = &vukp_plain[i];
	size_t n1 = strlen(ty->name), n2 = strlen(ty->board);
	u8 *pt = pl->pt;

	memset(pl, 0, sizeof(*pl));
	if (10 + n1 + n2 > sizeof(pl->pt) || n1 > 255 || n2 > 255) {
		pr_warn("vGPU type \"%s\": names too long for a record: skipped\n",
			ty->name);
		return;
	}
	pt[0] = n1;
	pt[1] = n2;
	put_unaligned_le16(ty->device, pt + 2);
	put_unaligned_le16(PCI_VENDOR_ID_NVIDIA, pt + 4);
	put_unaligned_le16(ty->subsys, pt + 6);
	put_unaligned_le16(PCI_VENDOR_ID_NVIDIA, pt + 8);
	memcpy(pt + 10, ty->name, n1);
	memcpy(pt + 10 + n1, ty->board, n2);
	pl->nblocks = DIV_ROUND_UP(10 + n1 + n2, VUKP_BLOCK);
}

int vukp_catalog_init(void)
{
	unsigned int i, k;
	int ret;

	for (i = 0; i < ARRAY_SIZE(vukp_boards); i++) {
		struct vukp_target *t = &vukp_targets[i];

		t->device = vukp_boards[i];
		for (k = 0; k < ARRAY_SIZE(vukp_types); k++) {
			if (vukp_types[k].device != t->device)
				continue;
			t->name = vukp_types[k].board;
			if (t->ntypes < VUKP_MAX_BOARD_TYPES)
				t->type[t->ntypes++] = k;
		}
	}
	for (i = 0; i < ARRAY_SIZE(vukp_types); i++)
		vukp_plain_build(i);
	ret = vukp_parse_id_map();
	if (!ret)
		ret = vukp_parse_types();
	if (ret)
		return ret;
	for (i = 0; i < vukp_nextra; i++) {
		if (!vukp_target_get(vukp_extra[i].target)) {
			pr_err("id_map: target 0x%04x is not a vGPU-capable board of the catalogue\n",
			       vukp_extra[i].target);
			return -EINVAL;
		}
	}
	return 0;
}

/* The board a device id is presented as; NULL if none (atomic). */
const struct vukp_target *vukp_target_for(u16 device, bool *is_board)
{
	unsigned int i;

	*is_board = false;
	for (i = 0; i < ARRAY_SIZE(vukp_boards); i++) {
		if (vukp_boards[i] == device) {
			*is_board = true;
			return NULL;
		}
	}
	for (i = 0; i < vukp_nextra; i++)
		if (device >= vukp_extra[i].first && device <= vukp_extra[i].last)
			return vukp_target_get(vukp_extra[i].target);
	for (i = 0; i < ARRAY_SIZE(vukp_id_map); i++)
		if (device >= vukp_id_map[i].first && device <= vukp_id_map[i].last)
			return vukp_target_get(vukp_id_map[i].target);
	return NULL;
}

const char *vukp_type_name(unsigned int type)
{
	return type < ARRAY_SIZE(vukp_types) ? vukp_types[type].name : "?";
}

const char *vukp_err_str(u8 err)
{
	static const char * const s[VUKP_ERR_NUM] = {
		[VUKP_OK] = "none",
		[VUKP_ERR_NO_TARGET] = "device id not in the id map",
		[VUKP_ERR_NO_SLOTS] = "no free sacrificial slot",
		[VUKP_ERR_NO_MODEL] = "too many distinct magics",
		[VUKP_ERR_NO_KEY] = "no key candidate passed the signature check",
		[VUKP_ERR_BAD_RECORD] = "own record cannot be decrypted",
	};

	return err < VUKP_ERR_NUM ? s[err] : "?";
}

/* ---- slots (atomic, vukp_lock held) ---- */

/* One pointer-sized store through the writable alias. */
static void vukp_store(u8 *p, u64 v)
{
	if (IS_ALIGNED((unsigned long)p, sizeof(u64)))
		WRITE_ONCE(*(u64 *)p, v);
	else
		put_unaligned(v, (u64 *)p);
}

/* Magic pointer first: from then on the driver skips the slot. */
static void vukp_slot_release(struct vukp_slot *s)
{
	if (s->owner < 0)
		return;
	vukp_store(s->alias, s->orig[0]);
	smp_wmb();	/* the slot is dead before its record is taken away */
	vukp_store(s->alias + 8, s->orig[1]);
	vukp_store(s->alias + 16, s->orig[2]);
	vukp_models[s->owner].held--;
	s->owner = -1;
}

/*
 * Record and signature first while the slot still carries its sacrificial
 * magic (which no GPU of this host has), the magic pointer last.  The
 * buffer not in use is written, in case a reader still holds the other.
 */
static void vukp_slot_install(struct vukp_slot *s, int model,
			      unsigned int rank)
{
	struct vukp_model *m = &vukp_models[model];
	unsigned int type = m->target->type[rank];
	const struct vukp_plain *pl = &vukp_plain[type];
	u8 *buf;

	vukp_slot_release(s);
	s->cur ^= 1;
	buf = s->buf[s->cur];
	vukp_record_seal(&m->aes, m->key, pl->pt, pl->nblocks, buf,
			 buf + VUKP_SLOT_SIG);
	memcpy(buf + VUKP_SLOT_MAGIC, m->magic, VUKP_MAGIC_LEN);
	vukp_store(s->alias + 8, (unsigned long)buf);
	vukp_store(s->alias + 16, (unsigned long)(buf + VUKP_SLOT_SIG));
	smp_wmb();	/* record and signature in place before the magic */
	vukp_store(s->alias, (unsigned long)(buf + VUKP_SLOT_MAGIC));
	s->owner = model;
	s->rank = rank;
	m->held++;
	vukp_installs++;
}

void vukp_restore_all(void)
{
	unsigned int i;

	for (i = 0; i < vukp_tab.nslots; i++)
		vukp_slot_release(&vukp_tab.slots[i]);
}

static bool vukp_model_active(int model)
{
	unsigned int i;

	for (i = 0; i < VUKP_MAX_GPUS; i++)
		if (READ_ONCE(vukp_gpus[i].active) && vukp_gpus[i].model == model)
			return true;
	return false;
}

static bool vukp_model_wants(int i)
{
	const struct vukp_model *m = &vukp_models[i];

	return m->used && m->key_ok && !m->native && m->target &&
	       vukp_model_active(i);
}

static unsigned int vukp_model_usable(const struct vukp_model *m)
{
	unsigned int i, n = 0;

	for (i = 0; i < m->target->ntypes; i++)
		if (vukp_plain[m->target->type[i]].nblocks)
			n++;
	return n;
}

/*
 * Share the free slots among the consumer models that want some: max-min
 * fair (a model needing less than an equal share gets what it needs, the
 * rest is split equally, a remainder goes to the lower model numbers).
 */
static void vukp_allot(void)
{
	unsigned int need[VUKP_MAX_MODELS], left = 0, rem = 0, i;
	bool done[VUKP_MAX_MODELS];

	for (i = 0; i < vukp_tab.nslots; i++)
		if (!vukp_cls_reserved[vukp_tab.slots[i].cls])
			rem++;
	for (i = 0; i < VUKP_MAX_MODELS; i++) {
		vukp_models[i].alloc = 0;
		done[i] = !vukp_model_wants(i);
		need[i] = done[i] ? 0 : vukp_model_usable(&vukp_models[i]);
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

static bool vukp_has_rank(int model, unsigned int rank)
{
	unsigned int i;

	for (i = 0; i < vukp_tab.nslots; i++)
		if (vukp_tab.slots[i].owner == model &&
		    vukp_tab.slots[i].rank == rank)
			return true;
	return false;
}

static struct vukp_slot *vukp_free_slot(void)
{
	unsigned int i;

	for (i = 0; i < vukp_tab.nslots; i++) {
		struct vukp_slot *s = &vukp_tab.slots[i];

		if (s->owner < 0 && !vukp_cls_reserved[s->cls])
			return s;
	}
	return NULL;
}

/*
 * Bring the slots in line with the allotment: first release what a model
 * holds beyond its share (least preferred types first: ranks at or past
 * its allotment) and slots of reserved classes, then install each
 * model's most preferred types up to its share.
 */
static void vukp_balance(void)
{
	unsigned int i, r;

	vukp_allot();
	for (i = 0; i < vukp_tab.nslots; i++) {
		struct vukp_slot *s = &vukp_tab.slots[i];

		if (s->owner >= 0 && (vukp_cls_reserved[s->cls] ||
				      s->rank >= vukp_models[s->owner].alloc))
			vukp_slot_release(s);
	}
	for (i = 0; i < VUKP_MAX_MODELS; i++) {
		struct vukp_model *m = &vukp_models[i];
		unsigned int want = m->alloc;

		if (!want)
			continue;
		for (r = 0; r < m->target->ntypes && m->held < want; r++) {
			struct vukp_slot *s;

			if (!vukp_plain[m->target->type[r]].nblocks ||
			    vukp_has_rank(i, r))
				continue;
			s = vukp_free_slot();
			if (!s) {
				m->err = VUKP_ERR_NO_SLOTS;
				break;
			}
			vukp_slot_install(s, i, r);
		}
		if (m->held && m->err == VUKP_ERR_NO_SLOTS && m->held >= want)
			m->err = VUKP_OK;
	}
	vukp_balanced_gen = vukp_gpu_set_gen;
}

/*
 * Can a 16-byte aperture read still change anything?  Not once every GPU
 * bound to nvidia is identified: a native board (a sacrificial class it
 * owns is reserved by then), or a consumer model whose key is verified and
 * whose slots were balanced after the last GPU came or went.  A later VM
 * start reads the same magic and key again, which would only be compared:
 * the slots it needs are in place.  (atomic, vukp_lock held)
 */
bool vukp_copy_needed(void)
{
	unsigned int i;

	for (i = 0; i < VUKP_MAX_GPUS; i++) {
		const struct vukp_gpu *g = &vukp_gpus[i];
		const struct vukp_model *m;

		if (!READ_ONCE(g->active))
			continue;
		if (g->model < 0)
			return true;	/* no magic seen yet */
		m = &vukp_models[g->model];
		if (m->native)
			continue;
		if (!m->key_ok)
			return true;
		if (m->target && vukp_balanced_gen != vukp_gpu_set_gen)
			return true;
	}
	return false;
}

static void vukp_patch_timed(u64 ns)
{
	struct vukp_patch_time *pt = &vukp_patch_time;

	pt->last_ns = ns;
	pt->max_ns = max(pt->max_ns, ns);
	pt->sum_ns += ns;
	pt->count++;
}

/* ---- reads from a GPU aperture (atomic) ---- */

static int vukp_model_get(const u8 *magic)
{
	int i, free = -1;

	for (i = 0; i < VUKP_MAX_MODELS; i++) {
		if (!vukp_models[i].used) {
			if (free < 0)
				free = i;
			continue;
		}
		if (!memcmp(vukp_models[i].magic, magic, VUKP_MAGIC_LEN))
			return i;
	}
	if (free >= 0) {
		memset(&vukp_models[free], 0, sizeof(vukp_models[free]));
		vukp_models[free].used = true;
		memcpy(vukp_models[free].magic, magic, VUKP_MAGIC_LEN);
	}
	return free;
}

static void vukp_on_magic(struct vukp_gpu *g, const struct vukp_board *bd,
			  unsigned int nb, const u8 *magic)
{
	bool native = false;
	unsigned int i;
	int m, cls;

	for (i = 0; i < nb; i++)
		native |= bd[i].list == VUKP_LIST_VGPU;
	m = vukp_model_get(magic);
	g->magic_reads++;
	if (m < 0) {
		pr_warn_ratelimited("%s: magic of a %d-th distinct board: not handled\n",
				    g->name, VUKP_MAX_MODELS + 1);
		return;
	}
	g->model = m;
	if (!native) {
		g->state = VUKP_GPU_KEY_WAIT;
		g->key_tries = 0;
		return;
	}
	g->state = VUKP_GPU_NATIVE;
	vukp_models[m].native = true;
	cls = vukp_sacrificial_class(magic);
	if (cls >= 0 && !vukp_cls_reserved[cls]) {
		/* a board of this host owns it: its slots are not ours */
		vukp_cls_reserved[cls] = true;
		pr_info_ratelimited("%s: native board owns sacrificial magic %d: its slots are given back\n",
				    g->name, cls);
		vukp_balance();
	}
}

/* The first verified key of a model: derive everything from the record. */
static void vukp_model_key(struct vukp_model *m, const u8 *key,
			   const struct vukp_board *own)
{
	u8 pt[VUKP_BLOCK];
	bool is_board;

	memcpy(m->key, key, VUKP_KEY_LEN);
	aes_expandkey(&m->aes, key, VUKP_KEY_LEN);
	vukp_ecb_decrypt(&m->aes, pt, own->rec + 1, 1);
	m->device = get_unaligned_le16(pt + 2);
	memzero_explicit(pt, sizeof(pt));
	m->key_ok = true;
	m->target = vukp_target_for(m->device, &is_board);
	m->board_left = is_board;
	m->err = (m->target || is_board) ? VUKP_OK : VUKP_ERR_NO_TARGET;
}

static void vukp_on_key(struct vukp_gpu *g, const u8 *val)
{
	struct vukp_model *m = &vukp_models[g->model];
	const struct vukp_board *bd, *own = NULL;
	unsigned int nb, i;

	if (m->key_ok) {
		/* a re-read (every vGPU start reads magic and key again) */
		if (crypto_memneq(val, m->key, VUKP_KEY_LEN))
			goto fail;
	} else {
		bd = vukp_board_find(&vukp_tab, m->magic, &nb);
		for (i = 0; bd && i < nb && !own; i++)
			if (bd[i].list == VUKP_LIST_OTHER &&
			    vukp_record_verify(val, bd[i].rec, bd[i].sig))
				own = &bd[i];
		if (!own)
			goto fail;
		vukp_model_key(m, val, own);
	}
	g->state = VUKP_GPU_READY;
	g->key_reads++;
	if (m->target)
		vukp_balance();
	return;
fail:
	g->key_fails++;
	if (++g->key_tries >= VUKP_KEY_TRIES) {
		g->state = VUKP_GPU_IDLE;
		if (!m->key_ok)
			m->err = VUKP_ERR_NO_KEY;
	}
}

/*
 * A 16-byte os_mem_copy() from GPU @gi's aperture at @src returned @val
 * (atomic: called from the return handler).
 */
void vukp_on_read(int gi, u32 gen, unsigned long src, const u8 *val)
{
	struct vukp_gpu *g = &vukp_gpus[gi];
	u64 t0 = ktime_get_mono_fast_ns();
	const struct vukp_board *bd;
	unsigned int nb, installs;
	bool idle = false;
	unsigned long flags;

	vukp_probe_lock(&vukp_lock, flags);
	if (vukp_stopping || !READ_ONCE(g->active) || g->gen != gen)
		goto out;
	g->reads++;
	bd = vukp_board_find(&vukp_tab, val, &nb);
	if (!bd && g->state != VUKP_GPU_KEY_WAIT)
		goto out;
	if (!vukp_gpu_owns(gi, gen, src))
		goto out;	/* stale mapping cache: not this GPU's */
	installs = vukp_installs;
	if (bd)
		vukp_on_magic(g, bd, nb, val);
	else
		vukp_on_key(g, val);
	if (!bd && vukp_installs != installs)
		vukp_patch_timed(ktime_get_mono_fast_ns() - t0);
	idle = !vukp_copy_needed();
out:
	raw_spin_unlock_irqrestore(&vukp_lock, flags);
	if (idle)
		vukp_copy_probe_idle();
}
