// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The control rewrites.  Input: one NVOS54_PARAMETERS (32 bytes) after the
 * real ioctl returned >= 0.  Writes go only to NVOS54.status and to the
 * params buffer, and only after paramsSize matched a known layout exactly,
 * so every write is inside [params, params + paramsSize).  All accesses use
 * memcpy (the 19.1 layout has fields at odd offsets).
 */
#include <stdio.h>
#include <string.h>

#include "shim.h"
#include "vukp_catalog.h"
#include "vukp_nvabi.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static uint32_t rd32(const void *p, size_t off)
{
	uint32_t v;

	memcpy(&v, (const unsigned char *)p + off, 4);
	return v;
}

static uint64_t rd64(const void *p, size_t off)
{
	uint64_t v;

	memcpy(&v, (const unsigned char *)p + off, 8);
	return v;
}

static void wr32(void *p, size_t off, uint32_t v)
{
	memcpy((unsigned char *)p + off, &v, 4);
}

static void wr64(void *p, size_t off, uint64_t v)
{
	memcpy((unsigned char *)p + off, &v, 8);
}

enum vukp_need vukp_rewrite_need(uint32_t cmd)
{
	switch (cmd) {
	case VUKP_CMD_BUS_GET_PCI_INFO:
	case VUKP_CMD_GET_VIRTUALIZATION_MODE:
	case VUKP_CMD_VGPU_CONFIG_GET_MIGRATION_CAP:
		return VUKP_NEED_MAIN;
	case VUKP_CMD_VGPU_CONFIG_GET_TYPE_INFO:
	case VUKP_CMD_HOST_VGPU_GET_TYPE_INFO:
		return VUKP_NEED_PROFILE;
	case VUKP_CMD_VGPU_GET_START_DATA:
	case VUKP_CMD_VGPU_CREATE_DEVICE:
	case VUKP_CMD_GET_ZBC_CLEAR_TABLE:
	case VUKP_CMD_A082_UNNAMED_0104:
	case VUKP_CMD_GPU_GET_INFOROM_OBJECT_VERSION:
		return VUKP_NEED_STATUS;
	default:
		return VUKP_NEED_NONE;
	}
}

/* Log an unknown params size once per (control, size). */
static unsigned int bad_size(struct vukp_rt *rt, uint32_t cmd, uint32_t size,
			     const char *expected)
{
	unsigned int i;

	if (!rt)	/* lock-free caller: it retries with rt, which logs */
		return VUKP_RW_BADSIZE;
	for (i = 0; i < rt->nlogged; i++)
		if (rt->logged[i].cmd == cmd && rt->logged[i].size == size)
			return VUKP_RW_BADSIZE;
	if (rt->nlogged < ARRAY_SIZE(rt->logged)) {
		rt->logged[rt->nlogged].cmd = cmd;
		rt->logged[rt->nlogged].size = size;
		rt->nlogged++;
		vukp_warn("control 0x%08x: unknown params size %u (expected %s); left untouched (unsupported driver version?)",
			  cmd, size, expected);
	}
	return VUKP_RW_BADSIZE;
}

static bool pci_lookup(const struct vukp_main_cfg *cfg, uint16_t dev, uint16_t sub,
		       uint16_t *new_dev, uint16_t *new_sub)
{
	const struct vukp_id_range *r;
	int board;
	size_t i;

	for (i = 0; i < cfg->n_pci; i++) {
		if (cfg->pci[i].from == dev) {
			*new_dev = cfg->pci[i].device_id;
			*new_sub = cfg->pci[i].sub_system_id;
			return true;
		}
	}
	r = vukp_id_map_find(dev, &board);
	if (!r)
		return false;	/* a vGPU board itself, or not in the map */
	*new_dev = r->target;
	*new_sub = r->spoof_subsys ? r->spoof_subsys : sub;
	return true;
}

