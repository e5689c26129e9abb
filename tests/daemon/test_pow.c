/*
 * daemon/pow.c: the difficulty rule, the challenge format against an
 * independent solver (bench/powsolve.h), every way a header can be wrong,
 * a key shared by processes through the reporter-session key, the source
 * limit, and the spent table.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "bench/powsolve.h"
#include "daemon/pow.h"

static const struct pow_policy	pol = {
	.pp_base = 8, .pp_max = 24, .pp_load_max = 4, .pp_source_free = 3,
	.pp_source_per_bit = 2, .pp_source_limit = 10, .pp_ttl_s = 60,
};
static const unsigned char	tag_a[POW_TAG_LEN] = "source-a-tag-16b";
static const unsigned char	tag_b[POW_TAG_LEN] = "source-b-tag-16b";
static const unsigned char	ikm[32] = "a reporter session key, 32 byte";

Test(pow, bits_follow_load_and_source)
{
	/* Base until the free challenges are used up. */
	cr_expect_eq(pow_bits(&pol, 1, 0), 8);
	cr_expect_eq(pow_bits(&pol, 3, 0), 8);
	/* Then one bit per two challenges. */
	cr_expect_eq(pow_bits(&pol, 4, 0), 9);
	cr_expect_eq(pow_bits(&pol, 5, 0), 9);
	cr_expect_eq(pow_bits(&pol, 6, 0), 10);
	cr_expect_eq(pow_bits(&pol, 13, 0), 13);
	/* Load: nothing below an eighth of the budget, then a bit per
	 * doubling, at most pp_load_max. */
	cr_expect_eq(pow_bits(&pol, 1, 0.1), 8);
	cr_expect_eq(pow_bits(&pol, 1, 0.125), 9);
	cr_expect_eq(pow_bits(&pol, 1, 0.25), 10);
	cr_expect_eq(pow_bits(&pol, 1, 0.5), 11);
	cr_expect_eq(pow_bits(&pol, 1, 1.0), 12);
	cr_expect_eq(pow_bits(&pol, 1, 50.0), 12);
	/* Both, capped at pp_max. */
	cr_expect_eq(pow_bits(&pol, 6, 0.25), 12);
	cr_expect_eq(pow_bits(&pol, 1000, 50.0), 24);
}

/* Issue for tag at now, solve with the independent solver. */
static void
solve(struct pow *pw, const unsigned char *tag, double now, uint64_t wall,
    char value[PS_VALUE_LEN + 1], int *bits)
{
	char	 hex[POW_CHALLENGE_HEXLEN + 1];
	int	 b, sb, retry;

	cr_assert_eq(pow_issue(pw, tag, now, wall, 0, hex, &b, &retry), 0);
	cr_assert_eq(strlen(hex), POW_CHALLENGE_HEXLEN);
	cr_assert_gt(ps_solve(hex, value, &sb), 0);
	cr_assert_eq(sb, b);
	if (bits != NULL)
		*bits = b;
}

Test(pow, issued_and_solved_checks_once)
{
	struct pow		*pw = pow_new(NULL, 0, &pol, 64);
	struct pow_solution	 s;
	char			 v[PS_VALUE_LEN + 1];

	cr_assert_not_null(pw);
	solve(pw, tag_a, 1, 1000, v, NULL);
	cr_expect_eq(pow_check(pw, v, 1000, &s), POW_OK);
	cr_expect_eq(s.ps_bits, 8);
	cr_expect_eq(s.ps_expires, 1060);
	cr_expect_eq(pow_check(pw, v, 1059, &s), POW_OK);
	cr_expect_eq(pow_check(pw, v, 1060, &s), POW_EXPIRED);
	cr_expect_eq(pow_check(pw, NULL, 1000, &s), POW_MISSING);
	/* Spent once; given back; spent again; refused twice. */
	cr_assert_eq(pow_check(pw, v, 1000, &s), POW_OK);
	cr_expect_eq(pow_is_spent(pw, &s, 1000), 0);
	cr_expect_eq(pow_spend(pw, &s, 1000), 0);
	cr_expect_eq(pow_is_spent(pw, &s, 1000), 1);
	cr_expect_eq(pow_spend(pw, &s, 1000), -1);
	pow_unspend(pw, &s);
	cr_expect_eq(pow_is_spent(pw, &s, 1000), 0);
	cr_expect_eq(pow_spend(pw, &s, 1000), 0);
	/* The entry goes with the challenge's expiry. */
	cr_expect_eq(pow_is_spent(pw, &s, 1060), 0);
	pow_free(pw);
	pow_free(NULL);
}

