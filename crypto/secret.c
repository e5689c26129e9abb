/*
 * Secret memory and shared primitives for crypto/.  Secrets live in
 * struct secret buffers that are wiped on free; long-lived ones (session
 * keys, a handler's unwrapped private key) come from secret_new_locked(),
 * which maps whole pages so that mlock() pins only them and keeps them
 * out of core dumps.  mlock() is best effort: RLIMIT_MEMLOCK is small on
 * many systems, so failure is recorded (secret_is_locked()) for the
 * daemon to report once at start-up, not treated as fatal.
 *
 * The base64 decoder here parses every base64 field the daemon takes
 * from untrusted JSON, so it is strict (one canonical spelling per byte
 * string) and decodes characters without table look-ups or branches on
 * the data, because some of those fields carry key material.
 */

#include <sys/types.h>
#include <sys/mman.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <argon2.h>
#include <sodium.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "crypto/argonmem.h"
#include "crypto/secret.h"

/*
 * mlock()/munlock() as system calls where possible: AddressSanitizer
 * replaces the libc functions with no-ops that report success, which
 * would make secret_is_locked() lie in sanitizer builds.
 */
static int
page_lock(void *p, size_t len)
{
#if defined(__linux__) && defined(SYS_mlock)
	return ((int)syscall(SYS_mlock, p, len));
#else
	return (mlock(p, len));
#endif
}

static void
page_unlock(void *p, size_t len)
{
#if defined(__linux__) && defined(SYS_munlock)
	(void)syscall(SYS_munlock, p, len);
#else
	(void)munlock(p, len);
#endif
}

/*
 * A plain secret on the heap.  Zero-length secrets still get one byte so
 * that s_buf is never NULL.  The caller frees with secret_free().
 */
struct secret *
secret_new(size_t len)
{
	struct secret	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	if ((s->s_buf = OPENSSL_zalloc(len == 0 ? 1 : len)) == NULL) {
		free(s);
		return (NULL);
	}
	s->s_len = len;
	return (s);
}

/*
 * A secret on pages of its own, mlock()ed when the limit allows and
 * excluded from core dumps.  Returns NULL only when memory itself cannot
 * be had; a refused mlock() leaves s_locked at 0.
 */
struct secret *
secret_new_locked(size_t len)
{
	struct secret	*s;
	long		 pg;
	size_t		 maplen;
	void		*p;

	if ((pg = sysconf(_SC_PAGESIZE)) <= 0)
		pg = 4096;
	if (len > SIZE_MAX - (size_t)pg)
		return (NULL);
	maplen = ((len == 0 ? 1 : len) + (size_t)pg - 1) / (size_t)pg *
	    (size_t)pg;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	p = mmap(NULL, maplen, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		free(s);
		return (NULL);
	}
	s->s_buf = p;
	s->s_len = len;
	s->s_maplen = maplen;
	s->s_locked = (page_lock(p, maplen) == 0);
#ifdef MADV_DONTDUMP
	(void)madvise(p, maplen, MADV_DONTDUMP);
#endif
	return (s);
}

/* A copy of buf[0..len) in a new secret, page-locked when locked != 0. */
struct secret *
secret_new_from(const void *buf, size_t len, int locked)
{
	struct secret	*s;

	s = locked ? secret_new_locked(len) : secret_new(len);
	if (s != NULL && len > 0)
		memcpy(s->s_buf, buf, len);
	return (s);
}

/* 1 when the secret's pages are pinned in RAM, 0 otherwise. */
int
secret_is_locked(const struct secret *s)
{
	return (s != NULL && s->s_locked);
}

/* Wipe and release; NULL is a no-op. */
void
secret_free(struct secret *s)
{
	if (s == NULL)
		return;
	if (s->s_maplen > 0) {
		OPENSSL_cleanse(s->s_buf, s->s_maplen);
		if (s->s_locked)
			page_unlock(s->s_buf, s->s_maplen);
		(void)munmap(s->s_buf, s->s_maplen);
	} else
		OPENSSL_clear_free(s->s_buf, s->s_len == 0 ? 1 : s->s_len);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

void
secret_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		OPENSSL_cleanse(p, len);
}

/* 1 when a and b hold the same len bytes; time depends on len only. */
int
secret_equal(const void *a, const void *b, size_t len)
{
	return (CRYPTO_memcmp(a, b, len) == 0);
}

