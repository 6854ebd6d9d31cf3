// SPDX-License-Identifier: GPL-2.0
/*
 * vgpu-unlock-verdict: what vgpu_unlock_kp would find in a driver file,
 * without loading anything.  The file (nvidia.ko, .ko.xz/.zst/.gz, or
 * NVIDIA's nv-kernel.o_binary: both relocatable ELF objects) is laid out
 * the way the kernel's module loader groups sections (read-only data, then
 * writable data), the R_X86_64_64 relocations of those sections are
 * applied, and the module's own table search (module/tables.c, the same
 * source) runs over the result.  Then, for each NVIDIA GPU of this host or
 * each device id given, the verdict the module would reach.
 *
 * Usage: vgpu-unlock-verdict [--json] [--sysfs DIR] FILE [DEVICE_ID...]
 * Exit: 0 the driver has the tables, 1 it has not, 2 the file is unreadable.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "tables.h"
#include "vukp_catalog.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define REC_PT_MAX	64	/* the module's record plaintext bound (catalog.h) */
#define MAX_GPUS	64

static const struct vukp_id_range id_map[] = VUKP_ID_MAP_INIT;
static const struct vukp_vgpu_type types[] = VUKP_TYPES_INIT;
static const unsigned short boards[] = VUKP_VGPU_BOARDS_INIT;

struct buf {
	unsigned char *p;
	size_t n;
};

static int read_all(FILE *fp, struct buf *b)
{
	size_t cap = 1 << 20;

	b->n = 0;
	b->p = malloc(cap);
	while (b->p) {
		size_t k = fread(b->p + b->n, 1, cap - b->n, fp);

		b->n += k;
		if (b->n < cap)
			return ferror(fp) ? -1 : 0;
		cap *= 2;
		b->p = realloc(b->p, cap);
	}
	return -1;
}

/* The file, decompressed by xz, zstd or gzip when it starts like one. */
static int load_file(const char *path, struct buf *b)
{
	static const struct { const char *sig; size_t n; const char *cmd; } z[] = {
		{ "\xfd" "7zXZ", 6, "xz -dc" },
		{ "\x28\xb5\x2f\xfd", 4, "zstd -dcq" },
		{ "\x1f\x8b", 2, "gzip -dc" },
	};
	unsigned char head[6] = { 0 };
	FILE *fp = fopen(path, "rb");
	unsigned int i;
	char *cmd;
	int ret;

	if (!fp)
		return -1;
	if (fread(head, 1, sizeof(head), fp) < 2) {
		fclose(fp);
		return -1;
	}
	for (i = 0; i < ARRAY_SIZE(z); i++) {
		if (memcmp(head, z[i].sig, z[i].n))
			continue;
		fclose(fp);
		if (strchr(path, '\'') ||
		    asprintf(&cmd, "%s '%s' 2>/dev/null", z[i].cmd, path) < 0)
			return -1;
		fp = popen(cmd, "r");
		free(cmd);
		if (!fp)
			return -1;
		ret = read_all(fp, b);
		return pclose(fp) || ret ? -1 : 0;
	}
	rewind(fp);
	ret = read_all(fp, b);
	fclose(fp);
	return ret;
}

/* ---- the ELF object laid out as the module loader would ---- */

struct image {
	struct vukp_range r[2];	/* read-only data, writable data */
	int nr;
	unsigned long *addr;	/* per section, 0 if not laid out */
	char version[64];
};

static int sec_class(const Elf64_Shdr *s, const char *name)
{
	if (!(s->sh_flags & SHF_ALLOC) || (s->sh_flags & SHF_EXECINSTR) ||
	    !strncmp(name, ".init", 5) || !strncmp(name, ".exit", 5) ||
	    !strcmp(name, ".modinfo") || !strcmp(name, "__versions"))
		return -1;
	if (!strcmp(name, ".data..ro_after_init"))
		return 0;
	return (s->sh_flags & SHF_WRITE) ? 1 : 0;
}

