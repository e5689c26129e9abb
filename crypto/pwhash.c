/*
 * Staff password hashing and password-sealed private keys (DESIGN §4
 * "Staff authentication", "Queue keys").  Login hashes are libargon2's
 * standard encoded strings, so an operator can check one with any
 * Argon2 tool.  The handler's HPKE private key is sealed with AES-256-GCM
 * under a key-encryption key (KEK) = raw Argon2id(password, seal salt);
 * the seal salt is drawn independently of the login salt, so the login
 * hash, which anyone with database access can read, says nothing about
 * the KEK.  Parameters travel inside both formats, which is what lets
 * configuration change without locking anyone out.  Strings with p = 1
 * and the standard salt and hash lengths are made and checked by
 * libsodium (the fast path, secret.h); others by libargon2.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <argon2.h>
#include <sodium.h>

#include "crypto/pwhash.h"
#include "crypto/secret.h"

#define ENC_PREFIX	"$argon2id$v=19$m="
/* Unpadded base64 lengths of the salt and hash this module writes. */
#define ENC_SALT_B64	22
#define ENC_HASH_B64	43

/* A decimal u32 without sign or leading zeros; advances *pp. */
static int
parse_u32(const char **pp, uint32_t *v)
{
	const char	*p = *pp;
	uint64_t	 n = 0;

	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' &&
	    p[1] <= '9'))
		return (-1);
	for (; *p >= '0' && *p <= '9'; p++)
		if ((n = n * 10 + (uint64_t)(*p - '0')) > UINT32_MAX)
			return (-1);
	*v = (uint32_t)n;
	*pp = p;
	return (0);
}

static int
parse_lit(const char **pp, const char *lit)
{
	size_t	 n = strlen(lit);

	if (strncmp(*pp, lit, n) != 0)
		return (-1);
	*pp += n;
	return (0);
}

/* Length of a run of unpadded base64 characters. */
static size_t
b64_run(const char *p)
{
	size_t	 n;

	for (n = 0; (p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= 'a' &&
	    p[n] <= 'z') || (p[n] >= '0' && p[n] <= '9') || p[n] == '+' ||
	    p[n] == '/'; n++)
		;
	return (n);
}

/*
 * Split "$argon2id$v=19$m=M,t=T,p=P$salt$hash" and check the costs are
 * within secret_kdf_check()'s limits, so that a doctored row cannot make
 * the daemon allocate gigabytes.
 */
static int
parse_encoded(const char *enc, struct secret_kdf *k, size_t *saltlen,
    size_t *hashlen)
{
	const char	*p = enc;

	if (enc == NULL || parse_lit(&p, ENC_PREFIX) == -1 ||
	    parse_u32(&p, &k->k_m_kib) == -1 || parse_lit(&p, ",t=") == -1 ||
	    parse_u32(&p, &k->k_t) == -1 || parse_lit(&p, ",p=") == -1 ||
	    parse_u32(&p, &k->k_p) == -1 || parse_lit(&p, "$") == -1)
		return (-1);
	*saltlen = b64_run(p);
	p += *saltlen;
	if (*saltlen == 0 || parse_lit(&p, "$") == -1)
		return (-1);
	*hashlen = b64_run(p);
	if (*hashlen == 0 || p[*hashlen] != '\0')
		return (-1);
	return (secret_kdf_check(k));
}

/*
 * libsodium writes the same PHC string as libargon2 (16-byte salt,
 * 32-byte hash, unpadded base64), only faster.
 */
static char *
pwhash_hash_fast(const struct secret_kdf *k, const char *pw, size_t pwlen)
{
	char	*enc;

	if ((enc = calloc(1, crypto_pwhash_argon2id_STRBYTES)) == NULL)
		return (NULL);
	if (crypto_pwhash_argon2id_str(enc, pw, pwlen, k->k_t,
	    (size_t)k->k_m_kib * 1024) != 0) {
		free(enc);
		return (NULL);
	}
	return (enc);
}

/*
 * Hash a password with a fresh 16-byte salt.  Returns the encoded string
 * (caller frees with free()), or NULL on error or an over-long password.
 */
