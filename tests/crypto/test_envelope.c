/*
 * Tests for crypto/envelope.c: round trips at every bucket boundary and
 * through both wire forms, opening by each recipient, and the refusals
 * the design relies on: wrong key, a wrap moved to another envelope,
 * category or key id, tampering, truncation, non-canonical encodings,
 * a DEK that does not match the commitment.  The worked example of
 * docs/crypto.md is recomputed from tests/data/envelope_example.json,
 * and every value of it must appear in the document, so the text
 * cannot drift from the code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto/envelope.h"
#include "crypto/hpke.h"

#define CATEGORY	"honour_violence"
#define NRCPT		3

/* Recipients: queue keys plus a recovery key, all of one KEM. */
struct fixture {
	struct hpke_suite		 suite;
	struct hpke_key			*sk[NRCPT];
	struct envelope_recipient	 r[NRCPT];
};

static void
fixture_init(struct fixture *f, const struct hpke_suite *s)
{
	size_t	i;

	memset(f, 0, sizeof(*f));
	f->suite = *s;
	for (i = 0; i < NRCPT; i++) {
		cr_assert_not_null(f->sk[i] = hpke_key_new(s->kem));
		cr_assert_eq(envelope_key_id(f->sk[i], f->r[i].r_key_id), 0);
		f->r[i].r_key = f->sk[i];
	}
}

static void
fixture_fini(struct fixture *f)
{
	size_t	i;

	for (i = 0; i < NRCPT; i++)
		hpke_key_free(f->sk[i]);
}

static uint8_t *
pattern(size_t len)
{
	uint8_t	*b;
	size_t	 i;

	cr_assert_not_null(b = malloc(len + 1));
	for (i = 0; i < len; i++)
		b[i] = (uint8_t)(i * 7 + 3);
	return (b);
}

static void
assert_opens(const struct envelope *e, struct fixture *f, size_t who,
    const uint8_t *pt, size_t ptlen)
{
	uint8_t	*out = NULL;
	size_t	 outlen = 0;

	cr_assert_eq(envelope_open(e, f->r[who].r_key_id, f->sk[who], &out,
	    &outlen), 0, "recipient %zu cannot open", who);
	cr_assert_eq(outlen, ptlen);
	cr_assert(ptlen == 0 || memcmp(out, pt, ptlen) == 0);
	OPENSSL_clear_free(out, outlen);
}

static void
assert_refused(const struct envelope *e, struct fixture *f, size_t who)
{
	uint8_t	*out = NULL;
	size_t	 outlen = 0;

	cr_assert_eq(envelope_open(e, f->r[who].r_key_id, f->sk[who], &out,
	    &outlen), -1, "tampered envelope opened by recipient %zu", who);
	cr_assert_null(out);
}

static struct envelope *
reparse_bytes(const struct envelope *e)
{
	struct envelope	*e2;
	uint8_t		*b;
	size_t		 blen;

	cr_assert_eq(envelope_to_bytes(e, &b, &blen), 0);
	e2 = envelope_from_bytes(b, blen);
	free(b);
	cr_assert_not_null(e2);
	return (e2);
}

static struct envelope *
reparse_json(const struct envelope *e)
{
	struct envelope	*e2;
	json_t		*j;
	char		*s;

	cr_assert_not_null(j = envelope_to_json(e));
	cr_assert_not_null(s = json_dumps(j, JSON_COMPACT));
	e2 = envelope_parse_json(s, strlen(s));
	free(s);
	json_decref(j);
	cr_assert_not_null(e2);
	return (e2);
}

Test(envelope, buckets)
{
	static const size_t	b[] = { 1024, 4096, 16384, 65536, 262144 };
	size_t			i;

	cr_assert_eq(envelope_bucket(0), 1024);
	for (i = 0; i < 5; i++) {
		cr_assert_eq(envelope_buckets[i], b[i]);
		cr_assert_eq(envelope_bucket(b[i] - 4), b[i]);
		cr_assert_eq(envelope_bucket(b[i] - 3),
		    i + 1 < 5 ? b[i + 1] : 0);
	}
	cr_assert_eq(envelope_bucket(ENVELOPE_MAX_CONTENT), 262144);
	cr_assert_eq(envelope_bucket(ENVELOPE_MAX_CONTENT + 1), 0);
}

/* Sizes 0 and each bucket's last fit and first overflow. */
Test(envelope, round_trip_bucket_boundaries)
{
	struct fixture	 f;
	struct envelope	*e, *e2, *e3;
	uint8_t		*pt;
	size_t		 sizes[12], n = 0, i, who, ctlen;

	fixture_init(&f, &hpke_suite_default);
	sizes[n++] = 0;
	for (i = 0; i < ENVELOPE_NBUCKETS; i++) {
		sizes[n++] = envelope_buckets[i] - 4;
		if (i + 1 < ENVELOPE_NBUCKETS)
			sizes[n++] = envelope_buckets[i] - 3;
	}
	for (i = 0; i < n; i++) {
		pt = pattern(sizes[i]);
		cr_assert_not_null(e = envelope_build(&f.suite, CATEGORY, f.r,
		    NRCPT, pt, sizes[i]), "build of %zu bytes", sizes[i]);
		cr_assert_not_null(envelope_ciphertext(e, &ctlen));
		cr_assert_eq(ctlen, envelope_bucket(sizes[i]) +
		    ENVELOPE_TAG_LEN);
		cr_assert_eq(envelope_nwraps(e), NRCPT);
		e2 = reparse_bytes(e);
		e3 = reparse_json(e);
		for (who = 0; who < NRCPT; who++) {
			assert_opens(e, &f, who, pt, sizes[i]);
			assert_opens(e2, &f, who, pt, sizes[i]);
			assert_opens(e3, &f, who, pt, sizes[i]);
		}
		envelope_free(e);
		envelope_free(e2);
		envelope_free(e3);
		free(pt);
	}
	fixture_fini(&f);
}

