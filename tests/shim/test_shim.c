// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Host unit tests of the shim's logic (linked against the static library
 * or, for the sanitizer run, against the sources).  KTAP output; exit 0
 * iff every case passed.  Offsets in the checks are literal numbers from
 * driver-interface.md §7, not the header macros, so a typo in the header is caught.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim.h"
#include "vukp_catalog.h"
#include "vukp_nvabi.h"
#include "../ktap.h"

/* ------------------------------------------------------------ framework */

static int t_num, t_pass, t_fail, t_cur_fail;
static char t_log[1 << 16];
static size_t t_loglen;
static char t_dir[64];

static void sink(enum vukp_log_level level, const char *line)
{
	size_t n = strlen(line);

	(void)level;
	if (t_loglen + n < sizeof(t_log)) {
		memcpy(t_log + t_loglen, line, n + 1);
		t_loglen += n;
	}
}

static void log_clear(void)
{
	t_loglen = 0;
	t_log[0] = '\0';
}

static int log_has(const char *s)
{
	return strstr(t_log, s) != NULL;
}

static int log_count(const char *s)
{
	const char *p = t_log;
	int n = 0;

	while ((p = strstr(p, s)) != NULL) {
		n++;
		p++;
	}
	return n;
}

#define EXPECT(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("# %s:%d: expected %s\n", __FILE__,	\
			       __LINE__, #cond);			\
			t_cur_fail = 1;					\
		}							\
	} while (0)

static void run(void (*fn)(void), const char *name)
{
	t_cur_fail = 0;
	log_clear();
	vukp_log_debug = true;	/* exercise the debug paths too */
	fn();
	t_num++;
	if (t_cur_fail) {
		char *line = strtok(t_log, "\n");
		int shown = 0;

		for (; line && shown < 30; line = strtok(NULL, "\n"), shown++)
			printf("# log: %s\n", line);
		ktap_result(0, "%s", name);
		t_fail++;
	} else {
		ktap_result(1, "%s", name);
		t_pass++;
	}
	fflush(stdout);
}

#define RUN(fn) run(fn, #fn)

/* -------------------------------------------------------------- helpers */

static uint32_t rd32(const void *p, size_t off)
{
	uint32_t v;

	memcpy(&v, (const char *)p + off, 4);
	return v;
}

static uint64_t rd64(const void *p, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)p + off, 8);
	return v;
}

static void wr32(void *p, size_t off, uint32_t v)
{
	memcpy((char *)p + off, &v, 4);
}

struct call {
	unsigned char nvos[32];
	unsigned char *params;
	size_t size;
};

/* params is allocated with exactly `size` bytes: ASan sees any overflow. */
static void call_init(struct call *c, uint32_t cmd, size_t size, uint32_t status,
		      int fill)
{
	uint64_t p;

	memset(c->nvos, 0, sizeof(c->nvos));
	c->size = size;
	c->params = malloc(size ? size : 1);
	memset(c->params, fill, size);
	p = (uint64_t)(uintptr_t)c->params;
	wr32(c->nvos, 0, 0xc1d00001);
	wr32(c->nvos, 8, cmd);
	memcpy(c->nvos + 16, &p, 8);
	wr32(c->nvos, 24, (uint32_t)size);
	wr32(c->nvos, 28, status);
}

static uint32_t call_status(const struct call *c)
{
	return rd32(c->nvos, 28);
}

static struct vukp_main_cfg cfg_default;
static struct vukp_profile_cfg prof_empty;

static unsigned int do_rw(struct call *c, const struct vukp_main_cfg *cfg,
			  struct vukp_profile_cfg *prof, struct vukp_rt *rt)
{
	struct vukp_rt local;

	if (!rt) {
		memset(&local, 0, sizeof(local));
		rt = &local;
	}
	return vukp_rewrite(c->nvos, cfg ? cfg : &cfg_default,
			    prof ? prof : &prof_empty, rt);
}

static unsigned int main_cfg(struct vukp_main_cfg *c, const char *text)
{
	return vukp_main_cfg_parse(c, text, strlen(text), "config.toml");
}

static unsigned int prof_cfg(struct vukp_profile_cfg *c, const char *text)
{
	return vukp_profile_cfg_parse(c, text, strlen(text), "profile_override.toml");
}

static void pci_call(struct call *c, uint16_t dev, uint16_t sub)
{
	call_init(c, 0x20801801, 16, 0, 0);
	wr32(c->params, 0, 0x10de | (uint32_t)dev << 16);
	wr32(c->params, 4, 0x1462 | (uint32_t)sub << 16);
	wr32(c->params, 8, 0xa1);
	wr32(c->params, 12, dev);
}

static int pci_is(struct call *c, uint16_t dev, uint16_t sub)
{
	return rd32(c->params, 0) == (0x10de | (uint32_t)dev << 16) &&
	       rd32(c->params, 4) == (0x1462 | (uint32_t)sub << 16) &&
	       rd32(c->params, 8) == 0xa1;
}

static void write_file(const char *name, const char *text, mode_t mode)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", t_dir, name);
	unlink(path);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static const char *tpath(const char *name)
{
	static char path[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", t_dir, name);
	return path[i];
}

/* ------------------------------------------------------------ PCI info */

static void test_pci_pascal_keeps_subsystem(void)
{
	struct call c;

	pci_call(&c, 0x1b06, 0x120f);	/* GTX 1080 Ti */
	EXPECT(do_rw(&c, NULL, NULL, NULL) == VUKP_RW_PCI);
	EXPECT(pci_is(&c, 0x1b38, 0x120f));
	EXPECT(rd32(c.params, 12) == 0x1b06);
	free(c.params);
}

static void test_pci_maxwell_and_turing_spoof_subsystem(void)
{
	struct call c;

	pci_call(&c, 0x1381, 0x1234);	/* GTX 750 */
	do_rw(&c, NULL, NULL, NULL);
	EXPECT(pci_is(&c, 0x13bd, 0x1160));
	free(c.params);
	pci_call(&c, 0x1e87, 0x1234);	/* RTX 2080 */
	do_rw(&c, NULL, NULL, NULL);
	EXPECT(pci_is(&c, 0x1e30, 0x12ba));
	free(c.params);
	pci_call(&c, 0x2204, 0x1234);	/* RTX 3090 */
	do_rw(&c, NULL, NULL, NULL);
	EXPECT(pci_is(&c, 0x2230, 0x1234));
	free(c.params);
}

static void test_pci_catalog_ranges(void)
{
	static const struct vukp_id_range map[] = VUKP_ID_MAP_INIT;
	static const unsigned short boards[] = VUKP_VGPU_BOARDS_INIT;
	size_t i, j;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		unsigned int ids[2] = { map[i].first, map[i].last };

		for (j = 0; j < 2; j++) {
			struct call c;
			size_t b;
			int board = 0;

			for (b = 0; b < sizeof(boards) / sizeof(boards[0]); b++)
				board |= boards[b] == ids[j];
			pci_call(&c, (uint16_t)ids[j], 0x4321);
			do_rw(&c, NULL, NULL, NULL);
			if (board)
				EXPECT(pci_is(&c, (uint16_t)ids[j], 0x4321));
			else
				EXPECT(pci_is(&c, map[i].target,
					      map[i].spoof_subsys ? map[i].spoof_subsys : 0x4321));
			free(c.params);
		}
	}
}

/* The override-key table: a string key's limit is what its field holds. */
static void test_ov_key_table(void)
{
	static const unsigned short name_len[VUKP_TI_LAYOUTS] = VUKP_TI_VGPU_NAME_LEN;
	unsigned int k, l, name_max = 0;

	for (l = 0; l < VUKP_TI_LAYOUTS; l++)
		if (name_len[l] > name_max)
			name_max = name_len[l];
	for (k = 0; k < VUKP_OV_COUNT; k++) {
		const struct vukp_ov_key *o = &vukp_ov_keys[k];

		EXPECT(o->name && o->field);
		if (o->kind == VUKP_F_NAME)
			EXPECT(o->cls == VUKP_OVC_STR && o->maxlen == name_max - 1);
		else if (o->kind == VUKP_F_STR)
			EXPECT(o->cls == VUKP_OVC_STR && o->maxlen == o->len - 1);
		else
			EXPECT(o->cls != VUKP_OVC_STR &&
			       o->len == (o->kind == VUKP_F_U64 ? 8u : 4u));
	}
}

