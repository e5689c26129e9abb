/*
 * Case keys, their outer layer and their wraps to retention-epoch keys
 * (see casekey.h, docs/crypto.md §12).  The layer is one AES-256-GCM
 * seal with a random 96-bit nonce; a case key seals a handful of fields
 * over the case's whole life, far below the 2^32 messages per key that
 * random GCM nonces allow.  The associated data binds each layer to its
 * case and field, so a layer copied to another case or column fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto/casekey.h"
#include "crypto/keyfile.h"
#include "crypto/secret.h"

#define AAD_MAX	(sizeof(CASEKEY_LAYER_AAD) - 1 + 1 + CASEKEY_CASE_ID_LEN + \
		    CASEKEY_LABEL_MAX)
#define INFO_LEN (sizeof(CASEKEY_WRAP_INFO) - 1 + 4 + CASEKEY_CASE_ID_LEN)

/* aad = "meldpunt-case-layer" || 0x01 || case_id || label; 0 if too long */
static size_t
layer_aad(const uint8_t *case_id, const char *label, uint8_t *aad)
{
	size_t	 l = sizeof(CASEKEY_LAYER_AAD) - 1, ll = strlen(label);

	if (ll > CASEKEY_LABEL_MAX)
		return (0);
	memcpy(aad, CASEKEY_LAYER_AAD, l);
	aad[l++] = CASEKEY_LAYER_VERSION;
	memcpy(aad + l, case_id, CASEKEY_CASE_ID_LEN);
	l += CASEKEY_CASE_ID_LEN;
	memcpy(aad + l, label, ll);
	return (l + ll);
}

int
casekey_layer_seal_fixed(const uint8_t *key, const uint8_t *case_id,
    const char *label, const uint8_t *nonce, const uint8_t *in, size_t inlen,
    uint8_t *out)
{
	uint8_t	 aad[AAD_MAX];
	size_t	 aadlen;

	if ((aadlen = layer_aad(case_id, label, aad)) == 0)
		return (-1);
	out[0] = CASEKEY_LAYER_VERSION;
	memcpy(out + 1, nonce, CASEKEY_NONCE_LEN);
	return (secret_gcm_seal(key, nonce, aad, aadlen, in, inlen,
	    out + 1 + CASEKEY_NONCE_LEN));
}

int
casekey_layer_seal(const uint8_t *key, const uint8_t *case_id,
    const char *label, const uint8_t *in, size_t inlen, uint8_t *out)
{
	uint8_t	 nonce[CASEKEY_NONCE_LEN];

	if (secret_random(nonce, sizeof(nonce)) == -1)
		return (-1);
	return (casekey_layer_seal_fixed(key, case_id, label, nonce, in,
	    inlen, out));
}

int
casekey_layer_open(const uint8_t *key, const uint8_t *case_id,
    const char *label, const uint8_t *in, size_t inlen, uint8_t *out,
    size_t *outlen)
{
	uint8_t	 aad[AAD_MAX];
	size_t	 aadlen;

	if (inlen < CASEKEY_LAYER_OVERHEAD || in[0] != CASEKEY_LAYER_VERSION ||
	    (aadlen = layer_aad(case_id, label, aad)) == 0)
		return (-1);
	if (secret_gcm_open(key, in + 1, aad, aadlen, in + 1 +
	    CASEKEY_NONCE_LEN, inlen - 1 - CASEKEY_NONCE_LEN, out) == -1)
		return (-1);
	*outlen = inlen - CASEKEY_LAYER_OVERHEAD;
	return (0);
}

/* info = "meldpunt-case-key-wrap" || I2OSP(epoch, 4) || case_id */
static void
wrap_info(uint32_t epoch, const uint8_t *case_id, uint8_t *info)
{
	size_t	 l = sizeof(CASEKEY_WRAP_INFO) - 1;

	memcpy(info, CASEKEY_WRAP_INFO, l);
	info[l++] = (uint8_t)(epoch >> 24);
	info[l++] = (uint8_t)(epoch >> 16);
	info[l++] = (uint8_t)(epoch >> 8);
	info[l++] = (uint8_t)epoch;
	memcpy(info + l, case_id, CASEKEY_CASE_ID_LEN);
}

