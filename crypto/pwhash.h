/*
 * Staff passwords: Argon2id encoded hashes for login, and a handler's
 * private key sealed (AES-256-GCM) under a key derived from the password
 * with Argon2id and a salt of its own.  Used by `meldctl user add`,
 * staff login and key change.  Formats: docs/crypto.md §4.
 *
 * Part of libmeldcrypto: no daemon headers, no logging, no global state;
 * every call may run on a worker thread.  Passwords are borrowed and
 * never copied except into Argon2's own wiped memory.
 */
#ifndef MELDPUNT_CRYPTO_PWHASH_H
#define MELDPUNT_CRYPTO_PWHASH_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/secret.h"

#define PWHASH_SALT_LEN		16
#define PWHASH_HASH_LEN		32
#define PWHASH_PW_MAX		1024	/* longer passwords are refused */
#define PWHASH_SEAL_VERSION	0x01
#define PWHASH_KEK_LEN		32
/* version(1) || m(4) || t(4) || p(4) || salt(16) || nonce(12) */
#define PWHASH_SEAL_HDRLEN	(1 + 12 + PWHASH_SALT_LEN + SECRET_GCM_NONCELEN)
#define PWHASH_SEAL_OVERHEAD	(PWHASH_SEAL_HDRLEN + SECRET_GCM_TAGLEN)

char	*pwhash_hash(const struct secret_kdf *, const char *, size_t);
int	 pwhash_verify(const char *, const char *, size_t);
int	 pwhash_params(const char *, struct secret_kdf *);
int	 pwhash_needs_rehash(const char *, const struct secret_kdf *);

int	 pwhash_kek(const struct secret_kdf *, const char *, size_t,
	    const unsigned char [PWHASH_SALT_LEN],
	    unsigned char [PWHASH_KEK_LEN]);
int	 pwhash_seal_key(const struct secret_kdf *, const char *, size_t,
	    const unsigned char *, size_t, const unsigned char *, size_t,
	    unsigned char **, size_t *);
int	 pwhash_open_key(const char *, size_t, const unsigned char *, size_t,
	    const unsigned char *, size_t, struct secret **);

#endif /* MELDPUNT_CRYPTO_PWHASH_H */
