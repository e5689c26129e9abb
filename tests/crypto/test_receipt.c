/*
 * Tests for crypto/receipt.c: the Damm check digit (exhaustive over
 * single substitutions and adjacent transpositions of random receipts),
 * uniformity sanity of generation, the parser's accepted and refused
 * spellings, the keyed lookup id, enrolment and verification (right,
 * wrong, altered record), the thread-key wrap and the separation
 * between the stored verifier and the wrap key.  Argon2id costs are tiny
 * here except in one test at the default parameters.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "crypto/receipt.h"
#include "crypto/secret.h"

static const struct secret_kdf	 fast = { 64, 1, 1 };

/*
 * Known answers computed outside this code base: Python's hmac module
 * for the lookup id; for the derivation, the argon2 CLI
 * (argon2 $'\xa0...\xaf' -id -t 1 -k 64 -p 1 -l 32 -r) fed into an
 * RFC 5869 HKDF written in Python with the labels of docs/crypto.md.
 */
#define LOOKUP_KAT	"989f5fc03ef346bfecf0f3955854a4b6"
#define DERIVE_KAT_V	\
	"5ac6950f942ff9f9881930c80525dd73ad1f4e6265781935e693474d419e3aba"
#define DERIVE_KAT_W	\
	"e8c3fe4d25e6969826ada76e9b4b929142b619444acad37dd8cb919333c165d3"

/* A valid receipt built from fixed 15 digits. */
static void
make(const char *d15, char out[RECEIPT_DIGITS + 1])
{
	memcpy(out, d15, 15);
	out[15] = (char)('0' + receipt_check_digit(d15, 15));
	out[16] = '\0';
}

/* Published Damm example: 572 has check digit 4. */
Test(receipt, damm_known_value)
{
	cr_assert_eq(receipt_check_digit("572", 3), 4);
	cr_assert_eq(receipt_check_digit("5724", 4), 0);
	cr_assert_eq(receipt_check_digit("57a", 3), -1);
}

Test(receipt, generate_valid_and_distinct)
{
	char	 a[RECEIPT_DIGITS + 1], b[RECEIPT_DIGITS + 1];
	int	 i, count[10] = { 0 }, j;

	for (i = 0; i < 2000; i++) {
		cr_assert_eq(receipt_generate(a), 0);
		cr_assert_eq(strlen(a), 16);
		cr_assert(receipt_is_valid(a));
		for (j = 0; j < 15; j++)
			count[a[j] - '0']++;
	}
	cr_assert_eq(receipt_generate(b), 0);
	cr_assert_neq(strcmp(a, b), 0);
	/* 30000 digits: each value near 3000; 4.5 sigma is ~250. */
	for (j = 0; j < 10; j++)
		cr_assert(count[j] > 2700 && count[j] < 3300, "digit %d: %d",
		    j, count[j]);
}

/*
 * Every single-digit substitution and every adjacent transposition
 * (including those touching the check digit) is detected.
 */
Test(receipt, damm_detects_all_single_errors_and_swaps)
{
	char	 r[RECEIPT_DIGITS + 1], t[RECEIPT_DIGITS + 1], c;
	int	 n, i, d;

	for (n = 0; n < 200; n++) {
		cr_assert_eq(receipt_generate(r), 0);
		if (n == 0)
			make("090909090909090", r);	/* Luhn's blind spot */
		for (i = 0; i < RECEIPT_DIGITS; i++)
			for (d = 0; d < 10; d++) {
				memcpy(t, r, sizeof(t));
				if (t[i] == '0' + d)
					continue;
				t[i] = (char)('0' + d);
				cr_assert(!receipt_is_valid(t), "%s", t);
			}
		for (i = 0; i + 1 < RECEIPT_DIGITS; i++) {
			if (r[i] == r[i + 1])
				continue;
			memcpy(t, r, sizeof(t));
			c = t[i];
			t[i] = t[i + 1];
			t[i + 1] = c;
			cr_assert(!receipt_is_valid(t), "%s", t);
		}
	}
}

