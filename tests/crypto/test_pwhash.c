/*
 * Tests for crypto/pwhash.c and the Argon2id entry point it shares with
 * receipts: RFC 9106 §5.3's Argon2id vector through libargon2, raw
 * Argon2id against a known answer and against the argon2 CLI, encoded
 * hashes (verify, wrong password, interop with the CLI's encoding,
 * malformed and doctored strings, needs-rehash), and password-sealed
 * private keys (right and wrong password, every altered byte, context).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <argon2.h>
#include <criterion/criterion.h>

#include "crypto/pwhash.h"
#include "crypto/secret.h"

#define ARGON2_CLI	"/usr/bin/argon2"

static const struct secret_kdf	 fast = { 256, 2, 1 };

/* From the argon2 CLI (package argon2), see the tests that use them. */
#define RAW_KAT		\
	"9047cd41b3ef93a43b868916e89aef9f53236fd91d4ff23b3975432acbe26b39"
#define CLI_ENCODED	"$argon2id$v=19$m=128,t=1,p=1$c29tZXNhbHRzb21lc2FsdA" \
	"$hMbfrbPzL3m1tLc7vPfvLYklJuQtg4rzoqWcmum/nzo"

/* RFC 9106 §5.3: Argon2id, v=0x13, m=32 KiB, t=3, p=4, secret and AD. */
Test(pwhash, argon2id_rfc9106_vector)
{
	static const unsigned char	 want[32] = {
		0x0d, 0x64, 0x0d, 0xf5, 0x8d, 0x78, 0x76, 0x6c,
		0x08, 0xc0, 0x37, 0xa3, 0x4a, 0x8b, 0x53, 0xc9,
		0xd0, 0x1e, 0xf0, 0x45, 0x2d, 0x75, 0xb6, 0x5e,
		0xb5, 0x25, 0x20, 0xe9, 0x6b, 0x01, 0xe6, 0x59,
	};
	unsigned char			 pwd[32], salt[16], sec[8], ad[12];
	unsigned char			 out[32];
	argon2_context			 c;

	memset(pwd, 0x01, sizeof(pwd));
	memset(salt, 0x02, sizeof(salt));
	memset(sec, 0x03, sizeof(sec));
	memset(ad, 0x04, sizeof(ad));
	memset(&c, 0, sizeof(c));
	c.out = out;
	c.outlen = sizeof(out);
	c.pwd = pwd;
	c.pwdlen = sizeof(pwd);
	c.salt = salt;
	c.saltlen = sizeof(salt);
	c.secret = sec;
	c.secretlen = sizeof(sec);
	c.ad = ad;
	c.adlen = sizeof(ad);
	c.t_cost = 3;
	c.m_cost = 32;
	c.lanes = 4;
	c.threads = 1;
	c.version = ARGON2_VERSION_13;
	cr_assert_eq(argon2_ctx(&c, Argon2_id), ARGON2_OK);
	cr_assert_eq(memcmp(out, want, 32), 0);
}

/*
 * secret_argon2id("password", "somesalt", m=1024, t=2, p=2): a fixed
 * answer (taken from the argon2 CLI), so the test does not depend on
 * the CLI being installed; the next test compares live when it is.
 */
Test(pwhash, argon2id_raw_known_answer)
{
	struct secret_kdf	 k = { 1024, 2, 2 };
	unsigned char		 out[32];
	char			 hex[65];

	cr_assert_eq(secret_argon2id(&k, "password", 8,
	    (const unsigned char *)"somesalt", 8, out, 32), 0);
	secret_hex_encode(out, 32, hex);
	cr_assert_str_eq(hex, RAW_KAT);
}

static void
cli_raw(const char *pw, const char *salt, const struct secret_kdf *k,
    char *hex, size_t hexsz)
{
	char	 cmd[256];
	FILE	*p;

	snprintf(cmd, sizeof(cmd), "printf '%%s' '%s' | " ARGON2_CLI
	    " '%s' -id -t %u -k %u -p %u -l 32 -r", pw, salt, k->k_t,
	    k->k_m_kib, k->k_p);
	cr_assert_not_null(p = popen(cmd, "r"));
	cr_assert_not_null(fgets(hex, (int)hexsz, p));
	cr_assert_eq(pclose(p), 0);
	hex[strcspn(hex, "\n")] = '\0';
}

/* Live cross-check with the argon2 CLI over a few parameter sets. */
Test(pwhash, argon2id_matches_cli)
{
	static const struct secret_kdf	 ks[] = {
		{ 64, 1, 1 }, { 256, 2, 1 }, { 1024, 3, 2 }, { 512, 1, 4 },
	};
	unsigned char			 out[32];
	char				 mine[65], theirs[80];
	size_t				 i;

	if (access(ARGON2_CLI, X_OK) != 0)
		cr_skip_test("argon2 CLI absent (package argon2); the "
		    "known-answer tests above still ran");
	for (i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		cr_assert_eq(secret_argon2id(&ks[i], "correct horse", 13,
		    (const unsigned char *)"saltsaltsalt", 12, out, 32), 0);
		secret_hex_encode(out, 32, mine);
		cli_raw("correct horse", "saltsaltsalt", &ks[i], theirs,
		    sizeof(theirs));
		cr_assert_str_eq(mine, theirs, "m=%u t=%u p=%u",
		    ks[i].k_m_kib, ks[i].k_t, ks[i].k_p);
	}
}

