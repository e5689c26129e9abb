/*
 * HPKE base mode (RFC 9180) on OpenSSL 3.0 EVP, which has no HPKE API of
 * its own: DHKEM is ECDH or X25519 through EVP_PKEY_derive, the labelled
 * HKDF steps are EVP_KDF "HKDF" in EXTRACT_ONLY / EXPAND_ONLY mode, and
 * the AEAD is EVP AES-GCM.  Only what meldpunt needs is here: mode 0,
 * two KEMs, one KDF, two AEADs.  Every secret intermediate (DH output,
 * PRKs, shared secret, key, nonce) lives in a local buffer that is wiped
 * with OPENSSL_cleanse() before the function returns, on every path.
 * The code follows the pseudocode of the RFC section by section so that
 * a reviewer can hold the two side by side.
 */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "crypto/hpke.h"

#define HPKE_VERSION_LABEL	"HPKE-v1"
#define KEM_SUITE_ID_LEN	5
/* "KEM" || kem_id; "HPKE" || kem_id || kdf_id || aead_id */
#define HPKE_SUITE_ID_LEN	10
#define MAX_LABEL_LEN		16	/* "shared_secret" is the longest */

struct hpke_key {
	uint16_t	 k_kem;
	int		 k_priv;
	EVP_PKEY	*k_pkey;
	uint8_t		 k_pub[HPKE_MAX_PUB];	/* SerializePublicKey */
	size_t		 k_publen;
};

struct hpke_ctx {
	struct hpke_suite c_suite;
	int		 c_ready;
	uint8_t		 c_key[HPKE_MAX_KEY];
	size_t		 c_keylen;
	uint8_t		 c_nonce[HPKE_NONCE_LEN];
	uint8_t		 c_exp[HPKE_SECRET_LEN];
	uint64_t	 c_seq;
};

const struct hpke_suite hpke_suite_default = {
	HPKE_KEM_P256_SHA256, HPKE_KDF_HKDF_SHA256, HPKE_AEAD_AES256GCM
};

/* The order n of the P-256 base point, big-endian. */
static const uint8_t p256_order[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51
};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

int
hpke_suite_check(const struct hpke_suite *s)
{
	if (s == NULL || hpke_kem_enc_len(s->kem) == 0 ||
	    s->kdf != HPKE_KDF_HKDF_SHA256 || hpke_aead_key_len(s->aead) == 0)
		return (-1);
	return (0);
}

size_t
hpke_kem_enc_len(uint16_t kem)
{
	switch (kem) {
	case HPKE_KEM_P256_SHA256:
		return (65);
	case HPKE_KEM_X25519_SHA256:
		return (32);
	}
	return (0);
}

size_t
hpke_kem_pub_len(uint16_t kem)
{
	return (hpke_kem_enc_len(kem));
}

size_t
hpke_aead_key_len(uint16_t aead)
{
	switch (aead) {
	case HPKE_AEAD_AES128GCM:
		return (16);
	case HPKE_AEAD_AES256GCM:
		return (32);
	}
	return (0);
}

/*
 * OpenSSL objects kept instead of made per call (a P-256 seal made them
 * nine times: 131 us per seal here before, see docs/crypto.md):
 *  - HKDF, fetched once per process -- a fetch looks the name up in the
 *    method store each time, and a fetched algorithm may be shared by
 *    threads (OpenSSL's multithreading rules);
 *  - per thread, a P-256 key-generation context, set up once (provider
 *    lookup, group parameters) and used for every ephemeral key of that
 *    thread -- EVP_PKEY_generate() may be called on one context again and
 *    again, but a context must not be used by two threads at once.  It is
 *    freed when the thread exits.
 */
static pthread_once_t		 hk_once = PTHREAD_ONCE_INIT;
static EVP_KDF			*hk_kdf;
static pthread_once_t		 gen_once = PTHREAD_ONCE_INIT;
static pthread_key_t		 gen_key;
static int			 gen_key_ok;
static _Thread_local EVP_PKEY_CTX *tl_gen;

static void
hk_fetch(void)
{
	hk_kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
}

static void
gen_free(void *c)
{
	EVP_PKEY_CTX_free(c);
	tl_gen = NULL;
}

static void
gen_key_init(void)
{
	gen_key_ok = pthread_key_create(&gen_key, gen_free) == 0;
}

