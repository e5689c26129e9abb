/*
 * The signed key manifest (see manifest.h, docs/crypto.md §10).  The text
 * is the signed object itself: a verifier checks the signature over the
 * bytes it received and only then parses them, so nothing here has to
 * re-serialise to verify.  The parser is nevertheless strict (one
 * spelling per manifest, sorted key lines) so that two manifests of the
 * same keys are the same bytes and a worked example can be recomputed.
 *
 * The signature is ECDSA P-256 with SHA-256 in the IEEE P1363 form r || s
 * that WebCrypto produces and verifies; OpenSSL speaks DER, so both
 * directions convert.  OpenSSL 3.0 draws the ECDSA nonce at random:
 * signing is an offline, rare step on the operator's machine.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "crypto/hpke.h"
#include "crypto/manifest.h"
#include "crypto/secret.h"

#define MAX_SAFE_VERSION	9007199254740991ULL	/* 2^53 - 1, JS */

int
manifest_keygen(uint8_t sk[MANIFEST_SK_LEN], uint8_t pk[MANIFEST_PK_LEN])
{
	struct hpke_key	*k;
	size_t		 sklen = MANIFEST_SK_LEN, pklen = MANIFEST_PK_LEN;
	int		 rc = -1;

	/* HPKE's P-256 key generation: a uniform scalar, checked. */
	if ((k = hpke_key_new(HPKE_KEM_P256_SHA256)) == NULL)
		return (-1);
	if (hpke_key_private(k, sk, &sklen) == 0 && sklen == MANIFEST_SK_LEN &&
	    hpke_key_public(k, pk, &pklen) == 0 && pklen == MANIFEST_PK_LEN)
		rc = 0;
	hpke_key_free(k);
	if (rc == -1)
		OPENSSL_cleanse(sk, MANIFEST_SK_LEN);
	return (rc);
}

int
manifest_public(const uint8_t sk[MANIFEST_SK_LEN],
    uint8_t pk[MANIFEST_PK_LEN])
{
	struct hpke_key	*k;
	size_t		 pklen = MANIFEST_PK_LEN;
	int		 rc;

	if ((k = hpke_key_from_private(HPKE_KEM_P256_SHA256, sk,
	    MANIFEST_SK_LEN)) == NULL)
		return (-1);
	rc = hpke_key_public(k, pk, &pklen) == 0 &&
	    pklen == MANIFEST_PK_LEN ? 0 : -1;
	hpke_key_free(k);
	return (rc);
}

int
manifest_signer_id(const uint8_t pk[MANIFEST_PK_LEN],
    char hex[MANIFEST_ID_HEX + 1])
{
	uint8_t		md[32];
	unsigned int	mdlen;

	if (EVP_Digest(pk, MANIFEST_PK_LEN, md, &mdlen, EVP_sha256(),
	    NULL) != 1)
		return (-1);
	secret_hex_encode(md, MANIFEST_ID_HEX / 2, hex);
	return (0);
}

/* An EC EVP_PKEY from the point, and the scalar when sk is not NULL. */
static EVP_PKEY *
manifest_pkey(const uint8_t *sk, const uint8_t pk[MANIFEST_PK_LEN])
{
	OSSL_PARAM_BLD	*bld = NULL;
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*pctx = NULL;
	EVP_PKEY	*key = NULL;
	BIGNUM		*d = NULL;

	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    "P-256", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    pk, MANIFEST_PK_LEN))
		goto done;
	/* A secure BIGNUM makes the builder wipe its copy on free. */
	if (sk != NULL && ((d = BN_secure_new()) == NULL ||
	    BN_bin2bn(sk, MANIFEST_SK_LEN, d) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d)))
		goto done;
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pctx) <= 0 ||
	    EVP_PKEY_fromdata(pctx, &key, sk != NULL ? EVP_PKEY_KEYPAIR :
	    EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto done;
	EVP_PKEY_CTX_free(pctx);
	/* fromdata does not check that the point is on the curve. */
	if ((pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) == NULL ||
	    EVP_PKEY_public_check(pctx) != 1) {
		EVP_PKEY_free(key);
		key = NULL;
	}
 done:
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	return (key);
}