Test(pwhash, hash_and_verify)
{
	char			*h, *h2;
	struct secret_kdf	 k;

	h = pwhash_hash(&fast, "s3cret pass", 11);
	cr_assert_not_null(h);
	cr_assert_eq(strncmp(h, "$argon2id$v=19$m=256,t=2,p=1$", 29), 0,
	    "%s", h);
	cr_assert_eq(pwhash_verify(h, "s3cret pass", 11), 0);
	cr_assert_eq(pwhash_verify(h, "s3cret pasS", 11), 1);
	cr_assert_eq(pwhash_verify(h, "s3cret pas", 10), 1);
	cr_assert_eq(pwhash_verify(h, "", 0), 1);
	cr_assert_eq(pwhash_params(h, &k), 0);
	cr_assert_eq(k.k_m_kib, 256);
	cr_assert_eq(k.k_t, 2);
	cr_assert_eq(k.k_p, 1);
	/* Fresh salt each time. */
	h2 = pwhash_hash(&fast, "s3cret pass", 11);
	cr_assert_not_null(h2);
	cr_assert_str_neq(h, h2);
	free(h);
	free(h2);
}

Test(pwhash, password_limits)
{
	char	*pw, *h;

	cr_assert_not_null(pw = calloc(1, PWHASH_PW_MAX + 2));
	memset(pw, 'x', PWHASH_PW_MAX + 1);
	cr_assert_null(pwhash_hash(&fast, pw, PWHASH_PW_MAX + 1));
	h = pwhash_hash(&fast, pw, PWHASH_PW_MAX);
	cr_assert_not_null(h);
	cr_assert_eq(pwhash_verify(h, pw, PWHASH_PW_MAX), 0);
	cr_assert_eq(pwhash_verify(h, pw, PWHASH_PW_MAX + 1), 1);
	free(h);
	free(pw);
}

/* A hash made by the CLI verifies here: the encoded format is standard. */
Test(pwhash, verifies_cli_encoding)
{
	static const char	*enc = CLI_ENCODED;

	cr_assert_eq(pwhash_verify(enc, "password", 8), 0);
	cr_assert_eq(pwhash_verify(enc, "passwore", 8), 1);
	cr_assert_eq(pwhash_needs_rehash(enc, &fast), 1);
}

Test(pwhash, needs_rehash)
{
	struct secret_kdf	 k = fast;
	char			*h;

	cr_assert_not_null(h = pwhash_hash(&fast, "pw", 2));
	cr_assert_eq(pwhash_needs_rehash(h, &k), 0);
	k.k_m_kib = 512;
	cr_assert_eq(pwhash_needs_rehash(h, &k), 1);
	k = fast;
	k.k_t = 3;
	cr_assert_eq(pwhash_needs_rehash(h, &k), 1);
	k = fast;
	k.k_p = 2;
	cr_assert_eq(pwhash_needs_rehash(h, &k), 1);
	cr_assert_eq(pwhash_needs_rehash("$argon2i$v=19$m=256,t=2,p=1$c2FsdHNh"
	    "bHRzYWx0$aGFzaA", &fast), -1);
	free(h);
}

Test(pwhash, malformed_encodings_refused)
{
	static const char	*bad[] = {
		"",
		"$argon2i$v=19$m=256,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g",
		"$argon2d$v=19$m=256,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g",
		"$argon2id$v=16$m=256,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g",
		"$argon2id$v=19$m=256,t=2$c2FsdHNhbHRzYWx0$aGFzaGhhc2g",
		"$argon2id$v=19$m=0256,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g",
		"$argon2id$v=19$m=-256,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g",
		"$argon2id$v=19$m=256,t=2,p=1$$aGFzaGhhc2g",
		"$argon2id$v=19$m=256,t=2,p=1$c2FsdHNhbHRzYWx0$",
		"$argon2id$v=19$m=256,t=2,p=1$c2FsdHNhbHRzYWx0",
		"$argon2id$v=19$m=256,t=2,p=1$c2FsdHNhbHRzYWx0$aGFz aGhhc2g",
		"$argon2id$v=19$m=256,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g$",
		/* Doctored costs: refused before any allocation. */
		"$argon2id$v=19$m=4294967295,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA",
		"$argon2id$v=19$m=4294967296,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA",
		"$argon2id$v=19$m=256,t=100000,p=1$c2FsdHNhbHRzYWx0$aGFzaA",
		"$argon2id$v=19$m=256,t=2,p=0$c2FsdHNhbHRzYWx0$aGFzaA",
	};
	struct secret_kdf	 k;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(pwhash_verify(bad[i], "pw", 2), -1, "#%zu", i);
		cr_assert_eq(pwhash_params(bad[i], &k), -1, "#%zu", i);
		cr_assert_eq(pwhash_needs_rehash(bad[i], &fast), -1, "#%zu", i);
	}
	cr_assert_eq(pwhash_verify(NULL, "pw", 2), -1);
}

