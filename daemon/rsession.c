/*
 * Sealed reporter-session tokens (see rsession.h).  Token bytes:
 *
 *   0x01 | session id (16) | nonce (12) | AES-256-GCM(key, nonce,
 *       plain, aad = 0x01 | session id) | tag (16)
 *   plain = lookup id (16) | verifier (32) | case id (16) | thread key (32)
 *           | language (1) | expiry, seconds since the epoch, uint64 BE
 *
 * sent as lowercase hex.  Random nonces: at 2^32 tokens per key the
 * collision bound is still far below 2^-32; the key is a long-lived
 * file, so deployments rotate it yearly (deploy/README.md).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "crypto/secret.h"
#include "daemon/rsession.h"

#define RS_VERSION	0x01
#define RS_NONCE	12
#define RS_TAG		16
#define RS_AAD		(1 + RSESSION_ID_LEN)

struct rsession_store {
	struct secret	*ss_key;	/* locked when the system allows */
	int		 ss_ttl;
};

struct rsession_store *
rsession_store_new(const unsigned char *key, int ttl_s)
{
	struct rsession_store	*ss;

	if ((ss = calloc(1, sizeof(*ss))) == NULL)
		return (NULL);
	ss->ss_ttl = ttl_s;
	if ((ss->ss_key = secret_new_locked(RSESSION_KEY_LEN)) == NULL)
		goto fail;
	if (key != NULL)
		memcpy(ss->ss_key->s_buf, key, RSESSION_KEY_LEN);
	else if (secret_random(ss->ss_key->s_buf, RSESSION_KEY_LEN) == -1)
		goto fail;
	return (ss);
 fail:
	rsession_store_free(ss);
	return (NULL);
}

void
rsession_store_free(struct rsession_store *ss)
{
	if (ss == NULL)
		return;
	secret_free(ss->ss_key);
	free(ss);
}

int
rsession_locked(const struct rsession_store *ss)
{
	return (secret_is_locked(ss->ss_key));
}

/* AES-256-GCM one-shot; enc 1 seals, 0 opens (tag checked).  0 or -1. */
static int
rs_gcm(const struct rsession_store *ss, int enc, const unsigned char *nonce,
    const unsigned char *aad, const unsigned char *in, size_t len,
    unsigned char *out, unsigned char *tag)
{
	EVP_CIPHER_CTX	*ctx;
	int		 n, ok = 0;

	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return (-1);
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, ss->ss_key->s_buf,
	    nonce, enc) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &n, aad, RS_AAD) != 1 ||
	    EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1)
		goto done;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, RS_TAG,
	    tag) != 1)
		goto done;
	if (EVP_CipherFinal_ex(ctx, out + n, &n) != 1)
		goto done;
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, RS_TAG,
	    tag) != 1)
		goto done;
	ok = 1;
 done:
	EVP_CIPHER_CTX_free(ctx);
	return (ok ? 0 : -1);
}

int
rsession_create(struct rsession_store *ss, const struct rsession_cred *c,
    time_t now, char token[RSESSION_TOKEN_HEXLEN + 1], time_t *expires,
    unsigned char sid_hash[RSESSION_HASH_LEN])
{
	unsigned char	 tok[RSESSION_TOKEN_LEN], plain[RSESSION_PLAIN_LEN];
	unsigned char	*p = plain, *sid = tok + 1, *nonce = sid + RSESSION_ID_LEN;
	uint64_t	 exp = (uint64_t)now + (uint64_t)ss->ss_ttl;
	int		 i, rc = -1;

	tok[0] = RS_VERSION;
	if (secret_random(sid, RSESSION_ID_LEN + RS_NONCE) == -1)
		return (-1);
	memcpy(p, c->rc_lookup, RECEIPT_LOOKUP_LEN);
	p += RECEIPT_LOOKUP_LEN;
	memcpy(p, c->rc_verifier, RECEIPT_VERIFIER_LEN);
	p += RECEIPT_VERIFIER_LEN;
	memcpy(p, c->rc_case, RSESSION_CASE_LEN);
	p += RSESSION_CASE_LEN;
	memcpy(p, c->rc_tk, RSESSION_TK_LEN);
	p += RSESSION_TK_LEN;
	*p++ = (unsigned char)c->rc_lang;
	for (i = 7; i >= 0; i--)
		*p++ = (unsigned char)(exp >> (8 * i));
	if (rs_gcm(ss, 1, nonce, tok, plain, sizeof(plain), nonce + RS_NONCE,
	    tok + sizeof(tok) - RS_TAG) == -1)
		goto done;
	SHA256(sid, RSESSION_ID_LEN, sid_hash);
	secret_hex_encode(tok, sizeof(tok), token);
	*expires = (time_t)exp;
	rc = 0;
 done:
	OPENSSL_cleanse(plain, sizeof(plain));
	OPENSSL_cleanse(tok, sizeof(tok));
	return (rc);
}

int
rsession_get(struct rsession_store *ss, const char *authz, time_t now,
    struct rsession_cred *c, unsigned char sid_hash[RSESSION_HASH_LEN])
{
	unsigned char	 tok[RSESSION_TOKEN_LEN], plain[RSESSION_PLAIN_LEN];
	unsigned char	*p = plain, *sid = tok + 1, *nonce = sid + RSESSION_ID_LEN;
	uint64_t	 exp = 0;
	int		 i, rc = -1;

	if (authz == NULL || strncmp(authz, "Bearer ", 7) != 0 ||
	    strlen(authz + 7) != RSESSION_TOKEN_HEXLEN ||
	    secret_hex_decode(authz + 7, RSESSION_TOKEN_HEXLEN, tok,
	    sizeof(tok)) == -1 || tok[0] != RS_VERSION)
		return (-1);
	if (rs_gcm(ss, 0, nonce, tok, nonce + RS_NONCE, sizeof(plain), plain,
	    tok + sizeof(tok) - RS_TAG) == -1)
		goto done;
	for (i = 0; i < 8; i++)
		exp = exp << 8 | plain[RSESSION_PLAIN_LEN - 8 + i];
	if (plain[RSESSION_PLAIN_LEN - 9] >= I18N_NLANG ||
	    (uint64_t)now >= exp)
		goto done;
	memcpy(c->rc_lookup, p, RECEIPT_LOOKUP_LEN);
	p += RECEIPT_LOOKUP_LEN;
	memcpy(c->rc_verifier, p, RECEIPT_VERIFIER_LEN);
	p += RECEIPT_VERIFIER_LEN;
	memcpy(c->rc_case, p, RSESSION_CASE_LEN);
	p += RSESSION_CASE_LEN;
	memcpy(c->rc_tk, p, RSESSION_TK_LEN);
	p += RSESSION_TK_LEN;
	c->rc_lang = (enum i18n_lang)*p;
	SHA256(sid, RSESSION_ID_LEN, sid_hash);
	rc = 0;
 done:
	OPENSSL_cleanse(plain, sizeof(plain));
	OPENSSL_cleanse(tok, sizeof(tok));
	return (rc);
}