bool vukp_pci_lookup(const struct vukp_main_cfg *cfg, uint16_t dev, uint16_t sub,
		     uint16_t *new_dev, uint16_t *new_sub)
{
	struct vukp_pci_memo *m = cfg->memo;

	if (!m)
		return pci_lookup(cfg, dev, sub, new_dev, new_sub);
	if (!m->valid || m->dev != dev || m->sub != sub) {
		m->hit = pci_lookup(cfg, dev, sub, &m->new_dev, &m->new_sub);
		m->dev = dev;
		m->sub = sub;
		m->valid = true;
	}
	*new_dev = m->new_dev;
	*new_sub = m->new_sub;
	return m->hit;
}

static unsigned int rw_pci(void *p, const struct vukp_main_cfg *cfg)
{
	uint32_t dev = rd32(p, VUKP_PCI_INFO_DEVICE_ID);
	uint32_t sub = rd32(p, VUKP_PCI_INFO_SUBSYSTEM_ID);
	uint16_t nd, ns;

	if (!vukp_pci_lookup(cfg, (uint16_t)(dev >> 16), (uint16_t)(sub >> 16),
			     &nd, &ns))
		return 0;
	wr32(p, VUKP_PCI_INFO_DEVICE_ID, (dev & 0xffff) | ((uint32_t)nd << 16));
	wr32(p, VUKP_PCI_INFO_SUBSYSTEM_ID, (sub & 0xffff) | ((uint32_t)ns << 16));
	vukp_dbg("PCI info: device 0x%04x subsystem 0x%04x -> 0x%04x 0x%04x",
		 dev >> 16, sub >> 16, nd, ns);
	return VUKP_RW_PCI;
}

/* ------------------------------------------------------ type-info layouts */

struct vukp_ti_layout {
	uint32_t cmd, size;
	unsigned int info_off;	/* info struct inside params */
	unsigned int idx;	/* VUKP_TI_LAYOUT_* */
};

static const struct vukp_ti_layout vukp_ti_layouts[] = {
	{ VUKP_CMD_VGPU_CONFIG_GET_TYPE_INFO, VUKP_A081_SIZE_R535, VUKP_TYPE_INFO_WRAPPER, VUKP_TI_LAYOUT_A081_R525 },
	{ VUKP_CMD_VGPU_CONFIG_GET_TYPE_INFO, VUKP_A081_SIZE_R550, VUKP_TYPE_INFO_WRAPPER, VUKP_TI_LAYOUT_A081_R525 },
	{ VUKP_CMD_VGPU_CONFIG_GET_TYPE_INFO, VUKP_A081_SIZE_R570, VUKP_TYPE_INFO_WRAPPER, VUKP_TI_LAYOUT_A081_R525 },
	{ VUKP_CMD_VGPU_CONFIG_GET_TYPE_INFO, VUKP_A081_SIZE_R580_190, VUKP_TYPE_INFO_WRAPPER, VUKP_TI_LAYOUT_A081_R580 },
	{ VUKP_CMD_VGPU_CONFIG_GET_TYPE_INFO, VUKP_A081_SIZE_R580_191, VUKP_TYPE_INFO_WRAPPER, VUKP_TI_LAYOUT_A081_R581 },
	{ VUKP_CMD_HOST_VGPU_GET_TYPE_INFO, VUKP_A082_SIZE_PRE15, 0, VUKP_TI_LAYOUT_A082_R525 },
	{ VUKP_CMD_HOST_VGPU_GET_TYPE_INFO, VUKP_A082_SIZE_R525, 0, VUKP_TI_LAYOUT_A082_R525 },
	{ VUKP_CMD_HOST_VGPU_GET_TYPE_INFO, VUKP_A082_SIZE_R580, 0, VUKP_TI_LAYOUT_A082_R580 },
};

static const unsigned short vukp_name_len[VUKP_TI_LAYOUTS] = VUKP_TI_VGPU_NAME_LEN;
static const unsigned short vukp_adapter_w[VUKP_TI_LAYOUTS] = VUKP_TI_ADAPTER_NAME_W;

