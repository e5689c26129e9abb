/*
 * Tests for crypto/secret.c: secret buffers (creation, mlock with and
 * without permission, wipe on free observed through OpenSSL's allocator
 * hooks), constant-time comparison, strict base64 against RFC 4648 §10
 * and a table of malformed inputs, hex, HKDF (RFC 5869 A.1), AES-GCM
 * tampering, and the Argon2id parameter limits.
 */

#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/capability.h>

#include <spawn.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <openssl/crypto.h>

#include "crypto/secret.h"

Test(secret, new_is_zeroed_and_free_null)
{
	struct secret	*s;
	size_t		 i;

	secret_free(NULL);
	s = secret_new(48);
	cr_assert_not_null(s);
	cr_assert_eq(s->s_len, 48);
	for (i = 0; i < s->s_len; i++)
		cr_assert_eq(s->s_buf[i], 0);
	cr_assert_eq(secret_is_locked(s), 0);
	secret_free(s);
	s = secret_new(0);
	cr_assert_not_null(s);
	cr_assert_not_null(s->s_buf);
	secret_free(s);
	cr_assert_eq(secret_is_locked(NULL), 0);
}

Test(secret, new_from_copies)
{
	const unsigned char	 k[5] = { 1, 2, 3, 4, 5 };
	struct secret		*a, *b;

	a = secret_new_from(k, sizeof(k), 0);
	b = secret_new_from(k, sizeof(k), 1);
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	cr_assert_eq(memcmp(a->s_buf, k, sizeof(k)), 0);
	cr_assert_eq(memcmp(b->s_buf, k, sizeof(k)), 0);
	secret_free(a);
	secret_free(b);
}

/* VmLck from /proc/self/status, in kB. */
static long
vmlck_kb(void)
{
	FILE	*f;
	char	 line[256];
	long	 kb = -1;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return (kb);
}

/* The getter must tell the truth: VmLck grows exactly when it says 1. */
Test(secret, locked_reports_truth)
{
	struct secret	*s;
	long		 before, after;

	before = vmlck_kb();
	s = secret_new_locked(100);
	cr_assert_not_null(s);
	after = vmlck_kb();
	memset(s->s_buf, 0xa5, s->s_len);
	if (secret_is_locked(s))
		cr_assert_gt(after, before);
	else
		cr_assert_eq(after, before);
	secret_free(s);
	cr_assert_eq(vmlck_kb(), before);
}

/*
 * With RLIMIT_MEMLOCK at 0 and CAP_IPC_LOCK dropped (this worker only),
 * mlock() fails: the secret must still be usable and report unlocked.
 */
Test(secret, mlock_refused_is_not_fatal)
{
	struct __user_cap_header_struct	 h;
	struct __user_cap_data_struct	 d[2];
	struct rlimit			 rl = { 0, 0 };
	struct secret			*s;

	memset(&h, 0, sizeof(h));
	h.version = _LINUX_CAPABILITY_VERSION_3;
	cr_assert_eq(syscall(SYS_capget, &h, d), 0);
	d[CAP_IPC_LOCK / 32].effective &= ~(1U << (CAP_IPC_LOCK % 32));
	cr_assert_eq(syscall(SYS_capset, &h, d), 0);
	cr_assert_eq(setrlimit(RLIMIT_MEMLOCK, &rl), 0);

	s = secret_new_locked(32);
	cr_assert_not_null(s);
	cr_assert_eq(secret_is_locked(s), 0);
	memset(s->s_buf, 0x5a, s->s_len);
	cr_assert_eq(s->s_buf[31], 0x5a);
	secret_free(s);
}

/*
 * Wipe on free, observed: OpenSSL's allocator hooks see the buffer as it
 * is handed back.  The hooks can only be installed before OpenSSL's first
 * allocation, and Criterion initialises OpenSSL (through libgit2) before
 * any test runs, so the test re-executes this binary with
 * MELDPUNT_WIPE_PROBE set and a constructor does the check before main().
 */
static const void	*watched;
static int		 watched_seen, watched_clean;

static void *
hook_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return (malloc(n));
}

static void *
hook_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return (realloc(p, n));
}

static void
hook_free(void *p, const char *file, int line)
{
	const unsigned char	*b = p;
	size_t			 i;

	(void)file;
	(void)line;
	if (p != NULL && p == watched) {
		watched_seen = 1;
		watched_clean = 1;
		for (i = 0; i < 64; i++)
			if (b[i] != 0)
				watched_clean = 0;
	}
	free(p);
}