char *
pwhash_hash(const struct secret_kdf *k, const char *pw, size_t pwlen)
{
	unsigned char	 salt[PWHASH_SALT_LEN];
	char		*enc = NULL;
	size_t		 len;

	if (secret_kdf_check(k) == -1 || pwlen > PWHASH_PW_MAX)
		return (NULL);
	if (secret_kdf_fast_ok(k, PWHASH_SALT_LEN, PWHASH_HASH_LEN))
		return (pwhash_hash_fast(k, pw, pwlen));
	if (secret_random(salt, sizeof(salt)) == -1)
		return (NULL);
	len = argon2_encodedlen(k->k_t, k->k_m_kib, k->k_p, sizeof(salt),
	    PWHASH_HASH_LEN, Argon2_id) + 1;
	if ((enc = calloc(1, len)) == NULL)
		return (NULL);
	if (argon2id_hash_encoded(k->k_t, k->k_m_kib, k->k_p, pw, pwlen,
	    salt, sizeof(salt), PWHASH_HASH_LEN, enc, len) != ARGON2_OK) {
		free(enc);
		return (NULL);
	}
	return (enc);
}

/*
 * 0 when pw matches enc, 1 when it does not, -1 when enc is malformed,
 * outside the cost limits, or hashing failed (out of memory): the caller
 * answers 1 with "wrong credentials" and -1 with a server error.
 */
int
pwhash_verify(const char *enc, const char *pw, size_t pwlen)
{
	struct secret_kdf	 k;
	size_t			 sl, hl;
	int			 r;

	if (parse_encoded(enc, &k, &sl, &hl) == -1)
		return (-1);
	if (pwlen > PWHASH_PW_MAX)
		return (1);
	/* libsodium answers a mismatch and an allocation failure alike;
	 * both then read as "wrong credentials", never as a success. */
	if (secret_kdf_fast_ok(&k, PWHASH_SALT_LEN, PWHASH_HASH_LEN) &&
	    sl == ENC_SALT_B64 && hl == ENC_HASH_B64)
		return (crypto_pwhash_argon2id_str_verify(enc, pw, pwlen) == 0 ?
		    0 : 1);
	r = argon2id_verify(enc, pw, pwlen);
	if (r == ARGON2_OK)
		return (0);
	if (r == ARGON2_VERIFY_MISMATCH)
		return (1);
	return (-1);
}

/* The cost parameters of an encoded hash; 0, or -1 when malformed. */
int
pwhash_params(const char *enc, struct secret_kdf *k)
{
	size_t	 sl, hl;

	return (parse_encoded(enc, k, &sl, &hl));
}

/*
 * 1 when enc was made with other parameters (or another salt or hash
 * length) than k, so the caller should store a new hash after the next
 * successful login; 0 when current; -1 when enc is malformed.
 */
int
pwhash_needs_rehash(const char *enc, const struct secret_kdf *k)
{
	struct secret_kdf	 h;
	size_t			 sl, hl;

	if (parse_encoded(enc, &h, &sl, &hl) == -1)
		return (-1);
	if (h.k_m_kib != k->k_m_kib || h.k_t != k->k_t || h.k_p != k->k_p)
		return (1);
	if (sl != ENC_SALT_B64 || hl != ENC_HASH_B64)
		return (1);
	return (0);
}

/* KEK = Argon2id(password, salt), 32 raw bytes; the caller wipes it. */
int
pwhash_kek(const struct secret_kdf *k, const char *pw, size_t pwlen,
    const unsigned char salt[PWHASH_SALT_LEN],
    unsigned char kek[PWHASH_KEK_LEN])
{
	if (pwlen > PWHASH_PW_MAX)
		return (-1);
	return (secret_argon2id(k, pw, pwlen, salt, PWHASH_SALT_LEN, kek,
	    PWHASH_KEK_LEN));
}

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t
get_be32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

/* AAD = the blob's header || the caller's context (e.g. the user id). */
static unsigned char *
seal_aad(const unsigned char *hdr, const unsigned char *ad, size_t adlen,
    size_t *aadlen)
{
	unsigned char	*a;

	if (adlen > SIZE_MAX - PWHASH_SEAL_HDRLEN)
		return (NULL);
	if ((a = malloc(PWHASH_SEAL_HDRLEN + adlen)) == NULL)
		return (NULL);
	memcpy(a, hdr, PWHASH_SEAL_HDRLEN);
	if (adlen > 0)
		memcpy(a + PWHASH_SEAL_HDRLEN, ad, adlen);
	*aadlen = PWHASH_SEAL_HDRLEN + adlen;
	return (a);
}