/*
 * n bytes of UTF-8 (validated by the parser; NULs possible) -> UTF-16LE,
 * zero-filled up to out[max]; false if more than max units.
 */
static bool utf16_encode(const char *s, size_t len, uint16_t *out, size_t max)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + len;
	size_t n = 0;

	while (p < e) {
		uint32_t cp;
		size_t n1 = vukp_utf8_decode(p, (size_t)(e - p), &cp);

		if (!n1)
			return false;
		p += n1;
		if (cp >= 0x10000) {
			if (n + 2 > max)
				return false;
			cp -= 0x10000;
			out[n++] = (uint16_t)(0xd800 | (cp >> 10));
			out[n++] = (uint16_t)(0xdc00 | (cp & 0x3ff));
		} else {
			if (n + 1 > max)
				return false;
			out[n++] = (uint16_t)cp;
		}
	}
	while (n <= max)
		out[n++] = 0;
	return true;
}

static const char *const vukp_kind_name[] = { "profile", "mdev", "vm" };

static void apply(unsigned char *info, unsigned int L, struct vukp_section *sec,
		  const char *type_name)
{
	struct vukp_override *ov = &sec->ov;
	int k;

	for (k = 0; k < VUKP_OV_COUNT; k++) {
		const struct vukp_ov_key *f = &vukp_ov_keys[k];
		unsigned int off = f->off[L], len;
		const char *s;
		size_t slen;

		if (!(ov->set & (1u << k)))
			continue;
		switch (f->kind) {
		case VUKP_F_U32:
			vukp_dbg("%s [%s.%s]: %s %u -> %u", type_name,
				 vukp_kind_name[sec->kind], sec->name, f->field,
				 rd32(info, off), (uint32_t)ov->num[k]);
			wr32(info, off, (uint32_t)ov->num[k]);
			break;
		case VUKP_F_U64:
			vukp_dbg("%s [%s.%s]: %s %llu -> %llu", type_name,
				 vukp_kind_name[sec->kind], sec->name, f->field,
				 (unsigned long long)rd64(info, off),
				 (unsigned long long)ov->num[k]);
			wr64(info, off, ov->num[k]);
			break;
		case VUKP_F_STR:
		case VUKP_F_NAME:
			s = ov->str[k];
			slen = (size_t)ov->num[k];
			len = f->kind == VUKP_F_NAME ? vukp_name_len[L] : f->len;
			if (slen > len - 1) {
				if (!(ov->warned & (1u << k)))
					vukp_err("%s [%s.%s]: %s = \"%s\" is too long for this driver's %s (at most %u bytes); not applied",
						 type_name, vukp_kind_name[sec->kind],
						 sec->name, f->name, s,
						 f->field, len - 1);
				ov->warned |= 1u << k;
				break;
			}
			if (k == VUKP_OV_ADAPTER_NAME) {
				uint16_t w[VUKP_TI_ADAPTER_NAME_LEN];

				if (!utf16_encode(s, slen, w, VUKP_TI_ADAPTER_NAME_LEN - 1)) {
					if (!(ov->warned & (1u << k)))
						vukp_err("%s [%s.%s]: adapter_name too long in UTF-16; not applied",
							 type_name, vukp_kind_name[sec->kind],
							 sec->name);
					ov->warned |= 1u << k;
					break;
				}
				memcpy(info + vukp_adapter_w[L], w, sizeof(w));
			}
			vukp_dbg("%s [%s.%s]: %s \"%.*s\" -> \"%s\"", type_name,
				 vukp_kind_name[sec->kind], sec->name, f->field,
				 (int)strnlen((const char *)info + off, len),
				 (const char *)info + off, s);
			memset(info + off, 0, len);
			memcpy(info + off, s, slen);
			break;
		}
	}
}