/* Everything the search reads must share the upper half of its addresses. */
static unsigned char *map_window(size_t len)
{
	unsigned long base;

	for (base = 0x500000000000UL; base < 0x700000000000UL; base += 1UL << 36) {
		void *p = mmap((void *)base, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

		if (p == (void *)base)
			return p;
		if (p != MAP_FAILED)
			munmap(p, len);
	}
	return NULL;
}

static const char *elf_layout(const struct buf *f, struct image *im)
{
	const Elf64_Ehdr *eh = (const void *)f->p;
	const Elf64_Shdr *sh;
	const char *shstr;
	unsigned long off[2] = { 0, 0 }, total;
	unsigned char *base;
	unsigned int i, c;

	if (f->n < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64)
		return "not an x86-64 ELF file";
	if (eh->e_type != ET_REL)
		return "not a relocatable object (nvidia.ko or nv-kernel.o_binary)";
	if (eh->e_shoff > f->n || eh->e_shnum > (f->n - eh->e_shoff) / sizeof(*sh) ||
	    eh->e_shstrndx >= eh->e_shnum)
		return "damaged section table";
	sh = (const void *)(f->p + eh->e_shoff);
	if (sh[eh->e_shstrndx].sh_offset >= f->n)
		return "damaged section names";
	shstr = (const char *)f->p + sh[eh->e_shstrndx].sh_offset;
	im->addr = calloc(eh->e_shnum, sizeof(*im->addr));
	if (!im->addr)
		return "out of memory";

	/* sizes of both groups, each section at its alignment */
	for (c = 0; c < 2; c++)
		for (i = 0; i < eh->e_shnum; i++) {
			unsigned long al = sh[i].sh_addralign ?: 1;

			if (sec_class(&sh[i], shstr + sh[i].sh_name) != (int)c)
				continue;
			if (sh[i].sh_type != SHT_NOBITS &&
			    (sh[i].sh_offset > f->n || sh[i].sh_size > f->n - sh[i].sh_offset))
				return "a section lies outside the file";
			off[c] = (off[c] + al - 1) / al * al;
			im->addr[i] = off[c] + 1;	/* relative, +1: laid out */
			off[c] += sh[i].sh_size;
		}
	total = ((off[0] + 4095) & ~4095UL) + off[1] + 4096;
	base = map_window(total);
	if (!base)
		return "cannot map memory for the image";
	for (i = 0; i < eh->e_shnum; i++) {
		int k = im->addr[i] ? sec_class(&sh[i], shstr + sh[i].sh_name) : -1;

		if (k < 0)
			continue;
		im->addr[i] += (unsigned long)base - 1 +
			       (k ? (off[0] + 4095) & ~4095UL : 0);
		if (sh[i].sh_type != SHT_NOBITS)
			memcpy((void *)im->addr[i], f->p + sh[i].sh_offset, sh[i].sh_size);
	}
	im->r[0] = (struct vukp_range){ (unsigned long)base, (unsigned long)base + off[0], true };
	im->r[1] = (struct vukp_range){ (unsigned long)base + ((off[0] + 4095) & ~4095UL),
		(unsigned long)base + ((off[0] + 4095) & ~4095UL) + off[1], false };
	im->nr = 2;

	/* R_X86_64_64 relocations of the laid-out sections: S + A */
	for (i = 0; i < eh->e_shnum; i++) {
		const Elf64_Shdr *rs = &sh[i], *symsec;
		const Elf64_Rela *ra;
		const Elf64_Sym *sym;
		unsigned long n, k, nsym;

		if (rs->sh_type != SHT_RELA || rs->sh_info >= eh->e_shnum ||
		    !im->addr[rs->sh_info] || rs->sh_link >= eh->e_shnum)
			continue;
		symsec = &sh[rs->sh_link];
		if (rs->sh_offset > f->n || rs->sh_size > f->n - rs->sh_offset ||
		    symsec->sh_offset > f->n || symsec->sh_size > f->n - symsec->sh_offset)
			return "damaged relocations";
		ra = (const void *)(f->p + rs->sh_offset);
		n = rs->sh_size / sizeof(*ra);
		sym = (const void *)(f->p + symsec->sh_offset);
		nsym = symsec->sh_size / sizeof(*sym);
		for (k = 0; k < n; k++) {
			unsigned long s = ELF64_R_SYM(ra[k].r_info), v;
			unsigned int shn;

			if (ELF64_R_TYPE(ra[k].r_info) != R_X86_64_64 || s >= nsym ||
			    ra[k].r_offset + 8 > sh[rs->sh_info].sh_size)
				continue;
			shn = sym[s].st_shndx;
			if (shn == SHN_UNDEF || shn >= eh->e_shnum || !im->addr[shn])
				continue;	/* outside the data: leave it 0 */
			v = im->addr[shn] + sym[s].st_value + ra[k].r_addend;
			memcpy((void *)(im->addr[rs->sh_info] + ra[k].r_offset), &v, 8);
		}
	}
	return NULL;
}

/*
 * The functions the module probes (module/probes.c): defined in nvidia.ko
 * (the interface layer); NVIDIA's blob alone has them undefined.  Returns
 * the first one missing, or NULL; *@is_ko: the file has a .modinfo.
 */
static const char *missing_symbol(const struct buf *f, int *is_ko)
{
	static const char *const want[] = {
		"os_mem_copy", "os_map_kernel_space", "os_unmap_kernel_space",
	};
	const Elf64_Ehdr *eh = (const void *)f->p;
	const Elf64_Shdr *sh = (const void *)(f->p + eh->e_shoff);
	const char *shstr = (const char *)f->p + sh[eh->e_shstrndx].sh_offset;
	unsigned int i, k, have = 0;

	*is_ko = 0;
	for (i = 0; i < eh->e_shnum; i++)
		*is_ko |= !strcmp(shstr + sh[i].sh_name, ".modinfo");
	for (i = 0; i < eh->e_shnum; i++) {
		const Elf64_Sym *sym = (const void *)(f->p + sh[i].sh_offset);
		const Elf64_Shdr *st = &sh[sh[i].sh_link];
		unsigned long n = sh[i].sh_size / sizeof(*sym), j;

		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum ||
		    sh[i].sh_offset > f->n || sh[i].sh_size > f->n - sh[i].sh_offset ||
		    st->sh_offset > f->n)
			continue;
		for (j = 0; j < n; j++) {
			const char *name = (const char *)f->p + st->sh_offset + sym[j].st_name;

			if (sym[j].st_shndx == SHN_UNDEF || sym[j].st_name >= st->sh_size)
				continue;
			for (k = 0; k < ARRAY_SIZE(want); k++)
				if (!strcmp(name, want[k]))
					have |= 1u << k;
		}
	}
	for (k = 0; k < ARRAY_SIZE(want); k++)
		if (!(have & (1u << k)))
			return want[k];
	return NULL;
}