Test(receipt, parse_accepts_spellings)
{
	char	 r[RECEIPT_DIGITS + 1], out[RECEIPT_DIGITS + 1];
	char	 disp[RECEIPT_DISPLAY_LEN + 1], in[64];

	make("482177301195006", r);
	cr_assert_eq(receipt_format(r, disp), 0);
	cr_assert_eq(strlen(disp), RECEIPT_DISPLAY_LEN);
	cr_assert_eq(disp[4], ' ');
	cr_assert_eq(receipt_parse(disp, strlen(disp), out), 0);
	cr_assert_str_eq(out, r);

	snprintf(in, sizeof(in), "%.4s-%.4s-%.4s-%.4s", r, r + 4, r + 8,
	    r + 12);
	cr_assert_eq(receipt_parse(in, strlen(in), out), 0);
	cr_assert_str_eq(out, r);
	cr_assert_eq(receipt_parse(r, 16, out), 0);
	cr_assert_str_eq(out, r);
	snprintf(in, sizeof(in), "  %.8s - %.8s  ", r, r + 8);
	cr_assert_eq(receipt_parse(in, strlen(in), out), 0);
	cr_assert_str_eq(out, r);
}

Test(receipt, parse_refuses)
{
	char	 r[RECEIPT_DIGITS + 1], out[RECEIPT_DIGITS + 1];
	char	 in[RECEIPT_INPUT_MAX + 8];
	size_t	 i;

	make("482177301195006", r);
	const char	*bad[] = {
		"",
		"4821 7730 1195 006",		/* 15 digits */
		"4821 7730 1195 00620",		/* 17 digits */
		"4821 7730 1195 006a",
		"4821\t7730 1195 0062",
		"4821_7730_1195_0062",
		"4821.7730.1195.0062",
		"+482177301195006",
		"\xd9\xa4" "82177301195006",	/* 15 digits, one Arabic */
		"\xef\xbc\x94" "82177301195006",	/* 15, one full-width */
	};

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(receipt_parse(bad[i], strlen(bad[i]), out), -1,
		    "accepted #%zu", i);
	/* Wrong check digit. */
	memcpy(in, r, 17);
	in[15] = (char)('0' + (in[15] - '0' + 1) % 10);
	cr_assert_eq(receipt_parse(in, 16, out), -1);
	/* NUL inside counted input. */
	memcpy(in, r, 8);
	in[8] = '\0';
	memcpy(in + 9, r + 8, 8);
	cr_assert_eq(receipt_parse(in, 17, out), -1);
	/* Too long even if only separators. */
	memset(in, ' ', sizeof(in));
	memcpy(in + RECEIPT_INPUT_MAX - 15, r, 16);
	cr_assert_eq(receipt_parse(in, RECEIPT_INPUT_MAX + 1, out), -1);
	cr_assert_eq(receipt_parse(NULL, 0, out), -1);
}

/* One code point as UTF-8 (written here, not taken from the parser). */
static size_t
put_utf8(char *p, uint32_t c)
{
	if (c < 0x80) {
		p[0] = (char)c;
		return (1);
	}
	if (c < 0x800) {
		p[0] = (char)(0xc0 | c >> 6);
		p[1] = (char)(0x80 | (c & 0x3f));
		return (2);
	}
	if (c < 0x10000) {
		p[0] = (char)(0xe0 | c >> 12);
		p[1] = (char)(0x80 | (c >> 6 & 0x3f));
		p[2] = (char)(0x80 | (c & 0x3f));
		return (3);
	}
	p[0] = (char)(0xf0 | c >> 18);
	p[1] = (char)(0x80 | (c >> 12 & 0x3f));
	p[2] = (char)(0x80 | (c >> 6 & 0x3f));
	p[3] = (char)(0x80 | (c & 0x3f));
	return (4);
}

/* r spelled with the digits starting at zero, sep between groups of 4. */
static size_t
spell(char *p, const char *r, uint32_t zero, uint32_t sep)
{
	size_t	 i, n = 0;

	for (i = 0; i < RECEIPT_DIGITS; i++) {
		if (i > 0 && i % 4 == 0 && sep != 0)
			n += put_utf8(p + n, sep);
		n += put_utf8(p + n, zero + (uint32_t)(r[i] - '0'));
	}
	p[n] = '\0';
	return (n);
}