__attribute__((constructor)) static void
wipe_probe(void)
{
	struct secret	*s;

	if (getenv("MELDPUNT_WIPE_PROBE") == NULL)
		return;
	if (CRYPTO_set_mem_functions(hook_malloc, hook_realloc,
	    hook_free) != 1)
		_exit(3);
	if ((s = secret_new(64)) == NULL)
		_exit(4);
	memset(s->s_buf, 0xee, 64);
	watched = s->s_buf;
	secret_free(s);
	_exit(!watched_seen ? 5 : !watched_clean ? 6 : 0);
}

Test(secret, free_wipes_heap_buffer)
{
	char	*argv[] = { "probe", NULL };
	char	*envp[] = { "MELDPUNT_WIPE_PROBE=1", NULL };
	pid_t	 pid;
	int	 st;

	cr_assert_eq(posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv,
	    envp), 0);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st), "probe died");
	cr_assert_eq(WEXITSTATUS(st), 0, "probe status %d (3: hook refused, "
	    "5: not freed via OpenSSL, 6: freed without wiping)",
	    WEXITSTATUS(st));
}

Test(secret, wipe_and_equal)
{
	unsigned char	 a[32], b[32];

	memset(a, 0x11, sizeof(a));
	memcpy(b, a, sizeof(b));
	cr_assert_eq(secret_equal(a, b, sizeof(a)), 1);
	b[31] ^= 0x01;
	cr_assert_eq(secret_equal(a, b, sizeof(a)), 0);
	b[31] ^= 0x01;
	b[0] ^= 0x80;
	cr_assert_eq(secret_equal(a, b, sizeof(a)), 0);
	cr_assert_eq(secret_equal(a, b, 0), 1);
	secret_wipe(a, sizeof(a));
	memset(b, 0, sizeof(b));
	cr_assert_eq(memcmp(a, b, sizeof(a)), 0);
	secret_wipe(NULL, 10);
}

Test(secret, random_differs)
{
	unsigned char	 a[32], b[32], z[32];

	memset(z, 0, sizeof(z));
	cr_assert_eq(secret_random(a, sizeof(a)), 0);
	cr_assert_eq(secret_random(b, sizeof(b)), 0);
	cr_assert_neq(memcmp(a, b, sizeof(a)), 0);
	cr_assert_neq(memcmp(a, z, sizeof(a)), 0);
}

/* RFC 4648 §10. */
Test(secret, b64_rfc4648_vectors)
{
	static const char	*v[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		{ "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	unsigned char		*dec;
	char			*enc;
	size_t			 i, n;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		cr_assert_eq(secret_b64_encode((const unsigned char *)v[i][0],
		    strlen(v[i][0]), &enc, &n), 0);
		cr_assert_str_eq(enc, v[i][1]);
		cr_assert_eq(n, strlen(v[i][1]));
		cr_assert_eq(n, secret_b64_encoded_len(strlen(v[i][0])));
		OPENSSL_free(enc);
		cr_assert_eq(secret_b64_decode(v[i][1], strlen(v[i][1]), &dec,
		    &n), 0, "%s", v[i][1]);
		cr_assert_not_null(dec);
		cr_assert_eq(n, strlen(v[i][0]));
		cr_assert_eq(memcmp(dec, v[i][0], n), 0);
		OPENSSL_free(dec);
	}
}

/* Every byte value and every length 0..100 survives the round trip. */
Test(secret, b64_round_trip)
{
	unsigned char	 buf[256], *dec;
	char		*enc;
	size_t		 i, len, n;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)i;
	cr_assert_eq(secret_b64_encode(buf, 256, &enc, &n), 0);
	cr_assert_eq(secret_b64_decode(enc, n, &dec, &len), 0);
	cr_assert_eq(len, 256);
	cr_assert_eq(memcmp(dec, buf, 256), 0);
	OPENSSL_free(enc);
	OPENSSL_free(dec);
	for (len = 0; len <= 100; len++) {
		cr_assert_eq(secret_random(buf, len), 0);
		cr_assert_eq(secret_b64_encode(buf, len, &enc, &n), 0);
		cr_assert_eq(secret_b64_decode(enc, n, &dec, &i), 0);
		cr_assert_eq(i, len);
		cr_assert_eq(memcmp(dec, buf, len), 0);
		OPENSSL_free(enc);
		OPENSSL_clear_free(dec, len == 0 ? 1 : len);
	}
}