int
manifest_sign(const uint8_t sk[MANIFEST_SK_LEN], const void *msg, size_t len,
    uint8_t sig[MANIFEST_SIG_LEN])
{
	uint8_t			 pk[MANIFEST_PK_LEN], der[80];
	const unsigned char	*p = der;
	size_t			 derlen = sizeof(der);
	EVP_PKEY		*key = NULL;
	EVP_MD_CTX		*md = NULL;
	ECDSA_SIG		*es = NULL;
	const BIGNUM		*r, *s;
	int			 rc = -1;

	if (manifest_public(sk, pk) == -1 ||
	    (key = manifest_pkey(sk, pk)) == NULL ||
	    (md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, key,
	    NULL) != 1 ||
	    EVP_DigestSign(md, der, &derlen, msg, len) != 1 ||
	    (es = d2i_ECDSA_SIG(NULL, &p, (long)derlen)) == NULL)
		goto done;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, sig, 32) != 32 || BN_bn2binpad(s, sig + 32,
	    32) != 32)
		goto done;
	rc = 0;
 done:
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	return (rc);
}

int
manifest_verify(const uint8_t pk[MANIFEST_PK_LEN], const void *msg,
    size_t len, const uint8_t sig[MANIFEST_SIG_LEN])
{
	EVP_PKEY	*key = NULL;
	EVP_MD_CTX	*md = NULL;
	ECDSA_SIG	*es = NULL;
	BIGNUM		*r = NULL, *s = NULL;
	unsigned char	*der = NULL;
	int		 derlen, rc = -1;

	if ((es = ECDSA_SIG_new()) == NULL ||
	    (r = BN_bin2bn(sig, 32, NULL)) == NULL ||
	    (s = BN_bin2bn(sig + 32, 32, NULL)) == NULL)
		goto done;
	if (ECDSA_SIG_set0(es, r, s) != 1)
		goto done;
	r = s = NULL;	/* owned by es now */
	if ((derlen = i2d_ECDSA_SIG(es, &der)) <= 0 ||
	    (key = manifest_pkey(NULL, pk)) == NULL ||
	    (md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, key,
	    NULL) != 1)
		goto done;
	if (EVP_DigestVerify(md, der, (size_t)derlen, msg, len) == 1)
		rc = 0;
 done:
	OPENSSL_free(der);
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	return (rc);
}

void
manifest_time(time_t t, char buf[21])
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "YYYY-MM-DDTHH:MM:SSZ", exactly as manifest_time() writes it. */
static int
manifest_time_parse(const char *s, time_t *t)
{
	struct tm	tm;
	char		back[21];

	memset(&tm, 0, sizeof(tm));
	if (strlen(s) != 20 || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ",
	    &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	    &tm.tm_sec) != 6)
		return (-1);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*t = timegm(&tm);
	manifest_time(*t, back);
	return (strcmp(back, s) == 0 ? 0 : -1);
}

/* "YYYY-MM-DD", a real date. */
static int
manifest_date_ok(const char *s)
{
	char	full[21];
	time_t	t;

	if (strlen(s) != 10)
		return (-1);
	snprintf(full, sizeof(full), "%sT00:00:00Z", s);
	return (manifest_time_parse(full, &t));
}

/* A decimal without sign or leading zero, at most max. */
static int
manifest_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t	v = 0;
	size_t		i, n = strlen(s);

	if (n == 0 || n > 16 || (n > 1 && s[0] == '0'))
		return (-1);
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (-1);
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return (-1);
	*out = v;
	return (0);
}

static int
manifest_hexid_ok(const char *s)
{
	return (strlen(s) == MANIFEST_ID_HEX &&
	    strspn(s, "0123456789abcdef") == MANIFEST_ID_HEX ? 0 : -1);
}

