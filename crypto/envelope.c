/*
 * Report envelopes: content sealed under a random data key (DEK), the
 * DEK wrapped with HPKE to each recipient, and the strict parsers for
 * the binary and JSON forms in which envelopes arrive and are stored.
 *
 * Why the bindings are where they are: the daemon keeps some wraps and
 * drops others, and a transfer adds a wrap later, so the content AAD
 * cannot list the key ids.  Instead every wrap binds its own key id, the
 * envelope version and the category in its HPKE info, and the content
 * nonce plus a commitment to the DEK in its HPKE AAD.  A wrap moved to
 * another report, category or key id no longer opens; and because every
 * opener checks the DEK against the one commitment, a sender cannot give
 * two recipients different DEKs that both "decrypt" the same ciphertext
 * (AES-GCM alone is not key-committing).  docs/crypto.md section 2 is
 * the byte-level description; keep the two in step.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypto/envelope.h"
#include "crypto/hpke.h"

#define LABEL_CONTENT	"meldpunt-envelope-content"
#define LABEL_WRAP	"meldpunt-envelope-wrap"
#define LABEL_COMMIT	"meldpunt-envelope-commit"
#define LABEL_ITEM	"meldpunt-envelope-item"
#define LABEL_KEYID	"meldpunt-key-id"
#define LLEN(l)		(sizeof(l) - 1)

#define MAGIC		"MPE"
/* version || len(category) || category */
#define CONTEXT_MAX	(2 + ENVELOPE_CATEGORY_MAX)
#define ITEM_OVERHEAD	(1 + ENVELOPE_NONCE_LEN + ENVELOPE_TAG_LEN)

struct envelope {
	unsigned int		 e_version;
	struct hpke_suite	 e_suite;
	char			 e_category[ENVELOPE_CATEGORY_MAX + 1];
	size_t			 e_catlen;
	uint8_t			 e_nonce[ENVELOPE_NONCE_LEN];
	uint8_t			 e_commit[ENVELOPE_COMMIT_LEN];
	uint8_t			*e_ct;
	size_t			 e_ctlen;
	struct envelope_wrap	 e_wraps[ENVELOPE_MAX_WRAPS];
	size_t			 e_nwraps;
};

const size_t envelope_buckets[ENVELOPE_NBUCKETS] = {
	1024, 4096, 16384, 65536, ENVELOPE_MAX_BUCKET
};

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

size_t
envelope_bucket(size_t len)
{
	size_t	i;

	for (i = 0; i < ENVELOPE_NBUCKETS; i++)
		if (len <= envelope_buckets[i] - 4)
			return (envelope_buckets[i]);
	return (0);
}

static int
is_bucket(size_t len)
{
	size_t	i;

	for (i = 0; i < ENVELOPE_NBUCKETS; i++)
		if (len == envelope_buckets[i])
			return (1);
	return (0);
}

/* Categories are routing ids such as "honour_violence": [a-z0-9_]{1,64}. */
static int
category_ok(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > ENVELOPE_CATEGORY_MAX)
		return (0);
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return (0);
	return (1);
}

int
envelope_key_id(const struct hpke_key *key, uint8_t *id)
{
	uint8_t		buf[LLEN(LABEL_KEYID) + 2 + HPKE_MAX_PUB];
	uint8_t		md[EVP_MAX_MD_SIZE];
	size_t		publen = HPKE_MAX_PUB;
	unsigned int	mdlen;
	uint16_t	kem = hpke_key_kem(key);

	if (key == NULL || id == NULL)
		return (-1);
	memcpy(buf, LABEL_KEYID, LLEN(LABEL_KEYID));
	buf[LLEN(LABEL_KEYID)] = kem >> 8;
	buf[LLEN(LABEL_KEYID) + 1] = kem & 0xff;
	if (hpke_key_public(key, buf + LLEN(LABEL_KEYID) + 2, &publen) == -1 ||
	    EVP_Digest(buf, LLEN(LABEL_KEYID) + 2 + publen, md, &mdlen,
	    EVP_sha256(), NULL) != 1)
		return (-1);
	memcpy(id, md, ENVELOPE_KEYID_LEN);
	return (0);
}

/* C = version || len(category) || category, shared by every binding. */
static size_t
env_context(const struct envelope *e, uint8_t *buf)
{
	buf[0] = (uint8_t)e->e_version;
	buf[1] = (uint8_t)e->e_catlen;
	memcpy(buf + 2, e->e_category, e->e_catlen);
	return (2 + e->e_catlen);
}

static size_t
content_aad(const struct envelope *e, uint8_t *buf)
{
	memcpy(buf, LABEL_CONTENT, LLEN(LABEL_CONTENT));
	return (LLEN(LABEL_CONTENT) + env_context(e, buf +
	    LLEN(LABEL_CONTENT)));
}

static size_t
wrap_info(const struct envelope *e, const uint8_t *key_id, uint8_t *buf)
{
	size_t	off;

	memcpy(buf, LABEL_WRAP, LLEN(LABEL_WRAP));
	off = LLEN(LABEL_WRAP) + env_context(e, buf + LLEN(LABEL_WRAP));
	memcpy(buf + off, key_id, ENVELOPE_KEYID_LEN);
	return (off + ENVELOPE_KEYID_LEN);
}

