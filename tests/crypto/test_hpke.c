/*
 * Tests for crypto/hpke.c: every base-mode vector of the supported suites
 * in the circl vector file that Debian ships, the RFC 9180 appendix
 * vectors kept in tests/data/, any extra file named by
 * MELDPUNT_HPKE_VECTORS, and the refusals (tampering, truncation, wrong
 * key, invalid points, sequence overflow).  A missing vector file is a
 * failure, never a skip: a crypto test that checked nothing must not pass.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "crypto/hpke.h"

#define CIRCL_VECTORS "/usr/share/gocode/src/github.com/cloudflare/circl/" \
	"hpke/testdata/vectors_v08_779d028.json"
#define RFC_VECTORS "tests/data/hpke_rfc9180_base.json"

static const struct hpke_suite suites[] = {
	{ HPKE_KEM_P256_SHA256, HPKE_KDF_HKDF_SHA256, HPKE_AEAD_AES128GCM },
	{ HPKE_KEM_P256_SHA256, HPKE_KDF_HKDF_SHA256, HPKE_AEAD_AES256GCM },
	{ HPKE_KEM_X25519_SHA256, HPKE_KDF_HKDF_SHA256, HPKE_AEAD_AES128GCM },
	{ HPKE_KEM_X25519_SHA256, HPKE_KDF_HKDF_SHA256, HPKE_AEAD_AES256GCM },
};
#define NSUITES	(sizeof(suites) / sizeof(suites[0]))

/* Paths in tests/ are relative to the top of the tree (tests/run.sh). */
static char *
top_path(const char *rel)
{
	const char	*top = getenv("MELDPUNT_TOP");
	char		*p;

	if (top == NULL)
		top = ".";
	cr_assert(asprintf(&p, "%s/%s", top, rel) != -1);
	return (p);
}

static uint8_t *
unhex(const char *s, size_t *len)
{
	size_t		 n = strlen(s), i;
	uint8_t		*b;
	unsigned int	 v;

	cr_assert(n % 2 == 0, "odd hex string in vector file");
	cr_assert_not_null(b = malloc(n / 2 + 1));
	for (i = 0; i < n / 2; i++) {
		cr_assert(sscanf(s + 2 * i, "%2x", &v) == 1, "bad hex");
		b[i] = (uint8_t)v;
	}
	*len = n / 2;
	return (b);
}

static uint8_t *
field(json_t *o, const char *name, size_t *len)
{
	json_t	*f = json_object_get(o, name);

	cr_assert(json_is_string(f), "vector lacks string field %s", name);
	return (unhex(json_string_value(f), len));
}

static void
assert_bytes(const uint8_t *got, size_t gotlen, const uint8_t *want,
    size_t wantlen, const char *what, int idx)
{
	cr_assert_eq(gotlen, wantlen, "vector %d: %s length %zu != %zu",
	    idx, what, gotlen, wantlen);
	cr_assert(memcmp(got, want, wantlen) == 0, "vector %d: %s differs",
	    idx, what);
}

static void
check_key(struct hpke_key *k, json_t *v, const char *skname,
    const char *pkname, int idx)
{
	uint8_t	 buf[HPKE_MAX_PUB], *want;
	size_t	 len, wantlen;

	cr_assert_not_null(k, "vector %d: DeriveKeyPair failed", idx);
	len = sizeof(buf);
	cr_assert_eq(hpke_key_private(k, buf, &len), 0);
	want = field(v, skname, &wantlen);
	assert_bytes(buf, len, want, wantlen, skname, idx);
	free(want);
	len = sizeof(buf);
	cr_assert_eq(hpke_key_public(k, buf, &len), 0);
	want = field(v, pkname, &wantlen);
	assert_bytes(buf, len, want, wantlen, pkname, idx);
	free(want);
}

static void
check_secrets(struct hpke_ctx *c, json_t *v, int idx)
{
	uint8_t	 key[HPKE_MAX_KEY], nonce[HPKE_NONCE_LEN];
	uint8_t	 exp[HPKE_SECRET_LEN], *want;
	size_t	 keylen = sizeof(key), wantlen;

	cr_assert_eq(hpke_ctx_secrets(c, key, &keylen, nonce, exp), 0);
	want = field(v, "key", &wantlen);
	assert_bytes(key, keylen, want, wantlen, "key", idx);
	free(want);
	want = field(v, "base_nonce", &wantlen);
	assert_bytes(nonce, sizeof(nonce), want, wantlen, "base_nonce", idx);
	free(want);
	want = field(v, "exporter_secret", &wantlen);
	assert_bytes(exp, sizeof(exp), want, wantlen, "exporter_secret", idx);
	free(want);
}

