/*
 * Argon2id working memory kept per thread across hashes.
 *
 * libsodium's crypto_pwhash_argon2id() maps its m KiB of working memory
 * with mmap(MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE) at the start of
 * every hash and munmap()s it at the end, and has no way to pass memory
 * in.  At meldpunt's receipt cost (19 MiB) that map-populate-unmap alone
 * took 10-12 ms on the project's machines (page faults, zeroing and
 * memory-cgroup charging of 4,864 pages, then freeing them), out of a
 * 23 ms hash: nearly half of the public side's CPU went to the kernel,
 * not to Argon2 (docs/benchmarks.md §2).
 *
 * So this file defines mmap() and munmap() for the executable.  A
 * dynamically linked libsodium calls them through its PLT, and the
 * executable's definitions come first in symbol lookup.  They pass every
 * call straight to the system call, except while argonmem_arm() is in
 * force on the calling thread (secret_argon2id_fast() arms it around the
 * one libsodium call): then the single anonymous MAP_POPULATE mapping that
 * libsodium asks for is served from a region this thread keeps, and its
 * munmap() wipes the region instead of unmapping it.  Nothing else
 * changes: the same libsodium code computes the same bytes in the same
 * memory layout (tests/crypto/test_secret.c checks both, and that the
 * region really is reused and zero after each hash).
 *
 * Costs and limits, on purpose:
 *  - each thread that hashes keeps m KiB mapped between hashes (the
 *    daemon's workers peak at that anyway while hashing); a region above
 *    ARGONMEM_MAX is never kept, and a thread's region is unmapped when
 *    the thread exits;
 *  - the wipe after each hash (sodium_memzero of m KiB, ~1-2 ms at
 *    19 MiB) replaces the kernel's zeroing of fresh pages, so no hash's
 *    blocks outlive it in the region; the region is MADV_DONTDUMP, like
 *    the pages of secret_new_locked();
 *  - a region of 2 MiB or more is aligned to 2 MiB and advised
 *    MADV_HUGEPAGE before it is populated, so that transparent huge
 *    pages back it where the system allows them ("madvise" or "always"
 *    in /sys/kernel/mm/transparent_hugepage/enabled, Debian's default
 *    being "madvise"): Argon2's data-dependent reads over m KiB then
 *    miss the TLB on a handful of 2 MiB pages instead of 4,864 small
 *    ones -- 14% more hashes per second at 19 MiB on the project's
 *    machines, and steadier when the loop thread shares the core
 *    (docs/benchmarks.md §2).  The first population of such a region
 *    may compact memory once; where THP is off, the region is simply
 *    made of small pages, as before;
 *  - the real calls are raw system calls (Linux), so this file never
 *    recurses into itself and no libc internals are involved.
 * If the interposition is not in effect (a statically linked libsodium,
 * another allocator in a future libsodium), hashes are simply as slow as
 * before; argonmem_stats() says how many hashes were served.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/argonmem.h"

#if !defined(__linux__) || !defined(SYS_mmap) || !defined(SYS_munmap)
#error "crypto/argonmem.c needs Linux's mmap/munmap system calls"
#endif

/* The largest region a thread keeps between hashes (1 GiB = the largest m
 * configuration accepts, secret_kdf_config_error()). */
#define ARGONMEM_MAX	((size_t)1 << 30)

/* A transparent huge page (x86-64, arm64 with 4 KiB pages). */
#define ARGONMEM_HUGE	((size_t)2 << 20)

/* The one mapping shape libsodium's Argon2 asks for. */
#define ARGONMEM_FLAGS	(MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE)

struct argonmem {
	void		*am_base;	/* kept region, or NULL */
	size_t		 am_len;
	int		 am_armed;	/* inside one armed hash */
	int		 am_lent;	/* am_base handed out, not back yet */
};

static _Thread_local struct argonmem	 tl_mem;
static pthread_key_t			 am_key;
static pthread_once_t			 am_once = PTHREAD_ONCE_INIT;
static int				 am_key_ok;
static atomic_ulong			 am_lends, am_maps;

static void *
sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return ((void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off));
}

static int
sys_munmap(void *addr, size_t len)
{
	return ((int)syscall(SYS_munmap, addr, len));
}

/* Thread exit: give the region back to the system. */
static void
argonmem_exit(void *unused)
{
	(void)unused;
	if (tl_mem.am_base != NULL && !tl_mem.am_lent)
		(void)sys_munmap(tl_mem.am_base, tl_mem.am_len);
	tl_mem.am_base = NULL;
	tl_mem.am_len = 0;
}

static void
argonmem_key_init(void)
{
	am_key_ok = pthread_key_create(&am_key, argonmem_exit) == 0;
}

