// SPDX-License-Identifier: GPL-2.0
/*
 * The module's table search (module/tables.c, built for userspace from the
 * same source) over a mock driver's tables assembled into this program:
 * it must find both lists whole, every sacrificial entry, and each test
 * GPU's magic in the right list.  The expectations come from the table
 * generator's tables.txt, not from the code under test.
 *
 * Lists stored back to back with no terminator (gen_tables.py --adjacent)
 * have no visible boundary: the single-type boards heading the vGPU-capable
 * list, before its first board with several types (a run of one magic), look
 * like other boards.  There the search may count them (and sacrificial
 * triplets among them, if one is left after them) to the other-boards list:
 * both lists together must still be whole, the vGPU-capable list lose no more
 * than that head, and every sacrificial triplet after what it lost be found.
 * Usage: search_tables tables.txt
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tables.h"

extern const u8 mock_tables_start[], mock_tables_end[];
extern const u8 mock_other_list[], mock_vgpu_list[];
extern const u32 mock_other_list_count;

#define MAX_VGPU 8192

static int n_test, n_failed;

static void result(int ok, const char *what, long want, long got)
{
	n_test++;
	n_failed += !ok;
	printf("%sok %d - %s (expected %ld, found %ld)\n", ok ? "" : "not ",
	       n_test, what, want, got);
}

static int hexbytes(const char *s, u8 *out, int n)
{
	for (int i = 0; i < n; i++)
		if (sscanf(s + 2 * i, "%2hhx", &out[i]) != 1)
			return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct vukp_range r = { (unsigned long)mock_tables_start,
				(unsigned long)mock_tables_end, true };
	long other = -1, vgpu = 0, sac = 0, head, lost, sac_kept, i;
	static unsigned int vdev[MAX_VGPU];
	static char vsac[MAX_VGPU];
	int adjacent = mock_other_list + 24 * mock_other_list_count == mock_vgpu_list;
	struct vukp_found f;
	char line[512];
	const char *why;
	FILE *fp;

	if (argc != 2 || !(fp = fopen(argv[1], "r"))) {
		fprintf(stderr, "usage: search_tables tables.txt\n");
		return 2;
	}
	if (vukp_tables_find(&r, 1, &f, &why)) {
		printf("not ok 1 - the search finds the tables: %s\n", why);
		return 1;
	}
	while (fgets(line, sizeof(line), fp)) {
		char kind[32], magic_hex[40];
		unsigned int dev;

		if (sscanf(line, "other %ld", &other) == 1)
			continue;
		if (sscanf(line, "vgpu %31s %x", kind, &dev) == 2 && vgpu < MAX_VGPU) {
			vdev[vgpu] = dev;
			vsac[vgpu] = !strncmp(kind, "sac", 3);
			sac += vsac[vgpu];
			vgpu++;
			continue;
		}
		if (sscanf(line, "gpu %x %32s", &dev, magic_hex) == 2) {
			u8 magic[16];
			const struct vukp_ref *ref;
			unsigned int n, i, in_vgpu = 0;
			char what[96];

			if (hexbytes(magic_hex, magic, 16))
				continue;
			ref = vukp_tables_lookup(&f, magic, &n);
			for (i = 0; ref && i < n; i++)
				in_vgpu += ref[i].list == VUKP_LIST_VGPU;
			snprintf(what, sizeof(what),
				 "GPU %04x: its magic is indexed (entries)", dev);
			result(n > 0, what, 1, n);
			snprintf(what, sizeof(what),
				 "GPU %04x: entries in the vGPU-capable list only if a native board",
				 dev);
			result((dev == 0x1b38) == (in_vgpu > 0), what,
			       dev == 0x1b38, in_vgpu > 0);
		}
	}
	fclose(fp);
	/* tables.txt counts the other-boards list without its magic_start entry */
	if (!adjacent) {
		result(f.nother == other + 1, "other-boards list found whole",
		       other + 1, f.nother);
		result(f.nvgpu == vgpu, "vGPU-capable list found whole", vgpu, f.nvgpu);
		lost = 0;
	} else {
		/* the head: up to the first run, less sacrificial triplets before it */
		for (head = 0; head + 1 < vgpu && vdev[head] != vdev[head + 1]; head++)
			;
		while (head > 0 && vsac[head - 1])
			head--;
		result(f.nother + f.nvgpu == other + 1 + vgpu,
		       "lists back to back: both found whole together",
		       other + 1 + vgpu, f.nother + f.nvgpu);
		lost = vgpu - (long)f.nvgpu;
		result(lost >= 0 && lost <= head,
		       "lists back to back: vGPU-capable list loses at most its single-type head",
		       head, lost);
	}
	for (sac_kept = 0, i = lost > 0 ? lost : 0; i < vgpu; i++)
		sac_kept += vsac[i];
	result(sac_kept > 0 &&
	       f.nsac[VUKP_KIND_SAC_DUALCODER] + f.nsac[VUKP_KIND_SAC_PATCHER] == sac_kept,
	       "every sacrificial entry found", sac_kept,
	       f.nsac[VUKP_KIND_SAC_DUALCODER] + f.nsac[VUKP_KIND_SAC_PATCHER]);
	result(f.nindex == f.nother + f.nvgpu, "every entry indexed by magic",
	       f.nother + f.nvgpu, f.nindex);
	vukp_tables_free(&f);
	return n_failed ? 1 : 0;
}