static size_t
wrap_aad(const struct envelope *e, uint8_t *buf)
{
	memcpy(buf, e->e_nonce, ENVELOPE_NONCE_LEN);
	memcpy(buf + ENVELOPE_NONCE_LEN, e->e_commit, ENVELOPE_COMMIT_LEN);
	return (ENVELOPE_NONCE_LEN + ENVELOPE_COMMIT_LEN);
}

/* commit = SHA-256("meldpunt-envelope-commit" || DEK) */
static int
dek_commit(const uint8_t *dek, uint8_t *out)
{
	uint8_t		buf[LLEN(LABEL_COMMIT) + ENVELOPE_DEK_LEN];
	unsigned int	len;
	int		rc = -1;

	memcpy(buf, LABEL_COMMIT, LLEN(LABEL_COMMIT));
	memcpy(buf + LLEN(LABEL_COMMIT), dek, ENVELOPE_DEK_LEN);
	if (EVP_Digest(buf, sizeof(buf), out, &len, EVP_sha256(), NULL) == 1 &&
	    len == ENVELOPE_COMMIT_LEN)
		rc = 0;
	OPENSSL_cleanse(buf, sizeof(buf));
	return (rc);
}

static int
dek_matches(const struct envelope *e, const uint8_t *dek)
{
	uint8_t	c[ENVELOPE_COMMIT_LEN];
	int	ok;

	ok = dek_commit(dek, c) == 0 &&
	    CRYPTO_memcmp(c, e->e_commit, sizeof(c)) == 0;
	OPENSSL_cleanse(c, sizeof(c));
	return (ok);
}

/*
 * Pad to `size': 4-byte big-endian length, content, zeros.  Returns a
 * malloc'd buffer of exactly `size' bytes.
 */
static uint8_t *
pad(const uint8_t *pt, size_t ptlen, size_t size)
{
	uint8_t	*buf;

	if ((buf = calloc(1, size)) == NULL)
		return (NULL);
	put32(buf, (uint32_t)ptlen);
	if (ptlen > 0)
		memcpy(buf + 4, pt, ptlen);
	return (buf);
}

/*
 * Check and strip the padding in place: the length must fit and every
 * padding byte must be zero, so that one plaintext has one encoding.
 */
static int
unpad(uint8_t *buf, size_t size, size_t *len)
{
	size_t	n, i;
	uint8_t	acc = 0;

	if (size < 4)
		return (-1);
	n = get32(buf);
	if (n > size - 4)
		return (-1);
	for (i = 4 + n; i < size; i++)
		acc |= buf[i];
	if (acc != 0)
		return (-1);
	memmove(buf, buf + 4, n);
	OPENSSL_cleanse(buf + n, size - n);
	*len = n;
	return (0);
}

static struct envelope *
env_alloc(unsigned int version, const struct hpke_suite *suite,
    const char *category)
{
	struct envelope	*e;
	size_t		 catlen;

	if (version != ENVELOPE_VERSION || hpke_suite_check(suite) == -1 ||
	    category == NULL)
		return (NULL);
	catlen = strnlen(category, ENVELOPE_CATEGORY_MAX + 1);
	if (!category_ok(category, catlen))
		return (NULL);
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return (NULL);
	e->e_version = version;
	e->e_suite = *suite;
	memcpy(e->e_category, category, catlen);
	e->e_catlen = catlen;
	return (e);
}

void
envelope_free(struct envelope *e)
{
	if (e == NULL)
		return;
	free(e->e_ct);
	/* Ciphertext and wraps are not secret; the struct is cleared anyway. */
	OPENSSL_clear_free(e, sizeof(*e));
}

int
envelope_find_wrap(const struct envelope *e, const uint8_t *key_id)
{
	size_t	i;

	if (e == NULL || key_id == NULL)
		return (-1);
	for (i = 0; i < e->e_nwraps; i++)
		if (memcmp(e->e_wraps[i].w_key_id, key_id,
		    ENVELOPE_KEYID_LEN) == 0)
			return ((int)i);
	return (-1);
}

/* Seal the DEK to one recipient and append the wrap. */
static int
wrap_dek(struct envelope *e, const struct envelope_recipient *r,
    const struct hpke_key *eph, const uint8_t *dek)
{
	struct hpke_ctx		*c;
	struct envelope_wrap	 w;
	uint8_t			 info[LLEN(LABEL_WRAP) + CONTEXT_MAX +
				    ENVELOPE_KEYID_LEN];
	uint8_t			 aad[ENVELOPE_NONCE_LEN +
				    ENVELOPE_COMMIT_LEN];
	size_t			 infolen, aadlen;
	int			 rc = -1;

	if (r == NULL || r->r_key == NULL ||
	    e->e_nwraps == ENVELOPE_MAX_WRAPS ||
	    hpke_key_kem(r->r_key) != e->e_suite.kem ||
	    envelope_find_wrap(e, r->r_key_id) != -1)
		return (-1);
	if ((c = hpke_ctx_new(&e->e_suite)) == NULL)
		return (-1);
	memset(&w, 0, sizeof(w));
	memcpy(w.w_key_id, r->r_key_id, ENVELOPE_KEYID_LEN);
	infolen = wrap_info(e, r->r_key_id, info);
	aadlen = wrap_aad(e, aad);
	w.w_enclen = sizeof(w.w_enc);
	if (hpke_setup_base_s(c, r->r_key, eph, info, infolen, w.w_enc,
	    &w.w_enclen) == 0 &&
	    hpke_ctx_seal(c, aad, aadlen, dek, ENVELOPE_DEK_LEN,
	    w.w_dek) == 0) {
		e->e_wraps[e->e_nwraps++] = w;
		rc = 0;
	}
	hpke_ctx_free(c);
	return (rc);
}