/*
 * Issue 17: a receipt typed with the digits of another script logs in.
 * Every spelling normalises to the same 16 ASCII digits, hence the same
 * lookup id and verifier.
 */
Test(receipt, parse_accepts_digits_of_any_script)
{
	static const struct {
		uint32_t	 zero, sep;
	} sp[] = {
		{ 0x660, 0x20 },	/* Eastern Arabic ٤٨٢١ ... */
		{ 0x6f0, 0x20 },	/* Persian ۴۸۲۱ ... */
		{ 0xff10, 0x3000 },	/* full-width, ideographic space */
		{ 0x966, 0xa0 },	/* Devanagari, no-break space */
		{ 0x1d7ce, 0x2d },	/* mathematical bold, 4-byte UTF-8 */
		{ 0x660, 0x200f },	/* right-to-left marks pasted along */
		{ 0xff10, 0xff0d },	/* full-width hyphen */
		{ 0x30, 0x2013 },	/* en dash */
	};
	char	 r[RECEIPT_DIGITS + 1], out[RECEIPT_DIGITS + 1];
	char	 in[RECEIPT_INPUT_MAX + 8];
	size_t	 i, n, k;

	make("482177301195006", r);
	for (i = 0; i < sizeof(sp) / sizeof(sp[0]); i++) {
		n = spell(in, r, sp[i].zero, sp[i].sep);
		cr_assert_leq(n, RECEIPT_INPUT_MAX);
		cr_assert_eq(receipt_parse(in, n, out), 0, "spelling #%zu", i);
		cr_assert_str_eq(out, r, "spelling #%zu", i);
	}
	/* Mixed scripts in one receipt, as a half-switched keyboard types. */
	for (i = 0, n = 0; i < RECEIPT_DIGITS; i++)
		n += put_utf8(in + n, (i % 2 ? 0x660u : 0xff10u) +
		    (uint32_t)(r[i] - '0'));
	cr_assert_eq(receipt_parse(in, n, out), 0);
	cr_assert_str_eq(out, r);
	/* The check digit is checked after normalisation. */
	k = spell(in, r, 0x660, 0);
	in[k - 1] = (char)(0xa0 + (r[15] - '0' + 1) % 10);
	cr_assert_eq(receipt_parse(in, k, out), -1);
}

Test(receipt, parse_refuses_what_is_not_a_digit)
{
	char		 r[RECEIPT_DIGITS + 1], out[RECEIPT_DIGITS + 1];
	char		 in[RECEIPT_INPUT_MAX + 8];
	size_t		 i, n;
	static const char *const bad[] = {
		"\xe1\x8d\xa9",	/* ETHIOPIC DIGIT ONE: not decimal */
		"\xc2\xb2",		/* SUPERSCRIPT TWO */
		"\xe2\x91\xa0",	/* CIRCLED DIGIT ONE */
		"\xe4\xb8\x80",	/* CJK "one" */
		"\xc0\xb4",		/* overlong '4' */
		"\xe0\x80\xb4",	/* overlong '4' */
		"\xed\xa0\x80",	/* a surrogate */
		"\xd9",		/* truncated */
		"\xa4",		/* a lone continuation byte */
		"\xf5\x80\x80\x80",	/* above U+10FFFF */
		"\t",
		".",
	};

	make("482177301195006", r);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* The first digit replaced by the bad sequence. */
		n = (size_t)snprintf(in, sizeof(in), "%s%s", bad[i], r + 1);
		cr_assert_eq(receipt_parse(in, n, out), -1, "accepted #%zu", i);
		/* Or inserted between valid digits. */
		n = (size_t)snprintf(in, sizeof(in), "%.8s%s%s", r, bad[i],
		    r + 8);
		cr_assert_eq(receipt_parse(in, n, out), -1, "accepted #%zu", i);
	}
	/* 17 Eastern Arabic digits. */
	n = spell(in, r, 0x660, 0);
	n += put_utf8(in + n, 0x660);
	cr_assert_eq(receipt_parse(in, n, out), -1);
}