/* The per-thread memo gives what a fresh lookup gives, whatever the order. */
static void test_pci_memo_same_as_lookup(void)
{
	static const uint16_t devs[] = { 0x1b06, 0x1b06, 0x13c2, 0x1b38, 0x0001,
					 0x1e87, 0x1b06, 0x2204, 0x0001, 0x1b06 };
	struct vukp_pci_memo memo = { 0 };
	struct vukp_pci_map pm = { 0x1e87, 0x1234, 0x5678 };
	struct vukp_main_cfg plain, memod;
	size_t i;

	vukp_main_cfg_default(&plain);
	plain.n_pci = 1;
	plain.pci = &pm;
	memod = plain;
	memod.memo = &memo;
	for (i = 0; i < 2 * sizeof(devs) / sizeof(devs[0]); i++) {
		uint16_t d = devs[i % 10], sub = (uint16_t)(i & 1 ? 0x4321 : 0x120f);
		uint16_t a1 = 0, a2 = 0, b1 = 0, b2 = 0;
		bool a = vukp_pci_lookup(&plain, d, sub, &a1, &a2);
		bool b = vukp_pci_lookup(&memod, d, sub, &b1, &b2);

		EXPECT(a == b);
		EXPECT(!a || (a1 == b1 && a2 == b2));
	}
	EXPECT(memo.valid);
}

static void test_pci_vgpu_boards_untouched(void)
{
	static const unsigned short ids[] = {
		0x1bb3, 0x1b38, 0x1eb8, 0x1db6, 0x13bd, 0x13f2, 0x1e30, 0x2230,
	};
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct call c;

		pci_call(&c, ids[i], 0x1212);
		EXPECT(do_rw(&c, NULL, NULL, NULL) == 0);
		EXPECT(pci_is(&c, ids[i], 0x1212));
		free(c.params);
	}
}

static void test_pci_unknown_device_untouched(void)
{
	struct call c;

	pci_call(&c, 0x2601, 0x1212);
	EXPECT(do_rw(&c, NULL, NULL, NULL) == 0);
	EXPECT(pci_is(&c, 0x2601, 0x1212));
	free(c.params);
	pci_call(&c, 0x1000, 0x1212);
	EXPECT(do_rw(&c, NULL, NULL, NULL) == 0);
	free(c.params);
}

static void test_pci_info_map_wins(void)
{
	struct vukp_main_cfg cfg;
	struct call c;

	EXPECT(main_cfg(&cfg, "[pci_info_map]\n"
			"0x1b06 = { device_id = 0x1b38, sub_system_id = 0x11d9 }\n"
			"\"7734\" = { device_id = 0x1eb8, sub_system_id = 0x12a2 }\n") == 0);
	EXPECT(cfg.n_pci == 2);
	pci_call(&c, 0x1b06, 0x120f);
	do_rw(&c, &cfg, NULL, NULL);
	EXPECT(pci_is(&c, 0x1b38, 0x11d9));
	free(c.params);
	pci_call(&c, 0x1e36, 0x1);	/* 7734 = 0x1e36, mapped to T4 */
	do_rw(&c, &cfg, NULL, NULL);
	EXPECT(pci_is(&c, 0x1eb8, 0x12a2));
	free(c.params);
	pci_call(&c, 0x1b80, 0x1);	/* not in the map: the built-in table */
	do_rw(&c, &cfg, NULL, NULL);
	EXPECT(pci_is(&c, 0x1b38, 0x1));
	free(c.params);
	vukp_main_cfg_free(&cfg);
	/* the map is consulted first, for vGPU boards too (vgpu_unlock-rs) */
	EXPECT(main_cfg(&cfg, "[pci_info_map]\n"
			"0x1eb8 = { device_id = 0x1e30, sub_system_id = 0x12ba }\n") == 0);
	pci_call(&c, 0x1eb8, 0x12a2);
	do_rw(&c, &cfg, NULL, NULL);
	EXPECT(pci_is(&c, 0x1e30, 0x12ba));
	free(c.params);
	vukp_main_cfg_free(&cfg);
}

static void test_pci_unlock_false(void)
{
	struct vukp_main_cfg cfg;
	struct call c;

	EXPECT(main_cfg(&cfg, "unlock = false\n") == 0);
	EXPECT(!cfg.unlock);
	pci_call(&c, 0x1b06, 0x120f);
	EXPECT(do_rw(&c, &cfg, NULL, NULL) == 0);
	EXPECT(pci_is(&c, 0x1b06, 0x120f));
	free(c.params);
	vukp_main_cfg_free(&cfg);
}

static void test_pci_bad_size_logged_once(void)
{
	struct vukp_rt rt;
	struct call c;

	memset(&rt, 0, sizeof(rt));
	call_init(&c, 0x20801801, 8, 0, 0x5a);
	EXPECT(do_rw(&c, NULL, NULL, &rt) == VUKP_RW_BADSIZE);
	EXPECT(do_rw(&c, NULL, NULL, &rt) == VUKP_RW_BADSIZE);
	EXPECT(rd32(c.params, 0) == 0x5a5a5a5a && rd32(c.params, 4) == 0x5a5a5a5a);
	EXPECT(log_count("unknown params size 8") == 1);
	free(c.params);
}

/* BUSY_RETRY: untouched; another failure: rewritten like vgpu_unlock-rs */
static void test_pci_failed_or_busy_untouched(void)
{
	struct call c;

	pci_call(&c, 0x1b06, 0x120f);
	wr32(c.nvos, 28, VUKP_NV_ERR_BUSY_RETRY);
	EXPECT(do_rw(&c, NULL, NULL, NULL) == 0);
	EXPECT(pci_is(&c, 0x1b06, 0x120f));
	EXPECT(call_status(&c) == VUKP_NV_ERR_BUSY_RETRY);
	free(c.params);

	pci_call(&c, 0x1b06, 0x120f);
	wr32(c.nvos, 28, VUKP_NV_ERR_INVALID_ARGUMENT);
	EXPECT(do_rw(&c, NULL, NULL, NULL) != 0);
	EXPECT(pci_is(&c, 0x1b38, 0x120f));
	EXPECT(call_status(&c) == VUKP_NV_ERR_INVALID_ARGUMENT);
	free(c.params);
}

static void test_pci_null_params_pointer(void)
{
	struct call c;

	pci_call(&c, 0x1b06, 0x120f);
	memset(c.nvos + 16, 0, 8);
	EXPECT(do_rw(&c, NULL, NULL, NULL) == 0);
	free(c.params);
}

/* ------------------------------------------------- virtualization mode */

static void test_vmode_4_and_8_bytes(void)
{
	struct call c;

	call_init(&c, 0x00800289, 4, 0, 0);
	EXPECT(do_rw(&c, NULL, NULL, NULL) == VUKP_RW_VMODE);
	EXPECT(rd32(c.params, 0) == 3);
	free(c.params);
	call_init(&c, 0x00800289, 8, 0, 0);
	c.params[4] = 1;	/* isGridBuild */
	c.params[5] = 0xaa;
	c.params[7] = 0xbb;
	EXPECT(do_rw(&c, NULL, NULL, NULL) == VUKP_RW_VMODE);
	EXPECT(rd32(c.params, 0) == 3);
	EXPECT(c.params[4] == 1 && c.params[5] == 0xaa && c.params[7] == 0xbb);
	free(c.params);
}

static void test_vmode_unlock_false_both_sizes(void)
{
	struct vukp_main_cfg cfg;
	size_t sz[] = { 4, 8 };
	int i;

	main_cfg(&cfg, "unlock = false");
	for (i = 0; i < 2; i++) {
		struct call c;

		call_init(&c, 0x00800289, sz[i], 0, 0);
		EXPECT(do_rw(&c, &cfg, NULL, NULL) == 0);
		EXPECT(rd32(c.params, 0) == 0);
		free(c.params);
	}
	vukp_main_cfg_free(&cfg);
}

static void test_vmode_bad_size(void)
{
	struct call c;

	call_init(&c, 0x00800289, 12, 0, 0);
	EXPECT(do_rw(&c, NULL, NULL, NULL) == VUKP_RW_BADSIZE);
	EXPECT(rd32(c.params, 0) == 0);
	EXPECT(log_has("control 0x00800289: unknown params size 12"));
	free(c.params);
}

/* ------------------------------------------------------- migration cap */

static void test_migration_cap(void)
{
	struct vukp_main_cfg cfg;
	struct call c;

	call_init(&c, 0xa0810112, 1, 0, 0);
	EXPECT(do_rw(&c, NULL, NULL, NULL) == 0);
	EXPECT(c.params[0] == 0);
	main_cfg(&cfg, "unlock_migration = true");
	EXPECT(do_rw(&c, &cfg, NULL, NULL) == VUKP_RW_MIGRATION);
	EXPECT(c.params[0] == 1);
	free(c.params);
	call_init(&c, 0xa0810112, 4, 0, 0);
	EXPECT(do_rw(&c, &cfg, NULL, NULL) == VUKP_RW_BADSIZE);
	EXPECT(rd32(c.params, 0) == 0);
	free(c.params);
	vukp_main_cfg_free(&cfg);
}