/*
 * The sequence number of an encryption follows from its nonce.  Files
 * that list every sequence number (circl) run through the contexts'
 * own counters; the RFC's excerpt skips some, and the gap is jumped.
 */
static uint64_t
vector_seq(const uint8_t *base, const uint8_t *nonce)
{
	uint64_t	seq = 0;
	int		i;

	for (i = 0; i < 4; i++)
		cr_assert_eq(base[i], nonce[i], "nonce beyond 64-bit seq");
	for (i = 4; i < HPKE_NONCE_LEN; i++)
		seq = (seq << 8) | (uint8_t)(base[i] ^ nonce[i]);
	return (seq);
}

static void
check_encryptions(struct hpke_ctx *s, struct hpke_ctx *r, json_t *v,
    int idx)
{
	json_t	*encs = json_object_get(v, "encryptions"), *e;
	uint8_t	*aad, *pt, *ct, *nonce, *base, *out;
	size_t	 aadlen, ptlen, ctlen, noncelen, baselen, i;
	uint64_t seq;

	cr_assert(json_is_array(encs) && json_array_size(encs) > 0);
	base = field(v, "base_nonce", &baselen);
	json_array_foreach(encs, i, e) {
		aad = field(e, "aad", &aadlen);
		pt = field(e, "plaintext", &ptlen);
		ct = field(e, "ciphertext", &ctlen);
		nonce = field(e, "nonce", &noncelen);
		cr_assert_eq(noncelen, HPKE_NONCE_LEN);
		seq = vector_seq(base, nonce);
		cr_assert(seq >= hpke_ctx_seq(s), "vector %d: seq order", idx);
		if (seq != hpke_ctx_seq(s)) {
			cr_assert_eq(hpke_ctx_set_seq(s, seq), 0);
			cr_assert_eq(hpke_ctx_set_seq(r, seq), 0);
		}
		cr_assert_eq(ctlen, ptlen + HPKE_TAG_LEN);
		cr_assert_not_null(out = malloc(ctlen + 1));
		cr_assert_eq(hpke_ctx_seal(s, aad, aadlen, pt, ptlen, out), 0);
		assert_bytes(out, ctlen, ct, ctlen, "ciphertext", idx);
		cr_assert_eq(hpke_ctx_open(r, aad, aadlen, ct, ctlen, out), 0,
		    "vector %d: open of encryption %zu failed", idx, i);
		assert_bytes(out, ptlen, pt, ptlen, "plaintext", idx);
		cr_assert_eq(hpke_ctx_seq(s), seq + 1);
		cr_assert_eq(hpke_ctx_seq(r), seq + 1);
		free(out);
		free(aad);
		free(pt);
		free(ct);
		free(nonce);
	}
	free(base);
}

static void
check_exports(struct hpke_ctx *s, struct hpke_ctx *r, json_t *v, int idx)
{
	json_t	*exps = json_object_get(v, "exports"), *e;
	uint8_t	*ctx, *want, *out;
	size_t	 ctxlen, wantlen, i, L;

	cr_assert(json_is_array(exps) && json_array_size(exps) > 0);
	json_array_foreach(exps, i, e) {
		ctx = field(e, "exporter_context", &ctxlen);
		want = field(e, "exported_value", &wantlen);
		L = (size_t)json_integer_value(json_object_get(e, "L"));
		cr_assert_eq(L, wantlen);
		cr_assert_not_null(out = malloc(L));
		cr_assert_eq(hpke_ctx_export(s, ctx, ctxlen, out, L), 0);
		assert_bytes(out, L, want, wantlen, "export (sender)", idx);
		cr_assert_eq(hpke_ctx_export(r, ctx, ctxlen, out, L), 0);
		assert_bytes(out, L, want, wantlen, "export (recipient)", idx);
		free(out);
		free(ctx);
		free(want);
	}
}