Test(pow, every_wrong_header_is_refused)
{
	struct pow		*pw = pow_new(NULL, 0, &pol, 64);
	struct pow_solution	 s;
	char			 v[PS_VALUE_LEN + 1], w[PS_VALUE_LEN + 8];
	size_t			 i;
	enum pow_verdict	 vd;

	solve(pw, tag_a, 1, 1000, v, NULL);
	/* Every challenge digit changed: malformed (version, bits range)
	 * or forged (MAC). */
	for (i = 0; i < POW_HEADER_LEN; i++) {
		if (v[i] == ':')
			continue;
		memcpy(w, v, sizeof(v));
		w[i] = w[i] == 'f' ? '0' : w[i] == '9' ? 'a' : w[i] + 1;
		vd = pow_check(pw, w, 1000, &s);
		/* Another counter may solve it too (2^-8 at 8 bits). */
		if (i > POW_CHALLENGE_HEXLEN)
			cr_expect(vd == POW_WEAK || vd == POW_OK,
			    "counter digit %zu: %d", i, vd);
		else
			cr_expect(vd == POW_MALFORMED || vd == POW_FORGED,
			    "challenge digit %zu: %d", i, vd);
	}
	/* Syntax: length, separator, case, junk. */
	cr_expect_eq(pow_check(pw, "", 1000, &s), POW_MALFORMED);
	memcpy(w, v, sizeof(v));
	w[POW_CHALLENGE_HEXLEN] = '-';
	cr_expect_eq(pow_check(pw, w, 1000, &s), POW_MALFORMED);
	memcpy(w, v, sizeof(v));
	w[0] = 'A';
	cr_expect_eq(pow_check(pw, w, 1000, &s), POW_MALFORMED);
	snprintf(w, sizeof(w), "%sx", v);
	cr_expect_eq(pow_check(pw, w, 1000, &s), POW_MALFORMED);
	snprintf(w, sizeof(w), " %s\t", v);
	cr_expect_eq(pow_check(pw, w, 1000, &s), POW_OK);
	memcpy(w, v, sizeof(v));
	w[40] = '\0';
	cr_expect_eq(pow_check(pw, w, 1000, &s), POW_MALFORMED);
	pow_free(pw);
}

Test(pow, raised_base_refuses_older_easier_challenges)
{
	struct pow_policy	 hard = pol;
	struct pow		*easy, *strict;
	struct pow_solution	 s;
	char			 v[PS_VALUE_LEN + 1];

	hard.pp_base = 12;
	hard.pp_max = 24;
	cr_assert_not_null(easy = pow_new(ikm, sizeof(ikm), &pol, 64));
	cr_assert_not_null(strict = pow_new(ikm, sizeof(ikm), &hard, 64));
	solve(easy, tag_a, 1, 1000, v, NULL);
	cr_expect_eq(pow_check(easy, v, 1000, &s), POW_OK);
	cr_expect_eq(pow_check(strict, v, 1000, &s), POW_WEAK);
	pow_free(easy);
	pow_free(strict);
}

Test(pow, processes_sharing_the_session_key_share_challenges)
{
	unsigned char		 other[32];
	struct pow		*a, *b, *c, *r;
	struct pow_solution	 s;
	char			 v[PS_VALUE_LEN + 1];

	memcpy(other, ikm, sizeof(other));
	other[0] ^= 1;
	cr_assert_not_null(a = pow_new(ikm, sizeof(ikm), &pol, 64));
	cr_assert_not_null(b = pow_new(ikm, sizeof(ikm), &pol, 64));
	cr_assert_not_null(c = pow_new(other, sizeof(other), &pol, 64));
	cr_assert_not_null(r = pow_new(NULL, 0, &pol, 64));
	solve(a, tag_a, 1, 1000, v, NULL);
	cr_expect_eq(pow_check(b, v, 1000, &s), POW_OK);
	cr_expect_eq(pow_check(c, v, 1000, &s), POW_FORGED);
	cr_expect_eq(pow_check(r, v, 1000, &s), POW_FORGED);
	/* Spent in a, not in b: per process (documented). */
	cr_assert_eq(pow_check(a, v, 1000, &s), POW_OK);
	cr_expect_eq(pow_spend(a, &s, 1000), 0);
	cr_expect_eq(pow_is_spent(b, &s, 1000), 0);
	pow_free(a);
	pow_free(b);
	pow_free(c);
	pow_free(r);
}

