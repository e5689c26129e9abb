/*
 * crypto/attach.c: attachment chunks under a report's DEK (docs/crypto.md
 * §14).  A sealed chunk opens only with the same DEK, file id, index and
 * chunk count; a changed byte fails; the buckets are the documented ones;
 * and the known answer below is the one docs/crypto.md §14.1 prints.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "crypto/attach.h"
#include <openssl/sha.h>

#include "crypto/secret.h"

/* tests/data/attach_example_check.py prints the same from the text. */
#define ATTACH_KAT_KEY \
	"c0200fbc17b074d9e035481719c242d2ea281f7fa0af1f14ff59a27c8752b124"
#define ATTACH_KAT_NONCE	"9003e78b3004fefc96b0eaa0"
#define ATTACH_KAT_SHA256 \
	"35651b82238295c06762db75091790f11f91f3630ba5db83dc668550a873135d"

static void
fill(uint8_t *p, size_t n, uint8_t start)
{
	size_t	i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(start + i);
}

Test(attach, buckets)
{
	cr_assert_eq(attach_bucket(0), 1);
	cr_assert_eq(attach_bucket(1), 1);
	cr_assert_eq(attach_bucket(ATTACH_CHUNK), 1);
	cr_assert_eq(attach_bucket(ATTACH_CHUNK + 1), 2);
	cr_assert_eq(attach_bucket(4 * ATTACH_CHUNK + 1), 6);
	cr_assert_eq(attach_bucket(10 * 1024 * 1024), 48);
	cr_assert_eq(attach_bucket(64 * 1024 * 1024), 256);
	cr_assert_eq(attach_bucket(64 * 1024 * 1024 + 1), 0);
	cr_assert(attach_is_bucket(12));
	cr_assert(!attach_is_bucket(3));
	cr_assert(!attach_is_bucket(0));
	cr_assert(!attach_is_bucket(257));
}

Test(attach, round_trip_and_refusals)
{
	uint8_t			 dek[32], dek2[32], fid[16], fid2[16];
	uint8_t			*pt, *ct, *out;
	struct attach_key	 k, other;

	fill(dek, sizeof(dek), 0);
	fill(dek2, sizeof(dek2), 1);
	fill(fid, sizeof(fid), 0x40);
	fill(fid2, sizeof(fid2), 0x41);
	cr_assert_not_null(pt = malloc(ATTACH_CHUNK));
	cr_assert_not_null(ct = malloc(ATTACH_CHUNK_CT));
	cr_assert_not_null(out = malloc(ATTACH_CHUNK));
	fill(pt, ATTACH_CHUNK, 7);
	cr_assert_eq(attach_key_derive(dek, fid, 3, &k), -1, "not a bucket");
	cr_assert_eq(attach_key_derive(dek, fid, 4, &k), 0);
	cr_assert_eq(attach_chunk_seal(&k, 4, pt, ct), -1, "index past end");
	cr_assert_eq(attach_chunk_seal(&k, 2, pt, ct), 0);
	cr_assert_eq(attach_chunk_open(&k, 2, ct, ATTACH_CHUNK_CT, out), 0);
	cr_assert_eq(memcmp(out, pt, ATTACH_CHUNK), 0);
	/* Another place: index, count (truncation), file, report. */
	cr_assert_eq(attach_chunk_open(&k, 1, ct, ATTACH_CHUNK_CT, out), -1);
	cr_assert_eq(attach_key_derive(dek, fid, 2, &other), 0);
	cr_assert_eq(attach_chunk_open(&other, 1, ct, ATTACH_CHUNK_CT, out),
	    -1);
	cr_assert_eq(attach_key_derive(dek, fid2, 4, &other), 0);
	cr_assert_eq(attach_chunk_open(&other, 2, ct, ATTACH_CHUNK_CT, out),
	    -1);
	cr_assert_eq(attach_key_derive(dek2, fid, 4, &other), 0);
	cr_assert_eq(attach_chunk_open(&other, 2, ct, ATTACH_CHUNK_CT, out),
	    -1);
	/* A changed byte, a short chunk. */
	ct[1000] ^= 1;
	cr_assert_eq(attach_chunk_open(&k, 2, ct, ATTACH_CHUNK_CT, out), -1);
	ct[1000] ^= 1;
	cr_assert_eq(attach_chunk_open(&k, 2, ct, ATTACH_CHUNK_CT - 1, out),
	    -1);
	attach_key_clear(&k);
	attach_key_clear(&other);
	free(pt);
	free(ct);
	free(out);
}

/*
 * The worked example of docs/crypto.md §14.1: DEK 00..1f, file id 40..4f,
 * 1 chunk; the key, base nonce and the SHA-256 of chunk 0 sealed from
 * "%PDF-1.7 meldpunt" and zeros.
 */
Test(attach, known_answer)
{
	uint8_t			 dek[32], fid[16], *pt, *ct, h[32];
	char			 hex[65];
	struct attach_key	 k;
	static const char	 file[] = "%PDF-1.7 meldpunt";

	fill(dek, sizeof(dek), 0);
	fill(fid, sizeof(fid), 0x40);
	cr_assert_not_null(pt = calloc(1, ATTACH_CHUNK));
	cr_assert_not_null(ct = malloc(ATTACH_CHUNK_CT));
	memcpy(pt, file, sizeof(file) - 1);
	cr_assert_eq(attach_key_derive(dek, fid, 1, &k), 0);
	secret_hex_encode(k.ak_key, 32, hex);
	cr_assert_str_eq(hex, ATTACH_KAT_KEY);
	secret_hex_encode(k.ak_nonce, 12, hex);
	cr_assert_str_eq(hex, ATTACH_KAT_NONCE);
	cr_assert_eq(attach_chunk_seal(&k, 0, pt, ct), 0);
	SHA256(ct, ATTACH_CHUNK_CT, h);
	secret_hex_encode(h, 32, hex);
	cr_assert_str_eq(hex, ATTACH_KAT_SHA256);
	attach_key_clear(&k);
	free(pt);
	free(ct);
}