/* "version=" of .modinfo, else NVIDIA's banner in the blob. */
static void find_version(const struct buf *f, struct image *im)
{
	static const char *const keys[] = { "\0version=", "Kernel Module  " };
	unsigned int i;

	snprintf(im->version, sizeof(im->version), "unknown");
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		size_t kl = i ? strlen(keys[i]) : 9;
		const unsigned char *p = memmem(f->p, f->n, keys[i], kl);
		size_t k = 0;

		if (!p)
			continue;
		p += kl;
		while (k + 1 < sizeof(im->version) && p + k < f->p + f->n &&
		       ((p[k] >= '0' && p[k] <= '9') || p[k] == '.'))
			k++;
		if (!k)
			continue;
		memcpy(im->version, p, k);
		im->version[k] = '\0';
		return;
	}
}

/* ---- GPUs and the catalogue (the module's rules, catalog.c) ---- */

static int is_board(unsigned int dev)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(boards); i++)
		if (boards[i] == dev)
			return 1;
	return 0;
}

static const struct vukp_id_range *target_for(unsigned int dev)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(id_map); i++)
		if (dev >= id_map[i].first && dev <= id_map[i].last)
			return &id_map[i];
	return NULL;
}

/* Types of @board whose record the module can build. */
static unsigned int buildable(unsigned int board)
{
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(types); i++)
		n += types[i].device == board &&
		     10 + strlen(types[i].name) + strlen(types[i].board) <= REC_PT_MAX;
	return n;
}

