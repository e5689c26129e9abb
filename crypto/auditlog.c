/*
 * Audit chain links and checkpoints (see auditlog.h).
 *
 *   canonical(ev) = "meldpunt-audit-v1" || lp(id) || lp(at) || lp(actor)
 *                   || lp(action) || lp(object) || lp(details)
 *   digest    = SHA-256(canonical(ev))
 *   hash(pos) = HMAC-SHA256(key, "meldpunt-audit-v2" || prev ||
 *               lp(decimal pos) || digest)
 *
 * lp(s) is the 4-byte big-endian length of s followed by its bytes; the
 * canonical form is audit.canonical() of schema/0003_audit.sql byte for
 * byte (the tag says v1: it was the canonical form of the unkeyed chain
 * of 0003, kept unchanged).  The link MACs the digest rather than the fields so that the chainer
 * (and the mp_staff role it connects as) is handed digests only, never
 * other users' events.  The position is in the MAC so that moving an
 * event to another place of the chain breaks its link even when its
 * content is unchanged.
 *
 * A checkpoint line is
 *
 *   meldpunt-audit-checkpoint-v1 count=N head=HEX64 at=TIME key=HEX16
 *       sig=HEX128
 *
 * on one line, where the Ed25519 signature covers the exact bytes before
 * " sig=".  Text, so that it survives syslog, journalctl and mail.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/auditlog.h"
#include "crypto/secret.h"

#define TAG_V1	"meldpunt-audit-v1"
#define TAG_V2	"meldpunt-audit-v2"

/* Feeds bytes into either a digest or a MAC. */
struct feed {
	EVP_MD_CTX	*f_md;
	EVP_MAC_CTX	*f_mac;
};

static int
feed(struct feed *f, const void *p, size_t n)
{
	if (f->f_md != NULL)
		return (EVP_DigestUpdate(f->f_md, p, n) == 1 ? 0 : -1);
	return (EVP_MAC_update(f->f_mac, p, n) == 1 ? 0 : -1);
}

static int
feed_lp(struct feed *f, const char *s)
{
	size_t		len = strlen(s);
	unsigned char	be[4];

	if (len > UINT32_MAX)
		return (-1);
	be[0] = (unsigned char)(len >> 24);
	be[1] = (unsigned char)(len >> 16);
	be[2] = (unsigned char)(len >> 8);
	be[3] = (unsigned char)len;
	if (feed(f, be, 4) == -1 || feed(f, s, len) == -1)
		return (-1);
	return (0);
}

static int
feed_event(struct feed *f, const struct auditlog_event *ev)
{
	if (feed_lp(f, ev->ae_id) == -1 || feed_lp(f, ev->ae_at) == -1 ||
	    feed_lp(f, ev->ae_actor) == -1 ||
	    feed_lp(f, ev->ae_action) == -1 ||
	    feed_lp(f, ev->ae_object) == -1 ||
	    feed_lp(f, ev->ae_details) == -1)
		return (-1);
	return (0);
}

int
auditlog_digest(const struct auditlog_event *ev,
    unsigned char out[AUDITLOG_HASH_LEN])
{
	struct feed	 f = { NULL, NULL };
	int		 rc = -1;

	if ((f.f_md = EVP_MD_CTX_new()) == NULL)
		return (-1);
	if (EVP_DigestInit_ex(f.f_md, EVP_sha256(), NULL) != 1 ||
	    feed(&f, TAG_V1, strlen(TAG_V1)) == -1 ||
	    feed_event(&f, ev) == -1 ||
	    EVP_DigestFinal_ex(f.f_md, out, NULL) != 1)
		goto fail;
	rc = 0;
 fail:
	EVP_MD_CTX_free(f.f_md);
	return (rc);
}