/* Fill from the OS-seeded private DRBG.  0 on success, -1 on failure. */
int
secret_random(void *buf, size_t len)
{
	unsigned char	*p = buf;
	size_t		 n;

	while (len > 0) {
		n = len > INT_MAX ? INT_MAX : len;
		if (RAND_priv_bytes(p, (int)n) != 1)
			return (-1);
		p += n;
		len -= n;
	}
	return (0);
}

/*
 * Constant-time base64 alphabet mapping (after the technique in
 * paragonie/constant_time_encoding): each range test is turned into an
 * all-ones or all-zero mask by the sign of a product of differences.
 * Returns 0..63, or -1 for any byte outside the alphabet.
 */
static int
b64_val(unsigned char c)
{
	int	 s = c, r = -1;

	r += (((0x40 - s) & (s - 0x5b)) >> 8) & (s - 64);	/* A-Z */
	r += (((0x60 - s) & (s - 0x7b)) >> 8) & (s - 70);	/* a-z */
	r += (((0x2f - s) & (s - 0x3a)) >> 8) & (s + 5);	/* 0-9 */
	r += (((0x2a - s) & (s - 0x2c)) >> 8) & 63;		/* + */
	r += (((0x2e - s) & (s - 0x30)) >> 8) & 64;		/* / */
	return (r);
}

static char
b64_chr(unsigned int v)
{
	int	 s = (int)(v & 63), d = s + 65;

	d += ((25 - s) >> 8) & 6;
	d -= ((51 - s) >> 8) & 75;
	d -= ((61 - s) >> 8) & 15;
	d += ((62 - s) >> 8) & 3;
	return ((char)d);
}

/* Length of the padded encoding of len bytes, without the NUL. */
size_t
secret_b64_encoded_len(size_t len)
{
	return ((len + 2) / 3 * 4);
}

/*
 * Encode in[0..inlen) as padded base64.  *out is a NUL-terminated string
 * the caller frees with OPENSSL_free() (OPENSSL_clear_free() when it
 * encodes a secret); *outlen, if not NULL, gets its length.
 */
int
secret_b64_encode(const unsigned char *in, size_t inlen, char **out,
    size_t *outlen)
{
	char		*o;
	size_t		 i, j, n;
	uint32_t	 w;

	*out = NULL;
	if (inlen > (SIZE_MAX - 1) / 4 * 3 - 2)
		return (-1);
	n = secret_b64_encoded_len(inlen);
	if ((o = OPENSSL_malloc(n + 1)) == NULL)
		return (-1);
	for (i = 0, j = 0; i + 3 <= inlen; i += 3, j += 4) {
		w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		o[j] = b64_chr(w >> 18);
		o[j + 1] = b64_chr(w >> 12);
		o[j + 2] = b64_chr(w >> 6);
		o[j + 3] = b64_chr(w);
	}
	if (inlen - i == 1) {
		w = (uint32_t)in[i] << 16;
		o[j] = b64_chr(w >> 18);
		o[j + 1] = b64_chr(w >> 12);
		o[j + 2] = '=';
		o[j + 3] = '=';
		j += 4;
	} else if (inlen - i == 2) {
		w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		o[j] = b64_chr(w >> 18);
		o[j + 1] = b64_chr(w >> 12);
		o[j + 2] = b64_chr(w >> 6);
		o[j + 3] = '=';
		j += 4;
	}
	o[j] = '\0';
	*out = o;
	if (outlen != NULL)
		*outlen = j;
	return (0);
}

/*
 * Strict decoding of RFC 4648 §4 base64 with padding: the length is a
 * multiple of four, only the alphabet appears except one or two '=' at
 * the very end, and the bits that padding leaves unused are zero, so a
 * byte string has exactly one accepted spelling.  No whitespace, no
 * line breaks, no URL-safe alphabet.  The empty string decodes to zero
 * bytes.  On success *out (never NULL) is the caller's to free with
 * OPENSSL_clear_free(*out, *outlen); on failure *out is NULL.
 */
