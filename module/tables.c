// SPDX-License-Identifier: GPL-2.0
/*
 * Finding nvidia's board lists (process context, once per nvidia instance).
 *
 * 1. Find every copy of the three marker magics (magic_start and the two
 *    sacrificial magics) in nvidia's data ranges: one pass over aligned
 *    words; a hashed bitmap of the 8-byte windows of the markers lets
 *    almost every word through with one test.
 * 2. Find every 8-byte little-endian pointer to those copies, at any byte
 *    offset: one pass over aligned words, filtering on the top byte of the
 *    module area (every pointer into it has four 0xff bytes in a row).
 * 3. Keep the pointers that start a valid triplet {magic, record,
 *    signature}; walk the lists from them.
 *
 * Every pointer read from nvidia's memory is checked against nvidia's own
 * data ranges before it is followed.
 */
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>
#include <linux/timekeeping.h>
#include "vukp.h"
#include "vukp_nvabi.h"

#define VUKP_MAX_OCC		256	/* copies of the markers */
#define VUKP_MAX_HITS		4096	/* pointers to them */
#define VUKP_MAX_LIST		8192	/* triplets in one list */

/* magic_start, then the two sacrificial magics (driver-model.md 6) */
static const u8 vukp_markers[VUKP_NUM_MARKERS][VUKP_MAGIC_LEN] = VUKP_MARKER_MAGICS;

struct vukp_occ {
	unsigned long addr;
	unsigned int marker;
	bool used;		/* a valid triplet points at it */
};

struct vukp_hit {
	unsigned long pos;	/* triplet whose magic field points at a marker */
	unsigned int marker;
};

struct vukp_scan {
	struct vukp_range r[VUKP_MAX_RANGES];
	int nr;
	struct vukp_occ occ[VUKP_MAX_OCC];
	unsigned int nocc;
	bool occ_full;
	u64 targets[VUKP_MAX_OCC];	/* sorted occurrence addresses */
	unsigned int ntargets;
	struct vukp_hit *hits;
	unsigned int nhits;
	bool hits_full;
	unsigned long bitmap[BITS_TO_LONGS(1 << 16)];
};

static bool vukp_in(const struct vukp_scan *sc, unsigned long a,
		    unsigned long len)
{
	int i;

	for (i = 0; i < sc->nr; i++)
		if (a >= sc->r[i].start && len <= sc->r[i].end - sc->r[i].start &&
		    a - sc->r[i].start <= sc->r[i].end - sc->r[i].start - len)
			return true;
	return false;
}

/*
 * The functions that read nvidia's memory word by word are not KASAN
 * checked: the scan crosses every object of nvidia's data, and on a KASAN
 * kernel an instrumented nvidia has poisoned redzones between them (a
 * false "global-out-of-bounds").  Every address is checked against
 * nvidia's data ranges first (vukp_in()), which is what keeps it safe.
 */
static __no_sanitize_address u64 vukp_ld(unsigned long a)
{
	return get_unaligned((const u64 *)a);
}

/*
 * A triplet at @q: three pointers into nvidia's data ranges, a magic of
 * 16 bytes, a record with 1..VUKP_MAX_BLOCKS blocks, a 32-byte signature.
 */
static __no_sanitize_address bool vukp_triplet_ok(const struct vukp_scan *sc,
						  unsigned long q)
{
	unsigned long m, r, s;
	unsigned int n;

	if (!vukp_in(sc, q, VUKP_TRIPLET))
		return false;
	m = vukp_ld(q);
	r = vukp_ld(q + 8);
	s = vukp_ld(q + 16);
	if (!vukp_in(sc, m, VUKP_MAGIC_LEN) || !vukp_in(sc, s, VUKP_SIG_LEN) ||
	    !vukp_in(sc, r, 1))
		return false;
	n = *(const u8 *)r;
	return n >= 1 && n <= VUKP_MAX_BLOCKS &&
	       vukp_in(sc, r, 1 + VUKP_BLOCK * n);
}

