/*
 * Reporter receipts (DESIGN §4 "Reporter receipt", docs/crypto.md §3).
 * A receipt is 15 digits from the OS CSPRNG and a Damm check digit.
 * Damm rather than Luhn because Luhn misses the 09<->90 transposition;
 * Damm detects every single-digit substitution and every adjacent
 * transposition, needs no weights, and its one 10x10 table is easy to
 * port to a client.  The check digit lets a client or the server refuse
 * a typo before spending an Argon2id hash on it.
 *
 * Storage splits the secret in two: the keyed lookup id finds the record
 * without being a test oracle for whoever steals only the database, and
 * Argon2id output is expanded by HKDF into a verifier (stored) and a
 * thread-wrap key (never stored), so the verifier in a dump cannot
 * unwrap the reporter's thread key.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/receipt.h"
#include "crypto/secret.h"

#define LABEL_VERIFIER	"meldpunt receipt v1 verifier"
#define LABEL_WRAP	"meldpunt receipt v1 thread-wrap"
#define ARGON_OUT_LEN	32

/* The order-10 weakly totally anti-symmetric quasigroup of H. M. Damm. */
static const unsigned char damm[10][10] = {
	{ 0, 3, 1, 7, 5, 9, 8, 6, 4, 2 },
	{ 7, 0, 9, 2, 1, 5, 4, 8, 6, 3 },
	{ 4, 2, 0, 6, 8, 7, 1, 3, 5, 9 },
	{ 1, 7, 5, 0, 9, 8, 3, 4, 2, 6 },
	{ 6, 1, 2, 3, 0, 4, 5, 9, 7, 8 },
	{ 3, 6, 7, 4, 2, 0, 9, 5, 8, 1 },
	{ 5, 8, 6, 9, 7, 2, 0, 1, 3, 4 },
	{ 8, 9, 4, 5, 3, 6, 2, 0, 1, 7 },
	{ 9, 4, 3, 8, 6, 1, 7, 2, 0, 5 },
	{ 2, 5, 8, 1, 4, 3, 6, 7, 9, 0 },
};

/*
 * The Damm interim digit after d[0..n): for n = 15 it is the check
 * digit, and a full receipt is valid when it is 0 over all 16.
 * Returns -1 when a byte is not an ASCII digit.
 */
int
receipt_check_digit(const char *d, size_t n)
{
	size_t	 i;
	int	 interim = 0;

	for (i = 0; i < n; i++) {
		if (d[i] < '0' || d[i] > '9')
			return (-1);
		interim = damm[interim][d[i] - '0'];
	}
	return (interim);
}

/* 1 when d holds 16 ASCII digits with a correct check digit. */
int
receipt_is_valid(const char d[RECEIPT_DIGITS])
{
	return (receipt_check_digit(d, RECEIPT_DIGITS) == 0);
}

/*
 * A fresh receipt, NUL-terminated, in out.  Digits are uniform: bytes
 * of 250 and above are rejected so that "byte % 10" has no bias.
 */
int
receipt_generate(char out[RECEIPT_DIGITS + 1])
{
	unsigned char	 buf[32];
	size_t		 i, n = 0;

	while (n < RECEIPT_DIGITS - 1) {
		if (secret_random(buf, sizeof(buf)) == -1)
			goto fail;
		for (i = 0; i < sizeof(buf) && n < RECEIPT_DIGITS - 1; i++)
			if (buf[i] < 250)
				out[n++] = (char)('0' + buf[i] % 10);
	}
	out[n] = (char)('0' + receipt_check_digit(out, n));
	out[RECEIPT_DIGITS] = '\0';
	secret_wipe(buf, sizeof(buf));
	return (0);
 fail:
	secret_wipe(buf, sizeof(buf));
	secret_wipe(out, RECEIPT_DIGITS + 1);
	return (-1);
}

/*
 * The zero of every run of ten decimal digits in Unicode 14 (general
 * category Nd; each run holds the values 0..9 in order), generated with
 * Python's unicodedata.  A reporter may type the receipt with the digits
 * their keyboard gives: Eastern Arabic, Persian, Devanagari, full-width
 * (Chinese and Japanese input methods) and the rest.  web/js/receipt.js
 * holds the same table.  Ethiopic numerals (U+1369..) are not decimal
 * digits -- they have no zero -- so Tigrinya keyboards type ASCII ones.
 */
