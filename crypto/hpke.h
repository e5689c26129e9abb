/*
 * HPKE (RFC 9180), base mode only, built on OpenSSL 3.0 EVP: DHKEM over
 * P-256 or X25519 with HKDF-SHA256, the HKDF-SHA256 KDF and AES-GCM.
 * It is the primitive under the report envelope (envelope.h) and the
 * queue-key wrapping; the byte formats are those of the RFC and are
 * described for client developers in docs/crypto.md section 1.
 *
 * Ownership: crypto/hpke.c owns everything declared here.  Keys and
 * contexts are opaque, allocated by their _new-style constructors and
 * released with their _free function, which wipes every secret and
 * accepts NULL.  All buffer arguments are borrowed.  Functions return 0
 * on success and -1 on any failure (bad input, failed authentication,
 * OpenSSL error) without saying which: callers must not tell a
 * recipient why decryption failed.
 *
 * Thread safety: keys are read-only after construction and may be shared
 * between threads; a context belongs to one thread at a time.
 */
#ifndef MELDPUNT_CRYPTO_HPKE_H
#define MELDPUNT_CRYPTO_HPKE_H

#include <stddef.h>
#include <stdint.h>

/* Algorithm identifiers, RFC 9180 section 7. */
#define HPKE_KEM_P256_SHA256	0x0010
#define HPKE_KEM_X25519_SHA256	0x0020
#define HPKE_KDF_HKDF_SHA256	0x0001
#define HPKE_AEAD_AES128GCM	0x0001
#define HPKE_AEAD_AES256GCM	0x0002

/* Sizes; the _MAX values bound every supported suite. */
#define HPKE_MAX_ENC		65	/* Nenc: 65 P-256, 32 X25519 */
#define HPKE_MAX_PUB		65	/* Npk */
#define HPKE_PRIV_LEN		32	/* Nsk, both KEMs */
#define HPKE_SECRET_LEN		32	/* Nsecret, Nh of HKDF-SHA256 */
#define HPKE_MAX_KEY		32	/* Nk: 16 or 32 */
#define HPKE_NONCE_LEN		12	/* Nn */
#define HPKE_TAG_LEN		16	/* Nt */
#define HPKE_MAX_EXPORT		(255 * HPKE_SECRET_LEN)
/* OpenSSL 3.0's HKDF caps the expand info; bounds the exporter context. */
#define HPKE_MAX_EXPORT_CTX	1024

struct hpke_suite {
	uint16_t	kem;
	uint16_t	kdf;
	uint16_t	aead;
};

/* The mandatory suite: P-256 / HKDF-SHA256 / AES-256-GCM. */
extern const struct hpke_suite hpke_suite_default;

int		 hpke_suite_check(const struct hpke_suite *suite);
/* Nenc, Npk, Nk; 0 for an unknown id. */
size_t		 hpke_kem_enc_len(uint16_t kem);
size_t		 hpke_kem_pub_len(uint16_t kem);
size_t		 hpke_aead_key_len(uint16_t aead);

/*
 * A KEM key: a private key (which also carries its public half) or a
 * public key alone.  P-256 public keys are validated on import (on the
 * curve, not the point at infinity, uncompressed encoding only); private
 * scalars must lie in [1, n-1].  hpke_key_derive() is DeriveKeyPair of
 * RFC 9180 section 7.1.3; hpke_key_new() draws the key from the CSPRNG.
 */
struct hpke_key;

struct hpke_key	*hpke_key_new(uint16_t kem);
struct hpke_key	*hpke_key_derive(uint16_t kem, const uint8_t *ikm,
		    size_t ikmlen);
struct hpke_key	*hpke_key_from_private(uint16_t kem, const uint8_t *sk,
		    size_t sklen);
struct hpke_key	*hpke_key_from_public(uint16_t kem, const uint8_t *pk,
		    size_t pklen);
void		 hpke_key_free(struct hpke_key *key);
/*
 * A second handle on the same key (its EVP_PKEY shared, reference
 * counted), for another thread to use while the first may be freed:
 * costs an allocation, not a parse and validation.  NULL on failure.
 */
struct hpke_key	*hpke_key_dup(const struct hpke_key *key);
uint16_t	 hpke_key_kem(const struct hpke_key *key);
int		 hpke_key_has_private(const struct hpke_key *key);
/* Raw serialisation; *len is the buffer size on entry, the length on exit. */
int		 hpke_key_public(const struct hpke_key *key, uint8_t *out,
		    size_t *len);
