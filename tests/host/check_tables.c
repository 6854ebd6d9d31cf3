// SPDX-License-Identifier: GPL-2.0
/*
 * Host check of the generated mock tables with a second implementation
 * (OpenSSL's C API, linked directly): the tables are assembled into this
 * program, walked like the driver walks them, and every record is
 * verified and decrypted.  Usage: check_tables tables.txt [gpu images...]
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const uint8_t mock_other_list[], mock_vgpu_list[];
extern const uint32_t mock_other_list_count, mock_vgpu_list_count;
extern const uint8_t mock_tables_start[], mock_tables_end[];

static const uint8_t magic_start[16] = {
	0xf3, 0xf5, 0x9e, 0x3d, 0x13, 0x91, 0x75, 0x18,
	0x6a, 0x7b, 0x55, 0xed, 0xce, 0x5d, 0x84, 0x67 };
static const uint8_t sac_dc[16] = {
	0x46, 0x4f, 0x39, 0x49, 0x74, 0x91, 0xd7, 0x0f,
	0xbc, 0x65, 0xc2, 0x70, 0xdd, 0xdd, 0x11, 0x54 };
static const uint8_t sac_pt[16] = {
	0x9d, 0x72, 0xd9, 0x06, 0xa6, 0x20, 0xf4, 0x39,
	0xe1, 0x11, 0x7d, 0x17, 0xb4, 0x53, 0x1d, 0x73 };

#include "../ktap.h"

#define result(ok, fmt, arg) ktap_result(ok, fmt, arg)

static const uint8_t *ptr(const uint8_t *t, int i)
{
	uint64_t v;

	memcpy(&v, t + 8 * i, 8);
	return (const uint8_t *)(uintptr_t)v;
}

static int in_tables(const void *p, size_t n)
{
	return (const uint8_t *)p >= mock_tables_start &&
	       (const uint8_t *)p + n <= mock_tables_end;
}

/* Verify and decrypt; returns number of blocks or -1. */
static int open_record(const uint8_t *rec, const uint8_t *sig,
		       const uint8_t *key, uint8_t *plain)
{
	unsigned int nb = rec[0], mlen = 0;
	uint8_t mac[32];
	EVP_CIPHER_CTX *c;
	int len, ok;

	if (nb < 1 || nb > 33 || !in_tables(rec, 1 + 16 * nb) || !in_tables(sig, 32))
		return -1;
	HMAC(EVP_sha256(), key, 16, rec, 1 + 16 * nb, mac, &mlen);
	if (mlen != 32 || CRYPTO_memcmp(mac, sig, 32))
		return -1;
	c = EVP_CIPHER_CTX_new();
	ok = EVP_DecryptInit_ex(c, EVP_aes_128_ecb(), NULL, key, NULL) &&
	     EVP_CIPHER_CTX_set_padding(c, 0) &&
	     EVP_DecryptUpdate(c, plain, &len, rec + 1, 16 * nb);
	EVP_CIPHER_CTX_free(c);
	return ok ? (int)nb : -1;
}

static void hex(const char *s, uint8_t *out)
{
	for (int i = 0; i < 16; i++)
		sscanf(s + 2 * i, "%2hhx", &out[i]);
}

struct gpu { unsigned int dev; uint8_t magic[16], key[16]; unsigned int moff, koff; };

