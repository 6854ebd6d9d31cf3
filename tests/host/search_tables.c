// SPDX-License-Identifier: GPL-2.0
/*
 * The module's table search (module/tables.c, built for userspace from the
 * same source) over a mock driver's tables assembled into this program:
 * it must find both lists whole, every sacrificial entry, and each test
 * GPU's magic in the right list.  The expectations come from the table
 * generator's tables.txt, not from the code under test.
 * Usage: search_tables tables.txt
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tables.h"

extern const u8 mock_tables_start[], mock_tables_end[];

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
	long other = -1, vgpu = 0, sac = 0;
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
		if (sscanf(line, "vgpu %31s", kind) == 1) {
			vgpu++;
			sac += !strncmp(kind, "sac", 3);
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
	result(f.nother == other + 1, "other-boards list found whole", other + 1,
	       f.nother);
	result(f.nvgpu == vgpu, "vGPU-capable list found whole", vgpu, f.nvgpu);
	result(f.nsac[VUKP_KIND_SAC_DUALCODER] + f.nsac[VUKP_KIND_SAC_PATCHER] == sac,
	       "every sacrificial entry found", sac,
	       f.nsac[VUKP_KIND_SAC_DUALCODER] + f.nsac[VUKP_KIND_SAC_PATCHER]);
	result(f.nindex == f.nother + f.nvgpu, "every entry indexed by magic",
	       f.nother + f.nvgpu, f.nindex);
	vukp_tables_free(&f);
	return n_failed ? 1 : 0;
}