/*
 * Seal key[0..keylen) under the password.  *out (caller frees) receives
 * version || m || t || p || salt || nonce || ciphertext || tag.
 */
int
pwhash_seal_key(const struct secret_kdf *k, const char *pw, size_t pwlen,
    const unsigned char *key, size_t keylen, const unsigned char *ad,
    size_t adlen, unsigned char **out, size_t *outlen)
{
	unsigned char	 kek[PWHASH_KEK_LEN], *b = NULL, *aad = NULL;
	size_t		 aadlen, n;

	*out = NULL;
	*outlen = 0;
	if (secret_kdf_check(k) == -1 ||
	    keylen > SIZE_MAX - PWHASH_SEAL_OVERHEAD)
		return (-1);
	n = keylen + PWHASH_SEAL_OVERHEAD;
	if ((b = malloc(n)) == NULL)
		return (-1);
	b[0] = PWHASH_SEAL_VERSION;
	put_be32(b + 1, k->k_m_kib);
	put_be32(b + 5, k->k_t);
	put_be32(b + 9, k->k_p);
	if (secret_random(b + 13, PWHASH_SALT_LEN + SECRET_GCM_NONCELEN) == -1)
		goto fail;
	if ((aad = seal_aad(b, ad, adlen, &aadlen)) == NULL)
		goto fail;
	if (pwhash_kek(k, pw, pwlen, b + 13, kek) == -1)
		goto fail;
	if (secret_gcm_seal(kek, b + 13 + PWHASH_SALT_LEN, aad, aadlen, key,
	    keylen, b + PWHASH_SEAL_HDRLEN) == -1)
		goto fail;
	secret_wipe(kek, sizeof(kek));
	free(aad);
	*out = b;
	*outlen = n;
	return (0);
 fail:
	secret_wipe(kek, sizeof(kek));
	free(aad);
	free(b);
	return (-1);
}

/*
 * Open a sealed key into locked memory.  Returns 0 and *keyp (caller
 * releases with secret_free()); 1 when the password is wrong or the blob
 * or its context was altered (GCM cannot tell these apart); -1 when the
 * blob is malformed, its costs exceed the limits, or an error occurred.
 */
int
pwhash_open_key(const char *pw, size_t pwlen, const unsigned char *blob,
    size_t bloblen, const unsigned char *ad, size_t adlen,
    struct secret **keyp)
{
	struct secret_kdf	 k;
	struct secret		*key = NULL;
	unsigned char		 kek[PWHASH_KEK_LEN], *aad = NULL;
	size_t			 aadlen;
	int			 rv = -1;

	*keyp = NULL;
	if (bloblen < PWHASH_SEAL_OVERHEAD || blob[0] != PWHASH_SEAL_VERSION)
		return (-1);
	k.k_m_kib = get_be32(blob + 1);
	k.k_t = get_be32(blob + 5);
	k.k_p = get_be32(blob + 9);
	if (secret_kdf_check(&k) == -1)
		return (-1);
	if (pwlen > PWHASH_PW_MAX)
		return (1);
	if ((aad = seal_aad(blob, ad, adlen, &aadlen)) == NULL)
		return (-1);
	if ((key = secret_new_locked(bloblen - PWHASH_SEAL_OVERHEAD)) == NULL)
		goto fail;
	if (pwhash_kek(&k, pw, pwlen, blob + 13, kek) == -1)
		goto fail;
	if (secret_gcm_open(kek, blob + 13 + PWHASH_SALT_LEN, aad, aadlen,
	    blob + PWHASH_SEAL_HDRLEN, bloblen - PWHASH_SEAL_HDRLEN,
	    key->s_buf) == -1) {
		rv = 1;
		goto fail;
	}
	secret_wipe(kek, sizeof(kek));
	free(aad);
	*keyp = key;
	return (0);
 fail:
	secret_wipe(kek, sizeof(kek));
	secret_free(key);
	free(aad);
	return (rv);
}
