/*
 * Tests for crypto/totp.c: RFC 4226 appendix D (HOTP) and RFC 6238
 * appendix B (TOTP, SHA-1, 8 digits) values, base32 per RFC 4648 §10
 * and refused spellings, the verification window and the step it
 * reports (which callers use to refuse replays), code parsing, the
 * otpauth:// URI, and a live comparison with oathtool when installed.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "crypto/secret.h"
#include "crypto/totp.h"

#define OATHTOOL	"/usr/bin/oathtool"

static const unsigned char	*rfc_key =
    (const unsigned char *)"12345678901234567890";

Test(totp, hotp_rfc4226_appendix_d)
{
	static const char	*want[] = {
		"755224", "287082", "359152", "969429", "338314",
		"254676", "287922", "162583", "399871", "520489",
	};
	char			 out[9];
	uint64_t		 c;

	for (c = 0; c < 10; c++) {
		cr_assert_eq(totp_hotp(rfc_key, 20, c, 6, out), 0);
		cr_assert_str_eq(out, want[c], "counter %ju", (uintmax_t)c);
	}
}

Test(totp, rfc6238_appendix_b_sha1)
{
	static const struct {
		int64_t		 t;
		const char	*code;
	} v[] = {
		{ 59, "94287082" }, { 1111111109, "07081804" },
		{ 1111111111, "14050471" }, { 1234567890, "89005924" },
		{ 2000000000, "69279037" }, { 20000000000LL, "65353130" },
	};
	char	 out[9];
	size_t	 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		cr_assert_eq(totp_code(rfc_key, 20, v[i].t, 8, out), 0);
		cr_assert_str_eq(out, v[i].code, "t=%jd", (intmax_t)v[i].t);
		/* The 6-digit code is the last six of the same number. */
		cr_assert_eq(totp_code(rfc_key, 20, v[i].t, 6, out), 0);
		cr_assert_str_eq(out, v[i].code + 2);
	}
	cr_assert_eq(totp_step(59), 1);
	cr_assert_eq(totp_step(1111111109), 37037036);
	cr_assert_eq(totp_code(rfc_key, 20, -1, 6, out), -1);
	cr_assert_eq(totp_code(rfc_key, 20, 59, 5, out), -1);
	cr_assert_eq(totp_code(rfc_key, 20, 59, 9, out), -1);
}

Test(totp, base32_rfc4648_vectors)
{
	static const char	*v[][2] = {
		{ "", "" }, { "f", "MY" }, { "fo", "MZXQ" },
		{ "foo", "MZXW6" }, { "foob", "MZXW6YQ" },
		{ "fooba", "MZXW6YTB" }, { "foobar", "MZXW6YTBOI" },
	};
	unsigned char		 dec[16];
	char			 enc[32], lower[32];
	size_t			 i, j, n;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		cr_assert_eq(totp_base32_encode((const unsigned char *)v[i][0],
		    strlen(v[i][0]), enc, sizeof(enc)), 0);
		cr_assert_str_eq(enc, v[i][1]);
		cr_assert_eq(strlen(enc), TOTP_B32_LEN(strlen(v[i][0])));
		cr_assert_eq(totp_base32_decode(v[i][1], strlen(v[i][1]), dec,
		    sizeof(dec), &n), 0);
		cr_assert_eq(n, strlen(v[i][0]));
		cr_assert_eq(memcmp(dec, v[i][0], n), 0);
		for (j = 0; v[i][1][j] != '\0'; j++)
			lower[j] = (char)(v[i][1][j] | 0x20);
		lower[j] = '\0';
		cr_assert_eq(totp_base32_decode(lower, j, dec, sizeof(dec),
		    &n), 0, "%s", lower);
		cr_assert_eq(memcmp(dec, v[i][0], n), 0);
	}
	/* Too small an output buffer. */
	cr_assert_eq(totp_base32_encode((const unsigned char *)"foo", 3, enc,
	    5), -1);
	cr_assert_eq(totp_base32_decode("MZXW6YTBOI", 10, dec, 5, &n), -1);
}

