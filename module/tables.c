// SPDX-License-Identifier: GPL-2.0
/*
 * Finding nvidia's board lists (driver-interface.md §6) in its data ranges.
 *
 * 1. Find every copy of the three marker magics (magic_start and the two
 *    sacrificial magics): one pass over aligned words; a hashed bitmap of
 *    the markers' 8-byte windows lets almost every word through with one
 *    test.
 * 2. Find every 8-byte little-endian pointer to those copies, at any byte
 *    offset: one pass over aligned words, filtering on the top byte that
 *    all of nvidia's addresses share.
 * 3. Keep the pointers that start a valid triplet {magic, record,
 *    signature}; walk the lists from them.
 *
 * Everything read from nvidia's memory is read once: a triplet's pointers
 * are loaded into locals, checked against the ranges, and only the checked
 * copies are followed; the record's block count is loaded once and
 * bounds the copy.  A list's triplets must lie in read-only data (what
 * they point at may be anywhere in the ranges); part of what is searched
 * is writable, so an entry is read a second time after it was copied and
 * kept only if nothing changed (whole or not at all).
 *
 * Process context only (the kernel build reschedules every MiB); no global
 * state.  Built for userspace too (without __KERNEL__).
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/sched.h>
#include "compat.h"
#define vukp_alloc(n, size)	kvmalloc_array(n, size, GFP_KERNEL | __GFP_ZERO)
#define vukp_free(p)		kvfree(p)
#define vukp_sort(b, n, s, cmp)	sort(b, n, s, cmp, NULL)
#define vukp_resched()		cond_resched()
#define VUKP_NOKASAN		__no_sanitize_address
#else
#include <stdlib.h>
#include <string.h>
#define vukp_alloc(n, size)	calloc(n, size)
#define vukp_free(p)		free(p)
#define vukp_sort(b, n, s, cmp)	qsort(b, n, s, cmp)
#define vukp_resched()		do { } while (0)
#define VUKP_NOKASAN
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define likely(x)		__builtin_expect(!!(x), 1)
#define ENOMEM			12
#define ENOENT			2
#endif
#include "tables.h"
#include "vukp_nvabi.h"

#define VUKP_MAX_OCC		256	/* copies of the markers */
#define VUKP_MAX_HITS		4096	/* pointers to them */
#define VUKP_MAX_LIST		8192	/* triplets in one list */
#define VUKP_MAX_SPANS		16	/* vGPU-capable lists */
#define VUKP_RESCHED		0x100000UL	/* 1 MiB */
#define VUKP_BITMAP_WORDS	(65536 / (8 * sizeof(unsigned long)))

/* magic_start, then the two sacrificial magics */
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
	const struct vukp_range *r;
	int nr;
	struct vukp_occ occ[VUKP_MAX_OCC];
	unsigned int nocc;
	u64 targets[VUKP_MAX_OCC];	/* sorted occurrence addresses */
	unsigned int ntargets;
	struct vukp_hit *hits;
	unsigned int nhits;
	bool full;
	unsigned long bitmap[VUKP_BITMAP_WORDS];
	struct vukp_entry e;		/* scratch for pass 2 (off the stack) */
};

/* Is [a, a + len) inside one range (a read-only one with @ro_only)? */
static bool vukp_within(const struct vukp_scan *sc, unsigned long a,
			unsigned long len, bool ro_only)
{
	int i;

	for (i = 0; i < sc->nr; i++)
		if ((sc->r[i].ro || !ro_only) && a >= sc->r[i].start &&
		    len <= sc->r[i].end - sc->r[i].start &&
		    a - sc->r[i].start <= sc->r[i].end - sc->r[i].start - len)
			return true;
	return false;
}

static bool vukp_in(const struct vukp_scan *sc, unsigned long a,
		    unsigned long len)
{
	return vukp_within(sc, a, len, false);
}

/*
 * The functions that read nvidia's memory are not KASAN checked: the scan
 * crosses every object of nvidia's data, and on a KASAN kernel an
 * instrumented nvidia has poisoned redzones between them.  Every address
 * is checked against nvidia's ranges first (vukp_in()), which is what
 * keeps it safe.
 */
static VUKP_NOKASAN u64 vukp_ld(unsigned long a)
{
#ifdef __KERNEL__
	return get_unaligned((const u64 *)a);
#else
	u64 v;

	memcpy(&v, (const void *)a, sizeof(v));
	return v;
#endif
}

