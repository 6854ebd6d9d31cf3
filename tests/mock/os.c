// SPDX-License-Identifier: GPL-2.0
/*
 * Interface layer of the mock nvidia: os_* functions with the real names
 * and prototypes (driver-interface.md §3), out of line and global.
 * MOCK_OMIT_<NAME> builds a driver that lacks one of them (the function
 * then exists only under another, static name), to test refusal.
 */
#include <linux/io.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "mock.h"

#define NV_OK			0
#define NV_ERR_INVALID_ADDRESS	0x1e

noinline void *os_map_kernel_space(u64 start, u64 size_bytes, u32 mode)
{
	if (!start)
		return (void *)PAGE_OFFSET;
	if (!size_bytes)
		return NULL;
	might_sleep();
	switch (mode) {
	case 0:
		return (void __force *)ioremap_cache(start, size_bytes);
	case 2:
		return (void __force *)ioremap_wc(start, size_bytes);
	default:
		return (void __force *)ioremap(start, size_bytes);
	}
}

noinline void os_unmap_kernel_space(void *addr, u64 size_bytes)
{
	if (addr == (void *)PAGE_OFFSET)
		return;
	iounmap((void __iomem __force *)addr);
}

noinline void *os_mem_copy(void *dst, const void *src, u32 length)
{
	return memcpy(dst, src, length);
}

noinline u32 os_memcpy_from_user(void *to, const void *from, u32 n)
{
	return copy_from_user(to, (const void __user __force *)from, n) ?
		NV_ERR_INVALID_ADDRESS : NV_OK;
}

noinline u32 os_memcpy_to_user(void *to, const void *from, u32 n)
{
	return copy_to_user((void __user __force *)to, from, n) ?
		NV_ERR_INVALID_ADDRESS : NV_OK;
}