static unsigned int host_gpus(const char *sysfs, unsigned int *dev, char bdf[][16])
{
	struct dirent *d;
	unsigned int n = 0;
	DIR *dir = opendir(sysfs);

	while (dir && (d = readdir(dir)) && n < MAX_GPUS) {
		char path[512], v[16] = "", c[16] = "", id[16] = "";
		FILE *fp;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/vendor", sysfs, d->d_name);
		if ((fp = fopen(path, "r"))) {
			fscanf(fp, "%15s", v);
			fclose(fp);
		}
		snprintf(path, sizeof(path), "%s/%s/class", sysfs, d->d_name);
		if ((fp = fopen(path, "r"))) {
			fscanf(fp, "%15s", c);
			fclose(fp);
		}
		snprintf(path, sizeof(path), "%s/%s/device", sysfs, d->d_name);
		if ((fp = fopen(path, "r"))) {
			fscanf(fp, "%15s", id);
			fclose(fp);
		}
		if (strcmp(v, "0x10de") || strncmp(c, "0x03", 4))
			continue;
		dev[n] = strtoul(id, NULL, 16);
		snprintf(bdf[n], 16, "%.15s", d->d_name);
		n++;
	}
	if (dir)
		closedir(dir);
	return n;
}

/* @s as a JSON string: quotes, backslashes and control characters escaped */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