static VUKP_NOKASAN u8 vukp_ld8(unsigned long a)
{
	return READ_ONCE(*(const u8 *)a);
}

static VUKP_NOKASAN void vukp_copy(void *dst, unsigned long src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		((u8 *)dst)[i] = vukp_ld8(src + i);
}

static bool vukp_bit(const unsigned long *bm, u16 b)
{
	return bm[b / (8 * sizeof(long))] >> (b % (8 * sizeof(long))) & 1;
}

static void vukp_set_bit(unsigned long *bm, u16 b)
{
	bm[b / (8 * sizeof(long))] |= 1UL << (b % (8 * sizeof(long)));
}

/* Which marker @magic is, or -1. */
static int vukp_marker(const u8 *magic)
{
	int k;

	for (k = 0; k < VUKP_NUM_MARKERS; k++)
		if (!memcmp(magic, vukp_markers[k], VUKP_MAGIC_LEN))
			return k;
	return -1;
}

/*
 * Read the triplet at @q into @e: pointers loaded once and checked, then
 * what they point at copied, then the pointers and the block count loaded
 * again: the entry is taken only if they did not change meanwhile.  With
 * @bare, a triplet whose record or signature pointer is not usable (the
 * magic_start entry of the other-boards list need not carry a record) is
 * taken too, with no record (num_blocks 0: it verifies no key).
 */
static VUKP_NOKASAN bool vukp_entry_read(const struct vukp_scan *sc,
					 unsigned long q, struct vukp_entry *e,
					 bool bare)
{
	unsigned int i, nb = 0;
	bool rec;
	int k;

	/*
	 * The lists are compiled into read-only data: a triplet elsewhere (a
	 * writable copy, which may change at any time) is no list's entry.
	 */
	if (!vukp_within(sc, q, VUKP_TRIPLET, true))
		return false;
	for (i = 0; i < 3; i++)
		e->ptr[i] = vukp_ld(q + 8 * i);
	if (!vukp_in(sc, e->ptr[0], VUKP_MAGIC_LEN))
		return false;
	rec = vukp_in(sc, e->ptr[2], VUKP_REC_SIG_LEN) && vukp_in(sc, e->ptr[1], 1);
	if (rec) {
		nb = vukp_ld8(e->ptr[1]);
		rec = nb >= 1 && nb <= VUKP_MAX_BLOCKS &&
		      vukp_in(sc, e->ptr[1], 1 + 16 * nb);
	}
	if (!rec && !bare)
		return false;
	e->addr = q;
	vukp_copy(e->magic, e->ptr[0], VUKP_MAGIC_LEN);
	memset(e->sig, 0, sizeof(e->sig));
	e->rec[0] = 0;
	if (rec) {
		vukp_copy(e->sig, e->ptr[2], VUKP_REC_SIG_LEN);
		vukp_copy(e->rec, e->ptr[1], 1 + 16 * nb);
		if (e->rec[0] != nb)
			return false;
	}
	for (i = 0; i < 3; i++)
		if (vukp_ld(q + 8 * i) != e->ptr[i])
			return false;
	k = vukp_marker(e->magic);
	e->kind = k > 0 ? k : VUKP_KIND_BOARD;
	return true;
}

/* Pass 1: every copy of the markers, at any byte offset. */
static VUKP_NOKASAN void vukp_find_markers(struct vukp_scan *sc)
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
			memcpy(&win[p][d], &vukp_markers[p][d], 8);
			vukp_set_bit(sc->bitmap, (u16)win[p][d]);
		}
	}

	for (i = 0; i < sc->nr; i++) {
		unsigned long start = sc->r[i].start, end = sc->r[i].end;
		unsigned long a = (start + 7) & ~7UL;

		for (; a + 8 <= end; a += 8) {
			u64 w = *(const u64 *)a;

			if (unlikely(!(a & (VUKP_RESCHED - 1))))
				vukp_resched();
			if (likely(!vukp_bit(sc->bitmap, (u16)w)))
				continue;
			for (p = 0; p < VUKP_NUM_MARKERS; p++) {
				for (d = 0; d < 8; d++) {
					unsigned long o = a - d;
					u8 m[VUKP_MAGIC_LEN];

					if (w != win[p][d] || o < start ||
					    o + VUKP_MAGIC_LEN > end)
						continue;
					vukp_copy(m, o, sizeof(m));
					if (memcmp(m, vukp_markers[p], sizeof(m)))
						continue;
					if (sc->nocc == VUKP_MAX_OCC) {
						sc->full = true;
						continue;
					}
					sc->occ[sc->nocc].addr = o;
					sc->occ[sc->nocc].marker = p;
					sc->nocc++;
				}
			}
		}
	}
}

