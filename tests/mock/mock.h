/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mock nvidia.ko: shared declarations.  The knobs (module parameters,
 * documented in nv.c) and the check statistics they need live here.
 */
#ifndef MOCK_H
#define MOCK_H

#include <linux/types.h>
#include <linux/pci.h>
#include <linux/mutex.h>
#include <linux/atomic.h>
#include <linux/wait.h>
#include "layout.h"

#ifndef MOCK_GEN
#define MOCK_GEN 580
#endif

#if MOCK_GEN >= 580
#define MOCK_VERSION		"580.82.02"
#define MOCK_VMODE_SIZE		8
#define MOCK_CREATE_SIZE	40
#else
#define MOCK_VERSION		"535.161.05"
#define MOCK_VMODE_SIZE		4
#define MOCK_CREATE_SIZE	32
#endif

#define MOCK_MAX_GPUS		8
#define MOCK_MAX_TYPES		64
#define MOCK_MAX_VGPUS		32

struct mock_type {
	u32 id;
	u16 subsys;		/* from vdevId: the type's subsystem id */
	u8 *info;		/* NVA081_CTRL_VGPU_INFO as registered */
};

struct mock_gpu {
	struct pci_dev *pdev;
	int minor;
	u16 device, subsys, svendor;
	u8 revision;
	u32 magic_off, key_off;
	phys_addr_t bar0, aper;
	resource_size_t bar0_len, aper_len;
	void *regs;		/* BAR0 mapping, first open */
	void *aperture;		/* instance-memory aperture mapping */
	unsigned int opens;
	struct mock_type types[MOCK_MAX_TYPES];
	unsigned int ntypes;
	/* checks outside mock_rm_lock (concurrent_checks): */
	struct mutex check_lock;	/* mode 1: one check per GPU */
	atomic_t checks_in_flight;	/* remove waits for 0 */
	/* statistics (under mock_rm_lock) */
	unsigned int inits_ok, inits_failed;
	u32 last_status;
	u32 last_check;		/* 0 passed, else the failed check */
	unsigned int checks;	/* vGPU instance checks run */
	unsigned int last_matched;	/* triplets with its magic, last check */
	int last_index;		/* vGPU-list index that passed, else -1 */
	unsigned int last_blocks;	/* num_blocks of that record */
};

/* One check's outcome (mock_vgpu_instance_init). */
struct mock_check {
	u32 check;		/* 0 passed, 3 magic, 4 record */
	int index;		/* vGPU-list index of the record that passed */
	unsigned int matched;	/* triplets whose magic matched */
	unsigned int blocks;	/* num_blocks of the passing record */
};

/* Global check statistics: lock free, readable while a check sleeps. */
struct mock_check_stats {
	atomic_t running;	/* checks in progress now */
	atomic_t in_delay;	/* of those, sleeping in the check_delay_ms window */
	atomic_t max_running;	/* most checks in progress at once */
	atomic_t checks, delays, overlaps, passed, refused;
	atomic_t last_result;	/* 0 passed, else the check that failed */
	atomic_t last_index;	/* vGPU-list index that passed, -1 */
};

struct mock_vgpu {
	bool used;
	u8 uuid[16];
	struct mock_gpu *gpu;
	u32 type_id;
	u16 vgpu_id;
};

/* VM starts queued through /proc/driver/nvidia-mock/vm_start, one per
 * starting process (concurrent starts of different GPUs) */
#define MOCK_MAX_PENDING	8
struct mock_start {
	bool pending;
	u64 seq;		/* order of arrival */
	u8 uuid[16];
	char config[64];
	u32 qemu_pid;
	struct mock_gpu *gpu;
};