Test(pwhash, seal_open_key)
{
	unsigned char	 priv[32], *blob;
	const char	*uid = "user:17";
	struct secret	*key;
	size_t		 n;

	secret_random(priv, sizeof(priv));
	cr_assert_eq(pwhash_seal_key(&fast, "hunter22", 8, priv, 32,
	    (const unsigned char *)uid, 7, &blob, &n), 0);
	cr_assert_eq(n, 32 + PWHASH_SEAL_OVERHEAD);
	cr_assert_eq(n, 32 + 57);
	cr_assert_eq(blob[0], 0x01);
	cr_assert_eq(blob[1] << 24 | blob[2] << 16 | blob[3] << 8 | blob[4],
	    256);
	cr_assert_eq(blob[8], 2);
	cr_assert_eq(blob[12], 1);

	cr_assert_eq(pwhash_open_key("hunter22", 8, blob, n,
	    (const unsigned char *)uid, 7, &key), 0);
	cr_assert_not_null(key);
	cr_assert_eq(key->s_len, 32);
	cr_assert_eq(memcmp(key->s_buf, priv, 32), 0);
	secret_free(key);

	cr_assert_eq(pwhash_open_key("hunter23", 8, blob, n,
	    (const unsigned char *)uid, 7, &key), 1);
	cr_assert_null(key);
	cr_assert_eq(pwhash_open_key("hunter22", 8, blob, n,
	    (const unsigned char *)"user:18", 7, &key), 1);
	cr_assert_null(key);
	cr_assert_eq(pwhash_open_key("hunter22", 8, blob, n, NULL, 0, &key),
	    1);
	free(blob);
}

/* Every altered byte and every truncation is refused. */
Test(pwhash, sealed_key_tamper)
{
	unsigned char	 priv[32], *blob;
	struct secret	*key;
	size_t		 n, i;
	int		 r;

	secret_random(priv, sizeof(priv));
	cr_assert_eq(pwhash_seal_key(&fast, "pw", 2, priv, 32, NULL, 0, &blob,
	    &n), 0);
	for (i = 0; i < n; i++) {
		blob[i] ^= 0x01;
		r = pwhash_open_key("pw", 2, blob, n, NULL, 0, &key);
		cr_assert(r == 1 || r == -1, "byte %zu: %d", i, r);
		cr_assert_null(key);
		blob[i] ^= 0x01;
	}
	for (i = 0; i < n; i += 7) {
		r = pwhash_open_key("pw", 2, blob, i, NULL, 0, &key);
		cr_assert(r == 1 || r == -1, "length %zu", i);
		cr_assert_null(key);
	}
	/* Doctored memory cost: refused before Argon2 runs. */
	blob[1] = 0xff;
	cr_assert_eq(pwhash_open_key("pw", 2, blob, n, NULL, 0, &key), -1);
	free(blob);
}

Test(pwhash, kek_uses_own_salt)
{
	unsigned char	 s1[16], s2[16], k1[32], k2[32];

	secret_random(s1, 16);
	memcpy(s2, s1, 16);
	s2[15] ^= 1;
	cr_assert_eq(pwhash_kek(&fast, "pw", 2, s1, k1), 0);
	cr_assert_eq(pwhash_kek(&fast, "pw", 2, s2, k2), 0);
	cr_assert_neq(memcmp(k1, k2, 32), 0);
}

/* One hash at the production default, m = 19 MiB, t = 2, p = 1. */
Test(pwhash, default_params, .timeout = 30)
{
	struct secret_kdf	 k;
	char			*h;

	secret_kdf_default(&k);
	cr_assert_not_null(h = pwhash_hash(&k, "default", 7));
	cr_assert_eq(strncmp(h, "$argon2id$v=19$m=19456,t=2,p=1$", 31), 0);
	cr_assert_eq(pwhash_verify(h, "default", 7), 0);
	cr_assert_eq(pwhash_needs_rehash(h, &k), 0);
	free(h);
}

/*
 * Login strings cross between the two implementations: one libsodium
 * made (p = 1, the fast path) verifies with libargon2, and one
 * libargon2 made verifies here, as strings stored before the switch do.
 */
Test(pwhash, encoded_crosses_libsodium_and_libargon2)
{
	struct secret_kdf	 k = { 8192, 2, 1 };
	unsigned char		 salt[16] = "0123456789abcdef";
	char			*h, ref[128];

	cr_assert_not_null(h = pwhash_hash(&k, "s3cret pass", 11));
	cr_assert_eq(argon2id_verify(h, "s3cret pass", 11), ARGON2_OK);
	cr_assert_neq(argon2id_verify(h, "s3cret pasS", 11), ARGON2_OK);
	free(h);
	cr_assert_eq(argon2id_hash_encoded(2, 8192, 1, "s3cret pass", 11,
	    salt, sizeof(salt), 32, ref, sizeof(ref)), ARGON2_OK);
	cr_assert_eq(pwhash_verify(ref, "s3cret pass", 11), 0);
	cr_assert_eq(pwhash_verify(ref, "s3cret pasS", 11), 1);
}
