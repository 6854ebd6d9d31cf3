// SPDX-License-Identifier: GPL-2.0
/*
 * The catalogue of vGPU types and the id map, with the module parameters
 * id_map= and types=.  Everything here runs at module init, except the
 * lookups, which are read-only and safe in any context.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci_ids.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "catalog.h"
#include "vukp_catalog.h"

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
static_assert(VUKP_CATALOG_MAX_TYPES <= VUKP_MAX_BOARD_TYPES,
	      "data/vgpu-types.csv: a board with more types than module/catalog.h holds");
static_assert(sizeof_field(struct vukp_plain, pt) >= VUKP_CATALOG_MAX_PLAIN,
	      "data/vgpu-types.csv: a type whose names do not fit a record");

static struct vukp_plain vukp_plain[ARRAY_SIZE(vukp_types)];

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
	const struct vukp_id_range *r;
	unsigned int i;
	int board;

	r = vukp_id_map_find(device, &board);
	*is_board = board;
	if (board)
		return NULL;
	for (i = 0; i < vukp_nextra; i++)
		if (device >= vukp_extra[i].first && device <= vukp_extra[i].last)
			return vukp_target_get(vukp_extra[i].target);
	return r ? vukp_target_get(r->target) : NULL;
}

const char *vukp_type_name(unsigned int type)
{
	return type < ARRAY_SIZE(vukp_types) ? vukp_types[type].name : "?";
}

const struct vukp_plain *vukp_type_plain(unsigned int type)
{
	return type < ARRAY_SIZE(vukp_types) ? &vukp_plain[type] : NULL;
}