/* ------------------------------------------------------ status fix-ups */

static void test_status_zbc_and_a082_0104(void)
{
	uint32_t cmds[] = { 0x90960103, 0xa0820104 };
	int i;

	for (i = 0; i < 2; i++) {
		struct call c;

		call_init(&c, cmds[i], 0, VUKP_NV_ERR_NOT_SUPPORTED, 0);
		EXPECT(do_rw(&c, NULL, NULL, NULL) == VUKP_RW_STATUS);
		EXPECT(call_status(&c) == 0);
		wr32(c.nvos, 28, VUKP_NV_ERR_BUSY_RETRY);
		EXPECT(do_rw(&c, NULL, NULL, NULL) == 0);
		EXPECT(call_status(&c) == VUKP_NV_ERR_BUSY_RETRY);
		wr32(c.nvos, 28, 0);
		EXPECT(do_rw(&c, NULL, NULL, NULL) == 0);
		free(c.params);
	}
}

static void test_status_inforom(void)
{
	struct call c;

	call_init(&c, 0x2080014b, 0, VUKP_NV_ERR_NOT_SUPPORTED, 0);
	EXPECT(do_rw(&c, NULL, NULL, NULL) == VUKP_RW_STATUS);
	EXPECT(call_status(&c) == 0x57);
	wr32(c.nvos, 28, 0x1f);
	EXPECT(do_rw(&c, NULL, NULL, NULL) == 0);
	EXPECT(call_status(&c) == 0x1f);
	free(c.params);
	call_init(&c, 0x20801322, 0, VUKP_NV_ERR_NOT_SUPPORTED, 0);
	EXPECT(do_rw(&c, NULL, NULL, NULL) == 0);
	EXPECT(call_status(&c) == 0x56);
	free(c.params);
}

/* ----------------------------------------------------- profile overrides */

static const char *all_keys_profile =
	"[profile.nvidia-55]\n"
	"gpu_type = 56\n"
	"card_name = \"GRID P40-2Q-X\"\n"
	"vgpu_type = \"NVS\"\n"
	"features = \"Quadro-Virtual-DWS,5.0;GRID-Virtual-WS,2.0\"\n"
	"max_instances = 12\n"
	"num_displays = 2\n"
	"display_width = 1920\n"
	"display_height = 1080\n"
	"max_pixels = 2073600\n"
	"frl_config = 60\n"
	"cuda_enabled = 7\n"
	"ecc_supported = 0\n"
	"mig_instance_size = 3\n"
	"multi_vgpu_supported = 5\n"
	"pci_id = 0x1b38_11e8\n"
	"pci_device_id = 0x1b38\n"
	"framebuffer = \"1.5GiB\"\n"
	"mappable_video_size = 0x400000\n"
	"framebuffer_reservation = \"128 MiB\"\n"
	"encoder_capacity = 100\n"
	"bar1_length = 0x100\n"
	"frl_enabled = 2\n"
	"adapter_name = \"T\\u00e9sla \\U0001F600\"\n"
	"short_gpu_name = 'GP102GL'\n"
	"license_type = \"\"\"GRID-Virtual-PC,2.0;\\\n"
	"   Quadro-Virtual-DWS,5.0\"\"\"\n";

struct ti_case {
	uint32_t cmd, size;
	unsigned int info;	/* info offset in params */
	unsigned int name_len;
	/* literal offsets from driver-interface.md §7.6 (inside info) */
	unsigned int o_maxinst, o_fb, o_mappable, o_fbres, o_bar1, o_frl,
		     o_adapter, o_adapter_w, o_short, o_lic, o_license, o_class;
};

static const struct ti_case ti_cases[] = {
	{ 0xa0810103, 4960, 8, 32, 324, 392, 416, 408, 432, 440, 444, 508, 636, 700, 196, 36 },
	{ 0xa0810103, 5096, 8, 32, 324, 392, 416, 408, 432, 440, 444, 508, 636, 700, 196, 36 },
	{ 0xa0810103, 5232, 8, 32, 324, 392, 416, 408, 432, 440, 444, 508, 636, 700, 196, 36 },
	{ 0xa0810103, 5424, 8, 64, 388, 456, 480, 472, 496, 504, 508, 572, 700, 764, 260, 68 },
	{ 0xa0810103, 5432, 8, 64, 388, 456, 480, 472, 496, 504, 510, 574, 702, 766, 260, 68 },
	{ 0xa0820102, 1840, 0, 32, 324, 384, 392, 400, 416, 424, 428, 492, 620, 684, 196, 36 },
	{ 0xa0820102, 1848, 0, 32, 324, 384, 392, 400, 416, 424, 428, 492, 620, 684, 196, 36 },
	{ 0xa0820102, 2328, 0, 64, 388, 448, 456, 464, 480, 488, 492, 556, 684, 748, 260, 68 },
};

static void check_ti_case(const struct ti_case *t, struct vukp_profile_cfg *prof)
{
	static const uint16_t wide[] = { 'T', 0xe9, 's', 'l', 'a', ' ', 0xd83d, 0xde00, 0 };
	unsigned char *ref;
	unsigned char *in;
	struct call c;
	size_t i, changed = 0;

	call_init(&c, t->cmd, t->size, 0, 0x77);
	wr32(c.params, t->info, 55);
	ref = malloc(t->size);
	memcpy(ref, c.params, t->size);
	EXPECT(do_rw(&c, NULL, prof, NULL) == VUKP_RW_PROFILE);
	in = c.params + t->info;
	EXPECT(rd32(in, 0) == 56);
	EXPECT(!strcmp((char *)in + 4, "GRID P40-2Q-X"));
	EXPECT(in[4 + t->name_len - 1] == 0 && in[4 + 13] == 0);
	EXPECT(!strcmp((char *)in + t->o_class, "NVS"));
	EXPECT(!strcmp((char *)in + t->o_license,
		       "Quadro-Virtual-DWS,5.0;GRID-Virtual-WS,2.0"));
	EXPECT(rd32(in, t->o_maxinst) == 12);
	EXPECT(rd32(in, t->o_maxinst + 4) == 2);
	EXPECT(rd32(in, t->o_maxinst + 8) == 1920);
	EXPECT(rd32(in, t->o_maxinst + 12) == 1080);
	EXPECT(rd32(in, t->o_maxinst + 16) == 2073600);
	EXPECT(rd32(in, t->o_maxinst + 20) == 60);
	EXPECT(rd32(in, t->o_maxinst + 24) == 1);	/* cuda clamped */
	EXPECT(rd32(in, t->o_maxinst + 28) == 0);
	EXPECT(rd32(in, t->o_maxinst + 32) == 3);
	EXPECT(rd32(in, t->o_maxinst + 36) == 1);
	EXPECT(rd64(in, t->o_maxinst + 44) == 0x1b3811e8);	/* vdevId */
	EXPECT(rd64(in, t->o_maxinst + 52) == 0x1b38);		/* pdevId */
	EXPECT(rd64(in, t->o_fb) == 1610612736ULL);
	EXPECT(rd64(in, t->o_mappable) == 0x400000);
	EXPECT(rd64(in, t->o_fbres) == 128ULL << 20);
	EXPECT(rd32(in, t->o_bar1 - 8) == 100);		/* encoderCapacity */
	EXPECT(rd64(in, t->o_bar1) == 0x100);
	EXPECT(rd32(in, t->o_frl) == 1);
	EXPECT(!strcmp((char *)in + t->o_adapter, "T\xc3\xa9sla \xf0\x9f\x98\x80"));
	EXPECT(!memcmp(in + t->o_adapter_w, wide, sizeof(wide)));
	EXPECT(in[t->o_adapter_w + 127] == 0);
	EXPECT(!strcmp((char *)in + t->o_short, "GP102GL"));
	EXPECT(!strcmp((char *)in + t->o_lic,
		       "GRID-Virtual-PC,2.0;Quadro-Virtual-DWS,5.0"));
	/* nothing outside the written fields changed */
	for (i = 0; i < t->size; i++)
		changed += c.params[i] != ref[i];
	/* type, name, class, license, 10 u32, 6 u64, 2 u32, 4 strings */
	EXPECT(changed <= 4 + 2 * t->name_len + 128 + 10 * 4 + 6 * 8 + 2 * 4 +
			  64 + 128 + 64 + 128);
	EXPECT(c.params[t->size - 1] == 0x77);
	EXPECT(rd32(c.params, 0) == (t->info ? 0x77777777 : 56));
	EXPECT(c.params[t->info + t->o_lic + 128] == 0x77);
	if (t->cmd == 0xa0810103) {	/* profileSize / gspHeapSize untouched */
		EXPECT(rd64(in, t->o_maxinst + 60) == 0x7777777777777777ULL);
		EXPECT(rd64(in, t->o_fb + 8) == 0x7777777777777777ULL);
	}
	free(ref);
	free(c.params);
}