/* This thread's P-256 key-generation context, or NULL. */
static EVP_PKEY_CTX *
p256_genctx(void)
{
	EVP_PKEY_CTX	*c;

	if (tl_gen != NULL)
		return (tl_gen);
	(void)pthread_once(&gen_once, gen_key_init);
	if (!gen_key_ok ||
	    (c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL)
		return (NULL);
	if (EVP_PKEY_keygen_init(c) <= 0 ||
	    EVP_PKEY_CTX_set_group_name(c, "P-256") <= 0 ||
	    pthread_setspecific(gen_key, c) != 0) {
		EVP_PKEY_CTX_free(c);
		return (NULL);
	}
	return (tl_gen = c);
}

/*
 * One HKDF-SHA256 step through EVP_KDF.  An empty salt is passed as
 * Nh zero bytes, which RFC 5869 defines as the same thing, so that no
 * OpenSSL version has to handle a zero-length HMAC key.
 */
static int
hkdf(int mode, const uint8_t *key, size_t keylen, const uint8_t *salt,
    size_t saltlen, const uint8_t *info, size_t infolen, uint8_t *out,
    size_t outlen)
{
	static const uint8_t	 zeros[HPKE_SECRET_LEN];
	EVP_KDF_CTX		*kctx;
	OSSL_PARAM		 params[6], *p = params;
	int			 rc = -1;

	(void)pthread_once(&hk_once, hk_fetch);
	if (hk_kdf == NULL || (kctx = EVP_KDF_CTX_new(hk_kdf)) == NULL)
		return (-1);
	if (mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY && saltlen == 0) {
		salt = zeros;
		saltlen = sizeof(zeros);
	}
	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)key, keylen);
	if (saltlen > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
		    (void *)salt, saltlen);
	if (infolen > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
		    (void *)info, infolen);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, out, outlen, params) > 0)
		rc = 0;
	EVP_KDF_CTX_free(kctx);
	return (rc);
}

/*
 * LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" || suite_id
 * || label || ikm).  The ikm may be a DH output, so the concatenation is
 * wiped before it is freed.
 */
static int
labeled_extract(const uint8_t *sid, size_t sidlen, const uint8_t *salt,
    size_t saltlen, const char *label, const uint8_t *ikm, size_t ikmlen,
    uint8_t *out)
{
	uint8_t	*buf;
	size_t	 llen = strlen(label), hdr, len;
	int	 rc;

	hdr = sizeof(HPKE_VERSION_LABEL) - 1 + sidlen + llen;
	if (ikmlen > SIZE_MAX - hdr)
		return (-1);
	len = hdr + ikmlen;
	if ((buf = malloc(len)) == NULL)
		return (-1);
	memcpy(buf, HPKE_VERSION_LABEL, sizeof(HPKE_VERSION_LABEL) - 1);
	memcpy(buf + sizeof(HPKE_VERSION_LABEL) - 1, sid, sidlen);
	memcpy(buf + sizeof(HPKE_VERSION_LABEL) - 1 + sidlen, label, llen);
	if (ikmlen > 0)
		memcpy(buf + hdr, ikm, ikmlen);
	rc = hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, buf, len, salt, saltlen,
	    NULL, 0, out, HPKE_SECRET_LEN);
	OPENSSL_clear_free(buf, len);
	return (rc);
}

/*
 * LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L, 2) ||
 * "HPKE-v1" || suite_id || label || info, L).
 */
static int
labeled_expand(const uint8_t *sid, size_t sidlen, const uint8_t *prk,
    const char *label, const uint8_t *info, size_t infolen, uint8_t *out,
    size_t outlen)
{
	uint8_t	 buf[2 + sizeof(HPKE_VERSION_LABEL) + HPKE_SUITE_ID_LEN +
		    MAX_LABEL_LEN + HPKE_MAX_EXPORT_CTX];
	size_t	 llen = strlen(label), off = 0;
	int	 rc;

	if (outlen == 0 || outlen > 255 * HPKE_SECRET_LEN ||
	    llen > MAX_LABEL_LEN || sidlen > HPKE_SUITE_ID_LEN ||
	    infolen > HPKE_MAX_EXPORT_CTX)
		return (-1);
	put16(buf, (uint16_t)outlen);
	off = 2;
	memcpy(buf + off, HPKE_VERSION_LABEL, sizeof(HPKE_VERSION_LABEL) - 1);
	off += sizeof(HPKE_VERSION_LABEL) - 1;
	memcpy(buf + off, sid, sidlen);
	off += sidlen;
	memcpy(buf + off, label, llen);
	off += llen;
	if (infolen > 0)
		memcpy(buf + off, info, infolen);
	off += infolen;
	rc = hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, HPKE_SECRET_LEN, NULL, 0,
	    buf, off, out, outlen);
	OPENSSL_cleanse(buf, off);
	return (rc);
}

static void
kem_suite_id(uint16_t kem, uint8_t *sid)
{
	memcpy(sid, "KEM", 3);
	put16(sid + 3, kem);
}

static void
hpke_suite_id(const struct hpke_suite *s, uint8_t *sid)
{
	memcpy(sid, "HPKE", 4);
	put16(sid + 4, s->kem);
	put16(sid + 6, s->kdf);
	put16(sid + 8, s->aead);
}

/*
 * 1 when s is a valid P-256 private scalar (0 < s < n).  The comparison
 * runs in constant time: DeriveKeyPair feeds it secret candidates.
 */