/* Pass 1: every copy of the markers, at any byte offset. */
static __no_sanitize_address void vukp_find_markers(struct vukp_scan *sc)
{
	u64 win[VUKP_NUM_MARKERS][8];
	unsigned int p, d;
	int i;

	/*
	 * A 16-byte copy at offset o covers the aligned word at round_up(o, 8)
	 * whole: that word is one of the marker's eight 8-byte windows.
	 */
	for (p = 0; p < VUKP_NUM_MARKERS; p++) {
		for (d = 0; d < 8; d++) {
			win[p][d] = get_unaligned((const u64 *)&vukp_markers[p][d]);
			__set_bit((u16)win[p][d], sc->bitmap);
		}
	}

	for (i = 0; i < sc->nr; i++) {
		unsigned long start = sc->r[i].start, end = sc->r[i].end;
		unsigned long a;

		for (a = ALIGN(start, 8); a + 8 <= end; a += 8) {
			u64 w = *(const u64 *)a;

			if (likely(!test_bit((u16)w, sc->bitmap)))
				continue;
			for (p = 0; p < VUKP_NUM_MARKERS; p++) {
				for (d = 0; d < 8; d++) {
					unsigned long o = a - d;

					if (w != win[p][d] || o < start ||
					    o + VUKP_MAGIC_LEN > end ||
					    memcmp((const void *)o, vukp_markers[p],
						   VUKP_MAGIC_LEN))
						continue;
					if (sc->nocc == VUKP_MAX_OCC) {
						sc->occ_full = true;
						continue;
					}
					sc->occ[sc->nocc].addr = o;
					sc->occ[sc->nocc].marker = p;
					sc->nocc++;
				}
			}
		}
		cond_resched();
	}
}