static void test_profile_every_layout(void)
{
	struct vukp_profile_cfg prof;
	size_t i;

	EXPECT(prof_cfg(&prof, all_keys_profile) == 0);
	EXPECT(prof.n == 1 && prof.sec[0].ov.set == (1u << VUKP_OV_COUNT) - 1);
	for (i = 0; i < sizeof(ti_cases) / sizeof(ti_cases[0]); i++)
		check_ti_case(&ti_cases[i], &prof);
	vukp_profile_cfg_free(&prof);
}

static void test_profile_other_type_untouched(void)
{
	struct vukp_profile_cfg prof;
	struct call c;

	prof_cfg(&prof, all_keys_profile);
	call_init(&c, 0xa0810103, 5432, 0, 0x11);
	wr32(c.params, 8, 54);
	EXPECT(do_rw(&c, NULL, &prof, NULL) == 0);
	EXPECT(rd32(c.params, 8 + 388) == 0x11111111);
	free(c.params);
	vukp_profile_cfg_free(&prof);
}

static void test_profile_only_on_success(void)
{
	struct vukp_profile_cfg prof;
	struct call c;

	prof_cfg(&prof, all_keys_profile);
	call_init(&c, 0xa0810103, 4960, VUKP_NV_ERR_INVALID_ARGUMENT, 0);
	wr32(c.params, 8, 55);
	EXPECT(do_rw(&c, NULL, &prof, NULL) == 0);
	EXPECT(rd32(c.params, 8) == 55 && rd32(c.params, 8 + 324) == 0);
	free(c.params);
	vukp_profile_cfg_free(&prof);
}

static void test_profile_unknown_size(void)
{
	struct vukp_profile_cfg prof;
	struct vukp_rt rt;
	struct call c;
	size_t i;

	memset(&rt, 0, sizeof(rt));
	prof_cfg(&prof, all_keys_profile);
	call_init(&c, 0xa0810103, 5000, 0, 0);
	wr32(c.params, 8, 55);
	EXPECT(do_rw(&c, NULL, &prof, &rt) == VUKP_RW_BADSIZE);
	EXPECT(do_rw(&c, NULL, &prof, &rt) == VUKP_RW_BADSIZE);
	for (i = 12; i < 5000; i++)
		if (c.params[i])
			break;
	EXPECT(i == 5000);
	EXPECT(log_count("unknown params size 5000") == 1);
	free(c.params);
	vukp_profile_cfg_free(&prof);
}

static void test_profile_name_too_long_for_32(void)
{
	struct vukp_profile_cfg prof;
	struct vukp_rt rt;
	struct call c;

	memset(&rt, 0, sizeof(rt));
	EXPECT(prof_cfg(&prof, "[profile.nvidia-55]\n"
			"card_name = \"0123456789012345678901234567890123456789\"\n"
			"max_instances = 3\n") == 0);
	call_init(&c, 0xa0810103, 4960, 0, 0);
	wr32(c.params, 8, 55);
	do_rw(&c, NULL, &prof, &rt);
	do_rw(&c, NULL, &prof, &rt);
	EXPECT(c.params[8 + 4] == 0 && rd32(c.params, 8 + 324) == 3);
	EXPECT(log_count("too long for this driver") == 1);
	free(c.params);
	call_init(&c, 0xa0810103, 5424, 0, 0);
	wr32(c.params, 8, 55);
	do_rw(&c, NULL, &prof, &rt);
	EXPECT(!strcmp((char *)c.params + 12, "0123456789012345678901234567890123456789"));
	free(c.params);
	vukp_profile_cfg_free(&prof);
}

static const unsigned char uuid_a[16] = {	/* 2b7bc7e4-8784-4933-8613-9bc92bbc718c */
	0xe4, 0xc7, 0x7b, 0x2b, 0x84, 0x87, 0x33, 0x49,
	0x86, 0x13, 0x9b, 0xc9, 0x2b, 0xbc, 0x71, 0x8c,
};
static const unsigned char uuid_vm100[16] = {	/* 00000001-0000-0000-0000-000000000100 */
	1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00,
};

static void test_uuid_format_and_vmid(void)
{
	unsigned char u[16];
	uint64_t vmid = 0;
	char s[37];

	vukp_format_uuid(uuid_a, s);
	EXPECT(!strcmp(s, "2b7bc7e4-8784-4933-8613-9bc92bbc718c"));
	EXPECT(!vukp_uuid_vmid(uuid_a, &vmid));
	EXPECT(vukp_uuid_vmid(uuid_vm100, &vmid) && vmid == 100);
	memcpy(u, uuid_vm100, 16);
	u[15] = 0x0a;	/* hex digit: not a VMID */
	EXPECT(!vukp_uuid_vmid(u, &vmid));
	u[15] = 0;
	u[9] = 1;	/* fourth group must be zero */
	EXPECT(!vukp_uuid_vmid(u, &vmid));
}

static void remember_uuid(struct vukp_rt *rt, uint32_t cmd, size_t size,
			  const unsigned char *u, unsigned int expect)
{
	struct call c;

	call_init(&c, cmd, size, 0, 0);
	memcpy(c.params, u, 16);
	EXPECT(do_rw(&c, NULL, NULL, rt) == expect);
	free(c.params);
}

static void test_uuid_from_start_data_and_create_device(void)
{
	struct vukp_rt rt;

	memset(&rt, 0, sizeof(rt));
	remember_uuid(&rt, 0xc01, 1056, uuid_a, VUKP_RW_UUID);
	EXPECT(rt.have_uuid && !memcmp(rt.uuid, uuid_a, 16));
	remember_uuid(&rt, 0xc02, 32, uuid_vm100, VUKP_RW_UUID);
	EXPECT(!memcmp(rt.uuid, uuid_vm100, 16));
	remember_uuid(&rt, 0xc02, 40, uuid_a, VUKP_RW_UUID);
	EXPECT(!memcmp(rt.uuid, uuid_a, 16));
	remember_uuid(&rt, 0xc02, 36, uuid_vm100, VUKP_RW_BADSIZE);
	remember_uuid(&rt, 0xc01, 1040, uuid_vm100, VUKP_RW_BADSIZE);
	EXPECT(!memcmp(rt.uuid, uuid_a, 16));
}

static const char *order_profile =
	"[vm.100]\nmax_instances = 3\n"
	"[mdev.2b7bc7e4-8784-4933-8613-9bc92bbc718c]\nmax_instances = 2\nnum_displays = 4\n"
	"[mdev.00000001-0000-0000-0000-000000000100]\nmax_instances = 2\n"
	/* vgpu_unlock-rs compares names as strings: these never match */
	"[mdev.2B7BC7E4-8784-4933-8613-9BC92BBC718C]\nnum_displays = 9\n"
	"[vm.0100]\nnum_displays = 9\n"
	"[profile.nvidia-055]\nnum_displays = 9\n"
	"[profile.nvidia-55]\nmax_instances = 1\nnum_displays = 1\nframebuffer = 5\n";

static uint32_t typeinfo_with(struct vukp_profile_cfg *prof, struct vukp_rt *rt,
			      unsigned int off)
{
	struct call c;
	uint32_t v;

	call_init(&c, 0xa0810103, 4960, 0, 0);
	wr32(c.params, 8, 55);
	do_rw(&c, NULL, prof, rt);
	v = rd32(c.params, 8 + off);
	free(c.params);
	return v;
}

static void test_override_order_profile_mdev_vm(void)
{
	struct vukp_profile_cfg prof;
	struct vukp_rt rt;

	memset(&rt, 0, sizeof(rt));
	EXPECT(prof_cfg(&prof, order_profile) == 0);
	EXPECT(prof.count[0] == 1 && prof.count[1] == 2 && prof.count[2] == 1);
	EXPECT(log_has("[mdev.2B7BC7E4-8784-4933-8613-9BC92BBC718C] can never match"));
	EXPECT(log_has("[vm.0100] can never match"));
	EXPECT(log_has("[profile.nvidia-055] can never match"));
	EXPECT(typeinfo_with(&prof, &rt, 324) == 1);		/* no UUID yet */
	remember_uuid(&rt, 0xc01, 1056, uuid_a, VUKP_RW_UUID);
	EXPECT(typeinfo_with(&prof, &rt, 324) == 2);		/* mdev wins */
	EXPECT(typeinfo_with(&prof, &rt, 328) == 4);
	EXPECT(typeinfo_with(&prof, &rt, 392) == 5);		/* from profile */
	remember_uuid(&rt, 0xc02, 40, uuid_vm100, VUKP_RW_UUID);
	EXPECT(typeinfo_with(&prof, &rt, 324) == 3);		/* vm wins */
	EXPECT(typeinfo_with(&prof, &rt, 328) == 1);
	vukp_profile_cfg_free(&prof);
}