int
casekey_wrap(const struct hpke_key *pk, const struct hpke_key *skE,
    uint32_t epoch, const uint8_t *case_id, const uint8_t *key,
    uint8_t *enc, size_t *enclen, uint8_t *wrapped)
{
	struct hpke_ctx	*ctx;
	uint8_t		 info[INFO_LEN];
	int		 rc = -1;

	wrap_info(epoch, case_id, info);
	if (skE == NULL)
		return (hpke_seal(&hpke_suite_default, pk, info, sizeof(info),
		    NULL, 0, key, CASEKEY_LEN, enc, enclen, wrapped));
	if ((ctx = hpke_ctx_new(&hpke_suite_default)) == NULL)
		return (-1);
	if (hpke_setup_base_s(ctx, pk, skE, info, sizeof(info), enc,
	    enclen) == 0 && hpke_ctx_seal(ctx, NULL, 0, key, CASEKEY_LEN,
	    wrapped) == 0)
		rc = 0;
	hpke_ctx_free(ctx);
	return (rc);
}

int
casekey_unwrap(const struct hpke_key *sk, uint32_t epoch,
    const uint8_t *case_id, const uint8_t *enc, size_t enclen,
    const uint8_t *wrapped, size_t wrappedlen, uint8_t *key)
{
	uint8_t	 info[INFO_LEN];

	if (wrappedlen != CASEKEY_WRAPPED_LEN)
		return (-1);
	wrap_info(epoch, case_id, info);
	return (hpke_open(&hpke_suite_default, sk, enc, enclen, info,
	    sizeof(info), NULL, 0, wrapped, wrappedlen, key));
}

int
casekey_epoch_path(const char *dir, uint32_t epoch, char *buf, size_t bufsz)
{
	int	 n;

	n = snprintf(buf, bufsz, "%s/epoch-%u.key", dir, epoch);
	return (n < 0 || (size_t)n >= bufsz ? -1 : 0);
}

struct hpke_key *
casekey_epoch_load(const char *dir, uint32_t epoch, char *err, size_t errlen)
{
	struct secret	*s;
	struct hpke_key	*k;
	char		 path[4096];

	if (casekey_epoch_path(dir, epoch, path, sizeof(path)) == -1) {
		snprintf(err, errlen, "epoch key directory name too long");
		return (NULL);
	}
	if ((s = keyfile_read(path, CASEKEY_EPOCH_KIND, KEYFILE_PRIVATE, 32, 0,
	    err, errlen)) == NULL)
		return (NULL);
	k = hpke_key_from_private(HPKE_KEM_P256_SHA256, s->s_buf, s->s_len);
	secret_free(s);
	if (k == NULL)
		snprintf(err, errlen, "%s: not a P-256 private key", path);
	return (k);
}

int
casekey_open_dir(const char *dir, uint32_t epoch, const uint8_t *case_id,
    const uint8_t *enc, size_t enclen, const uint8_t *wrapped,
    size_t wrappedlen, uint8_t *key, char *err, size_t errlen)
{
	struct hpke_key	*sk;
	int		 rc;

	if (dir == NULL) {
		snprintf(err, errlen, "no epoch key directory configured");
		return (-1);
	}
	if ((sk = casekey_epoch_load(dir, epoch, err, errlen)) == NULL)
		return (-1);
	rc = casekey_unwrap(sk, epoch, case_id, enc, enclen, wrapped,
	    wrappedlen, key);
	hpke_key_free(sk);
	if (rc == -1)
		snprintf(err, errlen, "case key does not open");
	return (rc);
}

