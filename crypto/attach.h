/*
 * Attachments sealed under a report's DEK (docs/crypto.md §14): a file
 * is padded with zeros to a size bucket, cut into chunks of
 * ATTACH_CHUNK bytes, and each chunk is sealed with AES-256-GCM under a
 * key and base nonce derived from the DEK and a random 16-byte file id;
 * the chunk's index and the file's chunk count are in its nonce and its
 * associated data, so chunks cannot be reordered, dropped or moved to
 * another file or report.  The file name, MIME type and exact size are
 * an envelope item (§2.7) under the same DEK, never in clear.
 *
 * Ownership: everything is borrowed; outputs are caller-allocated.  The
 * derived key lives in the caller's struct attach_key and is wiped by
 * attach_key_clear().  Every function returns 0 or -1.
 */
#ifndef MELDPUNT_CRYPTO_ATTACH_H
#define MELDPUNT_CRYPTO_ATTACH_H

#include <stddef.h>
#include <stdint.h>

#define ATTACH_FILE_ID_LEN	16
#define ATTACH_CHUNK		(256 * 1024)	/* plaintext bytes per chunk */
#define ATTACH_CHUNK_CT		(ATTACH_CHUNK + 16)
#define ATTACH_KEY_INFO		"meldpunt-attachment-v1"
#define ATTACH_CHUNK_AAD	"meldpunt-attachment-chunk"
#define ATTACH_META_CTX		"meldpunt-attachment-meta"
/* Padded sizes in chunks: 1 and 2, then 1 and 1.5 times each power of
 * two from 4 to 256 chunks (256 KiB ... 64 MiB). */
#define ATTACH_NBUCKETS		15
#define ATTACH_MAX_CHUNKS	256

extern const uint32_t	attach_buckets[ATTACH_NBUCKETS];

struct attach_key {
	uint8_t		ak_key[32];
	uint8_t		ak_nonce[12];
	uint8_t		ak_file_id[ATTACH_FILE_ID_LEN];
	uint32_t	ak_chunks;
};

/* Is n a bucket (a padded size in chunks)? */
int	attach_is_bucket(uint32_t n);
/* The smallest bucket (in chunks) holding size bytes; 0 if none. */
uint32_t attach_bucket(uint64_t size);
/* key, base nonce = HKDF-SHA256(DEK, salt = file id, info, 44 bytes). */
int	attach_key_derive(const uint8_t *dek, const uint8_t *file_id,
	    uint32_t chunks, struct attach_key *k);
void	attach_key_clear(struct attach_key *k);
/* One chunk: pt is ATTACH_CHUNK bytes, out ATTACH_CHUNK_CT bytes. */
int	attach_chunk_seal(const struct attach_key *k, uint32_t index,
	    const uint8_t *pt, uint8_t *out);
int	attach_chunk_open(const struct attach_key *k, uint32_t index,
	    const uint8_t *ct, size_t ctlen, uint8_t *out);
/* The metadata item's ctx: ATTACH_META_CTX || file id; returns length. */
size_t	attach_meta_ctx(const uint8_t *file_id, uint8_t *ctx);
#define ATTACH_META_CTX_LEN	(sizeof(ATTACH_META_CTX) - 1 + \
				 ATTACH_FILE_ID_LEN)

#endif /* MELDPUNT_CRYPTO_ATTACH_H */