/*
 * vgpu_unlock-rs copies a string's bytes as they are, NULs included, into
 * the zero-filled field, and UTF-16-encodes all of them for the wide
 * adapter name.
 */
static void test_override_string_with_nul(void)
{
	static const uint16_t wide[] = { 'A', 0, 'B', 0 };
	struct vukp_profile_cfg prof;
	struct call c;

	EXPECT(prof_cfg(&prof, "[profile.nvidia-55]\n"
			"adapter_name = \"A\\u0000B\"\n"
			"license_type = \"x\\u0000\"\n") == 0);
	call_init(&c, 0xa0810103, 4960, 0, 0x5a);
	wr32(c.params, 8, 55);
	EXPECT(do_rw(&c, NULL, &prof, NULL) == VUKP_RW_PROFILE);
	EXPECT(!memcmp(c.params + 8 + 444, "A\0B\0\0", 5));
	EXPECT(c.params[8 + 444 + 63] == 0);
	EXPECT(!memcmp(c.params + 8 + 508, wide, sizeof(wide)));
	EXPECT(c.params[8 + 508 + 127] == 0);
	EXPECT(!memcmp(c.params + 8 + 700, "x\0\0", 3) && c.params[8 + 700 + 127] == 0);
	EXPECT(c.params[8 + 700 + 128] == 0x5a);
	free(c.params);
	vukp_profile_cfg_free(&prof);
}

/* ------------------------------------------------------- value parsing */

static void test_human_numbers(void)
{
	static const struct { const char *s; uint64_t v; } ok[] = {
		{ "1234", 1234 }, { " 1234 ", 1234 }, { "1234kB", 1234000 },
		{ "1234KB", 1234000 }, { "2MB", 2000000 }, { "3GB", 3000000000ULL },
		{ "1TB", 1000000000000ULL }, { "1KiB", 1024 }, { "1 MiB", 1048576 },
		{ "1.5GiB", 1610612736ULL }, { "2 TiB", 2ULL << 40 },
		{ "0.5KiB", 512 }, { ".5KiB", 512 }, { "1.0005kB", 1001 },
		{ "16777215TiB", 16777215ULL << 40 },
		/* vgpu_unlock-rs semantics: f64 arithmetic, saturation */
		{ "1.KiB", 1024 }, { "00.5KiB", 512 }, { "1.5 kB", 1500 },
		{ "16777216TiB", UINT64_MAX }, { "1.1 TiB", 1209462790554ULL },
		{ "9007199254740993KB", 9007199254740992000ULL },
		{ "0.0000000005GB", 1 }, { "0.49999999999999994kB", 500 },
		{ "\xc2\xa0" "2 \xe3\x80\x80MiB\x0b", 2ULL << 20 },
		{ "18446744073709551615", UINT64_MAX },
	};
	static const char *const bad[] = {
		"", "  ", "1.5", "abc", "1 XB", "-1MiB", "1..2GB", "1 mib",
		"99999999999999999999", "GiB", "1GiB x", ".GiB", "+1GiB",
		"1e3MB", "1024B", "1.5.", "18446744073709551616", "1 kb",
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t v = 0;

		if (!vukp_parse_human(ok[i].s, &v) || v != ok[i].v) {
			printf("# human '%s' -> %llu\n", ok[i].s, (unsigned long long)v);
			t_cur_fail = 1;
		}
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v;

		if (vukp_parse_human(bad[i], &v)) {
			printf("# human '%s' accepted\n", bad[i]);
			t_cur_fail = 1;
		}
	}
	{	/* 400 nines: an infinite double, saturated like vgpu_unlock-rs */
		char big[410];
		uint64_t v = 0;

		memset(big, '9', 400);
		strcpy(big + 400, "KB");
		EXPECT(vukp_parse_human(big, &v) && v == UINT64_MAX);
		big[400] = '\0';	/* no unit: a u64, overflow is an error */
		EXPECT(!vukp_parse_human(big, &v));
	}
}

static void test_id_strings(void)
{
	uint32_t v = 0;

	EXPECT(vukp_parse_id_string("0x1b06", &v) && v == 0x1b06);
	EXPECT(vukp_parse_id_string("0X1B06", &v) && v == 0x1b06);
	EXPECT(vukp_parse_id_string("6918", &v) && v == 6918);
	EXPECT(vukp_parse_id_string("0b101", &v) && v == 5);
	EXPECT(vukp_parse_id_string(" 0x10 ", &v) && v == 16);
	EXPECT(vukp_parse_id_string("4294967295", &v) && v == 0xffffffffu);
	EXPECT(!vukp_parse_id_string("0x", &v));
	EXPECT(!vukp_parse_id_string("12a", &v));
	EXPECT(!vukp_parse_id_string("0x1_0", &v));
	EXPECT(!vukp_parse_id_string("4294967296", &v));
	EXPECT(!vukp_parse_id_string("", &v));
	EXPECT(!vukp_parse_id_string("0b2", &v));
	/* as Rust's trim + u32::from_str_radix: '+' allowed, Unicode blanks */
	EXPECT(vukp_parse_id_string("+7687", &v) && v == 7687);
	EXPECT(vukp_parse_id_string("0x+1e07", &v) && v == 0x1e07);
	EXPECT(vukp_parse_id_string("\xc2\xa0" "0x1E07\n", &v) && v == 0x1e07);
	EXPECT(!vukp_parse_id_string("+", &v));
	EXPECT(!vukp_parse_id_string("-1", &v));
	EXPECT(!vukp_parse_id_string("0x-1", &v));
	EXPECT(!vukp_parse_id_string("0o17", &v));
	EXPECT(!vukp_parse_id_string("0b", &v));
}

/* ---------------------------------------------------------------- TOML */

static struct vukp_tnode *parse(const char *text, unsigned int *nerr)
{
	return vukp_toml_parse(text, strlen(text), "t.toml", nerr);
}

static const struct vukp_tnode *path(const struct vukp_tnode *t, const char *a,
				     const char *b, const char *c)
{
	t = vukp_toml_find(t, a);
	if (t && b)
		t = vukp_toml_find(t, b);
	if (t && c)
		t = vukp_toml_find(t, c);
	return t;
}

static void test_toml_syntax(void)
{
	static const char text[] =
		"\xef\xbb\xbf# comment \xc3\xa9\r\n"
		"a = \"x\\ty\\u00e9\\U0001F600\\\\\\\"\"   # trailing\n"
		"b = 'C:\\path\\n'\n"
		"c = \"\"\"\nline1\n  line2 \\\n    cont\"\"\"\n"
		"d = '''\nraw \\n ''quoted'' '''\n"
		"e = 0xDEAD_beef\nf = 0o755\ng = 0b1010\nh = 1_000_000\ni = -42\nj = +7\n"
		"k = 3.14\nl = 1e6\nm = -inf\nn = true\no = false\n"
		"p = [1, 2,\n  3, # c\n]\n"
		"q = { x = 1, y.z = \"w\", in = { deep = [ { a = 1 } ] } }\n"
		"\"quoted key\" = 1\n'lit.key' = 2\n"
		"dot . ted . key = 3\n"
		"[t1 . \"sub.x\" ]\nv = 1\n"
		"[t2]\n[t2.inner]\nw = 2\n";
	const struct vukp_tnode *v;
	struct vukp_tnode *root;
	unsigned int nerr;

	root = parse(text, &nerr);
	EXPECT(nerr == 0);
	v = path(root, "a", NULL, NULL);
	EXPECT(v && v->type == VUKP_T_STRING &&
	       !strcmp(v->str, "x\ty\xc3\xa9\xf0\x9f\x98\x80\\\""));
	v = path(root, "b", NULL, NULL);
	EXPECT(v && !strcmp(v->str, "C:\\path\\n"));
	v = path(root, "c", NULL, NULL);
	EXPECT(v && !strcmp(v->str, "line1\n  line2 cont"));
	v = path(root, "d", NULL, NULL);
	EXPECT(v && !strcmp(v->str, "raw \\n ''quoted'' "));
	EXPECT((v = path(root, "e", NULL, NULL)) && v->u == 0xdeadbeef);
	EXPECT((v = path(root, "f", NULL, NULL)) && v->u == 0755);
	EXPECT((v = path(root, "g", NULL, NULL)) && v->u == 10);
	EXPECT((v = path(root, "h", NULL, NULL)) && v->u == 1000000);
	EXPECT((v = path(root, "i", NULL, NULL)) && v->u == 42 && v->neg);
	EXPECT((v = path(root, "j", NULL, NULL)) && v->u == 7 && !v->neg);
	EXPECT((v = path(root, "k", NULL, NULL)) && v->type == VUKP_T_FLOAT);
	EXPECT((v = path(root, "l", NULL, NULL)) && v->type == VUKP_T_FLOAT);
	EXPECT((v = path(root, "m", NULL, NULL)) && v->type == VUKP_T_FLOAT);
	EXPECT((v = path(root, "n", NULL, NULL)) && v->type == VUKP_T_BOOL && v->b);
	EXPECT((v = path(root, "o", NULL, NULL)) && v->type == VUKP_T_BOOL && !v->b);
	EXPECT((v = path(root, "p", NULL, NULL)) && v->type == VUKP_T_ARRAY &&
	       v->kids && v->kids->next && v->kids->next->next &&
	       v->kids->next->next->u == 3 && !v->kids->next->next->next);
	EXPECT((v = path(root, "q", "y", "z")) && !strcmp(v->str, "w"));
	EXPECT((v = path(root, "q", "in", "deep")) && v->type == VUKP_T_ARRAY);
	EXPECT((v = path(root, "quoted key", NULL, NULL)) && v->u == 1);
	EXPECT((v = path(root, "lit.key", NULL, NULL)) && v->u == 2);
	EXPECT((v = path(root, "dot", "ted", "key")) && v->u == 3);
	EXPECT((v = path(root, "t1", "sub.x", "v")) && v->u == 1);
	EXPECT((v = path(root, "t2", "inner", "w")) && v->u == 2);
	vukp_toml_free(root);
}