static int
p256_scalar_ok(const uint8_t *s)
{
	unsigned int	 borrow = 0, nonzero = 0, d;
	int		 i;

	for (i = 31; i >= 0; i--) {
		d = (unsigned int)s[i] - p256_order[i] - borrow;
		borrow = (d >> 8) & 1;
		nonzero |= s[i];
	}
	/* s - n borrowed iff s < n. */
	return (borrow & (((nonzero | (0U - nonzero)) >> 8) & 1));
}

static struct hpke_key *
key_alloc(uint16_t kem)
{
	struct hpke_key	*k;

	if (hpke_kem_enc_len(kem) == 0)
		return (NULL);
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return (NULL);
	k->k_kem = kem;
	return (k);
}

void
hpke_key_free(struct hpke_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->k_pkey);
	OPENSSL_clear_free(k, sizeof(*k));
}

struct hpke_key *
hpke_key_dup(const struct hpke_key *k)
{
	struct hpke_key	*d;

	if (k == NULL || k->k_pkey == NULL || (d = key_alloc(k->k_kem)) == NULL)
		return (NULL);
	if (EVP_PKEY_up_ref(k->k_pkey) != 1) {
		hpke_key_free(d);
		return (NULL);
	}
	d->k_pkey = k->k_pkey;
	d->k_priv = k->k_priv;
	memcpy(d->k_pub, k->k_pub, k->k_publen);
	d->k_publen = k->k_publen;
	return (d);
}

/* Build the EVP_PKEY of a P-256 key pair from its scalar. */
static int
p256_from_scalar(struct hpke_key *k, const uint8_t *sk)
{
	EC_GROUP	*g = NULL;
	EC_POINT	*pt = NULL;
	BIGNUM		*d = NULL;
	OSSL_PARAM_BLD	*bld = NULL;
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*pctx = NULL;
	int		 rc = -1;

	if (!p256_scalar_ok(sk))
		return (-1);
	if ((g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)) == NULL ||
	    (pt = EC_POINT_new(g)) == NULL ||
	    (d = BN_secure_new()) == NULL ||
	    BN_bin2bn(sk, 32, d) == NULL)
		goto done;
	if (!EC_POINT_mul(g, pt, d, NULL, NULL, NULL) ||
	    EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED,
	    k->k_pub, sizeof(k->k_pub), NULL) != 65)
		goto done;
	k->k_publen = 65;
	/* A secure BIGNUM makes the builder wipe its copy on free. */
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    "P-256", 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    k->k_pub, k->k_publen) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto done;
	if ((pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pctx) <= 0 ||
	    EVP_PKEY_fromdata(pctx, &k->k_pkey, EVP_PKEY_KEYPAIR, params) <= 0)
		goto done;
	rc = 0;
 done:
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	EC_POINT_free(pt);
	EC_GROUP_free(g);
	return (rc);
}

struct hpke_key *
hpke_key_from_private(uint16_t kem, const uint8_t *sk, size_t sklen)
{
	struct hpke_key	*k;
	size_t		 len;

	if (sk == NULL || sklen != HPKE_PRIV_LEN ||
	    (k = key_alloc(kem)) == NULL)
		return (NULL);
	k->k_priv = 1;
	if (kem == HPKE_KEM_P256_SHA256) {
		if (p256_from_scalar(k, sk) == -1)
			goto fail;
	} else {
		/* X25519 clamps internally; every 32-byte string is a key. */
		k->k_pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL,
		    sk, sklen);
		len = sizeof(k->k_pub);
		if (k->k_pkey == NULL || EVP_PKEY_get_raw_public_key(k->k_pkey,
		    k->k_pub, &len) != 1 || len != 32)
			goto fail;
		k->k_publen = len;
	}
	return (k);
 fail:
	hpke_key_free(k);
	return (NULL);
}

/*
 * DeserializePublicKey with validation.  For P-256 only the 65-byte
 * uncompressed form is accepted; EC_POINT_oct2point() refuses points off
 * the curve, the infinity check and EVP_PKEY_public_check() the rest.
 */
static int
p256_from_public(struct hpke_key *k, const uint8_t *pk, size_t pklen)
{
	EC_GROUP	*g = NULL;
	EC_POINT	*pt = NULL;
	OSSL_PARAM	 params[3];
	EVP_PKEY_CTX	*pctx = NULL, *cctx = NULL;
	int		 rc = -1;

	if (pklen != 65 || pk[0] != POINT_CONVERSION_UNCOMPRESSED)
		return (-1);
	if ((g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)) == NULL ||
	    (pt = EC_POINT_new(g)) == NULL ||
	    !EC_POINT_oct2point(g, pt, pk, pklen, NULL) ||
	    EC_POINT_is_at_infinity(g, pt) ||
	    EC_POINT_is_on_curve(g, pt, NULL) != 1)
		goto done;
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, (char *)"P-256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	    (void *)pk, pklen);
	params[2] = OSSL_PARAM_construct_end();
	if ((pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pctx) <= 0 ||
	    EVP_PKEY_fromdata(pctx, &k->k_pkey, EVP_PKEY_PUBLIC_KEY,
	    params) <= 0)
		goto done;
	cctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->k_pkey, NULL);
	if (cctx == NULL || EVP_PKEY_public_check(cctx) != 1)
		goto done;
	memcpy(k->k_pub, pk, pklen);
	k->k_publen = pklen;
	rc = 0;
 done:
	EVP_PKEY_CTX_free(cctx);
	EVP_PKEY_CTX_free(pctx);
	EC_POINT_free(pt);
	EC_GROUP_free(g);
	return (rc);
}

