/*
 * The Argon2id bound of the load benchmarks (DESIGN section 8: cores /
 * seconds per hash, measured in the same run): hashes per second with
 * one thread per core hashing at once, with the daemon's own functions
 * -- secret_argon2id_fast() (libsodium, memory kept per thread),
 * secret_argon2id_ref() (libargon2) -- or libsodium called plainly, on
 * all CPUs or on a given set of them (the daemon's, when PostgreSQL and
 * the load generator run on others; benv_split_cpus()).  Header-only,
 * like the rest of bench/.
 */
#ifndef MELDPUNT_BENCH_BOUND_H
#define MELDPUNT_BENCH_BOUND_H

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/secret.h"
#include "bench/loadgen.h"

/* libsodium with memory kept per thread (what the daemon runs,
 * secret_argon2id_fast()), libargon2, and libsodium called as a library
 * user gets it (a fresh mapping per hash, crypto/argonmem.c). */
enum { IMPL_FAST, IMPL_REF, IMPL_PLAIN };

struct hasher {
	double			 ms;		/* window after the warm-up */
	double			 t0, t1;	/* the timed window */
	long			 n;
	int			 impl;
	struct secret_kdf	 k;
};

static inline void
hash_one(struct hasher *h, long i)
{
	unsigned char	 out[32], salt[16] = "meldpunt-bench-s";
	char		 pwd[64];
	int		 rc;

	snprintf(pwd, sizeof(pwd), "4821 7730 %04ld 0062", i % 10000);
	if (h->impl == IMPL_FAST)
		rc = secret_argon2id_fast(&h->k, pwd, strlen(pwd), salt,
		    sizeof(salt), out, sizeof(out));
	else if (h->impl == IMPL_REF)
		rc = secret_argon2id_ref(&h->k, pwd, strlen(pwd), salt,
		    sizeof(salt), out, sizeof(out));
	else
		rc = crypto_pwhash_argon2id(out, sizeof(out), pwd,
		    strlen(pwd), salt, h->k.k_t, (size_t)h->k.k_m_kib * 1024,
		    crypto_pwhash_ALG_ARGON2ID13) == 0 ? 0 : -1;
	if (rc == -1)
		abort();
}

/*
 * One untimed hash first: a thread's first hash maps and populates its
 * region (crypto/argonmem.c; at 128 MiB with huge pages that is a third
 * of a hash), which the daemon's long-lived workers pay once, not per
 * window.  Then at least one timed hash, so a 1 ms window times one.
 */
static inline void *
hash_loop(void *arg)
{
	struct hasher	*h = arg;

	hash_one(h, -1);
	h->t0 = lg_now_ms();
	do
		hash_one(h, h->n++);
	while (lg_now_ms() < h->t0 + h->ms && h->n < 100000);
	h->t1 = lg_now_ms();
	return (NULL);
}

/*
 * Hashes per second with nthreads hashing at once for about ms after each
 * thread's warm-up hash, on the CPUs of on (NULL: wherever the scheduler
 * puts them): the sum of the threads' own rates.
 */
static inline double
hash_rate_on(int impl, uint32_t m, uint32_t t, int nthreads, double ms,
    const cpu_set_t *on)
{
	pthread_t	 th[64];
	pthread_attr_t	 attr;
	struct hasher	 h[64];
	double		 rate = 0;
	int		 i;

	pthread_attr_init(&attr);
	if (on != NULL)
		pthread_attr_setaffinity_np(&attr, sizeof(*on), on);

	for (i = 0; i < nthreads; i++) {
		memset(&h[i], 0, sizeof(h[i]));
		h[i].ms = ms;
		h[i].impl = impl;
		h[i].k.k_m_kib = m;
		h[i].k.k_t = t;
		h[i].k.k_p = 1;
		pthread_create(&th[i], &attr, hash_loop, &h[i]);
	}
	pthread_attr_destroy(&attr);
	for (i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		rate += h[i].n / ((h[i].t1 - h[i].t0) / 1e3);
	}
	return (rate);
}

static inline double
hash_rate(int impl, uint32_t m, uint32_t t, int nthreads, double ms)
{
	return (hash_rate_on(impl, m, t, nthreads, ms, NULL));
}

#endif /* MELDPUNT_BENCH_BOUND_H */
