/*
 * A proof-of-work solver written from docs/reporter-api.md ("Proof of
 * work") alone, as an independent client would: it shares no code with
 * daemon/pow.c.  Header-only, so the benchmarks (bench/pubload.h,
 * bench_pow.c) and the tests' client (tests/lib/tpow.c) use the same one.
 *
 *   challenge = the 84 hex digits of GET /v1/challenge (42 bytes; byte 1
 *               is the number of bits)
 *   find the first counter c = 0, 1, 2, ... (8 bytes, big-endian) with
 *   SHA-256(challenge bytes || c) starting with `bits` zero bits
 *   send "Meldpunt-PoW: <challenge hex>:<c as 16 hex digits>"
 *
 * One EVP context is reused across tries: a fresh one-shot per try would
 * spend more time fetching the digest than hashing.
 */
#ifndef MELDPUNT_BENCH_POWSOLVE_H
#define MELDPUNT_BENCH_POWSOLVE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#define PS_CHAL_LEN	42
#define PS_VALUE_LEN	(2 * PS_CHAL_LEN + 1 + 16)	/* hex:counter */

static inline int
ps_unhex(const char *s, unsigned char *out, size_t n)
{
	size_t	 i;
	int	 hi, lo;

	for (i = 0; i < n; i++) {
		hi = s[2 * i] >= 'a' ? s[2 * i] - 'a' + 10 : s[2 * i] - '0';
		lo = s[2 * i + 1] >= 'a' ? s[2 * i + 1] - 'a' + 10 :
		    s[2 * i + 1] - '0';
		if (hi < 0 || hi > 15 || lo < 0 || lo > 15)
			return (-1);
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (0);
}

static inline int
ps_zero_bits_ok(const unsigned char *d, int bits)
{
	int	 i;

	for (i = 0; bits >= 8; i++, bits -= 8)
		if (d[i] != 0)
			return (0);
	return (bits == 0 || (d[i] >> (8 - bits)) == 0);
}

/*
 * Solve the challenge (84 hex digits): the header value into out
 * (PS_VALUE_LEN + 1 bytes), the bits into *bits (may be NULL).  Returns
 * the number of hashes tried, or -1 (malformed, or no solution below
 * 2^40 tries).
 */
static inline long long
ps_solve(const char *hex, char *out, int *bits)
{
	unsigned char	 in[PS_CHAL_LEN + 8], d[EVP_MAX_MD_SIZE];
	EVP_MD_CTX	*ctx;
	EVP_MD		*md;
	uint64_t	 c;
	unsigned int	 dlen;
	long long	 tries = -1;
	int		 i, need;

	if (hex == NULL || strlen(hex) != 2 * PS_CHAL_LEN ||
	    ps_unhex(hex, in, PS_CHAL_LEN) == -1)
		return (-1);
	need = in[1];
	if (bits != NULL)
		*bits = need;
	if ((md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		return (-1);
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		EVP_MD_free(md);
		return (-1);
	}
	for (c = 0; c < (UINT64_C(1) << 40); c++) {
		for (i = 0; i < 8; i++)
			in[PS_CHAL_LEN + i] = (unsigned char)(c >> (56 - 8 * i));
		if (EVP_DigestInit_ex(ctx, md, NULL) != 1 ||
		    EVP_DigestUpdate(ctx, in, sizeof(in)) != 1 ||
		    EVP_DigestFinal_ex(ctx, d, &dlen) != 1)
			break;
		if (ps_zero_bits_ok(d, need)) {
			snprintf(out, PS_VALUE_LEN + 1, "%s:%016llx", hex,
			    (unsigned long long)c);
			tries = (long long)c + 1;
			break;
		}
	}
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
	return (tries);
}

#endif /* MELDPUNT_BENCH_POWSOLVE_H */