/* One base-mode vector: keys, KEM, key schedule, seal/open, export. */
static void
check_vector(json_t *v, const struct hpke_suite *suite, int idx)
{
	struct hpke_key	*skR, *skE, *pkR;
	struct hpke_ctx	*s, *r;
	uint8_t		*ikm, *info, *want, *want2, enc[HPKE_MAX_ENC];
	uint8_t		 ss[HPKE_SECRET_LEN];
	size_t		 ikmlen, infolen, wantlen, want2len, enclen;

	ikm = field(v, "ikmR", &ikmlen);
	skR = hpke_key_derive(suite->kem, ikm, ikmlen);
	free(ikm);
	check_key(skR, v, "skRm", "pkRm", idx);
	ikm = field(v, "ikmE", &ikmlen);
	skE = hpke_key_derive(suite->kem, ikm, ikmlen);
	free(ikm);
	check_key(skE, v, "skEm", "pkEm", idx);
	want = field(v, "pkRm", &wantlen);
	cr_assert_not_null(pkR = hpke_key_from_public(suite->kem, want,
	    wantlen), "vector %d: pkRm refused", idx);
	free(want);

	/* The KEM alone: shared_secret from both sides. */
	want = field(v, "enc", &wantlen);
	want2 = field(v, "shared_secret", &want2len);
	enclen = sizeof(enc);
	cr_assert_eq(hpke_encap(pkR, skE, ss, enc, &enclen), 0);
	assert_bytes(enc, enclen, want, wantlen, "enc", idx);
	assert_bytes(ss, sizeof(ss), want2, want2len, "shared_secret", idx);
	memset(ss, 0, sizeof(ss));
	cr_assert_eq(hpke_decap(skR, enc, enclen, ss), 0);
	assert_bytes(ss, sizeof(ss), want2, want2len, "shared_secret (R)",
	    idx);
	free(want2);

	info = field(v, "info", &infolen);
	cr_assert_not_null(s = hpke_ctx_new(suite));
	cr_assert_not_null(r = hpke_ctx_new(suite));
	enclen = sizeof(enc);
	cr_assert_eq(hpke_setup_base_s(s, pkR, skE, info, infolen, enc,
	    &enclen), 0);
	assert_bytes(enc, enclen, want, wantlen, "enc (SetupBaseS)", idx);
	cr_assert_eq(hpke_setup_base_r(r, skR, enc, enclen, info, infolen), 0);
	check_secrets(s, v, idx);
	check_secrets(r, v, idx);
	check_encryptions(s, r, v, idx);
	check_exports(s, r, v, idx);

	free(want);
	free(info);
	hpke_ctx_free(s);
	hpke_ctx_free(r);
	hpke_key_free(skR);
	hpke_key_free(skE);
	hpke_key_free(pkR);
}

static const struct hpke_suite *
vector_suite(json_t *v)
{
	size_t	i;

	if (json_integer_value(json_object_get(v, "mode")) != 0)
		return (NULL);
	for (i = 0; i < NSUITES; i++)
		if (json_integer_value(json_object_get(v, "kem_id")) ==
		    suites[i].kem &&
		    json_integer_value(json_object_get(v, "kdf_id")) ==
		    suites[i].kdf &&
		    json_integer_value(json_object_get(v, "aead_id")) ==
		    suites[i].aead)
			return (&suites[i]);
	return (NULL);
}

/*
 * Run every base-mode vector of a supported suite in a file; count them
 * per suite in seen[] (which may be NULL).  Returns the total.
 */
static int
run_file(const char *path, int *seen)
{
	json_t			*root, *v;
	json_error_t		 err;
	const struct hpke_suite	*s;
	size_t			 i;
	int			 n = 0;

	root = json_load_file(path, 0, &err);
	cr_assert_not_null(root, "cannot read HPKE vector file %s: %s "
	    "(install golang-github-cloudflare-circl-dev for the Debian "
	    "vectors)", path, err.text);
	cr_assert(json_is_array(root), "%s: not a JSON array", path);
	json_array_foreach(root, i, v) {
		if ((s = vector_suite(v)) == NULL)
			continue;
		check_vector(v, s, (int)i);
		if (seen != NULL)
			seen[s - suites]++;
		n++;
	}
	json_decref(root);
	return (n);
}

Test(hpke, circl_vectors)
{
	int	seen[NSUITES] = { 0 }, n;
	size_t	i;

	n = run_file(CIRCL_VECTORS, seen);
	cr_assert_gt(n, 0, "no vector checked in %s", CIRCL_VECTORS);
	for (i = 0; i < NSUITES; i++)
		cr_assert_gt(seen[i], 0, "no vector for suite (0x%x,%u,%u)",
		    suites[i].kem, suites[i].kdf, suites[i].aead);
}

Test(hpke, rfc9180_vectors)
{
	char	*path = top_path(RFC_VECTORS);
	int	 seen[NSUITES] = { 0 };

	/* A.1.1 (X25519, AES-128-GCM) and A.3.1 (P-256, AES-128-GCM). */
	cr_assert_eq(run_file(path, seen), 2);
	cr_assert_eq(seen[0], 1);
	cr_assert_eq(seen[2], 1);
	free(path);
}

/*
 * MELDPUNT_HPKE_VECTORS names an extra file in the same format.  Unset,
 * the test runs the bundled RFC file through the same path, so that it
 * always checks something.
 */