void vukp_format_uuid(const unsigned char u[16], char out[37])
{
	snprintf(out, 37, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 rd32(u, 0), (unsigned int)(u[4] | u[5] << 8),
		 (unsigned int)(u[6] | u[7] << 8), u[8], u[9], u[10], u[11],
		 u[12], u[13], u[14], u[15]);
}

/* Proxmox: <host PCI index>-0000-0000-0000-<VMID as 12 decimal digits> */
bool vukp_uuid_vmid(const unsigned char u[16], uint64_t *vmid)
{
	uint64_t v = 0;
	int i;

	if (u[4] | u[5] | u[6] | u[7] | u[8] | u[9])
		return false;
	for (i = 10; i < 16; i++) {
		if ((u[i] >> 4) > 9 || (u[i] & 15) > 9)
			return false;
		v = v * 100 + (uint64_t)(u[i] >> 4) * 10 + (u[i] & 15);
	}
	*vmid = v;
	return true;
}

static unsigned int rw_profile(void *params, uint32_t cmd, uint32_t size,
			       struct vukp_profile_cfg *prof, struct vukp_rt *rt)
{
	const struct vukp_ti_layout *lay = NULL;
	unsigned char *info;
	char type_name[24], uuid[37];
	uint64_t vmid = 0;
	bool have_vmid;
	unsigned int kind, done = 0;
	uint32_t type;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vukp_ti_layouts); i++)
		if (vukp_ti_layouts[i].cmd == cmd && vukp_ti_layouts[i].size == size)
			lay = &vukp_ti_layouts[i];
	if (!lay)
		return bad_size(rt, cmd, size, cmd == VUKP_CMD_HOST_VGPU_GET_TYPE_INFO ?
				"1840, 1848 or 2328" :
				"4960, 5096, 5232, 5424 or 5432");
	if (!prof->n)
		return 0;
	info = (unsigned char *)params + lay->info_off;
	type = rd32(info, 0);
	snprintf(type_name, sizeof(type_name), "nvidia-%u", type);
	uuid[0] = '\0';
	have_vmid = false;
	if (rt->have_uuid) {
		vukp_format_uuid(rt->uuid, uuid);
		have_vmid = vukp_uuid_vmid(rt->uuid, &vmid);
	}
	for (kind = VUKP_SECT_PROFILE; kind <= VUKP_SECT_VM; kind++) {
		for (i = 0; i < prof->n; i++) {
			struct vukp_section *s = &prof->sec[i];

			if (s->kind != kind)
				continue;
			if (kind == VUKP_SECT_PROFILE && s->id != type)
				continue;
			if (kind == VUKP_SECT_MDEV && (!uuid[0] || strcmp(s->name, uuid)))
				continue;
			if (kind == VUKP_SECT_VM && (!have_vmid || s->id != vmid))
				continue;
			apply(info, lay->idx, s, type_name);
			done = VUKP_RW_PROFILE;
		}
	}
	return done;
}

unsigned int vukp_rewrite(void *nvos, const struct vukp_main_cfg *cfg,
			  struct vukp_profile_cfg *prof, struct vukp_rt *rt)
{
	uint32_t cmd = rd32(nvos, VUKP_NVOS54_CMD);
	uint32_t size = rd32(nvos, VUKP_NVOS54_PARAMS_SIZE);
	uint32_t status = rd32(nvos, VUKP_NVOS54_STATUS);
	void *p = (void *)(uintptr_t)rd64(nvos, VUKP_NVOS54_PARAMS);
	unsigned int done = 0;

	if (status == VUKP_NV_ERR_BUSY_RETRY)
		return 0;