int		 hpke_key_private(const struct hpke_key *key, uint8_t *out,
		    size_t *len);

/*
 * KEM steps, exposed so the RFC's shared_secret values can be checked.
 * skE is the ephemeral private key; NULL draws a fresh one (only tests
 * pass a key).  ss receives HPKE_SECRET_LEN bytes, enc
 * hpke_kem_enc_len() bytes with *enclen set to that length.
 */
int	hpke_encap(const struct hpke_key *pkR, const struct hpke_key *skE,
	    uint8_t *ss, uint8_t *enc, size_t *enclen);
int	hpke_decap(const struct hpke_key *skR, const uint8_t *enc,
	    size_t enclen, uint8_t *ss);

/*
 * An encryption context after SetupBaseS or SetupBaseR.  Seal and open
 * use and advance the sequence number; after 2^64 - 1 messages the
 * context refuses to go on rather than reuse a nonce.  A context that
 * is not set up refuses everything.
 */
struct hpke_ctx;

struct hpke_ctx	*hpke_ctx_new(const struct hpke_suite *suite);
void		 hpke_ctx_free(struct hpke_ctx *ctx);
int		 hpke_setup_base_s(struct hpke_ctx *ctx,
		    const struct hpke_key *pkR, const struct hpke_key *skE,
		    const uint8_t *info, size_t infolen, uint8_t *enc,
		    size_t *enclen);
int		 hpke_setup_base_r(struct hpke_ctx *ctx,
		    const struct hpke_key *skR, const uint8_t *enc,
		    size_t enclen, const uint8_t *info, size_t infolen);
/* ct receives ptlen + HPKE_TAG_LEN bytes; pt receives ctlen - HPKE_TAG_LEN. */
int		 hpke_ctx_seal(struct hpke_ctx *ctx, const uint8_t *aad,
		    size_t aadlen, const uint8_t *pt, size_t ptlen,
		    uint8_t *ct);
int		 hpke_ctx_open(struct hpke_ctx *ctx, const uint8_t *aad,
		    size_t aadlen, const uint8_t *ct, size_t ctlen,
		    uint8_t *pt);
int		 hpke_ctx_export(const struct hpke_ctx *ctx,
		    const uint8_t *exctx, size_t exctxlen, uint8_t *out,
		    size_t outlen);
uint64_t	 hpke_ctx_seq(const struct hpke_ctx *ctx);
/*
 * Test hooks: move the sequence number forward (never back, which would
 * reuse nonces); copy out key, base_nonce and exporter_secret.
 */
int		 hpke_ctx_set_seq(struct hpke_ctx *ctx, uint64_t seq);
int		 hpke_ctx_secrets(const struct hpke_ctx *ctx, uint8_t *key,
		    size_t *keylen, uint8_t *base_nonce,
		    uint8_t *exporter_secret);

/*
 * The bare AEAD of a suite (AES-GCM, 12-byte nonce, tag appended), shared
 * with the envelope's content layer.  ct receives ptlen + HPKE_TAG_LEN
 * bytes; on a failed open pt is wiped.
 */
int	hpke_aead_seal(uint16_t aead, const uint8_t *key,
	    const uint8_t *nonce, const uint8_t *aad, size_t aadlen,
	    const uint8_t *pt, size_t ptlen, uint8_t *ct);
int	hpke_aead_open(uint16_t aead, const uint8_t *key,
	    const uint8_t *nonce, const uint8_t *aad, size_t aadlen,
	    const uint8_t *ct, size_t ctlen, uint8_t *pt);

/* Single-shot: SetupBaseS + one Seal, SetupBaseR + one Open. */
int	hpke_seal(const struct hpke_suite *suite, const struct hpke_key *pkR,
	    const uint8_t *info, size_t infolen, const uint8_t *aad,
	    size_t aadlen, const uint8_t *pt, size_t ptlen, uint8_t *enc,
	    size_t *enclen, uint8_t *ct);
int	hpke_open(const struct hpke_suite *suite, const struct hpke_key *skR,
	    const uint8_t *enc, size_t enclen, const uint8_t *info,
	    size_t infolen, const uint8_t *aad, size_t aadlen,
	    const uint8_t *ct, size_t ctlen, uint8_t *pt);

#endif /* MELDPUNT_CRYPTO_HPKE_H */