Test(hpke, env_vectors)
{
	const char	*env = getenv("MELDPUNT_HPKE_VECTORS");
	char		*path;
	int		 n;

	if (env != NULL && *env != '\0') {
		n = run_file(env, NULL);
		cr_assert_gt(n, 0, "MELDPUNT_HPKE_VECTORS=%s holds no "
		    "base-mode vector of a supported suite", env);
		cr_log_info("%d vectors checked from %s", n, env);
	} else {
		path = top_path(RFC_VECTORS);
		cr_assert_gt(run_file(path, NULL), 0);
		free(path);
	}
}

/* A fresh pair for the negative tests, with a sealed message to tamper. */
struct sealed {
	struct hpke_suite	 suite;
	struct hpke_key		*sk;
	struct hpke_key		*pk;
	uint8_t			 enc[HPKE_MAX_ENC];
	size_t			 enclen;
	uint8_t			 aad[8];
	uint8_t			 ct[64 + HPKE_TAG_LEN];
	size_t			 ctlen;
};

static const uint8_t	info[] = "meldpunt test";
static const uint8_t	msg[64] = "a report that must stay sealed";

static void
sealed_init(struct sealed *t, const struct hpke_suite *suite)
{
	uint8_t	pub[HPKE_MAX_PUB], pt[sizeof(msg)];
	size_t	publen = sizeof(pub);

	memset(t, 0, sizeof(*t));
	t->suite = *suite;
	cr_assert_not_null(t->sk = hpke_key_new(suite->kem));
	cr_assert_eq(hpke_key_public(t->sk, pub, &publen), 0);
	cr_assert_not_null(t->pk = hpke_key_from_public(suite->kem, pub,
	    publen));
	memcpy(t->aad, "aad-0001", sizeof(t->aad));
	t->enclen = sizeof(t->enc);
	t->ctlen = sizeof(msg) + HPKE_TAG_LEN;
	cr_assert_eq(hpke_seal(suite, t->pk, info, sizeof(info), t->aad,
	    sizeof(t->aad), msg, sizeof(msg), t->enc, &t->enclen, t->ct), 0);
	cr_assert_eq(t->enclen, hpke_kem_enc_len(suite->kem));
	/* The untampered message opens: the refusals below mean something. */
	cr_assert_eq(hpke_open(suite, t->sk, t->enc, t->enclen, info,
	    sizeof(info), t->aad, sizeof(t->aad), t->ct, t->ctlen, pt), 0);
	cr_assert(memcmp(pt, msg, sizeof(msg)) == 0);
}

static void
sealed_fini(struct sealed *t)
{
	hpke_key_free(t->sk);
	hpke_key_free(t->pk);
}

static int
sealed_open(struct sealed *t, const struct hpke_key *sk)
{
	uint8_t	pt[sizeof(t->ct)];

	return (hpke_open(&t->suite, sk, t->enc, t->enclen, info,
	    sizeof(info), t->aad, sizeof(t->aad), t->ct, t->ctlen, pt));
}

static void
flip_all_bits(struct sealed *t, uint8_t *buf, size_t len, const char *what)
{
	size_t	i;
	int	b;

	for (i = 0; i < len; i++)
		for (b = 0; b < 8; b += 3) {
			buf[i] ^= 1 << b;
			cr_assert_eq(sealed_open(t, t->sk), -1,
			    "flipped bit %d of %s byte %zu accepted", b, what,
			    i);
			buf[i] ^= 1 << b;
		}
	cr_assert_eq(sealed_open(t, t->sk), 0);
}

Test(hpke, tamper_refused)
{
	struct sealed	t;
	size_t		i;

	for (i = 0; i < NSUITES; i++) {
		sealed_init(&t, &suites[i]);
		flip_all_bits(&t, t.enc, t.enclen, "enc");
		flip_all_bits(&t, t.ct, sizeof(msg), "ciphertext");
		flip_all_bits(&t, t.ct + sizeof(msg), HPKE_TAG_LEN, "tag");
		flip_all_bits(&t, t.aad, sizeof(t.aad), "aad");
		sealed_fini(&t);
	}
}

Test(hpke, truncation_refused)
{
	struct sealed	t;
	size_t		i, len;

	for (i = 0; i < NSUITES; i++) {
		sealed_init(&t, &suites[i]);
		for (len = 0; len < t.ctlen; len++) {
			size_t	saved = t.ctlen;

			t.ctlen = len;
			cr_assert_eq(sealed_open(&t, t.sk), -1,
			    "ciphertext truncated to %zu accepted", len);
			t.ctlen = saved;
		}
		/* A truncated enc too. */
		t.enclen--;
		cr_assert_eq(sealed_open(&t, t.sk), -1);
		sealed_fini(&t);
	}
}