int
secret_b64_decode(const char *in, size_t inlen, unsigned char **out,
    size_t *outlen)
{
	unsigned char	*o;
	size_t		 i, j, n, pad = 0;
	int		 v0, v1, v2, v3, bad = 0;

	*out = NULL;
	*outlen = 0;
	if (inlen % 4 != 0 || (in == NULL && inlen > 0))
		return (-1);
	if (inlen > 0 && in[inlen - 1] == '=')
		pad = (in[inlen - 2] == '=') ? 2 : 1;
	n = inlen / 4 * 3 - pad;
	if ((o = OPENSSL_malloc(n == 0 ? 1 : n)) == NULL)
		return (-1);
	for (i = 0, j = 0; i < inlen; i += 4) {
		v0 = b64_val((unsigned char)in[i]);
		v1 = b64_val((unsigned char)in[i + 1]);
		v2 = b64_val((unsigned char)in[i + 2]);
		v3 = b64_val((unsigned char)in[i + 3]);
		if (i + 4 == inlen && pad > 0) {
			/* The '=' themselves map to -1; accept them here. */
			if (pad == 2) {
				v2 = 0;
				bad |= v1 & 0x0f;	/* non-canonical bits */
			} else
				bad |= v2 & 0x03;
			v3 = 0;
		}
		/* Non-zero once any character was outside the alphabet. */
		bad |= (v0 | v1 | v2 | v3) >> 8;
		if (bad != 0)
			break;
		o[j++] = (unsigned char)(v0 << 2 | v1 >> 4);
		if (j < n)
			o[j++] = (unsigned char)((v1 & 0x0f) << 4 | v2 >> 2);
		if (j < n)
			o[j++] = (unsigned char)((v2 & 0x03) << 6 | v3);
	}
	if (bad != 0) {
		OPENSSL_clear_free(o, n == 0 ? 1 : n);
		return (-1);
	}
	*out = o;
	*outlen = n;
	return (0);
}

void
secret_hex_encode(const unsigned char *in, size_t len, char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

static int
hex_val(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Exactly 2 * outlen hex digits (either case) into out.  0 or -1. */
int
secret_hex_decode(const char *in, size_t inlen, unsigned char *out,
    size_t outlen)
{
	size_t	 i;
	int	 hi, lo;

	if (outlen > SIZE_MAX / 2 || inlen != 2 * outlen)
		return (-1);
	for (i = 0; i < outlen; i++) {
		hi = hex_val((unsigned char)in[2 * i]);
		lo = hex_val((unsigned char)in[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			OPENSSL_cleanse(out, outlen);
			return (-1);
		}
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (0);
}

/*
 * HKDF-SHA256 extract-then-expand.  info is a NUL-terminated label; the
 * labels in use are listed in docs/crypto.md.
 */
int
secret_hkdf(const unsigned char *ikm, size_t ikmlen,
    const unsigned char *salt, size_t saltlen, const char *info,
    unsigned char *out, size_t outlen)
{
	EVP_KDF		*kdf;
	EVP_KDF_CTX	*kctx = NULL;
	OSSL_PARAM	 params[5], *p = params;
	char		 digest[] = "SHA256";
	int		 rv = -1;

	if ((kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_HKDF, NULL)) == NULL)
		return (-1);
	if ((kctx = EVP_KDF_CTX_new(kdf)) == NULL)
		goto fail;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    digest, 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)ikm, ikmlen);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    (void *)info, strlen(info));
	if (salt != NULL && saltlen > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
		    (void *)salt, saltlen);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, out, outlen, params) != 1)
		goto fail;
	rv = 0;
 fail:
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return (rv);
}

/*
 * AES-256-GCM seal of pt[0..ptlen) under a 32-byte key and 12-byte
 * nonce; out receives ptlen + SECRET_GCM_TAGLEN bytes (ct || tag).
 * Nonces are the caller's business: every caller here draws a fresh
 * random nonce per key, and each key seals few messages.
 */
int
secret_gcm_seal(const unsigned char *key, const unsigned char *nonce,
    const unsigned char *aad, size_t aadlen, const unsigned char *pt,
    size_t ptlen, unsigned char *out)
{
	EVP_CIPHER_CTX	*c;
	int		 n, rv = -1;

	if (ptlen > INT_MAX - 32 || aadlen > INT_MAX)
		return (-1);
	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		return (-1);
	if (EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce) != 1)
		goto fail;
	if (aadlen > 0 &&
	    EVP_EncryptUpdate(c, NULL, &n, aad, (int)aadlen) != 1)
		goto fail;
	if (ptlen > 0 && EVP_EncryptUpdate(c, out, &n, pt, (int)ptlen) != 1)
		goto fail;
	if (EVP_EncryptFinal_ex(c, out + ptlen, &n) != 1)
		goto fail;
	if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, SECRET_GCM_TAGLEN,
	    out + ptlen) != 1)
		goto fail;
	rv = 0;
 fail:
	EVP_CIPHER_CTX_free(c);
	return (rv);
}

