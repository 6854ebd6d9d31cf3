// SPDX-License-Identifier: GPL-2.0
/*
 * The record format's crypto: AES-128-ECB over whole blocks and
 * HMAC-SHA256 (RFC 2104), on portable AES-128 (FIPS-197) and SHA-256
 * (FIPS 180-4) written here rather than the kernel's lib/crypto, which is
 * not NMI-safe on x86 from 6.16 on (module/compat.h says why).  Plain C
 * only: no FPU, no allocation, no lock, no per-CPU state; safe in any
 * context, including an int3 probe handler's NMI context.
 */
#include <linux/string.h>
#include <linux/bitops.h>
#include "crypto.h"

#define VUKP_HMAC_BLOCK VUKP_SHA256_BLOCK

/* ------------------------------------------------------------ AES-128 --- */

static const u8 vukp_sbox[256] = {
	0x63, 0x7c, 0x77, 0x7b, 0xf2, 0x6b, 0x6f, 0xc5,
	0x30, 0x01, 0x67, 0x2b, 0xfe, 0xd7, 0xab, 0x76,
	0xca, 0x82, 0xc9, 0x7d, 0xfa, 0x59, 0x47, 0xf0,
	0xad, 0xd4, 0xa2, 0xaf, 0x9c, 0xa4, 0x72, 0xc0,
	0xb7, 0xfd, 0x93, 0x26, 0x36, 0x3f, 0xf7, 0xcc,
	0x34, 0xa5, 0xe5, 0xf1, 0x71, 0xd8, 0x31, 0x15,
	0x04, 0xc7, 0x23, 0xc3, 0x18, 0x96, 0x05, 0x9a,
	0x07, 0x12, 0x80, 0xe2, 0xeb, 0x27, 0xb2, 0x75,
	0x09, 0x83, 0x2c, 0x1a, 0x1b, 0x6e, 0x5a, 0xa0,
	0x52, 0x3b, 0xd6, 0xb3, 0x29, 0xe3, 0x2f, 0x84,
	0x53, 0xd1, 0x00, 0xed, 0x20, 0xfc, 0xb1, 0x5b,
	0x6a, 0xcb, 0xbe, 0x39, 0x4a, 0x4c, 0x58, 0xcf,
	0xd0, 0xef, 0xaa, 0xfb, 0x43, 0x4d, 0x33, 0x85,
	0x45, 0xf9, 0x02, 0x7f, 0x50, 0x3c, 0x9f, 0xa8,
	0x51, 0xa3, 0x40, 0x8f, 0x92, 0x9d, 0x38, 0xf5,
	0xbc, 0xb6, 0xda, 0x21, 0x10, 0xff, 0xf3, 0xd2,
	0xcd, 0x0c, 0x13, 0xec, 0x5f, 0x97, 0x44, 0x17,
	0xc4, 0xa7, 0x7e, 0x3d, 0x64, 0x5d, 0x19, 0x73,
	0x60, 0x81, 0x4f, 0xdc, 0x22, 0x2a, 0x90, 0x88,
	0x46, 0xee, 0xb8, 0x14, 0xde, 0x5e, 0x0b, 0xdb,
	0xe0, 0x32, 0x3a, 0x0a, 0x49, 0x06, 0x24, 0x5c,
	0xc2, 0xd3, 0xac, 0x62, 0x91, 0x95, 0xe4, 0x79,
	0xe7, 0xc8, 0x37, 0x6d, 0x8d, 0xd5, 0x4e, 0xa9,
	0x6c, 0x56, 0xf4, 0xea, 0x65, 0x7a, 0xae, 0x08,
	0xba, 0x78, 0x25, 0x2e, 0x1c, 0xa6, 0xb4, 0xc6,
	0xe8, 0xdd, 0x74, 0x1f, 0x4b, 0xbd, 0x8b, 0x8a,
	0x70, 0x3e, 0xb5, 0x66, 0x48, 0x03, 0xf6, 0x0e,
	0x61, 0x35, 0x57, 0xb9, 0x86, 0xc1, 0x1d, 0x9e,
	0xe1, 0xf8, 0x98, 0x11, 0x69, 0xd9, 0x8e, 0x94,
	0x9b, 0x1e, 0x87, 0xe9, 0xce, 0x55, 0x28, 0xdf,
	0x8c, 0xa1, 0x89, 0x0d, 0xbf, 0xe6, 0x42, 0x68,
	0x41, 0x99, 0x2d, 0x0f, 0xb0, 0x54, 0xbb, 0x16,
};