static int vukp_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Index of @v in sorted @v[0..n), or -1: the one binary search. */
static long vukp_bsearch_u64(const u64 *v, unsigned int n, u64 x)
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

static void vukp_check_ptr(struct vukp_scan *sc, unsigned long o,
			   const struct vukp_range *r, u32 high)
{
	struct vukp_entry *e = &sc->e;
	unsigned int k;
	u64 v;

	if (o < r->start || o + 8 > r->end)
		return;
	v = vukp_ld(o);
	if ((u32)(v >> 32) != high || vukp_bsearch_u64(sc->targets, sc->ntargets, v) < 0)
		return;
	/* a bare triplet only for the magic_start marker (index 0) */
	if (!vukp_entry_read(sc, o, e, true) || e->ptr[0] != v)
		return;
	for (k = 0; k < sc->nocc; k++) {
		if (sc->occ[k].addr != v)
			continue;
		if (!e->rec[0] && sc->occ[k].marker != 0)
			return;
		sc->occ[k].used = true;
		if (sc->nhits == VUKP_MAX_HITS) {
			sc->full = true;
			return;
		}
		sc->hits[sc->nhits].pos = o;
		sc->hits[sc->nhits].marker = sc->occ[k].marker;
		sc->nhits++;
		return;
	}
}

/* Pass 2: every pointer to a marker copy that starts a valid triplet. */
static VUKP_NOKASAN void vukp_find_pointers(struct vukp_scan *sc)
{
	unsigned int k;
	u32 high;
	u8 b;
	int i;

	for (k = 0; k < sc->nocc; k++)
		sc->targets[k] = sc->occ[k].addr;
	vukp_sort(sc->targets, sc->nocc, sizeof(u64), vukp_cmp_u64);
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
		unsigned long a0 = (r->start + 7) & ~7UL;
		unsigned long a1 = r->end & ~7UL;
		unsigned long a, o;
		bool uniform = high == (u32)b * 0x01010101u;

		if (!uniform || a1 <= a0 + 8) {
			for (o = r->start; o + 8 <= r->end; o++) {
				if (unlikely(!(o & (VUKP_RESCHED - 1))))
					vukp_resched();
				vukp_check_ptr(sc, o, r, high);
			}
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

			if (unlikely(!(a & (VUKP_RESCHED - 1))))
				vukp_resched();
			if (unlikely((u8)(w >> 24) == b))
				for (o = a - 4; o < a; o++)
					vukp_check_ptr(sc, o, r, high);
			if (unlikely((u8)(w >> 56) == b))
				for (o = a; o < a + 4; o++)
					vukp_check_ptr(sc, o, r, high);
		}
		for (o = a1 - 4; o + 8 <= r->end; o++)
			vukp_check_ptr(sc, o, r, high);
	}
}

struct vukp_span {
	unsigned long lo, hi;	/* [lo, hi): triplets of one list */
};

static bool vukp_in_span(const struct vukp_span *s, unsigned int n,
			 unsigned long q)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (q + VUKP_TRIPLET > s[i].lo && q < s[i].hi)
			return true;
	return false;
}

/* Count the valid triplets from @q in steps of @step, outside @avoid. */
static unsigned int vukp_walk(const struct vukp_scan *sc, unsigned long q,
			      long step, const struct vukp_span *avoid,
			      unsigned int navoid, struct vukp_entry *tmp)
{
	unsigned int n = 0;

	while (n < VUKP_MAX_LIST && !vukp_in_span(avoid, navoid, q) &&
	       vukp_entry_read(sc, q, tmp, false)) {
		n++;
		q += step;
	}
	return n;
}

/*
 * Copy @n triplets from @q into @out, the first one possibly @bare; fewer
 * if one changed meanwhile.
 */