Test(secret, b64_malformed_refused)
{
	static const struct {
		const char	*in;
		size_t		 len;
	} bad[] = {
		{ "Zg=", 3 },		/* length not a multiple of 4 */
		{ "Zg", 2 },		/* unpadded */
		{ "Zm9vYg", 6 },
		{ "Z===", 4 },		/* three pad characters */
		{ "====", 4 },
		{ "=Zg=", 4 },		/* pad first */
		{ "Zg==Zg==", 8 },	/* pad in the middle */
		{ "Zm9=Zm9v", 8 },
		{ "Zh==", 4 },		/* non-canonical trailing bits */
		{ "Zm9=", 4 },
		{ "Zm9vYh==", 8 },
		{ "Zm 9", 4 },		/* whitespace */
		{ " Zm9v", 5 },
		{ "Zm9v\n", 5 },
		{ "Zm9v\r\nZm9v", 10 },
		{ "Zm\t9", 4 },
		{ "Zm-v", 4 },		/* URL-safe alphabet */
		{ "Zm_v", 4 },
		{ "Zm9v=", 5 },
		{ "Zm9vYg=a", 8 },
		{ "Zm9.", 4 },
		{ "Zm\0v", 4 },		/* NUL inside */
		{ "\xc3\xa9Zm", 4 },	/* non-ASCII */
		{ "Zm9\x80", 4 },
		{ "Zm9\xff", 4 },
	};
	unsigned char	*dec;
	size_t		 i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		dec = (unsigned char *)1;
		n = 99;
		cr_assert_eq(secret_b64_decode(bad[i].in, bad[i].len, &dec, &n),
		    -1, "accepted bad input #%zu", i);
		cr_assert_null(dec);
		cr_assert_eq(n, 0);
	}
	cr_assert_eq(secret_b64_decode(NULL, 4, &dec, &n), -1);
}

