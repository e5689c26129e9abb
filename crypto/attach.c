/*
 * Attachment chunks under a report's DEK (see attach.h and docs/crypto.md
 * §14).  The construction is the one HPKE uses for its sequence of
 * messages: one derived key, nonce = base nonce XOR the chunk index; the
 * chunk count in every chunk's associated data makes truncation fail as
 * surely as a changed byte.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "crypto/attach.h"
#include "crypto/secret.h"

const uint32_t attach_buckets[ATTACH_NBUCKETS] = {
	1, 2, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256,
};

int
attach_is_bucket(uint32_t n)
{
	size_t	i;

	for (i = 0; i < ATTACH_NBUCKETS; i++)
		if (attach_buckets[i] == n)
			return (1);
	return (0);
}

uint32_t
attach_bucket(uint64_t size)
{
	size_t	i;

	for (i = 0; i < ATTACH_NBUCKETS; i++)
		if ((uint64_t)attach_buckets[i] * ATTACH_CHUNK >= size)
			return (attach_buckets[i]);
	return (0);
}

int
attach_key_derive(const uint8_t *dek, const uint8_t *file_id,
    uint32_t chunks, struct attach_key *k)
{
	uint8_t	okm[44];

	memset(k, 0, sizeof(*k));
	if (!attach_is_bucket(chunks) || secret_hkdf(dek, 32, file_id,
	    ATTACH_FILE_ID_LEN, ATTACH_KEY_INFO, okm, sizeof(okm)) == -1)
		return (-1);
	memcpy(k->ak_key, okm, 32);
	memcpy(k->ak_nonce, okm + 32, 12);
	memcpy(k->ak_file_id, file_id, ATTACH_FILE_ID_LEN);
	k->ak_chunks = chunks;
	OPENSSL_cleanse(okm, sizeof(okm));
	return (0);
}

void
attach_key_clear(struct attach_key *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* aad = label || 0x01 || file id || I2OSP(index, 4) || I2OSP(chunks, 4) */
#define AAD_LEN	(sizeof(ATTACH_CHUNK_AAD) - 1 + 1 + ATTACH_FILE_ID_LEN + 8)

static void
chunk_params(const struct attach_key *k, uint32_t index, uint8_t *nonce,
    uint8_t *aad)
{
	size_t	o = sizeof(ATTACH_CHUNK_AAD) - 1;

	memcpy(nonce, k->ak_nonce, 12);
	nonce[8] ^= (uint8_t)(index >> 24);
	nonce[9] ^= (uint8_t)(index >> 16);
	nonce[10] ^= (uint8_t)(index >> 8);
	nonce[11] ^= (uint8_t)index;
	memcpy(aad, ATTACH_CHUNK_AAD, o);
	aad[o++] = 0x01;
	memcpy(aad + o, k->ak_file_id, ATTACH_FILE_ID_LEN);
	o += ATTACH_FILE_ID_LEN;
	put32(aad + o, index);
	put32(aad + o + 4, k->ak_chunks);
}

int
attach_chunk_seal(const struct attach_key *k, uint32_t index,
    const uint8_t *pt, uint8_t *out)
{
	uint8_t	nonce[12], aad[AAD_LEN];

	if (index >= k->ak_chunks)
		return (-1);
	chunk_params(k, index, nonce, aad);
	return (secret_gcm_seal(k->ak_key, nonce, aad, sizeof(aad), pt,
	    ATTACH_CHUNK, out));
}

int
attach_chunk_open(const struct attach_key *k, uint32_t index,
    const uint8_t *ct, size_t ctlen, uint8_t *out)
{
	uint8_t	nonce[12], aad[AAD_LEN];

	if (index >= k->ak_chunks || ctlen != ATTACH_CHUNK_CT)
		return (-1);
	chunk_params(k, index, nonce, aad);
	return (secret_gcm_open(k->ak_key, nonce, aad, sizeof(aad), ct,
	    ctlen, out));
}

size_t
attach_meta_ctx(const uint8_t *file_id, uint8_t *ctx)
{
	memcpy(ctx, ATTACH_META_CTX, sizeof(ATTACH_META_CTX) - 1);
	memcpy(ctx + sizeof(ATTACH_META_CTX) - 1, file_id,
	    ATTACH_FILE_ID_LEN);
	return (ATTACH_META_CTX_LEN);
}