static struct envelope *
build(const struct hpke_suite *suite, const char *category,
    const struct envelope_recipient *rcpt, size_t nrcpt, const uint8_t *pt,
    size_t ptlen, const uint8_t *fixed_dek, const uint8_t *fixed_nonce,
    const struct hpke_key *const *eph)
{
	struct envelope	*e;
	uint8_t		 dek[ENVELOPE_DEK_LEN], *padded = NULL;
	uint8_t		 aad[LLEN(LABEL_CONTENT) + CONTEXT_MAX];
	size_t		 bucket, aadlen, i;

	if (rcpt == NULL || nrcpt == 0 || nrcpt > ENVELOPE_MAX_WRAPS ||
	    (pt == NULL && ptlen != 0) ||
	    (bucket = envelope_bucket(ptlen)) == 0)
		return (NULL);
	if ((e = env_alloc(ENVELOPE_VERSION, suite, category)) == NULL)
		return (NULL);
	if (fixed_dek != NULL)
		memcpy(dek, fixed_dek, sizeof(dek));
	else if (RAND_priv_bytes(dek, sizeof(dek)) != 1)
		goto fail;
	if (fixed_nonce != NULL)
		memcpy(e->e_nonce, fixed_nonce, ENVELOPE_NONCE_LEN);
	else if (RAND_bytes(e->e_nonce, ENVELOPE_NONCE_LEN) != 1)
		goto fail;
	if (dek_commit(dek, e->e_commit) == -1 ||
	    (padded = pad(pt, ptlen, bucket)) == NULL ||
	    (e->e_ct = malloc(bucket + ENVELOPE_TAG_LEN)) == NULL)
		goto fail;
	e->e_ctlen = bucket + ENVELOPE_TAG_LEN;
	aadlen = content_aad(e, aad);
	if (hpke_aead_seal(HPKE_AEAD_AES256GCM, dek, e->e_nonce, aad, aadlen,
	    padded, bucket, e->e_ct) == -1)
		goto fail;
	for (i = 0; i < nrcpt; i++)
		if (wrap_dek(e, &rcpt[i], eph == NULL ? NULL : eph[i],
		    dek) == -1)
			goto fail;
	OPENSSL_cleanse(dek, sizeof(dek));
	OPENSSL_clear_free(padded, bucket);
	return (e);
 fail:
	OPENSSL_cleanse(dek, sizeof(dek));
	if (padded != NULL)
		OPENSSL_clear_free(padded, bucket);
	envelope_free(e);
	return (NULL);
}

struct envelope *
envelope_build(const struct hpke_suite *suite, const char *category,
    const struct envelope_recipient *rcpt, size_t nrcpt, const uint8_t *pt,
    size_t ptlen)
{
	return (build(suite, category, rcpt, nrcpt, pt, ptlen, NULL, NULL,
	    NULL));
}

struct envelope *
envelope_build_fixed(const struct hpke_suite *suite, const char *category,
    const struct envelope_recipient *rcpt, size_t nrcpt, const uint8_t *pt,
    size_t ptlen, const uint8_t *dek, const uint8_t *nonce,
    const struct hpke_key *const *eph)
{
	if (dek == NULL || nonce == NULL || eph == NULL)
		return (NULL);
	return (build(suite, category, rcpt, nrcpt, pt, ptlen, dek, nonce,
	    eph));
}

struct envelope *
envelope_new(unsigned int version, const struct hpke_suite *suite,
    const char *category, const uint8_t *nonce, size_t noncelen,
    const uint8_t *commit, size_t commitlen, const uint8_t *ct, size_t ctlen)
{
	struct envelope	*e;

	if (nonce == NULL || noncelen != ENVELOPE_NONCE_LEN ||
	    commit == NULL || commitlen != ENVELOPE_COMMIT_LEN ||
	    ct == NULL || ctlen < ENVELOPE_TAG_LEN ||
	    !is_bucket(ctlen - ENVELOPE_TAG_LEN))
		return (NULL);
	if ((e = env_alloc(version, suite, category)) == NULL)
		return (NULL);
	if ((e->e_ct = malloc(ctlen)) == NULL) {
		envelope_free(e);
		return (NULL);
	}
	memcpy(e->e_ct, ct, ctlen);
	e->e_ctlen = ctlen;
	memcpy(e->e_nonce, nonce, ENVELOPE_NONCE_LEN);
	memcpy(e->e_commit, commit, ENVELOPE_COMMIT_LEN);
	return (e);
}