Test(envelope, other_suites)
{
	static const struct hpke_suite s[] = {
		{ HPKE_KEM_X25519_SHA256, HPKE_KDF_HKDF_SHA256,
		    HPKE_AEAD_AES256GCM },
		{ HPKE_KEM_X25519_SHA256, HPKE_KDF_HKDF_SHA256,
		    HPKE_AEAD_AES128GCM },
		{ HPKE_KEM_P256_SHA256, HPKE_KDF_HKDF_SHA256,
		    HPKE_AEAD_AES128GCM },
	};
	struct fixture	 f;
	struct envelope	*e, *e2;
	size_t		 i;

	for (i = 0; i < 3; i++) {
		fixture_init(&f, &s[i]);
		cr_assert_not_null(e = envelope_build(&f.suite, CATEGORY, f.r,
		    NRCPT, (const uint8_t *)"x", 1));
		e2 = reparse_json(e);
		assert_opens(e2, &f, 2, (const uint8_t *)"x", 1);
		envelope_free(e);
		envelope_free(e2);
		fixture_fini(&f);
	}
}

Test(envelope, build_refusals)
{
	struct fixture			f, g;
	struct envelope_recipient	r[NRCPT + 1];
	uint8_t				*big;

	fixture_init(&f, &hpke_suite_default);
	big = pattern(ENVELOPE_MAX_CONTENT + 1);
	cr_assert_null(envelope_build(&f.suite, CATEGORY, f.r, NRCPT, big,
	    ENVELOPE_MAX_CONTENT + 1));
	cr_assert_null(envelope_build(&f.suite, CATEGORY, f.r, 0, big, 1));
	cr_assert_null(envelope_build(&f.suite, "", f.r, 1, big, 1));
	cr_assert_null(envelope_build(&f.suite, "Honour", f.r, 1, big, 1));
	cr_assert_null(envelope_build(&f.suite, "a b", f.r, 1, big, 1));
	/* Two wraps with one key id. */
	memcpy(r, f.r, sizeof(f.r));
	r[NRCPT] = f.r[0];
	cr_assert_null(envelope_build(&f.suite, CATEGORY, r, NRCPT + 1, big,
	    1));
	/* A recipient key of the other KEM. */
	fixture_init(&g, &(struct hpke_suite){ HPKE_KEM_X25519_SHA256,
	    HPKE_KDF_HKDF_SHA256, HPKE_AEAD_AES256GCM });
	cr_assert_null(envelope_build(&f.suite, CATEGORY, g.r, 1, big, 1));
	free(big);
	fixture_fini(&f);
	fixture_fini(&g);
}

Test(envelope, wrong_key_refused)
{
	struct fixture	 f;
	struct hpke_key	*other;
	struct envelope	*e;
	uint8_t		*out = NULL, dek[ENVELOPE_DEK_LEN], id[16] = { 0 };
	size_t		 outlen;

	fixture_init(&f, &hpke_suite_default);
	cr_assert_not_null(e = envelope_build(&f.suite, CATEGORY, f.r, 2,
	    (const uint8_t *)"secret", 6));
	cr_assert_not_null(other = hpke_key_new(HPKE_KEM_P256_SHA256));
	cr_assert_eq(envelope_open(e, f.r[0].r_key_id, other, &out, &outlen),
	    -1);
	/* Recipient 1's key under recipient 0's id, and an unknown id. */
	cr_assert_eq(envelope_open(e, f.r[0].r_key_id, f.sk[1], &out, &outlen),
	    -1);
	cr_assert_eq(envelope_open(e, id, f.sk[0], &out, &outlen), -1);
	/* The third key was not a recipient at all. */
	cr_assert_eq(envelope_unwrap(e, f.r[2].r_key_id, f.sk[2], dek), -1);
	cr_assert_null(out);
	assert_opens(e, &f, 0, (const uint8_t *)"secret", 6);
	hpke_key_free(other);
	envelope_free(e);
	fixture_fini(&f);
}

/* Rebuild an envelope from pieces, with another category or wrap set. */
static struct envelope *
copy_with(const struct envelope *src, const char *category,
    const struct envelope *wrap_src, size_t wrap_idx)
{
	struct envelope			*e;
	const struct envelope_wrap	*w;
	const uint8_t			*ct;
	size_t				 ctlen, i;

	ct = envelope_ciphertext(src, &ctlen);
	cr_assert_not_null(e = envelope_new(envelope_version(src),
	    envelope_suite(src), category, envelope_nonce(src),
	    ENVELOPE_NONCE_LEN, envelope_commit(src), ENVELOPE_COMMIT_LEN,
	    ct, ctlen));
	for (i = 0; i < envelope_nwraps(src); i++) {
		w = envelope_wrap_at(src, i);
		if (wrap_src != NULL && i == wrap_idx)
			w = envelope_wrap_at(wrap_src, i);
		cr_assert_eq(envelope_add_wrap(e, w->w_key_id,
		    ENVELOPE_KEYID_LEN, w->w_enc, w->w_enclen, w->w_dek,
		    ENVELOPE_WRAPPED_LEN), 0);
	}
	return (e);
}

