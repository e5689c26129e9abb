/*
 * Report envelopes (DESIGN.md section 4): a report padded to a size
 * bucket and sealed with AES-256-GCM under a random 32-byte data key
 * (DEK); the DEK wrapped with HPKE to one or more recipients, each wrap
 * tagged with a 16-byte key id.  The same module seals later items
 * (handler notes) under a case's DEK.  The byte layouts, labels and a
 * worked example are in docs/crypto.md section 2; that text is the
 * contract with clients, this header the contract with the daemon.
 *
 * Ownership: crypto/envelope.c owns everything declared here.  struct
 * envelope is opaque, made by envelope_build(), envelope_new() or one of
 * the parsers, and released with envelope_free(), which accepts NULL.
 * Arguments are borrowed.  Plaintext handed out (envelope_open(),
 * envelope_decrypt(), envelope_item_open()) is malloc'd and belongs to
 * the caller, who releases it with OPENSSL_clear_free(p, len).  Every
 * function returns 0 / a pointer on success and -1 / NULL on failure;
 * the parsers refuse anything that is not exactly the documented form.
 */
#ifndef MELDPUNT_CRYPTO_ENVELOPE_H
#define MELDPUNT_CRYPTO_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "crypto/hpke.h"

#define ENVELOPE_VERSION	1
#define ENVELOPE_DEK_LEN	32
#define ENVELOPE_NONCE_LEN	12
#define ENVELOPE_TAG_LEN	16
#define ENVELOPE_KEYID_LEN	16
#define ENVELOPE_COMMIT_LEN	32
#define ENVELOPE_WRAPPED_LEN	(ENVELOPE_DEK_LEN + ENVELOPE_TAG_LEN)
#define ENVELOPE_MAX_WRAPS	16
/* A category is 1 to ENVELOPE_CATEGORY_MAX bytes of [a-z0-9_]. */
#define ENVELOPE_CATEGORY_MAX	64

/*
 * Padded sizes: 1, 4, 16, 64 and 256 KiB.  The padded plaintext is a
 * 4-byte big-endian length, the content, then zeros up to the bucket.
 */
#define ENVELOPE_NBUCKETS	5
#define ENVELOPE_MAX_BUCKET	(256 * 1024)
#define ENVELOPE_MAX_CONTENT	(ENVELOPE_MAX_BUCKET - 4)
/* Items are padded the same way to a multiple of this, at most 256 KiB. */
#define ENVELOPE_ITEM_BLOCK	256
#define ENVELOPE_MAX_ITEM	(ENVELOPE_MAX_BUCKET - 4)
/* Longest JSON text envelope_parse_json() will look at. */
#define ENVELOPE_MAX_JSON	(512 * 1024)

extern const size_t	envelope_buckets[ENVELOPE_NBUCKETS];

/* One wrap of the DEK; public so the daemon can store its pieces. */
struct envelope_wrap {
	uint8_t		w_key_id[ENVELOPE_KEYID_LEN];
	uint8_t		w_enc[HPKE_MAX_ENC];
	size_t		w_enclen;
	uint8_t		w_dek[ENVELOPE_WRAPPED_LEN];
};

/* A recipient for envelope_build() and envelope_rewrap(). */
struct envelope_recipient {
	uint8_t			 r_key_id[ENVELOPE_KEYID_LEN];
	const struct hpke_key	*r_key;	/* public key, the suite's KEM */
};

struct envelope;

/* The padded size for a content length, 0 when it is too long. */
size_t	envelope_bucket(size_t contentlen);
/* The recommended key id: SHA-256("meldpunt-key-id" || kem || pk)[0..16]. */
int	envelope_key_id(const struct hpke_key *key, uint8_t *id);

struct envelope	*envelope_build(const struct hpke_suite *suite,
		    const char *category, const struct envelope_recipient *rcpt,
		    size_t nrcpt, const uint8_t *pt, size_t ptlen);
/*
 * Deterministic build for test vectors and the documented example only:
 * the DEK, content nonce and one ephemeral private key per recipient are
 * given.  Never call this with anything but fixed test values.
 */