Test(hpke, wrong_key_refused)
{
	struct sealed	 t;
	struct hpke_key	*other;
	size_t		 i;

	for (i = 0; i < NSUITES; i++) {
		sealed_init(&t, &suites[i]);
		cr_assert_not_null(other = hpke_key_new(suites[i].kem));
		cr_assert_eq(sealed_open(&t, other), -1);
		/* A public key alone cannot open. */
		cr_assert_eq(sealed_open(&t, t.pk), -1);
		hpke_key_free(other);
		sealed_fini(&t);
	}
}

Test(hpke, wrong_info_refused)
{
	struct sealed	t;
	uint8_t		pt[sizeof(t.ct)];

	sealed_init(&t, &hpke_suite_default);
	cr_assert_eq(hpke_open(&t.suite, t.sk, t.enc, t.enclen, info,
	    sizeof(info) - 1, t.aad, sizeof(t.aad), t.ct, t.ctlen, pt), -1);
	sealed_fini(&t);
}

Test(hpke, invalid_p256_points_refused)
{
	struct sealed	 t;
	uint8_t		 bad[66], pub[HPKE_MAX_PUB];
	size_t		 publen = sizeof(pub);
	struct hpke_key	*k;

	sealed_init(&t, &hpke_suite_default);
	cr_assert_eq(hpke_key_public(t.pk, pub, &publen), 0);
	cr_assert_eq(publen, 65);

	/* Not on the curve: y changed by one. */
	memcpy(bad, pub, 65);
	bad[64] ^= 0x01;
	cr_assert_null(hpke_key_from_public(HPKE_KEM_P256_SHA256, bad, 65));
	memcpy(t.enc, bad, 65);
	cr_assert_eq(sealed_open(&t, t.sk), -1);

	/* The point at infinity: SEC1's single zero byte, or all zeros. */
	memset(bad, 0, sizeof(bad));
	cr_assert_null(hpke_key_from_public(HPKE_KEM_P256_SHA256, bad, 1));
	cr_assert_null(hpke_key_from_public(HPKE_KEM_P256_SHA256, bad, 65));
	bad[0] = 0x04;
	cr_assert_null(hpke_key_from_public(HPKE_KEM_P256_SHA256, bad, 65));
	memcpy(t.enc, bad, 65);
	cr_assert_eq(sealed_open(&t, t.sk), -1);
	t.enclen = 1;
	t.enc[0] = 0x00;
	cr_assert_eq(sealed_open(&t, t.sk), -1);

	/* Wrong lengths and the compressed form. */
	cr_assert_null(hpke_key_from_public(HPKE_KEM_P256_SHA256, pub, 64));
	memcpy(bad, pub, 65);
	bad[65] = 0;
	cr_assert_null(hpke_key_from_public(HPKE_KEM_P256_SHA256, bad, 66));
	bad[0] = 0x02 | (pub[64] & 1);
	cr_assert_null(hpke_key_from_public(HPKE_KEM_P256_SHA256, bad, 33));
	/* A hybrid-form prefix (0x06/0x07) is not uncompressed either. */
	memcpy(bad, pub, 65);
	bad[0] = 0x06 | (pub[64] & 1);
	cr_assert_null(hpke_key_from_public(HPKE_KEM_P256_SHA256, bad, 65));

	/* The valid key still imports, so the refusals are meaningful. */
	cr_assert_not_null(k = hpke_key_from_public(HPKE_KEM_P256_SHA256, pub,
	    65));
	hpke_key_free(k);
	sealed_fini(&t);
}

Test(hpke, x25519_low_order_refused)
{
	static const struct hpke_suite s = { HPKE_KEM_X25519_SHA256,
	    HPKE_KDF_HKDF_SHA256, HPKE_AEAD_AES128GCM };
	struct sealed	 t;
	struct hpke_key	*zero;
	uint8_t		 z[32] = { 0 }, enc[HPKE_MAX_ENC], ct[HPKE_TAG_LEN];
	size_t		 enclen = sizeof(enc);

	/* The all-zero point (order 1) gives an all-zero shared secret. */
	cr_assert_not_null(zero = hpke_key_from_public(s.kem, z, sizeof(z)));
	cr_assert_eq(hpke_seal(&s, zero, NULL, 0, NULL, 0, NULL, 0, enc,
	    &enclen, ct), -1);
	hpke_key_free(zero);
	sealed_init(&t, &s);
	memset(t.enc, 0, 32);
	cr_assert_eq(sealed_open(&t, t.sk), -1);
	/* u = 1, a point of small order: the output is zero too. */
	z[0] = 0x01;
	memcpy(t.enc, z, 32);
	cr_assert_eq(sealed_open(&t, t.sk), -1);
	sealed_fini(&t);
}