Test(pow, source_score_rises_decays_and_limits)
{
	struct pow	*pw = pow_new(NULL, 0, &pol, 64);
	char		 hex[POW_CHALLENGE_HEXLEN + 1];
	int		 i, bits, retry;

	for (i = 1; i <= 10; i++) {
		cr_assert_eq(pow_issue(pw, tag_a, 100, 1000, 0, hex, &bits,
		    &retry), 0, "challenge %d", i);
		cr_expect_eq(bits, pow_bits(&pol, i, 0));
	}
	cr_expect_eq(bits, 8 + 4);
	/* The limit: the eleventh is refused, with when to come back. */
	cr_expect_eq(pow_issue(pw, tag_a, 100, 1000, 0, hex, &bits, &retry),
	    -1);
	cr_expect_geq(retry, 1);
	cr_expect_lt(retry, 900);
	cr_expect_eq(pow_charge(pw, tag_a, 100, &retry), -1);
	/* Another source is untouched. */
	cr_expect_eq(pow_issue(pw, tag_b, 100, 1000, 0, hex, &bits, &retry),
	    0);
	cr_expect_eq(bits, 8);
	/* After the Retry-After, one more fits; after an hour, the base. */
	cr_expect_eq(pow_issue(pw, tag_a, 100, 1000, 0, hex, &bits, &retry),
	    -1);
	cr_expect_eq(pow_issue(pw, tag_a, 100 + retry + 1, 1000, 0, hex,
	    &bits, &retry), 0);
	cr_expect_lt(pow_score(pw, tag_a, 100 + 3600), 1.0);
	pow_free(pw);
}

Test(pow, spent_table_full_refuses_without_forgetting)
{
	struct pow_policy	 many = pol;
	struct pow		*pw;
	struct pow_solution	 s[40];
	char			 v[PS_VALUE_LEN + 1];
	int			 i, full = 0;

	many.pp_source_limit = 1000;
	cr_assert_not_null(pw = pow_new(NULL, 0, &many, 32));
	for (i = 0; i < 40; i++) {
		solve(pw, tag_b, i, 1000, v, NULL);
		cr_assert_eq(pow_check(pw, v, 1000, &s[i]), POW_OK);
		if (pow_spend(pw, &s[i], 1000) == -1)
			full++;
	}
	/* 32 slots: the other 8 are refused, none is forgotten. */
	cr_expect_eq(full, 8);
	for (i = 0; i < 40; i++)
		if (pow_is_spent(pw, &s[i], 1000))
			full++;
	cr_expect_eq(full, 40);
	/* Expiry frees them all. */
	cr_expect_eq(pow_spend(pw, &s[0], 1060), 0);
	pow_free(pw);
}

/*
 * The derivation and layout of docs/crypto.md §15, computed apart (with
 * Python's hmac and hashlib) into tests/fuzz/corpus/pow/genuine: the key
 * HMAC-SHA256(ikm, "meldpunt-pow-challenge-v1" || 0x01), 4 bits, expiry
 * 2000, nonce 00..0f, counter 0x1a.
 */
Test(pow, documented_vector)
{
	static const unsigned char	 fk[32] =
	    "fuzz pow key: not a real key!!!";
	const char			*v = "010400000000000007d000010203040506"
	    "0708090a0b0c0d0e0f2578568217eb16c524588ca808376944:"
	    "000000000000001a";
	struct pow_policy		 p4 = pol;
	struct pow			*pw;
	struct pow_solution		 s;
	char				 hex[POW_CHALLENGE_HEXLEN + 1];
	char				 out[PS_VALUE_LEN + 1];

	p4.pp_base = 4;
	cr_assert_not_null(pw = pow_new(fk, sizeof(fk), &p4, 64));
	cr_expect_eq(pow_check(pw, v, 1000, &s), POW_OK);
	cr_expect_eq(s.ps_bits, 4);
	cr_expect_eq(s.ps_expires, 2000);
	cr_expect_eq(pow_check(pw, v, 2000, &s), POW_EXPIRED);
	/* The C client's solver finds the same (first) counter. */
	memcpy(hex, v, POW_CHALLENGE_HEXLEN);
	hex[POW_CHALLENGE_HEXLEN] = '\0';
	cr_expect_eq(ps_solve(hex, out, NULL), 0x1a + 1);
	cr_expect_str_eq(out, v);
	pow_free(pw);
}
