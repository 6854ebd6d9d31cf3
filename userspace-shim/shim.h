/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Internal interfaces of the LD_PRELOAD shim.  Everything here is hidden
 * (-fvisibility=hidden + version script); the only export is ioctl().
 *
 *   log.c       one-line logging to stderr
 *   toml.c      bounded TOML-subset parser -> tree
 *   config.c    config.toml / profile_override.toml: files, checks, mapping
 *   rewrite.c   the control rewrites (pure: NVOS54 + config + runtime state)
 *   interpose.c ioctl(), locking, lazy initialisation
 */
#ifndef VUKP_SHIM_H
#define VUKP_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "vukp_nvabi.h"

#ifndef VUKP_SHIM_VERSION
#define VUKP_SHIM_VERSION "0.1.0"
#endif

#define VUKP_DEFAULT_CONFIG_PATH	"/etc/vgpu_unlock/config.toml"
#define VUKP_DEFAULT_PROFILE_PATH	"/etc/vgpu_unlock/profile_override.toml"
#define VUKP_MAX_FILE_SIZE		(1024 * 1024)

/* ---- log.c ---- */
enum vukp_log_level { VUKP_LOG_ERR, VUKP_LOG_WARN, VUKP_LOG_INFO, VUKP_LOG_DEBUG };
typedef void (*vukp_log_sink_fn)(enum vukp_log_level level, const char *line);

extern bool vukp_log_debug;	/* read lock-free: __atomic_* access */
void vukp_log_set_sink(vukp_log_sink_fn fn);
void vukp_log(enum vukp_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define vukp_err(...)	vukp_log(VUKP_LOG_ERR, __VA_ARGS__)
#define vukp_warn(...)	vukp_log(VUKP_LOG_WARN, __VA_ARGS__)
#define vukp_info(...)	vukp_log(VUKP_LOG_INFO, __VA_ARGS__)
#define vukp_dbg(...)							\
	do {								\
		if (__atomic_load_n(&vukp_log_debug, __ATOMIC_RELAXED))	\
			vukp_log(VUKP_LOG_DEBUG, __VA_ARGS__);		\
	} while (0)

/* ---- toml.c ---- */
#define VUKP_TOML_MAX_STR	4096	/* bytes of one decoded string or key */
#define VUKP_TOML_MAX_PARTS	16	/* components of one dotted key */
#define VUKP_TOML_MAX_DEPTH	16	/* nested arrays / inline tables */
#define VUKP_TOML_MAX_NODES	16384	/* keys + values in one document */
#define VUKP_TOML_MAX_ERRORS	10	/* logged per document */

enum vukp_ttype {
	VUKP_T_TABLE, VUKP_T_ARRAY, VUKP_T_STRING, VUKP_T_INT, VUKP_T_FLOAT,
	VUKP_T_BOOL,
};

struct vukp_tnode {
	enum vukp_ttype type;
	unsigned int line;
	unsigned int flags;		/* toml.c private */
	char *key;			/* NUL-terminated; NULL for array items */
	size_t keylen;
	struct vukp_tnode *kids, *last;	/* table members / array items */
	struct vukp_tnode *next;
	char *str;			/* VUKP_T_STRING, NUL-terminated */
	size_t len;
	uint64_t u;			/* VUKP_T_INT magnitude */
	bool neg;			/* VUKP_T_INT sign */
	bool b;				/* VUKP_T_BOOL */
};

struct vukp_tnode *vukp_toml_parse(const char *buf, size_t len,
				   const char *fname, unsigned int *nerrors);
void vukp_toml_free(struct vukp_tnode *node);
const struct vukp_tnode *vukp_toml_find(const struct vukp_tnode *table,
					const char *key);
const char *vukp_toml_type_name(enum vukp_ttype type);
size_t vukp_utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp);