Test(hpke, private_scalar_range)
{
	static const uint8_t n[32] = {
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
		0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51
	};
	uint8_t		 s[32];
	struct hpke_key	*k;

	memset(s, 0, sizeof(s));
	cr_assert_null(hpke_key_from_private(HPKE_KEM_P256_SHA256, s, 32));
	cr_assert_null(hpke_key_from_private(HPKE_KEM_P256_SHA256, n, 32));
	memset(s, 0xff, sizeof(s));
	cr_assert_null(hpke_key_from_private(HPKE_KEM_P256_SHA256, s, 32));
	memcpy(s, n, 32);
	s[31]--;	/* n - 1 is the largest valid scalar */
	cr_assert_not_null(k = hpke_key_from_private(HPKE_KEM_P256_SHA256, s,
	    32));
	hpke_key_free(k);
	s[31] = 1;
	memset(s, 0, 31);
	cr_assert_not_null(k = hpke_key_from_private(HPKE_KEM_P256_SHA256, s,
	    32));
	hpke_key_free(k);
	cr_assert_null(hpke_key_from_private(HPKE_KEM_P256_SHA256, s, 31));
	cr_assert_null(hpke_key_derive(HPKE_KEM_P256_SHA256, s, 31));
}

Test(hpke, key_serialisation_round_trip)
{
	struct hpke_key	*k, *k2;
	uint8_t		 sk[HPKE_PRIV_LEN], p1[HPKE_MAX_PUB], p2[HPKE_MAX_PUB];
	size_t		 sklen, l1, l2, i;

	for (i = 0; i < NSUITES; i += 2) {
		cr_assert_not_null(k = hpke_key_new(suites[i].kem));
		cr_assert(hpke_key_has_private(k));
		cr_assert_eq(hpke_key_kem(k), suites[i].kem);
		sklen = sizeof(sk);
		cr_assert_eq(hpke_key_private(k, sk, &sklen), 0);
		cr_assert_not_null(k2 = hpke_key_from_private(suites[i].kem, sk,
		    sklen));
		l1 = sizeof(p1);
		l2 = sizeof(p2);
		cr_assert_eq(hpke_key_public(k, p1, &l1), 0);
		cr_assert_eq(hpke_key_public(k2, p2, &l2), 0);
		cr_assert_eq(l1, hpke_kem_pub_len(suites[i].kem));
		cr_assert(l1 == l2 && memcmp(p1, p2, l1) == 0);
		/* Buffers too small are refused, not overrun. */
		l1 = l2 - 1;
		cr_assert_eq(hpke_key_public(k, p1, &l1), -1);
		sklen = HPKE_PRIV_LEN - 1;
		cr_assert_eq(hpke_key_private(k, sk, &sklen), -1);
		hpke_key_free(k);
		hpke_key_free(k2);
	}
	/* A public-only key has no private half to give. */
	cr_assert_not_null(k = hpke_key_from_public(HPKE_KEM_X25519_SHA256, p1,
	    32));
	cr_assert(!hpke_key_has_private(k));
	sklen = sizeof(sk);
	cr_assert_eq(hpke_key_private(k, sk, &sklen), -1);
	hpke_key_free(k);
}

Test(hpke, sequence_overflow_refused)
{
	struct sealed	 t;
	struct hpke_ctx	*s, *r;
	uint8_t		 enc[HPKE_MAX_ENC], ct[4 + HPKE_TAG_LEN], pt[4];
	size_t		 enclen = sizeof(enc);

	sealed_init(&t, &hpke_suite_default);
	cr_assert_not_null(s = hpke_ctx_new(&t.suite));
	cr_assert_not_null(r = hpke_ctx_new(&t.suite));
	cr_assert_eq(hpke_setup_base_s(s, t.pk, NULL, info, sizeof(info), enc,
	    &enclen), 0);
	cr_assert_eq(hpke_setup_base_r(r, t.sk, enc, enclen, info,
	    sizeof(info)), 0);
	cr_assert_eq(hpke_ctx_set_seq(s, 5), 0);
	cr_assert_eq(hpke_ctx_set_seq(s, 4), -1, "sequence moved back");
	cr_assert_eq(hpke_ctx_set_seq(s, UINT64_MAX - 1), 0);
	cr_assert_eq(hpke_ctx_set_seq(r, UINT64_MAX - 1), 0);
	cr_assert_eq(hpke_ctx_seal(s, NULL, 0, msg, 4, ct), 0);
	cr_assert_eq(hpke_ctx_open(r, NULL, 0, ct, sizeof(ct), pt), 0);
	cr_assert_eq(hpke_ctx_seal(s, NULL, 0, msg, 4, ct), -1);
	cr_assert_eq(hpke_ctx_open(r, NULL, 0, ct, sizeof(ct), pt), -1);
	cr_assert_eq(hpke_ctx_seq(s), UINT64_MAX);
	hpke_ctx_free(s);
	hpke_ctx_free(r);
	sealed_fini(&t);
}