Test(envelope, moved_wrap_refused)
{
	struct fixture	 f;
	struct envelope	*a, *b, *m;
	const uint8_t	 pa[] = "report A", pb[] = "report B";

	fixture_init(&f, &hpke_suite_default);
	cr_assert_not_null(a = envelope_build(&f.suite, CATEGORY, f.r, NRCPT,
	    pa, sizeof(pa)));
	cr_assert_not_null(b = envelope_build(&f.suite, CATEGORY, f.r, NRCPT,
	    pb, sizeof(pb)));

	/* The identity copy opens: copy_with() itself is sound. */
	m = copy_with(a, CATEGORY, NULL, 0);
	assert_opens(m, &f, 0, pa, sizeof(pa));
	envelope_free(m);

	/* A's wrap for recipient 1 moved into B. */
	m = copy_with(b, CATEGORY, a, 1);
	assert_refused(m, &f, 1);
	assert_opens(m, &f, 0, pb, sizeof(pb));
	envelope_free(m);

	/* A whole envelope relabelled with another category. */
	m = copy_with(a, "foreign_interference", NULL, 0);
	assert_refused(m, &f, 0);
	assert_refused(m, &f, 1);
	envelope_free(m);

	envelope_free(a);
	envelope_free(b);
	fixture_fini(&f);
}

Test(envelope, relabelled_key_id_refused)
{
	struct fixture			 f;
	struct envelope			*a, *m;
	const struct envelope_wrap	*w;
	const uint8_t			*ct;
	size_t				 ctlen;
	uint8_t				*out;

	fixture_init(&f, &hpke_suite_default);
	cr_assert_not_null(a = envelope_build(&f.suite, CATEGORY, f.r, 1,
	    (const uint8_t *)"x", 1));
	ct = envelope_ciphertext(a, &ctlen);
	cr_assert_not_null(m = envelope_new(1, &f.suite, CATEGORY,
	    envelope_nonce(a), 12, envelope_commit(a), 32, ct, ctlen));
	/* Recipient 0's wrap filed under recipient 1's id. */
	w = envelope_wrap_at(a, 0);
	cr_assert_eq(envelope_add_wrap(m, f.r[1].r_key_id, 16, w->w_enc,
	    w->w_enclen, w->w_dek, 48), 0);
	cr_assert_eq(envelope_open(m, f.r[1].r_key_id, f.sk[0], &out,
	    &(size_t){ 0 }), -1);
	envelope_free(m);
	envelope_free(a);
	fixture_fini(&f);
}

/*
 * A sender who seals a different DEK to one recipient, with every other
 * byte of the wrap made by the documented rules, is caught by the
 * commitment: this is the only check that stops it.
 */
Test(envelope, dek_commitment_enforced)
{
	struct fixture	 f;
	struct envelope	*a, *m;
	uint8_t		 info[128], aad[44], dek2[32], enc[65], wd[48];
	uint8_t		 dek[32];
	size_t		 infolen = 0, enclen = sizeof(enc), ctlen;
	const uint8_t	*ct;

	fixture_init(&f, &hpke_suite_default);
	cr_assert_not_null(a = envelope_build(&f.suite, CATEGORY, f.r, 1,
	    (const uint8_t *)"x", 1));
	memcpy(info, "meldpunt-envelope-wrap", 22);
	infolen = 22;
	info[infolen++] = 1;
	info[infolen++] = sizeof(CATEGORY) - 1;
	memcpy(info + infolen, CATEGORY, sizeof(CATEGORY) - 1);
	infolen += sizeof(CATEGORY) - 1;
	memcpy(info + infolen, f.r[1].r_key_id, 16);
	infolen += 16;
	memcpy(aad, envelope_nonce(a), 12);
	memcpy(aad + 12, envelope_commit(a), 32);
	memset(dek2, 0x42, sizeof(dek2));
	cr_assert_eq(hpke_seal(&f.suite, f.sk[1], info, infolen, aad,
	    sizeof(aad), dek2, 32, enc, &enclen, wd), 0);
	ct = envelope_ciphertext(a, &ctlen);
	cr_assert_not_null(m = envelope_new(1, &f.suite, CATEGORY,
	    envelope_nonce(a), 12, envelope_commit(a), 32, ct, ctlen));
	cr_assert_eq(envelope_add_wrap(m, f.r[1].r_key_id, 16, enc, enclen,
	    wd, 48), 0);
	cr_assert_eq(envelope_unwrap(m, f.r[1].r_key_id, f.sk[1], dek), -1);
	/* The same wrap with the right DEK is accepted: the rules match. */
	cr_assert_eq(envelope_unwrap(a, f.r[0].r_key_id, f.sk[0], dek), 0);
	enclen = sizeof(enc);
	cr_assert_eq(hpke_seal(&f.suite, f.sk[1], info, infolen, aad,
	    sizeof(aad), dek, 32, enc, &enclen, wd), 0);
	envelope_free(m);
	cr_assert_not_null(m = envelope_new(1, &f.suite, CATEGORY,
	    envelope_nonce(a), 12, envelope_commit(a), 32, ct, ctlen));
	cr_assert_eq(envelope_add_wrap(m, f.r[1].r_key_id, 16, enc, enclen,
	    wd, 48), 0);
	assert_opens(m, &f, 1, (const uint8_t *)"x", 1);
	/* decrypt() checks the commitment too. */
	cr_assert_eq(envelope_decrypt(m, dek2, &(uint8_t *){ NULL },
	    &(size_t){ 0 }), -1);
	OPENSSL_cleanse(dek, sizeof(dek));
	envelope_free(m);
	envelope_free(a);
	fixture_fini(&f);
}

