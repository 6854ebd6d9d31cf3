/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vgpu_unlock_kp: internal interfaces between the parts of the module.
 *
 * Contexts: functions marked "atomic" run inside kprobe handlers
 * (preemption off, sometimes interrupts off): they never sleep, never
 * allocate and print only ratelimited.  Everything else runs in process
 * context under vukp_mutex.
 */
#ifndef VUKP_H
#define VUKP_H

#include <linux/types.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/pci.h>
#include <crypto/aes.h>
#include "compat.h"

#define VUKP_MAX_GPUS		16
#define VUKP_MAX_MODELS		VUKP_MAX_GPUS
#define VUKP_MAGIC_LEN		16
#define VUKP_KEY_LEN		16
#define VUKP_SIG_LEN		32
#define VUKP_BLOCK		16
#define VUKP_MAX_BLOCKS		8	/* lenient bound for driver records */
#define VUKP_REC_MAX		(1 + VUKP_BLOCK * VUKP_MAX_BLOCKS)
#define VUKP_TYPE_BLOCKS	4	/* bound for records we build */
#define VUKP_TRIPLET		24
#define VUKP_MAX_BOARD_TYPES	64
#define VUKP_KEY_TRIES		64	/* candidates tried after one magic */

/* ---- catalogue and parameters (patch.c) ---- */

struct vukp_target {
	u16 device;
	const char *name;
	unsigned int ntypes;			/* in preference order */
	u16 type[VUKP_MAX_BOARD_TYPES];		/* index into the catalogue */
};

int vukp_catalog_init(void);
const struct vukp_target *vukp_target_for(u16 device, bool *is_board);
const char *vukp_type_name(unsigned int type);

/* ---- nvidia's tables (tables.c) ---- */

enum vukp_list {
	VUKP_LIST_OTHER = 0,	/* other (non-vGPU) boards */
	VUKP_LIST_VGPU = 1,	/* vGPU-capable boards */
};

/* A triplet of one of the driver's lists, copied at arm time. */
struct vukp_board {
	u8 magic[VUKP_MAGIC_LEN];
	u8 sig[VUKP_SIG_LEN];
	u8 rec[VUKP_REC_MAX];
	u8 list;		/* enum vukp_list */
};

#define VUKP_NUM_SACRIFICIAL	2
/*
 * A slot's buffer holds everything its patched triplet points at, so that
 * a slot stays self-contained: record (at most 65 bytes), magic, signature.
 */
#define VUKP_SLOT_MAGIC		72
#define VUKP_SLOT_SIG		96
#define VUKP_SLOT_BUF		128

/* A sacrificial triplet of the vGPU-capable list. */
struct vukp_slot {
	unsigned long addr;	/* the triplet in nvidia's memory */
	u8 *alias;		/* the same bytes, writable */
	u64 orig[3];		/* magic, record, signature pointers */
	u8 cls;			/* which sacrificial magic */
	s8 owner;		/* model, -1 = free */
	u16 rank;		/* preference rank of the installed type */
	u8 cur;			/* buffer the triplet points at */
	u8 buf[2][VUKP_SLOT_BUF] __aligned(16);
};

struct vukp_tables {
	struct vukp_board *boards;	/* sorted by magic */
	unsigned int nboards;
	unsigned int nother;
	unsigned int nvgpu;
	struct vukp_slot *slots;
	unsigned int nslots;
	unsigned int ncls[VUKP_NUM_SACRIFICIAL];
	unsigned int decoys;		/* marker copies no triplet uses */
	unsigned long scanned;		/* bytes */
	u64 scan_ns;
	void *alias_base;		/* vmap of the slots' pages */
};

int vukp_tables_find(const struct module *mod, struct vukp_tables *t,
		     const char **why);
int vukp_sacrificial_class(const u8 *magic);
void vukp_tables_free(struct vukp_tables *t);
const struct vukp_board *vukp_board_find(const struct vukp_tables *t,
					 const u8 *magic, unsigned int *count);

/* ---- GPUs and their apertures (gpu.c) ---- */

enum vukp_gpu_state {
	VUKP_GPU_IDLE,		/* no magic read yet */
	VUKP_GPU_KEY_WAIT,	/* magic read, waiting for the key */
	VUKP_GPU_READY,		/* key verified */
	VUKP_GPU_NATIVE,	/* magic of a vGPU-capable board */
};

struct vukp_gpu {
	bool active;		/* published with release, read lock-free */
	u32 gen;
	struct pci_dev *pdev;
	char name[16];
	u16 vendor, device;
	unsigned int nbars;
	struct { u64 start, end; } bars[PCI_STD_NUM_BARS];	/* inclusive */
	/* under vukp_lock */
	u8 state;
	s8 model;
	u16 key_tries;
	u32 reads;		/* 16-byte reads from the aperture */
	u32 magic_reads;
	u32 key_reads;
	u32 key_fails;
};