static const uint32_t digit_zeros[] = {
	0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66,
	0xbe6, 0xc66, 0xce6, 0xd66, 0xde6, 0xe50, 0xed0, 0xf20, 0x1040,
	0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90, 0x1b50,
	0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0,
	0xaa50, 0xabf0, 0xff10, 0x104a0, 0x10d30, 0x11066, 0x110f0,
	0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650, 0x116c0,
	0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60,
	0x16ac0, 0x16b50, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6,
	0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
};

/* The value of a decimal digit of any script, or -1. */
static int
receipt_digit_value(uint32_t cp)
{
	size_t	 i;

	for (i = 0; i < sizeof(digit_zeros) / sizeof(digit_zeros[0]); i++)
		if (cp >= digit_zeros[i] && cp <= digit_zeros[i] + 9)
			return ((int)(cp - digit_zeros[i]));
	return (-1);
}

/*
 * What is dropped between digits: spaces (also no-break, thin and
 * ideographic ones), hyphens and dashes (also the minus sign and the
 * full-width hyphen), and the invisible direction and joiner marks that
 * copying digits out of right-to-left text brings along.  Not tabs,
 * dots or underscores: those stay typos.
 */
static int
receipt_is_separator(uint32_t cp)
{
	return (cp == 0x20 || cp == 0x2d || cp == 0xa0 || cp == 0x61c ||
	    (cp >= 0x2000 && cp <= 0x200f) || (cp >= 0x2010 && cp <= 0x2015) ||
	    cp == 0x202f || cp == 0x205f || (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0x2212 || cp == 0x3000 || cp == 0xfe58 || cp == 0xfe63 ||
	    cp == 0xff0d);
}

/*
 * One code point of strict UTF-8 from s[*i..len): no overlong forms, no
 * surrogates, nothing above U+10FFFF.  0 and *i advanced, or -1.
 */
static int
receipt_utf8_next(const unsigned char *s, size_t len, size_t *i,
    uint32_t *cp)
{
	static const uint32_t	 min[4] = { 0, 0x80, 0x800, 0x10000 };
	size_t			 n, k;
	uint32_t		 c = s[*i];

	if (c < 0x80)
		n = 0;
	else if (c >= 0xc2 && c <= 0xdf)
		n = 1, c &= 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 2, c &= 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 3, c &= 0x07;
	else
		return (-1);
	if (n > len - *i - 1)
		return (-1);
	for (k = 1; k <= n; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			return (-1);
		c = c << 6 | (s[*i + k] & 0x3f);
	}
	if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return (-1);
	*i += n + 1;
	*cp = c;
	return (0);
}

/*
 * Normalise what a reporter typed (docs/crypto.md §3): at most
 * RECEIPT_INPUT_MAX bytes of UTF-8; separators (receipt_is_separator())
 * anywhere are dropped, decimal digits of any script become their ASCII
 * digit; exactly 16 digits must remain and their check digit must hold.
 * Anything else (tabs, letters, NUL, invalid UTF-8) is refused.  out
 * gets the 16 ASCII digits and a NUL.  0 on success, -1 when refused.
 */
int
receipt_parse(const char *in, size_t inlen, char out[RECEIPT_DIGITS + 1])
{
	const unsigned char	*s = (const unsigned char *)in;
	size_t			 i = 0, n = 0;
	uint32_t		 cp;
	int			 v;

	if (in == NULL || inlen > RECEIPT_INPUT_MAX)
		goto fail;
	while (i < inlen) {
		if (receipt_utf8_next(s, inlen, &i, &cp) == -1)
			goto fail;
		if (receipt_is_separator(cp))
			continue;
		if ((v = receipt_digit_value(cp)) == -1 || n == RECEIPT_DIGITS)
			goto fail;
		out[n++] = (char)('0' + v);
	}
	if (n != RECEIPT_DIGITS || !receipt_is_valid(out))
		goto fail;
	out[RECEIPT_DIGITS] = '\0';
	return (0);
 fail:
	secret_wipe(out, RECEIPT_DIGITS + 1);
	return (-1);
}

/* "4821 7730 1195 0062": the only form shown to reporters. */
int
receipt_format(const char d[RECEIPT_DIGITS], char out[RECEIPT_DISPLAY_LEN + 1])
{
	size_t	 i, j = 0;

	if (!receipt_is_valid(d))
		return (-1);
	for (i = 0; i < RECEIPT_DIGITS; i++) {
		if (i > 0 && i % 4 == 0)
			out[j++] = ' ';
		out[j++] = d[i];
	}
	out[j] = '\0';
	return (0);
}

/*
 * Lookup id = first 16 bytes of HMAC-SHA256(lookup key, 16 ASCII
 * digits).  Deterministic, so the database can index it.
 */
int
receipt_lookup_id(const unsigned char key[RECEIPT_LOOKUP_KEY_LEN],
    const char d[RECEIPT_DIGITS], unsigned char id[RECEIPT_LOOKUP_LEN])
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0;

	if (HMAC(EVP_sha256(), key, RECEIPT_LOOKUP_KEY_LEN,
	    (const unsigned char *)d, RECEIPT_DIGITS, mac, &maclen) == NULL ||
	    maclen < RECEIPT_LOOKUP_LEN) {
		secret_wipe(mac, sizeof(mac));
		return (-1);
	}
	memcpy(id, mac, RECEIPT_LOOKUP_LEN);
	secret_wipe(mac, sizeof(mac));
	return (0);
}

