/*
 * Tests for crypto/argonmem.c: the fast Argon2id path hashes in a region
 * its thread keeps (the interposed mmap/munmap are really in effect, one
 * mapping serves many hashes), the region is zero after every hash, the
 * bytes equal libargon2's, threads do not share regions, a region of
 * 2 MiB or more is aligned for and backed by transparent huge pages where
 * the system allows them, and mappings made outside an armed hash --
 * including libsodium called directly -- are untouched.
 */

#include <sys/mman.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "crypto/argonmem.h"
#include "crypto/secret.h"

static const struct secret_kdf	 K8 = { 8192, 1, 1 };

static void
setup(void)
{
	cr_assert_eq(secret_init(), 0);
}

static int
all_zero(const void *p, size_t len)
{
	const unsigned char	*b = p;
	unsigned char		 acc = 0;
	size_t			 i;

	for (i = 0; i < len; i++)
		acc |= b[i];
	return (acc == 0);
}

static void
hash_checked(const struct secret_kdf *k, const char *pw)
{
	unsigned char	salt[16] = "argonmem-test-sa", fast[32], ref[32];

	cr_assert_eq(secret_argon2id_fast(k, pw, strlen(pw), salt, 16, fast,
	    32), 0);
	cr_assert_eq(secret_argon2id_ref(k, pw, strlen(pw), salt, 16, ref,
	    32), 0);
	cr_assert_eq(memcmp(fast, ref, 32), 0, "%s", pw);
}

Test(argonmem, one_region_serves_many_hashes, .init = setup)
{
	struct argonmem_stats	 a, b;
	const void		*base;
	char			 pw[32];
	int			 i;

	argonmem_stats(&a);
	cr_assert_null(a.as_base);
	hash_checked(&K8, "first");
	argonmem_stats(&b);
	cr_assert_eq(b.as_lends - a.as_lends, 1,
	    "libsodium's mapping was not served from the kept region: the "
	    "mmap/munmap interposition is not in effect");
	cr_assert_eq(b.as_maps - a.as_maps, 1);
	cr_assert_eq(b.as_len, (size_t)8192 * 1024);
	base = b.as_base;
	for (i = 0; i < 4; i++) {
		snprintf(pw, sizeof(pw), "again %d", i);
		hash_checked(&K8, pw);
	}
	argonmem_stats(&b);
	cr_assert_eq(b.as_lends - a.as_lends, 5);
	cr_assert_eq(b.as_maps - a.as_maps, 1, "the region was mapped again");
	cr_assert_eq(b.as_base, base);
}

/* No hash's blocks outlive it: the kept region reads zero afterwards. */
Test(argonmem, region_is_wiped_after_each_hash, .init = setup)
{
	struct argonmem_stats	 st;

	hash_checked(&K8, "4821 7730 1195 0062");
	argonmem_stats(&st);
	cr_assert_not_null(st.as_base);
	cr_assert(all_zero(st.as_base, st.as_len));
}

/* THP mode from sysfs: 1 when "[always]" or "[madvise]" is selected. */
static int
thp_allowed(void)
{
	char	 line[128] = "";
	FILE	*fp;

	if ((fp = fopen("/sys/kernel/mm/transparent_hugepage/enabled",
	    "r")) == NULL)
		return (0);
	if (fgets(line, sizeof(line), fp) == NULL)
		line[0] = '\0';
	fclose(fp);
	return (strstr(line, "[always]") != NULL ||
	    strstr(line, "[madvise]") != NULL);
}

/* KiB of AnonHugePages in the mapping of /proc/self/smaps holding p. */
static long
huge_kib_at(const void *p)
{
	char		 line[512];
	FILE		*fp;
	uintmax_t	 lo, hi;
	uintptr_t	 a = (uintptr_t)p;
	long		 kib = -1, v;
	int		 in = 0;

	cr_assert_not_null(fp = fopen("/proc/self/smaps", "r"));
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, "%jx-%jx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = a >= lo && a < hi;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &v) == 1)
			kib = v;
	}
	fclose(fp);
	return (kib);
}