static int
manifest_category_ok(const char *purpose, const char *c)
{
	size_t	n = strlen(c);

	if (strcmp(purpose, "queue") != 0)
		return (strcmp(c, "*") == 0 ? 0 : -1);
	if (strcmp(purpose, "queue") == 0 && (n == 0 ||
	    n > MANIFEST_CAT_MAX || strspn(c, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789_") != n))
		return (-1);
	return (0);
}

static int
manifest_purpose_ok(const char *p)
{
	return (strcmp(p, "queue") == 0 || strcmp(p, "recovery") == 0 ||
	    strcmp(p, "identity") == 0 ? 0 : -1);
}

/* Split line (changed in place) at single spaces into at most max. */
static int
manifest_fields(char *line, char **f, int max)
{
	int	 n = 0;
	char	*p = line;

	for (;;) {
		if (n == max || *p == '\0' || *p == ' ')
			return (-1);
		f[n++] = p;
		if ((p = strchr(p, ' ')) == NULL)
			return (n);
		*p++ = '\0';
	}
}

/* "key PURPOSE CATEGORY ID KEM KDF AEAD PUBLIC FROM" */
static int
manifest_key_line(char *line, struct manifest_key *k)
{
	char		*f[9];
	uint64_t	 v[3];
	unsigned char	*pub = NULL;
	size_t		 publen = 0;
	int		 i;

	memset(k, 0, sizeof(*k));
	if (manifest_fields(line, f, 9) != 9 || strcmp(f[0], "key") != 0 ||
	    manifest_purpose_ok(f[1]) == -1 ||
	    manifest_category_ok(f[1], f[2]) == -1 ||
	    manifest_hexid_ok(f[3]) == -1 || manifest_date_ok(f[8]) == -1)
		return (-1);
	for (i = 0; i < 3; i++)
		if (manifest_uint(f[4 + i], 65535, &v[i]) == -1)
			return (-1);
	if (secret_b64_decode(f[7], strlen(f[7]), &pub, &publen) == -1)
		return (-1);
	if (publen == 0 || publen > MANIFEST_MAX_PUB) {
		OPENSSL_free(pub);
		return (-1);
	}
	memcpy(k->mk_pub, pub, publen);
	k->mk_publen = publen;
	OPENSSL_free(pub);
	snprintf(k->mk_purpose, sizeof(k->mk_purpose), "%s", f[1]);
	snprintf(k->mk_category, sizeof(k->mk_category), "%s", f[2]);
	memcpy(k->mk_id, f[3], sizeof(k->mk_id));
	k->mk_kem = (uint16_t)v[0];
	k->mk_kdf = (uint16_t)v[1];
	k->mk_aead = (uint16_t)v[2];
	memcpy(k->mk_from, f[8], sizeof(k->mk_from));
	return (0);
}

/* The header line number i (0-based after the magic) into m. */
static int
manifest_header(char *line, int i, struct manifest *m)
{
	static const char *const names[] = { "version", "signed", "expires",
	    "signing-key" };
	char	*f[2];

	if (manifest_fields(line, f, 2) != 2 || strcmp(f[0], names[i]) != 0)
		return (-1);
	switch (i) {
	case 0:
		return (manifest_uint(f[1], MAX_SAFE_VERSION, &m->m_version) ==
		    -1 || m->m_version == 0 ? -1 : 0);
	case 1:
		return (manifest_time_parse(f[1], &m->m_signed));
	case 2:
		return (manifest_time_parse(f[1], &m->m_expires) == -1 ||
		    m->m_expires <= m->m_signed ? -1 : 0);
	default:
		if (manifest_hexid_ok(f[1]) == -1)
			return (-1);
		memcpy(m->m_signer, f[1], sizeof(m->m_signer));
		return (0);
	}
}

struct manifest *
manifest_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct manifest	*m = NULL;
	char		*buf = NULL, *line, *nl, *prev = NULL;
	size_t		 i;
	int		 lineno = 0;

	if (len == 0 || len > MANIFEST_MAX_TEXT || text[len - 1] != '\n' ||
	    memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "not a manifest text (size, NUL or no "
		    "final newline)");
		return (NULL);
	}
	for (i = 0; i < len; i++)
		if (text[i] != '\n' && (text[i] < 0x20 || text[i] > 0x7e)) {
			snprintf(err, errlen, "manifest: byte %zu is not "
			    "printable ASCII", i);
			return (NULL);
		}
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (buf = malloc(len + 1)) == NULL ||
	    (m->m_keys = calloc(MANIFEST_MAX_KEYS, sizeof(*m->m_keys))) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	for (line = buf; *line != '\0'; line = nl + 1, lineno++) {
		nl = strchr(line, '\n');
		*nl = '\0';
		if (lineno == 0) {
			if (strcmp(line, MANIFEST_MAGIC) != 0)
				goto bad;
		} else if (lineno <= 4) {
			if (manifest_header(line, lineno - 1, m) == -1)
				goto bad;
		} else {
			/* Ascending order: one spelling, no duplicates. */
			if (m->m_nkeys == MANIFEST_MAX_KEYS ||
			    (prev != NULL && strcmp(prev, line) >= 0))
				goto bad;
			prev = line;
			/* Fields are split in a copy: prev must stay whole. */
			{
				char	copy[512];

				if (strlen(line) >= sizeof(copy))
					goto bad;
				memcpy(copy, line, strlen(line) + 1);
				if (manifest_key_line(copy,
				    &m->m_keys[m->m_nkeys]) == -1)
					goto bad;
			}
			m->m_nkeys++;
		}
	}
	if (lineno < 5 || m->m_nkeys == 0) {
		snprintf(err, errlen, "manifest: incomplete (%d lines)",
		    lineno);
		goto fail;
	}
	free(buf);
	return (m);
 bad:
	snprintf(err, errlen, "manifest: line %d is not canonical", lineno + 1);
 fail:
	free(buf);
	manifest_free(m);
	return (NULL);
}

void
manifest_free(struct manifest *m)
{
	if (m == NULL)
		return;
	free(m->m_keys);
	free(m);
}

static int
manifest_line_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* One key line into a new string, or NULL. */
static char *
manifest_key_text(const struct manifest_key *k)
{
	char	*b64 = NULL, *line = NULL;

	if (manifest_purpose_ok(k->mk_purpose) == -1 ||
	    manifest_category_ok(k->mk_purpose, k->mk_category) == -1 ||
	    manifest_hexid_ok(k->mk_id) == -1 ||
	    manifest_date_ok(k->mk_from) == -1 || k->mk_publen == 0 ||
	    k->mk_publen > MANIFEST_MAX_PUB ||
	    secret_b64_encode(k->mk_pub, k->mk_publen, &b64, NULL) == -1)
		return (NULL);
	if (asprintf(&line, "key %s %s %s %u %u %u %s %s", k->mk_purpose,
	    k->mk_category, k->mk_id, k->mk_kem, k->mk_kdf, k->mk_aead, b64,
	    k->mk_from) == -1)
		line = NULL;
	OPENSSL_free(b64);
	return (line);
}

char *
manifest_text(const struct manifest *m)
{
	char		**lines = NULL, *out = NULL, *p;
	char		  ts[21], te[21];
	size_t		  i, n = 0, total;

	if (m->m_version == 0 || m->m_version > MAX_SAFE_VERSION ||
	    m->m_nkeys == 0 || m->m_nkeys > MANIFEST_MAX_KEYS ||
	    m->m_expires <= m->m_signed || manifest_hexid_ok(m->m_signer) ||
	    (lines = calloc(m->m_nkeys, sizeof(*lines))) == NULL)
		goto done;
	manifest_time(m->m_signed, ts);
	manifest_time(m->m_expires, te);
	total = 200;
	for (n = 0; n < m->m_nkeys; n++) {
		if ((lines[n] = manifest_key_text(&m->m_keys[n])) == NULL)
			goto done;
		total += strlen(lines[n]) + 1;
	}
	qsort(lines, n, sizeof(*lines), manifest_line_cmp);
	for (i = 1; i < n; i++)
		if (strcmp(lines[i - 1], lines[i]) == 0)
			goto done;
	if (total > MANIFEST_MAX_TEXT || (out = malloc(total)) == NULL)
		goto done;
	p = out + snprintf(out, total, "%s\nversion %llu\nsigned %s\n"
	    "expires %s\nsigning-key %s\n", MANIFEST_MAGIC,
	    (unsigned long long)m->m_version, ts, te, m->m_signer);
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s\n", lines[i]);
 done:
	for (i = 0; lines != NULL && i < n; i++)
		free(lines[i]);
	free(lines);
	return (out);
}

const struct manifest_key *
manifest_find(const struct manifest *m, const char *purpose,
    const char *category, const char *id)
{
	size_t	i;

	for (i = 0; m != NULL && i < m->m_nkeys; i++) {
		const struct manifest_key *k = &m->m_keys[i];

		if (strcmp(k->mk_purpose, purpose) != 0 ||
		    strcmp(k->mk_id, id) != 0)
			continue;
		if (strcmp(k->mk_category, "*") == 0 ||
		    strcmp(k->mk_category, category) == 0)
			return (k);
	}
	return (NULL);
}

int
manifest_covers(const struct manifest *m, const char *purpose,
    const char *category, const char *id, uint16_t kem, uint16_t kdf,
    uint16_t aead, const uint8_t *pub, size_t publen)
{
	const struct manifest_key	*k;

	if ((k = manifest_find(m, purpose, category, id)) == NULL ||
	    k->mk_kem != kem || k->mk_kdf != kdf || k->mk_aead != aead ||
	    k->mk_publen != publen || memcmp(k->mk_pub, pub, publen) != 0)
		return (-1);
	return (0);
}