/*
 * Flip one bit at `off' of the binary form and expect a refusal for both
 * recipients, or, for a flip inside the first wrap (wrap0 set), for
 * recipient 0 only while recipient 1 still opens.
 */
static void
flip_and_refuse(const uint8_t *b, size_t blen, size_t off, struct fixture *f,
    const char *what, int wrap0)
{
	struct envelope	*m;
	uint8_t		*c, *out;
	size_t		 who, outlen;
	int		 rc;

	cr_assert_not_null(c = malloc(blen));
	memcpy(c, b, blen);
	c[off] ^= 0x01;
	if ((m = envelope_from_bytes(c, blen)) != NULL) {
		for (who = 0; who < 2; who++) {
			out = NULL;
			rc = envelope_open(m, f->r[who].r_key_id, f->sk[who],
			    &out, &outlen);
			cr_assert_eq(rc, wrap0 && who == 1 ? 0 : -1,
			    "flip in %s at %zu: recipient %zu got %d", what,
			    off, who, rc);
			if (out != NULL)
				OPENSSL_clear_free(out, outlen);
		}
		envelope_free(m);
	}
	free(c);
}

Test(envelope, tamper_refused)
{
	struct fixture	 f;
	struct envelope	*e;
	uint8_t		*b;
	size_t		 blen, catlen = sizeof(CATEGORY) - 1, off, ctoff;
	size_t		 ctlen, woff;

	fixture_init(&f, &hpke_suite_default);
	cr_assert_not_null(e = envelope_build(&f.suite, CATEGORY, f.r, 2,
	    (const uint8_t *)"narrative", 9));
	cr_assert_eq(envelope_to_bytes(e, &b, &blen), 0);
	envelope_ciphertext(e, &ctlen);
	/* Offsets per the documented binary layout. */
	off = 11 + catlen;			/* content nonce */
	ctoff = off + 12 + 32 + 4;		/* ciphertext */
	woff = ctoff + ctlen + 1;		/* first wrap */
	cr_assert_eq(blen, woff + 2 * (16 + 65 + 48));
	flip_and_refuse(b, blen, 3, &f, "version", 0);
	flip_and_refuse(b, blen, 5, &f, "kem", 0);
	flip_and_refuse(b, blen, 9, &f, "aead", 0);
	flip_and_refuse(b, blen, 11, &f, "category", 0);
	flip_and_refuse(b, blen, off, &f, "nonce", 0);
	flip_and_refuse(b, blen, off + 11, &f, "nonce", 0);
	flip_and_refuse(b, blen, off + 12, &f, "commit", 0);
	flip_and_refuse(b, blen, off + 12 + 31, &f, "commit", 0);
	flip_and_refuse(b, blen, ctoff, &f, "ciphertext", 0);
	flip_and_refuse(b, blen, ctoff + 500, &f, "ciphertext", 0);
	flip_and_refuse(b, blen, ctoff + ctlen - 1, &f, "tag", 0);
	flip_and_refuse(b, blen, woff, &f, "key id", 1);
	flip_and_refuse(b, blen, woff + 16 + 10, &f, "enc", 1);
	flip_and_refuse(b, blen, woff + 16 + 65, &f, "wrapped dek", 1);
	flip_and_refuse(b, blen, woff + 16 + 65 + 47, &f, "wrapped tag", 1);
	/* The untouched bytes still open, so each refusal is the flip's. */
	envelope_free(e);
	cr_assert_not_null(e = envelope_from_bytes(b, blen));
	assert_opens(e, &f, 0, (const uint8_t *)"narrative", 9);
	assert_opens(e, &f, 1, (const uint8_t *)"narrative", 9);
	free(b);
	envelope_free(e);
	fixture_fini(&f);
}

Test(envelope, truncated_or_extended_refused)
{
	struct fixture	 f;
	struct envelope	*e;
	uint8_t		*b, *c;
	size_t		 blen, len;

	fixture_init(&f, &hpke_suite_default);
	cr_assert_not_null(e = envelope_build(&f.suite, CATEGORY, f.r, 2,
	    (const uint8_t *)"x", 1));
	cr_assert_eq(envelope_to_bytes(e, &b, &blen), 0);
	for (len = 0; len < blen; len++)
		cr_assert_null(envelope_from_bytes(b, len),
		    "prefix of %zu bytes parsed", len);
	cr_assert_not_null(c = malloc(blen + 1));
	memcpy(c, b, blen);
	c[blen] = 0;
	cr_assert_null(envelope_from_bytes(c, blen + 1));
	/* A ciphertext length that is not bucket + tag. */
	cr_assert_null(envelope_new(1, &f.suite, CATEGORY, c, 12, c, 32, c,
	    1000 + 16));
	cr_assert_null(envelope_new(1, &f.suite, CATEGORY, c, 12, c, 32, c,
	    1024));
	cr_assert_null(envelope_new(2, &f.suite, CATEGORY, c, 12, c, 32, c,
	    1024 + 16));
	cr_assert_null(envelope_new(1, &f.suite, CATEGORY, c, 11, c, 32, c,
	    1024 + 16));
	free(c);
	free(b);
	envelope_free(e);
	fixture_fini(&f);
}

