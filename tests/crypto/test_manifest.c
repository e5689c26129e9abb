/*
 * The signed key manifest (crypto/manifest.c, docs/crypto.md §10): the
 * worked example recomputed from its fields and its signature checked
 * (and found verbatim in docs/crypto.md), sign/verify round trips,
 * tampering with text, signature or key, the strict parser's refusals,
 * and coverage lookups.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "crypto/manifest.h"
#include "crypto/secret.h"

static char *
top_path(const char *rel)
{
	const char	*top = getenv("MELDPUNT_TOP");
	char		*p;

	cr_assert(asprintf(&p, "%s/%s", top == NULL ? "." : top, rel) != -1);
	return (p);
}

static char *
slurp(const char *rel)
{
	char	*path = top_path(rel), *buf;
	FILE	*fp;
	size_t	 n;

	cr_assert_not_null(fp = fopen(path, "r"), "%s", path);
	cr_assert_not_null(buf = calloc(1, 1 << 20));
	n = fread(buf, 1, (1 << 20) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	free(path);
	return (buf);
}

static const char *
jstr(json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	cr_assert_not_null(s, "example lacks %s", k);
	return (s);
}

static void
b64(const char *s, uint8_t *out, size_t want)
{
	unsigned char	*b = NULL;
	size_t		 n = 0;

	cr_assert_eq(secret_b64_decode(s, strlen(s), &b, &n), 0);
	cr_assert_eq(n, want);
	memcpy(out, b, n);
	OPENSSL_free(b);
}

static time_t
utc(const char *s)
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	cr_assert_not_null(strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm));
	return (timegm(&tm));
}

/* The example's fields into m (keys in the JSON's, unsorted, order). */
static void
example_manifest(json_t *ex, struct manifest *m)
{
	json_t	*keys = json_object_get(ex, "keys"), *k;
	size_t	 i;

	memset(m, 0, sizeof(*m));
	m->m_version = (uint64_t)json_integer_value(json_object_get(ex,
	    "version"));
	m->m_signed = utc(jstr(ex, "signed"));
	m->m_expires = utc(jstr(ex, "expires"));
	snprintf(m->m_signer, sizeof(m->m_signer), "%s",
	    jstr(ex, "signing_key_id"));
	m->m_nkeys = json_array_size(keys);
	cr_assert_not_null(m->m_keys = calloc(m->m_nkeys, sizeof(*m->m_keys)));
	json_array_foreach(keys, i, k) {
		struct manifest_key	*mk = &m->m_keys[i];

		snprintf(mk->mk_purpose, sizeof(mk->mk_purpose), "%s",
		    jstr(k, "purpose"));
		snprintf(mk->mk_category, sizeof(mk->mk_category), "%s",
		    jstr(k, "category"));
		snprintf(mk->mk_id, sizeof(mk->mk_id), "%s", jstr(k, "key_id"));
		snprintf(mk->mk_from, sizeof(mk->mk_from), "%s",
		    jstr(k, "from"));
		mk->mk_kem = (uint16_t)json_integer_value(json_object_get(k,
		    "kem"));
		mk->mk_kdf = (uint16_t)json_integer_value(json_object_get(k,
		    "kdf"));
		mk->mk_aead = (uint16_t)json_integer_value(json_object_get(k,
		    "aead"));
		b64(jstr(k, "public_key"), mk->mk_pub, 65);
		mk->mk_publen = 65;
	}
}