void
argonmem_arm(void)
{
	tl_mem.am_armed = 1;
}

/*
 * After the armed call.  A region still lent means libsodium failed
 * between its mmap and its munmap (it does not: every path frees), so
 * the region is dropped rather than reused in an unknown state.
 */
void
argonmem_disarm(void)
{
	tl_mem.am_armed = 0;
	if (tl_mem.am_lent) {
		sodium_memzero(tl_mem.am_base, tl_mem.am_len);
		(void)sys_munmap(tl_mem.am_base, tl_mem.am_len);
		tl_mem.am_base = NULL;
		tl_mem.am_len = 0;
		tl_mem.am_lent = 0;
	}
}

void
argonmem_stats(struct argonmem_stats *st)
{
	st->as_lends = atomic_load(&am_lends);
	st->as_maps = atomic_load(&am_maps);
	st->as_base = tl_mem.am_base;
	st->as_len = tl_mem.am_len;
}

/*
 * len bytes at a 2 MiB boundary, advised MADV_HUGEPAGE, then populated
 * (what MAP_POPULATE did for the unaligned mapping): map 2 MiB more than
 * needed and give back the ends.  NULL when the system is out of memory.
 */
static void *
argonmem_map_huge(size_t len, int prot)
{
	uint8_t		*raw, *al;
	long		 sc = sysconf(_SC_PAGESIZE);
	size_t		 pg = sc > 0 ? (size_t)sc : 4096, i;
	/* Whole pages, so that the tail given back starts on one. */
	size_t		 plen = (len + pg - 1) & ~(pg - 1);
	size_t		 span = plen + ARGONMEM_HUGE;

	raw = sys_mmap(NULL, span, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return (NULL);
	al = (uint8_t *)(((uintptr_t)raw + ARGONMEM_HUGE - 1) &
	    ~(uintptr_t)(ARGONMEM_HUGE - 1));
	if (al > raw)
		(void)sys_munmap(raw, (size_t)(al - raw));
	if (raw + span > al + plen)
		(void)sys_munmap(al + plen, (size_t)(raw + span - (al + plen)));
#ifdef MADV_HUGEPAGE
	(void)madvise(al, len, MADV_HUGEPAGE);
#endif
#ifdef MADV_POPULATE_WRITE
	if (madvise(al, len, MADV_POPULATE_WRITE) == 0)
		return (al);
#endif
	/* Kernels before 5.14: one write per page (they read zero). */
	for (i = 0; i < len; i += pg)
		((volatile uint8_t *)al)[i] = 0;
	return (al);
}

/* This thread's region of len bytes, mapped (and populated) if need be. */
static void *
argonmem_region(size_t len, int prot)
{
	void	*p;

	if (tl_mem.am_base != NULL && tl_mem.am_len == len)
		return (tl_mem.am_base);
	if (tl_mem.am_base != NULL) {
		(void)sys_munmap(tl_mem.am_base, tl_mem.am_len);
		tl_mem.am_base = NULL;
		tl_mem.am_len = 0;
	}
	if (len >= ARGONMEM_HUGE)
		p = argonmem_map_huge(len, prot);
	else if ((p = sys_mmap(NULL, len, prot, ARGONMEM_FLAGS, -1, 0)) ==
	    MAP_FAILED)
		p = NULL;
	if (p == NULL)
		return (NULL);
#ifdef MADV_DONTDUMP
	(void)madvise(p, len, MADV_DONTDUMP);
#endif
	(void)pthread_once(&am_once, argonmem_key_init);
	if (am_key_ok)
		(void)pthread_setspecific(am_key, &tl_mem);
	tl_mem.am_base = p;
	tl_mem.am_len = len;
	atomic_fetch_add(&am_maps, 1);
	return (p);
}

void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void	*p;

	if (tl_mem.am_armed && !tl_mem.am_lent && addr == NULL &&
	    fd == -1 && off == 0 && flags == ARGONMEM_FLAGS &&
	    prot == (PROT_READ | PROT_WRITE) && len > 0 &&
	    len <= ARGONMEM_MAX && (p = argonmem_region(len, prot)) != NULL) {
		tl_mem.am_lent = 1;
		atomic_fetch_add(&am_lends, 1);
		return (p);
	}
	return (sys_mmap(addr, len, prot, flags, fd, off));
}

int
munmap(void *addr, size_t len)
{
	if (tl_mem.am_lent && addr == tl_mem.am_base &&
	    len == tl_mem.am_len) {
		sodium_memzero(addr, len);
		tl_mem.am_lent = 0;
		return (0);
	}
	return (sys_munmap(addr, len));
}
