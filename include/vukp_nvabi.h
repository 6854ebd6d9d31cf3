/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * NVIDIA RM ABI facts shared by the module, the shim, the mock driver and
 * the mock daemons.  Source: docs/driver-interface.md §7 (sections cited).
 * Only constants and offsets live here; no code.
 */
#ifndef VUKP_NVABI_H
#define VUKP_NVABI_H

/* driver-interface.md §7.1: ioctl requests, _IOWR('F', nr, size) */
#define VUKP_NV_IOCTL_MAGIC		0x46
#define VUKP_NV_ESC_RM_CONTROL		0x2a
#define VUKP_NV_ESC_IOCTL_XFER_CMD	0xd3
#define VUKP_NV_RM_CONTROL_REQ		0xc020462aU
#define VUKP_NV_IOCTL_XFER_REQ		0xc01046d3U

/* driver-interface.md §7.2: NVOS54_PARAMETERS, 32 bytes */
#define VUKP_NVOS54_SIZE		32
#define VUKP_NVOS54_HCLIENT		0
#define VUKP_NVOS54_HOBJECT		4
#define VUKP_NVOS54_CMD			8
#define VUKP_NVOS54_FLAGS		12
#define VUKP_NVOS54_PARAMS		16
#define VUKP_NVOS54_PARAMS_SIZE		24
#define VUKP_NVOS54_STATUS		28

/* NV_ESC_IOCTL_XFER_CMD argument: { u32 cmd; u32 size; u64 ptr; } */
#define VUKP_XFER_SIZE			16

/* driver-interface.md §7.4: status codes */
#define VUKP_NV_OK			0x00
#define VUKP_NV_ERR_BUSY_RETRY		0x03
#define VUKP_NV_ERR_INVALID_ADDRESS	0x1e
#define VUKP_NV_ERR_INVALID_ARGUMENT	0x1f
#define VUKP_NV_ERR_INVALID_OBJECT_HANDLE 0x33
#define VUKP_NV_ERR_INVALID_STATE	0x40
#define VUKP_NV_ERR_NOT_SUPPORTED	0x56
#define VUKP_NV_ERR_OBJECT_NOT_FOUND	0x57
#define VUKP_NV_ERR_INSUFFICIENT_RESOURCES 0x1a

/* driver-interface.md §7.3: control ids */
#define VUKP_CMD_BUS_GET_PCI_INFO		0x20801801U
#define VUKP_CMD_GET_VIRTUALIZATION_MODE	0x00800289U
#define VUKP_CMD_VGPU_CONFIG_SET_INFO		0xa0810101U
#define VUKP_CMD_VGPU_CONFIG_GET_TYPE_INFO	0xa0810103U
#define VUKP_CMD_VGPU_CONFIG_NOTIFY_START	0xa0810107U
#define VUKP_CMD_VGPU_CONFIG_GET_MIGRATION_CAP	0xa0810112U
#define VUKP_CMD_HOST_VGPU_GET_TYPE_INFO	0xa0820102U
#define VUKP_CMD_A082_UNNAMED_0104		0xa0820104U
#define VUKP_CMD_VGPU_GET_START_DATA		0x00000c01U
#define VUKP_CMD_VGPU_CREATE_DEVICE		0x00000c02U
#define VUKP_CMD_GPU_GET_INFOROM_OBJECT_VERSION	0x2080014bU
#define VUKP_CMD_GET_ZBC_CLEAR_TABLE		0x90960103U

/* driver-interface.md §7.5.1: PCI info, 16 bytes */
#define VUKP_PCI_INFO_SIZE		16
#define VUKP_PCI_INFO_DEVICE_ID		0	/* u32: vendor | device << 16 */
#define VUKP_PCI_INFO_SUBSYSTEM_ID	4	/* u32: svendor | subsys << 16 */
#define VUKP_PCI_INFO_REVISION_ID	8
#define VUKP_PCI_INFO_EXT_DEVICE_ID	12

/* driver-interface.md §7.5.2: virtualization mode, 4 bytes (<= R550) or 8 bytes (R570+) */
#define VUKP_VIRT_MODE_SIZE_OLD		4
#define VUKP_VIRT_MODE_SIZE_NEW		8
#define VUKP_VIRT_MODE_NONE		0
#define VUKP_VIRT_MODE_HOST		3

/* driver-interface.md §7.5.3: start data, 1056 bytes */
#define VUKP_START_DATA_SIZE		1056
#define VUKP_START_DATA_MDEV_UUID	0
#define VUKP_START_DATA_CONFIG_PARAMS	16
#define VUKP_START_DATA_QEMU_PID	1040
#define VUKP_START_DATA_GPU_PCI_ID	1044
#define VUKP_START_DATA_VGPU_ID		1048
#define VUKP_START_DATA_GPU_PCI_BDF	1052

/* driver-interface.md §7.5.4: create device, 32 bytes (<= R550) or 40 bytes (R570+) */
#define VUKP_CREATE_DEVICE_SIZE_OLD	32
#define VUKP_CREATE_DEVICE_SIZE_NEW	40
#define VUKP_CREATE_DEVICE_VGPU_NAME	0
#define VUKP_CREATE_DEVICE_GPU_PCI_ID	16
#define VUKP_CREATE_DEVICE_GPU_PCI_BDF	20
#define VUKP_CREATE_DEVICE_VGPU_TYPE_ID	24
#define VUKP_CREATE_DEVICE_VGPU_ID	28

/* driver-interface.md §7.5.5 */
#define VUKP_MIGRATION_CAP_SIZE		1