static unsigned int vukp_take(const struct vukp_scan *sc, unsigned long q,
			      unsigned int n, struct vukp_entry *out, bool bare)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!vukp_entry_read(sc, q + (unsigned long)i * VUKP_TRIPLET,
				     &out[i], bare && !i))
			break;
	return i;
}

/*
 * The other-boards list from its magic_start triplet at @q: the valid
 * triplets after it, up to @n in all, in one pass.  Stored back to back with
 * no terminator (a driver may know both lengths), they run on into a
 * vGPU-capable list that follows.
 * The other-boards list has one triplet per board, a vGPU-capable list one
 * per (board, type): it ends where the first run of one magic starts, less
 * the sacrificial triplets right before that run (real drivers' vGPU lists
 * start with one).  *@sac: where the block of sacrificial triplets before
 * that starts (0: none): the list ends there at the latest if no
 * sacrificial triplet is left outside it.  @e: room for two entries.
 */
static unsigned int vukp_other_end(const struct vukp_scan *sc, unsigned long q,
				   unsigned int n, struct vukp_entry *e,
				   unsigned int *sac)
{
	/* sacrificial blocks: the last one [blk, last], the one before from pblk */
	unsigned int i, blk = 0, last = 0, pblk = 0;

	*sac = 0;
	for (i = 1; i < n; i++) {
		struct vukp_entry *cur = &e[i & 1], *prev = &e[!(i & 1)];

		if (!vukp_entry_read(sc, q + (unsigned long)i * VUKP_TRIPLET, cur, false))
			return i;	/* the list ends here */
		if (i >= 2 && !memcmp(cur->magic, prev->magic, VUKP_MAGIC_LEN)) {
			/* sacrificial triplets starting the run or right before it */
			if (last && last >= i - 2) {
				*sac = pblk;
				return blk;
			}
			*sac = blk;
			return i - 1;
		}
		if (cur->kind == VUKP_KIND_BOARD)
			continue;
		if (!last || last != i - 1) {
			pblk = blk;
			blk = i;
		}
		last = i;
	}
	return n;
}

/*
 * vGPU-capable lists: the run of valid triplets around each sacrificial
 * triplet, outside the other-boards list.  Returns how many triplets.
 */
static unsigned int vukp_vgpu_spans(struct vukp_scan *sc,
				    const struct vukp_span *other,
				    struct vukp_span *spans, unsigned int *nspans,
				    struct vukp_entry *tmp)
{
	unsigned int k, nvg = 0;

	*nspans = 0;
	for (k = 0; k < sc->nhits; k++) {
		unsigned long q = sc->hits[k].pos;
		unsigned int fwd, back;

		if (sc->hits[k].marker == 0 || vukp_in_span(other, 1, q) ||
		    vukp_in_span(spans, *nspans, q))
			continue;
		if (*nspans == VUKP_MAX_SPANS) {
			sc->full = true;
			break;
		}
		fwd = vukp_walk(sc, q, VUKP_TRIPLET, other, 1, tmp);
		back = vukp_walk(sc, q - VUKP_TRIPLET, -VUKP_TRIPLET, other, 1, tmp);
		if (!fwd)
			continue;
		spans[*nspans].lo = q - (unsigned long)back * VUKP_TRIPLET;
		spans[*nspans].hi = q + (unsigned long)fwd * VUKP_TRIPLET;
		nvg += back + fwd;
		(*nspans)++;
	}
	return nvg;
}