/*
 * Open ct[0..ctlen) = ciphertext || tag; out receives ctlen - 16 bytes.
 * On any failure (short input, wrong key, altered byte) out is wiped and
 * -1 returned: no unauthenticated plaintext escapes.
 */
int
secret_gcm_open(const unsigned char *key, const unsigned char *nonce,
    const unsigned char *aad, size_t aadlen, const unsigned char *ct,
    size_t ctlen, unsigned char *out)
{
	EVP_CIPHER_CTX	*c;
	unsigned char	 tag[SECRET_GCM_TAGLEN];
	size_t		 ptlen;
	int		 n, rv = -1;

	if (ctlen < SECRET_GCM_TAGLEN || ctlen > INT_MAX || aadlen > INT_MAX)
		return (-1);
	ptlen = ctlen - SECRET_GCM_TAGLEN;
	memcpy(tag, ct + ptlen, sizeof(tag));
	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		return (-1);
	if (EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce) != 1)
		goto fail;
	if (aadlen > 0 &&
	    EVP_DecryptUpdate(c, NULL, &n, aad, (int)aadlen) != 1)
		goto fail;
	if (ptlen > 0 && EVP_DecryptUpdate(c, out, &n, ct, (int)ptlen) != 1)
		goto fail;
	if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, SECRET_GCM_TAGLEN,
	    tag) != 1)
		goto fail;
	if (EVP_DecryptFinal_ex(c, out + ptlen, &n) != 1)
		goto fail;
	rv = 0;
 fail:
	if (rv == -1)
		secret_wipe(out, ptlen);
	EVP_CIPHER_CTX_free(c);
	return (rv);
}

void
secret_kdf_default(struct secret_kdf *k)
{
	k->k_m_kib = SECRET_KDF_M_DEFAULT;
	k->k_t = SECRET_KDF_T_DEFAULT;
	k->k_p = SECRET_KDF_P_DEFAULT;
}

/*
 * 0 when the parameters are ones Argon2 accepts and within the limits
 * above.  Parameters come from configuration and from stored records,
 * so both are checked before any hashing.
 */
int
secret_kdf_check(const struct secret_kdf *k)
{
	if (k->k_p < 1 || k->k_p > SECRET_KDF_P_MAX)
		return (-1);
	if (k->k_t < 1 || k->k_t > SECRET_KDF_T_MAX)
		return (-1);
	if (k->k_m_kib < 8 * k->k_p || k->k_m_kib > SECRET_KDF_M_MAX)
		return (-1);
	return (0);
}

/*
 * Once per process, before any thread hashes: sodium_init() picks
 * libsodium's fastest Argon2 block function for this CPU (AVX-512F,
 * AVX2, SSSE3 or portable).  Without it libsodium stays on the portable
 * code: still correct, only slower.  Safe to call more than once.
 */
int
secret_init(void)
{
	return (sodium_init() == -1 ? -1 : 0);
}

/*
 * 1 when libsodium's crypto_pwhash_argon2id() computes exactly this
 * Argon2id: it fixes p = 1 and a 16-byte salt, takes memory in bytes
 * (so any m in KiB maps exactly) and wants at least 16 output bytes.
 */
int
secret_kdf_fast_ok(const struct secret_kdf *k, size_t saltlen, size_t outlen)
{
	return (secret_kdf_check(k) == 0 && k->k_p == 1 &&
	    saltlen == crypto_pwhash_argon2id_SALTBYTES &&
	    outlen >= crypto_pwhash_argon2id_BYTES_MIN &&
	    outlen <= UINT32_MAX &&
	    (size_t)k->k_m_kib * 1024 >= crypto_pwhash_argon2id_MEMLIMIT_MIN &&
	    k->k_t >= crypto_pwhash_argon2id_OPSLIMIT_MIN);
}

/*
 * Why configured parameters k cannot be used for new hashes (one line,
 * for a start-up error), or NULL when they can.  New hashes must take
 * the fast path; parameters already stored beside old hashes need not.
 */
const char *
secret_kdf_config_error(const struct secret_kdf *k)
{
	if (k->k_p != 1)
		return ("Argon2id lanes (p) must be 1: libsodium's "
		    "crypto_pwhash_argon2id computes p = 1 only");
	if (k->k_t < 1 || k->k_t > SECRET_KDF_T_MAX)
		return ("Argon2id passes (t) must be between 1 and 64");
	if (k->k_m_kib < SECRET_KDF_M_MIN || k->k_m_kib > SECRET_KDF_M_MAX)
		return ("Argon2id memory (m) must be between 8192 KiB (8 MiB) "
		    "and 1048576 KiB (1 GiB)");
	return (NULL);
}

