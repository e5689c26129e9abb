/*
 * crypto/casekey.c: the case-key layer and the case-key wrap to an epoch
 * key (docs/crypto.md §12).  Round trips, and every change -- version,
 * nonce, ciphertext, tag, truncation, another case, another field label,
 * another key, another epoch number -- is refused.  Epoch key files:
 * written with keyfile_write(), loaded by number, a missing (destroyed)
 * file is an error.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "crypto/casekey.h"
#include "crypto/envelope.h"
#include "crypto/hpke.h"
#include "crypto/keyfile.h"
#include "crypto/secret.h"
#include "crypto/staffcred.h"

static const uint8_t	ck[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
    31, 32 };
static const uint8_t	cid[16] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0x46,
    0xa7, 0x88, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf };

#define LABEL	CASEKEY_L_DEK "b1dff493f7c3b6fca9ad2b94a67752cc"

Test(casekey, layer_round_trip_and_every_change_refused)
{
	uint8_t	 in[48], out[48 + CASEKEY_LAYER_OVERHEAD], bad[sizeof(out)];
	uint8_t	 pt[sizeof(out)], other[32], ocid[16];
	size_t	 ptlen, i;

	memset(in, 0x5a, sizeof(in));
	cr_assert_eq(casekey_layer_seal(ck, cid, LABEL, in, sizeof(in), out),
	    0);
	cr_assert_eq(out[0], CASEKEY_LAYER_VERSION);
	cr_assert_eq(casekey_layer_open(ck, cid, LABEL, out, sizeof(out), pt,
	    &ptlen), 0);
	cr_assert_eq(ptlen, sizeof(in));
	cr_assert_eq(memcmp(pt, in, sizeof(in)), 0);
	/* A flipped bit anywhere: version, nonce, ciphertext, tag. */
	for (i = 0; i < sizeof(out); i++) {
		memcpy(bad, out, sizeof(out));
		bad[i] ^= 0x01;
		cr_assert_eq(casekey_layer_open(ck, cid, LABEL, bad,
		    sizeof(bad), pt, &ptlen), -1, "byte %zu", i);
	}
	cr_assert_eq(casekey_layer_open(ck, cid, LABEL, out, sizeof(out) - 1,
	    pt, &ptlen), -1);
	cr_assert_eq(casekey_layer_open(ck, cid, LABEL, out,
	    CASEKEY_LAYER_OVERHEAD - 1, pt, &ptlen), -1);
	memcpy(ocid, cid, sizeof(ocid));
	ocid[15] ^= 1;
	cr_assert_eq(casekey_layer_open(ck, ocid, LABEL, out, sizeof(out), pt,
	    &ptlen), -1, "another case");
	cr_assert_eq(casekey_layer_open(ck, cid, CASEKEY_L_TK
	    "b1dff493f7c3b6fca9ad2b94a67752cc", out, sizeof(out), pt, &ptlen),
	    -1, "another field");
	memcpy(other, ck, sizeof(other));
	other[0] ^= 1;
	cr_assert_eq(casekey_layer_open(other, cid, LABEL, out, sizeof(out),
	    pt, &ptlen), -1, "another key");
}

Test(casekey, strip_in_place)
{
	uint8_t	 in[48], buf[48 + CASEKEY_LAYER_OVERHEAD], keep[sizeof(buf)];
	size_t	 len = sizeof(buf);

	memset(in, 0x33, sizeof(in));
	cr_assert_eq(casekey_layer_seal(ck, cid, LABEL, in, sizeof(in), buf),
	    0);
	memcpy(keep, buf, sizeof(buf));
	cr_assert_eq(casekey_strip(ck, cid, CASEKEY_L_TK,
	    "b1dff493f7c3b6fca9ad2b94a67752cc", buf, &len), -1);
	cr_assert_eq(len, sizeof(buf));
	cr_assert_eq(memcmp(buf, keep, sizeof(buf)), 0, "unchanged on failure");
	cr_assert_eq(casekey_strip(ck, cid, CASEKEY_L_DEK,
	    "b1dff493f7c3b6fca9ad2b94a67752cc", buf, &len), 0);
	cr_assert_eq(len, sizeof(in));
	cr_assert_eq(memcmp(buf, in, sizeof(in)), 0);
}