struct envelope	*envelope_build_fixed(const struct hpke_suite *suite,
		    const char *category, const struct envelope_recipient *rcpt,
		    size_t nrcpt, const uint8_t *pt, size_t ptlen,
		    const uint8_t *dek, const uint8_t *nonce,
		    const struct hpke_key *const *eph);
void		 envelope_free(struct envelope *env);

/*
 * Reassemble an envelope from stored pieces (and the parsers' common
 * path).  Lengths are checked exactly: nonce 12, commit 32, ciphertext
 * a bucket + 16, enc per the suite's KEM, wrapped DEK 48.
 */
struct envelope	*envelope_new(unsigned int version,
		    const struct hpke_suite *suite, const char *category,
		    const uint8_t *nonce, size_t noncelen,
		    const uint8_t *commit, size_t commitlen, const uint8_t *ct,
		    size_t ctlen);
int		 envelope_add_wrap(struct envelope *env,
		    const uint8_t *key_id, size_t key_idlen,
		    const uint8_t *enc, size_t enclen, const uint8_t *wrapped,
		    size_t wrappedlen);

unsigned int		 envelope_version(const struct envelope *env);
const struct hpke_suite	*envelope_suite(const struct envelope *env);
const char		*envelope_category(const struct envelope *env);
const uint8_t		*envelope_nonce(const struct envelope *env);
const uint8_t		*envelope_commit(const struct envelope *env);
const uint8_t		*envelope_ciphertext(const struct envelope *env,
			    size_t *len);
size_t			 envelope_nwraps(const struct envelope *env);
const struct envelope_wrap *envelope_wrap_at(const struct envelope *env,
			    size_t idx);
/* Index of the wrap for key_id, or -1. */
int			 envelope_find_wrap(const struct envelope *env,
			    const uint8_t *key_id);
/* Drop one wrap / keep only the listed ones; the last wrap never goes. */
int			 envelope_drop_wrap(struct envelope *env,
			    const uint8_t *key_id);
int			 envelope_keep_wraps(struct envelope *env,
			    const uint8_t (*key_ids)[ENVELOPE_KEYID_LEN],
			    size_t n);

/*
 * Recover the DEK with the private key behind key_id, checking it
 * against the envelope's commitment; dek receives 32 bytes, which the
 * caller wipes.
 */
int	envelope_unwrap(const struct envelope *env, const uint8_t *key_id,
	    const struct hpke_key *skR, uint8_t *dek);
int	envelope_decrypt(const struct envelope *env, const uint8_t *dek,
	    uint8_t **out, size_t *outlen);
int	envelope_open(const struct envelope *env, const uint8_t *key_id,
	    const struct hpke_key *skR, uint8_t **out, size_t *outlen);
/* Add a wrap for `to', unwrapping with the caller's key_id / skR. */
int	envelope_rewrap(struct envelope *env, const uint8_t *key_id,
	    const struct hpke_key *skR, const struct envelope_recipient *to);

/*
 * Items under a DEK (handler notes): ctx binds the item to its place,
 * e.g. "note" and the case id; opening with another ctx fails.
 */
int	envelope_item_seal(const uint8_t *dek, const uint8_t *ctx,
	    size_t ctxlen, const uint8_t *pt, size_t ptlen, uint8_t **out,
	    size_t *outlen);
int	envelope_item_open(const uint8_t *dek, const uint8_t *ctx,
	    size_t ctxlen, const uint8_t *in, size_t inlen, uint8_t **out,
	    size_t *outlen);

/* Binary form (storage, tests); *out is malloc'd, free() it. */
int		 envelope_to_bytes(const struct envelope *env, uint8_t **out,
		    size_t *outlen);
struct envelope	*envelope_from_bytes(const uint8_t *in, size_t inlen);
/* JSON form (the client API); the json_t is the caller's to decref. */
json_t		*envelope_to_json(const struct envelope *env);
struct envelope	*envelope_from_json(const json_t *obj);
struct envelope	*envelope_parse_json(const char *text, size_t len);

#endif /* MELDPUNT_CRYPTO_ENVELOPE_H */