int
envelope_add_wrap(struct envelope *e, const uint8_t *key_id,
    size_t key_idlen, const uint8_t *enc, size_t enclen,
    const uint8_t *wrapped, size_t wrappedlen)
{
	struct envelope_wrap	*w;

	if (e == NULL || key_id == NULL || enc == NULL || wrapped == NULL ||
	    key_idlen != ENVELOPE_KEYID_LEN ||
	    enclen != hpke_kem_enc_len(e->e_suite.kem) ||
	    wrappedlen != ENVELOPE_WRAPPED_LEN ||
	    e->e_nwraps == ENVELOPE_MAX_WRAPS ||
	    envelope_find_wrap(e, key_id) != -1)
		return (-1);
	w = &e->e_wraps[e->e_nwraps++];
	memset(w, 0, sizeof(*w));
	memcpy(w->w_key_id, key_id, ENVELOPE_KEYID_LEN);
	memcpy(w->w_enc, enc, enclen);
	w->w_enclen = enclen;
	memcpy(w->w_dek, wrapped, ENVELOPE_WRAPPED_LEN);
	return (0);
}

unsigned int
envelope_version(const struct envelope *e)
{
	return (e == NULL ? 0 : e->e_version);
}

const struct hpke_suite *
envelope_suite(const struct envelope *e)
{
	return (e == NULL ? NULL : &e->e_suite);
}

const char *
envelope_category(const struct envelope *e)
{
	return (e == NULL ? NULL : e->e_category);
}

const uint8_t *
envelope_nonce(const struct envelope *e)
{
	return (e == NULL ? NULL : e->e_nonce);
}

const uint8_t *
envelope_commit(const struct envelope *e)
{
	return (e == NULL ? NULL : e->e_commit);
}

const uint8_t *
envelope_ciphertext(const struct envelope *e, size_t *len)
{
	if (e == NULL || len == NULL)
		return (NULL);
	*len = e->e_ctlen;
	return (e->e_ct);
}

size_t
envelope_nwraps(const struct envelope *e)
{
	return (e == NULL ? 0 : e->e_nwraps);
}

const struct envelope_wrap *
envelope_wrap_at(const struct envelope *e, size_t idx)
{
	if (e == NULL || idx >= e->e_nwraps)
		return (NULL);
	return (&e->e_wraps[idx]);
}

int
envelope_drop_wrap(struct envelope *e, const uint8_t *key_id)
{
	int	i;

	if ((i = envelope_find_wrap(e, key_id)) == -1 || e->e_nwraps == 1)
		return (-1);
	memmove(&e->e_wraps[i], &e->e_wraps[i + 1],
	    (e->e_nwraps - i - 1) * sizeof(e->e_wraps[0]));
	e->e_nwraps--;
	memset(&e->e_wraps[e->e_nwraps], 0, sizeof(e->e_wraps[0]));
	return (0);
}

int
envelope_keep_wraps(struct envelope *e,
    const uint8_t (*ids)[ENVELOPE_KEYID_LEN], size_t n)
{
	struct envelope_wrap	keep[ENVELOPE_MAX_WRAPS];
	size_t			i, j, nkeep = 0;
	int			wanted;

	if (e == NULL || ids == NULL || n == 0)
		return (-1);
	/* Every listed id must be present: a missing wrap is an error. */
	for (j = 0; j < n; j++)
		if (envelope_find_wrap(e, ids[j]) == -1)
			return (-1);
	for (i = 0; i < e->e_nwraps; i++) {
		wanted = 0;
		for (j = 0; j < n; j++)
			if (memcmp(e->e_wraps[i].w_key_id, ids[j],
			    ENVELOPE_KEYID_LEN) == 0)
				wanted = 1;
		if (wanted)
			keep[nkeep++] = e->e_wraps[i];
	}
	memset(e->e_wraps, 0, sizeof(e->e_wraps));
	memcpy(e->e_wraps, keep, nkeep * sizeof(keep[0]));
	e->e_nwraps = nkeep;
	return (0);
}

int
envelope_unwrap(const struct envelope *e, const uint8_t *key_id,
    const struct hpke_key *skR, uint8_t *dek)
{
	const struct envelope_wrap	*w;
	struct hpke_ctx			*c;
	uint8_t				 info[LLEN(LABEL_WRAP) +
					    CONTEXT_MAX + ENVELOPE_KEYID_LEN];
	uint8_t				 aad[ENVELOPE_NONCE_LEN +
					    ENVELOPE_COMMIT_LEN];
	size_t				 infolen, aadlen;
	int				 i, rc = -1;

	if (e == NULL || dek == NULL || skR == NULL ||
	    (i = envelope_find_wrap(e, key_id)) == -1 ||
	    hpke_key_kem(skR) != e->e_suite.kem)
		return (-1);
	w = &e->e_wraps[i];
	if ((c = hpke_ctx_new(&e->e_suite)) == NULL)
		return (-1);
	infolen = wrap_info(e, w->w_key_id, info);
	aadlen = wrap_aad(e, aad);
	if (hpke_setup_base_r(c, skR, w->w_enc, w->w_enclen, info,
	    infolen) == 0 &&
	    hpke_ctx_open(c, aad, aadlen, w->w_dek, ENVELOPE_WRAPPED_LEN,
	    dek) == 0 && dek_matches(e, dek))
		rc = 0;
	hpke_ctx_free(c);
	if (rc == -1)
		OPENSSL_cleanse(dek, ENVELOPE_DEK_LEN);
	return (rc);
}