static const u8 vukp_inv_sbox[256] = {
	0x52, 0x09, 0x6a, 0xd5, 0x30, 0x36, 0xa5, 0x38,
	0xbf, 0x40, 0xa3, 0x9e, 0x81, 0xf3, 0xd7, 0xfb,
	0x7c, 0xe3, 0x39, 0x82, 0x9b, 0x2f, 0xff, 0x87,
	0x34, 0x8e, 0x43, 0x44, 0xc4, 0xde, 0xe9, 0xcb,
	0x54, 0x7b, 0x94, 0x32, 0xa6, 0xc2, 0x23, 0x3d,
	0xee, 0x4c, 0x95, 0x0b, 0x42, 0xfa, 0xc3, 0x4e,
	0x08, 0x2e, 0xa1, 0x66, 0x28, 0xd9, 0x24, 0xb2,
	0x76, 0x5b, 0xa2, 0x49, 0x6d, 0x8b, 0xd1, 0x25,
	0x72, 0xf8, 0xf6, 0x64, 0x86, 0x68, 0x98, 0x16,
	0xd4, 0xa4, 0x5c, 0xcc, 0x5d, 0x65, 0xb6, 0x92,
	0x6c, 0x70, 0x48, 0x50, 0xfd, 0xed, 0xb9, 0xda,
	0x5e, 0x15, 0x46, 0x57, 0xa7, 0x8d, 0x9d, 0x84,
	0x90, 0xd8, 0xab, 0x00, 0x8c, 0xbc, 0xd3, 0x0a,
	0xf7, 0xe4, 0x58, 0x05, 0xb8, 0xb3, 0x45, 0x06,
	0xd0, 0x2c, 0x1e, 0x8f, 0xca, 0x3f, 0x0f, 0x02,
	0xc1, 0xaf, 0xbd, 0x03, 0x01, 0x13, 0x8a, 0x6b,
	0x3a, 0x91, 0x11, 0x41, 0x4f, 0x67, 0xdc, 0xea,
	0x97, 0xf2, 0xcf, 0xce, 0xf0, 0xb4, 0xe6, 0x73,
	0x96, 0xac, 0x74, 0x22, 0xe7, 0xad, 0x35, 0x85,
	0xe2, 0xf9, 0x37, 0xe8, 0x1c, 0x75, 0xdf, 0x6e,
	0x47, 0xf1, 0x1a, 0x71, 0x1d, 0x29, 0xc5, 0x89,
	0x6f, 0xb7, 0x62, 0x0e, 0xaa, 0x18, 0xbe, 0x1b,
	0xfc, 0x56, 0x3e, 0x4b, 0xc6, 0xd2, 0x79, 0x20,
	0x9a, 0xdb, 0xc0, 0xfe, 0x78, 0xcd, 0x5a, 0xf4,
	0x1f, 0xdd, 0xa8, 0x33, 0x88, 0x07, 0xc7, 0x31,
	0xb1, 0x12, 0x10, 0x59, 0x27, 0x80, 0xec, 0x5f,
	0x60, 0x51, 0x7f, 0xa9, 0x19, 0xb5, 0x4a, 0x0d,
	0x2d, 0xe5, 0x7a, 0x9f, 0x93, 0xc9, 0x9c, 0xef,
	0xa0, 0xe0, 0x3b, 0x4d, 0xae, 0x2a, 0xf5, 0xb0,
	0xc8, 0xeb, 0xbb, 0x3c, 0x83, 0x53, 0x99, 0x61,
	0x17, 0x2b, 0x04, 0x7e, 0xba, 0x77, 0xd6, 0x26,
	0xe1, 0x69, 0x14, 0x63, 0x55, 0x21, 0x0c, 0x7d,
};

static const u8 vukp_rcon[10] = {
	0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36
};

/*
 * The state is four columns, each a u32 with row 0 in the low byte (the
 * bytes of a column are consecutive in the block, so a column is a
 * little-endian load).
 */