int
auditlog_hash_v2(const unsigned char key[AUDITLOG_KEY_LEN],
    const unsigned char prev[AUDITLOG_HASH_LEN], long long pos,
    const unsigned char digest[AUDITLOG_HASH_LEN],
    unsigned char out[AUDITLOG_HASH_LEN])
{
	struct feed	 f = { NULL, NULL };
	EVP_MAC		*mac;
	OSSL_PARAM	 params[2];
	char		 md[] = "SHA256", posbuf[24];
	size_t		 outlen = 0;
	int		 rc = -1;

	if (pos < 1)
		return (-1);
	snprintf(posbuf, sizeof(posbuf), "%lld", pos);
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return (-1);
	if ((f.f_mac = EVP_MAC_CTX_new(mac)) == NULL)
		goto fail;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    md, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(f.f_mac, key, AUDITLOG_KEY_LEN, params) != 1 ||
	    feed(&f, TAG_V2, strlen(TAG_V2)) == -1 ||
	    feed(&f, prev, AUDITLOG_HASH_LEN) == -1 ||
	    feed_lp(&f, posbuf) == -1 ||
	    feed(&f, digest, AUDITLOG_HASH_LEN) == -1 ||
	    EVP_MAC_final(f.f_mac, out, &outlen, AUDITLOG_HASH_LEN) != 1 ||
	    outlen != AUDITLOG_HASH_LEN)
		goto fail;
	rc = 0;
 fail:
	EVP_MAC_CTX_free(f.f_mac);
	EVP_MAC_free(mac);
	return (rc);
}

/* ------------------------------------------------------------ Ed25519 */

int
auditlog_ed25519_public(const unsigned char sk[AUDITLOG_ED25519_LEN],
    unsigned char pk[AUDITLOG_ED25519_LEN])
{
	EVP_PKEY	*k;
	size_t		 n = AUDITLOG_ED25519_LEN;
	int		 rc = -1;

	if ((k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk,
	    AUDITLOG_ED25519_LEN)) == NULL)
		return (-1);
	if (EVP_PKEY_get_raw_public_key(k, pk, &n) == 1 &&
	    n == AUDITLOG_ED25519_LEN)
		rc = 0;
	EVP_PKEY_free(k);
	return (rc);
}

int
auditlog_ed25519_generate(unsigned char sk[AUDITLOG_ED25519_LEN],
    unsigned char pk[AUDITLOG_ED25519_LEN])
{
	if (secret_random(sk, AUDITLOG_ED25519_LEN) == -1)
		return (-1);
	return (auditlog_ed25519_public(sk, pk));
}

int
auditlog_keyid(const unsigned char pk[AUDITLOG_ED25519_LEN],
    unsigned char id[AUDITLOG_KEYID_LEN])
{
	unsigned char	h[32];
	unsigned int	n = 0;

	if (EVP_Digest(pk, AUDITLOG_ED25519_LEN, h, &n, EVP_sha256(), NULL) !=
	    1 || n != sizeof(h))
		return (-1);
	memcpy(id, h, AUDITLOG_KEYID_LEN);
	return (0);
}

/* The signed part of a line: everything before " sig=". */
static int
cp_body(long long count, const unsigned char head[AUDITLOG_HASH_LEN],
    const char *at, const unsigned char keyid[AUDITLOG_KEYID_LEN],
    char *buf, size_t bufsz)
{
	char	hhex[2 * AUDITLOG_HASH_LEN + 1];
	char	khex[2 * AUDITLOG_KEYID_LEN + 1];
	int	n;

	secret_hex_encode(head, AUDITLOG_HASH_LEN, hhex);
	secret_hex_encode(keyid, AUDITLOG_KEYID_LEN, khex);
	n = snprintf(buf, bufsz, AUDITLOG_CP_TAG " count=%lld head=%s at=%s "
	    "key=%s", count, hhex, at, khex);
	return (n < 0 || (size_t)n >= bufsz ? -1 : n);
}

