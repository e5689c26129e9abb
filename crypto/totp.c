/*
 * RFC 6238 TOTP over RFC 4226 HOTP, on OpenSSL's HMAC-SHA1.  SHA-1 is
 * what every authenticator app implements by default; HMAC-SHA1 remains
 * sound for this use.  The verifier compares every candidate in the
 * window in constant time and without stopping at the first match, and
 * hands back the matched step: refusing a reused step is the caller's
 * job (it owns the per-user "last step" state), as DESIGN §4 requires.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/secret.h"
#include "crypto/totp.h"

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* A fresh secret of len (16..64) bytes from the CSPRNG. */
int
totp_secret_new(unsigned char *key, size_t len)
{
	if (len < TOTP_KEY_MIN || len > TOTP_KEY_MAX)
		return (-1);
	return (secret_random(key, len));
}

/*
 * Upper-case base32 (RFC 4648 §6) without '=' padding, as authenticator
 * apps expect in otpauth:// URIs.  out holds outsz bytes, which must be
 * at least TOTP_B32_LEN(inlen) + 1.  0 or -1.
 */
int
totp_base32_encode(const unsigned char *in, size_t inlen, char *out,
    size_t outsz)
{
	uint32_t	 acc = 0;
	size_t		 i, j = 0;
	int		 bits = 0;

	if (inlen > (SIZE_MAX - 5) / 8 || outsz < TOTP_B32_LEN(inlen) + 1)
		return (-1);
	for (i = 0; i < inlen; i++) {
		acc = (acc << 8 | in[i]) & 0xfff;
		bits += 8;
		while (bits >= 5) {
			out[j++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[j++] = b32[(acc << (5 - bits)) & 31];
	out[j] = '\0';
	return (0);
}

static int
b32_val(unsigned char c)
{
	if (c >= 'a' && c <= 'z')
		c -= 'a' - 'A';
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= '2' && c <= '7')
		return (c - '2' + 26);
	return (-1);
}

/*
 * Decode unpadded base32, either case.  Refused: '=', whitespace, any
 * other byte, a length no byte string encodes to (1, 3 or 6 mod 8), and
 * non-zero unused trailing bits.  *outlen gets the decoded length; out
 * holds outsz bytes.  0 or -1 (out is then wiped).
 */
int
totp_base32_decode(const char *in, size_t inlen, unsigned char *out,
    size_t outsz, size_t *outlen)
{
	uint32_t	 acc = 0;
	size_t		 i, j = 0, n;
	int		 bits = 0, v;

	*outlen = 0;
	switch (inlen % 8) {
	case 1:
	case 3:
	case 6:
		return (-1);
	}
	if ((n = inlen / 8 * 5 + (inlen % 8) * 5 / 8) > outsz)
		return (-1);
	for (i = 0; i < inlen; i++) {
		if ((v = b32_val((unsigned char)in[i])) < 0)
			goto fail;
		acc = (acc << 5 | (uint32_t)v) & 0xfff;
		bits += 5;
		if (bits >= 8) {
			out[j++] = (unsigned char)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	if ((acc & ((1U << bits) - 1)) != 0)
		goto fail;
	*outlen = j;
	return (0);
 fail:
	secret_wipe(out, outsz);
	return (-1);
}

/* The RFC 6238 time step T = floor(now / 30); -1 for a negative now. */
int64_t
totp_step(int64_t now)
{
	if (now < 0)
		return (-1);
	return (now / TOTP_PERIOD);
}

/*
 * RFC 4226 HOTP: out gets digits (6..8) ASCII digits and a NUL.
 */
int
totp_hotp(const unsigned char *key, size_t keylen, uint64_t counter,
    int digits, char *out)
{
	unsigned char	 msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0, off;
	uint32_t	 bin, mod = 1;
	int		 i;

	if (keylen == 0 || keylen > TOTP_KEY_MAX ||
	    digits < TOTP_DIGITS_MIN || digits > TOTP_DIGITS_MAX)
		return (-1);
	for (i = 7; i >= 0; i--) {
		msg[i] = (unsigned char)counter;
		counter >>= 8;
	}
	if (HMAC(EVP_sha1(), key, (int)keylen, msg, sizeof(msg), mac,
	    &maclen) == NULL || maclen != 20) {
		secret_wipe(mac, sizeof(mac));
		return (-1);
	}
	off = mac[19] & 0x0f;
	bin = (uint32_t)(mac[off] & 0x7f) << 24 | (uint32_t)mac[off + 1] << 16 |
	    (uint32_t)mac[off + 2] << 8 | mac[off + 3];
	for (i = 0; i < digits; i++)
		mod *= 10;
	bin %= mod;
	for (i = digits - 1; i >= 0; i--) {
		out[i] = (char)('0' + bin % 10);
		bin /= 10;
	}
	out[digits] = '\0';
	secret_wipe(mac, sizeof(mac));
	return (0);
}

/* The TOTP code for the step containing now. */
int
totp_code(const unsigned char *key, size_t keylen, int64_t now, int digits,
    char *out)
{
	int64_t	 t;

	if ((t = totp_step(now)) < 0)
		return (-1);
	return (totp_hotp(key, keylen, (uint64_t)t, digits, out));
}

/*
 * Normalise a typed code: exactly six ASCII digits, optionally split
 * "123 456" by one space in the middle (how apps display it).
 */
static int
parse_code(const char *code, char out[TOTP_DIGITS + 1])
{
	size_t	 i, j = 0, len;

	len = strnlen(code, TOTP_DIGITS + 2);
	if (len == TOTP_DIGITS + 1 && code[TOTP_DIGITS / 2] != ' ')
		return (-1);
	if (len != TOTP_DIGITS && len != TOTP_DIGITS + 1)
		return (-1);
	for (i = 0; i < len; i++) {
		if (len == TOTP_DIGITS + 1 && i == TOTP_DIGITS / 2)
			continue;
		if (code[i] < '0' || code[i] > '9')
			return (-1);
		out[j++] = code[i];
	}
	out[j] = '\0';
	return (0);
}

/*
 * Check a 6-digit code against the steps now/30 - window ... + window
 * (window 0..TOTP_WINDOW_MAX; 1 is the usual choice).  Returns 0 on a
 * match and sets *matched to the latest matching step; 1 when the code
 * is malformed or matches no step; -1 on bad arguments or an internal
 * error.  Replay refusal: the caller accepts only *matched greater than
 * the step it stored at the last successful login, then stores *matched.
 */
int
totp_verify(const unsigned char *key, size_t keylen, const char *code,
    int64_t now, int window, int64_t *matched)
{
	char	 want[TOTP_DIGITS + 1], got[TOTP_DIGITS + 1];
	int64_t	 t, s, best = -1;
	int	 rv = 1;

	*matched = -1;
	if (code == NULL || keylen < TOTP_KEY_MIN || keylen > TOTP_KEY_MAX ||
	    window < 0 || window > TOTP_WINDOW_MAX || (t = totp_step(now)) < 0)
		return (-1);
	if (parse_code(code, got) == -1)
		return (1);
	for (s = t - window; s <= t + window; s++) {
		if (s < 0)
			continue;
		if (totp_hotp(key, keylen, (uint64_t)s, TOTP_DIGITS, want) ==
		    -1) {
			rv = -1;
			break;
		}
		/* No early exit: every candidate costs the same. */
		if (secret_equal(want, got, TOTP_DIGITS))
			best = s;
	}
	secret_wipe(want, sizeof(want));
	secret_wipe(got, sizeof(got));
	if (rv == -1)
		return (-1);
	if (best < 0)
		return (1);
	*matched = best;
	return (0);
}

/* Percent-encode all but RFC 3986 unreserved characters. */
static size_t
pct_encode(const char *s, char *out)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	size_t			 n = 0;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~') {
			if (out != NULL)
				out[n] = (char)*p;
			n++;
		} else {
			if (out != NULL) {
				out[n] = '%';
				out[n + 1] = hex[*p >> 4];
				out[n + 2] = hex[*p & 0x0f];
			}
			n += 3;
		}
	}
	return (n);
}

/*
 * The enrolment URI, e.g.
 *   otpauth://totp/Meldpunt:j.jansen?secret=...&issuer=Meldpunt
 *   &algorithm=SHA1&digits=6&period=30 (one line)
 * issuer and account are percent-encoded (UTF-8 passes through as
 * %XX).  The result holds the secret: the caller wipes and frees it
 * (OPENSSL_clear_free(uri, strlen(uri))).  NULL on error.
 */
char *
totp_uri(const char *issuer, const char *account, const unsigned char *key,
    size_t keylen)
{
	static const char	 tail[] = "&algorithm=SHA1&digits=6&period=30";
	char			*uri, *p, *sec = NULL;
	size_t			 ni, na, ns, len;

	if (issuer == NULL || account == NULL || *issuer == '\0' ||
	    *account == '\0' || keylen < TOTP_KEY_MIN || keylen > TOTP_KEY_MAX)
		return (NULL);
	ni = pct_encode(issuer, NULL);
	na = pct_encode(account, NULL);
	ns = TOTP_B32_LEN(keylen);
	if (ni > SIZE_MAX / 4 || na > SIZE_MAX / 4)
		return (NULL);
	len = strlen("otpauth://totp/") + ni + 1 + na + strlen("?secret=") +
	    ns + strlen("&issuer=") + ni + strlen(tail) + 1;
	if ((sec = malloc(ns + 1)) == NULL)
		return (NULL);
	if (totp_base32_encode(key, keylen, sec, ns + 1) == -1 ||
	    (uri = malloc(len)) == NULL) {
		secret_wipe(sec, ns + 1);
		free(sec);
		return (NULL);
	}
	p = uri;
	p += snprintf(p, len, "otpauth://totp/");
	p += pct_encode(issuer, p);
	*p++ = ':';
	p += pct_encode(account, p);
	p += snprintf(p, len - (size_t)(p - uri), "?secret=%s&issuer=", sec);
	p += pct_encode(issuer, p);
	(void)snprintf(p, len - (size_t)(p - uri), "%s", tail);
	secret_wipe(sec, ns + 1);
	free(sec);
	return (uri);
}