/*
 * Argon2id(receipt, salt) expanded into the verifier and, when wrapkey
 * is not NULL, the thread-wrap key.  Both come from HKDF with distinct
 * labels, so neither reveals the other nor the Argon2id output.
 */
int
receipt_derive(const char d[RECEIPT_DIGITS],
    const unsigned char salt[RECEIPT_SALT_LEN], const struct secret_kdf *k,
    unsigned char verifier[RECEIPT_VERIFIER_LEN],
    unsigned char wrapkey[RECEIPT_WRAP_KEY_LEN])
{
	unsigned char	 raw[ARGON_OUT_LEN];
	int		 rv = -1;

	if (secret_argon2id(k, d, RECEIPT_DIGITS, salt, RECEIPT_SALT_LEN,
	    raw, sizeof(raw)) == -1)
		goto fail;
	if (secret_hkdf(raw, sizeof(raw), NULL, 0, LABEL_VERIFIER,
	    verifier, RECEIPT_VERIFIER_LEN) == -1)
		goto fail;
	if (wrapkey != NULL && secret_hkdf(raw, sizeof(raw), NULL, 0,
	    LABEL_WRAP, wrapkey, RECEIPT_WRAP_KEY_LEN) == -1)
		goto fail;
	rv = 0;
 fail:
	secret_wipe(raw, sizeof(raw));
	if (rv == -1) {
		secret_wipe(verifier, RECEIPT_VERIFIER_LEN);
		if (wrapkey != NULL)
			secret_wipe(wrapkey, RECEIPT_WRAP_KEY_LEN);
	}
	return (rv);
}

/*
 * Build the stored record for a new receipt: parameters k, a fresh salt,
 * the lookup id and the verifier.  wrapkey (may be NULL) receives the
 * thread-wrap key; the caller wipes it after wrapping.
 */
int
receipt_enroll(const char d[RECEIPT_DIGITS],
    const unsigned char lookup_key[RECEIPT_LOOKUP_KEY_LEN],
    const struct secret_kdf *k, struct receipt_record *rec,
    unsigned char wrapkey[RECEIPT_WRAP_KEY_LEN])
{
	memset(rec, 0, sizeof(*rec));
	if (!receipt_is_valid(d) || secret_kdf_check(k) == -1)
		return (-1);
	rec->rr_kdf = *k;
	if (secret_random(rec->rr_salt, sizeof(rec->rr_salt)) == -1)
		return (-1);
	if (receipt_lookup_id(lookup_key, d, rec->rr_lookup) == -1)
		return (-1);
	return (receipt_derive(d, rec->rr_salt, k, rec->rr_verifier,
	    wrapkey));
}

/*
 * Check a receipt against its record.  Returns 0 on a match (and fills
 * wrapkey when not NULL), 1 when it does not match (a bad check digit
 * is answered at once, without Argon2id), -1 on an internal error or
 * parameters outside the limits.  The comparison is constant-time.
 */