extern struct vukp_gpu vukp_gpus[VUKP_MAX_GPUS];
extern unsigned int vukp_gpu_set_gen;	/* a GPU came or went; vukp_lock */

int vukp_gpus_init(const struct module *nv);
void vukp_gpus_exit(void);
int vukp_gpu_match(unsigned long va, u32 *gen);				/* atomic */
bool vukp_gpu_owns(int idx, u32 gen, unsigned long va);			/* atomic */
void vukp_map_add(unsigned long va, u64 phys, u64 size);		/* atomic */
void vukp_map_del(unsigned long va);					/* atomic */
bool vukp_phys_is_gpu(u64 phys, u64 size);				/* atomic */
int vukp_pci_notifier_register(void);
void vukp_pci_notifier_unregister(void);

/* ---- models, slots and patching (patch.c) ---- */

enum vukp_err {
	VUKP_OK,
	VUKP_ERR_NO_TARGET,	/* device id not in the id map */
	VUKP_ERR_NO_SLOTS,	/* no free sacrificial slot */
	VUKP_ERR_NO_MODEL,	/* model pool exhausted */
	VUKP_ERR_NO_KEY,	/* no key candidate passed the check */
	VUKP_ERR_BAD_RECORD,	/* own record too long */
	VUKP_ERR_NUM,
};

struct vukp_model {
	bool used;
	bool native;
	bool key_ok;
	bool board_left;	/* device is a vGPU board: left alone */
	u8 magic[VUKP_MAGIC_LEN];	/* slots point at this copy */
	u8 key[VUKP_KEY_LEN];
	struct crypto_aes_ctx aes;
	u16 device;		/* from the decrypted own record */
	const struct vukp_target *target;
	unsigned int held;	/* slots installed */
	unsigned int alloc;	/* slots allotted by the last balance */
	u8 err;			/* enum vukp_err */
};

extern struct vukp_model vukp_models[VUKP_MAX_MODELS];
extern struct vukp_tables vukp_tab;
extern raw_spinlock_t vukp_lock;

/*
 * Take @lock in a probe handler.  An int3 probe runs in NMI context on
 * x86, where lockdep accepts a trylock only; so spin on one.  No critical
 * section of this module calls a probed function, so the holder is on
 * another CPU and lets go.
 */
#define vukp_probe_lock(lock, flags)				\
	do {							\
		while (!raw_spin_trylock_irqsave(lock, flags))	\
			cpu_relax();				\
	} while (0)
extern bool vukp_stopping;
extern bool vukp_cls_reserved[VUKP_NUM_SACRIFICIAL];

/* key read -> slots installed, measured in the handler (vukp_lock) */
struct vukp_patch_time {
	u64 last_ns;
	u64 max_ns;
	u64 sum_ns;
	unsigned int count;
};

extern struct vukp_patch_time vukp_patch_time;

void vukp_on_read(int gpu, u32 gen, unsigned long src, const u8 *val);	/* atomic */
bool vukp_copy_needed(void);	/* atomic, vukp_lock held */
void vukp_restore_all(void);	/* under vukp_lock */
const char *vukp_err_str(u8 err);

/* ---- crypto (crypto.c) ---- */

void vukp_ecb_encrypt(const struct crypto_aes_ctx *aes, u8 *dst,
		      const u8 *src, unsigned int nblocks);
void vukp_ecb_decrypt(const struct crypto_aes_ctx *aes, u8 *dst,
		      const u8 *src, unsigned int nblocks);
void vukp_hmac_sha256(const u8 *key, unsigned int keylen, const u8 *data,
		      unsigned int len, u8 *out);
bool vukp_record_verify(const u8 *key, const u8 *rec, const u8 *sig);
void vukp_record_seal(const struct crypto_aes_ctx *aes, const u8 *key,
		      const u8 *plain, unsigned int nblocks, u8 *rec, u8 *sig);

/* ---- probes (probes.c) ---- */

struct vukp_probe_stat {
	const char *symbol;
	unsigned long hits;
	unsigned long nmissed;
	bool enabled;
};

#define VUKP_NUM_PROBES 3

int vukp_probes_register(const struct module *nv, const char **failed);
void vukp_probes_enable(void);
void vukp_copy_probe_update(void);
void vukp_copy_probe_idle(void);	/* atomic */
void vukp_probes_flush(void);
void vukp_probes_unregister(void);
void vukp_probes_stats(struct vukp_probe_stat *st);

/* ---- arming state (main.c) and status (status.c) ---- */

enum vukp_arm_state {
	VUKP_NV_ABSENT,
	VUKP_NV_ARMED,
	VUKP_NV_REFUSED,
};

struct vukp_nv_info {
	u8 state;		/* enum vukp_arm_state */
	char version[64];
	char reason[128];
	unsigned int loads;	/* nvidia instances seen */
};

extern struct vukp_nv_info vukp_nv;
extern struct mutex vukp_mutex;
extern const struct module *vukp_nv_mod;

int vukp_status_init(void);
void vukp_status_exit(void);

#endif /* VUKP_H */