static void test_toml_invalid_lines(void)
{
	static const char *const bad[] = {
		"a =", "= 1", "a = 01", "a = 1__0", "a = _1", "a = 1_", "a = 0x",
		"a = +0x1", "a = 0xg", "a = 1979-05-27", "a = 07:32:00", "[a",
		"[[a]]", "a = {b = 1,}", "a = {b = 1", "a = [1 2]", "a = \"\\q\"",
		"a = \"\\uD800\"", "a = \"\\u12\"", "a = 1\na = 2", "a = 1\na.b = 2",
		"a.b = 1\n[a]", "[a]\n[a]", "a = {b=1}\n[a]", "a = {b=1}\na.c = 1",
		"a = 'x\nb'", "a = \"\xff\"", "a = \"\xc0\x80\"", "# \x01", "a = 1 b",
		"a = \"x\"\"", "a = tru", "a = nan1", "a = 99999999999999999999",
		"a = -9223372036854775809", "\"\"\"k\"\"\" = 1", "a = \"\"\"x",
		"a = '''x", "a = \"x\\", "a\n", "a = \"x\ry\"", "a = 1\r", "[]",
		"[a.]", "a = [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]",
		"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q = 1",
		"a = { b = \n 1 }", "a = 1e", "a = 1.e3", "a = .5",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned int nerr = 0;
		struct vukp_tnode *root = parse(bad[i], &nerr);

		if (!root || nerr == 0) {
			printf("# accepted: \"%s\"\n", bad[i]);
			t_cur_fail = 1;
		}
		vukp_toml_free(root);
	}
	EXPECT(log_has("t.toml:1: "));
}

static void test_toml_nul_bytes(void)
{
	static const char text[] = "a = 1\nb = \"x\0y\"\n# c\0d\nc\0 = 1\nd = 4\n";
	unsigned int nerr;
	struct vukp_tnode *root = vukp_toml_parse(text, sizeof(text) - 1, "n.toml", &nerr);
	const struct vukp_tnode *v;

	EXPECT(nerr == 3);
	EXPECT((v = vukp_toml_find(root, "a")) && v->u == 1);
	EXPECT((v = vukp_toml_find(root, "d")) && v->u == 4);
	EXPECT(!vukp_toml_find(root, "b"));
	EXPECT(log_has("n.toml:2: control character 0x00 in string"));
	EXPECT(log_has("n.toml:3: control character 0x00 in comment"));
	EXPECT(log_has("n.toml:4: "));
	vukp_toml_free(root);
}

static void test_toml_error_cap_and_node_limit(void)
{
	size_t cap = 64 * 1024, i, n = 0;
	char *text = malloc(cap * 8);
	struct vukp_tnode *root;
	unsigned int nerr;

	for (i = 0; i < 50; i++)
		n += (size_t)sprintf(text + n, "bad line %zu\n", i);
	root = vukp_toml_parse(text, n, "e.toml", &nerr);
	EXPECT(nerr == 50);
	EXPECT(log_count("e.toml:") == VUKP_TOML_MAX_ERRORS + 2);
	EXPECT(log_has("further errors not reported") && log_has("50 errors in total"));
	vukp_toml_free(root);
	log_clear();
	n = 0;
	for (i = 0; i < 20000; i++)
		n += (size_t)sprintf(text + n, "k%zu = %zu\n", i, i);
	root = vukp_toml_parse(text, n, "big.toml", &nerr);
	EXPECT(root && nerr == 1);
	EXPECT(log_has("more than 16384 keys") && log_has("rest of the file ignored"));
	vukp_toml_free(root);
	free(text);
}

static void test_toml_long_string(void)
{
	size_t n = VUKP_TOML_MAX_STR + 100;
	char *text = malloc(n + 16);
	struct vukp_tnode *root;
	unsigned int nerr;

	memcpy(text, "a = \"", 5);
	memset(text + 5, 'x', n);
	memcpy(text + 5 + n, "\"\nb = 1\n", 9);
	root = parse(text, &nerr);
	EXPECT(nerr == 1 && !vukp_toml_find(root, "a") && vukp_toml_find(root, "b"));
	EXPECT(log_has("longer than 4096 bytes"));
	vukp_toml_free(root);
	free(text);
}

/* ---------------------------------------------------------- config maps */

static void test_config_every_main_key(void)
{
	struct vukp_main_cfg c;

	EXPECT(main_cfg(&c, "unlock = false\nunlock_migration = true\ndebug = true\n"
			"pci_info_map = { 0x1b06 = { device_id = 0x1b38, sub_system_id = 0x11d9 } }\n") == 0);
	EXPECT(!c.unlock && c.unlock_migration && c.debug && c.n_pci == 1);
	EXPECT(c.pci[0].from == 0x1b06 && c.pci[0].device_id == 0x1b38 &&
	       c.pci[0].sub_system_id == 0x11d9);
	vukp_main_cfg_free(&c);
	EXPECT(main_cfg(&c, "") == 0);
	EXPECT(c.unlock && !c.unlock_migration && !c.debug && c.n_pci == 0);
	vukp_main_cfg_free(&c);
}

static void test_config_pci_map_forms(void)
{
	struct vukp_main_cfg c;

	EXPECT(main_cfg(&c, "[pci_info_map.0x1b06]\ndevice_id = 0x1b38\nsub_system_id = 0x11d9\n"
			"[pci_info_map.\"0b1111\"]\ndevice_id = 1\nsub_system_id = 2\n"
			"[pci_info_map]\n7734.device_id = 3\n7734.sub_system_id = 4\n") == 0);
	EXPECT(c.n_pci == 3);
	EXPECT(c.n_pci == 3 && c.pci[1].from == 15 && c.pci[2].from == 7734 &&
	       c.pci[2].sub_system_id == 4);
	vukp_main_cfg_free(&c);
}

static void test_config_pci_map_errors(void)
{
	struct vukp_main_cfg c;

	EXPECT(main_cfg(&c, "[pci_info_map]\n"
			"zz = { device_id = 1, sub_system_id = 2 }\n"
			"0x10 = { device_id = 1 }\n"
			"0x11 = { device_id = 0x10000, sub_system_id = 2 }\n"
			"0x12 = 5\n"
			"0x13 = { device_id = 1, sub_system_id = 2, extra = 1 }\n"
			"19 = { device_id = 7, sub_system_id = 8 }\n") == 4);
	/* "19" is 0x13 again: the later entry wins, as in vgpu_unlock-rs */
	EXPECT(c.n_pci == 1 && c.pci[0].from == 0x13 && c.pci[0].device_id == 7 &&
	       c.pci[0].sub_system_id == 8);
	EXPECT(log_has("config.toml:2: pci_info_map key 'zz'"));
	EXPECT(log_has("config.toml:3: pci_info_map.0x10 needs both"));
	EXPECT(log_has("config.toml:4: device_id = 65536 is out of range"));
	EXPECT(log_has("config.toml:7: pci_info_map entry for 0x0013 given twice; the later one is used"));
	EXPECT(log_has("warning: config.toml:6: unknown key pci_info_map.0x13.extra"));
	vukp_main_cfg_free(&c);
}

