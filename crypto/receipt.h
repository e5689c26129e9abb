/*
 * Reporter receipts: the 16-digit code (15 random digits and a Damm
 * check digit) that is a reporter's only way back to their case.  This
 * module generates, formats and parses receipts, derives the lookup id
 * (keyed HMAC, so a stolen database alone cannot test guesses), the
 * Argon2id-based verifier stored per report, and the key that wraps the
 * reporter's copy of the case thread key.  Formats: docs/crypto.md §3.
 *
 * Part of libmeldcrypto: no daemon headers, no logging, no global state;
 * safe to call from worker threads.  Receipts are secrets: callers wipe
 * their digit buffers (secret_wipe()) as soon as they are done.
 */
#ifndef MELDPUNT_CRYPTO_RECEIPT_H
#define MELDPUNT_CRYPTO_RECEIPT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/secret.h"

#define RECEIPT_DIGITS		16	/* normalised form, ASCII */
#define RECEIPT_DISPLAY_LEN	19	/* "4821 7730 1195 0062" */
/*
 * Longest input receipt_parse takes, in bytes: 16 digits of four UTF-8
 * bytes each and room for separators and direction marks.
 */
#define RECEIPT_INPUT_MAX	128
#define RECEIPT_LOOKUP_KEY_LEN	32
#define RECEIPT_LOOKUP_LEN	16
#define RECEIPT_SALT_LEN	16
#define RECEIPT_VERIFIER_LEN	32
#define RECEIPT_WRAP_KEY_LEN	32
#define RECEIPT_WRAP_VERSION	0x01
/* Wrapped thread key: version || nonce || ciphertext || tag. */
#define RECEIPT_WRAP_OVERHEAD	(1 + SECRET_GCM_NONCELEN + SECRET_GCM_TAGLEN)

/*
 * What the database stores per report (casework schema): the lookup id
 * as an index, the salt, the verifier and the Argon2id parameters used.
 */
struct receipt_record {
	unsigned char		rr_lookup[RECEIPT_LOOKUP_LEN];
	unsigned char		rr_salt[RECEIPT_SALT_LEN];
	unsigned char		rr_verifier[RECEIPT_VERIFIER_LEN];
	struct secret_kdf	rr_kdf;
};

int	receipt_generate(char [RECEIPT_DIGITS + 1]);
int	receipt_check_digit(const char *, size_t);
int	receipt_is_valid(const char [RECEIPT_DIGITS]);
int	receipt_parse(const char *, size_t, char [RECEIPT_DIGITS + 1]);
int	receipt_format(const char [RECEIPT_DIGITS],
	    char [RECEIPT_DISPLAY_LEN + 1]);

int	receipt_lookup_id(const unsigned char [RECEIPT_LOOKUP_KEY_LEN],
	    const char [RECEIPT_DIGITS], unsigned char [RECEIPT_LOOKUP_LEN]);
int	receipt_derive(const char [RECEIPT_DIGITS],
	    const unsigned char [RECEIPT_SALT_LEN], const struct secret_kdf *,
	    unsigned char [RECEIPT_VERIFIER_LEN],
	    unsigned char [RECEIPT_WRAP_KEY_LEN]);
int	receipt_enroll(const char [RECEIPT_DIGITS],
	    const unsigned char [RECEIPT_LOOKUP_KEY_LEN],
	    const struct secret_kdf *, struct receipt_record *,
	    unsigned char [RECEIPT_WRAP_KEY_LEN]);
int	receipt_verify(const char [RECEIPT_DIGITS],
	    const struct receipt_record *,
	    unsigned char [RECEIPT_WRAP_KEY_LEN]);

int	receipt_wrap_thread_key(const unsigned char [RECEIPT_WRAP_KEY_LEN],
	    const unsigned char *, size_t, const unsigned char *, size_t,
	    unsigned char *, size_t *);
int	receipt_unwrap_thread_key(const unsigned char [RECEIPT_WRAP_KEY_LEN],
	    const unsigned char *, size_t, const unsigned char *, size_t,
	    unsigned char *, size_t *);

#endif /* MELDPUNT_CRYPTO_RECEIPT_H */