	/*
	 * PCI info, virtualization mode and migration cap are rewritten for
	 * every completed control, like vgpu_unlock-rs does (the daemon reads
	 * them whatever the status); remembering the UUID and the profile
	 * overrides need a successful reply.
	 */
	if (p) {
		switch (cmd) {
		case VUKP_CMD_BUS_GET_PCI_INFO:
			if (!cfg->unlock)
				break;
			if (size != VUKP_PCI_INFO_SIZE)
				done = bad_size(rt, cmd, size, "16");
			else
				done = rw_pci(p, cfg);
			break;
		case VUKP_CMD_GET_VIRTUALIZATION_MODE:
			if (!cfg->unlock)
				break;
			if (size != VUKP_VIRT_MODE_SIZE_OLD &&
			    size != VUKP_VIRT_MODE_SIZE_NEW) {
				done = bad_size(rt, cmd, size, "4 or 8");
				break;
			}
			vukp_dbg("virtualization mode %u -> %u", rd32(p, 0),
				 VUKP_VIRT_MODE_HOST);
			wr32(p, 0, VUKP_VIRT_MODE_HOST);
			done = VUKP_RW_VMODE;
			break;
		case VUKP_CMD_VGPU_CONFIG_GET_MIGRATION_CAP:
			if (!cfg->unlock_migration)
				break;
			if (size != VUKP_MIGRATION_CAP_SIZE) {
				done = bad_size(rt, cmd, size, "1");
				break;
			}
			vukp_dbg("migration cap %u -> 1", *(unsigned char *)p);
			*(unsigned char *)p = 1;
			done = VUKP_RW_MIGRATION;
			break;
		case VUKP_CMD_VGPU_GET_START_DATA:
		case VUKP_CMD_VGPU_CREATE_DEVICE:
			if (status != VUKP_NV_OK)
				break;
			if (cmd == VUKP_CMD_VGPU_GET_START_DATA ?
			    size != VUKP_START_DATA_SIZE :
			    size != VUKP_CREATE_DEVICE_SIZE_OLD &&
			    size != VUKP_CREATE_DEVICE_SIZE_NEW) {
				done = bad_size(rt, cmd, size,
						cmd == VUKP_CMD_VGPU_GET_START_DATA ?
						"1056" : "32 or 40");
				break;
			}
			/* both have the UUID at offset 0 */
			memcpy(rt->uuid, p, sizeof(rt->uuid));
			rt->have_uuid = true;
			if (__atomic_load_n(&vukp_log_debug, __ATOMIC_RELAXED)) {
				char u[37];

				vukp_format_uuid(rt->uuid, u);
				vukp_dbg("mdev UUID %s (control 0x%08x)", u, cmd);
			}
			done = VUKP_RW_UUID;
			break;
		case VUKP_CMD_VGPU_CONFIG_GET_TYPE_INFO:
		case VUKP_CMD_HOST_VGPU_GET_TYPE_INFO:
			if (status == VUKP_NV_OK)
				done = rw_profile(p, cmd, size, prof, rt);
			break;
		default:
			break;
		}
	}

	/* Status fix-ups. */
	if (status != VUKP_NV_OK &&
	    (cmd == VUKP_CMD_GET_ZBC_CLEAR_TABLE || cmd == VUKP_CMD_A082_UNNAMED_0104)) {
		vukp_dbg("control 0x%08x: status 0x%x -> NV_OK", cmd, status);
		wr32(nvos, VUKP_NVOS54_STATUS, VUKP_NV_OK);
		done |= VUKP_RW_STATUS;
	} else if (cmd == VUKP_CMD_GPU_GET_INFOROM_OBJECT_VERSION &&
		   status == VUKP_NV_ERR_NOT_SUPPORTED) {
		vukp_dbg("control 0x%08x: status NOT_SUPPORTED -> OBJECT_NOT_FOUND", cmd);
		wr32(nvos, VUKP_NVOS54_STATUS, VUKP_NV_ERR_OBJECT_NOT_FOUND);
		done |= VUKP_RW_STATUS;
	} else if (status != VUKP_NV_OK) {
		vukp_dbg("control 0x%08x failed with status 0x%x", cmd, status);
	}
	return done;
}
