/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the supported kernels lives here, as feature
 * macros and small wrappers.  Supported: Linux 5.10 and later, x86-64.
 *
 * Each difference is decided by a feature test (a header's presence, a macro
 * that came with the interface), never by the version number: distribution
 * kernels (RHEL 9's 5.14) carry interfaces backported from later releases,
 * so a version gate would pick the wrong side there.
 */
#ifndef VUKP_COMPAT_H
#define VUKP_COMPAT_H

#include <linux/module.h>
#include <linux/rculist.h>
/*
 * kvmalloc_array() and kvfree() are declared in <linux/mm.h> in 5.10 and in
 * <linux/slab.h> on later kernels: including both needs no test.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include "tables.h"

/* The floor, Linux 5.10, is tested in Kbuild (the one version test). */
#ifndef CONFIG_X86_64
#error "vgpu_unlock_kp supports x86-64 only (page-table walk, module area)"
#endif
#if !defined(CONFIG_KPROBES) || !defined(CONFIG_KRETPROBES)
#error "vgpu_unlock_kp needs CONFIG_KPROBES and CONFIG_KRETPROBES"
#endif

/*
 * crypto_memneq() moved from <crypto/algapi.h> to <crypto/utils.h> in 6.3:
 * the header's presence in the kernel tree decides (Kbuild's feature test).
 */
#ifdef VUKP_HAVE_CRYPTO_UTILS_H
#include <crypto/utils.h>
#else
#include <crypto/algapi.h>
#endif

/*
 * The unaligned access helpers moved to <linux/unaligned.h> in 6.12; the
 * header's presence in the kernel tree decides (Kbuild's feature test).
 */
#ifdef VUKP_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/*
 * 6.4 replaced module_layout (one core allocation) by mem[MOD_*]; the
 * for_each_mod_mem_type() iterator came with it in <linux/module.h>.
 */
#ifdef for_each_mod_mem_type
#define VUKP_HAVE_MODULE_MEMORY 1
#endif

/*
 * The non-text core memory of @mod (read-only data, ro_after_init data,
 * data), each range marked read-only or not: where the board tables and
 * everything they point at may live.
 * Init sections are left out: they are freed after the module's init.
 * Returns the number of ranges written to @r.
 */
static inline int vukp_module_data_ranges(const struct module *mod,
					  struct vukp_range *r)
{
	int n = 0;
#ifdef VUKP_HAVE_MODULE_MEMORY
	static const enum mod_mem_type types[VUKP_MAX_RANGES] = {
		MOD_RODATA, MOD_RO_AFTER_INIT, MOD_DATA
	};
	int i;

	for (i = 0; i < VUKP_MAX_RANGES; i++) {
		const struct module_memory *m = &mod->mem[types[i]];

		if (!m->base || !m->size)
			continue;
		r[n].start = (unsigned long)m->base;
		r[n].end = r[n].start + m->size;
		r[n].ro = types[i] != MOD_DATA;
		n++;
	}
#else
	const struct module_layout *l = &mod->core_layout;
	unsigned long base = (unsigned long)l->base;

	/* up to 6.3: text | rodata | ro_after_init | data in one allocation */
	if (base && l->ro_after_init_size > l->text_size) {
		r[n].start = base + l->text_size;
		r[n].end = base + l->ro_after_init_size;
		r[n].ro = true;
		n++;
	}
	if (base && l->size > l->ro_after_init_size) {
		r[n].start = base + l->ro_after_init_size;
		r[n].end = base + l->size;
		r[n].ro = false;
		n++;
	}
#endif
	return n;
}

/*
 * The loaded module @name with a reference held, or NULL: one being formed
 * or going never counts, one coming only without @live_only.  The walk
 * starts from our own node; the list head is the one node outside the
 * module area.
 */
static inline struct module *vukp_module_get(const char *name, bool live_only)
{
	struct module *mod, *found = NULL;

	rcu_read_lock();
	list_for_each_entry_rcu(mod, &THIS_MODULE->list, list) {
		unsigned long node = (unsigned long)&mod->list;

		if (node < MODULES_VADDR || node >= MODULES_END)
			continue;	/* the list head */
		if (strcmp(mod->name, name))
			continue;
		if (mod->state == MODULE_STATE_LIVE ||
		    (!live_only && mod->state == MODULE_STATE_COMING))
			found = try_module_get(mod) ? mod : NULL;
		break;
	}
	rcu_read_unlock();
	return found;
}

/*
 * AES-128 and SHA-256: our own portable C (module/crypto.c) on every kernel,
 * never the kernel's lib/crypto, because the probe handlers need them in NMI
 * context and lib/crypto is not NMI-safe on x86 from 6.16 on.
 *
 * An int3 kprobe's handler runs in NMI context: exc_int3() enters the kernel
 * with irqentry_nmi_enter(), so in_nmi() is true.  Every probe is an int3 one
 * on a kernel without ftrace entries on the probed functions (the debug
 * kernel; NVIDIA's blob).  What lib/crypto does there, read in the kernel
 * sources:
 *   - 6.1 to 6.15: sha256_update() and aes_encrypt()/aes_decrypt() are plain
 *     C (lib/crypto/sha256.c, lib/crypto/aes.c): safe anywhere.
 *   - from 6.16 the SHA-256 library is arch-optimised: on x86
 *     (lib/crypto/x86/sha256.h in 7.3) every block goes through
 *     irq_fpu_usable() and, when that is true, kernel_fpu_begin() and
 *     SSSE3/AVX/SHA-NI code.  irq_fpu_usable() (arch/x86/kernel/fpu/core.c)
 *     starts with WARN_ON_ONCE(in_nmi()): the result is still right (it then
 *     takes sha256_blocks_generic()), but the WARNING taints the kernel and
 *     panics a panic_on_warn host.
 *   - the 7.x AES library (struct aes_key from aes_preparekey(); 7.3's
 *     lib/crypto/x86/aes.h) does the same with AES-NI in aes_preparekey(),
 *     aes_encrypt() and aes_decrypt().
 *   - the generic C behind them (sha256_blocks_generic(),
 *     aes_encrypt_generic(), aes_expandkey_generic()) is static in 7.3: a
 *     module cannot call it directly, and crypto_simd_disabled_for_test
 *     exists only with CONFIG_CRYPTO_SELFTESTS_FULL.
 * The library's API also moved under us: struct sha256_state became struct
 * sha256_ctx in 6.17, and aes_encrypt()/aes_decrypt() take struct aes_key
 * (aes_preparekey()) instead of struct crypto_aes_ctx from 7.x (through a
 * transitional union at first, no longer on 7.2).  Our own ~150 lines of C
 * have neither problem: same code and same results on every kernel and in
 * every context, no FPU, no allocation, no lock.  They are checked against
 * FIPS-197 and RFC 4231 by vukp_crypto_selftest() and, in the QEMU tests,
 * against the mock driver's records (made with python-cryptography, checked
 * by the mock with the kernel's crypto API).
 */

/* ---- portable crypto: tests/host/check_crypto.c builds from here to the end mark ---- */

/* An expanded AES-128 key: the 11 round keys, as little-endian columns. */
struct vukp_aes_key {
	u32 rk[44];
};

/* @len must be 16 (AES-128); anything else leaves an all-zero key. */
void vukp_aes_key_expand(struct vukp_aes_key *k, const u8 *key,
			 unsigned int len);
void vukp_aes_encrypt_block(const struct vukp_aes_key *k, u8 *dst,
			    const u8 *src);
void vukp_aes_decrypt_block(const struct vukp_aes_key *k, u8 *dst,
			    const u8 *src);

#define VUKP_SHA256_DIGEST	32
#define VUKP_SHA256_BLOCK	64

struct vukp_sha256 {
	u32 h[8];
	u64 bytes;
	u8 buf[VUKP_SHA256_BLOCK];
};

void vukp_sha256_init(struct vukp_sha256 *s);
void vukp_sha256_update(struct vukp_sha256 *s, const u8 *d, unsigned int len);
/* writes VUKP_SHA256_DIGEST bytes and wipes @s */
void vukp_sha256_final(struct vukp_sha256 *s, u8 *out);
/* ---- end of portable crypto ---- */

#endif /* VUKP_COMPAT_H */