/*
 * The reference: libargon2 (the package the project was specified
 * with), any parameters within secret_kdf_check().  One thread per call
 * whatever the lane count: the daemon already runs this on a worker
 * pool, and the output does not depend on the thread count.
 */
int
secret_argon2id_ref(const struct secret_kdf *k, const void *pw, size_t pwlen,
    const unsigned char *salt, size_t saltlen, unsigned char *out,
    size_t outlen)
{
	argon2_context	 ctx;

	if (secret_kdf_check(k) == -1 || pwlen > UINT32_MAX ||
	    saltlen > UINT32_MAX || outlen > UINT32_MAX)
		return (-1);
	memset(&ctx, 0, sizeof(ctx));
	ctx.out = out;
	ctx.outlen = (uint32_t)outlen;
	ctx.pwd = (uint8_t *)(uintptr_t)pw;
	ctx.pwdlen = (uint32_t)pwlen;
	ctx.salt = (uint8_t *)(uintptr_t)salt;
	ctx.saltlen = (uint32_t)saltlen;
	ctx.t_cost = k->k_t;
	ctx.m_cost = k->k_m_kib;
	ctx.lanes = k->k_p;
	ctx.threads = 1;
	ctx.version = ARGON2_VERSION_13;
	ctx.flags = ARGON2_DEFAULT_FLAGS;
	if (argon2_ctx(&ctx, Argon2_id) != ARGON2_OK) {
		secret_wipe(out, outlen);
		return (-1);
	}
	return (0);
}

/* secret_fast_stats(): hashes and their threads' CPU nanoseconds (a hash
 * whose CPU time could not be read is not counted). */
static atomic_ulong		 fast_n;
static atomic_uint_least64_t	 fast_ns;

static uint64_t
thread_cpu_ns(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == -1)
		return (0);
	return ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

void
secret_fast_stats(unsigned long *n, double *cpu_ms)
{
	*n = atomic_load(&fast_n);
	*cpu_ms = atomic_load(&fast_ns) / 1e6;
}

/*
 * The fast path: libsodium's Argon2id, vectorised at run time.  Same
 * algorithm (version 0x13, no secret, no AD), so the same bytes as the
 * reference; -1 for parameters it cannot take (secret_kdf_fast_ok()).
 * Its working memory is this thread's kept region (argonmem.c), not a
 * fresh mapping per hash.
 */
int
secret_argon2id_fast(const struct secret_kdf *k, const void *pw,
    size_t pwlen, const unsigned char *salt, size_t saltlen,
    unsigned char *out, size_t outlen)
{
	uint64_t	t0, t1;
	int		rc;

	if (!secret_kdf_fast_ok(k, saltlen, outlen) || pwlen > UINT32_MAX)
		return (-1);
	t0 = thread_cpu_ns();
	argonmem_arm();
	rc = crypto_pwhash_argon2id(out, outlen, pw, pwlen, salt, k->k_t,
	    (size_t)k->k_m_kib * 1024, crypto_pwhash_ALG_ARGON2ID13);
	argonmem_disarm();
	if (t0 != 0 && (t1 = thread_cpu_ns()) >= t0) {
		atomic_fetch_add(&fast_ns, t1 - t0);
		atomic_fetch_add(&fast_n, 1);
	}
	if (rc != 0) {
		secret_wipe(out, outlen);
		return (-1);
	}
	return (0);
}

/*
 * Raw Argon2id into out[0..outlen): libsodium when it can compute these
 * parameters (every hash the configuration makes), else the reference,
 * so records stored with p > 1 or another salt length before the fast
 * path existed still verify.  Slow by design; never on the event loop.
 */
int
secret_argon2id(const struct secret_kdf *k, const void *pw, size_t pwlen,
    const unsigned char *salt, size_t saltlen, unsigned char *out,
    size_t outlen)
{
	if (secret_kdf_fast_ok(k, saltlen, outlen))
		return (secret_argon2id_fast(k, pw, pwlen, salt, saltlen, out,
		    outlen));
	return (secret_argon2id_ref(k, pw, pwlen, salt, saltlen, out,
	    outlen));
}