Test(hpke, failed_open_keeps_sequence)
{
	struct sealed	 t;
	struct hpke_ctx	*s, *r;
	uint8_t		 enc[HPKE_MAX_ENC], ct[4 + HPKE_TAG_LEN], pt[4];
	size_t		 enclen = sizeof(enc);

	sealed_init(&t, &hpke_suite_default);
	cr_assert_not_null(s = hpke_ctx_new(&t.suite));
	cr_assert_not_null(r = hpke_ctx_new(&t.suite));
	cr_assert_eq(hpke_setup_base_s(s, t.pk, NULL, NULL, 0, enc, &enclen),
	    0);
	cr_assert_eq(hpke_setup_base_r(r, t.sk, enc, enclen, NULL, 0), 0);
	cr_assert_eq(hpke_ctx_seal(s, NULL, 0, msg, 4, ct), 0);
	ct[0] ^= 1;
	cr_assert_eq(hpke_ctx_open(r, NULL, 0, ct, sizeof(ct), pt), -1);
	cr_assert_eq(hpke_ctx_seq(r), 0);
	ct[0] ^= 1;
	cr_assert_eq(hpke_ctx_open(r, NULL, 0, ct, sizeof(ct), pt), 0);
	cr_assert(memcmp(pt, msg, 4) == 0);
	/* Replaying the same message at the next seq fails. */
	cr_assert_eq(hpke_ctx_open(r, NULL, 0, ct, sizeof(ct), pt), -1);
	hpke_ctx_free(s);
	hpke_ctx_free(r);
	sealed_fini(&t);
}

Test(hpke, export_limits)
{
	struct sealed	 t;
	struct hpke_ctx	*s;
	uint8_t		 enc[HPKE_MAX_ENC], *out, ctx[HPKE_MAX_EXPORT_CTX + 1];
	size_t		 enclen = sizeof(enc);

	sealed_init(&t, &hpke_suite_default);
	cr_assert_not_null(s = hpke_ctx_new(&t.suite));
	cr_assert_not_null(out = malloc(HPKE_MAX_EXPORT + 1));
	memset(ctx, 'x', sizeof(ctx));
	/* Not set up yet: nothing to export. */
	cr_assert_eq(hpke_ctx_export(s, NULL, 0, out, 32), -1);
	cr_assert_eq(hpke_setup_base_s(s, t.pk, NULL, NULL, 0, enc, &enclen),
	    0);
	cr_assert_eq(hpke_ctx_export(s, NULL, 0, out, 0), -1);
	cr_assert_eq(hpke_ctx_export(s, NULL, 0, out, HPKE_MAX_EXPORT), 0);
	cr_assert_eq(hpke_ctx_export(s, NULL, 0, out, HPKE_MAX_EXPORT + 1),
	    -1);
	cr_assert_eq(hpke_ctx_export(s, ctx, HPKE_MAX_EXPORT_CTX, out, 32), 0);
	cr_assert_eq(hpke_ctx_export(s, ctx, HPKE_MAX_EXPORT_CTX + 1, out,
	    32), -1);
	free(out);
	hpke_ctx_free(s);
	sealed_fini(&t);
}

Test(hpke, suites_and_free)
{
	struct hpke_suite	bad = hpke_suite_default;
	struct hpke_key		*k;

	cr_assert_eq(hpke_suite_check(&hpke_suite_default), 0);
	bad.kem = 0x0011;
	cr_assert_null(hpke_ctx_new(&bad));
	bad = hpke_suite_default;
	bad.kdf = 0x0002;
	cr_assert_null(hpke_ctx_new(&bad));
	bad = hpke_suite_default;
	bad.aead = 0x0003;
	cr_assert_null(hpke_ctx_new(&bad));
	cr_assert_null(hpke_ctx_new(NULL));
	cr_assert_null(hpke_key_new(0x0011));
	/* A key of one KEM cannot serve a suite of the other. */
	cr_assert_not_null(k = hpke_key_new(HPKE_KEM_X25519_SHA256));
	cr_assert_eq(hpke_seal(&hpke_suite_default, k, NULL, 0, NULL, 0, NULL,
	    0, (uint8_t [HPKE_MAX_ENC]){ 0 }, &(size_t){ HPKE_MAX_ENC },
	    (uint8_t [HPKE_TAG_LEN]){ 0 }), -1);
	hpke_key_free(k);
	hpke_key_free(NULL);
	hpke_ctx_free(NULL);
}

/*
 * hpke_key_dup (the daemon keeps the epoch key parsed and hands each job
 * a dup): the dup seals to the same recipient after the original is
 * freed, and carries the same public bytes.
 */