/* ---- config.c ---- */
enum vukp_ov {
	VUKP_OV_GPU_TYPE, VUKP_OV_CARD_NAME, VUKP_OV_VGPU_TYPE, VUKP_OV_FEATURES,
	VUKP_OV_MAX_INSTANCES, VUKP_OV_NUM_DISPLAYS, VUKP_OV_DISPLAY_WIDTH,
	VUKP_OV_DISPLAY_HEIGHT, VUKP_OV_MAX_PIXELS, VUKP_OV_FRL_CONFIG,
	VUKP_OV_CUDA_ENABLED, VUKP_OV_ECC_SUPPORTED, VUKP_OV_MIG_INSTANCE_SIZE,
	VUKP_OV_MULTI_VGPU_SUPPORTED, VUKP_OV_PCI_ID, VUKP_OV_PCI_DEVICE_ID,
	VUKP_OV_FRAMEBUFFER, VUKP_OV_MAPPABLE_VIDEO_SIZE,
	VUKP_OV_FRAMEBUFFER_RESERVATION, VUKP_OV_ENCODER_CAPACITY,
	VUKP_OV_BAR1_LENGTH, VUKP_OV_FRL_ENABLED, VUKP_OV_ADAPTER_NAME,
	VUKP_OV_SHORT_GPU_NAME, VUKP_OV_LICENSE_TYPE,
	VUKP_OV_COUNT
};

enum vukp_ov_class {
	VUKP_OVC_U32,	/* integer 0..2^32-1 */
	VUKP_OVC_BOOL,	/* integer (or boolean), clamped to 0/1 */
	VUKP_OVC_U64,	/* integer 0..2^64-1 */
	VUKP_OVC_HUMAN,	/* integer or "1.5GiB"-style string */
	VUKP_OVC_STR,	/* string, at most maxlen bytes */
};

/* How a key's value is written into the type-info struct. */
enum vukp_fkind {
	VUKP_F_U32, VUKP_F_U64, VUKP_F_STR,
	VUKP_F_NAME,	/* a string whose buffer size depends on the layout */
};

/* One override key: its TOML side and the type-info field it writes. */
struct vukp_ov_key {
	const char *name;	/* TOML key */
	enum vukp_ov_class cls;
	unsigned int maxlen;	/* VUKP_OVC_STR: longest value any layout takes */
	const char *field;	/* driver's name of the type-info field */
	enum vukp_fkind kind;
	unsigned int len;	/* bytes (VUKP_F_NAME: VUKP_TI_VGPU_NAME_LEN) */
	unsigned short off[VUKP_TI_LAYOUTS];	/* per VUKP_TI_LAYOUT_* */
};
extern const struct vukp_ov_key vukp_ov_keys[VUKP_OV_COUNT];

struct vukp_override {
	uint32_t set;			/* bit per enum vukp_ov */
	uint32_t warned;		/* apply-time problems already logged */
	uint64_t num[VUKP_OV_COUNT];	/* value; for a string its byte length */
	char *str[VUKP_OV_COUNT];	/* may contain NULs (\u0000) */
};

enum vukp_sect_kind { VUKP_SECT_PROFILE, VUKP_SECT_MDEV, VUKP_SECT_VM };

struct vukp_section {
	enum vukp_sect_kind kind;
	char *name;		/* as written (compared as a string, like vgpu_unlock-rs) */
	uint64_t id;		/* profile: vGPU type id; vm: VMID */
	unsigned int line;
	struct vukp_override ov;
};

struct vukp_pci_map {
	uint32_t from;
	uint16_t device_id, sub_system_id;
};

/* The last PCI-id lookup, for a thread-private copy of the settings. */
struct vukp_pci_memo {
	bool valid, hit;
	uint16_t dev, sub, new_dev, new_sub;
};

struct vukp_main_cfg {
	bool unlock, unlock_migration, debug;
	size_t n_pci;
	struct vukp_pci_map *pci;
	struct vukp_pci_memo *memo;	/* NULL, or private to one thread */
};

struct vukp_profile_cfg {
	size_t n;
	struct vukp_section *sec;
	unsigned int count[3];	/* per enum vukp_sect_kind */
};