struct hpke_key *
hpke_key_from_public(uint16_t kem, const uint8_t *pk, size_t pklen)
{
	struct hpke_key	*k;

	if (pk == NULL || (k = key_alloc(kem)) == NULL)
		return (NULL);
	if (pklen != hpke_kem_pub_len(kem))
		goto fail;
	if (kem == HPKE_KEM_P256_SHA256) {
		if (p256_from_public(k, pk, pklen) == -1)
			goto fail;
	} else {
		/*
		 * Low-order X25519 points are not refused here: the DH
		 * step refuses the all-zero output they produce.
		 */
		k->k_pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL,
		    pk, pklen);
		if (k->k_pkey == NULL)
			goto fail;
		memcpy(k->k_pub, pk, pklen);
		k->k_publen = pklen;
	}
	return (k);
 fail:
	hpke_key_free(k);
	return (NULL);
}

/*
 * A random P-256 key pair from OpenSSL's own key generation: its
 * fixed-base multiplication and no import of a scalar we drew (which
 * builds a group, a parameter list and checks the result), with the
 * thread's kept context (p256_genctx()): an ephemeral key per HPKE seal.
 * -1 on failure.
 */
static int
p256_generate(struct hpke_key *k)
{
	EVP_PKEY_CTX	*c;
	size_t		 len = 0;

	if ((c = p256_genctx()) == NULL)
		return (-1);
	if (EVP_PKEY_generate(c, &k->k_pkey) > 0 &&
	    EVP_PKEY_get_octet_string_param(k->k_pkey,
	    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, k->k_pub, sizeof(k->k_pub),
	    &len) == 1 && len == 65 && k->k_pub[0] ==
	    POINT_CONVERSION_UNCOMPRESSED) {
		k->k_publen = len;
		return (0);
	}
	return (-1);
}

struct hpke_key *
hpke_key_new(uint16_t kem)
{
	struct hpke_key	*k = NULL;
	uint8_t		 sk[HPKE_PRIV_LEN];

	if (kem == HPKE_KEM_P256_SHA256) {
		if ((k = key_alloc(kem)) == NULL)
			return (NULL);
		k->k_priv = 1;
		if (p256_generate(k) == -1) {
			hpke_key_free(k);
			return (NULL);
		}
		return (k);
	}

	/* X25519: every 32-byte string is a key. */
	if (RAND_priv_bytes(sk, sizeof(sk)) == 1)
		k = hpke_key_from_private(kem, sk, sizeof(sk));
	OPENSSL_cleanse(sk, sizeof(sk));
	return (k);
}

/* DeriveKeyPair, RFC 9180 section 7.1.3. */
struct hpke_key *
hpke_key_derive(uint16_t kem, const uint8_t *ikm, size_t ikmlen)
{
	struct hpke_key	*k = NULL;
	uint8_t		 sid[KEM_SUITE_ID_LEN], prk[HPKE_SECRET_LEN];
	uint8_t		 sk[HPKE_PRIV_LEN], ctr;
	int		 i;

	/* The RFC asks for at least Nsk bytes of input keying material. */
	if (ikm == NULL || ikmlen < HPKE_PRIV_LEN ||
	    hpke_kem_enc_len(kem) == 0)
		return (NULL);
	kem_suite_id(kem, sid);
	if (labeled_extract(sid, sizeof(sid), NULL, 0, "dkp_prk", ikm, ikmlen,
	    prk) == -1)
		goto done;
	if (kem == HPKE_KEM_X25519_SHA256) {
		if (labeled_expand(sid, sizeof(sid), prk, "sk", NULL, 0, sk,
		    sizeof(sk)) == 0)
			k = hpke_key_from_private(kem, sk, sizeof(sk));
		goto done;
	}
	/* P-256: rejection sampling with a one-byte counter, bitmask 0xff. */
	for (i = 0; i < 256; i++) {
		ctr = (uint8_t)i;
		if (labeled_expand(sid, sizeof(sid), prk, "candidate", &ctr, 1,
		    sk, sizeof(sk)) == -1)
			goto done;
		sk[0] &= 0xff;
		if (p256_scalar_ok(sk)) {
			k = hpke_key_from_private(kem, sk, sizeof(sk));
			goto done;
		}
	}
 done:
	OPENSSL_cleanse(prk, sizeof(prk));
	OPENSSL_cleanse(sk, sizeof(sk));
	return (k);
}