Test(totp, base32_refuses)
{
	static const char	*bad[] = {
		"MY======",	/* padding is not accepted */
		"MY=",
		"M",		/* impossible lengths */
		"MZX",
		"MZXW6Y",
		"MZ",		/* non-zero unused bits */
		"MZXR",
		"MY ",
		" MY",
		"M Y",
		"M1",		/* 0, 1, 8, 9 are not in the alphabet */
		"M8",
		"M0",
		"MZXW-6YQ",
	};
	unsigned char		 dec[16];
	size_t			 i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(totp_base32_decode(bad[i], strlen(bad[i]), dec,
		    sizeof(dec), &n), -1, "accepted %s", bad[i]);
}

Test(totp, secret_round_trip)
{
	unsigned char	 k[TOTP_SECRET_LEN], d[TOTP_SECRET_LEN];
	char		 b[TOTP_B32_LEN(TOTP_SECRET_LEN) + 1];
	size_t		 n;

	cr_assert_eq(totp_secret_new(k, sizeof(k)), 0);
	cr_assert_eq(totp_secret_new(k, 8), -1);
	cr_assert_eq(totp_base32_encode(k, sizeof(k), b, sizeof(b)), 0);
	cr_assert_eq(strlen(b), 32);
	cr_assert_eq(totp_base32_decode(b, 32, d, sizeof(d), &n), 0);
	cr_assert_eq(n, 20);
	cr_assert_eq(memcmp(k, d, 20), 0);
}

/* Window ±1 accepts the neighbouring steps and names the one matched. */
Test(totp, verify_window_and_step)
{
	int64_t	 now = 1111111111, t = now / 30, m;
	char	 code[9];
	int	 d;

	for (d = -3; d <= 3; d++) {
		cr_assert_eq(totp_hotp(rfc_key, 20, (uint64_t)(t + d), 6, code),
		    0);
		m = 12345;
		if (d >= -1 && d <= 1) {
			cr_assert_eq(totp_verify(rfc_key, 20, code, now, 1, &m),
			    0, "offset %d", d);
			cr_assert_eq(m, t + d);
		} else {
			cr_assert_eq(totp_verify(rfc_key, 20, code, now, 1, &m),
			    1, "offset %d", d);
			cr_assert_eq(m, -1);
		}
		cr_assert_eq(totp_verify(rfc_key, 20, code, now, 0, &m),
		    d == 0 ? 0 : 1);
	}
	/* Any second inside the step gives the same answer. */
	cr_assert_eq(totp_code(rfc_key, 20, t * 30, 6, code), 0);
	cr_assert_eq(totp_verify(rfc_key, 20, code, t * 30 + 29, 0, &m), 0);
	cr_assert_eq(totp_verify(rfc_key, 20, code, t * 30 + 30, 0, &m), 1);
	cr_assert_eq(totp_verify(rfc_key, 20, code, t * 30 + 30, 1, &m), 0);
	cr_assert_eq(m, t);
	/* Bad arguments. */
	cr_assert_eq(totp_verify(rfc_key, 20, code, now, -1, &m), -1);
	cr_assert_eq(totp_verify(rfc_key, 20, code, now, TOTP_WINDOW_MAX + 1,
	    &m), -1);
	cr_assert_eq(totp_verify(rfc_key, 10, code, now, 1, &m), -1);
	cr_assert_eq(totp_verify(rfc_key, 20, code, -5, 1, &m), -1);
	cr_assert_eq(totp_verify(rfc_key, 20, NULL, now, 1, &m), -1);
	/* Near the epoch the window does not go below step 0. */
	cr_assert_eq(totp_code(rfc_key, 20, 0, 6, code), 0);
	cr_assert_eq(totp_verify(rfc_key, 20, code, 10, 1, &m), 0);
	cr_assert_eq(m, 0);
}

/*
 * The replay rule callers apply: accept only a step beyond the last one
 * used.  The same code inside its validity gives the same step back, so
 * the second use is recognisable.
 */