static int vukp_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int vukp_target_idx(const struct vukp_scan *sc, u64 v)
{
	unsigned int lo = 0, hi = sc->ntargets;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (sc->targets[mid] == v)
			return mid;
		if (sc->targets[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static void vukp_check_ptr(struct vukp_scan *sc, unsigned long o,
			   const struct vukp_range *r, u32 high)
{
	unsigned int k;
	u64 v;

	if (o < r->start || o + 8 > r->end)
		return;
	v = vukp_ld(o);
	if ((u32)(v >> 32) != high || vukp_target_idx(sc, v) < 0)
		return;
	if (!vukp_triplet_ok(sc, o))
		return;
	for (k = 0; k < sc->nocc; k++) {
		if (sc->occ[k].addr != v)
			continue;
		sc->occ[k].used = true;
		if (sc->nhits == VUKP_MAX_HITS) {
			sc->hits_full = true;
			return;
		}
		sc->hits[sc->nhits].pos = o;
		sc->hits[sc->nhits].marker = sc->occ[k].marker;
		sc->nhits++;
		return;
	}
}

/* Pass 2: every pointer to a marker copy that starts a valid triplet. */
static __no_sanitize_address void vukp_find_pointers(struct vukp_scan *sc)
{
	unsigned int k;
	u32 high;
	u8 b;
	int i;

	for (k = 0; k < sc->nocc; k++)
		sc->targets[k] = sc->occ[k].addr;
	sort(sc->targets, sc->nocc, sizeof(u64), vukp_cmp_u64, NULL);
	sc->ntargets = sc->nocc;
	if (!sc->ntargets)
		return;

	/* all of nvidia's memory shares the upper half of its addresses */
	high = (u32)(sc->targets[0] >> 32);
	b = high >> 24;
	for (k = 1; k < sc->ntargets; k++)
		if ((u32)(sc->targets[k] >> 32) != high)
			return;	/* cannot happen in the module area */

	for (i = 0; i < sc->nr; i++) {
		const struct vukp_range *r = &sc->r[i];
		unsigned long a0 = ALIGN(r->start, 8);
		unsigned long a1 = ALIGN_DOWN(r->end, 8);
		unsigned long a, o;
		bool uniform = high == (u32)b * 0x01010101u;

		if (!uniform || a1 <= a0 + 8) {
			for (o = r->start; o + 8 <= r->end; o++)
				vukp_check_ptr(sc, o, r, high);
			continue;
		}
		/*
		 * The high half of a pointer at o is bytes o+4..o+7; exactly
		 * one of them sits at an address of the form 4k+3.  Test that
		 * byte of each aligned word (bytes 3 and 7) against b.
		 */
		for (o = r->start; o < a0 - 4; o++)
			vukp_check_ptr(sc, o, r, high);
		for (a = a0; a < a1; a += 8) {
			u64 w = *(const u64 *)a;

			if (unlikely((u8)(w >> 24) == b))
				for (o = a - 4; o < a; o++)
					vukp_check_ptr(sc, o, r, high);
			if (unlikely((u8)(w >> 56) == b))
				for (o = a; o < a + 4; o++)
					vukp_check_ptr(sc, o, r, high);
		}
		for (o = a1 - 4; o + 8 <= r->end; o++)
			vukp_check_ptr(sc, o, r, high);
		cond_resched();
	}
}

static int vukp_board_cmp(const void *a, const void *b)
{
	return memcmp(((const struct vukp_board *)a)->magic,
		      ((const struct vukp_board *)b)->magic, VUKP_MAGIC_LEN);
}

static void vukp_board_copy(struct vukp_board *bd, unsigned long q, u8 list)
{
	const u8 *rec = (const u8 *)(unsigned long)vukp_ld(q + 8);

	memset(bd, 0, sizeof(*bd));
	memcpy(bd->magic, (const void *)(unsigned long)vukp_ld(q),
	       VUKP_MAGIC_LEN);
	memcpy(bd->rec, rec, 1 + VUKP_BLOCK * rec[0]);
	memcpy(bd->sig, (const void *)(unsigned long)vukp_ld(q + 16),
	       VUKP_SIG_LEN);
	bd->list = list;
}

static int vukp_cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

static long vukp_ulong_idx(const unsigned long *v, unsigned int n,
			   unsigned long x)
{
	unsigned int lo = 0, hi = n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (v[mid] == x)
			return mid;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* A writable alias of the pages holding the slots; pointer stores only. */
static int vukp_make_alias(struct vukp_tables *t)
{
	unsigned long *pa;
	struct page **pages;
	unsigned int i, n = 0;
	int ret = -ENOMEM;

	pa = kmalloc_array(2 * t->nslots, sizeof(*pa), GFP_KERNEL);
	pages = kmalloc_array(2 * t->nslots, sizeof(*pages), GFP_KERNEL);
	if (!pa || !pages)
		goto out;
	for (i = 0; i < t->nslots; i++) {
		pa[n++] = t->slots[i].addr & PAGE_MASK;
		pa[n++] = (t->slots[i].addr + VUKP_TRIPLET - 1) & PAGE_MASK;
	}
	sort(pa, n, sizeof(*pa), vukp_cmp_ulong, NULL);
	for (i = 1; i < n; i++) {
		if (pa[i] == pa[i - 1]) {
			memmove(&pa[i], &pa[i + 1], (n - i - 1) * sizeof(*pa));
			n--;
			i--;
		}
	}
	ret = -EFAULT;
	for (i = 0; i < n; i++) {
		pages[i] = vmalloc_to_page((void *)pa[i]);
		if (!pages[i])
			goto out;
	}
	ret = -ENOMEM;
	t->alias_base = vmap(pages, n, VM_MAP, PAGE_KERNEL);
	if (!t->alias_base)
		goto out;
	for (i = 0; i < t->nslots; i++) {
		struct vukp_slot *s = &t->slots[i];
		long idx = vukp_ulong_idx(pa, n, s->addr & PAGE_MASK);

		s->alias = (u8 *)t->alias_base + idx * PAGE_SIZE +
			   offset_in_page(s->addr);
	}
	ret = 0;
out:
	kfree(pages);
	kfree(pa);
	return ret;
}

/* Walk a list from @q in steps of @step while the triplets are valid. */
static unsigned int vukp_walk(const struct vukp_scan *sc, unsigned long q,
			      long step, unsigned long os, unsigned long oe,
			      unsigned long *out, unsigned int max)
{
	unsigned int n = 0;

	while (n < max && vukp_triplet_ok(sc, q) &&
	       !(q < oe && q + VUKP_TRIPLET > os)) {
		out[n++] = q;
		q += step;
	}
	return n;
}

int vukp_tables_find(const struct module *mod, struct vukp_tables *t,
		     const char **why)
{
	unsigned long os = 0, oe = 0, *vg = NULL;
	unsigned int nother = 0, nvg = 0, i, k;
	struct vukp_scan *sc;
	u64 t0 = ktime_get_ns();
	int ret;

	memset(t, 0, sizeof(*t));
	*why = "out of memory";
	sc = kvzalloc(sizeof(*sc), GFP_KERNEL);
	if (!sc)
		return -ENOMEM;
	ret = -ENOMEM;
	sc->hits = kvmalloc_array(VUKP_MAX_HITS, sizeof(*sc->hits), GFP_KERNEL);
	if (!sc->hits)
		goto out;
	sc->nr = vukp_module_data_ranges(mod, sc->r);
	for (i = 0; i < sc->nr; i++)
		t->scanned += sc->r[i].end - sc->r[i].start;

	vukp_find_markers(sc);
	vukp_find_pointers(sc);
	if (sc->occ_full || sc->hits_full)
		pr_warn("nvidia %s: more marker copies than expected; the table search may be incomplete\n",
			mod->version ?: "?");

	/* other-boards list: the longest valid list from a magic_start */
	for (k = 0; k < sc->nhits; k++) {
		unsigned long q = sc->hits[k].pos, p = q;
		unsigned int n = 0;

		if (sc->hits[k].marker != 0)
			continue;
		while (n < VUKP_MAX_LIST && vukp_triplet_ok(sc, p)) {
			n++;
			p += VUKP_TRIPLET;
		}
		if (n > nother) {
			nother = n;
			os = q;
			oe = p;
		}
	}
	ret = -ENOENT;
	if (!nother) {
		*why = "no vGPU host tables found: this is not a vGPU-KVM host driver";
		goto out;
	}

	/* vGPU-capable list: around every sacrificial triplet */
	ret = -ENOMEM;
	vg = kvmalloc_array(2 * VUKP_MAX_LIST, sizeof(*vg), GFP_KERNEL);
	if (!vg)
		goto out;
	for (k = 0; k < sc->nhits; k++) {
		unsigned long q = sc->hits[k].pos;
		unsigned int room;

		if (sc->hits[k].marker == 0 || (q < oe && q + VUKP_TRIPLET > os))
			continue;
		if (vukp_ulong_idx(vg, nvg, q) >= 0)
			continue;	/* already walked */
		room = 2 * VUKP_MAX_LIST - nvg;
		nvg += vukp_walk(sc, q, VUKP_TRIPLET, os, oe, vg + nvg,
				 min_t(unsigned int, room, VUKP_MAX_LIST));
		room = 2 * VUKP_MAX_LIST - nvg;
		nvg += vukp_walk(sc, q - VUKP_TRIPLET, -VUKP_TRIPLET, os, oe,
				 vg + nvg, min_t(unsigned int, room, VUKP_MAX_LIST));
		sort(vg, nvg, sizeof(*vg), vukp_cmp_ulong, NULL);
		for (i = 1; i < nvg; i++) {
			if (vg[i] == vg[i - 1]) {
				memmove(&vg[i], &vg[i + 1],
					(nvg - i - 1) * sizeof(*vg));
				nvg--;
				i--;
			}
		}
	}
	ret = -ENOENT;
	if (!nvg) {
		*why = "no sacrificial slot in the vGPU-capable list: cannot install vGPU types";
		goto out;
	}

	/* copies of both lists, sorted by magic; the sacrificial slots */
	ret = -ENOMEM;
	t->boards = kvmalloc_array(nother + nvg, sizeof(*t->boards),
				   GFP_KERNEL);
	if (!t->boards)
		goto out;
	for (i = 0; i < nother; i++)
		vukp_board_copy(&t->boards[i], os + i * VUKP_TRIPLET,
				VUKP_LIST_OTHER);
	for (i = 0; i < nvg; i++) {
		struct vukp_board *bd = &t->boards[nother + i];

		vukp_board_copy(bd, vg[i], VUKP_LIST_VGPU);
		for (k = 1; k < VUKP_NUM_MARKERS; k++)
			if (!memcmp(bd->magic, vukp_markers[k], VUKP_MAGIC_LEN))
				t->nslots++;
	}
	t->nother = nother;
	t->nvgpu = nvg;
	t->nboards = nother + nvg;

	t->slots = kvcalloc(t->nslots, sizeof(*t->slots), GFP_KERNEL);
	if (!t->slots)
		goto out;
	t->nslots = 0;
	for (i = 0; i < nvg; i++) {
		const u8 *m = t->boards[nother + i].magic;

		for (k = 1; k < VUKP_NUM_MARKERS; k++) {
			struct vukp_slot *s;

			if (memcmp(m, vukp_markers[k], VUKP_MAGIC_LEN))
				continue;
			s = &t->slots[t->nslots];
			s->addr = vg[i];
			s->orig[0] = vukp_ld(vg[i]);
			s->orig[1] = vukp_ld(vg[i] + 8);
			s->orig[2] = vukp_ld(vg[i] + 16);
			s->cls = k - 1;
			s->owner = -1;
			t->ncls[k - 1]++;
			t->nslots++;
		}
	}
	sort(t->boards, t->nboards, sizeof(*t->boards), vukp_board_cmp, NULL);

	for (k = 0; k < sc->nocc; k++)
		if (!sc->occ[k].used)
			t->decoys++;

	ret = vukp_make_alias(t);
	if (ret) {
		*why = "cannot map the slots' pages writable";
		goto out;
	}
	t->scan_ns = ktime_get_ns() - t0;
	ret = 0;
out:
	kvfree(vg);
	kvfree(sc->hits);
	kvfree(sc);
	if (ret)
		vukp_tables_free(t);
	return ret;
}

void vukp_tables_free(struct vukp_tables *t)
{
	if (t->alias_base)
		vunmap(t->alias_base);
	kvfree(t->slots);
	kvfree(t->boards);
	memset(t, 0, sizeof(*t));
}

/* The first board with @magic, and how many share it (atomic). */
const struct vukp_board *vukp_board_find(const struct vukp_tables *t,
					 const u8 *magic, unsigned int *count)
{
	unsigned int lo = 0, hi = t->nboards, n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (memcmp(t->boards[mid].magic, magic, VUKP_MAGIC_LEN) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (n = 0; lo + n < t->nboards &&
	     !memcmp(t->boards[lo + n].magic, magic, VUKP_MAGIC_LEN); n++)
		;
	*count = n;
	return n ? &t->boards[lo] : NULL;
}

/* Which sacrificial magic @magic is (0 or 1), or -1. */
int vukp_sacrificial_class(const u8 *magic)
{
	int k;

	for (k = 1; k < VUKP_NUM_MARKERS; k++)
		if (!memcmp(magic, vukp_markers[k], VUKP_MAGIC_LEN))
			return k - 1;
	return -1;
}