Test(casekey, wrap_binds_epoch_and_case)
{
	struct hpke_key	*sk, *other;
	uint8_t		 enc[HPKE_MAX_ENC], wrapped[CASEKEY_WRAPPED_LEN];
	uint8_t		 out[CASEKEY_LEN], ocid[16];
	size_t		 enclen = sizeof(enc);

	cr_assert_not_null(sk = hpke_key_new(HPKE_KEM_P256_SHA256));
	cr_assert_not_null(other = hpke_key_new(HPKE_KEM_P256_SHA256));
	cr_assert_eq(casekey_wrap(sk, NULL, 7, cid, ck, enc, &enclen,
	    wrapped), 0);
	cr_assert_eq(enclen, 65);
	cr_assert_eq(casekey_unwrap(sk, 7, cid, enc, enclen, wrapped,
	    sizeof(wrapped), out), 0);
	cr_assert_eq(memcmp(out, ck, sizeof(ck)), 0);
	cr_assert_eq(casekey_unwrap(sk, 8, cid, enc, enclen, wrapped,
	    sizeof(wrapped), out), -1, "another epoch number");
	memcpy(ocid, cid, sizeof(ocid));
	ocid[0] ^= 1;
	cr_assert_eq(casekey_unwrap(sk, 7, ocid, enc, enclen, wrapped,
	    sizeof(wrapped), out), -1, "another case");
	cr_assert_eq(casekey_unwrap(other, 7, cid, enc, enclen, wrapped,
	    sizeof(wrapped), out), -1, "another epoch key");
	cr_assert_eq(casekey_unwrap(sk, 7, cid, enc, enclen, wrapped,
	    sizeof(wrapped) - 1, out), -1, "truncated");
	hpke_key_free(sk);
	hpke_key_free(other);
}