uint16_t
hpke_key_kem(const struct hpke_key *k)
{
	return (k == NULL ? 0 : k->k_kem);
}

int
hpke_key_has_private(const struct hpke_key *k)
{
	return (k != NULL && k->k_priv);
}

int
hpke_key_public(const struct hpke_key *k, uint8_t *out, size_t *len)
{
	if (k == NULL || out == NULL || len == NULL || *len < k->k_publen)
		return (-1);
	memcpy(out, k->k_pub, k->k_publen);
	*len = k->k_publen;
	return (0);
}

int
hpke_key_private(const struct hpke_key *k, uint8_t *out, size_t *len)
{
	BIGNUM	*d = NULL;
	size_t	 n = HPKE_PRIV_LEN;
	int	 rc = -1;

	if (k == NULL || !k->k_priv || out == NULL || len == NULL ||
	    *len < HPKE_PRIV_LEN)
		return (-1);
	if (k->k_kem == HPKE_KEM_X25519_SHA256) {
		if (EVP_PKEY_get_raw_private_key(k->k_pkey, out, &n) == 1 &&
		    n == HPKE_PRIV_LEN)
			rc = 0;
	} else if (EVP_PKEY_get_bn_param(k->k_pkey, OSSL_PKEY_PARAM_PRIV_KEY,
	    &d) == 1 && BN_bn2binpad(d, out, HPKE_PRIV_LEN) == HPKE_PRIV_LEN)
		rc = 0;
	BN_clear_free(d);
	if (rc == 0)
		*len = HPKE_PRIV_LEN;
	else
		OPENSSL_cleanse(out, *len);
	return (rc);
}

/* DH(sk, pk): the x coordinate for P-256, the X25519 output otherwise. */
static int
kem_dh(const struct hpke_key *sk, const struct hpke_key *pk, uint8_t *out)
{
	static const uint8_t	 zeros[HPKE_SECRET_LEN];
	EVP_PKEY_CTX		*ctx;
	size_t			 len = HPKE_SECRET_LEN;
	int			 rc = -1;

	if (!sk->k_priv || sk->k_kem != pk->k_kem)
		return (-1);
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, sk->k_pkey, NULL)) == NULL)
		return (-1);
	/*
	 * No second validation of the peer: every public hpke_key was
	 * checked when it was made (p256_from_public(): on the curve, not
	 * infinity, EVP_PKEY_public_check) or derived from our own scalar.
	 * EVP_PKEY_derive_set_peer() would check it again on every DH --
	 * for P-256 a full scalar multiplication by the group order, half
	 * of the DH's time (62 vs 123 us here), five times per submission.
	 */
	if (EVP_PKEY_derive_init(ctx) > 0 &&
	    EVP_PKEY_derive_set_peer_ex(ctx, pk->k_pkey, 0) > 0 &&
	    EVP_PKEY_derive(ctx, out, &len) > 0 && len == HPKE_SECRET_LEN &&
	    /* RFC 9180 section 7.1.4: refuse a low-order X25519 peer. */
	    CRYPTO_memcmp(out, zeros, sizeof(zeros)) != 0)
		rc = 0;
	EVP_PKEY_CTX_free(ctx);
	if (rc == -1)
		OPENSSL_cleanse(out, HPKE_SECRET_LEN);
	return (rc);
}

/* ExtractAndExpand(dh, kem_context) of DHKEM. */
static int
kem_shared_secret(uint16_t kem, const uint8_t *dh, const uint8_t *enc,
    size_t enclen, const uint8_t *pkRm, size_t pkRmlen, uint8_t *ss)
{
	uint8_t	 sid[KEM_SUITE_ID_LEN], prk[HPKE_SECRET_LEN];
	uint8_t	 kctx[2 * HPKE_MAX_PUB];
	int	 rc;

	kem_suite_id(kem, sid);
	memcpy(kctx, enc, enclen);
	memcpy(kctx + enclen, pkRm, pkRmlen);
	rc = labeled_extract(sid, sizeof(sid), NULL, 0, "eae_prk", dh,
	    HPKE_SECRET_LEN, prk);
	if (rc == 0)
		rc = labeled_expand(sid, sizeof(sid), prk, "shared_secret",
		    kctx, enclen + pkRmlen, ss, HPKE_SECRET_LEN);
	OPENSSL_cleanse(prk, sizeof(prk));
	return (rc);
}