/* Parse a JSON text built by editing a valid envelope's JSON. */
static json_t *
valid_json(struct fixture *f)
{
	struct envelope	*e;
	json_t		*j;

	cr_assert_not_null(e = envelope_build(&f->suite, CATEGORY, f->r, 2,
	    (const uint8_t *)"x", 1));
	cr_assert_not_null(j = envelope_to_json(e));
	envelope_free(e);
	return (j);
}

static int
parses(json_t *j)
{
	struct envelope	*e = envelope_from_json(j);
	char		*s;
	int		 ok = e != NULL;

	envelope_free(e);
	/* The text path must agree with the object path. */
	cr_assert_not_null(s = json_dumps(j, JSON_COMPACT));
	e = envelope_parse_json(s, strlen(s));
	cr_assert_eq(ok, e != NULL);
	envelope_free(e);
	free(s);
	return (ok);
}

static void
refuse_edit(struct fixture *f, const char *path, json_t *value)
{
	json_t	*j = valid_json(f), *o = j;
	char	 key[32];
	const char *dot;

	cr_assert(parses(j));
	if ((dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(j, key);
		if (json_is_array(o))
			o = json_array_get(o, 0);
		path = dot + 1;
	}
	if (value == NULL)
		json_object_del(o, path);
	else
		json_object_set_new(o, path, value);
	cr_assert(!parses(j), "edit of %s accepted", path);
	json_decref(j);
}

Test(envelope, json_strict)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct fixture	 f;
	json_t		*j, *w, *x, *valid_json_kept;
	const char	*s;
	char		*t, id[33];
	size_t		 i;

	fixture_init(&f, &hpke_suite_default);
	cr_assert(parses(valid_json_kept = valid_json(&f)));
	json_decref(valid_json_kept);
	refuse_edit(&f, "version", json_integer(2));
	refuse_edit(&f, "version", json_string("1"));
	refuse_edit(&f, "version", NULL);
	refuse_edit(&f, "extra", json_true());
	refuse_edit(&f, "suite.kem", json_integer(0x11));
	refuse_edit(&f, "suite.kem", json_integer(0x10010));
	refuse_edit(&f, "suite.aead", json_integer(3));
	refuse_edit(&f, "suite.kdf", NULL);
	refuse_edit(&f, "category", json_string("Honour"));
	refuse_edit(&f, "category", json_string(""));
	refuse_edit(&f, "category", json_integer(1));
	refuse_edit(&f, "content_nonce", json_string("AAAAAAAAAAAAAAA="));
	refuse_edit(&f, "content_nonce", json_string("AAAAAAAAAAAAAAAA "));
	refuse_edit(&f, "dek_commit", json_string("AAAA"));
	refuse_edit(&f, "ciphertext", json_string("AAAA"));
	refuse_edit(&f, "ciphertext", json_null());
	refuse_edit(&f, "wraps", json_array());
	refuse_edit(&f, "wraps", json_object());
	refuse_edit(&f, "wraps.key_id", json_string("00"));
	refuse_edit(&f, "wraps.key_id",
	    json_string("ABCDEF00000000000000000000000000"));
	refuse_edit(&f, "wraps.key_id",
	    json_string("g0000000000000000000000000000000"));
	refuse_edit(&f, "wraps.enc", json_string("AAAA"));
	refuse_edit(&f, "wraps.wrapped_dek", NULL);
	refuse_edit(&f, "wraps.extra", json_integer(1));

	/* Non-canonical base64: padding bits set, missing padding. */
	j = valid_json(&f);
	s = json_string_value(json_object_get(j, "content_nonce"));
	cr_assert_eq(strlen(s), 16);	/* 12 bytes: no padding at all */
	t = strdup(json_string_value(json_object_get(j, "dek_commit")));
	cr_assert_eq(t[43], '=');
	/* Set a low bit of the last character, which 32 bytes leave unused. */
	i = strchr(b64, t[42]) - b64;
	t[42] = b64[(i & ~3U) | 1];
	json_object_set_new(j, "dek_commit", json_string(t));
	cr_assert(!parses(j));
	t[43] = '\0';
	json_object_set_new(j, "dek_commit", json_string(t));
	cr_assert(!parses(j));
	free(t);
	json_decref(j);

	/* Two wraps with one key id. */
	j = valid_json(&f);
	w = json_object_get(j, "wraps");
	json_array_append(w, json_array_get(w, 0));
	cr_assert(!parses(j));
	json_decref(j);

	/* Sixteen wraps with distinct ids parse; seventeen do not. */
	j = valid_json(&f);
	w = json_object_get(j, "wraps");
	for (i = 2; i < ENVELOPE_MAX_WRAPS + 1; i++) {
		cr_assert_not_null(x = json_deep_copy(json_array_get(w, 1)));
		snprintf(id, sizeof(id), "%032zx", i);
		json_object_set_new(x, "key_id", json_string(id));
		json_array_append_new(w, x);
		cr_assert_eq(parses(j),
		    json_array_size(w) <= ENVELOPE_MAX_WRAPS, "%zu wraps",
		    json_array_size(w));
	}
	json_decref(j);

	/* Duplicate members and garbage text. */
	s = "{\"version\":1,\"version\":1}";
	cr_assert_null(envelope_parse_json(s, strlen(s)));
	cr_assert_null(envelope_parse_json("[]", 2));
	cr_assert_null(envelope_parse_json("{", 1));
	cr_assert_null(envelope_parse_json("", 0));
	cr_assert_null(envelope_from_json(NULL));
	fixture_fini(&f);
}

