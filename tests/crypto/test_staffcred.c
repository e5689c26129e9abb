/*
 * crypto/staffcred.c: login proof and key-sealing key, sealed blobs bound
 * to purpose and user, and the queue/thread key wraps of docs/crypto.md
 * §7 -- round trips, tampering, the wrong key and the wrong binding.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "crypto/hpke.h"
#include "crypto/secret.h"
#include "crypto/staffcred.h"

static const struct secret_kdf cheap = { 8192, 1, 1 };

Test(staffcred, derive_is_deterministic_and_separates_outputs)
{
	unsigned char	salt[16] = { 1 }, p1[32], k1[32], p2[32], k2[32];

	cr_assert_eq(staffcred_derive(&cheap, "pw", 2, salt, 16, p1, k1), 0);
	cr_assert_eq(staffcred_derive(&cheap, "pw", 2, salt, 16, p2, k2), 0);
	cr_assert_eq(memcmp(p1, p2, 32), 0);
	cr_assert_eq(memcmp(k1, k2, 32), 0);
	cr_assert_neq(memcmp(p1, k1, 32), 0, "proof and KEK must differ");
	cr_assert_eq(staffcred_derive(&cheap, "pX", 2, salt, 16, p2, k2), 0);
	cr_assert_neq(memcmp(p1, p2, 32), 0);
	cr_assert_eq(staffcred_derive(&cheap, "pw", 2, salt, 8, p2, k2), -1);
}

Test(staffcred, seal_binds_purpose_and_user)
{
	unsigned char	 key[32] = { 7 }, pt[32] = { 9 }, *blob;
	size_t		 len;
	struct secret	*out;

	cr_assert_eq(staffcred_seal(key, "key", "alice", pt, 32, &blob, &len),
	    0);
	cr_assert_eq(len, 32 + STAFFCRED_SEAL_OVERHEAD);
	cr_assert_eq(staffcred_open(key, "key", "alice", blob, len, &out), 0);
	cr_assert_eq(memcmp(out->s_buf, pt, 32), 0);
	secret_free(out);
	cr_assert_eq(staffcred_open(key, "totp", "alice", blob, len, &out), -1);
	cr_assert_eq(staffcred_open(key, "key", "bob", blob, len, &out), -1);
	key[0] ^= 1;
	cr_assert_eq(staffcred_open(key, "key", "alice", blob, len, &out), -1);
	key[0] ^= 1;
	blob[len - 1] ^= 1;
	cr_assert_eq(staffcred_open(key, "key", "alice", blob, len, &out), -1);
	blob[len - 1] ^= 1;
	cr_assert_eq(staffcred_open(key, "key", "alice", blob, len - 1, &out),
	    -1);
	blob[0] = 2;
	cr_assert_eq(staffcred_open(key, "key", "alice", blob, len, &out), -1);
	free(blob);
}

Test(staffcred, queue_and_thread_wraps)
{
	struct hpke_key	*k = hpke_key_new(HPKE_KEM_P256_SHA256);
	struct hpke_key	*other = hpke_key_new(HPKE_KEM_P256_SHA256);
	unsigned char	 q[16] = { 1 }, r[16] = { 2 }, s[32] = { 3 }, got[32];
	unsigned char	 enc[HPKE_MAX_ENC], w[STAFFCRED_WRAPPED_LEN];
	size_t		 enclen;

	cr_assert_eq(staffcred_wrap_queue_key(k, q, r, s, enc, &enclen, w), 0);
	cr_assert_eq(staffcred_unwrap_queue_key(k, q, r, enc, enclen, w,
	    sizeof(w), got), 0);
	cr_assert_eq(memcmp(got, s, 32), 0);
	cr_assert_eq(staffcred_unwrap_queue_key(other, q, r, enc, enclen, w,
	    sizeof(w), got), -1);
	r[0] ^= 1;	/* another recipient id: another info */
	cr_assert_eq(staffcred_unwrap_queue_key(k, q, r, enc, enclen, w,
	    sizeof(w), got), -1);
	/* A thread wrap is not a queue wrap (labels differ). */
	r[0] ^= 1;
	cr_assert_eq(staffcred_unwrap_thread_key(k, q, r, enc, enclen, w,
	    sizeof(w), got), -1);
	cr_assert_eq(staffcred_wrap_thread_key(k, q, r, s, enc, &enclen, w), 0);
	cr_assert_eq(staffcred_unwrap_thread_key(k, q, r, enc, enclen, w,
	    sizeof(w), got), 0);
	w[5] ^= 1;
	cr_assert_eq(staffcred_unwrap_thread_key(k, q, r, enc, enclen, w,
	    sizeof(w), got), -1);
	hpke_key_free(k);
	hpke_key_free(other);
}

Test(staffcred, ids_and_uuids_strict)
{
	unsigned char	id[16], u[16];
	char		hex[33];

	cr_assert_eq(staffcred_key_id_parse("000102030405060708090a0b0c0d0e0f",
	    id), 0);
	staffcred_key_id_hex(id, hex);
	cr_assert_str_eq(hex, "000102030405060708090a0b0c0d0e0f");
	cr_assert_eq(staffcred_key_id_parse("000102030405060708090A0B0C0D0E0F",
	    id), -1);
	cr_assert_eq(staffcred_key_id_parse("k-labour-1", id), -1);
	cr_assert_eq(staffcred_uuid_parse(
	    "3fc0b7a3-a51f-4c4f-9a57-35fd92ce0c4d", u), 0);
	cr_assert_eq(u[0], 0x3f);
	cr_assert_eq(staffcred_uuid_parse(
	    "3fc0b7a3a51f-4c4f-9a57-35fd92ce0c4d0", u), -1);
	cr_assert_eq(staffcred_uuid_parse(
	    "3FC0B7A3-A51F-4C4F-9A57-35FD92CE0C4D", u), -1);
	cr_assert_eq(staffcred_uuid_parse("' OR 1=1 --", u), -1);
}

/*
 * A staff credential made before the fast path existed (the argon2 CLI
 * over libargon2, then HKDF-SHA256 with `openssl kdf`): password
 * "Corr3ct horse, battery staple", salt "staff-salt-16byt", m = 19456,
 * t = 2, p = 1.  The proof the database holds the hash of, and the key
 * that opens the handler's private key, must come out the same.
 */
Test(staffcred, derive_matches_reference_credential, .timeout = 30)
{
	static const char	 phex[] = "c6ba224bff47503acd4b43748ba1eec8"
	    "873120a4c70dd1893e57f03c0ca68d59";
	static const char	 khex[] = "06b1a827a2ef0cf765ba926e5d2ee06e"
	    "abcf6063d9daecb3d5e66bbe4c242f06";
	static const char	 pw[] = "Corr3ct horse, battery staple";
	struct secret_kdf	 k;
	unsigned char		 proof[32], kek[32], want[32];

	secret_kdf_default(&k);
	cr_assert_eq(staffcred_derive(&k, pw, strlen(pw),
	    (const unsigned char *)"staff-salt-16byt", 16, proof, kek), 0);
	cr_assert_eq(secret_hex_decode(phex, 64, want, 32), 0);
	cr_assert_eq(memcmp(proof, want, 32), 0);
	cr_assert_eq(secret_hex_decode(khex, 64, want, 32), 0);
	cr_assert_eq(memcmp(kek, want, 32), 0);
}