int
hpke_encap(const struct hpke_key *pkR, const struct hpke_key *skE,
    uint8_t *ss, uint8_t *enc, size_t *enclen)
{
	struct hpke_key	*eph = NULL;
	uint8_t		 dh[HPKE_SECRET_LEN];
	int		 rc = -1;

	if (pkR == NULL || ss == NULL || enc == NULL || enclen == NULL)
		return (-1);
	if (skE == NULL) {
		if ((eph = hpke_key_new(pkR->k_kem)) == NULL)
			return (-1);
		skE = eph;
	}
	if (skE->k_kem != pkR->k_kem || *enclen < skE->k_publen)
		goto done;
	if (kem_dh(skE, pkR, dh) == -1)
		goto done;
	memcpy(enc, skE->k_pub, skE->k_publen);
	*enclen = skE->k_publen;
	rc = kem_shared_secret(pkR->k_kem, dh, enc, *enclen, pkR->k_pub,
	    pkR->k_publen, ss);
 done:
	OPENSSL_cleanse(dh, sizeof(dh));
	hpke_key_free(eph);
	return (rc);
}

int
hpke_decap(const struct hpke_key *skR, const uint8_t *enc, size_t enclen,
    uint8_t *ss)
{
	struct hpke_key	*pkE;
	uint8_t		 dh[HPKE_SECRET_LEN];
	int		 rc = -1;

	if (skR == NULL || !skR->k_priv || enc == NULL || ss == NULL)
		return (-1);
	if ((pkE = hpke_key_from_public(skR->k_kem, enc, enclen)) == NULL)
		return (-1);
	if (kem_dh(skR, pkE, dh) == 0)
		rc = kem_shared_secret(skR->k_kem, dh, enc, enclen, skR->k_pub,
		    skR->k_publen, ss);
	OPENSSL_cleanse(dh, sizeof(dh));
	hpke_key_free(pkE);
	return (rc);
}

struct hpke_ctx *
hpke_ctx_new(const struct hpke_suite *s)
{
	struct hpke_ctx	*c;

	if (hpke_suite_check(s) == -1)
		return (NULL);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	c->c_suite = *s;
	return (c);
}

void
hpke_ctx_free(struct hpke_ctx *c)
{
	if (c == NULL)
		return;
	OPENSSL_clear_free(c, sizeof(*c));
}

/* KeySchedule for mode_base (no PSK), RFC 9180 section 5.1. */
static int
key_schedule(struct hpke_ctx *c, const uint8_t *ss, const uint8_t *info,
    size_t infolen)
{
	uint8_t	 sid[HPKE_SUITE_ID_LEN], ksc[1 + 2 * HPKE_SECRET_LEN];
	uint8_t	 secret[HPKE_SECRET_LEN];
	int	 rc = -1;

	if (info == NULL && infolen != 0)
		return (-1);
	hpke_suite_id(&c->c_suite, sid);
	ksc[0] = 0x00;	/* mode_base */
	if (labeled_extract(sid, sizeof(sid), NULL, 0, "psk_id_hash", NULL, 0,
	    ksc + 1) == -1 ||
	    labeled_extract(sid, sizeof(sid), NULL, 0, "info_hash", info,
	    infolen, ksc + 1 + HPKE_SECRET_LEN) == -1)
		goto done;
	if (labeled_extract(sid, sizeof(sid), ss, HPKE_SECRET_LEN, "secret",
	    NULL, 0, secret) == -1)
		goto done;
	c->c_keylen = hpke_aead_key_len(c->c_suite.aead);
	if (labeled_expand(sid, sizeof(sid), secret, "key", ksc, sizeof(ksc),
	    c->c_key, c->c_keylen) == -1 ||
	    labeled_expand(sid, sizeof(sid), secret, "base_nonce", ksc,
	    sizeof(ksc), c->c_nonce, HPKE_NONCE_LEN) == -1 ||
	    labeled_expand(sid, sizeof(sid), secret, "exp", ksc, sizeof(ksc),
	    c->c_exp, HPKE_SECRET_LEN) == -1)
		goto done;
	c->c_seq = 0;
	c->c_ready = 1;
	rc = 0;
 done:
	OPENSSL_cleanse(secret, sizeof(secret));
	if (rc == -1) {
		OPENSSL_cleanse(c->c_key, sizeof(c->c_key));
		OPENSSL_cleanse(c->c_nonce, sizeof(c->c_nonce));
		OPENSSL_cleanse(c->c_exp, sizeof(c->c_exp));
		c->c_ready = 0;
	}
	return (rc);
}

int
hpke_setup_base_s(struct hpke_ctx *c, const struct hpke_key *pkR,
    const struct hpke_key *skE, const uint8_t *info, size_t infolen,
    uint8_t *enc, size_t *enclen)
{
	uint8_t	ss[HPKE_SECRET_LEN];
	int	rc;

	if (c == NULL || pkR == NULL || pkR->k_kem != c->c_suite.kem)
		return (-1);
	c->c_ready = 0;
	if ((rc = hpke_encap(pkR, skE, ss, enc, enclen)) == 0)
		rc = key_schedule(c, ss, info, infolen);
	OPENSSL_cleanse(ss, sizeof(ss));
	return (rc);
}