/* driver-interface.md §7.6.1: NVA081 type info params = { u32 vgpuType; pad; info } */
#define VUKP_TYPE_INFO_WRAPPER		8
#define VUKP_A081_SIZE_R535		4960
#define VUKP_A081_SIZE_R550		5096
#define VUKP_A081_SIZE_R570		5232
#define VUKP_A081_SIZE_R580_190		5424
#define VUKP_A081_SIZE_R580_191		5432

/* SET_INFO params = { NvBool discard; pad; info; u32 vgpuConfigState; pad } */
#define VUKP_SET_INFO_SIZE(info)	(8 + (info) + 8)

/* driver-interface.md §7.6.5: NVA082 host vGPU device type info */
#define VUKP_A082_SIZE_PRE15		1840
#define VUKP_A082_SIZE_R525		1848
#define VUKP_A082_SIZE_R580		2328

/*
 * driver-interface.md §7.6.2-7.6.4: offsets inside NVA081_CTRL_VGPU_INFO for the fields the
 * mock fills and the shim may override.  Layouts: 0 = R525/R535 (also the
 * prefix of R550/R570), 1 = R580 19.0, 2 = R580 19.1+.
 */
#define VUKP_INFO_VGPU_TYPE		0
#define VUKP_INFO_VGPU_NAME		4

/*
 * driver-interface.md §7.6.2-7.6.5: type-info field offsets inside the info struct (NVA081:
 * params + VUKP_TYPE_INFO_WRAPPER; NVA082: params + 0), one entry per layout
 * in the order of VUKP_TI_LAYOUT_*.  Added for the shim's profile overrides.
 */
#define VUKP_TI_LAYOUT_A081_R525	0	/* 4960, 5096, 5232 (R550/R570 append) */
#define VUKP_TI_LAYOUT_A081_R580	1	/* 5424, 19.0 */
#define VUKP_TI_LAYOUT_A081_R581	2	/* 5432, 19.1+ (vgpuSsvid) */
#define VUKP_TI_LAYOUT_A082_R525	3	/* 1840 pre-15, 1848 */
#define VUKP_TI_LAYOUT_A082_R580	4	/* 2328 */
#define VUKP_TI_LAYOUTS			5
#define VUKP_TI_VGPU_TYPE		{ 0, 0, 0, 0, 0 }
#define VUKP_TI_VGPU_NAME		{ 4, 4, 4, 4, 4 }
#define VUKP_TI_VGPU_NAME_LEN		{ 32, 64, 64, 32, 64 }	/* also vgpuClass */
#define VUKP_TI_VGPU_CLASS		{ 36, 68, 68, 36, 68 }
#define VUKP_TI_LICENSE			{ 196, 260, 260, 196, 260 }	/* 128 */
#define VUKP_TI_MAX_INSTANCE		{ 324, 388, 388, 324, 388 }
#define VUKP_TI_NUM_HEADS		{ 328, 392, 392, 328, 392 }
#define VUKP_TI_MAX_RES_X		{ 332, 396, 396, 332, 396 }
#define VUKP_TI_MAX_RES_Y		{ 336, 400, 400, 336, 400 }
#define VUKP_TI_MAX_PIXELS		{ 340, 404, 404, 340, 404 }
#define VUKP_TI_FRL_CONFIG		{ 344, 408, 408, 344, 408 }
#define VUKP_TI_CUDA_ENABLED		{ 348, 412, 412, 348, 412 }
#define VUKP_TI_ECC_SUPPORTED		{ 352, 416, 416, 352, 416 }
#define VUKP_TI_GPU_INSTANCE_SIZE	{ 356, 420, 420, 356, 420 }
#define VUKP_TI_MULTI_VGPU		{ 360, 424, 424, 360, 424 }
#define VUKP_TI_VDEV_ID			{ 368, 432, 432, 368, 432 }	/* u64 */
#define VUKP_TI_PDEV_ID			{ 376, 440, 440, 376, 440 }	/* u64 */
#define VUKP_TI_FB_LENGTH		{ 392, 456, 456, 384, 448 }	/* u64 */
#define VUKP_TI_FB_RESERVATION		{ 408, 472, 472, 400, 464 }	/* u64 */
#define VUKP_TI_MAPPABLE_VIDEO		{ 416, 480, 480, 392, 456 }	/* u64 */
#define VUKP_TI_ENCODER_CAPACITY	{ 424, 488, 488, 408, 472 }
#define VUKP_TI_BAR1_LENGTH		{ 432, 496, 496, 416, 480 }	/* u64 */
#define VUKP_TI_FRL_ENABLE		{ 440, 504, 504, 424, 488 }
#define VUKP_TI_ADAPTER_NAME		{ 444, 508, 510, 428, 492 }	/* 64 */
#define VUKP_TI_ADAPTER_NAME_W		{ 508, 572, 574, 492, 556 }	/* u16[64] */
#define VUKP_TI_SHORT_GPU_NAME		{ 636, 700, 702, 620, 684 }	/* 64 */
#define VUKP_TI_LICENSED_PRODUCT	{ 700, 764, 766, 684, 748 }	/* 128 */
#define VUKP_TI_LICENSE_LEN		128
#define VUKP_TI_ADAPTER_NAME_LEN	64
#define VUKP_TI_SHORT_GPU_NAME_LEN	64
#define VUKP_TI_LICENSED_PRODUCT_LEN	128

/* driver-interface.md §7.5.3/7.5.4: the mdev UUID is 16 bytes (u32, u16, u16, u8[8]) */
#define VUKP_UUID_SIZE			16

#endif /* VUKP_NVABI_H */
