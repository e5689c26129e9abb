/*
 * Secret bytes and the small primitives every other crypto/ module shares:
 * a wiped-on-free buffer that can be mlock()ed, constant-time comparison,
 * CSPRNG fill, strict base64 (RFC 4648 §4) and hex, HKDF-SHA256,
 * AES-256-GCM over whole buffers, and one Argon2id entry point with the
 * parameter limits the rest of meldpunt relies on.  Part of
 * libmeldcrypto: it never includes daemon headers and never logs.
 *
 * Ownership: every pointer argument is borrowed unless the comment says
 * "takes ownership" or "caller frees".  All functions are thread-safe and
 * keep no global state, so the daemon may call them from worker threads.
 */
#ifndef MELDPUNT_CRYPTO_SECRET_H
#define MELDPUNT_CRYPTO_SECRET_H

#include <stddef.h>
#include <stdint.h>

/*
 * A secret buffer.  s_buf holds s_len bytes (zeroed on creation).  The
 * other members are private to secret.c.  Release with secret_free(),
 * which wipes before freeing.
 */
struct secret {
	unsigned char	*s_buf;
	size_t		 s_len;
	size_t		 s_maplen;	/* > 0: s_buf is an mmap()ed region */
	int		 s_locked;	/* 1 when mlock() succeeded */
};

struct secret	*secret_new(size_t);
struct secret	*secret_new_locked(size_t);
struct secret	*secret_new_from(const void *, size_t, int);
int		 secret_is_locked(const struct secret *);
void		 secret_free(struct secret *);

void		 secret_wipe(void *, size_t);
int		 secret_equal(const void *, const void *, size_t);
int		 secret_random(void *, size_t);

/* Base64, RFC 4648 §4 with padding; see docs/crypto.md §6. */
size_t		 secret_b64_encoded_len(size_t);
int		 secret_b64_encode(const unsigned char *, size_t, char **,
		    size_t *);
int		 secret_b64_decode(const char *, size_t, unsigned char **,
		    size_t *);

/* Lower-case hex.  out must hold 2 * len + 1 bytes. */
void		 secret_hex_encode(const unsigned char *, size_t, char *);
int		 secret_hex_decode(const char *, size_t, unsigned char *,
		    size_t);

/* HKDF-SHA256 (RFC 5869), extract and expand; salt may be NULL/0. */
int		 secret_hkdf(const unsigned char *, size_t,
		    const unsigned char *, size_t, const char *,
		    unsigned char *, size_t);

/* AES-256-GCM: out = ciphertext || 16-byte tag. */
#define SECRET_GCM_KEYLEN	32
#define SECRET_GCM_NONCELEN	12
#define SECRET_GCM_TAGLEN	16
int		 secret_gcm_seal(const unsigned char *, const unsigned char *,
		    const unsigned char *, size_t, const unsigned char *,
		    size_t, unsigned char *);
int		 secret_gcm_open(const unsigned char *, const unsigned char *,
		    const unsigned char *, size_t, const unsigned char *,
		    size_t, unsigned char *);

/*
 * Argon2id cost parameters: memory in KiB, passes, lanes.  Stored beside
 * every hash so that configuration may change without breaking old ones.
 */
struct secret_kdf {
	uint32_t	k_m_kib;
	uint32_t	k_t;
	uint32_t	k_p;
};

/* OWASP's recommendation: 19 MiB, 2 passes, 1 lane. */
#define SECRET_KDF_M_DEFAULT	19456
#define SECRET_KDF_T_DEFAULT	2
#define SECRET_KDF_P_DEFAULT	1
/* Upper bounds, so that parameters read back from storage cannot DoS. */
#define SECRET_KDF_M_MAX	(1024 * 1024)	/* 1 GiB */
#define SECRET_KDF_T_MAX	64
#define SECRET_KDF_P_MAX	16

/* What configuration may ask for new hashes (the fast path's range). */
#define SECRET_KDF_M_MIN	8192	/* 8 MiB */

void		 secret_kdf_default(struct secret_kdf *);
int		 secret_kdf_check(const struct secret_kdf *);
int		 secret_kdf_fast_ok(const struct secret_kdf *, size_t, size_t);
const char	*secret_kdf_config_error(const struct secret_kdf *);

/*
 * Argon2id has two implementations here: libsodium's (vectorised, the
 * fast path every new hash takes) and libargon2's portable reference
 * (tests compare the two; it also computes records whose parameters the
 * fast path cannot take).  secret_argon2id() picks; secret_init() must
 * run once at start-up for libsodium to pick its SIMD code.
 */
int		 secret_init(void);
int		 secret_argon2id(const struct secret_kdf *, const void *,
		    size_t, const unsigned char *, size_t, unsigned char *,
		    size_t);
int		 secret_argon2id_fast(const struct secret_kdf *, const void *,
		    size_t, const unsigned char *, size_t, unsigned char *,
		    size_t);
/*
 * Hashes the fast path computed in this process so far, and the CPU time
 * their threads spent in them (CLOCK_THREAD_CPUTIME_ID: time on a CPU,
 * not time preempted by the event loop): the daemon's shutdown report, and
 * the benchmarks' Argon2id cost as measured inside a load phase.
 */
void		 secret_fast_stats(unsigned long *, double *);
int		 secret_argon2id_ref(const struct secret_kdf *, const void *,
		    size_t, const unsigned char *, size_t, unsigned char *,
		    size_t);

#endif /* MELDPUNT_CRYPTO_SECRET_H */