int
envelope_decrypt(const struct envelope *e, const uint8_t *dek,
    uint8_t **out, size_t *outlen)
{
	uint8_t	 aad[LLEN(LABEL_CONTENT) + CONTEXT_MAX], *buf;
	size_t	 aadlen, size, len;

	if (e == NULL || dek == NULL || out == NULL || outlen == NULL ||
	    e->e_ct == NULL || !dek_matches(e, dek))
		return (-1);
	size = e->e_ctlen - ENVELOPE_TAG_LEN;
	if ((buf = malloc(size)) == NULL)
		return (-1);
	aadlen = content_aad(e, aad);
	if (hpke_aead_open(HPKE_AEAD_AES256GCM, dek, e->e_nonce, aad, aadlen,
	    e->e_ct, e->e_ctlen, buf) == -1 || unpad(buf, size, &len) == -1) {
		OPENSSL_clear_free(buf, size);
		return (-1);
	}
	*out = buf;
	*outlen = len;
	return (0);
}

int
envelope_open(const struct envelope *e, const uint8_t *key_id,
    const struct hpke_key *skR, uint8_t **out, size_t *outlen)
{
	uint8_t	dek[ENVELOPE_DEK_LEN];
	int	rc = -1;

	if (envelope_unwrap(e, key_id, skR, dek) == 0)
		rc = envelope_decrypt(e, dek, out, outlen);
	OPENSSL_cleanse(dek, sizeof(dek));
	return (rc);
}

int
envelope_rewrap(struct envelope *e, const uint8_t *key_id,
    const struct hpke_key *skR, const struct envelope_recipient *to)
{
	uint8_t	dek[ENVELOPE_DEK_LEN];
	int	rc = -1;

	if (envelope_unwrap(e, key_id, skR, dek) == 0)
		rc = wrap_dek(e, to, NULL, dek);
	OPENSSL_cleanse(dek, sizeof(dek));
	return (rc);
}

/* Item AAD = "meldpunt-envelope-item" || version || ctx. */
static uint8_t *
item_aad(const uint8_t *ctx, size_t ctxlen, size_t *len)
{
	uint8_t	*aad;

	if ((ctx == NULL && ctxlen != 0) || ctxlen > ENVELOPE_MAX_ITEM)
		return (NULL);
	*len = LLEN(LABEL_ITEM) + 1 + ctxlen;
	if ((aad = malloc(*len)) == NULL)
		return (NULL);
	memcpy(aad, LABEL_ITEM, LLEN(LABEL_ITEM));
	aad[LLEN(LABEL_ITEM)] = ENVELOPE_VERSION;
	if (ctxlen > 0)
		memcpy(aad + LLEN(LABEL_ITEM) + 1, ctx, ctxlen);
	return (aad);
}

/*
 * item = version || nonce || AES-256-GCM(DEK, nonce, item AAD, padded),
 * padded to a multiple of ENVELOPE_ITEM_BLOCK.  Random 96-bit nonces
 * are safe for the few thousand items a case can have.
 */
int
envelope_item_seal(const uint8_t *dek, const uint8_t *ctx, size_t ctxlen,
    const uint8_t *pt, size_t ptlen, uint8_t **out, size_t *outlen)
{
	uint8_t	*aad = NULL, *padded = NULL, *buf = NULL;
	size_t	 aadlen, size = 0;
	int	 rc = -1;

	if (dek == NULL || out == NULL || outlen == NULL ||
	    (pt == NULL && ptlen != 0) || ptlen > ENVELOPE_MAX_ITEM)
		return (-1);
	size = (ptlen + 4 + ENVELOPE_ITEM_BLOCK - 1) / ENVELOPE_ITEM_BLOCK *
	    ENVELOPE_ITEM_BLOCK;
	if ((aad = item_aad(ctx, ctxlen, &aadlen)) == NULL ||
	    (padded = pad(pt, ptlen, size)) == NULL ||
	    (buf = malloc(ITEM_OVERHEAD + size)) == NULL)
		goto done;
	buf[0] = ENVELOPE_VERSION;
	if (RAND_bytes(buf + 1, ENVELOPE_NONCE_LEN) != 1 ||
	    hpke_aead_seal(HPKE_AEAD_AES256GCM, dek, buf + 1, aad, aadlen,
	    padded, size, buf + 1 + ENVELOPE_NONCE_LEN) == -1)
		goto done;
	*out = buf;
	*outlen = ITEM_OVERHEAD + size;
	buf = NULL;
	rc = 0;
 done:
	free(buf);
	free(aad);
	if (padded != NULL)
		OPENSSL_clear_free(padded, size);
	return (rc);
}

int
envelope_item_open(const uint8_t *dek, const uint8_t *ctx, size_t ctxlen,
    const uint8_t *in, size_t inlen, uint8_t **out, size_t *outlen)
{
	uint8_t	*aad = NULL, *buf = NULL;
	size_t	 aadlen, size, len;
	int	 rc = -1;

	if (dek == NULL || in == NULL || out == NULL || outlen == NULL ||
	    inlen < ITEM_OVERHEAD + ENVELOPE_ITEM_BLOCK ||
	    inlen > ITEM_OVERHEAD + ENVELOPE_MAX_BUCKET ||
	    (inlen - ITEM_OVERHEAD) % ENVELOPE_ITEM_BLOCK != 0 ||
	    in[0] != ENVELOPE_VERSION)
		return (-1);
	size = inlen - ITEM_OVERHEAD;
	if ((aad = item_aad(ctx, ctxlen, &aadlen)) == NULL ||
	    (buf = malloc(size)) == NULL)
		goto done;
	if (hpke_aead_open(HPKE_AEAD_AES256GCM, dek, in + 1, aad, aadlen,
	    in + 1 + ENVELOPE_NONCE_LEN, size + ENVELOPE_TAG_LEN, buf) == -1 ||
	    unpad(buf, size, &len) == -1)
		goto done;
	*out = buf;
	*outlen = len;
	buf = NULL;
	rc = 0;
 done:
	if (buf != NULL)
		OPENSSL_clear_free(buf, size);
	free(aad);
	return (rc);
}