Test(hpke, dup_outlives_the_original)
{
	static const uint16_t	 kems[] = { HPKE_KEM_P256_SHA256,
	    HPKE_KEM_X25519_SHA256 };
	const uint8_t		 m[] = "dup", inf[] = "i";
	struct hpke_key		*sk, *pk, *d;
	uint8_t			 pub[HPKE_MAX_PUB], pub2[HPKE_MAX_PUB];
	uint8_t			 enc[HPKE_MAX_PUB], ct[sizeof(m) + HPKE_TAG_LEN];
	uint8_t			 pt[sizeof(m)];
	size_t			 publen, publen2, enclen, i;

	for (i = 0; i < sizeof(kems) / sizeof(kems[0]); i++) {
		cr_assert_not_null(sk = hpke_key_new(kems[i]));
		publen = sizeof(pub);
		cr_assert_eq(hpke_key_public(sk, pub, &publen), 0);
		cr_assert_not_null(pk = hpke_key_from_public(kems[i], pub,
		    publen));
		cr_assert_not_null(d = hpke_key_dup(pk));
		hpke_key_free(pk);
		publen2 = sizeof(pub2);
		cr_assert_eq(hpke_key_public(d, pub2, &publen2), 0);
		cr_assert_eq(publen2, publen);
		cr_assert_arr_eq(pub2, pub, publen);
		cr_assert_eq(hpke_key_has_private(d), 0);
		enclen = sizeof(enc);
		cr_assert_eq(hpke_seal(&(struct hpke_suite){ kems[i],
		    HPKE_KDF_HKDF_SHA256, HPKE_AEAD_AES256GCM }, d, inf,
		    sizeof(inf), NULL, 0, m, sizeof(m), enc, &enclen, ct), 0);
		hpke_key_free(d);
		cr_assert_eq(hpke_open(&(struct hpke_suite){ kems[i],
		    HPKE_KDF_HKDF_SHA256, HPKE_AEAD_AES256GCM }, sk, enc,
		    enclen, inf, sizeof(inf), NULL, 0, ct, sizeof(ct), pt), 0);
		cr_assert_arr_eq(pt, m, sizeof(m));
		hpke_key_free(sk);
	}
	cr_assert_null(hpke_key_dup(NULL));
}

/*
 * Seals from several threads at once, each thread on its own kept P-256
 * key-generation context (crypto/hpke.c): every seal opens, and no two of
 * the 4 x 64 ephemeral keys are the same.
 */
#define MT_THREADS	4
#define MT_SEALS	64

struct mt_arg {
	const struct hpke_key	*pk;
	uint8_t			 enc[MT_SEALS][HPKE_MAX_PUB];
	uint8_t			 ct[MT_SEALS][8 + HPKE_TAG_LEN];
	int			 failed;
};

static void *
mt_seal(void *arg)
{
	struct mt_arg	*a = arg;
	size_t		 enclen;
	int		 i;

	for (i = 0; i < MT_SEALS; i++) {
		enclen = HPKE_MAX_PUB;
		if (hpke_seal(&hpke_suite_default, a->pk, (const uint8_t *)"mt",
		    2, NULL, 0, (const uint8_t *)"threads!", 8, a->enc[i],
		    &enclen, a->ct[i]) == -1 || enclen != 65)
			a->failed = 1;
	}
	return (NULL);
}

Test(hpke, seals_from_many_threads)
{
	static struct mt_arg	 a[MT_THREADS];
	pthread_t		 t[MT_THREADS];
	struct hpke_key		*sk;
	uint8_t			 pt[8];
	int			 i, j, k, l;

	cr_assert_not_null(sk = hpke_key_new(HPKE_KEM_P256_SHA256));
	for (i = 0; i < MT_THREADS; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		a[i].pk = sk;
		cr_assert_eq(pthread_create(&t[i], NULL, mt_seal, &a[i]), 0);
	}
	for (i = 0; i < MT_THREADS; i++) {
		cr_assert_eq(pthread_join(t[i], NULL), 0);
		cr_assert_eq(a[i].failed, 0);
	}
	for (i = 0; i < MT_THREADS; i++)
		for (j = 0; j < MT_SEALS; j++) {
			cr_assert_eq(hpke_open(&hpke_suite_default, sk,
			    a[i].enc[j], 65, (const uint8_t *)"mt", 2, NULL, 0,
			    a[i].ct[j], sizeof(a[i].ct[j]), pt), 0);
			cr_assert_arr_eq(pt, "threads!", 8);
			for (k = i; k < MT_THREADS; k++)
				for (l = k == i ? j + 1 : 0; l < MT_SEALS; l++)
					cr_assert_neq(memcmp(a[i].enc[j],
					    a[k].enc[l], 65), 0,
					    "ephemeral key repeated");
		}
	hpke_key_free(sk);
}
