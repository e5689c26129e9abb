/*
 * Micro-benchmark of the CPU work the daemon hands to its worker threads:
 * HPKE single-shot seal and open per second for the P-256 and X25519
 * suites, and milliseconds per Argon2id hash.  The Argon2id figure is the
 * bound that DESIGN.md section 8 compares submission and receipt-login
 * throughput against.  Each HPKE row runs for about one second (bounded
 * by an iteration cap as well); Argon2id runs a fixed small count.
 *
 * usage: bench_crypto [m_kib t p]     (default 19456 2 1, OWASP's)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <argon2.h>

#include "crypto/hpke.h"

#define HPKE_SECONDS	1.0
#define HPKE_MAX_ITER	200000
#define ARGON2_ITER	5

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Report sealing wraps a 32-byte DEK: measure exactly that. */
static int
bench_hpke(const char *name, const struct hpke_suite *s)
{
	struct hpke_key	*sk;
	uint8_t		 dek[32], enc[HPKE_MAX_ENC];
	uint8_t		 ct[32 + HPKE_TAG_LEN];
	uint8_t		 pt[32];
	size_t		 enclen;
	double		 t0, seal_s, open_s;
	long		 n, nseal, nopen;

	memset(dek, 0x5a, sizeof(dek));
	if ((sk = hpke_key_new(s->kem)) == NULL)
		return (-1);
	t0 = now();
	for (n = 0; n < HPKE_MAX_ITER && now() - t0 < HPKE_SECONDS; n++) {
		enclen = sizeof(enc);
		if (hpke_seal(s, sk, (const uint8_t *)"bench", 5, NULL, 0, dek,
		    sizeof(dek), enc, &enclen, ct) == -1)
			goto fail;
	}
	seal_s = now() - t0;
	nseal = n;
	t0 = now();
	for (n = 0; n < HPKE_MAX_ITER && now() - t0 < HPKE_SECONDS; n++)
		if (hpke_open(s, sk, enc, enclen, (const uint8_t *)"bench", 5,
		    NULL, 0, ct, sizeof(ct), pt) == -1)
			goto fail;
	open_s = now() - t0;
	nopen = n;
	printf("| %-32s | %12.0f | %12.0f |\n", name,
	    nseal / seal_s, nopen / open_s);
	hpke_key_free(sk);
	return (0);
 fail:
	fprintf(stderr, "%s: HPKE failed\n", name);
	hpke_key_free(sk);
	return (-1);
}

static int
bench_argon2(uint32_t m, uint32_t t, uint32_t p)
{
	uint8_t	 salt[16], out[32];
	char	 label[64];
	double	 t0, best = 1e9, total = 0, dt;
	int	 i, rc;

	memset(salt, 0x11, sizeof(salt));
	for (i = 0; i < ARGON2_ITER; i++) {
		t0 = now();
		rc = argon2id_hash_raw(t, m, p, "4821773011950062", 16, salt,
		    sizeof(salt), out, sizeof(out));
		dt = now() - t0;
		if (rc != ARGON2_OK) {
			fprintf(stderr, "argon2id: %s\n",
			    argon2_error_message(rc));
			return (-1);
		}
		total += dt;
		if (dt < best)
			best = dt;
	}
	printf("\n| %-32s | %12s | %12s | %12s |\n", "Argon2id (one thread)",
	    "mean ms/hash", "best ms/hash", "hashes/s");
	printf("|%s|%s|%s|%s|\n", "----------------------------------",
	    "--------------", "--------------", "--------------");
	snprintf(label, sizeof(label), "m=%u KiB, t=%u, p=%u", m, t, p);
	printf("| %-32s | %12.1f | %12.1f | %12.1f |\n", label,
	    total / ARGON2_ITER * 1e3, best * 1e3, ARGON2_ITER / total);
	return (0);
}

static int
parse_u32(const char *s, uint32_t *out)
{
	char		*end;
	unsigned long	 v;

	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v == 0 || v > 0xffffffffUL)
		return (-1);
	*out = (uint32_t)v;
	return (0);
}

int
main(int argc, char *argv[])
{
	static const struct {
		const char		*name;
		struct hpke_suite	 suite;
	} suites[] = {
		{ "P-256/HKDF-SHA256/AES-256-GCM", { HPKE_KEM_P256_SHA256,
		    HPKE_KDF_HKDF_SHA256, HPKE_AEAD_AES256GCM } },
		{ "X25519/HKDF-SHA256/AES-256-GCM", { HPKE_KEM_X25519_SHA256,
		    HPKE_KDF_HKDF_SHA256, HPKE_AEAD_AES256GCM } },
		{ "X25519/HKDF-SHA256/AES-128-GCM", { HPKE_KEM_X25519_SHA256,
		    HPKE_KDF_HKDF_SHA256, HPKE_AEAD_AES128GCM } },
	};
	uint32_t	m = 19456, t = 2, p = 1;
	size_t		i;
	int		rc = 0;

	if (argc != 1 && argc != 4) {
		fprintf(stderr, "usage: %s [m_kib t p]\n", argv[0]);
		return (2);
	}
	if (argc == 4 && (parse_u32(argv[1], &m) == -1 ||
	    parse_u32(argv[2], &t) == -1 || parse_u32(argv[3], &p) == -1)) {
		fprintf(stderr, "%s: m, t and p must be positive integers\n",
		    argv[0]);
		return (2);
	}
	printf("| %-32s | %12s | %12s |\n", "HPKE suite (one thread, 32 B)",
	    "seal/s", "open/s");
	printf("|%s|%s|%s|\n", "----------------------------------",
	    "--------------", "--------------");
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (bench_hpke(suites[i].name, &suites[i].suite) == -1)
			rc = 1;
	if (bench_argon2(m, t, p) == -1)
		rc = 1;
	return (rc);
}
