/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The record format's crypto (AES-128-ECB, HMAC-SHA256) on portable C of
 * our own (module/compat.h says why not lib/crypto).  No state beyond the
 * caller's, no allocation, no FPU: every function may be called from a
 * probe handler, in any context including NMI.
 */
#ifndef VUKP_CRYPTO_H
#define VUKP_CRYPTO_H

#include <linux/types.h>
#include "compat.h"

#define VUKP_BLOCK	16	/* AES block */
#define VUKP_KEY_LEN	16	/* a GPU's key */
#define VUKP_SIG_LEN	32	/* HMAC-SHA256 */

/* An expanded AES-128 key (struct vukp_aes_key is compat.h's). */
struct vukp_aes {
	struct vukp_aes_key k;
};

void vukp_aes_setkey(struct vukp_aes *aes, const u8 *key);
void vukp_aes_wipe(struct vukp_aes *aes);
void vukp_ecb_encrypt(const struct vukp_aes *aes, u8 *dst, const u8 *src,
		      unsigned int nblocks);
void vukp_ecb_decrypt(const struct vukp_aes *aes, u8 *dst, const u8 *src,
		      unsigned int nblocks);
void vukp_hmac_sha256(const u8 *key, unsigned int keylen, const u8 *data,
		      unsigned int len, u8 *out);

/* Does @sig sign record @rec (u8 num_blocks, then the blocks) under @key? */
bool vukp_record_verify(const u8 *key, const u8 *rec, const u8 *sig);
/* Encrypt @nblocks of @plain into record @rec, sign it into @sig. */
void vukp_record_seal(const struct vukp_aes *aes, const u8 *key,
		      const u8 *plain, unsigned int nblocks, u8 *rec, u8 *sig);

/*
 * Known answers (FIPS-197 C.1, RFC 4231 case 2): 0 or -EINVAL.  Meant for
 * the module's init, so a miscompiled cipher refuses to load.
 */
int vukp_crypto_selftest(void);

#endif /* VUKP_CRYPTO_H */