/*
 * Binary form:
 *   "MPE" version:1 kem:2 kdf:2 aead:2 catlen:1 category nonce:12
 *   commit:32 ctlen:4 ct nwraps:1 { key_id:16 enc:Nenc wrapped:48 }...
 */
int
envelope_to_bytes(const struct envelope *e, uint8_t **out, size_t *outlen)
{
	uint8_t	*b, *p;
	size_t	 len, i;

	if (e == NULL || out == NULL || outlen == NULL || e->e_nwraps == 0 ||
	    e->e_ct == NULL)
		return (-1);
	len = 3 + 1 + 6 + 1 + e->e_catlen + ENVELOPE_NONCE_LEN +
	    ENVELOPE_COMMIT_LEN + 4 + e->e_ctlen + 1;
	for (i = 0; i < e->e_nwraps; i++)
		len += ENVELOPE_KEYID_LEN + e->e_wraps[i].w_enclen +
		    ENVELOPE_WRAPPED_LEN;
	if ((b = malloc(len)) == NULL)
		return (-1);
	p = b;
	memcpy(p, MAGIC, 3);
	p[3] = (uint8_t)e->e_version;
	p[4] = e->e_suite.kem >> 8;
	p[5] = e->e_suite.kem & 0xff;
	p[6] = e->e_suite.kdf >> 8;
	p[7] = e->e_suite.kdf & 0xff;
	p[8] = e->e_suite.aead >> 8;
	p[9] = e->e_suite.aead & 0xff;
	p[10] = (uint8_t)e->e_catlen;
	p += 11;
	memcpy(p, e->e_category, e->e_catlen);
	p += e->e_catlen;
	memcpy(p, e->e_nonce, ENVELOPE_NONCE_LEN);
	p += ENVELOPE_NONCE_LEN;
	memcpy(p, e->e_commit, ENVELOPE_COMMIT_LEN);
	p += ENVELOPE_COMMIT_LEN;
	put32(p, (uint32_t)e->e_ctlen);
	p += 4;
	memcpy(p, e->e_ct, e->e_ctlen);
	p += e->e_ctlen;
	*p++ = (uint8_t)e->e_nwraps;
	for (i = 0; i < e->e_nwraps; i++) {
		memcpy(p, e->e_wraps[i].w_key_id, ENVELOPE_KEYID_LEN);
		p += ENVELOPE_KEYID_LEN;
		memcpy(p, e->e_wraps[i].w_enc, e->e_wraps[i].w_enclen);
		p += e->e_wraps[i].w_enclen;
		memcpy(p, e->e_wraps[i].w_dek, ENVELOPE_WRAPPED_LEN);
		p += ENVELOPE_WRAPPED_LEN;
	}
	*out = b;
	*outlen = len;
	return (0);
}

/* A bounds-checked reader: take() refuses to run past the end. */
struct reader {
	const uint8_t	*r_p;
	size_t		 r_left;
};

static const uint8_t *
take(struct reader *r, size_t n)
{
	const uint8_t	*p;

	if (n > r->r_left)
		return (NULL);
	p = r->r_p;
	r->r_p += n;
	r->r_left -= n;
	return (p);
}

struct envelope *
envelope_from_bytes(const uint8_t *in, size_t inlen)
{
	struct reader		 r = { in, inlen };
	struct envelope		*e = NULL;
	struct hpke_suite	 s;
	const uint8_t		*h, *cat, *nonce, *commit, *ct, *p, *w;
	char			 catbuf[ENVELOPE_CATEGORY_MAX + 1];
	size_t			 ctlen, enclen, nwraps, i;

	if (in == NULL || (h = take(&r, 11)) == NULL ||
	    memcmp(h, MAGIC, 3) != 0)
		return (NULL);
	s.kem = (uint16_t)(h[4] << 8 | h[5]);
	s.kdf = (uint16_t)(h[6] << 8 | h[7]);
	s.aead = (uint16_t)(h[8] << 8 | h[9]);
	if (h[10] == 0 || h[10] > ENVELOPE_CATEGORY_MAX ||
	    (cat = take(&r, h[10])) == NULL)
		return (NULL);
	memcpy(catbuf, cat, h[10]);
	catbuf[h[10]] = '\0';
	if ((nonce = take(&r, ENVELOPE_NONCE_LEN)) == NULL ||
	    (commit = take(&r, ENVELOPE_COMMIT_LEN)) == NULL ||
	    (p = take(&r, 4)) == NULL)
		return (NULL);
	ctlen = get32(p);
	if ((ct = take(&r, ctlen)) == NULL || (p = take(&r, 1)) == NULL)
		return (NULL);
	nwraps = *p;
	if (nwraps == 0 || nwraps > ENVELOPE_MAX_WRAPS ||
	    (enclen = hpke_kem_enc_len(s.kem)) == 0 ||
	    r.r_left != nwraps * (ENVELOPE_KEYID_LEN + enclen +
	    ENVELOPE_WRAPPED_LEN))
		return (NULL);
	/* Category bytes are checked by env_alloc(); an embedded NUL fails. */
	if (strlen(catbuf) != h[10] ||
	    (e = envelope_new(h[3], &s, catbuf, nonce, ENVELOPE_NONCE_LEN,
	    commit, ENVELOPE_COMMIT_LEN, ct, ctlen)) == NULL)
		return (NULL);
	for (i = 0; i < nwraps; i++) {
		/* Cannot fail: the total length was checked above. */
		w = take(&r, ENVELOPE_KEYID_LEN + enclen +
		    ENVELOPE_WRAPPED_LEN);
		if (envelope_add_wrap(e, w, ENVELOPE_KEYID_LEN,
		    w + ENVELOPE_KEYID_LEN, enclen, w + ENVELOPE_KEYID_LEN +
		    enclen, ENVELOPE_WRAPPED_LEN) == -1) {
			envelope_free(e);
			return (NULL);
		}
	}
	return (e);
}