Test(receipt, lookup_id_keyed_and_deterministic)
{
	unsigned char	 k1[32], k2[32], a[16], b[16], c[16], d[16];
	char		 r[RECEIPT_DIGITS + 1], s[RECEIPT_DIGITS + 1];

	secret_random(k1, 32);
	secret_random(k2, 32);
	make("482177301195006", r);
	make("482177301195007", s);
	cr_assert_eq(receipt_lookup_id(k1, r, a), 0);
	cr_assert_eq(receipt_lookup_id(k1, r, b), 0);
	cr_assert_eq(receipt_lookup_id(k2, r, c), 0);
	cr_assert_eq(receipt_lookup_id(k1, s, d), 0);
	cr_assert_eq(memcmp(a, b, 16), 0);
	cr_assert_neq(memcmp(a, c, 16), 0);
	cr_assert_neq(memcmp(a, d, 16), 0);
}

/* HMAC-SHA256 known answer: key 0x00..0x1f, receipt 4821773011950062. */
Test(receipt, lookup_id_known_answer)
{
	unsigned char	 k[32], id[16];
	char		 r[RECEIPT_DIGITS + 1], hex[33];
	int		 i;

	for (i = 0; i < 32; i++)
		k[i] = (unsigned char)i;
	make("482177301195006", r);
	cr_assert_str_eq(r, "4821773011950062");
	cr_assert_eq(receipt_lookup_id(k, r, id), 0);
	secret_hex_encode(id, 16, hex);
	cr_assert_str_eq(hex, LOOKUP_KAT, "receipt %s", r);
}

Test(receipt, enroll_verify)
{
	struct receipt_record	 rec, alt;
	unsigned char		 lk[32], wk[32], wk2[32], z[32];
	char			 r[RECEIPT_DIGITS + 1], s[RECEIPT_DIGITS + 1];

	memset(z, 0, sizeof(z));
	secret_random(lk, sizeof(lk));
	cr_assert_eq(receipt_generate(r), 0);
	cr_assert_eq(receipt_enroll(r, lk, &fast, &rec, wk), 0);
	cr_assert_eq(rec.rr_kdf.k_m_kib, 64);
	cr_assert_eq(receipt_verify(r, &rec, wk2), 0);
	cr_assert_eq(memcmp(wk, wk2, 32), 0);
	cr_assert_eq(receipt_verify(r, &rec, NULL), 0);

	/* Wrong receipt (valid check digit): mismatch, wrap key wiped. */
	do {
		cr_assert_eq(receipt_generate(s), 0);
	} while (strcmp(r, s) == 0);
	memset(wk2, 0xaa, sizeof(wk2));
	cr_assert_eq(receipt_verify(s, &rec, wk2), 1);
	cr_assert_eq(memcmp(wk2, z, 32), 0);
	/* Bad check digit: refused without work. */
	memcpy(s, r, sizeof(s));
	s[15] = (char)('0' + (s[15] - '0' + 1) % 10);
	cr_assert_eq(receipt_verify(s, &rec, NULL), 1);

	/* Altered salt, verifier or parameters. */
	alt = rec;
	alt.rr_salt[0] ^= 1;
	cr_assert_eq(receipt_verify(r, &alt, NULL), 1);
	alt = rec;
	alt.rr_verifier[31] ^= 1;
	cr_assert_eq(receipt_verify(r, &alt, NULL), 1);
	alt = rec;
	alt.rr_kdf.k_t = 2;
	cr_assert_eq(receipt_verify(r, &alt, NULL), 1);
	alt = rec;
	alt.rr_kdf.k_m_kib = SECRET_KDF_M_MAX * 2;	/* doctored row */
	cr_assert_eq(receipt_verify(r, &alt, NULL), -1);
	cr_assert_eq(receipt_enroll(s, lk, &fast, &alt, NULL), -1);

	/* Fresh salt per enrolment. */
	cr_assert_eq(receipt_enroll(r, lk, &fast, &alt, NULL), 0);
	cr_assert_neq(memcmp(alt.rr_salt, rec.rr_salt, 16), 0);
	cr_assert_eq(memcmp(alt.rr_lookup, rec.rr_lookup, 16), 0);
	cr_assert_neq(memcmp(alt.rr_verifier, rec.rr_verifier, 32), 0);
}

