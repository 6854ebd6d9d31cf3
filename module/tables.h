/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Finding nvidia's two board lists in a set of byte ranges (its data), as
 * pure functions: the ranges in, copies of both lists and an index by
 * magic out.  Nothing here writes nvidia's memory or knows about GPUs, so
 * the same source can be built for userspace (a driver file's relocated
 * sections stand in for the loaded module).
 */
#ifndef VUKP_TABLES_H
#define VUKP_TABLES_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <linux/types.h>	/* __u8 ... from the UAPI headers */
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
#endif

#include "vukp_nvidia.h"	/* the marker magics: data/table-markers.csv */

#define VUKP_MAGIC_LEN		16
#define VUKP_TRIPLET		24	/* {magic *, record *, signature *} */
#define VUKP_REC_SIG_LEN	32
/*
 * A record's blocks: (10 + name1_len + name2_len + 15) / 16 with u8 name
 * lengths, so at most 33 (real drivers: 2 to 7).
 */
#define VUKP_MAX_BLOCKS		33
#define VUKP_REC_MAX		(1 + 16 * VUKP_MAX_BLOCKS)
#define VUKP_MAX_RANGES		3

struct vukp_range {
	unsigned long start;
	unsigned long end;	/* exclusive */
	bool ro;		/* read-only data: where the lists may be */
};

enum vukp_list {
	VUKP_LIST_OTHER = 0,	/* other (non-vGPU) boards */
	VUKP_LIST_VGPU = 1,	/* vGPU-capable boards */
};

/*
 * Which marker magic an entry carries (data/table-markers.csv, whose first
 * row is magic_start: index 0 stands for a board's own entry).
 */
enum vukp_kind {
	VUKP_KIND_BOARD = VUKP_MARKER_MAGIC_START,	/* a board's own entry */
	VUKP_KIND_SAC_DUALCODER = VUKP_MARKER_SACRIFICIAL_DUALCODER,
	VUKP_KIND_SAC_PATCHER = VUKP_MARKER_SACRIFICIAL_PATCHER,
};

/*
 * One triplet of a list, read once: the pointers as found, and copies of
 * what they pointed at when they were read.
 */
struct vukp_entry {
	unsigned long addr;	/* the triplet */
	u64 ptr[3];		/* magic, record, signature */
	u8 magic[VUKP_MAGIC_LEN];
	u8 sig[VUKP_REC_SIG_LEN];
	u8 rec[VUKP_REC_MAX];	/* u8 num_blocks, then the blocks */
	u8 kind;		/* enum vukp_kind */
};

/* Index by magic: every entry of both lists, sorted by magic. */
struct vukp_ref {
	u8 magic[VUKP_MAGIC_LEN];
	u8 list;		/* enum vukp_list */
	u16 idx;		/* into that list */
};

struct vukp_found {
	struct vukp_entry *other;	/* other-boards list, in order */
	unsigned int nother;
	struct vukp_entry *vgpu;	/* vGPU-capable list(s), in order */
	unsigned int nvgpu;
	unsigned int nsac[3];		/* vGPU entries per enum vukp_kind */
	struct vukp_ref *index;
	unsigned int nindex;
	unsigned int decoys;		/* marker copies no triplet uses */
	bool truncated;			/* a search bound was reached */
	unsigned long scanned;		/* bytes */
};

/* Search @nr ranges; 0, or -errno with *@why saying what is missing. */
int vukp_tables_find(const struct vukp_range *r, int nr, struct vukp_found *f,
		     const char **why);
void vukp_tables_free(struct vukp_found *f);
/* The first index entry with @magic and how many share it; NULL if none. */
const struct vukp_ref *vukp_tables_lookup(const struct vukp_found *f,
					  const u8 *magic, unsigned int *count);

#endif /* VUKP_TABLES_H */