static void test_config_malformed_keeps_valid(void)
{
	struct vukp_main_cfg c;

	EXPECT(main_cfg(&c, "unlock = \"yes\"\n"
			"unlock_migration = true\n"
			"debug = \"unterminated\n"
			"unlock_migration = false\n"
			"typo_key = 1\n") == 3);
	EXPECT(c.unlock && c.unlock_migration);
	EXPECT(log_has("config.toml:1: unlock must be true or false"));
	EXPECT(log_has("config.toml:3: unterminated string"));
	EXPECT(log_has("config.toml:4: duplicate key 'unlock_migration'"));
	EXPECT(log_has("config.toml:5: unknown key 'typo_key' ignored"));
	vukp_main_cfg_free(&c);
}

static void test_config_every_override_key(void)
{
	struct vukp_profile_cfg p;
	const struct vukp_override *ov;

	EXPECT(prof_cfg(&p, all_keys_profile) == 0);
	ov = &p.sec[0].ov;
	EXPECT(p.n == 1 && p.sec[0].kind == VUKP_SECT_PROFILE && p.sec[0].id == 55);
	EXPECT(ov->num[VUKP_OV_GPU_TYPE] == 56 && ov->num[VUKP_OV_CUDA_ENABLED] == 1);
	EXPECT(ov->num[VUKP_OV_MULTI_VGPU_SUPPORTED] == 1 && ov->num[VUKP_OV_FRL_ENABLED] == 1);
	EXPECT(ov->num[VUKP_OV_FRAMEBUFFER] == 1610612736ULL);
	EXPECT(ov->num[VUKP_OV_PCI_ID] == 0x1b3811e8);
	EXPECT(!strcmp(ov->str[VUKP_OV_SHORT_GPU_NAME], "GP102GL"));
	vukp_profile_cfg_free(&p);
}

static void test_config_override_value_errors(void)
{
	struct vukp_profile_cfg p;
	char longname[200], text[1024];

	memset(longname, 'n', 64);
	longname[64] = '\0';
	snprintf(text, sizeof(text),
		 "[profile.nvidia-1]\n"
		 "gpu_type = 4294967296\n"		/* 2 */
		 "max_instances = -1\n"		/* 3 */
		 "num_displays = \"2\"\n"		/* 4 */
		 "card_name = \"%s\"\n"		/* 5: 64 > 63 */
		 "framebuffer = \"1 XB\"\n"		/* 6 */
		 "framebuffer_reservation = -5\n"	/* 7 */
		 "features = 5\n"			/* 8 */
		 "license_type = \"a\\u0000b\"\n"	/* ok: NUL kept */
		 "pci_id = 0xFFFF_FFFF_FFFF_FFFF\n"	/* 10: > i64 */
		 "display_width = 99999999999999999999\n"	/* 11 */
		 "cuda_enabled = 1.0\n"		/* 12 */
		 "display_height = 768\n"		/* ok */
		 "ecc_supported = true\n"		/* 14: u32, not bool */
		 "pci_device_id = 0x7FFF_FFFF_FFFF_FFFF\n"	/* ok */
		 "[profile.foo]\nmax_instances = 1\n"
		 "[mdev.not-a-uuid]\n[vm.abc]\n[vm.7]\n", longname);
	EXPECT(prof_cfg(&p, text) == 11);
	EXPECT(p.n == 2 && p.count[VUKP_SECT_VM] == 1);
	EXPECT(p.sec[0].ov.set == ((1u << VUKP_OV_LICENSE_TYPE) |
				   (1u << VUKP_OV_PCI_DEVICE_ID) |
				   (1u << VUKP_OV_DISPLAY_HEIGHT)));
	EXPECT(p.sec[0].ov.num[VUKP_OV_PCI_DEVICE_ID] == (uint64_t)INT64_MAX);
	EXPECT(p.sec[0].ov.num[VUKP_OV_LICENSE_TYPE] == 3 &&
	       !memcmp(p.sec[0].ov.str[VUKP_OV_LICENSE_TYPE], "a\0b", 4));
	EXPECT(log_has("profile_override.toml:2: gpu_type = 4294967296 is out of range"));
	EXPECT(log_has("profile_override.toml:3: max_instances must not be negative"));
	EXPECT(log_has("profile_override.toml:4: num_displays must be an integer"));
	EXPECT(log_has("profile_override.toml:5: card_name is 64 bytes long"));
	EXPECT(log_has("profile_override.toml:6: framebuffer = \"1 XB\" is not a size"));
	EXPECT(log_has("profile_override.toml:10: integer too large"));
	EXPECT(log_has("profile_override.toml:11: integer too large"));
	EXPECT(log_has("profile_override.toml:14: ecc_supported must be an integer, not a boolean"));
	EXPECT(log_has("[profile.foo] can never match"));
	EXPECT(log_has("[mdev.not-a-uuid] can never match"));
	EXPECT(log_has("[vm.abc] can never match"));
	vukp_profile_cfg_free(&p);
}

static void test_config_duplicate_sections(void)
{
	struct vukp_profile_cfg p;

	EXPECT(prof_cfg(&p, "[profile.nvidia-1]\nmax_instances = 1\n"
			"[profile.nvidia-1]\nmax_instances = 2\n"
			"[vm.5]\nmax_instances = 5\n") == 1);
	EXPECT(p.n == 2 && p.sec[0].ov.num[VUKP_OV_MAX_INSTANCES] == 1);
	EXPECT(log_has("profile_override.toml:3: table 'nvidia-1' is defined more than once"));
	vukp_profile_cfg_free(&p);
}

/* ----------------------------------------------------------------- files */

static void test_file_absent_defaults(void)
{
	struct vukp_env env = { tpath("nope.toml"), tpath("nope2.toml"), NULL, false };
	struct vukp_state s;

	vukp_state_init(&s, &env);
	EXPECT(s.main_file.state == VUKP_FILE_ABSENT && s.main.unlock);
	EXPECT(s.prof_file.state == VUKP_FILE_ABSENT && s.prof.n == 0);
	EXPECT(t_loglen == 0);
	vukp_state_free(&s);
}

static void test_file_world_and_group_writable_refused(void)
{
	mode_t modes[] = { 0666, 0620 };
	int i;

	for (i = 0; i < 2; i++) {
		struct vukp_env env = { tpath("ww.toml"), tpath("nope.toml"), NULL, false };
		struct vukp_state s;

		write_file("ww.toml", "unlock = false\n", modes[i]);
		log_clear();
		vukp_state_init(&s, &env);
		EXPECT(s.main_file.state == VUKP_FILE_REFUSED && s.main.unlock);
		EXPECT(log_has("refusing") && log_has("writable by group or others"));
		vukp_state_free(&s);
	}
}

static void test_file_not_root_owned_refused(void)
{
	struct vukp_env env = { tpath("own.toml"), tpath("nope.toml"), NULL, false };
	struct vukp_state s;

	if (geteuid() != 0) {
		printf("# not root: owner check only testable as root\n");
		return;
	}
	write_file("own.toml", "unlock = false\n", 0644);
	EXPECT(chown(tpath("own.toml"), 65534, 65534) == 0);
	vukp_state_init(&s, &env);
	EXPECT(s.main_file.state == VUKP_FILE_REFUSED && s.main.unlock);
	EXPECT(log_has("owned by uid 65534"));
	vukp_state_free(&s);
}

static void test_file_symlink_target_checked(void)
{
	struct vukp_env env = { tpath("link.toml"), tpath("nope.toml"), NULL, false };
	struct vukp_state s;

	write_file("target.toml", "unlock = false\n", 0644);
	unlink(tpath("link.toml"));
	EXPECT(symlink(tpath("target.toml"), tpath("link.toml")) == 0);
	vukp_state_init(&s, &env);
	EXPECT(s.main_file.state == VUKP_FILE_LOADED && !s.main.unlock);
	vukp_state_free(&s);
	chmod(tpath("target.toml"), 0646);
	vukp_state_init(&s, &env);
	EXPECT(s.main_file.state == VUKP_FILE_REFUSED && s.main.unlock);
	vukp_state_free(&s);
}

static void test_file_100mb_refused(void)
{
	struct vukp_env env = { tpath("huge.toml"), tpath("nope.toml"), NULL, false };
	struct vukp_state s;
	int fd;

	unlink(tpath("huge.toml"));
	fd = open(tpath("huge.toml"), O_CREAT | O_WRONLY, 0644);
	EXPECT(fd >= 0 && ftruncate(fd, 100 << 20) == 0);
	close(fd);
	vukp_state_init(&s, &env);
	EXPECT(s.main_file.state == VUKP_FILE_REFUSED && s.main.unlock);
	EXPECT(log_has("larger than the 1048576 byte limit"));
	vukp_state_free(&s);
	unlink(tpath("huge.toml"));
}