Test(casekey, epoch_files_load_by_number_and_missing_is_an_error)
{
	struct hpke_key	*k, *back;
	char		 dir[] = "/tmp/casekey-test.XXXXXX", path[256], err[512];
	uint8_t		 sk[32], enc[HPKE_MAX_ENC], wrapped[48], out[32];
	size_t		 sklen = sizeof(sk), enclen = sizeof(enc);

	cr_assert_not_null(mkdtemp(dir));
	cr_assert_not_null(k = hpke_key_new(HPKE_KEM_P256_SHA256));
	cr_assert_eq(hpke_key_private(k, sk, &sklen), 0);
	cr_assert_eq(casekey_epoch_path(dir, 3, path, sizeof(path)), 0);
	cr_assert_eq(keyfile_write(path, CASEKEY_EPOCH_KIND, KEYFILE_PRIVATE,
	    sk, sklen, err, sizeof(err)), 0, "%s", err);
	cr_assert_not_null(back = casekey_epoch_load(dir, 3, err,
	    sizeof(err)), "%s", err);
	cr_assert_eq(casekey_wrap(k, NULL, 3, cid, ck, enc, &enclen, wrapped),
	    0);
	cr_assert_eq(casekey_open_dir(dir, 3, cid, enc, enclen, wrapped,
	    sizeof(wrapped), out, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(memcmp(out, ck, sizeof(ck)), 0);
	cr_assert_null(casekey_epoch_load(dir, 4, err, sizeof(err)));
	cr_assert_eq(chmod(path, 0644), 0);
	cr_assert_null(casekey_epoch_load(dir, 3, err, sizeof(err)),
	    "a world-readable epoch key is refused");
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(casekey_open_dir(dir, 3, cid, enc, enclen, wrapped,
	    sizeof(wrapped), out, err, sizeof(err)), -1, "destroyed");
	cr_assert_eq(casekey_open_dir(NULL, 3, cid, enc, enclen, wrapped,
	    sizeof(wrapped), out, err, sizeof(err)), -1);
	OPENSSL_cleanse(sk, sizeof(sk));
	hpke_key_free(k);
	hpke_key_free(back);
	rmdir(dir);
}

/*
 * The worked example of docs/crypto.md §12.3: tests/data/casekey_example.json
 * holds inputs and expected outputs (computed by the independent
 * tests/data/casekey_example_check.py); every value is recomputed here with
 * crypto/casekey.c and must also appear in docs/crypto.md.
 */
static char *
ex_path(const char *rel)
{
	const char	*top = getenv("MELDPUNT_TOP");
	char		*p;

	cr_assert(asprintf(&p, "%s/%s", top == NULL ? "." : top, rel) != -1);
	return (p);
}

static uint8_t *
ex_unhex(json_t *o, const char *key, size_t *len)
{
	const char	*s = json_string_value(json_object_get(o, key));
	uint8_t		*b;

	cr_assert_not_null(s, "example lacks %s", key);
	*len = strlen(s) / 2;
	cr_assert_not_null(b = malloc(*len + 1));
	cr_assert_eq(secret_hex_decode(s, strlen(s), b, *len), 0, "%s", key);
	return (b);
}

static void
ex_eq(json_t *exp, const char *key, const uint8_t *b, size_t n)
{
	char	*hex;

	cr_assert_not_null(hex = malloc(2 * n + 1));
	secret_hex_encode(b, n, hex);
	cr_assert_str_eq(hex, json_string_value(json_object_get(exp, key)),
	    "example %s differs", key);
	free(hex);
}

static char *
ex_slurp(const char *path)
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

Test(casekey, documented_example)
{
	json_t		*ex, *in, *exp, *v;
	json_error_t	 jerr;
	struct hpke_key	*skR, *skE;
	uint8_t		 xcid[16], sk[32], pk[65], enc[HPKE_MAX_ENC];
	uint8_t		 wrapped[CASEKEY_WRAPPED_LEN], back[CASEKEY_LEN];
	uint8_t		*xck, *nonce, *inner, *item, *layered, *pt = NULL;
	uint8_t		 ctx[64];
	size_t		 xcklen, nlen, ilen, itemlen, enclen = sizeof(enc);
	size_t		 sklen = sizeof(sk), pklen = sizeof(pk), ptlen, ctxlen;
	const char	*k, *ikm, *text, *label;
	char		*path, *doc;
	uint32_t	 epoch;

	path = ex_path("tests/data/casekey_example.json");
	cr_assert_not_null(ex = json_load_file(path, 0, &jerr), "%s", path);
	free(path);
	in = json_object_get(ex, "input");
	exp = json_object_get(ex, "expected");
	epoch = (uint32_t)json_integer_value(json_object_get(in, "epoch"));
	cr_assert_eq(staffcred_uuid_parse(json_string_value(json_object_get(in,
	    "case_id")), xcid), 0);
	xck = ex_unhex(in, "case_key", &xcklen);
	ikm = json_string_value(json_object_get(in, "epoch_ikm"));
	cr_assert_not_null(skR = hpke_key_derive(HPKE_KEM_P256_SHA256,
	    (const uint8_t *)ikm, strlen(ikm)));
	ikm = json_string_value(json_object_get(in, "ephemeral_ikm"));
	cr_assert_not_null(skE = hpke_key_derive(HPKE_KEM_P256_SHA256,
	    (const uint8_t *)ikm, strlen(ikm)));
	cr_assert_eq(hpke_key_private(skR, sk, &sklen), 0);
	cr_assert_eq(hpke_key_public(skR, pk, &pklen), 0);
	ex_eq(exp, "epoch_skRm", sk, sklen);
	ex_eq(exp, "epoch_pkRm", pk, pklen);

	/* The case key wrapped to the epoch key, and back. */
	cr_assert_eq(casekey_wrap(skR, skE, epoch, xcid, xck, enc, &enclen,
	    wrapped), 0);
	ex_eq(exp, "enc", enc, enclen);
	ex_eq(exp, "wrapped", wrapped, sizeof(wrapped));
	cr_assert_eq(casekey_unwrap(skR, epoch, xcid, enc, enclen, wrapped,
	    sizeof(wrapped), back), 0);
	cr_assert_eq(memcmp(back, xck, CASEKEY_LEN), 0);

	/* The outer layer on the wrapped DEK of §2.8. */
	nonce = ex_unhex(in, "layer_nonce", &nlen);
	inner = ex_unhex(in, "layer_inner", &ilen);
	cr_assert_not_null(layered = malloc(ilen + CASEKEY_LAYER_OVERHEAD));
	label = json_string_value(json_object_get(in, "layer_label"));
	cr_assert_eq(casekey_layer_seal_fixed(xck, xcid, label, nonce, inner,
	    ilen, layered), 0);
	ex_eq(exp, "layered", layered, ilen + CASEKEY_LAYER_OVERHEAD);

	/* The sealed staff text opens to the input text. */
	item = ex_unhex(exp, "text_item", &itemlen);
	label = json_string_value(json_object_get(in, "text_label"));
	ctxlen = strlen(label);
	memcpy(ctx, label, ctxlen);
	memcpy(ctx + ctxlen, xcid, 16);
	cr_assert_eq(envelope_item_open(xck, ctx, ctxlen + 16, item, itemlen,
	    &pt, &ptlen), 0);
	text = json_string_value(json_object_get(in, "text"));
	cr_assert(ptlen == strlen(text) && memcmp(pt, text, ptlen) == 0);
	OPENSSL_clear_free(pt, ptlen);

	/* And the document shows exactly these values. */
	path = ex_path("docs/crypto.md");
	doc = ex_slurp(path);
	json_object_foreach(exp, k, v)
		cr_assert_not_null(strstr(doc, json_string_value(v)),
		    "docs/crypto.md lacks the example's %s", k);
	free(doc);
	free(path);
	hpke_key_free(skR);
	hpke_key_free(skE);
	free(xck);
	free(nonce);
	free(inner);
	free(layered);
	free(item);
	json_decref(ex);
}