Test(envelope, rewrap_and_drop)
{
	struct fixture	 f;
	struct envelope	*e, *e2;
	struct hpke_key	*other;
	const uint8_t	 pt[] = "case moves to another queue";
	uint8_t		 ids[1][ENVELOPE_KEYID_LEN];

	fixture_init(&f, &hpke_suite_default);
	/* Built for recipients 0 and 1 (queue and recovery). */
	cr_assert_not_null(e = envelope_build(&f.suite, CATEGORY, f.r, 2, pt,
	    sizeof(pt)));
	assert_refused(e, &f, 2);
	/* Only a holder of a wrapped key can re-wrap. */
	cr_assert_not_null(other = hpke_key_new(HPKE_KEM_P256_SHA256));
	cr_assert_eq(envelope_rewrap(e, f.r[0].r_key_id, other, &f.r[2]), -1);
	cr_assert_eq(envelope_rewrap(e, f.r[0].r_key_id, f.sk[0], &f.r[1]),
	    -1, "a second wrap for one key id");
	cr_assert_eq(envelope_rewrap(e, f.r[0].r_key_id, f.sk[0], &f.r[2]), 0);
	cr_assert_eq(envelope_nwraps(e), 3);
	assert_opens(e, &f, 2, pt, sizeof(pt));
	/* The old queue's wrap goes; the new one and recovery stay. */
	cr_assert_eq(envelope_drop_wrap(e, f.r[0].r_key_id), 0);
	cr_assert_eq(envelope_drop_wrap(e, f.r[0].r_key_id), -1);
	cr_assert_eq(envelope_find_wrap(e, f.r[0].r_key_id), -1);
	assert_refused(e, &f, 0);
	e2 = reparse_json(e);
	assert_opens(e2, &f, 2, pt, sizeof(pt));
	assert_opens(e2, &f, 1, pt, sizeof(pt));
	/* keep_wraps: unknown ids refused, the last wrap never dropped. */
	memcpy(ids[0], f.r[0].r_key_id, ENVELOPE_KEYID_LEN);
	cr_assert_eq(envelope_keep_wraps(e2, ids, 1), -1);
	cr_assert_eq(envelope_nwraps(e2), 2);
	memcpy(ids[0], f.r[2].r_key_id, ENVELOPE_KEYID_LEN);
	cr_assert_eq(envelope_keep_wraps(e2, ids, 1), 0);
	cr_assert_eq(envelope_nwraps(e2), 1);
	cr_assert_eq(envelope_drop_wrap(e2, f.r[2].r_key_id), -1);
	assert_opens(e2, &f, 2, pt, sizeof(pt));
	assert_refused(e2, &f, 1);
	hpke_key_free(other);
	envelope_free(e);
	envelope_free(e2);
	fixture_fini(&f);
}

Test(envelope, items)
{
	uint8_t		 dek[32], dek2[32], *it, *out, *pt;
	size_t		 itlen, outlen, n;
	const uint8_t	 ctx[] = "note:case-17", ctx2[] = "note:case-18";

	memset(dek, 0x11, sizeof(dek));
	memset(dek2, 0x12, sizeof(dek2));
	for (n = 0; n <= 600; n += 252) {
		pt = pattern(n);
		cr_assert_eq(envelope_item_seal(dek, ctx, sizeof(ctx), pt, n,
		    &it, &itlen), 0);
		cr_assert_eq((itlen - 29) % ENVELOPE_ITEM_BLOCK, 0);
		cr_assert_geq(itlen - 29, n + 4);
		cr_assert_eq(envelope_item_open(dek, ctx, sizeof(ctx), it,
		    itlen, &out, &outlen), 0);
		cr_assert(outlen == n && memcmp(out, pt, n) == 0);
		OPENSSL_clear_free(out, outlen);
		cr_assert_eq(envelope_item_open(dek, ctx2, sizeof(ctx2), it,
		    itlen, &out, &outlen), -1);
		cr_assert_eq(envelope_item_open(dek2, ctx, sizeof(ctx), it,
		    itlen, &out, &outlen), -1);
		it[itlen / 2] ^= 0x80;
		cr_assert_eq(envelope_item_open(dek, ctx, sizeof(ctx), it,
		    itlen, &out, &outlen), -1);
		it[itlen / 2] ^= 0x80;
		cr_assert_eq(envelope_item_open(dek, ctx, sizeof(ctx), it,
		    itlen - 1, &out, &outlen), -1);
		it[0] = 2;
		cr_assert_eq(envelope_item_open(dek, ctx, sizeof(ctx), it,
		    itlen, &out, &outlen), -1);
		free(it);
		free(pt);
	}
	pt = pattern(ENVELOPE_MAX_ITEM + 1);
	cr_assert_eq(envelope_item_seal(dek, NULL, 0, pt,
	    ENVELOPE_MAX_ITEM + 1, &it, &itlen), -1);
	cr_assert_eq(envelope_item_seal(dek, NULL, 0, pt, ENVELOPE_MAX_ITEM,
	    &it, &itlen), 0);
	cr_assert_eq(itlen, 29 + ENVELOPE_MAX_BUCKET);
	free(it);
	free(pt);
}

