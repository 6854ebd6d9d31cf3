// SPDX-License-Identifier: GPL-2.0
/*
 * The module's own AES-128 and HMAC-SHA256 (module/crypto.c, built for
 * userspace from the same source by tests/host/run.sh) against OpenSSL, a
 * second implementation: the known answers of vukp_crypto_selftest(), then
 * random keys, blocks and message lengths (0-299 bytes, SHA-256 fed in two
 * pieces cut at random).  Prints KTAP lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "crypto.h"
#include "../ktap.h"

#define ROUNDS 20000

int main(void)
{
	int bad_aes = 0, bad_hmac = 0, bad_sha = 0, it;

	ktap_start();
	ktap_result(!vukp_crypto_selftest(), "vukp_crypto_selftest (FIPS-197 C.1, RFC 4231 case 2)");
	srand(1);
	for (it = 0; it < ROUNDS; it++) {
		u8 key[16], pt[64], ct[64], ref[64], back[64], mac[32], rmac[32];
		u8 data[300], d1[32], d2[32];
		unsigned int len = rand() % 300, cut, ml, i;
		struct vukp_aes a;
		struct vukp_sha256 s;
		EVP_CIPHER_CTX *c;
		int ol;

		for (i = 0; i < 16; i++)
			key[i] = rand();
		for (i = 0; i < 64; i++)
			pt[i] = rand();
		for (i = 0; i < len; i++)
			data[i] = rand();
		vukp_aes_setkey(&a, key);
		vukp_ecb_encrypt(&a, ct, pt, 4);
		vukp_ecb_decrypt(&a, back, ct, 4);
		c = EVP_CIPHER_CTX_new();
		EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, key, NULL);
		EVP_CIPHER_CTX_set_padding(c, 0);
		EVP_EncryptUpdate(c, ref, &ol, pt, 64);
		EVP_CIPHER_CTX_free(c);
		bad_aes += memcmp(ct, ref, 64) || memcmp(back, pt, 64);

		vukp_hmac_sha256(key, 16, data, len, mac);
		HMAC(EVP_sha256(), key, 16, data, len, rmac, &ml);
		bad_hmac += memcmp(mac, rmac, 32) != 0;

		cut = len ? rand() % len : 0;
		vukp_sha256_init(&s);
		vukp_sha256_update(&s, data, cut);
		vukp_sha256_update(&s, data + cut, len - cut);
		vukp_sha256_final(&s, d1);
		EVP_Digest(data, len, d2, NULL, EVP_sha256(), NULL);
		bad_sha += memcmp(d1, d2, 32) != 0;
	}
	ktap_result(!bad_aes, "AES-128 ECB encrypt/decrypt = OpenSSL on %d random keys (%d differ)",
		    ROUNDS, bad_aes);
	ktap_result(!bad_hmac, "HMAC-SHA256 = OpenSSL on %d random messages (%d differ)",
		    ROUNDS, bad_hmac);
	ktap_result(!bad_sha, "SHA-256 in two pieces = OpenSSL on %d random messages (%d differ)",
		    ROUNDS, bad_sha);
	return ktap_finish();
}