/*
 * The stored verifier and the wrap key are independent HKDF outputs of
 * the Argon2id output: they differ, and the known-answer values pin the
 * construction of docs/crypto.md §3.
 */
Test(receipt, derive_known_answer_and_separation)
{
	unsigned char	 salt[16], v[32], w[32];
	char		 r[RECEIPT_DIGITS + 1], hv[65], hw[65];
	int		 i;

	for (i = 0; i < 16; i++)
		salt[i] = (unsigned char)(0xa0 + i);
	make("482177301195006", r);
	cr_assert_eq(receipt_derive(r, salt, &fast, v, w), 0);
	cr_assert_neq(memcmp(v, w, 32), 0);
	secret_hex_encode(v, 32, hv);
	secret_hex_encode(w, 32, hw);
	cr_assert_str_eq(hv, DERIVE_KAT_V);
	cr_assert_str_eq(hw, DERIVE_KAT_W);
}

Test(receipt, wrap_unwrap_thread_key)
{
	struct receipt_record	 rec;
	unsigned char		 lk[32], wk[32], bad[32], tk[32], out[32];
	unsigned char		 blob[32 + RECEIPT_WRAP_OVERHEAD];
	const unsigned char	*ad = (const unsigned char *)"case-42";
	char			 r[RECEIPT_DIGITS + 1], s[RECEIPT_DIGITS + 1];
	size_t			 n, m, i;

	secret_random(lk, 32);
	secret_random(tk, 32);
	cr_assert_eq(receipt_generate(r), 0);
	cr_assert_eq(receipt_enroll(r, lk, &fast, &rec, wk), 0);
	n = sizeof(blob) - 1;
	cr_assert_eq(receipt_wrap_thread_key(wk, tk, 32, ad, 7, blob, &n), -1);
	n = sizeof(blob);
	cr_assert_eq(receipt_wrap_thread_key(wk, tk, 32, ad, 7, blob, &n), 0);
	cr_assert_eq(n, 32 + RECEIPT_WRAP_OVERHEAD);
	cr_assert_eq(blob[0], 0x01);

	/* The reporter logs in again and unwraps. */
	cr_assert_eq(receipt_verify(r, &rec, wk), 0);
	m = sizeof(out);
	cr_assert_eq(receipt_unwrap_thread_key(wk, blob, n, ad, 7, out, &m), 0);
	cr_assert_eq(m, 32);
	cr_assert_eq(memcmp(out, tk, 32), 0);

	/* Another receipt's key, the stored verifier, another case: no. */
	do {
		cr_assert_eq(receipt_generate(s), 0);
	} while (strcmp(r, s) == 0);
	cr_assert_eq(receipt_derive(s, rec.rr_salt, &fast, out, bad), 0);
	m = sizeof(out);
	cr_assert_eq(receipt_unwrap_thread_key(bad, blob, n, ad, 7, out, &m),
	    -1);
	m = sizeof(out);
	cr_assert_eq(receipt_unwrap_thread_key(rec.rr_verifier, blob, n, ad, 7,
	    out, &m), -1);
	m = sizeof(out);
	cr_assert_eq(receipt_unwrap_thread_key(wk, blob, n,
	    (const unsigned char *)"case-43", 7, out, &m), -1);
	m = sizeof(out);
	cr_assert_eq(receipt_unwrap_thread_key(wk, blob, n, NULL, 0, out, &m),
	    -1);
	/* Every flipped bit, truncation, and a too-small output buffer. */
	for (i = 0; i < n; i++) {
		blob[i] ^= 0x04;
		m = sizeof(out);
		cr_assert_eq(receipt_unwrap_thread_key(wk, blob, n, ad, 7, out,
		    &m), -1, "byte %zu", i);
		blob[i] ^= 0x04;
	}
	m = sizeof(out);
	cr_assert_eq(receipt_unwrap_thread_key(wk, blob, n - 1, ad, 7, out,
	    &m), -1);
	cr_assert_eq(receipt_unwrap_thread_key(wk, blob, 10, ad, 7, out, &m),
	    -1);
	m = 31;
	cr_assert_eq(receipt_unwrap_thread_key(wk, blob, n, ad, 7, out, &m),
	    -1);
}