Test(manifest, worked_example_recomputed_and_verified)
{
	char		*path = top_path("tests/data/manifest_example.json");
	char		*text, *doc, id[MANIFEST_ID_HEX + 1];
	json_error_t	 err;
	json_t		*ex;
	struct manifest	 m;
	uint8_t		 sk[MANIFEST_SK_LEN], pk[MANIFEST_PK_LEN], pk2[65];
	uint8_t		 sig[MANIFEST_SIG_LEN];
	const char	*want;

	cr_assert_not_null(ex = json_load_file(path, 0, &err), "%s: %s", path,
	    err.text);
	free(path);
	example_manifest(ex, &m);
	cr_assert_not_null(text = manifest_text(&m));
	want = jstr(ex, "manifest");
	cr_assert_str_eq(text, want, "canonical text differs:\n%s", text);
	cr_assert_eq(secret_hex_decode(jstr(ex, "signing_private_key_hex"), 64,
	    sk, sizeof(sk)), 0);
	b64(jstr(ex, "signing_public_key"), pk, sizeof(pk));
	cr_assert_eq(manifest_public(sk, pk2), 0);
	cr_assert_eq(memcmp(pk, pk2, sizeof(pk)), 0);
	cr_assert_eq(manifest_signer_id(pk, id), 0);
	cr_assert_str_eq(id, jstr(ex, "signing_key_id"));
	b64(jstr(ex, "signature"), sig, sizeof(sig));
	cr_assert_eq(manifest_verify(pk, want, strlen(want), sig), 0);
	/* A fresh signature of the same bytes verifies too (ECDSA is
	 * randomised, so it is not the same signature). */
	cr_assert_eq(manifest_sign(sk, text, strlen(text), sig), 0);
	cr_assert_eq(manifest_verify(pk, text, strlen(text), sig), 0);
	/* The documentation shows exactly these bytes. */
	doc = slurp("docs/crypto.md");
	cr_assert_not_null(strstr(doc, want), "docs/crypto.md lacks the "
	    "example manifest text");
	cr_assert_not_null(strstr(doc, jstr(ex, "signature")));
	cr_assert_not_null(strstr(doc, jstr(ex, "signing_public_key")));
	free(doc);
	free(text);
	free(m.m_keys);
	json_decref(ex);
}

/* A small valid manifest signed by a fresh key. */
static char *
sample(uint8_t sk[MANIFEST_SK_LEN], uint8_t pk[MANIFEST_PK_LEN])
{
	struct manifest		m;
	struct manifest_key	k[2];
	char			*t;

	cr_assert_eq(manifest_keygen(sk, pk), 0);
	memset(&m, 0, sizeof(m));
	memset(k, 0, sizeof(k));
	m.m_version = 7;
	m.m_signed = 1796117400;
	m.m_expires = m.m_signed + 86400;
	cr_assert_eq(manifest_signer_id(pk, m.m_signer), 0);
	strcpy(k[0].mk_purpose, "queue");
	strcpy(k[0].mk_category, "labour_discrimination");
	strcpy(k[1].mk_purpose, "recovery");
	strcpy(k[1].mk_category, "*");
	strcpy(k[0].mk_id, "00112233445566778899aabbccddeeff");
	strcpy(k[1].mk_id, "ffeeddccbbaa99887766554433221100");
	k[0].mk_kem = k[1].mk_kem = 16;
	k[0].mk_kdf = k[1].mk_kdf = 1;
	k[0].mk_aead = k[1].mk_aead = 2;
	memcpy(k[0].mk_pub, pk, 65);
	memset(k[1].mk_pub, 4, 65);
	k[0].mk_publen = k[1].mk_publen = 65;
	strcpy(k[0].mk_from, "2026-01-31");
	strcpy(k[1].mk_from, "2026-02-01");
	m.m_keys = k;
	m.m_nkeys = 2;
	cr_assert_not_null(t = manifest_text(&m));
	return (t);
}

Test(manifest, tampering_and_wrong_key_fail)
{
	uint8_t	 sk[32], pk[65], sk2[32], pk2[65], sig[64];
	char	*t = sample(sk, pk);
	size_t	 n = strlen(t);

	cr_assert_eq(manifest_sign(sk, t, n, sig), 0);
	cr_assert_eq(manifest_verify(pk, t, n, sig), 0);
	t[20] ^= 1;
	cr_assert_eq(manifest_verify(pk, t, n, sig), -1, "changed text");
	t[20] ^= 1;
	cr_assert_eq(manifest_verify(pk, t, n - 1, sig), -1, "truncated");
	sig[40] ^= 0x80;
	cr_assert_eq(manifest_verify(pk, t, n, sig), -1, "changed signature");
	sig[40] ^= 0x80;
	cr_assert_eq(manifest_keygen(sk2, pk2), 0);
	cr_assert_eq(manifest_verify(pk2, t, n, sig), -1, "other key");
	pk[10] ^= 1;	/* no longer a point on the curve */
	cr_assert_eq(manifest_verify(pk, t, n, sig), -1, "bad point");
	memset(sig, 0, sizeof(sig));
	cr_assert_eq(manifest_verify(pk2, t, n, sig), -1, "zero signature");
	free(t);
}