int
auditlog_cp_sign(const unsigned char sk[AUDITLOG_ED25519_LEN],
    long long count, const unsigned char head[AUDITLOG_HASH_LEN],
    time_t at, char *line, size_t linesz)
{
	EVP_PKEY	*k = NULL;
	EVP_MD_CTX	*ctx = NULL;
	unsigned char	 pk[AUDITLOG_ED25519_LEN], kid[AUDITLOG_KEYID_LEN];
	unsigned char	 sig[AUDITLOG_SIG_LEN];
	char		 when[21], shex[2 * AUDITLOG_SIG_LEN + 1];
	struct tm	 tm;
	size_t		 siglen = sizeof(sig);
	int		 n, rc = -1;

	if (count < 0 || gmtime_r(&at, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0 ||
	    auditlog_ed25519_public(sk, pk) == -1 ||
	    auditlog_keyid(pk, kid) == -1 ||
	    (n = cp_body(count, head, when, kid, line, linesz)) == -1)
		goto fail;
	if ((k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk,
	    AUDITLOG_ED25519_LEN)) == NULL ||
	    (ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)line,
	    (size_t)n) != 1 || siglen != sizeof(sig))
		goto fail;
	secret_hex_encode(sig, sizeof(sig), shex);
	if ((size_t)n + 5 + strlen(shex) + 1 > linesz)
		goto fail;
	snprintf(line + n, linesz - (size_t)n, " sig=%s", shex);
	rc = 0;
 fail:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return (rc);
}

/* Expect "name=" at *pp followed by min..max characters of set, then a
 * space or the end of the line; copy them into out (NUL-terminated) and
 * move *pp past them. */
static int
cp_field(const char **pp, const char *name, size_t min, size_t max,
    const char *set, char *out)
{
	const char	*p = *pp;
	size_t		 nl = strlen(name), n;

	if (strncmp(p, name, nl) != 0 || p[nl] != '=')
		return (-1);
	p += nl + 1;
	n = strspn(p, set);
	if (n < min || n > max)
		return (-1);
	memcpy(out, p, n);
	out[n] = '\0';
	p += n;
	if (*p == ' ')
		p++;
	else if (*p != '\0' && *p != '\n' && *p != '\r')
		return (-1);
	*pp = p;
	return (0);
}

#define HEXSET	"0123456789abcdef"

int
auditlog_cp_parse(const char *line, struct auditlog_cp *cp)
{
	const char	*p;
	char		 num[20], hex[2 * AUDITLOG_SIG_LEN + 1];
	memset(cp, 0, sizeof(*cp));
	if ((p = strstr(line, AUDITLOG_CP_TAG " ")) == NULL)
		return (0);
	p += strlen(AUDITLOG_CP_TAG) + 1;
	if (cp_field(&p, "count", 1, 18, "0123456789", num) == -1)
		return (-1);
	cp->cp_count = strtoll(num, NULL, 10);
	if (cp_field(&p, "head", 64, 64, HEXSET, hex) == -1 ||
	    secret_hex_decode(hex, 64, cp->cp_head, AUDITLOG_HASH_LEN) != 0 ||
	    cp_field(&p, "at", 20, 20, "0123456789-:TZ", cp->cp_at) == -1 ||
	    cp_field(&p, "key", 16, 16, HEXSET, hex) == -1 ||
	    secret_hex_decode(hex, 16, cp->cp_keyid, AUDITLOG_KEYID_LEN) != 0 ||
	    cp_field(&p, "sig", 128, 128, HEXSET, hex) == -1 ||
	    secret_hex_decode(hex, 128, cp->cp_sig, AUDITLOG_SIG_LEN) != 0)
		return (-1);
	return (1);
}

int
auditlog_cp_verify(const struct auditlog_cp *cp,
    const unsigned char pk[AUDITLOG_ED25519_LEN])
{
	EVP_PKEY	*k = NULL;
	EVP_MD_CTX	*ctx = NULL;
	unsigned char	 kid[AUDITLOG_KEYID_LEN];
	char		 body[AUDITLOG_CP_LINE_MAX];
	int		 n, rc = -1;

	if (auditlog_keyid(pk, kid) == -1 ||
	    CRYPTO_memcmp(kid, cp->cp_keyid, sizeof(kid)) != 0 ||
	    (n = cp_body(cp->cp_count, cp->cp_head, cp->cp_at, cp->cp_keyid,
	    body, sizeof(body))) == -1)
		return (-1);
	if ((k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk,
	    AUDITLOG_ED25519_LEN)) == NULL ||
	    (ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) != 1 ||
	    EVP_DigestVerify(ctx, cp->cp_sig, AUDITLOG_SIG_LEN,
	    (const unsigned char *)body, (size_t)n) != 1)
		goto fail;
	rc = 0;
 fail:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return (rc);
}