int main(int argc, char **argv)
{
	const char *sysfs = "/sys/bus/pci/devices", *path = NULL, *why = NULL;
	unsigned int dev[MAX_GPUS], ndev = 0, i, sac, board_entries;
	char bdf[MAX_GPUS][16];
	struct image im = { 0 };
	struct vukp_found f = { 0 };
	struct buf file;
	int json = 0, found, is_ko, branch, gates;
	unsigned long scanned = 0;
	const char *nosym;
	char symwhy[128];

	for (i = 1; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--sysfs") && i + 1 < (unsigned int)argc)
			sysfs = argv[++i];
		else if (!path && argv[i][0] != '-')
			path = argv[i];
		else if (path && ndev < MAX_GPUS && argv[i][0] != '-') {
			dev[ndev] = strtoul(argv[i], NULL, 16);
			snprintf(bdf[ndev], 16, "given");
			ndev++;
		} else {
			fprintf(stderr, "usage: vgpu-unlock-verdict [--json] [--sysfs DIR] FILE [DEVICE_ID...]\n");
			return 2;
		}
	}
	if (!path) {
		fprintf(stderr, "usage: vgpu-unlock-verdict [--json] [--sysfs DIR] FILE [DEVICE_ID...]\n");
		return 2;
	}
	if (load_file(path, &file)) {
		fprintf(stderr, "vgpu-unlock-verdict: cannot read %s: %s\n", path,
			errno ? strerror(errno) : "decompression failed");
		return 2;
	}
	why = elf_layout(&file, &im);
	if (why) {
		fprintf(stderr, "vgpu-unlock-verdict: %s: %s\n", path, why);
		return 2;
	}
	find_version(&file, &im);
	for (i = 0; i < (unsigned int)im.nr; i++)
		scanned += im.r[i].end - im.r[i].start;
	found = !vukp_tables_find(im.r, im.nr, &f, &why);
	nosym = missing_symbol(&file, &is_ko);
	if (found && nosym && is_ko) {
		snprintf(symwhy, sizeof(symwhy),
			 "cannot probe %s: the driver has no such symbol", nosym);
		why = symwhy;
		found = 0;
	}
	if (!ndev)
		ndev = host_gpus(sysfs, dev, bdf);
	sac = f.nsac[VUKP_KIND_SAC_DUALCODER] + f.nsac[VUKP_KIND_SAC_PATCHER];
	branch = atoi(im.version);
	gates = branch >= 550;
	board_entries = f.nvgpu - sac;

	if (json) {
		printf("{\"file\":");
		json_str(path);
		printf(",\"version\":\"%s\",\"arms\":%s", im.version,
		       found ? "true" : "false");
		if (!found) {
			printf(",\"why\":");
			json_str(why);
		}
		printf(",\"other_boards\":%u,\"vgpu_entries\":%u,\"sacrificial\":%u,\"sacrificial_dualcoder\":%u,\"sacrificial_patcher\":%u,\"borrowable\":%u,\"decoys\":%u,\"searched_kib\":%lu,\"truncated\":%s",
		       f.nother, f.nvgpu, sac, f.nsac[VUKP_KIND_SAC_DUALCODER],
		       f.nsac[VUKP_KIND_SAC_PATCHER], board_entries, f.decoys,
		       scanned >> 10, f.truncated ? "true" : "false");
		printf(",\"branch\":%d,\"further_gates\":%s,\"gpus\":[", branch,
		       gates ? "true" : "false");
	} else {
		printf("file: %s\ndriver version: %s\n", path, im.version);
		if (!is_ko)
			printf("interface layer: not in this file (os_* functions are built from NVIDIA's sources by DKMS)\n");
		if (!found) {
			printf("verdict: the module would refuse this driver: %s (searched %lu KiB)\n",
			       why, scanned >> 10);
		} else {
			printf("verdict: the module would arm\n");
			printf("other-boards list: %u entries\n", f.nother);
			printf("vGPU-capable list: %u entries, %u sacrificial (%u DualCoder's magic + %u the Unlock-patcher's), %u of boards (borrowable)\n",
			       f.nvgpu, sac, f.nsac[VUKP_KIND_SAC_DUALCODER],
			       f.nsac[VUKP_KIND_SAC_PATCHER], board_entries);
			printf("decoys: %u marker copies no entry uses%s; searched %lu KiB\n",
			       f.decoys, f.truncated ? " (search bound reached)" : "",
			       scanned >> 10);
		}
		if (gates)
			printf("note: branch R%d: further gates this project does not touch may stop an unlock (RM's device-id whitelist, the configuration signature, nvidia-vgpud's refusal list, licensing/Xid 43): docs/compatibility.md, \"Further gates per driver branch\"\n",
			       branch);
	}
	for (i = 0; i < ndev; i++) {
		const struct vukp_id_range *t = target_for(dev[i]);
		unsigned int nt = t ? buildable(t->target) : 0;
		unsigned int alone = nt < sac ? nt : sac;
		unsigned int most = nt < sac + board_entries ? nt : sac + board_entries;
		const char *v, *reason = "";
		char buf[256];

		if (is_board(dev[i])) {
			v = "native";
			reason = "a vGPU-capable board: the driver supports it without the module";
		} else if (!t) {
			v = "not-unlockable";
			reason = "device id not in the id map (no vGPU board it can be presented as)";
		} else if (!found) {
			v = "not-unlockable";
			reason = why;
		} else if (!nt) {
			v = "not-unlockable";
			reason = "the target board has no type in the catalogue";
		} else {
			v = "unlockable";
			snprintf(buf, sizeof(buf), "presented as %s (0x%04x): %u of %u types with the sacrificial entries alone, up to %u with borrowed entries",
				 t->board, t->target, alone, nt, most);
			reason = buf;
		}
		if (json)
			printf("%s{\"pci\":\"%s\",\"device\":\"0x%04x\",\"verdict\":\"%s\",\"target\":\"0x%04x\",\"types\":%u,\"types_sacrificial\":%u,\"types_with_borrow\":%u,\"why\":\"%s\"}",
			       i ? "," : "", bdf[i], dev[i], v, t ? t->target : 0,
			       nt, found ? alone : 0, found ? most : 0, reason);
		else
			printf("gpu %s 10de:%04x: %s: %s\n", bdf[i], dev[i], v, reason);
	}
	if (json)
		printf("]}\n");
	else if (!ndev)
		printf("no NVIDIA GPU on this host (give device ids after the file to ask about others)\n");
	vukp_tables_free(&f);
	return found ? 0 : 1;
}
