// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * config.toml and profile_override.toml: reading (bounded, permission
 * checked), mapping the TOML tree to settings, change detection.
 *
 * Policy: nothing here aborts.  A key with a bad value is logged with
 * file:line and skipped; everything valid is kept.  A file that cannot be
 * used at all (refused, unreadable) counts as absent: defaults apply.
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim.h"

/*
 * The override keys: name, value class, and the type-info field each one
 * writes (offset per layout, include/vukp_nvabi.h).  The one table both
 * the parser and the rewrite read.
 */
#define VUKP_NAME_MAX	63	/* the largest VUKP_TI_VGPU_NAME_LEN, less the NUL */
#define OV(e, key, cls, max, fld, kind, len, off) \
	[VUKP_OV_##e] = { key, VUKP_OVC_##cls, max, fld, VUKP_F_##kind, len, off }
const struct vukp_ov_key vukp_ov_keys[VUKP_OV_COUNT] = {
	OV(GPU_TYPE, "gpu_type", U32, 0,
	   "vgpuType", U32, 4, VUKP_TI_VGPU_TYPE),
	OV(CARD_NAME, "card_name", STR, VUKP_NAME_MAX,
	   "vgpuName", NAME, 0, VUKP_TI_VGPU_NAME),
	OV(VGPU_TYPE, "vgpu_type", STR, VUKP_NAME_MAX,
	   "vgpuClass", NAME, 0, VUKP_TI_VGPU_CLASS),
	OV(FEATURES, "features", STR, VUKP_TI_LICENSE_LEN - 1,
	   "license", STR, VUKP_TI_LICENSE_LEN, VUKP_TI_LICENSE),
	OV(MAX_INSTANCES, "max_instances", U32, 0,
	   "maxInstance", U32, 4, VUKP_TI_MAX_INSTANCE),
	OV(NUM_DISPLAYS, "num_displays", U32, 0,
	   "numHeads", U32, 4, VUKP_TI_NUM_HEADS),
	OV(DISPLAY_WIDTH, "display_width", U32, 0,
	   "maxResolutionX", U32, 4, VUKP_TI_MAX_RES_X),
	OV(DISPLAY_HEIGHT, "display_height", U32, 0,
	   "maxResolutionY", U32, 4, VUKP_TI_MAX_RES_Y),
	OV(MAX_PIXELS, "max_pixels", U32, 0,
	   "maxPixels", U32, 4, VUKP_TI_MAX_PIXELS),
	OV(FRL_CONFIG, "frl_config", U32, 0,
	   "frlConfig", U32, 4, VUKP_TI_FRL_CONFIG),
	OV(CUDA_ENABLED, "cuda_enabled", BOOL, 0,
	   "cudaEnabled", U32, 4, VUKP_TI_CUDA_ENABLED),
	OV(ECC_SUPPORTED, "ecc_supported", BOOL, 0,
	   "eccSupported", U32, 4, VUKP_TI_ECC_SUPPORTED),
	OV(MIG_INSTANCE_SIZE, "mig_instance_size", U32, 0,
	   "gpuInstanceSize", U32, 4, VUKP_TI_GPU_INSTANCE_SIZE),
	OV(MULTI_VGPU_SUPPORTED, "multi_vgpu_supported", BOOL, 0,
	   "multiVgpuSupported", U32, 4, VUKP_TI_MULTI_VGPU),
	OV(PCI_ID, "pci_id", U64, 0,
	   "vdevId", U64, 8, VUKP_TI_VDEV_ID),
	OV(PCI_DEVICE_ID, "pci_device_id", U64, 0,
	   "pdevId", U64, 8, VUKP_TI_PDEV_ID),
	OV(FRAMEBUFFER, "framebuffer", HUMAN, 0,
	   "fbLength", U64, 8, VUKP_TI_FB_LENGTH),
	OV(MAPPABLE_VIDEO_SIZE, "mappable_video_size", HUMAN, 0,
	   "mappableVideoSize", U64, 8, VUKP_TI_MAPPABLE_VIDEO),
	OV(FRAMEBUFFER_RESERVATION, "framebuffer_reservation", HUMAN, 0,
	   "fbReservation", U64, 8, VUKP_TI_FB_RESERVATION),
	OV(ENCODER_CAPACITY, "encoder_capacity", U32, 0,
	   "encoderCapacity", U32, 4, VUKP_TI_ENCODER_CAPACITY),
	OV(BAR1_LENGTH, "bar1_length", U64, 0,
	   "bar1Length", U64, 8, VUKP_TI_BAR1_LENGTH),
	OV(FRL_ENABLED, "frl_enabled", BOOL, 0,
	   "frlEnable", U32, 4, VUKP_TI_FRL_ENABLE),
	OV(ADAPTER_NAME, "adapter_name", STR, VUKP_TI_ADAPTER_NAME_LEN - 1,
	   "adapterName", STR, VUKP_TI_ADAPTER_NAME_LEN, VUKP_TI_ADAPTER_NAME),
	OV(SHORT_GPU_NAME, "short_gpu_name", STR, VUKP_TI_SHORT_GPU_NAME_LEN - 1,
	   "shortGpuNameString", STR, VUKP_TI_SHORT_GPU_NAME_LEN, VUKP_TI_SHORT_GPU_NAME),
	OV(LICENSE_TYPE, "license_type", STR, VUKP_TI_LICENSED_PRODUCT_LEN - 1,
	   "licensedProductName", STR, VUKP_TI_LICENSED_PRODUCT_LEN, VUKP_TI_LICENSED_PRODUCT),
};
#undef OV

/* ---------------------------------------------------------------- values */

/*
 * Byte length of the Unicode White_Space character at p (UTF-8, already
 * validated by the parser), 0 if there is none.  This is the set Rust's
 * str::trim removes, which vgpu_unlock-rs applies to human sizes and to
 * pci_info_map keys.
 */
static size_t uws_len(const char *sp, const char *e)
{
	uint32_t c;
	size_t n = vukp_utf8_decode((const unsigned char *)sp, (size_t)(e - sp), &c);

	if (!n)
		return 0;
	if (c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xa0 ||
	    c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
	    c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000)
		return n;
	return 0;
}

static void uws_trim_start(const char **s, const char *e)
{
	size_t n;

	while ((n = uws_len(*s, e)) != 0)
		*s += n;
}

/* Trim both ends of [*s, *e). */
static void uws_trim(const char **s, const char **e)
{
	const char *p, *end;
	size_t n;

	uws_trim_start(s, *e);
	for (p = end = *s; p < *e; ) {
		n = uws_len(p, *e);
		if (n) {
			p += n;
		} else {
			p++;
			end = p;
		}
	}
	*e = end;
}

/*
 * vgpu_unlock-rs "human number", reproduced exactly: the string is trimmed
 * (Unicode white space); if it is only digits and dots it must be a plain
 * u64; otherwise the leading run of digits and dots is a decimal number
 * (at least one digit, at most one dot, "1." and ".5" allowed), then
 * optional white space and one of kB/KB/MB/GB/TB (x1000) or
 * KiB/MiB/GiB/TiB (x1024), case-sensitive.  Like vgpu_unlock-rs, the number
 * is an IEEE double (correctly rounded, C locale), multiplied by the unit
 * in double precision, rounded half away from zero and converted with
 * saturation (anything >= 2^64 gives 2^64-1).
 */
bool vukp_parse_human(const char *s, uint64_t *out)
{
	static const struct { const char *unit; uint64_t mult; } units[] = {
		{ "kB", 1000ULL }, { "KB", 1000ULL }, { "MB", 1000000ULL },
		{ "GB", 1000000000ULL }, { "TB", 1000000000000ULL },
		{ "KiB", 1ULL << 10 }, { "MiB", 1ULL << 20 },
		{ "GiB", 1ULL << 30 }, { "TiB", 1ULL << 40 },
	};
	static locale_t c_locale;
	const char *e = s + strlen(s), *u, *end;
	uint64_t mult = 0, ip, t;
	size_t i, nd = 0;
	bool dot = false;
	double x, frac;

	uws_trim(&s, &e);
	if (e == s)
		return false;
	for (u = s; u < e && ((*u >= '0' && *u <= '9') || *u == '.'); u++) {
		if (*u == '.') {
			if (dot)
				return false;
			dot = true;
			continue;
		}
		nd++;
	}
	if (u == e) {
		/* no unit: a plain u64, no dot, no overflow */
		if (dot || !nd || (size_t)(e - s) != nd)
			return false;
		for (ip = 0, u = s; u < e; u++) {
			if (ip > (UINT64_MAX - (uint64_t)(*u - '0')) / 10)
				return false;
			ip = ip * 10 + (uint64_t)(*u - '0');
		}
		*out = ip;
		return true;
	}
	if (!nd)
		return false;
	end = u;
	uws_trim_start(&u, e);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if ((size_t)(e - u) == strlen(units[i].unit) &&
		    !memcmp(u, units[i].unit, (size_t)(e - u)))
			mult = units[i].mult;
	if (!mult)
		return false;
	if (!c_locale)
		c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	{
		char *stop = NULL;

		x = c_locale ? strtod_l(s, &stop, c_locale) : strtod(s, &stop);
		if (stop != end)
			return false;
	}
	x *= (double)mult;
	if (!(x >= 0))
		return false;
	if (x >= 18446744073709551616.0) {
		*out = UINT64_MAX;
		return true;
	}
	t = (uint64_t)x;		/* truncates; exact below 2^64 */
	frac = x - (double)t;		/* exact */
	if (frac >= 0.5)
		t++;
	*out = t;
	return true;
}

/*
 * pci_info_map key, as vgpu_unlock-rs reads it: trimmed (Unicode white
 * space), then a "0b" or "0x" prefix (any case) selects base 2 or 16, else
 * base 10; then an optional '+' and at least one digit of that base, u32.
 */
bool vukp_parse_id_string(const char *s, uint32_t *out)
{
	unsigned int radix = 10;
	uint64_t v = 0;
	const char *e = s + strlen(s);

	uws_trim(&s, &e);
	if (e - s >= 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		radix = 2, s += 2;
	else if (e - s >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		radix = 16, s += 2;
	if (s < e && *s == '+')
		s++;
	if (s == e)
		return false;
	for (; s < e; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (*s >= 'a' && *s <= 'f')
			d = (unsigned int)(*s - 'a' + 10);
		else if (*s >= 'A' && *s <= 'F')
			d = (unsigned int)(*s - 'A' + 10);
		else
			return false;
		if (d >= radix)
			return false;
		v = v * radix + d;
		if (v > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

static bool get_uint(const struct vukp_tnode *v, uint64_t max, uint64_t *out,
		     const char *fname, const char *what)
{
	if (v->type != VUKP_T_INT) {
		vukp_err("%s:%u: %s must be an integer, not a%s %s", fname,
			 v->line, what, v->type == VUKP_T_ARRAY ? "n" : "",
			 vukp_toml_type_name(v->type));
		return false;
	}
	if (v->neg) {
		vukp_err("%s:%u: %s must not be negative", fname, v->line, what);
		return false;
	}
	if (v->u > max) {
		vukp_err("%s:%u: %s = %llu is out of range (0..%llu)", fname,
			 v->line, what, (unsigned long long)v->u,
			 (unsigned long long)max);
		return false;
	}
	*out = v->u;
	return true;
}

static bool get_bool(const struct vukp_tnode *v, bool *out, const char *fname,
		     const char *what)
{
	if (v->type != VUKP_T_BOOL) {
		vukp_err("%s:%u: %s must be true or false", fname, v->line, what);
		return false;
	}
	*out = v->b;
	return true;
}

/* ------------------------------------------------------------ config.toml */

void vukp_main_cfg_default(struct vukp_main_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->unlock = true;
}

void vukp_main_cfg_free(struct vukp_main_cfg *c)
{
	free(c->pci);
	vukp_main_cfg_default(c);
}

static unsigned int map_pci(struct vukp_main_cfg *c, const struct vukp_tnode *t,
			    const char *fname)
{
	const struct vukp_tnode *e, *f;
	unsigned int nerr = 0;
	size_t n = 0;

	if (t->type != VUKP_T_TABLE) {
		vukp_err("%s:%u: pci_info_map must be a table", fname, t->line);
		return 1;
	}
	for (e = t->kids; e; e = e->next)
		n++;
	c->pci = calloc(n ? n : 1, sizeof(*c->pci));
	if (!c->pci) {
		vukp_err("%s: out of memory", fname);
		return 1;
	}
	for (e = t->kids; e; e = e->next) {
		struct vukp_pci_map m = { 0, 0, 0 };
		bool have_dev = false, have_sub = false, bad = false;
		uint64_t v;
		size_t i;

		if (!vukp_parse_id_string(e->key, &m.from)) {
			vukp_err("%s:%u: pci_info_map key '%s' is not a device id (decimal, 0x hex or 0b binary)",
				 fname, e->line, e->key);
			nerr++;
			continue;
		}
		if (e->type != VUKP_T_TABLE) {
			vukp_err("%s:%u: pci_info_map.%s must be a table { device_id = .., sub_system_id = .. }",
				 fname, e->line, e->key);
			nerr++;
			continue;
		}
		for (f = e->kids; f; f = f->next) {
			if (!strcmp(f->key, "device_id")) {
				if (get_uint(f, 0xffff, &v, fname, "device_id"))
					m.device_id = (uint16_t)v, have_dev = true;
				else
					bad = true;
			} else if (!strcmp(f->key, "sub_system_id")) {
				if (get_uint(f, 0xffff, &v, fname, "sub_system_id"))
					m.sub_system_id = (uint16_t)v, have_sub = true;
				else
					bad = true;
			} else {
				vukp_warn("%s:%u: unknown key pci_info_map.%s.%s ignored",
					  fname, f->line, e->key, f->key);
			}
		}
		if (!bad && (!have_dev || !have_sub)) {
			vukp_err("%s:%u: pci_info_map.%s needs both device_id and sub_system_id",
				 fname, e->line, e->key);
			bad = true;
		}
		if (bad) {
			nerr++;
			continue;
		}
		/* two spellings of one id ("0x10", "16"): the later one wins */
		for (i = 0; i < c->n_pci; i++)
			if (c->pci[i].from == m.from)
				break;
		if (i < c->n_pci)
			vukp_warn("%s:%u: pci_info_map entry for 0x%04x given twice; the later one is used",
				  fname, e->line, m.from);
		else
			c->n_pci++;
		c->pci[i] = m;
	}
	return nerr;
}

unsigned int vukp_main_cfg_parse(struct vukp_main_cfg *c, const char *buf,
				 size_t len, const char *fname)
{
	const struct vukp_tnode *k;
	struct vukp_tnode *root;
	unsigned int nerr;

	vukp_main_cfg_default(c);
	root = vukp_toml_parse(buf, len, fname, &nerr);
	if (!root)
		return nerr;
	for (k = root->kids; k; k = k->next) {
		bool ok = true;

		if (!strcmp(k->key, "unlock"))
			ok = get_bool(k, &c->unlock, fname, "unlock");
		else if (!strcmp(k->key, "unlock_migration"))
			ok = get_bool(k, &c->unlock_migration, fname,
				      "unlock_migration");
		else if (!strcmp(k->key, "debug"))
			ok = get_bool(k, &c->debug, fname, "debug");
		else if (!strcmp(k->key, "pci_info_map") && !c->pci)
			nerr += map_pci(c, k, fname);
		else
			vukp_warn("%s:%u: unknown key '%s' ignored", fname,
				  k->line, k->key);
		if (!ok)
			nerr++;
	}
	vukp_toml_free(root);
	return nerr;
}

/* --------------------------------------------------- profile_override.toml */

void vukp_profile_cfg_free(struct vukp_profile_cfg *c)
{
	size_t i;
	int k;

	for (i = 0; i < c->n; i++) {
		free(c->sec[i].name);
		for (k = 0; k < VUKP_OV_COUNT; k++)
			free(c->sec[i].ov.str[k]);
	}
	free(c->sec);
	memset(c, 0, sizeof(*c));
}

/*
 * A decimal number written the way vgpu_unlock-rs formats it (it compares
 * section names as strings): digits only, no leading zero except "0".
 */
static bool parse_dec(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

/*
 * An mdev UUID as vgpu_unlock-rs prints it (and compares it, as a string):
 * 8-4-4-4-12 lower-case hex digits.
 */
static bool is_uuid(const char *s)
{
	int i;

	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
			     (s[i] >= 'a' && s[i] <= 'f'))) {
			return false;
		}
	}
	return s[36] == '\0';
}

/* Returns false when the value was rejected (logged). */
static bool map_override_key(struct vukp_override *ov, const struct vukp_tnode *v,
			     const char *fname)
{
	const struct vukp_ov_key *k = NULL;
	uint64_t n = 0;
	int i;

	for (i = 0; i < VUKP_OV_COUNT; i++)
		if (!strcmp(v->key, vukp_ov_keys[i].name))
			k = &vukp_ov_keys[i];
	if (!k) {
		vukp_warn("%s:%u: unknown key '%s' ignored", fname, v->line, v->key);
		return true;
	}
	i = (int)(k - vukp_ov_keys);
	switch (k->cls) {
	case VUKP_OVC_U32:
		if (!get_uint(v, UINT32_MAX, &n, fname, k->name))
			return false;
		break;
	case VUKP_OVC_BOOL:
		/* a u32, as in vgpu_unlock-rs (true/false are not accepted) */
		if (!get_uint(v, UINT32_MAX, &n, fname, k->name))
			return false;
		n = n ? 1 : 0;	/* clamp, as vgpu_unlock-rs */
		break;
	case VUKP_OVC_U64:
		if (!get_uint(v, UINT64_MAX, &n, fname, k->name))
			return false;
		break;
	case VUKP_OVC_HUMAN:
		if (v->type == VUKP_T_STRING) {
			if (strlen(v->str) != v->len || !vukp_parse_human(v->str, &n)) {
				vukp_err("%s:%u: %s = \"%s\" is not a size (e.g. 1073741824, \"1GiB\", \"1.5 GB\")",
					 fname, v->line, k->name, v->str);
				return false;
			}
		} else if (!get_uint(v, UINT64_MAX, &n, fname, k->name)) {
			return false;
		}
		break;
	case VUKP_OVC_STR:
		if (v->type != VUKP_T_STRING) {
			vukp_err("%s:%u: %s must be a string", fname, v->line, k->name);
			return false;
		}
		if (v->len > k->maxlen) {
			vukp_err("%s:%u: %s is %zu bytes long, at most %u fit",
				 fname, v->line, k->name, v->len, k->maxlen);
			return false;
		}
		/* NULs (\u0000) are kept and copied, as vgpu_unlock-rs does */
		free(ov->str[i]);
		ov->str[i] = malloc(v->len + 1);
		if (!ov->str[i]) {
			vukp_err("%s: out of memory", fname);
			return false;
		}
		memcpy(ov->str[i], v->str, v->len + 1);
		n = v->len;	/* num[] holds the byte length of a string */
		break;
	}
	ov->num[i] = n;
	ov->set |= 1u << i;
	return true;
}

static unsigned int map_sections(struct vukp_profile_cfg *c,
				 const struct vukp_tnode *t,
				 enum vukp_sect_kind kind, const char *fname)
{
	static const char *const kname[] = { "profile", "mdev", "vm" };
	const struct vukp_tnode *s, *v;
	unsigned int nerr = 0;
	size_t n = 0;

	if (t->type != VUKP_T_TABLE) {
		vukp_err("%s:%u: '%s' must be a table of sections", fname,
			 t->line, kname[kind]);
		return 1;
	}
	for (s = t->kids; s; s = s->next)
		n++;
	if (n) {
		struct vukp_section *sec = realloc(c->sec, (c->n + n) * sizeof(*sec));

		if (!sec) {
			vukp_err("%s: out of memory", fname);
			return 1;
		}
		c->sec = sec;
	}
	for (s = t->kids; s; s = s->next) {
		struct vukp_section *sec = &c->sec[c->n];
		uint64_t id = 0;
		bool match_ok;

		switch (kind) {
		case VUKP_SECT_PROFILE:
			match_ok = !strncmp(s->key, "nvidia-", 7) &&
				   parse_dec(s->key + 7, UINT32_MAX, &id);
			break;
		case VUKP_SECT_MDEV:
			match_ok = is_uuid(s->key);
			break;
		default:
			match_ok = parse_dec(s->key, UINT64_MAX, &id);
			break;
		}
		if (!match_ok) {
			vukp_warn("%s:%u: section [%s.%s] can never match (expected %s); ignored",
				  fname, s->line, kname[kind], s->key,
				  kind == VUKP_SECT_PROFILE ? "nvidia-<vGPU type id>, in decimal without leading zeros" :
				  kind == VUKP_SECT_MDEV ? "an mdev UUID in lower case" :
				  "a VM id in decimal without leading zeros");
			continue;
		}
		if (s->type != VUKP_T_TABLE) {
			vukp_err("%s:%u: [%s.%s] must be a table", fname, s->line,
				 kname[kind], s->key);
			nerr++;
			continue;
		}
		memset(sec, 0, sizeof(*sec));
		sec->kind = kind;
		sec->id = id;
		sec->line = s->line;
		sec->name = strdup(s->key);
		if (!sec->name) {
			vukp_err("%s: out of memory", fname);
			nerr++;
			continue;
		}
		for (v = s->kids; v; v = v->next)
			if (!map_override_key(&sec->ov, v, fname))
				nerr++;
		c->n++;
		c->count[kind]++;
	}
	return nerr;
}

unsigned int vukp_profile_cfg_parse(struct vukp_profile_cfg *c, const char *buf,
				    size_t len, const char *fname)
{
	static const char *const kinds[] = { "profile", "mdev", "vm" };
	const struct vukp_tnode *k;
	struct vukp_tnode *root;
	unsigned int nerr;
	int i;

	memset(c, 0, sizeof(*c));
	root = vukp_toml_parse(buf, len, fname, &nerr);
	if (!root)
		return nerr;
	/* Fixed order: profile, then mdev, then vm (the application order). */
	for (i = 0; i < 3; i++) {
		k = vukp_toml_find(root, kinds[i]);
		if (k)
			nerr += map_sections(c, k, (enum vukp_sect_kind)i, fname);
	}
	for (k = root->kids; k; k = k->next)
		if (strcmp(k->key, "profile") && strcmp(k->key, "mdev") &&
		    strcmp(k->key, "vm"))
			vukp_warn("%s:%u: unknown key '%s' ignored", fname,
				  k->line, k->key);
	vukp_toml_free(root);
	return nerr;
}

/* ------------------------------------------------------------------ files */

/*
 * Read a configuration file.  Symbolic links are followed; every check is
 * made on the opened target (fstat), so there is no window between check
 * and use.  Returns 0, -ENOENT (absent: silent), -EPERM (refused) or
 * another -errno (unreadable); the reason is logged except for -ENOENT.
 */
int vukp_read_config_file(const char *path, char **bufp, size_t *lenp)
{
	struct stat st;
	size_t len = 0, cap;
	char *buf;
	int fd, err;

	*bufp = NULL;
	*lenp = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		err = errno;
		if (err != ENOENT)
			vukp_err("cannot open %s: %s", path, strerror(err));
		return -err;
	}
	if (fstat(fd, &st) < 0) {
		err = errno;
		vukp_err("cannot stat %s: %s", path, strerror(err));
		close(fd);
		return -err;
	}
	if (!S_ISREG(st.st_mode)) {
		vukp_err("refusing %s: not a regular file", path);
		close(fd);
		return -EPERM;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		vukp_err("refusing %s: owned by uid %u, not root; fix with: chown root %s",
			 path, (unsigned int)st.st_uid, path);
		close(fd);
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		vukp_err("refusing %s: writable by group or others (mode %04o); fix with: chmod go-w %s",
			 path, (unsigned int)(st.st_mode & 07777), path);
		close(fd);
		return -EPERM;
	}
	if (st.st_size > VUKP_MAX_FILE_SIZE) {
		vukp_err("refusing %s: %lld bytes, larger than the %d byte limit",
			 path, (long long)st.st_size, VUKP_MAX_FILE_SIZE);
		close(fd);
		return -EFBIG;
	}
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		vukp_err("cannot read %s: out of memory", path);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t r;

		if (len == cap) {
			char *nb;

			if (cap > VUKP_MAX_FILE_SIZE) {
				free(buf);
				close(fd);
				vukp_err("refusing %s: larger than the %d byte limit",
					 path, VUKP_MAX_FILE_SIZE);
				return -EFBIG;
			}
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				close(fd);
				vukp_err("cannot read %s: out of memory", path);
				return -ENOMEM;
			}
			buf = nb;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = errno;
			free(buf);
			close(fd);
			vukp_err("cannot read %s: %s", path, strerror(err));
			return -err;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (len > VUKP_MAX_FILE_SIZE) {
		free(buf);
		vukp_err("refusing %s: larger than the %d byte limit", path,
			 VUKP_MAX_FILE_SIZE);
		return -EFBIG;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
}

static void file_sig(const char *path, struct vukp_file_sig *sig)
{
	struct stat st;

	memset(sig, 0, sizeof(*sig));
	if (stat(path, &st) < 0)
		return;
	sig->exists = true;
	sig->dev = st.st_dev;
	sig->ino = st.st_ino;
	sig->size = st.st_size;
	sig->mtim = st.st_mtim;
	sig->ctim = st.st_ctim;
}

static bool sig_equal(const struct vukp_file_sig *a, const struct vukp_file_sig *b)
{
	return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino &&
	       a->size == b->size && a->mtim.tv_sec == b->mtim.tv_sec &&
	       a->mtim.tv_nsec == b->mtim.tv_nsec &&
	       a->ctim.tv_sec == b->ctim.tv_sec &&
	       a->ctim.tv_nsec == b->ctim.tv_nsec;
}

/* Has the file changed since the last load?  Updates the signature. */
static bool file_changed(struct vukp_file *f)
{
	struct vukp_file_sig sig;

	file_sig(f->path, &sig);
	if (f->checked && sig_equal(&sig, &f->sig))
		return false;
	f->sig = sig;
	f->checked = true;
	return true;
}

static uint64_t fnv1a(const char *b, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)b[i]) * 0x100000001b3ULL;
	return h;
}

/*
 * File timestamps come from a coarse clock: two writes within one tick
 * can leave size, inode, mtime and ctime all equal.  While the last
 * modification is that recent, the content is compared too.
 */
static bool sig_racy(const struct vukp_file_sig *sig)
{
	struct timespec now;

	if (!sig->exists || clock_gettime(CLOCK_REALTIME, &now))
		return false;
	return now.tv_sec - sig->mtim.tv_sec < 3 || now.tv_sec - sig->ctim.tv_sec < 3;
}

/* Same signature, but recently modified: has the content changed? */
static bool content_changed(struct vukp_file *f)
{
	size_t len;
	char *buf;
	bool same;

	if (!f->racy || f->state != VUKP_FILE_LOADED)
		return false;
	if (vukp_read_config_file(f->path, &buf, &len))
		return true;	/* reload; it sets the state and logs */
	same = fnv1a(buf, len) == f->hash;
	free(buf);
	if (same)
		f->racy = sig_racy(&f->sig);
	return !same;
}

/* Load a file into buf; sets f->state. */
static char *file_load(struct vukp_file *f, size_t *len)
{
	char *buf;
	int r = vukp_read_config_file(f->path, &buf, len);

	f->nerrors = 0;
	if (r == -ENOENT)
		f->state = VUKP_FILE_ABSENT;
	else if (r == -EPERM || r == -EFBIG)
		f->state = VUKP_FILE_REFUSED;
	else if (r < 0)
		f->state = VUKP_FILE_UNREADABLE;
	else
		f->state = VUKP_FILE_LOADED;
	f->hash = r ? 0 : fnv1a(buf, *len);
	f->racy = sig_racy(&f->sig);
	return r ? NULL : buf;
}

bool vukp_state_refresh_main(struct vukp_state *s)
{
	size_t len;
	char *buf;

	if (!file_changed(&s->main_file) && !content_changed(&s->main_file))
		return false;
	vukp_main_cfg_free(&s->main);
	buf = file_load(&s->main_file, &len);
	if (buf)
		s->main_file.nerrors = vukp_main_cfg_parse(&s->main, buf, len,
							   s->main_file.path);
	free(buf);
	__atomic_store_n(&vukp_log_debug, s->env_debug || s->main.debug, __ATOMIC_RELAXED);
	return true;
}

bool vukp_state_refresh_profile(struct vukp_state *s)
{
	size_t len;
	char *buf;

	if (!file_changed(&s->prof_file) && !content_changed(&s->prof_file))
		return false;
	vukp_profile_cfg_free(&s->prof);
	buf = file_load(&s->prof_file, &len);
	if (buf)
		s->prof_file.nerrors = vukp_profile_cfg_parse(&s->prof, buf, len,
							      s->prof_file.path);
	free(buf);
	return true;
}

void vukp_env_from_process(struct vukp_env *env)
{
	static const char *const names[] = {
		"VGPU_UNLOCK_CONFIG_PATH", "VGPU_UNLOCK_PROFILE_OVERRIDE_CONFIG_PATH",
		"VGPU_UNLOCK_DEBUG",
	};
	size_t i;

	/* secure_getenv: NULL in a setuid / AT_SECURE process */
	env->secure = getauxval(AT_SECURE) != 0;
	env->config_path = secure_getenv(names[0]);
	env->profile_path = secure_getenv(names[1]);
	env->debug = secure_getenv(names[2]);
	env->ignored = false;
	for (i = 0; env->secure && i < sizeof(names) / sizeof(names[0]); i++)
		if (getenv(names[i]))	/* only to say that it is ignored */
			env->ignored = true;
}

void vukp_state_init(struct vukp_state *s, const struct vukp_env *env)
{
	memset(s, 0, sizeof(*s));
	s->main_file.path = VUKP_DEFAULT_CONFIG_PATH;
	s->prof_file.path = VUKP_DEFAULT_PROFILE_PATH;
	if (env->secure) {
		if (env->ignored || env->config_path || env->profile_path || env->debug)
			vukp_warn("running with AT_SECURE: VGPU_UNLOCK_* environment variables ignored");
	} else {
		if (env->config_path && *env->config_path)
			s->main_file.path = env->config_path;
		if (env->profile_path && *env->profile_path)
			s->prof_file.path = env->profile_path;
		s->env_debug = env->debug && *env->debug && strcmp(env->debug, "0");
	}
	vukp_main_cfg_default(&s->main);
	__atomic_store_n(&vukp_log_debug, s->env_debug, __ATOMIC_RELAXED);
	vukp_state_refresh_main(s);
	vukp_state_refresh_profile(s);
}

void vukp_state_free(struct vukp_state *s)
{
	vukp_main_cfg_free(&s->main);
	vukp_profile_cfg_free(&s->prof);
}

static const char *file_state(const struct vukp_file *f, char *buf, size_t n)
{
	switch (f->state) {
	case VUKP_FILE_ABSENT:
		return "absent";
	case VUKP_FILE_REFUSED:
		return "refused";
	case VUKP_FILE_UNREADABLE:
		return "unreadable";
	default:
		break;
	}
	if (!f->nerrors)
		return "loaded";
	snprintf(buf, n, "loaded, %u error%s", f->nerrors,
		 f->nerrors == 1 ? "" : "s");
	return buf;
}

void vukp_state_log_effective(const struct vukp_state *s)
{
	char map[256], st1[48], st2[48];
	size_t i, off = 0;

	map[0] = '\0';
	for (i = 0; i < s->main.n_pci && off < sizeof(map) - 64; i++) {
		int r = snprintf(map + off, sizeof(map) - off, "%s0x%04x->0x%04x:0x%04x",
				 i ? "," : "", s->main.pci[i].from,
				 s->main.pci[i].device_id, s->main.pci[i].sub_system_id);
		if (r > 0)
			off += (size_t)r;
	}
	if (i < s->main.n_pci)
		snprintf(map + off, sizeof(map) - off, ",+%zu more", s->main.n_pci - i);
	vukp_info("version %s; %s (%s): unlock=%s unlock_migration=%s debug=%s pci_info_map={%s}; %s (%s): %u profile, %u mdev, %u vm sections",
		  VUKP_SHIM_VERSION, s->main_file.path,
		  file_state(&s->main_file, st1, sizeof(st1)),
		  s->main.unlock ? "true" : "false",
		  s->main.unlock_migration ? "true" : "false",
		  vukp_log_debug ? "true" : "false", map, s->prof_file.path,
		  file_state(&s->prof_file, st2, sizeof(st2)),
		  s->prof.count[VUKP_SECT_PROFILE], s->prof.count[VUKP_SECT_MDEV],
		  s->prof.count[VUKP_SECT_VM]);
}