enum vukp_file_state {
	VUKP_FILE_ABSENT, VUKP_FILE_LOADED, VUKP_FILE_REFUSED,
	VUKP_FILE_UNREADABLE,
};

struct vukp_file_sig {
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim, ctim;
};

struct vukp_file {
	const char *path;
	bool checked;		/* sig valid */
	struct vukp_file_sig sig;
	enum vukp_file_state state;
	unsigned int nerrors;
	/*
	 * racy: the file was modified within the last seconds, when a rewrite
	 * may keep size, inode and (coarse) timestamps; its content is then
	 * compared (hash) even when stat shows no change.
	 */
	bool racy;
	uint64_t hash;
};

/* Runtime state the rewrites keep (caller serialises access). */
struct vukp_rt {
	bool have_uuid;
	unsigned char uuid[16];
	unsigned int nlogged;
	struct { uint32_t cmd, size; } logged[32];
};

struct vukp_env {
	/* taken with secure_getenv() */
	const char *config_path;	/* VGPU_UNLOCK_CONFIG_PATH */
	const char *profile_path;	/* VGPU_UNLOCK_PROFILE_OVERRIDE_CONFIG_PATH */
	const char *debug;		/* VGPU_UNLOCK_DEBUG */
	bool secure;			/* getauxval(AT_SECURE) */
	bool ignored;			/* secure, and one of them was set */
};

struct vukp_state {
	struct vukp_file main_file, prof_file;
	struct vukp_main_cfg main;
	struct vukp_profile_cfg prof;
	struct vukp_rt rt;
	bool env_debug;
};

void vukp_main_cfg_default(struct vukp_main_cfg *c);
void vukp_main_cfg_free(struct vukp_main_cfg *c);
unsigned int vukp_main_cfg_parse(struct vukp_main_cfg *c, const char *buf,
				 size_t len, const char *fname);
void vukp_profile_cfg_free(struct vukp_profile_cfg *c);
unsigned int vukp_profile_cfg_parse(struct vukp_profile_cfg *c, const char *buf,
				    size_t len, const char *fname);
bool vukp_parse_human(const char *s, uint64_t *out);
bool vukp_parse_id_string(const char *s, uint32_t *out);
int vukp_read_config_file(const char *path, char **buf, size_t *len);

void vukp_env_from_process(struct vukp_env *env);
void vukp_state_init(struct vukp_state *s, const struct vukp_env *env);
void vukp_state_free(struct vukp_state *s);
bool vukp_state_refresh_main(struct vukp_state *s);
bool vukp_state_refresh_profile(struct vukp_state *s);
void vukp_state_log_effective(const struct vukp_state *s);

/* ---- rewrite.c ---- */
enum vukp_need { VUKP_NEED_NONE, VUKP_NEED_STATUS, VUKP_NEED_MAIN, VUKP_NEED_PROFILE };

enum vukp_rw {
	VUKP_RW_PCI = 1 << 0, VUKP_RW_VMODE = 1 << 1, VUKP_RW_MIGRATION = 1 << 2,
	VUKP_RW_STATUS = 1 << 3, VUKP_RW_PROFILE = 1 << 4, VUKP_RW_UUID = 1 << 5,
	VUKP_RW_BADSIZE = 1 << 6,
};

enum vukp_need vukp_rewrite_need(uint32_t cmd);
bool vukp_pci_lookup(const struct vukp_main_cfg *cfg, uint16_t dev, uint16_t sub,
		     uint16_t *new_dev, uint16_t *new_sub);
/* prof and rt may be NULL for the main-config controls (no logging state). */
unsigned int vukp_rewrite(void *nvos54, const struct vukp_main_cfg *cfg,
			  struct vukp_profile_cfg *prof, struct vukp_rt *rt);
void vukp_format_uuid(const unsigned char uuid[16], char out[37]);
bool vukp_uuid_vmid(const unsigned char uuid[16], uint64_t *vmid);

#endif /* VUKP_SHIM_H */