/*
 * The region sits on a 2 MiB boundary and, where THP may be used, is
 * backed by huge pages: the TLB then covers Argon2's random reads
 * (crypto/argonmem.c).
 */
Test(argonmem, region_uses_huge_pages, .init = setup)
{
	struct argonmem_stats	 st;

	hash_checked(&K8, "huge");
	argonmem_stats(&st);
	cr_assert_not_null(st.as_base);
	cr_assert_eq((uintptr_t)st.as_base % ((uintptr_t)2 << 20), 0,
	    "region at %p is not 2 MiB aligned", st.as_base);
	if (!thp_allowed()) {
		cr_log_warn("transparent huge pages are off here: alignment "
		    "checked, backing not");
		return;
	}
	cr_assert_gt(huge_kib_at(st.as_base), 0,
	    "no huge page backs the Argon2 region");
	cr_assert(all_zero(st.as_base, st.as_len));
}

/* Another m: the region is replaced, and the result is still exact. */
Test(argonmem, other_cost_replaces_region, .init = setup)
{
	struct secret_kdf	 k12 = { 12288, 2, 1 };
	struct argonmem_stats	 a, b;

	hash_checked(&K8, "small");
	argonmem_stats(&a);
	hash_checked(&k12, "larger");
	argonmem_stats(&b);
	cr_assert_eq(b.as_len, (size_t)12288 * 1024);
	cr_assert_eq(b.as_maps - a.as_maps, 1);
	cr_assert(all_zero(b.as_base, b.as_len));
}

/* Outside an armed hash, the same mapping shape is the system's own. */
Test(argonmem, unarmed_mappings_pass_through, .init = setup)
{
	struct argonmem_stats	 a, b;
	unsigned char		 salt[16] = { 1 }, out[32], ref[32];
	size_t			 len = (size_t)8192 * 1024;
	void			*p;

	hash_checked(&K8, "warm");
	argonmem_stats(&a);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	cr_assert_neq(p, MAP_FAILED);
	cr_assert_neq(p, a.as_base);
	memset(p, 0xa5, len);
	cr_assert_eq(munmap(p, len), 0);
	/* libsodium called directly (as bench_intake's "plain" row does). */
	cr_assert_eq(crypto_pwhash_argon2id(out, 32, "pw", 2, salt, 1, len,
	    crypto_pwhash_ALG_ARGON2ID13), 0);
	cr_assert_eq(secret_argon2id_ref(&K8, "pw", 2, salt, 16, ref, 32), 0);
	cr_assert_eq(memcmp(out, ref, 32), 0);
	argonmem_stats(&b);
	cr_assert_eq(b.as_lends, a.as_lends);
	cr_assert_eq(b.as_maps, a.as_maps);
	cr_assert_eq(b.as_base, a.as_base);
	/* The kept region itself was not unmapped or written by those. */
	cr_assert(all_zero(b.as_base, b.as_len));
}

struct worker {
	int		 id;
	const void	*base;
};

static void *
worker(void *arg)
{
	struct worker		*w = arg;
	struct argonmem_stats	 st;
	char			 pw[32];
	int			 i;

	for (i = 0; i < 3; i++) {
		snprintf(pw, sizeof(pw), "thread %d hash %d", w->id, i);
		hash_checked(&K8, pw);
	}
	argonmem_stats(&st);
	w->base = st.as_base;
	return (NULL);
}

Test(argonmem, threads_keep_their_own_regions, .init = setup)
{
	pthread_t		 t[2];
	struct worker		 w[2] = { { 0, NULL }, { 1, NULL } };
	struct argonmem_stats	 a, b;
	int			 i;

	argonmem_stats(&a);
	for (i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, worker, &w[i]), 0);
	for (i = 0; i < 2; i++)
		cr_assert_eq(pthread_join(t[i], NULL), 0);
	argonmem_stats(&b);
	cr_assert_not_null(w[0].base);
	cr_assert_not_null(w[1].base);
	cr_assert_neq(w[0].base, w[1].base);
	cr_assert_eq(b.as_lends - a.as_lends, 6);
	cr_assert_eq(b.as_maps - a.as_maps, 2);
}