/* Exhaustive: every 4-character quantum is accepted iff canonical. */
Test(secret, b64_every_single_quantum_canonical)
{
	static const char	 alpha[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char		*dec;
	char			 q[4], *enc;
	size_t			 n, en;
	int			 a, b, ok;

	/* "xy==" for every x, y: canonical iff low 4 bits of y are zero. */
	for (a = 0; a < 64; a++)
		for (b = 0; b < 64; b++) {
			q[0] = alpha[a];
			q[1] = alpha[b];
			q[2] = q[3] = '=';
			ok = secret_b64_decode(q, 4, &dec, &n) == 0;
			cr_assert_eq(ok, (b & 0x0f) == 0);
			if (ok) {
				cr_assert_eq(secret_b64_encode(dec, n, &enc,
				    &en), 0);
				cr_assert_eq(memcmp(enc, q, 4), 0);
				OPENSSL_free(enc);
				OPENSSL_free(dec);
			}
		}
}

Test(secret, hex)
{
	const unsigned char	 in[4] = { 0x00, 0x9f, 0xa0, 0xff };
	unsigned char		 out[4];
	char			 h[9];

	secret_hex_encode(in, 4, h);
	cr_assert_str_eq(h, "009fa0ff");
	cr_assert_eq(secret_hex_decode("009FA0ff", 8, out, 4), 0);
	cr_assert_eq(memcmp(in, out, 4), 0);
	cr_assert_eq(secret_hex_decode("009fa0f", 7, out, 4), -1);
	cr_assert_eq(secret_hex_decode("009fa0fg", 8, out, 4), -1);
	cr_assert_eq(secret_hex_decode("009fa0 f", 8, out, 4), -1);
	cr_assert_eq(secret_hex_decode("009fa0ff00", 10, out, 4), -1);
}

/* RFC 5869 appendix A.1. */
Test(secret, hkdf_rfc5869_a1)
{
	unsigned char	 ikm[22], salt[13], okm[42];
	char		 info[11], hex[85];
	size_t		 i;

	memset(ikm, 0x0b, sizeof(ikm));
	for (i = 0; i < sizeof(salt); i++)
		salt[i] = (unsigned char)i;
	for (i = 0; i < 10; i++)
		info[i] = (char)(0xf0 + i);
	info[10] = '\0';
	cr_assert_eq(secret_hkdf(ikm, sizeof(ikm), salt, sizeof(salt), info,
	    okm, sizeof(okm)), 0);
	secret_hex_encode(okm, sizeof(okm), hex);
	cr_assert_str_eq(hex, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c"
	    "5db02d56ecc4c5bf34007208d5b887185865");
}

Test(secret, gcm_round_trip_and_tamper)
{
	unsigned char	 key[32], nonce[12], pt[40], ct[56], out[40];
	const char	*aad = "context";
	size_t		 i;

	secret_random(key, sizeof(key));
	secret_random(nonce, sizeof(nonce));
	secret_random(pt, sizeof(pt));
	cr_assert_eq(secret_gcm_seal(key, nonce, (const unsigned char *)aad, 7,
	    pt, sizeof(pt), ct), 0);
	cr_assert_eq(secret_gcm_open(key, nonce, (const unsigned char *)aad, 7,
	    ct, sizeof(ct), out), 0);
	cr_assert_eq(memcmp(pt, out, sizeof(pt)), 0);
	for (i = 0; i < sizeof(ct); i++) {
		ct[i] ^= 0x01;
		cr_assert_eq(secret_gcm_open(key, nonce,
		    (const unsigned char *)aad, 7, ct, sizeof(ct), out), -1);
		ct[i] ^= 0x01;
	}
	cr_assert_eq(secret_gcm_open(key, nonce,
	    (const unsigned char *)"contexu", 7, ct, sizeof(ct), out), -1);
	cr_assert_eq(secret_gcm_open(key, nonce, (const unsigned char *)aad, 7,
	    ct, sizeof(ct) - 1, out), -1);
	cr_assert_eq(secret_gcm_open(key, nonce, (const unsigned char *)aad, 7,
	    ct, 15, out), -1);
	key[0] ^= 1;
	cr_assert_eq(secret_gcm_open(key, nonce, (const unsigned char *)aad, 7,
	    ct, sizeof(ct), out), -1);
}

Test(secret, kdf_limits)
{
	struct secret_kdf	 k;
	unsigned char		 out[32], salt[16] = { 0 };

	secret_kdf_default(&k);
	cr_assert_eq(k.k_m_kib, 19456);
	cr_assert_eq(k.k_t, 2);
	cr_assert_eq(k.k_p, 1);
	cr_assert_eq(secret_kdf_check(&k), 0);
	k.k_t = 0;
	cr_assert_eq(secret_kdf_check(&k), -1);
	cr_assert_eq(secret_argon2id(&k, "pw", 2, salt, 16, out, 32), -1);
	k.k_t = 2;
	k.k_m_kib = SECRET_KDF_M_MAX + 1;
	cr_assert_eq(secret_kdf_check(&k), -1);
	k.k_m_kib = 16;
	k.k_p = 4;		/* needs m >= 8 * p */
	cr_assert_eq(secret_kdf_check(&k), -1);
	k.k_p = 0;
	cr_assert_eq(secret_kdf_check(&k), -1);
	k.k_p = SECRET_KDF_P_MAX + 1;
	k.k_m_kib = 1024;
	cr_assert_eq(secret_kdf_check(&k), -1);
	/* Argon2 itself wants salts of at least 8 bytes. */
	k.k_p = 1;
	k.k_m_kib = 64;
	cr_assert_eq(secret_argon2id(&k, "pw", 2, salt, 4, out, 32), -1);
	cr_assert_eq(secret_argon2id(&k, "pw", 2, salt, 16, out, 32), 0);
}

/*
 * The fast path (libsodium) against the reference (libargon2) over the
 * parameters meldpunt uses: memory from the configuration minimum
 * (8 MiB) over the default (19 MiB) to 128 MiB, 1 to 3 passes, the
 * 16-byte salts every record gets, and 16- to 64-byte outputs.  Same
 * bytes, or receipts and passwords stored before the switch would stop
 * verifying.
 */
Test(secret, argon2id_fast_equals_reference_grid, .timeout = 120)
{
	static const struct {
		uint32_t	m, t;
		size_t		out;
	} grid[] = {
		{ 8192, 1, 32 }, { 8192, 2, 32 }, { 8192, 3, 32 },
		{ 19456, 1, 32 }, { 19456, 2, 32 }, { 19456, 3, 32 },
		{ 19456, 2, 16 }, { 19456, 2, 64 },
		{ 65536, 1, 32 }, { 65536, 2, 32 },
		{ 131072, 1, 32 },
	};
	unsigned char	 salt[16], fast[64], ref[64], any[64];
	const char	*pw = "4821773011950062";
	size_t		 i;

	for (i = 0; i < sizeof(grid) / sizeof(grid[0]); i++) {
		struct secret_kdf k = { grid[i].m, grid[i].t, 1 };

		cr_assert_eq(secret_random(salt, sizeof(salt)), 0);
		cr_assert(secret_kdf_fast_ok(&k, 16, grid[i].out));
		cr_assert_eq(secret_argon2id_fast(&k, pw, 16, salt, 16, fast,
		    grid[i].out), 0);
		cr_assert_eq(secret_argon2id_ref(&k, pw, 16, salt, 16, ref,
		    grid[i].out), 0);
		cr_assert_eq(memcmp(fast, ref, grid[i].out), 0,
		    "m=%u t=%u out=%zu", k.k_m_kib, k.k_t, grid[i].out);
		cr_assert_eq(secret_argon2id(&k, pw, 16, salt, 16, any,
		    grid[i].out), 0);
		cr_assert_eq(memcmp(any, ref, grid[i].out), 0);
	}
}

/*
 * What libsodium cannot compute goes to the reference: lanes > 1 and
 * salts other than 16 bytes (the schema allows 16 to 64) were accepted
 * before the fast path existed, so such records must keep verifying.
 */
Test(secret, argon2id_outside_fast_path_uses_reference)
{
	struct secret_kdf	 p2 = { 8192, 1, 2 }, p1 = { 8192, 1, 1 };
	unsigned char		 salt[32] = { 7 }, a[32], b[32];

	cr_assert_not(secret_kdf_fast_ok(&p2, 16, 32));
	cr_assert_eq(secret_argon2id_fast(&p2, "pw", 2, salt, 16, a, 32), -1);
	cr_assert_eq(secret_argon2id(&p2, "pw", 2, salt, 16, a, 32), 0);
	cr_assert_eq(secret_argon2id_ref(&p2, "pw", 2, salt, 16, b, 32), 0);
	cr_assert_eq(memcmp(a, b, 32), 0);

	cr_assert_not(secret_kdf_fast_ok(&p1, 32, 32));
	cr_assert_eq(secret_argon2id_fast(&p1, "pw", 2, salt, 32, a, 32), -1);
	cr_assert_eq(secret_argon2id(&p1, "pw", 2, salt, 32, a, 32), 0);
	cr_assert_eq(secret_argon2id_ref(&p1, "pw", 2, salt, 32, b, 32), 0);
	cr_assert_eq(memcmp(a, b, 32), 0);
	/* Outputs under 16 bytes: libsodium refuses, the reference not. */
	cr_assert_not(secret_kdf_fast_ok(&p1, 16, 8));
	cr_assert_eq(secret_argon2id(&p1, "pw", 2, salt, 16, a, 8), 0);
	cr_assert_eq(secret_argon2id_ref(&p1, "pw", 2, salt, 16, b, 8), 0);
	cr_assert_eq(memcmp(a, b, 8), 0);
}

/* Configuration may only ask for what the fast path computes. */
Test(secret, kdf_config_error_one_line)
{
	struct secret_kdf	 k;
	const char		*why;

	secret_kdf_default(&k);
	cr_assert_null(secret_kdf_config_error(&k));
	k.k_p = 2;
	cr_assert_not_null(why = secret_kdf_config_error(&k));
	cr_assert(strstr(why, "(p) must be 1") != NULL, "%s", why);
	cr_assert(strchr(why, '\n') == NULL);
	k.k_p = 1;
	k.k_m_kib = 4096;
	cr_assert_not_null(why = secret_kdf_config_error(&k));
	cr_assert(strstr(why, "8192 KiB") != NULL, "%s", why);
	k.k_m_kib = 131072;
	k.k_t = 16;
	cr_assert_null(secret_kdf_config_error(&k));
	k.k_t = 0;
	cr_assert_not_null(secret_kdf_config_error(&k));
}

/*
 * secret_fast_stats() counts each hash of the fast path and the CPU time
 * of its thread in it (the public daemon's shutdown line, bench_intake's
 * in-phase bound); refused calls and the reference are not counted.
 */
Test(secret, fast_stats_count_fast_hashes_and_their_cpu)
{
	struct secret_kdf	 k = { 8192, 2, 1 }, p2 = { 8192, 1, 2 };
	unsigned char		 salt[16] = { 3 }, out[32];
	unsigned long		 n0, n1, n2;
	double			 ms0, ms1, ms2;

	cr_assert_eq(secret_init(), 0);
	secret_fast_stats(&n0, &ms0);
	cr_assert_eq(secret_argon2id_fast(&k, "pw one", 6, salt, 16, out, 32),
	    0);
	cr_assert_eq(secret_argon2id_fast(&k, "pw two", 6, salt, 16, out, 32),
	    0);
	secret_fast_stats(&n1, &ms1);
	cr_assert_eq(n1 - n0, 2);
	/* Two passes over 8 MiB take well over 0.1 ms of CPU each. */
	cr_assert_gt(ms1 - ms0, 0.2, "%.3f ms for two hashes", ms1 - ms0);
	cr_assert_eq(secret_argon2id_fast(&p2, "pw", 2, salt, 16, out, 32), -1);
	cr_assert_eq(secret_argon2id_ref(&k, "pw", 2, salt, 16, out, 32), 0);
	secret_fast_stats(&n2, &ms2);
	cr_assert_eq(n2, n1);
	cr_assert_eq(ms2, ms1);
}