static void test_file_not_regular_refused(void)
{
	struct vukp_env env = { tpath("fifo"), t_dir, NULL, false };
	struct vukp_state s;

	unlink(tpath("fifo"));
	EXPECT(mkfifo(tpath("fifo"), 0644) == 0);
	vukp_state_init(&s, &env);	/* must not block on the FIFO */
	EXPECT(s.main_file.state == VUKP_FILE_REFUSED);
	EXPECT(s.prof_file.state == VUKP_FILE_REFUSED);
	EXPECT(log_count("not a regular file") == 2);
	vukp_state_free(&s);
}

static void test_file_reload_only_when_changed(void)
{
	struct vukp_env env = { tpath("r.toml"), tpath("rp.toml"), NULL, false };
	struct vukp_state s;

	write_file("r.toml", "unlock = false\n", 0644);
	write_file("rp.toml", "[vm.1]\nmax_instances = 1\n", 0644);
	vukp_state_init(&s, &env);
	EXPECT(!s.main.unlock && s.prof.n == 1);
	EXPECT(!vukp_state_refresh_main(&s) && !vukp_state_refresh_profile(&s));
	write_file("r.toml", "unlock = true\nunlock_migration = true\n", 0644);
	EXPECT(vukp_state_refresh_main(&s));
	EXPECT(s.main.unlock && s.main.unlock_migration);
	EXPECT(!vukp_state_refresh_main(&s));
	write_file("rp.toml", "[vm.1]\nmax_instances = 1\n[vm.2]\n", 0644);
	EXPECT(vukp_state_refresh_profile(&s) && s.prof.n == 2);
	/* a broken rewrite keeps the valid part */
	write_file("r.toml", "unlock_migration = true\nunlock = nope\n", 0644);
	EXPECT(vukp_state_refresh_main(&s));
	EXPECT(s.main.unlock && s.main.unlock_migration && s.main_file.nerrors == 1);
	unlink(tpath("r.toml"));
	EXPECT(vukp_state_refresh_main(&s));
	EXPECT(s.main_file.state == VUKP_FILE_ABSENT && !s.main.unlock_migration);
	vukp_state_free(&s);
}

/*
 * A rewrite within one timestamp tick can keep size, inode, mtime and
 * ctime.  vgpu_unlock-rs reads the override file on every call, so the new
 * content must still be seen: the signature is forced equal here.
 */
static void test_file_same_signature_rewrite(void)
{
	struct vukp_env env = { tpath("nf.toml"), tpath("sp.toml"), NULL, false };
	struct vukp_state s;
	struct stat st;
	FILE *f;

	write_file("sp.toml", "[vm.1]\nmax_instances = 1\n", 0644);
	vukp_state_init(&s, &env);
	EXPECT(s.prof.n == 1 && s.prof.sec[0].ov.num[VUKP_OV_MAX_INSTANCES] == 1);
	EXPECT(!vukp_state_refresh_profile(&s));	/* unchanged content */
	f = fopen(tpath("sp.toml"), "r+");
	EXPECT(f && fputs("[vm.1]\nmax_instances = 7\n", f) >= 0);
	if (f)
		fclose(f);
	EXPECT(stat(tpath("sp.toml"), &st) == 0);
	s.prof_file.sig.exists = true;
	s.prof_file.sig.dev = st.st_dev;
	s.prof_file.sig.ino = st.st_ino;
	s.prof_file.sig.size = st.st_size;
	s.prof_file.sig.mtim = st.st_mtim;
	s.prof_file.sig.ctim = st.st_ctim;
	EXPECT(vukp_state_refresh_profile(&s));
	EXPECT(s.prof.n == 1 && s.prof.sec[0].ov.num[VUKP_OV_MAX_INSTANCES] == 7);
	EXPECT(!vukp_state_refresh_profile(&s));
	vukp_state_free(&s);
}

static void test_env_and_at_secure(void)
{
	struct vukp_env env = { tpath("e.toml"), tpath("ep.toml"), "1", false };
	struct vukp_state s;

	write_file("e.toml", "unlock = false\n", 0644);
	vukp_state_init(&s, &env);
	EXPECT(!s.main.unlock && s.env_debug && vukp_log_debug);
	EXPECT(!strcmp(s.main_file.path, tpath("e.toml")));
	vukp_state_free(&s);
	env.debug = "0";
	vukp_state_init(&s, &env);
	EXPECT(!s.env_debug && !vukp_log_debug);
	vukp_state_free(&s);
	env.debug = "1";
	env.secure = true;
	vukp_state_init(&s, &env);
	EXPECT(!strcmp(s.main_file.path, VUKP_DEFAULT_CONFIG_PATH));
	EXPECT(!strcmp(s.prof_file.path, VUKP_DEFAULT_PROFILE_PATH));
	EXPECT(!s.env_debug);
	EXPECT(log_has("AT_SECURE"));
	vukp_state_free(&s);
}

static void test_effective_config_line(void)
{
	struct vukp_env env = { tpath("l.toml"), tpath("lp.toml"), NULL, false };
	struct vukp_state s;

	write_file("l.toml", "unlock_migration = true\n[pci_info_map]\n"
		   "0x1b06 = { device_id = 0x1b38, sub_system_id = 0x11d9 }\nbad\n", 0644);
	write_file("lp.toml", order_profile, 0644);
	vukp_state_init(&s, &env);
	log_clear();
	vukp_state_log_effective(&s);
	EXPECT(log_has("version " VUKP_SHIM_VERSION));
	EXPECT(log_has("(loaded, 1 error): unlock=true unlock_migration=true"));
	EXPECT(log_has("pci_info_map={0x1b06->0x1b38:0x11d9}"));
	EXPECT(log_has("(loaded): 1 profile, 2 mdev, 1 vm sections"));
	EXPECT(log_count("\n") == 1);
	vukp_state_free(&s);
}

int main(void)
{
	snprintf(t_dir, sizeof(t_dir), "/tmp/vukp-shim-test.XXXXXX");
	if (!mkdtemp(t_dir)) {
		perror("mkdtemp");
		return 2;
	}
	vukp_log_set_sink(sink);
	vukp_main_cfg_default(&cfg_default);
	ktap_start();

	RUN(test_pci_pascal_keeps_subsystem);
	RUN(test_pci_maxwell_and_turing_spoof_subsystem);
	RUN(test_pci_catalog_ranges);
	RUN(test_pci_memo_same_as_lookup);
	RUN(test_ov_key_table);
	RUN(test_pci_vgpu_boards_untouched);
	RUN(test_pci_unknown_device_untouched);
	RUN(test_pci_info_map_wins);
	RUN(test_pci_unlock_false);
	RUN(test_pci_bad_size_logged_once);
	RUN(test_pci_failed_or_busy_untouched);
	RUN(test_pci_null_params_pointer);
	RUN(test_vmode_4_and_8_bytes);
	RUN(test_vmode_unlock_false_both_sizes);
	RUN(test_vmode_bad_size);
	RUN(test_migration_cap);
	RUN(test_status_zbc_and_a082_0104);
	RUN(test_status_inforom);
	RUN(test_profile_every_layout);
	RUN(test_profile_other_type_untouched);
	RUN(test_profile_only_on_success);
	RUN(test_profile_unknown_size);
	RUN(test_profile_name_too_long_for_32);
	RUN(test_uuid_format_and_vmid);
	RUN(test_uuid_from_start_data_and_create_device);
	RUN(test_override_order_profile_mdev_vm);
	RUN(test_override_string_with_nul);
	RUN(test_human_numbers);
	RUN(test_id_strings);
	RUN(test_toml_syntax);
	RUN(test_toml_invalid_lines);
	RUN(test_toml_nul_bytes);
	RUN(test_toml_error_cap_and_node_limit);
	RUN(test_toml_long_string);
	RUN(test_config_every_main_key);
	RUN(test_config_pci_map_forms);
	RUN(test_config_pci_map_errors);
	RUN(test_config_malformed_keeps_valid);
	RUN(test_config_every_override_key);
	RUN(test_config_override_value_errors);
	RUN(test_config_duplicate_sections);
	RUN(test_file_absent_defaults);
	RUN(test_file_world_and_group_writable_refused);
	RUN(test_file_not_root_owned_refused);
	RUN(test_file_symlink_target_checked);
	RUN(test_file_100mb_refused);
	RUN(test_file_not_regular_refused);
	RUN(test_file_reload_only_when_changed);
	RUN(test_file_same_signature_rewrite);
	RUN(test_env_and_at_secure);
	RUN(test_effective_config_line);

	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t_dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", t_dir);
	}
	return ktap_finish();
}