int main(int argc, char **argv)
{
	struct gpu gpus[8];
	int ngpu = 0, nother = 0, nvgpu = 0, nsac = 0, bulk_mb = 8;
	char line[256], kind[32];
	FILE *f = fopen(argv[1], "r");
	const uint8_t *t;
	int count, ok;

	ktap_start();

	if (!f) {
		perror(argv[1]);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char m[40], k[40];
		unsigned int dev, ss;

		if (sscanf(line, "gpu %x %32s %32s %u %u", &dev, m, k,
			   &gpus[ngpu].moff, &gpus[ngpu].koff) == 5) {
			gpus[ngpu].dev = dev;
			hex(m, gpus[ngpu].magic);
			hex(k, gpus[ngpu].key);
			ngpu++;
		} else if (sscanf(line, "other %d", &nother) == 1) {
		} else if (sscanf(line, "bulk %d", &bulk_mb) == 1) {
		} else if (sscanf(line, "vgpu %31s %x %x", kind, &dev, &ss) == 3) {
			nvgpu++;
			nsac += !strncmp(kind, "sac", 3);
		}
	}
	fclose(f);

	/* Other-boards list */
	result(!memcmp(ptr(mock_other_list, 0), magic_start, 16),
	       "%sother-boards list starts with the magic_start entry", "");
	/*
	 * The driver knows each list's length (mock_*_list_count); a list ends
	 * with a NULL triplet, or (--adjacent) where the vGPU-capable one starts.
	 */
	const uint8_t *oend = mock_other_list + 24 * mock_other_list_count;
	const uint8_t *vend = mock_vgpu_list + 24 * mock_vgpu_list_count;

	result(mock_other_list_count == (uint32_t)nother + 1 &&
	       (!ptr(oend, 0) || oend == mock_vgpu_list),
	       "%sother-boards list length, then a NULL triplet or the vGPU-capable list", "");
	for (int g = 0; g < ngpu; g++) {
		int found = 0, good = 0;
		char name[32];

		snprintf(name, sizeof(name), "%04x", gpus[g].dev);
		for (t = mock_other_list; t < oend; t += 24) {
			uint8_t plain[16 * 33];	/* u8 name lengths: at most 33 blocks */

			if (memcmp(ptr(t, 0), gpus[g].magic, 16))
				continue;
			found++;
			if (open_record(ptr(t, 1), ptr(t, 2), gpus[g].key, plain) > 0 &&
			    (plain[2] | plain[3] << 8) == gpus[g].dev)
				good++;
		}
		if (gpus[g].dev == 0x1b38)
			result(found == 0, "native GPU %s is not in the other-boards list", name);
		else
			result(found == 1 && good == 1,
			       "GPU %s: own record verifies and decrypts to its device id", name);
	}

	/* vGPU-capable list */
	result(mock_vgpu_list_count == (uint32_t)nvgpu &&
	       (!ptr(vend, 0) || oend == mock_vgpu_list),
	       "%svGPU-capable list length, then a NULL triplet (unless back to back)", "");
	for (int g = 0; g < ngpu; g++) {
		int found = 0, good = 0;
		char name[32];

		if (gpus[g].dev != 0x1b38)
			continue;
		snprintf(name, sizeof(name), "%04x", gpus[g].dev);
		for (t = mock_vgpu_list; t < vend; t += 24) {
			uint8_t plain[16 * 33];	/* u8 name lengths: at most 33 blocks */
			int nb;

			if (memcmp(ptr(t, 0), gpus[g].magic, 16))
				continue;
			found++;
			nb = open_record(ptr(t, 1), ptr(t, 2), gpus[g].key, plain);
			if (nb > 0 && (plain[2] | plain[3] << 8) == 0x1b38 &&
			    nb == (10 + plain[0] + plain[1] + 15) / 16 &&
			    ((plain[4] | plain[5] << 8) == 0 || (plain[4] | plain[5] << 8) == 0x10de))
				good++;
		}
		result(found == 25 && good == 25,
		       "native P40 (%s): 25 type records verify, decrypt, well formed", name);
	}
	count = 0;
	for (t = mock_vgpu_list; t < vend; t += 24)
		count += !memcmp(ptr(t, 0), sac_dc, 16) || !memcmp(ptr(t, 0), sac_pt, 16);
	result(count == nsac, "%ssacrificial triplets as generated", "");
	ok = 1;
	for (t = mock_vgpu_list; t < vend; t += 24)
		ok &= in_tables(ptr(t, 0), 16) && in_tables(ptr(t, 1), 17) && in_tables(ptr(t, 2), 32);
	result(ok, "%severy vGPU-list pointer lies inside the tables", "");
	result(mock_tables_end - mock_tables_start >= (long)bulk_mb << 20,
	       "%sread-only bulk of the generated size", "");

	/* GPU memory images */
	for (int i = 2; i < argc && i - 2 < ngpu; i++) {
		struct gpu *g = &gpus[i - 2];
		uint8_t hdr[32], m[16], k[16];
		FILE *img = fopen(argv[i], "rb");

		ok = img && fread(hdr, 1, 32, img) == 32 &&
		     !fseek(img, g->moff, SEEK_SET) && fread(m, 1, 16, img) == 16 &&
		     !fseek(img, g->koff, SEEK_SET) && fread(k, 1, 16, img) == 16 &&
		     !memcmp(hdr, "NVMK", 4) && (hdr[10] | hdr[11] << 8) == g->dev &&
		     !memcmp(m, g->magic, 16) && !memcmp(k, g->key, 16);
		if (img)
			fclose(img);
		result(ok, "device memory %s holds the identity, magic and key", argv[i]);
	}
	return ktap_finish();
}