int
receipt_verify(const char d[RECEIPT_DIGITS], const struct receipt_record *rec,
    unsigned char wrapkey[RECEIPT_WRAP_KEY_LEN])
{
	unsigned char	 v[RECEIPT_VERIFIER_LEN];
	int		 rv;

	if (!receipt_is_valid(d))
		return (1);
	if (receipt_derive(d, rec->rr_salt, &rec->rr_kdf, v, wrapkey) == -1)
		return (-1);
	rv = secret_equal(v, rec->rr_verifier, sizeof(v)) ? 0 : 1;
	secret_wipe(v, sizeof(v));
	if (rv != 0 && wrapkey != NULL)
		secret_wipe(wrapkey, RECEIPT_WRAP_KEY_LEN);
	return (rv);
}

/* AAD = version byte || caller context; built on the stack when small. */
static unsigned char *
wrap_aad(const unsigned char *ad, size_t adlen, unsigned char *buf,
    size_t bufsz, size_t *aadlen)
{
	unsigned char	*a = buf;

	if (adlen > SIZE_MAX - 1)
		return (NULL);
	if (adlen + 1 > bufsz && (a = malloc(adlen + 1)) == NULL)
		return (NULL);
	a[0] = RECEIPT_WRAP_VERSION;
	if (adlen > 0)
		memcpy(a + 1, ad, adlen);
	*aadlen = adlen + 1;
	return (a);
}

/*
 * Wrap the case thread key tk under the receipt's wrap key:
 * out = 0x01 || nonce(12) || AES-256-GCM(tk) || tag(16), with AAD
 * 0x01 || ad (ad binds the wrap to its case; may be empty).  On entry
 * *outlen is the size of out, on return the bytes written.
 */
int
receipt_wrap_thread_key(const unsigned char key[RECEIPT_WRAP_KEY_LEN],
    const unsigned char *tk, size_t tklen, const unsigned char *ad,
    size_t adlen, unsigned char *out, size_t *outlen)
{
	unsigned char	 sbuf[64], *aad;
	size_t		 aadlen;
	int		 rv = -1;

	if (tklen > SIZE_MAX - RECEIPT_WRAP_OVERHEAD ||
	    *outlen < tklen + RECEIPT_WRAP_OVERHEAD)
		return (-1);
	if ((aad = wrap_aad(ad, adlen, sbuf, sizeof(sbuf), &aadlen)) == NULL)
		return (-1);
	out[0] = RECEIPT_WRAP_VERSION;
	if (secret_random(out + 1, SECRET_GCM_NONCELEN) == -1)
		goto fail;
	if (secret_gcm_seal(key, out + 1, aad, aadlen, tk, tklen,
	    out + 1 + SECRET_GCM_NONCELEN) == -1)
		goto fail;
	*outlen = tklen + RECEIPT_WRAP_OVERHEAD;
	rv = 0;
 fail:
	if (aad != sbuf)
		free(aad);
	return (rv);
}

/*
 * Reverse of receipt_wrap_thread_key().  Refuses another version, a
 * short blob, a wrong key or context and any altered byte; out is then
 * left wiped.  *outlen: size of out on entry, key length on return.
 */
int
receipt_unwrap_thread_key(const unsigned char key[RECEIPT_WRAP_KEY_LEN],
    const unsigned char *in, size_t inlen, const unsigned char *ad,
    size_t adlen, unsigned char *out, size_t *outlen)
{
	unsigned char	 sbuf[64], *aad;
	size_t		 aadlen, tklen;
	int		 rv = -1;

	if (inlen < RECEIPT_WRAP_OVERHEAD || in[0] != RECEIPT_WRAP_VERSION)
		return (-1);
	tklen = inlen - RECEIPT_WRAP_OVERHEAD;
	if (*outlen < tklen)
		return (-1);
	if ((aad = wrap_aad(ad, adlen, sbuf, sizeof(sbuf), &aadlen)) == NULL)
		return (-1);
	if (secret_gcm_open(key, in + 1, aad, aadlen,
	    in + 1 + SECRET_GCM_NONCELEN, inlen - 1 - SECRET_GCM_NONCELEN,
	    out) == -1)
		goto fail;
	*outlen = tklen;
	rv = 0;
 fail:
	if (aad != sbuf)
		free(aad);
	return (rv);
}
