/*
 * Argon2id working memory kept per thread across hashes (argonmem.c):
 * libsodium maps and unmaps m KiB for every hash; while armed, this
 * thread's mapping is served from a region kept between hashes and wiped
 * after each.  secret_argon2id_fast() arms it around its libsodium call;
 * nothing else needs to.
 */
#ifndef MELDPUNT_CRYPTO_ARGONMEM_H
#define MELDPUNT_CRYPTO_ARGONMEM_H

#include <stddef.h>

struct argonmem_stats {
	unsigned long	 as_lends;	/* hashes served from a kept region */
	unsigned long	 as_maps;	/* regions mapped (all threads) */
	const void	*as_base;	/* this thread's region, or NULL */
	size_t		 as_len;
};

void	argonmem_arm(void);
void	argonmem_disarm(void);
void	argonmem_stats(struct argonmem_stats *);

#endif