Test(manifest, parse_round_trip_and_cover)
{
	uint8_t			 sk[32], pk[65];
	char			*t = sample(sk, pk), err[128];
	struct manifest		*m;

	cr_assert_not_null(m = manifest_parse(t, strlen(t), err, sizeof(err)),
	    "%s", err);
	cr_assert_eq(m->m_version, 7);
	cr_assert_eq(m->m_nkeys, 2);
	cr_assert_eq(manifest_covers(m, "queue", "labour_discrimination",
	    "00112233445566778899aabbccddeeff", 16, 1, 2, pk, 65), 0);
	cr_assert_eq(manifest_covers(m, "queue", "honour_violence",
	    "00112233445566778899aabbccddeeff", 16, 1, 2, pk, 65), -1,
	    "a queue key is covered for its category only");
	cr_assert_eq(manifest_covers(m, "recovery", "honour_violence",
	    "ffeeddccbbaa99887766554433221100", 16, 1, 2,
	    m->m_keys[1].mk_pub, 65), 0, "'*' covers every category");
	cr_assert_eq(manifest_covers(m, "identity", "labour_discrimination",
	    "ffeeddccbbaa99887766554433221100", 16, 1, 2,
	    m->m_keys[1].mk_pub, 65), -1, "purpose must match");
	cr_assert_eq(manifest_covers(m, "queue", "labour_discrimination",
	    "00112233445566778899aabbccddeeff", 16, 1, 1, pk, 65), -1,
	    "suite must match");
	pk[64] ^= 1;
	cr_assert_eq(manifest_covers(m, "queue", "labour_discrimination",
	    "00112233445566778899aabbccddeeff", 16, 1, 2, pk, 65), -1,
	    "substituted public key under the same id");
	manifest_free(m);
	free(t);
}

/* Replace the first occurrence of from with to and expect a refusal. */
static void
refused(const char *t, const char *from, const char *to)
{
	char		 buf[4096], err[128];
	const char	*p = strstr(t, from);
	struct manifest	*m;

	cr_assert_not_null(p, "sample lacks %s", from);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p - t), t, to,
	    p + strlen(from));
	m = manifest_parse(buf, strlen(buf), err, sizeof(err));
	cr_assert_null(m, "accepted with %s -> %s", from, to);
}

Test(manifest, parser_refuses_non_canonical)
{
	uint8_t	 sk[32], pk[65];
	char	*t = sample(sk, pk), buf[4096], *q, *r;
	char	 err[128];

	refused(t, "version 7\n", "version 07\n");
	refused(t, "version 7\n", "version 0\n");
	refused(t, "version 7\n", "version  7\n");
	refused(t, "version 7\n", "version 7 \n");
	refused(t, "version 7\n", "version 7\r\n");
	refused(t, "signed 2026-12-01T09:30:00Z", "signed 2026-12-01T09:30:00+00:00");
	refused(t, "expires 2026-12-02", "expires 2026-11-30");
	refused(t, "key queue labour_discrimination", "key queue *");
	refused(t, "key recovery *", "key recovery labour_discrimination");
	refused(t, "key queue", "key sealing");
	refused(t, "2026-01-31", "2026-02-31");
	refused(t, " 16 1 2 ", " 16 1 02 ");
	refused(t, "00112233445566778899aabbccddeeff",
	    "00112233445566778899AABBCCDDEEFF");
	refused(t, MANIFEST_MAGIC, "meldpunt-key-manifest v2");
	refused(t, "labour_discrimination", "labour_discriminatión");
	/* Key lines out of order, duplicated, or none at all. */
	q = strstr(t, "key queue");
	r = strstr(t, "key recovery");
	snprintf(buf, sizeof(buf), "%.*s%s%.*s", (int)(q - t), t, r,
	    (int)(r - q), q);
	cr_assert_null(manifest_parse(buf, strlen(buf), err, sizeof(err)));
	snprintf(buf, sizeof(buf), "%s%s", t, r);
	cr_assert_null(manifest_parse(buf, strlen(buf), err, sizeof(err)));
	snprintf(buf, sizeof(buf), "%.*s", (int)(q - t), t);
	cr_assert_null(manifest_parse(buf, strlen(buf), err, sizeof(err)));
	/* No final newline. */
	cr_assert_null(manifest_parse(t, strlen(t) - 1, err, sizeof(err)));
	cr_assert_not_null(strstr(err, "newline"));
	free(t);
}