int
casekey_strip(const uint8_t *key, const uint8_t *case_id, const char *prefix,
    const char *suffix, unsigned char *buf, size_t *len)
{
	char	 label[CASEKEY_LABEL_MAX + 1];
	uint8_t	*out;
	size_t	 outlen = 0;
	int	 n, rc;

	n = snprintf(label, sizeof(label), "%s%s", prefix, suffix);
	if (n < 0 || (size_t)n >= sizeof(label) || buf == NULL ||
	    *len < CASEKEY_LAYER_OVERHEAD || (out = malloc(*len)) == NULL)
		return (-1);
	rc = casekey_layer_open(key, case_id, label, buf, *len, out, &outlen);
	if (rc == 0) {
		memcpy(buf, out, outlen);
		*len = outlen;
	}
	OPENSSL_clear_free(out, *len);
	return (rc);
}

uint8_t *
casekey_handover_build(const struct casekey_contact *c, size_t *ptlen)
{
	uint8_t	*pt;
	size_t	 n;

	if (c->cc_enclen == 0 || c->cc_enclen > 255 || c->cc_ctlen > 16384)
		return (NULL);
	n = 32 + 16 + 1 + c->cc_enclen + c->cc_ctlen;
	if ((pt = malloc(n)) == NULL)
		return (NULL);
	memcpy(pt, c->cc_link, 32);
	memcpy(pt + 32, c->cc_key_id, 16);
	pt[48] = (uint8_t)c->cc_enclen;
	memcpy(pt + 49, c->cc_enc, c->cc_enclen);
	memcpy(pt + 49 + c->cc_enclen, c->cc_ct, c->cc_ctlen);
	*ptlen = n;
	return (pt);
}

static void
handover_info(uint32_t epoch, uint8_t *info)
{
	size_t	 l = sizeof(CASEKEY_HANDOVER_INFO) - 1;

	memcpy(info, CASEKEY_HANDOVER_INFO, l);
	info[l] = (uint8_t)(epoch >> 24);
	info[l + 1] = (uint8_t)(epoch >> 16);
	info[l + 2] = (uint8_t)(epoch >> 8);
	info[l + 3] = (uint8_t)epoch;
}

int
casekey_handover_seal(const struct hpke_key *pk, uint32_t epoch,
    const uint8_t *pt, size_t ptlen, uint8_t *enc, size_t *enclen,
    uint8_t *sealed)
{
	uint8_t	 info[sizeof(CASEKEY_HANDOVER_INFO) - 1 + 4];

	handover_info(epoch, info);
	return (hpke_seal(&hpke_suite_default, pk, info, sizeof(info), NULL, 0,
	    pt, ptlen, enc, enclen, sealed));
}

int
casekey_handover_open(const struct hpke_key *sk, uint32_t epoch,
    const uint8_t *enc, size_t enclen, const uint8_t *sealed,
    size_t sealedlen, uint8_t *pt)
{
	uint8_t	 info[sizeof(CASEKEY_HANDOVER_INFO) - 1 + 4];

	if (sealedlen <= HPKE_TAG_LEN)
		return (-1);
	handover_info(epoch, info);
	return (hpke_open(&hpke_suite_default, sk, enc, enclen, info,
	    sizeof(info), NULL, 0, sealed, sealedlen, pt));
}

int
casekey_handover_parse(const uint8_t *pt, size_t ptlen,
    struct casekey_contact *c)
{
	if (ptlen < 49 || pt[48] == 0 || ptlen < 49 + (size_t)pt[48] + 1)
		return (-1);
	memcpy(c->cc_link, pt, 32);
	memcpy(c->cc_key_id, pt + 32, 16);
	c->cc_enclen = pt[48];
	c->cc_enc = pt + 49;
	c->cc_ct = pt + 49 + c->cc_enclen;
	c->cc_ctlen = ptlen - 49 - c->cc_enclen;
	return (0);
}