static char *
b64_encode(const uint8_t *in, size_t len)
{
	char	*s;

	if (len > 3 * (size_t)(INT32_MAX / 4) ||
	    (s = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return (NULL);
	EVP_EncodeBlock((unsigned char *)s, in, (int)len);
	return (s);
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	return (-1);
}

/*
 * Strict RFC 4648 section 4 base64: padded, no whitespace, no
 * non-zero trailing bits, so that every value has one spelling.  At
 * most `cap' bytes are written; callers check the length they need.
 */
static int
b64_decode(const char *s, size_t slen, uint8_t *out, size_t cap,
    size_t *outlen)
{
	size_t	i, j, o = 0, pad = 0, n;
	int	v[4];

	if (slen == 0 || slen % 4 != 0)
		return (-1);
	if (s[slen - 1] == '=')
		pad++;
	if (s[slen - 2] == '=')
		pad++;
	n = slen / 4 * 3 - pad;
	if (n > cap)
		return (-1);
	for (i = 0; i < slen; i += 4) {
		for (j = 0; j < 4; j++) {
			if (i + j >= slen - pad)
				v[j] = 0;
			else if ((v[j] = b64_value(s[i + j])) == -1)
				return (-1);
		}
		out[o++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
		if (o < n)
			out[o++] = (uint8_t)((v[1] & 0x0f) << 4 | v[2] >> 2);
		if (o < n)
			out[o++] = (uint8_t)((v[2] & 0x03) << 6 | v[3]);
	}
	if ((pad == 1 && (v[2] & 0x03) != 0) ||
	    (pad == 2 && (v[1] & 0x0f) != 0))
		return (-1);
	*outlen = n;
	return (0);
}

/* A base64 JSON string of exactly `len' bytes into out. */
static int
json_b64_exact(const json_t *o, const char *key, uint8_t *out, size_t len)
{
	const json_t	*v = json_object_get(o, key);
	size_t		 n;

	if (!json_is_string(v) ||
	    b64_decode(json_string_value(v), json_string_length(v), out, len,
	    &n) == -1 || n != len)
		return (-1);
	return (0);
}

static int
json_u16(const json_t *o, const char *key, uint16_t *out)
{
	const json_t	*v = json_object_get(o, key);
	json_int_t	 i;

	if (!json_is_integer(v) || (i = json_integer_value(v)) < 0 ||
	    i > 0xffff)
		return (-1);
	*out = (uint16_t)i;
	return (0);
}

static int
hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);	/* lowercase only: one spelling per id */
}

static int
json_key_id(const json_t *o, uint8_t *id)
{
	const json_t	*v = json_object_get(o, "key_id");
	const char	*s;
	size_t		 i;
	int		 hi, lo;

	if (!json_is_string(v) ||
	    json_string_length(v) != 2 * ENVELOPE_KEYID_LEN)
		return (-1);
	s = json_string_value(v);
	for (i = 0; i < ENVELOPE_KEYID_LEN; i++) {
		if ((hi = hex_nibble(s[2 * i])) == -1 ||
		    (lo = hex_nibble(s[2 * i + 1])) == -1)
			return (-1);
		id[i] = (uint8_t)(hi << 4 | lo);
	}
	return (0);
}

static int
json_wraps(struct envelope *e, const json_t *arr)
{
	const json_t	*w;
	uint8_t		 id[ENVELOPE_KEYID_LEN], enc[HPKE_MAX_ENC];
	uint8_t		 dek[ENVELOPE_WRAPPED_LEN];
	size_t		 i, enclen = hpke_kem_enc_len(e->e_suite.kem);

	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > ENVELOPE_MAX_WRAPS)
		return (-1);
	for (i = 0; i < json_array_size(arr); i++) {
		w = json_array_get(arr, i);
		if (!json_is_object(w) || json_object_size(w) != 3 ||
		    json_key_id(w, id) == -1 ||
		    json_b64_exact(w, "enc", enc, enclen) == -1 ||
		    json_b64_exact(w, "wrapped_dek", dek, sizeof(dek)) == -1 ||
		    envelope_add_wrap(e, id, sizeof(id), enc, enclen, dek,
		    sizeof(dek)) == -1)
			return (-1);
	}
	return (0);
}