int
hpke_setup_base_r(struct hpke_ctx *c, const struct hpke_key *skR,
    const uint8_t *enc, size_t enclen, const uint8_t *info, size_t infolen)
{
	uint8_t	ss[HPKE_SECRET_LEN];
	int	rc;

	if (c == NULL || skR == NULL || skR->k_kem != c->c_suite.kem)
		return (-1);
	c->c_ready = 0;
	if ((rc = hpke_decap(skR, enc, enclen, ss)) == 0)
		rc = key_schedule(c, ss, info, infolen);
	OPENSSL_cleanse(ss, sizeof(ss));
	return (rc);
}

static const EVP_CIPHER *
aead_cipher(uint16_t aead)
{
	switch (aead) {
	case HPKE_AEAD_AES128GCM:
		return (EVP_aes_128_gcm());
	case HPKE_AEAD_AES256GCM:
		return (EVP_aes_256_gcm());
	}
	return (NULL);
}

/*
 * AES-GCM with a 12-byte nonce; the 16-byte tag follows the ciphertext,
 * as in HPKE and WebCrypto.  Exported for the envelope's content layer.
 */
int
hpke_aead_seal(uint16_t aead, const uint8_t *key, const uint8_t *nonce,
    const uint8_t *aad, size_t aadlen, const uint8_t *pt, size_t ptlen,
    uint8_t *ct)
{
	const EVP_CIPHER	*cipher;
	EVP_CIPHER_CTX		*ctx;
	int			 outl, rc = -1;

	if ((cipher = aead_cipher(aead)) == NULL || key == NULL ||
	    nonce == NULL || ct == NULL || ptlen > INT_MAX - HPKE_TAG_LEN ||
	    aadlen > INT_MAX || (pt == NULL && ptlen != 0) ||
	    (aad == NULL && aadlen != 0))
		return (-1);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return (-1);
	if (EVP_EncryptInit_ex(ctx, cipher, NULL, key, nonce) != 1)
		goto done;
	if (aadlen > 0 &&
	    EVP_EncryptUpdate(ctx, NULL, &outl, aad, (int)aadlen) != 1)
		goto done;
	if (ptlen > 0 &&
	    EVP_EncryptUpdate(ctx, ct, &outl, pt, (int)ptlen) != 1)
		goto done;
	if (EVP_EncryptFinal_ex(ctx, ct + ptlen, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, HPKE_TAG_LEN,
	    ct + ptlen) != 1)
		goto done;
	rc = 0;
 done:
	EVP_CIPHER_CTX_free(ctx);
	return (rc);
}

int
hpke_aead_open(uint16_t aead, const uint8_t *key, const uint8_t *nonce,
    const uint8_t *aad, size_t aadlen, const uint8_t *ct, size_t ctlen,
    uint8_t *pt)
{
	const EVP_CIPHER	*cipher;
	EVP_CIPHER_CTX		*ctx;
	uint8_t			 tag[HPKE_TAG_LEN];
	size_t			 ptlen;
	int			 outl, rc = -1;

	if ((cipher = aead_cipher(aead)) == NULL || key == NULL ||
	    nonce == NULL || ct == NULL || ctlen < HPKE_TAG_LEN ||
	    ctlen > INT_MAX || aadlen > INT_MAX ||
	    (pt == NULL && ctlen != HPKE_TAG_LEN) ||
	    (aad == NULL && aadlen != 0))
		return (-1);
	ptlen = ctlen - HPKE_TAG_LEN;
	/* Copy the tag first: pt may overlap ct. */
	memcpy(tag, ct + ptlen, HPKE_TAG_LEN);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return (-1);
	if (EVP_DecryptInit_ex(ctx, cipher, NULL, key, nonce) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, HPKE_TAG_LEN,
	    tag) != 1)
		goto done;
	if (aadlen > 0 &&
	    EVP_DecryptUpdate(ctx, NULL, &outl, aad, (int)aadlen) != 1)
		goto done;
	if (ptlen > 0 &&
	    EVP_DecryptUpdate(ctx, pt, &outl, ct, (int)ptlen) != 1)
		goto done;
	if (EVP_DecryptFinal_ex(ctx, pt == NULL ? tag : pt + ptlen,
	    &outl) != 1)
		goto done;
	rc = 0;
 done:
	EVP_CIPHER_CTX_free(ctx);
	/* Never hand out unauthenticated plaintext. */
	if (rc == -1 && pt != NULL && ptlen > 0)
		OPENSSL_cleanse(pt, ptlen);
	return (rc);
}

/* ComputeNonce(seq) = base_nonce XOR I2OSP(seq, Nn). */
static void
ctx_nonce(const struct hpke_ctx *c, uint8_t *nonce)
{
	int	i;

	memcpy(nonce, c->c_nonce, HPKE_NONCE_LEN);
	for (i = 0; i < 8; i++)
		nonce[HPKE_NONCE_LEN - 1 - i] ^= (c->c_seq >> (8 * i)) & 0xff;
}