Test(totp, replay_is_detectable)
{
	int64_t	 now = 2000000000, last = -1, m1, m2;
	char	 code[9];

	cr_assert_eq(totp_code(rfc_key, 20, now, 6, code), 0);
	cr_assert_eq(totp_verify(rfc_key, 20, code, now, 1, &m1), 0);
	cr_assert_gt(m1, last);
	last = m1;
	cr_assert_eq(totp_verify(rfc_key, 20, code, now + 25, 1, &m2), 0);
	cr_assert_eq(m2, m1);
	cr_assert_leq(m2, last, "replay would not be noticed");
	/* The next step's code is fresh. */
	cr_assert_eq(totp_code(rfc_key, 20, now + 30, 6, code), 0);
	cr_assert_eq(totp_verify(rfc_key, 20, code, now + 30, 1, &m2), 0);
	cr_assert_gt(m2, last);
}

Test(totp, code_parsing)
{
	static const char	*bad[] = {
		"", "12345", "1234567", "12345a", "12 3456", "1234 56",
		"123  456", " 123456", "123456 ", "123-456", "123\t456",
		"\xef\xbc\x91" "23456", "+12345", "１２３４５６",
	};
	int64_t			 now = 1234567890, m;
	char			 code[9], spaced[9];
	size_t			 i;

	cr_assert_eq(totp_code(rfc_key, 20, now, 6, code), 0);
	snprintf(spaced, sizeof(spaced), "%.3s %.3s", code, code + 3);
	cr_assert_eq(totp_verify(rfc_key, 20, spaced, now, 1, &m), 0);
	cr_assert_eq(totp_verify(rfc_key, 20, code, now, 1, &m), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(totp_verify(rfc_key, 20, bad[i], now, 1, &m), 1,
		    "#%zu", i);
}

Test(totp, otpauth_uri)
{
	char	*u;

	u = totp_uri("Meldpunt NL", "j.jansen@example.nl", rfc_key, 20);
	cr_assert_not_null(u);
	cr_assert_str_eq(u, "otpauth://totp/Meldpunt%20NL:j.jansen%40example.nl"
	    "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Meldpunt%20NL"
	    "&algorithm=SHA1&digits=6&period=30");
	free(u);
	u = totp_uri("A:B&C", "\xc3\xa9?=/", rfc_key, 20);
	cr_assert_not_null(u);
	cr_assert_str_eq(u, "otpauth://totp/A%3AB%26C:%C3%A9%3F%3D%2F"
	    "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=A%3AB%26C"
	    "&algorithm=SHA1&digits=6&period=30");
	free(u);
	cr_assert_null(totp_uri("", "x", rfc_key, 20));
	cr_assert_null(totp_uri("x", "", rfc_key, 20));
	cr_assert_null(totp_uri("x", "y", rfc_key, 8));
}

/* Live cross-check with OATH Toolkit, an independent implementation. */
Test(totp, matches_oathtool)
{
	unsigned char	 k[TOTP_SECRET_LEN];
	char		 b[40], cmd[160], theirs[16], mine[9];
	int64_t		 now;
	FILE		*p;
	int		 i;

	if (access(OATHTOOL, X_OK) != 0)
		cr_skip_test("oathtool absent (package oathtool); the RFC "
		    "vectors above still ran");
	for (i = 0; i < 8; i++) {
		cr_assert_eq(totp_secret_new(k, sizeof(k)), 0);
		cr_assert_eq(totp_base32_encode(k, sizeof(k), b, sizeof(b)), 0);
		now = 1700000000 + i * 7919;
		snprintf(cmd, sizeof(cmd), OATHTOOL " --totp -b %s -N @%jd",
		    b, (intmax_t)now);
		cr_assert_not_null(p = popen(cmd, "r"));
		cr_assert_not_null(fgets(theirs, sizeof(theirs), p));
		cr_assert_eq(pclose(p), 0);
		theirs[strcspn(theirs, "\n")] = '\0';
		cr_assert_eq(totp_code(k, sizeof(k), now, 6, mine), 0);
		cr_assert_str_eq(mine, theirs);
	}
}