static inline u32 vukp_col(const u8 *p)
{
	return p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static inline void vukp_put_col(u8 *p, u32 w)
{
	p[0] = w;
	p[1] = w >> 8;
	p[2] = w >> 16;
	p[3] = w >> 24;
}

/* row r of column w */
#define VUKP_B(w, r) ((u8)((w) >> (8 * (r))))

static u32 vukp_subw(u32 w)
{
	return vukp_sbox[VUKP_B(w, 0)] | (u32)vukp_sbox[VUKP_B(w, 1)] << 8 |
	       (u32)vukp_sbox[VUKP_B(w, 2)] << 16 |
	       (u32)vukp_sbox[VUKP_B(w, 3)] << 24;
}

/* every byte times x in GF(2^8) */
static inline u32 vukp_mul2(u32 w)
{
	return ((w & 0x7f7f7f7f) << 1) ^ (((w >> 7) & 0x01010101) * 0x1b);
}

/* MixColumns of one column: b_r = 2a_r + 3a_{r+1} + a_{r+2} + a_{r+3} */
static inline u32 vukp_mix(u32 x)
{
	u32 y = ror32(x, 8);	/* byte r holds a_{r+1} */

	return vukp_mul2(x ^ y) ^ y ^ ror32(x, 16) ^ ror32(x, 24);
}

/*
 * InvMixColumns: the circulant (14 11 13 9) is (2 3 1 1) times (5 0 4 0),
 * so multiply by (5 0 4 0) first (u_r = a_r + 4(a_r + a_{r+2})), then mix.
 */
static inline u32 vukp_inv_mix(u32 x)
{
	return vukp_mix(x ^ vukp_mul2(vukp_mul2(x ^ ror32(x, 16))));
}

void vukp_aes_key_expand(struct vukp_aes_key *k, const u8 *key,
			 unsigned int len)
{
	unsigned int i;

	memset(k, 0, sizeof(*k));
	if (len != 16)
		return;
	for (i = 0; i < 4; i++)
		k->rk[i] = vukp_col(key + 4 * i);
	for (i = 4; i < 44; i++) {
		u32 t = k->rk[i - 1];

		if (i % 4 == 0)	/* RotWord is a rotation by one row */
			t = vukp_subw(ror32(t, 8)) ^ vukp_rcon[i / 4 - 1];
		k->rk[i] = k->rk[i - 4] ^ t;
	}
}

void vukp_aes_encrypt_block(const struct vukp_aes_key *k, u8 *dst,
			    const u8 *src)
{
	const u32 *rk = k->rk;
	u32 s[4], t[4];
	int c, round;

	for (c = 0; c < 4; c++)
		s[c] = vukp_col(src + 4 * c) ^ rk[c];
	for (round = 1; round <= 10; round++) {
		rk += 4;
		/* SubBytes and ShiftRows: row r of column c from column c + r */
		for (c = 0; c < 4; c++)
			t[c] = vukp_sbox[VUKP_B(s[c], 0)] |
			       (u32)vukp_sbox[VUKP_B(s[(c + 1) & 3], 1)] << 8 |
			       (u32)vukp_sbox[VUKP_B(s[(c + 2) & 3], 2)] << 16 |
			       (u32)vukp_sbox[VUKP_B(s[(c + 3) & 3], 3)] << 24;
		for (c = 0; c < 4; c++)
			s[c] = (round < 10 ? vukp_mix(t[c]) : t[c]) ^ rk[c];
	}
	for (c = 0; c < 4; c++)
		vukp_put_col(dst + 4 * c, s[c]);
	memzero_explicit(s, sizeof(s));
	memzero_explicit(t, sizeof(t));
}

void vukp_aes_decrypt_block(const struct vukp_aes_key *k, u8 *dst,
			    const u8 *src)
{
	const u32 *rk = k->rk + 40;
	u32 s[4], t[4];
	int c, round;

	for (c = 0; c < 4; c++)
		s[c] = vukp_col(src + 4 * c) ^ rk[c];
	for (round = 9; round >= 0; round--) {
		rk -= 4;
		/* InvShiftRows and InvSubBytes: row r from column c - r */
		for (c = 0; c < 4; c++)
			t[c] = vukp_inv_sbox[VUKP_B(s[c], 0)] |
			       (u32)vukp_inv_sbox[VUKP_B(s[(c + 3) & 3], 1)] << 8 |
			       (u32)vukp_inv_sbox[VUKP_B(s[(c + 2) & 3], 2)] << 16 |
			       (u32)vukp_inv_sbox[VUKP_B(s[(c + 1) & 3], 3)] << 24;
		for (c = 0; c < 4; c++) {
			t[c] ^= rk[c];
			s[c] = round ? vukp_inv_mix(t[c]) : t[c];
		}
	}
	for (c = 0; c < 4; c++)
		vukp_put_col(dst + 4 * c, s[c]);
	memzero_explicit(s, sizeof(s));
	memzero_explicit(t, sizeof(t));
}

/* ------------------------------------------------------------ SHA-256 --- */

static const u32 vukp_sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

static inline u32 vukp_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static void vukp_sha256_block(u32 h[8], const u8 *p)
{
	u32 w[64], a, b, c, d, e, f, g, hh, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = vukp_be32(p + 4 * i);
	for (i = 16; i < 64; i++) {
		u32 s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^
			 (w[i - 15] >> 3);
		u32 s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^
			 (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0]; b = h[1]; c = h[2]; d = h[3];
	e = h[4]; f = h[5]; g = h[6]; hh = h[7];
	for (i = 0; i < 64; i++) {
		t1 = hh + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) +
		     ((e & f) ^ (~e & g)) + vukp_sha256_k[i] + w[i];
		t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		hh = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d;
	h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
	memzero_explicit(w, sizeof(w));
}

void vukp_sha256_init(struct vukp_sha256 *s)
{
	static const u32 iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
	};

	memcpy(s->h, iv, sizeof(iv));
	s->bytes = 0;
}

void vukp_sha256_update(struct vukp_sha256 *s, const u8 *d, unsigned int len)
{
	unsigned int used = s->bytes % VUKP_SHA256_BLOCK;

	s->bytes += len;
	if (used) {
		unsigned int n = min(len, VUKP_SHA256_BLOCK - used);

		memcpy(s->buf + used, d, n);
		d += n;
		len -= n;
		if (used + n < VUKP_SHA256_BLOCK)
			return;
		vukp_sha256_block(s->h, s->buf);
	}
	for (; len >= VUKP_SHA256_BLOCK; len -= VUKP_SHA256_BLOCK) {
		vukp_sha256_block(s->h, d);
		d += VUKP_SHA256_BLOCK;
	}
	memcpy(s->buf, d, len);
}

void vukp_sha256_final(struct vukp_sha256 *s, u8 *out)
{
	unsigned int used = s->bytes % VUKP_SHA256_BLOCK;
	u64 bits = s->bytes * 8;
	int i;

	s->buf[used++] = 0x80;
	if (used > VUKP_SHA256_BLOCK - 8) {
		memset(s->buf + used, 0, VUKP_SHA256_BLOCK - used);
		vukp_sha256_block(s->h, s->buf);
		used = 0;
	}
	memset(s->buf + used, 0, VUKP_SHA256_BLOCK - 8 - used);
	for (i = 0; i < 8; i++)
		s->buf[VUKP_SHA256_BLOCK - 1 - i] = bits >> (8 * i);
	vukp_sha256_block(s->h, s->buf);
	for (i = 0; i < 8; i++) {
		out[4 * i] = s->h[i] >> 24;
		out[4 * i + 1] = s->h[i] >> 16;
		out[4 * i + 2] = s->h[i] >> 8;
		out[4 * i + 3] = s->h[i];
	}
	memzero_explicit(s, sizeof(*s));
}

/* ------------------------------------------------- the record format --- */

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
	u8 inner[VUKP_SHA256_DIGEST];
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
	u8 mac[VUKP_SHA256_DIGEST];
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

/* --------------------------------------------------- known answers --- */

/*
 * FIPS-197 appendix C.1 (AES-128) and RFC 4231 test case 2 (HMAC-SHA256),
 * plus a decrypt of the encrypt.  Returns 0, or -EINVAL naming nothing:
 * the caller says which module refused to load.
 */
int vukp_crypto_selftest(void)
{
	static const u8 key[16] = {
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
		0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f
	};
	static const u8 pt[16] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff
	};
	static const u8 ct[16] = {
		0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
		0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a
	};
	static const u8 mac[32] = {
		0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e,
		0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
		0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83,
		0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43
	};
	static const char data[] = "what do ya want for nothing?";
	struct vukp_aes aes;
	u8 buf[32], back[16];
	int bad;

	vukp_aes_setkey(&aes, key);
	vukp_ecb_encrypt(&aes, buf, pt, 1);
	vukp_ecb_decrypt(&aes, back, buf, 1);
	vukp_aes_wipe(&aes);
	bad = memcmp(buf, ct, 16) || memcmp(back, pt, 16);
	vukp_hmac_sha256((const u8 *)"Jefe", 4, (const u8 *)data,
			 sizeof(data) - 1, buf);
	bad |= memcmp(buf, mac, 32) != 0;
	return bad ? -EINVAL : 0;
}
