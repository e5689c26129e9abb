/*
 * Derivations and sealing for idempotent submission (idem.h).  Labels
 * keep the three derived values apart; the body hash salts the sealing
 * key so that a row opened with the right id but another body yields
 * nothing (that case is answered 409 before any opening is tried).
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/secret.h"
#include "daemon/idem.h"

#define IDEM_VERSION	1

int
idem_parse_header(const char *v, char id[IDEM_ID_MAX + 1])
{
	size_t	 n, i;

	if (v == NULL)
		return (-1);
	n = strlen(v);
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v++;
		n -= 2;
	}
	if (n < IDEM_ID_MIN || n > IDEM_ID_MAX)
		return (-1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return (-1);
	}
	memcpy(id, v, n);
	id[n] = '\0';
	return ((int)n);
}

int
idem_derive(const unsigned char *server_key, size_t keylen, const char *id,
    size_t idlen, const unsigned char *body, size_t bodylen,
    struct idem *out)
{
	unsigned char	 bh[32], ck[32], salt[64 + 32];
	unsigned int	 maclen = sizeof(out->id_check);
	int		 rc = -1;

	memset(out, 0, sizeof(*out));
	if (keylen > 64 || EVP_Digest(body, bodylen, bh, NULL, EVP_sha256(),
	    NULL) != 1)
		goto done;
	if (secret_hkdf((const unsigned char *)id, idlen, server_key, keylen,
	    "meldpunt-submission-lookup", out->id_lookup, IDEM_LEN) == -1 ||
	    secret_hkdf((const unsigned char *)id, idlen, server_key, keylen,
	    "meldpunt-submission-check", ck, sizeof(ck)) == -1)
		goto done;
	if (HMAC(EVP_sha256(), ck, sizeof(ck), bh, sizeof(bh), out->id_check,
	    &maclen) == NULL)
		goto done;
	memcpy(salt, server_key, keylen);
	memcpy(salt + keylen, bh, sizeof(bh));
	if (secret_hkdf((const unsigned char *)id, idlen, salt,
	    keylen + sizeof(bh), "meldpunt-submission-seal", out->id_key,
	    IDEM_LEN) == -1)
		goto done;
	rc = 0;
 done:
	OPENSSL_cleanse(ck, sizeof(ck));
	OPENSSL_cleanse(salt, sizeof(salt));
	OPENSSL_cleanse(bh, sizeof(bh));
	if (rc == -1)
		idem_clear(out);
	return (rc);
}

void
idem_clear(struct idem *d)
{
	if (d != NULL)
		OPENSSL_cleanse(d, sizeof(*d));
}

int
idem_same_body(const struct idem *d, const unsigned char *check,
    size_t checklen)
{
	return (checklen == IDEM_LEN &&
	    CRYPTO_memcmp(d->id_check, check, IDEM_LEN) == 0);
}

int
idem_seal(const struct idem *d, const char receipt[RECEIPT_DIGITS],
    unsigned char out[IDEM_SEALED_LEN])
{
	out[0] = IDEM_VERSION;
	if (secret_random(out + 1, SECRET_GCM_NONCELEN) == -1)
		return (-1);
	return (secret_gcm_seal(d->id_key, out + 1, d->id_lookup, IDEM_LEN,
	    (const unsigned char *)receipt, RECEIPT_DIGITS,
	    out + 1 + SECRET_GCM_NONCELEN));
}

int
idem_open(const struct idem *d, const unsigned char *sealed, size_t len,
    char receipt[RECEIPT_DIGITS + 1])
{
	unsigned char	 pt[RECEIPT_DIGITS];

	if (len != IDEM_SEALED_LEN || sealed[0] != IDEM_VERSION)
		return (-1);
	if (secret_gcm_open(d->id_key, sealed + 1, d->id_lookup, IDEM_LEN,
	    sealed + 1 + SECRET_GCM_NONCELEN, RECEIPT_DIGITS + 16, pt) == -1)
		return (-1);
	memcpy(receipt, pt, RECEIPT_DIGITS);
	receipt[RECEIPT_DIGITS] = '\0';
	OPENSSL_cleanse(pt, sizeof(pt));
	return (receipt_is_valid(receipt) ? 0 : -1);
}