/* Long context goes through the heap path of the AAD builder. */
Test(receipt, wrap_long_context)
{
	unsigned char	 wk[32], tk[16], out[16], ad[300];
	unsigned char	 blob[16 + RECEIPT_WRAP_OVERHEAD];
	size_t		 n = sizeof(blob), m = sizeof(out);

	secret_random(wk, 32);
	secret_random(tk, 16);
	secret_random(ad, sizeof(ad));
	cr_assert_eq(receipt_wrap_thread_key(wk, tk, 16, ad, sizeof(ad), blob,
	    &n), 0);
	cr_assert_eq(receipt_unwrap_thread_key(wk, blob, n, ad, sizeof(ad),
	    out, &m), 0);
	cr_assert_eq(memcmp(out, tk, 16), 0);
	ad[299] ^= 1;
	m = sizeof(out);
	cr_assert_eq(receipt_unwrap_thread_key(wk, blob, n, ad, sizeof(ad),
	    out, &m), -1);
}

/* One round at the production default, m = 19 MiB, t = 2, p = 1. */
Test(receipt, default_params_round_trip, .timeout = 30)
{
	struct receipt_record	 rec;
	struct secret_kdf	 k;
	unsigned char		 lk[32], wk[32], wk2[32];
	char			 r[RECEIPT_DIGITS + 1];

	secret_kdf_default(&k);
	secret_random(lk, 32);
	cr_assert_eq(receipt_generate(r), 0);
	cr_assert_eq(receipt_enroll(r, lk, &k, &rec, wk), 0);
	cr_assert_eq(rec.rr_kdf.k_m_kib, 19456);
	cr_assert_eq(receipt_verify(r, &rec, wk2), 0);
	cr_assert_eq(memcmp(wk, wk2, 32), 0);
}

/*
 * A record enrolled before the fast path existed (computed with the
 * reference: the argon2 CLI over libargon2, then HKDF-SHA256 with
 * `openssl kdf`): receipt 4821773011950062, salt "meldpunt-salt-16",
 * the default m = 19456, t = 2, p = 1.  It must still verify, and give
 * the same thread-wrap key, now that hashing runs on libsodium.
 */
Test(receipt, record_from_reference_still_verifies, .timeout = 30)
{
	static const char	 vhex[] = "a9f23b76ad7ce5cc9e8c5b7e4d4e944f"
	    "ee5155f75855b173681a8ef30ea2d14b";
	static const char	 whex[] = "e6a57f024f1ebd47cf3f26f9f9f41922"
	    "67f6d8e965b9454cfd38e3a0540ce8a9";
	struct receipt_record	 rec;
	unsigned char		 wk[32], want[32];
	char			 other[RECEIPT_DIGITS + 1];

	memset(&rec, 0, sizeof(rec));
	secret_kdf_default(&rec.rr_kdf);
	memcpy(rec.rr_salt, "meldpunt-salt-16", 16);
	cr_assert_eq(secret_hex_decode(vhex, 64, rec.rr_verifier, 32), 0);
	cr_assert_eq(secret_hex_decode(whex, 64, want, 32), 0);
	cr_assert_eq(receipt_verify("4821773011950062", &rec, wk), 0);
	cr_assert_eq(memcmp(wk, want, 32), 0);
	cr_assert_eq(receipt_generate(other), 0);
	cr_assert_eq(receipt_verify(other, &rec, wk), 1);
}
