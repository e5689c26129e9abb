/*
 * TOTP (RFC 6238) second factor for staff logins: HMAC-SHA1, 30-second
 * steps, 6 digits, base32 secrets and the otpauth:// enrolment URI that
 * authenticator apps scan.  Time is always passed in, so the caller and
 * the tests decide what "now" is.  Verification reports which time step
 * matched; the caller stores it and refuses any step not greater than
 * the last one used (replay).  Formats: docs/crypto.md §5.
 *
 * Part of libmeldcrypto: no daemon headers, no logging, no global state.
 */
#ifndef MELDPUNT_CRYPTO_TOTP_H
#define MELDPUNT_CRYPTO_TOTP_H

#include <stddef.h>
#include <stdint.h>

#define TOTP_SECRET_LEN		20	/* bytes, as RFC 4226 recommends */
#define TOTP_KEY_MIN		16
#define TOTP_KEY_MAX		64
#define TOTP_PERIOD		30
#define TOTP_DIGITS		6
#define TOTP_DIGITS_MIN		6
#define TOTP_DIGITS_MAX		8
#define TOTP_WINDOW_MAX		5
/* Unpadded base32 length of n bytes, without the NUL. */
#define TOTP_B32_LEN(n)		(((n) * 8 + 4) / 5)

int	 totp_secret_new(unsigned char *, size_t);
int	 totp_base32_encode(const unsigned char *, size_t, char *, size_t);
int	 totp_base32_decode(const char *, size_t, unsigned char *, size_t,
	    size_t *);

int64_t	 totp_step(int64_t);
int	 totp_hotp(const unsigned char *, size_t, uint64_t, int, char *);
int	 totp_code(const unsigned char *, size_t, int64_t, int, char *);
int	 totp_verify(const unsigned char *, size_t, const char *, int64_t,
	    int, int64_t *);

char	*totp_uri(const char *, const char *, const unsigned char *, size_t);

#endif /* MELDPUNT_CRYPTO_TOTP_H */