int
hpke_ctx_seal(struct hpke_ctx *c, const uint8_t *aad, size_t aadlen,
    const uint8_t *pt, size_t ptlen, uint8_t *ct)
{
	uint8_t	nonce[HPKE_NONCE_LEN];
	int	rc;

	/* The last sequence number is never used: it cannot be followed. */
	if (c == NULL || !c->c_ready || c->c_seq == UINT64_MAX)
		return (-1);
	ctx_nonce(c, nonce);
	rc = hpke_aead_seal(c->c_suite.aead, c->c_key, nonce, aad, aadlen,
	    pt, ptlen, ct);
	OPENSSL_cleanse(nonce, sizeof(nonce));
	if (rc == 0)
		c->c_seq++;
	return (rc);
}

int
hpke_ctx_open(struct hpke_ctx *c, const uint8_t *aad, size_t aadlen,
    const uint8_t *ct, size_t ctlen, uint8_t *pt)
{
	uint8_t	nonce[HPKE_NONCE_LEN];
	int	rc;

	if (c == NULL || !c->c_ready || c->c_seq == UINT64_MAX)
		return (-1);
	ctx_nonce(c, nonce);
	rc = hpke_aead_open(c->c_suite.aead, c->c_key, nonce, aad, aadlen,
	    ct, ctlen, pt);
	OPENSSL_cleanse(nonce, sizeof(nonce));
	/* A failed open does not advance: the RFC's ContextR.Open. */
	if (rc == 0)
		c->c_seq++;
	return (rc);
}

int
hpke_ctx_export(const struct hpke_ctx *c, const uint8_t *exctx,
    size_t exctxlen, uint8_t *out, size_t outlen)
{
	uint8_t	sid[HPKE_SUITE_ID_LEN];

	if (c == NULL || !c->c_ready || out == NULL ||
	    (exctx == NULL && exctxlen != 0) || outlen == 0 ||
	    outlen > HPKE_MAX_EXPORT || exctxlen > HPKE_MAX_EXPORT_CTX)
		return (-1);
	hpke_suite_id(&c->c_suite, sid);
	return (labeled_expand(sid, sizeof(sid), c->c_exp, "sec", exctx,
	    exctxlen, out, outlen));
}

uint64_t
hpke_ctx_seq(const struct hpke_ctx *c)
{
	return (c == NULL ? 0 : c->c_seq);
}

/* Forward only: going back would reuse a nonce under the same key. */
int
hpke_ctx_set_seq(struct hpke_ctx *c, uint64_t seq)
{
	if (c == NULL || !c->c_ready || seq < c->c_seq)
		return (-1);
	c->c_seq = seq;
	return (0);
}

int
hpke_ctx_secrets(const struct hpke_ctx *c, uint8_t *key, size_t *keylen,
    uint8_t *base_nonce, uint8_t *exporter_secret)
{
	if (c == NULL || !c->c_ready || key == NULL || keylen == NULL ||
	    *keylen < c->c_keylen || base_nonce == NULL ||
	    exporter_secret == NULL)
		return (-1);
	memcpy(key, c->c_key, c->c_keylen);
	*keylen = c->c_keylen;
	memcpy(base_nonce, c->c_nonce, HPKE_NONCE_LEN);
	memcpy(exporter_secret, c->c_exp, HPKE_SECRET_LEN);
	return (0);
}

int
hpke_seal(const struct hpke_suite *s, const struct hpke_key *pkR,
    const uint8_t *info, size_t infolen, const uint8_t *aad, size_t aadlen,
    const uint8_t *pt, size_t ptlen, uint8_t *enc, size_t *enclen,
    uint8_t *ct)
{
	struct hpke_ctx	c;
	int		rc = -1;

	if (hpke_suite_check(s) == -1)
		return (-1);
	memset(&c, 0, sizeof(c));
	c.c_suite = *s;
	if (hpke_setup_base_s(&c, pkR, NULL, info, infolen, enc, enclen) == 0)
		rc = hpke_ctx_seal(&c, aad, aadlen, pt, ptlen, ct);
	OPENSSL_cleanse(&c, sizeof(c));
	return (rc);
}

int
hpke_open(const struct hpke_suite *s, const struct hpke_key *skR,
    const uint8_t *enc, size_t enclen, const uint8_t *info, size_t infolen,
    const uint8_t *aad, size_t aadlen, const uint8_t *ct, size_t ctlen,
    uint8_t *pt)
{
	struct hpke_ctx	c;
	int		rc = -1;

	if (hpke_suite_check(s) == -1)
		return (-1);
	memset(&c, 0, sizeof(c));
	c.c_suite = *s;
	if (hpke_setup_base_r(&c, skR, enc, enclen, info, infolen) == 0)
		rc = hpke_ctx_open(&c, aad, aadlen, ct, ctlen, pt);
	OPENSSL_cleanse(&c, sizeof(c));
	return (rc);
}
