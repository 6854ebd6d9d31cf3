/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Type-info layouts as the mock driver and the mock daemons see them,
 * written from docs/driver-interface.md §7.6.2-7.6.5 independently of the shim's tables
 * (so that a shim layout bug shows up as a test failure).
 */
#ifndef MOCK_LAYOUT_H
#define MOCK_LAYOUT_H

struct mock_info_layout {
	unsigned int info_size;		/* NVA081_CTRL_VGPU_INFO / A082 params */
	unsigned int name, name_len, cls, cls_len, signature, license;
	unsigned int max_instance, num_heads, max_res_x, max_res_y, max_pixels;
	unsigned int frl_config, cuda, ecc, gi_size, multi_vgpu;
	unsigned int vdev_id, pdev_id, fb_length, mappable, fb_reservation;
	unsigned int encoder, bar1, frl_enable, adapter_name, adapter_unicode;
	unsigned int short_name, licensed_name;
	unsigned int profile_size;	/* 0 = absent (A082) */
};

/* NVA081 info, R525/R535 (driver-interface.md §7.6.2) */
#define MOCK_A081_R535 { 4952, 4, 32, 36, 32, 68, 196, \
	324, 328, 332, 336, 340, 344, 348, 352, 356, 360, \
	368, 376, 392, 416, 408, 424, 432, 440, 444, 508, 636, 700, 384 }

/* NVA081 info, R580 19.1+ (driver-interface.md §7.6.4) */
#define MOCK_A081_R580 { 5424, 4, 64, 68, 64, 132, 260, \
	388, 392, 396, 400, 404, 408, 412, 416, 420, 424, \
	432, 440, 456, 480, 472, 488, 496, 504, 510, 574, 702, 766, 448 }

/* NVA082 host vGPU device type info, V525 (driver-interface.md §7.6.5): whole params */
#define MOCK_A082_R535 { 1848, 4, 32, 36, 32, 68, 196, \
	324, 328, 332, 336, 340, 344, 348, 352, 356, 360, \
	368, 376, 384, 392, 400, 408, 416, 424, 428, 492, 620, 684, 0 }

/* NVA082, V580 (driver-interface.md §7.6.5) */
#define MOCK_A082_R580 { 2328, 4, 64, 68, 64, 132, 260, \
	388, 392, 396, 400, 404, 408, 412, 416, 420, 424, \
	432, 440, 448, 456, 464, 472, 480, 488, 492, 556, 684, 748, 0 }

/* Device memory ("fuses") header written by the harness: see gen_tables.py */
#define MOCK_FUSE_SIGNATURE	0x4b4d564e	/* "NVMK" */
#define MOCK_FUSE_VENDOR	8
#define MOCK_FUSE_DEVICE	10
#define MOCK_FUSE_SVENDOR	12
#define MOCK_FUSE_SUBSYS	14
#define MOCK_FUSE_REVISION	16
#define MOCK_FUSE_MAGIC_OFF	20
#define MOCK_FUSE_KEY_OFF	24
#define MOCK_FUSE_NAME		0x40
#define MOCK_APERTURE_MAP	(8u << 20)	/* part of the BAR RM maps */

/* Mock object handles (RM_ALLOC is not modelled): class << 16 | index */
#define MOCK_HANDLE(cls, idx)	(((cls) << 16) | (idx))
#define MOCK_CLASS_DEVICE	0x0080
#define MOCK_CLASS_SUBDEVICE	0x2080
#define MOCK_CLASS_VGPU_CONFIG	0xa081
#define MOCK_CLASS_HOST_VGPU	0xa082
#define MOCK_CLASS_ZBC		0x9096
#define MOCK_CLIENT		0xc1d00001

/* NOTIFY_START params: { u8 mdevUuid[16]; u8 vmUuid[16]; u8 vmName[128];
 * u32 returnStatus; } (driver-interface.md §7.3) */
#define MOCK_NOTIFY_START_SIZE	164
#define MOCK_ZBC_PARAMS_SIZE	48
#define MOCK_A082_0104_SIZE	4
#define MOCK_INFOROM_SIZE	8

/* Mock-only controls and fault injection */
#define MOCK_CMD_BENCH		0x00000cfeU
#define MOCK_BENCH_SIZE		32
#define MOCK_FAULT_KEY_NEVER	0x1	/* vGPU init never reads the key */
#define MOCK_FAULT_MAGIC_TWICE	0x2	/* reads the magic twice */
#define MOCK_FAULT_UNMAP_BETWEEN 0x4	/* aperture remapped between magic and key */
#define MOCK_FAULT_KEY_FIRST	0x8	/* a key read before the magic */

#endif