/* The case key of an envelope seals notes; a foreign DEK cannot read them. */
Test(envelope, unwrap_then_items)
{
	struct fixture	 f;
	struct envelope	*e;
	uint8_t		 dek[32], *it, *out;
	size_t		 itlen, outlen;

	fixture_init(&f, &hpke_suite_default);
	cr_assert_not_null(e = envelope_build(&f.suite, CATEGORY, f.r, 1,
	    (const uint8_t *)"x", 1));
	cr_assert_eq(envelope_unwrap(e, f.r[0].r_key_id, f.sk[0], dek), 0);
	cr_assert_eq(envelope_decrypt(e, dek, &out, &outlen), 0);
	cr_assert(outlen == 1 && out[0] == 'x');
	OPENSSL_clear_free(out, outlen);
	cr_assert_eq(envelope_item_seal(dek, NULL, 0, (const uint8_t *)"n", 1,
	    &it, &itlen), 0);
	cr_assert_eq(envelope_item_open(dek, NULL, 0, it, itlen, &out,
	    &outlen), 0);
	OPENSSL_clear_free(out, outlen);
	OPENSSL_cleanse(dek, sizeof(dek));
	free(it);
	envelope_free(e);
	envelope_free(NULL);
	fixture_fini(&f);
}

/*
 * The worked example of docs/crypto.md section 2.  Inputs and expected
 * outputs live in tests/data/envelope_example.json; the byte strings
 * that a client computes by hand (AAD, info) are built here from the
 * documented layout, not taken from envelope.c.
 */
static char *
top_path(const char *rel)
{
	const char	*top = getenv("MELDPUNT_TOP");
	char		*p;

	cr_assert(asprintf(&p, "%s/%s", top == NULL ? "." : top, rel) != -1);
	return (p);
}

static uint8_t *
unhex(const char *s, size_t *len)
{
	size_t		 n = strlen(s), i;
	uint8_t		*b;
	unsigned int	 v;

	cr_assert_not_null(b = malloc(n / 2 + 1));
	for (i = 0; i < n / 2; i++) {
		cr_assert(sscanf(s + 2 * i, "%2x", &v) == 1);
		b[i] = (uint8_t)v;
	}
	*len = n / 2;
	return (b);
}

static char *
tohex(const uint8_t *b, size_t n)
{
	char	*s;
	size_t	 i;

	cr_assert_not_null(s = malloc(2 * n + 1));
	for (i = 0; i < n; i++)
		snprintf(s + 2 * i, 3, "%02x", b[i]);
	return (s);
}

static void
assert_hex(const char *want, const uint8_t *b, size_t n, const char *what)
{
	char	*got = tohex(b, n);

	cr_assert_str_eq(got, want, "example %s differs", what);
	free(got);
}

static const char *
jstr(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	cr_assert(json_is_string(v), "example lacks %s", key);
	return (json_string_value(v));
}

/* Every string value of the example must occur in docs/crypto.md. */
static void
assert_in_doc(const char *doc, json_t *v, const char *where)
{
	const char	*k;
	json_t		*x;
	size_t		 i;

	if (json_is_string(v))
		cr_assert_not_null(strstr(doc, json_string_value(v)),
		    "docs/crypto.md lacks the example's %s", where);
	else if (json_is_object(v)) {
		json_object_foreach(v, k, x)
			assert_in_doc(doc, x, k);
	} else if (json_is_array(v))
		json_array_foreach(v, i, x)
			assert_in_doc(doc, x, where);
}

