/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the supported kernels lives here, as feature
 * macros and small wrappers.  Supported: Linux 6.1 and later, x86-64.
 */
#ifndef VUKP_COMPAT_H
#define VUKP_COMPAT_H

#include <linux/version.h>
#include <linux/module.h>
#include <linux/rculist.h>
#include "tables.h"
#include <crypto/sha2.h>
#include <crypto/aes.h>

/* the running kernel as one number, e.g. 612 for 6.12 */
#define VUKP_KV (LINUX_VERSION_MAJOR * 100 + LINUX_VERSION_PATCHLEVEL)

#if VUKP_KV < 601
#error "vgpu_unlock_kp needs Linux 6.1 or later"
#endif
#ifndef CONFIG_X86_64
#error "vgpu_unlock_kp supports x86-64 only (page-table walk, module area)"
#endif
#if !defined(CONFIG_KPROBES) || !defined(CONFIG_KRETPROBES)
#error "vgpu_unlock_kp needs CONFIG_KPROBES and CONFIG_KRETPROBES"
#endif

/* crypto_memneq() moved from <crypto/algapi.h> to <crypto/utils.h> in 6.3 */
#if VUKP_KV >= 603
#include <crypto/utils.h>
#else
#include <crypto/algapi.h>
#endif

/* the unaligned access helpers moved to <linux/unaligned.h> in 6.12 */
#if VUKP_KV >= 612
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* 6.4 replaced module_layout (one core allocation) by mem[MOD_*] */
#if VUKP_KV >= 604
#define VUKP_HAVE_MODULE_MEMORY 1
#endif

/* 6.16 replaced struct sha256_state by struct sha256_ctx */
#if VUKP_KV >= 616
#define VUKP_HAVE_SHA256_CTX 1
#endif


/*
 * The non-text core memory of @mod (read-only data, ro_after_init data,
 * data): where the board tables and everything they point at may live.
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
		n++;
	}
#else
	const struct module_layout *l = &mod->core_layout;

	/* 6.1: text | rodata | ro_after_init | data in one allocation */
	if (l->base && l->size > l->text_size) {
		r[n].start = (unsigned long)l->base + l->text_size;
		r[n].end = (unsigned long)l->base + l->size;
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

/* SHA-256 from lib/crypto */
struct vukp_sha256 {
#ifdef VUKP_HAVE_SHA256_CTX
	struct sha256_ctx ctx;
#else
	struct sha256_state ctx;
#endif
};

static inline void vukp_sha256_init(struct vukp_sha256 *s)
{
	sha256_init(&s->ctx);
}

static inline void vukp_sha256_update(struct vukp_sha256 *s, const u8 *d,
				      unsigned int len)
{
	sha256_update(&s->ctx, d, len);
}

static inline void vukp_sha256_final(struct vukp_sha256 *s, u8 *out)
{
	sha256_final(&s->ctx, out);
}

/* AES-128 from lib/crypto */
struct vukp_aes_key {
	struct crypto_aes_ctx ctx;
};

static inline void vukp_aes_key_expand(struct vukp_aes_key *k, const u8 *key,
				       unsigned int len)
{
	aes_expandkey(&k->ctx, key, len);
}

static inline void vukp_aes_encrypt_block(const struct vukp_aes_key *k,
					  u8 *dst, const u8 *src)
{
	aes_encrypt(&k->ctx, dst, src);
}

static inline void vukp_aes_decrypt_block(const struct vukp_aes_key *k,
					  u8 *dst, const u8 *src)
{
	aes_decrypt(&k->ctx, dst, src);
}

#endif /* VUKP_COMPAT_H */
