// SPDX-License-Identifier: GPL-2.0
/*
 * The record format's crypto, on the kernel's lib/crypto primitives only:
 * AES-128-ECB over whole blocks and HMAC-SHA256 (RFC 2104) built from the
 * SHA-256 library.  No state, no allocation: safe in atomic context.
 */
#include <linux/string.h>
#include "crypto.h"

#define VUKP_HMAC_BLOCK 64

void vukp_aes_setkey(struct vukp_aes *aes, const u8 *key)
{
	vukp_aes_key_expand(&aes->k, key, VUKP_KEY_LEN);
}

void vukp_aes_wipe(struct vukp_aes *aes)
{
	memzero_explicit(aes, sizeof(*aes));
}

void vukp_ecb_encrypt(const struct vukp_aes *aes, u8 *dst, const u8 *src,
		      unsigned int nblocks)
{
	unsigned int i;

	for (i = 0; i < nblocks; i++)
		vukp_aes_encrypt_block(&aes->k, dst + i * VUKP_BLOCK,
				       src + i * VUKP_BLOCK);
}

void vukp_ecb_decrypt(const struct vukp_aes *aes, u8 *dst, const u8 *src,
		      unsigned int nblocks)
{
	unsigned int i;

	for (i = 0; i < nblocks; i++)
		vukp_aes_decrypt_block(&aes->k, dst + i * VUKP_BLOCK,
				       src + i * VUKP_BLOCK);
}

/* @keylen must be at most one SHA-256 block (64 bytes); ours is 16. */
void vukp_hmac_sha256(const u8 *key, unsigned int keylen, const u8 *data,
		      unsigned int len, u8 *out)
{
	u8 pad[VUKP_HMAC_BLOCK];
	u8 inner[SHA256_DIGEST_SIZE];
	struct vukp_sha256 s;
	unsigned int i;

	memset(pad, 0, sizeof(pad));
	memcpy(pad, key, min_t(unsigned int, keylen, sizeof(pad)));
	for (i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36;
	vukp_sha256_init(&s);
	vukp_sha256_update(&s, pad, sizeof(pad));
	vukp_sha256_update(&s, data, len);
	vukp_sha256_final(&s, inner);

	for (i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36 ^ 0x5c;
	vukp_sha256_init(&s);
	vukp_sha256_update(&s, pad, sizeof(pad));
	vukp_sha256_update(&s, inner, sizeof(inner));
	vukp_sha256_final(&s, out);

	memzero_explicit(pad, sizeof(pad));
	memzero_explicit(inner, sizeof(inner));
}

/*
 * Does @sig sign record @rec (u8 num_blocks, then the blocks) under @key?
 * The caller has checked that num_blocks is within bounds.
 */
bool vukp_record_verify(const u8 *key, const u8 *rec, const u8 *sig)
{
	u8 mac[SHA256_DIGEST_SIZE];
	bool ok;

	vukp_hmac_sha256(key, VUKP_KEY_LEN, rec, 1 + VUKP_BLOCK * rec[0], mac);
	ok = !crypto_memneq(mac, sig, VUKP_SIG_LEN);
	memzero_explicit(mac, sizeof(mac));
	return ok;
}

/* Encrypt @nblocks of @plain into record @rec and sign it into @sig. */
void vukp_record_seal(const struct vukp_aes *aes, const u8 *key,
		      const u8 *plain, unsigned int nblocks, u8 *rec, u8 *sig)
{
	rec[0] = nblocks;
	vukp_ecb_encrypt(aes, rec + 1, plain, nblocks);
	vukp_hmac_sha256(key, VUKP_KEY_LEN, rec, 1 + VUKP_BLOCK * nblocks, sig);
}