static char *
slurp(const char *path)
{
	FILE	*fp;
	char	*buf;
	long	 n;

	cr_assert_not_null(fp = fopen(path, "r"), "cannot read %s", path);
	cr_assert_eq(fseek(fp, 0, SEEK_END), 0);
	cr_assert_geq(n = ftell(fp), 0);
	rewind(fp);
	cr_assert_not_null(buf = malloc(n + 1));
	cr_assert_eq(fread(buf, 1, n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return (buf);
}

Test(envelope, documented_example)
{
	json_t				*ex, *exp, *rs, *r, *got;
	json_error_t			 err;
	struct hpke_key			*sk[2], *eph[2];
	struct envelope_recipient	 rc[2];
	struct envelope			*e;
	uint8_t				*ikm, *dek, *nonce, buf[256], *b, *out;
	uint8_t				 ss[32], enc[65], key[32], bn[12];
	uint8_t				 xs[32];
	uint8_t				 md[32];
	const char			*cat, *pt;
	char				*path, *doc;
	size_t				 len, n, i, catlen, outlen, klen;
	unsigned int			 mdlen;
	struct hpke_ctx			*c;

	path = top_path("tests/data/envelope_example.json");
	cr_assert_not_null(ex = json_load_file(path, 0, &err),
	    "cannot read %s: %s", path, err.text);
	free(path);
	exp = json_object_get(ex, "expected");
	rs = json_object_get(ex, "recipients");
	cr_assert_eq(json_array_size(rs), 2);
	cat = jstr(ex, "category");
	catlen = strlen(cat);
	pt = jstr(ex, "plaintext");
	dek = unhex(jstr(ex, "dek"), &len);
	cr_assert_eq(len, 32);
	nonce = unhex(jstr(ex, "content_nonce"), &len);
	cr_assert_eq(len, 12);

	/* content AAD = "meldpunt-envelope-content" || 01 || len || cat */
	n = 0;
	memcpy(buf, "meldpunt-envelope-content", 25);
	n = 25;
	buf[n++] = 1;
	buf[n++] = (uint8_t)catlen;
	memcpy(buf + n, cat, catlen);
	n += catlen;
	assert_hex(jstr(exp, "content_aad"), buf, n, "content_aad");
	/* commit = SHA-256("meldpunt-envelope-commit" || DEK) */
	memcpy(buf, "meldpunt-envelope-commit", 24);
	memcpy(buf + 24, dek, 32);
	cr_assert_eq(EVP_Digest(buf, 56, md, &mdlen, EVP_sha256(), NULL), 1);
	assert_hex(jstr(exp, "dek_commit"), md, 32, "dek_commit");
	memcpy(buf, nonce, 12);
	memcpy(buf + 12, md, 32);
	assert_hex(jstr(exp, "wrap_aad"), buf, 44, "wrap_aad");

	for (i = 0; i < 2; i++) {
		r = json_array_get(rs, i);
		ikm = unhex(jstr(r, "ikm"), &len);
		cr_assert_not_null(sk[i] = hpke_key_derive(HPKE_KEM_P256_SHA256,
		    ikm, len));
		free(ikm);
		ikm = unhex(jstr(r, "ikmE"), &len);
		eph[i] = hpke_key_derive(HPKE_KEM_P256_SHA256, ikm, len);
		cr_assert_not_null(eph[i]);
		free(ikm);
		len = sizeof(buf);
		cr_assert_eq(hpke_key_private(sk[i], buf, &len), 0);
		assert_hex(jstr(r, "skRm"), buf, len, "skRm");
		len = sizeof(buf);
		cr_assert_eq(hpke_key_public(sk[i], buf, &len), 0);
		assert_hex(jstr(r, "pkRm"), buf, len, "pkRm");
		/* key id = SHA-256("meldpunt-key-id" || 0010 || pkRm)[0..16] */
		memmove(buf + 17, buf, len);
		memcpy(buf, "meldpunt-key-id\x00\x10", 17);
		cr_assert_eq(EVP_Digest(buf, 17 + len, md, &mdlen, EVP_sha256(),
		    NULL), 1);
		assert_hex(jstr(r, "key_id"), md, 16, "key_id");
		cr_assert_eq(envelope_key_id(sk[i], rc[i].r_key_id), 0);
		cr_assert(memcmp(md, rc[i].r_key_id, 16) == 0);
		rc[i].r_key = sk[i];
		len = sizeof(buf);
		cr_assert_eq(hpke_key_public(eph[i], buf, &len), 0);
		assert_hex(jstr(r, "pkEm"), buf, len, "pkEm");
		len = sizeof(buf);
		cr_assert_eq(hpke_key_private(eph[i], buf, &len), 0);
		assert_hex(jstr(r, "skEm"), buf, len, "skEm");
		/* info = "meldpunt-envelope-wrap" || 01 || len || cat || id */
		memcpy(buf, "meldpunt-envelope-wrap", 22);
		n = 22;
		buf[n++] = 1;
		buf[n++] = (uint8_t)catlen;
		memcpy(buf + n, cat, catlen);
		n += catlen;
		memcpy(buf + n, rc[i].r_key_id, 16);
		n += 16;
		assert_hex(jstr(r, "wrap_info"), buf, n, "wrap_info");
		len = sizeof(enc);
		cr_assert_eq(hpke_encap(sk[i], eph[i], ss, enc, &len), 0);
		assert_hex(jstr(r, "shared_secret"), ss, 32, "shared_secret");
		cr_assert_not_null(c = hpke_ctx_new(&hpke_suite_default));
		len = sizeof(enc);
		cr_assert_eq(hpke_setup_base_s(c, sk[i], eph[i], buf, n, enc,
		    &len), 0);
		klen = sizeof(key);
		cr_assert_eq(hpke_ctx_secrets(c, key, &klen, bn, xs), 0);
		assert_hex(jstr(r, "key"), key, klen, "key");
		assert_hex(jstr(r, "base_nonce"), bn, 12, "base_nonce");
		hpke_ctx_free(c);
	}

	/* The envelope itself, in JSON and binary form. */
	cr_assert_not_null(e = envelope_build_fixed(&hpke_suite_default, cat,
	    rc, 2, (const uint8_t *)pt, strlen(pt), dek, nonce,
	    (const struct hpke_key *const *)eph));
	cr_assert_not_null(got = envelope_to_json(e));
	cr_assert(json_equal(got, json_object_get(exp, "envelope")),
	    "example envelope JSON differs");
	json_decref(got);
	cr_assert_eq(envelope_to_bytes(e, &b, &len), 0);
	cr_assert_eq(len, (size_t)json_integer_value(json_object_get(exp,
	    "binary_length")));
	cr_assert_eq(EVP_Digest(b, len, md, &mdlen, EVP_sha256(), NULL), 1);
	assert_hex(jstr(exp, "binary_sha256"), md, 32, "binary_sha256");
	free(b);
	cr_assert_eq((size_t)json_integer_value(json_object_get(exp,
	    "bucket")), envelope_bucket(strlen(pt)));
	memset(buf, 0, 4);
	buf[2] = strlen(pt) >> 8;
	buf[3] = strlen(pt) & 0xff;
	memcpy(buf + 4, pt, strlen(pt));
	assert_hex(jstr(exp, "padded_prefix"), buf, 4 + strlen(pt),
	    "padded_prefix");
	for (i = 0; i < 2; i++) {
		cr_assert_eq(envelope_open(e, rc[i].r_key_id, sk[i], &out,
		    &outlen), 0);
		cr_assert(outlen == strlen(pt) && memcmp(out, pt, outlen) == 0);
		OPENSSL_clear_free(out, outlen);
	}

	/* And the document shows exactly these values. */
	path = top_path("docs/crypto.md");
	doc = slurp(path);
	assert_in_doc(doc, ex, "inputs");
	free(doc);
	free(path);

	envelope_free(e);
	for (i = 0; i < 2; i++) {
		hpke_key_free(sk[i]);
		hpke_key_free(eph[i]);
	}
	free(dek);
	free(nonce);
	json_decref(ex);
}