struct envelope *
envelope_from_json(const json_t *o)
{
	const json_t		*v, *suite, *ctv;
	struct envelope		*e = NULL;
	struct hpke_suite	 s;
	uint8_t			 nonce[ENVELOPE_NONCE_LEN];
	uint8_t			 commit[ENVELOPE_COMMIT_LEN], *ct = NULL;
	size_t			 ctlen, cap = ENVELOPE_MAX_BUCKET +
				    ENVELOPE_TAG_LEN;

	/* Exactly the seven documented members, nothing else. */
	if (!json_is_object(o) || json_object_size(o) != 7)
		return (NULL);
	v = json_object_get(o, "version");
	if (!json_is_integer(v) || json_integer_value(v) != ENVELOPE_VERSION)
		return (NULL);
	suite = json_object_get(o, "suite");
	if (!json_is_object(suite) || json_object_size(suite) != 3 ||
	    json_u16(suite, "kem", &s.kem) == -1 ||
	    json_u16(suite, "kdf", &s.kdf) == -1 ||
	    json_u16(suite, "aead", &s.aead) == -1)
		return (NULL);
	v = json_object_get(o, "category");
	ctv = json_object_get(o, "ciphertext");
	if (!json_is_string(v) ||
	    strlen(json_string_value(v)) != json_string_length(v) ||
	    json_b64_exact(o, "content_nonce", nonce, sizeof(nonce)) == -1 ||
	    json_b64_exact(o, "dek_commit", commit, sizeof(commit)) == -1 ||
	    !json_is_string(ctv) || json_string_length(ctv) > (cap + 2) / 3 * 4)
		return (NULL);
	if ((ct = malloc(cap)) == NULL)
		return (NULL);
	if (b64_decode(json_string_value(ctv), json_string_length(ctv), ct,
	    cap, &ctlen) == -1)
		goto fail;
	if ((e = envelope_new(ENVELOPE_VERSION, &s, json_string_value(v),
	    nonce, sizeof(nonce), commit, sizeof(commit), ct, ctlen)) == NULL ||
	    json_wraps(e, json_object_get(o, "wraps")) == -1)
		goto fail;
	free(ct);
	return (e);
 fail:
	free(ct);
	envelope_free(e);
	return (NULL);
}

struct envelope *
envelope_parse_json(const char *text, size_t len)
{
	json_t		*root;
	json_error_t	 err;
	struct envelope	*e;

	if (text == NULL || len > ENVELOPE_MAX_JSON)
		return (NULL);
	if ((root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err)) ==
	    NULL)
		return (NULL);
	e = envelope_from_json(root);
	json_decref(root);
	return (e);
}

static int
json_set_b64(json_t *o, const char *key, const uint8_t *b, size_t len)
{
	char	*s;
	int	 rc;

	if ((s = b64_encode(b, len)) == NULL)
		return (-1);
	rc = json_object_set_new(o, key, json_string(s));
	free(s);
	return (rc);
}

static json_t *
wrap_json(const struct envelope_wrap *w)
{
	static const char	 hex[] = "0123456789abcdef";
	json_t			*o;
	char			 id[2 * ENVELOPE_KEYID_LEN + 1];
	size_t			 i;

	for (i = 0; i < ENVELOPE_KEYID_LEN; i++) {
		id[2 * i] = hex[w->w_key_id[i] >> 4];
		id[2 * i + 1] = hex[w->w_key_id[i] & 0x0f];
	}
	id[sizeof(id) - 1] = '\0';
	if ((o = json_object()) == NULL)
		return (NULL);
	if (json_object_set_new(o, "key_id", json_string(id)) == -1 ||
	    json_set_b64(o, "enc", w->w_enc, w->w_enclen) == -1 ||
	    json_set_b64(o, "wrapped_dek", w->w_dek,
	    ENVELOPE_WRAPPED_LEN) == -1) {
		json_decref(o);
		return (NULL);
	}
	return (o);
}

json_t *
envelope_to_json(const struct envelope *e)
{
	json_t	*o, *wraps;
	size_t	 i;

	if (e == NULL || e->e_nwraps == 0 || e->e_ct == NULL)
		return (NULL);
	if ((o = json_object()) == NULL)
		return (NULL);
	if (json_object_set_new(o, "version",
	    json_integer(e->e_version)) == -1 ||
	    json_object_set_new(o, "suite", json_pack("{s:i, s:i, s:i}",
	    "kem", e->e_suite.kem, "kdf", e->e_suite.kdf,
	    "aead", e->e_suite.aead)) == -1 ||
	    json_object_set_new(o, "category",
	    json_string(e->e_category)) == -1 ||
	    json_set_b64(o, "content_nonce", e->e_nonce,
	    ENVELOPE_NONCE_LEN) == -1 ||
	    json_set_b64(o, "dek_commit", e->e_commit,
	    ENVELOPE_COMMIT_LEN) == -1 ||
	    json_set_b64(o, "ciphertext", e->e_ct, e->e_ctlen) == -1 ||
	    (wraps = json_array()) == NULL ||
	    json_object_set_new(o, "wraps", wraps) == -1)
		goto fail;
	for (i = 0; i < e->e_nwraps; i++)
		if (json_array_append_new(wraps,
		    wrap_json(&e->e_wraps[i])) == -1)
			goto fail;
	return (o);
 fail:
	json_decref(o);
	return (NULL);
}
