/*
 * Staff credentials and the key wraps of docs/crypto.md §7 that the staff
 * process and meldctl share: the login proof and key-sealing key derived
 * from one Argon2id over the password (docs/schema.md "Staff login"), a
 * handler's private key and TOTP secret sealed at rest, queue private
 * keys wrapped to members and to the recovery key, and the per-case
 * thread key wrapped to a queue key.  Byte layouts: docs/staff-api.md
 * "Credential formats".
 *
 * Part of libmeldcrypto: no daemon headers, no logging, no global state,
 * callable from worker threads.  Arguments are borrowed; blobs handed out
 * are malloc'd and belong to the caller (free()); secrets handed out are
 * struct secret (secret_free()).  Every function returns 0 / a pointer,
 * or -1 / NULL without saying why.
 */
#ifndef MELDPUNT_CRYPTO_STAFFCRED_H
#define MELDPUNT_CRYPTO_STAFFCRED_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/hpke.h"
#include "crypto/secret.h"

#define STAFFCRED_VERSION	0x01
#define STAFFCRED_PROOF_LEN	32
#define STAFFCRED_KEK_LEN	32
#define STAFFCRED_SALT_LEN	16
#define STAFFCRED_KEYID_LEN	16
#define STAFFCRED_SEAL_KEY_LEN	32	/* the totp-seal key file */
/* version || nonce || ciphertext || tag */
#define STAFFCRED_SEAL_OVERHEAD	(1 + SECRET_GCM_NONCELEN + SECRET_GCM_TAGLEN)
#define STAFFCRED_SCALAR_LEN	HPKE_PRIV_LEN
#define STAFFCRED_WRAPPED_LEN	(32 + HPKE_TAG_LEN)
#define STAFFCRED_USER_MAX	64

/*
 * A = Argon2id(password, salt, kdf); proof = HKDF(A, "meldpunt staff v1
 * proof"), kek = HKDF(A, "meldpunt staff v1 key-seal").  The database
 * stores SHA-256(proof) only.  Slow: never on the event loop.
 */
int	staffcred_derive(const struct secret_kdf *kdf, const char *pw,
	    size_t pwlen, const unsigned char *salt, size_t saltlen,
	    unsigned char proof[STAFFCRED_PROOF_LEN],
	    unsigned char kek[STAFFCRED_KEK_LEN]);

/*
 * Seal / open a secret (a handler's private scalar under the KEK, or a
 * TOTP secret under the totp-seal key).  purpose is "key" or "totp" and,
 * with the user name, goes into the AAD so a blob cannot be moved to
 * another user or role.  Opened secrets come back in locked memory.
 */
int	staffcred_seal(const unsigned char key[32], const char *purpose,
	    const char *username, const unsigned char *pt, size_t ptlen,
	    unsigned char **out, size_t *outlen);
int	staffcred_open(const unsigned char key[32], const char *purpose,
	    const char *username, const unsigned char *in, size_t inlen,
	    struct secret **out);

/* Key ids: 16 bytes, 32 lowercase hex digits in the database. */
int	staffcred_key_id(const struct hpke_key *key,
	    unsigned char id[STAFFCRED_KEYID_LEN]);
int	staffcred_key_id_parse(const char *hex,
	    unsigned char id[STAFFCRED_KEYID_LEN]);
void	staffcred_key_id_hex(const unsigned char id[STAFFCRED_KEYID_LEN],
	    char hex[2 * STAFFCRED_KEYID_LEN + 1]);

/*
 * Queue private scalar wrapped to a recipient (member or recovery key):
 * HPKE base mode, info = "meldpunt-queue-key-wrap" || queue key id ||
 * recipient key id, empty aad.  enc receives up to HPKE_MAX_ENC bytes
 * (*enclen set), wrapped STAFFCRED_WRAPPED_LEN.
 */
int	staffcred_wrap_queue_key(const struct hpke_key *pk_rcpt,
	    const unsigned char qkid[STAFFCRED_KEYID_LEN],
	    const unsigned char rkid[STAFFCRED_KEYID_LEN],
	    const unsigned char *scalar, uint8_t *enc, size_t *enclen,
	    uint8_t *wrapped);
int	staffcred_unwrap_queue_key(const struct hpke_key *sk_rcpt,
	    const unsigned char qkid[STAFFCRED_KEYID_LEN],
	    const unsigned char rkid[STAFFCRED_KEYID_LEN],
	    const uint8_t *enc, size_t enclen, const uint8_t *wrapped,
	    size_t wrappedlen, unsigned char scalar[STAFFCRED_SCALAR_LEN]);

/*
 * The identity private scalar (purpose "identity") or the 32-byte
 * contact-link key (purpose "contact_link") wrapped to a privacy
 * officer: hpke_seal(pk_officer, info = "meldpunt-identity-key-wrap" or
 * "meldpunt-contact-link-wrap" || identity key_id || officer key_id,
 * pt = 32 bytes) (docs/crypto.md section 9).  link = 0 for the identity
 * key, 1 for the contact-link key.  0 or -1.
 */
int	staffcred_wrap_officer_key(const struct hpke_key *pk_officer, int link,
	    const unsigned char ikid[STAFFCRED_KEYID_LEN],
	    const unsigned char okid[STAFFCRED_KEYID_LEN],
	    const unsigned char *key32, uint8_t *enc, size_t *enclen,
	    uint8_t *wrapped);
int	staffcred_unwrap_officer_key(const struct hpke_key *sk_officer,
	    int link, const unsigned char ikid[STAFFCRED_KEYID_LEN],
	    const unsigned char okid[STAFFCRED_KEYID_LEN],
	    const uint8_t *enc, size_t enclen, const uint8_t *wrapped,
	    size_t wrappedlen, unsigned char key32[32]);

/*
 * The case thread key wrapped to a queue key: info =
 * "meldpunt-thread-key-wrap" || queue key id || case id (16 raw bytes).
 */
int	staffcred_wrap_thread_key(const struct hpke_key *pk_queue,
	    const unsigned char qkid[STAFFCRED_KEYID_LEN],
	    const unsigned char case_id[16], const unsigned char tk[32],
	    uint8_t *enc, size_t *enclen, uint8_t *wrapped);
int	staffcred_unwrap_thread_key(const struct hpke_key *sk_queue,
	    const unsigned char qkid[STAFFCRED_KEYID_LEN],
	    const unsigned char case_id[16], const uint8_t *enc,
	    size_t enclen, const uint8_t *wrapped, size_t wrappedlen,
	    unsigned char tk[32]);

/* "8-4-4-4-12" lowercase hex UUID to 16 bytes (RFC 9562 order). */
int	staffcred_uuid_parse(const char *s, unsigned char out[16]);

#endif /* MELDPUNT_CRYPTO_STAFFCRED_H */