extern struct mock_gpu *mock_gpus[MOCK_MAX_GPUS];
extern struct mutex mock_rm_lock;
extern struct mock_vgpu mock_vgpus[MOCK_MAX_VGPUS];
extern struct mock_start mock_pending_start[MOCK_MAX_PENDING];
struct mock_start *mock_start_slot(u32 pid);
extern unsigned int mock_fault;
extern wait_queue_head_t mock_check_wq;
extern struct mock_check_stats mock_cs;

/* Knobs (module parameters of nv.c, writable in /sys/module/nvidia/parameters) */
extern unsigned int mock_check_delay_ms;
extern int mock_check_delay_gpu;
extern unsigned int mock_concurrent_checks;

#ifdef MOCK_OMIT_OS_MAP_KERNEL_SPACE
#define os_map_kernel_space mock_omitted_map_kernel_space
#endif
#ifdef MOCK_OMIT_OS_UNMAP_KERNEL_SPACE
#define os_unmap_kernel_space mock_omitted_unmap_kernel_space
#endif
#ifdef MOCK_OMIT_OS_MEM_COPY
#define os_mem_copy mock_omitted_mem_copy
#endif
#ifdef MOCK_OMIT_OS_MEMCPY_FROM_USER
#define os_memcpy_from_user mock_omitted_memcpy_from_user
#endif
#ifdef MOCK_OMIT_OS_MEMCPY_TO_USER
#define os_memcpy_to_user mock_omitted_memcpy_to_user
#endif

#ifdef MOCK_OMIT_RM_IOCTL
#define rm_ioctl mock_omitted_rm_ioctl
#endif
#ifdef MOCK_OMIT_NVIDIA_UNLOCKED_IOCTL
#define nvidia_unlocked_ioctl mock_omitted_unlocked_ioctl
#endif

/* The interface layer (os.c): the symbols vgpu_unlock_kp probes. */
void *os_map_kernel_space(u64 start, u64 size_bytes, u32 mode);
void os_unmap_kernel_space(void *addr, u64 size_bytes);
void *os_mem_copy(void *dst, const void *src, u32 length);
u32 os_memcpy_from_user(void *to, const void *from, u32 n);
u32 os_memcpy_to_user(void *to, const void *from, u32 n);

/* RM (rm.c, built without ftrace entry points like the blob). */
long nvidia_unlocked_ioctl(struct file *file, unsigned int cmd,
			   unsigned long i_arg);
u32 rm_ioctl(void *sp, void *nv, void *nvfp, u32 cmd, void *data, u32 size);
int rm_init_adapter(struct mock_gpu *gpu);
void rm_shutdown_adapter(struct mock_gpu *gpu);
int mock_rm_init(void);
void mock_rm_exit(void);
void mock_rm_free_gpu(struct mock_gpu *gpu);

/* The tables (tables.S, generated). */
extern const u8 mock_tables_start[], mock_tables_end[];
extern const u8 mock_other_list[], mock_vgpu_list[];
extern const u32 mock_vgpu_list_count, mock_other_list_count;
/* What the generator drew (outside the checksummed range): MOCK_LAYOUT_* */
extern const u32 mock_layout[];
enum { MOCK_LAYOUT_SACRIFICIAL, MOCK_LAYOUT_SAC_PATCHER,
	MOCK_LAYOUT_SAC_DUALCODER, MOCK_LAYOUT_SAC_FIRST, MOCK_LAYOUT_P40_FIRST,
	MOCK_LAYOUT_P40_AFTER_SAC, MOCK_LAYOUT_VGPU_ENTRIES,
	MOCK_LAYOUT_VGPU_BOARDS, MOCK_LAYOUT_OTHER_ENTRIES,
	MOCK_LAYOUT_SAC_IN_OTHER, MOCK_LAYOUT_BOTH_LISTS, MOCK_LAYOUT_FLIP_COPY,
	MOCK_LAYOUT_SEED, MOCK_LAYOUT_N };
/* Writable triplets the flipper rewrites (.data; count 0 unless --flip-copy) */
extern u8 mock_flip_list[];
extern u32 mock_flip_count;

#endif