static int vukp_ref_cmp(const void *a, const void *b)
{
	const struct vukp_ref *x = a, *y = b;
	int c = memcmp(x->magic, y->magic, VUKP_MAGIC_LEN);

	if (c)
		return c;
	if (x->list != y->list)
		return x->list < y->list ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int vukp_index(struct vukp_found *f)
{
	unsigned int i, n = 0;

	f->index = vukp_alloc(f->nother + f->nvgpu, sizeof(*f->index));
	if (!f->index)
		return -ENOMEM;
	for (i = 0; i < f->nother; i++, n++) {
		memcpy(f->index[n].magic, f->other[i].magic, VUKP_MAGIC_LEN);
		f->index[n].list = VUKP_LIST_OTHER;
		f->index[n].idx = i;
	}
	for (i = 0; i < f->nvgpu; i++, n++) {
		memcpy(f->index[n].magic, f->vgpu[i].magic, VUKP_MAGIC_LEN);
		f->index[n].list = VUKP_LIST_VGPU;
		f->index[n].idx = i;
	}
	f->nindex = n;
	vukp_sort(f->index, n, sizeof(*f->index), vukp_ref_cmp);
	return 0;
}

int vukp_tables_find(const struct vukp_range *r, int nr, struct vukp_found *f,
		     const char **why)
{
	struct vukp_span other = { 0, 0 }, spans[VUKP_MAX_SPANS];
	unsigned int nspans = 0, nvg, other_sac = 0, i, k;
	struct vukp_entry *tmp = NULL;
	struct vukp_scan *sc;
	int ret = -ENOMEM;

	memset(f, 0, sizeof(*f));
	*why = "out of memory";
	sc = vukp_alloc(1, sizeof(*sc));
	if (!sc)
		return -ENOMEM;
	sc->r = r;
	sc->nr = nr;
	sc->hits = vukp_alloc(VUKP_MAX_HITS, sizeof(*sc->hits));
	tmp = vukp_alloc(2, sizeof(*tmp));
	if (!sc->hits || !tmp)
		goto out;
	for (i = 0; i < (unsigned int)nr; i++)
		f->scanned += r[i].end - r[i].start;

	vukp_find_markers(sc);
	vukp_find_pointers(sc);

	/* other-boards list: the longest valid list from a magic_start */
	for (k = 0; k < sc->nhits; k++) {
		unsigned long q = sc->hits[k].pos;
		unsigned int n, sac;

		if (sc->hits[k].marker != 0 || !vukp_entry_read(sc, q, tmp, true))
			continue;
		n = vukp_other_end(sc, q, 1 + VUKP_MAX_LIST, tmp, &sac);
		if (n > f->nother) {
			f->nother = n;
			other_sac = sac;
			other.lo = q;
			other.hi = q + (unsigned long)n * VUKP_TRIPLET;
		}
	}
	ret = -ENOENT;
	if (!f->nother) {
		*why = "no vGPU host tables found: this is not a vGPU-KVM host driver";
		goto out;
	}

	nvg = vukp_vgpu_spans(sc, &other, spans, &nspans, tmp);
	if (!nvg && other_sac) {
		/* none left outside: the list ends at the last sacrificial block */
		f->nother = other_sac;
		other.hi = other.lo + (unsigned long)other_sac * VUKP_TRIPLET;
		nvg = vukp_vgpu_spans(sc, &other, spans, &nspans, tmp);
	}
	if (!nvg) {
		*why = "no sacrificial entry in a vGPU-capable list: cannot install vGPU types";
		goto out;
	}

	ret = -ENOMEM;
	f->other = vukp_alloc(f->nother, sizeof(*f->other));
	f->vgpu = vukp_alloc(nvg, sizeof(*f->vgpu));
	if (!f->other || !f->vgpu)
		goto out;
	f->nother = vukp_take(sc, other.lo, f->nother, f->other, true);
	for (i = 0; i < nspans; i++) {
		unsigned int n = (spans[i].hi - spans[i].lo) / VUKP_TRIPLET;

		f->nvgpu += vukp_take(sc, spans[i].lo, n, f->vgpu + f->nvgpu, false);
	}
	for (i = 0; i < f->nvgpu; i++)
		f->nsac[f->vgpu[i].kind]++;
	ret = vukp_index(f);
	if (ret)
		goto out;
	for (k = 0; k < sc->nocc; k++)
		if (!sc->occ[k].used)
			f->decoys++;
	f->truncated = sc->full;
	ret = 0;
out:
	vukp_free(tmp);
	vukp_free(sc->hits);
	vukp_free(sc);
	if (ret)
		vukp_tables_free(f);
	return ret;
}

void vukp_tables_free(struct vukp_found *f)
{
	vukp_free(f->index);
	vukp_free(f->vgpu);
	vukp_free(f->other);
	memset(f, 0, sizeof(*f));
}

const struct vukp_ref *vukp_tables_lookup(const struct vukp_found *f,
					  const u8 *magic, unsigned int *count)
{
	unsigned int lo = 0, hi = f->nindex, n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (memcmp(f->index[mid].magic, magic, VUKP_MAGIC_LEN) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (n = 0; lo + n < f->nindex &&
	     !memcmp(f->index[lo + n].magic, magic, VUKP_MAGIC_LEN); n++)
		;
	*count = n;
	return n ? &f->index[lo] : NULL;
}
